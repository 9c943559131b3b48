"""Reporters: receive one Outcome per input batch, in input order, and write a format.

`results` streams the validate endpoint's lines; `summary` and `json` print totals at the end.
Every reporter gets the same Tally, so counts never differ between formats.
"""

from __future__ import annotations

from typing import IO, Any

from .outcome import Outcome, Tally
from .results import ResultsReporter
from .summary import JsonReporter, SummaryReporter

FORMATS = ("results", "summary", "json")


def make_reporter(name: str, out: IO[bytes], tally: Tally, **options: Any) -> Any:
    """The reporter for format `name`, writing to the binary stream `out`."""
    if name == "results":
        return ResultsReporter(out, with_source=bool(options.get("with_source")))
    if name == "summary":
        return SummaryReporter(out, tally)
    if name == "json":
        return JsonReporter(out, tally)
    raise ValueError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "JsonReporter",
    "Outcome",
    "ResultsReporter",
    "SummaryReporter",
    "Tally",
    "make_reporter",
]
