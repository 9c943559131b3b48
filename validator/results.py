"""Validation results in the reference's exact shape, serialized as JSON.stringify would.

Shared by both kernels: they call into here only when something failed (an unplanned event, a
failed fast check, user attributes), so nothing here is on the valid path.
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import BatchFailure
from .jsout import dumps, quote
from .jsvalue import (
    ARRAY_MEMBERS,
    INHERITED_FUNCTIONS,
    INHERITED_NAMES,
    NESTING_LIMIT,
    JSArrayPrototype,
    JSFunction,
    JSObjectPrototype,
    check_clean_depth,
    clean,
    inherited_member,
    is_array_index,
    js_string,
)
from .matching import event_match_key, synthesize_match, unplanned_key
from .schema.collect import collect_errors
from .schema.jsregex import RegexTimeout

MISSING: Any = object()  # JS undefined: an absent value, or a key JSON.stringify drops

INVALID_VALUE_KEYWORDS = frozenset(
    {
        "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "format", "type", "const", "enum",
    }
)  # fmt: skip

# The result line of a batch with nothing to report.
VALID_RESULT = b'{"results":[],"batch":{}}'
RESULT_PREFIX = '{"event_type":"validation_result","data":{'
UNPLANNABLE_RESULT = (
    RESULT_PREFIX
    + '"validation_errors":[{"validation_error_type":"unplanned","key":"unknown","error_pointer":"#"}]}}'
)
INVALID_UA_SCHEMA_RESULT = (
    RESULT_PREFIX
    + '"match":{"type":"user_attributes"},"validation_errors":[{"validation_error_type":"unknown",'
    '"error_pointer":"#","actual":"Invalid JSON Schema","key":"user_attributes"}]}}'
)


# The error line for a RecursionError: every walk over the batch is iterative or bounded, so this is
# a last resort that keeps a run going (and tells why) should some path still recurse.
RECURSION_MESSAGE = "Maximum call stack size exceeded"  # V8's text: where Python's stack ran out too
RECURSION_ERROR_LINE = b'{"error":"' + RECURSION_MESSAGE.encode() + b'"}'


def error_line(message: str) -> bytes:
    """The `{"error":...}` line of a batch that cannot be validated.

    The message may quote data (a key, a value) holding lone surrogates, which orjson refuses.
    """
    return b'{"error":' + quote(message).encode() + b"}"


def event_timeout(exc: RegexTimeout, events: list, event: Any) -> RegexTimeout:
    """A regex timeout inside `event`, located in the batch: `/events/N/...` (N found by identity)."""
    for index, item in enumerate(events):
        if item is event:
            return exc.within(f"/events/{index}")
    return exc.within("/events")


def result_json(match_json: str, errors_json: list) -> str:
    """One validation_result object, from a serialized match and serialized errors."""
    return RESULT_PREFIX + '"match":' + match_json + ',"validation_errors":[' + ",".join(errors_json) + "]}}"


# Result texts recur across batches (the same bad value, the same unplanned event): memoized, and
# cleared when full so memory stays bounded.
_MEMO_LIMIT = 50_000
_UNPLANNED: dict = {}


def unplanned_result(event: dict) -> str:
    """The result of an event whose match key is not in the plan (memoized for the common shapes)."""
    data = event.get("data")
    memo_key: Any = None
    if type(data) is dict:
        event_type = event.get("event_type")
        if event_type == "custom_event":
            name, kind = data.get("event_name"), data.get("custom_event_type")
            if type(name) is str and type(kind) is str:
                memo_key = (name, kind)
        elif event_type == "screen_view":
            name = data.get("screen_name")
            if type(name) is str:
                memo_key = name
    if memo_key is None:
        return _unplanned_text(event)
    text = _UNPLANNED.get(memo_key)
    if text is None:
        if len(_UNPLANNED) >= _MEMO_LIMIT:
            _UNPLANNED.clear()
        text = _UNPLANNED[memo_key] = _unplanned_text(event)
    return text


def _unplanned_text(event: dict) -> str:
    key = unplanned_key(event)
    error = '{"validation_error_type":"unplanned","key":' + dumps(key) + ',"error_pointer":"#"}'
    return (
        RESULT_PREFIX + '"match":' + dumps(synthesize_match(event)) + ',"validation_errors":[' + error + "]}}"
    )


def schema_errors_json(node: Any, value: Any, lenient: bool) -> list:
    """Serialized validation_errors of `value` (un-cleaned) against a compiled schema; [] when valid."""
    errors = collect_errors(node, clean(None if value is MISSING else value), lenient)
    return [validation_error_json(error, value) for error in errors]


_ERROR_TEXT: dict = {}  # per (error, scalar actual), or per error when the actual is dropped
_SCALARS = (str, int, float, bool, type(None))
# Keywords whose validation_error drops the value found at the path: the reference computes its
# JSON text (getActual) and never uses it.
_ACTUAL_DROPPED = frozenset({"required", "additionalProperties", "additionalItems"})


def validation_error_json(error: Any, original: Any) -> str:
    """generateValidationError: map one ajv error to the reference's validation_error, serialized."""
    nodes = [segment for segment in error.path if segment != ""]
    return error_text(error, nodes, digin(original, nodes))


