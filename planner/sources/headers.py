"""Header aliases (a file's column names -> canonical fields) and the header mapping and its
checks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Final

from planner.contract import CANONICAL_FIELDS
from planner.errors import InputError
from planner.normalize import _data
from planner.sources.model import NAME_FIELDS, ROLE_FIELDS

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
    table: dict[str, tuple[str, int]] = {
        normalize_header(field): (field, 0) for field in CANONICAL_FIELDS
    }
    for rank, row in enumerate(_data.rows("header_aliases.csv"), start=1):
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
