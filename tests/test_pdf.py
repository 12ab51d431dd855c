"""pdf: the document printed with reportlab, read back with pypdf, attached as format/pdf."""

import base64
import io
import json
import shutil
import subprocess
from copy import deepcopy
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import shared_path
from engine_helpers import run, start, start_on, step, trace
from jsonschema import Draft202012Validator
from PIL import Image as PillowImage
from pypdf import PdfReader

from providers import registry
from providers.base import StepContext
from providers.pdf import CONFIG_SCHEMA
from providers.pdf.formats import Formats
from providers.pdf.labels import TITLES
from providers.pdf.render import Options, render
from silo.models import SiloFile
from workflows import catalogue, definition

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"

# Per locale: the title, the label of the amount to pay (the total with tax, when nothing is
# retained), that amount (1234.56 EUR) and the issue date 2026-01-15.
LOCALES = {
    "en": ("Invoice", "Total", "€1,234.56", "Jan 15, 2026"),
    "es": ("Factura", "Total", "1.234,56 €", "15 ene 2026"),
    "de": ("Rechnung", "Gesamtbetrag", "1.234,56 €", "15.01.2026"),
    "fr": ("Facture", "Total TTC", "1 234,56 €", "15 janv. 2026"),
    "it": ("Fattura", "Totale", "1.234,56 €", "15 gen 2026"),
    "pt": ("Fatura", "Total", "€ 1.234,56", "15 de jan. de 2026"),
    "nl": ("Factuur", "Totaal", "€ 1.234,56", "15 jan 2026"),
}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def invoice(**doc) -> dict:
    data = fixture("invoice-es.json")
    data["doc"].update(doc)
    return data


def with_lines(count: int) -> dict:
    """The fixture invoice with `count` lines of 10.00 at 21% VAT and totals to match."""
    lines = [
        {
            "i": i,
            "quantity": "1",
            "item": {"name": f"Item number {i}", "price": "10.00", "unit": "item"},
            "sum": "10.00",
            "taxes": [{"cat": "VAT", "key": "standard", "percent": "21.0%"}],
            "total": "10.00",
        }
        for i in range(1, count + 1)
    ]
    base = Decimal(10 * count).quantize(Decimal("0.01"))
    tax = (base * Decimal("0.21")).quantize(Decimal("0.01"))
    rate = {"key": "standard", "base": str(base), "percent": "21.0%", "amount": str(tax)}
    totals = {
        "sum": str(base),
        "total": str(base),
        "taxes": {"categories": [{"code": "VAT", "rates": [rate], "amount": str(tax)}]},
        "tax": str(tax),
        "total_with_tax": str(base + tax),
        "payable": str(base + tax),
    }
    return invoice(lines=lines, totals=totals)


def outcome(envelope: dict | None, config: dict | None = None, args: dict | None = None):
    context = StepContext(
        workspace=None,
        job=None,
        entry=SimpleNamespace(data=envelope) if envelope is not None else None,
        step={},
        config=config or {},
        args=args or {},
        faults=[],
        ref="test",
        attempt=1,
    )
    return registry.get("pdf").run(context)


def pdf(envelope: dict, **config) -> bytes:
    found = outcome(envelope, config)
    assert found.status == "OK", found.message
    return found.files[0].content


def pages(content: bytes) -> list[str]:
    """Each page's text on one line: pypdf gives table cells a line each, and babel puts
    no-break spaces in amounts."""
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().replace("\xa0", " ").split()) for page in reader.pages]


def text(content: bytes) -> str:
    return "\n".join(pages(content))


