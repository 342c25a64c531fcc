"""The interview screen: the questions of the current screen, the index to jump from,
and the keys an interviewer uses all day.

Keys: Enter confirms the answers and goes on (or confirms a soft warning, or completes on
the summary); Page Up or Alt+Left goes back; F5 don't know, F6 refused (when the question
allows it); F2 a remark; F3 the question index (Enter there jumps, Esc comes back); F8 the
language; Insert adds another repeat at a repeat prompt; Ctrl+S suspends.

Every action is one call on the InterviewSession, run on this screen's serial task
runner (see interview_actions): answers are committed before the screen moves on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.common import ServiceError
from interviewer.services.interviewing import InterviewSession, ProblemView, QuestionView
from interviewer.ui import interview_actions as actions
from interviewer.ui.dialogs import RemarkDialog
from interviewer.ui.interview_actions import Changes, Opened, Step, screen_key
from interviewer.ui.navigation_panel import NavigationPanel
from interviewer.ui.question_widgets import QuestionInput, make_input, same_answer
from interviewer.ui.tasks import TaskRunner, report_unexpected

log = logging.getLogger(__name__)

SPECIAL_LABELS = {"dont_know": "Don't know", "refused": "Refused"}
QUESTIONS_PAGE, PROMPT_PAGE, END_PAGE = range(3)


class QuestionCard(QFrame):
    """One question: its text, hint, input, special answer, remark, error and warning."""

    warning_confirmed = Signal()

    def __init__(self, question: QuestionView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionCard")
        self.question = question
        self.label = QLabel(self)
        self.label.setObjectName("questionLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.hint = QLabel(self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.input: QuestionInput = make_input(question, self)
        self.special = QLabel(self)
        self.special.setObjectName("specialBadge")
        self.remark = QLabel(self)
        self.remark.setObjectName("remarkText")
        self.remark.setWordWrap(True)
        self.remark.setTextFormat(Qt.TextFormat.PlainText)
        self.review = QLabel(self)  # the supervisor's comment, from a rejection
        self.review.setObjectName("reviewComment")
        self.review.setWordWrap(True)
        self.review.setTextFormat(Qt.TextFormat.PlainText)
        self.error = QLabel(self)
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.warning = QFrame(self)
        self.warning.setObjectName("warningBox")
        self.warning_text = QLabel(self.warning)
        self.warning_text.setObjectName("warningText")
        self.warning_text.setWordWrap(True)
        self.warning_text.setTextFormat(Qt.TextFormat.PlainText)
        self.confirm_button = QPushButton("Confirm and continue   Enter", self.warning)
        self.confirm_button.setObjectName("confirmWarning")
        self.confirm_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.confirm_button.clicked.connect(self.warning_confirmed)
        warning_layout = QHBoxLayout(self.warning)
        warning_layout.setContentsMargins(14, 10, 10, 10)
        warning_layout.addWidget(self.warning_text, 1)
        warning_layout.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignVCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        layout.addWidget(self.label)
        layout.addWidget(self.hint)
        layout.addSpacing(4)
        layout.addWidget(self.input)
        layout.addWidget(self.special)
        layout.addWidget(self.review)
        layout.addWidget(self.remark)
        layout.addWidget(self.error)
        layout.addWidget(self.warning)
        self.input.value_changed.connect(self._on_value_changed)
        self.update_view(question)
        self.show_problem(None)
        self.show_warning(None)

    @property
    def is_note(self) -> bool:
        return self.question.type == "note"

    def update_view(self, question: QuestionView) -> None:
        """The stored state after an action on this screen; what is typed stays unless a
        special answer replaced it."""
        self.question = question
        self.label.setText(question.label + ("  *" if question.required else ""))
        self.hint.setText(question.hint)
        self.hint.setVisible(bool(question.hint))
        special = SPECIAL_LABELS.get(question.special or "")
        self.special.setText(f"Answer: {special}" if special else "")
        self.special.setVisible(bool(special))
        if special and self.input.value() is not None:
            self.input.set_value(None)
        self.remark.setText(f"Remark: {question.remark}" if question.remark else "")
        self.remark.setVisible(bool(question.remark))
        comment = question.review_comment
        self.review.setText(f"Supervisor: {comment}" if comment else "")
        self.review.setVisible(bool(comment))

    def typed(self) -> Any:
        return self.input.value()

    def changed(self) -> bool:
        if self.question.read_only or self.is_note:
            return False
        if self.question.special is not None and self.typed() is None:
            return False  # the special answer stands
        return not same_answer(self.typed(), self.question.value)

    def show_problem(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.setProperty("problem", bool(message))
        self.style().unpolish(self)
        self.style().polish(self)

    def show_warning(self, message: str | None) -> None:
        self.warning_text.setText(message or "")
        self.warning.setVisible(bool(message))

    def has_focus_inside(self) -> bool:
        focus = self.focusWidget()
        return focus is not None and focus.hasFocus() and self.isAncestorOf(focus)

    def _on_value_changed(self) -> None:
        if self.special.isVisible() and self.typed() is not None:
            self.special.setText("Answer: (will replace "
                                 f"{SPECIAL_LABELS.get(self.question.special or '', '')})")


class InterviewScreen(QWidget):
    """Shows one interview; `start(opened)` puts one on it."""

    screen_shown = Signal(str)  # the key of what is on screen now
    interview_closed = Signal(str)  # suspended, completed or error
    problem_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("interviewScreen")
        self._tasks = TaskRunner(self, serial=True)
        self._session: InterviewSession | None = None
        self._step: Step | None = None
        self._cards: list[QuestionCard] = []
        self._shown_key = ""
        self._scroll_target: QuestionCard | None = None

        # header: what, who, language, progress
        self.title = QLabel(self)
        self.title.setObjectName("screenTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.language = QComboBox(self)
        self.language.setObjectName("language")
        self.language.setAccessibleName("Language")
        self.language.setToolTip("Language of the questionnaire (F8)")
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        language_label = QLabel("Language   F8", self)
        language_label.setObjectName("caption")
        language_label.setBuddy(self.language)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(240)
        self.progress_text = QLabel(self)
        self.progress_text.setObjectName("progressText")
        self.progress_text.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.breadcrumb = QLabel(self)
        self.breadcrumb.setObjectName("breadcrumb")
        self.breadcrumb.setTextFormat(Qt.TextFormat.PlainText)
        # a rejected interview: the supervisor's general comment, for as long as it is open
        self.review_note = QLabel(self)
        self.review_note.setObjectName("reviewNote")
        self.review_note.setWordWrap(True)
        self.review_note.setTextFormat(Qt.TextFormat.PlainText)
        self.review_note.hide()

        # the questions of a screen
        self.group_title = QLabel(self)
        self.group_title.setObjectName("groupTitle")
        self.group_title.setWordWrap(True)
        self.group_title.setTextFormat(Qt.TextFormat.PlainText)
        self.cards_box = QWidget(self)
        self.cards_box.setObjectName("cardsBox")
        self.cards_layout = QVBoxLayout(self.cards_box)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(14)
        questions_inner = QWidget(self)
        questions_inner.setObjectName("questionsInner")
        inner_layout = QVBoxLayout(questions_inner)
        inner_layout.setContentsMargins(4, 4, 12, 4)
        inner_layout.setSpacing(12)
        inner_layout.addWidget(self.group_title)
        inner_layout.addWidget(self.cards_box)
        inner_layout.addStretch(1)
        self.questions_scroll = QScrollArea(self)
        self.questions_scroll.setObjectName("questionsScroll")
        self.questions_scroll.setWidgetResizable(True)
        self.questions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.questions_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.questions_scroll.setWidget(questions_inner)

        # a repeat prompt
        prompt = QFrame(self)
        prompt.setObjectName("questionCard")
        self.prompt_text = QLabel(prompt)
        self.prompt_text.setObjectName("questionLabel")
        self.prompt_text.setWordWrap(True)
        self.add_button = QPushButton("Add another   Insert", prompt)
        self.add_button.setObjectName("primary")
        self.add_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.decline_button = QPushButton("No more, go on   Enter", prompt)
        self.decline_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        prompt_buttons = QHBoxLayout()
        prompt_buttons.addWidget(self.add_button)
        prompt_buttons.addWidget(self.decline_button)
        prompt_buttons.addStretch(1)
        prompt_layout = QVBoxLayout(prompt)
        prompt_layout.setContentsMargins(22, 18, 22, 18)
        prompt_layout.setSpacing(14)
        prompt_layout.addWidget(self.prompt_text)
        prompt_layout.addLayout(prompt_buttons)
        prompt_page = QWidget(self)
        prompt_page_layout = QVBoxLayout(prompt_page)
        prompt_page_layout.setContentsMargins(4, 4, 12, 4)
        prompt_page_layout.addWidget(prompt)
        prompt_page_layout.addStretch(1)
        prompt_page.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.prompt_page = prompt_page

        # the end: every answer, then Complete
        end_page = QWidget(self)
        end_title = QLabel("End of the interview", end_page)
        end_title.setObjectName("groupTitle")
        end_help = QLabel("Check the answers with the respondent, then complete the "
                          "interview. Enter on an answer (or a double-click) goes back to "
                          "it.", end_page)
        end_help.setObjectName("hint")
        end_help.setWordWrap(True)
        self.summary = NavigationPanel(end_page)
        self.summary.setObjectName("summary")
        self.summary.header().resizeSection(1, 260)
        self.end_problems = QLabel(end_page)
        self.end_problems.setObjectName("errorText")
        self.end_problems.setWordWrap(True)
        self.end_problems.setTextFormat(Qt.TextFormat.PlainText)
        self.complete_button = QPushButton("Complete interview   Ctrl+Enter", end_page)
        self.complete_button.setObjectName("primary")
        self.complete_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        end_layout = QVBoxLayout(end_page)
        end_layout.setContentsMargins(4, 4, 12, 4)
        end_layout.setSpacing(10)
        end_layout.addWidget(end_title)
        end_layout.addWidget(end_help)
        end_layout.addWidget(self.summary, 1)
        end_layout.addWidget(self.end_problems)
        end_row = QHBoxLayout()
        end_row.addStretch(1)
        end_row.addWidget(self.complete_button)
        end_layout.addLayout(end_row)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.questions_scroll)
        self.pages.addWidget(prompt_page)
        self.pages.addWidget(end_page)

        self.panel = NavigationPanel(self)
        self.panel.setMinimumWidth(280)
        panel_box = QWidget(self)
        panel_title = QLabel("Questions   F3", panel_box)
        panel_title.setObjectName("panelTitle")
        panel_layout = QVBoxLayout(panel_box)
        panel_layout.setContentsMargins(12, 0, 0, 0)
        panel_layout.setSpacing(6)
        panel_layout.addWidget(panel_title)
        panel_layout.addWidget(self.panel, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.pages)
        self.splitter.addWidget(panel_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([880, 380])

        # footer: the keys, as buttons too
        self.back_button = self._footer_button("Back   PgUp", self._on_back)
        self.dont_know_button = self._footer_button("Don't know   F5", self._on_dont_know)
        self.refused_button = self._footer_button("Refused   F6", self._on_refused)
        self.remark_button = self._footer_button("Remark   F2", self._on_remark)
        self.suspend_button = self._footer_button("Suspend   Ctrl+S", self._on_suspend)
        self.next_button = self._footer_button("Next   Enter", self._on_enter)
        self.next_button.setObjectName("primary")
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        header = QHBoxLayout()
        header.setSpacing(14)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        header.addWidget(language_label)
        header.addWidget(self.language)
        header.addSpacing(10)
        progress_box = QVBoxLayout()
        progress_box.setSpacing(4)
        progress_box.addWidget(self.progress_text)
        progress_box.addWidget(self.progress)
        header.addLayout(progress_box)
        footer = QHBoxLayout()
        footer.setSpacing(8)
        for button in (self.back_button, self.dont_know_button, self.refused_button,
                       self.remark_button, self.suspend_button):
            footer.addWidget(button)
        footer.addWidget(self.notice, 1)
        footer.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 18, 28, 16)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.breadcrumb)
        layout.addWidget(self.review_note)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(footer)

        self._tasks.busy_changed.connect(self._on_busy_changed)
        self.panel.jump_requested.connect(self._on_jump_requested)
        self.summary.jump_requested.connect(self._on_jump_requested)
        self.add_button.clicked.connect(self._on_add_instance)
        self.decline_button.clicked.connect(self._on_enter)
        self.complete_button.clicked.connect(self._on_complete)
        self.language.activated.connect(self._on_language_chosen)
        keys: list[tuple[QKeySequence | QKeySequence.StandardKey | Qt.Key, Callable[[], None]]]
        keys = [
            (QKeySequence(Qt.Key.Key_PageUp), self._on_back),
            (QKeySequence("Alt+Left"), self._on_back),
            (QKeySequence(Qt.Key.Key_F5), self._on_dont_know),
            (QKeySequence(Qt.Key.Key_F6), self._on_refused),
            (QKeySequence(Qt.Key.Key_F2), self._on_remark),
            (QKeySequence(Qt.Key.Key_F3), self._on_show_index),
            (QKeySequence(Qt.Key.Key_F8), self._on_choose_language),
            (QKeySequence("Ctrl+S"), self._on_suspend),
            (QKeySequence(Qt.Key.Key_Insert), self._on_add_instance),
            (QKeySequence("Ctrl+Return"), self._on_ctrl_enter),
            (QKeySequence("Ctrl+Enter"), self._on_ctrl_enter),
        ]
        for sequence, slot in keys:
            shortcut = QShortcut(sequence, self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _footer_button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys do it; Tab stays on answers
        button.clicked.connect(slot)
        return button

    # -- the interview on screen --
    @property
    def session(self) -> InterviewSession | None:
        return self._session

    @property
    def busy(self) -> bool:
        return self._tasks.busy

    @property
    def current_step(self) -> Step | None:
        return self._step

    @property
    def cards(self) -> list[QuestionCard]:
        return list(self._cards)

    def start(self, opened: Opened) -> None:
        self._session = opened.session
        self._step = None
        self._shown_key = ""
        self.title.setText(opened.survey)
        self.subtitle.setText(f"{opened.respondent}   ·   case {opened.case}")
        self.notice.clear()
        note = opened.session.review_note
        self.review_note.setText(f"Rejected by the supervisor: {note}" if note else "")
        self.review_note.setVisible(bool(note))
        self._render(opened.step)

    def wait(self) -> None:
        """Let the actions already asked for reach the store (before closing)."""
        self._tasks.wait()

    def suspend_now(self) -> None:
        """The window is closing: keep what is typed and suspend, on this thread."""
        self.wait()
        session = self._session
        if session is not None and session.status in ("in_progress", "rejected"):
            actions.suspend(session, self._changes())
        self._session = None

    # -- rendering a step --
    def _render(self, step: Step) -> None:
        previous = self._step
        self._step = step
        if step.closed:
            log.info("interview %s", step.closed)
            self._session = None
            self.interview_closed.emit(step.closed)
            return
        screen = step.screen
        key = f"{screen.kind}:{screen_key(screen)}"
        rebuild = step.moved or previous is None or key != self._shown_key
        self._shown_key = key
        if screen.kind == "end":
            self.pages.setCurrentIndex(END_PAGE)
            self.summary.set_entries(step.summary)
            self.end_problems.setText("\n".join(
                f"{p.path}: {p.message}" for p in step.problems))
            self.end_problems.setVisible(bool(step.problems))
        elif screen.kind == "repeat_prompt":
            self.pages.setCurrentIndex(PROMPT_PAGE)
            self.prompt_text.setText(f"Add another “{screen.title}”?" if screen.title
                                     else "Add another one?")
        else:
            self.pages.setCurrentIndex(QUESTIONS_PAGE)
            if rebuild:
                self._build_cards(step)
            else:
                by_key = {q.key: q for q in screen.questions}
                for card in self._cards:
                    if card.question.key in by_key:
                        card.update_view(by_key[card.question.key])
            self._show_messages(step.problems, step.warnings)
        self._show_header(step)
        self.panel.set_entries(step.index, step.current_key)
        self.notice.setText(step.notice)
        self.notice.setProperty("error", False)
        self._update_buttons()
        if rebuild or step.problems or step.warnings:
            self._focus_answer(step)
        self.screen_shown.emit(step.current_key)

    def _build_cards(self, step: Step) -> None:
        for card in self._cards:
            card.hide()
            card.deleteLater()
        self._cards = []
        screen = step.screen
        self.group_title.setText(screen.title if screen.kind == "group" else "")
        self.group_title.setVisible(screen.kind == "group" and bool(screen.title))
        for question in screen.questions:
            card = QuestionCard(question, self.cards_box)
            card.warning_confirmed.connect(self._on_enter)
            self.cards_layout.addWidget(card)
            card.show()  # now, not on the next turn of the event loop: the focus goes here
            self._cards.append(card)
        self.questions_scroll.verticalScrollBar().setValue(0)

    def _show_header(self, step: Step) -> None:
        screen = step.screen
        self.breadcrumb.setText("   \u203a   ".join(screen.section))
        self.breadcrumb.setVisible(bool(screen.section))
        total = max(screen.total, 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(screen.answered, total))
        self.progress_text.setText(f"{screen.answered} of {screen.total} answered")
        self.language.blockSignals(True)
        if [self.language.itemText(i) for i in range(self.language.count())] \
                != screen.languages:
            self.language.clear()
            self.language.addItems(screen.languages)
        self.language.setCurrentText(screen.language)
        self.language.setEnabled(len(screen.languages) > 1)
        self.language.blockSignals(False)

    def _show_messages(self, problems: list[ProblemView], warnings: list[ProblemView]) -> None:
        problem_at = {p.path: p.message for p in problems}
        warning_at = {w.path: w.message for w in warnings}
        for card in self._cards:
            card.show_problem(problem_at.pop(card.question.path, None))
            card.show_warning(warning_at.pop(card.question.path, None))
        left = list(problem_at.values()) + list(warning_at.values())
        if left:  # a problem with no card on this screen (should not happen): still say it
            self._show_notice(" ".join(left), error=True)
        for message in [p.message for p in problems]:
            self.problem_shown.emit(message)

    def _update_buttons(self) -> None:
        step = self._step
        kind = step.screen.kind if step is not None else ""
        card = self._target_card()
        specials = card.question.specials if card is not None else []
        on_questions = kind in ("question", "group")
        self.dont_know_button.setEnabled(on_questions and "dont_know" in specials)
        self.refused_button.setEnabled(on_questions and "refused" in specials)
        self.remark_button.setEnabled(on_questions and card is not None)
        self.next_button.setVisible(kind != "end")

    def _focus_answer(self, step: Step) -> None:
        kind = step.screen.kind
        if kind == "end":
            self.summary.setFocus()
            return
        if kind == "repeat_prompt":
            self.prompt_page.setFocus()
            return
        flagged = {p.path for p in step.problems} | {w.path for w in step.warnings}
        target = next((c for c in self._cards if c.question.path in flagged), None)
        if target is None:
            target = next((c for c in self._cards
                           if not c.is_note and not c.question.read_only), None)
        if target is None and self._cards:
            target = self._cards[0]
        if target is not None:
            target.input.focus_input()
            # after the layout has taken in what was just shown (an error, a warning)
            self._scroll_target = target
            QTimer.singleShot(0, self._on_scroll_to_target)
        else:
            self.pages.setFocus()

    def _on_scroll_to_target(self) -> None:
        target, self._scroll_target = self._scroll_target, None
        if target is not None and target in self._cards:
            self.questions_scroll.ensureWidgetVisible(target, 0, 16)

    def _show_notice(self, text: str, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setProperty("error", error)
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)

    # -- keys --
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter reaches here when the focused input does not use it itself
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._on_enter()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.panel.hasFocus():
            self._focus_answer_now()
            event.accept()
            return
        super().keyPressEvent(event)

    def _focus_answer_now(self) -> None:
        if self._step is not None:
            self._focus_answer(self._step)

    def _changes(self) -> Changes:
        return {card.question.key: card.typed() for card in self._cards if card.changed()}

    def _target_card(self) -> QuestionCard | None:
        """The question the interviewer is on: the focused one, else the first answerable
        one."""
        answerable = [c for c in self._cards if not c.is_note]
        for card in answerable:
            if card.has_focus_inside():
                return card
        return answerable[0] if answerable else None

    def _run(self, work: Callable[[InterviewSession], Step]) -> None:
        session = self._session
        if session is None or self._tasks.busy:
            return
        self._tasks.run(lambda: work(session), self._on_step, self._on_failed)

    def _on_enter(self) -> None:
        step = self._step
        if step is None:
            return
        kind = step.screen.kind
        if kind == "end":
            return  # completing needs Ctrl+Enter or the button: never by a stray Enter
        if kind == "repeat_prompt":
            self._run(lambda s: actions.go_on(s, {}))
            return
        changes = self._changes()
        if step.warnings and not step.moved:
            self._run(lambda s: actions.confirm_and_go_on(s, changes))
        else:
            self._run(lambda s: actions.go_on(s, changes))

    def _on_ctrl_enter(self) -> None:
        step = self._step
        if step is not None and step.screen.kind == "end":
            self._on_complete()
        else:
            self._on_enter()

    def _on_back(self) -> None:
        changes = self._changes()
        self._run(lambda s: actions.back(s, changes))

    def _on_jump_requested(self, key: str) -> None:
        changes = self._changes()
        self._run(lambda s: actions.jump(s, changes, key))

    def _on_dont_know(self) -> None:
        self._special("dont_know")

    def _on_refused(self) -> None:
        self._special("refused")

    def _special(self, special: str) -> None:
        card = self._target_card()
        if card is None or self._step is None or \
                self._step.screen.kind not in ("question", "group"):
            return
        if special not in card.question.specials:
            self._show_notice(f"“{SPECIAL_LABELS[special]}” is not an answer this question "
                              "takes.", error=True)
            return
        key = card.question.key
        go = len([c for c in self._cards if not c.is_note]) == 1
        self._run(lambda s: actions.set_special(s, key, special, go))

    def _on_remark(self) -> None:
        card = self._target_card()
        if card is None or self._session is None or self._tasks.busy:
            return
        text = RemarkDialog.ask(self, card.question.label, card.question.remark or "")
        if text is None:
            self._focus_answer_now()
            return
        key = card.question.key
        self._run(lambda s: actions.add_remark(s, key, text))

    def _on_show_index(self) -> None:
        self.panel.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.panel.currentIndex().isValid() and self.panel.model().rowCount():
            self.panel.setCurrentIndex(self.panel.model().index(0, 0))

    def _on_choose_language(self) -> None:
        if self.language.isEnabled():
            self.language.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.language.showPopup()

    def _on_language_chosen(self, position: int) -> None:
        language = self.language.itemText(position)
        step = self._step
        if step is None or language == step.screen.language:
            self._focus_answer_now()
            return
        changes = self._changes()
        self._run(lambda s: actions.set_language(s, changes, language))

    def _on_add_instance(self) -> None:
        if self._step is not None and self._step.screen.kind == "repeat_prompt":
            self._run(actions.add_instance)

    def _on_suspend(self) -> None:
        changes = self._changes()
        self._run(lambda s: actions.suspend(s, changes))

    def _on_complete(self) -> None:
        if self._step is not None and self._step.screen.kind == "end":
            self._run(actions.complete)

    # -- results --
    def _on_step(self, step: object) -> None:
        assert isinstance(step, Step)
        self._render(step)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, ServiceError):
            self._show_notice(str(error), error=True)
            self.problem_shown.emit(str(error))
            return
        # A bug. Every answer confirmed so far is in the store: leave the interview, so
        # that it reopens from the store, and report.
        self._session = None
        self.interview_closed.emit("error")
        report_unexpected(error)

    def _on_busy_changed(self, busy: bool) -> None:
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)


__all__ = ["InterviewScreen", "QuestionCard"]
