"""`interviewer report ...`: survey reports read from the central database.

`report rates SURVEY` prints the AAPOR categories and outcome rates of a survey as a table,
or with `--json` one object: {"survey", "counts", "e", "rates"} (rates as proportions
0..1, null where the denominator is 0).

`report cx SURVEY` prints the CX metrics (NPS, CSAT, CES with 95 % intervals, by wave,
touchpoint and segment, against targets), alerts and follow-up counts; with `--json` one
object (the CX report with "fieldwork" and "productivity"); `--html PATH` and `--pdf PATH`
also write the shareable report. It runs the survey's follow-up rules first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    central_url_of,
    error,
    open_central_or_say,
    show_help,
    sign_in_options,
    signed_in,
)

if TYPE_CHECKING:
    from interviewer.services.common import CurrentUser
    from interviewer.storage.db import Database

T = TypeVar("T")

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
    sign_in_options(rates)
    rates.set_defaults(handler=_rates)
    cx = actions.add_parser(
        "cx", help="CX results of a survey: NPS, CSAT, CES by wave, touchpoint, segment",
        # argparse %-formats a description only when it names %(prog)
        description="Scores with 95 % intervals against the survey's targets, alerts, "
                    "follow-up cases (the survey's rules run first), fieldwork and "
                    "interviewer productivity.")
    cx.add_argument("survey", metavar="SURVEY")
    cx.add_argument("--json", action="store_true", help="print one JSON object")
    cx.add_argument("--html", type=Path, metavar="PATH", help="also write the HTML report")
    cx.add_argument("--pdf", type=Path, metavar="PATH", help="also write the PDF report")
    central_options(cx)
    sign_in_options(cx)
    cx.set_defaults(handler=_cx)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"e must lie between 0 and 1, not {text}")
    return value


def _on_central(args: argparse.Namespace,
                work: Callable[[Database, CurrentUser], T]) -> T | int:
    """`work` on the central database for the person signed in there, or the exit code
    after one line saying why not: 2 when central, the person or the survey cannot be
    found, 1 when the service refuses."""
    from interviewer.services.common import NotFound, ServiceError
    from interviewer.storage.central import shown_url
    from interviewer.storage.db import StorageError

    db = open_central_or_say(args)
    if db is None:
        return EXIT_UNUSABLE
    try:
        user = signed_in(args, db)
        if user is None:
            return EXIT_UNUSABLE
        return work(db, user)
    except NotFound as e:
        error(f"{e} in the central database {shown_url(central_url_of(args))}; check the "
              "name (it is case-sensitive) or --central")
        return EXIT_UNUSABLE
    except (ServiceError, StorageError) as e:
        error(" ".join(str(e).split()))
        return EXIT_STOPPED
    finally:
        db.dispose()


def _rates(args: argparse.Namespace) -> int:
    from interviewer.services.rates import RatesService

    report = _on_central(args, lambda db, user: RatesService(db).report(user, args.survey,
                                                                         e=args.e))
    if isinstance(report, int):
        return report
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



def _cx(args: argparse.Namespace) -> int:
    read = _on_central(args, lambda db, user: _read_cx(db, user, args.survey))
    if isinstance(read, int):
        return read
    report, fieldwork, productivity = read
    if args.json:
        print(json.dumps({**report.as_json(), "fieldwork": fieldwork.model_dump(mode="json"),
                          "productivity": [p.model_dump(mode="json") for p in productivity]},
                         indent=1))
    else:
        print(_cx_table(report))
    return _write_files(args, report, fieldwork, productivity)


def _read_cx(db: Database, user: CurrentUser, survey: str) -> tuple[Any, Any, Any]:
    from interviewer.services.common import NotFound
    from interviewer.services.results import ResultsService

    service = ResultsService(db, user)
    found = [s for s in service.surveys() if s.name == survey]
    if not found:
        raise NotFound(f"there is no survey '{survey}'")
    survey_id = found[0].id
    return (service.cx(survey_id), service.fieldwork(survey_id),
            service.productivity(survey_id))


def _write_files(args: argparse.Namespace, report: Any, fieldwork: Any,
                 productivity: Any) -> int:
    if not (args.html or args.pdf):
        return EXIT_OK
    from interviewer.reports.cx_html import render_html

    html = render_html(report, fieldwork, productivity)
    try:
        if args.html:
            args.html.write_text(html, encoding="utf-8")
            print(f"HTML report written to {args.html}", file=sys.stderr)
        if args.pdf:
            from interviewer.ui.report_pdf import html_to_pdf

            html_to_pdf(html, args.pdf)
            print(f"PDF report written to {args.pdf}", file=sys.stderr)
    except OSError as e:
        print(f"error: the report could not be written: {e}", file=sys.stderr)
        return EXIT_STOPPED
    return EXIT_OK


# "below" is worse than the target: higher for a lower-is-better CES
_STATUS = {"ok": "ok", "below": "WORSE", "no_target": "no target", "no_data": "no data"}


def _cx_line(e: Any, indent: str = "  ") -> str:
    from interviewer.reports.cx_html import score_text

    interval = ("" if e.low is None else
                f"{score_text(e.metric, e.low)} .. {score_text(e.metric, e.high)}")
    target = "" if e.target is None else score_text(e.metric, e.target)
    return (f"{indent}{e.metric.upper():<5} {e.series:<18} "
            f"{score_text(e.metric, e.score):>9} {interval:>20} {e.n:>6} {target:>9}  "
            f"{_STATUS[e.status]}")


def _cx_table(report: Any) -> str:
    header = (f"  {'metric':<5} {'question':<18} {'score':>9} {'95 % interval':>20} "
              f"{'n':>6} {'target':>9}  status")
    lines = [f"Survey '{report.survey}': {report.interviews} completed interviews "
             f"(generated {report.generated_at:%Y-%m-%d %H:%M} UTC)", "", header]
    lines += [_cx_line(e) for e in report.overall]
    for title, cells in (("wave (days in the respondent's time zone)", report.by_wave),
                         ("touchpoint", report.by_touchpoint), ("segment", report.by_segment)):
        lines += ["", f"By {title}:"]
        for cell in cells:
            lines.append(f"  {cell.key}")
            lines += [_cx_line(e, "    ") for e in cell.estimates]
    lines += ["", "Alerts:" if report.alerts else "Alerts: none"]
    lines += [f"  - {a.message}" for a in report.alerts]
    lines += ["", f"Follow-up cases: {report.follow_ups_open} open, "
                  f"{report.follow_ups_closed} closed"]
    return "\n".join(lines).replace("\u00a0", " ")
