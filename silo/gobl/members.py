"""The members GOBL knows of each object of its documents, and a document without the others.

GOBL reads a document into Go structs: a member no struct has (a misspelt or invented key,
`"number"` for an address's `num`) is gone from what it builds, at every level. Maps keep
any key: `ext`, `meta`, texts in several languages (and `ext` loses its empty codes, as
GOBL cleans every one). Go also matches a member whose name
differs only in case (`"Country"` is `country`), so that is kept under GOBL's name.

The table is written from GOBL v0.502.1's JSON Schemas, which GOBL generates from those
structs: each object with its members, and for a member holding an object (or a list of
them) that object's name. tests/test_gobl_schemas.py holds it equal to the schemas.
"""

from .schemas import BASE

# A document's kind by its `$schema`, for the documents GOBL builds and those that complement
# an invoice; "schema.Object" holds any document (a complement), known by its own `$schema`.
DOCUMENTS = {
    BASE + "bill/invoice": "bill.Invoice",
    BASE + "bill/payment": "bill.Payment",
    BASE + "bill/order": "bill.Order",
    BASE + "bill/delivery": "bill.Delivery",
    BASE + "bill/status": "bill.Status",
    BASE + "org/party": "org.Party",
    BASE + "tax/identity": "tax.Identity",
    BASE + "note/message": "note.Message",
}
ANY_DOCUMENT = "schema.Object"

