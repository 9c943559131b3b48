"""The machine formats' contract: json documents of validate, lint and diff against their JSON Schemas
(real runs: violations, error lines, unreadable files), and GitLab Code Quality reports."""

from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from validator.cli import main
from validator.reports.contract import SCHEMA_VERSION, SCHEMAS, schema_path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
GOLDEN = Path(__file__).resolve().parent / "golden" / "conformance"
DIFF_DATA = Path(__file__).resolve().parent / "data" / "diff"
VALID_BATCH = b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}],"user_attributes":{}}'
# An event with two errors word for word the same (two events of one batch break one rule alike).
TWICE = (
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Product Viewed","custom_event_type":'
    b'"navigation","custom_attributes":{"sku":"x","price":1}}},{"event_type":"custom_event","data":'
    b'{"event_name":"Product Viewed","custom_event_type":"navigation",'
    b'"custom_attributes":{"sku":"x","price":1}}}]}'
)


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout_bytes


def validator_for(document: str) -> jsonschema.protocols.Validator:
    schema = json.loads(Path(schema_path(document)).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def inputs(tmp_path: Path) -> list:
    """The example batches, a file with repeated errors, a bad line and an array, and a missing file."""
    other = tmp_path / "other.ndjson"
    other.write_bytes(TWICE + b"\nnot json\n[1]\n" + VALID_BATCH + b"\n")
    return [BATCHES, other, tmp_path / "missing.ndjson"]


def test_validate_json_documents_match_the_schema(inputs: list, tmp_path: Path) -> None:
    schema = validator_for("validate")
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    runs = [
        (3, ["--plan", PLAN, *inputs]),
        (1, ["--plan", PLAN, BATCHES]),
        (1, ["--plan", PLAN, "--jobs", "2", inputs[1]]),
        (0, ["--plan", PLAN, "--allow-empty", empty]),
        (3, ["--plan", PLAN, inputs[2]]),
    ]
    for code, args in runs:
        got, out = run("validate", "--format", "json", *args)
        document = json.loads(out)
        assert got == code, args
        schema.validate(document)
        assert document["schema_version"] == SCHEMA_VERSION
        assert list(document)[0] == "schema_version"
    full = json.loads(run("validate", "--format", "json", "--plan", PLAN, *inputs)[1])
    assert full["totals"]["unreadable"] == 2 and full["unreadable_files"][0]["file"] == str(inputs[2])
    assert full["top_violations"] and full["batch_errors"]


def test_lint_json_documents_match_the_schema(tmp_path: Path) -> None:
    schema = validator_for("lint")
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    runs = [
        (0, [PLAN]),
        (1, [GOLDEN]),  # the conformance plans include ones the reference fails on
        (3, [PLAN, not_json, tmp_path / "missing.json"]),
    ]
    for code, args in runs:
        got, out = run("lint", "--format", "json", *args)
        document = json.loads(out)
        assert got == code, args
        schema.validate(document)
        assert list(document)[0] == "schema_version"


def test_diff_json_documents_match_the_schema() -> None:
    schema = validator_for("diff")
    web_v1 = (
        Path(__file__).resolve().parent / "data" / "reference-fixtures" / "web-sdk-test-dataPlanVersion.json"
    )
    plans = [web_v1, *sorted(DIFF_DATA.glob("*.json"))]
    rich, seed = GOLDEN / "rich_plan.json", GOLDEN / "seed_plan.json"
    pairs = [(rich, seed), (seed, rich), (PLAN, PLAN)]
    pairs += [(old, new) for old in plans for new in plans if old != new]
    shapes = set()
    for old, new in pairs:
        code, out = run("diff", "--format", "json", old, new)
        if code == 2:  # a file with several versions and none picked: not a document to check
            continue
        document = json.loads(out)
        schema.validate(document)
        shapes.update(d["change"] for d in document["data_points"])
    assert shapes == {"added", "removed", "changed"}


def _gitlab(*args: object) -> tuple:
    code, out = run(*args, "--format", "gitlab")
    issues = json.loads(out)
    validator_for("gitlab").validate(issues)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    return code, issues


def test_gitlab_code_quality_for_validate(inputs: list) -> None:
    code, issues = _gitlab("validate", "--plan", PLAN, *inputs)
    assert code == 3
    reference = [json.loads(line) for line in (ROOT / "tests" / "golden" / "examples.results.ndjson").open()]
    errors = sum(len(r["data"]["validation_errors"]) for line in reference for r in line["results"])
    from_examples = [issue for issue in issues if issue["location"]["path"] == str(BATCHES.relative_to(ROOT))]
    assert len(from_examples) == errors
    other = [issue for issue in issues if issue["location"]["path"].endswith("other.ndjson")]
    twice = [issue for issue in other if issue["check_name"] == "invalid_value"]
    assert len(twice) == 2 and twice[0]["description"] == twice[1]["description"]  # same words, own prints
    assert [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in other[2:]] == [
        ("batch_error", "critical", 2),
        ("batch_error", "critical", 3),
    ]
    assert issues[-1]["check_name"] == "unreadable_file" and issues[-1]["severity"] == "blocker"
    # stable: the same run gives the same fingerprints, in one process or several
    assert _gitlab("validate", "--plan", PLAN, *inputs) == (code, issues)
    assert _gitlab("validate", "--jobs", "2", "--plan", PLAN, *inputs) == (code, issues)


def test_gitlab_severity_follows_the_gate() -> None:
    _, issues = _gitlab("validate", "--plan", PLAN, "--ignore-unplanned", BATCHES)
    severities = {issue["check_name"]: issue["severity"] for issue in issues}
    assert severities["unplanned"] == "minor" and severities["invalid_value"] == "major"


def test_gitlab_code_quality_for_lint(tmp_path: Path) -> None:
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    code, issues = _gitlab("lint", GOLDEN, not_json)
    assert code == 3
    assert {issue["severity"] for issue in issues} >= {"major", "minor", "blocker"}
    assert issues[-1]["check_name"] == "not-json"
    assert _gitlab("lint", GOLDEN, not_json) == (code, issues)
    assert run("lint", "--format", "gitlab", PLAN)[1] == b"[]\n"


def test_the_schemas_ship_as_package_data() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = Path(SCHEMAS).relative_to(ROOT / "validator")
    for schema in Path(SCHEMAS).glob("*.json"):
        name = str(shipped / schema.name)
        assert any(fnmatch.fnmatch(name, pattern) for pattern in package_data["validator"]), name
    assert sorted(p.name for p in Path(SCHEMAS).glob("*.json")) == [
        "diff.schema.json",
        "gitlab.schema.json",
        "lint.schema.json",
        "validate.schema.json",
    ]
