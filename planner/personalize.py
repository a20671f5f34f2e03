"""Personalization: per-recipient fields and the sandboxed message templates (SPEC 7).

`message.subject` and `message.body` are Jinja2 templates rendered in a sandbox:

* The names a template may use are the fields below; anything else is an error when the campaign
  is validated, before any candidate is read (`validate_templates`). Errors name the campaign
  file, the line and suggest the nearest field ("did you mean 'first_name'?").
* No Python internals and no code: attributes starting with `_`, function and method calls,
  macros, `{% include/import/extends %}`, `**`, the literal `none` and the default globals
  (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict`) are refused at validation; only
  a short list of filters is available (`FILTERS`). Rendering runs in Jinja's
  `ImmutableSandboxedEnvironment` as a second line of defence, where `*` cannot build texts or
  lists longer than 1000 items and `%` string formatting is refused (ConfigError naming the
  template). Every render has a budget (output length, loop iterations, intermediate sizes),
  enforced while it runs: see `planner.sandbox_limits`.
* A line holding only `{% ... %}` tags disappears from the output; tags inside a line keep the
  text around them as written (unlike Jinja's trim_blocks, which eats the newline after
  "{% endif %}" at the end of a sentence).
* An empty person field (None, "", [], NaN, a placeholder such as "n/a") is falsy in
  `{% if %}` and replaced by `| default("...")` -- the plain `default` filter is enough, because
  empty values are represented as undefined, so it behaves like `default(..., true)`. Printed
  without a fallback it makes the recipient `ok=False` ("first_name is empty"): nobody is sent
  "Hi ," or "Hi None,". Any other expression that prints nothing, None or NaN is refused too.
* `personal_fields` counts the distinct person fields (everything except `role.*` and
  `sender.*`) that the render actually evaluated with a non-empty value; a field in an
  `{% if %}` branch that was not taken does not count. Fewer than
  `message.min_personal_fields` makes the recipient `ok=False`.
* `personal_share` is the share of the body's characters printed by expressions that use a
  person field with a value (or a variable set from one, e.g. the `s` of
  `{% for s in matched_skills %}`): the part of the message that differs between recipients.
  Static text, `role.*`/`sender.*` and fallbacks of empty fields (`| default("there")`, the same
  for everyone) are not personal. "Hi {{ first_name }}," for Jane is 4/8 = 0.5.

Values as templates see them (the send list keeps the raw values):

* `first_name`, `last_name`, `full_name`: cleaned by `planner.normalize.names` from the raw values.
* `country`: the ISO alpha-2 code becomes the country's common name ("DE" -> "Germany").
* `matched_skills`, `top_skill`: display spelling ("postgresql" -> "PostgreSQL"); a list prints
  as "Kafka, Flink" (or `| human_join` -> "Kafka and Flink", `| join(" / ")`).
* `years_experience`: 12.0 prints as "12"; `fit_score` is rounded to 2 decimals.
* `best_cue`: the most telling thing about this person in this build (see `pipeline`'s
  _BEST_CUE_SQL): their matched skill that the fewest of the campaign's recipients share (display
  spelling: "Flink"), else the rarest word of their title, else the rarest phrase of their
  headline; empty when they have none.
* `reasons`: short human phrases ("Kafka and Flink", "Berlin, 12 km", "Senior"), taken from the
  recipient or computed by `reasons_for`.

Templates are compiled once per (subject, body) and cached; rendering is plain Python per final
recipient.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, NoReturn

import pycountry
from jinja2 import TemplateSyntaxError, meta, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateError, TemplateRuntimeError, UndefinedError
from jinja2.runtime import Context, StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from planner import sandbox_limits
from planner.config import Campaign
from planner.errors import ConfigError
from planner.normalize import _data
from planner.normalize.names import CleanName, clean_name

#: Person fields (SPEC 7), in send-list order, then `best_cue` (not a send-list column). These
#: count as "personal".
PERSON_FIELDS: Final[tuple[str, ...]] = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "profile_url",
    "current_title",
    "current_company",
    "city",
    "country",
    "seniority",
    "years_experience",
    "matched_skills",
    "top_skill",
    "fit_score",
    "reasons",
    # Not a send-list column: the profile headline, for messages over exports without a title.
    "headline",
    "best_cue",
)
#: Attributes of `role` and `sender` (from the campaign file; not personal).
ROLE_FIELDS: Final[tuple[str, ...]] = ("title", "company", "location", "url", "pitch")
SENDER_FIELDS: Final[tuple[str, ...]] = ("id", "name", "email")
#: Every top-level name a template may use.
TEMPLATE_FIELDS: Final[tuple[str, ...]] = (*PERSON_FIELDS, "role", "sender")
#: Every field with its dotted name, for documentation and suggestions.
FIELD_NAMES: Final[tuple[str, ...]] = (
    *PERSON_FIELDS,
    *(f"role.{f}" for f in ROLE_FIELDS),
    *(f"sender.{f}" for f in SENDER_FIELDS),
)
#: Fields that name the recipient (a greeting must use one of them).
NAME_FIELDS: Final[tuple[str, ...]] = ("first_name", "last_name", "full_name")
#: Filters available in templates.
FILTERS: Final[tuple[str, ...]] = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "human_join",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
)

_LOOP_ATTRS: Final = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "previtem",
        "nextitem",
        "depth",
        "depth0",
    }
)
_RESERVED: Final = frozenset({"self", "super", "caller", "varargs", "kwargs", "loop"})
_TRACK: Final = "_planner_used"
_TRACK_FILTER: Final = "_planner_use"
#: personal_share instrumentation: the context's [non-empty person lookups, personal chars].
_PERSONAL: Final = "_planner_personal"
_MARK_FILTER: Final = "_planner_mark"
_COUNT_FILTER: Final = "_planner_count"
_MAX_REPEAT: Final = 1000
_PLACEHOLDERS: Final = frozenset({"none", "null", "nan", "n/a", "undefined"})

_ALLOWED_NODES: Final[tuple[type[nodes.Node], ...]] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.For,
    nodes.Assign,
    nodes.AssignBlock,
    nodes.With,
    nodes.FilterBlock,
    nodes.Scope,
    nodes.Name,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Concat,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
)
_REFUSED: Final[dict[type[nodes.Node], str]] = {
    nodes.Call: "function and method calls are not allowed in message templates"
    " (use filters such as | upper or | join(', '))",
    nodes.Macro: "macros are not allowed in message templates",
    nodes.CallBlock: "{% call %} blocks are not allowed in message templates",
    nodes.Include: "{% include %} is not allowed: a message template is self-contained",
    nodes.Import: "{% import %} is not allowed: a message template is self-contained",
    nodes.FromImport: "{% from ... import %} is not allowed: a message template is self-contained",
    nodes.Extends: "{% extends %} is not allowed: a message template is self-contained",
    nodes.Block: "{% block %} is not allowed in message templates",
    nodes.Pow: "the ** operator is not allowed in message templates",
}


_SKILL_NAMES: Final = _data.pairs("personalize_skill_names.txt")
_COUNTRY_NAMES: Final = _data.pairs("personalize_country_names.txt")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Rendered:
    """One recipient's message. `ok=False`: not sendable, `detail` says why (no candidate data).

    `first_name`/`last_name`/`full_name` are the cleaned names and `reasons` the phrases the
    template saw, for the send list.
    """

    subject: str
    message: str
    personal_fields: int
    ok: bool
    detail: str | None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    reasons: tuple[str, ...] = ()
    personal_share: float = 0.0


# --------------------------------------------------------------------------- sandbox


class _EmptyFieldError(UndefinedError):
    """An empty field was printed (or iterated, indexed, ...) without a fallback."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is empty")
        self.field = field


