"""A built GOBL invoice as a Finvoice 3.0 message, and back; and the structural checks both
the operator simulator and the import run on a received one.

Finvoice is the Finnish banks' format: an invoice is also a payment order, so the seller's
IBAN and BIC, the payment reference and the due date (EpiDetails) are mandatory, as the
`fi-finvoice-v3` add-on requires on the GOBL side. Amounts use a decimal comma and dates
the CCYYMMDD form; a credit note is type INV02 with negative amounts.

What is checked (`problems`): the elements every Finvoice 3.0 invoice needs, the version,
amount and date forms, the arithmetic (rows against the totals, VAT, the payment order's
amount) and the check digits of the Business IDs and the IBAN. No Finvoice XSD ships with
an installed package, so nothing is validated against the schema itself.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from silo.snippets import full_code

VERSION = "3.0"
OVT_SCHEME = "0216"  # the Finnish e-invoice address (OVT code) as a Peppol/GOBL inbox scheme
TYPES = {"standard": ("INV01", "LASKU"), "credit-note": ("INV02", "HYVITYSLASKU")}
PIECE = "kpl"  # kappale, the unit Finvoice rows count in when the line names none
KINDS = {code: kind for kind, (code, _) in TYPES.items()}
# Every Finvoice 3.0 invoice: (path from the root, the GOBL field it comes from, for errors).
REQUIRED = [
    ("MessageTransmissionDetails/MessageSenderDetails/FromIdentifier", "/supplier/inboxes"),
    ("MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier", "/customer/inboxes"),
    ("MessageTransmissionDetails/MessageDetails/MessageIdentifier", ""),
    ("MessageTransmissionDetails/MessageDetails/MessageTimeStamp", ""),
    ("SellerPartyDetails/SellerPartyIdentifier", "/supplier/tax_id/code"),
    ("SellerPartyDetails/SellerOrganisationName", "/supplier/name"),
    ("SellerPartyDetails/SellerPostalAddressDetails/SellerStreetName", "/supplier/addresses"),
    ("SellerPartyDetails/SellerPostalAddressDetails/SellerTownName", "/supplier/addresses"),
    (
        "SellerPartyDetails/SellerPostalAddressDetails/SellerPostCodeIdentifier",
        "/supplier/addresses",
    ),
    ("BuyerPartyDetails/BuyerOrganisationName", "/customer/name"),
    ("InvoiceDetails/InvoiceTypeCode", "/type"),
    ("InvoiceDetails/InvoiceNumber", "/code"),
    ("InvoiceDetails/InvoiceDate", "/issue_date"),
    ("InvoiceDetails/InvoiceTotalVatExcludedAmount", "/totals/total"),
    ("InvoiceDetails/InvoiceTotalVatAmount", "/totals/tax"),
    ("InvoiceDetails/InvoiceTotalVatIncludedAmount", "/totals/total_with_tax"),
    ("InvoiceRow", "/lines"),
    ("EpiDetails/EpiIdentificationDetails/EpiDate", "/issue_date"),
    ("EpiDetails/EpiIdentificationDetails/EpiReference", "/code"),
    (
        "EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier",
        "/payment/instructions/credit_transfer/0/bic",
    ),
    (
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiNameAddressDetails",
        "/supplier/name",
    ),
    (
        "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
        "/payment/instructions/credit_transfer/0/iban",
    ),
    (
        "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
        "/payment/instructions/ref",
    ),
    ("EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount", "/totals/payable"),
    ("EpiDetails/EpiPaymentInstructionDetails/EpiCharge", ""),
    (
        "EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate",
        "/payment/terms/due_dates/0/date",
    ),
]
AMOUNTS = [
    "InvoiceDetails/InvoiceTotalVatExcludedAmount",
    "InvoiceDetails/InvoiceTotalVatAmount",
    "InvoiceDetails/InvoiceTotalVatIncludedAmount",
    "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount",
]
DATES = [
    "InvoiceDetails/InvoiceDate",
    "EpiDetails/EpiIdentificationDetails/EpiDate",
    "EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate",
]


class Unconvertible(Exception):
    """The invoice lacks what Finvoice requires; `path` is the GOBL field (a JSON pointer)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Addresses:
    """The message's routing: the e-invoice addresses (OVT codes) and their operators."""

    sender: str
    receiver: str
    sender_operator: str
    receiver_operator: str


# --- GOBL to Finvoice


