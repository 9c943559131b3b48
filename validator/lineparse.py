"""Parse one JSON text the way JSON.parse would, fast path orjson."""

from __future__ import annotations

import json
from typing import Any

import orjson

from .errors import BatchFailure


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_fallback = json.JSONDecoder(parse_constant=_reject_constant)


def _decode_refused(text: bytes | str, first_error: Exception) -> Any:
    """The standard library's try at a text orjson refused; ValueError (orjson's message) if it fails too.

    orjson refuses a few texts JSON.parse accepts (lone surrogate escapes, nesting deeper than
    1024, numbers beyond double range); the standard library decodes those.
    """
    try:
        decoded = text.decode("utf-8") if isinstance(text, (bytes, bytearray, memoryview)) else text
        return _fallback.decode(decoded)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValueError(str(first_error)) from None


def decode_json(text: bytes | str) -> Any:
    """Decode one JSON text as JSON.parse would; ValueError (with orjson's message) if it would throw."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _decode_refused(text, exc)


def parse_line(line: bytes | str) -> Any:
    """Decode one JSON document (the hot path: orjson inline); BatchFailure when JSON.parse would throw."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            return _decode_refused(line, exc)
        except ValueError as refused:
            raise BatchFailure(f"not valid JSON: {refused}") from None
