"""Greenhouse Recruiting prospect bulk import (Configure > Bulk Import > Begin Prospect Import).

Source: Greenhouse support, "Bulk import prospects from spreadsheet"
(support.greenhouse.io/hc/en-us/articles/203871039): the template's default fields are the 17
columns below; First and Last Name are required; "we recommend importing no more than 8,000
prospects at a time"; Prospect Pool / Prospect Stage must match names configured in the CRM;
columns are matched to Greenhouse fields by the user during the upload. The template has no
tags column, so the campaign's tags go into Notes.

Mapping: Notes = fit score, matched skills, reasons, campaign id and tags; Social Media = the
profile URL; Address = "City, Country". The fields Greenhouse matches against names configured in
the account come from `export.greenhouse` so the upload needs no hand edits: Source (`source`,
default "planner"), Who gets credit (`who_gets_credit`, default the sender's email, else name,
else id), Job (`job`, default role.title), Office (`office`, default role.location), Department,
Prospect Pool and Prospect Stage (empty unless set: a wrong name fails the import). Prospects on a
job configured for GDPR are emailed GDPR information by Greenhouse after the import.

Greenhouse requires First and Last Name: a recipient without a last name (a mononym) is left
out of this file and named by the build (`Exporter.incomplete`), never sent half-filled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from planner.config import Campaign
from planner.export import base

COLUMNS: Final[tuple[str, ...]] = (
    "First Name",
    "Last Name",
    "Company",
    "Title",
    "Notes",
    "Email",
    "Phone",
    "Social Media",
    "Website",
    "Address",
    "Source",
    "Who gets credit",
    "Job",
    "Department",
    "Office",
    "Prospect Pool",
    "Prospect Stage",
)

MAX_ROWS: Final[int] = 8_000
REQUIRED: Final[tuple[str, ...]] = ("First Name", "Last Name")
SOURCE: Final[str] = "planner"


def rows(send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
    """The import spreadsheet as a frame of text columns, in template order."""
    sender = campaign.sender
    settings = campaign.export.greenhouse
    credit = settings.who_gets_credit or sender.email or sender.name or sender.id
    tags = ", ".join(base.campaign_tags(campaign, with_id=False, for_csv=True))
    none = pl.lit(None, dtype=pl.String)
    exprs = {
        "First Name": base.first_name(),
        "Last Name": base.last_name(),
        "Company": base.clean("current_company"),
        "Title": base.clean("current_title"),
        "Notes": base.note(campaign, [("Tags", tags)]),
        "Email": base.clean("email"),
        "Phone": none,
        "Social Media": base.profile_link(),
        "Website": none,
        "Address": base.location(),
        "Source": pl.lit(settings.source or SOURCE),
        "Who gets credit": pl.lit(credit),
        "Job": pl.lit(settings.job or campaign.role.title),
        "Department": pl.lit(settings.department, dtype=pl.String),
        "Office": pl.lit(settings.office or campaign.role.location, dtype=pl.String),
        "Prospect Pool": pl.lit(settings.prospect_pool, dtype=pl.String),
        "Prospect Stage": pl.lit(settings.prospect_stage, dtype=pl.String),
    }
    assert tuple(exprs) == COLUMNS
    return send_list.select([e.alias(n) for n, e in exprs.items()])


class GreenhouseExporter:
    """`greenhouse_<campaign-id>_partNNN.csv`, at most 8,000 prospects per file."""

    name = "greenhouse"
    max_rows: int | None = MAX_ROWS

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        stem = base.file_stem(self.name, campaign)
        frame = base.complete(rows(send_list, campaign), REQUIRED)
        return base.write_csv_parts(frame, out_dir, stem, MAX_ROWS)

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return base.incomplete_rows(send_list, rows(send_list, campaign), REQUIRED)
