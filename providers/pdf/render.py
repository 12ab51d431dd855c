"""Lay a GOBL document out as a PDF with reportlab's platypus.

The page, top to bottom: a header (logo or supplier name, the QR code when the document has
one, the title with number and dates), both parties, the lines table (a LongTable whose
header row repeats on every page), taxes beside the totals, payment instructions and notes.
Every page has a footer with the document's number and "Page N of M".

Speed matters (a 1,000-line invoice in well under a second): line cells are plain strings
wrapped with simpleSplit instead of Paragraphs, which reportlab lays out many times faster;
a Paragraph is used only where a line needs two type styles (an item with a description).
"""

import base64
import binascii
import io
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from silo.snippets import doc_type, full_code

from . import labels as words
from .formats import Formats, decimal
from .options import Options, Unsupported  # noqa: F401  (Unsupported: raised here)

PAGE_SIZES = {"A4": A4, "Letter": LETTER}  # by options.PAGE_SIZE_NAMES
MARGIN = 17 * mm
FOOTER_SPACE = 14 * mm
PIXEL = 0.75  # points in a CSS pixel (96 per inch): Invopop's logo_height is in pixels

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#656d76")
RULE = colors.HexColor("#d0d7de")
SHADE = colors.HexColor("#f3f4f6")
WATERMARK = colors.HexColor("#c8ccd1")

BODY = 8.5  # points: the lines table and party blocks
LEADING = 10.5
CELL_PAD = 3

# Widths of the lines table's columns but the description (which takes the rest), in points.
COLUMNS = {"quantity": 38, "unit": 36, "price": 58, "discount": 44, "tax": 42, "line_total": 66}
UNPRICED_COLUMNS = {"quantity": 50, "unit": 60}

# Stamps whose value is a URL to print as a QR code, with the words the law wants around it
# (Spain's VERI*FACTU: "QR tributario:" above and "VERI*FACTU" below, whatever the language).
QR_STAMPS = {
    "verifactu-qr": ("QR tributario:", "VERI*FACTU"),
    "noverifactu-qr": ("QR tributario:", ""),  # NO VERI*FACTU: the QR without the legend
    "ticketbai-qr": ("", "TicketBAI"),
}
QR_SIZE = 30 * mm  # VERI*FACTU asks for 30 to 40 mm


def _style(name: str, **attributes) -> ParagraphStyle:
    base = {"fontName": FONT, "fontSize": BODY, "leading": LEADING, "textColor": INK}
    return ParagraphStyle(name, **{**base, **attributes})


STYLES = {
    "body": _style("body"),
    "muted": _style("muted", textColor=MUTED),
    "heading": _style("heading", fontName=BOLD, fontSize=7.5, textColor=MUTED, spaceAfter=3),
    "party": _style("party", fontName=BOLD, fontSize=10, leading=13),
    "brand": _style("brand", fontName=BOLD, fontSize=15, leading=18),
    "title": _style("title", fontName=BOLD, fontSize=20, leading=24, alignment=TA_RIGHT),
    "caption": _style("caption", fontSize=7, leading=8.5, alignment=1),
    "note": _style("note", fontSize=8, leading=10.5),
}


# --- Entry point


def render(envelope: dict, options: Options) -> bytes:
    """The PDF of the envelope's document. Unsupported for documents we do not print;
    formats.UnknownLocale for a locale CLDR does not know."""
    doc = envelope.get("doc") or {}
    title = options.label or document_title(doc, options.locale)
    page = Page(doc, envelope, options, title)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZES[options.layout],
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_SPACE,
        title=f"{title} {full_code(doc)}".strip(),
        author=(doc.get("supplier") or {}).get("name", ""),
        subject=title,
        creator="Invopop console",
        # Fixed dates and ids inside the file: the same document gives the same bytes, so a
        # re-run after a crash stores an identical file.
        invariant=1,
    )
    # A frame without reportlab's default 6 pt padding: tables and text then share one left
    # edge, the margin.
    frame = Frame(
        template.leftMargin,
        template.bottomMargin,
        template.width,
        template.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate("page", frames=[frame], onPage=page.decorate)])
    template.build(page.story(template.width), canvasmaker=page.canvas_class())
    return buffer.getvalue()


