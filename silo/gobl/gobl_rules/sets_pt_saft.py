# ruff: noqa: E501 -- the messages are kept whole, as GOBL prints them, to be searched for
"""The rules of Portugal's SAF-T add-on (pt-saft-v1), which GOBL v0.502.1 approves but keeps in
its own module (invopop/gobl.pt.saft, v0.0.1: addon/invoices.go, line.go, item.go, note.go,
tax_combo.go): the codes and messages a GOBL with that module reports. GOBL publishes no rule
data for it, so each test's name here is ours; the predicates are below, registered by code
before the sets are compiled.

Not transcribed yet: the module's rules for payments, orders and deliveries (their types,
series and codes, the supplier's tax ID, despatch dates).
"""

import re

from .. import amounts as num
from .dsl import check, each, field, namespace, on, when
from .predicates import BY_ASSERT, NAMED, member, objects

INVOICE_TYPE, WORK_TYPE = "pt-saft-invoice-type", "pt-saft-work-type"
SOURCE, SOURCE_REF, EXEMPTION = "pt-saft-source", "pt-saft-source-ref", "pt-saft-exemption"
INVOICE_WORK_TYPES = ("PF", "FC", "CC")
SERIES = re.compile(r"^[^ ]+ [^/^ ]+$")  # "FT SERIES-A", from the SAF-T (PT) XSD
CODE = re.compile(r"^[0-9]+$")
FULL_CODE = re.compile(r"^[^ ]+ [^/^ ]+/[0-9]+$")  # "FT SERIES-A/123", without a series
SOURCE_REF_FORMAT = re.compile(r"^([^ ]+)(?:M|D ([^ ]+)) [^/^ ]+/[$0-9]+$")


def tax_ext(doc) -> dict:
    ext = member(doc, "tax", "ext")
    return ext if isinstance(ext, dict) else {}


def doc_type(doc) -> str:
    ext = tax_ext(doc)
    return ext.get(INVOICE_TYPE) or ext.get(WORK_TYPE) or ""


def amount(value):
    try:
        return num.parse(value) if value is not None else None
    except num.AmountError:
        return None


def at_least_zero(value, context) -> bool:
    found = amount(value)
    return found is None or found >= 0


def above_zero(value, context) -> bool:
    found = amount(value)
    return found is None or found > 0


def series_valid(invoice, context) -> bool:
    series = member(invoice, "series")
    if not isinstance(series, str) or not series:
        return True
    kind = doc_type(invoice)
    return (not kind or series.startswith(kind + " ")) and bool(SERIES.match(series))


def code_valid(invoice, context) -> bool:
    code = member(invoice, "code")
    if not isinstance(code, str) or not code:
        return True
    if member(invoice, "series"):
        return bool(CODE.match(code))
    kind = doc_type(invoice)
    return (not kind or code.startswith(kind + " ")) and bool(FULL_CODE.match(code))


def source_ref_valid(invoice, context) -> bool:
    """A manually issued document's reference: its own type, then M, or D and the type of
    the document it copies."""
    ext, kind = tax_ext(invoice), doc_type(invoice)
    ref = ext.get(SOURCE_REF)
    if ext.get(SOURCE) != "M" or not ref or not kind:
        return True
    found = SOURCE_REF_FORMAT.match(ref)
    return bool(found) and found[1] == kind and found[2] in (None, kind)


def has_vat(line, context) -> bool:
    return any(t.get("cat") == "VAT" for t in objects(member(line, "taxes")))


def exempt_has_exemption(ext, context) -> bool:
    if not isinstance(ext, dict):
        return True
    return ext.get("pt-saft-tax-rate") != "ISE" or bool(ext.get(EXEMPTION))


def is_exemption_note(note) -> bool:
    return isinstance(note, dict) and note.get("key") == "legal" and note.get("src") == EXEMPTION


def exemption_notes_valid(line, context) -> bool:
    """One legal note per exempt line, of the line's exemption cause; none on another."""
    vat = next((t for t in objects(member(line, "taxes")) if t.get("cat") == "VAT"), {})
    code = vat.get("ext", {}).get(EXEMPTION) if isinstance(vat.get("ext"), dict) else None
    notes = [n for n in objects(member(line, "notes")) if is_exemption_note(n)]
    if not code:
        return not notes
    return len(notes) == 1 and notes[0].get("code") == code


