"""GOBL's add-ons' named tests and guards (eu-en16931, the Spanish, Italian, German, Polish,
Greek and French ones), each written from the Go function the add-on registers under that
name (the file in GOBL is named above each group); registered with predicates.py's, whose
helpers they share. Kept apart only for length.
"""

import re
from decimal import Decimal, InvalidOperation

from ..addons import EU_MEMBERS
from .predicates import (
    BY_ASSERT,
    NAMED,
    ext_of,
    has_tax_id_code,
    identities_have_type,
    identity_keys,
    member,
    named,
    objects,
    set_has,
    tags,
)

# --- addons/eu/en16931: bill.go, org.go, pay.go, tax_combo.go

EXEMPT_TAX_CATEGORIES = ("E", "AE", "K", "G", "O")  # UNTDID 5305: need a VATEX or a note


@named("is non-exempt")
def en16931_non_exempt(combo, context) -> bool:
    return ext_of(combo).get("untdid-tax-category") in ("S", "Z", "L", "M")


def amount_is_zero(value) -> bool:
    try:
        return Decimal(str(value)) == 0
    except InvalidOperation:
        return False


@named("is due standard invoice")
def due_standard_invoice(invoice, context) -> bool:
    totals = member(invoice, "totals")
    if member(invoice, "type") != "standard" or not isinstance(totals, dict):
        return False
    if totals.get("due") is not None:
        return not amount_is_zero(totals["due"])
    return totals.get("payable") is not None and not amount_is_zero(totals["payable"])


@named("exemption notes")
def exemption_notes(invoice, context) -> bool:
    """Each exempt UNTDID category of the VAT totals without a VATEX code has a tax note
    of that category."""
    needed = set()
    for category in objects(member(invoice, "totals", "taxes", "categories")):
        if category.get("code") != "VAT":
            continue
        for rate in objects(category.get("rates")):
            ext = ext_of(rate)
            code = ext.get("untdid-tax-category")
            if code in EXEMPT_TAX_CATEGORIES and not ext.get("cef-vatex"):
                needed.add(code)
    noted = {ext_of(n).get("untdid-tax-category") for n in objects(member(invoice, "tax", "notes"))}
    return needed <= noted


def reason_or_ext(key: str):
    return lambda adjustment, context: bool(
        not isinstance(adjustment, dict) or adjustment.get("reason") or key in ext_of(adjustment)
    )


BY_ASSERT.update(
    {
        "GOBL-EU-EN16931-BILL-DISCOUNT-02": reason_or_ext("untdid-allowance"),
        "GOBL-EU-EN16931-BILL-LINEDISCOUNT-01": reason_or_ext("untdid-allowance"),
        "GOBL-EU-EN16931-BILL-CHARGE-01": reason_or_ext("untdid-charge"),
        "GOBL-EU-EN16931-BILL-LINECHARGE-01": reason_or_ext("untdid-charge"),
    }
)


@named("scheme required with code")
def inbox_scheme_with_code(inbox, context) -> bool:
    return not member(inbox, "code") or bool(member(inbox, "scheme"))


@named("code required with scheme")
def inbox_code_with_scheme(inbox, context) -> bool:
    return not member(inbox, "scheme") or bool(member(inbox, "code"))


@named("has due dates or notes")
def terms_due_dates_or_notes(terms, context) -> bool:
    if not isinstance(terms, dict):
        return True
    return bool(objects(terms.get("due_dates"))) or bool(terms.get("notes"))


# --- addons/es: verifactu, sii, tbai


def has_identity_ext(party, key: str) -> bool:
    return any(key in ext_of(i) for i in objects(member(party, "identities")))


def customer_has_tax_id_or_identity(addon: str):
    """A tax ID (even without a code), or an identity with the add-on's identity type."""
    key = f"es-{addon}-identity-type"

    def test(party, context) -> bool:
        if not isinstance(party, dict):
            return True  # a missing customer is another assertion's
        return party.get("tax_id") is not None or has_identity_ext(party, key)

    return test


BY_ASSERT.update(
    {
        "GOBL-ES-VERIFACTU-BILL-INVOICE-07": customer_has_tax_id_or_identity("verifactu"),
        "GOBL-ES-SII-BILL-INVOICE-05": customer_has_tax_id_or_identity("sii"),
        "GOBL-ES-TBAI-BILL-INVOICE-08": customer_has_tax_id_or_identity("tbai"),
    }
)


