"""Deeply recursive work (deep schemas, long `$ref` chains) on a thread with a large stack.

Compiling a schema nested hundreds of levels deep recurses further than Python's default limit.
Rather than refusing such plans, the work that hits RecursionError is run again on a thread whose
stack and recursion limit are large enough for anything the reference itself can handle (its V8
stack gives out at roughly ten thousand frames).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # reserved address space; only the pages used are committed
RECURSION_LIMIT = 100_000  # ~5 KiB of C stack per Python frame at most
_lock = threading.Lock()  # the recursion limit is process-wide: one deep call at a time


def call_deep(fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) on a thread with a large stack and recursion limit; its result, or its exception."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread as it is
            outcome["error"] = exc

    with _lock:
        thread = threading.Thread(target=run, name="dpv-deep", daemon=True)
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        old_size = threading.stack_size(STACK_BYTES)  # read when the thread starts
        try:
            thread.start()
        finally:
            threading.stack_size(old_size)
        try:
            thread.join()
        finally:
            sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
