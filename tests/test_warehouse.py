"""Warehouse Sync extracts: rows -> batches as the pipeline builds them, validated as the reference does.

The batches each extract builds are golden files (tests/data/warehouse/<case>.batches.ndjson) and
the expected results were recorded from the reference on exactly those batches
(tests/data/warehouse/record.py); rows that cannot be built are asserted here with their messages.
"""

# ruff: noqa: E501  (expected messages are kept whole, one per line)

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import validator
from validator.cli import main
from validator.readers.csv import ABSENT, csv_value
from validator.readers.records import ParquetOptions
from validator.warehouse import (
    RowError,
    WarehouseError,
    accepted_destinations,
    destination,
    extract_records,
    load_mapper,
)
from validator.warehouse.transform import as_text, unixtime_ms

DATA = Path(__file__).resolve().parent / "data" / "warehouse"
PLAN = DATA / "plan.json"
USERS = DATA / "users.pipeline.json"
EVENTS = DATA / "events.pipeline.json"
FT = DATA / "events.ft.json"
CASES = {  # case: (extract, pipeline, field transformation, {line: error message of a row that cannot be built})
    "users_csv": (
        "users.csv",
        USERS,
        None,
        {6: "row 4 (line 6): too few cells: 6, the header has 11"},
    ),
    "users_parquet": ("users.parquet", USERS, None, {}),
    "events_csv": (
        "events.csv",
        EVENTS,
        FT,
        {
            7: "row 6 (line 7): column 'timeStamp': \"not a time\" is not a timestamp "
            "(epoch milliseconds or ISO 8601)",
            8: "row 7 (line 8): no event_type: the column mapped to event_type is empty",
        },
    ),
    "events_ndjson": (
        "events.ndjson",
        EVENTS,
        FT,
        {
            5: "line 5: column 'timeStamp': true is not a timestamp (epoch milliseconds or ISO 8601)",
            6: "line 6: a row is a JSON object (column: value)",
            7: "line 7: column 'eventType': \"push_reaction\" is not an event type (custom_event, screen_view, "
            "commerce_event, session_start, session_end, breadcrumb, crash_report, first_run, "
            "network_performance, opt_out, uninstall, push_registration, push_message, "
            "application_state_transition, user_attribute_change, user_identity_change, profile)",
        },
    ),
}


def run(*args: object) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return (
        result.exit_code,
        result.stdout_bytes,
        result.stderr_bytes if hasattr(result, "stderr_bytes") else b"",
    )


def _pipeline_args(case: str) -> list:
    _, pipeline, ft, _ = CASES[case]
    return ["--pipeline", pipeline, *(["--field-transformation", ft] if ft else [])]


def _lines(path: Path) -> list:
    return [line for line in path.read_bytes().splitlines() if line]


# -- the batches each mapping builds, and the reference's results on them ------------------------------


@pytest.mark.parametrize("case", CASES)
def test_rows_build_the_recorded_batches(case: str) -> None:
    extract, pipeline, ft, errors = CASES[case]
    records = list(extract_records(str(DATA / extract), load_mapper(pipeline, ft)))
    built = [orjson.dumps(r.batch) for r in records if r.error is None]
    assert built == _lines(DATA / f"{case}.batches.ndjson")
    assert all(r.raw == orjson.dumps(r.batch) for r in records if r.error is None)
    assert {r.line: r.error for r in records if r.error is not None} == errors


@pytest.mark.parametrize("case", CASES)
def test_results_are_the_reference_results(case: str, kernel: str) -> None:
    extract, _, _, errors = CASES[case]
    code, out, _ = run(
        "validate",
        "-q",
        "--kernel",
        kernel,
        "--with-source",
        *_pipeline_args(case),
        "--plan",
        PLAN,
        DATA / extract,
    )
    assert code == 1
    reference = iter(_lines(DATA / f"{case}.reference.ndjson"))
    for line in out.splitlines():
        result = orjson.loads(line)
        source = result.pop("source")
        assert source["file"] == str(DATA / extract)
        if "error" in result:
            assert result["error"] == errors[source["line"]]
        else:
            assert orjson.dumps(result) == next(reference)
    assert next(reference, None) is None


