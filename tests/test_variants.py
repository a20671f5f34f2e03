"""Message variants (issue 21, part 2): the campaign keys, lint and templates of variants, the
deterministic assignment by person key, the send list's `variant`, the ledger's touches
(migration 4) and `planner ledger stats --variants` with its two-proportion z-test."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import lint, personalize
from planner.config import load_campaign, parse_campaign
from planner.errors import ConfigError, LedgerError
from planner.ledger import responses
from planner.pipeline.recipients import VARIANT_SQL

# --------------------------------------------------------------------------- campaign file

HEAD = """\
version: 1
id: ab
role: {title: Data Engineer, company: Acme}
sender: {id: dana, name: Dana}
candidates: {paths: [c.csv]}
message:
"""

BODY_A = "Hi {{ first_name }}, Acme is hiring a {{ role.title }} like {{ current_title }}. Call?"
BODY_B = "Hello {{ first_name }}, as {{ current_title }} you may like our {{ role.title }} role?"

TWO = (
    "  variants:\n"
    f'    - {{id: a, body: "{BODY_A}"}}\n'
    f'    - id: b\n      subject: "{{{{ first_name }}}}, a {{{{ role.title }}}} role?"\n'
    f'      body: "{BODY_B}"\n'
)


def _parse(message: str, name: str = "ab.yaml") -> Any:
    return parse_campaign(HEAD + message, Path(name))


def _error(message: str) -> str:
    with pytest.raises(ConfigError) as exc:
        _parse(message)
    return "\n".join(exc.value.problems) or str(exc.value)


def test_two_variants_parse_with_their_own_subject_or_the_message_s() -> None:
    campaign = _parse(TWO)
    message = campaign.message
    assert [v.id for v in message.variant_list] == ["a", "b"]
    assert message.subject_of(0) == message.subject == "{{ role.title }} at {{ role.company }}"
    assert message.subject_of(1) == "{{ first_name }}, a {{ role.title }} role?"
    assert message.body_of(0, 1) == BODY_B
    assert message.variant_index("b") == 1 and message.variant_index("z") is None
    # No variants: None, not an empty list, and nothing else changes.
    plain = _parse(f'  body: "{BODY_A}"\n')
    assert plain.message.variants is None and plain.message.variant_list == []


def test_a_campaign_with_variants_survives_the_ledger_s_json_round_trip() -> None:
    from planner.config import campaign_from_dict

    for message in (TWO, f'  body: "{BODY_A}"\n'):
        campaign = _parse(message)
        again = campaign_from_dict(json.loads(campaign.model_dump_json(by_alias=True)), Path("x"))
        assert again.message == campaign.message


def test_variant_errors_name_file_line_and_key() -> None:
    dup = _error(
        f'  variants:\n    - {{id: a, body: "{BODY_A}"}}\n    - {{id: b, body: "{BODY_B}"}}\n'
        f'    - {{id: a, body: "{BODY_B}"}}\n'
    )
    assert (
        "ab.yaml:7: message.variants: duplicate variant id 'a' (variants[0] and variants[2])" in dup
    )
    empty = _error("  variants: []\n")
    assert "ab.yaml:7: message.variants: List should have at least 2 items" in empty
    one = _error(f'  variants:\n    - {{id: a, body: "{BODY_A}"}}\n')
    assert "message.variants: List should have at least 2 items after validation, not 1" in one
    bad = _error(
        f'  variants:\n    - {{id: A_1, body: "{BODY_A}"}}\n    - {{id: b, body: "{BODY_B}"}}\n'
    )
    assert "ab.yaml:8: message.variants[0].id: String should match pattern" in bad
    assert "hint: use lowercase letters, digits and '-' only" in bad
    no_body = _error('  variants:\n    - {id: a}\n    - {id: b, body: "x"}\n')
    assert "message.variants[0].body: required key is missing" in no_body
    unknown = _error(
        f'  variants:\n    - {{id: a, bdy: "{BODY_A}"}}\n    - {{id: b, body: "{BODY_B}"}}\n'
    )
    assert "message.variants[0].bdy: unknown key (hint: did you mean 'body'?)" in unknown
    both = _error(f'  body: "{BODY_A}"\n' + TWO)
    assert "message.body and message.variants are both set" in both
    many = "".join(f'    - {{id: v{i}, body: "{BODY_A}"}}\n' for i in range(11))
    assert "List should have at most 10 items" in _error("  variants:\n" + many)


def test_variant_template_error_names_its_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ab.yaml"
    path.write_text(
        HEAD + "  variants:\n"
        f'    - {{id: a, body: "{BODY_A}"}}\n'
        "    - id: b\n"
        '      subject: "{{ frist_name }}"\n'
        "      body: |\n"
        "        Hi {{ first_name }},\n"
        "        {{ nmae }} at {{ role.company }}?\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        personalize.validate_templates(load_campaign(path))
    assert len(exc.value.problems) == 2
    assert exc.value.problems[0] == (
        f"{path}:10: message.variants[1].subject (template line 1): unknown field"
        " 'frist_name' (hint: did you mean 'first_name'?)"
    )
    assert exc.value.problems[1].startswith(
        f"{path}:13: message.variants[1].body (template line 2): unknown field 'nmae'"
    )


def test_each_variant_is_linted_under_its_own_key() -> None:
    campaign = _parse(
        "  subject: HUGE news\n"
        "  variants:\n"
        f'    - {{id: a, body: "{BODY_A}"}}\n'
        '    - {id: b, body: "Hello there, I hope this finds you well. {{ role.title }}?"}\n'
        '    - {id: c, subject: "{{ first_name }}?", body: "' + BODY_B + '"}\n'
    )
    findings = [(f.field, f.rule) for f in lint.lint_campaign(campaign, columns={})]
    assert ("variants[1].body", "generic-greeting") in findings
    assert ("variants[1].body", "canned-phrase") in findings
    # Only the short InMail is wrong with the other two.
    assert {f for f in findings if f[0] in ("variants[0].body", "variants[2].body")} == {
        ("variants[0].body", "inmail-length"),
        ("variants[2].body", "inmail-length"),
    }
    # The shared subject is the message's: its shouting is reported once, under `subject`;
    # variant c has its own subject, which does not shout.
    assert findings.count(("subject", "shouting")) == 1
    assert not [f for f in findings if f[0] == "variants[2].subject"]
    assert not [f for f in findings if f[0] == "body"]  # message.body is not used
    # Order: subject, then each variant, then the follow-ups.
    assert findings[0] == ("subject", "shouting")


def test_variant_renders_its_body_and_subject() -> None:
    campaign = _parse(TWO)
    sample = personalize.sample_recipient(campaign)
    a = personalize.render(campaign, [sample], variant=0)[0]
    b = personalize.render(campaign, [sample], variant=1)[0]
    assert a.ok and b.ok
    assert a.subject == "Data Engineer at Acme"
    assert b.subject == f"{b.first_name}, a Data Engineer role?"
    assert b.message == (
        f"Hello {b.first_name}, as {sample['current_title']} you may like our Data Engineer role?"
    )


# --------------------------------------------------------------------------- assignment


def reference_variant(campaign_id: str, person_key: str, ids: list[str]) -> str:
    """Obviously-correct assignment: MD5 of "campaign:person", little-endian, modulo len."""
    digest = hashlib.md5(f"{campaign_id}:{person_key}".encode()).digest()
    return ids[int.from_bytes(digest, "little") % len(ids)]


def assign(campaign_id: str, keys: list[str], ids: list[str]) -> list[str | None]:
    """The pipeline's SQL expression (VARIANT_SQL) over `keys`, in their order."""
    con = duckdb.connect()
    try:
        con.register("k", pl.DataFrame({"pos": range(len(keys)), "key": keys}))
        sql = f"SELECT {VARIANT_SQL.replace('{key}', 'key')} FROM k ORDER BY pos"
        rows = con.execute(sql, {"campaign_id": campaign_id, "variants": ids}).fetchall()
        return [r[0] for r in rows]
    finally:
        con.close()


