"""Readers: every input shape becomes exactly the records expected, with file and line."""

from __future__ import annotations

import datetime
import decimal
import gzip
import io
import json
import os
import pickle
import sys
import threading
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest

from validator.readers import (
    NOTHING,
    InputError,
    ParquetOptions,
    Record,
    iter_line_chunks,
    open_records,
    read_line_range,
)
from validator.readers.ndjson import text_records

MIXED = (
    b'\xef\xbb\xbf{"a":1}\r\n'  # 1: BOM and CRLF
    b"\n"  # 2: blank
    b"   \t\r\n"  # 3: whitespace only
    b'{"b":2}\n'  # 4
    b"not json\n"  # 5: the reader does not parse
    b"[1,2]\n"  # 6: a one-line array is a line, not expanded
    b'  {"c": "x\\n"}  \n'  # 7: surrounding spaces are kept
    b'{"d":3'  # 8: truncated, no final newline
)
MIXED_LINES = [
    (1, b'{"a":1}'),
    (4, b'{"b":2}'),
    (5, b"not json"),
    (6, b"[1,2]"),
    (7, b'  {"c": "x\\n"}  '),
    (8, b'{"d":3'),
]


def _records(path: Path, **options: Any) -> list:
    return list(open_records(str(path), **options))


def _lines(source: Path, pairs: list) -> list:
    return [Record(str(source), line, raw) for line, raw in pairs]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- NDJSON -----------------------------------------------------------------------------------------


def test_ndjson_bom_crlf_blank_lines_non_json_array_line_and_truncated_last_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "mixed.txt", MIXED)
    got = _records(path)
    assert got == _lines(path, MIXED_LINES)
    assert all(r.batch is NOTHING and r.error is None for r in got)


@pytest.mark.parametrize("chunk_bytes", [1, 2, 7, 64])
def test_tiny_chunks_give_the_same_records(tmp_path: Path, chunk_bytes: int) -> None:
    long_line = json.dumps({"pad": "y" * 5000}).encode()  # far longer than a chunk
    data = (
        MIXED.replace(b"not json", long_line)
        + b"\n"
        + b"".join(
            json.dumps({"n": i, "pad": "x" * i}).encode() + (b"\r\n" if i % 3 else b"\n\n") for i in range(40)
        )
    )
    path = _write(tmp_path, "x.ndjson", data)
    default = _records(path)
    assert len(default) == 46
    assert default[2] == Record(str(path), 5, long_line)
    assert _records(path, chunk_bytes=chunk_bytes) == default


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "export.txt", gzip.compress(MIXED))
    assert _records(path, chunk_bytes=7) == _lines(path, MIXED_LINES)


def test_multi_member_gzip(tmp_path: Path) -> None:
    path = _write(tmp_path, "two", gzip.compress(b'{"a":1}\n') + gzip.compress(b'{"b":2}\n'))
    assert _records(path) == _lines(path, [(1, b'{"a":1}'), (2, b'{"b":2}')])


@pytest.mark.parametrize("data", [b"", b"\n\n", b" \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"])
def test_empty_and_blank_files_have_no_records(tmp_path: Path, data: bytes) -> None:
    assert _records(_write(tmp_path, "empty.ndjson", data)) == []


def test_broken_first_line_of_ndjson_stays_ndjson(tmp_path: Path) -> None:
    # A first line opening an object but not complete would start a pretty document, except that a
    # complete object follows: then it is NDJSON whose first line is broken, and no batch is lost.
    path = _write(tmp_path, "x.ndjson", b'{"a":\n{"b":2}\n{"c":3}\n')
    assert _records(path) == _lines(path, [(1, b'{"a":'), (2, b'{"b":2}'), (3, b'{"c":3}')])


def test_single_broken_line_is_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.ndjson", b'\n{"a":1\n\n')
    assert _records(path) == _lines(path, [(2, b'{"a":1')])


# -- NDJSON whose first lines are broken: one record per line, never one document --------------------

BROKEN_FIRST_LINES = {
    # Each used to be taken for the start of one pretty-printed document: one error for the whole
    # file, every later batch unvalidated and output lines no longer aligned with the input.
    "nan": b'{"a":NaN}\n{"b":NaN}\n{"c":1}\n',
    "bad-bytes": b'{"a":"\xff"}\n{"b":"\xfe\xfe"}\n{"c":1}\n',
    "truncated": b'{"a":[1,\n{"b":\n{"c":1}\n{"d":2}\n',
    "array-opening": b'[{"a":1},\n{"b":2}\n{"c":3}\n',
    "blank-and-crlf": b'\r\n{"a":\r\n\r\n{"b":NaN}\r\n{"c":1}\r\n',
}


@pytest.mark.parametrize("data", BROKEN_FIRST_LINES.values(), ids=BROKEN_FIRST_LINES.keys())
def test_ndjson_with_broken_first_lines_is_read_line_by_line(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, "x.ndjson", data)
    expected = [
        (number, line.rstrip(b"\r")) for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()
    ]
    assert _records(path) == _lines(path, expected)
    assert _records(path, chunk_bytes=3) == _lines(path, expected)
    assert _ranges_records(path, 5) == _lines(path, expected)  # --jobs reads it the same way


