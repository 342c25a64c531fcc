"""Writing one table: SPSS .sav and Stata .dta through pyreadstat, CSV through pandas
(UTF-8 with a BOM, so that Excel reads the accents; dates as ISO 8601)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyreadstat

from interviewer.export import sav
from interviewer.export.frames import STATA_DK, STATA_RF, value_labels
from interviewer.export.layout import Table, Variable

Format = Literal["csv", "sav", "dta"]
FORMATS: tuple[Format, ...] = ("csv", "sav", "dta")
STATA_LABEL_MAX = 80


def write_table(frame: pd.DataFrame, table: Table, path: Path, fmt: Format) -> None:
    if fmt == "sav":
        write_sav(frame, table, path)
    elif fmt == "dta":
        write_dta(frame, table, path)
    else:
        write_csv(frame, table, path)


def write_sav(frame: pd.DataFrame, table: Table, path: Path) -> None:
    """Our own numpy writer (sav.py): several times faster than pyreadstat's."""
    formats = _sav_formats(table.variables)
    sav.write_sav(path, [
        sav.SavVariable(
            v.name, frame[v.name].to_numpy(), v.label, formats.get(v.name, ""), v.measure,
            labels_of(v) if v.kind == "numeric" else {},
            [v.dk_code, v.rf_code] if v.dk_code is not None and v.rf_code is not None
            else []) for v in table.variables], len(frame))


def write_sav_pyreadstat(frame: pd.DataFrame, table: Table, path: Path) -> None:
    """The same file through pyreadstat (slower; kept for comparison)."""
    variables = table.variables
    labels = {v.name: labels_of(v) for v in variables if v.kind == "numeric"}
    pyreadstat.write_sav(
        frame, str(path),
        column_labels={v.name: v.label[:256] for v in variables},
        variable_value_labels={name: lab for name, lab in labels.items() if lab},
        missing_ranges={v.name: [v.dk_code, v.rf_code] for v in variables
                        if v.dk_code is not None and v.rf_code is not None},
        variable_measure={v.name: v.measure for v in variables},
        variable_format=_sav_formats(variables))


def labels_of(variable: Variable) -> dict[Any, str]:
    return value_labels(variable)


def _sav_formats(variables: list[Variable]) -> dict[str, str]:
    formats = {}
    for v in variables:
        if v.kind == "date":
            formats[v.name] = "DATE11"
        elif v.kind == "datetime":
            formats[v.name] = "DATETIME20"
        elif v.kind == "numeric":
            formats[v.name] = "F8.0" if v.integer else "F10.2"
    return formats


def write_dta(frame: pd.DataFrame, table: Table, path: Path) -> None:
    variables = table.variables
    value_labels_ = {}
    for v in variables:
        if v.kind != "numeric":
            continue
        labels = _stata_labels(v)
        if labels:
            value_labels_[v.name] = labels
    # long texts are kept whole (pyreadstat writes them as strL); labels are the short
    # ones, which keep what tells the 0/1 columns of one question apart
    pyreadstat.write_dta(
        frame, str(path), version=15,
        column_labels={v.name: v.short_label[:STATA_LABEL_MAX] for v in variables},
        variable_value_labels=value_labels_,
        missing_user_values={v.name: [STATA_DK, STATA_RF] for v in variables
                             if v.stata_missing},
        )


def _stata_labels(variable: Variable) -> dict[Any, str]:
    """Stata labels whole numbers only (and .a / .b)."""
    out: dict[Any, str] = {}
    for code, label in value_labels(variable, stata=True).items():
        if isinstance(code, str):
            out[code] = label[:32000]
        elif float(code).is_integer():
            out[int(code)] = label[:32000]
    return out


def write_csv(frame: pd.DataFrame, table: Table, path: Path) -> None:
    frame = frame.copy()
    for v in table.variables:
        if v.kind == "date":
            frame[v.name] = frame[v.name].dt.strftime("%Y-%m-%d")
        elif v.kind == "numeric" and v.integer and frame[v.name].dtype == float:
            frame[v.name] = frame[v.name].astype("Int64")  # 3, not 3.0
    frame.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%dT%H:%M:%S",
                 lineterminator="\n")
