"""Ashby: JSON lines of `candidate.create` request bodies, for a later push through Ashby's API.

Source: Ashby API reference, `candidate.create` (developers.ashbyhq.com/reference/candidatecreate,
as mirrored by Pipedream's Ashby "Create Candidate" action and public API clients): `name`
(required), `email`, `phoneNumber`, `linkedInUrl` / `githubUrl` / `website` (must be valid URLs),
`alternateEmailAddresses`, `sourceId`, `creditedToUserId`, and `location` as an object
`{"city", "region", "country"}` of strings.

Each line is one body: `name`, then `email`, `linkedInUrl` (a linkedin.com profile; any other
profile URL goes to `website`) and `location` (`city`, `country` as an English name) when known;
absent values are left out rather than sent as null. Each line also carries `tags`: the
campaign's export.tags and its id. `tags` is NOT a candidate.create field: Ashby tags are applied
after creation (`candidateTag.create` / `candidate.addTag` take tag ids), so a pusher must pop
`tags` from the body before sending it. The file is not split (an API push has no file limit):
`ashby_<campaign-id>.jsonl`, UTF-8, one compact JSON object per line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from planner.config import Campaign
from planner.export import base
from planner.export.generic import write_jsonl


def bodies(send_list: pl.DataFrame, campaign: Campaign) -> list[dict[str, Any]]:
    """The request bodies (plus `tags`), one per recipient, in send-list order."""
    link = base.profile_link()
    is_linkedin = link.str.contains(r"(?i)^https?://([a-z0-9-]+\.)*linkedin\.com/")
    prepared = send_list.select(
        base.full_name().alias("name"),
        base.clean("email").alias("email"),
        pl.when(is_linkedin).then(link).alias("linkedInUrl"),
        pl.when(~is_linkedin).then(link).alias("website"),
        base.clean("city").alias("city"),
        base.country_name().alias("country"),
    )
    tags = base.campaign_tags(campaign)
    out: list[dict[str, Any]] = []
    for row in prepared.iter_rows(named=True):
        body: dict[str, Any] = {"name": row["name"] or ""}
        for key in ("email", "linkedInUrl", "website"):
            if row[key] is not None:
                body[key] = row[key]
        place = {k: row[k] for k in ("city", "country") if row[k] is not None}
        if place:
            body["location"] = place
        body["tags"] = list(tags)
        out.append(body)
    return out


class AshbyExporter:
    """`ashby_<campaign-id>.jsonl`: one file, no row limit."""

    name = "ashby"
    max_rows: int | None = None

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        path = out_dir / f"{base.file_stem(self.name, campaign)}.jsonl"
        write_jsonl(list(bodies(send_list, campaign)), path)
        return [path]
