"""What the evaluator needs from the engine: tree nodes, an environment and a context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class XNode(Protocol):
    """One element of an instance tree (or a document node, whose name is '')."""

    @property
    def name(self) -> str: ...

    @property
    def parent(self) -> XNode | None: ...

    @property
    def children(self) -> Sequence[XNode]: ...

    def string_value(self) -> str:
        """A leaf's value ('' when blank); for an inner node, its descendants' values."""
        ...


class Environment(Protocol):
    """The world around an expression, provided by the interview engine."""

    def root(self) -> XNode:
        """The main instance's document node: `/data/x` starts here."""
        ...

    def instance(self, instance_id: str) -> XNode | None:
        """A secondary instance's document node (`instance('id')/root/item`)."""
        ...

    def resolve_ref(self, name: str, current: XNode) -> Sequence[XNode]:
        """The nodes `${name}` stands for, seen from `current` (the expression's question)."""
        ...

    def choice_label(self, question_ref: str, value: str, current: XNode) -> str:
        """The label of choice `value` of the question named by `question_ref`
        (`' ${q} '` or `'/data/q'`, as written in jr:choice-name's second argument)."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware; today() and now() use it."""
        ...

    def new_uuid(self) -> str: ...

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Context:
    """Where an expression is evaluated."""

    node: XNode  # the context node ('.')
    env: Environment
    position: int = 1
    size: int = 1
    current: XNode | None = None  # current() and the base for ${name}; None: same as node
