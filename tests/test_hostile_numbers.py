"""Numbers at the edges of their documented ranges never overflow in the ledger (issue 18).

Every day count is at most 3650 (config.MAX_DAYS); a date computed from a ledger date plus such
a window can still pass 9999-12-31, the last date Python can read back from DuckDB. Such
`eligible_again_on` dates are capped there instead of ending as an internal error.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from planner import pipeline
from planner.ledger import open_for_build
from tests.ledger_support import DATA, real_build, write_campaign


def _excluded(campaign: Path, ledger: Path, as_of: date) -> dict[str, tuple[str, date | None]]:
    led = open_for_build(ledger, dry_run=True)
    try:
        plan = pipeline.plan([campaign], as_of=as_of, ledger=led)
        try:
            rows = plan.excluded(plan.campaigns[0]).to_dicts()
        finally:
            plan.close()
    finally:
        led.close()
    return {r["candidate_id"]: (r["reason"], r["eligible_again_on"]) for r in rows}


def test_widest_window_at_the_end_of_the_calendar_is_capped(tmp_path: Path) -> None:
    people = str(DATA / "people_1.csv")
    a = write_campaign(tmp_path, "camp-a", [people], window=3650, max_touches=1000)
    b = write_campaign(tmp_path, "camp-b", [people], window=3650, max_touches=1)
    ledger = tmp_path / "ledger.duckdb"
    first = real_build([a], ledger, date(9999, 12, 25), tmp_path / "out")
    assert first.recipients["camp-a"], "the first build plans someone"
    excluded = _excluded(b, ledger, date(9999, 12, 30))
    capped = {k: v for k, v in excluded.items() if v[0] == "frequency_cap"}
    assert len(capped) == len(first.recipients["camp-a"])
    # 9999-12-25 + 3650 days is in the year 10009: shown as the last readable date.
    assert set(capped.values()) == {("frequency_cap", date(9999, 12, 31))}


def test_window_reaching_before_year_one_plans_normally(tmp_path: Path) -> None:
    people = str(DATA / "people_1.csv")
    a = write_campaign(tmp_path, "camp-a", [people], window=3650)
    result = real_build([a], tmp_path / "ledger.duckdb", date(1, 1, 2), tmp_path / "out")
    assert result.recipients["camp-a"]
