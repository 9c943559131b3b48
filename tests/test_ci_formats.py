"""CI formats (junit, github, sarif) for `dpv validate` and `dpv lint`: valid documents, exact contents."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from validator.cli import main
from validator.reports.github import command, escape_data, escape_property
from validator.reports.violations import artifact_uri, display_path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
REFERENCE = Path(__file__).resolve().parent / "golden" / "examples.results.ndjson"
RICH_PLAN = Path(__file__).resolve().parent / "golden" / "conformance" / "rich_plan.json"
VALID = b'{"results":[],"batch":{}}'
# A Product Viewed event whose sku breaks the pattern and holds characters XML and JSON must escape.
HOSTILE = (
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Product Viewed","custom_event_type":'
    b'"navigation","custom_attributes":{"sku":"a\\u0001<&>\\"%:,\\n\\r","price":1}}}]}'
)

# GitHub's workflow-command grammar: `::name key=value,key=value::message`, with `%`, CR and LF escaped
# everywhere and `:` and `,` also escaped in property values.
_VALUE = r"(?:[^%\r\n:,]|%25|%0D|%0A|%3A|%2C)*"
_PROPERTY = rf"(?:file|line|endLine|col|endColumn|title)={_VALUE}"
COMMAND = re.compile(
    rf"::(?:error|warning|notice)(?: {_PROPERTY}(?:,{_PROPERTY})*)?::(?:[^%\r\n]|%25|%0D|%0A)*"
)


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes


@pytest.fixture
def inputs(tmp_path: Path) -> list:
    """The example batches, a file with a hostile value and a bad line, and a file that does not exist."""
    other = tmp_path / "other.ndjson"
    other.write_bytes(HOSTILE + b"\nnot json\n" + VALID_BATCH + b"\n")
    return [BATCHES, other, tmp_path / "missing.ndjson"]


VALID_BATCH = b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}],"user_attributes":{}}'


def _reference() -> list:
    return [json.loads(line) for line in REFERENCE.read_bytes().splitlines()]


def _types(result: dict) -> list:
    return [
        e["validation_error_type"] for r in result.get("results", []) for e in r["data"]["validation_errors"]
    ]


# -- junit ----------------------------------------------------------------------------------------


def _validate_xsd(document: bytes) -> None:
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema not installed: XSD validation skipped")
    xmlschema.XMLSchema(str(DATA / "junit-10.xsd")).validate(document.decode())


def _check_junit_structure(root: ET.Element) -> None:
    """What the XSD cannot say: the counts on each suite are the counts of its cases."""
    assert root.tag == "testsuites"
    for suite in root:
        assert suite.tag == "testsuite"
        cases = list(suite)
        assert all(case.tag == "testcase" for case in cases)
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors", "")) == sum(1 for c in cases if c.find("error") is not None)
        for case in cases:
            assert case.get("name") and case.get("classname") == suite.get("name")
            assert all(child.tag in ("failure", "error", "system-out") for child in case)


def test_junit_validate(inputs: list) -> None:
    code, out = run("validate", "-q", "--format", "junit", "--plan", PLAN, *inputs)
    assert code == 3  # the missing file; everything else is still reported
    _validate_xsd(out)
    root = ET.fromstring(out)
    _check_junit_structure(root)
    suites = list(root)
    assert [s.get("name") for s in suites] == [display_path(str(p)) for p in inputs]
    reference = _reference()
    examples = suites[0]
    assert [c.get("name") for c in examples] == [f"line {n}" for n in range(1, len(reference) + 1)]
    for case, result in zip(examples, reference):
        failure = case.find("failure")
        if result == {"results": [], "batch": {}}:
            assert failure is None and len(case) == 0
        else:
            assert failure is not None
            assert [line.split(" ", 1)[0] for line in (failure.text or "").split("\n")] == _types(result)
            assert failure.get("message", "").startswith(f"{len(_types(result))} validation error")
    hostile, bad_line, valid = list(suites[1])
    assert hostile.find("failure").text.startswith(  # type: ignore[union-attr]
        'invalid_value at #/data/custom_attributes/sku (custom_event "Product Viewed" (navigation)): '
        'should match pattern "^[A-Z]{3}-\\d{4}$", actual "a\\u0001<&>\\"%:,\\n\\r"'
    )
    assert bad_line.find("error").get("type") == "batch_error"  # type: ignore[union-attr]
    assert len(valid) == 0
    missing = suites[2][0].find("error")
    assert missing is not None and missing.get("type") == "unreadable_file"


def test_junit_ignored_types_pass_with_the_errors_as_output() -> None:
    code, out = run("validate", "-q", "--format", "junit", "--fail-on", "unplanned", "--plan", PLAN, BATCHES)
    assert code == 1
    _validate_xsd(out)
    root = ET.fromstring(out)
    _check_junit_structure(root)
    reference = _reference()
    for case, result in zip(root[0], reference):
        kinds = _types(result)
        failure, output = case.find("failure"), case.find("system-out")
        assert (failure is not None) == ("unplanned" in kinds)
        assert (output is not None) == any(k != "unplanned" for k in kinds)


# -- github ---------------------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    assert (
        command("error", "x:y", file="a,b.json", line=3, title=None)
        == b"::error file=a%2Cb.json,line=3::x:y\n"
    )
    assert command("notice", "done") == b"::notice::done\n"


def _unescape(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def test_github_validate(inputs: list) -> None:
    code, out = run("validate", "-q", "--format", "github", "--plan", PLAN, *inputs)
    assert code == 3
    lines = out.decode().split("\n")
    assert lines.pop() == ""
    assert all(COMMAND.fullmatch(line) for line in lines), [
        line for line in lines if not COMMAND.fullmatch(line)
    ]
    reference = _reference()
    invalid = [(n, r) for n, r in enumerate(reference, 1) if r != {"results": [], "batch": {}}]
    annotations = lines[: len(invalid)]
    for line, (number, result) in zip(annotations, invalid):
        assert line.startswith(f"::error file={display_path(str(BATCHES))},line={number},title=dpv ")
        message = _unescape(line.split("::", 2)[2])
        assert [m.split(" ", 1)[0] for m in message.split("\n")] == _types(result)
    hostile, bad_line, missing, notice = lines[len(invalid) :]
    other = inputs[1]
    assert hostile.startswith(f"::error file={other},line=1,title=dpv 1 validation error (invalid_value)::")
    assert _unescape(hostile.split("::", 2)[2]).endswith('actual "a\\u0001<&>\\"%:,\\n\\r"')
    assert bad_line.startswith(f"::error file={other},line=2,title=dpv batch not validated::")
    assert missing.startswith(f"::error file={inputs[2]},title=dpv unreadable input::")
    kinds = [kind for result in reference for kind in _types(result)] + ["invalid_value"]  # + the hostile one
    assert (kinds.count("invalid_value"), kinds.count("unplanned"), len(kinds)) == (57, 5, 62)
    assert notice == (
        "::notice title=dpv validate::43 batches: 8 valid, 34 invalid, 1 not validated; 1 unreadable file; "
        "errors by type: invalid_value 57, unplanned 5"
    )


def test_github_ignored_types_are_warnings() -> None:
    code, out = run("validate", "-q", "--format", "github", "--ignore-unplanned", "--plan", PLAN, BATCHES)
    assert code == 1
    levels = {}
    for line, result in zip(
        (line for line in out.decode().splitlines() if "title=dpv validate" not in line),
        (r for r in _reference() if r != {"results": [], "batch": {}}),
    ):
        levels[frozenset(_types(result))] = line.split(" ", 1)[0]
    assert levels == {
        frozenset({"invalid_value"}): "::error",
        frozenset({"invalid_value", "unplanned"}): "::error",
        frozenset({"unplanned"}): "::warning",
    }


# -- sarif ----------------------------------------------------------------------------------------


def _validate_sarif(document: dict) -> None:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(document)


def test_sarif_validate(inputs: list) -> None:
    code, out = run("validate", "-q", "--format", "sarif", "--plan", PLAN, *inputs)
    assert code == 3
    document = json.loads(out)
    _validate_sarif(document)
    (run_,) = document["runs"]
    results = run_["results"]
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    expected = [
        (str(BATCHES), number, kind)
        for number, result in enumerate(_reference(), 1)
        for kind in _types(result)
    ]
    other, missing = str(inputs[1]), str(inputs[2])
    expected += [(other, 1, "invalid_value"), (other, 2, "batch_error"), (missing, None, "unreadable_file")]
    found = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
            r["ruleId"],
        )
        for r in results
    ]
    assert found == [(artifact_uri(uri), line, kind) for uri, line, kind in expected]
    assert all(r["level"] == "error" for r in results)
    assert run_["invocations"] == [{"executionSuccessful": False}]


def test_sarif_levels_follow_the_gate() -> None:
    code, out = run("validate", "-q", "--format", "sarif", "--fail-on", "unplanned", "--plan", PLAN, BATCHES)
    document = json.loads(out)
    _validate_sarif(document)
    levels = {(r["ruleId"], r["level"]) for r in document["runs"][0]["results"]}
    assert (code, levels) == (1, {("unplanned", "error"), ("invalid_value", "warning")})


# -- lint -----------------------------------------------------------------------------------------


@pytest.fixture
def plans(tmp_path: Path) -> list:
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps({"data_points": [None, {"match": {"type": "media"}, "validator": {"type": "x"}}]})
    )
    not_json = tmp_path / "not.json"
    not_json.write_text("{")
    return [RICH_PLAN, broken, not_json]


def test_lint_junit(plans: list) -> None:
    code, out = run("lint", "--format", "junit", *plans)
    assert code == 3
    _validate_xsd(out)
    root = ET.fromstring(out)
    _check_junit_structure(root)
    rich, broken, not_json = root
    assert [c.get("name") for c in rich][:3] == [
        "plan file",
        'data point 0 (custom_event "Rich" (navigation))',
        'data point 1 (screen_view "Home")',
    ]
    assert len(rich) == 1 + 15 and rich.get("failures") == "0"  # warnings only: output, not failures
    assert rich[1].find("system-out").text.startswith("line 121: warning [unsatisfiable-required]")  # type: ignore[union-attr]
    assert (broken.get("failures"), broken.get("errors")) == ("1", "0")
    assert broken[1].find("failure").get("type") == "null-data-point"  # type: ignore[union-attr]
    assert (not_json.get("failures"), not_json.get("errors")) == ("0", "1")
    strict = ET.fromstring(run("lint", "--strict", "--format", "junit", RICH_PLAN)[1])
    assert strict[0].get("failures") == "6"  # the points with warnings: 0, 7, 8, 9, 12 and 13
    _check_junit_structure(strict)


def test_lint_github(plans: list) -> None:
    code, out = run("lint", "--format", "github", *plans)
    assert code == 3
    lines = out.decode().splitlines()
    assert all(COMMAND.fullmatch(line) for line in lines)
    assert lines[0].startswith(
        f"::warning file={display_path(str(RICH_PLAN))},line=121,title=dpv lint unsatisfiable-required::"
    )
    assert sum(1 for line in lines if line.startswith("::error")) == 2
    assert lines[-1].startswith(f"::error file={plans[2]},line=1,title=dpv lint not-json::not valid JSON")
    strict = run("lint", "--strict", "--format", "github", RICH_PLAN)
    assert strict[0] == 1 and all(line.startswith("::error ") for line in strict[1].decode().splitlines())


def test_lint_sarif(plans: list) -> None:
    code, out = run("lint", "--format", "sarif", *plans)
    assert code == 3
    document = json.loads(out)
    _validate_sarif(document)
    results = document["runs"][0]["results"]
    rules = {rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == rules
    assert "null-data-point" in rules and "not-json" in rules
    first = results[0]
    assert first["level"] == "warning" and first["ruleId"] == "unsatisfiable-required"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 121}
    assert first["properties"]["data_point"] == 0