keys_st = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=40, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    keys=keys_st,
    others=st.lists(st.text(min_size=1, max_size=30), max_size=20),
    ids=st.lists(
        st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True), min_size=2, max_size=10, unique=True
    ),
    campaign_id=st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True),
    seed=st.randoms(use_true_random=False),
)
def test_assignment_depends_on_the_person_alone(
    keys: list[str], others: list[str], ids: list[str], campaign_id: str, seed: Any
) -> None:
    """Same person -> same variant, whatever the order of the rows and whoever else is in the
    build; and it is the MD5 reference's."""
    alone = dict(zip(keys, assign(campaign_id, keys, ids), strict=True))
    mixed = [*keys, *others]
    seed.shuffle(mixed)
    together = dict(zip(mixed, assign(campaign_id, mixed, ids), strict=True))
    assert {k: together[k] for k in keys} == alone
    assert alone == {k: reference_variant(campaign_id, k, ids) for k in keys}


def test_assignment_is_balanced_and_none_without_variants() -> None:
    keys = [f"p{hashlib.sha256(str(i).encode()).hexdigest()[:16]}" for i in range(6000)]
    for ids in (["a", "b"], ["a", "b", "c"]):
        got = assign("acme-data-eng", keys, ids)
        share = {v: got.count(v) / len(keys) for v in ids}
        assert all(abs(s - 1 / len(ids)) < 0.03 for s in share.values()), share
    # Another campaign splits the same people independently.
    a = assign("acme-data-eng", keys, ["a", "b"])
    b = assign("other-campaign", keys, ["a", "b"])
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(keys)
    assert 0.45 < agree < 0.55
    assert assign("acme", keys[:3], []) == [None, None, None]


