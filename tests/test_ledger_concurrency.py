"""Two real `planner build` processes on one ledger (SPEC 6.5): the second waits, or gives up
with exit 4; the ledger is never corrupted and nobody is planned beyond the caps."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.ledger_support import DATA, cli_argv, cli_env, ledger_rows, write_campaign


def _start(
    tmp_path: Path, campaign: Path, ledger: Path, out: str, **env: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_argv(
            "build",
            str(campaign),
            "--ledger",
            str(ledger),
            "--out",
            str(tmp_path / out),
            "--as-of",
            "2026-11-02",
        ),
        cwd=tmp_path,
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_holder(lock: Path, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    """Until the first build holds the writer lock (it writes its pid into the lock file)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the first build never took the writer lock")


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    campaign = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    ledger = tmp_path / "ledger.duckdb"
    return campaign, ledger, tmp_path / "ledger.duckdb.build.lock"


@pytest.mark.slow
def test_second_build_waits_then_sees_the_first_builds_touches(tmp_path: Path) -> None:
    campaign, ledger, lock = _setup(tmp_path)
    first = _start(tmp_path, campaign, ledger, "out1", PLANNER_TEST_SLEEP_AT="after_begin_run:4")
    _wait_for_holder(lock, first)
    second = _start(tmp_path, campaign, ledger, "out2")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "waiting for the ledger" in err2
    assert "3 recipients" in out1
    # The second build planned after the first recorded its run: the same people are already
    # contacted for this campaign, so it plans nobody; the ledger holds exactly 3 touches.
    assert "0 recipients" in out2
    assert ledger_rows(ledger, "SELECT status, touches FROM runs ORDER BY seq") == [
        ("committed", 3),
        ("committed", 0),
    ]
    assert ledger_rows(ledger, "SELECT count(*), count(DISTINCT person_key) FROM touches") == [
        (3, 3)
    ]


@pytest.mark.slow
def test_second_build_gives_up_with_exit_4_after_the_timeout(tmp_path: Path) -> None:
    campaign, ledger, lock = _setup(tmp_path)
    first = _start(tmp_path, campaign, ledger, "out1", PLANNER_TEST_SLEEP_AT="after_begin_run:6")
    _wait_for_holder(lock, first)
    second = _start(tmp_path, campaign, ledger, "out2", PLANNER_LEDGER_TIMEOUT="0.5")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert second.returncode == 4
    assert "planner: error: ledger is busy" in err2
    assert "Traceback" not in err2
    assert not (tmp_path / "out2").exists()
    assert first.returncode == 0, err1
    assert ledger_rows(ledger, "SELECT count(*) FROM runs") == [(1,)]
    assert ledger_rows(ledger, "SELECT count(*) FROM touches") == [(3,)]
