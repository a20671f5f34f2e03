"""The build report (issue 16): what it shows, that it escapes and keeps personal data to
recipients, the files it writes, and `planner report RUN_ID`. The page in a real browser is
tests/test_report_browser.py."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import pipeline, report
from planner.contract import REASONS
from planner.errors import PlannerError
from planner.report import charts
from planner.report.data import Segment, split_marked
from tests.outcomes_support import run_main
from tests.report_support import (
    AS_OF,
    HOSTILE_COMPANY,
    add_hostile_recipient,
    dry_plan,
    example_dir,
    second_campaign,
)


def _svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_LEDGER", raising=False)
    return example_dir(tmp_path)


# --------------------------------------------------------------------------- contents


def test_funnel_counts_match_the_build_in_spec_order(example: Path) -> None:
    plan = dry_plan(example)
    try:
        data = report.from_plan(plan, dry_run=True)
        funnel = plan.campaigns[0].funnel
    finally:
        plan.close()
    shown = [(r["reason"], r["rows"]) for r in data.funnel]
    expected = [(k, n) for k in (*REASONS, "recipients") if (n := funnel.get(k, 0))]
    assert shown == expected
    assert shown[-1] == ("recipients", 7)
    assert ("location_mismatch", 3) in shown and ("invalid_row", 1) in shown
    # The chart draws the reasons in that order, top to bottom.
    svg = charts.to_svg(charts.funnel(data) or {})
    labels = [t for t in _svg_texts(svg) if t in {k for k, _ in shown}]
    assert labels == [k for k, _ in shown]


def test_score_bins_places_and_guardrail_are_aggregates_of_the_build(example: Path) -> None:
    plan = dry_plan(example)
    try:
        data = report.from_plan(plan, dry_run=True)
        scores = [s for s in plan.campaigns[0].recipients["fit_score"].to_list()]
        scored_excluded = plan.con.execute(
            "SELECT count(*) FROM dec WHERE reason IS NOT NULL AND fit_score IS NOT NULL"
            " AND reason <> 'duplicate_row'"
        ).fetchone()
    finally:
        plan.close()
    recipients = [s for s in data.scores if s["group"] == "recipients"]
    assert sum(s["rows"] for s in recipients) == 7
    for s in recipients:
        inside = [x for x in scores if s["low"] <= x < s["high"] or (s["high"] == 1 and x == 1)]
        assert len(inside) == s["rows"], s
    assert scored_excluded is not None
    assert sum(s["rows"] for s in data.scores if s["group"] == "excluded") == scored_excluded[0]
    assert {(c["country"], c["recipients"]) for c in data.countries} == {
        ("Germany", 6),
        ("Netherlands", 1),
    }
    assert data.cities[0] == {
        "campaign": "acme-senior-data-eng-2026q4",
        "country": "Germany",
        "city": "Berlin",
        "recipients": 4,
    }
    (g,) = data.guardrail
    assert (g["sender"], g["touches"], g["status"], g["min_response_rate"]) == (
        "dana",
        0,
        "ok",
        0.13,
    )


def test_charts_get_aggregates_never_a_row_per_candidate(tmp_path: Path) -> None:
    """Tripling the candidates leaves every chart's data the same size (counts grow)."""
    small = example_dir(tmp_path / "small")
    big = example_dir(tmp_path / "big")
    path = big.parent / "data" / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = []
    for copy in range(1, 3):
        for line in lines[1:]:
            # New ids and emails: other persons with the same profile.
            extra.append(
                line.replace("@example", f"{copy}@example").replace("/in/", f"/in/x{copy}-")
            )
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    sizes = []
    recipients = []
    for campaign in (small, big):
        plan = dry_plan(campaign)
        try:
            specs = charts.specs(report.from_plan(plan))
            recipients.append(plan.campaigns[0].recipients.height)
        finally:
            plan.close()
        sizes.append({k: len(v["data"]["values"]) for k, v in specs.items()})
    assert recipients == [7, 21]
    assert sizes[0] == sizes[1]
    assert max(sizes[0].values()) <= len(REASONS) + 1


def test_multi_campaign_overlap_and_who_went_where(tmp_path: Path) -> None:
    first = example_dir(tmp_path)
    other = second_campaign(first)
    plan = dry_plan(first, other)
    try:
        data = report.from_plan(plan)
        lost = plan.con.execute(
            "SELECT cidx, count(DISTINCT person_key) FROM dec"
            " WHERE reason = 'assigned_to_other_campaign' GROUP BY ALL ORDER BY 1"
        ).fetchall()
        names = {p.id: set(p.recipients["full_name"].to_list()) for p in plan.campaigns}
    finally:
        plan.close()
    ids = [c.id for c in data.campaigns]
    moves = {(m["from"], m["to"]): m["persons"] for m in data.moves}
    assert moves == {(ids[c], ids[1 - c]): n for c, n in lost}
    assert sum(moves.values()) == len(data.who_went_where) == 6
    for w in data.who_went_where:
        assert w["name"] in names[w["went_to"]]
        assert w["also_eligible_for"] == [i for i in ids if i != w["went_to"]]
    pairs = {(o["campaign"], o["other"]): o["persons"] for o in data.overlap}
    assert pairs[(ids[0], ids[1])] == pairs[(ids[1], ids[0])] == 6
    html = report.render_html(data)
    assert 'id="overlap"' in html and "Who went where" in html


