"""Run one in-process contender once and print its timing as one JSON line.

    python -m benchmarks._one NAME --input FILE --plan PLAN

The runner starts a fresh interpreter for every run, so imports, caches and garbage from one
contender never touch another. Only the loop over the input is timed; building validators
(`setup_seconds`) is reported apart. Exit status 3 with `{"unavailable": reason}` means the
contender cannot run here (a missing package, no compiled kernel).

Peers match events the simple way (custom_event: event_name and custom_event_type; screen_view:
screen_name; commerce: product_action.action, else promotion_action.action, else product
impressions; other types: the type) and validate the whole event against the point's schema, and
each batch's user_attributes against the user_attributes point. They do not strip nulls as the
reference does, so an event with a null attribute counts as invalid for them.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any, Callable, Optional

import orjson

VALID_LINE = b'{"results":[],"batch":{}}'


class Unavailable(Exception):
    """This contender cannot run here; the message says why."""


# -- matching for the peers --------------------------------------------------------------------------


def point_key(match: dict) -> Optional[tuple]:
    """The simple match key of a data point's match."""
    kind = match.get("type")
    criteria = match.get("criteria") or {}
    if kind == "custom_event":
        return (kind, criteria.get("event_name"), criteria.get("custom_event_type"))
    if kind == "screen_view":
        return (kind, criteria.get("screen_name"))
    if kind in ("product_action", "promotion_action"):
        return (kind, criteria.get("action"))
    if kind == "application_state_transition":
        return (kind, criteria.get("application_transition_type"))
    return (kind,)


def event_key(event: Any) -> Optional[tuple]:
    """The simple match key of an event (None: cannot be planned)."""
    if type(event) is not dict:
        return None
    kind = event.get("event_type")
    data = event.get("data") or {}
    if kind == "custom_event":
        return (kind, data.get("event_name"), data.get("custom_event_type"))
    if kind == "screen_view":
        return (kind, data.get("screen_name"))
    if kind == "commerce_event":
        action = data.get("product_action")
        if action:
            return ("product_action", action.get("action"))
        action = data.get("promotion_action")
        if action:
            return ("promotion_action", action.get("action"))
        return ("product_impression",) if data.get("product_impressions") else None
    if kind == "application_state_transition":
        return (kind, data.get("application_transition_type"))
    return (kind,)


def peer_lookup(plan_path: str, compile_schema: Callable[[Any], Any]) -> tuple:
    """(event lookup {key: compiled}, compiled user_attributes schema or None); later points win."""
    with open(plan_path, "rb") as f:
        plan = orjson.loads(f.read())
    document = plan.get("version_document", plan)
    lookup: dict = {}
    for point in document.get("data_points") or ():
        validator = point.get("validator") or {}
        if not point.get("match") or not validator:
            continue
        definition = validator.get("definition") if validator.get("type") == "json_schema" else None
        lookup[point_key(point["match"])] = compile_schema(definition or {})
    return lookup, lookup.pop(("user_attributes",), None)


def _peer_loop(path: str, plan: str, compile_schema: Callable, invalid: Callable) -> tuple:
    """Time the loop: parse, match, validate; `invalid(checker, value)` is True when it fails."""
    t0 = time.perf_counter()
    lookup, ua = peer_lookup(plan, compile_schema)
    setup = time.perf_counter() - t0
    flagged = 0
    loads, key, get = orjson.loads, event_key, lookup.get
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        for line in f:
            batch = loads(line)
            for event in batch.get("events") or ():
                checker = get(key(event))
                if checker is None or invalid(checker, event):
                    flagged += 1
            if ua is not None and invalid(ua, batch.get("user_attributes") or {}):
                flagged += 1
    return time.perf_counter() - t0, setup, flagged


# -- contenders ---------------------------------------------------------------------------------------


def floor(path: str, plan: str) -> tuple:
    loads = orjson.loads
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        for line in f:
            loads(line)
    return time.perf_counter() - t0, 0.0, None


def floor_parquet(path: str, plan: str) -> tuple:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise Unavailable(f"pyarrow: {exc}") from None
    loads = orjson.loads
    t0 = time.perf_counter()
    for record_batch in pq.ParquetFile(path).iter_batches(batch_size=8192, columns=["batch"]):
        for value in record_batch.column(0).to_pylist():
            loads(value)
    return time.perf_counter() - t0, 0.0, None


EXACT: dict = {}  # the native front end's counts of work left to the exact path, when it ran


