"""Correcting and replicating GOBL documents, as GOBL's Envelope.Correct and Replicate do.

Correct (GOBL's bill/invoice_correct.go) makes, from an issued invoice, the credit note,
debit note or corrective invoice that corrects it: the invoice's uuid, type, series, code
and issue date move into `preceding` with the options' reason and extensions, the stamps
the regime names are copied there from the envelope's header, and the tax totals too when
`copy_tax` says so; the new document gets the options' type, series and issue date (today
by default), no code and a new uuid, and is built afresh. What a correction may be comes
from the regime and the document's add-ons together (their definitions merged): the
allowed types, the extensions offered, the stamps required, whether a reason is.

Replicate (bill/*_replicate.go) makes a new draft from a document: uuid, code and dates
cleared (the series stays), in a new envelope without the stamps and signatures.

Where we do more than GOBL, to spare the user a correction that cannot pass: an add-on
whose rules require a correction extension on the preceding document (TicketBAI's and
FacturaE's, rules 06) is asked for it in the options, by name, rather than after the build;
and `copy_tax`, when not given, is true where a definition recommends it (VERI*FACTU and
SII require the preceding taxes of a corrective invoice; GOBL only recommends the option).

Problems are named by JSON pointer into the request's {data, options} (SiloCorrectGOBL),
which the console's form and the workflow step read too.
"""

import os
import time
import uuid
from dataclasses import dataclass

from invopop_console.pointers import escape

from .envelope import ENVELOPE, INVOICE, build_envelope, fresh_copy, is_envelope
from .problems import Problem, Problems
from .regimes import regime_for

CREDIT_NOTE, DEBIT_NOTE, CORRECTIVE = "credit-note", "debit-note", "corrective"
# GOBL's invoice types that correct another, with its titles (bill/invoice.json).
CORRECTION_TYPES = {
    CREDIT_NOTE: (
        "Credit Note",
        "Reflects a refund either partial or complete of the preceding document. A \n"
        "credit note effectively *extends* the previous document.",
    ),
    CORRECTIVE: (
        "Corrective",
        "Corrected invoice that completely *replaces* the preceding document.",
    ),
    DEBIT_NOTE: (
        "Debit Note",
        "An additional set of charges to be added to the preceding document.",
    ),
}
OPTION_NAMES = ("type", "issue_date", "series", "stamps", "reason", "ext", "copy_tax")
REPLICATED = ("uuid", "code", "issue_date", "issue_time", "value_date", "op_date")


@dataclass(frozen=True)
class Definition:
    """GOBL's tax.CorrectionDefinition for invoices, with what its normalizer does."""

    types: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    stamps: tuple[str, ...] = ()
    reason_required: bool = False
    copy_tax: bool = False
    # Extensions the add-on's rules require on the preceding document (see the docstring).
    required: tuple[str, ...] = ()
    # The normalizer of VERI*FACTU, SII and ARCA moves this option from the preceding
    # document to the new invoice's tax extensions.
    to_invoice: str = ""
    # ARCA's keeps the original's tax extensions (its document type) on the preceding.
    keeps_tax_ext: bool = False

    def merged(self, other: "Definition") -> "Definition":
        """GOBL's Merge: lists joined without repeats, flags or-ed."""
        return Definition(
            types=unique(self.types + other.types),
            extensions=unique(self.extensions + other.extensions),
            stamps=unique(self.stamps + other.stamps),
            reason_required=self.reason_required or other.reason_required,
            copy_tax=self.copy_tax or other.copy_tax,
            required=unique(self.required + other.required),
            to_invoice=self.to_invoice or other.to_invoice,
            keeps_tax_ext=self.keeps_tax_ext or other.keeps_tax_ext,
        )


def unique(keys: tuple) -> tuple:
    return tuple(dict.fromkeys(keys))


