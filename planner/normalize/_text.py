"""Text primitives shared by every normalization, each with its DuckDB twin.

The Python functions reproduce DuckDB's semantics exactly, so the SQL run over all rows and the
Python used for single values (tests, `planner explain`) agree:

* `lower` maps each character on its own to its simple lowercase form, like DuckDB's `lower()`
  (Python's `str.lower` is context-sensitive for final sigma and turns "İ" into two characters).
* Whitespace is an explicit character set, because `\\s` means ASCII whitespace in RE2 but all
  Unicode whitespace in Python, and DuckDB's `trim()` removes spaces only.
* Regular expressions stay in the subset where RE2 and Python `re` agree: no lookaround, no
  backreferences, `[0-9]` instead of `\\d`, and Python patterns are compiled with `re.ASCII` so
  `\\b` and `\\w` have RE2's ASCII meaning.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from planner.normalize._sql import Expr, Param, Sql, fmt

#: Whitespace as Python's `str.isspace()` defines it (the set `str.split()` and `str.strip()`
#: use, and the one `planner.sources` trims with); a test checks it against the Unicode database.
WS_CHARS: Final[str] = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: The same set as the body of a regex character class valid in RE2 and Python `re` (escapes for
#: the first 256 code points, literal characters above: RE2 has no `\\u`, Python no `\\x{...}`).
WS_CLASS: Final[str] = "".join(f"\\x{ord(ch):02x}" if ord(ch) < 256 else ch for ch in WS_CHARS)
#: A run of whitespace.
WS_RUN: Final[str] = f"[{WS_CLASS}]+"


@cache
def _lower_char(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else low[0]


def lower(s: str) -> str:
    """Lowercase exactly like DuckDB's `lower()` (per character, simple case mapping)."""
    if s.isascii():
        return s.lower()
    return "".join(_lower_char(ch) for ch in s)


def collapse(s: str) -> str:
    """Whitespace runs become one space; leading and trailing whitespace is removed."""
    return " ".join(s.split())


def squash(s: str) -> str:
    """`lower` then `collapse`: the normal form of tokens, titles and free text."""
    return collapse(lower(s))


#: Matches text that `collapse` would change: whitespace other than a single inner space.
_NEEDS_COLLAPSE: Final[str] = "[" + WS_CLASS.replace("\\x20", "") + "]|  |^ | $"


def squash_sql(expr: Expr) -> Sql:
    """SQL twin of `squash` (NULL stays NULL).

    The global regex replace is the expensive part, so it only runs on values that need it.
    """
    low = fmt("lower({})", expr)
    return fmt(
        "CASE WHEN regexp_matches({}, {}) THEN trim(regexp_replace({}, {}, ' ', 'g'), ' ')"
        " ELSE {} END",
        low,
        Param(_NEEDS_COLLAPSE),
        low,
        Param(WS_RUN),
        low,
    )


def _python_anchors(pattern: str) -> str:
    """Rewrite unescaped `$` outside character classes as `\\Z`.

    RE2's `$` matches only at the very end of the text; Python's also before a final newline.
    """
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                out.append("[^")
                i += 2
                if pattern[i : i + 1] == "]":
                    out.append("]")
                    i += 1
                continue
            if pattern[i + 1 : i + 2] == "]":
                out.append("[]")
                i += 2
                continue
        elif ch == "$":
            out.append("\\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@cache
def compile_re(pattern: str) -> re.Pattern[str]:
    """Compile a pattern for Python with RE2's semantics: ASCII `\\b`/`\\w`, `$` = end of text."""
    return re.compile(_python_anchors(pattern), re.ASCII)


def header_key(text: str) -> str:
    """A CSV header as a lookup key: trimmed, lowercased, spaces and dashes as `_`."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def decode_bytes(raw: bytes) -> str:
    """A small user CSV as text: UTF-8 (BOM skipped), else Windows-1252 (Excel's default)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
