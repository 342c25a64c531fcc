"""The layout of an export, from the questionnaire alone: which files, which variables
in which order, their labels, types and value labels. Pure: no data, no database.

Several versions of one questionnaire: the variables of the newest version in its order,
then those only older versions have; a question keeps the labels and the type of the
newest version that has it, and the choices of every version (newest labels first).
"""

from __future__ import annotations

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
    question: Question
    repeat: str  # MAIN or the innermost repeat's name
    choices: list[Choice]
    accepts_special: bool


def build_layout(questionnaires: Sequence[Questionnaire], *, max_name: int,
                 language: str | None = None, include_contact: bool = False) -> Layout:
    """The layout of `questionnaires` (versions of one form, newest first)."""
    if not questionnaires:
        raise ValueError("no questionnaire to lay out")
    newest = questionnaires[0]
    lang = language if language in newest.languages else newest.default_language
    found, repeats = _collect(questionnaires)
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
    for item in found:
        table = tables[item.repeat]
        table.variables.extend(_variables(item, lang, names[item.repeat]))
    paradata = Table("paradata", "Paradata", _fixed(PARADATA, "paradata", max_name))
    versions = [q.version or "-" for q in questionnaires]
    return Layout(newest.form_id, newest.title, lang, versions, main,
                  [t for k, t in tables.items() if k != MAIN], paradata)


def _fixed(fields: Sequence[tuple[str, str, str]], role: Role, max_name: int) -> list[Variable]:
    kinds: dict[str, Kind] = {"string": "string", "numeric": "numeric",
                              "datetime": "datetime"}
    return [Variable(name[:max_name], label, kinds[kind], role, name,
                     measure="scale" if kind == "numeric" else "nominal",
                     integer=name != "duration_minutes")
            for name, label, kind in fields]


def _collect(questionnaires: Sequence[Questionnaire]) -> tuple[
        list[_Found], dict[str, tuple[Text, str | None]]]:
    """Questions in the newest version's order, then older versions' extra ones; choice
    lists merged across versions."""
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
                found[key] = _Found(question, repeat, choices, bool(question.special))
                continue
            known = {c.name for c in item.choices}
            item.choices.extend(c for c in choices if c.name not in known)
            item.accepts_special |= bool(question.special)
    return list(found.values()), repeats


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
    value = text.get(language) or next(iter(text.values()), "")
    return " ".join(value.split())


def _variables(item: _Found, lang: str, names: Names) -> list[Variable]:
    q = item.question
    label = _text(q.label, lang) or q.name
    base = Variable(names.add(q.name), label, "string", "answer", q.name, q.type.value,
                    accepts_special=item.accepts_special)
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
                            q.type.value, value_labels={1.0: DK_LABEL, 2.0: RF_LABEL}))
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
    q = item.question
    return [Variable(names.add(f"{q.name}_{c.name}"),
                     f"{label}: {_text(c.label, lang) or c.name}", "numeric", "multi_choice",
                     q.name, q.type.value, choice=c.name,
                     value_labels={0.0: "Not selected", 1.0: "Selected"},
                     accepts_special=item.accepts_special)
            for c in item.choices]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
