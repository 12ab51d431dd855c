"""A calculated GOBL invoice as a UN/CEFACT Cross Industry Invoice (CII D16B, EN 16931).

CII is an ordered schema: each function below adds its own elements in the order the D16B
schema declares them. The amounts are the GOBL document's own, never recalculated, and the
codes are the `ext` codes GOBL's add-ons set (untdid-document-type, untdid-tax-category,
untdid-payment-means, cef-vatex, iso-scheme-id…): a document built without them is refused
with the pointer of the code it misses, not guessed at, since the add-on's rules are what make
the codes right.

The mapping is invopop/gobl.cii's, so that its fixtures are our conformance tests; where it
departs from the schema's element order we follow the schema (see tests/test_cii.py).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from providers.ubl.codes import unit_code
from silo.snippets import full_code

from .profiles import Profile

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}
DATE_FORMAT = "102"  # UNTDID 2379: CCYYMMDD
TAX_POINTS = {"issue": "5", "delivery": "29", "payment": "72"}  # UNTDID 2475, BT-8
TENDER, INVOICED_OBJECT, ATTACHMENT = "50", "130", "916"  # UNTDID 1001, BT-17 / BT-18 / BG-24
# The tax scheme of a tax ID without one, by country: VAT everywhere EN 16931 is used.
GST_COUNTRIES = {"AU", "CA", "IN", "NZ", "SG"}
ZUGFERD = "de-zugferd-v2"
SUBSET_LEVELS = ("minimum", "basicwl", "basic")  # Factur-X levels narrower than EN 16931
MAX_TRIMS = 40  # rounds of trim(): an XSD reports one unexpected element per parent at a time


class Unsupported(Exception):
    """A document CII cannot carry; `pointer` is the GOBL field at fault (JSON pointer)."""

    def __init__(self, code: str, pointer: str, message: str):
        super().__init__(f"{pointer}: {message}" if pointer else message)
        self.code = code
        self.pointer = pointer


def to_cii(doc: dict, profile: Profile) -> bytes:
    """The CII XML of `doc` (a calculated GOBL invoice), as UTF-8 bytes with a declaration."""
    check(doc, profile)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context(root, doc, profile)
    header(root, doc)
    transaction = add(root, "rsm:SupplyChainTradeTransaction")
    if profile.lines:
        for index, line in enumerate(doc["lines"]):
            trade_line(transaction, line, f"/lines/{index}")
    agreement(transaction, doc, profile)
    delivery(transaction, doc, profile)
    settlement(transaction, doc, profile)
    if profile.level in SUBSET_LEVELS:
        trim(root, profile)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def trim(root, profile: Profile) -> None:
    """Drop what the profile's level does not carry (MINIMUM has no contacts, BASIC no line
    descriptions…), as its own XSD says: the subset schemas are the definition of each level,
    so they decide, not a hand-kept list that could drift from them."""
    from .validation import schema_of, xsd_path  # validation needs lxml's schemas, loaded late

    if profile.level == "minimum":
        # The one place the MINIMUM XSD is wider than the level: its buyer shares the seller's
        # type, and the level's Schematron marks these "not used in the given context".
        buyer = root.find(
            f"{{{RSM}}}SupplyChainTradeTransaction/{{{RAM}}}ApplicableHeaderTradeAgreement/{{{RAM}}}BuyerTradeParty"
        )
        for name in ("PostalTradeAddress", "SpecifiedTaxRegistration"):
            for element in buyer.findall(f"{{{RAM}}}{name}") if buyer is not None else []:
                buyer.remove(element)
    schema = schema_of(xsd_path(profile))
    for _ in range(MAX_TRIMS):
        # Pretty printed, each element has its own line: what an XSD error points at.
        document = etree.fromstring(etree.tostring(root, pretty_print=True))
        if schema.validate(document):
            return
        actions = {}
        for error in schema.error_log:
            name = error.message.split("'")[1] if "'" in error.message else ""
            if "not expected" in error.message:
                actions[(error.line, name)] = "drop"
            elif "Element content is not allowed" in error.message:
                actions.setdefault((error.line, name), "empty")
        changed = False
        lines = [element.sourceline for element in document.iter()]
        for element, line in zip(list(root.iter()), lines, strict=True):
            action = actions.get((line, element.tag))
            if action == "drop" and element.getparent() is not None:
                element.getparent().remove(element)
                changed = True
            elif action == "empty":
                for child in list(element):
                    element.remove(child)
                changed = True
        if not changed:
            return


def check(doc: dict, profile: Profile) -> None:
    """What every CII document needs, named by GOBL field."""
    if profile.addon not in (doc.get("$addons") or []):
        raise Unsupported(
            "missing-addon",
            "/$addons",
            f"{profile.title} needs the {profile.addon} add-on: its codes are the CII ones",
        )
    if dig(doc, "tax", "prices_include"):
        # EN 16931 states net prices; taking included tax out of them re-rounds every line,
        # which is a new calculation of the document, not a rendering of it.
        raise Unsupported(
            "prices-include-tax",
            "/tax/prices_include",
            "CII needs net prices: build the invoice without prices including tax",
        )
    if not dig(doc, "tax", "ext", "untdid-document-type"):
        raise Unsupported(
            "invalid-document", "/tax/ext/untdid-document-type", "the document type is required"
        )
    if not isinstance(doc.get("supplier"), dict):
        raise Unsupported("invalid-document", "/supplier", "the seller is required (BT-27)")
    if not isinstance(doc.get("totals"), dict):
        raise Unsupported("invalid-document", "/totals", "the document is not calculated")
    lines = doc.get("lines")
    if not lines:
        raise Unsupported("no-lines", "/lines", "at least one line is required (BR-16)")
    for index, line in enumerate(lines):
        if not isinstance(dig(line, "item"), dict):
            raise Unsupported("invalid-document", f"/lines/{index}/item", "the item is required")
    instructions = dig(doc, "payment", "instructions")
    if isinstance(instructions, dict) and not dig(instructions, "ext", "untdid-payment-means"):
        raise Unsupported(
            "invalid-document",
            "/payment/instructions/ext/untdid-payment-means",
            "the payment means code is required (BT-81)",
        )


# --- Small helpers


def add(parent, tag: str, text=None, **attributes):
    """A child `prefix:Name` of `parent` with its text and its non-empty attributes."""
    prefix, local = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}")
    if text is not None:
        element.text = str(text)
    for name, value in attributes.items():
        if value is not None:
            element.set(name, str(value))
    return element


def optional(parent, tag: str, text) -> None:
    if text:
        add(parent, tag, text)


def dig(data, *keys):
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def first(items):
    return items[0] if isinstance(items, list) and items else None


def cents(value) -> str:
    """An amount with two decimals, as GOBL's Rescale(2) gives it."""
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return str(value)


