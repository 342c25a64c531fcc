"""Question inputs, one class per question type, found through a registry.

Every input shares one small protocol: `value()` returns the answer typed as the service
takes it (int/float for numbers, a choice name, a list of names, text, an ISO date
'YYYY-MM-DD', a time 'HH:MM:SS', True for acknowledge, None for no answer),
`set_value(value)` shows an answer, and `value_changed` is emitted when the interviewer
changes it. The input only collects; the service checks and stores.

Keyboard: digits 1-9 (0 for the tenth) pick a choice in a single choice list and toggle
one in a multiple choice list; in a ranking, Alt+Up / Alt+Down move the current option
and Space accepts the order shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QKeyEvent,
    QRegularExpressionValidator,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.interviewing import QuestionView

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): (d - 1 if d else 9) for d in range(10)}


def digit_index(event: QKeyEvent) -> int | None:
    """0-based choice position for keys 1..9 and 0 (the tenth), without Ctrl/Alt."""
    blocked = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    if event.modifiers() & blocked:
        return None
    return DIGIT_KEYS.get(Qt.Key(event.key()))


def same_answer(a: Any, b: Any) -> bool:
    """Whether two typed answers are the same (no answer in any form counts as one)."""
    def norm(v: Any) -> Any:
        return None if v in (None, "", []) else v
    return bool(norm(a) == norm(b))


class QuestionInput(QWidget):
    """Base of every input: the protocol the interview screen relies on."""

    value_changed = Signal()

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_input(self) -> None:
        """Put the keyboard focus where typing answers this question."""
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


InputType = TypeVar("InputType", bound=type[QuestionInput])
_REGISTRY: dict[str, type[QuestionInput]] = {}


def register(*question_types: str) -> Callable[[InputType], InputType]:
    def add(cls: InputType) -> InputType:
        for question_type in question_types:
            _REGISTRY[question_type] = cls
        return cls
    return add


def input_class(question_type: str) -> type[QuestionInput]:
    """The input for a question type; an unknown type is typed in as text."""
    return _REGISTRY.get(question_type, TextInput)


def make_input(question: QuestionView, parent: QWidget | None = None) -> QuestionInput:
    widget = input_class(question.type)(question, parent)
    widget.set_value(question.value)
    widget.set_read_only(question.read_only)
    return widget


def registered_types() -> list[str]:
    return sorted(_REGISTRY)


# -- typed text --

PLACEHOLDERS = {
    "text": "",
    "geopoint": "latitude longitude [altitude [accuracy]], e.g. 52.23 21.01",
    "geotrace": "points 'lat lon' separated by ';'",
    "geoshape": "points 'lat lon' separated by ';', ending where it starts",
    "barcode": "the code",
    "image": "file name",
    "audio": "file name",
    "video": "file name",
    "file": "file name",
}


class _MultiLineEdit(QPlainTextEdit):
    """Enter types a new line here; Ctrl+Enter goes on with the interview."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.ignore()
            return
        super().keyPressEvent(event)


@register("text", "geopoint", "geotrace", "geoshape", "barcode", "image", "audio", "video",
          "file")
class TextInput(QuestionInput):
    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self._multi: _MultiLineEdit | None = None
        self._line: QLineEdit | None = None
        if "multiline" in (question.appearance or ""):
            self._multi = _MultiLineEdit(self)
            self._multi.setTabChangesFocus(True)
            self._multi.setMinimumHeight(110)
            self._multi.textChanged.connect(self.value_changed)
            self._layout.addWidget(self._multi)
            self._layout.addWidget(_caption("Ctrl+Enter to go on", self))
        else:
            self._line = QLineEdit(self)
            self._line.setPlaceholderText(PLACEHOLDERS.get(question.type, ""))
            self._line.textEdited.connect(self.value_changed)
            self._layout.addWidget(self._line)

    def text(self) -> str:
        if self._multi is not None:
            return self._multi.toPlainText()
        assert self._line is not None
        return self._line.text()

    def value(self) -> Any:
        text = self.text()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self._multi is not None:
            self._multi.setPlainText(text)
        elif self._line is not None:
            self._line.setText(text)

    def focus_input(self) -> None:
        widget: QWidget | None = self._multi or self._line
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)


