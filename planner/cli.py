"""The `planner` command line: parse arguments, call one library function, print, map errors.

No SQL and no dataframe logic here. Data goes to stdout, diagnostics to stderr as
`planner: error: ...` lines with a hint. Exit codes (SPEC 9): 0 ok, 1 refused, 2 usage or
campaign file error, 3 input data error, 4 ledger busy or damaged.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from planner import __version__
from planner.cli_common import (
    CONTEXT_SETTINGS,
    AsOfOpt,
    JsonFlag,
    LedgerOpt,
    err,
    out,
    progress,
    safe,
)
from planner.errors import ConfigError, PlannerError

app = typer.Typer(
    name="planner",
    help="Plan responsible outreach campaigns: segment, cap, personalize, export.",
    no_args_is_help=True,
    add_completion=True,
    context_settings=CONTEXT_SETTINGS,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _plain_argument_help() -> None:
    """Arguments in --help as their metavar alone (`CAMPAIGN.yaml`), not `<list[Path]>`.

    Typer prints an argument's Python type after its name in the plain-text help, with no
    option to turn it off; the type says nothing to a user that the metavar and help do not.
    """
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


_plain_argument_help()


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


CampaignArgs = Annotated[
    list[Path], typer.Argument(help="Campaign YAML file(s).", metavar="CAMPAIGN.yaml")
]
OutOpt = Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Output directory.")]


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to put the example.", metavar="DIR")
    ] = Path("."),
) -> None:
    """Write an example campaign and sample candidates that build as is.

    \b
    Example:
      planner init demo && planner build demo/example.yaml --dry-run
    """
    from planner.examples import write_example

    written = write_example(directory)
    for path in written:
        out.print(str(path))
    err.print(f"planner: next: planner build {directory / 'example.yaml'} --dry-run", style="dim")


@app.command()
def validate(campaigns: CampaignArgs) -> None:
    """Check campaign files and their inputs; list every problem at once.

    \b
    Example:
      planner validate campaigns/example.yaml
    """
    from planner.validate import validate_campaigns

    report = validate_campaigns(campaigns)
    for line in report:
        out.print(line)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the campaign file (for editors).

    \b
    Example:
      planner schema > campaign.schema.json
    """
    from planner.config import schema_json

    sys.stdout.write(schema_json())


@app.command(name="lint")
def lint_cmd(
    campaigns: CampaignArgs,
    as_json: JsonFlag = False,
) -> None:
    """Report message quality findings (rule, severity, position). Exit 1 on errors.

    \b
    Example:
      planner lint campaigns/*.yaml
    """
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
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="With --dry-run --json: funnel, lint, guardrail and the top recipients only.",
        ),
    ] = False,
    top: Annotated[
        int,
        typer.Option("--top", min=0, metavar="N", help="Recipients per campaign in --summary."),
    ] = 10,
    out_dir: OutOpt = None,
    ledger: LedgerOpt = None,
    as_of: AsOfOpt = None,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", metavar="FMT", help="Extra export format (repeatable)."),
    ] = None,
    allow_lint_errors: Annotated[
        bool, typer.Option("--allow-lint-errors", help="Build even with lint errors.")
    ] = False,
    max_bad_rows: Annotated[
        int | None,
        typer.Option(
            "--max-bad-rows", min=0, metavar="N", help="Accept up to N bad rows per input file."
        ),
    ] = None,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report", metavar="FILE", help="Also write the build's HTML report to this file."
        ),
    ] = None,
) -> None:
    """Plan the campaign(s): write send lists, or preview them with --dry-run.

    \b
    Examples:
      planner build campaigns/example.yaml --dry-run
      planner build a.yaml b.yaml --out out/q4 --format greenhouse
      planner build campaigns/example.yaml --dry-run --json > plan.json
    """
    from planner.builder import build as run_build

    if summary and not (dry_run and as_json):
        raise ConfigError("--summary: only with --dry-run --json", hint="add --dry-run --json")

    with progress() as say:
        result = run_build(
            campaigns,
            dry_run=dry_run,
            out=out_dir,
            ledger=ledger,
            as_of=_as_of(as_of),
            formats=formats or [],
            allow_lint_errors=allow_lint_errors,
            max_bad_rows=max_bad_rows,
            report=report_file,
            progress=say,
        )
    with result:
        if dry_run:
            if as_json:
                from planner import pipeline

                _print_json(pipeline.plan_json(result.plan, summary_top=top if summary else None))
            else:
                _preview(result.plan)
            return
        _lint_warnings(result.plan)
        _guardrail_notes(result.plan)
        _message_notes(result.plan)
        if not as_json:
            for p in result.plan.campaigns:
                out.print(f"== {p.id}")
                _print_funnel(p.funnel)
    for w in result.written:
        _incomplete_notes(w.campaign_id, w.incomplete, "manifest.json")
    if as_json:
        _print_json(
            {
                "run_id": result.run_id or "",
                "campaigns": [
                    {"campaign_id": w.campaign_id, "out_dir": str(w.out_dir), "files": w.files}
                    for w in result.written
                ],
            }
        )
    else:
        for w in result.written:
            out.print(f"{w.campaign_id}: {w.recipients} recipients -> {w.out_dir}")
        out.print(f"run {result.run_id or ''} recorded in the ledger")


