"""The Warehouse Sync pipeline object (as the API returns it) and its lint.

What is checked, field by field (the Warehouse Sync API reference; v2 fields where it is silent):

- `pipeline_type`: user_attributes | events (absent: user_attributes, a warning, as the early-access
  API's pipelines carry none and synced user profiles only);
- `environment`: development | production, required;
- `field_transformation_id`: present (a non-empty string) exactly for events pipelines;
- `data_plan_id` (string) and `data_plan_version` (positive integer) optional, the version only with
  a plan id; with plans given, the plan and version must be found, and the version activated for
  the pipeline's environment (warnings: validation then routes elsewhere, or to nothing);
- `sync_mode`: an object with `type` incremental | full; incremental needs `iterator_field` (the
  load-timestamp column, skipped in user_attributes rows) and `iterator_data_type` (one of
  ITERATOR_TYPES);
- `schedule`: an object with `type` interval | once | on_demand; interval needs `frequency` (hourly |
  daily | weekly | monthly); `start` and `end` are ISO 8601 timestamps, end after start. The
  early-access `schedule_interval` (plus `schedule_start_time`/`schedule_end_time`) is accepted instead.

Extract checks (`--columns`): at most 100 columns (the data model limit), every mapped source column
present, columns no mapping names listed (warning: they are not sent), the iterator field present.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, Iterable, Optional

import orjson

from ..lint import FileReport, Finding, pointer_lines
from ..plan import route
from .transform import IDENTITY_COLUMNS, Problem, RowMapper, read_mappings

PIPELINE_TYPES = ("user_attributes", "events")
ENVIRONMENTS = ("development", "production")
SYNC_TYPES = ("incremental", "full")
ITERATOR_TYPES = (
    "timestamp_ltz",
    "timestamp_ntz",
    "timestamp_tz",
    "timestamp",
    "datetime",
    "date",
    "timestamp_unixtime_ms",
    "timestamp_unixtime_s",
)
SCHEDULE_TYPES = ("interval", "once", "on_demand")
FREQUENCIES = ("hourly", "daily", "weekly", "monthly")
LEGACY_INTERVALS = ("hourly", "daily", "weekly", "monthly", "on_demand", "once")
MAX_COLUMNS = 100

CODES = {
    "unreadable": ("error", "The file cannot be read."),
    "not-json": ("error", "The file is not JSON."),
    "not-a-pipeline": ("error", "JSON that is not a pipeline object."),
    "pipeline-field": ("error", "A pipeline field is missing, of the wrong type or not an accepted value."),
    "pipeline-schedule": (
        "error",
        "sync_mode or schedule missing, of the wrong type or not an accepted value.",
    ),
    "field-transformation-id": (
        "error",
        "field_transformation_id present for a user_attributes pipeline, or missing for an events pipeline.",
    ),
    "data-plan": (
        "warning",
        "The pipeline's data plan or version is not among the plans given, or not "
        "activated for its environment.",
    ),
    "not-a-field-transformation": ("error", "JSON that is not a field transformation object."),
    "mapping-field": ("error", "A mapping is malformed (type, required field, value)."),
    "unknown-destination": ("error", "A mapping's destination is not an accepted name."),
    "duplicate-mapping": ("error", "One destination set twice, or one column both mapped and ignored."),
    "no-event-type": ("error", "No mapping sets event_type."),
    "too-many-columns": ("error", "The extract has more than 100 columns (the data model limit)."),
    "duplicate-column": (
        "error",
        "The extract's header repeats a column name (a warning when two columns become one identity).",
    ),
    "missing-column": ("error", "A mapped source column (or the iterator field) is not in the extract."),
    "unmapped-column": ("warning", "An extract column no mapping names: it is not sent."),
}


class WarehouseError(Exception):
    """A pipeline or field transformation that cannot drive validation; the message names the file."""


def read_json(path: str) -> Any:
    """The JSON value of a file; raises WarehouseError naming the file when unreadable or not JSON."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WarehouseError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise WarehouseError(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})") from None


