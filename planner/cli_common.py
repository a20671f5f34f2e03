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
from typing import Annotated, Final

import typer
from rich.console import Console

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
