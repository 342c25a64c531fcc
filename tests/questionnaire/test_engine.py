"""The interview engine: relevance, calculations, validation, repeats, piping, languages."""

from __future__ import annotations

import functools
import tempfile
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from interviewer.questionnaire.compiled import CompiledForm, load_form
from interviewer.questionnaire.engine import Clock, Interview, Node
from interviewer.questionnaire.runner import run_interview

Compile = Callable[[str], CompiledForm]


def node(interview: Interview, path: str) -> Node:
    for n in _all(interview.root_element):
        if n.path == path:
            return n
    raise KeyError(path)


def _all(parent: Node) -> list[Node]:
    out = []
    for c in parent.children:
        out.append(c)
        out.extend(_all(c))
    return out


def shown(interview: Interview) -> list[str]:
    return [n.path for n in interview.walk_items()]


CHAIN = """
| survey |
| | type | name | label | relevant | calculation | constraint | constraint_message | required |
| | integer | age | Age | | | . >= 0 and . < 120 | Age 0-119 | yes |
| | select_one yn | works | Works? | ${age} >= 15 | | | | |
| | integer | hours | Hours | ${works} = 'yes' | | . <= 80 | | |
| | calculate | weekly | | | ${hours} * 5 | | | |
| | note | show | Hours ${hours}, age ${age} | | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


def test_relevance_follows_answers(compile_md: Compile) -> None:
    interview = Interview(compile_md(CHAIN))
    assert shown(interview) == ["age", "show"]  # blank age: NaN >= 15 is false
    interview.answer(node(interview, "age"), 30)
    assert shown(interview) == ["age", "works", "show"]
    interview.answer(node(interview, "works"), "yes")
    assert shown(interview) == ["age", "works", "hours", "show"]


def test_calculations_and_piping_follow_answers(compile_md: Compile) -> None:
    interview = Interview(compile_md(CHAIN))
    for path, answer in (("age", 30), ("works", "yes"), ("hours", 8)):
        interview.answer(node(interview, path), answer)
    assert node(interview, "weekly").value == "40"
    assert interview.label(node(interview, "show")) == "Hours 8, age 30"


def test_a_value_hidden_by_relevance_reads_blank_and_comes_back(compile_md: Compile) -> None:
    interview = Interview(compile_md(CHAIN))
    for path, answer in (("age", 30), ("works", "yes"), ("hours", 8)):
        interview.answer(node(interview, path), answer)
    interview.answer(node(interview, "age"), 10)  # works and hours become non-relevant
    assert "hours" not in interview.data() and "works" not in interview.data()
    assert interview.label(node(interview, "show")) == "Hours , age 10"
    assert node(interview, "weekly").value == ""  # NaN is stored blank, as ODK does
    interview.answer(node(interview, "age"), 40)
    assert interview.data()["hours"] == 8 and interview.data()["weekly"] == "40"


def test_required_and_constraint_use_the_form_messages(compile_md: Compile) -> None:
    interview = Interview(compile_md(CHAIN))
    age = node(interview, "age")
    problem = interview.violation(age)
    assert problem is not None and problem.kind == "required"
    interview.answer(age, 130)
    problem = interview.violation(age)
    assert problem is not None and (problem.kind, problem.message) == ("constraint", "Age 0-119")
    interview.answer(age, 30)
    assert interview.violation(age) is None


def test_wrong_types_are_refused_and_change_nothing(compile_md: Compile) -> None:
    interview = Interview(compile_md(CHAIN))
    age = node(interview, "age")
    interview.answer(age, 30)
    for bad in (3.7, "thirty", [1], True, 2**31):
        problem = interview.answer(age, bad)
        assert problem is not None and problem.kind == "type", bad
    assert age.value == "30"


SPECIALS = """
| survey |
| | type | name | label | required | special | warning | warning_message | relevant |
| | integer | income | Income | yes | dont_know refused | . < 100000 | That is a lot | |
| | text | why | Why | | none | | | ${income} > 5 |
| | integer | kids | Kids | yes | | | | |
| settings |
| | form_id | special |
| | sp | dont_know |
"""


def test_special_answers_are_kept_apart_from_values(compile_md: Compile) -> None:
    interview = Interview(compile_md(SPECIALS))
    income = node(interview, "income")
    assert interview.set_special(income, "refused") is None
    assert interview.violation(income) is None  # a special satisfies required
    assert income.value == "" and income.special == "refused"
    assert "why" not in shown(interview)  # expressions read the special as blank
    assert interview.data()["income"] == {"special": "refused"}
    kids = node(interview, "kids")
    problem = interview.set_special(kids, "refused")  # the settings default is dont_know
    assert problem is not None and problem.kind == "type"
    assert interview.set_special(kids, "dont_know") is None
    why = node(interview, "why")
    assert interview.set_special(why, "dont_know") is not None  # `none`
    interview.answer(income, 10)
    assert income.special is None and "why" in shown(interview)


def test_soft_warning_is_reported_not_blocking(compile_md: Compile) -> None:
    interview = Interview(compile_md(SPECIALS))
    income = node(interview, "income")
    interview.answer(income, 500000)
    assert interview.violation(income) is None
    assert interview.warning(income) == "That is a lot"
    interview.answer(income, 50)
    assert interview.warning(income) is None


REPEATS = """
| survey |
| | type | name | label | relevant | calculation | repeat_count | constraint |
| | integer | n | How many? | | | | |
| | begin repeat | person | Person | | | ${n} | |
| | text | pname | Name of person ${pos} | | | | |
| | calculate | pos | | | position(..) | | |
| | integer | page | Age of ${pname} | | | | . < ${limit} |
| | integer | older | Older than previous? | ${page} > 10 | | | |
| | end repeat | | | | | | |
| | calculate | total | | | sum(${page}) | | |
| | calculate | count | | | count(${person}) | | |
| | calculate | limit | | | 120 | | |
| | calculate | second | | | indexed-repeat(${pname}, ${person}, 2) | | |
"""


def test_repeat_count_and_references_inside_instances(compile_md: Compile) -> None:
    interview = Interview(compile_md(REPEATS))
    interview.answer(node(interview, "n"), 3)
    assert node(interview, "count").value == "3"
    for i, (name, age) in enumerate((("Ann", 40), ("Bob", 5), ("Cy", 12)), start=1):
        interview.answer(node(interview, f"person[{i}]/pname"), name)
        interview.answer(node(interview, f"person[{i}]/page"), age)
    assert interview.label(node(interview, "person[2]/page")) == "Age of Bob"
    assert interview.label(node(interview, "person[3]/pname")) == "Name of person 3"
    assert node(interview, "total").value == "57"
    assert node(interview, "second").value == "Bob"
    assert "person[2]/older" not in shown(interview)  # relevance per instance
    assert "person[3]/older" in shown(interview)
    interview.answer(node(interview, "n"), 2)  # fewer instances: the last one goes
    assert node(interview, "total").value == "45"
    assert len(interview.data()["person"]) == 2


NESTED = """
| survey |
| | type | name | label | relevant |
| | begin repeat | hh | Household | |
| | text | head | Head | |
| | begin repeat | member | Member | |
| | text | mname | Member of ${head} | |
| | integer | age | Age | |
| | text | note2 | Only for adults | ${age} >= 18 |
| | end repeat | | | |
| | end repeat | | | |
"""


def test_nested_repeats_walk_and_resolve_within_their_instance(compile_md: Compile) -> None:
    form = compile_md(NESTED)
    answers = {"head": ["Ann", "Bob"], "mname": [["a1", "a2"], ["b1"]],
               "age": [[30, 10], [20]], "note2": [["x", None], ["y"]]}
    result = run_interview(form, answers)
    assert result.status == "completed", result.error
    assert result.path == ["hh[1]/head", "hh[1]/member[1]/mname", "hh[1]/member[1]/age",
                           "hh[1]/member[1]/note2", "hh[1]/member[2]/mname",
                           "hh[1]/member[2]/age", "hh[2]/head", "hh[2]/member[1]/mname",
                           "hh[2]/member[1]/age", "hh[2]/member[1]/note2"]
    assert result.data["hh"][0]["member"][1] == {"mname": "a2", "age": 10}
    interview = Interview(form)
    interview.set_instance_count(interview.root_element, form.single("hh"), 2)
    hh2 = interview.root_element.instances(form.single("hh"))[1]
    interview.set_instance_count(hh2, form.single("member"), 1)
    interview.answer(node(interview, "hh[2]/head"), "Bob")
    assert interview.label(node(interview, "hh[2]/member[1]/mname")) == "Member of Bob"


FILTERS = """
| survey |
| | type | name | label | choice_filter |
| | select_one region | region | Region | |
| | select_one city | city | City | region = ${region} |
| | select_multiple fruit | fruit | Fruit | |
| choices |
| | list_name | name | label | region |
| | region | n | North | |
| | region | s | South | |
| | city | gdansk | Gdansk | n |
| | city | krakow | Krakow | s |
| | city | zakopane | Zakopane | s |
| | fruit | apple | Apple | |
| | fruit | pear | Pear | |
| | fruit | plum | Plum | |
"""


def test_choice_filters_and_multi_select_order(compile_md: Compile) -> None:
    interview = Interview(compile_md(FILTERS))
    city = node(interview, "city")
    interview.answer(node(interview, "region"), "s")
    assert [c.name for c in interview.choices(city)] == ["krakow", "zakopane"]
    problem = interview.answer(city, "gdansk")
    assert problem is not None and problem.kind == "choice"
    assert interview.answer(city, "krakow") is None
    interview.answer(node(interview, "fruit"), ["plum", "apple"])
    assert node(interview, "fruit").value == "apple plum"  # choice order, as ODK keeps it
    assert interview.data()["fruit"] == ["apple", "plum"]


LANGS = """
| survey |
| | type | name | label::English (en) | label::Polski (pl) | constraint | constraint_message::English (en) | constraint_message::Polski (pl) | calculation |
| | integer | x | Number | Liczba | . < 5 | Too big | Za duzo | |
| | calculate | xl | | | | | | jr:choice-name(${c}, '${c}') |
| | select_one c | c | Colour ${x} | Kolor ${x} | | | | |
| choices |
| | list_name | name | label::English (en) | label::Polski (pl) |
| | c | r | Red | Czerwony |
"""


def test_language_switch_mid_interview(compile_md: Compile) -> None:
    interview = Interview(compile_md(LANGS))
    x = node(interview, "x")
    interview.answer(x, 9)
    assert interview.violation(x) == interview.violation(x)
    problem = interview.violation(x)
    assert problem is not None and problem.message == "Too big"
    interview.set_language("Polski (pl)")
    problem = interview.violation(x)
    assert problem is not None and problem.message == "Za duzo"
    assert interview.label(node(interview, "c")) == "Kolor 9"
    interview.answer(node(interview, "c"), "r")
    assert interview.data()["xl"] == "Czerwony"


def test_dynamic_defaults_and_now_use_the_clock(compile_md: Compile) -> None:
    fixed = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    interview = Interview(compile_md("""
        | survey |
        | | type | name | label | default | calculation |
        | | date | d | D | today() | |
        | | integer | k | K | 3 | |
        | | calculate | year | | | format-date(${d}, '%Y') |
        """), clock=Clock(lambda: fixed))
    assert node(interview, "d").value == "2026-11-25"
    assert node(interview, "k").value == "3"
    assert node(interview, "year").value == "2026"


ANSWER_SPACE: dict[str, Any] = {
    "age": st.one_of(st.none(), st.integers(0, 119)),
    "works": st.one_of(st.none(), st.sampled_from(["yes", "no"])),
    "hours": st.one_of(st.none(), st.integers(0, 80)),
    "n": st.one_of(st.none(), st.integers(0, 4)),
}

INCREMENTAL = """
| survey |
| | type | name | label | relevant | calculation | repeat_count |
| | integer | age | Age | | | |
| | select_one yn | works | Works? | ${age} >= 15 | | |
| | integer | hours | Hours | ${works} = 'yes' | | |
| | calculate | weekly | | | ${hours} * 5 | |
| | calculate | label | | | if(${weekly} > 100, 'long', 'short') | |
| | integer | n | N | ${label} = 'long' | | |
| | begin repeat | r | R | | | ${n} |
| | calculate | share | | | ${weekly} div ${n} | |
| | end repeat | | | | | |
| | calculate | total | | | sum(${share}) | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


