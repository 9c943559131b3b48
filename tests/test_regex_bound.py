"""Every regex in a plan finishes within the per-value limit, and only hostile ones pay for it.

Hostile shapes fail their batch with an error line that names the regex, the limit and the value's
pointer, and the run goes on; patterns the analysis proves linear stay on the stdlib `re` fast
path; the reference's answers on short values stay exact (tests/golden/regex, recorded with the
reference runner); `dpv lint` names each shape. The limit counts CPU time (the `regex` engine's
clock), so wall-clock bounds here are generous: the machine running the tests may be busy.
"""

from __future__ import annotations

import gzip
import json
import pickle
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import validator
from validator.cli import main
from validator.lint import lint_object
from validator.schema.formats import FORMAT_SOURCES, format_checker
from validator.schema.jsregex import (
    JSRegexError,
    RegexTimeout,
    compile_js_regex,
    is_valid_js_regex,
    regex_cost,
    time_limit,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "regex"
LIMIT = 0.2
CPU_BOUND = LIMIT + 0.3  # one limit (a fast check's timeout is remembered for the collector) + the rest
WALL_BOUND = 10 * LIMIT + 5
LENGTHS = (30, 1_000, 100_000)
VALID = b'{"results":[],"batch":{}}'

# name: (pattern, repeated character, tail, whether the value matches, the shape lint names)
HOSTILE = {
    "adjacent": ("^[a-z]+[a-z]+[a-z]+[a-z]+$", "a", "!", lambda n: False, "adjacent quantifiers"),
    "repeats": ("a*a*a*a*a*a*b", "a", "!", lambda n: False, "adjacent quantifiers"),
    "dots": (".*.*.*=.*", "x", "", lambda n: False, "adjacent quantifiers"),
    "optional": ("^(a?){28}a{28}$", "a", "", lambda n: 28 <= n <= 56, "can match nothing"),
    "nested": ("(a+)+$", "a", "!", lambda n: False, "nested quantifiers"),
    "words": ("(\\w+\\s?)*$", "a", "!", lambda n: True, "nested quantifiers"),
    "same_branches": ("(a|a)*$", "a", "!", lambda n: True, "repeated alternation"),
    "overlapping_branches": ("(a|ab)*c", "a", "", lambda n: False, "every start position"),
    "backreference": ("^(a+)\\1*$", "a", "!", lambda n: False, "backreference"),
    "unanchored": ("\\d+$", "1", "a", lambda n: False, "every start position"),
}
# Exponential for any backtracking engine: these must reach the limit from 1,000 characters on.
ALWAYS_SLOW = {"nested", "words", "same_branches"}
SAFE = [
    "^[A-Z]{2}-[0-9]{4,6}$",
    "^E[0-9]{3}$",
    "^[a-z0-9_]+$",
    "x\\d+y",
    "^(?:\\d+px|\\d+em)$",
    "^[^@]+@[^@]+\\.[a-z]+$",
    "^(?=[a-z])\\w+$",
    "[0-9]+",
    "^.{1,10000}$",
]
ATTRIBUTES = "/events/0/data/custom_attributes"


def _point(name: str, attributes: dict, match: str = "custom_event") -> dict:
    if match == "user_attributes":
        return {
            "match": {"type": "user_attributes"},
            "validator": {"type": "json_schema", "definition": attributes},
        }
    return {
        "match": {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": "other"}},
        "validator": {
            "type": "json_schema",
            "definition": {"properties": {"data": {"properties": {"custom_attributes": attributes}}}},
        },
    }


def _event(name: str, attributes: Any) -> dict:
    return {
        "event_type": "custom_event",
        "data": {"event_name": name, "custom_event_type": "other", "custom_attributes": attributes},
    }


def _line(*events: dict, **batch: Any) -> bytes:
    return json.dumps({"events": list(events), **batch}).encode()


def _timed(checker: validator.PlanValidator, line: bytes) -> tuple:
    wall, cpu = time.perf_counter(), time.process_time()
    out = checker.validate_line(line)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def _timeout_error(what: str, where: str, subject: str = "value") -> bytes:
    message = (
        f"{what} ran longer than the {LIMIT:g}s limit on the {subject} at {where} (catastrophic "
        "backtracking); the batch was not validated"
    )
    return json.dumps({"error": message}, ensure_ascii=False, separators=(",", ":")).encode()


# -- the reference's answers on short values --------------------------------------------------------


def test_short_values_answer_like_the_reference(kernel: str) -> None:
    checker = validator.load_plan(str(GOLDEN / "plan.json"), kernel=kernel)
    batches = gzip.decompress((GOLDEN / "batches.ndjson.gz").read_bytes()).splitlines()
    results = gzip.decompress((GOLDEN / "results.ndjson.gz").read_bytes()).splitlines()
    assert len(batches) == len(results) == 28
    for number, (line, want) in enumerate(zip(batches, results), start=1):
        assert checker.validate_line(line) == want, f"line {number}"


# -- hostile shapes: bounded, located, and the run goes on ----------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_shape_finishes_within_the_limit(kernel: str, name: str) -> None:
    source, char, tail, matches, _ = HOSTILE[name]
    plan = {"data_points": [_point("e", {"properties": {"x": {"type": "string", "pattern": source}}})]}
    checker = validator.load_plan(plan, kernel=kernel, regex_timeout=LIMIT)
    timeout = _timeout_error(f"pattern /{source}/", ATTRIBUTES + "/x")
    for length in LENGTHS:
        out, cpu, wall = _timed(checker, _line(_event("e", {"x": char * length + tail})))
        assert cpu < CPU_BOUND and wall < WALL_BOUND, (length, cpu, wall)
        if out == timeout:
            continue
        assert not (name in ALWAYS_SLOW and length >= 1_000), (length, out[:200])
        # Within the limit the answer is exact: valid, or one `pattern` error on x.
        assert (out == VALID) is matches(length), (length, out[:200])
        assert out == VALID or out.count(b'"schema_keyword":"pattern"') == 1
    # The run goes on: the same validator answers the next batch.
    out = checker.validate_line(_line(_event("e", {"x": char * 3 + tail})))
    assert (out == VALID) is matches(3)


def test_exponential_shapes_reach_the_limit(kernel: str) -> None:
    for name in sorted(ALWAYS_SLOW):
        source, char, tail, _, _ = HOSTILE[name]
        plan = {"data_points": [_point("e", {"properties": {"x": {"pattern": source}}})]}
        checker = validator.load_plan(plan, kernel=kernel, regex_timeout=LIMIT)
        # A length no other test uses: a value that timed out once fails at once afterwards (the
        # compiled regex is shared by every validator with the same limit in the process).
        length = 1_234 if kernel == "python" else 1_235
        out, cpu, _ = _timed(checker, _line(_event("e", {"x": char * length + tail})))
        assert out == _timeout_error(f"pattern /{source}/", ATTRIBUTES + "/x"), name
        assert LIMIT * 0.9 <= cpu < CPU_BOUND


def test_a_timed_out_value_fails_at_once_the_second_time() -> None:
    regex = compile_js_regex("(a|a)*$", timeout=LIMIT)
    value = "a" * 40 + "!"
    with pytest.raises(RegexTimeout):
        regex.test(value)
    started = time.process_time()
    assert regex.probe(value) is False
    with pytest.raises(RegexTimeout):
        regex.test("a" * 40 + "!")  # equal, not the same object
    assert time.process_time() - started < LIMIT / 2


def test_a_long_value_is_looked_at_once() -> None:
    # A fast check's False and then the collector look at a failing value twice: for long values
    # the answer is remembered, so the value costs the limit once, not twice.
    checker = format_checker("regex", LIMIT * 10)
    value = "(?:" * 30_000  # long (a tenth of a second of parsing, well under the limit), invalid at its end
    assert checker.probe(value) is False
    started = time.process_time()
    assert checker.test("(?:" * 30_000) is False  # equal, not the same object
    assert time.process_time() - started < 0.05


def test_the_error_locates_the_value(kernel: str) -> None:
    hostile = "a" * 1_000 + "!"
    plan = {
        "data_points": [
            _point("e", {"properties": {"x": {"pattern": "(a+)+$"}}}),
            _point("keys", {"patternProperties": {"^(a|a)*$": {}}, "additionalProperties": False}),
            _point("names", {"propertyNames": {"pattern": "(a+)+$"}}),
            _point("v6", {"properties": {"ip": {"format": "ipv6"}}}),
            _point("ua", {"properties": {"plan": {"pattern": "(\\w+\\s?)*$"}}}, "user_attributes"),
        ]
    }
    checker = validator.load_plan(plan, kernel=kernel, regex_timeout=LIMIT)
    fine = _event("e", {"x": "aaa"})
    cases = [
        (
            _line(fine, fine, _event("e", {"x": hostile})),
            "pattern /(a+)+$/",
            "/events/2/data/custom_attributes/x",
            "value",
        ),
        (
            _line(_event("keys", {hostile: 1})),
            "pattern /^(a|a)*$/",
            f"{ATTRIBUTES}/{hostile}",
            "property name",
        ),
        (
            _line(_event("names", {hostile: 1})),
            "pattern /(a+)+$/",
            f"{ATTRIBUTES}/{hostile}",
            "property name",
        ),
        (
            _line(_event("v6", {"ip": "::1%a" + " " * 100_000 + "\nx"})),
            'format "ipv6"',
            f"{ATTRIBUTES}/ip",
            "value",
        ),
        (
            _line(user_attributes={"plan": hostile + "!"}),
            "pattern /(\\w+\\s?)*$/",
            "/user_attributes/plan",
            "value",
        ),
    ]
    for line, what, where, subject in cases:
        out, cpu, wall = _timed(checker, line)
        assert out == _timeout_error(what, where, subject)
        assert cpu < CPU_BOUND and wall < WALL_BOUND
    assert checker.validate_line(_line(fine)) == VALID  # and the next batch is validated


def test_the_regex_format_parses_long_values_within_the_limit(kernel: str) -> None:
    plan = {"data_points": [_point("r", {"properties": {"source": {"format": "regex"}}})]}
    checker = validator.load_plan(plan, kernel=kernel, regex_timeout=LIMIT)
    out, cpu, wall = _timed(checker, _line(_event("r", {"source": "(?:" * 400_000})))
    assert out == _timeout_error('format "regex"', ATTRIBUTES + "/source")
    assert cpu < CPU_BOUND and wall < WALL_BOUND
    assert checker.validate_line(_line(_event("r", {"source": "(?:a)"}))) == VALID


def test_the_limit_travels_with_the_validator() -> None:
    plan = {"data_points": [_point("e", {"properties": {"x": {"pattern": "(a|a)*$"}}})]}
    rebuilt = pickle.loads(pickle.dumps(validator.load_plan(plan, regex_timeout=LIMIT)))
    out = rebuilt.validate_line(_line(_event("e", {"x": "a" * 100 + "!"})))
    assert out == _timeout_error("pattern /(a|a)*$/", ATTRIBUTES + "/x")


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), "1", True])
def test_the_limit_must_be_a_positive_number(bad: Any) -> None:
    with pytest.raises(ValueError):
        time_limit(bad)
    with pytest.raises(ValueError):
        validator.load_plan({"data_points": [_point("e", {})]}, regex_timeout=bad)
    assert time_limit(None) == 1.0 and time_limit(2) == 2.0


