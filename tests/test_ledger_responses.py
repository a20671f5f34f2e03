"""The response-rate guardrail (SPEC 6.4, LinkedIn's 13% over 100+ messages in 14 days) and
`planner ledger stats`."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from planner.ledger import responses
from planner.ledger.commands import import_outcomes, import_touches, stats
from tests.ledger_support import ledger_rows
from tests.outcomes_support import (
    days,
    dry_plan,
    run_main,
    write_campaign,
    write_csv,
    write_people,
)

T = date(2026, 6, 15)


def _history(
    tmp: Path,
    ledger: Path,
    *,
    in_window: int,
    responded: int,
    old: int = 0,
    sender: str = "dana",
    tag: str = "",
) -> None:
    """`in_window` touches by `sender` dated in (T-14, T], `old` more dated T-14 and earlier,
    and a reply (dated the day after the touch) from the first `responded` in-window people."""
    rows = [
        (f"w{i}{tag}@example.com", days(T, -(i % 14)), "old-camp", sender) for i in range(in_window)
    ] + [
        (f"o{i}{tag}@example.com", days(T, -14 - (i % 10)), "old-camp", sender) for i in range(old)
    ]
    touches = write_csv(
        tmp / f"touches{tag}.csv", ["email", "date", "campaign_id", "sender_id"], rows
    )
    import_touches(touches, ledger)
    if responded:
        replies = write_csv(
            tmp / f"replies{tag}.csv",
            ["email", "outcome", "date"],
            [(email, "replied", days(d, 1) if d < T else d) for email, d, _, _ in rows[:responded]],
        )
        import_outcomes(replies, ledger)


@pytest.fixture()
def campaign(tmp_path: Path) -> Path:
    write_people(tmp_path / "people.csv", [("c1", "Ana", "Silva", "ana@example.org", None, "DE")])
    return write_campaign(tmp_path, "camp-g", ["people.csv"], action="block")


@pytest.mark.parametrize(
    ("in_window", "responded", "old", "touches", "action"),
    [
        (99, 5, 0, 99, False),  # 5.1% but fewer than 100 touches: no action
        (100, 12, 0, 100, True),  # 12%
        (1000, 129, 0, 1000, True),  # 12.9%
        (100, 13, 0, 100, False),  # exactly 13%: not under
        (1000, 130, 0, 1000, False),  # exactly 13%
        (60, 0, 60, 60, False),  # 120 touches, but 60 are older than the 14-day window
        (100, 0, 40, 100, True),  # the old ones neither help nor hurt
    ],
)
def test_linkedin_rule_table(
    tmp_path: Path,
    campaign: Path,
    in_window: int,
    responded: int,
    old: int,
    touches: int,
    action: bool,
) -> None:
    ledger = tmp_path / "ledger.duckdb"
    _history(tmp_path, ledger, in_window=in_window, responded=responded, old=old)
    g = dry_plan([campaign], ledger, T).guardrail["camp-g"]
    assert (g["touches"], g["responses"]) == (touches, responded)
    assert g["rate"] == pytest.approx(responded / touches)
    assert g["triggered"] is action
    assert g["status"] == ("block" if action else "ok")
    assert (g["sender"], g["window_days"], g["min_sample"]) == ("dana", 14, 100)


def test_rule_is_exact_at_the_threshold() -> None:
    assert not responses.triggered(99, 0, min_sample=100, min_response_rate=0.13)
    assert responses.triggered(100, 12, min_sample=100, min_response_rate=0.13)
    assert responses.triggered(1000, 129, min_sample=100, min_response_rate=0.13)
    assert not responses.triggered(100, 13, min_sample=100, min_response_rate=0.13)
    assert not responses.triggered(300, 39, min_sample=100, min_response_rate=0.13)
    assert responses.triggered(300, 38, min_sample=100, min_response_rate=0.13)
    assert not responses.triggered(0, 0, min_sample=1, min_response_rate=0.13)


def test_window_edges_and_what_counts_as_a_response(tmp_path: Path, campaign: Path) -> None:
    ledger = tmp_path / "ledger.duckdb"
    rows = [
        ("edge-in@example.com", days(T, -13), "old-camp", "dana"),  # in (T-14, T]
        ("edge-out@example.com", days(T, -14), "old-camp", "dana"),  # out
        ("future@example.com", days(T, 1), "old-camp", "dana"),  # after T: out
        ("other@example.com", T, "old-camp", "sam"),  # another sender
        ("before@example.com", T, "camp-x", "dana"),
        ("elsewhere@example.com", T, "camp-x", "dana"),
        ("late@example.com", days(T, -2), "camp-x", "dana"),
    ]
    import_touches(
        write_csv(tmp_path / "t.csv", ["email", "date", "campaign_id", "sender_id"], rows), ledger
    )
    replies = [
        ("edge-in@example.com", "bounced", days(T, -13), None),  # any outcome, same day: yes
        ("before@example.com", "replied", days(T, -1), None),  # before the touch: no
        ("elsewhere@example.com", "interested", T, "camp-y"),  # another campaign: no
        ("late@example.com", "replied", days(T, 1), None),  # not known at T: no
    ]
    import_outcomes(
        write_csv(tmp_path / "o.csv", ["email", "outcome", "date", "campaign_id"], replies), ledger
    )
    g = dry_plan([campaign], ledger, T).guardrail["camp-g"]
    assert (g["touches"], g["responses"]) == (4, 1)
    # A day later the T-13 touch left the window, the T+1 one entered it, and the reply dated
    # T+1 is known.
    g = dry_plan([campaign], ledger, days(T, 1)).guardrail["camp-g"]
    assert (g["touches"], g["responses"]) == (4, 1)


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture()
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A ledger where sender dana has 100 touches and 5 responses (5%) in the last 14 days,
    and five candidates."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_LEDGER", raising=False)
    ledger = tmp_path / "ledger.duckdb"
    _history(tmp_path, ledger, in_window=100, responded=5)
    write_people(
        tmp_path / "people.csv",
        [
            (f"c{i}", name, "Lee", f"{name.lower()}@example.org", None, "Data Engineer")
            for i, name in enumerate(["Ana", "Ben", "Cai", "Dee", "Eli"], start=1)
        ],
    )
    return tmp_path, ledger


def _build(tmp: Path, ledger: Path, campaign: Path, *extra: str) -> list[str]:
    return [
        "build", str(campaign), "--ledger", str(ledger), "--as-of", T.isoformat(), *extra,
    ]  # fmt: skip


def test_warn_builds_and_says_so(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, ledger = setup
    campaign = write_campaign(tmp, "camp-w", ["people.csv"], action="warn")
    code, stdout, _ = run_main(capsys, *_build(tmp, ledger, campaign, "--dry-run"))
    assert code == 0
    assert "guardrail (dana): 100 touches, 5 responses, rate 5.0% over 14 days -> warn" in stdout
    code, stdout, stderr = run_main(capsys, *_build(tmp, ledger, campaign, "--out", "out"))
    assert code == 0, stderr
    assert "camp-w: 5 recipients" in stdout
    assert "planner: warning: camp-w: sender dana has a response rate of 5.0%" in stderr
    assert "(5 of 100 touches), under 13%" in stderr
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    assert manifest["guardrail"]["status"] == "warn"
    assert manifest["guardrail"]["touches"] == 100


def test_limit_cuts_to_the_best_with_reason_guardrail(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, ledger = setup
    campaign = write_campaign(tmp, "camp-l", ["people.csv"], action="limit", limit_to=2)
    code, stdout, _ = run_main(capsys, *_build(tmp, ledger, campaign, "--dry-run", "--json"))
    assert code == 0
    doc = json.loads(stdout)
    g = doc["guardrail"]["camp-l"]
    assert (g["status"], g["triggered"], g["touches"], g["responses"]) == ("limit", True, 100, 5)
    assert (g["limit_to"], g["cut"], g["rate"]) == (2, 3, 0.05)
    # Every candidate scores 1.0: the send list keeps the two smallest person keys.
    kept = sorted(r["person_key"] for r in doc["recipients"])
    cut = sorted(e["person_key"] for e in doc["excluded"] if e["reason"] == "guardrail")
    assert len(kept) == 2 and len(cut) == 3 and max(kept) < min(cut)
    assert doc["funnel"]["camp-l"]["guardrail"] == 3
    assert doc["funnel"]["camp-l"]["recipients"] == 2
    detail = next(e["detail"] for e in doc["excluded"] if e["reason"] == "guardrail")
    assert detail == (
        "guardrail: sender dana has a response rate of 5.0% (5 of 100) over the last 14 days;"
        " the send list is limited to the best 2"
    )
    code, stdout, stderr = run_main(capsys, *_build(tmp, ledger, campaign, "--out", "out"))
    assert code == 0, stderr
    assert "camp-l: 2 recipients" in stdout
    assert "cut the send list to the best 2 (3 cut, reason guardrail)" in stderr
    with (tmp / "out" / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        sent = [r["person_key"] for r in csv.DictReader(fh)]
    assert sent == kept
    # Only the two sent were recorded as touches of this campaign.
    assert ledger_rows(ledger, "SELECT count(*) FROM touches WHERE campaign_id = 'camp-l'") == [
        (2,)
    ]


def test_block_refuses_the_build_with_exit_1(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, ledger = setup
    campaign = write_campaign(tmp, "camp-b", ["people.csv"], action="block")
    code, stdout, _ = run_main(capsys, *_build(tmp, ledger, campaign, "--dry-run", "--json"))
    assert code == 0  # a dry run shows it, it does not refuse
    g = json.loads(stdout)["guardrail"]["camp-b"]
    assert (g["status"], g["touches"], g["responses"], g["cut"]) == ("block", 100, 5, 0)
    assert len(json.loads(stdout)["recipients"]) == 5
    runs_before = ledger_rows(ledger, "SELECT count(*) FROM runs")
    code, _, stderr = run_main(capsys, *_build(tmp, ledger, campaign, "--out", "out"))
    assert code == 1
    assert "sender dana has a response rate of 5.0% over the last 14 days (5 of 100" in stderr
    assert "guardrail blocks" in stderr
    assert not (tmp / "out").exists()
    assert ledger_rows(ledger, "SELECT count(*) FROM runs") == runs_before
    # Another sender with no history is not blocked by dana's rate.
    other = write_campaign(tmp, "camp-o", ["people.csv"], action="block", sender="sam")
    code, stdout, stderr = run_main(capsys, *_build(tmp, ledger, other, "--out", "out2"))
    assert code == 0, stderr
    assert "camp-o: 5 recipients" in stdout


def test_no_ledger_means_no_sample(tmp_path: Path, campaign: Path) -> None:
    g = dry_plan([campaign], tmp_path / "none.duckdb", T).guardrail["camp-g"]
    assert (g["touches"], g["responses"], g["rate"], g["status"]) == (0, 0, None, "ok")


# --------------------------------------------------------------------------- stats


def test_stats_per_sender_campaign_and_week(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.duckdb"
    rows = [
        ("a@example.com", date(2026, 6, 1), "camp-a", "dana"),  # Monday of 2026-W23
        ("b@example.com", date(2026, 6, 3), "camp-a", "dana"),
        ("c@example.com", date(2026, 6, 8), "camp-a", "dana"),  # 2026-W24
        ("d@example.com", date(2026, 6, 8), "camp-b", "sam"),
    ]
    import_touches(
        write_csv(tmp_path / "t.csv", ["email", "date", "campaign_id", "sender_id"], rows), ledger
    )
    import_outcomes(
        write_csv(
            tmp_path / "o.csv",
            ["email", "outcome", "date"],
            [("a@example.com", "replied", date(2026, 6, 2)), ("d@example.com", "opted_out", T)],
        ),
        ledger,
    )
    got = [
        (r["sender_id"], r["campaign_id"], r["week"], r["touches"], r["responses"])
        for r in stats(ledger, as_of=T)
    ]
    assert got == [
        ("dana", "camp-a", "2026-W23", 2, 1),
        ("dana", "camp-a", "2026-W24", 1, 0),
        ("sam", "camp-b", "2026-W24", 1, 1),
    ]
    assert [r["week_start"] for r in stats(ledger, sender="dana", as_of=T)] == [
        "2026-06-01",
        "2026-06-08",
    ]
    # Outcomes not known yet at an earlier as-of do not count.
    assert [r["responses"] for r in stats(ledger, sender="sam", as_of=date(2026, 6, 10))] == [0]

    code, stdout, _ = run_main(
        capsys, "ledger", "stats", "--sender", "dana", "--ledger", str(ledger), "--json",
        "--as-of", T.isoformat(),
    )  # fmt: skip
    assert code == 0
    doc = json.loads(stdout)
    assert [(r["week"], r["rate"]) for r in doc] == [("2026-W23", 0.5), ("2026-W24", 0.0)]
    code, stdout, _ = run_main(
        capsys, "ledger", "stats", "--ledger", str(ledger), "--as-of", T.isoformat()
    )
    assert code == 0
    lines = [ln.split() for ln in stdout.splitlines() if ln.strip()]
    assert ["dana", "camp-a", "2026-W23", "2", "1", "50.0%"] in lines
    assert ["sam", "camp-b", "2026-W24", "1", "1", "100.0%"] in lines
