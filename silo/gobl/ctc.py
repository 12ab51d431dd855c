"""France's CTC reform: flow 2 (fr-ctc-flow2-v1), domestic B2B e-invoices cleared through the
PDPs on top of EN 16931, and flow 10 (fr-ctc-flow10-v1), the e-reporting of what flow 2 does
not clear (B2C sales, cross-border B2B).

GOBL v0.502.1 approves the key (addons/external.go) for the module invopop/gobl.fr.ctc; written
from its latest version, v0.0.3 (June 2026, built against a GOBL v0.403 pre-release): an
invoice is rounded per currency, gets its billing mode (M1, or M2 when paid) and the three
payment mentions French law asks for (PMT, PMD, AAB notes) unless it has them, a supplier of a
single VAT group (STC) its mention; French parties get their SIREN as a legal identity (from
the VAT code, or the SIRET), identities their ISO 6523 scheme, a SIREN inbox the Peppol key.
The document type codes are EN 16931's, with France's self-billed and factoring variants.
Flow 10 gives its tax combos EN 16931's categories, a B2C invoice (no customer) its category
(TNT1 unless given) and any other its billing mode, other EU parties their VAT number as a
legal identity (scheme 0223). Flow 6 (the invoice's life cycle: CDV statuses, payments)
gives a payment its status (211 sent, 212 received) and amount condition, a status line its
CDV code by status type and line key (or the key and type from a code given), its reasons and
actions their CDAR codes, and the parties their roles (seller SE, buyer BY).
"""

# EU members other than France, as GOBL's l10n union (Greece as both EL and GR).
EU_MEMBERS = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "GR", "HR", "HU")
    + ("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
)
FLOW2, FLOW6, FLOW10 = "fr-ctc-flow2-v1", "fr-ctc-flow6-v1", "fr-ctc-flow10-v1"
FLOWS = (FLOW2, FLOW6, FLOW10)
BILLING_MODE, B2C_CATEGORY = "fr-ctc-billing-mode", "fr-ctc-flow10-b2c-category"
EXTENSIONS = (BILLING_MODE, "")
FLOW10_EXTENSIONS = (BILLING_MODE, B2C_CATEGORY)
SCHEME = "iso-scheme-id"
SIREN, SIRET, PRIVATE, EU_VAT = "0002", "0009", "0224", "0223"
SIREN_INBOX, STC_SCHEME = "0225", "0231"
TEXT_SUBJECT = "untdid-text-subject"

REQUIRED_NOTES = (
    {
        "key": "payment",
        "text": "Conditions de paiement selon les conditions générales de vente.",
        "ext": {TEXT_SUBJECT: "PMT"},
    },
    {
        "key": "payment-method",
        "text": "Pénalités et indemnités de retard applicables conformément aux conditions "
        "générales de vente.",
        "ext": {TEXT_SUBJECT: "PMD"},
    },
    {
        "key": "payment-term",
        "text": "Aucun escompte n'est accordé pour paiement anticipé.",
        "ext": {TEXT_SUBJECT: "AAB"},
    },
)
STC_NOTE = {"key": "legal", "text": "MEMBRE_ASSUJETTI_UNIQUE", "ext": {TEXT_SUBJECT: "TXD"}}

DOCUMENT_TYPE = "untdid-document-type"
# (invoice types, tags, codes), as add-on scenarios: every one that matches, a later one wins.
SCENARIOS = tuple(
    ((kind,), tuple(tags.split()), {DOCUMENT_TYPE: code})
    for kind, tags, code in (
        ("standard", "", "380"),
        ("standard", "self-billed", "389"),
        ("standard", "factoring", "393"),
        ("standard", "self-billed factoring", "501"),
        ("standard", "prepayment", "386"),
        ("standard", "self-billed prepayment", "500"),
        ("corrective", "", "384"),
        ("corrective", "self-billed", "471"),
        ("corrective", "factoring", "472"),
        ("corrective", "self-billed factoring", "473"),
        ("credit-note", "", "381"),
        ("credit-note", "self-billed", "261"),
        ("credit-note", "factoring", "396"),
        ("credit-note", "self-billed factoring", "502"),
        ("credit-note", "prepayment", "503"),
    )
)


