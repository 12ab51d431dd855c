"""Portugal's SAF-T add-on (pt-saft-v1): the codes the AT's SAF-T (PT) report and its web
service read from a document.

GOBL v0.502.1 no longer carries it: since v0.502.0 it lives in its own module,
github.com/invopop/gobl.pt.saft, whose key GOBL approves (addons/external.go). Written from
that module's v0.0.1, the one built against GOBL v0.502.1 (July 2026): each VAT combo gets its
SAF-T rate code (NOR, INT, RED; ISE with an exemption cause M01-M99; OUT abroad), each line
with an exemption its legal note, each item its unit and product type, the document its type
(invoice FT/FS/FR/ND/NC, work PF/NE/OR, movement GR/GT/GD, payment RC/RG) and its source
(P: produced by this billing program).
"""

V1 = "pt-saft-v1"
VAT = "VAT"
TAX_RATE, EXEMPTION = "pt-saft-tax-rate", "pt-saft-exemption"
PRODUCT_TYPE, SOURCE = "pt-saft-product-type", "pt-saft-source"
INVOICE_TYPE, WORK_TYPE = "pt-saft-invoice-type", "pt-saft-work-type"
MOVEMENT_TYPE, PAYMENT_TYPE = "pt-saft-movement-type", "pt-saft-payment-type"
OLD_EXEMPTION = "pt-exemption-code"  # the PT regime's key before SAF-T became an add-on

EXTENSIONS = (
    f"{TAX_RATE} {EXEMPTION} {PRODUCT_TYPE} {SOURCE} {INVOICE_TYPE} {WORK_TYPE} "
    f"{MOVEMENT_TYPE} {PAYMENT_TYPE} pt-saft-payment-means",
    "pt-saft-source-ref",
)

RATE_CODES = {"reduced": "RED", "intermediate": "INT", "general": "NOR", "other": "OUT"}
RATES_OF_CODES = {code: rate for rate, code in RATE_CODES.items()}
EXEMPT, OTHER = "ISE", "OUT"
# Each key's exemption causes: the first is given to a combo of that key without one of them.
EXEMPTIONS = {
    "reverse-charge": ("M40", "M30", "M31", "M32", "M33", "M41", "M42", "M43"),
    "outside-scope": ("M99", "M44", "M45", "M46"),
    "intra-community": ("M16",),
    "export": ("M05", "M04"),
    "exempt": ("M07", "M01", "M02", "M03", "M06", "M09", "M10", "M11", "M12", "M13")
    + ("M14", "M15", "M19", "M20", "M21", "M25", "M26"),
}
EXEMPTIONS["zero"] = EXEMPTIONS["exempt"]  # no difference in Portugal
# The key an exemption cause stands for (combos written before keys existed).
EXEMPTION_KEYS = {code: key for key, codes in EXEMPTIONS.items() if key != "zero" for code in codes}
EXEMPTION_KEYS.update(dict.fromkeys(("M30", "M31", "M32", "M33"), "reverse-charge"))