def test_user_rows_map_identities_and_skip_the_iterator_field() -> None:
    mapper = load_mapper(USERS)
    batch = mapper.build(
        {"Updated_At": "2023-01-01", "CUSTOMERID": 42, "email": "a@b.c", "MPID": "123", "mp_deviceid": "d-1",
         "IOS_IDFV": "X", "other_id_10": 7.0, "$firstname": "Ada", "score": 1.5, "vip": True}
    )  # fmt: skip
    assert batch == {
        "environment": "production",
        "context": {"data_plan": {"plan_id": "retail_plan"}},
        "mpid": "123",
        "mp_deviceid": "d-1",
        "user_identities": {"customer_id": "42", "email": "a@b.c", "other_id_10": "7"},
        "device_info": {"ios_idfv": "X"},
        "user_attributes": {"$firstname": "Ada", "score": 1.5, "vip": True},
        "events": [],
    }


def test_pipeline_without_a_data_plan_sets_no_context(tmp_path: Path) -> None:
    pipeline = {"pipeline_type": "user_attributes", "environment": "development"}
    assert load_mapper(pipeline).build({"a": 1}) == {
        "environment": "development",
        "user_attributes": {"a": 1},
        "events": [],
    }


# -- values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("", ABSENT),
        ("NULL", ABSENT),
        ("null", "null"),
        ("Null", "Null"),
        ("TRUE", True),
        ("false", False),
        ("truth", "truth"),
        ("42", 42),
        ("-0", 0),
        ("0.82", 0.82),
        ("1e3", 1000.0),
        ("007", "007"),
        ("+1", "+1"),
        ("1.", "1."),
        (" 42", " 42"),
        ("9007199254740991", 9007199254740991),
        ("9007199254740992", "9007199254740992"),
        ("1e999", "1e999"),
        ("London, UK", "London, UK"),
    ],
)
def test_csv_values(cell: str, value: object) -> None:
    got = csv_value(cell)
    assert got is value if value is ABSENT else (got == value and type(got) is type(value))


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        (1677681000000, 1677681000000),
        (1677681000000.0, 1677681000000),
        ("1677681000000", 1677681000000),
        ("2023-03-01T14:30:00Z", 1677681000000),
        ("2023-03-01 14:30:00", 1677681000000),
        ("2023-03-01T14:30:00.25+00:00", 1677681000250),
        ("2023-03-01T14:30:00.123456789Z", 1677681000123),
        ("2023-03-01 15:30:00 +0100", 1677681000000),
        ("2023-03-01T09:30:00-05", 1677681000000),
        ("2023-03-01 14:30:00 UTC", 1677681000000),
        ("2023-03-01", 1677628800000),
        ("1969-12-31T23:59:59.999Z", -1),
    ],
)
def test_unixtime_ms(value: object, millis: int) -> None:
    assert unixtime_ms(value, "ts") == millis


@pytest.mark.parametrize("value", ["yesterday", "2023-13-01", "2023-03-01T25:00:00", True, 1.5, None, [1]])
def test_unixtime_ms_refuses(value: object) -> None:
    with pytest.raises(RowError, match="column 'ts': .* is not a timestamp"):
        unixtime_ms(value, "ts")


def test_identities_are_text() -> None:
    assert [as_text(v) for v in ("a", 42, 42.0, 1.5, True, -8015758185428496387)] == [
        "a", "42", "42", "1.5", "true", "-8015758185428496387",
    ]  # fmt: skip
    with pytest.raises(RowError):
        as_text({"a": 1})


# -- destinations -------------------------------------------------------------------------------------