def test_a_valid_beginning_longer_than_the_sniff_is_still_lines_when_it_never_closes(tmp_path: Path) -> None:
    # 100 lines that keep the text a beginning of one array, then lines that do not close it: the
    # whole text is not one value, so every line is a record (read back from memory, none lost).
    data = b"[\n" + b"".join(b'{"n":%d},\n' % i for i in range(100)) + b'{"n":100}\n{"x":1}\n'
    path = _write(tmp_path, "x.ndjson", data)
    records = _records(path)
    assert len(records) == 103 and all(r.batch is NOTHING and r.error is None for r in records)
    assert (records[0].line, records[0].raw, records[-1].line, records[-1].raw) == (1, b"[", 103, b'{"x":1}')


def test_a_long_pretty_array_is_one_document(tmp_path: Path) -> None:
    batches = [{"events": [], "n": i, "nested": {"a": [1, 2]}} for i in range(300)]
    path = _write(tmp_path, "a.json", json.dumps(batches, indent=2).encode())
    records = _records(path)
    assert [r.batch for r in records] == batches
    assert records[1].line == 2 + len(json.dumps(batches[0], indent=2).splitlines())


# -- long lines --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_bytes", [3, 64, 1 << 20])
def test_a_line_over_max_line_bytes_is_an_error_record_and_the_rest_goes_on(
    tmp_path: Path, chunk_bytes: int
) -> None:
    long_line = b'{"pad":"' + b"x" * 500 + b'"}'
    data = b'{"a":1}\n' + long_line + b'\n{"b":2}\n' + long_line + b"\n" + long_line
    path = _write(tmp_path, "x.ndjson", data)
    got = _records(path, chunk_bytes=chunk_bytes, max_line_bytes=100)
    assert [(r.line, r.raw) for r in got] == [(1, b'{"a":1}'), (2, b""), (3, b'{"b":2}'), (4, b""), (5, b"")]
    message = f"line too long: {len(long_line):,} bytes, over the limit of 100 (--max-line-bytes); not read"
    assert [r.error for r in got] == [None, message, None, message, message]
    assert [
        r for chunk in iter_line_chunks(str(path), 7, 100) for r in read_line_range(str(path), *chunk, 100)
    ] == got
    assert [(r.line, r.error) for r in _records(path, max_line_bytes=0)][1] == (2, None)  # 0: no limit


def test_a_long_line_is_skipped_in_bounded_memory() -> None:
    class Endless:
        """40 MB of one line, then a batch, produced on demand."""

        def __init__(self) -> None:
            self.left = 40 << 20

        def read(self, size: int) -> bytes:
            if self.left <= 0:
                out, self.left = (b'\n{"a":1}\n', -1) if self.left == 0 else (b"", -1)
                return out
            size = min(size, self.left)
            self.left -= size
            return b"y" * size

    tracemalloc.start()
    try:
        records = list(text_records(Endless(), "s", 1 << 16, max_line_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(r.line, r.raw) for r in records] == [(1, b""), (2, b'{"a":1}')]
    assert peak < 4 << 20


# -- pretty-printed documents -----------------------------------------------------------------------


def test_pretty_object_is_one_batch_at_its_first_line(tmp_path: Path) -> None:
    batch = {"events": [{"event_type": "custom_event", "data": {}}], "mpid": "1"}
    path = _write(tmp_path, "one.json", b"\xef\xbb\xbf\n\n" + json.dumps(batch, indent=2).encode() + b"\n")
    assert _records(path) == [
        Record(str(path), 3, b'{"events":[{"event_type":"custom_event","data":{}}],"mpid":"1"}', batch)
    ]


def test_pretty_array_gives_one_batch_per_element_at_its_line(tmp_path: Path) -> None:
    text = (
        b"[\r\n"  # 1
        b"  {\r\n"  # 2: first element
        b'    "s": "a,]\\"[{",\r\n'  # 3: brackets, commas and an escaped quote inside a string
        b'    "n": [1, {"x": [2]}]\r\n'  # 4
        b"  },\r\n"  # 5
        b"\r\n"  # 6
        b'  {"b": 2}, [3,\r\n'  # 7: two elements on one line
        b"  4],\r\n"  # 8
        b"  5\r\n"  # 9
        b"]\r\n"
    )
    path = _write(tmp_path, "many.json", text)
    got = _records(path)
    assert got == [
        Record(str(path), 2, b'{"s":"a,]\\"[{","n":[1,{"x":[2]}]}', {"s": 'a,]"[{', "n": [1, {"x": [2]}]}),
        Record(str(path), 7, b'{"b":2}', {"b": 2}),
        Record(str(path), 7, b"[3,4]", [3, 4]),
        Record(str(path), 9, b"5", 5),
    ]


def test_pretty_array_of_compact_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.json", b'[\n{"a":1},\n{"b":2}\n]')
    assert _records(path) == [
        Record(str(path), 2, b'{"a":1}', {"a": 1}),
        Record(str(path), 3, b'{"b":2}', {"b": 2}),
    ]


def test_pretty_array_whose_indentation_misleads(tmp_path: Path) -> None:
    # Two lines start at the first element's indent and there are two elements, but the text between
    # them is not "value," so the exact bracket scan decides: the second element starts on line 3.
    path = _write(tmp_path, "a.json", b'[\n  {"a": [\n  1]}, 2\n]\n')
    assert _records(path) == [
        Record(str(path), 2, b'{"a":[1]}', {"a": [1]}),
        Record(str(path), 3, b"2", 2),
    ]


def test_pretty_array_starting_on_the_bracket_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.json", b'[{"a": 1,\n  "b": 2},\n {"c": "]}"}]')
    assert _records(path) == [
        Record(str(path), 1, b'{"a":1,"b":2}', {"a": 1, "b": 2}),
        Record(str(path), 3, b'{"c":"]}"}', {"c": "]}"}),
    ]