@named("no identity type ext")
def simplified_customer_without_identity_type(party, context) -> bool:
    return not has_identity_ext(party, "es-verifactu-identity-type")


@named("has non-VAT identity type")
def identity_with_non_vat_type(identity, context) -> bool:
    code = ext_of(identity).get("es-verifactu-identity-type")
    return code is not None and code != "02"


@named("verifactu vat/igic", "sii vat/igic")
def spanish_vat_or_igic(combo, context) -> bool:
    return member(combo, "cat") in ("VAT", "IGIC")


@named("exempt vat/igic")
def spanish_exempt_vat_or_igic(combo, context) -> bool:
    return member(combo, "cat") in ("VAT", "IGIC") and member(combo, "key") == "exempt"


def spanish_line_combos(lines):
    for line in objects(lines):
        for combo in objects(line.get("taxes")):
            if combo.get("cat") in ("VAT", "IGIC"):
                yield ext_of(combo)


@named("consistent product")
def sii_consistent_product(lines, context) -> bool:
    """Every VAT or IGIC combo names its es-sii-product, or none does."""
    found = {"es-sii-product" in ext for ext in spanish_line_combos(lines)}
    return len(found) < 2


@named("same regime")
def sii_same_regime(lines, context) -> bool:
    found = {ext.get("es-sii-regime") for ext in spanish_line_combos(lines)}
    return len(found) < 2


@named("has general note")
def has_general_note(notes, context) -> bool:
    return any(n.get("key") == "general" for n in objects(notes))


SPANISH_COMPANY = re.compile(r"^[ABCDEFGHJNPQRSUVW][0-9]{7}[0-9JABCDEFGHI]$")


@named("Bizkaia individual")
def bizkaia_individual(invoice, context) -> bool:
    """tbai: a supplier in Bizkaia whose NIF is not a company's."""
    if ext_of(member(invoice, "tax")).get("es-tbai-region") != "BI":
        return False
    if not isinstance(member(invoice, "supplier"), dict):
        return False
    code = member(invoice, "supplier", "tax_id", "code")
    return not (isinstance(code, str) and SPANISH_COMPANY.match(code))


# --- addons/it/sdi (and bill.RequireLineTaxCategory, which it-ticket also uses)


def italian_party(party) -> bool:
    return member(party, "tax_id", "country") == "IT"


def has_fiscal_code(party) -> bool:
    return "it-fiscal-code" in identity_keys(party)


@named("line has tax category VAT")
def line_has_vat(line, context) -> bool:
    return not isinstance(line, dict) or set_has("VAT")(line.get("taxes"), context)


@named("supplier is Italian")
def supplier_is_italian(invoice, context) -> bool:
    return italian_party(member(invoice, "supplier"))


@named("Italian customer without fiscal code")
def italian_customer_without_fiscal_code(invoice, context) -> bool:
    customer = member(invoice, "customer")
    return italian_party(customer) and not has_fiscal_code(customer)


@named("Italian customer without tax ID code")
def italian_customer_without_tax_id_code(invoice, context) -> bool:
    customer = member(invoice, "customer")
    return italian_party(customer) and not has_tax_id_code(customer, context)


@named("has fiscal code")
def identities_have_fiscal_code(identities, context) -> bool:
    return any(i.get("key") == "it-fiscal-code" for i in objects(identities))


@named("customer name check")
def sdi_customer_name(invoice, context) -> bool:
    """A name when the customer has a tax ID code, or no people."""
    customer = member(invoice, "customer")
    if not isinstance(customer, dict):
        return True
    if has_tax_id_code(customer, context) or customer.get("people") is None:
        return bool(customer.get("name"))
    return True


@named("customer people check")
def sdi_customer_people(invoice, context) -> bool:
    customer = member(invoice, "customer")
    if not isinstance(customer, dict) or customer.get("name"):
        return True
    return bool(objects(customer.get("people")))


@named("payment instructions check")
def sdi_payment_instructions(invoice, context) -> bool:
    payment = member(invoice, "payment")
    if not isinstance(payment, dict) or not objects(member(payment, "terms", "due_dates")):
        return True
    return payment.get("instructions") is not None


@named("has deferred tag")
def has_deferred_tag(invoice, context) -> bool:
    return "deferred" in tags(invoice)


