"""What the command line's modules share: the two consoles, the options every command spells the
same way, and what makes candidate text safe to print.

Candidate files are untrusted: a company named `[/]Foo` must not crash the preview, `[link=…]`
must not become a live link, and an escape sequence must not clear the user's screen. So the
consoles never interpret markup (rich's `[...]` tags) unless a call asks for it with values
escaped, and every value from a candidate passes `safe()` first: control characters (C0/C1,
ESC, DEL) and Unicode bidirectional overrides are removed, tabs become spaces.
"""

from __future__ import annotations

import re
import select
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Final

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    import duckdb

out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

#: -h as well as --help, on every command.
CONTEXT_SETTINGS: Final = {"help_option_names": ["-h", "--help"]}

#: A path, or a postgresql:// URL: text, since a Path would fold its `//` into `/`.
LedgerOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        envvar="PLANNER_LEDGER",
        metavar="PATH|URL",
        help="Ledger file (default .planner/ledger.duckdb) or postgresql://user@host/db.",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="YYYY-MM-DD", help="Plan as of this date; default today (UTC)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

#: C0 controls but newline, DEL, C1 controls, and the bidirectional embeddings, overrides and
#: isolates that can make printed text read differently from what it is. Zero-width joiners stay:
#: several scripts need them.
_UNSAFE: Final = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(value: object, *, multiline: bool = False) -> str:
    """`value` as text that prints as itself: no control or bidi characters; a tab is a space.

    `multiline` keeps newlines (a rendered message); otherwise a line break is a space too.
    """
    text = "" if value is None else str(value)
    text = text.replace("\t", " ").replace("\r\n", "\n")
    if not multiline:
        text = text.replace("\n", " ")
    return _UNSAFE.sub("", text)


def plain_console(console: Console) -> Console:
    """A console for pipes and files: never fold a run id or an email across lines."""
    if console.is_terminal:
        return console
    return Console(
        highlight=False,
        soft_wrap=True,
        markup=False,
        width=10_000,
        stderr=console.stderr,
    )


class ProgressBar:
    """A long command's progress on stderr: the step it is in and, while DuckDB runs a query of
    that step, how far the query is (`con.query_progress()`, read every 0.1 s from a thread).

    Use it as a context manager; call it with each step's name. `attach(con)` makes it follow a
    connection's queries (`duck.QueryWatcher`) and `detach(con)` stops that before the
    connection closes. The bar is transient: when the command ends, by success, error or
    Ctrl-C, nothing of it stays on the terminal.

    Ctrl-C: with its progress on, a DuckDB query noticed the signal only when it ended (a minute
    into a long one). So the bar's thread also wakes on the signal (`signal.set_wakeup_fd`) and
    interrupts the attached connection's query; the command then exits as on any Ctrl-C.
    """

    INTERVAL: Final = 0.1

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("starting", total=None)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="planner-progress", daemon=True)
        self._wake, self._wake_signal = socket.socketpair()
        self._previous_wakeup: int | None = None

    def __enter__(self) -> ProgressBar:
        for end in (self._wake, self._wake_signal):
            end.setblocking(False)
        if threading.current_thread() is threading.main_thread():
            self._previous_wakeup = signal.set_wakeup_fd(
                self._wake_signal.fileno(), warn_on_full_buffer=False
            )
        self._bar.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._previous_wakeup is not None:
            signal.set_wakeup_fd(self._previous_wakeup)
        self._wake.close()
        self._wake_signal.close()
        self._bar.stop()

    def __call__(self, step: str) -> None:
        """A new step: its name, and no fraction until its first query reports one."""
        with self._lock:
            self._bar.remove_task(self._task)
            self._task = self._bar.add_task(step, total=None)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        # DuckDB computes a query's progress only with its progress bar on; it never prints it.
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        with self._lock:
            self._con = con

    def detach(self, con: duckdb.DuckDBPyConnection) -> None:
        with self._lock:  # waits for a query_progress() call in flight
            if self._con is con:
                self._con = None

    def _signals(self) -> bytes:
        try:
            return self._wake.recv(256)
        except (BlockingIOError, OSError):
            return b""

    def _poll(self) -> None:
        import duckdb

        while not self._stop.is_set():
            woken, _, _ = select.select([self._wake], [], [], self.INTERVAL)
            with self._lock:
                if self._con is None:
                    continue
                if woken and signal.SIGINT in self._signals():
                    self._con.interrupt()
                    continue
                try:
                    done = self._con.query_progress()
                except duckdb.Error:
                    continue
                if done >= 0:  # -1: no query running
                    self._bar.update(self._task, total=100.0, completed=min(done, 100.0))


@contextmanager
def progress() -> Iterator[Callable[[str], None]]:
    """A `ProgressBar` on a terminal; nothing at all otherwise (pipes, files, CI logs)."""
    if not err.is_terminal:
        yield lambda _step: None
        return
    with ProgressBar(err) as bar:
        yield bar
