"""`planner ledger copy SRC DST`: move a ledger between stores (a file, a PostgreSQL database).

Every table is copied row for row, the salt included (the salted hashes of bounced addresses
and forgotten persons stay valid), so the copy answers every command exactly as the source
did. The source is read as one consistent snapshot; the target is written under its writer
lock in one transaction and must hold no runs yet (a copy never merges two ledgers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from planner.duck import transaction
from planner.errors import LedgerError
from planner.ledger.lock import Notify
from planner.ledger.store import first_row, open_store, translate_errors


def _tables(con: Any) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'ledger' ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise LedgerError(f"unexpected ledger table {name!r}", hint="this is a bug")
    return f'"{name}"'


def copy_ledger(
    source: Path | str, target: Path | str, notify: Notify | None = None
) -> dict[str, Any]:
    """Copy every row of the ledger `source` into the new or empty ledger `target`."""
    src = open_store(source)
    dst = open_store(target)
    if src.name == dst.name:
        raise LedgerError(f"{src.name}: source and target are the same ledger", hint="name two")
    if not src.exists():
        raise LedgerError(f"{src.name}: no ledger there to copy", hint="check the SRC path or URL")
    data: dict[str, pl.DataFrame] = {}
    with src.session(write=False) as con, translate_errors(src.name):
        for table in _tables(con):
            data[table] = con.sql(f"SELECT * FROM ledger.{_quoted(table)}").pl()  # noqa: S608
    counts: dict[str, int] = {}
    with (
        dst.writer_lock(notify=notify),
        dst.session(write=True) as con,
        translate_errors(dst.name),
    ):
        row = first_row(con, "SELECT count(*) FROM ledger.runs")
        if row and row[0]:
            raise LedgerError(
                f"{dst.name}: the target ledger already holds {row[0]} run(s)",
                hint="copy into a new file or an empty database; a copy never merges",
            )
        missing = sorted(set(_tables(con)) - set(data))
        if missing:
            raise LedgerError(
                f"{src.name}: the source lacks table(s) {', '.join(missing)}",
                hint="run `planner ledger migrate --ledger SRC` first",
            )
        with transaction(con):
            for table, rows in data.items():
                con.register("_copy_rows", rows)
                con.execute(f"DELETE FROM ledger.{_quoted(table)}")  # noqa: S608
                con.execute(
                    f"INSERT INTO ledger.{_quoted(table)} SELECT * FROM _copy_rows"  # noqa: S608
                )
                con.unregister("_copy_rows")
                counts[table] = rows.height
    return {"source": src.name, "target": dst.name, "rows": counts}