# GOBL v0.502.1's regimes (regimes/*/corrections); FI, IE, PL, SA and SE define none, so any
# correction type is taken there.
CREDIT = Definition(types=(CREDIT_NOTE,))
CREDIT_DEBIT = Definition(types=(CREDIT_NOTE, DEBIT_NOTE))
REGIMES = {
    **dict.fromkeys(("AE", "AT", "BE", "BR", "CH", "DE", "DK", "GB", "NL", "NO", "SG"), CREDIT),
    **dict.fromkeys(("AR", "CA", "CO", "IN", "IT", "PT", "US"), CREDIT_DEBIT),
    "EL": Definition(types=(CREDIT_NOTE,), stamps=("iapr-mark",)),
    "ES": Definition(types=(CREDIT_NOTE, CORRECTIVE, DEBIT_NOTE)),
    "FR": Definition(types=(CREDIT_NOTE, CORRECTIVE)),
    "MX": Definition(types=(CREDIT_NOTE,), stamps=("sat-uuid",)),
}
# And its add-ons' (addons/*/bill*.go).
ADDONS = {
    "ar-arca-v4": Definition(
        extensions=("ar-arca-doc-type",), to_invoice="ar-arca-doc-type", keeps_tax_ext=True
    ),
    "co-dian-v2": Definition(
        types=(CREDIT_NOTE, DEBIT_NOTE),
        extensions=("co-dian-credit-code", "co-dian-debit-code"),
        reason_required=True,
        stamps=("dian-cude",),
    ),
    "es-facturae-v3": Definition(
        extensions=("es-facturae-correction",), required=("es-facturae-correction",)
    ),
    "es-sii-v1": Definition(
        extensions=("es-sii-doc-type",), copy_tax=True, to_invoice="es-sii-doc-type"
    ),
    "es-tbai-v1": Definition(extensions=("es-tbai-correction",), required=("es-tbai-correction",)),
    "es-verifactu-v1": Definition(
        extensions=("es-verifactu-doc-type",), copy_tax=True, to_invoice="es-verifactu-doc-type"
    ),
    "it-ticket-v1": Definition(types=(CORRECTIVE,), stamps=("ade-ref",)),
    "pl-favat-v2": Definition(
        types=(CREDIT_NOTE,),
        extensions=("pl-favat-effective-date",),
        reason_required=True,
        stamps=("favat-id",),
    ),
    "pl-favat-v3": Definition(types=(CREDIT_NOTE,), stamps=("favat-ksef-number",)),
    "pt-saft-v1": Definition(reason_required=True),  # its module's invoices.go
}
# The extensions that corrections offer, as GOBL names them and their codes (English).
EXTENSIONS = {
    "ar-arca-doc-type": (
        "Argentina ARCA Document Type",
        (
            ("1", "Invoice A"),
            ("2", "Debit Note A"),
            ("3", "Credit Note A"),
            ("4", "Receipt A"),
            ("5", "Cash Sales Note A"),
            ("6", "Invoice B"),
            ("7", "Debit Note B"),
            ("8", "Credit Note B"),
            ("9", "Receipt B"),
            ("10", "Cash Sales Note B"),
            ("11", "Invoice C"),
            ("12", "Debit Note C"),
            ("13", "Credit Note C"),
            ("15", "Receipt C"),
            ("34", "Invoices A per Annex I, Section A, subsection f), R.G. No. 1415"),
            ("35", "Vouchers B per Annex I, Section A, subsection f), R.G. No. 1415"),
            ("39", "Other Vouchers A compliant with R.G. No. 1415"),
            ("40", "Other Vouchers B compliant with R.G. No. 1415"),
            ("49", "Used Goods Purchase Invoice to Final Consumer"),
            ("51", "Invoice A with Legend 'Subject to Withholding'"),
            ("52", "Debit Note A with Legend 'Subject to Withholding'"),
            ("53", "Credit Note A with Legend 'Subject to Withholding'"),
            ("54", "Receipt A with Legend 'Subject to Withholding'"),
            ("60", "Sales Account and Product Settlement A"),
            ("61", "Sales Account and Product Settlement B"),
            ("63", "Settlement A"),
            ("64", "Settlement B"),
            ("201", "MiPyMEs Electronic Credit Invoice (FCE) A"),
            ("202", "MiPyMEs Electronic Debit Note (FCE) A"),
            ("203", "MiPyMEs Electronic Credit Note (FCE) A"),
            ("206", "MiPyMEs Electronic Credit Invoice (FCE) B"),
            ("207", "MiPyMEs Electronic Debit Note (FCE) B"),
            ("208", "MiPyMEs Electronic Credit Note (FCE) B"),
            ("211", "MiPyMEs Electronic Credit Invoice (FCE) C"),
            ("212", "MiPyMEs Electronic Debit Note (FCE) C"),
            ("213", "MiPyMEs Electronic Credit Note (FCE) C"),
            ("195", "Invoice T"),
            ("196", "Debit Note T"),
            ("197", "Credit Note T"),
        ),
    ),
    "co-dian-credit-code": (
        "Credit Code",
        (
            ("1", "Partial refund"),
            ("2", "Revoked"),
            ("3", "Discount"),
            ("4", "Adjustment"),
            ("5", "Other"),
        ),
    ),
    "co-dian-debit-code": (
        "Debit Code",
        (
            ("1", "Interest"),
            ("2", "Pending charges"),
            ("3", "Change in value"),
            ("4", "Other"),
        ),
    ),
    "es-facturae-correction": (
        "FacturaE Change",
        (
            ("01", "Invoice code"),
            ("02", "Invoice series"),
            ("03", "Issue date"),
            ("04", "Name and surnames/Corporate name - Issuer (Sender)"),
            ("05", "Name and surnames/Corporate name - Receiver"),
            ("06", "Issuer's Tax Identification Number"),
            ("07", "Receiver's Tax Identification Number"),
            ("08", "Supplier's address"),
            ("09", "Customer's address"),
            ("10", "Item line"),
            ("11", "Applicable Tax Rate"),
            ("12", "Applicable Tax Amount"),
            ("13", "Applicable Date/Period"),
            ("14", "Invoice Class"),
            ("15", "Legal literals"),
            ("16", "Taxable Base"),
            ("80", "Calculation of tax outputs"),
            ("81", "Calculation of tax inputs"),
            ("82", "Taxable Base modified due to return of packages and packaging materials"),
            ("83", "Taxable Base modified due to discounts and rebates"),
            ("84", "Taxable Base modified due to firm court ruling or administrative decision"),
            (
                "85",
                "Taxable Base modified due to unpaid outputs where there is a judgement opening "
                "insolvency proceedings",
            ),
        ),
    ),
    "es-sii-doc-type": (
        "Invoice Type",
        (
            ("F1", "Invoice (Article 6, 7.2 and 7.3 of RD 1619/2012)"),
            ("F2", "Simplified invoice (Article 6.1.d) of RD 1619/2012)"),
            ("F3", "Invoice issued as replacement of simplified invoice"),
            ("F4", "Summary entry of invoices"),
            ("F5", "Imports (DUA)"),
            ("F6", "Accounting justifications"),
            ("R1", "Rectified invoice: articles 80.1, 80.2, and 80.6"),
            ("R2", "Rectified invoice: article 80.3"),
            ("R3", "Rectified invoice: article 80.4"),
            ("R4", "Rectified invoice: other"),
            ("R5", "Rectified invoice: simplified invoices"),
            ("AJ", "Profit margin adjustment"),
            ("LC", "Customs - Complementary settlement"),
        ),
    ),
    "es-tbai-correction": (
        "TicketBAI Rectification Type Code",
        (
            (
                "R1",
                "Rectified invoice: error based on law and Article 80 One, Two and Six of the "
                "Provincial Tax Law of VAT",
            ),
            (
                "R2",
                "Rectified invoice: error based on law and Article 80 Three of the "
                "Provincial Tax Law of VAT",
            ),
            (
                "R3",
                "Rectified invoice: error based on law and Article 80 Four of the "
                "Provincial Tax Law of VAT",
            ),
            ("R4", "Rectified invoice: Other"),
            ("R5", "Rectified invoice: simplified invoices"),
        ),
    ),
    "es-verifactu-doc-type": (
        "Invoice Type Code",
        (
            ("F1", "Invoice (Article 6, 7.2 and 7.3 of RD 1619/2012)"),
            ("F2", "Simplified invoice (Article 6.1.d) of RD 1619/2012)"),
            ("F3", "Invoice issued as replacement of simplified invoice"),
            ("R1", "Rectified invoice: articles 80.1, 80.2, and 80.6"),
            ("R2", "Rectified invoice: article 80.3"),
            ("R3", "Rectified invoice: article 80.4"),
            ("R4", "Rectified invoice: other"),
            ("R5", "Rectified invoice: simplified invoices"),
        ),
    ),
    "pl-favat-effective-date": (
        "Effective date code.",
        (
            ("1", "Original"),
            ("2", "Correction"),
            ("3", "Other"),
        ),
    ),
}


