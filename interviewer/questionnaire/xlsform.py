"""XLSForm (.xlsx, .xls, .csv, .md) in, our `Questionnaire` out.

pyxform reads the workbook and resolves aliases, translations and or_other; this adapter
maps its `workbook_to_json` dictionary into our model and adds our extension columns.
`workbook_to_json` is not a documented API, hence pyxform is pinned exactly and the
adapter is covered by golden tests.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.utils import default_is_dynamic
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from interviewer.questionnaire.errors import FormError, FormIssue
from interviewer.questionnaire.model import (
    ANSWERABLE,
    DEFAULT_LANGUAGE,
    SPECIAL_ANSWERS,
    Choice,
    ChoiceList,
    CxMetric,
    Element,
    Group,
    Question,
    Questionnaire,
    QuestionType,
    Repeat,
    Source,
    SpecialAnswer,
    Text,
)

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")

_BIND_TYPES = {
    "int": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "string": QuestionType.TEXT,
    "date": QuestionType.DATE,
    "time": QuestionType.TIME,
    "dateTime": QuestionType.DATETIME,
    "geopoint": QuestionType.GEOPOINT,
    "geotrace": QuestionType.GEOTRACE,
    "geoshape": QuestionType.GEOSHAPE,
    "barcode": QuestionType.BARCODE,
}
_UPLOADS = {
    "image": QuestionType.IMAGE,
    "audio": QuestionType.AUDIO,
    "video": QuestionType.VIDEO,
    "application": QuestionType.FILE,
}
_METADATA_PARAMS = {"start", "end", "today", "deviceid", "username", "phonenumber", "email",
                    "simserial", "subscriberid", "uri:deviceid", "uri:username", "uri:email",
                    "uri:phonenumber", "uri:simserial", "uri:subscriberid"}
# Background captures a desktop cannot take: kept as empty metadata so the form still runs.
_PASSIVE_TYPES = {"audit", "start-geopoint", "background-audio", "background-geopoint"}
# the `personal` column: what marks a question as personal data
_YES = {"yes", "true", "true()", "1", "y"}
_EXTERNAL_SUFFIXES = (".csv", ".xml", ".geojson")
_SCORE_TYPES = frozenset({QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE,
                          QuestionType.SELECT_ONE})
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_SHEET = re.compile(r"On the '([^']+)' sheet,?\s*")
_COLUMN = re.compile(r"the '([\w:]+)' value")
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read an XLSForm file; raise FormError naming each place that needs fixing."""
    path = Path(path)
    file = path.name
    if not path.is_file():
        raise FormError([FormIssue(f"no such file: {path}", file=file)])
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise FormError([FormIssue(
            f"'{path.suffix}' is not an XLSForm file type",
            file=file, fix="save the form as .xlsx, .xls, .csv or .md")])
    form_name = _safe_name(path.stem)
    try:
        definition = get_xlsform(str(path))
    except PyXFormError as e:
        raise FormError([_pyxform_issue(str(e), file)]) from e
    except Exception as e:  # a corrupt or foreign file: xlrd, openpyxl, zipfile, csv errors
        raise FormError([FormIssue(
            f"cannot read the file as an XLSForm ({type(e).__name__}: {e})", file=file,
            fix="check that it is a spreadsheet saved in the format its name says")]) from e
    try:
        # as pyxform's convert: the root element is `data` (or the settings `name`), the
        # form id falls back to the file name
        raw = workbook_to_json(definition, form_name=None,
                               fallback_form_name=definition.fallback_form_name or form_name)
        survey = create_survey_element_from_dict(raw)  # pyxform's checks: types, names
        translations = _translations(survey)
    except PyXFormError as e:
        raise FormError([_pyxform_issue(str(e), file)]) from e
    except Exception as e:  # pyxform itself fails on some malformed sheets
        raise FormError([FormIssue(
            f"pyxform cannot process the form ({type(e).__name__}: {e})", file=file,
            fix="check the survey, choices and external_choices sheets against the "
                "XLSForm reference (a list named in a type must exist)")]) from e
    rows = _RowFinder(definition.survey or [])
    adapter = _Adapter(raw, rows, file, path.parent)
    return adapter.build(form_name, translations)


