"""Validate Arrow data in memory: a RecordBatch, Table or stream of record batches in, a results Table out.

Rows become batches exactly as the Parquet reader makes them (validator/readers/parquet.py: the json,
nested and events layouts, auto-detection, `--map`/`--set`/`--batch-key` options, Arrow-to-JSON
value rules), so `validate_arrow(pq.read_table(path), plan)` and `dpv validate path` agree line for
line. One output row per batch, in input order, with RESULT_SCHEMA's columns:

- `row` (int64): the 0-based input row of the batch's first row (counted over the whole input);
- `valid` (bool): no results at all (false when the batch could not be validated);
- `unplanned`, `missing_required`, `invalid_value`, `unknown` (int32): validation errors of each
  `validation_error_type` in the batch's results (0 when it could not be validated);
- `error` (string): why the batch could not be validated (a null JSON cell, a row that cannot be
  built, a batch the reference throws on), else null;
- `results` (string): the result line, byte for byte what the CLI prints for the batch, which is
  `PlanValidator.validate_line` of the batch's JSON whenever that JSON is an object (`{"error":...}`
  when it could not be validated).

Columns named in `keep` are copied (from the batch's first row, with their Arrow type) in front of
those, so results can be joined back to the input. Nothing here needs pandas.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator, Optional, Sequence

import pyarrow as pa

from .api import PlanValidator
from .lineparse import decode_json
from .readers import parquet as _parquet
from .readers.records import InputError, LineBlock, ParquetOptions, Record
from .results import VALID_RESULT, error_line
from .stream import as_validator

ERROR_TYPES = ("unplanned", "missing_required", "invalid_value", "unknown")
RESULT_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64(), nullable=False),
        pa.field("valid", pa.bool_(), nullable=False),
        *(pa.field(name, pa.int32(), nullable=False) for name in ERROR_TYPES),
        pa.field("error", pa.string()),
        pa.field("results", pa.string(), nullable=False),
    ]
)
CHUNK_ROWS = 8192
# In a result line, `"validation_error_type":"<type>"` can only be a key and its value: inside any
# JSON string every quote is escaped, so counting the bytes counts the errors without parsing.
_TYPE_NEEDLES = tuple(b'"validation_error_type":"' + name.encode() + b'"' for name in ERROR_TYPES)


def validate_arrow(
    data: Any,
    plan: Any,
    layout: str = "auto",
    json_column: Optional[str] = None,
    batch_key: Optional[str] = None,
    mappings: Sequence[tuple[str, str]] = (),
    settings: Sequence[tuple[str, Any]] = (),
    *,
    keep: Sequence[str] = (),
    pipeline: Any = None,
    field_transformation: Any = None,
) -> pa.Table:
    """Validate the batches held by Arrow data; one results row per batch.

    Takes a pyarrow RecordBatch, Table, RecordBatchReader or iterable of RecordBatches (one schema);
    a plan (a PlanValidator, a plan path, plan JSON text or a decoded plan); the Parquet reader's
    layout options (layout "auto" | "json" | "nested" | "events", json_column, batch_key, mappings as
    (column, JSON pointer) pairs, settings as (JSON pointer, constant) pairs); and `keep`, input
    columns to copy into the output. With `pipeline` (a Warehouse Sync pipeline object or its path) and,
    for events pipelines, `field_transformation` (likewise), each row is a row of the data model's
    result and becomes the batch that pipeline sends (validator/warehouse/), in place of the layouts;
    WarehouseError when they cannot drive validation.
    Returns a Table: the `keep` columns, then RESULT_SCHEMA's.
    Raises InputError when the layout cannot be told or the options do not fit the columns,
    PlanError when the plan cannot be used.
    """
    validator = as_validator(plan)
    schema, batches = _record_batches(data)
    options = ParquetOptions(layout, json_column, batch_key, tuple(mappings), tuple(settings))
    if pipeline is not None:
        options = warehouse_options(options, pipeline, field_transformation)
    out_schema = output_schema(schema, keep)
    chunks = list(result_batches(validator, schema, batches, options, keep=keep))
    return pa.Table.from_batches(chunks, schema=out_schema)


def warehouse_options(options: ParquetOptions, pipeline: Any, field_transformation: Any) -> ParquetOptions:
    """`options` reading Warehouse Sync rows for this pipeline (layout options must be left default)."""
    from dataclasses import replace

    from .warehouse import load_mapper

    if replace(options, layout="auto", json_column=None) != ParquetOptions():
        raise InputError("batch_key, mappings and settings do not apply with a pipeline")
    return replace(ParquetOptions(), warehouse=load_mapper(pipeline, field_transformation))


def output_schema(schema: pa.Schema, keep: Sequence[str] = ()) -> pa.Schema:
    """The results schema for input `schema`: the `keep` fields, then RESULT_SCHEMA's.

    Raises InputError when a `keep` column is not in the schema.
    """
    missing = [name for name in keep if name not in schema.names]
    if missing:
        raise InputError(f"keep: no column {missing[0]!r} (columns: {', '.join(schema.names)})")
    return pa.schema([schema.field(name) for name in keep] + list(RESULT_SCHEMA))


def _record_batches(data: Any) -> tuple[pa.Schema, Iterable[Any]]:
    if isinstance(data, pa.RecordBatch):
        return data.schema, [data]
    if isinstance(data, pa.Table):
        return data.schema, data.to_batches()
    if isinstance(data, pa.RecordBatchReader):
        return data.schema, data
    iterator = iter(data)
    first = next(iterator, None)
    if first is None:
        raise InputError("no record batches: the schema cannot be told")
    if not isinstance(first, pa.RecordBatch):
        raise TypeError(f"expected Arrow record batches, not {type(first).__name__}")
    return first.schema, _prepend(first, iterator)


def _prepend(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def result_batches(
    validator: PlanValidator,
    schema: pa.Schema,
    batches: Iterable[Any],
    options: ParquetOptions,
    *,
    keep: Sequence[str] = (),
    source: str = "<arrow>",
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Results of record batches in `schema`, as record batches of `output_schema(schema, keep)`.

    Takes the validator, the input schema, the record batches (consumed lazily, once), the layout
    options, the columns to keep, the source name for error messages, and the rows per output batch.
    Yields record batches of at most chunk_rows results each. Raises InputError as validate_arrow.
    """
    out_schema = output_schema(schema, keep)
    window = _KeepWindow(list(keep))
    chunk: list = []
    for item in _records(window.feed(batches), schema, options, source, blocks=True):
        if type(item) is LineBlock:  # a run of a JSON column's values: checked in one call
            results = validator.check_lines(item.lines, rows=True)[0]
            first = item.first_line - 1
            for offset, result in enumerate(results):
                chunk.append((first + offset, *_result_columns(result)))
                if len(chunk) >= chunk_rows:
                    yield _chunk_batch(chunk, window, out_schema)
                    chunk = []
            continue
        chunk.append((item.line - 1, *_result_row(validator, item)))
        if len(chunk) >= chunk_rows:
            yield _chunk_batch(chunk, window, out_schema)
            chunk = []
    if chunk:
        yield _chunk_batch(chunk, window, out_schema)


