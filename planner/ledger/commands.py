"""What `planner ledger ...` does (SPEC 6.3-6.5, 9): list runs, a person's history, cancel a
run, import touches made outside planner, import outcomes, response-rate stats, forget a person,
migrate. Each returns JSON-ready data; the CLI prints it.

Writers (`cancel_run`, `import_touches`, `import_outcomes`, `forget`, `migrate`) hold the writer
lock like a real build, so they never interleave with one; readers (`list_runs`, `history`,
`stats`) take no writer lock.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner import duck
from planner.duck import transaction
from planner.errors import ConfigError, InputError
from planner.files import sha256_file
from planner.ledger import identity, lookup, responses
from planner.ledger.core import (
    IDENTITY_SCHEMA,
    MERGE_SCHEMA,
    OUTCOME_SCHEMA,
    TOUCH_SCHEMA,
    bump_generation,
    reading,
    write_run,
    writing,
)
from planner.ledger.forget import forget
from planner.ledger.hashing import ensure_salt
from planner.ledger.lock import Notify
from planner.ledger.schema import CANCELLED, COMMITTED, COUNTED, SCHEMA_VERSION
from planner.ledger.store import first_row, translate_errors
from planner.normalize._text import decode_bytes, header_key
from planner.normalize.identity import email_sql, url_sql
from planner.persons import assign_person_keys

PathLike = Path | str | None


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    rel = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in rel.description or []]
    return [{n: _iso(v) for n, v in zip(names, row, strict=True)} for row in rel.fetchall()]


# --------------------------------------------------------------------------- runs


def list_runs(path: PathLike = None) -> list[dict[str, Any]]:
    """Every run (builds and imports), oldest first, with its campaigns and touch counts."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        return _dicts(
            con,
            """
            SELECT r.run_id, r.kind, r.status, r.as_of, r.created_at,
                   coalesce((SELECT list(c.campaign_id ORDER BY c.campaign_id)
                             FROM ledger.run_campaigns c WHERE c.run_id = r.run_id),
                            []) AS campaigns,
                   r.touches,
                   (SELECT count(*) FROM ledger.touches t
                    WHERE t.run_id = r.run_id AND t.status = 'counted') AS counted,
                   r.source,
                   (SELECT list(o.out_dir ORDER BY o.campaign_id) FROM ledger.run_outputs o
                    WHERE o.run_id = r.run_id) AS out_dirs
            FROM ledger.runs r ORDER BY r.seq
            """,
        )


# --------------------------------------------------------------------------- history


def history(person: str, path: PathLike = None) -> dict[str, Any]:
    """Everything the ledger holds about one person (by email, profile URL or person key):
    the keys that are this person, their identifiers, touches (counted or cancelled) and
    outcomes. `person_key` is None when the ledger does not know them."""
    kind, value = lookup.identifier(person)
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        key = lookup.canonical_of(con, kind, value)
        if key is None:
            return {
                "person_key": None,
                "keys": [],
                "forgotten": False,
                "identities": [],
                "touches": [],
                "outcomes": [],
            }
        keys = lookup.keys_of(con, key)
        forgotten = first_row(
            con, "SELECT count(*) FROM ledger.forgotten WHERE person_key = ?", [key]
        )
        return {
            "person_key": key,
            "keys": keys,
            "forgotten": bool(forgotten and forgotten[0]),
            "identities": _dicts(
                con,
                "SELECT kind, value, person_key FROM ledger.identities"
                " WHERE list_contains(?, person_key) ORDER BY first_seq, kind, value",
                [keys],
            ),
            "touches": _dicts(
                con,
                """
                SELECT t.touched_on, t.campaign_id, t.run_id, r.kind, t.channel, t.sender_id,
                       t.fit_score, t.status, t.person_key, coalesce(t.step, 0) AS step,
                       t.variant
                FROM ledger.touches t JOIN ledger.runs r USING (run_id)
                WHERE list_contains(?, t.person_key)
                ORDER BY t.touched_on, r.seq, t.campaign_id
                """,
                [keys],
            ),
            "outcomes": _dicts(
                con,
                "SELECT outcome_on, outcome, campaign_id, run_id, until_on FROM ledger.outcomes"
                " WHERE list_contains(?, person_key) ORDER BY outcome_on, outcome",
                [keys],
            ),
        }


