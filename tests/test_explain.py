"""`planner explain` agrees with the build, ledger decisions included; shows resolved values."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.contract import REASONS
from planner.persons import key_of, key_sql
from tests.outcomes_support import (
    real_build,
    run_main,
    write_campaign,
    write_csv,
    write_people,
)

T = date(2026, 6, 15)


def test_explain_shows_the_ledger_check_that_decided_and_resolved_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_people(
        tmp_path / "people.csv",
        [("c1", "Ana", "Silva", "ana@example.org", None, "Senior Data Engineer", "Acme GmbH")],
    )
    campaign = write_campaign(tmp_path, "camp-e", ["people.csv"])
    ledger = tmp_path / "l.duckdb"
    real_build([campaign], ledger, T, tmp_path / "out")
    code, stdout, stderr = run_main(
        capsys,
        "explain",
        str(campaign),
        "ana@example.org",
        "--ledger",
        str(ledger),
        "--as-of",
        "2026-06-20",
        "--json",
    )
    assert code == 0, stderr
    (entry,) = json.loads(stdout)
    assert entry["decision"] == "already_contacted_for_campaign"
    checks = {c["reason"]: c for c in entry["checks"]}
    assert [c["reason"] for c in entry["checks"]] == [r for r in REASONS if r != "invalid_row"]
    assert checks["already_contacted_for_campaign"] == {
        "reason": "already_contacted_for_campaign",
        "failed": True,
        "by": "ledger",
    }
    assert [r for r, c in checks.items() if c["failed"]] == ["already_contacted_for_campaign"]
    assert checks["title_mismatch"]["by"] == "segment"
    assert checks["over_limit"]["by"] == "build"
    assert entry["resolved"]["seniority"] == "senior"
    assert entry["resolved"]["company"] == "acme"  # legal suffix dropped, case-folded
    code, text, _ = run_main(
        capsys, "explain", str(campaign), "ana@example.org", "--ledger", str(ledger)
    )
    assert code == 0
    line = next(
        ln for ln in text.splitlines() if "already_contacted_for_campaign" in ln and "FAIL" in ln
    )
    assert line.split() == ["already_contacted_for_campaign", "FAIL", "ledger"]
    assert "resolved: seniority senior;" in text and "company acme" in text


# --------------------------------------------------------------------------- explain RUN_ID


def _past_run(tmp_path: Path) -> tuple[str, Path, Path, Path]:
    """A committed build of two people: Ana is sent, Bo is on the suppression list.

    Returns the run id, the ledger, the campaign file and the run's output directory.
    """
    write_people(
        tmp_path / "people.csv",
        [
            ("c1", "Ana", "Silva", "ana@example.org", None, "Senior Data Engineer", "Acme GmbH"),
            ("c2", "Bo", "Li", "bo@example.org", "https://www.linkedin.com/in/bo-li/", "Dev", ""),
        ],
    )
    write_csv(tmp_path / "suppressed.csv", ["email"], [["bo@example.org"]])
    campaign = write_campaign(tmp_path, "camp-r", ["people.csv"], suppression=["suppressed.csv"])
    ledger = tmp_path / "l.duckdb"
    run_id = real_build([campaign], ledger, T, tmp_path / "out")
    return run_id, ledger, campaign, tmp_path / "out"


def _explain_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, stdout, stderr = run_main(capsys, "explain", *args, "--json")
    assert code == 0, stderr
    result: dict[str, Any] = json.loads(stdout)
    return result


def test_explain_run_shows_what_the_run_kept_of_a_recipient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, campaign, out = _past_run(tmp_path)
    # The candidate file changes after the run: the past run is explained as it was.
    (tmp_path / "people.csv").write_text("candidate_id,full_name\n", encoding="utf-8")
    found = _explain_json(capsys, run_id, "ANA@example.org ", "--ledger", str(ledger))
    assert found["run_id"] == run_id
    assert found["as_of"] == "2026-06-15"
    assert found["forgotten"] is False
    (entry,) = found["campaigns"]
    with (out / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        (sent,) = list(csv.DictReader(fh))
    assert entry["campaign_id"] == "camp-r"
    assert entry["role"] == "Data Engineer at Acme Analytics"
    assert entry["campaign_file"] == str(campaign)
    assert entry["decision"] == "recipient"
    assert entry["decided_by"] == "send list (ledger)"
    assert entry["person_key"] == sent["person_key"]
    assert (entry["position"], entry["recipients"], entry["step"]) == (1, 1, 0)
    assert entry["send_list"]["fit_score"] == float(sent["fit_score"]) == 1.0
    assert entry["send_list"]["seniority"] == "senior"
    assert entry["send_list"]["current_company"] == "Acme GmbH"
    assert entry["touch"] == {
        "touched_on": "2026-06-15",
        "channel": "inmail",
        "sender": "dana",
        "fit_score": 1.0,
        "step": 0,
        "status": "counted",
    }
    assert entry["not_kept"] == [
        "score parts and the pass/fail of each criterion: no build keeps them (the send list"
        " keeps the fit score); `planner explain CAMPAIGN.yaml PERSON --as-of 2026-06-15`"
        " recomputes them from the candidate files as they are now"
    ]
    # The same person by candidate id and by person key.
    for other in ("c1", sent["person_key"]):
        again = _explain_json(capsys, run_id, other, "--ledger", str(ledger))
        assert again["campaigns"][0]["person_key"] == sent["person_key"]


def test_explain_run_text_says_the_decision_and_what_is_not_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, campaign, _out = _past_run(tmp_path)
    code, text, _ = run_main(capsys, "explain", run_id, "c1", "--ledger", str(ledger))
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == f"run {run_id} as of 2026-06-15"
    assert lines[1] == f"camp-r Data Engineer at Acme Analytics  {campaign}"
    assert "  decision: recipient (position 1 of 1 on the send list)" in lines
    assert "  step 0 (first message)" in lines
    assert "  fit score 1.0000" in lines
    assert "  touch: 2026-06-15 inmail by dana, counted" in lines
    assert any(ln.startswith("  not kept: score parts and the pass/fail") for ln in lines)


def test_explain_run_reads_why_a_person_was_left_out_from_excluded_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, _campaign, out = _past_run(tmp_path)
    # Bo's key came from the profile URL: found by it (any spelling of it) or the candidate id.
    for who in ("https://de.linkedin.com/in/Bo-Li", "c2"):
        (entry,) = _explain_json(capsys, run_id, who, "--ledger", str(ledger))["campaigns"]
        assert entry["decision"] == "suppressed"
        assert entry["detail"] == "suppressed: on suppression list suppressed.csv line 2 (email)"
        assert entry["decided_by"] == f"excluded.csv in {out} (a build output, not the ledger)"
        assert entry["send_list"] is None and entry["touch"] is None and entry["step"] is None
        assert entry["not_kept"][0].startswith("the fit score and step of people left out")


def test_explain_run_says_when_excluded_csv_is_gone_or_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, _campaign, out = _past_run(tmp_path)
    excluded = out / "excluded.csv"
    text = excluded.read_text(encoding="utf-8")
    excluded.write_text(text.replace("(email)", "(edited)"), encoding="utf-8")
    (entry,) = _explain_json(capsys, run_id, "c2", "--ledger", str(ledger))["campaigns"]
    assert entry["detail"] == "suppressed: on suppression list suppressed.csv line 2 (edited)"
    assert entry["not_kept"][0] == (
        f"{excluded} changed since the build (its hash is not the one in manifest.json): what"
        " it says may not be what the build decided"
    )
    assert entry["not_kept"][1].startswith("the fit score and step of people left out")
    # Ana is not in it: changed or not, she is found on the send list.
    (ana,) = _explain_json(capsys, run_id, "c1", "--ledger", str(ledger))["campaigns"]
    assert ana["decision"] == "recipient"
    excluded.unlink()
    code, stdout, _ = run_main(capsys, "explain", run_id, "c2", "--ledger", str(ledger))
    assert code == 0
    assert "  decision: not a recipient; why is not kept (see below)" in stdout.splitlines()
    (entry,) = _explain_json(capsys, run_id, "c2", "--ledger", str(ledger))["campaigns"]
    assert entry["decision"] is None
    assert entry["not_kept"][0] == (
        "the decision: the person is not on this campaign's send list, and why anyone was left"
        f" out is only in the build's excluded.csv, which is gone from {out}"
    )


def test_explain_run_of_a_forgotten_recipient_shows_the_touch_it_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, _campaign, _out = _past_run(tmp_path)
    code, _, stderr = run_main(
        capsys, "ledger", "forget", "ana@example.org", "--ledger", str(ledger)
    )
    assert code == 0, stderr
    found = _explain_json(capsys, run_id, "ana@example.org", "--ledger", str(ledger))
    assert found["forgotten"] is True
    (entry,) = found["campaigns"]
    assert entry["decision"] == "recipient"
    assert entry["decided_by"] == "touch (ledger)"
    assert entry["send_list"] is None and entry["position"] is None
    assert entry["touch"]["touched_on"] == "2026-06-15" and entry["step"] == 0
    assert entry["not_kept"][0].startswith("the send-list row (position, matched skills, reasons)")


def test_explain_run_errors_name_what_was_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, _campaign, _out = _past_run(tmp_path)
    code, _, stderr = run_main(
        capsys, "explain", str(tmp_path / "nope.yaml"), "c1", "--ledger", str(ledger)
    )
    assert code == 2
    assert stderr.splitlines()[0] == (
        f"planner: error: '{tmp_path / 'nope.yaml'}' is neither a campaign file nor a run in the"
        f" ledger {ledger}"
    )
    code, _, stderr = run_main(
        capsys, "explain", run_id, "c1", "--ledger", str(ledger), "--as-of", "2026-06-20"
    )
    assert code == 2
    assert "--as-of applies to a campaign file" in stderr
    code, _, stderr = run_main(
        capsys, "explain", run_id, "zoe@example.org", "--ledger", str(ledger)
    )
    assert code == 2
    assert stderr.splitlines()[0] == (
        f"planner: error: run {run_id} kept nothing about that person: not on its send lists,"
        " not in its excluded.csv"
    )
    assert "zoe" not in stderr


def test_explain_run_of_a_cancelled_run_is_refused_like_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, _campaign, _out = _past_run(tmp_path)
    code, _, stderr = run_main(capsys, "ledger", "cancel", run_id, "--ledger", str(ledger))
    assert code == 0, stderr
    code, _, stderr = run_main(capsys, "explain", run_id, "c1", "--ledger", str(ledger))
    assert code == 2
    assert stderr.splitlines()[0] == (
        f"planner: error: run {run_id} is a cancelled build run; only committed builds have"
        " decisions to explain"
    )


@settings(max_examples=50, deadline=None)
@given(
    kind=st.sampled_from(["url", "email"]),
    value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1),
)
def test_the_key_of_an_identifier_is_the_key_a_build_gives(kind: str, value: str) -> None:
    con = duckdb.connect()
    url, email = (value, None) if kind == "url" else (None, value)
    (built,) = con.execute(
        f"SELECT {key_sql('$url::VARCHAR', '$email::VARCHAR', 'NULL')}",
        {"url": url, "email": email},
    ).fetchone() or (None,)
    assert key_of(kind, value) == built


def test_explain_run_shows_the_follow_up_step_a_later_run_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, ledger, campaign, _out = _past_run(tmp_path)
    campaign.write_text(
        campaign.read_text(encoding="utf-8")
        + "  followups:\n"
        + "    - after_days: 7\n"
        + '      body: "Hi {{ first_name }}, any thoughts? Open to a short call?'
        + " - {{ sender.name }} Not interested? Reply and I won't contact you again.\"\n",
        encoding="utf-8",
    )
    later = real_build([campaign], ledger, date(2026, 6, 22), tmp_path / "out2")
    first = _explain_json(capsys, run_id, "c1", "--ledger", str(ledger))["campaigns"][0]
    second = _explain_json(capsys, later, "c1", "--ledger", str(ledger))["campaigns"][0]
    assert (first["step"], second["step"]) == (0, 1)
    assert second["touch"]["step"] == 1 and second["touch"]["touched_on"] == "2026-06-22"
    code, text, _ = run_main(capsys, "explain", later, "c1", "--ledger", str(ledger))
    assert code == 0 and "  step 1 (follow-up 1)" in text.splitlines()
