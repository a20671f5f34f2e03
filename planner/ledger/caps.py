"""Outcomes, past touches and frequency caps on the `dec` table (SPEC 5.1 reasons 3, 15-17; 6.2).

Everything is a join between `dec` (one row per candidate row per campaign) and a few small
tables copied out of the ledger for the persons of this build:

- `_led_campaigns(cidx, campaign_id, window_days, max_touches, exempt_min_score,
  disinterest_days, channel)`: the campaigns of the build;
- `_led_touches(person_key, campaign_id, touched_on, run_id, step, in_caps, variant)`: counted
  touches of this build's persons that can matter (in reach of a window around T, or of one of
  the build's campaigns);
- `_led_outcomes(person_key, campaign_id, outcome, outcome_on, until_on)`: `opted_out`,
  `not_interested` and `not_now` outcomes of committed runs (a cancelled import no longer
  counts);
- `_led_bounced(row_id, outcome_on)`: rows of `people` whose email is an address a `bounced`
  outcome of that person recorded (compared as salted hashes, see `planner.ledger.hashing`).

Reasons are set in SPEC order, each only on rows no earlier check excluded:

- `suppressed` (3): an `opted_out` outcome, ever. It outranks the segmentation reasons 4-14, so
  it replaces them; `invalid_row` and `duplicate_row` stay. Also `suppressed`, in campaigns
  whose channel is `email` only: the row's email is an address that bounced (SPEC 6.3 "bounced
  blocks the email channel for that address"; SPEC 5.1 has no code of its own for it, and
  `suppressed` is the one that means "never send to this"). The send list would carry exactly
  that address, so the row is out; other channels are unaffected.
- `disinterest_cooldown` (15): `not_interested` within `disinterest_days` before T (or dated
  after T, when planning in the past); eligible again `disinterest_days` after it.
- `snoozed` (15a): `not_now` whose `until_on` is after T (the latest one counts); eligible
  again on `until_on`. Like the cooldown it holds in every campaign.
- `followup_not_due` (15b) and `already_contacted_for_campaign` (16): a counted touch for the
  campaign id, ever. With `message.followups` the campaign has several steps: the next one is
  planned when it is due and the person has not responded (`apply_followups`), and 16 means
  every step was sent. `_led_responses` holds every outcome of those persons.
- `frequency_cap` (17): see below. Follow-ups count like any touch unless the campaign says
  `caps.followups_count: false` (then a follow-up is neither checked nor, `in_caps` false,
  counted); `exempt_min_score` never applies to a follow-up.

Frequency cap. A new touch at T lies in every window (s, s + W] with T - W <= s < T. It may be
added when every one of those windows holds fewer than `m` touches (`m = max_touches`). When
all touches are on or before T (the normal case) that is exactly SPEC 6.2's rule, "fewer than
`m` touches in (T - W, T]"; when an earlier as-of date is planned after later runs, the windows
reaching past T count too, so the invariant "no window holds more than the caps allow" survives
builds in any date order.

Set-based: sort a person's touches by date; for every run of `m` consecutive touches
d_j <= ... <= d_{j+m-1} that fits in one window (d_{j+m-1} - d_j <= W - 1), the dates T that
would complete a too-full window are exactly [d_{j+m-1} - W + 1, d_j + W - 1]. A person is
capped at T when T is in one of these *blocked intervals*. The first date they are eligible
again is the day after the end of the merged run of blocked intervals containing T (gaps and
islands). `exempt_min_score`: a row whose fit score reaches it is checked with `m + 1` instead
of `m`, so it may exceed the cap but never hold more than `max_touches + 1` in any window.

Within one build, each person is assigned to at most one campaign afterwards
(`assigned_to_other_campaign`), so a build adds at most one touch per person and the checks
against the ledger's state before the build are enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from planner.ledger.hashing import hash_sql
from planner.ledger.store import first_row

#: Dates computed from a touch or outcome plus a window (at most config.MAX_DAYS) can pass the
#: last date Python represents when the ledger holds dates near it; `eligible_again_on` is
#: capped there, so reading the result back never fails (DuckDB's own dates reach far beyond).
LAST_DATE = "DATE '9999-12-31'"


@dataclass(frozen=True)
class CampaignCaps:
    """What the ledger checks need of one campaign of the build."""

    cidx: int
    campaign_id: str
    window_days: int
    max_touches: int
    exempt_min_score: float | None
    disinterest_days: int
    channel: str
    #: `after_days` of each follow-up (message.followups), in order.
    followups: tuple[int, ...] = ()
    followups_count: bool = True


def load_campaigns(con: duckdb.DuckDBPyConnection, campaigns: Sequence[CampaignCaps]) -> None:
    """Create `_led_campaigns` in the build connection."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _led_campaigns (
            cidx INTEGER, campaign_id VARCHAR, window_days INTEGER, max_touches INTEGER,
            exempt_min_score DOUBLE, disinterest_days INTEGER, channel VARCHAR,
            followups INTEGER[], followups_count BOOLEAN)
        """
    )
    if campaigns:
        con.executemany(
            "INSERT INTO _led_campaigns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.cidx,
                    c.campaign_id,
                    c.window_days,
                    c.max_touches,
                    c.exempt_min_score,
                    c.disinterest_days,
                    c.channel,
                    list(c.followups),
                    c.followups_count,
                )
                for c in campaigns
            ],
        )


#: Copy the touches and outcomes that can matter (ledger attached, `_led_keymap` built).
FETCH_TOUCHES_SQL = """
CREATE OR REPLACE TEMP TABLE _led_touches AS
WITH keys AS (
    SELECT lp.person_key AS ledger_person, km.person_key
    FROM ledger.persons lp JOIN _led_keymap km ON km.ledger_key = lp.canonical_key
)
SELECT k.person_key, t.campaign_id, t.touched_on, t.run_id, t.step,
       coalesce(t.counts_in_caps, TRUE) AS in_caps, t.variant
