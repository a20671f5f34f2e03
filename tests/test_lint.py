"""Message lint: each rule with a message that triggers it and one that does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.config import Campaign, load_campaign
from planner.errors import ConfigError
from planner.lint import RULES, Finding, lint_campaign, lint_json

GOOD_BODY = """\
Hi {{ first_name }},
your {{ top_skill }} work at {{ current_company }} stood out: {{ role.company }} is moving its
pipelines to Flink, and the {{ role.title }} would own that migration.
Would you be open to a 20-minute call next week?
{{ sender.name }}"""


def campaign(
    tmp_path: Path,
    body: str = GOOD_BODY,
    *,
    subject: str = "{{ role.title }} at {{ role.company }}",
    channel: str = "inmail",
    minimum: int = 2,
    role: str = "{title: Senior Data Engineer, company: Acme Analytics}",
    min_share: float = 0.0,
) -> Campaign:
    """A campaign with this message. `min_share` (message.min_personal_share) is 0 unless a
    test sets it, so each rule's tests see that rule alone; test_low_personal_share sets it."""
    text = (
        "version: 1\n"
        "id: acme-de\n"
        f"role: {role}\n"
        "sender: {id: dana, name: Dana Reyes}\n"
        "candidates: {paths: [people.csv]}\n"
        "audience: {skills: {all: [python, sql], any: [kafka, flink]}}\n"
        "message:\n"
        f"  channel: {channel}\n"
        f"  min_personal_fields: {minimum}\n"
        f"  min_personal_share: {min_share}\n"
        "  subject: '" + subject.replace("'", "''") + "'\n"
        "  body: |\n" + "".join(f"    {line}\n" for line in body.splitlines())
    )
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return load_campaign(path)


def findings(c: Campaign, rule: str) -> list[tuple[str, str, str, int, int]]:
    return [
        (f.rule, f.severity, f.field, f.line, f.column) for f in lint_campaign(c) if f.rule == rule
    ]


def test_a_good_message_is_clean(tmp_path: Path) -> None:
    assert lint_campaign(campaign(tmp_path)) == []


def test_every_rule_is_tested_here() -> None:
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals()}
    for rule in RULES:
        assert {rule.id, f"{rule.id}-not-triggered"} <= tested, rule.id


# --------------------------------------------------------------------------- rules


def test_generic_greeting(tmp_path: Path) -> None:
    for opener, col in (
        ("Hi there,", 1),
        ("Hello,", 1),
        ("Dear candidate,", 1),
        ("{# x #}Hey!", 8),
    ):
        c = campaign(tmp_path, GOOD_BODY.replace("Hi {{ first_name }},", opener))
        assert findings(c, "generic-greeting") == [("generic-greeting", "error", "body", 1, col)]
    c = campaign(tmp_path, GOOD_BODY.replace("Hi {{ first_name }},", "Hi Jane,"))
    [finding] = [f for f in lint_campaign(c) if f.rule == "generic-greeting"]
    assert finding.message.startswith("greeting 'Hi Jane' does not use the recipient's name")
    # a tag-only first line is skipped; the greeting is on line 2
    c = campaign(tmp_path, "{% if true %}\nGreetings from Acme!\n{% endif %}\n" + GOOD_BODY)
    assert findings(c, "generic-greeting") == [("generic-greeting", "error", "body", 2, 1)]
    c = campaign(tmp_path, "Hi there", subject="{{ role.title }} for {{ first_name }}")
    assert ("generic-greeting", "error", "body", 1, 1) in findings(c, "generic-greeting")


def test_generic_greeting_not_triggered(tmp_path: Path) -> None:
    for opener in (
        "Hi {{ first_name | default('there') }},",
        "Dear {{ full_name }},",
        "{% if first_name %}Hi {{ first_name }},{% else %}Hello,{% endif %}",
        "Hiring for a {{ role.title }}, {{ first_name }}?",  # "Hiring" is not "Hi"
        "{{ first_name }}, quick note.",
    ):
        c = campaign(tmp_path, GOOD_BODY.replace("Hi {{ first_name }},", opener))
        assert findings(c, "generic-greeting") == [], opener


