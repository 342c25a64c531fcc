"""The layout of an export, from the questionnaire alone: which files, which variables
in which order, their labels, types and value labels. Pure: no data, no database.

Several versions of one questionnaire: the variables of the newest version in its order,
then those only older versions have; a question keeps the labels and the type of the
newest version that has it, and the choices of every version. Choices are merged by name
in the order they first appear, oldest version first, so that a choice a later version
adds (anywhere in its list) is appended and the codes of existing choices never move;
a choice keeps the newest version's label. A choice whose label differs between versions
gets a note; when the names are numbers (the name is the code) or a label moved to
another name, the answers of older versions may now carry the wrong label: that is a
warning (`Layout.warnings`), as is a question whose type changed.

Personal data (`Question.personal`, and calculations that use it) is left out unless
contact data is asked for (`include_contact`); `Layout.personal_questions` names them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from interviewer.export.names import Names
from interviewer.questionnaire.model import (
    Choice,
    Group,
    Question,
    Questionnaire,
    QuestionType,
    Repeat,
    Text,
)

Kind = Literal["numeric", "string", "date", "datetime"]
Role = Literal["key", "meta", "answer", "multi_raw", "multi_choice", "special", "calculate",
               "paradata"]
Measure = Literal["nominal", "ordinal", "scale"]

DK_LABEL = "Don't know"
RF_LABEL = "Refused"
SPECIAL_CODES = {"dont_know": 1.0, "refused": 2.0}  # the `<q>_special` companions
SKIPPED = frozenset({QuestionType.NOTE, QuestionType.METADATA})
NUMBERS = frozenset({QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE})
MAIN = ""  # the main table's repeat name
SHORT_LABEL_MAX = 80  # Stata's variable labels
_PIPE = re.compile(r"\$\{([^}]*)\}")
_REFERENCE = re.compile(r"\$\{([\w.\-]+)\}")


@dataclass
class Variable:
    name: str  # in the file: valid and unique
    label: str
    kind: Kind
    role: Role
    source: str  # the question's (or the meta field's) name as written
    qtype: str = ""
    choice: str | None = None  # multi_choice: the choice this 0/1 column stands for
    value_labels: dict[float, str] = field(default_factory=dict)
    codes: dict[str, float] = field(default_factory=dict)  # select_one names -> codes
    coded: bool = False  # select_one with non-numeric names: codes 1..k in choice order
    measure: Measure = "nominal"
    accepts_special: bool = False
    integer: bool = True  # display without decimals
    # decided from the data when the files are written
    dk_code: float | None = None
    rf_code: float | None = None
    stata_missing: bool = False  # Stata: .a / .b used
    # at most 80 characters, what distinguishes the variable first (Stata's labels)
    short_label: str = ""
    notes: list[str] = field(default_factory=list)  # for the codebook and DDI
    personal: bool = False  # personal data (exported only with include_contact)

    def __post_init__(self) -> None:
        if not self.short_label:
            self.short_label = shorten(self.label)


@dataclass
class Table:
    """One output file: the main table (repeat == MAIN), one repeat, or paradata."""

    repeat: str
    label: str
    variables: list[Variable]
    parent: str | None = None  # the enclosing repeat, for nested repeats

    def by_source(self) -> dict[str, list[Variable]]:
        out: dict[str, list[Variable]] = {}
        for v in self.variables:
            if v.role not in ("key", "meta", "paradata"):
                out.setdefault(v.source, []).append(v)
        return out


@dataclass
class Layout:
    form_id: str
    title: str
    language: str
    versions: list[str]
    main: Table
    repeats: list[Table]
    paradata: Table
    # what the export should tell the user (changes between versions that may relabel
    # answers, changed types): printed by the command, listed in the codebook
    warnings: list[str] = field(default_factory=list)
    # questions holding personal data, by name (any version; calculations using them
    # included): their values are to be blanked in the paradata unless include_contact
    personal_questions: frozenset[str] = frozenset()
    include_contact: bool = False
    # personal questions left out of the files (include_contact false), by name
    personal_left_out: list[str] = field(default_factory=list)

    def is_personal(self, path: str) -> bool:
        """Whether an answer's or paradata event's path (`q`, `group/q`, `member[2]/q`)
        is a personal question's."""
        return path.rsplit("/", 1)[-1].split("[", 1)[0] in self.personal_questions


