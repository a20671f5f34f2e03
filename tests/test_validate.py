"""`planner validate` lists every problem of every stage at once (SPEC 9), exit 2 or 3."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.errors import ConfigError, InputError
from planner.validate import validate_campaigns
from tests.outcomes_support import run_main

ROOT = Path(__file__).parent.parent
NO_NAME_COLUMNS = ROOT / "tests" / "data" / "bad" / "missing_name_columns.csv"


def _example(tmp_path: Path, name: str = "example", **replace: str) -> Path:
    """A copy of the bundled example campaign (own id per `name`), with text replaced."""
    target = tmp_path / name
    shutil.copytree(ROOT / "campaigns", target)
    path = target / "example.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "id: acme-senior-data-eng-2026q4", f"id: {name}"
    )
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


BAD_TEMPLATE = {"{{ first_name }}": "{{ frist_name }}"}
BAD_INPUT = {"paths: [data/candidates.csv]": "paths: [data/candidates.csv, data/bad.csv]"}


def test_a_template_error_and_a_bad_input_file_are_both_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _example(tmp_path, **BAD_TEMPLATE, **BAD_INPUT)
    shutil.copy(NO_NAME_COLUMNS, path.parent / "data" / "bad.csv")
    code, stdout, stderr = run_main(capsys, "validate", str(path))
    assert code == 2  # a campaign file problem among them: the campaign file's exit code
    assert stdout == ""
    lines = stderr.splitlines()
    assert lines[0] == (
        f"planner: error: {path}:43: message.body (template line 1): unknown field"
        " 'frist_name' (hint: did you mean 'first_name'?)"
    )
    bad = path.parent / "data" / "bad.csv"
    assert lines[1].startswith(f"planner: error: {bad}: no name column")
    assert len(lines) == 2


def test_every_stage_of_one_campaign_reports(tmp_path: Path) -> None:
    """Templates, criteria (a location and a missing off-limits file) and the inputs."""
    path = _example(
        tmp_path,
        **BAD_TEMPLATE,
        **BAD_INPUT,
        **{
            "name: Berlin, radius": "name: Berlinn, radius",
            "off_limits: [data/off_limits.csv]": "off_limits: [data/gone.csv]",
        },
    )
    shutil.copy(NO_NAME_COLUMNS, path.parent / "data" / "bad.csv")
    with pytest.raises(ConfigError) as info:
        validate_campaigns([path])
    problems = info.value.problems
    assert info.value.message == "4 problems in campaign files and their inputs"
    assert [p.split(": ", 2)[1] for p in problems[:3]] == [
        "message.body (template line 1)",
        "audience.location.cities[0].name",
        "audience.companies.off_limits[0]",
    ]
    assert problems[0].startswith(f"{path}:43:")
    assert problems[1].startswith(f"{path}:27:") and "did you mean 'Berlin, DE'" in problems[1]
    assert problems[2].startswith(f"{path}:30:") and "gone.csv" in problems[2]
    assert problems[2].endswith("(hint: check the path; it is relative to the campaign file)")
    assert problems[3].startswith(f"{path.parent / 'data' / 'bad.csv'}: no name column")


def test_a_file_that_does_not_load_leaves_the_others_checked(tmp_path: Path) -> None:
    broken = _example(tmp_path, "broken", **{"audience:\n  skills:": "audience:\n  skils:"})
    bad_input = _example(tmp_path, "other", **BAD_INPUT)
    shutil.copy(NO_NAME_COLUMNS, bad_input.parent / "data" / "bad.csv")
    with pytest.raises(ConfigError) as info:
        validate_campaigns([broken, bad_input])
    first, second = info.value.problems
    assert first == f"{broken}:15: audience.skils: unknown key (hint: did you mean 'skills'?)"
    assert second.startswith(f"{bad_input.parent / 'data' / 'bad.csv'}: no name column")


def test_only_input_problems_exit_3_and_each_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _example(tmp_path, "a", **BAD_INPUT)
    b = _example(tmp_path, "b", **BAD_INPUT)
    for path in (a, b):
        shutil.copy(NO_NAME_COLUMNS, path.parent / "data" / "bad.csv")
    with pytest.raises(InputError) as info:
        validate_campaigns([a, b])
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [
        str(a.parent / "data" / "bad.csv"),
        str(b.parent / "data" / "bad.csv"),
    ]
    code, _, stderr = run_main(capsys, "validate", str(a), str(b))
    assert code == 3
    assert stderr.count("planner: error: ") == 2


def test_one_problem_keeps_its_own_error_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _example(tmp_path, **{"off_limits: [data/off_limits.csv]": "off_limits: [gone.csv]"})
    code, _, stderr = run_main(capsys, "validate", str(path))
    assert code == 3
    assert stderr.splitlines() == [
        f"planner: error: {path}:30: audience.companies.off_limits[0]: cannot read off-limits"
        f" file {path.parent / 'gone.csv'}: No such file or directory",
        "planner: hint: check the path; it is relative to the campaign file",
    ]


def test_a_valid_campaign_gets_its_summary_line(tmp_path: Path) -> None:
    path = _example(tmp_path)
    (line,) = validate_campaigns([path])
    assert line == (
        f"{path}: ok: campaign example, 1 input file(s), 24 rows, 1 bad rows;"
        " lint: 0 errors, 0 warnings"
    )