def test_caps_show_how_many_and_when_eligible_again(tmp_path: Path) -> None:
    """A second campaign a day after the first: everyone it would contact is capped."""
    from planner.ledger import open_for_build

    first = example_dir(tmp_path)
    other = second_campaign(first)
    ledger = tmp_path / "ledger.duckdb"
    with open_for_build(ledger, dry_run=False) as led:
        plan = pipeline.plan([first], as_of=AS_OF, ledger=led)
        try:
            pipeline.write_plan(plan, out=tmp_path / "out1", ledger=led)
        finally:
            plan.close()
    from datetime import timedelta

    with open_for_build(ledger, dry_run=True) as led:
        plan = pipeline.plan([other], as_of=AS_OF + timedelta(days=1), ledger=led)
        try:
            data = report.from_plan(plan, dry_run=True)
            capped = plan.campaigns[0].funnel["frequency_cap"]
        finally:
            plan.close()
    assert capped > 0
    (row,) = [c for c in data.capped if c["reason"] == "frequency_cap"]
    # caps: window 30 days, one touch: eligible again 30 days after the touch.
    eligible = (AS_OF + timedelta(days=30)).isoformat()
    assert row == {
        "campaign": "acme-staff-data-eng-2026q4",
        "reason": "frequency_cap",
        "rows": capped,
        "first": eligible,
        "last": eligible,
    }
    assert sum(e["rows"] for e in data.eligible_again if e["reason"] == "frequency_cap") == capped
    assert "eligible_again" in charts.specs(data)


# --------------------------------------------------------------------------- escaping, privacy


def test_every_value_is_escaped_and_the_page_has_no_script(example: Path) -> None:
    add_hostile_recipient(example)
    plan = dry_plan(example)
    try:
        assert HOSTILE_COMPANY in plan.campaigns[0].recipients["current_company"].to_list()
        html = report.render_html(report.from_plan(plan, dry_run=True))
    finally:
        plan.close()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt; GmbH" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_a_hostile_sender_id_in_a_chart_is_escaped_by_the_renderer(example: Path) -> None:
    text = example.read_text(encoding="utf-8").replace("{id: dana,", '{id: "<b>x</b>",')
    example.write_text(text, encoding="utf-8")
    plan = dry_plan(example)
    try:
        html = report.render_html(report.from_plan(plan, dry_run=True))
    finally:
        plan.close()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    guardrail = html[html.index('id="guardrail"') :]
    assert guardrail.index("<svg") < guardrail.index("&lt;b&gt;x&lt;/b&gt;")


def test_svg_with_script_is_refused() -> None:
    for bad in ("<svg><script>x</script></svg>", '<svg><g onload="x"/></svg>', "<div/>"):
        with pytest.raises(PlannerError, match="script content"):
            report._safe_svg(bad)
    assert report._safe_svg("<svg><text>eligible again on</text></svg>")


def test_personal_data_only_for_recipients(example: Path) -> None:
    plan = dry_plan(example)
    try:
        html = report.render_html(report.from_plan(plan, dry_run=True))
        excluded = plan.excluded(plan.campaigns[0])
        recipients = plan.campaigns[0].recipients
    finally:
        plan.close()
    recipient_names = set(recipients["full_name"].to_list())
    excluded_names = {n for n in excluded["full_name"].to_list() if n} - recipient_names
    assert len(excluded_names) >= 15
    for name in excluded_names:
        assert name not in html, name
    for key in set(excluded["person_key"].drop_nulls().to_list()):
        assert key not in html
    for email in recipients["email"].to_list():
        assert email not in html  # the report never needs an address
    assert "Jana" in html  # a recipient's sample message


# --------------------------------------------------------------------------- highlighting


def test_samples_mark_the_personal_fields_the_template_used(example: Path) -> None:
    plan = dry_plan(example)
    try:
        data = report.from_plan(plan, dry_run=True)
    finally:
        plan.close()
    first = data.samples[0]
    assert first.name == "Jana Novak"
    marked = [(s.text, s.field) for s in first.body if s.field]
    # The template uses first_name, best_cue, current_title and current_company. Jana's title is
    # the role's title and her cue (Flink) is in the pitch: text of the campaign is never marked,
    # so only her name and company are.
    assert marked == [("Jana", "first_name"), ("Zalando SE", "current_company")]
    assert [s.field for s in first.subject] == [None]
    assert len(data.samples) == 3


