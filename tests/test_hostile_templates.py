"""Hostile message templates (issue 18): each is stopped with a clear error naming its line.

Fixtures in tests/data/bad/templates/*.j2 start with a comment saying where the template is
refused ("validation": before any candidate is read; "render": by the sandbox's budget while
rendering, which `planner lint` -- run by validate and build -- does for a typical recipient),
the template line, and the words of the error. Examples found by the fuzz suite
(tests/hostile.py) are added here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner import lint, sandbox_limits
from planner.config import Campaign, load_campaign
from planner.errors import ConfigError
from planner.personalize import render, sample_recipient, validate_templates

TEMPLATES = Path(__file__).parent / "data" / "bad" / "templates"
HEADER = re.compile(r"^\{# refused at (validation|render), template line (\d+): (.*) #\}$")


def _campaign(tmp_path: Path, body: str) -> Campaign:
    """A campaign whose `body: |` is on line 8 (template line 1 is file line 9)."""
    text = (
        "version: 1\nid: acme-de\nrole: {title: Data Engineer, company: Acme}\n"
        "sender: {id: dana}\ncandidates: {paths: [people.csv]}\nmessage:\n"
        "  min_personal_fields: 0\n  body: |\n"
    ) + "".join(f"    {line}\n" for line in body.splitlines())
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return load_campaign(path)


def _fixtures() -> list[str]:
    return sorted(p.name for p in TEMPLATES.glob("*.j2"))


@pytest.mark.parametrize("name", _fixtures())
def test_hostile_template_is_refused_naming_its_line(tmp_path: Path, name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    match = HEADER.match(source.splitlines()[0])
    assert match, f"{name}: first line must say where it is refused"
    stage, line, words = match.group(1), int(match.group(2)), match.group(3)
    campaign = _campaign(tmp_path, source)
    where = f"{campaign.file}:{8 + line}: message.body (template line {line}): "
    if stage == "validation":
        with pytest.raises(ConfigError) as info:
            validate_templates(campaign)
        assert info.value.problems[0].startswith(where + words), info.value.problems
        return
    validate_templates(campaign)  # needs values: refused by the budget while rendering
    with pytest.raises(ConfigError) as info:
        render(campaign, [sample_recipient(campaign)])
    assert str(info.value).startswith(where + "the template was stopped by the sandbox: " + words)
    # ... and so already when the campaign is checked (validate, lint and build run lint).
    with pytest.raises(ConfigError) as lint_info:
        lint.lint_campaign(campaign)
    assert str(lint_info.value) == str(info.value)


def test_every_stage_is_covered() -> None:
    stages = [HEADER.match((TEMPLATES / n).read_text().splitlines()[0]) for n in _fixtures()]
    assert {m.group(1) for m in stages if m} == {"validation", "render"}
    assert len(stages) >= 20


def test_budget_leaves_ordinary_templates_alone(tmp_path: Path) -> None:
    body = (
        "Hi {{ first_name }},\n"
        "{% for s in matched_skills %}{{ s }}{% if not loop.last %} / {% endif %}{% endfor %}\n"
        "{% set tail %}{{ role.company | upper }} {{ '-' * 20 }}{% endset %}{{ tail | trim }}\n"
        "{{ (current_title ~ ' at ' ~ current_company) | truncate(40) }}"
        " {{ fit_score | round(1, 'floor') }}"
    )
    campaign = _campaign(tmp_path, body)
    (result,) = render(
        campaign,
        [
            {
                "first_name": "Jane",
                "matched_skills": ["python", "kafka"],
                "current_title": "Data Engineer",
                "current_company": "Zalando",
                "fit_score": 0.87,
            }
        ],
    )
    assert result.ok, result.detail
    assert result.message == (
        "Hi Jane,\nPython / Kafka\nACME --------------------\nData Engineer at Zalando 0.8"
    )


def test_output_of_exactly_the_limit_is_allowed(tmp_path: Path) -> None:
    limit = sandbox_limits.MAX_OUTPUT_CHARS
    campaign = _campaign(
        tmp_path, "{{ first_name }}{% for i in [1] * 10 %}{{ 'x' * 999 }}{% endfor %}"
    )
    (ok,) = render(campaign, [{"first_name": "J" * (limit - 9990)}])
    assert ok.ok and len(ok.message) == limit
    with pytest.raises(ConfigError, match="longer than 10,000 characters"):
        render(campaign, [{"first_name": "J" * (limit - 9989)}])


def test_loop_budget_counts_every_loop_of_a_message(tmp_path: Path) -> None:
    loop = "{% for i in [1] * 1000 %}{% endfor %}"
    ten = _campaign(tmp_path, "Hi {{ first_name }}\n" + loop * 10)
    assert render(ten, [{"first_name": "Jane"}])[0].ok  # 10,000 iterations: the limit
    eleven = _campaign(tmp_path, "Hi {{ first_name }}\n" + loop * 11)
    with pytest.raises(ConfigError, match="loops ran more than 10,000 times"):
        render(eleven, [{"first_name": "Jane"}])


def test_each_render_gets_a_fresh_budget(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, "Hi {{ first_name }}{% for i in [1] * 999 %}{% endfor %}")
    results = render(campaign, [{"first_name": "Jane"}] * 50)
    assert [r.ok for r in results] == [True] * 50
