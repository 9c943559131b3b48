"""ajv 6.10.2's error messages (lib/dot/errors.def), the `expected` text of validation errors.

One table for both kernels, so the wording cannot drift between them.
"""

from __future__ import annotations

from typing import Any

from ..jsvalue import format_number

CONST = "should be equal to constant"
ENUM = "should be equal to one of the allowed values"
CONTAINS = "should contain a valid item"
ANY_OF = "should match some schema in anyOf"
ONE_OF = "should match exactly one schema in oneOf"
NOT = "should NOT be valid"
FALSE_SCHEMA = "boolean schema is false"
IF_THEN = 'should match "then" schema'
IF_ELSE = 'should match "else" schema'


def limit(exclusive: bool, is_max: bool, value: Any) -> str:
    """maximum / exclusiveMaximum / minimum / exclusiveMinimum."""
    op = ("<" if is_max else ">") + ("" if exclusive else "=")
    return f"should be {op} {format_number(value)}"


def multiple_of(value: Any) -> str:
    return f"should be multiple of {format_number(value)}"


def max_length(value: Any) -> str:
    return f"should NOT be longer than {format_number(value)} characters"


def min_length(value: Any) -> str:
    return f"should NOT be shorter than {format_number(value)} characters"


def max_items(value: Any) -> str:
    return f"should NOT have more than {format_number(value)} items"


def min_items(value: Any) -> str:
    return f"should NOT have fewer than {format_number(value)} items"


def max_properties(value: Any) -> str:
    return f"should NOT have more than {format_number(value)} properties"


def min_properties(value: Any) -> str:
    return f"should NOT have fewer than {format_number(value)} properties"


def pattern(source: str) -> str:
    return f'should match pattern "{source}"'


def format_(name: str) -> str:
    return f'should match format "{name}"'


def unique_items(j: int, i: int) -> str:
    return f"should NOT have duplicate items (items ## {j} and {i} are identical)"


def property_names(name: str) -> str:
    return f"property name '{name}' is invalid"


def dependencies(name: str, deps: list) -> str:
    if len(deps) == 1:
        return f"should have property {deps[0]} when property {name} is present"
    return f"should have properties {', '.join(str(d) for d in deps)} when property {name} is present"


def required(name: str) -> str:
    return f"should have required property '{name}'"


def additional_properties() -> str:
    return "should NOT have additional properties"