class _PatternInput(QuestionInput):
    """A one-line field with a validator: numbers, dates and times are typed."""

    PATTERN = ".*"
    PLACEHOLDER = ""
    WIDTH = 260

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.line = QLineEdit(self)
        self.line.setValidator(QRegularExpressionValidator(QRegularExpression(self.PATTERN),
                                                           self.line))
        self.line.setPlaceholderText(self.PLACEHOLDER)
        self.line.setMaximumWidth(self.WIDTH)
        self.line.textEdited.connect(self.value_changed)
        self.line.editingFinished.connect(self._on_editing_finished)
        self._layout.addWidget(self.line)
        caption = self.caption()
        if caption:
            self._layout.addWidget(_caption(caption, self))

    def caption(self) -> str:
        return ""

    def focus_input(self) -> None:
        self.line.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_value(self, value: Any) -> None:
        self.line.setText(self.display(value) if value is not None else "")

    def display(self, value: Any) -> str:
        return str(value)

    def value(self) -> Any:
        text = self.line.text().strip()
        if not text:
            return None
        return self.parse(text)

    def parse(self, text: str) -> Any:
        """The typed answer; what cannot be read is passed on as text, for the service to
        refuse with its own message."""
        return text

    def _on_editing_finished(self) -> None:
        """Show what was understood: '930' becomes '09:30', '19800102' '1980-01-02'."""
        value = self.value()
        if value is not None:
            shown = self.display(value)
            if shown != self.line.text():
                self.line.setText(shown)


@register("integer")
class IntegerInput(_PatternInput):
    PATTERN = r"[+-]?\d{0,10}"
    PLACEHOLDER = "a whole number"

    def parse(self, text: str) -> Any:
        try:
            return int(text)
        except ValueError:
            return text


def _decimal(text: str) -> Any:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


@register("decimal")
class DecimalInput(_PatternInput):
    PATTERN = r"[+-]?\d{0,15}([.,]\d{0,10})?"
    PLACEHOLDER = "a number"

    def parse(self, text: str) -> Any:
        return _decimal(text)

    def display(self, value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value)) if abs(value) < 1e15 else repr(value)
        return str(value)


@register("range")
class RangeInput(_PatternInput):
    PATTERN = r"[+-]?\d{0,10}([.,]\d{0,6})?"
    PLACEHOLDER = "a number"

    def _param(self, key: str, default: float) -> float:
        try:
            return float(self.question.parameters.get(key, default))
        except ValueError:
            return default

    def caption(self) -> str:
        start, end, step = (self._param("start", 1), self._param("end", 10),
                            self._param("step", 1))
        return f"From {_num(start)} to {_num(end)}, in steps of {_num(step)}"

    def parse(self, text: str) -> Any:
        value = _decimal(text)
        if isinstance(value, float) and value.is_integer() and \
                all(self._param(k, d).is_integer() for k, d in
                    (("start", 1), ("end", 10), ("step", 1))):
            return int(value)
        return value


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


_TIME = re.compile(r"^(\d{1,2}):?(\d{2})(?::?(\d{2}))?$")


def _time_value(text: str) -> str:
    """'9:30', '0930' or '09:30:15' as 'HH:MM:SS'; anything else unchanged."""
    match = _TIME.match(text)
    if not match:
        return text
    hours, minutes, seconds = match.group(1), match.group(2), match.group(3) or "00"
    return f"{int(hours):02d}:{minutes}:{seconds}"


@register("date")
class DateInput(_PatternInput):
    PATTERN = r"\d{0,4}-?\d{0,2}-?\d{0,2}"
    PLACEHOLDER = "YYYY-MM-DD"

    def parse(self, text: str) -> Any:
        if re.fullmatch(r"\d{8}", text):
            return f"{text[:4]}-{text[4:6]}-{text[6:]}"
        return text


