"""`interviewer sample import` and `interviewer dnc ...`: the sample of a CATI survey and
the do-not-call list, written to the central database. Exit codes as cli.py: 0 done,
1 stopped (bad lines, unknown survey: nothing written), 2 unusable (no file, no database).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from interviewer.services.sample import DncReport, ImportReport, SampleError
    from interviewer.storage.db import Database

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    open_central_or_say,
    show_help,
)

MAP_HELP = ("FIELD=COLUMN, repeatable: which column holds id, name, phone (several: "
            "phone=A,B or phone2=B), timezone or region; preload.KEY=COLUMN names a "
            "preload field; FIELD= (empty) maps nothing")


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add this module's commands to the top-level parser."""
    sample = commands.add_parser("sample", help="import respondents into a CATI survey")
    sample.set_defaults(handler=lambda args: show_help(sample))
    actions = sample.add_subparsers(metavar="ACTION")
    imp = actions.add_parser(
        "import", help="check a CSV or XLSX sample, then import all of it or nothing")
    imp.add_argument("survey", metavar="SURVEY")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                     help=MAP_HELP)
    imp.add_argument("--region", metavar="CC",
                     help="country of numbers written without +country code (PL, US...)")
    imp.add_argument("--skip-existing", action="store_true",
                     help="skip lines whose id or number is already in the survey")
    imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    central_options(imp)
    imp.set_defaults(handler=_sample_import)

    dnc = commands.add_parser("dnc", help="the do-not-call list (every survey)")
    dnc.set_defaults(handler=lambda args: show_help(dnc))
    dnc_actions = dnc.add_subparsers(metavar="ACTION")
    add = dnc_actions.add_parser(
        "import", help="add the numbers of a file (CSV, XLSX, or one number a line)")
    add.add_argument("file", type=Path, metavar="FILE")
    add.add_argument("--reason", default="", help="why these numbers may not be called")
    add.add_argument("--region", metavar="CC",
                     help="country of numbers written without +country code")
    add.add_argument("--json", action="store_true", help="print the report as JSON")
    central_options(add)
    add.set_defaults(handler=_dnc_import)
    count = dnc_actions.add_parser("count", help="how many numbers are on the list")
    central_options(count)
    count.set_defaults(handler=_dnc_count)
    check = dnc_actions.add_parser(
        "check", help="whether a number is on the list (exit 0: listed, 1: not)")
    check.add_argument("number", metavar="NUMBER", help="the number with its +country code")
    check.add_argument("--region", metavar="CC")
    central_options(check)
    check.set_defaults(handler=_dnc_check)


def _mapping(pairs: Sequence[str]) -> dict[str, str] | None:
    """`--map` pairs as a dict (repeated phone fields join), or None after an error."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        field = field.strip().lower()
        if not sep or not field:
            print(f"error: --map {pair}: write FIELD=COLUMN, for example --map "
                  "phone=Mobile", file=sys.stderr)
            return None
        if field in mapping and field.startswith("phone") and column.strip():
            mapping[field] = f"{mapping[field]},{column}"
        elif field in mapping:
            print(f"error: --map {field}= is given twice", file=sys.stderr)
            return None
        else:
            mapping[field] = column
    return mapping


def _sample_import(args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM
    from interviewer.services.sample import SampleService

    mapping = _mapping(args.map)
    if mapping is None:
        return EXIT_UNUSABLE
    return _write_to_central(args, lambda db: SampleService(db, SYSTEM).import_sample(
        args.survey, args.file, mapping, region=args.region, dry_run=args.dry_run,
        skip_existing=args.skip_existing), sample_summary)


def _write_to_central(args: argparse.Namespace, write: Callable[[Database], Any],
                      summary: Callable[[Any], str]) -> int:
    """Open central, run one import on it, print its report or what went wrong."""
    from interviewer.services.common import ServiceError
    from interviewer.services.sample import SampleError, SampleFileError
    from interviewer.storage.db import StorageError

    db = open_central_or_say(args)
    if db is None:
        return EXIT_UNUSABLE
    try:
        report = write(db)
    except SampleError as e:
        _print_problems(e, args.json)
        return EXIT_STOPPED
    except (SampleFileError, StorageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ServiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        db.dispose()
    if args.json:
        print(json.dumps({"ok": True, **report.model_dump()}, ensure_ascii=False, indent=1))
    else:
        print(summary(report))
    return EXIT_OK


def _print_problems(error: SampleError, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"ok": False, "file": error.file,
                          "problems": [p.model_dump() for p in error.lines]},
                         ensure_ascii=False, indent=1))
    bad = len({p.line for p in error.lines})
    print(f"error: {error.file}: {bad} bad line{'s' if bad != 1 else ''}; nothing was "
          "imported", file=sys.stderr)
    for problem in error.lines:
        print(f"  {problem}", file=sys.stderr)
    if any("of this survey" in p.reason for p in error.lines):
        print("hint: --skip-existing skips the lines already in the survey", file=sys.stderr)


def sample_summary(report: ImportReport) -> str:
    """The report as the lines a supervisor reads."""
    if report.dry_run:
        head = (f"Dry run, nothing written: {report.imported} of {report.rows_read} rows "
                f"would be imported into survey '{report.survey}'")
    else:
        head = (f"Imported {report.imported} of {report.rows_read} rows into survey "
                f"'{report.survey}'")
    lines = [head]
    if report.skipped_existing:
        lines.append(f"  skipped, already in the survey: {report.skipped_existing}")
    lines.append(f"  flagged do-not-call (never dialled): {report.do_not_call}")
    if report.extensions:
        lines.append(f"  extensions kept for the interviewer (preload): {report.extensions}")
    zones = (f"  time zones: {report.timezones_from_file} from the file, "
             f"{report.timezones_inferred} inferred from the number")
    if report.timezones_unknown:
        zones += f", {report.timezones_unknown} unknown (the survey's default applies)"
    lines.append(zones)
    lines.extend(f"    {zone}: {count}" for zone, count in report.timezones.items())
    return "\n".join(lines)


def _dnc_import(args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM
    from interviewer.services.sample import DoNotCallService

    return _write_to_central(args, lambda db: DoNotCallService(db, SYSTEM).import_list(
        args.file, args.reason, region=args.region), dnc_summary)


def dnc_summary(report: DncReport) -> str:
    return (f"Do-not-call list: {report.added} numbers added, {report.already_listed} "
            f"already listed, {report.repeated_in_file} repeated in the file "
            f"({report.rows_read} read); {report.cases_flagged} cases flagged, never to be "
            "dialled")


def _dnc_count(args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM
    from interviewer.services.sample import DoNotCallService

    db = open_central_or_say(args)
    if db is None:
        return EXIT_UNUSABLE
    try:
        print(DoNotCallService(db, SYSTEM).count())
    finally:
        db.dispose()
    return EXIT_OK


def _dnc_check(args: argparse.Namespace) -> int:
    from interviewer.services.common import ServiceError
    from interviewer.services.sample import (
        PhoneError,
        check_region,
        is_blocked,
        normalise_phone,
    )

    try:
        number = normalise_phone(args.number, check_region(args.region))
    except PhoneError as e:
        print(f"error: the number {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ServiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    db = open_central_or_say(args)
    if db is None:
        return EXIT_UNUSABLE
    try:
        listed = is_blocked(db, number)
    finally:
        db.dispose()
    print("listed" if listed else "not listed")
    return EXIT_OK if listed else EXIT_STOPPED
