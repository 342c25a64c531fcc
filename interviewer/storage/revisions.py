"""The migration chain read from the revision files' headers, without importing Alembic
(about 0.2 s at start): enough to tell whether a store is already at head."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import interviewer

_REVISION = re.compile(r'^revision(?:: str)? = "([0-9a-f]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([0-9a-f]+)"|None)', re.MULTILINE)


def migrations_folder() -> Path:
    return Path(interviewer.__file__).resolve().parents[1] / "migrations"


@cache
def chain() -> dict[str, str | None]:
    """revision -> the revision it follows (None for the first)."""
    out: dict[str, str | None] = {}
    for path in sorted((migrations_folder() / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is not None and down is not None:
            out[revision.group(1)] = down.group(1)
    return out


def head() -> str:
    revisions = chain()
    followed = {down for down in revisions.values() if down}
    heads = [r for r in revisions if r not in followed]
    if len(heads) != 1:
        raise RuntimeError(f"the migration chain in {migrations_folder()} has heads {heads}")
    return heads[0]


def known() -> set[str]:
    return set(chain())
