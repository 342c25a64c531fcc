"""Variable names valid in SPSS and Stata, made deterministically from question names.

SPSS: at most 64 bytes, a letter first, then letters, digits and `_`; not a reserved
word; unique without regard to case. Stata: the same within 32 characters. One rule for
both, with the length limit of the target format.
"""

from __future__ import annotations

import re

SPSS_MAX = 64
STATA_MAX = 32
RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR",
                      "TO", "WITH", "_N", "_B", "_CONS", "_PI", "_RC", "_SKIP", "BYTE",
                      "INT", "LONG", "FLOAT", "DOUBLE", "STRL", "IN", "IF", "USING"})
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_]")


def base_name(original: str, max_len: int) -> str:
    """The name as the format allows it, before making it unique."""
    name = _NOT_ALLOWED.sub("_", original)
    if not name or not name[0].isalpha():
        name = f"v{name}"
    name = name[:max_len]
    if name.upper() in RESERVED:
        name = f"{name[:max_len - 1]}_"
    return name


class Names:
    """The names given in one file so far; each new one is made valid and unique."""

    def __init__(self, max_len: int) -> None:
        self.max_len = max_len
        self._taken: set[str] = set()

    def add(self, original: str) -> str:
        name = base_name(original, self.max_len)
        counter = 1
        candidate = name
        while candidate.upper() in self._taken:
            counter += 1
            suffix = f"_{counter}"
            candidate = f"{name[:self.max_len - len(suffix)]}{suffix}"
        self._taken.add(candidate.upper())
        return candidate
