"""A recursive-descent parser for XPath 1.0 expressions (section 3 of the spec).

    Expr           ::= OrExpr
    OrExpr         ::= AndExpr ('or' AndExpr)*
    AndExpr        ::= EqualityExpr ('and' EqualityExpr)*
    EqualityExpr   ::= RelationalExpr (('=' | '!=') RelationalExpr)*
    RelationalExpr ::= AdditiveExpr (('<' | '>' | '<=' | '>=') AdditiveExpr)*
    AdditiveExpr   ::= MultiplicativeExpr (('+' | '-') MultiplicativeExpr)*
    MultiplicativeExpr ::= UnaryExpr (('*' | 'div' | 'mod') UnaryExpr)*
    UnaryExpr      ::= UnionExpr | '-' UnaryExpr
    UnionExpr      ::= PathExpr ('|' PathExpr)*
    PathExpr       ::= LocationPath | FilterExpr (('/' | '//') RelativeLocationPath)?
    FilterExpr     ::= PrimaryExpr Predicate*
    PrimaryExpr    ::= '(' Expr ')' | Literal | Number | FunctionCall | '${' name '}'

Binary levels are parsed by precedence climbing into flat BinaryOp chains. Functions are
checked (name and number of arguments) as they are parsed.
"""

from __future__ import annotations

from collections.abc import Callable

from interviewer.questionnaire.xpath import lexer as lx
from interviewer.questionnaire.xpath.ast import (
    BinaryOp,
    Call,
    Filter,
    Negate,
    NumberLit,
    Path,
    Ref,
    Step,
    StringLit,
    Union,
)
from interviewer.questionnaire.xpath.ast import Node as AstNode
from interviewer.questionnaire.xpath.errors import XPathError, XPathSyntaxError
from interviewer.questionnaire.xpath.lexer import Token

MAX_DEPTH = 100

PRECEDENCE = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}

SUPPORTED_AXES = frozenset({
    "child", "descendant", "descendant-or-self", "parent", "ancestor", "ancestor-or-self",
    "self", "following-sibling", "preceding-sibling",
})
UNSUPPORTED_AXES = frozenset({"attribute", "namespace", "following", "preceding"})
_STEP_START_PUNCT = frozenset({".", "..", "@"})

# (name, argument count, offset) -> None; raises XPathError for an unknown name or a wrong
# number of arguments. Provided by the function library, so the parser stays independent.
FunctionCheck = Callable[[str, int, int], None]


