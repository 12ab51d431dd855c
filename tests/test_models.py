"""Model invariants: keys unique per workspace, published and entry versions immutable."""

import pytest
from django.db import IntegrityError, transaction

from invopop_console.immutable import ImmutableError
from jobs.models import Intent, IntentEvent, Job
from silo.models import SiloEntry, SiloEntryVersion
from workflows.models import Workflow, WorkflowVersion, definition_hash

pytestmark = pytest.mark.django_db

INVOICE = {
    "$schema": "https://gobl.org/draft-0/envelope",
    "doc": {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "series": "SAMPLE",
        "code": "001",
        "issue_date": "2026-01-15",
        "currency": "EUR",
        "supplier": {"name": "Provide One S.L."},
        "customer": {"name": "Sample Consumer"},
        "totals": {"total_with_tax": "1970.20", "payable": "1970.20"},
    },
}
STEP = {
    "id": "5d0c3c5e-6a3c-4a3f-9b8e-7e8f4c1d2a10",
    "name": "Set state",
    "provider": "silo.state",
    "config": {"state": "processing"},
}


def make_workflow(workspace, **fields):
    return Workflow.objects.create(workspace=workspace, name="Issue", steps=[STEP], **fields)


def test_entry_keys_are_unique_within_a_workspace(workspace):
    SiloEntry.create_with_version(workspace, INVOICE, key="inv-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        SiloEntry.create_with_version(workspace, INVOICE, key="inv-1")


def test_the_same_entry_key_may_be_used_in_another_workspace(workspace, other_workspace):
    SiloEntry.create_with_version(workspace, INVOICE, key="inv-1")
    SiloEntry.create_with_version(other_workspace, INVOICE, key="inv-1")
    assert SiloEntry.objects.filter(key="inv-1").count() == 2


def test_entries_without_key_never_collide(workspace):
    SiloEntry.create_with_version(workspace, INVOICE, key="")
    SiloEntry.create_with_version(workspace, INVOICE)
    assert SiloEntry.objects.filter(workspace=workspace, key="").count() == 2


def test_job_keys_are_unique_within_a_workspace(workspace):
    workflow = make_workflow(workspace)
    version = workflow.publish()
    Job.objects.create(workspace=workspace, workflow=workflow, workflow_version=version, key="j")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(
            workspace=workspace, workflow=workflow, workflow_version=version, key="j"
        )


def test_an_entry_reads_its_type_and_snippet_from_the_document(workspace):
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    assert entry.doc_schema == "https://gobl.org/draft-0/bill/invoice"
    assert entry.doc_type == "bill/invoice"
    assert entry.snippet == {
        "code": "SAMPLE-001",
        "supplier": "Provide One S.L.",
        "customer": "Sample Consumer",
        "currency": "EUR",
        "total": "1970.20",
        "issue_date": "2026-01-15",
    }


def test_changing_an_entrys_data_records_a_new_version(workspace):
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    changed = {**INVOICE, "doc": {**INVOICE["doc"], "code": "002"}}
    version = entry.change_data(changed)
    entry.refresh_from_db()
    assert (entry.version, version.number) == (2, 2)
    assert entry.snippet["code"] == "SAMPLE-002"
    assert [v.data["doc"]["code"] for v in entry.versions.all()] == ["002", "001"]


def test_entry_versions_are_immutable(workspace):
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    version = entry.versions.get()
    version.data = {}
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    assert SiloEntryVersion.objects.get(pk=version.pk).data == INVOICE


def test_publishing_freezes_the_definition_as_a_numbered_version(workspace, owner):
    workflow = make_workflow(workspace)
    first = workflow.publish(owner)
    workflow.name = "Issue and sign"
    workflow.save()
    second = workflow.publish(owner)
    assert (first.number, second.number) == (1, 2)
    assert first.definition["name"] == "Issue"
    assert second.definition["name"] == "Issue and sign"
    assert (workflow.version, workflow.draft) == (2, False)


def test_publishing_an_unchanged_definition_reuses_the_latest_version(workspace):
    workflow = make_workflow(workspace)
    assert workflow.publish() == workflow.publish()
    assert workflow.versions.count() == 1


def test_published_versions_are_immutable(workspace):
    version = make_workflow(workspace).publish()
    version.definition = {"steps": []}
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    assert WorkflowVersion.objects.get(pk=version.pk).definition["steps"] == [STEP]


def test_the_hash_follows_the_content_not_the_key_order(workspace):
    workflow = make_workflow(workspace)
    assert workflow.hash == definition_hash(workflow.definition())
    reordered = dict(reversed(list(workflow.definition().items())))
    assert definition_hash(reordered) == workflow.hash
    workflow.description = "Now different"
    workflow.save(update_fields=["description"])
    workflow.refresh_from_db()
    assert workflow.hash != definition_hash(reordered)


def test_unknown_top_level_fields_survive_in_the_definition(workspace):
    workflow = make_workflow(workspace, extra={"labels": ["x"]})
    assert workflow.definition()["labels"] == ["x"]
    assert workflow.publish().definition["labels"] == ["x"]


def test_intent_events_are_ordered_and_immutable(workspace):
    workflow = make_workflow(workspace)
    job = Job.objects.create(
        workspace=workspace, workflow=workflow, workflow_version=workflow.publish()
    )
    intent = Intent.objects.create(job=job, step_id=STEP["id"], provider="silo.state")
    IntentEvent.objects.create(intent=intent, index=1, status="OK")
    IntentEvent.objects.create(intent=intent, index=0, status="RUN")
    assert [e.status for e in intent.events.all()] == ["RUN", "OK"]
    with pytest.raises(IntegrityError), transaction.atomic():
        IntentEvent.objects.create(intent=intent, index=1, status="KO")
