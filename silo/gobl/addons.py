"""What GOBL's add-ons (a document's `$addons`) do to its tax combos before they are
calculated: a format's codes can decide a combo's key, and a key gives the combo its code.

Written from GOBL v0.502.1's normalizers, for the add-ons of its reference: Italy's it-sdi-v1
(FatturaPA) and it-ticket-v1 (receipts), whose exemption codes ("natura") say why no VAT is
charged; Spain's es-verifactu-v1, es-sii-v1 and es-tbai-v1; eu-en16931-v2017, which the
formats built on EN 16931 require; pl-favat-v3 (KSeF), gr-mydata-v1 and ar-arca-v4. The
codes they give the document itself are scenarios.py's, what they do to parties and items
parties.py's; the parties' own codes (ext) are not built yet.
"""

import re

from . import amounts as num
from . import cfdi, ctc, saft

VAT = "VAT"
# EU members today, by tax country code (Greece as both EL and GR), as GOBL's l10n union.
EU_MEMBERS = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR")
    + ("HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
)

NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]")

SDI_EXEMPT = "it-sdi-exempt"
# Each key's codes: the first is given to a combo of that key that has none of them.
SDI_CODES = {
    "zero": ("N1",),
    "outside-scope": ("N2.1", "N2.2", "N7"),
    "export": ("N3.1", "N3.3", "N3.4", "N3.5"),
    "intra-community": ("N3.2", "N3.6"),
    "exempt": ("N4", "N5"),
    "reverse-charge": ("N6.9", "N6.1", "N6.2", "N6.3", "N6.4", "N6.5", "N6.6", "N6.7", "N6.8"),
}
SDI_KEYS = {code: key for key, codes in SDI_CODES.items() for code in codes}

TICKET_EXEMPT = "it-ticket-exempt"
TICKET_CODES = {
    "outside-scope": ("N1", "N2"),
    "export": ("N3",),
    "intra-community": ("N3",),
    "exempt": ("N4", "N5"),
    "reverse-charge": ("N6",),
}
TICKET_KEYS = {
    "N1": "outside-scope",
    "N2": "outside-scope",
    "N3": "export",
    "N4": "exempt",
    "N5": "exempt",
    "N6": "reverse-charge",
}


# Add-ons that build on another: the document gets the other too, first, as in GOBL.
REQUIRES = {
    "de-xrechnung-v3": ("eu-en16931-v2017",),
    "de-zugferd-v2": ("eu-en16931-v2017",),
    "fr-choruspro-v1": ("eu-en16931-v2017",),
    "fr-facturx-v1": ("eu-en16931-v2017",),
    "fr-ctc-flow2-v1": ("eu-en16931-v2017",),
}


# The add-ons GOBL v0.502.1 registers (`tax.AddonForKey`): a document keeps only these.
# pl-favat-v2 is no longer among them. Of the keys GOBL approves for modules of their own
# (addons/external.go), those built here: pt-saft-v1 (saft.py), as a GOBL with that module
# imported registers it; mx-cfdi-v4 (cfdi.py), fr-ctc-flow2-v1, -flow6-v1 and -flow10-v1
# (ctc.py) likewise.
REGISTERED = {
    "ar-arca-v4", "co-dian-v2", "de-xrechnung-v3", "de-zugferd-v2", "es-facturae-v3",
    "es-sii-v1", "es-tbai-v1", "es-verifactu-v1", "eu-en16931-v2017", "fr-choruspro-v1",
    "fr-facturx-v1", "gr-mydata-v1", "it-sdi-v1", "it-ticket-v1", "pl-favat-v3",
    "pt-saft-v1", "mx-cfdi-v4", "fr-ctc-flow2-v1", "fr-ctc-flow6-v1", "fr-ctc-flow10-v1",
}  # fmt: skip


def is_registered(key) -> bool:
    return isinstance(key, str) and key in REGISTERED


