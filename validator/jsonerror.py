"""The message of the SyntaxError JSON.parse throws on a text, word for word as Node 20 (V8 11.3) words it.

The reference's line reader answers a line JSON.parse refuses with `{"error": <that message>}`, so the
message is part of the output. It names the first character V8's JSON parser stops at, by its
position in UTF-16 code units, with one of V8's message templates (json-parser.cc,
`ReportUnexpectedToken`); `Unexpected token` messages quote the text, or ten characters either side
of the position once it is 21 characters or longer.
"""

from __future__ import annotations

from typing import Optional

_WHITESPACE = frozenset(" \t\n\r")
_SPECIAL = frozenset(("[object Object]", "undefined", "Infinity", "NaN"))
_CONTEXT = 10  # kMaxContextCharacters
_MIN_LENGTH_FOR_CONTEXT = 2 * _CONTEXT + 1
_HEX = frozenset("0123456789abcdefABCDEF")
_ESCAPES = frozenset('"\\/bfnrtu')

EXPECTED_PROPERTY_NAME_OR_RBRACE = "Expected property name or '}' in JSON at position %d"
EXPECTED_DOUBLE_QUOTED_NAME = "Expected double-quoted property name in JSON at position %d"
EXPECTED_COLON = "Expected ':' after property name in JSON at position %d"
EXPECTED_COMMA_OR_RBRACE = "Expected ',' or '}' after property value in JSON at position %d"
EXPECTED_COMMA_OR_RBRACK = "Expected ',' or ']' after array element in JSON at position %d"
NON_WHITESPACE_AFTER = "Unexpected non-whitespace character after JSON at position %d"
UNTERMINATED_STRING = "Unterminated string in JSON at position %d"
BAD_CONTROL = "Bad control character in string literal in JSON at position %d"
BAD_ESCAPE = "Bad escaped character in JSON at position %d"
BAD_UNICODE_ESCAPE = "Bad Unicode escape in JSON at position %d"
NO_NUMBER_AFTER_MINUS = "No number after minus sign in JSON at position %d"
EXPONENT_MISSING = "Exponent part is missing a number in JSON at position %d"
UNTERMINATED_FRACTION = "Unterminated fractional number in JSON at position %d"


class _Refused(Exception):
    def __init__(self, position: int, template: Optional[str] = None) -> None:
        super().__init__(position, template)
        self.position = position
        self.template = template


def parse_error_message(text: str) -> Optional[str]:
    """V8's JSON.parse message for `text` (a JavaScript string: code points, surrogates kept), or
    None when JSON.parse accepts it."""
    units = _utf16(text)
    try:
        _Scanner(units).parse()
    except _Refused as refused:
        return _message(units, refused.position, refused.template)
    return None


