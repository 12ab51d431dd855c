"""The codes an invoice's add-ons give the document itself from its type and tags (GOBL's
scenarios): a VERI*FACTU invoice with the tag "simplified" is of type F2, an EN 16931 credit
note has UNTDID document type 381. Every scenario that matches adds its codes to `tax.ext`, the
later ones winning, as GOBL applies them once the invoice is calculated.

Written from the scenarios of GOBL v0.502.1's add-ons, and from the code of those that work
some codes out before (VERI*FACTU's and SII's corrections and issuers, TicketBAI's province and
simplified invoices); and the regimes' scenarios, which add legal notes to `tax.notes` (a
reverse charge's wording, say). And the payment means codes add-ons give the payment
instructions and advances, and ARCA's document type and concept.
"""

from . import cfdi, ctc, saft
from .addons import VAT_CATEGORIES, VAT_CATEGORY_KEYS
from .parties import arca_vat_status

# add-on: ((types, tags, codes), ...); no types or no tags means any.
SCENARIOS = {
    "eu-en16931-v2017": (
        (("standard",), (), {"untdid-document-type": "380"}),
        (("credit-note",), (), {"untdid-document-type": "381"}),
        (("debit-note",), (), {"untdid-document-type": "383"}),
        (("corrective",), (), {"untdid-document-type": "384"}),
        (("proforma",), (), {"untdid-document-type": "325"}),
        (("standard",), ("partial",), {"untdid-document-type": "326"}),
        (("standard",), ("self-billed",), {"untdid-document-type": "389"}),
        (("credit-note",), ("self-billed",), {"untdid-document-type": "261"}),
        (("standard",), ("prepayment",), {"untdid-document-type": "386"}),
        (("standard",), ("factoring",), {"untdid-document-type": "393"}),
        (("credit-note",), ("factoring",), {"untdid-document-type": "396"}),
    ),
    "es-facturae-v3": (
        (
            ("standard", "corrective", "credit-note", "debit-note"),
            (),
            {"es-facturae-doc-type": "FC"},
        ),
        ((), ("simplified",), {"es-facturae-doc-type": "FA"}),
        ((), ("self-billed",), {"es-facturae-doc-type": "AF"}),
        (("standard",), (), {"es-facturae-invoice-class": "OO"}),
        (("corrective", "credit-note", "debit-note"), (), {"es-facturae-invoice-class": "OR"}),
        ((), ("summary",), {"es-facturae-invoice-class": "OC"}),
        (("standard",), ("copy",), {"es-facturae-invoice-class": "CO"}),
        (("corrective",), ("copy",), {"es-facturae-invoice-class": "CR"}),
        (("standard",), ("copy", "summary"), {"es-facturae-invoice-class": "CC"}),
    ),
    "es-sii-v1": (
        (("standard",), (), {"es-sii-doc-type": "F1"}),
        (("standard",), ("simplified",), {"es-sii-doc-type": "F2"}),
        (("standard",), ("replacement",), {"es-sii-doc-type": "F3"}),
        (("corrective", "credit-note", "debit-note"), ("simplified",), {"es-sii-doc-type": "R5"}),
    ),
    "es-verifactu-v1": (
        (("standard",), (), {"es-verifactu-doc-type": "F1"}),
        (("standard",), ("simplified",), {"es-verifactu-doc-type": "F2"}),
        (("standard",), ("replacement",), {"es-verifactu-doc-type": "F3"}),
        (
            ("corrective", "credit-note", "debit-note"),
            ("simplified",),
            {"es-verifactu-doc-type": "R5"},
        ),
    ),
    "gr-mydata-v1": (
        (("standard",), (), {"gr-mydata-invoice-type": "2.1"}),
        (("standard",), ("goods",), {"gr-mydata-invoice-type": "1.1"}),
        (("standard",), ("goods", "export"), {"gr-mydata-invoice-type": "1.3"}),
        (("standard",), ("goods", "export", "eu"), {"gr-mydata-invoice-type": "1.2"}),
        (("standard",), ("goods", "self-billed"), {"gr-mydata-invoice-type": "1.4"}),
        (("standard",), ("services",), {"gr-mydata-invoice-type": "2.1"}),
        (("standard",), ("services", "export"), {"gr-mydata-invoice-type": "2.3"}),
        (("standard",), ("services", "export", "eu"), {"gr-mydata-invoice-type": "2.2"}),
        (("credit-note",), (), {"gr-mydata-invoice-type": "5.1"}),
        (("standard",), ("simplified",), {"gr-mydata-invoice-type": "11.3"}),
        (("standard",), ("goods", "simplified"), {"gr-mydata-invoice-type": "11.1"}),
        (("standard",), ("services", "simplified"), {"gr-mydata-invoice-type": "11.2"}),
        (("credit-note",), ("simplified",), {"gr-mydata-invoice-type": "11.4"}),
        (
            ("credit-note",),
            ("goods", "simplified", "self-billed"),
            {"gr-mydata-invoice-type": "11.5"},
        ),
    ),
    "it-sdi-v1": (
        ((), (), {"it-sdi-format": "FPR12"}),
        ((), ("b2g",), {"it-sdi-format": "FPA12"}),
        (("standard",), (), {"it-sdi-document-type": "TD01"}),
        (("standard",), ("partial",), {"it-sdi-document-type": "TD02"}),
        (("credit-note",), (), {"it-sdi-document-type": "TD04"}),
        (("debit-note",), (), {"it-sdi-document-type": "TD05"}),
        (("standard",), ("freelance",), {"it-sdi-document-type": "TD06"}),
        (("standard",), ("partial", "freelance"), {"it-sdi-document-type": "TD03"}),
        (("standard",), ("simplified",), {"it-sdi-document-type": "TD07"}),
        (("credit-note",), ("simplified",), {"it-sdi-document-type": "TD08"}),
        (("debit-note",), ("simplified",), {"it-sdi-document-type": "TD09"}),
        (("standard",), ("self-billed",), {"it-sdi-document-type": "TD27"}),
        (("standard",), ("self-billed", "reverse-charge"), {"it-sdi-document-type": "TD16"}),
        (("standard",), ("self-billed", "import"), {"it-sdi-document-type": "TD17"}),
        (("standard",), ("self-billed", "import", "goods-eu"), {"it-sdi-document-type": "TD18"}),
        (("standard",), ("self-billed", "import", "goods"), {"it-sdi-document-type": "TD19"}),
        (("standard",), ("self-billed", "regularization"), {"it-sdi-document-type": "TD20"}),
        (("standard",), ("self-billed", "ceiling-exceeded"), {"it-sdi-document-type": "TD21"}),
        (("standard",), ("self-billed", "goods-extracted"), {"it-sdi-document-type": "TD22"}),
        (("standard",), ("self-billed", "goods-with-tax"), {"it-sdi-document-type": "TD23"}),
        (("standard",), ("deferred",), {"it-sdi-document-type": "TD24"}),
        (("standard",), ("deferred", "third-period"), {"it-sdi-document-type": "TD25"}),
        (("standard",), ("depreciable-assets",), {"it-sdi-document-type": "TD26"}),
        (("standard",), ("self-billed", "san-marino-paper"), {"it-sdi-document-type": "TD28"}),
    ),
    "pl-favat-v3": (
        (("standard",), (), {"pl-favat-invoice-type": "VAT"}),
        (("standard",), ("partial",), {"pl-favat-invoice-type": "ZAL"}),
        (("standard",), ("settlement",), {"pl-favat-invoice-type": "ROZ"}),
        (("standard",), ("simplified",), {"pl-favat-invoice-type": "UPR"}),
        (("credit-note",), (), {"pl-favat-invoice-type": "KOR"}),
        (("credit-note",), ("partial",), {"pl-favat-invoice-type": "KOR_ZAL"}),
        (("credit-note",), ("settlement",), {"pl-favat-invoice-type": "KOR_ROZ"}),
    ),
}
SCENARIOS["fr-ctc-flow2-v1"] = ctc.SCENARIOS
SCENARIOS["fr-ctc-flow10-v1"] = ctc.FLOW10_SCENARIOS


