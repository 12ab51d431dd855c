"""A file stored again under a name (or key) the entry already has replaces the earlier one:
the entry lists only the new file, and every file it lists downloads (issue 13)."""

import base64

import pytest
from django.urls import reverse
from engine_helpers import entry, run, start_on, step

from silo import services
from silo.models import SiloFile


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def download(client, url) -> tuple[int, bytes]:
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, content


def assert_every_file_downloads(entry_id) -> None:
    for stored in SiloFile.objects.filter(entry_id=entry_id):
        assert stored.file.name, f"{stored.name} has no contents"
        with stored.file.open("rb") as contents:
            assert contents.read() or stored.size == 0


@pytest.mark.django_db
def test_a_file_posted_again_under_its_name_replaces_the_earlier_one(
    api, workspace, media, django_capture_on_commit_callbacks
):
    found = entry(workspace)
    files = f"/silo/v1/entries/{found.id}/files"
    for text in (b"first", b"second"):
        with django_capture_on_commit_callbacks(execute=True):
            body = {"name": "notes.txt", "data": base64.b64encode(text).decode()}
            assert api.post(files, body, format="json").status_code == 200

    listed = api.get(files).json()["list"]

    assert [f["name"] for f in listed] == ["notes.txt"]
    assert download(api, listed[0]["url"]) == (200, b"second")
    assert_every_file_downloads(found.id)


@pytest.mark.django_db
def test_the_files_tab_downloads_every_file_after_a_replacement(
    client, owner, workspace, media, django_capture_on_commit_callbacks
):
    found = entry(workspace)
    for text in (b"first", b"second"):
        with django_capture_on_commit_callbacks(execute=True):
            services.attach_file(found, name="notes.txt", content=text, mime="text/plain")
    client.force_login(owner)

    page = client.get(reverse("entry_detail", args=[workspace.slug, found.id]) + "?tab=files")

    links = [
        reverse("entry_file", args=[workspace.slug, found.id, stored.id])
        for stored in SiloFile.objects.filter(entry=found)
    ]
    assert len(links) == 1 and links[0] in page.content.decode()
    assert download(client, links[0]) == (200, b"second")


@pytest.mark.django_db(transaction=True)
def test_a_pdf_workflow_run_twice_leaves_one_pdf_that_downloads(workspace, media):
    found = entry(workspace)

    for _ in range(2):
        job = run(start_on(found, [step("pdf", {"locale": "en"})]))
        assert job.status == "OK", job.status

    pdfs = SiloFile.objects.filter(entry=found)
    assert pdfs.count() == 1
    assert_every_file_downloads(found.id)


@pytest.mark.django_db(transaction=True)
def test_a_replaced_file_whose_transaction_rolls_back_keeps_the_earlier_one(workspace, media):
    from django.db import transaction

    found = entry(workspace)
    services.attach_file(found, name="notes.txt", content=b"first", mime="text/plain")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.attach_file(found, name="notes.txt", content=b"second", mime="text/plain")
        raise RuntimeError("the step failed after attaching")

    [kept] = SiloFile.objects.filter(entry=found)
    with kept.file.open("rb") as contents:
        assert contents.read() == b"first"


# --- Rows left without contents by the earlier replacement


@pytest.mark.django_db
def test_a_row_without_contents_downloads_as_404_not_500(api, client, owner, workspace, media):
    found = entry(workspace)
    stored = services.attach_file(found, name="a.pdf", content=b"%PDF", mime="application/pdf")
    SiloFile.objects.filter(pk=stored.pk).update(file="")
    client.force_login(owner)

    api_download = api.get(f"/silo/v1/entries/{found.id}/files/{stored.id}")
    console = client.get(reverse("entry_file", args=[workspace.slug, found.id, stored.id]))

    assert api_download.status_code == 404 and api_download.json()["key"] == "not-found"
    assert console.status_code == 404


@pytest.mark.django_db
def test_the_migration_removes_rows_left_without_contents(workspace, media):
    from importlib import import_module

    from django.apps import apps

    found = entry(workspace)
    kept = services.attach_file(found, name="a.txt", content=b"a", mime="text/plain")
    gone = services.attach_file(found, name="b.txt", content=b"b", mime="text/plain")
    SiloFile.objects.filter(pk=gone.pk).update(file="")
    migration = import_module("silo.migrations.0003_remove_files_without_contents")

    migration.remove_files_without_contents(apps, None)

    assert list(SiloFile.objects.values_list("pk", flat=True)) == [kept.pk]
