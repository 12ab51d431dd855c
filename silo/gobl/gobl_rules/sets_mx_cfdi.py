# ruff: noqa: E501 -- the messages are kept whole, as GOBL prints them, to be searched for
"""The rules of Mexico's CFDI add-on (mx-cfdi-v4), which GOBL v0.502.1 approves but keeps in its
own module (invopop/gobl.mx.cfdi v0.61.0: addon/bill_invoice.go, pay.go): the codes and messages
a GOBL with that module reports. GOBL publishes no rule data for it, so the names of the tests
are ours; the predicates are registered by code before the sets are compiled.

Not transcribed yet: the rules of the food voucher and fuel account complements.
"""

import re

from .. import amounts as num
from .dsl import check, each, field, namespace, on, when
from .predicates import BY_ASSERT, NAMED, can_convert_to, member, objects, tags

PROD_SERV = re.compile(r"^\d{8}$")


def amount_above_zero(value, context) -> bool:
    try:
        return value is None or num.parse(value) > 0
    except num.AmountError:
        return True  # the amount's own rule says why


def amount_not_negative(value, context) -> bool:
    try:
        return value is None or num.parse(value) >= 0
    except num.AmountError:
        return True


def prod_serv_valid(ext, context) -> bool:
    code = ext.get("mx-cfdi-prod-serv") if isinstance(ext, dict) else None
    return code is None or bool(PROD_SERV.match(str(code)))


def all_or_none(ext, context) -> bool:
    keys = ("mx-cfdi-global-period", "mx-cfdi-global-month", "mx-cfdi-global-year")
    found = [bool((ext or {}).get(k)) for k in keys] if isinstance(ext, dict) else [False]
    return all(found) or not any(found)


def has_sat_uuid(stamps, context) -> bool:
    return any(s.get("prv") == "sat-uuid" for s in objects(stamps))


NAMED.update(
    {
        "mx-cfdi: global": lambda doc, context: "global" in tags(doc),
        "mx-cfdi: not global": lambda doc, context: "global" not in tags(doc),
        "mx-cfdi: has preceding": lambda doc, context: bool(objects(member(doc, "preceding"))),
        "mx-cfdi: Mexican customer": lambda party, context: (
            member(party, "tax_id", "country") == "MX"
        ),
    }
)
BY_ASSERT.update(
    {
        "GOBL-MX-CFDI-BILL-INVOICE-27": can_convert_to("MXN"),
        "GOBL-MX-CFDI-BILL-INVOICE-07": all_or_none,
        "GOBL-MX-CFDI-BILL-INVOICE-15": prod_serv_valid,
        "GOBL-MX-CFDI-BILL-INVOICE-17": has_sat_uuid,
        "GOBL-MX-CFDI-BILL-INVOICE-21": amount_above_zero,
        "GOBL-MX-CFDI-BILL-INVOICE-23": amount_above_zero,
        "GOBL-MX-CFDI-BILL-INVOICE-24": amount_not_negative,
    }
)

MEANS = "ext require [mx-cfdi-payment-means]"

