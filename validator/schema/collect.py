"""The exact error collector: ajv 6.10.2 with `allErrors: true`, error for error, in ajv's order.

It runs on the null-stripped value (see `jsvalue.clean`) and only for events whose fast check
failed, so it favours fidelity over speed. Evaluation order follows ajv's generated code
(lib/dot/validate.jst and the keyword templates): up-front type check, then `$ref` or the typed
keyword groups number, string, array, object, then the generic group.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from ..errors import BatchFailure, StackOverflow
from ..jsvalue import (
    INHERITED_NAMES,
    NESTING_LIMIT,
    JSObjectPrototype,
    ProtoObject,
    for_in_keys,
    format_number,
    inherited_member,
    is_integer,
    is_number,
    js_equal,
    proto_member,
    to_double,
)
from . import messages
from .jsregex import RegexTimeout
from .nodes import Node

MISSING: Any = object()
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class AjvError:
    """One ajv error: keyword, instance path (escaped segments), message, and the one param we use."""

    __slots__ = ("keyword", "path", "message", "param")

    def __init__(self, keyword: str, path: tuple, message: str, param: Any = None) -> None:
        self.keyword = keyword
        self.path = path
        self.message = message
        self.param = param

    def pointer(self) -> str:
        return "".join("/" + segment for segment in self.path)

    def describe(self) -> str:
        if self.keyword == "required":
            return messages.required(self.param)
        if self.keyword == "additionalProperties":
            return f"{messages.additional_properties()} ('{self.param}')"
        return self.message

    def __repr__(self) -> str:
        return f"AjvError({self.keyword!r}, {self.pointer()!r}, {self.message!r}, {self.param!r})"


def escape_segment(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def lenient_number(value: Any) -> Any:
    """The number a string spells under --lenient-types, or None."""
    if type(value) is str and _JSON_NUMBER.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) <= 2**53 else number
    return None


def type_matches(types: tuple, value: Any, lenient: bool = False) -> bool:
    """ajv's checkDataType(s): does `value` have one of `types`?"""
    for name in types:
        if name == "string":
            if type(value) is str:
                return True
            if lenient and (type(value) is bool or is_number(value)):
                return True
        elif name == "number":
            if is_number(value) or (lenient and lenient_number(value) is not None):
                return True
        elif name == "integer":
            if is_integer(value):
                return True
            if lenient:
                spelled = lenient_number(value)
                if spelled is not None and is_integer(spelled):
                    return True
        elif name == "boolean":
            if type(value) is bool or (lenient and value in ("true", "false")):
                return True
        elif name == "null":
            if value is None:
                return True
        elif name == "array":
            if type(value) is list:
                return True
        elif name == "object":
            if type(value) is dict or type(value) is JSObjectPrototype or type(value) is ProtoObject:
                return True
    return False


def get_property(obj: Any, name: str) -> Any:
    """`obj[name]` on a JS object: own value, inherited member, or MISSING."""
    if type(obj) is dict:
        value = obj.get(name, MISSING)
        if value is MISSING and name in INHERITED_NAMES:
            return inherited_member(name)
        return value
    if type(obj) is ProtoObject:
        value = obj.get(name, MISSING)
        return proto_member(obj, name, MISSING) if value is MISSING else value
    if name == "__proto__" and type(obj) is JSObjectPrototype:
        return None  # Object.prototype.__proto__ is null: present (not undefined) to ajv
    if name in INHERITED_NAMES:
        return inherited_member(name)
    return MISSING


def collect_errors(node: Node, value: Any, lenient: bool = False) -> list:
    """All ajv errors of `value` against `node`, in ajv's order.

    Raises BatchFailure for a data point whose schema ajv refuses to compile: the reference throws
    when an event reaches it, which fails the whole batch.
    """
    if node.failure is not None:
        raise BatchFailure(node.failure)
    errors: list = []
    _Collector(errors, lenient).validate(node, value, ())
    return errors


