"""PLANNER_LEDGER_TIMEOUT: a bounded, finite number of seconds, or a clear error."""

from __future__ import annotations

import pytest

from planner.errors import LedgerError
from planner.ledger.lock import DEFAULT_TIMEOUT, TIMEOUT_ENV, timeout_from_env


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(None, DEFAULT_TIMEOUT), ("", DEFAULT_TIMEOUT), ("0", 0.0), ("2.5", 2.5), ("86400", 86_400.0)],
)
def test_valid_timeouts(monkeypatch: pytest.MonkeyPatch, raw: str | None, seconds: float) -> None:
    if raw is None:
        monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(TIMEOUT_ENV, raw)
    assert timeout_from_env() == seconds


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "-1", "86401", "1e309", "ten"])
def test_nan_inf_negative_and_huge_are_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, raw)
    with pytest.raises(LedgerError, match=f"{TIMEOUT_ENV}: '{raw}' is not a number of seconds"):
        timeout_from_env()
