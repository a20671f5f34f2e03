"""README's candidate-file header table lists every alias of `planner/data/header_aliases.csv`.

When a row is added to the data file, add the header to its field's row of the README table
(between the `header-aliases` markers); this test names what is missing.
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

from planner.contract import CANONICAL_FIELDS

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_table() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    body = text.split("<!-- header-aliases:start -->", 1)[1].split("<!-- header-aliases:end -->")[0]
    table: dict[str, list[str]] = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            table[cells[0].strip("`")] = re.findall(r"`([^`]+)`", cells[1])
    return table


def _data_aliases() -> dict[str, list[str]]:
    text = resources.files("planner").joinpath("data/header_aliases.csv").read_text("utf-8")
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        if row["alias"] != row["canonical"]:
            out.setdefault(row["canonical"], []).append(row["alias"])
    return out


def test_readme_lists_every_alias() -> None:
    readme, data = _readme_table(), _data_aliases()
    assert list(readme) == list(CANONICAL_FIELDS)
    for field in CANONICAL_FIELDS:
        missing = sorted(set(data.get(field, [])) - set(readme[field]))
        extra = sorted(set(readme[field]) - set(data.get(field, [])))
        assert not missing, f"README header table, row {field}: add {missing}"
        assert not extra, f"README header table, row {field}: not in header_aliases.csv: {extra}"
