"""A questionnaire with a field-list group, a repeat the interviewer extends, and the
typed inputs (date, time, decimal, range, rank, acknowledge), walked by keyboard."""

from __future__ import annotations

import textwrap
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from interviewer.context import AppContext
from interviewer.services.common import SYSTEM
from interviewer.storage.models import Answer, Assignment, Case, Interview, User
from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo
from tests.ui.helpers import TIMEOUT, answer, enter, open_case, press, sign_in, step_key, type_text
from tests.ui.test_screenshots import save

FORM = """
| survey |
| | type | name | label | hint | required | appearance | parameters | special |
| | note | intro | Household visit: read this out first. | | | | | |
| | begin group | person | About you | | | field-list | | |
| | date | birth | Date of birth | Year, month, day | yes | | | |
| | time | best_time | Best time to call | | | | | |
| | decimal | height | Height in metres | | | | | dont_know refused |
| | select_one yn | smoker | Do you smoke? | | yes | | | |
| | end group | | | | | | | |
| | range | mood | Mood today | | | | start=1 end=5 step=1 | |
| | rank fruit | fruit_rank | Rank these fruits, best first | | | | | |
| | begin repeat | child | Child | | | | | |
| | text | cname | Child's name | | | | | |
| | end repeat | | | | | | | |
| | acknowledge | consent | I confirm the answers are right | | yes | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | fruit | apple | Apple |
| | fruit | banana | Banana |
| | fruit | cherry | Cherry |
"""


def add_case(context: AppContext, tmp_path: Path) -> str:
    form = tmp_path / "household.md"
    form.write_text(textwrap.dedent(FORM).strip() + "\n", encoding="utf-8")
    published = context.questionnaires.publish(SYSTEM, form, "Household test", "capi")
    with context.db.unit_of_work() as session:
        anna = session.scalar(select(User).where(User.username == "anna"))
        assert anna is not None
        case = Case(survey_id=published.survey_id, external_id="H0001",
                    respondent_name="Test Household")
        session.add(case)
        session.flush()
        session.add(Assignment(case_id=case.id, interviewer_id=anna.id))
    return "H0001"


def test_groups_repeats_and_typed_inputs_by_keyboard(qtbot: QtBot, window: MainWindow,
                                                     context: AppContext, demo: Demo,
                                                     tmp_path: Path) -> None:
    case = add_case(context, tmp_path)
    sign_in(qtbot, window, "anna", demo.password("anna"))
    open_case(qtbot, window, case)
    interview = window.interview
    enter(qtbot, window)

    # one screen, four questions; Tab goes from one to the next
    assert [c.question.name for c in interview.cards] == ["birth", "best_time", "height",
                                                          "smoker"]
    assert interview.group_title.text() == "About you"
    type_text(qtbot, window, "19800102")
    press(qtbot, window, Qt.Key.Key_Tab)
    type_text(qtbot, window, "930")
    press(qtbot, window, Qt.Key.Key_Tab)
    with qtbot.waitSignal(interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_F5)  # don't know, for the height: stays here
    height = interview.cards[2]
    assert height.special.isVisible() and "Don't know" in height.special.text()
    assert interview.cards[0].typed() == "1980-01-02"  # what was typed is kept
    enter(qtbot, window)  # smoker is required and unanswered
    assert interview.cards[3].error.isVisible()
    assert interview.cards[3].input.hasFocus() or interview.cards[3].has_focus_inside()
    save(window, "10-interview-group")
    assert answer(qtbot, window, "2") == "mood"

    assert answer(qtbot, window, "4") == "fruit_rank"
    press(qtbot, window, Qt.Key.Key_3)  # to Cherry
    press(qtbot, window, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    press(qtbot, window, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    enter(qtbot, window)
    assert step_key(window) == "child[1]/cname"
    assert interview.breadcrumb.text() == "Child 1"

    assert answer(qtbot, window, "Ann") == "repeat_prompt"
    assert "Child" in interview.prompt_text.text()
    save(window, "11-interview-repeat-prompt")
    with qtbot.waitSignal(interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Insert)  # add another
    assert step_key(window) == "child[2]/cname"
    assert answer(qtbot, window, "Bob") == "repeat_prompt"
    enter(qtbot, window)  # no more
    assert step_key(window) == "consent"
    press(qtbot, window, Qt.Key.Key_Space)
    enter(qtbot, window)
    assert step_key(window) == "end"
    with qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    with context.db.unit_of_work() as session:
        row = session.scalar(select(Interview).join(Case, Case.id == Interview.case_id)
                             .where(Case.external_id == case))
        assert row is not None and row.status == "completed"
        stored = {a.path: (a.value, a.special) for a in session.scalars(
            select(Answer).where(Answer.interview_id == row.id))}
    assert stored == {
        "person/birth": ("1980-01-02", None), "person/best_time": ("09:30:00", None),
        "person/height": (None, "dont_know"), "person/smoker": ("no", None),
        "mood": ("4", None), "fruit_rank": ("cherry apple banana", None),
        "child[1]/cname": ("Ann", None), "child[2]/cname": ("Bob", None),
        "consent": ("OK", None)}