# The text of the legal note each exemption cause gives a line: the law that exempts it, as
# the AT lists it (the cause's Portuguese name in the module).
EXEMPTION_TEXTS = {
    "M01": "Artigo 16.º, n.º 6, alíneas a) a d) do CIVA",
    "M02": "Artigo 6.º do Decreto-Lei n.º 198/90, de 19 de junho",
    "M04": "Artigo 13.º do CIVA",
    "M05": "Artigo 14.º do CIVA",
    "M06": "Artigo 15.º do CIVA",
    "M07": "Artigo 9.º do CIVA",
    "M09": "Artigo 62.º alínea b) do CIVA",
    "M10": "Artigo 57.º do CIVA",
    "M11": "Decreto-Lei n.º 346/85, de 23 de agosto",
    "M12": "Decreto-Lei n.º 221/85, de 3 de julho",
    "M13": "Decreto-Lei n.º 199/96, de 18 de outubro",
    "M14": "Decreto-Lei n.º 199/96, de 18 de outubro",
    "M15": "Decreto-Lei n.º 199/96, de 18 de outubro",
    "M16": "Artigo 14.º do RITI",
    "M19": "Outras isenções",
    "M20": "Artigo 59.º-D n.º 2 do CIVA",
    "M21": "Artigo 72.º n.º 4 do CIVA",
    "M25": "Artigo 38.º n.º 1 alínea a) do CIVA",
    "M26": "Lei n.º 17/2023, de 14 de abril",
    "M30": "Artigo 2.º n.º 1 alínea i) do CIVA",
    "M31": "Artigo 2.º n.º 1 alínea j) do CIVA",
    "M32": "Artigo 2.º n.º 1 alínea l) do CIVA",
    "M33": "Artigo 2.º n.º 1 alínea m) do CIVA",
    "M34": "Artigo 2.º n.º 1 alínea n) do CIVA",
    "M40": "Artigo 6.º n.º 6 alínea a) do CIVA, a contrário",
    "M41": "Artigo 8.º n.º 3 do RITI",
    "M42": "Decreto-Lei n.º 21/2007, de 29 de janeiro",
    "M43": "Decreto-Lei n.º 362/99, de 16 de setembro",
    "M44": "Artigo 6.º do CIVA – Regras específicas",
    "M45": "Art 58º-A do CIVA (IVA - regime transfronteiriço de isenção)",
    "M46": "Decreto-lei n.º 19/2017, de 14 de fevereiro",
    "M99": "Não sujeito ou não tributado",
}

# Units that say an item is a service (the rest are goods); no unit is a service too.
SERVICE_UNITS = frozenset(
    ("", "km", "w", "kw", "kwh", "rate", "mon", "day", "s", "h", "min", "service", "job")
    + ("activity", "trip", "item", "one")
)
PAYMENT_MEANS = {
    "card": "CC",
    "card+debit": "CD",
    "credit-transfer": "TB",
    "debit-transfer": "TB",
    "cash": "NU",
    "promissory-note": "LC",
    "netting": "CS",
    "cheque": "CH",
    "direct-debit": "TB",
    "online": "DE",
    "other": "OU",
}
INVOICE_TYPES = {"standard": "FT", "debit-note": "ND", "credit-note": "NC"}
ORDER_WORK_TYPES = {"purchase": "NE", "quote": "OR"}
DELIVERY_MOVEMENT_TYPES = {"note": "GR", "waybill": "GT"}


def combo(combo) -> None:
    """A VAT combo's SAF-T rate code, and its exemption cause when no VAT is charged."""
    if combo.cat != VAT:
        return
    ext = dict(combo.ext)
    if OLD_EXEMPTION in ext:
        ext[EXEMPTION] = ext.pop(OLD_EXEMPTION)
    if combo.country and combo.country != "PT":
        combo.ext = ext | {TAX_RATE: OTHER}
        return
    if not combo.key or combo.key == "exempt":
        combo.key = EXEMPTION_KEYS.get(ext.get(EXEMPTION), combo.key or "standard")
    if not combo.rate and ext.get(TAX_RATE) in RATES_OF_CODES:
        combo.rate = RATES_OF_CODES[ext[TAX_RATE]]
    if combo.key == "standard" and combo.rate in RATE_CODES:
        ext.pop(EXEMPTION, None)
        ext[TAX_RATE] = RATE_CODES[combo.rate]
    elif combo.key in EXEMPTIONS:
        ext[TAX_RATE] = EXEMPT
        codes = EXEMPTIONS[combo.key]
        if ext.get(EXEMPTION) not in codes[1:]:
            ext[EXEMPTION] = codes[0]
    combo.ext = ext


