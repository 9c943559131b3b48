"""Parse one JSON text the way JSON.parse would, fast path orjson."""

from __future__ import annotations

import json
from typing import Any

import orjson

from .errors import BatchFailure


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_fallback = json.JSONDecoder(parse_constant=_reject_constant)


def parse_line(line: bytes | str) -> Any:
    """Decode one JSON document; raise BatchFailure when JSON.parse would throw.

    orjson refuses a few texts JSON.parse accepts (lone surrogate escapes, nesting deeper than
    1024, numbers beyond double range); the standard library decodes those.
    """
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        first_error = exc
    try:
        text = line.decode("utf-8") if isinstance(line, (bytes, bytearray, memoryview)) else line
        return _fallback.decode(text)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise BatchFailure(f"not valid JSON: {first_error}") from None
