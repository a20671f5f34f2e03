"""A campaign's audience resolved into plain values the segment query binds (SPEC 5).

Resolving happens once per campaign, before any candidate is read: skill spellings are expanded to
every alias that means the same skill, countries become ISO codes, cities get coordinates from the
gazetteer, company names are normalized and off-limits files are read. Anything that cannot be
resolved is a ConfigError naming the campaign file, line and key; an off-limits or suppression
file that cannot be read is an InputError.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import polars as pl

from planner import suppression
from planner.config import Campaign
from planner.errors import InputError, PlannerError, Problems, problems_error
from planner.normalize import companies, locations, skills

# Characters with a meaning in regular expressions; escaped so a phrase matches literally in both
# RE2 (DuckDB) and Python's `re`.
_REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


def phrase_pattern(phrase: str) -> str:
    """Whole-word, case-insensitive pattern for a title phrase, valid in RE2 and Python `re`.

    Words are separated by any run of non-word characters, so "data engineer" matches
    "Senior Data-Engineer" and "Data Engineer II" but not "Big Data Engineering".
    """
    words = [_REGEX_META.sub(r"\\\1", w) for w in phrase.lower().split()]
    return r"(?:^|[^0-9a-z_])" + r"[^0-9a-z_]+".join(words) + r"(?:$|[^0-9a-z_])"


@dataclass(frozen=True)
class SkillRule:
    """One skill of the campaign: its display name and every token that counts as it."""

    name: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class CityRule:
    name: str
    lat: float
    lon: float
    radius_km: float
    country_code: str | None = None


@dataclass(frozen=True)
class Criteria:
    """Everything the segment query needs from one campaign, as plain bindable values."""

    campaign_id: str
    skills_all: tuple[SkillRule, ...]
    skills_any: tuple[SkillRule, ...]
    min_any: int
    skills_nice: tuple[SkillRule, ...]
    titles_include: tuple[str, ...]  # regex patterns (phrase_pattern)
    titles_exclude: tuple[str, ...]
    titles_include_text: tuple[str, ...]  # the phrases as written, for explanations
    seniority: tuple[str, ...]
    years_min: float | None
    years_max: float | None
    countries: tuple[str, ...]  # ISO alpha-2
    cities: tuple[CityRule, ...]
    remote: bool
    allow_unknown: bool
    companies_exclude: tuple[str, ...]  # normalized
    off_limits: tuple[str, ...]  # normalized
    open_to_work: str
    min_score: float
    limit: int | None
    weights: dict[str, float] = field(default_factory=dict)
    #: Normalized entries of `suppression.files` (planner.suppression.SCHEMA); None: no files.
    suppression: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    #: Emails and profile URLs of `suppression.in_ats` (same schema); None: no files.
    in_ats: pl.DataFrame | None = field(default=None, compare=False, repr=False)

    @property
    def skill_order(self) -> tuple[str, ...]:
        """Campaign skills in the order they are listed (all, any, nice), each once."""
        seen: dict[str, None] = {}
        for rule in (*self.skills_all, *self.skills_any, *self.skills_nice):
            seen.setdefault(rule.name, None)
        return tuple(seen)

    @property
    def location_set(self) -> bool:
        return bool(self.countries or self.cities)


def _skill_rules(names: list[str], aliases: dict[str, str]) -> tuple[SkillRule, ...]:
    rules: list[SkillRule] = []
    for name in names:
        canonical = skills.canonical_skill(name, aliases)
        rules.append(SkillRule(canonical, tuple(skills.variants(name, aliases))))
    return tuple(rules)


def read_company_list(path_text: str, campaign: Campaign, key: tuple[str | int, ...]) -> list[str]:
    """Company names from an off-limits file: one per line, or a CSV with a `company` column."""
    path = campaign.resolve(path_text)
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(
            f"{campaign.where(*key)}: cannot read off-limits file {path}: {exc.strerror}",
            hint="check the path; it is relative to the campaign file",
        ) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    column = 0
    start = 0
    for name in ("company", "company_name", "name", "unternehmen", "employer"):
        if name in header:
            column, start = header.index(name), 1
            break
    names: list[str] = []
    for row in rows[start:]:
        if column < len(row) and row[column].strip():
            names.append(row[column])
    return names


def _did_you_mean(names: list[str]) -> str:
    """The start of a hint naming the closest known spellings ("" when there are none)."""
    if not names:
        return ""
    return "did you mean " + " or ".join(f"'{n}'" for n in names) + "? otherwise "


def resolve(campaign: Campaign) -> Criteria:
    """Resolve a campaign's audience into Criteria; all problems are reported at once."""
    aud = campaign.audience
    aliases = dict(campaign.skill_aliases)
    problems: list[str] = []

    countries: list[str] = []
    for i, text in enumerate(aud.location.countries):
        code = locations.resolve_country(text)
        if code is None:
            problems.append(
                f"{campaign.where('audience', 'location', 'countries', i)}: unknown country"
                f" '{text}' (hint: {_did_you_mean(locations.suggest_countries(text))}"
                "use an ISO 3166 code such as DE or a name such as Germany)"
            )
        elif code not in countries:
            countries.append(code)

    cities: list[CityRule] = []
    for i, city in enumerate(aud.location.cities):
        found = locations.resolve_city(city.name)
        if found is None:
            problems.append(
                f"{campaign.where('audience', 'location', 'cities', i, 'name')}: unknown city"
                f" '{city.name}' (hint: {_did_you_mean(locations.suggest_cities(city.name))}"
                "use the city's common name, optionally with a country, e.g. 'Berlin, DE')"
            )
            continue
        cities.append(
            CityRule(found.name, found.lat, found.lon, city.radius_km, found.country_code)
        )

    # Every check below runs even when one before it failed, so a campaign's problems are all
    # listed at once (a bad city and a missing off-limits file are two lines of one error).
    collected = Problems()
    if problems:
        collected.add(problems_error(problems, f"{campaign.file}: {{n}} problems"))
    off_limits: list[str] = []
    for i, path_text in enumerate(aud.companies.off_limits):
        try:
            names = read_company_list(
                path_text, campaign, ("audience", "companies", "off_limits", i)
            )
        except PlannerError as exc:
            collected.add(exc)
            continue
        for name in names:
            norm = companies.normalize_company(name)
            if norm:
                off_limits.append(norm)
    suppressed = in_ats = None
    try:
        suppressed = suppression.load(campaign)
    except PlannerError as exc:
        collected.add(exc)
    try:
        in_ats = suppression.load_in_ats(campaign)
    except PlannerError as exc:
        collected.add(exc)
    collected.raise_any(str(campaign.file))

    weights = campaign.ranking.weights
    return Criteria(
        campaign_id=campaign.id,
        skills_all=_skill_rules(aud.skills.all, aliases),
        skills_any=_skill_rules(aud.skills.any, aliases),
        min_any=aud.skills.min_any if aud.skills.any else 0,
        skills_nice=_skill_rules(aud.skills.nice, aliases),
        titles_include=tuple(phrase_pattern(p) for p in aud.titles.include),
        titles_exclude=tuple(phrase_pattern(p) for p in aud.titles.exclude),
        titles_include_text=tuple(aud.titles.include),
        seniority=tuple(aud.seniority),
        years_min=aud.years_experience.min,
        years_max=aud.years_experience.max,
        countries=tuple(countries),
        cities=tuple(cities),
        remote=aud.location.remote,
        allow_unknown=aud.location.allow_unknown,
        companies_exclude=tuple(
            sorted({n for n in map(companies.normalize_company, aud.companies.exclude) if n})
        ),
        off_limits=tuple(sorted(set(off_limits))),
        open_to_work=aud.open_to_work,
        suppression=suppressed,
        in_ats=in_ats,
        min_score=campaign.ranking.min_score,
        limit=campaign.ranking.limit,
        weights={
            "skills": weights.skills,
            "title": weights.title,
            "seniority": weights.seniority,
            "location": weights.location,
            "open_to_work": weights.open_to_work if aud.open_to_work == "prefer" else 0.0,
        },
    )
