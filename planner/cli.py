"""The `planner` command line: parse arguments, call one library function, print, map errors.

No SQL and no dataframe logic here. Data goes to stdout, diagnostics to stderr as
`planner: error: ...` lines with a hint. Exit codes (SPEC 9): 0 ok, 1 refused, 2 usage or
campaign file error, 3 input data error, 4 ledger busy or damaged.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from planner import __version__
from planner.errors import ConfigError, PlannerError

app = typer.Typer(
    name="planner",
    help="Plan responsible outreach campaigns: segment, cap, personalize, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _box() -> box.Box | None:
    return box.SIMPLE_HEAD if out.is_terminal else None


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--as-of: '{value}' is not a date", hint="use YYYY-MM-DD, e.g. 2026-11-01"
        ) from None


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """A status line on a terminal; nothing at all otherwise."""
    if not err.is_terminal:
        yield lambda _msg: None
        return
    with err.status("starting") as status:
        yield lambda msg: status.update(msg)


CampaignArgs = Annotated[list[Path], typer.Argument(help="Campaign YAML file(s).")]
LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger", envvar="PLANNER_LEDGER", help="Ledger file (default .planner/ledger.duckdb)."
    ),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Plan as of this date (YYYY-MM-DD); default today.")
]


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to put the example.")] = Path("."),
) -> None:
    """Write an example campaign and sample candidates that build as is."""
    from planner.examples import write_example

    written = write_example(directory)
    for path in written:
        out.print(str(path))
    err.print(f"planner: next: planner build {directory / 'example.yaml'} --dry-run", style="dim")


@app.command()
def validate(campaigns: CampaignArgs) -> None:
    """Check campaign files and their inputs; list every problem at once."""
    from planner.validate import validate_campaigns

    report = validate_campaigns(campaigns)
    for line in report:
        out.print(line)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the campaign file (for editors)."""
    from planner.config import schema_json

    sys.stdout.write(schema_json())


