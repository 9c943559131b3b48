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
    Py_UCS4 PyUnicode_READ_CHAR(object, Py_ssize_t)
from libc.math cimport floor, isfinite

import os

import orjson

from validator.errors import EVENTS_NOT_AN_ARRAY, BatchFailure, DeepBatch
from validator.jsvalue import truthy
from validator.lineparse import parse_line
from validator.matching import event_match_key
from validator.results import (
    INVALID_UA_SCHEMA_RESULT,
    MISSING,
    RECURSION_ERROR_LINE,
    UNPLANNABLE_RESULT,
    check_stack,
    error_line,
    error_text,
    event_timeout,
    result_json,
    schema_errors_json,
    unplanned_result,
    validation_error_json,
)
from validator.schema import fastcheck
from validator.schema.fastcheck import build_fast, checked_points, exact_check
from validator.schema.jsregex import RegexTimeout

NAME = "cython"

# The native front end (validator._native: lines validated on a yyjson DOM, Python objects only
# for failures), when it was built; FRONT_ERROR says why not. DPV_NO_NATIVE=1 leaves it out.
try:
    from validator import _native
    FRONT_ERROR = None
except ImportError as exc:
    _native = None
    FRONT_ERROR = str(exc)

cdef long long SAFE_INTEGER = 9007199254740992
cdef int T_NULL = fastcheck.NULL, T_BOOLEAN = fastcheck.BOOLEAN
cdef int T_INTEGRAL = fastcheck.INTEGRAL, T_FRACTION = fastcheck.FRACTION
cdef int T_STRING = fastcheck.STRING, T_ARRAY = fastcheck.ARRAY, T_OBJECT = fastcheck.OBJECT


cdef Py_ssize_t _count(object limit):
    """A length/count limit as a C size (-1: none); the meta-schema lets `2.0` stand for 2."""
    if limit is None:
        return -1
    if limit == float("inf"):  # 1e400 in a plan: JSON.parse reads Infinity, which ajv accepts as a count
        return 2**62
    return min(<object>int(limit), 2**62)


cdef class FastCheck:
    """A FastNode in C fields; `check(value, stripped)` is the verdict, True = certainly valid."""

    cdef object exact
    cdef bint never
    cdef int type_bits
    cdef bint has_minimum, minimum_exclusive, has_maximum, maximum_exclusive
    cdef double minimum, maximum
    cdef Py_ssize_t min_length, max_length, min_items, max_items, min_props, max_props
    cdef object pattern, pattern_ascii, format_check, format_ascii, string_enum, property_set
    cdef Py_ssize_t pattern_ascii_max, format_ascii_max
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
        self.pattern_ascii_max = fast.pattern_ascii_max
        self.format_check = fast.format_check
        self.format_ascii = fast.format_ascii
        self.format_ascii_max = fast.format_ascii_max
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
        # The raw searches serve ASCII values up to the length their analysis allows unguarded.
        if self.format_check is not None:
            if self.format_ascii is not None and length <= self.format_ascii_max and PyUnicode_IS_ASCII(value):
                if self.format_ascii(value) is None:
                    return False
            elif not self.format_check(value):
                return False
        if self.pattern is not None:
            if self.pattern_ascii is not None and length <= self.pattern_ascii_max and PyUnicode_IS_ASCII(value):
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
        if stripped and "__proto__" in value:
            return False  # null stripping drops this key (it sets a prototype): the collector decides
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
    fast_nodes = {}  # id(point) -> its FastNode, which the native front end builds on too
    for point in checked_points(plan):
        if point.node is not None:
            point.native = ErrorWalker(point.node)
        fast = fast_nodes[id(point)] = build_fast(point.node)
        if fast is None:
            point.fast = _ALWAYS_VALID
        elif fast.exact is None:
            point.fast = FastCheck(fast)
    plan.front = _front(plan, fast_nodes)


