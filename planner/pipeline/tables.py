"""The working tables of a build, in the order the steps make them: each name in one place.

Every table a plan leaves in its DuckDB connection is declared here (tests/test_pipeline_steps.py
checks a real build against this list), so a reader knows what a step may read and a step can be
tested alone on hand-made tables. The ledger's own working tables carry the `_led_` prefix
(`planner.ledger`); the candidate files are read into `sources.read_sources`' own table, which
`read_candidates` drops once `PEOPLE` holds its columns.
"""

from __future__ import annotations

import re
from typing import Final

#: One row per candidate row read (`row_id`), every input column plus the normalized ones
#: (`planner.normalize.enrich`). Never changed once made: the cache stores it as it is.
PEOPLE: Final = "people"
#: row_id -> person_key, component: who is who within the build (`planner.persons`, then
#: the ledger's recorded persons).
PERSONS: Final = "persons"
#: The view `PEOPLE` JOIN `PERSONS` USING (row_id) (`key_people`), for the readers that look
#: rows up by person. Not a copy: writing two columns into the wide table took 13 s (29 s
#: beside the cache store) of a 10M-row build.
PEOPLE_KEYED: Final = "people_keyed"
#: file path -> sha256 of the files the person keys were made from (`planner.persons`).
FILE_HASH: Final = "_file_hash"
#: The decision table: one row per (campaign index `cidx`, row), `reason` NULL = recipient.
DEC: Final = "dec"
#: The follow-up step of each recipient due for one (`cidx`, `person_key`, `step`) and the
#: variant (`message.variants`) of their first message of the campaign (`variant`, or NULL).
DEC_STEPS: Final = "dec_steps"
#: excluded.csv's small joins: input file order, rejected rows, each campaign's files and ids.
FILE_ORDER: Final = "_file_order"
REJECTS: Final = "_rejects"
CAMPAIGN_FILES: Final = "_cfiles"
CAMPAIGN_IDS: Final = "_cids"
#: excluded.csv's columns of each row of `people` and its place in the input (made once).
EXCLUDED_ROWS: Final = "_excluded_rows"
#: Registered for the best-cue query only.
CUE_STOPWORDS: Final = "_cue_stopwords"
#: The prefix of the ledger step's own working tables.
LEDGER_PREFIX: Final = "_led_"


def scope(i: int) -> str:
    """Campaign `i`'s rows: duplicates within the campaign and suppression-list hits marked."""
    return f"scope_{i}"


def suppression_hits(i: int) -> str:
    """Persons of campaign `i` found on its suppression files."""
    return f"_supp_hits_{i}"


def ats_hits(i: int) -> str:
    """Persons of campaign `i` found in its `suppression.in_ats` exports."""
    return f"_ats_hits_{i}"


def segment(i: int) -> str:
    """Campaign `i`'s segmentation: checks, fit score, first reason (`segment.kept_columns`)."""
    return f"seg_{i}"


def recipient_segment(i: int) -> str:
    """Every column of campaign `i`'s segmentation (matched skills, distances, score parts) for
    its recipients only (`segment.rows_sql`); `segment(i)` keeps what every row needs."""
    return f"segr_{i}"


def cue(i: int) -> str:
    """Campaign `i`'s recipients' best cue (`recipients.personalize`)."""
    return f"cue_{i}"


FIXED: Final = frozenset(
    {
        PEOPLE,
        PERSONS,
        PEOPLE_KEYED,
        FILE_HASH,
        DEC,
        DEC_STEPS,
        FILE_ORDER,
        REJECTS,
        CAMPAIGN_FILES,
        CAMPAIGN_IDS,
        EXCLUDED_ROWS,
        CUE_STOPWORDS,
    }
)
_PER_CAMPAIGN: Final = re.compile(r"(scope|_supp_hits|_ats_hits|seg|segr|cue)_[0-9]+")


def declared(name: str) -> bool:
    """Whether `name` is one of the tables above (or the ledger's)."""
    return name in FIXED or bool(_PER_CAMPAIGN.fullmatch(name)) or name.startswith(LEDGER_PREFIX)
