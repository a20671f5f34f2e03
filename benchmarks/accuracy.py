"""Accuracy of normalization on the real-pattern tables: names, seniority, places.

    python -m benchmarks.accuracy [--show-misses]

Reads the tables the tests use (`tests/data/normalize/`): `names.csv` (name cells -> greeting,
given, last and full name), `seniority_titles.csv` (title -> level) and `places.csv` (location
text or city/region/country columns -> country, city, coordinates). Prints, per table, the share
of rows where planner gives exactly the expected values, and with `--show-misses` every miss.

Targets (issue 22): names >= 99 %, seniority >= 95 % of the titles that carry a level word,
places >= 98 %. The exit code is 1 when a target is missed, so CI could gate on it; the tests
already require every row to match, so this is a report of how far a change moves the numbers,
not a second gate.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from planner.normalize import locations, seniority
from planner.normalize.names import clean_name

TABLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "normalize"
#: How far a resolved place may lie from the table's coordinates (as in the tests).
TOLERANCE_KM = 30.0
TARGETS = {"names": 0.99, "seniority": 0.95, "places": 0.98}


@dataclass(frozen=True)
class Score:
    """Rows that matched out of the rows counted, and a line for each miss."""

    name: str
    matched: int
    total: int
    misses: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.matched / self.total if self.total else 1.0


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (TABLES / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(line for line in fh if not line.startswith("#"))


def _score(name: str, rows: list[dict[str, str]], check: Callable[[dict[str, str]], str]) -> Score:
    misses = tuple(miss for miss in map(check, rows) if miss)
    return Score(name, len(rows) - len(misses), len(rows), misses)


def _name_miss(row: dict[str, str]) -> str:
    cells = (row["first_name"] or None, row["last_name"] or None, row["full_name"] or None)
    got = clean_name(*cells)
    values = (got.first, got.given, got.last, got.full)
    expected = tuple(row[k] or None for k in ("greeting", "given", "last", "full"))
    return "" if values == expected else f"{cells}: expected {expected}, got {values}"


def _seniority_miss(row: dict[str, str]) -> str:
    got = seniority.title_level(row["title"])
    expected = row["level"] or None
    return "" if got == expected else f"{row['title']!r}: expected {expected}, got {got}"


def _place_miss(row: dict[str, str]) -> str:
    cells = tuple(row[k] or None for k in ("location", "city", "region", "country"))
    place = locations.parse_location(*cells)
    ok = (place.country_code or "") == row["expected_country"]
    ok = ok and locations.fold(place.city or "") == locations.fold(row["expected_city"])
    if not row["lat"]:
        ok = ok and place.lat is None
    elif place.lat is None or place.lon is None:
        ok = False
    else:
        km = locations.haversine_km(place.lat, place.lon, float(row["lat"]), float(row["lon"]))
        ok = ok and km <= TOLERANCE_KM
    expected = (row["expected_country"], row["expected_city"], row["lat"], row["lon"])
    return "" if ok else f"{cells}: expected {expected}, got {place}"


def measure() -> list[Score]:
    """The three scores; seniority counts only titles whose expected level is not empty."""
    titles = [r for r in _rows("seniority_titles.csv") if r["level"]]
    return [
        _score("names", list(_rows("names.csv")), _name_miss),
        _score("seniority", titles, _seniority_miss),
        _score("places", list(_rows("places.csv")), _place_miss),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accuracy", description=__doc__)
    parser.add_argument("--show-misses", action="store_true", help="print every row that misses")
    args = parser.parse_args(argv)
    failed = False
    for score in measure():
        target = TARGETS[score.name]
        verdict = "ok" if score.share >= target else "BELOW TARGET"
        failed = failed or score.share < target
        print(
            f"{score.name:<10} {score.share:7.2%}  ({score.matched}/{score.total} rows;"
            f" target {target:.0%}) {verdict}"
        )
        if args.show_misses:
            for miss in score.misses:
                print(f"    miss: {miss}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
