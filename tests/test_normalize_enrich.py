"""The enrich step (`rows` -> `people`) agrees with `enrich_python` row by row."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.contract import CANONICAL_FIELDS
from planner.normalize.enrich import DERIVED_COLUMNS, enrich, enrich_python
from tests.test_normalize_text import maybe, mixed, text

SOURCE_COLUMNS = ["row_id", "source_file", "source_line", *CANONICAL_FIELDS, "skills_list"]
_TYPES = {"row_id": "BIGINT", "source_line": "BIGINT", "skills_list": "VARCHAR[]"}
_DDL = ", ".join(f"{c} {_TYPES.get(c, 'VARCHAR')}" for c in SOURCE_COLUMNS)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def make_rows(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE rows ({_DDL})").fetchall()
    if rows:
        marks = ", ".join("?" for _ in SOURCE_COLUMNS)
        con.executemany(
            f"INSERT INTO rows VALUES ({marks})", [[r.get(c) for c in SOURCE_COLUMNS] for r in rows]
        )


def fetch(con: duckdb.DuckDBPyConnection, table: str = "people") -> list[dict[str, Any]]:
    # `people` has no physical order of its own (readers order by row_id).
    cur = con.execute(f"SELECT * FROM {table} ORDER BY row_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def row(i: int, **fields: Any) -> dict[str, Any]:
    return {"row_id": i, "source_file": "c.csv", "source_line": i + 2, "skills_list": [], **fields}


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b) or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def assert_matches_python(people: list[dict[str, Any]]) -> None:
    for person in people:
        expected = enrich_python(person)
        for column in DERIVED_COLUMNS:
            assert same(person[column], expected[column]), (column, person, expected[column])


EXAMPLES = [
    row(
        1,
        first_name="Jane",
        email=" Jane.Doe@Example.COM ",
        profile_url="https://de.linkedin.com/in/Jane-Doe/?trk=x",
        title="Senior Data Engineer",
        headline="#OpenToWork",
        company="Acme Analytics GmbH",
        location="Berlin, Germany",
        years_experience="7+",
        skills_list=["python", "sql"],
    ),
    row(
        2,
        title="Werkstudent Data",
        headline="No recruiters please",
        company="ACME Analytics, Inc.",
        city="München",
        region="Bayern",
        country="DE",
        open_to_work="yes",
    ),
    row(3, title="Product Manager", years_experience="3 years", location="Remote"),
    row(4),
]


def test_people_columns_and_values(con: duckdb.DuckDBPyConnection) -> None:
    make_rows(con, EXAMPLES)
    enrich(con)
    cols = [d[0] for d in con.execute("SELECT * FROM people LIMIT 0").description]
    assert cols == SOURCE_COLUMNS + list(DERIVED_COLUMNS)
    people = fetch(con)
    assert [p["row_id"] for p in people] == [1, 2, 3, 4]
    jane, werk, pm, empty = people
    assert jane["email_norm"] == "jane.doe@example.com"
    assert jane["url_norm"] == "linkedin.com/in/jane-doe"
    assert (jane["company_norm"], werk["company_norm"]) == ("acme analytics", "acme analytics")
    assert (jane["seniority"], werk["seniority"], pm["seniority"]) == ("senior", "intern", "mid")
    assert (jane["open_flag"], werk["open_flag"], pm["open_flag"]) == (True, True, False)
    assert (jane["not_open"], werk["not_open"]) == (False, True)
    assert (jane["city_name"], jane["country_code"], jane["has_location"]) == ("Berlin", "DE", True)
    assert (werk["city_name"], werk["country_code"]) == ("Munich", "DE")
    assert (pm["has_location"], pm["years"]) == (False, 3.0)
    assert empty["title_norm"] == ""
    assert (empty["open_flag"], empty["not_open"], empty["has_location"]) == (False, False, False)
    assert empty["seniority"] is None and empty["years"] is None
    assert jane["skills_list"] == ["python", "sql"]
    assert_matches_python(people)


def test_one_row_per_source_row_and_source_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    # `people` keeps no physical order (readers order by row_id), but every source row once.
    rows = [row(i, title=f"Engineer {i % 7}", company=f"C{i % 3}") for i in (5, 3, 9, 1, 7)]
    make_rows(con, rows)
    enrich(con, source="rows", target="people2")
    people = fetch(con, "people2")
    assert [(p["row_id"], p["title"], p["company"]) for p in people] == [
        (1, "Engineer 1", "C1"), (3, "Engineer 3", "C0"), (5, "Engineer 5", "C2"),
        (7, "Engineer 0", "C1"), (9, "Engineer 2", "C0"),
    ]  # fmt: skip
    assert [r[0] for r in con.execute("SELECT row_id FROM rows").fetchall()] == [5, 3, 9, 1, 7]
    leftovers = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_planner_enrich%'"
    ).fetchall()
    assert leftovers == [(0,)]


def test_a_view_source_is_ordered_by_row_id(con: duckdb.DuckDBPyConnection) -> None:
    make_rows(con, [row(i, title="Senior Engineer") for i in (3, 1, 2)])
    con.execute("CREATE VIEW rows_view AS SELECT * FROM rows").fetchall()
    enrich(con, source="rows_view", target="people")
    people = fetch(con)
    assert [p["row_id"] for p in people] == [1, 2, 3]
    assert {p["seniority"] for p in people} == {"senior"}


def test_empty_source(con: duckdb.DuckDBPyConnection) -> None:
    make_rows(con, [])
    enrich(con)
    assert fetch(con) == []


def test_enrich_replaces_an_existing_target(con: duckdb.DuckDBPyConnection) -> None:
    make_rows(con, EXAMPLES[:1])
    enrich(con)
    enrich(con)
    assert len(fetch(con)) == 1


def test_bad_identifiers_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="identifier"):
        enrich(con, source="rows; DROP TABLE x")


FIELD_VALUES: dict[str, list[str]] = {
    "email": ["a@x.com", " A@X.com ", "mailto:b@y.org", "n/a", "c@", "d@e@f"],
    "profile_url": [
        "https://www.linkedin.com/in/ann", "https://de.linkedin.com/in/Ann/?trk=1",
        "linkedin.com/in/j%C3%BCrgen", "https://www.linkedin.com/company/acme", "n/a",
        "https://github.com/ann/", "https://linkedin.com/in/%C3",
    ],
    "title": [
        "Senior Data Engineer", "Sr. Data Engineer", "Data Engineer II", "Head of Data",
        "Werkstudent", "Product Manager", "Chief Technology Officer", "Team Lead", "Engineer",
    ],
    "headline": ["#OpenToWork", "Open to work", "No recruiters", "Building things", "not looking"],
    "company": ["Acme Analytics GmbH", "ACME Analytics, Inc.", "Globex S.A.", "Initech", "AG"],
    "location": [
        "Berlin, Germany", "Greater Berlin Area", "München, Bayern, Deutschland", "Remote",
        "Amsterdam Area, Netherlands", "Germany", "San Francisco Bay Area", "Austin, TX",
    ],
    "city": ["Munich", "Berlin", "Köln", "Nowhereville"],
    "region": ["Bayern", "TX", "Somewhere"],
    "country": ["DE", "Germany", "NL", "USA", "Atlantis"],
    "years_experience": ["5", "5+", "3 years", "12.5", "-1", "lots", "2,5 Jahre"],
    "open_to_work": ["yes", "no", "true", "1", "x", "false"],
    "summary": ["I love data.", "Please, no recruiters.\nThanks", "kein Interesse"],
    "seniority_level": ["C-Suite", "c_suite", "Entry", "senior", "Owner", "Strategic", " VP "],
}  # fmt: skip


def field(name: str) -> st.SearchStrategy[str | None]:
    values = FIELD_VALUES.get(name)
    if values is None:
        return maybe(text)
    return st.one_of(st.none(), st.sampled_from(values), text, mixed(values, max_parts=2))


random_row = st.fixed_dictionaries({name: field(name) for name in CANONICAL_FIELDS})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(random_row, min_size=1, max_size=25))
def test_enrich_equals_enrich_python(fields: list[dict[str, str | None]]) -> None:
    con = duckdb.connect()
    try:
        rows = [row(i * 7 % 101, **f) for i, f in enumerate(fields)]
        make_rows(con, rows)
        enrich(con)
        people = fetch(con)
    finally:
        con.close()
    rows.sort(key=lambda r: r["row_id"])
    assert [p["row_id"] for p in people] == [r["row_id"] for r in rows]
    for person, source in zip(people, rows, strict=True):
        for name in CANONICAL_FIELDS:
            assert person[name] == source[name]
    assert_matches_python(people)
