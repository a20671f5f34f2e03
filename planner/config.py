"""Campaign file (SPEC 2): YAML -> validated, frozen models; errors name file:line and key.

The YAML is composed node by node so every key keeps its line; pydantic validates; each pydantic
error is mapped back to `file:line: key.path: message` with a hint ("did you mean ...?" for
unknown keys). All problems are collected and reported at once.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from planner.contract import FORMATS, LEVELS
from planner.errors import ConfigError, problems_error

Level = Literal[
    "intern",
    "junior",
    "mid",
    "senior",
    "staff",
    "principal",
    "manager",
    "director",
    "vp",
    "executive",
]
assert set(Level.__args__) == set(LEVELS)  # type: ignore[attr-defined]

FormatName = Literal[
    "csv", "jsonl", "parquet", "greenhouse", "lever", "ashby", "linkedin_recruiter"
]
assert set(FormatName.__args__) == set(FORMATS)  # type: ignore[attr-defined]

DEFAULT_SUBJECT = "{{ role.title }} at {{ role.company }}"
# The default message serves every row of every export: each person detail is mentioned only
# when the row has it (skills only when the campaign lists skills and the person has one of
# them; a LinkedIn connections export has no skills, location or headline), so a row is never
# sent to manual review for a column its file does not have (see personalize.FIELD_SOURCES).
DEFAULT_BODY = (
    "Hi {{ first_name }}, your work{% if top_skill %} with {{ top_skill }}{% endif %}"
    "{% if current_title %} as {{ current_title }}{% elif headline %} ({{ headline | truncate(60)"
    " }}){% endif %}{% if current_company %} at {{ current_company }}{% endif %}"
    "{% if city %} in {{ city }}{% elif country %} in {{ country }}{% endif %} caught my eye."
    " {{ role.company }} is hiring a {{ role.title }}{% if role.location %} in"
    " {{ role.location }}{% endif %}, and I would like to tell you what the work involves."
    "{% if role.pitch %} {{ role.pitch }}{% endif %} Would you be open to a short call next week"
    " to hear more? - {{ sender.name | default(sender.id) }}"
)


#: Upper bound of every day count (caps, guardrail and disinterest windows): ten years. Dates
#: computed from them (as-of minus a window, an outcome plus `disinterest_days`) stay far inside
#: the ranges of Python and DuckDB dates.
MAX_DAYS: Final = 3650
#: Upper bound of every row count (ranking.limit, guardrail.min_sample and limit_to).
MAX_ROWS: Final = 100_000_000


class _Model(BaseModel):
    # NaN and infinity are refused for every number (`.nan`, `.inf` in YAML).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


NonEmptyStr = Annotated[str, Field(min_length=1)]


class Role(_Model):
    """The role the campaign fills; available to templates as `role.*`."""

    title: NonEmptyStr = Field(description="Job title of the role.")
    company: NonEmptyStr = Field(description="The hiring company.")
    location: str | None = Field(default=None, description="Where the role is based.")
    url: str | None = Field(default=None, description="Link to the job posting.")
    pitch: str | None = Field(default=None, description="Free text for templates.")


class Sender(_Model):
    """Who sends the messages; the guardrail is computed per sender id."""

    id: NonEmptyStr = Field(description="Stable id of the sender (ledger key for the guardrail).")
    name: str | None = None
    email: str | None = None


class Candidates(_Model):
    """Where candidate rows come from and how to read them."""

    paths: list[NonEmptyStr] = Field(
        min_length=1, description="Files or globs, relative to the campaign file."
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="Canonical field -> header in the file (overrides)."
    )
    list_separator: str | None = Field(
        default=None,
        description="Separator inside the skills column; auto-detected among ; | , when absent.",
    )

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        from planner.contract import CANONICAL_FIELDS

        for key in value:
            if key not in CANONICAL_FIELDS:
                near = difflib.get_close_matches(key, CANONICAL_FIELDS, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise ValueError(f"unknown canonical field '{key}'{hint}")
        return value

    @field_validator("list_separator")
    @classmethod
    def _one_char(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("list_separator must be a single character such as ';' or '|'")
        return value


class SkillCriteria(_Model):
    all: list[NonEmptyStr] = Field(default_factory=list, description="Every one is required.")
    any: list[NonEmptyStr] = Field(
        default_factory=list, description="At least `min_any` of these are required."
    )
    min_any: int = Field(default=1, ge=0, le=1000, description="How many of `any` are required.")
    nice: list[NonEmptyStr] = Field(default_factory=list, description="Only raise the score.")

    @model_validator(mode="after")
    def _min_any_reachable(self) -> SkillCriteria:
        if self.any and self.min_any > len(self.any):
            raise ValueError(
                f"min_any is {self.min_any} but skills.any lists only {len(self.any)} skills"
            )
        return self


class TitleCriteria(_Model):
    include: list[NonEmptyStr] = Field(
        default_factory=list, description="Whole-word, case-insensitive phrases; one must match."
    )
    exclude: list[NonEmptyStr] = Field(
        default_factory=list, description="A title matching any of these is excluded."
    )


class Range(_Model):
    min: float | None = Field(default=None, ge=0, le=100)
    max: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self


class City(_Model):
    name: NonEmptyStr = Field(description="City name, optionally with its country: 'Berlin, DE'.")
    radius_km: float = Field(default=50, gt=0, le=20000)


class LocationCriteria(_Model):
    countries: list[NonEmptyStr] = Field(
        default_factory=list, description="ISO 3166 codes or country names."
    )
    cities: list[City] = Field(default_factory=list)
    remote: bool = Field(default=False, description="True: location only scores, never excludes.")
    allow_unknown: bool = Field(
        default=False, description="Rows with no usable location pass instead of failing."
    )


class CompanyCriteria(_Model):
    exclude: list[NonEmptyStr] = Field(
        default_factory=list, description="Current employers that exclude (normalized match)."
    )
    off_limits: list[NonEmptyStr] = Field(
        default_factory=list, description="Files of company names (no-poach agreements)."
    )


class Audience(_Model):
    skills: SkillCriteria = Field(default_factory=SkillCriteria)
    titles: TitleCriteria = Field(default_factory=TitleCriteria)
    seniority: list[Level] = Field(default_factory=list)
    years_experience: Range = Field(default_factory=Range)
    location: LocationCriteria = Field(default_factory=LocationCriteria)
    companies: CompanyCriteria = Field(default_factory=CompanyCriteria)
    open_to_work: Literal["any", "prefer", "only"] = "any"


class Weights(_Model):
    """Weights of the fit-score parts; the score is the weighted mean of the parts used."""

    skills: float = Field(default=0.5, ge=0, le=100)
    title: float = Field(default=0.2, ge=0, le=100)
    seniority: float = Field(default=0.15, ge=0, le=100)
    location: float = Field(default=0.15, ge=0, le=100)
    open_to_work: float = Field(
        default=0.1, ge=0, le=100, description="Used only with audience.open_to_work: prefer."
    )


class Ranking(_Model):
    min_score: float = Field(default=0.0, ge=0, le=1)
    limit: int | None = Field(
        default=None, ge=0, le=MAX_ROWS, description="Keep the best N; none: no limit."
    )
    weights: Weights = Field(default_factory=Weights)


class Caps(_Model):
    window_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    max_touches: int = Field(default=1, ge=1, le=1000)
    exempt_min_score: float | None = Field(default=None, ge=0, le=1)
    followups_count: bool = Field(
        default=True,
        description="Whether follow-ups (message.followups) count as touches for the caps."
        " false: a follow-up is neither checked against nor counted in any window.",
    )


def _set_maximum(schema: dict[str, Any]) -> None:
    prop = schema["properties"]["disinterest_days"]
    prop["maximum"] = MAX_DAYS


class Suppression(_Model):
    files: list[NonEmptyStr] = Field(default_factory=list)
    in_ats: list[NonEmptyStr] = Field(
        default_factory=list,
        description="ATS candidate exports (Greenhouse, Lever, ...): people found there by email"
        " or profile URL are excluded as already_in_ats.",
    )
    disinterest_days: int = Field(default=180, ge=0)

    # The upper bound lives here rather than on the field: as on every other day count, at most
    # MAX_DAYS, stated in the JSON Schema as `maximum`.
    model_config = ConfigDict(json_schema_extra=lambda schema: _set_maximum(schema))

    @field_validator("disinterest_days")
    @classmethod
    def _at_most_max_days(cls, value: int) -> int:
        if value > MAX_DAYS:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_DAYS}
            )
        return value


#: At most this many follow-ups per campaign (issue 21): one polite reminder, perhaps two.
MAX_FOLLOWUPS: Final = 2
#: `after_days` of a follow-up: at least a day, at most a year after the previous step.
MAX_FOLLOWUP_DAYS: Final = 365


class FollowUp(_Model):
    """A follow-up message: sent `after_days` after the previous step to people who have not
    responded (no outcome of any kind recorded since this campaign first wrote to them)."""

    after_days: int = Field(
        ge=1,
        le=MAX_FOLLOWUP_DAYS,
        description="Days after the previous step (1-365) before this follow-up is due.",
    )
    body: NonEmptyStr = Field(
        description="Template of the follow-up, same fields and sandbox as message.body; the"
        " subject is the campaign's, prefixed 'Re: '."
    )


#: At most this many variants of the first message (issue 21): an A/B test, or a few more.
MAX_VARIANTS: Final = 10


class Variant(_Model):
    """One variant of the first message (an A/B test): each person gets the variant their
    person key hashes to, the same in every build of the campaign."""

    id: str = Field(
        pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        max_length=40,
        description="Lowercase letters, digits and '-'; the `variant` column of the send list"
        " and of the ledger's touches.",
    )
    subject: str | None = Field(
        default=None,
        description="Template of this variant's subject; default: message.subject.",
    )
    body: NonEmptyStr = Field(
        description="Template of this variant's first message, same fields and sandbox as"
        " message.body (which a campaign with variants does not use)."
    )


class Message(_Model):
    channel: Literal["inmail", "email", "linkedin_message"] = "inmail"
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY
    min_personal_fields: int = Field(default=2, ge=0, le=50)
    min_personal_share: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="Lint warns when the median share of a message's characters that come from"
        " the recipient's own fields is under this.",
    )
    followups: list[FollowUp] = Field(
        default_factory=list,
        max_length=MAX_FOLLOWUPS,
        description="Up to 2 follow-ups, in order; step k goes out `after_days` after step k-1.",
    )

    # None, not an empty list, when absent: `variants: []` is an error, and a campaign dumped to
    # JSON (the ledger keeps each run's) must validate again.
    variants: Annotated[list[Variant], Field(min_length=2, max_length=MAX_VARIANTS)] | None = Field(
        default=None,
        description="2-10 variants of the first message, each its own body (and subject);"
        " each person gets one by a hash of their person key and the campaign id, and keeps it"
        " in the follow-ups (whose bodies all variants share).",
    )

    @field_validator("variants")
    @classmethod
    def _unique_variant_ids(cls, value: list[Variant] | None) -> list[Variant] | None:
        seen: dict[str, int] = {}
        for i, variant in enumerate(value or []):
            if variant.id in seen:
                raise ValueError(
                    f"duplicate variant id '{variant.id}' (variants[{seen[variant.id]}] and"
                    f" variants[{i}]); give each variant its own id"
                )
            seen[variant.id] = i
        return value

    @model_validator(mode="after")
    def _body_or_variants(self) -> Message:
        # With variants, message.body would be silently unused: say so instead. (Compared with
        # the default rather than "was it given", so a campaign dumped to JSON, as the ledger
        # keeps it, validates again.)
        if self.variants and self.body != DEFAULT_BODY:
            raise ValueError(
                "message.body and message.variants are both set; a campaign with variants sends"
                " each variant's own body: move the body into a variant"
            )
        return self

    @property
    def variant_list(self) -> list[Variant]:
        """`variants`, or an empty list when the message has none."""
        return self.variants or []

    def variant_index(self, variant_id: str | None) -> int | None:
        """Index in `variants` of `variant_id` (None: no such variant, or none given)."""
        for i, variant in enumerate(self.variant_list):
            if variant.id == variant_id:
                return i
        return None

    def subject_of(self, variant: int | None = None) -> str:
        """Subject template of variant `variant` (an index; None: the message's own)."""
        if variant is None:
            return self.subject
        own = self.variant_list[variant].subject
        return self.subject if own is None else own

    @property
    def steps(self) -> int:
        """Number of messages of the campaign: the first one and its follow-ups."""
        return 1 + len(self.followups)

    def body_of(self, step: int, variant: int | None = None) -> str:
        """Template of step `step` (0: `body`, or `variants[variant].body` when a variant index
        is given; k: `followups[k-1].body`, shared by every variant)."""
        if step == 0:
            return self.body if variant is None else self.variant_list[variant].body
        return self.followups[step - 1].body


class GreenhouseExport(_Model):
    """Greenhouse prospect import: values must match names configured in Greenhouse."""

    source: NonEmptyStr | None = Field(
        default=None, description="Source name as configured in Greenhouse (default 'planner')."
    )
    who_gets_credit: NonEmptyStr | None = Field(
        default=None, description="A Greenhouse user's email (default: sender.email, name, id)."
    )
    job: NonEmptyStr | None = Field(
        default=None,
        description="Job name in Greenhouse (default: role.title). Prospects on a GDPR-configured"
        " job are emailed GDPR information by Greenhouse after the import.",
    )
    office: NonEmptyStr | None = Field(
        default=None, description="Office name in Greenhouse (default: role.location)."
    )
    department: NonEmptyStr | None = None
    prospect_pool: NonEmptyStr | None = None
    prospect_stage: NonEmptyStr | None = None


#: Lever's fixed list of origins, spelled as its importer wants them.
LeverOrigin = Literal["Applied", "Sourced", "Referred", "University", "Internal", "Agency"]


class LeverExport(_Model):
    """Lever candidate import: stage and sources spelled exactly as in Lever."""

    stage: NonEmptyStr = Field(default="New Lead", description="Stage name, exactly as in Lever.")
    origin: LeverOrigin = Field(default="Sourced", description="One of Lever's fixed origins.")
    sources: list[NonEmptyStr] = Field(
        default_factory=lambda: ["planner"], min_length=1, description="Source names."
    )


class AshbyExport(_Model):
    """Ashby API bodies: ids from your Ashby account (source.list, user.search, job.list)."""

    source_id: NonEmptyStr | None = None
    credited_to_user_id: NonEmptyStr | None = None
    job_id: NonEmptyStr | None = Field(
        default=None, description="Attach every candidate to this job (application.create)."
    )


class Export(_Model):
    formats: list[FormatName] = Field(default_factory=lambda: ["csv"])  # type: ignore[arg-type]
    tags: list[NonEmptyStr] = Field(default_factory=list)
    greenhouse: GreenhouseExport = Field(default_factory=GreenhouseExport)
    lever: LeverExport = Field(default_factory=LeverExport)
    ashby: AshbyExport = Field(default_factory=AshbyExport)


class Guardrail(_Model):
    min_response_rate: float = Field(default=0.13, ge=0, le=1)
    min_sample: int = Field(default=100, ge=1, le=MAX_ROWS)
    window_days: int = Field(default=14, ge=1, le=MAX_DAYS)
    action: Literal["warn", "limit", "block"] = "warn"
    limit_to: int = Field(default=25, ge=0, le=MAX_ROWS)


class Campaign(_Model):
    """One campaign file: one role to fill (SPEC 2)."""

    version: Literal[1] = Field(description="File format version; always 1.")
    id: str = Field(
        pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
        max_length=120,
        description="Lowercase letters, digits and '-'; the ledger key of the campaign.",
    )
    role: Role
    sender: Sender
    candidates: Candidates
    audience: Audience = Field(default_factory=Audience)
    skill_aliases: dict[str, str] = Field(
        default_factory=dict, description="Extra skill aliases: spelling -> canonical skill."
    )
    ranking: Ranking = Field(default_factory=Ranking)
    caps: Caps = Field(default_factory=Caps)
    suppression: Suppression = Field(default_factory=Suppression)
    message: Message = Field(default_factory=Message)
    export: Export = Field(default_factory=Export)
    guardrail: Guardrail = Field(default_factory=Guardrail)

    _file: Path | None = PrivateAttr(default=None)
    _sha256: str = PrivateAttr(default="")
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> Path:
        """The campaign file this was loaded from (a placeholder when built in code)."""
        return self._file if self._file is not None else Path(f"<{self.id}>")

    @property
    def base_dir(self) -> Path:
        """Directory that relative paths in the file are resolved against."""
        return self._file.parent if self._file is not None else Path.cwd()

    @property
    def sha256(self) -> str:
        """Hash of the campaign file bytes (or of the model when built in code)."""
        if self._sha256:
            return self._sha256
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def line_of(self, *path: str | int) -> int | None:
        """Line of a key path in the campaign file, for messages about values found later."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def where(self, *path: str | int) -> str:
        """`file:line: key.path` prefix for an error about a value of this campaign."""
        line = self.line_of(*path)
        dotted = _dotted(path)
        loc = f"{self.file}:{line}" if line else str(self.file)
        return f"{loc}: {dotted}" if dotted else loc

    def resolve(self, relative: str) -> Path:
        """A path from the campaign file, made absolute against the file's directory."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.base_dir / p


def campaign_json_schema() -> dict[str, Any]:
    """JSON Schema of the campaign file, generated from the model (for editors)."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner campaign file"
    return schema


# --------------------------------------------------------------------------- loading


#: Largest campaign file read (bytes); campaign files are shared, so they are untrusted input.
MAX_FILE_BYTES: Final = 1_000_000
#: Deepest nesting of mappings and lists (the real format needs 4).
MAX_DEPTH: Final = 32


class _Refused(yaml.YAMLError):
    """A YAML feature campaign files do not allow; `line` is 1-based."""

    def __init__(self, line: int, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
        self.hint = hint


class _LineLoader(yaml.SafeLoader):
    """Safe loader; only used to compose nodes (never constructs arbitrary objects).

    Anchors and aliases (`&name`, `*name`, and so `<<: *name` merges) are refused: expanding
    them is how a small file becomes gigabytes ("billion laughs") or a cycle (`&p [x, *p]`),
    and a campaign file has no use for them. Nesting deeper than MAX_DEPTH is refused too.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            what = "alias '*" if isinstance(event, yaml.AliasEvent) else "anchor '&"
            raise _Refused(
                event.start_mark.line + 1,
                f"YAML {what}{event.anchor}' is not allowed in campaign files",
                "write the value out in full where it is used",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    event.start_mark.line + 1,
                    f"nested more than {MAX_DEPTH} levels deep",
                    "a campaign file needs at most a few levels; see the README",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _node_to_data(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    loader: yaml.SafeLoader,
    problems: list[tuple[tuple[str | int, ...], int, str]],
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = (
                loader.construct_object(key_node, deep=True)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if not isinstance(key, str | int) or isinstance(key, bool):
                problems.append((path, key_node.start_mark.line + 1, "keys must be text"))
                continue
            key = str(key)
            if key in out:
                problems.append(((*path, key), key_node.start_mark.line + 1, "key appears twice"))
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _node_to_data(value_node, (*path, key), lines, loader, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _node_to_data(item, (*path, i), lines, loader, problems)
            for i, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:  # e.g. `2026-13-45`, an int of 5000 digits
        reason = str(exc).split(";")[0]
        problems.append((path, node.start_mark.line + 1, f"value cannot be read: {reason}"))
        return None


def _dotted(path: tuple[str | int, ...] | list[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `path` (for "did you mean")."""
    model: Any = Campaign
    for part in path:
        if isinstance(part, int):
            continue
        if model is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


_HINTS: dict[str, str] = {
    "missing": "add this key; see `planner schema` or the README for the campaign file format",
    "literal_error": "use one of the values listed",
    "string_pattern_mismatch": "use lowercase letters, digits and '-' only, e.g. acme-data-eng-q4",
    "finite_number": "use a plain number; NaN and infinity are not allowed",
}
#: Range errors (every number of the file has a documented range, README "Limits").
for _etype in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
    _HINTS[_etype] = "see the README, section 'Limits', for the range of every number"


def _format_error(
    file: Path,
    lines: dict[tuple[str | int, ...], int],
    loc: tuple[str | int, ...],
    message: str,
    hint: str | None,
    line: int | None = None,
) -> str:
    probe = loc
    while line is None:
        if probe in lines:
            line = lines[probe]
            break
        if not probe:
            break
        probe = probe[:-1]
    where = f"{file}:{line}" if line else str(file)
    key = _dotted(loc) or "(top level)"
    text = f"{where}: {key}: {message}"
    return f"{text} (hint: {hint})" if hint else text


def _problems_from_validation(
    exc: ValidationError,
    file: Path,
    lines: dict[tuple[str | int, ...], int],
    skip: set[tuple[str | int, ...]] | None = None,
) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        etype = err["type"]
        if skip and loc in skip and etype != "extra_forbidden":
            continue  # already reported as a value YAML could not read
        message = str(err["msg"])
        hint = _HINTS.get(etype)
        if etype == "extra_forbidden":
            parent = loc[:-1]
            model = _model_at(parent)
            known = list(model.model_fields) if model else []
            near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            message = "unknown key"
            if near:
                hint = f"did you mean '{near[0]}'?"
            elif known:
                hint = "known keys here: " + ", ".join(known)
        elif etype == "missing":
            message = "required key is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(_format_error(file, lines, loc, message, hint))
    return problems


def _line_number(problem: str) -> int:
    match = re.match(r"^.*?:(\d+): ", problem)
    return int(match.group(1)) if match else 0


def parse_campaign(text: str, file: Path) -> Campaign:
    """Parse and validate campaign YAML text; `file` is used for messages and relative paths."""
    if len(text) > MAX_FILE_BYTES:
        raise _too_big(file)
    lines: dict[tuple[str | int, ...], int] = {}
    yaml_problems: list[tuple[tuple[str | int, ...], int, str]] = []
    try:
        loader = _LineLoader(text)
        try:
            root = loader.get_single_node()
            data = None if root is None else _node_to_data(root, (), lines, loader, yaml_problems)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise ConfigError(f"{file}:{exc.line}: {exc.problem}", hint=exc.hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{file}{line}: not valid YAML: {problem}",
            hint="check indentation and quoting; values with ':' or '#' need quotes",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            f"{file}:1: the campaign file must be a mapping of keys (version, id, role, ...)",
            hint="start from `planner init` or campaigns/example.yaml",
        )
    problems = [_format_error(file, lines, p, m, None, line) for p, line, m in yaml_problems]
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        unreadable = {p for p, _line, _m in yaml_problems}
        problems.extend(_problems_from_validation(exc, file, lines, skip=unreadable))
        campaign = None
    problems.sort(key=_line_number)
    if problems or campaign is None:
        raise problems_error(problems, f"{file}: {{n}} problems")
    campaign._file = file
    campaign._sha256 = hashlib.sha256(text.encode()).hexdigest()
    campaign._lines = lines
    return campaign


def campaign_from_dict(data: dict[str, Any], file: Path) -> Campaign:
    """Validate a campaign given as data (library use); `file` anchors relative paths."""
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        problems = _problems_from_validation(exc, file, {})
        raise problems_error(problems, f"{file}: {{n}} problems") from None
    campaign._file = file
    return campaign


def _too_big(file: Path) -> ConfigError:
    return ConfigError(
        f"{file}: campaign file is larger than {MAX_FILE_BYTES:,} bytes",
        hint="a campaign file describes one role; candidate lists belong in candidates.paths",
    )


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate one campaign file."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise _too_big(file)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{file}: campaign file not found", hint="check the path, or run `planner init`"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read campaign file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file}: campaign file is not UTF-8 text", hint="save the file as UTF-8"
        ) from exc
    campaign = parse_campaign(text, file)
    campaign._sha256 = hashlib.sha256(raw).hexdigest()
    return campaign


def load_each_campaign(paths: list[str] | list[Path]) -> tuple[list[Campaign], list[str]]:
    """The campaign files that load, and every problem of the others (and of ids used twice),
    so a caller can go on checking the ones that loaded (`planner validate`)."""
    campaigns: list[Campaign] = []
    problems: list[str] = []
    for path in paths:
        try:
            campaigns.append(load_campaign(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    seen: dict[str, Path] = {}
    for c in campaigns:
        if c.id in seen:
            problems.append(
                f"{c.where('id')}: campaign id '{c.id}' is also used by {seen[c.id]}"
                " (hint: every campaign needs its own id)"
            )
        seen[c.id] = c.file
    return campaigns, problems


def load_campaigns(paths: list[str] | list[Path]) -> list[Campaign]:
    """Load several campaign files; every problem of every file is reported at once."""
    campaigns, problems = load_each_campaign(paths)
    if problems:
        raise problems_error(problems, "{n} problems in campaign files")
    return campaigns


def iter_schema_keys(model: type[BaseModel] = Campaign, prefix: str = "") -> Iterator[str]:
    """Dotted names of every key of the campaign file (used by docs and tests)."""
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        yield dotted
        inner = _inner_model(field.annotation)
        if inner is not None:
            yield from iter_schema_keys(inner, dotted + ".")


def schema_json() -> str:
    """The JSON Schema as stable, indented text."""
    return json.dumps(campaign_json_schema(), indent=2, sort_keys=True) + "\n"