def _records(
    batches: Iterable[Any], schema: pa.Schema, options: ParquetOptions, source: str, blocks: bool = False
) -> Iterator[Any]:
    """Records of in-memory record batches: the Parquet reader's layouts, without the file (with
    `blocks`, the json layout's values come as LineBlocks, as parquet_records gives them)."""
    if options.warehouse is not None:
        from .warehouse import arrow_records

        try:
            yield from arrow_records(schema, batches, source, options.warehouse)
        except pa.ArrowException as exc:
            raise InputError(f"{source}: cannot convert Arrow data: {exc}") from None
        return
    plain = _parquet._plain_schema(schema)
    layout, json_column = _parquet._layout(plain, options, source)
    try:
        if layout == "json":
            index = schema.get_field_index(json_column)
            yield from _parquet._json_rows(
                (pa.RecordBatch.from_arrays([b.column(index)], names=[json_column]) for b in batches),
                source,
                blocks,
            )
        elif layout == "nested":
            yield from _parquet._nested_rows(iter(batches), plain, source)
        else:
            yield from _parquet._EventRows(plain, options, source).records(iter(batches))
    except pa.ArrowException as exc:
        raise InputError(f"{source}: cannot convert Arrow data: {exc}") from None


def _result_row(validator: PlanValidator, record: Record) -> tuple:
    """(valid, counts..., error, result line) of one record."""
    if record.error is not None:
        return (False, 0, 0, 0, 0, record.error, error_line(record.error))
    result, _ = validator.check_line(record.raw, record.batch)
    return _result_columns(result)


_VALID_COLUMNS = (True, 0, 0, 0, 0, None, VALID_RESULT)


def _result_columns(result: bytes) -> tuple:
    """(valid, counts..., error, result line) of one result line."""
    if result == VALID_RESULT:
        return _VALID_COLUMNS
    if result.startswith(b'{"error"'):
        return (False, 0, 0, 0, 0, decode_json(result)["error"], result)
    return (result == VALID_RESULT, *[result.count(needle) for needle in _TYPE_NEEDLES], None, result)


def _chunk_batch(chunk: list, window: _KeepWindow, out_schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*chunk))
    arrays = window.take(list(columns[0]))
    arrays += [pa.array(values, type=field.type) for values, field in zip(columns, RESULT_SCHEMA)]
    return pa.RecordBatch.from_arrays(arrays, schema=out_schema)


class _KeepWindow:
    """The `keep` columns of the input rows that results may still refer to.

    Records come out in row order, but a record of the events layout is only complete once the
    rows after it were read, so the window holds every input batch from the oldest row still
    wanted; older batches are let go as results are written.
    """

    def __init__(self, names: list) -> None:
        self.names = names
        self.parts: deque = deque()  # (first row, record batch of the keep columns)
        self.rows = 0

    def feed(self, batches: Iterable[Any]) -> Iterator[Any]:
        """Pass the input batches through, remembering their keep columns."""
        for batch in batches:
            if self.names:
                columns = [batch.column(batch.schema.get_field_index(name)) for name in self.names]
                self.parts.append((self.rows, pa.RecordBatch.from_arrays(columns, names=self.names)))
            self.rows += batch.num_rows
            yield batch

    def take(self, rows: list) -> list:
        """The keep columns at these ascending rows; rows before rows[0] are forgotten."""
        if not self.names:
            return []
        parts = self.parts
        while len(parts) > 1 and parts[1][0] <= rows[0]:
            parts.popleft()
        base = parts[0][0]
        table = pa.Table.from_batches([part for _, part in parts])
        taken = table.take(pa.array([row - base for row in rows], type=pa.int64()))
        return [column.combine_chunks() for column in taken.columns]
