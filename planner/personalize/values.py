"""The values templates see for a recipient (display spellings, reasons), the sample
recipient, and which fields a campaign's files cannot fill."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

import pycountry

from planner.config import Campaign
from planner.normalize.names import CleanName, clean_name
from planner.personalize.fields import (
    _COUNTRY_NAMES,
    _PLACEHOLDERS,
    _SKILL_NAMES,
    PERSON_FIELDS,
    ROLE_FIELDS,
    SENDER_FIELDS,
)
from planner.personalize.sandbox import _EMPTY, _format_number, _human_join


@lru_cache(maxsize=4096)
def display_skill(skill: str) -> str:
    """How a normalized skill reads in a message: "postgresql" -> "PostgreSQL"."""
    key = skill.strip().lower()
    if key in _SKILL_NAMES:
        return _SKILL_NAMES[key]
    if key.isalpha() and key.isascii() and skill == key:
        return key.upper() if len(key) <= 3 else key.capitalize()
    return skill.strip()


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """Common English name of an ISO 3166-1 alpha-2 code ("DE" -> "Germany"); else as given."""
    key = code.strip().upper()
    if key in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[key]
    country = pycountry.countries.get(alpha_2=key) if len(key) == 2 else None
    if country is None:
        return code.strip()
    common = getattr(country, "common_name", None)
    return str(common) if common else str(country.name).split(",")[0]


_LEVEL_NAMES: Final = {"vp": "VP"}


def reasons_for(
    matched_skills: Sequence[str] | None = None,
    *,
    city: str | None = None,
    distance_km: float | None = None,
    country: str | None = None,
    seniority: str | None = None,
    max_skills: int = 3,
) -> list[str]:
    """Short human phrases saying why someone fits: ["Kafka and Flink", "Berlin, 12 km", "Senior"].

    Skills come first (at most `max_skills`, then "and N more"), then where (the matched city
    with its distance, else the city, else the country) and the seniority level.
    """
    reasons: list[str] = []
    skills = [display_skill(s) for s in matched_skills or () if _text(s)]
    if skills:
        shown = skills[:max_skills]
        rest = len(skills) - len(shown)
        reasons.append(_human_join([*shown, f"{rest} more"] if rest else shown))
    place = _text(city)
    distance = _number(distance_km)
    if place and distance is not None:
        reasons.append(f"{place}, {round(distance)} km")
    elif place:
        reasons.append(place)
    elif _text(country):
        reasons.append(country_name(_text(country)))
    level = _text(seniority)
    if level:
        reasons.append(_LEVEL_NAMES.get(level.lower(), level.capitalize()))
    return reasons


def _text(value: object) -> str:
    """A stripped string, or "" for None, NaN and placeholders ("n/a", "null", ...)."""
    if not isinstance(value, str):
        if (
            value is None
            or isinstance(value, bool)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            return ""
        if isinstance(value, list | tuple | set | frozenset | dict):
            return ", ".join(t for t in (_text(v) for v in value) if t)
        value = str(value)
    text = value.strip()
    return "" if len(text) <= 9 and text.lower() in _PLACEHOLDERS else text


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _strings(value: object) -> list[str]:
    if value is None or isinstance(value, str | float | int):
        text = _text(value)
        return [s.strip() for s in re.split(r"[;|]", text) if s.strip()] if text else []
    if isinstance(value, Iterable):
        return [t for t in (_text(v) for v in value) if t]
    return []


def _or_empty(value: Any, field: str) -> Any:
    return _EMPTY[field] if value is None or value == "" or value == [] else value


def recipient_values(
    recipient: Mapping[str, Any],
    fields: Iterable[str] = PERSON_FIELDS,
    names: CleanName | None = None,
) -> dict[str, Any]:
    """Person fields as templates see them (empty ones undefined); see the module docstring."""
    if names is None:
        names = clean_name(
            recipient.get("first_name"), recipient.get("last_name"), recipient.get("full_name")
        )
    out: dict[str, Any] = {}
    for field in fields:
        value = _VALUES[field](recipient, names)
        out[field] = _EMPTY[field] if value is None or value == "" or value == [] else value
    return out


def _skills(recipient: Mapping[str, Any]) -> list[str]:
    return _strings(recipient.get("matched_skills"))


def _top_skill(recipient: Mapping[str, Any]) -> str:
    top = _text(recipient.get("top_skill"))
    if not top:
        skills = _skills(recipient)
        top = skills[0] if skills else ""
    return display_skill(top) if top else ""


def _country(recipient: Mapping[str, Any]) -> str:
    code = _text(recipient.get("country"))
    return country_name(code) if code else ""


def _years(recipient: Mapping[str, Any]) -> int | float | None:
    years = _number(recipient.get("years_experience"))
    return None if years is None else _format_number(years)


def _score(recipient: Mapping[str, Any]) -> float | None:
    score = _number(recipient.get("fit_score"))
    return None if score is None else round(score, 2)


def _best_cue(recipient: Mapping[str, Any]) -> str:
    cue = _text(recipient.get("best_cue"))
    return display_skill(cue) if cue and recipient.get("best_cue_kind") == 0 else cue


def recipient_reasons(recipient: Mapping[str, Any]) -> list[str]:
    """The recipient's `reasons`, or `reasons_for` its skills, matched city and seniority."""
    given = recipient.get("reasons")
    if given is not None:
        return _strings(given)
    return reasons_for(
        _skills(recipient),
        city=recipient.get("nearest_city") or recipient.get("city"),
        distance_km=recipient.get("distance_km"),
        country=_text(recipient.get("country")),
        seniority=recipient.get("seniority"),
    )


