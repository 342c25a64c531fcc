"""The sync protocol: Pydantic messages a device and central exchange (DESIGN.md 7).

Nothing here assumes a shared process or transaction: every message is plain JSON (rows
as column -> JSON value, see `codec`), so an HTTP transport can carry the same messages.

Push: `PushRequest` carries whole interview aggregates (the interview row, all its
answers as compact lists in `codec.ANSWER_COLUMNS` order, its unsent paradata and
remarks; a batch never splits an interview), call
attempts and audit entries. Central applies one request in one transaction and answers
with a `PushResponse`: an outcome per item. The device marks what it sent as synced only
when that response arrives.

Pull: `PullRequest` asks for changes after the device's watermark (a `change_log`
sequence number); `PullResponse` carries the current rows, the watermark to store with
them, and whether more pages wait. Interviews that concern the user (rejected back to them,
or on a case now theirs) come whole, as aggregates, so a device that does not hold them
gets them (central's revision, all answers, paradata and remarks).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from interviewer.sync.codec import answer_dicts

Row = dict[str, Any]
Outcome = Literal["applied", "duplicate", "stale", "conflict", "unchanged"]


class InterviewAggregate(BaseModel):
    id: uuid.UUID
    revision: int
    base_revision: int  # the revision central last acknowledged (the device's base)
    changed: bool  # False: only paradata or remarks to append
    interview: Row
    answers: list[list[Any]] = []  # codec.ANSWER_COLUMNS order
    paradata: list[Row] = []
    remarks: list[Row] = []


class PushRequest(BaseModel):
    kind: Literal["push"] = "push"
    device_id: str
    user_id: uuid.UUID
    interviews: list[InterviewAggregate] = []
    call_attempts: list[Row] = []
    audit: list[Row] = []


class ItemResult(BaseModel):
    entity: str
    id: uuid.UUID
    revision: int
    outcome: Outcome
    central_revision: int | None = None
    conflict: str | None = None  # why, when outcome is conflict


class PushResponse(BaseModel):
    kind: Literal["push"] = "push"
    results: list[ItemResult] = []


class PullRequest(BaseModel):
    kind: Literal["pull"] = "pull"
    device_id: str
    user_id: uuid.UUID
    after: int = 0
    limit: int = 500
    known_surveys: list[uuid.UUID] = []
    known_versions: list[uuid.UUID] = []


class PullResponse(BaseModel):
    kind: Literal["pull"] = "pull"
    # table name -> rows, in the order the device applies them
    rows: dict[str, list[Row]] = {}
    decisions: list[Row] = []  # interviews: id, status, revision (central owns these)
    interviews: list[InterviewAggregate] = []  # whole, as central holds them
    watermark: int = 0
    more: bool = False


class Request(BaseModel):
    """The envelope a transport carries."""

    message: PushRequest | PullRequest = Field(discriminator="kind")


class Response(BaseModel):
    message: PushResponse | PullResponse | None = Field(default=None, discriminator="kind")
    error: str | None = None  # a refusal central explains (user unknown, not allowed)


def aggregate_payload(aggregate: InterviewAggregate) -> Row:
    """An aggregate as people read it in a conflict: answers as {column: value}."""
    data = aggregate.model_dump(mode="json")
    data["answers"] = answer_dicts(aggregate.answers)
    return data


__all__ = ["InterviewAggregate", "ItemResult", "Outcome", "PullRequest", "PullResponse",
           "PushRequest", "PushResponse", "Request", "Response", "Row", "aggregate_payload"]