def _api(kernel: str, front: Optional[bool] = None) -> Callable:
    """The API loop; front=True needs the compiled kernel's native front end, False needs it off."""

    def run(path: str, plan: str) -> tuple:
        try:
            import validator
        except ImportError as exc:
            raise Unavailable(f"cannot import validator: {exc}") from None
        t0 = time.perf_counter()
        try:
            v = validator.load_plan(plan, kernel=kernel)
        except ImportError as exc:
            raise Unavailable(str(exc)) from None
        setup = time.perf_counter() - t0
        if getattr(v, "backend", kernel) != kernel:
            raise Unavailable(f"asked for the {kernel} kernel, got {v.backend}")
        native = getattr(getattr(v, "_single", None), "front", None)
        if front and native is None:
            raise Unavailable("no native front end: validator._native is not built, or the plan has versions")
        if front is False and native is not None:
            raise Unavailable("the native front end is on (set DPV_NO_NATIVE=1)")
        validate_line = v.validate_line
        flagged = 0
        t0 = time.perf_counter()
        with open(path, "rb") as f, open(os.devnull, "wb", buffering=1 << 20) as sink:
            write = sink.write
            for line in f:
                out = validate_line(line)
                write(out)
                write(b"\n")
                if out != VALID_LINE:
                    flagged += 1
        seconds = time.perf_counter() - t0
        if native is not None:
            EXACT.update(native.stats())
        return seconds, setup, flagged

    return run


def native_block(path: str, plan: str) -> tuple:
    """The native front end's block loop: 1 MB reads cut at the last newline, lines split and results
    joined in C (what the CLI gets once it hands blocks to Front.validate_block)."""
    try:
        import validator
    except ImportError as exc:
        raise Unavailable(f"cannot import validator: {exc}") from None
    t0 = time.perf_counter()
    v = validator.load_plan(plan, kernel="cython")
    setup = time.perf_counter() - t0
    front = getattr(getattr(v, "_single", None), "front", None)
    if front is None or not hasattr(front, "validate_block"):
        raise Unavailable("no native front end with validate_block")
    flagged = 0
    t0 = time.perf_counter()
    with open(path, "rb") as f, open(os.devnull, "wb", buffering=1 << 20) as sink:
        rest = b""
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            cut = chunk.rfind(b"\n") + 1
            if not cut:
                rest += chunk
                continue
            out = front.validate_block(rest + chunk[:cut], v.validate_line)
            rest = chunk[cut:]
            sink.write(out)
            flagged += out.count(b"\n") - out.count(VALID_LINE)
        if rest:
            out = front.validate_block(rest, v.validate_line)
            sink.write(out)
            flagged += out.count(b"\n") - out.count(VALID_LINE)
    seconds = time.perf_counter() - t0
    EXACT.update(front.stats())
    return seconds, setup, flagged


def _compile(kernel: str) -> Callable:
    def run(path: str, plan: str) -> tuple:
        try:
            import validator
        except ImportError as exc:
            raise Unavailable(f"cannot import validator: {exc}") from None
        t0 = time.perf_counter()
        try:
            validator.load_plan(plan, kernel=kernel)
        except ImportError as exc:
            raise Unavailable(str(exc)) from None
        return time.perf_counter() - t0, None, None

    return run


def peer_fastjsonschema(path: str, plan: str) -> tuple:
    import fastjsonschema

    error = fastjsonschema.JsonSchemaValueException

    def invalid(check: Callable, value: Any) -> bool:
        try:
            check(value)
        except error:
            return True
        return False

    return _peer_loop(path, plan, fastjsonschema.compile, invalid)


def peer_jsonschema(path: str, plan: str) -> tuple:
    from jsonschema import Draft7Validator

    def compile_schema(schema: Any) -> Any:
        return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)

    def invalid(v: Any, value: Any) -> bool:
        return bool(list(v.iter_errors(value)))

    return _peer_loop(path, plan, compile_schema, invalid)


def peer_jsonschema_rs(path: str, plan: str) -> tuple:
    try:
        import jsonschema_rs
    except ImportError as exc:
        raise Unavailable(f"jsonschema_rs not installed ({exc}); pip install jsonschema-rs") from None

    def compile_schema(schema: Any) -> Any:
        return jsonschema_rs.Draft7Validator(schema, validate_formats=True)

    def invalid(v: Any, value: Any) -> bool:
        if v.is_valid(value):
            return False
        list(v.iter_errors(value))  # all errors, as the reference reports them
        return True

    return _peer_loop(path, plan, compile_schema, invalid)


CONTENDERS: dict = {
    "floor": floor,
    "floor-parquet": floor_parquet,
    "api-cython": _api("cython", front=False),
    "api-native": _api("cython", front=True),
    "native-block": native_block,
    "api-python": _api("python"),
    "compile-cython": _compile("cython"),
    "compile-python": _compile("python"),
    "fastjsonschema": peer_fastjsonschema,
    "jsonschema": peer_jsonschema,
    "jsonschema-rs": peer_jsonschema_rs,
}


def main(argv: list) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks._one")
    parser.add_argument("name", choices=sorted(CONTENDERS))
    parser.add_argument("--input", required=True)
    parser.add_argument("--plan", required=True)
    args = parser.parse_args(argv)
    try:
        seconds, setup, flagged = CONTENDERS[args.name](args.input, args.plan)
    except Unavailable as exc:
        print(json.dumps({"name": args.name, "unavailable": str(exc)}))
        return 3
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "name": args.name,
        "seconds": seconds,
        "setup_seconds": setup,
        "flagged": flagged,
        "rss_kb": rss_kb,
    }
    if EXACT:
        report["exact"] = EXACT
    print(json.dumps({k: v for k, v in report.items() if v is not None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
