"""`planner ledger forget PERSON` (SPEC 6.5): erase a person's personal data from the ledger.

What goes, in ONE transaction (writer lock held, like `cancel`):

- `identities`: every email and profile URL of the person (all their keys, after merges);
- `send_rows`: their rows of every stored send list (names, emails, messages ...), so
  `planner export RUN_ID` no longer writes them;
- `persons`: their keys. The keys are hashes of an email or URL that anyone holding the
  address could recompute, so they are replaced by one anonymous key
  `f` + 16 hex of `sha256(salt:forgotten:<canonical key>)`.

What stays: their touches and outcomes, moved to the anonymous key, and `forgotten` rows with
the salted hash of each identifier and former key (`planner.ledger.hashing`). A later candidate
row whose email, URL or key hashes to one of them is this person again (identity resolution
checks `forgotten`), so everything the ledger decided about them still holds: an opt-out keeps
suppressing, a "not interested" keeps its cooldown, and past touches keep counting toward the
caps (forgetting someone never lets a build contact them more often). Nothing else of them is
left: no value, no unsalted hash.

Then the ledger file is rewritten (`Store.compact`): DuckDB keeps deleted values in free blocks
of the file, and an erasure must not leave them on disk. Files a build wrote (send lists under
`out/`) are outside the ledger: the result lists the output directories of runs that included
the person, for the user to delete or edit.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from planner.duck import transaction
from planner.errors import ConfigError
from planner.ledger import lookup
from planner.ledger.core import bump_generation, writing
from planner.ledger.hashing import ensure_salt, hash_sql
from planner.ledger.lock import Notify
from planner.ledger.store import first_row, translate_errors

FORGOTTEN_PREFIX = "f"


def forgotten_key(salt: str, key: str) -> str:
    """The anonymous key that replaces a forgotten person's keys (stable for a key)."""
    if key.startswith(FORGOTTEN_PREFIX):
        return key
    digest = hashlib.sha256(f"{salt}:forgotten:{key}".encode()).hexdigest()
    return FORGOTTEN_PREFIX + digest[:16]


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> int:
    row = first_row(con, sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def forget(
    person: str, path: Path | str | None = None, notify: Notify | None = None
) -> dict[str, Any]:
    """Erase one person (email, profile URL or person key) from the ledger; see the module
    docstring. Raises ConfigError when the ledger knows nobody by that identifier."""
    kind, value = lookup.identifier(person)
    with writing(path, notify) as store:
        with store.session(write=True) as con, translate_errors(store.name):
            key = lookup.canonical_of(con, kind, value)
            if key is None:
                raise ConfigError(
                    f"no person in the ledger {store.name} matches that email, URL or key",
                    hint="`planner ledger history PERSON` shows what the ledger knows",
                )
            salt = ensure_salt(con)
            keys = lookup.keys_of(con, key)
            new = forgotten_key(salt, key)
            out_dirs = [
                str(r[0])
                for r in con.execute(
                    "SELECT DISTINCT o.out_dir FROM ledger.send_rows s"
                    " JOIN ledger.run_outputs o USING (run_id, campaign_id)"
                    " WHERE list_contains(?, s.person_key) ORDER BY 1",
                    [keys],
                ).fetchall()
            ]
            counts = _erase(con, keys, new)
        store.compact()
    return {"person_key": new, "former_keys": len(keys), **counts, "out_dirs": out_dirs}


def _erase(con: duckdb.DuckDBPyConnection, keys: list[str], new: str) -> dict[str, int]:
    params: dict[str, Any] = {"keys": keys, "new": new}
    with transaction(con):
        counts = {
            "identities": _count(
                con,
                "SELECT count(*) FROM ledger.identities WHERE list_contains(?, person_key)",
                [keys],
            ),
            "send_rows": _count(
                con,
                "SELECT count(*) FROM ledger.send_rows WHERE list_contains(?, person_key)",
                [keys],
            ),
            "touches": _count(
                con,
                "SELECT count(*) FROM ledger.touches WHERE list_contains(?, person_key)",
                [keys],
            ),
            "outcomes": _count(
                con,
                "SELECT count(*) FROM ledger.outcomes WHERE list_contains(?, person_key)",
                [keys],
            ),
        }
        first = first_row(
            con,
            "SELECT min(first_seq), min(first_seen) FROM ledger.persons"
            " WHERE list_contains(?, person_key)",
            [keys],
        )
        con.execute(
            """
            INSERT INTO ledger.forgotten
            SELECT h.kind, h.hash, $new, $now FROM (
                SELECT DISTINCT kind, {identity_hash} AS hash FROM ledger.identities
                WHERE list_contains($keys, person_key)
                UNION
                SELECT 'key', {key_hash} FROM (SELECT unnest($keys::VARCHAR[]) AS k)
                WHERE k <> $new
            ) h
            WHERE NOT EXISTS (
                SELECT 1 FROM ledger.forgotten f WHERE f.kind = h.kind AND f.hash = h.hash)
            """.replace("{identity_hash}", hash_sql("kind", "value")).replace(
                "{key_hash}", hash_sql("'key'", "k")
            ),
            {**params, "now": datetime.now(UTC).replace(tzinfo=None)},
        )
        for table in ("forgotten", "touches", "outcomes"):
            con.execute(
                f"UPDATE ledger.{table} SET person_key = $new"  # noqa: S608 - fixed table names
                " WHERE list_contains($keys, person_key)",
                params,
            )
        for table in ("send_rows", "identities", "persons"):
            con.execute(
                f"DELETE FROM ledger.{table} WHERE list_contains(?, person_key)",  # noqa: S608
                [keys],
            )
        con.execute(
            "INSERT INTO ledger.persons VALUES ($new, $new, $seq, $seen)",
            {"new": new, "seq": first[0] if first else 0, "seen": first[1] if first else None},
        )
        con.execute(
            "UPDATE ledger.persons SET canonical_key = $new WHERE list_contains($keys,"
            " canonical_key)",
            params,
        )
        bump_generation(con)
    return counts
