"""What a build report shows, gathered from a build or a past run (issue 16).

Everything a chart shows is aggregated in DuckDB: the charts get counts per reason, per score
bin, per place, per campaign pair or per date, never a row per candidate. Personal data appears
only for recipients (the sample messages and the "who went where" table), and only the
recipients' own send-list values.

The SQL here reads one view, `report_rows`, with a row per candidate row and campaign:
`(cidx, person_key, reason, fit_score, eligible_again_on, country, city)`, `reason` NULL for a
recipient. A build defines it over its `dec` and `people` tables (`planner.report.from_plan`),
a past run over the ledger's send rows and the run's excluded.csv (`planner.report.past`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

from planner import personalize
from planner.config import Campaign
from planner.contract import REASONS

#: Fit-score histogram: bins of this width over [0, 1].
SCORE_BIN = 0.05
#: How many sample messages, places and "who went where" rows a report shows.
SAMPLES = 3
TOP_PLACES = 25
TOP_MOVES = 50

#: The reasons given at or after the assignment across campaigns (SPEC 5.4): a row with one of
#: them, or a recipient, passed every criterion of its campaign.
AFTER_ASSIGNMENT = (
    "assigned_to_other_campaign",
    "over_limit",
    "insufficient_personalization",
    "guardrail",
)


@dataclass(frozen=True)
class Segment:
    """A piece of a rendered message; `field` names the personal field it shows, if any."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Sample:
    """One recipient's rendered message, split so personal fields can be highlighted."""

    campaign_id: str
    name: str
    subject: list[Segment]
    body: list[Segment]
    personal_fields: int


@dataclass
class CampaignInfo:
    """One campaign of the report and its own tables."""

    index: int
    id: str
    title: str
    company: str
    sender: str
    recipients: int
    funnel: dict[str, int] | None
    lint: list[dict[str, Any]] | None
    guardrail: dict[str, Any] | None


@dataclass
class ReportData:
    """Everything the page shows; aggregates only, plus the recipients' sample messages."""

    kind: str  # "dry run", "build" or "past run"
    as_of: date | None
    run_id: str | None
    campaigns: list[CampaignInfo]
    funnel: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    overlap: list[dict[str, Any]]
    moves: list[dict[str, Any]]
    who_went_where: list[dict[str, Any]]
    capped: list[dict[str, Any]]
    eligible_again: list[dict[str, Any]]
    guardrail: list[dict[str, Any]]
    samples: list[Sample]
    notes: list[str] = field(default_factory=list)
    excluded_scores: bool = True

    @property
    def multi(self) -> bool:
        return len(self.campaigns) > 1


