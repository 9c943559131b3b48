"""A serializer whose output is byte-identical to JavaScript's `JSON.stringify` (compact form).

Differences from orjson/json that matter here: own-key order (array-index keys first), number
format (`1e+21`, `1.5e-7`, no `.0`, ints past 2**53 rounded to doubles), lone surrogates written
as `\\udxxx` escapes, and `undefined` (inherited functions) dropped from objects.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .jsvalue import JSFunction, JSObjectPrototype, format_number, has_index_keys, js_keys

_SURROGATE = re.compile("[\ud800-\udfff]")
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    """JSON.stringify of a string."""
    try:
        return orjson.dumps(text).decode()
    except TypeError:  # lone surrogates: orjson refuses them, JS escapes them
        return '"' + _NEEDS_ESCAPE.sub(_escape_char, _SURROGATE.sub(_escape_surrogate, text)) + '"'


def _escape_char(match: re.Match) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _escape_surrogate(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def is_undefined(value: Any) -> bool:
    """True for values JSON.stringify treats as undefined (functions)."""
    return isinstance(value, JSFunction)


def dumps(value: Any) -> str:
    """JSON.stringify(value) for JSON-decoded values; raises ValueError for undefined at top level."""
    if is_undefined(value):
        raise ValueError("undefined has no JSON text")
    if _orjson_agrees(value):
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # a lone surrogate somewhere: the careful path escapes it as JS does
            pass
    parts: list = []
    _encode(value, parts)
    return "".join(parts)


def _orjson_agrees(value: Any) -> bool:
    """True when orjson's text is JSON.stringify's: no floats, no big ints, no reordered keys."""
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return -(2**53) <= value <= 2**53
    if t is dict:
        for key, item in value.items():
            if (key and "0" <= key[0] <= "9") or not _orjson_agrees(item):
                return False
        return True
    if t is list:
        for item in value:
            if not _orjson_agrees(item):
                return False
        return True
    return False


def _encode(value: Any, out: list) -> None:
    t = type(value)
    if t is str:
        out.append(quote(value))
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int or t is float:
        out.append(format_number(value))
    elif value is None:
        out.append("null")
    elif t is dict:
        _encode_object(value, out)
    elif t is list:
        out.append("[")
        first = True
        for item in value:
            if not first:
                out.append(",")
            first = False
            if is_undefined(item):
                out.append("null")
            else:
                _encode(item, out)
        out.append("]")
    elif t is JSObjectPrototype:
        out.append("{}")
    else:
        raise TypeError(f"cannot serialize {t.__name__}")


def _encode_object(obj: dict, out: list) -> None:
    keys = js_keys(obj) if has_index_keys(obj) else obj
    out.append("{")
    first = True
    for key in keys:
        item = obj[key]
        if is_undefined(item):
            continue
        if not first:
            out.append(",")
        first = False
        out.append(quote(key))
        out.append(":")
        _encode(item, out)
    out.append("}")
