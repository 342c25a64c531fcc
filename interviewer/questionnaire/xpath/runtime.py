"""Pieces shared by the compiler and the function library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from interviewer.questionnaire.xpath.ast import Fn
from interviewer.questionnaire.xpath.errors import XPathError
from interviewer.questionnaire.xpath.nodes import Context, XNode
from interviewer.questionnaire.xpath.values import NodeSet, Value

# Static result types, known at compile time where the expression shows them.
NODESET = "node-set"
NUMBER = "number"
STRING = "string"
BOOLEAN = "boolean"
ANY = "any"

_NO_VALUE = cast(Any, None)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled subexpression: how to run it, its static type, and its value when it
    is a constant (the `constant` flag tells a constant '' or 0 from no constant)."""

    fn: Fn
    type: str
    constant: bool = False
    value: Value = ""


def constant(value: Value, type_: str) -> Compiled:
    def fn(node: XNode, pos: int, size: int, ctx: Context) -> Value:
        return value

    return Compiled(fn, type_, True, value)


def fold(fn: Fn, type_: str) -> Compiled:
    """Run a pure function of constants once, at compile time."""
    return constant(fn(_NO_VALUE, 1, 1, _NO_VALUE), type_)


def current_node(ctx: Context) -> XNode:
    return ctx.current if ctx.current is not None else ctx.node


def require_nodes(v: Value, what: str) -> NodeSet:
    """v as a node-set, or an XPathError naming what needed one."""
    if isinstance(v, str | float | int):
        kind = "a boolean" if isinstance(v, bool) else (
            "a string" if isinstance(v, str) else "a number")
        raise XPathError(f"{what} needs a node-set, got {kind}")
    return v


def document_order(nodes: list[XNode]) -> list[XNode]:
    """Drop duplicates and sort into document order (nodes of different documents keep
    a stable but arbitrary order)."""
    seen: set[int] = set()
    unique: list[XNode] = []
    for n in nodes:
        key = id(n)
        if key not in seen:
            seen.add(key)
            unique.append(n)
    if len(unique) < 2:
        return unique
    positions: dict[int, dict[int, int]] = {}

    def path_key(n: XNode) -> tuple[int, ...]:
        out: list[int] = []
        while True:
            p = n.parent
            if p is None:
                out.append(id(n))
                break
            index = positions.get(id(p))
            if index is None:
                index = {id(c): i for i, c in enumerate(p.children)}
                positions[id(p)] = index
            out.append(index.get(id(n), -1))
            n = p
        out.reverse()
        return tuple(out)

    unique.sort(key=path_key)
    return unique


def is_inside(node: XNode, ancestor: XNode) -> bool:
    """node is ancestor or one of its descendants."""
    n: XNode | None = node
    while n is not None:
        if n is ancestor:
            return True
        n = n.parent
    return False


def absolute_equivalents(nodes: NodeSet) -> list[XNode]:
    """Every node with the same path of names from the document root as nodes[0]: what
    pyxform's absolute path for a ${name} means (all instances of a repeated question)."""
    if not nodes:
        return []
    names: list[str] = []
    n: XNode | None = nodes[0]
    top: XNode = nodes[0]
    while n is not None:
        top = n
        if n.parent is not None:
            names.append(n.name)
        n = n.parent
    current: list[XNode] = [top]
    for name in reversed(names):
        current = [c for p in current for c in p.children if c.name == name]
    return current
