"""What happened to one input batch, and the running totals over all of them."""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple, Optional

from ..jsout import dumps, escape_surrogates
from ..lineparse import decode_json
from ..results import VALID_RESULT


class Outcome(NamedTuple):
    """One input batch: where it came from, its original bytes and the result line."""

    source: str
    line: int
    raw: bytes
    result: bytes  # the endpoint's response, or {"error": ...}
    events: int  # number of events; -1 when the batch could not be read or validated

    @property
    def valid(self) -> bool:
        return self.result == VALID_RESULT

    @property
    def failed(self) -> bool:
        return self.result.startswith(b'{"error"')


class Block(NamedTuple):
    """The outcomes of a block of NDJSON lines (validator.scan's block mode): valid batches only counted.

    results: the result line of every batch, in order; valid and events: how many of them are
    valid, and their events; size: the bytes of the block's lines. others: (ordinal in results,
    Outcome) for each batch that is not valid, or for every batch when scan was asked for `every`.
    """

    source: str
    results: list
    valid: int
    events: int
    size: int
    others: list


class ReportsOthers:
    """For reporters whose `add` ignores valid batches: a Block is just its other outcomes."""

    takes_blocks = True

    def add(self, outcome: Outcome) -> None:
        raise NotImplementedError

    def add_block(self, block: Block) -> None:
        for _, outcome in block.others:
            self.add(outcome)


def load_result(result: bytes) -> dict:
    """Decode a result line (JSON.parse-compatible: the reference's \\udxxx escapes, any depth)."""
    return decode_json(result)


def show_value(value: Any) -> str:
    """A value in report text: strings as they are (lone surrogates escaped), others as JSON."""
    return escape_surrogates(value) if type(value) is str else dumps(value)


def match_label(match: Any) -> str:
    """A short human name for a data point's match, e.g. `custom_event "Sign Up" (other)`."""
    if not isinstance(match, dict):
        return show_value(match)
    kind = show_value(match.get("type", "?"))
    criteria = match.get("criteria")
    if not isinstance(criteria, dict) or not criteria:
        return kind
    name = criteria.get("event_name", criteria.get("screen_name", criteria.get("action")))
    extra = criteria.get("custom_event_type")
    label = f'{kind} "{show_value(name)}"' if name is not None else kind
    return f"{label} ({show_value(extra)})" if extra is not None else label


class Tally:
    """Totals for the summary and json formats (and the exit code)."""

    def __init__(self, detailed: bool = True) -> None:
        self.detailed = detailed  # counts per data point / error type need each result parsed
        self.files = 0
        self.unreadable_files: list = []  # (source, message)
        self.batches = 0
        self.events = 0
        self.valid = 0
        self.invalid = 0
        self.unreadable = 0
        self.per_point: Counter = Counter()
        self.per_type: Counter = Counter()
        self.violations: Counter = Counter()  # (point label, error_pointer, type) -> count
        self.examples: dict = {}  # same key -> "source:line"
        self.errors: Counter = Counter()  # batch-level error message -> count
        self.error_examples: dict = {}

    def add_block(self, block: Block) -> None:
        """A Block given without `every`: its valid batches counted, the others added one by one."""
        self.batches += len(block.results) - len(block.others)
        self.valid += block.valid
        self.events += block.events - sum(o.events for _, o in block.others if o.events > 0)
        for _, outcome in block.others:
            self.add(outcome)

    def add(self, outcome: Outcome) -> None:
        self.batches += 1
        if outcome.events > 0:
            self.events += outcome.events
        if outcome.valid:
            self.valid += 1
            return
        if not self.detailed:
            if outcome.failed:
                self.unreadable += 1
            else:
                self.invalid += 1
            return
        where = f"{escape_surrogates(outcome.source)}:{outcome.line}"  # a file name that is not UTF-8
        if outcome.failed:
            self.unreadable += 1
            message = show_value(load_result(outcome.result).get("error", ""))
            self.errors[message] += 1
            self.error_examples.setdefault(message, where)
            return
        self.invalid += 1
        for result in load_result(outcome.result).get("results", []):
            data = result.get("data", {})
            label = match_label(data.get("match"))
            self.per_point[label] += 1
            for error in data.get("validation_errors", []):
                kind = error.get("validation_error_type", "?")
                self.per_type[kind] += 1
                key = (label, error.get("error_pointer", ""), kind)
                self.violations[key] += 1
                self.examples.setdefault(key, where)

    def file_failed(self, source: str, message: str) -> None:
        self.unreadable_files.append((escape_surrogates(source), escape_surrogates(message)))

    @property
    def clean(self) -> bool:
        return self.invalid == 0 and self.unreadable == 0

    def as_dict(self, top: int = 20) -> dict:
        """The json format's document."""
        return {
            "totals": {
                "files": self.files,
                "unreadable_files": len(self.unreadable_files),
                "batches": self.batches,
                "events": self.events,
                "valid": self.valid,
                "invalid": self.invalid,
                "unreadable": self.unreadable,
            },
            "per_data_point": dict(self.per_point.most_common()),
            "per_error_type": dict(self.per_type.most_common()),
            "top_violations": [
                {
                    "data_point": label,
                    "error_pointer": pointer,
                    "validation_error_type": kind,
                    "count": count,
                    "example": self.examples[(label, pointer, kind)],
                }
                for (label, pointer, kind), count in self.violations.most_common(top)
            ],
            "batch_errors": [
                {"error": message, "count": count, "example": self.error_examples[message]}
                for message, count in self.errors.most_common(top)
            ],
            "unreadable_files": [{"file": f, "error": m} for f, m in self.unreadable_files],
        }

    def example(self, key: Any) -> Optional[str]:
        return self.examples.get(key)
