"""Salted one-way hashes of identifiers (SPEC 6.5 `forget`; bounced addresses).

The ledger keeps `meta.salt`, 32 random bytes made when it is created. An identifier is stored
as `sha256(salt || ':' || kind || ':' || value)` (lowercase hex) wherever the ledger must
recognize a value without holding it: the identifiers of a forgotten person (`forgotten`) and
the address of a `bounced` outcome (`outcomes.email_hash`). `kind` is `email`, `url` or `key`,
`value` the normalized identifier. Because the salt lives only in this ledger, its hashes match
nothing outside it; a build recognizes a value by hashing the candidate's identifier with the
same salt, in SQL (`hash_sql`), and Python computes the same string (`hash_value`).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

import duckdb

SALT_KEY: Final = "salt"

#: The salt of the attached ledger, as a SQL scalar (no value ever pasted into SQL text).
SALT_SQL: Final = "(SELECT value FROM ledger.meta WHERE key = 'salt')"


def hash_sql(kind: str, value: str) -> str:
    """SQL of the salted hash of `value` (an SQL expression) of `kind` (an SQL expression)."""
    return f"sha256({SALT_SQL} || ':' || {kind} || ':' || {value})"


def hash_value(salt: str, kind: str, value: str) -> str:
    """Python twin of `hash_sql`."""
    return hashlib.sha256(f"{salt}:{kind}:{value}".encode()).hexdigest()


def read_salt(con: duckdb.DuckDBPyConnection) -> str | None:
    """The attached ledger's salt (None only for a ledger made before salts existed)."""
    rows = con.execute("SELECT value FROM ledger.meta WHERE key = ?", [SALT_KEY]).fetchall()
    return str(rows[0][0]) if rows else None


def ensure_salt(con: duckdb.DuckDBPyConnection) -> str:
    """The attached ledger's salt, made now when missing (write session)."""
    salt = read_salt(con)
    if salt is None:
        salt = secrets.token_hex(32)
        con.execute("INSERT INTO ledger.meta VALUES (?, ?)", [SALT_KEY, salt])
    return salt
