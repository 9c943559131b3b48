"""Where the reader of the current input is, for the progress line: no reader logic, one slot.

open_records (and iter_line_chunks, which cuts plain files for --jobs) name the file they read and a
way to ask how far into it they are, as stored: the raw file's offset, so for gzip the compressed
bytes. The progress line polls it a few times a second; nothing in the read loop pays for it.
"""

from __future__ import annotations

from typing import Callable, Optional

_reading: Optional[tuple[str, Callable[[], int]]] = None


def track(source: str, tell: Callable[[], int]) -> None:
    """Record that `source` is being read and `tell()` gives the offset reached in it."""
    global _reading
    _reading = (source, tell)


def current_position() -> Optional[tuple[str, int]]:
    """(source, offset) of the input being read, or None when nothing is (or its file is closed)."""
    reading = _reading
    if reading is None:
        return None
    try:
        return reading[0], reading[1]()
    except (OSError, ValueError):  # closed: that file is done, the next one is not open yet
        return None