def with_requirements(addons: list) -> list:
    """The add-ons with those they require before them, each once, as GOBL's
    PrepareNormalization makes the list before it calculates. A key GOBL does not register
    is dropped there, typo or not: only a document checked without being built (a signed
    envelope) reports it, as GOBL-TAX-ADDONS-01 (unregistered_addons)."""
    found: list = []
    for addon in addons:
        if not is_registered(addon):
            continue
        for key in (*REQUIRES.get(addon, ()), addon):
            if key not in found:
                found.append(key)
    return found


def unregistered_addons(doc: dict) -> list[int]:
    """The indexes in `$addons` of keys GOBL does not register."""
    addons = doc.get("$addons")
    if not isinstance(addons, list):
        return []
    return [index for index, key in enumerate(addons) if not is_registered(key)]


def normalize_combo(combo, addons: tuple[str, ...]) -> None:
    for addon in addons:
        normalize = COMBO_NORMALIZERS.get(addon)
        if normalize is not None:
            normalize(combo)


def prepare_invoice(doc: dict, addons: tuple[str, ...]) -> None:
    """What an add-on changes in the document before it is calculated: a French CTC
    invoice rounds per currency; a receipt's prices include VAT unless it says otherwise, and
    its lottery code is letters and digits only."""
    tax = doc.get("tax", {})
    if not isinstance(tax, dict):
        return  # a `tax` that is no object: the schema says so
    if ctc.FLOW2 in addons:
        ctc.prepare_invoice(doc)
    if "it-ticket-v1" not in addons:
        return
    tax = doc["tax"] = doc.get("tax", {})
    if not tax.get("prices_include"):
        tax["prices_include"] = VAT
    ext = tax.get("ext")
    if isinstance(ext, dict) and isinstance(ext.get("it-ticket-lottery"), str):
        # GOBL's NormalizeAlphanumericalCode
        ext["it-ticket-lottery"] = NOT_ALPHANUMERIC.sub("", ext["it-ticket-lottery"].upper())
    doc["tax"] = tax


def prepare_line(line: dict, addons: tuple[str, ...]) -> None:
    """What an add-on changes in a line before it is calculated: Chorus Pro takes quantities
    of four decimals at most."""
    if "fr-choruspro-v1" in addons and line.get("quantity") is not None:
        try:
            quantity = num.parse(line["quantity"])
        except num.AmountError:
            return  # the calculation says why
        line["quantity"] = num.text(num.rescale_down(quantity, 4))


def normalize_line_combos(line: dict, combos: list, addons: tuple[str, ...]) -> None:
    """What an add-on takes from the line itself: SII and TicketBAI report whether VAT is on
    goods or on services, from the item's key (TicketBAI assumes services)."""
    vat = next((c for c in combos if c.cat == VAT), None)
    if vat is None:
        return
    item = line.get("item") if isinstance(line.get("item"), dict) else {}
    key = item.get("key") or ""
    if "es-sii-v1" in addons and key in ("goods", "services"):
        vat.ext = {**vat.ext, "es-sii-product": key}
    if "es-tbai-v1" in addons and key in ("goods", "services", ""):
        ext = dict(vat.ext)
        if key == "goods":
            one_of(ext, "es-tbai-product", ("goods", "resale"))
        else:
            ext["es-tbai-product"] = "services"
        vat.ext = ext


def sdi_combo(combo) -> None:
    if combo.cat != VAT:
        return
    if combo.country and combo.country != "IT":
        # Italian VAT is not due: within the EU (N7) or outside it (N2.1).
        combo.ext = {**combo.ext, SDI_EXEMPT: "N7" if combo.country in EU_MEMBERS else "N2.1"}
        return
    code = combo.ext.get(SDI_EXEMPT)
    if combo.key in ("", "exempt") and code in SDI_KEYS:
        combo.key = SDI_KEYS[code]
        if combo.key == "zero":
            combo.percent = num.parse_percent("0%")
    elif not combo.key and not code:
        combo.key = "standard"
    set_code(combo, SDI_EXEMPT, SDI_CODES.get(combo.key))


