"""XPath 1.0 as ODK (XForms) uses it: parse once, evaluate many times.

    expr = compile_expr("${age} >= 18 and selected(${consent}, 'yes')")
    references(expr)      # frozenset({'age', 'consent'})
    evaluate(expr, Context(node=question_node, env=engine))

Pure Python; no eval. See values.py for the coercions (ODK's date rule, JavaScript number
formatting) and functions.py for the function library.
"""

from __future__ import annotations

import re
from functools import lru_cache

from interviewer.questionnaire.xpath.ast import (
    BinaryOp,
    Call,
    Expr,
    Filter,
    Negate,
    Path,
    Ref,
    StringLit,
    Union,
)
from interviewer.questionnaire.xpath.ast import Node as AstNode
from interviewer.questionnaire.xpath.errors import XPathError, XPathSyntaxError
from interviewer.questionnaire.xpath.evaluator import compile_node
from interviewer.questionnaire.xpath.functions import FUNCTIONS, VOLATILE, check_call
from interviewer.questionnaire.xpath.nodes import Context, Environment, XNode
from interviewer.questionnaire.xpath.parser import parse
from interviewer.questionnaire.xpath.values import (
    NodeSet,
    Value,
    format_number,
    to_boolean,
    to_number,
    to_string,
)

_REF_IN_STRING = re.compile(r"\$\{([\w.\-]+)\}")


def _walk(root: AstNode) -> list[AstNode]:
    """Every node of the tree (iteratively: trees can be wide)."""
    out: list[AstNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, BinaryOp | Union):
            stack.extend(node.operands)
        elif isinstance(node, Call):
            stack.extend(node.args)
        elif isinstance(node, Negate):
            stack.append(node.operand)
        elif isinstance(node, Filter):
            stack.append(node.base)
            stack.extend(node.predicates)
        elif isinstance(node, Path):
            if node.base is not None:
                stack.append(node.base)
            for step in node.steps:
                stack.extend(step.predicates)
    return out


def _analyse(root: AstNode) -> tuple[frozenset[str], bool]:
    refs: set[str] = set()
    volatile = False
    for node in _walk(root):
        if isinstance(node, Ref):
            refs.add(node.name)
        elif isinstance(node, Path):
            for step in reversed(node.steps):
                if step.test not in ("node()", "*") and not step.test.endswith(":*"):
                    refs.add(step.test)
                    break
                if step.axis not in ("self", "descendant-or-self"):
                    break
        elif isinstance(node, Call):
            if node.name in VOLATILE:
                volatile = True
            if node.name == "jr:choice-name" and isinstance(node.args[1], StringLit):
                refs.update(_REF_IN_STRING.findall(node.args[1].value))
    return frozenset(refs), volatile


@lru_cache(maxsize=16384)
def compile_expr(text: str) -> Expr:
    """Parse and check an expression once; raises XPathSyntaxError or XPathError."""
    try:
        root = parse(text, check_call)
        compiled = compile_node(root)
    except RecursionError:
        raise XPathSyntaxError("expression nested too deeply", 0, text) from None
    refs, volatile = _analyse(root)
    return Expr(text, root, refs, volatile, compiled.fn)


def references(expr: Expr) -> frozenset[str]:
    """Every ${name} used, plus the last named step of every location path
    ('/data/g/age' -> 'age', '../x' -> 'x'): what the expression's value depends on."""
    return expr.refs


def uses_volatile(expr: Expr) -> bool:
    """now(), today(), random() or uuid() appear: the value changes without any answer
    changing."""
    return expr.volatile


def evaluate(expr: Expr, ctx: Context) -> Value:
    """The value of expr in ctx: a str, float, bool or node-set (a list of XNode)."""
    return expr.fn(ctx.node, ctx.position, ctx.size, ctx)


def function_names() -> frozenset[str]:
    """The functions compile_expr accepts."""
    return frozenset(FUNCTIONS)


__all__ = [
    "Context",
    "Environment",
    "Expr",
    "NodeSet",
    "Value",
    "XNode",
    "XPathError",
    "XPathSyntaxError",
    "compile_expr",
    "evaluate",
    "format_number",
    "function_names",
    "references",
    "to_boolean",
    "to_number",
    "to_string",
    "uses_volatile",
]
