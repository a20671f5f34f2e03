"""Finding a recorded person from what a user typed (`ledger history`, `ledger forget`).

An email, a profile URL or a person key, normalized as the ledger stores it; the canonical key
of that person (also when forgotten: then the salted hash is looked up); and every key that was
merged into it. Its own module so that the commands and erasure both use it and neither imports
the other.
"""

from __future__ import annotations

import duckdb

from planner.errors import ConfigError
from planner.ledger.hashing import hash_value, read_salt
from planner.ledger.store import first_row
from planner.normalize.identity import normalize_email, normalize_profile_url


def identifier(person: str) -> tuple[str, str]:
    """(kind, value) of what the user typed: an email, a profile URL, or a person key."""
    text = person.strip()
    if "@" in text and "/" not in text:
        email = normalize_email(text)
        if email is None:
            raise ConfigError(
                "PERSON looks like an email but is not a valid email address",
                hint="give an email, a profile URL or a person key",
            )
        return "email", email
    if "/" in text or "." in text:
        url = normalize_profile_url(text)
        if url is None:
            raise ConfigError(
                "that is not a profile URL", hint="give e.g. linkedin.com/in/<slug>, or an email"
            )
        return "url", url
    return "key", text


def canonical_of(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> str | None:
    """The canonical key of the person an identifier (or key) names, also when forgotten."""
    if kind == "key":
        row = first_row(
            con, "SELECT canonical_key FROM ledger.persons WHERE person_key = ?", [value]
        )
    else:
        row = first_row(
            con,
            "SELECT p.canonical_key FROM ledger.identities i"
            " JOIN ledger.persons p USING (person_key) WHERE i.kind = ? AND i.value = ?",
            [kind, value],
        )
    if row is None:
        salt = read_salt(con)
        if salt is not None:
            row = first_row(
                con,
                "SELECT p.canonical_key FROM ledger.forgotten f"
                " JOIN ledger.persons p USING (person_key) WHERE f.kind = ? AND f.hash = ?",
                [kind, hash_value(salt, kind, value)],
            )
    return None if row is None else str(row[0])


def keys_of(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Every recorded key whose canonical key is `key` (oldest first)."""
    return [
        str(r[0])
        for r in con.execute(
            "SELECT person_key FROM ledger.persons WHERE canonical_key = ?"
            " ORDER BY first_seq, person_key",
            [key],
        ).fetchall()
    ]