def to_finvoice(doc: dict, routing: Addresses, message_id: str, now: datetime) -> bytes:
    kind = doc.get("type") or "standard"
    if kind not in TYPES:
        raise Unconvertible("/type", f"Finvoice carries invoices and credit notes, not {kind}")
    sign = Decimal(-1) if kind == "credit-note" else Decimal(1)
    root = etree.Element("Finvoice", Version=VERSION)
    transmission(root, routing, message_id, now)
    seller(root, doc, routing.sender)
    buyer(root, doc, routing.receiver)
    details(root, doc, sign)
    for index, line in enumerate(doc.get("lines") or []):
        row(root, doc, line, index, sign)
    payment_order(root, doc, sign)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def transmission(root, routing: Addresses, message_id: str, now: datetime) -> None:
    found = add(root, "MessageTransmissionDetails")
    sender = add(found, "MessageSenderDetails")
    add(sender, "FromIdentifier", routing.sender)
    add(sender, "FromIntermediator", routing.sender_operator)
    receiver = add(found, "MessageReceiverDetails")
    add(receiver, "ToIdentifier", routing.receiver)
    add(receiver, "ToIntermediator", routing.receiver_operator)
    message = add(found, "MessageDetails")
    add(message, "MessageIdentifier", message_id)
    add(message, "MessageTimeStamp", now.strftime("%Y-%m-%dT%H:%M:%S"))


def seller(root, doc: dict, ovt: str) -> None:
    party = doc.get("supplier") or {}
    found = add(root, "SellerPartyDetails")
    add(found, "SellerPartyIdentifier", business_id(party, "/supplier"))
    add(found, "SellerOrganisationName", required(party.get("name"), "/supplier/name"))
    add(found, "SellerOrganisationTaxCode", vat_number(party))
    postal(found, "Seller", party, "/supplier")
    add(root, "SellerOrganisationUnitNumber", ovt)
    account = add(add(root, "SellerInformationDetails"), "SellerAccountDetails")
    transfer = credit_transfer(doc)
    add(account, "SellerAccountID", transfer["iban"], IdentificationSchemeName="IBAN")
    add(account, "SellerBic", transfer["bic"], IdentificationSchemeName="BIC")


def buyer(root, doc: dict, ovt: str) -> None:
    party = doc.get("customer") or {}
    found = add(root, "BuyerPartyDetails")
    code = (party.get("tax_id") or {}).get("code")
    if code:
        add(found, "BuyerPartyIdentifier", hyphenated(code))
    add(found, "BuyerOrganisationName", required(party.get("name"), "/customer/name"))
    if code:
        add(found, "BuyerOrganisationTaxCode", vat_number(party))
    postal(found, "Buyer", party, "/customer")
    add(root, "BuyerOrganisationUnitNumber", ovt)


def postal(parent, who: str, party: dict, path: str) -> None:
    addresses = party.get("addresses") or []
    if not addresses:
        raise Unconvertible(f"{path}/addresses", "Finvoice requires a postal address")
    address = addresses[0]
    found = add(parent, f"{who}PostalAddressDetails")
    street = " ".join(p for p in (address.get("street"), address.get("num")) if p)
    add(found, f"{who}StreetName", required(street, f"{path}/addresses/0/street"))
    add(found, f"{who}TownName", required(address.get("locality"), f"{path}/addresses/0/locality"))
    add(
        found, f"{who}PostCodeIdentifier", required(address.get("code"), f"{path}/addresses/0/code")
    )
    add(found, "CountryCode", address.get("country") or "FI")


def details(root, doc: dict, sign: Decimal) -> None:
    totals = doc.get("totals") or {}
    currency = doc.get("currency") or "EUR"
    code, text = TYPES[doc.get("type") or "standard"]
    found = add(root, "InvoiceDetails")
    add(found, "InvoiceTypeCode", code)
    add(found, "InvoiceTypeText", text)
    add(found, "OriginCode", "Original")
    add(found, "InvoiceNumber", required(full_code(doc), "/code"))
    add(found, "InvoiceDate", compact(doc.get("issue_date"), "/issue_date"), Format="CCYYMMDD")
    ordering = doc.get("ordering") or {}
    if ordering.get("code"):
        add(found, "OrderIdentifier", ordering["code"])
    money(found, "InvoiceTotalVatExcludedAmount", totals.get("total"), currency, sign)
    money(found, "InvoiceTotalVatAmount", totals.get("tax") or "0", currency, sign)
    money(found, "InvoiceTotalVatIncludedAmount", totals.get("total_with_tax"), currency, sign)
    for rate in vat_rates(doc):
        vat = add(found, "VatSpecificationDetails")
        money(vat, "VatBaseAmount", rate.get("base"), currency, sign)
        add(vat, "VatRatePercent", comma(rate.get("percent") or "0%"))
        add(vat, "VatCode", "S" if decimal(rate.get("percent") or "0") else "Z")
        money(vat, "VatRateAmount", rate.get("amount") or "0", currency, sign)
    terms = add(found, "PaymentTermsDetails")
    detail = ((doc.get("payment") or {}).get("terms") or {}).get("detail")
    if detail:
        add(terms, "PaymentTermsFreeText", detail)
    add(
        terms,
        "InvoiceDueDate",
        compact(due_date(doc), "/payment/terms/due_dates/0/date"),
        Format="CCYYMMDD",
    )


