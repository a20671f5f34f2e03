"""Reading candidate files (SPEC 3) into one DuckDB table of canonical VARCHAR columns.

Per CSV file, Python reads only the first 256 KiB to detect the encoding, the delimiter, a
preamble (LinkedIn's `Notes:` block) and the header row. DuckDB then reads the whole file in ONE
`read_csv` pass with that explicit dialect (quote and escape `"`, all VARCHAR) and
`store_rejects`, so bad rows become rejects instead of errors. Columns are addressed by position
(`c0`, `c1`, ...): no header text and no cell ever becomes SQL text, and every value is a bound
parameter. Parquet files are read with `read_parquet`. The file hashes for the manifest are
computed in a thread while DuckDB reads.

Encodings: UTF-8 with or without BOM is read directly. A sample that is not UTF-8 (and holds no
valid multi-byte UTF-8 either) means CP-1252, and so does a file whose sample is plain ASCII but
whose later bytes turn out not to be UTF-8; such files and UTF-16 ones are first transcoded to
a private temporary UTF-8 copy (DuckDB's own latin-1 reader refuses the 0x80-0x9F bytes CP-1252
uses for € – “ ” …). In a UTF-8 file that has valid accented letters, an invalid byte sequence
makes its row a reject.

Line numbers:
- A reject carries the real 1-based physical line of the bad record: DuckDB reports the byte
  offset of each bad record and Python counts the newlines before it. Only files that have
  rejects are scanned this way.
- A record with broken quoting can swallow the lines after it (an unterminated quote runs to
  the next quote or to the end of the file). Each swallowed line becomes a reject of its own, so
  no line disappears silently.
- DuckDB reports no position for good rows. A good row's `source_line` is the line after the
  header plus its index among good rows, re-anchored after every reject at the line following
  that reject. It is exact unless a field since the last reject contains a quoted line break or
  a blank line precedes it; then it is a deterministic approximation (counting records, not
  lines). For Parquet it is the 1-based row number.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import csv
import dataclasses
import glob
import gzip
import io
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final, cast

import duckdb

from planner.contract import CANONICAL_FIELDS
from planner.errors import InputError
from planner.files import sha256_file
from planner.normalize import locations

#: Canonical fields of which a file needs at least one (a way to greet the person) ...
NAME_FIELDS: tuple[str, ...] = ("first_name", "last_name", "full_name")
#: ... and at least one of these (something to match the role against).
ROLE_FIELDS: tuple[str, ...] = ("title", "skills")

#: Share of bad data rows above which a file is refused (unless max_bad_rows allows it).
MAX_BAD_SHARE = 0.05

MAX_BAD_ROWS_HINT = "use --max-bad-rows N to accept up to N bad rows per file"

_SAMPLE_BYTES = 256 * 1024
_HEADER_SEARCH_RECORDS = 50
_SAMPLE_DATA_RECORDS = 1000
_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
_LIST_SEPARATORS: tuple[str, ...] = (";", "|", ",")
_CHUNK = 1 << 20
_REJECTS_TABLE = "_planner_reject_errors"
_REJECTS_SCAN = "_planner_reject_scans"

# Whitespace as Python's str.isspace() defines it, so `" x ".strip()` is the reference for
# trimming (a test checks this list against the Unicode database).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _cp1252_c1() -> tuple[str, str]:
    """Latin-1 decodes 0x80-0x9F as control characters; CP-1252 (what Excel writes) as € ‚ „ …"""
    src: list[str] = []
    dst: list[str] = []
    for byte in range(0x80, 0xA0):
        with contextlib.suppress(UnicodeDecodeError):
            dst.append(bytes([byte]).decode("cp1252"))
            src.append(chr(byte))
    return "".join(src), "".join(dst)


_C1_TABLE = str.maketrans(*_cp1252_c1())


@dataclass(frozen=True)
class SourceSpec:
    """One candidate file to read, with the campaign's reading options."""

    path: Path
    columns: Mapping[str, str]
    list_separator: str | None


