"""The native front end (validator._native) gives the bytes of the path through Python objects.

The compiled kernel validates a line on a yyjson DOM when its front end is built, and through
Python objects (orjson, then the kernel) otherwise. Both are ours, so here even error lines must
be identical, V8-worded messages included. Every golden batch, fresh random cases, hand-made
hostile lines and fuzzed lines go through both; `loads` (the values the front end hands the exact
path) must equal orjson.loads, type for type.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

import validator

if os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0"):
    pytest.skip("compiled kernel disabled (DPV_NO_SPEEDUPS)", allow_module_level=True)
_kernel_c = pytest.importorskip("validator._kernel_c")
if _kernel_c.FRONT_ERROR is not None:
    pytest.skip(f"native front end not built: {_kernel_c.FRONT_ERROR}", allow_module_level=True)
from validator import _native  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
EXAMPLES = HERE.parent / "examples"


def _lines(path: Path) -> list:
    lines = path.read_bytes().split(b"\n")
    return lines[:-1] if lines and lines[-1] == b"" else lines


def _front_off(v: validator.PlanValidator) -> Any:
    """A context in which `v` validates through Python objects (its plan's front end set aside)."""

    class _Off:
        def __enter__(self) -> None:
            self.front = v._front
            v._front = None
            if v._single is not None:
                v._single.front = None

        def __exit__(self, *exc: object) -> None:
            v._front = self.front
            if v._single is not None:
                v._single.front = self.front

    return _Off()


def _load(plan: Any, **options: Any) -> validator.PlanValidator:
    v = validator.load_plan(plan, kernel="cython", **options)
    assert v._single is not None and v._single.front is not None, "no native front end for this plan"
    return v


def _agree(v: validator.PlanValidator, lines: list, where: str = "") -> None:
    """Both paths give the same bytes for every line: validate_line, check_line and validate_block."""
    front = v._front
    native = [(v.validate_line(line), v.check_line(line)) for line in lines]
    with _front_off(v):
        objects = [(v.validate_line(line), v.check_line(line)) for line in lines]
    for number, (line, got, want) in enumerate(zip(lines, native, objects), 1):
        assert got == want, f"{where} line {number}: {line[:300]!r}\n native:  {got}\n objects: {want}"
    whole = [line for line in lines if b"\n" not in line and line.strip()]
    expected = b"".join(v.validate_line(line) + b"\n" for line in whole)
    assert front.validate_block(b"\n".join(whole), v.validate_line) == expected, where
    checked = [(index, *v.check_line(line)) for index, line in enumerate(whole)]
    assert front.check_block(b"\n".join(whole), v.check_line) == checked, where
    for every in (False, True):
        by_front = v.check_lines(whole, _never_blank, every)
        with _front_off(v):
            assert by_front == v.check_lines(whole, _never_blank, every), where


def _never_blank(line: bytes) -> bool:
    return False


# -- golden batches ------------------------------------------------------------------------------------


def _golden_sets() -> list:
    found = []
    conformance = GOLDEN / "conformance"
    for plan, batches, compat in (
        ("seed_plan.json", "seed_batches.ndjson", "1.0.3"),
        ("seed_plan.json", "seed_batches.ndjson", None),
        ("rich_plan.json", "rich_batches.ndjson", "1.0.3"),
        ("websdk_plan.json", "websdk_batches.ndjson", "1.0.3"),
    ):
        found.append(
            pytest.param(conformance / plan, conformance / batches, compat, id=f"{batches}-{compat}")
        )
    for plan in sorted((conformance / "edge").glob("*.plan.json")):
        name = plan.name[: -len(".plan.json")]
        found.append(pytest.param(plan, plan.with_name(f"{name}.batches.ndjson"), "1.0.3", id=f"edge-{name}"))
    for folder in ("random", "recorded"):
        for plan in sorted((GOLDEN / folder).glob("*.plan.json")):
            name = plan.name[: -len(".plan.json")]
            batches = plan.with_name(f"{name}.batches.ndjson")
            if batches.exists():
                found.append(pytest.param(plan, batches, "1.0.3", id=f"{folder}-{name}"))
    found.append(pytest.param(EXAMPLES / "plan.json", None, None, id="examples"))
    return found


def _batches(path: Any) -> list:
    if path is None:  # the examples: gzipped
        import gzip

        return gzip.decompress((EXAMPLES / "batches.ndjson.gz").read_bytes()).split(b"\n")[:-1]
    return _lines(path)


@pytest.mark.parametrize(("plan", "batches", "compat"), _golden_sets())
def test_golden_batches_give_the_same_bytes(plan: Path, batches: Path, compat: Any) -> None:
    try:
        v = validator.load_plan(str(plan), compat=compat, kernel="cython")
    except validator.PlanError:
        pytest.skip("the plan is refused")
    if v._front is None:
        pytest.skip("a plan that fails every batch: no front end")
    _agree(v, _batches(batches), plan.name)


def test_golden_batches_mostly_stay_native() -> None:
    """The front end really answers (a silent fallback everywhere would pass the byte tests)."""
    v = _load(str(EXAMPLES / "plan.json"))
    for line in _batches(None):
        v.validate_line(line)
    stats = v._single.front.stats()  # type: ignore[union-attr]
    assert stats["lines"] >= 40 and stats["exact_lines"] == 0
    assert 0 < stats["exact_events"] < stats["events"] / 2


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location(
        "dpv_native_generate", HERE / "differential" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chunk", range(4))
def test_fresh_random_cases_give_the_same_bytes(chunk: int) -> None:
    generate = _generate()
    for index in range(chunk * 40, (chunk + 1) * 40):
        case = generate.generate_case(8675309, index, n_batches=12)
        try:
            v = validator.load_plan(case["plan"], compat="1.0.3" if index % 2 else None, kernel="cython")
        except validator.PlanError:
            continue
        if v._front is None:
            continue
        _agree(v, [line.encode("utf-8") for line in case["lines"]], f"case {index}")


# -- hostile lines ---------------------------------------------------------------------------------------

PLAN = {
    "data_points": [
        {
            "match": {
                "type": "custom_event",
                "criteria": {"event_name": "Buy", "custom_event_type": "transaction"},
            },
            "validator": {
                "type": "json_schema",
                "definition": {
                    "properties": {
                        "data": {
                            "properties": {
                                "custom_attributes": {
                                    "additionalProperties": False,
                                    "required": ["n"],
                                    "properties": {
                                        "n": {"type": "integer", "maximum": 100},
                                        "x": {"type": "number", "exclusiveMinimum": -1},
                                        "s": {"type": "string", "maxLength": 3, "pattern": "^[a-zé😀]+$"},
                                        "e": {"enum": ["a", "é", "😀"]},
                                        "d": {"type": "string", "format": "date-time"},
                                        "o": {"type": "object", "minProperties": 1, "maxProperties": 2},
                                        "l": {
                                            "type": "array",
                                            "maxItems": 2,
                                            "items": {"type": ["string", "null"]},
                                        },
                                        "b": {"type": "boolean"},
                                        "z": {"type": "null"},
                                        "c": {"const": "k"},
                                        "m": {"multipleOf": 0.5},
                                        "any": {},
                                    },
                                },
                            },
                            "required": ["custom_attributes"],
                        }
                    }
                },
            },
        },
        {
            "match": {"type": "screen_view", "criteria": {"screen_name": "Home"}},
            "validator": {
                "type": "json_schema",
                "definition": {"properties": {"data": {"additionalProperties": {"type": "string"}}}},
            },
        },
        {
            "match": {"type": "product_action", "criteria": {"action": "purchase"}},
            "validator": {
                "type": "json_schema",
                "definition": {
                    "properties": {
                        "data": {
                            "properties": {
                                "product_action": {
                                    "properties": {
                                        "products": {
                                            "items": {
                                                "required": ["id"],
                                                "properties": {"id": {"type": "string"}},
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
            },
        },
        {"match": {"type": "session_start"}, "validator": {"type": "json_schema", "definition": {}}},
        {
            "match": {"type": "user_attributes"},
            "validator": {
                "type": "json_schema",
                "definition": {"additionalProperties": False, "properties": {"tier": {"type": "string"}}},
            },
        },
    ]
}


def _batch(attributes: str, extra: str = "", ua: str = '{"tier":"gold"}') -> bytes:
    event = (
        '{"event_type":"custom_event","data":{"event_name":"Buy","custom_event_type":"transaction",'
        f'"custom_attributes":{attributes}{extra}}}}}'
    )
    return f'{{"events":[{event}],"user_attributes":{ua}}}'.encode()


def _deep(depth: int) -> bytes:
    return _batch('{"n":1,"o":' + "[" * depth + "]" * depth + "}")


HOSTILE = [
    # numbers
    _batch('{"n":1e400}'),
    _batch('{"n":-1e400}'),
    _batch('{"n":-0.0}'),
    _batch('{"n":-0}'),
    _batch('{"n":1.0}'),
    _batch('{"n":1e2}'),
    _batch('{"n":100.0000000000001}'),
    _batch('{"n":9007199254740993}'),
    _batch('{"n":-9007199254740993}'),
    _batch('{"n":9007199254740992}'),
    _batch('{"n":18446744073709551615}'),
    _batch('{"n":18446744073709551616}'),
    _batch('{"n":-9223372036854775809}'),
    _batch('{"n":123456789012345678901234567890}'),
    _batch('{"n":1,"x":-1}'),
    _batch('{"n":1,"x":-0.9999999999999999}'),
    _batch('{"n":1,"x":1e-400}'),
    _batch('{"n":1,"m":1.5}'),
    _batch('{"n":1,"m":1.25}'),
    _batch('{"n":1,"any":1e308}'),
    _batch('{"n":1,"any":NaN}'),
    _batch('{"n":1,"any":Infinity}'),
    _batch('{"n":01}'),
    # strings and Unicode
    _batch('{"n":1,"s":"\\ud83d"}'),
    _batch('{"n":1,"s":"\\ude00"}'),
    _batch('{"n":1,"s":"\\ud83d\\ude00"}'),
    _batch('{"n":1,"s":"😀😀😀"}'),
    _batch('{"n":1,"s":"😀😀😀😀"}'),
    _batch('{"n":1,"s":"ééé"}'),
    _batch('{"n":1,"s":"ÉÉ"}'),
    _batch('{"n":1,"s":"a\\u0000"}'),
    _batch('{"n":1,"s":"\\u0061b"}'),
    _batch('{"n":1,"e":"\\u00e9"}'),
    _batch('{"n":1,"e":"é"}'),
    _batch('{"n":1,"e":"e\\u0301"}'),
    _batch('{"n":1,"e":"😀"}'),
    _batch('{"n":1,"d":"2020-01-01T00:00:00Z"}'),
    _batch('{"n":1,"d":"2020-01-01t00:00:00z"}'),
    _batch('{"n":1,"d":"2020-01-01T00:00:00Ｚ"}'),
    _batch('{"n":1,"d":"2020-01-01T00:00:00+0100"}'),
    _batch('{"n":1,"c":"k"}'),
    _batch('{"n":1,"c":"K"}'),
    _batch('{"n":1,"s":"\x01"}'),
    _batch('{"n":1,"s":"a\tb"}'),
    _batch('{"n":1,"s":"\\/"}'),
    _batch('{"n":1,"é":1}'),
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Buy","custom_event_type":"transaction",'
    b'"custom_attributes":{"n":1,"s":"\xff"}}}]}',
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Buy","custom_event_type":"transaction",'
    b'"custom_attributes":{"n":1,"s":"\xed\xa0\xbd"}}}]}',
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Buy","custom_event_type":"transaction",'
    b'"custom_attributes":{"n":1,"s":"\xc0\xaf"}}}]}',
    b"\xef\xbb\xbf" + _batch('{"n":1}'),
    # duplicate keys, __proto__, nulls
    _batch('{"n":1,"n":"x"}'),
    _batch('{"n":"x","n":1}'),
    _batch('{"n":1,"n":null}'),
    _batch('{"n":null,"n":1}'),
    _batch('{"n":1,"q":1,"q":null}'),
    _batch('{"n":1,"q":null,"q":1}'),
    _batch('{"n":1,"o":{"a":1,"a":2}}'),
    _batch('{"n":1,"o":{"a":1,"a":2,"a":3}}'),
    _batch('{"n":1,"o":{"a":1,"b":null,"c":null}}'),
    _batch('{"n":1,"o":{"a":null}}'),
    _batch('{"n":1,"o":{}}'),
    _batch('{"n":1,"__proto__":null}'),
    _batch('{"n":1,"__proto__":{"x":1}}'),
    _batch('{"n":1,"o":{"__proto__":{"a":1}}}'),
    _batch('{"n":1,"any":{"__proto__":1}}'),
    _batch('{"n":1,"constructor":1}'),
    _batch('{"n":1,"toString":null}'),
    _batch('{"n":1,"l":[null,"a"]}'),
    _batch('{"n":1,"l":[1]}'),
    _batch('{"n":1,"l":["a","b","c"]}'),
    _batch('{"n":1,"b":true,"z":null}'),
    _batch('{"n":1,"b":null}'),
    _batch('{"n":1}', ',"event_name":"Buy"'),
    _batch('{"n":1}', ',"custom_attributes":{"n":2}'),
    _batch('{"n":1}', ',"custom_attributes":null'),
    _batch('{"n":1}', ',"event_name":"Sell"'),
    _batch('{"n":1}', ',"custom_event_type":5'),
    _batch("null"),
    _batch("[]"),
    _batch('{"n":1}', ua="null"),
    _batch('{"n":1}', ua="[]"),
    _batch('{"n":1}', ua='{"tier":1}'),
    _batch('{"n":1}', ua='{"tier":"a","tier":null}'),
    _batch('{"n":1}', ua='{"tier":null}'),
    _batch('{"n":1}', ua='{"__proto__":null}'),
    b'{"events":[]}',
    # depth
    _deep(1000),
    _deep(1020),
    _deep(1021),
    _deep(1022),
    _deep(1023),
    _deep(2000),
    b'{"a":' + b"[" * 1023 + b"]" * 1023 + b"}",
    b'{"a":' + b"[" * 1024 + b"]" * 1024 + b"}",
    b'{"a":"' + b"[" * 2000 + b'"}',
    # batch shapes
    b"{}",
    b'{"events":null}',
    b'{"events":[]}',
    b'{"events":{}}',
    b'{"events":"x"}',
    b'{"events":1}',
    b'{"events":[null]}',
    b'{"events":[1,"x",[],true,{}]}',
    b'{"events":[{}]}',
    b'{"events":[],"events":null}',
    b'{"events":null,"events":[{"event_type":"session_start"}]}',
    b"[]",
    b"[{}]",
    b"null",
    b"1",
    b'"x"',
    b"",
    b" ",
    b"\n",
    b"{}\n",
    b"{}\r",
    b"{}\r\n",
    b" \t{} ",
    b"{}x",
    b"{}{}",
    b"{,}",
    b'{"a":1,}',
    b"{/* c */}",
    b"{}\x00",
    b'{"events":[{"event_type":"session_start","data":null}]}',
    b'{"events":[{"event_type":"session_start","data":1}]}',
    b'{"events":[{"event_type":"session_start","event_type":"session_end"}]}',
    b'{"events":[{"event_type":"session_end"}]}',
    b'{"events":[{"event_type":"breadcrumb","data":{}}]}',
    b'{"events":[{"event_type":"nope","data":{}}]}',
    b'{"events":[{"event_type":5,"data":{}}]}',
    b'{"events":[{"event_type":null}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home","x":1}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home","x":null}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Nope"}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":""}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":5}}]}',
    b'{"events":[{"event_type":"screen_view","data":{}}]}',
    b'{"events":[{"event_type":"screen_view"}]}',
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"","custom_event_type":"other"}}]}',
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"Buy"}}]}',
    b'{"events":[{"event_type":"custom_event","data":null}]}',
    b'{"events":[{"event_type":"custom_event"}]}',
    b'{"events":[{"event_type":"custom_event","data":{"event_name":"'
    + b"x" * 600
    + b'","custom_event_type":"a"}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":[{"id":"1"}]}}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":[{}]}}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_action":null,"promotion_action":{"action":"view"}}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_action":"purchase"}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"promotion_action":{"action":"click"}}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_impressions":[]}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_impressions":{}}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{}}]}',
    b'{"events":[{"event_type":"application_state_transition","data":{"application_transition_type":"x"}}]}',
    b'{"events":[{"event_type":"application_state_transition","data":{}}]}',
    # validation_errors written in C (Front._written): what each one shows, escaped as JSON.stringify does
    _batch('{"n":1,"s":"\\"q\\\\\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\u000b"}'),
    _batch('{"n":1,"s":"\u2028\u2029\\u2028é😀xyzw"}'),
    _batch('{"n":1,"e":"\\"","c":"\\\\"}'),
    _batch('{"n":1,"d":"\\u0000","e":""}'),
    _batch('{"n":1,"x":-1.5,"b":1.5e300,"z":5e-324}'),
    _batch('{"n":1,"b":-0.0,"z":1e21,"c":1e-7}'),
    _batch('{"n":1,"b":123456789.125,"z":0.1,"c":-7}'),
    _batch('{"n":1,"b":9007199254740992,"z":-9007199254740992,"c":9007199254740993}'),
    _batch('{"n":1,"l":[true,false,null,1,1.5,"a"]}'),
    _batch('{"n":1,"l":[[],{}]}'),
    _batch('{"n":1,"s":[],"e":{},"d":{"a":[1]}}'),
    _batch('{"n":1,"o":{"a":1,"b":2,"c":3},"b":"true","z":0}'),
    _batch('{"n":101,"x":-1,"s":"abcd!","e":"z","d":"no","o":{},"l":["a","b",3],"b":0,"z":false,"c":"j"}'),
    _batch('{"n":1,"a\\"b":1}'),
    _batch('{"n":1,"a~b":1,"a/b":2}'),
    _batch('{"n":1,"":1}'),
    _batch('{"n":1,"1x":1}'),
    _batch('{"n":1,"x1":1,"0":2}'),
    _batch('{"n":1,"é😀":1,"\\u0000":2}'),
    _batch('{"n":1,"p":1,"q":2,"p":3}'),
    _batch('{"n":1,"o":{"a":1,"b":2,"c":3,"d":null}}'),
    _batch('{"n":1,"l":[{"__proto__":1,"x":null},null]}'),
    _batch('{"n":1,"l":[[1.5e300,-0.0,1e21,{"b":[true,null]}]]}'),
    _batch('{"n":1,"l":[' + "[" * 40 + "]" * 40 + "]}"),
    _batch('{"n":1,"s":"' + "\\u0001\\\\" * 3000 + '"}'),
    _batch('{"x":1}'),
    _batch('{}'),
    _batch('{"n":1}', ua='{"tier":"a","x":1,"y":null,"x":2}'),
    _batch('{"n":1}', ua='{"tier":5,"\\"":1,"😀":[]}'),
    _batch('{"n":1}', ua='{"1":1,"tier":"a"}'),
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home","x":1,"y":"\\n","z":[1]}}]}',
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home","a~b":1,"c/d":true}}]}',
    b'{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase",'
    b'"products":[{"id":1},{},{"id":"\\u00e9"},{"id":[]},null,5]}}}]}',
]


@pytest.mark.parametrize("compat", ["1.0.3", None])
def test_hostile_lines_give_the_same_bytes(compat: Any) -> None:
    v = _load(PLAN, compat=compat)
    _agree(v, HOSTILE)
    # and in one batch with a valid event before them (a failing line must not hide the others)
    _agree(
        v,
        [line.replace(b'{"events":[', b'{"events":[{"event_type":"session_start"},', 1) for line in HOSTILE],
    )


def test_errors_are_mostly_written_in_c() -> None:
    """The C error writer really answers (a silent fallback everywhere would pass the byte tests)."""
    v = _load(PLAN)
    for line in HOSTILE:
        v.validate_line(line)
    stats = v._single.front.stats()  # type: ignore[union-attr]
    assert stats["written_events"] >= 40, stats


def test_hostile_lines_on_golden_plans() -> None:
    for plan in (GOLDEN / "conformance" / "rich_plan.json", EXAMPLES / "plan.json"):
        _agree(_load(str(plan)), HOSTILE, plan.name)


def test_unsure_lines_take_the_whole_line_path() -> None:
    v = _load(PLAN)
    front = v._single.front  # type: ignore[union-attr]
    for line in (
        _batch('{"n":1e400}'),
        _deep(2000),
        b"[]",
        b'{"events":[null]}',
        b'{"events":{}}',
        b"\xef\xbb\xbf{}",
    ):
        before = front.exact_lines
        v.validate_line(line)
        assert front.exact_lines == before + 1, line[:60]
    for line in (_batch('{"n":1}'), _batch('{"n":1,"n":2}'), b"{}", b'{"events":[1]}'):
        before = front.exact_lines
        v.validate_line(line)
        assert front.exact_lines == before, line[:60]
    # check_line leaves a batch without an events array to PlanValidator's own rules
    for line in (b"{}", b'{"events":null}', b'{"data_points":[]}'):
        before = front.exact_lines
        assert front.check_line(line) is None and front.exact_lines == before + 1, line


def test_lenient_and_multi_version_plans_have_no_front_end() -> None:
    assert validator.load_plan(PLAN, kernel="cython", lenient_types=True)._single.front is None  # type: ignore[union-attr]


def test_front_end_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DPV_NO_NATIVE", "1")
    assert validator.load_plan(PLAN, kernel="cython")._single.front is None  # type: ignore[union-attr]


def test_blocks_split_lines_in_c_as_the_reader_does() -> None:
    v = _load(PLAN)
    front = v._single.front  # type: ignore[union-attr]
    lines = [_batch('{"n":1}'), _batch('{"n":"x"}'), b"[]", b"{}", b'{"events":[null]}', b"1e400"]
    want = b"".join(v.validate_line(line) + b"\n" for line in lines)
    assert front.validate_block(b"\n".join(lines)) == want
    assert front.validate_block(b"\n".join(lines) + b"\n") == want
    assert front.validate_block(b"\n\n".join(lines) + b"\n \x0b\x0c\t\r\n") == want
    assert front.validate_block(b"\r\n".join(lines) + b"\r\n") == want
    assert front.validate_block(b"") == b"" and front.validate_block(b"\n \n") == b""
    # through check_line: the index of each line in the block, as the reader numbers lines
    text = b"\r\n".join(lines[:2]) + b"\n\n  \n" + b"\n".join(lines[2:])
    split = [line[:-1] if line.endswith(b"\r") else line for line in text.split(b"\n")]
    want_checked = [(index, *v.check_line(line)) for index, line in enumerate(split) if line.strip()]
    assert front.check_block(text, v.check_line) == want_checked
    # the reader's own blank test, for lines beyond ASCII white space
    spaced = b"\n".join(lines[:2]) + "\n\u00a0\u3000\n".encode() + b"\n".join(lines[2:])
    assert front.validate_block(spaced, blank=lambda line: not line.decode().strip()) == want
    with pytest.raises(TypeError):
        front.validate_block("{}")


# -- values: what the exact path is handed ----------------------------------------------------------------


def _typed(value: Any) -> Any:
    """value with its types spelled out (1 != 1.0 != True; -0.0 != 0.0; key order kept)."""
    if type(value) is dict:
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if type(value) is list:
        return ("list", [_typed(v) for v in value])
    if type(value) is float:
        return ("float", math.copysign(1.0, value), repr(value))
    return (type(value).__name__, value)


TEXTS = [
    "0", "-0", "-0.0", "0.0", "0e0", "-0e-0", "1E2", "1e-2", "1e-400", "-1e-400", "5e-324", "2.5e-324",
    "1.7976931348623157e308", "1.7976931348623158e308", "9007199254740993", "-9007199254740993",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "0.1",
    "0.30000000000000004",
    "3.141592653589793238462643383279", "1.00000000000000011102230246251565404236316680908203125",
    '"\\u00e9"', '"\\ud83d\\ude00"', '"\\u0000"', '"é😀"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '""',
    '{"a":1,"a":2}', '{"a":1,"b":2,"a":3}', '{"__proto__":1}', '{"":null}', "[[],{},[{}]]", "true", "false",
    "null",
    '{"1":1,"0":0}', ' {"a" : [ 1 , 2 ] } ',
]  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
def test_loads_matches_orjson(text: str) -> None:
    assert _typed(_native.loads(text.encode())) == _typed(orjson.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        b"1e400",
        b'"\\ud83d"',
        b'"\xff"',
        b"\xef\xbb\xbf{}",
        b"NaN",
        b"[1,]",
        b"{}x",
        b"",
        b"[" * 1025 + b"]" * 1025,
    ],
)
def test_loads_refuses_what_orjson_refuses(text: bytes) -> None:
    with pytest.raises(ValueError):
        _native.loads(text)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)


