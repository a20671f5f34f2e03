"""The Polars anchor: the plan of one campaign in idiomatic lazy Polars.

    python -m benchmarks.anchors.polars_plan CAMPAIGN.yaml --touches T.csv --out DIR [--as-of D]

`scan_csv` of the candidates and the touches, one `with_columns` projection normalizing what the
criteria need, the reasons as a `when/then` chain in SPEC 5.1 order, the score, the touches
joined for "already contacted" and the frequency cap, a rank for the limit; the whole query is
collected once and `excluded.csv` and `send_list.csv` written from it. Python renders the final
recipients' messages (Jinja, as planner). Same criteria and naive normalization as the DuckDB
and pandas anchors (`benchmarks.anchors.common`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from benchmarks.anchors import common as cm

TEXT = [
    "candidate_id", "first_name", "last_name", "full_name", "email", "profile_url", "title",
    "headline", "company", "location", "city", "country", "skills", "years_experience",
    "open_to_work", "summary",
]  # fmt: skip


def norm_url(col: pl.Expr) -> pl.Expr:
    s = col.fill_null("").str.to_lowercase().str.replace(cm.URL_SCHEME, "")
    s = s.str.replace(cm.URL_TAIL, "").str.replace(cm.URL_HOST, "")
    return s.str.strip_chars_end("/")


def seniority(title: pl.Expr, years: pl.Expr) -> pl.Expr:
    by_years = (
        pl.when(years.is_null())
        .then(None)
        .when(years < 2)
        .then(pl.lit("junior"))
        .when(years < 5)
        .then(pl.lit("mid"))
        .otherwise(pl.lit("senior"))
    )
    expr: pl.Expr = by_years
    for pattern, level in reversed(cm.SENIORITY):
        expr = pl.when(title.str.contains(pattern)).then(pl.lit(level)).otherwise(expr)
    return expr


def haversine_km(lat0: float, lon0: float) -> pl.Expr:
    lat, lon = pl.col("lat").radians(), pl.col("lon").radians()
    dlat = lat - pl.lit(lat0).radians()
    dlon = lon - pl.lit(lon0).radians()
    a = (dlat / 2).sin() ** 2 + lat.cos() * pl.lit(lat0).radians().cos() * (dlon / 2).sin() ** 2
    return 2 * cm.EARTH_KM * a.sqrt().arcsin()


def plan(campaign_path: Path, touches_path: Path, out: Path, as_of: dt.date) -> int:
    crit = cm.load(campaign_path)
    cities_map = cm.city_table()
    countries_map = cm.country_table()
    countries = pl.LazyFrame({"name": list(countries_map), "code": list(countries_map.values())})
    cities = pl.LazyFrame(
        {
            "city_key": list(cities_map),
            "city_country": [v[0] for v in cities_map.values()],
            "lat": [v[1] for v in cities_map.values()],
            "lon": [v[2] for v in cities_map.values()],
        }
    )

    rows = (
        pl.scan_csv(
            crit.candidates, infer_schema=False, truncate_ragged_lines=True, ignore_errors=True
        )
        .select([pl.col(c).str.strip_chars().fill_null("") for c in TEXT])
        .with_row_index("rid")
        .with_columns(
            email_n=pl.when(pl.col("email").str.contains("@"))
            .then(pl.col("email").str.to_lowercase())
            .otherwise(pl.lit("")),
            url_n=norm_url(pl.col("profile_url")),
            title_n=pl.col("title").str.to_lowercase(),
            company_n=pl.col("company").str.to_lowercase().str.replace(cm.LEGAL, ""),
            years=pl.col("years_experience").str.extract(cm.YEARS, 1).cast(pl.Int64, strict=False),
            skills_l=pl.col("skills")
            .str.to_lowercase()
            .str.split(";")
            .list.eval(pl.element().str.strip_chars()),
            loc_parts=pl.col("location")
            .str.to_lowercase()
            .str.replace_all(cm.LOCATION_NOISE, "")
            .str.split(","),
            country_l=pl.col("country").str.to_lowercase(),
        )
        .with_columns(
            last_part=pl.col("loc_parts").list.last().str.strip_chars(),
            city_key=pl.when(pl.col("city") != "")
            .then(pl.col("city").str.to_lowercase())
            .otherwise(pl.col("loc_parts").list.first().str.strip_chars()),
        )
        .join(
            countries.rename({"code": "explicit"}), left_on="country_l", right_on="name", how="left"
        )
        .join(
            countries.rename({"code": "from_last"}),
            left_on="last_part",
            right_on="name",
            how="left",
        )
        .join(cities, on="city_key", how="left", maintain_order="left")
        .with_columns(
            country_code=pl.coalesce("explicit", "from_last", "city_country"),
            not_open=pl.concat_str(
                [
                    pl.col("title_n"),
                    pl.col("headline").str.to_lowercase(),
                    pl.col("summary").str.to_lowercase(),
                ],
                separator=" | ",
            ).str.contains(cm.NOT_OPEN),
            open=pl.col("open_to_work").str.to_lowercase().is_in(["true", "yes", "1"])
            | pl.col("headline").str.to_lowercase().str.contains(cm.OPEN_HEADLINE),
            seniority=seniority(pl.col("title_n"), pl.col("years")),
        )
        .with_columns(
            person=pl.when(pl.col("url_n") != "")
            .then(pl.col("url_n"))
            .when(pl.col("email_n") != "")
            .then(pl.col("email_n"))
            .otherwise(pl.lit("row:") + pl.col("rid").cast(pl.Utf8)),
            known=pl.col("country_code").is_not_null() | pl.col("lat").is_not_null(),
        )
        .sort("rid")
    )

    # Skill hits, one boolean column per campaign skill.
    groups = [("a", crit.all_skills), ("y", crit.any_skills), ("n", crit.nice_skills)]
    hits: dict[str, tuple[str, str]] = {}  # column -> (kind, skill)
    for kind, skills in groups:
        for i, skill in enumerate(skills):
            hits[f"h_{kind}{i}"] = (kind, skill)
    hit_exprs = {
        col: pl.col("skills_l").list.eval(pl.element().is_in(crit.tokens_for(skill))).list.any()
        for col, (_k, skill) in hits.items()
    }
    all_c = [pl.col(c) for c, (k, _s) in hits.items() if k == "a"]
    any_c = [pl.col(c) for c, (k, _s) in hits.items() if k == "y"]
    nice_c = [pl.col(c) for c, (k, _s) in hits.items() if k == "n"]
    n_any = pl.sum_horizontal([c.cast(pl.Int32) for c in any_c]) if any_c else pl.lit(0)
    skills_ok = pl.all_horizontal([*all_c, n_any >= crit.min_any if any_c else pl.lit(True)])
    got = pl.sum_horizontal(
        [*(c.cast(pl.Float64) for c in all_c + any_c), *(0.5 * c.cast(pl.Float64) for c in nice_c)]
    )
    denom = crit.skill_denominator
    skills_part = got / denom if denom else pl.lit(1.0)
    title_in = (
        pl.col("title_n").str.contains(cm.words(crit.include)) if crit.include else pl.lit(True)
    )
    title_out = (
        pl.col("title_n").str.contains(cm.words(crit.exclude)) if crit.exclude else pl.lit(False)
    )
    level_ok = (
        pl.col("seniority").is_null() | pl.col("seniority").is_in(crit.levels)
        if crit.levels
        else pl.lit(True)
    )
    years_ok = pl.col("years").is_null() | pl.col("years").is_between(
        crit.years_min, crit.years_max
    )
    in_place = pl.col("country_code").is_in(crit.countries).fill_null(False)
    for name, radius in crit.cities:
        lat0, lon0 = cm.city_coords(cities_map, name)
        in_place = in_place | (haversine_km(lat0, lon0) <= radius).fill_null(False)
    loc_set = bool(crit.countries or crit.cities)
    loc_ok = (
        in_place | (~pl.col("known") & crit.allow_unknown) | pl.lit(crit.remote)
        if loc_set
        else pl.lit(True)
    )
    location_part = (
        pl.when(in_place).then(1.0).when(pl.col("known")).then(0.0).otherwise(0.5)
        if loc_set
        else pl.lit(1.0)
    )
    seniority_part = (
        pl.when(pl.col("seniority").is_null())
        .then(0.5)
        .when(pl.col("seniority").is_in(crit.levels))
        .then(1.0)
        .otherwise(0.0)
        if crit.levels
        else pl.lit(1.0)
    )
    w = crit.weights
    score = (
        (
            w["skills"] * skills_part
            + w["title"] * title_in.cast(pl.Float64)
            + w["seniority"] * seniority_part
            + w["location"] * location_part
            + w["open_to_work"] * pl.col("open").cast(pl.Float64)
        )
        / sum(w.values())
    ).round(4)
    dup = (pl.int_range(pl.len()).over("person") > 0) | (
        (pl.col("email_n") != "") & (pl.int_range(pl.len()).over("email_n") > 0)
    )
    missing = pl.concat_str(
        [pl.when(~pl.col(c)).then(pl.lit(s)) for c, (k, s) in hits.items() if k == "a"],
        separator=", ",
        ignore_nulls=True,
    ) if all_c else pl.lit("")  # fmt: skip
    skills_detail = pl.concat_str(
        [
            pl.when(~pl.all_horizontal(all_c or [pl.lit(True)])).then(pl.lit("missing ") + missing),
            pl.when(n_any < crit.min_any).then(
                n_any.cast(pl.Utf8)
                + pl.lit(f" of {len(crit.any_skills)} skills.any (needs {crit.min_any})")
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    # (check, reason, the row's facts or None), in the SPEC 5.1 order.
    checks: list[tuple[pl.Expr, str, pl.Expr | None]] = [
        (pl.col("dup"), "duplicate_row", pl.lit("same person as an earlier row")),
        (pl.col("not_open"), "not_open", None),
        (pl.col("company_n").is_in(crit.excluded_companies), "company_excluded", None),
        (~skills_ok, "skills_missing", skills_detail),
        (~title_in, "title_mismatch", None),
        (title_out, "title_excluded", None),
        (~level_ok, "seniority_mismatch", pl.lit("level ") + pl.col("seniority")),
        (~years_ok, "experience_out_of_range", pl.lit("years ") + pl.col("years").cast(pl.Utf8)),
        (
            ~loc_ok,
            "location_mismatch",
            pl.when(~pl.col("known")).then(pl.lit("no usable location")),
        ),
        (
            ~pl.col("open") if crit.open_mode == "only" else pl.lit(False),
            "not_open_to_work",
            None,
        ),
        (
            pl.col("fit_score") < crit.min_score,
            "below_min_score",
            pl.lit("score ") + pl.col("fit_score").cast(pl.Utf8),
        ),
    ]

    def phrase(code: str, facts: pl.Expr | None) -> pl.Expr:
        """planner's excluded.csv phrase: the reason code, and the row's facts after a colon."""
        if facts is None:
            return pl.lit(code)
        return pl.lit(code) + pl.when(facts != "").then(pl.lit(": ") + facts).otherwise(pl.lit(""))

    reason: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    for cond, code, _detail in reversed(checks):
        reason = pl.when(cond).then(pl.lit(code)).otherwise(reason)
    detail = pl.concat_str(
        [pl.when(cond).then(phrase(code, d)) for cond, code, d in checks],
        separator="; ",
        ignore_nulls=True,
    )
    names = [s for _k, s in hits.values()]
    matched = pl.concat_list(
        [pl.when(pl.col(c)).then(pl.lit(s)) for c, (_k, s) in hits.items()]
    ).list.drop_nulls() if names else pl.lit([], dtype=pl.List(pl.Utf8))  # fmt: skip

    seg = (
        rows.with_columns(dup=dup, **hit_exprs)
        .with_columns(fit_score=score)
        .with_columns(reason=reason, detail=detail, matched=matched)
    )

    # Past touches of the same people, by either identifier.
    touches = pl.scan_csv(touches_path, infer_schema=False).select(
        email_n=pl.col("email").str.strip_chars().str.to_lowercase(),
        url_n=norm_url(pl.col("profile_url")),
        d=pl.col("date").str.to_date(strict=False),
        campaign_id="campaign_id",
        channel="channel",
        email="email",
        profile_url="profile_url",
    )
    ids = (
        pl.concat(
            [
                seg.filter(pl.col("email_n") != "").select(
                    id="email_n", person="person", ord=pl.col("rid").cast(pl.Int64)
                ),
                seg.filter(pl.col("url_n") != "").select(
                    id="url_n", person="person", ord=pl.col("rid").cast(pl.Int64) + 10**12
                ),
            ]
        )
        .sort("ord")
        .unique("id", keep="first")
        .select("id", "person")
    )
    keys = ["person", "d", "campaign_id", "channel", "email", "profile_url"]
    since = as_of - dt.timedelta(days=crit.window_days)
    ledger = (
        pl.concat(
            [
                touches.join(ids, left_on="email_n", right_on="id").select(keys),
                touches.join(ids, left_on="url_n", right_on="id").select(keys),
            ]
        )
        .unique()
        .group_by("person")
        .agg(
            contacted=(pl.col("campaign_id") == crit.campaign_id).any(),
            contacted_on=pl.col("d").filter(pl.col("campaign_id") == crit.campaign_id).max(),
            recent=(pl.col("d") > since).sum(),
        )
    )
    exempt = crit.exempt_min_score if crit.exempt_min_score is not None else 2.0
    capped = (pl.col("recent") >= crit.max_touches) & ~(pl.col("fit_score") >= exempt)
    decided = seg.join(ledger, on="person", how="left", maintain_order="left").with_columns(
        reason2=pl.when(pl.col("reason").is_not_null())
        .then(pl.col("reason"))
        .when(pl.col("contacted"))
        .then(pl.lit("already_contacted_for_campaign"))
        .when(capped)
        .then(pl.lit("frequency_cap")),
        detail2=pl.when(pl.col("reason").is_not_null())
        .then(pl.col("detail"))
        .when(pl.col("contacted"))
        .then(
            pl.lit(f"already_contacted_for_campaign: touched for {crit.campaign_id} on ")
            + pl.col("contacted_on").cast(pl.Utf8)
        )
        .when(capped)
        .then(
            pl.lit("frequency_cap: ")
            + pl.col("recent").cast(pl.Utf8)
            + pl.lit(f" touches in the last {crit.window_days} days")
        ),
    )
    ranked = (
        decided.filter(pl.col("reason2").is_null())
        .sort(["fit_score", "person"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .select("rid", "rank")
    )
    limit = crit.limit if crit.limit is not None else 2**62
    over = pl.col("rank") > limit
    dec = (
        decided.join(ranked, on="rid", how="left", maintain_order="left")
        .with_columns(
            final_reason=pl.when(over).then(pl.lit("over_limit")).otherwise(pl.col("reason2")),
            final_detail=pl.when(over)
            .then(
                pl.lit("over_limit: ranked ")
                + pl.col("rank").cast(pl.Utf8)
                + pl.lit(" of the recipients")
            )
            .otherwise(pl.col("detail2")),
        )
        .select(
            "rid",
            "person",
            "candidate_id",
            "first_name",
            "last_name",
            "full_name",
            "email_n",
            "url_n",
            "title",
            "company",
            "country_code",
            "seniority",
            "fit_score",
            "matched",
            "final_reason",
            "final_detail",
            "rank",
        )
        .collect()
    )

    out.mkdir(parents=True, exist_ok=True)
    dec.filter(pl.col("final_reason").is_not_null()).sort("rid").select(
        campaign_id=pl.lit(crit.campaign_id),
        person_key="person",
        candidate_id="candidate_id",
        full_name="full_name",
        reason="final_reason",
        detail="final_detail",
        eligible_again_on=pl.lit(None, dtype=pl.Date),
    ).write_csv(out / "excluded.csv")

    send = dec.filter(pl.col("final_reason").is_null()).sort("rank")
    render = cm.renderer(crit)
    subjects, bodies = [], []
    for r in send.iter_rows(named=True):
        r["top_skill"] = r["matched"][0] if r["matched"] else None
        subject, body = render(r)
        subjects.append(subject)
        bodies.append(body)
    send.select(
        person_key="person",
        candidate_id="candidate_id",
        first_name="first_name",
        last_name="last_name",
        email="email_n",
        profile_url="url_n",
        title="title",
        company="company",
        country_code="country_code",
        seniority="seniority",
        fit_score="fit_score",
        matched_skills=pl.col("matched").list.join("; "),
    ).with_columns(
        subject=pl.Series(subjects, dtype=pl.Utf8), message=pl.Series(bodies, dtype=pl.Utf8)
    ).write_csv(out / "send_list.csv")
    return send.height


if __name__ == "__main__":
    raise SystemExit(cm.main("polars_plan", plan))
