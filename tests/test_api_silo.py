"""The silo API (/silo/v1), shaped like Invopop's: entries, their files and their states."""

import base64
import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from engine_helpers import built

from invopop_console.accounts.models import ApiToken
from silo import services
from silo.models import SiloEntry, SiloEntryVersion, SiloState

pytestmark = pytest.mark.django_db

ENTRIES = "/silo/v1/entries"
ENVELOPE = "https://gobl.org/draft-0/envelope"
INVOICE = "https://gobl.org/draft-0/bill/invoice"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PDF = b"%PDF-1.4 a small file\n\x00\x01\x02"
LINE = {
    "quantity": "1",
    "item": {"name": "Development services", "price": "100.00"},
    "taxes": [{"cat": "VAT", "rate": "standard"}],
}


def invoice(**fields) -> dict:
    return {
        "$schema": INVOICE,
        "series": "SAMPLE",
        "code": "001",
        "currency": "EUR",
        "issue_date": "2024-01-01",
        "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample Consumer"},
        "lines": [LINE],
        **fields,
    }


def envelope(doc=None, **head) -> dict:
    return {
        "$schema": ENVELOPE,
        "head": {"uuid": str(uuid.uuid4()), **head},
        "doc": doc or invoice(),
    }


def post(client, body, **extra):
    return client.post(ENTRIES, body, format="json", **extra)


def create(client, **body) -> dict:
    response = post(client, {"data": invoice(), **body})
    assert response.status_code == 200, response.json()
    return response.json()


def patch(client, entry_id, body, content_type="application/json"):
    return client.patch(f"{ENTRIES}/{entry_id}", json.dumps(body), content_type=content_type)


def fetch(client, entry_id, **params) -> dict:
    response = client.get(f"{ENTRIES}/{entry_id}", params)
    assert response.status_code == 200, response.json()
    return response.json()


def assert_invalid(response, pointer: str):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["key"] == "invalid"
    assert pointer in body["fields"], body


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Creating


def test_post_creates_an_entry_with_a_new_id(api, workspace):
    response = post(api, {"data": envelope(), "key": "invoice-001", "folder": "sales"})

    assert response.status_code == 200
    body = response.json()
    entry = SiloEntry.objects.get(pk=body["id"])
    assert entry.workspace == workspace
    assert body["key"] == "invoice-001"
    assert body["folder"] == "sales"
    assert body["doc_schema"] == INVOICE
    assert body["env_schema"] == ENVELOPE
    assert body["snippet"]["code"] == "SAMPLE-001"
    assert body["version"] == "1"
    assert body["signed"] is False
    assert body["draft"] is True
    assert body["attachments"] == []
    assert "data" not in body


def test_put_creates_an_entry_with_the_clients_id(api):
    entry_id = str(uuid.uuid4())

    response = api.put(f"{ENTRIES}/{entry_id}", {"data": envelope()}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == entry_id
    assert SiloEntry.objects.filter(pk=entry_id).exists()


def test_a_bare_document_is_wrapped_into_an_envelope(api):
    created = create(api)

    data = fetch(api, created["id"], data="true")["data"]

    assert data["$schema"] == ENVELOPE
    assert data == built(invoice(), head_uuid=created["id"])
    assert data["doc"]["totals"]["payable"] == "121.00"
    assert uuid.UUID(data["head"]["uuid"])


def test_an_envelope_is_stored_as_sent_with_its_digest_shown(api):
    sent = built(envelope(tags=["export"]))  # complete already: building changes nothing

    body = post(api, {"data": sent}).json()

    assert SiloEntry.objects.get(pk=body["id"]).data == sent
    assert body["digest"] == sent["head"]["dig"]
    assert body["tags"] == ["export"]


def test_an_envelope_with_signatures_is_stored_signed(api):
    body = post(api, {"data": {**envelope(), "sigs": ["eyJ..."]}}).json()

    assert body["signed"] is True
    assert SiloEntryVersion.objects.get(entry_id=body["id"]).signed


def test_unknown_fields_are_ignored(api):
    response = post(api, {"data": invoice(), "allow_invalid": True, "whatever": [1, 2]})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ([{"data": {}}], "/"),
        ("a string", "/"),
        ({}, "/data"),
        ({"data": None}, "/data"),
        ({"data": [invoice()]}, "/data"),
        ({"data": "invoice"}, "/data"),
        ({"data": {"code": "001"}}, "/data/$schema"),
        ({"data": {"$schema": "https://example.com/invoice"}}, "/data/$schema"),
        ({"data": {"$schema": 5}}, "/data/$schema"),
        ({"data": {"$schema": ENVELOPE, "head": {}}}, "/data/doc"),
        ({"data": {"$schema": ENVELOPE, "doc": {"code": "1"}}}, "/data/doc/$schema"),
        ({"data": {"$schema": ENVELOPE, "doc": {"$schema": ENVELOPE}}}, "/data/doc/$schema"),
        ({"data": {**envelope(), "head": "x"}}, "/data/head"),
        ({"data": invoice(), "key": 5}, "/key"),
        ({"data": invoice(), "key": "k" * 256}, "/key"),
        ({"data": invoice(), "folder": ["sales"]}, "/folder"),
        ({"data": invoice(), "sign": True}, "/sign"),
        ({"data": invoice(code="0\x001")}, "/data/code"),
        ({"data": invoice(lines=[{"a/b": "\x00"}])}, "/data/lines/0/a~1b"),
        ({"data": invoice(), "key": "a\x00"}, "/key"),
        ({"data": invoice(), "sign": "maybe"}, "/sign"),
        ({"data": invoice(), "sign": 0}, "/sign"),  # a number, not a boolean
        ({"data": invoice(), "sign": "false"}, "/sign"),
    ],
)
def test_a_bad_entry_is_422_naming_the_field(api, body, pointer):
    assert_invalid(post(api, body), pointer)
    assert_invalid(api.put(f"{ENTRIES}/{uuid.uuid4()}", body, format="json"), pointer)
    assert not SiloEntry.objects.exists()


