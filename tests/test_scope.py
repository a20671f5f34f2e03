"""A campaign's scope (duplicates and their first row): the join that campaigns reading every
file take equals the window over the campaign's rows that the others take."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.persons import assign_person_keys
from planner.pipeline import decisions

FILES = ["/in/a.csv", "/in/b.csv"]

#: (file index, email number or None, url number or None): few numbers, so rows share them
#: and chain into persons of several rows.
row_strategy = st.tuples(
    st.integers(0, 1),
    st.one_of(st.none(), st.integers(0, 6)),
    st.one_of(st.none(), st.integers(0, 6)),
)


def _people(rows: list[tuple[int, int | None, int | None]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE people (row_id BIGINT, source_file VARCHAR, source_line BIGINT,"
        " candidate_id VARCHAR, email_norm VARCHAR, url_norm VARCHAR)"
    )
    con.executemany(
        "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                FILES[f],
                i + 2,
                f"c{i}",
                None if e is None else f"p{e}@example.org",
                None if u is None else f"linkedin.com/in/p{u}",
            )
            for i, (f, e, u) in enumerate(rows)
        ],
    )
    assign_person_keys(con, people="people", target="persons")
    return con


def _campaign(files: list[str]) -> Any:
    crit = SimpleNamespace(suppression=None, in_ats=None)
    return SimpleNamespace(index=0, files=files, criteria=crit)


def _scope_rows(con: duckdb.DuckDBPyConnection, *, every_file: bool) -> list[tuple[Any, ...]]:
    """The scope of a campaign of every file (`every_file`) or of a subset, as the build makes
    it: the join only once the components are checked."""
    first_rows = every_file and decisions._components_start_at_their_first_row(con)
    table = decisions._scope(con, _campaign(FILES), {}, first_rows=first_rows)
    return con.execute(
        f"SELECT row_id, is_duplicate, first_row_id, first_source FROM {table} ORDER BY row_id"
    ).fetchall()


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(row_strategy, min_size=1, max_size=30))
def test_join_equals_window(rows: list[tuple[int, int | None, int | None]]) -> None:
    con = _people(rows)
    assert decisions._components_start_at_their_first_row(con)
    assert _scope_rows(con, every_file=True) == _scope_rows(con, every_file=False)


def test_a_duplicate_names_the_first_row_of_its_person() -> None:
    # Rows 0 and 2 share an email, rows 2 and 3 a URL: one person, first seen at a.csv line 2.
    con = _people([(0, 1, None), (1, None, None), (1, 1, 5), (0, None, 5)])
    assert _scope_rows(con, every_file=True) == [
        (0, False, 0, "a.csv line 2"),
        (1, False, 1, "b.csv line 3"),
        (2, True, 0, "a.csv line 2"),
        (3, True, 0, "a.csv line 2"),
    ]


def test_components_that_do_not_start_at_their_first_row_are_noticed() -> None:
    con = _people([(0, 1, None), (0, 1, None), (0, None, None), (0, None, None)])
    assert decisions._components_start_at_their_first_row(con)
    # As if label propagation had stopped early: row 3's component is row 1, which is in
    # another component (row 0's), so row 1 is not row 3's person's first row.
    con.execute("UPDATE persons SET component = 1 WHERE row_id = 3")
    assert not decisions._components_start_at_their_first_row(con)
    con.execute("UPDATE persons SET component = 3 WHERE row_id = 3")
    assert decisions._components_start_at_their_first_row(con)
    con.execute("UPDATE persons SET component = 3 WHERE row_id = 2")  # a later row than its own
    assert not decisions._components_start_at_their_first_row(con)
    # Then a campaign reading every file takes the window, which groups by component as given.
    con.execute("UPDATE persons SET component = 2 WHERE row_id = 2")
    con.execute("UPDATE persons SET component = 1 WHERE row_id = 3")
    assert not decisions._components_start_at_their_first_row(con)
    assert _scope_rows(con, every_file=True) == _scope_rows(con, every_file=False)
    assert _scope_rows(con, every_file=True)[3] == (3, False, 3, "a.csv line 5")