CORRECTIONS = ("credit-note", "debit-note", "corrective")

REVERSE_CHARGE = "Reverse charge: Customer to account for VAT to the relevant tax authority."
# regime: ((tag, category, text), ...): the note (keyed by its tag) an invoice with the tag
# gets when one of its taxes is of the category (any, when none is named).
REGIME_NOTES = {
    "AE": (
        ("reverse-charge", "VAT", "Reverse Charge"),
        ("simplified", "VAT", "Simplified Tax Invoice"),
    ),
    "AT": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "BE": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "CH": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "DE": (("reverse-charge", "VAT", "Reverse Charge / Umkehr der Steuerschuld."),),
    "EL": (("reverse-charge", "VAT", "Reverse Charge / Αντίστροφη φόρτιση"),),
    "ES": (
        ("reverse-charge", "VAT", "Reverse Charge / Inversión del sujeto pasivo."),
        ("reverse-charge", "IGIC", "Reverse Charge / Inversión del sujeto pasivo."),
        ("simplified-scheme", "VAT", "Factura expedida por contribuyente en régimen simplificado."),
        ("self-billed", "", "Facturación por el destinatario."),
        ("travel-agency", "VAT", "Régimen especial de las agencias de viajes."),
        ("travel-agency", "IGIC", "Régimen especial de las agencias de viajes."),
        ("second-hand-goods", "VAT", "Régimen especial de los bienes usados."),
        ("second-hand-goods", "IGIC", "Régimen especial de los bienes usados."),
        ("art", "VAT", "Régimen especial de los objetos de arte."),
        ("art", "IGIC", "Régimen especial de los objetos de arte."),
        ("antiques", "VAT", "Régimen especial de las antigüedades y objetos de colección."),
        ("antiques", "IGIC", "Régimen especial de las antigüedades y objetos de colección."),
        ("cash-basis", "VAT", "Régimen especial del criterio de caja."),
        ("cash-basis", "IGIC", "Régimen especial del criterio de caja."),
    ),
    "FI": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "FR": (
        (
            "reverse-charge",
            "VAT",
            "Reverse Charge / Autoliquidation de la TVA - Article 283-1 du CGI."
            " Le client est redevable de la TVA.",
        ),
    ),
    "GB": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "IE": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "IN": (
        ("reverse-charge", "", "Reverse Charge"),
        ("simplified", "", "Simplified Tax Invoice"),
    ),
    "IT": (("reverse-charge", "VAT", "Reverse Charge / Inversione del soggetto passivo"),),
    "NL": (("reverse-charge", "VAT", REVERSE_CHARGE),),
    "SE": (("reverse-charge", "VAT", REVERSE_CHARGE),),
}


