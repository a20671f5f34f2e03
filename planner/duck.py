"""Small DuckDB helpers shared by the engine modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl


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
