"""Columns from answers: the cells of a table gathered as they stream in, then turned
into one typed pandas column per variable (vectorised: no Python work per cell for the
plain types).

Don't know / refused in numeric variables: -98 and -99, unless a choice code or a value
of that variable is -98 or lower; then the first codes above the largest value of the
form 10^k - 2 / 10^k - 1 (98/99, 998/999, ...). Stata gets the extended missing values
.a (don't know) and .b (refused) instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from interviewer.export.layout import DK_LABEL, RF_LABEL, SPECIAL_CODES, Table, Variable

DK, RF = "dont_know", "refused"
_NONE = np.array(None, dtype=object)  # compared with: where a cell is None
STATA_DK, STATA_RF = "a", "b"


class Cells:
    """The values and special answers of one table, by row and source question. A
    column's values given as text are str ('' where there is none), in an array made when
    the first one comes (a question parsed as numbers never needs one); special answers
    are small codes (SPECIAL_CODE)."""

    def __init__(self, sources: Sequence[str], rows: int = 0) -> None:
        self.index = pd.Index(list(sources), dtype=object)
        self._rows = rows
        self.text: dict[int, np.ndarray[Any, Any]] = {}  # by column
        self.specials = np.zeros((rows, len(sources)), dtype=np.int8)
        # numeric questions parsed straight to floats: by column, (numbers, given)
        self.numbers: dict[int, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}

    @property
    def rows(self) -> int:
        return self._rows

    def grow(self, rows: int) -> None:
        if rows > self._rows:
            extra = rows - self._rows
            self.text = {c: np.concatenate([v, _empty(extra)]) for c, v in self.text.items()}
            self.specials = np.concatenate(
                [self.specials, np.zeros((extra, len(self.index)), dtype=np.int8)])
            self._rows = rows

    def take(self, order: Sequence[int]) -> Cells:
        """These rows, in this order, as new cells (text and specials only)."""
        taken = Cells(list(self.index), len(order))
        if len(order):
            taken.text = {c: v[order] for c, v in self.text.items()}
            taken.specials = self.specials[order]
        return taken

    def put(self, rows: np.ndarray[Any, Any], sources: Sequence[str],
            values: Sequence[str | None], specials: Sequence[str | None]) -> None:
        """Store a batch; sources this table does not know are ignored."""
        columns = self.index.get_indexer(list(sources))
        keep = columns >= 0
        if not keep.any():
            return
        r, c = rows[keep], columns[keep]
        given = np.asarray(["" if v is None else v for v in values], dtype=object)[keep]
        for column in np.unique(c).tolist():
            at = c == column
            self._text(column)[r[at]] = given[at]
        self.specials[r, c] = special_codes_of(specials)[keep]

    def put_grid(self, rows: np.ndarray[Any, Any], sources: Sequence[str],
                 values: Sequence[np.ndarray[Any, Any]], special_cells: np.ndarray[Any, Any],
                 specials: Sequence[str]) -> None:
        """Store a block, a column at a time: values[j][i] is the answer of row rows[i]
        to sources[j] (str, or a float when the column was parsed as numbers: NaN for
        none); the few special answers are at cells i * len(sources) + j."""
        columns = self.index.get_indexer(list(sources))
        for j in np.flatnonzero(columns >= 0):
            column, at = values[int(j)], int(columns[j])
            if column.dtype == object:
                self._text(at)[rows] = column
                continue
            numbers = self.numbers.get(at)
            if numbers is None:
                numbers = self.numbers[at] = (np.full(self._rows, np.nan),
                                              np.zeros(self._rows, dtype=bool))
            numbers[0][rows] = column
            numbers[1][rows] = True
        if len(special_cells):
            width = len(sources)
            r, c = rows[special_cells // width], columns[special_cells % width]
            keep = c >= 0
            self.specials[r[keep], c[keep]] = special_codes_of(specials)[keep]

    def _text(self, column: int) -> np.ndarray[Any, Any]:
        found = self.text.get(column)
        if found is None:
            found = self.text[column] = _empty(self._rows)
        return found

    def column(self, source: str) -> tuple[np.ndarray[Any, Any] | None, np.ndarray[Any, Any]]:
        """The column's values as text ('' where none was given as text; None when none
        was) and its specials."""
        i = int(self.index.get_loc(source))
        return self.text.get(i), self.specials[:, i]

    def parsed(self, source: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None:
        """The rows of the column parsed as numbers, if any: (numbers, given)."""
        return self.numbers.get(int(self.index.get_loc(source)))

    def only_parsed(self, source: str) -> bool:
        """Whether every value of the column was parsed as a number (none is text)."""
        i = int(self.index.get_loc(source))
        return i in self.numbers and i not in self.text


SPECIAL_CODE = {DK: 1, RF: 2}  # in Cells.specials; 0: none, 3: a special no form has


def special_codes_of(specials: Sequence[str | None]) -> np.ndarray[Any, Any]:
    return np.fromiter((SPECIAL_CODE.get(s, 3) if s else 0 for s in specials),
                       dtype=np.int8, count=len(specials))


def _empty(rows: int) -> np.ndarray[Any, Any]:
    return np.full(rows, "", dtype=object)


def build_frame(table: Table, cells: Cells, fixed: Mapping[str, Any], *,
                stata: bool = False, codes: bool = True) -> pd.DataFrame:
    """The table's data frame, one column per variable in order. `fixed` holds the key
    and meta columns by source name; `codes`=False keeps choice names (CSV's default).
    Sets each numeric variable's dk_code / rf_code, and a calculation's kind."""
    columns: dict[str, Any] = {}
    sources: dict[str, _Source] = {}
    for variable in table.variables:
        if variable.role in ("key", "meta", "paradata"):
            columns[variable.name] = _fixed_column(variable, fixed[variable.source],
                                                   cells.rows)
            continue
        source = sources.get(variable.source)
        if source is None:
            source = sources[variable.source] = _Source(
                *cells.column(variable.source), cells.parsed(variable.source),
                cells.only_parsed(variable.source))
        columns[variable.name] = _answer_column(variable, source, stata, codes)
    index = pd.RangeIndex(cells.rows)
    return pd.DataFrame({name: pd.Series(column, index=index, copy=False,
                                         dtype=object if column.dtype == object else None)
                         for name, column in columns.items()}, index=index, copy=False)


class _Source:
    """One question's cells: its distinct values (each converted once, then spread
    over the rows by code) and where don't know / refused were given. `only_parsed`:
    every value was parsed as a number already (no text to look at)."""

    def __init__(self, values: np.ndarray[Any, Any] | None, specials: np.ndarray[Any, Any],
                 parsed: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None = None,
                 only_parsed: bool = False) -> None:
        self._values = values
        self._text: np.ndarray[Any, Any] | None = None
        self.parsed = parsed
        self.only_parsed = only_parsed and parsed is not None
        self._factorized: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None = None
        self.dk = specials == SPECIAL_CODE[DK]
        self.rf = specials == SPECIAL_CODE[RF]

    @property
    def text(self) -> np.ndarray[Any, Any]:
        if self._text is None:
            self._text = _empty(len(self.dk)) if self._values is None else \
                _text(self._values)
        return self._text

    @property
    def uniques(self) -> np.ndarray[Any, Any]:
        return self._factorize()[1]

    def _factorize(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        if self._factorized is None:
            codes, uniques = pd.factorize(self.text)
            self._factorized = codes, np.asarray(uniques, dtype=object)
        return self._factorized

    def spread(self, converted: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Per row, the converted value of its distinct value."""
        out: np.ndarray[Any, Any] = np.asarray(converted)[self._factorize()[0]]
        return out