class _EmptyField(Undefined):
    """The value of an empty field: falsy, replaced by `default`, and refused when printed,
    iterated, indexed or computed with (each raises _EmptyFieldError naming the field)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        return self._undefined_name or "a field"

    def __str__(self) -> str:
        self._fail_with_undefined_error()

    def __iter__(self) -> NoReturn:
        self._fail_with_undefined_error()


class _EmptyOutput(Exception):
    """An expression printed nothing, None or NaN."""


_EMPTY: Final = {f: _EmptyField(name=f, exc=_EmptyFieldError) for f in FIELD_NAMES}


def _finalize(value: Any) -> Any:
    """Every `{{ ... }}` passes here: refuse empty output and Python objects, format numbers."""
    if isinstance(value, Undefined):
        return value  # str() raises: _EmptyField names the field, StrictUndefined the problem
    if isinstance(value, str):
        if not value.strip():
            raise _EmptyOutput
        return value
    if isinstance(value, bool) or value is None:
        raise _EmptyOutput  # "True"/"None" in a message is a template bug
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, list | tuple):
        if not value:
            raise _EmptyOutput
        return ", ".join(str(_finalize(v)) for v in value)
    raise SecurityError(f"a template expression printed a {type(value).__name__} object")


def _format_number(value: float) -> int | float:
    if math.isnan(value) or math.isinf(value):
        raise _EmptyOutput
    if value.is_integer():
        return int(value)
    return round(value, 2)


def _human_join(value: Iterable[Any], word: str = "and") -> str:
    """["Kafka", "Flink", "Spark"] -> "Kafka, Flink and Spark"."""
    items = [str(v) for v in value]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


@pass_context
def _track(context: Context, value: Any, field: str) -> Any:
    """Inserted around every person-field lookup: records the fields used with a value."""
    if not isinstance(value, Undefined):
        used = context.parent.get(_TRACK)
        if isinstance(used, set):
            used.add(field)
        counter = context.parent.get(_PERSONAL)
        if isinstance(counter, list):
            counter[0] += 1
    return value


@pass_context
def _mark(context: Context, _value: Any) -> int:
    """Before a personal expression: how many non-empty person lookups happened so far."""
    counter = context.parent.get(_PERSONAL)
    return counter[0] if isinstance(counter, list) else 0


@pass_context
def _count(context: Context, before: int, value: Any, derived: bool) -> Any:
    """After it: its printed characters count as personal when it looked up a person field with
    a value (or uses a variable set from one, `derived`). Prints exactly what finalize would."""
    if isinstance(value, Undefined):
        return value
    # A text passes as is (finalize still sees it and refuses a blank one); others as printed.
    text = value if type(value) is str else str(_finalize(value))
    counter = context.parent.get(_PERSONAL)
    if isinstance(counter, list) and (derived or counter[0] > before):
        counter[1] += len(text)
    return text


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, no globals, few filters, and `*` that cannot blow up."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the ** operator is not allowed in message templates")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting is not allowed in message templates")
        for seq, count in ((left, right), (right, left)):
            if (
                isinstance(seq, str | list | tuple)
                and isinstance(count, int)
                and len(seq) * count > _MAX_REPEAT
            ):
                raise SecurityError("'*' would build a very long text or list")
        sandbox_limits.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)


def _make_env() -> _Sandbox:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=sandbox_limits.counting_finalize(_finalize),
        trim_blocks=False,  # see _standalone_tags
        lstrip_blocks=False,
        keep_trailing_newline=False,
        auto_reload=False,
        cache_size=0,
    )
    env.globals.clear()
    filters = {name: env.filters[name] for name in FILTERS if name in env.filters}
    filters["human_join"] = _human_join
    filters = sandbox_limits.guard_filters(filters)
    filters[_TRACK_FILTER] = _track
    filters[_MARK_FILTER] = _mark
    filters[_COUNT_FILTER] = _count
    env.filters = filters
    env.tests = {k: v for k, v in env.tests.items() if k not in {"callable", "sameas", "filter"}}
    return env


_ENV: Final = _make_env()


# --------------------------------------------------------------------------- validation


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
        raise ConfigError(
            problems[0]
            if len(problems) == 1
            else f"{campaign.file}: {len(problems)} problems in the message templates",
            problems=problems,
        )


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
        raise ConfigError(
            problems[0]
            if len(problems) == 1
            else f"{campaign.file}: {len(problems)} problems in the message templates",
            problems=problems,
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


# --------------------------------------------------------------------------- values


@lru_cache(maxsize=4096)
def display_skill(skill: str) -> str:
    """How a normalized skill reads in a message: "postgresql" -> "PostgreSQL"."""
    key = skill.strip().lower()
    if key in _SKILL_NAMES:
        return _SKILL_NAMES[key]
    if key.isalpha() and key.isascii() and skill == key:
        return key.upper() if len(key) <= 3 else key.capitalize()
    return skill.strip()


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """Common English name of an ISO 3166-1 alpha-2 code ("DE" -> "Germany"); else as given."""
    key = code.strip().upper()
    if key in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[key]
    country = pycountry.countries.get(alpha_2=key) if len(key) == 2 else None
    if country is None:
        return code.strip()
    common = getattr(country, "common_name", None)
    return str(common) if common else str(country.name).split(",")[0]


_LEVEL_NAMES: Final = {"vp": "VP"}


def reasons_for(
    matched_skills: Sequence[str] | None = None,
    *,
    city: str | None = None,
    distance_km: float | None = None,
    country: str | None = None,
    seniority: str | None = None,
    max_skills: int = 3,
) -> list[str]:
    """Short human phrases saying why someone fits: ["Kafka and Flink", "Berlin, 12 km", "Senior"].

    Skills come first (at most `max_skills`, then "and N more"), then where (the matched city
    with its distance, else the city, else the country) and the seniority level.
    """
    reasons: list[str] = []
    skills = [display_skill(s) for s in matched_skills or () if _text(s)]
    if skills:
        shown = skills[:max_skills]
        rest = len(skills) - len(shown)
        reasons.append(_human_join([*shown, f"{rest} more"] if rest else shown))
    place = _text(city)
    distance = _number(distance_km)
    if place and distance is not None:
        reasons.append(f"{place}, {round(distance)} km")
    elif place:
        reasons.append(place)
    elif _text(country):
        reasons.append(country_name(_text(country)))
    level = _text(seniority)
    if level:
        reasons.append(_LEVEL_NAMES.get(level.lower(), level.capitalize()))
    return reasons


def _text(value: object) -> str:
    """A stripped string, or "" for None, NaN and placeholders ("n/a", "null", ...)."""
    if not isinstance(value, str):
        if (
            value is None
            or isinstance(value, bool)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            return ""
        if isinstance(value, list | tuple | set | frozenset | dict):
            return ", ".join(t for t in (_text(v) for v in value) if t)
        value = str(value)
    text = value.strip()
    return "" if len(text) <= 9 and text.lower() in _PLACEHOLDERS else text


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _strings(value: object) -> list[str]:
    if value is None or isinstance(value, str | float | int):
        text = _text(value)
        return [s.strip() for s in re.split(r"[;|]", text) if s.strip()] if text else []
    if isinstance(value, Iterable):
        return [t for t in (_text(v) for v in value) if t]
    return []


def _or_empty(value: Any, field: str) -> Any:
    return _EMPTY[field] if value is None or value == "" or value == [] else value


def recipient_values(
    recipient: Mapping[str, Any],
    fields: Iterable[str] = PERSON_FIELDS,
    names: CleanName | None = None,
) -> dict[str, Any]:
    """Person fields as templates see them (empty ones undefined); see the module docstring."""
    if names is None:
        names = clean_name(
            recipient.get("first_name"), recipient.get("last_name"), recipient.get("full_name")
        )
    out: dict[str, Any] = {}
    for field in fields:
        value = _VALUES[field](recipient, names)
        out[field] = _EMPTY[field] if value is None or value == "" or value == [] else value
    return out


def _skills(recipient: Mapping[str, Any]) -> list[str]:
    return _strings(recipient.get("matched_skills"))


def _top_skill(recipient: Mapping[str, Any]) -> str:
    top = _text(recipient.get("top_skill"))
    if not top:
        skills = _skills(recipient)
        top = skills[0] if skills else ""
    return display_skill(top) if top else ""


def _country(recipient: Mapping[str, Any]) -> str:
    code = _text(recipient.get("country"))
    return country_name(code) if code else ""


def _years(recipient: Mapping[str, Any]) -> int | float | None:
    years = _number(recipient.get("years_experience"))
    return None if years is None else _format_number(years)


def _score(recipient: Mapping[str, Any]) -> float | None:
    score = _number(recipient.get("fit_score"))
    return None if score is None else round(score, 2)


def _best_cue(recipient: Mapping[str, Any]) -> str:
    cue = _text(recipient.get("best_cue"))
    return display_skill(cue) if cue and recipient.get("best_cue_kind") == 0 else cue


def recipient_reasons(recipient: Mapping[str, Any]) -> list[str]:
    """The recipient's `reasons`, or `reasons_for` its skills, matched city and seniority."""
    given = recipient.get("reasons")
    if given is not None:
        return _strings(given)
    return reasons_for(
        _skills(recipient),
        city=recipient.get("nearest_city") or recipient.get("city"),
        distance_km=recipient.get("distance_km"),
        country=_text(recipient.get("country")),
        seniority=recipient.get("seniority"),
    )


