"""Fuzz target: PlanValidator.validate_line on both kernels, with fixed plans and plans made from fuzz bytes.

Input layout (see Source): a plan choice byte, a flags byte, then either the raw line or a
structure-aware recipe that splices fuzz-made JSON texts into a known batch line. Asserted for every
input: both kernels, and the compiled one with and without its native front end, return the same
bytes (for validate_line, check_line and the block loop's check_lines); the result is one line of
strict JSON (no NaN/Infinity, valid UTF-8, no duplicate keys) shaped `{"results":[...],"batch":{}}`
or `{"error":"..."}`; nothing but PlanError (for a plan made from fuzz bytes) escapes.

Run: python -m fuzz validate_line --seconds 60
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional

from fuzz._findings import Finding
from fuzz._source import CONFORMANCE, Source, batch_lines, splice
from validator import PlanError, load_plan
from validator.deep import call_deep

FIXED_PLANS = [
    CONFORMANCE / "rich_plan.json",
    CONFORMANCE / "seed_plan.json",
    CONFORMANCE / "websdk_plan.json",
    *sorted((CONFORMANCE / "edge").glob("*.plan.json")),
]
PLAN_FROM_BYTES = len(FIXED_PLANS)  # the plan is the fuzz bytes' own JSON text
PLAN_SPLICED = len(FIXED_PLANS) + 1  # a fixed plan with fuzz-made JSON texts spliced into it
PLAN_CHOICES = len(FIXED_PLANS) + 2
LINES = batch_lines()
SUFFIXES = [b"", b"", b"", b"\r", b"\r\n", b" ", b"\t", b"\n", b"\x00", b"\xef\xbb\xbf"]
LINE_FLAG_STRUCTURED = 4

_fixed: dict = {}
_made: OrderedDict = OrderedDict()  # plan text -> validator pair (or the PlanError), most recent last
_MADE_LIMIT = 64
_scratch = Path(tempfile.mkdtemp(prefix="dpv-fuzz-plan-"))


class _Refused:
    """A plan made from fuzz bytes that load_plan refused with PlanError (cached like a plan)."""


# Both kernels, except in the suite's pure-Python pass (DPV_NO_SPEEDUPS=1, where the compiled kernel may not
# be built): there the checks still run, on the one kernel.
KERNELS = ("python",) if os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0") else ("python", "cython")


def _pair(source: Any, compat: Optional[str], lenient: bool) -> tuple:
    """The plan's validators: each kernel's, then (compiled) one without the native front end."""
    found = [load_plan(source, compat=compat, lenient_types=lenient, kernel=k) for k in KERNELS]
    if "cython" in KERNELS:
        objects = load_plan(source, compat=compat, lenient_types=lenient, kernel="cython")
        objects._front = None  # every line through Python objects, the compiled kernel's other path
        if objects._single is not None:
            objects._single.front = None
        found.append(objects)
    return tuple(found)


def _label(validator: Any) -> str:
    if validator.backend == "cython" and getattr(validator, "_front", None) is None:
        return "cython (objects)"
    return str(validator.backend)


def _fixed_pair(index: int, compat: Optional[str], lenient: bool) -> tuple:
    key = (index, compat, lenient)
    if key not in _fixed:
        _fixed[key] = _pair(str(FIXED_PLANS[index]), compat, lenient)
    return _fixed[key]


def _made_pair(text: bytes, compat: Optional[str], lenient: bool) -> Any:
    """Validators for a plan file holding `text`; _Refused when load_plan raises PlanError."""
    key = (text, compat, lenient)
    found = _made.get(key)
    if found is not None:
        _made.move_to_end(key)
        return found
    path = _scratch / "plan.json"
    path.write_bytes(text)
    try:
        pair: Any = _pair(str(path), compat, lenient)
    except PlanError:
        pair = _Refused()
    except Exception as exc:
        raise Finding("plan-load-exception", f"load_plan raised {type(exc).__name__}: {exc}") from exc
    _made[key] = pair
    if len(_made) > _MADE_LIMIT:
        _made.popitem(last=False)
    return pair


def decode(data: bytes) -> tuple:
    """(plan text or fixed plan index, compat, lenient, line) from one fuzz input."""
    src = Source(data)
    choice = src.below(PLAN_CHOICES)
    flags = src.byte()
    compat = "1.0.3" if flags & 1 else None
    lenient = bool(flags & 2)
    plan: Any = choice
    if choice == PLAN_FROM_BYTES:
        plan = src.chunk()
    elif choice == PLAN_SPLICED:
        sub = Source(src.chunk())
        base = json.loads(FIXED_PLANS[sub.below(len(FIXED_PLANS))].read_bytes())
        plan = splice(sub, base, 1 + sub.below(3))
    if flags & LINE_FLAG_STRUCTURED:
        base_line = json.loads(LINES[src.below(len(LINES))])
        if not isinstance(base_line, (dict, list)):
            base_line = {"events": [base_line]}
        line = splice(src, base_line, 1 + src.below(3)) + src.pick(SUFFIXES)
    else:
        line = src.rest()
    return plan, compat, lenient, line


def encode_raw(plan_index: int, line: bytes, flags: int = 0) -> bytes:
    """The fuzz input that validates `line` as is against FIXED_PLANS[plan_index] (for seeds)."""
    return bytes([plan_index, flags & ~LINE_FLAG_STRUCTURED]) + line


def encode_made(plan_text: bytes, line: bytes, flags: int = 0) -> bytes:
    """The fuzz input that validates `line` as is against a plan file holding `plan_text`."""
    size = len(plan_text).to_bytes(2, "big")
    return bytes([PLAN_FROM_BYTES, flags & ~LINE_FLAG_STRUCTURED]) + size + plan_text + line


def one_input(data: bytes) -> None:
    """Check one fuzz input; raises Finding on a violated property."""
    answer(data)


def answer(data: bytes) -> Optional[bytes]:
    """Both kernels' common, checked answer for one fuzz input; None when load_plan refuses its plan."""
    plan, compat, lenient, line = decode(data)
    if isinstance(plan, int):
        pair = _fixed_pair(plan, compat, lenient)
    else:
        pair = _made_pair(plan, compat, lenient)
        if isinstance(pair, _Refused):
            return None
    return check_line(pair, line)


