"""`plan(...)`: the steps of a build, in order, as an explicit sequence (SPEC 5, 8, 9).

    load campaigns -> check templates, lint -> resolve criteria -> read sources -> enrich ->
    person keys -> per campaign: scope + segment -> ledger (caps, outcomes) -> assignment across
    campaigns -> limit -> personalize -> guardrail

The plan is computed once; `write_plan` writes it (real build), the CLI previews it (dry run).
Both share every step but the final write, so a dry run shows exactly what a build would do.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import duckdb
import polars as pl

from planner import __version__, criteria, duck, lint, personalize, segment, sources, suppression
from planner.cache import SourceCache
from planner.config import Campaign, load_campaigns
from planner.contract import EXCLUDED_COLUMNS, REASONS, SEND_LIST_COLUMNS
from planner.duck import frame
from planner.errors import ConfigError, LintError, PlannerError, RefusedError
from planner.normalize import enrich
from planner.persons import assign_person_keys

Progress = Callable[[str], None]

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

    def excluded(self, campaign: CampaignPlan) -> pl.DataFrame:
        """excluded.csv of one campaign (SPEC 8 columns), in input order."""
        return frame(self.con, *excluded_query(campaign))

    @property
    def rejects(self) -> list[sources.Reject]:
        return self.source.rejects

    def close(self) -> None:
        self.con.close()
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: excluded.csv of campaign `$cidx` (SPEC 8 columns), in input order: the rows `dec` gives a
#: reason, and the campaign's files' invalid rows, each at its line. Computed per campaign when
#: it is read or written (never materialized for all campaigns at once). `{seg}` gives the
#: detail of the reasons segmentation gave (`segment.build_detail_sql`, see DEC_DETAIL).
EXCLUDED_SQL = """
SELECT campaign_id, person_key, candidate_id, full_name, reason, detail, eligible_again_on
FROM (
    SELECT c.campaign_id, d.person_key, p.candidate_id,
           coalesce(p.full_name, nullif(concat_ws(' ', p.first_name, p.last_name), ''))
               AS full_name,
           d.reason, {detail} AS detail, d.eligible_again_on, o.file_index,
           p.source_line AS line
    FROM dec d JOIN people p USING (row_id) JOIN _cids c USING (cidx)
    JOIN _file_order o USING (source_file) JOIN ({seg}) s USING (row_id)
    WHERE d.cidx = $cidx AND d.reason IS NOT NULL
    UNION ALL
    SELECT c.campaign_id, NULL, NULL, NULL, 'invalid_row',
           'invalid_row: ' || parse_filename(r.source_file) || ' line ' || r.line::VARCHAR
               || ': ' || r.error,
           NULL::DATE, o.file_index, r.line
    FROM _rejects r JOIN _cfiles f USING (source_file) JOIN _cids c USING (cidx)
    JOIN _file_order o USING (source_file)
    WHERE f.cidx = $cidx
)
ORDER BY file_index, line
"""

#: The detail of a `dec` row (`d`) joined to its segment detail (`s`). `dec.detail` is set only
#: by the steps after segmentation (ledger, assignment, limit, personalization, guardrail);
#: segmentation's own detail is rendered when read. Stored in `dec` and in the segment tables,
#: that text (one per row and campaign) made a 25-campaign build over 1M rows hold 15 GB,
#: spilled to disk under the memory limit.
DEC_DETAIL = "coalesce(d.detail, s.detail)"


def excluded_query(p: CampaignPlan) -> tuple[str, dict[str, Any]]:
    """EXCLUDED_SQL of one campaign and its named parameters."""
    detail_sql, params = segment.build_detail_sql(p.criteria, f"seg_{p.index}")
    sql = EXCLUDED_SQL.replace("{seg}", detail_sql).replace("{detail}", DEC_DETAIL)
    return sql, {**params, "cidx": p.index}


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


def prepare(
    campaigns: Sequence[Campaign | str | Path],
) -> list[CampaignPlan]:
    """Load, check and resolve campaigns; everything that needs no candidate data."""
    loaded = [c for c in campaigns if isinstance(c, Campaign)]
    paths = [c for c in campaigns if not isinstance(c, Campaign)]
    if paths:
        loaded = load_campaigns([str(p) for p in paths]) + loaded
    problems: list[str] = []
    plans: list[CampaignPlan] = []
    for i, c in enumerate(loaded):
        try:
            personalize.validate_templates(c)
            plans.append(CampaignPlan(i, c, criteria.resolve(c), [], lint.lint_campaign(c)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(
            problems[0] if len(problems) == 1 else f"{len(problems)} problems in campaign files",
            problems=problems,
        )
    return plans


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
) -> Plan:
    """Compute who would be contacted for each campaign, and why everyone else would not.

    `ledger` is the ledger step (`planner.ledger.open_for_build`). Without one, nothing the
    ledger decides is applied — frequency caps, opt-outs, cooldowns, "already contacted", the
    guardrail's history — and a `PlanWithoutLedgerWarning` says so; `planner.build(...)` opens
    the default ledger as the CLI does.

    With a `cache` (`planner.cache`), the normalized candidate tables of unchanged input files
    are loaded from it instead of being read and normalized again, and stored in it otherwise.
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
    say = progress or (lambda _msg: None)
    as_of = as_of or _today()
    plans = prepare(campaigns)
    specs, files = source_specs([p.campaign for p in plans])
    for p, mine in zip(plans, files, strict=True):
        p.files = mine

    con, spill = _connect(database)
    try:
        src = _read_people(con, specs, max_bad_rows, cache, say)
        if ledger is not None:
            say("matching recorded persons")
            ledger.resolve_identities(con)
        # Two narrow columns filled in place: rewriting the wide table as a join cost 1.9 s of a
        # 1M-row build, the UPDATE 0.3 s.
        con.execute("ALTER TABLE people ADD COLUMN person_key VARCHAR")
        con.execute("ALTER TABLE people ADD COLUMN component BIGINT")
        con.execute(
            "UPDATE people SET person_key = k.person_key, component = k.component"
            " FROM persons k WHERE people.row_id = k.row_id"
        )
        con.execute(
            "CREATE OR REPLACE TABLE dec (cidx INTEGER, row_id BIGINT, person_key VARCHAR,"
            " fit_score DOUBLE, reason VARCHAR, detail VARCHAR, eligible_again_on DATE)"
        )
        # The follow-up step of each recipient due for one (the ledger fills it; none: step 0).
        con.execute(
            "CREATE OR REPLACE TABLE dec_steps (cidx INTEGER, person_key VARCHAR, step INTEGER)"
        )
        scopes: dict[tuple[str, ...], str] = {}
        for p in plans:
            say(f"segmenting {p.id}")
            scope = _scope(con, p, scopes)
            segment.segment(con, p.criteria, people="people", scope=scope, target=f"seg_{p.index}")
            con.execute(
                f"INSERT INTO dec SELECT ?, row_id, person_key, fit_score, reason, NULL,"
                f" NULL FROM seg_{p.index}",
                [p.index],
            )
        if ledger is not None:
            say("checking the ledger")
            ledger.apply(con, plans, as_of)
        _assign(con, plans)
        _limit(con, plans)
        say("personalizing")
        for p in plans:
            _personalize(con, p)
        _guardrail(con, plans, ledger, as_of)
        for p in plans:
            shares = p.recipients["personal_share"].to_list()
            p.lint = lint.with_personal_share(p.lint, p.campaign, shares)
        _finish(con, plans, src)
    except BaseException:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise
    return Plan(as_of=as_of, con=con, campaigns=plans, source=src, spill=spill)


