"""Reading the readable data tables in `planner/data/` (loaded once per process by callers)."""

from __future__ import annotations

import csv
from importlib import resources


def _text(name: str) -> str:
    return resources.files("planner").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def _is_comment(line: str) -> bool:
    # "# text" is a comment; "#opentowork" is an entry.
    return line == "#" or line.startswith("# ")


def lines(name: str) -> list[str]:
    """Entries of a one-per-line data file: blank lines and `# ` comments skipped."""
    stripped = (ln.strip() for ln in _text(name).splitlines())
    return [s for s in stripped if s and not _is_comment(s)]


def pairs(name: str) -> dict[str, str]:
    """`key = value` entries of a data file (`lines`), split at the first `=`."""
    split = (line.split("=", 1) for line in lines(name))
    return {key.strip(): value.strip() for key, value in split}


def rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV data file with a header; lines starting with `#` are comments."""
    body = [ln for ln in _text(name).splitlines() if ln.strip() and not _is_comment(ln.strip())]
    return [
        {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        for row in csv.DictReader(body)
    ]
