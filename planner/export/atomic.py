"""Atomic file writes: a temporary name in the target directory, then `os.replace`.

A reader (or a crash) never sees half a file: either the previous file or the complete new one.
The temporary file is created by `tempfile.mkstemp`, so outputs are private to the user (mode
0600) like the ledger: they hold personal data. Errors become `ExportError` naming the path only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from planner.errors import ExportError
from planner.files import sha256_file


@contextlib.contextmanager
def atomic_path(path: Path, *, sync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success fsync it and rename it over `path`.

    On any error the temporary file is removed and nothing at `path` changes. With
    `sync=False` the caller makes the file durable itself (`sync_and_hash`, which a build
    runs in a thread while DuckDB writes the next file): the rename still happens only once
    the file is complete.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise _error(path, exc) from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        # A writer may have replaced the temporary file with one of its own (DuckDB's COPY
        # does, with the umask's 0644): the mode is set again before the file is published.
        os.chmod(tmp, 0o600)
        if sync:
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _error(path, exc) from exc
        raise
    if sync:
        _fsync_dir(path.parent)


def sync_and_hash(path: Path) -> str:
    """The second half of `atomic_path(path, sync=False)`: fsync the published file and its
    directory, then return its sha256. Errors become `ExportError` naming the path only.

    A build runs it in a thread for each excluded.csv (0.2 s of fsync and 0.2 s of hashing
    per 1M rows, both releasing the GIL) while DuckDB writes the next file.
    """
    try:
        with path.open("rb+") as fh:
            os.fsync(fh.fileno())
        _fsync_dir(path.parent)
        return sha256_file(path)
    except OSError as exc:
        raise _error(path, exc) from exc


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable where the platform allows fsync on a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _error(path: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or type(exc).__name__
    return ExportError(
        f"{path}: cannot write export file: {reason}",
        hint="check that the output directory is writable and the disk is not full",
    )
