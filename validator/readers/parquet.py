"""Parquet inputs, read record batch by record batch (never the whole table), in three layouts.

- json: a string/binary column holds each batch's JSON (`json_column`, or found when unambiguous:
  one text column named batch/json/value/body, or the only text column). Only that column is read;
  Record.raw is its bytes and the engine parses them as it parses an NDJSON line. A null cell is a
  Record with error "row N: json column is null".
- nested: columns mirror a batch (`events` list of structs, `user_attributes` map or struct,
  `environment`, ...), one row per batch. An event's `data` may be a struct or JSON text, and
  `events` itself may be JSON text.
- events: one event per row: `event_type`, `data` (struct or JSON text), and batch-level columns
  (every other column, e.g. `environment`, `mpid`, `user_attributes`, taken from the first row of
  the batch). With `batch_key`, consecutive rows with equal non-null keys form one batch (across
  record batches too); otherwise, or for a null key, each row is its own batch. The key column is
  copied into the batch only when it is a field of the Events API batch (`mpid`, `batch_id`, ...).
  `mappings` (column, pointer) put a column's value at a JSON pointer relative to the event, or to
  the batch when the pointer starts with /batch/; mapped columns are not copied anywhere else.
  `settings` (pointer, constant) use the same pointers and fill only what the row left absent, so a
  column value wins over a constant. Missing objects on the way are created; a pointer through a
  value that is not an object makes the batch a Record with error. The built event is
  {"event_type", "data", then anything mapped}.
- auto: events when mappings, settings or a batch key are given, or both `event_type` and `data`
  columns exist; else json when one text column is named batch/json/value/body; else events when
  there is an `event_type` column; else nested when there is an `events` column; else json when
  exactly one text column exists; else InputError listing the columns. (This refines "json first":
  an events table often has a `value` column, or a single text column, `event_type`.)

Record.line is the 1-based row of the batch's first row, counted over the whole file. Record.raw of a
built batch is orjson's JSON of it. A row that cannot be built is a Record with error and empty raw.

Arrow values become JSON values, with nulls meaning absent: a null struct field or map value is
dropped (recursively), a null column cell is not copied, but a null inside a list stays a null
element. Maps become objects in their key order (non-string keys as JS would print them). Where
Arrow's typing changes what the reference, which sees JSON, would see:
- float columns give Python floats: 1.0 stays 1.0 in the batch, which the engine treats as the
  JavaScript number 1 (an integer to the schema), though orjson writes `1.0` in raw; NaN and
  infinities, which JSON cannot carry, are nulls (so absent in structs);
- decimals become doubles (precision beyond a double is lost, as JSON.parse would lose it);
- timestamps, dates and times become ISO 8601 strings (`datetime.isoformat()`: "T" separator,
  "+00:00" for UTC), nanoseconds truncated to microseconds; durations become integers in the
  column's unit; dictionary-encoded columns give their values;
- binary values are decoded as UTF-8 (invalid bytes become U+FFFD), except in the json layout where
  the bytes are the JSON text itself;
- a JSON text `data` holding `null` is absent, like an Arrow null.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
from typing import Any, Callable, Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from ..lineparse import decode_json
from .records import NOTHING, BinaryRows, InputError, LineBlock, ParquetOptions, Record, encode_json

LAYOUTS = ("auto", "json", "nested", "events")
JSON_COLUMN_NAMES = ("batch", "json", "value", "body")
# Top-level fields of an Events API batch (the mParticle batch schema), for the batch-key rule.
BATCH_FIELDS = frozenset(
    {
        "source_request_id", "device_info", "application_info", "user_attributes",
        "deleted_user_attributes", "user_identities", "environment", "api_key", "api_keys", "ip",
        "integration_attributes", "context", "partner_identity", "partner_identities", "source_info",
        "mp_deviceid", "attribution_info", "timestamp_unixtime_ms", "batch_id", "mpid", "origin_mpid",
        "sdk_version", "consent_state", "job_id",
    }
)  # fmt: skip

Convert = Optional[Callable[[Any], Any]]  # None: the Python value from Arrow is already JSON data


class _BadRow(Exception):
    """A row that cannot become (part of) a batch; the message says why."""


def parquet_records(path: str, source: str, options: ParquetOptions, blocks: bool = False) -> Iterator[Any]:
    """Records of a Parquet file, in row order.

    Takes the file's path, the name to report, and the layout options; with `blocks`, the json
    layout's rows come as LineBlocks (rows=True) of the values of each record batch, a Record for
    each null. Raises InputError when the file cannot be read, its layout cannot be told, or the
    options do not fit its columns.
    """
    try:
        with pq.ParquetFile(path) as parquet:
            schema = _plain_schema(parquet.schema_arrow)
            layout, json_column = _layout(schema, options, source)
            columns = [json_column] if layout == "json" else None
            batches = parquet.iter_batches(batch_size=max(1, options.batch_rows), columns=columns)
            if layout == "json":
                yield from _json_rows(batches, source, blocks)
            elif layout == "nested":
                yield from _nested_rows(batches, schema, source)
            else:
                yield from _EventRows(schema, options, source).records(batches)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{source}: cannot read Parquet: {exc}") from None


def _is_text(kind: Any) -> bool:
    return _is_any(kind, ("is_string", "is_large_string", "is_string_view", "is_binary", "is_large_binary"))


def _is_list(kind: Any) -> bool:
    return _is_any(
        kind, ("is_list", "is_large_list", "is_fixed_size_list", "is_list_view", "is_large_list_view")
    )


def _is_any(kind: Any, checks: tuple) -> bool:
    # getattr: the *_view types exist only in newer pyarrow versions
    return any(getattr(pa.types, check, lambda _: False)(kind) for check in checks)


def _layout(schema: Any, options: ParquetOptions, source: str) -> tuple[str, Optional[str]]:
    names = list(schema.names)
    listing = ", ".join(names)
    layout = options.layout
    if layout not in LAYOUTS:
        raise InputError(f"{source}: unknown Parquet layout {layout!r} (expected {', '.join(LAYOUTS)})")
    if (options.mappings or options.settings or options.batch_key) and (
        layout in ("json", "nested") or options.json_column is not None
    ):
        raise InputError(f"{source}: --map, --set and --batch-key apply to the events layout only")
    if options.json_column is not None:
        if layout not in ("auto", "json"):
            raise InputError(f"{source}: a json column only applies to the json layout, not {layout}")
        if options.json_column not in names:
            raise InputError(f"{source}: no column {options.json_column!r} (columns: {listing})")
        if not _is_text(schema.field(options.json_column).type):
            kind = schema.field(options.json_column).type
            raise InputError(f"{source}: column {options.json_column!r} is {kind}, not string or binary")
        return "json", options.json_column
    text = [field.name for field in schema if _is_text(field.type)]
    named = [name for name in JSON_COLUMN_NAMES if name in text]
    if layout in ("nested", "events"):
        return layout, None
    if layout == "auto" and (
        options.mappings or options.settings or options.batch_key or {"event_type", "data"} <= set(names)
    ):
        return "events", None
    if len(named) == 1:
        return "json", named[0]
    if layout == "auto" and "event_type" in names:
        return "events", None
    if layout == "auto" and "events" in names:
        return "nested", None
    if len(text) == 1:
        return "json", text[0]
    if layout == "json":
        raise InputError(f"{source}: which column holds the JSON? use --json-column (columns: {listing})")
    raise InputError(
        f"{source}: cannot tell the Parquet layout from its columns ({listing}); "
        "use --layout json|nested|events, or --json-column COLUMN"
    )


_EXTENSION = getattr(pa, "BaseExtensionType", pa.ExtensionType)


def _plain_schema(schema: Any) -> Any:
    return pa.schema([field.with_type(_plain_type(field.type)) for field in schema])


def _plain_type(kind: Any) -> Any:
    """The type to cast values to before to_pylist, so that it never needs pandas and gives JSON-ready
    values: storage instead of extension types, dictionary values, durations as integers, and
    microseconds instead of nanoseconds."""
    types = pa.types
    if isinstance(kind, _EXTENSION):  # e.g. the JSON extension type stores strings
        return _plain_type(kind.storage_type)
    if types.is_struct(kind):
        fields = [kind.field(i) for i in range(kind.num_fields)]
        return pa.struct([field.with_type(_plain_type(field.type)) for field in fields])
    if types.is_map(kind):
        return pa.map_(_plain_type(kind.key_type), _plain_type(kind.item_type))
    if types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind):
        item = kind.value_field.with_type(_plain_type(kind.value_type))
        if types.is_fixed_size_list(kind):
            return pa.list_(item, kind.list_size)
        return pa.large_list(item) if types.is_large_list(kind) else pa.list_(item)
    if types.is_dictionary(kind):
        return _plain_type(kind.value_type)
    if types.is_duration(kind):
        return pa.int64()
    if types.is_timestamp(kind) and kind.unit == "ns":
        return pa.timestamp("us", kind.tz)
    if types.is_time64(kind) and kind.unit == "ns":
        return pa.time64("us")
    return kind


def _values(array: Any, plain: Any, source: str) -> list:
    """The Python values of one column of a record batch, cast to its plain type first."""
    if isinstance(array.type, _EXTENSION):
        array = array.storage
    if array.type != plain:
        with contextlib.suppress(pa.ArrowNotImplementedError):  # exotic nesting: to_pylist may manage
            array = array.cast(plain, safe=False)  # safe=False: nanoseconds are truncated
    try:
        return list(array.to_pylist())
    except ValueError as exc:
        raise InputError(f"{source}: cannot convert column values: {exc}") from None


# -- json layout ------------------------------------------------------------------------------------


def _json_rows(batches: Iterator[Any], source: str, blocks: bool = False) -> Iterator[Any]:
    row = 0
    for batch in batches:
        array = batch.column(0)
        if isinstance(array.type, _EXTENSION):
            array = array.storage
        kind = array.type
        # binary has the same buffers as string: bytes come out without a decode/encode trip (a view:
        # a cast would load pyarrow.compute, a quarter of a second)
        if pa.types.is_string(kind):
            array = array.view(pa.binary())
        elif pa.types.is_large_string(kind):
            array = array.view(pa.large_binary())
        if blocks and array.null_count == 0 and len(array) and (
            pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)
        ):
            # Checked where they are, in Arrow's buffers: no bytes object per row.
            _, offsets, data = array.buffers()
            rows = BinaryRows(data, offsets, array.offset, len(array), pa.types.is_large_binary(array.type))
            yield LineBlock(source, row + 1, rows, rows.size(), True)
            row += len(array)
            continue
        values = _values(array, array.type, source)
        if blocks:
            yield from _json_row_blocks(values, row, source)
            row += len(values)
            continue
        for value in values:
            row += 1
            yield _json_row(value, row, source)


def _json_row(value: Any, row: int, source: str) -> Record:
    if value is None:
        return Record(source, row, b"", NOTHING, f"row {row}: json column is null")
    return Record(source, row, value.encode("utf-8") if type(value) is str else bytes(value))


def _json_row_blocks(values: list, row: int, source: str) -> Iterator[Any]:
    """LineBlocks of the runs of JSON texts among a record batch's values (after row `row`), a Record
    for each other value (a null)."""
    start = 0
    for index, value in enumerate(values):
        if type(value) is not bytes:
            if index > start:
                run = values[start:index]
                yield LineBlock(source, row + start + 1, run, sum(map(len, run)), True)
            yield _json_row(value, row + index + 1, source)
            start = index + 1
    if start < len(values):
        run = values[start:] if start else values
        yield LineBlock(source, row + start + 1, run, sum(map(len, run)), True)


# -- Arrow values to JSON values ------------------------------------------------------------------


def _converter(kind: Any, decode_event_data: bool = False) -> Convert:
    """How to turn one to_pylist() value of this Arrow type into JSON data (None: keep it as is).

    decode_event_data: the type is the `events` list of the nested layout, whose struct elements may
    hold `data` as JSON text.
    """
    types = pa.types
    if types.is_struct(kind):
        fields = [kind.field(i) for i in range(kind.num_fields)]
        return _struct_converter(
            [
                (
                    field.name,
                    _json_text("data")
                    if decode_event_data and field.name == "data" and _is_text(field.type)
                    else _converter(field.type),
                )
                for field in fields
            ]
        )
    if types.is_map(kind):
        return _map_converter(_converter(kind.item_type))
    if _is_list(kind):
        item = _converter(kind.value_type, decode_event_data)
        if item is None:
            return None
        return lambda value: [None if x is None else item(x) for x in value]
    if types.is_floating(kind):
        return _finite
    if types.is_decimal(kind):
        return float
    if types.is_timestamp(kind) or types.is_date(kind) or types.is_time(kind):
        return _iso
    if types.is_binary(kind) or types.is_large_binary(kind) or types.is_fixed_size_binary(kind):
        return _utf8
    return None


def _struct_converter(fields: list) -> Callable[[Any], Any]:
    def convert(value: dict) -> dict:
        out = {}
        for name, field_converter in fields:
            item = value[name]
            if item is not None and field_converter is not None:
                item = field_converter(item)
            if item is not None:
                out[name] = item
        return out

    return convert


def _map_converter(item_converter: Convert) -> Callable[[Any], Any]:
    def convert(pairs: list) -> dict:
        out = {}
        for key, item in pairs:
            if item is not None and item_converter is not None:
                item = item_converter(item)
            if item is not None:
                out[key if type(key) is str else _key_text(key)] = item
        return out

    return convert


def _key_text(key: Any) -> str:
    """An object key as JavaScript's String() would print a non-string map key."""
    if type(key) is bool:
        return "true" if key else "false"
    if type(key) is float and key.is_integer():
        return str(int(key))
    if type(key) is bytes:
        return _utf8(key)
    converted = _iso(key) if isinstance(key, (datetime.date, datetime.time)) else key
    return str(converted)