def _utf16(text: str) -> str:
    """The text as UTF-16 code units, one str character each (astral characters become pairs)."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return text
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(chr(data[i] | data[i + 1] << 8) for i in range(0, len(data), 2))


def _message(units: str, position: int, template: Optional[str]) -> str:
    text = _words(units, position, template)
    if text.isascii():
        return text
    # Back to code points: pairs of surrogates join again, a half pair stays (as JSON.stringify shows it).
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _words(units: str, position: int, template: Optional[str]) -> str:
    if template is not None:
        return template % position
    if position >= len(units):
        return "Unexpected end of JSON input"
    char = units[position]
    if char == "-" or "0" <= char <= "9":
        return f"Unexpected number in JSON at position {position}"
    if char == '"':
        return f"Unexpected string in JSON at position {position}"
    if units in _SPECIAL:
        return f'"{units}" is not valid JSON'
    length = len(units)
    if length < _MIN_LENGTH_FOR_CONTEXT:
        return f"Unexpected token '{char}', \"{units}\" is not valid JSON"
    if position < _CONTEXT:
        return f"Unexpected token '{char}', \"{units[: position + _CONTEXT]}\"... is not valid JSON"
    if position < length - _CONTEXT:
        shown = units[position - _CONTEXT : position + _CONTEXT]
        return f"Unexpected token '{char}', ...\"{shown}\"... is not valid JSON"
    return f"Unexpected token '{char}', ...\"{units[position - _CONTEXT :]}\" is not valid JSON"


class _Scanner:
    """V8's JSON parser reduced to where it stops: raises _Refused(position, template or None)."""

    def __init__(self, units: str) -> None:
        self.text = units
        self.end = len(units)
        self.pos = 0

    def skip_whitespace(self) -> str:
        text, pos, end = self.text, self.pos, self.end
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos
        return text[pos] if pos < end else ""

    def parse(self) -> None:
        # Containers on an explicit stack: V8's parser is iterative too, so depth is never an error.
        stack: list = []  # "[" or "{" for each open container
        value_expected = True
        while True:
            if value_expected:
                char = self.skip_whitespace()
                if char == "{":
                    self.pos += 1
                    char = self.skip_whitespace()
                    if char == "}":
                        self.pos += 1
                    else:
                        if char != '"':
                            raise _Refused(self.pos, EXPECTED_PROPERTY_NAME_OR_RBRACE)
                        self.member_name(first=True)
                        stack.append("{")
                        continue
                elif char == "[":
                    self.pos += 1
                    if self.skip_whitespace() == "]":
                        self.pos += 1
                    else:
                        stack.append("[")
                        continue
                else:
                    self.scalar(char)
            # a value ended: what follows it in its container
            if not stack:
                if self.skip_whitespace():
                    raise _Refused(self.pos, NON_WHITESPACE_AFTER)
                return
            char = self.skip_whitespace()
            if stack[-1] == "{":
                if char == ",":
                    self.pos += 1
                    if self.skip_whitespace() != '"':
                        raise _Refused(self.pos, EXPECTED_DOUBLE_QUOTED_NAME)
                    self.member_name(first=False)
                    value_expected = True
                elif char == "}":
                    self.pos += 1
                    stack.pop()
                    value_expected = False
                else:
                    raise _Refused(self.pos, EXPECTED_COMMA_OR_RBRACE)
            else:
                if char == ",":
                    self.pos += 1
                    value_expected = True
                elif char == "]":
                    self.pos += 1
                    stack.pop()
                    value_expected = False
                else:
                    raise _Refused(self.pos, EXPECTED_COMMA_OR_RBRACK)

    def member_name(self, first: bool) -> None:
        """A property name at pos (a '"'), then its ':'. V8 names the missing colon only after an
        object's first name; after later ones it reports the token found there."""
        self.string()
        if self.skip_whitespace() != ":":
            raise _Refused(self.pos, EXPECTED_COLON if first else None)
        self.pos += 1

    def scalar(self, char: str) -> None:
        if char == '"':
            self.string()
        elif char == "-" or "0" <= char <= "9":
            self.number()
        elif char == "t":
            self.literal("true")
        elif char == "f":
            self.literal("false")
        elif char == "n":
            self.literal("null")
        else:
            raise _Refused(self.pos)  # EOS or an unexpected token

    def literal(self, word: str) -> None:
        text, pos = self.text, self.pos + 1
        for expected in word[1:]:
            if pos >= self.end or text[pos] != expected:
                raise _Refused(pos)
            pos += 1
        self.pos = pos

    def string(self) -> None:
        text, end = self.text, self.end
        pos = self.pos + 1
        while True:
            if pos >= end:
                raise _Refused(end, UNTERMINATED_STRING)
            char = text[pos]
            if char == '"':
                self.pos = pos + 1
                return
            if char == "\\":
                pos += 1
                if pos >= end:
                    raise _Refused(end)  # "Unexpected end of JSON input"
                escape = text[pos]
                if escape not in _ESCAPES:
                    raise _Refused(pos, BAD_ESCAPE)
                if escape == "u":
                    for _ in range(4):
                        pos += 1
                        if pos >= end or text[pos] not in _HEX:
                            raise _Refused(pos, BAD_UNICODE_ESCAPE)
            elif char < " ":
                raise _Refused(pos, BAD_CONTROL)
            pos += 1

    def number(self) -> None:
        text, end = self.text, self.end
        pos = self.pos
        if text[pos] == "-":
            pos += 1
            if pos >= end or not "0" <= text[pos] <= "9":
                raise _Refused(pos, NO_NUMBER_AFTER_MINUS)
        if text[pos] == "0":
            pos += 1
            if pos < end and "0" <= text[pos] <= "9":
                raise _Refused(pos)  # a leading zero: "Unexpected number"
        else:
            while pos < end and "0" <= text[pos] <= "9":
                pos += 1
        if pos < end and text[pos] == ".":
            pos += 1
            if pos >= end or not "0" <= text[pos] <= "9":
                raise _Refused(pos, UNTERMINATED_FRACTION)
            while pos < end and "0" <= text[pos] <= "9":
                pos += 1
        if pos < end and text[pos] in "eE":
            pos += 1
            if pos < end and text[pos] in "+-":
                pos += 1
            if pos >= end or not "0" <= text[pos] <= "9":
                raise _Refused(pos, EXPONENT_MISSING)
            while pos < end and "0" <= text[pos] <= "9":
                pos += 1
        self.pos = pos