def _read_people(
    con: duckdb.DuckDBPyConnection,
    specs: Sequence[sources.SourceSpec],
    max_bad_rows: int | None,
    cache: SourceCache | None,
    say: Progress,
) -> sources.SourceResult:
    """Tables `people` (enriched rows) and `persons` (person keys within the build), from the
    cache when it holds them for these exact files, code and options."""
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
    say("normalizing")
    enrich.enrich(con, source=src.table, target="people")
    # `people` holds every column of `rows` and nothing reads `rows` again: at 10M rows it
    # is gigabytes of the memory budget or of the spill directory.
    con.execute(f"DROP TABLE {src.table}")
    say("identifying persons")
    assign_person_keys(
        con,
        people="people",
        target="persons",
        file_hashes={str(f.path): f.sha256 for f in src.files},
    )
    if cache is not None and key is not None:
        cache.store(con, key, src)
    return src


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


def _scope(
    con: duckdb.DuckDBPyConnection, p: CampaignPlan, shared: dict[tuple[str, ...], str]
) -> str:
    """The table of the rows this campaign reads, with duplicates marked within the campaign's
    own rows and the persons on the campaign's suppression files (`planner.suppression`) marked
    suppressed, and those found in its `suppression.in_ats` exports marked in_ats. Campaigns
    without such files that read the same files share one table (`shared`: files -> table); 25
    campaigns over one file spent 22 s rebuilding it."""
    entries, ats = p.criteria.suppression, p.criteria.in_ats
    has_supp = entries is not None and entries.height > 0
    has_ats = ats is not None and ats.height > 0
    suppressing = has_supp or has_ats
    key = tuple(p.files)
    if not suppressing and key in shared:
        return shared[key]
    supp_cols = "FALSE AS suppressed, NULL::VARCHAR AS suppressed_by"
    ats_cols = "FALSE AS in_ats, NULL::VARCHAR AS in_ats_by"
    supp_join = ""
    if entries is not None and has_supp:
        hits = f"_supp_hits_{p.index}"
        suppression.match(con, entries, people="people", target=hits)
        supp_cols = "h.why IS NOT NULL AS suppressed, h.why AS suppressed_by"
        supp_join = f"LEFT JOIN {hits} h USING (person_key)"
    if ats is not None and has_ats:
        hits = f"_ats_hits_{p.index}"
        suppression.match(con, ats, people="people", target=hits, source="ats")
        ats_cols = "a.why IS NOT NULL AS in_ats, a.why AS in_ats_by"
        supp_join += f" LEFT JOIN {hits} a USING (person_key)"
    supp_cols += ", " + ats_cols
    con.execute(
        f"""
        CREATE OR REPLACE TABLE scope_{p.index} AS
        SELECT row_id,
               row_number() OVER (PARTITION BY component ORDER BY row_id) > 1 AS is_duplicate,
               min(row_id) OVER (PARTITION BY component) AS first_row_id,
               parse_filename(first_value(source_file) OVER w) || ' line '
                   || first_value(source_line) OVER w AS first_source,
               {supp_cols}
        FROM people {supp_join} WHERE list_contains(?::VARCHAR[], source_file)
        WINDOW w AS (PARTITION BY component ORDER BY row_id)
        """,
        [p.files],
    )
    if not suppressing:
        shared[key] = f"scope_{p.index}"
    return f"scope_{p.index}"


