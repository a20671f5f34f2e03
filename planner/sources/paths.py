"""Candidate file patterns -> files."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from planner.errors import InputError


def expand_paths(base_dir: Path, patterns: Sequence[str], *, where: str) -> list[Path]:
    """Resolve files and globs relative to `base_dir`: sorted, de-duplicated, deterministic.

    `where` names the key in errors (e.g. "campaign.yaml:9: candidates.paths"); the index of
    the failing pattern is appended unless `where` already ends with one.
    """
    found: list[Path] = []
    for index, pattern in enumerate(patterns):
        label = where if where.endswith("]") else f"{where}[{index}]"
        full = Path(pattern).expanduser()
        if not full.is_absolute():
            full = base_dir / full
        if any(ch in pattern for ch in "*?["):
            matches = sorted(
                Path(p).resolve() for p in glob.glob(str(full), recursive=True) if Path(p).is_file()
            )
        elif full.is_dir():
            raise InputError(
                f"{label}: '{pattern}' is a directory, not a file",
                hint=f"use a glob such as '{pattern.rstrip('/')}/*.csv'",
            )
        else:
            matches = [full.resolve()] if full.is_file() else []
        if not matches:
            raise InputError(
                f"{label}: no file matches '{pattern}'",
                hint=f"paths are relative to the campaign file's folder ({base_dir})",
            )
        found.extend(m for m in matches if m not in found)
    return found
