"""validate_arrow: every layout gives, per batch, exactly PlanValidator.validate_line's bytes, plus counts."""

from __future__ import annotations

import gzip
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import validator  # noqa: E402
from validator.arrow import ERROR_TYPES, RESULT_SCHEMA, validate_arrow  # noqa: E402
from validator.readers import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "tests" / "golden" / "conformance"
RICH_PLAN = CONFORMANCE / "rich_plan.json"
EXAMPLE_PLAN = ROOT / "examples" / "plan.json"
VALID = b'{"results":[],"batch":{}}'


def _lines(path: Path) -> list:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [line for line in data.splitlines() if line.strip()]


RICH = _lines(CONFORMANCE / "rich_batches.ndjson")
EXAMPLES = _lines(ROOT / "examples" / "batches.ndjson.gz")


@pytest.fixture
def rich(kernel: str) -> validator.PlanValidator:
    return validator.load_plan(str(RICH_PLAN), compat="1.0.3", kernel=kernel)


@pytest.fixture
def example(kernel: str) -> validator.PlanValidator:
    return validator.load_plan(str(EXAMPLE_PLAN), kernel=kernel)


def _expected_rows(plan: validator.PlanValidator, lines: list, rows: list) -> list:
    """What each output row must be, from validate_line on the batch's JSON."""
    expected = []
    for line, row in zip(lines, rows):
        result = plan.validate_line(line)
        counts = {name: 0 for name in ERROR_TYPES}
        error = None
        if result.startswith(b'{"error"'):
            error = orjson.loads(result)["error"]
        else:
            for item in orjson.loads(result)["results"]:
                for found in item["data"]["validation_errors"]:
                    counts[found["validation_error_type"]] += 1
        expected.append(
            {"row": row, "valid": result == VALID, **counts, "error": error, "results": result.decode()}
        )
    return expected


def _nested_rows(lines: list) -> list:
    # Event `data` as JSON text keeps every value's JSON type (a struct column would unify them).
    rows = []
    for line in lines:
        batch = orjson.loads(line)
        batch["events"] = [
            {"event_type": e["event_type"], "data": orjson.dumps(e["data"]).decode()} for e in batch["events"]
        ]
        rows.append(batch)
    return rows


def _event_rows(lines: list) -> tuple:
    """One row per event with a batch number; returns the rows and each batch's first row."""
    rows, firsts = [], []
    for number, line in enumerate(lines):
        batch = orjson.loads(line)
        firsts.append(len(rows))
        for event in batch.pop("events"):
            rows.append(
                {
                    "batch_no": number,
                    **batch,
                    "event_type": event["event_type"],
                    "data": orjson.dumps(event["data"]).decode(),
                }
            )
    return rows, firsts


def test_result_schema() -> None:
    assert RESULT_SCHEMA.names == [
        "row", "valid", "unplanned", "missing_required", "invalid_value", "unknown", "error", "results"
    ]  # fmt: skip
    assert [str(t) for t in RESULT_SCHEMA.types] == ["int64", "bool", *["int32"] * 4, "string", "string"]


@pytest.mark.parametrize("kind", ["string", "large_string", "binary", "large_binary"])
def test_json_layout_equals_validate_line(rich: validator.PlanValidator, kind: str) -> None:
    column = pa.array([line.decode() for line in RICH], type=getattr(pa, kind)())
    table = validate_arrow(pa.table({"batch": column}), rich)
    assert table.schema == RESULT_SCHEMA
    assert table.to_pylist() == _expected_rows(rich, RICH, range(len(RICH)))


