"""The personalization steps: each recipient's best cue and rendered message; the rows whose
message cannot be rendered get `insufficient_personalization`; the personal-share lint."""

from __future__ import annotations

import math
from typing import Any, Final

import duckdb
import polars as pl

from planner import lint, personalize, segment
from planner.config import Campaign
from planner.contract import SEND_LIST_COLUMNS
from planner.duck import frame
from planner.pipeline import tables
from planner.pipeline.context import BuildContext, CampaignPlan

#: The variant (an id of `$variants`, VARCHAR[]) of the person `{key}` in campaign
#: `$campaign_id`: the MD5 of "campaign_id:person_key" as a number (DuckDB's md5_number, the
#: digest read little-endian, a UHUGEINT: the modulus is one too, or DuckDB would compute in
#: DOUBLE and lose the low bits), modulo the number of variants. It depends on nothing but the
#: person key, the campaign id and the list of variant ids, so it is the same in every build
#: and for any order or company of rows; MD5 spreads keys evenly over the variants. No variants
#: (an empty list): NULL.
VARIANT_SQL: Final = (
    "CASE WHEN len($variants::VARCHAR[]) > 0 THEN list_extract($variants::VARCHAR[],"
    " (md5_number($campaign_id::VARCHAR || ':' || {key})"
    " % len($variants::VARCHAR[])::UHUGEINT)::BIGINT + 1) END"
)

_RECIPIENT_SQL = """
SELECT d.row_id, d.person_key, p.candidate_id, p.first_name, p.last_name, p.full_name,
       p.email_norm AS email, p.url_norm AS profile_url, p.title AS current_title,
       p.company AS current_company, p.headline, p.city_name AS city, p.country_code AS country,
       p.seniority, p.years AS years_experience, s.matched_skills, s.fit_score,
       s.distance_km, s.nearest_city, c.best_cue, c.best_cue_kind,
       coalesce(st.step, 0) AS step,
       -- A follow-up keeps the variant of the person's first message of the campaign.
       CASE WHEN coalesce(st.step, 0) = 0 THEN {variant} ELSE st.variant END AS variant
FROM dec d JOIN people p USING (row_id) JOIN segr_{i} s USING (row_id)
LEFT JOIN cue_{i} c USING (row_id)
LEFT JOIN dec_steps st ON st.cidx = d.cidx AND st.person_key = d.person_key
WHERE d.cidx = $cidx AND d.reason IS NULL
ORDER BY d.fit_score DESC, d.person_key
""".replace("{variant}", VARIANT_SQL.replace("{key}", "d.person_key"))


#: `best_cue` of each recipient of campaign `$cidx` (table `cue_{i}`), set-based over them.
#: Cues: the matched skills (kind 0), the words of the title (kind 1; 2+ letters, no digits-only
#: word, none of best_cue_stopwords.txt) and the phrases of the headline (kind 2; split at | • ·
#: , ; / and spaced dashes or @, 3-40 characters). `shared_by` counts the recipients who have
#: the cue (any kind, case-folded). A person's cue is the first by (kind, shared_by, position,
#: text): the rarest matched skill; only without one the rarest title word, then headline phrase.
_BEST_CUE_SQL = r"""
CREATE OR REPLACE TEMP TABLE cue_{i} AS
WITH r AS (
    SELECT d.row_id, s.matched_skills AS skills,
           regexp_split_to_array(coalesce(p.title, ''), '[^\p{L}\p{N}+#]+') AS words,
           regexp_split_to_array(coalesce(p.headline, ''),
                                 '\s*(?:[|•·,;/]|\s[-–—@]\s)\s*') AS phrases
    FROM dec d JOIN people p USING (row_id) JOIN segr_{i} s USING (row_id)
    WHERE d.cidx = $cidx AND d.reason IS NULL
), c AS (
    SELECT row_id, 0 AS kind, unnest(skills) AS cue, generate_subscripts(skills, 1) AS pos
    FROM r WHERE len(skills) > 0
    UNION ALL
    SELECT row_id, 1, unnest(words), generate_subscripts(words, 1) FROM r
    UNION ALL
    SELECT row_id, 2, trim(unnest(phrases)), generate_subscripts(phrases, 1) FROM r
), ok AS (
    SELECT DISTINCT row_id, kind, cue, lower(cue) AS k, pos FROM c
    WHERE (kind = 0 AND cue IS NOT NULL AND cue <> '')
       OR (kind = 1 AND length(cue) >= 2 AND NOT regexp_full_match(cue, '[0-9]+')
           AND lower(cue) NOT IN (SELECT word FROM _cue_stopwords))
       OR (kind = 2 AND length(cue) BETWEEN 3 AND 40)
), freq AS (
    SELECT k, count(DISTINCT row_id) AS shared_by FROM ok GROUP BY k
)
SELECT row_id,
       arg_min(cue, (kind, shared_by, pos, k)) AS best_cue,
       arg_min(kind, (kind, shared_by, pos, k)) AS best_cue_kind,
       arg_min(shared_by, (kind, shared_by, pos, k)) AS best_cue_shared_by,
       (SELECT count(*) FROM r) AS best_cue_of
FROM ok JOIN freq USING (k)
GROUP BY row_id
"""


#: best_cue_kind -> what explain calls it.
CUE_KINDS = ("matched skill", "title word", "headline phrase")


def _best_cues(con: duckdb.DuckDBPyConnection, p: CampaignPlan) -> None:
    from planner.normalize import _data

    words = pl.DataFrame({"word": [w.lower() for w in _data.lines("best_cue_stopwords.txt")]})
    con.register(tables.CUE_STOPWORDS, words)
    try:
        con.execute(_BEST_CUE_SQL.replace("{i}", str(p.index)), {"cidx": p.index})
    finally:
        con.unregister(tables.CUE_STOPWORDS)


