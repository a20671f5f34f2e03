"""personal_share (issue 17): the share of a message's characters that come from the person's
own fields, on templates whose exact share is known; lint's low-personal-share rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.lint import lint_campaign, with_personal_share
from planner.personalize import render
from tests.test_personalize import campaign_with_body

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "current_company": "Foo",
    "current_title": "Data Engineer",
    "matched_skills": ["python", "kafka"],
    "city": "Berlin",
}


@pytest.mark.parametrize(
    ("body", "message", "share"),
    [
        ("Hi {{ first_name }},", "Hi Jane,", 4 / 8),
        ("Hello all, we are hiring.", "Hello all, we are hiring.", 0.0),
        ("{{ first_name }} {{ last_name }}", "Jane Doe", 7 / 8),
        # role.* and sender.* are the same for everyone: not personal.
        ("Hi {{ first_name }}, {{ role.company }} hires.", "Hi Jane, Acme hires.", 4 / 20),
        # Filters and lists count as printed ("Python, Kafka").
        ("Your {{ matched_skills }} work", "Your Python, Kafka work", 13 / 23),
        ("At {{ current_company | upper }}.", "At FOO.", 3 / 7),
        # Variables set from person fields are personal too.
        ("{% for s in matched_skills %}{{ s }}/{% endfor %}", "Python/Kafka/", 11 / 13),
        ("{% set c = current_company %}{% set d = c %}Hi {{ d }}", "Hi Foo", 3 / 6),
        # Static text inside a taken branch is not personal; the untaken branch prints nothing.
        ("{% if city %}In {{ city }}.{% else %}Somewhere.{% endif %}", "In Berlin.", 6 / 10),
    ],
)
def test_known_templates(tmp_path: Path, body: str, message: str, share: float) -> None:
    (out,) = render(campaign_with_body(tmp_path, body, minimum=0), [JANE])
    assert out.ok and out.message == message
    assert out.personal_share == round(share, 4)


def test_fallback_is_not_personal(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name | default('there') }}, how are you?", minimum=0
    )
    jane, nobody = render(campaign, [JANE, {**JANE, "first_name": None, "last_name": None}])
    assert (jane.message, jane.personal_share) == ("Hi Jane, how are you?", round(4 / 21, 4))
    assert (nobody.message, nobody.personal_share) == ("Hi there, how are you?", 0.0)


def test_subject_does_not_count_and_blank_lines_are_not_characters(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name }}\n\n\n\nBye   ", subject="{{ first_name }} {{ last_name }}"
    )
    (out,) = render(campaign, [JANE])
    assert out.message == "Hi Jane\n\nBye"
    assert out.personal_share == round(4 / 12, 4)


NAMES = ["Jo", "Jane", "Maximilian", "Ana", "Oluwaseun", "Li"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(NAMES), st.text("abc ,.", min_size=0, max_size=30))
def test_share_is_the_field_characters_over_all(tmp_path: Path, name: str, tail: str) -> None:
    body = "Hi {{ first_name }}!" + tail.replace(" ", "_")
    (out,) = render(campaign_with_body(tmp_path, body), [{**JANE, "first_name": name}])
    assert 0.0 <= out.personal_share <= 1.0
    assert out.personal_share == round(len(name) / len(out.message), 4)


def test_lint_warns_under_min_personal_share(tmp_path: Path) -> None:
    body = (
        "Hi {{ first_name }}, we are hiring a Data Engineer at Acme in Berlin. Would you like to"
        " talk next week about it? Let me know."
    )
    campaign = campaign_with_body(tmp_path, body)
    findings = [f for f in lint_campaign(campaign) if f.rule == "low-personal-share"]
    assert [(f.severity, f.field, f.line, f.column) for f in findings] == [
        ("warning", "body", 1, 1)
    ]
    assert "median personal share 0.0354 over a typical recipient" in findings[0].message
    assert "under message.min_personal_share 0.15" in findings[0].message
    # The build judges its recipients instead: a high median clears it, a low one says so.
    assert not [f for f in with_personal_share(findings, campaign, [0.1, 0.2, 0.3]) if f.rule]
    (low,) = with_personal_share([], campaign, [0.1, 0.12, 0.5, 0.01])
    assert "median personal share 0.1100 over 4 recipients" in low.message
    assert with_personal_share(findings, campaign, []) == findings


def test_min_personal_share_zero_never_warns_and_is_validated(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hello all, would you like to talk?")
    assert any(f.rule == "low-personal-share" for f in lint_campaign(campaign))
    zero = campaign.model_copy(
        update={"message": campaign.message.model_copy(update={"min_personal_share": 0.0})}
    )
    assert not any(f.rule == "low-personal-share" for f in lint_campaign(zero))
    from planner.config import parse_campaign
    from planner.errors import ConfigError

    text = (
        (tmp_path / "campaign.yaml")
        .read_text()
        .replace("message:\n", "message:\n  min_personal_share: 1.5\n")
    )
    with pytest.raises(ConfigError, match="min_personal_share"):
        parse_campaign(text, tmp_path / "campaign.yaml")


def test_send_list_json_preview_and_identical_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import json

    from tests.outcomes_support import run_main, write_campaign, write_people

    write_people(
        tmp_path / "people.csv",
        [
            ("a", "Jane", "Doe", "jane@example.com", None, "Engineer"),
            ("b", "Jane", "Roe", "jane.roe@example.com", None, "Engineer"),
            ("c", "Jane", "Poe", "jane.poe@example.com", None, "Engineer"),
            ("d", "Maximilian", "Ko", "max@example.com", None, "Data Engineer"),
        ],
    )
    camp = write_campaign(tmp_path, "camp-a", ["people.csv"])
    ledger = str(tmp_path / "ledger.duckdb")
    code, stdout, _err = run_main(
        capsys,
        "build",
        str(camp),
        "--dry-run",
        "--json",
        "--ledger",
        ledger,
        "--as-of",
        "2026-03-01",
    )
    assert code == 0
    doc = json.loads(stdout)
    body = (
        "Hi {name}, your work as {title} caught my eye.\nAcme Analytics is hiring a Data"
        " Engineer.\nWould you be open to a short call next week? - Dana Reyes\nNot interested?"
        " Reply and I won't contact you again."
    )
    shares = {}
    for r in doc["recipients"]:
        name, title = r["first_name"], r["current_title"]
        assert r["message"] == body.format(name=name, title=title)
        shares[r["candidate_id"]] = r["personal_share"]
        assert r["personal_share"] == round((len(name) + len(title)) / len(r["message"]), 4)
    (entry,) = doc["campaigns"]
    assert entry["identical_messages"] == {"recipients": 3, "messages": 1}
    jane, max_ = shares["a"], shares["d"]
    assert entry["personal_share"] == {
        "median": jane,
        "p10": jane,
        "p90": round(jane + 0.7 * (max_ - jane), 4),  # linear between the 3rd and 4th of 4
        "min": jane,
    }
    # The preview prints the distribution and the identical bodies.
    code, stdout, _err = run_main(
        capsys, "build", str(camp), "--dry-run", "--ledger", ledger, "--as-of", "2026-03-01"
    )
    assert f"personal share of the messages: median {jane:.0%}" in stdout
    assert "identical messages: 3 recipients would get one of 1 byte-identical bodies" in stdout
    # A real build warns on stderr and writes the column after personal_fields.
    out = tmp_path / "out"
    code, _stdout, err = run_main(
        capsys, "build", str(camp), "--out", str(out), "--ledger", ledger, "--as-of", "2026-03-01"
    )
    assert code == 0
    assert (
        "planner: warning: camp-a: 3 recipients get byte-identical messages (1 distinct text(s)"
        " shared by several people)" in err
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["messages"] == {
        "personal_share": entry["personal_share"],
        "identical_messages": {"recipients": 3, "messages": 1},
    }
    with (out / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[-4:] == ["personal_fields", "personal_share", "step", "variant"]
    assert {r["variant"] for r in rows} == {""}  # no message.variants: the column is empty
    assert {r["candidate_id"]: r["personal_share"] for r in rows} == {
        k: f"{v:.4f}" for k, v in shares.items()
    }


def test_no_warning_when_every_message_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.outcomes_support import run_main, write_campaign, write_people

    write_people(
        tmp_path / "people.csv",
        [
            ("a", "Jane", "Doe", "jane@example.com", None, "Engineer"),
            ("b", "Omar", "Roe", "omar@example.com", None, "Engineer"),
        ],
    )
    camp = write_campaign(tmp_path, "camp-a", ["people.csv"])
    code, _stdout, err = run_main(
        capsys,
        "build",
        str(camp),
        "--out",
        str(tmp_path / "out"),
        "--ledger",
        str(tmp_path / "l.duckdb"),
        "--as-of",
        "2026-03-01",
    )
    assert code == 0 and "identical" not in err