def test_split_marked_respects_words_and_protected_text() -> None:
    marks = [("Flink", "top_skill"), ("Ann", "first_name")]
    segs = split_marked("Hi Ann, Anna says: moving to Flink. Flink!", marks, ["moving to Flink"])
    assert segs == [
        Segment("Hi "),
        Segment("Ann", "first_name"),
        Segment(", Anna says: moving to Flink. "),
        Segment("Flink", "top_skill"),
        Segment("!"),
    ]


@given(
    st.text(alphabet="ab <>&\n", max_size=40),
    st.lists(
        st.tuples(st.text(alphabet="ab<", min_size=1, max_size=4), st.sampled_from(["x", "y"]))
    ),
)
def test_split_marked_never_changes_the_text(text: str, marks: list[tuple[str, str]]) -> None:
    segs = split_marked(text, marks)
    assert "".join(s.text for s in segs) == text
    assert all(s.text for s in segs)
    assert all(a.field != b.field for a, b in itertools.pairwise(segs))


# --------------------------------------------------------------------------- files and commands


def test_dry_run_report_file_is_0600_and_nothing_else_is_written(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = example.parent.parent / "r.html"
    code, stdout, stderr = run_main(
        capsys, "build", str(example), "--dry-run", "--report", str(target)
    )
    assert code == 0, stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") >= 4
    assert "dry run" in html and "funnel" in stdout
    assert sorted(p.name for p in example.parent.parent.iterdir()) == ["campaigns", "r.html"]


def test_real_build_writes_report_in_manifest_and_planner_report_renders_it_again(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = example.parent.parent
    ledger = work / "ledger.duckdb"
    code, stdout, stderr = run_main(
        capsys, "build", str(example), "--ledger", str(ledger), "--as-of", AS_OF.isoformat(),
        "--report", str(work / "extra.html"), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    result = json.loads(stdout)
    run_id = result["run_id"]
    out_dir = Path(result["campaigns"][0]["out_dir"])
    built = out_dir / "report.html"
    assert stat.S_IMODE(built.stat().st_mode) == 0o600
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["report.html"] == hashlib.sha256(built.read_bytes()).hexdigest()
    assert (work / "extra.html").read_bytes() == built.read_bytes()
    assert f"run {run_id}" in built.read_text(encoding="utf-8")

    target = work / "again.html"
    code, stdout, stderr = run_main(
        capsys, "report", run_id, "--ledger", str(ledger), "--out", str(target)
    )
    assert code == 0, stderr
    assert stdout.strip() == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = target.read_text(encoding="utf-8")
    first = built.read_text(encoding="utf-8")
    assert "past run" in again
    # The same funnel chart and the same sample messages as the build's own report.
    for section in ("funnel", "samples", "places", "guardrail", "lint"):
        assert _section(again, section) == _section(first, section), section
    assert "scores of its excluded rows" in again


def test_planner_report_without_the_build_files_says_what_is_missing(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    work = example.parent.parent
    ledger = work / "ledger.duckdb"
    code, stdout, _ = run_main(capsys, "build", str(example), "--ledger", str(ledger), "--json")
    assert code == 0
    result = json.loads(stdout)
    shutil.rmtree(result["campaigns"][0]["out_dir"])
    code, stdout, stderr = run_main(capsys, "report", result["run_id"], "--ledger", str(ledger))
    assert code == 0, stderr
    html = Path(stdout.strip()).read_text(encoding="utf-8")
    assert Path(stdout.strip()).name == f"report-{result['run_id']}.html"
    assert "manifest.json was not found" in html
    assert "Jana" in html  # the recipients come from the ledger

    code, _, stderr = run_main(capsys, "report", "nope", "--ledger", str(ledger))
    assert code == 2 and "run nope is not in the ledger" in stderr


def test_the_same_build_gives_the_same_report_bytes(tmp_path: Path) -> None:
    campaign = example_dir(tmp_path)
    pages = []
    for _ in range(2):
        plan = dry_plan(campaign)
        try:
            pages.append(report.render_html(report.from_plan(plan, run_id="r1")))
        finally:
            plan.close()
    assert pages[0] == pages[1]


def test_an_unwritable_report_path_is_an_error_naming_it(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = example.parent.parent / "file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "r.html"
    code, _, stderr = run_main(capsys, "build", str(example), "--dry-run", "--report", str(target))
    assert code == 2
    assert f"planner: error: {target}: cannot write the report" in stderr
    assert "planner: hint:" in stderr and "Traceback" not in stderr


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]
