"""best_cue (issue 17): the rarest matched skill (else title word, else headline phrase) of each
recipient among the campaign's recipients; deterministic, in templates and in explain."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import pipeline

# Plans of the candidate files alone: the ledger plays no part here.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

SKILLS = ["python", "sql", "kafka", "flink", "spark"]

CAMPAIGN = """\
version: 1
id: cue-test
role: {{title: Data Engineer, company: Acme Analytics}}
sender: {{id: dana, name: Dana Reyes}}
candidates: {{paths: [people.csv]}}
audience:
  skills: {{any: [{skills}], min_any: 0}}
ranking: {{min_score: 0}}
message:
  subject: "{{{{ role.title }}}} at {{{{ role.company }}}}"
  body: |
    Hi {{{{ first_name }}}}, your {{{{ best_cue | default("data") }}}} work caught my eye.
    Would you be open to a short call next week? - {{{{ sender.name }}}}
  min_personal_fields: 1
"""


def _plan(tmp: Path, people: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, str]]:
    """candidate_id -> (best cue as the message says it, the message's first line)."""
    (tmp / "cue.yaml").write_text(CAMPAIGN.format(skills=", ".join(SKILLS)), encoding="utf-8")
    with (tmp / "people.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["candidate_id", "first_name", "email", "title", "headline", "skills"])
        for cid, title, headline, skills in people:
            w.writerow([cid, cid.title(), f"{cid}@example.com", title, headline, skills])
    plan = pipeline.plan([tmp / "cue.yaml"])
    try:
        out = {}
        for r in plan.campaigns[0].recipients.iter_rows(named=True):
            line = r["message"].splitlines()[0]
            cue = line.split(", your ", 1)[1].removesuffix(" work caught my eye.")
            out[r["candidate_id"]] = (cue, line)
        explained = pipeline.explain(plan, "ann@example.com")
        out["_explain_ann"] = (str(explained[0]["best_cue"]), "")
        return out
    finally:
        plan.close()


def test_rarest_matched_skill_then_title_word_then_headline(tmp_path: Path) -> None:
    got = _plan(
        tmp_path,
        [
            ("ann", "Data Engineer", "", "python; sql; kafka"),  # kafka: 2 people, sql: 3
            ("bob", "Data Engineer", "", "python; sql; kafka; flink"),  # flink: only Bob
            ("cy", "Data Engineer", "", "python; sql"),  # sql (3) beats python (4)
            ("dee", "Data Engineer", "", "python; spark"),  # spark: only Dee
            ("eve", "Senior Platform Engineer II", "", ""),  # no skill: title word "Platform"
            ("fay", "Senior Engineer", "Streaming at scale | ex-Zalando", ""),  # headline phrase
            ("gus", "Engineer", "", ""),  # nothing telling: the fallback of the template
        ],
    )
    assert {k: v[0] for k, v in got.items() if not k.startswith("_")} == {
        "ann": "Kafka",
        "bob": "Flink",
        "cy": "SQL",
        "dee": "Spark",
        "eve": "Platform",
        "fay": "Streaming at scale",
        "gus": "data",
    }
    assert got["bob"][1] == "Hi Bob, your Flink work caught my eye."
    assert got["_explain_ann"][0] == str(
        {"cue": "Kafka", "kind": "matched skill", "shared_by": 2, "recipients": 7}
    )


def test_ties_follow_the_campaign_skill_order(tmp_path: Path) -> None:
    got = _plan(
        tmp_path,
        [
            ("ann", "Engineer", "", "spark; kafka"),  # kafka and spark once each: kafka first
            ("bob", "Engineer", "", "python; sql"),
        ],
    )
    assert (got["ann"][0], got["bob"][0]) == ("Kafka", "Python")


people_strategy = st.lists(
    st.lists(st.sampled_from(SKILLS), min_size=1, max_size=5, unique=True),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people_strategy)
def test_cue_is_a_rarest_matched_skill(tmp_path: Path, skills: list[list[str]]) -> None:
    names = ["ann", "bob", "cyd", "dee", "eve", "fay", "gus", "hal"]
    people = [(names[i], "Engineer", "", "; ".join(s)) for i, s in enumerate(skills)]
    got = _plan(tmp_path, people)
    shared = Counter(s for person in skills for s in set(person))
    for (cid, *_), mine in zip(people, skills, strict=True):
        rarest = min(shared[s] for s in mine)
        want = next(s for s in SKILLS if s in mine and shared[s] == rarest)  # campaign order
        from planner.personalize import display_skill

        assert got[cid][0] == display_skill(want), (cid, mine)