def _assign(con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan]) -> None:
    """SPEC 5.4: a person eligible for several campaigns goes to the best fit (ties: CLI order)."""
    if len(plans) < 2:
        return
    # Only persons eligible for more than one campaign change; the UPDATE touches just them.
    con.execute(
        """
        UPDATE dec SET reason = 'assigned_to_other_campaign',
            detail = 'assigned_to_other_campaign: a better-fitting campaign of this build'
        FROM (
            SELECT person_key, arg_min(cidx, (-fit_score, cidx)) AS best_cidx
            FROM dec WHERE reason IS NULL GROUP BY person_key HAVING count(DISTINCT cidx) > 1
        ) b
        WHERE dec.person_key = b.person_key AND dec.reason IS NULL AND dec.cidx <> b.best_cidx
        """
    )


def _limit(con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan]) -> None:
    """Keep the best `ranking.limit` recipients per campaign (ties: person key)."""
    for p in plans:
        limit = p.criteria.limit
        if limit is None:
            continue
        con.execute(
            """
            UPDATE dec SET reason = 'over_limit',
                detail = 'over_limit: rank ' || r.rank::VARCHAR || ' of ' || r.n::VARCHAR
                    || ', limit ' || ?::VARCHAR
            FROM (
                SELECT row_id, row_number() OVER (ORDER BY fit_score DESC, person_key) AS rank,
                       count(*) OVER () AS n
                FROM dec WHERE cidx = ? AND reason IS NULL
            ) r
            WHERE dec.cidx = ? AND dec.row_id = r.row_id AND r.rank > ?
            """,
            [limit, p.index, p.index, limit],
        )


_RECIPIENT_SQL = """
SELECT d.row_id, d.person_key, p.candidate_id, p.first_name, p.last_name, p.full_name,
       p.email_norm AS email, p.url_norm AS profile_url, p.title AS current_title,
       p.company AS current_company, p.headline, p.city_name AS city, p.country_code AS country,
       p.seniority, p.years AS years_experience, s.matched_skills, s.fit_score,
       s.distance_km, s.nearest_city, c.best_cue, c.best_cue_kind,
       coalesce(st.step, 0) AS step
FROM dec d JOIN people p USING (row_id) JOIN seg_{i} s USING (row_id)
LEFT JOIN cue_{i} c USING (row_id)
LEFT JOIN dec_steps st ON st.cidx = d.cidx AND st.person_key = d.person_key
WHERE d.cidx = ? AND d.reason IS NULL
ORDER BY d.fit_score DESC, d.person_key
"""


#: `best_cue` of each recipient of campaign `$cidx` (table `cue_{i}`), set-based over them.
#: Cues: the matched skills (kind 0), the words of the title (kind 1; 2+ letters, no digits-only
#: word, none of best_cue_stopwords.txt) and the phrases of the headline (kind 2; split at | • ·
#: , ; / and spaced dashes or @, 3-40 characters). `shared_by` counts the recipients who have
#: the cue (any kind, case-folded). A person's cue is the first by (kind, shared_by, position,
#: text): the rarest matched skill; only without one the rarest title word, then headline phrase.
_BEST_CUE_SQL = r"""
CREATE OR REPLACE TEMP TABLE cue_{i} AS
WITH r AS (
    SELECT d.row_id, s.matched_skills AS skills,
           regexp_split_to_array(coalesce(p.title, ''), '[^\p{L}\p{N}+#]+') AS words,
           regexp_split_to_array(coalesce(p.headline, ''),
                                 '\s*(?:[|•·,;/]|\s[-–—@]\s)\s*') AS phrases
    FROM dec d JOIN people p USING (row_id) JOIN seg_{i} s USING (row_id)
    WHERE d.cidx = $cidx AND d.reason IS NULL
), c AS (
    SELECT row_id, 0 AS kind, unnest(skills) AS cue, generate_subscripts(skills, 1) AS pos
    FROM r WHERE len(skills) > 0
    UNION ALL
    SELECT row_id, 1, unnest(words), generate_subscripts(words, 1) FROM r
    UNION ALL
    SELECT row_id, 2, trim(unnest(phrases)), generate_subscripts(phrases, 1) FROM r
), ok AS (
    SELECT DISTINCT row_id, kind, cue, lower(cue) AS k, pos FROM c
    WHERE (kind = 0 AND cue IS NOT NULL AND cue <> '')
       OR (kind = 1 AND length(cue) >= 2 AND NOT regexp_full_match(cue, '[0-9]+')
           AND lower(cue) NOT IN (SELECT word FROM _cue_stopwords))
       OR (kind = 2 AND length(cue) BETWEEN 3 AND 40)
), freq AS (
    SELECT k, count(DISTINCT row_id) AS shared_by FROM ok GROUP BY k
)
SELECT row_id,
       arg_min(cue, (kind, shared_by, pos, k)) AS best_cue,
       arg_min(kind, (kind, shared_by, pos, k)) AS best_cue_kind,
       arg_min(shared_by, (kind, shared_by, pos, k)) AS best_cue_shared_by,
       (SELECT count(*) FROM r) AS best_cue_of
FROM ok JOIN freq USING (k)
GROUP BY row_id
"""
#: best_cue_kind -> what explain calls it.
CUE_KINDS = ("matched skill", "title word", "headline phrase")