def ticket_combo(combo) -> None:
    if combo.cat != VAT:
        return
    if combo.country and combo.country != "IT":
        combo.ext = {**combo.ext, TICKET_EXEMPT: "N2"}
        return
    code = combo.ext.get(TICKET_EXEMPT)
    if not combo.key and code in TICKET_KEYS:
        combo.key, combo.rate = TICKET_KEYS[code], ""
    elif not combo.key and not code:
        combo.key = "standard"
    set_code(combo, TICKET_EXEMPT, TICKET_CODES.get(combo.key))


def set_code(combo, ext_key: str, codes: tuple[str, ...] | None) -> None:
    """The code of the combo's key: kept when it is one of the key's, else the key's first
    (GOBL's SetOneOf); a charged combo (standard, or zero where no code is needed) has none."""
    if combo.key in ("standard", "zero") and codes is None:
        combo.ext = {k: v for k, v in combo.ext.items() if k != ext_key}
    elif codes is not None and combo.ext.get(ext_key) not in codes[1:]:
        combo.ext = {**combo.ext, ext_key: codes[0]}


# --- Spain's VERI*FACTU and SII: each VAT or IGIC combo gets its regime (régimen) and either
# its operation class (subject: S1, S2; not subject: N1, N2) or its exemption cause (E1-E6).

SPANISH_VAT = ("VAT", "IGIC")
# Each key's (extension, codes) as in SDI_CODES, and the extension it cannot have.
VERIFACTU_CODES = {
    "standard": ("op-class", ("S1",), "exempt"),
    "zero": ("op-class", ("S1",), "exempt"),
    "reverse-charge": ("op-class", ("S2",), "exempt"),
    "outside-scope": ("op-class", ("N2", "N1"), "exempt"),
    "exempt": ("exempt", ("E1", "E6"), "op-class"),
    "export": ("exempt", ("E2", "E3", "E4"), "op-class"),
    "intra-community": ("exempt", ("E5",), "op-class"),
}
SII_CODES = {
    "standard": (None, (), "exempt"),
    "zero": (None, (), "exempt"),
    "reverse-charge": (None, (), "exempt"),
    "outside-scope": ("outside-scope", ("location", "other"), "exempt"),
    "exempt": ("exempt", ("E1", "E6"), "outside-scope"),
    "export": ("exempt", ("E2", "E3", "E4"), "outside-scope"),
    "intra-community": ("exempt", ("E5",), "outside-scope"),
}
EXEMPT_KEYS = {
    "E1": "exempt",
    "E6": "exempt",
    "E2": "export",
    "E3": "export",
    "E4": "export",
    "E5": "intra-community",
}


def verifactu_combo(combo) -> None:
    spanish_combo(combo, "es-verifactu-", VERIFACTU_CODES, foreign=("op-class", "N2"))


def sii_combo(combo) -> None:
    spanish_combo(combo, "es-sii-", SII_CODES, foreign=("outside-scope", "location"))


def spanish_combo(combo, prefix: str, codes: dict, foreign: tuple[str, str]) -> None:
    if combo.cat not in SPANISH_VAT:
        return
    ext, regime, exempt = dict(combo.ext), prefix + "regime", prefix + "exempt"
    if combo.country and combo.country != "ES":
        # Assumed not subject in Spain: the place of supply is elsewhere.
        ext[prefix + foreign[0]] = foreign[1]
        one_of(ext, regime, ("01", "17"))
        ext.pop(exempt, None)
        combo.ext = ext
        return
    if not combo.key:
        combo.key = spanish_key(ext, prefix)
    if combo.key == "export":
        ext.setdefault(regime, "02")
    if combo.surcharge is not None and prefix == "es-verifactu-":
        ext.setdefault(regime, "18")  # equivalence surcharge
    ext.setdefault(regime, "01")
    if combo.key in codes:
        name, key_codes, excluded = codes[combo.key]
        if name is not None:
            one_of(ext, prefix + name, key_codes)
        ext.pop(prefix + excluded, None)
    combo.ext = ext


