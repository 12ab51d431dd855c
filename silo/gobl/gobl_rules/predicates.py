"""GOBL's named tests and guards ("has tax point", "not simplified", "colombian supplier"),
each written from the Go function GOBL registers under that name (the file in GOBL is named
above each group), over the JSON of the object the test receives.

A predicate that cannot be sure (a malformed member the schema reports anyway) answers as
GOBL answers for the zero value, which for a test is mostly "passes".
"""

import re
import uuid as uuid_module
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stdnum import luhn
from stdnum.it import codicefiscale
from stdnum.no import orgnr

from .. import amounts as num
from ..addons import is_registered
from ..extensions import EXTENSION_KEYS
from ..identities import SINGAPORE_UEN, TAX_CODE_CHECKS, valid_tax_code, valid_uk_vat
from ..regimes import KNOWN_CURRENCIES, currency_decimals, regime_for
from .types import FIELDS, root_type

NAMED: dict = {}
# Tests GOBL names alike in every country ("valid") but checks by the country of the set:
# by the code of the assert they belong to.
BY_ASSERT: dict = {}


def named(*names: str):
    def register(function):
        for name in names:
            NAMED[name] = function
        return function

    return register


def member(value, *names):
    """value[names[0]][names[1]]...; None where a step is missing or not an object."""
    for name in names:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def objects(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def ext_of(value) -> dict:
    ext = member(value, "ext")
    return ext if isinstance(ext, dict) else {}


def tags(doc) -> list:
    found = member(doc, "$tags")
    return found if isinstance(found, list) else []


# --- tax/addons.go


@named("add-on must be registered")
def addon_registered(key, context) -> bool:
    """A document built here holds registered add-ons only (addons.with_requirements)."""
    return not isinstance(key, str) or is_registered(key)


# --- bill/invoice.go, bill/line.go, bill/discount.go, bill/charge.go


@named("has tax point")
def has_tax_point(invoice, context) -> bool:
    return bool(member(invoice, "tax", "point"))


@named("has tax ID code")
def has_tax_id_code(party, context) -> bool:
    return bool(member(party, "tax_id", "code"))


@named("no tax ID code")
def no_tax_id_code(party, context) -> bool:
    return not has_tax_id_code(party, context)


@named("no discounts or charges")
def no_discounts_or_charges(invoice, context) -> bool:
    return not member(invoice, "discounts") and not member(invoice, "charges")


@named("item has price")
def item_has_price(line, context) -> bool:
    return member(line, "item", "price") is not None


@named("Base != nil")
def has_base(adjustment, context) -> bool:
    return member(adjustment, "base") is not None


@named("Base != nil || Percent != nil")
def has_base_or_percent(charge, context) -> bool:
    return member(charge, "base") is not None or member(charge, "percent") is not None


@named("Quantity == nil")
def no_quantity(charge, context) -> bool:
    return member(charge, "quantity") is None


@named("Quantity != nil")
def has_quantity(charge, context) -> bool:
    return member(charge, "quantity") is not None


def invoice_type_is(*types: str):
    return lambda invoice, context: member(invoice, "type") in types


@named("not simplified", "non-simplified")
def not_simplified(invoice, context) -> bool:
    return "simplified" not in tags(invoice)


@named("simplified")
def simplified(invoice, context) -> bool:
    return "simplified" in tags(invoice)


# --- org/name.go, org/identity.go, org/inbox.go


@named('Surname == ""')
def no_surname(name, context) -> bool:
    return not member(name, "surname")


@named('Given == ""')
def no_given_name(name, context) -> bool:
    return not member(name, "given")


@named("key and type must not be used together")
def key_or_type(identity, context) -> bool:
    return not (member(identity, "key") and member(identity, "type"))


@named("one of code, url, email required")
def inbox_has_address(inbox, context) -> bool:
    return any(member(inbox, name) for name in ("code", "url", "email"))


@named("url exclusive")
def inbox_url_alone(inbox, context) -> bool:
    return not member(inbox, "url") or not (member(inbox, "code") or member(inbox, "email"))


@named("email exclusive")
def inbox_email_alone(inbox, context) -> bool:
    return not member(inbox, "email") or not (member(inbox, "code") or member(inbox, "url"))


# --- Strings: govalidator's URL and e-mail, as lenient as GOBL's (a host is enough)

URL = re.compile(r"^((https?|ftp)://)?[^\s/$.?#][^\s]*\.[^\s]+$|^(https?|ftp)://localhost", re.I)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@named("url")
def is_url(value, context) -> bool:
    return isinstance(value, str) and bool(URL.match(value))


@named("email-format")
def is_email(value, context) -> bool:
    return not isinstance(value, str) or bool(EMAIL.match(value))


@named("valid uri")
def is_uri(value, context) -> bool:
    return isinstance(value, str) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value))


