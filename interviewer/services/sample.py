"""Sample import into a CATI survey, and the do-not-call list (DESIGN.md 6).

Every line of the file is read and checked before anything is written: one bad line and
nothing is imported, and the error names each bad line as a spreadsheet shows it (the
header is line 1). Contact data is personal: problems name the line and the column,
never the name or the number, and nothing here logs them.
"""

from __future__ import annotations

import csv
import functools
import importlib
import importlib.resources
import io
import logging
import re
import uuid
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone
from pydantic import BaseModel
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy import text as sql_text

from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    ServiceError,
    require_role,
    utc_clock,
)
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Case, DoNotCall, Survey

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
DNC_LOCK = 0x534D504C  # the advisory lock of do-not-call writers ("SMPL")
CHUNK = 500  # values per IN (...): well under every backend's parameter limit

FIELDS = ("id", "name", "phone", "timezone", "region")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "case_id", "caseid", "external_id", "externalid", "case", "respondent_id",
           "record_id", "sample_id"),
    "name": ("name", "respondent", "respondent_name", "full_name", "fullname", "contact",
             "contact_name"),
    "timezone": ("timezone", "time_zone", "tz"),
    "region": ("region", "country", "country_code"),
}
PHONE_HEADER = re.compile(
    r"^(home_|work_|mobile_|cell_|alt_|other_)?"
    r"(phone|telephone|tel|mobile|cell|cellphone|landline|msisdn)"
    r"(_?(number|no|nr))?_?\d*$")
# preload columns whose numbers stay numbers (sums and means in reports); every other
# preload value stays text, so that an id such as 00123 keeps its zeros
NUMERIC_PRELOAD = ("value", "customer_value", "clv", "lifetime_value",
                   "customer_lifetime_value")
UNKNOWN_ZONE = "Etc/Unknown"
ZONES_NAMED = 4  # the zones a message lists before "..."
LIMITS = {"id": 200, "name": 300, "region": 100}


# --- results and errors ---------------------------------------------------------------

class LineProblem(BaseModel):
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class SampleError(ServiceError):
    """Bad lines: nothing was written. `lines` names each one."""

    def __init__(self, lines: Sequence[LineProblem], file: str = "") -> None:
        self.file = file
        self.lines = sorted(lines, key=lambda p: p.line)
        bad = len({p.line for p in self.lines})
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{bad} bad line{'s' if bad != 1 else ''}; nothing was "
                         "imported. " + "; ".join(str(p) for p in self.lines[:5])
                         + ("; ..." if len(self.lines) > 5 else ""))


class SampleFileError(ServiceError):
    """The file cannot be read at all (missing, not UTF-8, not a spreadsheet)."""


class PhoneError(ValueError):
    """A number that cannot be made E.164; the message says why without the number."""


class ImportReport(BaseModel):
    survey: str
    file: str
    dry_run: bool
    rows_read: int
    imported: int
    skipped_existing: int
    do_not_call: int
    timezones_from_file: int
    timezones_inferred: int  # from the number, or the region when exactly one zone fits
    timezones_unknown: int
    timezones: dict[str, int]
    extensions: int  # extensions written with a number: kept in the case's preload


class DncReport(BaseModel):
    file: str
    rows_read: int
    added: int
    already_listed: int
    repeated_in_file: int
    cases_flagged: int


# --- phone numbers ----------------------------------------------------------------------

def check_region(region: str | None) -> str | None:
    """`region` as an upper-case ISO country code, or ServiceError naming the mistake."""
    if region is None or not region.strip():
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ServiceError(f"'{region}' is not a country code for phone numbers "
                           "(use two letters, for example PL, US, DE)")
    return code


class Parsed(NamedTuple):
    number: phonenumbers.PhoneNumber
    kind: int  # phonenumbers.PhoneNumberType: mobile, fixed line...


def parse_phone(text: str, region: str | None) -> Parsed:
    """The valid number, with its type; PhoneError otherwise."""
    cleaned = text.strip()
    if not re.search(r"\d", cleaned):
        raise PhoneError("is not a phone number (no digits)")
    if not cleaned.startswith("+") and not cleaned.startswith("00") and region is None:
        raise PhoneError("has no +country code and no default region is set "
                         "(give --region, or write the number with +)")
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as e:
        raise PhoneError(f"is not a phone number ({_parse_reason(e)})") from e
    # a number is valid when its type is known (what is_valid_number checks): one
    # look-up gives both, and the type then picks the time zone data
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise PhoneError("is not a valid number" + _where(region, number))
    return Parsed(number, kind)


