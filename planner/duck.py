"""Small DuckDB helpers shared by the engine modules."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, Protocol, runtime_checkable

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


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`BEGIN` ... `COMMIT`; any exception (Ctrl-C included) rolls back and propagates.

    A failed ROLLBACK (the connection already lost the transaction) never hides the error
    that caused it.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frames: Mapping[str, Any]) -> Iterator[None]:
    """`frames` (name -> Polars/Arrow data) visible to `con`'s queries as views, for the block."""
    try:
        for name, data in frames.items():
            con.register(name, data)
        yield
    finally:
        for name in frames:
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)


@runtime_checkable
class QueryWatcher(Protocol):
    """What follows a connection's queries, e.g. the command line's progress bar, which reads
    `con.query_progress()` from its own thread while the connection works."""

    def attach(self, con: duckdb.DuckDBPyConnection) -> None: ...

    def detach(self, con: duckdb.DuckDBPyConnection) -> None: ...


def attach_watcher(watcher: object, con: duckdb.DuckDBPyConnection) -> None:
    """Let `watcher` follow `con` when it is a `QueryWatcher` (a plain callback is not)."""
    if isinstance(watcher, QueryWatcher):
        watcher.attach(con)


def detach_watcher(watcher: object, con: duckdb.DuckDBPyConnection) -> None:
    """Stop `watcher` following `con`; call before closing `con`."""
    if isinstance(watcher, QueryWatcher):
        watcher.detach(con)


@contextmanager
def watched(watcher: object, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """`watcher` follows `con` for the block."""
    attach_watcher(watcher, con)
    try:
        yield
    finally:
        detach_watcher(watcher, con)
