"""Plain SQL for the statements a job makes many times: an INSERT of several rows, an UPDATE
and a SELECT of one row by its primary key.

On the engine's hot path Django's query compiler cost several times what the database took
to run these small statements (~0.1–0.6 ms against ~0.03 ms on SQLite), some twenty times a
job. These helpers write the SQL the ORM would, with the same conversion of each value (its
field's get_db_prep_save, and the ORM's converters on the way back), so they work on SQLite
and PostgreSQL alike. They skip model save() and its signals: use them where neither is
needed (the engine's records, jobs, a silo entry's state and its history), and keep the ORM
everywhere else.
"""

from functools import cache

from django.db import connection, models


def insert(objects: list[models.Model]) -> None:
    """INSERT new instances of one model in one statement. Primary keys are the instances' own
    (UUIDs) or left to the database (automatic ones, not read back: nothing needs them)."""
    if not objects:
        return
    fields = _insert_fields(type(objects[0]))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objects
        for field in fields
    ]
    sql = f"{_insert_head(type(objects[0]))} VALUES {', '.join([row] * len(objects))}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def update(model, pk, values: dict, where_sql: str = "", where_params=()) -> int:
    """UPDATE these fields (name -> value) of the row with this primary key, when `where_sql`
    (a condition on the row, if any) holds; how many rows changed. Unlike save(), auto_now
    fields change only when named."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [(meta.get_field(name), value) for name, value in values.items()]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f, _ in fields)
    params = [f.get_db_prep_save(value, connection) for f, value in fields]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params.append(meta.pk.get_db_prep_value(pk, connection))
    if where_sql:
        sql += f" AND ({where_sql})"
        params += list(where_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def update_many(model, changes: list[tuple], where_sql: str = "", where_params=()) -> int:
    """update() of several rows, given as (primary key, {field name: value}); rows that
    change the same fields go in one executemany() (one round trip on PostgreSQL, whose
    driver pipelines it). How many rows changed."""
    by_fields: dict[tuple, list] = {}
    for pk, values in changes:
        by_fields.setdefault(tuple(values), []).append((pk, values))
    changed = 0
    for names, group in by_fields.items():
        sql, fields = _update_sql(model, names, where_sql)
        pk_field = model._meta.pk
        params = [
            [
                *(f.get_db_prep_save(values[f.name], connection) for f in fields),
                pk_field.get_db_prep_value(pk, connection),
                *where_params,
            ]
            for pk, values in group
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
            changed += max(cursor.rowcount, 0)
    return changed


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
    if not pks:
        return []  # "IN ()" is SQLite's, not PostgreSQL's
    sql, columns = _select(model, tuple(related), lock, len(pks))
    with connection.cursor() as cursor:
        cursor.execute(sql, [model._meta.pk.get_db_prep_value(pk, connection) for pk in pks])
        found = cursor.fetchall()
    if rows is not None:
        rows += found
    return [_loaded(model, related, columns, row) for row in found]


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
def _select(model, related: tuple[str, ...], lock: bool, count: int = 1):
    """SELECT by primary key with LEFT JOINs, and per column its expression and the
    converters that turn the database's value into the field's (as the ORM applies them)."""
    assert not (lock and related), "a lock on an outer join is refused by PostgreSQL"
    quote = connection.ops.quote_name
    tables = [(model, "t0", None)]
    for n, name in enumerate(related, 1):
        foreign_key = model._meta.get_field(name)
        tables.append((foreign_key.related_model, f"t{n}", foreign_key))
    columns, names = [], []
    for table, alias, _ in tables:
        for field in table._meta.concrete_fields:
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
    pk = f"t0.{quote(model._meta.pk.column)}"
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
