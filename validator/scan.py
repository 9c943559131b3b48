"""Scan inputs: expand paths, read records, validate them (in worker processes if asked), in order.

Data flows one way: paths -> readers -> PlanValidator.check_line -> Outcome. With jobs > 1, the
parent reads and cuts the input into chunks of records, workers validate chunks, and the parent
takes results back strictly in submission order with a bounded window, so output is identical to
jobs=1 and memory stays bounded whatever the input size.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import stat
import sys
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterable, Iterator, NamedTuple, Optional

from .api import PlanValidator
from .readers import (
    NOTHING,
    InputError,
    LineBlock,
    ParquetOptions,
    Record,
    is_blank_line,
    iter_line_chunks,
    line_splittable,
    open_records,
    read_line_range,
)
from .readers.ndjson import MAX_LINE_BYTES
from .reports.outcome import Block, Outcome
from .results import error_line

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

CHUNK_RECORDS = 512
RANGE_BYTES = 4 << 20  # plain NDJSON files are cut into byte ranges that workers read themselves
WINDOW_PER_JOB = 4
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WORKER_JOIN_SECONDS = 1.0  # after SIGTERM, how long to wait for each worker to be gone


class FileFailure(NamedTuple):
    """A whole input file could not be read."""

    source: str
    message: str


def expand_inputs(inputs: Iterable[str], on_skip: Optional[Callable[[str, str], None]] = None) -> list:
    """Files in order: directories recursively (sorted), globs expanded, `-` for stdin.

    A path named on its own is kept whatever it is (a FIFO or /dev/fd/N is read as a stream; a
    missing file is left for the reader to report). In a directory, hidden files are left out, and
    so is what is not a regular file, each named to `on_skip(path, why)`: FIFOs (reading one would
    wait for a writer), sockets and devices, dangling links, links to directories. An unreadable file
    is kept, so that its reader reports it (exit 3) rather than its batches going missing quietly.
    """
    paths: list = []
    for item in inputs or ["-"]:
        if item == "-":
            paths.append("-")
        elif os.path.isdir(item):
            for path in sorted(Path(item).rglob("*")):
                if path.name.startswith("."):
                    continue
                why = _not_a_file(path)
                if why is None:
                    paths.append(str(path))
                elif why and on_skip is not None:
                    on_skip(str(path), why)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            paths.extend(matches or [item])  # no match: let the reader report the missing file
        else:
            paths.append(item)
    return paths


def _not_a_file(path: Path) -> Optional[str]:
    """None for a regular file (or a link to one), "" for a directory (walked already), else why not."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "skipped: a dangling symbolic link" if path.is_symlink() else "skipped: it vanished"
    except OSError as exc:
        return f"skipped: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "skipped: a link to a directory (not followed)" if path.is_symlink() else ""
    if stat.S_ISFIFO(mode):
        return "skipped: a FIFO (name it on its own to read it)"
    return "skipped: not a regular file (a socket or device)"


def _block(
    validator: PlanValidator, block: LineBlock, keep_raw: bool, every: bool, any_json: bool = False
) -> Block:
    results, valid, events, others = validator.check_lines(
        block.lines, is_blank_line, every, block.rows, any_json
    )
    source, first = block.source, block.first_line
    outcomes = [
        (ordinal, Outcome(source, first + index, line if keep_raw else b"", result, count))
        for ordinal, index, result, count, line in others
    ]
    return Block(source, results, valid, events, block.size, outcomes)


def _outcome(validator: PlanValidator, record: Record, any_json: bool = False) -> Outcome:
    if record.error is not None:
        result = error_line(record.error)
        return Outcome(record.source, record.line, record.raw, result, -1)
    result, events = validator.check_line(record.raw, record.batch, any_json)
    return Outcome(record.source, record.line, record.raw, result, events)