FLOW10_SCENARIOS = tuple(
    ((kind,), tuple(tags.split()), {DOCUMENT_TYPE: code})
    for kind, tags, code in (
        ("standard", "", "380"),
        ("standard", "prepayment", "386"),
        ("corrective", "", "384"),
        ("credit-note", "", "381"),
        ("credit-note", "prepayment", "503"),
    )
)


def prepare_invoice(doc: dict) -> None:
    """Before the calculation: French invoices round their taxes per currency."""
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    doc["tax"] = tax | {"rounding": "currency"}


def finish_flow10_invoice(doc: dict) -> None:
    """A B2C sale (no customer) is reported by category, any other by billing mode."""
    if isinstance(doc.get("customer"), dict):
        set_default(doc, BILLING_MODE, "M2" if is_paid(doc) else "M1")
    else:
        set_default(doc, B2C_CATEGORY, "TNT1")  # not subject to French VAT, unless said


def set_default(doc: dict, key: str, code: str) -> None:
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    ext = tax.get("ext") if isinstance(tax.get("ext"), dict) else {}
    if not ext.get(key):
        doc["tax"] = tax | {"ext": ext | {key: code}}


def finish_invoice(doc: dict) -> None:
    """After it, and after EN 16931's codes (GOBL runs the invoice's normalizer after those
    of its members): the billing mode and the mentions."""
    set_default(doc, BILLING_MODE, "M2" if is_paid(doc) else "M1")
    notes = doc.get("notes") if isinstance(doc.get("notes"), list) else []
    subjects = {n.get("ext", {}).get(TEXT_SUBJECT) for n in notes if isinstance(n, dict)}
    added = [dict(n, ext=dict(n["ext"])) for n in REQUIRED_NOTES]
    added = [n for n in added if n["ext"][TEXT_SUBJECT] not in subjects]
    supplier = doc.get("supplier") if isinstance(doc.get("supplier"), dict) else {}
    if has_scheme(supplier, STC_SCHEME) and not any(
        isinstance(n, dict) and n.get("text") == STC_NOTE["text"] for n in notes
    ):
        added.append(dict(STC_NOTE, ext=dict(STC_NOTE["ext"])))
    if added:
        doc["notes"] = [*notes, *added]


def is_paid(doc: dict) -> bool:
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    due = totals.get("due")
    return isinstance(due, str) and due.strip("0.-") == ""


def identities(party: dict) -> list[dict]:
    found = party.get("identities")
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


def has_scheme(party: dict, scheme: str) -> bool:
    return any((i.get("ext") or {}).get(SCHEME) == scheme for i in identities(party))


def normalize_identity(identity: dict, clearing: bool = True) -> None:
    ext = identity.get("ext") if isinstance(identity.get("ext"), dict) else {}
    if clearing and identity.get("key") == "private-id":
        ext = ext | {SCHEME: PRIVATE}
    for kind, scheme in (("SIREN", SIREN), ("SIRET", SIRET)):
        if identity.get("type") == kind and not ext.get(SCHEME):
            ext = ext | {SCHEME: scheme}
    if ext:
        identity["ext"] = ext


def normalize_party(party: dict, addons: list) -> None:
    """The schemes of a party's identities; with flows 2 and 10 a French party's SIREN
    (from its SIRET, else the last nine digits of its VAT code) as its legal identity, and
    with flow 10 another EU party's VAT number; with flows 2 and 6 a SIREN inbox is Peppol."""
    clearing = FLOW2 in addons or FLOW6 in addons
    for identity in identities(party):  # GOBL normalizes them first (its walk is post-order)
        normalize_identity(identity, clearing)
    if FLOW2 in addons or FLOW10 in addons:
        legal_identities(party, addons)
    inboxes = [i for i in party.get("inboxes") or [] if isinstance(i, dict)]
    if clearing and not any(i.get("key") == "peppol" for i in inboxes):
        for inbox in inboxes:
            if inbox.get("scheme") == SIREN_INBOX:
                inbox["key"] = "peppol"


