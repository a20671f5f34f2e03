"""`planner.build(...)`: the library refuses what `planner build` refuses, and writes nothing then.

Each refusal is checked twice, through the library and through the CLI, on the same files and
the same ledger: same refusal, same exit code, no output directory, no run in the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

import planner
from planner.errors import LintError, RefusedError
from planner.ledger.commands import import_outcomes, import_touches
from tests.ledger_support import ledger_rows
from tests.outcomes_support import (
    days,
    run_main,
    write_campaign,
    write_csv,
    write_people,
)

T = dt.date(2026, 6, 15)


@pytest.fixture()
def people(tmp_path: Path) -> Path:
    return write_people(
        tmp_path / "people.csv",
        [
            ("c1", "Ana", "Silva", "ana@example.org", None, "Data Engineer"),
            ("c2", "Ben", "Okafor", "ben@example.org", None, "Data Engineer"),
        ],
    )


def _runs(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    (n,) = ledger_rows(ledger, "SELECT count(*) FROM runs")[0]
    assert isinstance(n, int)
    return n


def test_real_build_writes_and_records(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    ledger = tmp_path / "ledger.duckdb"
    # Paths may be strings, as in the README.
    with planner.build(
        [str(campaign)], ledger=str(ledger), as_of=T, out=str(tmp_path / "out")
    ) as result:
        assert not result.dry_run
        assert [w.recipients for w in result.written] == [2]
        # Run ids come from the real clock, not from the as-of date.
        today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        assert result.run_id is not None and result.run_id.startswith(today + "-")
        assert result.plan.campaigns[0].recipients["candidate_id"].to_list() == ["c1", "c2"]
    assert (tmp_path / "out" / "send_list.csv").is_file()
    assert _runs(ledger) == 1


def test_dry_run_writes_nothing_and_creates_no_ledger(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    ledger = tmp_path / "ledger.duckdb"
    with planner.build([campaign], dry_run=True, ledger=ledger, as_of=T) as result:
        assert result.written == [] and result.run_id is None
        assert result.plan.campaigns[0].funnel["recipients"] == 2
    assert not ledger.exists()
    assert not (tmp_path / "out").exists()


def test_lint_errors_refused_by_library_and_cli(
    tmp_path: Path,
    people: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    campaign = write_campaign(tmp_path, "camp-l", [people.name])
    # A generic greeting and no name field: lint error `generic-greeting`.
    text = campaign.read_text(encoding="utf-8").replace(
        "Hi {{ first_name }}, your work", "Dear Candidate, the work"
    )
    campaign.write_text(text, encoding="utf-8")
    ledger = tmp_path / "ledger.duckdb"
    with pytest.raises(LintError, match="lint error"):
        planner.build([campaign], ledger=ledger, as_of=T, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert _runs(ledger) == 0
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_main(
        capsys, "build", str(campaign), "--ledger", str(ledger), "--as-of", "2026-06-15"
    )
    assert code == 1 and "lint error" in stderr
    assert not (tmp_path / "out").exists()
    assert _runs(ledger) == 0
    # The same campaign builds once the user accepts the findings, in both.
    with planner.build(
        [campaign], ledger=ledger, as_of=T, out=tmp_path / "o1", allow_lint_errors=True
    ) as result:
        assert [w.recipients for w in result.written] == [2]


def test_guardrail_block_refused_by_library_and_cli(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger.duckdb"
    rows = [(f"w{i}@example.com", days(T, -(i % 14)), "old-camp", "dana") for i in range(100)]
    import_touches(
        write_csv(tmp_path / "t.csv", ["email", "date", "campaign_id", "sender_id"], rows), ledger
    )
    replies = [(email, "replied", days(d, 1) if d < T else d) for email, d, _, _ in rows[:5]]
    import_outcomes(write_csv(tmp_path / "r.csv", ["email", "outcome", "date"], replies), ledger)
    campaign = write_campaign(tmp_path, "camp-b", [people.name], action="block")
    runs_before = _runs(ledger)
    with pytest.raises(RefusedError, match="guardrail blocks"):
        planner.build([campaign], ledger=ledger, as_of=T, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert _runs(ledger) == runs_before
    code, _, stderr = run_main(
        capsys,
        "build",
        str(campaign),
        "--ledger",
        str(ledger),
        "--as-of",
        "2026-06-15",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 1 and "guardrail blocks" in stderr
    assert not (tmp_path / "out").exists()
    assert _runs(ledger) == runs_before
    # A dry run shows the block instead of refusing.
    with planner.build([campaign], dry_run=True, ledger=ledger, as_of=T) as result:
        assert result.plan.campaigns[0].guardrail["status"] == "block"


@pytest.mark.parametrize("bad", ["2026-06-15", dt.datetime(2026, 6, 15, 9, 0), 20260615])
def test_as_of_accepts_only_a_date(tmp_path: Path, people: Path, bad: object) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    with pytest.raises(TypeError, match=r"as_of must be a datetime\.date"):
        planner.build([campaign], dry_run=True, as_of=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"as_of must be a datetime\.date"):
        planner.plan([campaign], as_of=bad)  # type: ignore[arg-type]


def test_unknown_format_refused_before_reading(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    with pytest.raises(planner.errors.ConfigError, match="--format: unknown format 'xls'"):
        planner.build([campaign], formats=["xls"], ledger=tmp_path / "l.duckdb")
    assert not (tmp_path / "l.duckdb").exists()


def test_ats_rows_missing_a_required_field_are_named_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = write_people(
        tmp_path / "people.csv",
        [
            ("c1", "Ana", "Silva", "ana@example.org", None, "Data Engineer"),
            ("c2", "Ben", "Okafor", None, "https://www.linkedin.com/in/ben-o", "Data Engineer"),
        ],
    )
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    ledger, out = tmp_path / "ledger.duckdb", tmp_path / "out"
    code, stdout, stderr = run_main(
        capsys,
        "build",
        str(campaign),
        "--ledger",
        str(ledger),
        "--as-of",
        "2026-06-15",
        "--out",
        str(out),
        "--format",
        "linkedin_recruiter",
        "--format",
        "lever",
    )
    assert code == 0, stderr
    assert "camp-a: 2 recipients" in stdout
    assert (
        "planner: warning: camp-a: linkedin_recruiter: 1 recipient(s) left out of the import"
        " file, which requires the field (1 without Email)"
    ) in stderr
    assert "lever" not in stderr  # Lever needs no email: everyone is in its file
    lines = (out / "linkedin_recruiter_camp-a_part001.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == ["First name", "Ana"]
    manifest = json.loads((out / "manifest.json").read_text())
    (ben_key,) = [k for k in manifest["export_incomplete"]["linkedin_recruiter"]["person_keys"]]
    assert manifest["export_incomplete"] == {
        "linkedin_recruiter": {"count": 1, "missing": {"Email": 1}, "person_keys": [ben_key]}
    }
    send = (out / "send_list.csv").read_text()
    assert ben_key in send and "Ben" in send  # still in the send list


def test_every_file_a_build_writes_is_private(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    # One broken row, so that rejects.csv is written too.
    people.write_text(people.read_text(encoding="utf-8") + '"c3,"broken\n', encoding="utf-8")
    out = tmp_path / "out"
    formats = ["jsonl", "parquet", "greenhouse", "lever", "ashby", "linkedin_recruiter"]
    with planner.build(
        [campaign],
        ledger=tmp_path / "l.duckdb",
        as_of=T,
        out=out,
        formats=formats,
        max_bad_rows=5,
    ) as result:
        assert result.written
    files = sorted(p for p in out.rglob("*") if p.is_file())
    names = {p.name for p in files}
    assert {"send_list.csv", "excluded.csv", "rejects.csv", "manifest.json"} <= names
    assert len(files) >= 10
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {
        p.name: "0o600" for p in files
    }
    assert oct(out.stat().st_mode & 0o777) == "0o700"


def test_every_manifest_names_the_digest_of_every_file_beside_it(
    tmp_path: Path, people: Path
) -> None:
    # excluded.csv is hashed in a thread while the next campaign is written: each manifest
    # must still name its own campaign's digest, in the sorted place of every other file.
    campaigns = [write_campaign(tmp_path, f"camp-{c}", [people.name]) for c in "abc"]
    out = tmp_path / "out"
    with planner.build(
        campaigns, ledger=tmp_path / "l.duckdb", as_of=T, out=out, formats=["parquet"]
    ) as result:
        assert [w.campaign_id for w in result.written] == ["camp-a", "camp-b", "camp-c"]
    for cid in ("camp-a", "camp-b", "camp-c"):
        manifest = json.loads((out / cid / "manifest.json").read_text(encoding="utf-8"))
        files = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (out / cid).iterdir()
            if p.name != "manifest.json"
        }
        assert list(manifest["outputs"]) == sorted(files)
        assert manifest["outputs"] == files
        assert "excluded.csv" in files and "excluded.parquet" in files
        assert manifest["campaign_id"] == cid


def test_out_as_a_symlink_writes_into_its_target_and_the_ledger_stays_usable(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    ledger = tmp_path / "ledger.duckdb"
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    with planner.build([campaign], ledger=ledger, as_of=T, out=link) as result:
        run_id = result.run_id
        assert [w.out_dir for w in result.written] == [target.resolve()]
    assert link.is_symlink() and (target / "send_list.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    status = ledger_rows(ledger, "SELECT status FROM runs WHERE run_id = ?", [run_id])
    assert status == [("committed",)]
    # The next ledger write finds nothing to recover and works.
    code, _, stderr = run_main(capsys, "ledger", "cancel", str(run_id), "--ledger", str(ledger))
    assert code == 0, stderr


@pytest.mark.parametrize("kind", ["file", "non-empty dir", "link to a non-empty dir"])
def test_out_that_is_not_an_empty_directory_is_refused_before_the_run(
    tmp_path: Path, people: Path, kind: str
) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    ledger = tmp_path / "ledger.duckdb"
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    else:
        full = tmp_path / "full"
        full.mkdir()
        (full / "old.csv").write_text("x")
        if kind == "non-empty dir":
            out = full
        else:
            out.symlink_to(full, target_is_directory=True)
    message = "is a file, not a directory" if kind == "file" else "output directory is not empty"
    with pytest.raises(planner.errors.PlannerError, match=message):
        planner.build([campaign], ledger=ledger, as_of=T, out=out)
    assert _runs(ledger) == 0


def test_real_build_shows_lint_warnings_and_the_funnel(
    tmp_path: Path, people: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = write_campaign(tmp_path, "camp-w", [people.name])
    # A stock phrase: lint warns (canned-phrase), the build goes ahead.
    text = campaign.read_text(encoding="utf-8").replace(
        "caught my eye", "caught my eye. I came across your profile"
    )
    campaign.write_text(text, encoding="utf-8")
    with planner.build([campaign], dry_run=True, as_of=T) as result:
        warnings = [f for f in result.plan.campaigns[0].lint if f.severity == "warning"]
    assert "canned-phrase" in {f.rule for f in warnings}
    code, stdout, stderr = run_main(
        capsys,
        "build",
        str(campaign),
        "--ledger",
        str(tmp_path / "l.duckdb"),
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, stderr
    for f in warnings:
        assert f"planner: warning: {campaign}: message.{f.field}:{f.line}:{f.column}:" in stderr
        assert f"{f.rule}: {f.message}" in stderr
    assert "input rows" in stdout and "camp-w: 2 recipients" in stdout


def test_plan_without_a_ledger_says_so(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    with (
        pytest.warns(planner.pipeline.PlanWithoutLedgerWarning, match="caps, opt-outs"),
        planner.plan([campaign], as_of=T),
    ):
        pass


def test_funnel_as_a_dataframe(tmp_path: Path, people: Path) -> None:
    campaign = write_campaign(tmp_path, "camp-a", [people.name])
    text = campaign.read_text(encoding="utf-8").replace(
        "ranking: {min_score: 0}", "ranking: {min_score: 0, limit: 1}"
    )
    campaign.write_text(text, encoding="utf-8")
    with planner.build([campaign], dry_run=True, ledger=tmp_path / "l.duckdb", as_of=T) as r:
        frame = r.plan.campaigns[0].funnel_frame()
    assert frame.columns == ["reason", "rows", "remaining", "share"]
    assert frame["reason"].to_list()[-1] == "recipients"
    over = frame.filter(frame["reason"] == "over_limit").row(0, named=True)
    assert (over["rows"], over["remaining"], over["share"]) == (1, 1, 0.5)
    assert frame["rows"].sum() == 2  # each input row once: a reason or the recipients row


def test_unreadable_years_fail_a_years_range_with_a_detail(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(
        "candidate_id,first_name,last_name,email,title,years_experience\n"
        "c1,Ana,Silva,ana@example.org,Data Engineer,ninety\n"
        "c2,Ben,Okafor,ben@example.org,Data Engineer,-3\n"
        "c3,Cleo,Park,cleo@example.org,Data Engineer,1e20\n"
        "c4,Dev,Rao,dev@example.org,Data Engineer,\n"
        "c5,Eva,Lind,eva@example.org,Data Engineer,6\n",
        encoding="utf-8",
    )
    campaign = write_campaign(tmp_path, "camp-y", ["people.csv"])
    text = campaign.read_text(encoding="utf-8").replace(
        "ranking: {min_score: 0}",
        "ranking: {min_score: 0}\naudience: {years_experience: {min: 3, max: 10}}",
    )
    campaign.write_text(text, encoding="utf-8")
    with planner.build([campaign], dry_run=True, ledger=tmp_path / "l.duckdb", as_of=T) as r:
        p = r.plan.campaigns[0]
        excluded = {row["candidate_id"]: row for row in r.plan.excluded(p).to_dicts()}
        recipients = p.recipients["candidate_id"].to_list()
    assert sorted(recipients) == ["c4", "c5"]  # unknown years never exclude
    for cid in ("c1", "c2", "c3"):
        assert excluded[cid]["reason"] == "experience_out_of_range"
        assert "years_experience is not a number of years" in excluded[cid]["detail"]
        assert "ninety" not in excluded[cid]["detail"]
