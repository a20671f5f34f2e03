"""What `planner ledger ...` does (SPEC 6.3-6.5, 9): list runs, a person's history, cancel a
run, import touches made outside planner, import outcomes, response-rate stats, forget a person,
migrate. Each returns JSON-ready data; the CLI prints it.

Writers (`cancel_run`, `import_touches`, `import_outcomes`, `forget`, `migrate`) hold the writer
lock like a real build, so they never interleave with one; readers (`list_runs`, `history`,
`stats`) take no writer lock.

The package by job: `runs` (runs, history, cancel, migrate), `touches` (import-touches, and the
reading and checking the outcome import shares), `outcomes` (import-outcomes), `stats`; erasure
is `planner.ledger.forget`, which imports nothing of these.
"""

from __future__ import annotations

from planner.ledger.commands.outcomes import import_outcomes
from planner.ledger.commands.runs import cancel_run, history, list_runs, migrate
from planner.ledger.commands.stats import stats, variant_stats
from planner.ledger.commands.touches import import_touches
from planner.ledger.forget import forget

__all__ = [
    "cancel_run",
    "forget",
    "history",
    "import_outcomes",
    "import_touches",
    "list_runs",
    "migrate",
    "stats",
    "variant_stats",
]