# --- What a correction may be


def definition(doc: dict) -> Definition:
    """The invoice's correction definition: its regime's merged with its add-ons'."""
    regime = regime_for(doc.get("$regime") or supplier_country(doc))
    found = REGIMES.get(regime.country, Definition()) if regime else Definition()
    addons = doc.get("$addons") if isinstance(doc.get("$addons"), list) else []
    for addon in addons:
        if isinstance(addon, str) and addon in ADDONS:
            found = found.merged(ADDONS[addon])
    return found


def supplier_country(doc: dict):
    supplier = doc.get("supplier") if isinstance(doc.get("supplier"), dict) else {}
    tax_id = supplier.get("tax_id") if isinstance(supplier.get("tax_id"), dict) else {}
    return tax_id.get("country")


def allowed_types(found: Definition) -> tuple[str, ...]:
    return found.types or tuple(CORRECTION_TYPES)


def options_schema(envelope: dict) -> dict:
    """The JSON schema of the correction options for this envelope's invoice, as GOBL's
    CorrectionOptionsSchema makes it from bill/correction-options: the types allowed (the
    first by default), the invoice's series by default, the extensions offered with their
    codes, a reason required where the definition says so."""
    doc = document(envelope)
    found = definition(doc)
    country = (doc.get("$regime") or supplier_country(doc) or "").lower()
    options = {
        "type": {
            "$ref": "https://gobl.org/draft-0/cbc/key",
            "title": "Type",
            "description": "The type of corrective invoice to produce.",
            "default": allowed_types(found)[0],
            "oneOf": [type_choice(key) for key in allowed_types(found)],
        },
        "issue_date": {
            "$ref": "https://gobl.org/draft-0/cal/date",
            "title": "Issue Date",
            "description": "When the new corrective invoice's issue date should be set to.",
        },
        "series": {
            "$ref": "https://gobl.org/draft-0/cbc/code",
            "title": "Series",
            "description": "Series to assign to the new corrective invoice.",
        },
        "stamps": {
            "items": {"$ref": "https://gobl.org/draft-0/head/stamp"},
            "type": "array",
            "title": "Stamps",
            "description": "Stamps of the previous document to include in the preceding data.",
        },
        "reason": {
            "type": "string",
            "title": "Reason",
            "description": "Human readable reason for the corrective operation.",
        },
        "copy_tax": {
            "type": "boolean",
            "title": "Copy Tax Totals",
            "description": "CopyTax when true will copy the tax totals from the previous "
            "document to the\npreceding document data.",
        },
    }
    if doc.get("series"):
        options["series"]["default"] = doc["series"]
    recommended = ["series"]
    if found.extensions:
        options["ext"] = extensions_schema(found.extensions)
        recommended.append("ext")
    if found.copy_tax:
        recommended.append("copy_tax")
    required = ["type", "reason"] if found.reason_required else ["type"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://gobl.org/draft-0/bill/correction-options?tax_regime={country}",
        "$ref": "#/$defs/bill.CorrectionOptions",
        "$defs": {
            "bill.CorrectionOptions": {
                "properties": order_options(options),
                "type": "object",
                "required": required,
                "description": "CorrectionOptions defines a structure used to pass "
                "configuration options to correct a previous invoice.",
                "recommended": recommended,
            }
        },
        "$comment": f"Generated dynamically for {country}",
    }


