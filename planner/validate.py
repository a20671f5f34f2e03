"""`planner validate`: every check that needs no ledger, with all problems listed at once.

The checks run stage by stage (campaign file, message templates, audience criteria and the
files they name, message lint, candidate files) and a failing stage never stops the others:
each stage of each campaign runs on whatever the stages before it could give it. Only a
campaign file that does not load at all leaves nothing to check further (its templates,
criteria and inputs are in it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from planner import criteria, duck, lint, personalize, pipeline, sources
from planner.config import Campaign, load_each_campaign
from planner.errors import ConfigError, PlannerError, Problems


def validate_campaigns(paths: Sequence[Path]) -> list[str]:
    """Validate campaign files and read their inputs; returns one summary line per campaign.

    Raises ConfigError (or InputError when only inputs are wrong) listing every problem of
    every stage of every file.
    """
    found = Problems()
    campaigns, problems = load_each_campaign(list(paths))
    if problems:
        found.add(ConfigError(problems[0], problems=problems))
    lines: list[str] = []
    expanded = True
    for campaign in campaigns:
        before = len(found.errors)
        templates_ok = _check(found, personalize.validate_templates, campaign)
        _check(found, criteria.resolve, campaign)
        findings = lint.lint_campaign(campaign) if templates_ok else []
        rows = bad = 0
        try:
            specs, _files = pipeline.source_specs([campaign])
        except PlannerError as exc:
            found.add(exc)
            specs, expanded = [], False
        for spec in specs:
            try:
                with duck.connect() as con:
                    result = sources.read_sources(con, [spec])
            except PlannerError as exc:
                found.add(exc)
                continue
            rows += sum(f.rows for f in result.files)
            bad += sum(f.bad_rows for f in result.files)
        if len(found.errors) == before:
            errors = sum(1 for f in findings if f.severity == "error")
            lines.append(
                f"{campaign.file}: ok: campaign {campaign.id}, {len(specs)} input file(s),"
                f" {rows} rows, {bad} bad rows; lint: {errors} errors,"
                f" {len(findings) - errors} warnings"
            )
    if expanded and len(campaigns) > 1:
        # Two campaigns reading one file with different column settings.
        _check_all(found, campaigns)
    found.raise_any("campaign files and their inputs")
    return lines


def _check(found: Problems, check: Callable[[Campaign], object], campaign: Campaign) -> bool:
    """Run one check; its error goes to `found`. True when it passed."""
    try:
        check(campaign)
    except PlannerError as exc:
        found.add(exc)
        return False
    return True


def _check_all(found: Problems, campaigns: list[Campaign]) -> None:
    """The checks across campaigns that a build makes before reading (`source_specs`)."""
    try:
        pipeline.source_specs(campaigns)
    except PlannerError as exc:
        found.add(exc)
