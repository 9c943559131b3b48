"""Fuzz input decoding shared by the targets: a byte reader and a generator of odd JSON texts.

The targets decode their input with Source rather than atheris.FuzzedDataProvider so that the same
one-input functions run without atheris (tests/test_fuzz_harness.py replays the corpus in the core
suite). Every read is total: an exhausted input reads as zeros, so any byte string is a valid input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = ROOT / "tests" / "golden" / "conformance"


class Source:
    """Reads choices from fuzz bytes, front to back."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def below(self, n: int) -> int:
        """A number in range(n), from one byte (two when n > 256)."""
        if n <= 1:
            return 0
        value = self.byte() if n <= 256 else self.byte() << 8 | self.byte()
        return value % n

    def flag(self) -> bool:
        return bool(self.byte() & 1)

    def pick(self, items: Any) -> Any:
        return items[self.below(len(items))]

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += len(chunk)
        return chunk

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.pos)

    def chunk(self) -> bytes:
        """A length-prefixed piece (two length bytes), so what follows it stays aligned."""
        return self.take(self.byte() << 8 | self.byte())


def batch_lines() -> list:
    """Every batch line of the conformance and edge golden files, in a fixed order."""
    lines: list = []
    for path in sorted(CONFORMANCE.glob("*batches.ndjson")) + sorted(
        CONFORMANCE.glob("edge/*batches.ndjson")
    ):
        lines.extend(line for line in path.read_bytes().splitlines() if line.strip())
    return lines


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


# Numbers where JSON text, doubles, JS number printing and integer handling part ways.
ODD_NUMBERS = [
    b"0",
    b"-0",
    b"1",
    b"-1",
    b"42",
    b"1.0",
    b"0.1",
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"1E+2",
    b"1e21",
    b"1e-7",
    b"0.000001",
    b"123456789012345678901234567890",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"9007199254740993",
    b"1.7976931348623157e308",
    b"5e-324",
    b"2.5e-324",
    b"100000000000000000000",
    b"0.30000000000000004",
    b"1.5",
    b"-0.0",
    b"1e308",
    b"12345678901234567e-5",
]
# String bodies (between the quotes) that are valid or invalid JSON in interesting ways.
ODD_STRING_PARTS = [
    b"\\ud800",
    b"\\udc00",
    b"\\ud83d\\ude00",
    b"\\udbff",
    b"\\u0000",
    b"\\u001f",
    b"\\u2028",
    b'\\"',
    b"\\\\",
    b"\\/",
    b"\\n",
    b"\\t",
    b"\\u00e9",
    b"\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf0\x9f\x98",
    b"\xe2\x80\xa8",
    b"\xf0\x9f\x98\x80",
    b"\x01",
    b"\t",
    b"\\x41",
    b"\\u12",
    b"\\",
    b"~",
    b"/",
    b"~1",
    b"%",
    b"'",
    b"\r",
    b"\xc3\xa9",
    b"a",
    b"0",
    b"12",
]
ODD_KEYS = [
    b"__proto__",
    b"constructor",
    b"toString",
    b"hasOwnProperty",
    b"valueOf",
    b"prototype",
    b"length",
    b"",
    b"1",
    b"01",
    b"-1",
    b"4294967295",
    b"4294967294",
    b"1.5",
    b"a/b",
    b"a~b",
    b"a.b",
    b"$ref",
    b"\\ud800",
    b"\\u0000",
    b"\xff",
]
# Keywords and names that steer the schema compiler (for plans built from fuzz bytes).
SCHEMA_WORDS = [
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "const",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "items",
    "additionalItems",
    "contains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "propertyNames",
    "dependencies",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
    "definitions",
    "$id",
    "$schema",
    "default",
    "nullable",
    "string",
    "number",
    "integer",
    "boolean",
    "object",
    "array",
    "null",
    "date",
    "date-time",
    "time",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "uri-template",
    "url",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "#",
    "#/definitions/a",
    "#/properties",
    "^a+$",
    "(a+)+$",
    "\\p{L}",
    "[",
    "\\d+",
    "(?<n>a)\\k<n>",
    "[^]",
    "\\u{1F600}",
    "a{2,1}",
    "\\cA",
    "custom_event",
    "screen_view",
    "user_attributes",
    "commerce_event",
    "data",
    "custom_attributes",
    "event_name",
    "custom_event_type",
    "screen_name",
    "event_type",
    "validation_result",
]


def _dictionary() -> list:
    words = set(SCHEMA_WORDS)
    for path in sorted(CONFORMANCE.glob("*plan.json")) + sorted(CONFORMANCE.glob("edge/*.plan.json")):
        words.update(_strings_in(json.loads(path.read_bytes())))
    return sorted(w.encode("utf-8", "surrogatepass") for w in words if len(w) < 60)