@named("latin1")
def is_latin1(value, context) -> bool:
    """it-sdi: FatturaPA's text is ISO 8859-1."""
    return not isinstance(value, str) or all(ord(c) < 256 for c in value)


@named("is a regexp")
def is_regexp(value, context) -> bool:
    try:
        re.compile(value)
    except (re.error, TypeError):
        return False
    return True


# --- cal, uuid, currency


@named("valid date")
def is_date(value, context) -> bool:
    if value is None or value == "":
        return True
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


@named("valid date time", "valid timestamp")
def is_date_time(value, context) -> bool:
    if value is None or value == "":
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        return False
    return True


@named("end not before start")
def period_in_order(period, context) -> bool:
    start, end = member(period, "start"), member(period, "end")
    return not (isinstance(start, str) and isinstance(end, str) and end < start)


@named("is valid UUID")
def is_uuid(value, context) -> bool:
    try:
        uuid_module.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


@named("has timestamp")
def uuid_has_timestamp(value, context) -> bool:
    """head.Header: a UUID of version 1 or 7, which carry their time."""
    try:
        return uuid_module.UUID(value).version in (1, 7)
    except (TypeError, ValueError, AttributeError):
        return False


@named("valid currency code")
def is_currency(value, context) -> bool:
    return not value or value in KNOWN_CURRENCIES


def can_convert_to(*currencies: str):
    """currency/exchange_rate.go CanConvertInto: the document is in one of the currencies,
    or gives a rate from its currency into one of them."""

    def test(doc, context) -> bool:
        currency = member(doc, "currency")
        if not currency or currency in currencies:
            return True
        rates = objects(member(doc, "exchange_rates"))
        return any(r.get("from") == currency and r.get("to") in currencies for r in rates)

    return test


@named("valid time zone")
def is_time_zone(value, context) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


# --- tax/set.go


def set_has(*categories: str, every: bool = False):
    def test(taxes, context) -> bool:
        if isinstance(taxes, str):  # a combo's own category
            return taxes in categories
        found = {c.get("cat") for c in objects(taxes)}
        wanted = [c in found for c in categories]
        return all(wanted) if every else any(wanted)

    return test


@named("no duplicate categories")
def unique_categories(taxes, context) -> bool:
    if not isinstance(taxes, list) or len(taxes) < 2:
        return True  # most lines have one tax
    found = [c.get("cat") for c in objects(taxes)]
    return len(found) == len(set(found))


@named("!Retained || !Informative")
def not_retained_and_informative(category, context) -> bool:
    return not (member(category, "retained") and member(category, "informative"))


@named("string(Code) != '' || string(Key) != ''")
def code_or_key(definition, context) -> bool:
    return bool(member(definition, "code") or member(definition, "key"))


# --- pay, head


@named("no duplicate stamps")
def unique_stamps(stamps, context) -> bool:
    found = [s.get("prv") for s in objects(stamps)]
    return len(found) == len(set(found))


@named("no duplicate links")
def unique_links(links, context) -> bool:
    found = [s.get("key") for s in objects(links)]
    return len(found) == len(set(found))


@named("no digest without MIME")
def digest_has_mime(link, context) -> bool:
    return not member(link, "digest") or bool(member(link, "mime"))


# Link categories and MIME types GOBL accepts (head/link.go): EN 16931's types and a few more.
LINK_CATEGORIES = frozenset(
    ("format", "portal", "request", "response", "agreement", "verification", "attachment")
)
LINK_MIMES = frozenset(
    (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "text/html",
        "application/xml",
        "text/xml",
        "application/json",
    )
)
BY_ASSERT["GOBL-HEAD-LINK-02"] = lambda key, context: not key or key in LINK_CATEGORIES
BY_ASSERT["GOBL-HEAD-LINK-05"] = lambda mime, context: not mime or mime in LINK_MIMES


