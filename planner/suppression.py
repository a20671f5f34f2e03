"""Suppression files (`suppression.files`, SPEC 2, 5.1 reason 3): people never to contact.

A suppression file is a CSV (`,` `;` tab or `|`, UTF-8 with or without BOM, CP-1252 fallback)
in one of two shapes:

- **With a header**: any of the columns of `COLUMNS` (names matched case-insensitively, spaces
  and dashes as `_`; other columns such as `reason` or `added_on` are ignored). A row may fill
  several; it suppresses every candidate that matches ANY of its identifiers:
  - `email`: the candidate's normalized email is this one (a value `@example.com` is a domain);
  - `profile_url`: the candidate's normalized profile URL is this one;
  - `domain`: the candidate's email is at this domain (exactly; the `@` is optional);
  - `first_name` + `last_name` (or `full_name`) with `company`: name AND current company match.

- **Without a header** (no column name above in the first line): one value per line, an email,
  an `@domain` or a profile URL.

Matching uses the identity rules of SPEC 6.1 (`planner.normalize.identity`) for emails and URLs
and the company rule of SPEC 4 (`planner.normalize.companies`). Names are compared as *name
keys*: lowercased, accents stripped, dots and apostrophes dropped, other punctuation as spaces,
whitespace collapsed ("José O'Neil-Díaz" -> "jose oneil diaz"); a candidate matches on
`first_name last_name` or on `full_name`. A name and a company count only together: a line
whose only identifier is a name without a company (or the reverse) identifies no one and is
refused; next to an email or URL they are ignored.

A matched person (any row of theirs, in any input file of the build) is excluded from the
campaign with `suppressed`; the detail names the list and line (`on suppression list
do_not_contact.csv line 4 (email)`), never the matched value. A file that cannot be used is an
InputError (exit 3) listing every bad line; nothing is planned from a half-read list.

**ATS exports** (`suppression.in_ats`, SPEC 5.1 reason 3a, LinkedIn Recruiter's "hide candidates
in ATS"): candidate exports of an ATS (Greenhouse, Lever, Ashby, ...; any CSV with a header).
Only emails and profile URLs identify a person there, because an ATS holds applicants whose
names repeat: every cell of the columns named in `ATS_COLUMNS` is split at commas, semicolons,
`|` and whitespace (Lever puts several emails or links in one cell, Greenhouse a LinkedIn URL in
"Social Media"), and each part that is an email or a URL is kept. A matched person is excluded
with `already_in_ats` (`in ATS export greenhouse.csv line 3 (email)`). Rows without an email or
URL are normal in an ATS and are skipped; a file whose header names no such column is refused.

Matching is set-based: the list is normalized once (it is small next to the candidates) and
joined with `people` in DuckDB, one equi-join per kind of identifier the list holds.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import duckdb
import polars as pl

from planner.config import Campaign
from planner.errors import InputError
from planner.normalize import companies
from planner.normalize._sql import Param, Sql, fmt, ident
from planner.normalize._text import WS_RUN, collapse, compile_re, decode_bytes, header_key, lower
from planner.normalize.identity import normalize_email, normalize_profile_url

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

#: Accepted header names (lowercased, spaces and dashes as `_`) per column.
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "email": ("email", "e_mail", "email_address", "mail"),
    "profile_url": ("profile_url", "linkedin_url", "linkedin", "url", "profile", "profile_link"),
    "domain": ("domain", "email_domain"),
    "first_name": ("first_name", "firstname", "first", "given_name", "vorname"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name", "nachname"),
    "full_name": ("full_name", "fullname", "name"),
    "company": (
        "company",
        "company_name",
        "current_company",
        "employer",
        "organization",
        "unternehmen",
    ),
}

#: Header names (lowercased, spaces and dashes as `_`) of ATS export columns that hold emails
#: or profile URLs (`suppression.in_ats`).
ATS_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "email": (
        "email",
        "emails",
        "e_mail",
        "email_address",
        "email_addresses",
        "mail",
        "personal_email",
        "work_email",
        "other_email",
        "candidate_email",
        "all_candidate_emails",
        "primary_email",
    ),
    "profile_url": (
        "profile_url",
        "linkedin_url",
        "linkedin",
        "linkedin_profile",
        "linkedin_profile_url",
        "candidate_linkedin_url",
        "public_profile_url",
        "social_media",
        "social_media_addresses",
        "links",
        "link",
        "website",
        "websites",
        "website_addresses",
        "url",
        "urls",
    ),
}

#: Normalized entries: one row per usable line.
SCHEMA: Final[dict[str, Any]] = {
    "file_index": pl.Int32,
    "file": pl.Utf8,
    "line": pl.Int64,
    "email": pl.Utf8,
    "url": pl.Utf8,
    "domain": pl.Utf8,
    "name_key": pl.Utf8,
    "company": pl.Utf8,
}

_DOMAIN: Final = re.compile(r"^[^@\s/]+\.[^@\s/.]+$")
MAX_PROBLEMS_SHOWN: Final = 50
_HINT: Final = (
    "a suppression file is a CSV with a header naming email, profile_url, domain, or"
    " first_name/last_name (or full_name) with company; or, without a header, one email,"
    " @domain or profile URL per line"
)


# --------------------------------------------------------------------------- name keys


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )


def name_key(text: str | None) -> str | None:
    """Comparable form of a person's name (see the module docstring), or None."""
    if text is None:
        return None
    cleaned = compile_re(companies.DROP_CHARS).sub("", _strip_accents(lower(text)))
    cleaned = collapse(compile_re(companies.SPACE_CHARS).sub(" ", cleaned))
    return cleaned or None


