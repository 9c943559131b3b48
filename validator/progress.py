"""The progress line on stderr: only on a terminal, never when the CI variable is set, never with -q.

Hand-written rather than rich or tqdm: the per-batch cost must stay one call that adds three numbers
(the clock is read only every `step` batches, `step` sized to the input's rate), and what the line
needs beyond their formatting, the input's position as stored (compressed bytes for gzip), comes
from the readers' position slot anyway. rich would add its import (~60 ms) to every run's start-up.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from typing import IO, Any, Callable, Optional

from .readers.position import current_position

INTERVAL = 0.25  # at most 4 redraws a second
MAX_STEP = 4096


def interactive(stream: IO[Any]) -> bool:
    """Whether a progress line belongs on `stream`: a terminal, outside CI."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _input_sizes(paths: Any) -> Optional[list]:
    """Each input's size in bytes, or None when one is a stream (stdin, a FIFO): no total then."""
    sizes = []
    for path in paths:
        if path == "-":
            return None
        try:
            info = os.stat(path)
        except OSError:
            sizes.append(0)  # missing or unreadable: its reader reports it, it adds nothing to read
            continue
        if not stat.S_ISREG(info.st_mode):
            return None
        sizes.append(info.st_size)
    return sizes


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class Progress:
    """Percent of the input read, elapsed, ETA, MB/s, events/s, the file being read and violations so far.

    Takes the stream (stderr), `enabled` (None: when `interactive`), the input paths in reading order
    (their sizes give the total; a stream among them means no percent or ETA) and `position`, which
    gives (source, offset) of the input being read (the readers' slot).
    """

    def __init__(
        self,
        stream: Optional[IO[str]] = None,
        enabled: Optional[bool] = None,
        paths: Any = (),
        position: Callable[[], Optional[tuple]] = current_position,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = interactive(self.stream) if enabled is None else enabled
        self.position = position
        self.started = self.drawn = time.monotonic()
        self.bytes = self.batches = self.invalid = self.events = 0
        self.step = 64
        self.check_at = self.step if self.enabled else sys.maxsize  # disabled: never looks at the clock
        self.shown = False
        self.file = ""
        self.done = 0  # bytes of the input read, as stored
        sizes = _input_sizes(paths) if self.enabled else None
        self.total = sum(sizes) if sizes is not None else None
        self.before: dict = {}  # source -> bytes of the inputs before it
        self.through: dict = {}  # source -> bytes of the inputs up to its end
        if sizes is not None:
            offset = 0
            for path, size in zip(paths, sizes):
                self.before.setdefault(path, offset)
                offset += size
                self.through.setdefault(path, offset)

    def update(self, size: int, valid: bool, events: int = 0) -> None:
        """Count one batch: its size in bytes (decompressed), whether it is valid, its events."""
        self.bytes += size
        self.batches += 1
        self.invalid += not valid
        if events > 0:
            self.events += events
        if self.batches >= self.check_at:
            self._tick()

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self.drawn >= INTERVAL:
            self.drawn = now
            self._draw(now)
        # The next look at the clock after about a quarter interval's batches at the rate so far.
        rate = self.batches / max(now - self.started, 1e-6)
        self.step = max(1, min(MAX_STEP, int(rate * INTERVAL / 4)))
        self.check_at = self.batches + self.step

    def line(self, now: float) -> str:
        """The figures of the progress line (the file name is added to fit the terminal's width)."""
        where = self.position()
        if where is not None:
            source, offset = where
            self.file = source
            if source in self.before:
                self.done = max(self.done, self.before[source] + offset)
        elif self.file in self.through:  # the file last seen is closed: read to its end (or given up)
            self.done = max(self.done, self.through[self.file])
        elapsed = max(now - self.started, 1e-9)
        parts = []
        if self.total:
            done = min(self.done, self.total)
            parts.append(f"{100 * done / self.total:3.0f}%")
            parts.append(f"{done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB")
            read = done
        else:
            parts.append(f"{self.bytes / 1e6:,.1f} MB")
            read = self.bytes
        parts.append(_clock(elapsed))
        if self.total and 0 < self.done < self.total:
            parts.append(f"ETA {_clock(elapsed * (self.total - self.done) / self.done)}")
        parts.append(f"{read / 1e6 / elapsed:,.1f} MB/s")
        parts.append(f"{self.events / elapsed:,.0f} events/s")
        parts.append(f"{self.batches:,} batches, {self.invalid:,} invalid")
        return "  ".join(parts)

    def update_block(self, size: int, batches: int, invalid: int, events: int) -> None:
        """Count a block of batches at once: bytes, batches, those not valid, and their events."""
        self.bytes += size
        self.batches += batches
        self.invalid += invalid
        self.events += events
        if self.batches >= self.check_at:
            self._tick()

    def _draw(self, now: float) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        text = self.line(now)
        room = width - len(text) - 2
        name = self.file if len(self.file) <= room else os.path.basename(self.file)
        if len(name) > room:
            name = "…" + name[-(room - 1) :] if room > 8 else ""
        if name:
            text += "  " + name
        self.stream.write("\r" + text[:width] + "\x1b[K")  # erase what a longer line left
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Draw the final figures and end the line (when a line was shown at all)."""
        if self.enabled and self.shown:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
