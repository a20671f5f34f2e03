"""The SQL that turns a file's positional columns into the canonical table (identifiers
quoted, constants only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from planner.contract import CANONICAL_FIELDS
from planner.duck import quote_ident
from planner.sources.model import WHITESPACE


def _sql_literal(text: str) -> str:
    # Only for constants defined in this module (whitespace set, regex), never for input data.
    return "'" + text.replace("'", "''") + "'"


_WS_LITERAL = _sql_literal(WHITESPACE)
_WS_RUN_RE = _sql_literal("[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in WHITESPACE) + "]+")
# Whitespace other than single spaces: what a skills cell needs collapsing for.
_WS_UNUSUAL_RE = _sql_literal(
    "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in WHITESPACE if ch != " ") + "]|  "
)


def _clean_sql(col: str) -> str:
    """Trimmed cell, '' -> NULL.

    The Unicode trim is slow, so it only runs when the first or last character could be
    whitespace (code point below 33 or above 132). Plain comparisons on purpose: DuckDB turns a
    long IN list into a join, and a join loses the insertion order that row_id relies on.
    """
    first, last = f"ord({col})", f"ord({col}[-1])"
    return (
        f"CASE WHEN {first} < 33 OR {first} > 132 OR {last} < 33 OR {last} > 132 "
        f"THEN nullif(trim({col}, {_WS_LITERAL}), '') ELSE nullif({col}, '') END"
    )


def _skills_sql(col: str, separator: str | None) -> str:
    """Skills cell -> list: split on the (bound) separator, lowercased, whitespace collapsed.

    Whitespace runs are collapsed once per cell, and only in cells that have any to collapse
    (a cheap regex match guards the costly replace); with a whitespace separator they must be
    collapsed per token instead.
    """
    if separator is not None and any(ch.isspace() for ch in separator):
        return (
            f"list_filter(list_transform(string_split(lower(coalesce({col}, '')), ?), "
            f"lambda t: trim(regexp_replace(t, {_WS_RUN_RE}, ' ', 'g'))), lambda t: t <> '')"
        )
    collapsed = (
        f"CASE WHEN regexp_matches({col}, {_WS_UNUSUAL_RE}) "
        f"THEN regexp_replace({col}, {_WS_RUN_RE}, ' ', 'g') ELSE coalesce({col}, '') END"
    )
    return (
        f"list_filter(list_transform(string_split(lower({collapsed}), ?), lambda t: trim(t)), "
        "lambda t: t <> '')"
    )


def _insert_sql(table: str, mapping: Mapping[str, int], source: str, separator: str | None) -> str:
    """INSERT ... SELECT of the canonical columns from `source` (a FROM item with c0..cN).

    Parameters, in order: source_file, skills separator (only when mapped), then `source`'s.
    """
    exprs = [
        _clean_sql(quote_ident(f"c{mapping[field]}")) if field in mapping else "NULL::VARCHAR"
        for field in CANONICAL_FIELDS
    ]
    skills = (
        _skills_sql(quote_ident(f"c{mapping['skills']}"), separator)
        if "skills" in mapping
        else "[]::VARCHAR[]"
    )
    columns = ", ".join(quote_ident(c) for c in _TABLE_COLUMNS)
    return (
        f"INSERT INTO {quote_ident(table)} ({columns}) "  # noqa: S608 - identifiers via quote_ident
        f"SELECT NULL, ?, NULL, {', '.join(exprs)}, {skills} FROM {source}"
    )


_TABLE_COLUMNS: tuple[str, ...] = (
    "row_id",
    "source_file",
    "source_line",
    *CANONICAL_FIELDS,
    "skills_list",
)

_CSV_SOURCE = (
    "read_csv(?, delim = ?, quote = '\"', escape = '\"', header = true, auto_detect = false, "
    "columns = ?, skip = ?, encoding = 'utf-8', store_rejects = true, rejects_table = ?, "
    "rejects_scan = ?, rejects_limit = 0)"
)


def _one(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> tuple[Any, ...]:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row