def _fixed_column(variable: Variable, data: Any, rows: int) -> Any:
    if variable.kind == "string":
        return np.array(["" if v is None or v != v else str(v) for v in data], dtype=object) \
            if len(data) else np.zeros(0, dtype=object)
    if variable.kind == "datetime":
        times = data if isinstance(data, pd.Series) and data.dtype.kind == "M" else \
            pd.to_datetime(pd.Series(data, dtype=object), utc=True, format="ISO8601")
        if times.dt.tz is not None:
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        return times.to_numpy()
    return np.asarray(data, dtype=float)


def _answer_column(variable: Variable, source: _Source, stata: bool, codes: bool) -> Any:
    """The variable's column; conversions work on the source's distinct values."""
    dk, rf = source.dk, source.rf
    role = variable.role
    if role == "special":
        out = np.full(len(dk), np.nan)
        out[dk], out[rf] = SPECIAL_CODES[DK], SPECIAL_CODES[RF]
        return out
    if role == "calculate":
        return _calculated(variable, source.text)
    if role == "multi_choice":
        chosen = source.spread(_chosen(source.uniques, variable.choice or ""))
        return _with_specials(variable, chosen, dk, rf, stata)
    if variable.kind == "string" or (variable.coded and not codes):
        text = source.text
        if variable.coded:  # CSV without --codes: the choice names, and the special's
            variable.kind = "string"
            text = text.copy()
            text[dk], text[rf] = DK, RF
        return text
    if variable.kind == "date":
        return source.spread(pd.to_datetime(pd.Series(source.uniques, dtype=object),
                                            format="%Y-%m-%d", errors="coerce").to_numpy())
    if variable.kind == "datetime":
        return source.spread(pd.to_datetime(pd.Series(source.uniques, dtype=object),
                                            format="ISO8601", errors="coerce", utc=True)
                             .dt.tz_localize(None).to_numpy())
    if variable.coded:
        names = pd.Index(list(variable.codes), dtype=object)
        found = names.get_indexer(source.uniques)
        numbers = source.spread(np.append(np.asarray(list(variable.codes.values()),
                                                     dtype=float),
                                          np.nan)[found])  # -1 (not a choice): the NaN
    elif source.only_parsed and source.parsed is not None:
        numbers = source.parsed[0].copy()  # NaN where not given
    else:
        numbers = source.spread(_numbers(source.uniques))
        if source.parsed is not None:
            parsed, given = source.parsed
            numbers[given] = parsed[given]
    return _with_specials(variable, numbers, dk, rf, stata)


