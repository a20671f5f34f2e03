"""Crash safety (SPEC 6.5): a real build killed with SIGKILL at each point of its write sequence.

After the crash, and again after the next writer has run its recovery:
- before the ledger commit: no run counts, no send list is in its final place, and the staged
  files are removed by the next writer;
- after the commit: the run counts, and its send list ends up in its final place with exactly
  the recipients whose touches the ledger holds.
Never a send list on disk that the ledger does not know, never half a run.
"""

from __future__ import annotations

import csv
import shutil
import signal
from pathlib import Path

import pytest

from tests.test_ledger_support import DATA, ledger_rows, run_cli, write_campaign

BEFORE_COMMIT = ["after_writer_lock", "after_begin_run", "before_ledger_commit"]
AFTER_COMMIT = ["after_ledger_commit", "before_finish_run"]


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    return write_campaign(tmp_path, "camp-a", ["people_1.csv"]), tmp_path / "ledger.duckdb"


def _build(tmp_path: Path, campaign: Path, ledger: Path, out: str, **env: str) -> int:
    proc = run_cli(
        "build", str(campaign), "--ledger", str(ledger), "--out", str(tmp_path / out),
        "--as-of", "2026-11-02", cwd=tmp_path, **env,
    )  # fmt: skip
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(proc.stderr)
    return proc.returncode


def _staged(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob(".*.tmp-*"))


def _send_list_keys(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return sorted(row["person_key"] for row in csv.DictReader(fh))


@pytest.mark.slow
@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_crash_before_commit_leaves_nothing_that_counts(tmp_path: Path, point: str) -> None:
    campaign, ledger = _setup(tmp_path)
    assert _build(tmp_path, campaign, ledger, "out1", PLANNER_TEST_CRASH_AT=point) == -9
    assert not (tmp_path / "out1").exists()
    if ledger.exists():
        assert ledger_rows(ledger, "SELECT count(*) FROM touches") == [(0,)]
        assert ledger_rows(ledger, "SELECT count(*) FROM runs WHERE status = 'committed'") == [(0,)]
    # The next writer cleans up: staged files removed, the dead run aborted, said once and
    # without contradiction (it was also reported as "interrupted after recording"); then the
    # next build runs.
    proc = run_cli("ledger", "migrate", "--ledger", str(ledger), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    recovery = [line for line in proc.stderr.splitlines() if "ledger recovery" in line]
    if point == "after_writer_lock":
        assert recovery == []
    else:
        (message,) = recovery
        assert "never completed: marked aborted" in message
    assert _build(tmp_path, campaign, ledger, "out2") == 0
    assert _staged(tmp_path) == []
    assert not (tmp_path / "out1").exists()
    statuses = ledger_rows(ledger, "SELECT status FROM runs ORDER BY seq")
    expected = [("committed",)] if point == "after_writer_lock" else [("aborted",), ("committed",)]
    assert statuses == expected
    touched = ledger_rows(ledger, "SELECT DISTINCT run_id FROM touches")
    assert len(touched) == 1
    assert _send_list_keys(tmp_path / "out2" / "send_list.csv") == sorted(
        str(r[0]) for r in ledger_rows(ledger, "SELECT person_key FROM touches")
    )


@pytest.mark.slow
@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_crash_after_commit_publishes_the_recorded_send_list(tmp_path: Path, point: str) -> None:
    campaign, ledger = _setup(tmp_path)
    assert _build(tmp_path, campaign, ledger, "out1", PLANNER_TEST_CRASH_AT=point) == -9
    keys = sorted(str(r[0]) for r in ledger_rows(ledger, "SELECT person_key FROM touches"))
    assert len(keys) == 3
    if point == "after_ledger_commit":
        # Died between the commit and the rename: the files wait under their staging name.
        assert not (tmp_path / "out1").exists()
        assert len(_staged(tmp_path)) == 1
    # Any next writer finishes the job: the recorded send list is put in its place.
    proc = run_cli("ledger", "migrate", "--ledger", str(ledger), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _staged(tmp_path) == []
    assert _send_list_keys(tmp_path / "out1" / "send_list.csv") == keys
    assert ledger_rows(ledger, "SELECT status, outputs_placed FROM runs") == [("committed", True)]
    # And the run counts: the same people are not planned again for this campaign.
    assert _build(tmp_path, campaign, ledger, "out2") == 0
    assert _send_list_keys(tmp_path / "out2" / "send_list.csv") == []