def pipeline_problems(pipeline: Any, has_transformation: Optional[bool] = None) -> list:
    """Problems of a pipeline object (see the module docstring), without plan lookups.

    has_transformation: whether a field transformation file was given (None: not known).
    """
    if type(pipeline) is not dict:
        return [Problem("error", "not-a-pipeline", "a pipeline is a JSON object", "")]
    problems: list = []

    def bad(code: str, message: str, pointer: str, level: str = "error") -> None:
        problems.append(Problem(level, code, message, pointer))

    kind = pipeline.get("pipeline_type")
    if "pipeline_type" not in pipeline:
        bad(
            "pipeline-field",
            "no pipeline_type: read as user_attributes (the early-access default)",
            "",
            "warning",
        )
        kind = "user_attributes"
    elif kind not in PIPELINE_TYPES:
        bad(
            "pipeline-field",
            f"pipeline_type {_name(kind)} is not one of {', '.join(PIPELINE_TYPES)}",
            "/pipeline_type",
        )
    environment = pipeline.get("environment")
    if environment not in ENVIRONMENTS:
        what = "missing" if "environment" not in pipeline else _name(environment)
        bad(
            "pipeline-field",
            f"environment {what}: it is required, one of {', '.join(ENVIRONMENTS)}",
            "/environment" if "environment" in pipeline else "",
        )
    ft_id = pipeline.get("field_transformation_id")
    if kind == "events" and (type(ft_id) is not str or not ft_id):
        bad(
            "field-transformation-id",
            "an events pipeline needs field_transformation_id (a string)",
            "/field_transformation_id" if "field_transformation_id" in pipeline else "",
        )
    if kind == "user_attributes" and ft_id is not None:
        bad(
            "field-transformation-id",
            "field_transformation_id is set, but field transformations are not available for user data "
            "pipelines",
            "/field_transformation_id",
        )
    if kind == "user_attributes" and has_transformation:
        bad(
            "field-transformation-id",
            "a field transformation was given for a user_attributes pipeline: it does not apply",
            "",
        )
    plan_id = pipeline.get("data_plan_id")
    version = pipeline.get("data_plan_version")
    if plan_id is not None and (type(plan_id) is not str or not plan_id):
        bad("pipeline-field", "data_plan_id is not a non-empty string", "/data_plan_id")
    if version is not None and (type(version) is not int or version < 1):
        bad("pipeline-field", "data_plan_version is not a positive integer", "/data_plan_version")
    elif version is not None and plan_id is None:
        bad("pipeline-field", "data_plan_version without data_plan_id", "/data_plan_version")
    _sync_mode(pipeline, bad)
    _schedule(pipeline, bad)
    return problems


def _name(value: Any) -> str:
    """A value in a message: text quoted as 'this', anything else as JSON (null, 3, true)."""
    return repr(value) if type(value) is str else orjson.dumps(value).decode()


def _sync_mode(pipeline: dict, bad: Any) -> None:
    sync = pipeline.get("sync_mode")
    if sync is None:
        return
    if type(sync) is not dict:
        bad("pipeline-schedule", "sync_mode is not an object", "/sync_mode")
        return
    kind = sync.get("type")
    if kind not in SYNC_TYPES:
        bad(
            "pipeline-schedule",
            f"sync_mode.type {kind!r} is not one of {', '.join(SYNC_TYPES)}",
            "/sync_mode/type",
        )
    field = sync.get("iterator_field")
    if field is not None and (type(field) is not str or not field):
        bad("pipeline-schedule", "sync_mode.iterator_field is not a column name", "/sync_mode/iterator_field")
    data_type = sync.get("iterator_data_type")
    if kind == "incremental":
        if field is None:
            bad(
                "pipeline-schedule",
                "an incremental sync_mode needs iterator_field (the load-timestamp column)",
                "/sync_mode",
            )
        if data_type is None:
            bad("pipeline-schedule", "an incremental sync_mode needs iterator_data_type", "/sync_mode")
    if data_type is not None and data_type not in ITERATOR_TYPES:
        bad(
            "pipeline-schedule",
            f"sync_mode.iterator_data_type {data_type!r} is not one of {', '.join(ITERATOR_TYPES)}",
            "/sync_mode/iterator_data_type",
        )


