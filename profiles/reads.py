"""Reads that run on every request, made cheap to run again and again.

Django builds and compiles a queryset's SQL each time it runs. For a profile
read with correlated subqueries (its account's approved primary, its
representatives and documents) compiling took 0.9 ms and running it 0.5 ms.

- `compiled()` turns such subqueries into SQL once per process; a read then
  passes that text as it is (`RawSQL`).
- `with_rows()` and `attach_rows()` read a profile's own rows (business
  information, representatives, documents, ...) in the profile's query on
  PostgreSQL: a JSON object for a one-to-one row, an array of them for the
  others (Django's `JSONObject` in a `Subquery` or an `ArraySubquery`),
  instead of a join or a query per relation. Compiled once, these cost less
  to read than the same rows joined. The rows become model instances and go
  where `select_related()` and `prefetch_related()` put them, so
  `profile.documents.all()` reads them without a query. Other databases join
  and prefetch them.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject


def compiled(model, **expressions) -> dict[str, RawSQL]:
    """Annotations of `model`, compiled to SQL now, for `annotate(**...)`.

    For expressions that depend on nothing of a request: subqueries refer to
    the annotated row (`OuterRef`) by its table's name, which is its alias in
    any read of `model` that is not itself a subquery.
    """
    query = model._default_manager.annotate(**expressions).query
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    annotations = {}
    for name in expressions:
        expression = query.annotations[name]
        sql, params = compiler.compile(expression)
        # Django's own SQL for the expression, its values still parameters.
        annotations[name] = RawSQL(sql, tuple(params), expression.output_field)  # noqa: S611
    return annotations


def with_rows(profiles: QuerySet, *relations: str) -> QuerySet:
    """`profiles` reading the reverse relations `relations` with each profile:
    one-to-one rows as one JSON object, others as an array of them. Call
    `attach_rows()` on a profile read this way."""
    if connection.vendor != "postgresql":
        meta = profiles.model._meta
        alone = [name for name in relations if meta.get_field(name).one_to_one]
        many = [name for name in relations if name not in alone]
        return profiles.select_related(*alone).prefetch_related(*many)
    return profiles.annotate(**_row_json(profiles.model, relations))


@cache
def _row_json(model, relations: tuple[str, ...]) -> dict[str, RawSQL]:
    from django.contrib.postgres.expressions import ArraySubquery

    columns = {}
    for name in relations:
        relation = model._meta.get_field(name)
        rows = _rows_as_json(relation)
        columns[_column(name)] = (
            Subquery(rows[:1]) if relation.one_to_one else ArraySubquery(rows)
        )
    return compiled(model, **columns)


def _rows_as_json(relation, **more):
    """The rows of a reverse relation of the outer row, in their order, each as
    one JSON object of its columns (and of `more`)."""
    model = relation.related_model
    rows = model._default_manager.filter(**{relation.field.name: OuterRef("pk")})
    rows = rows.order_by(*(model._meta.ordering or ["pk"]))
    fields = {f.attname: f.attname for f in model._meta.concrete_fields}
    return rows.values(json=JSONObject(**fields, **more))


def attach_rows(profile, *relations: str) -> None:
    """Put the rows read by `with_rows()` where `select_related()` and
    `prefetch_related()` would."""
    cache = profile.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in relations:
        data = profile.__dict__.pop(_column(name), NOT_READ)
        if data is NOT_READ:
            continue  # read by select_related or prefetched (other databases)
        relation = type(profile)._meta.get_field(name)
        if relation.one_to_one:
            row = _instance(relation, profile, data) if data is not None else None
            relation.set_cached_value(profile, row)
            continue
        rows = getattr(profile, name).all()
        rows._result_cache = [_instance(relation, profile, item) for item in data]
        rows._prefetch_done = True
        cache[name] = rows


def _instance(relation, profile, data: dict):
    """A row of `relation` from its JSON object, its profile set to `profile`."""
    model = relation.related_model
    fields = model._meta.concrete_fields
    row = model.from_db(
        profile._state.db,
        [field.attname for field in fields],
        [field.to_python(data[field.attname]) for field in fields],
    )
    # Its own profile is this one, as select_related or prefetching would set it.
    relation.field.set_cached_value(row, profile)
    return row


def with_history(profiles: QuerySet) -> QuerySet:
    """`profiles` reading their status changes, with who made each, in the same
    query on PostgreSQL; `history_of()` returns them."""
    if connection.vendor != "postgresql":
        return profiles
    return profiles.annotate(**_history_array(profiles.model))


@cache
def _history_array(model) -> dict[str, RawSQL]:
    from django.contrib.postgres.expressions import ArraySubquery

    changes = _rows_as_json(
        model._meta.get_field(HISTORY),
        actor_email="actor__email",
        actor_username="actor__username",
    )
    return compiled(model, **{_column(HISTORY): ArraySubquery(changes)})


def history_of(profile) -> list:
    """The profile's status changes, oldest first, each with its actor's email
    and username (read by `with_history()`, else queried)."""
    data = profile.__dict__.pop(_column(HISTORY), NOT_READ)
    if data is NOT_READ:
        return list(getattr(profile, HISTORY).select_related("actor"))
    relation = type(profile)._meta.get_field(HISTORY)
    changes = []
    for row in data:
        change = _instance(relation, profile, row)
        if change.actor_id is not None:
            change.actor = get_user_model()(
                pk=change.actor_id,
                email=row["actor_email"],
                username=row["actor_username"],
            )
        changes.append(change)
    return changes


HISTORY = "status_changes"
NOT_READ = object()


def _column(name: str) -> str:
    return f"_{name}_rows"