def _front(plan, fast_nodes):
    """The native front end of a plan (None: lines are parsed into Python objects first)."""
    if not _native_wanted() or plan.failure is not None:
        return None
    return _native.Front(
        plan,
        event_result=event_result,
        point_result=point_result,
        user_attributes_result=user_attributes_result,
        whole_line=objects_line,
        fast_nodes=fast_nodes,
    )


def _native_wanted():
    """The native front end is built and DPV_NO_NATIVE does not leave it out."""
    return _native is not None and os.environ.get("DPV_NO_NATIVE", "") in ("", "0")


def routed_front(route, whole_line):
    """The native front end for several plan versions (see _native.Front.routed); None without one."""
    if not _native_wanted():
        return None
    return _native.Front.routed(route, whole_line)


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
        raise BatchFailure(EVENTS_NOT_AN_ARRAY)
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
        return unplanned_result(event)  # memoized there for the common shapes
    point = <object>found
    fast = point.fast
    if fast is not None:
        if type(fast) is FastCheck:
            if (<FastCheck>fast).check(event, True):
                return None
        elif fast(event):
            return None
    return _errors_result(plan, point, event)


cdef object _errors_result(object plan, object point, object value):
    """The result for a value that failed its fast check (None when it is valid after all)."""
    walker = point.native
    if walker is not None and type(value) is dict:
        found = _native_errors(<ErrorWalker>walker, value)
        if found is not None:
            if not found:
                return None
            return result_json(point.match_json, [_error_json(error, value) for error in found])
    errors = schema_errors_json(point.node, value, plan.lenient)
    return result_json(point.match_json, errors) if errors else None


cdef object _error_json(object error, object value):
    """validation_error_json, with digin inline for the usual path: object keys, each present."""
    cdef tuple path = error.path
    cdef PyObject *found
    element = value
    for segment in path:
        if type(element) is not dict or type(segment) is not str or not PyUnicode_GET_LENGTH(segment):
            return validation_error_json(error, value)  # arrays, inherited names, empty segments...
        found = PyDict_GetItem(element, segment)
        if found == NULL:
            return validation_error_json(error, value)
        element = <object>found
    return error_text(error, path, element)


cdef object _user_attributes_result(object plan, object batch):
    mode = plan.ua_mode
    if mode == "skip":
        return None
    if mode == "invalid":
        return INVALID_UA_SCHEMA_RESULT
    point = plan.ua_point
    attributes = batch.get("user_attributes", MISSING) if type(batch) is dict else MISSING
    try:
        if point.fast is not None and type(attributes) is dict and point.fast(attributes):
            return None
        return _errors_result(plan, point, attributes)
    except RegexTimeout as exc:
        raise exc.within("/user_attributes") from None


def batch_results(plan, batch):
    """Serialized results of one batch (events in order, then user attributes); raises BatchFailure."""
    cdef list results = []
    cdef dict lookup = plan.lookup
    events = _events_of(batch)
    if events:
        try:
            for event in <list>events:
                result = _event_result(plan, lookup, event)
                if result is not None:
                    results.append(result)
        except RegexTimeout as exc:
            raise event_timeout(exc, events, event) from None
    ua = _user_attributes_result(plan, batch)
    if ua is not None:
        results.append(ua)
    return results


def batch_is_valid(plan, batch):
    """True when the batch would produce no results; raises BatchFailure."""
    cdef dict lookup = plan.lookup
    events = _events_of(batch)
    if events:
        try:
            for event in <list>events:
                if _event_result(plan, lookup, event) is not None:
                    return False
        except RegexTimeout as exc:
            raise event_timeout(exc, events, event) from None
    return _user_attributes_result(plan, batch) is None


def event_result(plan, event):
    """validateEvent: the serialized result of one event, or None when valid."""
    return _event_result(plan, plan.lookup, event)


def point_result(plan, point, value):
    """The result of a value matched to `point` that its fast check did not prove valid (None: valid)."""
    return _errors_result(plan, point, value)


def user_attributes_result(plan, batch):
    """The user-attributes result of a batch (None: none); raises BatchFailure."""
    return _user_attributes_result(plan, batch)