def _best_cues(con: duckdb.DuckDBPyConnection, p: CampaignPlan) -> None:
    from planner.normalize import _data

    words = pl.DataFrame({"word": [w.lower() for w in _data.lines("best_cue_stopwords.txt")]})
    con.register("_cue_stopwords", words)
    try:
        con.execute(_BEST_CUE_SQL.replace("{i}", str(p.index)), {"cidx": p.index})
    finally:
        con.unregister("_cue_stopwords")


def _personalize(con: duckdb.DuckDBPyConnection, p: CampaignPlan) -> None:
    """Render messages for the recipients; broken ones go to insufficient_personalization."""
    _best_cues(con, p)
    rows = frame(con, _RECIPIENT_SQL.format(i=p.index), [p.index])
    records = rows.to_dicts()
    for r in records:
        skills = r["matched_skills"] or []
        r["top_skill"] = skills[0] if skills else None
        if r["years_experience"] is not None and math.isnan(r["years_experience"]):
            r["years_experience"] = None
    rendered = _render_steps(p.campaign, records)
    failed = [
        (p.index, r["row_id"], f"insufficient_personalization: {out.detail}")
        for r, out in zip(records, rendered, strict=True)
        if not out.ok
    ]
    if failed:
        con.executemany(
            "UPDATE dec SET reason = 'insufficient_personalization', detail = ?"
            " WHERE cidx = ? AND row_id = ?",
            [(d, c, r) for c, r, d in failed],
        )
    ok = [(r, out) for r, out in zip(records, rendered, strict=True) if out.ok]
    data: dict[str, list[Any]] = {name: [] for name in SEND_LIST_COLUMNS}
    for r, out in ok:
        row = {
            "run_id": None,
            "campaign_id": p.id,
            "person_key": r["person_key"],
            "candidate_id": r["candidate_id"],
            "first_name": out.first_name,
            "last_name": out.last_name or r["last_name"],
            "full_name": out.full_name or r["full_name"],
            "email": r["email"],
            "profile_url": r["profile_url"],
            "current_title": r["current_title"],
            "current_company": r["current_company"],
            "city": r["city"],
            "country": r["country"],
            "seniority": r["seniority"],
            "years_experience": r["years_experience"],
            "matched_skills": list(r["matched_skills"] or []),
            "top_skill": r["top_skill"],
            "fit_score": r["fit_score"],
            "reasons": list(out.reasons),
            "subject": out.subject if r["step"] == 0 else FOLLOWUP_SUBJECT_PREFIX + out.subject,
            "message": out.message,
            "personal_fields": out.personal_fields,
            "personal_share": out.personal_share,
            "step": r["step"],
        }
        for name in SEND_LIST_COLUMNS:
            data[name].append(row[name])
    p.recipients = pl.DataFrame(data, schema=SEND_LIST_SCHEMA)


#: A follow-up keeps the campaign's subject, as a reply in the same thread would.
FOLLOWUP_SUBJECT_PREFIX: Final = "Re: "


def _render_steps(campaign: Campaign, records: list[dict[str, Any]]) -> list[personalize.Rendered]:
    """Each recipient's message of their step (0: the body; k: follow-up k), in input order."""
    steps = sorted({r["step"] for r in records})
    if steps in ([], [0]):
        return personalize.render(campaign, records)
    out: list[personalize.Rendered | None] = [None] * len(records)
    for step in steps:
        idx = [i for i, r in enumerate(records) if r["step"] == step]
        rendered = personalize.render(campaign, [records[i] for i in idx], step=step)
        for i, one in zip(idx, rendered, strict=True):
            out[i] = one
    return [one for one in out if one is not None]


SEND_LIST_SCHEMA: dict[str, Any] = {
    **{name: pl.Utf8 for name in SEND_LIST_COLUMNS},
    "years_experience": pl.Float64,
    "matched_skills": pl.List(pl.Utf8),
    "fit_score": pl.Float64,
    "reasons": pl.List(pl.Utf8),
    "personal_fields": pl.Int64,
    "personal_share": pl.Float64,
    "step": pl.Int64,
}