def test_destinations_land_where_the_table_says() -> None:
    assert destination("event_type") == ("event", ("event_type",), "event_type")
    assert destination("timestamp_unixtime_ms") == ("data", ("timestamp_unixtime_ms",), "ms")
    assert destination("custom_attributes.Plan Tier") == ("data", ("custom_attributes", "Plan Tier"), "any")
    assert destination("user_identities.email") == ("batch", ("user_identities", "email"), "id")
    assert destination("device_info.is_tablet") == ("batch", ("device_info", "is_tablet"), "any")
    assert destination("mpid") == ("batch", ("mpid",), "id")
    names = [name for name, _ in accepted_destinations()]
    assert names[:3] == ["event_type", "event_name", "custom_event_type"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("eventName", "unknown destination 'eventName'"),
        (
            "events[].data.event_name",
            "unknown destination 'events[].data.event_name' (did you mean 'event_name'?)",
        ),
        ("data.event_name", "'data.event_name' cannot be mapped: map the event's fields by name"),
        ("environment", "'environment' cannot be mapped: the pipeline's `environment` sets it"),
        ("user_identities.fax", "'user_identities.fax': user_identities has no key 'fax'"),
        ("custom_attributes.", "'custom_attributes.' names no key after custom_attributes."),
        ("", "a destination is a non-empty string"),
    ],
)
def test_unknown_destinations_say_why(name: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        destination(name)
    assert str(info.value).startswith(message)


def test_events_rows_use_static_values_and_drop_unmapped_columns() -> None:
    ft = {
        "mappings": [
            {"mapping_type": "static", "destination": "event_type", "value": "custom_event"},
            {"mapping_type": "column", "source": "name", "destination": "event_name"},
            {"mapping_type": "static", "destination": "custom_event_type", "value": "other"},
            {"mapping_type": "column", "source": "at", "destination": "timestamp_unixtime_ms"},
            {"mapping_type": "column", "source": "uid", "destination": "user_identities.customer_id"},
            {"mapping_type": "column", "source": "tier", "destination": "user_attributes.tier"},
            {"mapping_type": "ignore", "source": "loaded_at"},
        ]
    }
    mapper = load_mapper(
        {"pipeline_type": "events", "environment": "production", "field_transformation_id": "f"}, ft
    )
    batch = mapper.build(
        {"name": "Sign Up", "at": "2023-03-01T14:30:00Z", "uid": 7, "loaded_at": "x", "extra": 1}
    )
    assert batch == {
        "environment": "production",
        "user_identities": {"customer_id": "7"},
        "events": [
            {
                "event_type": "custom_event",
                "data": {
                    "event_name": "Sign Up",
                    "custom_event_type": "other",
                    "timestamp_unixtime_ms": 1677681000000,
                },
            }
        ],
    }
    assert mapper.build({"tier": "gold"})["user_attributes"] == {"tier": "gold"}
    column_type = {**ft, "mappings": [{"mapping_type": "column", "source": "t", "destination": "event_type"}]}
    mapper = load_mapper({"pipeline_type": "events", "environment": "production", "field_transformation_id": "f"},
                         column_type)  # fmt: skip
    with pytest.raises(RowError, match="no event_type: the column mapped to event_type is empty"):
        mapper.build({})


# -- CSV edge cases through the command line ----------------------------------------------------------


def _users(tmp_path: Path, text: bytes, name: str = "extract.csv") -> tuple:
    path = tmp_path / name
    path.write_bytes(text)
    code, out, err = run("validate", "-q", "--pipeline", USERS, "--plan", PLAN, "--with-source", path)
    return code, [orjson.loads(line) for line in out.splitlines()], err.decode()


def test_csv_quoting_bom_crlf_null_and_empty_cells(tmp_path: Path) -> None:
    text = (
        b"\xef\xbb\xbfemail,plan,city,age,newsletter\r\n"
        b'"a@b.c",pro,"Paris, ""La Ville""\r\nLumiere",,NULL\r\n'
        b"\r\n"
        b"b@b.c,free,,14,true\r\n"
    )
    code, results, _ = _users(tmp_path, text)
    assert code == 0
    assert [r["source"]["line"] for r in results] == [2, 5]
    records = list(extract_records(str(tmp_path / "extract.csv"), load_mapper(USERS)))
    assert [r.batch["user_attributes"] for r in records] == [
        {"plan": "pro", "city": 'Paris, "La Ville"\r\nLumiere'},
        {"plan": "free", "age": 14, "newsletter": True},
    ]
    assert [r.batch["user_identities"] for r in records] == [{"email": "a@b.c"}, {"email": "b@b.c"}]


def test_csv_rows_with_too_few_or_too_many_cells_are_row_errors(tmp_path: Path) -> None:
    code, results, _ = _users(tmp_path, b"email,plan\na@b.c\nb@b.c,pro,extra\nc@b.c,pro\n")
    assert code == 1
    assert results == [
        {
            "error": "row 1 (line 2): too few cells: 1, the header has 2",
            "source": {"file": str(tmp_path / "extract.csv"), "line": 2},
        },
        {
            "error": "row 2 (line 3): too many cells: 3, the header has 2",
            "source": {"file": str(tmp_path / "extract.csv"), "line": 3},
        },
        {"results": [], "batch": {}, "source": {"file": str(tmp_path / "extract.csv"), "line": 4}},
    ]


def test_csv_cells_beyond_the_csv_module_default_size(tmp_path: Path) -> None:
    big = "x" * 200_000
    code, results, _ = _users(tmp_path, f'email,plan,city\na@b.c,pro,"{big}"\n'.encode())
    assert (code, [r["results"] for r in results]) == (0, [[]])


def test_csv_header_with_a_repeated_name_is_unreadable(tmp_path: Path) -> None:
    code, results, err = _users(tmp_path, b"email,plan,email\na,pro,b\n")
    assert (code, results) == (3, [])
    assert (
        f"dpv: {tmp_path / 'extract.csv'}: the header repeats the column name 'email' (columns 1 and 3); "
        "rename one in the data model's SELECT"
    ) in err


def test_more_than_100_columns_is_unreadable(tmp_path: Path) -> None:
    names = ",".join(f"c{i}" for i in range(101))
    code, results, err = _users(tmp_path, f"{names}\n{','.join('1' * 101)}\n".encode())
    assert (code, results) == (3, [])
    assert "101 columns; a Warehouse Sync data model holds at most 100" in err
    names = ",".join(f"c{i}" for i in range(100))
    code, results, _ = _users(tmp_path, f"{names}\n{','.join('1' * 100)}\n".encode())
    assert code != 3 and len(results) == 1  # read (its attributes may violate the plan)


def test_empty_csv_is_unreadable(tmp_path: Path) -> None:
    code, _, err = _users(tmp_path, b"")
    assert code == 3
    assert "no header row" in err


# -- every output path ----------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["summary", "json", "junit", "github", "sarif"])
def test_report_formats_name_file_and_line(output_format: str) -> None:
    code, out, _ = run(
        "validate", "-q", "--format", output_format, *_pipeline_args("events_csv"), "--plan", PLAN,
        DATA / "events.csv",
    )  # fmt: skip
    assert code == 1
    assert b"events.csv" in out
    assert b"row 6 (line 7)" in out


def test_jobs_and_split_outputs(tmp_path: Path) -> None:
    args = [
        "validate",
        "-q",
        "--with-source",
        *_pipeline_args("events_csv"),
        "--plan",
        PLAN,
        DATA / "events.csv",
    ]
    _, one, _ = run(*args)
    valid, invalid = tmp_path / "valid.ndjson", tmp_path / "invalid.ndjson"
    code, two, _ = run(*args, "--jobs", "2", "--valid-out", valid, "--invalid-out", invalid)
    assert (code, two) == (1, one)
    batches = _lines(DATA / "events_csv.batches.ndjson")
    assert _lines(valid) == [batches[0], batches[2]]
    # a row that could not be built has no batch: an empty line stands for it, as for Parquet rows
    assert invalid.read_bytes().split(b"\n") == [
        batches[1],
        batches[3],
        batches[4],
        b"",
        b"",
        batches[5],
        b"",
    ]


def test_gates() -> None:
    args = ["validate", "-q", *_pipeline_args("users_parquet"), "--plan", PLAN, DATA / "users.parquet"]
    assert run(*args)[0] == 1
    assert run(*args, "--fail-on", "unplanned", "--max-violations", "1")[0] == 0
    assert run(*args, "--fail-on", "invalid_value,missing_required", "--max-violations", "1")[0] == 1


def test_usage_and_unusable_configuration(tmp_path: Path) -> None:
    code, _, err = run("validate", "-q", "--field-transformation", FT, "--plan", PLAN, DATA / "events.csv")
    assert code == 2 and b"--field-transformation needs --pipeline" in err
    code, _, err = run(
        "validate", "-q", "--pipeline", USERS, "--layout", "json", "--plan", PLAN, DATA / "users.csv"
    )
    assert code == 2 and b"do not apply with --pipeline" in err
    code, _, err = run("validate", "-q", "--pipeline", EVENTS, "--plan", PLAN, DATA / "events.csv")
    assert code == 3
    assert err.decode() == (
        f"dpv: {EVENTS}: an events pipeline needs its field transformation (--field-transformation FILE)\n"
    )
    ft = tmp_path / "ft.json"
    ft.write_text(json.dumps({"mappings": [
        {"mapping_type": "static", "destination": "event_type", "value": "custom_event"},
        {"mapping_type": "column", "source": "eventName", "destination": "eventName"},
    ]}))  # fmt: skip
    code, _, err = run(
        "validate",
        "-q",
        "--pipeline",
        EVENTS,
        "--field-transformation",
        ft,
        "--plan",
        PLAN,
        DATA / "events.csv",
    )
    assert code == 3
    assert err.decode() == f"dpv: {ft}: mapping 1: unknown destination 'eventName'\n"
    code, _, err = run(
        "validate",
        "-q",
        "--pipeline",
        EVENTS,
        "--field-transformation",
        FT,
        "--plan",
        PLAN,
        DATA / "users.csv",
    )
    assert code == 3
    assert "the field transformation maps column(s) the extract lacks: eventId, sessionId" in err.decode()


def test_missing_extract_and_pipeline_mismatches(tmp_path: Path) -> None:
    code, _, err = run("validate", "-q", "--pipeline", USERS, "--plan", PLAN, tmp_path / "nope.csv")
    assert code == 3
    assert err.decode() == f"dpv: {tmp_path / 'nope.csv'}: cannot read: No such file or directory\n"
    code, _, err = run(
        "validate",
        "-q",
        "--pipeline",
        USERS,
        "--field-transformation",
        FT,
        "--plan",
        PLAN,
        DATA / "users.csv",
    )
    assert code == 3
    assert err.decode() == (
        f"dpv: {USERS}: a field transformation was given for a user_attributes pipeline: it does not apply\n"
    )
    # sync_mode and schedule problems are lint's business: the rows still validate
    odd = tmp_path / "odd.json"
    odd.write_text(
        json.dumps({**json.loads(USERS.read_text()), "schedule": {"type": "weekly"}, "sync_mode": 3})
    )
    assert run("validate", "-q", "--pipeline", odd, "--plan", PLAN, DATA / "users.parquet")[0] == 1
    odd.write_text(
        json.dumps({**json.loads(USERS.read_text()), "pipeline_type": "profiles", "environment": None})
    )
    code, _, err = run("validate", "-q", "--pipeline", odd, "--plan", PLAN, DATA / "users.parquet")
    assert code == 3
    assert err.decode() == (
        f"dpv: {odd}: pipeline_type 'profiles' is not one of user_attributes, events; "
        "environment null: it is required, one of development, production\n"
    )


def test_routing_follows_the_pipeline(tmp_path: Path) -> None:
    # users.pipeline.json names no version: production routes to version 2, which requires `plan`;
    # the same pipeline in development routes to version 1, which does not.
    row = tmp_path / "rows.ndjson"
    row.write_text('{"email": "a@b.c", "age": 30}\n')
    code, out, _ = run("validate", "-q", "--pipeline", USERS, "--plan", PLAN, row)
    assert code == 1 and b"missing_required" in out
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps({**json.loads(USERS.read_text()), "environment": "development"}))
    assert run("validate", "-q", "--pipeline", dev, "--plan", PLAN, row)[:2] == (
        0,
        b'{"results":[],"batch":{}}\n',
    )


