"""The interview engine: a pure state machine over one questionnaire.

It holds the answers as a tree shaped like ODK's XML instance (so XPath paths, `..`,
position() and indexed-repeat work as in ODK), keeps relevance and calculations up to
date by re-evaluating only what depends on a changed answer, validates answers, and
moves through the interview (next, back, jump). No Qt, no SQL.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from interviewer.questionnaire import xpath
from interviewer.questionnaire.compiled import CALC, COUNT, REL, CompiledForm, Def, Vertex
from interviewer.questionnaire.model import (
    ANSWERABLE,
    DEFAULT_LANGUAGE,
    MULTI_VALUED,
    SELECTS,
    Choice,
    Question,
    QuestionType,
    SpecialAnswer,
    Text,
)
from interviewer.questionnaire.values import INTEGER_TEXT, AnswerTypeError, to_stored

ErrorKind = Literal["required", "constraint", "choice", "type"]
MAX_REPEAT_INSTANCES = 1000


@dataclass(frozen=True)
class Problem:
    """Why an answer cannot stand: shown to the interviewer, reported by `run`."""

    kind: ErrorKind
    message: str


class Node:
    """One element of the answer tree (implements xpath.XNode)."""

    __slots__ = ("_children", "definition", "parent", "relevant", "self_relevant", "special",
                 "value")

    def __init__(self, definition: Def | None, parent: Node | None) -> None:
        self.definition = definition
        self.parent = parent
        self._children: list[Node] = []
        self.value = ""
        self.special: SpecialAnswer | None = None
        self.self_relevant = True
        self.relevant: bool = parent.relevant if parent is not None else True

    @property
    def name(self) -> str:
        return self.definition.name if self.definition is not None else ""

    @property
    def children(self) -> Sequence[Node]:
        return self._children

    def string_value(self) -> str:
        if not self.relevant:
            return ""
        if self.definition is None or self.definition.is_container:
            return "".join(c.string_value() for c in self._children)
        return self.value

    @property
    def question(self) -> Question:
        assert self.definition is not None
        return self.definition.question

    def instances(self, repeat: Def) -> list[Node]:
        return [c for c in self._children if c.definition is repeat]

    def child(self, definition: Def) -> Node | None:
        for c in self._children:
            if c.definition is definition:
                return c
        return None

    @property
    def index(self) -> int:
        """1-based position among siblings of the same element (repeat instance number)."""
        if self.parent is None:
            return 1
        return self.parent.instances(self.definition).index(self) + 1 \
            if self.definition is not None else 1

    @property
    def path(self) -> str:
        """The name shown on the interview path: `q`, `rep[2]/q`, `a[1]/b[2]/q`."""
        parts: list[str] = []
        node: Node | None = self
        leaf = True
        while node is not None and node.definition is not None:
            d = node.definition
            if d.is_repeat:
                parts.append(f"{d.name}[{node.index}]")
            elif leaf:
                parts.append(d.name)
            leaf = False
            node = node.parent
        return "/".join(reversed(parts))

    @property
    def key(self) -> str:
        """The full instance path, groups included: `g/rep[2]/q`. Unique in an interview;
        what storage keeps answers under."""
        parts: list[str] = []
        node: Node | None = self
        while node is not None and node.definition is not None:
            d = node.definition
            parts.append(f"{d.name}[{node.index}]" if d.is_repeat else d.name)
            node = node.parent
        return "/".join(reversed(parts))

    def __repr__(self) -> str:
        return f"Node({self.path or '/'})"


class _Document(Node):
    """The document node above the root element (`/data/...` starts here)."""


class _Root(Node):
    """The form's root element (`data` in `/data/x`)."""

    __slots__ = ("_name",)

    def __init__(self, name: str, parent: Node) -> None:
        super().__init__(None, parent)
        self._name = name

    @property
    def name(self) -> str:
        return self._name


class _ChoiceNode:
    """A node of a secondary instance: instance('list')/root/item/name."""

    __slots__ = ("children", "name", "parent", "text")

    def __init__(self, name: str, parent: _ChoiceNode | None, text: str = "") -> None:
        self.name = name
        self.parent = parent
        self.text = text
        self.children: list[_ChoiceNode] = []

    def string_value(self) -> str:
        if not self.children:
            return self.text
        return "".join(c.string_value() for c in self.children)


