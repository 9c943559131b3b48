"""A one-line progress display on stderr (only when stderr is a terminal)."""

from __future__ import annotations

import sys
import time
from typing import IO, Optional


class Progress:
    """Bytes read, batches per second and invalid batches so far, redrawn at most 4 times a second."""

    def __init__(self, stream: Optional[IO[str]] = None, enabled: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = self.drawn = time.monotonic()
        self.bytes = self.batches = self.invalid = 0

    def update(self, size: int, valid: bool) -> None:
        self.bytes += size
        self.batches += 1
        self.invalid += not valid
        if self.enabled and self.batches % 256 == 0:
            now = time.monotonic()
            if now - self.drawn >= 0.25:
                self.drawn = now
                self._draw(now)

    def update_block(self, size: int, batches: int, invalid: int) -> None:
        """A block of `batches` batches (`invalid` of them not valid) and `size` bytes, at once."""
        self.bytes += size
        self.batches += batches
        self.invalid += invalid
        if self.enabled:
            now = time.monotonic()
            if now - self.drawn >= 0.25:
                self.drawn = now
                self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.batches / max(now - self.started, 1e-9)
        text = (
            f"\r{self.bytes / 1e6:,.1f} MB  {self.batches:,} batches  {rate:,.0f}/s  {self.invalid:,} invalid"
        )
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.batches >= 256:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
