"""Sample import and the do-not-call list, on real SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from interviewer.services.common import (
    SYSTEM,
    CurrentUser,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from interviewer.services.questionnaires import QuestionnaireService
from interviewer.services.sample import (
    DoNotCallService,
    PhoneError,
    SampleError,
    SampleFileError,
    SampleService,
    is_blocked,
    lock_do_not_call,
    normalise_phone,
)
from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Case, DoNotCall, Survey

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CSAT = Path(__file__).resolve().parents[2] / "questionnaires" / "post_call_csat" / \
    "post_call_csat.xlsx"
INTERVIEWER = CurrentUser(id=uuid7(), username="anna", role="interviewer")
SUPERVISOR = CurrentUser(id=uuid7(), username="ola", role="supervisor")


def make_db(url: str) -> Database:
    db = open_central(url)
    publisher = QuestionnaireService(db)
    publisher.publish(SYSTEM, CSAT, "csat", "cati")
    publisher.publish(SYSTEM, CSAT, "csat2", "cati")
    publisher.publish(SYSTEM, CSAT, "field", "capi")
    return db


@pytest.fixture
def db(sqlite_file_url: str) -> Iterator[Database]:
    database = make_db(sqlite_file_url)
    yield database
    database.dispose()


@pytest.fixture
def any_db(any_url: str) -> Iterator[Database]:
    database = make_db(any_url)
    yield database
    database.dispose()


def cases(db: Database, survey: str = "csat") -> dict[str | None, Any]:
    """The survey's cases by external id."""
    with db.unit_of_work() as session:
        rows = session.scalars(select(Case).join(Survey).where(Survey.name == survey)).all()
        return {row.external_id: row for row in rows}


def case_count(db: Database) -> int:
    with db.transaction() as connection:
        return int(connection.scalar(select(func.count()).select_from(Case)) or 0)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reasons(error: SampleError) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in error.lines:
        found.setdefault(problem.line, []).append(problem.reason)
    return found


# --- numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "region", "expected"), [
    ("+1 212 555 0123", None, "+12125550123"),
    ("(212) 555-0123", "US", "+12125550123"),
    ("601 234 567", "PL", "+48601234567"),
    ("0048 601-234-567", "PL", "+48601234567"),
    ("+48 601 234 567", "US", "+48601234567"),  # a +country code beats the region
    ("030 1234567", "DE", "+49301234567"),
])
def test_numbers_are_made_e164(text: str, region: str | None, expected: str) -> None:
    assert normalise_phone(text, region) == expected


@pytest.mark.parametrize(("text", "region", "reason"), [
    ("601 234 567", None, "no +country code"),
    ("+48 123", None, "not a valid number for PL"),
    ("+1 212 555 01", None, "not a valid number for US"),
    ("call me", "PL", "not a phone number"),
])
def test_bad_numbers_say_why_without_the_number(text: str, region: str | None,
                                                  reason: str) -> None:
    with pytest.raises(PhoneError) as error:
        normalise_phone(text, region)
    assert reason in str(error.value)
    assert text not in str(error.value)


# --- importing --------------------------------------------------------------------------