def test_canned_phrase(tmp_path: Path) -> None:
    body = GOOD_BODY.replace(
        "Would you be open", "I came across your profile and your FASCINATING\nbackground. Would"
    )
    body += "\nHope this finds you well!"
    c = campaign(tmp_path, body)
    assert findings(c, "canned-phrase") == [
        ("canned-phrase", "warning", "body", 4, 3),
        ("canned-phrase", "warning", "body", 4, 37),
        ("canned-phrase", "warning", "body", 7, 1),
    ]
    messages = [f.message for f in lint_campaign(c) if f.rule == "canned-phrase"]
    assert messages[1].startswith("canned phrase 'FASCINATING background'")
    c = campaign(tmp_path, GOOD_BODY, subject="An exciting opportunity at {{ role.company }}")
    assert findings(c, "canned-phrase") == [("canned-phrase", "warning", "subject", 1, 4)]
    c = campaign(tmp_path, GOOD_BODY.replace("stood out", "I see you looked at my profile"))
    assert findings(c, "canned-phrase") == [("canned-phrase", "warning", "body", 2, 52)]


def test_canned_phrase_not_triggered(tmp_path: Path) -> None:
    # inside a tag it is not text; "opportunity" alone is fine
    body = GOOD_BODY.replace("stood out", "{{ 'fascinating background' | length }} opportunity")
    assert findings(campaign(tmp_path, body), "canned-phrase") == []


def test_too_few_personal_fields(tmp_path: Path) -> None:
    c = campaign(tmp_path, minimum=4)
    assert findings(c, "too-few-personal-fields") == [
        ("too-few-personal-fields", "error", "body", 1, 1)
    ]
    [f] = [f for f in lint_campaign(c) if f.rule == "too-few-personal-fields"]
    assert "uses 3 person field(s) (current_company, first_name, top_skill)" in f.message
    assert "min_personal_fields is 4" in f.message


def test_too_few_personal_fields_not_triggered(tmp_path: Path) -> None:
    c = campaign(tmp_path, minimum=3)
    assert findings(c, "too-few-personal-fields") == []


