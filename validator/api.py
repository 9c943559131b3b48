"""The Python API: load plans once, validate many batches, events or NDJSON lines.

A PlanValidator is immutable after construction, so one instance can be shared by threads; it
pickles as its plan sources and options and recompiles on unpickling (for worker processes).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional, TypeVar

from . import _kernel
from .compile import CompiledPlan, compile_document
from .deep import call_deep
from .errors import BatchFailure, DeepBatch, PlanError, PlanProblem
from .jsvalue import truthy
from .lineparse import decode_json, parse_line
from .plan import PlanVersion, read_plans, route, routing_id, select_versions
from .readers.records import NOTHING
from .results import RECURSION_MESSAGE, VALID_RESULT, check_stack, error_line
from .schema.jsregex import time_limit

T = TypeVar("T")

# The reference's rejection (DataPlanService) for a version whose version_document is falsy.
NO_VERSION_DOCUMENT = "Data Plan Version does not contain a valid Version Document"
# Top-level keys of a plan document, version, full plan or web SDK plan: no batch has them.
_PLAN_KEYS = frozenset(("data_points", "version_document", "data_plan_versions", "dtpn"))


class PlanValidator:
    """Plan versions, compiled when first used, plus the routing rule that picks one for each batch."""

    def __init__(
        self,
        versions: list,
        *,
        compat: Optional[str] = None,
        lenient_types: bool = False,
        kernel: Optional[str] = None,
        strict_plan: bool = False,
        on_problem: Optional[Callable[[PlanVersion, PlanProblem], None]] = None,
        regex_timeout: Optional[float] = None,
    ) -> None:
        self._options = {
            "compat": compat,
            "lenient_types": lenient_types,
            "kernel": kernel,
            "strict_plan": strict_plan,
            "regex_timeout": time_limit(regex_timeout),
        }
        self._kernel = _kernel.load(kernel)
        self.backend: str = self._kernel.NAME
        self.versions: list = list(versions)
        if not self.versions:
            raise PlanError("no plan version to validate against")
        self._on_problem = on_problem
        self._compiled: dict = {}  # id(PlanVersion) -> CompiledPlan
        self._lock = threading.Lock()
        # A version is compiled when a batch is first routed to it (so a version nobody selects
        # never is), except the default route of each plan, compiled now so that its problems are
        # reported up front; strictly, every version is compiled now and any problem refuses the plan.
        if strict_plan:
            problems: list = []
            for version in self.versions:
                try:
                    self._compile(version)
                except PlanError as exc:
                    problems.extend(exc.problems)
            if problems:
                sources = sorted({v.source for v in self.versions})
                raise PlanError(problems, sources[0] if len(sources) == 1 else "")
        else:
            for plan_id in dict.fromkeys(v.plan_id for v in self.versions):
                default = route(self.versions, plan_id, None, None)
                if default is not None:
                    self._compile(default)
        self._single: Optional[CompiledPlan] = None
        if len(self.versions) == 1:
            only = self._compile(self.versions[0])
            self._single = only if only.failure is None else None
        plan_ids = {v.plan_id for v in self.versions}
        self._only_plan_id = next(iter(plan_ids)) if len(plan_ids) == 1 else None
        self._routable = len(plan_ids) == 1 or None not in plan_ids
        # The compiled kernel's native front end: the single version's, or one that routes each line
        # (read in C) to its version's front end. None: lines are parsed into Python objects first.
        self._front: Any = None
        if self._single is not None:
            self._front = self._single.front
        elif len(self.versions) > 1 and hasattr(self._kernel, "routed_front"):
            self._front = self._kernel.routed_front(self._front_for, self._whole_line)

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.versions, self._options))

    @property
    def plans(self) -> list:
        """The versions compiled so far, in the order of `versions`."""
        return [self._compiled[id(v)] for v in self.versions if id(v) in self._compiled]

    def compiled(self, version: PlanVersion) -> CompiledPlan:
        """The compiled form of one of `versions` (compiling it now if needed)."""
        return self._compiled.get(id(version)) or self._compile(version)

    def _compile(self, version: PlanVersion) -> CompiledPlan:
        with self._lock:
            found = self._compiled.get(id(version))
            if found is not None:
                return found
            try:
                plan = self._build(version)
            except RecursionError:  # a schema nested hundreds of levels deep
                plan = call_deep(self._build, version)
            if self._on_problem is not None:
                for problem in plan.problems:
                    self._on_problem(version, problem)
            self._compiled[id(version)] = plan
            return plan

    def _build(self, version: PlanVersion) -> CompiledPlan:
        strict = bool(self._options["strict_plan"])
        if truthy(version.document):
            plan = compile_document(
                version.document,
                pointer=version.pointer,
                compat=self._options["compat"],  # type: ignore[arg-type]
                lenient=bool(self._options["lenient_types"]),
                source=version.source,
                strict=strict,
                regex_timeout=self._options["regex_timeout"],  # type: ignore[arg-type]
            )
        else:
            plan = CompiledPlan()
            plan.source = version.source
            plan.fail(PlanProblem(version.pointer, NO_VERSION_DOCUMENT))
            if strict:
                raise PlanError(plan.problems, version.source)
        plan.plan_id, plan.version = version.plan_id, version.version
        self._kernel.prepare(plan)
        return plan

    # -- routing -----------------------------------------------------------------------------------

    def plan_for(self, batch: Any) -> CompiledPlan:
        """The compiled plan version for `batch`; BatchFailure when none fits or it fails every batch."""
        if self._single is not None:
            return self._single
        plan = self.compiled(self.version_for(batch))
        if plan.failure is not None:
            raise BatchFailure(plan.failure)
        return plan

    def version_for(self, batch: Any) -> PlanVersion:
        """The plan version `batch` is routed to; raises BatchFailure when none fits."""
        if len(self.versions) == 1:
            return self.versions[0]
        context = batch.get("context") if type(batch) is dict else None
        data_plan = context.get("data_plan") if type(context) is dict else None
        plan_id = routing_id(data_plan.get("plan_id")) if type(data_plan) is dict else None
        version = data_plan.get("plan_version") if type(data_plan) is dict else None
        environment = batch.get("environment") if type(batch) is dict else None
        if plan_id is None:
            if (
                not self._routable
                or self._only_plan_id is None
                and len({v.plan_id for v in self.versions}) > 1
            ):
                raise BatchFailure(
                    "several plans are loaded and the batch names none (context.data_plan.plan_id)"
                )
            plan_id = self._only_plan_id
        found: Optional[PlanVersion] = route(self.versions, plan_id, version, environment)
        if found is None:
            wanted = f"plan {plan_id!r}" + (f" version {version}" if version is not None else "")
            raise BatchFailure(f"no loaded plan matches the batch's context.data_plan ({wanted})")
        return found

    # -- validation --------------------------------------------------------------------------------

    # The exact path hops to a fresh thread as values and $refs nest deeper (schema/collect.py), so a
    # RecursionError is a last resort: the batch gets the kernels' stack-overflow error line.

    def validate_line(self, line: bytes) -> bytes:
        """One NDJSON batch line in, one result line out, without newline (`{"error":...}` on failure)."""
        try:
            return self._validate_line(line)
        except RecursionError:
            return _deeply(self._validate_line, _error_line, line)

    def _validate_line(self, line: bytes) -> bytes:
        if self._single is not None:
            return self._kernel.validate_line(self._single, line)
        if self._front is not None:
            return self._front.validate_line(line)
        return self._validate_objects(line)

    def _front_for(self, fields: dict) -> Any:
        """The native front end of the version a batch routes to (fields: its routing members)."""
        return self.plan_for(fields).front

    def _whole_line(self, _plan: Any, line: bytes) -> bytes:
        return self._validate_objects(line)

    def _validate_objects(self, line: bytes) -> bytes:
        try:
            batch, plan = self._parse(line)
            return self._kernel.results_line(plan, batch)
        except BatchFailure as exc:
            return _error_line(exc)

    def _parse(self, line: bytes) -> tuple:
        """(batch, its plan) for one JSON text; BatchFailure if it cannot be validated."""
        try:
            batch = parse_line(line)
        except DeepBatch as deep:
            plan = self.plan_for(deep.value)
            return check_stack(plan, deep.value), plan
        return batch, self.plan_for(batch)

    def check_line(self, line: bytes, batch: Any = NOTHING, any_json: bool = False) -> tuple:
        """For file scanning: (result line, number of events), where a line must hold a batch object.

        Unlike validate_line (which answers like the reference for any JSON), a line holding an
        array, a scalar or a data plan is an error line here, unless `any_json` (then it gets the
        reference's answer); the event count is -1 when the batch is unreadable.
        """
        try:
            return self._check_line(line, batch, True, any_json)
        except RecursionError:
            return _deeply(self._check_line, lambda exc: (_error_line(exc), -1), line, batch)

    def check_lines(
        self,
        lines: Any,
        blank: Optional[Callable[[bytes], bool]] = None,
        every: bool = False,
        rows: bool = False,
        any_json: bool = False,
    ) -> tuple:
        """check_line for a reader's block of lines: (results, valid, events, others).

        lines: a list of NDJSON lines as a reader cuts them (no b"\\n"), or the bytes of whole lines
        joined by b"\\n". A b"\\r" at the end of a line is dropped; a line that is then empty, ASCII
        white space or `blank(line)` (when given) is skipped. results: the result line of every other line, in
        order; valid: how many are the valid result; events: the sum of their event counts
        (unreadable batches count none); others: (ordinal in results, index of the line, result,
        events, the line) for each result that is not the valid one, or for every result when
        `every`. With the native front end the lines are split and checked in C, and only lines it
        cannot answer become Python objects. rows: `lines` is a list of values (a Parquet column's
        rows), each answered as it is (nothing dropped or skipped). any_json: as for check_line.
        """
        if self._front is not None:
            fallback = self._check_any_json if any_json else self._check_objects
            return self._front.check_lines(lines, fallback, blank, every, rows)
        if type(lines) is bytes:
            lines = lines.split(b"\n")
        results: list = []
        others: list = []
        valid = total = 0
        for index, line in enumerate(lines):
            if not rows:
                if line[-1:] == b"\r":
                    line = line[:-1]
                if not line or line.isspace() or (blank is not None and blank(line)):
                    continue
            result, events = self.check_line(line, NOTHING, any_json)
            good = result == VALID_RESULT
            valid += good
            if events > 0:
                total += events
            if every or not good:
                others.append((len(results), index, result, events, line))
            results.append(result)
        return results, valid, total, others

    def _check_objects(self, line: bytes, any_json: bool = False) -> tuple:
        """check_line through Python objects only (the native front end's answer for lines it leaves)."""
        try:
            return self._check_line(line, NOTHING, False, any_json)
        except RecursionError:
            return _deeply(self._check_line, lambda exc: (_error_line(exc), -1), line, NOTHING)

    def _check_any_json(self, line: bytes) -> tuple:
        return self._check_objects(line, True)

    def _check_line(self, line: bytes, batch: Any, native: bool = True, any_json: bool = False) -> tuple:
        front = self._front if native and batch is NOTHING else None
        found = front.check_line(line) if front is not None else None  # None: not a line for it
        if found is not None:
            return found
        try:
            deep = False
            if batch is NOTHING:
                try:
                    batch = parse_line(line)
                except DeepBatch as too_deep:
                    batch, deep = too_deep.value, True
            if type(batch) is not dict:
                if any_json:  # the reference validates any JSON value as a batch (without events)
                    result = self._validate_batch_bytes(batch)
                    return result, -1 if result.startswith(b'{"error":') else 0
                kind = "an array" if type(batch) is list else "not an object"
                raise BatchFailure(f"the line is JSON but {kind}: expected one batch object per line")
            events = batch.get("events")
            count = len(events) if type(events) is list else 0
            if events is None and not any_json and not _PLAN_KEYS.isdisjoint(batch):
                # The reference would call a plan a valid batch without events: a plan file among the
                # inputs is a mistake to name, not a pass.
                raise BatchFailure("this is a data plan, not a batch: pass it with --plan")
            plan = self.plan_for(batch)
            if deep:
                check_stack(plan, batch)
            return self._kernel.results_line(plan, batch), count
        except BatchFailure as exc:
            return _error_line(exc), -1

    def validate_batch_bytes(self, batch: Any) -> bytes:
        """The validate endpoint's response for a decoded batch, serialized."""
        try:
            return self._validate_batch_bytes(batch)
        except RecursionError:
            return _deeply(self._validate_batch_bytes, _error_line, batch)

    def _validate_batch_bytes(self, batch: Any) -> bytes:
        try:
            return self._kernel.results_line(self.plan_for(batch), batch)
        except BatchFailure as exc:
            return _error_line(exc)

    def validate_batch(self, batch: Any) -> dict:
        """The endpoint response `{"results": [...], "batch": {}}`, or `{"error": "..."}` on failure."""
        return decode_json(self.validate_batch_bytes(batch))  # orjson refuses lone surrogate escapes

    def validate_event(self, event: Any, plan_id: Any = None) -> dict:
        """The reference's validateEvent: one result object, `{}` when the event is valid.

        Raises BatchFailure where the reference throws.
        """
        try:
            result = self._event_result(event, plan_id)
        except RecursionError:
            result = _deeply(self._event_result, _raise, event, plan_id)
        return {} if result is None else decode_json(result)

    def _event_result(self, event: Any, plan_id: Any) -> Any:
        plan = self._single or self.plan_for({"context": {"data_plan": {"plan_id": plan_id}}})
        return self._kernel.event_result(plan, event)

    def is_valid(self, batch: Any) -> bool:
        """True when the batch produces no results, without building any; False if it cannot be validated."""
        try:
            return self._is_valid(batch)
        except RecursionError:
            return _deeply(self._is_valid, lambda exc: False, batch)

    def _is_valid(self, batch: Any) -> bool:
        try:
            return self._kernel.batch_is_valid(self.plan_for(batch), batch)
        except BatchFailure:
            return False


def _error_line(exc: BaseException) -> bytes:
    return error_line(str(exc))


def _raise(exc: BaseException) -> Any:
    raise exc


def _deeply(fn: Callable[..., T], overflowed: Callable[[BatchFailure], T], *args: Any) -> T:
    """What an entry point answers when `fn(*args)` overflowed the stack: as the kernels do."""
    return overflowed(BatchFailure(RECURSION_MESSAGE))


def _rebuild(versions: list, options: dict) -> PlanValidator:
    return PlanValidator(versions, **options)


def load_plan(
    source: Any,
    version: Any = None,
    environment: Optional[str] = None,
    *,
    compat: Optional[str] = None,
    lenient_types: bool = False,
    kernel: Optional[str] = None,
    strict_plan: bool = False,
    on_problem: Optional[Callable[[PlanVersion, PlanProblem], None]] = None,
    regex_timeout: Optional[float] = None,
) -> PlanValidator:
    """Read and compile plans, ready to validate.

    source: a plan file or directory path, a list of paths, or a decoded plan object (version
    document, version object, data plan with `data_plan_versions`, or the web SDK's `dtpn` form).
    version / environment: keep only that version (or the one activated for that environment) of
    each plan; otherwise every version is kept and each batch is routed by its context.data_plan.
    compat: "1.0.3" reproduces the published npm release (a user-attributes 'Invalid JSON Schema'
    result in every batch when the plan has no user_attributes point); default: data-planning-node >= 1.0.4.
    lenient_types: emulate the mParticle server, which does not tell 42 from "42" or true from "true".
    kernel: "python" or "cython"; default: the compiled kernel when built.
    strict_plan: refuse a plan with any problem the reference would only meet at validation time
    (a schema ajv refuses, a point without criteria, a version without a document). By default, as
    the reference does, only the batches that reach such a problem fail (with an error line).
    on_problem: called with (version, PlanProblem) for each such problem when its version compiles.
    regex_timeout: seconds (of CPU) a pattern or format may run on one value before the batch gets
    an error line instead of hanging the run; default 1. Only regexes that are not proven
    linear-time run under this guard (see schema/regexcost.py).
    Raises PlanError when no plan can be read (and, with strict_plan, for every problem found).
    """
    versions = select_versions(read_plans(source), version, environment)
    return PlanValidator(
        versions,
        compat=compat,
        lenient_types=lenient_types,
        kernel=kernel,
        strict_plan=strict_plan,
        on_problem=on_problem,
        regex_timeout=regex_timeout,
    )
