"""The exporter interface and what the format modules share: the send-list schema check, part
files, and the field mappings every ATS format needs (names, location, profile link, a note).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

import polars as pl

from planner.config import Campaign
from planner.contract import SEND_LIST_COLUMNS
from planner.errors import ExportError
from planner.export.csvsafe import fixed_decimals, write_csv

#: dtypes of the send list (input contract of every exporter).
SEND_LIST_SCHEMA: Final[Mapping[str, pl.DataType]] = {
    **{name: pl.String() for name in SEND_LIST_COLUMNS},
    "years_experience": pl.Float64(),
    "matched_skills": pl.List(pl.String()),
    "fit_score": pl.Float64(),
    "reasons": pl.List(pl.String()),
    "personal_fields": pl.Int64(),
    "personal_share": pl.Float64(),
    "step": pl.Int64(),
}

#: Part numbers have at least this many digits: part001, part002, ...
PART_DIGITS: Final[int] = 3


@runtime_checkable
class Exporter(Protocol):
    """One output format. `max_rows` is the per-file limit (None: one file, no part numbers).

    A vendor's importer refuses rows without the fields it requires (LinkedIn Recruiter: first
    name, last name and email). `write` leaves such rows out of the file, and `incomplete`
    names them, so the build can say who is missing and why instead of the import failing.
    """

    name: str
    max_rows: int | None

    def write(self, send_list: pl.DataFrame, campaign: Campaign, out_dir: Path) -> list[Path]:
        """Write the send list in this format into `out_dir`; return the files, sorted."""
        ...

    def incomplete(self, send_list: pl.DataFrame, campaign: Campaign) -> pl.DataFrame:
        """`person_key`, `missing` (the required fields that are empty) of the rows `write`
        leaves out; no rows when the format has no required fields."""
        ...


#: What `Exporter.incomplete` returns.
INCOMPLETE_SCHEMA: Final[Mapping[str, pl.DataType]] = {
    "person_key": pl.String(),
    "missing": pl.List(pl.String()),
}


def no_incomplete() -> pl.DataFrame:
    """The `incomplete` of a format that requires nothing."""
    return pl.DataFrame(schema=dict(INCOMPLETE_SCHEMA))


def missing_fields(required: Sequence[str]) -> pl.Expr:
    """The names of the `required` columns that are null in a row, in `required` order."""
    if not required:
        return pl.lit([], dtype=pl.List(pl.String()))
    return pl.concat_list(
        [pl.when(pl.col(c).is_null()).then(pl.lit(c)).otherwise(pl.lit(None)) for c in required]
    ).list.drop_nulls()


def complete(frame: pl.DataFrame, required: Sequence[str]) -> pl.DataFrame:
    """The rows of an output frame where every required field has a value."""
    if not required:
        return frame
    return frame.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in required]))


def incomplete_rows(
    send_list: pl.DataFrame, frame: pl.DataFrame, required: Sequence[str]
) -> pl.DataFrame:
    """`Exporter.incomplete` for an output `frame` built row for row from `send_list`."""
    if not required:
        return no_incomplete()
    missing = frame.select(missing_fields(required).alias("missing"))["missing"]
    return pl.DataFrame(
        {"person_key": send_list["person_key"], "missing": missing},
        schema=dict(INCOMPLETE_SCHEMA),
    ).filter(pl.col("missing").list.len() > 0)


def conform_send_list(send_list: pl.DataFrame) -> pl.DataFrame:
    """The send list with exactly the contract columns, in order, in the contract dtypes.

    Columns in another order are reordered; missing or unexpected columns are an error.
    """
    names = list(send_list.columns)
    missing = [c for c in SEND_LIST_COLUMNS if c not in names]
    extra = [c for c in names if c not in SEND_LIST_SCHEMA]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        raise ExportError(
            "send list does not have the send_list.csv columns: " + "; ".join(parts),
            hint="pass the frame built by the pipeline (columns of SPEC 8, in order)",
        )
    try:
        return send_list.select(
            [pl.col(name).cast(SEND_LIST_SCHEMA[name]) for name in SEND_LIST_COLUMNS]
        )
    except pl.exceptions.PolarsError as exc:
        raise ExportError(
            "send list columns have types that cannot be converted to the contract types",
            hint="fit_score and years_experience must be numbers, list columns lists of text",
        ) from exc


def file_stem(fmt: str, campaign: Campaign) -> str:
    """`<format>_<campaign-id>`, restricted to a-z 0-9 _ - (Lever's file-name rule)."""
    return re.sub(r"[^a-z0-9_-]", "-", f"{fmt}_{campaign.id}".lower())


def write_csv_parts(
    frame: pl.DataFrame, out_dir: Path, stem: str, max_rows: int, *, bom: bool = False
) -> list[Path]:
    """Write `frame` as `<stem>_part001.csv`, `_part002.csv`, ... of at most `max_rows` rows.

    Split formats always carry a part number, even with one part (an empty send list gives one
    file with the header only), so the names a user scripts against never change shape. All
    parts of one export use the same number of digits, so they sort in order.
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    count = max(1, math.ceil(frame.height / max_rows))
    digits = max(PART_DIGITS, len(str(count)))
    paths: list[Path] = []
    for index in range(count):
        path = out_dir / f"{stem}_part{index + 1:0{digits}d}.csv"
        write_csv(frame.slice(index * max_rows, max_rows), path, bom=bom)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- field mappings


def one_line(expr: pl.Expr) -> pl.Expr:
    """Whitespace runs (line breaks, tabs) as one space, ends trimmed."""
    return expr.str.replace_all(r"\s+", " ").str.strip_chars()


def clean(name: str) -> pl.Expr:
    """A text column on one line for an ATS field: whitespace runs (line breaks and tabs
    included) become one space, ends trimmed, empty text null. Import forms have one-line
    fields; a line break inside a name would split it in many importers."""
    col = one_line(pl.col(name))
    return pl.when(col == "").then(pl.lit(None, dtype=pl.String)).otherwise(col)


def first_name() -> pl.Expr:
    """first_name, else the first word of full_name."""
    return pl.coalesce(clean("first_name"), clean("full_name").str.extract(r"^(\S+)", 1))


def last_name() -> pl.Expr:
    """last_name, else what follows the first word of full_name."""
    rest = clean("full_name").str.extract(r"^\S+\s+(.+)$", 1)
    return pl.coalesce(clean("last_name"), rest)


def full_name() -> pl.Expr:
    """full_name, else first and last name joined."""
    joined = pl.concat_str(
        [clean("first_name"), clean("last_name")], separator=" ", ignore_nulls=True
    )
    joined = pl.when(joined == "").then(pl.lit(None, dtype=pl.String)).otherwise(joined)
    return pl.coalesce(clean("full_name"), joined)


@functools.cache
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 -> the everyday English name (pycountry's common name when it has one:
    "South Korea", not "Korea, Republic of")."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        names[str(country.alpha_2)] = str(getattr(country, "common_name", None) or country.name)
    return names


def country_name() -> pl.Expr:
    """The country as an English name; an unknown code is kept as it is."""
    code = clean("country")
    return code.str.to_uppercase().replace_strict(
        country_names(), default=code, return_dtype=pl.String
    )


def location() -> pl.Expr:
    """ "City, Country" from the parts that are present (null when none is)."""
    joined = pl.concat_str([clean("city"), country_name()], separator=", ", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit(None, dtype=pl.String)).otherwise(joined)


def profile_link() -> pl.Expr:
    """profile_url as an absolute URL (https:// added when the scheme is missing)."""
    url = clean("profile_url")
    has_scheme = url.str.contains(r"(?i)^[a-z][a-z0-9+.-]*://")
    return pl.when(has_scheme).then(url).otherwise(pl.concat_str([pl.lit("https://"), url]))


def joined_list(name: str, separator: str) -> pl.Expr:
    """A list column joined with `separator`; null when empty."""
    items = (
        pl.col(name)
        .list.eval(one_line(pl.element()))
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    joined = items.list.join(separator, ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit(None, dtype=pl.String)).otherwise(joined)


def campaign_tags(campaign: Campaign, *, with_id: bool = True, for_csv: bool = False) -> list[str]:
    """The campaign's export tags (then its id), without duplicates, in that order.

    `for_csv`: a comma inside a tag would read as a separator in the ATS files that list tags
    comma-separated, so it becomes a space there.
    """
    tags = list(campaign.export.tags) + ([campaign.id] if with_id else [])
    if for_csv:
        tags = [t.replace(",", " ") for t in tags]
    cleaned = (" ".join(t.split()) for t in tags)
    return list(dict.fromkeys(t for t in cleaned if t))


def note(campaign: Campaign, extra: Sequence[tuple[str, str]] = ()) -> pl.Expr:
    """One-line note explaining why this person is on the list:
    `Fit score 0.8123. Matched skills: python, sql. Reasons: ...; .... Campaign: <id>.`
    plus `extra` (label, constant text) pairs.
    """
    pieces = [
        pl.concat_str([pl.lit("Fit score "), fixed_decimals(pl.col("fit_score"), 4), pl.lit(".")]),
        pl.concat_str(
            [pl.lit("Matched skills: "), joined_list("matched_skills", ", "), pl.lit(".")]
        ),
        pl.concat_str([pl.lit("Reasons: "), joined_list("reasons", "; "), pl.lit(".")]),
        pl.lit(f"Campaign: {campaign.id}."),
    ]
    pieces += [pl.lit(f"{label}: {text}.") for label, text in extra if text]
    return pl.concat_list(pieces).list.drop_nulls().list.join(" ")
