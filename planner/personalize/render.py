"""Rendering each recipient's message under the sandbox's budget."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError
from jinja2.runtime import Context

from planner import sandbox_limits
from planner.config import Campaign
from planner.errors import ConfigError
from planner.normalize.names import clean_name
from planner.personalize.fields import _PERSONAL, _TRACK, Rendered
from planner.personalize.sandbox import _EmptyFieldError, _EmptyOutput
from planner.personalize.templates import _Compiled, _compiled, _field_key, _key_path, _where
from planner.personalize.values import (
    _campaign_values,
    recipient_reasons,
    recipient_values,
    sample_recipient,
)

_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


def render(
    campaign: Campaign,
    recipients: Sequence[Mapping[str, Any]],
    *,
    min_personal_fields: int | None = None,
    step: int = 0,
    variant: int | None = None,
) -> list[Rendered]:
    """Render subject and body for each recipient (raw person fields, see `recipient_values`).

    `step` > 0 renders follow-up `step` (`message.followups[step-1].body`) instead of the body,
    with the same fields and sandbox; the subject is the campaign's either way. `variant` (an
    index into `message.variants`) renders that variant's subject, and at step 0 its body.
    `min_personal_fields` overrides the campaign's minimum (lint renders samples with 0).
    Raises ConfigError when the templates are invalid (nothing is rendered then).
    """
    compiled = _compiled(campaign, step, variant)
    fixed = _campaign_values(campaign)
    minimum = (
        campaign.message.min_personal_fields if min_personal_fields is None else min_personal_fields
    )
    try:
        return [_render_one(compiled, fixed, minimum, r) for r in recipients]
    except _SandboxStop as exc:
        field = _field_key(campaign, exc.field, step, variant)
        where = (
            _where(campaign, field, exc.line)
            if exc.line
            else campaign.where("message", *_key_path(field))
        )
        raise ConfigError(
            f"{where}: the template was stopped by the sandbox: {exc.reason}",
            hint="simplify the template; see docs/lint.md, 'Templates and empty fields'",
        ) from exc.__cause__


def _render_one(
    compiled: _Compiled, fixed: dict[str, Any], minimum: int, recipient: Mapping[str, Any]
) -> Rendered:
    clean = clean_name(
        recipient.get("first_name"), recipient.get("last_name"), recipient.get("full_name")
    )
    values = recipient_values(recipient, compiled.fields, clean)
    used: set[str] = set()
    reasons = values.get("reasons")
    reason_tuple = tuple(reasons if isinstance(reasons, list) else recipient_reasons(recipient))

    def failed(detail: str) -> Rendered:
        return Rendered(
            "", "", len(used), False, detail, clean.first, clean.last, clean.full, reason_tuple
        )

    personal = [0, 0]  # see _count: lookups with a value, personal characters of the body
    context = {**values, **fixed, _TRACK: used, _PERSONAL: personal}
    try:
        subject = _SPACES.sub(" ", _run(compiled.subject, context, "subject")).strip()
        personal[1] = 0
        body = _run(compiled.body, context, "body")
    except _EmptyFieldError as exc:
        return failed(f"{exc.field} is empty")
    except _EmptyOutput:
        return failed("a template expression prints nothing (use {% if %} or | default)")
    except UndefinedError as exc:
        return failed(f"template refers to a missing value: {exc.message}")
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        return failed(f"template failed: {type(exc).__name__}")
    if " \n" in body or "\t\n" in body or "\n\n\n" in body:
        body = _MANY_BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", body))
    body = body.strip()
    if not subject or not body:
        return failed("the subject is empty" if not subject else "the message is empty")
    count = len(used)
    if count < minimum:
        plural = "field" if count == 1 else "fields"
        return failed(f"uses {count} personal {plural}, needs {minimum}")
    share = round(min(1.0, personal[1] / len(body)), 4)
    return Rendered(
        subject,
        body,
        count,
        True,
        None,
        clean.first,
        clean.last,
        clean.full,
        reason_tuple,
        share,
    )


class _SandboxStop(Exception):
    """The sandbox refused an operation while rendering `field` (same for every recipient)."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.line = line


def _run(template: Any, context: dict[str, Any], field: str) -> str:
    """Render one field under a fresh budget (`planner.sandbox_limits`)."""
    render_func: Callable[[Context], Iterator[str]] = template.root_render_func
    try:
        with sandbox_limits.budget():
            return sandbox_limits.collect(render_func(template.new_context(context)), template)
    except SecurityError as exc:
        line = sandbox_limits.template_line(exc, template)
        raise _SandboxStop(field, str(exc), line) from exc
    except TemplateRuntimeError as exc:
        if isinstance(exc, UndefinedError):
            raise  # an empty or unknown field: the recipient's problem, see _render_one
        # A filter refused its arguments (e.g. `reverse` of a number): the template's problem.
        line = sandbox_limits.template_line(exc, template)
        raise _SandboxStop(field, exc.message or type(exc).__name__, line) from exc


def render_without(campaign: Campaign, fields: Iterable[str]) -> Rendered:
    """The sample recipient rendered with `fields` empty (lint: what every recipient gets when
    the input files lack those columns)."""
    sample = sample_recipient(campaign)
    for field in fields:
        sample[field] = None
        if field in ("matched_skills", "top_skill"):
            sample["matched_skills"] = sample["top_skill"] = None
        if field in ("city", "country"):
            sample["nearest_city"] = sample["distance_km"] = None
    return render(campaign, [sample])[0]
