"""The function library: XPath 1.0's core functions and the ODK XForms additions.

Every function is known by name with its number of arguments, so compile_expr rejects an
unknown function or a wrong call before a form is used. Where ODK's reference engine
(ODK Web Forms) and the written specs disagree, the comment says which one we follow.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from interviewer.questionnaire.xpath.ast import Call, Fn, Ref, StringLit
from interviewer.questionnaire.xpath.errors import XPathError
from interviewer.questionnaire.xpath.nodes import Context, XNode
from interviewer.questionnaire.xpath.runtime import (
    ANY,
    BOOLEAN,
    NODESET,
    NUMBER,
    STRING,
    Compiled,
    absolute_equivalents,
    current_node,
    is_inside,
    require_nodes,
)
from interviewer.questionnaire.xpath.values import (
    INF,
    NAN,
    NodeSet,
    Value,
    days_to_date,
    divide,
    js_pow,
    js_round,
    parse_date_string,
    str_to_number,
    to_boolean,
    to_number,
    to_string,
)

Builder = Callable[[list[Compiled], Call], Fn]
Check = Callable[[list[Compiled], Call], None]

_DAY_MS = 86_400_000
_MAX_UUID_LENGTH = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_XML_WS = " \t\r\n"
_XML_WS_RUN = re.compile(r"[ \t\r\n]+")
_INT_PREFIX = re.compile(r"[ \t\r\n]*([+-]?[0-9]{1,20})")  # more digits: out of range anyway
_UNPADDED_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(T.*)?\Z")
_TIME = re.compile(
    r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?\Z")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DIGESTS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384",
            "SHA-512": "sha512"}
_DIGEST_ENCODINGS = ("base64", "hex")
VOLATILE = frozenset({"now", "today", "random", "uuid"})


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    returns: str
    build: Builder
    pure: bool = True  # the same arguments always give the same result, context unused
    node_args: tuple[int, ...] = ()  # arguments that must be node-sets
    step: int = 1  # indexed-repeat takes 3, 5 or 7 arguments: step 2
    check: Check | None = None
    arity_description: str = ""  # when the counts alone would not say it well

    def needs_nodes(self, index: int) -> bool:
        return index in self.node_args

    def arity_ok(self, n: int) -> bool:
        if n < self.min_args or (self.max_args is not None and n > self.max_args):
            return False
        return (n - self.min_args) % self.step == 0

    def arity_text(self) -> str:
        if self.arity_description:
            return self.arity_description
        lo, hi = self.min_args, self.max_args
        if hi == lo:
            return f"{lo} argument{'s' if lo != 1 else ''}"
        if hi is None:
            return f"at least {lo} argument{'s' if lo != 1 else ''}"
        if hi == lo + 1:
            return f"{lo} or {hi} arguments"
        return f"{lo} to {hi} arguments"


FUNCTIONS: dict[str, FunctionSpec] = {}
# ODK functions we do not run yet: named as such, so that a form author knows it is us.
NOT_YET = frozenset({"randomize", "area", "distance", "geofence", "lang", "id"})


def check_call(name: str, nargs: int, offset: int) -> None:
    """Called by the parser for every function call."""
    spec = FUNCTIONS.get(name)
    if spec is None and name in NOT_YET:
        raise XPathError(f"the ODK function {name}() is not supported yet (at character "
                         f"{offset})", offset)
    if spec is None:
        raise XPathError(f"unknown function {name}() at character {offset}", offset)
    if not spec.arity_ok(nargs):
        raise XPathError(
            f"{name}() takes {spec.arity_text()}, got {nargs} (at character {offset})",
            offset)


def _register(name: str, min_args: int, max_args: int | None, returns: str, build: Builder,
              *, pure: bool = True, node_args: tuple[int, ...] = (), step: int = 1,
              check: Check | None = None, arity_description: str = "") -> None:
    FUNCTIONS[name] = FunctionSpec(name, min_args, max_args, returns, build, pure,
                                   node_args, step, check, arity_description)


# ---------------------------------------------------------------- builder helpers


def _values(impl: Callable[..., Value]) -> Builder:
    """A function of its argument values, evaluated left to right."""
    def build(args: list[Compiled], call: Call) -> Fn:
        fns = [a.fn for a in args]
        if len(fns) == 0:
            def f0(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return impl()
            return f0
        if len(fns) == 1:
            a = fns[0]

            def f1(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return impl(a(n, pos, size, ctx))
            return f1
        if len(fns) == 2:
            a, b = fns

            def f2(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return impl(a(n, pos, size, ctx), b(n, pos, size, ctx))
            return f2

        def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return impl(*[f(n, pos, size, ctx) for f in fns])
        return fn
    return build


def _context_default(impl: Callable[[Value], Value]) -> Builder:
    """A one-argument function whose argument defaults to the context node."""
    def build(args: list[Compiled], call: Call) -> Fn:
        if args:
            return _values(impl)(args, call)

        def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return impl([n])
        return fn
    return build


def _with_context(impl: Callable[..., Value]) -> Builder:
    """A function given (node, position, size, ctx, *argument values)."""
    def build(args: list[Compiled], call: Call) -> Fn:
        fns = [a.fn for a in args]

        def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return impl(n, pos, size, ctx, *[f(n, pos, size, ctx) for f in fns])
        return fn
    return build


def _strings(v: Value) -> list[str]:
    """Every node's value for a node-set, else the value as a string (ODK's concat)."""
    if isinstance(v, str | float | int):
        return [to_string(v)]
    return [x.string_value() for x in v]


def _numbers(v: Value) -> list[float]:
    if isinstance(v, str | float | int):
        return [to_number(v)]
    return [str_to_number(x.string_value()) for x in v]


def _local_tz(ctx: Context) -> tzinfo | None:
    return ctx.env.now().tzinfo


def _parse_int(v: Value) -> int | None:
    """JavaScript's parseInt(String(v)) (ODK's substr and selected-at use it)."""
    m = _INT_PREFIX.match(to_string(v))
    return None if m is None else int(m.group(1))


def _math(f: Callable[[float], float]) -> Callable[[Value], Value]:
    def impl(v: Value) -> Value:
        x = to_number(v)
        if x != x:
            return NAN
        try:
            return f(x)
        except ValueError:
            return NAN
        except OverflowError:
            return INF
    return impl


def _log(f: Callable[[float], float]) -> Callable[[float], float]:
    def g(x: float) -> float:
        if x == 0:
            return -INF
        if x == INF:
            return INF
        return f(x)
    return g


def _literal_check(index: int, allowed: Callable[[str], str | None]) -> Check:
    """Check a string-literal argument at compile time; allowed() returns a complaint."""
    def check(args: list[Compiled], call: Call) -> None:
        if index < len(call.args) and isinstance(call.args[index], StringLit):
            problem = allowed(to_string(args[index].value))
            if problem is not None:
                raise XPathError(f"{call.name}(): {problem}", call.offset)
    return check


# ---------------------------------------------------------------- node-set functions


def _count(v: Value) -> Value:
    return float(len(require_nodes(v, "count()")))


def _count_non_empty(v: Value) -> Value:
    return float(sum(1 for x in require_nodes(v, "count-non-empty()") if x.string_value()))


def _last(n: XNode, pos: int, size: int, ctx: Context) -> Value:
    return float(size)


def _position(n: XNode, pos: int, size: int, ctx: Context, *args: Value) -> Value:
    if not args:
        return float(pos)
    nodes = require_nodes(args[0], "position()")
    if not nodes:
        return NAN
    if len(nodes) > 1:
        raise XPathError("position() needs a single node, got several")
    node = nodes[0]
    parent = node.parent
    if parent is None:
        return 1.0
    siblings = parent.children
    index = next((i for i, c in enumerate(siblings) if c is node), 0)
    name = node.name
    k = 1
    while index - k >= 0 and siblings[index - k].name == name:
        k += 1
    return float(k)


def _current(n: XNode, pos: int, size: int, ctx: Context) -> Value:
    return [current_node(ctx)]


def _instance(n: XNode, pos: int, size: int, ctx: Context, v: Value) -> Value:
    doc = ctx.env.instance(to_string(v))
    return [] if doc is None else [doc]


def _name(v: Value) -> Value:
    nodes = require_nodes(v, "name()")
    return nodes[0].name if nodes else ""


def _local_name(v: Value) -> Value:
    nodes = require_nodes(v, "local-name()")
    return nodes[0].name.rpartition(":")[2] if nodes else ""


def _build_indexed_repeat(args: list[Compiled], call: Call) -> Fn:
    # pyxform writes ${name} in these arguments as absolute paths (every instance), while
    # our environment resolves ${name} relative to the current question: widen it back
    widen = [isinstance(a, Ref) for a in call.args]
    target = args[0].fn
    pairs = [(args[i].fn, args[i + 1].fn, widen[i]) for i in range(1, len(args), 2)]

    def nodes_of(f: Fn, wide: bool, n: XNode, pos: int, size: int,
                 ctx: Context) -> NodeSet:
        nodes = require_nodes(f(n, pos, size, ctx), "indexed-repeat()")
        return absolute_equivalents(nodes) if wide and nodes else nodes

    def depth(x: XNode) -> int:
        d = 0
        p = x.parent
        while p is not None:
            d += 1
            p = p.parent
        return d

    def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        chosen: list[tuple[NodeSet, float]] = []
        for repeat_fn, index_fn, wide in pairs:
            index = to_number(index_fn(n, pos, size, ctx))
            if index != index:
                return []
            repeats = nodes_of(repeat_fn, wide, n, pos, size, ctx)
            if not repeats:
                return []
            chosen.append((repeats, index))
        chosen.sort(key=lambda c: depth(c[0][0]))  # outer repeats first
        picked: XNode | None = None
        for repeats, index in chosen:
            if picked is not None:
                repeats = [r for r in repeats if is_inside(r, picked)]
            if not index.is_integer() or not 1 <= index <= len(repeats):
                return []
            picked = repeats[int(index) - 1]
        if picked is None:
            return []
        top = picked
        return [t for t in nodes_of(target, widen[0], n, pos, size, ctx) if is_inside(t, top)]
    return fn


def _build_once(args: list[Compiled], call: Call) -> Fn:
    f = args[0].fn

    def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        existing = n.string_value()
        return existing if existing != "" else to_string(f(n, pos, size, ctx))
    return fn


_register("last", 0, 0, NUMBER, lambda args, call: _last, pure=False)
_register("position", 0, 1, NUMBER, _with_context(_position), pure=False, node_args=(0,))
_register("count", 1, 1, NUMBER, _values(_count), node_args=(0,))
_register("count-non-empty", 1, 1, NUMBER, _values(_count_non_empty), node_args=(0,))
_register("current", 0, 0, NODESET, lambda args, call: _current, pure=False)
_register("instance", 1, 1, NODESET, _with_context(_instance), pure=False)
_register("name", 0, 1, STRING, _context_default(_name), pure=False, node_args=(0,))
_register("local-name", 0, 1, STRING, _context_default(_local_name), pure=False,
          node_args=(0,))
_register("indexed-repeat", 3, 7, NODESET, _build_indexed_repeat, pure=False, step=2,
          node_args=(0, 1, 3, 5), arity_description="3, 5 or 7 arguments")
_register("once", 1, 1, STRING, _build_once, pure=False)


# ---------------------------------------------------------------- string functions


def _concat(*values: Value) -> Value:
    return "".join(s for v in values for s in _strings(v))


def _join(sep: Value, *values: Value) -> Value:
    return to_string(sep).join(s for v in values for s in _strings(v))


def _build_coalesce(args: list[Compiled], call: Call) -> Fn:
    a, b = args[0].fn, args[1].fn

    def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        first = to_string(a(n, pos, size, ctx))
        return first if first != "" else to_string(b(n, pos, size, ctx))
    return fn


def _substring(s: Value, start: Value, length: Value | None = None) -> Value:
    """XPath 1.0: the characters at positions p with round(start) <= p <
    round(start) + round(length), counting from 1. (ODK Web Forms returns '23' for
    substring('12345', 4, -2) by swapping the bounds; the spec, and we, give ''.)"""
    text = to_string(s)
    first = js_round(to_number(start))
    if first != first:
        return ""
    if length is None:
        end = INF
    else:
        end = first + js_round(to_number(length))
        if end != end:
            return ""
    lo = max(first, 1.0)
    hi = min(end, len(text) + 1.0)
    if hi <= lo:
        return ""
    return text[int(lo) - 1:int(hi) - 1]


def _substr(s: Value, start: Value, end: Value | None = None) -> Value:
    """ODK's substr: 0-based start, exclusive end, negative values count from the end."""
    text = to_string(s)
    n = len(text)
    if n == 0:
        return ""
    first = _parse_int(start)
    last = n if end is None else _parse_int(end)
    if first is None or last is None:
        return ""
    if first < 0:
        first += n
    if last < 0:
        last += n
    first = min(max(0, first), n)
    last = min(max(0, last), n)
    return text[first:last] if first <= last else ""


