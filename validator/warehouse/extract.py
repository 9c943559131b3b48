"""A data model's result (CSV, Parquet, NDJSON rows, Arrow) -> Records of the batches a pipeline builds.

The format is found from the content: Parquet by `PAR1`, gzip by 1f 8b (then the rest is looked at
again), NDJSON when the first non-blank character is `{` (one JSON object per row, keys are columns),
CSV otherwise (validator/readers/csv.py: header row, typed cells by `csv_value`).

Each row is one Record: `line` is the file line where the row starts (CSV, NDJSON) or the 1-based
row (Parquet, Arrow). A row that cannot be read or built is a Record with `error` naming the row,
and reading goes on. Parquet and Arrow values follow the Parquet reader's rules
(validator/readers/parquet.py: timestamps as ISO 8601 text, which a `*_unixtime_ms` destination turns
into epoch milliseconds; NaN as null); a null is absent, as an empty CSV cell is.
"""

from __future__ import annotations

import contextlib
import gzip
import shutil
import sys
import tempfile
import zlib
from typing import Any, Iterable, Iterator

from ..lineparse import decode_json
from ..readers.csv import ABSENT, RowProblem, csv_value, read_csv
from ..readers.records import NOTHING, InputError, Record, encode_json
from .pipeline import MAX_COLUMNS
from .transform import RowError, RowMapper


def extract_records(path: str, mapper: RowMapper) -> Iterator[Record]:
    """Records of one extract file (`-`: standard input); raises InputError naming the file."""
    source = "<stdin>" if path == "-" else path
    with contextlib.ExitStack() as stack:
        try:
            if path == "-":  # spooled to disk: the format is told by looking ahead, then read from the start
                stream: Any = stack.enter_context(tempfile.TemporaryFile())
                shutil.copyfileobj(sys.stdin.buffer, stream)
                stream.seek(0)
            else:
                stream = stack.enter_context(open(path, "rb"))  # noqa: SIM115
            head = stream.read(4)
            stream.seek(0)
            if head.startswith(b"\x1f\x8b"):  # read as a stream; seek(0) rewinds the decompression
                stream = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
                head = stream.read(4)
                stream.seek(0)
            if head.startswith(b"PAR1"):
                yield from _parquet(stream, source, mapper)
            elif _first_char(stream) == b"{":
                yield from _ndjson(stream, source, mapper)
            else:
                yield from _csv(stream, source, mapper)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{source}: cannot read: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}"
            ) from None


def _first_char(stream: Any) -> bytes:
    head = stream.read(4096)
    stream.seek(0)
    return head.lstrip(b"\xef\xbb\xbf").lstrip()[:1]


def _check_columns(columns: list, mapper: RowMapper, source: str) -> None:
    if len(columns) > MAX_COLUMNS:
        raise InputError(
            f"{source}: {len(columns)} columns; a Warehouse Sync data model holds at most {MAX_COLUMNS}"
        )
    missing = mapper.missing_columns(columns)
    if missing:
        raise InputError(
            f"{source}: the field transformation maps column(s) the extract lacks: {', '.join(missing)} "
            f"(columns: {', '.join(columns)})"
        )


def _record(source: str, line: int, where: str, row: dict, mapper: RowMapper) -> Record:
    try:
        batch = mapper.build(row)
    except RowError as exc:
        return Record(source, line, b"", NOTHING, f"{where}: {exc}")
    return Record(source, line, encode_json(batch), batch)


def _csv(stream: Any, source: str, mapper: RowMapper) -> Iterator[Record]:
    header, rows = read_csv(stream, source)
    _check_columns(header, mapper, source)
    for item in rows:
        if isinstance(item, RowProblem):
            yield Record(source, item.line, b"", NOTHING, item.message)
            continue
        row = {}
        for name, cell in zip(header, item.cells):
            value = csv_value(cell)
            if value is not ABSENT:
                row[name] = value
        yield _record(source, item.line, f"row {item.row} (line {item.line})", row, mapper)


def _ndjson(stream: Any, source: str, mapper: RowMapper) -> Iterator[Record]:
    # NDJSON has no header: a key a row leaves out is a NULL, so mapped columns are not checked here.
    for number, raw in enumerate(stream, 1):
        text = raw.strip()
        if number == 1:
            text = text.lstrip(b"\xef\xbb\xbf")
        if not text:
            continue
        where = f"line {number}"
        try:
            row = decode_json(text)
        except ValueError as exc:
            yield Record(source, number, b"", NOTHING, f"{where}: not JSON: {exc}")
            continue
        if type(row) is not dict:
            yield Record(source, number, b"", NOTHING, f"{where}: a row is a JSON object (column: value)")
            continue
        if len(row) > MAX_COLUMNS:
            yield Record(source, number, b"", NOTHING, f"{where}: {len(row)} columns, at most {MAX_COLUMNS}")
            continue
        yield _record(source, number, where, {k: v for k, v in row.items() if v is not None}, mapper)


def _parquet(stream: Any, source: str, mapper: RowMapper) -> Iterator[Record]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{source}: reading Parquet needs pyarrow: pip install 'dataplan-validator[parquet]'"
        ) from None
    try:
        with pq.ParquetFile(stream) as parquet:
            yield from arrow_records(
                parquet.schema_arrow, parquet.iter_batches(batch_size=8192), source, mapper
            )
    except pa.ArrowException as exc:
        raise InputError(f"{source}: cannot read Parquet: {exc}") from None


def arrow_records(schema: Any, batches: Iterable[Any], source: str, mapper: RowMapper) -> Iterator[Record]:
    """Records of Arrow record batches in `schema`, one per row (line: the 1-based row)."""
    from ..readers import parquet as _parquet

    plain = _parquet._plain_schema(schema)
    names = list(plain.names)
    _check_columns(names, mapper, source)
    converters = [_parquet._converter(field.type) for field in plain]
    row_number = 0
    for batch in batches:
        columns = [
            _parquet._values(batch.column(i), plain.field(i).type, source) for i in range(batch.num_columns)
        ]
        for values in zip(*columns):
            row_number += 1
            row = {}
            for name, convert, value in zip(names, converters, values):
                if value is not None and convert is not None:
                    value = convert(value)
                if value is not None:
                    row[name] = value
            yield _record(source, row_number, f"row {row_number}", row, mapper)


def extract_columns(path: str, sample_rows: int = 1000) -> tuple:
    """(column names, exact) of an extract: the CSV header or the Parquet schema (exact), or for
    NDJSON rows the keys of the first `sample_rows` rows in first-seen order (not exact: a key a row
    leaves out may be a NULL). Raises InputError naming the file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(0)
            stream: Any = handle
            if head.startswith(b"\x1f\x8b"):
                stream = gzip.GzipFile(fileobj=handle, mode="rb")
                head = stream.read(4)
                stream.seek(0)
            if head.startswith(b"PAR1"):
                import pyarrow.parquet as pq

                return list(pq.ParquetFile(stream).schema_arrow.names), True
            if _first_char(stream) == b"{":
                names: dict = {}
                for number, raw in enumerate(stream, 1):
                    if number > sample_rows:
                        break
                    text = raw.strip().lstrip(b"\xef\xbb\xbf")
                    try:
                        row = decode_json(text) if text else None
                    except ValueError:
                        continue
                    if type(row) is dict:
                        names.update(dict.fromkeys(row))
                return list(names), False
            header, _ = read_csv(stream, path)
            return header, True
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except Exception as exc:  # pyarrow's errors, without importing pyarrow for CSV
        if type(exc).__module__.startswith("pyarrow"):
            raise InputError(f"{path}: cannot read Parquet: {exc}") from None
        raise
