"""Differential tests on realistic traffic: app plans and SDK-shaped batch files against the reference.

tests/golden/traffic/ holds, per case, one app's plan (the UI's full export with several versions,
or an API-authored plan), a batch file with the byte shapes real files have (CRLF, a UTF-8 BOM,
Windows-1252 bytes, blank lines, a stray CR) and the output of the reference
(@mparticle/data-planning-node 1.0.3 through oracle.js) in both modes: 1.0.3 (`compat="1.0.3"`)
and `--ua-optional` (`compat=None`). Made by tests/differential/traffic.py, recorded by
tests/differential/record_traffic.py; no Node needed here.

The engine is fed what the reference was fed: the file split into lines as Node's readline does
(harness.reference_lines), each line's raw bytes (a BOM or invalid UTF-8 left in place) through
`PlanValidator.validate_line`, the plan through `load_plan` with the version oracle.js chose.
"""

from __future__ import annotations

import json
import lzma
import sys
from pathlib import Path

import pytest

import validator

HERE = Path(__file__).resolve().parent
TRAFFIC = HERE / "golden" / "traffic"
sys.path.insert(0, str(HERE / "differential"))  # the generator and the harness are scripts' modules

import harness  # noqa: E402
import traffic  # noqa: E402

MANIFEST = harness.traffic_manifest(TRAFFIC) if (TRAFFIC / "MANIFEST.json").exists() else {"case_list": []}
CASES = {entry["name"]: entry for entry in MANIFEST["case_list"]}


def test_traffic_corpus_present() -> None:
    assert len(CASES) >= 20, "tests/golden/traffic is missing: run tests/differential/record_traffic.py"
    assert MANIFEST["batches"] >= 10_000
    shapes = {entry["plan_shape"] for entry in CASES.values()}
    assert {"ui_export", "api_plan", "api_document", "api_version"} <= shapes
    planned: dict = {}
    for name in CASES:
        plan = json.loads(lzma.decompress((TRAFFIC / f"{name}.plan.json.xz").read_bytes()))
        for version in plan.get("data_plan_versions", [plan]):
            document = version.get("version_document", version)
            for point in document["data_points"]:
                criteria = point["match"].get("criteria") or {}
                for value in criteria.values():
                    planned.setdefault(point["match"]["type"], set()).add(value)
    assert planned["custom_event"] >= set(traffic.CUSTOM_EVENT_TYPES)
    assert planned["product_action"] == set(traffic.PRODUCT_ACTIONS)
    assert planned["promotion_action"] == {"view", "click"}
    assert planned["application_state_transition"] == set(traffic.TRANSITIONS)
    # the modes differ exactly where the plan has no usable user_attributes point
    suffixes = [suffix for _, _, suffix in harness.MODES.values()]
    modes_differ = {
        name
        for name in CASES
        if len({lzma.decompress((TRAFFIC / f"{name}.{suffix}").read_bytes()) for suffix in suffixes}) > 1
    }
    assert modes_differ and modes_differ != set(CASES)
    files = [entry["file_shape"] for entry in CASES.values()]
    for feature in ("crlf", "bom", "cp1252", "blank_lines", "stray_cr", "mid_bom"):
        assert any(shape[feature] for shape in files), f"no batch file with {feature}"


@pytest.mark.parametrize("mode", list(harness.MODES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_traffic(name: str, mode: str, kernel: str, tmp_path: Path) -> None:
    entry = CASES[name]
    plan_file, lines, results = harness.traffic_case(TRAFFIC, name, tmp_path)
    expected = results[mode]
    assert len(lines) == len(expected) == entry["batches"]
    compat = harness.MODES[mode][1]
    v = validator.load_plan(str(plan_file), entry["version"], compat=compat, kernel=kernel)
    differences = []
    for number, ((line, crlf), want) in enumerate(zip(lines, expected), 1):
        got = v.validate_line(line)
        if not harness.same(got, want):
            differences.append(
                f"line {number}\n  batch:  {line.decode('utf-8', 'replace')}\n"
                f"  ours:   {got.decode('utf-8', 'replace')}\n  theirs: {want.decode('utf-8', 'replace')}"
            )
        elif crlf:
            # a caller that splits on b"\n" only hands over the CR too: JSON whitespace, same answer
            assert v.validate_line(line + b"\r") == got, f"line {number}: a trailing CR changes the result"
    assert not differences, f"{name} ({mode}): {len(differences)} of {len(lines)} lines differ\n" + "\n".join(
        differences[:3]
    )


def test_traffic_generator_reproduces_corpus() -> None:
    """The recorded files are what the generator makes: re-recording after a change is never silent."""
    for name in sorted(CASES)[:2]:
        case = traffic.traffic_case(MANIFEST["seed"], int(name.split("_")[1]))
        stored = lzma.decompress((TRAFFIC / f"{name}.batches.ndjson.xz").read_bytes())
        assert case["data"] == stored, f"{name}: traffic.py changed since recording: re-record"
        plan = lzma.decompress((TRAFFIC / f"{name}.plan.json.xz").read_bytes())
        assert case["plan_text"].encode("utf-8") + b"\n" == plan
        assert harness.oracle_version(case["plan"]) == CASES[name]["version"]


def test_reference_lines_follow_readline() -> None:
    data = b'\xef\xbb\xbf{}\r\n\r\n  \n{\r"a":1}\n\xc2\xa0\n\xef\xbb\xbf\n{"x":"caf\xe9"}'
    assert harness.reference_lines(data) == [
        (b"\xef\xbb\xbf{}", True),  # the BOM stays: JSON.parse fails on it
        (b"{", False),  # a lone CR ends a line
        (b'"a":1}', False),
        (b'{"x":"caf\xe9"}', False),  # the last line needs no line end; bad bytes stay as they are
    ]  # the blank, NBSP-only and BOM-only lines are skipped (String.prototype.trim)


def test_oracle_version_is_the_highest_first_listed() -> None:
    plan = {
        "data_plan_versions": [{"version": 2, "n": "a"}, {"version": 3, "n": "b"}, {"version": 3, "n": "c"}]
    }
    assert harness.oracle_version(plan) == 3
    assert harness.oracle_version({"data_points": []}) is None
    assert harness.oracle_version({"version": 4, "version_document": {"data_points": []}}) is None
