"""The DuckDB anchor: the plan of one campaign as one hand-written DuckDB SQL script.

    python -m benchmarks.anchors.duckdb_plan CAMPAIGN.yaml --touches T.csv --out DIR [--as-of D]

One script, the way someone fluent in SQL would write the plan: read the candidate CSV (bad rows
skipped), normalize what the criteria need in one projection, give each row its reasons with
CASE, score, join the touches for "already contacted" and the frequency cap, rank for the limit,
and COPY `excluded.csv` (a reason and a detail per excluded row). Python only loads the campaign
and the gazetteer tables and renders the messages of the final recipients (Jinja, as planner),
which are then COPY'd as `send_list.csv`. All values are bound parameters.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.anchors import common as cm

#: `BENCH_TIMINGS=1` prints each statement's seconds to stderr (to see where the time goes).
TIMINGS = bool(os.environ.get("BENCH_TIMINGS"))
URL_SQL = (
    "rtrim(regexp_replace(regexp_replace(regexp_replace(lower(coalesce({0}, '')),"
    " $url_scheme, ''), $url_tail, ''), $url_host, ''), '/')"
)


def _seniority_sql() -> tuple[str, dict[str, Any]]:
    whens, params = [], {}
    for i, (pattern, level) in enumerate(cm.SENIORITY):
        whens.append(f"WHEN regexp_matches(title_n, $lvp{i}) THEN $lvn{i}")
        params[f"lvp{i}"], params[f"lvn{i}"] = pattern, level
    by_years = (
        "CASE WHEN years IS NULL THEN NULL WHEN years < 2 THEN 'junior'"
        " WHEN years < 5 THEN 'mid' ELSE 'senior' END"
    )
    return f"CASE {' '.join(whens)} ELSE {by_years} END", params


def script(crit: cm.Criteria, cities: dict[str, tuple[str, float, float]]) -> tuple[str, dict]:
    """The SQL script (statements separated by ';') and its named parameters."""
    params: dict[str, Any] = {
        "url_scheme": cm.URL_SCHEME,
        "url_tail": cm.URL_TAIL,
        "url_host": cm.URL_HOST,
        "legal": cm.LEGAL,
        "years_re": cm.YEARS,
        "noise": cm.LOCATION_NOISE,
        "not_open": cm.NOT_OPEN,
        "open_headline": cm.OPEN_HEADLINE,
        "excluded_companies": crit.excluded_companies,
        "countries": crit.countries,
        "levels": crit.levels,
        "years_min": crit.years_min,
        "years_max": crit.years_max,
        "min_score": crit.min_score,
        "cid": crit.campaign_id,
        "window": crit.window_days,
        "max_touches": crit.max_touches,
        "exempt": crit.exempt_min_score if crit.exempt_min_score is not None else 2.0,
        "limit": crit.limit if crit.limit is not None else 2**62,
    }
    skills = [("a", s) for s in crit.all_skills] + [("y", s) for s in crit.any_skills]
    skills += [("n", s) for s in crit.nice_skills]
    hit_cols = []
    for i, (kind, skill) in enumerate(skills):
        params[f"sk{i}"] = crit.tokens_for(skill)
        params[f"skn{i}"] = skill
        hit_cols.append((f"h_{kind}{i}", kind, i))
    hits_sql = "".join(f", list_has_any(skills_l, $sk{i}) AS {c}" for c, _k, i in hit_cols)
    all_c = [c for c, k, _ in hit_cols if k == "a"]
    any_c = [c for c, k, _ in hit_cols if k == "y"]
    nice_c = [c for c, k, _ in hit_cols if k == "n"]
    n_any = " + ".join(f"{c}::INT" for c in any_c) or "0"
    skills_ok = " AND ".join([*all_c, f"({n_any}) >= {int(crit.min_any)}" if any_c else "TRUE"])
    got = " + ".join(
        [*(f"{c}::DOUBLE" for c in all_c + any_c), *(f"0.5 * {c}::DOUBLE" for c in nice_c)]
    )
    denom = crit.skill_denominator
    skills_part = f"({got}) / {denom}" if denom else "1.0"
    missing = ", ".join(f"CASE WHEN NOT {c} THEN $skn{i} END" for c, k, i in hit_cols if k == "a")
    skills_detail = (
        f"concat_ws('; ', CASE WHEN NOT ({' AND '.join(all_c) or 'TRUE'}) THEN 'missing ' ||"
        f" concat_ws(', ', {missing or 'NULL'}) END, CASE WHEN ({n_any}) < {int(crit.min_any)}"
        f" THEN ({n_any})::VARCHAR || ' of ' || $any_text END)"
    )
    params["any_text"] = f"{len(crit.any_skills)} skills.any (needs {crit.min_any})"
    matched = ", ".join(f"CASE WHEN {c} THEN $skn{i} END" for c, _k, i in hit_cols) or "NULL"

    params["include_re"] = cm.words(crit.include) if crit.include else ""
    params["exclude_re"] = cm.words(crit.exclude) if crit.exclude else ""
    title_in = "regexp_matches(title_n, $include_re)" if crit.include else "TRUE"
    title_out = "regexp_matches(title_n, $exclude_re)" if crit.exclude else "FALSE"
    level_ok = "(seniority IS NULL OR list_contains($levels, seniority))" if crit.levels else "TRUE"
    near = []
    for i, (name, radius) in enumerate(crit.cities):
        lat0, lon0 = cm.city_coords(cities, name)
        params[f"lat{i}"], params[f"lon{i}"], params[f"rad{i}"] = lat0, lon0, radius
        near.append(
            f"coalesce(2 * {cm.EARTH_KM} * asin(sqrt(pow(sin(radians($lat{i} - lat) / 2), 2)"
            f" + cos(radians(lat)) * cos(radians($lat{i}))"
            f" * pow(sin(radians($lon{i} - lon) / 2), 2))) <= $rad{i}, FALSE)"
        )
    in_place = " OR ".join(["coalesce(list_contains($countries, country_code), FALSE)", *near])
    loc_set = bool(crit.countries or crit.cities)
    loc_ok = (
        f"({in_place}) OR (NOT known AND {crit.allow_unknown}) OR {crit.remote}"
        if loc_set
        else "TRUE"
    )
    location_part = (
        f"CASE WHEN {in_place} THEN 1.0 WHEN known THEN 0.0 ELSE 0.5 END" if loc_set else "1.0"
    )
    seniority_part = (
        "CASE WHEN seniority IS NULL THEN 0.5 WHEN list_contains($levels, seniority) THEN 1.0"
        " ELSE 0.0 END"
        if crit.levels
        else "1.0"
    )
    w = crit.weights
    score = (
        f"round(({w['skills']} * {skills_part} + {w['title']} * ({title_in})::DOUBLE"
        f" + {w['seniority']} * {seniority_part} + {w['location']} * {location_part}"
        f" + {w['open_to_work']} * open::DOUBLE) / {sum(w.values())}, 4)"
    )
    open_only = "NOT open" if crit.open_mode == "only" else "FALSE"
    seniority_sql, sp = _seniority_sql()
    params.update(sp)

    # (check, reason, the row's facts or None), in the SPEC 5.1 order.
    checks = [
        ("dup", "duplicate_row", "'same person as an earlier row'"),
        ("not_open", "not_open", None),
        ("list_contains($excluded_companies, company_n)", "company_excluded", None),
        (f"NOT ({skills_ok})", "skills_missing", skills_detail),
        (f"NOT ({title_in})", "title_mismatch", None),
        (f"{title_out}", "title_excluded", None),
        (f"NOT {level_ok}", "seniority_mismatch", "'level ' || seniority"),
        (
            "NOT (years IS NULL OR years BETWEEN $years_min AND $years_max)",
            "experience_out_of_range",
            "'years ' || years::VARCHAR",
        ),
        (
            f"NOT ({loc_ok})",
            "location_mismatch",
            "CASE WHEN NOT known THEN 'no usable location' END",
        ),
        (open_only, "not_open_to_work", None),
        ("fit_score < $min_score", "below_min_score", "'score ' || fit_score::VARCHAR"),
    ]
    reason = " ".join(f"WHEN {cond} THEN '{code}'" for cond, code, _ in checks)
    # planner's excluded.csv detail: the reason code, and the row's own facts after a colon.
    detail = ", ".join(
        f"CASE WHEN {cond} THEN '{code}'"
        + (f" || coalesce(': ' || nullif({d}, ''), '')" if d else "")
        + " END"
        for cond, code, d in checks
    )

    text_cols = ["candidate_id", "first_name", "last_name", "full_name", "email", "profile_url"]
    text_cols += ["title", "headline", "company", "location", "city", "country", "skills"]
    text_cols += ["years_experience", "open_to_work", "summary"]
    trimmed = ", ".join(f"coalesce(trim({c}), '') AS {c}" for c in text_cols)
    # Identifiers and SQL fragments are the script's own; every value is a $parameter.
    sql = f"""
