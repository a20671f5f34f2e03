"""Response rates from the ledger (SPEC 6.4): the guardrail's figures and `planner ledger stats`.

Definition (the same everywhere):

- A *touch* is a counted touch (its run not cancelled) with a sender: touches planned by
  builds carry the campaign's `sender.id`; imported touches carry one when the file has a
  `sender_id` column.
- A touch *has a response* when the person touched (any of their keys, after merges) has at
  least one outcome of a committed run, of any kind (SPEC 6.3: "any outcome counts"), dated on
  or after the touch, and not for another campaign: an outcome without a campaign id answers
  any touch; one with a campaign id answers only touches for that campaign (or touches without
  a campaign). An outcome dated after the as-of date is not known yet and does not count.
- The guardrail window of sender S at as-of T holds S's touches dated in (T - window_days, T];
  touches planned by the build being computed are not in it (nobody could answer them yet).
- rate = responses / touches (None with no touches). The guardrail acts when touches >=
  `min_sample` and rate < `min_response_rate`, compared exactly (13 of 100 is 13%, not under).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import duckdb

#: Keys merged into another person (few): everything else is its own canonical key, so the
#: big `persons` table is scanned once with a filter instead of joined.
MERGED_SQL = """
CREATE OR REPLACE TEMP TABLE _g_merged AS
SELECT person_key, canonical_key FROM ledger.persons WHERE person_key <> canonical_key
"""

#: The touches of `_g_touches(tid, canonical_key, campaign_id, touched_on, ...)` that have a
#: response (see the module docstring); outcomes up to $as_of.
RESPONDED_SQL = """
SELECT DISTINCT t.tid
FROM _g_touches t
JOIN (SELECT coalesce(m.canonical_key, o.person_key) AS canonical_key, o.*
      FROM ledger.outcomes o LEFT JOIN _g_merged m USING (person_key)) o
  ON o.canonical_key = t.canonical_key
WHERE o.outcome_on >= t.touched_on AND o.outcome_on <= $as_of::DATE
  AND (o.campaign_id IS NULL OR t.campaign_id IS NULL OR o.campaign_id = t.campaign_id)
  AND o.run_id IN (SELECT run_id FROM ledger.runs WHERE status = 'committed')
"""


def guardrail_counts(
    con: duckdb.DuckDBPyConnection, windows: Sequence[tuple[str, int]], as_of: date
) -> dict[tuple[str, int], tuple[int, int]]:
    """(sender, window_days) -> (touches, responses) at `as_of` (ledger attached as `ledger`)."""
    pairs = sorted(set(windows))
    if not pairs:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE _g_pairs (sender_id VARCHAR, window_days INTEGER)")
    con.executemany("INSERT INTO _g_pairs VALUES (?, ?)", pairs)
    widest = max(w for _, w in pairs)
    con.execute(MERGED_SQL)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _g_touches AS
        SELECT row_number() OVER () AS tid,
               coalesce(m.canonical_key, t.person_key) AS canonical_key, t.campaign_id,
               t.touched_on, t.sender_id
        FROM ledger.touches t LEFT JOIN _g_merged m USING (person_key)
        WHERE t.status = 'counted'
          AND t.sender_id IN (SELECT sender_id FROM _g_pairs)
          AND t.touched_on > $as_of::DATE - $widest::INTEGER AND t.touched_on <= $as_of::DATE
        """,
        {"as_of": as_of, "widest": widest},
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _g_responded AS {RESPONDED_SQL}", {"as_of": as_of})
    rows = con.execute(
        """
        SELECT g.sender_id, g.window_days, count(t.tid) AS touches, count(r.tid) AS responses
        FROM _g_pairs g
        LEFT JOIN _g_touches t ON t.sender_id = g.sender_id
             AND t.touched_on > $as_of::DATE - g.window_days
        LEFT JOIN _g_responded r ON r.tid = t.tid
        GROUP BY ALL
        """,
        {"as_of": as_of},
    ).fetchall()
    for name in ("_g_pairs", "_g_touches", "_g_responded", "_g_merged"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return {(str(s), int(w)): (int(n), int(r)) for s, w, n, r in rows}


def rate(touches: int, responses: int) -> float | None:
    """responses / touches, None with no touches."""
    return responses / touches if touches else None


def triggered(touches: int, responses: int, *, min_sample: int, min_response_rate: float) -> bool:
    """SPEC 6.4: enough touches and a share of responses under the minimum (exact compare)."""
    if touches < min_sample or touches == 0:
        return False
    return Fraction(responses, touches) < Fraction(Decimal(str(min_response_rate)))


WEEKLY_SQL = """
CREATE OR REPLACE TEMP TABLE _g_touches AS
SELECT row_number() OVER () AS tid, coalesce(m.canonical_key, t.person_key) AS canonical_key,
       t.campaign_id, t.touched_on, t.sender_id
FROM ledger.touches t LEFT JOIN _g_merged m USING (person_key)
WHERE t.status = 'counted' AND ($sender::VARCHAR IS NULL OR t.sender_id = $sender::VARCHAR)
"""


def weekly(
    con: duckdb.DuckDBPyConnection, *, sender: str | None, as_of: date
) -> list[dict[str, Any]]:
    """Touches, responses and rate per sender, campaign and ISO week of the touch (oldest first);
    outcomes known up to `as_of` count. Touches without a sender are listed with sender None."""
    con.execute(MERGED_SQL)
    con.execute(WEEKLY_SQL, {"sender": sender})
    con.execute(f"CREATE OR REPLACE TEMP TABLE _g_responded AS {RESPONDED_SQL}", {"as_of": as_of})
    rows = con.execute(
        """
        SELECT t.sender_id, t.campaign_id,
               strftime(t.touched_on, '%G-W%V') AS week,
               min(date_trunc('week', t.touched_on))::DATE AS week_start,
               count(*) AS touches, count(r.tid) AS responses
        FROM _g_touches t LEFT JOIN _g_responded r USING (tid)
        GROUP BY ALL
        ORDER BY t.sender_id NULLS LAST, t.campaign_id NULLS LAST, week
        """
    ).fetchall()
    for name in ("_g_touches", "_g_responded", "_g_merged"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return [
        {
            "sender_id": s,
            "campaign_id": c,
            "week": w,
            "week_start": ws.isoformat(),
            "touches": int(n),
            "responses": int(r),
            "rate": rate(int(n), int(r)),
        }
        for s, c, w, ws, n, r in rows
    ]
