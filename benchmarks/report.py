"""How long the build report takes over a big build (issue 16: under 2 s for 1M input rows).

    python -m benchmarks.report [--rows 1000000] [--touches 1000000] [--seed 7] [--repeat 3]
                                [--data-dir benchmarks/data/report] [--json FILE]

Plans `bench-1.yaml` over `--rows` generated rows against a ledger of `--touches` past touches
(so caps and cooldowns have dates to chart), in this process, once; then times what the report
adds to a build: gathering its aggregates in DuckDB (`report.from_plan`), rendering the charts
and the page (`report.render_html`) and writing the file. The first round is what a build pays
(it starts the chart renderer, about 0.4 s); the median of the rounds after it is the steady
cost. The plan itself is not timed here (`python -m benchmarks.run` measures builds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from benchmarks import run as bench

LIMIT_S = 2.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--touches", type=int, default=None, help="default: --rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=bench.ROOT / "benchmarks/data/report")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    from planner import pipeline, report
    from planner.ledger import open_for_build

    touches = args.rows if args.touches is None else args.touches
    data = bench.generate(args.data_dir, args.rows, args.seed, touches, 1)
    ledger = bench.import_ledger(data, args.data_dir / "ledger.duckdb") if touches else None
    started = time.perf_counter()
    with open_for_build(ledger, dry_run=True) as led:
        plan = pipeline.plan(data.campaigns, as_of=date.fromisoformat(bench.AS_OF), ledger=led)
    plan_s = time.perf_counter() - started
    rounds: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(1 + args.repeat):
                t0 = time.perf_counter()
                gathered = report.from_plan(plan, dry_run=True)
                t1 = time.perf_counter()
                html = report.render_html(gathered)
                t2 = time.perf_counter()
                report.write_report(html, Path(tmp) / "report.html")
                t3 = time.perf_counter()
                rounds.append(
                    {"gather": t1 - t0, "render": t2 - t1, "write": t3 - t2, "total": t3 - t0}
                )
        funnel = plan.campaigns[0].funnel
    finally:
        plan.close()
    first, rest = rounds[0], rounds[1:]
    steady = {k: statistics.median(r[k] for r in rest) for k in first} if rest else first
    result = {
        "rows": args.rows,
        "touches": touches,
        "recipients": funnel["recipients"],
        "frequency_cap": funnel["frequency_cap"],
        "plan_s": round(plan_s, 3),
        "first": {k: round(v, 3) for k, v in first.items()},
        "steady": {k: round(v, 3) for k, v in steady.items()},
        "html_bytes": len(html.encode("utf-8")),
        "limit_s": LIMIT_S,
        "ok": first["total"] < LIMIT_S,
    }
    print(
        f"report over {args.rows:,} rows ({funnel['recipients']:,} recipients): first"
        f" {first['total']:.2f} s (gather {first['gather']:.2f}, render {first['render']:.2f}),"
        f" then {steady['total']:.2f} s; limit {LIMIT_S:.1f} s:"
        f" {'PASS' if result['ok'] else 'FAIL'}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