def test_json_layout_column_choice_and_error_rows(rich: validator.PlanValidator) -> None:
    values = [RICH[0].decode(), None, "[1]", "nope", '{"events":[null]}', RICH[1].decode()]
    table = pa.table({"id": list(range(6)), "note": ["x"] * 6, "payload": values})
    with pytest.raises(InputError, match="cannot tell the Parquet layout"):
        validate_arrow(table, rich)  # two text columns, neither named like JSON
    got = validate_arrow(table, rich, json_column="payload", keep=["id"]).to_pylist()
    assert [r["id"] for r in got] == list(range(6)) and [r["row"] for r in got] == list(range(6))
    assert got[0]["results"] == rich.validate_line(RICH[0]).decode()
    assert got[5]["results"] == rich.validate_line(RICH[1]).decode()
    null_row = '{"error":"row 2: json column is null"}'
    assert got[1] == {
        "id": 1, "row": 1, "valid": False, "unplanned": 0, "missing_required": 0, "invalid_value": 0,
        "unknown": 0, "error": "row 2: json column is null", "results": null_row,
    }  # fmt: skip
    # The CLI's rule: a row must hold a batch object (validate_line would answer for any JSON).
    assert got[2]["error"] == "the line is JSON but an array: expected one batch object per line"
    assert got[3]["error"] == "Unexpected token 'o', \"nope\" is not valid JSON"
    assert got[4]["results"] == rich.validate_line(b'{"events":[null]}').decode()
    assert got[4]["error"] == "Cannot read properties of null (reading 'event_type')"
    assert [r["valid"] for r in got] == [False] * 6


def test_nested_layout_equals_validate_line(example: validator.PlanValidator) -> None:
    table = pa.Table.from_pylist(_nested_rows(EXAMPLES))
    got = validate_arrow(table, example, layout="nested")
    assert got.to_pylist() == _expected_rows(example, EXAMPLES, range(len(EXAMPLES)))
    assert validate_arrow(table, example).to_pylist() == got.to_pylist()  # auto finds `events`
    assert got.column("results").to_pylist() == [
        line.decode() for line in _lines(ROOT / "tests/golden/examples.results.ndjson")
    ]


def test_events_layout_equals_validate_line(example: validator.PlanValidator) -> None:
    rows, firsts = _event_rows(EXAMPLES)
    table = pa.Table.from_pylist(rows)
    got = validate_arrow(table, example, layout="events", batch_key="batch_no", keep=["batch_no"])
    expected = _expected_rows(example, EXAMPLES, firsts)
    assert got.drop_columns(["batch_no"]).to_pylist() == expected
    assert got.column("batch_no").to_pylist() == list(range(len(EXAMPLES)))
    assert validate_arrow(table, example, batch_key="batch_no").to_pylist() == expected  # auto: events


def test_events_layout_across_record_batches(example: validator.PlanValidator) -> None:
    rows, firsts = _event_rows(EXAMPLES)
    table = pa.Table.from_pylist(rows)
    small = table.to_batches(max_chunksize=3)  # batches of events straddle record batches
    assert len(small) > 10
    want = validate_arrow(table, example, batch_key="batch_no", keep=["batch_no", "mpid"])
    for data in (
        small,
        iter(small),
        pa.Table.from_batches(small),
        pa.RecordBatchReader.from_batches(table.schema, small),
    ):
        got = validate_arrow(data, example, batch_key="batch_no", keep=["batch_no", "mpid"])
        assert got.equals(want)
    assert want.column("mpid").to_pylist() == [orjson.loads(line)["mpid"] for line in EXAMPLES]


def test_events_layout_one_row_per_batch_with_maps_and_sets(example: validator.PlanValidator) -> None:
    table = pa.table(
        {
            "mpid": ["1", "2", None],
            "page": ["Home", "Checkout", "Home"],
            "ref": ["push", None, None],
            "color": [None, None, "blue"],
            "env": ["development", "production", None],
        }
    )
    got = validate_arrow(
        table,
        example,
        mappings=[
            ("page", "/data/screen_name"),
            ("ref", "/data/custom_attributes/referrer"),
            ("color", "/data/custom_attributes/color"),
            ("env", "/batch/environment"),
        ],
        settings=[("/event_type", "screen_view"), ("/batch/environment", "development")],
    )

    def screen(name: str, **attributes: str) -> dict:
        data: dict = {"screen_name": name}
        if attributes:
            data["custom_attributes"] = attributes
        return {"event_type": "screen_view", "data": data}

    batches = [
        {"mpid": "1", "environment": "development", "events": [screen("Home", referrer="push")]},
        {"mpid": "2", "environment": "production", "events": [screen("Checkout")]},
        {"environment": "development", "events": [screen("Home", color="blue")]},
    ]
    lines = [orjson.dumps(b) for b in batches]
    assert got.to_pylist() == _expected_rows(example, lines, range(3))
    assert got.column("valid").to_pylist() == [True, False, False]
    assert got.column("unplanned").to_pylist() == [0, 1, 1]