def normalise_phone(text: str, region: str | None = None) -> str:
    """The number in E.164 (+48601234567); PhoneError says what is wrong. `region` is the
    country assumed for numbers written without +country code."""
    return e164(parse_phone(text, region).number)


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _where(region: str | None, number: phonenumbers.PhoneNumber | None = None) -> str:
    """` for PL (+48)`: the country the number was read as."""
    code = number.country_code if number is not None else None
    if number is not None and code:
        found = phonenumbers.region_code_for_number(number) or \
            phonenumbers.region_code_for_country_code(code)
        return f" for {found} (+{code})" if found not in ("ZZ", "001") else f" for +{code}"
    return f" for {region}" if region else ""


def _parse_reason(error: phonenumbers.NumberParseException) -> str:
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(error.error_type, "unreadable")


def zones_for(number: phonenumbers.PhoneNumber, kind: int | None = None) -> tuple[str, ...]:
    """The time zones phonenumbers gives for the number ((): none known), as
    time_zones_for_number does, without working out the number's type again."""
    kind = phonenumbers.number_type(number) if kind is None else kind
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return ()
    if phonenumbers.is_number_type_geographical(kind, number.country_code or 0):
        zones = tuple(phone_timezone.time_zones_for_geographical_number(number))
    else:  # the country's zones: the same for every such number of the country
        zones = _COUNTRY_ZONES.get(number.country_code) or \
            _COUNTRY_ZONES.setdefault(number.country_code,
                                      tuple(phone_timezone.time_zones_for_number(number)))
    return () if zones == (UNKNOWN_ZONE,) else zones


_COUNTRY_ZONES: dict[int | None, tuple[str, ...]] = {}


