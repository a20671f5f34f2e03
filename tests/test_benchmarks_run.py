"""benchmarks/run.py end to end on a tiny data set (the real figures are never measured in CI)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from benchmarks import run


def test_runner_measures_real_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    args = ["--rows", "2000", "--campaigns", "2", "--repeat", "1", "--skip-big"]
    args += ["--data-dir", str(tmp_path / "data"), "--json", str(out)]
    has_pandas = importlib.util.find_spec("pandas") is not None
    if not has_pandas:
        args.append("--skip-pandas")
    assert run.main(args) == 0

    result = json.loads(out.read_text())
    figures = result["figures"]
    assert set(figures) == {
        "scan", "parse", "duckdb", "polars", "pandas", "build", "build_cached", "build_many",
    }  # fmt: skip
    measured = ["scan", "parse", "duckdb", "polars", "build", "build_cached", "build_many"]
    for name in measured + (["pandas"] if has_pandas else []):
        fig = figures[name]
        # --repeat 1, but the cheap scans always run at least 3 times (a cold first read).
        assert len(fig["runs"]) == (3 if name in ("scan", "parse") else 1)
        assert {r["returncode"] for r in fig["runs"]} == {0}
        assert 0.05 < fig["median_s"] < 60
        assert 20 < fig["peak_rss_mib"] < 4096  # a Python process with DuckDB: tens of MiB at least
    build, cached, many = figures["build"], figures["build_cached"], figures["build_many"]
    # Every build beside every anchor, from the medians.
    anchors = ["duckdb", "polars"] + (["pandas"] if has_pandas else [])
    for fig in (build, cached, many):
        assert set(fig["anchor_ratios"]) == set(anchors)
        for anchor in anchors:
            want = round(fig["median_s"] / figures[anchor]["median_s"], 3)
            assert fig["anchor_ratios"][anchor] == want
    # The SPEC 10 checks, each judged from the medians.
    checks = {c["baseline"]: c for c in build["checks"]}
    assert set(checks) == set(anchors)
    assert checks["duckdb"]["limit"] == 1.5 and checks["polars"]["limit"] == 1.0
    for check in build["checks"]:
        assert check["passed"] is (check["ratio"] <= check["limit"])
    assert build["passed"] is all(c["passed"] for c in build["checks"])
    [c] = cached["checks"]
    assert c["baseline"] == "build" and c["limit"] == 0.3
    assert c["ratio"] == round(cached["median_s"] / build["median_s"], 3)
    [m] = many["checks"]
    assert m["baseline"] == "build" and m["ratio"] == round(many["median_s"] / build["median_s"], 3)
    # Planner builds run with their own cache directory; the cached one names the second campaign.
    assert set(build["env"]) == {"PLANNER_CACHE"} and "bench-2.yaml" in " ".join(cached["command"])
    assert build["parse_ratio"] == round(build["median_s"] / figures["parse"]["median_s"], 2)
    assert figures["parse"]["passed"] is None and figures["parse"]["checks"] == []
    if has_pandas:
        assert figures["pandas"]["median_s"] > 0
    else:
        assert figures["pandas"]["median_s"] is None
        assert "skipped" in figures["pandas"]["note"]
    assert result["machine"]["cpus"] >= 1
    assert result["params"]["rows"] == 2000
    assert isinstance(result["all_passed"], bool)
    # The generated inputs are kept for the next run, and the builds cleaned up after themselves.
    data = tmp_path / "data" / "rows-2000-seed-7"
    assert (data / "candidates.csv").stat().st_size > 100_000
    campaigns = sorted(p.name for p in (data / "campaigns").iterdir())
    assert campaigns == ["bench-1.yaml", "bench-2.yaml"]
    assert (data / "ledger.duckdb").exists()


def test_measure_reports_failures_and_timeouts() -> None:
    ok = run.measure([sys.executable, "-c", "x = b'x' * (80 * 2**20)"], timeout=30)
    assert ok.returncode == 0 and ok.peak_rss >= 80 * 2**20
    with pytest.raises(run.Failed, match="exit 3"):
        run.measure([sys.executable, "-c", "raise SystemExit(3)"], timeout=30)
    with pytest.raises(run.Failed, match="timed out"):
        run.measure([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
