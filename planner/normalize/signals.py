"""Signals in a profile: "not open" opt-outs, the open-to-work flag and years of experience.

* `is_not_open`: a phrase of `planner/data/not_open_phrases.txt` ("no recruiters", "not looking",
  "kein Interesse", ...) appears as whole words in the title, headline or summary (SPEC 5.1
  `not_open`).
* `is_open_to_work`: the open_to_work column holds a value of `open_to_work_values.txt` (true, yes,
  1, x, ja, #opentowork, ...) or the headline contains a phrase of `open_to_work_phrases.txt`
  ("#opentowork", "open to work", ...).
* `parse_years`: "5", "5.5", "5,5", "5+", "5 years", "5 Jahre", "10+ yrs", "ca. 3 years of
  experience" -> a number; ranges ("3-5"), negatives, more than 70 years and anything else -> None.

Each has a SQL twin; all patterns are bound parameters.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from planner.normalize import _data
from planner.normalize._sql import Expr, Param, Sql, fmt
from planner.normalize._text import WS_CLASS, compile_re, lower, squash, squash_sql

#: A character that is not part of a word: phrases match only between these (or the text ends).
_EDGE_BEFORE: Final[str] = "(?:^|[^a-z0-9_])"
_EDGE_AFTER: Final[str] = "(?:[^a-z0-9_]|$)"
_GAP: Final[str] = f"[{WS_CLASS}\\-]+"
_SPLIT: Final = re.compile(f"[{WS_CLASS}\\-]+")
_META: Final = re.compile(r"([\\.^$|?*+()\[\]{}#&~])")
#: Joins the three profile fields; not a word character, not whitespace, so no phrase spans two.
_FIELD_SEP: Final[str] = "|"

#: Upper bound for a plausible number of years of experience.
MAX_YEARS: Final[float] = 70.0
YEARS_PATTERN: Final[str] = (
    r"^(?:ca\.? ?|approx\.? ?|about |~ ?|> ?|>= ?|over )?"
    r"([0-9]{1,3}(?:[.,][0-9]{1,4})?) ?\+? ?"
    r"(?:(?:years?|yrs?|y|jahre?|j|yoe)\.?"
    r"(?: (?:of )?(?:experience|exp\.?|erfahrung|berufserfahrung))?)?$"
)


def phrase_regex(phrases: list[str]) -> str:
    """One whole-word regex matching any phrase (lowercase text), valid in RE2 and Python."""
    alts: list[str] = []
    for phrase in sorted({lower(p) for p in phrases}, key=lambda p: (-len(p), p)):
        words = [w for w in _SPLIT.split(phrase) if w]
        escaped = [_META.sub(r"\\\1", w).replace("'", "['’]?").replace("’", "['’]?") for w in words]
        alts.append(_GAP.join(escaped))
    return _EDGE_BEFORE + "(?:" + "|".join(alts) + ")" + _EDGE_AFTER


@cache
def not_open_pattern() -> str:
    """The regex of all not-open phrases."""
    return phrase_regex(_data.lines("not_open_phrases.txt"))


@cache
def open_phrase_pattern() -> str:
    """The regex of the headline phrases that flag open to work."""
    return phrase_regex(_data.lines("open_to_work_phrases.txt"))


@cache
def open_values() -> tuple[str, ...]:
    """Truthy values of the open_to_work column, normalized."""
    return tuple(sorted({squash(v) for v in _data.lines("open_to_work_values.txt")}))


def is_not_open(title: str | None, headline: str | None, summary: str | None) -> bool:
    """True when title, headline or summary says "not open / no recruiters"."""
    text = _FIELD_SEP.join(f for f in (title, headline, summary) if f is not None)
    return bool(compile_re(not_open_pattern()).search(lower(text)))


def not_open_sql(title: Expr, headline: Expr, summary: Expr) -> Sql:
    """SQL twin of `is_not_open` (never NULL)."""
    return fmt(
        "coalesce(regexp_matches(lower(concat_ws({}, {}, {}, {})), {}), FALSE)",
        Param(_FIELD_SEP),
        title,
        headline,
        summary,
        Param(not_open_pattern()),
    )


def is_open_to_work(value: str | None, headline: str | None) -> bool:
    """True when the open_to_work column is truthy or the headline says open to work."""
    if value is not None and squash(value) in open_values():
        return True
    return headline is not None and bool(compile_re(open_phrase_pattern()).search(lower(headline)))


def open_value_sql(value: Expr) -> Sql:
    """The open_to_work column alone is truthy (never NULL)."""
    return fmt(
        "coalesce(list_contains({}::VARCHAR[], {}), FALSE)",
        Param(list(open_values())),
        squash_sql(value),
    )


def open_headline_sql(headline: Expr) -> Sql:
    """The headline alone says open to work (never NULL)."""
    return fmt(
        "coalesce(regexp_matches(lower({}), {}), FALSE)", headline, Param(open_phrase_pattern())
    )


def open_to_work_sql(value: Expr, headline: Expr) -> Sql:
    """SQL twin of `is_open_to_work` (never NULL)."""
    return fmt("{} OR {}", open_value_sql(value), open_headline_sql(headline))


def parse_years(s: str | None) -> float | None:
    """Years of experience from free text, None when not a plain plausible number."""
    if s is None:
        return None
    match = compile_re(YEARS_PATTERN).search(squash(s))
    if not match:
        return None
    years = float(match.group(1).replace(",", "."))
    return years if years <= MAX_YEARS else None


def years_sql(expr: Expr) -> Sql:
    """SQL twin of `parse_years` (DOUBLE, NULL when unparseable)."""
    number = fmt(
        "TRY_CAST(replace(regexp_extract({}, {}, 1), ',', '.') AS DOUBLE)",
        squash_sql(expr),
        Param(YEARS_PATTERN),
    )
    return fmt("CASE WHEN {} <= {} THEN {} END", number, Param(MAX_YEARS), number)
