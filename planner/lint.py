"""Message lint (SPEC 7): what makes a recruiting message read like spam, found before sending.

`lint_campaign(campaign)` checks `message.subject` and `message.body` of one campaign and returns
findings in a stable order (subject before body, then line, column, rule). Positions are 1-based
line and column in the template text. The templates are validated first
(`personalize.validate_templates`): a template that cannot be compiled raises ConfigError, it is
not a lint finding. A real build refuses to run with any `error` finding unless
`--allow-lint-errors`; warnings are shown and never block.

Text rules look at the literal text of a template, outside `{{ }}`, `{% %}` and `{# #}`.

Rule ids (the full table with examples is docs/lint.md):

    rule                     severity  finds
    generic-greeting         error     the first line opens with a greeting ("Hi", "Hello",
                                       "Dear", ...; generic_greetings.txt) that contains no
                                       {{ first_name }}/{{ last_name }}/{{ full_name }}:
                                       "Hi there", "Hello,", "Dear candidate", "Hi Jane"
    too-few-personal-fields  error     subject + body use fewer person fields than
                                       message.min_personal_fields
    role-not-mentioned       error     neither role.title nor role.company is used, nor their
                                       text written out
    missing-opt-out          error     channel email without an opt-out line ("unsubscribe",
                                       "not interested", ...; lint_opt_out_phrases.txt)
    empty-campaign-field     error     prints a role.*/sender.* field the campaign file leaves
                                       empty, without | default(...): every recipient fails
    canned-phrase            warning   a stock phrase from canned_phrases.txt ("fascinating
                                       background", "came across your profile", ...)
    no-call-to-action        warning   the body asks no question and has no call to action
                                       ("let me know", ...; lint_cta_phrases.txt)
    inmail-length            warning   channel inmail: the body rendered with typical values
                                       is outside 200-400 characters (best reply rates)
    shouting                 warning   a word of 4+ capitals that is no known acronym
                                       (lint_acronyms.txt) nor in the role title, company or
                                       sender name; or "!!"
    sample-render-failed     warning   the message cannot be rendered for a typical recipient
                                       (e.g. matched_skills[4] when few skills match)
    missing-column           warning   the template needs a person field (printed without
                                       {% if %} or | default) that no input file of the
                                       campaign has a column for: every recipient would go to
                                       insufficient_personalization (names field and files)
    low-personal-share       warning   the median share of the body's characters that come
                                       from the recipient's own fields is under
                                       message.min_personal_share (a build: over its
                                       recipients; `planner lint`: the typical recipient)

Why canned phrases are warnings, not errors: a phrase list cannot judge context ("a great
opportunity to mentor" may be honest), while the errors are things that are broken or
impersonal for every recipient. The articles behind the project show recipients resent them,
so they are always reported.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from planner import personalize, sources
from planner.config import Campaign
from planner.errors import InputError
from planner.normalize import _data

Severity = Literal["error", "warning"]
#: "subject", "body", the body of a follow-up ("followups[0].body", "followups[1].body"), or
#: a variant's body or own subject ("variants[0].body", "variants[0].subject").
Field = str


@dataclass(frozen=True, slots=True)
class Rule:
    """A lint rule: id, severity and what it finds (for docs and `planner lint`)."""

    id: str
    severity: Severity
    summary: str


RULES: Final[tuple[Rule, ...]] = (
    Rule("generic-greeting", "error", "greeting without a name field"),
    Rule("too-few-personal-fields", "error", "fewer person fields than min_personal_fields"),
    Rule("role-not-mentioned", "error", "neither the role nor the company is mentioned"),
    Rule("missing-opt-out", "error", "email without an opt-out line"),
    Rule("empty-campaign-field", "error", "prints a role/sender field the campaign leaves empty"),
    Rule("canned-phrase", "warning", "stock phrase recipients recognise as mass messaging"),
    Rule("no-call-to-action", "warning", "no question and no call to action"),
    Rule("inmail-length", "warning", "InMail body outside 200-400 characters"),
    Rule("shouting", "warning", "ALL-CAPS words or '!!'"),
    Rule("sample-render-failed", "warning", "cannot be rendered for a typical recipient"),
    Rule("missing-column", "warning", "needs a field no input file has a column for"),
    Rule("low-personal-share", "warning", "too little of the message is about the recipient"),
)
_RULE_ORDER: Final = {rule.id: i for i, rule in enumerate(RULES)}
_SEVERITY: Final = {rule.id: rule.severity for rule in RULES}
_FIELD_RE: Final = re.compile(r"(variants|followups)\[(\d+)\]\.(subject|body)")


def _field_order(field: Field) -> tuple[int, int, int]:
    """Subject, then each variant (its subject, its body), the body, then the follow-ups."""
    match = _FIELD_RE.fullmatch(field)
    if match is None:
        return (0, 0, 0) if field == "subject" else (2, 0, 0)
    part = 0 if match.group(3) == "subject" else 1
    return (1 if match.group(1) == "variants" else 3, int(match.group(2)), part)


INMAIL_MIN: Final = 200
INMAIL_MAX: Final = 400
SHOUT_MIN_LETTERS: Final = 4


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding; `line`/`column` are 1-based positions in the template text."""

    rule: str
    severity: Severity
    message: str
    field: Field
    line: int
    column: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the keys of `planner lint --json` and of `--dry-run --json`)."""
        return asdict(self)


def lint_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Findings as JSON-ready dicts, in the given order."""
    return [f.as_dict() for f in findings]


