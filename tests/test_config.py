"""Campaign file loading: defaults, frozen models, and errors that name file:line: key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from planner.config import (
    Campaign,
    campaign_json_schema,
    iter_schema_keys,
    load_campaign,
    load_campaigns,
    parse_campaign,
)
from planner.errors import ConfigError

BAD = Path(__file__).parent / "data" / "bad"
ROOT = Path(__file__).parent.parent

MINIMAL = """\
version: 1
id: acme-de
role: {title: Data Engineer, company: Acme}
sender: {id: dana}
candidates: {paths: [people.csv]}
"""

# file -> (line, words the error must contain)
BAD_FILES = {
    "typo_key.yaml": (8, ["audience.skils", "unknown key", "did you mean 'skills'"]),
    "missing_id.yaml": (None, ["id", "required key is missing"]),
    "bad_id.yaml": (2, ["id:", "lowercase letters"]),
    "wrong_version.yaml": (1, ["version", "1"]),
    "bad_seniority.yaml": (7, ["audience.seniority[1]", "'senior'", "'staff'"]),
    "bad_range.yaml": (7, ["audience.years_experience", "min (10) is greater than max (2)"]),
    "not_yaml.yaml": (None, ["not valid YAML"]),
    "not_mapping.yaml": (1, ["must be a mapping"]),
    "bad_min_any.yaml": (7, ["audience.skills", "min_any is 3", "only 1"]),
    "bad_channel.yaml": (7, ["message.channel", "'inmail'", "'email'"]),
    "duplicate_key.yaml": (3, ["id", "key appears twice"]),
    "unknown_column_field.yaml": (7, ["candidates.columns", "did you mean 'title'"]),
    "min_score_range.yaml": (7, ["ranking.min_score", "less than or equal to 1"]),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_campaign_files_name_file_line_and_key(name: str) -> None:
    line, words = BAD_FILES[name]
    with pytest.raises(ConfigError) as info:
        load_campaign(BAD / name)
    text = "\n".join(info.value.problems)
    assert str(BAD / name) in text
    if line is not None:
        assert f"{BAD / name}:{line}:" in text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_every_bad_fixture_is_covered() -> None:
    assert {p.name for p in BAD.glob("*.yaml")} == set(BAD_FILES)


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        MINIMAL
        + "audience:\n  skils: {all: [python]}\n  seniority: [wizard]\nranking: {min_score: 3}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    problems = info.value.problems
    assert len(problems) == 3
    assert [p.split(":")[1] for p in problems] == ["7", "8", "9"]  # sorted by line


def test_minimal_file_gets_documented_defaults() -> None:
    c = parse_campaign(MINIMAL, Path("c.yaml"))
    assert c.caps.window_days == 30 and c.caps.max_touches == 1
    assert c.caps.exempt_min_score is None
    assert c.suppression.disinterest_days == 180
    assert c.ranking.min_score == 0.0 and c.ranking.limit is None
    assert c.guardrail.min_response_rate == 0.13 and c.guardrail.min_sample == 100
    assert c.guardrail.window_days == 14 and c.guardrail.action == "warn"
    assert c.message.channel == "inmail" and c.message.min_personal_fields == 2
    assert c.export.formats == ["csv"]
    assert c.audience.open_to_work == "any"
    assert c.ranking.weights.skills == 0.5


def test_models_are_frozen() -> None:
    c = parse_campaign(MINIMAL, Path("c.yaml"))
    with pytest.raises(ValidationError):
        c.id = "other"  # type: ignore[misc]


def test_paths_resolve_against_the_campaign_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.yaml"
    path.parent.mkdir()
    path.write_text(MINIMAL)
    c = load_campaign(path)
    assert c.resolve("people.csv") == tmp_path / "sub" / "people.csv"
    assert c.line_of("candidates", "paths", 0) == 5
    assert c.where("role", "title") == f"{path}:3: role.title"


def test_duplicate_campaign_ids_are_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(MINIMAL)
    b.write_text(MINIMAL)
    with pytest.raises(ConfigError, match="also used by"):
        load_campaigns([a, b])


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="campaign file not found"):
        load_campaign(tmp_path / "nope.yaml")


def test_yaml_tags_cannot_construct_objects(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL.replace("id: acme-de", "id: !!python/object/apply:os.system [ls]"))
    with pytest.raises(ConfigError):
        load_campaign(path)


def test_json_schema_covers_the_spec_keys() -> None:
    schema = campaign_json_schema()
    assert schema["title"] == "planner campaign file"
    assert set(schema["required"]) == {"version", "id", "role", "sender", "candidates"}
    keys = set(iter_schema_keys())
    for key in [
        "audience.skills.min_any",
        "audience.location.cities",
        "audience.companies.off_limits",
        "ranking.weights.skills",
        "caps.exempt_min_score",
        "suppression.disinterest_days",
        "message.min_personal_fields",
        "export.tags",
        "guardrail.limit_to",
    ]:
        assert key in keys
    json.dumps(schema)


def test_shipped_schema_file_is_current() -> None:
    from planner.config import schema_json

    shipped = ROOT / "campaign.schema.json"
    assert shipped.read_text() == schema_json(), "regenerate: planner schema > campaign.schema.json"


def test_example_campaign_is_valid() -> None:
    c = load_campaign(ROOT / "campaigns" / "example.yaml")
    assert isinstance(c, Campaign)
    assert c.id == "acme-senior-data-eng-2026q4"