def test_good_sample_is_imported_with_time_zones(any_db: Database) -> None:
    report = SampleService(any_db, SYSTEM).import_sample("csat", SAMPLES / "good.csv",
                                                         region="PL")
    assert (report.rows_read, report.imported, report.do_not_call) == (5, 5, 0)
    # the toll-free +1 800 fits every US zone: its line gives the zone
    assert (report.timezones_from_file, report.timezones_inferred) == (2, 3)
    assert "timezones_ambiguous" not in report.model_dump()  # no zone is ever guessed
    found = cases(any_db)
    assert found["A1"].timezone == "America/New_York"
    assert found["A4"].timezone == "America/Chicago"
    assert found["A2"].timezone == "Europe/Warsaw"
    assert found["A3"].timezone == "Asia/Tokyo"
    assert found["A5"].timezone == "Europe/London"  # the file's zone beats the number's
    assert report.timezones["Europe/Warsaw"] == 1 and report.timezones["Asia/Tokyo"] == 1
    assert found["A2"].phone == "+48601234567"
    assert found["A2"].phones == ["+48601234567", "+48602345678"]
    assert (found["A1"].region, found["A2"].region) == ("US", "PL")
    assert found["A1"].respondent_name == "Alice Smith"
    assert found["A1"].preload == {"segment": "gold", "touchpoint": "billing",
                                   "customer_value": 1250.5, "customer_id": "000123"}
    assert found["A2"].preload["customer_value"] == 300
    assert found["A3"].preload["customer_value"] == ""
    assert not any(c.do_not_call for c in found.values())
    assert all(c.status == "new" and c.attempts == 0 for c in found.values())
    assert cases(any_db, "csat2") == {}


def test_bad_lines_are_each_named_and_nothing_is_written(any_db: Database) -> None:
    service = SampleService(any_db, SYSTEM)
    with pytest.raises(SampleError) as error:
        service.import_sample("csat", SAMPLES / "bad.csv", region="PL")
    found = reasons(error.value)
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9]  # lines 2 and 10 are good
    assert found[3] == ["no phone number"]
    assert "not a valid number for PL" in found[4][0]
    assert found[5] == ["empty id (column 'id')"]
    assert found[6] == ["id 'B1' is also on line 2"]
    assert found[7] == ["the number in column 'phone' is also on line 2"]
    assert "unknown time zone 'Mars/Base'" in found[8][0]
    assert "not a valid number for US" in found[9][0]
    assert "601" not in str(error.value)  # no respondent's number in the message
    assert case_count(any_db) == 0


def test_mapping_overrides_name_the_columns(db: Database) -> None:
    path = SAMPLES / "custom_headers.csv"
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", path)
    assert error.value.lines[0].line == 1
    assert "no phone column" in error.value.lines[0].reason
    assert "'Tel. komórkowy'" in error.value.lines[0].reason
    mapping = {"id": "Nr klienta", "name": "imię i nazwisko",
               "phone": "Tel. komórkowy, Tel. stacjonarny", "timezone": "Strefa",
               "preload.segment_code": "Segment"}
    report = SampleService(db, SYSTEM).import_sample("csat", path, mapping)
    assert report.imported == 2 and report.timezones_from_file == 1
    found = cases(db)
    assert found["K-001"].respondent_name == "Anna Zając"
    assert found["K-001"].phones == ["+48601234567", "+48221234567"]
    assert found["K-002"].phone == "+48227654321"  # the first number the line has
    assert found["K-001"].preload == {"segment_code": "gold"}


def test_a_mapped_column_missing_from_the_header_is_named(db: Database) -> None:
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv",
                                                {"phone": "Handy"}, region="PL")
    assert str(error.value.lines[0]).startswith("line 1: column 'Handy' (mapped to phone)")
    with pytest.raises(ServiceError, match="the fields are id, name, phone"):
        SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv",
                                                {"email": "phone"}, region="PL")


def test_unmapping_the_id_keeps_the_column_as_preload(db: Database) -> None:
    SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv", {"id": ""},
                                            region="PL")
    found = cases(db)
    assert set(found) == {None}
    with db.unit_of_work() as session:
        ids = sorted(c.preload["id"] for c in session.scalars(select(Case)))
    assert ids == ["A1", "A2", "A3", "A4", "A5"]


def test_semicolons_bom_and_a_country_column(db: Database) -> None:
    report = SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "semicolon_bom.csv")
    assert report.imported == 3
    found = cases(db)
    assert set(found) == {"S1", "S2", "S3"}  # the BOM is not part of 'Case ID'
    assert found["S1"].respondent_name == "Zofia Wójcik"
    assert found["S1"].phone == "+48601234567"  # the line's country, not a --region
    assert found["S2"].phone == "+49301234567"
    assert found["S2"].timezone == "Europe/Berlin"
    assert found["S1"].preload == {"customer_value": 1234.5}


