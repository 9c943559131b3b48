"""Colour in the human text formats (validate's summary, lint's text, diff's text), never in machine ones.

`--color auto` colours only a terminal, and follows the conventions: NO_COLOR (no-color.org) turns it
off, FORCE_COLOR turns it on where no terminal is (CI logs); `always` and `never` override both.
"""

from __future__ import annotations

import os
from typing import IO, Any, Optional

CHOICES = ("auto", "always", "never")
_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "cyan": "36", "dim": "2"}


def use_color(choice: str, stream: Optional[IO[Any]]) -> bool:
    """Whether to colour text written to `stream` (None: a file, never a terminal) under --color `choice`."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream (test runners)
        return False


class Style:
    """Wraps text in ANSI SGR codes when enabled; otherwise returns it as it is."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        codes = ";".join(_CODES[name] for name in styles if name)  # "": no style
        if not self.enabled or not codes:
            return text
        return f"\x1b[{codes}m{text}\x1b[0m"


PLAIN = Style(False)
