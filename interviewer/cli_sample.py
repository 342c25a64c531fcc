"""`interviewer` commands: filled in by the sample work."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add this module's commands to the top-level parser."""