def lint_campaign(
    campaign: Campaign, columns: Mapping[str, frozenset[str]] | None = None
) -> list[Finding]:
    """Every finding for the campaign's message, in a stable order.

    `columns` maps each input file (its name) to the canonical fields its header provides; by
    default they are read from the campaign's `candidates.paths` (`input_columns`).
    Raises ConfigError when a template is invalid (see `personalize.validate_templates`).
    """
    personalize.validate_templates(campaign)
    if columns is None:
        columns = input_columns(campaign)
    if campaign.message.variants:
        return _ordered(
            [*_variant_findings(campaign, columns), *_followup_findings(campaign, columns)]
        )
    texts: dict[Field, _Text] = {
        "subject": _Text(campaign.message.subject),
        "body": _Text(campaign.message.body),
    }
    allowed_caps = _allowed_caps(campaign)
    findings: list[Finding] = []
    for field, text in texts.items():
        findings.extend(_generic_greeting(field, text))
        findings.extend(_canned_phrases(field, text))
        findings.extend(_shouting(field, text, allowed_caps))
    findings.extend(_too_few_personal_fields(campaign, texts["body"]))
    findings.extend(_role_not_mentioned(campaign, texts))
    findings.extend(_no_call_to_action(campaign, texts["body"]))
    findings.extend(_missing_opt_out(campaign, texts["body"]))
    missing = dict(_missing_columns(campaign, texts, columns))
    # A field no input file has explains a failed sample render better than the render does.
    explained = tuple(f": {name} is empty" for name in missing if name)
    findings.extend(
        f
        for f in _sample_render(campaign, texts)
        if not (explained and f.rule == "sample-render-failed" and f.message.endswith(explained))
    )
    findings.extend(missing.values())
    findings.extend(_followup_findings(campaign, columns))
    return _ordered(findings)


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (_field_order(f.field), f.line, f.column, _RULE_ORDER[f.rule], f.message),
    )


def with_personal_share(
    findings: Sequence[Finding],
    campaign: Campaign,
    shares: Sequence[float],
    field: Field | None = None,
) -> list[Finding]:
    """`findings` with `low-personal-share` judged on these recipients' shares instead of the
    typical recipient's (a build calls this with its send list; no recipients: unchanged).
    `field` (a variant's body, "variants[i].body") judges that variant alone, on the shares of
    its recipients; by default the message as a whole, under "body"."""
    if not shares:
        return list(findings)
    kept = [
        f
        for f in findings
        if f.rule != "low-personal-share" or (field is not None and f.field != field)
    ]
    found = _low_personal_share(campaign, shares, f"{len(shares)} recipients", field or "body")
    return _ordered([*kept, *found])


def _low_personal_share(
    campaign: Campaign, shares: Sequence[float], over: str, field: Field = "body"
) -> Iterator[Finding]:
    median = statistics.median(shares)
    minimum = campaign.message.min_personal_share
    if median < minimum:
        yield _finding(
            "low-personal-share",
            f"only {median:.0%} of the message is about the recipient (median personal share"
            f" {median:.4f} over {over}), under message.min_personal_share {minimum:g}; say"
            " more about the person ({{ best_cue }}, {{ current_title }}, {{ reasons }})",
            field,
            1,
            1,
        )


def _followup_findings(
    campaign: Campaign, columns: Mapping[str, frozenset[str]]
) -> Iterator[Finding]:
    """Each follow-up's body linted like the body (its own findings, under its own key); the
    subject is the campaign's and was linted once."""
    for step in range(1, campaign.message.steps):
        message = campaign.message.model_copy(
            update={"body": campaign.message.body_of(step), "followups": [], "variants": None}
        )
        as_body = campaign.model_copy(update={"message": message})
        for f in lint_campaign(as_body, columns):
            if f.field == "body":
                yield replace(f, field=personalize.body_field(step))


