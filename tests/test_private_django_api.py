"""Django API the project uses that Django does not promise to keep (or keeps behind an
underscore): each use pays in a benchmark (invopop_console/rows.py says which), and these
tests fail, on a Django upgrade, where it no longer behaves as relied on."""

import inspect
import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.test.utils import CaptureQueriesContext

from invopop_console import rows
from invopop_console.immutable import ImmutableError
from silo.models import SiloEntry, SiloEntryVersion

pytestmark = pytest.mark.django_db

DATA = {"doc": {"code": "001", "totals": {"payable": "1970.20"}}, "n": 1.5}


def entry(workspace, **fields) -> SiloEntry:
    return SiloEntry.objects.create(workspace=workspace, data=DATA, **fields)


# --- Model._state (rows.insert; ImmutableModel.save)


def test_a_new_instance_is_adding_and_a_saved_or_read_one_is_not(workspace):
    new = SiloEntry(workspace=workspace)
    assert new._state.adding
    new.save()
    assert (new._state.adding, new._state.db) == (False, DEFAULT_DB_ALIAS)
    read = SiloEntry.objects.get(pk=new.pk)
    assert (read._state.adding, read._state.db) == (False, DEFAULT_DB_ALIAS)


def test_instances_rows_inserts_count_as_saved_as_save_leaves_them(workspace):
    found = entry(workspace)
    version = SiloEntryVersion(entry=found, number=2, data=DATA)
    rows.insert([version])
    assert (version._state.adding, version._state.db) == (False, DEFAULT_DB_ALIAS)
    with pytest.raises(ImmutableError):  # it reads _state.adding: the row exists
        version.save()
    assert SiloEntryVersion.objects.filter(entry=found, number=2).exists()


def test_a_model_saved_again_after_rows_insert_updates_its_row(workspace):
    found = SiloEntry(workspace=workspace, data=DATA, state="draft")
    rows.insert([found])
    found.state = "sent"
    found.save()  # an UPDATE: adding=False made save() skip the INSERT
    assert SiloEntry.objects.filter(pk=found.pk).values_list("state", flat=True).get() == "sent"


# --- The ORM's converters (rows.get's SELECT)


def test_field_get_col_and_the_converters_keep_their_signatures():
    field = SiloEntry._meta.get_field("data")
    column = field.get_col("t0")
    assert column.alias == "t0" and column.target is field
    assert list(inspect.signature(field.get_col).parameters) == ["alias", "output_field"]
    assert list(inspect.signature(connection.ops.get_db_converters).parameters) == ["expression"]
    assert list(inspect.signature(column.get_db_converters).parameters) == ["connection"]
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
        connection
    ):
        assert len(inspect.signature(converter).parameters) == 3  # value, expression, connection


def test_rows_get_gives_every_field_as_the_queryset_does(workspace):
    created = entry(workspace, state="sent", faults=[{"code": "x"}], meta={"a": 1})
    by_orm = SiloEntry.objects.select_related("workspace").get(pk=created.pk)
    by_rows = rows.get(SiloEntry, created.pk, related=("workspace",))
    for field in SiloEntry._meta.concrete_fields:
        ours, theirs = getattr(by_rows, field.attname), getattr(by_orm, field.attname)
        assert (type(ours), ours) == (type(theirs), theirs), field.name
    assert isinstance(by_rows.pk, uuid.UUID) and by_rows.data == DATA
    assert by_rows.workspace == by_orm.workspace and by_rows.workspace.slug == workspace.slug
    assert not by_rows._state.adding


# --- The cursors (rows._binding_cursor)


def placeholder() -> str:
    """The raw DB-API cursor's own parameter style (Django's wrappers turn %s into SQLite's)."""
    return "?" if connection.vendor == "sqlite" else "%s"


def test_the_database_wrapper_still_makes_cursors_as_rows_makes_them():
    assert callable(BaseDatabaseWrapper.make_cursor)
    assert callable(BaseDatabaseWrapper.make_debug_cursor)
    assert isinstance(inspect.getattr_static(BaseDatabaseWrapper, "queries_logged"), property)
    connection.ensure_connection()
    cursor = connection.make_cursor(connection.connection.cursor())
    assert type(cursor) is CursorWrapper
    with cursor:
        cursor.execute(f"SELECT {placeholder()} + 1", [41])
        assert cursor.fetchone()[0] == 42


def test_a_debug_cursor_is_made_when_queries_are_logged_and_logs_them():
    with CaptureQueriesContext(connection) as captured:
        assert connection.queries_logged
        # The backend's own cursor class, as rows' ServerBindingCursor is on PostgreSQL.
        cursor = connection.make_debug_cursor(connection.create_cursor())
        assert isinstance(cursor, CursorDebugWrapper)  # PostgreSQL subclasses it (copy())
        with cursor:
            cursor.execute("SELECT %s + 1", [41])
            assert cursor.fetchone()[0] == 42
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].startswith("SELECT ")


def test_postgresql_server_binding_cursor_is_a_plain_psycopg_cursor():
    psycopg = pytest.importorskip("psycopg")
    from django.db.backends.postgresql.base import ServerBindingCursor

    # psycopg's Cursor binds on the server; its ClientCursor (Django's default) does not.
    assert issubclass(ServerBindingCursor, psycopg.Cursor)
    assert not issubclass(ServerBindingCursor, psycopg.ClientCursor)
    assert list(inspect.signature(psycopg.Cursor).parameters)[0] == "connection"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's cursor only")
def test_rows_statements_run_bound_on_the_server_on_postgresql(workspace):
    from django.db.backends.postgresql.base import ServerBindingCursor

    found = entry(workspace)
    with rows._binding_cursor() as cursor:
        assert isinstance(cursor.cursor, ServerBindingCursor)
    assert rows.update(SiloEntry, found.pk, {"state": "sent"}) == 1
    assert SiloEntry.objects.get(pk=found.pk).state == "sent"
