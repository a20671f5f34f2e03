"""excluded.csv's detail: every failing check by its reason code, with the row's own facts only
(issue 14); `planner explain` adds the campaign's values."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from planner import pipeline

pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

ROOT = Path(__file__).parent.parent


@pytest.fixture()
def planned(tmp_path: Path) -> pipeline.Plan:
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    p = pipeline.plan([tmp_path / "campaigns" / "example.yaml"], as_of=date(2026, 11, 1))
    yield p
    p.close()


def test_terse_detail_of_example_rows(planned: pipeline.Plan) -> None:
    [camp] = planned.campaigns
    by_id = {
        r["candidate_id"]: (r["reason"], r["detail"])
        for r in planned.excluded(camp).iter_rows(named=True)
    }
    assert by_id["c004"] == ("company_excluded", "company_excluded; below_min_score: score 0.6818")
    assert by_id["c007"] == (
        "skills_missing",
        "skills_missing: missing sql; below_min_score: score 0.6061",
    )
    assert by_id["c009"] == (
        "title_mismatch",
        "title_mismatch; title_excluded; seniority_mismatch: level manager;"
        " below_min_score: score 0.3636",
    )
    assert by_id["c010"] == (
        "seniority_mismatch",
        "seniority_mismatch: level junior; experience_out_of_range: years 2;"
        " below_min_score: score 0.6364",
    )
    assert by_id["c012"] == (
        "location_mismatch",
        "location_mismatch; below_min_score: score 0.5455",
    )
    assert by_id["c014"] == (
        "duplicate_row",
        "duplicate_row: same person as candidates.csv line 2 of this build",
    )


def test_no_campaign_values_in_the_terse_detail(planned: pipeline.Plan) -> None:
    [camp] = planned.campaigns
    details = planned.excluded(camp)["detail"].to_list()
    assert details
    joined = "\n".join(details)
    # The example's titles, levels, places, skills.any and minimum score.
    for value in ("data engineer", "senior, staff", "DE, NL", "Berlin", "kafka", "below 0.7"):
        assert value not in joined, value
    # The detail starts with the row's reason, the first failing check.
    for reason, detail in planned.excluded(camp).select("reason", "detail").iter_rows():
        assert detail.startswith(reason), (reason, detail)


def test_explain_keeps_the_campaign_values(planned: pipeline.Plan) -> None:
    [row] = pipeline.explain(planned, "c009")
    assert row["detail"] == (
        "title_mismatch: title matches none of data engineer, analytics engineer;"
        " title_excluded: title matches titles.exclude;"
        " seniority_mismatch: level manager not in senior, staff;"
        " below_min_score: score 0.3636 below 0.7"
    )
