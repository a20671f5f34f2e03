"""Hostile campaign files and templates for the fuzz suite (issue 18); no tests here.

`python -m tests.hostile [EXAMPLES]` runs the two Hypothesis searches below in this process;
`tests/test_hostile_fuzz.py` starts it under a 1 GiB address-space limit, so a case that
needs more memory fails as MemoryError instead of taking the machine down. Each case has a
10 s deadline. A case passes when the library either accepts the input or raises ConfigError
whose every problem names the file: anything else is what the CLI would print as
"internal error".

Examples the search found are kept as fixtures in tests/data/bad/ (campaign files) and
tests/data/bad/templates/ (templates), run on every test run by tests/test_hostile_*.py.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import lint, personalize
from planner.config import iter_schema_keys, parse_campaign
from planner.errors import ConfigError

FILE = Path("fuzz/campaign.yaml")

BASE: dict[str, Any] = {
    "version": 1,
    "id": "fuzz",
    "role": {"title": "Data Engineer", "company": "Acme"},
    "sender": {"id": "dana", "name": "Dana"},
    "candidates": {"paths": ["people.csv"]},
}
KEYS = sorted(iter_schema_keys())

# --------------------------------------------------------------------------- values

huge_ints = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**40), 10**40),
    st.sampled_from([0, 1, -1, 3650, 3651, 10**8, 2**31, 2**63, 99999999999999999999999]),
)
odd_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, float("nan"), float("inf"), 0.13, 1.0000001]),
)
odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", "{{ first_name }}", "*a", "&a", "<<", "~", "null", "\u202e", "é" * 50]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), huge_ints, odd_floats, odd_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


@st.composite
def campaign_texts(draw: st.DrawFn) -> str:
    """A campaign file: the minimal valid one with random keys set to random values, dumped
    as YAML (shared values become anchors and aliases), then perhaps mangled as text."""
    doc: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=10)))
        _set(doc, key, draw(values))
    if draw(st.booleans()):  # one value used twice: safe_dump writes &id001 / *id001
        shared = draw(st.lists(odd_text, min_size=1, max_size=3))
        _set(doc, "audience.skills.all", shared)
        _set(doc, "audience.skills.nice", shared)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    mangle = draw(st.sampled_from(["none", "none", "none", "insert", "cut", "laughs"]))
    if mangle == "insert":
        at = draw(st.integers(0, len(text)))
        piece = draw(
            st.sampled_from(
                ["&a ", "*a", "<<: *a\n", "[", "{", ": ", "\t", "\x00", "!!python/name:os.system "]
            )
        )
        text = text[:at] + piece + text[at:]
    elif mangle == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mangle == "laughs":
        text += 'x: &a ["lol","lol"]\ny: &b [*a,*a,*a,*a]\nz: [*b,*b,*b,*b]\n'
    return text


def check_campaign_text(text: str) -> str:
    """'ok' or 'refused'; raises AssertionError (or the unexpected exception) otherwise."""
    try:
        campaign = parse_campaign(text, FILE)
        personalize.validate_templates(campaign)
        lint.lint_campaign(campaign)
    except ConfigError as exc:
        _assert_names_the_file(exc)
        return "refused"
    return "ok"


def _assert_names_the_file(exc: ConfigError) -> None:
    assert exc.problems, "a ConfigError without problems"
    for problem in exc.problems:
        assert problem.startswith(str(FILE)), problem
        assert "Traceback" not in problem and "internal error" not in problem, problem


# --------------------------------------------------------------------------- templates

FIELDS = [*personalize.PERSON_FIELDS, "role.title", "role.company", "sender.name", "loop.index"]
names = st.sampled_from([*FIELDS, "v", "x"])
consts = st.one_of(
    huge_ints.map(str),
    st.sampled_from(["0", "-1", "1.5", "true", "[]", "[1, 2]", "'x' * 999", "[1] * 999"]),
    odd_text.map(lambda s: "'" + s.replace("\\", "").replace("'", "") + "'"),
)
_ARG = st.one_of(
    st.integers(-3, 12).map(str),
    huge_ints.map(str),
    st.sampled_from(["'ceil'", "'floor'", "'up'", "''", "'...'", "' '", "true", "false", "0.5"]),
    odd_text.map(lambda s: repr(s.replace("\\", ""))),
    consts,
)
_KEYWORDS = st.sampled_from(["end", "leeway", "count", "base", "attribute", "precision", "method"])
FILTER_ARGS = st.tuples(
    st.lists(_ARG, max_size=3),
    st.lists(st.tuples(_KEYWORDS, _ARG).map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=2),
).map(lambda t: [*t[0], *t[1]])


@st.composite
def _filtered(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    name = draw(st.sampled_from(personalize.FILTERS))
    args = draw(FILTER_ARGS)
    value = draw(inner)
    return f"({value}) | {name}({', '.join(args)})" if args else f"({value}) | {name}"


expressions = st.recursive(
    st.one_of(names, consts),
    lambda inner: st.one_of(
        _filtered(inner),
        st.tuples(
            inner, st.sampled_from(["+", "-", "*", "/", "//", "%", "~", "==", "<", "in"]), inner
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(inner, huge_ints).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    ),
    max_leaves=8,
)
statements = st.recursive(
    st.one_of(
        odd_text.map(lambda s: s.replace("{", "(").replace("}", ")").replace("%", "")),
        expressions.map(lambda e: "{{ " + e + " }}"),
        expressions.map(lambda e: "{% set v = " + e + " %}"),
    ),
    lambda inner: st.one_of(
        st.tuples(expressions, inner).map(lambda t: f"{{% if {t[0]} %}}{t[1]}{{% endif %}}"),
        st.tuples(expressions, inner).map(lambda t: f"{{% for x in {t[0]} %}}{t[1]}{{% endfor %}}"),
        inner.map(lambda b: "{% set v %}" + b + "{% endset %}{{ v }}"),
        st.tuples(st.sampled_from(personalize.FILTERS), inner).map(
            lambda t: f"{{% filter {t[0]} %}}{t[1]}{{% endfilter %}}"
        ),
        st.lists(inner, min_size=2, max_size=3).map("\n".join),
    ),
    max_leaves=10,
)

RECIPIENTS: list[dict[str, Any]] = [
    {},
    {
        "first_name": "Jane",
        "matched_skills": ["python", "sql"],
        "fit_score": 0.91,
        "years_experience": 7,
    },
    {
        "first_name": "名" * 300,
        "current_title": "x" * 9000,
        "matched_skills": ["s"] * 60,
        "years_experience": float("nan"),
        "fit_score": 1e308,
        "city": "\u202eBerlin",
    },
]


def check_template(body: str) -> str:
    """'ok', 'refused' or 'rendered'; raises on anything that would be an internal error."""
    doc = {**BASE, "message": {"body": body, "min_personal_fields": 0}}
    from planner.config import campaign_from_dict

    try:
        campaign = campaign_from_dict(doc, FILE)
        personalize.validate_templates(campaign)
        lint.lint_campaign(campaign)
        for recipient in RECIPIENTS:
            personalize.render(campaign, [{**personalize.sample_recipient(campaign), **recipient}])
            personalize.render(campaign, [recipient])
    except ConfigError as exc:
        _assert_names_the_file(exc)
        return "refused"
    return "rendered"


# --------------------------------------------------------------------------- the searches

FUZZ = settings(
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def search(examples: int) -> None:
    """Run both searches; raises on the first failing case (Hypothesis prints it shrunk)."""

    limits = settings(FUZZ, max_examples=examples)

    @limits
    @given(campaign_texts())
    def campaigns(text: str) -> None:
        check_campaign_text(text)

    @limits
    @given(statements)
    def templates(body: str) -> None:
        check_template(body)

    campaigns()
    templates()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    search(count)
    print(f"fuzz: {count} campaign files and {count} templates, no internal error")