CREATE TEMP TABLE n AS
WITH r AS (
    SELECT row_number() OVER () AS rid, {trimmed}
    FROM read_csv($candidates, header = true, all_varchar = true, ignore_errors = true)
), s AS (
    SELECT *,
        CASE WHEN contains(lower(email), '@') THEN lower(email) ELSE '' END AS email_n,
        {URL_SQL.format("profile_url")} AS url_n,
        lower(title) AS title_n,
        regexp_replace(lower(company), $legal, '') AS company_n,
        TRY_CAST(nullif(regexp_extract(years_experience, $years_re, 1), '') AS INTEGER) AS years,
        list_transform(string_split(lower(skills), ';'), lambda x: trim(x)) AS skills_l,
        string_split(regexp_replace(lower(location), $noise, '', 'g'), ',') AS loc_parts
    FROM r
)
SELECT s.*,
    coalesce(ce.code, cl.code, ci.country) AS country_code, ci.lat, ci.lon,
    regexp_matches(title_n || ' | ' || lower(headline) || ' | ' || lower(summary), $not_open)
        AS not_open,
    list_contains(['true', 'yes', '1'], lower(open_to_work))
        OR regexp_matches(lower(headline), $open_headline) AS open,
    coalesce(nullif(url_n, ''), nullif(email_n, ''), 'row:' || (rid - 1)::VARCHAR) AS person
