"""validate_stream: one exact result per item, in order, whatever the item type, with running totals."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest

import validator
from validator import PlanError
from validator.readers import open_records
from validator.reports.outcome import Tally
from validator.stream import as_validator, validate_stream

CONFORMANCE = Path(__file__).resolve().parent / "golden" / "conformance"
PLAN = CONFORMANCE / "rich_plan.json"
LINES = CONFORMANCE / "rich_batches.ndjson"
GOLDEN = CONFORMANCE / "rich_results.ndjson"
VALID = b'{"results":[],"batch":{}}'
ARRAY_ERROR = b'{"error":"the line is JSON but an array: expected one batch object per line"}'
NULL_EVENT_ERROR = b'{"error":"Cannot read properties of null (reading \'event_type\')"}'


def _lines(path: Path) -> list:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


@pytest.fixture
def plan(kernel: str) -> validator.PlanValidator:
    return validator.load_plan(str(PLAN), compat="1.0.3", kernel=kernel)


def _expected_totals(results: list) -> tuple:
    valid = sum(1 for r in results if r == VALID)
    errors = sum(1 for r in results if r.startswith(b'{"error"'))
    return len(results), valid, len(results) - valid - errors, errors


def test_bytes_lines_give_the_golden_bytes_and_totals(plan: validator.PlanValidator) -> None:
    lines, golden = _lines(LINES), _lines(GOLDEN)
    totals = Tally(detailed=False)
    got = list(validate_stream(plan, lines, totals=totals))
    assert got == golden
    events = sum(len(orjson.loads(line)["events"]) for line in lines)
    assert (totals.batches, totals.valid, totals.invalid, totals.unreadable) == _expected_totals(golden)
    assert totals.events == events


def test_output_type_follows_input_type(plan: validator.PlanValidator) -> None:
    lines, golden = _lines(LINES), _lines(GOLDEN)
    assert list(validate_stream(plan, [line.decode() for line in lines])) == [g.decode() for g in golden]
    assert list(validate_stream(plan, [bytearray(line) for line in lines])) == golden
    assert list(validate_stream(plan, [memoryview(line) for line in lines])) == golden
    assert list(validate_stream(plan, [orjson.loads(line) for line in lines])) == [
        orjson.loads(g) for g in golden
    ]


def test_results_equal_validate_line(plan: validator.PlanValidator) -> None:
    lines = _lines(LINES)
    assert list(validate_stream(plan, lines)) == [plan.validate_line(line) for line in lines]


def test_bad_items_become_error_results_in_place(plan: validator.PlanValidator) -> None:
    first = _lines(LINES)[0]
    items: list = [first, b"", b"not json", b"[1,2]", b"{}", b'{"events":[null]}', first + b"\n"]
    totals = Tally(detailed=True)
    got = list(validate_stream(plan, items, totals=totals, source="mem"))
    golden_first = _lines(GOLDEN)[0]
    assert got[0] == golden_first and got[6] == golden_first
    assert got[1] == b'{"error":"Unexpected end of JSON input"}'  # JSON.parse's own words
    assert got[2] == b'{"error":"Unexpected token \'o\', \\"not json\\" is not valid JSON"}'
    assert got[3] == ARRAY_ERROR
    assert got[4] == plan.validate_line(b"{}") and got[4].startswith(b'{"results":[{')  # {} is truthy in JS
    assert got[5] == NULL_EVENT_ERROR
    assert (totals.batches, totals.valid, totals.invalid, totals.unreadable) == (7, 0, 3, 4)
    assert totals.error_examples[orjson.loads(ARRAY_ERROR)["error"]] == "mem:4"


def test_decoded_non_objects_are_error_dicts(plan: validator.PlanValidator) -> None:
    got = list(validate_stream(plan, [[1], None, 5, {"events": "x"}]))
    assert got == [
        orjson.loads(ARRAY_ERROR),
        {"error": "the line is JSON but not an object: expected one batch object per line"},
        {"error": "the line is JSON but not an object: expected one batch object per line"},
        {"error": "_a.map is not a function"},  # the reference's TypeError
    ]


def test_records_from_a_reader(plan: validator.PlanValidator, tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(b"\n".join(_lines(LINES)[:3]) + b'\n\n{"events":[null]}\n{"trunc')
    totals = Tally()
    got = list(validate_stream(plan, open_records(str(path)), totals=totals))
    assert got[:3] == _lines(GOLDEN)[:3]
    assert got[3] == NULL_EVENT_ERROR
    assert got[4] == b'{"error":"Unterminated string in JSON at position 7"}'
    assert totals.error_examples["Cannot read properties of null (reading 'event_type')"] == f"{path}:5"
    assert totals.batches == 5 and totals.unreadable == 2


def test_lazy_and_totals_are_running(plan: validator.PlanValidator) -> None:
    lines = _lines(LINES)
    pulled: list = []

    def source() -> Iterator[bytes]:
        for line in lines:
            pulled.append(line)
            yield line

    totals = Tally(detailed=False)
    stream = validate_stream(plan, source(), totals=totals)
    for position, _result in enumerate(stream, 1):
        assert len(pulled) == position  # nothing read ahead
        assert totals.batches == position  # counted before the result is handed out
    assert totals.batches == len(lines)


def test_plan_forms(kernel: str) -> None:
    lines = _lines(LINES)[:4]
    want = [validator.load_plan(str(PLAN), kernel=kernel).validate_line(line) for line in lines]
    text = PLAN.read_text()
    for form in (str(PLAN), PLAN, text, text.encode(), orjson.loads(text)):
        ready = as_validator(form, kernel=kernel)
        assert list(validate_stream(ready, lines)) == want
    ready = as_validator(PLAN, kernel=kernel)
    assert as_validator(ready) is ready
    with pytest.raises(ValueError, match="apply when loading"):
        as_validator(ready, kernel=kernel)
    with pytest.raises(ValueError, match="not valid JSON"):
        as_validator("{broken")


def test_unusable_plan_raises_with_strict_plan() -> None:
    with pytest.raises(PlanError):
        as_validator({"data_points": "nope"}, strict_plan=True)


def test_a_plan_the_reference_throws_on_fails_each_batch() -> None:
    results = list(validate_stream({"data_points": "nope"}, [b"{}", b'{"events":[]}']))
    assert [list(orjson.loads(line)) for line in results] == [["error"], ["error"]]


def test_pickled_validator_gives_the_same_results(plan: validator.PlanValidator) -> None:
    lines = _lines(LINES)
    clone = pickle.loads(pickle.dumps(plan))
    assert clone.backend == plan.backend
    assert list(validate_stream(clone, lines)) == _lines(GOLDEN)


def test_one_validator_shared_by_threads(plan: validator.PlanValidator) -> None:
    lines, golden = _lines(LINES) * 20, _lines(GOLDEN) * 20
    outputs: dict = {}

    def run(name: int) -> None:
        totals = Tally(detailed=False)
        outputs[name] = (list(validate_stream(plan, lines, totals=totals)), totals.batches)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(out == (golden, len(lines)) for out in outputs.values())


def test_detailed_totals_match_a_tally_of_the_cli_kind(plan: validator.PlanValidator) -> None:
    totals: Any = Tally(detailed=True)
    list(validate_stream(plan, _lines(LINES), totals=totals))
    summary = totals.as_dict()
    assert summary["totals"]["batches"] == 24
    assert sum(summary["per_error_type"].values()) == sum(
        len(r["data"]["validation_errors"]) for line in _lines(GOLDEN) for r in orjson.loads(line)["results"]
    )
