"""The command line's progress bar (`cli_common.ProgressBar`): fed by DuckDB's query progress,
gone from the terminal when the command ends, Ctrl-C included."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from planner import duck
from planner.cli_common import ProgressBar
from tests.outcomes_support import write_campaign, write_people

ROOT = Path(__file__).resolve().parents[1]
ERASE = "\x1b[2K"
#: About a second of work on one core, long enough for several polls.
LONG_QUERY = "SELECT count(DISTINCT md5(x::VARCHAR)) FROM range(3000000) a(x)"


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=80, color_system=None), buffer


def test_the_bar_follows_a_running_query() -> None:
    console, _ = _terminal()
    with ProgressBar(console) as bar, duckdb.connect() as con:
        bar("counting")
        [task] = bar._bar.tasks
        assert (task.description, task.total) == ("counting", None)
        with duck.watched(bar, con):
            con.execute(LONG_QUERY).fetchall()
        assert task.total == 100.0
        assert 0.0 < task.completed <= 100.0
        bar("next step")  # a new step starts without a fraction
        [task] = bar._bar.tasks
        assert (task.description, task.total, task.completed) == ("next step", None, 0)


def test_a_detached_connection_is_no_longer_read() -> None:
    console, _ = _terminal()
    with ProgressBar(console) as bar:
        con = duckdb.connect()
        bar.attach(con)
        bar.detach(con)
        con.close()  # closing after detach: the poller never touches it again
        time.sleep(3 * ProgressBar.INTERVAL)
        assert bar._con is None


def test_nothing_of_the_bar_stays_after_it_ends() -> None:
    console, buffer = _terminal()
    with pytest.raises(KeyboardInterrupt), ProgressBar(console) as bar:
        bar("segmenting")
        time.sleep(3 * ProgressBar.INTERVAL)
        raise KeyboardInterrupt
    assert not bar._thread.is_alive()
    text = buffer.getvalue()
    assert "segmenting" in text
    # The last thing written erases the bar's line: nothing of it is left on the screen.
    assert text.rindex(ERASE) > text.rindex("segmenting")
    assert text[text.rindex(ERASE) + len(ERASE) :].strip("\r\n\x1b[?25h ") == ""


def test_a_plain_callback_is_not_a_watcher() -> None:
    with duckdb.connect() as con:
        duck.attach_watcher(print, con)  # nothing happens, nothing fails
        duck.detach_watcher(None, con)
    assert isinstance(ProgressBar(_terminal()[0]), duck.QueryWatcher)


#: `planner build` on a terminal whose plan is a long DuckDB query under the bar, interrupted.
_SCRIPT = """
import os, signal, sys, threading
import duckdb
from planner import cli, duck, pipeline

def plan(*args, progress=None, **kwargs):
    progress("segmenting")
    con = duckdb.connect()
    duck.attach_watcher(progress, con)
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    con.execute("SELECT count(*) FROM range(10000000000) a(x) WHERE x * 7 % 13 = 5").fetchall()

pipeline.plan = plan
cli.main(sys.argv[1:])
"""


@pytest.mark.slow
def test_ctrl_c_under_the_bar_erases_it_then_says_one_line(tmp_path: Path) -> None:
    write_people(tmp_path / "people.csv", [("c1", "Ana", "Silva", "ana@example.org", None, "DE")])
    campaign = write_campaign(tmp_path, "camp-p", ["people.csv"])
    out = tmp_path / "out"
    primary, secondary = pty.openpty()
    args = ["build", str(campaign), "--ledger", str(tmp_path / "l.duckdb"), "--out", str(out)]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        cwd=ROOT,
        env=env,
    )
    os.close(secondary)
    raw = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            raw += chunk
        elif proc.poll() is not None:
            break
    os.close(primary)
    assert proc.wait(timeout=60) == 130
    assert proc.stdout is not None and proc.stdout.read() == b""
    text = raw.decode("utf-8", "replace")
    line = "planner: interrupted; nothing half-written was left"
    assert "segmenting" in text  # the bar was shown ...
    # ... and erased before the one line that reports the interruption.
    assert text.rindex(line) > text.rindex(ERASE) > text.rindex("segmenting")
    assert text.count(line) == 1
    assert not out.exists()


class _Recorder:
    """A progress callback that follows queries, recording what it was told."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.attached: list[duckdb.DuckDBPyConnection] = []

    def __call__(self, step: str) -> None:
        self.events.append(step)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        self.events.append("attach")
        self.attached.append(con)

    def detach(self, con: duckdb.DuckDBPyConnection) -> None:
        assert con is self.attached[-1]
        self.events.append("detach")


def test_import_touches_reports_its_steps_and_follows_its_connections(tmp_path: Path) -> None:
    from planner.ledger.commands import import_touches

    touches = tmp_path / "touches.csv"
    touches.write_text("email,date\nana@example.com,2026-11-01\n", encoding="utf-8")
    recorder = _Recorder()
    result = import_touches(touches, tmp_path / "l.duckdb", progress=recorder)
    assert result["touches"] == 1
    assert recorder.events == [
        "reading touches",
        "attach",
        "checking touches",
        "detach",
        "attach",
        "recording touches",
        "detach",
    ]


def test_a_build_follows_its_connection_until_the_plan_closes(tmp_path: Path) -> None:
    from planner import pipeline

    write_people(tmp_path / "people.csv", [("c1", "Ana", "Silva", "ana@example.org", None, "DE")])
    campaign = write_campaign(tmp_path, "camp-q", ["people.csv"])
    recorder = _Recorder()
    with pytest.warns(pipeline.PlanWithoutLedgerWarning):
        plan = pipeline.plan([campaign], progress=recorder)
    assert recorder.events[0] == "attach"
    assert "personalizing" in recorder.events and "detach" not in recorder.events
    assert recorder.attached == [plan.con]
    plan.close()
    assert recorder.events[-1] == "detach"
