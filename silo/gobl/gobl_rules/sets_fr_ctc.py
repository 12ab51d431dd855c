# ruff: noqa: E501 -- the messages are kept whole, as GOBL prints them, to be searched for
"""The rules of France's CTC flow 10 add-on (fr-ctc-flow10-v1), which GOBL v0.502.1 approves but
keeps in its own module (invopop/gobl.fr.ctc v0.0.3: addon/flow10/bill_invoice.go,
bill_payment.go, org.go): the codes and messages a GOBL with that module reports. GOBL publishes
no rule data for it, so the names of the tests are ours, registered by code.

Not transcribed yet: the rules of flows 2 and 6, and flow 10's party rules.
"""

from decimal import Decimal, InvalidOperation

from .dsl import check, each, field, namespace, on, when
from .predicates import BY_ASSERT, NAMED, can_convert_to, member, objects

SCHEME = "iso-scheme-id"
LEGAL_SCHEMES = ("0002", "0223", "0227", "0228", "0229")  # SIREN, EU VAT, non-EU, RIDET, TAHITI
SCHEMES_WITH_VAT = ("0002", "0223")
ALLOWED_PERCENTS = frozenset(
    Decimal(p)
    for p in ("0", "0.9", "1.05", "1.75", "2.1", "5.5", "7", "8.5", "9.2", "9.6", "10", "13")
    + ("19.6", "20", "20.6")
)
ADVANCE_TYPES = ("386", "500", "503")


def percent_allowed(text) -> bool:
    try:
        return Decimal(str(text).rstrip("%")) in ALLOWED_PERCENTS
    except InvalidOperation:
        return True  # the percent's own rule says why


def invoice_percents_allowed(invoice, context) -> bool:
    combos = [c for line in objects(member(invoice, "lines")) for c in objects(line.get("taxes"))]
    return all(
        percent_allowed(c["percent"]) for c in combos if c.get("cat") == "VAT" and "percent" in c
    )


def payment_percents_allowed(payment, context) -> bool:
    rates = [
        rate
        for line in objects(member(payment, "lines"))
        for category in objects(member(line, "tax", "categories"))
        if category.get("code") == "VAT"
        for rate in objects(category.get("rates"))
    ]
    return all(percent_allowed(r["percent"]) for r in rates if "percent" in r)


def identities(party) -> list[dict]:
    return objects(member(party, "identities"))


def has_siren(party, context) -> bool:
    return any(
        i.get("type") == "SIREN" or (i.get("ext") or {}).get(SCHEME) == "0002"
        for i in identities(party)
    )


def legal_scheme(party) -> str:
    """The scheme of the party's legal identity, else of its first identity of an allowed one."""
    fallback = ""
    for identity in identities(party):
        scheme = (
            (identity.get("ext") or {}).get(SCHEME)
            if isinstance(identity.get("ext"), dict)
            else None
        )
        if not scheme:
            continue
        if identity.get("scope") == "legal":
            return scheme
        if not fallback and scheme in LEGAL_SCHEMES:
            fallback = scheme
    return fallback


def has_vat_code(party) -> bool:
    return bool(member(party, "tax_id", "code"))


def exempt_category(invoice) -> bool:
    combos = [c for line in objects(member(invoice, "lines")) for c in objects(line.get("taxes"))]
    return any(
        c.get("cat") == "VAT" and (c.get("ext") or {}).get("untdid-tax-category") == "E"
        for c in combos
    )


def tax_ext(doc) -> dict:
    ext = member(doc, "tax", "ext")
    return ext if isinstance(ext, dict) else {}


NAMED.update(
    {
        "fr-ctc-flow10: B2C": lambda doc, context: not isinstance(member(doc, "customer"), dict),
        "fr-ctc-flow10: B2B": lambda doc, context: isinstance(member(doc, "customer"), dict),
        "fr-ctc-flow10: final after advance": lambda doc, context: (
            tax_ext(doc).get("fr-ctc-billing-mode") in ("B4", "S4", "M4")
        ),
        "fr-ctc-flow10: exempt category": lambda doc, context: exempt_category(doc),
    }
)
BY_ASSERT.update(
    {
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-01": can_convert_to("EUR"),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-06": has_siren,
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-07": invoice_percents_allowed,
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-08": lambda ext, context: (
            not isinstance(ext, dict)
            or ext.get("untdid-document-type") in ("380", "386", "384", "381", "503")
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-10": lambda ext, context: (
            not isinstance(ext, dict) or ext.get("untdid-document-type") not in ADVANCE_TYPES
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-12": lambda party, context: (
            legal_scheme(party) in LEGAL_SCHEMES
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-13": lambda party, context: (
            legal_scheme(party) not in SCHEMES_WITH_VAT or has_vat_code(party)
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-14": lambda doc, context: (
            has_vat_code(member(doc, "supplier")) or has_vat_code(member(doc, "ordering", "seller"))
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-15": lambda doc, context: any(
            n.get("key") == "exempt" and n.get("text") for n in objects(member(doc, "tax", "notes"))
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-17": lambda party, context: (
            legal_scheme(party) in LEGAL_SCHEMES
        ),
        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-18": lambda party, context: (
            legal_scheme(party) not in SCHEMES_WITH_VAT or has_vat_code(party)
        ),
        "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-03": payment_percents_allowed,
        "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-05": has_siren,
    }
)

