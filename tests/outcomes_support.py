"""Helpers shared by the outcome tests (no tests here): campaigns, CSV files, plans, the CLI."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from planner import pipeline
from planner.cli import main
from planner.ledger import open_for_build
from tests import conftest

PEOPLE_HEADER = ["candidate_id", "first_name", "last_name", "email", "profile_url", "title"]


def write_campaign(
    directory: Path,
    cid: str,
    files: Sequence[str],
    *,
    channel: str = "inmail",
    sender: str = "dana",
    suppression: Sequence[str] = (),
    disinterest: int = 180,
    action: str = "warn",
    limit_to: int = 25,
    min_sample: int = 100,
) -> Path:
    """`tests.conftest.write_campaign` with room for outcomes to decide: five touches per 30
    days, suppression files, the guardrail's keys and an opt-out line in the body."""
    return conftest.write_campaign(
        directory,
        cid,
        files,
        sender=sender,
        channel=channel,
        max_touches=5,
        suppression=suppression,
        disinterest=disinterest,
        guardrail={
            "min_response_rate": 0.13,
            "min_sample": min_sample,
            "window_days": 14,
            "action": action,
            "limit_to": limit_to,
        },
        opt_out=True,
    )


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


def write_people(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """Candidates: candidate_id, first_name, last_name, email, profile_url, title[, company]."""
    header = PEOPLE_HEADER + (["company"] if rows and len(rows[0]) > 6 else [])
    return write_csv(path, header, rows)


@dataclass
class Planned:
    recipients: dict[str, list[str]]  # campaign id -> candidate ids, send-list order
    excluded: dict[str, dict[str, dict[str, Any]]]  # campaign id -> candidate id -> row
    guardrail: dict[str, dict[str, Any]]
    funnel: dict[str, dict[str, int]]


def dry_plan(campaigns: Sequence[Path], ledger: Path, as_of: date) -> Planned:
    """What `planner build --dry-run` computes, through the library."""
    led = open_for_build(ledger, dry_run=True)
    try:
        plan = pipeline.plan(list(campaigns), as_of=as_of, ledger=led)
        try:
            return Planned(
                {p.id: p.recipients["candidate_id"].to_list() for p in plan.campaigns},
                {
                    p.id: {r["candidate_id"]: r for r in plan.excluded(p).to_dicts()}
                    for p in plan.campaigns
                },
                {p.id: dict(p.guardrail) for p in plan.campaigns},
                {p.id: dict(p.funnel) for p in plan.campaigns},
            )
        finally:
            plan.close()
    finally:
        led.close()


def real_build(campaigns: Sequence[Path], ledger: Path, as_of: date, out: Path) -> str:
    """`planner build` through the library; returns the run id."""
    led = open_for_build(ledger, dry_run=False)
    try:
        plan = pipeline.plan(list(campaigns), as_of=as_of, ledger=led)
        try:
            written = pipeline.write_plan(plan, out=out, ledger=led)
            return written[0].run_id
        finally:
            plan.close()
    finally:
        led.close()


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`planner ARGS` in-process through main(): exit code, stdout, stderr."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def days(start: date, n: int) -> date:
    return start + timedelta(days=n)
