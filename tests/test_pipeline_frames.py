"""Candidates given as a Polars or Arrow table instead of files (`plan(..., candidates=...)`)."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest

import planner
from planner import pipeline
from planner.errors import ConfigError
from tests.outcomes_support import write_campaign, write_people

ROWS = [
    ("c1", "Ana", "Silva", "ana@example.com", "", "Data Engineer"),
    ("c2", "Bo", "Chen", "bo@example.com", "", "Data Engineer"),
    ("c3", "", "", "", "", "Data Engineer"),  # no name: insufficient personalization
]
HEADER = ["candidate_id", "first_name", "last_name", "email", "profile_url", "title"]


def _frame() -> pl.DataFrame:
    return pl.DataFrame([list(r) for r in ROWS], schema=HEADER, orient="row")


def _summary(plan: pipeline.Plan) -> list[tuple[str, list[str], list[tuple[str, str, int]]]]:
    return [
        (
            p.id,
            p.recipients["candidate_id"].to_list(),
            [
                (r["candidate_id"] or "", r["reason"], r["line"])
                for r in plan.excluded(p)
                .with_columns(pl.int_range(1, pl.len() + 1).alias("line"))
                .to_dicts()
            ],
        )
        for p in plan.campaigns
    ]


def _plan_all(campaigns: list[Path], **kwargs: object) -> pipeline.Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pipeline.PlanWithoutLedgerWarning)
        return pipeline.plan(campaigns, **kwargs)  # type: ignore[arg-type]


def _plan(campaign: Path, **kwargs: object) -> pipeline.Plan:
    return _plan_all([campaign], **kwargs)


@pytest.mark.parametrize("kind", ["polars", "lazy", "arrow"])
def test_a_frame_plans_as_the_same_rows_in_a_file(tmp_path: Path, kind: str) -> None:
    write_people(tmp_path / "people.csv", ROWS)
    campaign = write_campaign(tmp_path, "camp-f", ["people.csv"])
    with _plan(campaign) as from_file:
        expected = _summary(from_file)
    data = {"polars": _frame(), "lazy": _frame().lazy(), "arrow": _frame().to_arrow()}[kind]
    (tmp_path / "people.csv").unlink()  # the frame replaces the campaign's files
    with _plan(campaign, candidates=data) as from_frame:
        assert _summary(from_frame) == expected
        assert [f.path.name for f in from_frame.source.files] == ["candidates.parquet"]
        spill = from_frame.spill
        assert spill is not None and (spill / "candidates.parquet").stat().st_mode & 0o777 == 0o600
    assert not spill.exists()  # the private copy goes with the plan
    assert sorted(expected[0][1]) == ["c1", "c2"]
    assert expected[0][2] == [("c3", "insufficient_personalization", 1)]


def test_a_frame_through_build_with_a_ledger(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-g", ["missing.csv"])
    with planner.build(
        [campaign], candidates=_frame(), ledger=tmp_path / "l.duckdb", dry_run=True
    ) as result:
        [p] = result.plan.campaigns
        assert sorted(p.recipients["candidate_id"].to_list()) == ["c1", "c2"]
        assert p.funnel["insufficient_personalization"] == 1


def test_not_a_frame_is_a_type_error(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-h", ["people.csv"])
    with pytest.raises(TypeError, match="candidates must be a polars DataFrame"):
        _plan(campaign, candidates=[{"first_name": "Ana"}])


def test_campaigns_that_read_a_frame_differently_are_refused(tmp_path: Path) -> None:
    a = write_campaign(tmp_path, "camp-a", ["people.csv"])
    b = write_campaign(tmp_path, "camp-b", ["people.csv"])
    b.write_text(
        b.read_text(encoding="utf-8").replace(
            "  paths: [people.csv]", "  paths: [people.csv]\n  list_separator: '|'"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"different candidates\.columns"):
        _plan_all([a, b], candidates=_frame())
