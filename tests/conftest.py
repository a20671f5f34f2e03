"""Shared test fixtures: the campaign files the ledger, outcome and pipeline tests build from
(`write_campaign`), and a private, throwaway PostgreSQL server for the tests marked `pg`
(planner.ledger.pg).

One cluster per test session: `initdb` + `pg_ctl` in a temporary directory, listening on a free
port on 127.0.0.1 only, trust authentication (nothing but this machine can reach it, and no
password exists to leak), stopped and removed at the end. Each test gets a database of its own.

initdb and postgres refuse to run as root: as root (CI), they run as the `postgres` user that
Debian's package creates, via `runuser`. Without PostgreSQL binaries the `pg` tests skip with a
reason, unless `PLANNER_REQUIRE_PG=1` (set by `.ci/run`), which turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

REQUIRE_ENV = "PLANNER_REQUIRE_PG"

# --------------------------------------------------------------------------- campaign files

#: The message of every test campaign (`{{{{` is a template's `{{` after str.format).
BODY = (
    "    Hi {{{{ first_name }}}}, your work as {{{{ current_title }}}} caught my eye.\n"
    "    {{{{ role.company }}}} is hiring a {{{{ role.title }}}}.\n"
    "    Would you be open to a short call next week? - {{{{ sender.name }}}}\n"
)
OPT_OUT_LINE = "    Not interested? Reply and I won't contact you again.\n"

#: A follow-up body in the style of BODY (`{n}`: its step).
FOLLOWUP_BODY = (
    "Hi {{{{ first_name }}}}, a short reminder ({n}) about the {{{{ role.title }}}} role at"
    " {{{{ role.company }}}} for a {{{{ current_title }}}}. Would a short call suit you? -"
    " {{{{ sender.name }}}}"
)


def write_campaign(
    directory: Path,
    cid: str,
    files: Sequence[str],
    *,
    sender: str = "dana",
    channel: str = "inmail",
    limit: int | None = None,
    window: int = 30,
    max_touches: int = 1,
    exempt: float | None = None,
    followups: Sequence[int] | None = None,
    followups_count: bool = True,
    suppression: Sequence[str] | None = None,
    disinterest: int = 180,
    guardrail: Mapping[str, object] | None = None,
    opt_out: bool = False,
) -> Path:
    """`DIRECTORY/CID.yaml`: a campaign with no audience criteria (everyone fits, score 0 or
    more), so the ledger, the lists and the guardrail alone decide who is out.

    `files` are its candidate files (relative to `directory`); `followups` the `after_days` of
    each follow-up (bodies FOLLOWUP_BODY); `suppression` its suppression files (with
    `disinterest` days); `guardrail` its guardrail keys; `opt_out` adds an opt-out line to the
    body. Everything else is the campaign model's default.
    """
    caps = f"window_days: {window}, max_touches: {max_touches}"
    caps += "" if followups_count else ", followups_count: false"
    caps += f", exempt_min_score: {'null' if exempt is None else exempt}"
    lines = [
        "version: 1",
        f"id: {cid}",
        "role: {title: Data Engineer, company: Acme Analytics}",
        f"sender: {{id: {sender}, name: Dana Reyes}}",
        "candidates:",
        f"  paths: [{', '.join(files)}]",
        "ranking: {min_score: 0" + ("" if limit is None else f", limit: {limit}") + "}",
        f"caps: {{{caps}}}",
    ]
    if suppression is not None:
        lines += [
            "suppression:",
            f"  files: [{', '.join(suppression)}]",
            f"  disinterest_days: {disinterest}",
        ]
    if guardrail is not None:
        lines.append("guardrail: {" + ", ".join(f"{k}: {v}" for k, v in guardrail.items()) + "}")
    body = (BODY + (OPT_OUT_LINE if opt_out else "")).replace("{{{{", "{{").replace("}}}}", "}}")
    lines += [
        "message:",
        f"  channel: {channel}",
        '  subject: "{{ role.title }} at {{ role.company }}"',
        "  body: |",
        body.rstrip("\n"),
        "  min_personal_fields: 1",
    ]
    if followups:
        lines.append("  followups:")
        for k, days in enumerate(followups):
            text = FOLLOWUP_BODY.format(n=k + 1).replace("{{{{", "{{").replace("}}}}", "}}")
            lines += [f"    - after_days: {days}", f'      body: "{text}"']
    path = directory / f"{cid}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- PostgreSQL


def _bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """A running throwaway cluster; `database()` makes a fresh database and returns its URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="planner-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.user = "planner"
        self._runas: list[str] = []
        self._counter = itertools.count(1)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self._runas = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._runas, *args], check=True, capture_output=True, text=True, cwd=self.base
        )

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
            "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off"
            " -c max_connections=60"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.base / "log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        import psycopg

        name = f"t{next(self._counter)}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _bindir()
    if bindir is None:
        reason = "no PostgreSQL binaries (initdb) found: apt-get install -y postgresql"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    server = PgServer(bindir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the throwaway server."""
    return pg_server.database()
