"""Bulk writing with identifiers assigned by the caller (the synthetic authority, a full recompute of the clocks).

The generator knows every row's primary key before it is written, so records can point at each
other without a round trip to the database, and the same seed gives the same keys in an empty
database. The whole authority is written in one transaction; foreign keys are checked at commit
(Django creates them DEFERRABLE INITIALLY DEFERRED on SQLite and PostgreSQL), so rows can be
written in any order.

Rows go in with `executemany`, using Django's own adapters for each column. Django's
`bulk_create` does the same work but on SQLite splits it into statements of under 999
parameters (about 90 rows) and compiles each one, which made it several times slower here.
Every column must be given unless its model default is a constant: a default like
`timezone.now` or `uuid4` would make the output depend on the clock, so the sink refuses it.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

BATCH = 5000


class _Table:
    def __init__(self, model: type[models.Model]):
        ops = connection.ops
        fields = [f for f in model._meta.local_concrete_fields]
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.known = frozenset(self.attnames)
        self.defaults: list[tuple[str, object, bool]] = []  # attname, default, needs a fresh copy
        self.converters: list[Callable | None] = []
        for f in fields:
            if f.has_default():
                default = f.default
                if callable(default) and default not in (list, dict):
                    self.defaults.append((f.attname, _Required(model, f.attname), False))
                else:
                    self.defaults.append((f.attname, default, callable(default)))
            elif f.null:
                self.defaults.append((f.attname, None, False))
            elif isinstance(f, models.CharField | models.TextField) and f.blank:
                self.defaults.append((f.attname, "", False))
            else:
                self.defaults.append((f.attname, _Required(model, f.attname), False))
            if isinstance(f, models.DateTimeField):
                sqlite = connection.vendor == "sqlite"
                self.converters.append(_sqlite_datetime if sqlite else ops.adapt_datetimefield_value)
            elif isinstance(f, models.DateField):
                self.converters.append(ops.adapt_datefield_value)
            elif isinstance(f, models.JSONField):
                self.converters.append(lambda v: None if v is None else json.dumps(v))
            elif isinstance(f, models.UUIDField):
                self.converters.append(lambda v, f=f: f.get_db_prep_value(v, connection))
            else:
                self.converters.append(None)
        columns = ", ".join(ops.quote_name(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Table and column names come from the models, quoted by the backend; values are parameters.
        self.sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        self.rows: list[tuple] = []

    def row(self, values: dict) -> tuple:
        unknown = values.keys() - self.known
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field(s) {', '.join(sorted(unknown))}")
        out = []
        for attname, default, fresh in self.defaults:
            if attname in values:
                out.append(values[attname])
            elif isinstance(default, _Required):
                raise TypeError(f"{self.model.__name__}.{attname} must be given explicitly")
            else:
                out.append(default() if fresh else default)
        return tuple(out)

    def prepared(self) -> list[tuple]:
        convert = self.converters
        if not any(convert):
            return self.rows
        return [
            tuple(v if c is None or v is None else c(v) for c, v in zip(convert, row, strict=True))
            for row in self.rows
        ]


def _sqlite_datetime(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), without its
    per-value settings checks: millions of timestamps pass through here."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def _table_counter(model: type[models.Model]) -> int:
    """The highest id the table's own counter has given (0 where it has none)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            counter = row[0] if row else 0
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            (sequence,) = cursor.fetchone()
            if sequence is None:
                return 0
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (the table's own sequence)
            last_value, is_called = cursor.fetchone()
            counter = last_value if is_called else last_value - 1
        else:
            counter = 0
    return counter or 0


class _Required:
    def __init__(self, model, attname):
        self.name = f"{model.__name__}.{attname}"


class Sink:
    def __init__(self, batch: int = BATCH, *, never_reuse_ids: bool = False):
        """`never_reuse_ids`: number new rows past every id the table has ever given, not only
        past the rows left, for tables whose rows are replaced while pages may still show the
        old ones. Off for the generator, whose ids must depend only on its seed (PostgreSQL
        sequences keep moving after a rollback)."""
        self.batch = batch
        self.never_reuse_ids = never_reuse_ids
        self._next_id: dict[type[models.Model], int] = {}
        self._tables: dict[type[models.Model], _Table] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def new_id(self, model: type[models.Model]) -> int:
        if model not in self._next_id:
            used = model.objects.aggregate(m=Max("pk"))["m"] or 0
            if self.never_reuse_ids:
                used = max(used, _table_counter(model))
            self._next_id[model] = used + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def add(self, model: type[models.Model], **fields) -> int:
        """Queue a row; returns its primary key."""
        if "id" not in fields:
            fields["id"] = self.new_id(model)
        table = self._tables.get(model)
        if table is None:
            table = self._tables[model] = _Table(model)
        table.rows.append(table.row(fields))
        if len(table.rows) >= self.batch:
            self._flush(table)
        return fields["id"]

    def _flush(self, table: _Table) -> None:
        if not table.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT on PostgreSQL.
                with cursor.cursor.copy(table.copy_sql) as copy:
                    for row in table.prepared():
                        copy.write_row(row)
            else:
                cursor.executemany(table.sql, table.prepared())
        self.counts[table.model._meta.label] += len(table.rows)
        table.rows = []

    def flush(self) -> None:
        for table in self._tables.values():
            self._flush(table)

    def reset_sequences(self) -> None:
        """PostgreSQL sequences do not move when keys are given explicitly; SQLite's do."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self._next_id))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