def test_pretty_empty_array_has_no_records(tmp_path: Path) -> None:
    assert _records(_write(tmp_path, "a.json", b"[\n]\n")) == []


def test_pretty_gzip_and_tiny_chunks(tmp_path: Path) -> None:
    text = json.dumps([{"a": 1}, {"b": 2}], indent=4).encode()
    path = _write(tmp_path, "a.bin", gzip.compress(text))
    expected = [Record(str(path), 2, b'{"a":1}', {"a": 1}), Record(str(path), 5, b'{"b":2}', {"b": 2})]
    assert _records(path, chunk_bytes=3) == expected


def test_broken_pretty_document_is_read_line_by_line(tmp_path: Path) -> None:
    # Not one JSON value, so not a document: each line is reported on its own (the engine says why),
    # rather than one error standing for a file whose batches cannot be counted.
    path = _write(tmp_path, "broken.json", b'\n{\n  "a": 1,\n')
    assert _records(path) == _lines(path, [(2, b"{"), (3, b'  "a": 1,')])


def test_pretty_document_with_text_orjson_refuses(tmp_path: Path) -> None:
    # A lone surrogate escape: JSON.parse accepts it, so the reader does too; the raw JSON written
    # back keeps it as JSON.stringify does (an escape), so it stays valid UTF-8 and decodes the same.
    path = _write(tmp_path, "s.json", b'{\n "s": "\\ud800"\n}\n')
    assert _records(path) == [Record(str(path), 1, b'{"s":"\\ud800"}', {"s": "\ud800"})]


# -- unreadable inputs ------------------------------------------------------------------------------


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.ndjson: cannot open"):
        _records(tmp_path / "missing.ndjson")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=str(tmp_path)):
        _records(tmp_path)


def test_corrupt_gzip_is_an_input_error_after_the_readable_records(tmp_path: Path) -> None:
    lines = b"".join(b'{"n":%d}\n' % (i * 7919 % 10007) for i in range(5000))
    path = _write(tmp_path, "bad.gz", gzip.compress(lines)[:-200])
    got: list = []
    with pytest.raises(InputError, match=r"bad\.gz: cannot read"):
        got.extend(open_records(str(path)))
    assert got == _lines(path, [(i + 1, line) for i, line in enumerate(lines.split(b"\n")[: len(got)])])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "secret.ndjson", b"{}\n")
    path.chmod(0)
    with pytest.raises(InputError, match=r"secret\.ndjson: cannot open: Permission denied"):
        _records(path)


def test_records_pickle_with_the_same_nothing() -> None:
    record = Record("x", 1, b"{}")
    assert pickle.loads(pickle.dumps(record)) == record
    assert pickle.loads(pickle.dumps(record)).batch is NOTHING


def test_gzip_followed_by_garbage_gives_every_batch_then_an_error_at_its_line(tmp_path: Path) -> None:
    lines = b"".join(b'{"n":%d}\n' % i for i in range(3000))
    path = _write(tmp_path, "x.gz", gzip.compress(lines) + gzip.compress(b'{"last":1}\n') + b"garbage\n")
    got: list = []
    with pytest.raises(InputError, match=r"x\.gz: cannot read from line 3002 on: trailing garbage"):
        got.extend(open_records(str(path)))
    assert len(got) == 3001 and got[-1] == Record(str(path), 3001, b'{"last":1}')


def test_truncated_gzip_gives_every_complete_line_before_the_cut(tmp_path: Path) -> None:
    lines = b"".join(b'{"n":%d,"pad":"%s"}\n' % (i, b"z" * (i % 50)) for i in range(40000))
    cut = gzip.compress(lines)[: -len(gzip.compress(lines)) // 3]
    readable = zlib.decompressobj(31).decompress(cut)
    complete = readable[: readable.rindex(b"\n")].split(b"\n")
    path = _write(tmp_path, "cut.gz", cut)
    got: list = []
    with pytest.raises(InputError, match=rf"cut\.gz: cannot read from line {len(complete) + 1} on: "):
        got.extend(open_records(str(path)))
    assert [r.raw for r in got] == complete


def test_gzip_zero_padding_is_not_garbage(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.gz", gzip.compress(b'{"a":1}\n') + b"\0" * 1000 + gzip.compress(b'{"b":2}'))
    assert _records(path) == _lines(path, [(1, b'{"a":1}'), (2, b'{"b":2}')])


def test_a_fifo_is_read_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(gzip.compress(MIXED),))
    writer.start()
    try:
        assert _records(fifo, chunk_bytes=5) == _lines(fifo, MIXED_LINES)
    finally:
        writer.join(5)


def test_gzip_magic_with_garbage_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="garbage"):
        _records(_write(tmp_path, "garbage", b"\x1f\x8bnot really gzip"))


