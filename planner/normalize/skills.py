"""Skill tokens: one normal form, a built-in alias table and campaign aliases (SPEC 4).

A candidate's skills column is split by `planner.sources` into tokens normalized with
`normalize_token` (its SQL twin is `token_sql`). Aliases are applied on the campaign side instead
of rewriting every row: `variants(skill)` lists every raw token that means the same skill, and the
segment query tests `list_has_any(skills_list, variants)`.

Alias resolution is one step: a campaign alias (`skill_aliases` in the YAML) wins over the
built-in table `planner/data/skill_aliases.csv`; the right-hand side is taken as written
(normalized), so write the canonical spelling there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from planner.normalize import _data
from planner.normalize._sql import Expr, Sql
from planner.normalize._text import squash, squash_sql


def normalize_token(s: str) -> str:
    """Lowercase, trim, collapse whitespace: the form of every skill token in `skills_list`."""
    return squash(s)


def token_sql(expr: Expr) -> Sql:
    """SQL twin of `normalize_token` for the reader that builds `skills_list`."""
    return squash_sql(expr)


@cache
def _builtin() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in _data.rows("skill_aliases.csv"):
        table[normalize_token(row["alias"])] = normalize_token(row["canonical"])
    return table


def builtin_aliases() -> dict[str, str]:
    """The built-in alias table (alias -> canonical), both sides normalized."""
    return dict(_builtin())


def _extra(extra: Mapping[str, str] | None) -> dict[str, str]:
    return {normalize_token(k): normalize_token(v) for k, v in (extra or {}).items()}


def _canonical(token: str, extra: Mapping[str, str], builtin: Mapping[str, str]) -> str:
    if token in extra:
        return extra[token]
    return builtin.get(token, token)


def canonical_skill(token: str, extra: Mapping[str, str] | None = None) -> str:
    """The canonical spelling of a skill token; campaign aliases (`extra`) win over built-ins."""
    return _canonical(normalize_token(token), _extra(extra), _builtin())


def variants(skill: str, extra: Mapping[str, str] | None = None) -> list[str]:
    """Sorted list of every token whose canonical form equals that of `skill`.

    A token outside both tables is its own canonical form, so besides the alias keys only the
    skill itself and its canonical spelling can qualify.
    """
    ex = _extra(extra)
    builtin = _builtin()
    token = normalize_token(skill)
    target = _canonical(token, ex, builtin)
    candidates = {token, target, *builtin, *ex}
    return sorted(t for t in candidates if t and _canonical(t, ex, builtin) == target)
