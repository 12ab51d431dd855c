# ruff: noqa: E501 -- GOBL's messages and tests are kept whole, as GOBL prints them, to be searched for
"""GOBL's rule sets of the tax regimes: each object's rules are guarded by the document's
regime (`context: regime in [XX]`), a tax identity's by its own country.

Transcribed from GOBL v0.502.1 (rule ids, messages, and the names of the tests GOBL
prints); the tests are compiled by `checks.py` and `predicates.py`.
"""

from .dsl import check, each, field, namespace, on, when

SETS = [
    namespace(
        "GOBL-AE",
        "ae",
        on(
            "tax.Identity",
            "GOBL-AE-TAX-IDENTITY",
            when(
                "code in [AE]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-AE-TAX-IDENTITY-01",
                            "invalid UAE tax identity code",
                            "matches ^\\d{15}$",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-AR",
        "ar",
        on(
            "bill.Invoice",
            "GOBL-AR-BILL-INVOICE",
            when(
                "context: regime in [AR]",
                field(
                    "supplier",
                    field(
                        "tax_id",
                        check(
                            "GOBL-AR-BILL-INVOICE-01",
                            "invoice supplier tax ID required for Argentine regime",
                            "present",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-AR-TAX-IDENTITY",
            when(
                "code in [AR]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-AR-TAX-IDENTITY-01",
                            "invalid Argentine tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-AT",
        "at",
        on(
            "tax.Identity",
            "GOBL-AT-TAX-IDENTITY",
            when(
                "code in [AT]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-AT-TAX-IDENTITY-01", "invalid Austrian VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-BE",
        "be",
        on(
            "tax.Identity",
            "GOBL-BE-TAX-IDENTITY",
            when(
                "code in [BE]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-BE-TAX-IDENTITY-01", "invalid Belgian VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Invoice",
            "GOBL-BE-BILL-INVOICE",
            when(
                "context: regime in [BE]",
                field(
                    "supplier",
                    when(
                        "no BCE identity",
                        field(
                            "tax_id",
                            check(
                                "GOBL-BE-BILL-INVOICE-01",
                                "supplier tax ID required for Belgian regime",
                                "present",
                            ),
                            field(
                                "code",
                                check(
                                    "GOBL-BE-BILL-INVOICE-02",
                                    "supplier tax ID code required for Belgian regime",
                                    "present",
                                ),
                            ),
                        ),
                    ),
                    when(
                        "no tax ID code",
                        field(
                            "identities",
                            check(
                                "GOBL-BE-BILL-INVOICE-03",
                                "supplier identities must include BCE type",
                                "has BCE type",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-BR",
        "br",
        on(
            "org.Party",
            "GOBL-BR-ORG-PARTY",
            when(
                "context: regime in [BR]",
                when(
                    "is Brazilian party",
                    field(
                        "ext",
                        when(
                            "present",
                            check(
                                "GOBL-BR-ORG-PARTY-01",
                                "Brazilian party ext must define a valid 'br-ibge-municipality' code",
                                "ext 'br-ibge-municipality' matches pattern '^\\d{7}$'",
                            ),
                        ),
                    ),
                    field(
                        "addresses",
                        each(
                            when(
                                "string(Country) in ['','BR']",
                                field(
                                    "state",
                                    when(
                                        "present",
                                        check(
                                            "GOBL-BR-ORG-PARTY-02",
                                            "Brazilian state must be one of the valid states",
                                            "code in [AC, AL, AM, AP, BA, CE, DF, ES, GO, MA, MG, MS, MT, PA, PB, PE, PI, PR, RJ, RN, RO, RR, RS, SC, SE, SP, TO]",
                                        ),
                                    ),
                                ),
                                field(
                                    "code",
                                    when(
                                        "present",
                                        check(
                                            "GOBL-BR-ORG-PARTY-03",
                                            "Brazilian postal code must match the valid format",
                                            "matches ^\\d{5}-?\\d{3}$",
                                        ),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-BR-TAX-IDENTITY",
            when(
                "code in [BR]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-BR-TAX-IDENTITY-01",
                            "invalid Brazilian tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-CH",
        "ch",
        on(
            "tax.Identity",
            "GOBL-CH-TAX-IDENTITY",
            when(
                "code in [CH]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-CH-TAX-IDENTITY-01", "invalid Swiss VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-CO",
        "co",
        on(
            "tax.Identity",
            "GOBL-CO-TAX-IDENTITY",
            when(
                "code in [CO]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-CO-TAX-IDENTITY-01",
                            "invalid Colombian tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-DE",
        "de",
        on(
            "bill.Invoice",
            "GOBL-DE-BILL-INVOICE",
            when(
                "context: regime in [DE]",
                field(
                    "supplier",
                    check(
                        "GOBL-DE-BILL-INVOICE-01",
                        "invoice DE supplier must have either tax ID code or identity with 'de-tax-number' key",
                        "has tax ID code or identity with 'de-tax-number' key",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-DE-ORG-IDENTITY",
            when(
                "context: regime in [DE]",
                when(
                    "is tax number",
                    field(
                        "code",
                        check(
                            "GOBL-DE-ORG-IDENTITY-01",
                            "German tax number code must be in valid format",
                            "matches ^(\\d{2}/\\d{3}/\\d{5}|\\d{3}/\\d{3}/\\d{5}|\\d{3}/\\d{4}/\\d{4})$",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-DE-TAX-IDENTITY",
            when(
                "code in [DE]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-DE-TAX-IDENTITY-01", "invalid German VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-DK",
        "dk",
        on(
            "bill.Invoice",
            "GOBL-DK-BILL-INVOICE",
            when(
                "context: regime in [DK]",
                field(
                    "supplier",
                    check(
                        "GOBL-DK-BILL-INVOICE-01",
                        "invoice DK supplier must have either tax ID code or identity with 'CVR' type",
                        "has tax ID code or identity with 'CVR' type",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-DK-ORG-IDENTITY",
            when(
                "is CVR",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-DK-ORG-IDENTITY-01", "invalid Danish CVR identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-DK-TAX-IDENTITY",
            when(
                "code in [DK]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-DK-TAX-IDENTITY-01", "invalid Danish VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-ES",
        "es",
        on(
            "bill.Invoice",
            "GOBL-ES-BILL-INVOICE",
            when(
                "context: regime in [ES]",
                field(
                    "supplier",
                    check(
                        "GOBL-ES-BILL-INVOICE-01",
                        "invoice supplier in Spain is required",
                        "present",
                    ),
                    field(
                        "tax_id",
                        check(
                            "GOBL-ES-BILL-INVOICE-02",
                            "invoice supplier tax ID in Spain is required",
                            "present",
                        ),
                        field(
                            "code",
                            check(
                                "GOBL-ES-BILL-INVOICE-03",
                                "invoice supplier tax ID code in Spain is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-ES-TAX-IDENTITY",
            when(
                "code in [ES]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-ES-TAX-IDENTITY-01",
                            "invalid Spanish VAT identity code format or checksum",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-FI",
        "fi",
        on(
            "tax.Identity",
            "GOBL-FI-TAX-IDENTITY",
            when(
                "code in [FI]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-FI-TAX-IDENTITY-01",
                            "invalid Finnish Y-tunnus tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-FR",
        "fr",
        on(
            "bill.Invoice",
            "GOBL-FR-BILL-INVOICE",
            when(
                "context: regime in [FR]",
                field(
                    "supplier",
                    check(
                        "GOBL-FR-BILL-INVOICE-01",
                        "invoice supplier must have a tax ID code or a SIREN/SIRET identity",
                        "has tax ID code or SIREN/SIRET identity",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-FR-ORG-IDENTITY",
            when(
                "context: regime in [FR]",
                when(
                    "has a type in [SIREN]",
                    field(
                        "code",
                        check(
                            "GOBL-FR-ORG-IDENTITY-01",
                            "identity code for type SIREN must be valid",
                            "matches ^\\d{9}$",
                        ),
                    ),
                ),
                when(
                    "has a type in [SIRET]",
                    field(
                        "code",
                        check(
                            "GOBL-FR-ORG-IDENTITY-02",
                            "identity code for type SIRET must be valid",
                            "matches ^\\d{14}$",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-FR-TAX-IDENTITY",
            when(
                "code in [FR]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-FR-TAX-IDENTITY-01",
                            "invalid French VAT identity code format or checksum",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-GB",
        "gb",
        on(
            "tax.Identity",
            "GOBL-GB-TAX-IDENTITY",
            when(
                "code in [GB]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-GB-TAX-IDENTITY-01",
                            "invalid UK VAT identity format",
                            "matches ^(\\d{9}|\\d{12}|GD\\d{3}|HA\\d{3})$",
                        ),
                    ),
                    when(
                        "present",
                        check(
                            "GOBL-GB-TAX-IDENTITY-02",
                            "all-zero UK VAT identity codes are not allowed",
                            "not-zeros",
                        ),
                    ),
                    when(
                        "present",
                        check(
                            "GOBL-GB-TAX-IDENTITY-03",
                            "UK VAT identity checksum mismatch",
                            "checksum",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-GR",
        "gr",
        on(
            "tax.Identity",
            "GOBL-GR-TAX-IDENTITY",
            when(
                "code in [EL]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-GR-TAX-IDENTITY-01", "invalid Greek VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-IE",
        "ie",
        on(
            "tax.Identity",
            "GOBL-IE-TAX-IDENTITY",
            when(
                "code in [IE]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-IE-TAX-IDENTITY-01", "invalid Irish VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-IN",
        "in",
        on(
            "org.Identity",
            "GOBL-IN-ORG-IDENTITY",
            when(
                "context: regime in [IN]",
                when(
                    "type in [PAN]",
                    field(
                        "code",
                        check(
                            "GOBL-IN-ORG-IDENTITY-01",
                            "identity code must be a valid PAN format",
                            "matches ^[A-Z]{5}[0-9]{4}[A-Z]$",
                        ),
                    ),
                ),
                when(
                    "type in [HSN]",
                    field(
                        "code",
                        check(
                            "GOBL-IN-ORG-IDENTITY-02",
                            "identity code must be a valid HSN format",
                            "matches ^(?:\\d{4}|\\d{6}|\\d{8})$",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "org.Item",
            "GOBL-IN-ORG-ITEM",
            when(
                "context: regime in [IN]",
                field(
                    "identities",
                    check(
                        "GOBL-IN-ORG-ITEM-01",
                        "all items must have an HSN identity code",
                        "has a type in [HSN]",
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-IN-TAX-IDENTITY",
            when(
                "code in [IN]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-IN-TAX-IDENTITY-01", "invalid Indian tax identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-IT",
        "it",
        on(
            "tax.Identity",
            "GOBL-IT-TAX-IDENTITY",
            when(
                "code in [IT]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-IT-TAX-IDENTITY-01", "invalid Italian VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-IT-ORG-IDENTITY",
            when(
                "context: regime in [IT]",
                when(
                    "key in [it-fiscal-code]",
                    field(
                        "code",
                        check("GOBL-IT-ORG-IDENTITY-01", "fiscal code is required", "present"),
                        when(
                            "present",
                            check(
                                "GOBL-IT-ORG-IDENTITY-02",
                                "invalid fiscal code format",
                                "valid format",
                            ),
                        ),
                        when(
                            "present",
                            check(
                                "GOBL-IT-ORG-IDENTITY-03",
                                "invalid fiscal code check digit",
                                "valid checksum",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-MX",
        "mx",
        on(
            "tax.Identity",
            "GOBL-MX-TAX-IDENTITY",
            when(
                "code in [MX]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-MX-TAX-IDENTITY-01",
                            "invalid Mexican RFC tax identity code",
                            "valid RFC",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-NL",
        "nl",
        on(
            "bill.Invoice",
            "GOBL-NL-BILL-INVOICE",
            when(
                "context: regime in [NL]",
                field(
                    "supplier",
                    check(
                        "GOBL-NL-BILL-INVOICE-01",
                        "invoice supplier must have a tax ID code or a KVK/OIN identity",
                        "has tax ID code or KVK/OIN identity",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-NL-ORG-IDENTITY",
            when(
                "context: regime in [NL]",
                when(
                    "type in [KVK]",
                    field(
                        "code",
                        check(
                            "GOBL-NL-ORG-IDENTITY-01",
                            "identity code for type KVK must be valid",
                            "length between 8 and 8",
                        ),
                    ),
                ),
                when(
                    "type in [OIN]",
                    field(
                        "code",
                        check(
                            "GOBL-NL-ORG-IDENTITY-02",
                            "identity code for type OIN must be valid",
                            "matches ^0{6}(0[1-9]|10|99)\\d{9}0{3}$",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-NL-TAX-IDENTITY",
            when(
                "code in [NL]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-NL-TAX-IDENTITY-01", "invalid Dutch VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-NO",
        "no",
        on(
            "tax.Identity",
            "GOBL-NO-TAX-IDENTITY",
            when(
                "code in [NO]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-NO-TAX-IDENTITY-01",
                            "invalid Norwegian VAT number",
                            "valid MVA-suffixed mod-11 org number",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-NO-ORG-IDENTITY",
            when(
                "context: regime in [NO]",
                when(
                    "type in [ON]",
                    field(
                        "code",
                        check(
                            "GOBL-NO-ORG-IDENTITY-01",
                            "invalid organisasjonsnummer",
                            "valid mod-11 org number",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-PL",
        "pl",
        on(
            "tax.Identity",
            "GOBL-PL-TAX-IDENTITY",
            when(
                "code in [PL]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-PL-TAX-IDENTITY-01", "invalid Polish VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-PT",
        "pt",
        on(
            "bill.Invoice",
            "GOBL-PT-BILL-INVOICE",
            when(
                "context: regime in [PT]",
                check(
                    "GOBL-PT-BILL-INVOICE-11",
                    "value date must not be after issue date",
                    "value date not after issue date",
                ),
                check(
                    "GOBL-PT-BILL-INVOICE-12",
                    "operation date must not be after issue date",
                    "operation date not after issue date",
                ),
                check(
                    "GOBL-PT-BILL-INVOICE-13",
                    "preceding document issue dates must not be after invoice issue date",
                    "preceding dates not after issue date",
                ),
                check(
                    "GOBL-PT-BILL-INVOICE-14",
                    "advance payment dates must not be after invoice issue date",
                    "advance dates not after issue date",
                ),
                check(
                    "GOBL-PT-BILL-INVOICE-15",
                    "payment due dates must not be before invoice issue date",
                    "due dates not before issue date",
                ),
                field(
                    "type",
                    check(
                        "GOBL-PT-BILL-INVOICE-01",
                        "invoice type is not valid for Portugal",
                        "one of [standard, credit-note, debit-note, proforma, other]",
                    ),
                ),
                when(
                    "invoice type in [credit-note, debit-note]",
                    field(
                        "preceding",
                        check(
                            "GOBL-PT-BILL-INVOICE-02",
                            "preceding is required for credit and debit notes",
                            "present",
                        ),
                    ),
                ),
                field(
                    "supplier",
                    field(
                        "tax_id",
                        check("GOBL-PT-BILL-INVOICE-03", "supplier tax ID is required", "present"),
                        field(
                            "code",
                            check(
                                "GOBL-PT-BILL-INVOICE-04",
                                "supplier tax ID code is required",
                                "present",
                            ),
                        ),
                    ),
                ),
                field(
                    "lines",
                    each(
                        field(
                            "quantity",
                            check(
                                "GOBL-PT-BILL-INVOICE-05",
                                "line quantity must be zero or positive",
                                "min 0",
                            ),
                        ),
                        field(
                            "item",
                            field(
                                "price",
                                check(
                                    "GOBL-PT-BILL-INVOICE-06",
                                    "item price must be zero or positive",
                                    "min 0",
                                ),
                            ),
                        ),
                    ),
                ),
                field(
                    "totals",
                    field(
                        "due",
                        check(
                            "GOBL-PT-BILL-INVOICE-07",
                            "due amount must be zero or positive",
                            "min 0",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-PT-TAX-COMBO",
            when(
                "context: regime in [PT]",
                when(
                    'string(Category) == "VAT"',
                    field(
                        "ext",
                        check(
                            "GOBL-PT-TAX-COMBO-01",
                            "pt-region extension is required for VAT",
                            "ext require [pt-region]",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-PT-TAX-IDENTITY",
            when(
                "code in [PT]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-PT-TAX-IDENTITY-01",
                            "invalid Portuguese NIF tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-SA",
        "sa",
        on(
            "org.Identity",
            "GOBL-SA-ORG-IDENTITY",
            when(
                "context: regime in [SA]",
                field(
                    "code",
                    check(
                        "GOBL-SA-ORG-IDENTITY-01",
                        "invoice identity type must be alphanumerical",
                        "matches ^[a-zA-Z0-9]*$",
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-SA-TAX-IDENTITY",
            when(
                "code in [SA]",
                field(
                    "code",
                    check(
                        "GOBL-SA-TAX-IDENTITY-01",
                        "invoice tax id code must be 15 digits long, and start and end with 3",
                        "matches ^3[0-9]{13}3$",
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-SE",
        "se",
        on(
            "tax.Identity",
            "GOBL-SE-TAX-IDENTITY",
            when(
                "code in [SE]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-SE-TAX-IDENTITY-01", "invalid Swedish VAT identity code", "valid"
                        ),
                    ),
                ),
            ),
        ),
        on(
            "bill.Invoice",
            "GOBL-SE-BILL-INVOICE",
            when(
                "context: regime in [SE]",
                field(
                    "supplier",
                    check(
                        "GOBL-SE-BILL-INVOICE-01",
                        "invoice SE supplier must have either tax ID code or identity with ON, PN, or CN type",
                        "has tax ID code or identity with type in [ON, PN, CN]",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-SE-ORG-IDENTITY",
            when(
                "context: regime in [SE]",
                when(
                    "type in [ON]",
                    field(
                        "code",
                        check(
                            "GOBL-SE-ORG-IDENTITY-01",
                            "invalid organization number format",
                            "valid org number",
                        ),
                        check("GOBL-SE-ORG-IDENTITY-02", "invalid checksum", "luhn checksum"),
                    ),
                ),
                when(
                    "type in [PN, CN]",
                    field(
                        "code",
                        check(
                            "GOBL-SE-ORG-IDENTITY-03",
                            "invalid person or coordination number format",
                            "valid individual number",
                        ),
                        check("GOBL-SE-ORG-IDENTITY-04", "invalid checksum", "luhn checksum"),
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-SG",
        "sg",
        on(
            "bill.Invoice",
            "GOBL-SG-BILL-INVOICE",
            when(
                "context: regime in [SG]",
                field(
                    "supplier",
                    check(
                        "GOBL-SG-BILL-INVOICE-01",
                        "invoice supplier in Singapore must have a GST tax ID code or a UEN identity",
                        "has GST tax ID code or UEN identity",
                    ),
                ),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-SG-ORG-IDENTITY",
            when(
                "context: regime in [SG]",
                when(
                    "type in [UEN]",
                    field(
                        "code",
                        check(
                            "GOBL-SG-ORG-IDENTITY-01",
                            "identity code for type UEN must be valid",
                            "valid UEN",
                        ),
                    ),
                ),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-SG-TAX-IDENTITY",
            when(
                "code in [SG]",
                field(
                    "code",
                    when(
                        "present",
                        check(
                            "GOBL-SG-TAX-IDENTITY-01",
                            "invalid Singaporean tax identity code",
                            "valid",
                        ),
                    ),
                ),
            ),
        ),
    ),
]
