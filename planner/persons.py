"""Who is who within one build (SPEC 6.1): person keys and duplicate rows, set-based.

Rows are the same person when any identifier matches (normalized email or profile URL),
transitively: row A (email e, url u) and row B (url u) and row C (email e) are one person.
Components are found by label propagation in DuckDB over the few rows that share an identifier,
so the cost is one grouping pass over all rows plus a few passes over the duplicates.

The person key is derived from the component's strongest identifier: the profile URL (the
identity on the network being messaged), else the email, else a source-scoped id (file hash and
candidate id or line). It is a one-way hash, so keys in outputs and the ledger reveal nothing.
"""

from __future__ import annotations

import hashlib

import duckdb

#: Label propagation stops after this many rounds; chains longer than this are merged on the
#: next build (each round halves nothing but shortens every chain by one hop, and real data
#: converges in two or three).
MAX_ROUNDS = 50


def key_sql(url: str, email: str, source: str) -> str:
    """SQL expression of the person key from the strongest identifier available."""
    return (
        "'p' || substr(sha256(CASE"
        f" WHEN {url} IS NOT NULL THEN 'url:' || {url}"
        f" WHEN {email} IS NOT NULL THEN 'email:' || {email}"
        f" ELSE 'src:' || {source} END), 1, 16)"
    )


def key_of(kind: str, value: str) -> str:
    """The person key `key_sql` gives a person whose strongest identifier is `value` (`kind`:
    "url" or "email", normalized): how a key can be found again from what a user typed."""
    return "p" + hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:16]


def assign_person_keys(
    con: duckdb.DuckDBPyConnection,
    *,
    people: str = "people",
    target: str = "persons",
    file_hashes: dict[str, str] | None = None,
) -> None:
    """Create `target` (row_id, person_key, component) for every row of `people`.

    `component` is the smallest row_id of the rows that are the same person; `file_hashes` maps
    source_file to its sha256 for the source-scoped fallback id.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE _file_hash (source_file VARCHAR, sha VARCHAR)")
    if file_hashes:
        con.executemany("INSERT INTO _file_hash VALUES (?, ?)", sorted(file_hashes.items()))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lbl AS
        WITH shared_email AS (
            SELECT email_norm FROM {people} WHERE email_norm IS NOT NULL
            GROUP BY email_norm HAVING count(*) > 1
        ), shared_url AS (
            SELECT url_norm FROM {people} WHERE url_norm IS NOT NULL
            GROUP BY url_norm HAVING count(*) > 1
        )
        SELECT row_id, email_norm, url_norm, row_id AS label FROM {people}
        WHERE email_norm IN (SELECT email_norm FROM shared_email)
           OR url_norm IN (SELECT url_norm FROM shared_url)
        """
    )
    for _ in range(MAX_ROUNDS):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _lbl_next AS
            SELECT row_id, email_norm, url_norm, least(
                label,
                CASE WHEN email_norm IS NULL THEN label
                     ELSE min(label) OVER (PARTITION BY email_norm) END,
                CASE WHEN url_norm IS NULL THEN label
                     ELSE min(label) OVER (PARTITION BY url_norm) END) AS label
            FROM _lbl
            """
        )
        row = con.execute(
            "SELECT count(*) FROM _lbl a JOIN _lbl_next b USING (row_id) WHERE a.label <> b.label"
        ).fetchone()
        con.execute("CREATE OR REPLACE TEMP TABLE _lbl AS SELECT * FROM _lbl_next")
        if row is None or row[0] == 0:
            break
    key = key_sql(
        "c.url",
        "c.email",
        "coalesce(h.sha, p.source_file) || ':' || coalesce(p.candidate_id,"
        " 'line' || p.source_line::VARCHAR)",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH comp AS (
            SELECT l.label AS component, min(l.url_norm) AS url, min(l.email_norm) AS email
            FROM _lbl l GROUP BY l.label
        )
        SELECT p.row_id, coalesce(l.label, p.row_id) AS component,
            CASE WHEN l.label IS NULL
                 THEN {
            key_sql(
                "p.url_norm",
                "p.email_norm",
                "coalesce(h.sha, p.source_file)"
                " || ':' || coalesce(p.candidate_id,"
                " 'line' || p.source_line::VARCHAR)",
            )
        }
                 ELSE {key} END AS person_key
        FROM {people} p
        LEFT JOIN _lbl l USING (row_id)
        LEFT JOIN comp c ON c.component = l.label
        LEFT JOIN _file_hash h ON h.source_file = p.source_file
        """
    )
    con.execute("DROP TABLE IF EXISTS _lbl_next")
    con.execute("DROP TABLE IF EXISTS _lbl")
