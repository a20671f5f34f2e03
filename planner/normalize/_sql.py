"""Composing SQL fragments with positional parameters, so values never land in SQL text.

A fragment is `(sql, params)`: `sql` holds one `?` per entry of `params`, in textual order.
`fmt` builds a fragment from a template whose `{}` slots take either a fragment (inlined with its
parameters) or a `Param` (becomes `?`). Because the parameters follow the slots left to right,
a fragment can be embedded any number of times and the order stays right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from planner.duck import quote_ident

#: A SQL expression with its bound values: the public shape of every `*_sql` function.
Sql = tuple[str, list[Any]]

#: What the `*_sql` functions accept: a parameter-free SQL expression (usually a column name)
#: or a fragment with its parameters.
Expr = str | tuple[str, Sequence[Any]]


@dataclass(frozen=True)
class Param:
    """A value to bind at a `{}` slot."""

    value: Any


def as_sql(expr: Expr) -> Sql:
    """Normalize an `Expr` to a `(sql, params)` fragment."""
    if isinstance(expr, str):
        return expr, []
    sql, params = expr
    return sql, list(params)


def fmt(template: str, *parts: Expr | Param) -> Sql:
    """Fill the `{}` slots of `template` with fragments or bound values, in order."""
    pieces = template.split("{}")
    if len(pieces) != len(parts) + 1:
        raise ValueError(f"template has {len(pieces) - 1} slots but {len(parts)} parts were given")
    if "?" in _LITERAL.sub("", template):
        raise ValueError("templates bind values through Param slots, not a bare '?'")
    out = [pieces[0]]
    params: list[Any] = []
    for part, tail in zip(parts, pieces[1:], strict=True):
        if isinstance(part, Param):
            out.append("?")
            params.append(part.value)
        else:
            sql, ps = as_sql(part)
            out.append(f"({sql})")
            params.extend(ps)
        out.append(tail)
    return "".join(out), params


#: The lambda variable `let` binds; no column of ours has this name.
LET_VAR = "planner_let_v"


def let(value: Expr, body: Expr) -> Sql:
    """`body` evaluated with `LET_VAR` bound to `value`, which is computed once.

    DuckDB hoists a sub-expression used several times out of CASE/COALESCE branches and then
    computes it for every row, even where the branch is never taken. Wrapping the branch in a
    lambda keeps its work lazy.
    """
    return fmt("list_transform([{}], lambda " + LET_VAR + ": {})[1]", value, body)


_LITERAL = re.compile(r"'(?:[^']|'')*'")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_SLOT = re.compile(r"'(?:[^']|'')*'|\?")


def named(fragment: Sql, bind: Callable[[Any], str]) -> str:
    """The fragment's SQL with each `?` replaced by `bind(value)` (e.g. a `$name` placeholder of
    a query that binds by name); string literals are left alone."""
    sql, params = fragment
    values = iter(params)

    def slot(m: re.Match[str]) -> str:
        return bind(next(values)) if m.group(0) == "?" else m.group(0)

    out = _SLOT.sub(slot, sql)
    if next(values, _END) is not _END:
        raise ValueError("fragment has more parameters than ? slots")
    return out


_END = object()


def ident(name: str) -> str:
    """Quote a table or column name after checking it against a plain-identifier allow-list."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return quote_ident(name)
