"""Gate options of `dpv validate`: --fail-on, --max-violations, --ignore-unplanned change only the exit code.

The example batches (tests/golden/examples.results.ndjson): 40 batches, 7 valid; 28 have only
invalid_value errors, 4 invalid_value and unplanned, 1 only unplanned; none has missing_required or
unknown errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
REFERENCE = Path(__file__).resolve().parent / "golden" / "examples.results.ndjson"


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, ["validate", "-q", "--plan", str(PLAN), *[str(a) for a in args]])
    return result.exit_code, result.stdout_bytes


def _types_per_batch() -> list:
    return [
        {
            e["validation_error_type"]
            for r in json.loads(line)["results"]
            for e in r["data"]["validation_errors"]
        }
        for line in REFERENCE.read_bytes().splitlines()
    ]


def test_the_example_counts() -> None:
    per_batch = _types_per_batch()
    assert len(per_batch) == 40
    assert sum(1 for t in per_batch if t) == 33
    assert sum(1 for t in per_batch if "invalid_value" in t) == 32
    assert sum(1 for t in per_batch if "unplanned" in t) == 5
    assert sum(1 for t in per_batch if t == {"unplanned"}) == 1


@pytest.mark.parametrize(
    "options, code",
    [
        ((), 1),
        (("--fail-on", "all"), 1),
        (("--fail-on", "invalid_value"), 1),
        (("--fail-on", "unplanned"), 1),
        (("--fail-on", "missing_required,unknown"), 0),
        (("--fail-on", " missing_required , unknown ,"), 0),
        (("--ignore-unplanned",), 1),
        (("--fail-on", "unplanned", "--ignore-unplanned"), 0),
        (("--max-violations", "33"), 0),
        (("--max-violations", "32"), 1),
        (("--max-violations", "0"), 1),
        (("--fail-on", "unplanned", "--max-violations", "5"), 0),
        (("--fail-on", "unplanned", "--max-violations", "4"), 1),
        (("--ignore-unplanned", "--max-violations", "32"), 0),
        (("--ignore-unplanned", "--max-violations", "31"), 1),
    ],
)
def test_exit_code(options: tuple, code: int) -> None:
    assert run(*options, BATCHES)[0] == code


def test_gates_never_change_the_report() -> None:
    plain = run(BATCHES)
    assert run("--fail-on", "missing_required", BATCHES) == (0, plain[1])
    assert (
        run("--max-violations", "100", "--format", "json", BATCHES)[1] == run("--format", "json", BATCHES)[1]
    )


def test_ignore_unplanned_passes_a_file_with_only_unplanned_violations(tmp_path: Path) -> None:
    path = tmp_path / "unplanned.ndjson"
    path.write_bytes(
        b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Nowhere"}}],"user_attributes":{}}\n'
    )
    assert run(path)[0] == 1
    assert run("--ignore-unplanned", path)[0] == 0


def test_batches_that_cannot_be_validated_always_count(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b"not json\n")
    assert run("--fail-on", "unknown", path)[0] == 1
    assert run("--ignore-unplanned", path)[0] == 1
    assert run("--max-violations", "1", path)[0] == 0


def test_unreadable_input_is_3_whatever_the_gate(tmp_path: Path) -> None:
    assert run("--max-violations", "1000", tmp_path / "missing.ndjson", BATCHES)[0] == 3


def test_usage_errors() -> None:
    assert run("--fail-on", "typo", BATCHES)[0] == 2
    assert run("--fail-on", ",", BATCHES)[0] == 2
    assert run("--max-violations", "-1", BATCHES)[0] == 2
    assert run("--max-violations", "many", BATCHES)[0] == 2


def test_fail_fast_stops_when_the_gate_fails() -> None:
    per_batch = _types_per_batch()
    third_unplanned = [i for i, t in enumerate(per_batch) if "unplanned" in t][2]
    code, out = run("--fail-fast", "--fail-on", "unplanned", "--max-violations", "2", BATCHES)
    assert code == 1
    assert out == b"".join(REFERENCE.read_bytes().splitlines(keepends=True)[: third_unplanned + 1])
    code, out = run("--fail-fast", "--fail-on", "missing_required", BATCHES)
    assert (code, out) == (0, REFERENCE.read_bytes())


def test_parallel_runs_gate_alike() -> None:
    for options in (("--max-violations", "33"), ("--max-violations", "32"), ("--ignore-unplanned",)):
        assert run("--jobs", "2", *options, BATCHES) == run(*options, BATCHES)
