"""Concurrent jobs through a real django-q2 cluster: no lost update on one silo entry, no gap
and no duplicate in a numbered series."""

import pytest
from conftest import running_stack
from django.db import transaction
from engine_helpers import entry, step, trace, workflow
from test_engine_stack import wait_for

from jobs.services import create_job
from providers.models import SequenceEntry
from silo.models import SiloEntry, SiloEntryVersion

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_stack(workers=4, web=False) as stack:
        yield stack


def test_ten_jobs_patching_one_entry_at_once_lose_no_update(cluster, workspace):
    shared = entry(workspace)
    flows = [
        workflow(workspace, [step("silo.modify", {"data": {"doc": {"meta": {f"k{n}": f"v{n}"}}}})])
        for n in range(10)
    ]
    with transaction.atomic():  # enqueued together, when this commits
        jobs = [create_job(flow, entry=shared) for flow in flows]
    jobs = [wait_for(job, timeout=60) for job in jobs]
    assert [job.status for job in jobs] == ["OK"] * 10, [trace(job) for job in jobs]
    shared.refresh_from_db()
    assert shared.data["doc"]["meta"] == {f"k{n}": f"v{n}" for n in range(10)}
    assert shared.version == 11
    versions = list(SiloEntryVersion.objects.filter(entry=shared).order_by("number"))
    assert [v.number for v in versions] == list(range(1, 12))
    assert versions[-1].data == shared.data
    # Each job wrote exactly one version, on top of the one before it.
    assert sorted(str(v.job_id) for v in versions[1:]) == sorted(str(job.id) for job in jobs)
    for before, after in zip(versions, versions[1:], strict=False):
        assert set(after.data["doc"].get("meta", {})) > set(before.data["doc"].get("meta", {}))


def test_twenty_jobs_numbering_twenty_entries_take_consecutive_codes(cluster, workspace):
    config = {"name": "Invoices", "prefix": "INV-", "padding": 4}
    numbering = workflow(workspace, [step("sequence.enumerate", config)])
    entries = [entry(workspace) for _ in range(20)]
    with transaction.atomic():
        jobs = [create_job(numbering, entry=e) for e in entries]
    jobs = [wait_for(job, timeout=60) for job in jobs]
    assert [job.status for job in jobs] == ["OK"] * 20, [trace(job) for job in jobs]
    docs = [SiloEntry.objects.get(pk=e.pk).data["doc"] for e in entries]
    assert sorted(d["code"] for d in docs) == [f"{n:04d}" for n in range(1, 21)]
    assert {d["series"] for d in docs} == {"INV-"}
    numbers = SequenceEntry.objects.filter(series__workspace=workspace, series__name="Invoices")
    assert sorted(numbers.values_list("number", flat=True)) == list(range(1, 21))
    assert {n.silo_entry_id for n in numbers} == {e.pk for e in entries}
    codes = {str(n.silo_entry_id): n.code for n in numbers}
    assert all(codes[str(e.pk)] == d["code"] for e, d in zip(entries, docs, strict=True))


def test_ten_jobs_adding_addons_to_one_entry_at_once_lose_none(cluster, workspace):
    shared = entry(workspace)
    flows = [
        workflow(workspace, [step("silo.modify", {"addons": [f"addon-{n}"]})]) for n in range(10)
    ]
    with transaction.atomic():
        jobs = [create_job(flow, entry=shared) for flow in flows]
    jobs = [wait_for(job, timeout=60) for job in jobs]
    assert [job.status for job in jobs] == ["OK"] * 10, [trace(job) for job in jobs]
    shared.refresh_from_db()
    assert sorted(shared.data["doc"]["$addons"]) == sorted(f"addon-{n}" for n in range(10))
    assert shared.version == 11
