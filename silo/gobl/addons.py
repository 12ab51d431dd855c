"""What GOBL's add-ons (a document's `$addons`) do to its tax combos before they are
calculated: a format's codes can decide a combo's key, and a key gives the combo its code.

So far the Italian ones, whose exemption codes ("natura") are how Italian clients say why no
VAT is charged: it-sdi-v1 (FatturaPA) and it-ticket-v1 (receipts). Written from GOBL
v0.502.1's normalizers; the codes of other add-ons are not added yet (their `ext` on rate
rows is the difference that remains).
"""

from . import amounts as num

VAT = "VAT"
# EU members today, by tax country code (Greece as both EL and GR), as GOBL's l10n union.
EU_MEMBERS = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR")
    + ("HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
)

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


def normalize_combo(combo, addons: tuple[str, ...]) -> None:
    for addon in addons:
        normalize = COMBO_NORMALIZERS.get(addon)
        if normalize is not None:
            normalize(combo)


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


COMBO_NORMALIZERS = {"it-sdi-v1": sdi_combo, "it-ticket-v1": ticket_combo}