# -- stdin ------------------------------------------------------------------------------------------


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin_ndjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(MIXED))
    assert list(open_records("-", chunk_bytes=5)) == [
        Record("<stdin>", line, raw) for line, raw in MIXED_LINES
    ]


def test_stdin_gzip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(gzip.compress(b'{"a":1}\n')))
    assert list(open_records("-")) == [Record("<stdin>", 1, b'{"a":1}')]


def test_stdin_shorter_than_the_magic_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"{}"))
    assert list(open_records("-")) == [Record("<stdin>", 1, b"{}")]


# -- line ranges ------------------------------------------------------------------------------------


def _ranges_records(path: Path, target: int) -> list:
    return [r for chunk in iter_line_chunks(str(path), target) for r in read_line_range(str(path), *chunk)]


def test_line_chunks_exact_ranges(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.ndjson", b"aaaa\nbb\n\ncccccc\nd")
    assert list(iter_line_chunks(str(path), 4)) == [(0, 5, 1), (5, 9, 2), (9, 16, 4), (16, 17, 5)]
    assert list(iter_line_chunks(str(path), 6)) == [(0, 8, 1), (8, 16, 3), (16, 17, 5)]
    assert list(iter_line_chunks(str(path), 1000)) == [(0, 17, 1)]
    assert list(read_line_range(str(path), 9, 16, 4)) == _lines(path, [(4, b"cccccc")])


@pytest.mark.parametrize("target", [1, 3, 7, 50, 1 << 20])
def test_line_ranges_equal_open_records(tmp_path: Path, target: int) -> None:
    data = MIXED + b"\n" + b"".join(b'{"n":%d}\r\n\n' % i for i in range(30)) + b'{"tail":1}'
    path = _write(tmp_path, "x.ndjson", data)
    chunks = list(iter_line_chunks(str(path), target))
    assert chunks[0][0] == 0 and chunks[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    assert _ranges_records(path, target) == _records(path)


@pytest.mark.parametrize(
    "data",
    [gzip.compress(MIXED), json.dumps([{"a": 1}, {"b": 2}], indent=2).encode(), b"\xef\xbb\xbf{\n}\n"],
    ids=["gzip", "pretty-array", "pretty-object"],
)
def test_unsplittable_files_are_one_range(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path, "x.json", data)
    assert list(iter_line_chunks(str(path), 2)) == [(0, len(data), 1)]
    assert _ranges_records(path, 2) == _records(path)


def test_line_chunks_of_an_empty_file(tmp_path: Path) -> None:
    assert list(iter_line_chunks(str(_write(tmp_path, "e", b"")), 10)) == []


def test_line_chunks_need_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="<stdin>"):
        list(iter_line_chunks("-", 10))
    with pytest.raises(InputError, match="missing"):
        list(iter_line_chunks(str(tmp_path / "missing"), 10))
    with pytest.raises(InputError, match="not a regular file"):
        list(read_line_range(str(tmp_path), 0, 1, 1))
    if Path("/dev/null").exists():
        with pytest.raises(InputError, match="/dev/null: not a regular file"):
            list(iter_line_chunks("/dev/null", 10))


# -- Parquet ----------------------------------------------------------------------------------------


@pytest.fixture
def pa() -> Any:
    return pytest.importorskip("pyarrow")


def _parquet(pa: Any, path: Path, columns: dict, row_group_size: int = 2) -> Path:
    import pyarrow.parquet as pq

    table = columns if isinstance(columns, pa.Table) else pa.table(columns)
    pq.write_table(table, str(path), row_group_size=row_group_size)
    assert pq.ParquetFile(str(path)).num_row_groups > 1 or table.num_rows <= row_group_size
    return path


def _read(path: Path, **options: Any) -> list:
    return list(open_records(str(path), parquet=ParquetOptions(**options)))


def test_parquet_json_layout_several_row_groups_and_null(tmp_path: Path, pa: Any) -> None:
    lines = [json.dumps({"n": i}) for i in range(5)] + [None, "not json"]
    path = _parquet(pa, tmp_path / "j.data", {"id": list(range(7)), "batch": lines}, row_group_size=3)
    expected = [Record(str(path), i + 1, json.dumps({"n": i}).encode()) for i in range(5)] + [
        Record(str(path), 6, b"", NOTHING, "row 6: json column is null"),
        Record(str(path), 7, b"not json"),
    ]
    assert _read(path, batch_rows=2) == expected  # auto: a text column named `batch`
    assert _read(path, layout="json", json_column="batch") == expected


def test_parquet_json_layout_binary_and_large_string_columns(tmp_path: Path, pa: Any) -> None:
    values = [b'{"a":1}', '{"b":"é"}'.encode()]
    path = _parquet(pa, tmp_path / "b.parquet", {"payload": pa.array(values, pa.binary())})
    assert _read(path) == [Record(str(path), 1, values[0]), Record(str(path), 2, values[1])]
    path = _parquet(
        pa, tmp_path / "l.parquet", {"n": [1, 2], "doc": pa.array(['{"a":1}', "{}"], pa.large_string())}
    )
    assert _read(path) == [Record(str(path), 1, b'{"a":1}'), Record(str(path), 2, b"{}")]


def test_parquet_json_column_option_errors(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "j.parquet", {"n": [1], "x": ["{}"], "y": ["{}"]})
    with pytest.raises(InputError, match="use --json-column"):
        _read(path, layout="json")
    with pytest.raises(InputError, match="no column 'z'"):
        _read(path, json_column="z")
    with pytest.raises(InputError, match="'n' is int64, not string or binary"):
        _read(path, json_column="n")
    with pytest.raises(InputError, match="only applies to the json layout"):
        _read(path, layout="events", json_column="x")
    assert _read(path, json_column="y") == [Record(str(path), 1, b"{}")]


def _nested_table(pa: Any) -> Any:
    event = pa.struct(
        [
            ("event_type", pa.string()),
            ("data", pa.struct([("event_name", pa.string()), ("custom_event_type", pa.string())])),
        ]
    )
    return pa.table(
        {
            "environment": ["production", None, "development"],
            "mpid": pa.array([1, 2, None], pa.int64()),
            "user_attributes": pa.array(
                [[("plan", "pro"), ("age", None)], [], None], type=pa.map_(pa.string(), pa.string())
            ),
            "device_info": pa.array(
                [{"platform": "iOS", "ios_idfv": None}, None, {"platform": None, "ios_idfv": "x"}],
                pa.struct([("platform", pa.string()), ("ios_idfv", pa.string())]),
            ),
            "tags": pa.array([["a", None], None, []], pa.list_(pa.string())),
            "score": pa.array([1.0, float("nan"), 2.5], pa.float64()),
            "events": pa.array(
                [
                    [
                        {
                            "event_type": "custom_event",
                            "data": {"event_name": "A", "custom_event_type": "other"},
                        }
                    ],
                    [
                        {
                            "event_type": "screen_view",
                            "data": {"event_name": None, "custom_event_type": None},
                        },
                        None,
                    ],
                    [],
                ],
                pa.list_(event),
            ),
        }
    )


NESTED_BATCHES = [
    {
        "environment": "production",
        "mpid": 1,
        "user_attributes": {"plan": "pro"},
        "device_info": {"platform": "iOS"},
        "tags": ["a", None],
        "score": 1.0,
        "events": [{"event_type": "custom_event", "data": {"event_name": "A", "custom_event_type": "other"}}],
    },
    {"mpid": 2, "user_attributes": {}, "events": [{"event_type": "screen_view", "data": {}}, None]},
    {"environment": "development", "device_info": {"ios_idfv": "x"}, "tags": [], "score": 2.5, "events": []},
]


def test_parquet_nested_layout_maps_structs_and_nulls(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "n.parquet", _nested_table(pa), row_group_size=2)
    got = _read(path, batch_rows=1)
    assert [(r.source, r.line, r.batch, r.error) for r in got] == [
        (str(path), i + 1, batch, None) for i, batch in enumerate(NESTED_BATCHES)
    ]
    assert (
        got[1].raw
        == b'{"mpid":2,"user_attributes":{},"events":[{"event_type":"screen_view","data":{}},null]}'
    )
    assert _read(path, layout="nested") == got  # auto found `events`


def test_parquet_nested_struct_user_attributes_and_json_text_data(tmp_path: Path, pa: Any) -> None:
    table = pa.table(
        {
            "user_attributes": pa.array(
                [{"plan": "pro", "age": None}, {"plan": None, "age": 7}],
                pa.struct([("plan", pa.string()), ("age", pa.int32())]),
            ),
            "events": pa.array(
                [
                    [{"event_type": "custom_event", "data": '{"event_name":"A","x":null}'}],
                    [{"event_type": "custom_event", "data": "{broken"}],
                ],
                pa.list_(pa.struct([("event_type", pa.string()), ("data", pa.string())])),
            ),
        }
    )
    path = _parquet(pa, tmp_path / "n.parquet", table, row_group_size=1)
    first = {
        "user_attributes": {"plan": "pro"},
        "events": [{"event_type": "custom_event", "data": {"event_name": "A", "x": None}}],
    }
    got = _read(path)
    assert got[0] == Record(str(path), 1, json.dumps(first, separators=(",", ":")).encode(), first)
    assert got[1][:4] == (str(path), 2, b"", NOTHING)
    assert got[1].error is not None and got[1].error.startswith("row 2: data is not valid JSON: ")


def test_parquet_value_conversions(tmp_path: Path, pa: Any) -> None:
    utc = datetime.timezone.utc
    table = pa.table(
        {
            "events": pa.array([[]], pa.list_(pa.struct([("event_type", pa.string())]))),
            "price": pa.array([decimal.Decimal("12.50")], pa.decimal128(10, 2)),
            "at": pa.array(
                [datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)], pa.timestamp("ms", tz="UTC")
            ),
            "day": pa.array([datetime.date(2024, 1, 2)], pa.date32()),
            "blob": pa.array([b"caf\xc3\xa9"], pa.binary()),
            "inf": pa.array([float("inf")], pa.float32()),
            "counts": pa.array([[(1, 2.0), (2, None)]], pa.map_(pa.int64(), pa.float64())),
            "kind": pa.array(["a"]).dictionary_encode(),
            "flag": [True],
            "wait": pa.array([datetime.timedelta(seconds=3)], pa.duration("ms")),
            "ns": pa.array([1_000_001_001], pa.timestamp("ns")),  # not whole microseconds
            "when": pa.array(
                [{"x": [1_500, None]}], pa.struct([("x", pa.list_(pa.timestamp("ns", tz="UTC")))])
            ),
            "by_kind": pa.array([[("a", 1.5)]], pa.map_(pa.dictionary(pa.int8(), pa.string()), pa.float64())),
            "clock": pa.array([datetime.time(1, 2, 3)], pa.time32("s")),
        }
    )
    path = _parquet(pa, tmp_path / "v.parquet", table)
    [record] = _read(path)
    assert record.batch == {
        "events": [],
        "price": 12.5,
        "at": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "blob": "café",
        "counts": {"1": 2.0},
        "kind": "a",
        "flag": True,
        "wait": 3000,
        "ns": "1970-01-01T00:00:01.000001",
        "when": {"x": ["1970-01-01T00:00:00.000001+00:00", None]},
        "by_kind": {"a": 1.5},
        "clock": "01:02:03",
    }
    assert record.raw == json.dumps(record.batch, separators=(",", ":"), ensure_ascii=False).encode()


