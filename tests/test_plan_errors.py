"""Plans the reference cannot use are refused up front, with every bad data point and a JSON pointer."""

from __future__ import annotations

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
        validator.load_plan(_plan({"type": "object"}, definition), kernel=kernel)
    problems = caught.value.problems
    assert all(p.pointer.startswith(pointer.replace("/0/", "/1/")) for p in problems), problems
    assert all("data point 1" in p.data_point for p in problems)


def test_every_bad_point_is_listed() -> None:
    with pytest.raises(PlanError) as caught:
        validator.load_plan(
            _plan({"type": "strnig"}, {"type": "object"}, {"properties": {"x": {"format": "phone"}}})
        )
    assert sorted({p.data_point.split(" (")[0] for p in caught.value.problems}) == [
        "data point 0",
        "data point 2",
    ]
    assert "unusable plan" in str(caught.value)