@dataclass(frozen=True)
class FileInfo:
    """What was read from one file (for the manifest and diagnostics)."""

    path: Path
    sha256: str
    rows: int
    bad_rows: int
    header_map: dict[str, str]
    encoding: str
    delimiter: str
    skipped_preamble_lines: int
    list_separator: str | None = None


@dataclass(frozen=True)
class Reject:
    """A bad row: where it is and what is wrong, never what it contains."""

    file: str
    line: int
    error: str
    column: str | None


@dataclass(frozen=True)
class SourceResult:
    """The files read, their bad rows, and the name of the table holding the good rows."""

    files: list[FileInfo]
    rejects: list[Reject]
    table: str


# --------------------------------------------------------------------------------------------
# Header aliases
# --------------------------------------------------------------------------------------------


def normalize_header(header: str) -> str:
    """Header as compared with the alias table: case-folded, `_` as space, spaces collapsed."""
    return " ".join(header.replace("\ufeff", "").replace("_", " ").casefold().split())


_SQUASH: Final = re.compile(r"[\s\-_/().:]+")


def squash_header(header: str) -> str:
    """A normalized header without spaces or punctuation: "EmailAddress" = "email address"."""
    return _SQUASH.sub("", normalize_header(header))


def alias_of(header: str) -> tuple[str, int] | None:
    """(canonical field, rank) of a header: exact alias first, then its squashed form."""
    aliases = header_aliases()
    return aliases.get(normalize_header(header)) or aliases.get(squash_header(header))


@lru_cache(maxsize=1)
def header_aliases() -> dict[str, tuple[str, int]]:
    """Normalized alias -> (canonical field, rank); a lower rank wins when several match.

    Read from `planner/data/header_aliases.csv` (columns `canonical,alias`; order = priority).
    The canonical names themselves are always aliases of rank 0.
    """
    text = resources.files("planner").joinpath("data/header_aliases.csv").read_text("utf-8")
    table: dict[str, tuple[str, int]] = {
        normalize_header(field): (field, 0) for field in CANONICAL_FIELDS
    }
    for rank, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
        canonical, alias = row["canonical"].strip(), normalize_header(row["alias"])
        if canonical not in CANONICAL_FIELDS:
            raise ValueError(f"header_aliases.csv: unknown canonical field {canonical!r}")
        known = table.get(alias)
        if known is not None and known[0] != canonical:
            raise ValueError(f"header_aliases.csv: {alias!r} maps to {known[0]} and {canonical}")
        if known is None:
            table[alias] = (canonical, rank)
    # Squashed forms ("emailaddress", "firstname") match headers written without spaces; an
    # exact alias always wins over a squashed one, in the table and in a file: a squashed hit
    # ranks after every exact alias, so Sales Navigator's `linkedInProfileUrl` (an alias) beats
    # its `profileUrl` (the /sales/lead/ link, a squashed `profile_url`).
    offset = len(table) + 1
    for alias, (field, rank) in list(table.items()):
        table.setdefault(_SQUASH.sub("", alias), (field, offset + rank))
    return table


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------


def expand_paths(base_dir: Path, patterns: Sequence[str], *, where: str) -> list[Path]:
    """Resolve files and globs relative to `base_dir`: sorted, de-duplicated, deterministic.

    `where` names the key in errors (e.g. "campaign.yaml:9: candidates.paths"); the index of
    the failing pattern is appended unless `where` already ends with one.
    """
    found: list[Path] = []
    for index, pattern in enumerate(patterns):
        label = where if where.endswith("]") else f"{where}[{index}]"
        full = Path(pattern).expanduser()
        if not full.is_absolute():
            full = base_dir / full
        if any(ch in pattern for ch in "*?["):
            matches = sorted(
                Path(p).resolve() for p in glob.glob(str(full), recursive=True) if Path(p).is_file()
            )
        elif full.is_dir():
            raise InputError(
                f"{label}: '{pattern}' is a directory, not a file",
                hint=f"use a glob such as '{pattern.rstrip('/')}/*.csv'",
            )
        else:
            matches = [full.resolve()] if full.is_file() else []
        if not matches:
            raise InputError(
                f"{label}: no file matches '{pattern}'",
                hint=f"paths are relative to the campaign file's folder ({base_dir})",
            )
        found.extend(m for m in matches if m not in found)
    return found


