"""Plan version document -> CompiledPlan: the match-key index and one compiled schema per live data point.

Mirrors the reference's DataPlanEventValidator constructor (points in array order, last duplicate
wins, points without match or validator skipped, non-JSON-schema validators accept everything),
but compiles every schema once, up front. Problems the reference would only hit when a batch
arrives fail those batches, as the reference does (or refuse the plan with a PlanError, strictly).
"""

from __future__ import annotations

from typing import Any, Optional

from .errors import BatchFailure, PlanError, PlanProblem
from .jsout import dumps
from .jsvalue import js_string, truthy, utf16_length
from .matching import DEAD_KEY, MissingCriteria, point_match_key
from .schema.compiler import compile_schema
from .schema.jsregex import MATCH_TIMEOUT
from .schema.nodes import Node

COMPAT_MODES = (None, "1.0.3", "1.0.4")
UA_KEY = "user_attributes"
NEVER_LOOKED_UP = frozenset({DEAD_KEY, "user_identities"})


class DataPoint:
    """A live data point: its match as written (echoed in results) and its compiled schema."""

    __slots__ = ("index", "match", "match_json", "key", "node", "fast", "native", "schema")

    def __init__(self, index: int, match: Any, key: str, schema: Any) -> None:
        self.index = index
        self.match = match
        self.match_json = dumps(match)
        self.key = key
        self.schema = schema
        self.node: Optional[Node] = None
        self.fast: Any = None  # kernel's boolean check; None means "always run the exact collector"
        self.native: Any = None  # kernel's own exact-error walker; None means the Python collector


class CompiledPlan:
    """Everything needed to validate batches against one plan version; immutable once built."""

    __slots__ = (
        "lookup",
        "ua_point",
        "ua_mode",
        "compat",
        "lenient",
        "plan_id",
        "version",
        "warnings",
        "source",
        "problems",
        "failure",
        "front",
    )

    def __init__(self) -> None:
        self.lookup: dict = {}
        self.ua_point: Optional[DataPoint] = None
        self.ua_mode = "skip"  # "skip" | "invalid" (the 'Invalid JSON Schema' result) | "validate"
        self.compat: Optional[str] = None
        self.lenient = False
        self.plan_id: Any = None
        self.version: Any = None
        self.warnings: list = []
        self.source = ""
        self.problems: list = []  # PlanProblems: what ajv or the reference's constructor refuses
        self.failure: Optional[str] = None  # set when the reference fails every batch
        self.front: Any = None  # the compiled kernel's native front end (validates lines on a JSON DOM)

    def fail(self, problem: PlanProblem, thrown: Optional[str] = None) -> None:
        """Record a problem on which the reference's constructor throws: every batch fails.

        thrown: the reference's own text for it (default: the problem's message), which every
        batch's error line then carries, byte for byte.
        """
        self.problems.append(problem)
        if self.failure is None:
            self.failure = problem.message if thrown is None else thrown


def describe_point(index: int, point: Any) -> str:
    """'data point 3 (custom_event "Add to Cart")', for messages."""
    match = point.get("match") if type(point) is dict else None
    if type(match) is not dict:
        return f"data point {index}"
    criteria = match.get("criteria")
    name = None
    if type(criteria) is dict:
        for field in ("event_name", "screen_name", "action", "application_transition_type"):
            if field in criteria:
                name = criteria[field]
                break
    label = str(match.get("type"))
    if name is not None:
        label += f" {dumps(name)}"
    return f"data point {index} ({label})"


def compile_document(
    document: Any,
    *,
    pointer: str = "",
    compat: Optional[str] = None,
    lenient: bool = False,
    source: str = "",
    strict: bool = False,
    regex_timeout: float = MATCH_TIMEOUT,
) -> CompiledPlan:
    """Compile a version document `{"data_points": [...]}` the way the reference would use it.

    What the reference only trips on at validation time does not stop compilation: a problem its
    constructor throws on (no data points, a null point, a criteria type without criteria) fails
    every batch (`plan.failure`); a schema ajv refuses fails the batches whose events reach that
    point (its node's `failure`). Every such problem is listed in `plan.problems`.
    strict: raise PlanError listing every problem instead.
    regex_timeout: CPU seconds a pattern or format not proven linear may run on one value.
    """
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat must be one of {COMPAT_MODES[1:]} or None, not {compat!r}")
    plan = CompiledPlan()
    plan.compat, plan.lenient, plan.source = compat, lenient, source
    _compile_points(plan, document, pointer, regex_timeout)
    if strict and plan.problems:
        raise PlanError(plan.problems, source)
    return plan