def results_line(plan, batch):
    """The validate endpoint's response for one decoded batch; raises BatchFailure."""
    results = batch_results(plan, batch)
    if not results:
        return b'{"results":[],"batch":{}}'
    return b'{"results":[' + ",".join(results).encode() + b'],"batch":{}}'


def validate_line(plan, line):
    """One NDJSON batch line in, one result line out (no newline); failures become {"error":...}."""
    front = plan.front
    if front is not None:
        return front.validate_line(line)
    return objects_line(plan, line)


def objects_line(plan, line):
    """validate_line through Python objects: the line decoded, then the batch validated.

    The path without the native front end, and the front end's own path for lines it leaves to it.
    """
    try:
        try:
            batch = parse_line(line)
        except DeepBatch as deep:
            batch = check_stack(plan, deep.value)
        return results_line(plan, batch)
    except BatchFailure as exc:
        return error_line(str(exc))
    except RecursionError:
        return RECURSION_ERROR_LINE


# -- native error collection ------------------------------------------------------------------------
# The same walk as validator/schema/collect.py, error for error, for the keywords that FastNode
# models; any other subschema is handed to the Python collector on its subvalue, and a value whose
# typing JavaScript could see differently (integers past 2**53, non-finite floats) aborts the
# native walk so the Python collector decides the whole event.

from validator.jsvalue import clean_nested, has_index_keys, js_keys
from validator.schema import messages
from validator.schema.collect import AjvError, collect_errors, escape_segment
from validator.schema.fastcheck import FAST_LEVELS, _needs_exact

cdef int GROUP_NONE = 0, GROUP_NUMBER = 1, GROUP_STRING = 2, GROUP_ARRAY = 3, GROUP_OBJECT = 4
_GROUPS = {None: GROUP_NONE, "number": GROUP_NUMBER, "string": GROUP_STRING, "array": GROUP_ARRAY,
           "object": GROUP_OBJECT}