class Parser:
    def __init__(self, text: str, check_function: FunctionCheck) -> None:
        self.text = text
        self.tokens = lx.tokenize(text)
        self.pos = 0
        self.depth = 0
        self.check_function = check_function

    # -- helpers --
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != lx.EOF:
            self.pos += 1
        return tok

    def error(self, tok: Token, expected: str) -> XPathSyntaxError:
        return XPathSyntaxError(
            f"unexpected {tok.describe()} at character {tok.offset}: expected {expected}",
            tok.offset, self.text)

    def is_punct(self, tok: Token, value: str) -> bool:
        return tok.kind == lx.PUNCT and tok.value == value

    def expect_punct(self, value: str, expected: str) -> Token:
        tok = self.peek()
        if not self.is_punct(tok, value):
            raise self.error(tok, expected)
        return self.advance()

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise XPathSyntaxError(
                f"expression nested too deeply at character {tok.offset} "
                f"(more than {MAX_DEPTH} levels)", tok.offset, self.text)

    # -- entry point --
    def parse(self) -> AstNode:
        if self.peek().kind == lx.EOF:
            raise XPathSyntaxError(
                "empty expression at character 0: expected a value", 0, self.text)
        node = self.parse_expr()
        tok = self.peek()
        if tok.kind != lx.EOF:
            raise self.error(tok, "an operator or the end of the expression")
        return node

    # -- binary operators: precedence climbing into flat chains --
    def parse_expr(self, min_prec: int = 1) -> AstNode:
        left = self.parse_unary()
        while True:
            tok = self.peek()
            if tok.kind != lx.OPERATOR:
                return left
            prec = PRECEDENCE.get(tok.value)
            if prec is None or prec < min_prec:
                return left
            self.advance()
            right = self.parse_expr(prec + 1)
            if isinstance(left, BinaryOp) and PRECEDENCE[left.operators[0]] == prec:
                left = BinaryOp((*left.operators, tok.value), (*left.operands, right))
            else:
                left = BinaryOp((tok.value,), (left, right))

    def parse_unary(self) -> AstNode:
        count = 0
        while True:
            tok = self.peek()
            if tok.kind == lx.OPERATOR and tok.value == "-":
                count += 1
                self.advance()
            else:
                break
        operand = self.parse_union()
        return Negate(operand, count) if count else operand

    def parse_union(self) -> AstNode:
        first = self.parse_path()
        operands = [first]
        while True:
            tok = self.peek()
            if tok.kind == lx.OPERATOR and tok.value == "|":
                self.advance()
                operands.append(self.parse_path())
            else:
                break
        return first if len(operands) == 1 else Union(tuple(operands))

    # -- paths --
    def starts_step(self, tok: Token) -> bool:
        if tok.kind in (lx.NAME, lx.NODETYPE, lx.AXIS):
            return True
        return tok.kind == lx.PUNCT and tok.value in _STEP_START_PUNCT

    def parse_path(self) -> AstNode:
        tok = self.peek()
        if tok.kind == lx.OPERATOR and tok.value in ("/", "//"):
            self.advance()
            if tok.value == "/":
                if not self.starts_step(self.peek()):
                    return Path(None, True, ())
                steps: list[Step] = []
            else:
                steps = [Step("descendant-or-self", "node()")]
                if not self.starts_step(self.peek()):
                    raise self.error(self.peek(), "a step after '//'")
            self.parse_relative_steps(steps)
            return Path(None, True, tuple(steps))
        if self.starts_step(tok):
            if tok.kind == lx.NAME and tok.value in lx.OPERATOR_NAMES:
                # `a and and b`: XPath would read the second 'and' as an element name;
                # that is never what a form author meant
                raise self.error(tok, "a value")
            steps = []
            self.parse_relative_steps(steps)
            return Path(None, False, tuple(steps))
        primary = self.parse_primary()
        predicates = self.parse_predicates()
        base: AstNode = Filter(primary, predicates) if predicates else primary
        tok = self.peek()
        if tok.kind == lx.OPERATOR and tok.value in ("/", "//"):
            self.advance()
            steps = [] if tok.value == "/" else [Step("descendant-or-self", "node()")]
            if not self.starts_step(self.peek()):
                raise self.error(self.peek(), f"a step after '{tok.value}'")
            self.parse_relative_steps(steps)
            return Path(base, False, tuple(steps))
        return base

    def parse_relative_steps(self, steps: list[Step]) -> None:
        steps.append(self.parse_step())
        while True:
            tok = self.peek()
            if tok.kind == lx.OPERATOR and tok.value in ("/", "//"):
                self.advance()
                if tok.value == "//":
                    steps.append(Step("descendant-or-self", "node()"))
                if not self.starts_step(self.peek()):
                    raise self.error(self.peek(), f"a step after '{tok.value}'")
                steps.append(self.parse_step())
            else:
                return

    def parse_step(self) -> Step:
        tok = self.advance()
        if tok.kind == lx.PUNCT:
            if tok.value == ".":
                return Step("self", "node()")
            if tok.value == "..":
                return Step("parent", "node()")
            raise XPathError(
                f"attributes are not supported ('@' at character {tok.offset})", tok.offset)
        axis = "child"
        if tok.kind == lx.AXIS:
            axis = tok.value
            if axis in UNSUPPORTED_AXES:
                raise XPathError(
                    f"the {axis} axis is not supported (at character {tok.offset})",
                    tok.offset)
            if axis not in SUPPORTED_AXES:
                raise XPathSyntaxError(
                    f"unknown axis '{axis}' at character {tok.offset}", tok.offset, self.text)
            self.expect_punct("::", "'::'")
            tok = self.advance()
        if tok.kind == lx.NAME:
            test = tok.value
        elif tok.kind == lx.NODETYPE:
            self.expect_punct("(", "'('")
            self.expect_punct(")", "')'")
            if tok.value != "node":
                raise XPathError(
                    f"{tok.value}() tests are not supported (at character {tok.offset})",
                    tok.offset)
            test = "node()"
        else:
            raise self.error(tok, "a name or '*'")
        return Step(axis, test, self.parse_predicates())

    def parse_predicates(self) -> tuple[AstNode, ...]:
        predicates: list[AstNode] = []
        while self.is_punct(self.peek(), "["):
            open_tok = self.advance()
            self.enter(open_tok)
            predicates.append(self.parse_expr())
            self.expect_punct("]", "']'")
            self.depth -= 1
        return tuple(predicates)

    # -- primary expressions --
    def parse_primary(self) -> AstNode:
        tok = self.peek()
        kind = tok.kind
        if kind == lx.NUMBER:
            self.advance()
            return NumberLit(float(tok.value))
        if kind == lx.STRING:
            self.advance()
            return StringLit(tok.value)
        if kind == lx.REF:
            self.advance()
            return Ref(tok.value, tok.offset)
        if kind == lx.FUNCTION:
            return self.parse_call()
        if self.is_punct(tok, "("):
            self.advance()
            self.enter(tok)
            if self.is_punct(self.peek(), ")"):
                raise self.error(self.peek(), "a value")
            inner = self.parse_expr()
            self.expect_punct(")", "')'")
            self.depth -= 1
            return inner
        raise self.error(tok, "a value")

    def parse_call(self) -> AstNode:
        name_tok = self.advance()
        open_tok = self.expect_punct("(", "'('")
        self.enter(open_tok)
        args: list[AstNode] = []
        if self.is_punct(self.peek(), ")"):
            self.advance()
        else:
            while True:
                args.append(self.parse_expr())
                tok = self.peek()
                if self.is_punct(tok, ","):
                    self.advance()
                    continue
                if self.is_punct(tok, ")"):
                    self.advance()
                    break
                raise self.error(tok, f"',' or ')' to close {name_tok.value}()")
        self.depth -= 1
        self.check_function(name_tok.value, len(args), name_tok.offset)
        return Call(name_tok.value, tuple(args), name_tok.offset)


def parse(text: str, check_function: FunctionCheck) -> AstNode:
    return Parser(text, check_function).parse()