def _records(
    paths: list,
    parquet: Optional[ParquetOptions],
    max_line_bytes: int,
    blocks: bool = False,
    reference_lines: bool = False,
) -> Iterator[Any]:
    for path in paths:
        source = "<stdin>" if path == "-" else path
        try:
            if parquet is not None and parquet.warehouse is not None:  # Warehouse Sync extracts
                from .warehouse import extract_records

                yield from extract_records(path, parquet.warehouse)
                continue
            yield from open_records(
                path,
                parquet=parquet,
                max_line_bytes=max_line_bytes,
                blocks=blocks,
                reference_lines=reference_lines,
            )
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
    max_line_bytes: int = MAX_LINE_BYTES,
    blocks: bool = False,
    every: bool = False,
    reference_lines: bool = False,
) -> Generator[Any, None, None]:
    """Outcome for every input batch and FileFailure for every unreadable file, in input order.

    keep_raw=False lets parallel workers skip sending the input bytes back (Outcome.raw is b"").
    max_line_bytes: a longer line is an error outcome, not read (0: no limit).
    blocks: NDJSON lines come as Blocks (valid batches counted, not given an Outcome each), with
    an Outcome for every batch in Block.others when `every`; other inputs still give Outcomes.
    reference_lines: JSON text is cut into lines as the reference's line reader cuts it (see
    open_records), and a line holding any JSON value gets the reference's answer.
    Closing the iterator early (or an exception in the consumer) ends the worker processes.
    """
    if jobs <= 1:
        for item in _records(paths, parquet, max_line_bytes, blocks, reference_lines):
            if type(item) is LineBlock:
                yield _block(validator, item, True, every, reference_lines)
            else:
                yield item if isinstance(item, FileFailure) else _outcome(validator, item, reference_lines)
        return
    yield from _scan_parallel(
        validator, paths, parquet, jobs, keep_raw, max_line_bytes, blocks, every, reference_lines
    )


# -- parallel ---------------------------------------------------------------------------------------

_worker_validator: Optional[PlanValidator] = None
_worker_any_json = False


