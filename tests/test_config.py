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
    # Hostile files (issue 18): refused at once with file:line, never expanded or recursed.
    "yaml_alias.yaml": (8, ["anchor '&core' is not allowed in campaign files"]),
    "yaml_recursive_anchor.yaml": (8, ["anchor '&p' is not allowed"]),
    "yaml_billion_laughs.yaml": (7, ["anchor '&a' is not allowed"]),
    "yaml_too_deep.yaml": (6, ["nested more than 32 levels deep"]),
    "huge_numbers.yaml": (7, ["caps.window_days", "less than or equal to 3650", "Limits"]),
    "nan_score.yaml": (7, ["ranking.min_score", "finite number", "NaN and infinity"]),
    "bad_date_value.yaml": (4, ["sender.name", "value cannot be read", "month must be in 1..12"]),
    "huge_int_literal.yaml": (7, ["ranking.limit", "value cannot be read", "5000 digits"]),
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


def test_every_number_out_of_range_is_named_with_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_campaign(BAD / "huge_numbers.yaml")
    where = str(BAD / "huge_numbers.yaml")
    assert info.value.problems == [
        f"{where}:7: caps.window_days: Input should be less than or equal to 3650{RANGE_HINT}",
        f"{where}:8: caps.max_touches: Input should be less than or equal to 1000{RANGE_HINT}",
        f"{where}:10: suppression.disinterest_days: Input should be less than or equal to 3650"
        + RANGE_HINT,
    ]


RANGE_HINT = " (hint: see the README, section 'Limits', for the range of every number)"


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("caps: {window_days: 0}", "caps.window_days", "greater than or equal to 1"),
        ("caps: {max_touches: 1001}", "caps.max_touches", "less than or equal to 1000"),
        ("suppression: {disinterest_days: 3651}", "suppression.disinterest_days", "3650"),
        ("guardrail: {window_days: 3651}", "guardrail.window_days", "3650"),
        ("guardrail: {min_sample: 100000001}", "guardrail.min_sample", "100000000"),
        ("guardrail: {limit_to: -1}", "guardrail.limit_to", "greater than or equal to 0"),
        ("ranking: {limit: 100000001}", "ranking.limit", "100000000"),
        ("ranking: {weights: {title: 101}}", "ranking.weights.title", "100"),
        ("ranking: {weights: {location: -.inf}}", "ranking.weights.location", "finite"),
        ("audience: {years_experience: {max: 101}}", "audience.years_experience.max", "100"),
        ("audience: {skills: {min_any: 1001}}", "audience.skills.min_any", "1000"),
        ("audience: {location: {cities: [{name: x, radius_km: .nan}]}}", "radius_km", "finite"),
        ("message: {min_personal_fields: 51}", "message.min_personal_fields", "50"),
        ("caps: {exempt_min_score: 1.5}", "caps.exempt_min_score", "less than or equal to 1"),
    ],
)
def test_numbers_have_documented_ranges(extra: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_campaign(MINIMAL + extra + "\n", Path("c.yaml"))
    (problem,) = info.value.problems
    assert problem.startswith("c.yaml:6: ")
    assert key in problem and words in problem


def test_range_edges_are_accepted() -> None:
    extra = (
        "caps: {window_days: 3650, max_touches: 1000}\n"
        "suppression: {disinterest_days: 3650}\n"
        "guardrail: {window_days: 1, min_sample: 100000000, limit_to: 0}\n"
        "ranking: {limit: 100000000, weights: {skills: 100, title: 0}}\n"
    )
    c = parse_campaign(MINIMAL + extra, Path("c.yaml"))
    assert (c.caps.window_days, c.caps.max_touches) == (3650, 1000)
    assert c.suppression.disinterest_days == 3650
    assert c.ranking.limit == 100_000_000 and c.ranking.weights.skills == 100


def test_json_schema_states_the_ranges() -> None:
    defs = campaign_json_schema()["$defs"]
    assert defs["Caps"]["properties"]["window_days"] | {} == {
        "default": 30,
        "minimum": 1,
        "maximum": 3650,
        "title": "Window Days",
        "type": "integer",
    }
    assert defs["Caps"]["properties"]["max_touches"]["maximum"] == 1000
    assert defs["Suppression"]["properties"]["disinterest_days"]["maximum"] == 3650
    assert defs["Suppression"]["properties"]["disinterest_days"]["minimum"] == 0
    assert defs["Guardrail"]["properties"]["window_days"]["maximum"] == 3650
    assert defs["Weights"]["properties"]["skills"]["maximum"] == 100
    assert defs["City"]["properties"]["radius_km"]["maximum"] == 20000


def _numeric_properties(schema: dict[str, object]) -> list[tuple[str, dict[str, object]]]:
    out = []
    for model, spec in schema["$defs"].items():  # type: ignore[attr-defined]
        for name, prop in spec["properties"].items():
            options = prop.get("anyOf", [prop])
            for option in options:
                if option.get("type") in ("integer", "number"):
                    out.append((f"{model}.{name}", option))
    return out


def test_every_number_in_the_schema_is_bounded_both_ways() -> None:
    numbers = _numeric_properties(campaign_json_schema())
    assert len(numbers) >= 20
    for name, option in numbers:
        assert "minimum" in option or "exclusiveMinimum" in option, name
        assert "maximum" in option or "exclusiveMaximum" in option, name


def test_file_larger_than_one_megabyte_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL + "# " + "x" * 1_000_000 + "\n")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    assert str(info.value) == f"{path}: campaign file is larger than 1,000,000 bytes"
    assert info.value.hint and "candidates.paths" in info.value.hint


def test_a_merge_key_without_alias_still_works() -> None:
    c = parse_campaign(MINIMAL + "caps: {<<: {window_days: 7}}\n", Path("c.yaml"))
    assert c.caps.window_days == 7


def test_non_text_keys_are_named_at_their_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_campaign(MINIMAL + "? [a, b]\n: c\n", Path("c.yaml"))
    assert info.value.problems == ["c.yaml:6: (top level): keys must be text"]
