"""The report's charts: Vega-Lite specs of aggregated rows, rendered to static SVG.

Vega-Lite (through `vl-convert-python`, which embeds Vega and renders without a browser or a
network) draws every chart; the report inlines the SVG, so a page needs no script and no
network to show them. Each spec gets a few dozen aggregated rows, never one per candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import vl_convert

from planner.report.data import ReportData

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 560
#: Colours: recipients and "ok" in the accent, exclusions and problems in a muted red.
ACCENT = "#2f6f9f"
MUTED = "#c0504d"
CONFIG: dict[str, Any] = {
    "font": "Helvetica, Arial, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "grid": False},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "top"},
    "header": {"labelFontSize": 12, "labelFontWeight": "bold"},
}


#: Counts are whole numbers: no 0.5 ticks.
COUNT_AXIS: dict[str, Any] = {"tickMinStep": 1, "format": ",d"}


def _spec(values: Sequence[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SCHEMA, "data": {"values": list(values)}, "config": CONFIG, **body}


def funnel(report: ReportData) -> dict[str, Any] | None:
    """Rows per reason in SPEC order (recipients last), one bar per campaign."""
    if not report.funnel:
        return None
    multi = report.multi
    encoding: dict[str, Any] = {
        "y": {
            "field": "reason",
            "type": "nominal",
            "sort": {"field": "order"},
            "title": None,
        },
        "x": {"field": "rows", "type": "quantitative", "title": "rows", "axis": COUNT_AXIS},
        "color": (
            {"field": "campaign", "type": "nominal", "title": "campaign"}
            if multi
            else {
                "condition": {"test": "datum.reason === 'recipients'", "value": ACCENT},
                "value": MUTED,
            }
        ),
    }
    if multi:
        encoding["yOffset"] = {"field": "campaign", "type": "nominal"}
    bars = {"mark": {"type": "bar"}, "encoding": encoding}
    labels = {
        "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10},
        "encoding": {
            **{k: v for k, v in encoding.items() if k != "color"},
            "text": {"field": "rows", "type": "quantitative", "format": ","},
        },
    }
    return _spec(report.funnel, {"width": WIDTH - 160, "layer": [bars, labels]})


def scores(report: ReportData) -> dict[str, Any] | None:
    """Fit-score histogram (pre-binned in DuckDB), recipients vs excluded, per campaign."""
    if not report.scores:
        return None
    body: dict[str, Any] = {
        "mark": {"type": "bar", "opacity": 0.8, "binSpacing": 1},
        "encoding": {
            "x": {
                "field": "low",
                "type": "quantitative",
                "bin": {"binned": True, "step": 0.05},
                "scale": {"domain": [0, 1]},
                "title": "fit score",
            },
            "x2": {"field": "high"},
            "y": {
                "field": "rows",
                "type": "quantitative",
                "stack": None,
                "title": "rows",
                "axis": COUNT_AXIS,
            },
            "color": {
                "field": "group",
                "type": "nominal",
                "scale": {"domain": ["recipients", "excluded"], "range": [ACCENT, MUTED]},
                "title": None,
            },
        },
        "width": WIDTH,
        "height": 140,
    }
    if report.multi:
        body["encoding"]["row"] = {"field": "campaign", "type": "nominal", "title": None}
    return _spec(report.scores, body)


def countries(report: ReportData) -> dict[str, Any] | None:
    """Recipients per country (stacked by campaign in a multi-campaign build)."""
    if not report.countries:
        return None
    encoding: dict[str, Any] = {
        "y": {"field": "country", "type": "nominal", "sort": "-x", "title": None},
        "x": {
            "field": "recipients",
            "type": "quantitative",
            "aggregate": "sum",
            "title": "recipients",
            "axis": COUNT_AXIS,
        },
    }
    if report.multi:
        encoding["color"] = {"field": "campaign", "type": "nominal"}
    else:
        encoding["color"] = {"value": ACCENT}
    return _spec(report.countries, {"mark": "bar", "encoding": encoding, "width": WIDTH - 160})


def overlap(report: ReportData) -> dict[str, Any] | None:
    """Persons who passed every criterion of two campaigns (the diagonal: of one)."""
    if not report.multi or not report.overlap:
        return None
    base = {
        "x": {"field": "other", "type": "nominal", "title": None},
        "y": {"field": "campaign", "type": "nominal", "title": None},
    }
    return _spec(
        report.overlap,
        {
            "layer": [
                {
                    "mark": "rect",
                    "encoding": {
                        **base,
                        "color": {
                            "field": "persons",
                            "type": "quantitative",
                            "scale": {"scheme": "blues"},
                            "title": "persons",
                        },
                    },
                },
                {
                    "mark": {"type": "text", "fontSize": 11},
                    "encoding": {
                        **base,
                        "text": {"field": "persons", "type": "quantitative", "format": ","},
                    },
                },
            ],
            "width": {"step": 90},
            "height": {"step": 40},
        },
    )


def guardrail(report: ReportData) -> dict[str, Any] | None:
    """Each sender's response rate over the guardrail window, with the minimum as a rule."""
    rows = [
        {
            "sender": g["sender"],
            "rate": g["rate"] if g["rate"] is not None else 0.0,
            "label": (
                f"{g['responses']} of {g['touches']} touches"
                if g["touches"]
                else "no touches in the window"
            ),
            "min": g["min_response_rate"],
            # The label starts right of both the bar and the minimum's rule.
            "label_at": max(g["rate"] or 0.0, g["min_response_rate"] or 0.0) + 0.03,
            "status": g["status"],
        }
        for g in report.guardrail
    ]
    if not rows:
        return None
    y = {"field": "sender", "type": "nominal", "title": None}
    return _spec(
        rows,
        {
            "width": WIDTH - 160,
            "height": 44 * len(rows),
            "layer": [
                {
                    "mark": {"type": "bar", "height": 18},
                    "encoding": {
                        "y": y,
                        "x": {
                            "field": "rate",
                            "type": "quantitative",
                            "axis": {"format": "%", "tickCount": 5},
                            "scale": {"domain": [0, 1]},
                            "title": "response rate",
                        },
                        "color": {
                            "condition": {"test": "datum.status === 'ok'", "value": ACCENT},
                            "value": MUTED,
                        },
                    },
                },
                {
                    "mark": {
                        "type": "tick",
                        "orient": "vertical",
                        "color": "#222",
                        "thickness": 2,
                        "size": 34,
                    },
                    "encoding": {"x": {"field": "min", "type": "quantitative"}, "y": y},
                },
                {
                    "mark": {"type": "text", "align": "left", "dx": 4, "dy": -16, "fontSize": 10},
                    "encoding": {
                        "x": {"field": "min", "type": "quantitative"},
                        "y": y,
                        "text": {"field": "min", "type": "quantitative", "format": ".0%"},
                    },
                },
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "fontSize": 10,
                        "color": "#555",
                    },
                    "encoding": {
                        "x": {"field": "label_at", "type": "quantitative"},
                        "y": y,
                        "text": {"field": "label"},
                    },
                },
            ],
        },
    )


