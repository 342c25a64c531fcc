"""Rows as JSON and back, and content hashes.

A row travels as {column: JSON value}: UUIDs as text, datetimes as ISO 8601 UTC, bytes as
base64; JSON columns as they are. Converters are built once per table (the push of
thousands of interviews runs through here).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import LargeBinary, Table, Uuid

from interviewer.storage.models import Base, UtcDateTime

Convert = Callable[[Any], Any]
# bookkeeping that differs between the two sides and is not content
NOT_CONTENT = frozenset({"synced_revision", "synced", "sync_hash", "origin_device"})


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _same(value: Any) -> Any:
    return value


def _uuid_out(value: Any) -> Any:
    return None if value is None else str(value)


def _uuid_in(value: Any) -> Any:
    return None if value is None else uuid.UUID(value)


def _time_out(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _time_in(value: Any) -> Any:
    return None if value is None else datetime.fromisoformat(value)


def _bytes_out(value: Any) -> Any:
    return None if value is None else base64.b64encode(value).decode("ascii")


def _bytes_in(value: Any) -> Any:
    return None if value is None else base64.b64decode(value)


def _pair(column_type: Any) -> tuple[Convert, Convert]:
    if isinstance(column_type, Uuid):
        return _uuid_out, _uuid_in
    if isinstance(column_type, UtcDateTime):
        return _time_out, _time_in
    if isinstance(column_type, LargeBinary):
        return _bytes_out, _bytes_in
    return _same, _same


@cache
def _converters(table: Table) -> tuple[tuple[tuple[str, Convert, Convert], ...], ...]:
    return (tuple((c.name, *_pair(c.type)) for c in table.columns),)


def encode(table: Table, row: Any) -> dict[str, Any]:
    """A row (a Row or mapping with the table's columns) as JSON values."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    return {name: out(mapping[name]) for name, out, _ in _converters(table)[0]}


def decode(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """JSON values back to column values; columns the table lacks are refused."""
    result: dict[str, Any] = {}
    for name, _, back in _converters(table)[0]:
        if name in data:
            result[name] = back(data[name])
    unknown = set(data) - set(result)
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    return result


def content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in NOT_CONTENT}


def content_hash(*parts: Any) -> str:
    """sha256 of the canonical JSON of `parts` (encoded rows, lists of them)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def aggregate_hash(interview: dict[str, Any], answers: Iterable[dict[str, Any]]) -> str:
    """The content of one interview version: its row and all its answers."""
    return content_hash(content(interview),
                        sorted((content(a) for a in answers), key=lambda a: str(a["id"])))


__all__ = ["aggregate_hash", "content", "content_hash", "decode", "encode", "table_of"]