def _schedule(pipeline: dict, bad: Any) -> None:
    schedule = pipeline.get("schedule")
    if schedule is None:
        interval = pipeline.get("schedule_interval")
        if interval is None:
            bad("pipeline-schedule", "no schedule (nor the early-access schedule_interval)", "")
        elif interval not in LEGACY_INTERVALS:
            bad(
                "pipeline-schedule",
                f"schedule_interval {interval!r} is not one of {', '.join(LEGACY_INTERVALS)}",
                "/schedule_interval",
            )
        _times(pipeline, "schedule_start_time", "schedule_end_time", "", bad)
        return
    if type(schedule) is not dict:
        bad("pipeline-schedule", "schedule is not an object", "/schedule")
        return
    kind = schedule.get("type")
    if kind not in SCHEDULE_TYPES:
        bad(
            "pipeline-schedule",
            f"schedule.type {kind!r} is not one of {', '.join(SCHEDULE_TYPES)}",
            "/schedule/type" if "type" in schedule else "/schedule",
        )
    frequency = schedule.get("frequency")
    if kind == "interval" and frequency not in FREQUENCIES:
        what = "missing" if frequency is None else repr(frequency)
        bad(
            "pipeline-schedule",
            f"schedule.frequency {what}: an interval schedule needs one of {', '.join(FREQUENCIES)}",
            "/schedule/frequency" if "frequency" in schedule else "/schedule",
        )
    _times(schedule, "start", "end", "/schedule", bad)


def _times(obj: dict, start_key: str, end_key: str, base: str, bad: Any) -> None:
    moments = {}
    for key in (start_key, end_key):
        value = obj.get(key)
        if value is None:
            continue
        moment = _timestamp(value)
        if moment is None:
            bad("pipeline-schedule", f"{key} {value!r} is not an ISO 8601 timestamp", f"{base}/{key}")
        else:
            moments[key] = moment
    if len(moments) == 2 and moments[end_key] <= moments[start_key]:
        bad("pipeline-schedule", f"{end_key} is not after {start_key}", f"{base}/{end_key}")


def _timestamp(value: Any) -> Optional[datetime.datetime]:
    if type(value) is not str:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


def plan_problems(pipeline: Any, versions: list) -> list:
    """Warnings when the pipeline's data plan (and version) is not found among `versions`, or the
    version is not activated for the pipeline's environment."""
    if type(pipeline) is not dict or type(pipeline.get("data_plan_id")) is not str:
        return []
    plan_id = pipeline["data_plan_id"]
    version = pipeline.get("data_plan_version")
    environment = pipeline.get("environment")
    mine = [v for v in versions if v.plan_id == plan_id]
    if not mine:
        known = sorted({str(v.plan_id) for v in versions})
        return [
            Problem(
                "warning",
                "data-plan",
                f"data plan {plan_id!r} is not among the plans given ({', '.join(known) or 'none'})",
                "/data_plan_id",
            )
        ]
    if type(version) is int:
        found = route(mine, plan_id, version, environment)
        if found is None:
            have = ", ".join(str(v.version) for v in mine)
            return [
                Problem(
                    "warning",
                    "data-plan",
                    f"data plan {plan_id!r} has no version {version} (versions given: {have})",
                    "/data_plan_version",
                )
            ]
    else:
        found = route(mine, plan_id, None, environment)
    if found is not None and environment in ENVIRONMENTS and environment not in found.environments:
        where = f"version {found.version}" + (
            "" if type(version) is int else " (the latest, as routing picks)"
        )
        return [
            Problem(
                "warning",
                "data-plan",
                f"data plan {plan_id!r} {where} is not activated for {environment}",
                "/data_plan_version" if type(version) is int else "/data_plan_id",
            )
        ]
    return []


