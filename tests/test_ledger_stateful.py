"""Property test (SPEC 6.2 invariant): random sequences of builds, imports and cancellations.

After every step, checked directly on the ledger file:
- every touch a build planned respects the caps of its campaign in EVERY window containing it,
  counting the touches the ledger held when that run was recorded (cancellations since only
  lower the count; later imports are outreach made outside planner and are not the build's);
- a build gives each person at most one touch, and never one for a campaign they already had;
- each build's recipients (and every exclusion reason) equal those of a dry run just before.

Every candidate row carries the person's email (in random spellings), sometimes also their
profile URL (in random variants): so the ledger can always tell who is who, and two recorded
persons never have to be merged after the fact (merging is covered in test_ledger_identity).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from planner.ledger.commands import cancel_run, import_touches, list_runs
from tests.ledger_support import dry_build, ledger_rows, real_build, write_campaign

HUMANS = [f"h{i}" for i in range(8)]
#: Greeting names (a first name like "H1" is cleaned away, and every row would go to
#: insufficient_personalization: the builds would plan nobody and the test would prove nothing).
NAMES = dict(zip(HUMANS, ["Ann", "Bob", "Cem", "Dia", "Eva", "Finn", "Gus", "Hana"], strict=True))
START = date(2026, 3, 1)


def _email(h: str, variant: int) -> str:
    return [f"{h}@example.com", f"{h.upper()}@Example.COM", f" {h}@example.com "][variant % 3]


def _url(h: str, variant: int) -> str:
    return [
        f"https://www.linkedin.com/in/{h}-person",
        f"https://de.linkedin.com/in/{h.upper()}-Person/?trk=x",
        f"linkedin.com/in/{h}-person/",
    ][variant % 3]


campaign_caps = st.fixed_dictionaries(
    {
        "window": st.integers(1, 20),
        "max_touches": st.integers(1, 2),
        "exempt": st.sampled_from([None, None, 0.9]),
        "limit": st.sampled_from([None, None, 2]),
    }
)
row = st.tuples(st.sampled_from(HUMANS), st.integers(0, 2), st.booleans(), st.integers(0, 2))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-stateful-"))
        self.ledger = self.dir / ".planner" / "ledger.duckdb"
        self.today = START
        self.files: list[str] = []
        self.campaigns: list[tuple[Path, dict[str, Any]]] = []
        self.n = 0
        self.builds = 0

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(caps=st.lists(campaign_caps, min_size=1, max_size=3))
    def make_campaigns(self, caps: list[dict[str, Any]]) -> None:
        self._add_campaigns(caps)

    def _add_campaigns(self, caps: list[dict[str, Any]]) -> None:
        """Campaign templates (`{files}` stands for the build's candidate file), one per
        drawn set of `write_campaign` settings."""
        for i, c in enumerate(caps):
            self.campaigns.append((write_campaign(self.dir, f"camp-{i}", ["{files}"], **c), c))

    def _candidates(self, rows: list[tuple[str, int, bool, int]]) -> str:
        self.n += 1
        name = f"cands_{self.n}.csv"
        lines = ["candidate_id,first_name,last_name,email,profile_url,title,skills"]
        for i, (h, ev, with_url, uv) in enumerate(rows):
            url = _url(h, uv) if with_url else ""
            lines.append(f'r{self.n}_{i},{NAMES[h]},Test,"{_email(h, ev)}",{url},Data Engineer,py')
        (self.dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.files.append(name)
        return name

    def _campaign_files(self, which: list[int], csv: str) -> list[Path]:
        paths = []
        for i in which:
            template, _ = self.campaigns[i]
            text = template.read_text(encoding="utf-8").replace("{files}", csv)
            path = self.dir / f"{template.stem}.build.yaml"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths

    @rule(
        data=st.data(),
        rows=st.lists(row, min_size=1, max_size=8),
        step=st.integers(-8, 15),
        reuse=st.booleans(),
    )
    def build(
        self, data: st.DataObject, rows: list[tuple[str, int, bool, int]], step: int, reuse: bool
    ) -> None:
        self.today += timedelta(days=step)
        csv = data.draw(st.sampled_from(self.files)) if reuse and self.files else None
        csv = csv or self._candidates(rows)
        which = data.draw(
            st.lists(st.integers(0, len(self.campaigns) - 1), min_size=1, max_size=3, unique=True)
        )
        campaigns = self._campaign_files(which, csv)
        before = (
            {r[0] for r in ledger_rows(self.ledger, "SELECT run_id FROM runs")}
            if (self.ledger.exists())
            else set()
        )
        dry = dry_build(campaigns, self.ledger, self.today)
        self.builds += 1
        real = real_build(campaigns, self.ledger, self.today, self.dir / "out" / str(self.builds))
        assert real.recipients == dry.recipients
        assert real.reasons == dry.reasons
        planned = sum(len(v) for v in real.recipients.values())
        runs = [r for r in list_runs(self.ledger) if r["run_id"] not in before]
        assert len(runs) == 1 and runs[0]["status"] == "committed"
        assert runs[0]["touches"] == planned
        keys = [k for v in real.recipients.values() for k in v]
        assert len(keys) == len(set(keys))  # one touch per person per build

    @rule(
        rows=st.lists(
            st.tuples(
                st.sampled_from(HUMANS),
                st.integers(-25, 25),
                st.sampled_from([None, "camp-0", "camp-1", "camp-9"]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def import_outside_touches(self, rows: list[tuple[str, int, str | None]]) -> None:
        self.n += 1
        path = self.dir / f"touches_{self.n}.csv"
        # `batch` makes every file distinct: importing the same file twice is refused.
        lines = ["email,date,campaign_id,channel,batch"]
        for h, offset, camp in rows:
            day = self.today + timedelta(days=offset)
            lines.append(f"{_email(h, 0)},{day},{camp or ''},email,{self.n}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = import_touches(path, self.ledger)
        assert result["touches"] == len(rows)

    @precondition(lambda self: self.ledger.exists())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        committed = [r["run_id"] for r in list_runs(self.ledger) if r["status"] == "committed"]
        if not committed:
            return
        run_id = data.draw(st.sampled_from(committed))
        cancel_run(run_id, self.ledger)
        rows = ledger_rows(
            self.ledger, "SELECT DISTINCT status FROM touches WHERE run_id = ?", [run_id]
        )
        assert rows in ([], [("cancelled",)])

    @invariant()
    def caps_hold(self) -> None:
        if not self.ledger.exists():
            return
        # Every counted build touch, with the counted touches of the same (canonical) person
        # recorded up to its run, within its campaign's window of it.
        violations = ledger_rows(
            self.ledger,
            """
            WITH t AS (
                SELECT p.canonical_key AS person, t.campaign_id, t.touched_on AS d, t.fit_score,
                       r.seq, r.kind, t.run_id
                FROM touches t JOIN runs r USING (run_id) JOIN persons p USING (person_key)
                WHERE t.status = 'counted'
            ), planned AS (
                SELECT t.*, c.window_days AS w,
                       c.max_touches + CASE WHEN c.exempt_min_score IS NOT NULL
                           AND t.fit_score >= c.exempt_min_score THEN 1 ELSE 0 END AS lim
                FROM t JOIN run_campaigns c USING (run_id, campaign_id) WHERE t.kind = 'build'
            ), windows AS (
                -- every window (s, s + w] containing the planned touch: s in [d - w, d - 1]
                SELECT pl.*, s.s FROM planned pl,
                LATERAL (SELECT unnest(range(0, pl.w)) AS k) k,
                LATERAL (SELECT pl.d - CAST(pl.w - k.k AS INTEGER) AS s) s
            )
            SELECT w.person, w.run_id, w.d, w.s, count(*) AS n, any_value(w.lim) AS lim
            FROM windows w JOIN t o ON o.person = w.person AND o.seq <= w.seq
                 AND o.d > w.s AND o.d <= w.s + w.w
            GROUP BY w.person, w.run_id, w.d, w.s, w.campaign_id
            HAVING count(*) > any_value(w.lim)
            """,
        )
        assert violations == []
        # Never twice for one campaign among a build's own touches up to its run.
        again = ledger_rows(
            self.ledger,
            """
            SELECT p.canonical_key, t.campaign_id, count(*) FROM touches t
            JOIN runs r USING (run_id) JOIN persons p USING (person_key)
            WHERE t.status = 'counted' AND r.kind = 'build'
            GROUP BY ALL HAVING count(*) > 1
            """,
        )
        assert again == []


LedgerMachine.TestCase.settings = settings(
    max_examples=6,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestLedgerMachine = LedgerMachine.TestCase