@app.command(name="lint")
def lint_cmd(
    campaigns: CampaignArgs,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Report message quality findings (rule, severity, position). Exit 1 on errors."""
    from planner.config import load_campaigns
    from planner.lint import lint_campaign
    from planner.personalize import validate_templates

    loaded = load_campaigns([str(c) for c in campaigns])
    results = []
    for c in loaded:
        validate_templates(c)
        results.append((c, lint_campaign(c)))
    if as_json:
        doc = [
            {"campaign_id": c.id, "file": str(c.file), "findings": [f.as_dict() for f in fs]}
            for c, fs in results
        ]
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        for c, fs in results:
            if not fs:
                out.print(f"{c.file}: no findings")
            for f in fs:
                out.print(
                    f"{c.file}: message.{f.field}:{f.line}:{f.column}: {f.severity}: "
                    f"{f.rule}: {f.message}"
                )
    if any(f.severity == "error" for _, fs in results for f in fs):
        raise typer.Exit(1)


@app.command()
def build(
    campaigns: CampaignArgs,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Preview; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory.")] = None,
    ledger: LedgerOpt = None,
    as_of: AsOfOpt = None,
    formats: Annotated[
        list[str] | None, typer.Option("--format", help="Extra export format (repeatable).")
    ] = None,
    allow_lint_errors: Annotated[
        bool, typer.Option("--allow-lint-errors", help="Build even with lint errors.")
    ] = False,
    max_bad_rows: Annotated[
        int | None,
        typer.Option("--max-bad-rows", min=0, help="Accept up to N bad rows per input file."),
    ] = None,
) -> None:
    """Plan the campaign(s): write send lists, or preview them with --dry-run."""
    from planner import pipeline
    from planner.cache import default_cache
    from planner.contract import FORMATS

    for fmt in formats or []:
        if fmt not in FORMATS:
            raise ConfigError(
                f"--format: unknown format '{fmt}'", hint="use one of: " + ", ".join(FORMATS)
            )
    from planner.ledger import open_for_build

    # A real build holds the ledger's writer lock from before it reads the ledger until its run
    # is recorded, so a second build waits instead of planning against stale caps.
    with (
        closing(open_for_build(ledger, dry_run=dry_run)) as led,
        _progress() as say,
    ):
        plan = pipeline.plan(
            campaigns,
            as_of=_as_of(as_of),
            ledger=led,
            max_bad_rows=max_bad_rows,
            progress=say,
            # A dry run reads the candidate cache but writes nothing, the cache included.
            cache=default_cache(write=not dry_run),
        )
        try:
            if dry_run:
                if as_json:
                    _print_json(pipeline.plan_json(plan))
                else:
                    _preview(plan)
                return
            pipeline.check_lint(plan, allow_lint_errors=allow_lint_errors)
            pipeline.check_guardrail(plan)
            _guardrail_notes(plan)
            written = pipeline.write_plan(plan, out=out_dir, formats=formats or [], ledger=led)
        finally:
            plan.close()
    run_id = written[0].run_id if written else ""
    if as_json:
        _print_json(
            {
                "run_id": run_id,
                "campaigns": [
                    {"campaign_id": w.campaign_id, "out_dir": str(w.out_dir), "files": w.files}
                    for w in written
                ],
            }
        )
    else:
        for w in written:
            out.print(f"{w.campaign_id}: {w.recipients} recipients -> {w.out_dir}")
        out.print(f"run {run_id} recorded in the ledger")


@app.command()
def explain(
    campaign: Annotated[Path, typer.Argument(help="Campaign YAML file.")],
    person: Annotated[str, typer.Argument(help="Email, profile URL, person key or candidate id.")],
    ledger: LedgerOpt = None,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Why this person is in or out: every criterion, the score parts, the decision."""
    from planner import pipeline
    from planner.cache import default_cache
    from planner.ledger import open_for_build

    with closing(open_for_build(ledger, dry_run=True)) as led:
        plan = pipeline.plan(
            [campaign], as_of=_as_of(as_of), ledger=led, cache=default_cache(write=False)
        )
        try:
            found = pipeline.explain(plan, person)
        finally:
            plan.close()
    if as_json:
        _print_json(found)
        return
    for entry in found:
        out.print(
            f"[bold]{entry['campaign_id']}[/bold] {entry['source']}  person {entry['person_key']}"
        )
        out.print(
            f"  decision: {entry['decision']}"
            + (f" ({entry['detail']})" if entry["detail"] else "")
        )
        table = Table(box=_box(), show_edge=False)
        table.add_column("check")
        table.add_column("result")
        for check in entry["checks"]:
            table.add_row(check["reason"], "FAIL" if check["failed"] else "pass")
        out.print(table)
        parts = ", ".join(f"{k} {v:.3f}" for k, v in entry["score_parts"].items())
        out.print(f"  fit score {entry['fit_score']:.4f} = weighted mean of: {parts}")
        out.print(f"  weights: {entry['weights']}")
        out.print(f"  matched skills: {', '.join(entry['matched_skills']) or '-'}")


@app.command("export")
def export_run(
    run_id: Annotated[str, typer.Argument(help="Run id of a past real build.")],
    formats: Annotated[list[str], typer.Option("--format", help="Export format (repeatable).")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output directory.")] = None,
    ledger: LedgerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Export a past run again from the send lists the ledger kept."""
    from planner.contract import FORMATS
    from planner.ledger.reexport import export_run as do_export

    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(
                f"--format: unknown format '{fmt}'", hint="use one of: " + ", ".join(FORMATS)
            )
    results = do_export(run_id, list(dict.fromkeys(formats)), out=out_dir, path=ledger)
    if as_json:
        _print_json(results)
        return
    for r in results:
        n = sum(len(v) for v in r["files"].values())
        out.print(
            f"{r['campaign_id']}: {r['recipients']} recipients, {n} file(s) -> {r['out_dir']}"
        )


# --------------------------------------------------------------------------- printing


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _preview(plan: Any) -> None:
    """The dry-run preview: funnel, top recipients, sample messages, lint, guardrail."""
    for p in plan.campaigns:
        out.rule(
            f"{p.id}  (dry run, as of {plan.as_of}; nothing written)"
        ) if out.is_terminal else out.print(
            f"== {p.id} (dry run, as of {plan.as_of}; nothing written)"
        )
        funnel = Table(title="funnel", box=_box(), show_edge=False, title_justify="left")
        funnel.add_column("reason")
        funnel.add_column("rows", justify="right")
        for reason, n in p.funnel.items():
            if n or reason == "recipients":
                funnel.add_row(reason, str(n))
        out.print(funnel)
        top = Table(title="top recipients", box=_box(), show_edge=False, title_justify="left")
        for col in ("#", "person_key", "name", "title", "company", "score", "matched skills"):
            top.add_column(col, justify="right" if col in {"#", "score"} else "left")
        for i, r in enumerate(p.recipients.head(10).iter_rows(named=True), start=1):
            top.add_row(
                str(i),
                r["person_key"],
                r["full_name"] or r["first_name"] or "",
                r["current_title"] or "",
                r["current_company"] or "",
                f"{r['fit_score']:.4f}",
                ", ".join(r["matched_skills"] or []),
            )
        out.print(top)
        for r in p.recipients.head(3).iter_rows(named=True):
            out.print(f"--- sample message to {r['person_key']}")
            out.print(f"Subject: {r['subject']}")
            out.print(r["message"])
        if p.lint:
            out.print("lint:")
            for f in p.lint:
                out.print(
                    f"  message.{f.field}:{f.line}:{f.column}: {f.severity}: {f.rule}: {f.message}"
                )
        else:
            out.print("lint: no findings")
        g = p.guardrail
        rate = "n/a" if g.get("rate") is None else f"{g['rate']:.1%}"
        out.print(
            f"guardrail ({g.get('sender')}): {g.get('touches', 0)} touches, "
            f"{g.get('responses', 0)} responses, rate {rate} over {g.get('window_days')} days "
            f"-> {g.get('status')} (acts from {g.get('min_sample')} touches under "
            f"{g.get('min_response_rate', 0) * 100:g}%: {g.get('action')}"
            + (f", {g['cut']} cut" if g.get("cut") else "")
            + ")"
        )


def _guardrail_notes(plan: Any) -> None:
    """A real build says on stderr when a sender's guardrail warns or limits (SPEC 6.4)."""
    for p in plan.campaigns:
        g = p.guardrail
        if not g.get("triggered"):
            continue
        what = (
            f"cut the send list to the best {g['limit_to']} ({g['cut']} cut, reason guardrail)"
            if g["status"] == "limit"
            else "building anyway (guardrail.action: warn)"
        )
        err.print(
            f"planner: warning: {p.id}: sender {g['sender']} has a response rate of"
            f" {g['rate']:.1%} over the last {g['window_days']} days ({g['responses']} of"
            f" {g['touches']} touches), under {g['min_response_rate'] * 100:g}%; {what}",
            markup=False,
        )


# --------------------------------------------------------------------------- entry point


def _report(exc: PlannerError) -> None:
    for problem in exc.problems:
        err.print(f"planner: error: {problem}", markup=False)
    if exc.hint:
        err.print(f"planner: hint: {exc.hint}", markup=False)


def _is_usage_error(exc: Exception) -> bool:
    """Argument-parser errors (click's, or the copy typer vendors): they carry a message."""
    return isinstance(exc, typer.TyperException) or (
        hasattr(exc, "format_message") and hasattr(exc, "exit_code")
    )


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and map errors to the exit codes of SPEC 9."""
    try:
        result = app(args=argv, prog_name="planner", standalone_mode=False)
        if isinstance(result, int):
            sys.exit(result)
    except PlannerError as exc:
        _report(exc)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("planner: error: aborted")
        sys.exit(1)
    except Exception as exc:  # usage errors of the argument parser, and anything unexpected
        if _is_usage_error(exc):
            message = exc.format_message()  # type: ignore[attr-defined]
            err.print(f"planner: error: {message}", markup=False)
            err.print("planner: hint: run `planner --help` for usage", markup=False)
            sys.exit(2)
        # Never print candidate data: name the error type only, no message or locals.
        err.print(
            f"planner: error: internal error ({type(exc).__name__}); no data was written",
            markup=False,
        )
        err.print("planner: hint: please report this with the command you ran", markup=False)
        sys.exit(70)
    sys.exit(0)


cache_app = typer.Typer(
    help="The candidate cache: normalized inputs kept for the next build (.planner/cache).",
    no_args_is_help=True,
)


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cache entry ($PLANNER_CACHE or .planner/cache under the cwd)."""
    from planner import cache

    entries, size = cache.clear()
    out.print(f"removed {entries} cache entries ({size / 2**20:.1f} MiB) from {cache.cache_dir()}")


app.add_typer(cache_app, name="cache")


def _mount_ledger() -> None:
    from planner.cli_ledger import ledger_app

    app.add_typer(ledger_app, name="ledger")


_mount_ledger()


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(f"planner {__version__}")
        raise typer.Exit(0)
