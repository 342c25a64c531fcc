"""A questionnaire made ready to run: every expression parsed once, references checked,
and the dependency graph that lets the engine re-evaluate only what an answer affects."""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from interviewer.questionnaire import xpath
from interviewer.questionnaire.errors import FormError, FormIssue
from interviewer.questionnaire.model import (
    ANSWERABLE,
    INVISIBLE,
    Group,
    Question,
    Questionnaire,
    QuestionType,
    Repeat,
    Text,
)
from interviewer.questionnaire.xpath import ast as xast

_PIPE = re.compile(r"\$\{([^}]*)\}")
# Expression columns of a question, by the attribute that holds them.
_QUESTION_EXPRESSIONS = ("relevant", "calculation", "constraint", "required", "read_only",
                         "choice_filter", "warning")


@dataclass(eq=False)
class Def:
    """One element of the form with its compiled expressions."""

    element: Question | Group | Repeat = field(repr=False)
    parent: Def | None = field(repr=False)
    order: int
    children: list[Def] = field(default_factory=list, repr=False)
    exprs: dict[str, xpath.Expr] = field(default_factory=dict)
    # Fixed facts, kept as plain attributes: the engine reads them on every step.
    name: str = field(init=False)
    is_repeat: bool = field(init=False)
    is_container: bool = field(init=False)
    visible: bool = field(init=False)
    answerable: bool = field(init=False)

    def __post_init__(self) -> None:
        element = self.element
        self.name = element.name
        self.is_repeat = isinstance(element, Repeat)
        self.is_container = not isinstance(element, Question)
        self.visible = isinstance(element, Question) and element.type not in INVISIBLE
        self.answerable = isinstance(element, Question) and element.type in ANSWERABLE

    @property
    def question(self) -> Question:
        assert isinstance(self.element, Question)
        return self.element

    @cached_property
    def repeats(self) -> tuple[Def, ...]:
        """The repeats this element sits in (itself included), outermost first."""
        chain: list[Def] = []
        node: Def | None = self
        while node is not None:
            if node.is_repeat:
                chain.append(node)
            node = node.parent
        return tuple(reversed(chain))

    @cached_property
    def path(self) -> tuple[Def, ...]:
        """From the first element under the root down to this one."""
        chain: list[Def] = []
        node: Def | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return tuple(reversed(chain))

    def descendants(self) -> list[Def]:
        out: list[Def] = []
        for child in self.children:
            out.append(child)
            out.extend(child.descendants())
        return out


# Graph vertices: what the engine recomputes.
REL = "relevant"
CALC = "calculation"
COUNT = "repeat_count"


@dataclass(frozen=True)
class Vertex:
    kind: str  # REL, CALC or COUNT
    definition: Def