# --------------------------------------------------------------------------------------------
# SQL helpers
# --------------------------------------------------------------------------------------------


def quote_ident(name: str) -> str:
    """The one way an identifier enters SQL text: double-quoted, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(text: str) -> str:
    # Only for constants defined in this module (whitespace set, regex), never for input data.
    return "'" + text.replace("'", "''") + "'"


_WS_LITERAL = _sql_literal(WHITESPACE)
_WS_RUN_RE = _sql_literal("[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in WHITESPACE) + "]+")
# Whitespace other than single spaces: what a skills cell needs collapsing for.
_WS_UNUSUAL_RE = _sql_literal(
    "[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in WHITESPACE if ch != " ") + "]|  "
)


def _clean_sql(col: str) -> str:
    """Trimmed cell, '' -> NULL.

    The Unicode trim is slow, so it only runs when the first or last character could be
    whitespace (code point below 33 or above 132). Plain comparisons on purpose: DuckDB turns a
    long IN list into a join, and a join loses the insertion order that row_id relies on.
    """
    first, last = f"ord({col})", f"ord({col}[-1])"
    return (
        f"CASE WHEN {first} < 33 OR {first} > 132 OR {last} < 33 OR {last} > 132 "
        f"THEN nullif(trim({col}, {_WS_LITERAL}), '') ELSE nullif({col}, '') END"
    )


def _skills_sql(col: str, separator: str | None) -> str:
    """Skills cell -> list: split on the (bound) separator, lowercased, whitespace collapsed.

    Whitespace runs are collapsed once per cell, and only in cells that have any to collapse
    (a cheap regex match guards the costly replace); with a whitespace separator they must be
    collapsed per token instead.
    """
    if separator is not None and any(ch.isspace() for ch in separator):
        return (
            f"list_filter(list_transform(string_split(lower(coalesce({col}, '')), ?), "
            f"lambda t: trim(regexp_replace(t, {_WS_RUN_RE}, ' ', 'g'))), lambda t: t <> '')"
        )
    collapsed = (
        f"CASE WHEN regexp_matches({col}, {_WS_UNUSUAL_RE}) "
        f"THEN regexp_replace({col}, {_WS_RUN_RE}, ' ', 'g') ELSE coalesce({col}, '') END"
    )
    return (
        f"list_filter(list_transform(string_split(lower({collapsed}), ?), lambda t: trim(t)), "
        "lambda t: t <> '')"
    )


def _insert_sql(table: str, mapping: Mapping[str, int], source: str, separator: str | None) -> str:
    """INSERT ... SELECT of the canonical columns from `source` (a FROM item with c0..cN).

    Parameters, in order: source_file, skills separator (only when mapped), then `source`'s.
    """
    exprs = [
        _clean_sql(quote_ident(f"c{mapping[field]}")) if field in mapping else "NULL::VARCHAR"
        for field in CANONICAL_FIELDS
    ]
    skills = (
        _skills_sql(quote_ident(f"c{mapping['skills']}"), separator)
        if "skills" in mapping
        else "[]::VARCHAR[]"
    )
    columns = ", ".join(quote_ident(c) for c in _TABLE_COLUMNS)
    return (
        f"INSERT INTO {quote_ident(table)} ({columns}) "  # noqa: S608 - identifiers via quote_ident
        f"SELECT NULL, ?, NULL, {', '.join(exprs)}, {skills} FROM {source}"
    )


_TABLE_COLUMNS: tuple[str, ...] = (
    "row_id",
    "source_file",
    "source_line",
    *CANONICAL_FIELDS,
    "skills_list",
)

_CSV_SOURCE = (
    "read_csv(?, delim = ?, quote = '\"', escape = '\"', header = true, auto_detect = false, "
    "columns = ?, skip = ?, encoding = 'utf-8', store_rejects = true, rejects_table = ?, "
    "rejects_scan = ?, rejects_limit = 0)"
)


def _one(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> tuple[Any, ...]:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row


# --------------------------------------------------------------------------------------------
# Sniffing (first 256 KiB only)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sniff:
    transcode: str | None  # None (DuckDB reads the file) | cp1252 | utf-16
    label: str  # what FileInfo reports: utf-8 | utf-8-sig | cp1252 | utf-16
    delimiter: str
    skip_records: int  # CSV records before the header (DuckDB's `skip`)
    preamble_lines: int  # physical lines before the header
    first_data_line: int
    headers: tuple[str, ...]
    header_score: int
    data_sample: tuple[tuple[str, ...], ...]
    non_ascii_utf8: bool  # the sample holds valid non-ASCII UTF-8
    newline: bytes
    #: First lines of the non-empty records before the header that are not LinkedIn's known
    #: `Notes:` block: reported as rejects, never skipped without a word.
    unknown_preamble: tuple[int, ...] = ()


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return path.open("rb")


def _decode_sample(raw: bytes, truncated: bool) -> tuple[str, str | None, str]:
    """(text, transcode, label) of a sample; bytes that are not UTF-8 mean CP-1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace"), None, "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = codecs.getincrementaldecoder("utf-16")(errors="replace").decode(
            raw, final=not truncated
        )
        return text, "utf-16", "utf-16"
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(raw, final=not truncated)
    if "\ufffd" in text and not any(ord(ch) > 127 and ch != "\ufffd" for ch in text):
        # Not UTF-8 and no valid multi-byte UTF-8 either: a CP-1252 (Excel) file. When valid
        # UTF-8 letters are present too, the file is UTF-8 and the broken rows are rejects.
        return _decode_cp1252(raw), "cp1252", "cp1252"
    return text, None, "utf-8"