def funnel_rows(campaigns: Sequence[CampaignInfo]) -> list[dict[str, Any]]:
    """Count per reason in SPEC order, then the recipients; zero counts left out of the chart."""
    rows: list[dict[str, Any]] = []
    for c in campaigns:
        if c.funnel is None:
            continue
        for order, reason in enumerate((*REASONS, "recipients")):
            n = c.funnel.get(reason, 0)
            if n:
                rows.append({"campaign": c.id, "reason": reason, "order": order, "rows": n})
    return rows


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def gather(
    con: duckdb.DuckDBPyConnection,
    campaigns: list[CampaignInfo],
    recipients: Mapping[int, pl.DataFrame],
    *,
    kind: str,
    as_of: date | None,
    run_id: str | None,
    samples: list[Sample],
    notes: Sequence[str] = (),
    excluded_scores: bool = True,
) -> ReportData:
    """The report's aggregates from `report_rows` (see the module docstring)."""
    ids = {c.index: c.id for c in campaigns}
    bins = round(1 / SCORE_BIN)
    scores = _dicts(
        con,
        """
        SELECT cidx, CASE WHEN reason IS NULL THEN 'recipients' ELSE 'excluded' END AS grp,
               least(floor(fit_score * ?)::INTEGER, ? - 1) AS b, count(*) AS n
        FROM report_rows
        WHERE fit_score IS NOT NULL AND NOT isnan(fit_score)
          AND coalesce(reason, '') NOT IN ('invalid_row', 'duplicate_row')
        GROUP BY ALL ORDER BY cidx, grp, b
        """,
        [bins, bins],
    )
    places = _dicts(
        con,
        """
        SELECT cidx, coalesce(country, '') AS country, coalesce(city, '') AS city,
               count(*) AS n
        FROM report_rows WHERE reason IS NULL GROUP BY ALL
        """,
    )
    overlap = _dicts(
        con,
        """
        WITH e AS (SELECT DISTINCT cidx, person_key FROM report_rows
                   WHERE person_key IS NOT NULL
                     AND (reason IS NULL OR list_contains(?::VARCHAR[], reason)))
        SELECT a.cidx AS a, b.cidx AS b, count(*) AS n
        FROM e a JOIN e b USING (person_key) GROUP BY ALL ORDER BY a, b
        """,
        [list(AFTER_ASSIGNMENT)],
    )
    moves = _dicts(
        con,
        """
        WITH lost AS (SELECT DISTINCT cidx, person_key FROM report_rows
                      WHERE reason = 'assigned_to_other_campaign'),
             won AS (SELECT cidx, person_key, reason FROM report_rows
                     WHERE person_key IS NOT NULL
                       AND (reason IS NULL OR list_contains(?::VARCHAR[], reason))
                       AND reason IS DISTINCT FROM 'assigned_to_other_campaign')
        SELECT l.cidx AS lost, w.cidx AS won, count(DISTINCT person_key) AS n,
               count(DISTINCT person_key) FILTER (WHERE w.reason IS NULL) AS recipients
        FROM lost l JOIN won w USING (person_key) GROUP BY ALL ORDER BY lost, won
        """,
        [list(AFTER_ASSIGNMENT)],
    )
    contested = _dicts(
        con,
        """
        WITH lost AS (SELECT person_key, list(DISTINCT cidx ORDER BY cidx) AS also
                      FROM report_rows WHERE reason = 'assigned_to_other_campaign'
                      GROUP BY person_key)
        SELECT r.cidx, r.person_key, r.fit_score, l.also
        FROM report_rows r JOIN lost l USING (person_key)
        WHERE r.reason IS NULL
        ORDER BY r.fit_score DESC, r.person_key LIMIT ?
        """,
        [TOP_MOVES],
    )
    capped = _dicts(
        con,
        """
        SELECT cidx, reason, eligible_again_on AS day, count(*) AS n
        FROM report_rows WHERE eligible_again_on IS NOT NULL
        GROUP BY ALL ORDER BY cidx, reason, day
        """,
    )
    return ReportData(
        kind=kind,
        as_of=as_of,
        run_id=run_id,
        campaigns=campaigns,
        funnel=funnel_rows(campaigns),
        scores=[
            {
                "campaign": ids[r["cidx"]],
                "group": r["grp"],
                "low": round(r["b"] * SCORE_BIN, 4),
                "high": round((r["b"] + 1) * SCORE_BIN, 4),
                "rows": r["n"],
            }
            for r in scores
        ],
        countries=_countries(places, ids),
        cities=_cities(places, ids),
        overlap=[
            {"campaign": ids[r["a"]], "other": ids[r["b"]], "persons": r["n"]} for r in overlap
        ],
        moves=[
            {
                "from": ids[r["lost"]],
                "to": ids[r["won"]],
                "persons": r["n"],
                "recipients": r["recipients"],
            }
            for r in moves
        ],
        who_went_where=_who_went_where(contested, recipients, ids),
        capped=_capped_totals(capped, campaigns),
        eligible_again=[
            {
                "campaign": ids[r["cidx"]],
                "reason": r["reason"],
                "day": r["day"].isoformat(),
                "rows": r["n"],
            }
            for r in capped
        ],
        guardrail=_guardrail_rows(campaigns),
        samples=samples,
        notes=list(notes),
        excluded_scores=excluded_scores,
    )