def _substring_before(s: Value, t: Value) -> Value:
    text, sep = to_string(s), to_string(t)
    i = text.find(sep)
    return text[:i] if i >= 0 else ""


def _substring_after(s: Value, t: Value) -> Value:
    # ODK Web Forms 0.22 drops one character too few for a separator longer than one
    # ('abcdef', 'cd' -> 'def'); XPath 1.0 and JavaRosa give 'ef', as do we
    text, sep = to_string(s), to_string(t)
    i = text.find(sep)
    return text[i + len(sep):] if i >= 0 else ""


def _translate(s: Value, a: Value, b: Value) -> Value:
    src, dst = to_string(a), to_string(b)
    table: dict[int, str | None] = {}
    for i, ch in enumerate(src):
        if ord(ch) not in table:
            table[ord(ch)] = dst[i] if i < len(dst) else None
    return to_string(s).translate(table)


def _normalize_space(v: Value) -> Value:
    return _XML_WS_RUN.sub(" ", to_string(v)).strip(_XML_WS)


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as e:
        return f"invalid regular expression {pattern!r}: {e}"
    return None


def _regex(v: Value, p: Value) -> Value:
    pattern = to_string(p)
    try:
        return re.search(pattern, to_string(v)) is not None
    except re.error as e:
        raise XPathError(f"regex(): invalid regular expression {pattern!r}: {e}") from None