def eligible_again(report: ReportData) -> dict[str, Any] | None:
    """How many excluded rows become eligible again on each date (caps, cooldowns, snoozes)."""
    if not report.eligible_again:
        return None
    return _spec(
        report.eligible_again,
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "day",
                    "type": "temporal",
                    "timeUnit": "yearmonthdate",
                    "title": "eligible again on",
                },
                "y": {
                    "field": "rows",
                    "type": "quantitative",
                    "aggregate": "sum",
                    "title": "rows",
                    "axis": COUNT_AXIS,
                },
                "color": {"field": "reason", "type": "nominal", "title": None},
            },
            "width": WIDTH,
            "height": 140,
        },
    )


#: The charts of a report, in page order: (key, builder).
CHARTS = (
    ("funnel", funnel),
    ("scores", scores),
    ("countries", countries),
    ("overlap", overlap),
    ("guardrail", guardrail),
    ("eligible_again", eligible_again),
)


def specs(report: ReportData) -> dict[str, dict[str, Any]]:
    """Every chart's Vega-Lite spec; a chart with nothing to show is left out."""
    out: dict[str, dict[str, Any]] = {}
    for key, build in CHARTS:
        spec = build(report)
        if spec is not None:
            out[key] = spec
    return out


def to_svg(spec: dict[str, Any]) -> str:
    """A spec rendered by Vega to SVG (text escaped by the renderer)."""
    return str(vl_convert.vegalite_to_svg(spec))