def _plain(key: str) -> Callable[[Mapping[str, Any], CleanName], str]:
    return lambda r, _names: _text(r.get(key))


_VALUES: Final[dict[str, Callable[[Mapping[str, Any], CleanName], Any]]] = {
    "first_name": lambda _r, names: names.first,
    "last_name": lambda _r, names: names.last,
    "full_name": lambda _r, names: names.full,
    "email": _plain("email"),
    "profile_url": _plain("profile_url"),
    "current_title": _plain("current_title"),
    "current_company": _plain("current_company"),
    "city": _plain("city"),
    "country": lambda r, _names: _country(r),
    "seniority": _plain("seniority"),
    "years_experience": lambda r, _names: _years(r),
    "matched_skills": lambda r, _names: [display_skill(s) for s in _skills(r)],
    "top_skill": lambda r, _names: _top_skill(r),
    "fit_score": lambda r, _names: _score(r),
    "reasons": lambda r, _names: recipient_reasons(r),
    "headline": _plain("headline"),
    "best_cue": lambda r, _names: _best_cue(r),
}
assert set(_VALUES) == set(PERSON_FIELDS)


def _campaign_values(campaign: Campaign) -> dict[str, dict[str, Any]]:
    role = {f: _or_empty(_text(getattr(campaign.role, f)), f"role.{f}") for f in ROLE_FIELDS}
    sender = {
        f: _or_empty(_text(getattr(campaign.sender, f)), f"sender.{f}") for f in SENDER_FIELDS
    }
    return {"role": role, "sender": sender}


