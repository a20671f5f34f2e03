"""planner.export.csvsafe.write_csv: the one CSV writer (send list, excluded, rejects, ATS)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.contract import EXCLUDED_COLUMNS, REJECT_COLUMNS
from planner.export import neutralize_text, write_csv
from planner.export.csvsafe import FORMULA_TRIGGERS, csv_ready


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_returns_sha256_of_written_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    digest = write_csv(pl.DataFrame({"a": ["x"]}), path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.read_bytes() == b"a\r\nx\r\n"


def test_excluded_frame(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "campaign_id": ["c", "c"],
            "person_key": ["p1", "p2"],
            "candidate_id": ["1", None],
            "full_name": ["Zoë, Dr.", "=cmd|' /C calc'!A0"],
            "reason": ["frequency_cap", "suppressed"],
            "detail": ["1 touch in 30 days", None],
            "eligible_again_on": [dt.date(2026, 1, 31), None],
        }
    )
    assert tuple(frame.columns) == EXCLUDED_COLUMNS
    path = tmp_path / "excluded.csv"
    write_csv(frame, path)
    assert path.read_bytes() == (
        b"campaign_id,person_key,candidate_id,full_name,reason,detail,eligible_again_on\r\n"
        + 'c,p1,1,"Zoë, Dr.",frequency_cap,1 touch in 30 days,2026-01-31\r\n'.encode()
        + b"c,p2,,'=cmd|' /C calc'!A0,suppressed,,\r\n"
    )


def test_rejects_frame_with_ints_and_negative_numbers(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"file": ["in.csv"], "line": [12], "error": ["-bad quoting"], "column": [-1]}
    )
    assert tuple(frame.columns) == REJECT_COLUMNS
    path = tmp_path / "rejects.csv"
    write_csv(frame, path)
    assert read_rows(path) == [list(REJECT_COLUMNS), ["in.csv", "12", "'-bad quoting", "'-1"]]


def test_number_formats(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "fit_score": [0.8, 0.12349, 1.0, None, 0.0],
            "years_experience": [7.0, 7.5, 0.25, None, -0.0],
            "big": [1e20, 2.0, 1e-7, 123456789.125, None],
            "n": [1, 2, 3, None, 0],
            "flag": [True, False, None, True, False],
        }
    )
    path = tmp_path / "n.csv"
    write_csv(frame, path)
    assert read_rows(path)[1:] == [
        ["0.8000", "7", "1e+20", "1", "true"],
        ["0.1235", "7.5", "2", "2", "false"],
        ["1.0000", "0.25", "1e-7", "3", ""],
        ["", "", "123456789.125", "", "true"],
        ["0.0000", "0", "", "0", "false"],
    ]


def test_custom_decimals(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    write_csv(pl.DataFrame({"score": [0.5], "fit_score": [0.5]}), path, decimals={"score": 2})
    assert read_rows(path)[1] == ["0.50", "0.5"]


def test_lists_nested_and_structs(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "skills": [["python", None, "sql"], [], None],
            "scores": [[1.0, 0.5], None, [2.5]],
            "meta": [{"k": 1}, {"k": None}, None],
            "when": [dt.datetime(2026, 1, 2, 3, 4, 5), None, None],
        }
    )
    path = tmp_path / "l.csv"
    write_csv(frame, path)
    assert read_rows(path)[1:] == [
        ["python; sql", "1; 0.5", '{"k":1}', "2026-01-02 03:04:05.000000"],
        ["", "", '{"k":null}', ""],
        ["", "2.5", "", ""],
    ]


def test_list_cell_starting_with_trigger_is_neutralized(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    write_csv(pl.DataFrame({"reasons": [["=1+1", "ok"]]}), path)
    assert read_rows(path)[1] == ["'=1+1; ok"]


def test_header_cells_are_neutralized_too(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    write_csv(pl.DataFrame({"=evil": ["x"], "ok": ["y"]}), path)
    assert read_rows(path)[0] == ["'=evil", "ok"]


def test_single_column_null_is_not_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    write_csv(pl.DataFrame({"a": [None, "x", ""]}, schema={"a": pl.String}), path)
    assert path.read_bytes() == b'a\r\n""\r\nx\r\n""\r\n'
    assert read_rows(path) == [["a"], [""], ["x"], [""]]


def test_empty_string_and_null_write_the_same(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    write_csv(pl.DataFrame({"a": ["", None], "b": ["1", "2"]}), path)
    assert path.read_bytes() == b"a,b\r\n,1\r\n,2\r\n"


def test_bom_only_when_asked(tmp_path: Path) -> None:
    write_csv(pl.DataFrame({"a": ["é"]}), tmp_path / "plain.csv")
    write_csv(pl.DataFrame({"a": ["é"]}), tmp_path / "bom.csv", bom=True)
    assert (tmp_path / "plain.csv").read_bytes() == "a\r\né\r\n".encode()
    assert (tmp_path / "bom.csv").read_bytes() == "\ufeffa\r\né\r\n".encode()


def test_unsupported_type_is_an_export_error(tmp_path: Path) -> None:
    from planner.errors import ExportError

    with pytest.raises(ExportError, match="cannot write a column of type Binary"):
        write_csv(pl.DataFrame({"b": [b"\x00"]}), tmp_path / "b.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("first", [*FORMULA_TRIGGERS, "'", "a", " ", "\n", "0", "#"])
def test_neutralize_text(first: str) -> None:
    value = first + "1+1"
    expected = "'" + value if first in FORMULA_TRIGGERS else value
    assert neutralize_text(value) == expected
    frame = csv_ready(pl.DataFrame({"a": [value]}))
    assert frame["a"].to_list() == [expected]


_TEXT = st.one_of(
    st.none(),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("=+-@\t\r\n\",; '")),
            st.characters(codec="utf-8", exclude_categories=["Cs"]),
        ),
        max_size=12,
    ),
)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.tuples(_TEXT, _TEXT), min_size=0, max_size=8))
def test_any_text_round_trips_through_python_csv(
    tmp_path_factory: pytest.TempPathFactory, values: list[tuple[str | None, str | None]]
) -> None:
    """Whatever the text, Python's csv module reads back exactly the neutralized cell."""
    path = tmp_path_factory.mktemp("prop") / "p.csv"
    frame = pl.DataFrame(values, schema={"a": pl.String, "b": pl.String}, orient="row")
    write_csv(frame, path)
    rows = read_rows(path)
    assert rows[0] == ["a", "b"]
    expected = [[neutralize_text(v or "") for v in pair] for pair in values]
    assert rows[1:] == expected
    data = path.read_bytes()
    assert data.endswith(b"\r\n")
    assert write_csv(frame, path) == hashlib.sha256(data).hexdigest()  # deterministic