def test_a_body_that_is_not_json_is_400(api):
    response = api.post(ENTRIES, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"key", "message", "fields"}


def test_data_nested_too_deeply_is_422(api):
    deep = []
    for _ in range(100):
        deep = [deep]

    response = post(api, {"data": invoice(lines=deep)})

    assert response.status_code == 422
    [(pointer, message)] = response.json()["fields"].items()
    assert pointer.startswith("/data/lines/0/0/0")
    assert "deeper" in message


def test_a_body_nested_past_what_the_parser_follows_is_400(api):
    body = '{"data": %s}' % ("[" * 5000 + "]" * 5000)

    response = api.post(ENTRIES, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["key"] == "invalid-json"


# --- Idempotency


def test_put_again_with_the_same_request_answers_with_the_entry(api):
    entry_id = str(uuid.uuid4())
    body = {"data": envelope(), "key": "invoice-001", "folder": "sales"}
    api.put(f"{ENTRIES}/{entry_id}", body, format="json")

    again = api.put(f"{ENTRIES}/{entry_id}", body, format="json")

    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == entry_id
    assert SiloEntry.objects.count() == 1


def test_a_new_entry_is_a_200_as_invopop_answers_without_the_replay_header(api):
    response = post(api, {"data": invoice()})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    response = api.put(f"{ENTRIES}/{uuid.uuid4()}", {"data": invoice()}, format="json")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response


def test_put_again_of_a_bare_document_is_the_same_request(api):
    entry_id = str(uuid.uuid4())
    api.put(f"{ENTRIES}/{entry_id}", {"data": invoice()}, format="json")

    again = api.put(f"{ENTRIES}/{entry_id}", {"data": invoice()}, format="json")

    assert again.status_code == 200
    assert fetch(api, entry_id, data="true")["data"]["head"]["uuid"] == entry_id


def test_put_again_with_a_different_request_is_a_conflict(api):
    entry_id = str(uuid.uuid4())
    api.put(f"{ENTRIES}/{entry_id}", {"data": invoice()}, format="json")

    again = api.put(f"{ENTRIES}/{entry_id}", {"data": invoice(code="002")}, format="json")

    assert again.status_code == 409
    assert again.json()["key"] == "conflict"
    assert SiloEntry.objects.get().snippet["code"] == "SAMPLE-001"


def test_put_with_a_key_another_entry_has_is_a_conflict(api):
    create(api, key="invoice-001")

    response = api.put(
        f"{ENTRIES}/{uuid.uuid4()}", {"data": invoice(), "key": "invoice-001"}, format="json"
    )

    assert response.status_code == 409
    assert "/key" in response.json()["fields"]


def test_a_key_used_again_with_the_same_request_answers_with_the_original(api):
    first = create(api, key="invoice-001")

    again = post(api, {"data": invoice(), "key": "invoice-001"})

    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first["id"]
    assert SiloEntry.objects.count() == 1


def test_a_key_used_again_with_different_data_is_a_conflict(api):
    create(api, key="invoice-001")

    again = post(api, {"data": invoice(code="002"), "key": "invoice-001"})

    assert again.status_code == 409
    assert again.json()["fields"] == {"/key": "already used by another entry"}
    assert SiloEntry.objects.count() == 1


def test_a_retry_after_the_entry_changed_still_answers_with_the_original(api):
    first = create(api, key="invoice-001")
    patch(api, first["id"], {"doc": {"notes": "changed by a job"}}, MERGE)

    again = post(api, {"data": invoice(), "key": "invoice-001"})

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]


