"""The two exceptions of the XPath package.

Both derive from ValueError so that callers that only care about "bad expression" can catch
one type.
"""

from __future__ import annotations


class XPathSyntaxError(ValueError):
    """The text is not an XPath expression: `.offset` is the 0-based character index."""

    def __init__(self, message: str, offset: int, text: str) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.text = text

    def __str__(self) -> str:
        return self.message


class XPathError(ValueError):
    """A well-formed expression we cannot run: an unknown function, a wrong number of
    arguments or an unsupported axis (raised by compile_expr), or a type error found only
    while evaluating (count() of a string, a path step applied to a number...)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return self.message
