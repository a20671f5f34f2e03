"""Greeting names from real-world shapes of LinkedIn display names (planner.normalize.names)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.normalize.names import (
    _LEXICON,
    clean_first_name,
    clean_full_name,
    clean_last_name,
    clean_name,
)

# (first_name, last_name, full_name) -> (first, last, full)
SHAPES: list[tuple[tuple[object, object, object], tuple[str | None, str | None, str | None]]] = [
    # plain
    (("Jane", "Doe", None), ("Jane", "Doe", "Jane Doe")),
    # credentials (SPEC 4: "Pat Sample, MBA" -> Pat)
    (("Pat", "Sample, MBA", None), ("Pat", "Sample", "Pat Sample")),
    ((None, None, "Pat Sample, MBA"), ("Pat", "Sample", "Pat Sample")),
    ((None, None, "John Smith PhD, PMP, CSM"), ("John", "Smith", "John Smith")),
    (("Priya", "Sharma, MSc, PMP®", None), ("Priya", "Sharma", "Priya Sharma")),
    (("Jane", "Doe, M.Sc.", None), ("Jane", "Doe", "Jane Doe")),
    (("Mrs. Emily", "Clarke, CPA", None), ("Emily", "Clarke", "Emily Clarke")),
    ((None, None, "Tom Jones Jr."), ("Tom", "Jones", "Tom Jones")),
    # titles (SPEC 4: "Dr. Jane Doe" -> Jane)
    ((None, None, "Dr. Jane Doe"), ("Jane", "Doe", "Jane Doe")),
    (("Dr. Jane", "Doe", None), ("Jane", "Doe", "Jane Doe")),
    (("DR. JANE", "DOE", None), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Prof. Dr. Hans-Peter Schmidt"), ("Hans-Peter", "Schmidt", "Hans-Peter Schmidt")),
    (("Mr John", "Smith", None), ("John", "Smith", "John Smith")),
    ((None, None, "Mr Smith"), (None, "Smith", "Smith")),  # a title and a surname: no first name
    # pronouns (SPEC 4: "Jane Doe (she/her)" -> Jane)
    ((None, None, "Jane Doe (she/her)"), ("Jane", "Doe", "Jane Doe")),
    (("Jane (she/her)", "Doe", None), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Jane Doe, she/her"), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Alex Chen, CFA (he/him)"), ("Alex", "Chen", "Alex Chen")),
    # "Last, First" (SPEC 4: "Doe, Jane" -> Jane)
    ((None, None, "Doe, Jane"), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Kim, Min-jun"), ("Min-jun", "Kim", "Min-jun Kim")),
    ((None, None, "van der Berg, Jan"), ("Jan", "van der Berg", "Jan van der Berg")),
    # emoji and decorations
    (("Maria 🚀", "Garcia", None), ("Maria", "Garcia", "Maria Garcia")),
    (("⭐ John", "Smith ⭐", None), ("John", "Smith", "John Smith")),
    ((None, None, "⭐ John Smith ⭐"), ("John", "Smith", "John Smith")),
    ((None, None, "John Smith | Hiring"), ("John", "Smith", "John Smith")),
    (("Jane", "Doe ✔ Open to work", None), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Jane Doe #OpenToWork"), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "Jane Doe - Hiring Data Engineers!"), ("Jane", "Doe", "Jane Doe")),
    (("𝗝𝗮𝗻𝗲", "𝗗𝗼𝗲", None), ("Jane", "Doe", "Jane Doe")),  # "bold" math letters
    # capitals and lower case
    (("JANE", "DOE", None), ("Jane", "Doe", "Jane Doe")),
    (("jane", "doe", None), ("Jane", "Doe", "Jane Doe")),
    ((None, None, "RONALD MCDONALD"), ("Ronald", "McDonald", "Ronald McDonald")),
    (("SARAH", "O'NEIL", None), ("Sarah", "O'Neil", "Sarah O'Neil")),
    ((None, None, "Jean DUPONT"), ("Jean", "Dupont", "Jean Dupont")),
    (("AJ", "Smith", None), ("AJ", "Smith", "AJ Smith")),  # initials as a nickname stay
    # spellings kept as written
    (("Ronald", "McDonald", None), ("Ronald", "McDonald", "Ronald McDonald")),
    (("Sarah", "O'Neil", None), ("Sarah", "O'Neil", "Sarah O'Neil")),
    (("José", "García", None), ("José", "García", "José García")),
    (("Zoë", "Saldaña", None), ("Zoë", "Saldaña", "Zoë Saldaña")),
    (("Anna-Lena", "Müller", None), ("Anna-Lena", "Müller", "Anna-Lena Müller")),
    (("Mary Ann", "Smith", None), ("Mary Ann", "Smith", "Mary Ann Smith")),
    (("प्रिया", "शर्मा", None), ("प्रिया", "शर्मा", "प्रिया शर्मा")),
    # CJK names untouched
    (("小龙", "李", "李小龙"), ("小龙", "李", "李小龙")),
    ((None, None, "李小龙"), ("李小龙", None, "李小龙")),
    ((None, None, "김민준"), ("김민준", None, "김민준")),
    # nothing usable
    (("J.", "Smith", "J. Smith"), (None, "Smith", "J. Smith")),
    (("🚀🚀", None, None), (None, None, None)),
    (("LinkedIn Member", None, None), (None, None, None)),
    (("", "", ""), (None, None, None)),
    ((None, None, None), (None, None, None)),
    ((math.nan, math.nan, math.nan), (None, None, None)),
    (("N/A", None, None), (None, None, None)),
    # odd but real
    ((None, None, "J. Robert Oppenheimer"), ("Robert", "Oppenheimer", "Robert Oppenheimer")),
    (("Jane Doe", "Doe", None), ("Jane", "Doe", "Jane Doe")),  # whole name in the first field
    ((None, None, "Robert (Bob) Smith"), ("Robert", "Smith", "Robert Smith")),
]


@pytest.mark.parametrize(("raw", "expected"), SHAPES, ids=[repr(s[0]) for s in SHAPES])
def test_display_name_shapes(
    raw: tuple[object, object, object], expected: tuple[str | None, str | None, str | None]
) -> None:
    got = clean_name(*raw)
    assert (got.first, got.last, got.full) == expected
    assert clean_first_name(*raw) == expected[0]
    assert clean_last_name(*raw) == expected[1]
    assert clean_full_name(*raw) == expected[2]


def test_table_is_big_enough() -> None:
    assert len(SHAPES) >= 20


def test_first_name_field_wins_over_full_name() -> None:
    assert clean_first_name("Jo", "Doe", "Josephine Doe") == "Jo"
    assert clean_first_name("J.", "Doe", "Josephine Doe") == "Josephine"


def test_keyword_and_positional_use() -> None:
    assert clean_first_name(full_name="Doe, Jane") == "Jane"
    assert clean_first_name("Jane") == "Jane"


@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=60))
def test_never_raises_and_returns_clean_text(first: str, last: str, full: str) -> None:
    name = clean_name(first, last, full)
    for part in (name.first, name.last, name.full):
        assert part is None or (part == part.strip() and part != "" and "  " not in part)
        assert part is None or any(ch.isalpha() for ch in part)


# --------------------------------------------------------------------------- the names table

TABLE = Path(__file__).parent / "data" / "normalize" / "names.csv"


def _table() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_names_table_is_large_and_covers_every_pattern() -> None:
    rows = _table()
    assert len(rows) >= 300
    patterns = " ".join(r["pattern"] for r in rows)
    for word in ("surname that is a word", "quoted nickname", "glued title", "Nan is a name",
                 "Mª is María", "leading credential", "Md prefix", "tagline after a comma",
                 "whole name in first cell", "credentials in the last cell", "particles",
                 "Chinese", "Japanese", "Korean", "mononym"):  # fmt: skip
        assert word in patterns, word


@pytest.mark.parametrize(
    "row", _table(), ids=lambda r: "|".join((r["first_name"], r["last_name"], r["full_name"]))
)
def test_names_table(row: dict[str, str]) -> None:
    got = clean_name(row["first_name"] or None, row["last_name"] or None, row["full_name"] or None)
    expected = tuple(row[k] or None for k in ("greeting", "given", "last", "full"))
    assert (got.first, got.given, got.last, got.full) == expected


#: Title and suffix words of nameparser's tables that are ordinary words ("King", "Bishop",
#: "Singer"): as a surname they must never be dropped.
WORD_SURNAMES = sorted(
    w.capitalize()
    for w in _LEXICON.titles
    if w.isalpha()
    and w.isascii()
    and len(w) > 2
    and w not in {"member", "private"}
    # credentials and generational suffixes ("CSM", "Jr") are not words
    and w not in _LEXICON.suffix_acronyms
    and w not in _LEXICON.suffix_words
)


@given(st.sampled_from(WORD_SURNAMES), st.sampled_from(["Jane", "Mark", "Ann Marie", "Dr. Tom"]))
def test_a_surname_that_is_a_word_is_never_dropped(surname: str, given_name: str) -> None:
    bare = given_name.removeprefix("Dr. ")
    for cells, greeting in (
        ((given_name, surname, None), bare),  # the first-name cell is greeted as typed
        ((None, None, f"{given_name} {surname}"), bare.split()[0]),
    ):
        got = clean_name(*cells)
        assert got.last == surname, cells
        assert got.full == f"{bare} {surname}", cells
        assert got.first == greeting, cells
