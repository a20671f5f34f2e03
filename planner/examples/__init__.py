"""The bundled example campaign and sample candidates (`planner init`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from planner.errors import ConfigError

#: Files of the example, relative to the example directory.
EXAMPLE_FILES = ("example.yaml", "data/candidates.csv", "data/off_limits.csv")


def write_example(directory: Path) -> list[Path]:
    """Copy the example campaign and its data into `directory`; never overwrites a file."""
    root = resources.files("planner.examples")
    targets = [directory / name for name in EXAMPLE_FILES]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ConfigError(
            f"{existing[0]}: already exists; planner init never overwrites files",
            hint="run `planner init NEW_DIR` with an empty or new directory",
        )
    for name, target in zip(EXAMPLE_FILES, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(root.joinpath(name).read_bytes())
    return targets
