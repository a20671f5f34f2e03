"""Checking and compiling a campaign's templates before any candidate is read: every problem
with its file, line and a suggestion."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateError
from jinja2.visitor import NodeTransformer

from planner import sandbox_limits
from planner.config import Campaign
from planner.errors import ConfigError, problems_error
from planner.personalize.fields import (
    _ALLOWED_NODES,
    _COUNT_FILTER,
    _LOOP_ATTRS,
    _MARK_FILTER,
    _REFUSED,
    _RESERVED,
    _TRACK_FILTER,
    FIELD_NAMES,
    FILTERS,
    PERSON_FIELDS,
    ROLE_FIELDS,
    SENDER_FIELDS,
    TEMPLATE_FIELDS,
)
from planner.personalize.sandbox import _ENV


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What a validated template uses: person fields and `role.*`/`sender.*` fields."""

    person_fields: frozenset[str]
    campaign_fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Problem:
    line: int
    message: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class _Compiled:
    subject: Any
    body: Any
    subject_info: TemplateInfo
    body_info: TemplateInfo

    #: Person fields either template uses, in PERSON_FIELDS order.
    fields: tuple[str, ...]


def validate_templates(campaign: Campaign) -> None:
    """Check `message.subject`, `message.body` (or each variant's body and subject, when the
    message has variants) and each follow-up's body; raise ConfigError listing every problem.

    Needs only the campaign: call it before reading any candidate.
    """
    problems: list[str] = []
    for step, variant in message_choices(campaign):
        try:
            _compiled(campaign, step, variant)
        except ConfigError as exc:
            # The subject is the same in every step: report its problems once.
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise problems_error(problems, f"{campaign.file}: {{n}} problems in the message templates")


def template_info(
    campaign: Campaign, field: str, step: int = 0, variant: int | None = None
) -> TemplateInfo:
    """Fields that `message.<field>` ("subject" or "body"; the body of follow-up `step` when
    step > 0; variant `variant`'s, an index into message.variants) uses; raises ConfigError if
    invalid."""
    compiled = _compiled(campaign, step, variant)
    return compiled.subject_info if field == "subject" else compiled.body_info


def message_choices(campaign: Campaign) -> list[tuple[int, int | None]]:
    """Every (step, variant) whose templates a build may render: step 0 of each variant (or of
    the message itself), then each follow-up (shared by the variants, under the message's own
    subject; `render` gives a recipient their variant's subject)."""
    message = campaign.message
    first: list[tuple[int, int | None]] = (
        [(0, i) for i in range(len(message.variant_list))] if message.variants else [(0, None)]
    )
    return [*first, *((step, None) for step in range(1, message.steps))]


def body_field(step: int, variant: int | None = None) -> str:
    """Dotted key (under `message`) of the body of step `step`: body, variants[0].body,
    followups[0].body, ..."""
    if step == 0:
        return "body" if variant is None else f"variants[{variant}].body"
    return f"followups[{step - 1}].body"


def subject_field(campaign: Campaign, variant: int | None = None) -> str:
    """Dotted key (under `message`) of the subject variant `variant` uses: `subject`, or
    `variants[i].subject` when that variant has its own."""
    if variant is None or campaign.message.variant_list[variant].subject is None:
        return "subject"
    return f"variants[{variant}].subject"


def _key_path(field: str) -> tuple[str | int, ...]:
    """`followups[1].body` -> ("followups", 1, "body"); `body` -> ("body",)."""
    match = re.fullmatch(r"(followups|variants)\[(\d+)\]\.(body|subject)", field)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else (field,)


def _field_key(campaign: Campaign, field: str, step: int, variant: int | None) -> str:
    """The dotted key of template `field` ("subject" or "body") of (step, variant)."""
    return body_field(step, variant) if field == "body" else subject_field(campaign, variant)


def _compiled(campaign: Campaign, step: int = 0, variant: int | None = None) -> _Compiled:
    message = campaign.message
    try:
        return _compile_pair(message.subject_of(variant), message.body_of(step, variant))
    except _TemplateProblems as exc:
        # Like config.py: each problem carries its own "(hint: ...)".
        problems = [
            _format_problem(campaign, _field_key(campaign, field, step, variant), problem)
            for field, problem in exc.problems
        ]
        raise problems_error(
            problems, f"{campaign.file}: {{n}} problems in the message templates"
        ) from None