@named("no deferred tag")
def no_deferred_tag(invoice, context) -> bool:
    return "deferred" not in tags(invoice)


@named("is fund contribution")
def fund_contribution(charge, context) -> bool:
    key = member(charge, "key")
    return isinstance(key, str) and "fund-contribution" in key.split("+")


@named("street or postbox")
def street_or_postbox(address, context) -> bool:
    return not isinstance(address, dict) or bool(address.get("street") or address.get("po_box"))


@named("Italian address")
def italian_address(address, context) -> bool:
    return member(address, "country") == "IT"


@named("is retained tax")
def italian_retained_tax(combo, context) -> bool:
    return member(combo, "cat") in ("IRPEF", "IRES", "INPS", "ENPAM", "ENASARCO", "CP")


# --- addons/de/xrechnung: bill_invoices.go


def first_address(addresses) -> dict | None:
    found = objects(addresses)
    return found[0] if isinstance(addresses, list) and addresses and found else None


@named("has locality")
def first_address_has_locality(addresses, context) -> bool:
    first = first_address(addresses)
    return first is None or bool(first.get("locality"))  # no address: another assertion's


@named("has code")
def first_address_has_code(addresses, context) -> bool:
    first = first_address(addresses)
    return first is None or bool(first.get("code"))


def party_or_first_person_has(name: str):
    def test(party, context) -> bool:
        if not isinstance(party, dict) or objects(party.get(name)):
            return True
        people = objects(party.get("people"))
        return bool(people) and bool(objects(people[0].get(name)))

    return test


NAMED["has telephones"] = party_or_first_person_has("telephones")
NAMED["has emails"] = party_or_first_person_has("emails")


def key_has(part: str):
    """cbc.Key.Has: one of the key's `+` parts."""

    def test(value, context) -> bool:
        key = member(value, "key")
        return isinstance(key, str) and part in key.split("+")

    return test


NAMED["has credit-transfer key"] = key_has("credit-transfer")
NAMED["has card key"] = key_has("card")
NAMED["has direct-debit key"] = key_has("direct-debit")


@named("no IBAN")
def credit_transfer_without_iban(transfer, context) -> bool:
    return isinstance(transfer, dict) and not transfer.get("iban")


# --- addons/pl/favat: bill.go


def first_address_has(name: str):
    def test(addresses, context) -> bool:
        first = first_address(addresses)
        return first is None or bool(first.get(name))  # no address: another assertion's

    return test


NAMED["first address country"] = first_address_has("country")
NAMED["first address street"] = first_address_has("street")


def favat_customer_role(flag: str, role: str):
    """A customer flagged as a JST or VAT-group member names the identity in that role."""

    def test(invoice, context) -> bool:
        customer = member(invoice, "customer")
        if not isinstance(customer, dict) or ext_of(customer).get(flag) != "1":
            return True
        return any(
            ext_of(i).get("pl-favat-third-party-role") == role and i.get("code")
            for i in objects(customer.get("identities"))
        )

    return test


NAMED["JST identity"] = favat_customer_role("pl-favat-jst", "8")
NAMED["GroupVAT identity"] = favat_customer_role("pl-favat-group-vat", "10")


def favat_exemption_notes(invoice) -> int:
    return sum(
        1
        for n in objects(member(invoice, "notes"))
        if n.get("key") == "legal" and n.get("src") == "pl-favat-exemption"
    )


@named("exemption note present")
def favat_exemption_note_present(invoice, context) -> bool:
    if not ext_of(member(invoice, "tax")).get("pl-favat-exemption"):
        return True
    return favat_exemption_notes(invoice) > 0


@named("single exemption note")
def favat_single_exemption_note(invoice, context) -> bool:
    return favat_exemption_notes(invoice) <= 1


# --- addons/gr/mydata: bill_invoices.go, bill_charges.go, tax_combo.go

GREEK_INCOME = ("gr-mydata-income-cat", "gr-mydata-income-type")


@named("requires customer")
def mydata_requires_customer(invoice, context) -> bool:
    """Invoice types of the 1.x, 2.x and 5.x families are issued to a known customer."""
    if not isinstance(member(invoice, "tax"), dict):
        return False
    code = ext_of(member(invoice, "tax")).get("gr-mydata-invoice-type")
    return isinstance(code, str) and code.startswith(("1.", "2.", "5."))


