"""`planner ledger import-touches`: outreach made outside planner, all rows or none; and the
reading, checking and person keys the outcome import shares."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner import duck
from planner.errors import InputError
from planner.files import sha256_file
from planner.ledger import identity
from planner.ledger.commands._common import PathLike
from planner.ledger.core import (
    IDENTITY_SCHEMA,
    MERGE_SCHEMA,
    TOUCH_SCHEMA,
    write_run,
    writing,
)
from planner.ledger.lock import Notify
from planner.ledger.schema import COMMITTED
from planner.ledger.store import first_row, translate_errors
from planner.normalize._text import decode_bytes, header_key
from planner.normalize.identity import email_sql, url_sql
from planner.persons import assign_person_keys

#: Accepted header names (lowercased, spaces and dashes as underscores) per column.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e_mail", "email_address", "mail"),
    "profile_url": ("profile_url", "linkedin_url", "linkedin", "url", "profile"),
    "date": ("date", "touched_on", "contacted_on", "sent_on", "sent_at"),
    "campaign_id": ("campaign_id", "campaign"),
    "channel": ("channel",),
    "sender_id": ("sender_id", "sender"),
}
_ID_RE = re.compile(r"^[a-z0-9-]+$")
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
MAX_PROBLEMS_SHOWN = 50


def _read_import(
    file: Path,
    columns: dict[str, tuple[str, ...]] = IMPORT_COLUMNS,
    *,
    hint: str | None = None,
    needs: Callable[[set[str]], bool] | None = None,
    needs_text: str = "a date column and an email or profile_url column",
    multi: bool = False,
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Rows of an import CSV as text with their line numbers; structural problems; ignored
    columns. No value ever goes into a message.

    `columns` maps each column to its accepted header names (most preferred first: when two
    headers of the file name the same column, the more preferred one is read). `needs` says
    whether the columns found are enough (`needs_text` says what is needed). With `multi`, a
    cell of `email` or `profile_url` holding several values (ATS exports: "a@x.com, b@y.com")
    keeps one: the first email, the first LinkedIn URL (else the first link).
    """
    hint = hint or _IMPORT_HINT
    needs = needs or (lambda found: "date" in found and bool({"email", "profile_url"} & found))
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror}", hint="check the path") from exc
    text = decode_bytes(raw)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{file}: the file is empty", hint=hint) from None
    keys = [header_key(h) for h in header]
    index: dict[str, int] = {}
    rank: dict[str, int] = {}
    for i, k in enumerate(keys):
        for c, names in columns.items():
            if k in names and names.index(k) == rank.get(c):
                # `email` and `Email`: reading one would silently drop the other's values.
                raise InputError(
                    f"{file}: columns {index[c] + 1} and {i + 1} both name {c}",
                    hint="keep one of them (or merge their values into one column)",
                )
            if k in names and names.index(k) < rank.get(c, len(names)):
                index[c], rank[c] = i, names.index(k)
    ignored = [h for i, h in enumerate(header) if i not in index.values()]
    if not needs(set(index)):
        raise InputError(f"{file}: needs {needs_text}; found: {_headers_found(header)}", hint=hint)
    cols: dict[str, list[str | None]] = {c: [] for c in columns}
    lines: list[int] = []
    problems: list[str] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not record or all(not v.strip() for v in record):
                continue
            if len(record) != len(header):
                problems.append(
                    f"{file}:{line}: expected {len(header)} fields, found {len(record)}"
                )
                continue
            lines.append(line)
            for c in columns:
                value = record[index[c]] if c in index else None
                if value is not None and multi and c in _MULTI:
                    value = _MULTI[c](value)
                cols[c].append(value if value is None or value.strip() else None)
    except csv.Error as exc:
        problems.append(f"{file}:{reader.line_num}: unreadable CSV ({exc.__class__.__name__})")
    frame = pl.DataFrame(
        {"line": lines, **cols},
        schema={"line": pl.Int64, **{c: pl.Utf8 for c in columns}},
    )
    return frame, problems, ignored


def _pieces(value: str) -> list[str]:
    return [v for v in re.split(r"[,;\s]+", value.strip()) if v]


def _first_email(value: str) -> str:
    pieces = _pieces(value)
    return next((v for v in pieces if "@" in v), pieces[0] if pieces else value)


def _first_profile(value: str) -> str:
    pieces = _pieces(value)
    return next((v for v in pieces if "linkedin.com/" in v.lower()), pieces[0] if pieces else value)


_MULTI: dict[str, Callable[[str], str]] = {"email": _first_email, "profile_url": _first_profile}


