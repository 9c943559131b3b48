"""ECMAScript regular expressions (`new RegExp(source)`, no `u` flag) run by Python's engines.

ajv tests `pattern`, `patternProperties` and the format regexes with JavaScript semantics, which
differ from Python's in ways that change answers: `$` never matches before a trailing newline,
`\\d \\w \\b` are ASCII, `\\s` is the JS whitespace set, `.` excludes all four line terminators,
unknown escapes such as `\\a` or `\\Z` are literal letters (Annex B), a `{` that is not a quantifier is
literal, backreferences to groups that did not take part match the empty string, and strings are
sequences of UTF-16 code units (an astral character is two units for `.` and `{n}`).

So the source is parsed with the JavaScript grammar (rejecting what V8 rejects) and re-emitted as a
Python pattern over code units. Patterns whose shape allows catastrophic backtracking (a quantified
group that itself holds a quantifier or an alternation) run on the `regex` engine with a timeout,
because plan authors' regexes may be hostile; the rest run on the stdlib `re`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Optional

import regex as regex_engine

from ..errors import BatchFailure

# Seconds one `test` may run before the batch is failed instead of hanging the run.
MATCH_TIMEOUT = 1.0
# Python's `re` refuses repeat counts from 2**32 - 1 up; beyond any real string anyway.
MAX_REPEAT = 4294967294

JS_WHITESPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
CLASS_ESCAPES = {
    "d": "0-9",
    "w": "A-Za-z0-9_",
    "s": JS_WHITESPACE,
}
LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"
ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class JSRegexError(ValueError):
    """The source is not a valid ECMAScript regular expression (V8 would throw a SyntaxError)."""


class RegexTimeout(BatchFailure):
    """A pattern ran longer than MATCH_TIMEOUT on one value: catastrophic backtracking."""


def to_code_units(text: str) -> str:
    """`text` with every astral character split into its UTF-16 surrogate pair."""
    if text.isascii() or not ASTRAL.search(text):
        return text
    return text.translate(_SPLIT)


class _AstralSplitter(dict):
    """str.translate table that maps each astral code point to its surrogate pair."""

    def __missing__(self, code: int) -> Any:
        if code < 0x10000:
            raise LookupError(code)
        code -= 0x10000
        pair = chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))
        self[code + 0x10000] = pair
        return pair


_SPLIT = _AstralSplitter()


def _char(unit: str) -> str:
    """One code unit as a Python pattern atom, escaped so it never means anything else."""
    if unit.isascii() and unit.isalnum():
        return unit
    return f"\\u{ord(unit):04x}"


class _Parser:
    """Recursive descent over the ECMAScript (Annex B, non-unicode) pattern grammar, emitting Python."""

    def __init__(self, source: str) -> None:
        self.text = to_code_units(source)
        self.pos = 0
        self.group_count, self.group_names = _count_groups(self.text)
        self.python_names = {name: f"n{i}" for i, name in enumerate(self.group_names)}
        self.open_groups: list = []
        self.next_group = 0
        self.prone = False
        self.lookbehind = False

    def error(self, message: str) -> JSRegexError:
        return JSRegexError(f"Invalid regular expression: /{self.text}/: {message}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def parse(self) -> str:
        body, _ = self.disjunction()
        if self.pos < len(self.text):
            raise self.error("Unmatched ')'")
        return body

    def disjunction(self) -> tuple:
        """Alternatives up to `)` or the end; returns (pattern, risky) where risky means it can backtrack."""
        parts, risky = [], False
        while True:
            part, part_risky = self.alternative()
            parts.append(part)
            risky = risky or part_risky
            if self.peek() != "|":
                break
            self.pos += 1
        return "|".join(parts), risky or len(parts) > 1

    def alternative(self) -> tuple:
        out, risky = [], False
        while self.pos < len(self.text) and self.peek() not in "|)":
            term, term_risky = self.term()
            out.append(term)
            risky = risky or term_risky
        return "".join(out), risky

    def term(self) -> tuple:
        char = self.peek()
        if char == "^":
            self.pos += 1
            return "\\A", False
        if char == "$":
            self.pos += 1
            return "\\Z", False
        if char == "\\" and self.peek(1) in ("b", "B"):
            self.pos += 2
            return ("\\b" if self.text[self.pos - 1] == "b" else "\\B"), False
        if self.text.startswith("(?<=", self.pos) or self.text.startswith("(?<!", self.pos):
            self.lookbehind = True
            kind = self.text[self.pos + 3]
            self.pos += 4
            body, _ = self.disjunction()
            self.expect(")")
            return f"(?<{kind}{body})", False
        if self.text.startswith("(?=", self.pos) or self.text.startswith("(?!", self.pos):
            kind = self.text[self.pos + 2]
            self.pos += 3
            body, risky = self.disjunction()
            self.expect(")")
            # Annex B lets lookaheads take a quantifier; Python wants them wrapped first.
            return self.quantified(f"(?:(?{kind}{body}))", risky, is_group=True)
        atom, risky, is_group = self.atom()
        return self.quantified(atom, risky, is_group)

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error("Unterminated group")
        self.pos += 1

    def atom(self) -> tuple:
        char = self.peek()
        if char in "*+?":
            raise self.error("Nothing to repeat")
        if char == "{":
            if self.braced_quantifier() is not None:
                raise self.error("Nothing to repeat")
            self.pos += 1
            return "\\{", False, False
        if char == ".":
            self.pos += 1
            return f"[^{LINE_TERMINATORS}]", False, False
        if char == "[":
            return self.char_class(), False, False
        if char == "(":
            return self.group()
        if char == "\\":
            return self.atom_escape(), False, False
        self.pos += 1
        return _char(char), False, False

    def group(self) -> tuple:
        self.pos += 1
        if self.text.startswith("?:", self.pos):
            self.pos += 2
            body, risky = self.disjunction()
            self.expect(")")
            return f"(?:{body})", risky, True
        name = None
        if self.peek() == "?":
            if self.peek(1) != "<":
                raise self.error("Invalid group")
            end = self.text.find(">", self.pos + 2)
            name = _group_name(self.text[self.pos + 2 : end] if end > 0 else "")
            if name is None:
                raise self.error("Invalid capture group name")
            self.pos = end + 1
        self.next_group += 1
        number = self.next_group
        self.open_groups.append(number)
        body, risky = self.disjunction()
        self.expect(")")
        self.open_groups.pop()
        if name is not None:
            return f"(?P<{self.python_names[name]}>{body})", risky, True
        return f"({body})", risky, True

    def braced_quantifier(self) -> Optional[tuple]:
        """(min, max or None, length) when `{` at pos starts a valid `{n}`, `{n,}` or `{n,m}`."""
        match = _BRACES.match(self.text, self.pos)
        if match is None:
            return None
        low = int(match.group(1))
        high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
        return low, high, match.end() - self.pos

    def quantified(self, atom: str, risky: bool, is_group: bool) -> tuple:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            suffix = char
        elif char == "{" and (braces := self.braced_quantifier()) is not None:
            low, high, length = braces
            self.pos += length
            if high is not None and high < low:
                raise self.error("numbers out of order in {} quantifier")
            low = min(low, MAX_REPEAT)
            if high is None or high > MAX_REPEAT:
                suffix = f"{{{low},}}"
            else:
                suffix = f"{{{low},{high}}}"
        else:
            return atom, risky
        lazy = ""
        if self.peek() == "?":
            self.pos += 1
            lazy = "?"
        repeats = high is None or high > 1
        if repeats and is_group and risky:
            self.prone = True
        return f"{atom}{suffix}{lazy}", risky or repeats

    def atom_escape(self) -> str:
        self.pos += 1
        char = self.peek()
        if char == "":
            raise self.error("\\ at end of pattern")
        if char.isdigit() and char != "0":
            start = self.pos
            while self.peek().isdigit():
                self.pos += 1
            number = int(self.text[start : self.pos])
            if number <= self.group_count:
                return self.backreference(str(number), number)
            self.pos = start
            return _char(self.legacy_octal())
        if char == "k" and self.group_names:
            end = self.text.find(">", self.pos)
            name = _group_name(self.text[self.pos + 2 : end]) if self.peek(1) == "<" and end >= 0 else None
            if name is None or name not in self.python_names:
                raise self.error("Invalid named reference")
            self.pos = end + 1
            python_name = self.python_names[name]
            return self.backreference(python_name, self.group_names.index(name) + 1, named=True)
        item = self.escape_item(in_class=False)
        if isinstance(item, tuple):
            return f"[{item[1]}]" if not item[0] else f"[^{item[1]}]"
        return _char(item)

    def backreference(self, ref: str, number: int, named: bool = False) -> str:
        # Inside its own group, or before the group took part, a JS backreference matches "".
        if number in self.open_groups:
            return "(?:)"
        target = f"(?P={ref})" if named else f"\\{ref}"
        return f"(?({ref}){target})"

    def legacy_octal(self) -> str:
        """Annex B: `\\NNN` that is not a backreference is an octal escape, `\\8` / `\\9` the digit."""
        char = self.peek()
        if char in "89":
            self.pos += 1
            return char
        digits = char
        self.pos += 1
        limit = 3 if char in "0123" else 2
        while len(digits) < limit and self.peek() and self.peek() in "01234567":
            digits += self.peek()
            self.pos += 1
        return chr(int(digits, 8))

    def escape_item(self, in_class: bool) -> Any:
        """The escape after `\\` at pos: a code unit (str) or a class escape (negated, ranges) tuple."""
        char = self.peek()
        self.pos += 1
        lower = char.lower()
        if lower in CLASS_ESCAPES:
            return (char != lower, CLASS_ESCAPES[lower])
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if char == "0" and not self.peek().isdigit():
            return "\x00"
        if char.isdigit():
            self.pos -= 1
            return self.legacy_octal()
        if char == "c":
            letter = self.peek()
            if letter.isascii() and (letter.isalpha() or (in_class and (letter.isdigit() or letter == "_"))):
                self.pos += 1
                return chr(ord(letter) % 32)
            self.pos -= 1  # Annex B: `\c` without a letter is a literal backslash, then `c`.
            return "\\"
        if char == "x" and _is_hex(self.text[self.pos : self.pos + 2], 2):
            self.pos += 2
            return chr(int(self.text[self.pos - 2 : self.pos], 16))
        if char == "u" and _is_hex(self.text[self.pos : self.pos + 4], 4):
            self.pos += 4
            return chr(int(self.text[self.pos - 4 : self.pos], 16))
        if in_class and char == "b":
            return "\x08"
        return char  # identity escape (Annex B): `\a` is "a", `\Z` is "Z"

    def char_class(self) -> str:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        items: list = []  # str units, (low, high) ranges, or (negated, ranges) class escapes
        while True:
            if self.pos >= len(self.text):
                raise self.error("Unterminated character class")
            if self.peek() == "]":
                self.pos += 1
                break
            first = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                second = self.class_atom()
                if isinstance(first, tuple) or isinstance(second, tuple):
                    items.extend([first, "-", second])  # Annex B: a class escape makes `-` literal
                    continue
                if ord(first) > ord(second):
                    raise self.error("Range out of order in character class")
                items.append((first, second, None))
                continue
            items.append(first)
        return _emit_class(items, negated)

    def class_atom(self) -> Any:
        char = self.peek()
        if char == "\\":
            self.pos += 1
            if self.peek() == "":
                raise self.error("\\ at end of pattern")
            return self.escape_item(in_class=True)
        self.pos += 1
        return char


_CONTROL_ESCAPES = {"t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c", "r": "\r"}
_BRACES = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdefABCDEF" for c in text)


_NAME_ESCAPE = re.compile(r"\\u(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{4}))")


def _group_name(raw: str) -> Optional[str]:
    """The identifier a group name spells (escapes and surrogate pairs combined), or None if invalid.

    `raw` is in UTF-16 code units (how the parser holds the pattern). ECMAScript names are
    IdentifierName: ID_Start, `$` or `_`, then ID_Continue, `$`, ZWNJ or ZWJ; `\\uXXXX` and
    `\\u{...}` escapes (even an escaped surrogate pair) stand for their code points.
    """
    units = []
    for match in _NAME_ESCAPE.finditer(raw):
        units.append((match.start(), match.end(), match.group(1) or match.group(2)))
    if "\\" in _NAME_ESCAPE.sub("", raw):
        return None  # any other escape
    text, last = "", 0
    for start, end, digits in units:
        code = int(digits, 16)
        if code > 0x10FFFF:
            return None
        text += raw[last:start] + (chr(code) if code <= 0xFFFF else _to_units(chr(code)))
        last = end
    text += raw[last:]
    try:
        name = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")  # pairs -> code points
    except UnicodeDecodeError:
        return None  # a lone surrogate is no identifier character
    if not name:
        return None
    first, rest = name[0], name[1:]
    if not (first.isidentifier() or first == "$"):
        return None
    if all(("a" + c).isidentifier() or c in "$\u200c\u200d" for c in rest):
        return name
    return None


def _to_units(text: str) -> str:
    encoded = text.encode("utf-16-le")
    return "".join(chr(int.from_bytes(encoded[i : i + 2], "little")) for i in range(0, len(encoded), 2))


def _emit_class(items: list, negated: bool) -> str:
    """A Python pattern for a JS class; `\\S` inside a class needs a lookaround since Python's differs."""
    plain, non_space = [], False
    for item in items:
        if isinstance(item, str):
            plain.append(_char(item))
        elif item[2:] == (None,):
            plain.append(f"{_char(item[0])}-{_char(item[1])}")
        elif not item[0]:
            plain.append(item[1])
        elif item[1] == JS_WHITESPACE:
            non_space = True
        else:
            plain.append("\\D" if item[1] == CLASS_ESCAPES["d"] else "\\W")  # ASCII under re.ASCII, as in JS
    body = "".join(plain)
    if non_space:
        if negated:  # not (items or non-space) == whitespace that is not in items
            return f"(?:(?![{body}])[{JS_WHITESPACE}])" if body else f"[{JS_WHITESPACE}]"
        return f"(?:[{body}]|[^{JS_WHITESPACE}])" if body else f"[^{JS_WHITESPACE}]"
    if not body:
        return "[\\s\\S]" if negated else "(?!)"
    return f"[^{body}]" if negated else f"[{body}]"


