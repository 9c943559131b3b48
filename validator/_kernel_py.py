"""The readable kernel: the batch loop, match dispatch and fast checks, in pure Python.

`_speedups/_kernel_c.pyx` is its compiled twin and must give identical bytes. Both call the shared
exact path (`results.py`) for anything that is not valid, so the error wording lives in one place.
"""

from __future__ import annotations

from typing import Any

from .compile import CompiledPlan
from .errors import EVENTS_NOT_AN_ARRAY, BatchFailure, DeepBatch
from .jsvalue import truthy
from .lineparse import parse_line
from .matching import event_match_key
from .results import (
    INVALID_UA_SCHEMA_RESULT,
    MISSING,
    RECURSION_ERROR_LINE,
    UNPLANNABLE_RESULT,
    check_stack,
    error_line,
    event_timeout,
    result_json,
    schema_errors_json,
    unplanned_result,
)
from .schema.fastcheck import attach_python_checks
from .schema.jsregex import RegexTimeout

NAME = "python"
RESULTS_HEAD = b'{"results":['
RESULTS_TAIL = b'],"batch":{}}'


def prepare(plan: CompiledPlan) -> None:
    """Attach generated Python fast checks to the plan's data points (`point.fast`)."""
    attach_python_checks(plan)


def _events_of(batch: Any) -> Any:
    if not truthy(batch):
        raise BatchFailure("Data Plan Version or Batch is missing and required")
    events = batch.get("events") if type(batch) is dict else None
    if events is not None and type(events) is not list:
        raise BatchFailure(EVENTS_NOT_AN_ARRAY)
    return events


def _common_key(event: dict) -> Any:
    """getMatchKey for the two common shapes (names that are strings); None sends others to matching.py."""
    data = event.get("data")
    if type(data) is not dict:
        return None
    event_type = event.get("event_type")
    if event_type == "custom_event":
        kind, name = data.get("custom_event_type"), data.get("event_name")
        if type(kind) is str and type(name) is str:
            return "custom_event:" + kind + ":" + name
    elif event_type == "screen_view":
        name = data.get("screen_name")
        if type(name) is str:
            return "screen_view::" + name
    return None


def _event_result(plan: CompiledPlan, event: Any) -> Any:
    """The serialized result of one event, or None when it is valid."""
    if type(event) is not dict:
        if event is None:
            raise BatchFailure("Cannot read properties of null (reading 'event_type')")
        return UNPLANNABLE_RESULT
    key = _common_key(event) or event_match_key(event)
    if not key:
        return UNPLANNABLE_RESULT
    point = plan.lookup.get(key)
    if point is None:
        return unplanned_result(event)
    fast = point.fast
    if fast is not None and fast(event):
        return None
    errors = schema_errors_json(point.node, event, plan.lenient)
    return result_json(point.match_json, errors) if errors else None


def _user_attributes_result(plan: CompiledPlan, batch: Any) -> Any:
    mode = plan.ua_mode
    if mode == "skip":
        return None
    if mode == "invalid":
        return INVALID_UA_SCHEMA_RESULT
    point = plan.ua_point
    attributes = batch.get("user_attributes", MISSING) if type(batch) is dict else MISSING
    try:
        if point.fast is not None and type(attributes) is dict and point.fast(attributes):  # type: ignore[union-attr]
            return None
        errors = schema_errors_json(point.node, attributes, plan.lenient)  # type: ignore[union-attr]
    except RegexTimeout as exc:
        raise exc.within("/user_attributes") from None
    return result_json(point.match_json, errors) if errors else None  # type: ignore[union-attr]


def batch_results(plan: CompiledPlan, batch: Any) -> list:
    """Serialized results of one batch (events in order, then user attributes); raises BatchFailure."""
    events = _events_of(batch)
    results = []
    if events:
        try:
            for event in events:
                result = _event_result(plan, event)
                if result is not None:
                    results.append(result)
        except RegexTimeout as exc:
            raise event_timeout(exc, events, event) from None
    ua = _user_attributes_result(plan, batch)
    if ua is not None:
        results.append(ua)
    return results


def batch_is_valid(plan: CompiledPlan, batch: Any) -> bool:
    """True when the batch would produce no results; raises BatchFailure."""
    events = _events_of(batch)
    if events:
        try:
            for event in events:
                if _event_result(plan, event) is not None:
                    return False
        except RegexTimeout as exc:
            raise event_timeout(exc, events, event) from None
    return _user_attributes_result(plan, batch) is None


def event_result(plan: CompiledPlan, event: Any) -> Any:
    """validateEvent: the serialized result of one event, or None when valid."""
    return _event_result(plan, event)


def results_line(plan: CompiledPlan, batch: Any) -> bytes:
    """The validate endpoint's response for one decoded batch; raises BatchFailure."""
    results = batch_results(plan, batch)
    if not results:
        return b'{"results":[],"batch":{}}'
    return RESULTS_HEAD + ",".join(results).encode() + RESULTS_TAIL


def validate_line(plan: CompiledPlan, line: bytes) -> bytes:
    """One NDJSON batch line in, one result line out (no newline); failures become {"error":...}."""
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