cdef class ErrorWalker:
    """One schema node's exact checks in C fields; `collect` appends AjvErrors in ajv's order."""

    cdef object exact
    cdef bint always_false, empty, type_upfront
    cdef int type_bits, type_positional
    cdef str type_message
    cdef bint number_group, string_group, array_group, object_group, properties_rule
    cdef bint has_max, max_exclusive, has_min, min_exclusive
    cdef double max_limit, min_limit
    cdef str max_keyword, min_keyword, max_message, min_message
    cdef Py_ssize_t max_length, min_length, max_items, min_items, max_props, min_props
    cdef str max_length_message, min_length_message, max_items_message, min_items_message
    cdef str max_props_message, min_props_message, pattern_message, format_message
    cdef object pattern, pattern_ascii, format_check, format_ascii
    cdef Py_ssize_t pattern_ascii_max, format_ascii_max
    cdef ErrorWalker items, additional
    cdef tuple required_early, properties
    cdef object property_set
    cdef bint additional_false
    cdef object const_string, enum_strings
    cdef bint has_const

    def __init__(self, node, int level=0):
        # Past FAST_LEVELS schema levels the Python collector takes over: it walks any depth, and
        # this walk's C recursion stays bounded.
        self.exact = (
            node
            if not node.always_false and not node.empty and (level >= FAST_LEVELS or _needs_exact(node))
            else None
        )
        self.always_false = node.always_false
        self.empty = node.empty
        if self.exact is not None or self.always_false or self.empty:
            return
        for limit in (node.max_limit, node.min_limit):
            if type(limit) is int and not -SAFE_INTEGER <= limit <= SAFE_INTEGER:
                self.exact = node  # a limit JavaScript would round: leave it to the Python collector
                return
        self.type_upfront = node.type_upfront
        self.type_bits = 0
        for name in node.types or ():
            self.type_bits |= fastcheck.TYPE_BITS[name]
        self.type_positional = _GROUPS[node.type_positional]
        self.type_message = node.type_message
        self.number_group = node.number_group
        self.has_max = node.max_limit is not None
        self.max_limit = node.max_limit if self.has_max else 0.0
        self.max_exclusive = node.max_exclusive
        self.max_keyword = node.max_keyword
        self.max_message = messages.limit(node.max_exclusive, True, node.max_limit) if self.has_max else ""
        self.has_min = node.min_limit is not None
        self.min_limit = node.min_limit if self.has_min else 0.0
        self.min_exclusive = node.min_exclusive
        self.min_keyword = node.min_keyword
        self.min_message = messages.limit(node.min_exclusive, False, node.min_limit) if self.has_min else ""
        self.string_group = node.string_group
        self.max_length = _count(node.max_length)
        self.min_length = _count(node.min_length)
        self.max_length_message = messages.max_length(node.max_length) if node.max_length is not None else ""
        self.min_length_message = messages.min_length(node.min_length) if node.min_length is not None else ""
        self.pattern = node.pattern.test if node.pattern is not None else None
        self.pattern_ascii = node.pattern.ascii_search if node.pattern is not None else None
        self.pattern_ascii_max = node.pattern.ascii_max if node.pattern is not None else -1
        self.pattern_message = messages.pattern(node.pattern.source) if node.pattern is not None else ""
        self.format_check = node.format_check
        checker = node.format_checker
        self.format_ascii = checker.ascii_search if checker is not None else None
        self.format_ascii_max = checker.ascii_max if checker is not None else -1
        self.format_message = messages.format_(node.format_name) if node.format_check is not None else ""
        self.array_group = node.array_group
        self.max_items = _count(node.max_items)
        self.min_items = _count(node.min_items)
        self.max_items_message = messages.max_items(node.max_items) if node.max_items is not None else ""
        self.min_items_message = messages.min_items(node.min_items) if node.min_items is not None else ""
        self.items = _walker(node.items, level)
        self.object_group = node.object_group
        self.max_props = _count(node.max_props)
        self.min_props = _count(node.min_props)
        self.max_props_message = messages.max_properties(node.max_props) if node.max_props is not None else ""
        self.min_props_message = messages.min_properties(node.min_props) if node.min_props is not None else ""
        self.required_early = tuple((name, messages.required(name)) for name in node.required_early)
        self.properties_rule = node.properties_rule
        self.properties = tuple(
            (name, escaped, _walker(child, level), required, messages.required(name))
            for name, escaped, child, required in node.properties
        )
        self.property_set = node.property_set
        self.additional_false = node.additional_false
        self.additional = _walker(node.additional_schema, level)
        self.has_const = node.has_const
        self.const_string = node.const
        self.enum_strings = frozenset(node.enum) if node.enum is not None else None

    cdef int _exact(self, object value, _Where *where, bint stripped, list errors) except -2:
        cdef tuple path = _path(where)
        try:
            found = collect_errors(self.exact, clean_nested(value) if stripped else value)
        except RegexTimeout as exc:
            raise exc.at(path + exc.path, exc.subject) from None
        for error in found:
            errors.append(AjvError(error.keyword, path + error.path, error.message, error.param))
        return 0

    cdef bint _type_ok(self, object value) except -1:
        cdef type kind = type(value)
        cdef int bits = self.type_bits
        cdef double number
        if kind is int:
            return (bits & T_INTEGRAL) != 0 or (bits & T_FRACTION) != 0
        if kind is float:
            number = PyFloat_AS_DOUBLE(value)
            return (bits & T_FRACTION) != 0 or ((bits & T_INTEGRAL) != 0 and number == floor(number))
        if kind is str:
            return (bits & T_STRING) != 0
        if kind is dict:
            return (bits & T_OBJECT) != 0
        if kind is list:
            return (bits & T_ARRAY) != 0
        if kind is bool:
            return (bits & T_BOOLEAN) != 0
        if value is None:
            return (bits & T_NULL) != 0
        return False

    cdef int collect(self, object value, _Where *where, bint stripped, list errors) except -2:
        """0 when done, -1 when the Python collector must decide this event instead."""
        cdef type kind = type(value)
        cdef double number = 0.0
        cdef long long whole
        cdef int overflow = 0
        cdef bint is_number = kind is int or kind is float
        if self.always_false:
            errors.append(AjvError("false schema", _path(where), messages.FALSE_SCHEMA, None))
            return 0
        if self.empty:
            return 0
        if self.exact is not None:
            return self._exact(value, where, stripped, errors)
        if is_number:
            if kind is int:
                whole = PyLong_AsLongLongAndOverflow(value, &overflow)
                if overflow or whole > SAFE_INTEGER or whole < -SAFE_INTEGER:
                    return -1
                number = <double>whole
            else:
                number = PyFloat_AS_DOUBLE(value)
                if not isfinite(number):
                    return -1
        if self.type_upfront and not self._type_ok(value):
            errors.append(AjvError("type", _path(where), self.type_message, None))
        if self.number_group:
            if is_number:
                if self.has_max and (number >= self.max_limit if self.max_exclusive else number > self.max_limit):
                    errors.append(AjvError(self.max_keyword, _path(where), self.max_message, None))
                if self.has_min and (number <= self.min_limit if self.min_exclusive else number < self.min_limit):
                    errors.append(AjvError(self.min_keyword, _path(where), self.min_message, None))
            elif self.type_positional == GROUP_NUMBER:
                errors.append(AjvError("type", _path(where), self.type_message, None))
        if self.string_group:
            if kind is str:
                self._strings(value, where, errors)
            elif self.type_positional == GROUP_STRING:
                errors.append(AjvError("type", _path(where), self.type_message, None))
        if self.array_group:
            if kind is list:
                if self._arrays(<list>value, where, errors) < 0:
                    return -1
            elif self.type_positional == GROUP_ARRAY:
                errors.append(AjvError("type", _path(where), self.type_message, None))
        if self.object_group:
            if kind is dict:
                if self._objects(<dict>value, where, stripped, errors) < 0:
                    return -1
            elif self.type_positional == GROUP_OBJECT:
                errors.append(AjvError("type", _path(where), self.type_message, None))
        if self.has_const and not (kind is str and value == self.const_string):
            errors.append(AjvError("const", _path(where), messages.CONST, None))
        if self.enum_strings is not None and not (kind is str and value in self.enum_strings):
            errors.append(AjvError("enum", _path(where), messages.ENUM, None))
        return 0

    cdef int _strings(self, str value, _Where *where, list errors) except -2:
        cdef Py_ssize_t length = PyUnicode_GET_LENGTH(value)
        if self.max_length >= 0 and length > self.max_length:
            errors.append(AjvError("maxLength", _path(where), self.max_length_message, None))
        if self.min_length >= 0 and length < self.min_length:
            errors.append(AjvError("minLength", _path(where), self.min_length_message, None))
        # The raw ASCII searches serve values up to the length their analysis allows unguarded.
        try:
            if self.pattern is not None:
                if (self.pattern_ascii is not None and length <= self.pattern_ascii_max
                        and PyUnicode_IS_ASCII(value)):
                    matched = self.pattern_ascii(value) is not None
                else:
                    matched = self.pattern(value)
                if not matched:
                    errors.append(AjvError("pattern", _path(where), self.pattern_message, None))
            if self.format_check is not None:
                if (self.format_ascii is not None and length <= self.format_ascii_max
                        and PyUnicode_IS_ASCII(value)):
                    matched = self.format_ascii(value) is not None
                else:
                    matched = self.format_check(value)
                if not matched:
                    errors.append(AjvError("format", _path(where), self.format_message, None))
        except RegexTimeout as exc:
            raise exc.at(_path(where)) from None
        return 0

    cdef int _arrays(self, list value, _Where *where, list errors) except -2:
        cdef Py_ssize_t size = PyList_GET_SIZE(value), index
        cdef _Where item
        if self.max_items >= 0 and size > self.max_items:
            errors.append(AjvError("maxItems", _path(where), self.max_items_message, None))
        if self.min_items >= 0 and size < self.min_items:
            errors.append(AjvError("minItems", _path(where), self.min_items_message, None))
        if self.items is not None:
            item.parent = where
            for index in range(size):
                segment = str(index)
                item.segment = <PyObject *>segment
                if self.items.collect(<object>PyList_GET_ITEM(value, index), &item, False, errors) < 0:
                    return -1
        return 0

    cdef int _objects(self, dict value, _Where *where, bint stripped, list errors) except -2:
        cdef Py_ssize_t count
        cdef PyObject *found
        cdef PyObject *key
        cdef PyObject *member_ref
        cdef Py_ssize_t position = 0
        cdef ErrorWalker sub
        cdef _Where child
        if stripped and "__proto__" in value:
            return -1  # null stripping drops this key (it sets a prototype): the Python collector decides
        if self.max_props >= 0 or self.min_props >= 0:
            count = sum(1 for member in value.values() if member is not None) if stripped else len(value)
            if self.max_props >= 0 and count > self.max_props:
                errors.append(AjvError("maxProperties", _path(where), self.max_props_message, None))
            if self.min_props >= 0 and count < self.min_props:
                errors.append(AjvError("minProperties", _path(where), self.min_props_message, None))
        for name, message in self.required_early:
            found = PyDict_GetItem(value, name)
            if found == NULL or (stripped and <object>found is None):
                errors.append(AjvError("required", _path(where), message, name))
        if not self.properties_rule:
            return 0
        child.parent = where
        if self.additional_false or self.additional is not None:
            if _has_index_keys(value):
                keys = js_keys(value)  # JavaScript lists array-index keys first
            else:
                keys = value
            for name in keys:
                member = value[name]
                if (stripped and member is None) or name in self.property_set:
                    continue
                if self.additional_false:
                    errors.append(AjvError("additionalProperties", _path(where), ADDITIONAL_PROPERTIES, name))
                else:
                    segment = escape_segment(name) if ("~" in name or "/" in name) else name
                    child.segment = <PyObject *>segment
                    if self.additional.collect(member, &child, stripped, errors) < 0:
                        return -1
        for name, escaped, walker, required, message in self.properties:
            found = PyDict_GetItem(value, name)
            if found == NULL or (stripped and <object>found is None):
                if required:
                    errors.append(AjvError("required", _path(where), message, name))
            elif walker is not None:
                sub = <ErrorWalker>walker
                child.segment = <PyObject *>escaped
                if sub.collect(<object>found, &child, stripped, errors) < 0:
                    return -1
        return 0