def variant_view(campaign: Campaign, variant: int) -> Campaign:
    """The campaign as if variant `variant` (an index) were its only message: its body, and its
    own subject or the message's (no variants, no follow-ups)."""
    message = campaign.message.model_copy(
        update={
            "subject": campaign.message.subject_of(variant),
            "body": campaign.message.body_of(0, variant),
            "followups": [],
            "variants": None,
        }
    )
    return campaign.model_copy(update={"message": message})


def _variant_findings(
    campaign: Campaign, columns: Mapping[str, frozenset[str]]
) -> Iterator[Finding]:
    """Each variant linted as the campaign's message (its own findings, under its own keys).
    A subject the variants share is the message's: its findings are reported once."""
    seen: set[Finding] = set()
    for i in range(len(campaign.message.variant_list)):
        subject = personalize.subject_field(campaign, i)
        for f in lint_campaign(variant_view(campaign, i), columns):
            one = replace(
                f, field=subject if f.field == "subject" else personalize.body_field(0, i)
            )
            if one not in seen:
                seen.add(one)
                yield one


# --------------------------------------------------------------------------- text


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternatives; spaces match any whitespace, ' matches ’."""

    def one(phrase: str) -> str:
        words = [re.escape(w).replace("'", "['’]") for w in phrase.split()]
        return r"\s+".join(w.replace(r"\-", r"[-\s]?") for w in words)

    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(one(p) for p in ordered) + r")(?!\w)", re.I)


_CANNED: Final = _phrase_pattern(_data.lines("canned_phrases.txt"))
_OPENERS: Final = _phrase_pattern(_data.lines("generic_greetings.txt"))
_CTA: Final = _phrase_pattern(_data.lines("lint_cta_phrases.txt"))
_OPT_OUT: Final = _phrase_pattern(_data.lines("lint_opt_out_phrases.txt"))
_ACRONYMS: Final = frozenset(_data.lines("lint_acronyms.txt"))
_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_NAME_FIELD: Final = re.compile(r"\b(?:" + "|".join(personalize.NAME_FIELDS) + r")\b")
_CAPS_WORD: Final = re.compile(rf"(?<![^\W\d_])[^\W\d_]{{{SHOUT_MIN_LETTERS},}}(?![^\W\d_])")
_BANGS: Final = re.compile(r"!{2,}")
_MASK: Final = "\x00"