def test_record_batch_input_and_empty_input(rich: validator.PlanValidator) -> None:
    batch = pa.record_batch([pa.array([line.decode() for line in RICH[:2]])], names=["value"])
    assert validate_arrow(batch, rich).column("results").to_pylist() == [
        rich.validate_line(line).decode() for line in RICH[:2]
    ]
    empty = validate_arrow(batch.slice(0, 0), rich)
    assert empty.num_rows == 0 and empty.schema == RESULT_SCHEMA
    with pytest.raises(InputError, match="no record batches"):
        validate_arrow([], rich)


def test_plan_forms(kernel: str) -> None:
    table = pa.table({"value": [line.decode() for line in RICH[:3]]})
    want = validate_arrow(table, validator.load_plan(str(RICH_PLAN), kernel=kernel))
    assert validate_arrow(table, str(RICH_PLAN)).equals(want)
    assert validate_arrow(table, RICH_PLAN.read_text()).equals(want)
    assert validate_arrow(table, orjson.loads(RICH_PLAN.read_bytes())).equals(want)


def test_option_errors(rich: validator.PlanValidator) -> None:
    table = pa.table({"value": [RICH[0].decode()]})
    with pytest.raises(InputError, match="keep: no column 'nope'"):
        validate_arrow(table, rich, keep=["nope"])
    with pytest.raises(InputError, match="no column 'other'"):
        validate_arrow(table, rich, json_column="other")
    with pytest.raises(InputError, match="events layout only"):
        validate_arrow(table, rich, layout="json", batch_key="value")


def test_same_lines_as_the_cli_on_parquet(rich: validator.PlanValidator, kernel: str, tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    values: list[Any] = [line.decode() for line in RICH] + [None, "[2]"]
    pq.write_table(pa.table({"batch": values}), path, row_group_size=7)
    cli = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--plan", str(RICH_PLAN), "--compat", "1.0.3",
         "--kernel", kernel, "-q", str(path)],
        capture_output=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    lines = []
    for line in cli.stdout.splitlines():
        if line.startswith(b'{"error"'):  # the CLI adds where the error is; validate_arrow has `row`
            line = orjson.dumps({"error": orjson.loads(line)["error"]})
        lines.append(line.decode())
    got = validate_arrow(pq.read_table(path), rich)
    assert got.column("results").to_pylist() == lines


def test_spark_partition_function_without_spark(rich: validator.PlanValidator) -> None:
    """The function Spark runs in its Python workers: plain Arrow in and out, one compile per process."""
    from validator import spark

    spark._cache.clear()
    table = pa.table({"id": list(range(len(RICH))), "value": [line.decode() for line in RICH]})
    options = validator.readers.ParquetOptions(layout="json", json_column="value")
    run = pickle.loads(pickle.dumps(spark.partition_function(rich, options, keep=["id"])))
    out = pa.Table.from_batches(list(run(iter(table.to_batches(max_chunksize=5)))))
    assert out.equals(validate_arrow(table, rich, json_column="value", keep=["id"]))
    assert list(run(iter([]))) == []  # an empty partition
    assert len(spark._cache) == 1
    cached = next(iter(spark._cache.values()))
    run(iter(table.to_batches()))
    assert next(iter(spark._cache.values())) is cached and cached.backend == rich.backend
