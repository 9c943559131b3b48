"""Parse one JSON text the way JSON.parse would, fast path orjson.

orjson refuses a few texts the reference reads: invalid UTF-8 (Node decodes its input replacing
each maximal invalid subsequence with U+FFFD, as Python's "replace" does), lone surrogate escapes,
numbers beyond the double range (JSON.parse reads ±Infinity) and nesting deeper than 1024. Only
then does a fallback run: the standard library's decoder, or, for deep texts, an iterative parser.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

import orjson

from .errors import BatchFailure, DeepBatch
from .jsonerror import parse_error_message
from .jsvalue import NESTING_LIMIT

_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _integer(text: str) -> Any:
    """An integer literal as orjson reads it: an int within 64 bits, beyond that a double.

    JSON.parse reads every number as a double, so nothing is lost that the reference keeps, and
    `int()` would refuse literals past 4300 digits (JavaScript reads those as ±Infinity).
    """
    if len(text) <= 20:
        value = int(text)
        if _INT64_MIN <= value <= _UINT64_MAX:
            return value
    return float(text)


_fallback = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_integer)


def _decode_refused(text: bytes | bytearray | memoryview | str, first_error: Exception) -> tuple:
    """(value, deep) for a text orjson refused, deep when it nests deeper than NESTING_LIMIT.

    Raises ValueError (with the most telling message) where JSON.parse throws.
    """
    if not isinstance(text, str):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Node's UTF-8 decoding replaces each maximal invalid subsequence with U+FFFD (WHATWG);
            # Python's "replace" handler gives the same code points.
            text = raw.decode("utf-8", "replace")
            try:
                return orjson.loads(text), False
            except orjson.JSONDecodeError as exc:
                first_error = exc  # "not valid UTF-8" no longer says what is wrong
    if not str(first_error).startswith("depth limit exceeded"):
        try:
            return _fallback.decode(text), False
        except RecursionError:  # nested too deep for the recursive decoder: parse iteratively
            pass
        except ValueError:
            raise ValueError(str(first_error)) from None
    try:
        value, depth = _parse_iteratively(text)
    except ValueError:
        raise ValueError(str(first_error)) from None
    return value, depth > NESTING_LIMIT


def decode_json(text: bytes | bytearray | memoryview | str) -> Any:
    """Decode one JSON text as JSON.parse would; ValueError (with orjson's message) if it would throw."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _decode_refused(text, exc)[0]


def parse_line(line: bytes | str) -> Any:
    """Decode one JSON document (the hot path: orjson inline); BatchFailure when JSON.parse would throw.

    Raises DeepBatch (holding the value) when it nests deeper than NESTING_LIMIT: whether the
    reference overflows its stack on it depends on the plan (`results.check_stack`).
    """
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            value, deep = _decode_refused(line, exc)
        except ValueError as refused:
            raise BatchFailure(_refusal(line, refused)) from None
        if deep:
            raise DeepBatch(value, NESTING_LIMIT) from None
        return value


def _refusal(line: bytes | str, refused: ValueError) -> str:
    """JSON.parse's own message for a text it throws on (the reference's error line says it)."""
    text = line if isinstance(line, str) else bytes(line).decode("utf-8", "replace")  # as Node decodes
    message = parse_error_message(text)
    return message if message is not None else f"not valid JSON: {refused}"


# -- the iterative parser -------------------------------------------------------------------------

# A token after optional whitespace (JSON.parse's four characters, no more), one group per kind.
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:(\[)|(\{)|"([^"\\\x00-\x1f]*)"|(")|(-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)'
    r"|(true|false|null)|(\])|(\})|(,)|(:))"
)
(
    OPEN_ARRAY,
    OPEN_OBJECT,
    PLAIN_STRING,
    STRING,
    NUMBER,
    FRACTION,
    EXPONENT,
    LITERAL,
    CLOSE_ARRAY,
    CLOSE_OBJECT,
    COMMA,
    COLON,
) = range(1, 13)
_LITERALS = {"true": True, "false": False, "null": None}
_OPENING_ARRAYS = re.compile(r"(?:[ \t\n\r]*\[)*")
_CLOSING = re.compile(r"(?:[ \t\n\r]*[\]}])*")
_PLAIN_NAME = re.compile(r'[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')
_OPENING_MEMBER = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')
# What the parser expects next.
_VALUE, _VALUE_OR_CLOSE, _NAME, _NAME_OR_CLOSE, _COLON, _AFTER = range(6)
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _parse_iteratively(text: str) -> tuple:
    """JSON.parse of `text` with an explicit stack, for any depth: (value, deepest nesting).

    One regular-expression match per token; strings with escapes go through the standard library's
    scanner (escapes, surrogate pairs, strict controls), numbers are read as the fallback decoder
    reads them. Raises ValueError where JSON.parse throws.
    """
    token = _TOKEN.match
    containers: list = []  # the open arrays and objects, innermost last
    names: list = []  # for each: the name of the member being read (objects)
    deepest = 0
    pos = 0
    state = _VALUE
    while True:
        found = token(text, pos)
        if found is None:
            raise ValueError(f"unexpected text at char {pos}")
        kind: Any = found.lastindex
        pos = found.end()
        if state <= _VALUE_OR_CLOSE:
            if kind == OPEN_ARRAY:
                # Deep texts are mostly runs of brackets: open a run of arrays in one step.
                run = _OPENING_ARRAYS.match(text, pos)
                for _ in range(run.group().count("[")):  # type: ignore[union-attr]
                    containers.append([])
                    names.append(None)
                pos = run.end()  # type: ignore[union-attr]
            if kind in (OPEN_ARRAY, OPEN_OBJECT):
                containers.append([] if kind == OPEN_ARRAY else {})
                names.append(None)
                state = _VALUE_OR_CLOSE if kind == OPEN_ARRAY else _NAME_OR_CLOSE
                if kind == OPEN_OBJECT:
                    # a plain member name, and a run of `{"name":` openings, in one step each
                    member = _PLAIN_NAME.match(text, pos)
                    if member is not None:
                        names[-1], pos, state = member.group(1), member.end(), _VALUE
                        member = _OPENING_MEMBER.match(text, pos)
                        while member is not None:
                            containers.append({})
                            names.append(member.group(1))
                            pos = member.end()
                            member = _OPENING_MEMBER.match(text, pos)
                if len(containers) > deepest:
                    deepest = len(containers)
                continue
            if kind == PLAIN_STRING:
                value = found.group(PLAIN_STRING)
            elif kind == STRING:
                value, pos = scanstring(text, pos, True)
            elif kind == NUMBER:
                literal = found.group(NUMBER)
                fraction = found.group(FRACTION) or found.group(EXPONENT)
                value = float(literal) if fraction else _integer(literal)
            elif kind == LITERAL:
                value = _LITERALS[found.group(LITERAL)]
            elif kind == CLOSE_ARRAY and state == _VALUE_OR_CLOSE:
                names.pop()
                value = containers.pop()
            else:
                raise ValueError(f"expecting a value at char {found.start(kind)}")
        elif state == _AFTER:
            top = containers[-1]
            if kind == COMMA:
                state = _VALUE if type(top) is list else _NAME
                continue
            if kind != (CLOSE_ARRAY if type(top) is list else CLOSE_OBJECT):
                closer = "]" if type(top) is list else "}"
                raise ValueError(f"expecting ',' or '{closer}' at char {found.start(kind)}")
            names.pop()
            value = containers.pop()
            # and close a run of containers in one step
            run = _CLOSING.match(text, pos)
            if run.end() > pos:  # type: ignore[union-attr]
                for closer in run.group():  # type: ignore[union-attr]
                    if closer in " \t\n\r":
                        continue
                    if not containers or closer != ("]" if type(containers[-1]) is list else "}"):
                        raise ValueError(f"unexpected '{closer}' near char {pos}")
                    top = containers[-1]
                    if type(top) is list:
                        top.append(value)
                    else:
                        top[names[-1]] = value
                    names.pop()
                    value = containers.pop()
                pos = run.end()  # type: ignore[union-attr]
        elif state == _COLON:
            if kind != COLON:
                raise ValueError(f"expecting ':' at char {found.start(kind)}")
            state = _VALUE
            continue
        else:  # a member name
            if kind == PLAIN_STRING:
                names[-1] = found.group(PLAIN_STRING)
            elif kind == STRING:
                names[-1], pos = scanstring(text, pos, True)
            elif kind == CLOSE_OBJECT and state == _NAME_OR_CLOSE:
                names.pop()
                value = containers.pop()
                state = _AFTER  # falls through to store the empty object
            else:
                raise ValueError(f"expecting a property name at char {found.start(kind)}")
            if kind != CLOSE_OBJECT:
                state = _COLON
                continue
        # Store `value` in the innermost open container (a repeated name keeps its first place).
        if not containers:
            if _WHITESPACE.match(text, pos).end() != len(text):  # type: ignore[union-attr]
                raise ValueError(f"unexpected text after the value at char {pos}")
            return value, deepest
        top = containers[-1]
        if type(top) is list:
            top.append(value)
        else:
            top[names[-1]] = value
        state = _AFTER
