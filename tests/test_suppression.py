"""Suppression files (`suppression.files`): email, URL variants, domains, name + company."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.suppression import name_key, name_key_sql
from tests.outcomes_support import dry_plan, run_main, write_campaign, write_people

T = date(2026, 6, 15)

PEOPLE = [
    # (candidate_id, first, last, email, profile_url, title, company)
    ("c0", "Jane", "Doe", None, "https://www.linkedin.com/in/jane-doe", "Eng", "Initech"),
    ("c1", "Jane", "Doe", "jane@example.com", "linkedin.com/in/jane-doe", "Eng", "Initech"),
    ("c2", "Li", "Wei", None, "https://de.linkedin.com/in/Li-Wei/?trk=abc", "Eng", "Globex"),
    ("c3", "Omar", "Haddad", "omar@Blocked.Example", None, "Eng", "Hooli"),
    ("c4", "José", "Núñez-Díaz", None, None, "Eng", "Acme GmbH"),
    ("c5", "José", "Núñez-Díaz", None, None, "Eng", "Other Corp"),
    ("c6", "Ana", "Silva", "ana@example.com", None, "Eng", "Initech"),
    ("c7", "Ben", "Lee", "ben@sub.blocked.example", None, "Eng", "Hooli"),
]


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    write_people(tmp_path / "people.csv", PEOPLE)
    return tmp_path


def test_email_url_domain_and_name_with_company(tmp: Path) -> None:
    (tmp / "lists").mkdir()
    (tmp / "lists" / "dnc.csv").write_text(
        "Email;Profile URL;First Name;Last Name;Company;Reason\n"
        " JANE@Example.com ;;;;;asked us\n"  # line 2
        ";linkedin.com/in/li-wei/;;;;\n"  # line 3
        "@blocked.example;;;;;whole company\n"  # line 4
        ";;jose;NUNEZ DIAZ;ACME;\n",  # line 5
        encoding="utf-8",
    )
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["lists/dnc.csv"])
    planned = dry_plan([campaign], tmp / "ledger.duckdb", T)
    ex = planned.excluded["camp-a"]
    got = {cid: (r["reason"], r["detail"]) for cid, r in ex.items()}
    assert got == {
        # c0 is not on the list itself, but c1 (the same person by URL) is: the person is out.
        "c0": ("suppressed", "suppressed: on suppression list dnc.csv line 2 (email)"),
        "c1": (
            "duplicate_row",
            "duplicate_row: same person as people.csv line 2 of this build;"
            " suppressed: on suppression list dnc.csv line 2 (email)",
        ),
        "c2": ("suppressed", "suppressed: on suppression list dnc.csv line 3 (profile URL)"),
        "c3": ("suppressed", "suppressed: on suppression list dnc.csv line 4 (email domain)"),
        "c4": ("suppressed", "suppressed: on suppression list dnc.csv line 5 (name and company)"),
    }
    # Same name at another company; another subdomain: not on the list.
    assert sorted(planned.recipients["camp-a"]) == ["c5", "c6", "c7"]
    assert planned.funnel["camp-a"]["suppressed"] == 4
    for row in ex.values():  # the detail names the list and line, never the value
        assert "jane" not in row["detail"].lower() and "blocked" not in row["detail"]


def test_headerless_list_and_several_files(tmp: Path) -> None:
    (tmp / "emails.txt").write_text("jane@example.com\n\n@blocked.example\n", encoding="utf-8")
    (tmp / "urls.csv").write_text("https://linkedin.com/in/li-wei\n", encoding="utf-8")
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["emails.txt", "urls.csv"])
    ex = dry_plan([campaign], tmp / "ledger.duckdb", T).excluded["camp-a"]
    assert ex["c0"]["detail"] == "suppressed: on suppression list emails.txt line 1 (email)"
    assert ex["c3"]["detail"] == "suppressed: on suppression list emails.txt line 3 (email domain)"
    assert ex["c2"]["detail"] == "suppressed: on suppression list urls.csv line 1 (profile URL)"
    assert "c6" not in ex


def test_every_column_of_a_field_named_twice_suppresses(tmp: Path) -> None:
    # `email` and `Email` (a work and a private address): the second column was ignored, so a
    # do-not-contact address there did not suppress.
    (tmp / "dnc.csv").write_text(
        "email,Email,Profile URL,profile_url\n"
        "nobody@example.org,ana@example.com,,\n"
        ",,linkedin.com/in/nobody,linkedin.com/in/li-wei\n",
        encoding="utf-8",
    )
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["dnc.csv"])
    ex = dry_plan([campaign], tmp / "ledger.duckdb", T).excluded["camp-a"]
    assert ex["c6"]["detail"] == "suppressed: on suppression list dnc.csv line 2 (email)"
    assert ex["c2"]["detail"] == "suppressed: on suppression list dnc.csv line 3 (profile URL)"
    assert {cid for cid, r in ex.items() if r["reason"] == "suppressed"} == {"c2", "c6"}


def test_first_matching_entry_is_named(tmp: Path) -> None:
    (tmp / "a.csv").write_text("email,profile_url\n,linkedin.com/in/jane-doe\n")
    (tmp / "b.csv").write_text("email\njane@example.com\n")
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["b.csv", "a.csv"])
    ex = dry_plan([campaign], tmp / "ledger.duckdb", T).excluded["camp-a"]
    # Files in campaign order: b.csv comes first.
    assert ex["c0"]["detail"] == "suppressed: on suppression list b.csv line 2 (email)"


def test_suppression_outranks_later_reasons_but_not_duplicates(tmp: Path) -> None:
    (tmp / "dnc.csv").write_text("email\nana@example.com\n")
    campaign = tmp / "c.yaml"
    campaign.write_text(
        write_campaign(tmp, "camp-a", ["people.csv"], suppression=["dnc.csv"])
        .read_text()
        .replace(
            "ranking: {min_score: 0}", "ranking: {min_score: 0}\naudience: {skills: {all: [cobol]}}"
        )
    )
    ex = dry_plan([campaign], tmp / "ledger.duckdb", T).excluded["camp-a"]
    assert ex["c6"]["reason"] == "suppressed"
    assert ex["c6"]["detail"].startswith("suppressed: on suppression list dnc.csv line 2 (email);")
    assert "skills_missing" in ex["c6"]["detail"]
    assert ex["c5"]["reason"] == "skills_missing"


def test_bad_file_names_file_and_lines(tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp / "dnc.csv").write_text(
        "email,profile_url,name,company\n"
        "ok@example.com,,,\n"  # 2
        "secret.value,,,\n"  # 3
        ",https://linkedin.com/company/acme,,\n"  # 4
        ",,Private Person,\n"  # 5
        "a@example.com,b\n"  # 6
        ",,,Lonely Corp\n"  # 7
        "@not a domain,,,\n",  # 8
        encoding="utf-8",
    )
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["dnc.csv"])
    with pytest.raises(InputError) as info:
        dry_plan([campaign], tmp / "ledger.duckdb", T)
    where = f"{campaign}:10: suppression.files[0]: {tmp / 'dnc.csv'}"
    assert info.value.problems == [
        f"{where}:3: email is not an email address",
        f"{where}:4: profile_url is not a profile URL",
        f"{where}:5: name without a company (a name and a company identify a person together)",
        f"{where}:6: expected 4 fields, found 2",
        f"{where}:7: company without a name (a name and a company identify a person together)",
        f"{where}:8: domain is not an email domain (e.g. @example.com)",
    ]
    code, stdout, stderr = run_main(
        capsys, "build", str(campaign), "--dry-run", "--ledger", str(tmp / "l.duckdb")
    )
    assert code == 3
    assert stdout == ""
    assert "dnc.csv:3: email is not an email address" in stderr
    assert "secret.value" not in stderr and "Private Person" not in stderr
    code, _, stderr = run_main(capsys, "validate", str(campaign))
    assert code == 3
    assert "dnc.csv:8: domain is not an email domain" in stderr


def _with_in_ats(campaign: Path, files: str, extra: str = "") -> Path:
    text = campaign.read_text().replace("suppression:\n", f"suppression:\n  in_ats: [{files}]\n")
    campaign.write_text(text + extra)
    return campaign


def test_in_ats_by_email_or_url_only(tmp: Path) -> None:
    (tmp / "ats.csv").write_text(
        "Full name,Emails,Links,Current company\n"
        'Someone,other@example.org,"https://github.com/x, https://de.linkedin.com/in/Li-Wei/",'
        "Globex\n"  # line 2: Li Wei by the second link
        'Ana Silva,"x@example.net,ANA@example.com",,Initech\n'  # line 3: the second email
        "José Núñez-Díaz,,,Acme GmbH\n",  # line 4: name + company never identify here
        encoding="utf-8",
    )
    (tmp / "dnc.csv").write_text("email\nana@example.com\n")
    campaign = _with_in_ats(
        write_campaign(tmp, "camp-a", ["people.csv"], suppression=["dnc.csv"]),
        "ats.csv",
        "audience: {companies: {exclude: [Globex]}}\n",
    )
    planned = dry_plan([campaign], tmp / "ledger.duckdb", T)
    ex = planned.excluded["camp-a"]
    # Right after `suppressed`: the suppression list wins, a company exclude comes later.
    assert ex["c6"]["reason"] == "suppressed"
    assert ex["c6"]["detail"] == (
        "suppressed: on suppression list dnc.csv line 2 (email);"
        " already_in_ats: in ATS export ats.csv line 3 (email)"
    )
    assert (ex["c2"]["reason"], ex["c2"]["detail"]) == (
        "already_in_ats",
        "already_in_ats: in ATS export ats.csv line 2 (profile URL); company_excluded",
    )
    assert "c4" not in ex and "c4" in planned.recipients["camp-a"]
    assert planned.funnel["camp-a"]["already_in_ats"] == 1


def test_explain_shows_the_ats_check(tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp / "ats.csv").write_text("Email\nana@example.com\n", encoding="utf-8")
    campaign = _with_in_ats(write_campaign(tmp, "camp-a", ["people.csv"]), "ats.csv")
    code, stdout, stderr = run_main(
        capsys, "explain", str(campaign), "ana@example.com", "--json", "--ledger",
        str(tmp / "l.duckdb"),
    )  # fmt: skip
    assert code == 0, stderr
    [entry] = json.loads(stdout)
    assert entry["decision"] == "already_in_ats"
    assert entry["detail"] == "already_in_ats: in ATS export ats.csv line 2 (email)"
    failed = [c["reason"] for c in entry["checks"] if c["failed"]]
    assert failed == ["already_in_ats"]


def test_in_ats_file_without_email_or_url_column(
    tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp / "ats.csv").write_text("Jane Secret,Initech\n", encoding="utf-8")
    campaign = _with_in_ats(write_campaign(tmp, "camp-a", ["people.csv"]), "ats.csv")
    code, stdout, stderr = run_main(capsys, "build", str(campaign), "--dry-run")
    assert code == 3 and stdout == ""
    assert f"suppression.in_ats[0]: {tmp / 'ats.csv'}:1: the header names no email" in stderr
    assert "Jane Secret" not in stderr


def test_missing_file(tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["nope.csv"])
    code, _, stderr = run_main(capsys, "build", str(campaign), "--dry-run", "--json")
    assert code == 3
    assert "suppression.files[0]" in stderr and "nope.csv: cannot read the file" in stderr


def test_dry_run_json_shows_the_reason(tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp / "dnc.csv").write_text("email\nana@example.com\n")
    campaign = write_campaign(tmp, "camp-a", ["people.csv"], suppression=["dnc.csv"])
    code, stdout, _ = run_main(
        capsys, "build", str(campaign), "--dry-run", "--json", "--ledger", str(tmp / "l.duckdb")
    )
    assert code == 0
    doc = json.loads(stdout)
    (ana,) = [e for e in doc["excluded"] if e["candidate_id"] == "c6"]
    assert ana["reason"] == "suppressed"
    assert doc["funnel"]["camp-a"]["suppressed"] == 1
    assert "c6" not in {r["candidate_id"] for r in doc["recipients"]}


_NAMES = st.text(
    alphabet=st.sampled_from(list("abcXYZ éñüÅØ.'’-,()&ßİ\t")), min_size=0, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=8))
def test_name_key_sql_agrees_with_python(values: list[str]) -> None:
    sql, params = name_key_sql("v")
    con = duckdb.connect()
    try:
        got = [
            r[0]
            for r in con.execute(
                f"SELECT {sql} FROM unnest(?::VARCHAR[]) WITH ORDINALITY t(v, i) ORDER BY i",
                [*params, values],
            ).fetchall()
        ]
    finally:
        con.close()
    assert got == [name_key(v) for v in values]


def test_name_key_examples() -> None:
    assert name_key("José O'Neil-Díaz") == "jose oneil diaz"
    assert name_key("  JANE   doe ") == "jane doe"
    assert name_key("...") is None
    assert name_key(None) is None