# --------------------------------------------------------------------------- cancel


def cancel_run(run_id: str, path: PathLike = None, notify: Notify | None = None) -> dict[str, Any]:
    """Cancel a run: its touches stop counting toward caps and "already contacted" (for a send
    list that was never sent, or an import made by mistake), and the outcomes of an
    `import-outcomes` run stop counting. Cancelling twice is a no-op."""
    with writing(path, notify) as store, store.session(write=True) as con:
        with translate_errors(store.name):
            row = first_row(
                con, "SELECT status, kind, touches FROM ledger.runs WHERE run_id = ?", [run_id]
            )
            if row is None:
                raise ConfigError(
                    f"no run '{run_id}' in the ledger {store.name}",
                    hint="`planner ledger runs` lists the run ids",
                )
            status, kind = str(row[0]), str(row[1])
            if status == CANCELLED:
                return {
                    "run_id": run_id,
                    "kind": kind,
                    "status": status,
                    "freed": 0,
                    "outcomes": 0,
                }
            if status != COMMITTED:
                raise ConfigError(
                    f"run '{run_id}' is {status}; only committed runs can be cancelled",
                    hint="an aborted run never counted",
                )
            with transaction(con):
                freed = first_row(
                    con,
                    "SELECT count(*) FROM ledger.touches WHERE run_id = ? AND status = ?",
                    [run_id, COUNTED],
                )
                # Outcomes of a cancelled run stop counting too (readers join runs.status).
                withdrawn = first_row(
                    con, "SELECT count(*) FROM ledger.outcomes WHERE run_id = ?", [run_id]
                )
                con.execute(
                    "UPDATE ledger.touches SET status = ? WHERE run_id = ?", [CANCELLED, run_id]
                )
                con.execute(
                    "UPDATE ledger.runs SET status = ?, cancelled_at = ? WHERE run_id = ?",
                    [CANCELLED, datetime.now(UTC).replace(tzinfo=None), run_id],
                )
                bump_generation(con)
        return {
            "run_id": run_id,
            "kind": kind,
            "status": CANCELLED,
            "freed": int(freed[0]) if freed else 0,
            "outcomes": int(withdrawn[0]) if withdrawn else 0,
        }


# --------------------------------------------------------------------------- migrate


def migrate(path: PathLike = None, notify: Notify | None = None) -> dict[str, Any]:
    """Create the ledger or bring it to this planner's schema version."""
    with writing(path, notify) as store, store.session(write=True) as con:
        with translate_errors(store.name):
            row = first_row(con, "SELECT max(version) FROM ledger.schema_info")
        return {"ledger": store.name, "schema_version": int(row[0]) if row else SCHEMA_VERSION}


