"""`planner ledger ...`: thin glue over `planner.ledger.commands` (mounted by `planner.cli`).

Data goes to stdout (plain tables, or `--json`); notes go to stderr; errors are PlannerError
subclasses that `planner.cli.main` maps to exit codes (LedgerError: 4).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from planner.cli_common import (
    CONTEXT_SETTINGS,
    JsonFlag,
    LedgerOpt,
    err,
    out,
    plain_console,
    progress,
    safe,
)

ledger_app = typer.Typer(
    name="ledger",
    help="Inspect and maintain the contact ledger (runs, touches, identities, outcomes).",
    no_args_is_help=True,
    add_completion=False,
    context_settings=CONTEXT_SETTINGS,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

out = plain_console(out)


def _note(message: str) -> None:
    err.print(f"planner: {message}", markup=False)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _table(columns: list[str], rows: list[list[str]]) -> None:
    table = Table(box=box.SIMPLE_HEAD if out.is_terminal else None, show_edge=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(safe(cell) for cell in row))
    out.print(table)


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


@ledger_app.command("runs")
def runs(ledger: LedgerOpt = None, as_json: JsonFlag = False) -> None:
    """List every run (builds and imports) with status and touch counts.

    \b
    Example:
      planner ledger runs --json
    """
    from planner.ledger.commands import list_runs

    data = list_runs(ledger)
    if as_json:
        _json(data)
        return
    if not data:
        _note("the ledger has no runs yet")
        return
    _table(
        ["run_id", "kind", "status", "as_of", "created_at", "campaigns", "touches", "counted"],
        [
            [
                _s(r["run_id"]),
                _s(r["kind"]),
                _s(r["status"]),
                _s(r["as_of"]),
                _s(r["created_at"]),
                _s(r["campaigns"]) or _s(r["source"]),
                _s(r["touches"]),
                _s(r["counted"]),
            ]
            for r in data
        ],
    )


@ledger_app.command("history")
def history(
    person: Annotated[
        str, typer.Argument(help="Email, profile URL or person key.", metavar="PERSON")
    ],
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Everything recorded about one person: keys, identifiers, touches, outcomes.

    \b
    Example:
      planner ledger history jana@example.com
    """
    from planner.ledger.commands import history as history_of

    data = history_of(person, ledger)
    if as_json:
        _json(data)
        return
    if data["person_key"] is None:
        _note("no person in the ledger matches that email, URL or key")
        return
    out.print(
        f"person {data['person_key']}"
        + (
            " (forgotten: personal data erased, only salted hashes kept)"
            if data.get("forgotten")
            else ""
        )
    )
    if len(data["keys"]) > 1:
        out.print(
            f"also recorded as: {', '.join(k for k in data['keys'] if k != data['person_key'])}"
        )
    for ident in data["identities"]:
        out.print(f"{ident['kind']}: {safe(ident['value'])}")
    _table(
        ["date", "campaign_id", "step", "variant", "run_id", "kind", "channel", "status"],
        [
            [
                _s(t["touched_on"]),
                _s(t["campaign_id"]),
                _s(t["step"]),
                _s(t["variant"]) or "-",
                _s(t["run_id"]),
                _s(t["kind"]),
                _s(t["channel"]),
                _s(t["status"]),
            ]
            for t in data["touches"]
        ],
    )
    for o in data["outcomes"]:
        until = f" until {o['until_on']}" if o.get("until_on") else ""
        out.print(f"outcome {o['outcome_on']}: {o['outcome']}{until} ({o['campaign_id'] or 'any'})")


