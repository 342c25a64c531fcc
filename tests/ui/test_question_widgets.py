"""Question inputs: one per type from the registry, all with the same small protocol."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from interviewer.questionnaire.model import ANSWERABLE, QuestionType
from interviewer.services.interviewing import ChoiceView, QuestionView
from interviewer.ui.question_widgets import (
    AcknowledgeInput,
    MultipleChoiceInput,
    NoteInput,
    QuestionInput,
    RankInput,
    SingleChoiceInput,
    TextInput,
    input_class,
    make_input,
    registered_types,
    same_answer,
)

CHOICES = [ChoiceView(name=n, label=label) for n, label in
           (("a", "Apple"), ("b", "Banana"), ("c", "Cherry"))]


def question(kind: str, **extra: Any) -> QuestionView:
    return QuestionView(key="q", path="q", name="q", type=kind, label="Q?",
                        choices=CHOICES if kind.startswith(("select", "rank")) else [],
                        **extra)


def made(qtbot: QtBot, kind: str, **extra: Any) -> QuestionInput:
    widget = make_input(question(kind, **extra))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_every_type_shown_to_the_interviewer_has_an_input() -> None:
    shown = {t.value for t in ANSWERABLE} | {QuestionType.NOTE.value}
    assert shown <= set(registered_types())
    assert input_class("no such type") is TextInput


@pytest.mark.parametrize(("kind", "typed", "value"), [
    ("text", "hello", "hello"),
    ("text", "   ", None),
    ("integer", "42", 42),
    ("integer", "-7", -7),
    ("decimal", "3,5", 3.5),
    ("decimal", "2", 2.0),
    ("range", "4", 4),
    ("date", "20261125", "2026-11-25"),
    ("date", "2026-11-25", "2026-11-25"),
    ("time", "9:30", "09:30:00"),
    ("time", "0930", "09:30:00"),
    ("dateTime", "2026-11-25 14:05", "2026-11-25T14:05:00"),
    ("geopoint", "52.23 21.01", "52.23 21.01"),
    ("barcode", "5901234123457", "5901234123457"),
])
def test_typed_answers_come_out_typed(qtbot: QtBot, kind: str, typed: str,
                                      value: Any) -> None:
    widget = made(qtbot, kind)
    widget.focus_input()
    with qtbot.waitSignal(widget.value_changed):
        qtbot.keyClicks(widget.focusWidget() or widget, typed)
    assert widget.value() == value


def test_letters_cannot_be_typed_into_a_number(qtbot: QtBot) -> None:
    widget = made(qtbot, "integer")
    widget.focus_input()
    qtbot.keyClicks(widget.focusWidget() or widget, "1a2")
    assert widget.value() == 12


@pytest.mark.parametrize(("kind", "value"), [
    ("text", "words"), ("integer", 12), ("decimal", 2.5), ("date", "2026-01-02"),
    ("time", "08:15:00"), ("dateTime", "2026-01-02T08:15:00"), ("select_one", "b"),
    ("select_multiple", ["a", "c"]), ("rank", ["c", "a", "b"]), ("acknowledge", True),
    ("text", None), ("select_one", None), ("select_multiple", None), ("rank", None),
])
def test_set_value_then_value_gives_it_back(qtbot: QtBot, kind: str, value: Any) -> None:
    widget = made(qtbot, kind)
    widget.set_value(value)
    assert same_answer(widget.value(), value)
    widget2 = made(qtbot, kind, value=value)  # make_input shows the stored answer
    assert same_answer(widget2.value(), value)


def test_digits_pick_a_single_choice(qtbot: QtBot) -> None:
    widget = made(qtbot, "select_one")
    assert isinstance(widget, SingleChoiceInput)
    widget.focus_input()
    qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_2)
    assert widget.value() == "b"
    assert widget.focusWidget() is widget.buttons[1]  # the focus follows the choice
    qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_3)
    assert widget.value() == "c"
    qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_9)  # no ninth choice: nothing
    assert widget.value() == "c"
    qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_Delete)
    assert widget.value() is None


def test_digits_toggle_multiple_choices(qtbot: QtBot) -> None:
    widget = made(qtbot, "select_multiple")
    assert isinstance(widget, MultipleChoiceInput)
    widget.focus_input()
    for key in (Qt.Key.Key_3, Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3):
        qtbot.keyClick(widget.focusWidget(), key)
    assert widget.value() == ["a", "b"]  # in the order of the choices


def test_a_ranking_is_answered_once_ordered(qtbot: QtBot) -> None:
    widget = made(qtbot, "rank")
    assert isinstance(widget, RankInput)
    widget.focus_input()
    assert widget.value() is None  # the order shown is not an answer yet
    qtbot.keyClick(widget.view, Qt.Key.Key_3)  # to Cherry
    qtbot.keyClick(widget.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(widget.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert widget.value() == ["c", "a", "b"]
    other = made(qtbot, "rank")
    assert isinstance(other, RankInput)
    qtbot.keyClick(other.view, Qt.Key.Key_Space)  # accept the order as shown
    assert other.value() == ["a", "b", "c"]


def test_acknowledge_and_note(qtbot: QtBot) -> None:
    ack = made(qtbot, "acknowledge")
    assert isinstance(ack, AcknowledgeInput)
    assert ack.value() is None
    ack.focus_input()
    qtbot.keyClick(ack.box, Qt.Key.Key_Space)
    assert ack.value() is True
    note = made(qtbot, "note")
    assert isinstance(note, NoteInput) and note.value() is None
    note.focus_input()
    assert note.focusWidget() is note  # so the interview's keys work on a note's screen


def test_read_only_questions_cannot_be_changed(qtbot: QtBot) -> None:
    widget = made(qtbot, "select_one", read_only=True, value="a")
    assert not widget.isEnabled()
    assert widget.value() == "a"


def test_a_multiline_text_keeps_enter_for_new_lines(qtbot: QtBot) -> None:
    widget = made(qtbot, "text", appearance="multiline")
    widget.focus_input()
    qtbot.keyClicks(widget.focusWidget(), "one")
    qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_Return)
    qtbot.keyClicks(widget.focusWidget(), "two")
    assert widget.value() == "one\ntwo"


def test_same_answer_treats_every_empty_alike() -> None:
    assert same_answer(None, "") and same_answer([], None)
    assert not same_answer("a", None) and not same_answer(["a"], ["a", "b"])
    assert same_answer(3, 3.0)
