"""excluded.parquet: written when the export formats ask for parquet, the rows of excluded.csv."""

from __future__ import annotations

import shutil
import stat
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from planner import pipeline
from planner.contract import EXCLUDED_COLUMNS

# Plans of the candidate files alone: the ledger plays no part here.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

ROOT = Path(__file__).parent.parent


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    return tmp_path / "campaigns" / "example.yaml"


def _write(campaign: Path, out: Path, formats: list[str]) -> pipeline.Written:
    p = pipeline.plan([campaign], as_of=date(2026, 11, 1))
    try:
        [written] = pipeline.write_plan(p, out=out, formats=formats)
    finally:
        p.close()
    return written


def test_parquet_format_adds_excluded_parquet_with_the_csv_rows(
    example: Path, tmp_path: Path
) -> None:
    written = _write(example, tmp_path / "out", ["parquet"])
    path = written.out_dir / "excluded.parquet"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    typed = pl.read_parquet(path)
    assert typed.columns == list(EXCLUDED_COLUMNS)
    assert typed.schema["eligible_again_on"] == pl.Date
    as_csv = pl.read_csv(written.out_dir / "excluded.csv", infer_schema=False)
    assert typed.height == as_csv.height > 0
    assert typed["person_key"].to_list() == as_csv["person_key"].to_list()
    assert typed["reason"].to_list() == as_csv["reason"].to_list()
    assert "excluded.parquet" in written.files and "send_list.parquet" in written.files


def test_without_parquet_there_is_no_excluded_parquet(example: Path, tmp_path: Path) -> None:
    written = _write(example, tmp_path / "out", [])
    assert not (written.out_dir / "excluded.parquet").exists()
    assert "excluded.parquet" not in written.files
