"""Follow-ups (issue 21): the caps step's rules for steps, against a Python reference, and the
campaign keys, lint and rendering of follow-up messages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import lint, personalize
from planner.config import load_campaign, parse_campaign
from planner.errors import ConfigError
from planner.ledger import caps
from tests.test_ledger_caps import _decisions, ref_capped

T = date(2026, 6, 15)


def _con(
    touches: dict[str, list[tuple[int, str | None, int | None, bool]]],
    campaigns: list[caps.CampaignCaps],
    scores: dict[str, float] | None = None,
    responses: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
) -> object:
    """A build connection with `dec` rows for every person and campaign; touches are
    (day offset from T, campaign id, step, counts for caps)."""
    import duckdb

    con = duckdb.connect()
    caps.load_campaigns(con, campaigns)
    caps.empty_tables(con)
    con.execute(
        "CREATE TABLE dec (cidx INTEGER, row_id BIGINT, person_key VARCHAR, fit_score DOUBLE,"
        " reason VARCHAR, detail VARCHAR, eligible_again_on DATE)"
    )
    people = sorted(set(touches) | set(scores or {}))
    rows = [
        (c.cidx, i, p, (scores or {}).get(p, 0.5), None, None, None)
        for c in campaigns
        for i, p in enumerate(people)
    ]
    if rows:
        con.executemany("INSERT INTO dec VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    trows = [
        (p, camp, T + timedelta(days=d), f"run{n}", step, in_caps)
        for p, ts in touches.items()
        for n, (d, camp, step, in_caps) in enumerate(ts)
    ]
    if trows:
        con.executemany("INSERT INTO _led_touches VALUES (?, ?, ?, ?, ?, ?, NULL)", trows)
    if responses:
        con.executemany(
            "INSERT INTO _led_responses VALUES (?, NULL, ?, ?)",
            [(p, o, T + timedelta(days=d)) for p, o, d in responses],
        )
    return con


def _campaign(
    followups: tuple[int, ...] = (7,),
    *,
    w: int = 30,
    m: int = 1,
    exempt: float | None = None,
    count: bool = True,
    cid: str = "c",
    cidx: int = 0,
) -> caps.CampaignCaps:
    return caps.CampaignCaps(cidx, cid, w, m, exempt, 180, "inmail", followups, count)


def _steps(con: object) -> dict[tuple[int, str], int]:
    return {
        (c, p): s
        for c, p, s in con.execute("SELECT cidx, person_key, step FROM dec_steps").fetchall()  # type: ignore[attr-defined]
    }


def test_followup_due_not_due_responded_and_done() -> None:
    con = _con(
        {
            "due": [(-8, "c", 0, True)],
            "early": [(-3, "c", 0, True)],
            "replied": [(-8, "c", 0, True)],
            "done": [(-40, "c", 0, True), (-20, "c", 1, True)],
            "new": [],
        },
        [_campaign((7,), w=5)],
        responses=[("replied", "replied", -2), ("due", "not_interested", -30)],
    )
    caps.apply(con, T)  # type: ignore[arg-type]
    got = _decisions(con)  # type: ignore[arg-type]
    assert got[(0, "due")] == (None, None)  # an outcome before the campaign wrote is no answer
    assert got[(0, "early")] == ("followup_not_due", T + timedelta(days=4))
    assert got[(0, "replied")] == ("followup_not_due", None)
    assert got[(0, "done")] == ("already_contacted_for_campaign", None)
    assert got[(0, "new")] == (None, None)
    assert _steps(con) == {(0, "due"): 1}
    details = dict(con.execute("SELECT person_key, detail FROM dec").fetchall())  # type: ignore[attr-defined]
    assert details["early"] == (
        "followup_not_due: step 0 of c sent on 2026-06-12 (run run0); step 1 due on 2026-06-19"
    )
    assert details["replied"] == (
        "followup_not_due: responded (replied on 2026-06-13) after step 0 of c; no follow-up"
    )
    assert details["done"] == (
        "already_contacted_for_campaign: touched for c on 2026-05-26 (run run1); all 2 steps sent"
    )


def test_without_followups_a_touch_is_already_contacted_as_before() -> None:
    con = _con({"p": [(-400, "c", None, True)]}, [_campaign(())])
    caps.apply(con, T)  # type: ignore[arg-type]
    assert _decisions(con)[(0, "p")] == ("already_contacted_for_campaign", None)  # type: ignore[arg-type]
    (detail,) = con.execute("SELECT detail FROM dec").fetchone()  # type: ignore[attr-defined]
    assert detail == "already_contacted_for_campaign: touched for c on 2025-05-11 (run run0)"


def test_followup_counts_for_caps_and_is_never_exempt() -> None:
    # Due after 7 days, but the 30-day cap holds the first touch: capped until it leaves.
    con = _con({"p": [(-8, "c", 0, True)]}, [_campaign((7,), w=30, exempt=0.9)], {"p": 0.99})
    caps.apply(con, T)  # type: ignore[arg-type]
    assert _decisions(con)[(0, "p")] == ("frequency_cap", T + timedelta(days=22))  # type: ignore[arg-type]
    # The same person as a first touch of another campaign would be exempt.
    con = _con({"p": [(-8, "x", 0, True)]}, [_campaign((7,), w=30, exempt=0.9)], {"p": 0.99})
    caps.apply(con, T)  # type: ignore[arg-type]
    assert _decisions(con)[(0, "p")] == (None, None)  # type: ignore[arg-type]


def test_followups_count_false_neither_checks_nor_counts() -> None:
    con = _con(
        {"p": [(-8, "c", 0, True)], "q": [(-3, "other", 1, False)]},
        [_campaign((7,), w=30, count=False), _campaign((), w=30, cid="d", cidx=1)],
    )
    caps.apply(con, T)  # type: ignore[arg-type]
    got = _decisions(con)  # type: ignore[arg-type]
    assert got[(0, "p")] == (None, None)  # the follow-up is outside the caps
    assert got[(1, "p")][0] == "frequency_cap"  # a first message of d is not
    assert got[(1, "q")] == (None, None)  # an uncounted follow-up fills no window


touch = st.tuples(
    st.integers(-60, 5), st.sampled_from(["c", "c", "x"]), st.sampled_from([None, 0, 1, 2])
)


@settings(max_examples=150, deadline=None)
@given(
    touches=st.dictionaries(
        st.sampled_from(["p1", "p2", "p3"]), st.lists(touch, max_size=4), max_size=3
    ),
    responses=st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.integers(-70, 5)), max_size=3
    ),
    followups=st.lists(st.integers(1, 20), max_size=2).map(tuple),
    w=st.integers(1, 30),
    m=st.integers(1, 3),
    count=st.booleans(),
    exempt=st.sampled_from([None, 0.9]),
    score=st.sampled_from([0.5, 0.95]),
)
def test_followups_match_reference(
    touches: dict[str, list[tuple[int, str, int | None]]],
    responses: list[tuple[str, int]],
    followups: tuple[int, ...],
    w: int,
    m: int,
    count: bool,
    exempt: float | None,
    score: float,
) -> None:
    """Every decision of the ledger step equals the rules written out in Python."""
    people = ["p1", "p2", "p3"]
    data = {
        p: [(d, c, s, not (s not in (None, 0) and not count)) for d, c, s in touches.get(p, [])]
        for p in people
    }
    con = _con(
        data,
        [_campaign(followups, w=w, m=m, exempt=exempt, count=count)],
        dict.fromkeys(people, score),
        [(p, "replied", d) for p, d in responses],
    )
    caps.apply(con, T)  # type: ignore[arg-type]
    got = _decisions(con)  # type: ignore[arg-type]
    steps = _steps(con)
    for p in people:
        mine = [(d, s) for d, c, s, _ in data[p] if c == "c"]
        in_caps = [d for d, _c, _s, counts in data[p] if counts]
        step = 0
        expected: tuple[str | None, date | None]
        if mine:
            step = max(s or 0 for _, s in mine) + 1
            first, last = min(d for d, _ in mine), max(d for d, _ in mine)
            answered = any(rp == p and d >= first for rp, d in responses)
            if step > len(followups):
                expected = ("already_contacted_for_campaign", None)
            elif answered:
                expected = ("followup_not_due", None)
            elif last + followups[step - 1] > 0:
                expected = ("followup_not_due", T + timedelta(days=last + followups[step - 1]))
            else:
                expected = (None, None)
        else:
            expected = (None, None)
        if expected == (None, None) and (step == 0 or count):
            limit = m + 1 if exempt is not None and score >= exempt and step == 0 else m
            if ref_capped(in_caps, 0, w, limit):
                assert got[(0, p)][0] == "frequency_cap", (p, data[p])
                continue
        assert got[(0, p)] == expected, (p, data[p], responses)
        if expected == (None, None) and step:
            assert steps[(0, p)] == step
        else:
            assert (0, p) not in steps


# --------------------------------------------------------------------------- campaign file

BASE = """\
version: 1
id: fu
role: {title: Data Engineer, company: Acme}
sender: {id: dana, name: Dana}
candidates: {paths: [c.csv]}
message:
  body: "Hi {{ first_name }}, Acme is hiring a {{ role.title }} like {{ current_title }}. Call?"
  followups:
