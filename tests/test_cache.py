"""The candidate cache (planner.cache, SPEC 10): hits give the same plan, any change misses."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from planner import cache, pipeline, sources
from planner.cache import SourceCache
from planner.cli import app
from planner.files import sha256_file

# The cache holds what the input files hold; the ledger plays no part in these plans.
pytestmark = pytest.mark.filterwarnings("ignore::planner.pipeline.PlanWithoutLedgerWarning")

ROOT = Path(__file__).parent.parent
AS_OF = "2026-11-01"


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "campaigns", tmp_path / "campaigns")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANNER_LEDGER", raising=False)
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.delenv(cache.SIZE_ENV, raising=False)
    return tmp_path / "campaigns" / "example.yaml"


class Reads:
    """Counts how often candidate files are really read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = sources.read_sources

        def counting(*args: Any, **kwargs: Any) -> sources.SourceResult:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sources, "read_sources", counting)


def _outputs(campaign: Path, c: SourceCache | None) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    from datetime import date

    p = pipeline.plan([campaign], as_of=date.fromisoformat(AS_OF), cache=c)
    try:
        cp = p.campaigns[0]
        return cp.recipients, p.excluded(cp), {"funnel": cp.funnel, "files": p.source.files}
    finally:
        p.close()


def test_a_hit_plans_exactly_what_a_fresh_read_plans(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    c = SourceCache(tmp_path / "cache")
    fresh = _outputs(example, None)
    first = _outputs(example, c)
    assert reads.count == 2
    assert len(c.entries()) == 1
    second = _outputs(example, c)
    assert reads.count == 2, "the second build must come from the cache"
    for a, b in [(fresh, first), (fresh, second)]:
        assert a[0].equals(b[0])
        assert a[1].equals(b[1])
        assert a[2] == b[2]
    assert fresh[0].height > 0 and fresh[1].height > 0
    assert fresh[2]["files"][0].sha256 == sha256_file(example.parent / "data/candidates.csv")


def _kind_of_people(con: Any) -> list[tuple[str, str]]:
    """The build's own `people` (an attached entry holds one too)."""
    return con.execute(
        "SELECT table_catalog, table_type FROM information_schema.tables"
        " WHERE table_name = 'people' AND table_catalog IN ('memory', 'temp')"
    ).fetchall()


@pytest.mark.parametrize("filled", [False, True], ids=["stored", "loaded"])
def test_people_is_read_from_the_entry_even_once_it_is_removed(
    example: Path, tmp_path: Path, filled: bool
) -> None:
    """Once an entry exists, the build reads `people` from it (a view of the attached file, no
    copy in memory): after storing it, as after loading it. Removing the file meanwhile (`cache
    clear` or another build's trim) changes nothing for the running build."""
    from datetime import date

    c = SourceCache(tmp_path / "cache")
    fresh = _outputs(example, None)
    if filled:
        _outputs(example, c)
    p = pipeline.plan([example], as_of=date.fromisoformat(AS_OF), cache=c)
    try:
        assert _kind_of_people(p.con) == [("temp", "VIEW")], "one people, the entry's view"
        assert c.clear()[0] == 1
        cp = p.campaigns[0]
        assert p.excluded(cp).equals(fresh[1])
        assert p.con.execute("SELECT count(*) FROM people").fetchall() == [
            (p.con.execute("SELECT count(*) FROM persons").fetchall()[0][0],)
        ]
    finally:
        p.close()
    without = pipeline.plan([example], as_of=date.fromisoformat(AS_OF), cache=None)
    try:
        assert _kind_of_people(without.con) == [("memory", "BASE TABLE")]
    finally:
        without.close()


def test_entries_are_private(example: Path, tmp_path: Path) -> None:
    c = SourceCache(tmp_path / "cache")
    _outputs(example, c)
    [entry] = c.entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(c.directory.stat().st_mode) == 0o700
    assert [p.name for p in c.directory.iterdir()] == [entry.name], "no temporary files left"


def test_a_changed_file_misses(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    c = SourceCache(tmp_path / "cache")
    _outputs(example, c)
    data = example.parent / "data" / "candidates.csv"
    text = data.read_text(encoding="utf-8")
    # Same size, same line count, one title changed: only the bytes tell.
    assert "Senior Data Engineer" in text
    data.write_text(text.replace("Senior Data Engineer", "Senior Data EngineeR", 1), "utf-8")
    _recipients, _excluded, info = _outputs(example, c)
    assert reads.count == 2
    assert len(c.entries()) == 2
    assert info["files"][0].sha256 == sha256_file(data)


def test_other_code_or_alias_tables_miss(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    c = SourceCache(tmp_path / "cache")
    _outputs(example, c)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another planner")
    _outputs(example, c)
    assert reads.count == 2
    assert len(c.entries()) == 2


def test_the_fingerprint_covers_every_data_table(tmp_path: Path) -> None:
    package = tmp_path / "planner"
    shutil.copytree(ROOT / "planner", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.fingerprint_of(package)
    assert before == cache.fingerprint_of(package)
    aliases = package / "data" / "skill_aliases.csv"
    aliases.write_text(aliases.read_text(encoding="utf-8") + "kube,kubernetes\n", "utf-8")
    assert cache.fingerprint_of(package) != before
    assert cache.code_fingerprint() == cache.fingerprint_of(ROOT / "planner")


def test_reading_options_are_part_of_the_key(example: Path, tmp_path: Path) -> None:
    c = SourceCache(tmp_path / "cache")
    spec = sources.SourceSpec(example.parent / "data" / "candidates.csv", {}, None)
    base = c.key([spec], None)
    assert base == c.key([spec], None)
    assert base.name != c.key([spec], 10).name
    assert base.name != c.key([sources.SourceSpec(spec.path, {}, "|")], None).name
    assert base.name != c.key([sources.SourceSpec(spec.path, {"email": "mail"}, None)], None).name


def test_a_damaged_entry_is_a_miss_and_is_replaced(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    c = SourceCache(tmp_path / "cache")
    fresh = _outputs(example, c)
    [entry] = c.entries()
    entry.write_bytes(b"not a database")
    again = _outputs(example, c)
    assert reads.count == 2
    assert again[1].equals(fresh[1])
    assert len(c.entries()) == 1 and c.entries()[0].stat().st_size > 1000


def test_the_cache_stays_under_its_size(example: Path, tmp_path: Path) -> None:
    c = SourceCache(tmp_path / "cache")
    _outputs(example, c)
    [entry] = c.entries()
    size = entry.stat().st_size
    # Room for one entry: a second one (another file) pushes the least recently used out.
    small = SourceCache(c.directory, max_bytes=int(size * 1.5))
    data = example.parent / "data" / "candidates.csv"
    data.write_text(data.read_text(encoding="utf-8") + "\n", "utf-8")
    _outputs(example, small)
    assert len(small.entries()) == 1 and small.entries()[0] != entry
    # An entry bigger than the whole cache is not kept.
    tiny = SourceCache(c.directory, max_bytes=1000)
    tiny.trim()
    assert tiny.entries() == []


def test_read_only_cache_never_writes(example: Path, tmp_path: Path) -> None:
    c = SourceCache(tmp_path / "cache", write=False)
    _outputs(example, c)
    assert not c.directory.exists()


def test_parse_size() -> None:
    assert cache.parse_size("4GB") == 4 * 2**30
    assert cache.parse_size("512MiB") == 512 * 2**20
    assert cache.parse_size("1.5G") == 3 * 2**29
    assert cache.parse_size("1000") == 1000
    with pytest.raises(cache.ConfigError, match="PLANNER_CACHE_SIZE"):
        cache.parse_size("lots")


def test_cli_build_fills_the_cache_dry_run_reads_it_and_clear_empties_it(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    directory = tmp_path / ".planner" / "cache"
    result = runner.invoke(app, ["build", str(example), "--dry-run", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert not directory.exists(), "a dry run writes nothing, not even the cache"
    result = runner.invoke(app, ["build", str(example), "--out", "o1", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert len(list(directory.glob("*.duckdb"))) == 1
    reads = Reads(monkeypatch)
    result = runner.invoke(app, ["build", str(example), "--dry-run", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert reads.count == 0
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "removed 1 cache entries" in result.output
    assert list(directory.iterdir()) == []
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    result = runner.invoke(app, ["build", str(example), "--out", "o2", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert reads.count == 1 and list(directory.iterdir()) == []


def test_a_cache_that_cannot_be_written_never_fails_the_build(
    example: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be", "utf-8")
    c = SourceCache(blocked / "cache")
    fresh = _outputs(example, None)
    built = _outputs(example, c)
    assert built[1].equals(fresh[1])
    assert c.entries() == []


# ---------------------------------------------------------------- the gazetteer kept beside


@pytest.fixture()
def fresh_gazetteer(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`locations._gazetteer` as in a new process; the process's own one comes back after."""
    from planner.normalize import locations

    built = locations._gazetteer()
    monkeypatch.setattr(locations, "_kept", None)
    locations._gazetteer.cache_clear()
    yield built
    locations._gazetteer.cache_clear()
    monkeypatch.setattr(locations, "_build_gazetteer", lambda: built)
    locations._gazetteer()  # primed with the same object, without building it again


def test_gazetteer_is_kept_and_read_back(tmp_path: Path, fresh_gazetteer: Any) -> None:
    from planner.normalize import locations

    c = SourceCache(tmp_path / "cache")
    stale = tmp_path / "cache" / "gazetteer-0123456789abcdef.json"
    stale.parent.mkdir()
    stale.write_text("{}")
    path = c.keep_gazetteer()
    assert path.name == f"gazetteer-{cache.code_fingerprint()[:32]}.json"
    assert not stale.exists()  # another code version's
    built = locations._gazetteer()
    assert built.primary == fresh_gazetteer.primary  # built, as without a cache
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A new process reads it back instead of building it.
    locations._gazetteer.cache_clear()
    read = locations._read_gazetteer(path)
    assert read is not None and read == fresh_gazetteer
    assert read.primary["berlin"][0].country_code == "DE"
    size = path.stat().st_size
    assert c.clear() == (0, size) and not path.exists()  # cleared, but not an entry


def test_unreadable_gazetteer_is_rebuilt(
    tmp_path: Path, fresh_gazetteer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.normalize import locations

    c = SourceCache(tmp_path / "cache")
    path = c.keep_gazetteer()
    for damage in ('{"format": 1, "cities": [["x"]]', '{"format": 99}', "[1, 2]"):
        path.write_text(damage)
        assert locations._read_gazetteer(path) is None, damage
    assert locations._gazetteer() == fresh_gazetteer  # rebuilt and written again
    assert locations._read_gazetteer(path) == fresh_gazetteer


def test_reading_cache_does_not_write_the_gazetteer(tmp_path: Path, fresh_gazetteer: Any) -> None:
    from planner.normalize import locations

    path = SourceCache(tmp_path / "cache", write=False).keep_gazetteer()
    assert locations._gazetteer() == fresh_gazetteer
    assert not path.exists() and not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_a_real_build_keeps_the_gazetteer_for_the_next(example: Path, tmp_path: Path) -> None:
    env = {**os.environ, cache.CACHE_ENV: str(tmp_path / "cache")}
    ledger = str(tmp_path / "ledger.duckdb")
    for n, name in enumerate(("first", "second")):
        args = ["build", str(example), "--as-of", AS_OF, "--ledger", ledger]
        done = subprocess.run(
            [sys.executable, "-m", "planner", *args, "--out", str(tmp_path / name)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        [kept] = (tmp_path / "cache").glob("gazetteer-*.json")
        if n == 0:
            written = kept.stat().st_mtime_ns
    assert kept.stat().st_mtime_ns == written  # read by the second build, not written again


def _leftovers(c: SourceCache) -> list[str]:
    """Files of the cache directory other than the gazetteer."""
    if not c.directory.is_dir():
        return []
    return sorted(p.name for p in c.directory.iterdir() if not p.name.startswith("gazetteer-"))


def test_an_interrupted_build_leaves_no_entry(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`people` is written into the entry as it is made; Ctrl-C before the entry is complete
    leaves neither an entry nor its temporary file."""
    from datetime import date

    from planner.pipeline import steps

    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(steps, "assign_person_keys", interrupted)
    c = SourceCache(tmp_path / "cache")
    with pytest.raises(KeyboardInterrupt):
        pipeline.plan([example], as_of=date.fromisoformat(AS_OF), cache=c)
    assert _leftovers(c) == []


def _fail_in_entry(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Make writing the entry fail at `where` as a full disk would."""
    import duckdb

    from planner.normalize import enrich

    def full_disk(*_args: Any, **_kwargs: Any) -> Any:
        raise duckdb.IOException("No space left on device")

    if where == "normalizing":
        real = enrich.enrich

        def enrich_(*args: Any, catalog: str | None = None, **kwargs: Any) -> None:
            if catalog is not None:
                full_disk()
            real(*args, **kwargs)

        monkeypatch.setattr(enrich, "enrich", enrich_)
    elif where == "completing":
        monkeypatch.setattr(cache, "_source_document", full_disk)
    else:  # renaming into place

        def replace(*_args: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(cache.os, "replace", replace)


@pytest.mark.parametrize("where", ["normalizing", "completing", "renaming"])
def test_an_entry_that_cannot_be_written_never_fails_the_build(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    fresh = _outputs(example, None)
    _fail_in_entry(monkeypatch, where)
    c = SourceCache(tmp_path / "cache")
    built = _outputs(example, c)
    assert built[0].equals(fresh[0])
    assert built[1].equals(fresh[1])
    assert built[2] == fresh[2]
    assert _leftovers(c) == [], "no entry, no temporary file"


def test_clear_leaves_the_entry_a_running_build_is_writing(tmp_path: Path) -> None:
    """A build reads its candidates from the entry it is writing: `cache clear` from another
    process removes entries and a crashed build's leftovers, not that file."""
    c = SourceCache(tmp_path / "cache")
    c.directory.mkdir()
    done = c.directory / f"{'a' * 64}.duckdb"
    done.write_bytes(b"an entry")
    crashed = c.directory / f".{'b' * 64}.tmp-0001.duckdb"
    crashed.write_bytes(b"left by a build that died")
    writing = c.directory / f".{'c' * 64}.tmp-0002.duckdb"
    holder = (
        'import duckdb, sys; con = duckdb.connect(); con.execute("ATTACH ? AS e", [sys.argv[1]]);'
        " con.execute('CREATE TABLE e.people AS SELECT 1 AS row_id'); print('ready', flush=True);"
        " sys.stdin.readline()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(writing)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        count, _size = c.clear()
        assert count == 1
        left = sorted(p.name for p in c.directory.iterdir())
        assert left == [writing.name] or left == sorted([writing.name, writing.name + ".wal"])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)
    c.clear()
    assert list(c.directory.iterdir()) == [], "once the build is gone, its file goes too"
