"""Ashby: JSON lines of `candidate.create` request bodies, for a later push through Ashby's API.

Source: Ashby API reference, `candidate.create` (developers.ashbyhq.com/reference/candidatecreate,
as mirrored by Pipedream's Ashby "Create Candidate" action and public API clients): `name`
(required), `email`, `phoneNumber`, `linkedInUrl` / `githubUrl` / `website` (must be valid URLs),
`alternateEmailAddresses`, `sourceId`, `creditedToUserId`, and `location` as an object
`{"city", "region", "country"}` of strings.

Three files, each of request bodies a pusher sends as they are:
- `ashby_<campaign-id>.jsonl`: one `candidate.create` body per recipient, carrying only that
  endpoint's fields: `name`, then `email`, `linkedInUrl` (a linkedin.com profile; any other
  profile URL goes to `website`) and `location` (`city`, `country` as an English name) when
  known, and `sourceId` / `creditedToUserId` from `export.ashby` when set. Absent values are left
  out rather than sent as null.
- `ashby_<campaign-id>_tags.jsonl`: one `candidateTag.create` body (`{"title": ...}`) per tag:
  the campaign's export.tags and its id. Ashby applies tags by id after creation
  (`candidate.addTag` with the candidateId and tagId the two calls return).
- `ashby_<campaign-id>_applications.jsonl`, only when `export.ashby.job_id` is set: line i is the
  `application.create` body (`jobId`, and `sourceId` / `creditedToUserId` when set) for the
  candidate of line i of the first file; the pusher adds the `candidateId` its response gave.
The files are not split (an API push has no file limit): UTF-8, one compact JSON object per line.
`name` is required: a recipient without any name is left out and named by the build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import polars as pl

from planner.config import Campaign
from planner.export import base
from planner.export.generic import write_jsonl

REQUIRED: Final[tuple[str, ...]] = ("name",)


def _prepared(send_list: pl.DataFrame) -> pl.DataFrame:
    link = base.profile_link()
    is_linkedin = link.str.contains(r"(?i)^https?://([a-z0-9-]+\.)*linkedin\.com/")
    return send_list.select(
        base.full_name().alias("name"),
        base.clean("email").alias("email"),
        pl.when(is_linkedin).then(link).alias("linkedInUrl"),
        pl.when(~is_linkedin).then(link).alias("website"),
        base.clean("city").alias("city"),
        base.country_name().alias("country"),
    )


def _ids(campaign: Campaign) -> dict[str, str]:
    settings = campaign.export.ashby
    ids = {"sourceId": settings.source_id, "creditedToUserId": settings.credited_to_user_id}
    return {k: v for k, v in ids.items() if v is not None}


def bodies(send_list: pl.DataFrame, campaign: Campaign) -> list[dict[str, Any]]:
    """The `candidate.create` bodies, one per recipient with a name, in send-list order."""
    prepared = base.complete(_prepared(send_list), REQUIRED)
    ids = _ids(campaign)
    out: list[dict[str, Any]] = []
    for row in prepared.iter_rows(named=True):
        body: dict[str, Any] = {"name": row["name"]}
        for key in ("email", "linkedInUrl", "website"):
            if row[key] is not None:
                body[key] = row[key]
        place = {k: row[k] for k in ("city", "country") if row[k] is not None}
        if place:
            body["location"] = place
        body.update(ids)
        out.append(body)
    return out


def tag_bodies(campaign: Campaign) -> list[dict[str, Any]]:
    """The `candidateTag.create` bodies: the campaign's tags and its id."""
    return [{"title": tag} for tag in base.campaign_tags(campaign)]


def application_bodies(count: int, campaign: Campaign) -> list[dict[str, Any]]:
    """`application.create` bodies without `candidateId` (one per candidate body), or none when
    `export.ashby.job_id` is not set."""
    job_id = campaign.export.ashby.job_id
    if job_id is None:
        return []
    return [{"jobId": job_id, **_ids(campaign)} for _ in range(count)]


class AshbyExporter:
    """`ashby_<campaign-id>.jsonl`: one file, no row limit."""

    name = "ashby"
    max_rows: int | None = None

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        stem = base.file_stem(self.name, campaign)
        candidates = bodies(send_list, campaign)
        files = {
            out_dir / f"{stem}.jsonl": candidates,
            out_dir / f"{stem}_tags.jsonl": tag_bodies(campaign),
        }
        if campaign.export.ashby.job_id is not None:
            files[out_dir / f"{stem}_applications.jsonl"] = application_bodies(
                len(candidates), campaign
            )
        for path, records in files.items():
            write_jsonl(records, path)
        return sorted(files)

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return base.incomplete_rows(send_list, _prepared(send_list), REQUIRED)