# --------------------------------------------------------------------------- end to end

CSV = "candidate_id,first_name,last_name,email,title,skills\n" + "".join(
    f"{i},Ann{chr(97 + i)},Lee,p{i}@example.com,Data Engineer,py\n" for i in range(12)
)


def _campaign(directory: Path, *, variants: bool = True) -> Path:
    from tests.ledger_support import write_campaign

    path = write_campaign(directory, "camp-a", ["c.csv"], window=5, max_touches=5, followups=[7])
    if variants:
        text = path.read_text(encoding="utf-8")
        start = text.index("  body:")
        end = text.index("  min_personal_fields", start)
        text = (
            text[:start]
            + "  variants:\n"
            + '    - {id: short, body: "Hi {{ first_name }}, you as {{ current_title }} at'
            ' {{ role.company }}? Call?"}\n'
            + '    - id: long\n      subject: "{{ first_name }}: {{ role.title }}"\n'
            + '      body: "Hello {{ first_name }}, {{ role.company }} needs a {{ role.title }}'
            ' like you ({{ current_title }}). Would a short call suit you?"\n' + text[end:]
        )
        path.write_text(text, encoding="utf-8")
    return path


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_build_assigns_records_and_keeps_variants_across_steps(tmp_path: Path) -> None:
    from tests.ledger_support import ledger_rows, real_build

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = _campaign(tmp_path)
    ledger = tmp_path / "ledger.duckdb"
    real_build([campaign], ledger, date(2026, 3, 1), tmp_path / "d1")
    first = _rows(tmp_path / "d1")
    assert len(first) == 12 and list(first[0])[-2:] == ["step", "variant"]
    ids = ["short", "long"]
    assert {r["person_key"]: r["variant"] for r in first} == {
        r["person_key"]: reference_variant("camp-a", r["person_key"], ids) for r in first
    }
    assert {r["variant"] for r in first} == {"short", "long"}
    for r in first:
        if r["variant"] == "short":
            assert r["subject"] == "Data Engineer at Acme Analytics"
            assert r["message"].endswith("at Acme Analytics? Call?")
        else:
            assert r["subject"] == f"{r['first_name']}: Data Engineer"
            assert r["message"].startswith(f"Hello {r['first_name']}, Acme Analytics needs")
    # A follow-up keeps the person's variant (the body is shared), under its subject.
    real_build([campaign], ledger, date(2026, 3, 8), tmp_path / "d8")
    second = _rows(tmp_path / "d8")
    before = {r["person_key"]: r for r in first}
    assert len(second) == 12
    for r in second:
        assert r["step"] == "1" and r["variant"] == before[r["person_key"]]["variant"]
        assert r["subject"] == "Re: " + before[r["person_key"]]["subject"]
        assert r["message"].startswith(f"Hi {r['first_name']}, a short reminder (1)")
    from planner.ledger.commands import history

    someone = first[0]
    assert [(t["step"], t["variant"]) for t in history(someone["email"], ledger)["touches"]] == [
        (0, someone["variant"]),
        (1, someone["variant"]),
    ]
    touches = ledger_rows(ledger, "SELECT person_key, step, variant FROM touches ORDER BY 1, 2")
    assert touches == sorted(
        [(k, 0, r["variant"]) for k, r in before.items()]
        + [(k, 1, r["variant"]) for k, r in before.items()]
    )