# --------------------------------------------------------------------------- import-touches

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
        why: list[str] = []
        if not he and not hu:
            why.append("no email and no profile_url")
        if he and e is None:
            why.append("email is not an email address")
        if hu and u is None:
            why.append("profile_url is not a profile URL")
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
    check = duck.connect()
    try:
        duck.attach_watcher(progress, check)
        say("checking touches")
        check.register("_imp", frame)
        problems += _validate(check, file)
        problems.sort(key=_line_of)
        if problems:
            raise InputError(
                f"{file}: {len(problems)} bad row(s); nothing was imported",
                hint=_IMPORT_HINT,
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
        rows = check.sql(
            "SELECT line, email_norm, url_norm, touched_on, campaign_id, channel, sender_id"
            " FROM _imp_checked ORDER BY line"
        ).pl()
    finally:
        duck.detach_watcher(progress, check)
        check.close()
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


# --------------------------------------------------------------------------- import-outcomes

#: Accepted header names per column of an outcomes file, most preferred first. Besides the plain
#: shape (email, profile_url, campaign_id, outcome, date) this reads a Lever-style candidate
#: export (Email/Emails, Links, Archive Reason, Archived At / Last Interaction At) and LinkedIn
#: Recruiter's InMail status; see `docs/outcomes.md`.
OUTCOME_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e_mail", "email_address", "mail", "emails", "candidate_email"),
    "profile_url": (
        "profile_url",
        "linkedin_url",
        "linkedin",
        "linkedin_profile",
        "url",
        "profile",
        "links",
    ),
    "campaign_id": ("campaign_id", "campaign"),
    "outcome": (
        "outcome",
        "status",
        "response",
        "result",
        "archive_reason",
        "inmail_status",
        "disposition",
    ),
    "date": (
        "date",
        "outcome_on",
        "outcome_date",
        "responded_on",
        "replied_on",
        "responded_at",
        "replied_at",
        "archived_at",
        "last_interaction_at",
        "updated_at",
    ),
    # `not_now` only: the first day the person may be contacted again, or days after `date`.
    "until": ("until", "until_on", "snooze_until", "check_back_on", "follow_up_on"),
    "after_days": ("after_days", "snooze_days", "check_back_after_days"),
}
_OUTCOMES_HINT = (
    "an outcomes CSV has a header and the columns email and/or profile_url, outcome (replied,"
    " interested, not_interested, not_now, opted_out, bounced, or an ATS status of"
    " docs/outcomes.md), date (YYYY-MM-DD), and optionally campaign_id; a not_now row may give"
    " until (YYYY-MM-DD) or after_days"
)
#: A `not_now` without `until` or `after_days` snoozes the person this many days after `date`.
NOT_NOW_DEFAULT_DAYS = 90
#: The longest snooze `after_days` accepts (ten years; a longer "not now" is a "no").
NOT_NOW_MAX_DAYS = 3650
#: The outcome column's values -> outcome codes ("-": no answer, the row is skipped).
NO_OUTCOME = "-"

_OUTCOMES_VALIDATE_SQL = """
CREATE OR REPLACE TEMP TABLE _imp_checked AS
WITH v AS (
    SELECT *, trim(regexp_replace(lower(trim(outcome)), '[^a-z0-9]+', '_', 'g'), '_') AS okey
    FROM _imp
)
SELECT v.line, v.email IS NOT NULL AS has_email, v.profile_url IS NOT NULL AS has_url,
       {email} AS email_norm, {url} AS url_norm,
       v.outcome IS NOT NULL AS has_outcome, m.outcome AS outcome,
       coalesce(try_cast(trim(v.date) AS DATE),
                try_cast(try_cast(regexp_replace(trim(v.date), '[zZ]$', '') AS TIMESTAMP)
                         AS DATE)) AS outcome_on,
       v.date IS NOT NULL AS has_date,
       nullif(lower(trim(v.campaign_id)), '') AS campaign_id,
       v.until IS NOT NULL AS has_until, try_cast(trim(v.until) AS DATE) AS until_given,
       v.after_days IS NOT NULL AS has_after,
       try_cast(trim(v.after_days) AS INTEGER) AS after_days
FROM v LEFT JOIN _imp_values m ON m.value = v.okey
"""


def _outcome_values() -> pl.DataFrame:
    from planner.normalize import _data

    rows = _data.rows("outcome_values.csv")
    return pl.DataFrame(
        {"value": [r["value"] for r in rows], "outcome": [r["outcome"] for r in rows]},
        schema={"value": pl.Utf8, "outcome": pl.Utf8},
    )