def type_choice(key: str) -> dict:
    title, description = CORRECTION_TYPES[key]
    return {"const": key, "title": title, "description": description}


def extensions_schema(keys: tuple[str, ...]) -> dict:
    properties = {}
    for key in keys:
        name, codes = EXTENSIONS[key]
        properties[key] = {"title": name, "type": "string"}
        if codes:
            properties[key]["oneOf"] = [{"const": code, "title": title} for code, title in codes]
    return {
        "title": "Extensions",
        "description": "Extensions for region specific requirements that may be added in the "
        "preceding\nor at the document level, according to the local rules.",
        "type": "object",
        "properties": properties,
        "recommended": list(properties),
    }


def order_options(options: dict) -> dict:
    return {name: options[name] for name in OPTION_NAMES if name in options}


# --- Correcting


def correct(envelope: dict, options, head_uuid=None) -> tuple[dict | None, list[Problem]]:
    """The envelope of the document that corrects `envelope`'s invoice as `options` say
    (GOBL's CorrectionOptions), built; or None and what makes the correction impossible.
    The built document's own problems come with it, by pointer into the new envelope."""
    problems = Problems()
    doc = correctable(envelope, problems.at("/data"))
    if doc is None:
        return None, problems.found
    options = read_options(options, problems.at("/options"))
    if options is None:
        return None, problems.found
    found = definition(doc)
    check_options(options, found, problems.at("/options"))
    stamps = preceding_stamps(envelope, options, found, problems.at("/options"))
    if problems:
        return None, problems.found
    corrected = corrected_document(doc, options, found, stamps)
    return build_envelope({"$schema": ENVELOPE, "doc": corrected}, head_uuid)


