"""Exceptions users see: unusable plans, batches the reference would fail on, unreadable input."""

from __future__ import annotations

from typing import NamedTuple


class PlanProblem(NamedTuple):
    """One reason a plan cannot be used: where (JSON pointer into the plan file) and why."""

    pointer: str
    message: str
    data_point: str = ""  # e.g. 'data point 3 (custom_event "Add to Cart")'

    def __str__(self) -> str:
        where = f"{self.data_point}: " if self.data_point else ""
        return f"{where}{self.pointer or '/'}: {self.message}"


class PlanError(ValueError):
    """The plan cannot be compiled; `problems` lists every bad data point with a JSON pointer."""

    def __init__(self, problems: list[PlanProblem] | str, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [PlanProblem("", problems)]
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            text = f"{head}unusable plan: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"{head}unusable plan ({len(self.problems)} problems):\n{lines}"
        super().__init__(text)


# What the reference throws on a batch whose `events` is not an array (`b?.events?.map(...)` in its
# transpiled code, where the value lands in `_a`), whatever the value is.
EVENTS_NOT_AN_ARRAY = "_a.map is not a function"


class BatchFailure(Exception):
    """The reference throws on this batch (the whole batch fails); the message says why."""


class StackOverflow(BatchFailure):
    """The reference would overflow its stack on this batch: a value nests deeper than it can recurse.

    See `jsvalue.NESTING_LIMIT` for the depth and how it was measured.
    """

    def __init__(self, limit: int) -> None:
        super().__init__("Maximum call stack size exceeded")  # V8's RangeError text, as the reference fails
        self.limit = limit


class DeepBatch(BatchFailure):
    """A decoded line nests deeper than `jsvalue.NESTING_LIMIT`: the caller must check, knowing the plan,
    whether the reference would overflow on it (`results.check_stack`), then validate `value`.

    It is a BatchFailure so that a caller that does not know the plan fails the batch, which is safe.
    """

    def __init__(self, value: object, limit: int) -> None:
        super().__init__(f"Maximum call stack size exceeded (the line nests deeper than {limit} levels)")
        self.value = value
