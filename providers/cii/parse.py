"""UN/CEFACT CII (CrossIndustryInvoice D16B / D22B) → a GOBL bill/invoice: the mapping of
cii.import.

parse(content) answers the invoice (not built: the caller builds it with silo.gobl) and the
problems, each named by the XPath of the element that could not be mapped
(/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem[2]/…).
The mapping follows GOBL's own parser (invopop/gobl.cii, invoice_parse.go and its siblings)
so that an imported invoice is the document GOBL would make; what both syntaxes map alike is
in providers/import_mapping.py. EN 16931, Factur-X, ZUGFeRD 2.x and XRechnung CII are the
same syntax at different levels: one mapping reads them all.

France's CDAR status messages (CrossDomainAcknowledgementAndResponse: bill/status and
bill/payment in GOBL) share the namespaces but not the document: they are refused by name
rather than half-mapped; tests/test_import_conformance.py lists their fixtures as not yet.
"""

import re
from decimal import Decimal

from ..import_mapping import (
    EN16931,
    SCHEMA,
    contact,
    inbox,
    instructions,
    meta_key,
    per_base_quantity,
    put,
    tax_combo,
    tax_identity,
    tax_notes,
    unit,
)
from ..xml_input import NotXML, Reader, parse_xml

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
CDAR_NS = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
PREFIXES = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
CDAR_REFUSED = "a CDAR status message (bill/status, bill/payment) is not imported yet"

TYPES = {
    "325": "proforma", "380": "standard", "381": "credit-note", "383": "debit-note",
    "384": "corrective", "389": "standard", "326": "standard",
}  # fmt: skip
TAGS = {"389": ["self-billed"], "326": ["partial"]}
TAX_POINTS = {"5": "issue", "29": "delivery", "72": "payment"}  # UNTDID 2475, BT-8
# The add-ons of a guideline (BT-24), as gobl.cii's contexts give them. Factur-X and
# ZUGFeRD write EN 16931's own guideline, so they read as EN 16931; France's CTC contexts
# (fr-ctc-flow2-v1) are left out: our calculator does not know that add-on.
GUIDELINE_ADDONS = {
    EN16931: ["eu-en16931-v2017"],
    EN16931 + "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0": ["eu-en16931-v2017"],
    EN16931 + "#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0": ["de-xrechnung-v3"],
    "A1": ["fr-choruspro-v1"],
}
TENDER, INVOICE_DATA_SHEET, ATTACHMENT = "50", "130", "916"  # UNTDID 1001, BT-17 / BT-18 / BG-24
DATE = "udt:DateTimeString"
ADDRESS = {
    "street": "ram:LineOne",
    "street_extra": "ram:LineTwo",
    "locality": "ram:CityName",
    "region": "ram:CountrySubDivisionName",
    "code": "ram:PostcodeCode",
    "country": "ram:CountryID",
}
TRANSACTION = "rsm:SupplyChainTradeTransaction"
AGREEMENT = f"{TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
DELIVERY = f"{TRANSACTION}/ram:ApplicableHeaderTradeDelivery"
SETTLEMENT = f"{TRANSACTION}/ram:ApplicableHeaderTradeSettlement"


def parse(content: bytes) -> tuple[dict | None, list[tuple[str, str]]]:
    """The GOBL invoice of a CII document, and the problems by XPath (None when the
    document is not a CII invoice at all)."""
    try:
        root = parse_xml(content)
    except NotXML as exc:
        return None, [("/", str(exc))]
    if root.tag == f"{{{CDAR_NS}}}CrossDomainAcknowledgementAndResponse":
        return None, [("/rsm:CrossDomainAcknowledgementAndResponse", CDAR_REFUSED)]
    if root.tag != ROOT:
        return None, [("/" + root.tag, "not a UN/CEFACT CrossIndustryInvoice")]
    reader = Reader(root, PREFIXES)
    return Invoice(reader, root).doc(), reader.problems