def test_a_key_taken_by_a_concurrent_request_answers_with_its_entry(api, monkeypatch):
    from silo import api_views

    first = create(api, key="invoice-001")
    lookup = api_views.existing_entry
    calls = []

    def not_yet_committed(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else lookup(*args, **kwargs)

    monkeypatch.setattr(api_views, "existing_entry", not_yet_committed)

    again = post(api, {"data": invoice(), "key": "invoice-001"})

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert SiloEntry.objects.count() == 1


def test_the_same_key_in_another_workspace_is_another_entry(api, other_api):
    mine = create(api, key="invoice-001")

    theirs = post(other_api, {"data": invoice(), "key": "invoice-001"})

    assert theirs.status_code == 200
    assert theirs.json()["id"] != mine["id"]


# --- Reading


def test_get_leaves_the_data_out_unless_asked(api):
    created = create(api)

    assert "data" not in fetch(api, created["id"])
    assert fetch(api, created["id"], data="true")["data"]["doc"] == built(invoice())["doc"]
    assert_invalid(api.get(f"{ENTRIES}/{created['id']}", {"data": "maybe"}), "/data")


def test_get_by_key_finds_the_entry(api):
    created = create(api, key="invoice/2024-001")

    response = api.get(f"{ENTRIES}/key/invoice/2024-001", {"data": "true"})

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["data"]["doc"]["code"] == "001"


def test_get_by_an_unknown_key_is_404(api):
    response = api.get(f"{ENTRIES}/key/nothing")

    assert response.status_code == 404
    assert response.json()["key"] == "not-found"


def test_the_list_is_filtered_by_folder(api):
    sales = create(api, folder="sales")
    create(api, folder="purchases")

    body = api.get(ENTRIES, {"folder": "sales"}).json()

    assert [entry["id"] for entry in body["list"]] == [sales["id"]]
    assert body["folder"] == "sales"
    assert body["next_cursor"] == ""


def make_entries(workspace, count: int, **fields) -> list[SiloEntry]:
    start = timezone.now()
    return SiloEntry.objects.bulk_create(
        SiloEntry(
            workspace=workspace,
            data=envelope(invoice(code=str(n))),
            created_at=start - timedelta(seconds=n),
            **fields,
        )
        for n in range(count)
    )


def test_the_list_pages_through_250_entries_newest_first(api, workspace):
    made = make_entries(workspace, 250)
    seen, cursor, pages = [], "", 0

    while True:
        body = api.get(ENTRIES, {"limit": 100, "cursor": cursor} if cursor else {"limit": 100})
        body = body.json()
        seen += [entry["id"] for entry in body["list"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert seen == [str(entry.id) for entry in made]  # made newest first
    assert body["limit"] == 100


def test_the_list_takes_a_few_queries_however_many_entries(
    api, workspace, media, django_assert_max_num_queries
):
    for entry in make_entries(workspace, 30):
        services.attach_file(entry, name="invoice.pdf", content=PDF, mime="application/pdf")
    api.get(ENTRIES)  # the token's use is recorded on the first call only

    # The token, the entries, their files.
    with django_assert_max_num_queries(3):
        body = api.get(ENTRIES, {"limit": 30}).json()

    assert len(body["list"]) == 30
    assert all(len(entry["attachments"]) == 1 for entry in body["list"])


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"limit": "lots"}, "/limit"),
        ({"limit": ""}, "/limit"),
        ({"created_at": ""}, "/created_at"),
        ({"cursor": "not-a-cursor"}, "/cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|x").decode()}, "/cursor"),
        (
            {"cursor": base64.urlsafe_b64encode(b"2024-01-01T00:00:00|" + b"0" * 32).decode()},
            "/cursor",
        ),
        ({"created_at": "yesterday"}, "/created_at"),
        ({"ascending": "maybe"}, "/ascending"),
    ],
)
def test_bad_list_parameters_are_422(api, params, pointer):
    assert_invalid(api.get(ENTRIES, params), pointer)