# add-on: (its extensions' prefix, the one naming who issued the invoice, its code for the
# customer, for a third party)
SPANISH_REPORTING = {
    "es-verifactu-v1": ("es-verifactu-", "es-verifactu-issuer-type", "D", "T"),
    "es-sii-v1": ("es-sii-", "es-sii-third-party-issuer", "S", "S"),
}
# add-on: ((tag, code), ...): codes FA_VAT sets to "1" for a tag, whatever the type.
TAGGED = {
    "pl-favat-v3": (
        ("self-billed", "pl-favat-self-billing"),
        ("reverse-charge", "pl-favat-reverse-charge"),
    ),
}
# TicketBAI's three provincial tax agencies, by the names a supplier's region goes by.
BASQUE_PROVINCES = {
    **dict.fromkeys(("alava", "álava", "araba", "vi"), "VI"),
    **dict.fromkeys(("bizkaia", "vizcaya", "bi"), "BI"),
    **dict.fromkeys(("gipuzkoa", "guipuzcoa", "guipúzcoa", "ss"), "SS"),
}
# The kinds of document codes built here.
DOCUMENT_CODES = frozenset(
    [key for scenarios in SCENARIOS.values() for _, _, ext in scenarios for key in ext]
    + [p + "correction-type" for p, *_ in SPANISH_REPORTING.values()]
    + [issuer for _, issuer, *_ in SPANISH_REPORTING.values()]
    + ["es-tbai-region", "es-tbai-simplified", "fr-choruspro-framework"]
    + ["ar-arca-doc-type", "ar-arca-concept"]
    + [saft.INVOICE_TYPE, saft.WORK_TYPE, saft.SOURCE]
    + [cfdi.DOC_TYPE, cfdi.REL_TYPE, cfdi.PAYMENT_METHOD, cfdi.ISSUE_PLACE]
    + [ctc.BILLING_MODE, ctc.B2C_CATEGORY]
    + [key for codes in TAGGED.values() for _, key in codes]
)


