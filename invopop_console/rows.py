"""Plain SQL for the statements a job makes many times: an INSERT of several rows, an UPDATE
and a SELECT of one row by its primary key (or another unique field).

On the engine's hot path Django's query compiler cost several times what the database took
to run these small statements (~0.1–0.6 ms against ~0.03 ms on SQLite), some twenty times a
job. These helpers write the SQL the ORM would, with the same conversion of each value (its
field's get_db_prep_save, and the ORM's converters on the way back), so they work on SQLite
and PostgreSQL alike. They skip model save() and its signals: use them where neither is
needed (the engine's records, jobs, a silo entry's state and its history), and keep the ORM
everywhere else.
"""

from functools import cache
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


class Statement(NamedTuple):
    """A statement to run later (run()), its values converted already: a batch of jobs
    builds its statements before it takes SQLite's write lock, and holds it only to run
    them."""

    sql: str
    params: list  # the statement's values, or (many) a list of them for executemany()
    many: bool = False


def run(statements: list[Statement]) -> int:
    """Run these statements; how many rows they changed."""
    changed = 0
    with _binding_cursor() as cursor:
        for statement in statements:
            if statement.many:
                cursor.executemany(statement.sql, statement.params)
            else:
                cursor.execute(statement.sql, statement.params)
            changed += max(cursor.rowcount, 0)
    return changed


def insert(objects: list[models.Model]) -> None:
    """INSERT new instances of one model in one statement. Primary keys are the instances' own
    (UUIDs) or left to the database (automatic ones, not read back: nothing needs them)."""
    run(inserting(objects))
    for obj in objects:
        # What save() does once its INSERT ran, so that the instances count as saved (a
        # later save() updates, ImmutableModel refuses it). Model._state is documented
        # (docs/ref/models/instances), underscore and all; the plain INSERT it completes is
        # "Bookkeeping in plain SQL" in BENCHMARKS.md. tests/test_private_django_api.py.
        obj._state.adding = False
        obj._state.db = connection.alias


def inserting(objects: list[models.Model]) -> list[Statement]:
    """insert()'s statements (one per MAX_VALUES values)."""
    if not objects:
        return []
    db = _wrapper()
    fields = _insert_fields(type(objects[0]))
    preps = [_prep(field) for field in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_VALUES // len(fields))
    statements = []
    for start in range(0, len(objects), per_statement):
        chunk = objects[start : start + per_statement]
        params = [
            prep(field.pre_save(obj, True), db)
            for obj in chunk
            for field, prep in zip(fields, preps, strict=True)
        ]
        sql = f"{_insert_head(type(objects[0]))} VALUES {', '.join([row] * len(chunk))}"
        statements.append(Statement(sql, params))
    return statements


MAX_VALUES = 30_000  # SQLite takes at most 32,766 values in a statement


def update(model, pk, values: dict, where_sql: str = "", where_params=()) -> int:
    """UPDATE these fields (name -> value) of the row with this primary key, when `where_sql`
    (a condition on the row, if any) holds; how many rows changed. Unlike save(), auto_now
    fields change only when named."""
    return update_many(model, [(pk, values)], where_sql, where_params)


def update_many(model, changes: list[tuple], where_sql: str = "", where_params=()) -> int:
    """update() of several rows, given as (primary key, {field name: value}); how many rows
    changed."""
    return run(updating(model, changes, where_sql, where_params))


def updating(model, changes: list[tuple], where_sql: str = "", where_params=()) -> list:
    """update_many()'s statements: rows that change the same fields go in one executemany()
    (one round trip on PostgreSQL, whose driver pipelines it)."""
    by_fields: dict[tuple, list] = {}
    for pk, values in changes:
        by_fields.setdefault(tuple(values), []).append((pk, values))
    db = _wrapper()
    pk_prep = _prep(model._meta.pk)
    statements = []
    for names, group in by_fields.items():
        sql, fields = _update_sql(model, names, where_sql)
        preps = [(field.name, _prep(field)) for field in fields]
        params = [
            [*(prep(values[name], db) for name, prep in preps), pk_prep(pk, db), *where_params]
            for pk, values in group
        ]
        if len(params) == 1:
            statements.append(Statement(sql, params[0]))
        else:
            statements.append(Statement(sql, params, many=True))
    return statements


# Values of these types go to these fields as they are (the field's get_db_prep_save would
# give them back unchanged); converting every value cost a job more than running its SQL.
_PLAIN = (str, int, bool)
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


@cache
def _prep(field):
    """The function (value, database wrapper) that converts a value for this field as the ORM
    does when it saves."""
    convert = field.get_db_prep_save
    if field.is_relation or not isinstance(field, _PLAIN_FIELDS):
        return convert

    def plain(value, db):
        return value if value is None or type(value) in _PLAIN else convert(value, db)

    return plain


def _wrapper():
    """The connection itself, not django.db.connection's proxy: every attribute read through
    the proxy is a lookup in asgiref's context-local storage, and conversions read many."""
    return connections[DEFAULT_DB_ALIAS]


@cache
def _update_sql(model, names: tuple[str, ...], where_sql: str):
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    return (sql + f" AND ({where_sql})" if where_sql else sql), fields


def get(model, pk, *, related: tuple[str, ...] = (), lock: bool = False):
    """The instance with this primary key (DoesNotExist otherwise), with the instances its
    foreign keys named in `related` point at, as select_related() gives them; `lock` takes
    the row's lock until commit (select_for_update(), without `related`)."""
    found = get_many(model, [pk], related=related, lock=lock)
    if not found:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    return found[0]


def get_many(model, pks, *, related=(), lock: bool = False, rows: list | None = None) -> list:
    """get() of the rows with these primary keys, in primary key order (missing ones are
    left out); `rows`, when given, receives each instance's row as the database gave it."""
    found = get_rows(model, pks, related=related, lock=lock)
    if rows is not None:
        rows += found
    columns = _select(model, tuple(related), lock, len(pks))[1]
    return [_loaded(model, related, columns, row) for row in found]


def get_rows(model, pks, *, related=(), lock: bool = False) -> list[tuple]:
    """get_many()'s rows as the database gives them, unconverted."""
    if not pks:
        return []  # "IN ()" is SQLite's, not PostgreSQL's
    sql = _select(model, tuple(related), lock, len(pks))[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [model._meta.pk.get_db_prep_value(pk, connection) for pk in pks])
        return cursor.fetchall()


def find(model, field_name: str, value, *, related: tuple[str, ...] = ()):
    """The instance whose `field_name` (a unique field) is `value`, or None; with `related`
    as get() has them. For the lookups every API request makes (its token)."""
    field = model._meta.get_field(field_name)
    sql, columns = _select(model, tuple(related), False, 1, field.column)
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_value(value, connection)])
        row = cursor.fetchone()
    return None if row is None else _loaded(model, related, columns, row)


