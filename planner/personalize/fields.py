"""The names templates may use (person, role and sender fields, filters), the template
constructs allowed and refused, the display tables; and what a render returns (`Rendered`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from jinja2 import nodes

from planner.contract import SEND_LIST_COLUMNS
from planner.normalize import _data

#: Person fields (SPEC 7), in send-list order, then `best_cue` (not a send-list column). These
#: count as "personal".
PERSON_FIELDS: Final[tuple[str, ...]] = (
    *SEND_LIST_COLUMNS[
        SEND_LIST_COLUMNS.index("first_name") : SEND_LIST_COLUMNS.index("reasons") + 1
    ],
    # Not send-list columns: the profile headline, for messages over exports without a title.
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
