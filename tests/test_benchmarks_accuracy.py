"""`python -m benchmarks.accuracy`: the three scores over the normalization tables."""

from __future__ import annotations

import pytest

from benchmarks import accuracy


def test_scores_cover_the_tables_and_meet_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    scores = {s.name: s for s in accuracy.measure()}
    assert set(scores) == {"names", "seniority", "places"}
    assert scores["names"].total >= 300
    assert scores["seniority"].total >= 300  # titles with a level word
    assert scores["places"].total >= 200
    assert accuracy.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["names", "seniority", "places"]
    assert all(line.endswith(" ok") for line in lines)


def test_a_miss_is_reported() -> None:
    miss = accuracy._seniority_miss({"title": "Senior Data Engineer", "level": "junior"})
    assert "expected junior, got senior" in miss
    assert accuracy._seniority_miss({"title": "Senior Data Engineer", "level": "senior"}) == ""