class _TemplateProblems(Exception):
    def __init__(self, problems: list[tuple[str, _Problem]]) -> None:
        super().__init__(f"{len(problems)} template problems")
        self.problems = problems


@lru_cache(maxsize=64)
def _compile_pair(subject: str, body: str) -> _Compiled:
    problems: list[tuple[str, _Problem]] = []
    compiled: dict[str, tuple[Any, TemplateInfo]] = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            compiled[field] = _compile_one(source, field)
        except _TemplateProblems as exc:
            problems.extend(exc.problems)
    if problems:
        raise _TemplateProblems(problems)
    used = compiled["subject"][1].person_fields | compiled["body"][1].person_fields
    return _Compiled(
        compiled["subject"][0],
        compiled["body"][0],
        compiled["subject"][1],
        compiled["body"][1],
        tuple(f for f in PERSON_FIELDS if f in used),
    )


_TAG = r"(?:\{%(?:(?!%\}).)*%\}|\{#(?:(?!#\}).)*#\})"
_STANDALONE = re.compile(rf"[ \t]*({_TAG}(?:[ \t]*{_TAG})*)[ \t]*")
_RAW = re.compile(r"\{%-?\s*(end)?raw\s*-?%\}")


def _standalone_tags(source: str) -> str:
    """A line holding only block tags disappears from the output, newline included.

    Inline tags keep the text around them as written ("in {{ city }}.{% endif %}" keeps its
    newline), unlike Jinja's trim_blocks. The newline moves into a comment, so line numbers in
    errors stay right.
    """
    out: list[str] = []
    in_raw = False
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = None if in_raw else _STANDALONE.fullmatch(body)
        raw_tags = list(_RAW.finditer(body))
        if raw_tags:
            in_raw = raw_tags[-1].group(1) is None
        if match is None or raw_tags:
            out.append(line)
            continue
        tags = "".join(re.findall(_TAG, body))
        newline = line[len(body) :]
        out.append(tags + "{#" + newline + "#}" if newline else tags)
    return "".join(out)


def _compile_one(source: str, field: str) -> tuple[Any, TemplateInfo]:
    try:
        ast = _ENV.parse(_standalone_tags(source))
    except TemplateSyntaxError as exc:
        raise _TemplateProblems(
            [(field, _Problem(exc.lineno or 1, f"template syntax error: {exc.message}"))]
        ) from None
    except RecursionError:  # `((((...))))` thousands deep: the parser is recursive
        raise _TemplateProblems(
            [(field, _Problem(1, "the template is nested too deeply to read"))]
        ) from None
    limits = [_Problem(line, message) for line, message in sandbox_limits.static_problems(ast)]
    if limits:  # checked first: the checks below walk the tree recursively
        raise _TemplateProblems([(field, p) for p in limits])
    problems, info = _check(ast)
    if problems:
        raise _TemplateProblems([(field, p) for p in problems])
    instrumented = sandbox_limits.LimitTransformer(_ENV).visit(
        _measure_personal(_Instrument().visit(ast))
    )
    try:
        code = _ENV.compile(instrumented, name=f"message.{field}")
        template = _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None)
    except TemplateError as exc:  # pragma: no cover - _check refuses what would fail here
        line = getattr(exc, "lineno", None) or 1
        raise _TemplateProblems([(field, _Problem(line, f"template error: {exc}"))]) from None
    except (SyntaxError, RecursionError) as exc:  # pragma: no cover - static_problems refuses
        raise _TemplateProblems(
            [(field, _Problem(1, f"the template cannot be compiled ({type(exc).__name__})"))]
        ) from None
    return template, info