@functools.cache
def incremental_form() -> CompiledForm:
    # fixtures do not mix with @given: compile once from a temporary file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incremental.md"
        path.write_text(textwrap.dedent(INCREMENTAL).strip() + "\n", encoding="utf-8")
        return load_form(path)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.sampled_from(sorted(ANSWER_SPACE)).flatmap(
    lambda name: st.tuples(st.just(name), ANSWER_SPACE[name])), max_size=12))
def test_incremental_reevaluation_matches_full(steps: list[tuple[str, Any]]) -> None:
    form = incremental_form()
    fast, slow = Interview(form), Interview(form)
    slow.incremental = False
    for name, value in steps:
        for interview in (fast, slow):
            interview.answer(node(interview, name), value)
    assert fast.data() == slow.data()
    assert shown(fast) == shown(slow)


def test_an_answer_reevaluates_only_what_depends_on_it(compile_md: Compile) -> None:
    form = compile_md(CHAIN + "\n")
    interview = Interview(form)
    before = interview.recomputations
    interview.answer(node(interview, "hours"), 5)
    # weekly's calculation only; age's relevance chain is untouched
    assert interview.recomputations - before == 1


def test_a_runtime_expression_error_reads_blank_and_is_kept(compile_md: Compile) -> None:
    interview = Interview(compile_md("""
        | survey |
        | | type | name | label | calculation |
        | | text | pattern | Pattern | |
        | | calculate | matches | | regex('abc', ${pattern}) |
        """))
    interview.answer(node(interview, "pattern"), "([")  # not a valid regular expression
    assert node(interview, "matches").value == ""
    assert interview.expression_errors and "regex" in interview.expression_errors[0]


