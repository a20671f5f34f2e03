"""The segmentation query (SPEC 5.1, 5.2): one set-based DuckDB statement per campaign.

For every row of `people` it computes each criterion, the first failing reason code in SPEC order,
the fit-score parts and the score; `build_detail_sql` renders from those, when it is read, a
detail listing every failing check. All campaign values are bound parameters; the SQL text is
generated only from the *number* of skills, phrases and cities.

Fit score (documented in the README): the weighted mean of the parts a campaign uses, each in
[0, 1] — skills (required and `any` skills count 1, `nice` skills 0.5, over all listed),
title (1 when a `titles.include` phrase matches), seniority (1 in the list, 0.5 unknown, 0 else),
location (1 inside, 0.5 unknown, 0 outside) and, with `open_to_work: prefer`, open-to-work (1/0).
A part whose criterion the campaign does not set counts as 1. The score is rounded to 4 decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb

from planner.contract import REASON_SQL_TYPE
from planner.criteria import Criteria
from planner.normalize._sql import named
from planner.normalize.locations import haversine_sql

#: Checks evaluated by the segment query, in SPEC order, with their reason codes.
SEGMENT_CHECKS: tuple[tuple[str, str], ...] = (
    ("f_duplicate", "duplicate_row"),
    ("f_suppressed", "suppressed"),
    ("f_in_ats", "already_in_ats"),
    ("f_not_open", "not_open"),
    ("f_company", "company_excluded"),
    ("f_off_limits", "off_limits"),
    ("f_skills", "skills_missing"),
    ("f_title_mismatch", "title_mismatch"),
    ("f_title_excluded", "title_excluded"),
    ("f_seniority", "seniority_mismatch"),
    ("f_experience", "experience_out_of_range"),
    ("f_location", "location_mismatch"),
    ("f_open_only", "not_open_to_work"),
    ("f_min_score", "below_min_score"),
)


@dataclass
class _Params:
    values: dict[str, Any]

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _or(parts: list[str]) -> str:
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _and(parts: list[str]) -> str:
    return "(" + " AND ".join(parts) + ")" if parts else "TRUE"


def _sum(parts: list[str]) -> str:
    return "(" + " + ".join(parts) + ")" if parts else "0"


def build_segment_sql(crit: Criteria, people: str, scope: str) -> tuple[str, dict[str, Any]]:
    """SQL and named parameters of the segment query for one campaign.

    `people` is the enriched candidate table (`tables.PEOPLE`); `scope` holds the rows this
    campaign reads: (row_id, is_duplicate, first_row_id, first_source, suppressed,
    suppressed_by, in_ats, in_ats_by), `*_by` naming the list and line for the detail.
    """
    p = _Params({})
    sel: list[str] = []

    # --- skills: one boolean column per campaign skill. One list_contains per spelling, OR-ed:
    # list_has_any(skills_list, [spellings]) gives the same answer but builds a set per row and
    # was 10x slower (1.5 s instead of 0.13 s for 8 skills over 1M rows).
    def skill_cols(rules: tuple[Any, ...], tag: str) -> list[str]:
        cols = _flag_names(tag, rules)
        for col, rule in zip(cols, rules, strict=True):
            hits = [f"list_contains(p.skills_list, {p.bind('v', v)})" for v in rule.variants]
            sel.append(f"{_or(hits)} AS {col}")
        return cols

    all_cols = skill_cols(crit.skills_all, "sa")
    any_cols = skill_cols(crit.skills_any, "sy")
    nice_cols = skill_cols(crit.skills_nice, "sn")

    # --- titles
    # Titles repeat (thousands of distinct values per million rows), so the phrase patterns run
    # once per distinct title_norm in a small table joined back (0.9 s -> 0.15 s at 1M rows).
    inc = [f"regexp_matches(title_norm, {p.bind('t', pat)})" for pat in crit.titles_include]
    exc = [f"regexp_matches(title_norm, {p.bind('t', pat)})" for pat in crit.titles_exclude]
    title_join = ""
    if inc or exc:
        title_join = (
            f" LEFT JOIN (SELECT title_norm, {_or(inc)} AS title_include_hit,"
            f" {_or(exc)} AS title_exclude_hit"
            f" FROM (SELECT DISTINCT title_norm FROM {people})) th ON th.title_norm = p.title_norm"
        )
        sel.append("th.title_include_hit, th.title_exclude_hit")
    else:
        sel.append("FALSE AS title_include_hit, FALSE AS title_exclude_hit")

    # --- location
    # The distance the tests check against the Python haversine (normalize.locations).
    dists = [
        named(
            haversine_sql("p.lat", "p.lon", (p.bind("c", c.lat), []), (p.bind("c", c.lon), [])),
            lambda value: p.bind("c", value),
        )
        for c in crit.cities
    ]
    for i, d in enumerate(dists):
        sel.append(f"{d} AS dist{i}")
    countries = p.bind("k", list(crit.countries))
    sel.append(
        f"coalesce(list_contains({countries}::VARCHAR[], p.country_code), FALSE) AS in_country"
    )

    companies_exclude = p.bind("x", list(crit.companies_exclude))
    off_limits = p.bind("x", list(crit.off_limits))
    sel.append(
        f"coalesce(list_contains({companies_exclude}::VARCHAR[], p.company_norm), FALSE)"
        " AS company_hit"
    )
    sel.append(
        f"coalesce(list_contains({off_limits}::VARCHAR[], p.company_norm), FALSE) AS off_hit"
    )

    base = (
        "SELECT p.row_id, s.is_duplicate, s.first_row_id, s.first_source,"
        " s.suppressed, s.suppressed_by, s.in_ats, s.in_ats_by,"
        " p.seniority, p.years, p.has_location, p.open_flag, p.not_open, p.country_code,"
        # A years cell with text that is not a number of years ("ninety", "-3", "1e20").
        " (p.years IS NULL AND nullif(trim(p.years_experience), '') IS NOT NULL) AS years_bad,"
        " p.lat, " + ", ".join(sel) + f" FROM {people} p JOIN {scope} s USING (row_id)" + title_join
    )

    # --- checks and parts over the base columns
    in_city = [
        f"coalesce(dist{i} <= {p.bind('r', c.radius_km)}, FALSE)" for i, c in enumerate(crit.cities)
    ]
    loc_ok = _or(["in_country", *in_city])
    # Unknown, not outside: no place at all, or a place in a radius city's country that the
    # gazetteer has no coordinates for (a small town) - its distance is unknown, so
    # `allow_unknown` decides, as for a row without a location.
    city_countries = sorted({c.country_code for c in crit.cities if c.country_code})
    loc_unknown = (
        "(NOT has_location OR (lat IS NULL AND"
        f" coalesce(list_contains({p.bind('k', city_countries)}::VARCHAR[], country_code),"
        " FALSE)))"
    )
    n_all, n_any, n_nice = len(all_cols), len(any_cols), len(nice_cols)
    any_matched = _sum([f"{c}::INTEGER" for c in any_cols])
    levels = p.bind("l", list(crit.seniority))
    ymin = p.bind("y", crit.years_min)
    ymax = p.bind("y", crit.years_max)

    checks = {
        "f_duplicate": "is_duplicate",
        "f_suppressed": "suppressed",
        "f_in_ats": "in_ats",
        "f_not_open": "not_open",
        "f_company": "company_hit",
        "f_off_limits": "off_hit",
        "f_skills": f"(NOT {_and(all_cols)} OR {any_matched} < {p.bind('m', crit.min_any)})",
        "f_title_mismatch": "NOT title_include_hit" if inc else "FALSE",
        "f_title_excluded": "title_exclude_hit",
        "f_seniority": (
            f"(seniority IS NOT NULL AND NOT list_contains({levels}::VARCHAR[], seniority))"
            if crit.seniority
            else "FALSE"
        ),
        # Unknown years never exclude; years that are there but unreadable do when the
        # campaign asks for a range (they would otherwise pass any range unseen).
        "f_experience": (
            f"((years IS NOT NULL AND (years < coalesce({ymin}::DOUBLE, years)"
            f" OR years > coalesce({ymax}::DOUBLE, years)))"
            f" OR (years_bad AND ({ymin} IS NOT NULL OR {ymax} IS NOT NULL)))"
        ),
        "f_location": (
            "FALSE"
            if crit.remote or not crit.location_set
            else f"(NOT {loc_ok} AND NOT ({'TRUE' if crit.allow_unknown else 'FALSE'}"
            f" AND {loc_unknown}))"
        ),
        "f_open_only": "NOT open_flag" if crit.open_to_work == "only" else "FALSE",
    }

    denom = n_all + n_any + 0.5 * n_nice
    skill_num = _sum(
        [f"{c}::INTEGER" for c in all_cols + any_cols] + [f"0.5 * {c}::INTEGER" for c in nice_cols]
    )
    parts = {
        "skills_part": f"({skill_num} / {p.bind('d', denom)}::DOUBLE)" if denom else "1.0",
        "title_part": "CASE WHEN title_include_hit THEN 1.0 ELSE 0.0 END" if inc else "1.0",
        "seniority_part": (
            f"CASE WHEN seniority IS NULL THEN 0.5 WHEN list_contains({levels}::VARCHAR[],"
            " seniority) THEN 1.0 ELSE 0.0 END"
            if crit.seniority
            else "1.0"
        ),
        "location_part": (
            f"CASE WHEN {loc_ok} THEN 1.0 WHEN {loc_unknown} THEN 0.5 ELSE 0.0 END"
            if crit.location_set
            else "1.0"
        ),
        "open_part": "CASE WHEN open_flag THEN 1.0 ELSE 0.0 END",
    }
    w = crit.weights
    wsum = sum(w.values())
    weighted = " + ".join(
        f"{p.bind('w', w[name])}::DOUBLE * {part}"
        for name, part in zip(
            ("skills", "title", "seniority", "location", "open_to_work"),
            parts.values(),
            strict=True,
        )
    )
    score = f"round(({weighted}) / {p.bind('w', wsum)}::DOUBLE, 4)" if wsum > 0 else "1.0"

    by_name: dict[str, list[str]] = {}
    for flag, rule in zip(
        all_cols + any_cols + nice_cols,
        (*crit.skills_all, *crit.skills_any, *crit.skills_nice),
        strict=True,
    ):
        by_name.setdefault(rule.name, []).append(flag)
    matched = (
        "list_filter(["
        + ", ".join(
            f"CASE WHEN {_or(flags)} THEN {p.bind('n', name)} END"
            for name, flags in by_name.items()
        )
        + "], lambda s: s IS NOT NULL)"
        if by_name
        else "[]::VARCHAR[]"
    )
    nearest = "NULL::DOUBLE"
    nearest_name = "NULL::VARCHAR"
    if dists:
        nearest = f"least({', '.join(f'dist{i}' for i in range(len(dists)))})"
        nearest_name = (
            "CASE "
            + " ".join(
                f"WHEN dist{i} = {nearest} THEN {p.bind('n', c.name)}"
                for i, c in enumerate(crit.cities)
            )
            + " END"
        )

    scored = (
        "SELECT *, "
        + ", ".join(f"{expr} AS {name}" for name, expr in checks.items())
        + ", "
        + ", ".join(f"{expr} AS {name}" for name, expr in parts.items())
        + f", {score} AS fit_score, {matched} AS matched_skills,"
        f" {nearest} AS distance_km, {nearest_name} AS nearest_city"
        f" FROM ({base})"
    )
    min_score = p.bind("s", crit.min_score)
    reason = (
        "CASE "
        + " ".join(
            f"WHEN {col} THEN '{code}'" for col, code in SEGMENT_CHECKS if col != "f_min_score"
        )
        + f" WHEN fit_score < {min_score}::DOUBLE THEN 'below_min_score' END"
    )
    with_reason = (
        f"SELECT *, fit_score < {min_score}::DOUBLE AS f_min_score, {reason} AS reason"
        f" FROM ({scored})"
    )
    return with_reason, _used(with_reason, p)


def _flag_names(tag: str, rules: tuple[Any, ...]) -> list[str]:
    """Column names of the per-skill match flags of the segment table (`sa0`, `sa1`, ...)."""
    return [f"{tag}{i}" for i in range(len(rules))]


def _used(sql: str, p: _Params) -> dict[str, Any]:
    """The parameters `sql` names: those whose expression a campaign does not need are left
    out (DuckDB refuses extras)."""
    used = set(re.findall(r"\$([a-z]\d+)\b", sql))
    return {k: v for k, v in p.values.items() if k in used}


def build_detail_sql(
    crit: Criteria, seg: str, *, verbose: bool = False
) -> tuple[str, dict[str, Any]]:
    """SQL (row_id, detail) over the segment table `seg` of `crit`, and its named parameters.

    The detail is a rendering of the checks a segment row already holds, so it is computed when
    it is read (excluded.csv, `--json`, explain) instead of being stored: one long text per row
    and campaign made the segment tables of a 25-campaign build over 1M rows 7.5 GB. Recipients
    (reason NULL) have no detail. Parameter names start with `q` (no clash with a caller's).

    The detail of excluded.csv names every failing check by its reason code with the row's own
    facts only (the missing required skills, the level, the years, the score): the campaign's
    values are in the campaign file, and repeating them on every row made three quarters of a
    1M-row excluded.csv (227 of 299 MB) and two thirds of its writing time. `verbose` (explain)
    adds the campaign's values: "title matches none of data engineer".
    """
    p = _Params({})
    all_cols = _flag_names("sa", crit.skills_all)
    any_cols = _flag_names("sy", crit.skills_any)
    detail = _detail_sql(crit, p, all_cols, any_cols, p.bind("q", crit.min_score), verbose)
    sql = (
        f"SELECT row_id, CASE WHEN reason IS NULL THEN NULL ELSE {detail} END AS detail FROM {seg}"
    )
    return sql, _used(sql, p)


def _detail_sql(
    crit: Criteria,
    p: _Params,
    all_cols: list[str],
    any_cols: list[str],
    min_score: str,
    verbose: bool,
) -> str:
    """Every failing check of a row as `reason` or `reason: facts` phrases joined with '; '.

    Only campaign values and derived facts (level, years, score) appear, never raw row text;
    the campaign's values only when `verbose`.
    """

    def text(value: str) -> str:
        return p.bind("q", value)

    def campaign(phrase: str) -> str | None:
        """A phrase of campaign values, or nothing (the reason code alone) when terse."""
        return text(phrase) if verbose else None

    missing_all = [
        f"CASE WHEN NOT {col} THEN {text(rule.name)} END"
        for col, rule in zip(all_cols, crit.skills_all, strict=True)
    ]
    any_count = _sum([f"{c}::INTEGER" for c in any_cols])
    skills_bits = []
    if missing_all:
        skills_bits.append(
            f"CASE WHEN NOT {_and(all_cols)} THEN 'missing ' ||"
            f" concat_ws(', ', {', '.join(missing_all)}) END"
        )
    if any_cols:
        of = (
            text(", ".join(r.name for r in crit.skills_any))
            if verbose
            else text(f"{len(any_cols)} skills.any")
        )
        skills_bits.append(
            f"CASE WHEN {any_count} < {crit.min_any} THEN {any_count}::VARCHAR || ' of '"
            f" || {of} || ' (needs {crit.min_any})' END"
        )
    skills_detail = f"concat_ws('; ', {', '.join(skills_bits)})" if skills_bits else "''"
    places = [*crit.countries, *(f"{c.radius_km:g} km of {c.name}" for c in crit.cities)]
    years_range = f"{crit.years_min if crit.years_min is not None else 0:g}-" + (
        f"{crit.years_max:g}" if crit.years_max is not None else "any"
    )
    title_inc = campaign("title matches none of " + ", ".join(crit.titles_include_text))
    levels = campaign(" not in " + ", ".join(crit.seniority))
    outside = campaign("outside " + (", ".join(places) or "the listed places"))
    phrases: dict[str, str | None] = {
        "f_duplicate": "'same person as ' || first_source || ' of this build'",
        "f_suppressed": "coalesce(suppressed_by, 'on a suppression list or opted out')",
        "f_in_ats": "coalesce(in_ats_by, 'in an ATS export')",
        "f_not_open": campaign("profile says not open to opportunities"),
        "f_company": campaign("current employer is on companies.exclude"),
        "f_off_limits": campaign("current employer is on an off-limits list"),
        "f_skills": skills_detail,
        "f_title_mismatch": title_inc,
        "f_title_excluded": campaign("title matches titles.exclude"),
        "f_seniority": "'level ' || seniority" + (f" || {levels}" if levels else ""),
        "f_experience": "CASE WHEN years_bad THEN"
        " 'years_experience is not a number of years (0 to 70), so the range cannot be checked'"
        " ELSE 'years ' || CASE WHEN years = floor(years) THEN years::BIGINT::VARCHAR"
        " ELSE years::VARCHAR END"
        + (f" || ' outside ' || {text(years_range)}" if verbose else "")
        + " END",
        "f_location": None,  # below: its phrase is one CASE
        "f_open_only": campaign("not flagged open to work"),
        "f_min_score": "'score ' || fit_score::VARCHAR"
        + (f" || ' below ' || {min_score}::VARCHAR" if verbose else ""),
    }
    codes = dict(SEGMENT_CHECKS)
    # location_part is 0.5 exactly when the place is unknown (see the location check).
    location = (
        "CASE WHEN NOT has_location THEN 'location_mismatch: no usable location'"
        " WHEN location_part = 0.5"
        " THEN 'location_mismatch: place not found in the gazetteer, distance unknown'"
        + (f" ELSE 'location_mismatch: ' || {outside}" if outside else " ELSE 'location_mismatch'")
        + " END"
    )

    def phrase(col: str, expr: str | None) -> str:
        """`code` alone, or `code: facts`. Every phrase's facts are there whenever its check
        fails (a duplicate has a first row, a level mismatch a level, ...), except the skills',
        which may come out empty; a phrase is built with as little string work as possible:
        it runs for every excluded row (1M rows: 0.9 s of CPU with a guard on every phrase)."""
        code = codes[col]
        if col == "f_location":
            return f"CASE WHEN {col} THEN {location} END"
        if expr is None:
            return f"CASE WHEN {col} THEN '{code}' END"
        if col == "f_skills":
            return f"CASE WHEN {col} THEN '{code}' || coalesce(': ' || nullif({expr}, ''), '') END"
        return f"CASE WHEN {col} THEN '{code}: ' || {expr} END"

    return "concat_ws('; ', " + ", ".join(phrase(c, e) for c, e in phrases.items()) + ")"


#: The columns of the segment table every row keeps: what the decision table and the detail
#: (`build_detail_sql`) read, plus the per-skill flags (`sa0`, `sy0`, ... - see `kept_columns`).
#: The others (matched skills, distances, score parts, the nearest city) are computed for the
#: rows that need them (`rows_sql`: recipients, explain): materialized for every row and
#: campaign they made the segment step 2.5x slower (1.2 s instead of 0.5 s per campaign over
#: 1M rows), for the few hundred recipients that read them.
KEPT_COLUMNS: tuple[str, ...] = (
    "row_id",
    "reason",
    "fit_score",
    "first_source",
    "suppressed_by",
    "in_ats_by",
    "seniority",
    "years",
    "years_bad",
    "has_location",
    "location_part",
    *(flag for flag, _code in SEGMENT_CHECKS),
)


#: The segment table's reason is `contract.REASON_SQL_TYPE` (one byte a row) and it keeps no
#: person key (the decision table takes it from `people`): a 25-campaign build over 1M rows holds
#: 25M segment rows, and at strings their tables did not fit the memory budget (spilling them
#: cost a third of the build: 127 s against 90 s with an 8 GB budget).


def kept_columns(crit: Criteria) -> list[str]:
    """KEPT_COLUMNS and the campaign's per-skill flags of `all` and `any` (the detail's)."""
    return [
        *KEPT_COLUMNS,
        *_flag_names("sa", crit.skills_all),
        *_flag_names("sy", crit.skills_any),
    ]


def segment(
    con: duckdb.DuckDBPyConnection,
    crit: Criteria,
    *,
    people: str = "people",
    scope: str = "scope",
    target: str = "seg",
) -> None:
    """Create table `target` with one row per scoped row: the checks, score and reason
    (`kept_columns`; `build_detail_sql` renders the detail from it, `rows_sql` gives every
    column for chosen rows)."""
    sql, params = build_segment_sql(crit, people, scope)
    cols = ", ".join(
        f"reason::{REASON_SQL_TYPE} AS reason" if c == "reason" else c for c in kept_columns(crit)
    )
    con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {cols} FROM ({sql})", params)


def rows_sql(crit: Criteria, people: str, scope: str, where: str) -> tuple[str, dict[str, Any]]:
    """Every column of the segment query (checks, parts, score, matched skills, distances) for
    the rows of `people` that `where` (a condition on `p`, the people table) keeps.

    The same query as the segment table's, so the same values; `where` is applied before the
    row is scored, so only the chosen rows cost anything beyond the scan.
    """
    sql, params = build_segment_sql(crit, f"(SELECT * FROM {people} p WHERE {where})", scope)
    return sql, params