# -- the command line -------------------------------------------------------------------------------


def _cli(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes


def test_cli_regex_timeout_fails_the_batch_and_goes_on(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"data_points": [_point("e", {"properties": {"x": {"pattern": "(a|a)*$"}}})]}))
    values = ["aaa", "a" * 1_000 + "!", "b", "a" * 100_000 + "!", "aa"]
    batches = tmp_path / "batches.ndjson"
    batches.write_bytes(b"\n".join(_line(_event("e", {"x": v})) for v in values) + b"\n")
    started = time.perf_counter()
    code, out = _cli("validate", "--plan", plan, "--regex-timeout", LIMIT, batches)
    assert time.perf_counter() - started < 2 * WALL_BOUND
    assert code == 1
    lines = out.splitlines()
    timeout = json.loads(_timeout_error("pattern /(a|a)*$/", ATTRIBUTES + "/x"))["error"]
    assert [json.loads(line).get("error") for line in lines] == [None, timeout, None, timeout, None]
    assert lines[0] == lines[2] == lines[4] == VALID
    # Worker processes get the same limit (the validator pickles its options).
    assert _cli("validate", "--plan", plan, "--regex-timeout", LIMIT, "--jobs", "2", batches) == (code, out)


@pytest.mark.parametrize("bad", ["0", "-1", "inf", "nan", "soon"])
def test_cli_refuses_a_bad_limit(bad: str) -> None:
    plan = Path(__file__).resolve().parents[1] / "examples" / "plan.json"
    assert _cli("validate", "--plan", plan, "--regex-timeout", bad, "-")[0] == 2