_IMPORT_HINT = (
    "a touches CSV has a header and the columns email and/or profile_url, date (YYYY-MM-DD),"
    " and optionally campaign_id, channel and sender_id (the guardrail counts touches by sender)"
)

_VALIDATE_SQL = """
CREATE OR REPLACE TEMP TABLE _imp_checked AS
SELECT line, email IS NOT NULL AS has_email, profile_url IS NOT NULL AS has_url,
       {email} AS email_norm, {url} AS url_norm,
       coalesce(try_cast(trim(date) AS DATE),
                try_cast(try_cast(trim(date) AS TIMESTAMP) AS DATE)) AS touched_on,
       date IS NOT NULL AS has_date,
       nullif(lower(trim(campaign_id)), '') AS campaign_id,
       nullif(lower(trim(channel)), '') AS channel,
       nullif(trim(sender_id), '') AS sender_id
FROM _imp
"""


def _identity_problems(
    has_email: bool, has_url: bool, email: str | None, url: str | None
) -> list[str]:
    """What is wrong with how a row of an import names its person (touches and outcomes)."""
    why: list[str] = []
    if not has_email and not has_url:
        why.append("no email and no profile_url")
    if has_email and email is None:
        why.append("email is not an email address")
    if has_url and url is None:
        why.append("profile_url is not a profile URL")
    return why


def _validate(con: duckdb.DuckDBPyConnection, file: Path) -> list[str]:
    email_expr, email_params = email_sql("email")
    url_expr, url_params = url_sql("profile_url")
    sql = _VALIDATE_SQL.replace("{email}", f"({email_expr})").replace("{url}", f"({url_expr})")
    con.execute(sql, [*email_params, *url_params])
    problems: list[str] = []
    for line, he, hu, e, u, d, hd, camp, chan in con.execute(
        "SELECT line, has_email, has_url, email_norm, url_norm, touched_on, has_date,"
        " campaign_id, channel FROM _imp_checked ORDER BY line"
    ).fetchall():
        why = _identity_problems(he, hu, e, u)
        if not hd:
            why.append("date is empty")
        elif d is None:
            why.append("date is not a date (use YYYY-MM-DD)")
        if camp is not None and not _ID_RE.match(camp):
            why.append("campaign_id may only hold a-z, 0-9 and '-'")
        if chan is not None and not _CHANNEL_RE.match(chan):
            why.append("channel is not a channel name (e.g. inmail, email, linkedin_message)")
        if why:
            problems.append(f"{file}:{line}: " + "; ".join(why))
    return problems


#: What a column name looks like; a first line of data (an email, a URL, a date) does not.
_HEADER_LIKE = re.compile(r"^[^\W\d][\w .()/#-]{0,59}$")


def _headers_found(header: Sequence[str]) -> str:
    """The file's column names for an error message, unless the first line is not a header.

    A file without a header line has data there (an email, a date): an error message never
    repeats candidate data, so then it says what the line looks like instead.
    """
    names = [h.strip() for h in header]
    if not any(names):
        return "(none)"
    if all(_HEADER_LIKE.match(n) and "@" not in n for n in names if n):
        return ", ".join(names)
    return (
        f"a first line of {len(names)} field(s) that do not look like column names"
        " (is the header line missing?)"
    )