def due_is_zero(due, context) -> bool:
    found = amount(due)
    return found is None or found == 0


NAMED.update(
    {
        "pt-saft: is VAT": lambda combo, context: member(combo, "cat") == "VAT",
        "pt-saft: invoice-receipt": lambda doc, context: doc_type(doc) == "FR",
        "pt-saft: source not produced": lambda doc, context: tax_ext(doc).get(SOURCE, "P") != "P",
        "pt-saft: legal exemption note": lambda note, context: is_exemption_note(note),
    }
)
BY_ASSERT.update(
    {
        "GOBL-PT-SAFT-BILL-INVOICE-01": lambda doc, context: bool(
            {INVOICE_TYPE, WORK_TYPE} & set(tax_ext(doc))
        ),
        "GOBL-PT-SAFT-BILL-INVOICE-02": lambda doc, context: (
            not ({INVOICE_TYPE, WORK_TYPE} <= set(tax_ext(doc)))
        ),
        "GOBL-PT-SAFT-BILL-INVOICE-03": lambda doc, context: (
            tax_ext(doc).get(WORK_TYPE) in (None, *INVOICE_WORK_TYPES)
        ),
        "GOBL-PT-SAFT-BILL-INVOICE-04": series_valid,
        "GOBL-PT-SAFT-BILL-INVOICE-05": code_valid,
        "GOBL-PT-SAFT-BILL-INVOICE-07": has_vat,
        "GOBL-PT-SAFT-BILL-INVOICE-09": at_least_zero,
        "GOBL-PT-SAFT-BILL-INVOICE-10": due_is_zero,
        "GOBL-PT-SAFT-BILL-INVOICE-12": lambda doc, context: bool(tax_ext(doc).get(SOURCE)),
        "GOBL-PT-SAFT-BILL-INVOICE-13": lambda doc, context: bool(tax_ext(doc).get(SOURCE_REF)),
        "GOBL-PT-SAFT-BILL-INVOICE-14": source_ref_valid,
        "GOBL-PT-SAFT-BILL-INVOICE-16": at_least_zero,
        "GOBL-PT-SAFT-TAX-COMBO-02": exempt_has_exemption,
        "GOBL-PT-SAFT-TAX-RATETOTAL-02": exempt_has_exemption,
        "GOBL-PT-SAFT-BILL-LINE-01": above_zero,
        "GOBL-PT-SAFT-BILL-LINE-02": at_least_zero,
        "GOBL-PT-SAFT-BILL-LINE-03": at_least_zero,
        "GOBL-PT-SAFT-BILL-LINE-04": at_least_zero,
        "GOBL-PT-SAFT-BILL-LINE-05": exemption_notes_valid,
    }
)

REGION_AND_RATE = "ext require [pt-region, pt-saft-tax-rate]"

