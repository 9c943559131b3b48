# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled twin of validator/_kernel_py.py: same functions, same bytes.

Only the hot path is native: the batch loop, match-key dispatch and the fast checks (the shared
FastNode form, interpreted here over C types). Anything that fails a fast check goes to the same
exact collector and result builders as the pure kernel, so error wording cannot drift.
"""

from cpython.dict cimport PyDict_GetItem, PyDict_Next, PyDict_Size
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_GET_LENGTH


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
from libc.math cimport floor, isfinite

import orjson

from validator.errors import BatchFailure
from validator.jsvalue import truthy
from validator.lineparse import parse_line
from validator.matching import event_match_key
from validator.results import (
    INVALID_UA_SCHEMA_RESULT,
    UNPLANNABLE_RESULT,
    result_json,
    schema_errors_json,
    unplanned_result,
)
from validator.schema import fastcheck
from validator.schema.fastcheck import build_fast, exact_check

NAME = "cython"

cdef long long SAFE_INTEGER = 9007199254740992
cdef int T_NULL = fastcheck.NULL, T_BOOLEAN = fastcheck.BOOLEAN
cdef int T_INTEGRAL = fastcheck.INTEGRAL, T_FRACTION = fastcheck.FRACTION
cdef int T_STRING = fastcheck.STRING, T_ARRAY = fastcheck.ARRAY, T_OBJECT = fastcheck.OBJECT


cdef Py_ssize_t _count(object limit):
    """A length/count limit as a C size (-1: none); the meta-schema lets `2.0` stand for 2."""
    if limit is None:
        return -1
    return min(<object>int(limit), 2**62)


cdef class FastCheck:
    """A FastNode in C fields; `check(value, stripped)` is the verdict, True = certainly valid."""

    cdef object exact
    cdef bint never
    cdef int type_bits
    cdef bint has_minimum, minimum_exclusive, has_maximum, maximum_exclusive
    cdef double minimum, maximum
    cdef Py_ssize_t min_length, max_length, min_items, max_items, min_props, max_props
    cdef object pattern, pattern_ascii, format_check, string_enum, property_set
    cdef FastCheck items, additional
    cdef tuple required, property_names, property_checks
    cdef bint additional_false, has_string_rules, has_array_rules, has_object_rules

    def __init__(self, fast):
        self.exact = fast.exact
        self.never = fast.never
        self.type_bits = fast.type_bits
        self.has_minimum = fast.minimum is not None
        self.minimum = fast.minimum if self.has_minimum else 0.0
        self.minimum_exclusive = fast.minimum_exclusive
        self.has_maximum = fast.maximum is not None
        self.maximum = fast.maximum if self.has_maximum else 0.0
        self.maximum_exclusive = fast.maximum_exclusive
        self.min_length = _count(fast.min_length)
        self.max_length = _count(fast.max_length)
        self.pattern = fast.pattern
        self.pattern_ascii = fast.pattern_ascii
        self.format_check = fast.format_check
        self.string_enum = fast.string_enum
        self.min_items = _count(fast.min_items)
        self.max_items = _count(fast.max_items)
        self.items = None if fast.items is None else FastCheck(fast.items)
        self.min_props = _count(fast.min_props)
        self.max_props = _count(fast.max_props)
        self.required = tuple(fast.required)
        self.property_names = tuple(name for name, _ in fast.properties)
        self.property_checks = tuple(FastCheck(sub) for _, sub in fast.properties)
        self.additional_false = fast.additional_false
        self.property_set = fast.property_set
        self.additional = None if fast.additional is None else FastCheck(fast.additional)
        self.has_string_rules = (
            self.min_length >= 0 or self.max_length >= 0 or self.pattern is not None
            or self.format_check is not None
        )
        self.has_array_rules = self.min_items >= 0 or self.max_items >= 0 or self.items is not None
        self.has_object_rules = (
            len(self.required) > 0 or len(self.property_names) > 0 or self.additional_false
            or self.additional is not None or self.min_props >= 0 or self.max_props >= 0
        )

    def __call__(self, value):
        return self.check(value, True)

    cdef bint check(self, object value, bint stripped) except -1:
        cdef type kind = type(value)
        cdef double number
        cdef long long whole
        cdef int overflow = 0
        if self.never:
            return False
        if self.exact is not None:
            return exact_check(self.exact, value, stripped)
        if kind is int or kind is float:
            if kind is int:
                whole = PyLong_AsLongLongAndOverflow(value, &overflow)
                if overflow or whole > SAFE_INTEGER or whole < -SAFE_INTEGER:
                    return False  # the exact path compares as JavaScript doubles do
                number = <double>whole
            else:
                number = PyFloat_AS_DOUBLE(value)
                if not isfinite(number):
                    return False
            if self.type_bits:
                if not (self.type_bits & T_FRACTION) and (
                    not (self.type_bits & T_INTEGRAL) or number != floor(number)
                ):
                    return False
            if self.has_minimum and (
                number <= self.minimum if self.minimum_exclusive else number < self.minimum
            ):
                return False
            if self.has_maximum and (
                number >= self.maximum if self.maximum_exclusive else number > self.maximum
            ):
                return False
            return self.string_enum is None
        if kind is str:
            if self.type_bits and not (self.type_bits & T_STRING):
                return False
            if self.string_enum is not None and value not in self.string_enum:
                return False
            return not self.has_string_rules or self._string(value)
        if self.string_enum is not None:
            return False
        if kind is dict:
            if self.type_bits and not (self.type_bits & T_OBJECT):
                return False
            return not self.has_object_rules or self._object(<dict>value, stripped)
        if kind is list:
            if self.type_bits and not (self.type_bits & T_ARRAY):
                return False
            return not self.has_array_rules or self._array(<list>value)
        if value is None:
            return not self.type_bits or (self.type_bits & T_NULL)
        if kind is bool:
            return not self.type_bits or (self.type_bits & T_BOOLEAN)
        return False

    cdef bint _string(self, str value) except -1:
        cdef Py_ssize_t length = PyUnicode_GET_LENGTH(value)
        if self.min_length >= 0 and length < self.min_length:
            return False
        if self.max_length >= 0 and length > self.max_length:
            return False
        if self.format_check is not None and not self.format_check(value):
            return False
        if self.pattern is not None:
            if self.pattern_ascii is not None and PyUnicode_IS_ASCII(value):
                if self.pattern_ascii(value) is None:
                    return False
            elif not self.pattern(value):
                return False
        return True

    cdef bint _array(self, list value) except -1:
        cdef Py_ssize_t size = PyList_GET_SIZE(value), index
        if self.min_items >= 0 and size < self.min_items:
            return False
        if self.max_items >= 0 and size > self.max_items:
            return False
        if self.items is not None:
            for index in range(size):
                # Inside arrays the reference keeps nulls: not stripped.
                if not self.items.check(<object>PyList_GET_ITEM(value, index), False):
                    return False
        return True

    cdef bint _object(self, dict value, bint stripped) except -1:
        cdef PyObject *found
        cdef PyObject *key
        cdef PyObject *member
        cdef Py_ssize_t position = 0, count = 0, index
        cdef FastCheck sub
        for name in self.required:
            found = PyDict_GetItem(value, name)
            if found == NULL or (stripped and <object>found is None):
                return False
        for index in range(len(self.property_names)):
            found = PyDict_GetItem(value, self.property_names[index])
            if found == NULL or (stripped and <object>found is None):
                continue
            sub = <FastCheck>self.property_checks[index]
            if not sub.check(<object>found, stripped):
                return False
        if self.additional_false or self.additional is not None:
            while PyDict_Next(value, &position, &key, &member):
                if stripped and <object>member is None:
                    continue
                if <object>key in self.property_set:
                    continue
                if self.additional_false:
                    return False
                if not self.additional.check(<object>member, stripped):
                    return False
        if self.min_props >= 0 or self.max_props >= 0:
            if stripped:
                position = 0
                while PyDict_Next(value, &position, &key, &member):
                    if <object>member is not None:
                        count += 1
            else:
                count = PyDict_Size(value)
            if self.min_props >= 0 and count < self.min_props:
                return False
            if self.max_props >= 0 and count > self.max_props:
                return False
        return True


def prepare(plan):
    """Attach a FastCheck to every data point of `plan` that can use one (`point.fast`)."""
    if plan.lenient:
        return
    points = list({id(p): p for p in plan.lookup.values()}.values())
    if plan.ua_point is not None and plan.ua_mode == "validate":
        points.append(plan.ua_point)
    for point in points:
        fast = build_fast(point.node)
        if fast is None:
            point.fast = _ALWAYS_VALID
        elif fast.exact is None:
            point.fast = FastCheck(fast)


cdef class _AlwaysValid:
    def __call__(self, value):
        return True


_ALWAYS_VALID = _AlwaysValid()


cdef object _match_key(dict event):
    """getMatchKey, with the two common shapes inline; everything else goes to matching.py."""
    cdef PyObject *found
    cdef object event_type, data, first, second
    found = PyDict_GetItem(event, "event_type")
    if found != NULL:
        event_type = <object>found
        found = PyDict_GetItem(event, "data")
        if found != NULL and type(<object>found) is dict:
            data = <object>found
            if event_type == "custom_event":
                found = PyDict_GetItem(data, "custom_event_type")
                if found != NULL and type(<object>found) is str:
                    first = <object>found
                    found = PyDict_GetItem(data, "event_name")
                    if found != NULL and type(<object>found) is str:
                        second = <object>found
                        return "custom_event:" + first + ":" + second
            elif event_type == "screen_view":
                found = PyDict_GetItem(data, "screen_name")
                if found != NULL and type(<object>found) is str:
                    return "screen_view::" + <object>found
            elif event_type == "commerce_event":
                found = PyDict_GetItem(data, "product_action")
                if found != NULL and type(<object>found) is dict:
                    found = PyDict_GetItem(<object>found, "action")
                    if found != NULL and type(<object>found) is str:
                        return "product_action:" + <object>found
    return event_match_key(event)


cdef object _events_of(object batch):
    if not truthy(batch):
        raise BatchFailure("Data Plan Version or Batch is missing and required")
    events = batch.get("events") if type(batch) is dict else None
    if events is not None and type(events) is not list:
        raise BatchFailure(f"events must be an array, not {type(events).__name__} (the reference throws)")
    return events


cdef object _event_result(object plan, dict lookup, object event):
    """The serialized result of one event, or None when it is valid."""
    cdef PyObject *found
    if type(event) is not dict:
        if event is None:
            raise BatchFailure("Cannot read properties of null (reading 'event_type')")
        return UNPLANNABLE_RESULT
    key = _match_key(<dict>event)
    if not key:
        return UNPLANNABLE_RESULT
    found = PyDict_GetItem(lookup, key)
    if found == NULL:
        return unplanned_result(event)
    point = <object>found
    fast = point.fast
    if fast is not None:
        if type(fast) is FastCheck:
            if (<FastCheck>fast).check(event, True):
                return None
        elif fast(event):
            return None
    errors = schema_errors_json(point.node, event, plan.lenient)
    return result_json(point.match_json, errors) if errors else None


cdef object _user_attributes_result(object plan, object batch):
    mode = plan.ua_mode
    if mode == "skip":
        return None
    if mode == "invalid":
        return INVALID_UA_SCHEMA_RESULT
    point = plan.ua_point
    attributes = batch.get("user_attributes") if type(batch) is dict else None
    if point.fast is not None and type(attributes) is dict and point.fast(attributes):
        return None
    errors = schema_errors_json(point.node, attributes, plan.lenient)
    return result_json(point.match_json, errors) if errors else None


def batch_results(plan, batch):
    """Serialized results of one batch (events in order, then user attributes); raises BatchFailure."""
    cdef list results = []
    cdef dict lookup = plan.lookup
    events = _events_of(batch)
    if events:
        for event in <list>events:
            result = _event_result(plan, lookup, event)
            if result is not None:
                results.append(result)
    ua = _user_attributes_result(plan, batch)
    if ua is not None:
        results.append(ua)
    return results


def batch_is_valid(plan, batch):
    """True when the batch would produce no results; raises BatchFailure."""
    cdef dict lookup = plan.lookup
    events = _events_of(batch)
    if events:
        for event in <list>events:
            if _event_result(plan, lookup, event) is not None:
                return False
    return _user_attributes_result(plan, batch) is None


def event_result(plan, event):
    """validateEvent: the serialized result of one event, or None when valid."""
    return _event_result(plan, plan.lookup, event)


def results_line(plan, batch):
    """The validate endpoint's response for one decoded batch; raises BatchFailure."""
    results = batch_results(plan, batch)
    if not results:
        return b'{"results":[],"batch":{}}'
    return b'{"results":[' + ",".join(results).encode() + b'],"batch":{}}'


def validate_line(plan, line):
    """One NDJSON batch line in, one result line out (no newline); failures become {"error":...}."""
    try:
        return results_line(plan, parse_line(line))
    except BatchFailure as exc:
        return orjson.dumps({"error": str(exc)})
