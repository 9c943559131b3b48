"""Golden files (copies of ../shared/conformance, see tests/data/refresh.py): our bytes must equal the
reference's, on both kernels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import validator
from validator import PlanError

CONFORMANCE = Path(__file__).resolve().parent / "golden" / "conformance"
EDGE = CONFORMANCE / "edge"
# Cases where ajv (or generateMatchKey) throws while building the validator: by default the batches
# that reach the problem fail, as in the reference (test_edge); --strict-plan refuses the plan instead.
COMPILE_TIME = {
    "bad_ref": "/definitions/nope",
    "draft04_exclusive": "exclusiveMaximum",
    "invalid_schema": "/type",
    "missing_criteria": "criteria",
    "required_dupes": "/required",
    "schema_draft04": "$schema",
    "unknown_format": "/format",
}


def _lines(path: Path) -> list:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


def _check(plan: validator.PlanValidator, batches: Path, results: Path) -> None:
    inputs, expected = _lines(batches), _lines(results)
    assert len(inputs) == len(expected)
    for number, (line, want) in enumerate(zip(inputs, expected), start=1):
        got = plan.validate_line(line)  # error lines too: the reference's text, byte for byte
        assert got == want, f"line {number}:\n ours:   {got.decode()}\n theirs: {want.decode()}"


@pytest.mark.parametrize(
    ("results", "compat"),
    [("seed_results.ndjson", "1.0.3"), ("seed_results.ua-optional.ndjson", None)],
    ids=["npm-1.0.3", "ua-optional"],
)
def test_seed(kernel: str, results: str, compat: str) -> None:
    plan = validator.load_plan(str(CONFORMANCE / "seed_plan.json"), compat=compat, kernel=kernel)
    _check(plan, CONFORMANCE / "seed_batches.ndjson", CONFORMANCE / results)


def test_seed_events(kernel: str) -> None:
    plan = validator.load_plan(str(CONFORMANCE / "seed_plan.json"), compat="1.0.3", kernel=kernel)
    events, expected = (
        _lines(CONFORMANCE / "seed_events.ndjson"),
        _lines(CONFORMANCE / "seed_events_results.ndjson"),
    )
    for number, (line, want) in enumerate(zip(events, expected), start=1):
        result = plan.validate_event(json.loads(line))
        got = json.dumps({"results": [result], "batch": {}}, separators=(",", ":"), ensure_ascii=False)
        assert got.encode() == want, f"event {number}"


@pytest.mark.parametrize(
    ("name", "plan_file"),
    [("rich", "rich_plan.json"), ("websdk", "websdk_plan.json")],
)
def test_samples(kernel: str, name: str, plan_file: str) -> None:
    plan = validator.load_plan(str(CONFORMANCE / plan_file), compat="1.0.3", kernel=kernel)
    _check(plan, CONFORMANCE / f"{name}_batches.ndjson", CONFORMANCE / f"{name}_results.ndjson")


EDGE_CASES = sorted(p.name[: -len(".plan.json")] for p in EDGE.glob("*.plan.json"))


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge(kernel: str, case: str) -> None:
    problems: list = []
    plan = validator.load_plan(
        str(EDGE / f"{case}.plan.json"),
        compat="1.0.3",
        kernel=kernel,
        on_problem=lambda version, problem: problems.append(problem),
    )
    _check(plan, EDGE / f"{case}.batches.ndjson", EDGE / f"{case}.results.ndjson")
    # Each point the reference fails on is reported once, with its JSON pointer.
    assert bool(problems) == (case in COMPILE_TIME), problems
    if case in COMPILE_TIME:
        assert any(COMPILE_TIME[case] in p.pointer or COMPILE_TIME[case] in p.message for p in problems)


@pytest.mark.parametrize("case", sorted(COMPILE_TIME))
def test_edge_compile_time_errors_refuse_the_plan_strictly(kernel: str, case: str) -> None:
    with pytest.raises(PlanError) as caught:
        validator.load_plan(str(EDGE / f"{case}.plan.json"), compat="1.0.3", kernel=kernel, strict_plan=True)
    problems = caught.value.problems
    assert problems, "a PlanError must name at least one data point"
    assert all(p.pointer.startswith("/") for p in problems)
    assert any(COMPILE_TIME[case] in p.pointer or COMPILE_TIME[case] in p.message for p in problems), problems


def test_edge_index_is_complete() -> None:
    """Every case listed by the corpus has its three files (a new case cannot be silently skipped)."""
    listed = [line.split("\t")[0] for line in (EDGE / "INDEX.txt").read_text().splitlines() if line.strip()]
    assert sorted(listed) == EDGE_CASES
