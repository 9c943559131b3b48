"""Streaming API: validate an iterable of batches (dicts, NDJSON lines or reader Records) lazily, in order.

    totals = Tally(detailed=False)               # validator.reports.outcome.Tally, as the CLI's
    for result in validate_stream("plan.json", lines, totals=totals):
        ...                                    # one result per input item, in input order
    totals.valid, totals.invalid, totals.unreadable, totals.events

What comes out follows what goes in: a bytes line gives the result line as bytes (no newline), a str
line gives it as str, a Record (from `validator.readers.open_records`) gives bytes, and anything else
(a decoded batch) gives the validate endpoint's response as a dict. Lines are checked as the CLI checks
them (`PlanValidator.check_line`): a line must hold one batch object, so a blank line, a JSON array
or a scalar is an `{"error": ...}` result, never an exception; every item is accounted for.

Thread safety: a PlanValidator is immutable, so one instance may serve any number of threads (each
with its own stream); a generator from validate_stream, and a Tally, belong to one thread at a time.
Threads do not speed validation up (the kernels hold the GIL); for that, use processes: a
PlanValidator pickles as its plan sources and options and recompiles on unpickling, so hand it to a
pool's initializer (`ProcessPoolExecutor(initializer=..., initargs=(validator,))`) to compile it once
per worker rather than once per task, or use `validator.spark` for a cluster.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from .api import PlanValidator, load_plan
from .lineparse import decode_json
from .readers.records import Record
from .results import error_line

if TYPE_CHECKING:
    from .reports.outcome import Tally

_TEXT_TYPES = (bytes, bytearray, memoryview)


def as_validator(plan: Any, **options: Any) -> PlanValidator:
    """A PlanValidator for `plan`, compiling it unless it already is one.

    Takes a PlanValidator (returned as is; options must then be empty), a plan file or directory
    path, plan JSON text (a str or bytes starting with `{` or `[`), or a decoded plan object; and
    load_plan's keyword options (version, environment, compat, lenient_types, kernel, strict_plan).
    Returns the validator. Raises PlanError when the plan cannot be used, ValueError when options
    come with a ready validator or the plan text is not JSON.
    """
    if isinstance(plan, PlanValidator):
        if options:
            raise ValueError(f"options {sorted(options)} apply when loading a plan, not to a PlanValidator")
        return plan
    if isinstance(plan, _TEXT_TYPES) or (isinstance(plan, str) and plan.lstrip()[:1] in ("{", "[")):
        try:
            plan = decode_json(plan)
        except ValueError as exc:
            raise ValueError(f"the plan text is not valid JSON: {exc}") from None
    elif isinstance(plan, os.PathLike):
        plan = os.fspath(plan)
    return load_plan(plan, **options)


def validate_stream(
    plan: Any,
    batches: Iterable[Any],
    *,
    totals: Optional[Tally] = None,
    source: str = "<stream>",
) -> Iterator[Any]:
    """Validate batches one by one, yielding one result per input item, in input order.

    Takes a plan (anything `as_validator` accepts; compiled once, before the first item), an
    iterable of batches (bytes or str NDJSON lines, reader Records, or decoded batches), an
    optional Tally updated before each result is yielded (so it is current at every step: batches,
    events, valid, invalid, unreadable), and the source name the Tally records for items that are
    not Records (their line is the item's 1-based position).
    Returns an iterator of results: bytes for bytes lines and Records, str for str lines, dicts
    (`{"results": [...], "batch": {}}` or `{"error": "..."}`) for decoded batches.
    Raises PlanError (at the first next()) when the plan cannot be used; never for a bad item.
    """
    validator = as_validator(plan)
    check = validator.check_line
    # imported here: the reports package loads every report format, which `import validator` should not
    from .reports.outcome import Outcome

    for position, item in enumerate(batches, 1):
        where, line, raw = source, position, b""
        if isinstance(item, Record):
            where, line, raw = item.source, item.line, item.raw
            if item.error is not None:
                result, events = error_line(item.error), -1
            else:
                result, events = check(item.raw, item.batch)
            out: Any = result
        elif isinstance(item, _TEXT_TYPES):
            raw = bytes(item)
            result, events = check(raw)
            out = result
        elif isinstance(item, str):
            raw = item.encode("utf-8", "surrogatepass")
            result, events = check(raw)
            out = result.decode("utf-8", "surrogatepass")
        else:
            result, events = check(b"", item)
            out = decode_json(result)  # orjson refuses the \udxxx escapes the reference writes
        if totals is not None:
            totals.add(Outcome(where, line, raw, result, events))
        yield out
