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
    assert set(figures) == {"scan", "parse", "build", "pandas", "build_one", "build_many"}
    for name in ("scan", "parse", "build", "build_many"):
        fig = figures[name]
        # --repeat 1, but the cheap scans always run at least 3 times (a cold first read).
        assert len(fig["runs"]) == (3 if name in ("scan", "parse") else 1)
        assert {r["returncode"] for r in fig["runs"]} == {0}
        assert 0.05 < fig["median_s"] < 60
        assert 20 < fig["peak_rss_mib"] < 4096  # a Python process with DuckDB: tens of MiB at least
    # Ratios are computed from the medians, and each target is judged.
    build, scan, many = figures["build"], figures["scan"], figures["build_many"]
    assert build["baseline"] == "scan"
    assert build["ratio"] == round(build["median_s"] / scan["median_s"], 2)
    assert build["passed"] is (build["ratio"] <= 2.0)
    assert many["baseline"] == "build_one"
    assert many["ratio"] == round(many["median_s"] / figures["build_one"]["median_s"], 2)
    assert many["passed"] is (many["ratio"] <= 3.0)
    assert figures["build_one"]["median_s"] == build["median_s"]
    # Context without a target: the build against DuckDB parsing every field of the file.
    assert build["parse_ratio"] == round(build["median_s"] / figures["parse"]["median_s"], 2)
    assert figures["parse"]["passed"] is None and figures["parse"]["target"] is None
    if has_pandas:
        assert figures["pandas"]["median_s"] > 0 and figures["pandas"]["baseline"] == "build"
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