# -- the analysis: fast path for the proven, lint for the rest -------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_shapes_are_guarded_and_linted(name: str) -> None:
    source, _, _, _, shape = HOSTILE[name]
    regex = compile_js_regex(source)
    assert not regex.linear and regex.ascii_search is None and regex.fast_max < 0
    plan = {"data_points": [_point("e", {"properties": {"x": {"pattern": source}}})]}
    findings = [f for f in lint_object(plan)[0] if f.code == "backtracking-regex"]
    assert len(findings) == 1
    assert findings[0].pointer.endswith("/custom_attributes/properties/x/pattern")
    assert shape in findings[0].message, findings[0].message


def test_lint_finds_hostile_keys_and_property_names() -> None:
    plan = {
        "data_points": [
            _point("keys", {"patternProperties": {"(a|a)*$": {}}}),
            _point("names", {"propertyNames": {"pattern": "(a+)+$"}}),
        ]
    }
    pointers = sorted(f.pointer for f in lint_object(plan)[0] if f.code == "backtracking-regex")
    assert [p.rsplit("/custom_attributes/", 1)[1] for p in pointers] == [
        "patternProperties/(a|a)*$",
        "propertyNames/pattern",
    ]


@pytest.mark.parametrize("source", SAFE)
def test_safe_patterns_stay_on_the_fast_path(kernel: str, source: str) -> None:
    regex = compile_js_regex(source)
    assert regex.linear and regex.fast_max >= 100_000
    assert isinstance(regex.ascii_search.__self__, re.Pattern)  # type: ignore[union-attr]  # the stdlib engine
    plan = {"data_points": [_point("e", {"properties": {"x": {"pattern": source}}})]}
    assert not [f for f in lint_object(plan)[0] if f.code == "backtracking-regex"]
    checker = validator.load_plan(plan, kernel=kernel)
    node = checker.plans[0].lookup["custom_event:other:e"].node
    for step in ("data", "custom_attributes", "x"):
        node = next(child for name, _, child, _ in node.properties if name == step)
    assert node.pattern.linear


