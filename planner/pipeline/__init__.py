"""`plan(...)`: a build as an explicit sequence of named steps over one context (SPEC 5, 8, 9).

`STEPS` below is the whole build, in order. Each step is a function of the `BuildContext`
(the DuckDB connection, the campaign plans, the inputs); the working tables it reads and
writes are named in `planner.pipeline.tables`. `plan` checks and resolves the campaigns, opens
the connection, runs the steps and hands back the `Plan`; `write_plan` writes it (real build),
the CLI previews it (dry run). Both share every step but the final write, so a dry run shows
exactly what a build would do.

The package by job: `context` (the plans, the build context, the ledger protocols), `steps`
(reading), `decisions` (scope, segmentation, assignment, limit, guardrail, funnel),
`recipients` (personalization), `write` (a real build's files and ledger record), `view` (the
JSON document and explain), `tables` (the working tables' names).
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from planner.cache import SourceCache
from planner.config import Campaign
from planner.contract import EXCLUDED_COLUMNS
from planner.duck import attach_watcher, detach_watcher
from planner.pipeline.context import (
    MEMORY_LIMIT_ENV,
    BuildContext,
    CampaignPlan,
    LedgerStep,
    LedgerWriter,
    Plan,
    PlanWithoutLedgerWarning,
    Progress,
    Step,
    _memory_errors,
    _quiet,
    _today,
    check_as_of,
)
from planner.pipeline.decisions import (
    apply_guardrail,
    apply_ledger,
    assign_across_campaigns,
    count_funnels,
    excluded_query,
    limit_each_campaign,
    open_decisions,
    segment_campaigns,
)
from planner.pipeline.recipients import SEND_LIST_SCHEMA, lint_personal_share, personalize_messages
from planner.pipeline.steps import (
    Candidates,
    _connect,
    frame_specs,
    key_people,
    match_recorded_persons,
    prepare,
    read_candidates,
    source_specs,
)
from planner.pipeline.view import explain, plan_json
from planner.pipeline.write import (
    Written,
    check_guardrail,
    check_lint,
    manifest_of,
    message_stats,
    new_run_id,
    recipients_json,
    write_plan,
)

__all__ = [
    "EXCLUDED_COLUMNS",
    "MEMORY_LIMIT_ENV",
    "SEND_LIST_SCHEMA",
    "STEPS",
    "BuildContext",
    "CampaignPlan",
    "Candidates",
    "LedgerStep",
    "LedgerWriter",
    "Plan",
    "PlanWithoutLedgerWarning",
    "Progress",
    "Step",
    "Written",
    "check_as_of",
    "check_guardrail",
    "check_lint",
    "excluded_query",
    "explain",
    "manifest_of",
    "message_stats",
    "new_run_id",
    "plan",
    "plan_json",
    "prepare",
    "recipients_json",
    "run_steps",
    "source_specs",
    "write_plan",
]


#: The build, in order. Every step sees what the steps before it left in the context.
STEPS: tuple[Step, ...] = (
    read_candidates,  # people, persons: the files read and normalized (or from the cache)
    match_recorded_persons,  # persons the ledger knows keep their recorded key
    key_people,  # people_keyed: people with person_key, component (a view)
    open_decisions,  # dec, dec_steps
    segment_campaigns,  # scope_i, seg_i; each row's first reason in dec
    apply_ledger,  # outcomes, past touches, cooldowns, caps (SPEC 6)
    assign_across_campaigns,  # each person to the best-fitting campaign (SPEC 5.4)
    limit_each_campaign,  # ranking.limit
    personalize_messages,  # cue_i; recipients and messages; insufficient_personalization
    apply_guardrail,  # the sender's response-rate guardrail (SPEC 6.4)
    lint_personal_share,  # the lint of the messages as rendered
    count_funnels,  # excluded.csv's small tables; each campaign's funnel
)


def run_steps(ctx: BuildContext, steps: Sequence[Step] = STEPS) -> None:
    """Run `steps` over `ctx`, in order."""
    for step in steps:
        step(ctx)


@_memory_errors()
def plan(
    campaigns: Sequence[Campaign | str | Path],
    *,
    as_of: date | None = None,
    ledger: LedgerStep | None = None,
    max_bad_rows: int | None = None,
    progress: Progress | None = None,
    database: str = ":memory:",
    cache: SourceCache | None = None,
    candidates: Candidates | None = None,
) -> Plan:
    """Compute who would be contacted for each campaign, and why everyone else would not.

    `ledger` is the ledger step (`planner.ledger.open_for_build`). Without one, nothing the
    ledger decides is applied — frequency caps, opt-outs, cooldowns, "already contacted", the
    guardrail's history — and a `PlanWithoutLedgerWarning` says so; `planner.build(...)` opens
    the default ledger as the CLI does.

    With a `cache` (`planner.cache`), the normalized candidate tables of unchanged input files
    are loaded from it instead of being read and normalized again, and stored in it otherwise.

    `candidates`: a Polars DataFrame or LazyFrame, or an Arrow table (anything `pl.from_arrow`
    takes), read instead of the campaigns' `candidates.paths`: its column names are mapped as a
    file's header would be, and its rows are numbered from 1 in errors and excluded.csv (file
    `candidates.parquet`, a private copy removed when the plan is closed). A frame is never
    cached.
    """
    check_as_of(as_of)
    if ledger is None:
        warnings.warn(
            "planner.plan() without a ledger: caps, opt-outs, cooldowns and the guardrail's"
            " history are not applied; pass ledger=planner.ledger.open_for_build(...) or use"
            " planner.build(...)",
            PlanWithoutLedgerWarning,
            stacklevel=3,  # the caller, past the memory-errors decorator
        )
    as_of = as_of or _today()
    if cache is not None:
        cache.keep_gazetteer()
    plans = prepare(campaigns)
    con, spill = _connect(database)
    attach_watcher(progress, con)
    try:
        if candidates is None:
            specs, files = source_specs([p.campaign for p in plans])
        else:
            specs, files = frame_specs([p.campaign for p in plans], candidates, spill)
            cache = None
        for p, mine in zip(plans, files, strict=True):
            p.files = mine
        ctx = BuildContext(
            con=con,
            plans=plans,
            specs=specs,
            as_of=as_of,
            ledger=ledger,
            max_bad_rows=max_bad_rows,
            cache=cache,
            say=progress or _quiet,
        )
        run_steps(ctx)
    except BaseException:
        detach_watcher(progress, con)
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise
    return Plan(
        as_of=as_of, con=con, campaigns=plans, source=ctx.read, spill=spill, progress=progress
    )
