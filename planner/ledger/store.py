"""Where the ledger lives, behind a small interface (SPEC 6.5).

The engine (identity, caps, commands) talks SQL to the catalog `ledger` inside a DuckDB
connection and never opens files itself. A `Store` provides that catalog:

- `session(write=...)`: a connection of its own with the ledger attached (a command, or a build
  recording its run);
- `attached(con)`: the ledger attached read-only into a build's connection for as long as a
  few set-based reads take, so caps are joins, not lookups;
- `writer_lock()`: the lock that serializes writers for a whole build.

`FileStore` is the embedded DuckDB file (default `.planner/ledger.duckdb`), `MemoryStore` an
empty ledger for a dry run when no file exists yet (a dry run never creates one). A shared
server database is a third Store, `planner.ledger.pg.PostgresStore`: it loads the rows a
build needs from PostgreSQL into an in-memory catalog `ledger` and writes the difference back
in one server transaction; `open_store` picks the store a --ledger value names.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

from planner import __version__, duck
from planner.duck import transaction
from planner.errors import LedgerError
from planner.ledger import _hooks
from planner.ledger.hashing import ensure_salt, read_salt
from planner.ledger.lock import Notify, file_lock
from planner.ledger.schema import APPLICATION, MIGRATIONS, SCHEMA_VERSION

LEDGER_ENV = "PLANNER_LEDGER"
DEFAULT_RELATIVE = Path(".planner") / "ledger.duckdb"


def open_store(location: Path | str | None) -> Store:
    """The store a --ledger value (else `$PLANNER_LEDGER`, else `.planner/ledger.duckdb`)
    names: `postgresql://...` is a PostgreSQL ledger, anything else a DuckDB file."""
    if location is None or str(location) == "":
        location = os.environ.get(LEDGER_ENV, "").strip() or None
    if isinstance(location, Path):
        # A URL that went through Path (a CLI option typed Path) lost one slash of `//`.
        text = str(location)
        for scheme in ("postgresql:", "postgres:"):
            if text.startswith(scheme + "/") and not text.startswith(scheme + "//"):
                location = scheme + "/" + text[len(scheme) :]
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        from planner.ledger.pg import PostgresStore  # psycopg only when a server is named

        return PostgresStore(location)
    return FileStore(Path(location) if location is not None else default_path())


def default_path() -> Path:
    """`$PLANNER_LEDGER`, else `.planner/ledger.duckdb` under the working directory."""
    env = os.environ.get(LEDGER_ENV)
    if env and env.strip():
        return Path(env)
    return Path.cwd() / DEFAULT_RELATIVE


@dataclass(frozen=True)
class Focus:
    """What a write session is about, when it is about a few persons only (a build's own
    steps): a store that loads rows (PostgreSQL) may then leave out every row of the person
    tables except the `persons` rows of `keys` (and of keys whose canonical key is one of
    them) and the `identities` rows of `identities` (kind, value). Rows it leaves out are
    never read or changed; new rows are still written. `Focus()` is about no person."""

    keys: tuple[str, ...] = ()
    identities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reach:
    """What a build's read needs of the ledger beyond identities and persons, when the
    connection holds the build's `people` and `persons`: a store that loads rows
    (PostgreSQL) may leave out the rest; a file attaches everything anyway.

    - `touches`: the touches and outcomes of the build's persons (caps, suppression);
    - `since`, `senders`: every touch on or after `since` by one of `senders` (all senders when
      None), and every outcome on or after `since` (the guardrail's window)."""

    touches: bool = True
    since: date | None = None
    senders: tuple[str, ...] | None = None


class Store(Protocol):
    """What the ledger engine needs from storage."""

    @property
    def name(self) -> str:
        """Where the ledger is, for messages."""
        ...

    def exists(self) -> bool:
        """Whether a ledger has been created here."""
        ...

    def writer_lock(self, *, notify: Notify | None = None) -> AbstractContextManager[object]:
        """Exclusive among writers (builds, cancel, imports) for the `with` block."""
        ...

    def session(
        self, *, write: bool, focus: Focus | None = None
    ) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection with the ledger attached as `ledger` (created/migrated when writing);
        with a `focus`, only the rows it names need be there (see `Focus`)."""
        ...

    def attached(
        self, con: duckdb.DuckDBPyConnection, *, reach: Reach | None = None
    ) -> AbstractContextManager[None]:
        """The ledger attached read-only as `ledger` into `con` for the `with` block (with a
        `reach`, only the rows it names need be there)."""
        ...

    def compact(self) -> None:
        """Rewrite the storage so that deleted values are physically gone (writer lock held)."""
        ...


# --------------------------------------------------------------------------- schema checks


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: Any = None
) -> tuple[Any, ...] | None:
    """The first row of a query, reading the whole result (DuckDB 2 refuses further work on a
    connection while a result is unfinished)."""
    rows = (
        con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    )
    return rows[0] if rows else None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'ledger'"
    ).fetchall()
    return {r[0] for r in rows}


def _version(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Schema version of an attached ledger (0: an empty DuckDB file); refuses foreign files."""
    tables = _tables(con)
    if not tables:
        return 0
    if not {"meta", "schema_info"} <= tables:
        raise LedgerError(
            f"{name}: this DuckDB file is not a planner ledger",
            hint="point --ledger / PLANNER_LEDGER at a planner ledger, or move this file away",
        )
    app = first_row(con, "SELECT value FROM ledger.meta WHERE key = 'application'")
    if app is None or app[0] != APPLICATION:
        raise LedgerError(
            f"{name}: this DuckDB file is not a planner ledger",
            hint="point --ledger / PLANNER_LEDGER at a planner ledger, or move this file away",
        )
    row = first_row(con, "SELECT max(version) FROM ledger.schema_info")
    version = int(row[0]) if row and row[0] is not None else 0
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{name}: ledger schema version {version} is newer than this planner supports"
            f" ({SCHEMA_VERSION})",
            hint="upgrade planner; an older planner must not write a newer ledger",
        )
    if version < 1:
        raise LedgerError(
            f"{name}: ledger schema version {version} is not valid",
            hint="the ledger file is damaged; restore it from a backup",
        )
    return version


