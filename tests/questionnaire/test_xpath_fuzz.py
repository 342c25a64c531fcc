"""Property tests of the XPath package.

- Any text, and any soup of XPath tokens, either compiles or raises XPathSyntaxError /
  XPathError; what compiles evaluates or raises XPathError, never IndexError & co.
- Random arithmetic and boolean trees, printed with the fewest parentheses XPath's
  precedence allows, evaluate to what a Python reference computation of the same tree
  gives (JavaScript arithmetic: x div 0 is +-Infinity, x mod 0 is NaN, the sign of mod
  follows the dividend).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer.questionnaire.xpath import (
    Context,
    XPathError,
    XPathSyntaxError,
    compile_expr,
    evaluate,
    format_number,
    to_string,
)

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- a small tree


class Node:
    def __init__(self, name: str, value: str = "", parent: Node | None = None) -> None:
        self.name = name
        self.value = value
        self.parent = parent
        self.children: list[Node] = []
        if parent is not None:
            parent.children.append(self)

    def string_value(self) -> str:
        return "".join(c.string_value() for c in self.children) if self.children \
            else self.value


DOC = Node("")
DATA = Node("data", parent=DOC)
N = Node("n", "5", DATA)
Node("d", "2024-03-05", DATA)
Node("blank", "", DATA)
for _age, _name in (("30", "ann"), ("", "bob"), ("12", "cy")):
    _rep = Node("rep", parent=DATA)
    Node("age", _age, _rep)
    Node("name", _name, _rep)
ITEMS = Node("")
_root = Node("root", parent=ITEMS)
for _v in ("a", "b"):
    _item = Node("item", parent=_root)
    Node("name", _v, _item)
    Node("label", _v.upper(), _item)


def _all(node: Node) -> list[Node]:
    out = [node]
    for c in node.children:
        out.extend(_all(c))
    return out


class Env:
    def root(self) -> Node:
        return DOC

    def instance(self, instance_id: str) -> Node | None:
        return ITEMS if instance_id == "x" else None

    def resolve_ref(self, name: str, current: Any) -> Sequence[Node]:
        return [n for n in _all(DOC) if n.name == name]

    def choice_label(self, question_ref: str, value: str, current: Any) -> str:
        return value.upper()

    def now(self) -> datetime:
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def new_uuid(self) -> str:
        return "00000000-0000-4000-8000-000000000000"

    def random(self) -> float:
        return 0.5


CTX = Context(node=N, env=Env())


def _compile_and_run(text: str) -> None:
    try:
        expr = compile_expr(text)
    except (XPathSyntaxError, XPathError) as e:
        assert e.message
        if isinstance(e, XPathSyntaxError):
            assert 0 <= e.offset <= len(text)
            assert e.text == text
        return
    assert expr.text == text
    try:
        value = evaluate(expr, CTX)
    except XPathError:
        return
    to_string(value)


# ---------------------------------------------------------------- any text, token soup

XPATH_CHARS = "()[]{}.,@:/|+-=!<>*$'\" \t\n0123456789abcdnrtxyz_-é${}#%"
TOKENS = [
    "(", ")", "[", "]", ".", "..", "@", ",", "::", "/", "//", "|", "+", "-", "=", "!=",
    "<", "<=", ">", ">=", "*", "and", "or", "div", "mod", "1", "0", "2.5", ".5", "007",
    "'a'", '"b"', "''", "${n}", "${rep}", "${age}", "${blank}", "n", "rep", "age", "name",
    "data", "item", "root", "child::", "parent::", "self::", "descendant::",
    "descendant-or-self::", "ancestor::", "following-sibling::", "attribute::", "node()",
    "text()", "ns:x", "ns:*", "count(", "concat(", "if(", "position(", "last()",
    "current()", "instance('x')", "instance(", "jr:choice-name(", "indexed-repeat(",
    "substr(", "substring(", "sum(", "min(", "max(", "round(", "date(", "format-date(",
    "selected(", "selected-at(", "regex(", "coalesce(", "once(", "number(", "string(",
    "not(", "true()", "false()", "today()", "now()", "uuid()", "random()", "foo(",
    "checklist(", "weighted-checklist(", "join(", "translate(", "'%Y %a'", "'2024-01-31'",
    "0 div 0", "1 div 0", "$x", "${", "}", "'", '"', "#",
]


@FUZZ
@given(st.text(alphabet=XPATH_CHARS, max_size=40))
def test_any_text_compiles_or_raises_our_errors(text: str) -> None:
    _compile_and_run(text)


@FUZZ
@given(st.text(max_size=30))
def test_any_unicode_compiles_or_raises_our_errors(text: str) -> None:
    _compile_and_run(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14),
       st.sampled_from([" ", ""]))
def test_token_soup_compiles_or_raises_our_errors(tokens: list[str], sep: str) -> None:
    _compile_and_run(sep.join(tokens))


DATE_LIKE = (r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
             r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,4})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?\Z")


@FUZZ
@given(st.from_regex(DATE_LIKE), st.sampled_from([
    "date('{s}')", "date-time('{s}')", "format-date-time('{s}', '%Y %y %m %n %b %d %e %a "
    "%H %h %M %S %3')", "number('{s}')", "date(number('{s}') + 0.5)",
    "decimal-time(substring-after('{s}', 'T'))", "'{s}' < today()", "decimal-date-time('{s}')",
]))
def test_date_functions_never_crash(s: str, template: str) -> None:
    _compile_and_run(template.format(s=s))


# ---------------------------------------------------------------- arithmetic trees


@dataclass(frozen=True)
class Num:
    text: str

    @property
    def level(self) -> int:
        return 9


@dataclass(frozen=True)
class Neg:
    operand: Any

    @property
    def level(self) -> int:
        return 7


@dataclass(frozen=True)
class Bin:
    op: str
    left: Any
    right: Any

    @property
    def level(self) -> int:
        return LEVEL[self.op]


LEVEL = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
         "+": 5, "-": 5, "*": 6, "div": 6, "mod": 6}


def render(t: Any) -> str:
    """XPath text with only the parentheses precedence and left-associativity need."""
    if isinstance(t, Num):
        return t.text
    if isinstance(t, Neg):
        inner = render(t.operand)
        return "-" + (inner if t.operand.level >= 7 else f"({inner})")
    left = render(t.left)
    right = render(t.right)
    if t.left.level < t.level:
        left = f"({left})"
    if t.right.level <= t.level:
        right = f"({right})"
    return f"{left} {t.op} {right}"


def js_div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def js_mod(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def number(v: float | bool) -> float:
    return (1.0 if v else 0.0) if isinstance(v, bool) else v


def truth(v: float | bool) -> bool:
    return v if isinstance(v, bool) else (v != 0 and not math.isnan(v))


def reference(t: Any) -> float | bool:
    """What XPath 1.0 says the tree's value is, computed in plain Python."""
    if isinstance(t, Num):
        return float(t.text)
    if isinstance(t, Neg):
        return -number(reference(t.operand))
    if t.op == "or":
        return truth(reference(t.left)) or truth(reference(t.right))
    if t.op == "and":
        return truth(reference(t.left)) and truth(reference(t.right))
    a, b = reference(t.left), reference(t.right)
    if t.op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            same = truth(a) == truth(b)
        else:
            same = a == b
        return same if t.op == "=" else not same
    x, y = number(a), number(b)
    ops = {
        "<": lambda: x < y, "<=": lambda: x <= y, ">": lambda: x > y, ">=": lambda: x >= y,
        "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
        "div": lambda: js_div(x, y), "mod": lambda: js_mod(x, y),
    }
    result: float | bool = ops[t.op]()
    return result


