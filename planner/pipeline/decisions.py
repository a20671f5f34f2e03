"""The steps that decide: each campaign's scope (duplicates, suppression lists), assignment
across campaigns, the limit, the guardrail, and the funnel; and the query that reads every
exclusion back (excluded.csv)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from planner import segment, sources, suppression
from planner.contract import REASON_SQL_TYPE, REASONS
from planner.pipeline import tables
from planner.pipeline.context import BuildContext, LedgerStep

if TYPE_CHECKING:
    from planner.pipeline.context import CampaignPlan


#: excluded.csv of campaign `$cidx` (SPEC 8 columns), in input order: the rows `dec` gives a
#: reason, and the campaign's files' invalid rows, each at its line. Computed per campaign when
#: it is read or written (never materialized for all campaigns at once). `{seg}` gives the
#: detail of the reasons segmentation gave (`segment.build_detail_sql`, see DEC_DETAIL). The
#: row columns come from the narrow EXCLUDED_ROWS, made once per build: joining the wide
#: `people` and sorting by (file, line) through it made each campaign's excluded.csv of 1M rows
#: cost 3.6 s, of which the file's own writing is a quarter.
EXCLUDED_SQL = """
SELECT campaign_id, person_key, candidate_id, full_name, reason, detail, eligible_again_on
FROM (
    SELECT c.campaign_id, d.person_key, x.candidate_id, x.full_name,
           d.reason::VARCHAR AS reason, {detail} AS detail, d.eligible_again_on, x.ord
    FROM dec d JOIN _excluded_rows x USING (row_id) JOIN _cids c USING (cidx)
    JOIN ({seg}) s USING (row_id)
    WHERE d.cidx = $cidx AND d.reason IS NOT NULL
    UNION ALL
    SELECT c.campaign_id, NULL, NULL, NULL, 'invalid_row',
           'invalid_row: ' || parse_filename(r.source_file) || ' line ' || r.line::VARCHAR
               || ': ' || r.error,
           NULL::DATE, (o.file_index::BIGINT << 32) + r.line
    FROM _rejects r JOIN _cfiles f USING (source_file) JOIN _cids c USING (cidx)
    JOIN _file_order o USING (source_file)
    WHERE f.cidx = $cidx
)
ORDER BY ord
"""

#: EXCLUDED_ROWS: what excluded.csv shows of each row, and its place in the input as one
#: number (file index in the high bits, line in the low 32: lines of the same file sort by
#: line, files in the order given), which the rejected rows' places share.
EXCLUDED_ROWS_SQL = """
CREATE OR REPLACE TEMP TABLE _excluded_rows AS
SELECT p.row_id, p.candidate_id,
       coalesce(p.full_name, nullif(concat_ws(' ', p.first_name, p.last_name), '')) AS full_name,
       (o.file_index::BIGINT << 32) + p.source_line AS ord
FROM people p JOIN _file_order o USING (source_file)
"""


#: The detail of a `dec` row (`d`) joined to its segment detail (`s`). `dec.detail` is set only
#: by the steps after segmentation (ledger, assignment, limit, personalization, guardrail);
#: segmentation's own detail is rendered when read. Stored in `dec` and in the segment tables,
#: that text (one per row and campaign) made a 25-campaign build over 1M rows hold 15 GB,
#: spilled to disk under the memory limit.
DEC_DETAIL = "coalesce(d.detail, s.detail)"


def excluded_query(p: CampaignPlan) -> tuple[str, dict[str, Any]]:
    """EXCLUDED_SQL of one campaign and its named parameters."""
    detail_sql, params = segment.build_detail_sql(p.criteria, tables.segment(p.index))
    sql = EXCLUDED_SQL.replace("{seg}", detail_sql).replace("{detail}", DEC_DETAIL)
    return sql, {**params, "cidx": p.index}


def _components_start_at_their_first_row(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every row's `component` in `persons` is a row of the same component with no
    larger row_id: what label propagation gives once it has converged (a person whose rows
    chain further than `planner.persons.MAX_ROUNDS` steps may not have). Reads only the
    duplicate rows' few keys."""
    [(bad,)] = con.execute(
        """
        WITH d AS (SELECT row_id, component FROM persons WHERE component <> row_id)
        SELECT (SELECT count(*) FROM d WHERE component > row_id) + (SELECT count(*) FROM d)
             - (SELECT count(*) FROM d JOIN persons b
                ON b.row_id = d.component AND b.component = d.component)
        """
    ).fetchall()
    return bool(bad == 0)


