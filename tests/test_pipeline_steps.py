"""`planner.pipeline`: the build as named steps over one context, its tables named in one module."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from planner import pipeline
from planner.ledger import open_for_build
from planner.pipeline import tables
from planner.pipeline.decisions import limit_each_campaign, open_decisions
from tests.outcomes_support import write_campaign, write_csv, write_people

AS_OF = date(2026, 11, 2)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    sql = "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
    return {name for (name,) in con.execute(sql + " WHERE NOT internal").fetchall()}


def test_steps_are_the_build_in_order() -> None:
    assert [step.__name__ for step in pipeline.STEPS] == [
        "read_candidates",
        "match_recorded_persons",
        "key_people",
        "open_decisions",
        "segment_campaigns",
        "apply_ledger",
        "assign_across_campaigns",
        "limit_each_campaign",
        "personalize_messages",
        "apply_guardrail",
        "lint_personal_share",
        "count_funnels",
    ]


def test_every_table_a_build_leaves_is_declared(tmp_path: Path) -> None:
    """Two campaigns, one with a suppression list, with a ledger: nothing undeclared is left."""
    people = write_people(
        tmp_path / "people.csv",
        [
            ["c1", "Ana", "Silva", "ana@example.com", "", "Data Engineer"],
            ["c2", "Bo", "Chen", "bo@example.com", "", "Data Engineer"],
            ["c3", "Cy", "Diaz", "cy@example.com", "", "Data Engineer"],
        ],
    )
    supp = write_csv(tmp_path / "supp.csv", ["email"], [["bo@example.com"]])
    a = write_campaign(tmp_path, "a", [people.name], suppression=[supp.name])
    b = write_campaign(tmp_path, "b", [people.name])
    led = open_for_build(tmp_path / "ledger.duckdb", dry_run=True)
    try:
        with pipeline.plan([a, b], as_of=AS_OF, ledger=led) as plan:
            left = _tables(plan.con)
            undeclared = sorted(t for t in left if not tables.declared(t))
            assert undeclared == []
            # Campaign a has its own scope (suppression), b shares none: both segment tables.
            for name in [
                tables.PEOPLE,
                tables.PERSONS,
                tables.PEOPLE_KEYED,
                tables.DEC,
                tables.DEC_STEPS,
                tables.REJECTS,
                tables.CAMPAIGN_IDS,
                tables.scope(0),
                tables.scope(1),
                tables.segment(0),
                tables.segment(1),
                tables.suppression_hits(0),
            ]:
                assert name in left, name
            assert tables.suppression_hits(1) not in left
            # The build's decisions, for a check that the tables are the real ones.
            assert plan.con.execute(
                f"SELECT cidx, count(*) FILTER (reason IS NULL) FROM {tables.DEC}"
                " GROUP BY cidx ORDER BY cidx"
            ).fetchall() == [(0, 2), (1, 1)]  # a: c1, c3 (c2 suppressed); b: c2 (assigned)
    finally:
        led.close()


def test_declared_names() -> None:
    assert tables.declared("seg_12")
    assert tables.declared("_led_touches")
    assert not tables.declared("seg_")
    assert not tables.declared("seg_1x")
    assert not tables.declared("rows")


def test_a_step_runs_alone_on_hand_made_tables(tmp_path: Path) -> None:
    """limit_each_campaign on a hand-made `dec`: the best `limit` stay, ties by person key."""
    people = write_people(tmp_path / "people.csv", [])
    path = write_campaign(tmp_path, "a", [people.name])
    text = path.read_text(encoding="utf-8").replace(
        "ranking: {min_score: 0}", "ranking: {limit: 2}"
    )
    path.write_text(text, encoding="utf-8")
    plans = pipeline.prepare([path])
    con = duckdb.connect()
    try:
        ctx = pipeline.BuildContext(con=con, plans=plans, specs=[], as_of=AS_OF)
        open_decisions(ctx)
        con.executemany(
            f"INSERT INTO {tables.DEC} VALUES (0, ?, ?, ?, ?, NULL, NULL)",
            [
                (1, "k1", 0.5, None),
                (2, "k2", 0.9, None),
                (3, "k3", 0.5, None),
                (4, "k4", 0.99, "skills_missing"),
                (5, "k0", 0.5, None),
            ],
        )
        pipeline.run_steps(ctx, [limit_each_campaign])
        rows = con.execute(
            f"SELECT person_key, reason, detail FROM {tables.DEC} ORDER BY person_key"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("k0", None, None),
        ("k1", "over_limit", "over_limit: rank 3 of 4, limit 2"),
        ("k2", None, None),
        ("k3", "over_limit", "over_limit: rank 4 of 4, limit 2"),
        ("k4", "skills_missing", None),
    ]


def test_a_step_after_reading_needs_the_read(tmp_path: Path) -> None:
    people = write_people(tmp_path / "people.csv", [])
    plans = pipeline.prepare([write_campaign(tmp_path, "a", [people.name])])
    with duckdb.connect() as con:
        ctx = pipeline.BuildContext(con=con, plans=plans, specs=[], as_of=AS_OF)
        with pytest.raises(RuntimeError, match="read_candidates has not run"):
            pipeline.STEPS[-1](ctx)
