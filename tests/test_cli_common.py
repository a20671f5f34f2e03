"""Candidate text on the terminal prints as itself: no rich markup, no escape sequences."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.cli_common import safe
from tests.outcomes_support import run_main, write_campaign, write_people

HOSTILE_COMPANY = "[/]Foo"
HOSTILE_TITLE = "[link=https://evil.example]Data Engineer[/link]"
CLEAR_SCREEN = "\x1b[2J\x1b[H"


def test_safe_removes_controls_and_bidi_keeps_text() -> None:
    assert safe(f"Ana{CLEAR_SCREEN} Silva") == "Ana[2J[H Silva"
    assert safe("a\tb\nc\r\nd") == "a b c d"
    assert safe("line 1\nline 2\x07", multiline=True) == "line 1\nline 2"
    assert safe("abc\u202edcba\u2066x\u2069") == "abcdcbax"  # bidi overrides and isolates
    assert safe("می\u200cخواهم") == "می\u200cخواهم"  # a zero-width non-joiner is part of Persian
    assert safe(None) == "" and safe(3.5) == "3.5"
    assert safe("[bold]x[/]") == "[bold]x[/]"  # markup is the console's business: off


def test_dry_run_preview_prints_hostile_values_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_people(
        tmp_path / "people.csv",
        [
            (
                "c1",
                f"Ana{CLEAR_SCREEN}",
                "Silva",
                "ana@example.org",
                None,
                HOSTILE_TITLE + CLEAR_SCREEN,
                HOSTILE_COMPANY + CLEAR_SCREEN,
            )
        ],
    )
    campaign = write_campaign(tmp_path, "camp-x", ["people.csv"])
    code, stdout, stderr = run_main(
        capsys,
        "build",
        str(campaign),
        "--dry-run",
        "--ledger",
        str(tmp_path / "l.duckdb"),
        "--as-of",
        "2026-06-15",
    )
    assert code == 0, stderr
    assert "\x1b" not in stdout + stderr
    assert HOSTILE_COMPANY in stdout  # shown as typed, not parsed as a closing tag
    assert HOSTILE_TITLE in stdout  # not turned into a live link
    assert "Hi Ana," in stdout  # the greeting name is cleaned of the sequence upstream
