"""`planner ledger import-outcomes`: replies, refusals, opt-outs, bounces and snoozes, all rows
or none (docs/outcomes.md)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner.files import sha256_file
from planner.ledger.commands._common import PathLike
from planner.ledger.commands.touches import (
    _ID_RE,
    _checked_rows,
    _identity_problems,
    _import_persons,
    _read_import,
    _refuse_reimport,
    _typed,
)
from planner.ledger.core import (
    OUTCOME_SCHEMA,
    TOUCH_SCHEMA,
    write_run,
    writing,
)
from planner.ledger.hashing import ensure_salt
from planner.ledger.lock import Notify
from planner.ledger.store import first_row, translate_errors
from planner.normalize.identity import email_sql, url_sql

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
        why = _identity_problems(he, hu, e, u)
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
    rows = _checked_rows(
        file,
        frame,
        problems,
        _validate_outcomes,
        _OUTCOMES_HINT,
        "SELECT line, email_norm, url_norm, outcome, outcome_on, campaign_id,"
        " CASE WHEN outcome = 'not_now' THEN coalesce(until_given,"
        " outcome_on + coalesce(after_days, $default_days)) END AS until_on"
        " FROM _imp_checked ORDER BY line",
        {"default_days": NOT_NOW_DEFAULT_DAYS},
    )
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
