"""Identity across files and runs (SPEC 6.1), through real builds on a ledger file."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from planner.ledger.commands import history
from planner.normalize.identity import normalize_profile_url
from tests.ledger_support import DATA, counted_touches, dry_build, real_build, write_campaign

T = date(2026, 11, 2)


def _setup(tmp_path: Path) -> Path:
    for name in ("people_1.csv", "people_2.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "ledger.duckdb"


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["candidate_id,first_name,last_name,email,profile_url,title,skills"]
    lines += [
        f"{cid},{first},Test,{email},{url},Data Engineer,python" for cid, first, email, url in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path.name


def test_url_variants_are_one_identifier() -> None:
    for variant in (
        "https://de.linkedin.com/in/Jane-Doe/?trk=x",
        "linkedin.com/in/jane-doe",
        "https://www.linkedin.com/in/jane-doe/",
        "http://linkedin.com/in/JANE-DOE#about",
    ):
        assert normalize_profile_url(variant) == "linkedin.com/in/jane-doe"


def test_email_and_url_in_file_1_then_url_variant_alone_in_file_2(tmp_path: Path) -> None:
    ledger = _setup(tmp_path)
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    b = write_campaign(tmp_path, "camp-b", ["people_2.csv"])
    first = real_build([a], ledger, T, tmp_path / "out-a")
    jane = first.recipients["camp-a"]
    assert len(jane) == 3  # Jane, Omar, Li

    later = T + timedelta(days=5)
    dry = dry_build([b], ledger, later)
    real = real_build([b], ledger, later, tmp_path / "out-b")
    assert dry.recipients == real.recipients
    # Jane by URL variant alone, Omar by an email with other case and spaces: the same persons,
    # touched 5 days ago by camp-a, so capped across campaigns; Ana is new.
    assert real.reasons["camp-b"] == {"b1": "frequency_cap", "b2": "frequency_cap", "b3": None}
    touched = counted_touches(ledger)
    assert len(touched) == 4
    jane_hist = history("https://de.linkedin.com/in/Jane-Doe/?trk=x", ledger)
    by_email = history("jane.doe@example.com", ledger)
    assert jane_hist["person_key"] == by_email["person_key"]
    assert jane_hist["person_key"] in first.recipients["camp-a"]
    assert [t["campaign_id"] for t in jane_hist["touches"]] == ["camp-a"]
    omar = history(" OMAR@example.com", ledger)
    assert omar["person_key"] in first.recipients["camp-a"]


def test_same_person_in_two_files_of_one_build_is_planned_once(tmp_path: Path) -> None:
    ledger = _setup(tmp_path)
    both = write_campaign(tmp_path, "camp-both", ["people_1.csv", "people_2.csv"])
    res = dry_build([both], ledger, T)
    assert res.reasons["camp-both"]["b1"] == "duplicate_row"  # Jane by URL variant
    assert res.reasons["camp-both"]["b2"] == "duplicate_row"  # Omar by email variant
    assert len(res.recipients["camp-both"]) == 4  # Jane, Omar, Li, Ana


def test_key_recorded_by_email_never_changes(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.duckdb"
    f1 = _csv(tmp_path / "f1.csv", [("x1", "Omar", "omar@example.com", "")])
    f2 = _csv(
        tmp_path / "f2.csv", [("x2", "Omar", "omar@example.com", "https://linkedin.com/in/omar-h")]
    )
    f3 = _csv(tmp_path / "f3.csv", [("x3", "Omar", "", "https://www.linkedin.com/in/Omar-H/")])
    r1 = real_build([write_campaign(tmp_path, "c1", [f1])], ledger, T, tmp_path / "o1")
    (key,) = r1.recipients["c1"]
    r2 = real_build(
        [write_campaign(tmp_path, "c2", [f2])], ledger, T + timedelta(days=40), tmp_path / "o2"
    )
    # The URL would give a different key on its own; the recorded one wins.
    assert r2.recipients["c2"] == [key]
    r3 = real_build(
        [write_campaign(tmp_path, "c3", [f3])], ledger, T + timedelta(days=80), tmp_path / "o3"
    )
    assert r3.recipients["c3"] == [key]  # recognized later by URL alone
    r4 = dry_build([write_campaign(tmp_path, "c4", [f3])], ledger, T + timedelta(days=81))
    assert r4.reasons["c4"] == {"x3": "frequency_cap"}
    assert {k for k, *_ in counted_touches(ledger)} == {key}


def test_row_linking_two_recorded_persons_takes_the_earliest_key(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.duckdb"
    by_email = _csv(tmp_path / "e.csv", [("e1", "Pat", "pat@example.com", "")])
    by_url = _csv(tmp_path / "u.csv", [("u1", "Pat", "", "https://linkedin.com/in/pat-s")])
    both = _csv(
        tmp_path / "b.csv", [("b1", "Pat", "pat@example.com", "https://linkedin.com/in/pat-s")]
    )
    r1 = real_build([write_campaign(tmp_path, "c1", [by_email])], ledger, T, tmp_path / "o1")
    r2 = real_build(
        [write_campaign(tmp_path, "c2", [by_url])], ledger, T + timedelta(days=40), tmp_path / "o2"
    )
    (k1,) = r1.recipients["c1"]
    (k2,) = r2.recipients["c2"]
    assert k1 != k2  # nothing linked them yet
    # A row carrying both: one person, the earlier key, and both histories count.
    r3 = real_build(
        [write_campaign(tmp_path, "c1", [both])], ledger, T + timedelta(days=41), tmp_path / "o3"
    )
    assert r3.reasons["c1"] == {"b1": "already_contacted_for_campaign"}
    r4 = real_build(
        [write_campaign(tmp_path, "c3", [both])], ledger, T + timedelta(days=42), tmp_path / "o4"
    )
    assert r4.reasons["c3"] == {"b1": "frequency_cap"}  # the touch of c2 (as k2) counts
    r5 = real_build(
        [write_campaign(tmp_path, "c3", [both])], ledger, T + timedelta(days=80), tmp_path / "o5"
    )
    assert r5.recipients["c3"] == [k1]
    # From now on the URL alone finds the earliest key, and history shows both keys.
    assert history("linkedin.com/in/pat-s", ledger)["person_key"] == k1
    assert sorted(history("pat@example.com", ledger)["keys"]) == sorted([k1, k2])
    r6 = dry_build([write_campaign(tmp_path, "c2", [by_url])], ledger, T + timedelta(days=200))
    assert r6.reasons["c2"] == {"u1": "already_contacted_for_campaign"}


def test_rebuilding_the_same_file_keeps_keys(tmp_path: Path) -> None:
    ledger = _setup(tmp_path)
    a = write_campaign(tmp_path, "camp-a", ["people_1.csv"])
    r1 = real_build([a], ledger, T, tmp_path / "o1")
    r2 = dry_build([a], ledger, T + timedelta(days=100))
    assert set(r2.reasons["camp-a"].values()) == {"already_contacted_for_campaign"}
    b = write_campaign(tmp_path, "camp-x", ["people_1.csv"])
    r3 = dry_build([b], ledger, T + timedelta(days=100))
    assert sorted(r3.recipients["camp-x"]) == sorted(r1.recipients["camp-a"])