class Clock:
    """Where now() comes from; tests pass a fixed one."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now().astimezone())

    def now(self) -> datetime:
        return self._now()


class Interview:
    """One interview in progress over a compiled form."""

    def __init__(self, form: CompiledForm, *, language: str | None = None,
                 clock: Clock | None = None, metadata: dict[str, str] | None = None,
                 random: Callable[[], float] | None = None) -> None:
        self.form = form
        self.questionnaire = form.questionnaire
        self.language = language or self.questionnaire.default_language
        self.clock = clock or Clock()
        self.metadata = metadata or {}
        self._random = random
        self.document = _Document(None, None)
        self.root_element: Node = _Root(self.questionnaire.root_name, self.document)
        self.document._children = [self.root_element]
        self._single: dict[Def, Node] = {}  # elements outside repeats have one node
        self._instances: dict[str, _ChoiceNode] = {}
        self.recomputations = 0  # vertices evaluated: for tests and benchmarks
        self.expression_errors: list[str] = []
        self.incremental = True
        self._build(self.root_element, self.form.top)
        self.recompute_all()

    # -- xpath.Environment --
    def root(self) -> Node:
        return self.document

    def instance(self, instance_id: str) -> _ChoiceNode | None:
        if instance_id not in self._instances:
            choices = self.questionnaire.choices
            # pyxform names a select_one_from_file list's instance after the file's stem
            choice_list = choices.get(instance_id) or choices.get(f"{instance_id}.csv")
            if choice_list is None:
                return None
            doc = _ChoiceNode("", None)
            root = _ChoiceNode("root", doc)
            doc.children.append(root)
            for i, choice in enumerate(choice_list.choices):
                item = _ChoiceNode("item", root)
                item.children.append(_ChoiceNode("itextId", item, f"{instance_id}-{i}"))
                item.children.append(_ChoiceNode("name", item, choice.name))
                item.children.append(_ChoiceNode("label", item, self._text(choice.label)))
                for key, value in choice.extra.items():
                    item.children.append(_ChoiceNode(key, item, value))
                root.children.append(item)
            self._instances[instance_id] = doc
        return self._instances[instance_id]

    def resolve_ref(self, name: str, current: Any) -> Sequence[Node]:
        targets = self.form.by_name.get(name)
        if not targets:
            return []
        target = targets[0]
        start: Node = current if isinstance(current, Node) else self.root_element
        return self._resolve(target, start)

    def choice_label(self, question_ref: str, value: str, current: Any) -> str:
        name = question_ref.strip()
        if name.startswith("${") and name.endswith("}"):
            name = name[2:-1].strip()
        else:
            name = name.rstrip("/").rsplit("/", 1)[-1]
        targets = self.form.by_name.get(name)
        if not targets or not targets[0].element.kind == "question":
            return ""
        list_name = targets[0].question.list_name
        choice_list = self.questionnaire.choices.get(list_name or "")
        if choice_list is None:
            return ""
        for choice in choice_list.choices:
            if choice.name == value:
                return self._text(choice.label)
        return ""

    def itext(self, itext_id: str, current: Any) -> str:
        """jr:itext(id) for a choice (pyxform names them LIST-INDEX): its label now."""
        list_name, _, index = itext_id.rpartition("-")
        choice_list = self.questionnaire.choices.get(list_name)
        if choice_list is None or not index.isdigit() or \
                int(index) >= len(choice_list.choices):
            return ""
        return self._text(choice_list.choices[int(index)].label)

    def now(self) -> datetime:
        return self.clock.now()

    def new_uuid(self) -> str:
        return f"uuid:{uuid.uuid4()}"

    def random(self) -> float:
        import random as _random

        return self._random() if self._random else _random.random()

    # -- building the tree --
    def _build(self, parent: Node, defs: list[Def]) -> None:
        for d in defs:
            if d.is_repeat:
                # as in ODK, a repeat without repeat_count starts with one instance (its
                # defaults computed now); repeat_count makes its own
                if "repeat_count" not in d.exprs:
                    self._add_instance(parent, d)
                continue
            node = Node(d, parent)
            if d in self.form.self_gated:
                node.self_relevant = node.relevant = False
            parent._children.append(node)
            if not d.repeats:
                self._single[d] = node
            if d.is_container:
                self._build(node, d.children)
            else:
                self._init_value(node)

    def _init_value(self, node: Node) -> None:
        q = node.question
        if q.type == QuestionType.METADATA:
            node.value = self._metadata_value(q.metadata or "")
        elif q.default is not None and not q.default_is_expression:
            node.value = q.default
        elif "default" in node.definition.exprs:  # type: ignore[union-attr]
            expr = node.definition.exprs["default"]  # type: ignore[union-attr]
            node.value = _as_value(self._eval(expr, self._ctx(node)))

    def _metadata_value(self, kind: str) -> str:
        now = self.clock.now()
        if kind in ("start", "end"):
            return now.isoformat(timespec="milliseconds")
        if kind == "today":
            return now.date().isoformat()
        return self.metadata.get(kind, "")

    def _add_instance(self, parent: Node, repeat: Def) -> Node:
        node = Node(repeat, parent)
        if repeat in self.form.self_gated:
            node.self_relevant = node.relevant = False
        existing = parent.instances(repeat)
        if existing:
            at = parent._children.index(existing[-1]) + 1
        else:
            at = self._insert_index(parent, repeat)
        parent._children.insert(at, node)
        self._build(node, repeat.children)
        return node

    def _insert_index(self, parent: Node, repeat: Def) -> int:
        for i, child in enumerate(parent._children):
            if child.definition is not None and child.definition.order > repeat.order:
                return i
        return len(parent._children)

    def set_instance_count(self, parent: Node, repeat: Def, count: int) -> None:
        """Add or remove instances of `repeat` under `parent` (removing from the end)."""
        count = max(0, min(count, MAX_REPEAT_INSTANCES))
        existing = parent.instances(repeat)
        if len(existing) == count:
            return
        for _ in range(count - len(existing)):
            self._add_instance(parent, repeat)
        for node in existing[count:]:
            parent._children.remove(node)
        self.recompute_all()

    def find(self, key: str, create: bool = False) -> Node | None:
        """The node at a `Node.key`; with create, missing instances of repeats without
        repeat_count are added on the way (to restore a stored interview: call
        recompute_all after)."""
        node = self.root_element
        for part in key.split("/"):
            name, _, index = part.partition("[")
            if index:
                number = int(index.rstrip("]"))
                repeat = next((d for d in self._child_defs(node) if d.name == name
                               and d.is_repeat), None)
                if repeat is None:
                    return None
                instances = node.instances(repeat)
                if len(instances) < number and create and "repeat_count" not in repeat.exprs:
                    for _ in range(number - len(instances)):
                        self._add_instance(node, repeat)  # the caller recomputes once
                    instances = node.instances(repeat)
                if len(instances) < number:
                    return None
                node = instances[number - 1]
            else:
                found = next((c for c in node._children if c.name == name), None)
                if found is None:
                    return None
                node = found
        return node

    def _child_defs(self, node: Node) -> list[Def]:
        return node.definition.children if node.definition is not None else self.form.top

    def new_instance_relevant(self, parent: Node, repeat: Def) -> bool:
        """Would a new instance of `repeat` under `parent` be relevant? (No prompt to add
        one to a repeat that relevance hides.)"""
        if not parent.relevant:
            return False
        expr = repeat.exprs.get("relevant")
        return expr is None or xpath.to_boolean(self._eval(expr, self._ctx(parent)))

    def add_instance(self, parent: Node, repeat: Def) -> Node:
        node = self._add_instance(parent, repeat)
        self.recompute_all()
        return node

    def remove_instance(self, instance: Node) -> None:
        assert instance.parent is not None
        instance.parent._children.remove(instance)
        self.recompute_all()

    # -- references --
    def _resolve(self, target: Def, current: Node) -> list[Node]:
        """${name} seen from `current`: the same repeat instance where both share a repeat,
        every instance otherwise (ODK's relative references in repeats)."""
        single = self._single.get(target)
        if single is not None:  # outside any repeat: one node, found without a walk
            return [single]
        base = current
        shared = _shared_repeat(target, current.definition)
        if shared is None:
            base = self.root_element
            steps = target.path
        else:
            while base.definition is not shared:
                assert base.parent is not None
                base = base.parent
            steps = target.path[len(shared.path):]
        nodes = [base]
        for step in steps:
            nxt: list[Node] = []
            for n in nodes:
                for c in n._children:
                    if c.definition is step:
                        nxt.append(c)
            nodes = nxt
        return nodes

    def _eval(self, expr: xpath.Expr, ctx: xpath.Context) -> xpath.Value:
        """Evaluate; an error only visible at run time (a regex built from answers, say)
        reads as blank and is kept for the log, instead of stopping the interview."""
        try:
            return xpath.evaluate(expr, ctx)
        except xpath.XPathError as e:
            self.expression_errors.append(f"{expr.text}: {e.message}")
            return ""

    def _ctx(self, node: Node) -> xpath.Context:
        return xpath.Context(node=node, env=self, current=node)

    # -- recomputation --
    def nodes_of(self, d: Def) -> list[Node]:
        single = self._single.get(d)
        if single is not None:
            return [single]
        if d.parent is None:
            return [c for c in self.root_element._children if c.definition is d]
        out: list[Node] = []
        for parent in self.nodes_of(d.parent):
            out.extend(c for c in parent._children if c.definition is d)
        return out

    def recompute_all(self) -> None:
        self._recompute(self.form.all_vertices)

    def _changed(self, d: Def) -> None:
        if self.incremental:
            self._recompute(self.form.affected_by(d))
        else:
            self.recompute_all()

    def _recompute(self, vertices: Sequence[Vertex]) -> None:
        structure_changed = False
        for v in vertices:
            self.recomputations += 1
            if v.kind == REL:
                self._recompute_relevance(v.definition)
            elif v.kind == CALC:
                self._recompute_calculation(v.definition)
            elif v.kind == COUNT:
                structure_changed |= self._recompute_count(v.definition)
        if structure_changed:
            self.recompute_all()

    def _recompute_relevance(self, d: Def) -> None:
        expr = d.exprs.get("relevant")
        for node in self.nodes_of(d):
            parent_relevant = node.parent.relevant if node.parent is not None else True
            if expr is not None and parent_relevant:
                node.self_relevant = xpath.to_boolean(self._eval(expr, self._ctx(node)))
            node.relevant = parent_relevant and node.self_relevant

    def _recompute_calculation(self, d: Def) -> None:
        expr = d.exprs["calculation"]
        for node in self.nodes_of(d):
            if node.relevant:
                node.value = _as_value(self._eval(expr, self._ctx(node)))

    def _recompute_count(self, d: Def) -> bool:
        expr = d.exprs["repeat_count"]
        changed = False
        parents = self.nodes_of(d.parent) if d.parent is not None else [self.root_element]
        for parent in parents:
            count = 0
            if parent.relevant:
                n = xpath.to_number(self._eval(expr, self._ctx(parent)))
                count = int(n) if math.isfinite(n) and n > 0 else 0
            count = min(count, MAX_REPEAT_INSTANCES)
            existing = parent.instances(d)
            if len(existing) != count:
                changed = True
                for _ in range(count - len(existing)):
                    self._add_instance(parent, d)
                for node in existing[count:]:
                    parent._children.remove(node)
        return changed

    # -- texts --
    def _text(self, text: Text) -> str:
        """A text in the current language. As in ODK, a translated text missing in this
        language shows "-"; an untranslated one shows in every language."""
        if not text:
            return ""
        if self.language in text:
            return text[self.language]
        if len(text) == 1 and DEFAULT_LANGUAGE in text:
            return text[DEFAULT_LANGUAGE]
        return "-"

    def piped(self, text: Text, node: Node) -> str:
        """A text in the current language with `${x}` filled in from the answers."""
        raw = self._text(text)
        if "${" not in raw:
            return raw
        out = []
        for part in self.form.pipe_parts(raw):
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(xpath.to_string(self._eval(part, self._ctx(node))))
        return "".join(out)

    def label(self, node: Node) -> str:
        assert node.definition is not None
        return self.piped(node.definition.element.label, node)

    def hint(self, node: Node) -> str:
        return self.piped(node.question.hint, node)

    def set_language(self, language: str) -> None:
        self.language = language
        self._instances.clear()  # choice labels inside instance() follow the language
        self.recompute_all()  # jr:choice-name and jr:itext give labels in this language

    # -- choices --
    def choices(self, node: Node) -> list[Choice]:
        """The choices offered now (after choice_filter)."""
        q = node.question
        choice_list = self.questionnaire.choices.get(q.list_name or "")
        if choice_list is None:
            return []
        expr = node.definition.exprs.get("choice_filter") if node.definition else None
        if expr is None:
            return list(choice_list.choices)
        doc = self.instance(choice_list.name)
        if doc is None:
            return list(choice_list.choices)
        items = doc.children[0].children
        offered = []
        for i, (choice, item) in enumerate(zip(choice_list.choices, items, strict=True)):
            ctx = xpath.Context(node=item, env=self, position=i + 1, size=len(items),
                                current=node)
            if xpath.to_boolean(self._eval(expr, ctx)):
                offered.append(choice)
        return offered

    # -- answering --
    def is_read_only(self, node: Node) -> bool:
        q = node.question
        if q.type == QuestionType.NOTE:
            return True
        expr = node.definition.exprs.get("read_only") if node.definition else None
        return expr is not None and xpath.to_boolean(self._eval(expr, self._ctx(node)))

    def answer(self, node: Node, answer: Any) -> Problem | None:
        """Store an answer given as JSON-like data (see values.to_stored). A wrong type or
        a choice not offered is refused and changes nothing."""
        q = node.question
        if q.type not in ANSWERABLE or self.is_read_only(node):
            return Problem("type", f"'{q.name}' cannot be answered (it is read-only)")
        try:
            stored = to_stored(q, answer)
        except AnswerTypeError as e:
            return Problem("type", str(e))
        if q.type in SELECTS and stored:
            offered = {c.name for c in self.choices(node)}
            missing = [v for v in stored.split() if v not in offered] \
                if q.type in MULTI_VALUED else ([stored] if stored not in offered else [])
            if missing:
                return Problem("choice", f"'{missing[0]}' is not one of the choices offered "
                               f"for '{q.name}'")
        if q.type == QuestionType.RANK and stored:
            unranked = [c.name for c in self.choices(node) if c.name not in stored.split()]
            if unranked:  # ODK refuses a partial ranking
                return Problem("type", f"a ranking must place every option; "
                               f"'{unranked[0]}' is missing")
        if q.type == QuestionType.SELECT_MULTIPLE and stored:
            stored = self._in_choice_order(node, stored)
        self._store(node, stored, None)
        return None

    def _in_choice_order(self, node: Node, stored: str) -> str:
        """ODK keeps a multi-select's values in the order of the choice list."""
        rank = {c.name: i for i, c in enumerate(self.choices(node))}
        return " ".join(sorted(stored.split(), key=lambda v: rank.get(v, len(rank))))

    def set_special(self, node: Node, special: SpecialAnswer) -> Problem | None:
        q = node.question
        if special not in q.special:
            allowed = ", ".join(q.special) or "no special answers"
            return Problem("type", f"'{q.name}' does not accept {special} (it accepts "
                           f"{allowed})")
        self._store(node, "", special)
        return None

    def put(self, node: Node, value: str, special: SpecialAnswer | None) -> None:
        """Set a stored value as it is, unchecked (to put back what the store holds)."""
        self._store(node, value, special)

    def _store(self, node: Node, value: str, special: SpecialAnswer | None) -> None:
        changed = node.value != value
        node.value = value
        node.special = special
        if changed and node.definition is not None:
            self._changed(node.definition)

    # -- validation --
    def is_required(self, node: Node) -> bool:
        expr = node.definition.exprs.get("required") if node.definition else None
        return expr is not None and xpath.to_boolean(self._eval(expr, self._ctx(node)))

    def violation(self, node: Node) -> Problem | None:
        """required / constraint, as ODK checks them for the node's current value."""
        q = node.question
        d = node.definition
        assert d is not None
        if node.special is not None:
            return None
        if node.value == "":
            required = d.exprs.get("required")
            if required is not None and xpath.to_boolean(
                    self._eval(required, self._ctx(node))):
                return Problem("required", self._text(q.required_message)
                               or "An answer is required.")
            return None
        constraint = d.exprs.get("constraint")
        if constraint is not None and not xpath.to_boolean(
                self._eval(constraint, self._ctx(node))):
            return Problem("constraint", self._text(q.constraint_message)
                           or "The answer is not allowed.")
        return None

    def warning(self, node: Node) -> str | None:
        """Our soft check: a message to confirm, or None."""
        d = node.definition
        assert d is not None
        expr = d.exprs.get("warning")
        if expr is None or node.special is not None or node.value == "":
            return None
        if xpath.to_boolean(self._eval(expr, self._ctx(node))):
            return None
        return self._text(node.question.warning_message) or \
            "This answer is unusual: please confirm it."

    # -- walking --
    def walk_items(self, parent: Node | None = None) -> Iterator[Node]:
        """Relevant visible questions and notes in document order (live tree)."""
        parent = parent or self.root_element
        for child in list(parent._children):
            if not child.relevant or child.definition is None:
                continue
            if child.definition.is_container:
                yield from self.walk_items(child)
            elif child.definition.visible:
                yield child

    # -- results --
    def data(self) -> dict[str, Any]:
        """Every relevant, non-empty value by name; repeats as lists of objects."""
        return _collect(self.root_element)


StoredAnswer = tuple[str, "str | None", "str | None"]  # path, value, special


def as_special(text: str | None) -> SpecialAnswer | None:
    """A stored special answer as the engine's value (anything else: none)."""
    if text == "dont_know":
        return "dont_know"
    return "refused" if text == "refused" else None


def restore(interview: Interview, answers: Iterable[StoredAnswer]) -> list[StoredAnswer]:
    """Put stored answers back into the answer tree, as a resumed interview does.
    Instances of repeats counted by an answer appear once that answer is in, so this
    takes a pass per level of nesting. Returns the answers no node takes any more (an
    instance that no longer exists): the store keeps them, the tree does not."""
    pending = list(answers)
    while pending:
        left = []
        for path, value, special in pending:
            node = interview.find(path, create=True)
            if node is None:
                left.append((path, value, special))
            elif node.definition is not None and not node.definition.is_container:
                node.value = value or ""
                node.special = as_special(special)
        interview.recompute_all()
        if len(left) == len(pending):
            return left
        pending = left
    return []


def _collect(parent: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in parent._children:
        d = child.definition
        if d is None or not child.relevant:
            continue
        if d.is_repeat:
            if d.name not in out:
                out[d.name] = [_collect(i) if i.relevant else {} for i in parent.instances(d)]
        elif d.is_container:
            if d.parent is None and d.name == "meta":
                continue
            out.update(_collect(child))
        else:
            q = d.question
            if q.type == QuestionType.METADATA:
                continue
            if child.special is not None:
                out[d.name] = {"special": child.special}
            elif child.value != "":
                out[d.name] = typed_value(q, child.value)
    return out


def typed_value(q: Question, value: str) -> Any:
    """A stored string as JSON: numbers as numbers, multi-selects as lists, blank as
    None; a calculation's result stays its XPath string."""
    if value == "":
        return None
    t = q.type
    if t in MULTI_VALUED:
        return value.split()
    if t == QuestionType.ACKNOWLEDGE:
        return True
    if q.calculation is not None or t in (QuestionType.CALCULATE, QuestionType.HIDDEN):
        return value
    if t in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        try:
            return int(value) if INTEGER_TEXT.match(value) else float(value)
        except ValueError:
            return value
    return value


def _as_value(v: xpath.Value) -> str:
    """A calculation's result as ODK stores it (NaN becomes blank)."""
    if isinstance(v, float) and math.isnan(v):
        return ""
    return xpath.to_string(v)


def _shared_repeat(target: Def, current: Def | None) -> Def | None:
    """The innermost repeat holding both; a repeat named by ${rep} counts as outside
    itself, so that count(${rep}) sees every instance."""
    if current is None:
        return None
    chain = target.repeats[:-1] if target.is_repeat else target.repeats
    shared = None
    for a, b in zip(chain, current.repeats, strict=False):
        if a is not b:
            break
        shared = a
    return shared


__all__ = ["Clock", "Interview", "Node", "Problem"]
