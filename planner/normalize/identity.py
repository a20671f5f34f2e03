"""Identifiers of a person (SPEC 6.1): normalized email and normalized profile URL.

Email: trimmed, lowercased, a leading `mailto:` removed; None unless it has the shape `x@y`
(something on both sides of exactly one `@`), so placeholders like "n/a" never join two people.

Profile URL, in this order:

1. trim, lowercase;
2. drop the scheme (`https://`, `//`), then the query and fragment (`?...`, `#...`);
3. host: drop `www.`, drop a port; any `*.linkedin.com` (country or mobile subdomain such as
   `de.` or `m.`) becomes `linkedin.com`;
4. percent-decode (`j%C3%BCrgen` -> `jürgen`, then lowercase again); a value that does not decode
   to valid UTF-8 is broken and identifies nobody (None);
5. a LinkedIn profile keeps only `linkedin.com/in/<slug>`: trailing segments (`/en`, `/details/...`)
   are dropped;
6. trailing slashes removed;
7. None unless the result is `host.tld/path`: a bare host ("linkedin.com") or a value without a
   dot in the host ("n/a") identifies nobody; for LinkedIn at least two path segments are
   required (`linkedin.com/in/<slug>`; Recruiter and Sales Navigator profile URLs also pass),
   and company, school, job, group and post pages are refused: they identify no person.

`https://de.linkedin.com/in/Jane-Doe/?trk=x` -> `linkedin.com/in/jane-doe`. Other sites get the
same cleaning (`https://www.github.com/JaneDoe/` -> `github.com/janedoe`). Ports are not
removed (they do not occur in profile URLs).

Speed: most values are already clean (`jane@example.com`, `https://www.linkedin.com/in/jane`), so
both functions first test one cheap "fast path" shape and take the result with plain string
functions; the chain of regular expressions runs only for the other values. A property test checks
that the fast path gives what the full chain gives.
"""

from __future__ import annotations

import re
from typing import Final

from planner.normalize._sql import LET_VAR, Expr, Param, Sql, fmt, let
from planner.normalize._text import WS_CLASS, compile_re, lower

_TRIM: Final[str] = f"^[{WS_CLASS}]+|[{WS_CLASS}]+$"
_MAILTO: Final[str] = "^mailto:"
_EMAIL_SHAPE: Final[str] = "^([^@]+@[^@]+)$"
#: An email that needs no cleaning: no whitespace anywhere, one `@` with text on both sides.
_EMAIL_FAST: Final[str] = f"^[^@{WS_CLASS}]+@[^@{WS_CLASS}]+$"

#: (pattern, replacement) steps applied in order after trimming and lowercasing, before decoding.
_URL_STEPS: Final[tuple[tuple[str, str], ...]] = (
    (r"^(?:[a-z][a-z0-9+.\-]*:)?//", ""),
    (r"(?s)[?#].*$", ""),
    (r"^www\.", ""),
    (r"^(?:[^/]*\.)?linkedin\.com(/|$)", r"linkedin.com\1"),
)
#: Steps after percent-decoding and lowercasing again. The last one empties LinkedIn values that
#: name no person: a bare host, a single path segment, a company, school, job, group or post page.
_URL_FINAL: Final[tuple[tuple[str, str], ...]] = (
    (r"(?s)^(linkedin\.com/in/[^/]+)/.*$", r"\1"),
    (r"/+$", ""),
    (
        r"(?s)^linkedin\.com(?:/[^/]*"
        r"|/(?:company|school|showcase|jobs|groups|feed|posts|pulse)/.*)?$",
        "",
    ),
)
#: A result must be `host.tld/path` (group 1 is the whole value).
_URL_SHAPE: Final[str] = r"(?s)^([^/]+\.[^/]+/.+)$"
#: A LinkedIn profile URL that needs no more than cutting out its slug.
_URL_FAST: Final[str] = (
    f"^(?:https?://)?(?:[a-z]{{2,3}}\\.)?linkedin\\.com/in/[^/?#%{WS_CLASS}]+/?"
    f"(?:[?#][^{WS_CLASS}]*)?$"
)
_LINKEDIN_IN: Final[str] = "linkedin.com/in/"
_PERCENT: Final = re.compile(r"%([0-9a-fA-F]{2})")


def _extract(pattern: str, text: str) -> str | None:
    """Group 1 of the first match, None when empty or no match (like nullif(regexp_extract))."""
    match = compile_re(pattern).search(text)
    return (match.group(1) or None) if match else None


