"""metacheck.surely_valid never says yes where the meta-schema collector finds an error.

Every JSON Schema the test data holds (golden plans, conformance edge cases, random and traffic
plans, fresh random cases) and thousands of mutations of them go through both; the quick check
must also say yes to most plain schemas (or it would save nothing).
"""

from __future__ import annotations

import copy
import importlib.util
import random
import sys
from pathlib import Path
from typing import Any, Iterator

import orjson

from validator.schema.collect import collect_errors
from validator.schema.compiler import meta_schema_node
from validator.schema.metacheck import surely_valid

HERE = Path(__file__).resolve().parent


def _schemas_in(value: Any) -> Iterator[Any]:
    """Every data point definition in a plan-like document (any nesting)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            found = item.get("validator")
            if type(found) is dict and "definition" in found:
                yield found["definition"]
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)


def _test_data_schemas() -> list:
    schemas = []
    for path in sorted(HERE.rglob("*.json")):
        if path.stat().st_size > 5_000_000:
            continue
        try:
            document = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        schemas.extend(_schemas_in(document))
    spec = importlib.util.spec_from_file_location("dpv_meta_generate", HERE / "differential" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate
    spec.loader.exec_module(generate)
    for index in range(120):
        schemas.extend(_schemas_in(generate.generate_case(4242, index, n_batches=1)["plan"]))
    return schemas


REPLACEMENTS = [
    None, True, False, 0, -1, 1, 2.5, 3.0, -0.5, "", "x", "string", "integer", "(", "[a-", "^ok$", "\\Z",
    [], [1], ["a", "a"], ["a", "b"], ["string", "string"], ["string", "number"], [1, 1.0], [True, 1],
    [{}, {}], {}, {"type": "nope"}, {"a": 1}, {"(": {}}, {"x": ["a", "a"]}, {"x": "y"},
]
KEYWORDS = [
    "type", "enum", "const", "required", "properties", "additionalProperties", "items", "maxLength",
    "minLength", "maxItems", "minItems", "maximum", "minimum", "exclusiveMaximum", "multipleOf", "pattern",
    "format", "patternProperties", "dependencies", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "propertyNames", "contains", "definitions", "uniqueItems", "readOnly", "examples", "title",
    "$comment", "$ref", "$id", "maxProperties", "minProperties", "additionalItems", "contentEncoding",
]


def _subschemas(schema: Any) -> list:
    found, stack = [], [schema]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            found.append(node)
            stack.extend(v for v in node.values() if type(v) in (dict, list))
        elif type(node) is list:
            stack.extend(v for v in node if type(v) in (dict, list))
    return found


def _mutants(schema: Any, rng: random.Random, count: int) -> Iterator[Any]:
    for _ in range(count):
        mutant = copy.deepcopy(schema)
        targets = _subschemas(mutant)
        if not targets:
            return
        for _ in range(rng.randint(1, 2)):
            rng.choice(targets)[rng.choice(KEYWORDS)] = copy.deepcopy(rng.choice(REPLACEMENTS))
        yield mutant


def _agrees(schema: Any) -> bool:
    """False when the quick check says yes and the collector says no."""
    return not surely_valid(schema) or not collect_errors(meta_schema_node(), schema)


def test_quick_yes_is_always_the_collectors_yes() -> None:
    schemas = _test_data_schemas()
    assert len(schemas) > 500
    wrong = [schema for schema in schemas if not _agrees(schema)]
    assert not wrong, wrong[:3]
    # and it answers for most of them (else start-up gains nothing)
    assert sum(map(surely_valid, schemas)) > 0.75 * len(schemas)


def test_quick_yes_holds_on_mutations() -> None:
    rng = random.Random(20261202)
    schemas = _test_data_schemas()
    checked = said_yes = 0
    for schema in rng.sample(schemas, min(len(schemas), 400)):
        for mutant in _mutants(schema, rng, 12):
            checked += 1
            said_yes += surely_valid(mutant)
            assert _agrees(mutant), mutant
    assert checked > 2000 and said_yes > 200


def test_unmodelled_and_odd_shapes_are_left_to_the_collector() -> None:
    for schema in (
        {"$ref": "# x"},
        {"$schema": "draft-07"},
        {"maxLength": 3.5},
        {"enum": [1, 1.0]},
        {"enum": [0, -0.0]},
        {"enum": [9007199254740993, 9007199254740992]},
        {"enum": [10**400]},
        {"enum": [{"a": 1}, {"a": 1}]},
        {"pattern": "a\\Z"},
        {"pattern": "("},
        {"type": []},
        {"required": ["a", "a"]},
        {"items": []},
        {"multipleOf": 0},
        "schema",
        None,
    ):
        assert not surely_valid(schema), schema
    deep: Any = {}
    for _ in range(5000):
        deep = {"not": deep}
    assert surely_valid(deep)
    assert surely_valid({"properties": {"a": {"type": ["string", "null"], "enum": ["x", None]}}})
    assert surely_valid({"enum": [True, 1, "1", None], "maxLength": 3.0, "$ref": "#/definitions/a"})
