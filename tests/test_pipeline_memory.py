"""A build's DuckDB memory budget (PLANNER_MEMORY_LIMIT) and its private spill directory."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

from planner import pipeline
from planner.errors import ConfigError, PlannerError
from planner.normalize import enrich

# These plans are about segmentation and memory, deliberately without a ledger.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

ROOT = Path(__file__).parent.parent
AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two seeded benchmark campaigns over 40k synthetic rows (enough to pass a small budget)."""
    root = tmp_path_factory.mktemp("memory")
    cmd = [sys.executable, "-m", "benchmarks.generate", "--rows", "40000", "--seed", "3"]
    cmd += ["--out", str(root / "data" / "candidates.csv")]
    cmd += ["--campaigns", "2", "--campaigns-dir", str(root / "campaigns")]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    return [root / "campaigns" / "bench-1.yaml", root / "campaigns" / "bench-2.yaml"]


def _plan_json(campaigns: list[Path]) -> str:
    plan = pipeline.plan(campaigns, as_of=AS_OF)
    try:
        return json.dumps(pipeline.plan_json(plan), sort_keys=True, default=str)
    finally:
        plan.close()


def test_a_small_budget_spills_but_plans_the_same(
    generated: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(pipeline.MEMORY_LIMIT_ENV, raising=False)
    default = _plan_json(generated)
    monkeypatch.setenv(pipeline.MEMORY_LIMIT_ENV, "64MB")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    plan = pipeline.plan(generated, as_of=AS_OF)
    try:
        limit = plan.con.execute("SELECT current_setting('memory_limit')").fetchall()
        assert limit == [("61.0 MiB",)]
        [(spilled,)] = plan.con.execute("SELECT sum(size) FROM duckdb_temporary_files()").fetchall()
        assert spilled > 1_000_000  # it really ran out of memory and spilled
        assert plan.spill is not None and plan.spill.parent == tmp_path
        small = json.dumps(pipeline.plan_json(plan), sort_keys=True, default=str)
    finally:
        plan.close()
    assert small == default
    assert len(json.loads(small)["excluded"]) > 70_000  # both campaigns, every detail rendered
    assert list(tmp_path.glob("planner-spill-*")) == []  # the private spill directory is gone


def test_running_out_of_the_budget_says_how_to_raise_it(
    generated: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(pipeline.MEMORY_LIMIT_ENV, "24MB")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(PlannerError, match="more memory than its budget of 24MB") as info:
        pipeline.plan(generated, as_of=AS_OF)
    assert info.value.exit_code == 2
    assert info.value.hint is not None and "PLANNER_MEMORY_LIMIT=4GB" in info.value.hint
    assert list(tmp_path.glob("planner-spill-*")) == []


def test_a_bad_budget_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pipeline.MEMORY_LIMIT_ENV, "plenty")
    with pytest.raises(ConfigError, match="PLANNER_MEMORY_LIMIT='plenty'") as info:
        pipeline.plan([ROOT / "campaigns" / "example.yaml"], as_of=AS_OF)
    assert info.value.hint is not None and "4GB" in info.value.hint


def test_the_spill_directory_goes_when_planning_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(pipeline.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    campaign = tmp_path / "c.yaml"
    (tmp_path / "people.csv").write_text("first_name,title\nAda,Engineer\n", encoding="utf-8")
    campaign.write_text(
        "version: 1\nid: c\nrole: {title: T, company: C}\nsender: {id: s}\n"
        "candidates: {paths: [people.csv]}\n",
        encoding="utf-8",
    )

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("enrich failed")

    monkeypatch.setattr(enrich, "enrich", boom)
    with pytest.raises(RuntimeError, match="enrich failed"):
        pipeline.plan([campaign], as_of=AS_OF)
    assert list(tmp_path.glob("planner-spill-*")) == []