def _validate_outcomes(con: duckdb.DuckDBPyConnection, file: Path) -> list[str]:
    email_expr, email_params = email_sql("v.email")
    url_expr, url_params = url_sql("v.profile_url")
    con.register("_imp_values", _outcome_values())
    sql = _OUTCOMES_VALIDATE_SQL.replace("{email}", f"({email_expr})").replace(
        "{url}", f"({url_expr})"
    )
    con.execute(sql, [*email_params, *url_params])
    problems: list[str] = []
    for line, he, hu, e, u, ho, outcome, d, hd, camp, hun, un, ha, a in con.execute(
        "SELECT line, has_email, has_url, email_norm, url_norm, has_outcome, outcome,"
        " outcome_on, has_date, campaign_id, has_until, until_given, has_after, after_days"
        " FROM _imp_checked ORDER BY line"
    ).fetchall():
        why: list[str] = []
        if not he and not hu:
            why.append("no email and no profile_url")
        if he and e is None:
            why.append("email is not an email address")
        if hu and u is None:
            why.append("profile_url is not a profile URL")
        if not ho:
            why.append("outcome is empty")
        elif outcome is None:
            why.append(
                "outcome is not one of replied, interested, not_interested, not_now, opted_out,"
                " bounced (nor a known ATS status, see docs/outcomes.md)"
            )
        elif outcome == "bounced" and hu and not he:
            why.append("bounced needs the email address that bounced")
        if outcome != NO_OUTCOME:
            if not hd:
                why.append("date is empty")
            elif d is None:
                why.append("date is not a date (use YYYY-MM-DD)")
        why += _snooze_problems(outcome, d, hun, un, ha, a)
        if camp is not None and not _ID_RE.match(camp):
            why.append("campaign_id may only hold a-z, 0-9 and '-'")
        if why:
            problems.append(f"{file}:{line}: " + "; ".join(why))
    return problems


def _snooze_problems(
    outcome: str | None,
    outcome_on: date | None,
    has_until: bool,
    until: date | None,
    has_after: bool,
    after_days: int | None,
) -> list[str]:
    """What is wrong with a row's `until` / `after_days` (both belong to `not_now` only)."""
    if not has_until and not has_after:
        return []
    if outcome != "not_now":
        return ["until and after_days are only for the outcome not_now"]
    if has_until and has_after:
        return ["give until or after_days, not both"]
    if has_until and until is None:
        return ["until is not a date (use YYYY-MM-DD)"]
    if has_until and until is not None and outcome_on is not None and until <= outcome_on:
        return ["until must be after the date"]
    if has_after and (after_days is None or not 1 <= after_days <= NOT_NOW_MAX_DAYS):
        return [f"after_days must be a whole number of days from 1 to {NOT_NOW_MAX_DAYS}"]
    return []


def _refuse(file: Path, problems: list[str], hint: str) -> InputError:
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


