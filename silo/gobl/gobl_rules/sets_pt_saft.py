# ruff: noqa: E501 -- the messages are kept whole, as GOBL prints them, to be searched for
"""The rules of Portugal's SAF-T add-on (pt-saft-v1), which GOBL v0.502.1 approves but keeps in
its own module (invopop/gobl.pt.saft, v0.0.1: addon/invoices.go, line.go, item.go, note.go,
tax_combo.go): the codes and messages a GOBL with that module reports. GOBL publishes no rule
data for it, so each test's name here is ours; the predicates are below, registered by code
before the sets are compiled.

Also payments.go, payment_line.go, orders.go and deliveries.go: their types, series and codes
by type, sources, the supplier's tax ID, despatch dates, a payment line's document and VAT.
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


def series_valid_for(kind_of):
    """A series is "<document type> <name>" (the SAF-T (PT) XSD's); `kind_of` reads the type."""

    def test(doc, context) -> bool:
        series = member(doc, "series")
        if not isinstance(series, str) or not series:
            return True
        kind = kind_of(doc)
        return (not kind or series.startswith(kind + " ")) and bool(SERIES.match(series))

    return test


def code_valid_for(kind_of):
    """A code is a number after a series, else "<type> <series>/<number>"."""

    def test(doc, context) -> bool:
        code = member(doc, "code")
        if not isinstance(code, str) or not code:
            return True
        if member(doc, "series"):
            return bool(CODE.match(code))
        kind = kind_of(doc)
        return (not kind or code.startswith(kind + " ")) and bool(FULL_CODE.match(code))

    return test


def payment_type(doc) -> str:
    ext = member(doc, "ext")
    return ext.get("pt-saft-payment-type", "") if isinstance(ext, dict) else ""  # RC, RG


def tax_code_of(key: str):
    return lambda doc: tax_ext(doc).get(key, "")


series_valid, code_valid = series_valid_for(doc_type), code_valid_for(doc_type)


def source_ref_valid(invoice, context) -> bool:
    """A manually issued document's reference: its own type, then M, or D and the type of
    the document it copies."""
    return source_ref_matches(tax_ext(invoice), doc_type(invoice))


def source_ref_matches(ext: dict, kind: str) -> bool:
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


def payment_line_vat_exemption(line) -> str | None:
    categories = objects(member(line, "tax", "categories"))
    vat = next((c for c in categories if c.get("code") == "VAT"), {})
    rates = objects(vat.get("rates"))
    ext = rates[0].get("ext") if rates and isinstance(rates[0].get("ext"), dict) else {}
    return ext.get(EXEMPTION)


def exemption_notes_match(notes, code) -> bool:
    found = [n for n in objects(notes) if is_exemption_note(n)]
    return len(found) == 1 and found[0].get("code") == code if code else not found


def customer_named(payment, context) -> bool:
    customer = member(payment, "customer")
    if not isinstance(customer, dict) or not member(customer, "tax_id", "code"):
        return True
    return bool(customer.get("name"))


def payment_ext(doc) -> dict:
    """A payment keeps its SAF-T codes in its own `ext`, not under `tax`."""
    ext = member(doc, "ext")
    return ext if isinstance(ext, dict) else {}


INVOICE_WORK_TYPE_CODES = frozenset(INVOICE_WORK_TYPES)

NAMED.update(
    {
        "pt-saft: is VAT": lambda combo, context: member(combo, "cat") == "VAT",
        "pt-saft: invoice-receipt": lambda doc, context: doc_type(doc) == "FR",
        "pt-saft: source not produced": lambda doc, context: tax_ext(doc).get(SOURCE, "P") != "P",
        "pt-saft: legal exemption note": lambda note, context: is_exemption_note(note),
        "pt-saft: payment source not produced": lambda doc, context: (
            payment_ext(doc).get(SOURCE, "P") != "P"
        ),
    }
)
BY_ASSERT.update(
    {
        "GOBL-PT-SAFT-BILL-PAYMENT-01": series_valid_for(payment_type),
        "GOBL-PT-SAFT-BILL-PAYMENT-02": code_valid_for(payment_type),
        "GOBL-PT-SAFT-BILL-PAYMENT-06": lambda doc, context: source_ref_matches(
            payment_ext(doc), payment_type(doc)
        ),
        "GOBL-PT-SAFT-BILL-PAYMENT-09": customer_named,
        "GOBL-PT-SAFT-BILL-PAYMENT-10": at_least_zero,
        "GOBL-PT-SAFT-BILL-PAYMENTLINE-04": lambda total, context: (
            not isinstance(total, dict)
            or any(c.get("code") == "VAT" for c in objects(total.get("categories")))
        ),
        "GOBL-PT-SAFT-BILL-PAYMENTLINE-06": lambda line, context: exemption_notes_match(
            member(line, "notes"), payment_line_vat_exemption(line)
        ),
        "GOBL-PT-SAFT-BILL-ORDER-01": lambda doc, context: bool(tax_ext(doc).get(WORK_TYPE)),
        "GOBL-PT-SAFT-BILL-ORDER-02": lambda doc, context: (
            tax_ext(doc).get(WORK_TYPE) not in INVOICE_WORK_TYPE_CODES
        ),
        "GOBL-PT-SAFT-BILL-ORDER-03": series_valid_for(tax_code_of(WORK_TYPE)),
        "GOBL-PT-SAFT-BILL-ORDER-04": code_valid_for(tax_code_of(WORK_TYPE)),
        "GOBL-PT-SAFT-BILL-ORDER-06": has_vat,
        "GOBL-PT-SAFT-BILL-DELIVERY-01": lambda doc, context: bool(
            tax_ext(doc).get("pt-saft-movement-type")
        ),
        "GOBL-PT-SAFT-BILL-DELIVERY-02": series_valid_for(tax_code_of("pt-saft-movement-type")),
        "GOBL-PT-SAFT-BILL-DELIVERY-03": code_valid_for(tax_code_of("pt-saft-movement-type")),
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
            "bill.Payment",
            "GOBL-PT-SAFT-BILL-PAYMENT",
            check("GOBL-PT-SAFT-BILL-PAYMENT-01", "series format must be valid", "series format"),
            check("GOBL-PT-SAFT-BILL-PAYMENT-02", "code format must be valid", "code format"),
            field(
                "ext",
                check(
                    "GOBL-PT-SAFT-BILL-PAYMENT-03",
                    "'pt-saft-payment-type' extension is required",
                    "ext require [pt-saft-payment-type]",
                ),
                check(
                    "GOBL-PT-SAFT-BILL-PAYMENT-04",
                    "'pt-saft-source' extension is required",
                    "ext require [pt-saft-source]",
                ),
            ),
            when(
                "pt-saft: payment source not produced",
                field(
                    "ext",
                    check(
                        "GOBL-PT-SAFT-BILL-PAYMENT-05",
                        "'pt-saft-source-ref' extension is required when source is not produced",
                        "ext require [pt-saft-source-ref]",
                    ),
                ),
            ),
            check(
                "GOBL-PT-SAFT-BILL-PAYMENT-06", "source ref format is invalid", "source ref format"
            ),
            field(
                "supplier",
                field(
                    "tax_id",
                    check("GOBL-PT-SAFT-BILL-PAYMENT-07", "supplier tax ID is required", "present"),
                    field(
                        "code",
                        check(
                            "GOBL-PT-SAFT-BILL-PAYMENT-08",
                            "supplier tax ID code is required",
                            "present",
                        ),
                    ),
                ),
            ),
            check(
                "GOBL-PT-SAFT-BILL-PAYMENT-09",
                "customer name is required when customer has tax ID code",
                "customer name present",
            ),
            field("total", check("GOBL-PT-SAFT-BILL-PAYMENT-10", "must be no less than 0", "≥ 0")),
        ),
        on(
            "bill.PaymentLine",
            "GOBL-PT-SAFT-BILL-PAYMENTLINE",
            field(
                "document",
                check("GOBL-PT-SAFT-BILL-PAYMENTLINE-01", "cannot be blank", "present"),
                field(
                    "issue_date",
                    check("GOBL-PT-SAFT-BILL-PAYMENTLINE-02", "cannot be blank", "present"),
                ),
            ),
            field(
                "tax",
                check("GOBL-PT-SAFT-BILL-PAYMENTLINE-03", "cannot be blank", "present"),
                check(
                    "GOBL-PT-SAFT-BILL-PAYMENTLINE-04", "missing category VAT", "has VAT category"
                ),
                field(
                    "categories",
                    each(
                        field(
                            "rates",
                            check(
                                "GOBL-PT-SAFT-BILL-PAYMENTLINE-05",
                                "only one rate allowed per line",
                                "length between 0 and 1",
                            ),
                        )
                    ),
                ),
            ),
            check("GOBL-PT-SAFT-BILL-PAYMENTLINE-06", "exemption notes invalid", "exemption notes"),
        ),
        on(
            "bill.Order",
            "GOBL-PT-SAFT-BILL-ORDER",
            check(
                "GOBL-PT-SAFT-BILL-ORDER-01",
                "tax requires 'pt-saft-work-type' extension",
                "has work type",
            ),
            check(
                "GOBL-PT-SAFT-BILL-ORDER-02",
                "work type must not be an invoice work type",
                "order work type valid",
            ),
            check("GOBL-PT-SAFT-BILL-ORDER-03", "series format must be valid", "series format"),
            check("GOBL-PT-SAFT-BILL-ORDER-04", "code format must be valid", "code format"),
            field("value_date", check("GOBL-PT-SAFT-BILL-ORDER-05", "cannot be blank", "present")),
            field(
                "lines",
                each(
                    check(
                        "GOBL-PT-SAFT-BILL-ORDER-06",
                        "line taxes must include VAT category",
                        "has VAT",
                    )
                ),
            ),
        ),
        on(
            "bill.Delivery",
            "GOBL-PT-SAFT-BILL-DELIVERY",
            check(
                "GOBL-PT-SAFT-BILL-DELIVERY-01",
                "delivery tax requires 'pt-saft-movement-type' extension",
                "has movement type",
            ),
            check(
                "GOBL-PT-SAFT-BILL-DELIVERY-02",
                "delivery series format must be valid",
                "series format",
            ),
            check(
                "GOBL-PT-SAFT-BILL-DELIVERY-03", "delivery code format must be valid", "code format"
            ),
            field(
                "supplier",
                field(
                    "tax_id",
                    check(
                        "GOBL-PT-SAFT-BILL-DELIVERY-04",
                        "delivery supplier tax ID is required",
                        "present",
                    ),
                    field(
                        "code",
                        check(
                            "GOBL-PT-SAFT-BILL-DELIVERY-05",
                            "delivery supplier tax ID code is required",
                            "present",
                        ),
                    ),
                ),
            ),
            field(
                "despatch_date",
                check(
                    "GOBL-PT-SAFT-BILL-DELIVERY-06", "delivery despatch date is required", "present"
                ),
            ),
            field(
                "preceding",
                check(
                    "GOBL-PT-SAFT-BILL-DELIVERY-07",
                    "delivery preceding must have at most one entry",
                    "length between 0 and 1",
                ),
                each(
                    field(
                        "series",
                        check(
                            "GOBL-PT-SAFT-BILL-DELIVERY-08",
                            "delivery preceding series is required",
                            "present",
                        ),
                    ),
                    field(
                        "code",
                        check(
                            "GOBL-PT-SAFT-BILL-DELIVERY-09",
                            "delivery preceding code is required",
                            "present",
                        ),
                    ),
                ),
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
