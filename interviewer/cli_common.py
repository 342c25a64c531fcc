"""What every `interviewer` command module shares: exit codes, the data folder and
central options, opening central with a plain message when it cannot be used, and
signing in the person a staff command runs for."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interviewer.services.common import CurrentUser
    from interviewer.storage.db import Database

EXIT_OK = 0
EXIT_STOPPED = 1
EXIT_UNUSABLE = 2


def show_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_UNUSABLE


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def data_dir_option(parser: argparse.ArgumentParser,
                    default_help: str = "INTERVIEWER_HOME or the platform data folder") -> None:
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help=f"the data folder (default: {default_help})")


def central_options(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --central, for commands that work on the central database."""
    data_dir_option(parser)
    parser.add_argument("--central", metavar="URL",
                        help="the central database URL (default: INTERVIEWER_CENTRAL_URL, "
                             "else the SQLite central in the data folder)")


def central_url_of(args: argparse.Namespace) -> str:
    from interviewer.context import default_data_dir
    from interviewer.storage.central import central_url

    return str(args.central or central_url(args.data_dir or default_data_dir()))


def open_central_or_say(args: argparse.Namespace) -> Database | None:
    """The migrated central database, or None after saying why it cannot be used."""
    from interviewer.storage.central import open_central
    from interviewer.storage.db import StorageError

    try:
        return open_central(central_url_of(args))
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return None


def sign_in_options(parser: argparse.ArgumentParser) -> None:
    """--user and --password-stdin, for the commands staff run (the service checks the
    role; the audit log names the person)."""
    parser.add_argument("--user", metavar="NAME",
                        help="who runs it: a supervisor or an admin, signed in with their "
                             "password (asked, or read with --password-stdin)")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input")


def read_password(from_stdin: bool, confirm: bool = False) -> str | None:
    """The password typed (asked twice with `confirm`), or one line of standard input;
    None after saying the two typed differ."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():  # cron, CI, a pipe: getpass would warn and read it anyway
        error("no terminal to type the password in; give it on standard input with "
              "--password-stdin")
        return None
    import getpass

    try:
        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Again: ") != first:
            error("the two passwords differ; nothing was changed")
            return None
    except (EOFError, KeyboardInterrupt):  # no terminal (cron, CI), or Ctrl+C
        print(file=sys.stderr)
        error("no password was typed; give it on standard input with --password-stdin")
        return None
    return first


def signed_in(args: argparse.Namespace, db: Database, hint: str = "") -> CurrentUser | None:
    """The person named by --user, signed in on `db` (the database the command works
    on), or None after saying why not (`hint`: what else to check)."""
    from interviewer.services.auth import AuthService, LoginFailed
    from interviewer.storage.db import StorageError

    if not args.user:
        error("say who runs this: --user NAME (the password is asked, or read with "
              "--password-stdin)")
        return None
    password = read_password(args.password_stdin)
    if password is None:
        return None
    try:
        return AuthService(db).login(args.user, password)
    except LoginFailed as e:  # which database: a mistyped --central is a new, empty one
        error(f"{db.label} refused the sign-in: {e}{hint}")
    except StorageError as e:
        error(f"{e.message} {e.fix}")
    return None
