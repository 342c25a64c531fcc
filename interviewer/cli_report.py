"""`interviewer report ...`: survey reports read from the central database.

`report rates SURVEY` prints the AAPOR categories and outcome rates of a survey as a table,
or with `--json` one object: {"survey", "counts", "e", "rates"} (rates as proportions
0..1, null where the denominator is 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    central_url_of,
    error,
    show_help,
)

_CATEGORY_LABELS = {
    "I": "complete interviews", "P": "partial interviews", "R": "refusals and break-offs",
    "NC": "non-contacts", "O": "other eligible, no interview",
    "UH": "unknown if household", "UO": "unknown, other", "NE": "not eligible",
}


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add this module's commands to the top-level parser."""
    report = commands.add_parser("report", help="survey reports (response rates)")
    report.set_defaults(handler=lambda args: show_help(report))
    actions = report.add_subparsers(metavar="REPORT")
    rates = actions.add_parser(
        "rates", help="AAPOR response, cooperation, refusal and contact rates of a survey",
        description="Counts cases per AAPOR category from their final dispositions (a case "
                    "still open by its last call; one never called as 3.11 not attempted) "
                    "and prints RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3.")
    rates.add_argument("survey", metavar="SURVEY")
    rates.add_argument("--json", action="store_true",
                       help="print one JSON object; rates as proportions 0..1")
    rates.add_argument("--e", type=_share, metavar="E",
                       help="the eligible share of unknown cases (default: AAPOR's "
                            "proportional estimate)")
    central_options(rates)
    rates.set_defaults(handler=_rates)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"e must lie between 0 and 1, not {text}")
    return value


def _rates(args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM, NotFound, ServiceError
    from interviewer.services.rates import RatesService
    from interviewer.storage.central import open_central, shown_url
    from interviewer.storage.db import StorageError

    url = central_url_of(args)
    try:
        db = open_central(url)
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    try:
        report = RatesService(db).report(SYSTEM, args.survey, e=args.e)
    except NotFound as e:
        print(f"error: {e} in the central database {shown_url(url)}; check the name "
              "(it is case-sensitive) or --central", file=sys.stderr)
        return EXIT_UNUSABLE
    except (ServiceError, StorageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(report.as_json(), indent=1))
    else:
        print(_table(report))
    return EXIT_OK


def _table(report: Any) -> str:
    lines = [f"Survey '{report.survey}': {report.cases} cases", ""]
    for name, count in report.counts.items():
        lines.append(f"  {name:<3} {_CATEGORY_LABELS[name]:<30} {count:>8}")
    source = "given" if report.e_given else "proportional estimate"
    shown_e = "n/a" if report.e is None else f"{report.e:.4f}"
    lines += ["", f"  e = {shown_e} ({source})", ""]
    for name, value in report.rates.items():
        shown = "n/a (denominator 0)" if value is None else f"{100 * value:6.2f} %"
        lines.append(f"  {name:<6} {shown}")
    return "\n".join(lines)
