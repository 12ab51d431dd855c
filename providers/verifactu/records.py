"""From a GOBL invoice to the fields of a VERI*FACTU record, and the record's fingerprint.

The fingerprint (huella) follows the AEAT's "Detalle de las especificaciones técnicas para la
generación de la huella o hash de los registros": the SHA-256, in uppercase hexadecimal, of
the UTF-8 text `name=value&name=value…` over a fixed list of the record's fields, the
previous record's fingerprint among them (empty for the first record of a chain). Values are
trimmed; nothing else is normalised, so amounts are hashed exactly as written in the XML.
"""

import hashlib
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from silo.snippets import full_code

SPAIN = ZoneInfo("Europe/Madrid")
CENT = Decimal("0.01")

# Impuesto: which taxes the breakdown carries; retained taxes (IRPF) are not reported.
TAX_CODES = {"VAT": "01", "IPSI": "02", "IGIC": "03"}

# GOBL's tax combination keys → (ClaveRegimen, CalificacionOperacion or OperacionExenta).
# The es-verifactu-* extensions of a rate, when GOBL's addon set them, win over this.
KEY_CLASSES = {
    "": ("01", "S1"),
    "standard": ("01", "S1"),
    "zero": ("01", "S1"),
    "reverse-charge": ("01", "S2"),
    "exempt": ("01", "E1"),
    "export": ("02", "E2"),
    "intra-community": ("01", "E5"),
    "outside-scope": ("01", "N1"),
}
EXEMPT = {"E1", "E2", "E3", "E4", "E5", "E6"}
NOT_SUBJECT = {"N1", "N2"}
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


class NotRecordable(ValueError):
    """The document cannot become a VERI*FACTU record; the message says why."""


@dataclass
class TaxLine:
    """One DetalleDesglose."""

    tax: str  # Impuesto
    regime: str  # ClaveRegimen
    operation: str  # CalificacionOperacion (S1, S2, N1, N2) or OperacionExenta (E1…E6)
    base: Decimal
    percent: Decimal | None = None
    amount: Decimal | None = None  # CuotaRepercutida
    surcharge_percent: Decimal | None = None
    surcharge_amount: Decimal | None = None

    @property
    def exempt(self) -> bool:
        return self.operation in EXEMPT

    @property
    def charged(self) -> Decimal:
        """What this line adds to CuotaTotal."""
        return (self.amount or Decimal(0)) + (self.surcharge_amount or Decimal(0))


@dataclass
class Invoice:
    """What a RegistroAlta says about an invoice, in the AEAT's terms and formats."""

    issuer_nif: str  # IDEmisorFactura
    issuer_name: str  # NombreRazonEmisor
    num_serie: str  # NumSerieFactura
    issue_date: str  # FechaExpedicionFactura, dd-mm-yyyy
    type: str  # TipoFactura
    description: str  # DescripcionOperacion
    lines: list[TaxLine]
    tax_total: str  # CuotaTotal
    total: str  # ImporteTotal
    recipient: dict | None = None  # {"name", "nif"} or {"name", "country", "id"}
    corrective: str = ""  # TipoRectificativa
    corrected: list[dict] = field(default_factory=list)  # FacturasRectificadas
    operation_date: str = ""  # FechaOperacion


# --- Fingerprints


