"""Person identifiers: normalized email and profile URL (planner.normalize.identity, SPEC 6.1)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.normalize import identity
from planner.normalize._text import compile_re, lower
from tests.test_normalize_text import maybe, mixed, sql_values, text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("jane@example.com", "jane@example.com"),
        ("\tJANE@EXAMPLE.COM\n", "jane@example.com"),
        ("mailto:Jane@Example.com", "jane@example.com"),
        ("n/a", None),
        ("-", None),
        ("@example.com", None),
        ("jane@", None),
        ("a@b@c", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_email(raw: str | None, expected: str | None) -> None:
    assert identity.normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://de.linkedin.com/in/Jane-Doe/?trk=x", "linkedin.com/in/jane-doe"),
        ("https://www.linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe"),
        ("http://linkedin.com/in/jane-doe/", "linkedin.com/in/jane-doe"),
        ("linkedin.com/in/jane-doe", "linkedin.com/in/jane-doe"),
        ("www.linkedin.com/in/jane-doe#about", "linkedin.com/in/jane-doe"),
        ("https://m.linkedin.com/in/jane-doe?originalSubdomain=de", "linkedin.com/in/jane-doe"),
        ("https://www.linkedin.com/in/jane-doe/en", "linkedin.com/in/jane-doe"),
        ("https://www.linkedin.com/in/jane-doe/details/experience/", "linkedin.com/in/jane-doe"),
        ("  HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE/  ", "linkedin.com/in/jane-doe"),
        ("https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller", "linkedin.com/in/jürgen-müller"),
        ("https://www.linkedin.com/in/J%C3%9CRGEN", "linkedin.com/in/jürgen"),
        ("https://www.linkedin.com/in/bad%C3", None),  # not valid UTF-8 once decoded
        ("https://www.linkedin.com/in/50%25-off", "linkedin.com/in/50%-off"),
        ("https://www.linkedin.com/pub/jane-doe/1/2/3", "linkedin.com/pub/jane-doe/1/2/3"),
        ("https://www.linkedin.com/talent/profile/AEMAAB", "linkedin.com/talent/profile/aemaab"),
        ("https://www.linkedin.com/company/acme/", None),
        ("https://www.linkedin.com/in/", None),
        ("https://www.linkedin.com/", None),
        ("https://www.github.com/JaneDoe/", "github.com/janedoe"),
        ("https://xing.com/profile/Jane_Doe?sc=1", "xing.com/profile/jane_doe"),
        ("n/a", None),
        ("none", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_profile_url(raw: str | None, expected: str | None) -> None:
    assert identity.normalize_profile_url(raw) == expected


def test_same_person_whatever_the_url_variant() -> None:
    urls = [
        "https://de.linkedin.com/in/Jane-Doe/?trk=x",
        "https://www.linkedin.com/in/jane-doe",
        "linkedin.com/in/JANE-DOE/",
        "http://uk.linkedin.com/in/jane-doe#x",
    ]
    assert {identity.normalize_profile_url(u) for u in urls} == {"linkedin.com/in/jane-doe"}


URL_PARTS = [
    "https://", "http://", "HTTPS://", "//", "www.", "de.", "m.", "linkedin.com", "LinkedIn.com",
    "/in/", "/pub/", "/company/", "jane-doe", "J%C3%BCrgen", "%zz", "%C3", "%2F", "/", "//", "?",
    "?trk=1", "#", "#x", "en", "github.com", ":443", " ", "\t", "mailto:", "@", "x@y.com",
]  # fmt: skip
url_like = st.one_of(text, mixed(URL_PARTS, max_parts=8).map(lambda s: s.replace(" ", "")))
url_like = st.one_of(url_like, mixed(URL_PARTS, max_parts=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(maybe(url_like), min_size=1, max_size=30))
def test_url_sql_equals_python(values: list[str | None]) -> None:
    assert sql_values(identity.url_sql, values) == [
        identity.normalize_profile_url(v) for v in values
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(maybe(url_like), min_size=1, max_size=30))
def test_email_sql_equals_python(values: list[str | None]) -> None:
    assert sql_values(identity.email_sql, values) == [identity.normalize_email(v) for v in values]


slugs = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "https://", "http://", "HTTPS://"]),
    st.sampled_from(["", "www.", "de.", "uk.", "WWW."]),
    slugs,
    st.sampled_from(["", "/"]),
    st.sampled_from(["", "?trk=a/b", "#frag", "?x=1#y"]),
)
def test_fast_path_agrees_with_the_full_chain(
    scheme: str, sub: str, slug: str, slash: str, tail: str
) -> None:
    low = lower(scheme + sub + "linkedin.com/in/" + slug + slash + tail)
    assume(compile_re(identity._URL_FAST).search(low))
    assert identity._url_fast(low) == identity._url_slow(low)


@settings(max_examples=300, deadline=None)
@given(slugs, slugs)
def test_email_fast_path_agrees_with_the_full_chain(local: str, domain: str) -> None:
    # `mailto:` forms never take the fast path (as in normalize_email; table tests cover them).
    low = lower(local + "@" + domain)
    assume(not low.startswith("mailto:") and compile_re(identity._EMAIL_FAST).search(low))
    assert identity._email_slow(low) == low
