"""Writing a real build: the refusals, the staging directories, the SPEC 8 files, the manifest
and the ledger's record of the run."""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner import __version__
from planner.contract import SEND_LIST_COLUMNS
from planner.errors import LintError, PlannerError, RefusedError
from planner.export.atomic import atomic_path, sync_and_hash
from planner.files import sha256_file
from planner.pipeline.context import CampaignPlan, LedgerWriter, Plan, _memory_errors
from planner.pipeline.decisions import excluded_query


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
    from planner import report

    run_id = run_id or new_run_id()
    single = len(plan_.campaigns) == 1
    targets: list[tuple[CampaignPlan, Path, Path]] = []
    for p in plan_.campaigns:
        final = Path("out") / p.id / run_id if out is None else out if single else out / p.id
        final = _output_dir(final)
        targets.append((p, final, _staging_dir(final)))
    if ledger is not None:
        ledger.begin_run(run_id, plan_.as_of, [(p.id, tmp, final) for p, final, tmp in targets])
    # One report of the whole build, beside each campaign's send list (issue 16). Its data
    # comes from the connection, here; its charts are rendered to SVG (about a second, none of
    # it DuckDB's) in a thread while DuckDB writes the first excluded.csv.
    report_data = report.from_plan(plan_, run_id=run_id)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="planner-report") as pool:
        report_html = pool.submit(report.render_html, report_data)
        return _write_targets(plan_, targets, formats, run_id, ledger, report_html)


@dataclass(frozen=True)
class _Finishing:
    """One campaign's files, written into its staging directory; excluded.csv is still being
    fsynced and hashed in a thread while DuckDB writes the next campaign's files."""

    plan: CampaignPlan
    staging: Path
    send_list: pl.DataFrame
    written: Written
    excluded: concurrent.futures.Future[str]


def _write_targets(
    plan_: Plan,
    targets: list[tuple[CampaignPlan, Path, Path]],
    formats: Sequence[str],
    run_id: str,
    ledger: LedgerWriter | None,
    report_html: concurrent.futures.Future[str],
) -> list[Written]:
    """`write_plan`'s files, record and renames, once the run is announced."""
    committed = False
    try:
        # excluded.csv is the largest file (about 200 MB per 1M rows): its fsync and hash
        # (0.4 s per 1M rows) run in this thread, overlapping DuckDB's next COPY; over 25
        # campaigns that was 10 s of a 115 s build spent waiting on neither core.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="planner-sync") as disk:
            finishing = [
                _write_campaign(plan_, p, tmp, final, formats, run_id, report_html, disk)
                for p, final, tmp in targets
            ]
            for f in finishing:
                f.written.files["excluded.csv"] = f.excluded.result()
        for f in finishing:
            manifest = manifest_of(plan_, f.plan, run_id, f.written.files)
            manifest["export_incomplete"] = f.written.incomplete
            _write_json(f.staging / "manifest.json", manifest)
        written = [f.written for f in finishing]
        if ledger is not None:
            send_lists = {f.plan.id: f.send_list for f in finishing}
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


def _write_campaign(
    plan_: Plan,
    p: CampaignPlan,
    tmp: Path,
    final: Path,
    formats: Sequence[str],
    run_id: str,
    report_html: concurrent.futures.Future[str],
    disk: concurrent.futures.ThreadPoolExecutor,
) -> _Finishing:
    """One campaign's SPEC 8 files (all but manifest.json) in its staging directory `tmp`."""
    from planner import export, report

    tmp.mkdir(parents=True, mode=0o700)
    send_list = p.recipients.with_columns(pl.lit(run_id).alias("run_id")).select(SEND_LIST_COLUMNS)
    hashes: dict[str, str] = {}
    wanted = list(dict.fromkeys(["csv", *p.campaign.export.formats, *formats]))
    for fmt in wanted:
        for path in export.export(send_list, p.campaign, fmt, tmp):
            hashes[path.name] = sha256_file(path)
    incomplete = export.incomplete_summary(send_list, p.campaign, wanted)
    excluded = tmp / "excluded.csv"
    export.copy_query_csv(plan_.con, *excluded_query(p), excluded, sync=False)
    hashes["excluded.csv"] = ""  # its place in the manifest; the digest comes from the thread
    pending = disk.submit(sync_and_hash, excluded)
    hashes[report.REPORT_NAME] = report.write_report(report_html.result(), tmp / report.REPORT_NAME)
    if "parquet" in wanted:
        hashes["excluded.parquet"] = _write_excluded_parquet(plan_.con, p, tmp / "excluded.parquet")
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
    written = Written(p.id, run_id, final, send_list.height, hashes, incomplete)
    return _Finishing(p, tmp, send_list, written, pending)


def _write_excluded_parquet(con: duckdb.DuckDBPyConnection, p: CampaignPlan, path: Path) -> str:
    """excluded.parquet (the rows and columns of excluded.csv, typed) when the campaign's
    export formats ask for parquet; DuckDB writes it straight from the query. Returns sha256."""
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
