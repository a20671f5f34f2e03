"""Helpers shared by the ledger tests (no tests here): campaigns, builds, reading the ledger."""

from __future__ import annotations

import csv
import inspect
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from planner import pipeline
from planner.ledger import open_for_build
from tests import conftest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "ledger"

#: Runs the real CLI; mounts `planner ledger` if planner.cli does not do it itself.
CLI = (
    "import sys, planner.cli as c\n"
    "from planner.cli_ledger import ledger_app\n"
    "if 'ledger' not in {g.name for g in c.app.registered_groups}:\n"
    "    c.app.add_typer(ledger_app, name='ledger')\n"
    "c.main(sys.argv[1:])\n"
)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANNER_")}
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def cli_argv(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args]


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`planner ARGS` in a real process."""
    return subprocess.run(
        cli_argv(*args), cwd=cwd, env=cli_env(**env), capture_output=True, text=True, timeout=120
    )


#: Where a crash test kills a build (`PLANNER_TEST_CRASH_AT`, planner.ledger._hooks): before
#: the ledger commit nothing may count; after it the recorded send list must be placed.
BEFORE_COMMIT = ["after_writer_lock", "after_begin_run", "before_ledger_commit"]
AFTER_COMMIT = ["after_ledger_commit", "before_finish_run"]


def crash_build(tmp_path: Path, campaign: Path, ledger: Path | str, out: str, **env: str) -> int:
    """`planner build` in its own process (killed where `env` says); its exit code."""
    proc = run_cli(
        "build", str(campaign), "--ledger", str(ledger), "--out", str(tmp_path / out),
        "--as-of", "2026-11-02", cwd=tmp_path, **env,
    )  # fmt: skip
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(proc.stderr)
    return proc.returncode


def staged_files(tmp_path: Path) -> list[str]:
    """The outputs a build staged and has not placed (or removed) yet."""
    return sorted(p.name for p in tmp_path.glob(".*.tmp-*"))


def send_list_keys(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return sorted(row["person_key"] for row in csv.DictReader(fh))


#: Campaigns with no audience criteria: the ledger alone decides who is out (tests.conftest).
write_campaign = conftest.write_campaign
FOLLOWUP_BODY = conftest.FOLLOWUP_BODY


@dataclass
class Result:
    run_id: str | None
    recipients: dict[str, list[str]]  # campaign id -> person keys, send-list order
    scores: dict[str, dict[str, float]]  # campaign id -> person key -> fit score
    reasons: dict[str, dict[str, str | None]]  # campaign id -> candidate id -> reason
    out: list[Path]


def _result(plan: pipeline.Plan, run_id: str | None, out: list[Path]) -> Result:
    reasons: dict[str, dict[str, str | None]] = {}
    for p in plan.campaigns:
        r = {row["candidate_id"]: row["reason"] for row in plan.excluded(p).to_dicts()}
        for cid in p.recipients["candidate_id"].to_list():
            r[cid] = None
        reasons[p.id] = r
    return Result(
        run_id,
        {p.id: p.recipients["person_key"].to_list() for p in plan.campaigns},
        {
            p.id: dict(zip(p.recipients["person_key"], p.recipients["fit_score"], strict=True))
            for p in plan.campaigns
        },
        reasons,
        out,
    )


def dry_build(campaigns: list[Path], ledger: Path, as_of: date) -> Result:
    """`planner build --dry-run` through the library."""
    led = open_for_build(ledger, dry_run=True)
    try:
        plan = pipeline.plan(campaigns, as_of=as_of, ledger=led)
        try:
            return _result(plan, None, [])
        finally:
            plan.close()
    finally:
        led.close()


def real_build(campaigns: list[Path], ledger: Path, as_of: date, out: Path) -> Result:
    """`planner build` through the library: plan, write the outputs, record the run."""
    led = open_for_build(ledger, dry_run=False)
    try:
        plan = pipeline.plan(campaigns, as_of=as_of, ledger=led)
        try:
            if "ledger" in inspect.signature(pipeline.write_plan).parameters:
                written = pipeline.write_plan(plan, out=out, ledger=led)  # type: ignore[call-arg]
                run_id = _run_id_of(written[0].out_dir) if written else None
            else:  # until write_plan records the run itself
                run_id = pipeline.new_run_id()
                led.record_run(
                    run_id,
                    plan.campaigns,
                    as_of,
                    {p.id: p.recipients for p in plan.campaigns},
                    plan.con,
                )
                written = pipeline.write_plan(plan, out=out, run_id=run_id)
            return _result(plan, run_id, [w.out_dir for w in written])
        finally:
            plan.close()
    finally:
        led.close()


def _run_id_of(out_dir: Path) -> str | None:
    import json

    manifest = out_dir / "manifest.json"
    return json.loads(manifest.read_text())["run_id"] if manifest.exists() else None


def ledger_rows(
    path: Path, sql: str, params: list[object] | None = None
) -> list[tuple[object, ...]]:
    """Query the ledger file directly (read-only), as an independent check."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def counted_touches(path: Path) -> list[tuple[str, str | None, date, str]]:
    """(canonical person key, campaign id, date, run id) of every counted touch."""
    if not path.exists():
        return []
    rows = ledger_rows(
        path,
        "SELECT p.canonical_key, t.campaign_id, t.touched_on, t.run_id FROM touches t"
        " JOIN persons p USING (person_key) WHERE t.status = 'counted'"
        " ORDER BY 1, 3, 2",
    )
    return [(str(a), None if b is None else str(b), c, str(d)) for a, b, c, d in rows]  # type: ignore[misc]