def document(envelope) -> dict:
    doc = envelope.get("doc") if isinstance(envelope, dict) else None
    return doc if isinstance(doc, dict) else {}


def correctable(envelope, problems: Problems) -> dict | None:
    """The invoice to correct, or None with the reason (GOBL corrects envelopes only, and
    an invoice only once it has its code)."""
    if not isinstance(envelope, dict) or not is_envelope(envelope):
        problems.add("", "must be a GOBL envelope (not a bare document): the invoice to correct")
        return None
    doc = document(envelope)
    if doc.get("$schema") != INVOICE:
        problems.add("/doc/$schema", "only invoices can be corrected")
        return None
    if not doc.get("code"):
        problems.add("/doc/code", "is required: an invoice is corrected once it has its code")
        return None
    return doc


def read_options(options, problems: Problems) -> dict | None:
    """The options with their types checked, or None."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        problems.add("", "must be an object: the correction options")
        return None
    kinds = {
        "type": str, "issue_date": str, "series": str, "reason": str,
        "ext": dict, "stamps": list, "copy_tax": bool,
    }  # fmt: skip
    for name, kind in kinds.items():
        if options.get(name) is not None and not isinstance(options[name], kind):
            problems.add(f"/{name}", f"must be {KIND_NAMES[kind]}")
    for key, code in (
        (options.get("ext") or {}).items() if isinstance(options.get("ext"), dict) else ()
    ):
        if not isinstance(code, str):
            problems.add(f"/ext/{escape(key)}", "must be a string")
    for index, stamp in (
        enumerate(options.get("stamps") or []) if isinstance(options.get("stamps"), list) else ()
    ):
        if not (
            isinstance(stamp, dict)
            and isinstance(stamp.get("prv"), str)
            and isinstance(stamp.get("val"), str)
        ):
            problems.add(f"/stamps/{index}", "must be a stamp: {prv, val}")
    return None if problems else options


KIND_NAMES = {str: "a string", dict: "an object", list: "a list", bool: "true or false"}


def check_options(options: dict, found: Definition, problems: Problems) -> None:
    kind = options.get("type")
    allowed = allowed_types(found)
    if not kind:
        problems.add("/type", "is required: one of " + ", ".join(allowed))
    elif kind not in allowed:
        problems.add(
            "/type", f"{kind!r} is not a correction this regime allows: one of {', '.join(allowed)}"
        )
    if found.reason_required and not options.get("reason"):
        problems.add("/reason", "is required for a correction in this regime")
    ext = options.get("ext") or {}
    for key in found.required:
        if not ext.get(key):
            problems.add(f"/ext/{key}", "is required: the preceding document's correction code")
    for key, code in ext.items():
        codes = [c for c, _ in EXTENSIONS[key][1]] if key in EXTENSIONS else []
        if key in found.extensions and codes and code not in codes:
            problems.add(f"/ext/{escape(key)}", f"{code!r} is not one of {', '.join(codes)}")
    issue_date = options.get("issue_date")
    if issue_date and not is_date(issue_date):
        problems.add("/issue_date", "must be a date: YYYY-MM-DD")


def is_date(text: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def preceding_stamps(envelope: dict, options: dict, found: Definition, problems: Problems) -> list:
    """The stamps the definition requires, from the options or else the envelope's header
    (GOBL looks in both, the options first)."""
    head = envelope.get("head") if isinstance(envelope.get("head"), dict) else {}
    header_stamps = head.get("stamps") if isinstance(head.get("stamps"), list) else []
    given = [*(options.get("stamps") or []), *(s for s in header_stamps if isinstance(s, dict))]
    stamps = []
    for provider in found.stamps:
        stamp = next((s for s in given if s.get("prv") == provider), None)
        if stamp is None:
            problems.add("/stamps", f"the stamp {provider!r} of the invoice is required")
        else:
            stamps.append(stamp)
    return stamps


def corrected_document(doc: dict, options: dict, found: Definition, stamps: list) -> dict:
    """GOBL's Invoice.Correct on a copy of `doc`, before the build."""
    doc = fresh_copy(doc)
    preceding = {
        "uuid": doc.get("uuid"),
        "type": doc.get("type"),
        "series": doc.get("series"),
        "code": doc.get("code"),
        "issue_date": doc.get("issue_date"),
        "reason": options.get("reason"),
        "stamps": stamps,
        "ext": dict(options.get("ext") or {}),
    }
    copy_tax = options.get("copy_tax")
    if copy_tax is None:
        copy_tax = found.copy_tax
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    if copy_tax and totals.get("taxes"):
        preceding["tax"] = totals["taxes"]
    doc["preceding"] = [preceding]
    normalize(doc, preceding, options, found)
    doc["preceding"] = [{k: v for k, v in preceding.items() if v not in (None, "", [], {})}]
    doc["uuid"] = new_uuid()
    doc["type"] = options["type"]
    if options.get("series"):
        doc["series"] = options["series"]
    doc.pop("code", None)
    doc["issue_date"] = options.get("issue_date")  # None: today, in the regime's time zone
    if not doc["issue_date"]:
        del doc["issue_date"]
    return doc