def test_the_list_takes_created_at_as_its_upper_bound(api, workspace):
    made = make_entries(workspace, 5)

    body = api.get(ENTRIES, {"created_at": made[2].created_at.isoformat()}).json()

    assert [entry["id"] for entry in body["list"]] == [str(e.id) for e in made[2:]]


def test_the_list_may_be_oldest_first_with_created_at_as_its_lower_bound(api, workspace):
    made = make_entries(workspace, 5)  # newest first
    params = {"ascending": "true", "limit": 2, "created_at": made[3].created_at.isoformat()}
    seen, body = [], api.get(ENTRIES, params).json()
    while True:
        seen += [entry["id"] for entry in body["list"]]
        if not body["next_cursor"]:
            break
        body = api.get(ENTRIES, {**params, "cursor": body["next_cursor"]}).json()
    assert seen == [str(e.id) for e in reversed(made[:4])]


# --- Changing


def test_patch_with_json_moves_the_entry_to_another_folder(api):
    created = create(api, folder="drafts")

    response = patch(api, created["id"], {"folder": "sales", "unknown": 1})

    assert response.status_code == 200
    assert response.json()["folder"] == "sales"
    assert SiloEntry.objects.get().folder == "sales"


def test_patch_with_json_replaces_the_document_and_keeps_the_head(api):
    created = create(api)
    head = fetch(api, created["id"], data="true")["data"]["head"]

    response = patch(api, created["id"], {"data": invoice(code="002")}, "application/json")

    assert response.status_code == 200
    assert response.json()["version"] == "2"
    assert response.json()["snippet"]["code"] == "SAMPLE-002"
    stored = SiloEntry.objects.get().data
    assert stored == built(invoice(code="002"), head_uuid=head["uuid"])  # and a new digest
    assert stored["head"]["dig"] != head["dig"]


def test_patch_with_json_replaces_the_whole_envelope(api):
    created = create(api)
    replacement = built(envelope(invoice(code="003")))

    response = patch(api, created["id"], {"data": replacement})

    assert response.status_code == 200
    assert SiloEntry.objects.get().data == replacement


def test_patch_with_a_merge_patch_changes_the_envelope(api):
    created = create(api)

    response = patch(api, created["id"], {"doc": {"code": "002", "currency": None}}, MERGE)

    assert response.status_code == 200
    doc = SiloEntry.objects.get().data["doc"]
    assert doc["code"] == "002"
    assert "currency" not in doc
    assert doc["series"] == "SAMPLE"


def test_patch_with_json_patch_operations_changes_the_envelope(api):
    created = create(api)
    operations = [
        {"op": "test", "path": "/doc/code", "value": "001"},
        {"op": "replace", "path": "/doc/code", "value": "002"},
        {"op": "add", "path": "/doc/notes", "value": [{"text": "Thanks"}]},
    ]

    response = patch(api, created["id"], operations, JSON_PATCH)

    assert response.status_code == 200
    doc = SiloEntry.objects.get().data["doc"]
    assert doc["code"] == "002"
    assert doc["notes"] == [{"text": "Thanks"}]


def test_patch_with_json_can_carry_a_patch_in_data(api):
    created = create(api)
    body = {
        "content_type": JSON_PATCH,
        "data": [{"op": "replace", "path": "/doc/code", "value": "9"}],
    }

    response = patch(api, created["id"], body)

    assert response.status_code == 200
    assert SiloEntry.objects.get().data["doc"]["code"] == "9"