# add-on: (the extension, {payment means key: code}, whether advances get it too)
PAYMENT_MEANS = {
    "eu-en16931-v2017": (
        "untdid-payment-means",
        {
            "any": "1",
            "card": "48",
            "card+debit": "55",
            "credit-transfer": "30",
            "debit-transfer": "31",
            "cash": "10",
            "cheque": "20",
            "bank-draft": "21",
            "direct-debit": "49",
            "online": "68",
            "promissory-note": "60",
            "netting": "97",
            "credit-transfer+sepa": "58",
            "direct-debit+sepa": "59",
        },
        False,
    ),
    "it-sdi-v1": (
        "it-sdi-payment-means",
        {
            "cash": "MP01",
            "cheque": "MP02",
            "bank-draft": "MP03",
            "cash+treasury": "MP04",
            "credit-transfer": "MP05",
            "promissory-note": "MP06",
            "other+payment-slip": "MP07",
            "card": "MP08",
            "online": "MP08",
            "direct-debit+rid": "MP09",
            "direct-debit+rid-utility": "MP10",
            "direct-debit+rid-fast": "MP11",
            "direct-debit+riba": "MP12",
            "debit-transfer": "MP13",
            "other+tax-receipt": "MP14",
            "other+special-account": "MP15",
            "direct-debit": "MP16",
            "direct-debit+post-office": "MP17",
            "cheque+post-office": "MP18",
            "direct-debit+sepa": "MP19",
            "direct-debit+sepa-core": "MP20",
            "direct-debit+sepa-b2b": "MP21",
            "netting": "MP22",
            "online+pagopa": "MP23",
        },
        True,
    ),
    "pl-favat-v3": (
        "pl-favat-payment-means",
        {
            "cash": "1",
            "card": "2",
            "other+voucher": "3",
            "cheque": "4",
            "other+credit": "5",
            "credit-transfer": "6",
            "online": "7",
        },
        True,
    ),
    "pt-saft-v1": ("pt-saft-payment-means", saft.PAYMENT_MEANS, True),
    "mx-cfdi-v4": ("mx-cfdi-payment-means", cfdi.PAYMENT_MEANS, True),
    "gr-mydata-v1": (
        "gr-mydata-payment-means",
        {
            "credit-transfer": "1",
            "credit-transfer+foreign": "2",
            "cash": "3",
            "cheque": "4",
            "promissory-note": "5",
            "online": "6",
            "card": "7",
        },
        True,
    ),
}


def add_payment_means(doc: dict, addons: list) -> None:
    """Each add-on's code for the payment means (the `key`) of the payment instructions and,
    for most, of each payment record: an invoice's or order's advances, a payment's methods."""
    payment = doc.get("payment") if isinstance(doc.get("payment"), dict) else {}
    instructions = payment.get("instructions")
    advances = [
        *(payment.get("advances") if isinstance(payment.get("advances"), list) else ()),
        *(doc.get("methods") if isinstance(doc.get("methods"), list) else ()),
    ]
    for addon in addons:
        if addon not in PAYMENT_MEANS:
            continue
        ext_key, codes, for_advances = PAYMENT_MEANS[addon]
        for record in [instructions, *(advances if for_advances else [])]:
            code = means_code(codes, record.get("key")) if isinstance(record, dict) else None
            ext = record.get("ext") if isinstance(record, dict) else None
            ext = ext if isinstance(ext, dict) else {}
            if code is not None and not (record.get("key") == "other" and ext.get(ext_key)):
                record["ext"] = ext | {ext_key: code}  # `other` keeps a code given