@named("income ext pair")
def mydata_income_pair(ext, context) -> bool:
    if not isinstance(ext, dict):
        return True
    return len({key in ext for key in GREEK_INCOME}) == 1  # both or neither


@named("has instructions or advances")
def payment_instructions_or_advances(payment, context) -> bool:
    if not isinstance(payment, dict) or objects(payment.get("advances")):
        return True
    return payment.get("instructions") is not None


@named("stamps have iapr-mark")
def stamps_have_iapr_mark(stamps, context) -> bool:
    return any(s.get("prv") == "iapr-mark" for s in objects(stamps))


def mydata_charge_type(code: str):
    return lambda charge, context: ext_of(charge).get("gr-mydata-tax-type") == code


NAMED["tax type is fee"] = mydata_charge_type("2")
NAMED["tax type is other tax"] = mydata_charge_type("3")
NAMED["tax type is stamp duty"] = mydata_charge_type("4")


@named("VAT with income ext")
def vat_with_income_ext(combo, context) -> bool:
    ext = ext_of(combo)
    return member(combo, "cat") == "VAT" and any(key in ext for key in GREEK_INCOME)


# --- addons/fr/choruspro: bill.go, org_party.go


@named("framework is paid")
def choruspro_framework_paid(invoice, context) -> bool:
    return ext_of(member(invoice, "tax")).get("fr-choruspro-framework") == "A2"


@named("paid")
def totals_paid(totals, context) -> bool:
    """bill.Totals.Paid: a due amount of zero (advances cover the payable)."""
    due = member(totals, "due")
    return due is not None and amount_is_zero(due)


NOT_1 = ("", None, "1")  # no scheme, or scheme 1


def choruspro_scheme(party):
    return ext_of(party).get("fr-choruspro-scheme")


NAMED["party scheme is 1"] = lambda party, context: choruspro_scheme(party) == "1"
NAMED["party scheme is 2"] = lambda party, context: choruspro_scheme(party) == "2"
NAMED["party scheme is 3"] = lambda party, context: choruspro_scheme(party) == "3"
NAMED["party scheme is not 1"] = lambda party, context: choruspro_scheme(party) not in NOT_1

NAMED["has SIRET"] = identities_have_type("SIRET")


@named("no SIRET")
def no_siret(identities, context) -> bool:
    return not identities_have_type("SIRET")(identities, context)


@named("EU member")
def eu_member(country, context) -> bool:
    return not country or country in EU_MEMBERS


@named("non-EU")
def not_eu_member(country, context) -> bool:
    return not country or country not in EU_MEMBERS


# --- addons/co/dian: bill_invoices.go


def colombian(party) -> bool:
    return member(party, "tax_id", "country") == "CO"


def colombian_with_code(party) -> bool:
    return colombian(party) and bool(member(party, "tax_id", "code"))


for role in ("supplier", "customer"):
    NAMED[f"colombian {role}"] = lambda party, context: colombian(party)
    NAMED[f"colombian {role} with code"] = lambda party, context: colombian_with_code(party)


# --- addons/ar/arca: bill_invoice.go, bill_charges.go, extensions.go (document types)

ARCA_A = frozenset(
    ["1", "2", "3", "4", "5", "34", "39", "51", "52", "53", "54", "60", "63", "201", "202", "203"]
)
ARCA_B = frozenset(["6", "7", "8", "9", "10", "35", "40", "61", "64", "206", "207", "208"])
ARCA_C = frozenset(["11", "12", "13", "15", "211", "212", "213"])
ARCA_T = frozenset(["195", "196", "197"])
ARCA_CREDIT_NOTES = frozenset(["3", "8", "13", "53", "197", "203", "208", "213"])
ARCA_DEBIT_NOTES = frozenset(["2", "7", "12", "52", "196", "202", "207", "212"])
ARCA_USED_GOODS = "49"
ARCA_VAT_STATUSES_A = frozenset(("1", "6", "13", "16"))


def arca_doc_type(invoice):
    return ext_of(member(invoice, "tax")).get("ar-arca-doc-type")


def arca_concept(invoice):
    return ext_of(member(invoice, "tax")).get("ar-arca-concept")