def _events_table(pa: Any) -> Any:
    return pa.table(
        {
            "session": ["s1", "s1", "s1", "s2", None, None, "s3"],
            "mpid": pa.array([7, 7, 7, 8, 9, 9, 10], pa.int64()),
            "env": ["production", "ignored", "ignored", "development", None, None, "production"],
            "name": ["Open", "Click", "Close", "Open", "A", "B", None],
            "color": ["red", None, "blue", "green", None, None, None],
            "event_type": [None, None, None, "screen_view", None, None, None],
            "user_attributes": pa.array(
                [[("plan", "pro")], None, None, [], None, None, None], pa.map_(pa.string(), pa.string())
            ),
        }
    )


def _event(name: Any = None, color: Any = None, event_type: str = "custom_event") -> dict:
    data: dict = {} if name is None else {"event_name": name}
    if color is not None:
        data["custom_attributes"] = {"color": color}
    data["custom_event_type"] = "other"
    return {"event_type": event_type, "data": data}


EVENTS_OPTIONS = {
    "layout": "events",
    "batch_key": "session",
    "mappings": (
        ("name", "/data/event_name"),
        ("color", "/data/custom_attributes/color"),
        ("env", "/batch/environment"),
    ),
    "settings": (
        ("/event_type", "custom_event"),
        ("/data/custom_event_type", "other"),
        ("/batch/schema_version", 2),
    ),
}