# -- dpv lint --pipeline ----------------------------------------------------------------------------------

BAD_PIPELINE = """{
  "id": "bad",
  "pipeline_type": "events",
  "environment": "staging",
  "sync_mode": {"type": "incremental"},
  "schedule": {"type": "interval", "start": "2023-02-02T00:00:00Z", "end": "2023-02-01T00:00:00Z"},
  "data_plan_id": "retail_plan",
  "data_plan_version": 7
}
"""
BAD_FT = """{"id": "x", "destination_type": "event_batch", "mappings": [
  {"mapping_type": "column", "source": "a", "destination": "event_name"},
  {"mapping_type": "column", "source": "b", "destination": "event_name"},
  {"mapping_type": "column", "source": "c", "destination": "events[].data.session_id"},
  {"mapping_type": "static", "destination": "custom_event_type"},
  {"mapping_type": "ignore", "source": "a"},
  {"mapping_type": "colum", "source": "d", "destination": "x"},
  {"mapping_type": "column", "destination": "session_id"},
  {"mapping_type": "static", "source": "e", "destination": "environment", "value": "x"}
]}
"""


def test_lint_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    pipeline, ft, extract = tmp_path / "p.json", tmp_path / "ft.json", tmp_path / "x.csv"
    pipeline.write_text(BAD_PIPELINE)
    ft.write_text(BAD_FT)
    extract.write_text(",".join(["a", "b", "z", *(f"c{i}" for i in range(98))]) + "\n")
    code, out, _ = run(
        "lint", "--pipeline", pipeline, "--field-transformation", ft, "--plan", PLAN, "--columns", extract
    )
    assert code == 1
    p, f, x = pipeline, ft, extract
    assert out.decode().splitlines() == [
        f"{p}:1: error: [field-transformation-id] an events pipeline needs field_transformation_id (a string)",
        f"{p}:4: error: [pipeline-field] at /environment: environment 'staging': it is required, one of "
        "development, production",
        f"{p}:5: error: [pipeline-schedule] at /sync_mode: an incremental sync_mode needs iterator_field "
        "(the load-timestamp column)",
        f"{p}:5: error: [pipeline-schedule] at /sync_mode: an incremental sync_mode needs iterator_data_type",
        f"{p}:6: error: [pipeline-schedule] at /schedule: schedule.frequency missing: an interval schedule needs "
        "one of hourly, daily, weekly, monthly",
        f"{p}:6: error: [pipeline-schedule] at /schedule/end: end is not after start",
        f"{p}:8: warning: [data-plan] at /data_plan_version: data plan 'retail_plan' has no version 7 "
        "(versions given: 1, 2)",
        f"{f}:1: error: [no-event-type] at /mappings: no mapping sets event_type: every row would be an event "
        'without a type (add e.g. {"mapping_type": "static", "destination": "event_type", "value": "custom_event"})',
        f"{f}:3: error: [duplicate-mapping] at /mappings/1: mapping 1 (column b -> event_name): event_name is "
        "already set by mapping 0 (column a -> event_name)",
        f"{f}:4: error: [unknown-destination] at /mappings/2/destination: mapping 2: unknown destination "
        "'events[].data.session_id' (did you mean 'session_id'?)",
        f"{f}:5: error: [mapping-field] at /mappings/3: mapping 3: a static mapping needs `value`, the constant "
        "to send",
        f"{f}:6: error: [duplicate-mapping] at /mappings/4: mapping 4 (ignore a): column a is also mapped by "
        "mapping 0 (column a -> event_name)",
        f"{f}:7: error: [mapping-field] at /mappings/5/mapping_type: mapping 5: mapping_type 'colum' is not "
        "one of column, static, ignore",
        f"{f}:8: error: [mapping-field] at /mappings/6/source: mapping 6: a column mapping needs `source`, "
        "the column name",
        f"{f}:9: error: [mapping-field] at /mappings/7/source: mapping 7: a static mapping has no `source` "
        "(leave it unset or null)",
        f"{f}:9: error: [unknown-destination] at /mappings/7/destination: mapping 7: 'environment' cannot be "
        "mapped: the pipeline's `environment` sets it",
        f"{x}:1: error: [too-many-columns] 101 columns: a data model holds at most 100",
        f"{x}:1: warning: [unmapped-column] 99 column(s) no mapping names, not sent: z, "
        + ", ".join(f"c{i}" for i in range(98)),
        "16 errors, 2 warnings in 3 files",
    ]