def test_tab_separated_text_is_read(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "s.tsv", "id\tphone\tnote\nT1\t+48 601 234 567\ta, b; c\n")
    SampleService(db, SYSTEM).import_sample("csat", path)
    assert cases(db)["T1"].preload == {"note": "a, b; c"}


def test_xlsx_cells_are_read_as_text(db: Database) -> None:
    report = SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.xlsx",
                                                     region="PL")
    assert (report.rows_read, report.imported) == (3, 3)  # the blank row is no case
    found = cases(db)
    assert found["X1"].phone == "+48601234567"  # typed into Excel as a number
    assert found["X1"].preload == {"segment": "gold", "customer_value": 12.5,
                                   "customer_id": "000777",
                                   "last_contact": "2025-03-01T09:30:00"}
    assert found["X3"].timezone == "Asia/Tokyo"


def test_xlsx_bad_line_is_named_as_excel_numbers_it(db: Database) -> None:
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "bad.xlsx")
    assert [str(p) for p in error.value.lines] == [
        "line 3: the number in column 'phone' is not a phone number (no digits)"]
    assert case_count(db) == 0


def test_existing_cases_are_refused_or_skipped(any_db: Database, tmp_path: Path) -> None:
    service = SampleService(any_db, SYSTEM)
    service.import_sample("csat", SAMPLES / "good.csv", region="PL")
    again = write(tmp_path, "again.csv", "id,phone\nA1,+1 212 555 0199\nN1,+48 602 345 678\n"
                  "N2,+48 601 111 222\n")
    with pytest.raises(SampleError) as error:
        service.import_sample("csat", again)
    found = reasons(error.value)
    assert "id 'A1' is already a case of this survey" in found[2]
    assert found[3] == ["the number in column 'phone' already belongs to a case of this "
                        "survey (id A2)"]  # A2's second number
    assert 4 not in found
    assert len(cases(any_db)) == 5
    fixed = write(tmp_path, "fixed.csv", "id,phone\nA1,+1 212 555 0199\n"
                  "N1,+48 602 345 678\nN2,+48 601 111 222\n")
    report = service.import_sample("csat", fixed, skip_existing=True)
    assert (report.imported, report.skipped_existing) == (1, 2)
    assert set(cases(any_db)) == {"A1", "A2", "A3", "A4", "A5", "N2"}
    # the same numbers in another survey are no duplicates
    assert service.import_sample("csat2", fixed).imported == 3


def test_dry_run_checks_and_counts_but_writes_nothing(db: Database) -> None:
    report = SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv",
                                                     region="PL", dry_run=True)
    assert report.dry_run and report.imported == 5
    assert case_count(db) == 0
    with pytest.raises(SampleError):
        SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "bad.csv", region="PL",
                                                dry_run=True)


def test_the_survey_settings_give_the_default_region(db: Database, tmp_path: Path) -> None:
    with db.transaction() as connection:
        connection.execute(update(Survey).where(Survey.name == "csat")
                           .values(settings={"region": "de"}))
    path = write(tmp_path, "s.csv", "id,phone\nD1,030 1234567\n")
    SampleService(db, SYSTEM).import_sample("csat", path)
    assert cases(db)["D1"].phone == "+49301234567"
    with pytest.raises(SampleError, match="no default region"):
        SampleService(db, SYSTEM).import_sample("csat2", path)


def test_numbers_on_the_do_not_call_list_are_imported_flagged(db: Database) -> None:
    DoNotCallService(db, SYSTEM).import_list(SAMPLES / "dnc.csv")  # A2's mobile, A3
    report = SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv",
                                                     region="PL")
    assert report.imported == 5 and report.do_not_call == 2
    flagged = {k for k, c in cases(db).items() if c.do_not_call}
    assert flagged == {"A2", "A3"}


