"""LinkedIn Recruiter: import candidates into a project from a spreadsheet.

Source: LinkedIn Help, "File requirements for importing candidates in Recruiter" (answer
a412243) and "Import candidates to a project in Recruiter and Recruiter Lite" (a419040): CSV,
at most 200 candidates a file, the first row is ignored (we write the header there), and only
these columns in this order: First name, Last name, Email (all three required), Phone number,
Job title, Company, Location, Pipeline stage, Note, Note visibility (ONLY_ME, PROJECT_MEMBERS or
ANYONE; blank means PROJECT_MEMBERS), Tags (only tags that already exist in Recruiter).

Mapping: Note = fit score, matched skills, reasons and campaign id, visible to PROJECT_MEMBERS
(LinkedIn's default, written out); Tags = the campaign's export.tags only (create them in
Recruiter first; the campaign id is in the note), comma-separated (an assumption: the help page
does not say how several tags are separated). Pipeline stage is left empty (project-specific).
LinkedIn requires first name, last name and email: a recipient without one of them is left out
of this file (the import would reject the row) and named by the build with what is missing
(`Exporter.incomplete`, manifest.json `export_incomplete`); they stay in send_list.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from planner.config import Campaign
from planner.export import base

COLUMNS: Final[tuple[str, ...]] = (
    "First name",
    "Last name",
    "Email",
    "Phone number",
    "Job title",
    "Company",
    "Location",
    "Pipeline stage",
    "Note",
    "Note visibility",
    "Tags",
)

MAX_ROWS: Final[int] = 200
REQUIRED: Final[tuple[str, ...]] = ("First name", "Last name", "Email")
NOTE_VISIBILITY: Final[str] = "PROJECT_MEMBERS"


def rows(send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
    """The import file as a frame of text columns, in LinkedIn's fixed order."""
    tags = ", ".join(base.campaign_tags(campaign, with_id=False, for_csv=True)) or None
    exprs = {
        "First name": base.first_name(),
        "Last name": base.last_name(),
        "Email": base.clean("email"),
        "Phone number": pl.lit(None, dtype=pl.String),
        "Job title": base.clean("current_title"),
        "Company": base.clean("current_company"),
        "Location": base.location(),
        "Pipeline stage": pl.lit(None, dtype=pl.String),
        "Note": base.note(campaign),
        "Note visibility": pl.lit(NOTE_VISIBILITY),
        "Tags": pl.lit(tags, dtype=pl.String),
    }
    assert tuple(exprs) == COLUMNS
    return send_list.select([e.alias(n) for n, e in exprs.items()])


class LinkedInRecruiterExporter:
    """`linkedin_recruiter_<campaign-id>_partNNN.csv`, at most 200 candidates per file."""

    name = "linkedin_recruiter"
    max_rows: int | None = MAX_ROWS

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        stem = base.file_stem(self.name, campaign)
        frame = base.complete(rows(send_list, campaign), REQUIRED)
        return base.write_csv_parts(frame, out_dir, stem, MAX_ROWS)

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return base.incomplete_rows(send_list, rows(send_list, campaign), REQUIRED)
