"""Deeply nested batches for deep.plan.json, built from (case, depth) so the golden files stay small.

Each case puts the nesting where the reference walks it differently (see jsvalue.NESTING_LIMIT):
null stripping (objects), JSON text of `actual`, String() of match criteria, deep equality, a
recursive $ref, or nowhere at all (arrays are not stripped; unplanned events and unvalidated batch
fields are not walked). `record.py` runs them through the reference; tests/test_jsio.py through dpv.
"""

from __future__ import annotations


def _objects(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


def _arrays(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _event(attributes: str, name: str = "E") -> str:
    data = '"event_name":"' + name + '","custom_event_type":"other","custom_attributes":{' + attributes + "}"
    return '{"event_type":"custom_event","data":{' + data + "}}"


def _batch(*events: str) -> str:
    return '{"events":[' + ",".join(events) + "]}"


def _user_attribute(value: str) -> str:
    return '{"events":[],"user_attributes":{"u":' + value + "}}"


def _event_name(value: str) -> str:
    event = '{"event_type":"custom_event","data":{"event_name":' + value + ',"custom_event_type":"other"}}'
    return _batch(event)


CASES = {
    # a custom attribute of nested objects, valid: null stripping walks it
    "objects": lambda n: _batch(_event('"d":' + _objects(n))),
    # nested arrays, valid: null stripping does not enter arrays, nothing walks them
    "arrays": lambda n: _batch(_event('"d":' + _arrays(n))),
    # nested arrays where a string is expected: `actual` is their JSON text
    "actual_arrays": lambda n: _batch(_event('"s":' + _arrays(n))),
    # nested objects inside an array where a string is expected: JSON text only
    "actual_objects": lambda n: _batch(_event('"s":[' + _objects(n) + "]")),
    # an unplanned attribute (additionalProperties false) of nested objects: stripped, then reported by name
    "unplanned_attribute": lambda n: _batch(_event('"z":' + _objects(n))),
    # user attributes of nested objects / arrays
    "user_attribute_objects": lambda n: _user_attribute(_objects(n)),
    "user_attribute_arrays": lambda n: _user_attribute(_arrays(n)),
    # an unplanned event: never validated
    "unplanned_event": lambda n: _batch(_event('"d":' + _objects(n), name="Unplanned")),
    # uniqueItems over two equal deep arrays (deep equality, then JSON text) and two unequal ones
    "unique_equal": lambda n: _batch(_event('"q":[' + _arrays(n) + "," + _arrays(n) + "]")),
    "unique_unequal": lambda n: _batch(_event('"q":[' + _arrays(n) + "," + _arrays(n, "2") + "]")),
    # a recursive $ref over nested arrays
    "recursive_ref": lambda n: _batch(_event('"r":' + _arrays(n, ""))),
    # an enum against nested arrays
    "enum": lambda n: _batch(_event('"en":' + _arrays(n))),
    # a batch field nobody validates
    "unvalidated_field": lambda n: '{"x":' + _objects(n) + ',"events":[]}',
    # an event name of nested arrays: String() for the match key, then the unplanned key and match
    "event_name": lambda n: _event_name(_arrays(n)),
}

# Depths every case is recorded at: below orjson's 1024, past it, past the reference's stack limits.
DEPTHS = (300, 600, 1000, 10000)
# The cases also recorded at 100,000 levels (one per way of walking, to keep the suite quick).
DEEPEST = 100000
DEEPEST_CASES = ("objects", "arrays", "user_attribute_objects", "recursive_ref")
# JSON.stringify's limit, the one the reference applies whatever its JIT state: both sides of it.
BOUNDARY = (4104, 4105)
BOUNDARY_CASES = ("actual_arrays", "actual_objects", "enum")


def lines() -> list:
    """(case, depth, batch JSON text) for every recorded line, in the order of deep.results.ndjson."""
    found = [(case, depth, make(depth)) for case, make in CASES.items() for depth in DEPTHS]
    found += [(case, DEEPEST, CASES[case](DEEPEST)) for case in DEEPEST_CASES]
    found += [(case, depth, CASES[case](depth)) for case in BOUNDARY_CASES for depth in BOUNDARY]
    return found
