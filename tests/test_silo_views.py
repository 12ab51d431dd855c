"""The console's silo pages: the lists per document type, new entries, and an entry's page
with its summary and tabs (Activity, Files, States, Versions, Meta)."""

import importlib
import json
import re
from copy import deepcopy
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from engine_helpers import built, run, start_on, state, step

from silo import listing, services
from silo import views as silo_views
from silo.models import SiloEntry
from silo.templatetags.silo_tags import address, money, state_colour

pytestmark = pytest.mark.django_db

ENVELOPE = "https://gobl.org/draft-0/envelope"
INVOICE = "https://gobl.org/draft-0/bill/invoice"
PDF = b"%PDF-1.4 a small file\n"


def invoice(code="001", customer="Sample Consumer", **fields) -> dict:
    """A GOBL invoice as GOBL calculates one: parties, lines and totals."""
    return {
        "$schema": INVOICE,
        "type": "standard",
        "series": "SAMPLE",
        "code": code,
        "issue_date": "2026-01-15",
        "currency": "EUR",
        "supplier": {
            "name": "Provide One S.L.",
            "tax_id": {"country": "ES", "code": "B98602642"},
            "addresses": [
                {
                    "num": "42",
                    "street": "Calle Pradillo",
                    "locality": "Madrid",
                    "code": "28002",
                    "country": "ES",
                }
            ],
        },
        "customer": {"name": customer, "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [
            {
                "i": 1,
                "quantity": "20",
                "item": {"name": "Development services", "price": "90.00"},
                "sum": "1800.00",
                "taxes": [{"cat": "VAT", "rate": "general", "percent": "21.0%"}],
                "total": "1800.00",
            }
        ],
        "totals": {
            "sum": "1800.00",
            "total": "1800.00",
            "taxes": {
                "categories": [
                    {
                        "code": "VAT",
                        "rates": [{"percent": "21.0%", "base": "1800.00", "amount": "378.00"}],
                        "amount": "378.00",
                    }
                ],
                "sum": "378.00",
            },
            "tax": "378.00",
            "total_with_tax": "2178.00",
            "payable": "2178.00",
        },
        **fields,
    }


def envelope(doc=None) -> dict:
    return {
        "$schema": ENVELOPE,
        "head": {"uuid": "0190f2a4-5c1b-7000-8000-00000000abcd"},
        "doc": doc or invoice(),
    }


def make_entry(workspace, doc=None, at=None, **fields) -> SiloEntry:
    made = SiloEntry.create_with_version(workspace, envelope(doc), **fields)
    if at is not None:
        SiloEntry.objects.filter(pk=made.pk).update(created_at=at)
        made.refresh_from_db()
    return made


def make_entries(workspace, count, **fields) -> list[SiloEntry]:
    """`count` invoices created a minute apart, oldest first, coded 001, 002, ..."""
    start = timezone.now() - timedelta(days=1)
    return [
        make_entry(workspace, invoice(code=f"{n:03}"), at=start + timedelta(minutes=n), **fields)
        for n in range(1, count + 1)
    ]


def list_url(workspace, kind="invoices") -> str:
    return reverse("entry_list", args=[workspace.slug, kind])


def entry_url(entry, tab=None) -> str:
    url = reverse("entry_detail", args=[entry.workspace.slug, entry.id])
    return f"{url}?tab={tab}" if tab else url


def file_url(stored) -> str:
    return reverse("entry_file", args=[stored.entry.workspace.slug, stored.entry_id, stored.id])


def codes(response) -> list[str]:
    """The codes of the list's rows, in order."""
    return re.findall(r'class="entry-link"[^>]*>([^<]+)<', response.content.decode())