# Where a value sits: its path segment and its parent's place (a chain on the C stack, so that a
# path tuple is built only for a value that has an error).
cdef struct _Where:
    _Where *parent
    PyObject *segment  # borrowed: the caller keeps it alive; NULL at the root


cdef tuple _path(_Where *where):
    """The escaped segments from the root to `where`, as AjvError.path holds them."""
    cdef list segments = []
    while where != NULL and where.segment != NULL:
        segments.append(<object>where.segment)
        where = where.parent
    segments.reverse()
    return tuple(segments)


cdef bint _has_index_keys(dict value) except -1:
    """Whether some key could be an array index (JavaScript orders those first); cheap for the rest."""
    for key in value:
        if PyUnicode_GET_LENGTH(key) and 48 <= PyUnicode_READ_CHAR(key, 0) <= 57:
            return has_index_keys(value)
    return False


ADDITIONAL_PROPERTIES = messages.additional_properties()


cdef object _walker(object node, int level):
    """The walker of a subschema one level below `level`."""
    if node is None:
        return None
    return ErrorWalker(node, level + 1)


def native_errors(walker, value):
    """AjvErrors of a root value (stripped position), or None when the Python collector must decide."""
    return _native_errors(<ErrorWalker>walker, value)


cdef object _native_errors(ErrorWalker walker, object value):
    cdef list errors = []
    cdef _Where root
    root.parent = NULL
    root.segment = NULL
    if walker.collect(value, &root, True, errors) < 0:
        return None
    return errors