def _text(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The cells as strings, '' where there is no value (Cells keeps '' already)."""
    out = np.array(values, dtype=object)  # a copy, contiguous
    missing = np.equal(out, _NONE)
    if missing.any():
        out[missing] = ""
    return out


def _numbers(text: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Stored numbers as floats (NaN where empty): numpy converts in one pass; anything
    that is not a number falls back to pandas, which makes it NaN."""
    filled = np.array(text, dtype=object)
    filled[filled == ""] = "nan"
    numbers: np.ndarray[Any, Any]
    try:
        numbers = filled.astype(float)
    except (ValueError, TypeError):
        numbers = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float,
                                                                           copy=True)
    return numbers


def _calculated(variable: Variable, text: np.ndarray[Any, Any]) -> Any:
    """Numeric when every value given is a number, else text."""
    numbers = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=float,
                                                                        copy=True)
    given = text != ""
    if given.any() and not np.isnan(numbers[given]).any():
        variable.kind, variable.measure = "numeric", "scale"
        variable.integer = bool((numbers[given] % 1 == 0).all())
        return numbers
    variable.kind = "string"
    return text


def _chosen(text: np.ndarray[Any, Any], choice: str) -> np.ndarray[Any, Any]:
    """1 where the choice was selected, 0 where another answer was given, NaN where the
    question has no answer (not answered or not relevant)."""
    hit = np.fromiter((choice in str(value).split() for value in text), dtype=bool,
                      count=len(text))
    out = np.where(hit, 1.0, 0.0)
    out[text == ""] = np.nan
    return out


def _with_specials(variable: Variable, numbers: np.ndarray[Any, Any],
                   dk: np.ndarray[Any, Any], rf: np.ndarray[Any, Any], stata: bool) -> Any:
    if not variable.accepts_special and not dk.any() and not rf.any():
        return numbers
    if stata:
        variable.dk_code, variable.rf_code = None, None
        variable.stata_missing = bool(dk.any() or rf.any())
        if not variable.stata_missing:
            return numbers
        out = numbers.astype(object)
        out[np.isnan(numbers)] = np.nan
        out[dk], out[rf] = STATA_DK, STATA_RF
        return out
    variable.dk_code, variable.rf_code = special_codes(numbers, variable.codes.values())
    numbers[dk], numbers[rf] = variable.dk_code, variable.rf_code
    return numbers


def special_codes(numbers: np.ndarray[Any, Any],
                  choice_codes: Any = ()) -> tuple[float, float]:
    """(don't know, refused): -98/-99 unless they could clash, else 10^k-2 / 10^k-1
    above the largest value."""
    given = numbers[~np.isnan(numbers)]
    known = [*choice_codes, *([given.min(), given.max()] if len(given) else [])]
    if not known or min(known) > -98:
        return -98.0, -99.0
    top = max(known)
    k = 2
    while 10 ** k - 2 <= top:
        k += 1
    return float(10 ** k - 2), float(10 ** k - 1)


def value_labels(variable: Variable, stata: bool = False) -> dict[Any, str]:
    """Value labels including the special codes this variable uses."""
    labels: dict[Any, str] = dict(variable.value_labels)
    if stata:
        if variable.stata_missing:
            labels[STATA_DK], labels[STATA_RF] = DK_LABEL, RF_LABEL
        return labels
    if variable.dk_code is not None:
        labels[variable.dk_code] = DK_LABEL
    if variable.rf_code is not None:
        labels[variable.rf_code] = RF_LABEL
    return labels