@functools.cache
def _tz_tables() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(link name -> zone, country -> its zones) from the tz database that the tzdata
    package (a dependency) carries. Empty when it cannot be read: names then stay apart
    and no country narrows a zone, so more lines ask for a timezone column."""
    try:
        base = importlib.resources.files("tzdata").joinpath("zoneinfo")
        source = base.joinpath("tzdata.zi").read_text(encoding="utf-8")
        table = base.joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError, UnicodeDecodeError):
        return {}, {}
    links = {parts[2]: parts[1] for parts in (line.split() for line in source.splitlines())
             if len(parts) == 3 and parts[0] == "L"}
    countries: dict[str, list[str]] = {}
    for line in table.splitlines():
        parts = line.split("\t")
        if not line.startswith("#") and len(parts) >= 3:
            countries.setdefault(parts[0].strip(), []).append(parts[2].strip())
    return links, {code: tuple(zones) for code, zones in countries.items()}


def same_zone(name: str) -> str:
    """The zone a name stands for: Europe/Jersey is Europe/London under another name."""
    links = _tz_tables()[0]
    for _ in range(5):  # a link names a zone, not another link; bounded all the same
        if name not in links:
            break
        name = links[name]
    return name


def one_zone(zones: Sequence[str], prefer: Sequence[str] = ()) -> str | None:
    """The zone when all of `zones` are one (None: none or several). Of its names in
    `zones`, the one `prefer` (a country's own) lists, else the zone's own, else the
    first: Europe/Jersey for a line of JE, never a name the number did not give."""
    found = {same_zone(z) for z in zones}
    if len(found) != 1:
        return None
    zone = found.pop()
    named = [p for p in prefer if p in zones]
    return named[0] if named else zone if zone in zones else zones[0]


def zone_listing(zones: Iterable[str]) -> str:
    """`Australia/Adelaide, Australia/Brisbane, ...`: each zone once, a few of them."""
    names: dict[str, str] = {}
    for name in sorted(zones):
        names.setdefault(same_zone(name), name)
    shown = sorted(names.values())
    return ", ".join(shown[:ZONES_NAMED]) + (", ..." if len(shown) > ZONES_NAMED else "")


def zones_for_region(region: str | None) -> tuple[str, ...]:
    """The time zones of a country (ISO code): the tz database's zone.tab, else the zones
    phonenumbers gives its calling code ((): none known)."""
    if region is None:
        return ()
    listed = _tz_tables()[1].get(region)
    if listed:
        return listed
    country = phonenumbers.PhoneNumber(
        country_code=phonenumbers.country_code_for_region(region), national_number=0)
    zones = tuple(phone_timezone.time_zones_for_geographical_number(country))
    return () if zones == (UNKNOWN_ZONE,) else zones


def is_blocked(db: Database, phone: str) -> bool:
    """Whether the number (E.164, or written with +) is on the do-not-call list."""
    try:
        normal = normalise_phone(phone)
    except PhoneError:
        normal = phone.strip()
    with db.transaction() as connection:
        found = connection.scalar(select(DoNotCall.id).where(DoNotCall.phone == normal))
    return found is not None


# --- reading files ----------------------------------------------------------------------

@dataclass
class Table:
    """A file's cells as text: the header (line 1) and each non-blank data line with
    its number as a spreadsheet shows it."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(path: Path) -> Table:
    """CSV (`,` `;` or tab, UTF-8 with or without BOM) or XLSX, every cell as stripped
    text. SampleFileError when the file cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        lines = _xlsx_lines(path)
    elif suffix in TEXT_SUFFIXES:
        lines = _csv_lines(path)
    else:
        raise SampleFileError(f"{path.name}: read .csv, .tsv, .txt or .xlsx files "
                              f"(not '{suffix or 'no extension'}'); save it as CSV UTF-8 "
                              "or as an Excel workbook (.xlsx)")
    numbered = [(n, [c.strip() for c in cells]) for n, cells in enumerate(lines, start=1)]
    if not numbered:
        return Table(header=[], rows=[])
    header = numbered[0][1]
    rows = [(n, cells) for n, cells in numbered[1:] if any(cells)]
    return Table(header=header, rows=rows)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise SampleFileError(f"{path}: no such file") from e
    except OSError as e:
        raise SampleFileError(f"{path}: cannot be read ({e.strerror})") from e


def _csv_lines(path: Path) -> list[list[str]]:
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SampleFileError(
            f"{path.name}: is not UTF-8 text (byte {e.start + 1}); in Excel save it as "
            "'CSV UTF-8 (comma delimited)', or import the .xlsx itself") from e
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _delimiter(first)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise SampleFileError(f"{path.name}: is not a readable CSV file ({e})") from e


def _delimiter(header: str) -> str:
    """The delimiter the header line uses most, outside quotes (`,` when none)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_lines(path: Path) -> list[list[str]]:
    # openpyxl has no type hints: taken as Any rather than silenced
    openpyxl: Any = importlib.import_module("openpyxl")
    invalid_file: type[Exception] = importlib.import_module(
        "openpyxl.utils.exceptions").InvalidFileException

    _read_bytes(path)  # the same message for a missing file as CSV gives
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; the cells are intact
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                return [[_cell_text(v) for v in row]
                        for row in sheet.iter_rows(values_only=True)]
            finally:
                book.close()
    except (invalid_file, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise SampleFileError(f"{path.name}: is not a readable Excel workbook ({e})") from e


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into Excel: 601234567.0 is 601234567
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def header_key(name: str) -> str:
    """A header as a plain key: `Customer ID` -> `customer_id`."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


# --- column mapping ---------------------------------------------------------------------

@dataclass
class ColumnMap:
    """Which column (by index) feeds each case field; the rest goes into preload."""

    id: int | None = None
    name: int | None = None
    phones: list[int] = field(default_factory=list)
    timezone: int | None = None
    region: int | None = None
    preload: list[tuple[str, int]] = field(default_factory=list)
    # numeric preload columns: the decimal mark their values show ("." when none, ""
    # when both: a value then read both ways stays text)
    decimal_marks: dict[int, str] = field(default_factory=dict)


def map_columns(header: Sequence[str], columns: list[list[str]],
                overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """The mapping by header names (case-insensitive, common synonyms), with `overrides`
    (field -> column, `phone` may list several columns split by commas; an empty column
    unmaps the field; `preload.KEY` names a preload key). SampleError at line 1."""
    problems: list[LineProblem] = []
    index = _header_index(header, columns, problems)
    chosen: dict[str, list[int]] = {}
    preload_names: dict[int, str] = {}
    for key, column in (overrides or {}).items():
        target = _override_field(key)
        wanted = [c.strip() for c in column.split(",")] if target == "phone" else [column]
        found: list[int] = []
        for name in (w for w in wanted if w.strip()):
            position = index.get(name.strip().lower())
            if position is None:
                problems.append(LineProblem(line=1, reason=(
                    f"column '{name.strip()}' (mapped to {key}) is not in the header; the "
                    f"columns are: {_listing(header)}")))
            else:
                found.append(position)
        if target.startswith("preload."):
            preload_names.update({p: target.removeprefix("preload.") for p in found})
        else:
            chosen.setdefault(target, []).extend(found)
    taken = {p for ps in chosen.values() for p in ps} | set(preload_names)
    overridden = set(chosen)  # a field named in the overrides is not filled by header names
    for target in ("phone", *SYNONYMS):
        if target in overridden:
            continue
        matches = [p for p, name in enumerate(header)
                   if p not in taken and _field_by_header(header_key(name)) == target]
        if target != "phone":  # one column: the best synonym; the others go to preload
            matches = sorted(matches, key=lambda p: SYNONYMS[target].index(
                header_key(header[p])))[:1]
        chosen[target] = matches
        taken.update(matches)
    result = ColumnMap(phones=chosen["phone"])
    for name in SYNONYMS:
        setattr(result, name, chosen[name][0] if chosen[name] else None)
    if not result.phones:
        problems.append(LineProblem(line=1, reason=(
            "no phone column: name one phone, mobile or telephone, or give --map "
            f"phone=COLUMN; the columns are: {_listing(header)}")))
    for position, name in enumerate(header):
        if position in preload_names:
            result.preload.append((preload_names[position], position))
        elif position not in taken and name.strip():
            result.preload.append((header_key(name) or f"column_{position + 1}", position))
    result.decimal_marks = {p: decimal_mark(columns[p]) for key, p in result.preload
                            if key in NUMERIC_PRELOAD and p < len(columns)}
    if problems:
        raise SampleError(problems)
    return result


def _header_index(header: Sequence[str], columns: list[list[str]],
                  problems: list[LineProblem]) -> dict[str, int]:
    index: dict[str, int] = {}
    keys: dict[str, str] = {}
    for position, name in enumerate(header):
        if not name.strip():
            if any(columns[position]):
                problems.append(LineProblem(line=1, reason=(
                    f"column {position + 1} has values but no name in the header")))
            continue
        key = header_key(name) or f"column_{position + 1}"
        if name.strip().lower() in index or key in keys:
            problems.append(LineProblem(line=1, reason=(
                f"column '{name}' appears twice in the header (as '{keys.get(key, name)}')")))
            continue
        index[name.strip().lower()] = position
        keys[key] = name
    return index


def _override_field(key: str) -> str:
    name = key.strip().lower()
    if name.startswith("preload.") and header_key(name.removeprefix("preload.")):
        return "preload." + header_key(name.removeprefix("preload."))
    if re.fullmatch(r"phone\d*", name):
        return "phone"
    if name in FIELDS:
        return name
    raise ServiceError(f"--map {key}=...: the fields are {', '.join(FIELDS)}, "
                       "phone2, phone3 ... and preload.NAME")


def _field_by_header(key: str) -> str | None:
    if PHONE_HEADER.match(key):
        return "phone"
    for name, synonyms in SYNONYMS.items():
        if key in synonyms:
            return name
    return None


def _listing(header: Sequence[str]) -> str:
    return ", ".join(repr(h) for h in header if h.strip()) or "(none)"


def _columns(table: Table) -> list[list[str]]:
    width = len(table.header)
    return [[cells[p] if p < len(cells) else "" for _, cells in table.rows]
            for p in range(width)]


# --- checking rows ----------------------------------------------------------------------

@dataclass
class Row:
    """One checked line, ready to insert."""

    line: int
    external_id: str | None
    name: str
    phones: list[str]
    phone_columns: list[str]
    timezone: str | None
    zone_source: str  # file, number, region, none
    region: str | None
    preload: dict[str, Any]
    extensions: int  # extensions written with its numbers, kept in preload


def check_row(line: int, cells: Sequence[str], header: Sequence[str], columns: ColumnMap,
              default_region: str | None) -> tuple[Row | None, list[LineProblem]]:
    """The row made into a case, or the problems of the line (several at once)."""
    problems: list[str] = []

    def cell(position: int | None) -> str:
        return cells[position] if position is not None and position < len(cells) else ""

    if len(cells) > len(header) and any(cells[len(header):]):
        problems.append(f"{len(cells)} values, but the header has {len(header)} columns")
    external_id = cell(columns.id) if columns.id is not None else None
    if external_id == "":
        problems.append(f"empty id (column '{header[columns.id or 0]}')")
    name = cell(columns.name)
    region_text = cell(columns.region)
    row_region = region_text.upper() if region_text.upper() in phonenumbers.SUPPORTED_REGIONS \
        else default_region
    for label, value in (("id", external_id or ""), ("name", name), ("region", region_text)):
        if len(value) > LIMITS[label]:
            problems.append(f"the {label} is longer than {LIMITS[label]} characters")
    numbers: list[Parsed] = []
    phones: list[str] = []
    phone_columns: list[str] = []
    extensions: list[tuple[str, str]] = []  # (column, extension)
    for position in columns.phones:
        text = cell(position)
        if not text:
            continue
        try:
            parsed = parse_phone(text, row_region)
        except PhoneError as e:
            problems.append(f"the number in column '{header[position]}' {e}")
            continue
        if parsed.number.extension:  # E.164 has none: dialled without, kept for the caller
            extensions.append((header[position], parsed.number.extension))
        normal = e164(parsed.number)
        if normal not in phones:
            numbers.append(parsed)
            phones.append(normal)
            phone_columns.append(header[position])
    if not phones and not any(cell(p) for p in columns.phones):
        problems.append("no phone number")
    fix = (f"fill in its time zone in column '{header[columns.timezone]}'"
           if columns.timezone is not None else "add a timezone column")
    zone, source = _zone(cell(columns.timezone), numbers, phone_columns, row_region, fix,
                         problems)
    preload = {key: _preload_value(key, cell(p), columns.decimal_marks.get(p, "."))
               for key, p in columns.preload}
    _add_extensions(preload, extensions, header, columns, problems)
    if problems:
        return None, [LineProblem(line=line, reason=p) for p in problems]
    return Row(line=line, external_id=external_id, name=name, phones=phones,
               phone_columns=phone_columns, timezone=zone, zone_source=source,
               region=region_text or phonenumbers.region_code_for_number(numbers[0].number),
               preload=preload, extensions=len(extensions)), []


def _zone(text: str, numbers: Sequence[Parsed], columns: Sequence[str], region: str | None,
          fix: str, problems: list[str]) -> tuple[str | None, str]:
    """(zone, where it came from). Never a guess: a zone is taken from the numbers, or
    from the region, only when exactly one fits; several make the line bad."""
    if text:
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"unknown time zone '{text}' (use a name such as Europe/Warsaw)")
            return None, "none"
        return text, "file"
    if not numbers:  # the line is bad already: no number, or none valid
        return None, "none"
    regional = zones_for_region(region)
    fitting, column, calling_code = _fitting_zones(numbers, columns)
    if fitting:
        # of one zone's names, the line's country's, else the calling code's main country's
        main = phonenumbers.region_code_for_country_code(calling_code)
        zone = one_zone(fitting, (*regional, *zones_for_region(main)))
        if zone:
            return zone, "number"
        # the country (of the line, or the default) narrows the zones the number fits
        country = {same_zone(z) for z in regional}
        common = [z for z in fitting if same_zone(z) in country]
        zone = one_zone(common, regional)
        if zone:
            return zone, "region"
        problems.append(f"the number in column '{column}' fits several time zones "
                        f"({zone_listing(common or fitting)}); {fix}")
        return None, "none"
    if regional:
        zone = one_zone(regional, regional)
        if zone:
            return zone, "region"
        problems.append(f"the number in column '{columns[0]}' has no time zone of its own "
                        f"and {region} has several ({zone_listing(regional)}); {fix}")
    return None, "none"


def _fitting_zones(numbers: Sequence[Parsed],
                   columns: Sequence[str]) -> tuple[list[str], str, int]:
    """The zones the first number with any fits, narrowed by the line's other numbers
    where they agree with it (a mobile of a country, and a landline of one of its
    zones); that first number's column and calling code."""
    fitting: list[str] = []
    column, calling_code = (columns[0] if columns else ""), 0
    for (number, kind), name in zip(numbers, columns, strict=True):
        zones = zones_for(number, kind)
        if not zones:
            continue
        if not fitting:
            fitting, column, calling_code = list(zones), name, number.country_code or 0
            continue
        theirs = {same_zone(z) for z in zones}
        narrowed = [z for z in fitting if same_zone(z) in theirs]
        fitting = narrowed or fitting
    return fitting, column, calling_code


def _add_extensions(preload: dict[str, Any], extensions: Sequence[tuple[str, str]],
                    header: Sequence[str], columns: ColumnMap, problems: list[str]) -> None:
    """Put each number's extension into preload: `extension` when the file has one phone
    column, else `<column>_extension`; a file's own column of that name is kept, and a
    different value in it makes the line bad."""
    own = {key: header[p] for key, p in columns.preload}
    for column, extension in extensions:
        key = "extension" if len(columns.phones) == 1 else \
            f"{header_key(column) or 'phone'}_extension"
        present = preload.get(key)
        if present is None or present == "":
            preload[key] = extension
        elif str(present) != extension:
            problems.append(f"the extension written with the number in column '{column}' "
                            f"differs from column '{own.get(key, key)}'")


# a number as people write it: thousands grouped by the other mark, a space or an
# apostrophe (the same one throughout), and decimals after the decimal mark
_READINGS = {
    mark: re.compile(rf"(-?)([1-9]\d{{0,2}}(?P<g>[{re.escape(other)} \u00a0\u202f'\u2019])"
                     rf"\d{{3}}(?:(?P=g)\d{{3}})*|\d+)(?:{re.escape(mark)}(\d+))?")
    for mark, other in ((".", ","), (",", "."))}


def number_readings(text: str) -> dict[str, int | float]:
    """The value of `text` with each decimal mark ("." and ",") that can read it: `1,234`
    is 1234 or 1.234, `1,5` only 1.5, `1,234.5` only 1234.5, `12` is 12 either way."""
    readings: dict[str, int | float] = {}
    for mark, pattern in _READINGS.items():
        found = pattern.fullmatch(text)
        if found:
            sign, whole, decimals = found[1], re.sub(r"\D", "", found[2]), found[4]
            readings[mark] = float(f"{sign}{whole}.{decimals}") if decimals is not None \
                else int(sign + whole)
    return readings


def decimal_mark(values: Iterable[str]) -> str:
    """The decimal mark a column's values show: "." or ","; "." when no value tells
    (`1,234` is then a thousand and more); "" when values show both."""
    shown: set[str] = set()
    for value in values:
        readings = number_readings(value)
        if len(readings) == 1:  # only one mark reads it
            shown.update(readings)
    if len(shown) > 1:
        return ""
    return shown.pop() if shown else "."


def _preload_value(key: str, text: str, mark: str = ".") -> Any:
    if key not in NUMERIC_PRELOAD:
        return text
    readings = number_readings(text)
    values = set(readings.values())
    if len(values) == 1:
        return values.pop()
    return readings.get(mark, text)  # read two ways: the column's mark, or kept as text


# --- the services -----------------------------------------------------------------------

def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _listed(connection: Connection, phones: Iterable[str]) -> set[str]:
    """The numbers among `phones` that are on the do-not-call list."""
    wanted = sorted(set(phones))
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(connection.scalars(
            select(DoNotCall.phone).where(DoNotCall.phone.in_(chunk))))
    return found


class SampleService:
    def __init__(self, db: Database, user: CurrentUser, clock: Clock = utc_clock) -> None:
        self.db = db
        self.user = user
        self.clock = clock

    def import_sample(self, survey: str, path: Path, mapping: Mapping[str, str] | None = None,
                      region: str | None = None, dry_run: bool = False,
                      skip_existing: bool = False) -> ImportReport:
        """Check every line of the file, then add all its cases to the survey in one
        transaction, or none: SampleError lists each bad line. Numbers on the do-not-call
        list are imported flagged, so that they are never dialled."""
        require_role(self.user, "admin", "supervisor")
        default_region = check_region(region)
        table = read_table(path)
        if not table.header or not any(table.header):
            raise SampleError([LineProblem(line=1, reason=(
                "the header is empty: line 1 must name the columns"))], path.name)
        try:
            columns = map_columns(table.header, _columns(table), mapping)
        except SampleError as e:
            raise SampleError(e.lines, path.name) from None
        with self.db.transaction() as connection:
            survey_row = _survey(connection, survey)
        # the lines are checked before the writing transaction, which then stays short:
        # on an SQLite central it holds up every other writer
        default_region = default_region or _survey_region(survey_row.settings)
        rows, problems = self._check_rows(table, columns, default_region)
        with self.db.transaction() as connection:
            # also keeps two imports into one survey from missing each other's duplicates
            lock_do_not_call(connection)
            existing = _existing(connection, survey_row.id)
            rows, skipped = _against_survey(rows, existing, skip_existing, problems)
            if problems:
                raise SampleError(problems, path.name)
            blocked = _listed(connection, (p for r in rows for p in r.phones))
            report = _report(survey, path, rows, blocked, skipped, len(table.rows), dry_run)
            if not dry_run:
                self._insert(connection, survey_row.id, rows, blocked)
        log.info("sample import into survey %s: %d cases%s", survey_row.id, report.imported,
                 " (dry run)" if dry_run else "")
        return report

    def _check_rows(self, table: Table, columns: ColumnMap,
                    region: str | None) -> tuple[list[Row], list[LineProblem]]:
        rows: list[Row] = []
        problems: list[LineProblem] = []
        ids: dict[str, int] = {}
        phones: dict[str, int] = {}
        for line, cells in table.rows:
            row, found = check_row(line, cells, table.header, columns, region)
            problems.extend(found)
            if row is None:
                continue
            duplicate = _within_file(row, ids, phones)
            if duplicate:
                problems.extend(LineProblem(line=line, reason=d) for d in duplicate)
                continue
            rows.append(row)
        return rows, problems

    def _insert(self, connection: Connection, survey_id: uuid.UUID, rows: Sequence[Row],
                blocked: set[str]) -> None:
        now = self.clock()
        values = [{
            "id": uuid7(), "survey_id": survey_id, "external_id": r.external_id,
            "respondent_name": r.name, "phone": r.phones[0], "phones": r.phones,
            "timezone": r.timezone, "region": r.region, "address": None,
            "preload": r.preload, "status": "new", "priority": 0, "created_at": now,
            "attempts": 0, "appointment_hard": False,
            "do_not_call": any(p in blocked for p in r.phones),
            # born on central, so central already has this revision
            "revision": 1, "synced_revision": 1, "origin_device": None,
        } for r in rows]
        if values:
            connection.execute(insert(Case), values)


@dataclass
class _SurveyRow:
    id: uuid.UUID
    mode: str
    settings: dict[str, Any]


def lock_do_not_call(connection: Connection) -> None:
    """Make writers of cases' do-not-call flags take turns until they commit: an import
    that checked the list must not miss a number listed while it ran, nor a listing miss
    the cases being imported. SQLite's BEGIN IMMEDIATE already serialises writers."""
    if connection.dialect.name == "postgresql":
        connection.execute(sql_text("SELECT pg_advisory_xact_lock(:key)"), {"key": DNC_LOCK})


def _survey(connection: Connection, name: str) -> _SurveyRow:
    found = connection.execute(
        select(Survey.id, Survey.mode, Survey.settings).where(Survey.name == name)).first()
    if found is None:
        names = sorted(connection.scalars(select(Survey.name)))
        known = (f"the surveys are: {', '.join(names)}" if names else
                 "there are no surveys yet (publish a questionnaire first)")
        raise NotFound(f"no survey named '{name}'; {known}")
    if found.mode != "cati":
        raise ServiceError(f"survey '{name}' is {found.mode.upper()}, not CATI: a telephone "
                           "sample goes into a CATI survey")
    return _SurveyRow(id=found.id, mode=found.mode, settings=dict(found.settings or {}))


def _survey_region(settings: Mapping[str, Any]) -> str | None:
    value = settings.get("region")
    if isinstance(value, str) and value.strip().upper() in phonenumbers.SUPPORTED_REGIONS:
        return value.strip().upper()
    return None


def _within_file(row: Row, ids: dict[str, int], phones: dict[str, int]) -> list[str]:
    """Problems when the row repeats an id or a number of an earlier line."""
    found: list[str] = []
    if row.external_id:
        earlier = ids.setdefault(row.external_id, row.line)
        if earlier != row.line:
            found.append(f"id '{row.external_id}' is also on line {earlier}")
    for phone, column in zip(row.phones, row.phone_columns, strict=True):
        earlier = phones.setdefault(phone, row.line)
        if earlier != row.line:
            found.append(f"the number in column '{column}' is also on line {earlier}")
    return found


@dataclass
class _Existing:
    ids: set[str]
    phones: dict[str, str]  # number -> the case's id, for the message


def _existing(connection: Connection, survey_id: uuid.UUID) -> _Existing:
    ids: set[str] = set()
    phones: dict[str, str] = {}
    result = connection.execute(select(Case.external_id, Case.phone, Case.phones)
                                .where(Case.survey_id == survey_id))
    for external_id, phone, numbers in result:
        if external_id:
            ids.add(external_id)
        for number in [phone, *(numbers or [])]:
            if number:
                phones.setdefault(number, external_id or "")
    return _Existing(ids=ids, phones=phones)


def _against_survey(rows: list[Row], existing: _Existing, skip_existing: bool,
                    problems: list[LineProblem]) -> tuple[list[Row], int]:
    """The rows that are new to the survey, and how many were skipped as already there."""
    kept: list[Row] = []
    skipped = 0
    for row in rows:
        found: list[str] = []
        if row.external_id and row.external_id in existing.ids:
            found.append(f"id '{row.external_id}' is already a case of this survey")
        for phone, column in zip(row.phones, row.phone_columns, strict=True):
            if phone in existing.phones:
                owner = existing.phones[phone]
                found.append(f"the number in column '{column}' already belongs to a case "
                             f"of this survey{f' (id {owner})' if owner else ''}")
        if not found:
            kept.append(row)
        elif skip_existing:
            skipped += 1
        else:
            problems.extend(LineProblem(line=row.line, reason=f) for f in found)
    return kept, skipped


def _report(survey: str, path: Path, rows: Sequence[Row], blocked: set[str], skipped: int,
            read: int, dry_run: bool) -> ImportReport:
    zones = Counter(r.timezone for r in rows if r.timezone)
    return ImportReport(
        survey=survey, file=path.name, dry_run=dry_run, rows_read=read, imported=len(rows),
        skipped_existing=skipped,
        do_not_call=sum(1 for r in rows if any(p in blocked for p in r.phones)),
        timezones_from_file=sum(1 for r in rows if r.zone_source == "file"),
        timezones_inferred=sum(1 for r in rows if r.zone_source in ("number", "region")),
        timezones_unknown=sum(1 for r in rows if r.timezone is None),
        timezones=dict(sorted(zones.items(), key=lambda z: (-z[1], z[0]))),
        extensions=sum(r.extensions for r in rows))


class DoNotCallService:
    """The do-not-call list: numbers nobody may dial, in any survey."""

    def __init__(self, db: Database, user: CurrentUser, clock: Clock = utc_clock) -> None:
        self.db = db
        self.user = user
        self.clock = clock

    def import_list(self, path: Path, reason: str = "",
                    region: str | None = None) -> DncReport:
        """Add the file's numbers to the list and flag every case that has one of them, in
        every survey, in one transaction; SampleError (nothing written) for bad lines."""
        require_role(self.user, "admin", "supervisor")
        default_region = check_region(region)
        entries = _dnc_entries(read_table(path), path.name)
        numbers: list[str] = []
        problems: list[LineProblem] = []
        for line, text in entries:
            try:
                numbers.append(normalise_phone(text, default_region))
            except PhoneError as e:
                problems.append(LineProblem(line=line, reason=f"the number {e}"))
        if problems:
            raise SampleError(problems, path.name)
        unique = list(dict.fromkeys(numbers))
        with self.db.transaction() as connection:
            lock_do_not_call(connection)
            listed = _listed(connection, unique)
            new = [n for n in unique if n not in listed]
            now = self.clock()
            if new:
                connection.execute(insert(DoNotCall), [{
                    "id": uuid7(), "phone": n, "reason": reason[:200],
                    "source": path.name[:300], "added_at": now,
                    "added_by": self.user.id if self.user.id.int else None,
                } for n in new])
            flagged = flag_cases(connection, set(unique))
        log.info("do-not-call import: %d numbers added, %d cases flagged", len(new), flagged)
        return DncReport(file=path.name, rows_read=len(entries), added=len(new),
                         already_listed=len(listed), repeated_in_file=len(numbers) - len(unique),
                         cases_flagged=flagged)

    def count(self) -> int:
        require_role(self.user, "admin", "supervisor")
        with self.db.transaction() as connection:
            return int(connection.scalar(select(func.count()).select_from(DoNotCall)) or 0)


def flag_cases(connection: Connection, numbers: set[str]) -> int:
    """Set do_not_call on every case, of any survey, having one of `numbers` as its
    phone or among its phones; the number of cases newly flagged."""
    if not numbers:
        return 0
    # phones is a JSON list, searched here rather than in SQL: the same on both backends
    ids = [case_id for case_id, phone, phones in connection.execute(
        select(Case.id, Case.phone, Case.phones).where(Case.do_not_call.is_(False)))
        if phone in numbers or any(p in numbers for p in phones or [])]
    for start in range(0, len(ids), CHUNK):
        connection.execute(update(Case).where(Case.id.in_(ids[start:start + CHUNK]))
                           .values(do_not_call=True, revision=Case.revision + 1))
    return len(ids)


def _dnc_entries(table: Table, file: str) -> list[tuple[int, str]]:
    """(line, text) of each number: the phone columns of a table, or every line of a
    one-column file, its first line too unless it is a header (no digits)."""
    header_keys = [header_key(h) for h in table.header]
    phone_columns = [p for p, k in enumerate(header_keys) if PHONE_HEADER.match(k)]
    if phone_columns:
        entries: list[tuple[int, str]] = []
        problems: list[LineProblem] = []
        for line, cells in table.rows:
            texts = [cells[p] for p in phone_columns if p < len(cells) and cells[p]]
            if not texts:
                problems.append(LineProblem(line=line, reason="no phone number"))
            entries.extend((line, t) for t in texts)
        if problems:
            raise SampleError(problems, file)
        return entries
    if len([h for h in table.header if h]) > 1:
        raise SampleError([LineProblem(line=1, reason=(
            "no phone column: name it phone, mobile or telephone; the columns are: "
            f"{_listing(table.header)}"))], file)
    lines = list(table.rows)
    if table.header and re.search(r"\d", " ".join(table.header)):
        lines.insert(0, (1, table.header))
    return [(line, next(c for c in cells if c)) for line, cells in lines]
