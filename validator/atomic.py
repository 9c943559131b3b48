"""Atomic file output: write a temp file beside the target, rename it over the target on success.

The destination is never seen half-written, even after kill -9 (then a hidden temp file may stay
behind, the destination untouched). On any exception, KeyboardInterrupt and the CLI's SIGTERM
exception included, the temp file is removed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from typing import IO, Iterator, Optional


class OutputError(Exception):
    """An output file cannot be created (no such directory, no permission); the message names it."""


def output_target(path: str) -> str:
    """The file that writing `path` changes: symbolic links followed, so a link stays a link."""
    return os.path.realpath(path)


def _umask() -> int:
    # The umask can only be read by setting it; this runs once per output file, before any thread
    # of ours could create files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: Optional[str]) -> Iterator[IO[bytes]]:
    """A binary stream for `path` ("-" or None: stdout) that appears whole or not at all.

    A new file gets the mode the umask gives (0644 under 022), a replaced file keeps its mode, and
    a path that is a symbolic link has its target replaced. Raises OutputError when the file cannot
    be created; write errors (a full disk) propagate as OSError after the temp file is removed.
    """
    if path in (None, "-"):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = output_target(str(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        # A device or pipe (/dev/null, a FIFO): renaming over it would replace it, so write through.
        try:
            stream = open(target, "wb", buffering=1 << 20)  # noqa: SIM115
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        with stream:
            yield stream
        return
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise OutputError(f"cannot write {path}: there is no directory {directory}")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        # mkstemp creates 0600; the result should look like any file the user writes (or keep the
        # mode of the file it replaces)
        with os.fdopen(handle, "wb", buffering=1 << 20) as stream:
            os.fchmod(stream.fileno(), stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
            yield stream
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
