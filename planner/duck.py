"""Small DuckDB helpers shared by the engine modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import duckdb
import polars as pl

#: planner never loads DuckDB extensions: with autoloading on, a file of another format (a SQLite
#: file given as the ledger) made DuckDB try to download one, which fails offline and slowly.
OFFLINE: Final[Mapping[str, bool]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect(
    database: str = ":memory:",
    *,
    read_only: bool = False,
    config: Mapping[str, str | bool | int | float | list[str]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never installs or loads extensions (see OFFLINE)."""
    return duckdb.connect(database, read_only=read_only, config={**OFFLINE, **(config or {})})


def frame(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Run a query and return its result as a polars DataFrame (through Arrow, no copy)."""
    relation = con.sql(sql, params=params)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    out = pl.from_arrow(fetch())
    assert isinstance(out, pl.DataFrame)
    return out


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB SQL (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'