# --- envelope.go: what an envelope's header says of its document and signatures
# Documents that say whether they can be signed (CanSign): those with a code.
SIGNED_WITH_CODE = frozenset(("bill.Invoice", "bill.Order", "bill.Payment", "bill.Delivery"))


@named("doc has payload")
def doc_has_payload(doc, context) -> bool:
    """GOBL reads a document of a schema it knows into its type; of any other, it has none."""
    return root_type(member(doc, "$schema")) in FIELDS


@named("valid digest")
def digest_matches(envelope, context) -> bool:
    # Imported here: the envelope module checks its documents with these rules.
    from ..envelope import digest

    doc, dig = member(envelope, "doc"), member(envelope, "head", "dig")
    if not isinstance(doc, dict) or not isinstance(dig, dict):
        return False
    return (dig.get("alg"), dig.get("val")) == tuple(digest(doc).values())


@named("not signed")
def not_signed(envelope, context) -> bool:
    return isinstance(envelope, dict) and not envelope.get("sigs")


@named("has signatures")
def has_signatures(envelope, context) -> bool:
    return isinstance(envelope, dict) and bool(envelope.get("sigs"))


@named("no stamps")
def no_stamps(envelope, context) -> bool:
    return not member(envelope, "head", "stamps")


@named("ready to sign")
def ready_to_sign(envelope, context) -> bool:
    doc = member(envelope, "doc")
    if not isinstance(doc, dict):
        return False
    return root_type(doc.get("$schema")) not in SIGNED_WITH_CODE or bool(doc.get("code"))


# --- cbc/code.go, tax/rate_def.go

KEY = re.compile(r"^(?:[a-z]|[a-z0-9][a-z0-9-+]*[a-z0-9])$")


@named("valid keys")
def code_map_keys_valid(codes, context) -> bool:
    return not isinstance(codes, dict) or all(len(k) <= 64 and KEY.match(k) for k in codes)


@named("date order")
def rate_values_in_order(values, context) -> bool:
    """Newest first: a value without extensions starts before the one above it (GOBL skips
    those with extensions, and compares only valid dates)."""
    previous = None
    for value in objects(values):
        if value.get("ext"):
            continue
        since = value.get("since")
        if is_iso_date(previous) and is_iso_date(since) and since >= previous:
            return False
        previous = since
    return True


# --- bill/payment.go, bill/payment_line.go


@named("methods sum")
def methods_sum_to_total(payment, context) -> bool:
    """What the methods paid, each converted to the payment's currency, is its total; a
    method in a currency without an exchange rate fails too."""
    methods, currency = objects(member(payment, "methods")), member(payment, "currency")
    if not methods:
        return True
    try:
        total = num.parse(payment.get("total") or "0")
        places = currency_decimals(currency)
        paid = num.rescale(Decimal(0), places)
        for method in methods:
            amount = num.parse(method.get("amount") or "0")
            source = method.get("currency") or currency
            if source != currency:
                rate = exchange_rate(payment, source, currency)
                if rate is None:
                    return False
                amount = num.rescale(num.mul(amount, rate), places)
            paid = num.add(paid, amount)
    except num.AmountError:
        return True  # the amount's own rule says why
    return paid == total


def exchange_rate(doc: dict, source, target) -> Decimal | None:
    for rate in objects(doc.get("exchange_rates")):
        if (rate.get("from"), rate.get("to")) == (source, target):
            return num.parse(rate.get("amount") or "0")
    return None


def line_figures(line) -> dict:
    """A payment line's payable, advances and amount, None where absent or no amount."""
    figures = {}
    for name in ("payable", "advances", "amount"):
        try:
            value = member(line, name)
            figures[name] = num.parse(value) if value is not None else None
        except num.AmountError:
            figures[name] = None
    return figures


@named("advances within payable")
def advances_within_payable(line, context) -> bool:
    figures = line_figures(line)
    payable, advances = figures["payable"], figures["advances"]
    return payable is None or advances is None or advances <= payable


