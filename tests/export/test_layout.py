"""The pure parts: names, the layout of several versions, the special codes, frames."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from interviewer.export import (
    SPSS_MAX,
    STATA_MAX,
    Cells,
    Names,
    build_frame,
    build_layout,
    special_codes,
)
from interviewer.questionnaire.xlsform import load_questionnaire
from tests.export.helpers import write_form

VALID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

V1 = """
| survey |
| | type | name | label | special |
| | integer | age | Age | dont_know refused |
| | select_one c | colour | Colour | |
| | text | old_only | Asked in version 1 only | |
| choices |
| | list_name | name | label |
| | c | red | Red |
| | c | blue | Blue |
| settings |
| | form_id | version |
| | f | 1 |
"""
V2 = """
| survey |
| | type | name | label | special |
| | select_one c | colour | Colour now | |
| | text | new_only | New in version 2 | |
| | integer | age | Age in years | |
| choices |
| | list_name | name | label |
| | c | green | Green |
| | c | red | Red (new label) |
| settings |
| | form_id | version |
| | f | 2 |
"""


def test_names_are_valid_unique_and_short_enough() -> None:
    names = Names(STATA_MAX)
    given = [names.add(n) for n in ("q.1", "_private", "Q_1", "q-1", "with", "1st",
                                    "a" * 40, "a" * 40, "b" * 40 + "_x")]
    assert all(VALID.match(n) for n in given), given
    assert all(len(n) <= STATA_MAX for n in given)
    assert len({n.upper() for n in given}) == len(given)  # SPSS ignores case
    assert given[:6] == ["q_1", "v_private", "Q_1_2", "q_1_3", "with_", "v1st"]
    again = Names(STATA_MAX)
    assert [again.add(n) for n in ("q.1", "_private", "Q_1")] == given[:3]  # deterministic
    assert len(Names(SPSS_MAX).add("x" * 100)) == SPSS_MAX


def test_versions_give_the_newest_order_then_older_extras(tmp_path: Path) -> None:
    v1 = load_questionnaire(write_form(tmp_path, V1, "v1.md"))
    v2 = load_questionnaire(write_form(tmp_path, V2, "v2.md"))
    layout = build_layout([v2, v1], max_name=SPSS_MAX)
    answers = [v.name for v in layout.main.variables if v.role != "meta"]
    assert answers == ["colour", "new_only", "age", "old_only"]
    by_name = {v.name: v for v in layout.main.variables}
    colour = by_name["colour"]
    assert colour.label == "Colour now"  # the newest version's label
    # codes in first-seen order, oldest version first: v2's new choice is appended
    assert colour.coded and colour.codes == {"red": 1.0, "blue": 2.0, "green": 3.0}
    assert colour.value_labels == {1.0: "Red (new label)", 2.0: "Blue", 3.0: "Green"}
    assert by_name["age"].accepts_special  # version 1 accepted don't know
    assert layout.versions == ["2", "1"]


def test_special_codes_never_clash_with_values() -> None:
    assert special_codes(np.array([1.0, 5.0, np.nan])) == (-98.0, -99.0)
    assert special_codes(np.array([-120.0, 50.0])) == (98.0, 99.0)
    assert special_codes(np.array([-120.0, 150.0])) == (998.0, 999.0)
    assert special_codes(np.array([np.nan]), [-99.0, 1.0]) == (98.0, 99.0)
    assert special_codes(np.array([-98.0, 98.0])) == (998.0, 999.0)


def test_frames_mark_specials_and_unanswered_multi_selects(tmp_path: Path) -> None:
    form = write_form(tmp_path, """
        | survey |
        | | type | name | label | special |
        | | select_multiple f | fruit | Fruit | dont_know refused |
        | | integer | n | Number | dont_know refused |
        | choices |
        | | list_name | name | label |
        | | f | apple | Apple |
        | | f | pear | Pear |
        | settings |
        | | form_id |
        | | m |
        """)
    layout = build_layout([load_questionnaire(form)], max_name=SPSS_MAX)
    cells = Cells(["fruit", "n"], 4)
    cells.put(np.array([0, 1, 2, 0, 2, 3]), ["fruit", "fruit", "fruit", "n", "n", "n"],
              ["apple pear", "pear", "", "-150", "", "7"],
              ["", "", "refused", "", "dont_know", ""])
    fixed = {v.source: [None] * 4 for v in layout.main.variables if v.role == "meta"}
    frame = build_frame(layout.main, cells, fixed)
    assert frame["fruit_apple"].tolist()[:3] == [1.0, 0.0, -99.0]
    assert np.isnan(frame["fruit_apple"][3])  # not answered: missing, not 0
    n = next(v for v in layout.main.variables if v.name == "n")
    assert (n.dk_code, n.rf_code) == (98.0, 99.0)  # -150 was answered: -98 could clash
    np.testing.assert_array_equal(frame["n"], [-150.0, np.nan, 98.0, 7.0])
    stata = build_frame(layout.main, cells, fixed, stata=True)
    assert stata["n"][2] == "a" and stata["fruit_pear"][2] == "b"


@pytest.mark.parametrize("reserved", ["with", "ALL", "to"])
def test_reserved_words_are_renamed(reserved: str) -> None:
    assert Names(SPSS_MAX).add(reserved).upper() != reserved.upper()
