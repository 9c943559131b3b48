"""Compiled schema nodes: one per (sub)schema, holding exactly what ajv 6 evaluates, in its order.

A node is built once per plan version by `compiler.compile_schema`; both the exact error collector
and the fast checks read it. Fields left at their defaults mean "keyword absent".
"""

from __future__ import annotations

from typing import Any, Optional

# ajv's RULES.all: a schema object holding none of these validates everything ("empty schema").
RULE_KEYWORDS = frozenset(
    {
        "type", "$comment", "$ref", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if",
        "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "multipleOf", "format",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "items",
        "contains", "uniqueItems", "maxProperties", "minProperties", "required", "dependencies",
        "propertyNames", "properties", "additionalProperties", "patternProperties",
    }
)  # fmt: skip
# Keywords (including the ones a rule "implements") that make each typed group run.
NUMBER_KEYWORDS = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "multipleOf", "format")
STRING_KEYWORDS = ("maxLength", "minLength", "pattern", "format")
# `additionalItems` is not a rule of its own in ajv 6 (only `items` reads it), so it neither makes a
# schema "non-empty" nor makes the array group run.
ARRAY_KEYWORDS = ("maxItems", "minItems", "items", "contains", "uniqueItems")
OBJECT_KEYWORDS = (
    "maxProperties", "minProperties", "required", "dependencies", "propertyNames",
    "properties", "additionalProperties", "patternProperties",
)  # fmt: skip
GENERIC_KEYWORDS = ("const", "enum", "not", "anyOf", "oneOf", "allOf", "if")
GROUP_TYPES = ("number", "string", "array", "object")


def has_rules(schema: Any) -> bool:
    """ajv's schemaHasRules: `false` has rules, `true` and keyword-less objects do not."""
    if schema is True or schema is False:
        return not schema
    if type(schema) is dict:
        for key in schema:
            if key in RULE_KEYWORDS:
                return True
    return False


class Node:
    """One compiled (sub)schema."""

    __slots__ = (
        "pointer", "always_false", "empty", "ref",
        "types", "type_message", "type_upfront", "type_positional",
        "number_group", "max_limit", "max_exclusive", "max_keyword", "min_limit", "min_exclusive",
        "min_keyword", "multiple_of",
        "string_group", "max_length", "min_length", "pattern", "format_name", "format_check",
        "format_checker",
        "array_group", "max_items", "min_items", "items", "items_tuple", "additional_items",
        "additional_items_false", "contains", "unique_items", "unique_hash_types",
        "object_group", "max_props", "min_props", "required_early", "dep_arrays", "dep_schemas",
        "property_names", "properties_rule", "properties", "property_set", "pattern_props",
        "additional_false", "additional_schema",
        "has_const", "const", "enum", "not_", "any_of", "one_of", "all_of", "if_", "then", "else_",
        "fast", "failure", "exact_needed",
    )  # fmt: skip

    def __init__(self, pointer: str) -> None:
        self.pointer = pointer
        self.exact_needed: Optional[bool] = None  # fastcheck._needs_exact's answer, once asked
        self.always_false = False
        self.empty = False  # validates everything, emits nothing
        self.ref: Optional[Node] = None
        self.types: Optional[tuple] = None
        self.type_message = ""
        self.type_upfront = False
        self.type_positional: Optional[str] = None  # the group whose else-branch reports `type`
        self.number_group = False
        self.max_limit: Any = None
        self.max_exclusive = False
        self.max_keyword = ""
        self.min_limit: Any = None
        self.min_exclusive = False
        self.min_keyword = ""
        self.multiple_of: Any = None
        self.string_group = False
        self.max_length: Optional[int] = None
        self.min_length: Optional[int] = None
        self.pattern: Any = None  # a JSRegex
        self.format_name: Optional[str] = None
        self.format_check: Any = None  # test(str) -> bool; raises RegexTimeout
        self.format_checker: Any = None  # JSRegex (or formats.RegexFormat): test, probe, ascii_search
        self.array_group = False
        self.max_items: Optional[int] = None
        self.min_items: Optional[int] = None
        self.items: Optional[Node] = None  # schema form, non-empty only
        self.items_tuple: Optional[list] = None  # tuple form: list of Node or None (empty)
        self.additional_items: Optional[Node] = None  # non-empty schema, tuple form only
        self.additional_items_false = False
        self.contains: Optional[Node] = None
        self.unique_items = False
        self.unique_hash_types: Optional[tuple] = None  # hash path of uniqueItems; None = deep loop
        self.object_group = False
        self.max_props: Optional[int] = None
        self.min_props: Optional[int] = None
        self.required_early: tuple = ()  # names the `required` rule itself reports
        self.dep_arrays: tuple = ()  # (property, deps tuple, message)
        self.dep_schemas: tuple = ()  # (property, Node)
        self.property_names: Optional[Node] = None
        self.properties_rule = False
        self.properties: tuple = ()  # (name, escaped name, Node, required?) for non-empty subschemas
        self.property_set: frozenset = frozenset()
        self.pattern_props: tuple = ()  # (JSRegex, Node or None)
        self.additional_false = False
        self.additional_schema: Optional[Node] = None  # may be an empty node (still iterated)
        self.has_const = False
        self.const: Any = None
        self.enum: Optional[list] = None
        self.not_: Optional[Node] = None
        self.any_of: Optional[list] = None  # None also when a branch is empty (always passes)
        self.one_of: Optional[list] = None  # Node or None (empty branch passes)
        self.all_of: Optional[list] = None
        self.if_: Optional[Node] = None
        self.then: Optional[Node] = None
        self.else_: Optional[Node] = None
        self.fast: Any = None  # the kernel-specific boolean check, attached after compile
        # Why ajv would refuse to compile this schema; set only on a data point's root node, whose
        # batches then fail when an event reaches it (the reference compiles per event).
        self.failure: Optional[str] = None