def test_unknown_survey_lists_the_surveys(db: Database) -> None:
    with pytest.raises(NotFound, match="no survey named 'nps'; the surveys are: csat, "
                                       "csat2, field"):
        SampleService(db, SYSTEM).import_sample("nps", SAMPLES / "good.csv", region="PL")
    with pytest.raises(ServiceError, match="survey 'field' is CAPI, not CATI"):
        SampleService(db, SYSTEM).import_sample("field", SAMPLES / "good.csv", region="PL")


def test_only_supervisors_and_admins_import(db: Database) -> None:
    with pytest.raises(PermissionDenied):
        SampleService(db, INTERVIEWER).import_sample("csat", SAMPLES / "good.csv",
                                                     region="PL")
    with pytest.raises(PermissionDenied):
        DoNotCallService(db, INTERVIEWER).import_list(SAMPLES / "dnc.txt")
    assert SampleService(db, SUPERVISOR).import_sample(
        "csat", SAMPLES / "good.csv", region="PL").imported == 5


def test_unreadable_files_are_refused_whole(db: Database, tmp_path: Path) -> None:
    service = SampleService(db, SYSTEM)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name,phone\n1,Łucja,+48 601 234 567\n".encode("cp1250"))
    with pytest.raises(SampleFileError, match="is not UTF-8 text"):
        service.import_sample("csat", latin)
    with pytest.raises(SampleFileError, match="no such file"):
        service.import_sample("csat", tmp_path / "missing.csv")
    with pytest.raises(SampleFileError, match=r"not '\.xls'"):
        service.import_sample("csat", write(tmp_path, "old.xls", "x"))
    with pytest.raises(SampleFileError, match="not a readable Excel workbook"):
        service.import_sample("csat", write(tmp_path, "fake.xlsx", "id,phone\n"))
    with pytest.raises(ServiceError, match="'XX' is not a country code"):
        service.import_sample("csat", SAMPLES / "good.csv", region="XX")


def test_header_problems_are_line_one(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "id,phone,Phone,\n1,+48 601 234 567,,x\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", path)
    assert [p.line for p in error.value.lines] == [1, 1]
    assert "column 'Phone' appears twice" in error.value.lines[0].reason
    assert "column 4 has values but no name" in error.value.lines[1].reason
    ragged = write(tmp_path, "r.csv", "id,phone\n1,+48 601 234 567,extra\n")
    with pytest.raises(SampleError, match="line 2: 3 values, but the header has 2 columns"):
        SampleService(db, SYSTEM).import_sample("csat", ragged)


def test_ten_thousand_rows_import_in_seconds(any_db: Database, tmp_path: Path) -> None:
    lines = ["id,name,phone,segment"]
    lines += [f"C{i},Person {i},+48 {601000000 + i},s{i % 3}" for i in range(10_000)]
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    # CPU time of this process (SQLite's work included): a busy machine does not fail it
    started = time.process_time()
    report = SampleService(any_db, SYSTEM).import_sample("csat", path)
    elapsed = time.process_time() - started
    assert report.imported == 10_000 and case_count(any_db) == 10_000
    assert report.timezones == {"Europe/Warsaw": 10_000}
    assert elapsed < 5, f"10,000 rows took {elapsed:.1f} s of CPU (about 1 s expected)"


# --- the do-not-call list ---------------------------------------------------------------