def document_title(doc: dict, locale: str) -> str:
    schema = doc_type(str(doc.get("$schema") or ""))
    if not schema:
        raise Unsupported("the document has no $schema", "unsupported-document")
    kind = doc.get("type") or words.DEFAULT_TYPES.get(schema, "")
    language = Formats(locale).language
    found = words.title(schema, kind, language)
    if found is None:
        known = sorted({s for s, _ in words.TITLES})
        if schema not in known:
            raise Unsupported(
                f"cannot print a {schema} document (only {', '.join(known)})",
                "unsupported-document",
            )
        raise Unsupported(f"cannot print a {schema} of type {kind!r}", "unsupported-type")
    return found


# --- One document's pages


class Page:
    def __init__(self, doc: dict, envelope: dict, options: Options, title: str):
        self.doc = doc
        self.envelope = envelope
        self.options = options
        self.title = title
        self.formats = Formats(options.locale, doc.get("currency") or "EUR", options.date_format)
        self.words = words.labels(self.formats.language)
        self.code = full_code(doc)
        self.retained = {
            c.get("code")
            for c in ((doc.get("totals") or {}).get("taxes") or {}).get("categories") or []
            if c.get("retained")
        }

    def story(self, width: float) -> list:
        found = [self.header(width), Spacer(1, 7 * mm), self.parties(width), Spacer(1, 7 * mm)]
        lines = self.doc.get("lines") or []
        if lines:
            caption = [self.currency_caption()] if priced(lines) else []
            found += [*caption, self.lines_table(lines, width), Spacer(1, 5 * mm)]
        summary = self.summary(width)
        if summary is not None:
            found += [summary, Spacer(1, 5 * mm)]
        for block in (self.payment(width), self.notes()):
            if block:
                found += [KeepTogether(block), Spacer(1, 4 * mm)]
        return found

    # --- Header: brand, QR, title and key facts

    def header(self, width: float) -> Table:
        qr = self.qr_block()
        qr_width = QR_SIZE + 6 * mm if qr else 0
        left = (width - qr_width) * 0.5
        right = width - qr_width - left
        brand = self.brand(left)
        facts = [Paragraph(escape(self.title), STYLES["title"]), Spacer(1, 2 * mm)]
        facts.append(self.facts_table(right))
        row = [brand, qr, facts] if qr else [brand, facts]
        widths = [left, qr_width, right] if qr else [left, right]
        table = Table([row], colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ]
            )
        )
        return table

    def brand(self, width: float) -> list:
        supplier = self.doc.get("supplier") or {}
        logo = self.logo(supplier, width)
        if logo is not None:
            return [logo]
        return [Paragraph(escape(supplier.get("name") or ""), STYLES["brand"])]

    def logo(self, supplier: dict, width: float) -> Image | None:
        """The supplier's first logo with inline data (a `data` field or a data: URL), or None.
        Remote URLs are not fetched: a PDF step must not reach out to addresses a document
        names, and the output would depend on someone else's server."""
        for image in supplier.get("logos") or []:
            raw = _inline_image(image)
            if raw is None:
                continue
            try:
                reader = ImageReader(io.BytesIO(raw))
                pixels_wide, pixels_high = reader.getSize()
            except Exception:  # noqa: BLE001 - any unreadable image falls back to the name
                continue
            height = self.options.logo_height * PIXEL
            drawn_width = min(width, height * pixels_wide / pixels_high)
            logo = Image(io.BytesIO(raw), width=drawn_width, height=height, kind="proportional")
            logo.hAlign = "LEFT"
            return logo
        return None

    def facts_table(self, width: float) -> Table:
        rows = [(self.words["number"], self.code)] if self.code else []
        for key in ("issue_date", "op_date", "value_date", "despatch_date", "receive_date"):
            if self.doc.get(key):
                rows.append((self.words[key], self.formats.date(self.doc[key])))
        due = self.due_dates()
        if due:
            rows.append((self.words["due_date"], self.formats.date(due[0].get("date"))))
        for preceding in self.doc.get("preceding") or []:
            corrected = full_code(preceding)
            if preceding.get("issue_date"):
                corrected += f" ({self.formats.date(preceding['issue_date'])})"
            rows.append((self.words["corrects"], corrected))
        table = Table(rows or [("", "")], colWidths=[width * 0.55, width * 0.45])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (0, -1), FONT, 8),
                    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                    ("FONT", (1, 0), (1, -1), BOLD, 8.5),
                    ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
                ]
            )
        )
        return table

    def qr_block(self) -> list | None:
        found = qr_code(self.envelope)
        if found is None:
            return None
        url, (above, below) = found
        block = [Paragraph(escape(above), STYLES["caption"])] if above else []
        block.append(QRCode(url, QR_SIZE))
        if below:
            block.append(Paragraph(escape(below), STYLES["caption"]))
        return block

    # --- Parties

    def parties(self, width: float) -> Table:
        columns = []
        for role in ("supplier", "customer"):
            party = self.doc.get(role)
            if party:
                columns.append([Paragraph(self.words[role].upper(), STYLES["heading"])])
                columns[-1] += self.party(party)
        if not columns:
            return Spacer(1, 0)
        gap = 8 * mm
        column = (width - gap) / 2
        table = Table([columns], colWidths=[column + gap, column][: len(columns)], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, 0), gap),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.6, INK),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def party(self, party: dict) -> list:
        lines = [Paragraph(escape(party.get("name") or ""), STYLES["party"])]
        details = []
        if party.get("alias"):
            details.append(party["alias"])
        tax_id = party.get("tax_id") or {}
        if tax_id.get("code"):
            details.append(f"{self.words['tax_id']}: {tax_id.get('country', '')}{tax_id['code']}")
        for identity in party.get("identities") or []:
            if identity.get("code"):
                kind = identity.get("label") or identity.get("type") or identity.get("key") or ""
                details.append(f"{kind}: {identity['code']}" if kind else identity["code"])
        for address in (party.get("addresses") or [])[:1]:
            details += address_lines(address)
        details += [e["addr"] for e in party.get("emails") or [] if e.get("addr")]
        details += [t["num"] for t in party.get("telephones") or [] if t.get("num")]
        lines += [Paragraph(escape(text), STYLES["body"]) for text in details]
        return lines

    # --- Lines

    def currency_caption(self) -> Paragraph:
        text = self.words["amounts_in"].format(currency=self.formats.currency)
        return Paragraph(escape(text), _style("currency", fontSize=7, textColor=MUTED, alignment=2))

    def lines_table(self, lines: list, width: float) -> LongTable:
        # A document without prices (a delivery note) has no money columns.
        columns = COLUMNS if priced(lines) else UNPRICED_COLUMNS
        described = width - sum(columns.values())
        header = [self.words["description"]] + [self.words[key] for key in columns]
        rows = [header] + [self.line_row(line, described)[: len(columns) + 1] for line in lines]
        table = LongTable(rows, colWidths=[described, *columns.values()], repeatRows=1)
        table.setStyle(LINES_STYLE)
        return table

    def line_row(self, line: dict, width: float) -> list:
        item = line.get("item") or {}
        formats = self.formats
        return [
            self.description(line, item, width - 2 * CELL_PAD),
            formats.number(line.get("quantity")),
            item.get("unit") or "",
            formats.amount(item.get("price")),
            self.line_discount(line),
            "\n".join(self.line_tax(tax) for tax in line.get("taxes") or []),
            formats.amount(line.get("total")),
        ]

    def description(self, line: dict, item: dict, width: float):
        """The item's name and the line's charges, wrapped to the column: a plain string
        (the fast path) unless the item has a description, printed smaller and muted."""
        texts = [item.get("name") or ""]
        for charge in line.get("charges") or []:
            reason = charge.get("reason") or self.words["charge"]
            texts.append(f"+ {reason}: {self.formats.amount(charge.get('amount'))}")
        wrapped = [part for t in texts for part in simpleSplit(t, FONT, BODY, width)]
        if not item.get("description"):
            return "\n".join(wrapped)
        muted = simpleSplit(item["description"], FONT, BODY - 1, width)
        return Lines([(t, INK, BODY) for t in wrapped] + [(t, MUTED, BODY - 1) for t in muted])

    def line_discount(self, line: dict) -> str:
        discounts = line.get("discounts") or []
        if len(discounts) == 1 and discounts[0].get("percent"):
            return self.formats.percent(discounts[0]["percent"])
        total = sum((decimal(d.get("amount")) or 0 for d in discounts), start=0)
        return self.formats.amount(total) if discounts else ""

    def line_tax(self, tax: dict) -> str:
        if tax.get("percent"):
            sign = "-" if tax.get("cat") in self.retained else ""
            return sign + self.formats.percent(tax["percent"])
        key = tax.get("key") or ""
        return self.words["exempt"] if key == "exempt" else key

    # --- Taxes and totals

    def summary(self, width: float) -> Table | None:
        totals = self.doc.get("totals")
        if not totals:
            return None
        gap = 8 * mm
        right = min(82 * mm, width * 0.45)
        left = width - right - gap
        taxes = self.tax_table(totals, left)
        table = Table(
            [[taxes or "", "", self.totals_table(totals, right)]],
            colWidths=[left, gap, right],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return table

    def tax_table(self, totals: dict, width: float) -> Table | None:
        categories = (totals.get("taxes") or {}).get("categories") or []
        rows = []
        for category in categories:
            sign = -1 if category.get("retained") else 1
            for rate in category.get("rates") or []:
                rows.append(
                    [
                        words.tax_name(category.get("code") or "", self.formats.language),
                        self.formats.percent(rate.get("percent")) or self._rate_key(rate),
                        self.formats.amount(rate.get("base")),
                        self.formats.amount(sign * (decimal(rate.get("amount")) or 0)),
                    ]
                )
        if not rows:
            return None
        w = self.words
        header = [w["taxes"], w["rate"], w["base"], w["amount"]]
        table = Table([header, *rows], colWidths=[width * f for f in (0.25, 0.2, 0.3, 0.25)])
        table.setStyle(TAX_STYLE)
        return table

    def _rate_key(self, rate: dict) -> str:
        key = rate.get("key") or ""
        return self.words["exempt"] if key == "exempt" else key

    def totals_table(self, totals: dict, width: float) -> Table:
        rows, strong = self.totals_rows(totals)
        table = Table(rows, colWidths=[width * 0.55, width * 0.45])
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("RIGHTPADDING", (1, 0), (1, -1), 0),
        ]
        for index in strong:
            style += [
                ("FONT", (0, index), (-1, index), BOLD, 10),
                ("TEXTCOLOR", (0, index), (-1, index), INK),
                ("LINEABOVE", (0, index), (-1, index), 0.8, INK),
                ("TOPPADDING", (0, index), (-1, index), 5),
            ]
        table.setStyle(TableStyle(style))
        return table

    def totals_rows(self, totals: dict) -> tuple[list, list[int]]:
        """(label, amount) rows and the indexes of the ones in bold: the amount to pay, and
        what is still due after advances."""
        w, money = self.words, self.formats.money
        rows = []

        def add(key: str, value, negative: bool = False):
            number = decimal(value)
            if number is not None:
                rows.append([w[key], money(-number if negative else number)])

        if totals.get("discount") or totals.get("charge") or totals.get("tax_included"):
            add("sum", totals.get("sum"))
            add("discounts", totals.get("discount"), negative=True)
            add("charges", totals.get("charge"))
        add("total", totals.get("total"))
        add("tax_total", totals.get("tax") or "0")
        payable = totals.get("payable")
        extra = totals.get("retained_tax") or totals.get("rounding")
        if extra or payable is None:
            add("total_with_tax", totals.get("total_with_tax"))
            add("retained_tax", totals.get("retained_tax"), negative=True)
            add("rounding", totals.get("rounding"))
            add("payable", payable)
        else:
            add("total_with_tax", payable)
        strong = [len(rows) - 1]
        if totals.get("advance"):
            add("advances", totals["advance"], negative=True)
            add("due", totals.get("due"))
            strong.append(len(rows) - 1)
        return rows, strong

    # --- Payment and notes

    def due_dates(self) -> list[dict]:
        terms = (self.doc.get("payment") or {}).get("terms") or {}
        return [d for d in terms.get("due_dates") or [] if d.get("date")]

    def payment(self, width: float) -> list:
        payment = self.doc.get("payment") or {}
        w, language = self.words, self.formats.language
        rows = []
        terms = payment.get("terms") or {}
        if terms.get("key") or terms.get("notes"):
            text = words.key_name(terms["key"], language) if terms.get("key") else ""
            rows.append((w["terms"], " · ".join(t for t in (text, terms.get("notes")) if t)))
        for due in self.due_dates():
            amount = self.formats.money(due.get("amount")) if due.get("amount") else ""
            if due.get("percent"):
                amount = f"{amount} ({self.formats.percent(due['percent'])})".strip()
            when = self.formats.date(due["date"])
            rows.append((w["due_date"], f"{when} · {amount}" if amount else when))
        rows += self.instruction_rows(payment.get("instructions") or {})
        if not rows:
            return []
        table = Table(
            [
                [Paragraph(escape(k), STYLES["muted"]), Paragraph(escape(v), STYLES["body"])]
                for k, v in rows
            ],
            colWidths=[32 * mm, width - 32 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return [Paragraph(w["payment"].upper(), STYLES["heading"]), table]

    def instruction_rows(self, instructions: dict) -> list[tuple[str, str]]:
        w, language = self.words, self.formats.language
        rows = []
        if instructions.get("key"):
            detail = instructions.get("detail")
            method = words.key_name(instructions["key"].split("+")[0], language)
            rows.append((w["method"], f"{method} · {detail}" if detail else method))
        for account in instructions.get("credit_transfer") or []:
            if account.get("iban"):
                rows.append((w["iban"], account["iban"]))
            elif account.get("number"):
                rows.append((w["account"], account["number"]))
            if account.get("bic"):
                rows.append((w["bic"], account["bic"]))
            if account.get("name"):
                rows.append((w["bank"], account["name"]))
        debit = instructions.get("direct_debit") or {}
        if debit.get("account"):
            rows.append((w["account"], debit["account"]))
        for link in instructions.get("online") or []:
            if link.get("url"):
                rows.append((link.get("label") or words.key_name("online", language), link["url"]))
        if instructions.get("ref"):
            rows.append((w["reference"], instructions["ref"]))
        if instructions.get("notes"):
            rows.append((w["notes"], instructions["notes"]))
        return rows

    def notes(self) -> list:
        texts = [n["text"] for n in self.doc.get("notes") or [] if n.get("text")]
        if not texts:
            return []
        heading = Paragraph(self.words["notes"].upper(), STYLES["heading"])
        paragraphs = [Paragraph(escape(t).replace("\n", "<br/>"), STYLES["note"]) for t in texts]
        return [heading, *paragraphs]

    # --- Every page: footer and watermark

    def decorate(self, canvas: Canvas, template) -> None:
        if not self.options.watermark:
            return
        width, height = template.pagesize
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFillAlpha(0.35)
        canvas.setFont(BOLD, 72)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(40)
        canvas.drawCentredString(0, -24, self.options.watermark.upper())
        canvas.restoreState()

    def footer_text(self) -> str:
        return f"{self.title} {self.code}".strip()

    def canvas_class(self) -> type[Canvas]:
        """A canvas that holds every page back until the end, so each footer can say how many
        pages there are ("Page 2 of 7") without laying the document out twice."""
        page = self

        class NumberedCanvas(Canvas):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._held = []

            def showPage(self):  # noqa: N802 - reportlab's name
                self._held.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                for number, state in enumerate(self._held, start=1):
                    self.__dict__.update(state)
                    page.draw_footer(self, number, len(self._held))
                    super().showPage()
                super().save()

        return NumberedCanvas

    def draw_footer(self, canvas: Canvas, number: int, pages: int) -> None:
        width, _ = canvas._pagesize
        y = MARGIN
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, y + 10, width - MARGIN, y + 10)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, y, self.footer_text())
        text = self.words["page"].format(page=number, pages=pages)
        canvas.drawRightString(width - MARGIN, y, text)
        canvas.restoreState()


