"""A campaign's funnel as a reader follows it: the input total, then each reason in SPEC order
with how many rows it removed and how many remain, as counts and shares of the input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.contract import REASONS


@dataclass(frozen=True)
class FunnelStep:
    """One line of the funnel: `removed` rows left with `reason`, `remaining` still in."""

    reason: str
    removed: int
    remaining: int
    total: int

    @property
    def removed_share(self) -> float:
        return self.removed / self.total if self.total else 0.0

    @property
    def remaining_share(self) -> float:
        return self.remaining / self.total if self.total else 0.0


def input_total(funnel: Mapping[str, int]) -> int:
    """Every input row of the campaign: each row has exactly one reason or is a recipient."""
    return sum(funnel.get(r, 0) for r in REASONS) + funnel.get("recipients", 0)


def funnel_steps(funnel: Mapping[str, int], *, skip_empty: bool = True) -> list[FunnelStep]:
    """The reasons in SPEC order with the rows each removed and the rows left after it.

    The last step's `remaining` is the number of recipients. `skip_empty` leaves out reasons
    that removed nobody (the running total is unchanged by them).
    """
    total = input_total(funnel)
    remaining = total
    steps: list[FunnelStep] = []
    for reason in REASONS:
        removed = funnel.get(reason, 0)
        remaining -= removed
        if removed or not skip_empty:
            steps.append(FunnelStep(reason, removed, remaining, total))
    return steps
