"""`interviewer export SURVEY`: the survey's interviews as CSV, SPSS .sav or Stata .dta,
with the repeat and paradata files, the codebook and the DDI XML beside them (README,
"Export"). Exit codes as cli.py: 0 written, 1 refused (unknown survey, bad option),
2 database or files unusable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    error,
    open_central_or_say,
    sign_in_options,
    signed_in,
)

if TYPE_CHECKING:
    from interviewer.services.export import ExportReport
    from interviewer.storage.db import Database


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add this module's commands to the top-level parser."""
    export = commands.add_parser(
        "export", help="write a survey's interviews as CSV, SPSS .sav or Stata .dta",
        description="One row per interview, variable and value labels from the "
                    "questionnaire, don't know / refused as missing codes, repeats and "
                    "paradata in files of their own, a codebook and DDI-Codebook 2.5 XML "
                    "beside them. Reads the central database unless --local is given.")
    export.add_argument("survey", metavar="SURVEY")
    export.add_argument("--format", choices=("csv", "sav", "dta"),
                        help="default: from the --out file's ending")
    export.add_argument("--out", required=True, type=Path, metavar="PATH",
                        help="the main file, e.g. results/acme.sav; the others go beside it")
    export.add_argument("--status", default="completed,approved", metavar="S[,S...]",
                        help="which interviews: completed, approved (default both), "
                             "rejected, in_progress, suspended")
    export.add_argument("--codes", action="store_true",
                        help="CSV: numeric codes for choices instead of their names")
    export.add_argument("--include-contact", action="store_true",
                        help="add the respondent's name, phone and address (personal data)")
    export.add_argument("--language", metavar="LANG",
                        help="labels in this language of the form (default: its default)")
    export.add_argument("--local", action="store_true",
                        help="read this data folder's own store instead of central")
    central_options(export)
    sign_in_options(export)
    export.set_defaults(handler=_export)


def _open(args: argparse.Namespace) -> Database | None:
    if not args.local:
        return open_central_or_say(args)
    from interviewer.context import default_data_dir
    from interviewer.storage.db import StorageError
    from interviewer.storage.store import open_store

    try:
        return open_store(args.data_dir or default_data_dir())
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return None


def _export(args: argparse.Namespace) -> int:
    from interviewer.services.common import NotFound, ServiceError
    from interviewer.services.export import ExportService
    from interviewer.storage.db import StorageError

    db = _open(args)
    if db is None:
        return EXIT_UNUSABLE
    # on the database read: central, or this store (--local)
    user = signed_in(args, db, hint=" (with --local, only someone who has synced on this "
                                    "computer can sign in)" if args.local else "")
    if user is None:
        db.dispose()
        return EXIT_UNUSABLE
    statuses = [s.strip() for s in args.status.split(",") if s.strip()]
    try:
        report = ExportService(db).export(
            user, args.survey, args.out, args.format, statuses=statuses, codes=args.codes,
            include_contact=args.include_contact, language=args.language)
    except NotFound as e:
        error(f"{e}; check the name (it is case-sensitive), --central or --local")
        return EXIT_STOPPED
    except ServiceError as e:
        error(str(e))
        return EXIT_STOPPED
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    finally:
        db.dispose()
    print(summary(report))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def summary(report: ExportReport) -> str:
    lines = [f"Exported {report.interviews} interviews of survey '{report.survey}' "
             f"(status {', '.join(report.statuses)}):"]
    for f in report.files:
        counts = f"{f.rows} rows, {f.variables} variables" if f.variables else ""
        lines.append(f"  {f.path}" + (f"  ({counts})" if counts else ""))
    return "\n".join(lines)

