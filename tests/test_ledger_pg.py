"""The team ledger on PostgreSQL (planner.ledger.pg) against a real throwaway server.

- the same scenario (builds with identity merges, imports, outcomes, cancel, forget, stats)
  on a file ledger and on a PostgreSQL ledger gives the same answers and the same rows;
- a build's reads load only the rows it needs, and still decide exactly as a file does;
- two writers that bypass the writer lock cannot both record (the write-back recheck);
- `planner ledger copy` round-trips file -> PostgreSQL -> file with every table equal;
- passwords never reach a message.

Concurrency and crash safety across processes: tests/test_ledger_pg_processes.py.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from planner.errors import LedgerError
from planner.ledger import commands, forget, open_for_build
from planner.ledger.pg import PostgresStore, redact
from planner.ledger.schema import SCHEMA_VERSION
from planner.ledger.store import FileStore, Reach, open_store
from planner.ledger.transfer import copy_ledger
from tests.ledger_support import DATA, dry_build, real_build, run_cli, write_campaign

pytestmark = pytest.mark.pg

AS_OF = date(2026, 11, 2)

#: Wall-clock columns and keys (when a command ran), left out when two ledgers are compared.
VOLATILE = {"created_at", "committed_at", "cancelled_at", "recorded_at", "forgotten_at"}


def _dump(ledger: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, through the store's own session."""
    store = open_store(ledger)
    with store.session(write=False) as con:
        tables = [
            str(r[0])
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'ledger'"
            ).fetchall()
        ]
        return {
            t: sorted(
                con.execute(f'SELECT * FROM ledger."{t}"').fetchall(),
                key=lambda r: tuple((v is None, str(v)) for v in r),
            )
            for t in sorted(tables)
        }


def _scenario(root: Path, ledger: str) -> list[Any]:
    """Builds, imports, outcomes, cancel, forget and every read command, in one ledger."""
    root.mkdir()
    for name in ("people_1.csv", "people_2.csv"):
        shutil.copy(DATA / name, root / name)
    a = write_campaign(root, "camp-a", ["people_1.csv"])
    b = write_campaign(root, "camp-b", ["people_2.csv"], window=60, max_touches=2)
    seen: list[Any] = []
    first = real_build([a], ledger, AS_OF, root / "out-a")
    seen.append(first.recipients)
    # Jane (URL) and Omar (email) again under new rows: the ledger's keys, caps apply.
    second = real_build([b], ledger, date(2026, 11, 10), root / "out-b")
    seen += [second.recipients, second.reasons]
    (root / "touches.csv").write_text(
        "email,date,campaign_id,channel\nana@example.com,2026-11-11,,email\n", encoding="utf-8"
    )
    seen.append(commands.import_touches(root / "touches.csv", ledger, notify=lambda _m: None))
    (root / "outcomes.csv").write_text(
        "email,profile_url,campaign_id,outcome,date\n"
        "omar@example.com,,camp-a,not_interested,2026-11-12\n"
        "jane.doe@example.com,,,replied,2026-11-12\n"
        "ana@example.com,,,bounced,2026-11-12\n",
        encoding="utf-8",
    )
    seen.append(commands.import_outcomes(root / "outcomes.csv", ledger, notify=lambda _m: None))
    seen.append(dry_build([a, b], ledger, date(2026, 12, 20)).reasons)
    runs = commands.list_runs(ledger)
    seen.append(commands.cancel_run(str(runs[0]["run_id"]), ledger, notify=lambda _m: None))
    seen.append(commands.history("omar@example.com", ledger))
    seen.append(commands.stats(ledger, as_of=date(2026, 12, 1)))
    seen.append(forget.forget("https://www.linkedin.com/in/li-wei", ledger, notify=lambda _m: None))
    # The forgotten person is recognized again (by the hash of the URL).
    seen.append(dry_build([a], ledger, date(2026, 12, 20)).reasons)
    seen.append(commands.list_runs(ledger))
    return seen


def _normalized(value: Any, ledger: str, root: Path, run_ids: dict[str, str]) -> Any:
    """Run ids by their order, paths relative to the scenario's root, the ledger's name out."""
    text = json.dumps(value, default=str, sort_keys=True)
    for run_id, label in run_ids.items():
        text = text.replace(run_id, label)
    return json.loads(
        text.replace(str(root), "<root>").replace(ledger, "<ledger>"),
        object_hook=lambda d: {k: v for k, v in d.items() if k not in VOLATILE},
    )


def _run_ids(ledger: str) -> dict[str, str]:
    """Run ids by order, and the anonymous key `forget` made (random, so per ledger)."""
    labels = {str(r["run_id"]): f"<run{i}>" for i, r in enumerate(commands.list_runs(ledger))}
    anon = {str(r[2]) for r in _dump(ledger)["forgotten"]}
    return labels | {key: "<forgotten>" for key in anon}


