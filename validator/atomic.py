"""Atomic file output: write a temp file beside the target, rename it over the target on success."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from typing import IO, Iterator, Optional


@contextlib.contextmanager
def atomic_output(path: Optional[str]) -> Iterator[IO[bytes]]:
    """A binary stream for `path` ("-" or None: stdout) that appears whole or not at all."""
    if path in (None, "-"):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = os.path.abspath(str(path))
    if os.path.exists(target) and not os.path.isfile(target):
        # A device or pipe (/dev/null, a FIFO): renaming over it would replace it, so write through.
        with open(target, "wb", buffering=1 << 20) as stream:
            yield stream
        return
    handle, temp = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target)
    )
    try:
        with os.fdopen(handle, "wb", buffering=1 << 20) as stream:
            yield stream
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