# The walk recurses a few times per level of the value, and per $ref followed; only a recursive
# $ref makes it deeper than the schema (through the value's levels, or round a cycle that does not
# descend, which ajv follows until its stack overflows). Rather than slow every walk down with an
# explicit stack, a walk that gets this many levels (of the value, plus $refs followed) deeper than
# where its thread started goes on in a new thread (a fresh Python stack), the caller waiting. Past
# NESTING_LIMIT levels of the value or of $refs, where ajv's recursion overflows, it stops with
# StackOverflow. So a thread's stack holds at most this many levels.
_LEVELS_PER_THREAD = 100


class _Collector:
    __slots__ = ("errors", "lenient", "refs", "hop_at")

    def __init__(self, errors: list, lenient: bool) -> None:
        self.errors = errors
        self.lenient = lenient
        self.refs = 0  # $refs being followed
        self.hop_at = _LEVELS_PER_THREAD  # len(path) + refs at which validate goes on in a new thread

    def _validate_on_new_thread(self, node: Node, value: Any, path: tuple) -> None:
        outer = self.hop_at
        self.hop_at = len(path) + self.refs + _LEVELS_PER_THREAD
        failure: list = []

        def run() -> None:
            try:
                self.validate(node, value, path)
            except BaseException as exc:  # handed to the waiting caller, which raises it
                failure.append(exc)

        thread = threading.Thread(target=run, name="dpv-deep-value", daemon=True)
        thread.start()
        thread.join()
        self.hop_at = outer
        if failure:
            raise failure[0]

    def add(self, keyword: str, path: tuple, message: str, param: Any = None) -> None:
        self.errors.append(AjvError(keyword, path, message, param))

    def passes(self, node: Node, value: Any, path: tuple) -> bool:
        """Validate, keeping the errors; True when none were added."""
        before = len(self.errors)
        self.validate(node, value, path)
        return len(self.errors) == before

    def validate(self, node: Node, value: Any, path: tuple) -> None:
        if len(path) + self.refs >= self.hop_at:
            self._validate_on_new_thread(node, value, path)
            return
        if node.always_false:
            self.add("false schema", path, messages.FALSE_SCHEMA)
            return
        if node.empty:
            return
        if node.type_upfront and not type_matches(node.types, value, self.lenient):  # type: ignore[arg-type]
            self.add("type", path, node.type_message)
        if node.ref is not None:
            if self.refs >= NESTING_LIMIT or len(path) > NESTING_LIMIT:
                raise StackOverflow(NESTING_LIMIT)
            self.refs += 1
            self.validate(node.ref, value, path)
            self.refs -= 1  # (an exception ends the whole walk: nothing to restore then)
            return
        if node.number_group:
            number = value if is_number(value) else lenient_number(value) if self.lenient else None
            if number is not None:
                self.number_keywords(node, number, path)
            elif node.type_positional == "number":
                self.add("type", path, node.type_message)
        if node.string_group:
            if type(value) is str:
                self.string_keywords(node, value, path)
            elif node.type_positional == "string":
                self.add("type", path, node.type_message)
        if node.array_group:
            if type(value) is list:
                self.array_keywords(node, value, path)
            elif node.type_positional == "array":
                self.add("type", path, node.type_message)
        if node.object_group:
            if type(value) is dict or type(value) is ProtoObject or type(value) is JSObjectPrototype:
                self.object_keywords(node, value, path)
            elif node.type_positional == "object":
                self.add("type", path, node.type_message)
        self.generic_keywords(node, value, path)

    # -- typed groups -------------------------------------------------------------------------

    def number_keywords(self, node: Node, value: Any, path: tuple) -> None:
        if type(value) is int:
            value = to_double(value)
        if node.max_limit is not None:
            limit = to_double(node.max_limit)  # JSON.parse already rounded the schema's number
            if value >= limit if node.max_exclusive else value > limit:
                self.add(node.max_keyword, path, messages.limit(node.max_exclusive, True, node.max_limit))
        if node.min_limit is not None:
            limit = to_double(node.min_limit)
            if value <= limit if node.min_exclusive else value < limit:
                self.add(node.min_keyword, path, messages.limit(node.min_exclusive, False, node.min_limit))
        if node.multiple_of is not None and not is_multiple(value, node.multiple_of):
            self.add("multipleOf", path, messages.multiple_of(node.multiple_of))

    def string_keywords(self, node: Node, value: str, path: tuple) -> None:
        if node.max_length is not None and len(value) > node.max_length:
            self.add("maxLength", path, messages.max_length(node.max_length))
        if node.min_length is not None and len(value) < node.min_length:
            self.add("minLength", path, messages.min_length(node.min_length))
        try:
            if node.pattern is not None and not node.pattern.test(value):
                self.add("pattern", path, messages.pattern(node.pattern.source))
            if node.format_check is not None and not node.format_check(value):
                self.add("format", path, messages.format_(node.format_name))  # type: ignore[arg-type]
        except RegexTimeout as exc:
            raise exc.at(path) from None

    def array_keywords(self, node: Node, value: list, path: tuple) -> None:
        size = len(value)
        if node.max_items is not None and size > node.max_items:
            self.add("maxItems", path, messages.max_items(node.max_items))
        if node.min_items is not None and size < node.min_items:
            self.add("minItems", path, messages.min_items(node.min_items))
        if node.items_tuple is not None:
            tuple_size = len(node.items_tuple)
            if node.additional_items_false and size > tuple_size:
                self.add("additionalItems", path, messages.max_items(tuple_size))
            for i, sub in enumerate(node.items_tuple):
                if sub is not None and i < size:
                    self.validate(sub, value[i], path + (str(i),))
            if node.additional_items is not None:
                for i in range(tuple_size, size):
                    self.validate(node.additional_items, value[i], path + (str(i),))
        elif node.items is not None:
            for i, item in enumerate(value):
                self.validate(node.items, item, path + (str(i),))
        if node.contains is not None:
            start = len(self.errors)
            for i, item in enumerate(value):
                if self.passes(node.contains, item, path + (str(i),)):
                    del self.errors[start:]
                    break
            else:
                self.add("contains", path, messages.CONTAINS)
        if node.unique_items and size > 1:
            pair = duplicate_pair(value, node.unique_hash_types)
            if pair is not None:
                self.add("uniqueItems", path, messages.unique_items(*pair))

    def object_keywords(self, node: Node, value: Any, path: tuple) -> None:
        """value: a dict, a ProtoObject or Object.prototype (JSObjectPrototype)."""
        if node.max_props is not None and len(value) > node.max_props:
            self.add("maxProperties", path, messages.max_properties(node.max_props))
        if node.min_props is not None and len(value) < node.min_props:
            self.add("minProperties", path, messages.min_properties(node.min_props))
        for name in node.required_early:
            if get_property(value, name) is MISSING:
                self.add("required", path, messages.required(name), name)
        for name, deps, message in node.dep_arrays:
            if get_property(value, name) is not MISSING:
                for dep in deps:
                    if get_property(value, dep) is MISSING:
                        self.add("dependencies", path, message, dep)
        for name, sub in node.dep_schemas:
            if get_property(value, name) is not MISSING:
                self.validate(sub, value, path)
        keys = None
        if node.property_names is not None:
            keys = for_in_keys(value)
            for key in keys:
                try:
                    if not self.passes(node.property_names, key, path):
                        self.add("propertyNames", path, messages.property_names(key))
                except RegexTimeout as exc:
                    raise exc.at(path + (escape_segment(key),), "property name") from None
        if not node.properties_rule:
            return
        if node.additional_false or node.additional_schema is not None:
            for key in keys if keys is not None else for_in_keys(value):
                try:
                    if key in node.property_set or any(rx.test(key) for rx, _ in node.pattern_props):
                        continue
                except RegexTimeout as exc:
                    raise exc.at(path + (escape_segment(key),), "property name") from None
                if node.additional_false:
                    self.add("additionalProperties", path, messages.additional_properties(), key)
                else:
                    item = get_property(value, key)
                    self.validate(node.additional_schema, item, path + (escape_segment(key),))  # type: ignore[arg-type]
        for name, escaped, sub, required in node.properties:
            item = get_property(value, name)
            if item is MISSING:
                if required:
                    self.add("required", path, messages.required(name), name)
            else:
                self.validate(sub, item, path + (escaped,))
        for regex, sub in node.pattern_props:
            if sub is None:
                continue
            for key in keys if keys is not None else for_in_keys(value):
                try:
                    matched = regex.test(key)
                except RegexTimeout as exc:
                    raise exc.at(path + (escape_segment(key),), "property name") from None
                if matched:
                    self.validate(sub, get_property(value, key), path + (escape_segment(key),))

    # -- generic group ---------------------------------------------------------------------------

    def generic_keywords(self, node: Node, value: Any, path: tuple) -> None:
        if node.has_const and not js_equal(value, node.const):
            self.add("const", path, messages.CONST)
        if node.enum is not None and not any(js_equal(value, option) for option in node.enum):
            self.add("enum", path, messages.ENUM)
        if node.not_ is not None:
            start = len(self.errors)
            passed = self.passes(node.not_, value, path)
            del self.errors[start:]
            if passed:
                self.add("not", path, messages.NOT)
        if node.any_of is not None:
            start = len(self.errors)
            for branch in node.any_of:
                if self.passes(branch, value, path):
                    del self.errors[start:]
                    break
            else:
                self.add("anyOf", path, messages.ANY_OF)
        if node.one_of is not None:
            start = len(self.errors)
            passing = 0
            for branch in node.one_of:
                if branch is None or self.passes(branch, value, path):
                    passing += 1
                    if passing == 2:
                        break
            if passing == 1:
                del self.errors[start:]
            else:
                self.add("oneOf", path, messages.ONE_OF)
        if node.all_of is not None:
            for branch in node.all_of:
                self.validate(branch, value, path)
        if node.if_ is not None:
            start = len(self.errors)
            condition = self.passes(node.if_, value, path)
            del self.errors[start:]
            branch, message = (node.then, messages.IF_THEN) if condition else (node.else_, messages.IF_ELSE)
            if branch is not None and not self.passes(branch, value, path):
                self.add("if", path, message)


