"""The expression tree: immutable, built once per expression text by the parser.

Left-associative operators of one precedence level are kept as one flat `BinaryOp`
(`a + b - c` is operands (a, b, c), operators ('+', '-')), so that long chains such as
`selected(..) or selected(..) or ...` make shallow trees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from interviewer.questionnaire.xpath.nodes import Context, XNode
from interviewer.questionnaire.xpath.values import Value


@dataclass(frozen=True, slots=True)
class NumberLit:
    value: float


@dataclass(frozen=True, slots=True)
class StringLit:
    value: str


@dataclass(frozen=True, slots=True)
class Ref:
    """`${name}`."""

    name: str
    offset: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class BinaryOp:
    """operands[0] operators[0] operands[1] operators[1] ... evaluated left to right;
    every operator has the same precedence."""

    operators: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Negate:
    """`-x` (count 1), `--x` (count 2: number(x)), ..."""

    operand: Node
    count: int


@dataclass(frozen=True, slots=True)
class Union:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """axis::test[predicate]...; test is a name, '*', 'prefix:*' or 'node()'."""

    axis: str
    test: str
    predicates: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Path:
    """A location path: from the root (absolute), from the context node, or from the
    node-set of a filter expression (base)."""

    base: Node | None
    absolute: bool
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Filter:
    """A primary expression with predicates: `(expr)[2]`."""

    base: Node
    predicates: tuple[Node, ...]


Node = NumberLit | StringLit | Ref | Call | BinaryOp | Negate | Union | Path | Filter

# What a compiled node does: (context node, position, size, outer context) -> value.
Fn = Callable[[XNode, int, int, Context], Value]


@dataclass(frozen=True)
class Expr:
    """A compiled expression: the tree, what it reads, and how to run it."""

    text: str
    root: Node = field(compare=False, repr=False)
    refs: frozenset[str] = field(compare=False, repr=False)
    volatile: bool = field(compare=False, repr=False)
    fn: Fn = field(compare=False, repr=False)