class Invoice:
    def __init__(self, reader: Reader, root):
        self.r = reader
        self.root = root
        self.settlement = reader.one(root, SETTLEMENT)
        self.exemptions = self.exemption_codes()

    def doc(self) -> dict:
        r, root = self.r, self.root
        header = r.one(root, "rsm:ExchangedDocument")
        type_code = r.text(header, "ram:TypeCode")
        doc: dict = {"$schema": SCHEMA}
        guideline = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter"
        put(doc, "$addons", GUIDELINE_ADDONS.get(r.text(root, f"{guideline}/ram:ID"), []))
        doc["type"] = TYPES.get(type_code, "other")
        put(doc, "$tags", TAGS.get(type_code))
        put(doc, "code", r.text(header, "ram:ID"))
        put(doc, "issue_date", self.date(header, "ram:IssueDateTime"))
        put(doc, "currency", r.text(self.settlement, "ram:InvoiceCurrencyCode"))
        doc["tax"] = self.tax(type_code)
        agreement = r.one(root, AGREEMENT)
        put(doc, "supplier", self.party(r.one(agreement, "ram:SellerTradeParty")))
        put(doc, "customer", self.party(r.one(agreement, "ram:BuyerTradeParty")))
        first_tax = r.one(self.settlement, "ram:ApplicableTradeTax")  # BT-7 is on each: one
        put(doc, "value_date", self.date(first_tax, "ram:TaxPointDate"))
        lines = r.all(root, f"{TRANSACTION}/ram:IncludedSupplyChainTradeLineItem")
        put(doc, "lines", [self.line(element) for element in lines])
        put(doc, "payment", self.payment())
        put(doc, "notes", [self.note(element) for element in r.all(header, "ram:IncludedNote")])
        put(doc, "ordering", self.ordering(agreement))
        put(doc, "delivery", self.delivery())
        put(doc, "preceding", self.preceding())
        representative = r.one(agreement, "ram:SellerTaxRepresentativeTradeParty")
        if representative is not None:
            # gobl.cii: the representative invoices for the seller, who moves to ordering.
            doc.setdefault("ordering", {})["seller"] = doc.get("supplier", {})
            doc["supplier"] = self.party(representative)
        discounts, charges = self.allowances(self.settlement, document=True)
        put(doc, "discounts", discounts)
        put(doc, "charges", charges)
        put(doc, "attachments", self.attachments(agreement))
        return doc

    # --- Header

    def date(self, element, path: str) -> str:
        """A date of format 102 (CCYYMMDD) as GOBL's YYYY-MM-DD."""
        found = self.r.one(element, f"{path}/{DATE}") if element is not None else None
        if found is None:
            found = self.r.one(element, f"{path}/qdt:DateTimeString")
        value = self.r.text(found) if found is not None else ""
        if not value:
            return ""
        if not re.fullmatch(r"\d{8}", value):
            self.r.problem(found, f"{value!r} is not a date (CCYYMMDD, format 102)")
            return ""
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"

    def tax(self, type_code: str) -> dict:
        r = self.r
        tax: dict = {"rounding": "currency"}
        put(tax, "ext", {"untdid-document-type": type_code} if type_code else {})
        breakdown = r.all(self.settlement, "ram:ApplicableTradeTax")
        point = r.text(breakdown[0], "ram:DueDateTypeCode") if breakdown else ""
        put(tax, "point", TAX_POINTS.get(point, ""))
        reasons = [
            (r.text(t, "ram:TypeCode"), self.category(t), r.text(t, "ram:ExemptionReason"))
            for t in breakdown
        ]
        put(tax, "notes", tax_notes(reasons))
        return tax

    def note(self, element) -> dict:
        found = {"text": self.r.text(element, "ram:Content")}
        subject = self.r.text(element, "ram:SubjectCode")
        if subject:
            found["ext"] = {"untdid-text-subject": subject}
        return found

    def preceding(self) -> list:
        found = []
        for element in self.r.all(self.settlement, "ram:InvoiceReferencedDocument"):
            ref: dict = {}
            put(ref, "code", self.r.text(element, "ram:IssuerAssignedID"))
            put(ref, "issue_date", self.date(element, "ram:FormattedIssueDateTime"))
            found.append(ref)
        return found

    # --- Parties

    def party(self, element) -> dict:
        if element is None:
            return {}
        r = self.r
        party: dict = {}
        put(party, "name", r.text(element, "ram:Name"))
        legal = r.one(element, "ram:SpecifiedLegalOrganization")
        trading = r.text(legal, "ram:TradingBusinessName")
        if trading and trading != party.get("name"):
            party["alias"] = trading
        identities = [
            identity
            for identity in (
                self.identity(r.one(legal, "ram:ID"), scope="legal"),
                self.identity(r.one(element, "ram:ID")),
            )
            if identity
        ]
        country = r.text(element, "ram:PostalTradeAddress/ram:CountryID")
        address = self.address(r.one(element, "ram:PostalTradeAddress"))
        put(party, "addresses", [address] if address else [])
        person = r.one(element, "ram:DefinedTradeContact")
        contact(
            party,
            r.text(person, "ram:PersonName"),
            r.text(person, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            r.text(person, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )
        uri = r.one(element, "ram:URIUniversalCommunication/ram:URIID")
        put(party, "inboxes", inbox(r.attr(uri, "", "schemeID"), r.text(uri)))
        for registration in r.all(element, "ram:SpecifiedTaxRegistration/ram:ID"):
            value, scheme = r.text(registration), registration.get("schemeID")
            if value and scheme == "VA":
                party["tax_id"] = tax_identity(value, country)
            elif value and scheme == "FC":
                identities.append(
                    {"country": country, "code": value} if country else {"code": value}
                )
        global_id = r.one(element, "ram:GlobalID")
        if global_id is not None:
            identities.append(
                {
                    "code": r.text(global_id),
                    "ext": {"iso-scheme-id": r.attr(global_id, "", "schemeID")},
                }
            )
        put(party, "identities", identities)
        return party

    def name_and_address(self, element) -> dict:
        """A party that gobl.cii reads only the name and address of (payee, ship-to)."""
        party: dict = {}
        put(party, "name", self.r.text(element, "ram:Name"))
        address = self.address(self.r.one(element, "ram:PostalTradeAddress"))
        put(party, "addresses", [address] if address else [])
        return party

    def identity(self, element, scope: str = "") -> dict:
        code = self.r.text(element) if element is not None else ""
        if not code:
            return {}
        identity = {"scope": scope, "code": code} if scope else {"code": code}
        if element.get("schemeID"):
            identity["ext"] = {"iso-scheme-id": element.get("schemeID")}
        return identity

    def address(self, element) -> dict:
        if element is None:
            return {}
        return self.r.fields(element, ADDRESS)

    # --- Taxes

    def exemption_codes(self) -> dict:
        """The exemption reason codes (BT-121) of the document's tax breakdown, by tax type,
        category and, for the standard category, rate: as gobl.cii keys them."""
        found = {}
        for element in self.r.all(self.settlement, "ram:ApplicableTradeTax"):
            code = self.r.text(element, "ram:ExemptionReasonCode")
            if code:
                found[self.exemption_key(element)] = code
        return found

    def exemption_key(self, element) -> tuple:
        category = self.category(element)
        rate = self.r.number(element, "ram:RateApplicablePercent") if category == "S" else ""
        return (self.r.text(element, "ram:TypeCode"), category, Decimal(rate or "0").normalize())

    def category(self, element) -> str:
        return self.r.text(element, "ram:CategoryCode")

    def combo(self, element) -> dict:
        scheme, category = self.r.text(element, "ram:TypeCode"), self.category(element)
        vatex = self.exemptions.get(self.exemption_key(element), "") if category else ""
        return tax_combo(
            scheme, category, self.r.number(element, "ram:RateApplicablePercent"), vatex
        )

    # --- Lines

    def line(self, element) -> dict:
        r = self.r
        item: dict = {}
        line: dict = {"quantity": "1", "item": item}
        product = r.one(element, "ram:SpecifiedTradeProduct")
        put(item, "name", r.text(product, "ram:Name"))
        quantity = r.one(element, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        if quantity is not None:
            put(line, "quantity", r.number(quantity))
            if quantity.get("unitCode"):
                item["unit"] = unit(quantity.get("unitCode"))
        agreement = r.one(element, "ram:SpecifiedLineTradeAgreement")
        item["price"] = self.price(agreement, element)
        self.product(product, item)
        notes = r.all(element, "ram:AssociatedDocumentLineDocument/ram:IncludedNote")
        put(line, "notes", [self.line_note(note) for note in notes])
        settlement = r.one(element, "ram:SpecifiedLineTradeSettlement")
        put(line, "taxes", [self.combo(tax) for tax in r.all(settlement, "ram:ApplicableTradeTax")])
        discounts, charges = self.allowances(settlement, document=False)
        put(line, "discounts", discounts)
        put(line, "charges", charges)
        put(line, "identifier", self.line_identifier(agreement))
        put(line, "order", r.text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"))
        account = "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
        put(line, "cost", r.text(settlement, account))
        put(line, "period", self.period(r.one(settlement, "ram:BillingSpecifiedPeriod")))
        return line

    def line_identifier(self, agreement) -> dict:
        """BT-128, the invoiced object: a referenced document of type 130."""
        r = self.r
        reference = r.one(agreement, "ram:AdditionalReferencedDocument")
        code = r.text(reference, "ram:IssuerAssignedID")
        if r.text(reference, "ram:TypeCode") != INVOICE_DATA_SHEET or not code:
            return {}
        identifier: dict = {"code": code}
        if r.one(reference, "ram:ReferenceTypeCode") is not None:
            identifier["ext"] = {"untdid-reference": r.text(reference, "ram:ReferenceTypeCode")}
        return identifier

    def price(self, agreement, line) -> str:
        """The net price (BT-146) of one unit."""
        r = self.r
        net = r.one(agreement, "ram:NetPriceProductTradePrice")
        if net is None:
            r.problem(line, "the line has no net price (ram:NetPriceProductTradePrice)")
            return "0"
        price = r.number(net, "ram:ChargeAmount") or "0"
        return per_base_quantity(price, r.number(net, "ram:BasisQuantity"))

    def product(self, product, item: dict) -> None:
        r = self.r
        put(item, "ref", r.text(product, "ram:SellerAssignedID"))
        identities = []
        put(item, "description", r.text(product, "ram:Description"))
        buyer = r.text(product, "ram:BuyerAssignedID")
        if buyer:
            identities.append({"code": buyer})
        global_id = r.one(product, "ram:GlobalID")
        if global_id is not None:
            identities.append(
                {
                    "code": r.text(global_id),
                    "ext": {"iso-scheme-id": r.attr(global_id, "", "schemeID")},
                }
            )
        put(item, "origin", r.text(product, "ram:OriginTradeCountry/ram:ID"))
        klass = r.one(product, "ram:DesignatedProductClassification/ram:ClassCode")
        if klass is not None:
            identity = {"code": r.text(klass)}
            put(identity, "label", klass.get("listID"))
            identities.append(identity)
        put(item, "identities", identities)
        meta = {
            meta_key(r.text(found, "ram:Description")): r.text(found, "ram:Value")
            for found in r.all(product, "ram:ApplicableProductCharacteristic")
        }
        put(item, "meta", meta)

    def line_note(self, element) -> dict:
        found: dict = {}
        put(found, "text", self.r.text(element, "ram:Content"))
        put(found, "key", self.r.text(element, "ram:SubjectCode"))
        return found

    def period(self, element) -> dict:
        if element is None:
            return {}
        found: dict = {}
        put(found, "start", self.date(element, "ram:StartDateTime"))
        put(found, "end", self.date(element, "ram:EndDateTime"))
        return found

    def allowances(self, element, document: bool) -> tuple[list, list]:
        r = self.r
        discounts, charges = [], []
        for ac in r.all(element, "ram:SpecifiedTradeAllowanceCharge"):
            charge = r.text(ac, "ram:ChargeIndicator/udt:Indicator").lower() == "true"
            item: dict = {}
            put(item, "reason", r.text(ac, "ram:Reason"))
            put(item, "amount", r.number(ac, "ram:ActualAmount"))
            code = r.text(ac, "ram:ReasonCode")
            if code:
                item["ext"] = {("untdid-charge" if charge else "untdid-allowance"): code}
            if document:
                put(item, "base", r.number(ac, "ram:BasisAmount"))
            percent = r.number(ac, "ram:CalculationPercent")
            put(item, "percent", f"{percent}%" if percent else "")
            tax = r.one(ac, "ram:CategoryTradeTax")
            if document and tax is not None and r.text(tax, "ram:TypeCode"):
                item["taxes"] = [self.combo(tax)]
            (charges if charge else discounts).append(item)
        return discounts, charges

    # --- Payment, ordering, delivery

    def payment(self) -> dict:
        r, settlement = self.r, self.settlement
        payment: dict = {}
        payee = r.one(settlement, "ram:PayeeTradeParty")
        if payee is not None:
            payment["payee"] = self.name_and_address(payee)
        put(payment, "terms", self.terms())
        means = r.one(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        if means is not None and r.text(means, "ram:TypeCode") != "1":
            payment["instructions"] = self.instructions(means)
        advances = []
        for advance in r.all(settlement, "ram:SpecifiedAdvancePayment"):
            record: dict = {"amount": r.number(advance, "ram:PaidAmount")}
            put(record, "date", self.date(advance, "ram:FormattedReceivedDateTime"))
            advances.append(record)
        prepaid = r.number(
            settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TotalPrepaidAmount"
        )
        if not advances and prepaid:
            advances = [{"amount": prepaid}]
        put(payment, "advances", advances)
        return payment

    def terms(self) -> dict:
        notes, due_dates = [], []
        terms = self.r.all(self.settlement, "ram:SpecifiedTradePaymentTerms")
        for term in terms:
            notes.append(self.r.text(term, "ram:Description"))
            date = self.date(term, "ram:DueDateDateTime")
            if date:
                due_dates.append({"date": date, **self.due_share(term, alone=len(terms) == 1)})
        found: dict = {}
        put(found, "due_dates", due_dates)
        put(found, "notes", ". ".join(note for note in notes if note))
        return found

    def due_share(self, term, alone: bool) -> dict:
        """BT-9's share: its partial amount or percent. A lone due date with neither is for
        the whole invoice (gobl.ubl's reading); gobl.cii writes a zero amount there, which
        GOBL's own rules refuse (GOBL-PAY-DUEDATE-02)."""
        amount = self.r.number(term, "ram:PartialPaymentAmount")
        percent = self.r.number(term, "ram:PartialPaymentPercent")
        if amount:
            return {"amount": amount}
        if percent or alone:
            return {"percent": f"{percent or 100}%"}
        return {}

    def instructions(self, means) -> dict:
        r, settlement = self.r, self.settlement
        found = instructions(r.text(means, "ram:TypeCode"))
        put(found, "ref", r.text(settlement, "ram:PaymentReference"))
        put(found, "detail", r.text(means, "ram:Information"))
        card = r.one(means, "ram:ApplicableTradeSettlementFinancialCard")
        if card is not None:
            found["card"] = {"last4": r.text(card, "ram:ID")[-4:]}
            put(found["card"], "holder", r.text(card, "ram:CardholderName"))
        creditor = r.one(means, "ram:PayeePartyCreditorFinancialAccount")
        if creditor is not None:
            transfer: dict = {}
            put(transfer, "iban", r.text(creditor, "ram:IBANID"))
            put(transfer, "name", r.text(creditor, "ram:AccountName"))
            put(transfer, "number", r.text(creditor, "ram:ProprietaryID"))
            put(
                transfer,
                "bic",
                r.text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
            )
            found["credit_transfer"] = [transfer]
        debit: dict = {}
        mandates = [
            r.text(term, "ram:DirectDebitMandateID")
            for term in r.all(settlement, "ram:SpecifiedTradePaymentTerms")
        ]
        put(debit, "ref", next((mandate for mandate in mandates if mandate), ""))
        put(debit, "creditor", r.text(settlement, "ram:CreditorReferenceID"))
        put(debit, "account", r.text(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"))
        put(found, "direct_debit", debit)
        return found

    def ordering(self, agreement) -> dict:
        r = self.r
        ordering: dict = {}
        put(ordering, "code", r.text(agreement, "ram:BuyerReference"))
        delivery = r.one(self.root, DELIVERY)
        references = {
            "sales": (agreement, "ram:SellerOrderReferencedDocument"),
            "purchases": (agreement, "ram:BuyerOrderReferencedDocument"),
            "contracts": (agreement, "ram:ContractReferencedDocument"),
            "despatch": (delivery, "ram:DespatchAdviceReferencedDocument"),
            "receiving": (delivery, "ram:ReceivingAdviceReferencedDocument"),
        }
        for key, (parent, path) in references.items():
            if r.one(parent, path) is not None:
                ordering[key] = [self.reference(r.text(parent, f"{path}/ram:IssuerAssignedID"))]
        project = r.one(agreement, "ram:SpecifiedProcurringProject")
        if project is not None:
            ordering["projects"] = [
                self.reference(r.text(project, "ram:ID"), r.text(project, "ram:Name"))
            ]
        period = r.one(self.settlement, "ram:BillingSpecifiedPeriod")
        if period is not None:
            found = self.period(period)
            put(found, "label", r.text(period, "ram:Description"))
            ordering["period"] = found
        for document in r.all(agreement, "ram:AdditionalReferencedDocument"):
            code, kind = r.text(document, "ram:IssuerAssignedID"), r.text(document, "ram:TypeCode")
            if kind == TENDER:
                tender = self.reference(code)
                put(tender, "issue_date", self.date(document, "ram:FormattedIssueDateTime"))
                ordering.setdefault("tender", []).append(tender)
            else:
                key = "invoice-data-sheet" if kind == INVOICE_DATA_SHEET else "ref-paper"
                identity: dict = {"key": key}
                put(identity, "code", code)
                ordering.setdefault("identities", []).append(identity)
        return ordering

    def reference(self, code: str, description: str = "") -> dict:
        found: dict = {}
        put(found, "code", code)
        put(found, "description", description)
        return found

    def delivery(self) -> dict:
        r = self.r
        element = r.one(self.root, DELIVERY)
        delivery: dict = {}
        receiver = r.one(element, "ram:ShipToTradeParty")
        if receiver is not None:
            put(delivery, "receiver", self.name_and_address(receiver))
            global_id, local_id = r.one(receiver, "ram:GlobalID"), r.text(receiver, "ram:ID")
            if global_id is not None and r.text(global_id):
                identity = {"code": r.text(global_id)}
                put(identity, "label", global_id.get("schemeID"))
                delivery["identities"] = [identity]
            elif local_id:
                delivery["identities"] = [{"code": local_id}]
        put(
            delivery,
            "date",
            self.date(
                r.one(element, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime"
            ),
        )
        return delivery

    def attachments(self, agreement) -> list:
        """BG-24 references (type 916) that point somewhere: an embedded binary object is no
        GOBL attachment (it would need a file of its own), as in gobl.cii."""
        found = []
        for document in self.r.all(agreement, "ram:AdditionalReferencedDocument"):
            if self.r.text(document, "ram:TypeCode") != ATTACHMENT:
                continue
            if self.r.one(document, "ram:AttachmentBinaryObject") is not None:
                continue
            attachment: dict = {}
            put(attachment, "code", self.r.text(document, "ram:IssuerAssignedID"))
            put(attachment, "description", self.r.text(document, "ram:Name"))
            put(attachment, "url", self.r.text(document, "ram:URIID"))
            found.append(attachment)
        return found