def finish_invoice(doc: dict, tags: list) -> dict:
    """What the add-on does to a calculated invoice; the document's codes it gives are
    returned, for the scenarios to merge into `tax.ext`."""
    issued = doc.get("issue_date")
    doc["value_date"] = doc.get("value_date") or doc.get("op_date") or issued
    payment = doc.get("payment") if isinstance(doc.get("payment"), dict) else {}
    for advance in objects(payment.get("advances")):
        advance.setdefault("date", issued)
    finish_lines(doc)
    codes = {}
    kind = doc.get("type")
    if kind in INVOICE_TYPES:
        codes[INVOICE_TYPE] = INVOICE_TYPES[kind]
    if kind == "standard" and "simplified" in tags:
        codes[INVOICE_TYPE] = "FS"
    if kind == "standard" and ("invoice-receipt" in tags or is_paid(doc)):
        codes[INVOICE_TYPE] = "FR"
    if kind == "proforma":
        codes[WORK_TYPE] = "PF"
    return codes


def is_paid(doc: dict) -> bool:
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    due = totals.get("due")
    return isinstance(due, str) and due.strip("0.-") == ""


def with_source(doc: dict, codes: dict) -> None:
    """The document's `tax.ext` with the codes and, unless given, its source."""
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    ext = tax.get("ext") if isinstance(tax.get("ext"), dict) else {}
    ext = {SOURCE: "P"} | ext | codes
    doc["tax"] = tax | {"ext": ext}


def finish_lines(doc: dict) -> None:
    for line in objects(doc.get("lines")):
        item = line.get("item")
        if isinstance(item, dict):
            finish_item(item)
        for tax in objects(line.get("taxes")):
            code = tax.get("ext", {}).get(EXEMPTION) if isinstance(tax.get("ext"), dict) else None
            notes = line.get("notes") if isinstance(line.get("notes"), list) else []
            if code in EXEMPTION_TEXTS and not any(is_exemption_note(n) for n in notes):
                note = {
                    "key": "legal",
                    "code": code,
                    "src": EXEMPTION,
                    "text": EXEMPTION_TEXTS[code],
                }
                line["notes"] = [*notes, note]


def is_exemption_note(note) -> bool:
    return isinstance(note, dict) and note.get("key") == "legal" and note.get("src") == EXEMPTION


def finish_item(item: dict) -> None:
    """An item's unit (one, unless given) and product type: a service by its unit, else
    goods."""
    item["unit"] = item.get("unit") or "one"
    ext = item.get("ext") if isinstance(item.get("ext"), dict) else {}
    if PRODUCT_TYPE not in ext:
        item["ext"] = ext | {PRODUCT_TYPE: "S" if item["unit"] in SERVICE_UNITS else "P"}


def finish_other(doc: dict, kind: str) -> None:
    """A payment's type and source; an order's work type and value date; a delivery's
    movement type (a return, GD, whatever its type). `kind` is payment, order or delivery."""
    tags = doc.get("$tags") if isinstance(doc.get("$tags"), list) else []
    if kind == "payment":
        ext = doc.get("ext") if isinstance(doc.get("ext"), dict) else {}
        ext = ext | {PAYMENT_TYPE: "RC" if "vat-cash" in tags else "RG"}
        doc["ext"] = {SOURCE: "P"} | ext
        return
    finish_lines(doc)
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    ext = tax.get("ext") if isinstance(tax.get("ext"), dict) else {}
    if kind == "order":
        doc["value_date"] = doc.get("value_date") or doc.get("op_date") or doc.get("issue_date")
        code = ext.get(WORK_TYPE) or ORDER_WORK_TYPES.get(doc.get("type"))
        name = WORK_TYPE
    else:
        returned = "GD" if "return" in tags else DELIVERY_MOVEMENT_TYPES.get(doc.get("type"))
        code, name = ext.get(MOVEMENT_TYPE) or returned, MOVEMENT_TYPE
    if code:  # an advice note or a sale order has no SAF-T type: its `tax` stays as it was
        doc["tax"] = tax | {"ext": ext | {name: code}}


def objects(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
