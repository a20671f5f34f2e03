"""The SPEC 10 figures: whole-process timings of planner beside its anchors, in one run.

    python -m benchmarks.run [--rows 1000000] [--big-rows 10000000] [--campaigns 25]
                             [--repeat 3] [--seed 7] [--json benchmarks/results.json]
                             [--skip-big] [--skip-pandas]

Every figure is a separate process started the way a user starts it (`planner build ...`,
`python -m benchmarks.anchors.duckdb_plan ...`), timed from start to exit, several times; the
median counts. Peak memory is the process's own peak resident set size (`os.wait4`'s
`ru_maxrss`). What is measured:

- `scan`, `parse`: DuckDB counting / parsing every field of the candidate file (context);
- `duckdb`, `polars`, `pandas`: the anchors (`benchmarks/anchors/`), the plan of `bench-1.yaml`
  written by hand as one DuckDB SQL script, in lazy Polars and in pandas;
- `build`: `planner build bench-1.yaml` over `--rows` rows, ledger holding `--rows` touches, an
  empty candidate cache (it fills it); targets <= 1.5x `duckdb`, <= 1.0x `polars`, <= 0.1x
  `pandas` (10x faster);
- `build_cached`: `planner build bench-2.yaml` over the same files after one build of
  `bench-1.yaml` filled the cache (another campaign, another day); target <= 0.3x `build`;
- `build_many`: `planner build` of `--campaigns` campaigns, empty cache; target <= 3x `build`;
- `scan_big` / `parse_big` / `build_big`: over `--big-rows` rows (empty ledger, empty cache);
  target <= 11x `build` (linear growth) with a peak RSS under 2 GiB.

Every planner figure also shows its ratio to each anchor. Inputs come from
`python -m benchmarks.generate` (seeded) and are kept under `--data-dir` (default
`benchmarks/data/`, git-ignored) for the next run; the ledger is imported once with
`planner ledger import-touches` and copied afresh before every build (a build records its run).
Each build writes into a fresh temporary directory (and cache directory), removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-01"  # the generator's default: touches fall in the 90 days before it
GIB = 1024**3

#: SPEC 10 targets: (figure, baseline figure, limit of figure / baseline, words).
TARGETS: list[tuple[str, str, float, str]] = [
    ("build", "duckdb", 1.5, "within 1.5x the DuckDB anchor"),
    ("build", "polars", 1.0, "no slower than the Polars anchor"),
    ("build", "pandas", 0.1, "at least 10x faster than pandas"),
    ("build_cached", "build", 0.3, "a second build over unchanged files within 0.3x the first"),
    ("build_many", "build", 3.0, "25 campaigns within 3x one"),
    ("build_big", "build", 11.0, "10x the rows within 11x the time, peak RSS < 2 GiB"),
]
BIG_RSS_LIMIT = 2 * GIB
#: The anchors, in the order their ratio columns are printed.
ANCHORS = ("duckdb", "polars", "pandas")
#: The figures that are planner builds (they get a ratio to each anchor).
BUILDS = ("build", "build_cached", "build_many", "build_big")

SCAN_CODE = (
    "import sys, duckdb; "
    "print(duckdb.execute('SELECT count(*) FROM read_csv(?)', [sys.argv[1]]).fetchone()[0])"
)

#: Context, not a target: DuckDB parsing every field of the file (the max of each column makes
#: it materialize every value; bad rows skipped). `count(*)` lets DuckDB skip most of that work,
#: so this is the floor for anything that reads the whole file.
PARSE_CODE = (
    "import sys, duckdb; "
    "print(duckdb.execute('SELECT count(*) FROM (SELECT max(COLUMNS(*)) FROM read_csv(?, "
    "all_varchar = true, ignore_errors = true))', [sys.argv[1]]).fetchone()[0])"
)

#: The scans are cheap and the first one may meet a cold page cache (a 10M-row file just
#: generated or evicted: 5.0 s instead of 1.8 s), so they always run at least this often.
MIN_SCAN_RUNS = 3

#: Figure -> the `parse` figure its `parse_ratio` is measured against (context, no target).
PARSE_BASELINES = {"build": "parse", "build_big": "parse_big"}


@dataclass
class Run:
    """One process run: wall seconds, peak RSS in bytes, exit code, CPU seconds (user + system;
    on a shared machine the wall time includes waiting for a core, the CPU time does not)."""

    seconds: float
    peak_rss: int
    returncode: int
    cpu_s: float = 0.0


@dataclass
class Figure:
    """A measured command: its runs, median time and peak memory, and the target check."""

    name: str
    label: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    median_s: float | None = None
    median_cpu_s: float | None = None
    peak_rss_mib: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    #: median / the anchor's median, for planner builds (and the same from CPU seconds)
    anchor_ratios: dict[str, float] = field(default_factory=dict)
    anchor_cpu_ratios: dict[str, float] = field(default_factory=dict)
    #: the SPEC 10 targets of this figure: baseline, ratio, limit, words, passed
    checks: list[dict[str, Any]] = field(default_factory=list)
    passed: bool | None = None
    note: str | None = None
    parse_ratio: float | None = None


class Failed(RuntimeError):
    """A measured command exited non-zero or timed out."""


# --------------------------------------------------------------------------- processes


def measure(
    command: Sequence[str],
    *,
    timeout: float,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Run:
    """Run `command` to its end; wall time and its own peak RSS (os.wait4, not the runner's)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, **env} if env else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        # Read stderr while waiting so a chatty process never blocks on a full pipe.
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if killed.is_set():
        raise Failed(f"timed out after {timeout:.0f} s: {' '.join(command)}")
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise Failed(f"exit {proc.returncode}: {' '.join(command)}\n" + "\n".join(tail))
    # ru_maxrss is in KiB on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return Run(round(seconds, 3), usage.ru_maxrss * 1024, proc.returncode, round(cpu, 3))


def repeat(
    figure: Figure,
    times: int,
    *,
    timeout: float,
    before: Any = None,
    after: Any = None,
) -> Figure:
    """Run a figure's command `times` times (`before`/`after` untimed around each run)."""
    for i in range(times):
        if before is not None:
            before()
        try:
            run = measure(figure.command, timeout=timeout, env=figure.env)
        finally:
            if after is not None:
                after()
        figure.runs.append(run)
        print(
            f"  {figure.name} #{i + 1}: {run.seconds:.2f} s (cpu {run.cpu_s:.2f} s),"
            f" peak {run.peak_rss / 2**20:.0f} MiB",
            file=sys.stderr,
        )
    figure.median_s = round(statistics.median(r.seconds for r in figure.runs), 3)
    figure.median_cpu_s = round(statistics.median(r.cpu_s for r in figure.runs), 3)
    figure.peak_rss_mib = round(max(r.peak_rss for r in figure.runs) / 2**20, 1)
    return figure


# --------------------------------------------------------------------------- inputs


def planner_command() -> list[str]:
    """The `planner` console script of this interpreter's environment (else `python -m`)."""
    script = Path(sys.executable).with_name("planner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "planner"]


@dataclass(frozen=True)
class Dataset:
    candidates: Path
    touches: Path | None
    campaigns: list[Path]
    rows: int
    bytes: int


def generate(directory: Path, rows: int, seed: int, touches: int, campaigns: int) -> Dataset:
    """Generate (or reuse, when the stamp matches) candidates, touches and campaign files."""
    stamp = directory / "stamp.json"
    want = {"rows": rows, "seed": seed, "touches": touches, "campaigns": campaigns}
    candidates = directory / "candidates.csv"
    touch_file = directory / "touches.csv" if touches else None
    camp_dir = directory / "campaigns"
    if not (stamp.exists() and json.loads(stamp.read_text()) == want and candidates.exists()):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        cmd = [sys.executable, "-m", "benchmarks.generate", "--rows", str(rows)]
        cmd += ["--seed", str(seed), "--out", str(candidates)]
        cmd += ["--campaigns", str(campaigns), "--campaigns-dir", str(camp_dir)]
        if touch_file is not None:
            cmd += ["--ledger-touches", str(touches), "--ledger-out", str(touch_file)]
        print(f"generating {rows:,} rows in {directory}", file=sys.stderr)
        subprocess.run(cmd, check=True, cwd=ROOT)
        stamp.write_text(json.dumps(want))
    paths = [camp_dir / f"bench-{n}.yaml" for n in range(1, campaigns + 1)]
    return Dataset(candidates, touch_file, paths, rows, candidates.stat().st_size)


def _ledger_cli_works() -> bool:
    probe = subprocess.run(
        [*planner_command(), "ledger", "import-touches", "--help"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def import_ledger(data: Dataset, ledger: Path) -> Path:
    """A ledger holding the touches file (imported once, kept next to the data)."""
    assert data.touches is not None
    stamp = ledger.with_suffix(".stamp")
    if ledger.exists() and stamp.exists() and stamp.read_text() == str(data.touches.stat()):
        return ledger
    for path in ledger.parent.glob(ledger.name + "*"):
        path.unlink()
    if _ledger_cli_works():
        cmd = [*planner_command(), "ledger", "import-touches", str(data.touches)]
        cmd += ["--ledger", str(ledger)]
    else:  # the CLI command is not there yet: the library function it calls
        code = (
            "import sys; from pathlib import Path; from planner.ledger import commands; "
            "commands.import_touches(Path(sys.argv[1]), sys.argv[2])"
        )
        cmd = [sys.executable, "-c", code, str(data.touches), str(ledger)]
    print(f"importing {data.touches.name} into {ledger}", file=sys.stderr)
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    stamp.write_text(str(data.touches.stat()))
    return ledger


class Workspace:
    """A fresh output directory, a fresh copy of the ledger and (unless `warm`) an empty
    candidate cache for every build."""

    def __init__(self, root: Path, ledger: Path | None, *, warm: bool = False) -> None:
        self.root = root
        self.template = ledger
        self.ledger = root / "ledger.duckdb"
        self.out = root / "out"
        self.cache = root / "cache"
        self.warm = warm

    @property
    def env(self) -> dict[str, str]:
        return {"PLANNER_CACHE": str(self.cache)}

    def before(self) -> None:
        self.after()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.template is not None:
            shutil.copyfile(self.template, self.ledger)

    def after(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        for path in self.root.glob("ledger.duckdb*"):
            path.unlink()
        if not self.warm:
            shutil.rmtree(self.cache, ignore_errors=True)


def build_command(campaigns: Sequence[Path], ws: Workspace) -> list[str]:
    return [
        *planner_command(),
        "build",
        *map(str, campaigns),
        "--ledger",
        str(ws.ledger),
        "--out",
        str(ws.out),
        "--as-of",
        AS_OF,
    ]


def pandas_available() -> bool:
    return importlib.util.find_spec("pandas") is not None


# --------------------------------------------------------------------------- checks


def judge(figures: dict[str, Figure]) -> None:
    """Each build's ratio to each anchor, and the SPEC 10 checks (TARGETS)."""
    for name in BUILDS:
        fig = figures.get(name)
        if fig is None or fig.median_s is None:
            continue
        for anchor in ANCHORS:
            ref = figures.get(anchor)
            if ref is not None and ref.median_s:
                fig.anchor_ratios[anchor] = round(fig.median_s / ref.median_s, 3)
                if fig.median_cpu_s and ref.median_cpu_s:
                    fig.anchor_cpu_ratios[anchor] = round(fig.median_cpu_s / ref.median_cpu_s, 3)
    for name, base, limit, words in TARGETS:
        fig, ref = figures.get(name), figures.get(base)
        if fig is None or ref is None or fig.median_s is None or not ref.median_s:
            continue
        ratio = round(fig.median_s / ref.median_s, 3)
        passed = ratio <= limit
        if name == "build_big":
            assert fig.peak_rss_mib is not None
            passed = passed and fig.peak_rss_mib * 2**20 < BIG_RSS_LIMIT
        cpu_ratio = (
            round(fig.median_cpu_s / ref.median_cpu_s, 3)
            if fig.median_cpu_s and ref.median_cpu_s
            else None
        )
        fig.checks.append(
            {
                "baseline": base,
                "ratio": ratio,
                "cpu_ratio": cpu_ratio,
                "limit": limit,
                "words": words,
                "passed": passed,
            }
        )
        fig.passed = passed if fig.passed is None else fig.passed and passed
    for name, base in PARSE_BASELINES.items():
        fig, ref = figures.get(name), figures.get(base)
        if fig and ref and fig.median_s is not None and ref.median_s:
            fig.parse_ratio = round(fig.median_s / ref.median_s, 2)


def table(figures: dict[str, Figure]) -> str:
    """The results as a fixed-width text table: every figure, its ratio to each anchor, and
    each SPEC 10 check on a line of its own."""
    ratios = "".join(f" {'vs ' + a:>10}" for a in ANCHORS)
    head = f"{'figure':<13} {'what':<60} {'median s':>9} {'cpu s':>8}{ratios} {'peak RSS':>10}"
    lines = [head, "-" * len(head)]
    for fig in figures.values():
        median = f"{fig.median_s:.2f}" if fig.median_s is not None else "-"
        cpu = f"{fig.median_cpu_s:.2f}" if fig.median_cpu_s is not None else "-"
        rss = f"{fig.peak_rss_mib:.0f} MiB" if fig.peak_rss_mib is not None else "-"
        cells = ""
        for anchor in ANCHORS:
            r = fig.anchor_ratios.get(anchor)
            cells += f" {f'{r:.2f}x' if r is not None else '':>10}"
        note = f"  {fig.note}" if fig.note else ""
        lines.append(f"{fig.name:<13} {fig.label:<60} {median:>9} {cpu:>8}{cells} {rss:>10}{note}")
        for check in fig.checks:
            verdict = "PASS" if check["passed"] else "FAIL"
            lines.append(
                f"{'':<13}   {verdict}: {check['ratio']:.2f}x {check['baseline']}"
                + (f" (cpu {check['cpu_ratio']:.2f}x)" if check["cpu_ratio"] else "")
                + f" (target <= {check['limit']:g}x: {check['words']})"
            )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for module in ("duckdb", "polars", "pyarrow", "pandas"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    except (ValueError, OSError):
        memory = None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1) if memory else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        **versions,
    }


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="Measure the SPEC 10 performance figures."
    )
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the main data set")
    p.add_argument("--big-rows", type=int, default=10_000_000, help="rows of the big data set")
    p.add_argument("--campaigns", type=int, default=25, help="campaigns of the multi build")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure (median counts)")
    p.add_argument("--big-repeat", type=int, default=None, help="runs per big figure")
    p.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    p.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    p.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    p.add_argument("--skip-big", action="store_true", help="skip the --big-rows figures")
    p.add_argument("--skip-pandas", action="store_true", help="skip the pandas baseline")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m benchmarks.run`; returns the exit code (0 even if a target
    fails: the table and JSON say which)."""
    args = _parser().parse_args(argv)
    if args.repeat < 1 or args.rows < 1 or args.campaigns < 1:
        raise SystemExit("--repeat, --rows and --campaigns must be positive")
    started = dt.datetime.now(dt.UTC)
    figures: dict[str, Figure] = {}
    t = args.timeout
    data = generate(
        args.data_dir / f"rows-{args.rows}-seed-{args.seed}",
        args.rows,
        args.seed,
        args.rows,
        args.campaigns,
    )
    ledger = import_ledger(data, data.candidates.with_name("ledger.duckdb"))
    rows = f"{args.rows:,} rows"

    def fig(name: str, label: str, command: list[str], times: int, **kw: Any) -> Figure:
        print(f"{name}: {label}", file=sys.stderr)
        figures[name] = repeat(Figure(name, label, command), times, timeout=t, **kw)
        return figures[name]

    with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
        ws = Workspace(Path(tmp) / "cold", ledger)

        def baselines(suffix: str, label: str, path: Path, times: int) -> None:
            """The bare scan and the full parse (context) of one data set."""
            scans = max(times, MIN_SCAN_RUNS)
            fig(f"scan{suffix}", f"DuckDB count(*) of {label}", scan_command(path), scans)
            fig(
                f"parse{suffix}",
                f"DuckDB parsing every field of {label}",
                parse_command(path),
                scans,
            )

        baselines("", rows, data.candidates, args.repeat)
        for anchor in ANCHORS:
            if anchor == "pandas" and (args.skip_pandas or not pandas_available()):
                note = "skipped" if args.skip_pandas else "skipped: pandas not installed (.[bench])"
                figures["pandas"] = Figure("pandas", f"pandas anchor, {rows}", [], note=note)
                continue
            out = Path(tmp) / f"{anchor}-out"
            fig(
                anchor,
                f"{anchor} anchor, {rows}, {args.rows:,} touches",
                anchor_command(anchor, data, out),
                args.repeat,
                after=lambda out=out: shutil.rmtree(out, ignore_errors=True),
            )
        build = Figure(
            "build",
            f"planner build, {rows}, ledger of {args.rows:,} touches",
            build_command(data.campaigns[:1], ws),
            env=ws.env,
        )
        print(f"build: {build.label}", file=sys.stderr)
        figures["build"] = repeat(build, args.repeat, timeout=t, before=ws.before, after=ws.after)

        # A second build over the same files: the cache filled by one (untimed) first build.
        warm = Workspace(Path(tmp) / "warm", ledger, warm=True)
        warm.before()
        measure(build_command(data.campaigns[:1], warm), timeout=t, env=warm.env)
        warm.after()
        second = data.campaigns[1] if len(data.campaigns) > 1 else data.campaigns[0]
        cached = Figure(
            "build_cached",
            f"planner build {second.stem}, same files, cache filled",
            build_command([second], warm),
            env=warm.env,
        )
        print(f"build_cached: {cached.label}", file=sys.stderr)
        figures["build_cached"] = repeat(
            cached, args.repeat, timeout=t, before=warm.before, after=warm.after
        )
        shutil.rmtree(warm.cache, ignore_errors=True)

        many = Figure(
            "build_many",
            f"planner build, {len(data.campaigns)} campaigns, {rows}",
            build_command(data.campaigns, ws),
            env=ws.env,
        )
        print(f"build_many: {many.label}", file=sys.stderr)
        figures["build_many"] = repeat(
            many, args.repeat, timeout=t, before=ws.before, after=ws.after
        )
        if not args.skip_big:
            big = generate(
                args.data_dir / f"rows-{args.big_rows}-seed-{args.seed}",
                args.big_rows,
                args.seed,
                0,
                1,
            )
            times = args.big_repeat or args.repeat
            big_rows = f"{args.big_rows:,} rows"
            baselines("_big", big_rows, big.candidates, times)
            empty = Workspace(Path(tmp) / "big", None)
            big_fig = Figure(
                "build_big",
                f"planner build, {big_rows}, empty ledger",
                build_command(big.campaigns[:1], empty),
                env=empty.env,
            )
            print(f"build_big: {big_fig.label}", file=sys.stderr)
            figures["build_big"] = repeat(
                big_fig, times, timeout=t, before=empty.before, after=empty.after
            )
    judge(figures)
    print(table(figures))
    result = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "targets": [
            {"figure": f, "baseline": b, "limit": lim, "words": w} for f, b, lim, w in TARGETS
        ],
        "figures": {name: asdict(f) for name, f in figures.items()},
        "all_passed": all(f.passed for f in figures.values() if f.passed is not None),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"results -> {args.json}", file=sys.stderr)
    return 0


def scan_command(path: Path) -> list[str]:
    return [sys.executable, "-c", SCAN_CODE, str(path)]


def parse_command(path: Path) -> list[str]:
    return [sys.executable, "-c", PARSE_CODE, str(path)]


def anchor_command(anchor: str, data: Dataset, out: Path) -> list[str]:
    """`python -m benchmarks.anchors.<anchor>_plan bench-1.yaml --touches T --out D`."""
    assert data.touches is not None
    return [
        sys.executable,
        "-m",
        f"benchmarks.anchors.{anchor}_plan",
        str(data.campaigns[0]),
        "--touches",
        str(data.touches),
        "--out",
        str(out),
        "--as-of",
        AS_OF,
    ]


if __name__ == "__main__":
    raise SystemExit(main())
