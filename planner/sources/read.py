"""Reading the files: one DuckDB pass per file, rejects counted and located, rows numbered."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from planner.contract import CANONICAL_FIELDS
from planner.duck import quote_ident
from planner.errors import InputError
from planner.files import sha256_file
from planner.normalize import locations
from planner.sources.headers import _map_columns
from planner.sources.model import (
    _CHUNK,
    _LIST_SEPARATORS,
    _REJECTS_SCAN,
    _REJECTS_TABLE,
    _SAMPLE_DATA_RECORDS,
    MAX_BAD_ROWS_HINT,
    MAX_BAD_SHARE,
    FileInfo,
    Reject,
    SourceResult,
    SourceSpec,
)
from planner.sources.rejects import _BadRecord, _error_text, _fetch_bad_records, _locate, _Located
from planner.sources.sniff import (
    _detect_separator,
    _has_utf8_letters,
    _open_binary,
    _score,
    _Sniff,
    _sniff,
    _transcode,
)
from planner.sources.sql import _CSV_SOURCE, _insert_sql, _one


@dataclass
class _Read:
    info: FileInfo
    rejects: list[Reject]
    lo: int  # rowid range of the file's good rows in the table (inclusive)
    hi: int
    anchors: dict[int, int]


#: No candidate's CSV record is this long. DuckDB rejects lines from 2 MiB (its max_line_size)
#: but drops lines from 32 MiB (its buffer) without a word, so longer lines are refused first.
MAX_LINE_BYTES: Final = 16 * 1024 * 1024


def _first_long_line(path: Path, limit: int = MAX_LINE_BYTES) -> int | None:
    """The number of the first physical line longer than `limit` bytes, or None.

    Streams the (decompressed) file in chunks of `_CHUNK` bytes, far below `limit`: a line that
    long spans chunks, so only the pieces before a chunk's first and after its last newline
    can belong to one; counting and finding newlines runs in C.
    """
    line, current = 1, 0
    with _open_binary(path) as fh:
        while chunk := fh.read(_CHUNK):
            breaks = chunk.count(b"\n")
            if not breaks:
                current += len(chunk)
                if current > limit:
                    return line
                continue
            if current + chunk.find(b"\n") > limit:
                return line
            line += breaks
            current = len(chunk) - chunk.rfind(b"\n") - 1
    return line if current > limit else None


def _kind_summary(bad: Sequence[_BadRecord]) -> str:
    """'too few columns (2), broken quoting (1)': kinds and counts, never content."""
    counts: dict[str, int] = {}
    for record in bad:
        text = _error_text(record, 0).split(":")[0]
        counts[text] = counts.get(text, 0) + 1
    return ", ".join(f"{text} ({n})" for text, n in sorted(counts.items()))


#: How many line numbers a too-many-bad-rows error names.
BAD_LINES_SHOWN = 3


def _lines_text(lines: Sequence[int], total: int) -> str:
    """'lines 26, 27, 28 and 3 more' (line numbers only, never content)."""
    shown = list(lines[:BAD_LINES_SHOWN])
    if not shown:
        return ""
    rest = max(total - len(shown), 0)
    if rest:
        return "lines " + ", ".join(map(str, shown)) + f" and {rest} more"
    if len(shown) == 1:
        return f"line {shown[0]}"
    return "lines " + ", ".join(map(str, shown[:-1])) + f" and {shown[-1]}"


def _check_bad_share(
    path: Path,
    bad: int,
    good: int,
    max_bad_rows: int | None,
    summary: str,
    lines: Callable[[], Sequence[int]] | None = None,
) -> None:
    """Refuse a file with too many bad rows, naming the first few bad lines (`lines` is only
    called then: locating needs a scan of the file)."""
    total = bad + good
    if bad == 0 or bad <= MAX_BAD_SHARE * total:
        return
    if max_bad_rows is not None and bad <= max_bad_rows:
        return
    limit = f" and more than --max-bad-rows {max_bad_rows}" if max_bad_rows is not None else ""
    where = _lines_text(lines(), bad) if lines is not None else ""
    raise InputError(
        f"{path}: {bad} of {total} data rows are bad ({100 * bad / total:.1f}%, more than "
        f"{MAX_BAD_SHARE:.0%}{limit}): {summary}" + (f"; {where}" if where else ""),
        hint=MAX_BAD_ROWS_HINT,
    )


def _drop_rejects_tables(con: duckdb.DuckDBPyConnection) -> None:
    # The rejects tables hold raw lines (candidate data): never keep them around.
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(_REJECTS_TABLE)}")
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(_REJECTS_SCAN)}")


def _max_rowid(con: duckdb.DuckDBPyConnection, table: str) -> int:
    value = _one(con, f"SELECT max(rowid) FROM {quote_ident(table)}")[0]  # noqa: S608
    return -1 if value is None else int(value)


def _rowid_range(con: duckdb.DuckDBPyConnection, table: str, after: int) -> tuple[int, int]:
    lo, hi = _one(
        con,
        f"SELECT min(rowid), max(rowid) FROM {quote_ident(table)} WHERE rowid > ?",  # noqa: S608
        [after],
    )
    return (after + 1, after) if lo is None else (int(lo), int(hi))


def _has_encoding_errors(bad: Sequence[_BadRecord]) -> bool:
    return any(record.kind == "INVALID ENCODING" for record in bad)


def _check_and_locate(
    path: Path,
    read_path: Path,
    sniff: _Sniff,
    good: int,
    bad: Sequence[_BadRecord],
    max_bad_rows: int | None,
) -> _Located:
    """Refuse empty or too broken files; give the bad records their real lines."""
    if good == 0 and not bad:
        raise InputError(
            f"{path}: the file has a header but no data rows",
            hint="export the candidate list again with its rows",
        )
    _check_bad_share(
        path,
        len(bad),
        good,
        max_bad_rows,
        _kind_summary(bad),
        lambda: [r.line for r in _locate(path, read_path, sniff, bad, BAD_LINES_SHOWN).rejects],
    )
    if not bad:
        return _Located([], {0: sniff.first_data_line})
    # Lines swallowed by broken quoting add rejects; past this many the file is refused anyway
    # (more bad than good rows), so locating may stop early.
    located = _locate(path, read_path, sniff, bad, max(good, max_bad_rows or 0) + 1)
    _check_bad_share(
        path,
        len(located.rejects),
        good,
        max_bad_rows,
        _kind_summary(bad),
        lambda: [r.line for r in located.rejects],
    )
    return located


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    table: str,
    max_bad_rows: int | None,
) -> _Read:
    path = spec.path
    sniff = _sniff(path, spec.columns)
    # The long-line check streams the whole file (0.9 s for 337 MB): it runs in a thread beside
    # DuckDB's read, which releases the GIL, and the read counts only once the check passed.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="planner-lines") as pool:
        long_line = pool.submit(_first_long_line, path)
        try:
            read = _read_csv_checked(con, spec, sniff, table, max_bad_rows)
        except InputError:
            _refuse_long_line(path, long_line.result())
            raise
        _refuse_long_line(path, long_line.result())
    return read


def _refuse_long_line(path: Path, long_line: int | None) -> None:
    if long_line is not None:
        raise InputError(
            f"{path}: line {long_line} is longer than {MAX_LINE_BYTES >> 20} MiB, which no"
            " candidate's row is; nothing of the file was read",
            hint="look for an unclosed quote or a cell holding a whole document, and fix or"
            " remove that line",
        )


def _read_csv_checked(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    sniff: _Sniff,
    table: str,
    max_bad_rows: int | None,
) -> _Read:
    """`_read_csv` once the file is sniffed (its long-line check running meanwhile)."""
    path = spec.path
    mapping = _map_columns(path, sniff.headers, spec.columns, sniff.header_score)
    separator = spec.list_separator
    if separator is None and "skills" in mapping:
        index = mapping["skills"]
        separator = _detect_separator([r[index] for r in sniff.data_sample if index < len(r)])
    columns = {f"c{i}": "VARCHAR" for i in range(len(sniff.headers))}
    before = _max_rowid(con, table)
    sql = _insert_sql(table, mapping, _CSV_SOURCE, separator)

    def attempt(read_path: Path) -> tuple[int, list[_BadRecord]]:
        params: list[object] = [str(path)]
        if "skills" in mapping:
            params.append(separator)
        params += [str(read_path), sniff.delimiter, columns, sniff.skip_records]
        params += [_REJECTS_TABLE, _REJECTS_SCAN]
        try:
            _drop_rejects_tables(con)
            inserted = int(_one(con, sql, params)[0])
            bad = _fetch_bad_records(con)
        except duckdb.Error as exc:
            # DuckDB's message may quote the offending line: keep it out of ours.
            raise InputError(
                f"{path}: cannot be read as {sniff.label} CSV with delimiter "
                f"{sniff.delimiter!r} ({type(exc).__name__})",
                hint="check that the file is a CSV export; re-save it as UTF-8 CSV if needed",
            ) from None
        finally:
            with contextlib.suppress(duckdb.Error):
                _drop_rejects_tables(con)
        return inserted, bad

    with tempfile.TemporaryDirectory(prefix="planner-") as tmp:
        read_path = path
        if sniff.transcode is not None:
            read_path = Path(tmp) / "transcoded.csv"
            _transcode(path, sniff.transcode, read_path)
        good, bad = attempt(read_path)
        if (
            sniff.label == "utf-8"
            and not sniff.non_ascii_utf8
            and _has_encoding_errors(bad)
            and not _has_utf8_letters(path)
        ):
            # The sample was plain ASCII and later bytes are not UTF-8, and nowhere in the file
            # is there a UTF-8 letter: a CP-1252 file whose first accented letter comes late.
            # Read it again as such (rare; rowids of the deleted rows are not reused, see
            # _rowid_range). A file with UTF-8 letters too is UTF-8 with a few broken rows:
            # those are rejects, each with its line, and the rest keeps its letters (reading
            # it all as CP-1252 turned every "Zoë" into "ZoÃ«").
            con.execute(f"DELETE FROM {quote_ident(table)} WHERE rowid > ?", [before])  # noqa: S608
            sniff = dataclasses.replace(sniff, transcode="cp1252", label="cp1252")
            read_path = Path(tmp) / "transcoded.csv"
            _transcode(path, "cp1252", read_path)
            good, bad = attempt(read_path)
        located = _check_and_locate(path, read_path, sniff, good, bad, max_bad_rows)
    if sniff.unknown_preamble:
        # Lines above the header that are not a known export preamble may be candidates the
        # header was pasted under: they are not read, and each is a reject with its line.
        skipped = [
            Reject(str(path), line, "before the header row: not read as a candidate", None)
            for line in sniff.unknown_preamble
        ]
        located = _Located([*skipped, *located.rejects], located.anchors)
    lo, hi = _rowid_range(con, table, before)
    info = FileInfo(
        path=path,
        sha256="",
        rows=good,
        bad_rows=len(located.rejects),
        header_map={f: sniff.headers[mapping[f]] for f in CANONICAL_FIELDS if f in mapping},
        encoding=sniff.label,
        delimiter=sniff.delimiter,
        skipped_preamble_lines=sniff.preamble_lines,
        list_separator=separator if "skills" in mapping else None,
    )
    return _Read(info, located.rejects, lo, hi, located.anchors)


def _read_parquet(con: duckdb.DuckDBPyConnection, spec: SourceSpec, table: str) -> _Read:
    path = spec.path
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise InputError(
            f"{path}: cannot be read as Parquet ({type(exc).__name__})",
            hint="check that the file is a Parquet file",
        ) from None
    headers = tuple(str(row[0]) for row in described)
    types = [str(row[1]) for row in described]
    mapping = _map_columns(path, headers, spec.columns, _score(headers, {}))
    separator = spec.list_separator or _LIST_SEPARATORS[0]
    casts = []
    for i, (name, type_) in enumerate(zip(headers, types, strict=True)):
        if mapping.get("skills") == i and type_.endswith("[]"):
            separator = ";"
            expr = f"array_to_string(CAST({quote_ident(name)} AS VARCHAR[]), '; ')"
        else:
            expr = f"CAST({quote_ident(name)} AS VARCHAR)"
        casts.append(f"{expr} AS {quote_ident(f'c{i}')}")
    if (
        spec.list_separator is None
        and "skills" in mapping
        and not types[mapping["skills"]].endswith("[]")
    ):
        col = quote_ident(headers[mapping["skills"]])
        sample = con.execute(
            f"SELECT CAST({col} AS VARCHAR) FROM read_parquet(?) LIMIT ?",  # noqa: S608
            [str(path), _SAMPLE_DATA_RECORDS],
        ).fetchall()
        separator = _detect_separator([str(r[0]) for r in sample if r[0] is not None])
    source = f"(SELECT {', '.join(casts)} FROM read_parquet(?))"  # noqa: S608
    before = _max_rowid(con, table)
    params: list[object] = [str(path)]
    if "skills" in mapping:
        params.append(separator)
    params.append(str(path))
    try:
        good = int(_one(con, _insert_sql(table, mapping, source, separator), params)[0])
    except duckdb.Error as exc:
        raise InputError(
            f"{path}: cannot be read as Parquet ({type(exc).__name__})",
            hint="check that the file is a Parquet file",
        ) from None
    if good == 0:
        raise InputError(f"{path}: the file has columns but no data rows")
    lo, hi = _rowid_range(con, table, before)
    info = FileInfo(
        path=path,
        sha256="",
        rows=good,
        bad_rows=0,
        header_map={f: headers[mapping[f]] for f in CANONICAL_FIELDS if f in mapping},
        encoding="parquet",
        delimiter="",
        skipped_preamble_lines=0,
        list_separator=separator if "skills" in mapping else None,
    )
    return _Read(info, [], lo, hi, {0: 1})


def _number_rows(con: duckdb.DuckDBPyConnection, table: str, reads: Sequence[_Read]) -> None:
    """Dense row_id in file order, and source_line, from the rowids of each file's range."""
    name = quote_ident(table)
    offset = 0
    for read in reads:
        con.execute(
            f"UPDATE {name} SET row_id = rowid - ? + ?, source_line = rowid - ? + ? "  # noqa: S608
            "WHERE rowid BETWEEN ? AND ?",
            [read.lo, offset, read.lo, read.anchors[0], read.lo, read.hi],
        )
        if len(read.anchors) > 1:
            thresholds = sorted(read.anchors)
            con.execute(
                f"UPDATE {name} SET source_line = a.line FROM ("  # noqa: S608
                "  SELECT r.rid, r.k + t.anchor AS line"
                f"  FROM (SELECT rowid AS rid, rowid - ? AS k FROM {name}"
                "        WHERE rowid BETWEEN ? AND ?) AS r"
                "  ASOF JOIN (SELECT unnest(?::BIGINT[]) AS threshold,"
                "                    unnest(?::BIGINT[]) AS anchor) AS t"
                "  ON r.k >= t.threshold"
                f") AS a WHERE {name}.rowid = a.rid",
                [
                    read.lo,
                    read.lo,
                    read.hi,
                    thresholds,
                    [read.anchors[t] for t in thresholds],
                ],
            )
        offset += read.hi - read.lo + 1


