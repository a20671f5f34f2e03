"""A place the gazetteer cannot locate is unknown for a radius, never outside (issue 22).

About one town in six of a US Apollo export is too small for the gazetteer: such a person has a
country but no coordinates. For a radius campaign in that country they are unknown, so
`allow_unknown` decides and the score's location part is 0.5, like a row without a location;
a person in another country stays outside.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from planner.config import campaign_from_dict
from planner.pipeline import plan
from planner.segment import build_detail_sql

# Plans of the candidate files alone: the ledger plays no part here.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

ROWS = [
    # name, free-text location, Apollo-style city / state / country
    ("Ada", "Austin, TX", "", "", ""),  # inside the radius
    ("Ben", "", "Dripping Springs", "Texas", "United States"),  # no coordinates: unknown
    ("Cy", "Marfa, TX", "", "", ""),  # no coordinates: unknown
    ("Di", "Seattle, WA", "", "", ""),  # outside
    ("Ed", "Kleinkleckersdorf, Germany", "", "", ""),  # another country: outside
    ("Flo", "", "", "", ""),  # nothing: unknown
]


def _campaign(tmp_path: Path, allow_unknown: bool) -> Any:
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["first_name", "last_name", "title", "location", "city", "state", "country"])
        for name, loc, city, state, country in ROWS:
            w.writerow([name, "Tester", "Data Engineer", loc, city, state, country])
    spec = {
        "version": 1,
        "id": "radius",
        "role": {"title": "Data Engineer", "company": "Acme"},
        "sender": {"id": "dana"},
        "candidates": {"paths": ["people.csv"]},
        "audience": {
            "location": {
                "cities": [{"name": "Austin, TX", "radius_km": 50}],
                "allow_unknown": allow_unknown,
            }
        },
        "message": {
            "body": "Hi {{ first_name }}, a Data Engineer role at Acme; a call?",
            "min_personal_fields": 0,
        },
    }
    return campaign_from_dict(spec, tmp_path / "radius.yaml")


def _decisions(
    tmp_path: Path, allow_unknown: bool, *, verbose: bool = True
) -> dict[str, tuple[str | None, str | None]]:
    campaign = _campaign(tmp_path, allow_unknown)
    built = plan([campaign], as_of=None)
    try:
        sql, params = build_detail_sql(built.campaigns[0].criteria, "seg_0", verbose=verbose)
        rows = built.con.execute(
            "SELECT p.first_name, d.reason, x.detail, s.location_part FROM dec d"
            " JOIN people p USING (row_id) JOIN seg_0 s USING (row_id)"
            f" JOIN ({sql}) x USING (row_id)",
            params,
        ).fetchall()
    finally:
        built.close()
    return {name: (reason, detail) for name, reason, detail, _part in rows}


@pytest.mark.parametrize("allow_unknown", [False, True])
def test_unresolved_town_is_unknown_not_outside(tmp_path: Path, allow_unknown: bool) -> None:
    got = _decisions(tmp_path, allow_unknown)
    assert got["Ada"][0] is None
    assert got["Di"][0] == "location_mismatch" and "outside 50 km of Austin" in str(got["Di"][1])
    assert got["Ed"][0] == "location_mismatch"
    for name in ("Ben", "Cy", "Flo"):
        reason, detail = got[name]
        if allow_unknown:
            assert reason is None, name
        else:
            assert reason == "location_mismatch", name
            assert "outside" not in str(detail), (name, detail)
    if not allow_unknown:
        assert "not found in the gazetteer" in str(got["Ben"][1])
        assert "no usable location" in str(got["Flo"][1])
    # excluded.csv's terse detail: outside is the reason code alone, unknown says why.
    (tmp_path / "terse").mkdir()
    terse = _decisions(tmp_path / "terse", allow_unknown, verbose=False)
    assert terse["Di"][1] == "location_mismatch"
    if not allow_unknown:
        assert (
            terse["Ben"][1]
            == "location_mismatch: place not found in the gazetteer, distance unknown"
        )
        assert terse["Flo"][1] == "location_mismatch: no usable location"
