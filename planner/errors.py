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


def problems_error(
    problems: list[str],
    summary: str,
    cls: type[PlannerError] = ConfigError,
    hint: str | None = None,
) -> PlannerError:
    """One error for problems found together: the problem itself when there is one, else
    `summary` ("{n}" there is the count, e.g. "{n} problems in campaign files") listing them."""
    n = len(problems)
    message = problems[0] if n == 1 else summary.replace("{n}", str(n))
    return cls(message, hint=hint, problems=problems)


class Problems:
    """Problems of several independent checks, collected so they are all reported at once.

    `add` takes an error a check raised; `raise_any` raises them: the error itself when there
    was one, else one error listing them all: an InputError when every one was about input
    files (exit 3), else a ConfigError (exit 2). There a collected error's hint stays with its
    problem ("... (hint: ...)"), since one hint cannot speak for them all.
    """

    def __init__(self) -> None:
        self.errors: list[PlannerError] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, exc: PlannerError) -> None:
        self.errors.append(exc)

    @property
    def items(self) -> list[str]:
        """Every problem, each once, in the order found, hints attached."""
        items: list[str] = []
        for exc in self.errors:
            found = list(exc.problems)
            if exc.hint and found:
                found[-1] = f"{found[-1]} (hint: {exc.hint})"
            items.extend(p for p in found if p not in items)
        return items

    def raise_any(self, what: str) -> None:
        """Raise the collected problems, if any; `what` ends the summary ("3 problems in ...")."""
        if not self.errors:
            return
        if len(self.errors) == 1:
            raise self.errors[0]
        only_input = all(isinstance(e, InputError) for e in self.errors)
        cls = InputError if only_input else ConfigError
        raise problems_error(self.items, f"{{n}} problems in {what}", cls)
