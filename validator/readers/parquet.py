"""Parquet inputs, read record batch by record batch (never the whole table), in three layouts.

- json: a string/binary column holds each batch's JSON (`--json-column`, or found when unambiguous:
  the only text column, or one named batch/json/value/body). The engine parses it as an NDJSON line.
- nested: columns mirror a batch (`events` list of structs, `user_attributes` map or struct, ...).
- events: one event per row, `event_type` and `data` (struct or JSON text) plus batch-level columns;
  consecutive rows with equal `--batch-key` values form one batch (else each row is a batch);
  `--map COLUMN=POINTER` and `--set POINTER=VALUE` place values by JSON pointer, relative to the
  event, or to the batch when the pointer starts with /batch/.

Arrow nulls mean absent: a null struct field or map value is dropped, as the reference's null
stripping would drop it; nulls inside lists stay (the reference keeps nulls inside arrays).
Where Arrow's typing changes what the reference would see: a float column gives 1.0 for 1 (still
`1` once serialized, as in JavaScript); decimals become doubles; timestamps and dates become ISO
8601 strings; binary values are decoded as UTF-8. The batch-key column is kept as a batch field.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, Iterator, Optional

import orjson

from .records import InputError, ParquetOptions, Record

JSON_COLUMN_NAMES = ("batch", "json", "value", "body")


def parquet_records(path: str, source: str, options: ParquetOptions) -> Iterator[Record]:
    """Records of a Parquet file; InputError when it cannot be read or its layout is unclear."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{source}: reading Parquet needs pyarrow: pip install 'dataplan-validator[parquet]'"
        ) from None
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{source}: not a readable Parquet file: {exc}") from None
    schema = parquet.schema_arrow
    layout, json_column = _layout(schema, options, source)
    batches = parquet.iter_batches(batch_size=options.batch_rows)
    try:
        if layout == "json":
            yield from _json_rows(batches, json_column, source)
        elif layout == "nested":
            yield from _nested_rows(batches, source)
        else:
            yield from _event_rows(batches, source, options)
    except pa.ArrowException as exc:
        raise InputError(f"{source}: cannot read Parquet data: {exc}") from None


def _is_text(field: Any) -> bool:
    import pyarrow as pa

    kind = field.type
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _layout(schema: Any, options: ParquetOptions, source: str) -> tuple:
    names = list(schema.names)
    if options.json_column is not None:
        if options.json_column not in names:
            raise InputError(f"{source}: no column {options.json_column!r} (columns: {', '.join(names)})")
        return "json", options.json_column
    layout = options.layout
    text_columns = [field.name for field in schema if _is_text(field)]
    named = [name for name in JSON_COLUMN_NAMES if name in text_columns]
    guess = named[0] if len(named) == 1 else text_columns[0] if len(text_columns) == 1 else None
    if layout == "json":
        if guess is None:
            raise InputError(
                f"{source}: which column holds the JSON? use --json-column (columns: {', '.join(names)})"
            )
        return "json", guess
    if layout in ("nested", "events"):
        return layout, None
    if "event_type" in names:
        return "events", None
    if "events" in names:
        return "nested", None
    if guess is not None:
        return "json", guess
    raise InputError(
        f"{source}: cannot tell the Parquet layout from columns {', '.join(names)}; "
        "use --layout json|nested|events or --json-column"
    )


def _json_rows(batches: Iterator[Any], column: Optional[str], source: str) -> Iterator[Record]:
    row = 0
    for batch in batches:
        for value in batch.column(column).to_pylist():
            row += 1
            if value is None:
                yield Record(source, row, b"", error=f"row {row}: column {column!r} is null")
            else:
                yield Record(source, row, value.encode() if isinstance(value, str) else bytes(value))


def plain(value: Any) -> Any:
    """An Arrow-converted Python value as JSON data: nulls dropped from objects, maps as objects."""
    kind = type(value)
    if kind is dict:
        return {k: plain(v) for k, v in value.items() if v is not None}
    if kind is list:
        if value and all(type(item) is tuple and len(item) == 2 for item in value):
            return {str(k): plain(v) for k, v in value if v is not None}  # an Arrow map
        return [plain(item) for item in value]
    if kind is decimal.Decimal:
        return float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if kind is bytes:
        return value.decode("utf-8", "replace")
    return value


def _nested_rows(batches: Iterator[Any], source: str) -> Iterator[Record]:
    row = 0
    for batch in batches:
        for value in batch.to_pylist():
            row += 1
            built = plain(value)
            yield Record(source, row, orjson.dumps(built), built)


def _pointer_parts(pointer: str) -> list:
    if not pointer.startswith("/"):
        raise InputError(f"{pointer!r} is not a JSON pointer (it must start with /)")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _put(target: dict, parts: list, value: Any) -> None:
    for part in parts[:-1]:
        nested = target.get(part)
        if type(nested) is not dict:
            nested = target[part] = {}
        target = nested
    target[parts[-1]] = value


def _event_rows(batches: Iterator[Any], source: str, options: ParquetOptions) -> Iterator[Record]:
    mapped = {column: _pointer_parts(pointer) for column, pointer in options.mappings}
    constants = [(_pointer_parts(pointer), value) for pointer, value in options.settings]
    key_column = options.batch_key
    row = 0
    current: Optional[dict] = None
    current_key: Any = None
    first_row = 0
    for record_batch in batches:
        if key_column is not None and key_column not in record_batch.schema.names:
            raise InputError(f"{source}: no column {key_column!r} for --batch-key")
        for values in record_batch.to_pylist():
            row += 1
            event: dict = {}
            batch_fields: dict = {}
            for column, value in values.items():
                if value is None:
                    continue
                if column in mapped:
                    parts = mapped[column]
                    if parts[0] == "batch":
                        _put(batch_fields, parts[1:], plain(value))
                    else:
                        _put(event, parts, plain(value))
                elif column == "event_type":
                    event["event_type"] = value
                elif column == "data":
                    event["data"] = orjson.loads(value) if isinstance(value, (str, bytes)) else plain(value)
                else:
                    batch_fields[column] = plain(value)
            for parts, value in constants:
                if parts[0] == "batch":
                    _put(batch_fields, parts[1:], value)
                else:
                    _put(event, parts, value)
            key = values.get(key_column) if key_column is not None else row
            if current is not None and key == current_key and key_column is not None:
                current["events"].append(event)
                continue
            if current is not None:
                yield Record(source, first_row, orjson.dumps(current), current)
            current, current_key, first_row = {**batch_fields, "events": [event]}, key, row
    if current is not None:
        yield Record(source, first_row, orjson.dumps(current), current)