@named("amount within limit")
def amount_within_limit(line, context) -> bool:
    figures = line_figures(line)
    if figures["payable"] is None:
        return True
    most = figures["payable"] - (figures["advances"] or 0)
    return most < 0 or (figures["amount"] or 0) <= most


# --- Portugal: regimes/pt/bill_invoice.go (ISO dates compare as text)


def is_iso_date(value) -> bool:
    return isinstance(value, str) and len(value) == 10


def after(day, other) -> bool:
    return is_iso_date(day) and is_iso_date(other) and day > other


@named("value date not after issue date")
def value_date_in_time(invoice, context) -> bool:
    return not after(member(invoice, "value_date"), member(invoice, "issue_date"))


@named("operation date not after issue date")
def op_date_in_time(invoice, context) -> bool:
    return not after(member(invoice, "op_date"), member(invoice, "issue_date"))


@named("preceding dates not after issue date")
def preceding_in_time(invoice, context) -> bool:
    issued = member(invoice, "issue_date")
    return not any(
        after(r.get("issue_date"), issued) for r in objects(member(invoice, "preceding"))
    )


@named("advance dates not after issue date")
def advances_in_time(invoice, context) -> bool:
    issued = member(invoice, "issue_date")
    advances = objects(member(invoice, "payment", "advances"))
    return not any(after(a.get("date"), issued) for a in advances)


@named("due dates not before issue date")
def due_dates_in_time(invoice, context) -> bool:
    issued = member(invoice, "issue_date")
    due_dates = objects(member(invoice, "payment", "terms", "due_dates"))
    return not any(after(issued, d.get("date")) for d in due_dates)


# --- Tax combos, as several regimes and add-ons test them


def category_is(*codes: str):
    return lambda combo, context: member(combo, "cat") in codes


@named("has percent")
def has_percent(combo, context) -> bool:
    return member(combo, "percent") is not None


@named("VAT without percent", "VAT with no percent")
def vat_without_percent(combo, context) -> bool:
    return member(combo, "cat") == "VAT" and member(combo, "percent") is None


@named("is outside scope")
def outside_vat(combo, context) -> bool:
    """eu-en16931: a tax outside VAT (and Spain's IGIC and IPSI), such as a retained tax."""
    return member(combo, "cat") not in ("VAT", "IGIC", "IPSI")


@named("has outside scope")
def sii_outside_scope(ext, context) -> bool:
    """es-sii, on a combo's extensions."""
    return isinstance(ext, dict) and "es-sii-outside-scope" in ext


@named("general note")
def is_general_note(note, context) -> bool:
    return member(note, "key") == "general"


NAMED.update(
    {
        "invoice type in [corrective]": invoice_type_is("corrective"),
        'string(Category) == "VAT"': category_is("VAT"),
        "category is VAT": category_is("VAT"),
        "is VAT": category_is("VAT"),
        "is IGIC": category_is("IGIC"),
        "is IPSI": category_is("IPSI"),
        "one of [VAT, IGIC, IPSI]": set_has("VAT", "IGIC", "IPSI"),
        "one of [VAT]": set_has("VAT"),
        "all of [VAT]": set_has("VAT", every=True),
        "can convert to [EUR]": can_convert_to("EUR"),
        "can convert to [ARS]": can_convert_to("ARS"),
        "can convert to [COP]": can_convert_to("COP"),
        "can convert to [PLN]": can_convert_to("PLN"),
    }
)


# --- regimes/<cc>/tax_identity.go: a tax code's format and check digits (identities.py)


def tax_code_of(country: str):
    return lambda code, context: not isinstance(code, str) or valid_tax_code(country, code)


BY_ASSERT.update(
    {f"GOBL-{country}-TAX-IDENTITY-01": tax_code_of(country) for country in TAX_CODE_CHECKS}
)


@named("not-zeros")
def uk_vat_not_zeros(code, context) -> bool:
    """regimes/gb: a number of zeros only is no VAT number (GD and HA codes are not numbers)."""
    return not isinstance(code, str) or code.startswith(("GD", "HA")) or code.strip("0") != ""


