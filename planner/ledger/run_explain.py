"""`planner explain RUN_ID PERSON`: one person's decision in a past build, from what it kept.

What a committed build keeps, and so what this can show:

- in the ledger: the run (its as-of date), each campaign it ran (`run_campaigns`, the validated
  campaign itself), each recipient's send-list row (`send_rows`: position, step, fit score,
  matched skills, reasons, the values written to the send list) and each recipient's touch
  (`touches`: date, channel, sender, fit score, step, counted or cancelled);
- beside the send list, where the build wrote it (`run_outputs.out_dir`): `excluded.csv`, one
  row per person left out with the reason code, its detail and the date they become eligible
  again, and `manifest.json` (the campaign file's name, the hashes of the outputs).

What no build keeps: the score parts and the per-criterion pass/fail of anyone, and the fit
score of people left out. Those are reported as not kept (`not_kept`), never recomputed from
today's candidate files, which may have changed since: `planner explain CAMPAIGN.yaml PERSON
--as-of DATE` recomputes them from the files as they are now.

PERSON is what `planner explain CAMPAIGN.yaml PERSON` takes: an email, a profile URL, a person
key or a candidate id. Emails and URLs find the person through the ledger's identities (also
when merged with other keys, or forgotten) and through the key a build derives from them; a
candidate id is looked up in the run's own rows.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from planner import duck
from planner.contract import EXCLUDED_COLUMNS
from planner.errors import ConfigError, LedgerError
from planner.files import sha256_file
from planner.ledger import lookup
from planner.ledger.core import reading
from planner.ledger.reexport import committed_build, recorded_campaign, recorded_manifest
from planner.ledger.store import first_row, translate_errors
from planner.normalize.identity import normalize_email, normalize_profile_url
from planner.persons import key_of

PathLike = Path | str | None

#: What no build keeps, for every person.
SCORE_PARTS_NOT_KEPT = (
    "score parts and the pass/fail of each criterion: no build keeps them (the send list keeps"
    " the fit score); `planner explain CAMPAIGN.yaml PERSON --as-of {as_of}` recomputes them"
    " from the candidate files as they are now"
)

#: The person's values as the message used them (send-list columns).
SENT_VALUES = (
    "current_title",
    "current_company",
    "city",
    "country",
    "seniority",
    "years_experience",
)
#: The send-list values shown for a recipient (as the build wrote them).
RECIPIENT_FIELDS = ("fit_score", "matched_skills", "reasons", *SENT_VALUES)


def find_run(run_id: str, path: PathLike = None) -> tuple[bool, str]:
    """Whether the ledger at `path` has a run of that id (of any kind or status), and the
    ledger's name (for a message saying where it looked)."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        found = first_row(con, "SELECT 1 FROM ledger.runs WHERE run_id = ?", [run_id])
    return found is not None, store.name