def _init_worker(validator: PlanValidator, parent: int, any_json: bool = False) -> None:
    global _worker_validator, _worker_any_json
    _worker_validator = validator
    _worker_any_json = any_json
    _end_with(parent)
    # The parent decides how a run ends: Ctrl-C reaches the whole process group, and a worker that
    # handled it would print its own KeyboardInterrupt traceback. SIGTERM (which the parent sends to
    # end the pool) kills at once, whatever handler the parent had when it forked this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _end_with(parent: int) -> None:
    """Have the kernel end this worker when the main process dies (Linux).

    After kill -9 of the main process nobody is left to end the workers, and they would wait on
    the task queue for ever.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _validate_chunk(payload: list) -> list:
    """(result, events) per record; a payload item is raw bytes, or a whole Record when it is not plain."""
    validator = _worker_validator
    assert validator is not None
    out = []
    for item in payload:
        if type(item) is bytes:
            out.append(validator.check_line(item, NOTHING, _worker_any_json))
        else:
            outcome = _outcome(validator, item, _worker_any_json)
            out.append((outcome.result, outcome.events))
    return out


def _payload(chunk: list) -> list:
    # Only the bytes travel to the worker (and only results come back): the parent keeps the records.
    return [r.raw if r.batch is NOTHING and r.error is None else r for r in chunk]


def _validate_block(block: LineBlock, keep_raw: bool, every: bool) -> Block:
    """A worker checks one block of lines read by the parent (a stream, or gzip)."""
    validator = _worker_validator
    assert validator is not None
    return _block(validator, block, keep_raw, every, _worker_any_json)


def _chunks(items: Iterator[Any]) -> Iterator[Any]:
    """Lists of records, with each FileFailure and LineBlock on its own, preserving order."""
    chunk: list = []
    for item in items:
        if isinstance(item, (FileFailure, LineBlock)):
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


def _validate_range(
    path: str,
    start: int,
    end: int,
    first_line: int,
    max_line_bytes: int,
    keep_raw: bool,
    blocks: bool = False,
    every: bool = False,
) -> Any:
    """A worker reads and validates one byte range of a plain NDJSON file itself.

    The parent gets a list of Blocks (with `blocks`) and (line, raw, result, events) tuples, or a
    FileFailure: per range, not per line, so that it does no work for a valid batch.
    """
    validator = _worker_validator
    assert validator is not None
    done: list = []
    try:
        for item in read_line_range(path, start, end, first_line, max_line_bytes, blocks):
            if type(item) is LineBlock:
                done.append(_block(validator, item, keep_raw, every))
            else:
                o = _outcome(validator, item)
                done.append((o.line, o.raw if keep_raw else b"", o.result, o.events))
    except InputError as exc:
        return FileFailure(path, str(exc))
    return done


def _tasks(
    paths: list, parquet: Optional[ParquetOptions], max_line_bytes: int, blocks: bool, reference_lines: bool
) -> Iterator[Any]:
    """("range", path, start, end, line, limit) for plain files, record chunks and FileFailures for the rest.

    Streams (stdin, FIFOs, process substitution) are never line-splittable: the parent reads them.
    """
    for path in paths:
        # Byte ranges count lines by LF only: with the reference's line reader the parent reads.
        plain = parquet is None or parquet.warehouse is None
        if not reference_lines and plain and line_splittable(path, max_line_bytes):
            try:
                for start, end, line in iter_line_chunks(path, RANGE_BYTES, max_line_bytes):
                    yield ("range", path, start, end, line, max_line_bytes)
                continue
            except InputError as exc:
                yield FileFailure(path, str(exc))
                continue
        yield from _chunks(_records([path], parquet, max_line_bytes, blocks, reference_lines))


def _scan_parallel(
    validator: PlanValidator,
    paths: list,
    parquet: Optional[ParquetOptions],
    jobs: int,
    keep_raw: bool,
    max_line_bytes: int,
    blocks: bool = False,
    every: bool = False,
    reference_lines: bool = False,
) -> Iterator[Any]:
    # ProcessPoolExecutor, not multiprocessing.Pool: when a worker dies (killed, out of memory) Pool
    # waits forever for the task it held, and even its terminate() can hang on the queue lock the
    # dead worker held; the executor reports the death as BrokenProcessPool. Imported here: a run
    # with one job does not pay for loading them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    executor = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(validator, os.getpid(), reference_lines)
    )
    try:
        pending: deque = deque()
        submit: Callable = executor.submit
        for task in _tasks(paths, parquet, max_line_bytes, blocks, reference_lines):
            if isinstance(task, FileFailure):
                pending.append(task)
            elif type(task) is tuple:
                pending.append((task[1], submit(_validate_range, *task[1:], keep_raw, blocks, every)))
            elif type(task) is LineBlock:
                pending.append((task, submit(_validate_block, task, keep_raw, every)))
            else:
                pending.append((task, submit(_validate_chunk, _payload(task))))
            while len(pending) > jobs * WINDOW_PER_JOB:
                yield from _take(pending.popleft(), validator, reference_lines)
        while pending:
            yield from _take(pending.popleft(), validator, reference_lines)
    except BrokenProcessPool:  # from a result, or from submit once the pool knows
        _stop(executor)
        raise WorkerDied(
            "a worker process ended in the middle of the run (killed, or out of memory?); "
            "its batches cannot be accounted for"
        ) from None
    except BaseException:  # an error, a signal, or the consumer closing early (--fail-fast)
        _stop(executor)
        raise
    executor.shutdown()


def _stop(executor: ProcessPoolExecutor) -> None:
    """End the workers at once, running tasks included (shutdown alone would wait for those)."""
    known = getattr(executor, "_processes", None)  # private, but the only handle on the processes
    processes = list(known.values()) if isinstance(known, dict) else []
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()  # SIGTERM: the workers' default action, see _init_worker
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(WORKER_JOIN_SECONDS)


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of the run (killed, out of memory): its results are lost."""


def _take(entry: Any, validator: PlanValidator, any_json: bool = False) -> Iterator[Any]:
    if isinstance(entry, FileFailure):
        yield entry
        return
    chunk, pending = entry
    if type(chunk) is LineBlock:
        yield pending.result()
        return
    try:
        done = pending.result()
    except RecursionError:
        # A decoded batch nested deeper than pickle can send to a worker: validate the chunk here.
        done = [(o.result, o.events) for o in (_outcome(validator, record, any_json) for record in chunk)]
    if isinstance(done, FileFailure):
        yield done
    elif type(chunk) is str:  # a byte range of the file `chunk`
        for item in done:
            yield item if type(item) is Block else Outcome(chunk, *item)
    else:
        for record, (result, events) in zip(chunk, done):
            yield Outcome(record.source, record.line, record.raw, result, events)
