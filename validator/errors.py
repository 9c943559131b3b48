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


class BatchFailure(Exception):
    """The reference throws on this batch (the whole batch fails); the message says why."""
