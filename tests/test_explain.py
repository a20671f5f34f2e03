"""`planner explain` agrees with the build, ledger decisions included; shows resolved values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from planner.contract import REASONS
from tests.test_outcomes_support import real_build, run_main, write_campaign, write_people

T = date(2026, 6, 15)


def test_explain_shows_the_ledger_check_that_decided_and_resolved_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_people(
        tmp_path / "people.csv",
        [("c1", "Ana", "Silva", "ana@example.org", None, "Senior Data Engineer", "Acme GmbH")],
    )
    campaign = write_campaign(tmp_path, "camp-e", ["people.csv"])
    ledger = tmp_path / "l.duckdb"
    real_build([campaign], ledger, T, tmp_path / "out")
    code, stdout, stderr = run_main(
        capsys,
        "explain",
        str(campaign),
        "ana@example.org",
        "--ledger",
        str(ledger),
        "--as-of",
        "2026-06-20",
        "--json",
    )
    assert code == 0, stderr
    (entry,) = json.loads(stdout)
    assert entry["decision"] == "already_contacted_for_campaign"
    checks = {c["reason"]: c for c in entry["checks"]}
    assert [c["reason"] for c in entry["checks"]] == [r for r in REASONS if r != "invalid_row"]
    assert checks["already_contacted_for_campaign"] == {
        "reason": "already_contacted_for_campaign",
        "failed": True,
        "by": "ledger",
    }
    assert [r for r, c in checks.items() if c["failed"]] == ["already_contacted_for_campaign"]
    assert checks["title_mismatch"]["by"] == "segment"
    assert checks["over_limit"]["by"] == "build"
    assert entry["resolved"]["seniority"] == "senior"
    assert entry["resolved"]["company"] == "acme"  # legal suffix dropped, case-folded
    code, text, _ = run_main(
        capsys, "explain", str(campaign), "ana@example.org", "--ledger", str(ledger)
    )
    assert code == 0
    line = next(
        ln for ln in text.splitlines() if "already_contacted_for_campaign" in ln and "FAIL" in ln
    )
    assert line.split() == ["already_contacted_for_campaign", "FAIL", "ledger"]
    assert "resolved: seniority senior;" in text and "company acme" in text