def test_dry_run_json_and_formats_carry_the_variant(tmp_path: Path) -> None:
    from planner import pipeline
    from planner.ledger import open_for_build

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = _campaign(tmp_path)
    led = open_for_build(tmp_path / "ledger.duckdb", dry_run=True)
    try:
        with pipeline.plan([campaign], as_of=date(2026, 3, 1), ledger=led) as plan:
            doc = pipeline.plan_json(plan)
    finally:
        led.close()
    assert {r["person_key"]: r["variant"] for r in doc["recipients"]} == {
        r["person_key"]: reference_variant("camp-a", r["person_key"], ["short", "long"])
        for r in doc["recipients"]
    }


def test_a_build_s_variants_do_not_depend_on_row_order_or_other_rows(tmp_path: Path) -> None:
    """End to end: the same people in another order, among others, get the same variants."""
    from planner import pipeline
    from planner.ledger import open_for_build

    header, *lines = CSV.splitlines()
    extra = [
        f"{i},Bea{chr(97 + i - 20)},Ray,q{i}@example.com,Data Engineer,py" for i in range(20, 27)
    ]

    def variants(rows: list[str], name: str) -> dict[str, str]:
        directory = tmp_path / name
        directory.mkdir()
        (directory / "c.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        led = open_for_build(directory / "ledger.duckdb", dry_run=True)
        try:
            with pipeline.plan([_campaign(directory)], as_of=date(2026, 3, 1), ledger=led) as plan:
                (p,) = plan.campaigns
                return dict(zip(p.recipients["email"], p.recipients["variant"], strict=True))
        finally:
            led.close()

    alone = variants(lines, "alone")
    mixed = variants([*extra[:3], *reversed(lines), *extra[3:]], "mixed")
    assert len(alone) == 12 and len(mixed) == 19
    assert {k: mixed[k] for k in alone} == alone


def test_campaign_without_variants_has_an_empty_variant_and_null_in_the_ledger(
    tmp_path: Path,
) -> None:
    from tests.ledger_support import ledger_rows, real_build

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = _campaign(tmp_path, variants=False)
    ledger = tmp_path / "ledger.duckdb"
    real_build([campaign], ledger, date(2026, 3, 1), tmp_path / "d1")
    rows = _rows(tmp_path / "d1")
    assert len(rows) == 12 and {r["variant"] for r in rows} == {""}
    assert all(r["message"].startswith(f"Hi {r['first_name']}, your work") for r in rows)
    assert ledger_rows(ledger, "SELECT DISTINCT variant FROM touches") == [(None,)]


# --------------------------------------------------------------------------- ledger


def _v3_ledger(path: Path) -> None:
    from planner.ledger.schema import MIGRATIONS

    con = duckdb.connect()
    con.execute("ATTACH ? AS ledger", [str(path)])
    for version in (1, 2, 3):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
        con.execute("INSERT INTO ledger.schema_info VALUES (?, now(), 'old')", [version])
    con.execute(
        "INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at) VALUES"
        " ('old-run', 1, 'build', 'committed', DATE '2026-03-01', now())"
    )
    con.execute(
        "INSERT INTO ledger.persons VALUES ('email:p0@example.com', 'email:p0@example.com', 1,"
        " DATE '2026-03-01')"
    )
    con.execute(
        "INSERT INTO ledger.identities VALUES ('email', 'p0@example.com',"
        " 'email:p0@example.com', 1)"
    )
    con.execute(
        "INSERT INTO ledger.touches VALUES ('old-run', 'email:p0@example.com', 'camp-a',"
        " DATE '2026-03-01', 'inmail', 'dana', 0.5, 'counted', 0, TRUE)"
    )
    con.close()
    path.chmod(0o600)


def test_a_version_3_ledger_migrates_in_place(tmp_path: Path) -> None:
    from planner.ledger import open_for_build
    from planner.ledger.commands import migrate
    from tests.ledger_support import ledger_rows, real_build

    ledger = tmp_path / "ledger.duckdb"
    _v3_ledger(ledger)
    with pytest.raises(LedgerError, match="version 3 needs migrating to 4"):
        open_for_build(ledger, dry_run=True).close()
    assert migrate(ledger)["schema_version"] == 4
    assert ledger_rows(ledger, "SELECT run_id, step, counts_in_caps, variant FROM touches") == [
        ("old-run", 0, True, None)
    ]
    assert ledger_rows(ledger, "SELECT version FROM schema_info ORDER BY 1") == [
        (1,),
        (2,),
        (3,),
        (4,),
    ]
    # The old touch is a first message without a variant: the follow-up keeps none, under
    # the message's subject; everyone else is new and gets one.
    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    real_build([_campaign(tmp_path)], ledger, date(2026, 3, 8), tmp_path / "d8")
    rows = {r["candidate_id"]: r for r in _rows(tmp_path / "d8")}
    assert (rows["0"]["step"], rows["0"]["variant"]) == ("1", "")
    assert rows["0"]["subject"] == "Re: Data Engineer at Acme Analytics"
    assert {r["variant"] for c, r in rows.items() if c != "0"} == {"short", "long"}


# --------------------------------------------------------------------------- stats


def test_two_proportion_test_matches_a_hand_computation() -> None:
    # 12/40 against 4/40: pooled p = 0.2, se = sqrt(0.2 * 0.8 * (1/40 + 1/40)) = sqrt(0.008),
    # z = 0.2 / 0.0894427 = 2.2360680 (= sqrt 5), p = erfc(sqrt 5 / sqrt 2) = 0.0253473.
    test = responses.two_proportion_test(12, 40, 4, 40)
    assert test.z == pytest.approx(math.sqrt(5), rel=1e-12)
    assert test.p_value == pytest.approx(0.0253473, abs=1e-7)
    # The same from the normal distribution's CDF (statistics.NormalDist, through math.erf).
    assert test.p_value == pytest.approx(2 * (1 - NormalDist().cdf(math.sqrt(5))), rel=1e-9)
    assert test.enough and test.meaningful
    # 10/50 against 6/50: pooled 0.16, z = 0.08 / sqrt(0.16 * 0.84 * 0.04) = 1.0910895,
    # p = 0.2752335: not meaningful.
    close = responses.two_proportion_test(10, 50, 6, 50)
    assert close.z == pytest.approx(1.0910895, abs=1e-7)
    assert close.p_value == pytest.approx(0.2752335, abs=1e-7)
    assert close.enough and not close.meaningful
    # 4/10 against 0/10: z = sqrt 5 again, p < 0.05, but 10 * 0.2 = 2 expected responses
    # per variant is too few for the normal approximation.
    few = responses.two_proportion_test(4, 10, 0, 10)
    assert few.p_value is not None and few.p_value < 0.05
    assert not few.enough and not few.meaningful
    assert responses.two_proportion_test(0, 30, 0, 30) == responses.ZTest(0.0, 1.0, False)
    assert responses.two_proportion_test(1, 0, 1, 5) == responses.ZTest(None, None, False)


def _stats_ledger(path: Path) -> None:
    """A hand-made ledger: camp-a (variants a and b, a follow-up for some), camp-b (variants,
    too few touches), camp-c (no variants)."""
    from planner.ledger.commands import migrate

    migrate(path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "INSERT INTO runs (run_id, seq, kind, status, as_of, created_at) VALUES"
            " ('r1', 1, 'build', 'committed', DATE '2026-03-01', now()),"
            " ('r2', 2, 'build', 'committed', DATE '2026-03-08', now()),"
            " ('o1', 3, 'outcomes', 'committed', DATE '2026-03-20', now()),"
            " ('o2', 4, 'outcomes', 'cancelled', DATE '2026-03-20', now())"
        )
        touches: list[tuple[Any, ...]] = []
        outcomes: list[tuple[Any, ...]] = []

        def touch(run: str, key: str, camp: str, day: int, step: int, variant: str | None) -> None:
            touches.append((run, key, camp, date(2026, 3, day), step, variant))

        def outcome(key: str, camp: str | None, day: int, run: str = "o1") -> None:
            outcomes.append((run, key, camp, "replied", date(2026, 3, day)))

        # camp-a, variant a: 40 people, 10 answer the first message; 5 of the 30 others get
        # the follow-up and 2 of them answer it.
        for i in range(40):
            touch("r1", f"a{i}", "camp-a", 1, 0, "a")
            if i < 10:
                outcome(f"a{i}", "camp-a", 3)
            elif i < 15:
                touch("r2", f"a{i}", "camp-a", 8, 1, "a")
                if i < 12:
                    outcome(f"a{i}", None, 10)
        # variant b: 40 people, 2 answer; 1 more answers later (no follow-up); a reply of a
        # cancelled import and one for another campaign do not count.
        for i in range(40):
            touch("r1", f"b{i}", "camp-a", 1, 0, "b")
        outcome("b0", "camp-a", 2)
        outcome("b1", "camp-a", 2)
        outcome("b2", "camp-a", 15)
        outcome("b3", "camp-a", 4, run="o2")
        outcome("b4", "camp-z", 4)
        # A reply after the as-of date is not known yet.
        outcome("b5", "camp-a", 25)
        # camp-b: 3 against 3.
        for i in range(3):
            touch("r1", f"c{i}", "camp-b", 1, 0, "x")
            touch("r1", f"d{i}", "camp-b", 1, 0, "y")
        outcome("c0", None, 2)
        # camp-c: no variants, not listed.
        touch("r1", "e0", "camp-c", 1, 0, None)
        con.executemany(
            "INSERT INTO touches (run_id, person_key, campaign_id, touched_on, channel,"
            " sender_id, fit_score, status, step, counts_in_caps, variant)"
            " VALUES (?, ?, ?, ?, 'inmail', 'dana', 0.5, 'counted', ?, TRUE, ?)",
            touches,
        )
        con.executemany(
            "INSERT INTO outcomes (run_id, person_key, campaign_id, outcome, outcome_on,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, now())",
            outcomes,
        )
        keys = sorted({t[1] for t in touches})
        con.executemany(
            "INSERT INTO persons VALUES (?, ?, ?, DATE '2026-03-01')",
            [(k, k, n) for n, k in enumerate(keys)],
        )
    finally:
        con.close()


def test_variant_stats_on_a_hand_made_ledger(tmp_path: Path) -> None:
    from planner.ledger.commands import variant_stats

    ledger = tmp_path / "ledger.duckdb"
    _stats_ledger(ledger)
    data = variant_stats(ledger, as_of=date(2026, 3, 20))
    got = [
        (r["campaign_id"], r["variant"], r["step"], r["touches"], r["responses"])
        for r in data["variants"]
    ]
    assert got == [
        ("camp-a", "a", 0, 40, 10),
        ("camp-a", "b", 0, 40, 3),
        ("camp-a", "a", 1, 5, 2),
        ("camp-a", "a", None, 40, 12),
        ("camp-a", "b", None, 40, 3),
        ("camp-b", "x", 0, 3, 1),
        ("camp-b", "y", 0, 3, 0),
        ("camp-b", "x", None, 3, 1),
        ("camp-b", "y", None, 3, 0),
    ]
    assert data["variants"][0]["rate"] == 0.25
    comparisons = {(c["campaign_id"], c["step"]): c for c in data["comparisons"]}
    assert set(comparisons) == {("camp-a", 0), ("camp-a", None), ("camp-b", 0), ("camp-b", None)}
    # camp-a step 0: 10/40 against 3/40. Pooled 13/80 = 0.1625; se = sqrt(0.1625 * 0.8375 *
    # 0.05) = 0.0824905; z = 0.175 / 0.0824905 = 2.12146; p = erfc(2.12146 / sqrt 2) = 0.03388.
    step0 = comparisons[("camp-a", 0)]
    assert (step0["leader"], step0["runner_up"]) == ("a", "b")
    assert step0["z"] == pytest.approx(0.175 / math.sqrt(0.1625 * 0.8375 * 0.05), rel=1e-9)
    assert step0["z"] == pytest.approx(2.12146, abs=1e-5)
    assert step0["p_value"] == pytest.approx(0.0338835, abs=1e-7)
    assert step0["p_value"] == pytest.approx(2 * (1 - NormalDist().cdf(step0["z"])), rel=1e-9)
    # 40 * 0.1625 = 6.5 expected responses: enough; p < 0.05: meaningful.
    assert step0["enough_samples"] and step0["meaningful"]
    assert step0["note"] == "a 10/40 vs b 3/40: p = 0.034 (two-proportion z-test); a is ahead"
    # All steps: 12/40 against 3/40: pooled 0.1875, z = 0.225 / sqrt(0.1875 * 0.8125 * 0.05).
    whole = comparisons[("camp-a", None)]
    z = 0.225 / math.sqrt(0.1875 * 0.8125 * 0.05)
    assert whole["z"] == pytest.approx(z, rel=1e-9)
    assert whole["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    small = comparisons[("camp-b", 0)]
    assert not small["enough_samples"] and not small["meaningful"]
    assert small["note"].startswith("x 1/3 vs y 0/3: too few samples to tell")
    assert small["note"].endswith("not yet meaningful")
    # The later reply counts once the as-of date reaches it; another sender has none.
    later = variant_stats(ledger, as_of=date(2026, 3, 25))
    assert later["variants"][1]["responses"] == 4
    assert variant_stats(ledger, sender="nobody", as_of=date(2026, 3, 20)) == {
        "variants": [],
        "comparisons": [],
    }


def test_stats_variants_cli_json_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.outcomes_support import run_main

    ledger = tmp_path / "ledger.duckdb"
    _stats_ledger(ledger)
    args = ("ledger", "stats", "--variants", "--ledger", str(ledger), "--as-of", "2026-03-20")
    code, out, err = run_main(capsys, *args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"variants", "comparisons"}
    assert doc["variants"][2] == {
        "campaign_id": "camp-a",
        "variant": "a",
        "step": 1,
        "touches": 5,
        "responses": 2,
        "rate": 0.4,
    }
    first = doc["comparisons"][0]
    assert set(first) == {
        "campaign_id",
        "step",
        "leader",
        "runner_up",
        "z",
        "p_value",
        "enough_samples",
        "meaningful",
        "note",
    }
    assert (first["campaign_id"], first["step"], first["meaningful"]) == ("camp-a", 0, True)
    code, out, err = run_main(capsys, *args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["campaign", "variant", "step", "touches", "responses", "rate"]
    assert ["camp-a", "a", "all", "40", "12", "30.0%"] in [line.split() for line in lines]
    assert (
        "camp-a, step 0: a 10/40 vs b 3/40: p = 0.034 (two-proportion z-test); a is ahead" in lines
    )
    assert any(line.startswith("camp-b, all steps: x 1/3 vs y 0/3: too few") for line in lines)
    # The weekly view is unchanged: a list of weeks.
    code, out, _ = run_main(
        capsys, "ledger", "stats", "--ledger", str(ledger), "--as-of", "2026-03-20", "--json"
    )
    assert code == 0 and isinstance(json.loads(out), list)
    empty = tmp_path / "empty.duckdb"
    code, out, err = run_main(capsys, "ledger", "stats", "--variants", "--ledger", str(empty))
    assert code == 0 and out == ""
    assert "no touches with a message variant in the ledger" in err


def test_a_version_3_postgresql_ledger_migrates_in_place(tmp_path: Path, pg_url: str) -> None:
    """The same migration on the server: a v3 ledger gains touches.variant, keeps its rows,
    and records the variants of the next build."""
    import psycopg

    from planner.ledger.commands import migrate
    from planner.ledger.pg import pg_migration
    from tests.ledger_support import real_build

    with psycopg.connect(pg_url) as con:
        for version in (1, 2, 3):
            for statement in pg_migration(version):
                con.execute(statement.encode())
            con.execute(
                "INSERT INTO ledger.schema_info (version, applied_at) VALUES (%s, now())",
                [version],
            )
        con.execute(
            "INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at) VALUES"
            " ('old-run', 1, 'build', 'committed', DATE '2026-03-01', now())"
        )
        con.execute(
            "INSERT INTO ledger.touches (run_id, person_key, campaign_id, touched_on, channel,"
            " sender_id, fit_score, status, step, counts_in_caps) VALUES ('old-run',"
            " 'email:zz@example.com', 'camp-z', DATE '2026-03-01', 'inmail', 'dana', 0.5,"
            " 'counted', 0, TRUE)"
        )
    with pytest.raises(LedgerError, match="version 3 needs migrating to 4"):
        from planner.ledger import commands

        commands.list_runs(pg_url)
    assert migrate(pg_url)["schema_version"] == 4
    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    real_build([_campaign(tmp_path)], pg_url, date(2026, 3, 8), tmp_path / "d8")  # type: ignore[arg-type]
    sent = {r["person_key"]: r["variant"] for r in _rows(tmp_path / "d8")}
    with psycopg.connect(pg_url) as con:
        rows = con.execute(
            "SELECT person_key, variant FROM ledger.touches ORDER BY person_key"
        ).fetchall()
        versions = con.execute("SELECT version FROM ledger.schema_info ORDER BY 1").fetchall()
    assert rows == sorted([("email:zz@example.com", None), *sent.items()])
    assert {v for _, v in rows} == {None, "short", "long"}
    assert versions == [(1,), (2,), (3,), (4,)]


def test_report_samples_mark_the_fields_of_each_row_s_variant() -> None:
    """The report marks what the row's own template used: variant b's subject prints
    first_name, the message's subject (variant a's) prints none."""
    from planner.report.data import samples_of

    campaign = _parse(TWO)
    frame = pl.DataFrame(
        [
            {"first_name": "Zoë", "current_title": "Data Engineer", "step": 0, "variant": v,
             "subject": s, "message": "x"}
            for v, s in (("a", "Data Engineer at Acme"), ("b", "Zoë, a Data Engineer role?"))
        ]
    )  # fmt: skip
    a, b = samples_of(campaign, "ab", frame)
    assert [seg.field for seg in a.subject] == [None]
    assert (b.subject[0].text, b.subject[0].field) == ("Zoë", "first_name")


def test_personal_share_of_a_build_is_judged_per_variant() -> None:
    """A build replaces the typical recipient's low-personal-share finding of one variant with
    the median of that variant's own recipients, and leaves the other variant's alone."""
    campaign = _parse(
        "  min_personal_share: 0.9\n"
        "  variants:\n"
        f'    - {{id: a, body: "{BODY_A}"}}\n'
        f'    - {{id: b, body: "{BODY_B}"}}\n'
    )
    findings = lint.lint_campaign(campaign, columns={})
    low = [f.field for f in findings if f.rule == "low-personal-share"]
    assert low == ["variants[0].body", "variants[1].body"]
    judged = lint.with_personal_share(findings, campaign, [0.95, 0.91, 0.2], "variants[0].body")
    low = [(f.field, f.message) for f in judged if f.rule == "low-personal-share"]
    assert [field for field, _ in low] == ["variants[1].body"]
    judged = lint.with_personal_share(findings, campaign, [0.1, 0.3, 0.2], "variants[0].body")
    mine = [
        f.message
        for f in judged
        if f.field == "variants[0].body" and f.rule == "low-personal-share"
    ]
    assert len(mine) == 1 and "median personal share 0.2000 over 3 recipients" in mine[0]


def test_explain_shows_the_step_and_variant_a_recipient_is_sent(tmp_path: Path) -> None:
    from planner import pipeline
    from planner.ledger import open_for_build
    from planner.ledger.run_explain import explain_run
    from tests.ledger_support import real_build

    (tmp_path / "c.csv").write_text(CSV, encoding="utf-8")
    campaign = _campaign(tmp_path)
    ledger = tmp_path / "ledger.duckdb"
    run = real_build([campaign], ledger, date(2026, 3, 1), tmp_path / "d1")
    sent = {r["email"]: r["variant"] for r in _rows(tmp_path / "d1")}
    # The past run says what it sent.
    assert run.run_id is not None
    [past] = explain_run(run.run_id, "p1@example.com", ledger)["campaigns"]
    assert (past["decision"], past["step"], past["variant"]) == (
        "recipient",
        0,
        sent["p1@example.com"],
    )
    led = open_for_build(ledger, dry_run=True)
    try:
        # A week later everyone is due their follow-up, which keeps their variant.
        with pipeline.plan([campaign], as_of=date(2026, 3, 8), ledger=led) as plan:
            for email in ["p0@example.com", "p1@example.com", "p2@example.com"]:
                [entry] = pipeline.explain(plan, email)
                assert (entry["decision"], entry["step"]) == ("recipient", 1)
                assert entry["variant"] == sent[email]
        # Two days later nobody is due: no message, so no step and no variant.
        with pipeline.plan([campaign], as_of=date(2026, 3, 3), ledger=led) as plan:
            [entry] = pipeline.explain(plan, "p0@example.com")
            assert entry["decision"] == "followup_not_due"
            assert (entry["step"], entry["variant"]) == (None, None)
    finally:
        led.close()