def test_copy_query_csv_streams_the_same_bytes_as_write_csv(tmp_path: Path) -> None:
    import duckdb

    from planner.duck import frame
    from planner.export.csvsafe import copy_query_csv

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT range AS i,"
        " CASE WHEN range % 3 = 0 THEN NULL WHEN range % 5 = 0 THEN '=x,\"y' ELSE 'a' || range END"
        " AS s, range / 7.0 AS fit_score, DATE '2026-01-01' + range::INT AS d, ['a', 'b'] AS l"
        " FROM range(1000)"
    )
    for sql in ("SELECT * FROM t ORDER BY i", "SELECT * FROM t WHERE i < 0", "SELECT s FROM t"):
        write_csv(frame(con, sql), tmp_path / "whole.csv")
        copy_query_csv(con, sql, None, tmp_path / "streamed.csv", batch_rows=64)
        # Unsynced (the caller fsyncs it later): the same bytes, in place.
        copy_query_csv(con, sql, None, tmp_path / "unsynced.csv", batch_rows=64, sync=False)
        assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
        assert (tmp_path / "unsynced.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert (tmp_path / "streamed.csv").read_bytes().startswith(b's\r\n""\r\na1\r\n')


_ANY_TEXT = st.one_of(
    st.none(),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(list("=+-@#\t\r\n\",; '\\")),
            st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
        ),
        max_size=12,
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.tuples(_ANY_TEXT, _ANY_TEXT, st.none() | st.integers(-(2**40), 2**40), st.booleans()),
        max_size=10,
    )
)
def test_duckdb_writer_gives_the_bytes_of_write_csv(
    tmp_path_factory: pytest.TempPathFactory,
    values: list[tuple[str | None, str | None, int | None, bool]],
) -> None:
    """Text/int/bool/date results go through DuckDB's CSV writer: same bytes as write_csv."""
    import duckdb

    from planner.duck import frame
    from planner.export.csvsafe import _native_ok, copy_query_csv

    tmp = tmp_path_factory.mktemp("native")
    con = duckdb.connect(config={"preserve_insertion_order": False})
    data = pl.DataFrame(
        values,
        schema={"a": pl.String, "=b": pl.String, "n": pl.Int64, "ok": pl.Boolean},
        orient="row",
    ).with_row_index("i")
    con.register("data", data.to_arrow())
    sql = (
        "SELECT a, \"=b\", n, ok, DATE '2026-01-01' + i::INT AS d FROM data"
        " WHERE i >= $lo ORDER BY i DESC"
    )
    assert _native_ok(con.sql(sql, params={"lo": 0}).types)
    write_csv(frame(con, sql, {"lo": 0}), tmp / "whole.csv")
    copy_query_csv(con, sql, {"lo": 0}, tmp / "native.csv", sync=False)
    assert (tmp / "native.csv").read_bytes() == (tmp / "whole.csv").read_bytes()
    assert (tmp / "native.csv").read_bytes().startswith(b"a,'=b,n,ok,d\r\n")


def test_duckdb_writer_keeps_the_query_order_over_many_rows(tmp_path: Path) -> None:
    """A big ordered result stays in order though the connection does not preserve order."""
    import duckdb

    from planner.export.csvsafe import copy_query_csv

    con = duckdb.connect(config={"preserve_insertion_order": False, "threads": 4})
    con.execute(
        "CREATE TABLE t AS SELECT (range * 7919) % 300000 AS k, 'v' || range AS s"
        " FROM range(300000)"
    )
    copy_query_csv(con, "SELECT k, s FROM t WHERE k >= ? ORDER BY k", [0], tmp_path / "o.csv")
    lines = (tmp_path / "o.csv").read_bytes().split(b"\r\n")
    assert lines[0] == b"k,s"
    keys = [int(line.split(b",")[0]) for line in lines[1:-1]]
    assert keys == list(range(300000))
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (False,)