def _countries(places: list[dict[str, Any]], ids: Mapping[int, str]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], int] = {}
    for r in places:
        key = (ids[r["cidx"]], r["country"])
        totals[key] = totals.get(key, 0) + r["n"]
    return [
        {
            "campaign": cid,
            "country": personalize.country_name(code) if code else "unknown",
            "recipients": n,
        }
        for (cid, code), n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _cities(places: list[dict[str, Any]], ids: Mapping[int, str]) -> list[dict[str, Any]]:
    rows = sorted(places, key=lambda r: (-r["n"], r["cidx"], r["country"], r["city"]))
    return [
        {
            "campaign": ids[r["cidx"]],
            "country": personalize.country_name(r["country"]) if r["country"] else "unknown",
            "city": r["city"] or "unknown",
            "recipients": r["n"],
        }
        for r in rows[:TOP_PLACES]
    ]


def _who_went_where(
    rows: list[dict[str, Any]], recipients: Mapping[int, pl.DataFrame], ids: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Named rows only for recipients (their send-list name); the others stay counts."""
    names: dict[tuple[int, str], str] = {}
    for cidx in {r["cidx"] for r in rows}:
        frame = recipients.get(cidx)
        if frame is None or frame.is_empty():
            continue
        keys = [r["person_key"] for r in rows if r["cidx"] == cidx]
        for row in frame.filter(pl.col("person_key").is_in(keys)).iter_rows(named=True):
            names[(cidx, row["person_key"])] = display_name(row)
    return [
        {
            "name": names.get((r["cidx"], r["person_key"]), r["person_key"]),
            "person_key": r["person_key"],
            "went_to": ids[r["cidx"]],
            "also_eligible_for": [ids[i] for i in r["also"]],
            "fit_score": r["fit_score"],
        }
        for r in rows
    ]


def _capped_totals(
    rows: list[dict[str, Any]], campaigns: Sequence[CampaignInfo]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in campaigns:
        mine = [r for r in rows if r["cidx"] == c.index]
        by_reason: dict[str, list[dict[str, Any]]] = {}
        for r in mine:
            by_reason.setdefault(r["reason"], []).append(r)
        for reason, rs in sorted(by_reason.items()):
            out.append(
                {
                    "campaign": c.id,
                    "reason": reason,
                    "rows": sum(r["n"] for r in rs),
                    "first": min(r["day"] for r in rs).isoformat(),
                    "last": max(r["day"] for r in rs).isoformat(),
                }
            )
        n_capped = (c.funnel or {}).get("frequency_cap", 0)
        if n_capped and "frequency_cap" not in by_reason:
            out.append(
                {
                    "campaign": c.id,
                    "reason": "frequency_cap",
                    "rows": n_capped,
                    "first": None,
                    "last": None,
                }
            )
    return out


def _guardrail_rows(campaigns: Sequence[CampaignInfo]) -> list[dict[str, Any]]:
    """One row per sender and window: campaigns of one sender share one history."""
    seen: dict[tuple[str, Any], dict[str, Any]] = {}
    for c in campaigns:
        g = c.guardrail
        if not g:
            continue
        key = (str(g.get("sender")), g.get("window_days"))
        if key in seen:
            seen[key]["campaigns"].append(c.id)
            continue
        seen[key] = {
            "sender": str(g.get("sender")),
            "campaigns": [c.id],
            "window_days": g.get("window_days"),
            "touches": g.get("touches", 0),
            "responses": g.get("responses", 0),
            "rate": g.get("rate"),
            "min_response_rate": g.get("min_response_rate"),
            "min_sample": g.get("min_sample"),
            "action": g.get("action"),
            "status": g.get("status"),
            "cut": g.get("cut", 0),
        }
    return list(seen.values())


def display_name(row: Mapping[str, Any]) -> str:
    """A recipient's name as the send list has it."""
    full = row.get("full_name") or " ".join(
        str(v) for v in (row.get("first_name"), row.get("last_name")) if v
    )
    return str(full or row.get("person_key") or "")


# --------------------------------------------------------------------------- samples


def samples_of(campaign: Campaign, cid: str, frame: pl.DataFrame, n: int = SAMPLES) -> list[Sample]:
    """The first `n` recipients' messages, each personal field's value marked where it occurs.

    Marked are the values, as the template saw them (`personalize.recipient_values`), of the
    person fields that template uses (`personalize.template_info`), where they occur outside
    the text of the campaign's own `role.*`/`sender.*` values (a pitch naming Flink does not
    mark a recipient's Flink). A value the template changed (e.g. upper-cased) is not marked.
    """
    fixed = _campaign_texts(campaign)
    out: list[Sample] = []
    for row in frame.head(n).iter_rows(named=True):
        # The templates of the row's own message: its step, and its variant's subject and body.
        step = int(row.get("step") or 0)
        step = step if step < campaign.message.steps else 0
        variant = campaign.message.variant_index(row.get("variant"))
        info = {
            f: personalize.template_info(campaign, f, step, variant) for f in ("subject", "body")
        }
        parts: dict[str, list[Segment]] = {}
        for fld, text in (("subject", row.get("subject")), ("message", row.get("message"))):
            used = info["subject" if fld == "subject" else "body"].person_fields
            values = personalize.recipient_values(row, sorted(used))
            parts[fld] = split_marked(str(text or ""), _marks(values), fixed)
        out.append(
            Sample(
                campaign_id=cid,
                name=display_name(row),
                subject=parts["subject"],
                body=parts["message"],
                personal_fields=int(row.get("personal_fields") or 0),
            )
        )
    return out


def _campaign_texts(campaign: Campaign) -> list[str]:
    texts: list[str] = []
    for model in (campaign.role, campaign.sender):
        for value in model.model_dump().values():
            if isinstance(value, str) and len(value.strip()) >= 2:
                texts.append(value.strip())
    return sorted(set(texts), key=lambda t: (-len(t), t))


def _marks(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    marks: list[tuple[str, str]] = []
    for fld, value in values.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                text = str(item).strip()
                if len(text) >= 2:
                    marks.append((text, fld))
    # Longest first, so "Berlin Data" wins over "Berlin" where both match.
    return sorted(marks, key=lambda m: (-len(m[0]), m[1]))


def split_marked(
    text: str, marks: Sequence[tuple[str, str]], protected: Sequence[str] = ()
) -> list[Segment]:
    """`text` as segments, the occurrences of each mark's value tagged with its field, except
    inside an occurrence of a `protected` text."""
    if not text:
        return []
    blocked = [False] * len(text)
    for value in protected:
        start = text.find(value)
        while start != -1:
            blocked[start : start + len(value)] = [True] * len(value)
            start = text.find(value, start + len(value))
    taken: list[str | None] = [None] * len(text)
    for value, fld in marks:
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            free = not any(blocked[start:end]) and all(t is None for t in taken[start:end])
            if free and _word_bounds(text, start, end):
                for i in range(start, end):
                    taken[i] = fld
            start = text.find(value, end)
    segments: list[Segment] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and taken[j] == taken[i]:
            j += 1
        segments.append(Segment(text[i:j], taken[i]))
        i = j
    return segments


def _word_bounds(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()
