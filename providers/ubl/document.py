"""A built GOBL invoice as a UBL 2.1 Invoice or CreditNote (EN 16931, Peppol BIS Billing 3.0).

Elements are added in the order the UBL 2.1 schema declares them: UBL is an ordered schema,
so the functions below run in document order and each adds only its own elements.

The amounts are the GOBL document's own, never recalculated: the line totals, the tax rates'
bases and amounts and the document's totals go to the XML as GOBL computed them. EN 16931 has
no withholding taxes, so a retained tax (Spain's IRPF) is not a TaxSubtotal: it is counted in
PrepaidAmount, with a note naming it, so that PayableAmount is what GOBL says the customer
pays and the standard's arithmetic (BT-115 = BT-112 - BT-113 + BT-114) still holds.
"""

import base64
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from silo.snippets import full_code

from .codes import (
    CATEGORY_BY_KEY,
    CATEGORY_BY_TAX,
    CREDIT_NOTE_CODES,
    EMAIL_SCHEME,
    EXEMPTION_TEXT,
    INVOICE_CODES,
    PAYMENT_MEANS,
    SELF_BILLED,
    TYPE_CODES,
    VAT_SCHEMES,
    ZERO_RATED,
    DocType,
    unit_code,
    vat_prefix,
)

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PREFIXES = {"cbc": CBC, "cac": CAC}
VAT = "VAT"
ZERO = Decimal("0")


