"""Skill tokens and aliases (planner.normalize.skills, data/skill_aliases.csv)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.normalize import skills
from tests.test_normalize_text import maybe, mixed, sql_values, text


@pytest.mark.parametrize(
    ("token", "canonical"),
    [
        ("JS", "javascript"),
        ("  JavaScript ", "javascript"),
        ("k8s", "kubernetes"),
        ("Postgres", "postgresql"),
        ("postgre sql", "postgresql"),
        ("golang", "go"),
        ("ReactJS", "react"),
        ("React.js", "react"),
        ("nodejs", "node.js"),
        ("Node", "node.js"),
        ("PySpark", "spark"),
        ("Apache  Spark", "spark"),
        ("TS", "typescript"),
        ("GCP", "google cloud"),
        ("Amazon Web Services", "aws"),
        ("C Sharp", "c#"),
        ("cpp", "c++"),
        ("ML", "machine learning"),
        ("sklearn", "scikit-learn"),
        ("Apache Kafka", "kafka"),
        ("dotnet", ".net"),
        ("python3", "python"),
        ("Rust", "rust"),  # not in the table: its own canonical form
        ("SQL", "sql"),
    ],
)
def test_builtin_canonical(token: str, canonical: str) -> None:
    assert skills.canonical_skill(token) == canonical


def test_campaign_aliases_win_over_builtins() -> None:
    extra = {"Node": "Node", "PyData": "python"}
    assert skills.canonical_skill("node", extra) == "node"
    assert skills.canonical_skill("nodejs", extra) == "node.js"
    assert skills.canonical_skill("pydata", extra) == "python"
    assert skills.canonical_skill(" PYDATA ", extra) == "python"


def test_variants_cover_every_spelling() -> None:
    assert skills.variants("Postgres") == [
        "pgsql", "postgre", "postgre sql", "postgres", "postgresql", "psql"
    ]  # fmt: skip
    assert skills.variants("kafka") == ["apache kafka", "kafka"]
    assert skills.variants("rust") == ["rust", "rustlang"]
    assert skills.variants("Elixir") == ["elixir"]


def test_variants_with_campaign_aliases() -> None:
    extra = {"pyspark": "spark", "databricks spark": "spark"}
    assert "databricks spark" in skills.variants("spark", extra)
    assert "pyspark" in skills.variants("Apache Spark", extra)
    # A campaign that re-points an alias takes it away from the built-in canonical skill.
    moved = {"pyspark": "python"}
    assert "pyspark" not in skills.variants("spark", moved)
    assert "pyspark" in skills.variants("python", moved)


def test_alias_table_is_one_step_and_normalized() -> None:
    table = skills.builtin_aliases()
    assert len(table) >= 80
    for alias, canonical in table.items():
        assert alias == skills.normalize_token(alias)
        assert canonical == skills.normalize_token(canonical)
        assert alias != canonical
        assert canonical not in table, f"{canonical} is canonical and an alias"


SKILL_WORDS = [*skills.builtin_aliases(), "python", "go", "rust", "spark"]


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=12),
    st.dictionaries(st.sampled_from(SKILL_WORDS), st.sampled_from(SKILL_WORDS), max_size=4),
)
def test_variants_are_exactly_the_tokens_with_the_same_canonical(
    skill: str, extra: dict[str, str]
) -> None:
    found = skills.variants(skill, extra)
    target = skills.canonical_skill(skill, extra)
    assert found == sorted(set(found))
    for token in found:
        assert skills.canonical_skill(token, extra) == target
    for token in SKILL_WORDS:
        if skills.canonical_skill(token, extra) == target:
            assert token in found


@settings(max_examples=150, deadline=None)
@given(st.lists(maybe(st.one_of(text, mixed(SKILL_WORDS))), min_size=1, max_size=30))
def test_token_sql_equals_normalize_token(values: list[str | None]) -> None:
    expected = [None if v is None else skills.normalize_token(v) for v in values]
    assert sql_values(skills.token_sql, values) == expected
