"""Safe, deterministic CSV writing for every CSV that planner produces.

Rules (the same for send_list.csv, excluded.csv, rejects.csv and the ATS files):

- UTF-8, no byte-order mark unless `bom=True` (no current target needs one: every target is a
  machine importer that reads UTF-8; see `planner/export/__init__.py`).
- RFC 4180: comma separator, records end with CRLF (`\\r\\n`), fields are quoted only when they
  contain a comma, a double quote, CR or LF; quotes inside are doubled. Line breaks *inside* a
  value (e.g. a message body) are kept as they are, inside the quotes.
- Missing values (null) and empty strings are both written as an empty, unquoted cell. A frame
  of a single column writes `""` instead, so no record is ever an empty line.
- Lists are joined with `LIST_JOINER` ("; "); null list items are skipped.
- Numbers: `fit_score` (or any column given in `decimals`) with a fixed number of decimals
  (0.8000); other floats in their shortest round-trip form without a trailing ".0" (7, 7.5);
  -0.0 is written as 0. Integers as is, booleans as true/false, dates ISO, structs as JSON.
- Formula injection: every cell (header included) whose text starts with `=`, `+`, `-`, `@`,
  tab or carriage return is prefixed with a single quote `'`. This is OWASP's recommendation
  and what spreadsheets themselves use to mark "text, not formula". The rule is applied to the
  text of every cell regardless of its type, so "+49 30 1234" becomes "'+49 30 1234" and a
  negative number "-5" becomes "'-5": simple, predictable, and never a formula. Importers keep
  the quote as part of the value; planner's own columns never start with these characters
  except through candidate-supplied text.

The work is vectorized in Polars (no Python loop per row), so writing excluded.csv for millions
of rows stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner.contract import LIST_JOINER
from planner.duck import quote_ident
from planner.errors import ExportError
from planner.export.atomic import atomic_path
from planner.files import sha256_file

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = r"^[=+\-@\t\r]"

#: Float columns written with a fixed number of decimals by default.
DEFAULT_DECIMALS: Mapping[str, int] = {"fit_score": 4, "personal_share": 4}

LINE_TERMINATOR = "\r\n"


def neutralize_text(value: str) -> str:
    """The cell text a CSV gets for `value` (pure-Python twin of `neutralize`, for tests/docs)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def neutralize(expr: pl.Expr) -> pl.Expr:
    """Prefix `'` to string values that start with a formula trigger character."""
    return (
        pl.when(expr.str.contains(_TRIGGER_RE))
        .then(pl.concat_str([pl.lit("'"), expr]))
        .otherwise(expr)
    )