def png_logo() -> str:
    image = PillowImage.new("RGB", (120, 40), (20, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --- What the PDF says


def test_the_pdf_names_the_code_the_parties_and_the_totals():
    found = text(pdf(invoice(), locale="en"))
    for expected in (
        "Invoice",
        "FAC-2026-0042",
        "Provide One S.L.",
        "Tax ID: ESB98602642",
        "Calle Pradillo 42",
        "28002 Madrid",
        "billing@provideone.example",
        "Sample Consumer S.A.",
        "Tax ID: ESA28017895",
        "accounts@consumer.example",
        "Total before tax €1,020.30",
        "Tax €214.26",
        "Total €1,234.56",
    ):
        assert expected in found, expected


def test_the_lines_table_shows_quantity_unit_price_discount_tax_and_total():
    found = text(pdf(invoice(), locale="en"))
    assert "Description Qty Unit Price Discount Tax Total" in found
    assert "Development services 8 h 100.00 10% 21% 720.00" in found
    assert "Annual hosting plan" in found
    assert "Managed servers, backups and monitoring for twelve months" in found
    assert "300.30" in found


def test_a_line_charge_is_printed_under_the_item():
    data = invoice()
    data["doc"]["lines"][0]["charges"] = [{"reason": "Weekend work", "amount": "50.00"}]
    assert "Development services + Weekend work: 50.00 8 h" in text(pdf(data, locale="en"))


def test_the_tax_breakdown_shows_category_rate_base_and_amount():
    found = text(pdf(invoice(), locale="en"))
    assert "Taxes Rate Base Amount" in found
    assert "VAT 21% 1,020.30 214.26" in found


def test_payment_instructions_dates_and_notes_are_printed():
    found = text(pdf(invoice(), locale="en"))
    assert "Issue date Jan 15, 2026" in found
    assert "Operation date Jan 10, 2026" in found
    assert "Due date Feb 14, 2026" in found
    assert "Bank transfer" in found
    assert "IBAN ES91 2100 0418 4502 0005 1332" in found
    assert "BIC CAIXESBBXXX" in found
    assert "Payment by the due date" in found
    assert "Thank you for your business." in found


@pytest.mark.parametrize("locale", LOCALES)
def test_each_locale_has_its_labels_numbers_and_dates(locale):
    title, label, payable, issued = LOCALES[locale]
    found = text(pdf(invoice(), locale=locale))
    assert title in found
    assert f"{label} {payable}" in found
    assert issued in found


@pytest.mark.parametrize(
    ("locale", "amount", "percent"),
    [
        ("en", "720.00", "21%"),
        ("es", "720,00", "21 %"),
        ("de", "720,00", "21 %"),
        ("fr", "720,00", "21 %"),
        ("nl", "720,00", "21%"),
    ],
)
def test_line_amounts_and_percentages_follow_the_locale(locale, amount, percent):
    found = text(pdf(invoice(), locale=locale))
    assert f"{percent} {amount}" in found


def test_a_region_of_a_language_we_ship_uses_its_labels_and_its_own_formats():
    found = text(pdf(invoice(), locale="pt-PT"))
    assert "Fatura" in found
    assert "1 234,56 €" in found  # Portugal, unlike Brazil: the symbol after the amount


def test_a_language_we_do_not_ship_gets_english_labels_and_its_own_numbers():
    found = text(pdf(invoice(), locale="sv"))
    assert "Total before tax" in found
    assert "1 234,56 €" in found


def test_date_format_is_a_strftime_pattern_with_the_locales_month_names():
    assert "15/01/2026" in text(pdf(invoice(), locale="es", date_format="%d/%m/%Y"))
    assert "15 enero 2026" in text(pdf(invoice(), locale="es", date_format="%d %B %Y"))
    assert "2026-01-15" in text(pdf(invoice(), locale="en", date_format="%Y-%m-%d"))


@pytest.mark.parametrize(
    ("kind", "locale", "title"),
    [
        ("credit-note", "en", "Credit note"),
        ("credit-note", "fr", "Avoir"),
        ("corrective", "es", "Factura rectificativa"),
        ("proforma", "de", "Proformarechnung"),
        ("debit-note", "it", "Nota di debito"),
    ],
)
def test_the_title_follows_the_type_of_invoice(kind, locale, title):
    assert title in text(pdf(invoice(type=kind), locale=locale))


def test_a_credit_note_names_the_invoice_it_corrects():
    preceding = [{"series": "FAC-2025", "code": "0099", "issue_date": "2025-12-01"}]
    found = text(pdf(invoice(type="credit-note", preceding=preceding), locale="en"))
    assert "Corrects FAC-2025-0099 (Dec 1, 2025)" in found


def test_a_delivery_note_is_printed_without_prices():
    found = text(pdf(fixture("delivery-note.json"), locale="de"))
    assert "Lieferschein" in found
    assert "DN-000007" in found
    assert "Versanddatum 03.03.2026" in found
    assert "Pallet of printer paper 12 item" in found


def test_retained_taxes_are_subtracted_before_the_amount_payable():
    envelope = json.loads(
        shared_path("reference/gobl/examples/es/out/invoice-es-es-freelance.json").read_text()
    )
    found = text(pdf(envelope, locale="es"))
    assert "IRPF 15 % 1.620,00 -243,00" in found
    assert "Retenciones -243,00 €" in found
    assert "Total a pagar 1.717,20 €" in found


def test_advances_leave_an_amount_due():
    data = invoice()
    data["doc"]["totals"].update(advance="234.56", due="1000.00")
    found = text(pdf(data, locale="en"))
    assert "Advances -€234.56" in found
    assert "Amount due €1,000.00" in found


# --- QR code, logo, label, watermark


def test_a_verifactu_stamp_prints_its_qr_code_with_the_legal_captions():
    content = pdf(invoice(), locale="es")
    found = text(content)
    assert "QR tributario:" in found
    assert "VERI*FACTU" in found
    # Drawn as vector squares, not an image.
    assert not PdfReader(io.BytesIO(content)).pages[0].images


def test_without_a_stamp_there_is_no_qr_code():
    data = invoice()
    data["head"].pop("stamps")
    assert "VERI*FACTU" not in text(pdf(data))


def test_the_suppliers_inline_logo_is_printed():
    data = invoice()
    data["doc"]["supplier"]["logos"] = [{"data": png_logo(), "mime": "image/png"}]
    reader = PdfReader(io.BytesIO(pdf(data, logo_height=60)))
    [image] = reader.pages[0].images
    assert image.image.size == (120, 40)


def test_a_logo_behind_a_url_is_not_fetched_and_the_name_is_printed_instead():
    data = invoice()
    data["doc"]["supplier"]["logos"] = [{"url": "https://logo.example/logo.png"}]
    content = pdf(data)
    assert not PdfReader(io.BytesIO(content)).pages[0].images
    assert text(content).startswith("Provide One S.L.")


def test_a_label_replaces_the_title_and_a_watermark_crosses_every_page():
    found = pages(pdf(with_lines(80), label="Tax invoice", watermark="Draft"))
    assert len(found) >= 2
    assert all("DRAFT" in page for page in found)
    assert "Tax invoice" in found[0] and "Invoice" not in found[0].replace("Tax invoice", "")


def test_letter_and_a4_pages():
    letter = PdfReader(io.BytesIO(pdf(invoice(), layout="Letter"))).pages[0].mediabox
    a4 = PdfReader(io.BytesIO(pdf(invoice(), layout="A4"))).pages[0].mediabox
    assert (round(letter.width), round(letter.height)) == (612, 792)
    assert (round(a4.width), round(a4.height)) == (595, 842)


# --- Long documents


def test_a_long_invoice_flows_onto_pages_that_repeat_the_header_and_are_numbered():
    found = pages(pdf(with_lines(300), locale="en"))
    assert len(found) >= 5
    for number, page in enumerate(found, start=1):
        assert f"Page {number} of {len(found)}" in page
        assert "Description Qty Unit Price Discount Tax Total" in page
    everything = "\n".join(found)
    assert all(f"Item number {i} " in everything for i in (1, 150, 300))
    assert "Total €3,630.00" in found[-1]


def test_the_same_document_gives_the_same_bytes():
    assert pdf(invoice()) == pdf(invoice())


# --- Refusals and config


def test_no_entry_is_a_ko():
    found = outcome(None)
    assert (found.status, found.code) == ("KO", "no-document")


def test_an_invoice_type_we_do_not_print_is_a_ko():
    found = outcome(invoice(type="bogus"))
    assert (found.status, found.code) == ("KO", "unsupported-type")
    assert "bogus" in found.message


def test_gobls_other_invoice_type_prints_as_an_invoice():
    assert "Invoice" in text(pdf(invoice(type="other")))


def test_a_document_we_do_not_print_is_a_ko():
    data = invoice()
    data["doc"]["$schema"] = "https://gobl.org/draft-0/bill/payment"
    found = outcome(data)
    assert (found.status, found.code) == ("KO", "unsupported-document")
    assert "bill/payment" in found.message


def test_an_unknown_locale_is_a_ko():
    found = outcome(invoice(), {"locale": "xx"})
    assert (found.status, found.code) == ("KO", "unknown-locale")


def test_job_args_override_the_config():
    found = outcome(
        invoice(),
        {"locale": "en", "layout": "A4"},
        {"pdf-locale": "de", "pdf-layout": "Letter", "pdf-duplicate": "true", "other": "x"},
    )
    [file] = found.files
    assert "Rechnung" in text(file.content)
    assert round(PdfReader(io.BytesIO(file.content)).pages[0].mediabox.width) == 612
    assert file.replace is False


def test_a_wrong_arg_is_a_ko_that_names_it():
    found = outcome(invoice(), {}, {"pdf-layout": "A5"})
    assert (found.status, found.code) == ("KO", "invalid-config")
    assert found.message.startswith("layout:")
    found = outcome(invoice(), {}, {"pdf-logo-height": "tall"})
    assert found.message.startswith("logo_height:")


def test_the_file_is_the_documents_code_as_a_pdf_in_format():
    [file] = outcome(invoice()).files
    assert (file.name, file.mime, file.category, file.key) == (
        "FAC-2026-0042.pdf",
        "application/pdf",
        "format",
        "pdf",
    )
    assert file.replace is True
    assert file.content.startswith(b"%PDF-")


def test_an_odd_code_makes_a_safe_file_name():
    [file] = outcome(invoice(series="A/B", code="7 x")).files
    assert file.name == "A-B-7-x.pdf"


def test_the_catalogue_templates_configs_are_valid():
    validator = Draft202012Validator(CONFIG_SCHEMA)
    configs = [
        s.get("config", {})
        for template in catalogue.templates()
        for _, s in definition.walk(template.definition)
        if definition.step_provider(s) == "pdf"
    ]
    assert len(configs) >= 5
    for config in configs:
        assert list(validator.iter_errors(config)) == []


def test_invopops_own_template_configs_are_valid():
    validator = Draft202012Validator(CONFIG_SCHEMA)
    found = 0
    for path in shared_path("reference/invopop/templates").glob("*.json"):
        workflow = json.loads(path.read_text())
        for _, s in definition.walk(workflow):
            if s.get("provider") == "pdf":
                found += 1
                assert list(validator.iter_errors(s.get("config", {}))) == [], path.name
    assert found >= 5


# --- The shared GOBL examples

PRINTABLE = {schema for schema, _ in TITLES}


def test_every_shared_gobl_example_prints_its_code_and_amount_payable():
    examples = sorted(shared_path("reference/gobl/examples").glob("*/out/*.json"))
    assert examples
    printed = 0
    for path in examples:
        envelope = json.loads(path.read_text())
        doc = envelope["doc"]
        if doc["$schema"].split("/draft-0/")[-1] not in PRINTABLE:  # payments, parties…
            assert outcome(envelope, {}).code == "unsupported-document", path.name
            continue
        printed += 1
        formats = Formats("en", doc.get("currency", "EUR"))
        found = text(pdf(envelope, locale="en"))
        assert doc.get("code", "") in found, path.name
        assert formats.money(doc["totals"]["payable"]).replace("\xa0", " ") in found, path.name
    assert printed >= 100


# --- Formats


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("en", "1234.5", "€1,234.50"),
        ("es", "1234.56", "1.234,56\xa0€"),
        ("de", "1234.56", "1.234,56\xa0€"),
        ("fr", "1234.56", "1\xa0234,56\xa0€"),  # U+202F made printable
        ("en", "0.1234", "€0.1234"),  # every digit the document has
    ],
)
def test_money_is_written_for_the_locale(locale, value, expected):
    assert Formats(locale).money(value) == expected