TABLE = {
    "bill.Action": "key description ext",
    "bill.Charge": "uuid i key code reason base percent amount taxes:tax.Combo ext meta",
    "bill.Delivery": (
        "$regime $addons $tags uuid type series code issue_date issue_time value_date currency "
        "exchange_rates:currency.ExchangeRate ordering:bill.Ordering preceding:org.DocumentRef "
        "tracking:bill.Tracking despatch_date receive_date tax:bill.Tax supplier:org.Party "
        "customer:org.Party despatcher:org.Party receiver:org.Party courier:org.Party "
        "lines:bill.Line discounts:bill.Discount charges:bill.Charge totals:bill.Totals "
        "notes:org.Note complements:schema.Object meta attachments:org.Attachment"
    ),
    "bill.DeliveryDetails": (
        "receiver:org.Party identities:org.Identity date period:cal.Period meta"
    ),
    "bill.Discount": "uuid i key code reason base percent amount taxes:tax.Combo ext meta",
    "bill.Fault": "code message paths",
    "bill.Invoice": (
        "$regime $addons $tags uuid type series code issue_date issue_time op_date value_date "
        "currency exchange_rates:currency.ExchangeRate preceding:org.DocumentRef tax:bill.Tax "
        "supplier:org.Party customer:org.Party lines:bill.Line discounts:bill.Discount "
        "charges:bill.Charge ordering:bill.Ordering payment:bill.PaymentDetails "
        "delivery:bill.DeliveryDetails totals:bill.Totals notes:org.Note "
        "complements:schema.Object meta attachments:org.Attachment"
    ),
    "bill.Line": (
        "uuid i quantity identifier:org.Identity period:cal.Period order cost item:org.Item "
        "breakdown:bill.SubLine sum discounts:bill.LineDiscount charges:bill.LineCharge "
        "taxes:tax.Combo total substituted:bill.SubLine seller:org.Party notes:org.Note ext"
    ),
    "bill.LineCharge": "key code reason base percent quantity unit rate amount ext",
    "bill.LineDiscount": "key code reason base percent amount ext",
    "bill.Order": (
        "$regime $addons $tags uuid type series code issue_date issue_time op_date value_date "
        "currency exchange_rates:currency.ExchangeRate contracts:org.DocumentRef "
        "preceding:org.DocumentRef identities:org.Identity period:cal.Period tax:bill.Tax "
        "supplier:org.Party customer:org.Party buyer:org.Party seller:org.Party lines:bill.Line "
        "discounts:bill.Discount charges:bill.Charge payment:bill.PaymentDetails "
        "delivery:bill.DeliveryDetails totals:bill.Totals notes:org.Note "
        "complements:schema.Object meta attachments:org.Attachment"
    ),
    "bill.Ordering": (
        "code identities:org.Identity cost period:cal.Period buyer:org.Party seller:org.Party "
        "issuer:org.Party projects:org.DocumentRef contracts:org.DocumentRef "
        "purchases:org.DocumentRef sales:org.DocumentRef receiving:org.DocumentRef "
        "despatch:org.DocumentRef tender:org.DocumentRef"
    ),
    "bill.Payment": (
        "$regime $addons $tags uuid type series code issue_date issue_time value_date currency "
        "exchange_rates:currency.ExchangeRate ext preceding:org.DocumentRef supplier:org.Party "
        "customer:org.Party payee:org.Party ordering:bill.Ordering lines:bill.PaymentLine "
        "methods:pay.Record total notes:org.Note complements:schema.Object meta"
    ),
    "bill.PaymentDetails": (
        "payee:org.Party payer:org.Party terms:pay.Terms advances:pay.Record "
        "instructions:pay.Instructions"
    ),
    "bill.PaymentLine": (
        "uuid i refund document:org.DocumentRef installment description payable advances amount "
        "due tax:tax.Total notes:org.Note"
    ),
    "bill.Reason": "key description faults:bill.Fault ext",
    "bill.Status": (
        "$regime $addons uuid type issue_date issue_time series code ext supplier:org.Party "
        "customer:org.Party ordering:bill.Ordering lines:bill.StatusLine notes:org.Note meta"
    ),
    "bill.StatusLine": (
        "index key date doc:org.DocumentRef description reasons:bill.Reason actions:bill.Action "
        "ext complements:schema.Object meta"
    ),
    "bill.SubLine": (
        "uuid i quantity identifier:org.Identity period:cal.Period order cost item:org.Item sum "
        "discounts:bill.LineDiscount charges:bill.LineCharge total notes:org.Note"
    ),
    "bill.Tax": "prices_include rounding point ext notes:tax.Note meta",
    "bill.Totals": (
        "sum discount charge tax_included total taxes:tax.Total tax total_with_tax retained_tax "
        "rounding payable advance due"
    ),
    "bill.Tracking": "code website:org.Website",
    "cal.Period": "label start end",
    "currency.Amount": "label currency value",
    "currency.ExchangeRate": "from to at source amount",
    "dsig.Digest": "alg val",
    "head.Stamp": "prv val",
    "note.Message": "uuid title content meta",
    "org.Address": (
        "uuid label po_box num floor block door street street_extra locality region state code "
        "country coords:org.Coordinates meta"
    ),
    "org.Attachment": "uuid key code name description url digest:dsig.Digest mime",
    "org.Coordinates": "lat lon w3w geohash",
    "org.DocumentRef": (
        "uuid schema type issue_date series code currency lines identities:org.Identity "
        "period:cal.Period reason description stamps:head.Stamp url tax:tax.Total payable ext "
        "meta"
    ),
    "org.Email": "uuid label addr meta",
    "org.Endpoint": "uuid label uri",
    "org.Identity": "uuid label scope country key type code description ext",
    "org.Image": "uuid label url data mime description alt height width digest:dsig.Digest meta",
    "org.Inbox": "uuid label key scheme code url email",
    "org.Item": (
        "uuid ref key name identities:org.Identity description images:org.Image currency price "
        "alt_prices:currency.Amount unit origin ext meta"
    ),
    "org.Name": "uuid alias prefix given middle surname surname2 suffix meta",
    "org.Note": "uuid key code src text meta ext",
    "org.Party": (
        "$regime uuid label name alias tax_id:tax.Identity identities:org.Identity "
        "people:org.Person endpoints:org.Endpoint inboxes:org.Inbox addresses:org.Address "
        "emails:org.Email websites:org.Website telephones:org.Telephone "
        "registration:org.Registration logos:org.Image ext meta"
    ),
    "org.Person": (
        "uuid label key name:org.Name role identities:org.Identity addresses:org.Address "
        "emails:org.Email telephones:org.Telephone avatars:org.Image meta"
    ),
    "org.Registration": (
        "uuid label capital currency office book volume sheet section page entry other ext"
    ),
    "org.Telephone": "uuid label num",
    "org.Website": "uuid label title url",
    "pay.Card": "first6 last4 holder",
    "pay.CreditTransfer": "iban bic number name branch:org.Address",
    "pay.DirectDebit": "ref creditor account",
    "pay.DueDate": "date notes amount percent currency",
    "pay.Instructions": (
        "key detail ref credit_transfer:pay.CreditTransfer card:pay.Card "
        "direct_debit:pay.DirectDebit online:pay.Online notes ext meta"
    ),
    "pay.Online": "key label url",
    "pay.Record": (
        "uuid date key ref description percent amount currency card:pay.Card "
        "credit_transfer:pay.CreditTransfer direct_debit:pay.DirectDebit online:pay.Online ext "
        "meta"
    ),
    "pay.Terms": "key due_dates:pay.DueDate notes ext",
    "tax.CategoryTotal": "code retained informative rates:tax.RateTotal amount surcharge",
    "tax.Combo": "cat country key rate percent surcharge ext",
    "tax.Identity": "country code scheme type",
    "tax.Note": "cat key text ext",
    "tax.RateTotal": "country key ext base percent surcharge:tax.RateTotalSurcharge amount",
    "tax.RateTotalSurcharge": "percent amount",
    "tax.Total": "categories:tax.CategoryTotal sum retained",
}