def import_outcomes(
    file: Path, path: PathLike = None, notify: Notify | None = None
) -> dict[str, Any]:
    """Record replies and refusals (SPEC 6.3) from a CSV: all rows or none.

    Rows: email and/or profile_url, outcome, date, optional campaign_id. Outcome values are
    planner's codes or ATS statuses (`planner/data/outcome_values.csv`); a status meaning "no
    answer" (e.g. Pending, Unresponsive) skips its row. People the ledger does not know yet are
    recorded (their identifiers too), so a later candidate row with that email or URL is them.
    `bounced` needs the address; only its salted hash is stored. Any bad row refuses the
    whole file, every problem listed by line; the same file (by content) is imported once.
    Effects: `opted_out` -> suppressed forever, `not_interested` -> `disinterest_cooldown`
    in every campaign, `not_now` -> `snoozed` in every campaign until its `until` date (or
    `after_days`, default NOT_NOW_DEFAULT_DAYS, after its date), `bounced` -> that address is
    not used for `email` campaigns; any outcome counts as a response for the guardrail.
    """
    frame, problems, ignored = _read_import(
        file,
        OUTCOME_COLUMNS,
        hint=_OUTCOMES_HINT,
        needs=lambda found: {"outcome", "date"} <= found and bool({"email", "profile_url"} & found),
        needs_text="an outcome column, a date column and an email or profile_url column",
        multi=True,
    )
    sha = sha256_file(file)
    check = duck.connect()
    try:
        check.register("_imp", frame)
        problems += _validate_outcomes(check, file)
        problems.sort(key=_line_of)
        if problems:
            raise _refuse(file, problems, _OUTCOMES_HINT)
        rows = check.sql(
            "SELECT line, email_norm, url_norm, outcome, outcome_on, campaign_id,"
            " CASE WHEN outcome = 'not_now' THEN coalesce(until_given,"
            " outcome_on + coalesce(after_days, $default_days)) END AS until_on"
            " FROM _imp_checked ORDER BY line",
            params={"default_days": NOT_NOW_DEFAULT_DAYS},
        ).pl()
    finally:
        check.close()
    skipped = rows.filter(pl.col("outcome") == NO_OUTCOME).height
    rows = rows.filter(pl.col("outcome") != NO_OUTCOME)
    run_id = f"outcomes-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    with (
        writing(path, notify) as store,
        store.session(write=True) as con,
        translate_errors(store.name),
    ):
        _refuse_reimport(con, file, sha, kind="outcomes")
        ensure_salt(con)
        keys, identities, merges = _import_persons(con, rows, str(file))
        outcomes = (
            rows.join(keys, on="line")
            .sort("line")
            .select(
                "person_key",
                "campaign_id",
                "outcome",
                "outcome_on",
                pl.when(pl.col("outcome") == "bounced")
                .then(pl.col("email_norm"))
                .otherwise(None)
                .alias("email"),
                "until_on",
            )
            .unique(maintain_order=True)
        )
        outcomes = _typed(outcomes, OUTCOME_SCHEMA)
        new_persons = first_row(
            con,
            "SELECT count(DISTINCT person_key) FROM persons"
            " WHERE person_key NOT IN (SELECT person_key FROM ledger.persons)",
        )
        write_run(
            con,
            run_id=run_id,
            kind="outcomes",
            as_of=datetime.now(UTC).date(),
            touches=pl.DataFrame(schema=TOUCH_SCHEMA),
            identities=identities,
            merges=merges,
            outcomes=outcomes,
            source=file.name,
            source_sha256=sha,
        )
    counts = outcomes.group_by("outcome").len()
    return {
        "run_id": run_id,
        "outcomes": outcomes.height,
        "persons": outcomes.select("person_key").n_unique() if outcomes.height else 0,
        "new_persons": int(new_persons[0]) if new_persons else 0,
        "skipped": skipped,
        "by_outcome": {
            o: int(n) for o, n in sorted(zip(counts["outcome"], counts["len"], strict=True))
        },
        "ignored_columns": ignored,
    }


# --------------------------------------------------------------------------- stats


def stats(
    path: PathLike = None, *, sender: str | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Response rates per sender, campaign and ISO week of the touch (SPEC 6.4 definition, see
    `planner.ledger.responses`); outcomes known up to `as_of` (default today) count."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        return responses.weekly(con, sender=sender, as_of=as_of or datetime.now(UTC).date())


def variant_stats(
    path: PathLike = None, *, sender: str | None = None, as_of: date | None = None
) -> dict[str, Any]:
    """Response rates per campaign, message variant and step, with a two-proportion z-test of
    the leading variant against the runner-up (`planner.ledger.responses.by_variant`)."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        return responses.by_variant(con, sender=sender, as_of=as_of or datetime.now(UTC).date())


__all__ = [
    "cancel_run",
    "forget",
    "history",
    "import_outcomes",
    "import_touches",
    "list_runs",
    "migrate",
    "stats",
    "variant_stats",
]