SETS = [
    namespace(
        "GOBL-FR-CTC-FLOW10",
        "fr-ctc-flow10",
        on(
            "bill.Invoice",
            "GOBL-FR-CTC-FLOW10-BILL-INVOICE",
            check(
                "GOBL-FR-CTC-FLOW10-BILL-INVOICE-01",
                "invoice must be in EUR or provide an exchange rate to EUR",
                "can convert to [EUR]",
            ),
            field(
                "supplier",
                field(
                    "addresses",
                    each(
                        field(
                            "country",
                            check(
                                "GOBL-FR-CTC-FLOW10-BILL-INVOICE-02",
                                "invoice supplier address country is required",
                                "present",
                            ),
                        )
                    ),
                ),
            ),
            field(
                "customer",
                field(
                    "addresses",
                    each(
                        field(
                            "country",
                            check(
                                "GOBL-FR-CTC-FLOW10-BILL-INVOICE-03",
                                "invoice customer address country is required",
                                "present",
                            ),
                        )
                    ),
                ),
            ),
            when(
                "fr-ctc-flow10: B2C",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-FR-CTC-FLOW10-BILL-INVOICE-04",
                            "invoice tax ext fr-ctc-flow10-b2c-category is required on B2C invoices (G1.68)",
                            "ext require [fr-ctc-flow10-b2c-category]",
                        ),
                    ),
                ),
                field(
                    "supplier",
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-05",
                        "invoice supplier is required on B2C invoices",
                        "present",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-06",
                        "invoice supplier must have a SIREN identity (ISO/IEC 6523 scheme 0002) on a B2C invoice",
                        "party has SIREN",
                    ),
                ),
                check(
                    "GOBL-FR-CTC-FLOW10-BILL-INVOICE-07",
                    "invoice VAT line percent must be one of the Flow 10 permitted values 0%, 0.9%, 1.05%, 1.75%, 2.1%, 5.5%, 7%, 8.5%, 9.2%, 9.6%, 10%, 13%, 19.6%, 20%, 20.6% (G1.24)",
                    "allowed Flow 10 VAT percents",
                ),
            ),
            when(
                "fr-ctc-flow10: B2B",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-FR-CTC-FLOW10-BILL-INVOICE-08",
                            "invoice tax ext untdid-document-type must be one of the Flow 10 permitted UNTDID 1001 codes",
                            "document type allowed",
                        ),
                        check(
                            "GOBL-FR-CTC-FLOW10-BILL-INVOICE-09",
                            "invoice tax ext fr-ctc-billing-mode is required (G1.02)",
                            "ext require [fr-ctc-billing-mode]",
                        ),
                    ),
                ),
                when(
                    "fr-ctc-flow10: final after advance",
                    field(
                        "tax",
                        field(
                            "ext",
                            check(
                                "GOBL-FR-CTC-FLOW10-BILL-INVOICE-10",
                                "invoice tax ext untdid-document-type must not be an advance-payment code (386, 500, 503) when billing mode is final-after-advance (B4, S4, M4) (G1.60)",
                                "no advance document type",
                            ),
                        ),
                    ),
                ),
                field(
                    "supplier",
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-11",
                        "invoice supplier is required for Flow 10 B2B invoices (G2.19)",
                        "present",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-12",
                        "invoice supplier must declare a legal identity with an allowed ICD 6523 scheme (0002, 0223, 0227, 0228 or 0229) (G2.19)",
                        "party has allowed legal scheme",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-13",
                        "invoice supplier tax_id is required when legal identity scheme is SIREN (0002) or EU VAT (0223) (G2.33)",
                        "party has TaxID when required",
                    ),
                ),
                when(
                    "fr-ctc-flow10: exempt category",
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-14",
                        "invoice supplier tax_id or ordering.seller tax_id is required when the VAT breakdown contains an exempt (E) category",
                        "supplier or tax rep has VAT ID",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-15",
                        "invoice tax.notes must include an exempt-reason entry (key=exempt with non-empty text) when the VAT breakdown contains an exempt (E) category",
                        "has exempt tax note",
                    ),
                ),
                field(
                    "customer",
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-16",
                        "invoice customer is required for Flow 10 B2B invoices (G2.19)",
                        "present",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-17",
                        "invoice customer must declare a legal identity with an allowed ICD 6523 scheme (0002, 0223, 0227, 0228 or 0229) (G2.19)",
                        "party has allowed legal scheme",
                    ),
                    check(
                        "GOBL-FR-CTC-FLOW10-BILL-INVOICE-18",
                        "invoice customer tax_id is required when legal identity scheme is SIREN (0002) or EU VAT (0223) (G2.33)",
                        "party has TaxID when required",
                    ),
                ),
            ),
        ),
        on(
            "bill.Payment",
            "GOBL-FR-CTC-FLOW10-BILL-PAYMENT",
            field(
                "type",
                check(
                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-01",
                    "payment type must be 'receipt' for Flow 10 reporting",
                    "one of [receipt]",
                ),
            ),
            field(
                "value_date",
                check(
                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-02",
                    "payment value_date (settlement date) is required",
                    "present",
                ),
            ),
            check(
                "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-03",
                "payment VAT line percent must be one of the Flow 10 permitted values (G1.24)",
                "allowed Flow 10 VAT percents",
            ),
            field(
                "supplier",
                check(
                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-04", "payment supplier is required", "present"
                ),
                check(
                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-05",
                    "payment supplier must have a SIREN identity (ISO/IEC 6523 scheme 0002)",
                    "party has SIREN",
                ),
            ),
            when(
                "fr-ctc-flow10: B2B",
                field(
                    "lines",
                    each(
                        field(
                            "document",
                            check(
                                "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-06",
                                "payment line document is required when a customer is present",
                                "present",
                            ),
                            field(
                                "code",
                                check(
                                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-07",
                                    "payment line document code is required when a customer is present",
                                    "present",
                                ),
                            ),
                            field(
                                "issue_date",
                                check(
                                    "GOBL-FR-CTC-FLOW10-BILL-PAYMENT-08",
                                    "payment line document issue_date is required when a customer is present",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [fr-ctc-flow10-v1]",
    ),
]
