"""What reading candidate files works with and produces: the specs, the file and reject
records, the result, and the limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