def name_key_sql(expr: str) -> Sql:
    """SQL twin of `name_key` (NULL in, NULL out)."""
    cleaned = fmt(
        "trim(regexp_replace(regexp_replace(regexp_replace(strip_accents(lower({})), {}, '',"
        " 'g'), {}, ' ', 'g'), {}, ' ', 'g'), ' ')",
        expr,
        Param(companies.DROP_CHARS),
        Param(companies.SPACE_CHARS),
        Param(WS_RUN),
    )
    return fmt("nullif({}, '')", cleaned)


def _full(first: str | None, last: str | None) -> str | None:
    parts = [p for p in (first, last) if p and p.strip()]
    return " ".join(parts) if parts else None


# --------------------------------------------------------------------------- reading


def _values(record: list[str], index: dict[str, list[int]], col: str) -> list[str]:
    """The non-empty values of every column of the file that names `col`, in column order."""
    return [v for i in index.get(col, []) if (v := record[i].strip())]


def _field_sets(record: list[str], index: dict[str, list[int]]) -> list[dict[str, str | None]]:
    """One entry's fields per identifier a line holds.

    A list may name a field twice (`email` and `Email`, an export with both a work and a
    private address): every such column is read, so each address on the line suppresses,
    never only the first column's.
    """
    first = {c: next(iter(_values(record, index, c)), None) for c in COLUMNS}
    sets = [first]
    for col in ("email", "profile_url"):
        sets += [{col: v} for v in _values(record, index, col)[1:]]
    return sets


def _classify(value: str) -> dict[str, str | None]:
    """A headerless line: an email, an @domain or a profile URL."""
    if value.startswith("@"):
        return {"domain": value}
    if "@" in value and "/" not in value:
        return {"email": value}
    return {"profile_url": value}


def _entry(
    fields: dict[str, str | None], problems: list[str], where: str
) -> dict[str, str | None] | None:
    """Normalize one line's identifiers; append what is wrong with it (no value ever shown)."""
    why: list[str] = []
    email_raw, domain_raw = fields.get("email"), fields.get("domain")
    if email_raw is not None and email_raw.startswith("@"):
        if domain_raw is None:
            domain_raw = email_raw
        email_raw = None
    email = normalize_email(email_raw) if email_raw is not None else None
    if email_raw is not None and email is None:
        why.append("email is not an email address")
    url_raw = fields.get("profile_url")
    url = normalize_profile_url(url_raw) if url_raw is not None else None
    if url_raw is not None and url is None:
        why.append("profile_url is not a profile URL")
    domain = None
    if domain_raw is not None:
        domain = lower(domain_raw.strip()).removeprefix("@")
        if not _DOMAIN.match(domain):
            why.append("domain is not an email domain (e.g. @example.com)")
            domain = None
    full = fields.get("full_name") or _full(fields.get("first_name"), fields.get("last_name"))
    company_raw = fields.get("company")
    key = name_key(full)
    company = companies.normalize_company(company_raw) if company_raw is not None else None
    paired = key is not None and company is not None
    if not why and not (email or url or domain or paired):
        if key is not None:
            why.append("name without a company (a name and a company identify a person together)")
        elif company is not None:
            why.append("company without a name (a name and a company identify a person together)")
        else:
            why.append("no email, profile_url, domain or name with company")
    if why:
        problems.append(f"{where}: " + "; ".join(why))
        return None
    return {
        "email": email,
        "url": url,
        "domain": domain,
        "name_key": key if paired else None,
        "company": company if paired else None,
    }


