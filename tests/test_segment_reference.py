"""The DuckDB engine agrees with the pure-Python reference (tests/reference.py) on random data.

Random candidate CSVs and random campaigns go through `planner.plan(...)`; every row's reason,
score, person key and the recipients' order must equal what the naive reference computes.
Also: the score is monotone in matching skills.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import segment
from planner.config import campaign_from_dict
from planner.criteria import resolve
from planner.normalize.enrich import enrich_python
from planner.pipeline import plan
from tests import reference

# These plans are about segmentation and memory, deliberately without a ledger.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

HEADER = [
    "candidate_id", "first_name", "last_name", "email", "profile_url", "title", "headline",
    "company", "location", "skills", "years_experience", "open_to_work", "summary",
]  # fmt: skip

SKILLS = ["python", "Python", "sql", "kafka", "Apache Kafka", "flink", "spark", "pyspark",
          "dbt", "airflow", "k8s", "kubernetes", "go", "golang", "postgres", "js"]  # fmt: skip
TITLES = ["Senior Data Engineer", "Data Engineer II", "Big Data Engineering Lead",
          "Staff Analytics Engineer", "Data Engineering Manager", "Junior Data Engineer",
          "Technical Recruiter", "Principal Engineer", "Head of Data", "Werkstudent Data",
          "Sr. Data Engineer", "", "Software Engineer"]  # fmt: skip
COMPANIES = ["Acme Analytics GmbH", "acme analytics", "Globex Inc.", "Initech", "Zalando SE", ""]
LOCATIONS = ["Berlin, Germany", "Greater Berlin Area", "Potsdam, Germany", "Munich, Germany",
             "Amsterdam, Netherlands", "Paris, France", "Germany", "", "Remote",
             "München, Bayern, Deutschland", "Utrecht, Netherlands",
             "Brandenburg an der Havel, Germany", "Frankfurt (Oder), Germany",
             "Kleinkleckersdorf, Germany", "Nowhereville, Netherlands"]  # fmt: skip
EMAILS = ["a@x.com", "A@X.com ", "b@x.com", "c@y.org", "", "d@y.org"]
URLS = ["https://www.linkedin.com/in/ann", "https://de.linkedin.com/in/Ann/?trk=1",
        "linkedin.com/in/bob", "", "https://www.linkedin.com/in/cy/"]  # fmt: skip
YEARS = ["", "2", "5", "7.5", "10+", "16", "abc", "4 years", "ninety", "-3", "1e20"]
OPEN = ["", "true", "false", "yes"]
SUMMARY = ["", "Happy to chat", "not open to opportunities", "No recruiters please"]


def _mostly(common: st.SearchStrategy[str], rare: list[str]) -> st.SearchStrategy[str]:
    """`common` nine times in ten, a value of `rare` otherwise."""
    return st.integers(0, 9).flatmap(lambda k: st.sampled_from(rare) if k == 0 else common)


row_strategy = st.fixed_dictionaries(
    {
        "candidate_id": st.sampled_from(["", "id1", "id2", "id3", "id4"]),
        "first_name": st.sampled_from(["Ann", "Bob", "", "Zoë"]),
        "last_name": st.sampled_from(["Lee", "Ng", ""]),
        # mostly distinct people, sometimes the same person under an identifier variant
        "email": _mostly(st.integers(0, 10_000).map(lambda i: f"u{i}@x.com"), EMAILS),
        "profile_url": _mostly(
            st.integers(0, 10_000).map(lambda i: f"https://www.linkedin.com/in/u{i}"), URLS
        ),
        "title": st.sampled_from(TITLES),
        "headline": st.sampled_from(["", "Open to work", "Building data platforms"]),
        "company": st.sampled_from(COMPANIES),
        "location": st.sampled_from(LOCATIONS),
        "skills": st.lists(st.sampled_from(SKILLS), max_size=9).map("; ".join),
        "years_experience": st.sampled_from(YEARS),
        "open_to_work": st.sampled_from(OPEN),
        "summary": _mostly(st.just(""), SUMMARY),
    }
)


@st.composite
def campaigns(draw: st.DrawFn) -> dict[str, Any]:
    any_ = draw(st.lists(st.sampled_from(["kafka", "flink", "spark", "go"]), unique=True))
    audience: dict[str, Any] = {
        "skills": {
            "all": draw(st.lists(st.sampled_from(["python", "sql"]), unique=True, max_size=1)),
            "any": any_,
            "min_any": draw(st.integers(0, len(any_))) if any_ else 1,
            "nice": draw(st.lists(st.sampled_from(["dbt", "airflow", "kubernetes"]), unique=True)),
        },
        "titles": {
            "include": draw(
                st.lists(
                    st.sampled_from(["data engineer", "analytics engineer", "head of"]),
                    unique=True,
                    max_size=2,
                )
            ),
            "exclude": draw(
                st.lists(st.sampled_from(["manager", "recruiter"]), unique=True, max_size=1)
            ),
        },
        "seniority": draw(
            st.lists(st.sampled_from(["junior", "mid", "senior", "staff", "director"]), unique=True)
        ),
        "years_experience": draw(
            st.sampled_from([{}, {"min": 4}, {"max": 10}, {"min": 3, "max": 12}])
        ),
        "location": {
            "countries": draw(st.lists(st.sampled_from(["DE", "NL", "Germany"]), max_size=2)),
            "cities": draw(
                st.lists(
                    st.sampled_from(
                        [
                            {"name": "Berlin", "radius_km": 50},
                            {"name": "Amsterdam", "radius_km": 20},
                        ]
                    ),
                    max_size=2,
                )
            ),
            "remote": draw(st.booleans()),
            "allow_unknown": draw(st.booleans()),
        },
        "companies": {
            "exclude": draw(st.sampled_from([[], [], [], ["Acme Analytics"]])),
        },
        "open_to_work": draw(st.sampled_from(["any", "prefer", "only"])),
    }
    return {
        "version": 1,
        "id": "prop",
        "role": {"title": "Data Engineer", "company": "Acme"},
        "sender": {"id": "dana"},
        "candidates": {"paths": ["people.csv"], "list_separator": ";"},
        "audience": audience,
        "skill_aliases": draw(st.sampled_from([{}, {"pyspark": "spark"}])),
        "ranking": {
            "min_score": draw(st.sampled_from([0.0, 0.3, 0.5, 0.8])),
            "limit": draw(st.sampled_from([None, 1, 3, 100])),
        },
        "message": {
            "body": "Hi {{ first_name | default('there') }}, we at {{ role.company }} hire a"
            " {{ role.title }}. Your {{ current_title | default('work') }} caught my eye;"
            " up for a call?",
            "min_personal_fields": 0,
        },
    }


def _write(tmp: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def _reference_rows(rows: list[dict[str, str]], path: Path) -> list[dict[str, Any]]:
    out = []
    for i, raw in enumerate(rows):
        r: dict[str, Any] = {k: (v.strip() or None) for k, v in raw.items()}
        for k in ("full_name", "city", "region", "country"):
            r.setdefault(k, None)
        r["row_id"] = i
        r["source_line"] = i + 2
        r["source_file"] = str(path)
        r["skills_list"] = [
            " ".join(t.lower().split()) for t in raw["skills"].split(";") if t.strip()
        ]
        r.update(enrich_python(r))
        out.append(r)
    return out


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row_strategy, min_size=1, max_size=25), spec=campaigns())
def test_engine_equals_reference(
    tmp_path: Path, rows: list[dict[str, str]], spec: dict[str, Any]
) -> None:
    path = _write(tmp_path, rows)
    campaign = campaign_from_dict(spec, tmp_path / "prop.yaml")
    crit = resolve(campaign)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = reference.evaluate(_reference_rows(rows, path), crit, sha)

    built = plan([campaign], as_of=None)
    try:
        # Every column of every row, as explain and the recipients read them (segment.rows_sql).
        full, params = segment.rows_sql(crit, "people", built.campaigns[0].scope, "TRUE")
        got = {
            r[0]: {"person_key": r[1], "reason": r[2], "fit_score": r[3], "matched": r[4]}
            for r in built.con.execute(
                "SELECT d.row_id, d.person_key, d.reason, d.fit_score, s.matched_skills"
                f" FROM dec d JOIN ({full}) s USING (row_id)"
                " JOIN seg_0 k ON k.row_id = d.row_id AND k.reason IS NOT DISTINCT FROM s.reason"
                " AND k.fit_score = s.fit_score",
                params,
            ).fetchall()
        }
        recipients = built.campaigns[0].recipients["person_key"].to_list()
    finally:
        built.close()

    assert set(got) == set(expected)
    for rid, exp in expected.items():
        g = got[rid]
        assert g["person_key"] == exp["person_key"], rid
        assert g["reason"] == exp["reason"], (rid, rows[rid], g, exp)
        assert abs(g["fit_score"] - exp["fit_score"]) < 1e-4, (rid, g, exp)
        assert list(g["matched"]) == exp["matched_skills"]
    want = sorted(
        (rid for rid, v in expected.items() if v["reason"] is None),
        key=lambda rid: (-got[rid]["fit_score"], got[rid]["person_key"]),
    )
    assert recipients == [expected[rid]["person_key"] for rid in want]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(row=row_strategy, spec=campaigns(), extra=st.sampled_from(SKILLS))
def test_an_extra_matching_skill_never_lowers_the_score(
    tmp_path: Path, row: dict[str, str], spec: dict[str, Any], extra: str
) -> None:
    more = dict(row, candidate_id="id9", email="", profile_url="")
    more["skills"] = "; ".join(filter(None, [row["skills"], extra]))
    row = dict(row, candidate_id="id8", email="", profile_url="")
    path = _write(tmp_path, [row, more])
    campaign = campaign_from_dict(spec, tmp_path / "prop.yaml")
    built = plan([campaign])
    try:
        scores = dict(
            built.con.execute("SELECT row_id, fit_score FROM seg_0 ORDER BY row_id").fetchall()
        )
    finally:
        built.close()
    assert path.exists()
    assert scores[1] >= scores[0]
