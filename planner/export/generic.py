"""The send list as is: `send_list.csv`, `send_list.jsonl`, `send_list.parquet`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from planner.config import Campaign
from planner.export.atomic import atomic_path
from planner.export.base import no_incomplete
from planner.export.csvsafe import write_csv

# json.dumps(ensure_ascii=False) leaves these raw; str.splitlines() and some JSONL readers
# split lines on them, so they are escaped (they can only occur inside JSON strings).
_LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(record: Any) -> str:
    """One compact JSON document on one line: UTF-8 text, keys in the given order."""
    text = json.dumps(
        record, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str
    )
    for raw, escaped in _LINE_BREAKERS.items():
        text = text.replace(raw, escaped)
    return text


def write_jsonl(records: list[Any], path: Path) -> None:
    """Write one JSON document per line (LF endings, final newline) atomically."""
    body = "".join(json_line(r) + "\n" for r in records)
    with atomic_path(path) as tmp:
        tmp.write_bytes(body.encode("utf-8"))


def _finite_floats(df: pl.DataFrame) -> pl.DataFrame:
    """NaN/inf are not JSON: they become null."""
    return df.with_columns(
        pl.when(pl.col(name).is_finite()).then(pl.col(name)).alias(name)
        for name, dtype in df.schema.items()
        if dtype.is_float()
    )


class CsvExporter:
    """`send_list.csv`: the send list itself (SPEC 8), through the safe CSV writer."""

    name = "csv"
    max_rows: int | None = None

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return no_incomplete()

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        path = out_dir / "send_list.csv"
        write_csv(send_list, path)
        return [path]


class JsonlExporter:
    """`send_list.jsonl`: one object per recipient, keys in column order, lists as arrays,
    null as null, numbers as numbers, text as UTF-8 (not \\u-escaped)."""

    name = "jsonl"
    max_rows: int | None = None

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return no_incomplete()

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        path = out_dir / "send_list.jsonl"
        write_jsonl(list(_finite_floats(send_list).iter_rows(named=True)), path)
        return [path]


class ParquetExporter:
    """`send_list.parquet`: the typed send list (zstd, statistics on).

    Polars writes no timestamp into the file, so the bytes are the same for the same rows and
    the same Polars version (the footer names the writer version).
    """

    name = "parquet"
    max_rows: int | None = None

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        return no_incomplete()

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        path = out_dir / "send_list.parquet"
        with atomic_path(path) as tmp:
            send_list.write_parquet(tmp, compression="zstd", statistics=True)
        return [path]
