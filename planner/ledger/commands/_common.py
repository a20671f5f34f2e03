"""What the ledger commands share: the ledger argument and JSON-ready rows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

PathLike = Path | str | None


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    rel = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in rel.description or []]
    return [{n: _iso(v) for n, v in zip(names, row, strict=True)} for row in rel.fetchall()]
