"""Did-you-mean for misspelled countries and cities in a campaign's `audience.location`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner import criteria
from planner.config import load_campaign
from planner.errors import ConfigError
from planner.normalize.locations import suggest_cities, suggest_countries

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("Germny", "Germany"),
        ("Untied States", "United States"),
        ("Frnace", "France"),
        ("Deutschlnd", "Deutschland"),  # the spelling closest to what was typed, not the English
        ("swtizerland", "Switzerland"),
    ],
)
def test_misspelled_country_names_suggest_the_closest_known_name(typed: str, first: str) -> None:
    suggestions = suggest_countries(typed)
    assert suggestions[0] == first
    assert len(suggestions) <= 3


def test_a_name_near_nothing_suggests_nothing() -> None:
    assert suggest_countries("Qwxzv") == []
    assert suggest_cities("Qwxzvbn") == []


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("Berlinn", "Berlin, DE"),
        ("San Fransisco", "San Francisco, US"),
        ("Muenchn", "Munich, DE"),  # near an alternate name ("Muenchen"), named by its primary
        ("Londn, UK", "London, GB"),
    ],
)
def test_misspelled_cities_suggest_the_closest_gazetteer_city(typed: str, first: str) -> None:
    assert suggest_cities(typed)[0] == first


def test_a_country_after_the_city_keeps_suggestions_in_that_country() -> None:
    assert suggest_cities("Parsi, France") == ["Paris, FR", "Poissy, FR"]
    assert suggest_cities("Berlinn, DE") == ["Berlin, DE"]


def _campaign(tmp_path: Path, countries: str, cities: str) -> Path:
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    path = tmp_path / "campaigns" / "example.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("countries: [DE, NL]", f"countries: {countries}")
    text = text.replace("cities: [{name: Berlin, radius_km: 50}]", f"cities: {cities}")
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_country_and_city_name_the_key_and_suggest(tmp_path: Path) -> None:
    path = _campaign(tmp_path, "[DE, Nethrlands]", "[{name: Hamburgg}, {name: Berlin}]")
    with pytest.raises(ConfigError) as info:
        criteria.resolve(load_campaign(path))
    country, city = info.value.problems
    assert country.startswith(f"{path}:26: audience.location.countries[1]: unknown country")
    assert "did you mean 'Netherlands'?" in country
    assert city.startswith(f"{path}:27: audience.location.cities[0].name: unknown city 'Hamburgg'")
    assert "did you mean 'Hamburg, DE'" in city


def test_no_suggestion_keeps_the_plain_hint(tmp_path: Path) -> None:
    path = _campaign(tmp_path, "[Qwxzv]", "[{name: Berlin}]")
    with pytest.raises(ConfigError) as info:
        criteria.resolve(load_campaign(path))
    (problem,) = info.value.problems
    assert "did you mean" not in problem
    assert problem.endswith(
        "unknown country 'Qwxzv' (hint: use an ISO 3166 code such as DE or a name such as Germany)"
    )
