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

The package by job: `model` (specs, file and reject records, limits), `paths` (patterns ->
files), `headers` (aliases and the header mapping), `sniff` (encoding, delimiter, preamble,
header), `sql` (positional columns -> the canonical table), `rejects` (real line numbers of
bad records), `read` (one DuckDB pass per file; `read_sources`).
"""

from __future__ import annotations

from planner.sources.headers import (
    alias_of,
    header_aliases,
    normalize_header,
    squash_header,
)
from planner.sources.model import (
    MAX_BAD_ROWS_HINT,
    MAX_BAD_SHARE,
    NAME_FIELDS,
    ROLE_FIELDS,
    WHITESPACE,
    FileInfo,
    Reject,
    SourceResult,
    SourceSpec,
)
from planner.sources.paths import expand_paths
from planner.sources.read import MAX_LINE_BYTES, read_sources
from planner.sources.sniff import file_columns

__all__ = [
    "MAX_BAD_ROWS_HINT",
    "MAX_BAD_SHARE",
    "MAX_LINE_BYTES",
    "NAME_FIELDS",
    "ROLE_FIELDS",
    "WHITESPACE",
    "FileInfo",
    "Reject",
    "SourceResult",
    "SourceSpec",
    "alias_of",
    "expand_paths",
    "file_columns",
    "header_aliases",
    "normalize_header",
    "read_sources",
    "squash_header",
]
