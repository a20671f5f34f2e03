"""Person identity across runs (SPEC 6.1), set-based against the attached ledger.

Within a build, `planner.persons` groups rows into components (rows sharing any identifier) and
derives a key from the strongest identifier. Here the ledger gets its say:

1. *Hits*: a row hits a recorded person when its normalized email or profile URL is a recorded
   identifier, or when its build key is itself a recorded key (persons with no email or URL are
   known by their source-scoped key), or when the salted hash of either is one a forgotten
   person left behind (`planner ledger forget`). Each hit resolves to the person's canonical
   key.
2. *Groups*: components that hit the same recorded person are one human, so they merge
   (transitively; label propagation over the few components that hit anything). The merged
   component is the smallest row_id, as in `planner.persons`.
3. *Key*: a group takes the recorded key that was recorded first (smallest `first_seq`, ties by
   key). Keys never change once recorded: a person first recorded by email keeps that key when
   later seen with a URL, or by URL alone. When a group hits two different recorded persons
   (one row carries A's email and B's URL), the earliest one (A) wins, and recording the run
   points B's canonical key at A, so from then on every identifier of either finds A and caps
   count the touches of both.

The result replaces `persons` (row_id, component, person_key) and leaves `_led_keymap`
(ledger_key -> person_key): which recorded canonical keys stand for which person of this build.
"""

from __future__ import annotations

import duckdb

from planner.ledger.hashing import hash_sql
from planner.ledger.store import first_row

MAX_ROUNDS = 50

HITS_SQL = """
CREATE OR REPLACE TEMP TABLE _led_hits AS
WITH row_ids AS (
    SELECT row_id, 'email' AS kind, email_norm AS value FROM people
    WHERE email_norm IS NOT NULL
    UNION ALL
    SELECT row_id, 'url' AS kind, url_norm AS value FROM people WHERE url_norm IS NOT NULL
), hit AS (
    SELECT r.row_id, i.person_key FROM row_ids r JOIN ledger.identities i USING (kind, value)
    UNION ALL
    SELECT k.row_id, lp.person_key FROM persons k JOIN ledger.persons lp USING (person_key)
    {forgotten}
)
SELECT DISTINCT k.component, k.person_key AS build_key, c.person_key AS ledger_key, c.first_seq
FROM hit h
JOIN persons k USING (row_id)
JOIN ledger.persons lp ON lp.person_key = h.person_key
JOIN ledger.persons c ON c.person_key = lp.canonical_key
"""

#: Hits on forgotten persons (`planner ledger forget`): the salted hash of a row's identifier
#: or build key is one they left behind. Only run when the ledger has forgotten anyone.
FORGOTTEN_HITS_SQL = """
    UNION ALL
    SELECT r.row_id, f.person_key FROM row_ids r
    JOIN ledger.forgotten f ON f.kind = r.kind AND f.hash = {row_hash}
    UNION ALL
    SELECT k.row_id, f.person_key FROM persons k
    JOIN ledger.forgotten f ON f.kind = 'key' AND f.hash = {key_hash}
""".replace("{row_hash}", hash_sql("r.kind", "r.value")).replace(
    "{key_hash}", hash_sql("'key'", "k.person_key")
)


def hits_sql(con: duckdb.DuckDBPyConnection) -> str:
    """HITS_SQL, with the forgotten-person branch when the attached ledger needs it."""
    forgotten = _count(con, "SELECT count(*) FROM ledger.forgotten") > 0
    return HITS_SQL.replace("{forgotten}", FORGOTTEN_HITS_SQL if forgotten else "")


def resolve(con: duckdb.DuckDBPyConnection, *, rewrite: bool = True) -> int:
    """Map the build's persons onto recorded ones (ledger attached as `ledger`).

    Reads `people` (row_id, email_norm, url_norm) and `persons` (row_id, component, person_key).

    With `rewrite` (the normal path) `persons` gets the recorded keys and merged components;
    without it only `_led_keymap` is built, mapping each recorded person to the build key of
    the rows that hit it (enough for caps when `persons` must stay as it is). Returns how many
    components hit a recorded person.
    """
    con.execute(hits_sql(con))
    if not rewrite:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _led_keymap AS"
            " SELECT DISTINCT ledger_key, build_key AS person_key FROM _led_hits"
        )
        return _count(con, "SELECT count(DISTINCT component) FROM _led_hits")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _led_cl AS"
        " SELECT DISTINCT component, ledger_key, first_seq, component AS label FROM _led_hits"
    )
    for _ in range(MAX_ROUNDS):
        # A component takes the smallest label of any recorded person it hits, and every
        # component hitting that person follows: two hops per round.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _led_cl_next AS
            WITH by_key AS (
                SELECT component, ledger_key, first_seq,
                       min(label) OVER (PARTITION BY ledger_key) AS label
                FROM _led_cl
            )
            SELECT component, ledger_key, first_seq,
                   min(label) OVER (PARTITION BY component) AS label
            FROM by_key
            """
        )
        changed = _count(
            con,
            "SELECT count(*) FROM _led_cl a JOIN _led_cl_next b USING (component, ledger_key)"
            " WHERE a.label <> b.label",
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _led_cl AS SELECT * FROM _led_cl_next")
        if changed == 0:
            break
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _led_groups AS
        SELECT label, arg_min(ledger_key, (first_seq, ledger_key)) AS person_key
        FROM _led_cl GROUP BY label
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _led_keymap AS
        SELECT DISTINCT c.ledger_key, g.person_key FROM _led_cl c JOIN _led_groups g USING (label)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE persons AS
        WITH m AS (
            SELECT DISTINCT c.component, c.label, g.person_key
            FROM _led_cl c JOIN _led_groups g USING (label)
        )
        SELECT k.row_id, coalesce(m.label, k.component) AS component,
               coalesce(m.person_key, k.person_key) AS person_key
        FROM persons k LEFT JOIN m USING (component)
        ORDER BY k.row_id
        """
    )
    con.execute("DROP TABLE IF EXISTS _led_cl_next")
    return _count(con, "SELECT count(*) FROM _led_cl")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = first_row(con, sql)
    return int(row[0]) if row and row[0] is not None else 0
