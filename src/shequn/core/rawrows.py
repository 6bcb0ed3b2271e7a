"""Hand-written SELECTs that still give model instances.

The checkout hot path reads the same few shapes thousands of times a second;
building those queries through the ORM costs more Python time than the database
spends answering them. These helpers make the column list of a model once (so a
new field is picked up without editing SQL) and turn a slice of a result row
back into an instance with ``Model.from_db``, as the ORM itself would.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


@cache
def _fields(model: type[models.Model]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    concrete = model._meta.concrete_fields
    return tuple(str(f.column) for f in concrete), tuple(f.attname for f in concrete)


def columns(model: type[models.Model], alias: str) -> str:
    """``alias."col", …`` for every concrete field of ``model``, in field order."""
    return ", ".join(f'{alias}."{column}"' for column in _fields(model)[0])


def width(model: type[models.Model]) -> int:
    return len(_fields(model)[0])


def build(model: type[M], row: tuple[Any, ...] | list[Any], start: int, db: str = "default"
          ) -> M:
    """The instance whose columns start at ``row[start]`` (see ``columns``).
    Values pass through each field's database converters (SQLite returns
    decimals and booleans as plain numbers)."""
    attnames = _fields(model)[1]
    values = list(row[start:start + len(attnames)])
    connection = connections[db]
    for i, col, converters in _converters(model, db):
        for convert in converters:
            values[i] = convert(values[i], col, connection)
    return model.from_db(db, list(attnames), values)


@cache
def _converters(model: type[models.Model], db: str
                ) -> tuple[tuple[int, Any, tuple[Any, ...]], ...]:
    connection = connections[db]
    out = []
    for i, field in enumerate(model._meta.concrete_fields):
        col = field.get_col(model._meta.db_table)
        found = tuple(connection.ops.get_db_converters(col)
                      + field.get_db_converters(connection))
        if found:
            out.append((i, col, found))
    return tuple(out)
