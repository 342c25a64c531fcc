"""`interviewer survey cx SURVEY [--set FILE]`: a survey's CX settings (waves, targets,
follow-up rules; see README "Results") as JSON, or replaced by the ones in FILE.

The file is checked whole before anything is stored; a wrong field is named
("survey settings cx.targets.nps: ..."). Saving is audited on central.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from interviewer.cli_common import (
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_UNUSABLE,
    central_options,
    error,
    open_central_or_say,
    show_help,
    sign_in_options,
    signed_in,
)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    survey = commands.add_parser("survey", help="survey settings (CX waves, targets, rules)")
    survey.set_defaults(handler=lambda args: show_help(survey))
    actions = survey.add_subparsers(metavar="ACTION")
    cx = actions.add_parser(
        "cx", help="print a survey's CX settings as JSON, or set them from a file",
        description="Without --set, prints the survey's waves, targets and follow-up rules "
                    "as JSON (edit that and give it back with --set). With --set FILE, "
                    "checks the file and stores it on central (audited).")
    cx.add_argument("survey", metavar="SURVEY")
    cx.add_argument("--set", type=Path, metavar="FILE", dest="set_file",
                    help="a JSON file of CX settings to store")
    central_options(cx)
    sign_in_options(cx)
    cx.set_defaults(handler=_cx)


def _cx(args: argparse.Namespace) -> int:
    from interviewer.metrics.targets import CxSettings
    from interviewer.services.common import ServiceError
    from interviewer.services.results import ResultsService
    from interviewer.storage.db import StorageError

    central = open_central_or_say(args)
    if central is None:
        return EXIT_UNUSABLE
    try:
        user = signed_in(args, central)
        if user is None:
            return EXIT_UNUSABLE
        service = ResultsService(central, user)
        survey = next((s for s in service.surveys() if s.name == args.survey), None)
        if survey is None:
            error(f"there is no survey '{args.survey}'")
            return EXIT_STOPPED
        if args.set_file is None:
            settings = service.settings(survey.id)
            print(json.dumps(settings.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return EXIT_OK
        new = CxSettings.from_survey_settings({"cx": _read(args.set_file)})
        service.save_settings(survey.id, new)
    except (ValueError, ServiceError) as e:
        error(str(e))
        return EXIT_STOPPED
    except StorageError as e:
        error(f"{e.message} {e.fix}")
        return EXIT_UNUSABLE
    finally:
        central.dispose()
    print(f"CX settings of '{args.survey}' saved: {len(new.waves)} waves, targets "
          f"{new.targets or 'none'}, {len(new.follow_up)} follow-up rules", file=sys.stderr)
    return EXIT_OK


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} line {e.lineno}: not JSON ({e.msg})") from None