SETS = [
    namespace(
        "GOBL-PT-SAFT",
        "pt-saft",
        on(
            "bill.Invoice",
            "GOBL-PT-SAFT-BILL-INVOICE",
            check(
                "GOBL-PT-SAFT-BILL-INVOICE-15",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            check(
                "GOBL-PT-SAFT-BILL-INVOICE-01",
                "either 'pt-saft-work-type' or 'pt-saft-invoice-type' must be set",
                "has doc type",
            ),
            check(
                "GOBL-PT-SAFT-BILL-INVOICE-02",
                "either 'pt-saft-work-type' or 'pt-saft-invoice-type' must be set, but not both",
                "not both doc types",
            ),
            check("GOBL-PT-SAFT-BILL-INVOICE-03", "invoice work type is not valid", "work type"),
            check("GOBL-PT-SAFT-BILL-INVOICE-04", "series format must be valid", "series format"),
            check("GOBL-PT-SAFT-BILL-INVOICE-05", "code format must be valid", "code format"),
            field(
                "value_date", check("GOBL-PT-SAFT-BILL-INVOICE-06", "cannot be blank", "present")
            ),
            field(
                "lines",
                each(
                    check(
                        "GOBL-PT-SAFT-BILL-INVOICE-07",
                        "line taxes must include VAT category",
                        "has VAT",
                    )
                ),
            ),
            field(
                "payment",
                field(
                    "advances",
                    each(
                        field(
                            "date",
                            check("GOBL-PT-SAFT-BILL-INVOICE-08", "cannot be blank", "present"),
                        ),
                        field(
                            "amount",
                            check("GOBL-PT-SAFT-BILL-INVOICE-16", "must be no less than 0", "≥ 0"),
                        ),
                    ),
                ),
            ),
            field(
                "totals",
                field(
                    "payable",
                    check("GOBL-PT-SAFT-BILL-INVOICE-09", "must be no less than 0", "≥ 0"),
                ),
            ),
            when(
                "pt-saft: invoice-receipt",
                field(
                    "totals",
                    field(
                        "due", check("GOBL-PT-SAFT-BILL-INVOICE-10", "must be equal to 0", "= 0")
                    ),
                ),
            ),
            field(
                "preceding",
                check(
                    "GOBL-PT-SAFT-BILL-INVOICE-11",
                    "the length must be no more than 1",
                    "length between 0 and 1",
                ),
            ),
            check(
                "GOBL-PT-SAFT-BILL-INVOICE-12",
                "tax requires 'pt-saft-source' extension",
                "tax has source",
            ),
            when(
                "pt-saft: source not produced",
                check(
                    "GOBL-PT-SAFT-BILL-INVOICE-13",
                    "tax requires 'pt-saft-source-ref' extension when source is not produced",
                    "tax has source ref",
                ),
            ),
            check(
                "GOBL-PT-SAFT-BILL-INVOICE-14", "source ref format is invalid", "source ref format"
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-PT-SAFT-TAX-COMBO",
            when(
                "pt-saft: is VAT",
                field(
                    "ext",
                    check(
                        "GOBL-PT-SAFT-TAX-COMBO-01",
                        "region and tax rate are required",
                        REGION_AND_RATE,
                    ),
                    check(
                        "GOBL-PT-SAFT-TAX-COMBO-02",
                        "exemption is required when tax rate is exempt",
                        "exempt requires exemption",
                    ),
                ),
            ),
        ),
        on(
            "tax.RateTotal",
            "GOBL-PT-SAFT-TAX-RATETOTAL",
            field(
                "ext",
                check(
                    "GOBL-PT-SAFT-TAX-RATETOTAL-01",
                    "region and tax rate are required",
                    REGION_AND_RATE,
                ),
                check(
                    "GOBL-PT-SAFT-TAX-RATETOTAL-02",
                    "exemption is required when tax rate is exempt",
                    "exempt requires exemption",
                ),
            ),
        ),
        on(
            "org.Item",
            "GOBL-PT-SAFT-ORG-ITEM",
            field("unit", check("GOBL-PT-SAFT-ORG-ITEM-01", "cannot be blank", "present")),
            field(
                "ext",
                check(
                    "GOBL-PT-SAFT-ORG-ITEM-02",
                    "product type is required",
                    "ext require [pt-saft-product-type]",
                ),
            ),
        ),
        on(
            "bill.Line",
            "GOBL-PT-SAFT-BILL-LINE",
            field("quantity", check("GOBL-PT-SAFT-BILL-LINE-01", "must be greater than 0", "> 0")),
            field("sum", check("GOBL-PT-SAFT-BILL-LINE-02", "must be no less than 0", "≥ 0")),
            field("total", check("GOBL-PT-SAFT-BILL-LINE-03", "must be no less than 0", "≥ 0")),
            field(
                "discounts",
                each(
                    field(
                        "amount",
                        check("GOBL-PT-SAFT-BILL-LINE-04", "must be no less than 0", "≥ 0"),
                    )
                ),
            ),
            check("GOBL-PT-SAFT-BILL-LINE-05", "exemption notes invalid", "exemption notes"),
        ),
        on(
            "org.Note",
            "GOBL-PT-SAFT-ORG-NOTE",
            when(
                "pt-saft: legal exemption note",
                field(
                    "text",
                    check(
                        "GOBL-PT-SAFT-ORG-NOTE-01",
                        "the length must be between 6 and 60",
                        "length between 6 and 60",
                    ),
                ),
            ),
        ),
        guard="context: addon in [pt-saft-v1]",
    ),
]