def _guardrail(
    con: duckdb.DuckDBPyConnection,
    plans: Sequence[CampaignPlan],
    ledger: LedgerStep | None,
    as_of: date,
) -> None:
    """SPEC 6.4, per campaign from its sender's history (`planner.ledger.responses`).

    When triggered: `warn` only reports; `limit` keeps the `limit_to` best recipients (send-list
    order) and gives the others reason `guardrail`; `block` reports, and `check_guardrail`
    refuses the real build (exit 1). Without a ledger there is no history: no sample, status ok.
    """
    from planner.ledger import responses

    windows = [(p.campaign.sender.id, p.campaign.guardrail.window_days) for p in plans]
    counts = ledger.guardrail_counts(con, windows, as_of) if ledger is not None else {}
    for p in plans:
        g = p.campaign.guardrail
        touches, answered = counts.get((p.campaign.sender.id, g.window_days), (0, 0))
        fired = responses.triggered(
            touches, answered, min_sample=g.min_sample, min_response_rate=g.min_response_rate
        )
        cut = 0
        if fired and g.action == "limit" and p.recipients.height > g.limit_to:
            cut = p.recipients.height - g.limit_to
            con.execute(
                """
                UPDATE dec SET reason = 'guardrail',
                    detail = 'guardrail: sender ' || $sender || ' has a response rate of '
                        || $rate || ' over the last ' || $window::VARCHAR
                        || ' days; the send list is limited to the best ' || $keep::VARCHAR
                FROM (
                    SELECT row_id, row_number() OVER (ORDER BY fit_score DESC, person_key) AS rank
                    FROM dec WHERE cidx = $cidx AND reason IS NULL
                ) r
                WHERE dec.cidx = $cidx AND dec.row_id = r.row_id AND r.rank > $keep
                """,
                {
                    "sender": p.campaign.sender.id,
                    "rate": f"{answered / touches:.1%} ({answered} of {touches})",
                    "window": g.window_days,
                    "keep": g.limit_to,
                    "cidx": p.index,
                },
            )
            p.recipients = p.recipients.head(g.limit_to)
        p.guardrail = {
            "sender": p.campaign.sender.id,
            "window_days": g.window_days,
            "touches": touches,
            "responses": answered,
            "rate": responses.rate(touches, answered),
            "min_sample": g.min_sample,
            "min_response_rate": g.min_response_rate,
            "action": g.action,
            "triggered": fired,
            "status": g.action if fired else "ok",
            "limit_to": g.limit_to,
            "cut": cut,
        }


def _finish(
    con: duckdb.DuckDBPyConnection, plans: Sequence[CampaignPlan], src: sources.SourceResult
) -> None:
    """The small tables EXCLUDED_SQL joins (file order, rejects, campaign files and ids) and
    each campaign's funnel."""
    file_order = pl.DataFrame(
        {"source_file": [str(f.path) for f in src.files], "file_index": range(len(src.files))},
        schema={"source_file": pl.Utf8, "file_index": pl.Int32},
    )
    rejects = pl.DataFrame(
        {
            "source_file": [r.file for r in src.rejects],
            "line": [r.line for r in src.rejects],
            "error": [r.error for r in src.rejects],
        },
        schema={"source_file": pl.Utf8, "line": pl.Int64, "error": pl.Utf8},
    )
    cfiles = pl.DataFrame(
        {
            "cidx": [p.index for p in plans for _ in p.files],
            "source_file": [f for p in plans for f in p.files],
        },
        schema={"cidx": pl.Int32, "source_file": pl.Utf8},
    )
    cids = pl.DataFrame(
        {"cidx": [p.index for p in plans], "campaign_id": [p.id for p in plans]},
        schema={"cidx": pl.Int32, "campaign_id": pl.Utf8},
    )
    for name, data in [
        ("_file_order", file_order),
        ("_rejects", rejects),
        ("_cfiles", cfiles),
        ("_cids", cids),
    ]:
        con.register(f"{name}_frame", data.to_arrow())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
        con.unregister(f"{name}_frame")
    counts = con.execute(
        """
        SELECT cidx, reason, count(*) FROM dec WHERE reason IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT f.cidx, 'invalid_row', count(*) FROM _rejects r JOIN _cfiles f USING (source_file)
        GROUP BY ALL
        """
    ).fetchall()
    for p in plans:
        funnel = {reason: 0 for reason in REASONS}
        for cidx, reason, n in counts:
            if cidx == p.index:
                funnel[reason] += n
        funnel["recipients"] = p.recipients.height
        p.funnel = funnel


# --------------------------------------------------------------------------- writing


def new_run_id() -> str:
    """A fresh run id: the real date and time (UTC) and randomness, unique across machines.

    Not the as-of date: a build planned "as of" another day still happened now, and the ids of
    `planner ledger runs` sort in the order the runs were made.
    """
    now = datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Written:
    """What a real build wrote for one campaign."""

    campaign_id: str
    run_id: str
    out_dir: Path
    recipients: int
    files: dict[str, str]  # file name -> sha256
    #: format -> recipients that format's importer could not take (`export.incomplete_summary`)
    incomplete: dict[str, dict[str, Any]] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _output_dir(final: Path) -> Path:
    """Where one campaign's files go: a new or empty directory, symlinks resolved.

    The staging directory is renamed over `final` at the end, and a crashed build's next writer
    does the same from the ledger's record: both need the real directory, since a rename
    never replaces a symlink's target. So a symlink is resolved here, before the run is
    announced; anything that is not an empty directory is refused before then too.
    """
    if final.is_symlink():
        final = final.resolve()
    if final.exists() and not final.is_dir():
        raise PlannerError(
            f"{final}: output path is a file, not a directory",
            hint="choose another --out directory",
        )
    if final.exists() and any(final.iterdir()):
        raise PlannerError(
            f"{final}: output directory is not empty",
            hint="choose another --out directory or remove the old files",
        )
    return final


