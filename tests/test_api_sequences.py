"""The sequence API (/sequence/v1/series), shaped like Invopop's sequence_v1."""

import uuid

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from providers.models import SequenceEntry, Series
from providers.sequence import reserve

pytestmark = pytest.mark.django_db

SALES = {"name": "Sales", "code": "SALES-2026", "prefix": "INV-", "suffix": "-F1", "padding": 5}


def series_url(series_id=None) -> str:
    base = "/sequence/v1/series"
    return f"{base}/{series_id}" if series_id else base


def entries_url(series_id, entry_id=None) -> str:
    base = f"{series_url(series_id)}/entries"
    return f"{base}/{entry_id}" if entry_id else base


def make_series(api, body=None, series_id=None) -> dict:
    series_id = series_id or uuid.uuid4()
    response = api.put(series_url(series_id), body or SALES, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def take(api, series_id, meta=None, entry_id=None):
    entry_id = entry_id or uuid.uuid4()
    return api.put(entries_url(series_id, entry_id), {"meta": meta or {}}, format="json")


def test_a_put_creates_a_series_with_the_clients_uuid(api, workspace):
    series_id = uuid.uuid4()
    data = make_series(api, {**SALES, "description": "For sales", "start": 100}, series_id)
    assert data["id"] == str(series_id)
    assert {k: data[k] for k in SALES} == SALES
    assert (data["description"], data["last_index"], data["last_entry_id"]) == (
        "For sales",
        None,
        None,
    )
    stored = Series.objects.get(pk=series_id)
    assert (stored.workspace, stored.start, stored.next_number) == (workspace, 100, 100)


def test_repeating_the_put_answers_the_same_series_unchanged(api):
    series_id = uuid.uuid4()
    first = make_series(api, SALES, series_id)
    again = make_series(api, {**SALES, "prefix": "OTHER-"}, series_id)
    assert again == first
    assert Series.objects.count() == 1


def test_a_second_series_with_the_same_name_is_a_409(api):
    make_series(api)
    response = api.put(series_url(uuid.uuid4()), {**SALES, "prefix": "X"}, format="json")
    assert response.status_code == 409
    assert response.json()["key"] == "conflict"
    assert list(response.json()["fields"]) == ["/name"]
    assert Series.objects.count() == 1


def test_another_workspace_may_use_the_same_name(api, other_api):
    make_series(api)
    make_series(other_api)
    assert Series.objects.count() == 2


def test_series_are_fetched_and_listed_by_name(api):
    sales = make_series(api)
    make_series(api, {"name": "Credit notes"})
    assert api.get(series_url(sales["id"])).json() == sales
    listed = api.get(series_url()).json()
    assert [s["name"] for s in listed["list"]] == ["Credit notes", "Sales"]


def test_entries_take_consecutive_numbers_with_prefix_padding_and_suffix(api):
    series_id = make_series(api)["id"]
    made = [take(api, series_id, {"order": str(n)}) for n in range(3)]
    assert [r.status_code for r in made] == [200, 200, 200]
    entries = [r.json() for r in made]
    assert [e["code"] for e in entries] == ["INV-00001-F1", "INV-00002-F1", "INV-00003-F1"]
    assert [e["previous_id"] for e in entries] == [None, entries[0]["id"], entries[1]["id"]]
    assert entries[2]["meta"] == {"order": "2"}
    assert entries[2]["series_id"] == series_id

    series = api.get(series_url(series_id)).json()
    assert (series["last_index"], series["last_entry_id"]) == (3, entries[2]["id"])
    assert api.get(entries_url(series_id, entries[1]["id"])).json() == entries[1]


def test_repeating_an_entry_put_gives_no_new_number(api):
    series_id = make_series(api)["id"]
    entry_id = uuid.uuid4()
    first = take(api, series_id, {"a": "1"}, entry_id).json()
    again = take(api, series_id, {"a": "2"}, entry_id).json()
    assert again == first
    assert SequenceEntry.objects.count() == 1


def test_the_api_and_workflows_number_from_the_same_series(api, workspace):
    series_id = make_series(api)["id"]
    with transaction.atomic():
        reserve(workspace, "Sales")  # what sequence.enumerate does in a workflow
    assert take(api, series_id).json()["code"] == "INV-00002-F1"


def test_an_entry_id_of_another_series_is_not_reused(api):
    sales, credit = make_series(api)["id"], make_series(api, {"name": "Credit"})["id"]
    entry_id = uuid.uuid4()
    take(api, sales, entry_id=entry_id)
    assert take(api, credit, entry_id=entry_id).status_code == 404
    assert Series.objects.get(pk=credit).next_number == 1


def test_entries_are_listed_newest_first_in_pages(api):
    series_id = make_series(api)["id"]
    for _ in range(5):
        take(api, series_id)
    first = api.get(entries_url(series_id), {"limit": 3}).json()
    assert first["limit"] == 3 and first["cursor"] == first["next_cursor"] != ""
    second = api.get(entries_url(series_id), {"limit": 3, "cursor": first["cursor"]}).json()
    codes = [e["code"] for e in first["list"] + second["list"]]
    assert codes == [f"INV-0000{n}-F1" for n in (5, 4, 3, 2, 1)]
    assert second["cursor"] == ""


def test_listing_entries_takes_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    series_id = make_series(api)["id"]
    for _ in range(10):
        take(api, series_id)
    with django_assert_max_num_queries(3):
        assert len(api.get(entries_url(series_id)).json()["list"]) == 10
    with django_assert_max_num_queries(2):
        assert len(api.get(series_url()).json()["list"]) == 1


def test_another_workspaces_series_and_entries_are_404_on_every_path(api, other_api):
    series_id = make_series(api)["id"]
    entry_id = take(api, series_id).json()["id"]

    assert other_api.get(series_url(series_id)).status_code == 404
    taken = other_api.put(series_url(series_id), {"name": "Mine"}, format="json")
    assert taken.status_code == 404
    assert other_api.get(entries_url(series_id)).status_code == 404
    assert other_api.get(entries_url(series_id, entry_id)).status_code == 404
    assert take(other_api, series_id).status_code == 404
    assert other_api.get(series_url()).json()["list"] == []
    assert Series.objects.get(pk=series_id).name == "Sales"
    assert SequenceEntry.objects.count() == 1


def test_without_a_token_every_path_is_401(api):
    series_id = make_series(api)["id"]
    client = APIClient()
    for response in [
        client.get(series_url()),
        client.get(series_url(series_id)),
        client.put(series_url(uuid.uuid4()), SALES, format="json"),
        client.get(entries_url(series_id)),
        client.get(entries_url(series_id, uuid.uuid4())),
        client.put(entries_url(series_id, uuid.uuid4()), {}, format="json"),
    ]:
        assert response.status_code == 401


def test_ids_that_are_not_uuids_or_name_nothing_are_404(api):
    series_id = make_series(api)["id"]
    assert api.get(series_url("nope")).status_code == 404
    assert api.put(series_url("nope"), SALES, format="json").status_code == 404
    assert api.get(entries_url("nope")).status_code == 404
    assert api.get(entries_url(series_id, "nope")).status_code == 404
    assert api.get(entries_url(series_id, uuid.uuid4())).status_code == 404
    assert take(api, uuid.uuid4()).status_code == 404


@pytest.mark.parametrize(
    "body, pointer",
    [
        ({}, "/name"),
        ({"name": "   "}, "/name"),
        ({"name": 12}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": "S", "padding": 21}, "/padding"),
        ({"name": "S", "padding": "5"}, "/padding"),
        ({"name": "S", "padding": True}, "/padding"),
        ({"name": "S", "start": -1}, "/start"),
        ({"name": "S", "start": 1.5}, "/start"),
        ({"name": "S", "start": 2**64}, "/start"),
        ({"name": "S", "prefix": ["INV"]}, "/prefix"),
        ({"name": "S\x00"}, "/name"),
        ([SALES], "/"),
        ("Sales", "/"),
    ],
)
def test_what_is_not_a_series_is_a_422_naming_the_field(api, body, pointer):
    response = api.put(series_url(uuid.uuid4()), body, format="json")
    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    "body, pointer",
    [({"meta": {"a": 1}}, "/meta/a"), ({"meta": ["a"]}, "/meta"), (["a"], "/")],
)
def test_what_is_not_an_entry_is_a_422_that_takes_no_number(api, body, pointer):
    series_id = make_series(api)["id"]
    response = api.put(entries_url(series_id, uuid.uuid4()), body, format="json")
    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not SequenceEntry.objects.exists()


def test_a_cursor_the_api_did_not_give_is_a_422(api):
    series_id = make_series(api)["id"]
    for cursor in ["%%%", "bjEy3", "eA", "bi0x"]:
        response = api.get(entries_url(series_id), {"cursor": cursor})
        assert (response.status_code, list(response.json()["fields"])) == (422, ["/cursor"])
