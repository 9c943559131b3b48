"""Validate a Spark DataFrame of batches with `mapInArrow`: one results row per batch, computed on executors.

    from validator.spark import validate_dataframe, violation_summary
    lines = spark.read.text("s3://bucket/exports/")            # one column `value`: one batch per line
    results = validate_dataframe(lines, "plan.json", keep=["value"])

The plan is read and compiled once on the driver (so an unusable plan fails before any task starts),
then shipped by value inside the task closure: its pickle is the plan versions and options, never the
compiled code. Each Python worker process compiles it once and keeps it in a module-level cache keyed
by the pickle's digest, so later tasks on the same worker (Spark reuses Python workers) start at once.
Executors need this package installed (or shipped with `--py-files`/`spark.archives`), and pyarrow.

Rows become batches exactly as in validate_arrow (validator/arrow.py): layouts json (default: column
`value`, as `spark.read.text` gives), nested and events. The output has the `keep` columns, then
validate_arrow's columns (`row`, `valid`, one int count per validation_error_type, `error`,
`results`). `row` counts the rows of each partition, from 0; keep an id column (e.g.
`monotonically_increasing_id()`, or `_metadata.file_path`) to tie results to input rows. For the events
layout with a batch key, batches only form within a partition, so repartition and sort by the key
first (`df.repartition(key).sortWithinPartitions(key, order)`).

Requires the `spark` extra (pyspark >= 3.5, pyarrow, pandas < 3: pyspark's Arrow UDFs import pandas).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Iterator, Optional, Sequence

import pyarrow as pa

from .api import PlanValidator
from .arrow import ERROR_TYPES, result_batches, warehouse_options
from .readers import parquet as _parquet
from .readers.records import InputError, ParquetOptions
from .stream import as_validator

_CACHE_SIZE = 4
_cache: OrderedDict = OrderedDict()  # plan digest -> PlanValidator, per Python worker process
_cache_lock = threading.Lock()


def validate_dataframe(
    df: Any,
    plan: Any,
    *,
    json_column: Optional[str] = "value",
    layout: str = "json",
    batch_key: Optional[str] = None,
    mappings: Sequence[tuple[str, str]] = (),
    settings: Sequence[tuple[str, Any]] = (),
    keep: Sequence[str] = (),
    plan_options: Optional[dict] = None,
    pipeline: Any = None,
    field_transformation: Any = None,
) -> Any:
    """A DataFrame of validation results, one row per batch of `df`, computed lazily with mapInArrow.

    Takes the input DataFrame; the plan (a path or directory readable on the driver, plan JSON text,
    a decoded plan or a PlanValidator); the layout options of validate_arrow (json_column applies
    to the json layout, and to auto when `df` has that column); `keep`, input columns copied into the
    output; plan_options for load_plan (version, environment, compat, lenient_types, kernel); and a
    Warehouse Sync `pipeline` (object or path) with its `field_transformation` for events pipelines:
    then each row is a row of the data model's result, built into a batch as validate_arrow does.
    Returns the results DataFrame (`keep` columns, then row, valid, unplanned, missing_required,
    invalid_value, unknown, error, results).
    Raises PlanError for an unusable plan, InputError when the layout or columns do not fit.
    """
    validator = as_validator(plan, **(plan_options or {}))
    if layout in ("nested", "events") or (layout == "auto" and json_column not in df.columns):
        json_column = None
    options = ParquetOptions(layout, json_column, batch_key, tuple(mappings), tuple(settings))
    missing = [name for name in keep if name not in df.columns]
    if missing:
        raise InputError(f"keep: no column {missing[0]!r} (columns: {', '.join(df.columns)})")
    if pipeline is not None:  # Warehouse Sync rows: every column may be read
        options = warehouse_options(replace(options, json_column=None), pipeline, field_transformation)
        return df.mapInArrow(partition_function(validator, options, keep), results_struct(df.schema, keep))
    arrow_schema = _arrow_schema(df.schema)
    if arrow_schema is not None:  # check the layout here rather than fail in every task
        _parquet._layout(_parquet._plain_schema(arrow_schema), options, "<dataframe>")
    elif json_column is not None and json_column not in df.columns:
        raise InputError(f"no column {json_column!r} (columns: {', '.join(df.columns)})")
    if layout == "json" and json_column is not None:  # ship only what is read
        df = df.select(*[_column(name) for name in dict.fromkeys([*keep, json_column])])
    return df.mapInArrow(partition_function(validator, options, keep), results_struct(df.schema, keep))


def results_struct(schema: Any, keep: Sequence[str] = ()) -> Any:
    """The Spark schema of validate_dataframe's output: the `keep` fields of `schema`, then the results'."""
    from pyspark.sql import types as T

    return T.StructType(
        [schema[name] for name in keep]
        + [T.StructField("row", T.LongType(), False), T.StructField("valid", T.BooleanType(), False)]
        + [T.StructField(name, T.IntegerType(), False) for name in ERROR_TYPES]
        + [T.StructField("error", T.StringType(), True), T.StructField("results", T.StringType(), False)]
    )


def partition_function(
    validator: PlanValidator, options: ParquetOptions, keep: Sequence[str] = ()
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The mapInArrow function: record batches of one partition in, record batches of results out.

    Takes the validator (shipped as its pickle), the layout options and the columns to keep.
    Returns a picklable callable that finds or builds the validator in the worker's cache.
    """
    return _PartitionValidator(
        pickle.dumps(validator, protocol=pickle.HIGHEST_PROTOCOL), options, tuple(keep)
    )


