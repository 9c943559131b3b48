"""Fast checks are sound: whenever one says "valid", the exact collector finds no error."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import validator
from validator.jsvalue import clean
from validator.schema.collect import collect_errors

CONFORMANCE = Path(__file__).resolve().parent / "golden" / "conformance"
PLANS = [CONFORMANCE / "rich_plan.json", CONFORMANCE / "websdk_plan.json"]


@cache
def _points(kernel: str) -> list:
    points = []
    for path in PLANS:
        plan = validator.load_plan(str(path), compat="1.0.3", kernel=kernel).plans[0]
        points.extend(p for p in plan.lookup.values() if p.fast is not None)
    return points


def _names(point: object) -> list:
    """Property names the schema talks about, at every depth, so random objects hit them."""
    names: set = set()

    def walk(schema: object) -> None:
        if isinstance(schema, dict):
            for key, value in schema.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(value)
                if key == "required" and isinstance(value, list):
                    names.update(str(v) for v in value)
                walk(value)
        elif isinstance(schema, list):
            for item in schema:
                walk(item)

    walk(point.schema)  # type: ignore[attr-defined]
    return sorted(names) + ["extra", "0", "__proto__"]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "a", "abc", "2020-01-01", "a@b", "red", "blue", "http://x", "😀", "12"]),
    st.text(max_size=6),
)


@pytest.mark.parametrize("index", range(len(_points("python"))))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_valid_implies_exact_valid(kernel: str, index: int, data: st.DataObject) -> None:
    point = _points(kernel)[index]
    keys = st.sampled_from(_names(point))
    values = st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=5)
    )
    attributes = data.draw(st.dictionaries(keys, values, max_size=8))
    event = data.draw(
        st.sampled_from([dict, lambda a: {"data": a}, lambda a: {"data": {"custom_attributes": a}}])
    )(attributes)
    if isinstance(event, dict) and "data" in event and isinstance(event["data"], dict):
        event["data"].update(data.draw(st.dictionaries(keys, values, max_size=3)))
    if point.fast(event):
        assert collect_errors(point.node, clean(event)) == [], (point.key, event)
