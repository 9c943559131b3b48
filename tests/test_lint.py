"""`dpv lint`: one plan per finding, each with exactly that problem; formats, lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from validator import PlanError, load_plan
from validator.cli import main
from validator.lint import CODES, lint_file, lint_object, pointer_lines

TESTS = Path(__file__).resolve().parent
CONFORMANCE = TESTS / "golden" / "conformance"  # copies of ../shared (tests/data/refresh.py)
FIXTURES = TESTS / "data" / "reference-fixtures"
DRAFT04 = "http://json-schema.org/draft-04/schema#"


def event(name: str = "E", kind: str = "other") -> dict:
    return {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": kind}}


def attributes(properties: dict, **extra: Any) -> dict:
    """A schema whose custom_attributes object holds `properties` (and `extra` keywords)."""
    return {
        "properties": {"data": {"properties": {"custom_attributes": {"properties": properties, **extra}}}}
    }


def point(match: Any, schema: Any = None, validator: Any = None) -> dict:
    return {"match": match, "validator": validator or {"type": "json_schema", "definition": schema or {}}}


def plan(*points: Any) -> dict:
    return {"data_points": list(points)}


CA = "/data_points/0/validator/definition/properties/data/properties/custom_attributes"

# (id, plan, findings as (level, code, pointer, data point index)): each plan has exactly one problem.
CASES = [
    ("not-a-plan: unknown shape", {"events": []}, {("error", "not-a-plan", "", None)}),
    (
        "not-a-plan: no data_points",
        {"version_document": {}},
        {("error", "not-a-plan", "/version_document/data_points", None)},
    ),
    (
        "not-a-plan: data_points a string",
        {"data_points": "x"},
        {("error", "not-a-plan", "/data_points", None)},
    ),
    (
        "not-a-plan: no versions",
        {"data_plan_id": "p", "data_plan_versions": []},
        {("error", "not-a-plan", "", None)},
    ),
    ("null-data-point", plan(None), {("error", "null-data-point", "/data_points/0", 0)}),
    (
        "missing-criteria",
        plan(point({"type": "custom_event"})),
        {("error", "missing-criteria", "/data_points/0/match/criteria", 0)},
    ),
    (
        "invalid-schema",
        plan(point(event(), attributes({"a": {"type": "strnig"}}))),
        {("error", "invalid-schema", CA + "/properties/a/type", 0)},
    ),
    (
        "unknown-format",
        plan(point(event(), attributes({"a": {"type": "string", "format": "phone"}}))),
        {("error", "unknown-format", CA + "/properties/a/format", 0)},
    ),
    (
        "unresolvable-ref (a $ref is also server-unsupported)",
        plan(point(event(), attributes({"a": {"$ref": "#/definitions/nope"}}))),
        {
            ("error", "unresolvable-ref", CA + "/properties/a/$ref", 0),
            ("warning", "server-unsupported-keyword", CA + "/properties/a/$ref", 0),
        },
    ),
    (
        "schema-version",
        plan(point(event(), {"$schema": DRAFT04, "properties": {}})),
        {("error", "schema-version", "/data_points/0/validator/definition/$schema", 0)},
    ),
    (
        "invalid-regex: pattern",
        plan(point(event(), attributes({"a": {"type": "string", "pattern": "(("}}))),
        {("error", "invalid-regex", CA + "/properties/a/pattern", 0)},
    ),
    (
        "invalid-regex: patternProperties (also server-unsupported)",
        plan(point(event(), attributes({}, patternProperties={"[z-a]": {"type": "string"}}))),
        {
            ("error", "invalid-regex", CA + "/patternProperties/[z-a]", 0),
            ("warning", "server-unsupported-keyword", CA + "/patternProperties", 0),
        },
    ),
    (
        "duplicate-match-key",
        plan(point(event(), attributes({})), point(event(), attributes({}))),
        {("warning", "duplicate-match-key", "/data_points/0/match", 0)},
    ),
    (
        "duplicate-match-key: the ignored point's bad schema is only a warning",
        plan(point(event(), attributes({"a": {"format": "phone"}})), point(event(), attributes({}))),
        {
            ("warning", "duplicate-match-key", "/data_points/0/match", 0),
            ("warning", "unknown-format", CA + "/properties/a/format", 0),
        },
    ),
    (
        "point-skipped: no validator",
        plan({"match": event()}),
        {("warning", "point-skipped", "/data_points/0", 0)},
    ),
    (
        "point-skipped: no match",
        plan({"validator": {"type": "json_schema", "definition": {}}}),
        {("warning", "point-skipped", "/data_points/0", 0)},
    ),
    (
        "non-json-schema-validator",
        plan(point(event(), validator={"type": "custom"})),
        {("warning", "non-json-schema-validator", "/data_points/0/validator", 0)},
    ),
    (
        "non-json-schema-validator: definition false",
        plan(point(event(), validator={"type": "json_schema", "definition": False})),
        {("warning", "non-json-schema-validator", "/data_points/0/validator", 0)},
    ),
    (
        "empty-user-attributes-schema",
        plan(point({"type": "user_attributes"}, validator={"type": "json_schema", "definition": {}})),
        {("warning", "empty-user-attributes-schema", "/data_points/0/validator/definition", 0)},
    ),
    (
        "data-points-not-array",
        {"data_points": {"a": 1}},
        {("warning", "data-points-not-array", "/data_points", None)},
    ),
    (
        "dead-match-type",
        plan(point({"type": "commerce"}, attributes({}))),
        {("warning", "dead-match-type", "/data_points/0/match", 0)},
    ),
    (
        "user-identities",
        plan(point({"type": "user_identities"}, {"properties": {"email": {"type": "string"}}})),
        {("warning", "user-identities", "/data_points/0/match", 0)},
    ),
    (
        "server-unsupported-keyword",
        plan(point(event(), attributes({"a": {"anyOf": [{"type": "string"}, {"type": "number"}]}}))),
        {("warning", "server-unsupported-keyword", CA + "/properties/a/anyOf", 0)},
    ),
    (
        "ignored-keyword: not draft-07",
        plan(point(event(), attributes({"a": {"type": "string", "nullable": True}}))),
        {("warning", "ignored-keyword", CA + "/properties/a/nullable", 0)},
    ),
    (
        "ignored-keyword: additionalItems without an items array",
        plan(point(event(), attributes({"a": {"items": {"type": "string"}, "additionalItems": False}}))),
        {("warning", "ignored-keyword", CA + "/properties/a/additionalItems", 0)},
    ),
    (
        "ignored-keyword: beside $ref",
        plan(
            point(
                event(),
                {
                    "definitions": {"n": {"type": "number"}},
                    **attributes({"a": {"$ref": "#/definitions/n", "minimum": 1}}),
                },
            )
        ),
        {
            ("warning", "ignored-keyword", CA + "/properties/a/minimum", 0),
            ("warning", "server-unsupported-keyword", CA + "/properties/a/$ref", 0),
        },
    ),
    (
        "unsatisfiable-required",
        plan(point(event(), attributes({"a": {}}, required=["a", "b"], additionalProperties=False))),
        {("warning", "unsatisfiable-required", CA + "/required/1", 0)},
    ),
    (
        "backtracking-regex",
        plan(point(event(), attributes({"a": {"type": "string", "pattern": "^(a+)+$"}}))),
        {("warning", "backtracking-regex", CA + "/properties/a/pattern", 0)},
    ),
]


def _found(findings: list) -> set:
    return {(f.level, f.code, f.pointer, f.data_point) for f in findings}


@pytest.mark.parametrize("document, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_finding(document: Any, expected: set) -> None:
    findings, _ = lint_object(document)
    assert _found(findings) == expected


def test_every_code_is_tested() -> None:
    tested = {code for _, _, expected in CASES for _, code, _, _ in expected} | {"unreadable", "not-json"}
    assert tested == set(CODES)


@pytest.mark.parametrize(
    "document",
    [c[1] for c in CASES if "not-a-plan" not in c[0]],
    ids=[c[0] for c in CASES if "not-a-plan" not in c[0]],
)
def test_errors_are_exactly_what_load_plan_refuses(document: Any) -> None:
    findings, _ = lint_object(document)
    errors = [f for f in findings if f.level == "error"]
    try:
        load_plan(document, strict_plan=True)
    except PlanError:
        assert errors
    else:
        assert not errors


def _shared_plans() -> list:
    return (
        sorted(CONFORMANCE.glob("*_plan.json"))
        + sorted((CONFORMANCE / "edge").glob("*.plan.json"))
        + sorted(FIXTURES.glob("*.json"))
    )


@pytest.mark.parametrize("path", _shared_plans(), ids=lambda p: p.name)
def test_conformance_plans_error_exactly_when_load_plan_refuses(path: Path) -> None:
    report = lint_file(str(path))
    errors = [f for f in report.findings if f.level == "error"]
    try:
        load_plan(str(path), strict_plan=True)
    except PlanError:
        assert errors
    else:
        assert not errors


def test_rich_plan_warnings() -> None:
    report = lint_file(str(CONFORMANCE / "rich_plan.json"))
    codes = [(f.code, f.data_point) for f in report.findings]
    assert ("unsatisfiable-required", 0) in codes  # "undeclared_required" under additionalProperties false
    assert ("non-json-schema-validator", 7) in codes  # session_end without a json_schema
    assert ("point-skipped", 8) in codes  # breadcrumb without validator
    assert ("user-identities", 12) in codes
    assert ("duplicate-match-key", 13) in codes  # 13 and 14 share a key: 14 wins
    assert all(f.level == "warning" for f in report.findings)
    assert [f.line for f in report.findings] == sorted(f.line for f in report.findings)


def test_pointer_lines() -> None:
    text = '{\n  "a": [\n    1,\n    {"b~/c": "x",\n     "d": null}\n  ],\n  "e": {}\n}\n'
    lines = pointer_lines(
        text, ["", "/a", "/a/0", "/a/1", "/a/1/b~0~1c", "/a/1/d", "/e", "/e/missing/deeper", "/zz"]
    )
    assert lines == {
        "": 1,
        "/a": 2,
        "/a/0": 3,
        "/a/1": 4,
        "/a/1/b~0~1c": 4,
        "/a/1/d": 5,
        "/e": 7,
        "/e/missing/deeper": 7,
        "/zz": 1,
    }


# -- the command ----------------------------------------------------------------------------------


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def test_text_output_is_exact(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "plan.json",
        plan(point(event("Sign Up")), {"match": event("Other")}, point({"type": "custom_event"})),
    )
    code, out, _ = run("lint", path)
    assert code == 1
    assert out.decode() == (
        f'{path}:16: warning: [point-skipped] data point 1 (custom_event "Other" (other)) at /data_points/1: '
        "no validator: the reference skips this point, so the events it describes come out unplanned\n"
        f"{path}:26: error: [missing-criteria] data point 2 (custom_event) at /data_points/2/match/criteria: "
        "a custom_event match needs criteria: without it the reference fails every batch\n"
        "1 error, 1 warning in 1 file\n"
    )


def test_json_output(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.json", plan(point({"type": "profile"})))
    code, out, _ = run("lint", "--format", "json", path)
    assert code == 0
    assert json.loads(out) == {
        "schema_version": 1,
        "files": [
            {
                "file": str(path),
                "findings": [
                    {
                        "level": "warning",
                        "code": "dead-match-type",
                        "message": 'match type "profile" never matches any event: the reference maps it '
                        "to the key 'unknown'",
                        "data_point": 0,
                        "match": "profile",
                        "pointer": "/data_points/0/match",
                        "line": 4,
                    }
                ],
            }
        ],
        "totals": {"files": 1, "errors": 0, "warnings": 1},
    }


def test_exit_codes(tmp_path: Path) -> None:
    clean = write(tmp_path, "clean.json", plan(point(event(), attributes({"a": {"type": "string"}}))))
    warned = write(tmp_path, "warned.json", plan(point({"type": "media"})))
    broken = write(tmp_path, "broken.json", plan(None))
    not_json = tmp_path / "not.json"
    not_json.write_text("{\n  oops\n")
    assert run("lint", clean)[:2] == (0, b"0 errors, 0 warnings in 1 file\n")
    assert run("lint", warned)[0] == 0
    assert run("lint", "--strict", warned)[0] == 1
    assert run("lint", "--strict", clean)[0] == 0
    assert run("lint", broken)[0] == 1
    code, out, _ = run("lint", not_json, clean)
    assert code == 3
    assert out.decode().startswith(f"{not_json}:2: error: [not-json] not valid JSON: ")
    assert run("lint", tmp_path / "missing.json")[0] == 3
    assert run("lint", "--format", "yaml", clean)[0] == 2
    assert run("lint")[0] == 2


def test_unusable_file_goes_to_stderr_in_ci_formats(tmp_path: Path) -> None:
    code, _, err = run("lint", "--format", "json", tmp_path / "missing.json")
    assert code == 3
    assert err.decode().startswith(f"dpv: {tmp_path / 'missing.json'}: cannot read the plan file")


def test_directory_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.json", plan(point({"type": "media"})))
    write(tmp_path, "b.json", plan(point(event(), attributes({}))))
    (tmp_path / "notes.txt").write_text("not a plan")
    code, out, _ = run("lint", "--format", "json", tmp_path)
    document = json.loads(out)
    assert code == 0
    assert [f["file"] for f in document["files"]] == [
        str(tmp_path / "b.json"),
        str(tmp_path / "sub" / "a.json"),
    ]
    assert document["totals"] == {"files": 2, "errors": 0, "warnings": 1}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("lint", empty)[0] == 3


@pytest.mark.parametrize("name", ["schema_nest500", "ref_chain_10000", "schema_selfref", "ref_cyc2"])
def test_deep_and_recursive_schemas_lint_without_crashing(name: str) -> None:
    recorded = Path(__file__).resolve().parent / "golden" / "recorded"
    report = lint_file(str(recorded / f"{name}.plan.json"))
    errors = [f for f in report.findings if f.level == "error"]
    # Deep nesting is fine; a $ref cycle or a chain deeper than the reference's stack is an error.
    assert bool(errors) == (name != "schema_nest500"), errors
    assert all("Maximum call stack size exceeded" in f.message for f in errors)