DICTIONARY = _dictionary()
MAX_DEPTH = 5


def json_text(src: Source, depth: int = 0) -> bytes:
    """One JSON-ish text: mostly valid JSON, with odd numbers, strings, keys, deep nesting and raw bytes."""
    kind = src.below(16) if depth < MAX_DEPTH else src.below(6)
    if kind == 0:
        return src.pick(ODD_NUMBERS)
    if kind == 1:
        digits = str(src.byte() << 16 | src.byte() << 8 | src.byte()).encode()
        return src.pick([b"", b"-"]) + digits + src.pick([b"", b".5", b"e3", b"e-3", b"E400", b"0" * 25])
    if kind == 2:
        return json.dumps(src.pick(DICTIONARY).decode("utf-8", "surrogatepass")).encode(
            "utf-8", "surrogatepass"
        )
    if kind == 3:
        return b'"' + b"".join(src.pick(ODD_STRING_PARTS) for _ in range(src.below(5))) + b'"'
    if kind == 4:
        return src.pick([b"true", b"false", b"null"])
    if kind == 5:
        return src.take(src.below(8))  # raw bytes: usually not JSON at all
    if kind in (6, 7):
        return b"[" + b",".join(json_text(src, depth + 1) for _ in range(src.below(4))) + b"]"
    if kind in (8, 9, 10):
        pairs = (key_text(src) + b":" + json_text(src, depth + 1) for _ in range(src.below(4)))
        return b"{" + b",".join(pairs) + b"}"
    if kind == 11:  # nesting around the stack limits (~1,000 in CPython, ~1,024 in orjson, far more in V8)
        levels = src.pick([2, 10, 255, 256, 990, 1000, 1023, 1024, 1025, 1100, 2000, 3000, 6000])
        opener, closer = src.pick([(b"[", b"]"), (b'{"a":', b"}"), (b'{"__proto__":', b"}")])
        return opener * levels + json_text(src, MAX_DEPTH) + closer * levels
    if kind == 12:
        return src.pick([b" ", b"\t", b"\r", b"\n", b"\r\n", b""]) + json_text(src, depth + 1)
    if kind == 13:  # a duplicate key: JSON.parse keeps the last value, at the first key's position
        key = key_text(src)
        return (
            b"{"
            + key
            + b":"
            + json_text(src, depth + 1)
            + b","
            + key
            + b":"
            + json_text(src, depth + 1)
            + b"}"
        )
    if kind == 14:
        return b'{"__proto__":' + json_text(src, depth + 1) + b"}"
    return b'"' + src.pick(ODD_STRING_PARTS) * src.pick([1, 100, 5000]) + b'"'


def key_text(src: Source) -> bytes:
    """An object key as JSON text (quoted)."""
    if src.flag():
        return b'"' + src.pick(ODD_KEYS) + b'"'
    return json.dumps(src.pick(DICTIONARY).decode("utf-8", "surrogatepass")).encode("utf-8", "surrogatepass")


VALUE_MARK = "\x00dpv-fuzz-value-{}\x00"
KEY_MARK = "\x00dpv-fuzz-key-{}\x00"


def splice(src: Source, document: Any, count: int) -> bytes:
    """`document` as JSON text with `count` fuzz-made values (or new keys and values) put in its containers.

    A slot is chosen among every container of the document: an existing key or index (its value is
    replaced) or a new one. The new values are text, so they can be anything JSON text can be (and
    things it cannot), which a decoded value could not carry.
    """
    replacements: dict = {}
    for n in range(count):
        slots = list(_slots(document))
        container, key = slots[src.below(len(slots))]
        value_mark = VALUE_MARK.format(n)
        replacements[json.dumps(value_mark)] = json_text(src)
        if key is None and isinstance(container, dict):
            key_mark = KEY_MARK.format(n)
            replacements[json.dumps(key_mark)] = key_text(src)
            container[key_mark] = value_mark
        elif key is None:
            container.append(value_mark)
        else:
            container[key] = value_mark
    separators = src.pick([(",", ":"), (", ", ": "), (",", ": ")])
    text = json.dumps(document, separators=separators, ensure_ascii=src.flag()).encode(
        "utf-8", "surrogatepass"
    )
    for mark, value in replacements.items():
        text = text.replace(mark.encode(), value)
    return text


def _slots(value: Any) -> Iterator[tuple]:
    """(container, key) for every value slot in `value`, key None meaning a new one; the root first."""
    if isinstance(value, dict):
        yield value, None
        for key, item in value.items():
            yield value, key
            yield from _slots(item)
    elif isinstance(value, list):
        yield value, None
        for index, item in enumerate(value):
            yield value, index
            yield from _slots(item)
