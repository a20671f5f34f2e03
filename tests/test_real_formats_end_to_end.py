"""Real export shapes built end to end, with invented people.

Part 1: LinkedIn connections (EN and DE, with the `Notes:` preamble), an Apollo export and a
LinkedIn Recruiter export from tests/data/inputs, with a message of the campaign's own, each
through `planner build --dry-run --json` and a real build.

Part 2: the corpus in tests/data/real (its README says where each header set comes from) with a
newcomer's campaign: titles and a company exclude, no skills, NO `message` section, so the default
message has to work on what each export has. LinkedIn connections in EN (with and without the
`Notes:` preamble), DE, FR, ES and PT, a Sales Navigator export, a Recruiter export, an Apollo
export, and Greenhouse / Lever / Talent Hub candidate exports as `suppression.in_ats` lists.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from planner.cli import main

INPUTS = Path(__file__).resolve().parent / "data" / "inputs"
REAL = Path(__file__).resolve().parent / "data" / "real"

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


# --------------------------------------------------------------------------- part 2: the corpus

NEWCOMER = """\
version: 1
id: {cid}
role: {{title: Data Engineer, company: Acme Analytics}}
sender: {{id: dana, name: Dana Reyes}}
candidates: {{paths: [{files}]}}
audience:
  titles:
    include: [data engineer, analytics engineer, dateningenieur, dateningenieurin,
      ingénieure de données, ingénieur de données, ingeniera de datos, ingeniero de datos,
      engenheiro de dados, engenheira de dados]
    exclude: [recruiter, manager]
  companies: {{exclude: [Acme Analytics]}}
{extra}"""

ATS = (
    "suppression: {in_ats: [greenhouse_candidates.csv, lever_candidates.csv,"
    " talent_hub_candidates.csv]}\n"
)

# files -> recipients {first_name: current_company}, excluded {raw full name: reason}
CORPUS: dict[str, dict[str, dict[str, str | None]]] = {
    "linkedin_connections_en.csv": {
        "recipients": {
            "Avery": "Northwind Analytics",
            "Bodhi": "Pemberton, Hale & Co.",  # "Dr. Bodhi" / "Marchetti, PhD"
            "Cass": "Fernwood Labs",  # "Cass 🚀" / "Fernwood (she/her)"
        },
        "excluded": {
            "Dmitri Oakhollow": "company_excluded",  # ACME Analytics GmbH
            "Esme Rowanberry": "title_excluded",
            "Faisal Greywater": "title_mismatch",
        },
    },
    "linkedin_connections_en_no_notes.csv": {
        # Ines: no company. A credential after a comma in the first-name cell ("Hollis, MBA")
        # is dropped: Hollis is greeted as Hollis.
        "recipients": {"Gwen": "Saltmarsh Foods", "Ines": None, "Hollis": "Juniper Freight"},
        "excluded": {},
    },
    "linkedin_connections_de.csv": {
        "recipients": {"Jörg": "Kühne Datenwerk GmbH", "Şule": "Grün, Lorenz & Partner"},
        "excluded": {"Prof. Dr. Käthe Weißenborn": "company_excluded"},  # Acme Analytics AG
    },
    "linkedin_connections_fr.csv": {
        "recipients": {"Élodie": "Société Lumière", "Jean-Baptiste": "Banque Marine SA"},
        "excluded": {"Margaux Fontaine": "title_mismatch"},
    },
    "linkedin_connections_es.csv": {
        "recipients": {"María José": "Datos Ibéricos S.L.", "Íñigo": "Puerto Norte"},
        "excluded": {},
    },
    "linkedin_connections_pt.csv": {
        "recipients": {"João": "Dados Tropicais Ltda", "Thaís": "Banco Serra"},
        "excluded": {},
    },
    "sales_navigator_phantombuster.csv": {
        "recipients": {"Lena": "Harbourline Logistics", "Tomasz": "Wrocław Data Works"},
        "excluded": {"Noor Haddad": "company_excluded", "Priya Raman": "title_mismatch"},
    },
    "linkedin_recruiter_export.csv": {
        "recipients": {"Farah": "Tidewell Energy", "Ruth": "Brightwater Logistics"},
        "excluded": {"Gideon Ashgrove": "title_mismatch", "Hana Brightwater": "not_open"},
    },
    "apollo_people_export.csv": {
        "recipients": {"Dario": "Brightwater Logistics", "Elif": "Corvid Retail"},
        "excluded": {"Marcus Lindqvist": "title_mismatch"},
    },
}


def _newcomer(tmp_path: Path, files: list[str], extra: str = "") -> Path:
    for name in REAL.glob("*.csv"):
        shutil.copy(name, tmp_path / name.name)
    cid = files[0].removesuffix(".csv").replace("_", "-") if len(files) == 1 else "all-exports"
    path = tmp_path / f"{cid}.yaml"
    path.write_text(NEWCOMER.format(cid=cid, files=", ".join(files), extra=extra), "utf-8")
    return path


def _dry_run(capsys: pytest.CaptureFixture[str], campaign: Path, tmp_path: Path) -> Any:
    code, out, err = _run(
        capsys, "build", str(campaign), "--dry-run", "--json", "--as-of", "2026-11-02",
        "--ledger", str(tmp_path / "ledger.duckdb"),
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)


def _check_messages(doc: Any) -> None:
    # The default message has no lint errors and no canned phrase for any campaign here; where
    # the export gives little beyond a name and a title, lint says that little of it is about
    # the person (low-personal-share), which is true: a message of your own does better.
    assert [f for f in doc["lint"] if f["rule"] != "low-personal-share"] == []
    assert all(f["severity"] == "warning" for f in doc["lint"])
    for r in doc["recipients"]:
        message = r["message"]
        assert message.startswith(f"Hi {r['first_name']}, your work"), message
        assert 200 <= len(message) <= 400, message  # the InMail length rule
        assert "None" not in message and "  " not in message and ".." not in message
        if r["current_title"]:
            assert f" as {r['current_title']}" in message
        if r["current_company"]:
            assert f" at {r['current_company']}" in message
        assert r["personal_fields"] >= 2
        assert r["subject"] == "Data Engineer at Acme Analytics"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_newcomer_campaign_over_a_real_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    doc = _dry_run(capsys, _newcomer(tmp_path, [name]), tmp_path)
    expected = CORPUS[name]
    got = {r["first_name"]: r["current_company"] for r in doc["recipients"]}
    assert got == expected["recipients"]
    assert {e["full_name"]: e["reason"] for e in doc["excluded"]} == expected["excluded"]
    _check_messages(doc)


def test_newcomer_campaign_with_ats_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several exports at once, with Greenhouse, Lever and Talent Hub exports as in_ats lists."""
    files = [
        "linkedin_connections_en.csv",
        "linkedin_connections_de.csv",
        "linkedin_connections_pt.csv",
        "sales_navigator_phantombuster.csv",
        "apollo_people_export.csv",
    ]
    campaign = _newcomer(tmp_path, files, ATS)
    doc = _dry_run(capsys, campaign, tmp_path)
    found = {
        e["full_name"]: e["detail"] for e in doc["excluded"] if e["reason"] == "already_in_ats"
    }
    where = "already_in_ats: in ATS export {} line {} ({})"
    assert found == {
        # Greenhouse "Social Media": the URL with a trailing slash.
        "Avery Quillfeather": where.format("greenhouse_candidates.csv", 2, "profile URL"),
        # Greenhouse: the second of two links in one cell.
        "Lena Kowalczyk 🚀": where.format("greenhouse_candidates.csv", 3, "profile URL"),
        # Lever: the second of two emails ("comma, no space"), in capitals.
        "Dr. Bodhi Marchetti, PhD": where.format("lever_candidates.csv", 2, "email"),
        "Dario Velthuis": where.format("lever_candidates.csv", 3, "profile URL"),
        # Talent Hub Candidates.csv: profile_url, and emails separated by ';'.
        "Jörg Müllerbrandt": where.format("talent_hub_candidates.csv", 2, "profile URL"),
        "Thaís Araújo 🇧🇷": where.format("talent_hub_candidates.csv", 3, "email"),
    }
    assert {r["first_name"] for r in doc["recipients"]} == {
        "Cass",
        "Şule",
        "João",
        "Tomasz",
        "Elif",
    }
    assert doc["funnel"][campaign.stem]["already_in_ats"] == 6
    _check_messages(doc)

    # The real build writes the same recipients and counts the reason in the manifest.
    code, _, err = _run(
        capsys, "build", str(campaign), "--out", str(tmp_path / "out"), "--as-of", "2026-11-02",
        "--ledger", str(tmp_path / "ledger.duckdb"),
    )  # fmt: skip
    assert code == 0, err
    with (tmp_path / "out" / "send_list.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["person_key"] for r in rows) == sorted(
        r["person_key"] for r in doc["recipients"]
    )
    with (tmp_path / "out" / "excluded.csv").open(encoding="utf-8", newline="") as fh:
        reasons = [r["reason"] for r in csv.DictReader(fh)]
    assert reasons.count("already_in_ats") == 6


