"""Model instances from one hand-written, joined statement.

Django compiles a queryset's SQL every time it runs. For the chat send's locked
read (a membership with its user and its group: 48 columns) compiling cost 0.8 ms
of Python per message, more than all the rest of a send's Python together
(docs/performance.md). `Joined` writes the column list once from the models' own
fields and turns a row back into instances with the converters the ORM applies,
so the caller gets what the ORM would give, without compiling each time.
"""

import weakref
from typing import Any, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, signals

# A model's converters: (column index, converter functions, the column's expression).
_Converters = list[tuple[int, list[Any], Any]]
# The SELECT list, and each model's converters in the models' order.
_Prepared = tuple[str, list[_Converters]]


class Joined:
    """The concrete columns of several models, each qualified by its table's name.

    Fields named in `leave_out` (per model) are not selected; the instances load them
    on first use, as with the ORM's `defer()`.
    """

    def __init__(
        self, *models: type[Model], leave_out: dict[type[Model], tuple[str, ...]] | None = None
    ) -> None:
        self.models = models
        self.fields = {
            model: [
                field
                for field in model._meta.concrete_fields
                if field.name not in (leave_out or {}).get(model, ())
            ]
            for model in models
        }
        # Per connection object: its converters are bound to that thread's connection.
        self._prepared: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Prepared] = (
            weakref.WeakKeyDictionary()
        )

    def columns(self, connection: BaseDatabaseWrapper) -> str:
        """The SELECT list for `connection`, in the order `instances` reads it."""
        return self._prepare(connection)[0]

    def instances(self, row: tuple[Any, ...], connection: BaseDatabaseWrapper) -> list[Any]:
        """One instance per model from a row selected with `columns`."""
        connection = connections[connection.alias]  # once, not through the proxy per column
        converters = self._prepare(connection)[1]
        found, start = [], 0
        for model, model_converters in zip(self.models, converters, strict=True):
            fields = self.fields[model]
            values = list(row[start : start + len(fields)])
            for index, functions, expression in model_converters:
                for convert in functions:
                    values[index] = convert(values[index], expression, connection)
            found.append(model.from_db(connection.alias, [f.attname for f in fields], values))
            start += len(fields)
        return found

    def _prepare(self, connection: BaseDatabaseWrapper) -> _Prepared:
        connection = connections[connection.alias]  # this thread's, not `db.connection`'s proxy
        prepared = self._prepared.get(connection)
        if prepared is None:
            quote = connection.ops.quote_name
            names: list[str] = []
            converters: list[_Converters] = []
            for model in self.models:
                table = model._meta.db_table
                model_converters: _Converters = []
                for index, field in enumerate(self.fields[model]):
                    names.append(f"{quote(table)}.{quote(_column(field))}")
                    # What the compiler applies to a selected column (dates on SQLite...).
                    expression = field.get_col(table)
                    functions = connection.ops.get_db_converters(
                        expression
                    ) + expression.get_db_converters(connection)
                    if functions:
                        model_converters.append((index, functions, expression))
                converters.append(model_converters)
            prepared = self._prepared[connection] = (", ".join(names), converters)
        return prepared


def _column(field: Any) -> str:
    return cast(str, field.column)  # None only for fields without a column, never here


_inserts: dict[tuple[str, type[Model]], tuple[str, list[Any]]] = {}


def insert(
    instance: Model,
    connection: BaseDatabaseWrapper,
    *,
    along: tuple[str, list[Any]] | None = None,
    unless_taken: tuple[str, ...] = (),
) -> bool:
    """Store a new instance with one hand-written INSERT, as `save()` would for a new row.

    For the chat send, where compiling the INSERT was a fifth of a message's Python
    time. A model with save signals is saved the ORM's way, so no receiver is skipped.
    `along` is an UPDATE, ending in its WHERE clause, that runs only if the row is
    stored: in the same statement on PostgreSQL (one round trip), just after it
    elsewhere. With `unless_taken` (the columns of a unique constraint), a row that
    would repeat those values is quietly not stored and False is returned, so the
    caller's transaction goes on without a savepoint.
    """
    # This thread's connection itself: `django.db.connection` is a proxy that looks the
    # connection up again on every attribute (about 30 times a send, measured).
    connection = connections[connection.alias]
    model = type(instance)
    signalled = signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)
    if signalled:
        if unless_taken:
            raise TypeError(f"{model.__name__} has save signals; it can't skip a duplicate.")
        instance.save(force_insert=True, using=connection.alias)
        if along is not None:
            with connection.cursor() as cursor:
                cursor.execute(*along)
        return True
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if unless_taken and not connection.features.can_return_columns_from_insert:
        raise TypeError("Skipping a duplicate needs INSERT ... RETURNING.")
    quote = connection.ops.quote_name
    prepared = _inserts.get((connection.alias, model))
    if prepared is None:
        fields = [f for f in meta.concrete_fields if f is not pk]
        # Names from the model's own metadata, quoted; values are parameters.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(quote(_column(f)) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        prepared = _inserts[(connection.alias, model)] = (sql, fields)
    sql, fields = prepared
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    if unless_taken:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in unless_taken)}) DO NOTHING"
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(_column(pk))}"
    if along is not None and connection.vendor == "postgresql":
        # Both in one statement; the UPDATE runs only if a row came back. Both parts
        # are this module's or the caller's SQL text; every value is a parameter.
        sql = (
            f"WITH stored AS ({sql}), "  # noqa: S608
            f"along AS ({along[0]} AND EXISTS (SELECT 1 FROM stored)) SELECT * FROM stored"
        )
        values = [*values, *along[1]]
        along = None
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if connection.features.can_return_columns_from_insert:
            row = cursor.fetchone()
            if row is None:
                return False
            instance.pk = row[0]
        else:
            instance.pk = connection.ops.last_insert_id(cursor, meta.db_table, _column(pk))
        if along is not None:
            cursor.execute(*along)
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
