"""Errors in a questionnaire, located so that the author can fix them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormIssue:
    """One problem in a form: where it is and what to do about it."""

    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # header name, e.g. "relevant"
    fix: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.fix:
            text += ("\n    " if "\n" in self.message else " ") + f"Fix: {self.fix}"
        return text


class FormError(Exception):
    """The form cannot be used; `issues` says every place that needs fixing."""

    def __init__(self, issues: list[FormIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