BY_ASSERT["GOBL-GB-TAX-IDENTITY-03"] = lambda code, context: (
    not isinstance(code, str) or valid_uk_vat(code)
)


# --- tax/combo.go: a combo against the regime's catalogue (silo/gobl/regimes.py), that of
# its own `country` when it names one; a combo of a country GOBL has no regime for passes.


def combo_category(combo, context):
    """The combo's category in its regime: (None, True) when there is no regime to check
    against, (None, False) when the regime has no such category."""
    country = member(combo, "country")
    regime = regime_for(country if country else context.regime)
    if regime is None:
        return None, True
    return regime.category(member(combo, "cat")), False


@named("category in regime")
def combo_category_valid(combo, context) -> bool:
    category, unchecked = combo_category(combo, context)
    return unchecked or category is not None


@named("key in category")
def combo_key_valid(combo, context) -> bool:
    key = member(combo, "key")
    if not key:
        return True
    category, _ = combo_category(combo, context)
    return category is None or key in category.keys


@named("rate in key")
def combo_rate_valid(combo, context) -> bool:
    """GOBL's CategoryDef.RateDef: a rate for the combo's key (a rate without keys is one
    for no key), named exactly or by the first part of a `general+eqs` rate."""
    rate = member(combo, "rate")
    if not rate:
        return True
    category, _ = combo_category(combo, context)
    if category is None:
        return True
    key = member(combo, "key") or ""
    first = rate.split("+", 1)[0]
    for candidate in category.rates:
        for_key = key in candidate.keys if candidate.keys else not key
        if for_key and candidate.rate in (rate, first):
            return True
    return False


@named("percent valid for key")
def combo_percent_valid(combo, context) -> bool:
    category, _ = combo_category(combo, context)
    if category is None:
        return True
    has_percent = member(combo, "percent") is not None
    key = member(combo, "key")
    if not key:
        return has_percent
    if key not in category.keys:
        return True  # an unknown key: GOBL-TAX-COMBO-02's
    return not has_percent if category.keys[key] else has_percent


@named("surcharge requires percent")
def combo_surcharge_valid(combo, context) -> bool:
    return member(combo, "surcharge") is None or member(combo, "percent") is not None


@named("extension keys defined")
def combo_extensions_valid(combo, context) -> bool:
    return all(key in EXTENSION_KEYS for key in ext_of(combo))


# --- regimes/<cc>/bill_invoice.go and org_identities.go: parties and their identities


def identity_types(party) -> set:
    return {i.get("type") for i in objects(member(party, "identities"))}


def identity_keys(party) -> set:
    return {i.get("key") for i in objects(member(party, "identities"))}


def has_tax_id_or_identity(*, types: tuple = (), keys: tuple = ()):
    """A supplier with a tax ID code, or else one of the regime's company identities."""

    def test(party, context) -> bool:
        return (
            has_tax_id_code(party, context)
            or not identity_types(party).isdisjoint(types)
            or not identity_keys(party).isdisjoint(keys)
        )

    return test


def identities_have_type(*types: str):
    return lambda identities, context: any(i.get("type") in types for i in objects(identities))


@named("no BCE identity")
def no_bce_identity(party, context) -> bool:
    return "BCE" not in identity_types(party)


@named("is tax number")
def is_german_tax_number(identity, context) -> bool:
    return member(identity, "key") == "de-tax-number"


@named("is CVR")
def is_cvr(identity, context) -> bool:
    return member(identity, "type") == "CVR"


@named("is Brazilian party")
def is_brazilian_party(party, context) -> bool:
    if member(party, "tax_id", "country") == "BR":
        return True
    return any(a.get("country") == "BR" for a in objects(member(party, "addresses")))


@named("string(Country) in ['','BR']")
def address_in_brazil(address, context) -> bool:
    return member(address, "country") in (None, "", "BR")


def text_check(check):
    """A test of a code that GOBL runs on a code only (AssertIfPresent, or a format test
    whose own assertion reports a missing code)."""
    return lambda code, context: isinstance(code, str) and bool(check(code))


def digits(code: str) -> str:
    return re.sub(r"\D", "", code)  # cbc.NormalizeNumericalCode