# -- fuzz ------------------------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e400", "-0", "-0.0", "1E2", "9007199254740993", "0.5", "100", "101", "-1"]),
)
_strings = st.text(alphabet=st.sampled_from(list('abzAé😀\x00\t"\\/') + ["\ud83d"]), max_size=5)
_keys = st.sampled_from(
    ["n", "x", "s", "e", "d", "o", "l", "b", "z", "c", "m", "any", "q", "__proto__", "a", "é"]
)


_json = st.recursive(
    st.one_of(st.sampled_from(["null", "true", "false"]), _numbers.map(str), _strings.map(json.dumps)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(_keys, inner), max_size=4).map(
            lambda members: "{" + ",".join(json.dumps(k) + ":" + v for k, v in members) + "}"
        ),
    ),
    max_leaves=8,
)
_attributes = st.lists(st.tuples(_keys, _json), max_size=5).map(
    lambda members: "{" + ",".join(json.dumps(k) + ":" + v for k, v in members) + "}"
)


@hypothesis.settings(max_examples=400, deadline=None, derandomize=True)
@hypothesis.given(attributes=_attributes, ua=_json)
def test_fuzzed_events_give_the_same_bytes(attributes: str, ua: str) -> None:
    v = _fuzz_validator()
    _agree(v, [_batch(attributes, ua=ua)])


@hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
@hypothesis.given(
    position=st.integers(min_value=0, max_value=10**6),
    edit=st.sampled_from(
        [b"", b"x", b",", b"\\", b'"', b"{", b"]", b"\xff", b"\x00", b"-", b"e9", b" ", b"null"]
    ),
    replace=st.booleans(),
)
def test_fuzzed_bytes_give_the_same_bytes(position: int, edit: bytes, replace: bool) -> None:
    v = _fuzz_validator()
    line = HOSTILE[position % 40]
    at = position % (len(line) + 1)
    _agree(v, [line[:at] + edit + line[at + (1 if replace else 0) :]])


_FUZZ: list = []


def _fuzz_validator() -> validator.PlanValidator:
    if not _FUZZ:
        _FUZZ.append(_load(PLAN))
    return _FUZZ[0]


def test_threads_sharing_one_validator_get_the_same_bytes() -> None:
    """One front end, many threads: its allocator and caches are only touched under the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    v = _load(PLAN)
    # Lines nested past orjson's limit are left out: how today's path decodes those depends on the
    # recursion limit, which a deep retry in another thread raises for the whole process.
    lines = [line for line in HOSTILE if line.count(b"[") < 900] * 3
    with _front_off(v):
        expected = [v.validate_line(line) for line in lines]
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda _: [v.validate_line(line) for line in lines], range(12)))
    assert all(outcome == expected for outcome in outcomes)


# -- Arrow buffers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("wide", [False, True])
def test_arrow_buffers_give_the_bytes_of_a_list(wide: bool) -> None:
    """check_lines on BinaryRows (rows read in place from Arrow's buffers) answers as on the list of
    the same values: hostile rows, empty rows, a sliced array (its offset), and pickled for --jobs."""
    pa = pytest.importorskip("pyarrow")
    import pickle

    from validator.readers.records import BinaryRows

    v = _load(PLAN)
    values = [b"", b" ", b"{}", b"{}\r", b"x", *HOSTILE[:40], b"", *HOSTILE[40:90]]
    array = pa.array(values, type=pa.large_binary() if wide else pa.binary())
    for start, stop in ((0, len(values)), (3, 50), (7, 8), (10, 10)):
        part = array.slice(start, stop - start)
        _, offsets, data = part.buffers()
        rows = BinaryRows(data, offsets, part.offset, len(part), wide)
        assert list(rows) == values[start:stop]
        expected = v.check_lines(values[start:stop], rows=True)
        assert v.check_lines(rows, rows=True) == expected
        every = v.check_lines(values[start:stop], every=True, rows=True)
        assert v.check_lines(rows, every=True, rows=True) == every
        copy = pickle.loads(pickle.dumps(rows))
        assert list(copy) == values[start:stop] and v.check_lines(copy, rows=True) == expected
        with _front_off(v):
            assert v.check_lines(rows, rows=True) == expected  # the path without the front end iterates


def test_readers_count_newlines_in_c() -> None:
    """The readers' line counting is the native one (an import cycle once made it fall back silently)."""
    from validator.readers import ndjson

    assert ndjson._newlines is _native.newlines


def test_arrow_buffers_with_bad_offsets_are_refused() -> None:
    from array import array

    from validator.readers.records import BinaryRows

    v = _load(PLAN)
    for offsets in ([0, 5, 3], [0, 99], [-1, 2]):
        rows = BinaryRows(b"{}{}{}", array("i", offsets).tobytes(), 0, len(offsets) - 1, False)
        with pytest.raises(ValueError, match="offsets out of range"):
            v.check_lines(rows, rows=True)
    with pytest.raises(ValueError, match="offsets out of range"):
        v.check_lines(BinaryRows(b"{}", array("i", [0, 2]).tobytes(), 0, 5, False), rows=True)


def test_numbers_are_written_as_javascript_writes_them() -> None:
    """The C writer's Number.prototype.toString (error `actual`s) agrees with jsvalue.format_number."""
    import random
    import struct

    from validator.jsvalue import format_number

    rng = random.Random(20261202)
    samples = [0.1, 1e21, 1e20, 1e-7, 1.5e-7, 1e-6, 2.5e-6, 5e-324, 1e16, 123456789.125, -0.5, 100.0, 1.5,
               1.7976931348623157e308, 9007199254740993.0, 123e18, -0.0, 0.0]  # fmt: skip
    for _ in range(20_000):
        bits = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if math.isfinite(bits):
            samples.append(bits)
        samples.append(rng.uniform(-1e6, 1e6))
        samples.append(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
        samples.append(rng.randint(-(10**17), 10**17) * 1.0)
    for value in samples:
        assert _native.number_text(value) == format_number(value), repr(value)
