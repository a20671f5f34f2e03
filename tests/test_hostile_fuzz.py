"""Fuzz suite (issue 18): random campaign files and random templates never end as an internal
error, never need more than 1 GiB of memory, and each case takes under 10 s.

The searches live in tests/hostile.py; they run here in a child process whose address space is
limited to 1 GiB (a case needing more fails there as MemoryError) and whose CPU time is
limited, so a runaway case cannot take the machine down. Hypothesis' deadline fails any case
slower than 10 s. Found examples are kept as fixtures (tests/data/bad/).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests import hostile

ROOT = Path(__file__).resolve().parents[1]
GIB = 1 << 30
EXAMPLES = 150


def _limits() -> None:  # runs in the child before it starts Python
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))
    resource.setrlimit(resource.RLIMIT_CPU, (170, 180))


@pytest.mark.slow
def test_fuzz_never_ends_as_internal_error() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANNER_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile", str(EXAMPLES)],
        cwd=ROOT,
        env=env,
        preexec_fn=_limits,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    assert f"fuzz: {EXAMPLES} campaign files and {EXAMPLES} templates" in proc.stdout


def test_memory_limit_of_the_child_is_real() -> None:
    """The 1 GiB limit bites: a child that allocates 2 GiB fails (so the fuzz check can)."""
    proc = subprocess.run(
        [sys.executable, "-c", "b = bytearray(2 << 30)"],
        preexec_fn=_limits,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "MemoryError" in proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        # Found by the search: a shared list dumped as &id001/*id001.
        "version: 1\nid: fuzz\nrole: {title: T, company: C}\nsender: {id: d}\n"
        "candidates: {paths: [p.csv]}\naudience:\n  skills:\n    all: &id001 [a]\n"
        "    nice: *id001\n",
        "version: 1\nid: fuzz\n<<: *a\n",
        "version: 1\nid: fuzz\nrole: {title: T, company: C}\nsender: {id: d}\n"
        "candidates: {paths: [p.csv]}\ncaps: {window_days: !!python/name:os.system }\n",
        "\x00",
    ],
)
def test_found_campaign_texts_are_refused(text: str) -> None:
    assert hostile.check_campaign_text(text) == "refused"


@pytest.mark.parametrize(
    "body",
    [
        # Found by the search: Python refused the compiled call (internal error SyntaxError).
        "{{ ('x') | join(base=1, base=2) }}",
        "{{ (first_name) | truncate(0) }}",
        "{{ (fit_score) | round(-999999999999) }}",
    ],
)
def test_found_templates_are_refused(body: str) -> None:
    assert hostile.check_template(body) == "refused"
