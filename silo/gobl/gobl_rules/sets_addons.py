# ruff: noqa: E501 -- GOBL's messages and tests are kept whole, as GOBL prints them, to be searched for
"""GOBL's rule sets of the add-ons: each namespace applies only when its add-on is in the
document's `$addons`.

Transcribed from GOBL v0.502.1 (rule ids, messages, and the names of the tests GOBL
prints); the tests are compiled by `checks.py` and `predicates.py`.
"""

from .dsl import check, each, field, namespace, on, when

SETS = [
    namespace(
        "GOBL-AR-ARCA",
        "ar-arca",
        on(
            "bill.Invoice",
            "GOBL-AR-ARCA-BILL-INVOICE",
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-24",
                "invoice must be in ARS or provide exchange rate for conversion",
                "can convert to [ARS]",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-05",
                "invoice type is credit-note but ar-arca-doc-type is not a credit note",
                "type matches doc type credit note",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-06",
                "invoice type is debit-note but ar-arca-doc-type is not a debit note",
                "type matches doc type debit note",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-07",
                "ar-arca-doc-type is a credit note but invoice type is not credit-note",
                "doc type credit note matches type",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-08",
                "doc type is a debit note but invoice type is not debit-note",
                "doc type debit note matches type",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-12",
                "document type 49 (Used Goods Purchase Invoice) requires customer VAT status to be 5 (Final Consumer)",
                "doc type 49 vat status",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-13",
                "document type A requires customer VAT status to be one of [1 6 13 16]",
                "doc type A vat status",
            ),
            check(
                "GOBL-AR-ARCA-BILL-INVOICE-14",
                "document type B cannot have customer VAT status [1 6 13 16]",
                "doc type B vat status",
            ),
            field(
                "series",
                check("GOBL-AR-ARCA-BILL-INVOICE-01", "series is required", "present"),
                check(
                    "GOBL-AR-ARCA-BILL-INVOICE-02",
                    "series must be a valid number between 1 and 99998",
                    "valid series",
                ),
            ),
            field(
                "tax",
                check("GOBL-AR-ARCA-BILL-INVOICE-03", "tax is required", "present"),
                field(
                    "ext",
                    check(
                        "GOBL-AR-ARCA-BILL-INVOICE-04",
                        "tax requires 'ar-arca-doc-type' extension",
                        "ext require [ar-arca-doc-type]",
                    ),
                ),
            ),
            when(
                "customer required",
                field(
                    "customer",
                    check("GOBL-AR-ARCA-BILL-INVOICE-09", "customer is required", "present"),
                ),
            ),
            field(
                "customer",
                check(
                    "GOBL-AR-ARCA-BILL-INVOICE-10",
                    "must have a tax_id, or an identity with ext 'ar-arca-identity-type'",
                    "has tax ID or identity",
                ),
                field(
                    "ext",
                    check(
                        "GOBL-AR-ARCA-BILL-INVOICE-11",
                        "customer requires 'ar-arca-vat-status' extension",
                        "ext require [ar-arca-vat-status]",
                    ),
                ),
            ),
            when(
                "doc type is A, B, or C",
                when(
                    "concept is services",
                    field(
                        "ordering",
                        check(
                            "GOBL-AR-ARCA-BILL-INVOICE-15",
                            "ordering is required for services",
                            "present",
                        ),
                        field(
                            "period",
                            check(
                                "GOBL-AR-ARCA-BILL-INVOICE-16",
                                "ordering period is required for services",
                                "present",
                            ),
                        ),
                    ),
                    field(
                        "payment",
                        check(
                            "GOBL-AR-ARCA-BILL-INVOICE-17",
                            "payment is required for services",
                            "present",
                        ),
                        field(
                            "terms",
                            check(
                                "GOBL-AR-ARCA-BILL-INVOICE-18",
                                "payment terms are required for services",
                                "present",
                            ),
                            field(
                                "due_dates",
                                check(
                                    "GOBL-AR-ARCA-BILL-INVOICE-19",
                                    "payment due dates are required for services",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
                when(
                    "concept is goods",
                    field(
                        "payment",
                        field(
                            "terms",
                            field(
                                "due_dates",
                                check(
                                    "GOBL-AR-ARCA-BILL-INVOICE-20",
                                    "payment due dates must not be set for goods",
                                    "empty",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [credit-note, debit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-AR-ARCA-BILL-INVOICE-21",
                        "preceding documents are required for credit/debit notes",
                        "present",
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "ext",
                        check(
                            "GOBL-AR-ARCA-BILL-INVOICE-22",
                            "preceding document requires 'ar-arca-doc-type' extension",
                            "ext require [ar-arca-doc-type]",
                        ),
                    ),
                ),
            ),
            when(
                "doc type is C",
                field(
                    "lines",
                    each(
                        field(
                            "taxes",
                            check(
                                "GOBL-AR-ARCA-BILL-INVOICE-23",
                                "type C invoices (simplified tax scheme) must not have taxes on lines",
                                "empty",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "doc type is T",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-AR-ARCA-BILL-INVOICE-25",
                            "tourism invoice requires 'ar-arca-tourism-type' extension",
                            "ext require [ar-arca-tourism-type]",
                        ),
                    ),
                ),
                field(
                    "customer",
                    field(
                        "addresses",
                        check(
                            "GOBL-AR-ARCA-BILL-INVOICE-27",
                            "tourism invoice customer requires an address",
                            "present",
                        ),
                    ),
                ),
                field(
                    "lines",
                    each(
                        field(
                            "taxes",
                            check(
                                "GOBL-AR-ARCA-BILL-INVOICE-29",
                                "tourism invoice line requires taxes",
                                "present",
                            ),
                            each(
                                field(
                                    "ext",
                                    check(
                                        "GOBL-AR-ARCA-BILL-INVOICE-26",
                                        "tourism invoice line requires 'ar-arca-tourism-item' extension",
                                        "ext require [ar-arca-tourism-item]",
                                    ),
                                    check(
                                        "GOBL-AR-ARCA-BILL-INVOICE-28",
                                        "tourism invoice line VAT rate must be '5' (21%) via 'ar-arca-vat-rate'",
                                        "ext 'ar-arca-vat-rate' in [5]",
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
                field(
                    "discounts",
                    each(
                        field(
                            "ext",
                            check(
                                "GOBL-AR-ARCA-BILL-INVOICE-30",
                                "tourism invoice discount requires 'ar-arca-tourism-item' extension",
                                "ext require [ar-arca-tourism-item]",
                            ),
                        ),
                    ),
                ),
                field(
                    "payment",
                    field(
                        "advances",
                        each(
                            field(
                                "ext",
                                check(
                                    "GOBL-AR-ARCA-BILL-INVOICE-31",
                                    "tourism invoice advance requires 'ar-arca-tourism-item' extension",
                                    "ext require [ar-arca-tourism-item]",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Charge",
            "GOBL-AR-ARCA-BILL-CHARGE",
            when(
                "key is tax",
                field(
                    "ext",
                    check(
                        "GOBL-AR-ARCA-BILL-CHARGE-01",
                        "tax charge requires 'ar-arca-tax-type' extension",
                        "ext require [ar-arca-tax-type]",
                    ),
                ),
            ),
            when(
                "has tax type ext",
                field(
                    "percent",
                    check(
                        "GOBL-AR-ARCA-BILL-CHARGE-02",
                        "percent is required when tax type is set",
                        "present",
                    ),
                ),
            ),
            when(
                "tax type is other",
                field(
                    "reason",
                    check(
                        "GOBL-AR-ARCA-BILL-CHARGE-03",
                        "reason is required when tax type is 'other'",
                        "present",
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-AR-ARCA-TAX-COMBO",
            when(
                "category is VAT",
                field(
                    "ext",
                    check(
                        "GOBL-AR-ARCA-TAX-COMBO-01",
                        "VAT combo requires 'ar-arca-vat-rate' extension",
                        "ext require [ar-arca-vat-rate]",
                    ),
                ),
            ),
        ),
        guard="context: addon in [ar-arca-v4]",
    ),
    namespace(
        "GOBL-CO-DIAN",
        "co-dian",
        on(
            "bill.Invoice",
            "GOBL-CO-DIAN-BILL-INVOICE",
            check(
                "GOBL-CO-DIAN-BILL-INVOICE-14",
                "invoice must be in COP or provide exchange rate for conversion",
                "can convert to [COP]",
            ),
            check(
                "GOBL-CO-DIAN-BILL-INVOICE-01",
                "invoice type must be one of standard, credit-note, debit-note, or proforma",
                "invoice type in [standard, credit-note, debit-note, proforma]",
            ),
            field(
                "supplier",
                when(
                    "colombian supplier",
                    field(
                        "addresses",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-02",
                            "at least one address is required for Colombian suppliers",
                            "length between 1 and 0",
                        ),
                    ),
                ),
                when(
                    "colombian supplier with code",
                    field(
                        "ext",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-03",
                            "extension 'co-dian-municipality' is required",
                            "ext require [co-dian-municipality]",
                        ),
                    ),
                ),
                when(
                    "colombian supplier",
                    field(
                        "ext",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-04",
                            "extension 'co-dian-fiscal-responsibility' is required",
                            "ext require [co-dian-fiscal-responsibility]",
                        ),
                    ),
                ),
            ),
            when(
                "not simplified",
                field(
                    "customer",
                    field(
                        "tax_id",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-05", "customer tax ID is required", "present"
                        ),
                    ),
                ),
            ),
            field(
                "customer",
                when(
                    "colombian customer",
                    field(
                        "addresses",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-06",
                            "at least one address is required for Colombian customers",
                            "length between 1 and 0",
                        ),
                    ),
                ),
                when(
                    "colombian customer with code",
                    field(
                        "ext",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-07",
                            "extension 'co-dian-municipality' is required",
                            "ext require [co-dian-municipality]",
                        ),
                    ),
                ),
                when(
                    "colombian customer",
                    field(
                        "ext",
                        check(
                            "GOBL-CO-DIAN-BILL-INVOICE-08",
                            "extension 'co-dian-fiscal-responsibility' is required",
                            "ext require [co-dian-fiscal-responsibility]",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [credit-note, debit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-CO-DIAN-BILL-INVOICE-09",
                        "preceding documents are required for credit and debit notes",
                        "present",
                    ),
                ),
            ),
            when(
                "invoice type in [credit-note]",
                field(
                    "preceding",
                    each(
                        field(
                            "ext",
                            check(
                                "GOBL-CO-DIAN-BILL-INVOICE-10",
                                "extension 'co-dian-credit-code' is required for credit notes",
                                "ext require [co-dian-credit-code]",
                            ),
                        ),
                        field(
                            "reason",
                            check(
                                "GOBL-CO-DIAN-BILL-INVOICE-12",
                                "preceding reason is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [debit-note]",
                field(
                    "preceding",
                    each(
                        field(
                            "ext",
                            check(
                                "GOBL-CO-DIAN-BILL-INVOICE-11",
                                "extension 'co-dian-debit-code' is required for debit notes",
                                "ext require [co-dian-debit-code]",
                            ),
                        ),
                        field(
                            "reason",
                            check(
                                "GOBL-CO-DIAN-BILL-INVOICE-13",
                                "preceding reason is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [co-dian-v2]",
    ),
    namespace(
        "GOBL-DE-XRECHNUNG",
        "de-xrechnung",
        on(
            "bill.Invoice",
            "GOBL-DE-XRECHNUNG-BILL-INVOICE",
            field(
                "tax",
                field(
                    "ext",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-01",
                        "tax ext must have a valid UNTDID document type code (BR-DE-17)",
                        "ext 'untdid-tax-category' in [326, 380, 384, 389, 381, 875, 876, 877]",
                    ),
                ),
            ),
            when(
                "invoice type in [corrective, credit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-02",
                        "preceding documents are required for corrective and credit note invoices (BR-DE-26)",
                        "present",
                    ),
                ),
            ),
            field(
                "supplier",
                check("GOBL-DE-XRECHNUNG-BILL-INVOICE-03", "supplier is required", "present"),
                check(
                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-09",
                    "either party.telephones or party.people[0].telephones is required (BR-DE-6)",
                    "has telephones",
                ),
                check(
                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-10",
                    "either party.emails or party.people[0].emails is required (BR-DE-7)",
                    "has emails",
                ),
                field(
                    "people",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-04",
                        "supplier people is required (BR-DE-5)",
                        "present",
                    ),
                ),
                field(
                    "addresses",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-05",
                        "supplier addresses is required (BR-DE-2)",
                        "present",
                    ),
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-06",
                        "supplier first address must have a locality (BR-DE-3)",
                        "has locality",
                    ),
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-07",
                        "supplier first address must have a postal code (BR-DE-4)",
                        "has code",
                    ),
                ),
                field(
                    "inboxes",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-08",
                        "supplier inboxes are required (PEPPOL-EN16931-R020)",
                        "present",
                    ),
                ),
            ),
            field(
                "customer",
                check("GOBL-DE-XRECHNUNG-BILL-INVOICE-11", "customer is required", "present"),
                field(
                    "addresses",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-12",
                        "customer addresses are required (BR-DE-8)",
                        "present",
                    ),
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-13",
                        "customer first address must have a locality (BR-DE-9)",
                        "has locality",
                    ),
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-14",
                        "customer first address must have a postal code (BR-DE-10)",
                        "has code",
                    ),
                ),
                field(
                    "inboxes",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-15",
                        "customer inboxes are required (PEPPOL-EN16931-R010)",
                        "present",
                    ),
                ),
            ),
            field(
                "payment",
                check(
                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-16", "payment is required (BR-DE-1)", "present"
                ),
                field(
                    "instructions",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-17",
                        "payment instructions are required (BR-DE-1)",
                        "present",
                    ),
                    when(
                        "has credit-transfer key",
                        field(
                            "credit_transfer",
                            check(
                                "GOBL-DE-XRECHNUNG-BILL-INVOICE-18",
                                "credit transfer is required for credit-transfer payments (BR-DE-23)",
                                "present",
                            ),
                            each(
                                when(
                                    "no IBAN",
                                    field(
                                        "number",
                                        check(
                                            "GOBL-DE-XRECHNUNG-BILL-INVOICE-19",
                                            "account number is required when IBAN is not provided (BR-DE-19)",
                                            "present",
                                        ),
                                    ),
                                ),
                            ),
                        ),
                    ),
                    when(
                        "has card key",
                        field(
                            "card",
                            check(
                                "GOBL-DE-XRECHNUNG-BILL-INVOICE-20",
                                "card details are required for card payments (BR-DE-24)",
                                "present",
                            ),
                        ),
                    ),
                    when(
                        "has direct-debit key",
                        field(
                            "direct_debit",
                            check(
                                "GOBL-DE-XRECHNUNG-BILL-INVOICE-21",
                                "direct debit details are required for direct-debit payments (BR-DE-25)",
                                "present",
                            ),
                            field(
                                "ref",
                                check(
                                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-22",
                                    "direct debit mandate reference is required (BR-DE-29)",
                                    "present",
                                ),
                            ),
                            field(
                                "creditor",
                                check(
                                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-23",
                                    "direct debit creditor identifier is required (BR-DE-30)",
                                    "present",
                                ),
                            ),
                            field(
                                "account",
                                check(
                                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-24",
                                    "direct debit account is required (BR-DE-31)",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "delivery",
                field(
                    "receiver",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-25",
                        "delivery receiver is required",
                        "present",
                    ),
                    field(
                        "addresses",
                        check(
                            "GOBL-DE-XRECHNUNG-BILL-INVOICE-26",
                            "delivery receiver addresses are required",
                            "present",
                        ),
                        check(
                            "GOBL-DE-XRECHNUNG-BILL-INVOICE-27",
                            "delivery receiver first address must have a locality (BR-DE-11)",
                            "has locality",
                        ),
                        check(
                            "GOBL-DE-XRECHNUNG-BILL-INVOICE-28",
                            "delivery receiver first address must have a postal code (BR-DE-12)",
                            "has code",
                        ),
                    ),
                ),
            ),
            field(
                "ordering",
                check(
                    "GOBL-DE-XRECHNUNG-BILL-INVOICE-29",
                    "ordering is required (BR-DE-15)",
                    "present",
                ),
                field(
                    "code",
                    check(
                        "GOBL-DE-XRECHNUNG-BILL-INVOICE-30",
                        "ordering code is required (BR-DE-15)",
                        "present",
                    ),
                ),
            ),
        ),
        guard="context: addon in [de-xrechnung-v3]",
    ),
    namespace(
        "GOBL-ES-FACTURAE",
        "es-facturae",
        on(
            "bill.Invoice",
            "GOBL-ES-FACTURAE-BILL-INVOICE",
            check(
                "GOBL-ES-FACTURAE-BILL-INVOICE-07",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            field(
                "customer",
                field(
                    "tax_id",
                    when(
                        "code in [ES]",
                        field(
                            "code",
                            check(
                                "GOBL-ES-FACTURAE-BILL-INVOICE-01",
                                "customer tax ID code is required for Spanish customers",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "tax",
                check(
                    "GOBL-ES-FACTURAE-BILL-INVOICE-02",
                    "tax object is required with ext document type and invoice classes",
                    "present",
                ),
                field(
                    "ext",
                    check(
                        "GOBL-ES-FACTURAE-BILL-INVOICE-03",
                        "tax ext require 'es-facturae-doc-type' and 'es-facturae-invoice-class' extensions",
                        "ext require [es-facturae-doc-type, es-facturae-invoice-class]",
                    ),
                ),
            ),
            when(
                "invoice type in [credit-note, corrective, debit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-ES-FACTURAE-BILL-INVOICE-04",
                        "preceding document reference is required for credit-note, corrective, debit-note invoices",
                        "present",
                    ),
                    each(
                        field(
                            "issue_date",
                            check(
                                "GOBL-ES-FACTURAE-BILL-INVOICE-05",
                                "preceding document issue date is required",
                                "present",
                            ),
                        ),
                        field(
                            "ext",
                            check(
                                "GOBL-ES-FACTURAE-BILL-INVOICE-06",
                                "preceding document ext require 'es-facturae-correction' extension",
                                "ext require [es-facturae-correction]",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [es-facturae-v3]",
    ),
    namespace(
        "GOBL-ES-SII",
        "es-sii",
        on(
            "bill.Invoice",
            "GOBL-ES-SII-BILL-INVOICE",
            check(
                "GOBL-ES-SII-BILL-INVOICE-15",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "preceding",
                    check(
                        "GOBL-ES-SII-BILL-INVOICE-01",
                        "preceding documents are required for corrective invoices",
                        "present",
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "issue_date",
                        check(
                            "GOBL-ES-SII-BILL-INVOICE-02",
                            "preceding issue date is required",
                            "present",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "preceding",
                    each(
                        field(
                            "tax",
                            check(
                                "GOBL-ES-SII-BILL-INVOICE-03",
                                "preceding invoice tax data is required for corrective invoices",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "not simplified",
                field(
                    "customer",
                    check("GOBL-ES-SII-BILL-INVOICE-04", "customer is required", "present"),
                    check(
                        "GOBL-ES-SII-BILL-INVOICE-05",
                        "must have a tax_id, or an identity with ext 'es-sii-identity-type'",
                        "has tax_id or identity",
                    ),
                    field(
                        "tax_id",
                        field(
                            "code",
                            check(
                                "GOBL-ES-SII-BILL-INVOICE-06",
                                "customer tax ID must have a code",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "tax",
                check(
                    "GOBL-ES-SII-BILL-INVOICE-07",
                    "tax object is required with extensions",
                    "present",
                ),
                field(
                    "ext",
                    check(
                        "GOBL-ES-SII-BILL-INVOICE-08",
                        "tax extension 'es-sii-doc-type' is required",
                        "ext require [es-sii-doc-type]",
                    ),
                    when(
                        "ext 'es-sii-doc-type' in [R1, R2, R3, R4, R5]",
                        check(
                            "GOBL-ES-SII-BILL-INVOICE-09",
                            "tax extension 'es-sii-correction-type' is required",
                            "ext require [es-sii-correction-type]",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [standard]",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-SII-BILL-INVOICE-10",
                            "tax extension 'es-sii-doc-type' for standard invoices must be F1, F2, or F3",
                            "ext 'es-sii-doc-type' in [F1, F2, F3]",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [corrective, credit-note, debit-note]",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-SII-BILL-INVOICE-11",
                            "doc type extension for corrective invoices must be R1, R2, R3, R4, or R5",
                            "ext 'es-sii-doc-type' in [R1, R2, R3, R4, R5]",
                        ),
                    ),
                ),
            ),
            field(
                "notes",
                each(
                    when(
                        "general note",
                        field(
                            "text",
                            check(
                                "GOBL-ES-SII-BILL-INVOICE-12",
                                "general note text must be 500 characters or less",
                                "length between 0 and 500",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "lines",
                check(
                    "GOBL-ES-SII-BILL-INVOICE-13",
                    "'es-sii-product' must be present in all tax combos or none",
                    "consistent product",
                ),
                check(
                    "GOBL-ES-SII-BILL-INVOICE-14",
                    "'es-sii-regime' must be the same in all tax combos",
                    "same regime",
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-ES-SII-TAX-COMBO",
            when(
                "sii vat/igic",
                field(
                    "ext",
                    check(
                        "GOBL-ES-SII-TAX-COMBO-01",
                        "extension 'es-sii-regime' is required",
                        "ext require [es-sii-regime]",
                    ),
                    when(
                        "has outside scope",
                        check(
                            "GOBL-ES-SII-TAX-COMBO-03",
                            "extension 'es-sii-exempt' must not be set when 'es-sii-outside-scope' is set",
                            "ext exclude [es-sii-exempt]",
                        ),
                    ),
                    when(
                        "ext 'es-sii-regime' in [01]",
                        check(
                            "GOBL-ES-SII-TAX-COMBO-04",
                            "exempt codes E2 and E3 not allowed with 'es-sii-regime' 01",
                            "ext 'es-sii-exempt' not in [E2, E3]",
                        ),
                    ),
                ),
                when(
                    "has percent",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-SII-TAX-COMBO-02",
                            "extension 'es-sii-exempt' must not be set when percent is set",
                            "ext exclude [es-sii-exempt]",
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [es-sii-v1]",
    ),
    namespace(
        "GOBL-ES-TBAI",
        "es-tbai",
        on(
            "bill.Invoice",
            "GOBL-ES-TBAI-BILL-INVOICE",
            check(
                "GOBL-ES-TBAI-BILL-INVOICE-09",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            field(
                "tax",
                check("GOBL-ES-TBAI-BILL-INVOICE-01", "invoice tax is required", "present"),
                field(
                    "ext",
                    check(
                        "GOBL-ES-TBAI-BILL-INVOICE-02",
                        "invoice tax extension 'es-tbai-region' is required",
                        "ext require [es-tbai-region]",
                    ),
                ),
            ),
            when(
                "non-simplified",
                field(
                    "customer",
                    check(
                        "GOBL-ES-TBAI-BILL-INVOICE-03",
                        "invoice customer is required for non-simplified invoices",
                        "present",
                    ),
                    check(
                        "GOBL-ES-TBAI-BILL-INVOICE-08",
                        "invoice customer must have a tax_id or an identity with ext 'es-tbai-identity-type'",
                        "has tax_id or identity-type identity",
                    ),
                ),
            ),
            when(
                "invoice type in [credit-note, corrective, debit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-ES-TBAI-BILL-INVOICE-04",
                        "invoice preceding documents are required for credit-note, corrective, debit-note invoices",
                        "present",
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "issue_date",
                        check(
                            "GOBL-ES-TBAI-BILL-INVOICE-05",
                            "invoice preceding issue date is required",
                            "present",
                        ),
                    ),
                    field(
                        "ext",
                        check(
                            "GOBL-ES-TBAI-BILL-INVOICE-06",
                            "invoice preceding ext 'es-tbai-correction' is required",
                            "ext require [es-tbai-correction]",
                        ),
                    ),
                ),
            ),
            field(
                "notes",
                check(
                    "GOBL-ES-TBAI-BILL-INVOICE-07",
                    "invoice must have a note with key 'general'",
                    "has general note",
                ),
            ),
            when(
                "Bizkaia individual",
                field(
                    "supplier",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-TBAI-BILL-INVOICE-10",
                            "invoice supplier extension 'es-tbai-bi-activity' is required for Bizkaia individuals",
                            "ext require [es-tbai-bi-activity]",
                        ),
                    ),
                ),
            ),
            field(
                "supplier",
                field(
                    "ext",
                    check(
                        "GOBL-ES-TBAI-BILL-INVOICE-11",
                        "invoice supplier extension 'es-tbai-bi-activity' must be a valid Bizkaia activity code (epígrafe)",
                        "ext 'es-tbai-bi-activity' matches pattern '^\\d{1,7}$'",
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-ES-TBAI-TAX-COMBO",
            when(
                "exempt vat/igic",
                field(
                    "ext",
                    check(
                        "GOBL-ES-TBAI-TAX-COMBO-01",
                        "extension 'es-tbai-exemption' is required for exempt tax combos",
                        "ext require [es-tbai-exemption]",
                    ),
                ),
            ),
        ),
        guard="context: addon in [es-tbai-v1]",
    ),
    namespace(
        "GOBL-ES-VERIFACTU",
        "es-verifactu",
        on(
            "bill.Invoice",
            "GOBL-ES-VERIFACTU-BILL-INVOICE",
            check(
                "GOBL-ES-VERIFACTU-BILL-INVOICE-16",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "preceding",
                    check(
                        "GOBL-ES-VERIFACTU-BILL-INVOICE-01",
                        "preceding documents are required for corrective invoices",
                        "present",
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    when(
                        "not nil",
                        field(
                            "issue_date",
                            check(
                                "GOBL-ES-VERIFACTU-BILL-INVOICE-02",
                                "issue date is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "preceding",
                    each(
                        when(
                            "not nil",
                            field(
                                "tax",
                                check(
                                    "GOBL-ES-VERIFACTU-BILL-INVOICE-03",
                                    "preceding invoice tax data is required for corrective invoices",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "simplified",
                field(
                    "customer",
                    check(
                        "GOBL-ES-VERIFACTU-BILL-INVOICE-05",
                        "customer identity type extension not allowed for simplified invoices",
                        "no identity type ext",
                    ),
                    field(
                        "tax_id",
                        check(
                            "GOBL-ES-VERIFACTU-BILL-INVOICE-04",
                            "customer tax ID must not be set for simplified invoices",
                            "nil",
                        ),
                    ),
                ),
            ),
            when(
                "not simplified",
                field(
                    "customer",
                    check("GOBL-ES-VERIFACTU-BILL-INVOICE-06", "customer is required", "present"),
                    check(
                        "GOBL-ES-VERIFACTU-BILL-INVOICE-07",
                        "must have a tax_id or an identity with ext 'es-verifactu-identity-type'",
                        "has tax_id or identity",
                    ),
                    field(
                        "tax_id",
                        field(
                            "code",
                            check(
                                "GOBL-ES-VERIFACTU-BILL-INVOICE-08",
                                "tax ID must have a code",
                                "present",
                            ),
                        ),
                    ),
                    field(
                        "identities",
                        each(
                            when(
                                "has non-VAT identity type",
                                field(
                                    "country",
                                    check(
                                        "GOBL-ES-VERIFACTU-BILL-INVOICE-17",
                                        "country is required when ext 'es-verifactu-identity-type' is not 02 (NIF-VAT)",
                                        "present",
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "tax",
                check("GOBL-ES-VERIFACTU-BILL-INVOICE-09", "tax is required", "present"),
                field(
                    "ext",
                    check(
                        "GOBL-ES-VERIFACTU-BILL-INVOICE-10",
                        "doc type is required",
                        "ext require [es-verifactu-doc-type]",
                    ),
                    when(
                        "ext 'es-verifactu-doc-type' in [R1, R2, R3, R4, R5]",
                        check(
                            "GOBL-ES-VERIFACTU-BILL-INVOICE-13",
                            "correction type extension is required",
                            "ext require [es-verifactu-correction-type]",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [standard]",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-VERIFACTU-BILL-INVOICE-11",
                            "doc type extension for standard invoices must be F1, F2, or F3",
                            "ext 'es-verifactu-doc-type' in [F1, F2, F3]",
                        ),
                    ),
                ),
            ),
            when(
                "invoice type in [corrective, credit-note, debit-note]",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-VERIFACTU-BILL-INVOICE-12",
                            "doc type extension for corrective invoices must be R1, R2, R3, R4, or R5",
                            "ext 'es-verifactu-doc-type' in [R1, R2, R3, R4, R5]",
                        ),
                    ),
                ),
            ),
            field(
                "notes",
                each(
                    when(
                        "general note",
                        field(
                            "text",
                            check(
                                "GOBL-ES-VERIFACTU-BILL-INVOICE-14",
                                "general note text must be 500 characters or less",
                                "length between 0 and 500",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "lines",
                each(
                    field(
                        "taxes",
                        check(
                            "GOBL-ES-VERIFACTU-BILL-INVOICE-15",
                            "must include at least one of VAT, IGIC, or IPSI",
                            "one of [VAT, IGIC, IPSI]",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-ES-VERIFACTU-TAX-COMBO",
            when(
                "verifactu vat/igic",
                field(
                    "ext",
                    check(
                        "GOBL-ES-VERIFACTU-TAX-COMBO-01",
                        "extension 'es-verifactu-regime' is required",
                        "ext require [es-verifactu-regime]",
                    ),
                    check(
                        "GOBL-ES-VERIFACTU-TAX-COMBO-03",
                        "cannot use both 'es-verifactu-op-class' and 'es-verifactu-exempt' at the same time",
                        "ext allow one of [es-verifactu-op-class, es-verifactu-exempt]",
                    ),
                    when(
                        "ext 'es-verifactu-regime' in [01]",
                        check(
                            "GOBL-ES-VERIFACTU-TAX-COMBO-02",
                            "exempt codes E2 and E3 not allowed with 'es-verifactu-regime' 01",
                            "ext 'es-verifactu-exempt' not in [E2, E3]",
                        ),
                    ),
                ),
                when(
                    "has percent",
                    field(
                        "ext",
                        check(
                            "GOBL-ES-VERIFACTU-TAX-COMBO-04",
                            "extension 'es-verifactu-op-class' is required for taxed operations",
                            "ext require [es-verifactu-op-class]",
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [es-verifactu-v1]",
    ),
    namespace(
        "GOBL-EU-EN16931",
        "eu-en16931",
        on(
            "bill.Invoice",
            "GOBL-EU-EN16931-BILL-INVOICE",
            check(
                "GOBL-EU-EN16931-BILL-INVOICE-08",
                "exempt tax categories require either a VATEX code or an exemption note",
                "exemption notes",
            ),
            field(
                "tax",
                check(
                    "GOBL-EU-EN16931-BILL-INVOICE-01",
                    "tax details are required with ext and UNTDID document type",
                    "present",
                ),
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-BILL-INVOICE-02",
                        "document type extension is required",
                        "ext require [untdid-document-type]",
                    ),
                ),
            ),
            field(
                "lines",
                check(
                    "GOBL-EU-EN16931-BILL-INVOICE-03",
                    "at least one line is required (BR-16)",
                    "present",
                ),
            ),
            field(
                "supplier",
                field(
                    "addresses",
                    check(
                        "GOBL-EU-EN16931-BILL-INVOICE-04",
                        "supplier addresses are required (BR-8)",
                        "present",
                    ),
                ),
            ),
            field(
                "customer",
                field(
                    "addresses",
                    check(
                        "GOBL-EU-EN16931-BILL-INVOICE-05",
                        "customer addresses are required (BR-10)",
                        "present",
                    ),
                ),
            ),
            when(
                "is due standard invoice",
                field(
                    "payment",
                    check(
                        "GOBL-EU-EN16931-BILL-INVOICE-06",
                        "payment details are required when amount is due (BR-CO-25)",
                        "present",
                    ),
                    field(
                        "terms",
                        check(
                            "GOBL-EU-EN16931-BILL-INVOICE-07",
                            "payment terms are required when amount is due (BR-CO-25)",
                            "present",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Discount",
            "GOBL-EU-EN16931-BILL-DISCOUNT",
            check(
                "GOBL-EU-EN16931-BILL-DISCOUNT-02",
                "either a reason or an allowance type extension is required (BR-33)",
                "reason or allowance",
            ),
            field(
                "taxes",
                check("GOBL-EU-EN16931-BILL-DISCOUNT-01", "taxes are required (BR-32)", "present"),
            ),
        ),
        on(
            "bill.LineDiscount",
            "GOBL-EU-EN16931-BILL-LINEDISCOUNT",
            check(
                "GOBL-EU-EN16931-BILL-LINEDISCOUNT-01",
                "either a reason or an allowance type extension is required (BR-41)",
                "reason or allowance",
            ),
        ),
        on(
            "bill.Charge",
            "GOBL-EU-EN16931-BILL-CHARGE",
            check(
                "GOBL-EU-EN16931-BILL-CHARGE-01",
                "either a reason or a charge type extension is required (BR-36)",
                "reason or charge",
            ),
        ),
        on(
            "bill.LineCharge",
            "GOBL-EU-EN16931-BILL-LINECHARGE",
            check(
                "GOBL-EU-EN16931-BILL-LINECHARGE-01",
                "either a reason or a charge type extension is required (BR-44)",
                "reason or charge",
            ),
        ),
        on(
            "pay.Instructions",
            "GOBL-EU-EN16931-PAY-INSTRUCTIONS",
            field(
                "ext",
                check(
                    "GOBL-EU-EN16931-PAY-INSTRUCTIONS-01",
                    "payment means extension is required (BR-49)",
                    "ext require [untdid-payment-means]",
                ),
            ),
        ),
        on(
            "pay.Terms",
            "GOBL-EU-EN16931-PAY-TERMS",
            check(
                "GOBL-EU-EN16931-PAY-TERMS-01",
                "either due_dates or notes must be provided (BR-CO-25)",
                "has due dates or notes",
            ),
        ),
        on(
            "org.Item",
            "GOBL-EU-EN16931-ORG-ITEM",
            field(
                "unit",
                check("GOBL-EU-EN16931-ORG-ITEM-01", "unit is required (BR-23)", "present"),
            ),
        ),
        on(
            "org.Attachment",
            "GOBL-EU-EN16931-ORG-ATTACHMENT",
            field(
                "code",
                check("GOBL-EU-EN16931-ORG-ATTACHMENT-01", "code is required", "present"),
            ),
        ),
        on(
            "org.Party",
            "GOBL-EU-EN16931-ORG-PARTY",
            field(
                "inboxes",
                check(
                    "GOBL-EU-EN16931-ORG-PARTY-01",
                    "cannot have more than one inbox (BT-34, BT-49)",
                    "length between 0 and 1",
                ),
            ),
        ),
        on(
            "org.Inbox",
            "GOBL-EU-EN16931-ORG-INBOX",
            check(
                "GOBL-EU-EN16931-ORG-INBOX-01",
                "scheme cannot be blank when code is set (BR-62, BR-63)",
                "scheme required with code",
            ),
            check(
                "GOBL-EU-EN16931-ORG-INBOX-02",
                "code cannot be blank when scheme is set",
                "code required with scheme",
            ),
        ),
        on(
            "org.Address",
            "GOBL-EU-EN16931-ORG-ADDRESS",
            field(
                "country",
                check(
                    "GOBL-EU-EN16931-ORG-ADDRESS-01",
                    "country is required (BR-9, BR-11, BR-20, BR-57)",
                    "present",
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-EU-EN16931-TAX-COMBO",
            field(
                "ext",
                check(
                    "GOBL-EU-EN16931-TAX-COMBO-01",
                    "tax category extension is required",
                    "ext require [untdid-tax-category]",
                ),
            ),
            when(
                "is VAT",
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-TAX-COMBO-02",
                        "VAT category code must be valid",
                        "ext 'untdid-tax-category' in [AE, E, G, K, O, S, Z]",
                    ),
                ),
            ),
            when(
                "is IGIC",
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-TAX-COMBO-03",
                        "must use IGIC category code",
                        "ext 'untdid-tax-category' in [L]",
                    ),
                ),
            ),
            when(
                "is IPSI",
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-TAX-COMBO-04",
                        "must use IPSI category code",
                        "ext 'untdid-tax-category' in [M]",
                    ),
                ),
            ),
            when(
                "is outside scope",
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-TAX-COMBO-05",
                        "must use outside scope category code",
                        "ext 'untdid-tax-category' in [O]",
                    ),
                ),
            ),
            when(
                "is non-exempt",
                field(
                    "ext",
                    check(
                        "GOBL-EU-EN16931-TAX-COMBO-07",
                        "VATEX extension must not be set for standard, zero, IGIC, or IPSI categories (BR-S-10, BR-Z-10)",
                        "ext exclude [cef-vatex]",
                    ),
                ),
            ),
        ),
        guard="context: addon in [eu-en16931-v2017]",
    ),
    namespace(
        "GOBL-FR-CHORUSPRO",
        "fr-choruspro",
        on(
            "bill.Invoice",
            "GOBL-FR-CHORUSPRO-BILL-INVOICE",
            check(
                "GOBL-FR-CHORUSPRO-BILL-INVOICE-07",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            field(
                "customer",
                field(
                    "ext",
                    check(
                        "GOBL-FR-CHORUSPRO-BILL-INVOICE-01",
                        "customer scheme extension must be '1'",
                        "ext 'fr-choruspro-scheme' in [1]",
                    ),
                ),
                field(
                    "identities",
                    check(
                        "GOBL-FR-CHORUSPRO-BILL-INVOICE-02",
                        "customer identities are required",
                        "present",
                    ),
                ),
            ),
            field(
                "tax",
                check(
                    "GOBL-FR-CHORUSPRO-BILL-INVOICE-03",
                    "tax object is required with extensions",
                    "present",
                ),
                field(
                    "ext",
                    check(
                        "GOBL-FR-CHORUSPRO-BILL-INVOICE-04",
                        "tax extensions are required",
                        "present",
                    ),
                    check(
                        "GOBL-FR-CHORUSPRO-BILL-INVOICE-05",
                        "framework extension is required",
                        "ext require [fr-choruspro-framework]",
                    ),
                ),
            ),
            when(
                "framework is paid",
                field(
                    "totals",
                    check(
                        "GOBL-FR-CHORUSPRO-BILL-INVOICE-06",
                        "must be paid in full for framework 'A2'",
                        "paid",
                    ),
                ),
            ),
        ),
        on(
            "org.Party",
            "GOBL-FR-CHORUSPRO-ORG-PARTY",
            field(
                "ext",
                check(
                    "GOBL-FR-CHORUSPRO-ORG-PARTY-01",
                    "scheme extension is required",
                    "ext require [fr-choruspro-scheme]",
                ),
            ),
            when(
                "party scheme is 1",
                field(
                    "identities",
                    check(
                        "GOBL-FR-CHORUSPRO-ORG-PARTY-02",
                        "identities must have a SIRET entry for scheme '1'",
                        "has SIRET",
                    ),
                ),
                field(
                    "tax_id",
                    field(
                        "country",
                        check(
                            "GOBL-FR-CHORUSPRO-ORG-PARTY-03",
                            "tax ID must be 'FR' for scheme '1'",
                            "one of [FR]",
                        ),
                    ),
                ),
            ),
            when(
                "party scheme is not 1",
                field(
                    "identities",
                    check(
                        "GOBL-FR-CHORUSPRO-ORG-PARTY-04",
                        "identities cannot have a SIRET entry when not '1' scheme",
                        "no SIRET",
                    ),
                ),
            ),
            when(
                "party scheme is 2",
                field(
                    "tax_id",
                    field(
                        "country",
                        check(
                            "GOBL-FR-CHORUSPRO-ORG-PARTY-05",
                            "tax ID country must be a non-French, EU company with scheme '2'",
                            "not one of [FR]",
                        ),
                        check(
                            "GOBL-FR-CHORUSPRO-ORG-PARTY-06",
                            "tax ID country must be a member of the EU with scheme '2'",
                            "EU member",
                        ),
                    ),
                ),
            ),
            when(
                "party scheme is 3",
                field(
                    "tax_id",
                    field(
                        "country",
                        check(
                            "GOBL-FR-CHORUSPRO-ORG-PARTY-07",
                            "tax ID country must be a non-EU company with scheme '3'",
                            "non-EU",
                        ),
                    ),
                ),
            ),
        ),
        guard="context: addon in [fr-choruspro-v1]",
    ),
    namespace(
        "GOBL-GR-MYDATA",
        "gr-mydata",
        on(
            "bill.Invoice",
            "GOBL-GR-MYDATA-BILL-INVOICE",
            check(
                "GOBL-GR-MYDATA-BILL-INVOICE-19",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            field(
                "series",
                check("GOBL-GR-MYDATA-BILL-INVOICE-01", "series is required", "present"),
            ),
            field(
                "tax",
                check("GOBL-GR-MYDATA-BILL-INVOICE-02", "tax is required", "present"),
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-BILL-INVOICE-03",
                        "tax requires 'gr-mydata-invoice-type' extension",
                        "ext require [gr-mydata-invoice-type]",
                    ),
                ),
            ),
            field(
                "supplier",
                field(
                    "tax_id",
                    check(
                        "GOBL-GR-MYDATA-BILL-INVOICE-04", "supplier tax ID is required", "present"
                    ),
                    field(
                        "code",
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-18",
                            "supplier tax ID code is required",
                            "present",
                        ),
                    ),
                ),
            ),
            when(
                "requires customer",
                field(
                    "customer",
                    check("GOBL-GR-MYDATA-BILL-INVOICE-05", "customer is required", "present"),
                    field(
                        "tax_id",
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-06",
                            "customer tax ID is required",
                            "present",
                        ),
                    ),
                    field(
                        "addresses",
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-07",
                            "customer addresses are required",
                            "present",
                        ),
                        each(
                            field(
                                "locality",
                                check(
                                    "GOBL-GR-MYDATA-BILL-INVOICE-08",
                                    "customer address locality is required",
                                    "present",
                                ),
                            ),
                            field(
                                "code",
                                check(
                                    "GOBL-GR-MYDATA-BILL-INVOICE-09",
                                    "customer address code is required",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "lines",
                each(
                    field(
                        "total",
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-10", "line total must be positive", "min 0"
                        ),
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-11",
                            "line total must not be zero",
                            "not zero",
                        ),
                    ),
                    field(
                        "item",
                        field(
                            "ext",
                            check(
                                "GOBL-GR-MYDATA-BILL-INVOICE-12",
                                "item income extensions 'gr-mydata-income-cat' and 'gr-mydata-income-type' must both be present",
                                "income ext pair",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "discounts",
                check(
                    "GOBL-GR-MYDATA-BILL-INVOICE-13",
                    "discounts are not supported by mydata",
                    "empty",
                ),
            ),
            field(
                "payment",
                check("GOBL-GR-MYDATA-BILL-INVOICE-14", "payment is required", "present"),
                check(
                    "GOBL-GR-MYDATA-BILL-INVOICE-15",
                    "payment instructions are required when no advances",
                    "has instructions or advances",
                ),
            ),
            when(
                "invoice type in [credit-note]",
                field(
                    "preceding",
                    check(
                        "GOBL-GR-MYDATA-BILL-INVOICE-16",
                        "preceding documents are required for credit notes",
                        "present",
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "stamps",
                        check(
                            "GOBL-GR-MYDATA-BILL-INVOICE-17",
                            "preceding document requires 'iapr-mark' stamp",
                            "stamps have iapr-mark",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Charge",
            "GOBL-GR-MYDATA-BILL-CHARGE",
            field(
                "ext",
                check(
                    "GOBL-GR-MYDATA-BILL-CHARGE-01",
                    "only one of fee, other-tax, or stamp-duty allowed",
                    "ext allow one of [gr-mydata-fee, gr-mydata-other-tax, gr-mydata-stamp-duty]",
                ),
            ),
            when(
                "tax type is fee",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-BILL-CHARGE-02",
                        "charge with fee tax type requires 'gr-mydata-fee' extension",
                        "ext require [gr-mydata-fee]",
                    ),
                ),
            ),
            when(
                "tax type is other tax",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-BILL-CHARGE-03",
                        "charge with other-tax type requires 'gr-mydata-other-tax' extension",
                        "ext require [gr-mydata-other-tax]",
                    ),
                ),
            ),
            when(
                "tax type is stamp duty",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-BILL-CHARGE-04",
                        "charge with stamp-duty type requires 'gr-mydata-stamp-duty' extension",
                        "ext require [gr-mydata-stamp-duty]",
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-GR-MYDATA-TAX-COMBO",
            when(
                "category is VAT",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-TAX-COMBO-01",
                        "VAT combo requires 'gr-mydata-vat-rate' extension",
                        "ext require [gr-mydata-vat-rate]",
                    ),
                ),
            ),
            when(
                "VAT with no percent",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-TAX-COMBO-02",
                        "exempt VAT combo requires 'gr-mydata-exemption' extension",
                        "ext require [gr-mydata-exemption]",
                    ),
                ),
            ),
            when(
                "VAT with income ext",
                field(
                    "ext",
                    check(
                        "GOBL-GR-MYDATA-TAX-COMBO-03",
                        "income extensions 'gr-mydata-income-cat' and 'gr-mydata-income-type' must both be present",
                        "ext require [gr-mydata-income-cat, gr-mydata-income-type]",
                    ),
                ),
            ),
        ),
        on(
            "pay.Instructions",
            "GOBL-GR-MYDATA-PAY-INSTRUCTIONS",
            field(
                "key",
                check(
                    "GOBL-GR-MYDATA-PAY-INSTRUCTIONS-01",
                    "payment instructions key is required",
                    "present",
                ),
            ),
            field(
                "ext",
                check(
                    "GOBL-GR-MYDATA-PAY-INSTRUCTIONS-02",
                    "payment instructions require 'gr-mydata-payment-means' extension",
                    "ext require [gr-mydata-payment-means]",
                ),
            ),
        ),
        on(
            "pay.Record",
            "GOBL-GR-MYDATA-PAY-RECORD",
            field(
                "key",
                check("GOBL-GR-MYDATA-PAY-RECORD-01", "payment advance key is required", "present"),
            ),
            field(
                "ext",
                check(
                    "GOBL-GR-MYDATA-PAY-RECORD-02",
                    "payment advance requires 'gr-mydata-payment-means' extension",
                    "ext require [gr-mydata-payment-means]",
                ),
            ),
        ),
        guard="context: addon in [gr-mydata-v1]",
    ),
    namespace(
        "GOBL-IT-SDI",
        "it-sdi",
        on(
            "bill.Invoice",
            "GOBL-IT-SDI-BILL-INVOICE",
            check(
                "GOBL-IT-SDI-BILL-INVOICE-22",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            check(
                "GOBL-IT-SDI-BILL-INVOICE-13", "customer name is required", "customer name check"
            ),
            check(
                "GOBL-IT-SDI-BILL-INVOICE-14",
                "customer people are required when name is empty",
                "customer people check",
            ),
            check(
                "GOBL-IT-SDI-BILL-INVOICE-21",
                "payment instructions are required when terms with due dates are present",
                "payment instructions check",
            ),
            field(
                "tax",
                check("GOBL-IT-SDI-BILL-INVOICE-01", "tax is required", "present"),
                field(
                    "ext",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-02",
                        "tax requires 'it-sdi-document-type' and 'it-sdi-format' extensions",
                        "ext require [it-sdi-format, it-sdi-document-type]",
                    ),
                ),
            ),
            field(
                "supplier",
                field(
                    "name",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-03",
                        "supplier name must use Latin-1 characters",
                        "latin1",
                    ),
                ),
                field(
                    "addresses",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-04", "supplier addresses are required", "present"
                    ),
                ),
                field(
                    "ext",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-05",
                        "supplier requires 'it-sdi-fiscal-regime' extension",
                        "ext require [it-sdi-fiscal-regime]",
                    ),
                ),
                field(
                    "registration",
                    field(
                        "entry",
                        check(
                            "GOBL-IT-SDI-BILL-INVOICE-06",
                            "supplier registration entry is required when registration is present",
                            "present",
                        ),
                    ),
                    field(
                        "office",
                        check(
                            "GOBL-IT-SDI-BILL-INVOICE-07",
                            "supplier registration office is required when registration is present",
                            "present",
                        ),
                    ),
                ),
            ),
            when(
                "supplier is Italian",
                field(
                    "supplier",
                    field(
                        "telephones",
                        each(
                            field(
                                "num",
                                check(
                                    "GOBL-IT-SDI-BILL-INVOICE-08",
                                    "Italian telephone number length must be between 5 and 12",
                                    "length between 5 and 12",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "customer",
                check("GOBL-IT-SDI-BILL-INVOICE-09", "customer is required", "present"),
                field(
                    "name",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-10",
                        "customer name must use Latin-1 characters",
                        "latin1",
                    ),
                ),
                field(
                    "tax_id",
                    check("GOBL-IT-SDI-BILL-INVOICE-11", "customer tax ID is required", "present"),
                ),
                field(
                    "addresses",
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-12", "customer addresses are required", "present"
                    ),
                ),
            ),
            when(
                "Italian customer without fiscal code",
                field(
                    "customer",
                    field(
                        "tax_id",
                        field(
                            "code",
                            check(
                                "GOBL-IT-SDI-BILL-INVOICE-15",
                                "customer tax ID code is required for Italian parties without fiscal code",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "Italian customer without tax ID code",
                field(
                    "customer",
                    field(
                        "identities",
                        check(
                            "GOBL-IT-SDI-BILL-INVOICE-16",
                            "customer requires identity with key 'it-fiscal-code'",
                            "has fiscal code",
                        ),
                    ),
                ),
            ),
            field(
                "lines",
                each(
                    check(
                        "GOBL-IT-SDI-BILL-INVOICE-17",
                        "line must have VAT tax category",
                        "line has tax category VAT",
                    ),
                    field(
                        "item",
                        field(
                            "name",
                            check(
                                "GOBL-IT-SDI-BILL-INVOICE-18",
                                "item name must use Latin-1 characters",
                                "latin1",
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "has deferred tag",
                field(
                    "ordering",
                    field(
                        "despatch",
                        each(
                            field(
                                "issue_date",
                                check(
                                    "GOBL-IT-SDI-BILL-INVOICE-19",
                                    "despatch issue date is required",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            when(
                "no deferred tag",
                field(
                    "ordering",
                    field(
                        "despatch",
                        check(
                            "GOBL-IT-SDI-BILL-INVOICE-20",
                            "despatch can only be set when invoice has deferred tag",
                            "empty",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Charge",
            "GOBL-IT-SDI-BILL-CHARGE",
            when(
                "is fund contribution",
                field(
                    "percent",
                    check(
                        "GOBL-IT-SDI-BILL-CHARGE-01",
                        "fund contribution charge requires a percentage",
                        "present",
                    ),
                ),
                field(
                    "ext",
                    check(
                        "GOBL-IT-SDI-BILL-CHARGE-02",
                        "fund contribution charge requires 'it-sdi-fund-type' extension",
                        "ext require [it-sdi-fund-type]",
                    ),
                ),
                field(
                    "taxes",
                    check(
                        "GOBL-IT-SDI-BILL-CHARGE-03",
                        "fund contribution charge must have VAT tax category",
                        "all of [VAT]",
                    ),
                ),
            ),
        ),
        on(
            "org.Address",
            "GOBL-IT-SDI-ORG-ADDRESS",
            check(
                "GOBL-IT-SDI-ORG-ADDRESS-01",
                "address either street or post office box must be set",
                "street or postbox",
            ),
            field(
                "street",
                check(
                    "GOBL-IT-SDI-ORG-ADDRESS-02",
                    "address street must use Latin-1 characters",
                    "latin1",
                ),
            ),
            field(
                "po_box",
                check(
                    "GOBL-IT-SDI-ORG-ADDRESS-03",
                    "address post office box must use Latin-1 characters",
                    "latin1",
                ),
            ),
            field(
                "country",
                check("GOBL-IT-SDI-ORG-ADDRESS-04", "address country is required", "present"),
            ),
            field(
                "locality",
                check("GOBL-IT-SDI-ORG-ADDRESS-05", "address locality is required", "present"),
                check(
                    "GOBL-IT-SDI-ORG-ADDRESS-06",
                    "address locality must use Latin-1 characters",
                    "latin1",
                ),
            ),
            when(
                "Italian address",
                field(
                    "code",
                    check(
                        "GOBL-IT-SDI-ORG-ADDRESS-07", "Italian address code is required", "present"
                    ),
                    check(
                        "GOBL-IT-SDI-ORG-ADDRESS-08",
                        "Italian address code must be 5 digits",
                        "matches ^\\d{5}$",
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-IT-SDI-TAX-COMBO",
            when(
                "VAT without percent",
                field(
                    "ext",
                    check(
                        "GOBL-IT-SDI-TAX-COMBO-01",
                        "VAT tax combo without percent requires 'it-sdi-exempt' extension",
                        "ext require [it-sdi-exempt]",
                    ),
                ),
            ),
            when(
                "is retained tax",
                field(
                    "ext",
                    check(
                        "GOBL-IT-SDI-TAX-COMBO-02",
                        "retained tax combo requires 'it-sdi-retained' extension",
                        "ext require [it-sdi-retained]",
                    ),
                ),
            ),
        ),
        on(
            "pay.Instructions",
            "GOBL-IT-SDI-PAY-INSTRUCTIONS",
            field(
                "ext",
                check(
                    "GOBL-IT-SDI-PAY-INSTRUCTIONS-01",
                    "payment instructions require 'it-sdi-payment-means' extension",
                    "ext require [it-sdi-payment-means]",
                ),
            ),
        ),
        on(
            "pay.Record",
            "GOBL-IT-SDI-PAY-RECORD",
            field(
                "ext",
                check(
                    "GOBL-IT-SDI-PAY-RECORD-01",
                    "payment advance requires 'it-sdi-payment-means' extension",
                    "ext require [it-sdi-payment-means]",
                ),
            ),
        ),
        guard="context: addon in [it-sdi-v1]",
    ),
    namespace(
        "GOBL-IT-TICKET",
        "it-ticket",
        on(
            "bill.Invoice",
            "GOBL-IT-TICKET-BILL-INVOICE",
            check(
                "GOBL-IT-TICKET-BILL-INVOICE-08",
                "invoice must be in EUR or provide exchange rate for conversion",
                "can convert to [EUR]",
            ),
            field(
                "tax",
                check("GOBL-IT-TICKET-BILL-INVOICE-01", "tax is required", "present"),
                field(
                    "prices_include",
                    check(
                        "GOBL-IT-TICKET-BILL-INVOICE-02", "prices_include is required", "present"
                    ),
                    check(
                        "GOBL-IT-TICKET-BILL-INVOICE-03",
                        "prices_include must be VAT",
                        "one of [VAT]",
                    ),
                ),
            ),
            field(
                "supplier",
                field(
                    "tax_id",
                    check(
                        "GOBL-IT-TICKET-BILL-INVOICE-04", "supplier tax ID is required", "present"
                    ),
                ),
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "preceding",
                    check(
                        "GOBL-IT-TICKET-BILL-INVOICE-05",
                        "preceding documents are required for corrective invoices",
                        "present",
                    ),
                ),
            ),
            field(
                "lines",
                each(
                    check(
                        "GOBL-IT-TICKET-BILL-INVOICE-06",
                        "line taxes must include VAT category",
                        "line has tax category VAT",
                    ),
                ),
            ),
            when(
                "invoice type in [corrective]",
                field(
                    "lines",
                    each(
                        field(
                            "ext",
                            check(
                                "GOBL-IT-TICKET-BILL-INVOICE-07",
                                "corrective invoice lines require 'it-ticket-line-ref' extension",
                                "ext require [it-ticket-line-ref]",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-IT-TICKET-TAX-COMBO",
            when(
                "VAT without percent",
                field(
                    "ext",
                    check(
                        "GOBL-IT-TICKET-TAX-COMBO-01",
                        "exempt VAT combo requires 'it-ticket-exempt' extension",
                        "ext require [it-ticket-exempt]",
                    ),
                ),
            ),
            when(
                "is VAT",
                field(
                    "percent",
                    check(
                        "GOBL-IT-TICKET-TAX-COMBO-02", "must be a valid value", "valid percentage"
                    ),
                ),
            ),
        ),
        guard="context: addon in [it-ticket-v1]",
    ),
    namespace(
        "GOBL-PL-FAVAT",
        "pl-favat",
        on(
            "bill.Invoice",
            "GOBL-PL-FAVAT-BILL-INVOICE",
            check(
                "GOBL-PL-FAVAT-BILL-INVOICE-15",
                "invoice must be in PLN or provide exchange rate for conversion",
                "can convert to [PLN]",
            ),
            check(
                "GOBL-PL-FAVAT-BILL-INVOICE-11",
                "customer requires identity with role '8' and code for JST",
                "JST identity",
            ),
            check(
                "GOBL-PL-FAVAT-BILL-INVOICE-12",
                "customer requires identity with role '10' and code for GroupVAT",
                "GroupVAT identity",
            ),
            check(
                "GOBL-PL-FAVAT-BILL-INVOICE-13", "missing exemption note", "exemption note present"
            ),
            check(
                "GOBL-PL-FAVAT-BILL-INVOICE-14", "too many exemption notes", "single exemption note"
            ),
            field(
                "type",
                check(
                    "GOBL-PL-FAVAT-BILL-INVOICE-01",
                    "invoice type must be standard or credit-note",
                    "one of [standard, credit-note]",
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "issue_date",
                        check(
                            "GOBL-PL-FAVAT-BILL-INVOICE-02",
                            "preceding issue date is required",
                            "present",
                        ),
                    ),
                    field(
                        "code",
                        check(
                            "GOBL-PL-FAVAT-BILL-INVOICE-03", "preceding code is required", "present"
                        ),
                    ),
                ),
            ),
            field(
                "supplier",
                check("GOBL-PL-FAVAT-BILL-INVOICE-04", "supplier is required", "present"),
                field(
                    "tax_id",
                    check(
                        "GOBL-PL-FAVAT-BILL-INVOICE-16", "supplier tax ID is required", "present"
                    ),
                    field(
                        "code",
                        check(
                            "GOBL-PL-FAVAT-BILL-INVOICE-17",
                            "supplier tax ID code required",
                            "present",
                        ),
                    ),
                ),
                field(
                    "name",
                    check("GOBL-PL-FAVAT-BILL-INVOICE-05", "supplier name is required", "present"),
                ),
                field(
                    "addresses",
                    check(
                        "GOBL-PL-FAVAT-BILL-INVOICE-06",
                        "supplier addresses are required",
                        "present",
                    ),
                    check(
                        "GOBL-PL-FAVAT-BILL-INVOICE-07",
                        "supplier first address must have a country",
                        "first address country",
                    ),
                    check(
                        "GOBL-PL-FAVAT-BILL-INVOICE-08",
                        "supplier first address must have a street",
                        "first address street",
                    ),
                ),
            ),
            when(
                "not simplified",
                field(
                    "customer",
                    check("GOBL-PL-FAVAT-BILL-INVOICE-09", "customer is required", "present"),
                ),
            ),
            field(
                "customer",
                field(
                    "tax_id",
                    when(
                        "code in [PL]",
                        field(
                            "code",
                            check(
                                "GOBL-PL-FAVAT-BILL-INVOICE-10",
                                "customer Polish tax ID code is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-PL-FAVAT-TAX-COMBO",
            field(
                "ext",
                check(
                    "GOBL-PL-FAVAT-TAX-COMBO-01",
                    "tax combo requires 'pl-favat-tax-category' extension",
                    "ext require [pl-favat-tax-category]",
                ),
            ),
        ),
        on(
            "pay.Record",
            "GOBL-PL-FAVAT-PAY-RECORD",
            field(
                "date",
                check("GOBL-PL-FAVAT-PAY-RECORD-01", "advance payment date is required", "present"),
            ),
        ),
        guard="context: addon in [pl-favat-v3]",
    ),
]