def spanish_key(ext: dict, prefix: str) -> str:
    """The key that the codes of a combo written before keys existed stand for."""
    key = EXEMPT_KEYS.get(ext.get(prefix + "exempt"), "")
    op_class = ext.get(prefix + "op-class")
    if op_class == "S2":
        key = "reverse-charge"
    elif op_class in ("N1", "N2") or prefix + "outside-scope" in ext:
        key = "outside-scope"
    return key or "standard"


# --- TicketBAI (Basque Country): one exemption extension says why no VAT is charged.

TBAI_EXEMPTION, TBAI_REGIME = "es-tbai-exemption", "es-tbai-regime"
TBAI_CODES = {
    "reverse-charge": ("S2",),
    "outside-scope": ("RL", "IE", "OT", "VT"),
    "exempt": ("E1", "E6"),
    "export": ("E2", "E3", "E4"),
    "intra-community": ("E5",),
}
TBAI_KEYS = {code: key for key, codes in TBAI_CODES.items() for code in codes}


def tbai_combo(combo) -> None:
    ext = dict(combo.ext)
    if combo.cat == "IGIC":
        # The Canaries' tax: not subject to VAT by location (IE), regime 08 by default.
        ext[TBAI_EXEMPTION] = "IE"
        ext.setdefault(TBAI_REGIME, "08")
    elif combo.cat == VAT and combo.country and combo.country != "ES":
        ext[TBAI_EXEMPTION] = "IE" if combo.country in EU_MEMBERS else "RL"
        ext.setdefault(TBAI_REGIME, "01")
    elif combo.cat == VAT:
        if not combo.key:
            combo.key = TBAI_KEYS.get(ext.get(TBAI_EXEMPTION), "standard")
        if combo.key == "export":
            ext.setdefault(TBAI_REGIME, "02")
        if combo.surcharge is not None or "eqs" in combo.rate.split("+"):
            ext.setdefault(TBAI_REGIME, "51")  # equivalence surcharge
        ext.setdefault(TBAI_REGIME, "01")
        if combo.key in TBAI_CODES:
            one_of(ext, TBAI_EXEMPTION, TBAI_CODES[combo.key])
        elif combo.key in ("standard", "zero"):
            ext.pop(TBAI_EXEMPTION, None)
    combo.ext = ext


# --- EN 16931 (the European e-invoice: UBL, CII, Factur-X, XRechnung, Peppol): each tax
# gets its UNTDID 5305 category.

UNTDID_CATEGORY = "untdid-tax-category"
VAT_CATEGORIES = {
    "standard": "S",
    "zero": "Z",
    "exempt": "E",
    "reverse-charge": "AE",
    "intra-community": "K",
    "export": "G",
    "outside-scope": "O",
}
VAT_CATEGORY_KEYS = {code: key for key, code in VAT_CATEGORIES.items()}
OTHER_CATEGORIES = {"IGIC": "L", "IPSI": "M"}  # the Canaries', Ceuta and Melilla's


def en16931_combo(combo) -> None:
    if combo.cat == VAT:
        if not combo.key:
            combo.key = VAT_CATEGORY_KEYS.get(combo.ext.get(UNTDID_CATEGORY), "standard")
        code = VAT_CATEGORIES.get(combo.key)
    else:
        code = OTHER_CATEGORIES.get(combo.cat, "O")  # any other tax: outside the scope
    if code is not None:
        combo.ext = {**combo.ext, UNTDID_CATEGORY: code}


# --- Poland's KSeF (FA_VAT v3): each combo's tax category, from its key and rate.

FAVAT_CATEGORY = "pl-favat-tax-category"
FAVAT_RATES = {"general": "1", "reduced": "2", "super-reduced": "3"}
FAVAT_KEYS = {
    "zero": "6.1",
    "intra-community": "6.2",
    "export": "6.3",
    "exempt": "7",
    "outside-scope": "8",
    "reverse-charge": "9",
}