def percent(value) -> str:
    return str(value).rstrip("%").strip()


def date(parent, tag: str, value, kind: str = "udt") -> None:
    """A date element in UNTDID 2379 format 102 (`kind` qdt for the Formatted… dates)."""
    wrapper = add(parent, tag)
    add(wrapper, f"{kind}:DateTimeString", str(value).replace("-", ""), format=DATE_FORMAT)


def code_of(series, code) -> str:
    return full_code({"series": series, "code": code})


# --- The document


def context(root, doc: dict, profile: Profile) -> None:
    parameters = add(root, "rsm:ExchangedDocumentContext")
    business = profile.business
    if profile.billing_mode_business:
        business = dig(doc, "tax", "ext", "fr-ctc-billing-mode") or business
    if business:
        add(
            add(parameters, "ram:BusinessProcessSpecifiedDocumentContextParameter"),
            "ram:ID",
            business,
        )
    guideline = profile.guideline
    if profile.framework_guideline:
        guideline = dig(doc, "tax", "ext", "fr-choruspro-framework") or guideline
    add(add(parameters, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", guideline)


def header(root, doc: dict) -> None:
    document = add(root, "rsm:ExchangedDocument")
    add(document, "ram:ID", code_of(doc.get("series"), doc.get("code")))
    add(document, "ram:TypeCode", doc["tax"]["ext"]["untdid-document-type"])
    date(document, "ram:IssueDateTime", doc.get("issue_date", ""))
    for note in doc.get("notes") or []:
        included = add(document, "ram:IncludedNote")
        optional(included, "ram:Content", note.get("text"))
        optional(included, "ram:SubjectCode", dig(note, "ext", "untdid-text-subject"))


# --- Lines


def trade_line(transaction, line: dict, pointer: str) -> None:
    item = line["item"]
    element = add(transaction, "ram:IncludedSupplyChainTradeLineItem")
    document = add(element, "ram:AssociatedDocumentLineDocument")
    add(document, "ram:LineID", line.get("i", ""))
    for note in line.get("notes") or []:
        included = add(document, "ram:IncludedNote")
        optional(included, "ram:Content", note.get("text"))
        optional(included, "ram:SubjectCode", note.get("key"))
    product(element, item)
    line_agreement(element, line, item)
    quantity = add(add(element, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity")
    quantity.text = str(line.get("quantity", ""))
    quantity.set("unitCode", unit_code(item.get("unit")))
    line_settlement(element, line)


def product(element, item: dict) -> None:
    product = add(element, "ram:SpecifiedTradeProduct")
    global_id, buyer_id, classification = None, None, None
    for identity in item.get("identities") or []:
        scheme = dig(identity, "ext", "iso-scheme-id")
        if scheme:  # BT-157, standard identifier
            global_id = (scheme, identity.get("code"))
        elif identity.get("label"):  # BT-158, classification with its list
            classification = (identity["label"], identity.get("code"))
        elif buyer_id is None:  # BT-156
            buyer_id = identity.get("code")
    if global_id:
        add(product, "ram:GlobalID", global_id[1], schemeID=global_id[0])
    if buyer_id is not None:
        add(product, "ram:BuyerAssignedID", buyer_id)
    add(product, "ram:Name", item.get("name", ""))
    optional(product, "ram:Description", item.get("description"))
    if classification:
        designated = add(product, "ram:DesignatedProductClassification")
        add(designated, "ram:ClassCode", classification[1], listID=classification[0])


def line_agreement(element, line: dict, item: dict) -> None:
    agreement = add(element, "ram:SpecifiedLineTradeAgreement")
    if line.get("order"):  # BT-132
        add(add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:LineID", line["order"])
    identifier = line.get("identifier")
    if isinstance(identifier, dict):  # BT-128
        reference = add(agreement, "ram:AdditionalReferencedDocument")
        add(reference, "ram:IssuerAssignedID", identifier.get("code", ""))
        add(reference, "ram:TypeCode", INVOICED_OBJECT)
        optional(reference, "ram:ReferenceTypeCode", dig(identifier, "ext", "untdid-reference"))
    price = add(agreement, "ram:NetPriceProductTradePrice")
    add(price, "ram:ChargeAmount", item.get("price", "0"))


def line_settlement(element, line: dict) -> None:
    settlement = add(element, "ram:SpecifiedLineTradeSettlement")
    for combo in line.get("taxes") or []:
        category_tax(settlement, "ram:ApplicableTradeTax", combo)
    period(settlement, line.get("period"))
    for charge in line.get("charges") or []:
        line_allowance_charge(settlement, charge, charge=True)
    for discount in line.get("discounts") or []:
        line_allowance_charge(settlement, discount, charge=False)
    summation = add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    add(summation, "ram:LineTotalAmount", cents(line.get("total", "0")))
    if line.get("cost"):  # BT-133
        add(
            add(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount"), "ram:ID", line["cost"]
        )


def period(parent, value) -> None:
    if not isinstance(value, dict):
        return
    billing = add(parent, "ram:BillingSpecifiedPeriod")
    date(billing, "ram:StartDateTime", value.get("start", ""))
    date(billing, "ram:EndDateTime", value.get("end", ""))


def category_tax(parent, tag: str, combo: dict) -> None:
    """A tax combo as a category (lines, allowances and charges): no amounts."""
    tax = add(parent, tag)
    optional(tax, "ram:TypeCode", combo.get("cat"))
    category = dig(combo, "ext", "untdid-tax-category") or ""
    add(tax, "ram:CategoryCode", category)
    if category != "O":  # BR-O-05: "not subject to VAT" states no rate
        add(tax, "ram:RateApplicablePercent", percent(combo.get("percent") or "0"))


def line_allowance_charge(parent, item: dict, charge: bool) -> None:
    element = allowance_charge_start(parent, item, charge)
    if item.get("percent") and item.get("base"):
        add(element, "ram:CalculationPercent", percent(item["percent"]))
        add(element, "ram:BasisAmount", cents(item["base"]))
    allowance_charge_end(element, item, charge)


def allowance_charge_start(parent, item: dict, charge: bool):
    element = add(parent, "ram:SpecifiedTradeAllowanceCharge")
    add(add(element, "ram:ChargeIndicator"), "udt:Indicator", "true" if charge else "false")
    return element


def allowance_charge_end(element, item: dict, charge: bool) -> None:
    add(element, "ram:ActualAmount", cents(item.get("amount", "0")))
    optional(
        element,
        "ram:ReasonCode",
        dig(item, "ext", "untdid-charge" if charge else "untdid-allowance"),
    )
    optional(element, "ram:Reason", item.get("reason"))


# --- Parties


def party(parent, tag: str, data: dict, profile: Profile):
    element = add(parent, tag)
    fields = party_fields(data, profile)
    for name in ("ID", "GlobalID"):
        if fields.get(name):
            add(element, f"ram:{name}", fields[name][1], schemeID=fields[name][0])
    optional(element, "ram:Name", data.get("name"))
    legal = fields.get("legal")
    if legal and (legal.get("id") or legal.get("name")):
        organization = add(element, "ram:SpecifiedLegalOrganization")
        if legal.get("id"):
            add(organization, "ram:ID", legal["id"][1], schemeID=legal["id"][0])
        optional(organization, "ram:TradingBusinessName", legal.get("name"))
    contact(element, data)
    address(element, fields["address"])
    inbox = first(data.get("inboxes"))
    if isinstance(inbox, dict) and (inbox.get("email") or inbox.get("code")):
        communication = add(element, "ram:URIUniversalCommunication")
        if inbox.get("email"):
            add(communication, "ram:URIID", inbox["email"], schemeID="EM")
        else:
            add(communication, "ram:URIID", inbox["code"], schemeID=inbox.get("scheme") or None)
    if fields.get("tax_id"):
        registration = add(element, "ram:SpecifiedTaxRegistration")
        add(registration, "ram:ID", fields["tax_id"][1], schemeID=fields["tax_id"][0])
    return element


def party_fields(data: dict, profile: Profile) -> dict:
    """The identifiers and the address of a party, as newParty in gobl.cii reads them."""
    fields: dict = {"address": first(data.get("addresses")), "legal": {}}
    if fields["address"] is not None:
        fields["address"] = dict(fields["address"])
    if data.get("alias"):  # BT-28 / BT-45
        fields["legal"]["name"] = data["alias"]
    tax_id = data.get("tax_id")
    if isinstance(tax_id, dict) and tax_id.get("code"):
        country = tax_id.get("country", "")
        fields["tax_id"] = (tax_scheme(tax_id), f"{country}{tax_id['code']}")
        if country:  # the tax ID's country is the address's
            fields["address"] = {**(fields["address"] or {}), "_country": country}
    for identity in data.get("identities") or []:
        scheme = dig(identity, "ext", "iso-scheme-id")
        if identity.get("scope") == "legal":  # BT-30 / BT-47
            if identity.get("code"):
                fields["legal"]["id"] = (scheme, identity["code"])
        elif scheme:
            fields["GlobalID"] = (scheme, identity.get("code"))
        elif "ID" not in fields:  # BT-29 / BT-46
            fields["ID"] = (None, identity.get("code"))
    if profile.addon == "fr-choruspro-v1":
        fields.pop("GlobalID", None)
        chorus = chorus_pro_id(data)
        fields["legal"]["id"] = chorus if chorus[1] else None
    return fields


def tax_scheme(tax_id: dict) -> str:
    scheme = tax_id.get("scheme") or ("GST" if tax_id.get("country") in GST_COUNTRIES else "VAT")
    return "VA" if scheme == "VAT" else scheme


def chorus_pro_id(data: dict) -> tuple:
    """Chorus Pro's legal identifier, chosen by the party's fr-choruspro-scheme."""
    scheme = dig(data, "ext", "fr-choruspro-scheme") or ""
    identities = data.get("identities") or []
    tax_id = data.get("tax_id") or {}
    value = ""
    if scheme == "1":  # SIRET
        value = next((i.get("code") for i in identities if i.get("type") == "SIRET"), "")
    elif scheme == "2" and tax_id.get("code"):  # intra-community VAT number
        value = f"{tax_id.get('country', '')}{tax_id['code']}"
    elif scheme in ("3", "6") and tax_id.get("country"):  # country + the name's first 16
        value = tax_id["country"] + (data.get("name") or "")[:16]
    elif scheme in ("4", "5"):  # RIDET, Tahiti
        value = next((i.get("code") for i in identities if i.get("scope") == "legal"), "")
    return (scheme or None, value or "")


def contact(element, data: dict) -> None:
    person = first(data.get("people")) or {}
    name = " ".join(
        part for part in (dig(person, "name", "given"), dig(person, "name", "surname")) if part
    )
    phone = dig(first(person.get("telephones")), "num") or dig(first(data.get("telephones")), "num")
    email = dig(first(person.get("emails")), "addr") or dig(first(data.get("emails")), "addr")
    if not (name or phone or email):
        return
    trade_contact = add(element, "ram:DefinedTradeContact")
    optional(trade_contact, "ram:PersonName", name)
    optional(trade_contact, "ram:DepartmentName", person.get("role"))
    if phone:
        add(add(trade_contact, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber", phone)
    if email:
        add(add(trade_contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", email)


def address(element, data: dict | None) -> None:
    if not isinstance(data, dict):
        return
    postal = add(element, "ram:PostalTradeAddress")
    optional(postal, "ram:PostcodeCode", data.get("code"))
    optional(postal, "ram:LineOne", line_one(data))
    optional(postal, "ram:LineTwo", data.get("street_extra"))
    optional(postal, "ram:CityName", data.get("locality"))
    add(postal, "ram:CountryID", data.get("_country") or data.get("country", ""))
    optional(postal, "ram:CountrySubDivisionName", data.get("region"))


def line_one(data: dict) -> str:
    """The street and its number, in the country's order (GOBL's Address.LineOne)."""
    street = data.get("street") or ""
    number = " ".join(data[key] for key in ("num", "block", "floor", "door") if data.get(key))
    if not number:
        return street
    if not street:
        return number
    return (
        f"{number} {street}"
        if data.get("country") in ("GB", "US", "CA", "FR")
        else f"{street} {number}"
    )


# --- Agreement and delivery


def agreement(transaction, doc: dict, profile: Profile) -> None:
    element = add(transaction, "ram:ApplicableHeaderTradeAgreement")
    ordering = doc.get("ordering") if isinstance(doc.get("ordering"), dict) else {}
    optional(element, "ram:BuyerReference", ordering.get("code"))
    seller = ordering.get("seller") if isinstance(ordering.get("seller"), dict) else None
    party(element, "ram:SellerTradeParty", seller or doc["supplier"], profile)
    if isinstance(doc.get("customer"), dict):
        party(element, "ram:BuyerTradeParty", doc["customer"], profile)
    if seller:  # the supplier acts through a seller: it is the tax representative (BG-11)
        representative(element, doc["supplier"], profile)
    for tag, key in (
        ("ram:SellerOrderReferencedDocument", "sales"),
        ("ram:BuyerOrderReferencedDocument", "purchases"),
        ("ram:ContractReferencedDocument", "contracts"),
    ):
        reference = first(ordering.get(key))
        if isinstance(reference, dict) and reference.get("code"):
            add(add(element, tag), "ram:IssuerAssignedID", reference["code"])
    for tender in ordering.get("tender") or []:  # BT-17
        additional_document(element, tender.get("code"), type_code=TENDER)
    identity = first(ordering.get("identities"))
    if isinstance(identity, dict):  # BT-18
        additional_document(element, identity.get("code"), type_code=INVOICED_OBJECT)
    for attachment in doc.get("attachments") or []:  # BG-24
        additional_document(
            element,
            attachment.get("code"),
            type_code=ATTACHMENT,
            uri=attachment.get("url"),
            name=attachment.get("description"),
        )
    project = first(ordering.get("projects"))
    if isinstance(project, dict):  # BT-11
        procuring = add(element, "ram:SpecifiedProcuringProject")
        optional(procuring, "ram:ID", project.get("code"))
        optional(procuring, "ram:Name", project.get("description"))


def representative(element, supplier: dict, profile: Profile) -> None:
    """The supplier as SellerTaxRepresentativeTradeParty: its ID, name, address and VAT ID."""
    fields = party_fields(supplier, profile)
    tax_party = add(element, "ram:SellerTaxRepresentativeTradeParty")
    if fields.get("ID"):
        add(tax_party, "ram:ID", fields["ID"][1])
    optional(tax_party, "ram:Name", supplier.get("name"))
    address(tax_party, fields["address"])
    if fields.get("tax_id"):
        registration = add(tax_party, "ram:SpecifiedTaxRegistration")
        add(registration, "ram:ID", fields["tax_id"][1], schemeID=fields["tax_id"][0])


def additional_document(parent, code, type_code: str, uri=None, name=None) -> None:
    document = add(parent, "ram:AdditionalReferencedDocument")
    optional(document, "ram:IssuerAssignedID", code)
    optional(document, "ram:URIID", uri)
    add(document, "ram:TypeCode", type_code)
    optional(document, "ram:Name", name)


def delivery(transaction, doc: dict, profile: Profile) -> None:
    element = add(transaction, "ram:ApplicableHeaderTradeDelivery")
    data = doc.get("delivery") if isinstance(doc.get("delivery"), dict) else None
    ship_to = None
    if data is not None:
        ship_to = dict(data["receiver"]) if isinstance(data.get("receiver"), dict) else None
        identity = first(data.get("identities"))
        if isinstance(identity, dict):  # BT-71, the delivery location
            ship_to = ship_to or {}
            key = "_global_id" if identity.get("label") else "_id"
            ship_to[key] = (identity.get("label"), identity.get("code"))
    elif ZUGFERD in doc["$addons"] and doc["tax"]["ext"]["untdid-document-type"] != "386":
        # ZUGFeRD's BR-FX-EN-04 family asks for a ship-to party; the buyer stands in for it
        # unless the invoice is a prepayment one (386).
        customer = doc.get("customer")
        if isinstance(customer, dict) and customer.get("addresses"):
            ship_to = customer
    if ship_to is not None:
        receiver = add(element, "ram:ShipToTradeParty")
        if ship_to.get("_id"):
            add(receiver, "ram:ID", ship_to["_id"][1])
        if ship_to.get("_global_id"):
            add(
                receiver,
                "ram:GlobalID",
                ship_to["_global_id"][1],
                schemeID=ship_to["_global_id"][0],
            )
        optional(receiver, "ram:Name", ship_to.get("name"))
        address(receiver, first(ship_to.get("addresses")))
    if data is not None and data.get("date"):
        event = add(element, "ram:ActualDeliverySupplyChainEvent")
        date(event, "ram:OccurrenceDateTime", data["date"])
    ordering = doc.get("ordering") if isinstance(doc.get("ordering"), dict) else {}
    for tag, key in (
        ("ram:DespatchAdviceReferencedDocument", "despatch"),
        ("ram:ReceivingAdviceReferencedDocument", "receiving"),
    ):
        reference = first(ordering.get(key))
        if isinstance(reference, dict):
            add(add(element, tag), "ram:IssuerAssignedID", reference.get("code", ""))


# --- Settlement


def settlement(transaction, doc: dict, profile: Profile) -> None:
    element = add(transaction, "ram:ApplicableHeaderTradeSettlement")
    payment = doc.get("payment") if isinstance(doc.get("payment"), dict) else {}
    instructions = (
        payment.get("instructions") if isinstance(payment.get("instructions"), dict) else None
    )
    direct_debit = dig(instructions, "direct_debit") or {}
    optional(element, "ram:CreditorReferenceID", direct_debit.get("creditor"))
    optional(element, "ram:PaymentReference", dig(instructions, "ref"))
    add(element, "ram:InvoiceCurrencyCode", doc.get("currency", ""))
    if isinstance(payment.get("payee"), dict):
        payee(element, payment["payee"], profile)
    if instructions is not None:
        payment_means(element, instructions)
    trade_taxes(element, doc)
    period(element, dig(doc, "delivery", "period"))
    for charge in doc.get("charges") or []:
        document_allowance_charge(element, charge, charge=True)
    for discount in doc.get("discounts") or []:
        document_allowance_charge(element, discount, charge=False)
    payment_terms(element, payment.get("terms"), direct_debit.get("ref"))
    summation(element, doc)
    preceding = first(doc.get("preceding"))
    if isinstance(preceding, dict):  # BG-3
        referenced = add(element, "ram:InvoiceReferencedDocument")
        add(
            referenced,
            "ram:IssuerAssignedID",
            code_of(preceding.get("series"), preceding.get("code")),
        )
        if preceding.get("issue_date"):
            date(referenced, "ram:FormattedIssueDateTime", preceding["issue_date"], kind="qdt")


def payee(element, data: dict, profile: Profile) -> None:
    """BG-10: name and identifiers only (CII-SR-352 to 364 warn about the rest)."""
    fields = party_fields(data, profile)
    trade_party = add(element, "ram:PayeeTradeParty")
    if fields.get("ID"):
        add(trade_party, "ram:ID", fields["ID"][1])
        if fields.get("GlobalID"):
            add(trade_party, "ram:GlobalID", fields["GlobalID"][1], schemeID=fields["GlobalID"][0])
    optional(trade_party, "ram:Name", data.get("name"))


def payment_means(element, instructions: dict) -> None:
    means = add(element, "ram:SpecifiedTradeSettlementPaymentMeans")
    add(means, "ram:TypeCode", instructions["ext"]["untdid-payment-means"])
    optional(means, "ram:Information", instructions.get("detail"))
    card = instructions.get("card")
    if isinstance(card, dict) and card.get("last4"):
        financial_card = add(means, "ram:ApplicableTradeSettlementFinancialCard")
        add(financial_card, "ram:ID", card["last4"])
        optional(financial_card, "ram:CardholderName", card.get("holder"))
    account = dig(instructions, "direct_debit", "account")
    if account:
        add(add(means, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", account)
    transfer = first(instructions.get("credit_transfer")) or {}
    if transfer.get("iban") or transfer.get("number"):
        creditor = add(means, "ram:PayeePartyCreditorFinancialAccount")
        optional(creditor, "ram:IBANID", transfer.get("iban"))
        optional(creditor, "ram:ProprietaryID", transfer.get("number"))
    if transfer.get("bic"):
        add(
            add(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
            "ram:BICID",
            transfer["bic"],
        )


def trade_taxes(element, doc: dict) -> None:
    notes = dig(doc, "tax", "notes") or []
    point = TAX_POINTS.get(dig(doc, "tax", "point") or "")
    for category in dig(doc, "totals", "taxes", "categories") or []:
        for rate in category.get("rates") or []:
            code = dig(rate, "ext", "untdid-tax-category") or ""
            tax = add(element, "ram:ApplicableTradeTax")
            add(tax, "ram:CalculatedAmount", cents(rate.get("amount", "0")))
            add(tax, "ram:TypeCode", category.get("code", ""))
            note = tax_note(notes, category.get("code"), code)
            optional(tax, "ram:ExemptionReason", note)  # BT-120
            add(tax, "ram:BasisAmount", rate.get("base", "0"))
            add(tax, "ram:CategoryCode", code)
            optional(tax, "ram:ExemptionReasonCode", dig(rate, "ext", "cef-vatex"))  # BT-121
            if doc.get("value_date"):  # BT-7
                date(tax, "ram:TaxPointDate", doc["value_date"])
            optional(tax, "ram:DueDateTypeCode", point)  # BT-8
            if code != "O":
                add(tax, "ram:RateApplicablePercent", percent(rate.get("percent") or "0"))


def tax_note(notes: list, category, code: str) -> str:
    for note in notes:
        if note.get("cat") == category and code and dig(note, "ext", "untdid-tax-category") == code:
            return note.get("text", "")
    return ""


def document_allowance_charge(parent, item: dict, charge: bool) -> None:
    element = allowance_charge_start(parent, item, charge)
    if item.get("percent"):
        add(element, "ram:CalculationPercent", percent(item["percent"]))
    if item.get("base"):
        add(element, "ram:BasisAmount", cents(item["base"]))
    allowance_charge_end(element, item, charge)
    combo = first(item.get("taxes"))
    if isinstance(combo, dict):
        category_tax(element, "ram:CategoryTradeTax", combo)


def payment_terms(element, terms, mandate) -> None:
    terms = terms if isinstance(terms, dict) else {}
    description = terms.get("notes") or ""
    entries = []
    for due in terms.get("due_dates") or []:
        text = ". ".join(part for part in (description, due.get("notes")) if part)
        entries.append((text, due.get("date")))
    if not entries and description:
        entries.append((description, None))
    if not entries and mandate:
        entries.append(("", None))
    for text, due_date in entries:
        term = add(element, "ram:SpecifiedTradePaymentTerms")
        optional(term, "ram:Description", text)
        if due_date:
            date(term, "ram:DueDateDateTime", due_date)
        optional(term, "ram:DirectDebitMandateID", mandate)


def summation(element, doc: dict) -> None:
    totals = doc["totals"]
    currency = doc.get("currency", "")
    summary = add(element, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    add(summary, "ram:LineTotalAmount", totals.get("sum", "0"))
    optional(summary, "ram:ChargeTotalAmount", totals.get("charge"))
    optional(summary, "ram:AllowanceTotalAmount", totals.get("discount"))
    add(summary, "ram:TaxBasisTotalAmount", totals.get("total", "0"))
    add(summary, "ram:TaxTotalAmount", totals.get("tax", "0"), currencyID=currency)
    optional(summary, "ram:RoundingAmount", totals.get("rounding"))
    add(summary, "ram:GrandTotalAmount", totals.get("total_with_tax", "0"))
    optional(summary, "ram:TotalPrepaidAmount", totals.get("advance"))
    add(summary, "ram:DuePayableAmount", totals.get("due", totals.get("payable", "0")))
