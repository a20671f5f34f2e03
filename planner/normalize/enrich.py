"""The enrich step: `rows` -> `people`, every normalization at once (SPEC 4, 5.3, 6.1).

`people` holds every column of `rows` (one row per source row, same row_id; the physical order
is unspecified, readers order by row_id) plus:

| column | meaning |
|---|---|
| email_norm | `identity.normalize_email(email)` |
| url_norm | `identity.normalize_profile_url(profile_url)` |
| company_norm | `companies.normalize_company(company)` |
| title_norm | title lowercased, whitespace collapsed; '' when there is no title |
| years | `signals.parse_years(years_experience)` (DOUBLE) |
| open_flag | `signals.is_open_to_work(open_to_work, headline)`, never NULL |
| not_open | `signals.is_not_open(title, headline, summary)`, never NULL |
| seniority | `seniority.seniority_of(title, years, seniority_level)`, NULL when unknown |
| city_name, country_code, lat, lon | `locations.parse_location(location, city, region, country)` |
| has_location | a country or coordinates are known, never NULL |

How it runs (all in DuckDB, values as bound parameters, no Python per row):

1. Columns whose values repeat (title, company, years_experience, open_to_work,
   seniority_level) are normalized
   once per DISTINCT value into small lookup tables; distinct location tuples get an id.
2. Locations need the gazetteer, so they are parsed in Python once per distinct (location, city,
   region, country) tuple - there are few - into a small table. The gazetteer loads in a
   background thread (started by `sources.read_sources`, or here) while DuckDB works.
3. `target` is ONE pass over `source`: every source column, the per-row values (email, URL,
   not-open phrases, headline, years -> level) and the lookups hash-joined in (the small tables
   are the build sides). Profiling at 1M rows: this replaced a narrow derived table, sorted and
   joined back positionally to the wide rows, which cost ~3 s more (the positional join of
   wide rows alone ~2.5 s).

`enrich_python` computes the same derived fields for a single row; a property test checks that
the two agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import duckdb
import polars as pl

from planner.normalize import companies, identity, locations, seniority, signals
from planner.normalize._sql import Sql, fmt, ident
from planner.normalize._text import squash, squash_sql

#: Columns `enrich` adds to the source columns, in order.
DERIVED_COLUMNS: Final[tuple[str, ...]] = (
    "email_norm",
    "url_norm",
    "company_norm",
    "title_norm",
    "years",
    "open_flag",
    "not_open",
    "seniority",
    "city_name",
    "country_code",
    "lat",
    "lon",
    "has_location",
)

_LOCATION_KEYS: Final[tuple[str, ...]] = ("location", "city", "region", "country")
_PLACE_SCHEMA: Final[dict[str, Any]] = {
    "loc_id": pl.Int64,
    "city_name": pl.Utf8,
    "country_code": pl.Utf8,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "has_location": pl.Boolean,
}
_PREFIX: Final[str] = "_planner_enrich_"
_TEMPS: Final[tuple[str, ...]] = (
    "title", "company", "years", "open", "level", "loc", "place",
)  # fmt: skip


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> None:
    # Fetch to the end: DuckDB 2 refuses new work on a connection with an unfinished result.
    con.execute(sql, params or []).fetchall()


def _distinct(src: str, columns: str) -> str:
    """A subquery of the distinct values of `columns`, to fill a `{}` slot of `fmt`."""
    return f"SELECT DISTINCT {columns} FROM {src}"  # noqa: S608 - identifiers via ident()


def _lookup_tables(con: duckdb.DuckDBPyConnection, src: str, t: Mapping[str, str]) -> None:
    """One temp table per repeating column, holding each distinct value once, normalized."""
    title_norm = fmt("coalesce({}, '')", squash_sql("title"))
    queries: dict[str, Sql] = {
        "title": fmt(
            "SELECT title, title_norm, {} AS title_level FROM {}",
            seniority.title_level_sql("title_norm", normalized=True),
            fmt("SELECT title, {} AS title_norm FROM {}", title_norm, _distinct(src, "title")),
        ),
        "company": fmt(
            "SELECT company, {} AS company_norm FROM {}",
            companies.company_sql("company"),
            _distinct(src, "company"),
        ),
        "years": fmt(
            "SELECT years_experience, {} AS years FROM {}",
            signals.years_sql("years_experience"),
            _distinct(src, "years_experience"),
        ),
        "open": fmt(
            "SELECT open_to_work, {} AS open_value FROM {}",
            signals.open_value_sql("open_to_work"),
            _distinct(src, "open_to_work"),
        ),
        "level": fmt(
            "SELECT seniority_level, {} AS source_level FROM {}",
            seniority.source_level_sql("seniority_level"),
            _distinct(src, "seniority_level"),
        ),
        # Distinct location tuples get an id; the Python side parses each once.
        "loc": fmt(
            "SELECT row_number() OVER () AS loc_id, * FROM {}",
            _distinct(src, ", ".join(_LOCATION_KEYS)),
        ),
    }
    for name, (sql, params) in queries.items():
        _run(con, f"CREATE OR REPLACE TEMP TABLE {t[name]} AS {sql}", params)


def _people_sql(src: str, t: Mapping[str, str]) -> Sql:
    """The whole `people` SELECT: every source column, the per-row derived values and the
    lookups joined in."""
    loc_join = " AND ".join(f"s.{k} IS NOT DISTINCT FROM k.{k}" for k in _LOCATION_KEYS)
    joins = (
        f" FROM {src} s"
        f" LEFT JOIN {t['title']} ti ON s.title IS NOT DISTINCT FROM ti.title"
        f" LEFT JOIN {t['company']} c ON s.company IS NOT DISTINCT FROM c.company"
        f" LEFT JOIN {t['years']} y ON s.years_experience IS NOT DISTINCT FROM y.years_experience"
        f" LEFT JOIN {t['open']} o ON s.open_to_work IS NOT DISTINCT FROM o.open_to_work"
        f" LEFT JOIN {t['level']} sl ON s.seniority_level IS NOT DISTINCT FROM sl.seniority_level"
        f" LEFT JOIN {t['place']} k ON {loc_join}"
    )
    return fmt(
        "SELECT s.*,"
        " {} AS email_norm,"
        " {} AS url_norm,"
        " c.company_norm,"
        " coalesce(ti.title_norm, '') AS title_norm,"
        " y.years,"
        " coalesce(o.open_value, FALSE) OR {} AS open_flag,"
        " {} AS not_open,"
        " coalesce(sl.source_level, ti.title_level, {}) AS seniority,"
        " k.city_name, k.country_code, k.lat, k.lon,"
        " coalesce(k.has_location, FALSE) AS has_location" + joins,
        identity.email_sql("s.email"),
        identity.url_sql("s.profile_url"),
        signals.open_headline_sql("s.headline"),
        signals.not_open_sql("s.title", "s.headline", "s.summary"),
        seniority.years_sql("y.years"),
    )


def _places(con: duckdb.DuckDBPyConnection, loc_table: str) -> pl.DataFrame:
    """Parse each distinct location tuple once (Python, the gazetteer)."""
    keys = ", ".join(_LOCATION_KEYS)
    records: list[tuple[Any, ...]] = []
    for loc_id, loc, city, region, country in con.execute(
        f"SELECT loc_id, {keys} FROM {loc_table}"  # noqa: S608 - identifiers via ident()
    ).fetchall():
        place = locations.parse_location(loc, city, region, country)
        records.append((loc_id, place.city, place.country_code, place.lat, place.lon, place.known))
    return pl.DataFrame(records, schema=_PLACE_SCHEMA, orient="row")


def enrich(
    con: duckdb.DuckDBPyConnection,
    source: str = "rows",
    target: str = "people",
    *,
    catalog: str | None = None,
) -> None:
    """Create (or replace) table `target` (in the attached database `catalog`, if given): every
    column of `source` plus DERIVED_COLUMNS."""
    src, dst = ident(source), ident(target)
    if catalog is not None:
        dst = f"{ident(catalog)}.{dst}"
    t = {name: ident(_PREFIX + name) for name in _TEMPS}
    warm = locations.warm_up_in_background()
    frame_view = _PREFIX + "places"
    try:
        _lookup_tables(con, src, t)
        warm.join()
        con.register(frame_view, _places(con, t["loc"]))
        keys = ", ".join(f"k.{k}" for k in _LOCATION_KEYS)
        _run(
            con,
            f"CREATE OR REPLACE TEMP TABLE {t['place']} AS"  # noqa: S608 - identifiers via ident()
            f" SELECT {keys}, l.city_name, l.country_code, l.lat, l.lon, l.has_location"
            f" FROM {t['loc']} k JOIN {ident(frame_view)} l USING (loc_id)",
        )
        # One pass over the wide rows: the small lookup tables are the hash joins' build sides
        # and the source streams through once. No ORDER BY: every reader of `people` orders
        # explicitly (by row_id, file and line), and sorting the wide rows cost ~1-2 s per 1M.
        sql, params = _people_sql(src, t)
        _run(con, f"CREATE OR REPLACE TABLE {dst} AS {sql}", params)
    finally:
        warm.join()
        con.unregister(frame_view)
        for name in t.values():
            _run(con, f"DROP TABLE IF EXISTS {name}")


def enrich_python(row: Mapping[str, Any]) -> dict[str, Any]:
    """The derived fields of one row (a mapping with the canonical fields), computed in Python."""
    get = row.get
    years = signals.parse_years(get("years_experience"))
    place = locations.parse_location(get("location"), get("city"), get("region"), get("country"))
    title = get("title")
    return {
        "email_norm": identity.normalize_email(get("email")),
        "url_norm": identity.normalize_profile_url(get("profile_url")),
        "company_norm": companies.normalize_company(get("company")),
        "title_norm": squash(title) if title is not None else "",
        "years": years,
        "open_flag": signals.is_open_to_work(get("open_to_work"), get("headline")),
        "not_open": signals.is_not_open(title, get("headline"), get("summary")),
        "seniority": seniority.seniority_of(title, years, get("seniority_level")),
        "city_name": place.city,
        "country_code": place.country_code,
        "lat": place.lat,
        "lon": place.lon,
        "has_location": place.known,
    }
