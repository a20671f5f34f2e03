"""The report of a past build (`planner report RUN_ID`), from what the ledger kept.

The ledger keeps each run's campaigns (`run_campaigns.campaign_json`) and send lists
(`send_rows`), so the recipients' charts, tables and sample messages are exactly the build's.
The counts per reason and the guardrail state come from the run's `manifest.json`, and the caps'
dates from its `excluded.csv`, where the build wrote them (`run_outputs.out_dir`); when those
files are gone the report says so instead of guessing. The scores of excluded rows are kept
nowhere, so a past run's score chart shows its recipients only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from planner import duck, lint
from planner.errors import LedgerError
from planner.ledger.core import reading
from planner.ledger.reexport import (
    committed_build,
    recorded_campaign,
    recorded_manifest,
    recorded_rows,
    recorded_send_list,
)
from planner.ledger.store import translate_errors
from planner.report.data import CampaignInfo, ReportData, gather, samples_of

#: `report_rows` of a past run: its recipients, and the rows of its excluded.csv files.
_PAST_ROWS = """
CREATE OR REPLACE TEMP VIEW report_rows AS
SELECT cidx, person_key, NULL::VARCHAR AS reason, fit_score, NULL::DATE AS eligible_again_on,
       country, city
FROM _report_recipients
UNION ALL
SELECT cidx, person_key, reason, NULL::DOUBLE, eligible_again_on, NULL, NULL
FROM _report_excluded
"""

_EXCLUDED_COLUMNS = {
    "campaign_id": "VARCHAR",
    "person_key": "VARCHAR",
    "candidate_id": "VARCHAR",
    "full_name": "VARCHAR",
    "reason": "VARCHAR",
    "detail": "VARCHAR",
    "eligible_again_on": "DATE",
}


def from_run(run_id: str, path: Path | str | None = None) -> ReportData:
    """The ReportData of committed build `run_id` in the ledger at `path`."""
    store = reading(path)
    with store.session(write=False) as con, translate_errors(store.name):
        as_of = committed_build(con, run_id, store.name, "a report")
        campaigns = con.execute(
            "SELECT c.campaign_id, c.campaign_json, o.out_dir FROM ledger.run_campaigns c"
            " LEFT JOIN ledger.run_outputs o USING (run_id, campaign_id)"
            " WHERE c.run_id = ? ORDER BY c.campaign_id",
            [run_id],
        ).fetchall()
        by_campaign = recorded_rows(con, run_id)

    infos: list[CampaignInfo] = []
    frames: dict[int, pl.DataFrame] = {}
    excluded_files: list[tuple[int, Path]] = []
    notes: list[str] = []
    samples = []
    for index, (cid, text, out_dir) in enumerate(campaigns):
        if text is None:
            raise LedgerError(
                f"run {run_id}: campaign {cid} was recorded without its campaign",
                hint="runs recorded before send lists were kept have no report",
            )
        campaign = recorded_campaign(str(text), str(cid))
        frame = recorded_send_list(by_campaign.get(str(cid), []))
        frames[index] = frame
        manifest = recorded_manifest(out_dir)
        if manifest is None:
            notes.append(
                f"{cid}: the build's manifest.json was not found"
                + (f" in {out_dir}" if out_dir else "")
                + "; the funnel and the guardrail state are left out."
            )
        else:
            excluded = Path(str(out_dir)) / "excluded.csv"
            if excluded.is_file():
                excluded_files.append((index, excluded))
        infos.append(
            CampaignInfo(
                index=index,
                id=str(cid),
                title=campaign.role.title,
                company=campaign.role.company,
                sender=campaign.sender.id,
                recipients=frame.height,
                funnel=_counts(manifest),
                lint=[f.as_dict() for f in lint.lint_campaign(campaign)],
                guardrail=manifest.get("guardrail") if manifest else None,
            )
        )
        samples.extend(samples_of(campaign, str(cid), frame))

    con = duck.connect()
    try:
        recipients = pl.concat(
            [
                f.select(
                    pl.lit(i, pl.Int32).alias("cidx"),
                    "person_key",
                    "fit_score",
                    "country",
                    "city",
                )
                for i, f in frames.items()
            ]
            or [pl.DataFrame(schema={"cidx": pl.Int32, "person_key": pl.Utf8})]
        )
        con.register("_recipients_frame", recipients.to_arrow())
        con.execute("CREATE TEMP TABLE _report_recipients AS SELECT * FROM _recipients_frame")
        con.execute(
            "CREATE TEMP TABLE _report_excluded (cidx INTEGER, person_key VARCHAR,"
            " reason VARCHAR, eligible_again_on DATE)"
        )
        for index, excluded in excluded_files:
            con.execute(
                "INSERT INTO _report_excluded SELECT ?, person_key, reason, eligible_again_on"
                " FROM read_csv(?, header = true, columns = ?, quote = '\"', escape = '\"')",
                [index, str(excluded), _EXCLUDED_COLUMNS],
            )
        con.execute(_PAST_ROWS)
        return gather(
            con,
            infos,
            frames,
            kind="past run",
            as_of=as_of,
            run_id=run_id,
            samples=samples,
            notes=notes,
            excluded_scores=False,
        )
    except duckdb.Error as exc:
        raise LedgerError(
            f"run {run_id}: cannot read the run's excluded.csv ({type(exc).__name__})",
            hint="the build's output files were changed; the ledger's send lists are intact",
        ) from None
    finally:
        con.close()


def _counts(manifest: dict[str, Any] | None) -> dict[str, int] | None:
    if manifest is None or not isinstance(manifest.get("counts"), dict):
        return None
    return {str(k): int(v) for k, v in manifest["counts"].items()}