def row(root, doc: dict, line: dict, index: int, sign: Decimal) -> None:
    currency = doc.get("currency") or "EUR"
    item = line.get("item") or {}
    found = add(root, "InvoiceRow")
    add(found, "ArticleName", required(item.get("name"), f"/lines/{index}/item/name"))
    add(
        found,
        "DeliveredQuantity",
        comma(line.get("quantity") or "1"),
        QuantityUnitCode=item.get("unit") or "kpl",
    )
    money(found, "UnitPriceAmount", item.get("price") or "0", currency)
    percent = line_vat(line)
    add(found, "RowVatRatePercent", comma(percent))
    base = decimal(line.get("total") or "0")
    vat = (base * decimal(percent) / 100).quantize(Decimal("0.01"))
    money(found, "RowVatAmount", vat, currency, sign)
    money(found, "RowVatExcludedAmount", base, currency, sign)
    money(found, "RowAmount", base + vat, currency, sign)


def payment_order(root, doc: dict, sign: Decimal) -> None:
    """EpiDetails: the SEPA credit transfer the receiver's bank pays the invoice with."""
    currency = doc.get("currency") or "EUR"
    instructions = (doc.get("payment") or {}).get("instructions") or {}
    transfer = credit_transfer(doc)
    found = add(root, "EpiDetails")
    identification = add(found, "EpiIdentificationDetails")
    add(identification, "EpiDate", compact(doc.get("issue_date"), "/issue_date"), Format="CCYYMMDD")
    add(identification, "EpiReference", full_code(doc))
    parties = add(found, "EpiPartyDetails")
    bank = add(parties, "EpiBfiPartyDetails")
    add(bank, "EpiBfiIdentifier", transfer["bic"], IdentificationSchemeName="BIC")
    beneficiary = add(parties, "EpiBeneficiaryPartyDetails")
    add(beneficiary, "EpiNameAddressDetails", (doc.get("supplier") or {}).get("name"))
    add(beneficiary, "EpiBei", business_id(doc.get("supplier") or {}, "/supplier"))
    add(beneficiary, "EpiAccountID", transfer["iban"], IdentificationSchemeName="IBAN")
    order = add(found, "EpiPaymentInstructionDetails")
    reference = required(instructions.get("ref"), "/payment/instructions/ref")
    scheme = "ISO" if reference.upper().startswith("RF") else "SPY"
    add(order, "EpiRemittanceInfoIdentifier", reference, IdentificationSchemeName=scheme)
    payable = (doc.get("totals") or {}).get("payable")
    money(order, "EpiInstructedAmount", payable, currency, sign)
    add(order, "EpiCharge", ChargeOption="SLEV")
    add(
        order,
        "EpiDateOptionDate",
        compact(due_date(doc), "/payment/terms/due_dates/0/date"),
        Format="CCYYMMDD",
    )


def credit_transfer(doc: dict) -> dict:
    pointer = "/payment/instructions/credit_transfer/0"
    transfers = ((doc.get("payment") or {}).get("instructions") or {}).get("credit_transfer")
    if not transfers or not transfers[0].get("iban"):
        raise Unconvertible(f"{pointer}/iban", "Finvoice requires the seller's IBAN")
    if not transfers[0].get("bic"):
        raise Unconvertible(f"{pointer}/bic", "Finvoice requires the seller's BIC")
    return transfers[0]


def due_date(doc: dict) -> str:
    dates = ((doc.get("payment") or {}).get("terms") or {}).get("due_dates") or []
    return dates[0].get("date") if dates else ""


def vat_rates(doc: dict) -> list[dict]:
    categories = ((doc.get("totals") or {}).get("taxes") or {}).get("categories") or []
    return [r for c in categories if c.get("code") == "VAT" for r in c.get("rates") or []]