def cursor(response, rel: str) -> dict:
    """The query of the Newer (prev) or Older (next) link."""
    html = response.content.decode()
    found = re.search(rf'<a class="small-button" href="\?([^"]+)"[^>]*rel="{rel}"', html)
    assert found, f"no {rel} link"
    query = found.group(1).replace("&amp;", "&")
    return dict(part.split("=", 1) for part in query.split("&"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def as_owner(client, owner, workspace):
    client.force_login(owner)
    return client


# --- The list


def test_the_list_shows_code_counterpart_date_total_state_and_folder(as_owner, workspace):
    entry = make_entry(workspace, invoice(code="0042", customer="Acme Corp"), folder="sales")
    services.set_state(entry, "registered")

    response = as_owner.get(list_url(workspace))

    html = response.content.decode()
    assert codes(response) == ["SAMPLE-0042"]
    assert "Acme Corp" in html
    assert "2026-01-15" in html
    assert '2,178.00 <span class="currency">EUR</span>' in html
    assert '<span class="chip green">registered</span>' in html
    assert '<span class="folder">sales</span>' in html


def test_each_list_holds_its_own_document_type(as_owner, workspace):
    make_entry(workspace, invoice(code="INV"))
    party = {"$schema": "https://gobl.org/draft-0/org/party", "name": "Provide One S.L."}
    make_entry(workspace, party)

    assert codes(as_owner.get(list_url(workspace))) == ["SAMPLE-INV"]
    assert codes(as_owner.get(list_url(workspace, "parties"))) == ["Provide One S.L."]
    assert codes(as_owner.get(list_url(workspace, "payments"))) == []


def test_an_unknown_document_type_is_404(as_owner, workspace):
    assert as_owner.get(list_url(workspace, "receipts")).status_code == 404


@pytest.mark.parametrize(
    ("state", "colour"),
    [
        ("processing", "yellow"),
        ("sent", "blue"),
        ("received", "blue"),
        ("registered", "green"),
        ("completed", "green"),
        ("error", "red"),
        ("rejected", ""),
        ("", ""),
    ],
)
def test_each_state_has_its_chip_colour(state, colour):
    assert state_colour(state) == colour


def test_amounts_and_addresses_read_as_people_write_them():
    assert money("1210.00") == "1,210.00"
    assert money("0.5") == "0.5"
    assert money("") == ""
    assert money("n/a") == "n/a"
    found = {"street": "Calle Pradillo", "num": "42", "code": "28002", "locality": "Madrid"}
    assert address({**found, "country": "ES"}) == "Calle Pradillo 42, 28002 Madrid, ES"


def test_the_list_filters_by_state(as_owner, workspace):
    sent, _ = make_entry(workspace, invoice(code="A")), make_entry(workspace, invoice(code="B"))
    services.set_state(sent, "sent")

    assert codes(as_owner.get(list_url(workspace), {"state": "sent"})) == ["SAMPLE-A"]


def test_the_list_filters_by_folder(as_owner, workspace):
    make_entry(workspace, invoice(code="A"), folder="sales")
    make_entry(workspace, invoice(code="B"), folder="archive")

    assert codes(as_owner.get(list_url(workspace), {"folder": "archive"})) == ["SAMPLE-B"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("sample-00", ["SAMPLE-007"]),  # the code, whatever the case
        ("SAMPLE-007", ["SAMPLE-007"]),
        ("acme", ["SAMPLE-008"]),  # the counterpart's name
        ("ACME CO", ["SAMPLE-008"]),
        ("inv-2026", ["SAMPLE-009"]),  # the key, as typed
        ("INV-2026", []),
        ("corp", []),  # the start of each, not the middle
        ("zzz", []),
    ],
)
def test_the_list_finds_text_at_the_start_of_code_counterpart_or_key(
    as_owner, workspace, text, found
):
    make_entry(workspace, invoice(code="007"))
    make_entry(workspace, invoice(code="X8", series="", customer="Acme Corp"))
    make_entry(workspace, invoice(code="X9", series="", customer="Other"), key="inv-2026-9")
    expected = {"SAMPLE-008": "X8", "SAMPLE-009": "X9"}

    response = as_owner.get(list_url(workspace), {"q": text})

    assert codes(response) == [expected.get(code, code) for code in found]


def test_text_search_keeps_to_the_workspace_and_type(as_owner, workspace, other_workspace):
    make_entry(other_workspace, invoice(code="SECRET"), key="shared-key")
    party = {"$schema": "https://gobl.org/draft-0/org/party", "name": "Shared Party"}
    make_entry(workspace, party, key="shared-party")

    assert codes(as_owner.get(list_url(workspace), {"q": "shared"})) == []
    assert codes(as_owner.get(list_url(workspace), {"q": "sample-secret"})) == []


def test_filters_combine(as_owner, workspace):
    wanted = make_entry(workspace, invoice(code="A", customer="Acme"), folder="sales")
    make_entry(workspace, invoice(code="B", customer="Acme"), folder="sales")
    make_entry(workspace, invoice(code="C", customer="Acme"), folder="archive")
    services.set_state(wanted, "error")

    response = as_owner.get(list_url(workspace), {"q": "acme", "folder": "sales", "state": "error"})

    assert codes(response) == ["SAMPLE-A"]


def test_the_list_pages_older_and_newer_with_a_cursor(as_owner, workspace, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    make_entries(workspace, 7)
    first = as_owner.get(list_url(workspace))
    assert codes(first) == ["SAMPLE-007", "SAMPLE-006", "SAMPLE-005"]
    assert 'class="small-button disabled">← Newer' in first.content.decode()

    second = as_owner.get(list_url(workspace), cursor(first, "next"))
    assert codes(second) == ["SAMPLE-004", "SAMPLE-003", "SAMPLE-002"]
    third = as_owner.get(list_url(workspace), cursor(second, "next"))
    assert codes(third) == ["SAMPLE-001"]
    assert 'class="small-button disabled">Older →' in third.content.decode()

    back = as_owner.get(list_url(workspace), cursor(third, "prev"))
    assert codes(back) == ["SAMPLE-004", "SAMPLE-003", "SAMPLE-002"]
    top = as_owner.get(list_url(workspace), cursor(back, "prev"))
    assert codes(top) == ["SAMPLE-007", "SAMPLE-006", "SAMPLE-005"]
    assert 'class="small-button disabled">← Newer' in top.content.decode()


def test_entries_created_at_the_same_instant_are_neither_lost_nor_repeated(
    as_owner, workspace, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    made = make_entries(workspace, 5)
    SiloEntry.objects.filter(pk__in=[e.pk for e in made]).update(created_at=timezone.now())

    seen, params = [], {}
    for _ in range(3):
        response = as_owner.get(list_url(workspace), params)
        seen += codes(response)
        if "Older →</a>" not in response.content.decode():
            break
        params = cursor(response, "next")

    assert sorted(seen) == sorted(f"SAMPLE-{n:03}" for n in range(1, 6))


def test_filters_survive_pagination(as_owner, workspace, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for entry in make_entries(workspace, 5, folder="sales"):
        services.set_state(entry, "error" if entry.snippet["code"] == "SAMPLE-003" else "sent")
    make_entries(workspace, 3, folder="archive")

    first = as_owner.get(list_url(workspace), {"folder": "sales", "state": "sent", "q": "samp"})
    params = cursor(first, "next")
    assert (params["folder"], params["state"], params["q"]) == ("sales", "sent", "samp")

    second = as_owner.get(list_url(workspace), params)
    assert codes(first) + codes(second) == ["SAMPLE-005", "SAMPLE-004", "SAMPLE-002", "SAMPLE-001"]
    assert cursor(second, "prev")["folder"] == "sales"


def test_a_cursor_that_we_did_not_give_out_shows_the_first_page(as_owner, workspace):
    make_entries(workspace, 2)

    response = as_owner.get(list_url(workspace), {"after": "not-a-cursor", "before": "x"})

    assert codes(response) == ["SAMPLE-002", "SAMPLE-001"]


def test_an_empty_list_invites_an_editor_to_add_a_document(as_owner, workspace):
    html = as_owner.get(list_url(workspace)).content.decode()

    assert "No invoices yet" in html
    assert reverse("entry_create", args=[workspace.slug, "invoices"]) in html


def test_an_empty_result_says_the_filters_match_nothing(as_owner, workspace):
    make_entry(workspace)

    html = as_owner.get(list_url(workspace), {"state": "error"}).content.decode()

    assert "No invoices match these filters" in html
    assert f'href="{list_url(workspace)}">Clear the filters' in html


def test_htmx_gets_only_the_results(as_owner, workspace):
    make_entry(workspace)

    response = as_owner.get(list_url(workspace), {"q": "sample"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card flush" id="entry-results">')
    assert "<html" not in html
    assert codes(response) == ["SAMPLE-001"]


def test_the_list_takes_the_same_few_queries_however_many_entries(
    as_owner, workspace, django_assert_num_queries
):
    make_entries(workspace, 30)
    for entry in SiloEntry.objects.all()[:10]:
        services.set_state(entry, "sent")
    as_owner.get(list_url(workspace))  # the session learns the workspace on the first visit

    # The session, the user, the membership, the page of entries, the workspace switcher.
    with django_assert_num_queries(5):
        response = as_owner.get(list_url(workspace), {"state": "sent", "folder": ""})
    assert len(codes(response)) == 10

    # Text: the latest entries first, then (with less than a page there) the text indexes.
    with django_assert_num_queries(6):
        response = as_owner.get(list_url(workspace), {"state": "sent", "q": "sample"})
    assert len(codes(response)) == 10


def test_broad_text_is_found_among_the_latest_entries(as_owner, workspace, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    monkeypatch.setattr(listing, "PROBE", 5)
    make_entries(workspace, 8)
    make_entry(workspace, invoice(code="X", series="OTHER"))

    first = as_owner.get(list_url(workspace), {"q": "sample-"})
    second = as_owner.get(list_url(workspace), cursor(first, "next"))
    third = as_owner.get(list_url(workspace), cursor(second, "next"))

    assert codes(first) == ["SAMPLE-008", "SAMPLE-007", "SAMPLE-006"]
    assert codes(second) == ["SAMPLE-005", "SAMPLE-004", "SAMPLE-003"]
    assert codes(third) == ["SAMPLE-002", "SAMPLE-001"]
    assert codes(as_owner.get(list_url(workspace), cursor(third, "prev"))) == codes(second)


def test_precise_text_is_found_beyond_the_latest_entries(as_owner, workspace, monkeypatch):
    monkeypatch.setattr(listing, "PROBE", 2)
    make_entries(workspace, 5)

    assert codes(as_owner.get(list_url(workspace), {"q": "sample-001"})) == ["SAMPLE-001"]


def entries_plans(client, url, params) -> list[str]:
    """SQLite's plan of each query the list made for its entries."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    plans = []
    for query in queries.captured_queries:
        if "silo_siloentry" not in query["sql"]:
            continue
        with connection.cursor() as db:
            db.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plans += [row[-1] for row in db.fetchall() if "silo_siloentry" in row[-1]]
    return plans


# Every filter combination is answered from an index (SQLite's plan; PostgreSQL's is shown
# at a million entries by bench/silo_list.py).
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": "sent"},
        {"folder": "sales"},
        {"q": "acme"},
        {"state": "sent", "folder": "sales"},
        {"state": "sent", "q": "acme"},
        {"folder": "sales", "q": "acme"},
        {"state": "sent", "folder": "sales", "q": "acme"},
        {"after": "cursor"},
        {"before": "cursor", "q": "acme"},
    ],
)
def test_every_filter_combination_uses_an_index(as_owner, workspace, params):
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked here is SQLite's")
    made = make_entries(workspace, 3)
    for name in ("after", "before"):
        if name in params:
            params = {**params, name: listing.api.encode_cursor(made[1])}

    plans = entries_plans(as_owner, list_url(workspace), params)

    assert plans
    assert all("USING" in line and "INDEX" in line for line in plans), plans
    assert not any(line.startswith("SCAN silo_siloentry") for line in plans), plans


@pytest.mark.parametrize(
    ("prefix", "after"),
    [("abc", "abd"), ("a", "b"), ("a\ud7ff", "a\ue000"), ("a\U0010ffff", "b")],
)
def test_a_prefix_ends_before_its_successor(prefix, after):
    assert listing.successor(prefix) == after


def test_saving_an_entry_fills_its_search_columns(workspace):
    entry = make_entry(workspace, invoice(code="Ab-1", customer="ÉCOLE Straße"))

    assert (entry.search_code, entry.search_counterpart) == ("sample-ab-1", "école strasse")


def test_the_migration_fills_the_search_columns_of_existing_entries(workspace):
    entry = make_entry(workspace, invoice(code="77", customer="Acme"))
    SiloEntry.objects.filter(pk=entry.pk).update(search_code="", search_counterpart="")
    migration = importlib.import_module("silo.migrations.0002_list_search")

    migration.fill_search_columns(django_apps, None)

    entry.refresh_from_db()
    assert (entry.search_code, entry.search_counterpart) == ("sample-77", "acme")


# --- Who sees what


def entry_pages(entry, stored) -> list[str]:
    slug = entry.workspace.slug
    return [
        list_url(entry.workspace),
        reverse("entry_create", args=[slug, "invoices"]),
        entry_url(entry),
        f"{entry_url(entry)}?part=head",
        *(entry_url(entry, tab) for tab in silo_views.TABS),
        file_url(stored),
        f"{file_url(stored)}?inline=1",
    ]


def test_an_outsider_gets_404_on_every_page_and_file(
    client, outsider, other_workspace, workspace, media
):
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    client.force_login(outsider)

    for url in entry_pages(entry, stored):
        assert client.get(url).status_code == 404, url
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404, url


def test_another_workspaces_entry_is_404_in_ones_own_workspace(
    client, outsider, other_workspace, workspace, media
):
    """The outsider's own slug with our entry's id: the entry, not just the slug, is checked."""
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    client.force_login(outsider)
    slug = other_workspace.slug

    assert client.get(reverse("entry_detail", args=[slug, entry.id])).status_code == 404
    url = reverse("entry_file", args=[slug, entry.id, stored.id])
    assert client.get(url).status_code == 404


def test_a_file_of_another_entry_is_404(as_owner, workspace, media):
    entry, other = make_entry(workspace), make_entry(workspace)
    stored = services.attach_file(other, name="a.pdf", content=PDF, mime="application/pdf")

    url = reverse("entry_file", args=[workspace.slug, entry.id, stored.id])

    assert as_owner.get(url).status_code == 404


def test_a_viewer_reads_but_cannot_add(client, viewer, workspace, media):
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    client.force_login(viewer)
    new_url = reverse("entry_create", args=[workspace.slug, "invoices"])

    for url in entry_pages(entry, stored):
        response = client.get(url)
        if response.streaming:  # a download: read it, so that its file is closed
            b"".join(response.streaming_content)
        assert response.status_code == (403 if url == new_url else 200), url
    assert new_url not in client.get(list_url(workspace)).content.decode()
    assert client.post(new_url, {"document": json.dumps(invoice())}).status_code == 403
    assert SiloEntry.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "teammate"])
def test_owners_and_editors_see_the_new_button(client, request, persona, workspace):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(list_url(workspace)).content.decode()

    assert f'href="{reverse("entry_create", args=[workspace.slug, "invoices"])}"' in html
    assert "+ New invoice" in html


# --- New entry


def new_url(workspace, kind="invoices") -> str:
    return reverse("entry_create", args=[workspace.slug, kind])


def test_the_new_entry_page_has_a_text_box_and_a_file_input(as_owner, workspace):
    html = as_owner.get(new_url(workspace)).content.decode()

    assert '<textarea name="document"' in html
    assert 'type="file" name="upload" accept=".json"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_pasted_document_is_stored_in_an_envelope_and_opens_its_page(as_owner, workspace):
    response = as_owner.post(
        new_url(workspace), {"document": json.dumps(invoice()), "folder": "sales", "key": "k-1"}
    )

    entry = SiloEntry.objects.get()
    assert response.status_code == 302
    assert response.url == entry_url(entry)
    assert entry.data["$schema"] == ENVELOPE
    assert entry.data["head"]["uuid"] == str(entry.id)
    assert entry.data == built(invoice(), head_uuid=entry.id)  # as Invopop stores it: built
    assert (entry.folder, entry.key, entry.doc_type, entry.version) == (
        "sales",
        "k-1",
        "bill/invoice",
        1,
    )
    assert entry.versions.get().number == 1


def test_an_uploaded_envelope_is_stored_as_it_is(as_owner, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    complete = built(envelope())  # building it again changes nothing
    upload = SimpleUploadedFile("invoice.json", json.dumps(complete).encode(), "application/json")

    response = as_owner.post(new_url(workspace), {"document": "", "upload": upload})

    entry = SiloEntry.objects.get()
    assert response.status_code == 302
    assert entry.data == complete


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        ('{"$schema": ', ["/"]),
        ("", ["/"]),
        ("[1, 2]", ["/"]),
        ('{"code": "1"}', ["/$schema"]),
        (json.dumps({"$schema": ENVELOPE, "doc": "no"}), ["/doc"]),
        (json.dumps({"$schema": ENVELOPE, "head": [], "doc": invoice()}), ["/head"]),
        (json.dumps({"$schema": ENVELOPE, "doc": {"$schema": "x"}}), ["/doc/$schema"]),
        (json.dumps(invoice(notes=[{"text": "a\x00b"}])), ["/notes/0/text"]),
    ],
)
def test_invalid_input_is_refused_with_its_problems_by_path_and_kept(
    as_owner, workspace, document, problems
):
    response = as_owner.post(new_url(workspace), {"document": document})

    assert response.status_code == 422
    assert [pointer for pointer, _ in response.context["form"].problems] == problems
    html = response.content.decode()
    for pointer in problems:
        assert f'<code class="pointer">{pointer}</code>' in html
    assert f">\n{escape(document)}</textarea>" in html
    assert SiloEntry.objects.count() == 0


def test_every_problem_is_listed_at_once(as_owner, workspace):
    response = as_owner.post(
        new_url(workspace),
        {"document": '{"code": "1"}', "folder": "f" * 101, "key": "k" * 256},
    )

    form = response.context["form"]
    assert form.problems == [
        ("/$schema", "must be a GOBL schema URL starting with https://gobl.org/")
    ]
    assert set(form.errors) >= {"folder", "key"}
    html = response.content.decode()
    assert "Ensure this field has no more than 100 characters." in html
    assert SiloEntry.objects.count() == 0


def test_a_refused_upload_is_put_in_the_text_box_to_be_corrected(as_owner, workspace):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bad.json", b'{"code": "broken"}', "application/json")

    response = as_owner.post(new_url(workspace), {"upload": upload})

    assert response.status_code == 422
    assert "{&quot;code&quot;: &quot;broken&quot;}</textarea>" in response.content.decode()


def partial(doc: dict) -> dict:
    """`doc` as a client writes it: lines without sums, no totals."""
    lines = [{k: line[k] for k in ("quantity", "item", "taxes")} for line in doc["lines"]]
    return {**{k: v for k, v in doc.items() if k != "totals"}, "lines": lines}


def test_a_partial_invoice_is_stored_built(as_owner, workspace):
    response = as_owner.post(new_url(workspace), {"document": json.dumps(partial(invoice()))})

    entry = SiloEntry.objects.get()
    assert response.status_code == 302
    assert entry.data == built(invoice(), head_uuid=entry.id)
    assert entry.data["doc"]["totals"]["payable"] == "2178.00"


def test_every_problem_of_the_lines_is_listed_by_path(as_owner, workspace):
    bad = {"quantity": "abc", "item": {"name": "", "price": "90.00"}}
    taxed = {"quantity": "1", "item": {"name": "A"}, "taxes": [{"cat": "VAT", "rate": "nope"}]}
    document = json.dumps(partial(invoice()) | {"lines": [bad, taxed]})

    response = as_owner.post(new_url(workspace), {"document": document})

    assert response.status_code == 422
    assert response.context["form"].problems == [
        ("/lines/0/quantity", "'abc' is not a number"),
        ("/lines/0/item/name", "is required"),
        ("/lines/1/taxes/0/rate", "rate 'nope' is not defined for key 'standard' in category VAT"),
    ]
    html = response.content.decode()
    assert '<code class="pointer">/lines/1/taxes/0/rate</code>' in html
    assert "&#x27;abc&#x27; is not a number" in html
    assert f">\n{escape(document)}</textarea>" in html
    assert SiloEntry.objects.count() == 0


def test_a_key_in_use_is_refused_on_the_key(as_owner, workspace):
    make_entry(workspace, key="taken")

    response = as_owner.post(
        new_url(workspace), {"document": json.dumps(invoice()), "key": "taken"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["key"] == ["already used by another entry"]
    assert SiloEntry.objects.count() == 1


# --- The entry page


def test_the_entry_page_summarises_the_document(as_owner, workspace):
    entry = make_entry(workspace, folder="sales")
    services.set_state(entry, "sent")

    html = as_owner.get(entry_url(entry)).content.decode()

    assert "<h1>SAMPLE-001</h1>" in html
    assert '<span class="chip blue">sent</span>' in html
    assert '<span class="folder">sales</span>' in html
    assert "Provide One S.L." in html and "ES B98602642" in html
    assert "Calle Pradillo 42, 28002 Madrid, ES" in html
    assert "Sample Consumer" in html and "ES 54387763P" in html
    lines = html.split('<table class="table lines">')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', lines) == ["20", "90.00", "1,800.00"]
    assert "Development services" in lines
    totals = html.split('<dl class="totals">')[1].split("</dl>")[0]
    assert re.findall(r"<dt[^>]*>([^<]+)", totals) == [
        "Sum",
        "Total",
        "VAT 21.0% ",
        "Taxes",
        "Total with tax",
        "Payable",
    ]
    assert "2,178.00" in totals
    assert "&quot;$schema&quot;: &quot;https://gobl.org/draft-0/envelope&quot;" in html


def test_a_party_is_summarised_as_one_party(as_owner, workspace):
    party = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": "B98602642"},
    }
    entry = make_entry(workspace, party)

    html = as_owner.get(entry_url(entry)).content.decode()

    assert '<div class="party-label">Party</div>' in html
    assert "ES B98602642" in html


def test_the_header_and_tabs_follow_the_live_stream(as_owner, workspace):
    entry = make_entry(workspace)

    html = as_owner.get(entry_url(entry, "files")).content.decode()

    for element in ('id="entry-head"', 'id="entry-tabs"'):
        tag = html.split(element)[1].split(">")[0]
        assert f'data-live="entry:{entry.id}"' in tag
        assert 'hx-trigger="live"' in tag and 'hx-swap="outerHTML"' in tag
        assert 'hx-sync="this:queue last"' in tag
    assert f'hx-get="{entry_url(entry)}?part=head"' in html
    assert f'hx-get="{entry_url(entry, "files")}" hx-trigger="live"' in html


@pytest.mark.parametrize("tab", list(silo_views.TABS))
def test_each_tab_is_a_page_and_an_htmx_fragment(as_owner, workspace, tab):
    entry = make_entry(workspace)

    page = as_owner.get(entry_url(entry, tab)).content.decode()
    part = as_owner.get(entry_url(entry, tab), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" in page and f'data-tab="{tab}"' in page
    assert "<html" not in part and part.lstrip().startswith("<section")
    assert f'data-tab="{tab}"' in part
    assert f'class="active" aria-selected="true">{silo_views.TABS[tab]}' in part


def test_a_history_restore_gets_the_whole_page(as_owner, workspace):
    entry = make_entry(workspace)

    response = as_owner.get(
        entry_url(entry, "states"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in response.content.decode()


def test_the_header_alone_comes_back_for_its_live_refresh(as_owner, workspace):
    entry = make_entry(workspace)
    services.set_state(entry, "completed")

    html = as_owner.get(f"{entry_url(entry)}?part=head", HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<header class="page-head entry-head" id="entry-head"')
    assert '<span class="chip green">completed</span>' in html


def test_run_workflow_opens_the_jobs_run_panel_in_the_drawer(as_owner, workspace, monkeypatch):
    entry = make_entry(workspace)
    monkeypatch.setattr(silo_views, "reverse", lambda name, args: f"/w/{args[0]}/jobs/run/")

    html = as_owner.get(entry_url(entry)).content.decode()

    button = (
        f'hx-get="/w/acme/jobs/run/?entry={entry.id}" hx-target="#run-panel" hx-swap="innerHTML"'
    )
    assert f'<button class="primary" {button}>Run workflow</button>' in html
    assert '<div id="run-panel"></div>' in html


def test_run_workflow_is_left_out_while_the_jobs_app_has_no_run_panel(
    as_owner, workspace, monkeypatch
):
    def no_such_url(name, args):
        raise NoReverseMatch(name)

    monkeypatch.setattr(silo_views, "reverse", no_such_url)

    html = as_owner.get(entry_url(make_entry(workspace))).content.decode()

    assert "Run workflow" not in html


def test_a_viewer_sees_no_run_workflow(client, viewer, workspace, monkeypatch):
    monkeypatch.setattr(silo_views, "reverse", lambda name, args: f"/w/{args[0]}/jobs/run/")
    client.force_login(viewer)

    assert "Run workflow" not in client.get(entry_url(make_entry(workspace))).content.decode()


# --- Activity


@pytest.fixture
def worked_entry(workspace, media):
    """An entry a real job worked on: it set a state, changed the data, signed it, then a
    file came of it; a second job failed."""
    entry = make_entry(workspace)
    modify = step("silo.modify", {"data": {"doc": {"notes": [{"text": "Thanks"}]}}}, name="note")
    first = run(start_on(entry, [state("sent"), modify, step("silo.close", name="sign")]))
    entry.refresh_from_db()
    services.attach_file(
        entry, name="invoice.pdf", content=PDF, mime="application/pdf", job_id=first.id
    )
    second = run(start_on(entry, [step("silo.close", name="sign again"), state("error")]))
    return entry, first, second


def test_the_activity_log_tells_what_happened_in_order(as_owner, worked_entry):
    entry, first, second = worked_entry
    assert (first.status, second.status) == ("OK", "OK")

    html = as_owner.get(entry_url(entry, "activity")).content.decode()

    rows = re.findall(r'<li class="activity-row kind-(\w+)">', html)
    assert rows == [
        "created",
        "job",
        "state",
        "step",  # state sent: OK
        "version",
        "step",  # note: OK
        "version",
        "signed",
        "step",  # sign: OK
        "done",
        "file",
        "job",
        "step",  # sign again: SKIP
        "state",
        "step",  # state error: OK
        "done",
    ]
    times = re.findall(r'<time class="at" datetime="([^"]+)"', html)
    assert times == sorted(times)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Step sign again SKIP signed already signed" in text
    assert "<code>signed</code> already signed" in html
    assert "Signed: version 3" in text and "File added: invoice.pdf" in text


def test_each_activity_row_of_a_job_links_the_job_and_its_workflow_version(
    as_owner, worked_entry, workspace
):
    entry, first, second = worked_entry

    html = as_owner.get(entry_url(entry, "activity")).content.decode()

    for job in (first, second):
        job_link = reverse("job_detail", args=[workspace.slug, job.id])
        editor = reverse("workflow_editor", args=[workspace.slug, job.workflow_id])
        version = f"{editor}?version={job.workflow_version.number}"
        assert html.count(f'href="{job_link}"') >= 4
        assert html.count(f'href="{version}"') == html.count(f'href="{job_link}"')
    rows = html.split('<li class="activity-row')[1:]
    assert "job_detail" not in rows[0] and "/jobs/" not in rows[0]  # created through the API


def test_a_running_step_shows_while_it_runs(as_owner, workspace):
    from jobs.models import Intent, IntentEvent, Job
    from providers.base import Status

    entry = make_entry(workspace)
    job = start_on(entry, [state("sent")])
    intent = Intent.objects.create(job=job, step_id="s1", name="Send to agency", provider="x")
    IntentEvent.objects.create(intent=intent, index=0, status=Status.RUN)
    Job.objects.filter(pk=job.pk).update(status="RUN")

    html = as_owner.get(entry_url(entry, "activity")).content.decode()

    assert "Step <strong>Send to agency</strong>" in html
    assert '<span class="chip blue">RUN</span>' in html
    assert "Job completed" not in html


def test_a_failed_job_is_in_red_with_its_faults(as_owner, workspace):
    entry = make_entry(workspace, invoice(code=""))

    job = run(start_on(entry, [step("silo.close", name="sign")], rescue=[state("error")]))

    html = as_owner.get(entry_url(entry, "activity")).content.decode()
    assert job.status == "KO"
    assert '<span class="chip red">KO</span>' in html
    assert "Job failed" in html
    assert "not-signable" in html


def test_the_activity_of_a_new_entry_is_its_creation(as_owner, workspace):
    html = as_owner.get(entry_url(make_entry(workspace), "activity")).content.decode()

    assert re.findall(r'<li class="activity-row kind-(\w+)">', html) == ["created"]
    assert "Entry created (by api)" in html


def test_the_activity_tab_takes_the_same_queries_however_many_jobs(
    as_owner, workspace, media, django_assert_max_num_queries
):
    entry = make_entry(workspace)
    for _ in range(3):
        run(start_on(entry, [state("sent"), step("silo.modify", {"data": {"doc": {"x": 1}}})]))
    as_owner.get(entry_url(entry, "activity"))

    # Session, user, membership, entry, jobs, intents, events, versions, states, files.
    with django_assert_max_num_queries(10):
        as_owner.get(entry_url(entry, "activity"), HTTP_HX_REQUEST="true")


# --- States, versions, meta


def test_the_states_tab_lists_states_with_notes_and_faults(as_owner, workspace):
    entry = make_entry(workspace)
    services.set_state(entry, "processing", src="api-key")
    fault = {"provider": "agency", "code": "E12", "message": "Bad tax ID"}
    services.set_state(entry, "error", notes="The agency refused it", faults=[fault])

    html = as_owner.get(entry_url(entry, "states")).content.decode()

    states = re.findall(
        r'<span class="chip (\w*)">(\w+)</span>', html.split('data-tab="states"')[1]
    )
    assert states[:2] == [("red", "error"), ("yellow", "processing")]
    assert "The agency refused it" in html
    assert "<code>E12</code> Bad tax ID" in html
    assert ">api-key</span>" in html


def test_the_versions_tab_shows_each_change_as_a_diff(as_owner, workspace):
    entry = make_entry(workspace)
    changed = deepcopy(entry.data)
    changed["doc"]["customer"]["name"] = "New Customer S.A."
    services.change_data(entry, envelope=changed)

    html = as_owner.get(entry_url(entry, "versions")).content.decode()

    latest = html.split('id="version-2"')[1].split('id="version-1"')[0]
    assert (
        '<span class="del">-      &quot;name&quot;: &quot;Sample Consumer&quot;,</span>' in latest
    )
    assert (
        '<span class="add">+      &quot;name&quot;: &quot;New Customer S.A.&quot;,</span>' in latest
    )
    assert '<span class="hunk">@@' in latest
    assert latest.count('<span class="add">') == 1 and latest.count('<span class="del">') == 1
    first = html.split('id="version-1"')[1]
    assert "The first version" in first and '<pre class="diff">' not in first


def test_the_versions_tab_names_the_job_that_made_a_change(as_owner, workspace, media):
    entry = make_entry(workspace)
    job = run(start_on(entry, [step("silo.modify", {"data": {"doc": {"notes": []}}})]))

    html = as_owner.get(entry_url(entry, "versions")).content.decode()

    latest = html.split('id="version-2"')[1].split('id="version-1"')[0]
    assert f'href="{reverse("job_detail", args=[workspace.slug, job.id])}"' in latest


def test_the_meta_tab_shows_the_entrys_facts(as_owner, workspace):
    entry = make_entry(workspace, key="inv-1", folder="sales")
    services.merge_meta(entry, {"agency_id": "AB-12"})

    html = as_owner.get(entry_url(entry, "meta")).content.decode()

    assert f"<code>{entry.id}</code>" in html
    assert "<code>inv-1</code>" in html
    assert "&quot;agency_id&quot;: &quot;AB-12&quot;" in html
    assert f"<code>{INVOICE}</code>" in html


# --- Files


def test_the_files_tab_links_downloads_and_previews_pdfs(as_owner, workspace, media):
    entry = make_entry(workspace)
    pdf = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    xml = services.attach_file(entry, name="invoice.xml", content=b"<x/>", mime="application/xml")

    html = as_owner.get(entry_url(entry, "files")).content.decode()

    assert f'<a href="{file_url(pdf)}" download>invoice.pdf</a>' in html
    assert f'<a href="{file_url(xml)}" download>invoice.xml</a>' in html
    assert f'<iframe src="{file_url(pdf)}?inline=1" title="Preview of invoice.pdf"' in html
    assert html.count("<iframe") == 1


def e_invoice(syntax: str) -> bytes:
    """The fixture invoice as ubl.generate and cii.generate write it."""
    from pathlib import Path

    from providers.cii import profiles
    from providers.cii.document import to_cii
    from providers.ubl.codes import DOC_TYPES
    from providers.ubl.document import to_ubl
    from silo.gobl import build_document

    doc = json.loads((Path(__file__).parent / "fixtures/ubl/invoice-nl.json").read_text())
    doc, _ = build_document({**doc, "$addons": ["eu-en16931-v2017"]})
    if syntax == "cii":
        return to_cii(doc, profiles.find("en16931-v2017", []))
    return to_ubl(doc, DOC_TYPES["bis-invoice-v3"])


def test_the_files_tab_previews_a_cii_as_a_tree_with_its_validation_report(
    as_owner, workspace, media
):
    entry = make_entry(workspace)
    # The document type code (BT-3) taken out: Factur-X's XSD (what stands in offline) requires
    # it; D16B's does not, and EN 16931's Schematron (when its files are cached) says so.
    xml = re.sub(rb"<ram:TypeCode>380</ram:TypeCode>", b"", e_invoice("cii"))
    services.attach_file(entry, name="INV.xml", content=xml, mime="application/xml")

    html = as_owner.get(entry_url(entry, "files")).content.decode()

    assert '<section class="xml-preview" data-file="INV.xml">' in html
    assert (
        '<details class="xml-node" open><summary>&lt;<span class="xml-tag">'
        "rsm:CrossIndustryInvoice</span>" in html
    )
    assert '<span class="xml-tag">ram:ID</span>&gt;<span class="xml-text">INV-2026-0007' in html
    assert "<summary>Validation report: " in html
    rules = re.findall(r'<td class="mono small nowrap">([^<]+)</td><td>([^<]+)', html)
    type_code = {rule for rule, message in rules if "TypeCode" in message or "(BT-3)" in message}
    assert type_code in ({"XSD"}, {"BR-04", "CII-SR-014"}), rules


def test_the_files_tab_reports_a_ubls_rule_ids(as_owner, workspace, media):
    entry = make_entry(workspace)
    xml = e_invoice("ubl")
    total = re.search(rb"<cbc:LineExtensionAmount currencyID=\"EUR\">([^<]+)<", xml).group(0)
    xml = xml.replace(total, b'<cbc:LineExtensionAmount currencyID="EUR">1.00<', 1)
    services.attach_file(entry, name="INV.ubl.xml", content=xml, mime="application/xml")

    html = as_owner.get(entry_url(entry, "files")).content.decode()

    assert 'INV.ubl.xml <span class="muted">· UBL</span>' in html
    assert '<td class="mono small nowrap">BR-CO-10</td>' in html


def test_the_xml_preview_escapes_what_the_file_says(as_owner, workspace, media):
    entry = make_entry(workspace)
    hostile = (
        b'<a xmlns:x="urn:x" x:on="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">'
        b"<b>&lt;script&gt;alert(1)&lt;/script&gt;</b><!-- <script>alert(2)</script> --></a>"
    )
    services.attach_file(entry, name="x.xml", content=hostile, mime="text/xml")

    html = as_owner.get(entry_url(entry, "files")).content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Validation report" not in html  # no e-invoice, no report


REPORTS: list[bytes] = []


def counted_report(content: bytes):
    """A FILE_REPORT that counts its calls; <unavailable/> stands for rules not cached."""
    from providers.cii.validation import Finding

    REPORTS.append(content)
    rule = "unavailable" if b"unavailable" in content else "BR-01"
    return "CII", [Finding(rule, "said", "")]


@pytest.mark.parametrize(("root", "reports"), [("kept", 1), ("unavailable", 2)])
def test_a_files_report_is_kept_by_digest_unless_its_rules_were_unavailable(
    as_owner, workspace, media, settings, root, reports
):
    settings.FILE_REPORT = "test_silo_views.counted_report"
    REPORTS.clear()
    entry = make_entry(workspace)
    xml = f"<{root} id='{entry.id}'/>".encode()  # a digest no other test has
    services.attach_file(entry, name="x.xml", content=xml, mime="application/xml")

    for _ in range(2):
        assert (
            "Validation report: 1 finding"
            in as_owner.get(entry_url(entry, "files")).content.decode()
        )

    assert len(REPORTS) == reports and set(REPORTS) == {xml}


@pytest.mark.parametrize(
    "content, said",
    [(b"<a><b></a>", "Not well-formed XML"), (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "")],
    ids=["broken", "doctype"],
)
def test_an_xml_file_that_cannot_be_read_is_said_so(as_owner, workspace, media, content, said):
    entry = make_entry(workspace)
    services.attach_file(entry, name="x.xml", content=content, mime="application/xml")

    response = as_owner.get(entry_url(entry, "files"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<pre class="mono small">Not well-formed XML' in html and said in html


def test_a_file_downloads_with_its_content_type(as_owner, workspace, media):
    entry = make_entry(workspace)
    stored = services.attach_file(
        entry, name="invoice.xml", content=b"<x/>", mime="application/xml"
    )

    response = as_owner.get(file_url(stored))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.xml"'
    assert b"".join(response.streaming_content) == b"<x/>"


def test_a_pdf_opens_inline_in_a_frame_of_the_console(as_owner, workspace, media):
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")

    response = as_owner.get(f"{file_url(stored)}?inline=1")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="invoice.pdf"'
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content) == PDF


def test_html_never_opens_inline(as_owner, workspace, media):
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="x.html", content=b"<script>", mime="text/html")

    response = as_owner.get(f"{file_url(stored)}?inline=1")
    b"".join(response.streaming_content)

    assert response["Content-Disposition"].startswith("attachment;")


def test_a_file_whose_contents_are_gone_is_404(as_owner, workspace, media):
    entry = make_entry(workspace)
    stored = services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    stored.file.delete(save=False)

    assert as_owner.get(file_url(stored)).status_code == 404


# --- A draft reads as a draft, with its sums (issue 18)


def draft_invoice() -> dict:
    """An invoice before any build: no code, no line sums, no totals."""
    doc = invoice()
    for key in ("code", "series", "totals"):
        doc.pop(key, None)
    for line in doc["lines"]:
        line.pop("sum", None)
        line.pop("total", None)
    return doc


def test_a_draft_invoice_is_named_a_draft_and_shows_calculated_totals(as_owner, workspace):
    entry = make_entry(workspace, draft_invoice())
    assert "totals" not in entry.data["doc"], "nothing is stored that the document lacks"
    assert entry.title == "Draft invoice"
    assert entry.snippet["total"] == "2178.00" and entry.snippet["total_calculated"]

    listed = as_owner.get(list_url(workspace)).content.decode()
    assert ">Draft invoice</a>" in listed and str(entry.id)[:8] + "<" not in listed
    assert 'class="calculated"' in listed and "2,178.00" in listed

    html = as_owner.get(entry_url(entry)).content.decode()
    assert "<h1>Draft invoice</h1>" in html and 'id="calculated"' in html
    lines = html.split('<table class="table lines">')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', lines) == ["20", "90.00", "1,800.00"]
    assert "2,178.00" in html.split('<dl class="totals">')[1]


def test_a_built_invoice_shows_its_own_totals_and_its_code_by_the_one_rule(as_owner, workspace):
    entry = make_entry(workspace, invoice(series="INV-", code="00001"))
    assert "total_calculated" not in entry.snippet
    html = as_owner.get(entry_url(entry)).content.decode()
    assert "<h1>INV-00001</h1>" in html and '<dd class="mono">INV-00001</dd>' in html
    assert 'id="calculated"' not in html


def test_the_file_input_is_a_drop_zone_and_every_page_has_a_favicon(as_owner, workspace):
    from django.contrib.staticfiles import finders

    html = as_owner.get(new_url(workspace)).content.decode()
    zone = re.search(
        r'<label class="field upload drop-zone" data-dropzone[^>]*>(.*?)</label>', html, re.S
    )
    assert zone and 'type="file" name="upload"' in zone.group(1)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert finders.find("favicon.svg").endswith("static/favicon.svg")
