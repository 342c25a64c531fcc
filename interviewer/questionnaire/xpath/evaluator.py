"""Turns the expression tree into nested closures, once per expression.

Each closure takes (context node, context position, context size, outer Context); the
outer Context carries the environment and current(). Constant subexpressions are computed
at compile time. Location paths are a list of step functions over node lists; node-sets
are only sorted into document order where an axis can disturb it (parent, ancestor,
descendant, sibling axes and unions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from interviewer.questionnaire.xpath import functions
from interviewer.questionnaire.xpath.ast import (
    BinaryOp,
    Call,
    Filter,
    Fn,
    Negate,
    NumberLit,
    Path,
    Ref,
    Step,
    StringLit,
    Union,
)
from interviewer.questionnaire.xpath.ast import Node as AstNode
from interviewer.questionnaire.xpath.errors import XPathError
from interviewer.questionnaire.xpath.nodes import Context, XNode
from interviewer.questionnaire.xpath.runtime import (
    ANY,
    BOOLEAN,
    NODESET,
    NUMBER,
    STRING,
    Compiled,
    constant,
    document_order,
    fold,
    require_nodes,
)
from interviewer.questionnaire.xpath.values import (
    RELATIONAL,
    Value,
    divide,
    equals,
    modulo,
    relate,
    to_boolean,
    to_number,
)

# A step: (input nodes in document order, outer context) -> output nodes.
StepFn = Callable[[Sequence[XNode], Context], Sequence[XNode]]
NodeTest = Callable[[XNode], bool]

_SELF = Step("self", "node()")
_REVERSE_AXES = frozenset({"parent", "ancestor", "ancestor-or-self", "preceding-sibling"})
# axes after which children of several nodes may come out of document order
_DISORDERING_AXES = frozenset({
    "descendant", "descendant-or-self", "parent", "ancestor", "ancestor-or-self",
    "following-sibling", "preceding-sibling",
})


def compile_node(node: AstNode) -> Compiled:
    if isinstance(node, NumberLit):
        return constant(node.value, NUMBER)
    if isinstance(node, StringLit):
        return constant(node.value, STRING)
    if isinstance(node, Ref):
        return _compile_ref(node)
    if isinstance(node, Path):
        return _compile_path(node)
    if isinstance(node, BinaryOp):
        return _compile_binary(node)
    if isinstance(node, Call):
        return _compile_call(node)
    if isinstance(node, Negate):
        return _compile_negate(node)
    if isinstance(node, Union):
        return _compile_union(node)
    return _compile_filter(node)


# ---------------------------------------------------------------- references and calls


def _compile_ref(node: Ref) -> Compiled:
    name = node.name

    def ref(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        cur = ctx.current
        return ctx.env.resolve_ref(name, cur if cur is not None else ctx.node)

    return Compiled(ref, NODESET)


def _compile_call(node: Call) -> Compiled:
    spec = functions.FUNCTIONS[node.name]
    args = [compile_node(a) for a in node.args]
    for i, arg in enumerate(args):
        if spec.needs_nodes(i) and arg.type not in (NODESET, ANY):
            raise XPathError(
                f"argument {i + 1} of {node.name}() must be a node-set (a path or ${{name}}),"
                f" not a {arg.type}", node.offset)
    if spec.check is not None:
        spec.check(args, node)
    fn = spec.build(args, node)
    returns = spec.returns
    if node.name == "if" and args[1].type == args[2].type:
        returns = args[1].type
    if spec.pure and all(a.constant for a in args):
        return fold(fn, returns)
    return Compiled(fn, returns)


# ---------------------------------------------------------------- operators


def _compile_negate(node: Negate) -> Compiled:
    inner = compile_node(node.operand)
    f = inner.fn
    if node.count % 2:
        def neg(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return -to_number(f(n, pos, size, ctx))
        fn: Fn = neg
    else:
        def num(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return to_number(f(n, pos, size, ctx))
        fn = num
    return fold(fn, NUMBER) if inner.constant else Compiled(fn, NUMBER)


def _compile_binary(node: BinaryOp) -> Compiled:
    operands = [compile_node(o) for o in node.operands]
    op0 = node.operators[0]
    if op0 in ("or", "and"):
        compiled = _logical(op0 == "or", [o.fn for o in operands])
        type_ = BOOLEAN
    elif op0 in ("=", "!=", "<", "<=", ">", ">="):
        compiled = _comparison(node.operators, operands)
        type_ = BOOLEAN
    else:
        compiled = _arithmetic(node.operators, operands)
        type_ = NUMBER
    if all(o.constant for o in operands):
        return fold(compiled, type_)
    return Compiled(compiled, type_)


def _logical(is_or: bool, fns: list[Fn]) -> Fn:
    if len(fns) == 2:
        a, b = fns
        if is_or:
            def or2(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return to_boolean(a(n, pos, size, ctx)) or to_boolean(b(n, pos, size, ctx))
            return or2

        def and2(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return to_boolean(a(n, pos, size, ctx)) and to_boolean(b(n, pos, size, ctx))
        return and2
    if is_or:
        def or_n(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return any(to_boolean(f(n, pos, size, ctx)) for f in fns)
        return or_n

    def and_n(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        return all(to_boolean(f(n, pos, size, ctx)) for f in fns)
    return and_n


def _compare2(op: str, a: Compiled, b: Compiled) -> Fn:
    fa, fb = a.fn, b.fn
    if op in ("=", "!="):
        negate = op == "!="
        if b.constant:
            kb = b.value

            def eq_const(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return equals(fa(n, pos, size, ctx), kb, negate)
            return eq_const

        def eq(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return equals(fa(n, pos, size, ctx), fb(n, pos, size, ctx), negate)
        return eq
    rel = RELATIONAL[op]
    if b.constant:
        kb = b.value

        def rel_const(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return relate(rel, fa(n, pos, size, ctx), kb)
        return rel_const

    def rel2(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        return relate(rel, fa(n, pos, size, ctx), fb(n, pos, size, ctx))
    return rel2


def _comparison(operators: tuple[str, ...], operands: list[Compiled]) -> Fn:
    if len(operands) == 2:
        return _compare2(operators[0], operands[0], operands[1])
    first = operands[0].fn
    rest = [(op, o.fn) for op, o in zip(operators, operands[1:], strict=True)]

    def chain(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        v: Value = first(n, pos, size, ctx)
        for op, f in rest:
            w = f(n, pos, size, ctx)
            if op == "=" or op == "!=":
                v = equals(v, w, op == "!=")
            else:
                v = relate(RELATIONAL[op], v, w)
        return v
    return chain


def _apply(op: str, x: float, y: float) -> float:
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        return divide(x, y)
    return modulo(x, y)


def _arithmetic(operators: tuple[str, ...], operands: list[Compiled]) -> Fn:
    if len(operands) == 2:
        op = operators[0]
        a, b = operands[0].fn, operands[1].fn
        if op == "+":
            def add(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return to_number(a(n, pos, size, ctx)) + to_number(b(n, pos, size, ctx))
            return add
        if op == "-":
            def sub(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return to_number(a(n, pos, size, ctx)) - to_number(b(n, pos, size, ctx))
            return sub
        if op == "*":
            def mul(n: XNode, pos: int, size: int, ctx: Context) -> Value:
                return to_number(a(n, pos, size, ctx)) * to_number(b(n, pos, size, ctx))
            return mul
        binary = divide if op == "div" else modulo

        def div_mod(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return binary(to_number(a(n, pos, size, ctx)), to_number(b(n, pos, size, ctx)))
        return div_mod
    first = operands[0].fn
    rest = [(op, o.fn) for op, o in zip(operators, operands[1:], strict=True)]

    def chain(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        x = to_number(first(n, pos, size, ctx))
        for op, f in rest:
            x = _apply(op, x, to_number(f(n, pos, size, ctx)))
        return x
    return chain


# ---------------------------------------------------------------- node-sets


def _compile_union(node: Union) -> Compiled:
    parts = [compile_node(o) for o in node.operands]
    for p in parts:
        if p.type not in (NODESET, ANY):
            raise XPathError(f"'|' joins node-sets, not a {p.type}")
    fns = [p.fn for p in parts]

    def union(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        out: list[XNode] = []
        filled = 0
        for f in fns:
            nodes = require_nodes(f(n, pos, size, ctx), "'|'")
            if nodes:
                filled += 1
                out.extend(nodes)
        return document_order(out) if filled > 1 else out

    return Compiled(union, NODESET)


def _compile_predicates(predicates: tuple[AstNode, ...]) -> list[Compiled]:
    return [compile_node(p) for p in predicates]


def _filter_nodes(nodes: Sequence[XNode], predicates: list[Compiled],
                  ctx: Context) -> Sequence[XNode]:
    for pred in predicates:
        size = len(nodes)
        if pred.constant:
            v = pred.value
            if isinstance(v, float):
                k = int(v) if v.is_integer() else 0
                nodes = [nodes[k - 1]] if 1 <= k <= size else []
            elif not to_boolean(v):
                nodes = []
            continue
        f = pred.fn
        out: list[XNode] = []
        pos = 0
        for c in nodes:
            pos += 1
            v = f(c, pos, size, ctx)
            if v == pos if isinstance(v, float) else to_boolean(v):
                out.append(c)
        nodes = out
        if not nodes:
            break
    return nodes


def _compile_filter(node: Filter) -> Compiled:
    base = compile_node(node.base)
    if base.type not in (NODESET, ANY):
        raise XPathError(f"a predicate [..] filters a node-set, not a {base.type}")
    predicates = _compile_predicates(node.predicates)
    f = base.fn

    def filtered(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        return _filter_nodes(require_nodes(f(n, pos, size, ctx), "a predicate [..]"),
                             predicates, ctx)

    return Compiled(filtered, NODESET)


def _node_test(test: str) -> NodeTest | None:
    """None means every node passes."""
    if test == "node()":
        return None
    if test == "*":
        return lambda x: x.name != ""
    if test.endswith(":*"):
        prefix = test[:-1]
        return lambda x: x.name.startswith(prefix)
    return lambda x: x.name == test


def _axis_nodes(axis: str) -> Callable[[XNode], list[XNode]]:
    """The nodes on an axis from one node, in axis order (reverse axes nearest first)."""
    if axis == "child":
        return lambda x: list(x.children)
    if axis == "self":
        return lambda x: [x]
    if axis == "parent":
        def parent(x: XNode) -> list[XNode]:
            p = x.parent
            return [] if p is None else [p]
        return parent
    if axis in ("ancestor", "ancestor-or-self"):
        include_self = axis == "ancestor-or-self"

        def ancestors(x: XNode) -> list[XNode]:
            out = [x] if include_self else []
            p = x.parent
            while p is not None:
                out.append(p)
                p = p.parent
            return out
        return ancestors
    if axis in ("descendant", "descendant-or-self"):
        include_self = axis == "descendant-or-self"

        def descendants(x: XNode) -> list[XNode]:
            out = [x] if include_self else []
            stack = list(reversed(x.children))
            while stack:
                c = stack.pop()
                out.append(c)
                stack.extend(reversed(c.children))
            return out
        return descendants
    following = axis == "following-sibling"

    def siblings(x: XNode) -> list[XNode]:
        p = x.parent
        if p is None:
            return []
        kids = list(p.children)
        i = next((i for i, c in enumerate(kids) if c is x), -1)
        if i < 0:
            return []
        return kids[i + 1:] if following else kids[:i][::-1]
    return siblings


def _compile_step(step: Step, sort: bool) -> StepFn:
    predicates = _compile_predicates(step.predicates)
    test = _node_test(step.test)
    reverse = step.axis in _REVERSE_AXES
    if step.axis == "child" and not predicates and test is not None and not sort:
        if step.test != "*" and not step.test.endswith(":*"):
            name = step.test

            def child_named(nodes: Sequence[XNode], ctx: Context) -> Sequence[XNode]:
                if len(nodes) == 1:
                    return [c for c in nodes[0].children if c.name == name]
                return [c for x in nodes for c in x.children if c.name == name]
            return child_named
    if step.axis == "parent" and not predicates and test is None:
        def parent_step(nodes: Sequence[XNode], ctx: Context) -> Sequence[XNode]:
            if len(nodes) == 1:
                p = nodes[0].parent
                return [] if p is None else [p]
            parents = [p for x in nodes if (p := x.parent) is not None]
            return document_order(parents)
        return parent_step
    axis = _axis_nodes(step.axis)

    def general(nodes: Sequence[XNode], ctx: Context) -> Sequence[XNode]:
        out: list[XNode] = []
        for x in nodes:
            found = axis(x)
            if test is not None:
                found = [c for c in found if test(c)]
            chosen: Sequence[XNode] = found
            if predicates and found:
                chosen = _filter_nodes(found, predicates, ctx)
            out.extend(reversed(chosen) if reverse else chosen)
        if sort and len(nodes) > 1:
            return document_order(out)
        return out
    return general


def _compile_path(node: Path) -> Compiled:
    base = compile_node(node.base) if node.base is not None else None
    if base is not None and base.type not in (NODESET, ANY):
        raise XPathError(f"a path step '/' needs a node-set on its left, not a {base.type}")
    # `.` steps without predicates change nothing
    steps = [s for s in node.steps if s != _SELF]
    disordered = isinstance(node.base, Union | Filter) or (
        isinstance(node.base, Call) and node.base.name not in ("current", "instance"))
    step_fns: list[StepFn] = []
    for step in steps:
        sort = disordered or step.axis in _DISORDERING_AXES
        step_fns.append(_compile_step(step, sort))
        if step.axis in _DISORDERING_AXES:
            disordered = True

    if base is not None:
        bf = base.fn

        def start(n: XNode, pos: int, size: int, ctx: Context) -> Sequence[XNode]:
            return require_nodes(bf(n, pos, size, ctx), "a path step '/'")
    elif node.absolute:
        def start(n: XNode, pos: int, size: int, ctx: Context) -> Sequence[XNode]:
            return [ctx.env.root()]
    else:
        def start(n: XNode, pos: int, size: int, ctx: Context) -> Sequence[XNode]:
            return [n]

    if not step_fns:
        def path0(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            return start(n, pos, size, ctx)
        return Compiled(path0, NODESET)
    if len(step_fns) == 1:
        only = step_fns[0]

        def path1(n: XNode, pos: int, size: int, ctx: Context) -> Value:
            nodes = start(n, pos, size, ctx)
            return only(nodes, ctx) if nodes else nodes
        return Compiled(path1, NODESET)

    def path(n: XNode, pos: int, size: int, ctx: Context) -> Value:
        nodes = start(n, pos, size, ctx)
        for s in step_fns:
            if not nodes:
                break
            nodes = s(nodes, ctx)
        return nodes

    return Compiled(path, NODESET)


