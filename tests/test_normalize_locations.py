"""Countries, cities and free-text locations (planner.normalize.locations, SPEC 4)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.normalize import locations
from planner.normalize.locations import Place
from tests.test_normalize_text import sql_values


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Schweiz", "CH"),
        ("Switzerland", "CH"),
        ("Österreich", "AT"),
        ("Oesterreich", "AT"),
        ("Niederlande", "NL"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("United Kingdom", "GB"),
        ("England", "GB"),
        ("Vereinigtes Königreich", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("Spanien", "ES"),
        ("España", "ES"),
        ("South Korea", "KR"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Atlantis", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve_country(text: str | None, code: str | None) -> None:
    assert locations.resolve_country(text) == code


@pytest.mark.parametrize(
    ("name", "hint", "city", "country"),
    [
        ("Berlin", None, "Berlin", "DE"),
        ("berlin", None, "Berlin", "DE"),
        ("Berlin, DE", None, "Berlin", "DE"),
        ("Berlin, Germany", None, "Berlin", "DE"),
        ("München", None, "Munich", "DE"),
        ("Munich", None, "Munich", "DE"),
        ("Muenchen", None, "Munich", "DE"),
        ("Munchen", None, "Munich", "DE"),
        ("Köln", None, "Köln", "DE"),
        ("Cologne", None, "Köln", "DE"),
        ("Zurich", None, "Zürich", "CH"),
        ("Frankfurt", None, "Frankfurt am Main", "DE"),
        ("Wien", None, "Vienna", "AT"),
        ("Den Haag", None, "The Hague", "NL"),
        ("Porto", None, "Porto", "PT"),  # the primary name beats a bigger city's alternate name
        ("Paris", None, "Paris", "FR"),
        ("Paris", "US", "Paris", "US"),
        ("Portland", None, "Portland", "US"),
        ("Portland, ME", None, "Portland", "US"),
        ("Cambridge", None, "Cambridge", "GB"),
        ("Cambridge, MA", None, "Cambridge", "US"),
        ("London, ON", None, "London", "CA"),
        ("New York", None, "New York City", "US"),
        ("Greater Berlin Area", None, "Berlin", "DE"),
        ("Atlantis", None, "Atlantis", "ZA"),  # a real town of 80,000 in South Africa
        ("Xyzzyville", None, None, None),
        ("", None, None, None),
    ],
)
def test_resolve_city(name: str, hint: str | None, city: str | None, country: str | None) -> None:
    found = locations.resolve_city(name, hint)
    assert (found.name if found else None) == city
    assert (found.country_code if found else None) == country


def test_resolve_city_keeps_the_state() -> None:
    maine = locations.resolve_city("Portland, ME")
    oregon = locations.resolve_city("Portland, Oregon")
    assert maine is not None and oregon is not None
    assert (maine.admin1, oregon.admin1) == ("ME", "OR")


BERLIN = (52.52437, 13.41053)


@pytest.mark.parametrize(
    ("location", "city", "region", "country"),
    [
        ("Berlin, Germany", "Berlin", None, "DE"),
        ("Greater Berlin Area", "Berlin", None, "DE"),
        ("Berlin Metropolitan Area", "Berlin", None, "DE"),
        ("München, Bayern, Deutschland", "Munich", "Bayern", "DE"),
        ("Amsterdam Area, Netherlands", "Amsterdam", None, "NL"),
        ("San Francisco Bay Area", "San Francisco", None, "US"),
        ("Greater Munich Metropolitan Area", "Munich", None, "DE"),
        ("Frankfurt Rhine-Main Metropolitan Area", "Frankfurt am Main", None, "DE"),
        ("Cologne Bonn Region", "Köln", None, "DE"),
        ("London Area, United Kingdom", "London", None, "GB"),
        ("Greater Toronto Area, Canada", "Toronto", None, "CA"),
        ("Austin, TX", "Austin", "TX", "US"),
        ("Atlanta, Georgia", "Atlanta", "Georgia", "US"),
        ("Berlin | Remote", "Berlin", None, "DE"),
        ("Raum Stuttgart", "Stuttgart", None, "DE"),
        ("Wien, Österreich", "Vienna", None, "AT"),
        ("Randstad, Netherlands", "Amsterdam", None, "NL"),
        ("Germany", None, None, "DE"),
        ("Georgia", None, None, "GE"),
        ("Remote - Germany", None, None, "DE"),
        ("Germany (Remote)", None, None, "DE"),
        ("Bavaria, Germany", None, "Bavaria", "DE"),
        ("Brandenburg, Germany", None, "Brandenburg", "DE"),
        ("Delaware, United States", None, "Delaware", "US"),
        ("Smalltown, Germany", "Smalltown", None, "DE"),  # unknown place, known country
        ("Remote", None, None, None),
        ("EMEA", None, None, None),
        ("Somewhere nice", None, None, None),
    ],
)
def test_parse_free_text(
    location: str, city: str | None, region: str | None, country: str | None
) -> None:
    place = locations.parse_location(location)
    assert (place.city, place.region, place.country_code) == (city, region, country)
    gazetteer_city = locations.resolve_city(city) if city else None
    assert (place.lat is not None) is (gazetteer_city is not None and city != "Smalltown")


def test_coordinates_come_from_the_gazetteer() -> None:
    place = locations.parse_location("Berlin, Germany")
    assert (place.lat, place.lon) == BERLIN
    assert place.known
    assert locations.parse_location("Germany").known
    assert not locations.parse_location("Remote").known


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # explicit columns win over free text
        ((None, "Munich", None, "DE"), Place("Munich", None, "DE", 48.13743, 11.57549)),
        (("Berlin, Germany", None, None, "NL"), Place(None, None, "NL")),
        (
            ("Berlin, Germany", "Hamburg", None, None),
            Place("Hamburg", None, "DE", 53.55073, 9.99302),
        ),
        (("Hamburg", "Köln", None, None), Place("Köln", None, "DE", 50.93333, 6.95)),
        ((None, "Nowhereville", None, "Germany"), Place("Nowhereville", None, "DE")),
        ((None, None, "Bayern", None), Place(None, "Bayern", "DE")),
        ((None, "Portland", "ME", "US"), Place("Portland", "ME", "US", 43.65737, -70.2589)),
        (("Berlin", None, None, "DE"), Place("Berlin", None, "DE", *BERLIN)),
        ((None, None, None, "Berlin, Germany"), Place(None, None, "DE")),
        ((None, None, None, None), Place()),
    ],
)
def test_explicit_columns(
    args: tuple[str | None, str | None, str | None, str | None], expected: Place
) -> None:
    assert locations.parse_location(*args) == expected


def test_haversine_known_distances() -> None:
    munich = locations.resolve_city("Munich")
    berlin = locations.resolve_city("Berlin")
    assert munich is not None and berlin is not None
    km = locations.haversine_km(berlin.lat, berlin.lon, munich.lat, munich.lon)
    assert 500 < km < 510
    assert locations.haversine_km(*BERLIN, *BERLIN) == 0.0


coordinate = st.tuples(
    st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=30))
def test_haversine_sql_equals_python(pairs: list[tuple[tuple[float, float], ...]]) -> None:
    cols = [[p[0][0] for p in pairs], [p[0][1] for p in pairs]]
    cols += [[p[1][0] for p in pairs], [p[1][1] for p in pairs]]
    got = sql_values(locations.haversine_sql, *cols, types=["DOUBLE"] * 4)
    for g, ((a, b), (c, d)) in zip(got, pairs, strict=True):
        assert math.isclose(g, locations.haversine_km(a, b, c, d), rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.text(max_size=10), st.text(max_size=10), st.text(max_size=10))
def test_parse_location_never_fails(loc: str, city: str, region: str, country: str) -> None:
    place = locations.parse_location(loc, city or None, region or None, country or None)
    assert (place.lat is None) is (place.lon is None)
    assert place.country_code is None or len(place.country_code) == 2


# --------------------------------------------------------------------------- the places table

TABLE = Path(__file__).parent / "data" / "normalize" / "places.csv"
#: How far a resolved place may lie from the table's coordinates (city centres differ by source).
TOLERANCE_KM = 30.0


def _table() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_places_table_is_large_and_mixed() -> None:
    rows = _table()
    assert len(rows) >= 200
    assert sum(1 for r in rows if r["location"]) >= 100  # LinkedIn-style free text
    assert sum(1 for r in rows if not r["location"]) >= 50  # Apollo-style columns
    assert sum(1 for r in rows if not r["lat"] and r["expected_country"]) >= 5  # unknown coords


@pytest.mark.parametrize(
    "row", _table(), ids=lambda r: "|".join((r["location"], r["city"], r["region"], r["country"]))
)
def test_places_table(row: dict[str, str]) -> None:
    place = locations.parse_location(
        row["location"] or None, row["city"] or None, row["region"] or None, row["country"] or None
    )
    assert (place.country_code or "") == row["expected_country"]
    assert locations.fold(place.city or "") == locations.fold(row["expected_city"])
    if row["lat"]:
        assert place.lat is not None and place.lon is not None
        km = locations.haversine_km(place.lat, place.lon, float(row["lat"]), float(row["lon"]))
        assert km <= TOLERANCE_KM
    else:
        assert (place.lat, place.lon) == (None, None)


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("10115 Berlin", "Berlin"),
        ("Berlin 10117", "Berlin"),
        ("D-80331 München", "München"),
        ("SW1A 1AA London", "London"),
        ("London EC2A 4NE", "London"),
        ("1012 AB Amsterdam", "Amsterdam"),
        ("02-001 Warszawa", "Warszawa"),
        ("TX 78701", "TX"),
        ("ON M5V 2T6", "ON"),
        ("110 00 Praha", "Praha"),
        ("Dublin 2", "Dublin"),
        ("St. Gallen", "St. Gallen"),  # no digits: untouched
        ("Frankfurt am Main", "Frankfurt am Main"),
    ],
)
def test_postcodes_are_stripped(text: str, stripped: str) -> None:
    assert locations.strip_postcode(text) == stripped


def test_a_city_of_another_region_is_not_the_place() -> None:
    # Benito Juárez is also a borough of Mexico City; in Quintana Roo it is not in the gazetteer.
    place = locations.parse_location("Benito Juárez, Quintana Roo")
    assert (place.country_code, place.lat) == ("MX", None)
    cdmx = locations.parse_location("Benito Juárez, Ciudad de México")
    assert cdmx.lat is not None and abs(cdmx.lat - 19.37) < 0.1
    ontario = locations.parse_location(None, "London", "Ontario", "Canada")
    assert ontario.country_code == "CA" and ontario.lon is not None and ontario.lon < -80