def _count_groups(text: str) -> tuple:
    """(number of capturing groups, their names in order); the whole pattern counts (forward refs)."""
    count, names, index, in_class = 0, [], 0, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if text.startswith("(?<", index) and not text.startswith(("(?<=", "(?<!"), index):
                count += 1
                end = text.find(">", index)
                name = _group_name(text[index + 3 : end]) if end > 0 else None
                if name is None:
                    raise JSRegexError(f"Invalid regular expression: /{text}/: Invalid capture group name")
                if name in names:
                    raise JSRegexError(f"Invalid regular expression: /{text}/: Duplicate capture group name")
                names.append(name)
            elif not text.startswith("(?", index):
                count += 1
        index += 1
    return count, names


class JSRegex:
    """A compiled ECMAScript regex; `test(s)` answers like JavaScript's `RegExp.prototype.test`."""

    __slots__ = ("source", "prone", "_search", "_guarded", "ascii_search")

    def __init__(self, source: str, ignore_case: bool = False, trusted: bool = False) -> None:
        parser = _Parser(source)
        pattern = parser.parse()
        flags = re.ASCII | (re.IGNORECASE if ignore_case else 0)
        self.source = source
        self.prone = parser.prone
        # The timeout costs ~10x per match, so only plan authors' risky shapes pay it, not ajv's formats.
        self._guarded = (parser.prone and not trusted) or parser.lookbehind
        compiled: Any = None
        if not self._guarded:
            try:
                compiled = re.compile(pattern, flags)
            except re.error:
                self._guarded = True
        if self._guarded:
            try:
                guarded_flags = regex_engine.ASCII | regex_engine.VERSION0
                if ignore_case:
                    guarded_flags |= regex_engine.IGNORECASE
                compiled = regex_engine.compile(pattern, guarded_flags)
            except regex_engine.error as exc:
                raise JSRegexError(f"pattern {source!r} cannot be run by the Python engines: {exc}") from exc
        self._search: Callable = compiled.search
        # For callers that test ASCII strings themselves (the Cython kernel): no conversion needed.
        self.ascii_search: Optional[Callable] = None if self._guarded else compiled.search

    def test(self, text: str) -> bool:
        """True when the pattern matches anywhere in `text`; raises RegexTimeout on runaway backtracking."""
        text = to_code_units(text)
        if not self._guarded:
            return self._search(text) is not None
        try:
            return self._search(text, timeout=MATCH_TIMEOUT) is not None
        except TimeoutError:
            raise RegexTimeout(
                f"pattern /{self.source}/ ran longer than {MATCH_TIMEOUT:g}s on one value "
                "(catastrophic backtracking); the batch was not validated"
            ) from None

    def __repr__(self) -> str:
        return f"JSRegex({self.source!r})"


@lru_cache(maxsize=4096)
def compile_js_regex(source: str, ignore_case: bool = False, trusted: bool = False) -> JSRegex:
    """The JSRegex for `source`; raises JSRegexError where `new RegExp(source)` would throw.

    trusted: a known pattern (ajv's formats) that needs no backtracking guard.
    """
    return JSRegex(source, ignore_case, trusted)


@lru_cache(maxsize=4096)
def is_valid_js_regex(source: str) -> bool:
    """True when `new RegExp(source)` compiles in JavaScript (no flags)."""
    try:
        _Parser(source).parse()
    except JSRegexError:
        return False
    return True


def is_backtracking_prone(source: str) -> bool:
    """True for shapes such as `(a+)+` or `(a|aa)*` that can backtrack exponentially."""
    try:
        parser = _Parser(source)
        parser.parse()
    except JSRegexError:
        return False
    return parser.prone
