"""A serializer whose output is byte-identical to JavaScript's `JSON.stringify` (compact form).

Differences from orjson/json that matter here: own-key order (array-index keys first), number
format (`1e+21`, `1.5e-7`, no `.0`, ints past 2**53 rounded to doubles, ±Infinity written as
`null`), lone surrogates written as `\\udxxx` escapes, `undefined` (inherited functions) dropped
from objects, and no recursion: values nested as deep as memory allows are written with an
explicit stack (JSON.stringify itself throws past `jsvalue.NESTING_LIMIT` levels; `dumps` does when
given that limit).
"""

from __future__ import annotations

import re
from typing import Any, Optional

import orjson

from .errors import StackOverflow
from .jsvalue import JSArrayPrototype, JSFunction, JSObjectPrototype, format_number, has_index_keys, js_keys

# What JSON.stringify escapes: '"', '\\', controls, and (well-formed JSON.stringify, ES2019) lone surrogates.
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\ud800-\udfff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ORJSON_DEPTH = 254  # orjson.dumps refuses deeper values
_INFINITY = float("inf")


def quote(text: str) -> str:
    """JSON.stringify of a string."""
    try:
        return orjson.dumps(text).decode()
    except TypeError:  # lone surrogates: orjson refuses them, JS escapes them
        # A high and a low surrogate side by side are one character to JS: pair them first.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def _escape_char(match: re.Match) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """`text` with each lone surrogate written as JSON.stringify escapes it (`\\udxxx`).

    For human-readable reports, which are UTF-8 text: a lone surrogate cannot be encoded there.
    """
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub(_escape_char, text)


def json_number(value: Any) -> str:
    """JSON.stringify of a number: String(n) for finite numbers, `null` for ±Infinity and NaN."""
    if type(value) is float and (value != value or value in (_INFINITY, -_INFINITY)):
        return "null"
    return format_number(value)


def is_undefined(value: Any) -> bool:
    """True for values JSON.stringify treats as undefined (functions)."""
    return isinstance(value, JSFunction)


def dumps(value: Any, limit: Optional[int] = None) -> str:
    """JSON.stringify(value) for JSON-decoded values; raises ValueError for undefined at top level.

    limit: the most levels of nesting to write, StackOverflow past it (None: no limit).
    """
    if is_undefined(value):
        raise ValueError("undefined has no JSON text")
    if _orjson_agrees(value):
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # a lone surrogate somewhere: the careful path escapes it as JS does
            pass
    return _encode(value, limit)


def _orjson_agrees(value: Any) -> bool:
    """True when orjson's text is JSON.stringify's: no floats, no big ints, no reordered keys, not deep."""
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return -(2**53) <= value <= 2**53
    if t is not dict and t is not list:
        return False
    stack = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > _ORJSON_DEPTH:
            return False
        items = container.values() if type(container) is dict else container
        if type(container) is dict:
            for key in container:
                if key and "0" <= key[0] <= "9":
                    return False
        for item in items:
            t = type(item)
            if t is dict or t is list:
                stack.append((item, depth + 1))
            elif t is int:
                if not -(2**53) <= item <= 2**53:
                    return False
            elif not (t is str or t is bool or item is None):
                return False
    return True


def _scalar(value: Any) -> str:
    t = type(value)
    if t is str:
        return quote(value)
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return json_number(value)
    if value is None:
        return "null"
    if t is JSObjectPrototype:
        return "{}"
    if t is JSArrayPrototype:
        return "[]"
    raise TypeError(f"cannot serialize {t.__name__}")


def _encode(value: Any, limit: Optional[int]) -> str:
    """The careful path: JS key order and number format, nested containers on an explicit stack."""
    out: list = []
    append = out.append
    # One frame per open container: (members iterator, is-object). A member follows a comma unless
    # the container was just opened (the last text written is its bracket).
    stack: list = []
    while True:
        # Write `value`; a container opens a frame and its members follow.
        t = type(value)
        if t is dict or t is list:
            if limit is not None and len(stack) >= limit:
                raise StackOverflow(limit)
            if t is dict:
                append("{")
                keys = js_keys(value) if has_index_keys(value) else value
                stack.append((iter([(key, value[key]) for key in keys]), True))
            else:
                append("[")
                stack.append((iter(value), False))
        else:
            append(_scalar(value))
        # Find the next member to write, closing the containers that are done.
        while stack:
            items, is_object = stack[-1]
            if is_object:
                for key, item in items:
                    if is_undefined(item):
                        continue
                    if out[-1] != "{":
                        append(",")
                    append(quote(key))
                    append(":")
                    value = item
                    break
                else:
                    stack.pop()
                    append("}")
                    continue
                break
            for item in items:
                if out[-1] != "[":
                    append(",")
                value = None if is_undefined(item) else item
                break
            else:
                stack.pop()
                append("]")
                continue
            break
        else:
            return "".join(out)
