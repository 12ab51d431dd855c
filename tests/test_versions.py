"""The one cache of published workflow versions (workflows/versions.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from engine_helpers import state, workflow

from workflows import versions


def test_the_latest_version_follows_publishing_and_is_read_once(db, workspace):
    flow = workflow(workspace, [state("processing")])
    first = versions.latest(flow)
    assert first.number == 1
    with CaptureQueriesContext(connection) as queries:
        assert versions.latest(flow) is first
    assert len(queries) == 0
    flow.apply_definition({**first.definition, "name": "Renamed"})
    flow.save()
    flow.publish()
    assert versions.latest(flow).number == 2


def test_versions_by_id_are_read_only_once_and_shared_with_latest(db, workspace):
    flow = workflow(workspace, [state("processing")])
    version = flow.versions.get()
    versions._by_id.clear()
    assert versions.by_ids({version.pk})[version.pk].number == 1
    with CaptureQueriesContext(connection) as queries:
        assert versions.by_ids({version.pk})[version.pk].number == 1
        assert versions.latest(flow).pk == version.pk
    assert len(queries) == 0
