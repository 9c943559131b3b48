"""validate_dataframe on a local Spark: the same lines as the CLI and validate_arrow, computed in workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest

pyspark = pytest.importorskip("pyspark")
pytest.importorskip("pandas")  # pyspark's Arrow UDFs import it
pa = pytest.importorskip("pyarrow")

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import validator  # noqa: E402
from validator import PlanError  # noqa: E402
from validator.arrow import validate_arrow  # noqa: E402
from validator.readers import InputError  # noqa: E402
from validator.spark import validate_dataframe, violation_summary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "tests" / "golden" / "conformance"
RICH_PLAN = CONFORMANCE / "rich_plan.json"
EXTRA = [b"[1,2]", b"not json", b'{"events":[null]}', b'{"events":"x"}']
RESULT_COLUMNS = [
    "row",
    "valid",
    "unplanned",
    "missing_required",
    "invalid_value",
    "unknown",
    "error",
    "results",
]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        # Workers are separate Python processes: the same interpreter, and this checkout importable.
        # The JVM keeps the environment it starts with, so it is restored once the session is up.
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        session = (
            SparkSession.builder.master("local[2]")
            .appName("dpv-tests")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def lines() -> list:
    return [
        line for line in (CONFORMANCE / "rich_batches.ndjson").read_bytes().splitlines() if line.strip()
    ] + EXTRA


@pytest.fixture(scope="module")
def input_file(tmp_path_factory: pytest.TempPathFactory, lines: list) -> Path:
    path = tmp_path_factory.mktemp("spark") / "batches.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def plan(kernel: str) -> validator.PlanValidator:
    return validator.load_plan(str(RICH_PLAN), compat="1.0.3", kernel=kernel)


def _cli_lines(path: Path, kernel: str) -> list:
    run = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--plan", str(RICH_PLAN), "--compat", "1.0.3",
         "--kernel", kernel, "-q", str(path)],
        capture_output=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    out = []
    for line in run.stdout.splitlines():
        if line.startswith(b'{"error"'):  # the CLI says where; Spark rows carry their own id
            line = orjson.dumps({"error": orjson.loads(line)["error"]})
        out.append(line.decode())
    return out


def test_text_files_give_the_cli_lines(
    spark: Any, plan: validator.PlanValidator, kernel: str, input_file: Path, lines: list
) -> None:
    frame = spark.read.text(str(input_file)).withColumn("id", F.monotonically_increasing_id())
    results = validate_dataframe(frame, plan, keep=["id"])
    assert results.columns == ["id", *RESULT_COLUMNS]
    rows = [row.asDict() for row in results.orderBy("id").collect()]
    assert [r["results"] for r in rows] == _cli_lines(input_file, kernel)
    for row, line in zip(rows, lines):
        if line.startswith(b"{"):  # an object: validate_line's own answer
            assert row["results"] == plan.validate_line(line).decode()
    # every column as validate_arrow computes it on the same rows
    want = validate_arrow(pa.table({"value": [line.decode() for line in lines]}), plan).to_pylist()
    assert [{k: v for k, v in r.items() if k != "id"} for r in rows] == want


def test_plan_as_json_text_and_several_partitions(
    spark: Any, plan: validator.PlanValidator, lines: list
) -> None:
    frame = spark.createDataFrame(
        [(i, line.decode()) for i, line in enumerate(lines)], "id long, value string"
    )
    frame = frame.repartition(3, "id")
    results = validate_dataframe(frame, RICH_PLAN.read_text(), keep=["id"], plan_options={"compat": "1.0.3"})
    got = {row["id"]: row["results"] for row in results.collect()}
    assert [got[i] for i in range(len(lines))] == [plan.check_line(line)[0].decode() for line in lines]
    assert sorted(results.groupBy("id").count().collect(), key=lambda r: r[0])[0]["count"] == 1


def test_events_layout(spark: Any, kernel: str) -> None:
    example = validator.load_plan(str(ROOT / "examples" / "plan.json"), kernel=kernel)
    sign_up = '{"event_name":"Sign Up","custom_event_type":"other","custom_attributes":{"method":"email"}}'
    home = '{"screen_name":"Home","custom_attributes":{"referrer":"push","x":1}}'
    events = [
        (0, "1", "custom_event", sign_up),
        (0, "1", "screen_view", home),
        (1, "2", "screen_view", '{"screen_name":"Nowhere"}'),
        (2, "3", "custom_event", "{broken"),
    ]
    schema = "session long, mpid string, event_type string, data string"
    frame = spark.createDataFrame(events, schema).coalesce(1)
    results = validate_dataframe(frame, example, layout="events", batch_key="session", keep=["session"])
    got = [row.asDict() for row in results.orderBy("session").collect()]
    want = validate_arrow(
        pa.table(
            {
                name: list(column)
                for name, column in zip(["session", "mpid", "event_type", "data"], zip(*events))
            }
        ),
        example,
        layout="events",
        batch_key="session",
        keep=["session"],
    ).to_pylist()
    assert got == want
    assert [r["valid"] for r in got] == [False, False, False]
    first = {
        "mpid": "1",
        "events": [
            {"event_type": "custom_event", "data": orjson.loads(sign_up)},
            {"event_type": "screen_view", "data": orjson.loads(home)},
        ],
    }
    assert got[0]["results"] == example.validate_line(orjson.dumps(first)).decode()
    assert got[2]["error"].startswith("row 4: data is not valid JSON")


def test_violation_summary(spark: Any, plan: validator.PlanValidator, input_file: Path, lines: list) -> None:
    results = validate_dataframe(spark.read.text(str(input_file)), plan)
    summary = [row.asDict() for row in violation_summary(results).collect()]
    violations: Counter = Counter()
    batches: Counter = Counter()
    for line in lines:
        result = orjson.loads(plan.check_line(line)[0])
        seen = set()
        for item in result.get("results", []):
            point = orjson.dumps(item["data"]["match"]).decode() if "match" in item["data"] else None
            for error in item["data"]["validation_errors"]:
                key = error.get("key")
                key = key if key is None or isinstance(key, str) else orjson.dumps(key).decode()
                group = (point, error["validation_error_type"], error["error_pointer"], key)
                violations[group] += 1
                seen.add(group)
        batches.update(seen)
    assert {
        (r["data_point"], r["validation_error_type"], r["error_pointer"], r["key"]): r["violations"]
        for r in summary
    } == dict(violations)
    assert {
        (r["data_point"], r["validation_error_type"], r["error_pointer"], r["key"]): r["batches"]
        for r in summary
    } == dict(batches)
    counts = [r["violations"] for r in summary]
    assert counts == sorted(counts, reverse=True)


def test_errors_are_raised_on_the_driver(spark: Any, input_file: Path) -> None:
    frame = spark.read.text(str(input_file))
    with pytest.raises(PlanError):
        validate_dataframe(frame, {"data_points": "nope"}, plan_options={"strict_plan": True})
    with pytest.raises(InputError, match="'body'"):
        validate_dataframe(frame, str(RICH_PLAN), json_column="body")
    with pytest.raises(InputError, match="keep: no column 'id'"):
        validate_dataframe(frame, str(RICH_PLAN), keep=["id"])