FROM s
LEFT JOIN countries ce ON ce.name = lower(s.country)
LEFT JOIN countries cl ON cl.name = trim(s.loc_parts[-1])
LEFT JOIN cities ci ON ci.name = coalesce(nullif(lower(s.city), ''), trim(s.loc_parts[1]));

CREATE TEMP TABLE seg AS
WITH f AS (
    SELECT *, {seniority_sql} AS seniority,
        row_number() OVER (PARTITION BY person ORDER BY rid) > 1
            OR (email_n <> '' AND row_number() OVER (PARTITION BY email_n ORDER BY rid) > 1)
            AS dup,
        country_code IS NOT NULL OR lat IS NOT NULL AS known
        {hits_sql}
    FROM n
), g AS (SELECT *, {score} AS fit_score FROM f)
SELECT rid, person, candidate_id, first_name, last_name, full_name, email_n, url_n, title,
    company, country_code, seniority, fit_score,
    list_filter([{matched}], lambda x: x IS NOT NULL) AS matched,
    CASE {reason} END AS reason,
    concat_ws('; ', {detail}) AS detail
FROM g;

CREATE TEMP TABLE t AS
SELECT lower(trim(email)) AS email_n, {URL_SQL.format("profile_url")} AS url_n,
    TRY_CAST(date AS DATE) AS d, campaign_id, channel, email, profile_url
FROM read_csv($touches, header = true, all_varchar = true);

CREATE TEMP TABLE ledger AS
WITH ids AS (
    SELECT id, arg_min(person, ord) AS person FROM (
        SELECT email_n AS id, person, rid AS ord FROM seg WHERE email_n <> ''
        UNION ALL
        SELECT url_n, person, rid + 1e12 FROM seg WHERE url_n <> ''
    ) GROUP BY id
), hits AS (
    SELECT DISTINCT i.person, t.d, t.campaign_id, t.channel, t.email, t.profile_url
    FROM t JOIN ids i ON i.id = t.email_n
    UNION
    SELECT DISTINCT i.person, t.d, t.campaign_id, t.channel, t.email, t.profile_url
    FROM t JOIN ids i ON i.id = t.url_n
)
SELECT person,
    bool_or(campaign_id = $cid) AS contacted,
    max(CASE WHEN campaign_id = $cid THEN d END) AS contacted_on,
    count(*) FILTER (WHERE d > $as_of::DATE - $window::INTEGER) AS recent
FROM hits GROUP BY person;

