# ruff: noqa: E501 -- GOBL's messages and tests are kept whole, as GOBL prints them, to be searched for
"""GOBL's rule sets for its own packages (bill, org, pay, tax, cbc, cal, ...): they apply
to every document, whatever its regime or add-ons.

Transcribed from GOBL v0.502.1 (rule ids, messages, and the names of the tests GOBL
prints); the tests are compiled by `checks.py` and `predicates.py`.
"""

from .dsl import check, each, field, namespace, on, when

SETS = [
    namespace(
        "GOBL-BILL",
        "bill",
        on(
            "bill.Invoice",
            "GOBL-BILL-INVOICE",
            field(
                "type",
                check("GOBL-BILL-INVOICE-01", "invoice type is required", "present"),
                check(
                    "GOBL-BILL-INVOICE-02",
                    "invoice type is not valid",
                    "one of [standard, proforma, corrective, credit-note, debit-note, other]",
                ),
            ),
            field(
                "issue_date",
                check("GOBL-BILL-INVOICE-03", "invoice issue date is required", "not zero"),
            ),
            field(
                "currency",
                check("GOBL-BILL-INVOICE-04", "invoice currency is required", "present"),
            ),
            field(
                "supplier",
                check("GOBL-BILL-INVOICE-05", "invoice supplier is required", "present"),
                field(
                    "name",
                    check("GOBL-BILL-INVOICE-06", "invoice supplier name is required", "present"),
                ),
            ),
            when(
                "has tax point",
                field(
                    "value_date",
                    check(
                        "GOBL-BILL-INVOICE-11",
                        "value date cannot be set when tax point is set",
                        "empty",
                    ),
                ),
            ),
            field(
                "customer",
                when(
                    "has tax ID code",
                    field(
                        "name",
                        check(
                            "GOBL-BILL-INVOICE-07",
                            "invoice customer name required when tax ID is set",
                            "present",
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
                            "price",
                            check(
                                "GOBL-BILL-INVOICE-08",
                                "invoice line item price is required",
                                "present",
                            ),
                        ),
                    ),
                ),
            ),
            field(
                "totals",
                check("GOBL-BILL-INVOICE-09", "invoice totals are required", "present"),
            ),
            when(
                "no discounts or charges",
                field(
                    "lines",
                    check(
                        "GOBL-BILL-INVOICE-10",
                        "invoice lines are required without discounts or charges",
                        "present",
                    ),
                ),
            ),
        ),
        on(
            "bill.Delivery",
            "GOBL-BILL-DELIVERY",
            field(
                "type",
                check("GOBL-BILL-DELIVERY-01", "type is required", "present"),
                check(
                    "GOBL-BILL-DELIVERY-02",
                    "type is not valid",
                    "one of [advice, note, waybill, receipt, other]",
                ),
            ),
            field(
                "issue_date",
                check("GOBL-BILL-DELIVERY-03", "issue date is required", "present"),
            ),
            field(
                "supplier",
                check("GOBL-BILL-DELIVERY-04", "supplier is required", "present"),
            ),
            field(
                "lines",
                check("GOBL-BILL-DELIVERY-05", "lines are required", "present"),
            ),
        ),
        on(
            "bill.Order",
            "GOBL-BILL-ORDER",
            field(
                "type",
                check("GOBL-BILL-ORDER-01", "type is required", "present"),
                check("GOBL-BILL-ORDER-02", "type is not valid", "one of [purchase, sale, quote]"),
            ),
            field(
                "issue_date",
                check("GOBL-BILL-ORDER-03", "issue date is required", "present"),
            ),
            field(
                "currency",
                check("GOBL-BILL-ORDER-04", "currency is required", "present"),
            ),
            field(
                "supplier",
                check("GOBL-BILL-ORDER-05", "supplier is required", "present"),
            ),
            field(
                "lines",
                check("GOBL-BILL-ORDER-06", "lines are required", "present"),
            ),
        ),
        on(
            "bill.Payment",
            "GOBL-BILL-PAYMENT",
            check("GOBL-BILL-PAYMENT-08", "methods sum must match total", "methods sum"),
            field(
                "type",
                check("GOBL-BILL-PAYMENT-01", "payment type is required", "present"),
                check(
                    "GOBL-BILL-PAYMENT-02",
                    "payment type is not valid",
                    "one of [request, advice, receipt]",
                ),
            ),
            field(
                "methods",
                check("GOBL-BILL-PAYMENT-03", "at least one payment method is required", "present"),
                each(
                    field(
                        "key",
                        check("GOBL-BILL-PAYMENT-09", "payment method key is required", "present"),
                    ),
                ),
            ),
            field(
                "issue_date",
                check("GOBL-BILL-PAYMENT-04", "payment issue date is required", "present"),
            ),
            field(
                "currency",
                check("GOBL-BILL-PAYMENT-05", "payment currency is required", "present"),
            ),
            field(
                "supplier",
                check("GOBL-BILL-PAYMENT-06", "payment supplier is required", "present"),
            ),
            field(
                "lines",
                check("GOBL-BILL-PAYMENT-07", "payment lines are required", "present"),
            ),
        ),
        on(
            "bill.Line",
            "GOBL-BILL-LINE",
            field(
                "i",
                check("GOBL-BILL-LINE-01", "index is required", "present"),
            ),
            field(
                "quantity",
                check("GOBL-BILL-LINE-02", "quantity is required", "present"),
            ),
            field(
                "item",
                check("GOBL-BILL-LINE-03", "item is required", "present"),
            ),
            when(
                "item has price",
                field(
                    "sum",
                    check("GOBL-BILL-LINE-04", "sum is required when item has a price", "present"),
                ),
                field(
                    "total",
                    check(
                        "GOBL-BILL-LINE-05", "total is required when item has a price", "present"
                    ),
                ),
            ),
        ),
        on(
            "bill.SubLine",
            "GOBL-BILL-SUBLINE",
            field(
                "i",
                check("GOBL-BILL-SUBLINE-01", "index is required", "present"),
            ),
            field(
                "quantity",
                check("GOBL-BILL-SUBLINE-02", "quantity is required", "present"),
            ),
            field(
                "item",
                check("GOBL-BILL-SUBLINE-03", "item is required", "present"),
            ),
            when(
                "item has price",
                field(
                    "sum",
                    check(
                        "GOBL-BILL-SUBLINE-04", "sum is required when item has a price", "present"
                    ),
                ),
                field(
                    "total",
                    check(
                        "GOBL-BILL-SUBLINE-05", "total is required when item has a price", "present"
                    ),
                ),
            ),
        ),
        on(
            "bill.LineDiscount",
            "GOBL-BILL-LINEDISCOUNT",
            when(
                "Base != nil",
                field(
                    "percent",
                    check(
                        "GOBL-BILL-LINEDISCOUNT-01",
                        "percent is required when base is set",
                        "present",
                    ),
                ),
            ),
        ),
        on(
            "bill.LineCharge",
            "GOBL-BILL-LINECHARGE",
            when(
                "Base != nil",
                field(
                    "percent",
                    check(
                        "GOBL-BILL-LINECHARGE-01", "percent is required when base is set", "present"
                    ),
                ),
            ),
            when(
                "Base != nil || Percent != nil",
                field(
                    "quantity",
                    check(
                        "GOBL-BILL-LINECHARGE-02",
                        "quantity must be blank with base or percent",
                        "empty",
                    ),
                ),
                field(
                    "rate",
                    check(
                        "GOBL-BILL-LINECHARGE-03",
                        "rate must be blank with base or percent",
                        "empty",
                    ),
                ),
            ),
            when(
                "Quantity == nil",
                field(
                    "unit",
                    check(
                        "GOBL-BILL-LINECHARGE-04", "unit must be blank without quantity", "empty"
                    ),
                ),
            ),
            when(
                "Quantity != nil",
                field(
                    "rate",
                    check(
                        "GOBL-BILL-LINECHARGE-05",
                        "rate is required when quantity is set",
                        "present",
                    ),
                ),
            ),
        ),
        on(
            "bill.Discount",
            "GOBL-BILL-DISCOUNT",
            when(
                "Base != nil",
                field(
                    "percent",
                    check(
                        "GOBL-BILL-DISCOUNT-01", "percent is required when base is set", "present"
                    ),
                ),
            ),
        ),
        on(
            "bill.Charge",
            "GOBL-BILL-CHARGE",
            when(
                "Base != nil",
                field(
                    "percent",
                    check("GOBL-BILL-CHARGE-01", "percent is required when base is set", "present"),
                ),
            ),
        ),
        on(
            "bill.PaymentLine",
            "GOBL-BILL-PAYMENTLINE",
            check(
                "GOBL-BILL-PAYMENTLINE-11",
                "advances must not exceed payable",
                "advances within payable",
            ),
            check(
                "GOBL-BILL-PAYMENTLINE-12",
                "amount must not exceed payable less advances",
                "amount within limit",
            ),
            field(
                "installment",
                check(
                    "GOBL-BILL-PAYMENTLINE-01",
                    "installment must be between 1 and 999",
                    "at least 1, at most 999",
                ),
            ),
            field(
                "payable",
                check("GOBL-BILL-PAYMENTLINE-02", "payable must be positive", "min 0"),
            ),
            field(
                "advances",
                check("GOBL-BILL-PAYMENTLINE-03", "advances must be zero or positive", "min 0"),
            ),
            field(
                "amount",
                check("GOBL-BILL-PAYMENTLINE-04", "amount must be positive", "min 0"),
            ),
            field(
                "due",
                check("GOBL-BILL-PAYMENTLINE-05", "due must be zero or positive", "min 0"),
            ),
        ),
        on(
            "bill.Tax",
            "GOBL-BILL-TAX",
            field(
                "rounding",
                when(
                    "present",
                    check(
                        "GOBL-BILL-TAX-01",
                        "rounding model is not valid",
                        "one of [precise, currency]",
                    ),
                ),
            ),
            field(
                "point",
                when(
                    "present",
                    check(
                        "GOBL-BILL-TAX-02",
                        "tax point is not valid",
                        "one of [issue, delivery, payment]",
                    ),
                ),
            ),
        ),
        on(
            "bill.Totals",
            "GOBL-BILL-TOTALS",
        ),
        on(
            "bill.Status",
            "GOBL-BILL-STATUS",
            field(
                "type",
                check("GOBL-BILL-STATUS-01", "status type is required", "present"),
                check(
                    "GOBL-BILL-STATUS-02",
                    "status type is not valid",
                    "one of [response, update, system]",
                ),
            ),
            field(
                "supplier",
                check("GOBL-BILL-STATUS-03", "status supplier is required", "present"),
            ),
            field(
                "lines",
                check("GOBL-BILL-STATUS-04", "status must have at least one line", "present"),
            ),
        ),
        on(
            "bill.StatusLine",
            "GOBL-BILL-STATUSLINE",
            field(
                "key",
                check("GOBL-BILL-STATUSLINE-01", "status line key is required", "present"),
                check(
                    "GOBL-BILL-STATUSLINE-02",
                    "status line key is not valid",
                    "one of [issued, acknowledged, processing, querying, rejected, accepted, paid, error, other]",
                ),
            ),
        ),
        on(
            "bill.Reason",
            "GOBL-BILL-REASON",
            field(
                "key",
                check("GOBL-BILL-REASON-01", "reason key is required", "present"),
                check(
                    "GOBL-BILL-REASON-02",
                    "reason key is not valid",
                    "one of [none, references, legal, unknown-receiver, quality, delivery, prices, quantity, items, payment-terms, not-recognized, finance-terms, partial, other]",
                ),
            ),
        ),
        on(
            "bill.Action",
            "GOBL-BILL-ACTION",
            field(
                "key",
                check("GOBL-BILL-ACTION-01", "action key is required", "present"),
                check(
                    "GOBL-BILL-ACTION-02",
                    "action key is not valid",
                    "one of [none, provide, reissue, credit-full, credit-partial, credit-amount, other]",
                ),
            ),
        ),
        on(
            "bill.Fault",
            "GOBL-BILL-FAULT",
            field(
                "code",
                check("GOBL-BILL-FAULT-01", "fault code is required", "present"),
            ),
        ),
    ),
    namespace(
        "GOBL-CAL",
        "cal",
        on(
            "cal.Date",
            "GOBL-CAL-DATE",
            check("GOBL-CAL-DATE-01", "invalid date", "valid date"),
        ),
        on(
            "cal.DateTime",
            "GOBL-CAL-DATETIME",
            check("GOBL-CAL-DATETIME-01", "invalid date time", "valid date time"),
        ),
        on(
            "cal.Period",
            "GOBL-CAL-PERIOD",
            check(
                "GOBL-CAL-PERIOD-10",
                "end date must be on or after start date",
                "end not before start",
            ),
            field(
                "start",
                check("GOBL-CAL-PERIOD-01", "start date cannot be zero", "not zero"),
            ),
            field(
                "end",
                check("GOBL-CAL-PERIOD-02", "end date cannot be zero", "not zero"),
            ),
        ),
        on(
            "cal.Timestamp",
            "GOBL-CAL-TIMESTAMP",
            check("GOBL-CAL-TIMESTAMP-01", "invalid timestamp", "valid timestamp"),
        ),
    ),
    namespace(
        "GOBL-CBC",
        "cbc",
        on(
            "cbc.Code",
            "GOBL-CBC-CODE",
            check(
                "GOBL-CBC-CODE-01",
                "codes must be no longer than 64 characters",
                "length between 0 and 64",
            ),
            check(
                "GOBL-CBC-CODE-02",
                "codes must not contain control characters or leading or trailing whitespace",
                "matches ^[^\\s\\x00-\\x1f\\x7f-\\x9f]([^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f])?$",
            ),
        ),
        on(
            "cbc.CodeMap",
            "GOBL-CBC-CODEMAP",
            when(
                "present",
                check("GOBL-CBC-CODEMAP-01", "all code map keys must be valid", "valid keys"),
            ),
        ),
        on(
            "cbc.Key",
            "GOBL-CBC-KEY",
            check(
                "GOBL-CBC-KEY-01",
                "key must be between 1 and 64 characters long",
                "length between 1 and 64",
            ),
            check(
                "GOBL-CBC-KEY-02",
                "key must match the required pattern",
                "matches ^(?:[a-z]|[a-z0-9][a-z0-9-+]*[a-z0-9])$",
            ),
        ),
        on(
            "cbc.Definition",
            "GOBL-CBC-DEFINITION",
            check(
                "GOBL-CBC-DEFINITION-02",
                "definition must have either a key or a code, and not both",
                "string(Code) != '' || string(Key) != ''",
            ),
            field(
                "name",
                check("GOBL-CBC-DEFINITION-01", "name is required", "present"),
            ),
            field(
                "pattern",
                when(
                    "present",
                    check(
                        "GOBL-CBC-DEFINITION-03",
                        "pattern must be a valid regular expression",
                        "is a regexp",
                    ),
                ),
            ),
        ),
        on(
            "cbc.Source",
            "GOBL-CBC-SOURCE",
            field(
                "url",
                check("GOBL-CBC-SOURCE-01", "url is required and must be a URL", "present, url"),
            ),
        ),
        on(
            "cbc.URI",
            "GOBL-CBC-URI",
            check(
                "GOBL-CBC-URI-01",
                "uri must be no longer than 2048 characters",
                "length between 0 and 2048",
            ),
            when(
                "present",
                check(
                    "GOBL-CBC-URI-02", "uri must be a valid absolute URI with a scheme", "valid uri"
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-CURRENCY",
        "currency",
        on(
            "currency.Code",
            "GOBL-CURRENCY-CODE",
            when(
                "present",
                check(
                    "GOBL-CURRENCY-CODE-01",
                    "currency code must be defined in GOBL",
                    "valid currency code",
                ),
            ),
        ),
        on(
            "currency.Amount",
            "GOBL-CURRENCY-AMOUNT",
            field(
                "currency",
                check("GOBL-CURRENCY-AMOUNT-01", "currency is required", "present"),
            ),
        ),
        on(
            "currency.ExchangeRate",
            "GOBL-CURRENCY-EXCHANGERATE",
            field(
                "from",
                check("GOBL-CURRENCY-EXCHANGERATE-01", "from currency is required", "present"),
            ),
            field(
                "to",
                check("GOBL-CURRENCY-EXCHANGERATE-02", "to currency is required", "present"),
            ),
            field(
                "at",
                when(
                    "present",
                    check(
                        "GOBL-CURRENCY-EXCHANGERATE-03", "date/time must not be zero", "not zero"
                    ),
                ),
            ),
            field(
                "amount",
                check("GOBL-CURRENCY-EXCHANGERATE-04", "amount must be positive", "min 0"),
            ),
        ),
    ),
    namespace(
        "GOBL-DSIG",
        "dsig",
        on(
            "dsig.Digest",
            "GOBL-DSIG-DIGEST",
            field(
                "alg",
                check("GOBL-DSIG-DIGEST-01", "algorithm is required", "present"),
            ),
            field(
                "val",
                check("GOBL-DSIG-DIGEST-02", "value is required", "present"),
            ),
        ),
    ),
    namespace(
        "GOBL",
        "gobl",
        on(
            "gobl.Envelope",
            "GOBL-ENVELOPE",
            check(
                "GOBL-ENVELOPE-11",
                "envelope digest does not match document contents",
                "valid digest",
            ),
            field(
                "$schema",
                check("GOBL-ENVELOPE-01", "envelope schema is required", "present"),
            ),
            field(
                "head",
                check("GOBL-ENVELOPE-02", "envelope header is required", "present"),
            ),
            field(
                "doc",
                check("GOBL-ENVELOPE-03", "envelope doc is required", "present"),
                when(
                    "present",
                    check(
                        "GOBL-ENVELOPE-04",
                        "envelope doc must have a known schema",
                        "doc has payload",
                    ),
                ),
            ),
            when(
                "not signed",
                check(
                    "GOBL-ENVELOPE-12",
                    "envelope header cannot have stamps when not signed",
                    "no stamps",
                ),
            ),
            when(
                "has signatures",
                check(
                    "GOBL-ENVELOPE-13",
                    "envelope doc is not ready to be signed, check code or other key fields",
                    "ready to sign",
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-HEAD",
        "head",
        on(
            "head.Header",
            "GOBL-HEAD-HEADER",
            field(
                "uuid",
                check(
                    "GOBL-HEAD-HEADER-01",
                    "header must contain a UUID v1 or v7 with timestamp",
                    "present, has timestamp",
                ),
            ),
            field(
                "dig",
                check("GOBL-HEAD-HEADER-02", "header must have a digest", "present"),
            ),
            field(
                "stamps",
                check(
                    "GOBL-HEAD-HEADER-03",
                    "duplicate stamp providers are not allowed",
                    "no duplicate stamps",
                ),
            ),
            field(
                "links",
                check(
                    "GOBL-HEAD-HEADER-04",
                    "duplicate link keys are not allowed",
                    "no duplicate links",
                ),
            ),
        ),
        on(
            "head.Stamp",
            "GOBL-HEAD-STAMP",
            field(
                "prv",
                check("GOBL-HEAD-STAMP-01", "stamp provider is required", "present"),
            ),
            field(
                "val",
                check("GOBL-HEAD-STAMP-02", "stamp value is required", "present"),
            ),
        ),
        on(
            "head.Link",
            "GOBL-HEAD-LINK",
            check(
                "GOBL-HEAD-LINK-06",
                "link digest must be nil when MIME type is not provided",
                "no digest without MIME",
            ),
            field(
                "key",
                check("GOBL-HEAD-LINK-01", "link key is required", "present"),
            ),
            field(
                "category",
                check("GOBL-HEAD-LINK-02", "link category is not valid", "valid or empty"),
            ),
            field(
                "url",
                check("GOBL-HEAD-LINK-03", "link URL is required", "present"),
                check("GOBL-HEAD-LINK-04", "link URL must be a valid URL", "url"),
            ),
            field(
                "mime",
                check("GOBL-HEAD-LINK-05", "link MIME type is not valid", "valid or empty MIME"),
            ),
        ),
    ),
    namespace(
        "GOBL-I18N",
        "i18n",
        on(
            "i18n.Lang",
            "GOBL-I18N-LANG",
            check(
                "GOBL-I18N-LANG-01",
                "must be a valid language code",
                "one of [ab, aa, af, ak, sq, am, ar, an, hy, as, av, ae, ay, az, bm, ba, eu, be, bn, bh, bi, bs, br, bg, my, ca, ch, ce, ny, zh, cv, kw, co, cr, hr, cs, da, dv, nl, dz, en, eo, et, ee, fo, fj, fi, fr, ff, gl, ka, de, el, gn, gu, ht, ha, he, hz, hi, ho, hu, ia, id, ie, ga, ig, ik, io, is, it, iu, ja, jv, kl, kn, kr, ks, kk, km, ki, rw, ky, kv, kg, ko, ku, kj, la, lb, lg, li, ln, lo, lt, lu, lv, gv, mk, mg, ms, ml, mt, mi, mr, mh, mn, na, nv, nd, ne, ng, nb, nn, no, ii, nr, oc, oj, cu, om, or, os, pa, pi, fa, pl, ps, pt, qu, rm, rn, ro, ru, sa, sc, sd, se, sm, sg, sr, gd, sn, si, sk, sl, so, st, es, su, sw, ss, sv, ta, te, tg, th, ti, bo, tk, tl, tn, to, tr, ts, tt, tw, ty, ug, uk, ur, uz, ve, vi, vo, wa, cy, wo, fy, xh, yi, yo, za, zu]",
            ),
        ),
    ),
    namespace(
        "GOBL-NOTE",
        "note",
        on(
            "note.Message",
            "GOBL-NOTE-MESSAGE",
            field(
                "content",
                check("GOBL-NOTE-MESSAGE-01", "message content is required", "present"),
            ),
        ),
    ),
    namespace(
        "GOBL-ORG",
        "org",
        on(
            "org.Attachment",
            "GOBL-ORG-ATTACHMENT",
            field(
                "url",
                check("GOBL-ORG-ATTACHMENT-01", "attachment URL must be valid", "present, url"),
            ),
            field(
                "mime",
                when(
                    "present",
                    check(
                        "GOBL-ORG-ATTACHMENT-02",
                        "attachment MIME type must be of an expected types defined in EN16931-1:2017",
                        "one of [application/pdf, image/jpeg, image/png, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/vnd.oasis.opendocument.spreadsheet]",
                    ),
                ),
            ),
        ),
        on(
            "org.Coordinates",
            "GOBL-ORG-COORDINATES",
            field(
                "lat",
                when(
                    "present",
                    check(
                        "GOBL-ORG-COORDINATES-01",
                        "coordinate lattude must be between -90.0 and 90.0",
                        "at least -90, at most 90",
                    ),
                ),
            ),
            field(
                "lon",
                when(
                    "present",
                    check(
                        "GOBL-ORG-COORDINATES-02",
                        "coordinate longitude must be between -180.0 and 180.0",
                        "at least -180, at most 180",
                    ),
                ),
            ),
            field(
                "w3w",
                when(
                    "present",
                    check(
                        "GOBL-ORG-COORDINATES-03",
                        "what3words coordinate must be valid",
                        "matches ^/*(?:(?:\\p{L}\\p{M}*)+[.｡。･・︒។։။۔።।](?:\\p{L}\\p{M}*)+[.｡。･・︒។։။۔።।](?:\\p{L}\\p{M}*)+|(?:\\p{L}\\p{M}*)+([  ](?:\\p{L}\\p{M}*)+){1,3}[.｡。･・︒។։။۔።।](?:\\p{L}\\p{M}*)+([  ](?:\\p{L}\\p{M}*)+){1,3}[.｡。･・︒។։။۔።।](?:\\p{L}\\p{M}*)+([  ](?:\\p{L}\\p{M}*)+){1,3})$",
                    ),
                ),
            ),
        ),
        on(
            "org.DocumentRef",
            "GOBL-ORG-DOCUMENTREF",
            field(
                "code",
                check("GOBL-ORG-DOCUMENTREF-01", "document reference code is required", "present"),
            ),
            field(
                "issue_date",
                when(
                    "present",
                    check(
                        "GOBL-ORG-DOCUMENTREF-02",
                        "document reference issue date must not be zero",
                        "not zero",
                    ),
                ),
            ),
            field(
                "url",
                when(
                    "present",
                    check("GOBL-ORG-DOCUMENTREF-03", "document reference URL must be valid", "url"),
                ),
            ),
        ),
        on(
            "org.Email",
            "GOBL-ORG-EMAIL",
            field(
                "addr",
                check("GOBL-ORG-EMAIL-01", "email address is required", "present"),
                check("GOBL-ORG-EMAIL-02", "email address must be valid", "email-format"),
            ),
        ),
        on(
            "org.Endpoint",
            "GOBL-ORG-ENDPOINT",
            field(
                "uri",
                check("GOBL-ORG-ENDPOINT-01", "endpoint uri is required", "present"),
            ),
        ),
        on(
            "org.Identity",
            "GOBL-ORG-IDENTITY",
            check(
                "GOBL-ORG-IDENTITY-03",
                "identity must have either a key or type defined, but not both",
                "key and type must not be used together",
            ),
            field(
                "code",
                check("GOBL-ORG-IDENTITY-01", "identity code must be provided", "present"),
            ),
            field(
                "scope",
                when(
                    "present",
                    check(
                        "GOBL-ORG-IDENTITY-02",
                        "identity scope when provided must be either 'tax' or 'legal'",
                        "one of [tax, legal]",
                    ),
                ),
            ),
        ),
        on(
            "org.Image",
            "GOBL-ORG-IMAGE",
            field(
                "url",
                when(
                    "present",
                    check("GOBL-ORG-IMAGE-01", "image URL must be valid", "url"),
                ),
            ),
            field(
                "height",
                check(
                    "GOBL-ORG-IMAGE-02",
                    "image height must be between 64 and 2048 pixels",
                    "at least 64, at most 2048",
                ),
            ),
            field(
                "width",
                check(
                    "GOBL-ORG-IMAGE-03",
                    "image width must be between 64 and 2048 pixels",
                    "at least 64, at most 2048",
                ),
            ),
        ),
        on(
            "org.Inbox",
            "GOBL-ORG-INBOX",
            check(
                "GOBL-ORG-INBOX-01",
                "inbox requires a code, url, or email",
                "one of code, url, email required",
            ),
            check(
                "GOBL-ORG-INBOX-02",
                "inbox url must be blank when code or email is provided",
                "url exclusive",
            ),
            check(
                "GOBL-ORG-INBOX-03",
                "inbox email must be blank when code or url is provided",
                "email exclusive",
            ),
            field(
                "url",
                when(
                    "present",
                    check("GOBL-ORG-INBOX-04", "inbox url must be valid", "url"),
                ),
            ),
            field(
                "email",
                when(
                    "present",
                    check("GOBL-ORG-INBOX-05", "inbox email must be valid", "email-format"),
                ),
            ),
        ),
        on(
            "org.Item",
            "GOBL-ORG-ITEM",
            field(
                "name",
                check("GOBL-ORG-ITEM-01", "item name is required", "present"),
            ),
            field(
                "price",
                when(
                    "present",
                    check("GOBL-ORG-ITEM-02", "item price must be zero or positive", "min 0"),
                ),
            ),
        ),
        on(
            "org.Name",
            "GOBL-ORG-NAME",
            when(
                'Surname == ""',
                field(
                    "given",
                    check(
                        "GOBL-ORG-NAME-01",
                        "given name is required when surname is absent",
                        "present",
                    ),
                ),
            ),
            when(
                'Given == ""',
                field(
                    "surname",
                    check(
                        "GOBL-ORG-NAME-02",
                        "surname is required when given name is absent",
                        "present",
                    ),
                ),
            ),
        ),
        on(
            "org.Note",
            "GOBL-ORG-NOTE",
            field(
                "text",
                check("GOBL-ORG-NOTE-01", "note text is required", "present"),
            ),
            field(
                "key",
                when(
                    "present",
                    check(
                        "GOBL-ORG-NOTE-02",
                        "note key must be a valid value",
                        "one of [goods, payment, payment-method, payment-term, legal, dangerous-goods, ack, rate, reason, dispute, customer, glossary, customs, general, handling, packaging, loading, price, priority, regulatory, safety, ship-line, supplier, transport, delivery, quarantine, tax, other]",
                    ),
                ),
            ),
        ),
        on(
            "org.Person",
            "GOBL-ORG-PERSON",
            field(
                "name",
                check("GOBL-ORG-PERSON-01", "person name is required", "present"),
            ),
        ),
        on(
            "org.Registration",
            "GOBL-ORG-REGISTRATION",
            field(
                "currency",
                when(
                    "present",
                    check(
                        "GOBL-ORG-REGISTRATION-01",
                        "registration currency must be a valid ISO 4217 code",
                        "valid currency code",
                    ),
                ),
            ),
        ),
        on(
            "org.Telephone",
            "GOBL-ORG-TELEPHONE",
            field(
                "num",
                check("GOBL-ORG-TELEPHONE-01", "telephone number is required", "present"),
            ),
        ),
        on(
            "org.Unit",
            "GOBL-ORG-UNIT",
            check(
                "GOBL-ORG-UNIT-01",
                "unit must be a valid value or UN/ECE code",
                "matches ^[A-Z0-9]{2,3}$, or one of [mg, cg, g, kg, t, mm, cm, dm, m, lm, km, in, ft, lft, mm2, cm2, dm2, m2, ac, ha, mm3, cm3, dm3, m3, ml, cl, dl, l, kl, w, kw, kwh, rate, yr, mon, wk, day, s, h, min, piece, item, pair, dozen, assortment, service, job, activity, trip, group, outfit, kit, basebox, pk, one, bag, box, bin, can, tub, case, tray, portion, set, roll, carton, cylinder, barrel, jerrican, carboy, demijohn, bottle, 6pack, canister, pkg, pkt, bunch, bdl, blk, tetrabrik, pallet, reel, sack, sheet, envelope, lot, unit]",
            ),
        ),
        on(
            "org.Website",
            "GOBL-ORG-WEBSITE",
            field(
                "url",
                check(
                    "GOBL-ORG-WEBSITE-01",
                    "website URL is required and must be valid",
                    "present, url",
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-PAY",
        "pay",
        on(
            "pay.DueDate",
            "GOBL-PAY-DUEDATE",
            field(
                "date",
                check("GOBL-PAY-DUEDATE-01", "date is required", "present"),
            ),
            field(
                "amount",
                check("GOBL-PAY-DUEDATE-02", "amount must not be zero", "not zero"),
            ),
        ),
        on(
            "pay.Instructions",
            "GOBL-PAY-INSTRUCTIONS",
            field(
                "key",
                check("GOBL-PAY-INSTRUCTIONS-01", "key is required", "present"),
                when(
                    "present",
                    check(
                        "GOBL-PAY-INSTRUCTIONS-02",
                        "key must be valid",
                        "be or starts with one of [any, card, card+credit, card+debit, credit-transfer, credit-transfer+sepa, debit-transfer, cash, cheque, bank-draft, direct-debit, direct-debit+sepa, online, promissory-note, netting, other]",
                    ),
                ),
            ),
        ),
        on(
            "pay.Online",
            "GOBL-PAY-ONLINE",
            field(
                "url",
                check("GOBL-PAY-ONLINE-01", "URL is required and must be valid", "present, url"),
            ),
        ),
        on(
            "pay.Record",
            "GOBL-PAY-RECORD",
            field(
                "key",
                when(
                    "present",
                    check(
                        "GOBL-PAY-RECORD-01",
                        "key must be valid",
                        "be or starts with one of [any, card, card+credit, card+debit, credit-transfer, credit-transfer+sepa, debit-transfer, cash, cheque, bank-draft, direct-debit, direct-debit+sepa, online, promissory-note, netting, other]",
                    ),
                ),
            ),
        ),
        on(
            "pay.Terms",
            "GOBL-PAY-TERMS",
            field(
                "key",
                when(
                    "present",
                    check(
                        "GOBL-PAY-TERMS-01",
                        "key must be valid",
                        "one of [end-of-month, due-date, deferred, proximo, instant, elective, pending, advanced, delivery, undefined]",
                    ),
                ),
            ),
        ),
    ),
    namespace(
        "GOBL-SCHEMA",
        "schema",
        on(
            "schema.ID",
            "GOBL-SCHEMA-ID",
            when(
                "present",
                check("GOBL-SCHEMA-ID-01", "schema ID must be a valid URL", "url"),
            ),
        ),
        on(
            "schema.Object",
            "GOBL-SCHEMA-OBJECT",
            field(
                "$schema",
                check("GOBL-SCHEMA-OBJECT-01", "schema is required", "present"),
            ),
        ),
    ),
    namespace(
        "GOBL-TAX",
        "tax",
        on(
            "tax.Addons",
            "GOBL-TAX-ADDONS",
            field(
                "$addons",
                each(
                    check(
                        "GOBL-TAX-ADDONS-01",
                        "add-on must be registered",
                        "add-on must be registered",
                    ),
                ),
            ),
        ),
        on(
            "tax.AddonDef",
            "GOBL-TAX-ADDONDEF",
            field(
                "key",
                check("GOBL-TAX-ADDONDEF-01", "addon must have a key", "present"),
            ),
            field(
                "name",
                check("GOBL-TAX-ADDONDEF-02", "addon must have a name", "present"),
            ),
        ),
        on(
            "tax.CategoryDef",
            "GOBL-TAX-CATEGORYDEF",
            check(
                "GOBL-TAX-CATEGORYDEF-04",
                "category def cannot be retained and informative",
                "!Retained || !Informative",
            ),
            field(
                "code",
                check("GOBL-TAX-CATEGORYDEF-01", "category def code is required", "present"),
            ),
            field(
                "name",
                check("GOBL-TAX-CATEGORYDEF-02", "category def name is required", "present"),
            ),
            field(
                "title",
                check("GOBL-TAX-CATEGORYDEF-03", "category def title is required", "present"),
            ),
        ),
        on(
            "tax.Combo",
            "GOBL-TAX-COMBO",
            check("GOBL-TAX-COMBO-01", "tax category not valid for regime", "category in regime"),
            check(
                "GOBL-TAX-COMBO-02",
                "tax combo key not valid for category in regime",
                "key in category",
            ),
            check("GOBL-TAX-COMBO-03", "tax combo rate not valid for key in regime", "rate in key"),
            check(
                "GOBL-TAX-COMBO-04",
                "tax combo percent required or invalid for key in regime",
                "percent valid for key",
            ),
            check(
                "GOBL-TAX-COMBO-05",
                "tax combo surcharge requires percent in regime",
                "surcharge requires percent",
            ),
            check(
                "GOBL-TAX-COMBO-06",
                "tax combo extension key not defined in regime",
                "extension keys defined",
            ),
        ),
        on(
            "tax.CorrectionDefinition",
            "GOBL-TAX-CORRECTIONDEFINITION",
            field(
                "schema",
                check("GOBL-TAX-CORRECTIONDEFINITION-01", "schema is required", "present"),
            ),
        ),
        on(
            "tax.Identity",
            "GOBL-TAX-IDENTITY",
            field(
                "country",
                check("GOBL-TAX-IDENTITY-01", "tax id country code is always required", "present"),
            ),
            field(
                "code",
                check(
                    "GOBL-TAX-IDENTITY-02",
                    "tax id code must have a valid format",
                    "matches ^[A-Z0-9Ñ\\&]+$",
                ),
            ),
            field(
                "scheme",
                when(
                    "present",
                    check(
                        "GOBL-TAX-IDENTITY-03",
                        "tax id scheme must be a valid code",
                        "matches ^[A-ZÑa-z0-9]+([.\\-:/,_& ]?[A-ZÑa-z0-9]+)*$",
                    ),
                ),
            ),
        ),
        on(
            "tax.RateDef",
            "GOBL-TAX-RATEDEF",
            field(
                "rate",
                check("GOBL-TAX-RATEDEF-01", "rate is required", "present"),
            ),
            field(
                "name",
                check("GOBL-TAX-RATEDEF-02", "name is required", "present"),
            ),
            field(
                "values",
                check(
                    "GOBL-TAX-RATEDEF-03",
                    "rate values must be in descending chronological order",
                    "date order",
                ),
                each(
                    field(
                        "percent",
                        check("GOBL-TAX-RATEDEF-04", "rate value percent is required", "present"),
                    ),
                ),
            ),
        ),
        on(
            "tax.RegimeDef",
            "GOBL-TAX-REGIMEDEF",
            field(
                "country",
                check("GOBL-TAX-REGIMEDEF-01", "country code is required", "present"),
            ),
            field(
                "name",
                check("GOBL-TAX-REGIMEDEF-02", "name is required", "present"),
            ),
            field(
                "time_zone",
                check("GOBL-TAX-REGIMEDEF-03", "time zone is required", "present"),
                when(
                    "present",
                    check("GOBL-TAX-REGIMEDEF-04", "time zone must be valid", "valid time zone"),
                ),
            ),
            field(
                "categories",
                check(
                    "GOBL-TAX-REGIMEDEF-05",
                    "at least one category is required",
                    "length between 1 and 0",
                ),
            ),
        ),
        on(
            "tax.ScenarioSet",
            "GOBL-TAX-SCENARIOSET",
            field(
                "schema",
                check("GOBL-TAX-SCENARIOSET-01", "schema is required", "present"),
            ),
            field(
                "list",
                check("GOBL-TAX-SCENARIOSET-02", "at least one scenario is required", "present"),
            ),
        ),
        on(
            "tax.Set",
            "GOBL-TAX-SET",
            check(
                "GOBL-TAX-SET-01",
                "all tax categories in a set must be unique",
                "no duplicate categories",
            ),
        ),
        on(
            "tax.Note",
            "GOBL-TAX-NOTE",
            field(
                "text",
                check("GOBL-TAX-NOTE-01", "tax note text is required", "present"),
            ),
        ),
    ),
    namespace(
        "GOBL-UUID",
        "uuid",
        on(
            "uuid.UUID",
            "GOBL-UUID-UUID",
            when(
                "present",
                check("GOBL-UUID-UUID-01", "invalid UUID", "is valid UUID"),
            ),
        ),
    ),
]