def _translations(survey: Any) -> list[str]:
    """The languages of the XForm pyxform would write, in its order: ODK offers exactly
    these, and starts in `default_language` when it is one of them, else the first."""
    try:
        survey._setup_translations()
        return [str(lang) for lang in survey._translations]
    except Exception:  # private pyxform API: fall back to the languages the texts name
        return []


def _safe_name(stem: str) -> str:
    name = re.sub(r"[^\w.-]", "_", stem) or "data"
    return name if re.match(r"[A-Za-z_]", name) else f"_{name}"


def _pyxform_issue(message: str, file: str) -> FormIssue:
    row = _ROW.search(message)
    sheet = _SHEET.search(message)
    column = _COLUMN.search(message)
    text = _SHEET.sub("", _ROW.sub("", message), count=1).strip()
    text = text[:1].upper() + text[1:]
    fix = next((f for words, f in _PYXFORM_FIXES if words in text), None)
    return FormIssue(text, file=file, sheet=sheet.group(1) if sheet else None,
                     row=int(row.group(1)) if row else None,
                     column=column.group(1) if column else None, fix=fix)


_PYXFORM_FIXES = (
    ("Could not find the name", "check the spelling of the name, or add a question with it"),
    ("Unknown question type", "use one of the XLSForm types listed in README"),
    ("must be unique", "rename one of the two"),
)


class _RowFinder:
    """Finds the survey-sheet row of each element, in document order (pyxform numbers rows
    from 2, the first row holding the headers)."""

    def __init__(self, survey_rows: list[dict[str, str]] | Any) -> None:
        self._names = [str(r.get("name", "")).strip() for r in survey_rows]
        self._cursor = 0

    def row_of(self, name: str) -> int | None:
        for i in range(self._cursor, len(self._names)):
            if self._names[i] == name:
                self._cursor = i + 1
                return i + 2
        return None


