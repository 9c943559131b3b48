"""Write the plan and batches of the regex golden case, then record the reference's results.

    python tests/golden/regex/make.py [ORACLE]   (default /work/oracle/oracle.js)

The values are short, so the reference (V8, no time limit) answers even for the exponential
shapes; dpv must answer the same, byte for byte, on both kernels (tests/test_regex_bound.py). The
long hostile values live in the tests themselves: there the reference would hang.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The hostile shapes (the same list as tests/test_regex_bound.py) and some safe neighbours.
PATTERNS = {
    "adjacent": "^[a-z]+[a-z]+[a-z]+[a-z]+$",
    "repeats": "a*a*a*a*a*a*b",
    "dots": ".*.*.*=.*",
    "optional": "^(a?){12}a{12}$",
    "nested": "(a+)+$",
    "words": "(\\w+\\s?)*$",
    "same_branches": "(a|a)*$",
    "overlapping_branches": "(a|ab)*c",
    "backreference": "^(a+)\\1*$",
    "unanchored": "\\d+$",
    "safe_anchored": "^[A-Z]{2}-[0-9]{4,6}$",
    "safe_unanchored": "x\\d+y",
    "safe_two_ways": "^(?:\\d+px|\\d+em)$",
    "safe_lookahead": "^(?=[a-z])\\w+$",
}

SHORT = {
    "adjacent": ["abcd", "abc", "abcdefghijklm", "abcdefghijkl1", "ABCD"],
    "repeats": ["b", "aaab", "aaaaaaaaaaaa", "xb", ""],
    "dots": ["a=b", "=", "abcdefghijkl", "x\n=y", "a\u2028="],
    "optional": ["a" * 12, "a" * 24, "a" * 25, "a" * 11, "b"],
    "nested": ["a", "aaaaaaaaaaaa!", "!a", "", "aaaaaaaaaaaa"],
    "words": ["hello world", "hello  world", "a b c!", "", "x" * 12 + "!"],
    "same_branches": ["", "aaa", "aaaaaaaaaaaa!", "b", "!a"],
    "overlapping_branches": ["c", "ababc", "aaaaaaaaaaaa", "abab", "xc"],
    "backreference": ["aa", "aaaa", "aaaaaaaaaaa!", "ab", "a"],
    "unanchored": ["a1", "1" * 12 + "a", "12\n", "x", "1"],
    "safe_anchored": ["AB-1234", "AB-123", "ab-1234", "AB-1234567", "AB-123456\n"],
    "safe_unanchored": ["x1y", "xy", "x11111111111", "zzx9yzz", "x1\ny"],
    "safe_two_ways": ["12px", "3em", "px", "12pt", "1e"],
    "safe_lookahead": ["abc", "1bc", "a_1", "", "a-b"],
}

KEY_PATTERN = "^(a|a)*$"
NAME_PATTERN = "(a+)+$"
REGEX_VALUES = [
    "a{2147483648,2147483647}",  # V8 clamps both bounds at 2**31 - 1: not out of order
    "a{2147483647,2147483646}",
    "a{" + "1" * 5000 + "}",  # more digits than Python's int() accepts by default
    "(?:" * 5000 + "a" + ")" * 5000,  # deeper than any recursive parser
    "(" * 32767 + ")" * 32767,  # V8's most capturing groups
    "(" * 32768 + ")" * 32768,  # one too many
    "(?<a>x)\\k<a>",
    "(?<" * 40,
    "a\\Z",
    "(a|a)*$",
]
FORMAT_VALUES = {
    "url": ["http://example.com/a", "http://" + "a" * 12 + "!", "http://a-", "ftp://x.y"],
    "ipv6": ["::1", "::1%" + " " * 12 + "x", "1:2:3:4:5:6:7:8", "::1% eth0 "],
}


def event(name: str, attributes: dict) -> dict:
    return {
        "event_type": "custom_event",
        "data": {"event_name": name, "custom_event_type": "other", "custom_attributes": attributes},
    }


def point(name: str, attributes_schema: dict) -> dict:
    return {
        "match": {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": "other"}},
        "validator": {
            "type": "json_schema",
            "definition": {"properties": {"data": {"properties": {"custom_attributes": attributes_schema}}}},
        },
    }


def main() -> None:
    oracle = sys.argv[1] if len(sys.argv) > 1 else "/work/oracle/oracle.js"
    shapes = {key: {"type": "string", "pattern": source} for key, source in PATTERNS.items()}
    plan = {
        "data_points": [
            point("shapes", {"properties": shapes}),
            point("keys", {"patternProperties": {KEY_PATTERN: {}}, "additionalProperties": False}),
            point("names", {"propertyNames": {"pattern": NAME_PATTERN}}),
            point("regex", {"properties": {"source": {"type": "string", "format": "regex"}}}),
            point("formats", {"properties": {f: {"type": "string", "format": f} for f in FORMAT_VALUES}}),
        ]
    }
    batches = []
    for key, values in SHORT.items():
        batches.append({"events": [event("shapes", {key: value}) for value in values]})
    batches.append({"events": [event("keys", {key: "v"}) for key in ["", "aaa", "a" * 12 + "!", "b"]]})
    batches.append({"events": [event("names", {key: 1}) for key in ["a", "a" * 12 + "!", "b", ""]]})
    batches.extend({"events": [event("regex", {"source": value})]} for value in REGEX_VALUES)
    for name, values in FORMAT_VALUES.items():
        batches.append({"events": [event("formats", {name: value}) for value in values]})
    (HERE / "plan.json").write_text(json.dumps(plan, indent=1) + "\n")
    lines = "".join(json.dumps(batch, separators=(",", ":")) + "\n" for batch in batches)
    (HERE / "batches.ndjson.gz").write_bytes(gzip.compress(lines.encode(), mtime=0))
    results = subprocess.run(
        ["node", oracle, "--quiet", "--ua-optional", str(HERE / "plan.json"), "-"],
        input=lines.encode(),
        check=True,
        capture_output=True,
        timeout=600,
    ).stdout
    (HERE / "results.ndjson.gz").write_bytes(gzip.compress(results, mtime=0))


if __name__ == "__main__":
    main()
