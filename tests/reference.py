"""A small, obviously-correct pure-Python model of segmentation (SPEC 5.1-5.2, 6.1).

It is deliberately naive (loops, dicts, union-find) and shares nothing with the DuckDB engine but
the per-value normalization twins and the resolved Criteria, so the property test comparing the
two checks the SQL: criteria, reason order, duplicates, scores and ranking.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from planner.criteria import Criteria

EARTH_RADIUS_KM = 6371.0088


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = math.radians
    a = (
        math.sin(r(lat2 - lat1) / 2) ** 2
        + math.cos(r(lat1)) * math.cos(r(lat2)) * math.sin(r(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _key(url: str | None, email: str | None, source: str) -> str:
    if url is not None:
        basis = "url:" + url
    elif email is not None:
        basis = "email:" + email
    else:
        basis = "src:" + source
    return "p" + hashlib.sha256(basis.encode()).hexdigest()[:16]


def person_keys(rows: list[dict[str, Any]], file_hash: str) -> dict[int, tuple[str, int]]:
    """row_id -> (person_key, component = smallest row_id of the same person)."""
    parent = {r["row_id"]: r["row_id"] for r in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[tuple[str, str], int] = {}
    for r in rows:
        for kind in ("email_norm", "url_norm"):
            value = r[kind]
            if value is None:
                continue
            if (kind, value) in first:
                union(first[(kind, value)], r["row_id"])
            else:
                first[(kind, value)] = r["row_id"]
    members: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        members.setdefault(find(r["row_id"]), []).append(r)
    out: dict[int, tuple[str, int]] = {}
    for root, group in members.items():
        if len(group) > 1:
            urls = [g["url_norm"] for g in group if g["url_norm"] is not None]
            emails = [g["email_norm"] for g in group if g["email_norm"] is not None]
            key = _key(min(urls) if urls else None, min(emails) if emails else None, "")
        for g in group:
            if len(group) == 1:
                source = f"{file_hash}:{g['candidate_id'] or 'line' + str(g['source_line'])}"
                key = _key(g["url_norm"], g["email_norm"], source)
            out[g["row_id"]] = (key, root)
    return out


def evaluate(
    rows: list[dict[str, Any]], crit: Criteria, file_hash: str
) -> dict[int, dict[str, Any]]:
    """row_id -> {person_key, reason (None = eligible), fit_score, matched_skills}."""
    keys = person_keys(rows, file_hash)
    seen_components: set[int] = set()
    result: dict[int, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["row_id"]):
        key, component = keys[r["row_id"]]
        duplicate = component in seen_components
        seen_components.add(component)
        tokens = set(r["skills_list"])

        def has(rule: Any) -> bool:
            return any(v in tokens for v in rule.variants)  # noqa: B023

        all_hits = [has(s) for s in crit.skills_all]
        any_hits = [has(s) for s in crit.skills_any]
        nice_hits = [has(s) for s in crit.skills_nice]
        title = r["title_norm"]
        include_hit = any(re.search(p, title, re.ASCII) for p in crit.titles_include)
        exclude_hit = any(re.search(p, title, re.ASCII) for p in crit.titles_exclude)
        in_country = r["country_code"] is not None and r["country_code"] in crit.countries
        in_city = any(
            r["lat"] is not None
            and r["lon"] is not None
            and haversine(r["lat"], r["lon"], c.lat, c.lon) <= c.radius_km
            for c in crit.cities
        )
        loc_ok = in_country or in_city
        city_countries = {c.country_code for c in crit.cities if c.country_code}
        loc_unknown = not r["has_location"] or (
            r["lat"] is None and r["country_code"] in city_countries
        )
        level = r["seniority"]
        years = r["years"]

        checks = [
            ("duplicate_row", duplicate),
            ("suppressed", False),
            ("already_in_ats", False),
            ("not_open", r["not_open"]),
            ("company_excluded", r["company_norm"] in crit.companies_exclude),
            ("off_limits", r["company_norm"] in crit.off_limits),
            ("skills_missing", not all(all_hits) or sum(any_hits) < crit.min_any),
            ("title_mismatch", bool(crit.titles_include) and not include_hit),
            ("title_excluded", exclude_hit),
            (
                "seniority_mismatch",
                bool(crit.seniority) and level is not None and level not in crit.seniority,
            ),
            (
                "experience_out_of_range",
                (
                    years is not None
                    and (
                        (crit.years_min is not None and years < crit.years_min)
                        or (crit.years_max is not None and years > crit.years_max)
                    )
                )
                # A years cell that is there but not a number fails any range.
                or (
                    years is None
                    and bool((r.get("years_experience") or "").strip())
                    and (crit.years_min is not None or crit.years_max is not None)
                ),
            ),
            (
                "location_mismatch",
                crit.location_set
                and not crit.remote
                and not loc_ok
                and not (crit.allow_unknown and loc_unknown),
            ),
            ("not_open_to_work", crit.open_to_work == "only" and not r["open_flag"]),
        ]
        n_all, n_any, n_nice = len(all_hits), len(any_hits), len(nice_hits)
        denom = n_all + n_any + 0.5 * n_nice
        skills_part = (
            (sum(all_hits) + sum(any_hits) + 0.5 * sum(nice_hits)) / denom if denom else 1.0
        )
        title_part = (1.0 if include_hit else 0.0) if crit.titles_include else 1.0
        if not crit.seniority:
            seniority_part = 1.0
        elif level is None:
            seniority_part = 0.5
        else:
            seniority_part = 1.0 if level in crit.seniority else 0.0
        if not crit.location_set or loc_ok:
            location_part = 1.0
        elif loc_unknown:
            location_part = 0.5
        else:
            location_part = 0.0
        open_part = 1.0 if r["open_flag"] else 0.0
        w = crit.weights
        parts = [skills_part, title_part, seniority_part, location_part, open_part]
        weights = [w["skills"], w["title"], w["seniority"], w["location"], w["open_to_work"]]
        total = sum(weights)
        raw = sum(a * b for a, b in zip(parts, weights, strict=True)) / total if total else 1.0
        score = raw
        reason = next((code for code, failed in checks if failed), None)
        if reason is None and score < crit.min_score - 1e-9:
            reason = "below_min_score"
        names: dict[str, bool] = {}
        for rule, hit in zip(
            (*crit.skills_all, *crit.skills_any, *crit.skills_nice),
            all_hits + any_hits + nice_hits,
            strict=True,
        ):
            names[rule.name] = names.get(rule.name, False) or hit
        result[r["row_id"]] = {
            "person_key": key,
            "reason": reason,
            "fit_score": score,
            "matched_skills": [n for n, hit in names.items() if hit],
        }
    eligible = sorted(
        (rid for rid, v in result.items() if v["reason"] is None),
        key=lambda rid: (-round(result[rid]["fit_score"], 4), result[rid]["person_key"]),
    )
    if crit.limit is not None:
        for rid in eligible[crit.limit :]:
            result[rid]["reason"] = "over_limit"
    return result