class Unsupported(Exception):
    """A document UBL cannot carry; `code` is the step's KO code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Attachment:
    """A file embedded as an AdditionalDocumentReference (the invoice's PDF)."""

    name: str
    mime: str
    content: bytes


@dataclass
class Invoice:
    """What the builders share: the document and facts read from it once."""

    doc: dict
    doc_type: DocType
    currency: str
    retained: set = field(default_factory=set)  # codes of the retained tax categories

    @property
    def totals(self) -> dict:
        return self.doc.get("totals") or {}

    def money(self, parent, name: str, value) -> None:
        add(parent, name, amount(value), currencyID=self.currency)


def to_ubl(doc: dict, doc_type: DocType, attachment: Attachment | None = None) -> bytes:
    """The UBL XML of `doc` (a built GOBL invoice), as UTF-8 bytes with a declaration."""
    root_name, type_code = root_and_type(doc)
    if not doc.get("lines"):
        raise Unsupported("no-lines", "UBL needs at least one line (EN 16931 BR-16)")
    if dig(doc, "tax", "prices_include"):
        # EN 16931 states net prices and line amounts; turning included tax into them would
        # need the line amounts re-rounded to match the rate bases, which GOBL does not give.
        raise Unsupported(
            "prices-include-tax", "UBL needs net prices: the invoice's prices include tax"
        )
    if not isinstance(doc.get("customer"), dict):
        raise Unsupported("no-customer", "UBL needs a customer: EN 16931 requires the buyer")
    invoice = Invoice(doc, doc_type, doc.get("currency") or "EUR", retained_categories(doc))
    root = etree.Element(
        f"{{{ROOTS[root_name]}}}{root_name}", nsmap={None: ROOTS[root_name], **PREFIXES}
    )
    header(root, invoice, root_name, type_code)
    references(root, invoice, attachment)
    party(add(root, "cac:AccountingSupplierParty"), doc["supplier"], invoice)
    party(add(root, "cac:AccountingCustomerParty"), doc["customer"], invoice)
    delivery(root, doc)
    payment(root, invoice, root_name)
    for discount in doc.get("discounts") or []:
        allowance_charge(root, invoice, discount, charge=False)
    for charge in doc.get("charges") or []:
        allowance_charge(root, invoice, charge, charge=True)
    tax_total(root, invoice)
    monetary_total(root, invoice)
    for line in doc["lines"]:
        invoice_line(root, invoice, line, root_name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Small helpers


def add(parent, tag: str, text=None, **attributes):
    """A child `prefix:Name` of `parent`, with its text and attributes (those not empty)."""
    prefix, local = tag.split(":")
    element = etree.SubElement(parent, f"{{{PREFIXES[prefix]}}}{local}")
    if text is not None:
        element.text = str(text)
    for key, value in attributes.items():
        if value not in (None, ""):
            element.set(key, str(value))
    return element


def add_if(parent, tag: str, text, **attributes):
    if text not in (None, ""):
        add(parent, tag, text, **attributes)


def decimal(value) -> Decimal:
    if value in (None, ""):
        return ZERO
    return Decimal(str(value).strip().rstrip("%"))


def amount(value) -> str:
    return str(decimal(value))


def percent(value) -> str:
    """`21.0%` as UBL's `21.0` (a percentage, not a fraction)."""
    return str(decimal(value))


def dig(data, *keys, default=None):
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and len(data) > key:
            data = data[key]
        else:
            return default
    return default if data is None else data


# --- Document type and header


def root_and_type(doc: dict) -> tuple[str, str]:
    """`Invoice` or `CreditNote`, and the UNTDID 1001 code."""
    kind = doc.get("type") or "standard"
    code = str(dig(doc, "tax", "ext", "untdid-document-type", default="")) or TYPE_CODES.get(kind)
    if code is None:
        raise Unsupported("unsupported-type", f"a {kind!r} invoice has no UBL document type")
    if "self-billed" in (doc.get("$tags") or []):
        code = SELF_BILLED.get(code, code)
    if code in CREDIT_NOTE_CODES:
        return "CreditNote", code
    if code in INVOICE_CODES:
        return "Invoice", code
    raise Unsupported("unsupported-type", f"document type {code} ({kind}) is not one Peppol takes")


def header(root, invoice: Invoice, root_name: str, type_code: str) -> None:
    doc = invoice.doc
    add(root, "cbc:CustomizationID", invoice.doc_type.customization_id)
    add(root, "cbc:ProfileID", invoice.doc_type.profile_id)
    add(root, "cbc:ID", full_code(doc))
    add(root, "cbc:IssueDate", doc.get("issue_date"))
    due = dig(doc, "payment", "terms", "due_dates", 0, "date")
    if root_name == "Invoice":
        add_if(root, "cbc:DueDate", due)
    add(root, f"cbc:{root_name}TypeCode", type_code)
    add_if(root, "cbc:Note", note_text(invoice))
    add(root, "cbc:DocumentCurrencyCode", invoice.currency)
    add_if(root, "cbc:BuyerReference", dig(doc, "ordering", "code"))
    period = dig(doc, "ordering", "period")
    if isinstance(period, dict) and (period.get("start") or period.get("end")):
        element = add(root, "cac:InvoicePeriod")
        add_if(element, "cbc:StartDate", period.get("start"))
        add_if(element, "cbc:EndDate", period.get("end"))


def note_text(invoice: Invoice) -> str:
    """The document's notes as one text: Peppol allows one note (PEPPOL-EN16931-R002)."""
    texts = [n.get("text") for n in invoice.doc.get("notes") or [] if isinstance(n, dict)]
    for category in dig(invoice.totals, "taxes", "categories", default=[]):
        if category.get("code") in invoice.retained:
            texts.append(
                f"{category['code']} retained: {amount(category.get('amount'))} "
                f"{invoice.currency}, included in the prepaid amount"
            )
    return "\n".join(t for t in texts if t)


def references(root, invoice: Invoice, attachment: Attachment | None) -> None:
    doc = invoice.doc
    purchase = dig(doc, "ordering", "purchases", 0, "code")
    if purchase:
        add(add(root, "cac:OrderReference"), "cbc:ID", purchase)
    for preceding in doc.get("preceding") or []:
        reference = add(add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        add(reference, "cbc:ID", full_code(preceding))
        add_if(reference, "cbc:IssueDate", preceding.get("issue_date"))
    contract = dig(doc, "ordering", "contracts", 0, "code")
    if contract:
        add(add(root, "cac:ContractDocumentReference"), "cbc:ID", contract)
    if attachment is not None:
        reference = add(root, "cac:AdditionalDocumentReference")
        add(reference, "cbc:ID", full_code(doc))
        add(reference, "cbc:DocumentDescription", "Invoice")
        binary = base64.b64encode(attachment.content).decode("ascii")
        add(
            add(reference, "cac:Attachment"),
            "cbc:EmbeddedDocumentBinaryObject",
            binary,
            mimeCode=attachment.mime,
            filename=attachment.name,
        )
    project = dig(doc, "ordering", "projects", 0, "code")
    if project and etree.QName(root).localname == "Invoice":
        add(add(root, "cac:ProjectReference"), "cbc:ID", project)


# --- Parties


def party(parent, data: dict, invoice: Invoice) -> None:
    element = add(parent, "cac:Party")
    scheme, code = endpoint(data)
    if code:
        add(element, "cbc:EndpointID", code, schemeID=scheme)
    for identity in data.get("identities") or []:
        scheme_id = dig(identity, "ext", "iso-scheme-id")
        if scheme_id and identity.get("code"):
            identification = add(element, "cac:PartyIdentification")
            add(identification, "cbc:ID", identity["code"], schemeID=scheme_id)
    if data.get("alias"):
        add(add(element, "cac:PartyName"), "cbc:Name", data["alias"])
    postal_address(element, data)
    tax_schemes(element, data)
    legal = add(element, "cac:PartyLegalEntity")
    add(legal, "cbc:RegistrationName", data.get("name"))
    contact(element, data)


def endpoint(data: dict) -> tuple[str, str]:
    """(EAS scheme, identifier): the party's Peppol inbox, else its VAT number, else email."""
    inboxes = [i for i in data.get("inboxes") or [] if isinstance(i, dict)]
    inboxes.sort(key=lambda i: i.get("key") != "peppol")
    for inbox in inboxes:
        code = inbox.get("code") or ""
        if inbox.get("scheme") and code:
            return inbox["scheme"], code
        scheme, _, rest = code.partition(":")
        if rest and scheme.isdigit() and len(scheme) == 4:
            return scheme, rest
    tax_id = data.get("tax_id") or {}
    country = tax_id.get("country") or ""
    if tax_id.get("code") and country in VAT_SCHEMES:
        return VAT_SCHEMES[country], vat_prefix(country) + tax_id["code"]
    for email in [i.get("email") for i in inboxes] + [
        e.get("addr") for e in data.get("emails") or [] if isinstance(e, dict)
    ]:
        if email:
            return EMAIL_SCHEME, email
    return "", ""


def postal_address(parent, data: dict) -> None:
    found = dig(data, "addresses", 0, default={})
    country = found.get("country") or dig(data, "tax_id", "country")
    address = add(parent, "cac:PostalAddress")
    street = " ".join(p for p in (found.get("street"), found.get("num")) if p)
    add_if(address, "cbc:StreetName", street or found.get("po_box"))
    add_if(address, "cbc:AdditionalStreetName", found.get("street_extra"))
    add_if(address, "cbc:CityName", found.get("locality"))
    add_if(address, "cbc:PostalZone", found.get("code"))
    add_if(address, "cbc:CountrySubentity", found.get("region") or found.get("state"))
    if country:
        add(add(address, "cac:Country"), "cbc:IdentificationCode", country)


def tax_schemes(parent, data: dict) -> None:
    """The VAT number with its country prefix (BT-31/48), and a national tax number such as
    Germany's Steuernummer as the tax registration (BT-32, scheme FC)."""
    tax_id = data.get("tax_id") or {}
    if tax_id.get("code"):
        scheme = add(parent, "cac:PartyTaxScheme")
        add(scheme, "cbc:CompanyID", vat_prefix(tax_id.get("country") or "") + tax_id["code"])
        add(add(scheme, "cac:TaxScheme"), "cbc:ID", VAT)
    for identity in data.get("identities") or []:
        if str(identity.get("key", "")).endswith("tax-number") and identity.get("code"):
            scheme = add(parent, "cac:PartyTaxScheme")
            add(scheme, "cbc:CompanyID", identity["code"])
            add(add(scheme, "cac:TaxScheme"), "cbc:ID", "FC")


def contact(parent, data: dict) -> None:
    person = dig(data, "people", 0, default={})
    name = " ".join(p for p in (dig(person, "name", "given"), dig(person, "name", "surname")) if p)
    phone = dig(data, "telephones", 0, "num") or dig(person, "telephones", 0, "num")
    email = dig(data, "emails", 0, "addr") or dig(person, "emails", 0, "addr")
    if not (name or phone or email):
        return
    element = add(parent, "cac:Contact")
    add_if(element, "cbc:Name", name)
    add_if(element, "cbc:Telephone", phone)
    add_if(element, "cbc:ElectronicMail", email)


def delivery(root, doc: dict) -> None:
    date = doc.get("op_date") or dig(doc, "delivery", "date")
    if date:
        add(add(root, "cac:Delivery"), "cbc:ActualDeliveryDate", date)


# --- Payment


def payment(root, invoice: Invoice, root_name: str) -> None:
    doc = invoice.doc
    instructions = dig(doc, "payment", "instructions")
    due = dig(doc, "payment", "terms", "due_dates", 0, "date")
    if isinstance(instructions, dict):
        payment_means(root, instructions, due if root_name == "CreditNote" else None)
    terms = dig(doc, "payment", "terms")
    if isinstance(terms, dict):
        text = terms.get("notes") or str(terms.get("key") or "").replace("-", " ").capitalize()
        if text:
            add(add(root, "cac:PaymentTerms"), "cbc:Note", text)


def payment_means(root, instructions: dict, due: str | None) -> None:
    key = instructions.get("key") or ""
    code = dig(instructions, "ext", "untdid-payment-means") or PAYMENT_MEANS.get(key)
    if code is None:
        code = PAYMENT_MEANS.get(key.split("+")[0], "1")
    means = add(root, "cac:PaymentMeans")
    add(means, "cbc:PaymentMeansCode", code, name=instructions.get("detail"))
    add_if(means, "cbc:PaymentDueDate", due)
    add_if(means, "cbc:PaymentID", instructions.get("ref"))
    card = instructions.get("card")
    if isinstance(card, dict) and card.get("last4"):
        account = add(means, "cac:CardAccount")
        add(account, "cbc:PrimaryAccountNumberID", card["last4"])
        add(account, "cbc:NetworkID", "NA")
        add_if(account, "cbc:HolderName", card.get("holder"))
    for transfer in instructions.get("credit_transfer") or []:
        number = "".join(str(transfer.get("iban") or transfer.get("number") or "").split())
        if not number:
            continue
        account = add(means, "cac:PayeeFinancialAccount")
        add(account, "cbc:ID", number)
        add_if(account, "cbc:Name", transfer.get("name"))
        if transfer.get("bic"):
            add(add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", transfer["bic"])
        break  # BG-17 may repeat in EN 16931, but UBL has one payee account per means
    debit = instructions.get("direct_debit")
    if isinstance(debit, dict) and (debit.get("ref") or debit.get("account")):
        mandate = add(means, "cac:PaymentMandate")
        add_if(mandate, "cbc:ID", debit.get("ref"))
        if debit.get("account"):
            add(add(mandate, "cac:PayerFinancialAccount"), "cbc:ID", debit["account"])


# --- Taxes


def retained_categories(doc: dict) -> set:
    categories = dig(doc, "totals", "taxes", "categories", default=[])
    return {c.get("code") for c in categories if c.get("retained")}


def classify(combo: dict, doc: dict) -> tuple[str, str | None]:
    """(UNTDID 5305 category, percent or None) of a GOBL tax combo or totals rate: its
    `untdid-tax-category` ext, else its key, else whether it has a percentage."""
    category = dig(combo, "ext", "untdid-tax-category")
    category = category or CATEGORY_BY_TAX.get(combo.get("cat") or combo.get("code"))
    category = category or CATEGORY_BY_KEY.get(combo.get("key") or "")
    given = combo.get("percent")
    if not category and given is not None:
        category = "S" if decimal(given) else "Z"
    if not category:
        category = "AE" if "reverse-charge" in (doc.get("$tags") or []) else "E"
    if category == "O":
        return category, None
    if category in ZERO_RATED:
        return category, percent(given) if given is not None and category == "Z" else "0"
    return category, percent(given) if given is not None else "0"


def line_category(line_or_discount: dict, invoice: Invoice) -> tuple[str, str | None]:
    for combo in line_or_discount.get("taxes") or []:
        if combo.get("cat") not in invoice.retained:
            return classify(combo, invoice.doc)
    return "O", None


def tax_category(parent, name: str, category: str, rate: str | None, reason=None, code=None):
    element = add(parent, name)
    add(element, "cbc:ID", category)
    add_if(element, "cbc:Percent", rate)
    add_if(element, "cbc:TaxExemptionReasonCode", code)
    add_if(element, "cbc:TaxExemptionReason", reason)
    add(add(element, "cac:TaxScheme"), "cbc:ID", VAT)
    return element


@dataclass
class Subtotal:
    category: str
    rate: str | None
    base: Decimal = ZERO
    tax: Decimal = ZERO
    reason: str = ""
    reason_code: str = ""


def subtotals(invoice: Invoice) -> list[Subtotal]:
    """One subtotal per category and rate (BR-CO-18 wants each pair once), from the GOBL
    totals' rates, plus category O for lines that carry no tax at all."""
    found: dict[tuple, Subtotal] = {}
    for category in dig(invoice.totals, "taxes", "categories", default=[]):
        if category.get("code") in invoice.retained:
            continue
        for rate in category.get("rates") or []:
            key = classify({**rate, "cat": category.get("code")}, invoice.doc)
            subtotal = found.setdefault(key, Subtotal(*key))
            subtotal.base += decimal(rate.get("base"))
            subtotal.tax += decimal(rate.get("amount"))
            subtotal.reason_code = subtotal.reason_code or dig(rate, "ext", "cef-vatex") or ""
            subtotal.reason = subtotal.reason or exemption_text(invoice, key[0], rate)
    untaxed = [line for line in invoice.doc["lines"] if line_category(line, invoice)[0] == "O"]
    if untaxed and ("O", None) not in found:
        base = sum((decimal(line.get("total")) for line in untaxed), ZERO)
        found[("O", None)] = Subtotal("O", None, base, ZERO, EXEMPTION_TEXT["O"])
    return list(found.values())


def exemption_text(invoice: Invoice, category: str, rate: dict) -> str:
    """Why a category is not taxed (required for E, AE, K, G and O): the document's tax note
    for it, else the category's standard wording."""
    if category not in EXEMPTION_TEXT:
        return ""
    for note in dig(invoice.doc, "tax", "notes", default=[]):
        same_key = note.get("key") and note.get("key") == rate.get("key")
        same_category = dig(note, "ext", "untdid-tax-category") == category
        if (same_key or same_category) and note.get("text"):
            return note["text"]
    return EXEMPTION_TEXT[category]


def tax_total(root, invoice: Invoice) -> None:
    total = add(root, "cac:TaxTotal")
    invoice.money(total, "cbc:TaxAmount", invoice.totals.get("tax"))
    for subtotal in subtotals(invoice):
        element = add(total, "cac:TaxSubtotal")
        invoice.money(element, "cbc:TaxableAmount", subtotal.base)
        invoice.money(element, "cbc:TaxAmount", subtotal.tax)
        tax_category(
            element,
            "cac:TaxCategory",
            subtotal.category,
            subtotal.rate,
            subtotal.reason,
            subtotal.reason_code,
        )


# --- Allowances, charges and totals


def allowance_charge(parent, invoice: Invoice, item: dict, charge: bool, line_sum=None) -> None:
    """A GOBL discount (allowance) or charge: of a line when `line_sum` is given (the line's
    sum is the base of its percentages), else of the document, with its tax category."""
    element = add(parent, "cac:AllowanceCharge")
    add(element, "cbc:ChargeIndicator", "true" if charge else "false")
    reason_code = dig(item, "ext", "untdid-charge" if charge else "untdid-allowance")
    add_if(element, "cbc:AllowanceChargeReasonCode", reason_code)
    reason = item.get("reason") or ("" if reason_code else ("Charge" if charge else "Discount"))
    add_if(element, "cbc:AllowanceChargeReason", reason)
    if item.get("percent"):
        add(element, "cbc:MultiplierFactorNumeric", percent(item["percent"]))
    invoice.money(element, "cbc:Amount", item.get("amount"))
    if item.get("percent"):
        # PEPPOL-EN16931-R041: a percentage needs its base.
        base = line_sum if line_sum is not None else item.get("base") or invoice.totals.get("sum")
        invoice.money(element, "cbc:BaseAmount", base)
    if line_sum is None:
        category, rate = document_category(item, invoice)
        tax_category(element, "cac:TaxCategory", category, rate)


def document_category(item: dict, invoice: Invoice) -> tuple[str, str | None]:
    """A document discount or charge's category: its own tax, else the document's only one."""
    if any(c.get("cat") not in invoice.retained for c in item.get("taxes") or []):
        return line_category(item, invoice)
    found = subtotals(invoice)
    return (found[0].category, found[0].rate) if found else ("O", None)


def monetary_total(root, invoice: Invoice) -> None:
    totals = invoice.totals
    retained = sum(
        (
            decimal(c.get("amount"))
            for c in dig(totals, "taxes", "categories", default=[])
            if c.get("code") in invoice.retained
        ),
        ZERO,
    )
    prepaid = decimal(totals.get("advance")) + retained
    element = add(root, "cac:LegalMonetaryTotal")
    invoice.money(element, "cbc:LineExtensionAmount", totals.get("sum"))
    invoice.money(element, "cbc:TaxExclusiveAmount", totals.get("total"))
    invoice.money(element, "cbc:TaxInclusiveAmount", totals.get("total_with_tax"))
    if totals.get("discount") is not None:
        invoice.money(element, "cbc:AllowanceTotalAmount", totals["discount"])
    if totals.get("charge") is not None:
        invoice.money(element, "cbc:ChargeTotalAmount", totals["charge"])
    if prepaid:
        invoice.money(element, "cbc:PrepaidAmount", prepaid)
    if totals.get("rounding") is not None:
        invoice.money(element, "cbc:PayableRoundingAmount", totals["rounding"])
    invoice.money(element, "cbc:PayableAmount", totals.get("due", totals.get("payable")))


# --- Lines


def invoice_line(root, invoice: Invoice, line: dict, root_name: str) -> None:
    element = add(root, f"cac:{root_name}Line")
    item = line.get("item") or {}
    add(element, "cbc:ID", line.get("i"))
    notes = [n.get("text") for n in line.get("notes") or [] if isinstance(n, dict)]
    add_if(element, "cbc:Note", "\n".join(t for t in notes if t))
    quantity, price = decimal(line.get("quantity") or "1"), decimal(item.get("price"))
    if price < 0:
        # BR-27: the net price is never negative, so a negative line is a negative quantity.
        quantity, price = -quantity, -price
    quantity_name = "cbc:CreditedQuantity" if root_name == "CreditNote" else "cbc:InvoicedQuantity"
    add(element, quantity_name, quantity, unitCode=unit_code(item.get("unit")))
    invoice.money(element, "cbc:LineExtensionAmount", line.get("total"))
    order_line = dig(line, "order")
    if order_line:
        add(add(element, "cac:OrderLineReference"), "cbc:LineID", order_line)
    for discount in line.get("discounts") or []:
        allowance_charge(element, invoice, discount, charge=False, line_sum=line.get("sum"))
    for charge in line.get("charges") or []:
        allowance_charge(element, invoice, charge, charge=True, line_sum=line.get("sum"))
    line_item(element, invoice, line, item)
    element_price = add(element, "cac:Price")
    add(element_price, "cbc:PriceAmount", price, currencyID=invoice.currency)


def line_item(parent, invoice: Invoice, line: dict, item: dict) -> None:
    element = add(parent, "cac:Item")
    add_if(element, "cbc:Description", item.get("description"))
    add(element, "cbc:Name", item.get("name"))
    if item.get("ref"):
        add(add(element, "cac:SellersItemIdentification"), "cbc:ID", item["ref"])
    if item.get("origin"):
        add(add(element, "cac:OriginCountry"), "cbc:IdentificationCode", item["origin"])
    category, rate = line_category(line, invoice)
    tax_category(element, "cac:ClassifiedTaxCategory", category, rate)