def test_formats_are_proven_linear_except_url_and_ipv6() -> None:
    guarded = {name for name in FORMAT_SOURCES if not format_checker(name).linear}
    assert guarded == {"url", "ipv6"}
    assert {name for name in FORMAT_SOURCES if format_checker(name).ascii_search is None} == guarded


def test_linear_verdicts_hold_on_long_values() -> None:
    """Random patterns the analysis calls linear stay within the work bound it implies (20,000 chars)."""
    chooser = random.Random(7)
    atoms = ["a", "b", "[ab]", ".", "[^a]", "\\d", "1", "(a)", "(b|1)"]

    def pattern(depth: int = 0) -> str:
        kind = chooser.random()
        if depth > 3 or kind < 0.3:
            node = chooser.choice(atoms)
        elif kind < 0.55:
            node = "".join(pattern(depth + 1) for _ in range(chooser.randint(2, 3)))
        elif kind < 0.7:
            node = "(?:" + "|".join(pattern(depth + 1) for _ in range(chooser.randint(2, 3))) + ")"
        else:
            node = chooser.choice(["(?:", "("]) + pattern(depth + 1) + ")"
        if chooser.random() < 0.45:
            node = "(?:" + node + ")" + chooser.choice(["*", "+", "?", "{2}", "{0,3}", "{1,}", "*?"])
        return node

    checked = 0
    while checked < 60:
        source = ("^" if chooser.random() < 0.5 else "") + pattern() + ("$" if chooser.random() < 0.5 else "")
        try:
            regex = compile_js_regex(source)
        except JSRegexError:
            continue
        if not regex.linear or regex.fast_max == sys.maxsize:
            continue
        checked += 1
        for _ in range(3):
            chunk = "".join(chooser.choice("ab1!") for _ in range(chooser.randint(1, 3)))
            value = chunk * (20_000 // len(chunk)) + chooser.choice(["", "!", "b", "\n"])
            started = time.process_time()
            regex.ascii_search(value)  # type: ignore[misc]
            used = time.process_time() - started
            assert used <= regex.timeout * len(value) / regex.fast_max + 0.05, (source, chunk, used)


# -- the parser on hostile values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "(" * 50_000 + ")" * 50_000,
        "(?:" * 100_000 + "a" + ")" * 100_000,
        "(?<" * 33_000,
        "(?<a>)" + "\\k<a" * 25_000,
        "[" * 100_000,
        "a{" + "1" * 100_000 + "}",
        "(?=" * 33_000,
    ],
    ids=["captures", "nesting", "names", "references", "classes", "digits", "lookaheads"],
)
def test_parsing_long_values_is_linear(value: str) -> None:
    started = time.process_time()
    is_valid_js_regex(value)
    assert time.process_time() - started < 5


def test_v8_parser_limits() -> None:
    # What V8 (node 20, the reference's engine) answers for these, also in the golden case.
    assert is_valid_js_regex("a{2147483648,2147483647}")
    assert not is_valid_js_regex("a{2147483647,2147483646}")
    assert is_valid_js_regex("(" * 32_767 + ")" * 32_767)
    assert not is_valid_js_regex("(" * 32_768 + ")" * 32_768)
    assert regex_cost("^a{0,2147483647}$").linear  # V8's infinity: a loop, not 2**31 copies
