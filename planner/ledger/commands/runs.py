"""`planner ledger runs | history | cancel | migrate`: the runs, a person's history,
cancelling a run, migrating the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from planner.duck import transaction
from planner.errors import ConfigError
from planner.ledger import lookup
from planner.ledger.commands._common import PathLike, _dicts
from planner.ledger.core import (
    bump_generation,
    reading,
    writing,
)
from planner.ledger.lock import Notify
from planner.ledger.schema import CANCELLED, COMMITTED, COUNTED, SCHEMA_VERSION
from planner.ledger.store import first_row, translate_errors


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


def migrate(path: PathLike = None, notify: Notify | None = None) -> dict[str, Any]:
    """Create the ledger or bring it to this planner's schema version."""
    with writing(path, notify) as store, store.session(write=True) as con:
        with translate_errors(store.name):
            row = first_row(con, "SELECT max(version) FROM ledger.schema_info")
        return {"ledger": store.name, "schema_version": int(row[0]) if row else SCHEMA_VERSION}
