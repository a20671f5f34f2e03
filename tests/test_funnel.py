"""The funnel as printed: input total, rows removed per reason in SPEC order, what remains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.contract import REASONS
from planner.funnel import funnel_steps, input_total
from tests.outcomes_support import run_main, write_campaign, write_people

ROOT = Path(__file__).resolve().parents[1]


def test_steps_of_a_known_funnel() -> None:
    counts = {r: 0 for r in REASONS} | {"invalid_row": 1, "location_mismatch": 3, "recipients": 6}
    steps = funnel_steps(counts)
    assert [(s.reason, s.removed, s.remaining) for s in steps] == [
        ("invalid_row", 1, 9),
        ("location_mismatch", 3, 6),
    ]
    assert steps[1].removed_share == pytest.approx(0.3)
    assert steps[1].remaining_share == pytest.approx(0.6)
    assert len(funnel_steps(counts, skip_empty=False)) == len(REASONS)


@given(st.lists(st.integers(0, 10**6), min_size=len(REASONS) + 1, max_size=len(REASONS) + 1))
def test_remaining_falls_by_each_reason_down_to_the_recipients(counts: list[int]) -> None:
    funnel = dict(zip([*REASONS, "recipients"], counts, strict=True))
    steps = funnel_steps(funnel, skip_empty=False)
    assert input_total(funnel) == sum(counts)
    previous = sum(counts)
    for step in steps:
        assert step.remaining == previous - step.removed
        previous = step.remaining
    assert previous == funnel["recipients"]


def test_preview_prints_totals_remaining_and_thousands_separators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        (f"c{i}", "Ana", f"Silva{i}", f"a{i}@example.org", None, "Data Engineer")
        for i in range(1200)
    ]
    rows += [(f"d{i}", "Ben", f"Ok{i}", f"b{i}@example.org", None, "Chef") for i in range(300)]
    write_people(tmp_path / "people.csv", rows)
    campaign = write_campaign(tmp_path, "camp-f", ["people.csv"])
    text = campaign.read_text(encoding="utf-8").replace(
        "ranking: {min_score: 0}",
        "ranking: {min_score: 0}\naudience: {titles: {include: [data engineer]}}",
    )
    campaign.write_text(text, encoding="utf-8")
    code, stdout, stderr = run_main(
        capsys, "build", str(campaign), "--dry-run", "--ledger", str(tmp_path / "l.duckdb")
    )
    assert code == 0, stderr
    lines = [" ".join(line.split()) for line in stdout.splitlines()]
    assert "input rows 1,500 100.0% 1,500" in lines
    assert "title_mismatch -300 20.0% 1,200" in lines
    assert "recipients 1,200 80.0%" in lines


def test_summary_json_has_the_top_recipients_and_no_excluded_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    example = ROOT / "campaigns" / "example.yaml"
    ledger = str(tmp_path / "l.duckdb")
    args = ["build", str(example), "--dry-run", "--json", "--ledger", ledger]
    args += ["--as-of", "2026-11-01"]
    code, full, _ = run_main(capsys, *args)
    assert code == 0
    code, small, _ = run_main(capsys, *args, "--summary", "--top", "3")
    assert code == 0
    full_doc, doc = json.loads(full), json.loads(small)
    assert "excluded" not in doc and doc["summary"] == {"top": 3}
    assert doc["recipients"] == full_doc["recipients"][:3]
    for key in ("campaigns", "funnel", "lint", "guardrail"):
        assert doc[key] == full_doc[key]
    code, _, stderr = run_main(capsys, "build", str(example), "--summary", "--ledger", ledger)
    assert code == 2 and "--summary: only with --dry-run --json" in stderr
