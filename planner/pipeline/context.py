"""What a build works on and produces: the campaign and build plans, the ledger protocols the
steps call, and the build's memory budget."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import polars as pl

from planner import criteria, lint, sources
from planner.config import Campaign
from planner.duck import detach_watcher, frame
from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.cache import SourceCache

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    """The progress callback of a build nobody watches."""


#: DuckDB's memory budget for a build; past it, big operators spill to a private temporary
#: directory (removed when the plan is closed). Override with `PLANNER_MEMORY_LIMIT`
#: (DuckDB syntax: "512MB", "4GB", ...). 1 GB keeps a 10M-row build under 2 GiB of RSS.
MEMORY_LIMIT_ENV = "PLANNER_MEMORY_LIMIT"


DEFAULT_MEMORY_LIMIT = "1GB"


class LedgerStep(Protocol):
    """What the pipeline needs from a ledger; `planner.ledger` provides it (SPEC 6)."""

    def resolve_identities(self, con: duckdb.DuckDBPyConnection) -> None:
        """Give rows of recorded persons their recorded key (table `persons`)."""

    def apply(
        self, con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan], as_of: date
    ) -> None:
        """Mark rows of the `dec` table blocked by outcomes, past touches or caps."""

    def guardrail_counts(
        self,
        con: duckdb.DuckDBPyConnection,
        windows: Sequence[tuple[str, int]],
        as_of: date,
    ) -> dict[tuple[str, int], tuple[int, int]]:
        """(sender id, window days) -> (touches, responses) recorded before this build."""


class LedgerWriter(Protocol):
    """What `write_plan` needs to record a real build in the ledger (SPEC 6.5)."""

    def begin_run(
        self, run_id: str, as_of: date, outputs: Sequence[tuple[str, Path, Path]]
    ) -> None: ...

    def record_run(
        self,
        run_id: str,
        plans: Sequence[CampaignPlan],
        as_of: date,
        recipients: dict[str, pl.DataFrame],
        people_con: duckdb.DuckDBPyConnection,
    ) -> None: ...

    def finish_run(self, run_id: str) -> None: ...


class PlanWithoutLedgerWarning(UserWarning):
    """A plan computed without a ledger ignores everything the ledger decides."""


@dataclass
class CampaignPlan:
    """What one campaign of a build decided."""

    index: int
    campaign: Campaign
    criteria: criteria.Criteria
    files: list[str]
    lint: list[lint.Finding] = field(default_factory=list)
    recipients: pl.DataFrame = field(default_factory=pl.DataFrame)
    funnel: dict[str, int] = field(default_factory=dict)
    guardrail: dict[str, Any] = field(default_factory=dict)
    #: The table of the rows this campaign reads (`tables.scope`, shared by campaigns of the
    #: same files), set by segmentation.
    scope: str = ""

    @property
    def id(self) -> str:
        return self.campaign.id

    def funnel_frame(self) -> pl.DataFrame:
        """The funnel as a table: `reason` (SPEC order, every reason), `rows` it removed,
        `remaining` after it and `share` of the input; a last row `recipients`."""
        from planner.funnel import funnel_steps, input_total

        steps = funnel_steps(self.funnel, skip_empty=False)
        total = input_total(self.funnel)
        recipients = self.funnel.get("recipients", 0)
        return pl.DataFrame(
            {
                "reason": [s.reason for s in steps] + ["recipients"],
                "rows": [s.removed for s in steps] + [recipients],
                "remaining": [s.remaining for s in steps] + [recipients],
                "share": [s.removed_share for s in steps] + [recipients / total if total else 0.0],
            },
            schema={
                "reason": pl.String,
                "rows": pl.Int64,
                "remaining": pl.Int64,
                "share": pl.Float64,
            },
        )


@dataclass
class Plan:
    """A computed build: recipients, exclusions and their reasons, for every campaign."""

    as_of: date
    con: duckdb.DuckDBPyConnection
    campaigns: list[CampaignPlan]
    source: sources.SourceResult
    spill: Path | None = None
    #: The build's progress callback; when it follows queries (`duck.QueryWatcher`), it follows
    #: this plan's connection until `close`.
    progress: object = None

    def excluded(self, campaign: CampaignPlan) -> pl.DataFrame:
        """excluded.csv of one campaign (SPEC 8 columns), in input order."""
        from planner.pipeline.decisions import excluded_query

        return frame(self.con, *excluded_query(campaign))

    @property
    def rejects(self) -> list[sources.Reject]:
        return self.source.rejects

    def close(self) -> None:
        detach_watcher(self.progress, self.con)
        self.con.close()
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class BuildContext:
    """Everything the steps of a build share (`planner.pipeline.STEPS`): the build's DuckDB
    connection, whose working tables are named in `planner.pipeline.tables`, the campaign plans
    the steps fill in, and the build's inputs. A step reads and writes only these."""

    con: duckdb.DuckDBPyConnection
    plans: list[CampaignPlan]
    specs: list[sources.SourceSpec]
    as_of: date
    ledger: LedgerStep | None = None
    max_bad_rows: int | None = None
    cache: SourceCache | None = None
    say: Progress = _quiet
    #: Set by `read_candidates`: the files read, their rejected rows.
    source: sources.SourceResult | None = None
    #: Campaign files -> the scope table campaigns without suppression files share.
    scopes: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def read(self) -> sources.SourceResult:
        """The candidate files read; a step after `read_candidates` relies on it."""
        if self.source is None:
            raise RuntimeError("read_candidates has not run in this build context")
        return self.source


Step = Callable[[BuildContext], None]


@contextmanager
def _memory_errors() -> Iterator[None]:
    """DuckDB running out of the build's memory budget is the user's to fix: say how."""
    try:
        yield
    except duckdb.OutOfMemoryException:
        raise PlannerError(
            f"the build needs more memory than its budget of {_memory_limit()}"
            " (DuckDB ran out of memory)",
            hint=f"set {MEMORY_LIMIT_ENV} to a larger size, e.g. {MEMORY_LIMIT_ENV}=4GB",
        ) from None


def _memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT


def _today() -> date:
    return datetime.now(UTC).date()


def check_as_of(as_of: object) -> None:
    """`as_of` is a calendar date or None; a datetime or a string is a caller's mistake."""
    if as_of is not None and (isinstance(as_of, datetime) or not isinstance(as_of, date)):
        raise TypeError(
            f"as_of must be a datetime.date (e.g. date(2026, 11, 1)), not {type(as_of).__name__}"
        )