def test_own_template_needing_a_missing_column_is_flagged_before_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user's template that prints {{ top_skill }} over a connections export (no skills
    column): lint warns naming the field and file, and the rows go to manual review."""
    body = (
        "message:\n  body: |\n    Hi {{ first_name }}, your {{ top_skill }} work at"
        " {{ current_company }} caught my eye: {{ role.company }} is hiring a {{ role.title }}."
        " Would you be open to a short call next week to hear more about the team?\n"
    )
    campaign = _newcomer(tmp_path, ["linkedin_connections_de.csv"], body)
    code, out, err = _run(capsys, "lint", str(campaign))
    assert code == 0, err  # a warning, not an error
    assert (
        "warning: missing-column: {{ top_skill }} is printed without a fallback, but no input"
        " file has a skills column (linkedin_connections_de.csv)"
    ) in out
    doc = _dry_run(capsys, campaign, tmp_path)
    assert [f["rule"] for f in doc["lint"]] == ["missing-column"]
    assert doc["recipients"] == []
    assert {e["full_name"]: e["detail"] for e in doc["excluded"]} == {
        "Jörg Müllerbrandt": "insufficient_personalization: top_skill is empty",
        "Şule Yıldırım-Hoffmann": "insufficient_personalization: top_skill is empty",
        "Prof. Dr. Käthe Weißenborn": "company_excluded",
    }