def _plain(key: str) -> Callable[[Mapping[str, Any], CleanName], str]:
    return lambda r, _names: _text(r.get(key))


_VALUES: Final[dict[str, Callable[[Mapping[str, Any], CleanName], Any]]] = {
    "first_name": lambda _r, names: names.first,
    "last_name": lambda _r, names: names.last,
    "full_name": lambda _r, names: names.full,
    "email": _plain("email"),
    "profile_url": _plain("profile_url"),
    "current_title": _plain("current_title"),
    "current_company": _plain("current_company"),
    "city": _plain("city"),
    "country": lambda r, _names: _country(r),
    "seniority": _plain("seniority"),
    "years_experience": lambda r, _names: _years(r),
    "matched_skills": lambda r, _names: [display_skill(s) for s in _skills(r)],
    "top_skill": lambda r, _names: _top_skill(r),
    "fit_score": lambda r, _names: _score(r),
    "reasons": lambda r, _names: recipient_reasons(r),
    "headline": _plain("headline"),
    "best_cue": lambda r, _names: _best_cue(r),
}
assert set(_VALUES) == set(PERSON_FIELDS)


def _campaign_values(campaign: Campaign) -> dict[str, dict[str, Any]]:
    role = {f: _or_empty(_text(getattr(campaign.role, f)), f"role.{f}") for f in ROLE_FIELDS}
    sender = {
        f: _or_empty(_text(getattr(campaign.sender, f)), f"sender.{f}") for f in SENDER_FIELDS
    }
    return {"role": role, "sender": sender}


def sample_recipient(campaign: Campaign) -> dict[str, Any]:
    """Typical raw values of one recipient of this campaign (for lint and previews).

    Skills are matched only against the campaign's skills, so a campaign without
    `audience.skills` gets a sample without matched skills, as its recipients will be.
    """
    skills = [*campaign.audience.skills.all, *campaign.audience.skills.any][:3]
    titles = campaign.audience.titles.include
    title = titles[0].title() if titles else campaign.role.title
    return {
        "first_name": "Alex",
        "last_name": "Example",
        "full_name": "Alex Example",
        "email": "alex.example@example.com",
        "profile_url": "https://www.linkedin.com/in/alex-example",
        "current_title": title,
        "current_company": "Example Systems",
        "headline": f"{title} at Example Systems",
        "city": "Berlin",
        "country": "DE",
        "seniority": "senior",
        "years_experience": 8.0,
        "matched_skills": skills,
        "top_skill": skills[0] if skills else None,
        "best_cue": skills[-1] if skills else None,
        "best_cue_kind": 0,
        "fit_score": 0.82,
        "distance_km": 12.0,
        "nearest_city": "Berlin",
    }


#: Input columns (canonical fields, SPEC 3) each person field is made from; a field whose
#: columns no input file has is empty for every recipient. `fit_score` and `reasons` are
#: computed, so they are always available.
FIELD_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "first_name": ("first_name", "full_name"),
    "last_name": ("last_name", "full_name"),
    "full_name": ("full_name", "first_name", "last_name"),
    "email": ("email",),
    "profile_url": ("profile_url",),
    "current_title": ("title",),
    "current_company": ("company",),
    "city": ("city", "location"),
    "country": ("country", "location", "city", "region"),
    "seniority": ("title", "years_experience"),
    "years_experience": ("years_experience",),
    "matched_skills": ("skills",),
    "top_skill": ("skills",),
    "headline": ("headline",),
}


def unavailable_fields(campaign: Campaign, columns: Iterable[str]) -> dict[str, str]:
    """Person fields that are empty for every recipient, given the canonical columns that the
    campaign's input files have (union over the files), with why: field -> "no input file has a
    skills column".

    `matched_skills`/`top_skill` are also unavailable when the campaign lists no skills (they
    hold the campaign's skills a person has).
    """
    have = frozenset(columns)
    out: dict[str, str] = {}
    has_skills = bool(
        campaign.audience.skills.all
        or campaign.audience.skills.any
        or campaign.audience.skills.nice
    )
    for field, sources in FIELD_SOURCES.items():
        if not have.intersection(sources):
            out[field] = "no input file has a " + " or ".join(sources) + " column"
        elif field in ("matched_skills", "top_skill") and not has_skills:
            out[field] = "the campaign lists no audience.skills"
    return out
