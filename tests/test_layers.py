"""The layers of DESIGN.md 3, checked on the source: a layer that reaches up fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "interviewer"
PURE = ("questionnaire", "fieldwork", "metrics")
QT = ("PySide6", "shiboken6")
SQL = ("sqlalchemy", "alembic", "sqlite3", "psycopg")


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module a file imports, wherever the import stands."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(modules: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in banned)


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_check_sees_imports_inside_functions() -> None:
    source = "import os\ndef f():\n    from PySide6 import QtCore\n    import sqlalchemy.orm\n"
    assert offending(imported_modules(source), QT) == ["PySide6"]
    assert offending(imported_modules(source), SQL) == ["sqlalchemy.orm"]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_imports(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    modules = imported_modules(path.read_text(encoding="utf-8"))
    top = relative.parts[0]
    if top in PURE:
        assert offending(modules, QT + SQL) == [], f"{relative} is pure: no Qt, no SQL"
    if top not in ("ui", "app.py"):
        assert offending(modules, QT) == [], f"{relative}: only ui/ and app.py import Qt"