class CompiledForm:
    """A questionnaire plus its compiled expressions and dependency graph."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.defs: list[Def] = []
        self.top: list[Def] = []
        self.by_name: dict[str, list[Def]] = defaultdict(list)
        self._issues: list[FormIssue] = []
        self._pipes: dict[str, tuple[str | xpath.Expr, ...]] = {}
        self._self_reads: dict[Def, list[Vertex]] = {}
        for element in questionnaire.children:
            self.top.append(self._add(element, None))
        for d in self.defs:
            self._compile(d)
        if self._issues:
            raise FormError(self._issues)
        self.order = self._topological_order()
        self._affected: dict[Def, tuple[Vertex, ...]] = {}
        self.self_gated = frozenset(self._self_gated())

    # -- building --
    def _add(self, element: Question | Group | Repeat, parent: Def | None) -> Def:
        d = Def(element=element, parent=parent, order=len(self.defs))
        self.defs.append(d)
        self.by_name[element.name].append(d)
        if not isinstance(element, Question):
            d.children = [self._add(child, d) for child in element.children]
        return d

    def _issue(self, d: Def, column: str, message: str, fix: str | None = None) -> None:
        sheet = d.element.source.sheet
        self._issues.append(FormIssue(message, file=self.questionnaire.file, sheet=sheet,
                                      row=d.element.source.row, column=column, fix=fix))

    def _compile(self, d: Def) -> None:
        element = d.element
        sources: dict[str, str | None] = {"relevant": element.relevant}
        if isinstance(element, Repeat):
            sources["repeat_count"] = element.repeat_count
        if isinstance(element, Question):
            for attr in _QUESTION_EXPRESSIONS:
                sources[attr] = getattr(element, attr)
            if element.default_is_expression:
                sources["default"] = element.default
            if element.list_name is not None and element.list_name not in \
                    self.questionnaire.choices:
                self._issue(d, "type", f"choice list '{element.list_name}' is not on the "
                            "choices sheet", "add the list to the choices sheet")
        for attr, text in sources.items():
            if text is None:
                continue
            expr = self._expression(d, attr, text)
            if expr is not None:
                d.exprs[attr] = expr
        for column, texts in self._texts(element).items():
            for text in texts.values():
                self._check_pipes(d, column, text)

    def _texts(self, element: Question | Group | Repeat) -> dict[str, Text]:
        texts = {"label": element.label}
        if isinstance(element, Question):
            texts.update(hint=element.hint, guidance_hint=element.guidance_hint,
                         constraint_message=element.constraint_message,
                         required_message=element.required_message,
                         warning_message=element.warning_message)
        return texts

    def _expression(self, d: Def, column: str, text: str) -> xpath.Expr | None:
        try:
            expr = xpath.compile_expr(text)
        except xpath.XPathSyntaxError as e:
            self._issue(d, column, f"{e.message}\n    {text}\n    {' ' * e.offset}^",
                        "correct the expression where the caret points")
            return None
        except xpath.XPathError as e:
            fix = "use a function that ODK supports (see README)" if "function" in \
                e.message and "takes" not in e.message else "correct the call"
            self._issue(d, column, f"{e.message} in '{text}'", fix)
            return None
        # every ${name}, also inside strings: jr:choice-name(x, '${q}') names a question
        for name in _PIPE.findall(text):
            self._check_ref(d, column, name.strip())
        root = self.questionnaire.root_name
        for first in _absolute_roots(expr.root):
            if first != root:
                self._issue(d, column, f"the path /{first}/... does not start at the form's "
                            f"root /{root} in '{text}'",
                            f"write /{root}/... or use ${{name}}")
        return expr

    def _check_ref(self, d: Def, column: str, name: str) -> None:
        targets = self.by_name.get(name)
        if not targets:
            self._issue(d, column, f"${{{name}}} names no question in the form",
                        "check the spelling of the name, or add the question")
        elif len(targets) > 1:
            self._issue(d, column, f"${{{name}}} is ambiguous: {len(targets)} elements are "
                        f"named '{name}'", "give the elements unique names")

    def _check_pipes(self, d: Def, column: str, text: str) -> None:
        for name in _PIPE.findall(text):
            self._check_ref(d, column, name.strip())

    # -- dependency graph --
    def _vertices_of(self, d: Def) -> list[Vertex]:
        out = [Vertex(REL, d)]
        if "calculation" in d.exprs:
            out.append(Vertex(CALC, d))
        if "repeat_count" in d.exprs:
            out.append(Vertex(COUNT, d))
        return out

    @cached_property
    def _dependents(self) -> dict[Def, list[Vertex]]:
        """element -> vertices whose expressions read that element's value."""
        deps: dict[Def, list[Vertex]] = defaultdict(list)
        for d in self.defs:
            for kind, attr in ((REL, "relevant"), (CALC, "calculation"), (COUNT, "repeat_count")):
                expr = d.exprs.get(attr)
                if expr is None:
                    continue
                context = d.parent if kind == COUNT and d.parent is not None else d
                for target in self.reads(expr, context):
                    if target is d:  # `.`: no cycle, but due when its own value changes
                        self._self_reads.setdefault(d, []).append(Vertex(kind, d))
                    else:
                        deps[target].append(Vertex(kind, d))
        return deps

    def _self_gated(self) -> set[Def]:
        """Groups and repeats whose relevance reads their own descendants. ODK Web Forms
        reads those descendants as blank (they are not relevant before the group is), so
        the group starts hidden; the engine does the same."""
        gated = set()
        for d in self.defs:
            expr = d.exprs.get("relevant")
            if d.is_container and expr is not None:
                inside = set(d.descendants())
                if self.reads(expr, d) & inside:
                    gated.add(d)
        return gated

    def reads(self, expr: xpath.Expr, context: Def) -> set[Def]:
        """The elements an expression reads, resolved statically where the path allows,
        by name otherwise (an over-approximation is safe: it only costs re-evaluation)."""
        out: set[Def] = set()
        _Reads(self, context, out).visit(expr.root)
        return out

    def _edges(self, v: Vertex) -> list[Vertex]:
        """What must be recomputed after v changes."""
        d = v.definition
        out: list[Vertex] = []
        if v.kind == REL:
            out.extend(Vertex(REL, c) for c in d.children)
            if "calculation" in d.exprs:  # skipped while hidden: due when shown again
                out.append(Vertex(CALC, d))
        ancestors = d.path[:-1]
        # A group whose relevance reads its own descendants (CHT's `inputs` group reads
        # ./source) would be a cycle through "hidden values read blank": it reads them as
        # they stand instead, so that edge is left out.
        out.extend(w for w in self._dependents.get(d, ())
                   if not (w.kind == REL and w.definition in ancestors))
        return out

    def _topological_order(self) -> dict[Vertex, int]:
        vertices = [v for d in self.defs for v in self._vertices_of(d)]
        indegree = dict.fromkeys(vertices, 0)
        for v in vertices:
            for w in self._edges(v):
                if w in indegree:
                    indegree[w] += 1
        # Document order among the ready vertices keeps the evaluation predictable.
        ready = [(_vertex_key(v), v) for v in vertices if indegree[v] == 0]
        heapq.heapify(ready)
        order: dict[Vertex, int] = {}
        while ready:
            _, v = heapq.heappop(ready)
            order[v] = len(order)
            for w in self._edges(v):
                if w in indegree:
                    indegree[w] -= 1
                    if indegree[w] == 0:
                        heapq.heappush(ready, (_vertex_key(w), w))
        if len(order) < len(vertices):
            self._report_cycle([v for v in vertices if v not in order])
        return order

    def _report_cycle(self, stuck: list[Vertex]) -> None:
        names = sorted({v.definition.name for v in stuck})
        first = min(stuck, key=_vertex_key)
        column = {REL: "relevant", CALC: "calculation", COUNT: "repeat_count"}[first.kind]
        self._issue(first.definition, column,
                    f"these elements depend on each other in a cycle: {', '.join(names[:8])}",
                    "break the cycle: an expression must not depend on its own result")
        raise FormError(self._issues)

    def affected_by(self, d: Def) -> tuple[Vertex, ...]:
        """Vertices to recompute, in order, after the value of `d` changes."""
        cached = self._affected.get(d)
        if cached is not None:
            return cached
        seen: set[Vertex] = set()
        stack = list(self._dependents.get(d, ())) + self._self_reads.get(d, [])
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            stack.extend(self._edges(v))
        result = tuple(sorted(seen, key=self.order.__getitem__))
        self._affected[d] = result
        return result

    @cached_property
    def all_vertices(self) -> tuple[Vertex, ...]:
        return tuple(sorted(self.order, key=self.order.__getitem__))

    # -- piping --
    def pipe_parts(self, text: str) -> tuple[str | xpath.Expr, ...]:
        """A label split into literal text and the `${x}` references to fill in."""
        parts = self._pipes.get(text)
        if parts is None:
            out: list[str | xpath.Expr] = []
            last = 0
            for m in _PIPE.finditer(text):
                out.append(text[last:m.start()])
                out.append(xpath.compile_expr("${" + m.group(1).strip() + "}"))
                last = m.end()
            out.append(text[last:])
            parts = tuple(p for p in out if p != "")
            self._pipes[text] = parts
        return parts

    def single(self, name: str) -> Def:
        return self.by_name[name][0]


