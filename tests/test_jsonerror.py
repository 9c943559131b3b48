"""JSON.parse's error messages, word for word (validator/jsonerror.py against Node 20's own).

tests/data/v8_json_parse_errors.json pairs texts with the message Node 20.20 (V8 11.3) throws for each
(null: it parses): hand-picked cases for every template, and cut or mutated batch lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import validator
from validator.jsonerror import parse_error_message

HERE = Path(__file__).resolve().parent
CASES = json.loads((HERE / "data" / "v8_json_parse_errors.json").read_text("utf-8"))


def test_messages_are_v8s() -> None:
    differ = [(text, want, parse_error_message(text)) for text, want in CASES["cases"]]
    differ = [item for item in differ if item[1] != item[2]]
    assert not differ, differ[:5]
    assert len(CASES["cases"]) > 250


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Unexpected end of JSON input"),
        ('{"a":1', "Expected ',' or '}' after property value in JSON at position 6"),
        ('{"a":{"b" 1}}', "Expected ':' after property name in JSON at position 10"),
        ('{"a":1,"b" 1}', "Unexpected number in JSON at position 11"),  # only after an object's first name
        ('"\\u12', "Bad Unicode escape in JSON at position 5"),
        ("x" * 30, "Unexpected token 'x', \"xxxxxxxxxx\"... is not valid JSON"),
        ("[" + "1," * 20 + "x]", "Unexpected token 'x', ...\"1,1,1,1,1,x]\" is not valid JSON"),
        ("😀" * 12, "Unexpected token '\ud83d', \"😀😀😀😀😀\"... is not valid JSON"),  # UTF-16 positions
        ('{"a":1}', None),
        ("[" * 5000 + "]" * 5000, None),  # V8's parser is not recursive: depth is never the error
    ],
)
def test_templates(text: str, message: object) -> None:
    assert parse_error_message(text) == message


def test_error_lines_carry_the_message(kernel: str) -> None:
    plan = validator.load_plan(str(HERE.parent / "examples" / "plan.json"), kernel=kernel)
    assert plan.validate_line(b'{"events":[}') == (
        b'{"error":"Unexpected token \'}\', \\"{\\"events\\":[}\\" is not valid JSON"}'
    )
    # invalid UTF-8 is read as U+FFFD, one per bad byte here, as Node decodes the file
    assert plan.check_line(b'{"a":"\xff\xfe"')[0] == (
        b'{"error":"Expected \',\' or \'}\' after property value in JSON at position 9"}'
    )
