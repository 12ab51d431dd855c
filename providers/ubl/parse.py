"""UBL 2.1 Invoice and CreditNote → a GOBL bill/invoice: the mapping of ubl.import.

parse(content) answers the invoice (not built: the caller builds it with silo.gobl) and the
problems, each named by the XPath of the element that could not be mapped. The element
names and the mapping follow GOBL's own parser (invopop/gobl.ubl, invoice_parse.go and its
siblings), so that an imported invoice is the document GOBL would make; where we do less,
tests/test_import_conformance.py lists it.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from ..import_mapping import (
    SCHEMA,
    contact,
    inbox,
    instructions,
    main_scheme,
    meta_key,
    per_base_quantity,
    put,
    tax_combo,
    tax_notes,
)
from ..import_mapping import unit as unit_of
from ..xml_input import NotXML, Reader, parse_xml

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ROOTS = {f"{{{INVOICE_NS}}}Invoice": "Invoice", f"{{{CREDIT_NOTE_NS}}}CreditNote": "CreditNote"}
PREFIXES = {"cbc": CBC, "cac": CAC}

TYPES = {
    "325": "proforma", "380": "standard", "381": "credit-note", "383": "debit-note",
    "384": "corrective", "388": "standard", "389": "standard", "326": "standard",
    "261": "credit-note",
}  # fmt: skip
TAX_POINTS = {"3": "issue", "35": "delivery", "432": "payment"}  # UNTDID 2005, BT-8
TAGS = {"389": ["self-billed"], "326": ["partial"], "261": ["self-billed"]}
ADDRESS = {
    "num": "cbc:BuildingNumber",
    "street": "cbc:StreetName",
    "street_extra": "cbc:AdditionalStreetName",
    "locality": "cbc:CityName",
    "region": "cbc:CountrySubentity",
    "code": "cbc:PostalZone",
    "country": "cac:Country/cbc:IdentificationCode",
}
NOTE_CODE = re.compile(r"^#([A-Z0-9]+)#(.*)$", re.S)


def parse(content: bytes) -> tuple[dict | None, list[tuple[str, str]]]:
    """The GOBL invoice of a UBL document, and the problems by XPath (None when the
    document is not a UBL invoice at all)."""
    try:
        root = parse_xml(content)
    except NotXML as exc:
        return None, [("/", str(exc))]
    kind = ROOTS.get(root.tag)
    if kind is None:
        return None, [("/" + root.tag, "not a UBL 2.1 Invoice or CreditNote")]
    reader = Reader(root, PREFIXES)
    return Invoice(reader, root, kind).doc(), reader.problems


class Invoice:
    def __init__(self, reader: Reader, root, kind: str):
        self.r = reader
        self.root = root
        self.credit = kind == "CreditNote"

    def doc(self) -> dict:
        r, root = self.r, self.root
        doc: dict = {"$schema": SCHEMA}
        addons = context_addons(r.text(root, "cbc:CustomizationID"))
        if addons:
            doc["$addons"] = addons
        type_code = r.text(root, "cbc:CreditNoteTypeCode" if self.credit else "cbc:InvoiceTypeCode")
        doc["type"] = TYPES.get(type_code, "other")
        if type_code in TAGS:
            doc["$tags"] = TAGS[type_code]
        put(doc, "code", r.text(root, "cbc:ID"))
        put(doc, "issue_date", self.date(root, "cbc:IssueDate"))
        put(doc, "issue_time", r.text(root, "cbc:IssueTime"))
        put(doc, "value_date", self.date(root, "cbc:TaxPointDate"))
        put(doc, "currency", r.text(root, "cbc:DocumentCurrencyCode"))
        put(doc, "preceding", self.preceding())
        doc["tax"] = self.tax()
        put(doc, "supplier", self.party(r.one(root, "cac:AccountingSupplierParty/cac:Party")))
        put(doc, "customer", self.party(r.one(root, "cac:AccountingCustomerParty/cac:Party")))
        line_tag = "cac:CreditNoteLine" if self.credit else "cac:InvoiceLine"
        categories = self.exemptions()
        lines = [self.line(element, categories) for element in r.all(root, line_tag)]
        put(doc, "lines", [line for line in lines if line])
        discounts, charges = self.allowances(root, document=True)
        put(doc, "discounts", discounts)
        put(doc, "charges", charges)
        put(doc, "ordering", self.ordering())
        put(doc, "payment", self.payment())
        put(doc, "delivery", self.delivery())
        notes = [r.text(element) for element in r.all(root, "cbc:Note")]
        put(doc, "notes", [note(text) for text in notes if text])
        representative = r.one(root, "cac:TaxRepresentativeParty")
        if representative is not None:
            # As gobl.ubl: the representative invoices for the seller, who moves to ordering.
            doc.setdefault("ordering", {})["seller"] = doc.get("supplier", {})
            doc["supplier"] = self.party(representative)
        put(doc, "exchange_rates", self.exchange_rates())
        put(doc, "attachments", self.attachments())
        return doc

    def tax(self) -> dict:
        tax: dict = {"rounding": "currency"}
        code = self.r.text(self.root, "cac:InvoicePeriod/cbc:DescriptionCode")
        put(tax, "point", TAX_POINTS.get(code, ""))
        path = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
        reasons = [
            (
                self.r.text(category, "cac:TaxScheme/cbc:ID"),
                self.r.text(category, "cbc:ID"),
                self.r.text(category, "cbc:TaxExemptionReason"),
            )
            for category in self.r.all(self.root, path)
        ]
        put(tax, "notes", tax_notes(reasons))
        return tax

    def exchange_rates(self) -> list:
        """BT-6's rate, as gobl.ubl reads it: the tax total in the tax currency over the
        one in the document's, at the former's precision."""
        r, root = self.r, self.root
        currency, tax_currency = (
            r.text(root, "cbc:DocumentCurrencyCode"),
            r.text(root, "cbc:TaxCurrencyCode"),
        )
        totals = r.all(root, "cac:TaxTotal")
        if not tax_currency or tax_currency == currency or len(totals) < 2:
            return []
        ours, theirs = r.number(totals[0], "cbc:TaxAmount"), r.number(totals[1], "cbc:TaxAmount")
        if not ours or not theirs or Decimal(ours) == 0:
            return []
        rate = (Decimal(theirs) / Decimal(ours)).quantize(
            Decimal(1).scaleb(Decimal(theirs).as_tuple().exponent), rounding=ROUND_HALF_UP
        )
        return [{"from": currency, "to": tax_currency, "amount": str(rate)}]

    # --- Header

    def date(self, element, path: str) -> str:
        found = self.r.one(element, path)
        value = self.r.text(found) if found is not None else ""
        if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.r.problem(found, f"{value!r} is not a date (YYYY-MM-DD)")
            return ""
        return value

    def preceding(self) -> list:
        found = []
        for ref in self.r.all(self.root, "cac:BillingReference"):
            for tag in ("Invoice", "SelfBilledInvoice", "CreditNote", "Additional"):
                element = self.r.one(ref, f"cac:{tag}DocumentReference")
                if element is not None:
                    item = {}
                    put(item, "code", self.r.text(element, "cbc:ID"))
                    put(item, "issue_date", self.date(element, "cbc:IssueDate"))
                    if item:
                        found.append(item)
                    break
        return found

    # --- Parties

    def party(self, element) -> dict:
        if element is None:
            return {}
        r = self.r
        party: dict = {}
        name = r.text(element, "cac:PartyLegalEntity/cbc:RegistrationName")
        trading = r.text(element, "cac:PartyName/cbc:Name")
        put(party, "name", name or trading)
        if name and trading and trading != name:
            party["alias"] = trading
        endpoint = r.one(element, "cbc:EndpointID")
        put(party, "inboxes", inbox(r.attr(endpoint, "", "schemeID"), r.text(endpoint)))
        identities = []
        country = r.text(element, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
        self.tax_schemes(element, party, identities, country)
        for pid in r.all(element, "cac:PartyIdentification/cbc:ID"):
            identity = {"code": r.text(pid)}
            if pid.get("schemeID"):
                identity["ext"] = {"iso-scheme-id": pid.get("schemeID")}
            identities.append(identity)
        legal = r.one(element, "cac:PartyLegalEntity/cbc:CompanyID")
        if legal is not None and r.text(legal):
            identity = {"scope": "legal", "code": r.text(legal)}
            if legal.get("schemeID"):
                identity["ext"] = {"iso-scheme-id": legal.get("schemeID")}
            identities.insert(0, identity)
        put(party, "identities", identities)
        address = self.address(r.one(element, "cac:PostalAddress"))
        put(party, "addresses", [address] if address else [])
        person = r.one(element, "cac:Contact")
        contact(
            party,
            r.text(person, "cbc:Name"),
            r.text(person, "cbc:Telephone"),
            r.text(person, "cbc:ElectronicMail"),
        )
        return party

    def tax_schemes(self, element, party: dict, identities: list, country: str) -> None:
        r = self.r
        schemes = [
            (r.text(s, "cbc:CompanyID"), r.text(s, "cac:TaxScheme/cbc:ID"), s)
            for s in r.all(element, "cac:PartyTaxScheme")
            if r.text(s, "cbc:CompanyID") and r.one(s, "cac:TaxScheme") is not None
        ]
        if not schemes:
            return
        main = next((i for i, (_, scheme, _) in enumerate(schemes) if scheme == "VAT"), 0)
        code, scheme, found = schemes[main]
        party["tax_id"] = {"country": country, "code": code} if country else {"code": code}
        if scheme != main_scheme(country):
            # gobl.ubl: the scheme's tax type (UK VAT's is VAT) when it has one.
            type_code = r.text(found, "cac:TaxScheme/cbc:TaxTypeCode")
            party["tax_id"]["scheme"] = type_code or scheme
        for i, (code, scheme, _) in enumerate(schemes):
            if i != main:
                identity = {"country": country, "code": code, "scope": "tax", "type": scheme}
                identities.append({k: v for k, v in identity.items() if v})

    def address(self, element) -> dict:
        if element is None:
            return {}
        address = self.r.fields(element, ADDRESS)
        if "street_extra" not in address:
            put(address, "street_extra", self.r.text(element, "cbc:CitySubdivisionName"))
        return address

    # --- Lines

    def exemptions(self) -> dict:
        """The exemption reason codes of the document's tax subtotals, by category and rate."""
        found = {}
        for category in self.r.all(self.root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"):
            code = self.r.text(category, "cbc:TaxExemptionReasonCode")
            if code:
                key = (self.r.text(category, "cbc:ID"), self.r.number(category, "cbc:Percent"))
                found[key] = code
        return found

    def line(self, element, exemptions: dict) -> dict:
        r = self.r
        price = r.number(element, "cac:Price/cbc:PriceAmount")
        if r.one(element, "cac:Price") is None:
            return {}
        price = per_base_quantity(price, r.number(element, "cac:Price/cbc:BaseQuantity"))
        item: dict = {}
        line: dict = {"quantity": "1", "item": item}
        quantity = r.one(element, "cbc:CreditedQuantity" if self.credit else "cbc:InvoicedQuantity")
        if quantity is not None:
            put(line, "quantity", r.number(quantity))
        product = r.one(element, "cac:Item")
        put(item, "ref", r.text(product, "cac:SellersItemIdentification/cbc:ID"))
        put(item, "name", r.text(product, "cbc:Name"))
        put(item, "description", r.text(product, "cbc:Description"))
        put(item, "identities", self.item_identities(product))
        item["price"] = price or "0"
        if quantity is not None and quantity.get("unitCode"):
            code = quantity.get("unitCode")
            item["unit"] = unit_of(code)
        put(item, "origin", r.text(product, "cac:OriginCountry/cbc:IdentificationCode"))
        meta = {}
        for prop in r.all(product, "cac:AdditionalItemProperty"):
            name, value = r.text(prop, "cbc:Name"), r.text(prop, "cbc:Value")
            if name and value:
                meta[meta_key(name)] = value
        put(item, "meta", meta)
        put(line, "taxes", self.line_taxes(r.one(product, "cac:ClassifiedTaxCategory"), exemptions))
        put(line, "cost", r.text(element, "cbc:AccountingCost"))
        put(line, "order", r.text(element, "cac:OrderLineReference/cbc:LineID"))
        period = self.period(r.one(element, "cac:InvoicePeriod"))
        put(line, "period", period)
        put(
            line,
            "identifier",
            self.reference_identity(r.one(element, "cac:DocumentReference/cbc:ID")),
        )
        discounts, charges = self.allowances(element, document=False)
        put(line, "discounts", discounts)
        put(line, "charges", charges)
        notes = [r.text(found) for found in r.all(element, "cbc:Note")]
        put(line, "notes", [{"text": text} for text in notes if text])
        return line

    def item_identities(self, product) -> list:
        found = []
        for tag in ("BuyersItemIdentification", "StandardItemIdentification"):
            for element in self.r.all(product, f"cac:{tag}/cbc:ID"):
                identity = {"code": self.r.text(element)}
                if element.get("schemeID"):
                    identity["ext"] = {"iso-scheme-id": element.get("schemeID")}
                found.append(identity)
        path = "cac:CommodityClassification/cbc:ItemClassificationCode"
        for element in self.r.all(product, path):
            identity = {"code": self.r.text(element)}
            if element.get("listID"):
                identity = {"label": element.get("listID"), **identity}
            found.append(identity)
        return found

    def line_taxes(self, category, exemptions: dict) -> list:
        r = self.r
        scheme = r.text(category, "cac:TaxScheme/cbc:ID")
        if category is None or r.one(category, "cac:TaxScheme") is None:
            return []
        code = r.text(category, "cbc:ID")
        percent = r.number(category, "cbc:Percent")
        return [tax_combo(scheme, code, percent, exemptions.get((code, percent), ""))]

    def period(self, element) -> dict:
        if element is None:
            return {}
        found = {}
        put(found, "start", self.date(element, "cbc:StartDate"))
        put(found, "end", self.date(element, "cbc:EndDate"))
        return found

    def allowances(self, element, document: bool) -> tuple[list, list]:
        discounts, charges = [], []
        for ac in self.r.all(element, "cac:AllowanceCharge"):
            charge = self.r.text(ac, "cbc:ChargeIndicator").lower() == "true"
            item: dict = {}
            code = self.r.text(ac, "cbc:AllowanceChargeReasonCode")
            put(item, "reason", self.r.text(ac, "cbc:AllowanceChargeReason"))
            base = self.r.number(ac, "cbc:BaseAmount")
            factor = self.r.number(ac, "cbc:MultiplierFactorNumeric")
            if factor and base:
                put(item, "base", base)
                put(item, "percent", f"{factor}%")
            put(item, "amount", self.r.number(ac, "cbc:Amount"))
            if document:
                put(item, "taxes", self.line_taxes(self.r.one(ac, "cac:TaxCategory"), {}))
            if code:
                item["ext"] = {("untdid-charge" if charge else "untdid-allowance"): code}
            (charges if charge else discounts).append(item)
        return discounts, charges

    # --- Ordering, payment, delivery

    def ordering(self) -> dict:
        r, root = self.r, self.root
        ordering: dict = {}
        put(ordering, "code", r.text(root, "cbc:BuyerReference"))
        put(ordering, "cost", r.text(root, "cbc:AccountingCost"))
        refs = {
            "purchases": r.text(root, "cac:OrderReference/cbc:ID"),
            "sales": r.text(root, "cac:OrderReference/cbc:SalesOrderID"),
            "contracts": r.text(root, "cac:ContractDocumentReference/cbc:ID"),
            "projects": r.text(root, "cac:ProjectReference/cbc:ID"),
            "receiving": r.text(root, "cac:ReceiptDocumentReference/cbc:ID"),
            "despatch": r.text(root, "cac:DespatchDocumentReference/cbc:ID"),
            "tender": r.text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        }
        for key, code in refs.items():
            if code:
                ordering[key] = [{"code": code}]
        put(ordering, "period", self.period(r.one(root, "cac:InvoicePeriod")))
        sheets = [
            self.reference_identity(r.one(document, "cbc:ID"))
            for document in r.all(root, "cac:AdditionalDocumentReference")
            if r.text(document, "cbc:DocumentTypeCode") == "130"  # BT-18, an invoiced object
        ]
        put(ordering, "identities", [sheet for sheet in sheets if sheet])
        return ordering

    def reference_identity(self, element) -> dict:
        """An object identifier (BT-18, BT-128): its code, its scheme as untdid-reference."""
        code = self.r.text(element) if element is not None else ""
        if not code:
            return {}
        identity: dict = {"code": code}
        if element.get("schemeID"):
            identity["ext"] = {"untdid-reference": element.get("schemeID")}
        return identity

    def payment(self) -> dict:
        r, root = self.r, self.root
        payment: dict = {}
        put(payment, "payee", self.party(r.one(root, "cac:PayeeParty")))
        terms: dict = {}
        put(terms, "notes", r.text(root, "cac:PaymentTerms/cbc:Note"))
        means = r.one(root, "cac:PaymentMeans")
        if self.credit:
            due = self.date(means, "cbc:PaymentDueDate")
        else:
            due = self.date(root, "cbc:DueDate")
        if due:
            terms["due_dates"] = [{"date": due, "percent": "100%"}]
        put(payment, "terms", terms)
        put(payment, "instructions", self.instructions(means))
        prepaid = r.number(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount")
        if prepaid:
            payment["advances"] = [{"desc": "Prepaid Amount", "amount": prepaid}]
        return payment

    def instructions(self, means) -> dict:
        if means is None:
            return {}
        r = self.r
        code = r.text(means, "cbc:PaymentMeansCode")
        found = instructions(code)
        put(found, "detail", r.attr(means, "cbc:PaymentMeansCode", "name"))
        put(found, "ref", r.text(means, "cbc:PaymentID"))
        accounts = []
        for account in r.all(means, "cac:PayeeFinancialAccount"):
            transfer: dict = {}
            put(transfer, "iban", r.text(account, "cbc:ID"))
            put(transfer, "name", r.text(account, "cbc:Name"))
            put(transfer, "bic", r.text(account, "cac:FinancialInstitutionBranch/cbc:ID"))
            if transfer:
                accounts.append(transfer)
        put(found, "credit_transfer", accounts)
        card: dict = {}
        put(card, "last4", r.text(means, "cac:CardAccount/cbc:PrimaryAccountNumberID")[-4:])
        put(card, "holder", r.text(means, "cac:CardAccount/cbc:HolderName"))
        put(found, "card", card)
        mandate = r.one(means, "cac:PaymentMandate")
        if mandate is not None:
            debit: dict = {}
            put(debit, "ref", r.text(mandate, "cbc:ID"))
            put(debit, "account", r.text(mandate, "cac:PayerFinancialAccount/cbc:ID"))
            put(found, "direct_debit", debit)
        return found

    def delivery(self) -> dict:
        r = self.r
        element = r.one(self.root, "cac:Delivery")
        delivery: dict = {}
        if element is None:
            return delivery
        put(delivery, "date", self.date(element, "cbc:ActualDeliveryDate"))
        latest = self.date(element, "cbc:LatestDeliveryDate")
        if latest and delivery.get("date"):
            delivery["period"] = {"start": delivery["date"], "end": latest}
        put(delivery, "period", self.period(r.one(element, "cac:EstimatedDeliveryPeriod")))
        location = r.one(element, "cac:DeliveryLocation/cbc:ID")
        if location is not None and r.text(location):
            identity = {"code": r.text(location)}
            if location.get("schemeID"):
                identity = {"label": location.get("schemeID"), **identity}
            delivery["identities"] = [identity]
        name = r.text(element, "cac:DeliveryParty/cac:PartyName/cbc:Name")
        address = self.address(r.one(element, "cac:DeliveryLocation/cac:Address"))
        receiver: dict = {}
        put(receiver, "name", name)
        put(receiver, "addresses", [address] if address else [])
        put(delivery, "receiver", receiver)
        terms = r.text(self.root, "cac:DeliveryTerms/cbc:ID")
        if terms:
            delivery["identities"] = [{"code": terms}]
        return delivery if {"receiver", "date", "identities"} & set(delivery) else {}

    def attachments(self) -> list:
        """BG-24 documents that point somewhere (an embedded object would need a file of
        its own, as gobl.ubl also leaves it)."""
        r = self.r
        found = []
        for document in r.all(self.root, "cac:AdditionalDocumentReference"):
            external = r.one(document, "cac:Attachment/cac:ExternalReference")
            if external is None:
                continue
            attachment: dict = {}
            put(attachment, "code", r.text(document, "cbc:ID"))
            put(attachment, "description", r.text(document, "cbc:DocumentDescription"))
            put(attachment, "url", r.text(external, "cbc:URI"))
            put(attachment, "mime", r.text(external, "cbc:MimeCode"))
            found.append(attachment)
        return found


def context_addons(customization: str) -> list[str]:
    if "urn:cen.eu:en16931:2017" not in customization or "xrechnung" in customization:
        return []
    addons = ["eu-en16931-v2017"]
    if "zatca" in customization:
        addons.append("sa-zatca-v1")
    return addons


def note(text: str) -> dict:
    match = NOTE_CODE.match(text)
    if match:
        return {"text": match.group(2).strip(), "ext": {"untdid-text-subject": match.group(1)}}
    return {"text": text}