def arca_type_and_doc_type(invoice_type: str, doc_types: frozenset, *, from_doc_type: bool):
    """ARCA-05..08: a credit (debit) note has a credit (debit) note document type, and the
    other way round."""

    def test(invoice, context) -> bool:
        typed = member(invoice, "type") == invoice_type
        in_doc_types = arca_doc_type(invoice) in doc_types
        return (not in_doc_types or typed) if from_doc_type else (not typed or in_doc_types)

    return test


NAMED["type matches doc type credit note"] = arca_type_and_doc_type(
    "credit-note", ARCA_CREDIT_NOTES, from_doc_type=False
)
NAMED["type matches doc type debit note"] = arca_type_and_doc_type(
    "debit-note", ARCA_DEBIT_NOTES, from_doc_type=False
)
NAMED["doc type credit note matches type"] = arca_type_and_doc_type(
    "credit-note", ARCA_CREDIT_NOTES, from_doc_type=True
)
NAMED["doc type debit note matches type"] = arca_type_and_doc_type(
    "debit-note", ARCA_DEBIT_NOTES, from_doc_type=True
)


@named("valid series")
def arca_series(series, context) -> bool:
    """A point of sale: a number from 1 to 99998."""
    if not isinstance(series, str) or not series:
        return True
    return series.isdigit() and 1 <= int(series) <= 99998


@named("customer required")
def arca_customer_required(invoice, context) -> bool:
    return arca_doc_type(invoice) not in ARCA_B | {ARCA_USED_GOODS}


@named("has tax ID or identity")
def arca_customer_tax_id_or_identity(party, context) -> bool:
    if not isinstance(party, dict) or party.get("tax_id") is not None:
        return True
    return any("ar-arca-identity-type" in ext_of(i) for i in objects(party.get("identities")))


def arca_customer_vat_status(doc_types: frozenset, allowed):
    """ARCA-12..14: the customer's VAT status a document type allows (no status: 11's)."""

    def test(invoice, context) -> bool:
        customer = member(invoice, "customer")
        if not isinstance(customer, dict) or arca_doc_type(invoice) not in doc_types:
            return True
        status = ext_of(customer).get("ar-arca-vat-status")
        return not status or allowed(status)

    return test


NAMED["doc type 49 vat status"] = arca_customer_vat_status(
    frozenset((ARCA_USED_GOODS,)), lambda status: status == "5"
)
NAMED["doc type A vat status"] = arca_customer_vat_status(
    ARCA_A, lambda status: status in ARCA_VAT_STATUSES_A
)
NAMED["doc type B vat status"] = arca_customer_vat_status(
    ARCA_B, lambda status: status not in ARCA_VAT_STATUSES_A
)
NAMED["doc type is A, B, or C"] = lambda invoice, context: arca_doc_type(invoice) not in ARCA_T
NAMED["doc type is C"] = lambda invoice, context: arca_doc_type(invoice) in ARCA_C
NAMED["doc type is T"] = lambda invoice, context: arca_doc_type(invoice) in ARCA_T
NAMED["concept is services"] = lambda invoice, context: arca_concept(invoice) in ("2", "3")
NAMED["concept is goods"] = lambda invoice, context: arca_concept(invoice) == "1"


@named("key is tax")
def charge_key_is_tax(charge, context) -> bool:
    key = member(charge, "key")
    return isinstance(key, str) and "tax" in key.split("+")


NAMED["has tax type ext"] = lambda charge, context: "ar-arca-tax-type" in ext_of(charge)
NAMED["tax type is other"] = lambda charge, context: ext_of(charge).get("ar-arca-tax-type") == "99"


# --- addons/it/ticket: tax_combo.go

# The VAT percentages a receipt may carry (Italy's rates and its agricultural compensations).
TICKET_PERCENTAGES = frozenset(
    Decimal(p)
    for p in [
        "2",
        "4",
        "5",
        "6.4",
        "7",
        "7.3",
        "7.5",
        "7.65",
        "7.95",
        "8.3",
        "8.5",
        "8.8",
        "9.5",
        "12.3",
        "10",
        "22",
    ]
)


def ticket_percentage(percent, context) -> bool:
    if not isinstance(percent, str):
        return True
    try:
        return Decimal(percent.rstrip("%")) in TICKET_PERCENTAGES
    except InvalidOperation:
        return True  # not a percentage: the schema's fault


BY_ASSERT["GOBL-IT-TICKET-TAX-COMBO-02"] = ticket_percentage