FROM ledger.touches t JOIN keys k ON k.ledger_person = t.person_key
WHERE t.status = 'counted'
  AND (t.touched_on > $as_of::DATE - $reach::INTEGER
       OR t.campaign_id IN (SELECT campaign_id FROM _led_campaigns))
"""

FETCH_OUTCOMES_SQL = """
CREATE OR REPLACE TEMP TABLE _led_outcomes AS
WITH keys AS (
    SELECT lp.person_key AS ledger_person, km.person_key
    FROM ledger.persons lp JOIN _led_keymap km ON km.ledger_key = lp.canonical_key
)
SELECT k.person_key, o.campaign_id, o.outcome, o.outcome_on, o.until_on
FROM ledger.outcomes o JOIN keys k ON k.ledger_person = o.person_key
WHERE o.outcome IN ('opted_out', 'not_interested', 'not_now')
  AND o.run_id IN (SELECT run_id FROM ledger.runs WHERE status = 'committed')
"""

#: Every response (any outcome of a committed run) of the persons a campaign of this build
#: already wrote to: a follow-up goes only to people who have not responded since.
FETCH_RESPONSES_SQL = """
CREATE OR REPLACE TEMP TABLE _led_responses AS
WITH keys AS (
    SELECT lp.person_key AS ledger_person, km.person_key
    FROM ledger.persons lp JOIN _led_keymap km ON km.ledger_key = lp.canonical_key
    WHERE km.person_key IN (
        SELECT person_key FROM _led_touches
        WHERE campaign_id IN (SELECT campaign_id FROM _led_campaigns))
)
SELECT k.person_key, o.campaign_id, o.outcome, o.outcome_on
FROM ledger.outcomes o JOIN keys k ON k.ledger_person = o.person_key
WHERE o.run_id IN (SELECT run_id FROM ledger.runs WHERE status = 'committed')
"""

#: Rows whose email bounced before (only for persons with a bounce; ledger attached).
FETCH_BOUNCED_SQL = """
CREATE OR REPLACE TEMP TABLE _led_bounced AS
WITH keys AS (
    SELECT lp.person_key AS ledger_person, km.person_key
    FROM ledger.persons lp JOIN _led_keymap km ON km.ledger_key = lp.canonical_key
), b AS (
    SELECT k.person_key, o.email_hash, min(o.outcome_on) AS outcome_on
    FROM ledger.outcomes o JOIN keys k ON k.ledger_person = o.person_key
    WHERE o.outcome = 'bounced' AND o.email_hash IS NOT NULL
      AND o.run_id IN (SELECT run_id FROM ledger.runs WHERE status = 'committed')
    GROUP BY ALL
)
SELECT p.row_id, min(b.outcome_on) AS outcome_on
FROM people p JOIN persons k USING (row_id) JOIN b ON b.person_key = k.person_key
WHERE p.email_norm IS NOT NULL AND b.email_hash = {email_hash}
GROUP BY p.row_id
""".replace("{email_hash}", hash_sql("'email'", "p.email_norm"))


def fetch(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Copy the ledger rows the checks need into the build connection (ledger attached)."""
    row = first_row(con, "SELECT coalesce(max(window_days), 1) FROM _led_campaigns")
    reach = int(row[0]) if row else 1
    con.execute(FETCH_TOUCHES_SQL, {"as_of": as_of, "reach": reach})
    con.execute(FETCH_OUTCOMES_SQL)
    con.execute(FETCH_RESPONSES_SQL)
    email_campaigns = first_row(con, "SELECT count(*) FROM _led_campaigns WHERE channel = 'email'")
    if email_campaigns and email_campaigns[0]:
        con.execute(FETCH_BOUNCED_SQL)
    else:
        _empty_bounced(con)


