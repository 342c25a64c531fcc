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
STATA_DK, STATA_RF = "a", "b"


class Cells:
    """The values and special answers of one table, by row and source question."""

    def __init__(self, sources: Sequence[str], rows: int = 0) -> None:
        self.index = pd.Index(list(sources))
        self.values = np.full((rows, len(sources)), None, dtype=object)
        self.specials = np.full((rows, len(sources)), None, dtype=object)

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    def grow(self, rows: int) -> None:
        if rows > self.rows:
            extra = rows - self.rows
            width = self.values.shape[1]
            self.values = np.vstack([self.values, np.full((extra, width), None, dtype=object)])
            self.specials = np.vstack([self.specials,
                                       np.full((extra, width), None, dtype=object)])

    def put(self, rows: np.ndarray[Any, Any], sources: Sequence[str],
            values: Sequence[str | None], specials: Sequence[str | None]) -> None:
        """Store a batch; sources this table does not know are ignored."""
        columns = self.index.get_indexer(list(sources))
        keep = columns >= 0
        if not keep.any():
            return
        r, c = rows[keep], columns[keep]
        self.values[r, c] = np.asarray(values, dtype=object)[keep]
        self.specials[r, c] = np.asarray(specials, dtype=object)[keep]

    def column(self, source: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        i = self.index.get_loc(source)
        return self.values[:, i], self.specials[:, i]


def build_frame(table: Table, cells: Cells, fixed: Mapping[str, Any], *,
                stata: bool = False, codes: bool = True) -> pd.DataFrame:
    """The table's data frame, one column per variable in order. `fixed` holds the key
    and meta columns by source name; `codes`=False keeps choice names (CSV's default).
    Sets each numeric variable's dk_code / rf_code, and a calculation's kind."""
    columns: dict[str, Any] = {}
    for variable in table.variables:
        if variable.role in ("key", "meta", "paradata"):
            columns[variable.name] = _fixed_column(variable, fixed[variable.source],
                                                   cells.rows)
            continue
        values, specials = cells.column(variable.source)
        columns[variable.name] = _answer_column(variable, values, specials, stata, codes)
    return pd.DataFrame(columns, index=pd.RangeIndex(cells.rows))


def _fixed_column(variable: Variable, data: Any, rows: int) -> Any:
    if variable.kind == "string":
        return pd.Series(data, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    if variable.kind == "datetime":
        return pd.to_datetime(pd.Series(data, dtype=object), utc=True, format="ISO8601") \
            .dt.tz_localize(None).to_numpy()
    return np.asarray(data, dtype=float)


def _answer_column(variable: Variable, values: np.ndarray[Any, Any],
                   specials: np.ndarray[Any, Any], stata: bool, codes: bool) -> Any:
    text = _text(values)
    dk, rf = specials == DK, specials == RF
    role = variable.role
    if role == "special":
        out = np.full(len(values), np.nan)
        out[dk], out[rf] = SPECIAL_CODES[DK], SPECIAL_CODES[RF]
        return out
    if role == "calculate":
        return _calculated(variable, text)
    if role == "multi_choice":
        return _with_specials(variable, _chosen(text, variable.choice or ""), dk, rf, stata)
    if variable.kind == "string" or (variable.coded and not codes):
        if variable.coded:  # CSV without --codes: the choice names, and the special's
            variable.kind = "string"
            text[dk], text[rf] = DK, RF
        return text
    if variable.kind == "date":
        return pd.to_datetime(pd.Series(text), format="%Y-%m-%d", errors="coerce").to_numpy()
    if variable.kind == "datetime":
        return pd.to_datetime(pd.Series(text), format="ISO8601", errors="coerce", utc=True) \
            .dt.tz_localize(None).to_numpy()
    if variable.coded:
        names = pd.Index(list(variable.codes))
        found = names.get_indexer(text)
        numbers = np.append(np.asarray(list(variable.codes.values()), dtype=float),
                            np.nan)[found]  # -1 (not a choice) picks the NaN at the end
    else:
        numbers = _numbers(text)
    return _with_specials(variable, numbers, dk, rf, stata)


def _text(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The cells as strings, '' where there is no value."""
    out = values.copy()
    out[pd.isna(out)] = ""
    return out


def _numbers(text: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Stored numbers as floats (NaN where empty): numpy converts in one pass; anything
    that is not a number falls back to pandas, which makes it NaN."""
    filled = text.copy()
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
    hit = np.fromiter((choice in value.split() for value in text), dtype=bool,
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
