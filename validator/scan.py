"""Scan inputs: expand paths, read records, validate them (in worker processes if asked), in order.

Data flows one way: paths -> readers -> PlanValidator.check_line -> Outcome. With jobs > 1, the
parent reads and cuts the input into chunks of records, workers validate chunks, and the parent
takes results back strictly in submission order with a bounded window, so output is identical to
jobs=1 and memory stays bounded whatever the input size.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional

from .api import PlanValidator
from .readers import (
    NOTHING,
    InputError,
    ParquetOptions,
    Record,
    iter_line_chunks,
    line_splittable,
    open_records,
    read_line_range,
)
from .reports.outcome import Outcome
from .results import error_line

CHUNK_RECORDS = 512
RANGE_BYTES = 4 << 20  # plain NDJSON files are cut into byte ranges that workers read themselves
WINDOW_PER_JOB = 4


class FileFailure(NamedTuple):
    """A whole input file could not be read."""

    source: str
    message: str


def expand_inputs(inputs: Iterable[str]) -> list:
    """Files in order: directories recursively (sorted), globs expanded, `-` for stdin."""
    paths: list = []
    for item in inputs or ["-"]:
        if item == "-":
            paths.append("-")
        elif os.path.isdir(item):
            paths.extend(
                str(p) for p in sorted(Path(item).rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            paths.extend(matches or [item])  # no match: let the reader report the missing file
        else:
            paths.append(item)
    return paths


def _outcome(validator: PlanValidator, record: Record) -> Outcome:
    if record.error is not None:
        result = error_line(record.error)
        return Outcome(record.source, record.line, record.raw, result, -1)
    result, events = validator.check_line(record.raw, record.batch)
    return Outcome(record.source, record.line, record.raw, result, events)


def _records(paths: list, parquet: Optional[ParquetOptions]) -> Iterator[Any]:
    for path in paths:
        source = "<stdin>" if path == "-" else path
        try:
            yield from open_records(path, parquet=parquet)
        except InputError as exc:
            yield FileFailure(source, str(exc))
        except OSError as exc:
            yield FileFailure(source, f"{source}: {exc.strerror or exc}")


def scan(
    validator: PlanValidator,
    paths: list,
    *,
    jobs: int = 1,
    parquet: Optional[ParquetOptions] = None,
    keep_raw: bool = True,
) -> Iterator[Any]:
    """Outcome for every input batch and FileFailure for every unreadable file, in input order.

    keep_raw=False lets parallel workers skip sending the input bytes back (Outcome.raw is b"").
    """
    if jobs <= 1:
        for item in _records(paths, parquet):
            yield item if isinstance(item, FileFailure) else _outcome(validator, item)
        return
    yield from _scan_parallel(validator, paths, parquet, jobs, keep_raw)


# -- parallel ---------------------------------------------------------------------------------------

_worker_validator: Optional[PlanValidator] = None


def _init_worker(validator: PlanValidator) -> None:
    global _worker_validator
    _worker_validator = validator


def _validate_chunk(payload: list) -> list:
    """(result, events) per record; a payload item is raw bytes, or a whole Record when it is not plain."""
    validator = _worker_validator
    assert validator is not None
    out = []
    for item in payload:
        if type(item) is bytes:
            out.append(validator.check_line(item))
        else:
            outcome = _outcome(validator, item)
            out.append((outcome.result, outcome.events))
    return out


def _payload(chunk: list) -> list:
    # Only the bytes travel to the worker (and only results come back): the parent keeps the records.
    return [r.raw if r.batch is NOTHING and r.error is None else r for r in chunk]


def _chunks(items: Iterator[Any]) -> Iterator[Any]:
    """Lists of records, with each FileFailure on its own, preserving order."""
    chunk: list = []
    for item in items:
        if isinstance(item, FileFailure):
            if chunk:
                yield chunk
                chunk = []
            yield item
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK_RECORDS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _validate_range(path: str, start: int, end: int, first_line: int, keep_raw: bool) -> Any:
    """A worker reads and validates one byte range of a plain NDJSON file itself."""
    validator = _worker_validator
    assert validator is not None
    try:
        return [
            (o.line, o.raw if keep_raw else b"", o.result, o.events)
            for o in (_outcome(validator, r) for r in read_line_range(path, start, end, first_line))
        ]
    except InputError as exc:
        return FileFailure(path, str(exc))


def _tasks(paths: list, parquet: Optional[ParquetOptions]) -> Iterator[Any]:
    """("range", path, start, end, line) for plain files, record chunks and FileFailures for the rest."""
    for path in paths:
        if line_splittable(path):
            try:
                for start, end, line in iter_line_chunks(path, RANGE_BYTES):
                    yield ("range", path, start, end, line)
                continue
            except InputError as exc:
                yield FileFailure(path, str(exc))
                continue
        yield from _chunks(_records([path], parquet))


def _scan_parallel(
    validator: PlanValidator, paths: list, parquet: Optional[ParquetOptions], jobs: int, keep_raw: bool
) -> Iterator[Any]:
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(validator,)) as pool:
        pending: deque = deque()
        submit: Callable = pool.apply_async
        for task in _tasks(paths, parquet):
            if isinstance(task, FileFailure):
                pending.append(task)
            elif type(task) is tuple:
                pending.append((task[1], submit(_validate_range, (*task[1:], keep_raw))))
            else:
                pending.append((task, submit(_validate_chunk, (_payload(task),))))
            while len(pending) > jobs * WINDOW_PER_JOB:
                yield from _take(pending.popleft(), validator)
        while pending:
            yield from _take(pending.popleft(), validator)


def _take(entry: Any, validator: PlanValidator) -> Iterator[Any]:
    if isinstance(entry, FileFailure):
        yield entry
        return
    chunk, pending = entry
    try:
        done = pending.get()
    except RecursionError:
        # A decoded batch nested deeper than pickle can send to a worker: validate the chunk here.
        done = [(o.result, o.events) for o in (_outcome(validator, record) for record in chunk)]
    if isinstance(done, FileFailure):
        yield done
    elif type(chunk) is str:  # a byte range of the file `chunk`
        for line, raw, result, events in done:
            yield Outcome(chunk, line, raw, result, events)
    else:
        for record, (result, events) in zip(chunk, done):
            yield Outcome(record.source, record.line, record.raw, result, events)