def test_do_not_call_blocks_matching_numbers_in_every_survey(any_db: Database,
                                                            tmp_path: Path) -> None:
    samples = SampleService(any_db, SYSTEM)
    samples.import_sample("csat", SAMPLES / "good.csv", region="PL")
    other = write(tmp_path, "other.csv", "id,phone,mobile\nO1,+1 212 555 0123,\n"
                  "O2,+48 22 765 43 21,+48 601 234 567\nO3,+48 22 765 43 22,\n")
    samples.import_sample("csat2", other)
    dnc = DoNotCallService(any_db, SYSTEM)
    report = dnc.import_list(SAMPLES / "dnc.txt", reason="asked")
    assert (report.rows_read, report.added, report.repeated_in_file) == (3, 2, 1)
    # +48 601 234 567 is A2's first number and O2's second; +1 212... is A1 and O1
    assert report.cases_flagged == 4
    flagged = {k for k, c in {**cases(any_db), **cases(any_db, "csat2")}.items()
               if c.do_not_call}
    assert flagged == {"A1", "A2", "O1", "O2"}
    assert is_blocked(any_db, "+48601234567") and is_blocked(any_db, "+48 601 234 567")
    assert not is_blocked(any_db, "+48227654322")
    again = dnc.import_list(SAMPLES / "dnc.txt")
    assert (again.added, again.already_listed, again.cases_flagged) == (0, 2, 0)
    with any_db.transaction() as connection:
        rows = connection.execute(select(DoNotCall.phone, DoNotCall.reason,
                                         DoNotCall.source)).all()
    assert sorted(rows) == [("+12125550123", "asked", "dnc.txt"),
                            ("+48601234567", "asked", "dnc.txt")]
    assert dnc.count() == 2


def test_do_not_call_bad_lines_write_nothing(db: Database, tmp_path: Path) -> None:
    SampleService(db, SYSTEM).import_sample("csat", SAMPLES / "good.csv", region="PL")
    path = write(tmp_path, "dnc.csv", "phone\n+48 601 234 567\n+48 12\n\nnot a number\n")
    with pytest.raises(SampleError) as error:
        DoNotCallService(db, SYSTEM).import_list(path)
    assert [p.line for p in error.value.lines] == [3, 5]
    assert DoNotCallService(db, SYSTEM).count() == 0
    assert not cases(db)["A2"].do_not_call
    headless = write(tmp_path, "list.csv", "601 234 567\n602 345 678\n")
    report = DoNotCallService(db, SYSTEM).import_list(headless, region="PL")
    assert report.added == 2 and report.cases_flagged == 1  # both are A2's
    wrong = write(tmp_path, "wrong.csv", "name,email\nAnn,a@example.com\n")
    with pytest.raises(SampleError, match="line 1: no phone column"):
        DoNotCallService(db, SYSTEM).import_list(wrong)


@pytest.mark.postgres
def test_an_import_waits_for_a_do_not_call_listing_on_postgres(pg_url: str) -> None:
    db = make_db(pg_url)
    done: list[object] = []

    def run_import() -> None:
        try:
            done.append(SampleService(db, SYSTEM).import_sample(
                "csat", SAMPLES / "good.csv", region="PL"))
        except Exception as e:  # handed to the test below
            done.append(e)

    try:
        with db.engine.connect() as holder:
            with holder.begin():
                lock_do_not_call(holder)  # a listing in progress
                worker = threading.Thread(target=run_import)
                worker.start()
                assert wait_for_lock_waiter(db), "the import did not wait for the lock"
                assert not done
            worker.join(timeout=30)
        assert len(done) == 1 and getattr(done[0], "imported", None) == 5, done
    finally:
        db.dispose()


def wait_for_lock_waiter(db: Database) -> bool:
    """Whether another session comes to wait on an advisory lock within 10 s."""
    deadline = time.monotonic() + 10
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
            watcher.rollback()
            if waiting:
                return True
            time.sleep(0.05)
    return False


def test_no_column_is_dropped_for_its_header(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "id,phone,Город,#\nU1,+48 601 234 567,Kraków,7\n")
    SampleService(db, SYSTEM).import_sample("csat", path)
    assert cases(db)["U1"].preload == {"город": "Kraków", "column_4": "7"}


# --- time zones: never guessed ----------------------------------------------------------

