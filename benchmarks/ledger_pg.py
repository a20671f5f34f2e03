"""What a PostgreSQL ledger costs a build (planner.ledger.pg), at a given number of touches.

    python -m benchmarks.ledger_pg --touches 1000000 --candidates 100000

Starts a throwaway PostgreSQL server (as the tests do, tests/conftest.py), makes a synthetic
file ledger (persons, one email identity each, touches over 90 days, some outcomes), copies it
to the server with `planner ledger copy`, then times what a build does against each store:

- `attach_identities`, `attach_caps`, `attach_guardrail`: the three reads of a build of
  `--candidates` people (half of them known to the ledger): identities and persons; plus
  their touches and outcomes; the touches of one of the 5 senders in the guardrail's 30-day
  window and that window's outcomes;
- `focus write session`: a build's recording session for `--recipients` persons (loads the
  small tables and their persons/identities; writes their touches back in one transaction);
- `full session`: what a `planner ledger ...` command loads (every row); `full write
  session`: a command that changes a few rows (load, diff of every table, write-back).

Prints one JSON object (seconds, rows loaded).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from planner.ledger.pg import PostgresStore
from planner.ledger.store import FileStore, Focus, Reach
from planner.ledger.transfer import copy_ledger
from tests.conftest import PgServer, _bindir

AS_OF = date(2026, 11, 1)


def make_file_ledger(path: Path, touches: int) -> None:
    persons = max(touches // 4, 1)
    store = FileStore(path)
    with store.session(write=True) as con:
        con.execute(
            "INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at, committed_at,"
            " outputs_placed, touches) VALUES ('r1', 1, 'import', 'committed', ?, now(), now(),"
            " TRUE, ?)",
            [AS_OF, touches],
        )
        con.execute(
            "INSERT INTO ledger.persons SELECT 'p' || i, 'p' || i, 1, ? FROM range(?) t(i)",
            [AS_OF, persons],
        )
        con.execute(
            "INSERT INTO ledger.identities SELECT 'email', 'u' || i || '@example.com', 'p' || i, 1"
            " FROM range(?) t(i)",
            [persons],
        )
        con.execute(
            "INSERT INTO ledger.touches SELECT 'r1', 'p' || (i % ?), 'c' || (i % 25),"
            " ?::DATE - (i % 90)::INTEGER, 'email', 's' || (i % 5), 0.5, 'counted'"
            " FROM range(?) t(i)",
            [persons, AS_OF, touches],
        )
        con.execute(
            "INSERT INTO ledger.outcomes SELECT 'r1', 'p' || (i * 7 % ?), NULL, 'replied',"
            " ?::DATE - (i % 90)::INTEGER, NULL, now() FROM range(?) t(i)",
            [persons, AS_OF, touches // 20],
        )


def build_connection(candidates: int, persons: int) -> duckdb.DuckDBPyConnection:
    """A build's `people` and `persons` tables: half the candidates are known persons."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE people AS SELECT i AS row_id,"
        " CASE WHEN i % 2 = 0 THEN 'u' || (i * 3 % ?) || '@example.com'"
        " ELSE 'new' || i || '@example.org' END AS email_norm, NULL::VARCHAR AS url_norm"
        " FROM range(?) t(i)",
        [persons, candidates],
    )
    con.execute(
        "CREATE TABLE persons AS"
        " SELECT row_id, row_id AS component, 'k' || row_id AS person_key FROM people"
    )
    return con


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return round(time.perf_counter() - start, 3), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--touches", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=10_000)
    args = parser.parse_args()
    bindir = _bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL binaries: apt-get install -y postgresql")
    server = PgServer(bindir)
    server.start()
    result: dict[str, Any] = {"touches": args.touches, "candidates": args.candidates}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            file_path = Path(tmp) / "ledger.duckdb"
            result["make_file_ledger_s"], _ = timed(
                lambda: make_file_ledger(file_path, args.touches)
            )
            url = server.database()
            result["copy_file_to_pg_s"], _ = timed(lambda: copy_ledger(str(file_path), url))
            persons = max(args.touches // 4, 1)
            since = AS_OF - timedelta(days=30)
            for label, store in (("file", FileStore(file_path)), ("pg", PostgresStore(url))):
                con = build_connection(args.candidates, persons)

                reads = {
                    "identities": Reach(touches=False),
                    "caps": Reach(),
                    "guardrail": Reach(touches=False, since=since, senders=("s0",)),
                }
                for what, reach in reads.items():

                    def attach(
                        store: Any = store,
                        con: duckdb.DuckDBPyConnection = con,
                        reach: Reach = reach,
                    ) -> int:
                        with store.attached(con, reach=reach):
                            rows = con.execute("SELECT count(*) FROM ledger.touches").fetchall()
                            return int(rows[0][0])

                    seconds, touches = timed(attach)
                    result[f"{label}_attach_{what}_s"] = seconds
                    result[f"{label}_attach_{what}_touches"] = touches
                keys = tuple(f"p{i}" for i in range(args.recipients))
                ids = tuple(("email", f"u{i}@example.com") for i in range(args.recipients))

                def record(
                    store: Any = store,
                    keys: tuple[str, ...] = keys,
                    ids: tuple[tuple[str, str], ...] = ids,
                ) -> None:
                    with store.session(write=True, focus=Focus(keys=keys, identities=ids)) as s:
                        s.execute(
                            "INSERT INTO ledger.touches SELECT 'r1', 'p' || i, 'bench', ?, 'email',"
                            " 's0', 0.5, 'counted' FROM range(?) t(i)",
                            [AS_OF, args.recipients],
                        )

                result[f"{label}_focus_write_session_s"], _ = timed(record)

                def full(store: Any = store) -> int:
                    with store.session(write=False) as s:
                        return int(
                            s.execute("SELECT count(*) FROM ledger.touches").fetchall()[0][0]
                        )

                result[f"{label}_full_session_s"], result[f"{label}_full_touches"] = timed(full)

                def cancel_one(store: Any = store) -> None:
                    with store.session(write=True) as s:
                        s.execute(
                            "UPDATE ledger.touches SET status = 'cancelled'"
                            " WHERE person_key = 'p1' AND campaign_id = 'c1'"
                        )

                result[f"{label}_full_write_session_s"], _ = timed(cancel_one)
                con.close()
    finally:
        server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