@pytest.mark.parametrize(
    ("operations", "pointer"),
    [
        ([{"op": "remove", "path": "/doc/missing"}], "/0/path"),
        ([{"op": "replace", "path": "doc/code", "value": "2"}], "/0/path"),
        ([{"op": "add", "path": "/doc/code/x", "value": "2"}], "/0/path"),
        (
            [
                {"op": "replace", "path": "/doc/code", "value": "002"},
                {"op": "test", "path": "/doc/code", "value": "001"},
            ],
            "/1/value",
        ),
        ([{"op": "move", "from": "/doc/nothing", "path": "/doc/x"}], "/0/from"),
        ([{"op": "jump", "path": "/doc"}], "/0/op"),
        ([{"op": ["add"], "path": "/doc"}], "/0/op"),
        ([{"op": "add", "path": "/doc/x"}], "/0/value"),
        ([{"op": "add", "path": 5, "value": 1}], "/0/path"),
        ([{"op": "copy", "path": "/doc/x"}], "/0/from"),
        (["remove"], "/0"),
        ({"op": "remove", "path": "/doc"}, "/"),
        ([{"op": "remove", "path": "/doc"}], "/"),
        ([{"op": "replace", "path": "", "value": 5}], "/"),
    ],
)
def test_a_json_patch_that_does_not_apply_is_422_and_changes_nothing(api, operations, pointer):
    created = create(api)
    before = SiloEntry.objects.get().data

    assert_invalid(patch(api, created["id"], operations, JSON_PATCH), pointer)

    entry = SiloEntry.objects.get()
    assert entry.data == before
    assert entry.version == 1
    assert entry.versions.count() == 1


@pytest.mark.parametrize(
    ("body", "content_type", "pointer"),
    [
        (["not", "an", "object"], MERGE, "/"),
        ({"doc": None}, MERGE, "/doc"),
        ({"$schema": "https://gobl.org/draft-0/bill/invoice"}, MERGE, "/$schema"),
        ({"doc": {"$schema": None}}, MERGE, "/doc/$schema"),
        ({"$schema": 5}, MERGE, "/$schema"),
        ({"head": "x"}, MERGE, "/head"),
        ({"sigs": {"a": 1}}, MERGE, "/sigs"),
        ({"doc": {"code": "\x00"}}, MERGE, "/doc/code"),
        ([{"op": "add", "path": "/doc/x", "value": "\x00"}], JSON_PATCH, "/0/value"),
        ({"doc": {"$schema": 5}}, MERGE, "/doc/$schema"),
        ([{"op": "replace", "path": "/$schema", "value": 5}], JSON_PATCH, "/"),
        ([{"op": "replace", "path": "/doc/$schema", "value": None}], JSON_PATCH, "/"),
        (
            {"data": {"$schema": ENVELOPE, "doc": {"$schema": 5}}},
            "application/json",
            "/data/doc/$schema",
        ),
        ({"data": {"code": "x"}}, "application/json", "/data/$schema"),
        ({"data": "x"}, "application/json", "/data"),
        ({"data": []}, "application/json", "/data"),
        ({"content_type": MERGE, "data": []}, "application/json", "/data"),
        ({"content_type": "text/csv", "data": {}}, "application/json", "/content_type"),
        ({"folder": 5}, "application/json", "/folder"),
        ({"sign": True}, "application/json", "/sign"),
        ({"sign": 0}, "application/json", "/sign"),
        ([1, 2], "application/json", "/"),
    ],
)
def test_a_bad_patch_is_422_and_changes_nothing(api, body, content_type, pointer):
    created = create(api, folder="drafts")
    before = SiloEntry.objects.get().data

    assert_invalid(patch(api, created["id"], body, content_type), pointer)

    entry = SiloEntry.objects.get()
    assert (entry.data, entry.folder, entry.version) == (before, "drafts", 1)


def test_a_signed_entry_cannot_be_patched(api):
    created = post(api, {"data": {**envelope(), "sigs": ["eyJ..."]}}).json()

    response = patch(api, created["id"], {"doc": {"code": "002"}}, MERGE)

    assert response.status_code == 409
    assert "signed" in response.json()["message"]
    assert SiloEntry.objects.get().data["doc"]["code"] == "001"


def test_a_patch_computed_from_a_version_changed_meanwhile_is_a_conflict(api, monkeypatch):
    from silo import api_views

    created = create(api)
    stale = SiloEntry.objects.get()
    services.change_data(SiloEntry.objects.get(), merge={"doc": {"code": "by-a-job"}})
    monkeypatch.setattr(api_views, "get_owned", lambda *args, **lookup: stale)

    response = patch(api, created["id"], {"doc": {"notes": "mine"}}, MERGE)

    assert response.status_code == 409
    entry = SiloEntry.objects.get()
    assert (entry.version, entry.data["doc"]["code"]) == (2, "by-a-job")
    assert "notes" not in entry.data["doc"]