def test_parquet_events_layout_groups_across_record_batches_with_mappings(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "e.parquet", _events_table(pa), row_group_size=2)
    got = _read(path, batch_rows=2, **EVENTS_OPTIONS)
    assert [(r.line, r.error) for r in got] == [(1, None), (4, None), (5, None), (6, None), (7, None)]
    assert [r.batch for r in got] == [
        {
            "mpid": 7,
            "user_attributes": {"plan": "pro"},
            "environment": "production",
            "schema_version": 2,
            "events": [_event("Open", "red"), _event("Click"), _event("Close", "blue")],
        },
        {
            "mpid": 8,
            "user_attributes": {},
            "environment": "development",
            "schema_version": 2,
            "events": [_event("Open", "green", event_type="screen_view")],  # the column wins over --set
        },
        {"mpid": 9, "schema_version": 2, "events": [_event("A")]},  # a null key is its own batch
        {"mpid": 9, "schema_version": 2, "events": [_event("B")]},
        {"mpid": 10, "environment": "production", "schema_version": 2, "events": [_event()]},
    ]
    assert got[3].raw == (
        b'{"mpid":9,"schema_version":2,"events":[{"event_type":"custom_event",'
        b'"data":{"event_name":"B","custom_event_type":"other"}}]}'
    )
    assert _read(path, batch_rows=3, **EVENTS_OPTIONS) == got
    auto = {key: value for key, value in EVENTS_OPTIONS.items() if key != "layout"}
    assert _read(path, **auto) == got  # auto: options only the events layout uses