def test_a_number_that_fits_several_zones_is_a_bad_line(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "z.csv", "id,phone\nR1,+7 914 123 45 67\nU1,+61 412 345 678\n"
                 "T1,+1 800 555 0199\nP1,+48 601 234 567\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", path)
    found = reasons(error.value)
    assert sorted(found) == [2, 3, 4]  # the Polish number has one zone
    assert found[3] == ["the number in column 'phone' fits several time zones "
                        "(Australia/Adelaide, Australia/Brisbane, Australia/Eucla, "
                        "Australia/Lord_Howe, ...); add a timezone column"]
    assert found[2][0].startswith("the number in column 'phone' fits several time zones "
                                  "(Asia/")
    assert "America/Adak, America/Anchorage" in found[4][0]
    assert "914" not in str(error.value) and "412" not in str(error.value)
    assert case_count(db) == 0
    # an empty cell of a timezone column: the message names the column to fill in
    column = write(tmp_path, "c.csv", "id,phone,tz\nU1,+61 412 345 678,\n"
                   "U2,+61 412 345 679,Australia/Perth\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", column)
    assert [str(p) for p in error.value.lines] == [
        "line 2: the number in column 'phone' fits several time zones (Australia/Adelaide, "
        "Australia/Brisbane, Australia/Eucla, Australia/Lord_Howe, ...); fill in its time "
        "zone in column 'tz'"]


def test_a_zone_is_taken_only_when_exactly_one_fits(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "z.csv", "id,phone,landline,country,tz\n"
                 "U1,+61 412 345 678,,,Australia/Perth\n"  # the file's zone
                 "U2,+61 412 345 679,+61 2 9876 5432,,\n"  # the landline narrows it
                 "G1,+44 7911 123456,,,\n"  # London, Jersey...: one zone under four names
                 "G2,+44 7911 123457,,JE,\n"  # the country's own name of that zone
                 "T1,+1 800 555 0199,,PR,\n"  # Puerto Rico has one zone, and it fits
                 "F1,+800 1234 5678,,PL,\n")  # no zone from the number: the country's
    report = SampleService(db, SYSTEM).import_sample("csat", path)
    found = cases(db)
    assert {k: c.timezone for k, c in found.items()} == {
        "U1": "Australia/Perth", "U2": "Australia/Sydney", "G1": "Europe/London",
        "G2": "Europe/Jersey", "T1": "America/Puerto_Rico", "F1": "Europe/Warsaw"}
    assert (report.timezones_from_file, report.timezones_inferred) == (1, 5)


def test_a_region_decides_only_a_zone_that_fits_the_number(db: Database,
                                                          tmp_path: Path) -> None:
    toll_free = write(tmp_path, "t.csv", "id,phone\nT1,+1 800 555 0199\n")
    with pytest.raises(SampleError, match="line 2: the number in column 'phone' fits "
                                          "several time zones"):
        SampleService(db, SYSTEM).import_sample("csat", toll_free, region="PL")
    with pytest.raises(SampleError, match="fits several time zones"):
        SampleService(db, SYSTEM).import_sample("csat", toll_free, region="US")
    freephone = write(tmp_path, "f.csv", "id,phone,country\nF1,+800 1234 5678,US\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", freephone)
    assert str(error.value.lines[0]) == (
        "line 2: the number in column 'phone' has no time zone of its own and US has "
        "several (America/Adak, America/Anchorage, America/Boise, America/Chicago, ...); "
        "add a timezone column")
    # a line without a valid number says only that
    invalid = write(tmp_path, "i.csv", "id,phone,country\nX1,+1 212 555 01,US\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", invalid)
    assert [p.reason for p in error.value.lines] == [
        "the number in column 'phone' is not a valid number for US (+1)"]
    # a line's country names a zone only where the number leaves a choice
    # (Norway's mobiles fit Arctic/Longyearbyen and Europe/Oslo: one zone, two names)
    other = write(tmp_path, "o.csv", "id,phone,country\nN1,+47 412 34 567,DE\n"
                  "N2,+47 412 34 568,\n")
    SampleService(db, SYSTEM).import_sample("csat", other)
    assert {k: c.timezone for k, c in cases(db).items()} == {
        "N1": "Europe/Oslo", "N2": "Europe/Oslo"}  # not Berlin: that zone by another name


