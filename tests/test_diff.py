"""`dpv diff` on real version pairs: the conformance seed and rich plans, and the web SDK's plan with a
hand-edited version 2 (tests/data/diff/), compared with golden text and JSON outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main
from validator.plandiff import diff_documents, flatten

TESTS = Path(__file__).resolve().parent
SEED = TESTS / "golden" / "conformance" / "seed_plan.json"  # copies of ../shared (tests/data/refresh.py)
RICH = TESTS / "golden" / "conformance" / "rich_plan.json"
WEB_V1 = TESTS / "data" / "reference-fixtures" / "web-sdk-test-dataPlanVersion.json"
WEB_V2 = TESTS / "data" / "diff" / "web-sdk-plan-v2.json"
WEB_FULL = TESTS / "data" / "diff" / "web-sdk-full-plan.json"  # both versions in one data plan
GOLDEN = TESTS / "golden" / "diff"


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, ["diff", *[str(a) for a in args]])
    return result.exit_code, result.stdout_bytes.decode(), result.stderr_bytes.decode()


def _golden(name: str, text: str, old: Path, new: Path) -> None:
    text = text.replace(str(old), "OLD").replace(str(new), "NEW")
    path = GOLDEN / name
    if os.environ.get("DPV_REGENERATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


PAIRS = [
    ("seed_to_rich", SEED, RICH, ()),
    ("rich_to_seed", RICH, SEED, ()),
    ("websdk_v1_to_v2", WEB_V1, WEB_V2, ()),
]


@pytest.mark.parametrize("name, old, new, options", PAIRS, ids=[p[0] for p in PAIRS])
def test_text(name: str, old: Path, new: Path, options: tuple) -> None:
    code, out, _ = run(old, new, *options)
    assert code == 0
    _golden(f"{name}.txt", out, old, new)


@pytest.mark.parametrize("name, old, new, options", PAIRS, ids=[p[0] for p in PAIRS])
def test_json(name: str, old: Path, new: Path, options: tuple) -> None:
    code, out, _ = run("--format", "json", old, new, *options)
    assert code == 0
    _golden(f"{name}.json", out, old, new)


def test_websdk_changes_in_words() -> None:
    out = run(WEB_V1, WEB_V2)[1]
    assert out.splitlines()[-1] == "1 added, 1 removed, 5 changed data points"
    for expected in (
        '~ /data/custom_attributes/thing1: type "string" -> "number": stricter: values of type string now',
        '+ /data/custom_attributes/thing2: attribute added ("number"): now allowed (it was unplanned)',
        "- /data/custom_flags/NotSoCustomFlag: attribute removed: now unplanned",
        "~ /data/activity_type: optional -> required: events without it now fail (missing_required)",
        '~ /data/activity_type: enum absent -> ["browse","search"]: only the listed values pass now',
        "~ /data: additionalProperties true -> false: attributes it does not list now fail (unplanned)",
        '+ custom_event "Checkout Started" (transaction): added: events it matches are now planned',
        '- custom_event "Search Event" (search): removed: events it matched are now unplanned',
    ):
        assert expected in out


def test_versions_of_one_data_plan_file() -> None:
    code, out, _ = run(WEB_FULL, WEB_FULL, "--old-version", "1", "--new-version", "2")
    two_files = run(WEB_V1, WEB_V2)[1]
    assert code == 0
    assert out.splitlines()[2:] == two_files.splitlines()[2:]
    assert out.splitlines()[:2] == [
        f'--- {WEB_FULL} (plan "robs_plan" version 1)',
        f'+++ {WEB_FULL} (plan "robs_plan" version 2)',
    ]


def test_no_differences_and_exit_code() -> None:
    assert run(SEED, SEED)[:2] == (0, f"--- {SEED}\n+++ {SEED}\nno differences\n")
    assert run("--exit-code", SEED, SEED)[0] == 0
    assert run("--exit-code", SEED, RICH)[0] == 1
    assert run("--exit-code", "--format", "json", WEB_V1, WEB_V2)[0] == 1


def test_errors(tmp_path: Path) -> None:
    code, _, err = run(WEB_FULL, WEB_FULL)
    assert code == 2 and "holds 2 versions (1, 2): pick one with --old-version" in err
    code, _, err = run(WEB_FULL, WEB_FULL, "--old-version", "1", "--new-version", "9")
    assert code == 2 and "the new plan has no version 9 (versions: 1, 2)" in err
    assert run(SEED, tmp_path / "missing.json")[0] == 3
    not_plan = tmp_path / "not_plan.json"
    not_plan.write_text('{"hello": 1}')
    assert run(not_plan, SEED)[0] == 3
    assert run(SEED, RICH, "--format", "yaml")[0] == 2


def test_only_annotations_changed_is_no_difference() -> None:
    old = {
        "data_points": [
            {
                "match": {"type": "session_start"},
                "validator": {
                    "type": "json_schema",
                    "definition": {"properties": {"a": {"type": "string", "description": "x"}}},
                },
            }
        ]
    }
    new = json.loads(json.dumps(old))
    new["data_points"][0]["validator"]["definition"]["properties"]["a"]["description"] = "y"
    new["data_points"][0]["description"] = "also ignored"
    assert diff_documents(old, new) == []


def test_last_duplicate_wins_and_skipped_points_are_absent() -> None:
    schema = {"type": "json_schema", "definition": {"properties": {"a": {"type": "string"}}}}
    other = {"type": "json_schema", "definition": {"properties": {"a": {"type": "number"}}}}
    old = {
        "data_points": [
            {"match": {"type": "session_start"}, "validator": other},
            {"match": {"type": "session_start"}, "validator": schema},
        ]
    }
    new = {
        "data_points": [
            {"match": {"type": "session_start"}, "validator": schema},
            {"match": {"type": "session_end"}},
        ]
    }
    assert diff_documents(old, new) == []


def test_flatten_follows_refs_and_items() -> None:
    schema = {
        "definitions": {"money": {"type": "number", "minimum": 0}},
        "properties": {
            "data": {
                "properties": {"prices": {"type": "array", "items": {"$ref": "#/definitions/money"}}},
                "required": ["id"],
            }
        },
    }
    flat = flatten(schema)
    assert list(flat) == ["", "/data", "/data/prices", "/data/prices/*", "/data/id"]
    assert flat["/data/prices/*"].schema == {"type": "number", "minimum": 0}
    assert flat["/data/id"].required and not flat["/data/prices"].required
