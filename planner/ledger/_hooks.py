"""Fault-injection points for the crash and concurrency tests (never set in normal use).

- `PLANNER_TEST_CRASH_AT=<point>`: the process kills itself with SIGKILL at that point (no
  cleanup, no `finally`, exactly like a power cut for everything above the OS).
- `PLANNER_TEST_SLEEP_AT=<point>:<seconds>[,<point>:<seconds>...]`: sleep there (lets a test
  start a second process while the first holds a lock).

Points, in the order a real build passes them: `after_writer_lock`, `after_begin_run`,
`before_ledger_commit` (inside the transaction, all rows written), `after_ledger_commit`
(outputs still staged), `before_finish_run` (outputs renamed into place).
"""

from __future__ import annotations

import os
import signal
import time

CRASH_ENV = "PLANNER_TEST_CRASH_AT"
SLEEP_ENV = "PLANNER_TEST_SLEEP_AT"


def checkpoint(point: str) -> None:
    """Crash or pause here when a test asked for it."""
    sleep = os.environ.get(SLEEP_ENV)
    if sleep:
        for item in sleep.split(","):
            name, _, seconds = item.partition(":")
            if name.strip() == point:
                time.sleep(float(seconds or "1"))
    if os.environ.get(CRASH_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
