"""benchmarks/generate.py: seeded synthetic candidates, touches and campaigns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import jinja2
import jinja2.sandbox
import polars as pl
import pytest

from benchmarks import generate as g
from planner.config import load_campaign

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_HEADER = [
    "candidate_id", "first_name", "last_name", "full_name", "email", "profile_url", "title",
    "headline", "company", "location", "city", "country", "skills", "years_experience",
    "open_to_work", "summary",
]  # fmt: skip
NOT_OPEN = re.compile(r"not open|no recruiters|not looking|not interested", re.IGNORECASE)


def _records(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _slug(url: str) -> str:
    match = re.search(r"/in/([^/?#]+)", url, re.IGNORECASE)
    return match.group(1).lower() if match else ""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10k candidates, 2k touches and 3 campaigns from seed 7, through the command line."""
    root = tmp_path_factory.mktemp("bench")
    code = g.main(
        [
            "--rows", "10000", "--seed", "7", "--out", str(root / "data" / "candidates.csv"),
            "--ledger-touches", "2000", "--ledger-out", str(root / "touches.csv"),
            "--campaigns", "3", "--campaigns-dir", str(root / "campaigns"),
        ]
    )  # fmt: skip
    assert code == 0
    return root


def test_mix64_expression_matches_python_reference() -> None:
    # Guards the generator against a Polars release that stops wrapping UInt64 arithmetic.
    values = [0, 1, 2, 12345, 2**63 - 1, 2**63 + 5, 2**64 - 1]
    got = pl.select(g.mix64(pl.lit(pl.Series(values, dtype=pl.UInt64)))).to_series().to_list()
    assert got == [g.mix64_py(v) for v in values]
    assert g.mix64_py(0) == 0
    assert g.mix64_py(1) == 0x5692161D100B05E5  # splitmix64's finalizer of 1


def test_header_and_row_count(small: Path) -> None:
    path = small / "data" / "candidates.csv"
    assert path.read_bytes().startswith((",".join(EXPECTED_HEADER) + "\n").encode())
    assert list(g.HEADER) == EXPECTED_HEADER
    records = _records(path)
    assert records[0] == EXPECTED_HEADER
    assert len(records) == 10_000 + 1
    ids = [r[0] for r in records[1:]]
    assert ids[0] == "c000000001" and ids[-1] == "c000010000"
    assert len(set(ids)) == len(ids)


def test_bad_rows_are_wrong_column_count_near_the_default_share(small: Path) -> None:
    records = _records(small / "data" / "candidates.csv")[1:]
    bad = [r for r in records if len(r) != len(EXPECTED_HEADER)]
    assert 20 <= len(bad) <= 90  # 0.5% of 10,000 = 50; binomial sd ~7
    assert {len(r) for r in bad} == {5, 12, 17}


def test_bad_share_is_configurable(tmp_path: Path) -> None:
    written = g.write_candidates(g.Spec(rows=10_000, seed=3, bad_share=0.05), tmp_path / "c.csv")
    records = _records(tmp_path / "c.csv")[1:]
    bad = sum(1 for r in records if len(r) != len(EXPECTED_HEADER))
    assert bad == written.bad_rows
    assert abs(bad / 10_000 - 0.05) < 0.01
    none = g.write_candidates(g.Spec(rows=2_000, seed=3, bad_share=0.0), tmp_path / "n.csv")
    assert none.bad_rows == 0
    assert all(len(r) == len(EXPECTED_HEADER) for r in _records(tmp_path / "n.csv"))


