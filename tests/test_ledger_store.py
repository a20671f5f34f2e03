"""Ledger storage: creation, permissions, schema version, damaged files, dry runs never write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from planner.errors import LedgerError
from planner.ledger import SCHEMA_VERSION, open_for_build
from planner.ledger.commands import list_runs, migrate
from planner.ledger.store import FileStore, default_path
from tests.ledger_support import run_cli


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_on_first_write_with_private_modes(tmp_path: Path) -> None:
    path = tmp_path / ".planner" / "ledger.duckdb"
    with open_for_build(path, dry_run=False):
        pass
    assert path.exists()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    for lock in path.parent.glob("*.lock"):
        assert _mode(lock) == 0o600
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT max(version) FROM schema_info").fetchall() == [(SCHEMA_VERSION,)]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert {"runs", "touches", "identities", "outcomes", "persons", "meta"} <= tables


def test_wal_file_is_private_too(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    store = FileStore(path)
    with store.writer_lock(), store.session(write=True) as con:
        con.execute("INSERT INTO ledger.meta VALUES ('probe', 'x')")
        wal = path.with_name(path.name + ".wal")
        if wal.exists():  # DuckDB keeps a WAL until checkpoint
            assert _mode(wal) == 0o600
    assert _mode(path) == 0o600


def test_dry_run_never_creates_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / ".planner" / "ledger.duckdb"
    led = open_for_build(path, dry_run=True)
    led.close()
    assert not path.parent.exists()
    assert list_runs(path) == []
    assert not path.parent.exists()


def test_dry_run_reads_without_modifying(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    migrate(path)
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    led = open_for_build(path, dry_run=True)
    led.close()
    assert list_runs(path) == []
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert not path.with_name(path.name + ".wal").exists()


def test_dry_run_ledger_refuses_to_record(tmp_path: Path) -> None:
    led = open_for_build(tmp_path / "l.duckdb", dry_run=True)
    with pytest.raises(LedgerError, match="dry run never writes"):
        led.finish_run("x")


def test_default_path_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_LEDGER", raising=False)
    assert default_path() == tmp_path / ".planner" / "ledger.duckdb"
    monkeypatch.setenv("PLANNER_LEDGER", str(tmp_path / "x.duckdb"))
    assert default_path() == tmp_path / "x.duckdb"


def _random_file(path: Path) -> None:
    path.write_bytes(os.urandom(20_000))


def _newer_version(path: Path) -> None:
    migrate(path)
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_info VALUES (?, now(), 'future')", [SCHEMA_VERSION + 1])
    con.close()


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.close()


def _truncated(path: Path) -> None:
    migrate(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


BROKEN = {
    "random bytes": (_random_file, "not a valid DuckDB database"),
    "newer schema": (_newer_version, "newer than this planner supports"),
    "foreign database": (_foreign_duckdb, "not a planner ledger"),
    "truncated": (_truncated, "cannot read the ledger"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
@pytest.mark.parametrize("dry_run", [True, False])
def test_broken_ledger_raises_ledger_error(tmp_path: Path, kind: str, dry_run: bool) -> None:
    path = tmp_path / "l.duckdb"
    make, words = BROKEN[kind]
    make(path)
    before = path.read_bytes()
    with pytest.raises(LedgerError, match=words) as info:
        open_for_build(path, dry_run=dry_run).close()
    assert info.value.exit_code == 4
    assert info.value.hint
    assert path.read_bytes() == before  # never "repaired" behind the user's back


@pytest.mark.parametrize("kind", ["random bytes", "newer schema"])
def test_broken_ledger_cli_exit_4_without_traceback(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "l.duckdb"
    make, words = BROKEN[kind]
    make(path)
    for args in (["ledger", "runs"], ["ledger", "history", "a@b.example"]):
        res = run_cli(*args, "--ledger", str(path), cwd=tmp_path)
        assert res.returncode == 4, res.stderr
        assert "Traceback" not in res.stderr
        assert res.stderr.startswith("planner: error: ")
        assert words in res.stderr
        assert "planner: hint:" in res.stderr


def test_broken_ledger_build_exit_4(tmp_path: Path) -> None:
    from planner.examples import write_example

    write_example(tmp_path)
    path = tmp_path / "l.duckdb"
    _random_file(path)
    for extra in (["--dry-run"], []):
        res = run_cli(
            "build",
            "example.yaml",
            "--ledger",
            str(path),
            "--as-of",
            "2026-11-01",
            *extra,
            cwd=tmp_path,
        )
        assert res.returncode == 4, res.stderr
        assert "Traceback" not in res.stderr
        assert "not a valid DuckDB database" in res.stderr
    assert not (tmp_path / "out").exists()


def test_empty_duckdb_file_becomes_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.duckdb"
    duckdb.connect(str(path)).close()
    assert list_runs(path) == []  # read: an empty ledger
    assert migrate(path)["schema_version"] == SCHEMA_VERSION


def test_version_1_ledger_is_migrated_keeping_its_outcomes(tmp_path: Path) -> None:
    """Version 2 adds outcomes.until_on (`not_now`), version 3 the touches' follow-up step,
    version 4 their message variant; a version 1 file keeps every row."""
    from planner.ledger.schema import MIGRATIONS

    path = tmp_path / "l.duckdb"
    con = duckdb.connect()
    con.execute("ATTACH ? AS ledger", [str(path)])
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO ledger.schema_info VALUES (1, now(), 'old')")
    con.execute(
        "INSERT INTO ledger.outcomes VALUES"
        " ('r1', 'p1', NULL, 'not_interested', DATE '2026-01-02', NULL, now())"
    )
    con.close()
    with pytest.raises(LedgerError, match="version 1 needs migrating to 4"):
        open_for_build(path, dry_run=True).close()
    assert migrate(path)["schema_version"] == SCHEMA_VERSION == 4
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT outcome, until_on FROM outcomes").fetchall() == [
            ("not_interested", None)
        ]
        assert con.execute("SELECT version FROM schema_info ORDER BY version").fetchall() == [
            (1,),
            (2,),
            (3,),
            (4,),
        ]
    finally:
        con.close()


def test_a_sqlite_file_as_ledger_is_refused_without_loading_an_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from tests.outcomes_support import run_main

    path = tmp_path / "ledger.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.commit()
    code, _, stderr = run_main(capsys, "ledger", "runs", "--ledger", str(path))
    assert code == 4
    assert "not a valid DuckDB database file" in stderr
    assert "extension" not in stderr.lower()
