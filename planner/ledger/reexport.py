"""`planner export RUN_ID`: write a past build's send lists again, in any export format (SPEC 8).

A real build keeps its send lists in the ledger (`send_rows`, one JSON object per recipient in
send-list order) together with the validated campaign it ran (`run_campaigns.campaign_json`), so
a run can be loaded into another tool later with byte-identical content: the exporters are the
same code a build uses, fed the same rows.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner.config import Campaign, campaign_from_dict
from planner.errors import ConfigError, LedgerError
from planner.export import export, incomplete_summary
from planner.export.base import SEND_LIST_SCHEMA
from planner.ledger.core import reading
from planner.ledger.schema import COMMITTED
from planner.ledger.store import first_row, translate_errors

PathLike = Path | str | None


def committed_build(
    con: duckdb.DuckDBPyConnection, run_id: str, ledger_name: str, what: str
) -> date:
    """The as-of date of committed build `run_id`; ConfigError when it is no such run (`what`:
    what only committed builds have, for the message)."""
    run = first_row(con, "SELECT kind, status, as_of FROM ledger.runs WHERE run_id = ?", [run_id])
    if run is None:
        raise ConfigError(
            f"run {run_id} is not in the ledger {ledger_name}",
            hint="`planner ledger runs` lists the runs",
        )
    if run[0] != "build" or run[1] != COMMITTED:
        raise ConfigError(
            f"run {run_id} is a {run[1]} {run[0]} run; only committed builds have {what}",
            hint="`planner ledger runs` lists the runs",
        )
    as_of: date = run[2]
    return as_of


def recorded_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[str]]:
    """Campaign id -> the JSON rows of its kept send list, in send-list order."""
    by_campaign: dict[str, list[str]] = {}
    for cid, row in con.execute(
        "SELECT campaign_id, row_json FROM ledger.send_rows WHERE run_id = ?"
        " ORDER BY campaign_id, position",
        [run_id],
    ).fetchall():
        by_campaign.setdefault(str(cid), []).append(str(row))
    return by_campaign


def recorded_manifest(out_dir: str | Path | None) -> dict[str, Any] | None:
    """The manifest.json a build placed in `out_dir`; None when it is gone or unreadable."""
    if not out_dir:
        return None
    try:
        data = json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_campaign(text: str, campaign_id: str) -> Campaign:
    """The campaign a run recorded (`run_campaigns.campaign_json`), validated again."""
    try:
        return campaign_from_dict(json.loads(text), Path(f"<run campaign {campaign_id}>"))
    except (ConfigError, ValueError) as exc:
        raise LedgerError(
            f"campaign {campaign_id}: the campaign recorded with this run cannot be read back",
            hint="the ledger was written by another planner version; use that version",
        ) from exc


def recorded_send_list(rows: list[str]) -> pl.DataFrame:
    """A run's kept send list (`send_rows.row_json`, in order) as the send-list frame."""
    if not rows:
        return pl.DataFrame(schema=SEND_LIST_SCHEMA)
    data = io.BytesIO(("\n".join(rows) + "\n").encode("utf-8"))
    # Runs recorded before follow-ups existed have no `step`: they were all first messages.
    return pl.read_ndjson(data, schema=SEND_LIST_SCHEMA).with_columns(pl.col("step").fill_null(0))


def export_run(
    run_id: str,
    formats: list[str],
    *,
    out: Path | None = None,
    path: PathLike = None,
) -> list[dict[str, Any]]:
    """Export the send lists of a committed build run; returns, per campaign, where each
    format's files went. `out`: a directory (one campaign) or a parent of one directory per
    campaign; default `out/<campaign>/<run_id>`, the build's own default place."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        committed_build(con, run_id, store.name, "send lists")
        campaigns = con.execute(
            "SELECT campaign_id, campaign_json FROM ledger.run_campaigns WHERE run_id = ?"
            " ORDER BY campaign_id",
            [run_id],
        ).fetchall()
        by_campaign = recorded_rows(con, run_id)
    results: list[dict[str, Any]] = []
    single = len(campaigns) == 1
    for cid, text in campaigns:
        if text is None:
            raise LedgerError(
                f"run {run_id}: campaign {cid} was recorded without its campaign",
                hint="runs recorded before send lists were kept cannot be exported",
            )
        campaign = recorded_campaign(str(text), str(cid))
        if out is None:
            target = Path("out") / str(cid) / run_id
        else:
            target = out if single else out / str(cid)
        send_list = recorded_send_list(by_campaign.get(str(cid), []))
        files = {fmt: [str(p) for p in export(send_list, campaign, fmt, target)] for fmt in formats}
        results.append(
            {
                "campaign_id": cid,
                "out_dir": str(target),
                "recipients": send_list.height,
                "files": files,
                "incomplete": incomplete_summary(send_list, campaign, formats),
            }
        )
    return results
