"""The contact ledger (SPEC 6): runs, touches, identities and outcomes, and the checks they drive.

- `open_for_build(path, dry_run=...)` -> `Ledger`: the ledger step of a build (identities,
  caps, recording the run); see `planner.ledger.core` for the call order and crash safety.
- `planner.ledger.commands`: what `planner ledger ...` does (runs, history, cancel,
  import-touches, import-outcomes, stats, forget).
- `planner.ledger.responses`: response rates (the guardrail, `stats`); `planner.ledger.forget`:
  erasure; `planner.ledger.hashing`: the salted hashes that stand in for erased identifiers.
- Storage is a `Store` (`planner.ledger.store`): an embedded DuckDB file by default, or a
  team's PostgreSQL database (`planner.ledger.pg`, `--ledger postgresql://...`); `open_store`
  picks one. `planner.ledger.transfer`: `planner ledger copy` between stores.
"""

from __future__ import annotations

from planner.ledger.core import Ledger, Output, open_for_build, recover, resolve_path
from planner.ledger.schema import SCHEMA_VERSION
from planner.ledger.store import FileStore, MemoryStore, Store, default_path

__all__ = [
    "SCHEMA_VERSION",
    "FileStore",
    "Ledger",
    "MemoryStore",
    "Output",
    "Store",
    "default_path",
    "open_for_build",
    "recover",
    "resolve_path",
]
