"""The `interviewer` command line. Its output formats are a contract: see README."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    data_dir_option,
    read_password,
    show_help,
)


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
    q.set_defaults(handler=lambda args: show_help(q))
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

    publish = qc.add_parser("publish", help="store a new questionnaire version for a survey")
    publish.add_argument("form", metavar="FORM")
    publish.add_argument("--survey", required=True, metavar="NAME")
    publish.add_argument("--mode", choices=("capi", "cati"), default="capi")
    data_dir_option(publish)
    publish.set_defaults(handler=_publish)

    user = commands.add_parser("user", help="manage users")
    user.set_defaults(handler=lambda args: show_help(user))
    uc = user.add_subparsers(metavar="ACTION")
    add = uc.add_parser("add", help="add a user (the password is asked for)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=("interviewer", "supervisor", "admin"))
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of asking")
    add.add_argument("--display-name", default="")
    data_dir_option(add)
    add.set_defaults(handler=_user_add)

    demo = commands.add_parser("demo", help="make a fresh demo data folder and open the app")
    data_dir_option(demo, default_help="the platform data folder's 'demo' subfolder")
    demo.add_argument("--no-window", action="store_true", help="only make the data folder")
    demo.set_defaults(handler=_demo)

    app = commands.add_parser("app", help="open the app on a data folder")
    data_dir_option(app)
    app.set_defaults(handler=_app)

    from interviewer import cli_export, cli_report, cli_sample, cli_survey, cli_sync

    for module in (cli_sample, cli_report, cli_sync, cli_export, cli_survey):
        module.register(commands)
    return parser


def _context(data_dir: Path | None) -> Any:
    """The app context, or None after printing a storage problem in plain words."""
    from interviewer.context import build_context
    from interviewer.storage.db import StorageError

    try:
        return build_context(data_dir)
    except StorageError as e:
        print(f"error: {e.message} {e.fix}", file=sys.stderr)
        return None


def _publish(args: argparse.Namespace) -> int:
    from interviewer.questionnaire.errors import FormError
    from interviewer.services.common import SYSTEM, ServiceError

    context = _context(args.data_dir)
    if context is None:
        return EXIT_UNUSABLE
    try:
        published = context.questionnaires.publish(SYSTEM, Path(args.form), args.survey,
                                                   args.mode)
    except FormError as e:
        _print_issues(e)
        return EXIT_STOPPED
    except ServiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        context.close()
    what = "published" if published.new_version else "already published (same file)"
    print(f"{published.form_id} version {published.version or '-'} {what}; survey "
          f"'{published.survey}' ({args.mode}) now uses it")
    return EXIT_OK


def _user_add(args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM, ServiceError

    password = read_password(args.password_stdin, confirm=True)
    if password is None:
        return EXIT_STOPPED
    context = _context(args.data_dir)
    if context is None:
        return EXIT_UNUSABLE
    try:
        user = context.auth.add_user(SYSTEM, args.name, args.role, password, args.display_name)
    except ServiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        context.close()
    print(f"user '{user.username}' added as {user.role}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from interviewer.demo import DemoFolderInUse, create_demo, prepare_demo_folder

    try:
        folder = prepare_demo_folder(args.data_dir)
    except DemoFolderInUse as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    context = _context(folder)
    if context is None:
        return EXIT_UNUSABLE
    from interviewer.storage.central import shown_url
    from interviewer.storage.db import StorageError

    central = shown_url(context.central_url)
    try:
        info = create_demo(context, history=True)
    except StorageError as e:
        print(f"error: {e.message} {e.fix}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        context.close()
    print(f"Demo data folder: {folder}")
    print(f"Surveys: {', '.join(info.surveys)}; {info.cases} cases assigned; "
          f"{info.cati_cases} numbers in the telephone queue on {central}; "
          f"{info.completed} completed interviews of four past waves there")
    for username, password in info.passwords.items():
        print(f"  {info.roles[username]:<12} {username:<12} password: {password}")
    if args.no_window:
        return EXIT_OK
    from interviewer.app import run_app

    return run_app(folder, sys.argv[:1])


def _app(args: argparse.Namespace) -> int:
    from interviewer.app import run_app

    return run_app(args.data_dir, sys.argv[:1])


def _load(path: str) -> Any:
    """The compiled form, or None after printing located errors."""
    from interviewer.questionnaire.compiled import load_form
    from interviewer.questionnaire.errors import FormError

    try:
        return load_form(path)
    except FormError as e:
        _print_issues(e)
        return None


def _print_issues(error: Any) -> None:
    for issue in error.issues:
        print(f"error: {issue}", file=sys.stderr)


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
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
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
