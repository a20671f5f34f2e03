"""The steps that read: campaigns checked and resolved, candidate files read (or loaded from the
cache) and normalized, and the build's DuckDB connection."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import polars as pl

from planner import criteria, duck, lint, personalize, sources
from planner.cache import NewEntry, SourceCache
from planner.config import Campaign, load_campaigns
from planner.errors import ConfigError, InputError, PlannerError, Problems
from planner.normalize import enrich
from planner.persons import assign_person_keys
from planner.pipeline import tables
from planner.pipeline.context import (
    DEFAULT_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    BuildContext,
    CampaignPlan,
    Progress,
    _memory_limit,
)


def _expand(campaign: Campaign) -> list[Path]:
    files: list[Path] = []
    for i, pattern in enumerate(campaign.candidates.paths):
        for path in sources.expand_paths(
            campaign.base_dir, [pattern], where=campaign.where("candidates", "paths", i)
        ):
            if path not in files:
                files.append(path)
    return files


def source_specs(campaigns: Sequence[Campaign]) -> tuple[list[sources.SourceSpec], list[list[str]]]:
    """One SourceSpec per distinct file (each file is read once), and each campaign's files."""
    specs: dict[Path, sources.SourceSpec] = {}
    owner: dict[Path, Campaign] = {}
    per_campaign: list[list[str]] = []
    for c in campaigns:
        mine: list[str] = []
        for path in _expand(c):
            resolved = path.resolve()
            spec = sources.SourceSpec(
                resolved, dict(c.candidates.columns), c.candidates.list_separator
            )
            if resolved in specs and (
                specs[resolved].columns != spec.columns
                or specs[resolved].list_separator != spec.list_separator
            ):
                raise ConfigError(
                    f"{c.where('candidates')}: {path.name} is also read by {owner[resolved].file}"
                    " with other candidates.columns / list_separator",
                    hint="a file is read once per build; give both campaigns the same settings",
                )
            specs.setdefault(resolved, spec)
            owner.setdefault(resolved, c)
            mine.append(str(resolved))
        per_campaign.append(mine)
    return list(specs.values()), per_campaign


#: Candidates given as data rather than files (`plan(..., candidates=...)`).
Candidates: TypeAlias = "pl.DataFrame | pl.LazyFrame | Any"

#: The file name a frame of candidates is read from (and errors and excluded.csv name).
FRAME_FILE = "candidates.parquet"


def frame_specs(
    campaigns: Sequence[Campaign], candidates: Candidates, directory: Path
) -> tuple[list[sources.SourceSpec], list[list[str]]]:
    """`source_specs` for candidates given as a frame: one private Parquet copy in `directory`
    (the build's spill directory), read by every campaign with its own column settings."""
    if isinstance(candidates, pl.LazyFrame):
        data = candidates.collect()
    elif isinstance(candidates, pl.DataFrame):
        data = candidates
    else:
        try:
            converted = pl.from_arrow(candidates)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "candidates must be a polars DataFrame or LazyFrame or an Arrow table,"
                f" not {type(candidates).__name__}"
            ) from exc
        if not isinstance(converted, pl.DataFrame):
            raise TypeError("candidates must be a table, not a single column")
        data = converted
    if data.width == 0:
        raise InputError("candidates: the frame has no columns")
    settings = {
        (tuple(sorted(c.candidates.columns.items())), c.candidates.list_separator)
        for c in campaigns
    }
    if len(settings) > 1:
        raise ConfigError(
            "candidates: the campaigns read the frame with different candidates.columns /"
            " list_separator",
            hint="a frame is read once per build; give every campaign the same settings",
        )
    path = directory / FRAME_FILE
    data.write_parquet(path)
    path.chmod(0o600)
    first = campaigns[0].candidates
    spec = sources.SourceSpec(path.resolve(), dict(first.columns), first.list_separator)
    return [spec], [[str(spec.path)] for _ in campaigns]


def prepare(
    campaigns: Sequence[Campaign | str | Path],
) -> list[CampaignPlan]:
    """Load, check and resolve campaigns; everything that needs no candidate data."""
    loaded = [c for c in campaigns if isinstance(c, Campaign)]
    paths = [c for c in campaigns if not isinstance(c, Campaign)]
    if paths:
        loaded = load_campaigns([str(p) for p in paths]) + loaded
    problems = Problems()
    plans: list[CampaignPlan] = []
    for i, c in enumerate(loaded):
        try:
            personalize.validate_templates(c)
            plans.append(CampaignPlan(i, c, criteria.resolve(c), [], lint.lint_campaign(c)))
        except ConfigError as exc:
            problems.add(exc)
    problems.raise_any("campaign files")
    return plans


