"""sequence.enumerate: consecutive codes per workspace series, no gaps, no duplicates."""

import threading
from copy import deepcopy

import pytest
from django.db import connections, transaction
from engine_helpers import INVOICE, entry, run, start, state, step, trace, workflow

from jobs import engine, queue
from jobs.services import create_job
from providers import registry
from providers.base import Status, StepContext
from providers.models import SequenceEntry, Series
from providers.sequence import reserve
from silo.models import SiloEntry

pytestmark = pytest.mark.django_db


def enumerate_step(**config) -> dict:
    return step("sequence.enumerate", {"name": "Invoice", **config}, name="number")


def numbered(workspace, **config) -> dict:
    """Run one numbering job on a new invoice; the document it ends with."""
    job = run(start(workspace, [enumerate_step(**config)]))
    assert job.status == "OK", trace(job)
    return job.silo_entry.data["doc"]


def invoice_with(**doc) -> dict:
    data = deepcopy(INVOICE)
    data["doc"].update(doc)
    return data


def test_invoices_are_numbered_one_two_three_with_the_prefix_as_series(workspace):
    docs = [numbered(workspace, prefix="INV-", padding=6) for _ in range(3)]
    assert [(d["series"], d["code"]) for d in docs] == [
        ("INV-", "000001"),
        ("INV-", "000002"),
        ("INV-", "000003"),
    ]
    series = Series.objects.get(workspace=workspace, name="Invoice")
    assert (series.prefix, series.padding, series.next_number) == ("INV-", 6, 4)
    assert list(series.entries.order_by("number").values_list("number", "code")) == [
        (1, "000001"),
        (2, "000002"),
        (3, "000003"),
    ]


@pytest.mark.parametrize(
    "prefix, full",
    [("INV-", "INV-000001"), ("UX", "UX-000001"), ("F/2026/", "F/2026/000001"), ("", "000001")],
)
def test_the_full_code_has_one_separator_on_every_page_and_message(workspace, prefix, full):
    from providers.cii.document import code_of
    from silo.snippets import full_code, snippet

    job = run(start(workspace, [enumerate_step(prefix=prefix, padding=6)]))
    doc = job.silo_entry.data["doc"]
    assert full_code(doc) == full
    assert snippet(job.silo_entry.data)["code"] == full
    assert code_of(doc.get("series"), doc["code"]) == full
    assert job.intents.get().events.last().message == f"Invoice number 1: {full}"


def test_each_number_is_recorded_with_its_silo_entry_and_job(workspace):
    job = run(start(workspace, [enumerate_step()]))
    recorded = SequenceEntry.objects.get()
    assert (recorded.silo_entry_id, recorded.job_id) == (job.silo_entry_id, job.id)
    assert trace(job) == [("number", ["RUN", "OK"])]
    assert job.intents.get().events.last().message == "Invoice number 1: 1"


def test_without_a_prefix_the_document_keeps_no_series(workspace):
    doc = numbered(workspace)
    assert doc["code"] == "1"
    assert "series" not in doc


def test_the_series_starts_at_its_start_number(workspace):
    assert numbered(workspace, start=100, padding=4)["code"] == "0100"
    assert numbered(workspace, start=100, padding=4)["code"] == "0101"


def test_the_configuration_only_shapes_a_new_series(workspace):
    numbered(workspace, prefix="A-", start=5)
    doc = numbered(workspace, prefix="B-", start=900, padding=3)
    assert (doc["series"], doc["code"]) == ("A-", "6")


def test_a_document_that_already_has_a_code_is_skipped_without_taking_a_number(workspace):
    job = run(start(workspace, [enumerate_step(), state("done")], data=invoice_with(code="F-7")))
    assert job.status == "OK"
    assert trace(job)[0] == ("number", ["RUN", "SKIP"])
    assert "already has a code F-7" in job.intents.first().events.last().message
    assert job.silo_entry.data["doc"]["code"] == "F-7"
    assert job.silo_entry.version == 1
    assert not SequenceEntry.objects.exists()