"""


def _parse(followups: str) -> object:
    return parse_campaign(BASE + followups, Path("fu.yaml"))


def test_followups_bounded() -> None:
    fu = '    - {after_days: 7, body: "Hi {{ first_name }}, any thoughts? {{ role.title }}"}\n'
    with pytest.raises(ConfigError) as exc:
        _parse(fu * 3)
    assert "fu.yaml:8: message.followups: List should have at most 2 items" in str(exc.value)
    with pytest.raises(ConfigError) as exc:
        _parse(fu.replace("7", "366"))
    assert "message.followups[0].after_days: Input should be less than or equal to 365" in str(
        exc.value
    )
    with pytest.raises(ConfigError) as exc:
        _parse(fu.replace("7", "0"))
    assert "followups[0].after_days: Input should be greater than or equal to 1" in str(exc.value)
    campaign = _parse(fu * 2)
    assert campaign.message.steps == 3  # type: ignore[attr-defined]


def test_followup_template_error_names_its_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "fu.yaml"
    path.write_text(
        BASE + "    - after_days: 7\n"
        "      body: |\n"
        "        Hi {{ first_name }},\n"
        "        {{ nmae }} at {{ role.company }}?\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        personalize.validate_templates(load_campaign(path))
    assert str(exc.value).startswith(
        f"{path}:12: message.followups[0].body (template line 2): unknown field 'nmae'"
    )


def test_followup_is_linted_under_its_own_key() -> None:
    campaign = _parse(
        "    - after_days: 7\n"
        '      body: "Hello there, I hope this finds you well. {{ role.title }}?"\n'
    )
    findings = [
        (f.field, f.rule, f.severity)
        for f in lint.lint_campaign(campaign, columns={})  # type: ignore[arg-type]
    ]
    assert ("followups[0].body", "generic-greeting", "error") in findings
    assert ("followups[0].body", "canned-phrase", "warning") in findings
    assert not [f for f in findings if f[0] == "body" and f[1] == "generic-greeting"]


def test_followup_renders_with_the_same_fields() -> None:
    campaign = _parse(
        "    - after_days: 7\n"
        '      body: "Hi {{ first_name }}, keen on {{ role.title }} as {{ current_title }}?"\n'
    )
    sample = personalize.sample_recipient(campaign)  # type: ignore[arg-type]
    first = personalize.render(campaign, [sample])[0]  # type: ignore[arg-type]
    second = personalize.render(campaign, [sample], step=1)[0]  # type: ignore[arg-type]
    assert second.ok and second.subject == first.subject
    assert (
        second.message
        == f"Hi {first.first_name}, keen on Data Engineer as {sample['current_title']}?"
    )


# --------------------------------------------------------------------------- end to end

CSV = """candidate_id,first_name,last_name,email,title,skills
1,Ann,Lee,ann@example.com,Data Engineer,py
2,Bob,Ray,bob@example.com,Data Engineer,py
"""


def _send_list(out: Path) -> list[dict[str, str]]:
    import csv

    with (out / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _excluded(out: Path) -> dict[str, tuple[str, str, str]]:
    import csv

    with (out / "excluded.csv").open(encoding="utf-8", newline="") as fh:
        return {
            r["candidate_id"]: (r["reason"], r["detail"], r["eligible_again_on"])
            for r in csv.DictReader(fh)
        }


def test_build_sequence_with_followups_and_a_reply(tmp_path: Path) -> None:
    from tests.ledger_support import ledger_rows, real_build, write_campaign

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = write_campaign(tmp_path, "camp-a", ["c.csv"], window=5, followups=[7, 14])
    ledger = tmp_path / ".planner" / "ledger.duckdb"

    def build(day: date, name: str) -> Path:
        real_build([campaign], ledger, day, tmp_path / name)
        return tmp_path / name

    first = _send_list(build(date(2026, 3, 1), "d1"))
    assert [(r["candidate_id"], r["step"]) for r in first] == [("1", "0"), ("2", "0")]
    assert first[0]["subject"] == "Data Engineer at Acme Analytics"
    assert first[0]["message"].startswith("Hi Ann, your work as Data Engineer caught my eye.")

    early = build(date(2026, 3, 6), "d6")
    assert _send_list(early) == []
    reason, detail, again = _excluded(early)["1"]
    assert (reason, again) == ("followup_not_due", "2026-03-08")
    assert detail.startswith("followup_not_due: step 0 of camp-a sent on 2026-03-01 (run ")
    assert detail.endswith("); step 1 due on 2026-03-08")

    second = _send_list(build(date(2026, 3, 8), "d8"))
    assert [(r["candidate_id"], r["step"]) for r in second] == [("1", "1"), ("2", "1")]
    assert second[1]["subject"] == "Re: Data Engineer at Acme Analytics"
    assert second[1]["message"] == (
        "Hi Bob, a short reminder (1) about the Data Engineer role at Acme Analytics for a Data"
        " Engineer. Would a short call suit you? - Dana Reyes"
    )

    from planner.ledger.commands import import_outcomes

    replies = tmp_path / "replies.csv"
    replies.write_text("email,outcome,date\nann@example.com,replied,2026-03-09\n", "utf-8")
    import_outcomes(replies, ledger)

    third = build(date(2026, 3, 22), "d22")
    assert [(r["candidate_id"], r["step"]) for r in _send_list(third)] == [("2", "2")]
    assert _excluded(third)["1"] == (
        "followup_not_due",
        "followup_not_due: responded (replied on 2026-03-09) after step 1 of camp-a; no follow-up",
        "",
    )
    last = build(date(2026, 5, 1), "d61")
    assert _send_list(last) == []
    assert {k: v[0] for k, v in _excluded(last).items()} == {
        "1": "followup_not_due",
        "2": "already_contacted_for_campaign",
    }
    assert _excluded(last)["2"][1].endswith("; all 3 steps sent")
    rows = ledger_rows(
        ledger,
        "SELECT i.value, t.touched_on, t.step, t.counts_in_caps FROM touches t"
        " JOIN identities i USING (person_key) ORDER BY 2, 1",
    )
    assert rows == [
        ("ann@example.com", date(2026, 3, 1), 0, True),
        ("bob@example.com", date(2026, 3, 1), 0, True),
        ("ann@example.com", date(2026, 3, 8), 1, True),
        ("bob@example.com", date(2026, 3, 8), 1, True),
        ("bob@example.com", date(2026, 3, 22), 2, True),
    ]


def test_followups_wait_for_the_cap_unless_they_do_not_count(tmp_path: Path) -> None:
    from tests.ledger_support import ledger_rows, real_build, write_campaign

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    counted = write_campaign(tmp_path, "counted", ["c.csv"], window=30, followups=[7])
    free = write_campaign(
        tmp_path, "free", ["c.csv"], window=30, followups=[7], followups_count=False
    )
    for campaign in (counted, free):
        ledger = tmp_path / campaign.stem / "ledger.duckdb"
        real_build([campaign], ledger, date(2026, 3, 1), tmp_path / campaign.stem / "1")
        real_build([campaign], ledger, date(2026, 3, 9), tmp_path / campaign.stem / "2")
    capped = _excluded(tmp_path / "counted" / "2")["1"]
    assert capped[0] == "frequency_cap" and capped[2] == "2026-03-31"
    assert [r["step"] for r in _send_list(tmp_path / "free" / "2")] == ["1", "1"]
    assert ledger_rows(
        tmp_path / "free" / "ledger.duckdb",
        "SELECT step, counts_in_caps, count(*) FROM touches GROUP BY ALL ORDER BY 1",
    ) == [(0, True, 2), (1, False, 2)]


def test_dry_run_json_and_v1_ledger(tmp_path: Path) -> None:
    """The dry-run document carries `step`; a ledger of schema version 1 migrates with its
    touches read as first messages that count."""
    import duckdb

    from planner import pipeline
    from planner.ledger import open_for_build
    from planner.ledger.schema import MIGRATIONS
    from tests.ledger_support import ledger_rows, write_campaign

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = write_campaign(tmp_path, "camp-a", ["c.csv"], window=5, followups=[7])
    ledger = tmp_path / "ledger.duckdb"
    con = duckdb.connect()
    con.execute("ATTACH ? AS ledger", [str(ledger)])
    for statement in MIGRATIONS[1]:
        con.execute(statement)
    con.execute("INSERT INTO ledger.schema_info VALUES (1, now(), 'old')")
    con.execute(
        "INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at) VALUES"
        " ('old-run', 1, 'import', 'committed', DATE '2026-03-01', now())"
    )
    con.execute(
        "INSERT INTO ledger.persons VALUES ('email:ann@example.com', 'email:ann@example.com', 1,"
        " DATE '2026-03-01')"
    )
    con.execute(
        "INSERT INTO ledger.identities VALUES ('email', 'ann@example.com',"
        " 'email:ann@example.com', 1)"
    )
    con.execute(
        "INSERT INTO ledger.touches VALUES ('old-run', 'email:ann@example.com', 'camp-a',"
        " DATE '2026-03-01', 'inmail', 'dana', 0.5, 'counted')"
    )
    con.close()
    ledger.chmod(0o600)
    led = open_for_build(ledger, dry_run=False)  # migrates
    led.close()
    assert ledger_rows(ledger, "SELECT step, counts_in_caps FROM touches") == [(None, True)]
    led = open_for_build(ledger, dry_run=True)
    try:
        with pipeline.plan([campaign], as_of=date(2026, 3, 8), ledger=led) as plan:
            doc = pipeline.plan_json(plan)
    finally:
        led.close()
    steps = {r["candidate_id"]: r["step"] for r in doc["recipients"]}
    assert steps == {"1": 1, "2": 0}
    assert doc["funnel"]["camp-a"]["followup_not_due"] == 0
