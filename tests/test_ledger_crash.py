"""Crash safety (SPEC 6.5): a real build killed with SIGKILL at each point of its write sequence.

After the crash, and again after the next writer has run its recovery:
- before the ledger commit: no run counts, no send list is in its final place, and the staged
  files are removed by the next writer;
- after the commit: the run counts, and its send list ends up in its final place with exactly
  the recipients whose touches the ledger holds.
Never a send list on disk that the ledger does not know, never half a run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ledger_support import (
    AFTER_COMMIT,
    BEFORE_COMMIT,
    DATA,
    crash_build,
    ledger_rows,
    run_cli,
    send_list_keys,
    staged_files,
    write_campaign,
)


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copy(DATA / "people_1.csv", tmp_path / "people_1.csv")
    return write_campaign(tmp_path, "camp-a", ["people_1.csv"]), tmp_path / "ledger.duckdb"


@pytest.mark.slow
@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_crash_before_commit_leaves_nothing_that_counts(tmp_path: Path, point: str) -> None:
    campaign, ledger = _setup(tmp_path)
    assert crash_build(tmp_path, campaign, ledger, "out1", PLANNER_TEST_CRASH_AT=point) == -9
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
    assert crash_build(tmp_path, campaign, ledger, "out2") == 0
    assert staged_files(tmp_path) == []
    assert not (tmp_path / "out1").exists()
    statuses = ledger_rows(ledger, "SELECT status FROM runs ORDER BY seq")
    expected = [("committed",)] if point == "after_writer_lock" else [("aborted",), ("committed",)]
    assert statuses == expected
    touched = ledger_rows(ledger, "SELECT DISTINCT run_id FROM touches")
    assert len(touched) == 1
    assert send_list_keys(tmp_path / "out2" / "send_list.csv") == sorted(
        str(r[0]) for r in ledger_rows(ledger, "SELECT person_key FROM touches")
    )


@pytest.mark.slow
@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_crash_after_commit_publishes_the_recorded_send_list(tmp_path: Path, point: str) -> None:
    campaign, ledger = _setup(tmp_path)
    assert crash_build(tmp_path, campaign, ledger, "out1", PLANNER_TEST_CRASH_AT=point) == -9
    keys = sorted(str(r[0]) for r in ledger_rows(ledger, "SELECT person_key FROM touches"))
    assert len(keys) == 3
    if point == "after_ledger_commit":
        # Died between the commit and the rename: the files wait under their staging name.
        assert not (tmp_path / "out1").exists()
        assert len(staged_files(tmp_path)) == 1
    # Any next writer finishes the job: the recorded send list is put in its place.
    proc = run_cli("ledger", "migrate", "--ledger", str(ledger), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert staged_files(tmp_path) == []
    assert send_list_keys(tmp_path / "out1" / "send_list.csv") == keys
    assert ledger_rows(ledger, "SELECT status, outputs_placed FROM runs") == [("committed", True)]
    # And the run counts: the same people are not planned again for this campaign.
    assert crash_build(tmp_path, campaign, ledger, "out2") == 0
    assert send_list_keys(tmp_path / "out2" / "send_list.csv") == []