def favat_combo(combo) -> None:
    if combo.country and combo.country != "PL":
        code = "8"  # a foreign sale
    elif combo.key == "standard":
        code = FAVAT_RATES.get(combo.rate)
    else:
        code = FAVAT_KEYS.get(combo.key)
    if code is not None:
        combo.ext = {**combo.ext, FAVAT_CATEGORY: code}


# --- Greece's myDATA: each VAT combo's rate category, or its exemption cause.

MYDATA_RATE, MYDATA_EXEMPTION = "gr-mydata-vat-rate", "gr-mydata-exemption"
MYDATA_RATES = {
    "general": "1",
    "reduced": "2",
    "super-reduced": "3",
    "general+island": "4",
    "reduced+island": "5",
    "super-reduced+island": "6",
}
MYDATA_NOT_CHARGED = "7"
MYDATA_CODES = {
    "outside-scope": ("1", "2", "3", "4", "24", "29", "30", "31"),
    "exempt": ("7", "5", "6", "9", "10", "11", "12", "13", "15", "17")
    + ("18", "19", "20", "21", "22", "23", "25", "26", "27"),
    "export": ("8", "28"),
    "intra-community": ("14",),
    "reverse-charge": ("16",),
}
MYDATA_KEYS = {code: key for key, codes in MYDATA_CODES.items() for code in codes}


def mydata_combo(combo) -> None:
    if combo.cat != VAT:
        return
    ext = dict(combo.ext)
    if combo.country and combo.country != "EL":
        # A sale taxed where the customer is (29 outside the EU, 30 within).
        ext[MYDATA_EXEMPTION] = "30" if combo.country in EU_MEMBERS else "29"
        ext[MYDATA_RATE] = MYDATA_NOT_CHARGED
        combo.key, combo.ext = "outside-scope", ext
        return
    if not combo.key:
        combo.key = MYDATA_KEYS.get(ext.get(MYDATA_EXEMPTION), "standard")
    if combo.key in ("standard", "zero"):
        if combo.rate in MYDATA_RATES:
            ext[MYDATA_RATE] = MYDATA_RATES[combo.rate]
        ext.pop(MYDATA_EXEMPTION, None)
    elif combo.key in MYDATA_CODES:
        one_of(ext, MYDATA_EXEMPTION, MYDATA_CODES[combo.key])
        ext[MYDATA_RATE] = MYDATA_NOT_CHARGED
    combo.ext = ext


# --- Argentina's ARCA (formerly AFIP): each combo's VAT rate code.

ARCA_RATE = "ar-arca-vat-rate"
ARCA_RATES = {"reduced": "4", "general": "5", "increased": "6"}


def arca_combo(combo) -> None:
    code = "3" if combo.key == "zero" else ARCA_RATES.get(combo.rate)
    if code is not None:
        combo.ext = {**combo.ext, ARCA_RATE: code}


def one_of(ext: dict, name: str, codes: tuple[str, ...]) -> None:
    """GOBL's SetOneOf: the code is kept when it is one of the others, else the first."""
    if ext.get(name) not in codes[1:]:
        ext[name] = codes[0]


COMBO_NORMALIZERS = {
    "it-sdi-v1": sdi_combo,
    "it-ticket-v1": ticket_combo,
    "es-verifactu-v1": verifactu_combo,
    "es-sii-v1": sii_combo,
    "es-tbai-v1": tbai_combo,
    "eu-en16931-v2017": en16931_combo,
    "pl-favat-v3": favat_combo,
    "gr-mydata-v1": mydata_combo,
    "ar-arca-v4": arca_combo,
    "pt-saft-v1": saft.combo,
    "fr-ctc-flow10-v1": en16931_combo,  # EN 16931's categories, without requiring it
}