def _staging_dir(final: Path) -> Path:
    """A hidden sibling of `final` where its files are written before the rename."""
    return final.parent / f".{final.name}.tmp-{secrets.token_hex(4)}"


def check_lint(plan_: Plan, *, allow_lint_errors: bool) -> None:
    """A real build refuses to run with lint errors (exit 1) unless allowed."""
    if allow_lint_errors:
        return
    errors = [(p, f) for p in plan_.campaigns for f in p.lint if f.severity == "error"]
    if errors:
        first_plan, first = errors[0]
        raise LintError(
            f"{first_plan.campaign.file}: message has {len(errors)} lint error(s), first:"
            f" {first.rule}: {first.message}",
            hint="run `planner lint` for all findings, fix the message, or pass"
            " --allow-lint-errors",
        )


def check_guardrail(plan_: Plan) -> None:
    """A real build refuses to run when a sender's guardrail action is `block` (SPEC 6.4)."""
    blocked = [p for p in plan_.campaigns if p.guardrail.get("status") == "block"]
    if blocked:
        g = blocked[0].guardrail
        raise RefusedError(
            f"{blocked[0].campaign.file}: sender {g['sender']} has a response rate of"
            f" {g['rate']:.1%} over the last {g['window_days']} days ({g['responses']} of"
            f" {g['touches']} touches), under {g['min_response_rate']:.0%}; guardrail blocks",
            hint="import outcomes (`planner ledger import-outcomes`), narrow the audience, or"
            " set guardrail.action to warn/limit",
        )


@_memory_errors()
def write_plan(
    plan_: Plan,
    *,
    out: Path | None = None,
    formats: Sequence[str] = (),
    run_id: str | None = None,
    ledger: LedgerWriter | None = None,
) -> list[Written]:
    """Write the SPEC 8 files of every campaign of the plan; returns what was written.

    Every file is written into a hidden staging directory next to its final place. With a
    ledger, the run is announced first (`begin_run`), recorded with its touches and send lists
    in one transaction once every file is complete (`record_run`), and only then are the
    staging directories renamed into place (`finish_run`). A crash before the commit leaves no
    send list (the next writer removes the staging directories); a crash after it leaves files
    the ledger knows about (the next writer renames them). See `planner.ledger.core`.
    """
    from planner import export, report

    run_id = run_id or new_run_id()
    single = len(plan_.campaigns) == 1
    targets: list[tuple[CampaignPlan, Path, Path]] = []
    for p in plan_.campaigns:
        final = Path("out") / p.id / run_id if out is None else out if single else out / p.id
        final = _output_dir(final)
        targets.append((p, final, _staging_dir(final)))
    if ledger is not None:
        ledger.begin_run(run_id, plan_.as_of, [(p.id, tmp, final) for p, final, tmp in targets])
    committed = False
    try:
        written: list[Written] = []
        send_lists: dict[str, pl.DataFrame] = {}
        # One report of the whole build, beside each campaign's send list (issue 16).
        report_html = report.render_html(report.from_plan(plan_, run_id=run_id))
        for p, final, tmp in targets:
            tmp.mkdir(parents=True, mode=0o700)
            send_list = p.recipients.with_columns(pl.lit(run_id).alias("run_id")).select(
                SEND_LIST_COLUMNS
            )
            send_lists[p.id] = send_list
            hashes: dict[str, str] = {}
            wanted = list(dict.fromkeys(["csv", *p.campaign.export.formats, *formats]))
            for fmt in wanted:
                for path in export.export(send_list, p.campaign, fmt, tmp):
                    hashes[path.name] = _sha256(path)
            incomplete = export.incomplete_summary(send_list, p.campaign, wanted)
            hashes["excluded.csv"] = export.write_query_csv(
                plan_.con, *excluded_query(p), tmp / "excluded.csv"
            )
            hashes[report.REPORT_NAME] = report.write_report(report_html, tmp / report.REPORT_NAME)
            if "parquet" in wanted:
                hashes["excluded.parquet"] = _write_excluded_parquet(
                    plan_.con, p, tmp / "excluded.parquet"
                )
            mine = [r for r in plan_.rejects if r.file in p.files]
            if mine:
                rejects = pl.DataFrame(
                    {
                        "file": [r.file for r in mine],
                        "line": [r.line for r in mine],
                        "error": [r.error for r in mine],
                        "column": [r.column for r in mine],
                    },
                    schema={"file": pl.Utf8, "line": pl.Int64, "error": pl.Utf8, "column": pl.Utf8},
                )
                hashes["rejects.csv"] = export.write_csv(rejects, tmp / "rejects.csv")
            manifest = manifest_of(plan_, p, run_id, hashes)
            manifest["export_incomplete"] = incomplete
            _write_json(tmp / "manifest.json", manifest)
            written.append(Written(p.id, run_id, final, send_list.height, hashes, incomplete))
        if ledger is not None:
            ledger.record_run(run_id, plan_.campaigns, plan_.as_of, send_lists, plan_.con)
        committed = True
        for _p, final, tmp in targets:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.is_dir():
                final.rmdir()
            os.replace(tmp, final)
        if ledger is not None:
            ledger.finish_run(run_id)
        return written
    except BaseException:
        if not committed:
            for _p, _final, tmp in targets:
                shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_excluded_parquet(con: duckdb.DuckDBPyConnection, p: CampaignPlan, path: Path) -> str:
    """excluded.parquet (the rows and columns of excluded.csv, typed) when the campaign's
    export formats ask for parquet; DuckDB writes it straight from the query. Returns sha256."""
    from planner.export.atomic import atomic_path, sha256_file

    sql, params = excluded_query(p)
    with atomic_path(path) as tmp:
        con.execute(
            f"COPY ({sql}) TO $_target (FORMAT parquet, COMPRESSION zstd)",
            {**params, "_target": str(tmp)},
        ).fetchall()
        os.chmod(tmp, 0o600)
        digest = sha256_file(tmp)
    return digest


