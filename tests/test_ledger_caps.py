"""Caps SQL (planner.ledger.caps) against an obviously-correct Python reference."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.ledger import caps

T = date(2026, 6, 15)


def _con(
    touches: dict[str, list[tuple[int, str | None]]],
    campaigns: list[caps.CampaignCaps],
    scores: dict[str, float] | None = None,
    outcomes: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    snoozes: list[tuple[str, int, int]] = (),  # type: ignore[assignment]
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    caps.load_campaigns(con, campaigns)
    caps.empty_tables(con)
    con.execute(
        "CREATE TABLE dec (cidx INTEGER, row_id BIGINT, person_key VARCHAR, fit_score DOUBLE,"
        " reason VARCHAR, detail VARCHAR, eligible_again_on DATE)"
    )
    people = sorted(set(touches) | set(scores or {}) | {p for p, _d, _u in snoozes})
    rows = []
    for c in campaigns:
        for i, p in enumerate(people):
            rows.append((c.cidx, i, p, (scores or {}).get(p, 0.5), None, None, None))
    if rows:
        con.executemany("INSERT INTO dec VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    trows = [
        (p, camp, T + timedelta(days=d), f"run{n}")
        for p, ts in touches.items()
        for n, (d, camp) in enumerate(ts)
    ]
    if trows:
        con.executemany(
            "INSERT INTO _led_touches (person_key, campaign_id, touched_on, run_id)"
            " VALUES (?, ?, ?, ?)",
            trows,
        )
    if outcomes:
        con.executemany(
            "INSERT INTO _led_outcomes VALUES (?, NULL, ?, ?, NULL)",
            [(p, o, T + timedelta(days=d)) for p, o, d in outcomes],
        )
    if snoozes:  # (person, outcome day, until day) of `not_now` outcomes
        con.executemany(
            "INSERT INTO _led_outcomes VALUES (?, NULL, 'not_now', ?, ?)",
            [(p, T + timedelta(days=d), T + timedelta(days=u)) for p, d, u in snoozes],
        )
    return con


def _caps(
    w: int = 30, m: int = 1, exempt: float | None = None, cid: str = "c", cidx: int = 0
) -> caps.CampaignCaps:
    return caps.CampaignCaps(cidx, cid, w, m, exempt, 180, "inmail")


def ref_capped(days: list[int], t: int, w: int, m: int) -> bool:
    """A new touch at t would put >= m+1 touches in some window (s, s+w] that contains t."""
    return any(sum(1 for d in days if s < d <= s + w) >= m for s in range(t - w, t))


def ref_eligible(days: list[int], t: int, w: int, m: int) -> int | None:
    if not ref_capped(days, t, w, m):
        return None
    u = t + 1
    while ref_capped(days, u, w, m):
        u += 1
    return u


def _decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], tuple[str | None, date]]:
    return {
        (c, p): (r, e)
        for c, p, r, e in con.execute(
            "SELECT cidx, person_key, reason, eligible_again_on FROM dec"
        ).fetchall()
    }


@settings(max_examples=150, deadline=None)
@given(
    touches=st.dictionaries(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.lists(st.integers(-70, 40), max_size=6),
        max_size=4,
    ),
    w=st.integers(1, 35),
    m=st.integers(1, 3),
    exempt=st.sampled_from([None, 0.9]),
    scores=st.fixed_dictionaries(
        {p: st.sampled_from([0.5, 0.95]) for p in ["p1", "p2", "p3", "p4"]}
    ),
)
def test_frequency_cap_matches_reference(
    touches: dict[str, list[int]], w: int, m: int, exempt: float | None, scores: dict[str, float]
) -> None:
    con = _con(
        {p: [(d, "other") for d in ds] for p, ds in touches.items()}, [_caps(w, m, exempt)], scores
    )
    caps.apply(con, T)
    got = _decisions(con)
    for p in scores:
        days = touches.get(p, [])
        limit = m + 1 if exempt is not None and scores[p] >= exempt else m
        expected = ref_eligible(days, 0, w, limit)
        reason, eligible = got[(0, p)]
        if expected is None:
            assert reason is None, (p, days)
        else:
            assert reason == "frequency_cap", (p, days)
            assert eligible == T + timedelta(days=expected), (p, days)


def test_spec_example_detail_and_eligible_date() -> None:
    con = _con({"p1": [(-10, "a")], "p2": [(-30, "a")], "p3": [(-29, "a")]}, [_caps(30, 1)])
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")] == ("frequency_cap", T + timedelta(days=20))
    assert got[(0, "p2")] == (None, None)  # (T-30, T] excludes T-30
    assert got[(0, "p3")] == ("frequency_cap", T + timedelta(days=1))
    (detail,) = con.execute("SELECT detail FROM dec WHERE person_key = 'p1'").fetchone()  # type: ignore[misc]
    assert detail == (
        "frequency_cap: at most 1 touch(es) per 30 days across campaigns; 1 in the 30 days up to"
        " 2026-06-15; eligible again on 2026-07-05"
    )


def test_exempt_allows_one_more_never_two() -> None:
    scores = {"p1": 0.96, "p2": 0.96, "p3": 0.5}
    touches = {"p1": [(-5, "a")], "p2": [(-5, "a"), (-3, "b")], "p3": [(-5, "a")]}
    con = _con(touches, [_caps(30, 1, 0.95)], scores)
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")][0] is None  # exempt: second touch in the window is allowed
    assert got[(0, "p2")][0] == "frequency_cap"  # but never a third
    assert got[(0, "p3")][0] == "frequency_cap"  # below the exempt score


def test_future_touches_count_when_planning_in_the_past() -> None:
    # A run dated T+10 exists; planning at T must not create a window with two touches.
    con = _con({"p1": [(10, "a")], "p2": [(30, "a")]}, [_caps(30, 1)])
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")] == ("frequency_cap", T + timedelta(days=40))
    assert got[(0, "p2")] == (None, None)


def test_already_contacted_before_frequency_cap_and_per_campaign() -> None:
    con = _con(
        {"p1": [(-400, "c")], "p2": [(-2, "c")], "p3": [(-2, "x")]},
        [_caps(30, 1, cid="c", cidx=0), _caps(30, 5, cid="d", cidx=1)],
    )
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")][0] == "already_contacted_for_campaign"  # ever, not only in window
    assert got[(0, "p2")][0] == "already_contacted_for_campaign"  # order 16 before 17
    assert got[(0, "p3")][0] == "frequency_cap"
    assert got[(1, "p2")][0] is None  # campaign d allows 5 per window
    assert got[(1, "p1")][0] is None


def test_earlier_reasons_are_kept() -> None:
    con = _con({"p1": [(-2, "c")]}, [_caps()])
    con.execute("UPDATE dec SET reason = 'below_min_score'")
    caps.apply(con, T)
    assert _decisions(con)[(0, "p1")][0] == "below_min_score"


def test_outcomes_suppressed_and_disinterest() -> None:
    con = _con(
        {"p1": [], "p2": [], "p3": [], "p4": [(-1, "c")]},
        [_caps()],
        outcomes=[
            ("p1", "opted_out", -1000),
            ("p2", "not_interested", -100),
            ("p3", "not_interested", -200),
            ("p4", "opted_out", -3),
        ],
    )
    con.execute("UPDATE dec SET reason = 'title_mismatch' WHERE person_key = 'p4'")
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")] == ("suppressed", None)
    assert got[(0, "p2")] == ("disinterest_cooldown", T + timedelta(days=80))
    assert got[(0, "p3")] == (None, None)
    assert got[(0, "p4")][0] == "suppressed"  # order 3 replaces the segmentation reason


def test_snoozed_until_the_date_given_after_disinterest_before_contacted() -> None:
    con = _con(
        {"p1": [], "p2": [(-1, "c")], "p3": [], "p4": [], "p5": [(-400, "c")]},
        [_caps()],
        outcomes=[("p3", "not_interested", -10)],
        snoozes=[
            ("p1", -20, 70),  # snoozed for 70 more days
            ("p1", -30, 40),  # an earlier, shorter "not now" does not shorten it
            ("p2", -5, 30),  # snoozed AND already contacted: 15a comes before 16
            ("p3", -5, 30),  # cooldown (15) comes before the snooze (15a)
            ("p4", -90, 0),  # the until date itself is eligible again
            ("p5", -5, 1),
        ],
    )
    caps.apply(con, T)
    got = _decisions(con)
    assert got[(0, "p1")] == ("snoozed", T + timedelta(days=70))
    assert got[(0, "p2")] == ("snoozed", T + timedelta(days=30))
    assert got[(0, "p3")] == ("disinterest_cooldown", T + timedelta(days=170))
    assert got[(0, "p4")] == (None, None)
    assert got[(0, "p5")] == ("snoozed", T + timedelta(days=1))
    ((detail,),) = con.execute("SELECT detail FROM dec WHERE person_key = 'p1'").fetchall()
    assert detail == "snoozed: not now on 2026-05-26; eligible again on 2026-08-24"


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.lists(st.tuples(st.integers(-200, 5), st.integers(1, 200)), max_size=3),
        min_size=1,
    ),
    st.dictionaries(st.sampled_from(["p1", "p2", "p3", "p4"]), st.integers(-250, 5)),
    st.dictionaries(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.lists(st.tuples(st.integers(-40, 5), st.sampled_from(["c", "other"])), max_size=3),
    ),
    st.integers(1, 3),
)
def test_snooze_matches_reference(
    snoozes: dict[str, list[tuple[int, int]]],
    refusals: dict[str, int],
    touches: dict[str, list[tuple[int, str]]],
    m: int,
) -> None:
    """Every person gets the first reason of the reference, in SPEC order 15, 15a, 16, 17."""
    people = sorted(set(snoozes) | set(refusals) | set(touches))
    con = _con(
        {p: [(d, c) for d, c in touches.get(p, [])] for p in people},
        [_caps(w=30, m=m)],
        outcomes=[(p, "not_interested", d) for p, d in refusals.items()],
        snoozes=[(p, d, d + length) for p, s in snoozes.items() for d, length in s],
    )
    caps.apply(con, T)
    got = _decisions(con)
    for p in people:
        refused = refusals.get(p)
        untils = [d + length for d, length in snoozes.get(p, [])]
        mine = touches.get(p, [])
        if refused is not None and refused > -180:
            want: tuple[str | None, date | None] = (
                "disinterest_cooldown",
                T + timedelta(days=refused + 180),
            )
        elif untils and max(untils) > 0:
            want = ("snoozed", T + timedelta(days=max(untils)))
        elif any(c == "c" for _d, c in mine):
            want = ("already_contacted_for_campaign", None)
        else:
            eligible = ref_eligible([d for d, _c in mine], 0, 30, m)
            want = (
                ("frequency_cap", T + timedelta(days=eligible))
                if eligible is not None
                else (None, None)
            )
        assert got[(0, p)] == want, p