def _empty_bounced(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _led_bounced (row_id BIGINT, outcome_on DATE)")


def empty_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The fetched tables, empty (no ledger rows can matter)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _led_touches (person_key VARCHAR, campaign_id VARCHAR,"
        " touched_on DATE, run_id VARCHAR, step INTEGER, in_caps BOOLEAN, variant VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _led_outcomes (person_key VARCHAR, campaign_id VARCHAR,"
        " outcome VARCHAR, outcome_on DATE, until_on DATE)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _led_responses (person_key VARCHAR, campaign_id VARCHAR,"
        " outcome VARCHAR, outcome_on DATE)"
    )
    _empty_bounced(con)


def apply_suppressed(con: duckdb.DuckDBPyConnection) -> None:
    """Reason 3: opted out in the ledger (replaces reasons 4-14, keeps 1-2)."""
    con.execute(
        """
        UPDATE dec SET reason = 'suppressed',
            detail = 'suppressed: opted out on ' || o.outcome_on::VARCHAR,
            eligible_again_on = NULL
        FROM (
            SELECT person_key, min(outcome_on) AS outcome_on FROM _led_outcomes
            WHERE outcome = 'opted_out' GROUP BY person_key
        ) o
        WHERE dec.person_key = o.person_key
          AND (dec.reason IS NULL OR dec.reason NOT IN ('invalid_row', 'duplicate_row',
                                                         'suppressed'))
        """
    )


def apply_bounced(con: duckdb.DuckDBPyConnection) -> None:
    """Reason 3 for `email` campaigns: the row's address bounced (replaces 4-14, keeps 1-2)."""
    con.execute(
        """
        UPDATE dec SET reason = 'suppressed',
            detail = 'suppressed: this email address bounced on ' || b.outcome_on::VARCHAR
                || '; the email channel cannot reach it',
            eligible_again_on = NULL
        FROM _led_campaigns c, _led_bounced b
        WHERE dec.cidx = c.cidx AND c.channel = 'email' AND dec.row_id = b.row_id
          AND (dec.reason IS NULL OR dec.reason NOT IN ('invalid_row', 'duplicate_row',
                                                         'suppressed'))
        """
    )


def apply_disinterest(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Reason 15: said "not interested" within the campaign's `disinterest_days`."""
    con.execute(
        """
        UPDATE dec SET reason = 'disinterest_cooldown',
            detail = 'disinterest_cooldown: not interested on ' || o.outcome_on::VARCHAR
                || '; eligible again on '
                || least(o.outcome_on + c.disinterest_days, {LAST_DATE})::VARCHAR,
            eligible_again_on = least(o.outcome_on + c.disinterest_days, {LAST_DATE})
        FROM _led_campaigns c, (
            SELECT person_key, max(outcome_on) AS outcome_on FROM _led_outcomes
            WHERE outcome = 'not_interested' GROUP BY person_key
        ) o
        WHERE dec.reason IS NULL AND dec.cidx = c.cidx AND dec.person_key = o.person_key
          AND o.outcome_on > $as_of::DATE - c.disinterest_days
        """.replace("{LAST_DATE}", LAST_DATE),
        {"as_of": as_of},
    )


def apply_snoozed(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Reason 15a: said "not now" and the date they gave (`until_on`) is after the as-of date.

    The `not_now` with the latest `until_on` decides (a later "not now" can only extend it);
    an outcome dated after T (planning in the past) counts, like the cooldown's.
    """
    con.execute(
        """
        UPDATE dec SET reason = 'snoozed',
            detail = 'snoozed: not now on ' || o.outcome_on::VARCHAR
                || '; eligible again on ' || o.until_on::VARCHAR,
            eligible_again_on = o.until_on
        FROM (
            SELECT person_key, max(until_on) AS until_on,
                   arg_max(outcome_on, (until_on, outcome_on)) AS outcome_on
            FROM _led_outcomes WHERE outcome = 'not_now' AND until_on IS NOT NULL
            GROUP BY person_key
        ) o
        WHERE dec.reason IS NULL AND dec.person_key = o.person_key
          AND o.until_on > $as_of::DATE
        """,
        {"as_of": as_of},
    )


# `dec_steps`: the follow-ups a build plans, (cidx, person_key, step, variant) of each row that
# is due for step >= 1 of its campaign, with the variant of the person's first message of the
# campaign (a person keeps their variant in every step). The pipeline creates it beside `dec`
# and reads the step (no row: step 0) and variant of each recipient from it.
def ensure_steps_table(con: duckdb.DuckDBPyConnection) -> None:
    """`dec_steps` exists (the pipeline makes it; a caller of `apply` alone may not have)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS dec_steps"
        " (cidx INTEGER, person_key VARCHAR, step INTEGER, variant VARCHAR)"
    )


#: Per person and campaign of the build: the steps already sent (`next_step` is the step due
#: now; imported touches and those from before the ledger knew steps are step 0), the first
#: and the last of those touches, the variant of the first message (NULL: the campaign had no
#: variants then, or it was imported), and the first response since the first one.
FOLLOWUP_STATE_SQL = """
CREATE OR REPLACE TEMP TABLE _led_steps AS
WITH sent AS (
    SELECT person_key, campaign_id, max(coalesce(step, 0)) + 1 AS next_step,
           min(touched_on) AS first_on, max(touched_on) AS last_on,
           arg_max(run_id, (touched_on, run_id)) AS run_id,
           arg_min(variant, (touched_on, run_id)) FILTER (WHERE coalesce(step, 0) = 0)
               AS variant
    FROM _led_touches
    WHERE campaign_id IN (SELECT campaign_id FROM _led_campaigns)
    GROUP BY ALL
)
SELECT c.cidx, s.person_key, s.next_step, s.first_on, s.last_on, s.run_id, s.variant,
       len(c.followups) AS followups,
       CASE WHEN s.next_step <= len(c.followups)
            THEN least(s.last_on + c.followups[s.next_step], {LAST_DATE}) END AS due_on,
       r.outcome, r.outcome_on
FROM sent s JOIN _led_campaigns c USING (campaign_id)
LEFT JOIN (
    SELECT s.person_key, s.campaign_id,
           arg_min(o.outcome, (o.outcome_on, o.outcome)) AS outcome,
           min(o.outcome_on) AS outcome_on
    FROM sent s JOIN _led_responses o
      ON o.person_key = s.person_key AND o.outcome_on >= s.first_on
    GROUP BY ALL
) r USING (person_key, campaign_id)
""".replace("{LAST_DATE}", LAST_DATE)


def apply_followups(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Reasons 15b and 16 from the touches of each campaign (issue 21, SPEC 5.1).

    A person the campaign already wrote to is `already_contacted_for_campaign` once every step
    (the first message and each of `message.followups`) went out; otherwise the next step is
    `followup_not_due` while it is not due (`after_days` after the last touch of the campaign,
    eligible again that day), or forever once they responded in any way (any outcome dated on
    or after the campaign's first touch: a reply, a refusal, an opt-out, a "not now", a
    bounce); when it is due, the row stays in and `dec_steps` records its step.
    """
    ensure_steps_table(con)
    con.execute(FOLLOWUP_STATE_SQL)
    con.execute(
        """
        UPDATE dec SET reason = 'already_contacted_for_campaign',
            detail = 'already_contacted_for_campaign: touched for ' || c.campaign_id || ' on '
                || s.last_on::VARCHAR || ' (run ' || s.run_id || ')'
                || CASE WHEN s.followups > 0
                        THEN '; all ' || (s.followups + 1)::VARCHAR || ' steps sent' ELSE '' END,
            eligible_again_on = NULL
        FROM _led_campaigns c, _led_steps s
        WHERE dec.reason IS NULL AND dec.cidx = c.cidx AND s.cidx = c.cidx
          AND s.person_key = dec.person_key AND s.next_step > s.followups
        """
    )
    con.execute(
        """
        UPDATE dec SET reason = 'followup_not_due',
            detail = 'followup_not_due: ' || CASE
                WHEN s.outcome IS NOT NULL
                THEN 'responded (' || s.outcome || ' on ' || s.outcome_on::VARCHAR
                    || ') after step ' || (s.next_step - 1)::VARCHAR || ' of ' || c.campaign_id
                    || '; no follow-up'
                ELSE 'step ' || (s.next_step - 1)::VARCHAR || ' of ' || c.campaign_id
                    || ' sent on ' || s.last_on::VARCHAR || ' (run ' || s.run_id || '); step '
                    || s.next_step::VARCHAR || ' due on ' || s.due_on::VARCHAR END,
            eligible_again_on = CASE WHEN s.outcome IS NULL THEN s.due_on END
        FROM _led_campaigns c, _led_steps s
        WHERE dec.reason IS NULL AND dec.cidx = c.cidx AND s.cidx = c.cidx
          AND s.person_key = dec.person_key AND s.next_step <= s.followups
          AND (s.outcome IS NOT NULL OR s.due_on > $as_of::DATE)
        """,
        {"as_of": as_of},
    )
    con.execute(
        """
        INSERT INTO dec_steps
        SELECT DISTINCT d.cidx, d.person_key, s.next_step, s.variant
        FROM dec d JOIN _led_steps s ON s.cidx = d.cidx AND s.person_key = d.person_key
        WHERE d.reason IS NULL AND s.next_step <= s.followups
        """
    )


#: Blocked intervals per (window, limit, person), merged into islands; see the module doc.
BLOCKS_SQL = """
CREATE OR REPLACE TEMP TABLE _led_blocks AS
WITH sets AS (
    SELECT DISTINCT window_days AS w, max_touches AS m FROM _led_campaigns
    UNION
    SELECT DISTINCT window_days, max_touches + 1 FROM _led_campaigns
    WHERE exempt_min_score IS NOT NULL
), t AS (
    SELECT s.w, s.m, t.person_key, t.touched_on AS d
    FROM _led_touches t JOIN sets s ON t.touched_on >= $as_of::DATE - (s.w - 1)
    WHERE coalesce(t.in_caps, TRUE)
), dense AS (
    SELECT t.* FROM t JOIN (
        SELECT w, m, person_key FROM t GROUP BY w, m, person_key HAVING count(*) >= m
    ) USING (w, m, person_key)
), runs AS (
    SELECT w, m, person_key, d AS first_d,
           lead(d, m - 1) OVER (PARTITION BY w, m, person_key ORDER BY d) AS last_d
    FROM dense
), intervals AS (
    SELECT w, m, person_key, last_d - (w - 1) AS lo, first_d + (w - 1) AS hi
    FROM runs WHERE last_d IS NOT NULL AND last_d - first_d <= w - 1
), marked AS (
    SELECT *, CASE WHEN lo > max(hi) OVER (
                  PARTITION BY w, m, person_key ORDER BY lo, hi
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1
              THEN 1 ELSE 0 END AS starts
    FROM intervals
), islands AS (
    SELECT *, sum(starts) OVER (PARTITION BY w, m, person_key ORDER BY lo, hi
                                ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
)
SELECT w, m, person_key, min(lo) AS lo, least(max(hi) + 1, {LAST_DATE}) AS eligible_again_on
FROM islands GROUP BY w, m, person_key, island
HAVING min(lo) <= $as_of::DATE AND max(hi) >= $as_of::DATE
""".replace("{LAST_DATE}", LAST_DATE)

CAP_SQL = """
UPDATE dec SET reason = 'frequency_cap',
    detail = 'frequency_cap: at most ' || b.m::VARCHAR || ' touch(es) per ' || b.w::VARCHAR
        || ' days across campaigns; ' || coalesce(n.recent, 0)::VARCHAR || ' in the '
        || b.w::VARCHAR || ' days up to ' || $as_of::DATE::VARCHAR
        || CASE WHEN coalesce(n.later, 0) > 0
                THEN ' and ' || n.later::VARCHAR || ' after it' ELSE '' END
        || '; eligible again on ' || b.eligible_again_on::VARCHAR,
    eligible_again_on = b.eligible_again_on
FROM _led_campaigns c, _led_blocks b LEFT JOIN (
    SELECT s.window_days AS w, t.person_key,
           count(*) FILTER (WHERE t.touched_on <= $as_of::DATE) AS recent,
           count(*) FILTER (WHERE t.touched_on > $as_of::DATE) AS later
    FROM _led_touches t JOIN (SELECT DISTINCT window_days FROM _led_campaigns) s
      ON t.touched_on > $as_of::DATE - s.window_days
     AND t.touched_on < $as_of::DATE + s.window_days
    WHERE coalesce(t.in_caps, TRUE)
    GROUP BY ALL
) n ON n.w = b.w AND n.person_key = b.person_key
WHERE dec.reason IS NULL AND dec.cidx = c.cidx AND b.person_key = dec.person_key
  AND b.w = c.window_days
  -- a follow-up is outside the caps when they do not count, and never exempt
  AND (c.followups_count OR NOT EXISTS (
      SELECT 1 FROM dec_steps f WHERE f.cidx = dec.cidx AND f.person_key = dec.person_key))
  AND b.m = CASE WHEN c.exempt_min_score IS NOT NULL AND dec.fit_score >= c.exempt_min_score
                      AND NOT EXISTS (SELECT 1 FROM dec_steps f
                                      WHERE f.cidx = dec.cidx AND f.person_key = dec.person_key)
                 THEN c.max_touches + 1 ELSE c.max_touches END
"""


def apply_frequency_cap(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Reason 17: the rolling-window cap across all campaigns (with `exempt_min_score`)."""
    con.execute(BLOCKS_SQL, {"as_of": as_of})
    con.execute(CAP_SQL, {"as_of": as_of})


def apply(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """All ledger reasons, in SPEC order (the fetched tables must exist)."""
    apply_suppressed(con)
    if not _has_temp(con, "_led_bounced"):
        _empty_bounced(con)
    if not _has_temp(con, "_led_responses"):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _led_responses (person_key VARCHAR,"
            " campaign_id VARCHAR, outcome VARCHAR, outcome_on DATE)"
        )
    apply_bounced(con)
    apply_disinterest(con, as_of)
    apply_snoozed(con, as_of)
    apply_followups(con, as_of)
    apply_frequency_cap(con, as_of)


def _has_temp(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = first_row(
        con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [name]
    )
    return bool(row and row[0])