def explain_run(run_id: str, person: str, path: PathLike = None) -> dict[str, Any]:
    """What build `run_id` recorded about `person`, per campaign of the run (see the module
    docstring). ConfigError when the run is no committed build, or kept nothing about that
    person."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        as_of = committed_build(con, run_id, store.name, "decisions to explain")
        keys, forgotten = _person_keys(con, person)
        candidate_id = person.strip()
        campaigns = con.execute(
            "SELECT c.campaign_id, c.campaign_json, c.recipients, o.out_dir"
            " FROM ledger.run_campaigns c"
            " LEFT JOIN ledger.run_outputs o USING (run_id, campaign_id)"
            " WHERE c.run_id = ? ORDER BY c.campaign_id",
            [run_id],
        ).fetchall()
        sent = con.execute(
            "SELECT campaign_id, position, person_key, row_json FROM ledger.send_rows"
            " WHERE run_id = $run AND (list_contains($keys, person_key)"
            " OR json_extract_string(row_json, '$.candidate_id') = $cid)"
            " ORDER BY campaign_id, position",
            {"run": run_id, "keys": keys, "cid": candidate_id},
        ).fetchall()
        keys = sorted({*keys, *(str(r[2]) for r in sent)})
        touches = con.execute(
            "SELECT campaign_id, person_key, touched_on, channel, sender_id, fit_score,"
            " coalesce(step, 0), status FROM ledger.touches"
            " WHERE run_id = ? AND list_contains(?, person_key) ORDER BY campaign_id, person_key",
            [run_id, keys],
        ).fetchall()
    entries = [
        _campaign_entry(as_of, str(cid), text, int(n), out_dir, sent, touches, keys, candidate_id)
        for cid, text, n, out_dir in campaigns
    ]
    if not any(e["found"] for e in entries) and all(e["complete"] for e in entries):
        raise ConfigError(
            f"run {run_id} kept nothing about that person: not on its send lists, not in its"
            " excluded.csv",
            hint="give an email, profile URL, person key or candidate id as the run's input had"
            " it; a person whose key came from a profile URL is found by that URL, not by email",
        )
    return {
        "run_id": run_id,
        "as_of": as_of.isoformat(),
        "ledger": store.name,
        "forgotten": forgotten,
        "campaigns": [
            {k: v for k, v in e.items() if k not in ("found", "complete")} for e in entries
        ],
    }


def _person_keys(con: duckdb.DuckDBPyConnection, person: str) -> tuple[list[str], bool]:
    """Every key `person` can stand for, and whether the ledger forgot them."""
    text = person.strip()
    email = normalize_email(text)
    url = normalize_profile_url(text) if "/" in text else None
    keys: set[str] = {text}
    canonicals: set[str] = set()
    for kind, value in (("email", email), ("url", url), ("key", text)):
        if value is None:
            continue
        if kind != "key":
            keys.add(key_of(kind, value))
        canonical = lookup.canonical_of(con, kind, value)
        if canonical is not None:
            canonicals.add(canonical)
            keys.update(lookup.keys_of(con, canonical))
    forgotten = bool(
        canonicals
        and first_row(
            con,
            "SELECT 1 FROM ledger.forgotten WHERE list_contains(?, person_key)",
            [sorted(canonicals)],
        )
    )
    return sorted(keys), forgotten


def _campaign_entry(
    as_of: date,
    cid: str,
    text: str | None,
    recipients: int,
    out_dir: str | None,
    sent: list[tuple[Any, ...]],
    touches: list[tuple[Any, ...]],
    keys: list[str],
    candidate_id: str,
) -> dict[str, Any]:
    """One campaign of the run: what it decided about the person, and what it did not keep."""
    role = None
    if text is not None:
        campaign = recorded_campaign(str(text), cid)
        role = f"{campaign.role.title} at {campaign.role.company}"
    manifest = recorded_manifest(out_dir)
    not_kept: list[str] = [SCORE_PARTS_NOT_KEPT.format(as_of=as_of.isoformat())]
    entry: dict[str, Any] = {
        "campaign_id": cid,
        "role": role,
        "campaign_file": manifest.get("campaign_file") if manifest else None,
        "recipients": recipients,
        "decision": None,
        "decided_by": None,
        "person_key": None,
        "detail": None,
        "eligible_again_on": None,
        "position": None,
        "step": None,
        "variant": None,
        "send_list": None,
        "touch": None,
        "not_kept": not_kept,
        "found": False,
        "complete": True,
    }
    if manifest is None:
        not_kept.insert(
            0, "the campaign file's name: the build's manifest.json is gone" + _from(out_dir)
        )
    mine = [r for r in sent if str(r[0]) == cid]
    touch = next((t for t in touches if str(t[0]) == cid), None)
    if touch is not None:
        entry["touch"] = {
            "touched_on": touch[2].isoformat(),
            "channel": touch[3],
            "sender": touch[4],
            "fit_score": touch[5],
            "step": int(touch[6]),
            "status": str(touch[7]),
        }
    if mine:
        _cid, position, key, row_json = mine[0]
        row = json.loads(str(row_json))
        entry.update(
            found=True,
            decision="recipient",
            decided_by="send list (ledger)",
            person_key=str(key),
            position=int(position) + 1,
            step=int(row.get("step") or 0),
            variant=row.get("variant") or None,
            send_list={k: row.get(k) for k in RECIPIENT_FIELDS},
        )
        return entry
    if touch is not None:
        # A forgotten person's send-list row is erased; the touch stays (anonymized).
        entry.update(
            found=True,
            decision="recipient",
            decided_by="touch (ledger)",
            person_key=str(touch[1]),
            step=int(touch[6]),
        )
        not_kept.insert(
            0,
            "the send-list row (position, matched skills, reasons): erased from the ledger,"
            " as `planner ledger forget` does",
        )
        return entry
    excluded, gone, changed = _excluded_row(out_dir, manifest, keys, candidate_id)
    if changed:
        not_kept.insert(
            0,
            f"{changed} changed since the build (its hash is not the one in manifest.json): what"
            " it says may not be what the build decided",
        )
    if excluded is not None:
        entry.update(
            found=True,
            decision=excluded["reason"],
            decided_by=f"excluded.csv in {out_dir} (a build output, not the ledger)",
            person_key=excluded["person_key"],
            detail=excluded["detail"],
            eligible_again_on=(
                excluded["eligible_again_on"].isoformat() if excluded["eligible_again_on"] else None
            ),
        )
        not_kept.insert(
            int(bool(changed)),
            "the fit score and step of people left out: no build keeps them (a detail that"
            " says the score is the one exception)",
        )
    elif gone is not None:
        entry["complete"] = False
        not_kept.insert(
            0,
            "the decision: the person is not on this campaign's send list, and why anyone was"
            f" left out is only in the build's excluded.csv, which {gone}",
        )
    else:
        entry["decision"] = "not in run"
        not_kept.insert(
            int(bool(changed)),
            "the person is neither on the send list nor in excluded.csv: no row of the run's"
            " candidate files was this person under these keys (their row may have been"
            " rejected: see rejects.csv; a key made from a profile URL is found by that URL)",
        )
    return entry


def _from(out_dir: str | None) -> str:
    return f" from {out_dir}" if out_dir else " (the run recorded no output directory)"


def _excluded_row(
    out_dir: str | None,
    manifest: dict[str, Any] | None,
    keys: list[str],
    candidate_id: str,
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """The person's row of the build's excluded.csv (None: not in it, or no file); why there
    is no file to read ("is gone from DIR"); and the file, when it changed since the build."""
    if out_dir is None:
        return None, "the run did not record where it wrote", None
    path = Path(out_dir) / "excluded.csv"
    if not path.is_file():
        return None, f"is gone from {out_dir}", None
    expected = (manifest or {}).get("outputs", {}).get("excluded.csv")
    changed = str(path) if expected is not None and sha256_file(path) != expected else None
    con = duck.connect()
    try:
        rows = con.execute(
            "SELECT person_key, reason, detail, eligible_again_on"
            " FROM read_csv($path, header = true, columns = $columns, quote = '\"',"
            " escape = '\"') WHERE list_contains($keys, person_key) OR candidate_id = $cid"
            " LIMIT 1",
            {
                "path": str(path),
                "columns": {
                    c: "DATE" if c == "eligible_again_on" else "VARCHAR" for c in EXCLUDED_COLUMNS
                },
                "keys": keys,
                "cid": candidate_id,
            },
        ).fetchall()
    except duckdb.Error:
        raise LedgerError(
            f"{path}: cannot be read as the build's excluded.csv",
            hint="the build's output files were changed; the ledger's send lists are intact",
        ) from None
    finally:
        con.close()
    if not rows:
        return None, None, changed
    key, reason, detail, again = rows[0]
    row = {"person_key": key, "reason": reason, "detail": detail, "eligible_again_on": again}
    return row, None, changed
