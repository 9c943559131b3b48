"""ECMAScript regex semantics on Python engines, and the guard against catastrophic backtracking."""

from __future__ import annotations

import json

import pytest

import validator
from validator.schema.formats import FORMATS
from validator.schema.jsregex import compile_js_regex, is_valid_js_regex, regex_cost

# (pattern, text, what JavaScript's /pattern/.test(text) gives)
SEMANTICS = [
    ("^a$", "a\n", False),  # $ is the end of input only
    ("\\d", "\u0663", False),  # \d is ASCII
    ("\\w", "é", False),
    ("\\bé", "é", False),
    ("a.c", "a\nc", False),
    ("a.c", "a\u2028c", False),  # . excludes all four line terminators
    ("^.$", "😀", False),  # astral characters are two code units
    ("^..$", "😀", True),
    ("^.{2}$", "😀", True),
    ("[😀]", "\ud83d", True),
    ("\\a", "a", True),  # Annex B identity escapes
    ("\\Z", "Z", True),
    ("a{", "a{", True),  # a brace that is not a quantifier is literal
    ("x{1,", "x{1,", True),
    ("(a)|\\1b", "b", True),  # a backreference to a group that did not take part matches ""
    ("\\1(a)", "a", True),
    ("\\s", "\u00a0", True),  # JavaScript's whitespace set
    ("\\s", "\ufeff", True),
    ("[\\S]", "\u00a0", False),
    ("[^\\S]", "\u00a0", True),
    ("[\\d-z]", "-", True),
    ("\\cJ", "\n", True),
    ("\\c1", "\\c1", True),
    ("[]", "a", False),
    ("[^]", "\n", True),
    ("(?<n>a)\\k<n>", "aa", True),
    ("\\k<n>", "k<n>", True),
    ("\\8", "8", True),
    ("\\101", "A", True),  # legacy octal
    ("\\0", "\x00", True),
    ("(?=a)*b", "b", True),
    ("(?<=a+)b", "aab", True),  # variable-length lookbehind
    ("\\u{2}", "uu", True),
    ("\\x4", "x4", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), SEMANTICS)
def test_javascript_semantics(pattern: str, text: str, expected: bool) -> None:
    assert compile_js_regex(pattern).test(text) is expected


@pytest.mark.parametrize(
    "pattern",
    ["*a", "a**", "(", "(?x)", "[b-a]", "a{2,1}", "\\", "(?<a>x)(?<a>y)", "{1}", "a{1}{2}", "(?<=a)*", ")"],
)
def test_invalid_patterns_are_refused(pattern: str) -> None:
    assert not is_valid_js_regex(pattern)


def test_backtracking_shapes_are_flagged() -> None:
    assert not regex_cost("(a+)+$").linear
    assert not regex_cost("^(a|aa)*$").linear
    assert regex_cost("^[a-z]+$").linear
    assert regex_cost("(ab)+").linear


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("date", "2020-02-30", True),  # no calendar check in ajv's fast mode
        ("time", "25:00:00", True),
        ("date-time", "2020-01-01T00:00:00+0100", False),  # 6.10 wants a colon in the offset
        ("email", "a@b", True),
        ("uri", "http://x", True),
        ("ipv6", "::1", True),
        ("regex", "a\\Z", False),
        ("regex", "(", False),
    ],
)
def test_fast_formats(name: str, text: str, expected: bool) -> None:
    assert FORMATS[name](text) is expected


def test_hostile_pattern_fails_the_batch_instead_of_hanging(kernel: str) -> None:
    plan = {
        "data_points": [
            {
                "match": {"type": "screen_view", "criteria": {"screen_name": "Home"}},
                "validator": {
                    "type": "json_schema",
                    "definition": {
                        "properties": {
                            "data": {
                                "properties": {
                                    "custom_attributes": {"properties": {"x": {"pattern": "^(a|a)*$"}}}
                                }
                            }
                        }
                    },
                },
            }
        ]
    }
    checker = validator.load_plan(plan, kernel=kernel)
    batch = {
        "events": [
            {
                "event_type": "screen_view",
                "data": {"screen_name": "Home", "custom_attributes": {"x": "a" * 40 + "b"}},
            }
        ]
    }
    result = json.loads(checker.validate_line(json.dumps(batch).encode()))
    assert "catastrophic backtracking" in result["error"]