def children(model, field_name: str, values: list) -> list:
    """The instances whose `field_name` (a foreign key) is one of `values`, in no set order:
    a prefetch_related() of a few rows without its query compiling."""
    if not values:
        return []
    field = model._meta.get_field(field_name)
    sql, columns = _select(model, (), False, len(values), field.column)
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_value(value, connection) for value in values])
        return [_loaded(model, (), columns, row) for row in cursor.fetchall()]


def _loaded(model, related, columns, row):
    values = iter(_converted(columns, row))
    found = _instance(model, values)
    for name in related:
        rel = _instance(model._meta.get_field(name).related_model, values)
        setattr(found, name, rel if rel.pk is not None else None)
    return found


def _instance(model, values):
    fields = model._meta.concrete_fields
    return model.from_db(
        connection.alias, [f.attname for f in fields], [next(values) for _ in fields]
    )


def _converted(columns, row):
    for (column, converters), value in zip(columns, row, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        yield value


@cache
def _select(model, related: tuple[str, ...], lock: bool, count: int = 1, by: str = ""):
    """SELECT by primary key (or the column `by`) with LEFT JOINs, and per column its
    expression and the converters that turn the database's value into the field's (as the
    ORM applies them)."""
    assert not (lock and related), "a lock on an outer join is refused by PostgreSQL"
    quote = connection.ops.quote_name
    tables = [(model, "t0", None)]
    for n, name in enumerate(related, 1):
        foreign_key = model._meta.get_field(name)
        tables.append((foreign_key.related_model, f"t{n}", foreign_key))
    columns, names = [], []
    for table, alias, _ in tables:
        for field in table._meta.concrete_fields:
            # The ORM's own converters, from its undocumented compiler API (Field.get_col,
            # DatabaseOperations.get_db_converters, Expression.get_db_converters): values
            # come back exactly as a queryset gives them. Not QuerySet.raw(), which applies
            # them too: it builds no related instances. The statement skips the query
            # compiler, 0.1-0.6 ms a statement ("Bookkeeping in plain SQL", BENCHMARKS.md).
            # tests/test_private_django_api.py fails if this API changes.
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column)
            columns.append((column, converters + column.get_db_converters(connection)))
            names.append(f"{alias}.{quote(field.column)}")
    sql = f"SELECT {', '.join(names)} FROM {quote(model._meta.db_table)} t0"
    for table, alias, foreign_key in tables[1:]:
        sql += (
            f" LEFT JOIN {quote(table._meta.db_table)} {alias}"
            f" ON {alias}.{quote(table._meta.pk.column)} = t0.{quote(foreign_key.column)}"
        )
    pk = f"t0.{quote(by or model._meta.pk.column)}"
    sql += f" WHERE {pk} IN ({', '.join(['%s'] * count)})"
    if count > 1:
        sql += f" ORDER BY {pk}"  # rows locked in one order: two lockers cannot deadlock
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql, columns


def db_value(model, field_name: str, value):
    """A Python value as the database takes it for this field (for a hand-written WHERE)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


@cache
def _insert_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]


@cache
def _insert_head(model) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _insert_fields(model))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns})"


def _binding_cursor():
    """A cursor that sends values apart from the SQL on PostgreSQL (psycopg's server-side
    binding): Django's own cursors quote every value into the SQL text in Python, which cost
    a batch more than running its statements. Statements built here are plain INSERTs and
    UPDATEs, which need nothing of client-side binding.

    Undocumented Django: the backend's ServerBindingCursor and the wrapper's make_cursor(),
    make_debug_cursor() and queries_logged, as BaseDatabaseWrapper.cursor() uses them. The
    option not taken, OPTIONS["server_side_binding"], binds every query of the process,
    the ORM's too, which were not written for it. It pays in "Cheaper reads and
    conversions" (BENCHMARKS.md: a batch on PostgreSQL 4.5 -> 3.0 ms a job with the other
    changes there); tests/test_private_django_api.py fails if this API changes."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:  # as Django's own cursor() does
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)