def _check(ast: nodes.Template) -> tuple[list[_Problem], TemplateInfo]:
    """Every rule of the sandbox that can be checked without data; also what the template uses."""
    problems: list[_Problem] = []
    person: set[str] = set()
    campaign_fields: set[str] = set()
    stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param") and n.name}
    for name in sorted(stored & (set(TEMPLATE_FIELDS) | _RESERVED)):
        node = next(
            n for n in ast.find_all(nodes.Name) if n.name == name and n.ctx in ("store", "param")
        )
        problems.append(
            _Problem(node.lineno, f"cannot assign to '{name}': it is a template field name")
        )
    try:
        undeclared = meta.find_undeclared_variables(ast)
    except TemplateError:  # an unknown filter or test: reported below, names checked plainly
        loaded = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"}
        undeclared = loaded - stored - {"loop"}

    def visit(node: nodes.Node, parent: nodes.Node | None) -> None:
        if not isinstance(node, _ALLOWED_NODES):
            message = _REFUSED.get(type(node))
            if message is None:
                message = f"'{type(node).__name__}' is not allowed in message templates"
            problems.append(_Problem(node.lineno, message))
            return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            _check_name(node, parent, undeclared, problems, person)
        elif isinstance(node, nodes.Const) and node.value is None:
            problems.append(
                _Problem(
                    node.lineno,
                    "the literal 'none' is not allowed in message templates",
                    "test for empty values with {% if field %} or 'is none'",
                )
            )
        elif isinstance(node, nodes.Getattr | nodes.Getitem):
            key = node.attr if isinstance(node, nodes.Getattr) else None
            if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                key = node.arg.value if isinstance(node.arg.value, str) else None
            owner = node.node.name if isinstance(node.node, nodes.Name) else None
            unknown_owner = owner in undeclared and owner not in TEMPLATE_FIELDS
            if key is not None and not unknown_owner:
                _check_attr(node, key, problems, campaign_fields)
        elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
            near = difflib.get_close_matches(node.name, FILTERS, n=1)
            problems.append(
                _Problem(
                    node.lineno,
                    f"unknown filter '{node.name}'",
                    f"did you mean '{near[0]}'?" if near else "filters: " + ", ".join(FILTERS),
                )
            )
        elif isinstance(node, nodes.Test) and node.name not in _ENV.tests:
            problems.append(_Problem(node.lineno, f"unknown test '{node.name}'"))
        for child in node.iter_child_nodes():
            visit(child, node)

    visit(ast, None)
    problems.sort(key=lambda p: p.line)
    return problems, TemplateInfo(frozenset(person), frozenset(campaign_fields))


def _check_name(
    node: nodes.Name,
    parent: nodes.Node | None,
    undeclared: set[str],
    problems: list[_Problem],
    person: set[str],
) -> None:
    name = node.name
    if name in PERSON_FIELDS:
        person.add(name)
    elif name in ("role", "sender"):
        accessed = isinstance(parent, nodes.Getattr | nodes.Getitem) and parent.node is node
        if not accessed:
            fields = ROLE_FIELDS if name == "role" else SENDER_FIELDS
            problems.append(
                _Problem(
                    node.lineno,
                    f"'{name}' is a group of fields",
                    "use " + ", ".join(f"{name}.{f}" for f in fields),
                )
            )
    elif name in {"self", "super", "caller", "varargs", "kwargs"} or (
        name == "loop" and name in undeclared
    ):
        problems.append(_Problem(node.lineno, f"'{name}' is not available in message templates"))
    elif name in undeclared:
        problems.append(_Problem(node.lineno, f"unknown field '{name}'", _suggest(name)))


def _check_attr(
    node: nodes.Getattr | nodes.Getitem,
    attr: str,
    problems: list[_Problem],
    campaign_fields: set[str],
) -> None:
    owner = node.node.name if isinstance(node.node, nodes.Name) else None
    if attr.startswith("_"):
        problems.append(
            _Problem(
                node.lineno,
                f"access to '{attr}' is not allowed: Python internals are not available in"
                " message templates",
            )
        )
    elif owner in ("role", "sender"):
        fields = ROLE_FIELDS if owner == "role" else SENDER_FIELDS
        if attr in fields:
            campaign_fields.add(f"{owner}.{attr}")
        else:
            near = difflib.get_close_matches(attr, fields, n=1)
            hint = f"did you mean '{owner}.{near[0]}'?" if near else None
            if hint is None:
                hint = "fields: " + ", ".join(f"{owner}.{f}" for f in fields)
            problems.append(_Problem(node.lineno, f"unknown field '{owner}.{attr}'", hint))
    elif owner == "loop" and attr in _LOOP_ATTRS:
        pass
    elif owner in PERSON_FIELDS:
        problems.append(
            _Problem(
                node.lineno,
                f"'{owner}' has no field '{attr}'",
                "use filters such as | upper or | join(', ')",
            )
        )
    else:
        problems.append(
            _Problem(
                node.lineno,
                f"'.{attr}' is not allowed here: fields with parts are role.*, sender.* and loop.*",
            )
        )