def line_vat(line: dict) -> str:
    found = next((t for t in line.get("taxes") or [] if t.get("cat") == "VAT"), {})
    return found.get("percent") or "0%"


def business_id(party: dict, path: str) -> str:
    code = (party.get("tax_id") or {}).get("code")
    return hyphenated(required(code, f"{path}/tax_id/code"))


def vat_number(party: dict) -> str:
    tax_id = party.get("tax_id") or {}
    return f"{tax_id.get('country') or 'FI'}{tax_id.get('code') or ''}"


def hyphenated(code: str) -> str:
    """A Business ID as Finvoice writes it, 2617416-4, from GOBL's 26174164."""
    digits = code.replace("-", "")
    return f"{digits[:-1]}-{digits[-1]}" if len(digits) == 8 else code


def required(value, path: str) -> str:
    if not value:
        raise Unconvertible(path, "Finvoice requires it")
    return str(value)


def compact(value, path: str) -> str:
    return required(value, path).replace("-", "")


def money(parent, name: str, value, currency: str, sign: Decimal = Decimal(1)) -> None:
    amount = (decimal(value if value is not None else "0") * sign).quantize(Decimal("0.01"))
    add(parent, name, comma(amount), AmountCurrencyIdentifier=currency)


def comma(value) -> str:
    return str(value).rstrip("%").replace(".", ",")


def decimal(value) -> Decimal:
    return Decimal(str(value).rstrip("%").replace(",", "."))


def add(parent, tag: str, text=None, **attributes):
    found = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        found.text = str(text)
    return found


# --- Checks


def problems(root) -> list[str]:
    """What makes `root` no valid Finvoice 3.0 invoice, each naming the element's path."""
    if root.tag != "Finvoice":
        return [f"/{root.tag}: not a Finvoice message"]
    found = []
    if root.get("Version") != VERSION:
        found.append(f"/Finvoice/@Version: {root.get('Version')!r}, not {VERSION}")
    found += [f"/Finvoice/{path}: required" for path, _ in REQUIRED if not present(root, path)]
    if found:
        return found
    found += [f"/Finvoice/{p}: not a date CCYYMMDD" for p in DATES if not is_date(root.findtext(p))]
    found += [f"/Finvoice/{p}: not an amount" for p in AMOUNTS if amount_of(root, p) is None]
    if found:
        return found
    return arithmetic(root) + identifiers(root)


def present(root, path: str) -> bool:
    """The element is there with something in it: text, children or attributes."""
    found = root.find(path)
    if found is None:
        return False
    return bool((found.text or "").strip()) or len(found) > 0 or bool(found.attrib)


def arithmetic(root) -> list[str]:
    excluded = amount_of(root, "InvoiceDetails/InvoiceTotalVatExcludedAmount")
    vat = amount_of(root, "InvoiceDetails/InvoiceTotalVatAmount")
    included = amount_of(root, "InvoiceDetails/InvoiceTotalVatIncludedAmount")
    found = []
    rows = [amount_of(r, "RowVatExcludedAmount") for r in root.findall("InvoiceRow")]
    if None in rows:
        found.append("/Finvoice/InvoiceRow/RowVatExcludedAmount: not an amount")
    elif sum(rows, Decimal(0)) != excluded:
        found.append(
            f"/Finvoice/InvoiceDetails/InvoiceTotalVatExcludedAmount: {excluded} is not the "
            f"rows' sum {sum(rows, Decimal(0))}"
        )
    if excluded + vat != included:
        found.append(
            f"/Finvoice/InvoiceDetails/InvoiceTotalVatIncludedAmount: {included} is not "
            f"{excluded} + {vat}"
        )
    instructed = amount_of(root, "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount")
    if instructed != included:
        found.append(
            "/Finvoice/EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount: "
            f"{instructed} is not the invoice's total {included}"
        )
    return found


def identifiers(root) -> list[str]:
    found = []
    seller = root.findtext("SellerPartyDetails/SellerPartyIdentifier") or ""
    if not valid_business_id(seller):
        found.append(
            f"/Finvoice/SellerPartyDetails/SellerPartyIdentifier: {seller!r} is no "
            "valid Business ID (check digit)"
        )
    iban = root.findtext("EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID")
    if not valid_iban(iban or ""):
        found.append(
            "/Finvoice/EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/"
            f"EpiAccountID: {iban!r} is no valid IBAN (check digits)"
        )
    return found