def column_problems(columns: list, pipeline: Any, mappings: list, exact: bool = True) -> list:
    """Problems of an extract's columns against the pipeline (and the events pipeline's mappings).

    exact: the columns are the extract's own (CSV header, Parquet schema); False when they were seen in
    NDJSON rows, where a column that never shows may be NULL throughout, so its absence is a warning.
    """
    missing_level = "error" if exact else "warning"
    seen = "" if exact else " (not in the rows read: NULL throughout?)"
    problems: list = []
    if len(columns) > MAX_COLUMNS:
        problems.append(
            Problem(
                "error",
                "too-many-columns",
                f"{len(columns)} columns: a data model holds at most {MAX_COLUMNS}",
                "",
            )
        )
    kind = pipeline.get("pipeline_type", "user_attributes") if type(pipeline) is dict else None
    sync = pipeline.get("sync_mode") if type(pipeline) is dict else None
    iterator = sync.get("iterator_field") if type(sync) is dict else None
    lowered = {c.lower() for c in columns}
    if type(iterator) is str and iterator.lower() not in lowered:
        problems.append(
            Problem(
                missing_level,
                "missing-column",
                f"the iterator field {iterator!r} (sync_mode.iterator_field) is not a column{seen}",
                "",
            )
        )
    if kind != "events":
        return problems + _identity_clashes(columns)
    present = set(columns)
    named = set()
    for m in mappings:
        if m.source is None:
            continue
        named.add(m.source)
        if m.source not in present:
            problems.append(
                Problem(
                    missing_level,
                    "missing-column",
                    f"{m.label()}: no column {m.source!r} in the extract{seen}",
                    "",
                )
            )
    unmapped = [
        c for c in columns if c not in named and (type(iterator) is not str or c.lower() != iterator.lower())
    ]
    if unmapped:
        problems.append(
            Problem(
                "warning",
                "unmapped-column",
                f"{len(unmapped)} column(s) no mapping names, not sent: {', '.join(unmapped)}",
                "",
            )
        )
    return problems


def _identity_clashes(columns: list) -> list:
    """Warnings for user_attributes columns that land on one identity (customerid and customer_id, Email
    and EMAIL): each row sends only the last one's value."""
    by_target: dict = {}
    for column in columns:
        found = IDENTITY_COLUMNS.get(column.lower())
        if found is not None:
            by_target.setdefault(found, []).append(column)
    out = []
    for (where, key), names in by_target.items():
        if len(names) > 1:
            target = key if where == "batch" else f"{where}.{key}"
            message = f"columns {', '.join(names)} all become {target}: a row sends only the last one's value"
            out.append(Problem("warning", "duplicate-column", message, ""))
    return out


# -- loading for validation -------------------------------------------------------------------------


def load_mapper(
    pipeline: Any,
    field_transformation: Any = None,
    *,
    source: str = "pipeline",
    ft_source: str = "field transformation",
) -> RowMapper:
    """The RowMapper of a pipeline object (a dict or a path) and its field transformation (likewise).

    Raises WarehouseError, naming the file and every error, when the pipeline cannot drive
    validation: errors in its pipeline_type, environment, data plan fields or field_transformation_id,
    a missing field transformation for an events pipeline, or any error in the field transformation.
    """
    if isinstance(pipeline, (str, os.PathLike)):
        source = str(pipeline)
        pipeline = read_json(source)
    if isinstance(field_transformation, (str, os.PathLike)):
        ft_source = str(field_transformation)
        field_transformation = read_json(ft_source)
    errors = [p for p in pipeline_problems(pipeline, field_transformation is not None) if p.level == "error"]
    # sync_mode and schedule matter to lint only: validation runs on an extract already taken
    blocking = [p for p in errors if p.code != "pipeline-schedule"]
    if blocking:
        raise WarehouseError(f"{source}: " + "; ".join(p.message for p in blocking))
    kind = pipeline.get("pipeline_type", "user_attributes")
    sync = pipeline.get("sync_mode")
    iterator = sync.get("iterator_field") if type(sync) is dict else None
    common = {
        "environment": pipeline["environment"],
        "data_plan_id": pipeline.get("data_plan_id"),
        "data_plan_version": pipeline.get("data_plan_version"),
    }
    if kind == "user_attributes":
        return RowMapper(
            "user_attributes", iterator_field=iterator if type(iterator) is str else None, **common
        )
    if field_transformation is None:
        raise WarehouseError(
            f"{source}: an events pipeline needs its field transformation (--field-transformation FILE)"
        )
    mappings, problems = read_mappings(field_transformation)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise WarehouseError(f"{ft_source}: " + "; ".join(p.message for p in errors))
    return RowMapper("events", mappings=tuple(mappings), **common)


