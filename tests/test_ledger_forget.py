"""`planner ledger forget PERSON`: personal data erased from every table (and from the file),
only salted hashes kept, so an opted-out person stays suppressed when they come back."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import duckdb
import pytest

from planner.errors import ConfigError
from planner.ledger.commands import forget, history, import_outcomes, list_runs
from tests.outcomes_support import (
    days,
    dry_plan,
    real_build,
    run_main,
    write_campaign,
    write_csv,
    write_people,
)

T = date(2026, 6, 15)
ZELDA = (
    "z1",
    "Zelda",
    "Quixotic",
    "Zelda.Quixotic@Example.com",
    "https://www.linkedin.com/in/zelda-q/",
)
#: Every spelling of Zelda's data a ledger could hold (compared lowercased).
SECRETS = ("zelda", "quixotic", "linkedin.com/in/zelda-q")


def _all_text(ledger: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every VARCHAR value of every table of the ledger."""
    con = duckdb.connect(str(ledger), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
            " WHERE database_name = current_database() AND data_type = 'VARCHAR'"
            " ORDER BY 1, 2"
        ).fetchall()
        found: list[tuple[str, str, str]] = []
        for table, column in columns:
            for (value,) in con.execute(
                f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall():
                found.append((table, column, str(value)))
        return found
    finally:
        con.close()


def _holding(ledger: Path, needles: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted({(t, c) for t, c, v in _all_text(ledger) if any(n in v.lower() for n in needles)})


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path, str]:
    """A ledger where Zelda was sent a message (send list kept), replied "stop" (opted out),
    and Ana was sent one too; returns (dir, ledger, Zelda's person key)."""
    write_people(
        tmp_path / "people.csv",
        [(*ZELDA, "Data Engineer"), ("a1", "Ana", "Silva", "ana@example.org", None, "Engineer")],
    )
    campaign = write_campaign(tmp_path, "camp-a", ["people.csv"])
    ledger = tmp_path / "ledger.duckdb"
    real_build([campaign], ledger, days(T, -20), tmp_path / "out1")
    import_outcomes(
        write_csv(
            tmp_path / "o.csv",
            ["email", "outcome", "date"],
            [("zelda.quixotic@example.com", "opted_out", days(T, -19))],
        ),
        ledger,
    )
    key = history("zelda.quixotic@example.com", ledger)["person_key"]
    assert key is not None
    return tmp_path, ledger, key


def test_forget_erases_every_trace(built: tuple[Path, Path, str]) -> None:
    tmp, ledger, key = built
    # Before: the ledger holds her email, URL and name (send list) in several places.
    before = _holding(ledger, SECRETS)
    assert ("identities", "value") in before and ("send_rows", "row_json") in before

    result = forget("https://de.linkedin.com/in/Zelda-Q?trk=1", ledger)
    assert result["identities"] == 2 and result["send_rows"] == 1
    assert (result["touches"], result["outcomes"]) == (1, 1)
    assert result["out_dirs"] == [str((tmp / "out1").absolute())]
    new_key = result["person_key"]
    assert new_key.startswith("f") and new_key != key

    assert _holding(ledger, (*SECRETS, key)) == []
    raw = ledger.read_bytes().lower()
    for secret in (*SECRETS, key):
        assert secret.encode() not in raw, secret  # gone from the file, not only the tables
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    # Ana is untouched; the run still counts two touches.
    assert history("ana@example.org", ledger)["identities"] == [
        {
            "kind": "email",
            "value": "ana@example.org",
            "person_key": history("ana@example.org", ledger)["person_key"],
        }
    ]
    (run, _outcomes_run) = list_runs(ledger)
    assert run["counted"] == 2
    # What history shows about her now: anonymous, forgotten, facts kept.
    h = history("zelda.quixotic@example.com", ledger)
    assert (h["person_key"], h["forgotten"], h["identities"]) == (new_key, True, [])
    assert [o["outcome"] for o in h["outcomes"]] == ["opted_out"]
    assert [t["campaign_id"] for t in h["touches"]] == ["camp-a"]


def test_forgotten_opted_out_person_stays_suppressed(built: tuple[Path, Path, str]) -> None:
    tmp, ledger, _ = built
    forget("zelda.quixotic@example.com", ledger)
    # She comes back in new CSVs: by email only (other case), by URL only, by both.
    write_people(
        tmp / "new.csv",
        [
            ("n1", "Z.", "Q.", "ZELDA.QUIXOTIC@example.com", None, "Engineer"),
            ("n3", "Bo", "Ek", "bo@example.org", None, "Engineer"),
        ],
    )
    write_people(tmp / "url.csv", [("n2", "Zel", "Q", None, "linkedin.com/in/Zelda-Q", "Eng")])
    write_people(tmp / "both.csv", [(*ZELDA, "Engineer")])
    other = write_campaign(tmp, "camp-b", ["new.csv"])
    planned = dry_plan([other], ledger, T)
    row = planned.excluded["camp-b"]["n1"]
    assert (row["reason"], row["detail"]) == ("suppressed", "suppressed: opted out on 2026-05-27")
    assert planned.recipients["camp-b"] == ["n3"]
    for cid, name in (("n2", "url.csv"), ("z1", "both.csv")):
        campaign = write_campaign(tmp, f"camp-{cid}", [name])
        row = dry_plan([campaign], ledger, T).excluded[f"camp-{cid}"][cid]
        assert (row["reason"], row["detail"]) == (
            "suppressed",
            "suppressed: opted out on 2026-05-27",
        )
    # A real build of it records nothing new about her.
    real_build([other], ledger, T, tmp / "out2")
    assert _holding(ledger, SECRETS) == []


def test_forgotten_touches_keep_counting_for_caps(tmp_path: Path) -> None:
    write_people(tmp_path / "people.csv", [(*ZELDA, "Data Engineer")])
    ledger = tmp_path / "ledger.duckdb"
    a = write_campaign(tmp_path, "camp-a", ["people.csv"])
    real_build([a], ledger, days(T, -2), tmp_path / "out1")
    forget("zelda.quixotic@example.com", ledger)
    # Same campaign: already contacted; the forgotten touch still counts.
    assert dry_plan([a], ledger, T).excluded["camp-a"]["z1"]["reason"] == (
        "already_contacted_for_campaign"
    )
    # A person with no email or URL (known by a source-scoped key) can be forgotten by key.
    write_people(tmp_path / "anon.csv", [("x1", "Xi", "Lo", None, None, "Engineer")])
    b = write_campaign(tmp_path, "camp-b", ["anon.csv"])
    real_build([b], ledger, days(T, -1), tmp_path / "out2")
    (anon_key,) = [
        r[0]
        for r in duckdb.connect(str(ledger), read_only=True)
        .execute("SELECT person_key FROM touches WHERE campaign_id = 'camp-b'")
        .fetchall()
    ]
    forget(anon_key, ledger)
    assert dry_plan([b], ledger, T).excluded["camp-b"]["x1"]["reason"] == (
        "already_contacted_for_campaign"
    )


def test_forget_through_the_cli(
    built: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, ledger, _ = built
    code, stdout, stderr = run_main(
        capsys, "ledger", "forget", "Zelda.Quixotic@example.com", "--ledger", str(ledger)
    )
    assert code == 0, stderr
    assert stdout.startswith("forgotten: 2 identifier(s) and 1 send-list row(s) erased;")
    assert "files written by earlier builds still hold this person" in stderr
    assert str((tmp / "out1").absolute()) in stderr
    # Forgetting again finds the anonymous person (by hash) and has nothing left to erase.
    code, stdout, _ = run_main(
        capsys, "ledger", "forget", "zelda.quixotic@example.com", "--ledger", str(ledger), "--json"
    )
    assert code == 0
    doc = json.loads(stdout)
    assert (doc["identities"], doc["send_rows"], doc["touches"], doc["outcomes"]) == (0, 0, 1, 1)
    code, _, stderr = run_main(
        capsys, "ledger", "forget", "nobody@example.com", "--ledger", str(ledger)
    )
    assert code == 2
    assert "no person in the ledger" in stderr and "nobody" not in stderr


def test_forget_unknown_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        forget("someone@example.com", tmp_path / "ledger.duckdb")
