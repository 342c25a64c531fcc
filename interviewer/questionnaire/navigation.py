"""Moving through an interview: screens, next, back, jump, repeat prompts, progress.

A screen is one question, or one field-list group with all its relevant questions, or
the prompt to add another instance of a repeat that has no repeat_count, or the end.
The order is the form's document order over the live answer tree, so routing follows
relevance as it stands at each move. Pure: no Qt, no storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from interviewer.questionnaire.compiled import Def
from interviewer.questionnaire.engine import Interview, Node, Problem
from interviewer.questionnaire.xpath.runtime import is_inside

ScreenKind = Literal["question", "group", "repeat_prompt", "end"]


@dataclass(frozen=True, eq=False)
class Screen:
    kind: ScreenKind
    nodes: tuple[Node, ...] = ()  # the questions and notes shown
    group: Node | None = None  # the field-list group of a "group" screen
    parent: Node | None = None  # repeat_prompt: where a new instance would go
    repeat: Def | None = None  # repeat_prompt: which repeat

    def same_place(self, other: Screen) -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == "repeat_prompt":
            return self.parent is other.parent and self.repeat is other.repeat
        if self.kind == "group":
            return self.group is other.group
        if self.kind == "question":
            return self.nodes[0] is other.nodes[0]
        return True


@dataclass(frozen=True)
class Blocked:
    """Why `next` did not move: hard problems, and soft warnings not yet confirmed."""

    problems: tuple[tuple[Node, Problem], ...] = ()
    warnings: tuple[tuple[Node, str], ...] = ()


@dataclass
class Navigator:
    """The interviewer's position in one interview."""

    interview: Interview
    screen: Screen = field(init=False)
    # keyed by the node objects themselves: a removed instance's id could be reused
    _confirmed: dict[Node, str] = field(default_factory=dict, init=False)
    _declined: set[tuple[Node, Def]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.screen = self.first()

    # -- the sequence of screens --
    def screens(self) -> Iterator[Screen]:
        yield from self._screens(self.interview.root_element, self.interview.form.top)
        yield Screen("end")

    def _screens(self, parent: Node, defs: list[Def]) -> Iterator[Screen]:
        for d in defs:
            if d.is_repeat:
                if not parent.relevant:
                    continue
                for instance in parent.instances(d):
                    if instance.relevant:
                        yield from self._container(instance, d)
                if "repeat_count" not in d.exprs and \
                        self.interview.new_instance_relevant(parent, d):
                    yield Screen("repeat_prompt", parent=parent, repeat=d)
                continue
            node = parent.child(d)
            if node is None or not node.relevant:
                continue
            if d.is_container:
                yield from self._container(node, d)
            elif d.visible:
                yield Screen("question", nodes=(node,))

    def _container(self, node: Node, d: Def) -> Iterator[Screen]:
        element = d.element
        if getattr(element, "field_list", False):
            shown = tuple(self.interview.walk_items(node))
            if shown:
                yield Screen("group", nodes=shown, group=node)
            return
        yield from self._screens(node, d.children)

    def first(self) -> Screen:
        return next(self.screens())

    # -- moving --
    def check(self, screen: Screen | None = None) -> Blocked | None:
        """What stops the interviewer leaving this screen, if anything."""
        screen = screen or self.screen
        problems = []
        warnings = []
        for node in screen.nodes:
            problem = self.interview.violation(node)
            if problem is not None:
                problems.append((node, problem))
                continue
            message = self.interview.warning(node)
            if message is not None and self._confirmed.get(node) != node.value:
                warnings.append((node, message))
        if problems or warnings:
            return Blocked(tuple(problems), tuple(warnings))
        return None

    def confirm_warnings(self) -> list[tuple[Node, str]]:
        """The interviewer confirms the soft warnings on this screen; returns them."""
        confirmed = []
        for node in self.screen.nodes:
            message = self.interview.warning(node)
            if message is not None:
                self._confirmed[node] = node.value
                confirmed.append((node, message))
        return confirmed

    def next(self) -> Blocked | Screen:
        """Validate this screen and move on; at a repeat prompt, moving on declines it."""
        blocked = self.check()
        if blocked is not None:
            return blocked
        if self.screen.kind == "repeat_prompt":
            assert self.screen.parent is not None and self.screen.repeat is not None
            self._declined.add((self.screen.parent, self.screen.repeat))
        self.screen = self._after(self.screen)
        return self.screen

    def add_instance(self) -> Screen:
        """At a repeat prompt: add an instance and go to its first screen."""
        screen = self.screen
        assert screen.kind == "repeat_prompt" and screen.parent is not None
        assert screen.repeat is not None
        instance = self.interview.add_instance(screen.parent, screen.repeat)
        for candidate in self.screens():
            if any(is_inside(n, instance) for n in candidate.nodes):
                self.screen = candidate
                return candidate
        return screen

    def back(self) -> Screen:
        previous = None
        for candidate in self.screens():
            if candidate.same_place(self.screen):
                break
            previous = candidate
        if previous is not None:
            self.screen = previous
        return self.screen

    def jump(self, node: Node) -> Screen:
        """Go to the screen showing `node` (a question answered earlier, say)."""
        for candidate in self.screens():
            if any(n is node for n in candidate.nodes):
                self.screen = candidate
                return candidate
        raise ValueError(f"{node.path} is not on any screen now (not relevant?)")

    def _after(self, screen: Screen) -> Screen:
        found = False
        for candidate in self.screens():
            if found and not self._skipped(candidate):
                return candidate
            if candidate.same_place(screen):
                found = True
        if found:
            return Screen("end")
        # the screen left the interview (an answer made it non-relevant): start over from
        # the top and stop at the first screen that still needs something
        return self.first_open()

    def _skipped(self, screen: Screen) -> bool:
        if screen.kind != "repeat_prompt":
            return False
        assert screen.parent is not None and screen.repeat is not None
        return (screen.parent, screen.repeat) in self._declined

    def first_open(self) -> Screen:
        """The first screen with an unanswered or invalid question (where resume opens)."""
        for candidate in self.screens():
            if candidate.kind == "end" or self.check(candidate) is not None:
                return candidate
            if candidate.kind == "repeat_prompt" and not self._skipped(candidate):
                return candidate
            if any(n.value == "" and n.special is None and _answerable(n)
                   for n in candidate.nodes):
                return candidate
        return Screen("end")

    def progress(self) -> tuple[int, int]:
        """(answered, total) over the questions relevant now."""
        answered = total = 0
        for node in self.interview.walk_items():
            if _answerable(node):
                total += 1
                answered += node.value != "" or node.special is not None
        return answered, total


def _answerable(node: Node) -> bool:
    return node.definition is not None and node.definition.answerable
