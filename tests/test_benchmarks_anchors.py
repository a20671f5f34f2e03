"""The anchors of benchmarks/anchors/ plan the same thing (a tiny smoke; never timed here)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

from benchmarks.anchors import duckdb_plan, polars_plan

ROOT = Path(__file__).parent.parent
AS_OF = dt.date(2026, 11, 1)
ANCHORS = ["duckdb", "polars"] + (["pandas"] if importlib.util.find_spec("pandas") else [])


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """3,000 generated rows and touches, and a broad variant of bench-1 (it has recipients)."""
    d = tmp_path_factory.mktemp("anchors")
    cmd = [sys.executable, "-m", "benchmarks.generate", "--rows", "3000", "--seed", "3"]
    cmd += ["--out", str(d / "candidates.csv"), "--ledger-touches", "3000"]
    cmd += ["--ledger-out", str(d / "touches.csv"), "--campaigns", "1"]
    cmd += ["--campaigns-dir", str(d / "campaigns")]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    campaign = yaml.safe_load((d / "campaigns" / "bench-1.yaml").read_text(encoding="utf-8"))
    campaign["audience"]["skills"] = {"all": ["python"], "any": ["sql", "aws"], "min_any": 1}
    campaign["audience"]["titles"] = {"exclude": ["recruiter", "intern"]}
    campaign["audience"]["location"] = {
        "countries": ["DE", "NL", "GB", "US"],
        "cities": [{"name": "Berlin", "radius_km": 50}],
        "allow_unknown": True,
    }
    campaign["ranking"] = {"min_score": 0.3, "limit": 40}
    path = d / "campaigns" / "broad.yaml"
    path.write_text(yaml.safe_dump(campaign), encoding="utf-8")
    return path, d / "touches.csv"


def _run(anchor: str, campaign: Path, touches: Path, out: Path) -> tuple[pl.DataFrame, ...]:
    if anchor == "duckdb":
        duckdb_plan.plan(campaign, touches, out, AS_OF)
    elif anchor == "polars":
        polars_plan.plan(campaign, touches, out, AS_OF)
    else:
        from benchmarks.anchors import pandas_plan

        pandas_plan.plan(campaign, touches, out, AS_OF)
    send = pl.read_csv(out / "send_list.csv", infer_schema=False)
    excluded = pl.read_csv(out / "excluded.csv", infer_schema=False)
    return send, excluded


def test_every_anchor_writes_the_same_send_list(data: tuple[Path, Path], tmp_path: Path) -> None:
    campaign, touches = data
    results = {a: _run(a, campaign, touches, tmp_path / a) for a in ANCHORS}
    send, excluded = results["duckdb"]
    assert send.height == 40, "the broad campaign fills its limit"
    assert excluded.height > 2000
    reasons = set(excluded["reason"])
    assert {"skills_missing", "duplicate_row", "over_limit"} <= reasons
    assert reasons & {"already_contacted_for_campaign", "frequency_cap"}, "the touches count"
    for anchor in ANCHORS[1:]:
        other_send, other_excluded = results[anchor]
        # The same recipients in the same order (person keys: URL, else email).
        assert other_send["person_key"].to_list() == send["person_key"].to_list(), anchor
        scores = other_send["fit_score"].cast(pl.Float64).to_list()
        assert scores == send["fit_score"].cast(pl.Float64).to_list(), anchor
        # The same reason for every row both read (the CSV readers differ on malformed rows).
        both = excluded.join(other_excluded, on=["candidate_id", "person_key"], how="inner")
        assert both.height > 0.98 * excluded.height, anchor
        assert both.filter(pl.col("reason") != pl.col("reason_right")).height == 0, anchor
    # DuckDB and Polars write the same detail, so files of similar size (as planner's).
    both = excluded.join(results["polars"][1], on=["candidate_id", "person_key"], how="inner")
    assert both.filter(pl.col("detail") != pl.col("detail_right")).height == 0
    # The same messages (Jinja over the same fields), none empty.
    assert (send["message"].str.len_chars() > 50).all()
    for anchor in ANCHORS[1:]:
        assert results[anchor][0]["message"].to_list() == send["message"].to_list(), anchor
