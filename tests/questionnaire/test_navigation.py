"""Moving through an interview: next, back, jump, field lists, repeat prompts, progress."""

from __future__ import annotations

from collections.abc import Callable

from interviewer.questionnaire.compiled import CompiledForm
from interviewer.questionnaire.engine import Interview
from interviewer.questionnaire.navigation import Blocked, Navigator, Screen

Compile = Callable[[str], CompiledForm]

FORM = """
| survey |
| | type | name | label | relevant | required | warning | warning_message | appearance |
| | integer | age | Age | | yes | . < 100 | Really that old? | |
| | begin group | contact | Contact | ${age} >= 18 | | | | field-list |
| | text | phone | Phone | | yes | | | |
| | text | email | Email | | | | | |
| | end group | | | | | | | |
| | begin repeat | child | Child | | | | | |
| | text | cname | Name | | | | | |
| | end repeat | | | | | | | |
| | note | done | Thanks | | | | | |
"""


def names(screen: Screen | Blocked) -> list[str]:
    assert isinstance(screen, Screen), screen
    if screen.kind == "repeat_prompt":
        assert screen.repeat is not None
        return [f"+{screen.repeat.name}"]
    return [n.path for n in screen.nodes] or [screen.kind]


def test_next_validates_and_routes(compile_md: Compile) -> None:
    nav = Navigator(Interview(compile_md(FORM)))
    assert names(nav.screen) == ["age"]
    blocked = nav.next()
    assert isinstance(blocked, Blocked) and blocked.problems[0][1].kind == "required"
    assert names(nav.screen) == ["age"]  # did not move
    nav.interview.answer(nav.screen.nodes[0], 30)
    assert names(nav.next()) == ["phone", "email"]  # a field-list group is one screen
    blocked = nav.next()
    assert isinstance(blocked, Blocked) and blocked.problems[0][0].name == "phone"
    nav.interview.answer(nav.screen.nodes[0], "123")
    assert names(nav.next()) == ["child[1]/cname"]  # as in ODK, one instance to start
    nav.interview.answer(nav.screen.nodes[0], "Ann")
    assert names(nav.next()) == ["+child"]  # then the offer of another
    assert names(nav.add_instance()) == ["child[2]/cname"]
    nav.interview.answer(nav.screen.nodes[0], "Bob")
    assert names(nav.next()) == ["+child"]  # asked again after each instance
    assert names(nav.next()) == ["done"]  # moving on declines
    assert names(nav.next()) == ["end"]


def test_soft_warnings_need_confirming_once(compile_md: Compile) -> None:
    nav = Navigator(Interview(compile_md(FORM)))
    nav.interview.answer(nav.screen.nodes[0], 120)
    blocked = nav.next()
    assert isinstance(blocked, Blocked) and blocked.problems == ()
    assert [m for _, m in blocked.warnings] == ["Really that old?"]
    assert [m for _, m in nav.confirm_warnings()] == ["Really that old?"]
    assert names(nav.next()) == ["phone", "email"]
    nav.back()
    nav.interview.answer(nav.screen.nodes[0], 130)  # a new value must be confirmed again
    assert isinstance(nav.next(), Blocked)


def test_back_and_jump_follow_relevance(compile_md: Compile) -> None:
    nav = Navigator(Interview(compile_md(FORM)))
    age = nav.screen.nodes[0]
    nav.interview.answer(age, 10)  # a minor: no contact group
    assert names(nav.next()) == ["child[1]/cname"]
    assert names(nav.back()) == ["age"]
    nav.interview.answer(age, 40)
    nav.jump(age)
    assert names(nav.next()) == ["phone", "email"]
    assert names(nav.back()) == ["age"]


def test_progress_and_resume_point(compile_md: Compile) -> None:
    interview = Interview(compile_md(FORM))
    nav = Navigator(interview)
    assert nav.progress() == (0, 2)  # age and the first child's name
    interview.answer(nav.screen.nodes[0], 30)
    assert nav.progress() == (1, 4)
    resumed = Navigator(interview)
    assert names(resumed.first_open()) == ["phone", "email"]


def test_no_offer_to_add_to_a_hidden_repeat(compile_md: Compile) -> None:
    nav = Navigator(Interview(compile_md("""
        | survey |
        | | type | name | label | relevant |
        | | integer | a | A | |
        | | begin repeat | r | R | ${a} > 5 |
        | | text | t | T | |
        | | end repeat | | | |
        | | note | done | Done | |
        """)))
    nav.interview.answer(nav.screen.nodes[0], 1)
    assert names(nav.next()) == ["done"]
    nav.back()
    nav.interview.answer(nav.screen.nodes[0], 9)
    assert names(nav.next()) == ["r[1]/t"]
    assert names(nav.next()) == ["+r"]