def parsed(text: str) -> dict[str, str | None]:
    members = {}
    for member in text.split():
        name, _, kind = member.partition(":")
        members[name] = kind or None
    return members


MEMBERS = {kind: parsed(text) for kind, text in TABLE.items()}
# Only the members that hold objects, which the walk goes into.
OBJECT_MEMBERS = {kind: {k: v for k, v in m.items() if v} for kind, m in MEMBERS.items()}
FOLDED = {kind: {name.lower(): name for name in m} for kind, m in MEMBERS.items()}
# A document's members and its `$schema`: renamed() for a document with nothing to rename was
# 2% of a one-line invoice's build (issue 15).
ROOT_MEMBERS = {kind: m.keys() | {"$schema"} for kind, m in MEMBERS.items()}


def drop_unknown_members(doc: dict) -> None:
    """Removes, in place, what GOBL would not keep of `doc` (a document of a kind it has)."""
    kind = DOCUMENTS.get(doc.get("$schema"))
    if kind is not None:
        known_members(doc, kind, root=True)


def known_members(value: dict, kind: str, root=False) -> None:
    if not value.keys() <= (ROOT_MEMBERS[kind] if root else MEMBERS[kind].keys()):
        if kind in LEGACY:
            LEGACY[kind](value)
        renamed(value, kind, root)
    ext = value.get("ext")
    if isinstance(ext, dict) and not all(ext.values()):
        clean_ext(value, ext)
    children = OBJECT_MEMBERS[kind]
    if not children:
        return
    # Over the members given rather than those GOBL has: a line has a few of its twenty.
    for name, inner in value.items():
        child = children.get(name)
        if child is None:
            continue
        for item in inner if isinstance(inner, list) else (inner,):
            if not isinstance(item, dict):
                continue
            if child != ANY_DOCUMENT:
                known_members(item, child)
            else:  # a complement: a document of its own
                drop_unknown_members(item)


def clean_ext(value: dict, ext: dict) -> None:
    """GOBL drops an extension given without a code, and `ext` once it has none."""
    ext = {k: v for k, v in ext.items() if v}
    if ext:
        value["ext"] = ext
    else:
        del value["ext"]


# --- Earlier GOBL formats, which a struct's own UnmarshalJSON still reads


def combo_tags(combo: dict) -> None:
    """A tax combo's `tags` were its rate."""
    tags = combo.get("tags")
    if not combo.get("rate") and isinstance(tags, list) and tags:
        combo["rate"] = tags[0]


def record_desc(record: dict) -> None:
    """An advance's (a payment record's) `desc` is its description."""
    if record.get("desc"):
        record["description"] = record["desc"]


def terms_detail(terms: dict) -> None:
    """Payment terms' `detail` joins their notes."""
    detail = terms.get("detail")
    if not detail or not isinstance(detail, str):
        return
    notes = terms.get("notes")
    if notes and isinstance(notes, str):
        terms["notes"] = notes.strip().removesuffix(".") + ". " + detail
    else:
        terms["notes"] = detail


def online_name(online: dict) -> None:
    """Online payment instructions' `name` and `addr` are their label and URL."""
    if online.get("name"):
        online["label"] = online["name"]
    if online.get("addr"):
        online["url"] = online["addr"]


def payment_method(payment: dict) -> None:
    """A payment's single `method` (payment instructions) is its one method (a record)."""
    method = payment.get("method")
    if not isinstance(method, dict) or payment.get("methods"):
        return
    transfers = method.get("credit_transfer")
    record = {
        "key": method.get("key"),
        "ref": method.get("ref"),
        "description": method.get("detail"),
        "card": method.get("card"),
        "credit_transfer": transfers[0] if isinstance(transfers, list) and transfers else None,
        "direct_debit": method.get("direct_debit"),
        "online": method.get("online"),
        "ext": method.get("ext"),
        "meta": method.get("meta"),
    }
    payment["methods"] = [{k: v for k, v in record.items() if v not in (None, "", [], {})}]


LEGACY = {
    "bill.Payment": payment_method,
    "tax.Combo": combo_tags,
    "pay.Record": record_desc,
    "pay.Terms": terms_detail,
    "pay.Online": online_name,
}


def renamed(value: dict, kind: str, root: bool) -> None:
    """The members Go would read: known names, and names that differ only in case (a later
    one overwrites an earlier, as Go decodes them in order); a document keeps `$schema`."""
    members, folded = MEMBERS[kind], FOLDED[kind]
    kept = {}
    for name, member in value.items():
        if name in members or (root and name == "$schema"):
            kept[name] = member
        elif name.lower() in folded:
            kept[folded[name.lower()]] = member
    value.clear()
    value.update(kept)
