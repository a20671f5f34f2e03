"""Company names compared after case-folding, trimming and dropping legal suffixes (SPEC 4).

"Acme Analytics GmbH", "ACME Analytics, Inc." and "acme analytics" all become "acme analytics".
Steps, identical in Python (`normalize_company`) and DuckDB (`company_sql`):

1. lowercase (DuckDB's simple per-character mapping);
2. remove dots and apostrophes ("S.A." -> "sa", "McDonald's" -> "mcdonalds");
3. turn other punctuation into spaces ("Hewlett-Packard" = "Hewlett Packard"); `&` and `+` stay;
4. collapse whitespace;
5. drop legal-form suffixes from `planner/data/legal_suffixes.csv` at the end, repeatedly
   (one anchored regex `( suffix)+$`); a name that is only a suffix is kept;
6. empty -> None/NULL.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from planner.normalize import _data
from planner.normalize._sql import Expr, Param, Sql, fmt
from planner.normalize._text import WS_RUN, collapse, compile_re, lower

#: Removed without a trace.
DROP_CHARS: Final[str] = r"[.'’‘`´]"
#: Replaced by a space.
SPACE_CHARS: Final[str] = r"[!" + '"' + r"#$%()*,/:;<=>?@\[\\\]^_{|}~–—“”„«»•·-]"

_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


def _escape(text: str) -> str:
    return _META.sub(r"\\\1", text)


@cache
def suffixes() -> tuple[str, ...]:
    """Legal suffixes in their normalized form, longest first."""
    found = {collapse(lower(row["suffix"])) for row in _data.rows("legal_suffixes.csv")}
    return tuple(sorted((s for s in found if s), key=lambda s: (-len(s), s)))


@cache
def suffix_pattern() -> str:
    """One regex removing any run of legal suffixes at the end of a cleaned name."""
    return "(?: (?:" + "|".join(_escape(s) for s in suffixes()) + "))+$"


@cache
def _regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return compile_re(DROP_CHARS), compile_re(SPACE_CHARS), compile_re(suffix_pattern())


def normalize_company(name: str | None) -> str | None:
    """Comparable form of a company name, or None when nothing is left."""
    if name is None:
        return None
    drop, space, suffix = _regexes()
    text = collapse(space.sub(" ", drop.sub("", lower(name))))
    text = suffix.sub("", text, count=1)
    return text or None


def company_sql(expr: Expr) -> Sql:
    """SQL twin of `normalize_company` (NULL in, NULL out; '' becomes NULL)."""
    cleaned = fmt(
        "trim(regexp_replace(regexp_replace(regexp_replace(lower({}), {}, '', 'g'),"
        " {}, ' ', 'g'), {}, ' ', 'g'), ' ')",
        expr,
        Param(DROP_CHARS),
        Param(SPACE_CHARS),
        Param(WS_RUN),
    )
    return fmt("nullif(regexp_replace({}, {}, ''), '')", cleaned, Param(suffix_pattern()))
