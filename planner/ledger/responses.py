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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

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


# --------------------------------------------------------------------------- variants

#: Two variants differ meaningfully when the two-proportion z-test gives p under this.
SIGNIFICANCE: Final = 0.05
#: The z-test's normal approximation needs, in each variant, at least this many expected
#: responses and as many expected non-responses (at the pooled rate): fewer is "too few".
MIN_EXPECTED: Final = 5


@dataclass(frozen=True, slots=True)
class ZTest:
    """A two-proportion z-test of x1/n1 against x2/n2 (pooled, two-sided)."""

    z: float | None
    p_value: float | None
    #: False when the samples are too small for the normal approximation (MIN_EXPECTED).
    enough: bool

    @property
    def meaningful(self) -> bool:
        """Enough samples and p < SIGNIFICANCE."""
        return self.enough and self.p_value is not None and self.p_value < SIGNIFICANCE


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> ZTest:
    """Pooled two-proportion z-test: p = (x1 + x2) / (n1 + n2),
    z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2)), two-sided p-value erfc(|z| / sqrt 2).

    No touches on a side: no test (z and p None). The same rate everywhere with p 0 or 1 (no
    spread to test against): z 0, p 1.
    """
    if n1 <= 0 or n2 <= 0:
        return ZTest(None, None, False)
    pooled = (x1 + x2) / (n1 + n2)
    enough = all(n * pooled >= MIN_EXPECTED and n * (1 - pooled) >= MIN_EXPECTED for n in (n1, n2))
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ZTest(0.0, 1.0, enough)
    z = (x1 / n1 - x2 / n2) / se
    return ZTest(z, math.erfc(abs(z) / math.sqrt(2)), enough)


#: Counted touches with a variant, per person (canonical key), campaign and step, and when the
#: person's next step of that campaign went out (`next_on`; NULL: none yet).
VARIANT_TOUCHES_SQL = """
CREATE OR REPLACE TEMP TABLE _g_touches AS
WITH t AS (
    SELECT coalesce(m.canonical_key, t.person_key) AS canonical_key, t.campaign_id,
           t.touched_on, coalesce(t.step, 0) AS step, t.variant, t.run_id
    FROM ledger.touches t LEFT JOIN _g_merged m USING (person_key)
    WHERE t.status = 'counted' AND t.variant IS NOT NULL AND t.campaign_id IS NOT NULL
      AND ($sender::VARCHAR IS NULL OR t.sender_id = $sender::VARCHAR)
)
SELECT row_number() OVER (ORDER BY campaign_id, canonical_key, step, touched_on, run_id) AS tid,
       *,
       lead(touched_on) OVER (PARTITION BY canonical_key, campaign_id
                              ORDER BY step, touched_on, run_id) AS next_on
FROM t
"""

#: Each touch's response (outcomes up to $as_of of committed runs, for its campaign or none):
#: `answered` when one is dated on or after the touch and before the person's next step (the
#: message they answered), `ever` when one is dated on or after it at all.
VARIANT_RESPONDED_SQL = """
CREATE OR REPLACE TEMP TABLE _g_responded AS
SELECT t.tid,
       bool_or(t.next_on IS NULL OR o.outcome_on < t.next_on) AS answered
FROM _g_touches t
JOIN (SELECT coalesce(m.canonical_key, o.person_key) AS canonical_key, o.*
      FROM ledger.outcomes o LEFT JOIN _g_merged m USING (person_key)) o
  ON o.canonical_key = t.canonical_key
WHERE o.outcome_on >= t.touched_on AND o.outcome_on <= $as_of::DATE
  AND (o.campaign_id IS NULL OR o.campaign_id = t.campaign_id)
  AND o.run_id IN (SELECT run_id FROM ledger.runs WHERE status = 'committed')
GROUP BY t.tid
"""


def by_variant(
    con: duckdb.DuckDBPyConnection, *, sender: str | None, as_of: date
) -> dict[str, Any]:
    """Response rates per campaign, message variant and step, and per campaign and step the
    z-test of the best variant against the runner-up (see README, `planner ledger stats`);
    `sender`: only that sender's touches; outcomes known up to `as_of` count.

    Rows: step k counts the touches of step k of each variant and, as responses, those
    answered before the person's next step went out (so each response is counted once, at the
    message it answered); step None ("all") counts each person's first message of the
    variant and whether they responded after it at all, follow-ups included. Touches without a
    variant (campaigns without `message.variants`, imports) are not listed.
    """
    con.execute(MERGED_SQL)
    con.execute(VARIANT_TOUCHES_SQL, {"sender": sender})
    con.execute(VARIANT_RESPONDED_SQL, {"as_of": as_of})
    rows = con.execute(
        """
        SELECT t.campaign_id, t.variant, t.step, count(*) AS touches,
               count(*) FILTER (WHERE r.answered) AS responses
        FROM _g_touches t LEFT JOIN _g_responded r USING (tid)
        GROUP BY ALL
        UNION ALL
        SELECT t.campaign_id, t.variant, NULL, count(*), count(r.tid)
        FROM _g_touches t LEFT JOIN _g_responded r USING (tid)
        WHERE t.step = 0
        GROUP BY ALL
        ORDER BY 1, 3 NULLS LAST, 2
        """
    ).fetchall()
    for name in ("_g_touches", "_g_responded", "_g_merged"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    out = [
        {
            "campaign_id": c,
            "variant": v,
            "step": None if s is None else int(s),
            "touches": int(n),
            "responses": int(r),
            "rate": rate(int(n), int(r)),
        }
        for c, v, s, n, r in rows
    ]
    return {"variants": out, "comparisons": _comparisons(out)}


def _comparisons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per campaign and step with two or more variants: the best rate against the runner-up."""
    groups: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["campaign_id"], r["step"]), []).append(r)
    out: list[dict[str, Any]] = []
    for (campaign_id, step), group in groups.items():
        if len(group) < 2:
            continue
        best, second = sorted(group, key=lambda r: (-(r["rate"] or 0.0), r["variant"]))[:2]
        test = two_proportion_test(
            best["responses"], best["touches"], second["responses"], second["touches"]
        )
        out.append(
            {
                "campaign_id": campaign_id,
                "step": step,
                "leader": best["variant"],
                "runner_up": second["variant"],
                "z": test.z,
                "p_value": test.p_value,
                "enough_samples": test.enough,
                "meaningful": test.meaningful,
                "note": _note(best, second, test),
            }
        )
    return out


def _note(best: dict[str, Any], second: dict[str, Any], test: ZTest) -> str:
    lead = (
        f"{best['variant']} {best['responses']}/{best['touches']} vs {second['variant']}"
        f" {second['responses']}/{second['touches']}"
    )
    if not test.enough:
        return (
            f"{lead}: too few samples to tell (the z-test needs at least {MIN_EXPECTED} expected"
            " responses and non-responses per variant); not yet meaningful"
        )
    assert test.p_value is not None
    if not test.meaningful:
        return f"{lead}: p = {test.p_value:.3f} (two-proportion z-test); not yet meaningful"
    return f"{lead}: p = {test.p_value:.3f} (two-proportion z-test); {best['variant']} is ahead"