# -- lint ---------------------------------------------------------------------------------------------


def _report(source: str, problems: list, text: Optional[str] = None) -> FileReport:
    findings = [Finding(p.level, p.code, p.message, p.pointer, None, "") for p in problems]
    if text is not None and findings:
        lines = pointer_lines(text, {f.pointer for f in findings})
        findings = sorted((f._replace(line=lines[f.pointer]) for f in findings), key=lambda f: f.line)
    return FileReport(source, findings, True)


def _load(path: str, code_missing: str) -> tuple:
    """(value, text, unusable FileReport or None)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        message = f"cannot read: {exc.strerror or exc}"
        return None, None, FileReport(path, [Finding("error", "unreadable", message, "", None, "")], False)
    try:
        return orjson.loads(data), data.decode("utf-8", "replace"), None
    except orjson.JSONDecodeError as exc:
        finding = Finding("error", "not-json", f"not valid JSON: {exc.msg}", "", None, "", exc.lineno)
        return None, None, FileReport(path, [finding], False)


def lint_pipeline(
    pipeline_path: str,
    ft_path: Optional[str] = None,
    plan_versions: Optional[list] = None,
    columns: Optional[tuple] = None,
) -> list:
    """FileReports for a pipeline file, its field transformation file and an extract's columns.

    plan_versions: the PlanVersions given with --plan (None: plan lookups are skipped).
    columns: (extract source, header names or an InputError message, exact) (None: no extract); see
    column_problems for `exact`.
    """
    reports = []
    pipeline, text, unusable = _load(pipeline_path, "not-a-pipeline")
    if unusable is not None:
        reports.append(unusable)
    else:
        problems = pipeline_problems(pipeline, ft_path is not None)
        if plan_versions is not None:
            problems += plan_problems(pipeline, plan_versions)
        reports.append(_report(pipeline_path, problems, text))
    mappings: list = []
    if ft_path is not None:
        document, ft_text, unusable = _load(ft_path, "not-a-field-transformation")
        if unusable is not None:
            reports.append(unusable)
        else:
            mappings, problems = read_mappings(document)
            ft_id = pipeline.get("field_transformation_id") if type(pipeline) is dict else None
            own = document.get("id") if type(document) is dict else None
            if type(ft_id) is str and type(own) is str and own != ft_id:
                problems.append(
                    Problem(
                        "warning",
                        "field-transformation-id",
                        f"this field transformation is {own!r}, the pipeline names {ft_id!r}",
                        "/id",
                    )
                )
            reports.append(_report(ft_path, problems, ft_text))
    if columns is not None:
        source, header, exact = columns
        if type(header) is str:
            finding = Finding(
                "error", "duplicate-column" if "repeats" in header else "unreadable", header, "", None, "", 1
            )
            reports.append(FileReport(source, [finding], "repeats" in header))
        else:
            problems = column_problems(list(header), pipeline, mappings, exact)
            reports.append(
                FileReport(source, [Finding(p.level, p.code, p.message, "", None, "", 1) for p in problems])
            )
    return reports


def read_plan_versions(paths: Iterable[str]) -> list:
    """Every PlanVersion in plan files or directories (for lookups; raises PlanError as read_plans)."""
    from ..plan import read_plans

    versions: list = []
    for path in paths:
        versions.extend(read_plans(path))
    return versions
