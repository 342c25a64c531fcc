"""Export a survey's interviews (DESIGN.md 8): reads the database in chunks, hands the
columns to `interviewer.export`, writes the data files, the codebook and the DDI XML.

Supervisors and admins only. Everything is read straight from the driver (an SQLite
central is not locked for the whole export): the interviews with their answer sheets
(one row each, which central keeps beside the answer rows: storage.sheets), the
paradata, and in batches only what needs it (answers in repeats; those of interviews
without a sheet, joined into one row each by the database; stored answers of forms with
calculations). The interviews that answered the same questions are parsed together
(pandas' C parser: numbers straight to floats) into columns: no Python work per answer
except for repeats and calculations.
Calculations are not stored; they are worked out again from the stored answers with the
questionnaire's engine (only for forms that have them).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyreadstat
from pydantic import BaseModel
from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    String,
    TextClause,
    cast,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from interviewer.export import (
    SPSS_MAX,
    STATA_MAX,
    Cells,
    Format,
    Layout,
    Table,
    WrittenTable,
    build_frame,
    build_layout,
    codebook_markdown,
    ddi_xml,
    write_table,
)
from interviewer.export.writers import FORMATS
from interviewer.questionnaire.compiled import CompiledForm, Def
from interviewer.questionnaire.engine import Interview as Engine
from interviewer.questionnaire.engine import restore
from interviewer.questionnaire.model import QuestionType
from interviewer.services.audit import audit
from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    ServiceError,
    collector_paused,
    require_role,
    utc_clock,
)
from interviewer.services.questionnaires import FormCache
from interviewer.storage.db import Database, known_error
from interviewer.storage.models import (
    Answer,
    AnswerSheet,
    Case,
    Interview,
    ParadataEvent,
    QuestionnaireVersion,
    Survey,
    User,
)
from interviewer.storage.sheets import SEP

log = logging.getLogger(__name__)  # counts and file names only: never answers
STATUSES = ("in_progress", "suspended", "completed", "rejected", "approved")
DEFAULT_STATUSES = ("completed", "approved")
BATCH = 5000  # interviews per read
WORKERS = 2  # reads at once (SQLite works outside the GIL: one per core)
SETTLE = 40_000  # interviews whose main answers wait to be split together
PARSED = 200  # interviews with the same questions worth pandas' parser (else: split)
CALCULATED = frozenset({QuestionType.CALCULATE, QuestionType.HIDDEN})
T = TypeVar("T")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_KEYS = re.compile(r"[0-9A-Fa-f-]*")


class ExportedFile(BaseModel):
    path: Path
    rows: int
    variables: int


class ExportReport(BaseModel):
    survey: str
    survey_id: uuid.UUID
    interviews: int
    statuses: list[str]
    files: list[ExportedFile]
    # what an analyst must know (a choice's label changed across versions, a question's
    # type changed): also at the top of the codebook
    warnings: list[str] = []


@dataclass
class _Meta:
    """The interviews to export, in order, with their meta columns."""

    survey_id: uuid.UUID
    keys: list[str] = field(default_factory=list)  # the id as the database casts it
    versions: list[uuid.UUID] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)
    # the interviews' answer sheets (storage.sheets), by column; None: no sheet
    sheets: tuple[list[str | None], ...] = field(default_factory=lambda: ([], [], []))


@dataclass
class _Batch:
    """One batch of interviews as fetched: per interview without a sheet, its answers
    outside repeats joined by SEP (questions, values, specials); the answers inside
    repeats row by row."""

    start: int
    count: int
    main: list[Any] = field(default_factory=list)
    repeat_rows: list[Any] = field(default_factory=list)


@dataclass
class _RepeatRows:
    """A repeat file's rows as they are found: (interview row, instance path) -> row."""

    cells: Cells
    rows: dict[tuple[int, str], int] = field(default_factory=dict)
    keys: list[tuple[int, str, str, int]] = field(default_factory=list)


