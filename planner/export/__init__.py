"""Send-list exports (SPEC 8): the send list as CSV/JSONL/Parquet and as ATS import files.

One small module per format behind one interface (`Exporter`: `name`, `max_rows`, `write`):

| format               | files                                          | rows per file |
|----------------------|------------------------------------------------|---------------|
| `csv`                | `send_list.csv`                                | all           |
| `jsonl`              | `send_list.jsonl`                              | all           |
| `parquet`            | `send_list.parquet`                            | all           |
| `greenhouse`         | `greenhouse_<campaign-id>_part001.csv`, ...    | 8,000         |
| `lever`              | `lever_<campaign-id>_part001.csv`, ...         | 55,000        |
| `ashby`              | `ashby_<campaign-id>.jsonl`, `_tags`, `_applications` | all    |
| `linkedin_recruiter` | `linkedin_recruiter_<campaign-id>_part001.csv` | 200           |

Split formats always carry a part number (part001 even when one file is enough, and one
header-only part for an empty send list), so scripts never meet two naming shapes. Names use
only a-z 0-9 _ - and a dot before the extension (Lever's rule, fine for every target).

Every CSV goes through `write_csv` (see `planner.export.csvsafe` for the rules: UTF-8, RFC 4180
CRLF records, formula cells prefixed with `'`). No target gets a byte-order mark: all of them
are machine importers that read UTF-8, and a BOM can end up inside the first header name. Every
file is written to a temporary name in the target directory and renamed into place; the same
send list and campaign give byte-identical files.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl

from planner.config import Campaign
from planner.contract import FORMATS
from planner.errors import ExportError
from planner.export.ashby import AshbyExporter
from planner.export.atomic import atomic_path
from planner.export.base import Exporter, conform_send_list
from planner.export.csvsafe import copy_query_csv, neutralize_text, write_csv
from planner.export.generic import CsvExporter, JsonlExporter, ParquetExporter
from planner.export.greenhouse import GreenhouseExporter
from planner.export.lever import LeverExporter
from planner.export.linkedin_recruiter import LinkedInRecruiterExporter
from planner.files import sha256_file

__all__ = [
    "EXPORTERS",
    "Exporter",
    "atomic_path",
    "copy_query_csv",
    "export",
    "export_all",
    "get_exporter",
    "incomplete",
    "incomplete_summary",
    "neutralize_text",
    "sha256_file",
    "write_csv",
]

#: The format registry, in SPEC order.
EXPORTERS: Final[Mapping[str, Exporter]] = {
    e.name: e
    for e in (
        CsvExporter(),
        JsonlExporter(),
        ParquetExporter(),
        GreenhouseExporter(),
        LeverExporter(),
        AshbyExporter(),
        LinkedInRecruiterExporter(),
    )
}
assert tuple(EXPORTERS) == FORMATS


def get_exporter(fmt: str) -> Exporter:
    """The exporter for a format name; an unknown name is an ExportError listing the known."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        near = difflib.get_close_matches(str(fmt), list(EXPORTERS), n=1)
        known = "known formats: " + ", ".join(EXPORTERS)
        hint = f"did you mean '{near[0]}'? {known}" if near else known
        raise ExportError(f"unknown export format '{fmt}'", hint=hint)
    return exporter


def export(send_list: pl.DataFrame, campaign: Campaign, fmt: str, out_dir: Path) -> list[Path]:
    """Write the send list in one format into `out_dir` (created if needed); return the files
    written, sorted."""
    exporter = get_exporter(fmt)
    frame = conform_send_list(send_list)
    return sorted(exporter.write(frame, campaign, Path(out_dir)))


def incomplete(send_list: pl.DataFrame, campaign: Campaign, fmt: str) -> pl.DataFrame:
    """The recipients a format leaves out for lack of a field its importer requires:
    `person_key`, `missing` (field names of that format). No rows for most send lists."""
    return get_exporter(fmt).incomplete(conform_send_list(send_list), campaign)


def incomplete_summary(
    send_list: pl.DataFrame, campaign: Campaign, formats: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Per format that leaves recipients out: how many, which required fields were missing
    (field -> count) and their person keys, for manifest.json and the build's warning. Formats
    that keep everyone are absent."""
    summary: dict[str, dict[str, Any]] = {}
    for fmt in dict.fromkeys(formats):
        rows = incomplete(send_list, campaign, fmt)
        if rows.height == 0:
            continue
        fields = rows["missing"].explode().value_counts(sort=True, name="n")
        summary[fmt] = {
            "count": rows.height,
            "missing": dict(zip(fields["missing"], fields["n"], strict=True)),
            "person_keys": rows["person_key"].to_list(),
        }
    return summary


def export_all(
    send_list: pl.DataFrame, campaign: Campaign, formats: Sequence[str], out_dir: Path
) -> dict[str, list[Path]]:
    """Write several formats (duplicates once, in the given order); format -> files written.

    Every name is checked before anything is written, so a typo never leaves half an export.
    """
    wanted = list(dict.fromkeys(formats))
    exporters = [get_exporter(fmt) for fmt in wanted]
    frame = conform_send_list(send_list)
    out = Path(out_dir)
    return {e.name: sorted(e.write(frame, campaign, out)) for e in exporters}