SWEDISH_ORG_NR = re.compile(r"^\d{10}$")
SWEDISH_PERSON_NR = re.compile(r"^\d{6}[-+]\d{4}$")
ITALIAN_PERSON = re.compile(
    r"^(?:[A-Z][AEIOU][AEIOUX]|[AEIOU]X{2}|[B-DF-HJ-NP-TV-Z]{2}[A-Z]){2}(?:[\dLMNP-V]{2}"
    r"(?:[A-EHLMPR-T](?:[04LQ][1-9MNP-V]|[15MR][\dLMNP-V]|[26NS][0-8LMNP-U])|[DHPS][37PT][0L]"
    r"|[ACELMRT][37PT][01LM]|[AC-EHLMPR-T][26NS][9V])|(?:[02468LNQSU][048LQU]|[13579MPRTV]"
    r"[26NS])B[26NS][9V])(?:[A-MZ][1-9MNP-V][\dLMNP-V]{2}|[A-M][0L](?:[1-9MNP-V][\dLMNP-V]"
    r"|[0L][1-9MNP-V]))[A-Z]$"
)


def italian_fiscal_code_format(code: str) -> bool:
    return code.isdigit() if len(code) == 11 else bool(ITALIAN_PERSON.match(code))


def italian_fiscal_code_digit(code: str) -> bool:
    """A company's code is checked as its VAT number (Luhn), a person's by its last letter
    (python-stdnum's it.codicefiscale; GOBL's same algorithm)."""
    if len(code) == 11:
        return code.isdigit() and luhn.is_valid(code)
    if len(code) != 16 or not code.isalnum():
        return False
    return codicefiscale.calc_check_digit(code[:15]) == code[15]


def swedish_luhn(pattern: re.Pattern):
    """SE-ORG-IDENTITY-02/04: the Luhn digit of a number in its format (a number out of it
    is the format assertion's fault, not this one's)."""

    def check(code: str) -> bool:
        shaped = digits(code) if pattern is SWEDISH_ORG_NR else code
        return not pattern.match(shaped) or luhn.is_valid(digits(code))

    return check


BY_ASSERT.update(
    {
        "GOBL-DE-BILL-INVOICE-01": has_tax_id_or_identity(keys=("de-tax-number",)),
        "GOBL-DK-BILL-INVOICE-01": has_tax_id_or_identity(types=("CVR",)),
        "GOBL-FR-BILL-INVOICE-01": has_tax_id_or_identity(types=("SIREN", "SIRET")),
        "GOBL-NL-BILL-INVOICE-01": has_tax_id_or_identity(types=("KVK", "OIN")),
        "GOBL-SE-BILL-INVOICE-01": has_tax_id_or_identity(types=("ON", "PN", "CN")),
        "GOBL-SG-BILL-INVOICE-01": has_tax_id_or_identity(types=("UEN",)),
        "GOBL-BE-BILL-INVOICE-03": identities_have_type("BCE"),
        "GOBL-IN-ORG-ITEM-01": identities_have_type("HSN"),
        # Organisation identities: the company number the tax code is made of.
        "GOBL-DK-ORG-IDENTITY-01": text_check(lambda code: valid_tax_code("DK", code)),
        "GOBL-NO-ORG-IDENTITY-01": text_check(
            lambda code: len(code) == 9 and code.isdigit() and orgnr.is_valid(code)
        ),
        "GOBL-SG-ORG-IDENTITY-01": text_check(SINGAPORE_UEN.match),
        "GOBL-SE-ORG-IDENTITY-01": text_check(lambda code: SWEDISH_ORG_NR.match(digits(code))),
        "GOBL-SE-ORG-IDENTITY-02": text_check(swedish_luhn(SWEDISH_ORG_NR)),
        "GOBL-SE-ORG-IDENTITY-03": text_check(SWEDISH_PERSON_NR.match),
        "GOBL-SE-ORG-IDENTITY-04": text_check(swedish_luhn(SWEDISH_PERSON_NR)),
        "GOBL-IT-ORG-IDENTITY-02": text_check(italian_fiscal_code_format),
        "GOBL-IT-ORG-IDENTITY-03": text_check(italian_fiscal_code_digit),
    }
)
