"""The ledger as a build sees it: identities, caps, and recording a run (SPEC 6).

A real build goes through it like this (the pipeline and `write_plan` make the calls):

    ledger = open_for_build(path, dry_run=False)   # writer lock; create/migrate; recover
    ledger.resolve_identities(con)                  # after planner.persons: recorded keys
    ledger.apply(con, plans, as_of)                 # suppressed / cooldown / contacted / caps
    ledger.guardrail_counts(con, windows, as_of)    # each sender's touches and responses
    ledger.begin_run(run_id, as_of, outputs)        # 'pending' + staging dirs (before any file)
    ... write every file into the staging dirs ...
    ledger.record_run(run_id, plans, as_of, recipients, con)   # ONE transaction: 'committed'
    ... rename staging dirs into place ...
    ledger.finish_run(run_id)                       # outputs placed
    ledger.close()                                  # releases the writer lock

Crash safety: before `record_run` commits, the run is `pending` and its files exist only under
staging names; the next writer (any real build, `cancel`, `import-touches`) removes them and
marks the run `aborted`. After the commit the run counts; if the process died before the
renames, the next writer finishes them. So no crash point leaves a send list the ledger does not
know, nor half a run: touches, persons and identities of a run are written in one transaction.

A dry run takes no writer lock, reads the same rows through the same code, and never writes
(with no ledger file, it reads an empty ledger in memory).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import polars as pl

from planner import __version__
from planner.duck import registered, transaction
from planner.errors import LedgerError
from planner.ledger import _hooks, caps, identity, responses
from planner.ledger.hashing import hash_sql
from planner.ledger.lock import Notify, stderr_notify
from planner.ledger.schema import ABORTED, COMMITTED, PENDING
from planner.ledger.store import (
    Focus,
    MemoryStore,
    Reach,
    Store,
    default_path,
    first_row,
    open_store,
    translate_errors,
)

if TYPE_CHECKING:
    from planner.config import Campaign


class PlanLike(Protocol):
    """What the ledger reads of a pipeline CampaignPlan."""

    @property
    def index(self) -> int: ...

    @property
    def campaign(self) -> Campaign: ...


#: (campaign_id, staging_dir, out_dir) of one campaign's outputs.
Output = tuple[str, Path, Path]


def now() -> datetime:
    """Wall-clock UTC (naive, as DuckDB TIMESTAMP); only for created_at-style columns."""
    return datetime.now(UTC).replace(tzinfo=None)


def campaign_caps(plans: Sequence[PlanLike]) -> list[caps.CampaignCaps]:
    """The cap settings of each campaign of a build."""
    return [
        caps.CampaignCaps(
            cidx=p.index,
            campaign_id=p.campaign.id,
            window_days=p.campaign.caps.window_days,
            max_touches=p.campaign.caps.max_touches,
            exempt_min_score=p.campaign.caps.exempt_min_score,
            disinterest_days=p.campaign.suppression.disinterest_days,
            channel=p.campaign.message.channel,
            followups=tuple(f.after_days for f in p.campaign.message.followups),
            followups_count=p.campaign.caps.followups_count,
        )
        for p in plans
    ]


def _generation(con: duckdb.DuckDBPyConnection) -> int:
    row = first_row(con, "SELECT value FROM ledger.meta WHERE key = 'generation'")
    return int(row[0]) if row else 0


def _has_temp_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = first_row(
        con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [name]
    )
    return bool(row and row[0])


# --------------------------------------------------------------------------- writing a run

TOUCH_SCHEMA: dict[str, Any] = {
    "person_key": pl.Utf8,
    "campaign_id": pl.Utf8,
    "touched_on": pl.Date,
    "channel": pl.Utf8,
    "sender_id": pl.Utf8,
    "fit_score": pl.Float64,
}
#: Columns a build's touches add to TOUCH_SCHEMA (an import's touches are step 0, counted, of
#: no variant).
TOUCH_STEP_SCHEMA: dict[str, Any] = {
    "step": pl.Int32,
    "counts_in_caps": pl.Boolean,
    "variant": pl.Utf8,
}
IDENTITY_SCHEMA: dict[str, Any] = {"kind": pl.Utf8, "value": pl.Utf8, "person_key": pl.Utf8}
MERGE_SCHEMA: dict[str, Any] = {"from_key": pl.Utf8, "to_key": pl.Utf8}
RUN_CAMPAIGN_SCHEMA: dict[str, Any] = {
    "campaign_id": pl.Utf8,
    "campaign_sha256": pl.Utf8,
    "sender_id": pl.Utf8,
    "channel": pl.Utf8,
    "window_days": pl.Int32,
    "max_touches": pl.Int32,
    "exempt_min_score": pl.Float64,
    "recipients": pl.Int64,
    "campaign_json": pl.Utf8,
}
OUTCOME_SCHEMA: dict[str, Any] = {
    "person_key": pl.Utf8,
    "campaign_id": pl.Utf8,
    "outcome": pl.Utf8,
    "outcome_on": pl.Date,
    "email": pl.Utf8,  # normalized address of a `bounced` outcome (stored hashed), else null
    "until_on": pl.Date,  # `not_now`: the first day the person may be contacted again
}
SEND_ROW_SCHEMA: dict[str, Any] = {
    "campaign_id": pl.Utf8,
    "position": pl.Int64,
    "person_key": pl.Utf8,
    "row_json": pl.Utf8,
}


def next_seq(con: duckdb.DuckDBPyConnection) -> int:
    row = first_row(con, "SELECT coalesce(max(seq), 0) + 1 FROM ledger.runs")
    return int(row[0]) if row else 1


def bump_generation(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "UPDATE ledger.meta SET value = (value::BIGINT + 1)::VARCHAR WHERE key = 'generation'"
    )


def write_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    kind: str,
    as_of: date,
    touches: pl.DataFrame,
    identities: pl.DataFrame,
    merges: pl.DataFrame,
    campaigns: pl.DataFrame | None = None,
    send_rows: pl.DataFrame | None = None,
    outcomes: pl.DataFrame | None = None,
    outputs: Sequence[Output] = (),
    source: str | None = None,
    source_sha256: str | None = None,
    expect_generation: int | None = None,
) -> int:
    """Record one run (build or import) in ONE transaction; returns its touch count.

    `con` is a write session. A `pending` row of the same run (from `begin_run`) becomes
    `committed`; a run that is already committed, cancelled or aborted is refused. `outcomes`
    (OUTCOME_SCHEMA) are stored with the salted hash of their `email`, never the address.
    """
    if "step" not in touches.columns:
        touches = touches.with_columns(
            pl.lit(None, pl.Int32).alias("step"), pl.lit(True).alias("counts_in_caps")
        )
    if "variant" not in touches.columns:
        touches = touches.with_columns(pl.lit(None, pl.Utf8).alias("variant"))
    frames = {
        "_r_touches": touches,
        "_r_identities": identities,
        "_r_merges": merges,
        "_r_campaigns": campaigns if campaigns is not None else _empty(RUN_CAMPAIGN_SCHEMA),
        "_r_send": send_rows if send_rows is not None else _empty(SEND_ROW_SCHEMA),
        "_r_outcomes": outcomes if outcomes is not None else _empty(OUTCOME_SCHEMA),
    }
    with registered(con, frames), transaction(con):
        if expect_generation is not None and _generation(con) != expect_generation:
            raise LedgerError(
                f"run {run_id}: the ledger changed between reading and recording this build",
                hint="rebuild; two writers must never share a ledger without its lock",
            )
        existing = first_row(con, "SELECT status, seq FROM ledger.runs WHERE run_id = ?", [run_id])
        if existing is not None and existing[0] != PENDING:
            raise LedgerError(
                f"run {run_id} is already recorded ({existing[0]})",
                hint="every build records a new run id",
            )
        n = touches.height
        if existing is None:
            seq = next_seq(con)
            con.execute(
                """
                INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at,
                    committed_at, outputs_placed, touches, tool_version, source, source_sha256)
                VALUES ($run_id, $seq, $kind, $status, $as_of, $now, $now, $placed, $n,
                    $version, $source, $sha)
                """,
                {
                    "run_id": run_id,
                    "seq": seq,
                    "kind": kind,
                    "status": COMMITTED,
                    "as_of": as_of,
                    "now": now(),
                    "n": n,
                    "placed": not outputs,
                    "version": __version__,
                    "source": source,
                    "sha": source_sha256,
                },
            )
        else:
            seq = int(existing[1])
            con.execute(
                "UPDATE ledger.runs SET status = ?, committed_at = ?, touches = ? WHERE run_id = ?",
                [COMMITTED, now(), n, run_id],
            )
        if outputs:
            con.execute("DELETE FROM ledger.run_outputs WHERE run_id = ?", [run_id])
            con.executemany(
                "INSERT INTO ledger.run_outputs VALUES (?, ?, ?, ?)",
                [(run_id, cid, str(staging), str(final)) for cid, staging, final in outputs],
            )
        con.execute("INSERT INTO ledger.run_campaigns SELECT ?, * FROM _r_campaigns", [run_id])
        con.execute(
            "INSERT INTO ledger.send_rows SELECT ?, campaign_id, position, person_key, row_json"
            " FROM _r_send",
            [run_id],
        )
        con.execute(
            """
            INSERT INTO ledger.persons
            SELECT k.person_key, k.person_key, $seq, $as_of FROM (
                SELECT person_key FROM _r_touches UNION SELECT person_key FROM _r_identities
                UNION SELECT person_key FROM _r_outcomes
            ) k
            WHERE k.person_key NOT IN (SELECT person_key FROM ledger.persons)
            """,
            {"seq": seq, "as_of": as_of},
        )
        # Merges: every key whose canonical is a merged-away key now points at the survivor.
        con.execute(
            """
            UPDATE ledger.persons SET canonical_key = m.to_key
            FROM (SELECT from_key, min(to_key) AS to_key FROM _r_merges
                  WHERE from_key <> to_key GROUP BY from_key) m
            WHERE persons.canonical_key = m.from_key
            """
        )
        con.execute(
            """
            INSERT INTO ledger.identities
            SELECT i.kind, i.value, arg_min(i.person_key, i.person_key), $seq
            FROM _r_identities i
            WHERE i.value IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM ledger.identities l WHERE l.kind = i.kind AND l.value = i.value)
            GROUP BY i.kind, i.value
            """,
            {"seq": seq},
        )
        con.execute(
            """
            INSERT INTO ledger.touches (run_id, person_key, campaign_id, touched_on, channel,
                sender_id, fit_score, status, step, counts_in_caps, variant)
            SELECT $run_id, person_key, campaign_id, touched_on, channel, sender_id, fit_score,
                   'counted', step, counts_in_caps, variant
            FROM _r_touches
            """,
            {"run_id": run_id},
        )
        con.execute(
            """
            INSERT INTO ledger.outcomes (run_id, person_key, campaign_id, outcome, outcome_on,
                email_hash, recorded_at, until_on)
            SELECT $run_id, person_key, campaign_id, outcome, outcome_on,
                   CASE WHEN email IS NOT NULL THEN {email_hash} END, $now, until_on
            FROM _r_outcomes
            """.replace("{email_hash}", hash_sql("'email'", "email")),
            {"run_id": run_id, "now": now()},
        )
        bump_generation(con)
        _hooks.checkpoint("before_ledger_commit")
    return n


def _empty(schema: Mapping[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


# --------------------------------------------------------------------------- recovery


def _remove_staging(path: Path) -> bool:
    """Remove a staging directory we recorded; True when something was removed."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
        return True
    return False


