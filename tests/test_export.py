"""Send-list exports (planner.export): golden files per format, round trips, row limits,
determinism, atomic writes and errors.

Golden files live in tests/golden/export/ and are compared byte for byte. After an intended
change of an output, regenerate them and review the diff:

    PLANNER_UPDATE_GOLDEN=1 python -m pytest tests/test_export.py -q
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from planner.config import Campaign
from planner.contract import FORMATS, SEND_LIST_COLUMNS
from planner.errors import ExportError
from planner.export import (
    EXPORTERS,
    export,
    export_all,
    get_exporter,
    incomplete,
    neutralize_text,
)
from planner.export import base as export_base
from planner.export.base import SEND_LIST_SCHEMA, write_csv_parts

GOLDEN = Path(__file__).parent / "golden" / "export"
UPDATE = os.environ.get("PLANNER_UPDATE_GOLDEN") == "1"
GOLDEN_EXTRA = {"README.md", ".gitattributes"}

CAMPAIGN_DATA: dict[str, Any] = {
    "version": 1,
    "id": "acme-data-eng-q4",
    "role": {
        "title": "Senior Data Engineer",
        "company": "Acme Analytics",
        "location": "Berlin, Germany",
        "url": "https://jobs.lever.co/acme/123",
    },
    "sender": {"id": "dana", "name": "Dana Reyes", "email": "dana@acme.example"},
    "candidates": {"paths": ["data/candidates.csv"]},
    "export": {"formats": list(FORMATS), "tags": ["q4-data", "berlin, remote"]},
}


def make_campaign(**changes: Any) -> Campaign:
    data = json.loads(json.dumps(CAMPAIGN_DATA))
    data.update(changes)
    return Campaign.model_validate(data)


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {name: None for name in SEND_LIST_COLUMNS}
    base.update(
        run_id="run-1",
        campaign_id="acme-data-eng-q4",
        personal_fields=3,
        personal_share=0.3125,
        step=0,
    )
    base.update(values)
    return base


# Names with commas, quotes, newlines and non-Latin scripts; missing emails; values that look
# like formulas; URLs with and without scheme. Ordered by fit score, then person key.
ROWS: list[dict[str, Any]] = [
    row(
        person_key="email:zoe@example.com",
        candidate_id="c1",
        first_name="Zoë",
        last_name="O'Brien, Jr.",
        full_name='Zoë "Zo" O\'Brien, Jr.',
        email="zoe@example.com",
        profile_url="https://www.linkedin.com/in/zoe-obrien",
        current_title="Senior Data Engineer",
        current_company="Datawerk GmbH",
        city="Berlin",
        country="DE",
        seniority="senior",
        years_experience=7.0,
        matched_skills=["python", "sql", "kafka"],
        top_skill="kafka",
        fit_score=0.9512,
        reasons=["all skills: python, sql", "title: data engineer"],
        subject="Senior Data Engineer at Acme Analytics",
        message="Hi Zoë,\nyour Kafka work at Datawerk GmbH caught my eye.\nOpen to a call?",
        personal_fields=4,
        personal_share=0.2667,
        variant="a",
    ),
    row(
        person_key="url:linkedin.com/in/oyvind",
        candidate_id="c2",
        first_name="Øyvind",
        last_name="Støre",
        full_name="Øyvind Støre",
        email=None,
        profile_url="linkedin.com/in/oyvind",
        current_title='=HYPERLINK("https://evil.example","click")',
        current_company="+49 30 1234",
        city="Oslo",
        country="NO",
        seniority="staff",
        years_experience=12.5,
        matched_skills=["python", "sql"],
        top_skill="python",
        fit_score=0.8,
        reasons=["all skills: python, sql"],
        subject="Senior Data Engineer at Acme Analytics",
        message="-5 reasons to talk",
        personal_fields=2,
    ),
    row(
        person_key="email:jose@example.es",
        candidate_id="c3",
        first_name="José",
        last_name="Núñez\nGarcía",
        full_name="José Núñez García",
        email="jose@example.es",
        profile_url="https://github.com/jnunez",
        current_title="@handle",
        current_company="\tTabbed Corp",
        city=None,
        country="ES",
        seniority=None,
        years_experience=None,
        matched_skills=[],
        top_skill=None,
        fit_score=0.75,
        reasons=None,
        subject="-5",
        message="\rcarriage",
        personal_fields=-5,
        step=1,
        variant="b",
    ),
    row(
        person_key="src:sourcer:42",
        candidate_id="42",
        first_name=None,
        last_name=None,
        full_name="李 小龙",
        email="  ",
        profile_url=None,
        current_title="数据工程师",
        current_company="Acme; Beta, Gamma",
        city="Shanghai",
        country="XX",
        seniority="mid",
        years_experience=3.25,
        matched_skills=None,
        top_skill=None,
        fit_score=0.5,
        reasons=["title: data engineer"],
        subject=None,
        message="Line\u2028separator",
        personal_fields=0,
    ),
]

# (first, last, full, email) the ATS formats carry for ROWS, before CSV neutralization:
# names fall back to full_name's words, fields are on one line, blank emails are empty.
PEOPLE = [
    ("Zoë", "O'Brien, Jr.", 'Zoë "Zo" O\'Brien, Jr.', "zoe@example.com"),
    ("Øyvind", "Støre", "Øyvind Støre", ""),
    ("José", "Núñez García", "José Núñez García", "jose@example.es"),
    ("李", "小龙", "李 小龙", ""),
]


def send_list(rows: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    return pl.DataFrame(ROWS if rows is None else rows, schema=SEND_LIST_SCHEMA)


def synthetic(n: int) -> pl.DataFrame:
    """A cheap send list of n rows (vectorized, no Python loop)."""
    i = pl.int_range(n, eager=True).alias("i")
    key = "p" + i.cast(pl.String).str.zfill(6)
    frame = pl.DataFrame(
        {
            "person_key": key,
            "first_name": "First" + i.cast(pl.String),
            "last_name": "Last" + i.cast(pl.String),
            "full_name": "First" + i.cast(pl.String) + " Last" + i.cast(pl.String),
            "email": key + "@example.com",
            "fit_score": pl.Series([0.5] * n, dtype=pl.Float64),
        }
    )
    return frame.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in SEND_LIST_SCHEMA.items()
        if name not in frame.columns
    ).select(SEND_LIST_COLUMNS)


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def exported(tmp_path: Path) -> dict[str, list[Path]]:
    return export_all(send_list(), make_campaign(), list(FORMATS), tmp_path)


# --------------------------------------------------------------------------- golden files


def test_golden_files_byte_for_byte(exported: dict[str, list[Path]]) -> None:
    produced = {p.name: p for paths in exported.values() for p in paths if p.suffix != ".parquet"}
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in set(files_in(GOLDEN)) - GOLDEN_EXTRA - set(produced):
            (GOLDEN / stale).unlink()
        for name, path in produced.items():
            (GOLDEN / name).write_bytes(path.read_bytes())
    golden = set(files_in(GOLDEN)) - GOLDEN_EXTRA
    assert golden == set(produced), "golden file set differs (regenerate: see module docstring)"
    for name, path in sorted(produced.items()):
        expected = (GOLDEN / name).read_bytes()
        assert path.read_bytes() == expected, f"{name} differs from tests/golden/export/{name}"


def test_golden_file_names(exported: dict[str, list[Path]]) -> None:
    names = {fmt: [p.name for p in paths] for fmt, paths in exported.items()}
    assert names == {
        "csv": ["send_list.csv"],
        "jsonl": ["send_list.jsonl"],
        "parquet": ["send_list.parquet"],
        "greenhouse": ["greenhouse_acme-data-eng-q4_part001.csv"],
        "lever": ["lever_acme-data-eng-q4_part001.csv"],
        "ashby": ["ashby_acme-data-eng-q4.jsonl", "ashby_acme-data-eng-q4_tags.jsonl"],
        "linkedin_recruiter": ["linkedin_recruiter_acme-data-eng-q4_part001.csv"],
    }


# --------------------------------------------------------------------------- per format


def test_csv_is_the_send_list(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["csv"]
    data = path.read_bytes()
    assert data.startswith(b"run_id,campaign_id,person_key,")  # no BOM
    assert data.endswith(b"\r\n")
    records = read_csv_dicts(path)
    assert list(records[0]) == list(SEND_LIST_COLUMNS)
    assert [r["person_key"] for r in records] == [r["person_key"] for r in ROWS]
    first, second, third, fourth = records
    assert first["fit_score"] == "0.9512" and second["fit_score"] == "0.8000"
    assert first["years_experience"] == "7" and second["years_experience"] == "12.5"
    assert third["years_experience"] == "" and fourth["years_experience"] == "3.25"
    assert first["matched_skills"] == "python; sql; kafka"
    assert first["reasons"] == "all skills: python, sql; title: data engineer"
    assert third["matched_skills"] == "" and fourth["matched_skills"] == ""
    assert first["message"] == ROWS[0]["message"]  # newlines kept inside the quoted cell
    assert second["current_title"] == "'" + ROWS[1]["current_title"]
    assert second["current_company"] == "'+49 30 1234"
    assert second["message"] == "'-5 reasons to talk"
    assert third["current_title"] == "'@handle"
    assert third["current_company"] == "'\tTabbed Corp"
    assert third["message"] == "'\rcarriage"
    assert third["personal_fields"] == "'-5"  # negative numbers too: the rule has no exceptions
    assert fourth["email"] == "  "  # the send list is written as is (only neutralized)


def test_csv_round_trip_every_column(exported: dict[str, list[Path]]) -> None:
    records = read_csv_dicts(exported["csv"][0])
    for source, record in zip(ROWS, records, strict=True):
        for name in ("person_key", "full_name", "first_name", "last_name", "email", "message"):
            value = source[name] or ""
            assert record[name] == neutralize_text(value), name


def test_jsonl_is_the_send_list(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["jsonl"]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == len(ROWS) + 1
    assert "\u2028" not in text and "\\u2028" in text  # line separators escaped
    assert "Zoë" in text and "李" in text  # UTF-8, not \u-escaped
    records = [json.loads(line) for line in lines[:-1]]
    assert [list(r) for r in records] == [list(SEND_LIST_COLUMNS)] * len(ROWS)
    assert records == send_list().to_dicts()


def test_parquet_reads_back_equal(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["parquet"]
    assert_frame_equal(pl.read_parquet(path), send_list())


def test_greenhouse_columns_and_mapping(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["greenhouse"]
    records = read_csv_dicts(path)
    assert list(records[0]) == [
        "First Name",
        "Last Name",
        "Company",
        "Title",
        "Notes",
        "Email",
        "Phone",
        "Social Media",
        "Website",
        "Address",
        "Source",
        "Who gets credit",
        "Job",
        "Department",
        "Office",
        "Prospect Pool",
        "Prospect Stage",
    ]
    zoe, oyvind, jose, li = records
    assert zoe["Social Media"] == "https://www.linkedin.com/in/zoe-obrien"
    assert oyvind["Social Media"] == "https://linkedin.com/in/oyvind"
    assert zoe["Address"] == "Berlin, Germany" and jose["Address"] == "Spain"
    assert li["Address"] == "Shanghai, XX"  # unknown code kept as is
    assert zoe["Source"] == "planner"
    assert zoe["Who gets credit"] == "dana@acme.example"
    assert zoe["Job"] == "Senior Data Engineer" and zoe["Office"] == "Berlin, Germany"
    assert zoe["Notes"] == (
        "Fit score 0.9512. Matched skills: python, sql, kafka. "
        "Reasons: all skills: python, sql; title: data engineer. "
        "Campaign: acme-data-eng-q4. Tags: q4-data, berlin remote."
    )
    assert (
        jose["Notes"]
        == "Fit score 0.7500. Campaign: acme-data-eng-q4. Tags: q4-data, berlin remote."
    )
    assert oyvind["Company"] == "'+49 30 1234"
    assert {
        r["Phone"] + r["Website"] + r["Prospect Pool"] + r["Prospect Stage"] for r in records
    } == {""}
    assert li["Email"] == ""  # blank email cleaned to empty


def test_greenhouse_credit_falls_back_to_name_then_id(tmp_path: Path) -> None:
    campaign = make_campaign(sender={"id": "dana", "name": "Dana Reyes"})
    (path,) = export(send_list(), campaign, "greenhouse", tmp_path)
    assert {r["Who gets credit"] for r in read_csv_dicts(path)} == {"Dana Reyes"}
    campaign = make_campaign(sender={"id": "dana"}, role={"title": "DE", "company": "Acme"})
    (path,) = export(send_list(), campaign, "greenhouse", tmp_path / "b")
    records = read_csv_dicts(path)
    assert {r["Who gets credit"] for r in records} == {"dana"}
    assert {r["Office"] for r in records} == {""}


def test_lever_columns_and_rules(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["lever"]
    assert re.fullmatch(r"[a-z0-9_-]+\.csv", path.name)
    records = read_csv_dicts(path)
    assert list(records[0]) == [
        "Full name",
        "Email",
        "Phone",
        "Current company",
        "Current title",
        "Location",
        "Links",
        "Tags",
        "Sources",
        "Origin",
        "Stage",
        "Lever Posting URL",
        "Note",
    ]
    zoe = records[0]
    assert zoe["Tags"] == "q4-data,berlin remote,acme-data-eng-q4"  # comma, no space
    assert zoe["Sources"] == "planner" and zoe["Origin"] == "Sourced"  # Lever's fixed list
    assert zoe["Stage"] == "New Lead"
    assert zoe["Lever Posting URL"] == "https://jobs.lever.co/acme/123"
    assert records[2]["Links"] == "https://github.com/jnunez"
    assert records[3]["Location"] == "Shanghai, XX"
    assert b'"q4-data,berlin remote,acme-data-eng-q4"' in path.read_bytes()  # quoted cell


def test_lever_posting_url_only_for_lever_postings(tmp_path: Path) -> None:
    role = dict(CAMPAIGN_DATA["role"], url="https://jobs.example/acme/123")
    (path,) = export(send_list(), make_campaign(role=role), "lever", tmp_path)
    assert {r["Lever Posting URL"] for r in read_csv_dicts(path)} == {""}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


#: The fields of Ashby's candidate.create request body (its API reference).
ASHBY_CANDIDATE_CREATE = {
    "name",
    "email",
    "phoneNumber",
    "linkedInUrl",
    "githubUrl",
    "website",
    "alternateEmailAddresses",
    "sourceId",
    "creditedToUserId",
    "location",
}


def test_ashby_bodies(exported: dict[str, list[Path]]) -> None:
    path, tags_path = exported["ashby"]
    bodies = _jsonl(path)
    assert bodies[0] == {
        "name": 'Zoë "Zo" O\'Brien, Jr.',
        "email": "zoe@example.com",
        "linkedInUrl": "https://www.linkedin.com/in/zoe-obrien",
        "location": {"city": "Berlin", "country": "Germany"},
    }
    assert bodies[1] == {
        "name": "Øyvind Støre",
        "linkedInUrl": "https://linkedin.com/in/oyvind",
        "location": {"city": "Oslo", "country": "Norway"},
    }
    assert bodies[2]["website"] == "https://github.com/jnunez"
    assert "linkedInUrl" not in bodies[2] and bodies[2]["location"] == {"country": "Spain"}
    assert bodies[3] == {"name": "李 小龙", "location": {"city": "Shanghai", "country": "XX"}}
    assert all(None not in b.values() for b in bodies)
    # Only candidate.create's own fields: tags are separate requests.
    assert set().union(*bodies) <= ASHBY_CANDIDATE_CREATE
    assert _jsonl(tags_path) == [
        {"title": "q4-data"},
        {"title": "berlin, remote"},
        {"title": "acme-data-eng-q4"},
    ]
    assert tags_path.name == "ashby_acme-data-eng-q4_tags.jsonl"


def test_ashby_ids_and_applications(tmp_path: Path) -> None:
    settings = {"source_id": "src-1", "credited_to_user_id": "user-7", "job_id": "job-42"}
    campaign = make_campaign(export={"formats": ["ashby"], "ashby": settings})
    paths = export(send_list(), campaign, "ashby", tmp_path)
    assert [p.name for p in paths] == [
        "ashby_acme-data-eng-q4.jsonl",
        "ashby_acme-data-eng-q4_applications.jsonl",
        "ashby_acme-data-eng-q4_tags.jsonl",
    ]
    candidates, applications, _tags = (_jsonl(p) for p in paths)
    assert [(b["sourceId"], b["creditedToUserId"]) for b in candidates] == [
        ("src-1", "user-7")
    ] * len(ROWS)
    # Line i attaches the candidate of line i; the pusher adds candidateId from the response.
    assert applications == [
        {"jobId": "job-42", "sourceId": "src-1", "creditedToUserId": "user-7"}
    ] * len(candidates)


def test_linkedin_recruiter_columns(exported: dict[str, list[Path]]) -> None:
    (path,) = exported["linkedin_recruiter"]
    records = read_csv_dicts(path)
    assert list(records[0]) == [
        "First name",
        "Last name",
        "Email",
        "Phone number",
        "Job title",
        "Company",
        "Location",
        "Pipeline stage",
        "Note",
        "Note visibility",
        "Tags",
    ]
    assert {r["Note visibility"] for r in records} == {"PROJECT_MEMBERS"}
    assert {r["Tags"] for r in records} == {"q4-data, berlin remote"}
    # LinkedIn requires an email: Øyvind and 李 have none and are left out (named below).
    assert [r["First name"] for r in records] == ["Zoë", "José"]
    assert records[1]["Job title"] == "'" + ROWS[2]["current_title"]
    assert records[0]["Note"].startswith("Fit score 0.9512. ")


@pytest.mark.parametrize(
    ("fmt", "missing"),
    [
        ("csv", []),
        ("jsonl", []),
        ("parquet", []),
        ("lever", []),
        ("ashby", []),
        ("greenhouse", [("url:linkedin.com/in/mono", ["Last Name"])]),
        (
            "linkedin_recruiter",
            [
                ("url:linkedin.com/in/oyvind", ["Email"]),
                ("src:sourcer:42", ["Email"]),
                ("url:linkedin.com/in/mono", ["Last name", "Email"]),
            ],
        ),
    ],
)
def test_incomplete_rows_are_named_and_left_out(
    tmp_path: Path, fmt: str, missing: list[tuple[str, list[str]]]
) -> None:
    mono = row(
        person_key="url:linkedin.com/in/mono",
        candidate_id="c9",
        first_name="Suharto",
        full_name="Suharto",
        profile_url="linkedin.com/in/mono",
        fit_score=0.4,
    )
    frame = pl.DataFrame([*ROWS, mono], schema=dict(SEND_LIST_SCHEMA))
    named = incomplete(frame, make_campaign(), fmt)
    assert list(zip(named["person_key"], named["missing"].to_list(), strict=True)) == missing
    written = export(frame, make_campaign(), fmt, tmp_path)
    if fmt in {"greenhouse", "linkedin_recruiter", "lever"}:
        (path,) = written
        assert len(read_csv_dicts(path)) == frame.height - len(missing)


def test_linkedin_recruiter_without_tags(tmp_path: Path) -> None:
    campaign = make_campaign(export={"formats": ["csv"]})
    (path,) = export(send_list(), campaign, "linkedin_recruiter", tmp_path)
    assert {r["Tags"] for r in read_csv_dicts(path)} == {""}


@pytest.mark.parametrize(
    ("fmt", "first", "last", "full", "email"),
    [
        ("greenhouse", "First Name", "Last Name", None, "Email"),
        ("linkedin_recruiter", "First name", "Last name", None, "Email"),
        ("lever", None, None, "Full name", "Email"),
        ("csv", "first_name", "last_name", "full_name", "email"),
    ],
)
def test_csv_formats_round_trip_people(
    exported: dict[str, list[Path]],
    fmt: str,
    first: str | None,
    last: str | None,
    full: str | None,
    email: str,
) -> None:
    records = [r for path in exported[fmt] for r in read_csv_dicts(path)]
    # LinkedIn Recruiter leaves out the rows without an email (its importer requires one).
    kept = [
        (p, s)
        for p, s in zip(PEOPLE, ROWS, strict=True)
        if fmt != "linkedin_recruiter" or p[3]  # the cleaned email
    ]
    assert len(records) == len(kept)
    for ((p_first, p_last, p_full, p_email), source), record in zip(kept, records, strict=True):
        if fmt == "csv":  # the send list as is
            p_first, p_last = source["first_name"] or "", source["last_name"] or ""
            p_email = source["email"] or ""
        if first is not None and last is not None:
            assert record[first] == neutralize_text(p_first)
            assert record[last] == neutralize_text(p_last)
        if full is not None:
            assert record[full] == neutralize_text(p_full)
        assert record[email] == p_email


# --------------------------------------------------------------------------- row limits


@pytest.mark.parametrize(
    ("fmt", "n", "sizes"),
    [
        ("linkedin_recruiter", 0, [0]),
        ("linkedin_recruiter", 1, [1]),
        ("linkedin_recruiter", 200, [200]),
        ("linkedin_recruiter", 201, [200, 1]),
        ("linkedin_recruiter", 401, [200, 200, 1]),
        ("greenhouse", 8000, [8000]),
        ("greenhouse", 8001, [8000, 1]),
        ("lever", 55_000, [55_000]),
        ("lever", 55_001, [55_000, 1]),
    ],
)
def test_split_at_row_limits(tmp_path: Path, fmt: str, n: int, sizes: list[int]) -> None:
    frame = synthetic(n)
    paths = export(frame, make_campaign(), fmt, tmp_path)
    assert [p.name for p in paths] == [
        f"{fmt}_acme-data-eng-q4_part{i:03d}.csv" for i in range(1, len(sizes) + 1)
    ]
    assert files_in(tmp_path) == [p.name for p in paths]
    frames = [pl.read_csv(p, infer_schema=False) for p in paths]
    assert [f.height for f in frames] == sizes
    assert all(size <= (EXPORTERS[fmt].max_rows or n) for size in sizes)
    email_column = "Email"
    emails = pl.concat(frames)[email_column].to_list() if n else []
    assert emails == frame["email"].to_list()  # order kept across parts


def test_part_numbers_widen_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_base, "PART_DIGITS", 1)
    frame = pl.DataFrame({"a": [str(i) for i in range(10)]})
    paths = write_csv_parts(frame, tmp_path, "x", 1)
    assert [p.name for p in paths] == [f"x_part{i:02d}.csv" for i in range(1, 11)]
    assert [p.name for p in paths] == sorted(p.name for p in paths)


def test_unsplit_formats_have_no_part_number(tmp_path: Path) -> None:
    paths = export_all(synthetic(250), make_campaign(), ["ashby", "csv", "jsonl"], tmp_path)
    assert paths["ashby"] == [
        tmp_path / "ashby_acme-data-eng-q4.jsonl",
        tmp_path / "ashby_acme-data-eng-q4_tags.jsonl",
    ]
    assert len(paths["ashby"][0].read_text(encoding="utf-8").splitlines()) == 250


def test_empty_send_list(tmp_path: Path) -> None:
    result = export_all(synthetic(0), make_campaign(), list(FORMATS), tmp_path)
    assert (tmp_path / "send_list.csv").read_bytes().count(b"\r\n") == 1  # header only
    assert (tmp_path / "send_list.jsonl").read_bytes() == b""
    assert (tmp_path / "ashby_acme-data-eng-q4.jsonl").read_bytes() == b""
    assert pl.read_parquet(tmp_path / "send_list.parquet").height == 0
    assert [p.name for p in result["greenhouse"]] == ["greenhouse_acme-data-eng-q4_part001.csv"]


# --------------------------------------------------------------------------- determinism, atomic


def test_exports_are_byte_identical_across_runs(tmp_path: Path) -> None:
    first = export_all(send_list(), make_campaign(), list(FORMATS), tmp_path / "a")
    second = export_all(send_list(), make_campaign(), list(FORMATS), tmp_path / "b")
    for fmt in FORMATS:
        assert [p.name for p in first[fmt]] == [p.name for p in second[fmt]]
        for a, b in zip(first[fmt], second[fmt], strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_no_temporary_files_left(tmp_path: Path, exported: dict[str, list[Path]]) -> None:
    written = sorted(p.name for paths in exported.values() for p in paths)
    assert files_in(tmp_path) == written
    assert not [n for n in files_in(tmp_path) if n.startswith(".") or n.endswith(".tmp")]


def test_failed_write_keeps_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (path,) = export(send_list(), make_campaign(), "greenhouse", tmp_path)
    before = path.read_bytes()

    def broken_write_csv(self: pl.DataFrame, file: Any, **kwargs: Any) -> None:
        Path(file).write_bytes(b"half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken_write_csv)
    with pytest.raises(ExportError) as info:
        export(send_list(), make_campaign(), "greenhouse", tmp_path)
    assert "No space left on device" in info.value.message
    assert str(path) in info.value.message and info.value.hint
    assert path.read_bytes() == before
    assert files_in(tmp_path) == [path.name]


def test_creates_missing_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out" / "acme" / "run-1"
    (path,) = export(send_list(), make_campaign(), "csv", out)
    assert path == out / "send_list.csv" and path.exists()


# --------------------------------------------------------------------------- errors and API


def test_unknown_format_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        export(send_list(), make_campaign(), "workday", tmp_path)
    assert "workday" in info.value.message
    assert info.value.hint is not None
    for fmt in FORMATS:
        assert fmt in info.value.hint
    with pytest.raises(ExportError) as info:
        get_exporter("greenhuose")
    assert "did you mean 'greenhouse'?" in (info.value.hint or "")


def test_export_all_checks_every_name_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        export_all(send_list(), make_campaign(), ["csv", "nope"], tmp_path)
    assert not tmp_path.exists() or files_in(tmp_path) == []


def test_export_all_deduplicates_in_order(tmp_path: Path) -> None:
    result = export_all(send_list(), make_campaign(), ["lever", "csv", "lever"], tmp_path)
    assert list(result) == ["lever", "csv"]


def test_send_list_with_wrong_columns_is_refused(tmp_path: Path) -> None:
    frame = send_list().drop("email").with_columns(pl.lit(1).alias("phone"))
    with pytest.raises(ExportError) as info:
        export(frame, make_campaign(), "csv", tmp_path)
    assert "missing email" in info.value.message and "unexpected phone" in info.value.message


def test_send_list_columns_are_reordered_and_cast(tmp_path: Path) -> None:
    frame = send_list().select(list(reversed(SEND_LIST_COLUMNS)))
    frame = frame.with_columns(pl.col("personal_fields").cast(pl.Int32))
    (path,) = export(frame, make_campaign(), "csv", tmp_path)
    (golden,) = export(send_list(), make_campaign(), "csv", tmp_path / "ref")
    assert path.read_bytes() == golden.read_bytes()


def test_registry_matches_contract() -> None:
    assert tuple(EXPORTERS) == FORMATS
    assert {n: e.max_rows for n, e in EXPORTERS.items()} == {
        "csv": None,
        "jsonl": None,
        "parquet": None,
        "greenhouse": 8000,
        "lever": 55_000,
        "ashby": None,
        "linkedin_recruiter": 200,
    }
    for name, exporter in EXPORTERS.items():
        assert exporter.name == name


def test_no_candidate_data_in_error_messages(tmp_path: Path) -> None:
    frame = send_list().with_columns(pl.lit("not a number").alias("fit_score"))
    with pytest.raises(ExportError) as info:
        export(frame, make_campaign(), "csv", tmp_path)
    assert "not a number" not in str(info.value) + (info.value.hint or "")


def test_csv_reader_sees_crlf_records(exported: dict[str, list[Path]]) -> None:
    data = exported["lever"][0].read_bytes()
    assert data.count(b"\r\n") >= len(ROWS) + 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(rows) == len(ROWS) + 1