@app.command()
def explain(
    campaign: Annotated[
        str,
        typer.Argument(
            help="Campaign YAML file (explain as of today, or --as-of), or the run id of a past"
            " real build (explain what that run decided, from what it kept).",
            metavar="CAMPAIGN.yaml|RUN_ID",
        ),
    ],
    person: Annotated[
        str,
        typer.Argument(help="Email, profile URL, person key or candidate id.", metavar="PERSON"),
    ],
    ledger: LedgerOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Why this person is in or out: every criterion, the score parts, the decision.

    With a run id: what that past build decided about the person, from what it kept (its send
    list and touches in the ledger, its excluded.csv); what it did not keep is said, not
    recomputed.

    \b
    Examples:
      planner explain campaigns/example.yaml jana@example.com
      planner explain 20261101-093000-1a2b3c jana@example.com
    """
    if not Path(campaign).is_file():
        _explain_run(campaign, person, ledger, as_of, as_json)
        return
    from planner import pipeline
    from planner.cache import default_cache
    from planner.ledger import open_for_build

    with closing(open_for_build(ledger, dry_run=True)) as led:
        plan = pipeline.plan(
            [Path(campaign)], as_of=_as_of(as_of), ledger=led, cache=default_cache(write=False)
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
            f"[bold]{escape(entry['campaign_id'])}[/bold] {escape(safe(entry['source']))}"
            f"  person {escape(entry['person_key'])}",
            markup=True,
        )
        out.print(
            f"  decision: {entry['decision']}"
            + (f" ({safe(entry['detail'])})" if entry["detail"] else "")
        )
        if entry["step"] is not None:
            out.print(f"  message: {_message_of(entry['step'], entry['variant'])}")
        table = Table(box=_box(), show_edge=False)
        table.add_column("check")
        table.add_column("result")
        table.add_column("by")
        for check in entry["checks"]:
            table.add_row(check["reason"], "FAIL" if check["failed"] else "pass", check["by"])
        out.print(table)
        resolved = entry["resolved"]
        distances = ", ".join(
            f"{safe(name)} {'?' if km is None else f'{km:g} km'}"
            for name, km in resolved["distance_km"].items()
        )
        out.print(
            "  resolved: "
            + "; ".join(
                f"{key} {safe(resolved[key]) if resolved[key] is not None else '-'}"
                for key in ("seniority", "city", "country", "company", "years_experience")
            )
            + (f"; distance to {distances}" if distances else "")
        )
        parts = ", ".join(f"{k} {v:.3f}" for k, v in entry["score_parts"].items())
        out.print(f"  fit score {entry['fit_score']:.4f} = weighted mean of: {parts}")
        out.print(f"  weights: {entry['weights']}")
        out.print(f"  matched skills: {safe(', '.join(entry['matched_skills'])) or '-'}")
        cue = entry.get("best_cue")
        if cue:
            out.print(
                f"  best cue: {safe(cue['cue'])} ({cue['kind']}, shared by {cue['shared_by']} of"
                f" {cue['recipients']} recipients of this build: the rarest)"
            )


def _message_of(step: int, variant: str | None) -> str:
    """ "first message" or "follow-up N", and the message variant if the campaign has them."""
    what = "first message" if step == 0 else f"follow-up {step}"
    return what + (f", variant {variant}" if variant else "")


def _explain_run(
    run_id: str, person: str, ledger: str | None, as_of: str | None, as_json: bool
) -> None:
    """`planner explain RUN_ID PERSON` (the first argument is no file)."""
    from planner.ledger.run_explain import SENT_VALUES, explain_run, find_run

    found_run, ledger_name = find_run(run_id, ledger)
    if not found_run:
        raise ConfigError(
            f"'{run_id}' is neither a campaign file nor a run in the ledger {ledger_name}",
            hint="give a campaign YAML file, or a run id that `planner ledger runs` lists"
            " (use --ledger for another ledger)",
        )
    if as_of is not None:
        raise ConfigError(
            "--as-of applies to a campaign file; a past run is explained as of its own date",
            hint=f"leave out --as-of with run {run_id}",
        )
    found = explain_run(run_id, person, ledger)
    if as_json:
        _print_json(found)
        return
    out.print(
        f"run {found['run_id']} as of {found['as_of']}"
        + (" (person since forgotten)" if found["forgotten"] else "")
    )
    for entry in found["campaigns"]:
        out.print(
            f"[bold]{escape(entry['campaign_id'])}[/bold]"
            f" {escape(safe(entry['role'] or '-'))}"
            + (f"  {escape(safe(entry['campaign_file']))}" if entry["campaign_file"] else ""),
            markup=True,
        )
        decision = entry["decision"] or "not a recipient; why is not kept (see below)"
        if entry["position"] is not None:
            decision += f" (position {entry['position']} of {entry['recipients']} on the send list)"
        elif entry["detail"]:
            decision += f" ({safe(entry['detail'])})"
        out.print(f"  decision: {decision}")
        if entry["decided_by"]:
            out.print(f"  from: {safe(entry['decided_by'])}")
        if entry["person_key"]:
            out.print(f"  person {entry['person_key']}")
        if entry["eligible_again_on"]:
            out.print(f"  eligible again on {entry['eligible_again_on']}")
        if entry["step"] is not None:
            out.print(f"  step {entry['step']} ({_message_of(entry['step'], entry['variant'])})")
        row = entry["send_list"]
        if row is not None:
            out.print(f"  fit score {row['fit_score']:.4f}")
            out.print(f"  matched skills: {safe(', '.join(row['matched_skills'] or [])) or '-'}")
            out.print(f"  reasons: {safe('; '.join(row['reasons'] or [])) or '-'}")
            out.print(
                "  as sent: "
                + "; ".join(
                    f"{key} {safe(str(row[key])) if row[key] is not None else '-'}"
                    for key in SENT_VALUES
                )
            )
        touch = entry["touch"]
        if touch is not None:
            out.print(
                f"  touch: {touch['touched_on']} {touch['channel']} by {safe(touch['sender'])},"
                f" {touch['status']}"
            )
        for what in entry["not_kept"]:
            out.print(f"  not kept: {safe(what)}")


@app.command("export")
def export_run(
    run_id: Annotated[str, typer.Argument(help="Run id of a past real build.", metavar="RUN_ID")],
    formats: Annotated[
        list[str], typer.Option("--format", metavar="FMT", help="Export format (repeatable).")
    ],
    out_dir: OutOpt = None,
    ledger: LedgerOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Export a past run again from the send lists the ledger kept.

    \b
    Example:
      planner export 20261203-094446-e9ce64 --format lever --out out/lever
    """
    from planner.contract import FORMATS
    from planner.ledger.reexport import export_run as do_export

    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(
                f"--format: unknown format '{fmt}'", hint="use one of: " + ", ".join(FORMATS)
            )
    results = do_export(run_id, list(dict.fromkeys(formats)), out=out_dir, path=ledger)
    for r in results:
        _incomplete_notes(r["campaign_id"], r["incomplete"], "--json")
    if as_json:
        _print_json(results)
        return
    for r in results:
        n = sum(len(v) for v in r["files"].values())
        out.print(
            f"{r['campaign_id']}: {r['recipients']} recipients, {n} file(s) -> {r['out_dir']}"
        )


@app.command("report")
def report_cmd(
    run_id: Annotated[str, typer.Argument(help="Run id of a past real build.", metavar="RUN_ID")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Report file (default report-RUN_ID.html)."),
    ] = None,
    ledger: LedgerOpt = None,
) -> None:
    """Write the HTML report of a past build from what the ledger kept.

    \b
    Example:
      planner report 20261203-094446-e9ce64 --out q4-report.html
    """
    from planner.report import report_run

    out.print(str(report_run(run_id, out_file, ledger=ledger)))


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
        _print_funnel(p.funnel)
        top = Table(title="top recipients", box=_box(), show_edge=False, title_justify="left")
        for col in ("#", "person_key", "name", "title", "company", "score", "matched skills"):
            top.add_column(col, justify="right" if col in {"#", "score"} else "left")
        for i, r in enumerate(p.recipients.head(10).iter_rows(named=True), start=1):
            top.add_row(
                str(i),
                r["person_key"],
                safe(r["full_name"] or r["first_name"]),
                safe(r["current_title"]),
                safe(r["current_company"]),
                f"{r['fit_score']:.4f}",
                safe(", ".join(r["matched_skills"] or [])),
            )
        out.print(top)
        _message_stats_lines(p)
        for r in p.recipients.head(3).iter_rows(named=True):
            out.print(f"--- sample message to {r['person_key']}")
            out.print(f"Subject: {safe(r['subject'])}")
            out.print(safe(r["message"], multiline=True))
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


def _print_funnel(counts: dict[str, int]) -> None:
    """The funnel: the input total, each reason's rows and what remains, with shares."""
    from planner.funnel import funnel_steps, input_total

    total = input_total(counts)
    table = Table(title="funnel", box=_box(), show_edge=False, title_justify="left")
    for name in ("", "rows", "share", "remaining"):
        table.add_column(name or "reason", justify="left" if not name else "right")
    table.add_row("input rows", f"{total:,}", "100.0%", f"{total:,}")
    for step in funnel_steps(counts):
        table.add_row(
            step.reason,
            f"-{step.removed:,}",
            f"{step.removed_share:.1%}",
            f"{step.remaining:,}",
        )
    recipients = counts.get("recipients", 0)
    share = recipients / total if total else 0.0
    table.add_row("recipients", f"{recipients:,}", f"{share:.1%}", "")
    out.print(table)


def _lint_warnings(plan: Any) -> None:
    """A real build shows the lint warnings it builds with (errors refuse it before)."""
    for p in plan.campaigns:
        for f in p.lint:
            err.print(
                f"planner: warning: {p.campaign.file}: message.{f.field}:{f.line}:{f.column}:"
                f" {f.severity}: {f.rule}: {f.message}"
            )


def _incomplete_notes(campaign_id: str, incomplete: dict[str, Any], listed_in: str) -> None:
    """Recipients an ATS file leaves out because its importer requires a field they lack."""
    for fmt, info in incomplete.items():
        fields = ", ".join(f"{n} without {name}" for name, n in info["missing"].items())
        err.print(
            f"planner: warning: {campaign_id}: {fmt}: {info['count']} recipient(s) left out of"
            f" the import file, which requires the field ({fields}); they stay in"
            f" send_list.csv and their person keys are listed in {listed_in}",
            markup=False,
        )


def _message_stats_lines(p: Any) -> None:
    """Preview: how much of the messages is about each person, and identical bodies."""
    from planner.pipeline import message_stats

    stats = message_stats(p)
    share = stats["personal_share"]
    if share is not None:
        out.print(
            f"personal share of the messages: median {share['median']:.0%}"
            f" (p10 {share['p10']:.0%}, p90 {share['p90']:.0%}, lowest {share['min']:.0%});"
            f" lint warns under {p.campaign.message.min_personal_share:.0%}"
        )
    same = stats["identical_messages"]
    if same["recipients"]:
        out.print(
            f"identical messages: {same['recipients']} recipients would get one of"
            f" {same['messages']} byte-identical bodies"
        )


def _message_notes(plan: Any) -> None:
    """A real build warns on stderr about identical bodies and a low personal share."""
    from planner.pipeline import message_stats

    for p in plan.campaigns:
        same = message_stats(p)["identical_messages"]
        if same["recipients"]:
            err.print(
                f"planner: warning: {p.id}: {same['recipients']} recipients get byte-identical"
                f" messages ({same['messages']} distinct text(s) shared by several people);"
                " use more of each person's fields (e.g. {{ best_cue }})",
                markup=False,
            )
        for f in p.lint:
            if f.rule == "low-personal-share":
                err.print(f"planner: warning: {p.id}: {f.rule}: {f.message}", markup=False)


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
        err.print(f"planner: error: {safe(problem, multiline=True)}")
    if exc.hint:
        err.print(f"planner: hint: {safe(exc.hint, multiline=True)}")


def _is_usage_error(exc: Exception) -> bool:
    """Argument-parser errors (click's, or the copy typer vendors): they carry a message."""
    return isinstance(exc, typer.TyperException) or (
        hasattr(exc, "format_message") and hasattr(exc, "exit_code")
    )


class _Interrupted(BaseException):
    """Ctrl-C, raised by `_on_sigint`: click turns a KeyboardInterrupt into an Abort, and DuckDB
    turns one inside a query into RuntimeError("Query interrupted"); a flag says which it was."""


_INTERRUPT = threading.Event()


def _on_sigint(signum: int, frame: object) -> None:
    _INTERRUPT.set()
    raise _Interrupted


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and map errors to the exit codes of SPEC 9."""
    _INTERRUPT.clear()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if in_main_thread else None
    try:
        result = app(args=argv, prog_name="planner", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except SystemExit:
        raise
    except BaseException as exc:
        code = _exit_code(exc)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    sys.exit(code)


def _exit_code(exc: BaseException) -> int:
    """Report `exc` on stderr (one line and a hint) and give the exit code of SPEC 9."""
    if _INTERRUPT.is_set() or isinstance(exc, KeyboardInterrupt | _Interrupted):
        # Outputs are staged and renamed only after the ledger has recorded the run, so an
        # interrupted build leaves nothing half-written; a run that was already recorded is
        # finished by the next writer (see planner.ledger.core).
        err.print("planner: interrupted; nothing half-written was left")
        return 130
    if isinstance(exc, PlannerError):
        _report(exc)
        return exc.exit_code
    if isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    if isinstance(exc, typer.Abort):
        err.print("planner: error: aborted")
        return 1
    if isinstance(exc, Exception) and _is_usage_error(exc):
        message = exc.format_message()  # type: ignore[attr-defined]
        err.print(f"planner: error: {safe(message)}")
        err.print("planner: hint: run `planner --help` for usage")
        return 2
    if not isinstance(exc, Exception):
        raise exc
    # Never print candidate data: name the error type only, no message or locals.
    err.print(f"planner: error: internal error ({type(exc).__name__}); no data was written")
    err.print("planner: hint: please report this with the command you ran")
    return 70


cache_app = typer.Typer(
    help="The candidate cache: normalized inputs kept for the next build (.planner/cache).",
    no_args_is_help=True,
)


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cache entry ($PLANNER_CACHE or .planner/cache under the cwd); an entry a
    running build is still writing is left to it."""
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
