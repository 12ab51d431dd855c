"""file.export: the invoice's lines as CSV or JSON lines, written atomically under EXPORT_ROOT."""

import copy
import csv
import io
import json
import os

import pytest
from engine_helpers import INVOICE, entry, run, start_on, step

from jobs.models import JobStatus
from providers import registry
from providers.base import StepContext
from silo.services import attach_file


@pytest.fixture
def root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def invoice(workspace, **doc):
    data = copy.deepcopy(INVOICE)
    data["doc"].update(
        series="INV",
        customer={"name": "=HYPERLINK(1)", "tax_id": {"country": "ES", "code": "B12345678"}},
        lines=[
            {
                "i": 1,
                "quantity": "2",
                "item": {"name": "Consulting", "price": "50.00", "unit": "h"},
                "sum": "100.00",
                "total": "100.00",
                "taxes": [{"cat": "VAT", "rate": "standard", "percent": "21%"}],
            },
            {"i": 2, "quantity": "1", "item": {"name": "Travel", "price": "-5.00"}, "sum": "-5.00"},
        ],
        totals={"sum": "95.00", "tax": "21.00", "total_with_tax": "116.00", "payable": "116.00"},
    )
    data["doc"].update({"code": "000042", **doc})
    return entry(workspace, data)


def export(workspace, config, silo_entry=None):
    silo_entry = silo_entry or invoice(workspace)
    context = StepContext(workspace, None, silo_entry, {}, config, {}, [], "ref", 1)
    return registry.get("file.export").run(context)


def test_it_writes_one_csv_row_per_line_through_the_engine(workspace, root):
    silo_entry = invoice(workspace)
    job = run(start_on(silo_entry, [step("file.export", {"directory": "erp/in"})]))
    assert job.status == JobStatus.OK
    rows = list(csv.DictReader(io.StringIO((root / "erp/in/INV-000042.csv").read_text())))
    assert [r["line"] for r in rows] == ["1", "2"]
    first, second = rows
    assert first["code"] == second["code"] == "INV-000042"
    assert first["issue_date"] == "2026-01-15" and first["currency"] == "EUR"
    assert first["supplier_name"] == "Provide One S.L."
    assert first["supplier_tax_id"] == "ESB98602642"
    assert first["customer_tax_id"] == "ESB12345678"
    assert (first["item_name"], first["quantity"], first["unit"], first["price"]) == (
        "Consulting",
        "2",
        "h",
        "50.00",
    )
    assert (first["line_sum"], first["line_total"], first["line_taxes"]) == (
        "100.00",
        "100.00",
        "VAT:standard:21%",
    )
    assert second["price"] == "-5.00"  # amounts are never quoted as formulas
    assert first["customer_name"] == "'=HYPERLINK(1)"  # names are
    assert first["payable"] == "116.00"
    assert job.intents.get().events.get(status="OK").message == "2 rows in erp/in/INV-000042.csv"


def test_json_lines(workspace, root):
    assert export(workspace, {"format": "jsonl", "filename": "out"}).status == "OK"
    lines = (root / "out.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["item_name"] for r in rows] == ["Consulting", "Travel"]
    assert rows[0]["customer_name"] == "=HYPERLINK(1)"  # JSON is no spreadsheet


def test_semicolons_and_no_header(workspace, root):
    export(workspace, {"delimiter": ";", "header": False})
    text = (root / "INV-000042.csv").read_text()
    assert not text.startswith("code") and text.startswith("INV-000042;standard;")


def test_an_invoice_without_lines_gives_one_row(workspace, root):
    export(workspace, {}, invoice(workspace, lines=[]))
    rows = list(csv.DictReader(io.StringIO((root / "INV-000042.csv").read_text())))
    assert len(rows) == 1 and rows[0]["item_name"] == ""


@pytest.mark.parametrize("directory", ["..", "../elsewhere", "a/../../b", "/etc", "/tmp"])
def test_a_folder_outside_the_export_root_is_refused(workspace, root, directory):
    found = export(workspace, {"directory": directory})
    assert (found.status, found.code) == ("KO", "path-outside-root")


def test_a_link_out_of_the_export_root_is_refused(workspace, root, tmp_path):
    (tmp_path / "outside").mkdir()
    root.mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    found = export(workspace, {"directory": "link"})
    assert found.code == "path-outside-root"
    assert list((tmp_path / "outside").iterdir()) == []


def test_a_file_name_cannot_leave_the_folder(workspace, root):
    export(workspace, {"filename": "../../{{.full_code}}/x"})
    assert [p.name for p in root.iterdir()] == ["INV-000042-x.csv"]


def test_the_write_is_atomic(workspace, root, monkeypatch):
    export(workspace, {"filename": "inv"})
    before = (root / "inv.csv").read_bytes()

    def crash(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        export(workspace, {"filename": "inv"}, invoice(workspace, code="000043"))
    assert (root / "inv.csv").read_bytes() == before  # the old file, whole
    assert [p.name for p in root.iterdir()] == ["inv.csv"]  # no temporary file left


def test_without_overwrite_an_existing_file_is_a_ko(workspace, root):
    export(workspace, {"filename": "inv"})
    found = export(workspace, {"filename": "inv", "overwrite": False})
    assert (found.status, found.code) == ("KO", "file-exists")


def test_files_of_the_entry_are_copied_next_to_the_export(workspace, root):
    silo_entry = invoice(workspace)
    attach_file(
        silo_entry, name="INV-000042.pdf", content=b"%PDF", mime="application/pdf", key="pdf"
    )
    export(workspace, {"attach": ["pdf"]}, silo_entry)
    assert (root / "INV-000042.pdf").read_bytes() == b"%PDF"
    assert oct((root / "INV-000042.csv").stat().st_mode & 0o777) == "0o644"
