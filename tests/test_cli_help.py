"""Help on every command: -h works, an example is shown, placeholders read as words."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from planner.cli import app

COMMANDS = [
    ["init"],
    ["validate"],
    ["schema"],
    ["lint"],
    ["build"],
    ["explain"],
    ["export"],
    ["report"],
    *(
        ["ledger", c]
        for c in (
            "runs",
            "history",
            "cancel",
            "import-touches",
            "import-outcomes",
            "stats",
            "forget",
            "migrate",
            "copy",
        )
    ),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_short_help_an_example_and_readable_placeholders(
    command: list[str],
) -> None:
    result = CliRunner().invoke(app, [*command, "-h"], prog_name="planner")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(f"Usage: planner {' '.join(command)} ")
    example = re.search(r"Examples?:\n((?:    planner .+\n)+)", text)
    assert example is not None, text
    assert all(
        line.strip().startswith(f"planner {command[0]}") for line in example.group(1).splitlines()
    )
    assert re.search(r"<[a-z]+[^>]*>", text) is None, text  # no <list[Path]>, <str>, ...


def test_root_help_offers_shell_completion() -> None:
    result = CliRunner().invoke(app, ["-h"], prog_name="planner")
    assert result.exit_code == 0
    assert "--install-completion" in result.output and "--show-completion" in result.output
