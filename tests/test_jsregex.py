"""ECMAScript regex semantics on Python engines, and the guard against catastrophic backtracking."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import validator
from validator.schema.formats import FORMAT_SOURCES, FORMATS, format_checker
from validator.schema.jsregex import JSRegex, compile_js_regex, is_valid_js_regex, regex_cost, to_code_units


def _load_generator():  # the differential generator's curated patterns and format samples
    path = Path(__file__).resolve().parent / "differential" / "generate.py"
    spec = importlib.util.spec_from_file_location("dpv_differential_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()

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
    ("\\B", "", True),  # no word character on either side of position 0 (Python's \B never matches "")
    ("^\\B$", "", True),
    ("\\B", "a", False),
    ("a\\B", "ab", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), SEMANTICS)
def test_javascript_semantics(pattern: str, text: str, expected: bool) -> None:
    assert compile_js_regex(pattern).test(text) is expected


def _engines(regex: JSRegex, text: str) -> list:
    """What each engine answers: `re` (linear patterns, values up to fast_max) and `regex` (the rest)."""
    units = to_code_units(text)
    answers = [regex._guarded_search()(units, timeout=5) is not None]
    if regex.ascii_search is not None:
        answers.append(regex.ascii_search(units) is not None)
    return answers


@pytest.mark.parametrize(("pattern", "text", "expected"), SEMANTICS)
def test_javascript_semantics_on_both_engines(pattern: str, text: str, expected: bool) -> None:
    # Long values of linear patterns run on the `regex` engine too, so both must agree with JavaScript.
    assert set(_engines(compile_js_regex(pattern), text)) == {expected}


def test_engines_agree_on_curated_patterns_and_formats() -> None:
    cases = [(compile_js_regex(source), texts) for source, texts in generate.CURATED_PATTERNS]
    for name, (valid, invalid) in generate.FORMAT_SAMPLES.items():
        if name in FORMAT_SOURCES:
            cases.append((format_checker(name), valid + invalid))
    for regex, texts in cases:
        for text in texts:
            assert len(set(_engines(regex, text))) == 1, (regex, text)


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
