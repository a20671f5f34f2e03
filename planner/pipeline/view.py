"""What a plan shows without writing: the `--dry-run --json` document and `explain`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl

from planner import personalize, segment
from planner.contract import REASONS
from planner.duck import frame
from planner.errors import ConfigError
from planner.pipeline.context import CampaignPlan, Plan
from planner.pipeline.decisions import DEC_DETAIL
from planner.pipeline.recipients import CUE_KINDS
from planner.pipeline.write import message_stats, recipients_json


def plan_json(plan_: Plan, *, summary_top: int | None = None) -> dict[str, Any]:
    """The `--dry-run --json` document (SPEC 9 keys).

    `summary_top`: a summary instead (`--summary`): the best `summary_top` recipients of each
    campaign and no `excluded` list, so a preview of a 300k-row build stays small; everything
    else (funnel, lint, guardrail) is the same.
    """
    recipients: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for p in plan_.campaigns:
        if summary_top is not None:
            recipients.extend(recipients_json(p)[:summary_top])
            continue
        recipients.extend(recipients_json(p))
        excluded.extend(
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
            for row in plan_.excluded(p).to_dicts()
        )
    summary = {} if summary_top is None else {"summary": {"top": summary_top}}
    excluded_key = {} if summary_top is not None else {"excluded": excluded}
    return {
        **summary,
        "as_of": plan_.as_of.isoformat(),
        "campaigns": [
            {
                "campaign_id": p.id,
                "file": str(p.campaign.file),
                "role": p.campaign.role.model_dump(),
                "sender": p.campaign.sender.id,
                "inputs": p.files,
                "recipients": p.recipients.height,
                **message_stats(p),
            }
            for p in plan_.campaigns
        ],
        "recipients": recipients,
        **excluded_key,
        "funnel": {p.id: p.funnel for p in plan_.campaigns},
        "lint": [{"campaign_id": p.id, **f.as_dict()} for p in plan_.campaigns for f in p.lint],
        "guardrail": {p.id: p.guardrail for p in plan_.campaigns},
    }


_SEGMENT_FLAGS: Final = {code: col for col, code in segment.SEGMENT_CHECKS}


#: Reasons the ledger decides (outcomes, touches); the other later reasons are build steps.
_LEDGER_REASONS: Final = frozenset(
    {
        "suppressed",
        "disinterest_cooldown",
        "snoozed",
        "followup_not_due",
        "already_contacted_for_campaign",
        "frequency_cap",
    }
)


def _explain_checks(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every check of SPEC 5.1 after the row was read, in order, with who decided it.

    Segmentation's checks are its flags (a row can fail several); the later ones (ledger, caps,
    assignment, limit, personalization, guardrail) are decided one at a time, so the check that
    gave the row its reason is the one that failed.
    """
    checks: list[dict[str, Any]] = []
    for code in REASONS:
        if code == "invalid_row":
            continue
        col = _SEGMENT_FLAGS.get(code)
        flagged = col is not None and bool(row.get(col))
        decided = row["decision"] == code
        # `suppressed` is both a list check (segmentation) and an opt-out in the ledger.
        if flagged or (col is not None and not decided):
            by = "segment"
        else:
            by = "ledger" if code in _LEDGER_REASONS else "build"
        checks.append({"reason": code, "failed": flagged or decided, "by": by})
    return checks


def _resolved(row: Mapping[str, Any], p: CampaignPlan) -> dict[str, Any]:
    """What normalization made of the row: the values the checks compared."""
    from planner.normalize.locations import haversine_km

    lat, lon = row["resolved_lat"], row["resolved_lon"]
    return {
        "seniority": row["seniority"],
        "city": row["resolved_city"],
        "country": row["resolved_country"],
        "company": row["resolved_company"],
        "years_experience": row["resolved_years"],
        "distance_km": {
            c.name: (
                None
                if lat is None or lon is None
                else round(haversine_km(lat, lon, c.lat, c.lon), 1)
            )
            for c in p.criteria.cities
        },
    }


