"""The build report: one self-contained HTML file with charts (issue 16, SPEC 9 `--report`).

    from_plan(plan) / past.from_run(run_id) -> ReportData -> render_html -> write_report

The page is a Jinja2 template with autoescaping on: every value from a campaign or a candidate
file is escaped. The charts are Vega-Lite specs rendered to SVG here (`planner.report.charts`),
so the file needs no script and no network when it is opened. Personal data appears only for
recipients; the file is written 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from planner import __version__
from planner.errors import ExportError, PlannerError
from planner.report import charts
from planner.report.data import CampaignInfo, ReportData, gather, samples_of

if TYPE_CHECKING:
    from planner.pipeline import Plan

REPORT_NAME = "report.html"

#: `report_rows` of a build (see `planner.report.data`): its decisions joined to the people.
_PLAN_ROWS = """
CREATE OR REPLACE TEMP VIEW report_rows AS
SELECT d.cidx, d.person_key, d.reason::VARCHAR AS reason, d.fit_score, d.eligible_again_on,
       p.country_code AS country, p.city_name AS city
FROM dec d JOIN people p USING (row_id)
"""


def from_plan(plan: Plan, *, run_id: str | None = None, dry_run: bool = False) -> ReportData:
    """The report of a computed build (dry run or real)."""
    campaigns = [
        CampaignInfo(
            index=p.index,
            id=p.id,
            title=p.campaign.role.title,
            company=p.campaign.role.company,
            sender=p.campaign.sender.id,
            recipients=p.recipients.height,
            funnel=dict(p.funnel),
            lint=[f.as_dict() for f in p.lint],
            guardrail=dict(p.guardrail),
        )
        for p in plan.campaigns
    ]
    plan.con.execute(_PLAN_ROWS)
    samples = [s for p in plan.campaigns for s in samples_of(p.campaign, p.id, p.recipients)]
    recipients: dict[int, pl.DataFrame] = {p.index: p.recipients for p in plan.campaigns}
    return gather(
        plan.con,
        campaigns,
        recipients,
        kind="dry run" if dry_run else "build",
        as_of=plan.as_of,
        run_id=run_id,
        samples=samples,
    )


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("planner.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}" if isinstance(n, int) else n
    env.filters["pct"] = lambda x: "n/a" if x is None else f"{x:.1%}"
    return env


_UNSAFE_SVG = re.compile(r"<script|<foreignobject|javascript:|\son[a-z]+\s*=")


def _safe_svg(svg: str) -> Markup:
    """Vega's SVG, trusted as markup only once checked to hold no script or foreign content."""
    lowered = svg.lower()
    if not lowered.startswith("<svg") or _UNSAFE_SVG.search(lowered):
        raise PlannerError(
            "the chart renderer produced SVG with script content; the report was not written",
            hint="please report this with the command you ran",
        )
    # Checked above; Vega escapes every text it draws.
    return Markup(svg)


def render_html(report: ReportData) -> str:
    """The report page, charts inlined as SVG."""
    svgs = {key: _safe_svg(charts.to_svg(spec)) for key, spec in charts.specs(report).items()}
    return _env().get_template("report.html.j2").render(r=report, charts=svgs, version=__version__)


def write_report(report: ReportData | str, path: Path) -> str:
    """Write the page (0600, through a temporary name); returns its sha256."""
    html = report if isinstance(report, str) else render_html(report)
    data = html.encode("utf-8")
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ExportError(
            f"{path}: cannot write the report ({exc.strerror})",
            hint="choose a writable place for --report",
        ) from None
    return hashlib.sha256(data).hexdigest()


def write_plan_report(
    plan: Plan, path: Path, *, run_id: str | None = None, dry_run: bool = False
) -> str:
    """`planner build --report FILE`: the report of a computed build; returns its sha256."""
    return write_report(from_plan(plan, run_id=run_id, dry_run=dry_run), path)


def report_run(run_id: str, out: Path | None = None, *, ledger: Path | str | None = None) -> Path:
    """`planner report RUN_ID`: the report of a past build, from what the ledger kept."""
    from planner.report.past import from_run

    target = out if out is not None else Path(f"report-{run_id}.html")
    write_report(from_run(run_id, ledger), target)
    return target


__all__ = [
    "REPORT_NAME",
    "ReportData",
    "from_plan",
    "render_html",
    "report_run",
    "write_plan_report",
    "write_report",
]