def fingerprint(pairs: list[tuple[str, str]]) -> str:
    text = "&".join(f"{name}={(value or '').strip()}" for name, value in pairs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def alta_fingerprint(
    *, issuer, num_serie, issue_date, type, tax_total, total, previous, generated_at
) -> str:
    return fingerprint(
        [
            ("IDEmisorFactura", issuer),
            ("NumSerieFactura", num_serie),
            ("FechaExpedicionFactura", issue_date),
            ("TipoFactura", type),
            ("CuotaTotal", tax_total),
            ("ImporteTotal", total),
            ("Huella", previous),
            ("FechaHoraHusoGenRegistro", generated_at),
        ]
    )


def anulacion_fingerprint(*, issuer, num_serie, issue_date, previous, generated_at) -> str:
    return fingerprint(
        [
            ("IDEmisorFacturaAnulada", issuer),
            ("NumSerieFacturaAnulada", num_serie),
            ("FechaExpedicionFacturaAnulada", issue_date),
            ("Huella", previous),
            ("FechaHoraHusoGenRegistro", generated_at),
        ]
    )


def evento_fingerprint(
    *,
    producer_nif,
    producer_id="",
    system_id,
    version,
    installation,
    issuer,
    type,
    previous,
    generated_at,
) -> str:
    """HuellaEvento: "NIF" twice, the system's producer (or its foreign ID) then the
    issuer's, so the pairs are a list, not a dict."""
    return fingerprint(
        [
            ("NIF", producer_nif),
            ("ID", producer_id),
            ("IdSistemaInformatico", system_id),
            ("Version", version),
            ("NumeroInstalacion", installation),
            ("NIF", issuer),
            ("TipoEvento", type),
            ("HuellaEvento", previous),
            ("FechaHoraHusoGenEvento", generated_at),
        ]
    )


def generated_now(now: datetime | None = None) -> str:
    """FechaHoraHusoGenRegistro: Spanish local time with its offset, to the second."""
    return (now or datetime.now(SPAIN)).astimezone(SPAIN).isoformat(timespec="seconds")


# --- The QR code


def qr_url(base: str, *, nif: str, num_serie: str, issue_date: str, total: str) -> str:
    """The URL the invoice's QR code holds (the AEAT's "Características del QR"): the four
    values UTF-8 percent-encoded, so a series with "&" or spaces survives."""
    query = urlencode(
        {"nif": nif, "numserie": num_serie, "fecha": issue_date, "importe": total},
        quote_via=quote,
    )
    return f"{base}?{query}"


# --- From GOBL


def invoice_of(doc: dict) -> Invoice:
    """The record's view of a built GOBL invoice; NotRecordable says what is missing."""
    if not str(doc.get("$schema", "")).endswith("/bill/invoice"):
        raise NotRecordable("only invoices (bill/invoice) can be recorded")
    supplier = doc.get("supplier") or {}
    nif = spanish_nif(supplier)
    if not nif:
        raise NotRecordable("the supplier needs a Spanish tax ID (NIF)")
    if not doc.get("code"):
        raise NotRecordable("the invoice needs a code (add a sequence step first)")
    totals = doc.get("totals") or {}
    if "total_with_tax" not in totals:
        raise NotRecordable("the invoice has no totals (build it first)")
    negate = doc.get("type") == "credit-note"  # "por diferencias": the amounts go negative
    lines = tax_lines(totals, negate)
    if not lines:
        raise NotRecordable("the invoice has no VAT, IGIC or IPSI breakdown")
    recipient = recipient_of(doc.get("customer"))
    return Invoice(
        issuer_nif=nif,
        issuer_name=supplier.get("name") or nif,
        num_serie=full_code(doc),
        issue_date=aeat_date(doc.get("issue_date")),
        type=invoice_type(doc, recipient),
        description=description(doc),
        lines=lines,
        tax_total=amount(sum((line.charged for line in lines), Decimal(0))),
        total=amount(signed(decimal(totals["total_with_tax"]), negate)),
        recipient=recipient,
        corrective="I" if doc.get("type") in ("credit-note", "corrective") else "",
        corrected=[corrected(p) for p in doc.get("preceding") or []],
        operation_date=aeat_date(doc["op_date"]) if doc.get("op_date") else "",
    )


def spanish_nif(party: dict | None) -> str:
    tax_id = (party or {}).get("tax_id") or {}
    if tax_id.get("country") != "ES" or not tax_id.get("code"):
        return ""
    return str(tax_id["code"]).upper()


def recipient_of(customer: dict | None) -> dict | None:
    tax_id = (customer or {}).get("tax_id") or {}
    if not tax_id.get("code"):
        return None
    name = customer.get("name") or tax_id["code"]
    if tax_id.get("country") == "ES":
        return {"name": name, "nif": str(tax_id["code"]).upper()}
    # IDOtro with IDType 02 (NIF-IVA): an EU VAT number, prefixed by its country.
    return {"name": name, "country": tax_id.get("country", ""), "id": tax_id["code"]}


def invoice_type(doc: dict, recipient: dict | None) -> str:
    """TipoFactura: the es-verifactu-doc-type extension when GOBL's addon set it, otherwise
    from the invoice's type and whether it is simplified (no identified customer)."""
    ext = ((doc.get("tax") or {}).get("ext") or {}).get("es-verifactu-doc-type")
    if ext:
        return ext
    tags = (doc.get("tax") or {}).get("tags") or []
    simplified = "simplified" in tags or recipient is None
    if doc.get("type") in ("credit-note", "corrective"):
        return "R5" if simplified else "R1"
    return "F2" if simplified else "F1"


def tax_lines(totals: dict, negate: bool) -> list[TaxLine]:
    found = []
    for category in (totals.get("taxes") or {}).get("categories") or []:
        tax = TAX_CODES.get(category.get("code"))
        if tax is None or category.get("retained"):
            continue
        for rate in category.get("rates") or []:
            found.append(tax_line(tax, rate, negate))
    return found


def tax_line(tax: str, rate: dict, negate: bool) -> TaxLine:
    ext = rate.get("ext") or {}
    regime, operation = KEY_CLASSES.get(rate.get("key") or "", KEY_CLASSES[""])
    regime = ext.get("es-verifactu-regime", regime)
    operation = ext.get("es-verifactu-exempt") or ext.get("es-verifactu-op-class") or operation
    line = TaxLine(tax, regime, operation, base=signed(decimal(rate.get("base")), negate))
    if operation in EXEMPT or operation in NOT_SUBJECT:
        return line  # no rate and no quota: AEAT rejects them on these operations
    line.percent = percent(rate.get("percent"))
    line.amount = Decimal(0) if operation == "S2" else signed(decimal(rate.get("amount")), negate)
    surcharge = rate.get("surcharge") or {}
    if surcharge.get("percent"):
        line.surcharge_percent = percent(surcharge["percent"])
        line.surcharge_amount = signed(decimal(surcharge.get("amount")), negate)
    return line


def description(doc: dict) -> str:
    """DescripcionOperacion (mandatory, up to 500 characters): the general note, or the
    names of the items."""
    for note in doc.get("notes") or []:
        if note.get("key") in ("general", None) and note.get("text"):
            return note["text"][:500]
    names = [((line.get("item") or {}).get("name") or "") for line in doc.get("lines") or []]
    text = ", ".join(name for name in names if name) or f"Factura {full_code(doc)}"
    return text[:500]


def corrected(preceding: dict) -> dict:
    return {
        "num_serie": full_code(preceding),
        "issue_date": aeat_date(preceding.get("issue_date")),
    }


# --- Formats


def aeat_date(value) -> str:
    """dd-mm-yyyy from GOBL's yyyy-mm-dd."""
    try:
        return date.fromisoformat(str(value)).strftime("%d-%m-%Y")
    except ValueError:
        raise NotRecordable(f"not a date: {value!r}") from None


def decimal(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise NotRecordable(f"not an amount: {value!r}") from None


def percent(value) -> Decimal:
    return decimal(str(value or "0").rstrip("%"))


def signed(value: Decimal, negate: bool) -> Decimal:
    return -value if negate else value


def amount(value: Decimal) -> str:
    """Two decimals, a point, no thousands separator: as written in the XML and hashed."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def valid_nif(nif: str) -> bool:
    """The check character of a DNI, NIE or CIF (the AEAT's test NIFs pass it too)."""
    nif = (nif or "").upper()
    if len(nif) != 9:
        return False
    if nif[0] in "XYZ":
        nif = str("XYZ".index(nif[0])) + nif[1:]
    if nif[:8].isdigit():
        return DNI_LETTERS[int(nif[:8]) % 23] == nif[8]
    if nif[0] in string.ascii_uppercase and nif[1:8].isdigit():
        return nif[8] in _cif_controls(nif[1:8])
    return False


def _cif_controls(digits: str) -> str:
    total = sum(int(d) for d in digits[1::2])
    total += sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
    control = (10 - total % 10) % 10
    return f"{control}{'JABCDEFGHI'[control]}"
