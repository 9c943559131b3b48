"""The Python API: load plans once, validate many batches, events or NDJSON lines.

A PlanValidator is immutable after construction, so one instance can be shared by threads; it
pickles as its plan sources and options and recompiles on unpickling (for worker processes).
"""

from __future__ import annotations

from typing import Any, Optional

import orjson

from . import _kernel
from .compile import CompiledPlan, compile_document
from .errors import BatchFailure, PlanError
from .lineparse import parse_line
from .plan import PlanVersion, read_plans, route, select_versions
from .readers.records import NOTHING
from .schema.jsregex import time_limit


class PlanValidator:
    """Compiled plan versions plus the routing rule that picks one for each batch."""

    def __init__(
        self,
        versions: list,
        *,
        compat: Optional[str] = None,
        lenient_types: bool = False,
        kernel: Optional[str] = None,
        regex_timeout: Optional[float] = None,
    ) -> None:
        self._options: dict = {"compat": compat, "lenient_types": lenient_types, "kernel": kernel}
        self._options["regex_timeout"] = timeout = time_limit(regex_timeout)
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
                    regex_timeout=timeout,
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
            batch = parse_line(line)
            return self._kernel.results_line(self.plan_for(batch), batch)
        except BatchFailure as exc:
            return orjson.dumps({"error": str(exc)})

    def check_line(self, line: bytes, batch: Any = NOTHING) -> tuple:
        """For file scanning: (result line, number of events), where a line must hold a batch object.

        Unlike validate_line (which answers like the reference for any JSON), a line holding an
        array or a scalar is an error line here; the event count is -1 when the batch is unreadable.
        """
        try:
            if batch is NOTHING:
                batch = parse_line(line)
            if type(batch) is not dict:
                kind = "an array" if type(batch) is list else "not an object"
                raise BatchFailure(f"the line is JSON but {kind}: expected one batch object per line")
            events = batch.get("events")
            count = len(events) if type(events) is list else 0
            return self._kernel.results_line(self.plan_for(batch), batch), count
        except BatchFailure as exc:
            return orjson.dumps({"error": str(exc)}), -1

    def validate_batch_bytes(self, batch: Any) -> bytes:
        """The validate endpoint's response for a decoded batch, serialized."""
        try:
            return self._kernel.results_line(self.plan_for(batch), batch)
        except BatchFailure as exc:
            return orjson.dumps({"error": str(exc)})

    def validate_batch(self, batch: Any) -> dict:
        """The endpoint response `{"results": [...], "batch": {}}`, or `{"error": "..."}` on failure."""
        return orjson.loads(self.validate_batch_bytes(batch))

    def validate_event(self, event: Any, plan_id: Any = None) -> dict:
        """The reference's validateEvent: one result object, `{}` when the event is valid."""
        plan = self._single or self.plan_for({"context": {"data_plan": {"plan_id": plan_id}}})
        result = self._kernel.event_result(plan, event)
        return {} if result is None else orjson.loads(result)

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
    regex_timeout: seconds (of CPU) a pattern or format may run on one value before the batch gets
    an error line instead of hanging the run; default 1. Only regexes that are not proven
    linear-time run under this guard (see schema/regexcost.py).
    Raises PlanError listing every unusable data point with a JSON pointer.
    """
    versions = select_versions(read_plans(source), version, environment)
    return PlanValidator(
        versions, compat=compat, lenient_types=lenient_types, kernel=kernel, regex_timeout=regex_timeout
    )