def check_line(pair: tuple, line: bytes) -> bytes:
    """Validate `line` with the validators of one plan (python, cython, cython without its native
    front end); their common, checked answer. The front end must also scan the line as the path
    through Python objects does (check_line, and check_lines: the CLI's block loop)."""
    answers = []
    for validator in pair:
        try:
            answers.append(validator.validate_line(line))
            if getattr(validator, "_front", None) is not None:
                _scans_alike(validator, line)
        except Finding:
            raise
        except RecursionError as exc:
            raise Finding("recursion-error", f"{_label(validator)}: RecursionError escaped") from exc
        except Exception as exc:
            raise Finding("exception", f"{_label(validator)}: {type(exc).__name__}: {exc}") from exc
    python = answers[0]
    for validator, other in zip(pair[1:], answers[1:]):
        if other != python:
            detail = f"python: {python[:2000]!r}\n{_label(validator)}: {other[:2000]!r}"
            raise Finding("kernels-differ", detail)
    check_result(python)
    return python


def _scans_alike(validator: Any, line: bytes) -> None:
    native = validator.check_line(line)
    objects = validator._check_objects(line)
    if native != objects:
        raise Finding("native-differs", f"check_line native: {native!r:.2000}\nobjects: {objects!r:.2000}")
    bare = line[:-1] if line.endswith(b"\r") else line
    if b"\n" in line or not bare or bare.isspace():
        return  # not one NDJSON line the block loop would check
    results = validator.check_lines([line])[0]
    want = [validator.check_line(bare)[0]]
    if results != want:
        raise Finding("native-differs", f"check_lines: {results!r:.2000}\ncheck_line: {want!r:.2000}")


def _no_constant(name: str) -> Any:
    raise Finding("non-json-number", f"{name} in the result: JSON.stringify writes null for it")


class _Object(list):
    """A decoded JSON object, as its (key, value) pairs in order (arrays decode as plain lists)."""


def _object(pairs: list) -> _Object:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Finding("duplicate-key", f"duplicate keys in one object of the result: {keys}")
    return _Object(pairs)


def _strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_object)


def check_result(result: Any) -> None:
    """Raise Finding unless `result` is one line of strict JSON in one of the two result shapes."""
    if type(result) is not bytes:
        raise Finding("shape", f"validate_line returned {type(result).__name__}, not bytes")
    if b"\n" in result:
        raise Finding("newline", f"the result spans lines: {result[:2000]!r}")
    try:
        text = result.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Finding("invalid-utf8-output", f"{exc}: {result[:2000]!r}") from None
    try:
        try:
            top = _strict_loads(text)
        except RecursionError:  # a result can echo a deeply nested input (unplanned criteria, say)
            top = call_deep(_strict_loads, text)
    except ValueError as exc:
        raise Finding("invalid-json-output", f"{exc}: {result[:2000]!r}") from None
    if not isinstance(top, _Object):
        raise Finding("shape", f"the result is not an object: {result[:2000]!r}")
    keys = [key for key, _ in top]
    if keys == ["error"] and isinstance(top[0][1], str):
        return
    if (
        keys != ["results", "batch"]
        or type(top[1][1]) is not _Object
        or top[1][1]
        or type(top[0][1]) is not list
    ):
        raise Finding("shape", f"not {{'results':[...],'batch':{{}}}} nor {{'error':...}}: {result[:2000]!r}")
    for item in top[0][1]:
        if not isinstance(item, _Object) or item[:1] != [("event_type", "validation_result")]:
            raise Finding("shape", f"a result is not a validation_result object: {result[:2000]!r}")