def sample_recipient(campaign: Campaign) -> dict[str, Any]:
    """Typical raw values of one recipient of this campaign (for lint and previews).

    Skills are matched only against the campaign's skills, so a campaign without
    `audience.skills` gets a sample without matched skills, as its recipients will be.
    """
    skills = [*campaign.audience.skills.all, *campaign.audience.skills.any][:3]
    titles = campaign.audience.titles.include
    title = titles[0].title() if titles else campaign.role.title
    return {
        "first_name": "Alex",
        "last_name": "Example",
        "full_name": "Alex Example",
        "email": "alex.example@example.com",
        "profile_url": "https://www.linkedin.com/in/alex-example",
        "current_title": title,
        "current_company": "Example Systems",
        "headline": f"{title} at Example Systems",
        "city": "Berlin",
        "country": "DE",
        "seniority": "senior",
        "years_experience": 8.0,
        "matched_skills": skills,
        "top_skill": skills[0] if skills else None,
        "best_cue": skills[-1] if skills else None,
        "best_cue_kind": 0,
        "fit_score": 0.82,
        "distance_km": 12.0,
        "nearest_city": "Berlin",
    }


#: Input columns (canonical fields, SPEC 3) each person field is made from; a field whose
#: columns no input file has is empty for every recipient. `fit_score` and `reasons` are
#: computed, so they are always available.
FIELD_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "first_name": ("first_name", "full_name"),
    "last_name": ("last_name", "full_name"),
    "full_name": ("full_name", "first_name", "last_name"),
    "email": ("email",),
    "profile_url": ("profile_url",),
    "current_title": ("title",),
    "current_company": ("company",),
    "city": ("city", "location"),
    "country": ("country", "location", "city", "region"),
    "seniority": ("title", "years_experience"),
    "years_experience": ("years_experience",),
    "matched_skills": ("skills",),
    "top_skill": ("skills",),
    "headline": ("headline",),
}