def create_schema(con: duckdb.DuckDBPyConnection, current: int = 0) -> None:
    """Apply the migrations after `current` to the attached `ledger`, in one transaction."""
    if current >= SCHEMA_VERSION:
        if read_salt(con) is None:  # a ledger made before salts existed (never shipped)
            ensure_salt(con)
        return
    with transaction(con):
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            con.execute(
                "INSERT INTO ledger.schema_info VALUES (?, ?, ?)",
                [version, datetime.now(UTC).replace(tzinfo=None), __version__],
            )
        ensure_salt(con)


def check_readable(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when the attached ledger can be read as is; False when it is an empty DuckDB file."""
    version = _version(con, name)
    if version == 0:
        return False
    if version < SCHEMA_VERSION:
        raise LedgerError(
            f"{name}: ledger schema version {version} needs migrating to {SCHEMA_VERSION}",
            hint="run `planner ledger migrate` (or any real build) once; a dry run never writes",
        )
    return True


def _memory_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ATTACH ':memory:' AS ledger")
    create_schema(con)


# --------------------------------------------------------------------------- errors


_DAMAGED_HINT = (
    "the ledger file is damaged or not a DuckDB database: restore it from a backup, or move it"
    " away to start an empty ledger (its history would be lost)"
)


@contextlib.contextmanager
def translate_errors(name: str) -> Iterator[None]:
    """DuckDB and OS errors on the ledger become LedgerError (exit 4), never a traceback."""
    try:
        yield
    except LedgerError:
        raise
    except duckdb.Error as exc:
        text = str(exc)
        if "not a valid DuckDB database" in text or "Corrupt" in text or "checksum" in text:
            raise LedgerError(
                f"{name}: cannot read the ledger: {_first_line(text)}", hint=_DAMAGED_HINT
            ) from exc
        if "lock" in text.lower() and "conflict" in text.lower():
            raise LedgerError(
                f"{name}: ledger is in use by another process",
                hint="wait for the other planner process to finish and retry",
            ) from exc
        if isinstance(exc, duckdb.IOException | duckdb.SerializationException):
            raise LedgerError(
                f"{name}: cannot read the ledger: {_first_line(text)}", hint=_DAMAGED_HINT
            ) from exc
        # Other database errors may quote values: name the kind only.
        raise LedgerError(
            f"{name}: ledger database error ({type(exc).__name__})",
            hint="if this repeats, the ledger file may be damaged; restore it from a backup",
        ) from exc
    except OSError as exc:
        raise LedgerError(
            f"{name}: {exc.strerror or type(exc).__name__}",
            hint="check the ledger path and its permissions",
        ) from exc


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


# --------------------------------------------------------------------------- stores


@contextlib.contextmanager
def _private_files() -> Iterator[None]:
    """Files DuckDB creates meanwhile (the database, its .wal) get mode 0600."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


class FileStore:
    """The embedded DuckDB ledger file."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().absolute()
        self.build_lock = self.path.with_name(self.path.name + ".build.lock")
        self.io_lock = self.path.with_name(self.path.name + ".io.lock")

    @property
    def name(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def writer_lock(self, *, notify: Notify | None = None) -> Iterator[object]:
        with translate_errors(self.name):
            self._make_parent()
        with file_lock(self.build_lock, exclusive=True, what="writing it", notify=notify) as held:
            _hooks.checkpoint("after_writer_lock")
            yield held

    def _make_parent(self) -> None:
        parent = self.path.parent
        if not parent.exists():
            parent.mkdir(parents=True, mode=0o700)

    def _chmod(self) -> None:
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)

    @contextlib.contextmanager
    def session(
        self, *, write: bool, focus: Focus | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        if not write and not self.exists():
            # Reading a ledger that does not exist yet: an empty one, nothing created.
            yield from MemoryStore().session_gen()
            return
        with translate_errors(self.name):
            if write:
                self._make_parent()
        with (
            file_lock(self.io_lock, exclusive=write, what="using it", create=write) as _,
            translate_errors(self.name),
        ):
            con = duck.connect()
            try:
                if write:
                    with _private_files():
                        con.execute("ATTACH ? AS ledger (TYPE duckdb)", [str(self.path)])
                        create_schema(con, _version(con, self.name))
                        self._chmod()
                        yield con
                        con.execute("DETACH ledger")
                        self._chmod()
                else:
                    con.execute("ATTACH ? AS ledger (TYPE duckdb, READ_ONLY)", [str(self.path)])
                    if not check_readable(con, self.name):
                        con.execute("DETACH ledger")
                        _memory_ledger(con)
                    yield con
            finally:
                con.close()

    def compact(self) -> None:
        """Copy the ledger into a fresh file and rename it over the old one.

        DuckDB leaves deleted and overwritten values in the file's free blocks; after `planner
        ledger forget` they must be gone from the disk too, not only from the tables. Call with
        the writer lock held. A crash before the rename leaves the old file as it was (the
        half-written copy is removed by the next compaction); the rename is atomic.
        """
        if not self.exists():
            return
        for stale in self.path.parent.glob(f".{self.path.name}.compact-*"):
            with contextlib.suppress(OSError):
                stale.unlink()
        tmp = self.path.with_name(f".{self.path.name}.compact-{os.getpid()}")
        with (
            file_lock(self.io_lock, exclusive=True, what="using it") as _,
            translate_errors(self.name),
            _private_files(),
        ):
            con = duck.connect()
            try:
                con.execute("ATTACH ? AS ledger (TYPE duckdb)", [str(self.path)])
                con.execute("CHECKPOINT ledger")
                con.execute("ATTACH ? AS fresh (TYPE duckdb)", [str(tmp)])
                con.execute("COPY FROM DATABASE ledger TO fresh")
                con.execute("DETACH fresh")
                con.execute("DETACH ledger")
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            finally:
                con.close()
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            wal = self.path.with_name(self.path.name + ".wal")
            with contextlib.suppress(FileNotFoundError):
                wal.unlink()  # checkpointed above; it must never be replayed onto the copy
            os.replace(tmp, self.path)
            self._chmod()

    @contextlib.contextmanager
    def attached(
        self, con: duckdb.DuckDBPyConnection, *, reach: Reach | None = None
    ) -> Iterator[None]:
        if not self.exists():
            with MemoryStore().attached(con):
                yield
            return
        with (
            file_lock(self.io_lock, exclusive=False, what="writing it", create=False) as _,
            translate_errors(self.name),
        ):
            con.execute("ATTACH ? AS ledger (TYPE duckdb, READ_ONLY)", [str(self.path)])
            try:
                if not check_readable(con, self.name):
                    con.execute("DETACH ledger")
                    _memory_ledger(con)
                yield
            finally:
                con.execute("DETACH DATABASE IF EXISTS ledger")


class MemoryStore:
    """An empty ledger in memory: what a dry run reads when no ledger file exists yet."""

    @property
    def name(self) -> str:
        return "(empty ledger in memory)"

    def exists(self) -> bool:
        return False

    @contextlib.contextmanager
    def writer_lock(self, *, notify: Notify | None = None) -> Iterator[object]:
        yield False

    def session_gen(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duck.connect()
        try:
            _memory_ledger(con)
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def session(
        self, *, write: bool, focus: Focus | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        yield from self.session_gen()

    def compact(self) -> None:
        return

    @contextlib.contextmanager
    def attached(
        self, con: duckdb.DuckDBPyConnection, *, reach: Reach | None = None
    ) -> Iterator[None]:
        _memory_ledger(con)
        try:
            yield
        finally:
            con.execute("DETACH DATABASE IF EXISTS ledger")
