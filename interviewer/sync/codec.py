"""Rows as JSON and back, and content hashes.

A row travels as {column: JSON value}: UUIDs as text, datetimes as ISO 8601 UTC, bytes as
base64; JSON columns as they are. Converters are built once per table (the push of
thousands of interviews runs through here). Answers, the bulk of a push, travel as compact
lists in `ANSWER_COLUMNS` order (`answer_lists`, read straight from the SQLite store
without building UUID and datetime objects) and are hashed in that form.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table, Uuid, select

from interviewer.storage.models import Answer, Base, UtcDateTime

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


# answers on the wire: lists in this order (the interview id is the aggregate's; central
# sets synced_revision); origin_device comes last and is not content
ANSWER_COLUMNS = ("id", "question", "path", "value", "special", "answered_at", "revision",
                  "origin_device")
_ANSWER_CONTENT = len(ANSWER_COLUMNS) - 1


def answer_dicts(rows: Iterable[list[Any]]) -> list[dict[str, Any]]:
    """Compact answer lists as {column: value} (for people: conflict payloads)."""
    return [dict(zip(ANSWER_COLUMNS, row, strict=True)) for row in rows]


def answer_lists(connection: Connection, interview_ids: list[uuid.UUID]
                 ) -> dict[uuid.UUID, list[list[Any]]]:
    """The answers of these interviews as compact lists, by interview."""
    table = table_of(Answer)
    result: dict[uuid.UUID, list[list[Any]]] = {i: [] for i in interview_ids}
    if not interview_ids:
        return result
    sqlite = connection.dialect.name == "sqlite"
    if not sqlite:
        query = select(*(table.c[n] for n in ANSWER_COLUMNS), table.c.interview_id).where(
            table.c.interview_id.in_(interview_ids))
        for row in connection.execute(query):
            result[row.interview_id].append(
                [out(v) for (out, _), v in zip(_answer_pairs(), row[:-1], strict=True)])
        return result
    # SQLite: the driver's cursor, one bound JSON array, and SQLite itself turns the
    # store's text into the wire's and each interview's answers into one JSON array (no
    # Python work, UUID or datetime objects for half a million answers)
    by_hex = {i.hex: i for i in interview_ids}
    driver = connection.connection.driver_connection
    assert driver is not None
    for owner, rows in driver.execute(_SQLITE_ANSWERS, (json.dumps(list(by_hex)),)):
        result[by_hex[owner]] = json.loads(rows)
    return result


def _sqlite_uuid_text(column: str) -> str:
    """SQL: 32 stored hex digits as str(UUID) gives them."""
    parts = " || '-' || ".join(f"substr({column}, {start}, {length})" for start, length in
                               ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
    return f"CASE WHEN length({column}) = 32 THEN {parts} ELSE {column} END"


def _sqlite_time_text(column: str) -> str:
    """SQL: stored 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) as ISO 8601 with its zone."""
    return (f"CASE WHEN length({column}) = 26 THEN substr({column}, 1, 10) || 'T' || "
            f"substr({column}, 12) || '+00:00' ELSE {column} END")


_SQLITE_ANSWERS = (
    f"SELECT interview_id, json_group_array(json_array({_sqlite_uuid_text('id')}, question, "
    f"path, value, special, {_sqlite_time_text('answered_at')}, revision, origin_device)) "
    "FROM answers WHERE interview_id IN (SELECT value FROM json_each(?)) "
    "GROUP BY interview_id")


@cache
def _answer_pairs() -> tuple[tuple[Convert, Convert], ...]:
    table = table_of(Answer)
    return tuple(_pair(table.c[n].type) for n in ANSWER_COLUMNS)


def content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in NOT_CONTENT}


def content_hash(*parts: Any) -> str:
    """sha256 of the canonical JSON of `parts` (encoded rows, lists of them)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def aggregate_hash(interview: dict[str, Any], answers: Iterable[list[Any]]) -> str:
    """The content of one interview version: its row and all its answers (compact lists,
    see ANSWER_COLUMNS), one canonical JSON text hashed once (BLAKE2b, 256 bits)."""
    rows = sorted((a[:_ANSWER_CONTENT] for a in answers), key=itemgetter(0))
    head = json.dumps(content(interview), sort_keys=True, separators=(",", ":"))
    body = json.dumps(rows, separators=(",", ":"))
    return hashlib.blake2b(f"[{head},{body}]".encode(), digest_size=32).hexdigest()


__all__ = ["ANSWER_COLUMNS", "aggregate_hash", "answer_dicts", "answer_lists", "content",
           "content_hash", "decode", "encode", "table_of"]