def test_series_of_the_same_name_are_separate_in_each_workspace(workspace, other_workspace):
    assert numbered(workspace, prefix="INV-")["code"] == "1"
    assert numbered(workspace, prefix="INV-")["code"] == "2"
    assert numbered(other_workspace, prefix="INV-")["code"] == "1"
    assert Series.objects.filter(name="Invoice").count() == 2


def test_a_signed_entry_is_refused_before_it_takes_a_number(workspace):
    signed = entry(workspace)
    SiloEntry.objects.filter(pk=signed.pk).update(signed=True)
    job = run(create_job(workflow(workspace, [enumerate_step()]), entry=signed))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "signed"
    assert not SequenceEntry.objects.exists()


def test_a_failure_later_in_the_steps_transaction_gives_the_number_back(workspace):
    numbered(workspace, prefix="INV-")
    enumerate_provider = registry.get("sequence.enumerate")
    silo_entry = entry(workspace)
    context = StepContext(
        workspace=workspace,
        job=None,
        entry=silo_entry,
        step={},
        config={"name": "Invoice"},
        args={},
        faults=[],
        ref="test",
        attempt=1,
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        outcome = enumerate_provider.run(context)
        assert outcome.status == Status.OK
        assert outcome.merge_patch == {"doc": {"series": "INV-", "code": "2"}}
        raise RuntimeError("the outcome could not be recorded")
    assert Series.objects.get(workspace=workspace).next_number == 2
    assert not SequenceEntry.objects.filter(number=2).exists()
    assert numbered(workspace)["code"] == "2"


def test_reserve_numbers_without_a_document_for_the_api(workspace):
    series, number, code = reserve(workspace, "Receipts", prefix="R-", padding=3, start=7)
    assert (series.name, series.prefix, number, code) == ("Receipts", "R-", 7, "007")
    assert reserve(workspace, "Receipts")[1:] == (8, "008")
    assert series.entries.count() == 2


def test_reserve_rejects_fields_that_a_series_does_not_have(workspace):
    with pytest.raises(TypeError, match="suffix"):
        reserve(workspace, "Receipts", suffix="-X")


@pytest.mark.django_db(transaction=True)
def test_twenty_jobs_running_at_once_take_twenty_distinct_consecutive_numbers(
    workspace, monkeypatch
):
    monkeypatch.setattr(queue, "wake", lambda: None)  # the threads are the workers
    flow = workflow(workspace, [enumerate_step(prefix="INV-", padding=3)])
    jobs = [create_job(flow, entry=entry(workspace)) for _ in range(20)]
    barrier = threading.Barrier(len(jobs))
    failures = []

    def worker(job_id):
        try:
            barrier.wait(timeout=30)
            engine.advance(job_id)
        except Exception as exc:  # reported below: an assertion in a thread is lost
            failures.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(job.id,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert not any(thread.is_alive() for thread in threads)

    for job in jobs:
        job.refresh_from_db()
    assert [job.status for job in jobs] == ["OK"] * 20
    codes = {
        job.silo_entry_id: SiloEntry.objects.get(pk=job.silo_entry_id).data["doc"]["code"]
        for job in jobs
    }
    assert sorted(codes.values()) == [f"{n:03d}" for n in range(1, 21)]
    recorded = {e.silo_entry_id: e.code for e in SequenceEntry.objects.all()}
    assert recorded == codes
    assert Series.objects.get(workspace=workspace).next_number == 21


@pytest.mark.parametrize(
    ("name", "defaults"),
    [("", {}), ("Receipts", {"padding": 21}), ("Receipts", {"start": -1})],
)
def test_reserve_refuses_a_series_that_cannot_be(workspace, name, defaults):
    with pytest.raises(ValueError):
        reserve(workspace, name, **defaults)
    assert not Series.objects.exists()
