"""A quick yes to "is this schema valid against the draft-07 meta-schema?", for the common shapes.

Every data point's schema is checked against the meta-schema when a plan compiles, as ajv does;
with the collector (collect.py) that check is a good part of start-up. `surely_valid` walks the
schema once, keyword by keyword, and answers True only where the meta-schema certainly passes it.
Anything it does not model (enums of objects or arrays, more subschemas than it walks) answers
False, and the collector decides and words the
errors. So it never changes a verdict; tests/test_metacheck.py checks that on every schema the
test data holds and on mutations of them.
"""

from __future__ import annotations

from typing import Any, Callable

from .formats import FORMATS

SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_MAX_SCHEMAS = 100_000  # subschemas walked before leaving the answer to the collector

_is_regex: Callable[[str], bool] = FORMATS["regex"]


def _number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _count(value: Any) -> bool:
    """nonNegativeInteger: JavaScript calls 3.0 an integer too."""
    return (type(value) is int and value >= 0) or (type(value) is float and value.is_integer() and value >= 0)


def _strings(value: Any) -> bool:
    """stringArray: distinct strings."""
    return type(value) is list and all(type(item) is str for item in value) and len(set(value)) == len(value)


def _formatted(test: Callable[[str], bool], value: Any) -> bool:
    try:
        return type(value) is str and test(value)
    except Exception:  # a time limit, say: the collector decides
        return False


def _pattern(value: Any) -> bool:
    return _formatted(_is_regex, value)


_STRING_KEYWORDS = ("$comment", "title", "description", "format", "contentMediaType", "contentEncoding")
_NUMBER_KEYWORDS = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")
_COUNT_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_SCHEMA_KEYWORDS = (
    "additionalItems", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not",
)
_SCHEMA_MAPS = ("definitions", "properties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_URI_KEYWORDS = (
    ("$id", FORMATS["uri-reference"]), ("$schema", FORMATS["uri"]), ("$ref", FORMATS["uri-reference"]),
)


def surely_valid(schema: Any) -> bool:
    """True only when `schema` is valid against the draft-07 meta-schema (False: unsure)."""
    pending = [schema]
    walked = 0
    while pending:
        node = pending.pop()
        walked += 1
        if walked > _MAX_SCHEMAS:
            return False
        if type(node) is bool:
            continue
        if type(node) is not dict:
            return False
        if not _keywords_valid(node, pending):
            return False
    return True


def _keywords_valid(node: dict, pending: list) -> bool:
    """Checks one schema object's own keywords; queues its subschemas on `pending`."""
    for name, test in _URI_KEYWORDS:
        if name in node and not _formatted(test, node[name]):
            return False
    for name in _STRING_KEYWORDS:
        if name in node and type(node[name]) is not str:
            return False
    for name in _NUMBER_KEYWORDS:
        if name in node and not _number(node[name]):
            return False
    for name in _COUNT_KEYWORDS:
        if name in node and not _count(node[name]):
            return False
    if "multipleOf" in node and not (_number(node["multipleOf"]) and node["multipleOf"] > 0):
        return False
    if "readOnly" in node and type(node["readOnly"]) is not bool:
        return False
    if "uniqueItems" in node and type(node["uniqueItems"]) is not bool:
        return False
    if "examples" in node and type(node["examples"]) is not list:
        return False
    if "pattern" in node and not _pattern(node["pattern"]):
        return False
    if "required" in node and not _strings(node["required"]):
        return False
    if "type" in node and not _type_valid(node["type"]):
        return False
    if "enum" in node and not _enum_valid(node["enum"]):
        return False
    for name in _SCHEMA_KEYWORDS:
        if name in node:
            pending.append(node[name])
    for name in _SCHEMA_MAPS:
        if name in node:
            members = node[name]
            if type(members) is not dict:
                return False
            pending.extend(members.values())
    for name in _SCHEMA_LISTS:
        if name in node:
            items = node[name]
            if type(items) is not list or not items:
                return False
            pending.extend(items)
    if "items" in node:
        items = node["items"]
        if type(items) is list:
            if not items:
                return False
            pending.extend(items)
        else:
            pending.append(items)
    if "patternProperties" in node:
        members = node["patternProperties"]
        if type(members) is not dict or not all(_pattern(name) for name in members):
            return False
        pending.extend(members.values())
    if "dependencies" in node:
        members = node["dependencies"]
        if type(members) is not dict:
            return False
        for value in members.values():
            if type(value) is list:
                if not _strings(value):
                    return False
            else:
                pending.append(value)
    return True


def _type_valid(value: Any) -> bool:
    if type(value) is str:
        return value in SIMPLE_TYPES
    return (
        type(value) is list
        and bool(value)
        and all(type(item) is str and item in SIMPLE_TYPES for item in value)
        and len(set(value)) == len(value)
    )


def _enum_valid(value: Any) -> bool:
    """A non-empty array of distinct items, for scalar items (objects and arrays: the collector)."""
    if type(value) is not list or not value:
        return False
    try:
        keys = {_scalar_key(item) for item in value}
    except (TypeError, OverflowError):
        return False
    return len(keys) == len(value)


def _scalar_key(item: Any) -> tuple:
    """What JavaScript's === compares: 1 and 1.0 are one number, true is not 1, 0 is -0."""
    kind = type(item)
    if kind is str:
        return ("s", item)
    if kind is bool:
        return ("b", item)
    if kind is int or kind is float:
        return ("d", float(item))  # the double JSON.parse makes of it (OverflowError: unsure)
    if item is None:
        return ("n",)
    raise TypeError("not a scalar")