class _Text:
    """A template's source with its tags masked out (same length, newlines kept)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tags = [(m.start(), m.end(), m.group()) for m in _TAG.finditer(source)]
        chars = list(source)
        for start, end, _text in self.tags:
            for i in range(start, end):
                if chars[i] != "\n":
                    chars[i] = _MASK
        self.masked = "".join(chars)
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def lines(self) -> Iterator[tuple[int, str]]:
        """(offset, masked line) for each line."""
        for start in self._line_starts:
            end = self.masked.find("\n", start)
            yield start, self.masked[start : end if end >= 0 else len(self.masked)]

    def literal_has(self, text: str) -> bool:
        return text.casefold() in self.masked.casefold()

    def last_line(self) -> int:
        """Number of the last non-blank line (for findings about the whole body)."""
        lines = self.source.rstrip().splitlines()
        return max(len(lines), 1)


def _finding(rule: str, message: str, field: Field, line: int, column: int) -> Finding:
    return Finding(rule, _SEVERITY[rule], message, field, line, column)


# --------------------------------------------------------------------------- rules


def _generic_greeting(field: Field, text: _Text) -> Iterator[Finding]:
    for offset, line in text.lines():
        if not any(ch.isalpha() for ch in line):
            continue  # blank or tags only: the opening line is further down
        match = re.match(rf"[\s{_MASK}]*", line)
        start = match.end() if match else 0
        opener = _OPENERS.match(line, start)
        if opener is None:
            return
        stop = re.search(r"[,.!?:;—\n]", line[opener.end() :])
        end = opener.end() + (stop.start() if stop else len(line) - opener.end())
        span = (offset + opener.start(), offset + end)
        named = any(
            tag_start < span[1] and tag_end > span[0] and _NAME_FIELD.search(tag)
            for tag_start, tag_end, tag in text.tags
        )
        if not named:
            greeting = " ".join(text.source[span[0] : span[1]].split())
            row, column = text.position(span[0])
            yield _finding(
                "generic-greeting",
                f"greeting '{greeting}' does not use the recipient's name; write e.g."
                " 'Hi {{ first_name }},'",
                field,
                row,
                column,
            )
        return


def _canned_phrases(field: Field, text: _Text) -> Iterator[Finding]:
    for match in _CANNED.finditer(text.masked):
        row, column = text.position(match.start())
        phrase = " ".join(match.group().split())
        yield _finding(
            "canned-phrase",
            f"canned phrase '{phrase}': it reads as mass messaging; say something specific to"
            " this person instead",
            field,
            row,
            column,
        )


def _allowed_caps(campaign: Campaign) -> frozenset[str]:
    words = " ".join(
        v for v in (campaign.role.title, campaign.role.company, campaign.sender.name) if v
    )
    return _ACRONYMS | frozenset(w for w in re.findall(r"[^\W\d_]+", words) if w.isupper())


def _shouting(field: Field, text: _Text, allowed: frozenset[str]) -> Iterator[Finding]:
    for match in _CAPS_WORD.finditer(text.masked):
        word = match.group()
        if word.isupper() and word not in allowed:
            row, column = text.position(match.start())
            yield _finding(
                "shouting",
                f"'{word}' is written in capitals; it reads as shouting",
                field,
                row,
                column,
            )
    for match in _BANGS.finditer(text.masked):
        row, column = text.position(match.start())
        yield _finding(
            "shouting", f"'{match.group()}' reads as shouting; one '!' at most", field, row, column
        )


def _too_few_personal_fields(campaign: Campaign, body: _Text) -> Iterator[Finding]:
    used = (
        personalize.template_info(campaign, "subject").person_fields
        | personalize.template_info(campaign, "body").person_fields
    )
    needed = campaign.message.min_personal_fields
    if len(used) < needed:
        names = ", ".join(sorted(used)) or "none"
        yield _finding(
            "too-few-personal-fields",
            f"the message uses {len(used)} person field(s) ({names}) but"
            f" message.min_personal_fields is {needed}; add e.g. {{{{ top_skill }}}} or"
            " {{ current_company }}",
            "body",
            1,
            1,
        )


def _role_not_mentioned(campaign: Campaign, texts: dict[Field, _Text]) -> Iterator[Finding]:
    used = (
        personalize.template_info(campaign, "subject").campaign_fields
        | personalize.template_info(campaign, "body").campaign_fields
    )
    if used & {"role.title", "role.company"}:
        return
    for literal in (campaign.role.title, campaign.role.company):
        if any(t.literal_has(literal) for t in texts.values()):
            return
    yield _finding(
        "role-not-mentioned",
        "the message names neither the role nor the hiring company; add {{ role.title }} or"
        " {{ role.company }}",
        "body",
        1,
        1,
    )


def _no_call_to_action(campaign: Campaign, body: _Text) -> Iterator[Finding]:
    if "?" in body.masked or _CTA.search(body.masked):
        return
    yield _finding(
        "no-call-to-action",
        "the message asks no question and has no call to action; end with e.g. 'Would you be"
        " open to a short call next week?'",
        "body",
        body.last_line(),
        1,
    )


def _missing_opt_out(campaign: Campaign, body: _Text) -> Iterator[Finding]:
    if campaign.message.channel != "email" or _OPT_OUT.search(body.masked):
        return
    yield _finding(
        "missing-opt-out",
        "an email needs an opt-out line; add e.g. 'Not interested? Reply and I won't contact"
        " you again.'",
        "body",
        body.last_line(),
        1,
    )


def _sample_render(campaign: Campaign, texts: dict[Field, _Text]) -> Iterator[Finding]:
    sample = personalize.sample_recipient(campaign)
    result = personalize.render(campaign, [sample], min_personal_fields=0)[0]
    if not result.ok:
        detail = result.detail or "unknown problem"
        field_name = detail.removesuffix(" is empty")
        if detail.endswith(" is empty") and field_name.startswith(("role.", "sender.")):
            field, row, column = _locate(texts, field_name)
            yield _finding(
                "empty-campaign-field",
                f"{field_name} is printed but the campaign file does not set it; set it or use"
                f" {{{{ {field_name} | default('...') }}}}",
                field,
                row,
                column,
            )
        else:
            yield _finding(
                "sample-render-failed",
                f"the message cannot be rendered for a typical recipient: {detail}",
                "body",
                1,
                1,
            )
        return
    yield from _low_personal_share(campaign, [result.personal_share], "a typical recipient")
    if campaign.message.channel == "inmail":
        length = len(result.message)
        if not INMAIL_MIN <= length <= INMAIL_MAX:
            yield _finding(
                "inmail-length",
                f"with typical values the body has {length} characters; InMails of"
                f" {INMAIL_MIN}-{INMAIL_MAX} characters get the best reply rates",
                "body",
                1,
                1,
            )


def _locate(texts: dict[Field, _Text], dotted: str) -> tuple[Field, int, int]:
    """Where a template first mentions `role.x` / `sender.x` (inside a tag)."""
    owner, attr = dotted.split(".", 1)
    pattern = re.compile(rf"\b{owner}\s*(?:\.\s*{attr}\b|\[\s*['\"]{attr}['\"]\s*\])")
    for field, text in texts.items():
        for start, _end, tag in text.tags:
            match = pattern.search(tag)
            if match:
                row, column = text.position(start + match.start())
                return field, row, column
    return "body", 1, 1


# --------------------------------------------------------------------------- input columns

MAX_FILES_NAMED: Final = 3


def input_columns(campaign: Campaign) -> dict[str, frozenset[str]]:
    """Input file name -> canonical fields its header provides, for the campaign's CSV files.

    Empty when the files cannot all be read or one is Parquet: then nothing is claimed about
    the columns (validate and build report unreadable files themselves).
    """
    try:
        paths = sources.expand_paths(
            campaign.base_dir,
            campaign.candidates.paths,
            where=campaign.where("candidates", "paths"),
        )
        overrides = tuple(sorted(campaign.candidates.columns.items()))
        found = {p.name: _file_columns(p, _version(p), overrides) for p in paths}
    except (InputError, OSError):
        return {}
    if any(v is None for v in found.values()):
        return {}
    return {name: fields for name, fields in found.items() if fields is not None}


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=256)
def _file_columns(
    path: Path, _version: tuple[int, int], overrides: tuple[tuple[str, str], ...]
) -> frozenset[str] | None:
    """`sources.file_columns`, once per file version (25 campaigns over one file: one read)."""
    return sources.file_columns(path, dict(overrides))


def _files_named(columns: Mapping[str, frozenset[str]]) -> str:
    names = sorted(columns)
    shown = ", ".join(names[:MAX_FILES_NAMED])
    rest = len(names) - MAX_FILES_NAMED
    return f"{shown} and {rest} more" if rest > 0 else shown


def _missing_columns(
    campaign: Campaign, texts: dict[Field, _Text], columns: Mapping[str, frozenset[str]]
) -> Iterator[tuple[str, Finding]]:
    """Fields the template cannot do without that no input file has a column for, as
    (field, finding); field "" for the finding about too few fields left."""
    if not columns:
        return
    have = frozenset().union(*columns.values())
    unavailable = personalize.unavailable_fields(campaign, have)
    used = (
        personalize.template_info(campaign, "subject").person_fields
        | personalize.template_info(campaign, "body").person_fields
    )
    missing = [f for f in personalize.PERSON_FIELDS if f in unavailable and f in used]
    if not missing:
        return
    plain = personalize.render(campaign, [personalize.sample_recipient(campaign)])[0]
    files = _files_named(columns)
    reported = False
    for name in missing:
        result = personalize.render_without(campaign, [name])
        if result.ok or result.detail != f"{name} is empty":
            continue  # guarded by {% if %} / | default
        if plain.detail == result.detail and not unavailable[name].startswith("no input file"):
            continue  # the campaign's own doing (no audience.skills): sample-render-failed says it
        field, row, column = _locate_field(texts, name)
        reported = True
        yield (
            name,
            _finding(
                "missing-column",
                f"{{{{ {name} }}}} is printed without a fallback, but {unavailable[name]}"
                f" ({files}): every recipient would go to insufficient_personalization; use"
                f" {{% if {name} %}}...{{% endif %}} or {{{{ {name} | default('...') }}}}",
                field,
                row,
                column,
            ),
        )
    if reported:
        return
    result = personalize.render_without(campaign, missing)
    if not result.ok and (result.detail or "").startswith("uses ") and plain.ok:
        yield (
            "",
            _finding(
                "missing-column",
                f"with the columns of the input files ({files}) the message {result.detail}"
                f" (min_personal_fields): no column for {', '.join(missing)}",
                "body",
                1,
                1,
            ),
        )


def _locate_field(texts: dict[Field, _Text], name: str) -> tuple[Field, int, int]:
    """Where a template first prints person field `name` (inside a `{{ }}` tag)."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    for field, text in texts.items():
        for start, _end, tag in text.tags:
            match = pattern.search(tag)
            if match and tag.startswith("{{"):
                row, column = text.position(start + match.start())
                return field, row, column
    return "body", 1, 1
