"""Company names without legal suffixes (planner.normalize.companies, SPEC 4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.normalize import companies
from tests.test_normalize_text import maybe, mixed, sql_values, text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme Analytics GmbH", "acme analytics"),
        ("acme analytics", "acme analytics"),
        ("ACME Analytics, Inc.", "acme analytics"),
        ("Acme Analytics Inc", "acme analytics"),
        ("  Acme   Analytics  LLC ", "acme analytics"),
        ("Acme Holding GmbH & Co. KG", "acme holding"),
        ("Globex S.A.", "globex"),
        ("Globex SA", "globex"),
        ("Initech Ltd.", "initech"),
        ("Initech Pty Ltd", "initech"),
        ("Zalando SE", "zalando"),
        ("Siemens AG", "siemens"),
        ("Philips B.V.", "philips"),
        ("Unilever PLC", "unilever"),
        ("Hewlett-Packard Company", "hewlett packard"),
        ("Ford Motor Co.", "ford motor"),
        ("Maersk A/S", "maersk"),
        ("Ikea AB (publ)", "ikea"),
        ("McDonald's Corp.", "mcdonalds"),
        ("Example UG (haftungsbeschränkt)", "example"),
        ("Müller & Söhne GmbH", "müller & söhne"),
        ("AT&T Inc.", "at&t"),
        ("Acme Group", "acme group"),  # Group is part of the name
        ("AG", "ag"),  # only a suffix: kept
        ("---", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_company(name: str | None, expected: str | None) -> None:
    assert companies.normalize_company(name) == expected


def test_all_spellings_of_one_company_agree() -> None:
    names = ["Acme Analytics GmbH", "acme analytics", "ACME Analytics, Inc.", "Acme Analytics Ltd"]
    assert len({companies.normalize_company(n) for n in names}) == 1


def test_suffixes_are_stored_normalized() -> None:
    for suffix in companies.suffixes():
        assert suffix == companies.normalize_company("x " + suffix + " y")[2:-2]  # type: ignore[index]


WORDS = [
    "acme", "analytics", "gmbh", "inc", "inc.", "s.a.", "sa", "ltd", "llc", "ag", "co", "co.",
    "kg", "& co. kg", "b.v.", "plc", "corp", "holding", "group", "müller", "a/s", "(publ)",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(maybe(st.one_of(text, mixed(WORDS))), min_size=1, max_size=30))
def test_company_sql_equals_python(values: list[str | None]) -> None:
    assert sql_values(companies.company_sql, values) == [
        companies.normalize_company(v) for v in values
    ]