def _refuse(file: Path, problems: list[str], hint: str) -> InputError:
    """All rows or none: the error refusing a file, with its first problems by line."""
    return InputError(
        f"{file}: {len(problems)} bad row(s); nothing was imported",
        hint=hint,
        problems=[
            f"{file}: {len(problems)} bad row(s); nothing was imported",
            *problems[:MAX_PROBLEMS_SHOWN],
            *(
                [f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more"]
                if len(problems) > MAX_PROBLEMS_SHOWN
                else []
            ),
        ],
    )


def _checked_rows(
    file: Path,
    frame: pl.DataFrame,
    problems: list[str],
    validate: Callable[[duckdb.DuckDBPyConnection, Path], list[str]],
    hint: str,
    sql: str,
    params: dict[str, Any] | None = None,
    progress: object = None,
    step: Callable[[], None] | None = None,
) -> pl.DataFrame:
    """An import file's rows as `sql` selects them from `_imp_checked`, once `validate` (which
    makes that table from `_imp`, the file's `frame`) found no problem beside `problems`; else
    the file is refused (all rows or none). On a connection of its own, which `progress`
    follows from before `step` (the caller's announcement of this step) is called."""
    check = duck.connect()
    try:
        with duck.watched(progress, check):
            if step is not None:
                step()
            check.register("_imp", frame)
            problems = [*problems, *validate(check, file)]
            problems.sort(key=_line_of)
            if problems:
                raise _refuse(file, problems, hint)
            rows: pl.DataFrame = check.sql(sql, params=params).pl()
            return rows
    finally:
        check.close()


def _refuse_reimport(con: duckdb.DuckDBPyConnection, file: Path, sha: str, *, kind: str) -> None:
    """The same file (by content) is imported once; cancelling its run allows it again."""
    dup = first_row(
        con,
        "SELECT run_id FROM ledger.runs WHERE kind = ? AND source_sha256 = ? AND status = ?",
        [kind, sha, COMMITTED],
    )
    if dup is not None:
        raise InputError(
            f"{file}: this file was already imported as run {dup[0]}",
            hint=f"to import it again, first `planner ledger cancel {dup[0]}`",
        )


def import_touches(
    file: Path,
    path: PathLike = None,
    notify: Notify | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Record touches made outside planner (they count toward caps and, with a campaign_id,
    toward "already contacted"). All rows or none: any bad row refuses the whole file, with
    every problem listed by line. The same file (by content) is imported once.

    `progress` is called with each step's name; when it follows queries (`duck.QueryWatcher`,
    the command line's progress bar), it follows this import's connections."""
    say = progress or (lambda _step: None)
    say("reading touches")
    frame, problems, ignored = _read_import(file)
    sha = sha256_file(file)
    rows = _checked_rows(
        file,
        frame,
        problems,
        _validate,
        _IMPORT_HINT,
        "SELECT line, email_norm, url_norm, touched_on, campaign_id, channel, sender_id"
        " FROM _imp_checked ORDER BY line",
        progress=progress,
        step=lambda: say("checking touches"),
    )
    run_id = f"import-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    with (
        writing(path, notify) as store,
        store.session(write=True) as con,
        duck.watched(progress, con),
        translate_errors(store.name),
    ):
        say("recording touches")
        _refuse_reimport(con, file, sha, kind="import")
        touches, identities, merges = _import_frames(con, rows, str(file))
        n = write_run(
            con,
            run_id=run_id,
            kind="import",
            as_of=datetime.now(UTC).date(),
            touches=touches,
            identities=identities,
            merges=merges,
            source=file.name,
            source_sha256=sha,
        )
    return {
        "run_id": run_id,
        "touches": n,
        "persons": touches.select("person_key").n_unique() if n else 0,
        "ignored_columns": ignored,
    }


def _line_of(problem: str) -> int:
    m = re.search(r":(\d+): ", problem)
    return int(m.group(1)) if m else 0


def _import_persons(
    con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, source: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Person keys of imported rows (`line, email_norm, url_norm`) by the same identity rules
    as a build: (line, person_key), the identities and the merges to record. `con` is a write
    session (ledger attached)."""
    con.register("_imp_rows", rows)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE people AS SELECT line AS row_id, email_norm, url_norm,"
            " ? AS source_file, NULL::VARCHAR AS candidate_id, line AS source_line"
            " FROM _imp_rows",
            [source],
        )
        assign_person_keys(con, people="people", target="persons")
        identity.resolve(con)
        keys = con.sql("SELECT row_id AS line, person_key FROM persons ORDER BY row_id").pl()
        identities = con.sql(
            """
            SELECT DISTINCT 'email' AS kind, p.email_norm AS value, k.person_key
            FROM people p JOIN persons k USING (row_id) WHERE p.email_norm IS NOT NULL
            UNION
            SELECT DISTINCT 'url', p.url_norm, k.person_key
            FROM people p JOIN persons k USING (row_id) WHERE p.url_norm IS NOT NULL
            """
        ).pl()
        merges = con.sql(
            "SELECT ledger_key AS from_key, person_key AS to_key FROM _led_keymap"
            " WHERE ledger_key <> person_key"
        ).pl()
    finally:
        con.unregister("_imp_rows")
    return (
        keys.cast({"line": pl.Int64, "person_key": pl.Utf8}),
        identities.cast(IDENTITY_SCHEMA),
        merges.cast(MERGE_SCHEMA),
    )


def _typed(df: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """`df` with exactly the columns of `schema`, cast to its types."""
    return df.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _import_frames(
    con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, source: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Touches, identities and merges of imported touch rows."""
    keys, identities, merges = _import_persons(con, rows, source)
    touches = (
        rows.join(keys, on="line")
        .sort("line")
        .select(
            "person_key",
            "campaign_id",
            "touched_on",
            "channel",
            pl.col("sender_id")
            if "sender_id" in rows.columns
            else pl.lit(None, pl.Utf8).alias("sender_id"),
            pl.lit(None, pl.Float64).alias("fit_score"),
        )
    )
    return _typed(touches, TOUCH_SCHEMA), identities, merges
