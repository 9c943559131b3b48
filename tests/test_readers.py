"""Readers: every input shape becomes the exact records expected, with file and line."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from validator.readers import NOTHING, InputError, ParquetOptions, Record, open_records


def _records(path: Path, **options: object) -> list:
    return list(open_records(str(path), **options))  # type: ignore[arg-type]


def test_ndjson_lines_blank_crlf_bom_and_truncated_last_line(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b'\xef\xbb\xbf{"a":1}\r\n\n   \n{"b":2}\nnot json\n[1,2]\n{"c":3')
    got = _records(path)
    assert [(r.line, r.raw) for r in got] == [
        (1, b'{"a":1}'),
        (4, b'{"b":2}'),
        (5, b"not json"),
        (6, b"[1,2]"),
        (7, b'{"c":3'),
    ]
    assert all(r.batch is NOTHING and r.error is None for r in got)


def test_tiny_chunks_give_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(b"".join(json.dumps({"n": i, "pad": "x" * i}).encode() + b"\n" for i in range(50)))
    assert _records(path, chunk_bytes=7) == _records(path)


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(gzip.compress(b'{"a":1}\n{"b":2}\n'))
    assert [(r.line, r.raw) for r in _records(path)] == [(1, b'{"a":1}'), (2, b'{"b":2}')]


def test_empty_file_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(b"")
    assert _records(path) == []


def test_pretty_object_and_array_documents(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"events": [], "mpid": "1"}, indent=2))
    assert _records(one) == [Record(str(one), 1, b'{"events":[],"mpid":"1"}', {"events": [], "mpid": "1"})]
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"a": 1}, {"b": 2}], indent=2))
    assert [(r.line, r.batch) for r in _records(many)] == [(1, {"a": 1}), (2, {"b": 2})]


def test_broken_pretty_document_falls_back_to_lines(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{\n  "a": 1,\n')
    assert [(r.line, r.raw) for r in _records(path)] == [(1, b"{"), (2, b'  "a": 1,')]


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing.ndjson"):
        _records(tmp_path / "missing.ndjson")


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    lines = b"".join(b'{"n":%d}\n' % (i * 7919 % 10007) for i in range(2000))
    path.write_bytes(gzip.compress(lines)[:200])
    with pytest.raises(InputError, match="bad.gz"):
        _records(path)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BufferedReader(io.BytesIO(b'{"a":1}\n')))  # type: ignore[arg-type]
    monkeypatch.setattr("sys.stdin", fake)
    assert list(open_records("-")) == [Record("<stdin>", 1, b'{"a":1}')]


# -- Parquet -------------------------------------------------------------------------------------


@pytest.fixture
def pq() -> object:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet

    return pyarrow.parquet


def _write(pq: object, table: object, path: Path, row_group_size: int = 2) -> Path:
    pq.write_table(table, str(path), row_group_size=row_group_size)  # type: ignore[attr-defined]
    return path


def test_parquet_json_column_several_row_groups(tmp_path: Path, pq: object) -> None:
    import pyarrow as pa

    lines = [json.dumps({"n": i}) for i in range(5)] + [None]
    path = _write(pq, pa.table({"id": list(range(6)), "batch": lines}), tmp_path / "j.parquet")
    got = list(open_records(str(path), parquet=ParquetOptions(batch_rows=2)))
    assert [(r.line, r.raw) for r in got[:5]] == [(i + 1, json.dumps({"n": i}).encode()) for i in range(5)]
    assert got[5].error == "row 6: column 'batch' is null"


def test_parquet_nested_layout_maps_structs_and_nulls(tmp_path: Path, pq: object) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "environment": ["production", None],
            "user_attributes": pa.array(
                [[("plan", "pro"), ("age", None)], [("plan", "free")]], type=pa.map_(pa.string(), pa.string())
            ),
            "events": [
                [{"event_type": "custom_event", "data": {"event_name": "A", "custom_event_type": "other"}}],
                [{"event_type": "screen_view", "data": {"event_name": None, "custom_event_type": None}}],
            ],
        }
    )
    path = _write(pq, table, tmp_path / "n.parquet", row_group_size=1)
    got = [r.batch for r in open_records(str(path))]
    assert got == [
        {
            "environment": "production",
            "user_attributes": {"plan": "pro"},
            "events": [
                {"event_type": "custom_event", "data": {"event_name": "A", "custom_event_type": "other"}}
            ],
        },
        {"user_attributes": {"plan": "free"}, "events": [{"event_type": "screen_view", "data": {}}]},
    ]


def test_parquet_events_layout_groups_rows_and_maps_columns(tmp_path: Path, pq: object) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "batch_id": ["b1", "b1", "b1", "b2"],
            "name": ["Open", "Click", "Close", "Open"],
            "color": ["red", None, "blue", "green"],
            "env": ["production"] * 4,
        }
    )
    path = _write(pq, table, tmp_path / "e.parquet", row_group_size=2)
    options = ParquetOptions(
        layout="events",
        batch_key="batch_id",
        mappings=(
            ("name", "/data/event_name"),
            ("color", "/data/custom_attributes/color"),
            ("env", "/batch/environment"),
        ),
        settings=(("/event_type", "custom_event"), ("/data/custom_event_type", "other")),
        batch_rows=2,
    )
    got = list(open_records(str(path), parquet=options))
    assert [r.line for r in got] == [1, 4]

    def event(name: str, color: object = None) -> dict:
        data: dict = {"event_name": name, "custom_event_type": "other"}
        if color is not None:
            data["custom_attributes"] = {"color": color}
        return {"event_type": "custom_event", "data": data}

    assert got[0].batch == {
        "batch_id": "b1",
        "environment": "production",
        "events": [event("Open", "red"), event("Click"), event("Close", "blue")],
    }
    assert got[1].batch["events"] == [event("Open", "green")]


def test_parquet_layout_cannot_be_guessed(tmp_path: Path, pq: object) -> None:
    import pyarrow as pa

    path = _write(pq, pa.table({"a": [1], "b": [2]}), tmp_path / "x.parquet")
    with pytest.raises(InputError, match="--layout"):
        list(open_records(str(path)))
