"""Property test (issue 21): random sequences of builds, outcome imports, touch imports and
cancellations over campaigns with follow-ups.

After every step, checked directly on the ledger file:
- no follow-up (step >= 1) went to a person with a response of any kind recorded before its run
  and dated on or after the campaign's first touch of them;
- no person has more build touches for one campaign than the campaign has steps
  (len(followups) + 1), and each step went out once;
- the caps invariant of tests/test_ledger_stateful.py, with follow-ups in the sequence: every
  touch that counts for the caps respects its campaign's caps in every window containing it
  (follow-ups never with the `exempt_min_score` allowance; a campaign with
  `caps.followups_count: false` records its follow-ups as not counting, and no window counts
  them);
- each build equals the dry run just before it (inherited).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from planner.ledger.commands import import_outcomes
from tests.ledger_support import ledger_rows
from tests.test_ledger_stateful import HUMANS, LedgerMachine, _email

campaign_caps = st.fixed_dictionaries(
    {
        "window": st.integers(1, 12),
        "max_touches": st.integers(1, 3),
        "exempt": st.sampled_from([None, 0.9]),
        "limit": st.sampled_from([None, None, 2]),
        "followups": st.lists(st.integers(1, 6), min_size=1, max_size=2),
        "followups_count": st.booleans(),
    }
)


#: Any of them stops follow-ups; replies are the common case.
OUTCOMES = ["replied", "replied", "interested", "not_interested", "opted_out"]


class FollowupMachine(LedgerMachine):
    @initialize(caps=st.lists(campaign_caps, min_size=1, max_size=2))
    def make_campaigns(self, caps: list[dict[str, Any]]) -> None:
        self._add_campaigns(caps)

    @rule(
        rows=st.lists(
            st.tuples(
                st.sampled_from(HUMANS),
                st.sampled_from(OUTCOMES),
                st.integers(-3, 3),
                st.sampled_from([None, "camp-0", "camp-9"]),
            ),
            min_size=1,
            max_size=3,
        )
    )
    def import_responses(self, rows: list[tuple[str, str, int, str | None]]) -> None:
        self.n += 1
        path = self.dir / f"outcomes_{self.n}.csv"
        lines = ["email,outcome,date,campaign_id,batch"]
        for h, outcome, offset, camp in rows:
            day = self.today + timedelta(days=offset)
            lines.append(f"{_email(h, 0)},{outcome},{day},{camp or ''},{self.n}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        import_outcomes(path, self.ledger)

    @invariant()
    def caps_hold(self) -> None:
        if not self.ledger.exists():
            return
        violations = ledger_rows(
            self.ledger,
            """
            WITH t AS (
                SELECT p.canonical_key AS person, t.campaign_id, t.touched_on AS d, t.fit_score,
                       coalesce(t.step, 0) AS step, coalesce(t.counts_in_caps, TRUE) AS counts,
                       r.seq, r.kind, t.run_id
                FROM touches t JOIN runs r USING (run_id) JOIN persons p USING (person_key)
                WHERE t.status = 'counted'
            ), planned AS (
                SELECT t.*, c.window_days AS w,
                       c.max_touches + CASE WHEN c.exempt_min_score IS NOT NULL AND t.step = 0
                           AND t.fit_score >= c.exempt_min_score THEN 1 ELSE 0 END AS lim
                FROM t JOIN run_campaigns c USING (run_id, campaign_id)
                WHERE t.kind = 'build' AND t.counts
            ), windows AS (
                SELECT pl.*, s.s FROM planned pl,
                LATERAL (SELECT unnest(range(0, pl.w)) AS k) k,
                LATERAL (SELECT pl.d - CAST(pl.w - k.k AS INTEGER) AS s) s
            )
            SELECT w.person, w.run_id, w.d, w.s, count(*) AS n, any_value(w.lim) AS lim
            FROM windows w JOIN t o ON o.person = w.person AND o.seq <= w.seq AND o.counts
                 AND o.d > w.s AND o.d <= w.s + w.w
            GROUP BY w.person, w.run_id, w.d, w.s, w.campaign_id
            HAVING count(*) > any_value(w.lim)
            """,
        )
        assert violations == []
        # Uncounted touches are exactly the follow-ups of campaigns that say so.
        wrong = ledger_rows(
            self.ledger,
            """
            SELECT t.run_id, t.person_key FROM touches t JOIN runs r USING (run_id)
            WHERE r.kind = 'build' AND NOT t.counts_in_caps
              AND (t.step = 0 OR t.campaign_id NOT IN (SELECT unnest(?::VARCHAR[])))
            """,
            [[f"camp-{i}" for i, (_, c) in enumerate(self.campaigns) if not c["followups_count"]]],
        )
        assert wrong == []

    @invariant()
    def steps_in_order(self) -> None:
        if not self.ledger.exists():
            return
        steps = {f"camp-{i}": 1 + len(c["followups"]) for i, (_, c) in enumerate(self.campaigns)}  # type: ignore[arg-type]
        rows = ledger_rows(
            self.ledger,
            """
            SELECT p.canonical_key, t.campaign_id, count(*), count(DISTINCT t.step), max(t.step)
            FROM touches t JOIN runs r USING (run_id) JOIN persons p USING (person_key)
            WHERE t.status = 'counted' AND r.kind = 'build' GROUP BY ALL
            """,
        )
        for person, campaign, n, distinct, top in rows:
            assert n <= steps[str(campaign)], (person, campaign, n)
            assert distinct == n, (person, campaign)  # each step once
            assert int(top) < steps[str(campaign)]  # type: ignore[call-overload]

    @invariant()
    def no_followup_after_a_response(self) -> None:
        if not self.ledger.exists():
            return
        chased = ledger_rows(
            self.ledger,
            """
            WITH t AS (
                SELECT p.canonical_key AS person, t.campaign_id, t.touched_on AS d, t.step, r.seq
                FROM touches t JOIN runs r USING (run_id) JOIN persons p USING (person_key)
                WHERE t.status = 'counted' AND r.kind = 'build'
            ), o AS (
                SELECT p.canonical_key AS person, o.outcome_on, r.seq
                FROM outcomes o JOIN runs r USING (run_id) JOIN persons p USING (person_key)
                WHERE r.status = 'committed'
            )
            SELECT f.person, f.campaign_id, f.step, f.d FROM t f
            WHERE f.step >= 1 AND EXISTS (
                SELECT 1 FROM o WHERE o.person = f.person AND o.seq < f.seq
                  AND o.outcome_on >= (SELECT min(e.d) FROM t e WHERE e.person = f.person
                                       AND e.campaign_id = f.campaign_id AND e.seq < f.seq))
            """,
        )
        assert chased == []


# 20 sequences of 12 steps: with a response that should stop a follow-up removed from the
# rules (caps.apply_followups), 30 x 12 found it, 8 x 10 did not.
FollowupMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestFollowupMachine = pytest.mark.slow(FollowupMachine.TestCase)