class _PartitionValidator:
    """A plain class rather than a closure, so the standard pickle ships it as well as cloudpickle."""

    def __init__(self, payload: bytes, options: ParquetOptions, keep: tuple) -> None:
        self.payload = payload
        self.digest = hashlib.sha256(payload).hexdigest()
        self.options = options
        self.keep = keep

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        first = next(batches, None)
        if first is None:
            return
        validator = cached_validator(self.digest, self.payload)
        yield from result_batches(
            validator, first.schema, _chain(first, batches), self.options, keep=self.keep
        )


def cached_validator(digest: str, payload: bytes) -> PlanValidator:
    """This process's validator for a pickled plan, compiled on first use (a few plans kept)."""
    with _cache_lock:
        found = _cache.get(digest)
        if found is not None:
            _cache.move_to_end(digest)
            return found
    built = pickle.loads(payload)  # compiling can take a second: not under the lock
    with _cache_lock:
        _cache[digest] = built
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def _column(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")  # quoted: a dot in a name is not a field access


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _arrow_schema(schema: Any) -> Optional[pa.Schema]:
    """The Arrow schema Spark will send, or None when pyspark cannot tell (the tasks will check)."""
    try:
        from pyspark.sql.pandas.types import to_arrow_schema

        return to_arrow_schema(schema)
    except Exception:  # unsupported types vary across pyspark versions; the check is only early
        return None


def violation_summary(results: Any) -> Any:
    """Counts of validation errors per data point, error type, pointer and key, most frequent first.

    Takes a DataFrame from validate_dataframe. Returns a DataFrame with columns data_point (the
    result's `match` as JSON text; absent for events that cannot be planned), validation_error_type,
    error_pointer, key (JSON text when the key is not a string), violations (number of errors) and
    batches (number of batches having it).
    """
    from pyspark.sql import functions as F

    errors = "array<struct<validation_error_type: string, error_pointer: string, key: string>>"
    parsed = results.where(~F.col("valid") & F.col("error").isNull()).select(
        F.monotonically_increasing_id().alias("batch"),
        F.from_json(
            "results",
            f"struct<results: array<struct<data: struct<match: string, validation_errors: {errors}>>>>",
        ).alias("r"),
    )
    exploded = parsed.select("batch", F.explode("r.results").alias("result")).select(
        "batch",
        F.col("result.data.match").alias("data_point"),
        F.explode("result.data.validation_errors").alias("e"),
    )
    return (
        exploded.groupBy(
            "data_point",
            F.col("e.validation_error_type").alias("validation_error_type"),
            F.col("e.error_pointer").alias("error_pointer"),
            F.col("e.key").alias("key"),
        )
        .agg(F.count(F.lit(1)).alias("violations"), F.countDistinct("batch").alias("batches"))
        .orderBy(F.desc("violations"), "data_point", "validation_error_type", "error_pointer", "key")
    )