def _place(staging: Path, final: Path) -> str:
    if staging.is_dir():
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            return f"kept {staging}: {final} exists; move the files by hand"
        if final.is_dir():
            final.rmdir()
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
        return f"moved its outputs into {final}"
    if final.exists():
        return f"outputs in {final}"
    return f"outputs missing: neither {staging} nor {final} exists"


def recover(con: duckdb.DuckDBPyConnection, notify: Notify | None = None) -> list[str]:
    """Finish what a crashed build left (write session, writer lock held).

    - `pending` runs (died before committing): their staging directories are removed and the
      run becomes `aborted`; nothing of them ever counted.
    - committed runs whose outputs are not placed (died between commit and rename): the staged
      directories are renamed into place.
    """
    say = notify or stderr_notify
    messages: list[str] = []
    pending = con.execute(
        "SELECT r.run_id, o.staging_dir, o.out_dir FROM ledger.runs r"
        " LEFT JOIN ledger.run_outputs o USING (run_id) WHERE r.status = ? ORDER BY r.seq",
        [PENDING],
    ).fetchall()
    for run_id in dict.fromkeys(r[0] for r in pending):
        removed = [
            staging
            for rid, staging, _ in pending
            if rid == run_id and staging is not None and _remove_staging(Path(staging))
        ]
        con.execute("UPDATE ledger.runs SET status = ? WHERE run_id = ?", [ABORTED, run_id])
        messages.append(
            f"run {run_id} never completed: marked aborted"
            + (f", removed {len(removed)} staged output dir(s)" if removed else "")
        )
    unplaced = con.execute(
        "SELECT r.run_id, o.staging_dir, o.out_dir FROM ledger.runs r"
        " LEFT JOIN ledger.run_outputs o USING (run_id)"
        " WHERE r.status NOT IN (?, ?) AND r.kind = 'build' AND NOT r.outputs_placed"
        " ORDER BY r.seq",
        # A run just aborted above has nothing to place: saying it was "interrupted after
        # recording" too contradicted its own "never completed".
        [PENDING, ABORTED],
    ).fetchall()
    for run_id in dict.fromkeys(r[0] for r in unplaced):
        notes = [
            _place(Path(staging), Path(final))
            for rid, staging, final in unplaced
            if rid == run_id and staging is not None
        ]
        con.execute("UPDATE ledger.runs SET outputs_placed = TRUE WHERE run_id = ?", [run_id])
        if notes:
            messages.append(f"run {run_id} was interrupted after recording: " + "; ".join(notes))
    for m in messages:
        say(f"ledger recovery: {m}")
    return messages