numbers = st.one_of(
    st.integers(min_value=0, max_value=20).map(str),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False,
                allow_infinity=False).map(lambda d: format(d, "f")),
    st.sampled_from(["0", "0.5", ".25", "1.", "100000000000000000000", "0.000001"]),
).map(Num)


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        children.map(Neg),
        st.builds(Bin, st.sampled_from(sorted(LEVEL)), children, children),
    )


trees = st.recursive(numbers, extend, max_leaves=12)


@FUZZ
@given(trees)
def test_arithmetic_matches_python_reference(tree: Any) -> None:
    text = render(tree)
    expected = reference(tree)
    result = evaluate(compile_expr(text), CTX)
    if isinstance(expected, bool):
        assert result is expected, text
    else:
        assert isinstance(result, float), text
        if math.isnan(expected):
            assert math.isnan(result), text
        else:
            assert result == expected, text


@FUZZ
@given(trees, st.sampled_from([".", "../n", "${n}", "/data/n", "current()"]))
def test_node_values_act_as_numbers(tree: Any, ref: str) -> None:
    # replacing a literal 5 by the node holding 5 (the context node) changes nothing
    text = render(Bin("+", tree, Num("5")))
    with_node = text[: -1] + ref
    a = evaluate(compile_expr(text), CTX)
    b = evaluate(compile_expr(with_node), CTX)
    assert to_string(a) == to_string(b), (text, with_node)


@FUZZ
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_format_number_reads_back(x: float) -> None:
    text = format_number(x)
    if math.isnan(x):
        assert text == "NaN"
    elif math.isinf(x):
        assert text == ("Infinity" if x > 0 else "-Infinity")
    else:
        assert float(text) == x
        assert ("e" in text) == (x != 0 and not 1e-6 <= abs(x) < 1e21)
        assert not text.endswith(".0")
        # what XPath reads back from a stored value is the same number
        assert evaluate(compile_expr(f"number('{text}')"), CTX) == x
