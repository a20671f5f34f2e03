"""One error hierarchy. The library raises these; only the CLI turns them into exit codes.

Messages never contain candidate data: at most a file name, a line/row number, a key path.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base error: a message saying what and where, and an optional hint saying what to do."""

    exit_code = 2

    def __init__(
        self, message: str, hint: str | None = None, problems: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: Every finding when several were collected at once (the CLI prints each).
        self.problems = problems or [message]

    def __str__(self) -> str:
        return self.message


class ConfigError(PlannerError):
    """A campaign file (or a command-line value) is wrong. Exit 2."""

    exit_code = 2


class InputError(PlannerError):
    """A candidate, suppression or off-limits file cannot be used. Exit 3."""

    exit_code = 3


class LedgerError(PlannerError):
    """The ledger is busy, damaged or of an unknown version. Exit 4."""

    exit_code = 4


class LintError(PlannerError):
    """A real build was refused because the message has lint errors. Exit 1."""

    exit_code = 1


class RefusedError(PlannerError):
    """A build was refused on purpose (e.g. the response-rate guardrail blocks). Exit 1."""

    exit_code = 1


class ExportError(PlannerError):
    """An export format could not be written. Exit 2."""

    exit_code = 2
