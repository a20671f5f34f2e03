"""The README's first two commands, as a new user runs them (SPEC: install + build, then tests).

The install step is what CI (`.ci/run`) does on a fresh machine; here the package is installed
already, so the test runs the rest of the first command exactly as written (the `planner` console
script of this environment, in a copy of the repository's example) and checks that the second
command is the test command this suite is run with.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _first_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None, "README has no ```sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_commands() -> None:
    first, second = _first_commands()
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && ")
    assert second == ".venv/bin/python -m pytest"


def test_first_command_builds_the_bundled_example(tmp_path: Path) -> None:
    first, _ = _first_commands()
    build = shlex.split(first.split(" && ")[-1])
    assert build[0] == ".venv/bin/planner"
    planner = Path(sys.executable).parent / "planner"
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "campaigns", work / "campaigns")
    proc = subprocess.run(
        [str(planner), *build[1:]], cwd=work, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "dry run" in out and "nothing written" in out
    assert "funnel" in out and "top recipients" in out and "--- sample message to" in out
    # The bundled example exercises every segmentation criterion (see test_cli for the counts).
    for reason in ("invalid_row", "duplicate_row", "not_open", "off_limits", "location_mismatch"):
        assert reason in out
    assert list(work.iterdir()) == [work / "campaigns"]  # a dry run writes nothing
