"""Lever candidate CSV import (bulk candidate import / import with Lever Support).

Sources: Lever help, "How do I add multiple / import many candidates?"
(help.lever.co/hc/en-us/articles/204498425) and "Bulk importing candidates"
(help.lever.co/hc/en-us/articles/20087301434013):
- comma-delimited CSV only; file names only a-z, 0-9, "_" and "-"; at most 55,000 rows a file;
- required: Full name, Stage, Sources, Origin (fixed list: Applied, Sourced, Referred,
  University, Internal, Agency), Lever Posting URL when assigning to a posting;
- multiple links: comma followed by a space; multiple emails, tags, sources: comma, no space;
- name values exactly, e.g. stage "New Lead".

Assumption (documented): the help pages name the columns above but do not print the template's
header row; the headers below use those names, plus Phone, Current company, Current title,
Location and Note for the other profile fields. Stage, Origin and Sources come from
`export.lever` (defaults "New Lead", "Sourced" — spelled as the importer's fixed list wants it —
and "planner"); several sources are joined with a comma, no space. A comma inside a tag or a
source would read as a separator, so it becomes a space. Lever Posting URL is filled only when
role.url is a Lever posting (jobs.lever.co / *.lever.co). Full name is required: a recipient
without any name is left out and named by the build (`Exporter.incomplete`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import polars as pl

from planner.config import Campaign
from planner.export import base

COLUMNS: Final[tuple[str, ...]] = (
    "Full name",
    "Email",
    "Phone",
    "Current company",
    "Current title",
    "Location",
    "Links",
    "Tags",
    "Sources",
    "Origin",
    "Stage",
    "Lever Posting URL",
    "Note",
)

MAX_ROWS: Final[int] = 55_000
REQUIRED: Final[tuple[str, ...]] = ("Full name",)

_LEVER_POSTING = re.compile(r"(?i)^https?://([a-z0-9-]+\.)*lever\.co/")


def lever_tags(campaign: Campaign) -> str:
    """Campaign tags and id, comma-separated without spaces (Lever's rule for tags)."""
    return ",".join(base.campaign_tags(campaign, for_csv=True))


def rows(send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
    """The import file as a frame of text columns, in header order."""
    url = campaign.role.url
    posting = url if url and _LEVER_POSTING.match(url) else None
    settings = campaign.export.lever
    sources = ",".join(
        dict.fromkeys(" ".join(s.replace(",", " ").split()) for s in settings.sources)
    )
    exprs = {
        "Full name": base.full_name(),
        "Email": base.clean("email"),
        "Phone": pl.lit(None, dtype=pl.String),
        "Current company": base.clean("current_company"),
        "Current title": base.clean("current_title"),
        "Location": base.location(),
        "Links": base.profile_link(),
        "Tags": pl.lit(lever_tags(campaign)),
        "Sources": pl.lit(sources),
        "Origin": pl.lit(settings.origin),
        "Stage": pl.lit(settings.stage),
        "Lever Posting URL": pl.lit(posting, dtype=pl.String),
        "Note": base.note(campaign),
    }
    assert tuple(exprs) == COLUMNS
    return send_list.select([e.alias(n) for n, e in exprs.items()])


class LeverExporter:
    """`lever_<campaign-id>_partNNN.csv`, at most 55,000 candidates per file."""

    name = "lever"
    max_rows: int | None = MAX_ROWS

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        stem = base.file_stem(self.name, campaign)
        frame = base.complete(rows(send_list, campaign), REQUIRED)
        return base.write_csv_parts(frame, out_dir, stem, MAX_ROWS)

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return base.incomplete_rows(send_list, rows(send_list, campaign), REQUIRED)