def _open_csv(path: Path, label: str) -> tuple[CsvReader, list[str]] | list[str]:
    """A list file's reader (positioned after the header) and its header; or the problems
    that stop it (unreadable file, broken first line; none for an empty file)."""
    try:
        text = decode_bytes(path.read_bytes())
    except OSError as exc:
        return [f"{label}: cannot read the file: {exc.strerror or type(exc).__name__}"]
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return reader, next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        return [f"{label}:1: unreadable CSV ({exc.__class__.__name__})"]


def read_file(path: Path, file_index: int, label: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries of one suppression file and its problems (`label:line: what`), in line order."""
    opened = _open_csv(path, label)
    if isinstance(opened, list):
        return [], opened
    reader, header = opened
    problems: list[str] = []
    entries: list[dict[str, Any]] = []
    index: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        col = next((c for c, names in COLUMNS.items() if header_key(h) in names), None)
        if col is not None:
            index.setdefault(col, []).append(i)
    headerless = not index
    start = reader.line_num + 1
    pending: list[tuple[int, list[str]]] = [(1, header)] if headerless else []
    try:
        for record in reader:
            pending.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(f"{label}:{start}: unreadable CSV ({exc.__class__.__name__})")
    for line, record in pending:
        where = f"{label}:{line}"
        if not record or all(not v.strip() for v in record):
            continue
        if headerless:
            values = [v.strip() for v in record if v.strip()]
            if len(values) != 1:
                problems.append(
                    f"{where}: {len(values)} values on a line of a list without a header"
                    " (give one email, @domain or profile URL per line, or add a header)"
                )
                continue
            fields = _classify(values[0])
        else:
            if len(record) != len(header):
                problems.append(f"{where}: expected {len(header)} fields, found {len(record)}")
                continue
            for fields in _field_sets(record, index):
                entry = _entry(fields, problems, where)
                if entry is not None:
                    entries.append(
                        {"file_index": file_index, "file": path.name, "line": line, **entry}
                    )
            continue
        entry = _entry(fields, problems, where)
        if entry is not None:
            entries.append({"file_index": file_index, "file": path.name, "line": line, **entry})
    return entries, problems


_ATS_SPLIT: Final = re.compile(r"[\s,;|]+")


def _ats_entries(value: str) -> list[dict[str, str | None]]:
    """Emails and URLs in one ATS cell ("a@x.io,b@y.io", "https://linkedin.com/in/a, ...")."""
    out: list[dict[str, str | None]] = []
    for token in _ATS_SPLIT.split(value):
        token = token.strip().strip("<>\"'()[]")
        if not token or token.startswith("@"):
            continue
        if "@" in token and "/" not in token:
            email = normalize_email(token.removeprefix("mailto:"))
            if email is not None:
                out.append({"email": email, "url": None})
        elif "." in token:
            url = normalize_profile_url(token)
            if url is not None:
                out.append({"email": None, "url": url})
    return out


def read_ats_file(
    path: Path, file_index: int, label: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Emails and profile URLs of one ATS export (`label:line: what` problems), in line order."""
    opened = _open_csv(path, label)
    if isinstance(opened, list):
        return [], opened
    reader, header = opened
    wanted = {name for names in ATS_COLUMNS.values() for name in names}
    columns = [i for i, h in enumerate(header) if header_key(h) in wanted]
    if not columns:
        # The first line is not shown: without a known column it may well be a data row.
        return [], [
            f"{label}:1: the header names no email or profile URL column (e.g. 'Email',"
            " 'Emails', 'Links', 'Social Media', 'profile_url')"
        ]
    entries: list[dict[str, Any]] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            for i in columns:
                if i < len(record) and record[i].strip():
                    for entry in _ats_entries(record[i]):
                        entries.append(
                            {
                                "file_index": file_index,
                                "file": path.name,
                                "line": start,
                                "domain": None,
                                "name_key": None,
                                "company": None,
                                **entry,
                            }
                        )
            start = reader.line_num + 1
    except csv.Error as exc:
        return entries, [f"{label}:{start}: unreadable CSV ({exc.__class__.__name__})"]
    return entries, []


def load_in_ats(campaign: Campaign) -> pl.DataFrame | None:
    """Emails and profile URLs of the campaign's `suppression.in_ats` files (None: none listed).

    Raises InputError naming the campaign key and the file.
    """
    return _load(
        campaign,
        "in_ats",
        read_ats_file,
        "ATS exports",
        "suppression.in_ats lists ATS candidate exports (CSV with a header and an email or"
        " profile URL column)",
    )


def load(campaign: Campaign) -> pl.DataFrame | None:
    """Every entry of the campaign's suppression files (None when it lists none).

    Raises InputError naming the campaign key, the file and each bad line.
    """
    return _load(campaign, "files", read_file, "suppression files", _HINT)


def _load(
    campaign: Campaign,
    key: str,
    reader: Callable[[Path, int, str], tuple[list[dict[str, Any]], list[str]]],
    what: str,
    hint: str,
) -> pl.DataFrame | None:
    """The entries of the files under `suppression.<key>`, read by `reader`; every problem of
    every file in one error."""
    files: list[str] = getattr(campaign.suppression, key)
    if not files:
        return None
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, text in enumerate(files):
        path = campaign.resolve(text)
        found, bad = reader(path, i, f"{campaign.where('suppression', key, i)}: {path}")
        entries.extend(found)
        problems.extend(bad)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
        raise InputError(
            problems[0]
            if len(problems) == 1
            else f"{campaign.file}: {len(problems)} problems in {what}",
            hint=hint,
            problems=shown,
        )
    return pl.DataFrame(entries, schema=SCHEMA)


# --------------------------------------------------------------------------- matching

_WHY: Final = {"suppression": "on suppression list", "ats": "in ATS export"}
_BRANCHES: Final[dict[str, tuple[str, str]]] = {
    "email": ("p.email_norm = e.email", "email"),
    "url": ("p.url_norm = e.url", "profile URL"),
    "domain": ("split_part(p.email_norm, '@', 2) = e.domain", "email domain"),
}


def match(
    con: duckdb.DuckDBPyConnection,
    entries: pl.DataFrame,
    *,
    people: str = "people",
    target: str = "_supp_hits",
    source: Literal["suppression", "ats"] = "suppression",
) -> None:
    """Create `target(person_key, why)`: persons of `people` on the list, with the first
    matching entry (by file, then line) as `on suppression list FILE line N (KIND)` (for
    `source="ats"`: `in ATS export FILE line N (KIND)`)."""
    view_name = f"{target}_entries"
    people, target, view = ident(people), ident(target), ident(view_name)
    con.register(view_name, entries)
    try:
        present = {
            kind
            for kind in ("email", "url", "domain", "name_key")
            if entries.get_column(kind).is_not_null().any()
        }
        selects: list[str] = []
        params: list[Any] = []
        why = "'" + _WHY[source] + " ' || e.file || ' line ' || e.line::VARCHAR || ' ({})'"
        for kind, (cond, label) in _BRANCHES.items():
            if kind in present:
                selects.append(
                    f"SELECT p.person_key, e.file_index, e.line, {why.format(label)} AS why"  # noqa: S608 - identifiers via ident()
                    f" FROM {people} p JOIN {view} e ON {cond}"
                )
        if "name_key" in present:
            pair_sql, pair_params = name_key_sql("concat_ws(' ', p.first_name, p.last_name)")
            full_sql, full_params = name_key_sql("p.full_name")
            selects.append(
                f"SELECT p.person_key, e.file_index, e.line, {why.format('name and company')}"  # noqa: S608 - identifiers via ident()
                f" AS why FROM {people} p JOIN {view} e ON p.company_norm = e.company"
                f" WHERE e.name_key = ({pair_sql}) OR e.name_key = ({full_sql})"
            )
            params = [*pair_params, *full_params]
        if not selects:
            selects.append(
                "SELECT NULL::VARCHAR AS person_key, 0 AS file_index, 0 AS line,"
                " NULL::VARCHAR AS why WHERE FALSE"
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {target} AS"  # noqa: S608 - identifiers via ident()
            " SELECT person_key, arg_min(why, (file_index, line)) AS why FROM ("
            + " UNION ALL ".join(selects)
            + ") GROUP BY person_key",
            params,
        )
    finally:
        con.unregister(view_name)