#: A valid multi-byte UTF-8 sequence (a letter beyond ASCII written as UTF-8).
_UTF8_MULTIBYTE: Final = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _has_utf8_letters(path: Path) -> bool:
    """Whether the whole file (not only its sample) holds a valid multi-byte UTF-8 sequence."""
    tail = b""
    with _open_binary(path) as fh:
        while chunk := fh.read(_CHUNK):
            if _UTF8_MULTIBYTE.search(tail + chunk):
                return True
            tail = chunk[-3:]  # a sequence may straddle two chunks
    return False


def _decode_cp1252(raw: bytes) -> str:
    # CP-1252 with its five undefined bytes kept as Latin-1 controls: never fails, stateless.
    return raw.decode("latin-1").translate(_C1_TABLE)


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Write a UTF-8 copy of a CP-1252 or UTF-16 file for DuckDB (its latin-1 reader refuses
    the 0x80-0x9F bytes CP-1252 uses for € – ' " …)."""
    decode = (
        codecs.getincrementaldecoder("utf-16")(errors="replace").decode
        if encoding == "utf-16"
        else (lambda chunk, final=False: _decode_cp1252(chunk))
    )
    with _open_binary(path) as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(decode(chunk, False).encode("utf-8"))
        dst.write(decode(b"", True).encode("utf-8"))


def _records(text: str, delimiter: str, truncated: bool) -> list[tuple[tuple[str, ...], int]]:
    """Sample records, each with the physical line count after it (detection only)."""
    limit = _HEADER_SEARCH_RECORDS + _SAMPLE_DATA_RECORDS
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    out: list[tuple[tuple[str, ...], int]] = []
    try:
        for record in reader:
            out.append((tuple(record), reader.line_num))
            if len(out) >= limit:
                return out
    except csv.Error:
        return out  # detection only: DuckDB reports the broken record itself
    if truncated and out:
        out.pop()  # the last record may be cut off by the sample boundary
    return out


def _score(fields: Sequence[str], extra: Mapping[str, str]) -> int:
    hits: set[str] = set()
    for field in fields:
        key = normalize_header(field)
        hit = alias_of(field)
        if key in extra:
            hits.add(extra[key])
        elif hit is not None:
            hits.add(hit[0])
    return len(hits)


def _sniff(path: Path, overrides: Mapping[str, str]) -> _Sniff:
    try:
        with _open_binary(path) as fh:
            raw = fh.read(_SAMPLE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot open the file ({type(exc).__name__})") from None
    truncated = len(raw) > _SAMPLE_BYTES
    raw = raw[:_SAMPLE_BYTES]
    text, transcode, label = _decode_sample(raw, truncated)
    if not text.strip():
        raise InputError(
            f"{path}: the file is empty", hint="export the candidate list again; it has no content"
        )
    extra = {normalize_header(h): field for field, h in overrides.items()}

    # The header is the record (among the first 50) that names the most canonical fields,
    # under the delimiter that makes it name the most; ties: fewer preamble records, then
    # the order , ; tab |.
    best: tuple[int, int, int] | None = None  # (score, -record index, -delimiter order)
    parsed: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for order, delim in enumerate(_DELIMITERS):
        parsed[delim] = records = _records(text, delim, truncated)
        for index, (fields, _) in enumerate(records[:_HEADER_SEARCH_RECORDS]):
            key = (_score(fields, extra), -index, -order)
            if best is None or key > best:
                best = key
    if best is not None and best[0] >= 2:
        delimiter, header_index = _DELIMITERS[-best[2]], -best[1]
    else:
        # Nothing recognizable: the first non-empty line is the header, the delimiter is the
        # candidate that splits it into the most fields. Validation then lists what it found.
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(_DELIMITERS, key=first.count)
        header_index = next(
            (
                i
                for i, (fields, _) in enumerate(parsed[delimiter])
                if any(f.strip() for f in fields)
            ),
            0,
        )
    records = parsed[delimiter]
    if not records:
        raise InputError(f"{path}: no header row found in the first {_SAMPLE_BYTES} bytes")
    headers = tuple(h.replace("\ufeff", "").strip() for h in records[header_index][0])
    preamble_lines = records[header_index - 1][1] if header_index > 0 else 0
    unknown_preamble = _unknown_preamble(records[:header_index])
    header_end = records[header_index][1]
    data = tuple(fields for fields, _ in records[header_index + 1 :] if fields)
    newline = b"\r" if "\n" not in text and "\r" in text else b"\n"
    return _Sniff(
        transcode=transcode,
        label=label,
        delimiter=delimiter,
        skip_records=header_index,
        preamble_lines=preamble_lines,
        first_data_line=header_end + 1,
        headers=headers,
        header_score=_score(headers, extra),
        data_sample=data,
        non_ascii_utf8=transcode is None and not text.isascii(),
        newline=newline,
        unknown_preamble=unknown_preamble,
    )


@lru_cache(maxsize=1)
def _known_preamble() -> re.Pattern[str]:
    """The opening of LinkedIn's note block above a connections header (data/known_preambles)."""
    text = resources.files("planner").joinpath("data/known_preambles.txt").read_text("utf-8")
    words = [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]
    return re.compile(r"^\s*(?:" + "|".join(map(re.escape, words)) + r")\s*:", re.IGNORECASE)


def _unknown_preamble(records: Sequence[tuple[tuple[str, ...], int]]) -> tuple[int, ...]:
    """First lines of the non-empty records before the header, unless they are LinkedIn's
    `Notes:` block (its first record starts with "Notes:"), which is skipped without a word."""
    lines: list[int] = []
    start = 1
    for fields, end in records:
        if any(f.strip() for f in fields):
            lines.append(start)
        start = end + 1
    first = next((fields for fields, _ in records if any(f.strip() for f in fields)), None)
    if first is not None and _known_preamble().match(first[0]):
        return ()
    return tuple(lines)


def _detect_separator(values: Sequence[str]) -> str:
    """The list separator found in the most skills cells (ties: ; | ,); `;` when none is."""
    counts = {sep: sum(1 for value in values if sep in value) for sep in _LIST_SEPARATORS}
    best = max(_LIST_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else _LIST_SEPARATORS[0]


# --------------------------------------------------------------------------------------------
# Header mapping and validation
# --------------------------------------------------------------------------------------------


def _headers_found(headers: Sequence[str], score: int) -> str:
    """The header list for error messages.

    Withheld when none of the cells is a known header name: then the line may well be a data
    row (a file without a header), and cell values never go into messages.
    """
    if score == 0:
        return (
            f"none of the {len(headers)} columns of the header line has a known name (it is "
            "not shown: it may be a data row); add a header row or map the columns with "
            "candidates.columns"
        )
    shown = [h if len(h) <= 60 else h[:57] + "..." for h in headers]
    return "headers found: " + ", ".join(repr(h) for h in shown)


def _map_columns(
    path: Path, headers: Sequence[str], overrides: Mapping[str, str], score: int
) -> dict[str, int]:
    """canonical field -> column index: aliases (best rank, then leftmost), then overrides."""
    best: dict[str, tuple[int, int]] = {}
    for index, header in enumerate(headers):
        hit = alias_of(header)
        if hit is not None:
            field, rank = hit
            if field in best and best[field][0] == rank and field not in overrides:
                # `email` and `Email`: reading one would silently drop the other's values.
                raise InputError(
                    f"{path}: columns {best[field][1] + 1} and {index + 1} both name {field}",
                    hint="keep one of them, or say which one to read in the campaign file:"
                    f" candidates.columns: {{{field}: <header>}}",
                )
            if field not in best or (rank, index) < best[field]:
                best[field] = (rank, index)
    mapping = {field: index for field, (_, index) in best.items()}
    normalized = [normalize_header(h) for h in headers]
    for field, header in overrides.items():
        if field not in CANONICAL_FIELDS:
            raise InputError(
                f"{path}: candidates.columns.{field}: unknown canonical field",
                hint="fields: " + ", ".join(CANONICAL_FIELDS),
            )
        if header in headers:
            mapping[field] = headers.index(header)
        elif normalize_header(header) in normalized:
            mapping[field] = normalized.index(normalize_header(header))
        else:
            raise InputError(
                f"{path}: candidates.columns.{field} names the header '{header}', which is not "
                f"in the file; {_headers_found(headers, score)}",
                hint=f"set candidates.columns.{field} to one of the headers found",
            )
    if not any(field in mapping for field in NAME_FIELDS):
        raise InputError(
            f"{path}: no name column; expected one of first_name, last_name, full_name "
            f"(e.g. 'First Name', 'Last Name', 'Name'); {_headers_found(headers, score)}",
            hint="rename the column or map it in the campaign file: "
            "candidates.columns: {full_name: <header>}",
        )
    if not any(field in mapping for field in ROLE_FIELDS):
        raise InputError(
            f"{path}: no title or skills column; expected title (e.g. 'Title', 'Position', "
            f"'Current Title') or skills (e.g. 'Skills'); {_headers_found(headers, score)}",
            hint="rename the column or map it in the campaign file: "
            "candidates.columns: {title: <header>}",
        )
    return mapping


def file_columns(path: Path, overrides: Mapping[str, str]) -> frozenset[str] | None:
    """The canonical fields a CSV file's header provides (aliases and `candidates.columns`), from
    its first 256 KiB; None for Parquet (not checked). Raises InputError like a build would.

    For checks before a build (lint: a template field that no input file has a column for).
    """
    if path.suffix.lower() == ".parquet":
        return None
    sniff = _sniff(path, overrides)
    return frozenset(_map_columns(path, sniff.headers, overrides, sniff.header_score))


# --------------------------------------------------------------------------------------------
# Locating rejects (only for files that have some)
# --------------------------------------------------------------------------------------------


class _Scanner:
    """Walks a file forward in DuckDB's byte-position space, counting lines.

    DuckDB reports byte positions in the (decompressed) file it read, BOM included.
    """

    def __init__(self, path: Path, newline: bytes) -> None:
        self._fh = _open_binary(path)
        self._newline = newline
        self._buf = b""
        self._start = 0  # absolute position of _buf[0]
        self._lines = 0  # newlines before _start
        self._eof = False

    def close(self) -> None:
        self._fh.close()

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._fh.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _drop_to(self, pos: int) -> None:
        cut = max(0, min(pos, self._start + len(self._buf)) - self._start)
        self._lines += self._buf.count(self._newline, 0, cut)
        self._buf = self._buf[cut:]
        self._start += cut

    def line_at(self, pos: int) -> int:
        """1-based line of the byte at `pos` (positions only move forward)."""
        while self._start + len(self._buf) <= pos:
            self._drop_to(self._start + len(self._buf))
            if not self._fill():
                break
        self._drop_to(pos)
        return self._lines + 1

    def byte_at(self, pos: int) -> bytes | None:
        while self._start + len(self._buf) <= pos:
            if not self._fill():
                return None
        index = pos - self._start
        return self._buf[index : index + 1]

    def find(self, pattern: re.Pattern[bytes], pos: int) -> tuple[int, bytes] | None:
        while True:
            match = pattern.search(self._buf, max(0, pos - self._start))
            if match is not None:
                return self._start + match.start(), match.group()
            self._drop_to(max(pos, self._start + len(self._buf) - 1))
            if not self._fill():
                return None

    def last_position(self) -> int:
        while self._fill():
            self._drop_to(self._start + len(self._buf) - _CHUNK)
        return max(0, self._start + len(self._buf) - 1)


_QUOTE = re.compile(b'"')
_NEWLINE = re.compile(b"[\r\n]")


def _record_end(scanner: _Scanner, start: int, delimiter: bytes) -> int:
    """Position of the last byte of the record starting at `start`, read as RFC 4180 does.

    A stray character after a closing quote ends the record at the end of that line (as DuckDB
    recovers); an unterminated quote runs to the next quote or to the end of the file.
    """
    unquoted = re.compile(b"[" + re.escape(delimiter) + b"\r\n]")
    pos = start
    while True:
        byte = scanner.byte_at(pos)
        if byte is None:
            return scanner.last_position()
        if byte != b'"':
            hit = scanner.find(unquoted, pos)
            if hit is None:
                return scanner.last_position()
            if hit[1] == delimiter:
                pos = hit[0] + 1
                continue
            return hit[0]
        search = pos + 1
        while True:
            hit = scanner.find(_QUOTE, search)
            if hit is None:
                return scanner.last_position()
            after = scanner.byte_at(hit[0] + 1)
            if after == b'"':
                search = hit[0] + 2
                continue
            if after is None or after in (b"\r", b"\n"):
                return hit[0]
            if after == delimiter:
                pos = hit[0] + 2
                break
            end = scanner.find(_NEWLINE, hit[0] + 1)
            return end[0] if end is not None else scanner.last_position()


@dataclass(frozen=True)
class _BadRecord:
    duck_line: int  # DuckDB's record-based line number
    position: int  # byte position of the record start
    kind: str
    column_index: int | None
    found: tuple[int, ...]


_ERROR_TEXT = {
    "UNQUOTED VALUE": "broken quoting: a quoted field is not closed properly",
    "LINE SIZE OVER MAXIMUM": "line too long",
    "INVALID STATE": "unreadable record",
    "CAST": "unreadable value",
}


def _error_text(record: _BadRecord, columns: int) -> str:
    if record.kind == "MISSING COLUMNS":
        found = f", found {min(record.found)}" if record.found else ""
        return f"too few columns: expected {columns}{found}"
    if record.kind == "TOO MANY COLUMNS":
        found = f", found {max(record.found)}" if record.found else ""
        return f"too many columns: expected {columns}{found}"
    if record.kind == "INVALID ENCODING":
        return "invalid utf-8 byte sequence"
    return _ERROR_TEXT.get(record.kind, "unreadable record")


def _fetch_bad_records(con: duckdb.DuckDBPyConnection) -> list[_BadRecord]:
    """One entry per bad record (DuckDB may log several errors for one line); no cell text."""
    rows = con.execute(
        "SELECT line, line_byte_position, CAST(error_type AS VARCHAR), "  # noqa: S608
        "TRY_CAST(regexp_extract(column_name, '^c([0-9]+)$', 1) AS BIGINT), "
        "TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT) "
        f"FROM {quote_ident(_REJECTS_TABLE)} ORDER BY line, byte_position, column_idx"
    ).fetchall()
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(int(row[0]), []).append(row)
    out: list[_BadRecord] = []
    for line, entries in grouped.items():
        first = entries[0]
        same_kind = [e for e in entries if e[2] == first[2]]
        out.append(
            _BadRecord(
                duck_line=line,
                position=int(min(e[1] for e in entries)),
                kind=str(first[2]),
                column_index=None if first[3] is None else int(first[3]),
                found=tuple(int(e[4]) for e in same_kind if e[4] is not None),
            )
        )
    return sorted(out, key=lambda r: r.position)


@dataclass(frozen=True)
class _Located:
    rejects: list[Reject]
    anchors: dict[int, int]  # good-row index threshold -> line of that good row minus its index


def _locate(
    path: Path, read_path: Path, sniff: _Sniff, bad: Sequence[_BadRecord], max_rejects: int | None
) -> _Located:
    """Real line numbers of bad records, swallowed lines, and anchors for good-row lines."""
    rejects: list[Reject] = []
    anchors: dict[int, int] = {0: sniff.first_data_line}
    delimiter = sniff.delimiter.encode()
    scanner = _Scanner(read_path, sniff.newline)
    with contextlib.closing(scanner):
        done_until = -1
        kept = 0
        for record in bad:
            if record.position <= done_until:
                continue  # inside the span of an earlier broken record
            line = scanner.line_at(record.position)
            end_line = line
            if record.kind == "UNQUOTED VALUE":
                done_until = _record_end(scanner, record.position, delimiter)
                end_line = scanner.line_at(done_until)
            column = (
                sniff.headers[record.column_index]
                if record.column_index is not None
                and record.kind != "TOO MANY COLUMNS"
                and record.column_index < len(sniff.headers)
                else None
            )
            rejects.append(Reject(str(path), line, _error_text(record, len(sniff.headers)), column))
            rejects.extend(
                Reject(
                    str(path), swallowed, f"inside broken quoting that starts on line {line}", None
                )
                for swallowed in range(line + 1, end_line + 1)
            )
            if max_rejects is not None and len(rejects) > max_rejects:
                break  # the caller refuses the file; no need to read on
            # Good rows before this record: its record index minus the bad records before it.
            threshold = record.duck_line - sniff.skip_records - 2 - kept
            anchors[threshold] = end_line + 1 - threshold
            kept += 1
    return _Located(rejects, anchors)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


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
    long_line = _first_long_line(path)
    if long_line is not None:
        raise InputError(
            f"{path}: line {long_line} is longer than {MAX_LINE_BYTES >> 20} MiB, which no"
            " candidate's row is; nothing of the file was read",
            hint="look for an unclosed quote or a cell holding a whole document, and fix or"
            " remove that line",
        )
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
