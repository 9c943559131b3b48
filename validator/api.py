"""The Python API: load plans once, validate many batches, events or NDJSON lines.

A PlanValidator is immutable after construction, so one instance can be shared by threads; it
pickles as its plan sources and options and recompiles on unpickling (for worker processes).
"""

from __future__ import annotations

from typing import Any, Optional

from . import _kernel
from .compile import CompiledPlan, compile_document
from .errors import BatchFailure, DeepBatch, PlanError
from .lineparse import decode_json, parse_line
from .plan import PlanVersion, read_plans, route, select_versions
from .readers.records import NOTHING
from .results import RECURSION_ERROR_LINE, check_stack, error_line


class PlanValidator:
    """Compiled plan versions plus the routing rule that picks one for each batch."""

    def __init__(
        self,
        versions: list,
        *,
        compat: Optional[str] = None,
        lenient_types: bool = False,
        kernel: Optional[str] = None,
    ) -> None:
        self._options = {"compat": compat, "lenient_types": lenient_types, "kernel": kernel}
        self._kernel = _kernel.load(kernel)
        self.backend: str = self._kernel.NAME
        self.versions: list = list(versions)
        self.plans: list = []
        problems: list = []
        for version in self.versions:
            try:
                plan = compile_document(
                    version.document,
                    pointer=version.pointer,
                    compat=compat,
                    lenient=lenient_types,
                    source=version.source,
                )
            except PlanError as exc:
                problems.extend(exc.problems)
                continue
            plan.plan_id, plan.version = version.plan_id, version.version
            self._kernel.prepare(plan)
            self.plans.append(plan)
        if problems:
            sources = sorted({v.source for v in self.versions})
            raise PlanError(problems, sources[0] if len(sources) == 1 else "")
        if not self.plans:
            raise PlanError("no plan version to validate against")
        self._by_version = {id(v): p for v, p in zip(self.versions, self.plans)}
        self._single: Optional[CompiledPlan] = self.plans[0] if len(self.plans) == 1 else None
        plan_ids = {v.plan_id for v in self.versions}
        self._only_plan_id = next(iter(plan_ids)) if len(plan_ids) == 1 else None
        self._routable = len(plan_ids) == 1 or None not in plan_ids

    def __reduce__(self) -> tuple:
        return (_rebuild, (self.versions, self._options))

    # -- routing -----------------------------------------------------------------------------------

    def plan_for(self, batch: Any) -> CompiledPlan:
        """The compiled plan version for `batch`; raises BatchFailure when none fits."""
        if self._single is not None:
            return self._single
        context = batch.get("context") if type(batch) is dict else None
        data_plan = context.get("data_plan") if type(context) is dict else None
        plan_id = data_plan.get("plan_id") if type(data_plan) is dict else None
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
        return self._by_version[id(found)]

    # -- validation --------------------------------------------------------------------------------

    def validate_line(self, line: bytes) -> bytes:
        """One NDJSON batch line in, one result line out, without newline (`{"error":...}` on failure)."""
        if self._single is not None:
            return self._kernel.validate_line(self._single, line)
        try:
            batch, plan = self._parse(line)
            return self._kernel.results_line(plan, batch)
        except BatchFailure as exc:
            return error_line(str(exc))
        except RecursionError:
            return RECURSION_ERROR_LINE

    def _parse(self, line: bytes) -> tuple:
        """(batch, its plan) for one JSON text; BatchFailure if it cannot be validated."""
        try:
            batch = parse_line(line)
        except DeepBatch as deep:
            plan = self.plan_for(deep.value)
            return check_stack(plan, deep.value), plan
        return batch, self.plan_for(batch)

    def check_line(self, line: bytes, batch: Any = NOTHING) -> tuple:
        """For file scanning: (result line, number of events), where a line must hold a batch object.

        Unlike validate_line (which answers like the reference for any JSON), a line holding an
        array or a scalar is an error line here; the event count is -1 when the batch is unreadable.
        """
        try:
            deep = False
            if batch is NOTHING:
                try:
                    batch = parse_line(line)
                except DeepBatch as found:
                    batch, deep = found.value, True
            if type(batch) is not dict:
                kind = "an array" if type(batch) is list else "not an object"
                raise BatchFailure(f"the line is JSON but {kind}: expected one batch object per line")
            events = batch.get("events")
            count = len(events) if type(events) is list else 0
            plan = self.plan_for(batch)
            if deep:
                check_stack(plan, batch)
            return self._kernel.results_line(plan, batch), count
        except BatchFailure as exc:
            return error_line(str(exc)), -1
        except RecursionError:
            return RECURSION_ERROR_LINE, -1

    def validate_batch_bytes(self, batch: Any) -> bytes:
        """The validate endpoint's response for a decoded batch, serialized."""
        try:
            return self._kernel.results_line(self.plan_for(batch), batch)
        except BatchFailure as exc:
            return error_line(str(exc))
        except RecursionError:
            return RECURSION_ERROR_LINE

    def validate_batch(self, batch: Any) -> dict:
        """The endpoint response `{"results": [...], "batch": {}}`, or `{"error": "..."}` on failure."""
        return decode_json(self.validate_batch_bytes(batch))  # orjson refuses lone surrogate escapes

    def validate_event(self, event: Any, plan_id: Any = None) -> dict:
        """The reference's validateEvent: one result object, `{}` when the event is valid."""
        plan = self._single or self.plan_for({"context": {"data_plan": {"plan_id": plan_id}}})
        result = self._kernel.event_result(plan, event)
        return {} if result is None else decode_json(result)

    def is_valid(self, batch: Any) -> bool:
        """True when the batch produces no results, without building any; False if it cannot be validated."""
        try:
            return self._kernel.batch_is_valid(self.plan_for(batch), batch)
        except BatchFailure:
            return False


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
    Raises PlanError listing every unusable data point with a JSON pointer.
    """
    versions = select_versions(read_plans(source), version, environment)
    return PlanValidator(versions, compat=compat, lenient_types=lenient_types, kernel=kernel)
