"""The build report in a real headless Chromium (issue 16): it opens from disk, its charts
render, it logs no error, requests nothing but itself, and runs none of the page's data.

Chromium comes from the distribution (`apt-get install chromium`, see .ci/run) and is driven
by Playwright's Python package, which never downloads a browser here. Without Chromium these
tests skip, except when PLANNER_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner import report
from tests.report_support import (
    HOSTILE_COMPANY,
    add_hostile_recipient,
    dry_plan,
    example_dir,
    second_campaign,
)

pytestmark = pytest.mark.browser

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Root in CI needs --no-sandbox; the rest keeps Chromium from calling home at start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    """PLANNER_CHROMIUM if set (tests the skip with a wrong path), else the system's."""
    given = os.environ.get("PLANNER_CHROMIUM")
    if given is not None:
        return given if Path(given).is_file() else None
    found = next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)
    return found or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = _chromium()
    required = os.environ.get("PLANNER_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        sync_playwright = None
    if path is None or sync_playwright is None:
        why = "Chromium not found (apt-get install chromium)" if path is None else "no playwright"
        if required:
            pytest.fail(f"PLANNER_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    profile = tempfile.mkdtemp(prefix="planner-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=path,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def _open(browser: Any, page_file: Path, shot: Path) -> tuple[Any, list[str], list[str]]:
    """Load the file; return the page, console/page errors and every requested URL."""
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.resolve().as_uri(), wait_until="load")
    page.screenshot(path=str(shot), full_page=True)
    return page, problems, requests


def _charts(page: Any) -> dict[str, dict[str, float]]:
    """Each chart's drawn size and how many marks (bars, rects, paths) it holds."""
    result: dict[str, dict[str, float]] = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('section')].filter(
            s => s.querySelector('.chart svg')).map(s => {
              const svg = s.querySelector('.chart svg');
              const box = svg.getBoundingClientRect();
              return [s.id, {width: box.width, height: box.height,
                             marks: svg.querySelectorAll('path, rect, line').length,
                             texts: svg.querySelectorAll('text').length}];
            }))"""
    )
    return result


def test_example_report_renders_from_disk_without_network(browser: Any, tmp_path: Path) -> None:
    campaign = example_dir(tmp_path)
    plan = dry_plan(campaign)
    try:
        page_file = tmp_path / "report.html"
        report.write_plan_report(plan, page_file, dry_run=True)
        data = report.from_plan(plan, dry_run=True)
    finally:
        plan.close()
    # Every marked value of the report's data is a <mark> on the page (test_report checks which).
    expected_marks = sum(1 for sample in data.samples for seg in sample.body if seg.field)
    assert expected_marks >= 6
    shot = tmp_path / "report.png"
    page, problems, requests = _open(browser, page_file, shot)
    try:
        assert problems == []
        assert requests == [page_file.resolve().as_uri()]
        drawn = _charts(page)
        assert set(drawn) == {"funnel", "scores", "places", "guardrail"}
        for name, box in drawn.items():
            assert box["width"] > 200 and box["height"] > 60, name
            assert box["marks"] >= 3 and box["texts"] >= 3, name
        funnel_labels = page.eval_on_selector_all(
            "#funnel svg text", "els => els.map(e => e.textContent)"
        )
        assert "location_mismatch" in funnel_labels and "recipients" in funnel_labels
        assert page.locator("#samples .message mark").count() == expected_marks
        assert page.locator("#samples mark[data-field=first_name]").first.inner_text() == "Jana"
    finally:
        page.close()
    assert shot.stat().st_size > 20_000


def test_hostile_values_render_as_text_in_a_multi_campaign_report(
    browser: Any, tmp_path: Path
) -> None:
    campaign = example_dir(tmp_path)
    add_hostile_recipient(campaign)
    plan = dry_plan(campaign, second_campaign(campaign))
    try:
        page_file = tmp_path / "report.html"
        report.write_plan_report(plan, page_file, dry_run=True)
    finally:
        plan.close()
    page, problems, requests = _open(browser, page_file, tmp_path / "multi.png")
    try:
        assert problems == []
        assert requests == [page_file.resolve().as_uri()]
        assert page.evaluate("window.__pwned") is None
        assert page.locator("script").count() == 0
        marks = page.locator("#samples mark[data-field=current_company]").all_inner_texts()
        assert HOSTILE_COMPANY in marks
        assert "overlap" in _charts(page)
        assert page.locator("#overlap table").count() == 2
    finally:
        page.close()
