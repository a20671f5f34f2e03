"""Hostile campaign files through the real CLI: exit 2 and `file:line`, never "internal error"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger_support import run_cli

BAD = Path(__file__).parent / "data" / "bad"
TEMPLATE_CAMPAIGN = """\
version: 1
id: hostile
role: {title: Data Engineer, company: Acme}
sender: {id: dana}
candidates: {paths: [people.csv]}
message:
  body: |
    Hi {{ first_name }},
    {% set a = 'x' * 999 %}{% set a = a ~ a ~ a ~ a %}{% set a = a ~ a ~ a ~ a %}{{ a }}
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("yaml_billion_laughs.yaml", 7, "YAML anchor '&a' is not allowed in campaign files"),
        ("yaml_recursive_anchor.yaml", 8, "YAML anchor '&p' is not allowed"),
        ("huge_numbers.yaml", 7, "caps.window_days: Input should be less than or equal to 3650"),
    ],
)
def test_hostile_campaign_file_exits_2_naming_the_line(
    tmp_path: Path, name: str, line: int, words: str
) -> None:
    proc = run_cli("validate", str(BAD / name), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert f"planner: error: {BAD / name}:{line}: {words}" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_growing_template_is_refused_by_validate(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(TEMPLATE_CAMPAIGN, encoding="utf-8")
    (tmp_path / "people.csv").write_text("first_name,title\nJane,Data Engineer\n")
    proc = run_cli("validate", str(path), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert (
        f"planner: error: {path}:9: message.body (template line 2): the template was stopped by"
        " the sandbox: '~' would make a text longer than 10,000 characters"
    ) in proc.stderr
    assert "internal error" not in proc.stderr