def test_same_seed_same_bytes_whatever_the_chunk_size(tmp_path: Path) -> None:
    spec = g.Spec(rows=5_000, seed=11)
    a = g.write_candidates(spec, tmp_path / "a.csv")
    b = g.write_candidates(spec, tmp_path / "b.csv", chunk_rows=1_234)
    c = g.write_candidates(g.Spec(rows=5_000, seed=12), tmp_path / "c.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert a.bytes == b.bytes
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert c.rows == 5_000
    # Without duplicates (whose target depends on --rows), a smaller population is a prefix
    # of a larger one: every value depends on (seed, row index) only.
    small = g.candidate_frame(g.Spec(rows=3_000, seed=11, dup_share=0.0), 0, 3_000)
    large = g.candidate_frame(g.Spec(rows=8_000, seed=11, dup_share=0.0), 0, 3_000)
    assert small.equals(large)


def test_values_look_like_real_exports(small: Path) -> None:
    rows = [
        dict(zip(EXPECTED_HEADER, r, strict=True))
        for r in _records(small / "data" / "candidates.csv")[1:]
        if len(r) == len(EXPECTED_HEADER)
    ]
    names = {r["first_name"] for r in rows} | {r["last_name"] for r in rows}
    assert {"José", "Zoë", "Øyvind", "Łukasz", "李", "Müller"} <= names
    assert any(r["last_name"].endswith(", MBA") for r in rows)
    assert any("(she/her)" in r["last_name"] for r in rows)
    titles = {r["title"] for r in rows}
    assert {"Junior Data Engineer", "Staff Software Engineer", "Sr. Backend Developer"} <= titles
    companies = " ".join(r["company"] for r in rows)
    assert all(s in companies for s in ("GmbH", "Inc.", "Ltd"))
    skills = {s.strip() for r in rows for s in r["skills"].split(";") if s}
    assert {"k8s", "postgres", "golang", "reactjs", "js", "PySpark", "Apache Kafka"} <= skills
    assert all("," not in r["skills"] for r in rows)
    locations = {r["location"] for r in rows}
    assert {"Greater Berlin Area", "München, Bayern, Deutschland", "Remote", ""} <= locations
    years = {r["years_experience"] for r in rows}
    assert "" in years and any(y.endswith("+") for y in years)
    assert all(re.fullmatch(r"\d+\+?|", y) for y in years)
    assert {r["open_to_work"] for r in rows} == {"true", "false", ""}
    not_open = sum(1 for r in rows if NOT_OPEN.search(r["summary"] + " " + r["headline"]))
    assert 0.005 < not_open / len(rows) < 0.06
    assert 1 <= sum(1 for r in rows if "\n" in r["summary"]) <= 40  # 0.2% of non-empty ones
    assert all("@" in r["email"] for r in rows if r["email"])
    assert all(r["email"].strip().lower().rsplit(".", 1)[-1] in ("example", "com", "org", "net")
               for r in rows if r["email"])  # fmt: skip
    assert any("?trk=" in r["profile_url"] or "?utm_" in r["profile_url"] for r in rows)


def test_duplicate_persons_share_email_or_url(small: Path) -> None:
    rows = [r for r in _records(small / "data" / "candidates.csv")[1:] if len(r) == 16]
    emails = [r[4].strip().lower() for r in rows if r[4]]
    slugs = [_slug(r[5]) for r in rows if r[5]]
    email_dups = len(emails) - len(set(emails))
    slug_dups = len(slugs) - len(set(slugs))
    assert 0.005 < email_dups / len(rows) < 0.04
    assert 0.005 < slug_dups / len(rows) < 0.04
    # Identity is per person: the slug differs between people, not between spellings.
    assert all(re.fullmatch(r"[a-z-]+-\d+", s) for s in slugs)


def test_location_vocabulary_is_bounded() -> None:
    distinct = len(set(g._locations().text))
    assert 1_000 <= distinct <= 5_000
    frame = g.candidate_frame(g.Spec(rows=50_000, seed=5), 0, 50_000)
    assert frame["location"].n_unique() <= 2 * distinct  # lowercase / trailing-space variants


def test_only_known_columns_ever_need_quoting() -> None:
    frame = g.candidate_frame(g.Spec(rows=30_000, seed=9, multiline_share=0.05), 0, 30_000)
    for col in g.HEADER:
        specials = frame[col].str.contains_any(['"', ",", "\n", "\r"]).sum()
        if col not in g._COMMA_COLUMNS and col != "summary":
            assert specials == 0, col
        if col in g._COMMA_COLUMNS:
            assert frame[col].str.contains_any(['"', "\n", "\r"]).sum() == 0, col
    lines = "\n".join(g.csv_lines(frame).to_list()) + "\n"
    parsed = list(csv.reader(io.StringIO(lines, newline="")))
    assert len(parsed) == 30_000
    good = [(r, p) for r, p in zip(frame.iter_rows(), parsed, strict=True) if r[1] == 0]
    assert all(list(r[2:]) == p for r, p in good)


def test_touches_name_people_of_the_population(small: Path) -> None:
    touches = _records(small / "touches.csv")
    assert touches[0] == ["email", "profile_url", "date", "campaign_id", "channel"]
    touches = touches[1:]
    assert len(touches) == 2_000
    as_of = dt.date(2026, 11, 1)
    dates = {dt.date.fromisoformat(t[2]) for t in touches}
    assert min(dates) >= as_of - dt.timedelta(days=90) and max(dates) < as_of
    assert len(dates) > 60
    assert {t[4] for t in touches} == {"inmail", "email", "linkedin_message"}
    assert all(re.fullmatch(r"past-\d\d|bench-\d+", t[3]) for t in touches)
    assert all(t[0] or t[1] for t in touches)

    rows = _records(small / "data" / "candidates.csv")[1:]
    emails = {r[4].strip().lower() for r in rows if len(r) > 4 and r[4]}
    slugs = {_slug(r[5]) for r in rows if len(r) > 5 and r[5]}
    known = sum(1 for t in touches if t[0] in emails or _slug(t[1]) in slugs)
    assert known / len(touches) > 0.95  # the rest: people whose row shows no identifier
    assert sum(1 for t in touches if t[0] and t[1]) / len(touches) > 0.3


def test_as_of_option_moves_the_touch_dates(tmp_path: Path) -> None:
    frame = g.touch_frame(g.Spec(rows=1_000), 0, 500, as_of=dt.date(2025, 1, 10))
    dates = frame["date"].str.to_date()
    assert dates.max() <= dt.date(2025, 1, 9)
    assert dates.min() >= dt.date(2024, 10, 12)


def test_campaign_files_validate(small: Path) -> None:
    files = sorted((small / "campaigns").glob("*.yaml"))
    assert [f.name for f in files] == ["bench-1.yaml", "bench-2.yaml", "bench-3.yaml"]
    campaigns = [load_campaign(f) for f in files]
    assert [c.id for c in campaigns] == ["bench-1", "bench-2", "bench-3"]
    env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    for c in campaigns:
        assert c.version == 1
        assert (
            c.resolve(c.candidates.paths[0]).resolve()
            == (small / "data" / "candidates.csv").resolve()
        )
        assert not Path(c.candidates.paths[0]).is_absolute()
        assert c.message.min_personal_fields == 2
        for field in ("first_name", "top_skill", "current_company", "role.title"):
            assert "{{ " + field + " }}" in c.message.body
        assert c.audience.skills.all and c.audience.titles.include
        assert c.audience.titles.include[0].lower() in c.role.title.lower()
        fields = {
            "first_name": "Zoë",
            "top_skill": "kafka",
            "current_company": "Nordwind Data",
            "role": c.role.model_dump(),
            "sender": c.sender.model_dump(),
        }
        text = env.from_string(c.message.body).render(**fields)
        assert "?" in text
        assert 200 <= len(text) <= 500


def test_campaign_depends_on_seed_and_number_only(tmp_path: Path) -> None:
    assert g.campaign_yaml(2, 5, "x.csv") == g.campaign_yaml(2, 5, "x.csv")
    assert g.campaign_yaml(2, 5, "x.csv") != g.campaign_yaml(2, 6, "x.csv")
    one = g.write_campaigns(1, 5, tmp_path / "a", tmp_path / "c.csv")
    many = g.write_campaigns(4, 5, tmp_path / "b", tmp_path / "c.csv")
    assert one[0].read_text(encoding="utf-8") == many[0].read_text(encoding="utf-8")


def test_shipped_template_is_the_generated_bench_1() -> None:
    shipped = ROOT / "benchmarks" / "campaigns" / "bench-1.yaml"
    assert shipped.read_text(encoding="utf-8") == g.campaign_yaml(1, 1, "../data/candidates.csv")
    campaign = load_campaign(shipped)
    assert campaign.id == "bench-1"
    assert campaign.resolve(campaign.candidates.paths[0]) == (
        shipped.parent / "../data/candidates.csv"
    )


def test_summary_line_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert g.main(["--rows", "100", "--out", str(tmp_path / "c.csv"), "--bad-share", "0.5"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.fullmatch(
        r"benchmarks\.generate: candidates 100 rows \(\d+ bad\), [\d,]+ bytes -> .+ in \d+\.\d s",
        err[0],
    )
    for argv in (
        ["--rows", "10", "--out", "x.csv", "--ledger-touches", "5"],
        ["--rows", "10", "--out", "x.csv", "--campaigns", "2"],
        ["--rows", "10", "--out", "x.csv", "--bad-share", "1.5"],
        ["--rows", "0", "--out", "x.csv"],
    ):
        with pytest.raises(SystemExit) as exc:
            g.main(argv)
        assert exc.value.code == 2