# --------------------------------------------------------------------------- the build API


def days_before(day: date, days: int) -> date:
    """`day` minus `days`, or the first day of the calendar when that would be before it (a
    window reaching before year 1 counts from there, as the SQL does)."""
    return day - timedelta(days=days) if day.toordinal() > days else date.min


class Ledger:
    """The ledger step of one build (SPEC 6): see the module docstring for the call order."""

    def __init__(
        self,
        store: Store,
        *,
        dry_run: bool,
        lock: ExitStack | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.store = store
        self.dry_run = dry_run
        self._lock = lock
        self._notify = notify
        self._generation: int | None = None
        self._begun: dict[str, list[Output]] = {}

    @property
    def name(self) -> str:
        return self.store.name

    # -- reading

    def resolve_identities(self, con: duckdb.DuckDBPyConnection) -> None:
        """Give rows of recorded persons their recorded key; merge components that share one.

        Call right after `planner.persons.assign_person_keys` (tables `people`, `persons`).
        """
        with self.store.attached(con, reach=Reach(touches=False)), translate_errors(self.name):
            identity.resolve(con)
            self._seen(_generation(con))

    def apply(self, con: duckdb.DuckDBPyConnection, plans: Sequence[PlanLike], as_of: date) -> None:
        """Set reasons 3, 15, 16, 17 on `dec` rows from outcomes, past touches and caps
        (3: opted out, or for `email` campaigns an address that bounced)."""
        caps.load_campaigns(con, campaign_caps(plans))
        with self.store.attached(con, reach=Reach()), translate_errors(self.name):
            if not _has_temp_table(con, "_led_keymap"):
                # resolve_identities was not called: map recorded persons onto the build's
                # keys without touching `persons` (caps still see every known touch).
                identity.resolve(con, rewrite=False)
            caps.fetch(con, as_of)
            self._seen(_generation(con))
        with translate_errors(self.name):
            caps.apply(con, as_of)

    def guardrail_counts(
        self,
        con: duckdb.DuckDBPyConnection,
        windows: Sequence[tuple[str, int]],
        as_of: date,
    ) -> dict[tuple[str, int], tuple[int, int]]:
        """(sender id, window days) -> (touches, responses) before this build (SPEC 6.4);
        see `planner.ledger.responses` for what counts."""
        reach = Reach(
            touches=False,
            since=days_before(as_of, max((w for _, w in windows), default=1)),
            senders=tuple(sorted({s for s, _ in windows})),
        )
        with self.store.attached(con, reach=reach), translate_errors(self.name):
            counts = responses.guardrail_counts(con, windows, as_of)
            self._seen(_generation(con))
        return counts

    def _seen(self, generation: int) -> None:
        if self._generation is not None and self._generation != generation and not self.dry_run:
            raise LedgerError(
                f"{self.name}: the ledger changed while this build was reading it",
                hint="another process wrote it without the lock; rebuild",
            )
        self._generation = generation

    # -- writing

    def _require_writer(self, what: str) -> None:
        if self.dry_run:
            raise LedgerError(
                f"{what}: a dry run never writes the ledger",
                hint="open the ledger with dry_run=False for a real build",
            )
        if self._lock is None:
            raise LedgerError(f"{what}: this ledger was closed", hint="open it again")

    def begin_run(self, run_id: str, as_of: date, outputs: Sequence[Output]) -> None:
        """Announce a run and where it stages its outputs, before writing any file.

        The run is `pending` (nothing counts); if the process dies before `record_run`
        commits, the next writer removes the staging directories and aborts the run.
        """
        self._require_writer("begin_run")
        outs = [(cid, Path(s).absolute(), Path(f).absolute()) for cid, s, f in outputs]
        with (
            self.store.session(write=True, focus=Focus()) as con,
            translate_errors(self.name),
            transaction(con),
        ):
            if con.execute(
                "SELECT count(*) FROM ledger.runs WHERE run_id = ?", [run_id]
            ).fetchall()[0][0]:
                raise LedgerError(
                    f"run {run_id} already exists in the ledger",
                    hint="every build records a new run id",
                )
            con.execute(
                "INSERT INTO ledger.runs (run_id, seq, kind, status, as_of, created_at,"
                " tool_version) VALUES (?, ?, 'build', ?, ?, ?, ?)",
                [run_id, next_seq(con), PENDING, as_of, now(), __version__],
            )
            if outs:
                con.executemany(
                    "INSERT INTO ledger.run_outputs VALUES (?, ?, ?, ?)",
                    [(run_id, cid, str(s), str(f)) for cid, s, f in outs],
                )
        self._begun[run_id] = outs
        _hooks.checkpoint("after_begin_run")

    def record_run(
        self,
        run_id: str,
        plans: Sequence[PlanLike],
        as_of: date,
        recipients: Mapping[str, pl.DataFrame],
        people_con: duckdb.DuckDBPyConnection,
        outputs: Sequence[Output] = (),
    ) -> None:
        """Record a real build in ONE transaction: the run, one touch per recipient (dated
        `as_of`), new persons, merges, the identifiers of the recipients and the send lists.

        `recipients` maps campaign id -> send list as written (needs `person_key`,
        `fit_score`; every column is kept for `planner export RUN_ID`);
        `people_con` is the build connection (tables `people`, `persons`). Raises LedgerError
        and records nothing when anything fails; nothing else can be half-written.
        """
        self._require_writer("record_run")
        touches = _touch_frame(plans, as_of, recipients)
        keys = touches.select("person_key").unique()
        identities, merges = _build_identities(people_con, keys)
        campaigns = _run_campaigns(plans, recipients)
        send_rows = _send_rows(plans, recipients)
        outs = list(outputs) or self._begun.get(run_id, [])
        focus = Focus(
            keys=tuple(
                pl.concat(
                    [
                        touches["person_key"],
                        identities["person_key"],
                        merges["from_key"],
                        merges["to_key"],
                    ]
                )
                .unique()
                .to_list()
            ),
            identities=tuple(identities.select("kind", "value").unique().iter_rows()),
        )
        with self.store.session(write=True, focus=focus) as con, translate_errors(self.name):
            write_run(
                con,
                run_id=run_id,
                kind="build",
                as_of=as_of,
                touches=touches,
                identities=identities,
                merges=merges,
                campaigns=campaigns,
                send_rows=send_rows,
                outputs=[(c, Path(s).absolute(), Path(f).absolute()) for c, s, f in outs],
                expect_generation=self._generation,
            )
        # Committed where the store keeps it (a server store writes back as the session ends).
        _hooks.checkpoint("after_ledger_commit")
        self._begun.pop(run_id, None)
        self._generation = None

    def finish_run(self, run_id: str) -> None:
        """The run's outputs were renamed into place."""
        self._require_writer("finish_run")
        _hooks.checkpoint("before_finish_run")
        with self.store.session(write=True, focus=Focus()) as con, translate_errors(self.name):
            con.execute("UPDATE ledger.runs SET outputs_placed = TRUE WHERE run_id = ?", [run_id])

    def close(self) -> None:
        """Abort runs begun but never recorded, then release the writer lock."""
        if self._lock is None:
            return
        try:
            if self._begun:
                with (
                    self.store.session(write=True, focus=Focus()) as con,
                    translate_errors(self.name),
                ):
                    recover(con, notify=lambda _m: None)
                self._begun.clear()
        finally:
            lock, self._lock = self._lock, None
            lock.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _per_campaign(
    plans: Sequence[PlanLike],
    recipients: Mapping[str, pl.DataFrame],
    columns: Callable[[PlanLike], list[pl.Expr]],
) -> list[pl.DataFrame]:
    """`columns(plan)` selected from each non-empty send list of the build."""
    frames: list[pl.DataFrame] = []
    for p in plans:
        df = recipients.get(p.campaign.id)
        if df is not None and df.height:
            frames.append(df.select(columns(p)))
    return frames


def _touch_frame(
    plans: Sequence[PlanLike], as_of: date, recipients: Mapping[str, pl.DataFrame]
) -> pl.DataFrame:
    # A send list without `step` (a caller's own frame) holds first messages only, and one
    # without `variant` no variants.
    stepped = {
        cid: df.with_columns(
            *([] if "step" in df.columns else [pl.lit(0).alias("step")]),
            *([] if "variant" in df.columns else [pl.lit(None, pl.Utf8).alias("variant")]),
        )
        for cid, df in recipients.items()
    }
    frames = _per_campaign(
        plans,
        stepped,
        lambda p: [
            pl.col("person_key").cast(pl.Utf8),
            pl.lit(p.campaign.id, pl.Utf8).alias("campaign_id"),
            pl.lit(as_of, pl.Date).alias("touched_on"),
            pl.lit(p.campaign.message.channel, pl.Utf8).alias("channel"),
            pl.lit(p.campaign.sender.id, pl.Utf8).alias("sender_id"),
            pl.col("fit_score").cast(pl.Float64),
            pl.col("step").cast(pl.Int32),
            ((pl.col("step") == 0) | pl.lit(p.campaign.caps.followups_count)).alias(
                "counts_in_caps"
            ),
            pl.col("variant").cast(pl.Utf8),
        ],
    )
    if not frames:
        return _empty({**TOUCH_SCHEMA, **TOUCH_STEP_SCHEMA})
    out = pl.concat(frames)
    dup = out.group_by("person_key").len().filter(pl.col("len") > 1)
    if dup.height:
        raise LedgerError(
            f"{dup.height} person(s) would get more than one touch in this build",
            hint="a build assigns each person to one campaign; this is a bug, please report it",
        )
    return out


def _build_identities(
    con: duckdb.DuckDBPyConnection, keys: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Identifiers of every row of the recipients, and the merges this build found."""
    con.register("_led_rcpt_keys", keys)
    try:
        identities = con.sql(
            """
            WITH r AS (
                SELECT k.person_key, p.email_norm, p.url_norm
                FROM people p JOIN persons k ON k.row_id = p.row_id
                WHERE k.person_key IN (SELECT person_key FROM _led_rcpt_keys)
            )
            SELECT DISTINCT 'email' AS kind, email_norm AS value, person_key FROM r
            WHERE email_norm IS NOT NULL
            UNION
            SELECT DISTINCT 'url', url_norm, person_key FROM r WHERE url_norm IS NOT NULL
            """
        ).pl()
    finally:
        con.unregister("_led_rcpt_keys")
    if _has_temp_table(con, "_led_keymap"):
        merges = con.sql(
            "SELECT ledger_key AS from_key, person_key AS to_key FROM _led_keymap"
            " WHERE ledger_key <> person_key"
        ).pl()
    else:
        merges = _empty(MERGE_SCHEMA)
    return identities.cast(IDENTITY_SCHEMA), merges.cast(MERGE_SCHEMA)


def _run_campaigns(
    plans: Sequence[PlanLike], recipients: Mapping[str, pl.DataFrame]
) -> pl.DataFrame:
    rows = [
        {
            "campaign_id": p.campaign.id,
            "campaign_sha256": p.campaign.sha256,
            "sender_id": p.campaign.sender.id,
            "channel": p.campaign.message.channel,
            "window_days": p.campaign.caps.window_days,
            "max_touches": p.campaign.caps.max_touches,
            "exempt_min_score": p.campaign.caps.exempt_min_score,
            "recipients": recipients[p.campaign.id].height if p.campaign.id in recipients else 0,
            "campaign_json": p.campaign.model_dump_json(by_alias=True),
        }
        for p in plans
    ]
    return pl.DataFrame(rows, schema=RUN_CAMPAIGN_SCHEMA)


def _send_rows(plans: Sequence[PlanLike], recipients: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Each send list as JSON lines, in send-list order (what `planner export` reads back)."""
    frames = _per_campaign(
        plans,
        recipients,
        lambda p: [
            pl.lit(p.campaign.id, pl.Utf8).alias("campaign_id"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("position"),
            pl.col("person_key").cast(pl.Utf8),
            pl.struct(pl.all()).struct.json_encode().alias("row_json"),
        ],
    )
    return pl.concat(frames) if frames else _empty(SEND_ROW_SCHEMA)


# --------------------------------------------------------------------------- opening


def resolve_path(path: Path | str | None) -> Path:
    """`path`, else `$PLANNER_LEDGER`, else `.planner/ledger.duckdb` under the cwd."""
    return Path(path) if path is not None and str(path) != "" else default_path()


def open_for_build(
    path: Path | str | None, *, dry_run: bool, notify: Notify | None = None
) -> Ledger:
    """The ledger of a build.

    Real build: waits for the writer lock (bounded, note on stderr), creates the ledger on
    first use (0600), migrates it, finishes what a crashed build left, and keeps the lock
    until `close()`. Dry run: no lock and no write; a damaged or newer ledger fails now (exit
    4) rather than after reading the candidates; a missing ledger reads as empty.
    """
    store: Store = open_store(path)
    if dry_run:
        if not store.exists():
            return Ledger(MemoryStore(), dry_run=True, notify=notify)
        with store.session(write=False):
            pass
        return Ledger(store, dry_run=True, notify=notify)
    stack = ExitStack()
    try:
        stack.enter_context(store.writer_lock(notify=notify))
        with store.session(write=True, focus=Focus()) as con, translate_errors(store.name):
            recover(con, notify)
    except BaseException:
        stack.close()
        raise
    return Ledger(store, dry_run=False, lock=stack, notify=notify)


@contextlib.contextmanager
def writing(path: Path | str | None, notify: Notify | None = None) -> Iterator[Store]:
    """Writer lock + recovery for a command that changes the ledger (cancel, import)."""
    store = open_store(path)
    with store.writer_lock(notify=notify):
        with store.session(write=True, focus=Focus()) as con, translate_errors(store.name):
            recover(con, notify)
        yield store


def reading(path: Path | str | None) -> Store:
    """The store a read-only command reads (an empty one when there is no ledger yet)."""
    store = open_store(path)
    return store if store.exists() else MemoryStore()
