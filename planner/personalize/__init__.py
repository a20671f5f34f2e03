"""Personalization: per-recipient fields and the sandboxed message templates (SPEC 7).

`message.subject` and `message.body` are Jinja2 templates rendered in a sandbox:

* The names a template may use are the fields below; anything else is an error when the campaign
  is validated, before any candidate is read (`validate_templates`). Errors name the campaign
  file, the line and suggest the nearest field ("did you mean 'first_name'?").
* No Python internals and no code: attributes starting with `_`, function and method calls,
  macros, `{% include/import/extends %}`, `**`, the literal `none` and the default globals
  (`range`, `lipsum`, `cycler`, `joiner`, `namespace`, `dict`) are refused at validation; only
  a short list of filters is available (`FILTERS`). Rendering runs in Jinja's
  `ImmutableSandboxedEnvironment` as a second line of defence, where `*` cannot build texts or
  lists longer than 1000 items and `%` string formatting is refused (ConfigError naming the
  template). Every render has a budget (output length, loop iterations, intermediate sizes),
  enforced while it runs: see `planner.sandbox_limits`.
* A line holding only `{% ... %}` tags disappears from the output; tags inside a line keep the
  text around them as written (unlike Jinja's trim_blocks, which eats the newline after
  "{% endif %}" at the end of a sentence).
* An empty person field (None, "", [], NaN, a placeholder such as "n/a") is falsy in
  `{% if %}` and replaced by `| default("...")` -- the plain `default` filter is enough, because
  empty values are represented as undefined, so it behaves like `default(..., true)`. Printed
  without a fallback it makes the recipient `ok=False` ("first_name is empty"): nobody is sent
  "Hi ," or "Hi None,". Any other expression that prints nothing, None or NaN is refused too.
* `personal_fields` counts the distinct person fields (everything except `role.*` and
  `sender.*`) that the render actually evaluated with a non-empty value; a field in an
  `{% if %}` branch that was not taken does not count. Fewer than
  `message.min_personal_fields` makes the recipient `ok=False`.
* `personal_share` is the share of the body's characters printed by expressions that use a
  person field with a value (or a variable set from one, e.g. the `s` of
  `{% for s in matched_skills %}`): the part of the message that differs between recipients.
  Static text, `role.*`/`sender.*` and fallbacks of empty fields (`| default("there")`, the same
  for everyone) are not personal. "Hi {{ first_name }}," for Jane is 4/8 = 0.5.

Values as templates see them (the send list keeps the raw values):

* `first_name`, `last_name`, `full_name`: cleaned by `planner.normalize.names` from the raw values.
* `country`: the ISO alpha-2 code becomes the country's common name ("DE" -> "Germany").
* `matched_skills`, `top_skill`: display spelling ("postgresql" -> "PostgreSQL"); a list prints
  as "Kafka, Flink" (or `| human_join` -> "Kafka and Flink", `| join(" / ")`).
* `years_experience`: 12.0 prints as "12"; `fit_score` is rounded to 2 decimals.
* `best_cue`: the most telling thing about this person in this build (see `pipeline`'s
  _BEST_CUE_SQL): their matched skill that the fewest of the campaign's recipients share (display
  spelling: "Flink"), else the rarest word of their title, else the rarest phrase of their
  headline; empty when they have none.
* `reasons`: short human phrases ("Kafka and Flink", "Berlin, 12 km", "Senior"), taken from the
  recipient or computed by `reasons_for`.

Templates are compiled once per (subject, body) and cached; rendering is plain Python per final
recipient.

The package by job: `fields` (names, rules, display tables, `Rendered`), `sandbox` (the Jinja
environment), `templates` (checking and compiling), `values` (what a template sees), `render`.
"""

from __future__ import annotations

from planner.personalize.fields import (
    FIELD_NAMES,
    FILTERS,
    NAME_FIELDS,
    PERSON_FIELDS,
    ROLE_FIELDS,
    SENDER_FIELDS,
    TEMPLATE_FIELDS,
    Rendered,
)
from planner.personalize.render import render, render_without
from planner.personalize.templates import (
    TemplateInfo,
    body_field,
    subject_field,
    template_info,
    validate_templates,
)
from planner.personalize.values import (
    FIELD_SOURCES,
    country_name,
    display_skill,
    reasons_for,
    recipient_reasons,
    recipient_values,
    sample_recipient,
    unavailable_fields,
)

__all__ = [
    "FIELD_NAMES",
    "FIELD_SOURCES",
    "FILTERS",
    "NAME_FIELDS",
    "PERSON_FIELDS",
    "ROLE_FIELDS",
    "SENDER_FIELDS",
    "TEMPLATE_FIELDS",
    "Rendered",
    "TemplateInfo",
    "body_field",
    "country_name",
    "display_skill",
    "reasons_for",
    "recipient_reasons",
    "recipient_values",
    "render",
    "render_without",
    "sample_recipient",
    "subject_field",
    "template_info",
    "unavailable_fields",
    "validate_templates",
]