def _digest_algorithm_problem(name: str) -> str | None:
    return None if name in _DIGESTS else f"unsupported algorithm {name!r}"


def _digest_encoding_problem(name: str) -> str | None:
    return None if name in _DIGEST_ENCODINGS else f"unsupported encoding {name!r}"


def _digest(v: Value, algorithm: Value, encoding: Value = "base64") -> Value:
    alg, enc = to_string(algorithm), to_string(encoding)
    problem = _digest_algorithm_problem(alg) or _digest_encoding_problem(enc)
    if problem is not None:
        raise XPathError(f"digest(): {problem}")
    raw = hashlib.new(_DIGESTS[alg], to_string(v).encode("utf-8")).digest()
    return raw.hex() if enc == "hex" else base64.b64encode(raw).decode("ascii")


def _check_digest(args: list[Compiled], call: Call) -> None:
    _literal_check(1, _digest_algorithm_problem)(args, call)
    _literal_check(2, _digest_encoding_problem)(args, call)


def _base64_decode(v: Value) -> Value:
    try:
        return base64.b64decode(to_string(v), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _uuid(n: XNode, pos: int, size: int, ctx: Context, *args: Value) -> Value:
    result = ctx.env.new_uuid()
    if not args:
        return result
    length = to_number(args[0])
    if length != length:
        raise XPathError("uuid(): the length is not a number")
    if length > _MAX_UUID_LENGTH:
        raise XPathError(f"uuid(): a length above {_MAX_UUID_LENGTH} is not supported")
    while len(result) < length:
        result += ctx.env.new_uuid()
    return result[:max(0, int(length))]


def _pulldata(n: XNode, pos: int, size: int, ctx: Context, instance_id: Value,
              wanted: Value, key: Value, query: Value) -> Value:
    doc = ctx.env.instance(to_string(instance_id))
    if doc is None:
        return ""
    wanted_name, key_name, q = to_string(wanted), to_string(key), to_string(query)
    for root in doc.children:
        if root.name != "root":
            continue
        for item in root.children:
            if item.name != "item":
                continue
            if any(c.name == key_name and c.string_value() == q for c in item.children):
                for c in item.children:
                    if c.name == wanted_name:
                        return c.string_value()
                return ""
    return ""


_register("string", 0, 1, STRING, _context_default(to_string), pure=False)
_register("concat", 1, None, STRING, _values(_concat))
_register("join", 1, None, STRING, _values(_join))
_register("coalesce", 2, 2, STRING, _build_coalesce)
_register("substring", 2, 3, STRING, _values(_substring))
_register("substr", 2, 3, STRING, _values(_substr))
_register("substring-before", 2, 2, STRING, _values(_substring_before))
_register("substring-after", 2, 2, STRING, _values(_substring_after))
_register("string-length", 0, 1, NUMBER,
          _context_default(lambda v: float(len(to_string(v)))), pure=False)
_register("normalize-space", 0, 1, STRING, _context_default(_normalize_space), pure=False)
_register("translate", 3, 3, STRING, _values(_translate))
_register("contains", 2, 2, BOOLEAN, _values(lambda a, b: to_string(b) in to_string(a)))
_register("starts-with", 2, 2, BOOLEAN,
          _values(lambda a, b: to_string(a).startswith(to_string(b))))
_register("ends-with", 2, 2, BOOLEAN,
          _values(lambda a, b: to_string(a).endswith(to_string(b))))
_register("regex", 2, 2, BOOLEAN, _values(_regex), check=_literal_check(1, _regex_problem))
_register("digest", 2, 3, STRING, _values(_digest), check=_check_digest)
_register("base64-decode", 1, 1, STRING, _values(_base64_decode))
_register("uuid", 0, 1, STRING, _with_context(_uuid), pure=False)
_register("pulldata", 4, 4, STRING, _with_context(_pulldata), pure=False)


# ---------------------------------------------------------------- boolean functions


def _build_if(args: list[Compiled], call: Call) -> Fn:
    c, a, b = args[0].fn, args[1].fn, args[2].fn

    def fn(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        return a(n, pos, size, ctx) if to_boolean(c(n, pos, size, ctx)) else b(n, pos, size, ctx)
    return fn


def _checklist_counts(v: Value) -> list[bool]:
    if isinstance(v, str | float | int):
        return [to_boolean(v)]
    return [x.string_value().strip(_XML_WS) != "" for x in v]


def _limits(lo: Value, hi: Value) -> tuple[float, float] | None:
    """min and max of (weighted-)checklist; None: always satisfied."""
    low, high = to_number(lo), to_number(hi)
    if high == -1:
        if low < 1:
            return None
        high = INF
    return low, high


def _checklist(lo: Value, hi: Value, *values: Value) -> Value:
    limits = _limits(lo, hi)
    if limits is None:
        return True
    low, high = limits
    satisfied = 0
    for v in values:
        for b in _checklist_counts(v):
            if b:
                satisfied += 1
                if satisfied > high:
                    return False
    return satisfied >= low


def _weighted_checklist(lo: Value, hi: Value, *values: Value) -> Value:
    limits = _limits(lo, hi)
    if limits is None:
        return True
    low, high = limits
    satisfied = 0.0
    for i in range(0, len(values), 2):
        results = _checklist_counts(values[i])
        weights = _numbers(values[i + 1])
        for j in range(max(len(results), len(weights))):
            if j >= len(weights):
                break
            if j >= len(results):
                return False
            if results[j]:
                satisfied += weights[j]
                if satisfied > high:
                    return False
    return satisfied >= low


def _selected(lst: Value, v: Value) -> Value:
    # a blank list holds one blank value, so selected(${q}, '') is true while q is blank
    # (ODK Web Forms and JavaRosa agree; forms use it to ask "why no answer?")
    return to_string(v).strip(_XML_WS) in (to_string(lst).split() or [""])


def _selected_at(lst: Value, i: Value) -> Value:
    """The i-th (from 0) value of a space-separated list; '' when there is none. The index
    is read as JavaScript's parseInt reads it (1.7 -> 1), as in ODK Web Forms."""
    items = to_string(lst).split()
    k = _parse_int(i)
    return items[k] if k is not None and 0 <= k < len(items) else ""


_register("if", 3, 3, ANY, _build_if)
_register("boolean", 1, 1, BOOLEAN, _values(to_boolean))
_register("not", 1, 1, BOOLEAN, _values(lambda v: not to_boolean(v)))
_register("true", 0, 0, BOOLEAN, _values(lambda: True))
_register("false", 0, 0, BOOLEAN, _values(lambda: False))
_register("boolean-from-string", 1, 1, BOOLEAN,
          _values(lambda v: to_string(v) in ("true", "1")))
_register("checklist", 2, None, BOOLEAN, _values(_checklist))
_register("weighted-checklist", 2, None, BOOLEAN, _values(_weighted_checklist), step=2,
          arity_description="min, max and then value, weight pairs")
_register("selected", 2, 2, BOOLEAN, _values(_selected))
_register("selected-at", 2, 2, STRING, _values(_selected_at))
_register("count-selected", 1, 1, NUMBER, _values(lambda v: float(len(to_string(v).split()))))


def _choice_name(n: XNode, pos: int, size: int, ctx: Context, value: Value,
                 ref: Value) -> Value:
    return ctx.env.choice_label(to_string(ref), to_string(value), current_node(ctx))


_register("jr:choice-name", 2, 2, STRING, _with_context(_choice_name), pure=False)


def _itext(n: XNode, pos: int, size: int, ctx: Context, v: Value) -> Value:
    """jr:itext(id): the text of a translation id in the current language. Environment
    has no such method; an environment that has one (`itext(itext_id, current) -> str`)
    is asked, otherwise the answer is ''."""
    lookup = getattr(ctx.env, "itext", None)
    if lookup is None:
        return ""
    return str(lookup(to_string(v), current_node(ctx)))


_register("jr:itext", 1, 1, STRING, _with_context(_itext), pure=False)


# ---------------------------------------------------------------- number functions


def _sum(*values: Value) -> Value:
    # ODK Web Forms: the sum of nothing is NaN (XPath 1.0 says 0), and so is any sum
    # with a blank or non-numeric value
    total: float | None = None
    for v in values:
        for x in _numbers(v):
            if x != x:
                return NAN
            total = x if total is None else total + x
    return NAN if total is None else total


def _extreme(pick: Callable[[list[float]], float]) -> Callable[..., Value]:
    def impl(*values: Value) -> Value:
        numbers: list[float] = []
        for v in values:
            for x in _numbers(v):
                if x != x:
                    return NAN
                numbers.append(x)
        return pick(numbers) if numbers else NAN
    return impl


def _round(v: Value, digits: Value | None = None) -> Value:
    """ODK's round: halves away from zero, on the value scaled by 10**digits
    (round(2.45, 1) = 2.5 and round(-2.5) = -3 in ODK Web Forms 0.22)."""
    x = to_number(v)
    if x != x:
        return NAN
    d = 0.0 if digits is None else to_number(digits)
    if d != d:
        return NAN
    sign = -1.0 if x < 0 else 1.0
    scale = js_pow(10.0, d)
    return divide(js_round(abs(x) * scale), scale) * sign


def _int(v: Value) -> Value:
    x = to_number(v)
    if x != x or x in (INF, -INF):
        return x
    return float(math.floor(x) if x > 0 else math.ceil(x))


def _floor_or_ceiling(f: Callable[[float], int]) -> Callable[[Value], Value]:
    def impl(v: Value) -> Value:
        x = to_number(v)
        if x != x or x in (INF, -INF):
            return x
        r = float(f(x))
        return -0.0 if r == 0 and x < 0 else r
    return impl


def _number(v: Value) -> Value:
    return to_number(v)


def _pow(a: Value, b: Value) -> Value:
    return js_pow(to_number(a), to_number(b))


def _atan2(a: Value, b: Value) -> Value:
    y, x = to_number(a), to_number(b)
    if y != y or x != x:
        return NAN
    return math.atan2(y, x)


def _random(n: XNode, pos: int, size: int, ctx: Context) -> Value:
    return float(ctx.env.random())


_register("number", 0, 1, NUMBER, _context_default(_number), pure=False)
_register("sum", 1, None, NUMBER, _values(_sum))
_register("min", 1, None, NUMBER, _values(_extreme(min)))
_register("max", 1, None, NUMBER, _values(_extreme(max)))
_register("round", 1, 2, NUMBER, _values(_round))
_register("int", 1, 1, NUMBER, _values(_int))
_register("floor", 1, 1, NUMBER, _values(_floor_or_ceiling(math.floor)))
_register("ceiling", 1, 1, NUMBER, _values(_floor_or_ceiling(math.ceil)))
_register("abs", 1, 1, NUMBER, _values(_math(math.fabs)))
_register("pow", 2, 2, NUMBER, _values(_pow))
_register("log", 1, 1, NUMBER, _values(_math(_log(math.log))))
_register("log10", 1, 1, NUMBER, _values(_math(_log(math.log10))))
_register("sqrt", 1, 1, NUMBER, _values(_math(math.sqrt)))
_register("exp", 1, 1, NUMBER, _values(_math(math.exp)))
_register("exp10", 1, 1, NUMBER, _values(lambda v: js_pow(10.0, to_number(v))))
for _name_, _f_ in (("sin", math.sin), ("cos", math.cos), ("tan", math.tan),
                    ("asin", math.asin), ("acos", math.acos), ("atan", math.atan)):
    _register(_name_, 1, 1, NUMBER, _values(_math(_f_)))
_register("atan2", 2, 2, NUMBER, _values(_atan2))
_register("pi", 0, 0, NUMBER, _values(lambda: math.pi))
_register("random", 0, 0, NUMBER, lambda args, call: _random, pure=False)


# ---------------------------------------------------------------- dates and times


def _today(n: XNode, pos: int, size: int, ctx: Context) -> Value:
    return ctx.env.now().date().isoformat()


def _now(n: XNode, pos: int, size: int, ctx: Context) -> Value:
    return ctx.env.now().isoformat(timespec="milliseconds")


def _local_moment(moment: datetime, ctx: Context) -> str:
    """A dateTime as ODK Web Forms prints one: in the local time zone, with milliseconds,
    and just the date when it falls on local midnight."""
    tz = _local_tz(ctx)
    if tz is not None:
        try:
            moment = moment.replace(tzinfo=tz) if moment.tzinfo is None \
                else moment.astimezone(tz)
        except (OverflowError, ValueError):  # beyond year 1..9999 once moved
            return ""
    if moment.hour == moment.minute == moment.second == moment.microsecond == 0:
        return moment.date().isoformat()
    return moment.isoformat(timespec="milliseconds")


def _date(n: XNode, pos: int, size: int, ctx: Context, v: Value) -> Value:
    """date(x) and date-time(x), as ODK Web Forms gives them: a whole number of days or a
    date string gives 'YYYY-MM-DD' (`2024-1-5` is padded); a fractional number of days or
    a dateTime string gives that moment in the local time zone
    ('2024-01-01T16:48:00.000+00:00'); '' when there is no such date (ODK: 'Invalid Date')."""
    if isinstance(v, bool):
        return ""
    if isinstance(v, float | int):
        days = float(v)
    else:
        s = to_string(v)
        if s == "":
            return ""
        parsed = parse_date_string(s)
        if parsed is None:
            m = _UNPADDED_DATE.match(s)
            if m is not None:
                year, month, day, rest = m.groups()
                parsed = parse_date_string(f"{year}-{month.zfill(2)}-{day.zfill(2)}{rest or ''}")
                if parsed is None:
                    return ""
        if parsed is not None:
            if isinstance(parsed, datetime):
                return _local_moment(parsed, ctx)
            return parsed.isoformat()
        days = str_to_number(s)  # a number of days written as text
    if days != days or days in (INF, -INF):
        return ""
    if days.is_integer():
        d = days_to_date(days)
        return "" if d is None else d.isoformat()
    try:
        moment = _EPOCH + timedelta(milliseconds=js_round(days * _DAY_MS))
    except OverflowError:
        return ""
    return _local_moment(moment, ctx)


def _decimal_time(n: XNode, pos: int, size: int, ctx: Context, v: Value) -> Value:
    """The fraction of the local day a time (`HH:MM[:SS[.sss]][Z|+HH:MM]`) stands for."""
    m = _TIME.match(to_string(v))
    if m is None:
        return NAN
    hh, mm, ss, fraction, offset = m.groups()
    hour, minute, second = int(hh), int(mm), int(ss or 0)
    if hour > 23 or minute > 59 or second > 59:
        return NAN
    ms = ((hour * 60 + minute) * 60 + second) * 1000
    if fraction:
        ms += int((fraction[1:] + "000")[:3])
    if offset:
        given = 0 if offset == "Z" else (int(offset[1:3]) * 60 + int(offset[4:6])) * (
            -1 if offset[0] == "-" else 1)
        local = ctx.env.now().utcoffset()
        local_minutes = 0 if local is None else int(local.total_seconds()) // 60
        ms = (ms + (local_minutes - given) * 60_000) % _DAY_MS
    return ms / _DAY_MS


def _format(value: date | datetime, fmt: str) -> str:
    if isinstance(value, datetime):
        hour, minute, second = value.hour, value.minute, value.second
        milli = value.microsecond // 1000
    else:
        hour = minute = second = milli = 0
    fields = {
        "Y": f"{value.year:04d}",
        "y": f"{value.year:04d}"[2:],
        "m": f"{value.month:02d}",
        "n": str(value.month),
        "b": _MONTHS[value.month - 1],
        "d": f"{value.day:02d}",
        "e": str(value.day),
        # ODK Web Forms 0.22 prints '' for Sunday (an off-by-one); JavaRosa prints 'Sun'
        "a": _WEEKDAYS[value.weekday()],
        "H": f"{hour:02d}",
        "h": str(hour),
        "M": f"{minute:02d}",
        "S": f"{second:02d}",
        "3": f"{milli:03d}",
    }
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt) and fmt[i + 1] in fields:
            out.append(fields[fmt[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _format_date(n: XNode, pos: int, size: int, ctx: Context, v: Value, f: Value) -> Value:
    """format-date(value, format) and format-date-time(value, format): value is a date or
    dateTime string (a dateTime with an offset is shown in the local time zone); anything
    else (a number included, as in ODK Web Forms) gives ''."""
    parsed = parse_date_string(to_string(v))
    if parsed is None:
        return ""
    if isinstance(parsed, datetime) and parsed.tzinfo is not None:
        tz = _local_tz(ctx)
        if tz is not None:
            try:
                parsed = parsed.astimezone(tz)
            except (OverflowError, ValueError):  # beyond year 1..9999 once moved
                return ""
    return _format(parsed, to_string(f))


_register("today", 0, 0, STRING, lambda args, call: _today, pure=False)
_register("now", 0, 0, STRING, lambda args, call: _now, pure=False)
_register("date", 1, 1, STRING, _with_context(_date), pure=False)
_register("date-time", 1, 1, STRING, _with_context(_date), pure=False)  # Enketo's alias
_register("decimal-date-time", 1, 1, NUMBER, _values(_number))
_register("decimal-time", 1, 1, NUMBER, _with_context(_decimal_time), pure=False)
_register("format-date", 2, 2, STRING, _with_context(_format_date), pure=False)
_register("format-date-time", 2, 2, STRING, _with_context(_format_date), pure=False)

__all__ = ["FUNCTIONS", "VOLATILE", "FunctionSpec", "check_call"]