def valid_business_id(text: str) -> bool:
    """Y-tunnus: seven digits and a check digit (weights 7 9 10 5 8 4 2, modulo 11)."""
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        return False
    rest = sum(int(d) * w for d, w in zip(digits[:7], (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if rest == 1:
        return False
    return int(digits[7]) == (0 if rest == 0 else 11 - rest)


def valid_iban(text: str) -> bool:
    iban = text.replace(" ", "").upper()
    if len(iban) < 15 or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def is_date(text) -> bool:
    try:
        datetime.strptime(text or "", "%Y%m%d")
    except ValueError:
        return False
    return True


def amount_of(element, path: str) -> Decimal | None:
    text = element.findtext(path)
    if text is None:
        return None
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None


# --- Finvoice to GOBL


def to_gobl(root) -> dict:
    """The GOBL invoice of a checked Finvoice message (problems(root) empty): what the
    message says, for the calculator to build; its totals are recomputed, not copied."""
    code = root.findtext("InvoiceDetails/InvoiceTypeCode") or "INV01"
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["fi-finvoice-v3"],
        "type": KINDS.get(code, "standard"),
        "code": root.findtext("InvoiceDetails/InvoiceNumber"),
        "issue_date": iso_date(root.findtext("InvoiceDetails/InvoiceDate")),
        "currency": currency_of(root),
        "supplier": party_of(root, "Seller"),
        "customer": party_of(root, "Buyer"),
        "lines": [line_of(r) for r in root.findall("InvoiceRow")],
        "payment": payment_of(root),
    }
    order = root.findtext("InvoiceDetails/OrderIdentifier")
    if order:
        doc["ordering"] = {"code": order}
    return doc


def party_of(root, who: str) -> dict:
    details = root.find(f"{who}PartyDetails")
    party = {"name": details.findtext(f"{who}OrganisationName")}
    identifier = (details.findtext(f"{who}PartyIdentifier") or "").replace("-", "")
    if identifier:
        party["tax_id"] = {"country": "FI", "code": identifier}
    ovt = root.findtext(f"{who}OrganisationUnitNumber")
    if ovt:
        party["inboxes"] = [{"key": "peppol", "scheme": OVT_SCHEME, "code": ovt}]
    address = details.find(f"{who}PostalAddressDetails")
    if address is not None:
        party["addresses"] = [
            {
                "street": address.findtext(f"{who}StreetName"),
                "locality": address.findtext(f"{who}TownName"),
                "code": address.findtext(f"{who}PostCodeIdentifier"),
                "country": address.findtext("CountryCode") or "FI",
            }
        ]
    return party


def line_of(found) -> dict:
    quantity = found.find("DeliveredQuantity")
    item = {"name": found.findtext("ArticleName"), "price": plain(found, "UnitPriceAmount")}
    unit = quantity.get("QuantityUnitCode") if quantity is not None else None
    if unit and unit != PIECE:  # free text in Finvoice; a piece is GOBL's default
        item["unit"] = unit
    return {
        "quantity": plain(found, "DeliveredQuantity") or "1",
        "item": item,
        "taxes": [{"cat": "VAT", "percent": f"{plain(found, 'RowVatRatePercent') or '0'}%"}],
    }


def payment_of(root) -> dict:
    epi = "EpiDetails/EpiPartyDetails"
    return {
        "instructions": {
            "key": "credit-transfer",
            "ref": root.findtext(
                "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier"
            ),
            "credit_transfer": [
                {
                    "iban": root.findtext(f"{epi}/EpiBeneficiaryPartyDetails/EpiAccountID"),
                    "bic": root.findtext(f"{epi}/EpiBfiPartyDetails/EpiBfiIdentifier"),
                }
            ],
        },
        "terms": {
            "due_dates": [
                {
                    "date": iso_date(
                        root.findtext("EpiDetails/EpiPaymentInstructionDetails/EpiDateOptionDate")
                    ),
                    "percent": "100%",
                }
            ]
        },
    }


def currency_of(root) -> str:
    total = root.find("InvoiceDetails/InvoiceTotalVatIncludedAmount")
    return total.get("AmountCurrencyIdentifier") or "EUR"


def plain(element, path: str) -> str:
    """An amount or quantity without its sign (a credit note's are negative) or comma."""
    text = (element.findtext(path) or "").strip()
    return text.replace(",", ".").lstrip("-")


def iso_date(text: str | None) -> str:
    text = text or ""
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