def legal_identities(party: dict, addons: list) -> None:
    tax_id = party.get("tax_id") if isinstance(party.get("tax_id"), dict) else {}
    country, code = tax_id.get("country"), tax_id.get("code")
    if isinstance(code, str) and code and country == "FR":
        legal_identity(party, "SIREN", siren_of(code, party), SIREN)
    elif isinstance(code, str) and code and FLOW10 in addons and country in EU_MEMBERS:
        legal_identity(party, "", country + code, EU_VAT)
    found = identities(party)
    siret = next((i for i in found if i.get("type") == "SIRET"), None)
    siren = next((i for i in found if i.get("type") == "SIREN"), None)
    if siret is not None and siren is None and len(str(siret.get("code"))) == 14:
        siren = {"type": "SIREN", "code": str(siret["code"])[:9], "ext": {SCHEME: SIREN}}
        party["identities"] = [*found, siren]
    if siren is not None and not any(i.get("scope") == "legal" for i in identities(party)):
        siren["scope"] = "legal"


def legal_identity(party: dict, kind: str, code: str, scheme: str) -> None:
    """The identity of that scheme, as the party's legal one, unless it has one."""
    if code and not has_scheme(party, scheme):
        legal = {"type": kind, "code": code, "scope": "legal", "ext": {SCHEME: scheme}}
        party["identities"] = [*identities(party), {k: v for k, v in legal.items() if v}]


def siren_of(code: str, party: dict) -> str:
    for identity in identities(party):
        if identity.get("type") == "SIRET" and len(str(identity.get("code"))) == 14:
            return str(identity["code"])[:9]
    digits = "".join(c for c in code if c.isdigit())
    return digits[-9:]


# --- Flow 6: the invoice's life cycle (CDV)

ROLE, STATUS = "fr-ctc-flow6-role", "fr-ctc-flow6-status"
CONDITION, REASON, ACTION = "fr-ctc-flow6-condition", "fr-ctc-flow6-reason", "fr-ctc-flow6-action"
FLOW6_EXTENSIONS = (ROLE, STATUS, CONDITION, REASON, ACTION)
SELLER, BUYER = "SE", "BY"
# A payment's status, the roles of its supplier and customer, its amount conditions (the
# first is the default): an advice is sent by the buyer, a receipt by the seller.
PAYMENT_STATUSES = {
    "advice": ("211", BUYER, SELLER, ("MPA", "MEN", "RAP")),
    "receipt": ("212", SELLER, BUYER, ("MEN", "MPA", "RAP")),
}
# A status line's CDV code by its key, in a response from the recipient (the first of
# several is the default); an update or a system status codes only `issued`, as 200.
RESPONSE_CODES = {
    "issued": ("201",),
    "acknowledged": ("202",),
    "processing": ("204",),
    "accepted": ("205",),
    "querying": ("208",),
    "rejected": ("210", "207", "206"),
}
# What a code given stands for: the status type and the line's key.
CODE_KEYS = {"200": ("update", "issued"), "213": ("response", "error")} | {
    code: ("response", key) for key, codes in RESPONSE_CODES.items() for code in codes
}


def finish_flow6(doc: dict, kind: str) -> None:
    """A payment's or a status's flow 6 codes (`kind` is payment or status)."""
    if kind == "payment" and doc.get("type") in PAYMENT_STATUSES:
        status, supplier_role, customer_role, conditions = PAYMENT_STATUSES[doc["type"]]
        ext = doc.get("ext") if isinstance(doc.get("ext"), dict) else {}
        condition = ext.get(CONDITION) if ext.get(CONDITION) in conditions[1:] else conditions[0]
        doc["ext"] = ext | {STATUS: status, CONDITION: condition}
    elif kind == "status":
        supplier_role, customer_role = SELLER, BUYER
        for line in doc.get("lines") or []:
            if isinstance(line, dict):
                status_line(doc, line)
    else:
        return
    for role, code in (("supplier", supplier_role), ("customer", customer_role)):
        party = doc.get(role)
        if isinstance(party, dict):
            ext = party.get("ext") if isinstance(party.get("ext"), dict) else {}
            party["ext"] = {ROLE: code} | ext


