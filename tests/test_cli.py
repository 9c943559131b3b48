"""The dpv command: outputs, formats, exit codes, parallel runs and split outputs."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
REFERENCE = Path(__file__).resolve().parent / "golden" / "examples.results.ndjson"
VALID_BATCH = (
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}],'
    b'"user_attributes":{"plan":"pro"}}'
)


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return (
        result.exit_code,
        result.stdout_bytes,
        result.stderr_bytes if hasattr(result, "stderr_bytes") else b"",
    )


def test_results_are_the_reference_output(kernel: str) -> None:
    code, out, _ = run("validate", "--kernel", kernel, "--plan", PLAN, BATCHES)
    assert code == 1
    assert out == REFERENCE.read_bytes()


def test_exit_0_when_everything_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "ok.ndjson"
    path.write_bytes(VALID_BATCH + b"\n")
    assert run("validate", "--plan", PLAN, path)[:2] == (0, b'{"results":[],"batch":{}}\n')


def test_exit_2_on_usage_error() -> None:
    assert run("validate", "--plan", PLAN, "--format", "nope", BATCHES)[0] == 2
    assert run("validate", "--plan", PLAN, "--jobs", "0", BATCHES)[0] == 2


def _plan_with_a_point_without_criteria(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "data_points": [
                    {
                        "match": {"type": "custom_event"},
                        "validator": {"type": "json_schema", "definition": {"type": "object"}},
                    }
                ]
            }
        )
    )
    return bad


def test_exit_3_on_unusable_plan_with_strict_plan(tmp_path: Path) -> None:
    bad = _plan_with_a_point_without_criteria(tmp_path)
    code, out, _ = run("validate", "--strict-plan", "--plan", bad, BATCHES)
    assert (code, out) == (3, b"")


def test_a_plan_the_reference_fails_on_fails_every_batch_with_a_warning(tmp_path: Path) -> None:
    # The reference's constructor throws on a criteria type without criteria: every batch fails.
    bad = _plan_with_a_point_without_criteria(tmp_path)
    code, out, err = run("validate", "--plan", bad, BATCHES)
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == len([x for x in gzip.decompress(BATCHES.read_bytes()).splitlines() if x.strip()])
    assert all(json.loads(line)["error"] for line in lines)
    assert err.count(b"warning") == 1 and b"/data_points/0/match/criteria" in err


def test_exit_3_on_unreadable_input_but_the_rest_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "ok.ndjson"
    good.write_bytes(VALID_BATCH + b"\n")
    code, out, _ = run("validate", "--plan", PLAN, tmp_path / "missing.ndjson", good)
    assert code == 3
    assert out == b'{"results":[],"batch":{}}\n'


def test_bad_lines_are_error_lines_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(VALID_BATCH + b"\nnot json\n[1]\n")
    code, out, _ = run("validate", "--plan", PLAN, path)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert lines[0] == {"results": [], "batch": {}}
    assert lines[1]["source"] == {"file": str(path), "line": 2}
    assert lines[1]["error"] == "Unexpected token 'o', \"not json\" is not valid JSON"
    assert lines[2]["source"] == {"file": str(path), "line": 3} and "array" in lines[2]["error"]


def test_with_source_adds_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ok.ndjson"
    path.write_bytes(b"\n" + VALID_BATCH + b"\n")
    out = run("validate", "--plan", PLAN, "--with-source", path)[1]
    assert json.loads(out) == {"results": [], "batch": {}, "source": {"file": str(path), "line": 2}}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_no_error_source_writes_error_lines_as_the_reference_does(tmp_path: Path, jobs: str) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(VALID_BATCH + b'\nnot json\n{"events":"x"}\n' + VALID_BATCH + b"\n")
    expected = (
        b'{"results":[],"batch":{}}\n'
        b'{"error":"Unexpected token \'o\', \\"not json\\" is not valid JSON"}\n'
        b'{"error":"_a.map is not a function"}\n'
        b'{"results":[],"batch":{}}\n'
    )
    assert run("validate", "--plan", PLAN, "--jobs", jobs, "--no-error-source", path)[:2] == (1, expected)
    config = tmp_path / "dpv.toml"
    config.write_text("error-source = false\n")
    assert run("validate", "--config", config, "--plan", PLAN, path)[:2] == (1, expected)
    with_sources = run("validate", "--plan", PLAN, path)[1].splitlines()
    assert with_sources[2] == (
        b'{"error":"_a.map is not a function","source":{"file":'
        + json.dumps(str(path)).encode()
        + b',"line":3}}'
    )


def test_fail_fast_stops_at_first_invalid_batch() -> None:
    code, out, _ = run("validate", "--plan", PLAN, "--fail-fast", BATCHES)
    assert code == 1
    expected = REFERENCE.read_bytes().splitlines(keepends=True)
    first_invalid = next(i for i, line in enumerate(expected) if line != b'{"results":[],"batch":{}}\n')
    assert out == b"".join(expected[: first_invalid + 1])


def test_jobs_2_equals_jobs_1(tmp_path: Path) -> None:
    big = tmp_path / "big.ndjson"
    lines = gzip.decompress(BATCHES.read_bytes()).splitlines()
    big.write_bytes(b"\n".join(lines * 40) + b"\nnot json\n")  # several chunks per worker
    one = run("validate", "--plan", PLAN, "--jobs", "1", big, BATCHES)
    two = run("validate", "--plan", PLAN, "--jobs", "2", big, BATCHES)
    assert one[:2] == two[:2]
    assert one[1].count(b"\n") == len(lines) * 41 + 1


def test_split_outputs_add_up_to_the_input(tmp_path: Path) -> None:
    source = gzip.decompress(BATCHES.read_bytes()) + b"not json\n"
    path = tmp_path / "in.ndjson"
    path.write_bytes(source)
    valid, invalid, report = tmp_path / "valid.ndjson", tmp_path / "invalid.ndjson", tmp_path / "out.ndjson"
    code, out, _ = run(
        "validate", "--plan", PLAN, "--valid-out", valid, "--invalid-out", invalid, "-o", report, path
    )
    assert (code, out) == (1, b"")
    results = report.read_bytes().splitlines()
    inputs = source.splitlines()
    assert sorted(valid.read_bytes().splitlines() + invalid.read_bytes().splitlines()) == sorted(inputs)
    assert valid.read_bytes().splitlines() == [
        line for line, result in zip(inputs, results) if result == b'{"results":[],"batch":{}}'
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.ndjson",
        "invalid.ndjson",
        "out.ndjson",
        "valid.ndjson",
    ]


def test_summary_and_json_formats() -> None:
    code, out, _ = run("validate", "--plan", PLAN, "--format", "json", BATCHES)
    document = json.loads(out)
    reference = [json.loads(line) for line in REFERENCE.read_bytes().splitlines()]
    assert code == 1
    assert document["totals"] == {
        "files": 1,
        "unreadable_files": 0,
        "batches": len(reference),
        "events": sum(
            len(json.loads(b).get("events", [])) for b in gzip.decompress(BATCHES.read_bytes()).splitlines()
        ),
        "valid": sum(1 for r in reference if r == {"results": [], "batch": {}}),
        "invalid": sum(1 for r in reference if r != {"results": [], "batch": {}}),
        "unreadable": 0,
    }
    errors = [e for r in reference for res in r["results"] for e in res["data"]["validation_errors"]]
    assert sum(document["per_error_type"].values()) == len(errors)
    summary = run("validate", "--plan", PLAN, "--format", "summary", BATCHES)[1].decode()
    assert summary.startswith("Totals\n")
    assert "Most frequent violations" in summary
    assert (
        f"batches{len(reference):>12,}" in summary.replace("  ", " ").replace(" ", "") or "batches" in summary
    )


def test_stdin() -> None:
    result = CliRunner().invoke(main, ["validate", "--plan", str(PLAN), "-"], input=VALID_BATCH + b"\n")
    assert (result.exit_code, result.stdout_bytes) == (0, b'{"results":[],"batch":{}}\n')


def test_python_m_validator_runs_dpv() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--plan", str(PLAN), str(BATCHES)],
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, REFERENCE.read_bytes())


def test_output_to_a_device_writes_through_instead_of_replacing_it() -> None:
    assert run("validate", "--plan", PLAN, "-o", os.devnull, BATCHES)[0] == 1
    assert not os.path.isfile(os.devnull)


def test_plan_version_selects_a_version() -> None:
    code, out, _ = run("validate", "--plan", PLAN, "--plan-version", "1", BATCHES)
    assert (code, out) == (1, REFERENCE.read_bytes())
    assert run("validate", "--plan", PLAN, "--plan-version", "7", BATCHES)[0] == 3


def test_clean_and_quarantine_outputs(tmp_path: Path) -> None:
    source = gzip.decompress(BATCHES.read_bytes()).splitlines()
    clean, quarantine, report = tmp_path / "clean.ndjson", tmp_path / "q.ndjson", tmp_path / "r.ndjson"
    code, out, _ = run(
        "validate", "--plan", PLAN, "--block", "event=drop_event",
        "--block", "event_attribute=drop_attribute",
        "--clean-out", clean, "--quarantine-out", quarantine, "-o", report, BATCHES,
    )  # fmt: skip
    assert code == 1
    assert report.read_bytes() == REFERENCE.read_bytes()  # blocking does not change the default output
    cleaned = clean.read_bytes().splitlines()
    quarantined = [json.loads(line) for line in quarantine.read_bytes().splitlines()]
    assert len(cleaned) == len(source)  # nothing here drops a whole batch
    touched = [i for i, line in enumerate(source) if b'"Settings"' in line or b'"colour"' in line]
    assert len(quarantined) == len(touched) > 0
    for i, (before, after) in enumerate(zip(source, cleaned)):
        if i in touched:
            batch = json.loads(after)
            names = [e["data"].get("screen_name") for e in batch["events"]]
            assert "Settings" not in names
            assert all("colour" not in e["data"].get("custom_attributes", {}) for e in batch["events"])
        else:
            assert after == before  # untouched batches keep their original bytes
    assert all("block_metadata" in q["context"]["data_plan"] for q in quarantined)


def test_with_actions_adds_action_expected() -> None:
    code, out, _ = run("validate", "--plan", PLAN, "--block", "event=drop_event", "--with-actions", BATCHES)
    errors = [
        e
        for line in out.splitlines()
        for r in json.loads(line)["results"]
        for e in r["data"]["validation_errors"]
    ]
    assert errors and all("action_expected" in e for e in errors)
    assert {e["action_expected"] for e in errors if e["error_pointer"] == "#"} == {"drop_event"}