def _scope(
    con: duckdb.DuckDBPyConnection,
    p: CampaignPlan,
    shared: dict[tuple[str, ...], str],
    *,
    first_rows: bool,
) -> str:
    """The table of the rows this campaign reads, with duplicates marked within the campaign's
    own rows and the persons on the campaign's suppression files (`planner.suppression`) marked
    suppressed, and those found in its `suppression.in_ats` exports marked in_ats. Campaigns
    without such files that read the same files share one table (`shared`: files -> table); 25
    campaigns over one file spent 22 s rebuilding it. `first_rows`: the campaign reads every
    file of the build and every component starts at its first row
    (`_components_start_at_their_first_row`)."""
    entries, ats = p.criteria.suppression, p.criteria.in_ats
    has_supp = entries is not None and entries.height > 0
    has_ats = ats is not None and ats.height > 0
    suppressing = has_supp or has_ats
    key = tuple(p.files)
    if not suppressing and key in shared:
        return shared[key]
    supp_cols = "FALSE AS suppressed, NULL::VARCHAR AS suppressed_by"
    ats_cols = "FALSE AS in_ats, NULL::VARCHAR AS in_ats_by"
    supp_join = ""
    if entries is not None and has_supp:
        hits = tables.suppression_hits(p.index)
        suppression.match(con, entries, people=tables.PEOPLE_KEYED, target=hits)
        supp_cols = "h.why IS NOT NULL AS suppressed, h.why AS suppressed_by"
        supp_join = f"LEFT JOIN {hits} h USING (person_key)"
    if ats is not None and has_ats:
        hits = tables.ats_hits(p.index)
        suppression.match(con, ats, people=tables.PEOPLE_KEYED, target=hits, source="ats")
        ats_cols = "a.why IS NOT NULL AS in_ats, a.why AS in_ats_by"
        supp_join += f" LEFT JOIN {hits} a USING (person_key)"
    supp_cols += ", " + ats_cols
    table = tables.scope(p.index)
    if first_rows:
        # The campaign reads every row of the build, and a person's component is the smallest
        # row_id of their rows (planner.persons, ledger.identity): so that row is the person's
        # first, and the others are duplicates of it. No window over the wide table: its sort
        # of 10M rows took 6.6 s alone, 26 s beside the cache store.
        sql = f"""
        CREATE OR REPLACE TABLE {table} AS
        SELECT row_id, row_id <> component AS is_duplicate, component AS first_row_id,
               CASE WHEN row_id = component
                    THEN parse_filename(source_file) || ' line ' || source_line
                    ELSE f.first_source END AS first_source,
               {supp_cols}
        FROM people JOIN persons USING (row_id) {supp_join}
        LEFT JOIN (
            SELECT row_id AS component,
                   parse_filename(source_file) || ' line ' || source_line AS first_source
            FROM people WHERE row_id IN (SELECT component FROM persons WHERE component <> row_id)
        ) f USING (component)
        """
        con.execute(sql)
    else:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {table} AS
            SELECT row_id,
                   row_number() OVER (PARTITION BY component ORDER BY row_id) > 1 AS is_duplicate,
                   min(row_id) OVER (PARTITION BY component) AS first_row_id,
                   parse_filename(first_value(source_file) OVER w) || ' line '
                       || first_value(source_line) OVER w AS first_source,
                   {supp_cols}
            FROM people JOIN persons USING (row_id) {supp_join}
            WHERE list_contains(?::VARCHAR[], source_file)
            WINDOW w AS (PARTITION BY component ORDER BY row_id)
            """,
            [p.files],
        )
    if not suppressing:
        shared[key] = table
    return table


def open_decisions(ctx: BuildContext) -> None:
    """Step: the empty decision tables `dec` and `dec_steps` (tables.DEC, tables.DEC_STEPS)."""
    ctx.con.execute(
        f"CREATE OR REPLACE TABLE {tables.DEC} (cidx INTEGER, row_id BIGINT, person_key VARCHAR,"
        f" fit_score DOUBLE, reason {REASON_SQL_TYPE}, detail VARCHAR, eligible_again_on DATE)"
    )
    # The follow-up step of each recipient due for one (the ledger fills it; none: step 0),
    # and the variant their first message of the campaign was (kept in every step).
    ctx.con.execute(
        f"CREATE OR REPLACE TABLE {tables.DEC_STEPS}"
        " (cidx INTEGER, person_key VARCHAR, step INTEGER, variant VARCHAR)"
    )


def segment_campaigns(ctx: BuildContext) -> None:
    """Step: each campaign's scope and segmentation (SPEC 5), its rows' first reason in `dec`."""
    read = {str(f.path) for f in ctx.read.files}
    starts: bool | None = None  # checked once, for the first campaign of every file
    for p in ctx.plans:
        ctx.say(f"segmenting {p.id}")
        first_rows = read <= set(p.files)
        if first_rows:
            if starts is None:
                starts = _components_start_at_their_first_row(ctx.con)
            first_rows = starts
        scope = p.scope = _scope(ctx.con, p, ctx.scopes, first_rows=first_rows)
        target = tables.segment(p.index)
        segment.segment(ctx.con, p.criteria, people=tables.PEOPLE, scope=scope, target=target)
        ctx.con.execute(
            f"INSERT INTO {tables.DEC} SELECT ?, s.row_id, k.person_key, s.fit_score,"
            f" s.reason, NULL, NULL FROM {target} s"
            f" JOIN {tables.PERSONS} k USING (row_id)",
            [p.index],
        )


def apply_ledger(ctx: BuildContext) -> None:
    """Step: outcomes, past touches, cooldowns and caps from the ledger (SPEC 6) mark `dec`."""
    if ctx.ledger is not None:
        ctx.say("checking the ledger")
        ctx.ledger.apply(ctx.con, ctx.plans, ctx.as_of)


def assign_across_campaigns(ctx: BuildContext) -> None:
    """Step: SPEC 5.4, each person to the campaign of this build that fits best."""
    _assign(ctx.con, ctx.plans)


def limit_each_campaign(ctx: BuildContext) -> None:
    """Step: `ranking.limit` per campaign."""
    _limit(ctx.con, ctx.plans)


def _assign(con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan]) -> None:
    """SPEC 5.4: a person eligible for several campaigns goes to the best fit (ties: CLI order)."""
    if len(plans) < 2:
        return
    # Only persons eligible for more than one campaign change; the UPDATE touches just them.
    con.execute(
        """
        UPDATE dec SET reason = 'assigned_to_other_campaign',
            detail = 'assigned_to_other_campaign: a better-fitting campaign of this build'
        FROM (
            SELECT person_key, arg_min(cidx, (-fit_score, cidx)) AS best_cidx
            FROM dec WHERE reason IS NULL GROUP BY person_key HAVING count(DISTINCT cidx) > 1
        ) b
        WHERE dec.person_key = b.person_key AND dec.reason IS NULL AND dec.cidx <> b.best_cidx
        """
    )


def _limit(con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan]) -> None:
    """Keep the best `ranking.limit` recipients per campaign (ties: person key)."""
    for p in plans:
        limit = p.criteria.limit
        if limit is None:
            continue
        con.execute(
            """
            UPDATE dec SET reason = 'over_limit',
                detail = 'over_limit: rank ' || r.rank::VARCHAR || ' of ' || r.n::VARCHAR
                    || ', limit ' || ?::VARCHAR
            FROM (
                SELECT row_id, row_number() OVER (ORDER BY fit_score DESC, person_key) AS rank,
                       count(*) OVER () AS n
                FROM dec WHERE cidx = ? AND reason IS NULL
            ) r
            WHERE dec.cidx = ? AND dec.row_id = r.row_id AND r.rank > ?
            """,
            [limit, p.index, p.index, limit],
        )


def _guardrail(
    con: duckdb.DuckDBPyConnection,
    plans: Sequence[CampaignPlan],
    ledger: LedgerStep | None,
    as_of: date,
) -> None:
    """SPEC 6.4, per campaign from its sender's history (`planner.ledger.responses`).

    When triggered: `warn` only reports; `limit` keeps the `limit_to` best recipients (send-list
    order) and gives the others reason `guardrail`; `block` reports, and `check_guardrail`
    refuses the real build (exit 1). Without a ledger there is no history: no sample, status ok.
    """
    from planner.ledger import responses

    windows = [(p.campaign.sender.id, p.campaign.guardrail.window_days) for p in plans]
    counts = ledger.guardrail_counts(con, windows, as_of) if ledger is not None else {}
    for p in plans:
        g = p.campaign.guardrail
        touches, answered = counts.get((p.campaign.sender.id, g.window_days), (0, 0))
        fired = responses.triggered(
            touches, answered, min_sample=g.min_sample, min_response_rate=g.min_response_rate
        )
        cut = 0
        if fired and g.action == "limit" and p.recipients.height > g.limit_to:
            cut = p.recipients.height - g.limit_to
            con.execute(
                """
                UPDATE dec SET reason = 'guardrail',
                    detail = 'guardrail: sender ' || $sender || ' has a response rate of '
                        || $rate || ' over the last ' || $window::VARCHAR
                        || ' days; the send list is limited to the best ' || $keep::VARCHAR
                FROM (
                    SELECT row_id, row_number() OVER (ORDER BY fit_score DESC, person_key) AS rank
                    FROM dec WHERE cidx = $cidx AND reason IS NULL
                ) r
                WHERE dec.cidx = $cidx AND dec.row_id = r.row_id AND r.rank > $keep
                """,
                {
                    "sender": p.campaign.sender.id,
                    "rate": f"{answered / touches:.1%} ({answered} of {touches})",
                    "window": g.window_days,
                    "keep": g.limit_to,
                    "cidx": p.index,
                },
            )
            p.recipients = p.recipients.head(g.limit_to)
        p.guardrail = {
            "sender": p.campaign.sender.id,
            "window_days": g.window_days,
            "touches": touches,
            "responses": answered,
            "rate": responses.rate(touches, answered),
            "min_sample": g.min_sample,
            "min_response_rate": g.min_response_rate,
            "action": g.action,
            "triggered": fired,
            "status": g.action if fired else "ok",
            "limit_to": g.limit_to,
            "cut": cut,
        }


def apply_guardrail(ctx: BuildContext) -> None:
    """Step: SPEC 6.4, the response-rate guardrail of each campaign's sender."""
    _guardrail(ctx.con, ctx.plans, ctx.ledger, ctx.as_of)


