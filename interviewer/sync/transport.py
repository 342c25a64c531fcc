"""Transports carry protocol messages between a device and central.

`DirectTransport` talks to the central database itself. It still serialises every
message to JSON and parses it back, both ways, so nothing in-process (an ORM row, a
shared object, a transaction) can slip through: an HTTPS transport can replace it
without the protocol changing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from interviewer.storage.db import Database
from interviewer.sync.central_side import handle
from interviewer.sync.messages import Request, Response


class Transport(Protocol):
    label: str  # where central is, as shown to people (no password)

    def exchange(self, request: Request) -> Response: ...

    def close(self) -> None: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DirectTransport:
    def __init__(self, central: Database, label: str = "",
                 clock: Callable[[], datetime] = _utc_now, owns: bool = False) -> None:
        self.central = central
        self.label = label
        self.clock = clock
        self._owns = owns

    def exchange(self, request: Request) -> Response:
        wire = Request.model_validate_json(request.model_dump_json())
        response = handle(self.central, wire, self.clock)
        return Response.model_validate_json(response.model_dump_json())

    def close(self) -> None:
        if self._owns:
            self.central.dispose()


__all__ = ["DirectTransport", "Transport"]