def test_a_signed_entry_can_still_move_to_another_folder(api):
    created = post(api, {"data": {**envelope(), "sigs": ["eyJ..."]}}).json()

    response = patch(api, created["id"], {"folder": "archive"})

    assert response.status_code == 200
    assert response.json()["folder"] == "archive"


def test_patch_with_another_content_type_is_415(api):
    created = create(api)

    response = api.patch(f"{ENTRIES}/{created['id']}", "code=2", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["key"] == "unsupported-media-type"
    assert set(response.json()) == {"key", "message", "fields"}


# --- Files


def upload(client, entry_id, content=PDF, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    part = SimpleUploadedFile("invoice.pdf", content, content_type="application/pdf")
    return client.post(f"{ENTRIES}/{entry_id}/files", {"file": part, **fields}, format="multipart")


def download(client, url):
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def test_a_file_is_uploaded_listed_and_downloaded(api, media):
    created = create(api)

    response = upload(api, created["id"], category="format", key="pdf", desc="The invoice")

    assert response.status_code == 200
    file = response.json()
    assert file["name"] == "invoice.pdf"
    assert (file["category"], file["key"], file["desc"]) == ("format", "pdf", "The invoice")
    assert file["mime"] == "application/pdf"
    assert file["size"] == len(PDF)
    assert file["hash"] == hashlib.sha256(PDF).hexdigest()
    listed = api.get(f"{ENTRIES}/{created['id']}/files").json()["list"]
    assert [f["id"] for f in listed] == [file["id"]]
    assert fetch(api, created["id"])["attachments"][0]["id"] == file["id"]
    got, content = download(api, file["url"])
    assert got.status_code == 200
    assert content == PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == 'attachment; filename="invoice.pdf"'


def test_a_file_downloads_whatever_the_client_accepts(api, media):
    created = create(api)
    file = upload(api, created["id"]).json()

    response = api.get(file["url"], HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_file_is_uploaded_as_base64_json(api, media):
    created = create(api)
    body = {
        "name": "invoice.xml",
        "data": base64.b64encode(b"<Invoice/>").decode(),
        "sha256": hashlib.sha256(b"<Invoice/>").hexdigest(),
        "size": 10,
        "embeddable": True,
    }

    response = api.post(f"{ENTRIES}/{created['id']}/files", body, format="json")

    assert response.status_code == 200
    assert response.json()["mime"] == "application/xml"
    assert download(api, response.json()["url"])[1] == b"<Invoice/>"


def test_a_file_with_the_same_key_replaces_the_earlier_one(api, media):
    created = create(api)
    upload(api, created["id"], key="pdf")

    upload(api, created["id"], content=b"second", key="pdf")

    listed = api.get(f"{ENTRIES}/{created['id']}/files").json()["list"]
    assert [f["size"] for f in listed] == [len(b"second")]


def test_a_file_name_cannot_reach_outside_the_entry(api, media):
    created = create(api)
    body = {"name": "../../etc/passwd", "data": base64.b64encode(b"x").decode()}

    response = api.post(f"{ENTRIES}/{created['id']}/files", body, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "passwd"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"data": base64.b64encode(b"x").decode()}, "/name"),
        ({"name": "a.pdf"}, "/data"),
        ({"name": "a.pdf", "data": "not base64!"}, "/data"),
        ({"name": "a.pdf", "data": "eA==", "sha256": "0" * 64}, "/sha256"),
        ({"name": "a.pdf", "data": "eA==", "size": 7}, "/size"),
        ({"name": 5, "data": "eA=="}, "/name"),
        ({"name": "..", "data": "eA=="}, "/name"),
        ({"name": "a.pdf", "data": "eA==", "category": ["x"]}, "/category"),
        (["a.pdf"], "/"),
    ],
)
def test_a_bad_file_is_422_naming_the_field(api, media, body, pointer):
    created = create(api)

    assert_invalid(api.post(f"{ENTRIES}/{created['id']}/files", body, format="json"), pointer)


def test_a_multipart_upload_without_a_file_is_422(api, media):
    created = create(api)

    response = api.post(f"{ENTRIES}/{created['id']}/files", {"name": "a"}, format="multipart")

    assert_invalid(response, "/file")


# --- States