LINES_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, BODY, LEADING),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("FONT", (0, 0), (-1, 0), BOLD, 7.5, LEADING),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (2, 0), (2, -1), "LEFT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
)

TAX_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("FONT", (0, 0), (-1, 0), BOLD, 7.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
)


# --- Helpers


def priced(lines: list) -> bool:
    return any(line.get("total") or (line.get("item") or {}).get("price") for line in lines)


def address_lines(address: dict) -> list[str]:
    """An address as it is written in most of Europe: street and number, then postcode and
    town; the house number first where that is the custom."""
    street = " ".join(p for p in (address.get("street"), address.get("num")) if p)
    if address.get("country") in NUMBER_FIRST and address.get("num"):
        street = f"{address['num']} {address.get('street') or ''}".strip()
    lines = [street, address.get("street_extra") or "", address.get("po_box") or ""]
    town = (address.get("code"), address.get("locality"))
    if address.get("country") in TOWN_FIRST:
        town = town[::-1]
    lines.append(" ".join(p for p in town if p))
    region = address.get("region") or ""
    country = address.get("country") or ""
    lines.append(", ".join(p for p in (region, country) if p))
    return [line for line in lines if line]


NUMBER_FIRST = {"GB", "US", "FR", "IE", "CA", "AU", "NZ"}
TOWN_FIRST = {"GB", "US", "IE", "CA", "AU", "NZ"}


