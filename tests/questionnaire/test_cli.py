"""The command line contract: exit codes and the JSON of `questionnaire run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interviewer.cli import main
from tests.questionnaire.conftest import MakeForm

FORM = """
| survey |
| | type | name | label::English (en) | label::Polski (pl) | required | constraint | constraint_message::English (en) | constraint_message::Polski (pl) | warning | warning_message::English (en) | warning_message::Polski (pl) | relevant | special |
| | integer | nps | Recommend? | Polecisz? | yes | . <= 10 | 0 to 10 | Od 0 do 10 | . > 0 | Zero? | Zero? | | dont_know |
| | text | why | Why ${nps}? | Dlaczego ${nps}? | | | | | | | | ${nps} < 7 | |
| | note | bye | Thanks | Dzieki | | | | | | | | | |
"""


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def answers_file(tmp_path: Path, answers: Any) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def test_check_ok_and_broken(make_form: MakeForm, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "questionnaire", "check", str(make_form(FORM)))
    assert code == 0 and "OK" in out and "Polski (pl)" in out
    broken = make_form(FORM.replace(". <= 10", ". <= 10 and and 1"))
    code, out, err = run_cli(capsys, "questionnaire", "check", str(broken))
    assert code == 1
    assert "row 2" in err and "column 'constraint'" in err and "Traceback" not in err


def test_run_completed(make_form: MakeForm, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "questionnaire", "run", str(make_form(FORM)),
                           "--answers", answers_file(tmp_path, {"nps": 3, "why": "slow"}))
    assert code == 0
    assert json.loads(out) == {"status": "completed", "path": ["nps", "why", "bye"],
                               "data": {"nps": 3, "why": "slow"}, "warnings": [],
                               "error": None}


def test_run_stops_with_the_message_in_the_chosen_language(
        make_form: MakeForm, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "questionnaire", "run", str(make_form(FORM)), "--answers",
                           answers_file(tmp_path, {"nps": 11}), "--lang", "pl")
    result = json.loads(out)
    assert code == 1 and result["status"] == "stopped"
    assert result["error"] == {"question": "nps", "kind": "constraint",
                               "message": "Od 0 do 10"}


def test_run_warnings_and_specials(make_form: MakeForm, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    form = str(make_form(FORM))
    _, out, _ = run_cli(capsys, "questionnaire", "run", form, "--answers",
                        answers_file(tmp_path, {"nps": 0, "why": "x"}), "--lang", "Polski (pl)")
    assert json.loads(out)["warnings"] == [{"question": "nps", "message": "Zero?"}]
    code, out, _ = run_cli(capsys, "questionnaire", "run", form, "--answers",
                           answers_file(tmp_path, {"nps": {"special": "dont_know"}}))
    result = json.loads(out)
    assert code == 0 and result["data"] == {"nps": {"special": "dont_know"}}
    assert result["path"] == ["nps", "bye"]  # a special reads blank: NaN < 7 is false


@pytest.mark.parametrize(("answers", "lang", "words"), [
    ("not json", None, "not JSON"),
    ([1, 2], None, "JSON object"),
    ({}, "xx", 'unknown language "xx"'),
])
def test_run_refuses_unusable_input(make_form: MakeForm, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str], answers: Any,
                                    lang: str | None, words: str) -> None:
    path = tmp_path / "answers.json"
    path.write_text(answers if isinstance(answers, str) else json.dumps(answers))
    args = ["questionnaire", "run", str(make_form(FORM)), "--answers", str(path)]
    code, out, err = run_cli(capsys, *args, *(["--lang", lang] if lang else []))
    assert code == 2 and words in err and out == ""


def test_run_refuses_a_broken_form(make_form: MakeForm, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "questionnaire", "run", str(make_form(FORM.replace(
        "${nps} < 7", "${nope} < 7"))), "--answers", answers_file(tmp_path, {}))
    assert code == 2 and "'nope'" in err and "row 3" in err


def test_scenarios_report_what_differs(make_form: MakeForm, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"name": "detractor", "answers": {"nps": 3, "why": "slow"},
                                "expect": {"status": "completed",
                                           "path": ["nps", "why", "bye"]}}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answers": {"nps": 9}, "expect": {
        "path": ["nps", "why", "bye"], "data": {"nps": 8}}}))
    code, out, _ = run_cli(capsys, "questionnaire", "test", str(make_form(FORM)), str(good),
                           str(bad))
    assert code == 1
    assert "PASS" in out and "FAIL" in out
    assert "path step 2: expected 'why', got 'bye'" in out
    assert "data.nps: expected 8, got 9" in out
    assert "1 passed, 1 failed" in out


def test_the_console_script_runs(make_form: MakeForm) -> None:
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "questionnaire", "check",
                           str(make_form(FORM))], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("answer", "kind"), [
    ({"nps": "25:99:99"}, None),  # nps is an integer: a type error, not a time
])
def test_unknown_special_answers_are_named(make_form: MakeForm, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str], answer: Any,
                                           kind: Any) -> None:
    code, out, err = run_cli(capsys, "questionnaire", "run", str(make_form(FORM)), "--answers",
                             answers_file(tmp_path, {"nps": {"special": "bogus"},
                                                     "nobody": 1}))
    result = json.loads(out)
    assert code == 1 and result["error"]["kind"] == "type"
    assert "unknown special answer 'bogus'" in result["error"]["message"]
    assert "'nobody' names no question" in err


def test_scenario_files_with_wrong_shapes_are_refused(make_form: MakeForm, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lang": 5, "answers": {}}))
    code, _, err = run_cli(capsys, "questionnaire", "test", str(make_form(FORM)), str(bad))
    assert code == 2 and "'lang' must be a string" in err