META = (
    ("interview_id", "Interview id", "string"),
    ("external_id", "Case id (external)", "string"),
    ("interviewer", "Interviewer (user name)", "string"),
    ("status", "Interview status", "string"),
    ("started_at", "Started (UTC)", "datetime"),
    ("completed_at", "Completed (UTC)", "datetime"),
    ("duration_minutes", "Minutes from start to completion", "numeric"),
    ("language", "Language of the interview", "string"),
    ("questionnaire_version", "Questionnaire version", "string"),
)
CONTACT = (
    ("respondent_name", "Respondent name", "string"),
    ("phone", "Respondent phone", "string"),
    ("address", "Respondent address", "string"),
)
REPEAT_KEYS = (
    ("interview_id", "Interview id", "string"),
    ("repeat", "Repeat name", "string"),
    ("instance", "Instance number within its parent", "numeric"),
    ("parent_instance", "Path of the enclosing repeat instance (nested repeats)", "string"),
)
PARADATA = (
    ("interview_id", "Interview id", "string"),
    ("seq", "Event number within the interview", "numeric"),
    ("kind", "Event", "string"),
    ("path", "Question or screen", "string"),
    ("at", "When (UTC)", "datetime"),
    ("from_path", "Moved from", "string"),
    ("old_value", "Value before", "string"),
    ("new_value", "Value after", "string"),
    ("old_special", "Special answer before", "string"),
    ("new_special", "Special answer after", "string"),
    ("message", "Warning confirmed", "string"),
    ("language_chosen", "Language chosen", "string"),
)


