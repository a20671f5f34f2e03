"""One build, one API: what `planner build` does, for the CLI and the library alike.

`build(...)` is the whole command: open the ledger (the writer lock of a real build), compute the
plan, refuse what a real build refuses (lint errors, a guardrail that blocks), write the send
lists and record the run. A dry run stops after the plan and writes nothing. The CLI parses its
arguments, calls this once and prints the result; a library user gets the same refusals.

    with planner.build(["campaigns/example.yaml"], dry_run=True) as result:
        for campaign in result.plan.campaigns:
            print(campaign.id, campaign.funnel)
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType

from planner import pipeline
from planner.cache import SourceCache, default_cache
from planner.config import Campaign
from planner.contract import FORMATS
from planner.errors import ConfigError
from planner.ledger import open_for_build
from planner.ledger.lock import Notify
from planner.report import write_plan_report


@dataclass
class BuildResult:
    """A finished build: its plan (open until `close()`), and what a real build wrote.

    The plan keeps its DuckDB connection open so a caller can preview it, print it as JSON or
    read its excluded rows; use the result as a context manager, or call `close()`.
    """

    plan: pipeline.Plan
    dry_run: bool
    written: list[pipeline.Written] = field(default_factory=list)

    @property
    def run_id(self) -> str | None:
        """The recorded run's id (None for a dry run, or a real build of no campaign)."""
        return self.written[0].run_id if self.written else None

    def close(self) -> None:
        self.plan.close()

    def __enter__(self) -> BuildResult:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_formats(formats: Sequence[str]) -> None:
    """Unknown `--format` values are a usage error before anything is read."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(
                f"--format: unknown format '{fmt}'", hint="use one of: " + ", ".join(FORMATS)
            )


def build(
    campaigns: Sequence[Campaign | str | Path],
    *,
    dry_run: bool = False,
    out: Path | str | None = None,
    ledger: Path | str | None = None,
    as_of: date | None = None,
    formats: Sequence[str] = (),
    allow_lint_errors: bool = False,
    max_bad_rows: int | None = None,
    report: Path | str | None = None,
    cache: SourceCache | bool = True,
    progress: pipeline.Progress | None = None,
    notify: Notify | None = None,
    candidates: pipeline.Candidates | None = None,
) -> BuildResult:
    """Plan the campaigns and, unless `dry_run`, write and record them (SPEC 8, 9).

    `ledger` is a path (default: `$PLANNER_LEDGER`, else `.planner/ledger.duckdb`), exactly as
    `--ledger`. A real build raises `LintError` on lint errors (unless `allow_lint_errors`) and
    `RefusedError` when a sender's guardrail blocks; in both cases nothing is written and the
    ledger is unchanged. A dry run never creates, locks or changes the ledger.

    `report`: also write the build's HTML report there (`--report FILE`; a dry run writes only
    that file). A real build writes `report.html` beside every send list in any case.

    `cache`: True (the default, as `planner build`) uses the candidate cache under
    `.planner/cache` (`$PLANNER_CACHE`; `off` turns it off): a dry run only reads it, a real
    build fills it. False reads every file afresh; a `SourceCache` is used as given.

    `candidates`: a Polars or Arrow table read instead of the campaigns' candidate files
    (`pipeline.plan`).
    """
    pipeline.check_as_of(as_of)
    check_formats(formats)
    # A dry run reads the candidate cache but writes nothing, the cache included.
    source_cache = (
        default_cache(write=not dry_run) if cache is True else None if cache is False else cache
    )
    # A real build holds the ledger's writer lock from before it reads the ledger until its
    # run is recorded, so a second build waits instead of planning against stale caps.
    with closing(open_for_build(ledger, dry_run=dry_run, notify=notify)) as led:
        plan = pipeline.plan(
            campaigns,
            as_of=as_of,
            ledger=led,
            max_bad_rows=max_bad_rows,
            progress=progress,
            cache=source_cache,
            candidates=candidates,
        )
        try:
            if dry_run:
                if report is not None:
                    write_plan_report(plan, Path(report), dry_run=True)
                return BuildResult(plan, dry_run=True)
            pipeline.check_lint(plan, allow_lint_errors=allow_lint_errors)
            pipeline.check_guardrail(plan)
            written = pipeline.write_plan(
                plan, out=None if out is None else Path(out), formats=formats, ledger=led
            )
            if report is not None:
                write_plan_report(plan, Path(report), run_id=written[0].run_id if written else None)
        except BaseException:
            plan.close()
            raise
    return BuildResult(plan, dry_run=False, written=written)