def _read_people(
    con: duckdb.DuckDBPyConnection,
    specs: Sequence[sources.SourceSpec],
    max_bad_rows: int | None,
    cache: SourceCache | None,
    say: Progress,
) -> sources.SourceResult:
    """Tables `people` (enriched rows) and `persons` (person keys within the build), from the
    cache when it holds them for these exact files, code and options; else read, and stored in
    the cache as it is made (`_normalize`, `NewEntry`). Either way, with an entry the build
    reads `people` from it, not from a copy in its memory: that saved 1.5 s of a 1M-row
    build, 13 s of a 10M-row one, where the copy no longer fit the memory budget."""
    key = cache.key(specs, max_bad_rows) if cache is not None else None
    if cache is not None and key is not None:
        cached = cache.load(con, key)
        if cached is not None:
            say("candidates from the cache")
            return cached
    say("reading candidates")
    src = sources.read_sources(
        con, specs, max_bad_rows=max_bad_rows, hashes=key.hashes if key else None
    )
    entry = cache.new_entry(con, key) if cache is not None and key is not None else None
    try:
        say("normalizing")
        entry = _normalize(con, src.table, entry)
        # `people` holds every column of `rows` and nothing reads `rows` again: at 10M rows it
        # is gigabytes of the memory budget or of the spill directory.
        con.execute(f"DROP TABLE {src.table}")
        say("identifying persons")
        assign_person_keys(
            con,
            people=tables.PEOPLE,
            target=tables.PERSONS,
            file_hashes={str(f.path): f.sha256 for f in src.files},
        )
        if entry is not None:
            say("storing candidates in the cache")
            entry.publish(src)
    except BaseException:
        if entry is not None:
            entry.abandon()
        raise
    return src


def _normalize(
    con: duckdb.DuckDBPyConnection, source: str, entry: NewEntry | None
) -> NewEntry | None:
    """Table `people` from `source`: written into the cache `entry` and read through its view
    (`NewEntry`), or in the build's memory without one, or when the entry's file cannot be
    written (a full disk: a cache must never fail a build). Returns the entry still in use."""
    if entry is not None:
        try:
            enrich.enrich(con, source=source, target=tables.PEOPLE, catalog=entry.alias)
        except duckdb.IOException:
            entry.abandon()
        else:
            entry.read_people()
            return entry
    enrich.enrich(con, source=source, target=tables.PEOPLE)
    return None


def read_candidates(ctx: BuildContext) -> None:
    """Step: tables `people` and `persons`, read and normalized or from the cache."""
    ctx.source = _read_people(ctx.con, ctx.specs, ctx.max_bad_rows, ctx.cache, ctx.say)


def match_recorded_persons(ctx: BuildContext) -> None:
    """Step: rows of persons the ledger knows take their recorded key (table `persons`)."""
    if ctx.ledger is not None:
        ctx.say("matching recorded persons")
        ctx.ledger.resolve_identities(ctx.con)


def key_people(ctx: BuildContext) -> None:
    """Step: the view `people_keyed`, each row of `people` with its `person_key` and `component`
    from `persons` (tables.PEOPLE_KEYED).

    A view, not new columns of `people`: rewriting the wide table as a join cost 1.9 s of a
    1M-row build, an UPDATE of two columns 13 s of a 10M-row one. The readers that need the
    key join the narrow `persons` themselves.
    """
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP VIEW {tables.PEOPLE_KEYED} AS"
        f" SELECT * FROM {tables.PEOPLE} JOIN {tables.PERSONS} USING (row_id)"
    )


def _connect(database: str) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """The build's DuckDB connection, with its memory budget and private spill directory.

    Insertion order is not kept by default (it costs memory on big results); every output is
    ordered explicitly, and `sources.read_sources` turns it on while it numbers the rows.
    """
    limit = _memory_limit()
    spill = Path(tempfile.mkdtemp(prefix="planner-spill-"))
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": limit,
        "temp_directory": str(spill),
        "preserve_insertion_order": False,
    }
    try:
        return duck.connect(database, config=config), spill
    except duckdb.Error as exc:
        shutil.rmtree(spill, ignore_errors=True)
        if limit != DEFAULT_MEMORY_LIMIT:
            raise ConfigError(
                f"{MEMORY_LIMIT_ENV}={limit!r} is not a memory size DuckDB accepts",
                hint='use a size such as "512MB" or "4GB", or unset it',
            ) from None
        raise PlannerError(f"cannot open the build database ({type(exc).__name__})") from None
