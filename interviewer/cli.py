"""The `interviewer` command line. Its output formats are a contract: see README."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_UNUSABLE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_UNUSABLE
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interviewer",
                                     description="Computer-assisted interviewing.")
    commands = parser.add_subparsers(metavar="COMMAND")
    q = commands.add_parser("questionnaire", help="check, run and test XLSForm questionnaires")
    qc = q.add_subparsers(metavar="ACTION")

    check = qc.add_parser("check", help="load a form; list every problem with its place")
    check.add_argument("form", metavar="FORM")
    check.set_defaults(handler=_check)

    run = qc.add_parser("run", help="walk an interview with scripted answers; print JSON")
    run.add_argument("form", metavar="FORM")
    run.add_argument("--answers", required=True, metavar="ANSWERS.json")
    run.add_argument("--lang", metavar="L", help="a language's code (pl) or full name")
    run.set_defaults(handler=_run)

    test = qc.add_parser("test", help="run scenario files and report what differs")
    test.add_argument("form", metavar="FORM")
    test.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    test.set_defaults(handler=_test)
    return parser


def _load(path: str) -> Any:
    """The compiled form, or None after printing located errors."""
    from interviewer.questionnaire.compiled import load_form
    from interviewer.questionnaire.errors import FormError

    try:
        return load_form(path)
    except FormError as e:
        for issue in e.issues:
            print(f"error: {issue}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    form = _load(args.form)
    if form is None:
        return EXIT_STOPPED
    q = form.questionnaire
    shown = sum(1 for d in form.defs if d.visible)
    print(f"OK {Path(args.form).name}: form '{q.form_id}' version {q.version or '-'}, "
          f"{shown} questions and notes, languages: {', '.join(q.languages)}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from interviewer.questionnaire.runner import UnusableInput, run_interview

    form = _load(args.form)
    if form is None:
        return EXIT_UNUSABLE
    try:
        answers = json.loads(Path(args.answers).read_text(encoding="utf-8"))
    except OSError as e:
        print(f"error: cannot read {args.answers}: {e.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ValueError as e:
        print(f"error: {args.answers} is not JSON: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        result = run_interview(form, answers, args.lang)
    except UnusableInput as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    return EXIT_OK if result.status == "completed" else EXIT_STOPPED


def _test(args: argparse.Namespace) -> int:
    from interviewer.questionnaire.scenarios import ScenarioError, check_scenario, read_scenario

    form = _load(args.form)
    if form is None:
        return EXIT_UNUSABLE
    failed = 0
    for path in args.scenarios:
        try:
            scenario = read_scenario(path)
        except ScenarioError as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_UNUSABLE
        outcome = check_scenario(form, scenario)
        if outcome.passed:
            print(f"PASS {path}: {scenario.name}")
            continue
        failed += 1
        print(f"FAIL {path}: {scenario.name}")
        for difference in outcome.differences:
            print(f"  {difference}")
    total = len(args.scenarios)
    print(f"{total - failed} passed, {failed} failed")
    return EXIT_OK if failed == 0 else EXIT_STOPPED


if __name__ == "__main__":
    sys.exit(main())