def unavailable_fields(campaign: Campaign, columns: Iterable[str]) -> dict[str, str]:
    """Person fields that are empty for every recipient, given the canonical columns that the
    campaign's input files have (union over the files), with why: field -> "no input file has a
    skills column".

    `matched_skills`/`top_skill` are also unavailable when the campaign lists no skills (they
    hold the campaign's skills a person has).
    """
    have = frozenset(columns)
    out: dict[str, str] = {}
    has_skills = bool(
        campaign.audience.skills.all
        or campaign.audience.skills.any
        or campaign.audience.skills.nice
    )
    for field, sources in FIELD_SOURCES.items():
        if not have.intersection(sources):
            out[field] = "no input file has a " + " or ".join(sources) + " column"
        elif field in ("matched_skills", "top_skill") and not has_skills:
            out[field] = "the campaign lists no audience.skills"
    return out


def render_without(campaign: Campaign, fields: Iterable[str]) -> Rendered:
    """The sample recipient rendered with `fields` empty (lint: what every recipient gets when
    the input files lack those columns)."""
    sample = sample_recipient(campaign)
    for field in fields:
        sample[field] = None
        if field in ("matched_skills", "top_skill"):
            sample["matched_skills"] = sample["top_skill"] = None
        if field in ("city", "country"):
            sample["nearest_city"] = sample["distance_km"] = None
    return render(campaign, [sample])[0]


