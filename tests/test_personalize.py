"""Personalization: sandboxed templates, validation errors, rendering and field counting."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.config import Campaign, load_campaign
from planner.errors import ConfigError
from planner.personalize import (
    FIELD_NAMES,
    PERSON_FIELDS,
    TEMPLATE_FIELDS,
    Rendered,
    country_name,
    display_skill,
    reasons_for,
    render,
    sample_recipient,
    template_info,
    validate_templates,
)


def campaign_with_body(
    tmp_path: Path,
    body: str,
    *,
    subject: str = "{{ role.title }} at {{ role.company }}",
    minimum: int = 1,
    role: str = "{title: Data Engineer, company: Acme}",
) -> Campaign:
    """A campaign file whose body is a `|` block starting on line 11 (template line 1)."""
    lines = [
        "version: 1",  # 1
        "id: acme-de",  # 2
        f"role: {role}",  # 3
        "sender: {id: dana, name: Dana Reyes}",  # 4
        "candidates: {paths: [people.csv]}",  # 5
        "message:",  # 6
        "  channel: inmail",  # 7
        f"  min_personal_fields: {minimum}",  # 8
        "  subject: '" + subject.replace("'", "''") + "'",  # 9
        "  body: |",  # 10
    ]
    text = "\n".join(lines) + "\n" + "".join(f"    {line}\n" for line in body.splitlines())
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return load_campaign(path)


def one(campaign: Campaign, **recipient: Any) -> Rendered:
    return render(campaign, [recipient])[0]


# --------------------------------------------------------------------------- fields


def test_template_fields_follow_the_spec() -> None:
    assert PERSON_FIELDS == (
        "first_name",
        "last_name",
        "full_name",
        "email",
        "profile_url",
        "current_title",
        "current_company",
        "city",
        "country",
        "seniority",
        "years_experience",
        "matched_skills",
        "top_skill",
        "fit_score",
        "reasons",
        "headline",
        "best_cue",  # issue 17: not a send-list column
    )
    assert TEMPLATE_FIELDS[-2:] == ("role", "sender")
    assert "role.pitch" in FIELD_NAMES and "sender.email" in FIELD_NAMES


# --------------------------------------------------------------------------- validation


def test_unknown_field_names_file_line_and_suggests(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name }},\nyour work at {{ curent_company }}"
    )
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    message = str(info.value)
    assert f"{tmp_path / 'campaign.yaml'}:12: message.body (template line 2)" in message
    assert "unknown field 'curent_company'" in message
    assert "did you mean 'current_company'?" in message


def test_unknown_role_attribute_suggests(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }} about {{ role.titel }}")
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert ":11: message.body" in str(info.value)
    assert "unknown field 'role.titel' (hint: did you mean 'role.title'?)" in str(info.value)


def test_ambiguous_name_suggests_both_fields(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "{{ first_name }} at {{ company }}")
    with pytest.raises(ConfigError, match=r"did you mean 'current_company' or 'role\.company'"):
        validate_templates(campaign)


def test_subject_errors_point_at_the_subject_line(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }}", subject="{{ role.tilte }}")
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert ":9: message.subject (template line 1)" in str(info.value)


def test_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }},\n\n{% if city %}in {{ city }}")
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert "message.body" in str(info.value)
    assert "template syntax error" in str(info.value)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "{{ frist_name }}\n{{ role.titel }}", subject="{{ sendr.name }}"
    )
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert len(info.value.problems) == 3
    lines = [re.findall(r"\(template line (\d)\)", p) for p in info.value.problems]
    assert lines == [["1"], ["1"], ["2"]]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ ''.__class__.__mro__ }}", "access to '__class__' is not allowed"),
        ("{{ cycler.__init__.__globals__ }}", "Python internals are not available"),
        ("{{ self._TemplateReference__context }}", "'self' is not available"),
        ("{{ lipsum() }}", "function and method calls are not allowed"),
        ("{{ range(10**9) }}", "function and method calls are not allowed"),
        ("{{ 10**9 }}", "the ** operator is not allowed"),
        ("{{ cycler }}", "unknown field 'cycler'"),
        ("{{ joiner }}", "unknown field 'joiner'"),
        ("{{ namespace }}", "unknown field 'namespace'"),
        ("{{ first_name.upper() }}", "function and method calls are not allowed"),
        ("{{ first_name.upper }}", "'first_name' has no field 'upper'"),
        ("{{ matched_skills['__class__'] }}", "access to '__class__' is not allowed"),
        ("{{ first_name | attr('__class__') }}", "unknown filter 'attr'"),
        ("{{ first_name | random }}", "unknown filter 'random'"),
        ("{% include 'other.txt' %}", "{% include %} is not allowed"),
        ("{% extends 'base' %}", "{% extends %} is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "macros are not allowed"),
        ("{% set first_name = 'x' %}{{ first_name }}", "cannot assign to 'first_name'"),
        ("{{ role }}", "'role' is a group of fields"),
        ("{{ loop.index }}", "'loop' is not available"),
        ("{{ first_name ~ none }}", "the literal 'none' is not allowed"),
    ],
)
def test_sandbox_escapes_are_refused_at_validation(
    tmp_path: Path, template: str, words: str
) -> None:
    campaign = campaign_with_body(tmp_path, template)
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert words in "\n".join(info.value.problems)
    assert ":11: message.body" in info.value.problems[0]


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("[first_name] * 5000", "'*' would build a very long text or list"),
        ("'%999999999s' % first_name", "'%' formatting is not allowed in message templates"),
        (
            "(first_name * 200) | replace('', first_name * 200)",
            "'replace' would make a text longer than 10,000 characters",
        ),
    ],
)
def test_resource_abuse_is_stopped_at_render(tmp_path: Path, expression: str, words: str) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }},\n{{ " + expression + " }}")
    validate_templates(campaign)  # sizes are only known when rendering
    with pytest.raises(ConfigError) as info:
        render(campaign, [{"first_name": "Jane"}])
    assert str(info.value) == (
        f"{tmp_path / 'campaign.yaml'}:12: message.body (template line 2): the template was"
        f" stopped by the sandbox: {words}"
    )


def test_constant_abuse_is_refused_at_validation(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }},\n{{ 'ab' * 100000 }}")
    with pytest.raises(ConfigError) as info:
        validate_templates(campaign)
    assert info.value.problems == [
        f"{tmp_path / 'campaign.yaml'}:12: message.body (template line 2): '*' would make a text"
        " or list longer than 10,000 characters"
    ]


def test_template_info_lists_fields(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path,
        "Hi {{ first_name }}{% if city %} in {{ city }}{% endif %}, {{ role.title }}",
        subject="{{ top_skill }} at {{ role['company'] }}",
    )
    assert template_info(campaign, "body").person_fields == {"first_name", "city"}
    assert template_info(campaign, "body").campaign_fields == {"role.title"}
    assert template_info(campaign, "subject").person_fields == {"top_skill"}
    assert template_info(campaign, "subject").campaign_fields == {"role.company"}


# --------------------------------------------------------------------------- rendering


def test_render_uses_clean_names_and_display_values(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path,
        "Hi {{ first_name }}, {{ years_experience }} years with {{ matched_skills | human_join }}"
        " in {{ country }}.",
        subject="{{ top_skill }} role at {{ role.company }}",
    )
    out = one(
        campaign,
        first_name="DR. JANE 🚀",
        last_name="DOE, MBA (she/her)",
        years_experience=12.0,
        matched_skills=["postgresql", "kafka", "sql"],
        country="KR",
    )
    assert out.ok, out.detail
    assert out.subject == "PostgreSQL role at Acme"
    assert out.message == "Hi Jane, 12 years with PostgreSQL, Kafka and SQL in South Korea."
    assert (out.first_name, out.last_name, out.full_name) == ("Jane", "Doe", "Jane Doe")
    assert out.personal_fields == 5  # first_name, years, skills, country + top_skill (subject)


def test_empty_field_without_fallback_goes_to_review(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }}, {{ current_company }} rocks")
    out = one(campaign, first_name="🚀", current_company="Zalando")
    assert out == Rendered("", "", 0, False, "first_name is empty", reasons=())
    out = one(campaign, first_name="Jane", current_company=math.nan)
    assert (out.ok, out.detail, out.message) == (False, "current_company is empty", "")


@pytest.mark.parametrize("empty", [None, "", "   ", math.nan, "n/a", "None"])
def test_default_covers_every_kind_of_empty(tmp_path: Path, empty: object) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name | default('there') }}, {{ current_company }}!"
    )
    out = one(campaign, first_name=empty, current_company="Zalando")
    assert out.ok
    assert out.message == "Hi there, Zalando!"
    assert out.personal_fields == 1  # the fallback is not personal


def test_empty_list_fields(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "{{ first_name }}: {{ matched_skills | join(', ') }}")
    assert one(campaign, first_name="Jane", matched_skills=[]).detail == "matched_skills is empty"
    campaign = campaign_with_body(tmp_path, "{{ first_name }}: {{ matched_skills[2] }}")
    out = one(campaign, first_name="Jane", matched_skills=["sql"])
    assert not out.ok
    assert out.detail is not None and out.detail.startswith("template refers to a missing value")


def test_if_guards_and_untaken_branches_do_not_count(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path,
        "Hi {{ first_name }}{% if city %}, based in {{ city }}{% endif %}."
        "{% if false %} {{ email }}{% endif %}",
    )
    assert one(campaign, first_name="Jane", city="Berlin", email="j@x.io").personal_fields == 2
    out = one(campaign, first_name="Jane", city=None, email="j@x.io")
    assert (out.ok, out.message, out.personal_fields) == (True, "Hi Jane.", 1)


def test_a_field_used_twice_counts_once(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name }}, {{ first_name | upper }}", subject="For {{ first_name }}"
    )
    assert one(campaign, first_name="Jane").personal_fields == 1


def test_too_few_personal_fields(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "Hi {{ first_name }}{% if city %} in {{ city }}{% endif %}", minimum=2
    )
    assert one(campaign, first_name="Jane", city="Berlin").ok
    out = one(campaign, first_name="Jane", city="")
    assert (out.ok, out.detail, out.personal_fields) == (
        False,
        "uses 1 personal field, needs 2",
        1,
    )


def test_details_never_contain_candidate_data(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "{{ first_name }} {{ email }} {{ matched_skills[3] }}")
    secret = {"first_name": "Zebulon", "email": "zeb@secret.example", "matched_skills": ["rust"]}
    out = render(campaign, [secret])[0]
    assert not out.ok and out.detail
    assert "Zebulon" not in out.detail and "secret" not in out.detail and "rust" not in out.detail


def test_role_and_sender_fields(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path,
        "Hi {{ first_name }}, {{ role.title }} {{ role.location | default('remote') }}."
        " {{ sender.name }}",
    )
    out = one(campaign, first_name="Jane")
    assert out.message == "Hi Jane, Data Engineer remote. Dana Reyes"
    assert out.personal_fields == 1
    campaign = campaign_with_body(tmp_path, "Hi {{ first_name }} in {{ role.location }}")
    assert one(campaign, first_name="Jane").detail == "role.location is empty"


def test_standalone_tag_lines_vanish_inline_tags_keep_newlines(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path,
        "Hi {{ first_name }},\n"
        "{% if city %}\n"
        "  You are in {{ city }}.\n"
        "{% endif %}\n"
        "Skills: {% if top_skill %}{{ top_skill }}{% endif %}\n"
        "\n"
        "Best",
    )
    out = one(campaign, first_name="Jane", city="Berlin", top_skill="go")
    assert out.message == "Hi Jane,\n  You are in Berlin.\nSkills: Go\n\nBest"
    out = one(campaign, first_name="Jane", city=None, top_skill="go")
    assert out.message == "Hi Jane,\nSkills: Go\n\nBest"


def test_numbers_and_reasons(tmp_path: Path) -> None:
    campaign = campaign_with_body(
        tmp_path, "{{ first_name }} {{ fit_score }} {{ years_experience }} {{ reasons }}"
    )
    out = one(
        campaign,
        first_name="Jane",
        fit_score=0.8734,
        years_experience=6.5,
        matched_skills=["kafka", "flink"],
        nearest_city="Berlin",
        distance_km=12.4,
        seniority="senior",
    )
    assert out.message == "Jane 0.87 6.5 Kafka and Flink, Berlin, 12 km, Senior"
    assert out.reasons == ("Kafka and Flink", "Berlin, 12 km", "Senior")


def test_reasons_given_by_the_caller_are_kept(tmp_path: Path) -> None:
    campaign = campaign_with_body(tmp_path, "{{ first_name }}: {{ reasons | join(' / ') }}")
    out = one(campaign, first_name="Jane", reasons=["Rust", "Remote"])
    assert (out.message, out.reasons) == ("Jane: Rust / Remote", ("Rust", "Remote"))


def test_reasons_for() -> None:
    assert reasons_for(["kafka", "flink"], city="Berlin", distance_km=12.4, seniority="senior") == [
        "Kafka and Flink",
        "Berlin, 12 km",
        "Senior",
    ]
    assert reasons_for(["python", "sql", "kafka", "flink", "dbt"]) == [
        "Python, SQL, Kafka and 2 more"
    ]
    assert reasons_for([], country="NL", seniority="vp") == ["Netherlands", "VP"]
    assert reasons_for(None, city="Potsdam") == ["Potsdam"]
    assert reasons_for() == []


def test_display_helpers() -> None:
    assert [
        display_skill(s) for s in ["postgresql", "kafka", "sql", "dbt", "machine learning"]
    ] == [
        "PostgreSQL",
        "Kafka",
        "SQL",
        "dbt",
        "machine learning",
    ]
    assert [country_name(c) for c in ["DE", "us", "RU", "KR", "Germany", "XX"]] == [
        "Germany",
        "United States",
        "Russia",
        "South Korea",
        "Germany",
        "XX",
    ]


def test_sample_recipient_renders_the_default_message(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\nid: x\nrole: {title: Data Engineer, company: Acme, location: Berlin}\n"
        "sender: {id: dana}\ncandidates: {paths: [a.csv]}\n",
        encoding="utf-8",
    )
    campaign = load_campaign(path)
    out = render(campaign, [sample_recipient(campaign)])[0]
    assert out.ok, out.detail
    # No audience.skills: the sample (like every recipient) has no matched skill to mention.
    assert out.message.startswith(
        "Hi Alex, your work as Data Engineer at Example Systems in Berlin caught my eye."
    )
    assert out.message.endswith("- dana")


def _default_campaign(tmp_path: Path, audience: str = "") -> Campaign:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\nid: x\nrole: {title: Data Engineer, company: Acme Analytics}\n"
        "sender: {id: dana, name: Dana Reyes}\ncandidates: {paths: [a.csv]}\n" + audience,
        encoding="utf-8",
    )
    return load_campaign(path)


TAIL = (
    " caught my eye. Acme Analytics is hiring a Data Engineer, and I would like to tell you what"
    " the work involves. Would you be open to a short call next week to hear more? - Dana Reyes"
)


@pytest.mark.parametrize(
    ("row", "opening", "fields"),
    [
        # A LinkedIn connections row: name, position, company; no skills, location, headline.
        (
            {"first_name": "Avery", "current_title": "Data Engineer", "current_company": "Nw"},
            "Hi Avery, your work as Data Engineer at Nw",
            3,
        ),
        # A matched skill and a place.
        (
            {
                "first_name": "Jörg",
                "current_title": "Data Engineer",
                "current_company": "Kühne",
                "matched_skills": ["postgresql", "kafka"],
                "city": "Berlin",
            },
            "Hi Jörg, your work with PostgreSQL as Data Engineer at Kühne in Berlin",
            5,
        ),
        # Only a headline and a country (Sales Navigator style rows without a title).
        (
            {
                "full_name": "Dr. Imke Vos, PhD",
                "headline": "Streaming data at scale",
                "country": "NL",
            },
            "Hi Imke, your work (Streaming data at scale) in Netherlands",
            3,
        ),
    ],
)
def test_default_message_uses_what_the_row_has(
    tmp_path: Path, row: dict[str, Any], opening: str, fields: int
) -> None:
    campaign = _default_campaign(tmp_path)
    out = render(campaign, [row])[0]
    assert out.ok, out.detail
    assert out.message == opening + TAIL
    assert out.personal_fields == fields
    assert 200 <= len(out.message) <= 400


_OPTIONAL = {
    "current_title": "Stream Engineer",
    "current_company": "Kühne & Co.",
    "headline": "Streaming data at scale",
    "city": "Berlin",
    "country": "DE",
    "matched_skills": ["kafka", "postgresql"],
}


@settings(
    max_examples=64, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(present=st.sets(st.sampled_from(sorted(_OPTIONAL))))
def test_default_message_fits_any_row_shape(tmp_path: Path, present: set[str]) -> None:
    """Whatever subset of details a row has, the default message is sent when it has a name and
    one more detail (min_personal_fields 2), mentions exactly what the row has, and never prints
    an empty, doubled or "None" piece; a row with only a name goes to manual review."""
    from planner.lint import lint_campaign

    campaign = _default_campaign(tmp_path)
    row: dict[str, Any] = {"first_name": "Avery", **{f: _OPTIONAL[f] for f in present}}
    out = render(campaign, [row])[0]
    shown = present - ({"headline"} if "current_title" in present else set())
    shown -= {"country"} if "city" in present else set()
    if not present:
        assert not out.ok and out.detail == "uses 1 personal field, needs 2"
        return
    assert out.ok, out.detail
    assert out.personal_fields == 1 + len(shown)
    assert ("Kafka" in out.message) == ("matched_skills" in present)
    assert (" as Stream Engineer" in out.message) == ("current_title" in present)
    assert (" at Kühne & Co." in out.message) == ("current_company" in present)
    assert (" in Berlin" in out.message) == ("city" in present)
    assert ("Streaming data" in out.message) == ("headline" in shown)
    assert ("Germany" in out.message) == ("country" in shown)
    assert "None" not in out.message and "  " not in out.message and " ," not in out.message
    assert 200 <= len(out.message) <= 400
    # The lint over input files with exactly these columns warns only when too little is left
    # (matched skills need campaign skills, which this campaign does not list).
    canonical = {"current_title": "title", "current_company": "company", "matched_skills": "skills"}
    columns = {"a.csv": frozenset({"first_name", *(canonical.get(f, f) for f in present)})}
    # low-personal-share may warn as well: over sparse rows the default message is mostly the
    # role's text (tests/test_real_formats_end_to_end.py pins where it does).
    warned = [f.rule for f in lint_campaign(campaign, columns) if f.rule != "low-personal-share"]
    assert warned == ([] if shown - {"matched_skills"} else ["missing-column"])


def test_default_message_with_only_a_name_goes_to_manual_review(tmp_path: Path) -> None:
    out = render(_default_campaign(tmp_path), [{"first_name": "Avery"}])[0]
    assert not out.ok
    assert out.detail == "uses 1 personal field, needs 2"


def test_default_message_is_lint_clean_with_and_without_skills(tmp_path: Path) -> None:
    from planner.lint import lint_campaign

    plain = _default_campaign(tmp_path)
    skilled = _default_campaign(tmp_path, "audience: {skills: {any: [kafka, flink]}}\n")
    assert lint_campaign(plain) == []
    assert lint_campaign(skilled) == []
    sample = render(skilled, [sample_recipient(skilled)])[0]
    assert "your work with Kafka as Data Engineer" in sample.message


# --------------------------------------------------------------------------- properties

# Each interpolation is wrapped in ⟦ ⟧ so the test can find it in the output.
PROPERTY_BODY = (
    "Hi ⟦{{ first_name }}⟧,\n"
    "⟦{{ current_company }}⟧ ⟦{{ city | default('your city') }}⟧"
    "{% if years_experience %} ⟦{{ years_experience }}⟧{% endif %}"
    "{% if matched_skills %} ⟦{{ matched_skills | human_join }}⟧{% endif %}"
    " ⟦{{ country | default('?') }}⟧ ⟦{{ fit_score | default(0) }}⟧"
)
EMPTY_VALUES: list[object] = [None, "", " ", "\t", math.nan, "nan", "None", "NULL", "n/a", []]
emptyish = st.sampled_from(EMPTY_VALUES)
decorated_name = st.builds(
    lambda name, extra: name + extra,
    st.sampled_from(["Jane", "JANE", "jane", "José", "Zoë", "Anna-Lena", "O'Neil", "J.", "李"]),
    st.sampled_from(["", " 🚀", ", MBA", " (she/her)", " | Hiring", " PhD, PMP", "✔", " ★★★"]),
)
plain_text = st.text(st.characters(exclude_characters="⟦⟧"), max_size=12)
texty = st.one_of(emptyish, plain_text, decorated_name)
numbery = st.one_of(emptyish, st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 60))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.one_of(texty, decorated_name),
    last=texty,
    full=texty,
    company=texty,
    city=texty,
    country=st.one_of(emptyish, st.sampled_from(["DE", "NL", "KR", "zz", "Germany"])),
    years=numbery,
    score=numbery,
    skills=st.one_of(emptyish, st.lists(st.one_of(plain_text, emptyish), max_size=4)),
)
def test_rendering_never_emits_an_empty_field(
    tmp_path: Path,
    first: Any,
    last: Any,
    full: Any,
    company: Any,
    city: Any,
    country: Any,
    years: Any,
    score: Any,
    skills: Any,
) -> None:
    campaign = _property_campaign(tmp_path)
    recipient = {
        "first_name": first,
        "last_name": last,
        "full_name": full,
        "current_company": company,
        "city": city,
        "country": country,
        "years_experience": years,
        "fit_score": score,
        "matched_skills": skills,
    }
    out = render(campaign, [recipient])[0]
    if not out.ok:
        assert out.message == "" and out.subject == ""
        assert out.detail and re.fullmatch(
            r"[a-z_.]+ is empty|uses \d+ personal fields?, needs \d+|a template expression .*",
            out.detail,
        )
        return
    for slot in re.findall(r"⟦([^⟦⟧]*)⟧", out.message):
        assert slot.strip(), out.message  # no empty interpolation
        assert slot.strip().lower() not in {"none", "nan", "null", "n/a", "[]"}
        assert "None" not in slot
    assert out.first_name is not None
    assert f"Hi ⟦{out.first_name}⟧" in out.message
    assert out.personal_fields >= 2  # first_name and current_company are always printed


_CAMPAIGNS: dict[str, Campaign] = {}


def _property_campaign(tmp_path: Path) -> Campaign:
    if "c" not in _CAMPAIGNS:
        _CAMPAIGNS["c"] = campaign_with_body(tmp_path, PROPERTY_BODY)
    return _CAMPAIGNS["c"]


FIELD_TEMPLATES = {
    "first_name": "{{ first_name }}",
    "current_company": "{{ current_company }}",
    "city": "{{ city }}",
    "seniority": "{{ seniority }}",
    "top_skill": "{{ top_skill }}",
    "email": "{{ email }}",
}


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filled=st.dictionaries(st.sampled_from(sorted(FIELD_TEMPLATES)), st.booleans()))
def test_personal_fields_counts_the_filled_fields_used(
    tmp_path: Path, filled: dict[str, bool]
) -> None:
    if "fields" not in _CAMPAIGNS:
        body = " ".join(
            f"{{% if {f} %}}[{t}]{{% endif %}}" for f, t in sorted(FIELD_TEMPLATES.items())
        )
        _CAMPAIGNS["fields"] = campaign_with_body(tmp_path, "Hello " + body, minimum=0)
    campaign = _CAMPAIGNS["fields"]
    values = {"first_name": "Jane", "current_company": "Acme", "city": "Berlin"}
    values |= {"seniority": "senior", "top_skill": "go", "email": "j@x.io"}
    recipient = {f: (values[f] if filled.get(f) else None) for f in FIELD_TEMPLATES}
    out = render(campaign, [recipient])[0]
    assert out.ok
    assert out.personal_fields == sum(filled.values())
    assert out.message.count("[") == sum(filled.values())
