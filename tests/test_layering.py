"""The layering of STYLE.md, checked on the source: arrows point one way.

- nothing below the CLI (`planner/cli*.py`) imports typer or rich;
- `planner.normalize` imports nothing of planner above it (only itself, `duck`, `contract`,
  `errors`);
- `import planner` and the library entry points load no CLI stack at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planner"
CLI_MODULES = {"cli.py", "cli_ledger.py", "cli_common.py", "__main__.py"}
NORMALIZE_MAY_IMPORT = ("planner.normalize", "planner.duck", "planner.contract", "planner.errors")


def _imports(path: Path) -> set[str]:
    """Every module an `import` / `from ... import` names in the file (at any depth)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _library_modules() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if not (p.parent == PACKAGE and p.name in CLI_MODULES)
    ]


def test_nothing_below_the_cli_imports_typer_or_rich() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            n for n in _imports(p) if n.split(".")[0] in {"typer", "rich", "click"}
        )
        for p in _library_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_normalize_imports_nothing_above_it() -> None:
    offenders = {}
    for p in sorted((PACKAGE / "normalize").rglob("*.py")):
        above = sorted(
            n
            for n in _imports(p)
            if n.startswith("planner") and n != "planner" and not n.startswith(NORMALIZE_MAY_IMPORT)
        )
        if above:
            offenders[str(p.relative_to(ROOT))] = above
    assert offenders == {}


def test_the_library_loads_no_cli_stack() -> None:
    code = (
        "import sys, planner; planner.build; planner.plan; planner.Campaign;"
        " import planner.builder, planner.pipeline, planner.ledger, planner.export;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in {'typer', 'rich', 'click'}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_ledger_commands_and_forget_do_not_import_each_other() -> None:
    forget = _imports(PACKAGE / "ledger" / "forget.py")
    commands = set().union(*(_imports(p) for p in (PACKAGE / "ledger" / "commands").glob("*.py")))
    assert not any(n.startswith("planner.ledger.commands") for n in forget)
    assert "planner.ledger.forget" in commands  # commands uses erasure; never the reverse
