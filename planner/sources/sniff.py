"""Sniffing a CSV file from its first 256 KiB: encoding, delimiter, preamble, header row."""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Final, cast

from planner.errors import InputError
from planner.normalize import _data
from planner.sources.headers import _map_columns, alias_of, normalize_header
from planner.sources.model import (
    _CHUNK,
    _DELIMITERS,
    _HEADER_SEARCH_RECORDS,
    _LIST_SEPARATORS,
    _SAMPLE_BYTES,
    _SAMPLE_DATA_RECORDS,
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
    words = _data.lines("known_preambles.txt")
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


def file_columns(path: Path, overrides: Mapping[str, str]) -> frozenset[str] | None:
    """The canonical fields a CSV file's header provides (aliases and `candidates.columns`), from
    its first 256 KiB; None for Parquet (not checked). Raises InputError like a build would.

    For checks before a build (lint: a template field that no input file has a column for).
    """
    if path.suffix.lower() == ".parquet":
        return None
    sniff = _sniff(path, overrides)
    return frozenset(_map_columns(path, sniff.headers, overrides, sniff.header_score))
