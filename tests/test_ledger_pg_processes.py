"""Real `planner build` processes on one PostgreSQL ledger (two recruiters, or four).

- Concurrency: four builds at once over overlapping candidate files never plan a person beyond
  the caps (checked in the database afterwards); a build that cannot get the writer lock in
  time gives up with exit 4 and says why.
- Crash safety: SIGKILL at each write point leaves no committed touches without a placed send
  list that the next writer can finish, and no orphan pending run (as for the file ledger,
  tests/test_ledger_crash.py).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.ledger_support import (
    AFTER_COMMIT,
    BEFORE_COMMIT,
    DATA,
    cli_argv,
    cli_env,
    crash_build,
    run_cli,
    send_list_keys,
    staged_files,
    write_campaign,
)

pytestmark = [pytest.mark.pg, pytest.mark.slow]

AS_OF = "2026-11-02"


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql.encode()).fetchall()


def _start(tmp_path: Path, campaign: Path, url: str, out: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_argv(
            "build",
            str(campaign),
            "--ledger",
            url,
            "--out",
            str(tmp_path / out),
            "--as-of",
            AS_OF,
        ),
        cwd=tmp_path,
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _copy_people(tmp_path: Path) -> None:
    for name in ("people_1.csv", "people_2.csv"):
        shutil.copy(DATA / name, tmp_path / name)


def test_four_concurrent_builds_never_exceed_the_caps(tmp_path: Path, pg_url: str) -> None:
    _copy_people(tmp_path)
    files = [["people_1.csv"], ["people_2.csv"], ["people_1.csv", "people_2.csv"]]
    campaigns = [
        write_campaign(tmp_path, f"camp-{i}", files[i % 3], window=30, max_touches=1)
        for i in range(4)
    ]
    procs = [
        _start(tmp_path, c, pg_url, f"out{i}", PLANNER_TEST_SLEEP_AT="after_begin_run:0.3")
        for i, c in enumerate(campaigns)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    # Every build recorded a run, one after the other (the writer lock), and each human was
    # touched at most once in the 30-day window although every build wanted them.
    assert _rows(pg_url, "SELECT status, count(*) FROM ledger.runs GROUP BY 1") == [
        ("committed", 4)
    ]
    over = _rows(
        pg_url,
        "SELECT p.canonical_key, count(*) FROM ledger.touches t"
        " JOIN ledger.persons p USING (person_key) WHERE t.status = 'counted'"
        " GROUP BY 1 HAVING count(*) > 1",
    )
    assert over == []
    humans = _rows(
        pg_url,
        "SELECT count(DISTINCT p.canonical_key), count(*) FROM ledger.touches t"
        " JOIN ledger.persons p USING (person_key)",
    )
    # Jane, Omar, Li Wei (people_1) and Ana (people_2): four humans, four touches.
    assert humans == [(4, 4)]
    recipients = sum(int(out.split(" recipients")[0].split()[-1]) for out, _ in results)
    assert recipients == 4


def test_a_build_that_waits_too_long_gives_up_with_exit_4(tmp_path: Path, pg_url: str) -> None:
    _copy_people(tmp_path)
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    b = write_campaign(tmp_path, "camp-b", ["people_2.csv"])
    first = _start(tmp_path, a, pg_url, "out1", PLANNER_TEST_SLEEP_AT="after_begin_run:6")
    deadline = time.monotonic() + 60
    while not _rows(pg_url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"):
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = _start(tmp_path, b, pg_url, "out2", PLANNER_LEDGER_TIMEOUT="1")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 4
    assert "ledger is busy" in err2 and "PLANNER_LEDGER_TIMEOUT" in err2
    assert not (tmp_path / "out2").exists()
    assert _rows(pg_url, "SELECT count(*) FROM ledger.runs") == [(1,)]


def _has_schema(url: str) -> bool:
    return _rows(url, "SELECT to_regclass('ledger.runs') IS NOT NULL") == [(True,)]


@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_crash_before_commit_leaves_nothing_that_counts(
    tmp_path: Path, pg_url: str, point: str
) -> None:
    _copy_people(tmp_path)
    campaign = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    assert crash_build(tmp_path, campaign, pg_url, "out1", PLANNER_TEST_CRASH_AT=point) == -9
    assert not (tmp_path / "out1").exists()
    if _has_schema(pg_url):
        assert _rows(pg_url, "SELECT count(*) FROM ledger.touches") == [(0,)]
        assert _rows(pg_url, "SELECT count(*) FROM ledger.runs WHERE status <> 'pending'") == [(0,)]
    # The server released the dead build's lock; the next writer cleans up and builds.
    assert crash_build(tmp_path, campaign, pg_url, "out2", PLANNER_LEDGER_TIMEOUT="20") == 0
    assert staged_files(tmp_path) == []
    assert not (tmp_path / "out1").exists()
    statuses = _rows(pg_url, "SELECT status FROM ledger.runs ORDER BY seq")
    expected = [("committed",)] if point == "after_writer_lock" else [("aborted",), ("committed",)]
    assert statuses == expected
    assert len(_rows(pg_url, "SELECT DISTINCT run_id FROM ledger.touches")) == 1
    assert send_list_keys(tmp_path / "out2" / "send_list.csv") == sorted(
        str(r[0]) for r in _rows(pg_url, "SELECT person_key FROM ledger.touches")
    )


@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_crash_after_commit_publishes_the_recorded_send_list(
    tmp_path: Path, pg_url: str, point: str
) -> None:
    _copy_people(tmp_path)
    campaign = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    assert crash_build(tmp_path, campaign, pg_url, "out1", PLANNER_TEST_CRASH_AT=point) == -9
    keys = sorted(str(r[0]) for r in _rows(pg_url, "SELECT person_key FROM ledger.touches"))
    assert len(keys) == 3
    if point == "after_ledger_commit":
        assert not (tmp_path / "out1").exists()
        assert len(staged_files(tmp_path)) == 1
    proc = run_cli("ledger", "migrate", "--ledger", pg_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert staged_files(tmp_path) == []
    assert send_list_keys(tmp_path / "out1" / "send_list.csv") == keys
    assert _rows(pg_url, "SELECT status, outputs_placed FROM ledger.runs") == [("committed", True)]
    assert crash_build(tmp_path, campaign, pg_url, "out2") == 0
    assert send_list_keys(tmp_path / "out2" / "send_list.csv") == []