def _compile_points(plan: CompiledPlan, document: Any, pointer: str, regex_timeout: float) -> None:
    if not truthy(document):
        plan.fail(PlanProblem(pointer, "Data Plan Document is required"))
        return
    data_points = document.get("data_points") if type(document) is dict else None
    if not truthy(data_points):
        plan.fail(PlanProblem(pointer + "/data_points", "Data Plan Document must have data points"))
        return
    if type(data_points) is not list:
        # The constructor runs `if (data_points.length > 0) data_points.forEach(...)`: a truthy
        # non-array holds no points unless its `length` is positive, and then forEach throws.
        if _js_positive(data_points.get("length") if type(data_points) is dict else _js_length(data_points)):
            plan.fail(
                PlanProblem(
                    pointer + "/data_points", "dataPlanDocument.data_points.forEach is not a function"
                )
            )
            return
        data_points = []

    points: dict = {}
    for index, point in enumerate(data_points):
        where = f"{pointer}/data_points/{index}"
        if point is None:
            label = f"data point {index}"
            plan.fail(PlanProblem(where, "Cannot read properties of null (reading 'match')", label))
            continue
        match = point.get("match") if type(point) is dict else None
        validator = point.get("validator") if type(point) is dict else None
        if not truthy(match) or not truthy(validator):
            plan.warnings.append(
                (where, "Data Plan Point is not valid (no match or no validator): its events are unplanned")
            )
            continue
        try:
            key = point_match_key(match)  # type: ignore[arg-type]  # truthy() above
        except BatchFailure as exc:  # a criteria value String() cannot convert: the constructor throws
            plan.fail(PlanProblem(where + "/match/criteria", str(exc), describe_point(index, point)))
            continue
        except MissingCriteria as exc:
            plan.fail(
                PlanProblem(
                    where + "/match/criteria", f"a {exc} match needs criteria", describe_point(index, point)
                ),
                exc.thrown,
            )
            continue
        if key in points:
            plan.warnings.append(
                (where, f"Duplicate match key {key!r}: this point replaces data point {points[key].index}")
            )
        schema: Any = {}
        if (
            type(validator) is dict
            and validator.get("type") == "json_schema"
            and truthy(validator.get("definition"))
        ):
            schema = validator["definition"]
        else:
            plan.warnings.append(
                (where + "/validator", "Non-JSON-Schema validator: every event it matches is valid")
            )
        points[key] = DataPoint(index, match, key, schema)

    for key, point in points.items():
        if key in NEVER_LOOKED_UP:
            continue
        if key == UA_KEY and not _has_own_keys(point.schema):
            continue  # the reference reports 'Invalid JSON Schema' without compiling it
        where = f"{pointer}/data_points/{point.index}/validator/definition"
        node, schema_problems, thrown = compile_schema(point.schema, where, regex_timeout=regex_timeout)
        label = describe_point(point.index, data_points[point.index])
        if schema_problems:
            # One problem per point (ajv throws once, with every meta-schema complaint in one text).
            first_pointer = schema_problems[0][0]
            message = "; ".join(dict.fromkeys(message for _, message in schema_problems))
            problem = PlanProblem(first_pointer, message, label)
            plan.problems.append(problem)
            node = Node(where)
            node.failure = thrown  # what ajv throws: the reference's error line, byte for byte
        point.node = node

    plan.lookup = {k: p for k, p in points.items() if k not in NEVER_LOOKED_UP and k != UA_KEY}
    ua_point = points.get(UA_KEY)
    if ua_point is None:
        plan.ua_mode = "invalid" if plan.compat == "1.0.3" else "skip"
    elif ua_point.node is None:
        plan.ua_mode = "invalid"
    else:
        plan.ua_mode, plan.ua_point = "validate", ua_point


def _js_length(value: Any) -> Any:
    """`value.length` for a JSON value that is not an object: UTF-16 units of a string, else undefined."""
    return utf16_length(value) if type(value) is str else None


def _js_positive(value: Any) -> bool:
    """JavaScript's `value > 0` for a JSON value (None standing for undefined and null alike)."""
    t = type(value)
    if t is bool:
        return value
    if t is int or t is float:
        return value > 0
    if t is str or t is list:
        text = (value if t is str else js_string(value)).strip()
        try:
            return float(text) > 0 if text else False
        except ValueError:
            return False  # NaN
    return False


def _has_own_keys(schema: Any) -> bool:
    # Object.keys(schema).length: strings and arrays have index keys, booleans and numbers none.
    t = type(schema)
    return (t is dict or t is list or t is str) and len(schema) > 0
