"""Tokens of XPath 1.0 (section 3.7) plus ODK's `${name}` references.

XPath's lexing depends on the previous token: after an operand (a number, a string, a
name, `)`, `]`, `.`, `..`, `${x}`), `*` is the multiplication operator and `and`, `or`,
`div`, `mod` are operators; anywhere else `*` is a name test and those words are element
names. A name followed by `(` is a function name (or a node type such as `node`), a name
followed by `::` an axis name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviewer.questionnaire.xpath.errors import XPathSyntaxError

# Token kinds
NUMBER = "number"
STRING = "string"
REF = "ref"
NAME = "name"  # a name test: QName, '*' or 'prefix:*'
FUNCTION = "function"
NODETYPE = "nodetype"
AXIS = "axis"
OPERATOR = "operator"
PUNCT = "punct"  # ( ) [ ] . .. @ , ::
EOF = "eof"

OPERATOR_NAMES = frozenset({"and", "or", "div", "mod"})
NODE_TYPES = frozenset({"node", "text", "comment", "processing-instruction"})
_AFTER_OPERAND = frozenset({NUMBER, STRING, REF, NAME})
_AFTER_OPERAND_PUNCT = frozenset({")", "]", ".", ".."})

_WS = " \t\r\n"
_NCNAME = r"[^\W\d][\w.\-\u00B7\u0300-\u036F\u203F\u2040]*"
_NCNAME_RE = re.compile(_NCNAME)
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_REF_RE = re.compile(r"\$\{([\w.\-]+)\}")
_TWO_CHAR = frozenset({"//", "::", "..", "!=", "<=", ">="})
_ONE_CHAR_OPERATORS = frozenset("/|+-=<>")
_ONE_CHAR_PUNCT = frozenset("()[].@,")


_SMART_QUOTES = "\u2018\u2019\u201c\u201d"


def _bad_character(text: str, i: int) -> XPathSyntaxError:
    c = text[i]
    shown = f"'{c}'" if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"
    hint = ""
    if c in _SMART_QUOTES:
        hint = ": write a straight quote (' or \") instead"
    elif c.isspace():
        hint = ": only spaces, tabs and line breaks may separate tokens"
    return XPathSyntaxError(f"unexpected character {shown} at character {i}{hint}", i, text)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str  # the name, the literal's content, the operator or punctuation
    offset: int
    text: str  # as written

    def describe(self) -> str:
        return "end of expression" if self.kind == EOF else f"'{self.text}'"


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while True:
        i = _skip_ws(text, i)
        if i >= n:
            tokens.append(Token(EOF, "", n, ""))
            return tokens
        prev = tokens[-1] if tokens else None
        after_operand = prev is not None and (
            prev.kind in _AFTER_OPERAND
            or (prev.kind == PUNCT and prev.value in _AFTER_OPERAND_PUNCT)
        )
        c = text[i]
        two = text[i:i + 2]
        if c == "'" or c == '"':
            end = text.find(c, i + 1)
            if end < 0:
                raise XPathSyntaxError(
                    f"unterminated string starting at character {i}: add the closing {c}",
                    i, text)
            tokens.append(Token(STRING, text[i + 1:end], i, text[i:end + 1]))
            i = end + 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER_RE.match(text, i)
            if m is None:  # a non-ASCII digit
                raise _bad_character(text, i)
            tokens.append(Token(NUMBER, m.group(), i, m.group()))
            i = m.end()
            continue
        if c == "$":
            if two == "${":
                m = _REF_RE.match(text, i)
                if m is None:
                    end = text.find("}", i)
                    shown = text[i:end + 1] if end >= 0 else text[i:]
                    raise XPathSyntaxError(
                        f"invalid reference '{shown}' at character {i}: expected ${{name}}",
                        i, text)
                tokens.append(Token(REF, m.group(1), i, m.group()))
                i = m.end()
                continue
            raise XPathSyntaxError(
                f"unexpected '$' at character {i}: variables are not supported "
                "(write ${name} to refer to a question)", i, text)
        if c == "*":
            if after_operand:
                tokens.append(Token(OPERATOR, "*", i, "*"))
            else:
                tokens.append(Token(NAME, "*", i, "*"))
            i += 1
            continue
        if two in _TWO_CHAR:
            kind = PUNCT if two in ("::", "..") else OPERATOR
            tokens.append(Token(kind, two, i, two))
            i += 2
            continue
        if c in _ONE_CHAR_OPERATORS:
            tokens.append(Token(OPERATOR, c, i, c))
            i += 1
            continue
        if c in _ONE_CHAR_PUNCT:
            tokens.append(Token(PUNCT, c, i, c))
            i += 1
            continue
        m = _NCNAME_RE.match(text, i)
        if m is None:
            raise _bad_character(text, i)
        name = m.group()
        j = m.end()
        if after_operand and name in OPERATOR_NAMES:
            tokens.append(Token(OPERATOR, name, i, name))
            i = j
            continue
        # a prefixed name (jr:choice-name, ns:elem) or 'prefix:*'
        if j < n and text[j] == ":" and text[j + 1:j + 2] != ":":
            m2 = _NCNAME_RE.match(text, j + 1)
            if m2 is not None:
                name = text[i:m2.end()]
                j = m2.end()
            elif text[j + 1:j + 2] == "*":
                name = text[i:j + 2]
                j += 2
        k = _skip_ws(text, j)
        nxt = text[k:k + 1]
        if nxt == "(" and not name.endswith("*"):
            kind = NODETYPE if name in NODE_TYPES else FUNCTION
        elif text[k:k + 2] == "::" and ":" not in name:
            kind = AXIS
        else:
            kind = NAME
        tokens.append(Token(kind, name, i, text[i:j]))
        i = j