class _Reads:
    """Walks an expression tree collecting the form elements it reads."""

    def __init__(self, form: CompiledForm, context: Def, out: set[Def]) -> None:
        self.form = form
        self.context = context
        self.out = out

    def visit(self, node: xast.Node) -> None:
        if isinstance(node, xast.Ref):
            self.out.update(self.form.by_name.get(node.name, ()))
        elif isinstance(node, xast.Call):
            for arg in node.args:
                self.visit(arg)
        elif isinstance(node, (xast.BinaryOp, xast.Union)):
            for operand in node.operands:
                self.visit(operand)
        elif isinstance(node, xast.Negate):
            self.visit(node.operand)
        elif isinstance(node, xast.Filter):
            self.visit(node.base)
            for predicate in node.predicates:
                self.visit(predicate)
        elif isinstance(node, xast.Path):
            self._path(node)

    def _path(self, path: xast.Path) -> None:
        for step in path.steps:
            for predicate in step.predicates:
                self.visit(predicate)
        start: Def | str | None
        if path.base is None:
            start = "root" if path.absolute else self.context
        elif isinstance(path.base, xast.Call) and path.base.name == "current" \
                and not path.base.args:
            start = self.context
        else:
            self.visit(path.base)  # instance('list')/...: reads no answers itself
            return
        self.out.update(self._resolve(start, path.steps))

    def _resolve(self, start: Def | str | None, steps: tuple[xast.Step, ...]) -> set[Def]:
        current: list[Def | str | None] = [start]
        for step in steps:
            nxt: list[Def | str | None] = []
            for node in current:
                resolved = self._step(node, step)
                if resolved is None:
                    return self._by_last_name(steps)
                nxt.extend(resolved)
            current = nxt
        return {d for d in current if isinstance(d, Def)}

    def _step(self, node: Def | str | None, step: xast.Step) -> list[Def | str | None] | None:
        """One step from an element, from "top" (the root element) or from "root" (the
        document); None when it cannot be followed statically."""
        if step.axis == "self":
            return [node]
        if step.axis == "parent":
            if isinstance(node, Def):
                return [node.parent if node.parent is not None else "top"]
            return ["root"] if node == "top" else None
        if step.axis != "child" or step.test in ("*", "node()"):
            return None
        if node == "root":
            return ["top"] if step.test == self.form.questionnaire.root_name else None
        children = self.form.top if node == "top" else \
            node.children if isinstance(node, Def) else []
        return [c for c in children if c.name == step.test] or None

    def _by_last_name(self, steps: tuple[xast.Step, ...]) -> set[Def]:
        for step in reversed(steps):
            if step.axis == "child" and step.test not in ("*", "node()"):
                return set(self.form.by_name.get(step.test.rsplit(":", 1)[-1], ()))
        return set()


