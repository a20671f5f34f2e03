"""Locating the bad records of a file (only for files that have some): real line numbers."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from planner.duck import quote_ident
from planner.sources.model import _CHUNK, _REJECTS_TABLE, Reject
from planner.sources.sniff import _open_binary, _Sniff


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