class _Adapter:
    def __init__(self, raw: dict[str, Any], rows: _RowFinder, file: str,
                 folder: Path) -> None:
        self.raw = raw
        self.folder = folder
        self.rows = rows
        self.file = file
        self.issues: list[FormIssue] = []
        self.languages: list[str] = []
        settings_special = raw.get("special")
        self.default_special = self._specials(settings_special, "settings", None) \
            if settings_special is not None else ()

    # -- the whole form --
    def build(self, form_name: str, translations: list[str]) -> Questionnaire:
        choices = self._choice_lists(self.raw.get("choices") or {})
        children = tuple(self._elements(self.raw.get("children") or [], choices))
        if self.issues:
            raise FormError(self.issues)
        languages = tuple(translations or self.languages) or (DEFAULT_LANGUAGE,)
        default = str(self.raw.get("default_language") or DEFAULT_LANGUAGE)
        if default not in languages:
            default = languages[0]
        title = self.raw.get("title")
        return Questionnaire(
            form_id=str(self.raw.get("id_string") or form_name),
            root_name=str(self.raw.get("name") or form_name),
            version=str(self.raw["version"]) if self.raw.get("version") else None,
            title=str(title) if title and title != "data" else form_name,
            default_language=default,
            languages=languages,
            children=children,
            choices=choices,
            file=self.file,
        )

    def _text(self, value: Any) -> Text:
        if value is None or value == "":
            return {}
        if isinstance(value, Mapping):
            out: Text = {}
            for lang, text in value.items():
                if isinstance(text, Mapping):  # media: {"image": {...}}; not shown on desktop
                    continue
                self._note_language(str(lang))
                out[str(lang)] = str(text)
            return out
        return {DEFAULT_LANGUAGE: str(value)}

    def _note_language(self, lang: str) -> None:
        if lang != DEFAULT_LANGUAGE and lang not in self.languages:
            self.languages.append(lang)

    # -- choices --
    def _choice_lists(self, raw: Mapping[str, Any]) -> dict[str, ChoiceList]:
        lists: dict[str, ChoiceList] = {}
        for list_name, items in raw.items():
            choices = []
            for item in items:
                extra = {str(k): str(v) for k, v in item.items()
                         if k not in ("name", "label", "media") and v is not None}
                choices.append(Choice(name=str(item.get("name", "")),
                                      label=self._text(item.get("label")), extra=extra))
            lists[str(list_name)] = ChoiceList(name=str(list_name), choices=tuple(choices))
        return lists

    # -- survey elements --
    def _elements(self, raw: list[dict[str, Any]],
                  choices: dict[str, ChoiceList]) -> Iterator[Element]:
        for item in raw:
            kind = str(item.get("type", ""))
            if kind == "loop":
                yield from self._loop(item, choices)
            elif kind in ("group", "repeat"):
                yield self._container(item, choices)
            else:
                question = self._question(item, choices)
                if question is not None:
                    yield question

    def _container(self, item: dict[str, Any], choices: dict[str, ChoiceList]) -> Group | Repeat:
        name = str(item["name"])
        source = Source(row=self.rows.row_of(name))
        bind = item.get("bind") or {}
        control = item.get("control") or {}
        children = tuple(self._elements(item.get("children") or [], choices))
        common: dict[str, Any] = {
            "name": name, "source": source, "label": self._text(item.get("label")),
            "relevant": _expr(bind.get("relevant")), "appearance": control.get("appearance"),
            "children": children,
        }
        if item["type"] == "repeat":
            count = control.get("jr:count")
            return Repeat(repeat_count=str(count) if count not in (None, "") else None, **common)
        return Group(**common)

    def _loop(self, item: dict[str, Any], choices: dict[str, ChoiceList]) -> Iterator[Group]:
        """Legacy `begin loop over LIST`: one group per choice, with `%(name)s` and
        `%(label)s` filled in everywhere in the loop's rows, as pyxform does."""
        loop_row = self.rows.row_of(str(item["name"]))
        for column in item.get("columns") or []:
            labels = self._text(column.get("label"))
            fill = _LoopFill(str(column["name"]), labels)
            children = [fill.apply(child) for child in item.get("children") or []]
            saved = self.rows
            self.rows = _RowFinder([])  # loop children share the loop's rows
            elements = tuple(self._elements(children, choices))
            self.rows = saved
            yield Group(name=str(column["name"]), source=Source(row=loop_row),
                        label=labels, children=elements)

    def _question(self, item: dict[str, Any], choices: dict[str, ChoiceList]) -> Question | None:
        name = str(item["name"])
        kind = str(item.get("type", ""))
        row = self.rows.row_of(name)
        source = Source(row=row)
        bind: dict[str, Any] = dict(item.get("bind") or {})
        control: dict[str, Any] = dict(item.get("control") or {})
        qtype, metadata = self._type(kind, item, bind, control, row)
        if qtype is None:
            return None
        type_defaults = QUESTION_TYPE_DICT.get(kind, {})
        for key, value in (type_defaults.get("bind") or {}).items():
            bind.setdefault(key, value)
        list_name = None
        if qtype in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK):
            list_name = str(item.get("itemset") or item.get("list_name") or "")
            if list_name.lower().endswith(_EXTERNAL_SUFFIXES):
                if list_name not in choices:
                    choices[list_name] = self._external_list(list_name, row)
            elif list_name not in choices:
                inline = item.get("choices") or []
                choices[list_name] = self._choice_lists({list_name: inline})[list_name]
        parameters = _parameters(item.get("parameters"))
        for key in ("start", "end", "step"):
            if key in control:
                parameters.setdefault(key, str(control[key]))
        default = item.get("default")
        default_text = str(default) if default not in (None, "") else None
        return Question(
            name=name,
            type=qtype,
            source=source,
            label=self._text(item.get("label")),
            hint=self._text(item.get("hint")),
            guidance_hint=self._text(item.get("guidance_hint")),
            required=_flag(bind.get("required")),
            required_message=self._text(bind.get("jr:requiredMsg")),
            relevant=_expr(bind.get("relevant")),
            constraint=_expr(bind.get("constraint")),
            constraint_message=self._text(bind.get("jr:constraintMsg")),
            calculation=_expr(bind.get("calculate")),
            read_only=_flag(bind.get("readonly")),
            default=default_text,
            default_is_expression=bool(default_text and default_is_dynamic(default_text, kind)),
            appearance=control.get("appearance"),
            list_name=list_name,
            choice_filter=_expr(item.get("choice_filter")),
            parameters=parameters,
            metadata=metadata,
            warning=_expr(item.get("warning")),
            warning_message=self._text(item.get("warning_message")),
            special=self._question_specials(item, qtype, row),
            cx_metric=self._cx_metric(item.get("cx_metric"), qtype, row),
            touchpoint=str(item["touchpoint"]).strip() or None if item.get("touchpoint") else None,
            personal=str(item.get("personal") or "").strip().lower() in _YES,
        )

    def _type(self, kind: str, item: dict[str, Any], bind: dict[str, Any],
              control: dict[str, Any], row: int | None) -> tuple[QuestionType | None, str | None]:
        if kind in _PASSIVE_TYPES:
            return QuestionType.METADATA, kind
        if kind == "note":
            return QuestionType.NOTE, None
        if kind == "calculate":
            return QuestionType.CALCULATE, None
        if kind == "hidden":
            return QuestionType.HIDDEN, None
        spec = QUESTION_TYPE_DICT.get(kind)
        if kind.startswith("select one external"):
            spec = None  # answered from a list outside the form: not supported yet
        elif spec is None and item.get("itemset"):  # select_one_from_file and friends
            spec = {"control": {"tag": "select" if "multiple" in kind else "select1"}}
        if spec is None:
            self.issues.append(FormIssue(
                f"question type '{kind}' is not supported", file=self.file, sheet="survey",
                row=row, column="type", fix="use one of the XLSForm types listed in README"))
            return None, None
        spec_bind = spec.get("bind") or {}
        preload = spec_bind.get("jr:preloadParams")
        if spec_bind.get("jr:preload"):
            if preload not in _METADATA_PARAMS:
                self.issues.append(FormIssue(
                    f"metadata type '{kind}' is not supported", file=self.file, sheet="survey",
                    row=row, column="type"))
                return None, None
            return QuestionType.METADATA, str(preload).removeprefix("uri:")
        tag = (spec.get("control") or {}).get("tag")
        if tag == "select1":
            return QuestionType.SELECT_ONE, None
        if tag == "select":
            return QuestionType.SELECT_MULTIPLE, None
        if tag == "odk:rank":
            return QuestionType.RANK, None
        if tag == "trigger":
            return QuestionType.ACKNOWLEDGE, None
        if tag == "range":
            return QuestionType.RANGE, None
        if tag == "upload":
            media = str((spec.get("control") or {}).get("mediatype", "")).split("/")[0]
            if media in _UPLOADS:
                return _UPLOADS[media], None
        value_type = str(bind.get("type") or spec_bind.get("type") or "string")
        if value_type in _BIND_TYPES and tag in ("input", None) and spec.get("control"):
            return _BIND_TYPES[value_type], None
        self.issues.append(FormIssue(
            f"question type '{kind}' is not supported", file=self.file, sheet="survey",
            row=row, column="type", fix="use one of the XLSForm types listed in README"))
        return None, None

    def _external_list(self, file_name: str, row: int | None) -> ChoiceList:
        """select_one_from_file: a CSV beside the form gives the choices (name, label and
        any other columns); a missing file gives an empty list, as in ODK."""
        path = self.folder / file_name
        choices: list[Choice] = []
        if file_name.lower().endswith(".csv") and path.is_file():
            try:
                with path.open(encoding="utf-8-sig", newline="") as f:
                    for record in csv.DictReader(f):
                        name = record.pop("name", None)
                        if name is None:
                            continue
                        label = record.pop("label", None) or name
                        choices.append(Choice(name=name, label={DEFAULT_LANGUAGE: label},
                                              extra={k: v or "" for k, v in record.items()
                                                     if k is not None}))
            except (OSError, UnicodeDecodeError, csv.Error) as e:
                self.issues.append(FormIssue(
                    f"cannot read the choices file {file_name}: {e}", file=self.file,
                    sheet="survey", row=row, column="type",
                    fix="save it as UTF-8 CSV with name and label columns"))
        return ChoiceList(name=file_name, choices=tuple(choices), external_file=file_name)

    # -- our extensions --
    def _question_specials(self, item: dict[str, Any], qtype: QuestionType,
                           row: int | None) -> tuple[SpecialAnswer, ...]:
        if qtype not in ANSWERABLE or qtype == QuestionType.ACKNOWLEDGE:
            return ()
        if item.get("special") is None:
            return self.default_special
        return self._specials(item["special"], "survey", row)

    def _specials(self, value: Any, sheet: str, row: int | None) -> tuple[SpecialAnswer, ...]:
        words = str(value).replace(",", " ").split()
        if words in ([], ["none"], ["no"]):
            return ()
        if words in (["yes"], ["all"]):
            return cast(tuple[SpecialAnswer, ...], SPECIAL_ANSWERS)
        unknown = [w for w in words if w not in SPECIAL_ANSWERS]
        if unknown:
            self.issues.append(FormIssue(
                f"unknown special answer '{unknown[0]}'", file=self.file, sheet=sheet, row=row,
                column="special", fix="write dont_know, refused, both separated by a space, "
                                      "or none"))
            return ()
        return cast(tuple[SpecialAnswer, ...], tuple(dict.fromkeys(words)))

    def _cx_metric(self, value: Any, qtype: QuestionType, row: int | None) -> CxMetric | None:
        if value in (None, ""):
            return None
        metric = str(value).strip().lower()
        if metric not in ("nps", "csat", "ces"):
            self.issues.append(FormIssue(
                f"unknown cx_metric '{value}'", file=self.file, sheet="survey", row=row,
                column="cx_metric", fix="write nps, csat or ces"))
            return None
        if qtype not in _SCORE_TYPES:
            self.issues.append(FormIssue(
                f"cx_metric '{metric}' is on a {qtype.value} question: a score must be a "
                "number or a single choice", file=self.file, sheet="survey", row=row,
                column="cx_metric",
                fix="put it on an integer, decimal, range or select_one question"))
            return None
        return cast(CxMetric, metric)


class _LoopFill:
    """Fills `%(name)s` and `%(label)s` into the rows of a legacy loop."""

    def __init__(self, name: str, labels: Text) -> None:
        self.name = name
        self.labels = labels

    def apply(self, value: Any, language: str | None = None) -> Any:
        if isinstance(value, str):
            label = self.labels.get(language or "", next(iter(self.labels.values()), ""))
            return value.replace("%(name)s", self.name).replace("%(label)s", label)
        if isinstance(value, Mapping):
            return {k: self.apply(v, str(k) if str(k) in self.labels else language)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, language) for v in value]
        return value


def _parameters(value: Any) -> dict[str, str]:
    """The parameters column: a dict from pyxform, or raw `key=value key=value` text."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        pairs = (p.split("=", 1) for p in value.replace(",", " ").split() if "=" in p)
        return {k.strip(): v.strip() for k, v in pairs}
    return {}


def _expr(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(value: Any) -> str | None:
    """required / read_only: yes/no/true/false or an expression."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in _FALSE:
        return None
    if text.lower() in _TRUE:
        return "true()"
    return text
