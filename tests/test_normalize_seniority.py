"""Seniority from title rules and years (planner.normalize.seniority, SPEC 5.3)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.contract import LEVELS
from planner.normalize import seniority
from tests.test_normalize_text import maybe, mixed, sql_values, text


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Senior Data Engineer", "senior"),
        ("Sr. Data Engineer", "senior"),
        ("SR DATA ENGINEER", "senior"),
        ("Lead Data Engineer", "senior"),
        ("Tech Lead", "senior"),
        ("Staff Analytics Engineer", "staff"),
        ("Principal Engineer", "principal"),
        ("Distinguished Engineer", "principal"),
        ("Head of Data", "director"),
        ("Director of Engineering", "director"),
        ("Senior Director, Data Platform", "director"),
        ("VP Engineering", "vp"),
        ("Senior Vice President Technology", "vp"),
        ("Chief Technology Officer", "executive"),
        ("CTO & Co-Founder", "executive"),
        ("Geschäftsführer", "executive"),
        ("Managing Director", "executive"),
        ("President", "executive"),
        ("Werkstudent Data Engineering", "intern"),
        ("Werkstudentin (m/w/d) Data", "intern"),
        ("Praktikant Softwareentwicklung", "intern"),
        ("Data Engineering Intern", "intern"),
        ("Junior Data Engineer", "junior"),
        ("Jr. Developer", "junior"),
        ("Graduate Software Engineer", "junior"),
        ("Data Engineer II", "mid"),
        ("Software Engineer I", "junior"),
        ("Software Engineer III", "senior"),
        ("Mid-level Backend Developer", "mid"),
        ("Data Engineering Manager", "manager"),
        ("Senior Engineering Manager", "manager"),
        ("Team Lead Data", "manager"),
        ("Teamleiter Softwareentwicklung", "manager"),
        ("Manager, Data Engineering", "manager"),
        ("Leiter Data Analytics", "director"),
        ("Chief of Staff", "manager"),
        ("Chief Architect", "principal"),
        ("Account Executive", None),  # "executive" alone is no level
        ("Internal Auditor", None),  # not "intern"
        ("Big Data Engineering", None),
    ],
)
def test_title_levels(title: str, level: str | None) -> None:
    assert seniority.seniority_of(title, None) == level


@pytest.mark.parametrize(
    ("title", "years", "level"),
    [
        (None, None, None),
        (None, 0.5, "junior"),
        ("Data Engineer", 1.99, "junior"),
        ("Data Engineer", 2.0, "mid"),
        ("Data Engineer", 4.9, "mid"),
        ("Data Engineer", 5.0, "senior"),
        ("Data Engineer", 30.0, "senior"),
        ("Product Manager", 7.0, "senior"),  # a role, not a level: years decide
        ("Product Manager", None, None),
        ("Senior Product Manager", 1.0, "senior"),  # the title wins over years
        ("Junior Data Engineer", 12.0, "junior"),
        ("", 3.0, "mid"),
    ],
)
def test_years_fallback(title: str | None, years: float | None, level: str | None) -> None:
    assert seniority.seniority_of(title, years) == level


def test_rules_table_is_valid() -> None:
    rules = seniority.rules()
    assert len(rules) >= 15
    assert [r.priority for r in rules] == sorted({r.priority for r in rules})
    for rule in rules:
        assert rule.level is None or rule.level in LEVELS
        assert rule.note, f"rule {rule.priority} has no note"
    levels = {r.level for r in rules}
    assert set(LEVELS) - {"mid"} <= levels  # every level but mid is reachable from a title
    steps = seniority.years_steps()
    assert steps[-1].below is None
    belows = [s.below for s in steps[:-1]]
    assert belows == sorted(belows)


def test_every_pattern_compiles_in_duckdb() -> None:
    patterns = [r.pattern for r in seniority.rules()]
    found = sql_values(lambda c: ("regexp_matches('', " + c + ")", []), patterns)
    assert found == [False] * len(patterns)


TITLE_WORDS = [
    "senior", "sr.", "sr", "lead", "staff", "principal", "head of", "head", "vp", "vice president",
    "chief", "cto", "ceo", "founder", "co-founder", "werkstudent", "werkstudentin", "praktikant",
    "intern", "internship", "junior", "jr", "graduate", "manager", "engineering manager",
    "product manager", "team lead", "teamleiter", "director", "managing director", "president",
    "geschäftsführer", "leiter", "ii", "iii", "iv", "i", "engineer", "developer", "data",
    "analyst", "executive", "mid", "distinguished", "fellow", "chief of staff", "supervisor",
    "owner", "product owner", "partner", "managing partner", "business partner", "crew chief",
    "chief pilot", "cro", "staff nurse", "support staff", "farm manager", "gerente", "jefe de",
    "diretor", "presidente", "directrice", "sócio", "fundadora", "assistant to the", "&", ",",
]  # fmt: skip
titles = st.one_of(text, mixed(TITLE_WORDS))
years = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=80),
    st.sampled_from([0.0, 1.999, 2.0, 4.99, 5.0, math.nan]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(maybe(titles), years), min_size=1, max_size=30))
def test_seniority_sql_equals_python(pairs: list[tuple[str | None, float | None]]) -> None:
    titles_, years_ = zip(*pairs, strict=True)
    got = sql_values(seniority.seniority_sql, titles_, years_, types=["VARCHAR", "DOUBLE"])
    assert got == [seniority.seniority_of(t, y) for t, y in pairs]


# --------------------------------------------------------------------------- the titles table

TABLE = Path(__file__).parent / "data" / "normalize" / "seniority_titles.csv"


def _table() -> list[tuple[str, str | None]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [(r["title"], r["level"] or None) for r in csv.DictReader(lines)]


def test_titles_table_is_large_and_covers_every_level() -> None:
    table = _table()
    assert len(table) >= 300
    assert {level for _, level in table} == {*LEVELS, None}


@pytest.mark.parametrize(("title", "level"), _table())
def test_titles_table(title: str, level: str | None) -> None:
    assert seniority.title_level(title) == level


def test_titles_table_sql_equals_python() -> None:
    titles_ = [t for t, _ in _table()]
    got = sql_values(
        seniority.seniority_sql, titles_, [None] * len(titles_), types=["VARCHAR", "DOUBLE"]
    )
    assert got == [seniority.title_level(t) for t in titles_]


@pytest.mark.parametrize(
    ("source", "title", "level"),
    [
        ("C-Suite", "Data Engineer", "executive"),  # Apollo's own seniority wins
        ("c_suite", None, "executive"),
        ("Owner", "Plumber", "executive"),
        ("Founder", None, "executive"),
        ("Partner", None, "executive"),
        ("Head", None, "director"),
        ("VP", None, "vp"),
        ("Entry", "Senior Data Engineer", "junior"),
        ("Senior", None, "senior"),
        ("Manager", None, "manager"),
        ("Intern", None, "intern"),
        ("Strategic", "Senior Data Engineer", "senior"),  # not a level: the title decides
        ("", "Head of Data", "director"),
        (None, None, None),
    ],
)
def test_source_seniority_column(source: str | None, title: str | None, level: str | None) -> None:
    assert seniority.seniority_of(title, None, source) == level


def test_source_level_sql_equals_python() -> None:
    values = [*seniority.source_values(), "C-Suite", " Entry ", "VICE_PRESIDENT", "x", None]
    got = sql_values(seniority.source_level_sql, values)
    assert got == [seniority.source_level(v) for v in values]
