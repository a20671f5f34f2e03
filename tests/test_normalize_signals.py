"""Profile signals: not open, open to work, years (planner.normalize.signals)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.normalize import _data, signals
from tests.test_normalize_text import maybe, mixed, sql_values, text


@pytest.mark.parametrize(
    ("title", "headline", "summary", "expected"),
    [
        ("Data Engineer", "Not open to opportunities", None, True),
        ("Data Engineer", "NO RECRUITERS PLEASE!", None, True),
        (None, None, "Happy where I am.\nPlease, no recruiters.", True),
        (None, "Data | not   looking", None, True),
        ("Data Engineer (not open to new opportunities)", None, None, True),
        (None, "Dont contact me about jobs", None, True),
        (None, "Don’t contact me", None, True),
        (None, None, "Kein Interesse an Jobangeboten", True),
        (None, "Keine Recruiter-Anfragen bitte", None, True),
        (None, "no-agencies", None, True),
        ("Senior Data Engineer", "Building pipelines at Acme", "I love Kafka.", False),
        (None, "Open to work", None, False),
        (None, "notlooking", None, False),  # whole words only
        (None, "I know recruiters well", None, False),
        (None, None, None, False),
        ("no", "recruiters", None, False),  # a phrase never spans two fields
    ],
)
def test_is_not_open(
    title: str | None, headline: str | None, summary: str | None, expected: bool
) -> None:
    assert signals.is_not_open(title, headline, summary) is expected


@pytest.mark.parametrize(
    ("value", "headline", "expected"),
    [
        ("true", None, True),
        ("Yes", None, True),
        (" y ", None, True),
        ("1", None, True),
        ("X", None, True),
        ("ja", None, True),
        ("#OpenToWork", None, True),
        ("open", None, True),
        (None, "Data Engineer | #OpenToWork", True),
        (None, "Open to work - data engineering", True),
        ("no", "open-to-work", True),
        ("false", None, False),
        ("no", None, False),
        ("0", None, False),
        (None, "Reopen to workers", False),
        (None, None, False),
    ],
)
def test_is_open_to_work(value: str | None, headline: str | None, expected: bool) -> None:
    assert signals.is_open_to_work(value, headline) is expected


@pytest.mark.parametrize(
    ("raw", "years"),
    [
        ("5", 5.0),
        ("5.5", 5.5),
        ("5,5", 5.5),
        ("5+", 5.0),
        ("5 years", 5.0),
        ("1 year", 1.0),
        ("5 Jahre", 5.0),
        ("10+ yrs", 10.0),
        ("  7 ", 7.0),
        ("ca. 3 years of experience", 3.0),
        ("0", 0.0),
        ("70", 70.0),
        ("71", None),
        ("2015", None),
        ("-3", None),
        ("3-5", None),
        ("five", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_years(raw: str | None, years: float | None) -> None:
    assert signals.parse_years(raw) == years


def test_phrase_files_are_clean() -> None:
    phrases = _data.lines("not_open_phrases.txt")
    assert len(phrases) >= 20
    assert "#opentowork" in signals.open_values()
    assert "#opentowork" in _data.lines("open_to_work_phrases.txt")
    for phrase in phrases:
        assert phrase == phrase.lower().strip()


PHRASE_WORDS = [
    *_data.lines("not_open_phrases.txt"), *_data.lines("open_to_work_phrases.txt"),
    "no", "not", "recruiters", "open", "to", "work", "looking", "kein", "interesse", "don't",
]  # fmt: skip
fields = maybe(st.one_of(text, mixed(PHRASE_WORDS)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(fields, fields, fields), min_size=1, max_size=30))
def test_not_open_sql_equals_python(rows: list[tuple[str | None, ...]]) -> None:
    cols = list(zip(*rows, strict=True))
    assert sql_values(signals.not_open_sql, *cols) == [signals.is_not_open(*r) for r in rows]


VALUES = [*_data.lines("open_to_work_values.txt"), "no", "false", "0", "TRUE", " Yes "]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(maybe(st.one_of(st.sampled_from(VALUES), text)), fields), min_size=1, max_size=30
    )
)
def test_open_to_work_sql_equals_python(rows: list[tuple[str | None, str | None]]) -> None:
    cols = list(zip(*rows, strict=True))
    assert sql_values(signals.open_to_work_sql, *cols) == [
        signals.is_open_to_work(*r) for r in rows
    ]


YEAR_PARTS = [
    "5", "10", "0", "70", "71", "5.5", "5,25", "12.3456", "1.23456", "+", " ", "years", "year",
    "yrs", "Jahre", "j", "y", "ca.", "~", "-", "of experience", "Berufserfahrung", "1e3", "nan",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(maybe(st.one_of(text, mixed(YEAR_PARTS, max_parts=4))), min_size=1, max_size=30))
def test_years_sql_equals_python(values: list[str | None]) -> None:
    got = sql_values(signals.years_sql, values)
    expected = [signals.parse_years(v) for v in values]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == e or (g is not None and e is not None and math.isclose(g, e))