def manifest_of(
    plan_: Plan, p: CampaignPlan, run_id: str, outputs: dict[str, str]
) -> dict[str, Any]:
    """manifest.json: what went in, what came out, and the counts per reason."""
    inputs = {str(f.path): f.sha256 for f in plan_.source.files if str(f.path) in p.files}
    return {
        "tool": "planner",
        "version": __version__,
        "run_id": run_id,
        "campaign_id": p.id,
        "campaign_file": str(p.campaign.file),
        "campaign_sha256": p.campaign.sha256,
        "as_of": plan_.as_of.isoformat(),
        "inputs": inputs,
        "counts": p.funnel,
        "outputs": dict(sorted(outputs.items())),
        "lint": [f.as_dict() for f in p.lint],
        "guardrail": p.guardrail,
        "messages": message_stats(p),
    }


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def message_stats(p: CampaignPlan) -> dict[str, Any]:
    """How personal the campaign's messages are: the distribution of `personal_share` over its
    recipients (None without recipients) and how many would get a byte-identical body."""
    shares = p.recipients["personal_share"]
    dupes = p.recipients.group_by("message").len().filter(pl.col("len") > 1)
    identical = {"recipients": int(dupes["len"].sum()), "messages": dupes.height}
    if shares.is_empty():
        return {"personal_share": None, "identical_messages": identical}

    def q(x: float) -> float:
        return round(float(shares.quantile(x, "linear") or 0.0), 4)

    return {
        "personal_share": {
            "median": q(0.5),
            "p10": q(0.1),
            "p90": q(0.9),
            "min": round(float(shares.min() or 0.0), 4),  # type: ignore[arg-type]
        },
        "identical_messages": identical,
    }


def recipients_json(p: CampaignPlan) -> list[dict[str, Any]]:
    """Recipients as JSON-ready dicts (lists kept as lists)."""
    return [{k: v for k, v in row.items() if k != "run_id"} for row in p.recipients.to_dicts()]


__all__ = [
    "EXCLUDED_COLUMNS",
    "CampaignPlan",
    "LedgerStep",
    "Plan",
    "Written",
    "check_guardrail",
    "check_lint",
    "manifest_of",
    "message_stats",
    "new_run_id",
    "plan",
    "prepare",
    "write_plan",
]


# --------------------------------------------------------------------------- reading a plan


def plan_json(plan_: Plan, *, summary_top: int | None = None) -> dict[str, Any]:
    """The `--dry-run --json` document (SPEC 9 keys).

    `summary_top`: a summary instead (`--summary`): the best `summary_top` recipients of each
    campaign and no `excluded` list, so a preview of a 300k-row build stays small; everything
    else (funnel, lint, guardrail) is the same.
    """
    recipients: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for p in plan_.campaigns:
        if summary_top is not None:
            recipients.extend(recipients_json(p)[:summary_top])
            continue
        recipients.extend(recipients_json(p))
        excluded.extend(
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
            for row in plan_.excluded(p).to_dicts()
        )
    summary = {} if summary_top is None else {"summary": {"top": summary_top}}
    excluded_key = {} if summary_top is not None else {"excluded": excluded}
    return {
        **summary,
        "as_of": plan_.as_of.isoformat(),
        "campaigns": [
            {
                "campaign_id": p.id,
                "file": str(p.campaign.file),
                "role": p.campaign.role.model_dump(),
                "sender": p.campaign.sender.id,
                "inputs": p.files,
                "recipients": p.recipients.height,
                **message_stats(p),
            }
            for p in plan_.campaigns
        ],
        "recipients": recipients,
        **excluded_key,
        "funnel": {p.id: p.funnel for p in plan_.campaigns},
        "lint": [{"campaign_id": p.id, **f.as_dict()} for p in plan_.campaigns for f in p.lint],
        "guardrail": {p.id: p.guardrail for p in plan_.campaigns},
    }


_SEGMENT_FLAGS: Final = {code: col for col, code in segment.SEGMENT_CHECKS}
#: Reasons the ledger decides (outcomes, touches); the other later reasons are build steps.
_LEDGER_REASONS: Final = frozenset(
    {
        "suppressed",
        "disinterest_cooldown",
        "snoozed",
        "followup_not_due",
        "already_contacted_for_campaign",
        "frequency_cap",
    }
)


