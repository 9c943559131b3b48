"""Data points the reference fails on: by default the batches reaching them fail (as in the reference) and
each is reported once with a JSON pointer; strict_plan=True refuses the plan up front, listing every one."""

from __future__ import annotations

import json

import pytest

import validator
from validator import PlanError


def _plan(*definitions: object) -> dict:
    return {
        "data_points": [
            {
                "match": {"type": "screen_view", "criteria": {"screen_name": f"S{i}"}},
                "validator": {"type": "json_schema", "definition": definition},
            }
            for i, definition in enumerate(definitions)
        ]
    }


@pytest.mark.parametrize(
    ("definition", "pointer"),
    [
        ({"type": "strnig"}, "/data_points/0/validator/definition"),
        (
            {"properties": {"x": {"format": "phone"}}},
            "/data_points/0/validator/definition/properties/x/format",
        ),
        ({"$ref": "#/definitions/nope"}, "/data_points/0/validator/definition/$ref"),
        ({"$schema": "http://json-schema.org/draft-04/schema#"}, "/data_points/0/validator/definition"),
        (
            {"dependencies": {"__proto__": ["a"]}},
            "/data_points/0/validator/definition/dependencies/__proto__",
        ),
    ],
)
def test_bad_schema_is_a_plan_error_with_pointer(definition: object, pointer: str, kernel: str) -> None:
    with pytest.raises(PlanError) as caught:
        validator.load_plan(_plan({"type": "object"}, definition), kernel=kernel, strict_plan=True)
    problems = caught.value.problems
    assert all(p.pointer.startswith(pointer.replace("/0/", "/1/")) for p in problems), problems
    assert all("data point 1" in p.data_point for p in problems)


def test_every_bad_point_is_listed() -> None:
    with pytest.raises(PlanError) as caught:
        validator.load_plan(
            _plan({"type": "strnig"}, {"type": "object"}, {"properties": {"x": {"format": "phone"}}}),
            strict_plan=True,
        )
    assert sorted({p.data_point.split(" (")[0] for p in caught.value.problems}) == [
        "data point 0",
        "data point 2",
    ]
    assert "unusable plan" in str(caught.value)


def _batch(*screens: str) -> bytes:
    events = [{"event_type": "screen_view", "data": {"screen_name": s}} for s in screens]
    return json.dumps({"events": events, "user_attributes": {}}).encode()


def test_only_batches_reaching_a_broken_point_fail(kernel: str) -> None:
    reported: list = []
    v = validator.load_plan(
        _plan({"type": "strnig"}, {"type": "object", "required": ["a"]}),
        kernel=kernel,
        on_problem=lambda version, problem: reported.append(problem),
    )
    assert [p.pointer for p in reported] == ["/data_points/0/validator/definition/type"]
    assert v.validate_line(_batch("S0")) == (  # ajv's own text, as the reference fails the batch
        b'{"error":"schema is invalid: data/type should be equal to one of the allowed values, '
        b'data/type should be array, data/type should match some schema in anyOf"}'
    )
    assert v.validate_line(_batch("S1", "S0")).startswith(b'{"error":')
    assert v.validate_line(_batch("S1")) == (
        b'{"results":[{"event_type":"validation_result","data":{"match":{"type":"screen_view",'
        b'"criteria":{"screen_name":"S1"}},"validation_errors":[{"error_pointer":"#","schema_keyword":'
        b'"required","validation_error_type":"missing_required","expected":"a"}]}}],"batch":{}}'
    )
    assert v.validate_line(_batch("S2")).startswith(b'{"results":[{"event_type":"validation_result"')
    assert v.validate_line(b'{"events":[]}') == b'{"results":[],"batch":{}}'


def test_a_broken_user_attributes_point_fails_every_batch(kernel: str) -> None:
    plan = {
        "data_points": [
            {
                "match": {"type": "user_attributes"},
                "validator": {"type": "json_schema", "definition": {"minProperties": "1"}},
            }
        ]
    }
    v = validator.load_plan(plan, kernel=kernel)
    assert v.validate_line(b'{"events":[]}').startswith(b'{"error":')
    assert v.validate_line(b'{"user_attributes":{"a":1}}').startswith(b'{"error":')


def test_a_broken_point_that_loses_a_duplicate_key_is_never_compiled(kernel: str) -> None:
    plan = _plan({"type": "strnig"})
    loser = plan["data_points"][0]
    plan["data_points"].append(dict(loser, validator={"type": "json_schema", "definition": {}}))
    v = validator.load_plan(plan, kernel=kernel, strict_plan=True)
    assert v.validate_line(_batch("S0")) == b'{"results":[],"batch":{}}'


