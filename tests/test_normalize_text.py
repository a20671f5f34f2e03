"""Text primitives of planner.normalize and the helpers the other test_normalize_* modules share.

`sql_values` evaluates a SQL twin over many values in one DuckDB query, so a property test can
compare the SQL with the Python function on whole lists of random inputs.
"""

from __future__ import annotations

import atexit
import sys
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.normalize import _text
from planner.normalize._sql import Param, Sql, fmt, ident, let

_CONNECTIONS: list[duckdb.DuckDBPyConnection] = []


def _con() -> duckdb.DuckDBPyConnection:
    if not _CONNECTIONS:
        _CONNECTIONS.append(duckdb.connect())
    return _CONNECTIONS[0]


@atexit.register
def _close() -> None:
    # A connection still referenced at interpreter exit makes the bindings report leaks.
    while _CONNECTIONS:
        _CONNECTIONS.pop().close()


def sql_values(
    build: Callable[..., Sql],
    *columns: Sequence[Any],
    types: Sequence[str] | None = None,
) -> list[Any]:
    """`build(c0, c1, ...)` evaluated in DuckDB for each row of the given columns, in order."""
    n = len(columns[0])
    if n == 0:
        return []
    names = [f"c{i}" for i in range(len(columns))]
    types = types or ["VARCHAR"] * len(columns)
    sql, params = build(*names)
    unnests = ", ".join(f"unnest(?::{t}[]) AS {c}" for t, c in zip(types, names, strict=True))
    query = f"SELECT {sql} FROM (SELECT {unnests}, unnest(range(?)) AS i) ORDER BY i"
    rows = _con().execute(query, [*params, *[list(c) for c in columns], n]).fetchall()
    return [r[0] for r in rows]


# Text as it occurs in candidate files: any printable character of the Unicode version Python
# knows (DuckDB may know a newer one), whitespace of every kind, no NUL and no surrogates.
TEXT_ALPHABET = st.characters(blacklist_categories=("Cs", "Cn", "Co"), blacklist_characters="\x00")
text = st.text(TEXT_ALPHABET, max_size=40)


def mixed(fragments: Sequence[str], max_parts: int = 6) -> st.SearchStrategy[str]:
    """Strings built from meaningful fragments, random text and assorted separators."""
    part = st.one_of(
        st.sampled_from(list(fragments)),
        st.sampled_from(list(fragments)).map(str.upper),
        st.sampled_from(list(fragments)).map(str.title),
        st.text(TEXT_ALPHABET, max_size=6),
    )
    sep = st.sampled_from(
        [" ", "  ", ", ", ",", ".", "-", " - ", "/", "\t", "\n", "\u00a0", "|", "", "(", ")", "'"]
    )
    return st.lists(st.tuples(part, sep), max_size=max_parts).map(
        lambda ps: "".join(p + s for p, s in ps)
    )


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), strategy)


# --------------------------------------------------------------------------- tests


def test_whitespace_is_pythons_isspace_set() -> None:
    expected = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert expected == _text.WS_CHARS


def test_whitespace_is_the_set_sources_trims() -> None:
    sources = pytest.importorskip("planner.sources")
    assert getattr(sources, "WHITESPACE", _text.WS_CHARS) == _text.WS_CHARS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Senior   Data\tEngineer ", "senior data engineer"),
        ("\u00a0Ä\u2003B\n", "ä b"),
        ("İSTANBUL", "istanbul"),  # DuckDB's per-character mapping, not Python's "i̇"
        ("ΣΑΣ", "σασ"),  # no final-sigma rule
        ("", ""),
    ],
)
def test_squash(raw: str, expected: str) -> None:
    assert _text.squash(raw) == expected
    assert sql_values(_text.squash_sql, [raw]) == [expected]


@settings(max_examples=150, deadline=None)
@given(st.lists(text, min_size=1, max_size=30))
def test_lower_matches_duckdb(values: list[str]) -> None:
    assert sql_values(lambda c: (f"lower({c})", []), values) == [_text.lower(v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(maybe(text), min_size=1, max_size=30))
def test_squash_sql_equals_python(values: list[str | None]) -> None:
    expected = [None if v is None else _text.squash(v) for v in values]
    assert sql_values(_text.squash_sql, values) == expected


@pytest.mark.parametrize(
    ("pattern", "value", "found"),
    [
        ("/+$", "a//\n", False),  # RE2's $ is the end of the text, not before a final newline
        ("/+$", "a//", True),
        (r"\bx", "üx", True),  # \b is an ASCII word boundary in both engines
        ("[$]", "$", True),
    ],
)
def test_compile_re_has_re2_semantics(pattern: str, value: str, found: bool) -> None:
    assert bool(_text.compile_re(pattern).search(value)) is found
    assert sql_values(lambda c: (f"regexp_matches({c}, ?)", [pattern]), [value]) == [found]


def test_fmt_binds_values_in_order() -> None:
    inner = fmt("{} || {}", "c0", Param("-"))
    sql, params = fmt("concat({}, {}, {})", Param("a"), inner, Param("b"))
    assert sql == "concat(?, ((c0) || ?), ?)"
    assert params == ["a", "-", "b"]

    def build(c: str) -> Sql:
        return fmt("concat({}, {}, {})", Param("a"), fmt("{} || {}", c, Param("-")), Param("b"))

    assert sql_values(build, ["x"]) == ["ax-b"]


def test_fmt_refuses_a_bare_placeholder() -> None:
    with pytest.raises(ValueError, match="Param"):
        fmt("x = ?")
    assert fmt("x = '?'") == ("x = '?'", [])


def test_let_evaluates_its_body_with_the_value() -> None:
    assert sql_values(lambda c: let(c, "planner_let_v || planner_let_v"), ["ab", None]) == [
        "abab",
        None,
    ]


@pytest.mark.parametrize("name", ["rows; DROP TABLE x", 'a"b', "1abc", ""])
def test_ident_refuses_anything_but_plain_names(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        ident(name)


def test_ident_quotes() -> None:
    assert ident("people") == '"people"'


# --------------------------------------------------------------------------- named slots


def test_named_binds_each_slot_in_order_and_leaves_literals() -> None:
    from planner.normalize._sql import Param, fmt, named

    fragment = fmt("{} || '?' || {}", Param("a"), Param("b"))
    values: dict[str, object] = {}

    def bind(value: object) -> str:
        values[f"v{len(values)}"] = value
        return f"$v{len(values) - 1}"

    sql = named(fragment, bind)
    assert sql == "$v0 || '?' || $v1"
    assert values == {"v0": "a", "v1": "b"}
    assert duckdb.connect().execute(f"SELECT {sql}", values).fetchone() == ("a?b",)


def test_named_refuses_a_fragment_with_spare_parameters() -> None:
    from planner.normalize._sql import named

    with pytest.raises(ValueError, match="more parameters"):
        named(("?", [1, 2]), lambda v: "x")