def count_funnels(ctx: BuildContext) -> None:
    """Step: the small tables excluded.csv joins, and each campaign's funnel."""
    _finish(ctx.con, ctx.plans, ctx.read)


def _finish(
    con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan], src: sources.SourceResult
) -> None:
    """The small tables EXCLUDED_SQL joins (file order, rejects, campaign files and ids) and
    each campaign's funnel."""
    file_order = pl.DataFrame(
        {"source_file": [str(f.path) for f in src.files], "file_index": range(len(src.files))},
        schema={"source_file": pl.Utf8, "file_index": pl.Int32},
    )
    rejects = pl.DataFrame(
        {
            "source_file": [r.file for r in src.rejects],
            "line": [r.line for r in src.rejects],
            "error": [r.error for r in src.rejects],
        },
        schema={"source_file": pl.Utf8, "line": pl.Int64, "error": pl.Utf8},
    )
    cfiles = pl.DataFrame(
        {
            "cidx": [p.index for p in plans for _ in p.files],
            "source_file": [f for p in plans for f in p.files],
        },
        schema={"cidx": pl.Int32, "source_file": pl.Utf8},
    )
    cids = pl.DataFrame(
        {"cidx": [p.index for p in plans], "campaign_id": [p.id for p in plans]},
        schema={"cidx": pl.Int32, "campaign_id": pl.Utf8},
    )
    for name, data in [
        (tables.FILE_ORDER, file_order),
        (tables.REJECTS, rejects),
        (tables.CAMPAIGN_FILES, cfiles),
        (tables.CAMPAIGN_IDS, cids),
    ]:
        con.register(f"{name}_frame", data.to_arrow())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
        con.unregister(f"{name}_frame")
    con.execute(EXCLUDED_ROWS_SQL)
    counts = con.execute(
        """
        SELECT cidx, reason, count(*) FROM dec WHERE reason IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT f.cidx, 'invalid_row', count(*) FROM _rejects r JOIN _cfiles f USING (source_file)
        GROUP BY ALL
        """
    ).fetchall()
    for p in plans:
        funnel = {reason: 0 for reason in REASONS}
        for cidx, reason, n in counts:
            if cidx == p.index:
                funnel[reason] += n
        funnel["recipients"] = p.recipients.height
        p.funnel = funnel