def _export(*versions: dict) -> dict:
    return {"data_plan_id": "app", "data_plan_versions": list(versions)}


def test_a_version_that_is_not_selected_is_never_compiled(kernel: str) -> None:
    good = {"version": 2, "version_document": _plan({"type": "object"})}
    archived = {"version": 1, "version_document": _plan({"type": "strnig"})}
    no_document = {"version": 0}
    reported: list = []
    v = validator.load_plan(
        _export(no_document, archived, good),
        kernel=kernel,
        on_problem=lambda version, problem: reported.append(problem),
    )
    assert reported == [] and len(v.plans) == 1
    assert v.validate_line(_batch("S0")) == b'{"results":[],"batch":{}}'
    # A batch routed to the broken version fails, and compiling that version reports it once.
    routed = json.dumps({"events": [], "context": {"data_plan": {"plan_id": "app", "plan_version": 1}}})
    assert v.validate_line(routed.encode()) == b'{"results":[],"batch":{}}'  # no event reaches the point
    routed_event = json.dumps(
        {
            "events": [{"event_type": "screen_view", "data": {"screen_name": "S0"}}],
            "context": {"data_plan": {"plan_id": "app", "plan_version": 1}},
        }
    )
    assert v.validate_line(routed_event.encode()).startswith(b'{"error":')
    assert len(reported) == 1
    routed_to_nothing = routed.replace('"plan_version": 1', '"plan_version": 0')
    assert v.validate_line(routed_to_nothing.encode()) == (
        b'{"error":"Data Plan Version does not contain a valid Version Document"}'
    )
    # Selecting a version up front: the others are not even read as plans.
    only = validator.load_plan(
        _export(no_document, archived, good), version=2, kernel=kernel, strict_plan=True
    )
    assert only.validate_line(_batch("S0")) == b'{"results":[],"batch":{}}'


def test_a_repeated_version_number_picks_the_first_as_the_reference_does(kernel: str) -> None:
    # mp planning:batches:validate --versionNumber N uses data_plan_versions.find(v => v.version === N).
    export = _export(
        {"version": 2, "version_document": _plan({"type": "object"})},
        {"version": 2, "version_document": _plan({"type": "object", "required": ["x"]})},
    )
    expected = b'{"results":[],"batch":{}}'
    assert validator.load_plan(export, version=2, kernel=kernel).validate_line(_batch("S0")) == expected
    routed = {"events": [{"event_type": "screen_view", "data": {"screen_name": "S0"}}],
              "context": {"data_plan": {"plan_id": "app", "plan_version": 2}}}
    both = validator.load_plan(export, kernel=kernel)
    assert both.validate_line(json.dumps(routed).encode()) == expected


# The reference's constructor reads a criteria field first, per match type: V8's TypeError names it.
# Recorded with the oracle (one plan per row, any batch).
CRITERIA_ERRORS = [
    ({"type": "custom_event"}, "Cannot read properties of undefined (reading 'custom_event_type')"),
    ({"type": "screen_view"}, "Cannot read properties of undefined (reading 'screen_name')"),
    (
        {"type": "custom_event", "criteria": None},
        "Cannot read properties of null (reading 'custom_event_type')",
    ),
    ({"type": "product_action"}, "Cannot read properties of undefined (reading 'action')"),
    ({"type": "promotion_action"}, "Cannot read properties of undefined (reading 'action')"),
    (
        {"type": "application_state_transition"},
        "Cannot read properties of undefined (reading 'application_transition_type')",
    ),
]


@pytest.mark.parametrize(("match", "thrown"), CRITERIA_ERRORS, ids=[m["type"] for m, _ in CRITERIA_ERRORS])
def test_a_match_without_criteria_fails_every_batch_with_the_references_text(
    kernel: str, match: dict, thrown: str
) -> None:
    reported: list = []
    plan = {"data_points": [{"match": match, "validator": {"type": "json_schema", "definition": {}}}]}
    v = validator.load_plan(plan, kernel=kernel, on_problem=lambda version, problem: reported.append(problem))
    assert v.validate_line(_batch("S0")) == b'{"error":' + json.dumps(thrown).encode() + b"}"
    # The context the error line leaves out is in the problem reported (stderr, dpv lint).
    assert [(p.pointer, p.data_point) for p in reported] == [
        ("/data_points/0/match/criteria", f"data point 0 ({match['type']})")
    ]
