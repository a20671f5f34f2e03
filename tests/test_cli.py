"""The command line: commands, output files, exit codes and stderr format (SPEC 8, 9)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.contract import EXCLUDED_COLUMNS, SEND_LIST_COLUMNS
from tests.outcomes_support import run_main

ROOT = Path(__file__).parent.parent
runner = CliRunner()


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled example in a fresh working directory."""
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_LEDGER", raising=False)
    return tmp_path / "campaigns" / "example.yaml"


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture()
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run through main() so exit codes and stderr are exactly what a user sees."""

    return lambda *args: run_main(capsys, *args)


def test_dry_run_preview_shows_funnel_recipients_and_writes_nothing(
    example: Path, run: Run
) -> None:
    code, stdout, _ = run("build", str(example), "--dry-run", "--as-of", "2026-11-01")
    assert code == 0
    assert "funnel" in stdout and "recipients" in stdout
    assert "skills_missing" in stdout and "company_excluded" in stdout
    assert "Subject: Senior Data Engineer at Acme Analytics" in stdout
    assert not (example.parent.parent / "out").exists()
    assert not (example.parent.parent / ".planner").exists()


def test_dry_run_json_has_the_spec_keys(example: Path, run: Run) -> None:
    code, stdout, _ = run("build", str(example), "--dry-run", "--json", "--as-of", "2026-11-01")
    assert code == 0
    doc = json.loads(stdout)
    assert {"campaigns", "recipients", "excluded", "funnel", "lint", "guardrail"} <= set(doc)
    assert doc["recipients"], "the example must have recipients"
    for r in doc["recipients"]:
        assert {"campaign_id", "candidate_id", "person_key"} <= set(r)
    for e in doc["excluded"]:
        assert {"campaign_id", "candidate_id", "person_key", "reason"} <= set(e)
    funnel = doc["funnel"]["acme-senior-data-eng-2026q4"]
    assert funnel["recipients"] == len(doc["recipients"])
    assert funnel["invalid_row"] == 1
    assert funnel["duplicate_row"] == 1
    # every row is accounted for exactly once
    assert sum(funnel.values()) == 25


def test_example_exercises_every_segment_criterion(example: Path, run: Run) -> None:
    _, stdout, _ = run("build", str(example), "--dry-run", "--json", "--as-of", "2026-11-01")
    funnel = json.loads(stdout)["funnel"]["acme-senior-data-eng-2026q4"]
    for reason in [
        "invalid_row", "duplicate_row", "not_open", "company_excluded", "off_limits",
        "skills_missing", "title_mismatch", "title_excluded", "seniority_mismatch",
        "experience_out_of_range", "location_mismatch",
    ]:  # fmt: skip
        assert funnel[reason] >= 1, reason


def test_real_build_writes_the_spec_files_with_columns_in_order(example: Path, run: Run) -> None:
    out = example.parent.parent / "build-out"
    code, _stdout, stderr = run(
        "build", str(example), "--out", str(out), "--as-of", "2026-11-01",
        "--ledger", str(example.parent.parent / "l.duckdb"),
    )  # fmt: skip
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} >= {
        "send_list.csv",
        "excluded.csv",
        "rejects.csv",
        "manifest.json",
    }
    with (out / "send_list.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == SEND_LIST_COLUMNS
    assert len(rows) > 1
    scores = [float(r[SEND_LIST_COLUMNS.index("fit_score")]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    with (out / "excluded.csv").open(newline="", encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == EXCLUDED_COLUMNS
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["as_of"] == "2026-11-01"
    assert manifest["counts"]["recipients"] == len(rows) - 1
    assert set(manifest["outputs"]) >= {"send_list.csv", "excluded.csv", "rejects.csv"}
    assert len(manifest["campaign_sha256"]) == 64
    assert all(len(h) == 64 for h in manifest["inputs"].values())


def test_validate_points_at_the_line_and_suggests_the_key(tmp_path: Path, run: Run) -> None:
    code, _, stderr = run("validate", str(ROOT / "tests" / "data" / "bad" / "typo_key.yaml"))
    assert code == 2
    assert "typo_key.yaml:8: audience.skils: unknown key" in stderr
    assert "did you mean 'skills'" in stderr
    assert stderr.startswith("planner: error: ")


def test_validate_ok_on_the_example(example: Path, run: Run) -> None:
    code, stdout, _ = run("validate", str(example))
    assert code == 0
    assert "ok" in stdout and "25 rows" not in stdout  # one bad row: 24 good rows
    assert "24 rows, 1 bad rows" in stdout


def test_missing_input_file_is_exit_3(tmp_path: Path, run: Run) -> None:
    c = tmp_path / "c.yaml"
    c.write_text(
        "version: 1\nid: x\nrole: {title: T, company: C}\nsender: {id: s}\n"
        "candidates: {paths: [nope.csv]}\n"
    )
    code, _, stderr = run("build", str(c), "--dry-run")
    assert code == 3
    assert "nope.csv" in stderr


def test_bad_as_of_is_a_usage_error(example: Path, run: Run) -> None:
    code, _, stderr = run("build", str(example), "--dry-run", "--as-of", "yesterday")
    assert code == 2
    assert "--as-of" in stderr and "YYYY-MM-DD" in stderr


def test_unknown_format_is_a_usage_error(example: Path, run: Run) -> None:
    code, _, stderr = run("build", str(example), "--dry-run", "--format", "xlsx")
    assert code == 2
    assert "greenhouse" in stderr


def test_explain_lists_every_check_and_score_parts(example: Path, run: Run) -> None:
    code, stdout, _ = run(
        "explain", str(example), "jana.novak@example.com", "--json", "--as-of", "2026-11-01"
    )
    assert code == 0
    entries = json.loads(stdout)
    assert [e["decision"] for e in entries] == ["recipient", "duplicate_row"]
    first = entries[0]
    assert [c["reason"] for c in first["checks"]][:3] == [
        "duplicate_row",
        "suppressed",
        "already_in_ats",
    ]
    assert set(first["score_parts"]) == {"skills", "title", "seniority", "location", "open_to_work"}
    assert first["matched_skills"][:2] == ["python", "sql"]
    # The detail is the one the build reports for the same row (rendered from the same checks).
    assert first["detail"] is None
    code, stdout, _ = run("build", str(example), "--dry-run", "--json", "--as-of", "2026-11-01")
    assert code == 0
    dup = [
        e
        for e in json.loads(stdout)["excluded"]
        if e["person_key"] == entries[1]["person_key"] and e["reason"] == "duplicate_row"
    ]
    assert [e["detail"] for e in dup] == [entries[1]["detail"]]
    assert entries[1]["detail"].startswith("duplicate_row: same person as ")


def test_explain_unknown_person(example: Path, run: Run) -> None:
    code, _, stderr = run("explain", str(example), "nobody@example.com")
    assert code == 2
    assert "no row" in stderr


def test_init_writes_an_example_that_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run("init", "demo")
    assert code == 0
    assert (tmp_path / "demo" / "example.yaml").read_bytes() == (
        ROOT / "campaigns" / "example.yaml"
    ).read_bytes()
    code, _, _ = run("build", "demo/example.yaml", "--dry-run")
    assert code == 0
    code, _, stderr = run("init", "demo")
    assert code == 2 and "never overwrites" in stderr


def test_bundled_example_matches_package_copy() -> None:
    for name in ("example.yaml", "data/candidates.csv", "data/off_limits.csv"):
        assert (ROOT / "campaigns" / name).read_bytes() == (
            ROOT / "planner" / "examples" / name
        ).read_bytes(), name


def test_schema_command_prints_json_schema(run: Run) -> None:
    code, stdout, _ = run("schema")
    assert code == 0
    assert json.loads(stdout)["title"] == "planner campaign file"


def test_app_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    for name in ("init", "validate", "lint", "build", "explain"):
        assert name in result.stdout