def _explain_checks(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every check of SPEC 5.1 after the row was read, in order, with who decided it.

    Segmentation's checks are its flags (a row can fail several); the later ones (ledger, caps,
    assignment, limit, personalization, guardrail) are decided one at a time, so the check that
    gave the row its reason is the one that failed.
    """
    checks: list[dict[str, Any]] = []
    for code in REASONS:
        if code == "invalid_row":
            continue
        col = _SEGMENT_FLAGS.get(code)
        flagged = col is not None and bool(row.get(col))
        decided = row["decision"] == code
        # `suppressed` is both a list check (segmentation) and an opt-out in the ledger.
        if flagged or (col is not None and not decided):
            by = "segment"
        else:
            by = "ledger" if code in _LEDGER_REASONS else "build"
        checks.append({"reason": code, "failed": flagged or decided, "by": by})
    return checks


def _resolved(row: Mapping[str, Any], p: CampaignPlan) -> dict[str, Any]:
    """What normalization made of the row: the values the checks compared."""
    from planner.normalize.locations import haversine_km

    lat, lon = row["resolved_lat"], row["resolved_lon"]
    return {
        "seniority": row["seniority"],
        "city": row["resolved_city"],
        "country": row["resolved_country"],
        "company": row["resolved_company"],
        "years_experience": row["resolved_years"],
        "distance_km": {
            c.name: (
                None
                if lat is None or lon is None
                else round(haversine_km(lat, lon, c.lat, c.lon), 1)
            )
            for c in p.criteria.cities
        },
    }


def _cue_json(r: dict[str, Any]) -> dict[str, Any] | None:
    """explain's `best_cue` of a row that reached personalization (None for the others)."""
    if r["best_cue"] is None:
        return None
    return {
        "cue": personalize.recipient_values(r, ["best_cue"])["best_cue"],
        "kind": CUE_KINDS[r["best_cue_kind"]],
        "shared_by": r["best_cue_shared_by"],
        "recipients": r["best_cue_of"],
    }


def explain(plan_: Plan, person: str) -> list[dict[str, Any]]:
    """Each criterion pass/fail, the score parts and the decision for the rows of one person.

    `person` is an email, a profile URL, a person key or a candidate id.
    """
    from planner.normalize import identity

    email = identity.normalize_email(person)
    url = identity.normalize_profile_url(person) if "/" in person else None
    keys = [
        r[0]
        for r in plan_.con.execute(
            "SELECT DISTINCT person_key FROM people WHERE person_key = ? OR email_norm = ?"
            " OR url_norm = ? OR candidate_id = ?",
            [person, email, url, person],
        ).fetchall()
    ]
    if not keys:
        raise ConfigError(
            "no row of the campaign's candidate files matches that person",
            hint="give an email, profile URL, person key or candidate id from the input",
        )
    found: list[dict[str, Any]] = []
    for p in plan_.campaigns:
        mine = f"(SELECT * FROM seg_{p.index} WHERE list_contains($keys::VARCHAR[], person_key))"
        detail_sql, params = segment.build_detail_sql(p.criteria, mine)
        rows = frame(
            plan_.con,
            f"""
            SELECT g.*, d.reason AS decision, {DEC_DETAIL} AS final_detail,
                   d.eligible_again_on, p.source_file, p.source_line,
                   p.city_name AS resolved_city, p.country_code AS resolved_country,
                   p.company_norm AS resolved_company, p.years AS resolved_years,
                   p.lat AS resolved_lat, p.lon AS resolved_lon, c.best_cue,
                   c.best_cue_kind, c.best_cue_shared_by, c.best_cue_of
            FROM {mine} g JOIN dec d ON d.row_id = g.row_id AND d.cidx = $cidx
            JOIN ({detail_sql}) s ON s.row_id = g.row_id
            JOIN people p ON p.row_id = g.row_id
            LEFT JOIN cue_{p.index} c ON c.row_id = g.row_id
            ORDER BY g.row_id
            """,
            {**params, "cidx": p.index, "keys": keys},
        )
        for r in rows.to_dicts():
            found.append(
                {
                    "campaign_id": p.id,
                    "person_key": r["person_key"],
                    "source": f"{Path(r['source_file']).name}:{r['source_line']}",
                    "decision": r["decision"] or "recipient",
                    "detail": r["final_detail"],
                    "eligible_again_on": (
                        r["eligible_again_on"].isoformat() if r["eligible_again_on"] else None
                    ),
                    "checks": _explain_checks(r),
                    "resolved": _resolved(r, p),
                    "fit_score": r["fit_score"],
                    "score_parts": {
                        "skills": r["skills_part"],
                        "title": r["title_part"],
                        "seniority": r["seniority_part"],
                        "location": r["location_part"],
                        "open_to_work": r["open_part"],
                    },
                    "weights": p.criteria.weights,
                    "matched_skills": list(r["matched_skills"] or []),
                    "seniority": r["seniority"],
                    "distance_km": r["distance_km"],
                    "best_cue": _cue_json(r),
                }
            )
    return found
