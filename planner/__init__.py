"""planner: plan responsible outreach campaigns.

Library first: `planner.build(...)` does what `planner build` does, refusals included (the CLI
is a thin layer over it); `planner.plan(...)` computes a build without writing it (who is
contacted, who is not and why) and `planner.write_plan(...)` writes a plan as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from planner import errors
    from planner.builder import BuildResult, build
    from planner.config import Campaign, load_campaign
    from planner.pipeline import Plan, plan, write_plan

__all__ = [
    "BuildResult",
    "Campaign",
    "Plan",
    "__version__",
    "build",
    "errors",
    "load_campaign",
    "plan",
    "write_plan",
]


def __getattr__(name: str) -> Any:
    # Lazy so `import planner` stays cheap and never imports the CLI stack.
    if name in {"plan", "write_plan", "Plan"}:
        from planner import pipeline

        return getattr(pipeline, name)
    if name in {"build", "BuildResult"}:
        from planner import builder

        return getattr(builder, name)
    if name == "errors":
        import planner.errors

        return planner.errors
    if name in {"Campaign", "load_campaign"}:
        from planner import config

        return getattr(config, name)
    raise AttributeError(name)