def normalize(doc: dict, preceding: dict, options: dict, found: Definition) -> None:
    """The add-ons' correction normalizers: the document type chosen in the options goes to
    the new invoice (VERI*FACTU, SII, ARCA), ARCA keeps the original's on the preceding."""
    if not found.to_invoice:
        return
    preceding["ext"].pop(found.to_invoice, None)
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    tax_ext = tax.get("ext") if isinstance(tax.get("ext"), dict) else {}
    if found.keeps_tax_ext and tax_ext:
        preceding["ext"] = {**tax_ext, **preceding["ext"]}
    chosen = (options.get("ext") or {}).get(found.to_invoice)
    if chosen:
        doc["tax"] = {**tax, "ext": {**tax_ext, found.to_invoice: chosen}}


def new_uuid() -> str:
    """A version 7 UUID (time-ordered), as GOBL gives a new document; Python has them only
    from 3.14."""
    millis = time.time_ns() // 1_000_000
    raw = bytearray(millis.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return str(uuid.UUID(bytes=bytes(raw)))


# --- Replicating


def replicate(envelope, head_uuid=None) -> tuple[dict | None, list[Problem]]:
    """A new envelope with a copy of `envelope`'s document (or of a bare document), without
    what must change between documents: GOBL's Replicate clears the uuid, code and dates of
    invoices, orders, deliveries and payments; the header's stamps and the signatures are
    not carried over. Built, with a new document uuid."""
    doc = document(envelope) if is_envelope(envelope) else envelope
    if not isinstance(doc, dict) or not isinstance(doc.get("$schema"), str):
        where = "/doc" if is_envelope(envelope) else ""
        return None, [Problem(where, "must be a GOBL document to replicate")]
    doc = {k: v for k, v in fresh_copy(doc).items() if k not in REPLICATED}
    doc = {"$schema": doc.pop("$schema"), "uuid": new_uuid(), **doc}
    return build_envelope({"$schema": ENVELOPE, "doc": doc}, head_uuid)
