"""`planner ledger ...`, `planner export RUN_ID` and multi-campaign builds through the real CLI."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.ledger_support import DATA, ledger_rows, run_cli, write_campaign

AS_OF = "2026-11-02"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    for name in ("people_1.csv", "people_2.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path, tmp_path / "ledger.duckdb"


def _cli(tmp: Path, *args: str) -> tuple[int, str, str]:
    proc = run_cli(*args, cwd=tmp)
    return proc.returncode, proc.stdout, proc.stderr


def _keys(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["person_key"] for row in csv.DictReader(fh)]


def _build(tmp: Path, ledger: Path, out: str, *campaigns: Path, as_of: str = AS_OF) -> dict:  # type: ignore[type-arg]
    code, stdout, stderr = _cli(
        tmp, "build", *map(str, campaigns), "--ledger", str(ledger), "--out", str(tmp / out),
        "--as-of", as_of, "--json",
    )  # fmt: skip
    assert code == 0, stderr
    return json.loads(stdout)  # type: ignore[no-any-return]


def test_runs_history_cancel(setup: tuple[Path, Path]) -> None:
    tmp, ledger = setup
    campaign = write_campaign(tmp, "camp-a", ["people_1.csv"])
    run_id = _build(tmp, ledger, "out1", campaign)["run_id"]

    code, stdout, _ = _cli(tmp, "ledger", "runs", "--ledger", str(ledger), "--json")
    assert code == 0
    (run,) = json.loads(stdout)
    assert (run["run_id"], run["kind"], run["status"], run["touches"], run["counted"]) == (
        run_id, "build", "committed", 3, 3,
    )  # fmt: skip
    assert run["campaigns"] == ["camp-a"]

    # History by a URL variant finds Jane, with her email and the touch of the run.
    code, stdout, _ = _cli(
        tmp, "ledger", "history", "https://de.linkedin.com/in/Jane-Doe/?trk=x",
        "--ledger", str(ledger), "--json",
    )  # fmt: skip
    assert code == 0
    jane = json.loads(stdout)
    assert {(i["kind"], i["value"]) for i in jane["identities"]} == {
        ("email", "jane.doe@example.com"),
        ("url", "linkedin.com/in/jane-doe"),
    }
    assert [(t["run_id"], t["campaign_id"], t["status"]) for t in jane["touches"]] == [
        (run_id, "camp-a", "counted")
    ]

    # Before cancelling, a later build of the same campaign plans nobody; after, everyone again.
    assert _build(tmp, ledger, "out2", campaign, as_of="2026-11-03")["campaigns"][0]["files"]
    assert _keys(tmp / "out2" / "send_list.csv") == []
    code, stdout, stderr = _cli(tmp, "ledger", "cancel", run_id, "--ledger", str(ledger))
    assert code == 0, stderr
    assert "3 touch(es) no longer count" in stdout
    _build(tmp, ledger, "out3", campaign, as_of="2026-11-04")
    again = _keys(tmp / "out3" / "send_list.csv")
    assert sorted(again) == sorted(_keys(tmp / "out1" / "send_list.csv"))

    code, _, stderr = _cli(tmp, "ledger", "cancel", "no-such-run", "--ledger", str(ledger))
    assert code == 2
    assert "no-such-run" in stderr


def test_import_touches_count_toward_caps(setup: tuple[Path, Path]) -> None:
    tmp, ledger = setup
    touches = tmp / "sent_elsewhere.csv"
    touches.write_text(
        "email,date,campaign_id,channel\nJane.Doe@Example.com,2026-10-30,,email\n",
        encoding="utf-8",
    )
    code, stdout, stderr = _cli(
        tmp, "ledger", "import-touches", str(touches), "--ledger", str(ledger)
    )
    assert code == 0, stderr
    assert "imported 1 touch(es) of 1 person(s)" in stdout
    code, stdout, stderr = _cli(
        tmp, "build", str(write_campaign(tmp, "camp-a", ["people_1.csv"])), "--dry-run",
        "--json", "--ledger", str(ledger), "--as-of", AS_OF,
    )  # fmt: skip
    assert code == 0, stderr
    doc = json.loads(stdout)
    reasons = {e["candidate_id"]: e["reason"] for e in doc["excluded"]}
    assert reasons == {"a1": "frequency_cap"}
    assert sorted(r["candidate_id"] for r in doc["recipients"]) == ["a2", "a3"]


def test_import_touches_bad_line_imports_nothing(setup: tuple[Path, Path]) -> None:
    tmp, ledger = setup
    touches = tmp / "bad.csv"
    touches.write_text(
        "email,date\nomar@example.com,2026-10-30\nnot-an-email,2026-10-31\n"
        "li@example.com,31/10/2026\n",
        encoding="utf-8",
    )
    code, _, stderr = _cli(tmp, "ledger", "import-touches", str(touches), "--ledger", str(ledger))
    assert code == 3
    assert "bad.csv" in stderr
    assert "bad.csv:3: email is not an email address" in stderr
    assert "bad.csv:4: date is not a date" in stderr
    assert "not-an-email" not in stderr  # the bad value itself is personal data
    if ledger.exists():
        assert ledger_rows(ledger, "SELECT count(*) FROM touches") == [(0,)]


def test_export_run_is_byte_identical_to_the_build(setup: tuple[Path, Path]) -> None:
    tmp, ledger = setup
    campaign = write_campaign(tmp, "camp-a", ["people_1.csv"])
    code, stdout, stderr = _cli(
        tmp, "build", str(campaign), "--ledger", str(ledger), "--out", str(tmp / "built"),
        "--as-of", AS_OF, "--format", "greenhouse", "--format", "ashby", "--json",
    )  # fmt: skip
    assert code == 0, stderr
    run_id = json.loads(stdout)["run_id"]
    code, stdout, stderr = _cli(
        tmp, "export", run_id, "--format", "csv", "--format", "greenhouse", "--format", "ashby",
        "--out", str(tmp / "again"), "--ledger", str(ledger), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    (result,) = json.loads(stdout)
    assert result["recipients"] == 3
    again = sorted(p.name for p in (tmp / "again").iterdir())
    assert again == [
        "ashby_camp-a.jsonl",
        "ashby_camp-a_tags.jsonl",
        "greenhouse_camp-a_part001.csv",
        "send_list.csv",
    ]
    for name in again:
        assert (tmp / "again" / name).read_bytes() == (tmp / "built" / name).read_bytes(), name

    code, _, stderr = _cli(tmp, "export", "nope", "--format", "csv", "--ledger", str(ledger))
    assert code == 2 and "run nope is not in the ledger" in stderr
    code, _, stderr = _cli(tmp, "export", run_id, "--format", "xlsx", "--ledger", str(ledger))
    assert code == 2 and "unknown format 'xlsx'" in stderr


def test_multi_campaign_build_assigns_each_person_once(setup: tuple[Path, Path]) -> None:
    tmp, ledger = setup
    a = write_campaign(tmp, "camp-a", ["people_1.csv", "people_2.csv"])
    b = write_campaign(tmp, "camp-b", ["people_2.csv"])
    doc = _build(tmp, ledger, "multi", a, b)
    assert [c["campaign_id"] for c in doc["campaigns"]] == ["camp-a", "camp-b"]
    keys_a = _keys(tmp / "multi" / "camp-a" / "send_list.csv")
    keys_b = _keys(tmp / "multi" / "camp-b" / "send_list.csv")
    # Jane, Omar (in both files, the same persons), Li, Ana: four humans, each planned once.
    assert len(keys_a) + len(keys_b) == 4
    assert not set(keys_a) & set(keys_b)
    with (tmp / "multi" / "camp-b" / "excluded.csv").open(encoding="utf-8", newline="") as fh:
        elsewhere = {
            r["candidate_id"] for r in csv.DictReader(fh)
            if r["reason"] == "assigned_to_other_campaign"
        }  # fmt: skip
    assert elsewhere == {"b1", "b2", "b3"} - {
        cid for cid in ("b1", "b2", "b3") if cid in _ids(tmp / "multi" / "camp-b" / "send_list.csv")
    }
    assert ledger_rows(ledger, "SELECT count(*), count(DISTINCT person_key) FROM touches") == [
        (4, 4)
    ]


def _ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["candidate_id"] for row in csv.DictReader(fh)}