def test_jr_itext_reads_a_choice_label_in_the_current_language(compile_md: Compile) -> None:
    interview = Interview(compile_md("""
        | survey |
        | | type | name | label::English (en) | label::Polski (pl) | calculation |
        | | select_one size | size | Size | Rozmiar | |
        | | calculate | text | | | jr:itext(instance('size')/root/item[name = ${size}]/itextId) |
        | choices |
        | | list_name | name | label::English (en) | label::Polski (pl) |
        | | size | s | Small | Maly |
        | | size | l | Large | Duzy |
        """))
    interview.answer(node(interview, "size"), "l")
    assert node(interview, "text").value == "Large"
    interview.set_language("Polski (pl)")
    assert node(interview, "text").value == "Duzy"


def test_a_calculation_hidden_by_relevance_is_computed_when_shown(compile_md: Compile) -> None:
    form = compile_md("""
        | survey |
        | | type | name | label | relevant | calculation |
        | | integer | y | Y | | |
        | | integer | x | X | | |
        | | calculate | c | | ${x} > 0 | ${y} * 2 |
        | | begin group | g | G | ${x} > 0 | |
        | | calculate | gc | | | ${y} + 1 |
        | | end group | | | | |
        """)
    fast, slow = Interview(form), Interview(form)
    slow.incremental = False
    for interview in (fast, slow):
        interview.answer(node(interview, "y"), 4)
        interview.answer(node(interview, "x"), 1)  # c and the group become relevant
    assert fast.data() == slow.data() == {"y": 4, "x": 1, "c": "8", "gc": "5"}


