"""Ctrl-C at any point: exit 130 with one line on stderr, never an internal error, nothing written.

SIGINT is delivered for real (os.kill) while a build step runs: in Python code, inside a DuckDB
query (DuckDB then raises RuntimeError("Query interrupted") rather than KeyboardInterrupt), and
while the outputs are written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from planner import pipeline
from tests.outcomes_support import run_main, write_campaign, write_people

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def campaign(tmp_path: Path) -> Path:
    write_people(tmp_path / "people.csv", [("c1", "Ana", "Silva", "ana@example.org", None, "DE")])
    return write_campaign(tmp_path, "camp-i", ["people.csv"])


def _sigint_soon() -> None:
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()


def _in_python(*args: Any, **kwargs: Any) -> None:
    _sigint_soon()
    time.sleep(10)


#: `planner build` in a process of its own whose plan step is a long DuckDB query, interrupted
#: 0.3 s in. A process of its own, as a user runs it: inside pytest, DuckDB noticed the signal
#: only when the query ended by itself (minutes).
_DUCKDB_SCRIPT = """
import os, signal, sys, threading
import duckdb
from planner import cli, pipeline

def plan(*args, **kwargs):
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    duckdb.connect().execute(
        "SELECT count(*) FROM range(10000000000) a(x) WHERE x * 7 % 13 = 5"
    ).fetchall()

pipeline.plan = plan
cli.main(sys.argv[1:])
"""


def test_ctrl_c_inside_a_duckdb_query_exits_130_with_one_line(
    tmp_path: Path, campaign: Path
) -> None:
    ledger, out = tmp_path / "l.duckdb", tmp_path / "out"
    args = ["build", str(campaign), "--ledger", str(ledger), "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", _DUCKDB_SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.splitlines() == ["planner: interrupted; nothing half-written was left"]
    assert proc.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("step", [_in_python], ids=["python"])
def test_ctrl_c_exits_130_with_one_line(
    tmp_path: Path,
    campaign: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    step: Any,
) -> None:
    monkeypatch.setattr(pipeline, "plan", step)
    ledger, out = tmp_path / "l.duckdb", tmp_path / "out"
    code, stdout, stderr = run_main(
        capsys, "build", str(campaign), "--ledger", str(ledger), "--out", str(out)
    )
    assert code == 130
    assert stderr.splitlines() == ["planner: interrupted; nothing half-written was left"]
    assert stdout == ""
    assert not out.exists()
    # The handler is put back: a later Ctrl-C is Python's own KeyboardInterrupt again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_writing_leaves_no_files_and_no_run(
    tmp_path: Path,
    campaign: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import planner.export

    monkeypatch.setattr(planner.export, "export", _in_python)
    ledger, out = tmp_path / "l.duckdb", tmp_path / "out"
    code, _, stderr = run_main(
        capsys, "build", str(campaign), "--ledger", str(ledger), "--out", str(out)
    )
    assert code == 130, stderr
    assert stderr.splitlines() == ["planner: interrupted; nothing half-written was left"]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    con = duckdb.connect(str(ledger), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'committed'").fetchall() == [
            (0,)
        ]
    finally:
        con.close()
