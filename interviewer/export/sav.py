"""An SPSS system file (.sav) writer in numpy: the dictionary records, then the cases
uncompressed as one block of bytes (GNU PSPP manual, "System File Format").

Records written: the file header; one variable record per variable (plus continuation
records for strings wider than 8 bytes, and one record per 255-byte segment of a string
wider than 255, described by record 7/14); value labels (records 3 and 4); missing values
in the variable records (up to three discrete values); machine integer and floating point
info (7/3, 7/4); display parameters (7/11); long names (7/13); the encoding (7/20, UTF-8);
the end of the dictionary (999). Numbers are little-endian IEEE doubles, system-missing is
-DBL_MAX; dates are seconds since 14 October 1582.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from pandas.api.types import infer_dtype

_NONE = np.array(None, dtype=object)  # compared with: where a cell is None
SYSMIS = -np.finfo(np.float64).max
HIGHEST = np.finfo(np.float64).max
LOWEST = float(np.nextafter(SYSMIS, 0.0))
GREGORIAN_TO_UNIX = 12_219_379_200  # seconds from 1582-10-14 to 1970-01-01
FORMAT_TYPES = {"A": 1, "F": 5, "DATE": 20, "DATETIME": 22}
MEASURES = {"nominal": 1, "ordinal": 2, "scale": 3}
SEGMENT = 252  # width of a very long string each segment accounts for
PACKED = 255  # bytes of a very long string's data each segment holds
MAX_STRING = 32767
CASES_AT_ONCE = 4096  # rows assembled before they are written
VAR_LABEL_MAX = 255
VALUE_LABEL_MAX = 120


@dataclass
class SavVariable:
    """One variable as it goes into the file. `data`: float64 (NaN = system-missing),
    datetime64 (NaT = system-missing) or an object array of str (None/NaN = '')."""

    name: str
    data: Any
    label: str = ""
    format: str = ""  # "F8.0", "DATE11"...; strings: A<width>
    measure: str = "nominal"
    value_labels: Mapping[float, str] = field(default_factory=dict)
    missing: Sequence[float] = ()  # up to three discrete user-missing values


@dataclass
class _Prepared:
    variable: SavVariable
    short: str
    segment_names: list[str]  # the short names of a very long string's later segments
    width: int  # 0 numeric, else the string width in bytes
    block: np.ndarray[Any, Any]  # (rows, slots * 8) uint8, or (rows,) float64


def write_sav(path: Path, variables: Sequence[SavVariable], rows: int,
              file_label: str = "") -> None:
    prepared = _prepare(variables, rows)
    slots = sum(_slots(p.width) for p in prepared)
    with path.open("wb") as f:
        f.write(_header(slots, rows, file_label))
        index: dict[str, int] = {}
        position = 1
        for p in prepared:
            index[p.short] = position
            f.write(_variable_records(p))
            position += _slots(p.width)
        for p in prepared:
            if p.width == 0 and p.variable.value_labels:
                f.write(_value_labels(p.variable.value_labels, index[p.short]))
        f.write(_machine_records())
        f.write(_display_record(prepared))
        f.write(_text_record(13, "\t".join(f"{p.short}={p.variable.name}" for p in prepared)))
        long_strings = [p for p in prepared if p.width > 255]
        if long_strings:
            f.write(_text_record(14, "".join(f"{p.short}={p.width:05d}\0\t"
                                             for p in long_strings)))
        f.write(_text_record(20, "UTF-8"))
        f.write(struct.pack("<ii", 999, 0))
        _write_cases(f, prepared, rows, slots)


def _prepare(variables: Sequence[SavVariable], rows: int) -> list[_Prepared]:
    used: set[str] = set()
    out = []
    for number, v in enumerate(variables):
        data = np.asarray(v.data)
        if len(data) != rows:
            raise ValueError(f"{v.name}: {len(data)} values for {rows} rows")
        short = _short_name(v.name, number, used)
        if data.dtype.kind == "M":
            seconds = data.astype("datetime64[ns]").view(np.int64) / 1e9 + GREGORIAN_TO_UNIX
            numbers = np.where(np.isnat(data), SYSMIS, seconds)
            out.append(_Prepared(v, short, [], 0, numbers.astype("<f8")))
        elif data.dtype.kind in "fiub":
            numbers = data.astype(np.float64)
            out.append(_Prepared(v, short, [], 0,
                                 np.where(np.isnan(numbers), SYSMIS, numbers).astype("<f8")))
        else:
            encoded = _encoded(data)
            width = max(1, min(MAX_STRING, encoded.dtype.itemsize))
            segments = [_short_name("", len(variables) + len(used), used)
                        for _ in range(1, _segments(width))]
            out.append(_Prepared(v, short, segments, width,
                                 _string_block(encoded, width, rows)))
    return out


def _encoded(data: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The strings as UTF-8 bytes in one fixed-width array (NUL-padded)."""
    data = np.asarray(data, dtype=object)
    missing = np.equal(data, _NONE)
    if missing.any():
        data = data.copy()
        data[missing] = ""
    values = data.tolist()
    if infer_dtype(data, skipna=False) != "string":  # all str? checked in C
        values = [s if isinstance(s, str) else "" if s is None or s != s else str(s)
                  for s in values]  # NaN: empty; anything else as text
    try:
        return np.array(values, dtype=np.bytes_) if values else np.zeros(0, "S1")
    except UnicodeEncodeError:
        return np.array([s.encode("utf-8") for s in values], dtype=np.bytes_)


