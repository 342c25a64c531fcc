"""`interviewer central init` and `interviewer sync`: prepare the central database, and
sync this data folder with it. Exit codes as in cli.py: 0 done, 1 conflicts or a sync
that stopped partway (what was acknowledged is kept), 2 central or the store unusable.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    error,
    read_password,
    show_help,
    signed_in,
)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add this module's commands to the top-level parser."""
    central = commands.add_parser("central", help="prepare the central database")
    actions = central.add_subparsers(metavar="ACTION")
    central.set_defaults(handler=lambda args: show_help(central))
    init = actions.add_parser("init", help="create or migrate a central database and its "
                                           "first admin")
    init.add_argument("url", metavar="URL", help="postgresql+psycopg://user:pw@host/db, or "
                                                 "an SQLite URL")
    init.add_argument("--admin", default="admin", metavar="NAME")
    init.add_argument("--password-stdin", action="store_true",
                      help="read the admin's password from standard input")
    init.set_defaults(handler=_central_init)

    sync = commands.add_parser("sync", help="send this folder's work to central and fetch "
                                            "assignments and decisions")
    central_options(sync)
    sync.add_argument("--user", metavar="NAME", help="who syncs (checked against central)")
    sync.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input")
    sync.add_argument("--log", action="store_true", help="show the sync log")
    sync.add_argument("--conflicts", action="store_true", help="show the sync conflicts")
    sync.add_argument("--json", action="store_true", help="with --log or --conflicts: JSON")
    sync.set_defaults(handler=_sync)


def _central_init(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from interviewer.services.auth import AuthService
    from interviewer.services.common import SYSTEM, ServiceError
    from interviewer.storage.central import open_central, shown_url
    from interviewer.storage.db import StorageError
    from interviewer.storage.models import User

    try:
        central = open_central(args.url)
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    try:
        with central.unit_of_work() as session:
            admin = session.scalar(select(User.username).where(User.role == "admin").limit(1))
        if admin is not None:
            print(f"central {shown_url(args.url)} is ready; it already has an admin "
                  f"('{admin}'), so none was added")
            return EXIT_STOPPED
        password = read_password(args.password_stdin, confirm=True)
        if password is None:
            return EXIT_STOPPED
        try:
            user = AuthService(central).add_user(SYSTEM, args.admin, "admin", password)
        except ServiceError as e:
            error(str(e))
            return EXIT_STOPPED
    finally:
        central.dispose()
    print(f"central {shown_url(args.url)} is ready; admin '{user.username}' added")
    return EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from interviewer.context import build_context
    from interviewer.storage.db import StorageError

    try:
        context = build_context(args.data_dir)
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    try:
        if args.log or args.conflicts:
            return _show(context, args)
        return _run(context, args)
    finally:
        context.close()


class _NoCentral:
    """Reading the log needs no central."""

    label = ""

    def exchange(self, request: Any) -> Any:
        raise RuntimeError("not connected")

    def close(self) -> None:
        pass


def _show(context: Any, args: argparse.Namespace) -> int:
    from interviewer.services.common import SYSTEM
    from interviewer.services.sync import SyncService

    service = SyncService(context.db, _NoCentral(), SYSTEM, context.device_id)
    items = service.history() if args.log else service.conflicts()
    if args.json:
        print(json.dumps([item.model_dump(mode="json") for item in items], indent=1))
        return EXIT_OK
    if not items:
        print("no syncs yet" if args.log else "no conflicts")
    for item in items:
        data = item.model_dump(mode="json")
        if args.log:
            print(f"{data['started_at']} {data['status']:<9} {data['central']} "
                  f"up {_counts(data['pushed'])} down {_counts(data['pulled'])} "
                  f"conflicts {data['conflicts']}"
                  + (f" error: {data['error']}" if data["error"] else ""))
        else:
            state = "resolved" if data["resolved"] else "open"
            print(f"{data['detected_at']} {state:<8} {data['entity']} {data['entity_id']} "
                  f"case {data['case_id'] or '-'}: {data['reason']}")
    return EXIT_OK


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"


def _run(context: Any, args: argparse.Namespace) -> int:
    from interviewer.services.sync import SyncFailed, SyncService, direct_transport
    from interviewer.storage.central import central_url
    from interviewer.storage.db import StorageError

    try:
        transport = direct_transport(args.central or central_url(context.data_dir))
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    try:
        user = signed_in(args, transport.central)  # checked against central
        if user is None:
            return EXIT_UNUSABLE
        try:
            report = SyncService(context.db, transport, user, context.device_id).run()
        except SyncFailed as e:
            error(f"the sync stopped: {e}. What central acknowledged is kept; sync again "
                   "to finish.")
            return EXIT_STOPPED
    finally:
        transport.close()
    print(f"sync {report.status} with {transport.label}: up {_counts(report.pushed)}; "
          f"down {_counts(report.pulled)}; conflicts {report.conflicts}")
    return EXIT_STOPPED if report.conflicts or report.status != "ok" else EXIT_OK