def is_multiple(value: Any, divisor: Any) -> bool:
    """ajv's multipleOf without multipleOfPrecision: `q = value / divisor; q === parseInt(q)`."""
    if type(divisor) is int:
        divisor = to_double(divisor)
    try:
        quotient = value / divisor
    except (OverflowError, ZeroDivisionError):
        return False
    if type(quotient) is not float:
        quotient = float(quotient)
    # parseInt(String(q)): exponent forms (|q| >= 1e21 or tiny) parse as their leading digit.
    return quotient == quotient and abs(quotient) < 1e21 and quotient.is_integer()


def duplicate_pair(items: list, hash_types: Any) -> Any:
    """uniqueItems: the (j, i) ajv reports for the first duplicate it finds, or None."""
    if hash_types is None:
        for i in range(len(items) - 1, 0, -1):
            for j in range(i - 1, -1, -1):
                if js_equal(items[i], items[j]):
                    return j, i
        return None
    types, is_list = hash_types
    seen: dict = {}
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        if not type_matches(types, item):
            continue
        key = _hash_key(item, is_list)
        if key == "__proto__":  # assigning to obj.__proto__ never stores: JS never sees this repeat
            continue
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None


def _hash_key(item: Any, is_list: bool) -> str:
    # itemIndices[item] coerces the item to a property key; a type list prefixes strings with '"'.
    if type(item) is str:
        return '"' + item if is_list else item
    if item is None:
        return "null"
    if type(item) is bool:
        return "true" if item else "false"
    return format_number(item)
