"""planner: plan responsible outreach campaigns.

Library first: `planner.plan(...)` computes a build (who is contacted, who is not and why);
`planner.write_plan(...)` writes it. The `planner` command line is a thin layer over these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from planner.config import Campaign, load_campaign
    from planner.pipeline import Plan, plan, write_plan

__all__ = ["Campaign", "Plan", "__version__", "load_campaign", "plan", "write_plan"]


def __getattr__(name: str) -> Any:
    # Lazy so `import planner` stays cheap and never imports the CLI stack.
    if name in {"plan", "write_plan", "Plan"}:
        from planner import pipeline

        return getattr(pipeline, name)
    if name in {"Campaign", "load_campaign"}:
        from planner import config

        return getattr(config, name)
    raise AttributeError(name)