def test_lint_clean_pipelines_and_formats() -> None:
    for args in (
        ["--pipeline", USERS, "--plan", PLAN, "--columns", DATA / "users.csv"],
        ["--pipeline", USERS, "--columns", DATA / "users.parquet"],
        [
            "--pipeline",
            EVENTS,
            "--field-transformation",
            FT,
            "--plan",
            PLAN,
            "--columns",
            DATA / "events.csv",
        ],
        ["--pipeline", EVENTS, "--field-transformation", FT, "--columns", DATA / "events.ndjson"],
    ):
        files = sum(1 for arg in args if arg in ("--pipeline", "--field-transformation", "--columns"))
        assert run("lint", *args) == (0, f"0 errors, 0 warnings in {files} files\n".encode(), b""), args
    code, out, _ = run("lint", "--format", "json", "--pipeline", EVENTS, "--field-transformation", FT)
    assert code == 0
    assert orjson.loads(out)["totals"] == {"files": 2, "errors": 0, "warnings": 0}
    for output_format in ("junit", "github", "sarif"):
        assert run("lint", "--format", output_format, "--pipeline", USERS)[0] == 0


def test_lint_plan_lookups_and_exit_codes(tmp_path: Path) -> None:
    pipeline = tmp_path / "p.json"
    base = json.loads(USERS.read_text())
    cases = [
        ({"data_plan_version": 1}, "data plan 'retail_plan' version 1 is not activated for production"),
        ({}, None),
        ({"data_plan_id": "other_plan"}, "data plan 'other_plan' is not among the plans given (retail_plan)"),
        ({"field_transformation_id": "ft"}, None),
    ]
    for change, warning in cases:
        pipeline.write_text(json.dumps({**base, **change}))
        code, out, _ = run("lint", "--pipeline", pipeline, "--plan", PLAN)
        if "field_transformation_id" in change:
            assert code == 1 and b"not available for user data pipelines" in out
        elif warning is None:
            assert code == 0
        else:
            assert code == 0 and warning in out.decode()
            assert run("lint", "--strict", "--pipeline", pipeline, "--plan", PLAN)[0] == 1
    pipeline.write_text("{not json")
    code, out, _ = run("lint", "--pipeline", pipeline)
    assert code == 3 and b"not-json" in out
    assert run("lint")[0] == 2
    assert run("lint", "--columns", DATA / "users.csv", PLAN)[0] == 2