def test_role_not_mentioned(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("{{ role.company }}", "We").replace("{{ role.title }}", "new hire")
    c = campaign(tmp_path, body, subject="Hello {{ first_name }}")
    assert findings(c, "role-not-mentioned") == [("role-not-mentioned", "error", "body", 1, 1)]


def test_role_not_mentioned_not_triggered(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("{{ role.company }}", "We").replace("{{ role.title }}", "new hire")
    # the company written out counts as a mention
    c = campaign(tmp_path, body, subject="A data role at acme analytics")
    assert findings(c, "role-not-mentioned") == []
    c = campaign(tmp_path, body, subject="{{ role.title }}, {{ first_name }}?")
    assert findings(c, "role-not-mentioned") == []


def test_no_call_to_action(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("Would you be open to a 20-minute call next week?", "Cheers.")
    c = campaign(tmp_path, body)
    assert findings(c, "no-call-to-action") == [("no-call-to-action", "warning", "body", 5, 1)]


def test_no_call_to_action_not_triggered(tmp_path: Path) -> None:
    body = GOOD_BODY.replace(
        "Would you be open to a 20-minute call next week?", "Let me know if a call suits you."
    )
    assert findings(campaign(tmp_path, body), "no-call-to-action") == []


def test_inmail_length(tmp_path: Path) -> None:
    short = "Hi {{ first_name }}, {{ top_skill }} at {{ role.company }}. Open to a chat?"
    c = campaign(tmp_path, short)
    [f] = [f for f in lint_campaign(c) if f.rule == "inmail-length"]
    assert (f.rule, f.severity, f.field, f.line, f.column) == (
        "inmail-length",
        "warning",
        "body",
        1,
        1,
    )
    assert f.message.startswith("with typical values the body has 50 characters")
    long = GOOD_BODY + "\n" + "We value thoughtful engineering and sustainable pace. " * 6
    assert findings(campaign(tmp_path, long), "inmail-length") == [
        ("inmail-length", "warning", "body", 1, 1)
    ]


def test_inmail_length_not_triggered(tmp_path: Path) -> None:
    short = "Hi {{ first_name }}, {{ top_skill }} at {{ role.company }}. Open to a chat?"
    # other channels have no length rule
    assert findings(campaign(tmp_path, short, channel="linkedin_message"), "inmail-length") == []
    assert findings(campaign(tmp_path), "inmail-length") == []


def test_shouting(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("stood out", "is AMAZING!!!")
    c = campaign(tmp_path, body)
    assert findings(c, "shouting") == [
        ("shouting", "warning", "body", 2, 55),
        ("shouting", "warning", "body", 2, 62),
    ]


def test_shouting_not_triggered(tmp_path: Path) -> None:
    # acronyms, the company's own spelling and short capitals are fine
    body = GOOD_BODY.replace("stood out", "with AWS, JSON and SQL at ACME stood out!")
    c = campaign(tmp_path, body, role="{title: Senior Data Engineer, company: ACME Analytics}")
    assert findings(c, "shouting") == []


def test_missing_opt_out(tmp_path: Path) -> None:
    c = campaign(tmp_path, channel="email")
    assert findings(c, "missing-opt-out") == [("missing-opt-out", "error", "body", 5, 1)]


def test_missing_opt_out_not_triggered(tmp_path: Path) -> None:
    body = GOOD_BODY + "\nNot interested? Reply and I won't contact you again."
    assert findings(campaign(tmp_path, body, channel="email"), "missing-opt-out") == []
    # InMail has LinkedIn's own controls
    assert findings(campaign(tmp_path), "missing-opt-out") == []


def test_empty_campaign_field(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("would own", "in {{ role.location }} would own")
    c = campaign(tmp_path, body)
    assert findings(c, "empty-campaign-field") == [("empty-campaign-field", "error", "body", 3, 52)]


def test_empty_campaign_field_not_triggered(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("would own", "in {{ role.location | default('Berlin') }} would own")
    assert findings(campaign(tmp_path, body), "empty-campaign-field") == []
    body = GOOD_BODY.replace("would own", "in {{ role.location }} would own")
    role = "{title: Senior Data Engineer, company: Acme Analytics, location: Berlin}"
    assert findings(campaign(tmp_path, body, role=role), "empty-campaign-field") == []


def test_sample_render_failed(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("{{ top_skill }}", "{{ matched_skills[7] }}")
    c = campaign(tmp_path, body)
    [f] = [f for f in lint_campaign(c) if f.rule == "sample-render-failed"]
    assert (f.severity, f.field, f.line, f.column) == ("warning", "body", 1, 1)
    assert "cannot be rendered for a typical recipient" in f.message


def test_sample_render_failed_not_triggered(tmp_path: Path) -> None:
    body = GOOD_BODY.replace("{{ top_skill }}", "{{ matched_skills[0] }}")
    assert findings(campaign(tmp_path, body), "sample-render-failed") == []


# --------------------------------------------------------------------------- output


def test_bad_message_findings_in_stable_order(tmp_path: Path) -> None:
    body = (
        "Hi there!!\n"
        "\n"
        "I came across your profile and based on your fascinating background I think you\n"
        "would be a PERFECT fit for an exciting opportunity.\n"
        "\n"
        "Hope this finds you well,\n"
        "Dana"
    )
    c = campaign(tmp_path, body, subject="Exciting opportunity", channel="email")
    got = [(f.rule, f.severity, f.field, f.line, f.column) for f in lint_campaign(c)]
    assert got == [
        ("canned-phrase", "warning", "subject", 1, 1),
        ("generic-greeting", "error", "body", 1, 1),
        ("too-few-personal-fields", "error", "body", 1, 1),
        ("role-not-mentioned", "error", "body", 1, 1),
        ("shouting", "warning", "body", 1, 9),
        ("canned-phrase", "warning", "body", 3, 3),
        ("canned-phrase", "warning", "body", 3, 46),
        ("canned-phrase", "warning", "body", 4, 12),
        ("shouting", "warning", "body", 4, 12),
        ("canned-phrase", "warning", "body", 4, 31),
        ("canned-phrase", "warning", "body", 6, 1),
        ("missing-opt-out", "error", "body", 7, 1),
        ("no-call-to-action", "warning", "body", 7, 1),
    ]
    assert lint_campaign(c) == lint_campaign(c)


def test_low_personal_share(tmp_path: Path) -> None:
    # GOOD_BODY for the typical recipient: "Alex", "Python", "Example Systems" are 25 of 219
    # characters, 0.1142: under the default minimum 0.15.
    c = campaign(tmp_path, min_share=0.15)
    assert findings(c, "low-personal-share") == [("low-personal-share", "warning", "body", 1, 1)]
    [finding] = [f for f in lint_campaign(c) if f.rule == "low-personal-share"]
    assert finding.message.startswith(
        "only 11% of the message is about the recipient (median personal share 0.1142 over a"
        " typical recipient), under message.min_personal_share 0.15; say more about the person"
    )


def test_low_personal_share_not_triggered(tmp_path: Path) -> None:
    assert findings(campaign(tmp_path, min_share=0.1142), "low-personal-share") == []
    more = GOOD_BODY.replace(" work at ", " work as {{ current_title }} at ")  # 45 of 239: 0.1883
    assert findings(campaign(tmp_path, more, min_share=0.15), "low-personal-share") == []


def test_lint_json(tmp_path: Path) -> None:
    c = campaign(tmp_path, GOOD_BODY.replace("Hi {{ first_name }},", "Hello,"))
    data = lint_json(lint_campaign(c))
    assert json.loads(json.dumps(data)) == [
        {
            "rule": "generic-greeting",
            "severity": "error",
            "message": "greeting 'Hello' does not use the recipient's name;"
            " write e.g. 'Hi {{ first_name }},'",
            "field": "body",
            "line": 1,
            "column": 1,
        }
    ]
    assert data[0] == Finding(**data[0]).as_dict()


CONNECTIONS = (
    'Notes:\n"When exporting your connection data, you may notice ..."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Avery,Quill,https://www.linkedin.com/in/avery-q,,Northwind,Data Engineer,14 Mar 2024\n"
)


def test_missing_column(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CONNECTIONS, encoding="utf-8")
    c = campaign(tmp_path)  # GOOD_BODY prints {{ top_skill }}; a connections export has none
    [finding] = [f for f in lint_campaign(c) if f.rule == "missing-column"]
    assert (finding.severity, finding.field, finding.line, finding.column) == (
        "warning",
        "body",
        2,
        9,
    )
    assert finding.message.startswith(
        "{{ top_skill }} is printed without a fallback, but no input file has a skills column"
        " (people.csv): every recipient would go to insufficient_personalization"
    )
    # Given explicitly (e.g. by a build that already read the headers): same finding.
    assert [f for f in lint_campaign(c, {"people.csv": frozenset({"first_name", "company"})})
            if f.rule == "missing-column"] == [finding]  # fmt: skip


def test_missing_column_too_few_fields_left(tmp_path: Path) -> None:
    body = (
        "Hi {{ first_name }},{% if city %} a {{ city }} team{% endif %}"
        "{% if top_skill %} needs {{ top_skill }}{% endif %}: {{ role.company }} hires a"
        " {{ role.title }}. Would you be open to a call?"
    )
    c = campaign(tmp_path, body)
    got = lint_campaign(c, {"people.csv": frozenset({"first_name", "title", "company"})})
    [finding] = [f for f in got if f.rule == "missing-column"]
    assert finding.message == (
        "with the columns of the input files (people.csv) the message uses 1 personal field,"
        " needs 2 (min_personal_fields): no column for city, top_skill"
    )


def test_missing_column_not_triggered(tmp_path: Path) -> None:
    guarded = GOOD_BODY.replace(
        "your {{ top_skill }} work", "your{% if top_skill %} {{ top_skill }}{% endif %} work"
    )
    (tmp_path / "people.csv").write_text(CONNECTIONS, encoding="utf-8")
    assert findings(campaign(tmp_path, guarded), "missing-column") == []
    # A file with a skills column: nothing to warn about.
    skilled = {"people.csv": frozenset({"first_name", "company", "skills"})}
    assert [
        f for f in lint_campaign(campaign(tmp_path), skilled) if f.rule == "missing-column"
    ] == []
    # Files that cannot be read (here: none exists) claim nothing.
    (tmp_path / "people.csv").unlink()
    assert findings(campaign(tmp_path), "missing-column") == []


def test_invalid_templates_raise_instead_of_findings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown field 'frist_name'"):
        lint_campaign(campaign(tmp_path, "Hi {{ frist_name }}"))


def test_rule_table_is_consistent() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert {r.id for r in RULES if r.severity == "error"} == {
        "generic-greeting",
        "too-few-personal-fields",
        "role-not-mentioned",
        "missing-opt-out",
        "empty-campaign-field",
    }
    docs = (Path(__file__).parent.parent / "docs" / "lint.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule.id}`" in docs
