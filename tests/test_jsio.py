"""JSON input/output fidelity, on both kernels, against golden output recorded from the reference.

Lone UTF-16 surrogates, numbers beyond the double range (JavaScript's ±Infinity), invalid UTF-8 in
a line, and values nested deeper than orjson (1024), Python's stack and the reference's own stack
allow. tests/golden/jsio/record.py re-records the golden files with the reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import validator
from validator.errors import StackOverflow
from validator.jsout import dumps, escape_surrogates, quote
from validator.jsvalue import NESTING_LIMIT, check_clean_depth, clean, is_integer, js_equal, js_string
from validator.lineparse import _fallback, _parse_iteratively, decode_json, parse_line

JSIO = Path(__file__).resolve().parent / "golden" / "jsio"
sys.path.insert(0, str(JSIO))

from deep_cases import BOUNDARY, CASES, DEEPEST_CASES, lines  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _lines_of(data: bytes) -> list:
    return [line for line in data.split(b"\n") if line.strip()]


def _same(got: bytes, want: bytes) -> bool:
    # Where the reference throws, its message is V8's: the contract is "this batch fails".
    if want.startswith(b'{"error":'):
        return got.startswith(b'{"error":')
    return got == want


def _check(plan: validator.PlanValidator, inputs: list, expected: list) -> None:
    assert len(inputs) == len(expected)
    for number, (line, want) in enumerate(zip(inputs, expected), start=1):
        got = plan.validate_line(line)
        assert _same(got, want), f"line {number}:\n ours:   {got[:300]!r}\n theirs: {want[:300]!r}"


@pytest.mark.parametrize(
    ("name", "plan_file", "compat"),
    [
        ("surrogates", "surrogates.plan.json", "1.0.3"),
        ("utf8", "surrogates.plan.json", "1.0.3"),
        ("infinity", "infinity.plan.json", None),
        # schemas nested 150 levels: fast checks stop at FAST_LEVELS, generated Python at its limits
        ("deep_schema", "deep_schema.plan.json", None),
        # a $ref cycle that does not descend: ajv recurses until its stack overflows
        ("cyclic_ref", "cyclic_ref.plan.json", None),
    ],
)
def test_golden(kernel: str, name: str, plan_file: str, compat: str) -> None:
    plan = validator.load_plan(str(JSIO / plan_file), compat=compat, kernel=kernel)
    _check(plan, _lines(JSIO / f"{name}.batches.ndjson"), _lines(JSIO / f"{name}.results.ndjson"))


def test_deep_golden(kernel: str) -> None:
    plan = validator.load_plan(str(JSIO / "deep.plan.json"), kernel=kernel)
    cases = lines()
    expected = _lines(JSIO / "deep.results.ndjson")
    assert len(cases) == len(expected)
    for (case, depth, text), want in zip(cases, expected):
        got = plan.validate_line(text.encode())
        assert _same(got, want), f"{case} at depth {depth}:\n ours:   {got[:200]!r}\n theirs: {want[:200]!r}"


def test_deep_through_check_line_and_multi_plan(kernel: str) -> None:
    # The paths that parse in the API (several plans loaded; file scanning) handle deep lines too.
    plan_file = str(JSIO / "deep.plan.json")
    single = validator.load_plan(plan_file, kernel=kernel)
    double = validator.PlanValidator(single.versions * 2, kernel=kernel)
    for case in ("objects", "arrays", "recursive_ref"):
        for depth in (1000, 10000):
            line = CASES[case](depth).encode()
            want = single.validate_line(line)
            assert single.check_line(line)[0] == want
            assert double.validate_line(line).startswith(b'{"error":') == want.startswith(b'{"error":')


def test_cli_deep_lines(tmp_path: Path) -> None:
    # Every depth of one case per way of walking, and both sides of JSON.stringify's limit, through
    # the CLI: the pure kernel, and the compiled one with --jobs 2.
    chosen = [(c, d, text) for c, d, text in lines() if c in DEEPEST_CASES or d in BOUNDARY]
    recorded = dict(zip(((c, d) for c, d, _ in lines()), _lines(JSIO / "deep.results.ndjson")))
    batches = tmp_path / "deep.ndjson"
    batches.write_text("".join(text + "\n" for _, _, text in chosen))
    for options in (["--kernel", "python"], ["--jobs", "2"]):
        out = tmp_path / "out.ndjson"
        run = subprocess.run(
            [sys.executable, "-m", "validator", "validate", "--plan", str(JSIO / "deep.plan.json"), "-q"]
            + options
            + ["-o", str(out), str(batches)],
            capture_output=True,
            cwd=ROOT,
        )
        assert run.returncode == 1, run.stderr.decode()[-2000:]
        assert b"Traceback" not in run.stderr
        got = _lines(out)
        assert len(got) == len(chosen)
        for (case, depth, _), line in zip(chosen, got):
            assert _same(line, recorded[case, depth]), f"{options} {case} at {depth}: {line[:200]!r}"


def test_cli_deep_json_document_with_jobs(tmp_path: Path) -> None:
    # A pretty-printed document is decoded by the reader; a batch nested deeper than pickle goes
    # cannot travel to a worker, so --jobs validates that chunk in the parent instead of crashing.
    chosen = [("arrays", 10000), ("actual_arrays", 1000), ("event_name", 1000), ("recursive_ref", 10000)]
    recorded = dict(zip(((c, d) for c, d, _ in lines()), _lines(JSIO / "deep.results.ndjson")))
    document = tmp_path / "batches.json"
    document.write_text("[\n" + ",\n".join("  " + CASES[case](depth) for case, depth in chosen) + "\n]\n")
    outputs = []
    for jobs in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-m", "validator", "validate", "--plan", str(JSIO / "deep.plan.json"), "-q"]
            + ["--jobs", jobs, str(document)],
            capture_output=True,
            cwd=ROOT,
        )
        assert run.returncode == 1 and b"Traceback" not in run.stderr, run.stderr.decode()[-2000:]
        got = _lines_of(run.stdout)
        assert len(got) == len(chosen)
        for (case, depth), line in zip(chosen, got):
            assert _same(line, recorded[case, depth]), f"--jobs {jobs} {case} at {depth}: {line[:200]!r}"
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]


def test_blocking_deep_lines(kernel: str) -> None:
    # The blocking line path fails a deep line only where the reference overflows (null stripping).
    from validator.blocking import LineBlocker

    blocker = LineBlocker(
        validator.load_plan(str(JSIO / "deep.plan.json"), kernel=kernel),
        validator.BlockSettings(event_attributes=True),
    )
    for case in ("arrays", "unvalidated_field"):
        line = CASES[case](10000).encode()
        assert blocker.apply(line, True) == (None, line, None)
    _, cleaned, quarantine = blocker.apply(CASES["objects"](10000).encode(), True)
    assert cleaned is None and quarantine is not None
    assert decode_json(quarantine)["dpv_error"].startswith("Maximum call stack size exceeded")


def test_a_recursion_error_is_an_error_line_not_a_traceback(kernel: str) -> None:
    # The last resort, should some walk still recurse: the run goes on with an error line.
    plan = validator.load_plan(str(JSIO / "deep.plan.json"), kernel=kernel)

    def recurses(value: object) -> bool:
        raise RecursionError("maximum recursion depth exceeded")

    for point in plan.plans[0].lookup.values():
        point.fast = recurses
    # The native front end checks on its own DOM, not with point.fast: set it aside.
    plan.plans[0].front = plan._front = None
    line = CASES["arrays"](3).encode()
    assert plan.validate_line(line) == b'{"error":"Maximum call stack size exceeded"}'
    assert plan.check_line(line)[1] == -1


def test_lint_reads_what_json_parse_reads() -> None:
    for plan in ("surrogates.plan.json", "infinity.plan.json"):
        run = subprocess.run(
            [sys.executable, "-m", "validator", "lint", str(JSIO / plan)], capture_output=True, cwd=ROOT
        )
        assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()


@pytest.mark.parametrize("form", ["results", "summary", "json", "junit", "github", "sarif"])
def test_reports_show_lone_surrogates_and_deep_keys(tmp_path: Path, form: str) -> None:
    # Reports are UTF-8 text: lone surrogates appear as their \udxxx escape; a deep unplanned key
    # (an event name of nested arrays) is written as JSON text, not a Python repr.
    batches = tmp_path / "b.ndjson"
    deep_name = CASES["event_name"](3000)
    batches.write_bytes((JSIO / "surrogates.batches.ndjson").read_bytes() + deep_name.encode() + b"\n")
    out = tmp_path / f"report.{form}"
    run = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--plan", str(JSIO / "surrogates.plan.json")]
        + ["--format", form, "-q", "-o", str(out), str(batches)],
        capture_output=True,
        cwd=ROOT,
    )
    assert run.returncode == 1, run.stderr.decode()[-2000:]
    text = out.read_bytes().decode("utf-8")  # strict: no lone surrogate got through
    if form == "results":
        assert all(decode_json(line) for line in text.split("\n") if line)  # not splitlines: U+2028
    elif form in ("json", "sarif"):
        assert decode_json(text)
    if form != "results":
        assert "\\ud83d" in text


@pytest.mark.parametrize("form", ["results", "summary", "json", "junit", "github", "sarif"])
def test_reports_of_a_file_whose_name_is_not_utf8(tmp_path: Path, form: str) -> None:
    # os.fsdecode gives such a name lone surrogates; reports show them escaped.
    name = os.fsdecode(bytes(tmp_path) + b"/bad\xff.ndjson")
    Path(name).write_bytes(b'{"events":[]}\n{broken\n')
    run = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--plan", str(JSIO / "surrogates.plan.json")]
        + ["--format", form, "--with-source", "-q", str(tmp_path)],
        capture_output=True,
        cwd=ROOT,
    )
    assert run.returncode == 1 and b"Traceback" not in run.stderr, run.stderr.decode()[-2000:]
    shown = {"json": "bad\\\\udcff", "sarif": "bad%5Cudcff"}.get(form, "bad\\udcff")  # JSON text, URI
    assert shown in run.stdout.decode("utf-8")


# -- the pieces -------------------------------------------------------------------------------------


def test_quote_escapes_lone_surrogates_once_and_pairs_adjacent_ones() -> None:
    assert quote("\ud83d") == '"\\ud83d"'
    assert quote('a"\\\ud83d\n') == '"a\\"\\\\\\ud83d\\n"'
    assert quote("\ud83d\ude00") == '"\U0001f600"'  # two code points that JS sees as one character
    assert quote("\ude00\ud83d") == '"\\ude00\\ud83d"'  # the wrong order stays two escapes
    assert escape_surrogates("é\udfff") == "é\\udfff"


def test_dumps_writes_infinity_as_null_and_any_depth() -> None:
    assert dumps([float("inf"), {"b": -float("inf"), "1": 1.0}]) == '[null,{"1":1,"b":null}]'
    assert js_string([float("inf"), [None, -float("inf")]]) == "Infinity,,-Infinity"
    deep: list = []
    inner = deep
    for _ in range(100000):
        inner.append([])
        inner = inner[0]
    assert dumps(deep) == "[" * 100001 + "]" * 100001
    with pytest.raises(StackOverflow):
        dumps(deep, NESTING_LIMIT)
    at_limit = _parse_iteratively("[" * NESTING_LIMIT + "]" * NESTING_LIMIT)[0]
    # JSON.stringify writes 4104 levels
    assert dumps(at_limit, NESTING_LIMIT) == "[" * NESTING_LIMIT + "]" * NESTING_LIMIT


def test_infinity_is_an_integer_to_ajv() -> None:
    assert is_integer(float("inf")) and is_integer(-float("inf"))
    assert not is_integer(1.5)


def test_js_equal_follows_fast_deep_equal_order() -> None:
    # fast-deep-equal compares the last index first: a difference there answers before a deep
    # branch is walked, where the reference's recursion would have overflowed.
    deep = _parse_iteratively("[" * (NESTING_LIMIT + 10) + "]" * (NESTING_LIMIT + 10))[0]
    assert js_equal([deep, 1], [deep, 2]) is False
    with pytest.raises(StackOverflow):
        js_equal([deep, 1], [deep, 1])
    assert js_equal({"a": [1, {"b": 2}], "c": None}, {"c": None, "a": [1.0, {"b": 2}]})
    assert not js_equal([1], [True])


def test_js_string_and_clean_limits() -> None:
    assert js_string([[1, 2], [], [None, [3]]]) == "1,2,,,3"
    too_deep = _parse_iteratively("[" * (NESTING_LIMIT + 1) + "]" * (NESTING_LIMIT + 1))[0]
    with pytest.raises(StackOverflow):
        js_string(too_deep)
    objects = _parse_iteratively('{"a":' * NESTING_LIMIT + "null" + "}" * NESTING_LIMIT)[0]
    assert clean({"x": None, "y": [None], "z": {"w": None}}) == {"y": [None], "z": {}}
    clean(objects)  # exactly at the limit
    with pytest.raises(StackOverflow):
        clean({"top": objects})


def test_check_clean_depth_fails_where_clean_does() -> None:
    at_limit = _parse_iteratively('{"a":' * NESTING_LIMIT + "1" + "}" * NESTING_LIMIT)[0]
    for value in (
        at_limit,
        {"b": at_limit},
        [at_limit],
        [{"b": at_limit}],
        {"__proto__": at_limit, "x": [at_limit]},
        {"x": [{"y": at_limit}]},  # arrays below the root are not entered
        "a string",
    ):
        try:
            clean(value)
            cleaned = True
        except StackOverflow:
            cleaned = False
        try:
            check_clean_depth(value)
            checked = True
        except StackOverflow:
            checked = False
        assert cleaned == checked, value if not isinstance(value, (dict, list)) else type(value)


def test_parse_line_decodes_as_node_does() -> None:
    # Invalid UTF-8: U+FFFD per maximal invalid subsequence (Node's decoder; checked byte for byte).
    assert parse_line(b'["\xed\xa0\x80", "\xf0\x9f\x98", "\xc0\xaf"]') == [
        "\ufffd" * 3,
        "\ufffd",
        "\ufffd" * 2,
    ]
    assert parse_line(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert parse_line(b'"\\ud83d"') == "\ud83d"
    assert parse_line(b"[1e400, -1e999, " + b"1" * 5000 + b"]") == [float("inf"), -float("inf"), float("inf")]
    with pytest.raises(validator.BatchFailure, match="Unexpected non-whitespace character after JSON"):
        parse_line(b'{"events":[]}\xff')


def test_iterative_parser_agrees_with_the_standard_library() -> None:
    texts = [
        '{"a" : [1, -0.5e-3, true, false, null, "\\u00e9\\ud83d", {}], "a": {"b": []}, "": 1}',
        ' [ [ ] , { } , [ { "x" : [ 1 ] } ] ] ',
        '{"\\"":"\\\\"}',
    ]
    for text in texts:
        assert repr(_parse_iteratively(text)[0]) == repr(_fallback.decode(text))
    for bad in ["[1,]", '{"a":1,}', "[1]]", '{"a":{"b":1}]', "01", "[", "NaN", '{"a"}', "\ufeff[]", "[\x0b]"]:
        with pytest.raises(ValueError):
            _parse_iteratively(bad)
        with pytest.raises(ValueError):
            _fallback.decode(bad)


def test_plan_with_lone_surrogate_and_infinity_loads(kernel: str) -> None:
    # JSON.parse reads both: the plan is usable, its match echoed as JSON.stringify writes it.
    plan = validator.load_plan(str(JSIO / "surrogates.plan.json"), kernel=kernel)
    echoed = '{"type":"custom_event","criteria":{"event_name":"\\ud83d","custom_event_type":"other"}}'
    assert echoed in [point.match_json for point in plan.plans[0].lookup.values()]


def test_api_results_with_lone_surrogates(kernel: str) -> None:
    plan = validator.load_plan(str(JSIO / "surrogates.plan.json"), kernel=kernel)
    event = {"event_type": "screen_view", "data": {"screen_name": "\ud83d"}}
    assert plan.validate_event(event)["data"]["validation_errors"][0]["key"] == "\ud83d"
    result = plan.validate_batch({"events": [event]})
    assert result["results"][0]["data"]["match"] == {
        "type": "screen_view",
        "criteria": {"screen_name": "\ud83d"},
    }