class ExportService:
    def __init__(self, db: Database, forms: FormCache | None = None,
                 clock: Clock = utc_clock) -> None:
        self.db = db
        self.forms = forms or FormCache(db)
        self.clock = clock
        self.timings: dict[str, float] = {}  # seconds per phase of the last export

    def export(self, user: CurrentUser, survey: str, out: Path, fmt: Format | None = None,
               *, statuses: Sequence[str] = DEFAULT_STATUSES, codes: bool = False,
               include_contact: bool = False, language: str | None = None,
               batch: int = BATCH) -> ExportReport:
        """Write `out` (the main file) and its companions beside it; see the README."""
        require_role(user, "supervisor", "admin")
        with collector_paused():  # millions of answers in lists, no cycles
            report = self._export(survey, out, fmt, statuses, codes, include_contact,
                                  language, batch)
        with self.db.unit_of_work() as session:  # who took the data out, and how much
            audit(session, user, self.clock(), "export", "survey", report.survey_id,
                  {"format": out.suffix.lstrip(".") if fmt is None else fmt,
                   "interviews": report.interviews, "statuses": report.statuses,
                   "include_contact": include_contact})
        return report

    def _export(self, survey: str, out: Path, fmt: Format | None, statuses: Sequence[str],
                codes: bool, include_contact: bool, language: str | None,
                batch: int) -> ExportReport:
        started = time.perf_counter()
        fmt = _format_of(out, fmt)
        statuses = _checked_statuses(statuses)
        with self.db.unit_of_work() as session:
            survey_id, current = _survey(session, survey)
        meta = _interviews(self.db, survey_id, statuses, include_contact)
        with self.db.unit_of_work() as session:
            # every published version of the form, not only those in this export, so a
            # choice's code is the same in every export of the survey
            version_ids = _versions_newest_first(
                session, {current, *meta.versions, *_same_form(session, current)})
        forms = [self.forms.get(v) for v in version_ids]
        layout = build_layout([f.questionnaire for f in forms],
                              max_name=STATA_MAX if fmt == "dta" else SPSS_MAX,
                              language=_language(forms[0], language),
                              include_contact=include_contact)
        reader = _Reader(self.db, layout, meta, dict(zip(version_ids, forms, strict=True)))
        self.timings = {"prepare": time.perf_counter() - started}
        self._timed("read", reader.read, batch)
        written = self._write(layout, reader, meta, out, fmt, codes)
        self._timed("codebook", self._companions, layout, written, survey, out, statuses)
        log.info("survey %s exported as %s: %d interviews", survey_id, fmt, len(meta.keys))
        files = [ExportedFile(path=out.with_name(w.file_name), rows=w.rows,
                              variables=len(w.table.variables)) for w in written]
        files += [ExportedFile(path=_companion(out, ".ddi.xml"), rows=0, variables=0),
                  ExportedFile(path=_companion(out, "_codebook.md"), rows=0, variables=0)]
        return ExportReport(survey=survey, survey_id=survey_id, interviews=len(meta.keys),
                            statuses=list(statuses), files=files,
                            warnings=list(layout.warnings))

    def _write(self, layout: Layout, reader: _Reader, meta: _Meta, out: Path, fmt: Format,
               codes: bool) -> list[WrittenTable]:
        stata, coded = fmt == "dta", fmt != "csv" or codes
        tables: list[tuple[Table, Cells, dict[str, Any], str]] = [
            (layout.main, reader.main, meta.columns, out.name)]
        for table in layout.repeats:
            cells, fixed = reader.repeat_table(table.repeat, meta)
            tables.append((table, cells, fixed,
                           f"{out.stem}_{_UNSAFE.sub('_', table.repeat)}.{fmt}"))
        paradata = reader.paradata_columns(meta)
        tables.append((layout.paradata, Cells([], len(paradata["seq"])), paradata,
                       f"{out.stem}_paradata.{fmt}"))
        written = []
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            for table, cells, fixed, name in tables:
                frame = self._timed("frames", build_frame, table, cells, fixed, stata=stata,
                                    codes=coded)
                self._timed("write", write_table, frame, table, out.with_name(name), fmt)
                written.append(WrittenTable(table, name, cells.rows))
        except OSError as e:
            raise ServiceError(f"cannot write {e.filename or out}: {e.strerror}; choose "
                               "another --out") from e
        except pyreadstat.PyreadstatError as e:
            raise ServiceError(f"cannot write {out.parent}: {e}; choose another --out") from e
        return written

    def _timed(self, phase: str, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        start = time.perf_counter()
        try:
            return work(*args, **kwargs)
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - start

    def _companions(self, layout: Layout, written: list[WrittenTable], survey: str,
                    out: Path, statuses: Sequence[str]) -> None:
        now = self.clock()
        try:
            _companion(out, ".ddi.xml").write_bytes(ddi_xml(layout, written, survey, now))
            _companion(out, "_codebook.md").write_text(
                codebook_markdown(layout, written, survey, now, statuses), encoding="utf-8")
        except OSError as e:
            raise ServiceError(f"cannot write {e.filename or out}: {e.strerror}") from e


def _format_of(out: Path, fmt: str | None) -> Format:
    chosen = fmt or out.suffix.lstrip(".").lower()
    for known in FORMATS:
        if chosen == known:
            if out.suffix.lower() != f".{known}":
                raise ServiceError(f"--out {out} should end in .{known} for --format {known}")
            return known
    raise ServiceError(f"the format must be one of {', '.join(FORMATS)}, not '{chosen}'")


def _checked_statuses(statuses: Sequence[str]) -> tuple[str, ...]:
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown or not statuses:
        raise ServiceError(f"unknown status {', '.join(unknown) or '(none)'}; choose from "
                           f"{', '.join(STATUSES)}")
    return tuple(dict.fromkeys(statuses))


def _language(form: CompiledForm, wanted: str | None) -> str | None:
    """The form's language named in full ("Polski (pl)") or by its code ("pl")."""
    if wanted is None:
        return None
    languages = form.questionnaire.languages
    for language in languages:
        if wanted in (language, f"({wanted})") or language.endswith(f"({wanted})"):
            return language
    raise ServiceError(f"the questionnaire has no language '{wanted}'; it has "
                       f"{', '.join(languages)}")


def _companion(out: Path, suffix: str) -> Path:
    return out.with_name(f"{out.stem}{suffix}")


def _survey(session: Session, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    row = session.execute(select(Survey.id, Survey.questionnaire_version_id)
                          .where(Survey.name == name)).first()
    if row is None:
        raise NotFound(f"there is no survey '{name}'")
    return row[0], row[1]


def _interviews(db: Database, survey_id: uuid.UUID, statuses: Sequence[str],
                include_contact: bool) -> _Meta:
    contact = (Case.respondent_name, Case.phone, Case.address) if include_contact else ()
    query = (select(cast(Interview.id, String), cast(Interview.questionnaire_version_id, String),
                    Case.external_id, User.username, Interview.status, Interview.started_at,
                    Interview.completed_at, Interview.language, QuestionnaireVersion.version,
                    *contact, AnswerSheet.questions, AnswerSheet.answer_values,
                    AnswerSheet.specials)
             .join(User, User.id == Interview.interviewer_id)
             .join(QuestionnaireVersion,
                   QuestionnaireVersion.id == Interview.questionnaire_version_id)
             .outerjoin(Case, Case.id == Interview.case_id)
             .outerjoin(AnswerSheet, AnswerSheet.interview_id == Interview.id)
             .where(Interview.survey_id == survey_id, Interview.status.in_(statuses)))
    names = ["key", "version_id", "external_id", "interviewer", "status", "started_at",
             "completed_at", "language", "questionnaire_version"]
    if include_contact:
        names += ["respondent_name", "phone", "address"]
    names += ["sheet_questions", "sheet_values", "sheet_specials"]
    rows = _driver_rows(db, query)
    # in the order they began (then by id), sorted here: SQLite would sort whole rows,
    # sheets and all, on disk
    rows.sort(key=itemgetter(5, 0))
    columns: dict[str, list[Any]] = {name: [] for name in names}
    if rows:
        transposed = zip(*rows, strict=True)
        columns = {name: list(column) for name, column in zip(names, transposed, strict=True)}
    meta = _Meta(survey_id, keys=columns.pop("key"))
    meta.sheets = tuple(columns.pop(f"sheet_{name}")
                        for name in ("questions", "values", "specials"))
    versions = columns.pop("version_id")
    known = {v: uuid.UUID(v) for v in set(versions)}  # a few versions: parsed once each
    meta.versions = [known[v] for v in versions]
    columns["interview_id"] = _canonical(meta.keys)
    started, completed = _utc(columns["started_at"]), _utc(columns["completed_at"])
    columns["started_at"], columns["completed_at"] = started, completed
    columns["duration_minutes"] = ((completed - started).dt.total_seconds() / 60).round(2)
    meta.columns = columns
    return meta


def _utc(values: list[Any]) -> pd.Series[Any]:
    """Times straight from the driver (text on SQLite, aware datetimes on PostgreSQL)."""
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")


def _same_form(session: Session, version_id: uuid.UUID) -> list[uuid.UUID]:
    form_id = select(QuestionnaireVersion.form_id).where(
        QuestionnaireVersion.id == version_id).scalar_subquery()
    return list(session.scalars(select(QuestionnaireVersion.id).where(
        QuestionnaireVersion.form_id == form_id)))


def _versions_newest_first(session: Session, ids: set[uuid.UUID]) -> list[uuid.UUID]:
    rows = session.execute(select(QuestionnaireVersion.id).where(
        QuestionnaireVersion.id.in_(ids)).order_by(QuestionnaireVersion.published_at.desc(),
                                                   QuestionnaireVersion.id.desc()))
    return [r[0] for r in rows]


class _Reader:
    """Streams answers and paradata of the chosen interviews into column grids."""

    def __init__(self, db: Database, layout: Layout, meta: _Meta,
                 forms: dict[uuid.UUID, CompiledForm]) -> None:
        self.db = db
        self.meta = meta
        self.layout = layout
        self.forms = forms
        self.row_of = {key: i for i, key in enumerate(meta.keys)}
        main_sources = list(layout.main.by_source())
        self.main = Cells(main_sources, len(meta.keys))
        self.repeats = {t.repeat: _RepeatRows(Cells(list(t.by_source()))) for t in
                        layout.repeats}
        wanted = {v.source for t in (layout.main, *layout.repeats) for v in t.variables
                  if v.role == "calculate"}
        self.calculated = {vid: [d for d in form.defs if not d.is_container
                                 and d.name in wanted and _calculated(d)]
                           for vid, form in forms.items()}
        self.events: list[tuple[Any, ...]] = []
        # questions whose every variable is a plain number: parsed straight to floats
        self.numeric = frozenset(
            source for source, variables in layout.main.by_source().items()
            if any(v.role == "answer" for v in variables) and all(
                v.role == "special" or (v.role == "answer" and v.kind == "numeric"
                                        and not v.coded) for v in variables))
        # main answers waiting for _settle, by the interview's questions (SEP-joined):
        # (rows, values joined, specials joined)
        self.pending: dict[str, tuple[list[int], list[str], list[str]]] = {}
        self.waiting = 0  # interviews in self.pending
        self.calculated_main: list[tuple[list[Any], ...]] = []  # (keys, questions, ...)

    def read(self, batch: int, workers: int = WORKERS) -> None:
        """The answer sheets read with the interviews wait for _settle at once; what
        else is needed (answers of interviews without a sheet, repeats, calculations) is
        fetched in batches on a few threads (the database works while Python waits) and
        stored in interview order on this one; paradata in one query."""
        self._pend_sheets()
        keys = self.meta.keys
        batches = [(start, keys[start:start + batch]) for start in range(0, len(keys), batch)]
        wanted = [job for job in batches if self._fetching(*job)]
        if wanted:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for fetched in pool.map(self._fetch, wanted):
                    self._store(fetched)
                    if self.waiting >= SETTLE:  # while the other threads read on
                        self._settle()
        self._settle()
        row_of = self.row_of
        self.events = [e for e in _driver_rows(self.db, _events_of(self.meta))
                       if e[0] in row_of]  # the listed interviews' only
        for keys, questions, values, specials in self.calculated_main:
            if questions:
                self.main.put(self._rows(keys), questions, values, specials)

    def _rows(self, keys: Sequence[str]) -> np.ndarray[Any, Any]:
        return np.fromiter((self.row_of[key] for key in keys), dtype=np.intp,
                           count=len(keys))

    def _pend_sheets(self) -> None:
        """The interviews read with a sheet wait for _settle, grouped by their list of
        questions (vectorised: one hash of each list, no Python work per interview)."""
        questions, values, specials = (np.asarray(c, dtype=object) for c in self.meta.sheets)
        codes, lists = pd.factorize(questions)  # no sheet: -1
        order = np.argsort(codes, kind="stable")
        numbers = np.arange(len(lists))
        starts = np.searchsorted(codes[order], numbers)
        ends = np.searchsorted(codes[order], numbers, side="right")
        for listed, start, end in zip(lists, starts, ends, strict=True):
            rows = order[start:end]
            group = self.pending.setdefault(listed, ([], [], []))
            group[0].extend(rows.tolist())
            group[1].extend(values[rows].tolist())
            group[2].extend(specials[rows].tolist())
            self.waiting += len(rows)

    def _unsheeted(self, start: int, ids: list[str]) -> list[str]:
        sheets = self.meta.sheets[0][start:start + len(ids)]
        return [key for key, questions in zip(ids, sheets, strict=True) if questions is None]

    def _fetching(self, start: int, ids: list[str]) -> bool:
        """Whether a batch has anything to fetch: repeats, calculations, or interviews
        without a sheet."""
        versions = set(self.meta.versions[start:start + len(ids)])
        return bool(self.repeats) or any(self.calculated.get(v) for v in versions) or \
            bool(self._unsheeted(start, ids))

    def _fetch(self, job: tuple[int, list[str]]) -> _Batch:
        start, ids = job
        fetched = _Batch(start, len(ids))
        unsheeted = self._unsheeted(start, ids)
        if unsheeted:
            fetched.main = _driver_rows(self.db, _main_answers(unsheeted))
        if self.repeats:
            fetched.repeat_rows = _driver_rows(self.db, _repeat_answers(ids))
        return fetched

    def _store(self, fetched: _Batch) -> None:
        """Main answers wait, grouped by the interview's list of questions, for _settle;
        repeats and calculations go in answer by answer."""
        row_of, pending = self.row_of, self.pending
        for key, questions, values, specials in fetched.main:
            group = pending.get(questions or "")
            if group is None:
                group = pending[questions or ""] = ([], [], [])
            group[0].append(row_of[key])
            group[1].append(values or "")
            group[2].append(specials or "")
        self.waiting += len(fetched.main)
        repeat: tuple[list[Any], ...] = tuple(
            list(column) for column in zip(*fetched.repeat_rows, strict=True)) \
            if fetched.repeat_rows else ([], [], [], [], [])
        extra = self._calculations(fetched.start, fetched.count)
        if extra is not None:
            self.calculated_main.append(extra[0])  # after the stored answers: they win
            repeat = tuple(a + b for a, b in zip(repeat, extra[1], strict=True))
        for key, path, question, value, special in zip(*repeat, strict=True):
            self._repeat_answer(self.row_of[key], path, question, value, special)

    def _settle(self) -> None:
        """The waiting main answers into the grid: the interviews that answered the same
        questions (in the same order) are split together into one block of rows, which
        goes in a column at a time (no Python work per answer)."""
        pending, self.pending, self.waiting = self.pending, {}, 0
        for questions, (rows, values, specials) in pending.items():
            if not questions:
                continue
            sources = questions.split(SEP)
            width = len(sources)
            marks = _marks(specials, width)
            grid = _parsed(values, sources, self.numeric) or \
                _grid(values, sources, self.numeric)
            if grid is None or marks is None:  # a separator inside an answer
                self._row_by_row(rows)
                continue
            self.main.put_grid(np.asarray(rows), sources, grid, *marks)

    def _row_by_row(self, rows: list[int]) -> None:
        """These interviews' main answers fetched again, a row each."""
        keys = [self.meta.keys[row] for row in rows]
        for start in range(0, len(keys), BATCH):
            found = _driver_rows(self.db, select(
                cast(Answer.interview_id, String), Answer.question,
                func.coalesce(Answer.value, ""), func.coalesce(Answer.special, ""))
                .where(_among(Answer.__table__.c.interview_id, keys[start:start + BATCH]),
                       Answer.path.not_like("%[%")))
            if found:
                key, question, value, special = (list(c) for c in zip(*found, strict=True))
                self.main.put(self._rows(key), question, value, special)

    def _calculations(self, start: int, count: int) -> tuple[Any, Any] | None:
        """Calculated values (not stored) from the engine restored with the stored
        answers, as extra main and repeat answers; None when the form has none."""
        versions = self.meta.versions[start:start + count]
        if not any(self.calculated.get(v) for v in set(versions)):
            return None
        ids = self.meta.keys[start:start + count]
        by_interview: dict[str, list[tuple[str, str, str]]] = {}
        for key, path, value, special in _driver_rows(self.db, select(
                cast(Answer.interview_id, String), Answer.path, Answer.value, Answer.special)
                .where(_among(Answer.__table__.c.interview_id, ids))):
            by_interview.setdefault(key, []).append((path, value or "", special or ""))
        extra_main: tuple[list[Any], ...] = ([], [], [], [])
        extra_repeat: tuple[list[Any], ...] = ([], [], [], [], [])
        for offset, version in enumerate(versions):
            defs = self.calculated.get(version)
            if not defs:
                continue
            key = self.meta.keys[start + offset]
            engine = _restored(self.forms[version], by_interview.get(key, []))
            for d in defs:
                for node in engine.nodes_of(d):
                    if not node.relevant or node.value == "":
                        continue
                    if "[" in node.key:
                        items: tuple[Any, ...] = (key, node.key, d.name, node.value, "")
                        for part, item in zip(extra_repeat, items, strict=True):
                            part.append(item)
                    else:
                        for part, item in zip(extra_main, (key, d.name, node.value, ""),
                                              strict=True):
                            part.append(item)
        return extra_main, extra_repeat

    def _repeat_answer(self, row: int, path: str, question: str, value: str | None,
                       special: str | None) -> None:
        parts = path.split("/")
        marks = [i for i, part in enumerate(parts) if "[" in part]
        last = marks[-1]
        name, _, number = parts[last].partition("[")
        target = self.repeats.get(name)
        if target is None:
            return  # a repeat no version has any more
        instance = "/".join(parts[:last + 1])
        parent = "/".join(parts[:marks[-2] + 1]) if len(marks) > 1 else ""
        at = target.rows.get((row, instance))
        if at is None:
            at = len(target.keys)
            target.rows[(row, instance)] = at
            target.keys.append((row, instance, parent, int(number.rstrip("]"))))
            if at >= target.cells.rows:
                target.cells.grow(max(64, 2 * at))  # geometric: no copy per instance
        target.cells.put(np.asarray([at]), [question], [value], [special])

    def repeat_table(self, repeat: str, meta: _Meta) -> tuple[Cells, dict[str, Any]]:
        """The repeat's cells in interview order, then instance order, and its keys."""
        target = self.repeats[repeat]
        order = sorted(range(len(target.keys)), key=lambda i: (
            target.keys[i][0], _instance_numbers(target.keys[i][1])))
        cells = target.cells.take(order)
        keys = [target.keys[i] for i in order]
        fixed = {"interview_id": [meta.columns["interview_id"][k[0]] for k in keys],
                 "repeat": [repeat] * len(keys), "instance": [float(k[3]) for k in keys],
                 "parent_instance": [k[2] for k in keys]}
        return cells, fixed

    def paradata_columns(self, meta: _Meta) -> dict[str, list[Any]]:
        events = sorted(self.events, key=lambda e: (self.row_of[e[0]], e[1]))
        columns: dict[str, list[Any]] = {name: [] for name in (
            "interview_id", "seq", "kind", "path", "at", "from_path", "old_value",
            "new_value", "old_special", "new_special", "message", "language_chosen")}
        layout = self.layout
        for key, seq, kind, path, at, stored in events:
            # straight from the driver: JSON text on SQLite, a dict on PostgreSQL
            detail = json.loads(stored) if isinstance(stored, str) else stored or {}
            if path and not layout.include_contact and layout.is_personal(path):
                detail = {k: v for k, v in detail.items()  # the respondent's own data
                          if k not in ("old", "new", "value")}
            columns["interview_id"].append(meta.columns["interview_id"][self.row_of[key]])
            columns["seq"].append(float(seq))
            columns["kind"].append(kind)
            columns["path"].append(path or "")
            columns["at"].append(at)
            columns["from_path"].append(_text(detail.get("from")))
            columns["old_value"].append(_text(detail.get("old")))
            columns["new_value"].append(_text(detail.get("new", detail.get("value"))))
            columns["old_special"].append(_text(detail.get("old_special")))
            columns["new_special"].append(_text(detail.get("new_special")))
            columns["message"].append(_text(detail.get("message")))
            columns["language_chosen"].append(_text(detail.get("language")))
        return columns


def _main_answers(ids: list[str]) -> ClauseElement:
    """Per interview: its answers outside repeats, their questions, values and specials,
    each column joined by SEP in the same row order."""
    return (select(cast(Answer.interview_id, String),
                   func.aggregate_strings(Answer.question, SEP),
                   func.aggregate_strings(func.coalesce(Answer.value, ""), SEP),
                   func.aggregate_strings(func.coalesce(Answer.special, ""), SEP))
            .where(_among(Answer.__table__.c.interview_id, ids),
                   Answer.path.not_like("%[%"))
            .group_by(Answer.interview_id))


def _among(column: Any, keys: list[str]) -> ColumnElement[bool] | TextClause:
    """`column IN (keys)`, the keys written into the statement as they came from the
    database (hex digits and dashes only, checked): SQLAlchemy's rendering of thousands
    of UUID literals per batch costs more than the query."""
    if not keys:
        return false()
    if not _KEYS.fullmatch("".join(keys)):
        raise ValueError("an interview key that is not a UUID")
    listed = ",".join(f"'{key}'" for key in keys)
    return text(f"{column.table.name}.{column.name} IN ({listed})")


def _repeat_answers(ids: list[str]) -> ClauseElement:
    return (select(cast(Answer.interview_id, String), Answer.path, Answer.question,
                   Answer.value, Answer.special)
            .where(_among(Answer.__table__.c.interview_id, ids), Answer.path.like("%[%")))


def _events_of(meta: _Meta) -> ClauseElement:
    """The paradata of the survey's interviews (one query: a list of 100,000 ids costs
    more to read than the join), whatever their status now: the reader keeps those of the
    interviews listed, so one approved during the export keeps its paradata."""
    return (select(cast(ParadataEvent.interview_id, String), ParadataEvent.seq,
                   ParadataEvent.kind, ParadataEvent.path, ParadataEvent.at,
                   ParadataEvent.detail)
            .join(Interview, Interview.id == ParadataEvent.interview_id)
            .where(Interview.survey_id == meta.survey_id))


def _driver_rows(db: Database, statement: ClauseElement) -> list[Any]:
    """The statement's rows straight from the driver: no transaction of ours (an SQLite
    reader in WAL blocks no writer), no per-row processing. The ids in it come from the
    database, rendered as literals by SQLAlchemy."""
    sql = str(statement.compile(dialect=db.engine.dialect,
                                compile_kwargs={"literal_binds": True}))
    dbapi = db.engine.dialect.loaded_dbapi
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql.replace("%%", "%") if "%%" in sql else sql)
        return list(cursor.fetchall())
    except dbapi.Error as e:
        known = known_error(e, db.label)
        if known is not None:
            raise known from e
        raise
    finally:
        connection.close()


def _grid(joined: list[str], sources: list[str], numeric: frozenset[str]
          ) -> list[np.ndarray[Any, Any]] | None:
    """Each interview's SEP-joined answers split into a cell per source, by column, the
    numeric sources as floats (as _parsed gives them); None when they do not split
    evenly (a separator inside an answer)."""
    width = len(sources)
    cells = SEP.join(joined).split(SEP)
    if len(cells) != width * len(joined):
        return None
    grid = np.array(cells, dtype=object).reshape(len(joined), width)
    return [_floats(grid[:, j]) if source in numeric else grid[:, j]
            for j, source in enumerate(sources)]


def _floats(column: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A numeric question's answers as floats (NaN where none); as they are (text) when
    one is not a number (an older version's type)."""
    try:
        return np.where(column == "", "nan", column).astype(float)
    except ValueError:
        return column


def _parsed(joined: list[str], sources: list[str], numeric: frozenset[str]
            ) -> list[np.ndarray[Any, Any]] | None:
    """The block read by pandas' C parser, one line per interview: the numeric questions
    straight to floats (no Python object per answer), the others as str. None when a
    line break or separator is inside an answer, or a numeric question holds text (an
    older version's type): the caller splits the text instead."""
    floats = [j for j, source in enumerate(sources) if source in numeric]
    if not floats or len(joined) < PARSED:
        return None
    text = "\n".join(joined)
    rows, width = len(joined), len(sources)
    if text.count("\n") != rows - 1 or text.count(SEP) != rows * (width - 1):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=SEP, header=None, names=list(range(width)),
            index_col=False, engine="c", lineterminator="\n", quoting=csv.QUOTE_NONE,
            low_memory=False,
            skip_blank_lines=False, keep_default_na=False, na_values={j: [""] for j in floats},
            dtype={j: np.float64 if j in floats else object for j in range(width)})
    except (ValueError, pd.errors.ParserError):
        return None
    if frame.shape != (rows, width):
        return None
    return [frame[j].to_numpy() for j in range(width)]


def _marks(joined: list[str], width: int) -> tuple[np.ndarray[Any, Any], list[str]] | None:
    """The few special answers among the SEP-joined ones: their cell numbers (row * width
    + column) and values; None when they do not split evenly. Found on the bytes with
    numpy: a special starts at a byte that is not a separator but follows one (or starts
    the text), and runs to the next separator."""
    encoded = SEP.join(joined).encode("utf-8")
    raw = np.frombuffer(encoded, dtype=np.uint8)
    separator = raw == ord(SEP)
    separators = np.flatnonzero(separator)
    if len(separators) != width * len(joined) - 1:
        return None
    follows = np.ones(len(raw), dtype=bool)
    follows[1:] = separator[:-1]
    starts = np.flatnonzero(follows & ~separator)
    cells = np.searchsorted(separators, starts)  # separators before: the cell's number
    ends = np.append(separators, len(raw))[cells]
    found = [encoded[a:b].decode("utf-8")
             for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return cells.astype(np.intp), found


def _canonical(keys: list[str]) -> list[str]:
    """The interview ids as str(uuid): SQLite keeps 32 hex digits (lower case, as
    SQLAlchemy writes them), PostgreSQL casts them with dashes already."""
    return [f"{k[:8]}-{k[8:12]}-{k[12:16]}-{k[16:20]}-{k[20:]}" if len(k) == 32
            else k.lower() for k in keys]


def _calculated(d: Def) -> bool:
    return d.question.type in CALCULATED or d.question.calculation is not None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _instance_numbers(instance: str) -> tuple[int, ...]:
    return tuple(int(part.partition("[")[2].rstrip("]")) for part in instance.split("/")
                 if "[" in part)


def _restored(form: CompiledForm, rows: Sequence[tuple[str, str, str]]) -> Engine:
    """The interview's engine with its stored answers (path, value, special) put back."""
    engine = Engine(form)
    restore(engine, rows)
    return engine


__all__ = ["DEFAULT_STATUSES", "STATUSES", "ExportReport", "ExportService", "ExportedFile"]
