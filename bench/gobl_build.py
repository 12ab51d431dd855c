"""gobl.build benchmark: the median time to build (calculate, validate, digest) an invoice of
10 lines and one of 1,000 lines, as the provider does it, without the database.

    .venv/bin/python bench/gobl_build.py [--runs 50] [--addons es-verifactu-v1,eu-en16931-v2017]

The lines mix regimes' usual cases: VAT at two rates, a retained tax, line discounts by
percent and amount, a line charge, plus a document discount and charge.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from silo.gobl import build_envelope  # noqa: E402


def invoice(lines: int) -> dict:
    return {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": "0190f2a4-5c1b-7000-8000-000000000001"},
        "doc": {
            "$schema": "https://gobl.org/draft-0/bill/invoice",
            "series": "B",
            "code": "2025-0001",
            "issue_date": "2025-03-01",
            # Addresses and payment terms: what EN 16931's rules ask of an invoice (--addons).
            "supplier": {
                "name": "Provide One S.L.",
                "tax_id": {"country": "ES", "code": "B98602642"},
                "addresses": [
                    {
                        "street": "Calle Pradillo 42",
                        "locality": "Madrid",
                        "code": "28002",
                        "country": "ES",
                    }
                ],
            },
            "customer": {
                "name": "Sample Consumer",
                "tax_id": {"country": "ES", "code": "54387763P"},
                "addresses": [
                    {
                        "street": "Calle Mayor 1",
                        "locality": "Madrid",
                        "code": "28013",
                        "country": "ES",
                    }
                ],
            },
            "payment": {
                "terms": {
                    "key": "due-date",
                    "due_dates": [{"date": "2025-03-31", "percent": "100%"}],
                }
            },
            "lines": [line(i) for i in range(lines)],
            "discounts": [
                {"percent": "2%", "reason": "Volume", "taxes": [{"cat": "VAT", "rate": "standard"}]}
            ],
            "charges": [
                {
                    "amount": "25.00",
                    "reason": "Shipping",
                    "taxes": [{"cat": "VAT", "rate": "standard"}],
                }
            ],
        },
    }


def line(i: int) -> dict:
    found = {
        "quantity": str(1 + i % 7),
        "item": {"name": f"Item {i}", "price": f"{10 + i % 90}.{i % 100:02d}"},
        "taxes": [{"cat": "VAT", "rate": "reduced" if i % 4 == 0 else "standard"}],
    }
    if i % 3 == 0:
        found["discounts"] = [{"percent": "10%", "reason": "Promotion"}]
    if i % 5 == 0:
        found["discounts"] = [{"amount": "1.50", "reason": "Coupon"}]
        found["charges"] = [{"amount": "0.75", "reason": "Packaging"}]
    if i % 11 == 0:
        found["taxes"].append({"cat": "IRPF", "rate": "pro"})
    return found


def median_ms(lines: int, runs: int, addons: list[str]) -> float:
    data = invoice(lines)
    if addons:
        data["doc"]["$addons"] = addons
    _, problems = build_envelope(data)
    assert problems == [], problems
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        build_envelope(data)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--addons", default="", help="add-on keys, comma-separated")
    args = parser.parse_args()
    for lines in (10, 1000):
        runs = args.runs if lines <= 100 else max(5, args.runs // 5)
        median = median_ms(lines, runs, [a for a in args.addons.split(",") if a])
        print(f"{lines:>5} lines: median {median:8.2f} ms over {runs} runs")


if __name__ == "__main__":
    main()