def fixed_decimals(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Float -> text with exactly `decimals` digits after the point (0.8 -> "0.8000").

    Done in integer arithmetic so the text does not depend on a float formatter; non-finite
    values fall back to `float_text`.
    """
    scale = 10**decimals
    scaled = (expr * scale).round(0)
    finite = expr.is_finite()
    as_int = pl.when(finite).then(scaled).cast(pl.Int64)
    magnitude = as_int.abs()
    sign = pl.when(as_int < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str(
        [
            sign,
            (magnitude // scale).cast(pl.String),
            pl.lit("."),
            (magnitude % scale).cast(pl.String).str.zfill(decimals),
        ]
    )
    if decimals == 0:
        text = pl.concat_str([sign, magnitude.cast(pl.String)])
    return pl.when(finite).then(text).otherwise(float_text(expr))


def float_text(expr: pl.Expr) -> pl.Expr:
    """Float -> shortest round-trip text, integral values without ".0" (7.0 -> "7")."""
    no_negative_zero = pl.when(expr == 0).then(pl.lit(0.0)).otherwise(expr)
    return no_negative_zero.cast(pl.String).str.replace(r"\.0$", "")


def cell_text(expr: pl.Expr, dtype: pl.DataType, decimals: int | None = None) -> pl.Expr:
    """Expression turning a column of any supported dtype into its CSV cell text (not yet
    neutralized, empty strings not yet mapped to null)."""
    if dtype == pl.String:
        return expr
    if dtype == pl.Null:
        return pl.lit(None, dtype=pl.String)
    if dtype.is_float():
        return fixed_decimals(expr, decimals) if decimals is not None else float_text(expr)
    if dtype.is_integer() or dtype == pl.Boolean or dtype.is_decimal() or dtype.is_temporal():
        return expr.cast(pl.String)
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return expr.cast(pl.String)
    if isinstance(dtype, pl.List | pl.Array):
        inner = dtype.inner
        if isinstance(dtype, pl.Array):
            expr = expr.arr.to_list()
        if isinstance(inner, type):
            inner = inner()
        assert inner is not None
        items = expr.list.eval(cell_text(pl.element(), inner, decimals))
        return items.list.join(LIST_JOINER, ignore_nulls=True)
    if isinstance(dtype, pl.Struct):
        return pl.when(expr.is_not_null()).then(expr.struct.json_encode())
    raise ExportError(
        f"cannot write a column of type {dtype} to CSV",
        hint="convert it to text, numbers, dates or lists first",
    )


def csv_ready(df: pl.DataFrame, decimals: Mapping[str, int] | None = None) -> pl.DataFrame:
    """The frame as neutralized text columns, exactly as `write_csv` writes it."""
    decimals = DEFAULT_DECIMALS if decimals is None else decimals
    exprs = []
    for name, dtype in df.schema.items():
        text = cell_text(pl.col(name), dtype, decimals.get(name))
        text = pl.when(text == "").then(pl.lit(None, dtype=pl.String)).otherwise(text)
        exprs.append(neutralize(text).alias(neutralize_text(name)))
    out = df.select(exprs)
    if out.width == 1:
        out = out.fill_null("")
    return out


def write_csv(
    df: pl.DataFrame,
    path: Path,
    *,
    bom: bool = False,
    decimals: Mapping[str, int] | None = None,
) -> str:
    """Write `df` as a safe CSV (rules in the module docstring) atomically; return its sha256.

    Accepts any frame (text, numbers, booleans, dates, lists, nulls); used for send_list.csv,
    excluded.csv, rejects.csv and every ATS CSV.
    """
    ready = csv_ready(df, decimals)
    path = Path(path)
    with atomic_path(path) as tmp:
        ready.write_csv(
            tmp,
            include_bom=bom,
            include_header=True,
            separator=",",
            line_terminator=LINE_TERMINATOR,
            quote_char='"',
            quote_style="necessary",
            null_value="",
        )
        digest = sha256_file(tmp)
    return digest


#: Rows per Arrow batch when a query result is streamed to CSV (bounded memory per batch).
QUERY_BATCH_ROWS = 250_000


def copy_query_csv(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None,
    path: Path,
    *,
    decimals: Mapping[str, int] | None = None,
    batch_rows: int = QUERY_BATCH_ROWS,
    sync: bool = True,
) -> None:
    """Write the result of a DuckDB query as a safe CSV, atomically.

    The bytes are exactly those of `write_csv(<the whole result as one frame>, path)`. A result
    of two or more text, date, integer or boolean columns (excluded.csv) is written by DuckDB's
    own CSV writer, with the rules above expressed in SQL: parallel, and no Python per batch
    (25 excluded.csv files of 1M rows took 87 s through Polars batches). Other results stream
    in Arrow batches through the same `csv_ready` as `write_csv`. Either way memory stays
    bounded, which keeps a build over millions of rows from holding the file in Python.
    With `sync=False` the file is renamed into place without an fsync: the caller runs
    `atomic.sync_and_hash` on it (see `atomic_path`).
    """
    relation = con.sql(sql, params=params)
    path = Path(path)
    if _native_ok(relation.types):
        _copy_csv(con, sql, params, relation.columns, path, sync=sync)
        return
    reader = relation.to_arrow_reader(batch_rows)
    with atomic_path(path, sync=sync) as tmp, tmp.open("wb") as out:
        _stream_batches(reader, out, decimals)


_NATIVE_TYPES = frozenset(
    {"VARCHAR", "DATE", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)

#: DuckDB COPY options giving the bytes of `write_csv` (a test compares them over all ASCII
#: and some Unicode): RFC 4180 quoting, CRLF, NULL as an empty cell, and no comment character
#: (by default DuckDB quotes every value holding `#`).
_COPY_OPTIONS = (
    "FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\r\\n', COMMENT ''"
)

#: `_TRIGGER_RE` as a SQL literal. Not an IN list: DuckDB turns IN into a join, and a join loses
#: the order of the query (a test writes 300k ordered rows).
_TRIGGER_SQL = "'" + _TRIGGER_RE + "'"


def _native_ok(types: Sequence[Any]) -> bool:
    return len(types) >= 2 and all(str(t) in _NATIVE_TYPES for t in types)


def _cell_sql(column: str) -> str:
    """SQL twin of `csv_ready` for one text-like column: '' -> NULL, formula triggers quoted."""
    text = f"nullif(CAST({quote_ident(column)} AS VARCHAR), '')"
    return (
        f"CASE WHEN regexp_matches({text}, {_TRIGGER_SQL}) THEN chr(39) || {text} ELSE {text} END"
    )


def _copy_csv(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any] | None,
    columns: Sequence[str],
    path: Path,
    *,
    sync: bool,
) -> None:
    cells = ", ".join(
        f"{_cell_sql(name)} AS {quote_ident(neutralize_text(name))}" for name in columns
    )
    target = "$planner_csv_path" if isinstance(params, Mapping) else "?"
    # Identifiers via quote_ident; `sql` is the caller's own query text with its values bound.
    copy = f"COPY (SELECT {cells} FROM ({sql})) TO {target} ({_COPY_OPTIONS})"  # noqa: S608
    with atomic_path(path, sync=sync) as tmp:
        bound: Sequence[Any] | Mapping[str, Any] = (
            {**params, "planner_csv_path": str(tmp)}
            if isinstance(params, Mapping)
            else [*(params or []), str(tmp)]
        )
        # The query's ORDER BY is the file's order: DuckDB keeps it only while insertion order
        # is preserved, which a build's connection turns off (planner.pipeline._connect).
        # fetchall: DuckDB 2 refuses relation work on a connection with an unfinished result.
        [(keeps_order,)] = con.execute(
            "SELECT current_setting('preserve_insertion_order')"
        ).fetchall()
        switch = not keeps_order
        if switch:
            con.execute("SET preserve_insertion_order = true")
        try:
            con.execute(copy, bound).fetchall()
        finally:
            if switch:
                con.execute("SET preserve_insertion_order = false")


def _stream_batches(reader: Any, out: Any, decimals: Mapping[str, int] | None) -> None:
    """Each Arrow batch as CSV (header on the first only) into the binary file `out`."""
    first = True
    for batch in reader:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        if frame.height == 0 and not first:
            continue
        _write_ready(csv_ready(frame, decimals), out, header=first)
        first = False
    if first:  # no rows at all: the header alone
        empty = pl.from_arrow(reader.schema.empty_table())
        assert isinstance(empty, pl.DataFrame)
        _write_ready(csv_ready(empty, decimals), out, header=True)


def _write_ready(ready: pl.DataFrame, out: Any, *, header: bool) -> None:
    ready.write_csv(
        out,
        include_header=header,
        separator=",",
        line_terminator=LINE_TERMINATOR,
        quote_char='"',
        quote_style="necessary",
        null_value="",
    )