def _cue_json(r: dict[str, Any]) -> dict[str, Any] | None:
    """explain's `best_cue` of a row that reached personalization (None for the others)."""
    if r["best_cue"] is None:
        return None
    return {
        "cue": personalize.recipient_values(r, ["best_cue"])["best_cue"],
        "kind": CUE_KINDS[r["best_cue_kind"]],
        "shared_by": r["best_cue_shared_by"],
        "recipients": r["best_cue_of"],
    }


def explain(plan_: Plan, person: str) -> list[dict[str, Any]]:
    """Each criterion pass/fail, the score parts and the decision for the rows of one person.

    `person` is an email, a profile URL, a person key or a candidate id.
    """
    from planner.normalize import identity

    email = identity.normalize_email(person)
    url = identity.normalize_profile_url(person) if "/" in person else None
    keys = [
        r[0]
        for r in plan_.con.execute(
            "SELECT DISTINCT person_key FROM people_keyed WHERE person_key = ? OR email_norm = ?"
            " OR url_norm = ? OR candidate_id = ?",
            [person, email, url, person],
        ).fetchall()
    ]
    if not keys:
        raise ConfigError(
            "no row of the campaign's candidate files matches that person",
            hint="give an email, profile URL, person key or candidate id from the input",
        )
    found: list[dict[str, Any]] = []
    for p in plan_.campaigns:
        rows_sql, seg_params = segment.rows_sql(
            p.criteria, "people_keyed", p.scope, "list_contains($keys::VARCHAR[], p.person_key)"
        )
        mine = f"({rows_sql})"
        detail_sql, params = segment.build_detail_sql(p.criteria, mine, verbose=True)
        params = {**params, **seg_params}
        rows = frame(
            plan_.con,
            f"""
            SELECT g.*, d.person_key, d.reason::VARCHAR AS decision, {DEC_DETAIL} AS final_detail,
                   d.eligible_again_on, p.source_file, p.source_line,
                   p.city_name AS resolved_city, p.country_code AS resolved_country,
                   p.company_norm AS resolved_company, p.years AS resolved_years,
                   p.lat AS resolved_lat, p.lon AS resolved_lon, c.best_cue,
                   c.best_cue_kind, c.best_cue_shared_by, c.best_cue_of
            FROM {mine} g JOIN dec d ON d.row_id = g.row_id AND d.cidx = $cidx
            JOIN ({detail_sql}) s ON s.row_id = g.row_id
            JOIN people p ON p.row_id = g.row_id
            LEFT JOIN cue_{p.index} c ON c.row_id = g.row_id
            ORDER BY g.row_id
            """,
            {**params, "cidx": p.index, "keys": keys},
        )
        # What a recipient is sent: the step and message variant of their send-list row.
        sent = {
            key: (step, variant)
            for key, step, variant in p.recipients.select("person_key", "step", "variant")
            .filter(pl.col("person_key").is_in(keys))
            .iter_rows()
        }
        for r in rows.to_dicts():
            step, variant = (
                sent.get(r["person_key"], (None, None)) if not r["decision"] else (None, None)
            )
            found.append(
                {
                    "campaign_id": p.id,
                    "person_key": r["person_key"],
                    "source": f"{Path(r['source_file']).name}:{r['source_line']}",
                    "decision": r["decision"] or "recipient",
                    "detail": r["final_detail"],
                    "eligible_again_on": (
                        r["eligible_again_on"].isoformat() if r["eligible_again_on"] else None
                    ),
                    "checks": _explain_checks(r),
                    "resolved": _resolved(r, p),
                    "fit_score": r["fit_score"],
                    "score_parts": {
                        "skills": r["skills_part"],
                        "title": r["title_part"],
                        "seniority": r["seniority_part"],
                        "location": r["location_part"],
                        "open_to_work": r["open_part"],
                    },
                    "weights": p.criteria.weights,
                    "matched_skills": list(r["matched_skills"] or []),
                    "seniority": r["seniority"],
                    "distance_km": r["distance_km"],
                    "best_cue": _cue_json(r),
                    "step": step,
                    "variant": variant,
                }
            )
    return found
