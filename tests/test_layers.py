"""The layers of DESIGN.md 3, checked on the source and at run time: a layer that reaches
up fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "interviewer"
PURE = ("questionnaire", "fieldwork", "metrics")
QT = ("PySide6", "shiboken6")
SQL = ("sqlalchemy", "alembic", "sqlite3", "psycopg")
# what each layer may not import from our own package
UPPER = {
    "questionnaire": ("storage", "sync", "services", "ui", "app", "context", "cli", "demo"),
    "fieldwork": ("storage", "sync", "services", "ui", "app", "context", "cli", "demo"),
    "metrics": ("storage", "sync", "services", "ui", "app", "context", "cli", "demo"),
    "storage": ("services", "ui", "app", "context", "cli", "demo"),
    "sync": ("services", "ui", "app", "context", "cli", "demo"),
    "export": ("ui", "app", "cli"),
    "reports": ("storage", "sync", "ui", "app", "context", "cli", "demo"),
    "services": ("ui", "app", "cli"),
}


def imported_modules(source: str, module: str = "") -> set[str]:
    """Absolute names of every module a file imports, wherever the import stands;
    relative imports are resolved against `module` (the file's dotted name)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
    return names


def offending(modules: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in banned)


def reaching_up(modules: set[str], layer: str) -> list[str]:
    banned = UPPER.get(layer, ())
    return sorted(m for m in modules if m.startswith("interviewer.")
                  and m.split(".")[1] in banned)


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = ("import os\ndef f():\n    from PySide6 import QtCore\n    import sqlalchemy.orm\n"
              "from ..storage import db\n")
    modules = imported_modules(source, "interviewer.questionnaire.engine")
    assert offending(modules, QT) == ["PySide6"]
    assert offending(modules, SQL) == ["sqlalchemy.orm"]
    assert reaching_up(modules, "questionnaire") == ["interviewer.storage"]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_imports(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    dotted = ".".join(("interviewer", *relative.with_suffix("").parts))
    modules = imported_modules(path.read_text(encoding="utf-8"), dotted)
    top = relative.parts[0].removesuffix(".py")
    if top in PURE:
        assert offending(modules, QT + SQL) == [], f"{relative} is pure: no Qt, no SQL"
    if top == "reports":  # renders the services' models; reads nothing itself
        assert offending(modules, QT + SQL) == [], f"{relative}: no Qt, no SQL"
    if top not in ("ui", "app"):
        assert offending(modules, QT) == [], f"{relative}: only ui/ and app.py import Qt"
    assert reaching_up(modules, top) == [], f"{relative} reaches up a layer"


def test_pure_packages_load_no_qt_and_no_sql_at_run_time() -> None:
    """Indirect imports count too: load every pure module in a fresh interpreter."""
    pure = [".".join(("interviewer", *p.relative_to(PACKAGE).with_suffix("").parts))
            for top in PURE if (PACKAGE / top).is_dir()
            for p in sorted((PACKAGE / top).rglob("*.py"))]
    script = ("import importlib, sys\n"
              f"for m in {pure!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
              f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {QT + SQL!r})\n"
              "print(' '.join(bad))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
