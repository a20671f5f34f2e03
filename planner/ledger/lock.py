"""Advisory file locks around the ledger (SPEC 6.5: a second build waits, never corrupts).

Two lock files sit next to the ledger file, both taken with `fcntl.flock` (released by the
kernel when the process dies, so a crash never leaves a stale lock):

- `<ledger>.build.lock` — the *writer* lock, exclusive. A real build holds it from
  `open_for_build` until `Ledger.close()`, so everything it reads (identities, touches) is still
  true when it records its run: two builds can never both plan the same person beyond the caps.
  `planner ledger cancel` and `import-touches` hold it too. Dry runs and read-only commands
  never take it.
- `<ledger>.io.lock` — the *file* lock, held only while the DuckDB file is open: shared by
  readers (attach read-only), exclusive by a writer's short write session. DuckDB allows one
  read-write process per file; this makes readers and writers wait for each other instead of
  failing on DuckDB's own lock.

Waiting is bounded: `PLANNER_LEDGER_TIMEOUT` seconds (default 60); a note goes to stderr when a
wait starts, and a timeout raises LedgerError (exit 4).
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from planner.errors import LedgerError

DEFAULT_TIMEOUT = 60.0
#: A day: longer than any build, short enough that a forgotten lock holder is noticed.
MAX_TIMEOUT = 86_400.0
TIMEOUT_ENV = "PLANNER_LEDGER_TIMEOUT"
_POLL = 0.05

Notify = Callable[[str], None]


def stderr_notify(message: str) -> None:
    """Default waiting note: one `planner: ...` line on stderr."""
    print(f"planner: {message}", file=sys.stderr, flush=True)


def timeout_from_env() -> float:
    """Seconds to wait for a lock: `PLANNER_LEDGER_TIMEOUT` or 60."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise LedgerError(
            f"{TIMEOUT_ENV}: '{raw}' is not a number of seconds",
            hint=f"set {TIMEOUT_ENV} to e.g. 60, or unset it",
        ) from None
    # NaN compares false with everything: without this check `nan` would wait forever.
    if not math.isfinite(value) or value < 0 or value > MAX_TIMEOUT:
        raise LedgerError(
            f"{TIMEOUT_ENV}: '{raw}' is not a number of seconds from 0 to {MAX_TIMEOUT:g}",
            hint=f"e.g. {TIMEOUT_ENV}=60",
        )
    return value


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def wait_for(
    try_once: Callable[[], bool],
    *,
    limit: float,
    say: Notify,
    waiting: Callable[[], str],
    held: Callable[[], str],
) -> None:
    """Poll `try_once` until it takes the lock: one note when the wait begins, LedgerError
    (exit 4, "ledger is busy") after `limit` seconds. The file and server locks share it."""
    deadline = time.monotonic() + limit
    waited = False
    while not try_once():
        if not waited:
            waited = True
            say(f"waiting for the ledger: {waiting()}; giving up after {limit:g} s")
        if time.monotonic() >= deadline:
            raise LedgerError(
                f"ledger is busy: {held()} for more than {limit:g} s",
                hint=f"wait for the other build to finish, or set {TIMEOUT_ENV} to wait longer",
            )
        time.sleep(_POLL)


@contextlib.contextmanager
def file_lock(
    path: Path,
    *,
    exclusive: bool,
    what: str,
    timeout: float | None = None,
    notify: Notify | None = None,
    create: bool = True,
) -> Iterator[bool]:
    """Hold `flock` on `path` (shared or exclusive) for the `with` block.

    Yields False without locking when the lock file is absent and `create` is False (a reader
    of a ledger no writer has touched yet). `what` names the holder's activity in messages.
    """
    limit = timeout_from_env() if timeout is None else timeout
    say = notify or stderr_notify
    if create:
        old = os.umask(0o077)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        finally:
            os.umask(old)
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            yield False
            return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH

        def try_once() -> bool:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        wait_for(
            try_once,
            limit=limit,
            say=say,
            waiting=lambda: f"another planner process{_holder(fd)} is {what} ({path.name})",
            held=lambda: f"another planner process{_holder(fd)} held {path}",
        )
        if exclusive and create:
            # Who holds it, for the waiting note of the next process.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