def test_lint_legacy_pipeline_and_missing_columns(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.json"
    legacy.write_text(json.dumps({"id": "example-pipeline", "schedule_interval": "hourly",
                                  "schedule_start_time": "2023-02-01T00:05:00Z", "environment": "development"}))  # fmt: skip
    code, out, _ = run("lint", "--pipeline", legacy)
    assert code == 0
    assert b"no pipeline_type: read as user_attributes (the early-access default)" in out
    extract = tmp_path / "x.csv"
    extract.write_text("eventId,eventType,eventName\n")
    code, out, _ = run("lint", "--pipeline", EVENTS, "--field-transformation", FT, "--columns", extract)
    assert code == 1
    assert b"mapping 1 (column sessionId -> session_id): no column 'sessionId' in the extract" in out
    assert b"the iterator field 'loaded_at' (sync_mode.iterator_field) is not a column" in out
    extract.write_text("updated_at,customerid,Customer_ID,email,EMAIL,mpid,plan\n")
    code, out, _ = run("lint", "--pipeline", USERS, "--columns", extract)
    assert code == 0
    assert out.decode().splitlines()[-3:] == [
        f"{extract}:1: warning: [duplicate-column] columns customerid, Customer_ID all become "
        "user_identities.customer_id: a row sends only the last one's value",
        f"{extract}:1: warning: [duplicate-column] columns email, EMAIL all become user_identities.email: "
        "a row sends only the last one's value",
        "0 errors, 2 warnings in 2 files",
    ]
    extract.write_text("a,a\n")
    code, out, _ = run("lint", "--pipeline", USERS, "--columns", extract)
    assert code == 1 and b"[duplicate-column]" in out


# -- Arrow and Spark --------------------------------------------------------------------------------------


def test_validate_arrow_with_a_pipeline(kernel: str) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from validator.arrow import validate_arrow

    plan = validator.load_plan(str(PLAN), kernel=kernel)
    table = pq.read_table(DATA / "users.parquet")
    out = validate_arrow(table, plan, pipeline=str(USERS), keep=["email"])
    assert out.column("row").to_pylist() == [0, 1, 2]
    assert out.column("email").to_pylist() == ["ada@example.com", None, "cleo@example.com"]
    assert [line.encode() for line in out.column("results").to_pylist()] == _lines(
        DATA / "users_parquet.reference.ndjson"
    )
    ft = json.loads(FT.read_text())
    events = pq.read_table(DATA / "users.parquet")  # lacks every mapped column
    with pytest.raises(validator.readers.InputError, match="maps column\\(s\\) the extract lacks"):
        validate_arrow(events, plan, pipeline=json.loads(EVENTS.read_text()), field_transformation=ft)
    with pytest.raises(WarehouseError, match="needs its field transformation"):
        validate_arrow(table, plan, pipeline=str(EVENTS))


def test_spark_partitions_build_the_same_rows() -> None:
    """The function validate_dataframe hands to mapInArrow, run on record batches as a worker would."""
    import pickle

    pq = pytest.importorskip("pyarrow.parquet")
    from validator.arrow import warehouse_options
    from validator.spark import partition_function

    plan = validator.load_plan(str(PLAN))
    options = warehouse_options(ParquetOptions(), str(USERS), None)
    function = pickle.loads(pickle.dumps(partition_function(plan, options)))
    batches = pq.read_table(DATA / "users.parquet").to_batches(max_chunksize=2)
    rows = [row for out in function(iter(batches)) for row in out.to_pylist()]
    assert [r["results"].encode() for r in rows] == _lines(DATA / "users_parquet.reference.ndjson")


def test_validate_dataframe_with_a_pipeline() -> None:
    pytest.importorskip("pyspark")
    pq = pytest.importorskip("pyarrow.parquet")
    from pyspark.sql import SparkSession

    from validator.spark import validate_dataframe

    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    frame = spark.createDataFrame(
        pq.read_table(DATA / "users.parquet").drop(["favorite_categories"]).to_pandas()
    ).coalesce(1)  # `row` counts rows per partition; the session may be another test's local[2]
    rows = validate_dataframe(frame, str(PLAN), pipeline=str(USERS)).orderBy("row").collect()
    # favorite_categories is left out (pandas holds lists as arrays); no result depends on it
    assert [row["results"].encode() for row in rows] == _lines(DATA / "users_parquet.reference.ndjson")
    assert [row["row"] for row in rows] == [0, 1, 2]


def test_gzip_and_stdin_extracts(tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "users.csv.gz"
    packed.write_bytes(gzip.compress((DATA / "users.csv").read_bytes()))
    _, plain, _ = run("validate", "-q", "--pipeline", USERS, "--plan", PLAN, DATA / "users.csv")
    plain = plain.replace(str(DATA / "users.csv").encode(), str(packed).encode())  # error lines name the file
    assert run("validate", "-q", "--pipeline", USERS, "--plan", PLAN, packed)[:2] == (1, plain)
    result = CliRunner().invoke(
        main,
        ["validate", "-q", *map(str, _pipeline_args("events_ndjson")), "--plan", str(PLAN), "-"],
        input=(DATA / "events.ndjson").read_bytes(),
    )
    _, from_file, _ = run(
        "validate", "-q", *_pipeline_args("events_ndjson"), "--plan", PLAN, DATA / "events.ndjson"
    )
    assert (result.exit_code, result.stdout_bytes) == (
        1,
        from_file.replace(str(DATA / "events.ndjson").encode(), b"<stdin>"),
    )