# A reason's CDAR codes by its key (the first is the default; a code given among the others
# stays), and the conditions it may carry: bank details for finance terms, else data ones.
DATA = ("DIV", "DVA", "MAJ")
REASONS = {
    "finance-terms": (("COORD_BANC_ERR",), ("CBB", *DATA)),
    "other": (("AUTRE",), DATA),
    "legal": (
        ("NON_CONFORME", "TX_TVA_ERR", "REJ_SEMAN", "REJ_COH", "REJ_CONT_B2G", "IRR_VIDE_F")
        + ("IRR_TYPE_F", "IRR_SYNTAX", "IRR_TAILLE_PJ", "IRR_NOM_PJ", "IRR_VID_PJ")
        + ("IRR_EXT_DOC", "IRR_TAILLE_F", "IRR_ANTIVIRUS"),
        DATA,
    ),
    "not-recognized": (
        ("DOUBLON", "TRANSAC_INC", "EMMET_INC", "CONTRAT_TERM", "DOUBLE_FACT", "REJ_UNI"),
        DATA,
    ),
    "unknown-receiver": (("DEST_INC", "NON_TRANSMISE", "ROUTAGE_ERR"), DATA),
    "references": (
        ("CMD_ERR", "JUSTIF_ABS", "DEST_ERR", "ADR_ERR", "SIRET_ERR", "CODE_ROUTAGE_ERR")
        + ("REF_CT_ABSENT", "REF_ERR", "REJ_ADR", "REJ_REF_PJ", "REJ_ASS_PJ"),
        DATA,
    ),
    "prices": (("PU_ERR", "MONTANTTOTAL_ERR", "CALCUL_ERR", "REM_ERR"), DATA),
    "quantity": (("QTE_ERR",), DATA),
    "items": (("ART_ERR",), DATA),
    "payment-terms": (("MODPAI_ERR",), DATA),
    "quality": (("QUALITE_ERR",), DATA),
    "delivery": (("LIVR_INCOMP",), DATA),
}
REASON_KEYS = {code: key for key, (codes, _) in REASONS.items() for code in codes}
ACTIONS = {
    "none": "NOA",
    "provide": "PIN",
    "reissue": "NIN",
    "credit-full": "CNF",
    "credit-partial": "CNP",
    "credit-amount": "CNA",
    "other": "OTH",
}
ACTION_KEYS = {code: key for key, code in ACTIONS.items()}


def one_of(ext: dict, name: str, codes: tuple) -> dict:
    """GOBL's SetOneOf: a code among the others stays, else the first."""
    return ext if ext.get(name) in codes[1:] else ext | {name: codes[0]}


def reason(entry: dict) -> None:
    ext = entry.get("ext") if isinstance(entry.get("ext"), dict) else {}
    if not entry.get("key") and ext.get(REASON) in REASON_KEYS:
        entry["key"] = REASON_KEYS[ext[REASON]]
    if entry.get("key") in REASONS:
        codes, conditions = REASONS[entry["key"]]
        entry["ext"] = one_of(one_of(ext, REASON, codes), CONDITION, conditions)


def action(entry: dict) -> None:
    ext = entry.get("ext") if isinstance(entry.get("ext"), dict) else {}
    if not entry.get("key") and ext.get(ACTION) in ACTION_KEYS:
        entry["key"] = ACTION_KEYS[ext[ACTION]]
    if entry.get("key") in ACTIONS:
        entry["ext"] = ext | {ACTION: ACTIONS[entry["key"]]}


def status_line(doc: dict, line: dict) -> None:
    for name, normalize in (("reasons", reason), ("actions", action)):
        for entry in line.get(name) or []:
            if isinstance(entry, dict):
                normalize(entry)
    ext = line.get("ext") if isinstance(line.get("ext"), dict) else {}
    if ext.get(STATUS) in CODE_KEYS:
        doc["type"], line["key"] = CODE_KEYS[ext[STATUS]]
    elif not doc.get("type") and line.get("key") == "issued":
        doc["type"] = "update"
    elif not doc.get("type") and line.get("key") in (*RESPONSE_CODES, "error"):
        doc["type"] = "response"
    kind, key = doc.get("type"), line.get("key")
    if kind in ("update", "system"):
        codes = ("200",) if key == "issued" else None
    elif kind == "response":
        codes = RESPONSE_CODES.get(key)
    else:
        return
    if codes is None:
        ext = {k: v for k, v in ext.items() if k != STATUS}
    elif ext.get(STATUS) not in codes[1:]:
        ext = ext | {STATUS: codes[0]}
    if ext:
        line["ext"] = ext
    else:
        line.pop("ext", None)
