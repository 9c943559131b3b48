"""The seed corpus, made from the golden files (python -m fuzz seeds writes it to fuzz/corpus/)."""

from __future__ import annotations

from typing import Any

from fuzz import fuzz_readers, fuzz_validate_line
from fuzz._source import CONFORMANCE


def _lines(name: str) -> list:
    return [line for line in (CONFORMANCE / name).read_bytes().splitlines() if line.strip()]


def validate_line_seeds() -> list:
    """(file name, input) pairs: golden batch lines with their own plan, and a few structured recipes."""
    plans = [p.name for p in fuzz_validate_line.FIXED_PLANS]
    seeds: list = []

    def add(name: str, plan: str, line: bytes, flags: int = 0) -> None:
        seeds.append((name, fuzz_validate_line.encode_raw(plans.index(plan), line, flags)))

    for n, line in enumerate(_lines("rich_batches.ndjson")[::2]):
        add(f"rich-{n:02d}", "rich_plan.json", line, flags=n % 2)  # odd ones with compat 1.0.3
    for n, line in enumerate(_lines("seed_batches.ndjson")[::4]):
        add(f"seed-{n:02d}", "seed_plan.json", line, flags=(n % 2) | (2 if n % 3 == 0 else 0))
    for n, line in enumerate(_lines("websdk_batches.ndjson")):
        add(f"websdk-{n:02d}", "websdk_plan.json", line)
    for plan in plans:
        if plan.endswith(".plan.json"):
            case = plan[: -len(".plan.json")]
            add(f"edge-{case}", plan, _lines(f"edge/{case}.batches.ndjson")[0])
    # Structure-aware recipes: plan index, flags with the structured bit, then Source choices.
    structured = fuzz_validate_line.LINE_FLAG_STRUCTURED
    for n, tail in enumerate([b"\x00\x01\x05\x00\x07", b"\x05\x02\x10\x0b\x03", b"\x11\x00\x20\x0e\x01\x00"]):
        seeds.append((f"structured-{n}", bytes([n, structured | n % 2]) + tail))
    spliced = bytes([fuzz_validate_line.PLAN_SPLICED, structured, 0, 6, 0, 2, 5, 0x33, 3])
    seeds.append(("spliced-plan", spliced + b"\x00\x02\x00\x02"))
    plan_text = (CONFORMANCE / "seed_plan.json").read_bytes()
    made = bytes([fuzz_validate_line.PLAN_FROM_BYTES, 0, len(plan_text) >> 8, len(plan_text) & 0xFF])
    seeds.append(("plan-from-bytes", made + plan_text + _lines("seed_batches.ndjson")[0]))
    return seeds


def _readers_input(
    body: bytes, mode: int = fuzz_readers.MODE_RAW, wrap: bool = False, chunk: int = 7
) -> bytes:
    return bytes([mode << 2 | wrap, fuzz_readers.CHUNKS.index(chunk), 3]) + body


def readers_seeds() -> list:
    """(file name, input) pairs: NDJSON and pretty-printed files, plain and gzip, and a few recipes."""
    rich = (CONFORMANCE / "rich_batches.ndjson").read_bytes()
    websdk = (CONFORMANCE / "websdk_batches.ndjson").read_bytes()
    pretty_array = b'[\n  {"events": [],\n   "mpid": 1},\n  {"a": [1,\n 2]}\n]\n'
    pretty_object = b'\xef\xbb\xbf{\n  "events": [\n    {"event_type": "custom_event"}\n  ]\n}\n'
    mixed = b'\xef\xbb\xbf{"a":1}\r\n\n   \t\r\n{"b":2}\nnot json\n[1,2]\n  {"c": "x\\n"}  \n{"d":3'
    bodies: list[tuple[str, Any, bool, int]] = [
        ("rich", rich[:1500], False, 1 << 20),
        ("rich-gzip", rich[:1500], True, 7),
        ("websdk-crlf", websdk.replace(b"\n", b"\r\n"), False, 3),
        ("mixed", mixed, False, 2),
        ("mixed-gzip", mixed, True, 64),
        ("pretty-array", pretty_array, False, 5),
        ("pretty-array-gzip", pretty_array, True, 1),
        ("pretty-object", pretty_object, False, 16),
        ("broken-document", b'[\n {"a": 1},\n {"b": \n]\n', False, 7),
        ("broken-first-line", b'{"a":\n{"b":2}\n{"c":3}\n', False, 7),
        ("blank", b" \r\n\t\n\x0b\n", False, 1),
        ("empty-array", b"[\n]\n", False, 7),
        ("gzip-magic-garbage", b"\x1f\x8bnot gzip at all", False, 7),
    ]
    seeds = [(name, _readers_input(body, wrap=wrap, chunk=chunk)) for name, body, wrap, chunk in bodies]
    cut = bytes([1 | 2 | fuzz_readers.MODE_RAW << 2, 0, 3, 200]) + rich[:1200]
    seeds.append(("gzip-cut", cut))
    # Recipes for the generated modes (picked from random ones for making several records each).
    recipes = [
        (fuzz_readers.MODE_LINES, b"a\x8b\x1a\x92?\x03\xbb7hG.\xea\xde\xc4c(\xc3\xcc\x12#\x9e\x9eq "),
        (fuzz_readers.MODE_LINES, b"\x00\xf8\xdf\x015\xc67\xf5\xfb*\xdf*JP\xf62\x8a\xe0\xad\xa04.\xf0\xf7"),
        (fuzz_readers.MODE_DOCUMENT, b"\xf7\x93\xaa>F\x0f~\xb3?\x0c\xb43\xcbI\xe1_\xe2\x19\x12k\xc4Pa\xc0"),
        (
            fuzz_readers.MODE_DOCUMENT,
            b"z\xaex\xdc\x88\x9f\x17\xcc2`\xb0\x02\x1a\x83\x9a\x96\x9e/\xd0c\x05Q\xad\x06",
        ),
    ]
    for n, (mode, recipe) in enumerate(recipes):
        seeds.append((f"recipe-{n}", bytes([mode << 2, 4, 9]) + recipe))
    return seeds


def all_seeds() -> dict:
    return {"validate_line": validate_line_seeds(), "readers": readers_seeds()}