def _finite(value: Any) -> Any:
    value = float(value)
    return value if value - value == 0.0 else None  # NaN and infinities fail this


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _utf8(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _json_text(name: str) -> Callable[[Any], Any]:
    def decode(value: Any) -> Any:
        try:
            return decode_json(value)
        except ValueError as exc:
            raise _BadRow(f"{name} is not valid JSON: {exc}") from None

    return decode


# -- nested layout ----------------------------------------------------------------------------------


def _nested_rows(batches: Iterator[Any], schema: Any, source: str) -> Iterator[Record]:
    converters = [
        _json_text("events") if field.name == "events" and _is_text(field.type)
        else _converter(field.type, field.name == "events")
        for field in schema
    ]  # fmt: skip
    names = list(schema.names)
    row = 0
    for batch in batches:
        columns = [_values(batch.column(i), schema.field(i).type, source) for i in range(batch.num_columns)]
        for values in zip(*columns):
            row += 1
            built = {}
            try:
                for name, convert, value in zip(names, converters, values):
                    if value is not None and convert is not None:
                        value = convert(value)
                    if value is not None:
                        built[name] = value
            except _BadRow as exc:
                yield Record(source, row, b"", NOTHING, f"row {row}: {exc}")
                continue
            yield Record(source, row, encode_json(built), built)


# -- events layout ----------------------------------------------------------------------------------


class _Pointer:
    """A JSON pointer of --map/--set: where (event or batch) and the keys on the way."""

    def __init__(self, text: str, option: str, source: str) -> None:
        if not text.startswith("/"):
            raise InputError(f"{source}: {option}: {text!r} is not a JSON pointer (it starts with /)")
        parts = [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]
        self.text = text
        self.in_batch = parts[0] == "batch" and text.startswith("/batch/")
        self.parts = parts[1:] if self.in_batch else parts
        if self.in_batch and self.parts[0] == "events":
            raise InputError(f"{source}: {option}: {text!r}: the events layout builds /batch/events itself")

    def put(self, target: dict, value: Any, only_if_absent: bool = False) -> None:
        """Set the value, creating missing objects; raise _BadRow through a value that is not one."""
        parts = self.parts
        for depth, part in enumerate(parts[:-1]):
            nested = target.get(part)
            if nested is None:
                nested = target[part] = {}
            elif type(nested) is not dict:
                where = "/" + "/".join(parts[: depth + 1])
                raise _BadRow(f"cannot put a value at {self.text}: {where} is not an object")
            target = nested
        if not only_if_absent or parts[-1] not in target:
            target[parts[-1]] = value


class _EventRows:
    """The events layout: rows -> events -> batches, with mappings and settings."""

    def __init__(self, schema: Any, options: ParquetOptions, source: str) -> None:
        names = list(schema.names)
        self.source = source
        self.types = list(schema.types)
        listing = ", ".join(names)
        for column, option in [(c, f"--map {c}={p}") for c, p in options.mappings] + [
            (options.batch_key, "--batch-key")
        ]:
            if column is not None and column not in names:
                raise InputError(f"{source}: {option}: no column {column!r} (columns: {listing})")
        mapped = {column for column, _ in options.mappings}
        if "events" in names and "events" not in mapped:
            raise InputError(f"{source}: the events layout builds `events` itself; map or drop that column")
        self.key_index = names.index(options.batch_key) if options.batch_key is not None else None
        self.event_maps: list = []  # (column index, converter, pointer), into the event
        self.batch_maps: list = []  # the same, into the batch
        for column, text in options.mappings:
            pointer = _Pointer(text, f"--map {column}={text}", source)
            index = names.index(column)
            entry = (index, _converter(schema.field(index).type), pointer)
            (self.batch_maps if pointer.in_batch else self.event_maps).append(entry)
        self.event_sets: list = []  # (pointer, constant), into the event
        self.batch_sets: list = []
        for text, value in options.settings:
            pointer = _Pointer(text, f"--set {text}", source)
            (self.batch_sets if pointer.in_batch else self.event_sets).append((pointer, value))
        self.type_index: Optional[int] = None
        self.data_index: Optional[int] = None
        self.type_convert: Convert = None
        self.data_convert: Convert = None
        self.fields: list = []  # (name, column index, converter) of batch-level columns
        for index, field in enumerate(schema):
            name = field.name
            if name in mapped:
                continue
            if name == "event_type":
                self.type_index, self.type_convert = index, _converter(field.type)
            elif name == "data":
                self.data_index = index
                self.data_convert = _json_text("data") if _is_text(field.type) else _converter(field.type)
            elif name != options.batch_key or name in BATCH_FIELDS:
                self.fields.append((name, index, _converter(field.type)))

    def records(self, batches: Iterator[Any]) -> Iterator[Record]:
        """One Record per batch of rows (see the module docstring)."""
        source, key_index = self.source, self.key_index
        row = 0
        first_row = 0
        batch_fields: dict = {}
        events: list = []
        error: Optional[str] = None
        key: Any = None
        for record_batch in batches:
            columns = [
                _values(record_batch.column(i), self.types[i], source)
                for i in range(record_batch.num_columns)
            ]
            for values in zip(*columns):
                row += 1
                new_key = values[key_index] if key_index is not None else None
                if not (first_row and new_key is not None and new_key == key):
                    if first_row:
                        yield self._record(first_row, batch_fields, events, error)
                    first_row, key, events, error = row, new_key, [], None
                    try:
                        batch_fields = self._batch_fields(values)
                    except _BadRow as exc:
                        error = f"row {row}: {exc}"
                if error is None:
                    try:
                        events.append(self._event(values))
                    except _BadRow as exc:
                        error = f"row {row}: {exc}"
        if first_row:
            yield self._record(first_row, batch_fields, events, error)

    def _record(self, line: int, batch_fields: dict, events: list, error: Optional[str]) -> Record:
        if error is not None:
            return Record(self.source, line, b"", NOTHING, error)
        batch = {**batch_fields, "events": events}
        return Record(self.source, line, encode_json(batch), batch)

    def _batch_fields(self, values: tuple) -> dict:
        fields: dict = {}
        for name, index, convert in self.fields:
            value = values[index]
            if value is not None and convert is not None:
                value = convert(value)
            if value is not None:
                fields[name] = value
        _place(fields, values, self.batch_maps, self.batch_sets)
        return fields

    def _event(self, values: tuple) -> dict:
        event: dict = {}
        for name, index, convert in (
            ("event_type", self.type_index, self.type_convert),
            ("data", self.data_index, self.data_convert),
        ):
            value = values[index] if index is not None else None
            if value is not None and convert is not None:
                value = convert(value)
            if value is not None:
                event[name] = value
        _place(event, values, self.event_maps, self.event_sets)
        if "event_type" in event and next(iter(event)) != "event_type":  # a constant event_type
            event = {"event_type": event.pop("event_type"), **event}
        return event


def _place(target: dict, values: tuple, maps: list, sets: list) -> None:
    for index, convert, pointer in maps:
        value = values[index]
        if value is not None and convert is not None:
            value = convert(value)
        if value is not None:
            pointer.put(target, value)
    for pointer, constant in sets:
        # a fresh copy per event: later pointers may add keys inside an object constant
        value = copy.deepcopy(constant) if isinstance(constant, (dict, list)) else constant
        pointer.put(target, value, only_if_absent=True)