def test_a_state_is_set_and_listed_newest_first(api, workspace):
    created = create(api)
    token = ApiToken.objects.get(workspace=workspace)

    response = api.post(
        f"{ENTRIES}/{created['id']}/states",
        {"key": "sent", "notes": "By email", "meta": {"to": "a@example.com"}},
        format="json",
    )
    api.post(f"{ENTRIES}/{created['id']}/states", {"key": "paid"}, format="json")

    assert response.status_code == 200
    state = response.json()
    assert (state["key"], state["notes"], state["src"]) == ("sent", "By email", "api-key")
    assert state["src_id"] == str(token.id)
    assert state["meta"] == {"to": "a@example.com"}
    listed = api.get(f"{ENTRIES}/{created['id']}/states").json()["list"]
    assert [s["key"] for s in listed] == ["paid", "sent"]
    assert fetch(api, created["id"])["state"] == "paid"
    assert SiloState.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/key"),
        ({"key": "Paid"}, "/key"),
        ({"key": "1st"}, "/key"),
        ({"key": "paid now"}, "/key"),
        ({"key": ""}, "/key"),
        ({"key": 5}, "/key"),
        ({"key": "a" * 41}, "/key"),
        ({"key": "paid", "notes": 5}, "/notes"),
        ({"key": "paid", "meta": {"n": 5}}, "/meta/n"),
        ({"key": "paid", "meta": []}, "/meta"),
        ({"key": "paid", "meta": {"\x00": "x"}}, "/meta/\x00"),
        (["paid"], "/"),
    ],
)
def test_a_bad_state_is_422_naming_the_field(api, body, pointer):
    created = create(api)

    assert_invalid(api.post(f"{ENTRIES}/{created['id']}/states", body, format="json"), pointer)
    assert not SiloState.objects.exists()


# --- Access


def every_path(entry_id, file_id):
    base = f"{ENTRIES}/{entry_id}"
    return [
        ("get", base, None),
        ("put", base, {"data": invoice()}),
        ("patch", base, {"folder": "x"}),
        ("get", f"{base}/files", None),
        ("post", f"{base}/files", {"name": "a.txt", "data": "eA=="}),
        ("get", f"{base}/files/{file_id}", None),
        ("get", f"{base}/states", None),
        ("post", f"{base}/states", {"key": "paid"}),
    ]


def test_another_workspaces_entry_is_404_on_every_path(api, other_api, media):
    created = create(api, key="invoice-001")
    file = upload(api, created["id"]).json()
    paths = every_path(created["id"], file["id"]) + [("get", f"{ENTRIES}/key/invoice-001", None)]

    for method, path, body in paths:
        response = getattr(other_api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["key"] == "not-found"

    assert other_api.get(ENTRIES).json()["list"] == []
    entry = SiloEntry.objects.get()
    assert (entry.folder, entry.state, entry.files.count()) == ("", "", 1)


def test_an_unknown_or_malformed_id_is_404(api, media):
    known = create(api)["id"]
    unknown = every_path(uuid.uuid4(), uuid.uuid4())
    paths = [p for p in unknown if p[0] != "put"]  # a PUT of an unknown id creates it
    paths += every_path("not-a-uuid", "nope")
    paths += [("get", f"{ENTRIES}/{known}/files/{uuid.uuid4()}", None)]
    paths += [("get", f"{ENTRIES}/{known}/files/nope", None)]

    for method, path, body in paths:
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["key"] == "not-found"


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
def test_a_path_that_is_not_one_answers_a_json_404_and_no_allow_list(client, method):
    """client: no token and no CSRF token either; an Allow header would list methods of a
    path that has none (schemathesis' allow_header_conformance)."""
    response = getattr(client, method)(f"{ENTRIES}/not-a-uuid/files")
    assert response.status_code == 404
    assert response.json()["key"] == "not-found"
    assert "Allow" not in response


def test_every_path_needs_a_token(api, media):
    from rest_framework.test import APIClient

    created = create(api)
    anonymous = APIClient()
    paths = every_path(created["id"], uuid.uuid4()) + [("get", ENTRIES, None)]

    for method, path, body in paths:
        response = getattr(anonymous, method)(path, body, format="json")
        assert response.status_code == 401, (method, path)
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["key"] == "unauthorized"


def test_a_body_over_the_limit_is_413(api, settings):
    settings.API_MAX_BODY_BYTES = 1000

    response = post(api, {"data": invoice(notes=[{"text": "x" * 2000}])})

    assert response.status_code == 413
    assert response.json()["key"] == "too-large"
    assert not SiloEntry.objects.exists()


def test_other_methods_are_405(api):
    response = api.delete(ENTRIES)

    assert response.status_code == 405
    assert response.json()["key"] == "method-not-allowed"
