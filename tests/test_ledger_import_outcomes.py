"""`planner ledger import-outcomes FILE`: plain CSV and the Lever-style ATS shape, all rows or
none, line numbers, unknown people kept for later."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.ledger.commands import history, import_outcomes, list_runs
from tests.ledger_support import ledger_rows
from tests.outcomes_support import dry_plan, run_main, write_campaign, write_people

T = date(2026, 6, 15)


def test_plain_csv(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.duckdb"
    f = tmp_path / "outcomes.csv"
    f.write_text(
        "email,profile_url,campaign_id,outcome,date\n"
        "ana@example.com,,camp-a,replied,2026-06-01\n"
        ",https://de.linkedin.com/in/Ben-Lee/?trk=x,,Interested,2026-06-02T10:00:00Z\n"
        "cai@example.com,linkedin.com/in/cai,,not interested,2026-06-03 09:30:00\n"
        "dee@example.com,,,OPTED_OUT,2026-06-04\n"
        "eli@example.com,,,bounced,2026-06-05\n",
        encoding="utf-8",
    )
    result = import_outcomes(f, ledger)
    assert (result["outcomes"], result["persons"], result["new_persons"], result["skipped"]) == (
        5, 5, 5, 0,
    )  # fmt: skip
    assert result["by_outcome"] == {
        "bounced": 1,
        "interested": 1,
        "not_interested": 1,
        "opted_out": 1,
        "replied": 1,
    }
    rows = ledger_rows(
        ledger,
        "SELECT i.value, o.outcome, o.outcome_on, o.campaign_id, o.email_hash IS NOT NULL"
        " FROM outcomes o JOIN identities i USING (person_key)"
        " WHERE i.kind = 'email' OR i.value LIKE 'linkedin.com/in/ben%' ORDER BY o.outcome_on",
    )
    assert rows == [
        ("ana@example.com", "replied", date(2026, 6, 1), "camp-a", False),
        ("linkedin.com/in/ben-lee", "interested", date(2026, 6, 2), None, False),
        ("cai@example.com", "not_interested", date(2026, 6, 3), None, False),
        ("dee@example.com", "opted_out", date(2026, 6, 4), None, False),
        ("eli@example.com", "bounced", date(2026, 6, 5), None, True),
    ]
    (run,) = list_runs(ledger)
    assert (run["kind"], run["status"], run["touches"], run["source"]) == (
        "outcomes", "committed", 0, "outcomes.csv",
    )  # fmt: skip
    # The same file again is refused; nothing is doubled.
    with pytest.raises(InputError, match="already imported as run"):
        import_outcomes(f, ledger)
    assert ledger_rows(ledger, "SELECT count(*) FROM outcomes") == [(5,)]


def test_bad_rows_refuse_the_whole_file_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.duckdb"
    f = tmp_path / "outcomes.csv"
    f.write_text(
        "email,outcome,date,campaign_id,note\n"
        'ana@example.com,replied,2026-06-01,,"a note\nover two lines"\n'  # lines 2-3: fine
        "secret-not-an-email,replied,2026-06-01,,\n"  # line 4
        "ben@example.com,maybe later,2026-06-01,,\n"  # line 5
        "cai@example.com,replied,June 1st,,\n"  # line 6
        ",bounced,2026-06-01,,\n"  # line 7: no identifier at all
        "dee@example.com,replied,2026-06-01,Camp A!,\n"  # line 8
        "eli@example.com,replied\n"  # line 9: too few fields
        "fay@example.com,,2026-06-01,,\n",  # line 10: empty outcome
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        import_outcomes(f, ledger)
    problems = info.value.problems
    assert problems[0] == f"{f}: 7 bad row(s); nothing was imported"
    assert problems[1:] == [
        f"{f}:4: email is not an email address",
        f"{f}:5: outcome is not one of replied, interested, not_interested, not_now, opted_out,"
        " bounced (nor a known ATS status, see docs/outcomes.md)",
        f"{f}:6: date is not a date (use YYYY-MM-DD)",
        f"{f}:7: no email and no profile_url",
        f"{f}:8: campaign_id may only hold a-z, 0-9 and '-'",
        f"{f}:9: expected 5 fields, found 2",
        f"{f}:10: outcome is empty",
    ]
    assert not ledger.exists() or ledger_rows(ledger, "SELECT count(*) FROM outcomes") == [(0,)]
    # Through the CLI: exit 3, every line on stderr, no value of the file.
    code, stdout, stderr = run_main(
        capsys, "ledger", "import-outcomes", str(f), "--ledger", str(ledger)
    )
    assert code == 3
    assert stdout == ""
    for line in (4, 5, 6, 7, 8, 9, 10):
        assert f"outcomes.csv:{line}: " in stderr
    assert "secret-not-an-email" not in stderr and "maybe later" not in stderr
    assert not ledger.exists() or ledger_rows(ledger, "SELECT count(*) FROM runs") == [(0,)]


def test_bounced_needs_an_email_and_missing_columns_are_named(tmp_path: Path) -> None:
    f = tmp_path / "o.csv"
    f.write_text("profile_url,outcome,date\nlinkedin.com/in/ana,bounced,2026-06-01\n")
    with pytest.raises(InputError) as info:
        import_outcomes(f, tmp_path / "l.duckdb")
    assert info.value.problems[1] == f"{f}:2: bounced needs the email address that bounced"
    g = tmp_path / "g.csv"
    g.write_text("email,when\nana@example.com,2026-06-01\n")
    with pytest.raises(InputError, match="found: email, when"):
        import_outcomes(g, tmp_path / "l.duckdb")


def test_unknown_people_are_kept_and_matched_later(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.duckdb"
    f = tmp_path / "outcomes.csv"
    f.write_text(
        "email,profile_url,outcome,date\n"
        "New.Person@Example.com,,opted_out,2026-05-01\n"
        ",https://www.linkedin.com/in/only-url/,not_interested,2026-06-01\n",
        encoding="utf-8",
    )
    assert import_outcomes(f, ledger)["new_persons"] == 2
    assert history("new.person@example.com", ledger)["outcomes"][0]["outcome"] == "opted_out"
    write_people(
        tmp_path / "people.csv",
        [
            # Seen for the first time with email AND URL: still the person of the opt-out.
            ("n1", "Nia", "Park", "new.person@example.com", "linkedin.com/in/nia-park", "Eng"),
            ("u1", "Uma", "Roy", "uma@example.com", "linkedin.com/in/Only-URL", "Eng"),
            ("x1", "Xi", "Lo", "xi@example.com", None, "Eng"),
        ],
    )
    campaign = write_campaign(tmp_path, "camp-a", ["people.csv"])
    planned = dry_plan([campaign], ledger, T)
    assert planned.excluded["camp-a"]["n1"]["reason"] == "suppressed"
    assert planned.excluded["camp-a"]["n1"]["detail"] == "suppressed: opted out on 2026-05-01"
    assert planned.excluded["camp-a"]["u1"]["reason"] == "disinterest_cooldown"
    assert planned.recipients["camp-a"] == ["x1"]


def test_lever_style_ats_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = tmp_path / "ledger.duckdb"
    f = tmp_path / "lever_export.csv"
    f.write_text(
        "Opportunity ID,Name,Emails,Links,Stage,Owner,Last Interaction At,Archived At,"
        "Archive Reason\n"
        'o1,Jane Doe,"jane@example.com, jane.alt@example.net",'
        '"https://github.com/jd, https://www.linkedin.com/in/jane-doe/",Reached out,Sam,'
        "2026-06-09 10:00:00,2026-06-02 11:12:13,Not interested\n"
        "o2,Omar Haddad,omar@example.com,,New lead,Sam,2026-06-03 10:00:00,,Unresponsive\n"
        "o3,Li Wei,,https://linkedin.com/in/li-wei,Reached out,Sam,,2026-06-04T08:00:00Z,"
        "Do not contact\n"
        "o4,Ana Silva,ana@example.com,,Phone screen,Sam,,2026-06-05 09:00:00,Hired\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run_main(
        capsys, "ledger", "import-outcomes", str(f), "--ledger", str(ledger), "--json"
    )
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["by_outcome"] == {"interested": 1, "not_interested": 1, "opted_out": 1}
    assert doc["skipped"] == 1  # Unresponsive: no answer
    assert set(doc["ignored_columns"]) == {
        "Opportunity ID", "Name", "Stage", "Owner", "Last Interaction At",
    }  # fmt: skip
    assert "skipped 1 row(s) whose status records no answer" in stderr
    jane = history("https://linkedin.com/in/jane-doe", ledger)
    # The first email and the LinkedIn link of the multi-valued cells, the Archived At date.
    assert {(i["kind"], i["value"]) for i in jane["identities"]} == {
        ("email", "jane@example.com"),
        ("url", "linkedin.com/in/jane-doe"),
    }
    assert [(o["outcome"], o["outcome_on"]) for o in jane["outcomes"]] == [
        ("not_interested", "2026-06-02")
    ]
    li = history("linkedin.com/in/li-wei", ledger)
    assert [(o["outcome"], o["outcome_on"]) for o in li["outcomes"]] == [
        ("opted_out", "2026-06-04")
    ]
    assert history("omar@example.com", ledger)["person_key"] is None


@pytest.mark.parametrize("verb", ["import-touches", "import-outcomes"])
def test_a_file_without_header_line_is_refused_without_echoing_its_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    data = tmp_path / "no_header.csv"
    data.write_text("jana.doe@example.com,replied,2026-01-01\n", encoding="utf-8")
    code, stdout, stderr = run_main(
        capsys, "ledger", verb, str(data), "--ledger", str(tmp_path / "l.duckdb")
    )
    assert code == 3
    assert "no_header.csv: needs" in stderr
    assert "is the header line missing?" in stderr
    assert "jana" not in stdout + stderr and "example.com" not in stdout + stderr


def test_history_of_a_malformed_email_does_not_echo_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = run_main(
        capsys, "ledger", "history", "jana@@example", "--ledger", str(tmp_path / "l.duckdb")
    )
    assert code == 2
    assert "not a valid email address" in stderr and "jana" not in stderr


@pytest.mark.parametrize("verb", ["import-touches", "import-outcomes"])
def test_a_column_named_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    data = tmp_path / "twice.csv"
    data.write_text(
        "email,outcome,date,Email\na@example.org,replied,2026-01-01,b@example.org\n",
        encoding="utf-8",
    )
    code, _, stderr = run_main(
        capsys, "ledger", verb, str(data), "--ledger", str(tmp_path / "l.duckdb")
    )
    assert code == 3
    assert "twice.csv: columns 1 and 4 both name email" in stderr
    assert "example.org" not in stderr
