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
from rich.console import Console
from rich.table import Table

ledger_app = typer.Typer(
    name="ledger",
    help="Inspect and maintain the contact ledger (runs, touches, identities).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    # Plain text for pipes and files: never fold a run id or an email across lines.
    out = Console(highlight=False, soft_wrap=True, width=10_000)
err = Console(stderr=True, highlight=False, soft_wrap=True)

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger", envvar="PLANNER_LEDGER", help="Ledger file (default .planner/ledger.duckdb)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _note(message: str) -> None:
    err.print(f"planner: {message}", markup=False)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _table(columns: list[str], rows: list[list[str]]) -> None:
    table = Table(box=box.SIMPLE_HEAD if out.is_terminal else None, show_edge=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
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
def runs(ledger: LedgerOpt = None, as_json: JsonOpt = False) -> None:
    """List every run (builds and imports) with status and touch counts."""
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
    person: Annotated[str, typer.Argument(help="Email, profile URL or person key.")],
    ledger: LedgerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything recorded about one person: keys, identifiers, touches, outcomes."""
    from planner.ledger.commands import history as history_of

    data = history_of(person, ledger)
    if as_json:
        _json(data)
        return
    if data["person_key"] is None:
        _note("no person in the ledger matches that email, URL or key")
        return
    out.print(f"person {data['person_key']}")
    if len(data["keys"]) > 1:
        out.print(
            f"also recorded as: {', '.join(k for k in data['keys'] if k != data['person_key'])}"
        )
    for ident in data["identities"]:
        out.print(f"{ident['kind']}: {ident['value']}")
    _table(
        ["date", "campaign_id", "run_id", "kind", "channel", "status"],
        [
            [
                _s(t["touched_on"]),
                _s(t["campaign_id"]),
                _s(t["run_id"]),
                _s(t["kind"]),
                _s(t["channel"]),
                _s(t["status"]),
            ]
            for t in data["touches"]
        ],
    )
    for o in data["outcomes"]:
        out.print(f"outcome {o['outcome_on']}: {o['outcome']} ({o['campaign_id'] or 'any'})")


@ledger_app.command("cancel")
def cancel(
    run_id: Annotated[str, typer.Argument(help="Run id (see `planner ledger runs`).")],
    ledger: LedgerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a run: its touches stop counting (for a send list that was never sent)."""
    from planner.ledger.commands import cancel_run

    data = cancel_run(run_id, ledger, notify=_note)
    if as_json:
        _json(data)
    elif data["freed"] == 0 and data["status"] == "cancelled":
        out.print(f"{run_id}: cancelled (no counted touches left)")
    else:
        out.print(f"{run_id}: cancelled, {data['freed']} touch(es) no longer count")


@ledger_app.command("import-touches")
def import_touches(
    file: Annotated[
        Path, typer.Argument(help="CSV: email/profile_url, date[, campaign_id][, channel].")
    ],
    ledger: LedgerOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record outreach made outside planner so it counts toward the caps (all rows or none)."""
    from planner.ledger.commands import import_touches as do_import

    data = do_import(file, ledger, notify=_note)
    if data["ignored_columns"]:
        _note(f"ignored columns: {', '.join(data['ignored_columns'])}")
    if as_json:
        _json(data)
    else:
        out.print(
            f"{data['run_id']}: imported {data['touches']} touch(es) of {data['persons']} person(s)"
        )


@ledger_app.command("migrate")
def migrate(ledger: LedgerOpt = None) -> None:
    """Create the ledger, or upgrade it to this planner's schema version."""
    from planner.ledger.commands import migrate as do_migrate

    data = do_migrate(ledger, notify=_note)
    out.print(f"{data['ledger']}: schema version {data['schema_version']}")