def _string_block(encoded: np.ndarray[Any, Any], width: int,
                  rows: int) -> np.ndarray[Any, Any]:
    """(rows, bytes in the file): space-padded; a very long string in 255-byte pieces,
    each in a 256-byte segment (the last one in what its width takes)."""
    size = encoded.dtype.itemsize if rows else 1
    raw = np.frombuffer(encoded.tobytes(), dtype=np.uint8).reshape(rows, size) if rows \
        else np.zeros((0, size), np.uint8)
    raw = raw[:, :width]
    if width <= 255:
        block = np.full((rows, _slots(width) * 8), 0x20, dtype=np.uint8)
        block[:, :raw.shape[1]] = raw
    else:
        block = np.full((rows, _slots(width) * 8), 0x20, dtype=np.uint8)
        for k in range(_segments(width)):
            piece = raw[:, k * PACKED:(k + 1) * PACKED]
            block[:, k * 256:k * 256 + piece.shape[1]] = piece
    block[block == 0] = 0x20
    return block


def _segments(width: int) -> int:
    return 1 if width <= 255 else -(-width // SEGMENT)


def _segment_widths(width: int) -> list[int]:
    if width <= 255:
        return [width]
    n = _segments(width)
    return [255] * (n - 1) + [width - (n - 1) * SEGMENT]


def _slots(width: int) -> int:
    """8-byte units a variable takes in a case."""
    return sum(-(-max(w, 8) // 8) for w in _segment_widths(width)) if width else 1


def _short_name(name: str, number: int, used: set[str]) -> str:
    candidate = name[:8].upper()
    if not candidate or not candidate.isascii() or not candidate[0].isalpha() \
            or candidate in used:
        candidate = f"V{number:07d}"[:8]
        while candidate in used:
            number += 1
            candidate = f"V{number:07d}"[:8]
    used.add(candidate)
    return candidate


def _header(slots: int, rows: int, file_label: str) -> bytes:
    now = datetime.now(UTC)
    return struct.pack(
        "<4s60siiiiid9s8s64s3s", b"$FL2",
        _padded(b"@(#) SPSS DATA FILE - Interviewer export", 60),
        2, slots, 0, 0, rows, 100.0,
        now.strftime("%d %b %y").encode("ascii"), now.strftime("%H:%M:%S").encode("ascii"),
        _padded(_cut(file_label, 64), 64), b"\0\0\0")


def _format(spec: str, width: int) -> int:
    if width:
        return FORMAT_TYPES["A"] << 16 | min(width, 255) << 8
    letters = spec.rstrip("0123456789.")
    size, _, decimals = spec[len(letters):].partition(".")
    return FORMAT_TYPES.get(letters, 5) << 16 | int(size or 8) << 8 | int(decimals or 0)


def _variable_records(p: _Prepared) -> bytes:
    v = p.variable
    out = bytearray()
    label = _cut(v.label, VAR_LABEL_MAX)
    missing = [float(m) for m in v.missing][:3] if p.width == 0 else []
    for k, width in enumerate(_segment_widths(p.width) if p.width else [0]):
        first = k == 0
        fmt = _format(v.format, width)
        name = p.short if first else p.segment_names[k - 1]
        has_label = bool(label) and first
        out += struct.pack("<iiiiii8s", 2, width, int(has_label), len(missing) if first else 0,
                           fmt, fmt, _padded(name.encode("ascii"), 8))
        if has_label:
            out += struct.pack("<i", len(label)) + _padded(label, -(-len(label) // 4) * 4)
        if first and missing:
            out += struct.pack(f"<{len(missing)}d", *missing)
        for _ in range(-(-max(width, 8) // 8) - 1):  # continuation records
            out += struct.pack("<iiiiii8s", 2, -1, 0, 0, 0, 0, b" " * 8)
    return bytes(out)


def _value_labels(labels: Mapping[float, str], index: int) -> bytes:
    out = bytearray(struct.pack("<ii", 3, len(labels)))
    for value, text in labels.items():
        raw = _cut(text, VALUE_LABEL_MAX)
        out += struct.pack("<dB", float(value), len(raw))
        out += _padded(raw, -(-(len(raw) + 1) // 8) * 8 - 1)
    out += struct.pack("<iii", 4, 1, index)
    return bytes(out)


def _machine_records() -> bytes:
    integers = struct.pack("<iiii8i", 7, 3, 4, 8, 1, 0, 0, -1, 1, 1, 2, 65001)
    floats = struct.pack("<iiii3d", 7, 4, 8, 3, SYSMIS, HIGHEST, LOWEST)
    return integers + floats


def _display_record(prepared: Sequence[_Prepared]) -> bytes:
    values: list[int] = []
    for p in prepared:
        measure = MEASURES.get(p.variable.measure, 1) if p.width == 0 else 1
        for width in _segment_widths(p.width) if p.width else [0]:
            values += [measure, min(max(width, 8), 40) if width else 8, 0 if width else 1]
    return struct.pack(f"<iiii{len(values)}i", 7, 11, 4, len(values), *values)


def _text_record(subtype: int, text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<iiii", 7, subtype, 1, len(raw)) + raw


def _write_cases(f: BinaryIO, prepared: Sequence[_Prepared], rows: int,
                 slots: int) -> None:
    """The cases, one row of bytes each, assembled and written a few thousand rows at a
    time (a block that stays in the processor's cache, and no copy of the whole file)."""
    for start in range(0, rows, CASES_AT_ONCE):
        end = min(rows, start + CASES_AT_ONCE)
        case = np.empty((end - start, slots * 8), dtype=np.uint8)
        at = 0
        for p in prepared:
            if p.width == 0:
                case[:, at:at + 8] = p.block[start:end].view(np.uint8).reshape(-1, 8)
                at += 8
            else:
                size = p.block.shape[1]
                case[:, at:at + size] = p.block[start:end]
                at += size
        f.write(case.data)


def _cut(text: str, limit: int) -> bytes:
    """At most `limit` bytes of UTF-8, never half a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return raw
    return raw[:limit].decode("utf-8", errors="ignore").encode("utf-8")


def _padded(raw: bytes, size: int) -> bytes:
    return raw[:size].ljust(size, b" ")
