"""A team ledger on PostgreSQL (`--ledger postgresql://user@host/db`): a third `Store`.

The engine speaks DuckDB SQL to the catalog `ledger`; DuckDB's postgres extension is not
available offline, so this store *moves rows* instead of attaching the server:

- a session or an attach creates an in-memory DuckDB catalog `ledger` with the file ledger's
  schema and loads rows from PostgreSQL into it, all read in one REPEATABLE READ transaction
  (one consistent snapshot);
- a build's reads (`attached`) load only what a build needs: the identities of the input's
  emails and URLs, the persons those hit (and their merged groups), the touches and outcomes
  of those persons, and — for the guardrail — the touches of its senders and the outcomes in
  its window (a `Reach` says which the read needs). The small
  tables (meta, runs, run outputs and campaigns) are loaded whole; send lists are not loaded;
- a write session loads every row — or, with a `Focus` (a build's own steps: begin, record,
  finish, recovery), the small tables and only the `persons`/`identities` rows of the run's
  persons —, lets the engine change them with the same SQL as for a file, and when the
  `with` block ends without an error writes the *difference* back (rows gone:
  DELETE by the server-side row id; rows new: COPY) in ONE PostgreSQL transaction. That
  transaction takes a transaction-scoped advisory lock and checks that nobody committed since
  the snapshot was read (`ledger._pg_sync.version`); otherwise it records nothing and fails
  with exit 4, so two writers can never both count a person beyond the caps even without the
  writer lock. A process killed at any point before that COMMIT leaves the server as it was.

The writer lock is a session-level advisory lock on a connection held for the whole build:
the server releases it when the process dies, exactly like the file ledger's `flock`.

Server tables mirror the file ledger's (same names, columns and schema versions, in the
PostgreSQL schema `ledger`), plus an identity column `_row` on each (what the write-back
deletes by), `_pg_sync`, and indexes for the build's filtered reads.

No password is ever read, stored or printed here: libpq finds it (PGPASSWORD, PGPASSFILE or
~/.pgpass), and the store's `name` drops any password a URL carries.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import polars as pl
import psycopg
from psycopg import sql

from planner import __version__, duck
from planner.errors import LedgerError
from planner.ledger import _hooks
from planner.ledger.hashing import SALT_KEY
from planner.ledger.lock import Notify, stderr_notify, timeout_from_env, wait_for
from planner.ledger.schema import APPLICATION, MIGRATIONS, SCHEMA_VERSION
from planner.ledger.store import Focus, Reach, translate_errors

#: URL schemes that select this store.
SCHEMES = ("postgresql://", "postgres://")

#: Advisory lock keys (per database): the writer lock of a whole build, and the short lock of
#: one write-back transaction. Two keys, so a build holding the first can still write back.
WRITER_KEY = zlib.crc32(b"planner-ledger writer")
WRITEBACK_KEY = zlib.crc32(b"planner-ledger write-back")


#: Tables whose rows a build's reads load whole (few rows: one per run or campaign run).
SMALL_TABLES = ("meta", "schema_info", "runs", "run_outputs", "run_campaigns")

#: Indexes for the filtered reads of a build (server side only).
PG_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS identities_kv ON ledger.identities (kind, value)",
    "CREATE INDEX IF NOT EXISTS persons_key ON ledger.persons (person_key)",
    "CREATE INDEX IF NOT EXISTS persons_canonical ON ledger.persons (canonical_key)",
    "CREATE INDEX IF NOT EXISTS persons_merged ON ledger.persons (person_key)"
    " WHERE person_key <> canonical_key",
    "CREATE INDEX IF NOT EXISTS touches_person ON ledger.touches (person_key)",
    "CREATE INDEX IF NOT EXISTS touches_on ON ledger.touches (touched_on)",
    "CREATE INDEX IF NOT EXISTS outcomes_person ON ledger.outcomes (person_key)",
    "CREATE INDEX IF NOT EXISTS outcomes_on ON ledger.outcomes (outcome_on)",
)

_POLARS_TYPES: dict[str, Any] = {
    "VARCHAR": pl.Utf8,
    "BIGINT": pl.Int64,
    "INTEGER": pl.Int32,
    "DOUBLE": pl.Float64,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"),
    "BOOLEAN": pl.Boolean,
}


def is_postgres(location: object) -> bool:
    """Whether a --ledger value names a PostgreSQL ledger."""
    return isinstance(location, str) and location.startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL without a password (for messages: a password never reaches a log line)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def pg_migration(version: int) -> list[str]:
    """The server's statements for schema `version`: the file ledger's migration in PostgreSQL
    types, each new table with a `_row` identity column, plus what only the server keeps."""
    out: list[str] = []
    for statement in MIGRATIONS[version]:
        text = re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", statement.strip())
        if text.startswith("CREATE TABLE"):
            text = text[: text.rindex(")")] + ", _row BIGINT GENERATED ALWAYS AS IDENTITY)"
        out.append(text)
    if version == 1:
        out.insert(0, "CREATE SCHEMA IF NOT EXISTS ledger")
        out.append("CREATE TABLE ledger._pg_sync (version BIGINT NOT NULL)")
        out.append("INSERT INTO ledger._pg_sync VALUES (0)")
        out.extend(PG_INDEXES)
    return out


def _duck_ddl() -> list[str]:
    """The DuckDB statements that create the empty current-schema catalog `ledger`."""
    return [
        s
        for v in range(1, SCHEMA_VERSION + 1)
        for s in MIGRATIONS[v]
        if s.lstrip().upper().startswith(("CREATE", "ALTER", "DROP"))
    ]


def _q(name: str) -> str:
    """A DuckDB identifier (our own table/column names only, from the DuckDB catalog)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise LedgerError(f"unexpected ledger identifier {name!r}", hint="this is a bug")
    return f'"{name}"'


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class PostgresStore:
    """A ledger in a PostgreSQL database (schema `ledger`), shared by a team's builds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._name = redact(url)
        self._columns: dict[str, list[tuple[str, str]]] | None = None

    @property
    def name(self) -> str:
        return self._name

    # ------------------------------------------------------------------ connections

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        """psycopg errors become LedgerError (exit 4); messages never quote row values."""
        try:
            yield
        except LedgerError:
            raise
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LedgerError(
                f"{self.name}: cannot use the PostgreSQL ledger: {first}",
                hint="check host, port, database and user; a password comes from PGPASSWORD,"
                " PGPASSFILE or ~/.pgpass, never from planner's files",
            ) from exc
        except psycopg.Error as exc:
            state = getattr(exc, "sqlstate", None) or type(exc).__name__
            raise LedgerError(
                f"{self.name}: PostgreSQL ledger error (SQLSTATE {state})",
                hint="if this repeats, check the server's log and the ledger schema",
            ) from exc

    def _connect(self) -> psycopg.Connection[Any]:
        """An autocommit connection: every transaction is an explicit `transaction()` block."""
        pg = psycopg.connect(
            self.url, autocommit=True, application_name="planner", connect_timeout=15
        )
        # What the CSV loads parse, whatever the server's defaults: ISO dates, exact floats.
        pg.execute("SET DateStyle = 'ISO, YMD'")
        pg.execute("SET extra_float_digits = 1")
        return pg

    def exists(self) -> bool:
        with self._translate(), self._connect() as pg:
            return self._version(pg) > 0

    def _version(self, pg: psycopg.Connection[Any]) -> int:
        """Schema version on the server (0: no ledger yet); refuses a foreign `ledger` schema."""
        row = pg.execute("SELECT to_regclass('ledger.schema_info'), to_regclass('ledger.meta')")
        info, meta = row.fetchone() or (None, None)
        if info is None and meta is None:
            return 0
        app = (
            pg.execute("SELECT value FROM ledger.meta WHERE key = 'application'").fetchone()
            if meta is not None
            else None
        )
        if info is None or app is None or app[0] != APPLICATION:
            raise LedgerError(
                f"{self.name}: the schema `ledger` in this database is not a planner ledger",
                hint="point --ledger / PLANNER_LEDGER at another database",
            )
        got = pg.execute("SELECT max(version) FROM ledger.schema_info").fetchone()
        version = int(got[0]) if got and got[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.name}: ledger schema version {version} is newer than this planner"
                f" supports ({SCHEMA_VERSION})",
                hint="upgrade planner; an older planner must not write a newer ledger",
            )
        return version

    def _migrate(self, pg: psycopg.Connection[Any]) -> None:
        """Create or migrate the server schema in one transaction (under the write-back lock)."""
        if self._version(pg) >= SCHEMA_VERSION:
            return
        with pg.transaction():
            pg.execute("SELECT pg_advisory_xact_lock(%s)", [WRITEBACK_KEY])
            current = self._version(pg)
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in pg_migration(version):
                    pg.execute(statement.encode())
                pg.execute(
                    "INSERT INTO ledger.schema_info (version, applied_at, tool_version)"
                    " VALUES (%s, %s, %s)",
                    [version, _now(), __version__],
                )
            pg.execute(
                "INSERT INTO ledger.meta (key, value) SELECT %s, %s"
                " WHERE NOT EXISTS (SELECT 1 FROM ledger.meta WHERE key = %s)",
                [SALT_KEY, secrets.token_hex(32), SALT_KEY],
            )

    # ------------------------------------------------------------------ the lock

    @contextlib.contextmanager
    def writer_lock(self, *, notify: Notify | None = None) -> Iterator[object]:
        """A session-level advisory lock on a connection kept open for the `with` block."""
        limit = timeout_from_env()
        say = notify or stderr_notify
        with self._translate():
            pg = self._connect()
        try:
            with self._translate():

                def try_once() -> bool:
                    got = pg.execute("SELECT pg_try_advisory_lock(%s)", [WRITER_KEY]).fetchone()
                    return bool(got and got[0])

                wait_for(
                    try_once,
                    limit=limit,
                    say=say,
                    waiting=lambda: f"another planner process is writing {self.name}",
                    held=lambda: f"another planner process held {self.name}",
                )
            _hooks.checkpoint("after_writer_lock")
            yield True
        finally:
            with contextlib.suppress(psycopg.Error):
                pg.execute("SELECT pg_advisory_unlock(%s)", [WRITER_KEY])
            pg.close()

    # ------------------------------------------------------------------ loading

    def columns(self) -> dict[str, list[tuple[str, str]]]:
        """table -> [(column, DuckDB type)] of the current schema."""
        if self._columns is None:
            con = duck.connect()
            try:
                con.execute("ATTACH ':memory:' AS ledger")
                for statement in _duck_ddl():
                    con.execute(statement)
                rows = con.execute(
                    "SELECT table_name, column_name, data_type FROM duckdb_columns()"
                    " WHERE database_name = 'ledger' ORDER BY table_name, column_index"
                ).fetchall()
            finally:
                con.close()
            cols: dict[str, list[tuple[str, str]]] = {}
            for table, column, kind in rows:
                cols.setdefault(str(table), []).append((str(column), str(kind)))
            self._columns = cols
        return self._columns

    def _read(
        self, pg: psycopg.Connection[Any], table: str, where: str | None = None
    ) -> pl.DataFrame:
        """Rows of `table` (and their `_row`) as a frame, through `COPY ... TO STDOUT` in CSV:
        an order of magnitude faster than fetching tuples. `where` is constant SQL that only
        names tables (values reach the server as bound parameters in temp tables first)."""
        columns = self.columns()[table]
        picks = [
            sql.SQL("{c}::text").format(c=sql.Identifier(c))
            if kind == "BOOLEAN"
            else sql.Identifier(c)
            for c, kind in columns
        ]
        query = sql.SQL("SELECT {cols}, _row FROM {table}").format(
            cols=sql.SQL(", ").join(picks), table=sql.Identifier("ledger", table)
        )
        if where is not None:
            query = sql.SQL("{q} WHERE {w}").format(q=query, w=sql.SQL(where))
        buffer = io.BytesIO()
        with (
            pg.cursor() as cur,
            cur.copy(sql.SQL("COPY ({q}) TO STDOUT (FORMAT csv)").format(q=query)) as copy,
        ):
            for block in copy:
                buffer.write(block)
        schema = {c: _POLARS_TYPES[kind] for c, kind in columns} | {"_row": pl.Int64}
        if not buffer.tell():
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, schema=schema)

    def _create_catalog(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("ATTACH ':memory:' AS ledger")
        for statement in _duck_ddl():
            con.execute(statement)

    def _fill(
        self, con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, *, snapshot: bool
    ) -> None:
        cols = ", ".join(_q(c) for c, _ in self.columns()[table])
        con.register("_pg_load", frame)
        try:
            con.execute(f"INSERT INTO ledger.{_q(table)} SELECT {cols} FROM _pg_load")
            if snapshot:
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {_q('_pg_snap_' + table)} AS"
                    " SELECT * FROM _pg_load"
                )
        finally:
            con.unregister("_pg_load")

    def _load_all(self, pg: psycopg.Connection[Any], con: duckdb.DuckDBPyConnection) -> int:
        """Every row into `con`'s catalog `ledger` (a snapshot kept); returns the sync version."""
        version = self._sync_version(pg)
        for table in self.columns():
            self._fill(con, table, self._read(pg, table), snapshot=True)
        return version

    def _load_focus(
        self, pg: psycopg.Connection[Any], con: duckdb.DuckDBPyConnection, focus: Focus
    ) -> int:
        """A write session about a few persons: the small tables whole, the `persons` and
        `identities` rows of `focus`, nothing of the other person tables (snapshots kept)."""
        version = self._sync_version(pg)
        pg.execute(
            "CREATE TEMP TABLE _pl_fkeys ON COMMIT DROP AS SELECT unnest(%s::text[]) AS key",
            [list(focus.keys)],
        )
        pg.execute(
            "CREATE TEMP TABLE _pl_fids ON COMMIT DROP AS"
            " SELECT * FROM unnest(%s::text[], %s::text[]) AS t(kind, value)",
            [[k for k, _ in focus.identities], [v for _, v in focus.identities]],
        )
        wheres = {
            "persons": "person_key IN (SELECT key FROM _pl_fkeys)"
            " OR canonical_key IN (SELECT key FROM _pl_fkeys)",
            "identities": "(kind, value) IN (SELECT kind, value FROM _pl_fids)",
        }
        for table in self.columns():
            if table in SMALL_TABLES:
                frame = self._read(pg, table)
            else:
                frame = self._read(pg, table, wheres.get(table, "FALSE"))
            self._fill(con, table, frame, snapshot=True)
        return version

    @staticmethod
    def _sync_version(pg: psycopg.Connection[Any]) -> int:
        row = pg.execute("SELECT version FROM ledger._pg_sync").fetchone()
        return int(row[0]) if row else 0

    def _load_for_build(
        self, pg: psycopg.Connection[Any], con: duckdb.DuckDBPyConnection, reach: Reach
    ) -> None:
        """The rows a build's read needs (see the module docstring) into `con`'s `ledger`."""
        emails, urls, keys = _build_inputs(con)
        for table in SMALL_TABLES:
            self._fill(con, table, self._read(pg, table), snapshot=False)
        pg.execute(
            "CREATE TEMP TABLE _pl_args ON COMMIT DROP AS"
            " SELECT %s::date AS since, %s::boolean AS any_sender",
            [reach.since, reach.senders is None],
        )
        pg.execute(
            "CREATE TEMP TABLE _pl_senders ON COMMIT DROP AS"
            " SELECT unnest(%s::text[]) AS sender_id",
            [list(reach.senders or ())],
        )
        pg.execute(
            """
            CREATE TEMP TABLE _pl_ids ON COMMIT DROP AS
            SELECT _row, person_key FROM ledger.identities
             WHERE (kind = 'email' AND value = ANY(%(emails)s))
                OR (kind = 'url' AND value = ANY(%(urls)s))
            """,
            {"emails": emails, "urls": urls},
        )
        pg.execute(
            """
            CREATE TEMP TABLE _pl_keys ON COMMIT DROP AS
            SELECT person_key FROM _pl_ids
            UNION SELECT person_key FROM ledger.persons WHERE person_key = ANY(%(keys)s)
            UNION SELECT person_key FROM ledger.forgotten
            """,
            {"keys": keys},
        )
        pg.execute(
            """
            CREATE TEMP TABLE _pl_persons ON COMMIT DROP AS
            SELECT DISTINCT p.person_key FROM ledger.persons p
            WHERE p.person_key IN (SELECT person_key FROM _pl_keys)
               OR p.canonical_key IN (
                    SELECT c.canonical_key FROM ledger.persons c
                    WHERE c.person_key IN (SELECT person_key FROM _pl_keys))
               OR p.person_key <> p.canonical_key
            """
        )
        pg.execute("ANALYZE _pl_persons")
        mine = "person_key IN (SELECT person_key FROM _pl_persons)"
        touches = [mine] if reach.touches else []
        outcomes = [mine] if reach.touches else []
        if reach.since is not None:
            touches.append(
                "(touched_on >= (SELECT since FROM _pl_args) AND ((SELECT any_sender FROM"
                " _pl_args) OR sender_id IN (SELECT sender_id FROM _pl_senders)))"
            )
            outcomes.append("outcome_on >= (SELECT since FROM _pl_args)")
        wheres = {
            "persons": mine,
            "identities": "_row IN (SELECT _row FROM _pl_ids)",
            "forgotten": None,
            "touches": " OR ".join(touches) or "FALSE",
            "outcomes": " OR ".join(outcomes) or "FALSE",
        }
        for table, where in wheres.items():
            self._fill(con, table, self._read(pg, table, where), snapshot=False)

    # ------------------------------------------------------------------ writing back

    def _write_back(
        self, pg: psycopg.Connection[Any], con: duckdb.DuckDBPyConnection, version: int
    ) -> None:
        """The difference between the snapshot and `con`'s `ledger`, in ONE transaction."""
        deletes: dict[str, list[int]] = {}
        inserts: dict[str, list[tuple[Any, ...]]] = {}
        for table, columns in self.columns().items():
            names = [c for c, _ in columns]
            cols = ", ".join(_q(c) for c in names)
            same = " AND ".join(f"f.{_q(c)} IS NOT DISTINCT FROM s.{_q(c)}" for c in names)
            snap = _q("_pg_snap_" + table)
            numbered = (
                f"WITH s AS (SELECT *, row_number() OVER (PARTITION BY {cols} ORDER BY _row)"
                f" AS _n FROM {snap}),"
                f" f AS (SELECT {cols}, row_number() OVER (PARTITION BY {cols}) AS _n"
                f" FROM ledger.{_q(table)})"
            )
            gone = con.execute(
                f"{numbered} SELECT s._row FROM s WHERE NOT EXISTS"
                f" (SELECT 1 FROM f WHERE {same} AND f._n = s._n) ORDER BY s._row"
            ).fetchall()
            new = con.execute(
                f"{numbered} SELECT {', '.join('f.' + _q(c) for c in names)} FROM f"
                f" WHERE NOT EXISTS (SELECT 1 FROM s WHERE {same} AND f._n = s._n)"
            ).fetchall()
            if gone:
                deletes[table] = [int(r[0]) for r in gone]
            if new:
                inserts[table] = new
        if not deletes and not inserts:
            return
        with pg.transaction():
            pg.execute("SELECT pg_advisory_xact_lock(%s)", [WRITEBACK_KEY])
            row = pg.execute("SELECT version FROM ledger._pg_sync FOR UPDATE").fetchone()
            if row is None or int(row[0]) != version:
                raise LedgerError(
                    f"{self.name}: another planner process wrote the ledger meanwhile;"
                    " nothing was recorded",
                    hint="run the command again (it will plan against the other process's"
                    " touches); builds that share a ledger take its writer lock",
                )
            for table, ids in deletes.items():
                pg.execute(
                    sql.SQL("DELETE FROM {t} WHERE _row = ANY(%s)").format(
                        t=sql.Identifier("ledger", table)
                    ),
                    [ids],
                )
            with pg.cursor() as cur:
                for table, rows in inserts.items():
                    names = [c for c, _ in self.columns()[table]]
                    copy = sql.SQL("COPY {t} ({cols}) FROM STDIN").format(
                        t=sql.Identifier("ledger", table),
                        cols=sql.SQL(", ").join(sql.Identifier(c) for c in names),
                    )
                    with cur.copy(copy) as cp:
                        for r in rows:
                            cp.write_row(r)
            pg.execute("UPDATE ledger._pg_sync SET version = version + 1")

    # ------------------------------------------------------------------ the Store API

    @contextlib.contextmanager
    def session(
        self, *, write: bool, focus: Focus | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duck.connect()
        try:
            with self._translate(), self._connect() as pg:
                if write:
                    self._migrate(pg)
                else:
                    self._check_readable(pg)
                pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                with translate_errors(self.name):
                    self._create_catalog(con)
                if self._version(pg) == 0:
                    with translate_errors(self.name):
                        _empty_meta(con)
                    yield con
                    return
                with pg.transaction(), translate_errors(self.name):
                    if focus is not None:
                        version = self._load_focus(pg, con, focus)
                    else:
                        version = self._load_all(pg, con)
                pg.isolation_level = None
                yield con
                if write:
                    with translate_errors(self.name):
                        self._write_back(pg, con, version)
        finally:
            con.close()

    def _check_readable(self, pg: psycopg.Connection[Any]) -> None:
        version = self._version(pg)
        if 0 < version < SCHEMA_VERSION:
            raise LedgerError(
                f"{self.name}: ledger schema version {version} needs migrating to {SCHEMA_VERSION}",
                hint="run `planner ledger migrate --ledger URL` (or any real build) once; a"
                " dry run never writes",
            )

    @contextlib.contextmanager
    def attached(
        self, con: duckdb.DuckDBPyConnection, *, reach: Reach | None = None
    ) -> Iterator[None]:
        try:
            with self._translate(), self._connect() as pg:
                self._check_readable(pg)
                with translate_errors(self.name):
                    self._create_catalog(con)
                if self._version(pg) == 0:
                    with translate_errors(self.name):
                        _empty_meta(con)
                else:
                    pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                    with pg.transaction(), translate_errors(self.name):
                        if _has_table(con, "people") and _has_table(con, "persons"):
                            self._load_for_build(pg, con, reach or Reach())
                        else:
                            self._load_all(pg, con)
            yield
        finally:
            con.execute("DETACH DATABASE IF EXISTS ledger")

    def compact(self) -> None:
        """VACUUM FULL rewrites each table, so erased values leave the table files too."""
        with self._translate(), self._connect() as pg:
            for table in self.columns():
                pg.execute(sql.SQL("VACUUM FULL {t}").format(t=sql.Identifier("ledger", table)))


def _empty_meta(con: duckdb.DuckDBPyConnection) -> None:
    """An empty ledger as a dry run sees it before the first real build."""
    con.execute(
        "INSERT INTO ledger.meta VALUES ('application', ?), ('generation', '0'), (?, ?)",
        [APPLICATION, SALT_KEY, secrets.token_hex(32)],
    )


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name <> 'ledger'",
        [name],
    ).fetchall()
    return bool(rows and rows[0][0])


def _build_inputs(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str], list[str]]:
    """The normalized emails, profile URLs and build keys of a build's input (tables `people`
    and `persons` of the build connection), sent to the server as bound array parameters."""

    def values(query: str) -> list[str]:
        return [str(v) for v in con.sql(query).pl().to_series().to_list()]

    return (
        values("SELECT DISTINCT email_norm FROM people WHERE email_norm IS NOT NULL"),
        values("SELECT DISTINCT url_norm FROM people WHERE url_norm IS NOT NULL"),
        values("SELECT DISTINCT person_key FROM persons"),
    )
