"""The bundled example: one source (`planner/examples/`), the repository's `campaigns/` kept equal,
and `planner init` working from an installed wheel, not only from a source checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from planner.examples import EXAMPLE_FILES

ROOT = Path(__file__).resolve().parents[1]


def test_campaigns_dir_is_the_packaged_example_byte_for_byte() -> None:
    # `planner/examples/` is what `planner init` ships; `campaigns/` is the README's example.
    # Edit one, copy it to the other: this test says which files differ.
    differ = [
        name
        for name in EXAMPLE_FILES
        if (ROOT / "campaigns" / name).read_bytes()
        != (ROOT / "planner" / "examples" / name).read_bytes()
    ]
    assert differ == []
    packaged = sorted(
        str(p.relative_to(ROOT / "campaigns"))
        for p in (ROOT / "campaigns").rglob("*")
        if p.is_file()
    )
    assert packaged == sorted(EXAMPLE_FILES)


@pytest.mark.slow
def test_init_and_dry_run_from_an_installed_wheel(tmp_path: Path) -> None:
    """A non-editable install ships the example: `planner init` + `build --dry-run` work."""
    # Build from a copy of the tracked files: a checkout's own build/ and *.egg-info (left by an
    # editable install) would otherwise hand setuptools the very files the wheel must declare.
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, (t.decode() for t in tracked)):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("planner-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Only planner itself is installed from the wheel; its dependencies come from this test
    # environment (appended after the fresh venv's own site-packages, so the wheel wins).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PLANNER_LEDGER"}}
    where = subprocess.run(
        [str(python), "-c", "import planner; print(planner.__file__)"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where
    planner_bin = env_dir / "bin" / "planner"
    init = subprocess.run(
        [str(planner_bin), "init", "demo"], cwd=work, env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    assert sorted(init.stdout.split()) == sorted(f"demo/{name}" for name in EXAMPLE_FILES)
    dry = subprocess.run(
        [str(planner_bin), "build", "demo/example.yaml", "--dry-run", "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stderr
    assert '"recipients"' in dry.stdout
    assert sorted(p.name for p in work.iterdir()) == ["demo"]  # a dry run writes nothing