def test_a_symbol_helvetica_cannot_draw_is_written_as_the_currency_code():
    assert Formats("en", "INR").money("2017.80") == "INR\xa02,017.80"
    assert Formats("es", "INR").money("2017.80") == "2.017,80\xa0INR"
    assert Formats("en", "USD").money("1") == "$1.00"


def test_quantities_lose_trailing_zeros_and_percentages_keep_decimals():
    formats = Formats("de")
    assert formats.number("20.000") == "20"
    assert formats.number("1.50") == "1,5"
    assert formats.percent("5.5%") == "5,5\xa0%"
    assert formats.date("not a date") == "not a date"


# --- Through the engine


@pytest.mark.django_db
def test_a_workflow_step_attaches_the_pdf_to_the_entry(workspace):
    job = run(start(workspace, [step("pdf", {"locale": "es", "layout": "A4"})], data=invoice()))
    assert job.status == "OK", trace(job)
    [stored] = SiloFile.objects.filter(entry=job.silo_entry)
    assert (stored.name, stored.category, stored.key, stored.mime) == (
        "FAC-2026-0042.pdf",
        "format",
        "pdf",
        "application/pdf",
    )
    with stored.file.open("rb") as handle:
        assert "Total 1.234,56 €" in text(handle.read())


@pytest.mark.django_db
def test_a_new_pdf_replaces_the_earlier_one_unless_duplicate(workspace):
    job = run(start(workspace, [step("pdf", {"locale": "en"})], data=invoice()))
    entry = job.silo_entry
    run(start_on(entry, [step("pdf", {"locale": "de"})]))
    [stored] = SiloFile.objects.filter(entry=entry, category="format", key="pdf")
    assert stored.desc.startswith("de")
    run(start_on(entry, [step("pdf", {"locale": "fr", "duplicate": True})]))
    kept = SiloFile.objects.filter(entry=entry, category="format", key="pdf")
    assert sorted(f.desc[:2] for f in kept) == ["de", "fr"]


# --- Pictures of the pages (poppler is optional: CI installs only chromium)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_first_page_rasterises(locale, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: pages not rasterised")
    source = tmp_path / f"{locale}.pdf"
    source.write_bytes(pdf(with_lines(12), locale=locale))
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", source, tmp_path / locale],
        check=True,
        capture_output=True,
    )
    [picture] = tmp_path.glob(f"{locale}*.png")
    with PillowImage.open(picture) as image:
        assert image.size[0] > 300
        darkest, lightest = image.convert("L").getextrema()
        assert darkest < 64 and lightest == 255  # ink on white paper


def test_render_leaves_the_envelope_as_it_was():
    data = invoice()
    before = deepcopy(data)
    assert render(data, Options(locale="nl")).startswith(b"%PDF-")
    assert data == before
