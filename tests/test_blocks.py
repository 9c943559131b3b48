"""Block mode: NDJSON lines checked a block at a time give exactly the outcomes of line-by-line scanning.

scan(blocks=True) is what the CLI runs; scan(blocks=False) is the Record-per-line path every other
test of the readers and reports was written against. Both kernels, one job and two, every odd
shape of line the reader knows (CRLF, BOM, blank and JavaScript-blank lines, over-long lines,
gzip, a pretty-printed document, invalid JSON, arrays, plans among batches).
"""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path

import pytest

import validator
from validator.reports import Block, Outcome, Tally
from validator.reports.results import ResultsReporter
from validator.scan import FileFailure, scan

HERE = Path(__file__).resolve().parent
TRAFFIC = HERE / "golden" / "traffic"
EXAMPLES = HERE.parent / "examples"


def _odd_lines() -> bytes:
    return b"\n".join(
        [
            b'\xef\xbb\xbf{"events":[{"event_type":"custom_event","data":{"event_name":"x","custom_event_type":"other"}}]}',
            b"",
            b"   \t",
            b"\xc2\xa0",  # a no-break space: JavaScript's trim() makes it blank
            b'{"events":[]}\r',
            b"[1,2]",
            b'{"events": [null]}',
            b"not json",
            b'{"data_points": []}',
            b'{"events":' + b"[" * 3000 + b"]" * 3000 + b"}",
            b'{"user_attributes":{"a":1},"events":[{"event_type":"session_start"}]}',
            b"x" * 5000,  # over --max-line-bytes in the tests below
            b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}]}\r',
            b"\r",
            b'{"events":[{"event_type":"custom_event","data":{"event_name":"\\ud83d","custom_event_type":"other"}}]}',
        ]
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list:
    folder = tmp_path_factory.mktemp("blocks")
    traffic = lzma.decompress((TRAFFIC / "traffic_00.batches.ndjson.xz").read_bytes())
    odd = _odd_lines()
    files = {
        "traffic.ndjson": traffic,
        "traffic.ndjson.gz": gzip.compress(traffic),
        "odd.ndjson": odd,
        "odd.ndjson.gz": gzip.compress(odd + b"\n"),
        "document.json": b'[\n  {"events": []},\n  {"events": [{"event_type": "session_end"}]}\n]\n',
        "empty.ndjson": b"",
        "examples.ndjson": gzip.decompress((EXAMPLES / "batches.ndjson.gz").read_bytes()),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(str(path))
    paths.append(str(folder / "missing.ndjson"))
    paths.append(_parquet(folder / "rows.parquet", traffic.split(b"\n")[:300] + odd.split(b"\n")))
    return paths


def _parquet(path: Path, values: list) -> str:
    """A json-layout Parquet file: each value a row (a null, an empty string, a CR, a newline inside too)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows: list = [v.decode("utf-8", "replace") for v in values]
    rows[5:5] = [None, "", "\r", '{"events":\n[]}', "  "]
    pq.write_table(pa.table({"batch": pa.array(rows, pa.string())}), str(path), row_group_size=97)
    return str(path)


def _plans() -> list:
    return [
        pytest.param(lzma.decompress((TRAFFIC / "traffic_00.plan.json.xz").read_bytes()), id="traffic-plan"),
        pytest.param((EXAMPLES / "plan.json").read_bytes(), id="examples-plan"),
    ]


def _load(plan_bytes: bytes, kernel: str, tmp_path: Path) -> validator.PlanValidator:
    plan = tmp_path / "plan.json"
    plan.write_bytes(plan_bytes)
    return validator.load_plan(str(plan), kernel=kernel)


def _expanded(items: list) -> list:
    """Outcomes (and FileFailures) as line-by-line scanning gives them, from a block-mode run with every."""
    out = []
    for item in items:
        if type(item) is Block:
            assert [ordinal for ordinal, _ in item.others] == list(range(len(item.results)))
            assert [o.result for _, o in item.others] == item.results
            out.extend(outcome for _, outcome in item.others)
        else:
            out.append(item)
    return out


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("plan_bytes", _plans())
def test_blocks_with_every_give_the_same_outcomes(
    plan_bytes: bytes, jobs: int, kernel: str, inputs: list, tmp_path: Path
) -> None:
    v = _load(plan_bytes, kernel, tmp_path)
    want = list(scan(v, inputs, jobs=jobs, max_line_bytes=4096))
    got = _expanded(list(scan(v, inputs, jobs=jobs, max_line_bytes=4096, blocks=True, every=True)))
    assert got == want
    assert any(isinstance(item, FileFailure) for item in want)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("plan_bytes", _plans())
def test_compact_blocks_count_and_report_like_outcomes(
    plan_bytes: bytes, jobs: int, kernel: str, inputs: list, tmp_path: Path
) -> None:
    v = _load(plan_bytes, kernel, tmp_path)
    want = [item for item in scan(v, inputs, jobs=jobs, max_line_bytes=4096) if isinstance(item, Outcome)]
    items = [item for item in scan(v, inputs, jobs=jobs, max_line_bytes=4096, blocks=True)]

    # Only the batches that are not valid have an Outcome; the rest are counted.
    compact = []
    for item in items:
        if type(item) is Block:
            assert all(not o.valid for _, o in item.others)
            assert len(item.results) - len(item.others) == item.valid
            compact.extend(o for _, o in item.others)
        elif isinstance(item, Outcome) and not item.valid:  # documents, Parquet: an Outcome each
            compact.append(item)
    assert compact == [o for o in want if not o.valid]

    tally_lines, tally_blocks = Tally(), Tally()
    for outcome in want:
        tally_lines.add(outcome)
    for item in items:
        if type(item) is Block:
            tally_blocks.add_block(item)
        elif isinstance(item, Outcome):
            tally_blocks.add(item)
    assert tally_blocks.as_dict() == tally_lines.as_dict()

    by_line, by_block = ResultsOut(), ResultsOut()
    lines_reporter, blocks_reporter = ResultsReporter(by_line), ResultsReporter(by_block)
    for outcome in want:
        lines_reporter.add(outcome)
    for item in items:
        if type(item) is Block:
            blocks_reporter.add_block(item)
        elif isinstance(item, Outcome):
            blocks_reporter.add(item)
    assert by_block.data == by_line.data
    assert by_line.data.count(b'"source":{"file"') > 0  # error lines carry their source in both


class ResultsOut:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def test_check_lines_matches_check_line(kernel: str, tmp_path: Path) -> None:
    v = _load((EXAMPLES / "plan.json").read_bytes(), kernel, tmp_path)
    lines = _odd_lines().split(b"\n")
    blank = lambda line: not line.decode("utf-8", "replace").strip()  # noqa: E731
    results, valid, events, others = v.check_lines(lines, blank)
    want = [
        v.check_line(line.rstrip(b"\r"))
        for line in lines
        if line.rstrip(b"\r").decode("utf-8", "replace").strip() and not line.rstrip(b"\r").isspace()
    ]
    assert results == [result for result, _ in want]
    assert valid == sum(result == b'{"results":[],"batch":{}}' for result, _ in want)
    assert events == sum(count for _, count in want if count > 0)
    assert [(o, r) for o, _, r, _, _ in others] == [
        (i, result) for i, (result, _) in enumerate(want) if result != b'{"results":[],"batch":{}}'
    ]


def _block_records(items: list) -> list:
    """(line, raw, error) per batch from block-mode reading, skipping what the reader skips."""
    from validator.readers import LineBlock, is_blank_line

    out = []
    for item in items:
        if type(item) is LineBlock and item.rows:  # Parquet values: each one a batch, as it is
            out.extend((item.first_line + index, value, None) for index, value in enumerate(item.lines))
        elif type(item) is LineBlock:
            lines = item.lines.split(b"\n") if type(item.lines) is bytes else item.lines
            for index, line in enumerate(lines):
                line = line[:-1] if line[-1:] == b"\r" else line
                if line and not line.isspace() and not is_blank_line(line):
                    out.append((item.first_line + index, line, None))
        else:
            out.append((item.line, item.raw, item.error))
    return out


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 7, 64, 4096, 1 << 20])
@pytest.mark.parametrize("max_line_bytes", [0, 20, 4096])
def test_block_reading_gives_the_lines_records_give(
    chunk_bytes: int, max_line_bytes: int, inputs: list
) -> None:
    from validator.readers import InputError, open_records

    for path in inputs:
        try:
            want = [
                (r.line, r.raw, r.error)
                for r in open_records(path, chunk_bytes=chunk_bytes, max_line_bytes=max_line_bytes)
            ]
        except InputError:
            continue
        items = list(open_records(path, chunk_bytes=chunk_bytes, max_line_bytes=max_line_bytes, blocks=True))
        assert _block_records(items) == want, path


@pytest.mark.parametrize("target_bytes", [1, 50, 4096])
def test_block_reading_of_ranges_gives_the_lines_records_give(target_bytes: int, inputs: list) -> None:
    from validator.readers import InputError, iter_line_chunks, read_line_range

    for path in inputs:
        try:
            ranges = list(iter_line_chunks(path, target_bytes, 4096))
        except InputError:
            continue
        for start, end, first in ranges:
            want = [(r.line, r.raw, r.error) for r in read_line_range(path, start, end, first, 4096)]
            items = list(read_line_range(path, start, end, first, 4096, blocks=True))
            assert _block_records(items) == want, (path, start, end)


def test_arrow_json_column_gives_each_rows_check_line(kernel: str, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    from validator.arrow import validate_arrow

    v = _load(lzma.decompress((TRAFFIC / "traffic_00.plan.json.xz").read_bytes()), kernel, tmp_path)
    lines = lzma.decompress((TRAFFIC / "traffic_00.batches.ndjson.xz").read_bytes()).split(b"\n")[:400]
    values: list = [line.decode("utf-8", "replace") for line in lines]
    values[3:3] = [None, "", "\r", '{"events":\n[]}', "[1]", "  "]
    table = validate_arrow(pa.table({"batch": pa.array(values, pa.string())}), v)
    got = table.column("results").to_pylist()
    null_row = '{"error":"row 4: json column is null"}'
    want = [null_row if value is None else v.check_line(value.encode())[0].decode() for value in values]
    assert got == want
    assert table.column("row").to_pylist() == list(range(len(values)))