# The extensions each add-on of GOBL's reference defines: those our build works out (as GOBL
# does), then those only the client can give (a municipality, a correction's cause...). The
# EN 16931 family defines none: it uses the catalogues' (untdid-*, iso-scheme-id, cef-vatex).
# pl-favat-v2's definition is left over from GOBL 0.300: v0.502.1 no longer registers it,
# so it does nothing to a document; its codes are known, never worked out.
EXTENSIONS = {
    "ar-arca-v4": (
        "ar-arca-doc-type ar-arca-concept ar-arca-vat-rate ar-arca-vat-status",
        "ar-arca-tax-type ar-arca-identity-type ar-arca-tourism-type ar-arca-tourism-item",
    ),
    "co-dian-v2": (
        "co-dian-fiscal-responsibility",
        "co-dian-municipality co-dian-credit-code co-dian-debit-code",
    ),
    "de-xrechnung-v3": ("", ""),
    "de-zugferd-v2": ("", ""),
    "es-facturae-v3": (
        "es-facturae-doc-type es-facturae-invoice-class",
        "es-facturae-subsidy es-facturae-correction",
    ),
    "es-sii-v1": (
        "es-sii-doc-type es-sii-correction-type es-sii-exempt es-sii-outside-scope es-sii-regime "
        "es-sii-identity-type es-sii-third-party-issuer es-sii-product",
        "es-sii-simplified-art7273",
    ),
    "es-tbai-v1": (
        "es-tbai-region es-tbai-product es-tbai-exemption es-tbai-regime es-tbai-identity-type "
        "es-tbai-simplified",
        "es-tbai-correction es-tbai-bi-activity",
    ),
    "es-verifactu-v1": (
        "es-verifactu-doc-type es-verifactu-correction-type es-verifactu-op-class "
        "es-verifactu-exempt es-verifactu-regime es-verifactu-identity-type "
        "es-verifactu-issuer-type",
        "es-verifactu-simplified-art7273",
    ),
    "eu-en16931-v2017": ("", ""),
    "fr-choruspro-v1": ("fr-choruspro-framework fr-choruspro-scheme", ""),
    "fr-facturx-v1": ("", ""),
    "gr-mydata-v1": (
        "gr-mydata-vat-rate gr-mydata-invoice-type gr-mydata-payment-means gr-mydata-exemption "
        "gr-mydata-tax-type",
        "gr-mydata-income-cat gr-mydata-income-type gr-mydata-fee gr-mydata-other-tax "
        "gr-mydata-stamp-duty",
    ),
    "it-sdi-v1": (
        "it-sdi-format it-sdi-document-type it-sdi-fiscal-regime it-sdi-exempt "
        "it-sdi-payment-means",
        "it-sdi-retained it-sdi-vat-liability it-sdi-fund-type it-sdi-liquidation-state "
        "it-sdi-shareholder-state",
    ),
    "it-ticket-v1": ("it-ticket-exempt it-ticket-product", "it-ticket-lottery it-ticket-line-ref"),
    "pl-favat-v2": ("", "pl-favat-vat-special pl-favat-vat-zero pl-favat-effective-date"),
    "pt-saft-v1": saft.EXTENSIONS,
    "mx-cfdi-v4": cfdi.EXTENSIONS,
    "fr-ctc-flow2-v1": ctc.EXTENSIONS,
    "fr-ctc-flow10-v1": (" ".join(ctc.FLOW10_EXTENSIONS), ""),
    "fr-ctc-flow6-v1": (" ".join(ctc.FLOW6_EXTENSIONS[:3]), " ".join(ctc.FLOW6_EXTENSIONS[3:])),
    "pl-favat-v3": (
        "pl-favat-tax-category pl-favat-invoice-type pl-favat-self-billing "
        "pl-favat-reverse-charge pl-favat-payment-means",
        "pl-favat-cash-accounting pl-favat-split-payment pl-favat-exemption "
        "pl-favat-margin-scheme pl-favat-jst pl-favat-group-vat pl-favat-third-party-role "
        "pl-favat-effective-date",
    ),
}
WORKED_OUT = {addon: frozenset(codes[0].split()) for addon, codes in EXTENSIONS.items()}
CLIENTS = {addon: frozenset(codes[1].split()) for addon, codes in EXTENSIONS.items()}