# --- numeric preload values --------------------------------------------------------------

def test_thousands_separators_keep_a_value_whole(db: Database, tmp_path: Path) -> None:
    # columns: US style, European style, no sign of either, and both styles mixed
    path = write(tmp_path, "v.tsv", "id\tphone\tcustomer_value\tclv\tvalue\tlifetime_value\n"
                 "V1\t+48 601 234 561\t1,234\t1.234\t1,234\t1,5\n"
                 "V2\t+48 601 234 562\t1,234.5\t1.234,5\t1.234\t2.5\n"
                 "V3\t+48 601 234 563\t12,345,678\t1 234,50\t-7\t1,234\n"
                 "V4\t+48 601 234 564\t0.125\t1.234.567\t1 234\t0,125\n")
    SampleService(db, SYSTEM).import_sample("csat", path)
    found = {k: c.preload for k, c in cases(db).items()}
    assert [found[k]["customer_value"] for k in ("V1", "V2", "V3", "V4")] == [
        1234, 1234.5, 12345678, 0.125]
    assert [found[k]["clv"] for k in ("V1", "V2", "V3", "V4")] == [
        1234, 1234.5, 1234.5, 1234567]  # 1.234 beside 1.234,5 is a thousand
    assert [found[k]["value"] for k in ("V1", "V2", "V3", "V4")] == [
        1234, 1.234, -7, 1234]  # a comma before three digits groups thousands
    # a column written both ways: what only one way reads is a number, the rest text
    assert [found[k]["lifetime_value"] for k in ("V1", "V2", "V3", "V4")] == [
        1.5, 2.5, "1,234", 0.125]
    assert isinstance(found["V1"]["customer_value"], int)


# --- extensions -------------------------------------------------------------------------

def test_an_extension_is_kept_in_preload(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "id,phone\nE1,+48 22 123 45 67 ext. 012\n"
                 "E2,+48 601 234 567\n")
    report = SampleService(db, SYSTEM).import_sample("csat", path)
    assert report.extensions == 1
    found = cases(db)
    assert found["E1"].phone == "+48221234567"  # dialled without it: it is not E.164
    assert found["E1"].preload == {"extension": "012"}
    assert found["E2"].preload == {}
    two = write(tmp_path, "two.csv", "id,phone,mobile\nM1,+1 212 555 0123 x 5,"
                "+48 602 345 678 ext. 7\n")
    SampleService(db, SYSTEM).import_sample("csat2", two)
    assert cases(db, "csat2")["M1"].preload == {"phone_extension": "5",
                                                "mobile_extension": "7"}


def test_an_extension_column_is_not_overwritten(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "id,phone,extension\nE1,+48 22 123 45 67 ext. 12,13\n"
                 "E2,+48 22 123 45 68 ext. 14,14\nE3,+48 22 123 45 69 ext. 15,\n")
    with pytest.raises(SampleError) as error:
        SampleService(db, SYSTEM).import_sample("csat", path)
    assert [str(p) for p in error.value.lines] == [
        "line 2: the extension written with the number in column 'phone' differs from "
        "column 'extension'"]
    fixed = write(tmp_path, "f.csv", "id,phone,extension\nE2,+48 22 123 45 68 ext. 14,14\n"
                  "E3,+48 22 123 45 69 ext. 15,\n")
    SampleService(db, SYSTEM).import_sample("csat", fixed)
    assert {k: c.preload for k, c in cases(db).items()} == {
        "E2": {"extension": "14"}, "E3": {"extension": "15"}}