def error_text(error: Any, nodes: Sequence, found: Any) -> str:
    """The serialized validation_error of `error`, given its path's non-empty segments and the value
    digin found there (memoized where the text depends on the error and a scalar value only)."""
    kind = type(found)
    if kind in _SCALARS:
        memo_key: tuple = (error.keyword, error.path, error.message, error.param, kind, found)
    elif error.keyword in _ACTUAL_DROPPED and _flat(found):
        # The dropped JSON text of an object or array without nested ones cannot fail (only a
        # stack overflow could, on deep nesting): the text depends on the error alone.
        memo_key = (error.keyword, error.path, error.message, error.param)
    else:
        return _error_text(error, nodes, found)
    text = _ERROR_TEXT.get(memo_key)
    if text is None:
        if len(_ERROR_TEXT) >= _MEMO_LIMIT:
            _ERROR_TEXT.clear()
        text = _ERROR_TEXT[memo_key] = _error_text(error, nodes, found)
    return text


def _flat(value: Any) -> bool:
    """True for a JSON object or array that holds no object or array."""
    t = type(value)
    if t is dict:
        items: Any = value.values()
    elif t is list:
        items = value
    else:
        return False
    for item in items:
        t = type(item)
        if t is dict or t is list:
            return False
    return True


def _error_text(error: Any, nodes: Sequence, found: Any) -> str:
    pointer = "#" + "".join("/" + n for n in nodes)
    keyword = error.keyword
    actual = actual_value(found)
    key: Any = nodes[-1] if nodes else MISSING
    expected: Any = MISSING
    if keyword in INVALID_VALUE_KEYWORDS:
        kind, expected = "invalid_value", error.message
    elif keyword == "additionalProperties" or keyword == "additionalItems":
        kind = "unplanned"
        key = actual = MISSING if error.param is None else error.param
    elif keyword == "required":
        kind, expected, actual = "missing_required", error.param, MISSING
    elif keyword == "dependencies":
        kind, expected = "missing_required", error.message
    else:
        kind, expected = "unknown", error.message
    parts = []
    if actual is not MISSING:
        parts.append('"actual":' + (quote(actual) if type(actual) is str else dumps(actual)))
    parts.append('"error_pointer":' + quote(pointer))
    parts.append('"schema_keyword":' + quote(keyword))
    if key is not MISSING:
        parts.append('"key":' + quote(key))
    parts.append('"validation_error_type":"' + kind + '"')
    if expected is not MISSING:
        parts.append('"expected":' + (quote(expected) if type(expected) is str else dumps(expected)))
    return "{" + ",".join(parts) + "}"


def digin(element: Any, keys: list) -> Any:
    """The reference's digin: follow keys with `key in element`, silently skipping keys not found."""
    for key in keys:
        t = type(element)
        if t is dict:
            if key in element:
                element = element[key]
            elif key in INHERITED_NAMES:
                element = inherited_member(key)
        elif t is list:
            if is_array_index(key) and int(key) < len(element):
                element = element[int(key)]
            elif key == "length":
                element = len(element)
            elif key == "__proto__":
                element = JSArrayPrototype()
            elif key in ARRAY_MEMBERS or key in INHERITED_FUNCTIONS:
                element = JSFunction(key)
        elif t is JSObjectPrototype:  # reached through `__proto__`: its members are the inherited ones
            if key == "__proto__":
                element = None  # Object.prototype.__proto__ is null
            elif key in INHERITED_FUNCTIONS:
                element = JSFunction(key)
        elif t is JSArrayPrototype:  # an empty array whose own members are the array methods
            if key == "length":
                element = 0
            elif key == "__proto__":
                element = JSObjectPrototype()
            elif key in ARRAY_MEMBERS or key in INHERITED_FUNCTIONS:
                element = JSFunction(key)
        elif t is str or t is int or t is float or t is bool or element is None or element is MISSING:
            # V8 names the value as String() writes it: `true`, `1`, `1e+21`, the string itself.
            shown = "null" if element is None else "undefined" if element is MISSING else js_string(element)
            raise BatchFailure(f"Cannot use 'in' operator to search for '{key}' in {shown}")
    return element


def actual_value(value: Any) -> Any:
    """getActualValue: strings and numbers as they are, everything else as its JSON text.

    Raises StackOverflow for a value nested deeper than JSON.stringify can write (NESTING_LIMIT).
    """
    t = type(value)
    if t is str or t is int or t is float or value is MISSING:
        return value
    try:
        return dumps(value, NESTING_LIMIT)
    except ValueError:  # a function: JSON.stringify gives undefined, the key is dropped
        return MISSING


def check_stack(plan: Any, batch: Any) -> Any:
    """Return `batch`, or raise StackOverflow where the reference's null stripping would overflow.

    For batches nesting deeper than NESTING_LIMIT (parse_line raises DeepBatch for those). The
    reference strips nulls recursively from every event that has a data point and from the user
    attributes it validates, valid or not, while the kernels' fast checks never walk a whole value;
    checking the depth that stripping them reaches fails the batch exactly when that recursion would.
    """
    if type(batch) is not dict:
        return batch
    events = batch.get("events")
    if type(events) is list:
        for event in events:
            if type(event) is dict:
                key = event_match_key(event)
                if key and key in plan.lookup:
                    check_clean_depth(event)
    if plan.ua_mode == "validate":
        check_clean_depth(batch.get("user_attributes"))
    return batch