def means_code(codes: dict, key) -> str | None:
    """The code of a payment means key, else of the key it refines (GOBL's CodeMap.Lookup):
    "credit-transfer+urgent" is a credit transfer."""
    while isinstance(key, str) and key:
        if key in codes:
            return codes[key]
        key = key.rpartition("+")[0]
    return None


def add_document_codes(doc: dict) -> None:
    """The codes the add-ons work out first (VERI*FACTU's and SII's), then the scenarios',
    which win, into `tax.ext` (what the client gave stays unless a code replaces it)."""
    given = doc.get("$addons")
    addons = [a for a in given if isinstance(a, str)] if isinstance(given, list) else []
    tags = doc.get("$tags") if isinstance(doc.get("$tags"), list) else []
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    codes = dict(tax.get("ext")) if isinstance(tax.get("ext"), dict) else {}
    if doc.get("$regime") == "MX":
        cfdi.finish_invoice(doc, tags, addons, codes)
    for addon in addons:
        if addon in SPANISH_REPORTING:
            spanish_corrections(doc, tags, codes, *SPANISH_REPORTING[addon])
        elif addon == "es-tbai-v1":
            ticketbai(doc, tags, codes)
        elif addon == "ar-arca-v4":
            arca(doc, tags, codes)
        elif addon == "gr-mydata-v1":
            mydata_charges(doc)
        elif addon == "fr-choruspro-v1":
            codes.setdefault("fr-choruspro-framework", "A1")  # a supplier's invoice
        elif addon == "pt-saft-v1":
            codes.setdefault(saft.SOURCE, "P")  # produced by this program
            codes |= saft.finish_invoice(doc, tags)
        for tag, key in TAGGED.get(addon, ()):
            if tag in tags:
                codes[key] = "1"
    for addon in addons:
        for types, needed, ext in SCENARIOS.get(addon, ()):
            if (not types or doc.get("type") in types) and all(t in tags for t in needed):
                codes |= ext
    if codes:
        doc["tax"] = tax = tax | {"ext": codes}
    notes = regime_notes(doc, tags)
    given = tax.get("notes") if isinstance(tax.get("notes"), list) else []
    new = [n for n in notes if not any(same_note(n, g) for g in given)]
    if new:
        doc["tax"] = tax | {"notes": [*given, *new]}
    add_type_codes(doc, addons)
    if ctc.FLOW2 in addons:
        ctc.finish_invoice(doc)
    if ctc.FLOW10 in addons:
        ctc.finish_flow10_invoice(doc)


def add_type_codes(doc: dict, addons: list) -> None:
    """The codes GOBL's add-ons give an object by its type wherever it sits (a payment
    record, discount, charge, note), so in an order, a delivery or a payment as in an
    invoice: the payment means, EN 16931's adjustments and notes."""
    add_payment_means(doc, addons)
    if "eu-en16931-v2017" in addons:
        en16931_adjustments(doc)
        en16931_notes(doc)


# EN 16931's UNTDID 4451 text subject of a note, by its key.
TEXT_SUBJECTS = {
    "goods": "AAA",
    "payment": "PMT",
    "payment-method": "PMD",
    "payment-term": "AAB",
    "general": "AAI",
    "legal": "ABL",
    "dangerous-goods": "AAC",
    "ack": "AAE",
    "rate": "AAF",
    "reason": "ACD",
    "dispute": "ACE",
    "customer": "CUR",
    "glossary": "ACZ",
    "customs": "CUS",
    "handling": "HAN",
    "packaging": "PKG",
    "loading": "LOI",
    "price": "AAK",
    "priority": "PRI",
    "regulatory": "REG",
    "safety": "SAF",
    "ship-line": "SLR",
    "supplier": "SUR",
    "transport": "TRA",
    "delivery": "DEL",
    "quarantine": "QIN",
    "tax": "TXD",
    "other": "ZZZ",
}