def test_parquet_events_layout_each_row_a_batch_and_key_that_is_a_batch_field(
    tmp_path: Path, pa: Any
) -> None:
    table = pa.table(
        {
            "mpid": pa.array([1, 1, 2], pa.int64()),
            "event_type": ["custom_event", "screen_view", "custom_event"],
            "data": ['{"event_name":"a","custom_event_type":"other"}', '{"screen_name":"home"}', None],
        }
    )
    path = _parquet(pa, tmp_path / "e.parquet", table)
    ungrouped = _read(path)  # auto: event_type and data columns
    assert [(r.line, r.batch) for r in ungrouped] == [
        (
            1,
            {
                "mpid": 1,
                "events": [
                    {"event_type": "custom_event", "data": {"event_name": "a", "custom_event_type": "other"}}
                ],
            },
        ),
        (2, {"mpid": 1, "events": [{"event_type": "screen_view", "data": {"screen_name": "home"}}]}),
        (3, {"mpid": 2, "events": [{"event_type": "custom_event"}]}),
    ]
    grouped = _read(path, batch_key="mpid", batch_rows=1)
    assert [(r.line, r.batch) for r in grouped] == [
        (1, {"mpid": 1, "events": ungrouped[0].batch["events"] + ungrouped[1].batch["events"]}),
        (3, ungrouped[2].batch),
    ]


def test_parquet_events_layout_struct_data_and_row_errors(tmp_path: Path, pa: Any) -> None:
    table = pa.table(
        {
            "event_type": ["custom_event", "custom_event", "custom_event"],
            "data": pa.array(
                [
                    {"event_name": "a", "n": 1.5},
                    {"event_name": None, "n": None},
                    {"event_name": "c", "n": 2.0},
                ],
                pa.struct([("event_name", pa.string()), ("n", pa.float64())]),
            ),
            "attrs": ['{"x":1}', "[]", "[]"],
            "k": ["a", "a", "b"],
        }
    )
    path = _parquet(pa, tmp_path / "e.parquet", table)
    options: dict = {"batch_key": "k", "mappings": (("attrs", "/data/custom_attributes/x"),)}
    got = _read(path, **options)
    assert got[0] == Record(
        str(path),
        1,
        b'{"events":[{"event_type":"custom_event","data":{"event_name":"a","n":1.5,"custom_attributes":'
        b'{"x":"{\\"x\\":1}"}}},{"event_type":"custom_event","data":{"custom_attributes":{"x":"[]"}}}]}',
        {
            "events": [
                {
                    "event_type": "custom_event",
                    "data": {"event_name": "a", "n": 1.5, "custom_attributes": {"x": '{"x":1}'}},
                },
                {"event_type": "custom_event", "data": {"custom_attributes": {"x": "[]"}}},
            ]
        },
    )
    assert got[1].batch == {
        "events": [
            {
                "event_type": "custom_event",
                "data": {"event_name": "c", "n": 2.0, "custom_attributes": {"x": "[]"}},
            }
        ]
    }
    message = "cannot put a value at /data/event_name/deeper: /data/event_name is not an object"
    bad = _read(path, settings=(("/data/event_name/deeper", 1),))
    assert bad[0] == Record(str(path), 1, b"", NOTHING, f"row 1: {message}")
    assert bad[1].batch == {
        "attrs": "[]",
        "k": "a",
        "events": [{"event_type": "custom_event", "data": {"event_name": {"deeper": 1}}}],
    }
    assert bad[2] == Record(str(path), 3, b"", NOTHING, f"row 3: {message}")
    grouped = _read(path, batch_key="k", settings=(("/data/event_name/deeper", 1),))
    assert grouped == [
        Record(str(path), 1, b"", NOTHING, f"row 1: {message}"),
        Record(str(path), 3, b"", NOTHING, f"row 3: {message}"),
    ]


def test_parquet_events_layout_bad_json_data_in_a_later_row_fails_its_batch(tmp_path: Path, pa: Any) -> None:
    table = {"k": [1, 1, 2], "event_type": ["a", "b", "c"], "data": ["{}", "{nope", "{}"]}
    path = _parquet(pa, tmp_path / "e.parquet", table)
    got = _read(path, batch_key="k")
    assert got[0][:4] == (str(path), 1, b"", NOTHING)
    assert got[0].error is not None and got[0].error.startswith("row 2: data is not valid JSON: ")
    assert got[1] == Record(
        str(path),
        3,
        b'{"events":[{"event_type":"c","data":{}}]}',
        {"events": [{"event_type": "c", "data": {}}]},
    )


def test_parquet_events_layout_constants_fill_what_is_absent_and_are_not_shared(
    tmp_path: Path, pa: Any
) -> None:
    path = _parquet(pa, tmp_path / "e.parquet", {"event_type": ["a", "b"], "v": [1, 2]})
    got = _read(path, mappings=(("v", "/data/v"),), settings=(("/data", {"fixed": True}),))
    assert [r.batch for r in got] == [
        {"events": [{"event_type": "a", "data": {"v": 1}}]},
        {"events": [{"event_type": "b", "data": {"v": 2}}]},
    ]
    got = _read(path, mappings=(("v", "/data/x/v"),), settings=(("/data/x", {"fixed": True}), ("/data/y", 0)))
    assert [r.batch["events"][0]["data"] for r in got] == [{"x": {"v": 1}, "y": 0}, {"x": {"v": 2}, "y": 0}]
    constant: dict = {"fixed": []}
    got = _read(path, settings=(("/data", constant), ("/data/more", 1)))
    assert [r.batch for r in got] == [
        {"v": 1, "events": [{"event_type": "a", "data": {"fixed": [], "more": 1}}]},
        {"v": 2, "events": [{"event_type": "b", "data": {"fixed": [], "more": 1}}]},
    ]
    assert got[0].batch["events"][0]["data"] is not got[1].batch["events"][0]["data"]
    assert constant == {"fixed": []}