def test_absolute_paths_start_at_data_as_in_odk(compile_md: Compile) -> None:
    interview = Interview(compile_md("""
        | survey |
        | | type | name | label | calculation |
        | | begin repeat | r | R | |
        | | integer | p | P | |
        | | end repeat | | | |
        | | calculate | last | | /data/r[last()]/p |
        | | calculate | n | | count(/data/r) |
        """))
    assert interview.questionnaire.root_name == "data"  # not the file's name
    interview.set_instance_count(interview.root_element, interview.form.single("r"), 2)
    interview.answer(node(interview, "r[1]/p"), 1)
    interview.answer(node(interview, "r[2]/p"), 2)
    assert interview.data()["last"] == "2" and interview.data()["n"] == "2"


def test_a_repeat_without_count_starts_with_one_instance(compile_md: Compile) -> None:
    form = compile_md("""
        | survey |
        | | type | name | label | default |
        | | integer | n | N | 3 |
        | | begin repeat | r | R | |
        | | integer | p | P | position(..) * ${n} |
        | | end repeat | | | |
        """)
    interview = Interview(form)
    first = node(interview, "r[1]/p")
    assert first.value == "3"  # its default computed at load, as ODK does
    interview.remove_instance(first.parent)  # type: ignore[arg-type]
    assert "r" not in interview.data() or interview.data()["r"] == []


def test_relevance_that_reads_its_own_value_is_no_cycle(compile_md: Compile) -> None:
    interview = Interview(compile_md("""
        | survey |
        | | type | name | label | relevant |
        | | integer | q | Q | . != 3 |
        """))
    q = node(interview, "q")
    assert q.relevant
    interview.answer(q, 3)
    assert not q.relevant  # re-evaluated when its own value changed