def read_sources(
    con: duckdb.DuckDBPyConnection,
    specs: Sequence[SourceSpec],
    *,
    max_bad_rows: int | None = None,
    table: str = "rows",
    hashes: Mapping[Path, str] | None = None,
) -> SourceResult:
    """Read every candidate file into the temporary table `table` (replaced), one row per good row.

    Columns: row_id (dense, file order then row order), source_file, source_line, the canonical
    fields as trimmed VARCHAR (NULL when empty or absent) and skills_list. Bad rows become
    `Reject`s; a file with more than 5% bad rows is refused unless `max_bad_rows` allows it.
    The same file listed twice is read once. `hashes` (resolved path -> SHA-256) are digests
    the caller already has (`planner.cache` hashes before reading); other files are hashed here,
    alongside the scan. Raises InputError.
    """
    # The enrich step that follows needs the gazetteer; loading it takes a second or two of
    # Python that overlaps with DuckDB's scan here instead of delaying the enrich step.
    locations.warm_up_in_background()
    unique: list[SourceSpec] = []
    seen: set[Path] = set()
    for spec in specs:
        key = spec.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(spec)

    fields = ", ".join(f"{quote_ident(f)} VARCHAR" for f in CANONICAL_FIELDS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} (row_id BIGINT, "
        f"source_file VARCHAR, source_line BIGINT, {fields}, skills_list VARCHAR[])"
    )
    # Row order (and so row_id) relies on DuckDB keeping insertion order.
    keep_order = bool(_one(con, "SELECT current_setting('preserve_insertion_order')")[0])
    if not keep_order:
        con.execute("SET preserve_insertion_order = true")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        # Hashing runs alongside DuckDB's scan (both release the GIL).
        known = hashes or {}
        digests = [
            pool.submit(lambda sha: sha, known[spec.path.resolve()])
            if spec.path.resolve() in known
            else pool.submit(sha256_file, spec.path)
            for spec in unique
        ]
        reads: list[_Read] = []
        for spec in unique:
            if spec.path.suffix.lower() == ".parquet":
                reads.append(_read_parquet(con, spec, table))
            else:
                reads.append(_read_csv(con, spec, table, max_bad_rows))
        _number_rows(con, table, reads)
        files = []
        for read, digest in zip(reads, digests, strict=True):
            try:
                sha = digest.result()
            except OSError as exc:
                raise InputError(f"{read.info.path}: cannot read ({type(exc).__name__})") from None
            files.append(dataclasses.replace(read.info, sha256=sha))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if not keep_order:
            con.execute("SET preserve_insertion_order = false")
    rejects = [reject for read in reads for reject in read.rejects]
    return SourceResult(files=files, rejects=rejects, table=table)