def _suggest(name: str) -> str:
    """A "did you mean" hint for an unknown field name."""
    squashed = {f.replace("_", "").replace(".", ""): f for f in FIELD_NAMES}
    key = name.lower().replace("_", "").replace("-", "")
    if key in squashed:
        return f"did you mean '{squashed[key]}'?"
    suffix = [f for f in FIELD_NAMES if f.endswith(("." + name, "_" + name))]
    near = suffix or difflib.get_close_matches(name, FIELD_NAMES, n=1, cutoff=0.6)
    if near:
        return "did you mean " + " or ".join(f"'{n}'" for n in near[:2]) + "?"
    return "fields: " + ", ".join(FIELD_NAMES)


class _Instrument(NodeTransformer):
    """Wrap every person-field lookup in the tracking filter (evaluated only when reached)."""

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name in PERSON_FIELDS:
            wrapped = nodes.Filter(
                node, _TRACK_FILTER, [nodes.Const(node.name)], [], None, None, lineno=node.lineno
            )
            return wrapped.set_environment(_ENV)
        return node


def _mentions(node: nodes.Node, names: set[str]) -> bool:
    return any(n.name in names for n in node.find_all(nodes.Name) if n.ctx == "load") or (
        isinstance(node, nodes.Name) and node.ctx == "load" and node.name in names
    )


def _derived_names(ast: nodes.Template) -> set[str]:
    """Template variables set from person fields ({% for s in matched_skills %}, {% set %})."""
    personal = set(PERSON_FIELDS)
    while True:
        found: set[str] = set()
        for node in ast.find_all((nodes.For, nodes.Assign, nodes.AssignBlock, nodes.With)):
            pairs: list[tuple[nodes.Node, Sequence[nodes.Node]]] = []
            if isinstance(node, nodes.For):
                pairs.append((node.target, [node.iter]))
            elif isinstance(node, nodes.Assign):
                pairs.append((node.target, [node.node]))
            elif isinstance(node, nodes.AssignBlock):
                pairs.append((node.target, node.body))
            elif isinstance(node, nodes.With):
                pairs.extend((t, [v]) for t, v in zip(node.targets, node.values, strict=False))
            for target, sources in pairs:
                if any(_mentions(src, personal) for src in sources):
                    targets = [target] if isinstance(target, nodes.Name) else []
                    found.update(n.name for n in (*targets, *target.find_all(nodes.Name)) if n.name)
        if found <= personal:
            return personal - set(PERSON_FIELDS)
        personal |= found


def _measure_personal(ast: nodes.Template) -> nodes.Template:
    """Wrap each printed expression that may be personal in the `_mark`/`_count` filters."""
    derived = _derived_names(ast)
    watched = set(PERSON_FIELDS) | derived
    for output in ast.find_all(nodes.Output):
        wrapped: list[nodes.Node] = []
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData) or not _mentions(node, watched):
                wrapped.append(node)
                continue
            mark = nodes.Filter(nodes.Const(0), _MARK_FILTER, [], [], None, None)
            count = nodes.Filter(
                mark,
                _COUNT_FILTER,
                [node, nodes.Const(_mentions(node, derived))],
                [],
                None,
                None,
                lineno=node.lineno,
            )
            wrapped.append(count.set_environment(_ENV))
        output.nodes = wrapped  # type: ignore[assignment]
    return ast


def _format_problem(campaign: Campaign, field: str, problem: _Problem) -> str:
    where = _where(campaign, field, problem.line)
    text = f"{where}: {problem.message}"
    return f"{text} (hint: {problem.hint})" if problem.hint else text


def _where(campaign: Campaign, field: str, template_line: int) -> str:
    """`file:line: message.body (template line N)`; the file line is exact for `body: |`."""
    path = _key_path(field)
    key_line = campaign.line_of("message", *path)
    where = f"{campaign.file}: message.{field}"
    if key_line is not None:
        raw = _raw_line(campaign, key_line)
        name = re.escape(str(path[-1]))
        exact = re.match(rf"^\s*(?:-\s*)?{name}\s*:\s*\|[-+0-9]*\s*(?:#.*)?$", raw)
        where = (
            f"{campaign.file}:{key_line + template_line if exact else key_line}: message.{field}"
        )
    return f"{where} (template line {template_line})"


def _raw_line(campaign: Campaign, line: int) -> str:
    try:
        lines = campaign.file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return lines[line - 1] if 0 < line <= len(lines) else ""