def test_parquet_events_layout_option_errors(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "e.parquet", {"event_type": ["a"], "v": [1]})
    with pytest.raises(InputError, match=r"--map nope=/data/x: no column 'nope' \(columns: event_type, v\)"):
        _read(path, mappings=(("nope", "/data/x"),))
    with pytest.raises(InputError, match="--batch-key: no column 'k'"):
        _read(path, batch_key="k")
    with pytest.raises(InputError, match="'data/x' is not a JSON pointer"):
        _read(path, mappings=(("v", "data/x"),))
    with pytest.raises(InputError, match="builds /batch/events itself"):
        _read(path, settings=(("/batch/events", []),))


def test_parquet_json_extension_type(tmp_path: Path, pa: Any) -> None:
    if not hasattr(pa, "json_"):
        pytest.skip("no JSON extension type in this pyarrow")
    path = _parquet(pa, tmp_path / "x.parquet", {"n": [1], "doc": pa.array(['{"a":1}'], pa.json_())})
    assert _read(path) == [Record(str(path), 1, b'{"a":1}')]


def test_parquet_events_options_conflict_with_other_layouts(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "x.parquet", {"json": ["{}"], "event_type": ["a"]})
    for options in ({"layout": "json"}, {"layout": "nested"}, {"json_column": "json"}):
        with pytest.raises(InputError, match="apply to the events layout only"):
            _read(path, batch_key="event_type", **options)


def test_parquet_layout_cannot_be_guessed(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "x.parquet", {"a": [1], "b": ["x"], "c": ["y"]})
    with pytest.raises(
        InputError,
        match=r"x\.parquet: cannot tell the Parquet layout from its columns \(a, b, c\); use --layout",
    ):
        _read(path)
    with pytest.raises(InputError, match="unknown Parquet layout 'csv'"):
        _read(path, layout="csv")


def test_parquet_auto_detection(tmp_path: Path, pa: Any) -> None:
    only_text = _parquet(pa, tmp_path / "t.parquet", {"n": [1], "payload": ['{"a":1}']})
    assert _read(only_text) == [Record(str(only_text), 1, b'{"a":1}')]
    named = _parquet(pa, tmp_path / "v.parquet", {"event_type": ["x"], "value": ['{"a":1}']})
    assert _read(named) == [Record(str(named), 1, b'{"a":1}')]
    events = _parquet(pa, tmp_path / "e.parquet", {"event_type": ["x"], "label": ["y"]})
    assert [r.batch for r in _read(events)] == [{"label": "y", "events": [{"event_type": "x"}]}]
    both = _parquet(pa, tmp_path / "b.parquet", {"event_type": ["x"], "data": ['{"a":1}'], "value": ["v"]})
    assert [r.batch for r in _read(both)] == [
        {"value": "v", "events": [{"event_type": "x", "data": {"a": 1}}]}
    ]


def test_corrupt_parquet_is_an_input_error(tmp_path: Path, pa: Any) -> None:
    path = _write(tmp_path, "bad.txt", b"PAR1 this is not parquet PAR1")
    with pytest.raises(InputError, match=r"bad\.txt: cannot read Parquet"):
        _records(path)


def test_parquet_from_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "j.parquet", {"json": ['{"a":1}', "{}", "[]"]})
    monkeypatch.setattr(sys, "stdin", _Stdin(path.read_bytes()))
    assert list(open_records("-")) == [
        Record("<stdin>", 1, b'{"a":1}'),
        Record("<stdin>", 2, b"{}"),
        Record("<stdin>", 3, b"[]"),
    ]


def test_parquet_is_one_range(tmp_path: Path, pa: Any) -> None:
    path = _parquet(pa, tmp_path / "j.parquet", {"json": ['{"a":1}', "{}", "[]"]})
    size = path.stat().st_size
    assert list(iter_line_chunks(str(path), 10)) == [(0, size, 1)]
    assert list(read_line_range(str(path), 0, size, 1)) == _records(path)


def test_lines_that_javascript_trims_to_nothing_are_blank(tmp_path: Path) -> None:
    # The reference's line reader skips a line whose String.prototype.trim() is empty.
    path = tmp_path / "spaces.ndjson"
    path.write_bytes(b'{"events":[]}\n\xc2\xa0\n\xe3\x80\x80 \n\xe2\x80\xa8\n{"events":[]}\n\xc2\xa9\n')
    records = list(open_records(str(path)))
    assert [r.line for r in records] == [1, 5, 6]
    assert records[-1].raw == b"\xc2\xa9"  # a copyright sign is no space: an error line, as in the reference
