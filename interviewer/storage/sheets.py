"""Answer sheets (models.AnswerSheet): each interview's answers outside repeats, kept on
central as three SEP-joined texts beside the answer rows, so that an export of 100,000
interviews reads 100,000 rows and not five million.

A sheet is worked out by the database from the answer rows themselves, in the
statement or transaction that wrote them, so it cannot say anything the rows do not.
Answers with neither a value nor a special (cleared) are left out; the order is the
paths', so that interviews which answered the same questions have the same `questions`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

SEP = "\x1e"  # ASCII record separator: not typed by interviewers, checked on reading
CHUNK = 5000  # interviews per statement (SQLite's limit on bound parameters)

_INSERT = "INSERT INTO answer_sheets (interview_id, questions, answer_values, specials)"
_GIVEN = "path NOT LIKE '%[%' AND (value IS NOT NULL OR special IS NOT NULL)"


def postgresql_sheets(source: str, where: str = "TRUE") -> str:
    """PostgreSQL: insert the sheets of the answer rows in `source` (a table, or a
    statement's RETURNING rows: interview_id, question, path, value, special)."""
    joined = ", ".join(f"string_agg({column}, chr({ord(SEP)}) ORDER BY path)" for column in
                       ("question", "coalesce(value, '')", "coalesce(special, '')"))
    return (f"{_INSERT} SELECT interview_id, {joined} FROM {source} "
            f"WHERE {where} AND {_GIVEN} GROUP BY interview_id")


# SQLite's group_concat keeps the order rows arrive in: a sub-select ordered by path
_SQLITE = text(f"""{_INSERT}
SELECT interview_id, group_concat(question, :sep), group_concat(coalesce(value, ''), :sep),
       group_concat(coalesce(special, ''), :sep)
FROM (SELECT interview_id, question, path, value, special FROM answers
      WHERE interview_id IN :ids AND {_GIVEN} ORDER BY interview_id, path)
GROUP BY interview_id""").bindparams(bindparam("ids", expanding=True))
_POSTGRESQL = text(postgresql_sheets("answers", "interview_id = ANY(:ids)"))
_DELETE_SQLITE = text("DELETE FROM answer_sheets WHERE interview_id IN :ids").bindparams(
    bindparam("ids", expanding=True))
_DELETE_POSTGRESQL = text("DELETE FROM answer_sheets WHERE interview_id = ANY(:ids)")


def write_sheets(connection: Connection, interview_ids: Sequence[uuid.UUID]) -> None:
    """Rewrite these interviews' sheets from their answer rows (call it after writing
    the rows, in the same transaction)."""
    postgresql = connection.dialect.name == "postgresql"
    insert, delete = (_POSTGRESQL, _DELETE_POSTGRESQL) if postgresql else \
        (_SQLITE, _DELETE_SQLITE)
    ids = list(dict.fromkeys(interview_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        bound = chunk if postgresql else [i.hex for i in chunk]  # SQLite keeps 32 hex digits
        connection.execute(delete, {"ids": bound})
        connection.execute(insert, {"ids": bound, "sep": SEP})
