"""Helpers shared by the report tests (no tests here): example workspaces and hostile data."""

from __future__ import annotations

import csv
import shutil
import warnings
from datetime import date
from pathlib import Path

from planner import pipeline

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)

#: Values a candidate file might hold that must show as text, never run or style the page.
HOSTILE_COMPANY = "<script>window.__pwned = 1</script> GmbH"
HOSTILE_NAME = "Eve"
HOSTILE_LAST = '<img src=x onerror="window.__pwned = 2">'


def example_dir(tmp_path: Path) -> Path:
    """A copy of the bundled example campaign; returns its campaign file."""
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    return tmp_path / "campaigns" / "example.yaml"


def add_hostile_recipient(campaign: Path) -> None:
    """Append a candidate who passes the example's criteria, with HTML in their fields."""
    path = campaign.parent / "data" / "candidates.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    row = dict(rows[0])  # c001 is a recipient of the example
    row.update(
        candidate_id="c999",
        first_name=HOSTILE_NAME,
        last_name=HOSTILE_LAST,
        email="eve.hostile@example.com",
        profile_url="https://www.linkedin.com/in/eve-hostile",
        company=HOSTILE_COMPANY,
    )
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=fields, lineterminator="\n").writerow(row)


def second_campaign(campaign: Path, campaign_id: str = "acme-staff-data-eng-2026q4") -> Path:
    """A second campaign over the same file, so some persons fit both (overlap, assignment)."""
    text = campaign.read_text(encoding="utf-8")
    text = text.replace("id: acme-senior-data-eng-2026q4", f"id: {campaign_id}")
    text = text.replace("title: Senior Data Engineer", "title: Staff Data Engineer")
    text = text.replace("seniority: [senior, staff]", "seniority: [staff, senior, principal]")
    # Other nice-to-have skills: some persons fit this role better, others the first one.
    text = text.replace("nice: [dbt, airflow]", "nice: [kafka, flink]")
    other = campaign.with_name("staff.yaml")
    other.write_text(text, encoding="utf-8")
    return other


def dry_plan(*campaigns: Path) -> pipeline.Plan:
    """A plan without a ledger (callers close it): the report needs no history here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pipeline.PlanWithoutLedgerWarning)
        return pipeline.plan(list(campaigns), as_of=AS_OF)