@ledger_app.command("cancel")
def cancel(
    run_id: Annotated[
        str, typer.Argument(help="Run id (see `planner ledger runs`).", metavar="RUN_ID")
    ],
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Cancel a run: its touches stop counting (for a send list that was never sent).

    \b
    Example:
      planner ledger cancel 20261203-094446-e9ce64
    """
    from planner.ledger.commands import cancel_run

    data = cancel_run(run_id, ledger, notify=_note)
    if as_json:
        _json(data)
    elif data["kind"] == "outcomes":
        out.print(f"{run_id}: cancelled, {data.get('outcomes', 0)} outcome(s) no longer count")
    elif data["freed"] == 0 and data["status"] == "cancelled":
        out.print(f"{run_id}: cancelled (no counted touches left)")
    else:
        out.print(f"{run_id}: cancelled, {data['freed']} touch(es) no longer count")


@ledger_app.command("import-touches")
def import_touches(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: email/profile_url, date[, campaign_id][, channel].", metavar="FILE.csv"
        ),
    ],
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record outreach made outside planner so it counts toward the caps (all rows or none).

    \b
    Example:
      planner ledger import-touches sent_in_october.csv
    """
    from planner.ledger.commands import import_touches as do_import

    with progress() as say:
        data = do_import(file, ledger, notify=_note, progress=say)
    if data["ignored_columns"]:
        _note(f"ignored columns: {', '.join(data['ignored_columns'])}")
    if as_json:
        _json(data)
    else:
        out.print(
            f"{data['run_id']}: imported {data['touches']} touch(es) of {data['persons']} person(s)"
        )


@ledger_app.command("import-outcomes")
def import_outcomes(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: email/profile_url, outcome, date[, campaign_id]; or a Lever-style export.",
            metavar="FILE.csv",
        ),
    ],
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record replies, refusals, opt-outs and bounces (all rows or none); see docs/outcomes.md.

    \b
    Example:
      planner ledger import-outcomes replies.csv
    """
    from planner.ledger.commands import import_outcomes as do_import

    data = do_import(file, ledger, notify=_note)
    if data["ignored_columns"]:
        _note(f"ignored columns: {', '.join(data['ignored_columns'])}")
    if data["skipped"]:
        _note(f"skipped {data['skipped']} row(s) whose status records no answer")
    if as_json:
        _json(data)
        return
    parts = ", ".join(f"{n} {o}" for o, n in data["by_outcome"].items()) or "none"
    out.print(
        f"{data['run_id']}: imported {data['outcomes']} outcome(s) of {data['persons']}"
        f" person(s) ({data['new_persons']} new to the ledger): {parts}"
    )


@ledger_app.command("stats")
def stats(
    sender: Annotated[
        str | None, typer.Option("--sender", metavar="ID", help="Only this sender id.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help="Count outcomes known up to this date."),
    ] = None,
    variants: Annotated[
        bool,
        typer.Option(
            "--variants",
            help="Response rates per message variant and step instead, with a two-proportion"
            " z-test of the leading variant.",
        ),
    ] = False,
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Response rates per sender, campaign and ISO week (what the guardrail checks), or with
    --variants per campaign, message variant and step.

    \b
    Example:
      planner ledger stats --sender dana
      planner ledger stats --variants
    """
    from datetime import date

    from planner.errors import ConfigError
    from planner.ledger.commands import stats as do_stats
    from planner.ledger.commands import variant_stats

    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise ConfigError(
                f"--as-of: '{as_of}' is not a date", hint="use YYYY-MM-DD, e.g. 2026-11-01"
            ) from None
    if variants:
        _variant_report(variant_stats(ledger, sender=sender, as_of=day), sender, as_json)
        return
    data = do_stats(ledger, sender=sender, as_of=day)
    if as_json:
        _json(data)
        return
    if not data:
        _note("no touches with a sender in the ledger" + (f" for {sender}" if sender else ""))
        return
    _table(
        ["sender", "campaign", "week", "touches", "responses", "rate"],
        [
            [
                _s(r["sender_id"]) or "-",
                _s(r["campaign_id"]) or "-",
                _s(r["week"]),
                _s(r["touches"]),
                _s(r["responses"]),
                "n/a" if r["rate"] is None else f"{r['rate']:.1%}",
            ]
            for r in data
        ],
    )


def _variant_report(data: dict[str, Any], sender: str | None, as_json: bool) -> None:
    if as_json:
        _json(data)
        return
    if not data["variants"]:
        _note(
            "no touches with a message variant in the ledger" + (f" for {sender}" if sender else "")
        )
        return
    _table(
        ["campaign", "variant", "step", "touches", "responses", "rate"],
        [
            [
                _s(r["campaign_id"]),
                _s(r["variant"]),
                "all" if r["step"] is None else _s(r["step"]),
                _s(r["touches"]),
                _s(r["responses"]),
                "n/a" if r["rate"] is None else f"{r['rate']:.1%}",
            ]
            for r in data["variants"]
        ],
    )
    for c in data["comparisons"]:
        step = "all steps" if c["step"] is None else f"step {c['step']}"
        out.print(safe(f"{c['campaign_id']}, {step}: {c['note']}"), markup=False, highlight=False)


@ledger_app.command("forget")
def forget(
    person: Annotated[
        str, typer.Argument(help="Email, profile URL or person key.", metavar="PERSON")
    ],
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Erase a person's personal data from the ledger, keeping only salted one-way hashes
    (so an opted-out person stays suppressed and caps keep counting).

    \b
    Example:
      planner ledger forget jana@example.com
    """
    from planner.ledger.commands import forget as do_forget

    data = do_forget(person, ledger, notify=_note)
    if as_json:
        _json(data)
        return
    out.print(
        f"forgotten: {data['identities']} identifier(s) and {data['send_rows']} send-list row(s)"
        f" erased; {data['touches']} touch(es) and {data['outcomes']} outcome(s) kept under"
        f" {data['person_key']}"
    )
    if data["out_dirs"]:
        _note(
            "files written by earlier builds still hold this person; delete or edit: "
            + ", ".join(data["out_dirs"])
        )
    # The candidate cache holds normalized copies of the input files, this person's rows too.
    _note(
        "the input files, and the candidate cache built from them, still hold this person's"
        " rows: remove the rows from the files and run `planner cache clear`"
    )


@ledger_app.command("migrate")
def migrate(ledger: LedgerOpt = None) -> None:
    """Create the ledger, or upgrade it to this planner's schema version.

    \b
    Example:
      planner ledger migrate --ledger team/ledger.duckdb
    """
    from planner.ledger.commands import migrate as do_migrate

    data = do_migrate(ledger, notify=_note)
    out.print(f"{data['ledger']}: schema version {data['schema_version']}")


@ledger_app.command("copy")
def copy(
    source: Annotated[
        str, typer.Argument(help="Ledger to read: a file or postgresql://...", metavar="SRC")
    ],
    target: Annotated[
        str,
        typer.Argument(help="New or empty ledger: a file or postgresql://...", metavar="DST"),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Copy a ledger into another store (e.g. a file into a team's PostgreSQL), losslessly.

    \b
    Example:
      planner ledger copy .planner/ledger.duckdb postgresql://dana@db.internal/recruiting
    """
    from planner.ledger.transfer import copy_ledger

    data = copy_ledger(source, target, notify=_note)
    if as_json:
        _json(data)
        return
    total = sum(data["rows"].values())
    out.print(f"copied {data['source']} to {data['target']}: {total} row(s)")
