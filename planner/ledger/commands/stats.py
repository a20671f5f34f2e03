"""`planner ledger stats`: response rates per sender and campaign, and per message variant and
step (`--variants`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from planner.ledger import responses
from planner.ledger.commands._common import PathLike
from planner.ledger.core import (
    reading,
)
from planner.ledger.store import translate_errors


def stats(
    path: PathLike = None, *, sender: str | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Response rates per sender, campaign and ISO week of the touch (SPEC 6.4 definition, see
    `planner.ledger.responses`); outcomes known up to `as_of` (default today) count."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        return responses.weekly(con, sender=sender, as_of=as_of or datetime.now(UTC).date())


def variant_stats(
    path: PathLike = None, *, sender: str | None = None, as_of: date | None = None
) -> dict[str, Any]:
    """Response rates per campaign, message variant and step, with a two-proportion z-test of
    the leading variant against the runner-up (`planner.ledger.responses.by_variant`)."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        return responses.by_variant(con, sender=sender, as_of=as_of or datetime.now(UTC).date())