def en16931_notes(doc: dict) -> None:
    """EN 16931 codes the document's notes by subject, and the VAT notes of `tax` by the
    UNTDID category of their key (a key read from the category when missing)."""
    for note in doc.get("notes") or []:
        if isinstance(note, dict) and note.get("key") in TEXT_SUBJECTS:
            ext = note.get("ext") if isinstance(note.get("ext"), dict) else {}
            note["ext"] = ext | {"untdid-text-subject": TEXT_SUBJECTS[note["key"]]}
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    for note in tax.get("notes") or []:
        if not isinstance(note, dict) or note.get("cat") != "VAT":
            continue
        ext = note.get("ext") if isinstance(note.get("ext"), dict) else {}
        if not note.get("key") and ext.get("untdid-tax-category") in VAT_CATEGORY_KEYS:
            note["key"] = VAT_CATEGORY_KEYS[ext["untdid-tax-category"]]
        if note.get("key") in VAT_CATEGORIES:
            note["ext"] = ext | {"untdid-tax-category": VAT_CATEGORIES[note["key"]]}


# EN 16931's UNTDID 5189 code of a discount (allowance) and 7161 of a charge, by their key.
ALLOWANCES = {
    "early-completion": "41",
    "military": "62",
    "work-accident": "63",
    "special-agreement": "64",
    "production-error": "65",
    "new-outlet": "66",
    "sample": "67",
    "end-of-range": "68",
    "incoterm": "70",
    "pos-threshold": "71",
    "special-rebate": "100",
    "temporary": "103",
    "standard": "104",
    "yearly-turnover": "105",
}
CHARGES = {
    "stamp-duty": "ST",
    "outlay": "AAE",
    "tax": "TX",
    "customs": "ABW",
    "delivery": "DL",
    "packing": "PC",
    "handling": "HD",
    "insurance": "IN",
    "storage": "ABA",
    "admin": "AEM",
    "cleaning": "CG",
}
ADJUSTMENT_CODES = {
    "discounts": ("untdid-allowance", ALLOWANCES),
    "charges": ("untdid-charge", CHARGES),
}


def en16931_adjustments(doc: dict) -> None:
    """EN 16931 codes the discounts and charges of the document and of its lines by key."""
    holders = [doc, *(line for line in doc.get("lines") or [] if isinstance(line, dict))]
    for holder in holders:
        for name, (ext_key, codes) in ADJUSTMENT_CODES.items():
            entries = holder.get(name)
            for entry in entries if isinstance(entries, list) else ():
                key = entry.get("key") if isinstance(entry, dict) else None
                if isinstance(key, str) and key in codes:
                    ext = entry.get("ext") if isinstance(entry.get("ext"), dict) else {}
                    entry["ext"] = ext | {ext_key: codes[key]}


def regime_notes(doc: dict, tags: list) -> list[dict]:
    """The regime's notes for the invoice's tags and taxes, one per category and key."""
    rows = REGIME_NOTES.get(doc.get("$regime"), ())
    if not rows or not tags:
        return []
    categories = {
        combo.get("cat")
        for name in ("lines", "discounts", "charges")
        for entry in doc.get(name) or []
        if isinstance(entry, dict)
        for combo in entry.get("taxes") or []
        if isinstance(combo, dict)
    }
    notes: list[dict] = []
    for tag, category, text in rows:
        if tag in tags and (not category or category in categories):
            note = ({"cat": category} if category else {}) | {"key": tag, "text": text}
            same = [i for i, n in enumerate(notes) if same_note(n, note)]
            if same:
                notes[same[0]] = note  # a later scenario's wording, in the earlier's place
            else:
                notes.append(note)
    return notes


def same_note(note: dict, other) -> bool:
    """GOBL's SameAs: notes of one category and key are the same note."""
    if not isinstance(other, dict):
        return False
    return (note.get("cat"), note.get("key")) == (other.get("cat"), other.get("key"))