@register("time")
class TimeInput(_PatternInput):
    PATTERN = r"\d{0,2}:?\d{0,2}(:?\d{0,2})?"
    PLACEHOLDER = "HH:MM"

    def display(self, value: Any) -> str:
        text = str(value)
        return text[:5] if re.fullmatch(r"\d{2}:\d{2}:00", text) else text

    def parse(self, text: str) -> Any:
        return _time_value(text)


@register("dateTime")
class DateTimeInput(_PatternInput):
    PATTERN = r"\d{0,4}-?\d{0,2}-?\d{0,2}[ T]?\d{0,2}:?\d{0,2}(:?\d{0,2})?"
    PLACEHOLDER = "YYYY-MM-DD HH:MM"
    WIDTH = 320

    def display(self, value: Any) -> str:
        text = str(value)
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:00)?", text)
        return f"{match.group(1)} {match.group(2)}" if match else text

    def parse(self, text: str) -> Any:
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](.+)", text)
        if not match:
            return text
        return f"{match.group(1)}T{_time_value(match.group(2))}"


# -- choices --

class _ChoiceButtons(QuestionInput):
    """A numbered list of choices; the digit of a choice picks it."""

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(self.EXCLUSIVE)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.buttons: list[QAbstractButton] = []
        for i, choice in enumerate(question.choices):
            key = QLabel(str((i + 1) % 10) if i < 10 else "", self)
            key.setObjectName("keyHint")
            key.setAlignment(Qt.AlignmentFlag.AlignCenter)
            button = self.make_button(choice.label)
            button.setObjectName("choice")
            button.setProperty("choice_name", choice.name)
            self.group.addButton(button, i)
            self.buttons.append(button)
            grid.addWidget(key, i, 0)
            grid.addWidget(button, i, 1)
        self.group.buttonToggled.connect(self._on_toggled)
        self._layout.addLayout(grid)

    EXCLUSIVE = True

    def make_button(self, label: str) -> QAbstractButton:
        raise NotImplementedError

    def _on_toggled(self, button: QAbstractButton, checked: bool) -> None:
        self.value_changed.emit()

    def pick(self, position: int) -> None:
        raise NotImplementedError

    def keyPressEvent(self, event: QKeyEvent) -> None:
        position = digit_index(event)
        if position is not None and position < len(self.buttons) and self.isEnabled():
            self.pick(position)
            self.buttons[position].setFocus(Qt.FocusReason.ShortcutFocusReason)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.isEnabled():
            self.set_value(None)
            self.value_changed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focus_input(self) -> None:
        if not self.buttons:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        checked = [b for b in self.buttons if b.isChecked()]
        (checked or self.buttons)[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _names(self) -> list[str]:
        return [str(b.property("choice_name")) for b in self.buttons if b.isChecked()]


@register("select_one")
class SingleChoiceInput(_ChoiceButtons):
    EXCLUSIVE = True

    def make_button(self, label: str) -> QAbstractButton:
        return QRadioButton(label, self)

    def pick(self, position: int) -> None:
        self.buttons[position].setChecked(True)

    def value(self) -> Any:
        names = self._names()
        return names[0] if names else None

    def set_value(self, value: Any) -> None:
        # an exclusive group cannot be emptied while exclusive
        self.group.setExclusive(False)
        for button in self.buttons:
            button.blockSignals(True)
            button.setChecked(button.property("choice_name") == value)
            button.blockSignals(False)
        self.group.setExclusive(True)


@register("select_multiple")
class MultipleChoiceInput(_ChoiceButtons):
    EXCLUSIVE = False

    def make_button(self, label: str) -> QAbstractButton:
        return QCheckBox(label, self)

    def pick(self, position: int) -> None:
        self.buttons[position].toggle()

    def value(self) -> Any:
        return self._names() or None

    def set_value(self, value: Any) -> None:
        chosen = set(value or [])
        for button in self.buttons:
            button.blockSignals(True)
            button.setChecked(button.property("choice_name") in chosen)
            button.blockSignals(False)


class _RankList(QListView):
    def keyPressEvent(self, event: QKeyEvent) -> None:
        owner = self.parent()
        if isinstance(owner, RankInput) and owner.handle_key(event):
            return
        super().keyPressEvent(event)


@register("rank")
class RankInput(QuestionInput):
    """Every option in an order: Alt+Up / Alt+Down move the current one, a digit goes to
    that option, Space accepts the order as shown."""

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.model = QStandardItemModel(self)
        self.view = _RankList(self)
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setMinimumHeight(min(60 + 34 * len(question.choices), 360))
        self._ranked = False
        self._layout.addWidget(self.view)
        self.status = _caption("", self)
        self._layout.addWidget(self.status)
        self.model.rowsMoved.connect(self._on_reordered)
        self.model.rowsInserted.connect(self._on_reordered)
        self._fill([c.name for c in question.choices])

    def _fill(self, names: list[str]) -> None:
        labels = {c.name: c.label for c in self.question.choices}
        self.model.clear()
        for name in names:
            item = QStandardItem(labels.get(name, name))
            item.setData(name, NAME_ROLE)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            self.model.appendRow(item)
        self._show_state()

    def _show_state(self) -> None:
        self.status.setText("Order accepted" if self._ranked else
                            "Alt+Up / Alt+Down move the option; Space accepts this order")

    def _on_reordered(self, *args: object) -> None:
        if self.model.rowCount() == len(self.question.choices):
            self._ranked = True
            self._show_state()
            self.value_changed.emit()

    def handle_key(self, event: QKeyEvent) -> bool:
        row = self.view.currentIndex().row()
        key = event.key()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if alt and key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and row >= 0:
            target = row - 1 if key == Qt.Key.Key_Up else row + 1
            if 0 <= target < self.model.rowCount():
                items = self.model.takeRow(row)
                self.model.insertRow(target, items)
                self.view.setCurrentIndex(self.model.index(target, 0))
                self._mark_ranked()
            return True
        if key == Qt.Key.Key_Space:
            self._mark_ranked()
            return True
        position = digit_index(event)
        if position is not None and position < self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(position, 0))
            return True
        return False

    def _mark_ranked(self) -> None:
        if not self._ranked:
            self._ranked = True
            self._show_state()
        self.value_changed.emit()

    def value(self) -> Any:
        if not self._ranked:
            return None
        return [str(self.model.item(row).data(NAME_ROLE))
                for row in range(self.model.rowCount())]

    def set_value(self, value: Any) -> None:
        names = [c.name for c in self.question.choices]
        if value:
            given = [v for v in value if v in names]
            names = given + [n for n in names if n not in given]
        self.model.blockSignals(True)
        self._fill(names)
        self.model.blockSignals(False)
        self.view.reset()
        self._ranked = bool(value)
        self._show_state()
        self.view.setCurrentIndex(self.model.index(0, 0))

    def focus_input(self) -> None:
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)


# -- no typed value --

@register("acknowledge")
class AcknowledgeInput(QuestionInput):
    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.box = QCheckBox("OK", self)
        self.box.setObjectName("choice")
        self.box.toggled.connect(self.value_changed)
        self._layout.addWidget(self.box)

    def value(self) -> Any:
        return True if self.box.isChecked() else None

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def focus_input(self) -> None:
        self.box.setFocus(Qt.FocusReason.OtherFocusReason)


@register("note")
class NoteInput(QuestionInput):
    """A note is read out; there is nothing to answer. It still takes the focus, so the
    interview's keys work on its screen."""

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(question, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFixedHeight(0)

    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        pass

    def set_read_only(self, read_only: bool) -> None:
        pass  # stays focusable


def _caption(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("caption")
    label.setWordWrap(True)
    return label


__all__ = [
    "QuestionInput",
    "input_class",
    "make_input",
    "register",
    "registered_types",
    "same_answer",
]