# --------------------------------------------------------------------------- rendering


_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


def render(
    campaign: Campaign,
    recipients: Sequence[Mapping[str, Any]],
    *,
    min_personal_fields: int | None = None,
    step: int = 0,
    variant: int | None = None,
) -> list[Rendered]:
    """Render subject and body for each recipient (raw person fields, see `recipient_values`).

    `step` > 0 renders follow-up `step` (`message.followups[step-1].body`) instead of the body,
    with the same fields and sandbox; the subject is the campaign's either way. `variant` (an
    index into `message.variants`) renders that variant's subject, and at step 0 its body.
    `min_personal_fields` overrides the campaign's minimum (lint renders samples with 0).
    Raises ConfigError when the templates are invalid (nothing is rendered then).
    """
    compiled = _compiled(campaign, step, variant)
    fixed = _campaign_values(campaign)
    minimum = (
        campaign.message.min_personal_fields if min_personal_fields is None else min_personal_fields
    )
    try:
        return [_render_one(compiled, fixed, minimum, r) for r in recipients]
    except _SandboxStop as exc:
        field = _field_key(campaign, exc.field, step, variant)
        where = (
            _where(campaign, field, exc.line)
            if exc.line
            else campaign.where("message", *_key_path(field))
        )
        raise ConfigError(
            f"{where}: the template was stopped by the sandbox: {exc.reason}",
            hint="simplify the template; see docs/lint.md, 'Templates and empty fields'",
        ) from exc.__cause__


def _render_one(
    compiled: _Compiled, fixed: dict[str, Any], minimum: int, recipient: Mapping[str, Any]
) -> Rendered:
    clean = clean_name(
        recipient.get("first_name"), recipient.get("last_name"), recipient.get("full_name")
    )
    values = recipient_values(recipient, compiled.fields, clean)
    used: set[str] = set()
    reasons = values.get("reasons")
    reason_tuple = tuple(reasons if isinstance(reasons, list) else recipient_reasons(recipient))

    def failed(detail: str) -> Rendered:
        return Rendered(
            "", "", len(used), False, detail, clean.first, clean.last, clean.full, reason_tuple
        )

    personal = [0, 0]  # see _count: lookups with a value, personal characters of the body
    context = {**values, **fixed, _TRACK: used, _PERSONAL: personal}
    try:
        subject = _SPACES.sub(" ", _run(compiled.subject, context, "subject")).strip()
        personal[1] = 0
        body = _run(compiled.body, context, "body")
    except _EmptyFieldError as exc:
        return failed(f"{exc.field} is empty")
    except _EmptyOutput:
        return failed("a template expression prints nothing (use {% if %} or | default)")
    except UndefinedError as exc:
        return failed(f"template refers to a missing value: {exc.message}")
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        return failed(f"template failed: {type(exc).__name__}")
    if " \n" in body or "\t\n" in body or "\n\n\n" in body:
        body = _MANY_BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", body))
    body = body.strip()
    if not subject or not body:
        return failed("the subject is empty" if not subject else "the message is empty")
    count = len(used)
    if count < minimum:
        plural = "field" if count == 1 else "fields"
        return failed(f"uses {count} personal {plural}, needs {minimum}")
    share = round(min(1.0, personal[1] / len(body)), 4)
    return Rendered(
        subject,
        body,
        count,
        True,
        None,
        clean.first,
        clean.last,
        clean.full,
        reason_tuple,
        share,
    )


class _SandboxStop(Exception):
    """The sandbox refused an operation while rendering `field` (same for every recipient)."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.line = line


def _run(template: Any, context: dict[str, Any], field: str) -> str:
    """Render one field under a fresh budget (`planner.sandbox_limits`)."""
    render_func: Callable[[Context], Iterator[str]] = template.root_render_func
    try:
        with sandbox_limits.budget():
            return sandbox_limits.collect(render_func(template.new_context(context)), template)
    except SecurityError as exc:
        line = sandbox_limits.template_line(exc, template)
        raise _SandboxStop(field, str(exc), line) from exc
    except TemplateRuntimeError as exc:
        if isinstance(exc, UndefinedError):
            raise  # an empty or unknown field: the recipient's problem, see _render_one
        # A filter refused its arguments (e.g. `reverse` of a number): the template's problem.
        line = sandbox_limits.template_line(exc, template)
        raise _SandboxStop(field, exc.message or type(exc).__name__, line) from exc
