"""Seniority level from the title, else from years of experience (SPEC 5.3).

The rules are data: `planner/data/seniority_rules.csv` (priority, regex, level, note) on the title
lowercased with whitespace collapsed, first match by priority wins; a rule with an empty level
names a role without a level and defers to years. `planner/data/seniority_years.csv` holds the
years thresholds: under 2 years junior, under 5 mid, otherwise senior. Years never give intern,
staff, principal or a management level, because those are roles rather than tenure.

`seniority_of` (Python) and `seniority_sql` (DuckDB) apply the same table; the patterns are in the
subset where RE2 and Python `re` agree, and a property test checks both on random titles.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from planner.contract import LEVELS
from planner.normalize import _data
from planner.normalize._sql import Expr, Param, Sql, fmt
from planner.normalize._text import compile_re, squash, squash_sql


@dataclass(frozen=True)
class Rule:
    """One row of seniority_rules.csv; `level` None means "use years"."""

    priority: int
    pattern: str
    level: str | None
    note: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class YearsStep:
    """One row of seniority_years.csv: fewer than `below` years (None: any) -> `level`."""

    below: float | None
    level: str


@cache
def rules() -> tuple[Rule, ...]:
    """The title rules, sorted by priority (validated: known levels, unique priorities)."""
    out: list[Rule] = []
    for row in _data.rows("seniority_rules.csv"):
        level = row["level"] or None
        if level is not None and level not in LEVELS:
            raise ValueError(f"seniority_rules.csv: unknown level {level!r}")
        pattern = row["pattern"]
        out.append(Rule(int(row["priority"]), pattern, level, row["note"], compile_re(pattern)))
    out.sort(key=lambda r: r.priority)
    if len({r.priority for r in out}) != len(out):
        raise ValueError("seniority_rules.csv: priorities must be unique")
    return tuple(out)


@cache
def years_steps() -> tuple[YearsStep, ...]:
    """The years thresholds in order; the last step has no upper bound."""
    steps: list[YearsStep] = []
    for row in _data.rows("seniority_years.csv"):
        if row["level"] not in LEVELS:
            raise ValueError(f"seniority_years.csv: unknown level {row['level']!r}")
        steps.append(YearsStep(float(row["below"]) if row["below"] else None, row["level"]))
    if not steps or steps[-1].below is not None:
        raise ValueError("seniority_years.csv: the last row must have an empty `below`")
    return tuple(steps)


def level_from_years(years: float | None) -> str | None:
    """Level implied by years of experience alone (None when unknown)."""
    if years is None or math.isnan(years):
        return None
    for step in years_steps():
        if step.below is None or years < step.below:
            return step.level
    return None  # unreachable: the last step is open-ended


def title_level(title: str | None) -> str | None:
    """Level named by the title alone; None when no rule gives one (then years decide)."""
    text = squash(title) if title is not None else ""
    for rule in rules():
        if rule.regex.search(text):
            return rule.level
    return None


@cache
def source_values() -> dict[str, str]:
    """A source file's own seniority value (folded) -> level (`seniority_values.csv`)."""
    table = {level: level for level in LEVELS}
    for row in _data.rows("seniority_values.csv"):
        if row["level"] not in LEVELS:
            raise ValueError(f"seniority_values.csv: unknown level {row['level']!r}")
        table[_source_key(row["value"])] = row["level"]
    return table


def _source_key(value: str) -> str:
    return squash(value.replace("_", " ").replace("-", " "))


def source_level(value: str | None) -> str | None:
    """Level named by a source's own seniority column ("C-Suite" -> executive), else None."""
    if value is None:
        return None
    return source_values().get(_source_key(value))


def seniority_of(title: str | None, years: float | None, source: str | None = None) -> str | None:
    """Seniority level: the source's own seniority column when it names a level, else the
    title, else years; None when none of them says anything."""
    level = source_level(source)
    if level is None:
        level = title_level(title)
    return level if level is not None else level_from_years(years)


def years_sql(years_expr: Expr) -> Sql:
    """SQL CASE giving the level from years alone (twin of `level_from_years`)."""
    parts: list[Expr | Param] = [years_expr, years_expr]
    template = "CASE WHEN {} IS NULL OR isnan({}) THEN NULL"
    for step in years_steps():
        if step.below is None:
            template += " ELSE {}::VARCHAR"
            parts.append(Param(step.level))
        else:
            template += " WHEN {} < {} THEN {}::VARCHAR"
            parts.extend([years_expr, Param(step.below), Param(step.level)])
    return fmt(template + " END", *parts)


def title_level_sql(title_expr: Expr, *, normalized: bool = False) -> Sql:
    """SQL twin of `title_level`: a CASE over the rules with bound patterns and levels.

    `normalized=True` says `title_expr` is already `title_norm` (lowercased, whitespace
    collapsed), which spares DuckDB the work of normalizing it again.
    """
    title: Expr = title_expr if normalized else fmt("coalesce({}, '')", squash_sql(title_expr))
    template = "CASE"
    parts: list[Expr | Param] = []
    for rule in rules():
        # A rule without a level stops the search and leaves the decision to years (NULL).
        template += " WHEN regexp_matches({}, {}) THEN {}::VARCHAR"
        parts.extend([title, Param(rule.pattern), Param(rule.level)])
    return fmt(template + " END", *parts)


def source_level_sql(value_expr: Expr) -> Sql:
    """SQL twin of `source_level`: the folded value looked up in a bound map."""
    table = source_values()
    key = squash_sql(fmt("replace(replace({}, '_', ' '), '-', ' ')", value_expr))
    return fmt(
        "({}::VARCHAR[])[list_position({}::VARCHAR[], {})]",
        Param(list(table.values())),
        Param(list(table)),
        key,
    )


def seniority_sql(title_expr: Expr, years_expr: Expr, *, normalized: bool = False) -> Sql:
    """SQL twin of `seniority_of`: title rules first, then years."""
    return fmt(
        "coalesce({}, {})",
        title_level_sql(title_expr, normalized=normalized),
        years_sql(years_expr),
    )