SETS = [
    namespace(
        "GOBL-MX-CFDI",
        "mx-cfdi",
        on(
            "bill.Invoice",
            "GOBL-MX-CFDI-BILL-INVOICE",
            check(
                "GOBL-MX-CFDI-BILL-INVOICE-27",
                "invoice must be in MXN or provide exchange rate for conversion",
                "can convert to [MXN]",
            ),
            field(
                "tax",
                field(
                    "ext",
                    check(
                        "GOBL-MX-CFDI-BILL-INVOICE-01",
                        "tax requires 'mx-cfdi-doc-type', 'mx-cfdi-issue-place', and 'mx-cfdi-payment-method' extensions",
                        "ext require [mx-cfdi-doc-type, mx-cfdi-issue-place, mx-cfdi-payment-method]",
                    ),
                ),
            ),
            when(
                "mx-cfdi: global",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-02",
                            "global invoices require 'mx-cfdi-global-period', 'mx-cfdi-global-month', and 'mx-cfdi-global-year' extensions",
                            "ext require [mx-cfdi-global-period, mx-cfdi-global-month, mx-cfdi-global-year]",
                        ),
                    ),
                ),
                field(
                    "customer",
                    check("GOBL-MX-CFDI-BILL-INVOICE-03", "cannot be set with global tag", "empty"),
                ),
                field(
                    "payment",
                    check(
                        "GOBL-MX-CFDI-BILL-INVOICE-04",
                        "payment is required for global invoices",
                        "present",
                    ),
                    field(
                        "advances",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-05",
                            "advances must be set with global tag",
                            "present",
                        ),
                    ),
                ),
                field(
                    "lines",
                    each(
                        field(
                            "item",
                            field(
                                "ref",
                                check(
                                    "GOBL-MX-CFDI-BILL-INVOICE-06",
                                    "must be set with global tag",
                                    "present",
                                ),
                            ),
                        )
                    ),
                ),
            ),
            when(
                "mx-cfdi: not global",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-07",
                            "'mx-cfdi-global-period', 'mx-cfdi-global-month', and 'mx-cfdi-global-year' extensions must all be present or all absent",
                            "all or none",
                        ),
                    ),
                ),
                field(
                    "customer",
                    field(
                        "tax_id",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-08", "customer tax ID is required", "present"
                        ),
                        field(
                            "code",
                            check(
                                "GOBL-MX-CFDI-BILL-INVOICE-09",
                                "customer tax ID code is required",
                                "present",
                            ),
                        ),
                    ),
                    when(
                        "mx-cfdi: Mexican customer",
                        field(
                            "ext",
                            check(
                                "GOBL-MX-CFDI-BILL-INVOICE-10",
                                "Mexican customer requires 'mx-cfdi-fiscal-regime' and 'mx-cfdi-use' extensions",
                                "ext require [mx-cfdi-fiscal-regime, mx-cfdi-use]",
                            ),
                        ),
                        field(
                            "addresses",
                            check(
                                "GOBL-MX-CFDI-BILL-INVOICE-11",
                                "Mexican customer must have at least one address",
                                "present",
                            ),
                            each(
                                field(
                                    "code",
                                    check(
                                        "GOBL-MX-CFDI-BILL-INVOICE-12",
                                        "customer address postal code is required",
                                        "present",
                                    ),
                                    check(
                                        "GOBL-MX-CFDI-BILL-INVOICE-13",
                                        "customer address postal code format is invalid",
                                        "matches ^[0-9]{5}$",
                                    ),
                                )
                            ),
                        ),
                    ),
                ),
                field(
                    "lines",
                    each(
                        field(
                            "item",
                            field(
                                "ext",
                                check(
                                    "GOBL-MX-CFDI-BILL-INVOICE-14",
                                    "item requires 'mx-cfdi-prod-serv' extension",
                                    "ext require [mx-cfdi-prod-serv]",
                                ),
                                check(
                                    "GOBL-MX-CFDI-BILL-INVOICE-15",
                                    "product/service code must have 8 digits",
                                    "valid prod-serv",
                                ),
                            ),
                        )
                    ),
                ),
            ),
            when(
                "mx-cfdi: has preceding",
                field(
                    "tax",
                    field(
                        "ext",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-16",
                            "tax requires 'mx-cfdi-rel-type' extension when preceding documents are present",
                            "ext require [mx-cfdi-rel-type]",
                        ),
                    ),
                ),
            ),
            field(
                "preceding",
                each(
                    field(
                        "stamps",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-17",
                            "preceding row is missing 'sat-uuid' stamp",
                            "stamps has sat-uuid",
                        ),
                    )
                ),
            ),
            field(
                "supplier",
                field(
                    "tax_id",
                    check("GOBL-MX-CFDI-BILL-INVOICE-18", "supplier tax ID is required", "present"),
                    field(
                        "code",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-19",
                            "supplier tax ID code is required",
                            "present",
                        ),
                    ),
                ),
                field(
                    "ext",
                    check(
                        "GOBL-MX-CFDI-BILL-INVOICE-20",
                        "supplier requires 'mx-cfdi-fiscal-regime' extension",
                        "ext require [mx-cfdi-fiscal-regime]",
                    ),
                ),
            ),
            field(
                "lines",
                each(
                    field(
                        "quantity",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-21",
                            "line quantity must be greater than 0",
                            "> 0",
                        ),
                    ),
                    field(
                        "item",
                        field(
                            "price",
                            check(
                                "GOBL-MX-CFDI-BILL-INVOICE-22",
                                "line item price is required",
                                "present",
                            ),
                            check(
                                "GOBL-MX-CFDI-BILL-INVOICE-23",
                                "line item price must be greater than 0",
                                "> 0",
                            ),
                        ),
                    ),
                    field(
                        "total",
                        check(
                            "GOBL-MX-CFDI-BILL-INVOICE-24", "line total must not be negative", "≥ 0"
                        ),
                    ),
                ),
            ),
            field(
                "discounts",
                check(
                    "GOBL-MX-CFDI-BILL-INVOICE-25",
                    "document level discounts are not supported, use line discounts instead",
                    "empty",
                ),
            ),
            field(
                "charges",
                check(
                    "GOBL-MX-CFDI-BILL-INVOICE-26",
                    "document level charges are not supported",
                    "empty",
                ),
            ),
        ),
        on(
            "pay.Instructions",
            "GOBL-MX-CFDI-PAY-INSTRUCTIONS",
            field(
                "ext",
                check(
                    "GOBL-MX-CFDI-PAY-INSTRUCTIONS-01",
                    "payment instructions require 'mx-cfdi-payment-means' extension",
                    MEANS,
                ),
            ),
        ),
        on(
            "pay.Record",
            "GOBL-MX-CFDI-PAY-RECORD",
            field(
                "ext",
                check(
                    "GOBL-MX-CFDI-PAY-RECORD-01",
                    "payment advance requires 'mx-cfdi-payment-means' extension",
                    MEANS,
                ),
            ),
        ),
        on(
            "pay.Terms",
            "GOBL-MX-CFDI-PAY-TERMS",
            field(
                "notes",
                check(
                    "GOBL-MX-CFDI-PAY-TERMS-01",
                    "notes length must be no more than 1000",
                    "length between 0 and 1000",
                ),
            ),
        ),
        guard="context: addon in [mx-cfdi-v4]",
    ),
]