def _absolute_roots(node: xast.Node) -> list[str]:
    """The first step of every absolute path in an expression (`/data/x` -> 'data')."""
    found: list[str] = []
    stack: list[xast.Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, xast.Path):
            if n.absolute and n.base is None and n.steps and n.steps[0].axis == "child" \
                    and n.steps[0].test not in ("*", "node()"):
                found.append(n.steps[0].test)
            if n.base is not None:
                stack.append(n.base)
            for step in n.steps:
                stack.extend(step.predicates)
        elif isinstance(n, xast.Call):
            stack.extend(n.args)
        elif isinstance(n, (xast.BinaryOp, xast.Union)):
            stack.extend(n.operands)
        elif isinstance(n, xast.Negate):
            stack.append(n.operand)
        elif isinstance(n, xast.Filter):
            stack.append(n.base)
            stack.extend(n.predicates)
    return found


def _vertex_key(v: Vertex) -> tuple[int, int]:
    return (v.definition.order, {REL: 0, COUNT: 1, CALC: 2}[v.kind])


def load_form(path: str | Path) -> CompiledForm:
    """Load an XLSForm and compile it; raise FormError with located issues."""
    from interviewer.questionnaire.xlsform import load_questionnaire  # pyxform: 0.25 s

    return CompiledForm(load_questionnaire(path))


__all__ = [
    "CALC",
    "COUNT",
    "REL",
    "CompiledForm",
    "Def",
    "QuestionType",
    "Vertex",
    "load_form",
]