@dataclass
class _Found:
    question: Question  # the newest version's
    repeat: str  # MAIN or the innermost repeat's name
    choices: list[Choice]
    accepts_special: bool
    # every version that has the question, newest first: (version, question, choices)
    history: list[tuple[str, Question, list[Choice]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    personal: bool = False


def build_layout(questionnaires: Sequence[Questionnaire], *, max_name: int,
                 language: str | None = None, include_contact: bool = False) -> Layout:
    """The layout of `questionnaires` (versions of one form, newest first)."""
    if not questionnaires:
        raise ValueError("no questionnaire to lay out")
    newest = questionnaires[0]
    lang = language if language in newest.languages else newest.default_language
    found, repeats = _collect(questionnaires)
    warnings = _merge(found, lang)
    personal = _personal(found)
    main_fields = META + (CONTACT if include_contact else ())
    main = Table(MAIN, newest.title, _fixed(main_fields, "meta", max_name))
    tables = {MAIN: main}
    for name, (label, parent) in repeats.items():
        tables[name] = Table(name, _text(label, lang) or name,
                             _fixed(REPEAT_KEYS, "key", max_name), parent)
    names = {key: Names(max_name) for key in tables}
    for key, table in tables.items():
        for v in table.variables:
            names[key].add(v.name)
    # every question's own name first (left-out ones too, so that names do not depend
    # on include_contact); generated columns (0/1, _special) take a suffix if need be
    own = {(item.repeat, item.question.name): names[item.repeat].add(item.question.name)
           for item in found}
    left_out: list[str] = []
    for item in found:
        if item.personal and not include_contact:
            left_out.append(item.question.name)
            continue
        table = tables[item.repeat]
        table.variables.extend(_variables(item, lang, names[item.repeat],
                                          own[(item.repeat, item.question.name)]))
    paradata = Table("paradata", "Paradata", _fixed(PARADATA, "paradata", max_name))
    versions = [q.version or "-" for q in questionnaires]
    return Layout(newest.form_id, newest.title, lang, versions, main,
                  [t for k, t in tables.items() if k != MAIN], paradata,
                  warnings=warnings, personal_questions=personal,
                  include_contact=include_contact, personal_left_out=left_out)


def _fixed(fields: Sequence[tuple[str, str, str]], role: Role, max_name: int) -> list[Variable]:
    kinds: dict[str, Kind] = {"string": "string", "numeric": "numeric",
                              "datetime": "datetime"}
    return [Variable(name[:max_name], label, kinds[kind], role, name,
                     measure="scale" if kind == "numeric" else "nominal",
                     integer=name != "duration_minutes")
            for name, label, kind in fields]


def _collect(questionnaires: Sequence[Questionnaire]) -> tuple[
        list[_Found], dict[str, tuple[Text, str | None]]]:
    """Questions in the newest version's order, then older versions' extra ones, each
    with every version's question and choices (merged by _merge)."""
    found: dict[tuple[str, str], _Found] = {}
    repeats: dict[str, tuple[Text, str | None]] = {}
    for questionnaire in questionnaires:
        for question, repeat in _questions(questionnaire, repeats):
            if question.type in SKIPPED:
                continue
            choices = list(questionnaire.choices[question.list_name].choices) \
                if question.list_name and question.list_name in questionnaire.choices else []
            key = (repeat, question.name)
            item = found.get(key)
            if item is None:
                item = found[key] = _Found(question, repeat, [], False)
            item.history.append((questionnaire.version or "-", question, choices))
            item.accepts_special |= bool(question.special)
            item.personal |= question.personal
    return list(found.values()), repeats


def _merge(found: Sequence[_Found], lang: str) -> list[str]:
    """Each question's choices across versions: by name, in first-seen order from the
    oldest version on (a choice is never renumbered by a later version), the newest
    label. Notes on labels and types that changed; the warnings among them."""
    warnings: list[str] = []
    for item in found:
        name = item.question.name
        # choice -> (version, label) oldest first; versions by position, as two
        # versions may carry the same version string (or none)
        labels: dict[str, list[tuple[str, str]]] = {}
        merged: dict[str, Choice] = {}
        for version, _question, choices in reversed(item.history):  # oldest first
            for c in choices:
                merged[c.name] = c  # the newest label wins, the place stays
                labels.setdefault(c.name, []).append(
                    (version, _text(c.label, lang) or c.name))
        item.choices = list(merged.values())
        types = [(version, q.type.value) for version, q, _ in reversed(item.history)]
        if len({t for _, t in types}) > 1:
            told = ", ".join(f"{t} in version {v}" for v, t in dict.fromkeys(types))
            text = (f"`{name}` changed type ({told}); exported as "
                    f"{item.question.type.value}, the newest version's type")
            if item.question.type in NUMBERS:
                text += ": an older answer that is not a number is left empty"
            item.notes.append(text)
            warnings.append(text)
        if len(item.history) < 2 or not merged:
            continue
        newest = {n: _text(c.label, lang) or n for n, c in merged.items()}
        numeric = all(_number(choice) is not None for choice in merged)
        for choice, seen in labels.items():
            older = list(dict.fromkeys((v, label) for v, label in seen
                                       if label != newest[choice]))
            if not older:
                continue
            was = "; ".join(f"'{label}' in version {v}" for v, label in older)
            item.notes.append(f"choice `{choice}` is now labelled '{newest[choice]}', "
                              f"was {was}")
            moved = any(label == newest[other] for _, label in older
                        for other in newest if other != choice)
            if numeric or moved:
                warnings.append(
                    f"`{name}`: {choice} is labelled '{newest[choice]}' but meant {was}: "
                    f"answers {choice} from older versions carry the new label; tell them "
                    "apart by `questionnaire_version`")
    return warnings


def _personal(found: Sequence[_Found]) -> frozenset[str]:
    """Personal questions, and calculations that use one (directly or through another
    calculation): they are personal too."""
    personal = {item.question.name for item in found if item.personal}
    calculations = [item for item in found if item.question.calculation]
    grew = True
    while grew:
        grew = False
        for item in calculations:
            if item.question.name in personal:
                continue
            used = set(_REFERENCE.findall(item.question.calculation or ""))
            if used & personal:
                personal.add(item.question.name)
                item.personal = grew = True
    return frozenset(personal)


def _questions(questionnaire: Questionnaire, repeats: dict[str, tuple[Text, str | None]]
               ) -> list[tuple[Question, str]]:
    out: list[tuple[Question, str]] = []

    def visit(elements: Sequence[Question | Group | Repeat], repeat: str) -> None:
        for element in elements:
            if isinstance(element, Question):
                out.append((element, repeat))
            elif isinstance(element, Group) and not repeat and element.name == "meta":
                continue  # instanceID and the like: the interview_id column says it
            elif isinstance(element, Repeat):
                repeats.setdefault(element.name, (element.label, repeat or None))
                visit(element.children, element.name)
            else:
                visit(element.children, repeat)

    visit(questionnaire.children, MAIN)
    return out


def _text(text: Text, language: str) -> str:
    """The text in the language (else the first one), on one line; a piped answer
    `${name}` shows as `[name]` (as on the dashboard)."""
    value = text.get(language) or next(iter(text.values()), "")
    return _PIPE.sub(r"[\1]", " ".join(value.split()))


def shorten(text: str, limit: int = SHORT_LABEL_MAX) -> str:
    """At most `limit` characters: cut at a word where one is near, marked with '…'."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _variables(item: _Found, lang: str, names: Names, own: str) -> list[Variable]:
    q = item.question
    label = _text(q.label, lang) or q.name
    notes = list(item.notes)
    if item.personal:
        notes.append("personal data: exported because contact data was asked for "
                     "(--include-contact)")
    base = Variable(own, label, "string", "answer", q.name, q.type.value,
                    accepts_special=item.accepts_special, notes=notes,
                    personal=item.personal)
    t = q.type
    if t == QuestionType.SELECT_MULTIPLE and item.choices:
        base.role = "multi_raw"
        return [base, *_multi_columns(item, label, lang, names)]
    if t == QuestionType.SELECT_ONE and item.choices:
        _single_choice(base, item.choices, lang)
    elif t in NUMBERS:
        base.kind, base.measure = "numeric", "scale"
        base.integer = t == QuestionType.INTEGER
    elif t == QuestionType.DATE:
        base.kind = "date"
    elif t == QuestionType.DATETIME:
        base.kind = "datetime"
    elif t == QuestionType.ACKNOWLEDGE:
        base.kind, base.value_labels = "numeric", {1.0: "OK"}
    elif t in (QuestionType.CALCULATE, QuestionType.HIDDEN) or q.calculation is not None:
        base.role = "calculate"  # numeric or string: decided from the values
    out = [base]
    if base.accepts_special and base.kind != "numeric":
        out.append(Variable(names.add(f"{q.name}_special"),
                            f"{label}: special answer", "numeric", "special", q.name,
                            q.type.value, value_labels={1.0: DK_LABEL, 2.0: RF_LABEL},
                            short_label=shorten(f"DK/RF: {label}"),
                            personal=item.personal))
    return out


def _single_choice(variable: Variable, choices: list[Choice], lang: str) -> None:
    variable.kind = "numeric"
    numeric = all(_number(c.name) is not None for c in choices)
    for position, choice in enumerate(choices, start=1):
        code = _number(choice.name) if numeric else float(position)
        assert code is not None
        variable.codes[choice.name] = code
        variable.value_labels[code] = _text(choice.label, lang) or choice.name
    variable.coded = not numeric
    variable.integer = all(code.is_integer() for code in variable.codes.values())


def _multi_columns(item: _Found, label: str, lang: str, names: Names) -> list[Variable]:
    """One 0/1 column per choice; its short label puts the choice first (a long question
    cut at 80 characters would leave every column the same label)."""
    q = item.question
    out = []
    for c in item.choices:
        choice = _text(c.label, lang) or c.name
        out.append(Variable(names.add(f"{q.name}_{c.name}"), f"{label}: {choice}", "numeric",
                            "multi_choice", q.name, q.type.value, choice=c.name,
                            value_labels={0.0: "Not selected", 1.0: "Selected"},
                            accepts_special=item.accepts_special,
                            short_label=shorten(f"{choice}: {label}"),
                            personal=item.personal))
    return out


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
