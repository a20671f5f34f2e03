"""`planner validate`: every check that needs no ledger, with all problems listed at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planner import duck, pipeline, sources
from planner.errors import ConfigError, InputError, PlannerError


def validate_campaigns(paths: Sequence[Path]) -> list[str]:
    """Validate campaign files and read their inputs; returns one summary line per campaign.

    Raises ConfigError (or InputError when only inputs are wrong) listing every problem found.
    """
    plans = pipeline.prepare(list(paths))
    problems: list[str] = []
    only_input = True
    lines: list[str] = []
    for p in plans:
        try:
            specs, _files = pipeline.source_specs([p.campaign])
            with duck.connect() as con:
                result = sources.read_sources(con, specs)
        except PlannerError as exc:
            only_input = only_input and isinstance(exc, InputError)
            problems.extend(exc.problems)
            continue
        rows = sum(f.rows for f in result.files)
        bad = sum(f.bad_rows for f in result.files)
        errors = sum(1 for f in p.lint if f.severity == "error")
        warnings = len(p.lint) - errors
        lines.append(
            f"{p.campaign.file}: ok: campaign {p.id}, {len(result.files)} input file(s),"
            f" {rows} rows, {bad} bad rows; lint: {errors} errors, {warnings} warnings"
        )
    if problems:
        cls = InputError if only_input else ConfigError
        raise cls(
            problems[0] if len(problems) == 1 else f"{len(problems)} problems", problems=problems
        )
    return lines