def normalize_email(s: str | None) -> str | None:
    """Trimmed, lowercased email; None when it is not of the form `x@y`."""
    if s is None:
        return None
    low = lower(s)
    if not low.startswith("mailto:") and compile_re(_EMAIL_FAST).search(low):
        return low
    return _email_slow(low)


def _email_slow(low: str) -> str | None:
    text = compile_re(_MAILTO).sub("", compile_re(_TRIM).sub("", low), count=1)
    return _extract(_EMAIL_SHAPE, text)


def email_sql(expr: Expr) -> Sql:
    """SQL twin of `normalize_email`.

    The slow path runs inside `let` so that DuckDB evaluates it only where the fast path fails.
    """
    low = fmt("lower({})", expr)
    # The fast path is NULL unless it applies; COALESCE evaluates the slow path only then.
    fast = fmt(
        "{} || CASE WHEN NOT starts_with({}, 'mailto:') AND regexp_matches({}, {}) THEN '' END",
        low,
        low,
        low,
        Param(_EMAIL_FAST),
    )
    cleaned = fmt(
        "regexp_replace(regexp_replace({}, {}, '', 'g'), {}, '')",
        LET_VAR,
        Param(_TRIM),
        Param(_MAILTO),
    )
    slow = fmt("nullif(regexp_extract({}, {}, 1), '')", cleaned, Param(_EMAIL_SHAPE))
    return fmt("coalesce({}, {})", fast, let(low, slow))


def url_decode(s: str) -> str | None:
    """Percent-decode like DuckDB's `url_decode`: `%XX` pairs become bytes, `+` and anything else
    stay; None when the bytes are not valid UTF-8 (DuckDB raises, `try()` gives NULL)."""
    if "%" not in s:
        return s
    out = bytearray()
    i = 0
    raw = s.encode("utf-8")
    while i < len(raw):
        if raw[i] == 0x25 and _PERCENT.fullmatch(raw[i : i + 3].decode("latin-1")):
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def normalize_profile_url(s: str | None) -> str | None:
    """Comparable form of a profile URL (`linkedin.com/in/<slug>`), or None."""
    if s is None:
        return None
    low = lower(s)
    if compile_re(_URL_FAST).search(low):
        return _url_fast(low)
    return _url_slow(low)


def _url_fast(low: str) -> str:
    rest = low[low.index(_LINKEDIN_IN) + len(_LINKEDIN_IN) :]
    for stop in "?#/":
        rest = rest.split(stop, 1)[0]
    return _LINKEDIN_IN + rest


def _url_slow(low: str) -> str | None:
    text = compile_re(_TRIM).sub("", low)
    for pattern, repl in _URL_STEPS:
        text = compile_re(pattern).sub(repl, text, count=1)
    decoded = url_decode(text)
    if decoded is None:
        return None
    text = lower(decoded)
    for pattern, repl in _URL_FINAL:
        text = compile_re(pattern).sub(repl, text, count=1)
    return _extract(_URL_SHAPE, text)


def url_sql(expr: Expr) -> Sql:
    """SQL twin of `normalize_profile_url`.

    The fast path uses plain string functions; the slow path runs inside `let` so that DuckDB
    evaluates it only for the values the fast path does not cover.
    """
    low = fmt("lower({})", expr)
    rest = fmt(
        "substr({}, strpos({}, {}) + {})", low, low, Param(_LINKEDIN_IN), Param(len(_LINKEDIN_IN))
    )
    for stop in "?#/":
        rest = fmt("left({}, strpos({} || {}, {}) - 1)", rest, rest, Param(stop), Param(stop))
    # NULL unless the fast path applies; COALESCE evaluates the slow path only then.
    fast = fmt(
        "{} || {} || CASE WHEN regexp_matches({}, {}) THEN '' END",
        Param(_LINKEDIN_IN),
        rest,
        low,
        Param(_URL_FAST),
    )
    text = fmt("regexp_replace({}, {}, '', 'g')", LET_VAR, Param(_TRIM))
    for pattern, repl in _URL_STEPS:
        text = fmt("regexp_replace({}, {}, {})", text, Param(pattern), Param(repl))
    text = fmt("lower(try(url_decode({})))", text)
    for pattern, repl in _URL_FINAL:
        text = fmt("regexp_replace({}, {}, {})", text, Param(pattern), Param(repl))
    slow = fmt("nullif(regexp_extract({}, {}, 1), '')", text, Param(_URL_SHAPE))
    return fmt("coalesce({}, {})", fast, let(low, slow))