def _personalize(con: duckdb.DuckDBPyConnection, p: CampaignPlan) -> None:
    """Render messages for the recipients; broken ones go to insufficient_personalization."""
    sql, params = segment.rows_sql(
        p.criteria,
        tables.PEOPLE,
        p.scope,
        f"p.row_id IN (SELECT row_id FROM {tables.DEC} WHERE cidx = $cidx AND reason IS NULL)",
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {tables.recipient_segment(p.index)} AS {sql}",
        {**params, "cidx": p.index},
    )
    _best_cues(con, p)
    variants = [v.id for v in p.campaign.message.variant_list]
    rows = frame(
        con,
        _RECIPIENT_SQL.replace("{i}", str(p.index)),
        {"cidx": p.index, "campaign_id": p.id, "variants": variants},
    )
    records = rows.to_dicts()
    for r in records:
        skills = r["matched_skills"] or []
        r["top_skill"] = skills[0] if skills else None
        if r["years_experience"] is not None and math.isnan(r["years_experience"]):
            r["years_experience"] = None
    rendered = _render_steps(p.campaign, records)
    failed = [
        (p.index, r["row_id"], f"insufficient_personalization: {out.detail}")
        for r, out in zip(records, rendered, strict=True)
        if not out.ok
    ]
    if failed:
        con.executemany(
            "UPDATE dec SET reason = 'insufficient_personalization', detail = ?"
            " WHERE cidx = ? AND row_id = ?",
            [(d, c, r) for c, r, d in failed],
        )
    ok = [(r, out) for r, out in zip(records, rendered, strict=True) if out.ok]
    data: dict[str, list[Any]] = {name: [] for name in SEND_LIST_COLUMNS}
    for r, out in ok:
        row = {
            "run_id": None,
            "campaign_id": p.id,
            "person_key": r["person_key"],
            "candidate_id": r["candidate_id"],
            "first_name": out.first_name,
            "last_name": out.last_name or r["last_name"],
            "full_name": out.full_name or r["full_name"],
            "email": r["email"],
            "profile_url": r["profile_url"],
            "current_title": r["current_title"],
            "current_company": r["current_company"],
            "city": r["city"],
            "country": r["country"],
            "seniority": r["seniority"],
            "years_experience": r["years_experience"],
            "matched_skills": list(r["matched_skills"] or []),
            "top_skill": r["top_skill"],
            "fit_score": r["fit_score"],
            "reasons": list(out.reasons),
            "subject": out.subject if r["step"] == 0 else FOLLOWUP_SUBJECT_PREFIX + out.subject,
            "message": out.message,
            "personal_fields": out.personal_fields,
            "personal_share": out.personal_share,
            "step": r["step"],
            "variant": r["variant"],
        }
        for name in SEND_LIST_COLUMNS:
            data[name].append(row[name])
    p.recipients = pl.DataFrame(data, schema=SEND_LIST_SCHEMA)


def personalize_messages(ctx: BuildContext) -> None:
    """Step: each campaign's recipients and their messages (`CampaignPlan.recipients`)."""
    ctx.say("personalizing")
    for p in ctx.plans:
        _personalize(ctx.con, p)


def lint_personal_share(ctx: BuildContext) -> None:
    """Step: the lint finding about messages with too little that is personal (SPEC 7)."""
    for p in ctx.plans:
        if not p.campaign.message.variants:
            shares = p.recipients["personal_share"].to_list()
            p.lint = lint.with_personal_share(p.lint, p.campaign, shares)
            continue
        # Each variant judged on the first messages it rendered.
        for i, variant in enumerate(p.campaign.message.variant_list):
            mine = p.recipients.filter((pl.col("variant") == variant.id) & (pl.col("step") == 0))
            field = personalize.body_field(0, i)
            shares = mine["personal_share"].to_list()
            p.lint = lint.with_personal_share(p.lint, p.campaign, shares, field)


#: A follow-up keeps the campaign's subject, as a reply in the same thread would.
FOLLOWUP_SUBJECT_PREFIX: Final = "Re: "


def _render_steps(campaign: Campaign, records: list[dict[str, Any]]) -> list[personalize.Rendered]:
    """Each recipient's message of their step (0: the body, or their variant's; k: follow-up
    k, under their variant's subject), in input order."""
    message = campaign.message

    def choice(r: dict[str, Any]) -> tuple[int, int | None]:
        # A variant the campaign no longer has (renamed since the first message): the
        # follow-up goes out under the message's own subject.
        return r["step"], message.variant_index(r["variant"])

    groups: dict[tuple[int, int | None], list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(choice(r), []).append(i)
    if list(groups) in ([], [(0, None)]):
        return personalize.render(campaign, records)
    out: list[personalize.Rendered | None] = [None] * len(records)
    for (step, variant), idx in groups.items():
        rendered = personalize.render(
            campaign, [records[i] for i in idx], step=step, variant=variant
        )
        for i, one in zip(idx, rendered, strict=True):
            out[i] = one
    return [one for one in out if one is not None]


SEND_LIST_SCHEMA: dict[str, Any] = {
    **{name: pl.Utf8 for name in SEND_LIST_COLUMNS},
    "years_experience": pl.Float64,
    "matched_skills": pl.List(pl.Utf8),
    "fit_score": pl.Float64,
    "reasons": pl.List(pl.Utf8),
    "personal_fields": pl.Int64,
    "personal_share": pl.Float64,
    "step": pl.Int64,
}