CREATE TEMP TABLE dec AS
WITH l AS (
    SELECT s.*,
        CASE WHEN s.reason IS NOT NULL THEN s.reason
             WHEN l.contacted THEN 'already_contacted_for_campaign'
             WHEN l.recent >= $max_touches AND NOT (s.fit_score >= $exempt) THEN 'frequency_cap'
        END AS reason2,
        CASE WHEN s.reason IS NOT NULL THEN s.detail
             WHEN l.contacted THEN 'already_contacted_for_campaign: touched for ' || $cid
                 || ' on ' || l.contacted_on::VARCHAR
             WHEN l.recent >= $max_touches AND NOT (s.fit_score >= $exempt)
                 THEN 'frequency_cap: ' || l.recent::VARCHAR || ' touches in the last '
                 || $window::VARCHAR || ' days'
        END AS detail2
    FROM seg s LEFT JOIN ledger l USING (person)
), ranked AS (
    SELECT *, CASE WHEN reason2 IS NULL
        THEN row_number() OVER (PARTITION BY reason2 IS NULL ORDER BY fit_score DESC, person)
        END AS rank
    FROM l
)
SELECT *,
    CASE WHEN rank > $limit THEN 'over_limit' ELSE reason2 END AS final_reason,
    CASE WHEN rank > $limit THEN 'over_limit: ranked ' || rank::VARCHAR || ' of the recipients'
         ELSE detail2 END AS final_detail
FROM ranked;

COPY (
    SELECT $cid AS campaign_id, person AS person_key, candidate_id, full_name,
        final_reason AS reason, final_detail AS detail, NULL::DATE AS eligible_again_on
    FROM dec WHERE final_reason IS NOT NULL ORDER BY rid
) TO $excluded (HEADER, DELIMITER ',')
"""  # noqa: S608
    return sql, params


def plan(campaign_path: Path, touches_path: Path, out: Path, as_of: dt.date) -> int:
    crit = cm.load(campaign_path)
    cities = cm.city_table()
    countries = cm.country_table()
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE cities AS SELECT unnest($n) AS name, unnest($c) AS country,"
        " unnest($lat) AS lat, unnest($lon) AS lon",
        {
            "n": list(cities),
            "c": [v[0] for v in cities.values()],
            "lat": [v[1] for v in cities.values()],
            "lon": [v[2] for v in cities.values()],
        },
    ).fetchall()
    con.execute(
        "CREATE TEMP TABLE countries AS SELECT unnest($n) AS name, unnest($c) AS code",
        {"n": list(countries), "c": list(countries.values())},
    ).fetchall()
    sql, params = script(crit, cities)
    params |= {
        "candidates": str(crit.candidates),
        "touches": str(touches_path),
        "as_of": as_of.isoformat(),
        "excluded": str(out / "excluded.csv"),
    }
    for statement in sql.split(";\n"):
        used = {k: params[k] for k in set(re.findall(r"\$(\w+)", statement))}
        started = time.perf_counter()
        con.execute(statement, used).fetchall()
        if TIMINGS:
            seconds = time.perf_counter() - started
            print(f"{seconds:6.2f} s {' '.join(statement.split()[:4])}", file=sys.stderr)

    # The final recipients (at most ranking.limit rows): messages in Python, then COPY.
    cur = con.execute(
        "SELECT rid, person, candidate_id, first_name, last_name, full_name, email_n, url_n, title,"
        " company, country_code, seniority, fit_score, matched FROM dec"
        " WHERE final_reason IS NULL ORDER BY rank"
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    render = cm.renderer(crit)
    subjects, bodies = [], []
    for r in rows:
        r["top_skill"] = r["matched"][0] if r["matched"] else None
        subject, body = render(r)
        subjects.append(subject)
        bodies.append(body)
    con.execute(
        "CREATE TEMP TABLE messages AS SELECT unnest($p) AS rid, unnest($s) AS subject,"
        " unnest($b) AS message",
        {"p": [r["rid"] for r in rows], "s": subjects, "b": bodies},
    ).fetchall()
    con.execute(
        """
        COPY (
            SELECT d.person AS person_key, candidate_id, first_name, last_name, email_n AS email,
                url_n AS profile_url, title, company, country_code, seniority, fit_score,
                array_to_string(matched, '; ') AS matched_skills, m.subject, m.message
            FROM dec d JOIN messages m USING (rid) ORDER BY d.rank
        ) TO $send (HEADER, DELIMITER ',')
        """,
        {"send": str(out / "send_list.csv")},
    ).fetchall()
    con.close()
    return len(rows)


if __name__ == "__main__":
    raise SystemExit(cm.main("duckdb_plan", plan))
