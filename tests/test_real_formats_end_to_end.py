"""Real export shapes built end to end: LinkedIn connections (EN and DE, with the `Notes:`
preamble), an Apollo export and a LinkedIn Recruiter export, each through `planner build
--dry-run --json` and a real build, with invented people."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from planner.cli import main

INPUTS = Path(__file__).resolve().parent / "data" / "inputs"

CAMPAIGN = """\
version: 1
id: {cid}
role: {{title: Data Engineer, company: Acme Analytics}}
sender: {{id: dana, name: Dana Reyes}}
candidates: {{paths: [{file}]}}
audience:
  titles: {{include: [data engineer, analytics engineer, dateningenieur]}}
message:
  subject: "{{{{ role.title }}}} at {{{{ role.company }}}}"
  body: |
    Hi {{{{ first_name }}}}, your work as {{{{ current_title }}}}
    at {{{{ current_company }}}} caught my eye. {{{{ role.company }}}} is hiring
    a {{{{ role.title }}}}; would you be open to a call?
  min_personal_fields: 2
"""

# file -> (recipients' (first_name, current_company) in send-list order, excluded ids by reason)
EXPECTED = {
    "linkedin_connections_en.csv": {
        "recipients": {
            ("Avery", "Northwind Analytics"),
            ("Bodhi", "Pemberton, Hale & Co."),
            ("Cass", "Fernwood Labs"),
        },
        "excluded": {},
    },
    "linkedin_connections_de.csv": {
        "recipients": {("Jörg", "Kühne Datenwerk GmbH"), ("Şule", "Grün, Lorenz & Partner")},
        "excluded": {},
    },
    "apollo_export.csv": {
        "recipients": {("Dario", "Brightwater Logistics"), ("Elif", "Corvid Retail")},
        "excluded": {},
    },
    "recruiter_export.csv": {
        "recipients": {("Farah", "Tidewell Energy")},
        "excluded": {"Gideon": "title_mismatch", "Hana": "title_mismatch"},
    },
}


def _campaign(tmp_path: Path, name: str) -> Path:
    shutil.copy(INPUTS / name, tmp_path / name)
    cid = name.removesuffix(".csv").replace("_", "-")
    path = tmp_path / f"{cid}.yaml"
    path.write_text(CAMPAIGN.format(cid=cid, file=name), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out, captured.err


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_shape_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    campaign = _campaign(tmp_path, name)
    ledger = str(tmp_path / "ledger.duckdb")
    code, out, err = _run(
        capsys, "build", str(campaign), "--dry-run", "--json", "--as-of", "2026-11-02",
        "--ledger", ledger,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    expected = EXPECTED[name]
    got = {(r["first_name"], r["current_company"]) for r in doc["recipients"]}
    assert got == expected["recipients"]
    names = {r["person_key"]: r["full_name"] for r in doc["excluded"]}
    excluded = {names[e["person_key"]].split()[0]: e["reason"] for e in doc["excluded"]}
    assert excluded == expected["excluded"]
    assert all(r["message"].startswith(f"Hi {r['first_name']},") for r in doc["recipients"])

    code, _, err = _run(
        capsys, "build", str(campaign), "--out", str(tmp_path / "out"), "--as-of", "2026-11-02",
        "--ledger", ledger,
    )  # fmt: skip
    assert code == 0, err
    with (tmp_path / "out" / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["first_name"], r["current_company"]) for r in rows} == expected["recipients"]
    planned = sorted(r["person_key"] for r in doc["recipients"])
    assert sorted(r["person_key"] for r in rows) == planned