def _inline_image(image: dict) -> bytes | None:
    data = image.get("data") or ""
    url = image.get("url") or ""
    if not data and url.startswith("data:") and ";base64," in url:
        data = url.split(";base64,", 1)[1]
    if not data:
        return None
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None


def qr_code(envelope: dict) -> tuple[str, tuple[str, str]] | None:
    """The URL to print as a QR code and its captions: from a stamp of the envelope's head or
    the document (VERI*FACTU, TicketBAI), or a "qr" key in the document's meta."""
    head = envelope.get("head") or {}
    doc = envelope.get("doc") or {}
    stamps = [*(head.get("stamps") or []), *(doc.get("stamps") or [])]
    for stamp in stamps:
        provider = stamp.get("prv") or ""
        if stamp.get("val") and (provider in QR_STAMPS or provider.endswith("-qr")):
            return stamp["val"], QR_STAMPS.get(provider, ("", ""))
    for meta in (doc.get("meta") or {}, head.get("meta") or {}):
        if meta.get("qr"):
            return str(meta["qr"]), ("", "")
    return None


class Lines(Flowable):
    """Lines of text in two colours and sizes, already wrapped: an item's name and its
    description in one cell. Paragraphs would do, but they are laid out again each time the
    table splits across pages, which made a long invoice with descriptions half again slower."""

    def __init__(self, lines: list[tuple[str, colors.Color, float]]):
        super().__init__()
        self.lines = lines

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, LEADING * len(self.lines)

    def draw(self):
        canvas = self.canv
        # Baselines where reportlab puts those of plain-text cells: a font size below the top.
        y = LEADING * len(self.lines) - BODY
        for text, colour, size in self.lines:
            canvas.setFillColor(colour)
            canvas.setFont(FONT, size)
            canvas.drawString(0, y, text)
            y -= LEADING


class QRCode(Flowable):
    """A QR code drawn as vector squares: sharp at any zoom, and no image to embed."""

    def __init__(self, content: str, size: float):
        super().__init__()
        self.matrix = segno.make(content, error="m", micro=False).matrix
        self.size = size
        self.hAlign = "CENTER"

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        modules = len(self.matrix)
        cell = self.size / modules
        canvas = self.canv
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for row, values in enumerate(self.matrix):
            y = self.size - (row + 1) * cell
            for column, dark in enumerate(values):
                if dark:
                    path.rect(column * cell, y, cell, cell)
        canvas.drawPath(path, stroke=0, fill=1)