def ticketbai(doc: dict, tags: list, codes: dict) -> None:
    """TicketBAI's province (where the invoice is reported), from the region of the
    supplier's first address unless given, and its mark of a simplified invoice."""
    supplier = doc.get("supplier") if isinstance(doc.get("supplier"), dict) else {}
    addresses = supplier.get("addresses")
    address = addresses[0] if isinstance(addresses, list) and addresses else None
    region = address.get("region") if isinstance(address, dict) else None
    if "es-tbai-region" not in codes and isinstance(region, str):
        province = BASQUE_PROVINCES.get(region.lower())
        if province:
            codes["es-tbai-region"] = province
    if "simplified" in tags:
        codes["es-tbai-simplified"] = "S"


# ARCA's document types: the letter (A to a customer registered for VAT or under the
# monotributo, B to others, C from a monotributo supplier), then the kind of document.
ARCA_LETTER_A = ("1", "6", "13", "16")
ARCA_DOC_TYPES = {
    "A": {"standard": "1", "debit-note": "2", "credit-note": "3"},
    "B": {"standard": "6", "debit-note": "7", "credit-note": "8"},
    "C": {"standard": "11", "debit-note": "12", "credit-note": "13"},
}


def arca(doc: dict, tags: list, codes: dict) -> None:
    """ARCA's document type (unless given), from the customer's VAT status, and its concept:
    goods (1), services (2) or both (3), an item without the goods key being a service."""
    customer = doc.get("customer") if isinstance(doc.get("customer"), dict) else None
    if customer is not None:
        arca_vat_status(customer)  # which the document type reads
    if not codes.get("ar-arca-doc-type"):
        status = ((customer or {}).get("ext") or {}).get("ar-arca-vat-status")
        letter = "C" if "monotax" in tags else "A" if status in ARCA_LETTER_A else "B"
        doc_type = ARCA_DOC_TYPES[letter].get(doc.get("type"))
        if doc_type:
            codes["ar-arca-doc-type"] = doc_type
    lines = [line for line in doc.get("lines") or [] if isinstance(line, dict)]
    items = [line.get("item") if isinstance(line.get("item"), dict) else {} for line in lines]
    goods = [item.get("key") == "goods" for item in items]
    if goods:
        codes["ar-arca-concept"] = (
            "3" if any(goods) and not all(goods) else "1" if all(goods) else "2"
        )


# myDATA's tax type of a charge: from its key, else from the kind of its other code.
MYDATA_CHARGE_KEYS = {"stamp-duty": "4", "tax": "3"}
MYDATA_CHARGE_CODES = (
    ("gr-mydata-fee", "2"),
    ("gr-mydata-other-tax", "3"),
    ("gr-mydata-stamp-duty", "4"),
)


def mydata_charges(doc: dict) -> None:
    """myDATA reports a charge as a fee, a stamp duty or another tax."""
    for charge in doc.get("charges") or []:
        if not isinstance(charge, dict):
            continue
        ext = charge.get("ext") if isinstance(charge.get("ext"), dict) else {}
        tax_type = MYDATA_CHARGE_KEYS.get(charge.get("key")) or ext.get("gr-mydata-tax-type")
        if tax_type is None:
            tax_type = next((code for key, code in MYDATA_CHARGE_CODES if key in ext), None)
        if tax_type is not None:
            charge["ext"] = ext | {"gr-mydata-tax-type": tax_type}


def spanish_corrections(
    doc: dict, tags: list, codes: dict, prefix: str, issuer: str, customer: str, third: str
) -> None:
    """VERI*FACTU's and SII's codes of a correction (R1 unless one of R2-R5 was given; I by
    differences, S by substitution) and of an invoice issued by the customer or a third."""
    kind = doc.get("type")
    if kind in ("credit-note", "debit-note"):
        codes[prefix + "correction-type"] = "I"
    elif kind == "corrective":
        codes[prefix + "correction-type"] = "S"
    if kind in CORRECTIONS and codes.get(prefix + "doc-type") not in ("R2", "R3", "R4", "R5"):
        codes[prefix + "doc-type"] = "R1"
    if "self-billed" in tags:
        codes[issuer] = customer
    ordering = doc.get("ordering") if isinstance(doc.get("ordering"), dict) else {}
    if ordering.get("issuer"):
        codes[issuer] = third