def _comparable(ledger: str, root: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The dump without wall-clock columns and salted hashes (each ledger has its own salt)."""
    store = open_store(ledger)
    cols: dict[str, list[str]] = {}
    with store.session(write=False) as con:
        for t, c in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'ledger'"
            " ORDER BY table_name, column_index"
        ).fetchall():
            cols.setdefault(str(t), []).append(str(c))
    run_ids = _run_ids(ledger)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table, rows in _dump(ledger).items():
        if table == "schema_info":
            continue
        keep = [
            i
            for i, c in enumerate(cols[table])
            if c not in VOLATILE and c not in ("hash", "email_hash", "staging_dir")
        ]
        picked = [
            tuple(r[i] for i in keep) for r in rows if not (table == "meta" and r[0] == "salt")
        ]
        out[table] = sorted(
            _normalized([list(r) for r in picked], ledger, root, run_ids),
            key=lambda r: json.dumps(r, default=str),
        )
    return out


def test_the_same_scenario_gives_the_same_answers_and_rows(tmp_path: Path, pg_url: str) -> None:
    file_ledger = str(tmp_path / "file" / "ledger.duckdb")
    file_seen = _scenario(tmp_path / "file", file_ledger)
    pg_seen = _scenario(tmp_path / "pg", pg_url)
    file_answers = _normalized(file_seen, file_ledger, tmp_path / "file", _run_ids(file_ledger))
    pg_answers = _normalized(pg_seen, pg_url, tmp_path / "pg", _run_ids(pg_url))
    assert pg_answers == file_answers
    # The scenario did something: merges, caps, suppression, a cancel and a forget.
    assert len(file_seen[0]["camp-a"]) == 3
    # Jane (by URL) and Omar (by email) keep their first keys in camp-b; Ana is new.
    assert len(set(file_seen[0]["camp-a"]) & set(file_seen[1]["camp-b"])) == 2
    assert len(file_seen[1]["camp-b"]) == 3
    assert _comparable(pg_url, tmp_path / "pg") == _comparable(file_ledger, tmp_path / "file")
    dump = _dump(pg_url)
    assert len(dump["forgotten"]) >= 2
    assert {r[2] for r in dump["runs"]} == {"build", "import", "outcomes"}
    assert "cancelled" in {r[7] for r in dump["touches"]}


def test_a_builds_reads_load_only_its_persons_rows(tmp_path: Path, pg_url: str) -> None:
    """Touches of people outside the input stay on the server (unless in the guardrail's
    window), and caps still see every touch of the input's persons."""
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    shutil.copy(DATA / "people_2.csv", tmp_path / "people_2.csv")
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    real_build([a], pg_url, AS_OF, tmp_path / "out")
    b = write_campaign(tmp_path, "camp-b", ["people_2.csv"], window=400)
    store = PostgresStore(pg_url)
    loaded: list[int] = []
    original = store._load_for_build

    def spy(pg: Any, con: Any, reach: Reach) -> None:
        original(pg, con, reach)
        loaded.append(int(con.execute("SELECT count(*) FROM ledger.touches").fetchall()[0][0]))

    store._load_for_build = spy  # type: ignore[method-assign]
    led = open_for_build(pg_url, dry_run=True)
    led.store = store
    from planner import pipeline

    plan = pipeline.plan([b], as_of=date(2027, 6, 1), ledger=led)
    try:
        reasons = {
            r["candidate_id"]: r["reason"] for r in plan.excluded(plan.campaigns[0]).to_dicts()
        }
    finally:
        plan.close()
        led.close()
    # Identities need no touches; caps load Jane's and Omar's (2 of the 3: Li Wei is not in
    # people_2); the guardrail's window (30 days before 2027-06-01) holds none of them.
    assert loaded == [0, 2, 0]
    assert reasons == {"b1": "frequency_cap", "b2": "frequency_cap"}


def test_a_writer_without_the_lock_cannot_overwrite_another(pg_url: str) -> None:
    """Two write sessions from one snapshot: the second write-back finds the ledger changed
    and records nothing (exit 4), so caps can never be exceeded by a race."""
    store = PostgresStore(pg_url)
    with store.session(write=True):
        pass  # create the schema
    with (
        pytest.raises(LedgerError) as caught,
        store.session(write=True) as first,
        store.session(write=True) as second,
    ):
        for con, run in ((first, "r1"), (second, "r2")):
            con.execute(
                "INSERT INTO ledger.touches (run_id, person_key, campaign_id, touched_on, channel,"
                " sender_id, fit_score, status)"
                " VALUES (?, 'p1', 'c', DATE '2026-11-02', 'email', 'dana', 1.0, 'counted')",
                [run],
            )
    # `second` closed first and recorded; `first` found the ledger changed and recorded nothing.
    assert "another planner process wrote the ledger meanwhile" in str(caught.value)
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT run_id FROM ledger.touches").fetchall() == [("r2",)]


def test_copy_round_trips_file_to_postgres_to_file(tmp_path: Path, pg_url: str) -> None:
    source = str(tmp_path / "file" / "ledger.duckdb")
    _scenario(tmp_path / "file", source)
    back = str(tmp_path / "back.duckdb")
    to_pg = copy_ledger(source, pg_url, notify=lambda _m: None)
    assert to_pg["rows"]["touches"] == len(_dump(source)["touches"]) > 0
    copy_ledger(pg_url, back, notify=lambda _m: None)
    original = _dump(source)
    assert _dump(pg_url) == original
    assert _dump(back) == original
    assert all(original[t] for t in ("runs", "touches", "outcomes", "forgotten", "send_rows"))

    # The copy answers as the source: history of a person, by email.
    def history(ledger: str) -> str:
        answer = commands.history("omar@example.com", ledger)
        return json.dumps(answer, default=str, sort_keys=True).replace(ledger, "<ledger>")

    assert history(back) == history(source)
    assert '"touches"' in history(source)
    with pytest.raises(LedgerError, match="already holds"):
        copy_ledger(source, pg_url, notify=lambda _m: None)


def test_copy_through_the_cli(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "ledger.duckdb"
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    real_build([a], str(source), AS_OF, tmp_path / "out")
    proc = run_cli("ledger", "copy", str(source), pg_url, "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"]["touches"] == 3
    proc = run_cli("ledger", "runs", "--json", cwd=tmp_path, PLANNER_LEDGER=pg_url)
    assert proc.returncode == 0, proc.stderr
    assert [r["touches"] for r in json.loads(proc.stdout)] == [3]


def test_migrate_creates_the_versioned_schema_and_a_dry_run_writes_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    assert len(dry_build([a], pg_url, AS_OF).recipients["camp-a"]) == 3
    assert not PostgresStore(pg_url).exists()
    proc = run_cli("ledger", "migrate", "--ledger", pg_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"schema version {SCHEMA_VERSION}" in proc.stdout
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT max(version) FROM ledger.schema_info").fetchone() == (
            SCHEMA_VERSION,
        )
        assert con.execute(
            "SELECT value FROM ledger.meta WHERE key = 'application'"
        ).fetchone() == ("planner-ledger",)
        # A newer schema is refused, never written by an older planner.
        con.execute("INSERT INTO ledger.schema_info (version, applied_at) VALUES (99, now())")
    proc = run_cli("ledger", "runs", "--ledger", pg_url, cwd=tmp_path)
    assert proc.returncode == 4
    assert "newer than this planner supports" in proc.stderr


def test_a_foreign_ledger_schema_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url) as con:
        con.execute("CREATE SCHEMA ledger")
        con.execute("CREATE TABLE ledger.meta (key text, value text)")
    with pytest.raises(LedgerError, match="not a planner ledger"):
        PostgresStore(pg_url).exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://planner:s3cr3t@127.0.0.1:1/nothing",
        "postgres://planner:s3cr3t@127.0.0.1:1/nothing?connect_timeout=2",
    ],
)
def test_a_password_never_reaches_a_message(url: str, tmp_path: Path) -> None:
    assert "s3cr3t" not in redact(url)
    assert "s3cr3t" not in PostgresStore(url).name
    with pytest.raises(LedgerError) as caught:
        commands.list_runs(url)
    assert "s3cr3t" not in str(caught.value) and "s3cr3t" not in (caught.value.hint or "")
    assert "cannot use the PostgreSQL ledger" in str(caught.value)
    proc = run_cli("ledger", "runs", "--ledger", url, cwd=tmp_path)
    assert proc.returncode == 4
    assert "s3cr3t" not in proc.stderr + proc.stdout


def test_open_store_picks_the_store_from_the_value_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert isinstance(open_store("postgresql://u@h/db"), PostgresStore)
    assert isinstance(open_store(str(tmp_path / "l.duckdb")), FileStore)
    # Through a Path-typed option `//` became `/`: still the server, with its host.
    store = open_store(Path("postgresql://u@h:5433/db"))
    assert isinstance(store, PostgresStore) and store.name == "postgresql://u@h:5433/db"
    monkeypatch.setenv("PLANNER_LEDGER", "postgres://u@h/db")
    store = open_store(None)
    assert isinstance(store, PostgresStore) and store.name == "postgres://u@h/db"
