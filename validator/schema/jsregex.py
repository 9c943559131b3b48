"""ECMAScript regular expressions (`new RegExp(source)`, no `u` flag) run by Python's engines.

ajv tests `pattern`, `patternProperties` and the format regexes with JavaScript semantics, which
differ from Python's in ways that change answers: `$` never matches before a trailing newline,
`\\d \\w \\b` are ASCII, `\\s` is the JS whitespace set, `.` excludes all four line terminators,
unknown escapes such as `\\a` or `\\Z` are literal letters (Annex B), a `{` that is not a quantifier is
literal, backreferences to groups that did not take part match the empty string, and strings are
sequences of UTF-16 code units (an astral character is two units for `.` and `{n}`).

So the source is parsed with the JavaScript grammar (rejecting what V8 rejects) and re-emitted as a
Python pattern over code units. The parser also builds a small tree of the pattern, from which
`regexcost` decides whether a backtracking engine provably takes time linear in the value's length.
Those patterns run on the stdlib `re`; every other one runs on the `regex` engine under a time limit,
because plan authors' regexes may be hostile and no list of known-bad shapes can be complete.

The parser is a loop with an explicit stack of open groups, not a recursive descent: the `regex`
format parses values from the batches, and a value nested a thousand groups deep is valid in V8.
"""

from __future__ import annotations

import re
import sys
import time
from functools import lru_cache
from typing import Any, Callable, Optional

from ..errors import BatchFailure
from ._format_tables import FORMAT_COSTS
from .regexcost import Cost, analyse

# CPU seconds one `test` may run on one value before the batch is failed instead of hanging the run.
MATCH_TIMEOUT = 1.0
# A bound on the time `re` takes per unit of a pattern's estimated work per character (see regexcost):
# measured at up to 0.23 microseconds on random patterns, and near 1 ns per mark for patterns with
# many groups (sre copies every group's marks when it backtracks), so 1 microsecond per work unit,
# times (1 + groups). Values longer than the limit allows at that rate run under the time limit too.
STEP_SECONDS = 1e-6
# Values longer than this (code units) have their answer remembered (see JSRegex.remembered).
LONG_VALUE = 4096
# V8 clamps quantifier bounds at 2**31 - 1 (its "infinity": `{n,2147483647}` is `{n,}`).
JS_INFINITY = 2**31 - 1
# V8 refuses more capturing groups than this ("Too many captures").
MAX_CAPTURES = 32767

JS_WHITESPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
CLASS_ESCAPES = {
    "d": "0-9",
    "w": "A-Za-z0-9_",
    "s": JS_WHITESPACE,
}
LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"
ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# The same sets as code-unit ranges, for the tree ((low, high) pairs, inclusive, sorted).
_WHITESPACE_UNITS = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
CLASS_UNITS = {
    CLASS_ESCAPES["d"]: ((0x30, 0x39),),
    CLASS_ESCAPES["w"]: ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    CLASS_ESCAPES["s"]: _WHITESPACE_UNITS,
}
LAST_UNIT = 0xFFFF


def _complement(ranges: tuple) -> tuple:
    out, low = [], 0
    for start, end in ranges:
        if start > low:
            out.append((low, start - 1))
        low = end + 1
    if low <= LAST_UNIT:
        out.append((low, LAST_UNIT))
    return tuple(out)


def _union(ranges: list) -> tuple:
    out: list = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1] + 1:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


_NOT_LINE_TERMINATOR = _complement(((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)))
_LEFT_BRACE = ((0x7B, 0x7B),)
# A run of characters that may belong to a group name: it stops at anything that ends or nests a
# group, so finding a name never scans the rest of a long value (V8 refuses those names anyway).
_NAME_RUN = re.compile(r"(?:[^>()\[\]|\\<]|\\u\{[0-9a-fA-F]+\}|\\u[0-9a-fA-F]{4})*")
# What counting groups looks at: escapes (skipped), class brackets, and group openings.
_GROUP_TOKENS = re.compile(r"\\.|[\[\]]|\((?:\?<(?![=!])|\?)?", re.DOTALL)


def time_limit(seconds: Optional[float]) -> float:
    """The per-value regex time limit: `seconds`, or MATCH_TIMEOUT for None.

    Raises ValueError unless it is a positive, finite number.
    """
    if seconds is None:
        return MATCH_TIMEOUT
    if type(seconds) not in (int, float) or not 0 < seconds < float("inf"):
        raise ValueError(f"the regex time limit must be a positive number of seconds, not {seconds!r}")
    return float(seconds)


class JSRegexError(ValueError):
    """The source is not a valid ECMAScript regular expression (V8 would throw a SyntaxError)."""


class RegexTimeout(BatchFailure):
    """A pattern or format ran past its time limit on one value: catastrophic backtracking.

    It says which regex, the limit, and (once a collector or kernel adds it) the JSON pointer of the
    value in the batch; `at` and `within` return copies that know more of the path.
    """

    def __init__(
        self, what: str, limit: float, path: tuple = (), subject: str = "value", prefix: str = ""
    ) -> None:
        self.what, self.limit, self.path, self.subject, self.prefix = what, limit, path, subject, prefix
        where = prefix + "".join("/" + segment for segment in path)
        target = f"the {subject} at {where}" if where else f"one {subject}"
        super().__init__(
            f"{what} ran longer than the {limit:g}s limit on {target} (catastrophic backtracking); "
            "the batch was not validated"
        )

    def at(self, path: tuple, subject: str = "value") -> RegexTimeout:
        """The same timeout, located at `path` (escaped segments) below the validated root."""
        return RegexTimeout(self.what, self.limit, path, subject, self.prefix)

    def within(self, prefix: str) -> RegexTimeout:
        """The same timeout, with the root's own pointer in the batch (`/events/3`, `/user_attributes`)."""
        return RegexTimeout(self.what, self.limit, self.path, self.subject, prefix)


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


def _unit(unit: str) -> tuple:
    code = ord(unit)
    return ("set", ((code, code),))


class _Frame:
    """A group being parsed: its finished alternatives and the current one, as Python text and trees.

    kind: "root", "group" (capturing), "plain" (`(?:`), "ahead=" / "ahead!", "behind=" / "behind!".
    """

    __slots__ = ("kind", "start", "name", "done", "done_trees", "out", "trees")

    def __init__(self, kind: str, start: int, name: Optional[str] = None) -> None:
        self.kind, self.start, self.name = kind, start, name
        self.done: list = []
        self.done_trees: list = []
        self.out: list = []
        self.trees: list = []

    def add(self, text: str, tree: tuple) -> None:
        self.out.append(text)
        self.trees.append(tree)

    def branch(self) -> None:
        self.done.append("".join(self.out))
        self.done_trees.append(self.trees[0] if len(self.trees) == 1 else ("seq", tuple(self.trees)))
        self.out, self.trees = [], []

    def close(self) -> tuple:
        self.branch()
        tree = self.done_trees[0] if len(self.done_trees) == 1 else ("alt", tuple(self.done_trees))
        return "|".join(self.done), tree


class _CheckFrame(_Frame):
    """A _Frame that keeps nothing: for a yes/no parse, which then stays linear in deep nesting."""

    __slots__ = ()
    _EMPTY: tuple = ("", ("seq", ()))

    def add(self, text: str, tree: tuple) -> None:
        pass

    def branch(self) -> None:
        pass

    def close(self) -> tuple:
        return self._EMPTY


class _Parser:
    """The ECMAScript (Annex B, non-unicode) pattern grammar, emitting Python and a tree.

    The tree's nodes are tuples whose first item names the kind:
    ("set", ranges) one code unit; ("seq", items); ("alt", branches);
    ("rep", item, low, high or None, source text of the quantified term);
    ("assert", "^" | "$" | "b"); ("look", item, behind, negative); ("ref", group number).
    """

    def __init__(self, source: str, limit: Optional[float] = None, check_only: bool = False) -> None:
        self.text = to_code_units(source)
        # check_only: only whether V8 accepts the pattern (no Python text or tree is built).
        self.frame_type = _CheckFrame if check_only else _Frame
        self.pos = 0
        # Parsing a value for the `regex` format is per-value work too: past `limit` CPU seconds
        # of this thread (other threads of the process do not count) the parse stops with RegexTimeout.
        self.limit = limit
        self.deadline = time.thread_time() + limit if limit is not None else None
        self.ticks = 0
        self.group_count, self.group_names = self.count_groups()
        self.python_names = {name: f"n{i}" for i, name in enumerate(self.group_names)}
        self.open_groups: list = []
        self.next_group = 0
        self.lookbehind = False
        self.tree: tuple = ("seq", ())

    def error(self, message: str) -> JSRegexError:
        return JSRegexError(f"Invalid regular expression: /{self.text}/: {message}")

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def parse(self) -> str:
        """The Python pattern (the tree goes to `self.tree`); raises JSRegexError where V8 throws."""
        text = self.text
        frames = [self.frame_type("root", 0)]
        while True:
            self.tick()
            frame = frames[-1]
            if self.pos >= len(text):
                if len(frames) > 1:
                    raise self.error("Unterminated group")
                body, self.tree = frame.close()
                return body
            char = text[self.pos]
            if char == "|":
                self.pos += 1
                frame.branch()
            elif char == ")":
                if len(frames) == 1:
                    raise self.error("Unmatched ')'")
                self.pos += 1
                frames.pop()
                self.close_group(frame, frames[-1])
            elif char == "(":
                frames.append(self.open_group())
            else:
                self.term(frame)

    def count_groups(self) -> tuple:
        """(number of capturing groups, their names in order); the whole pattern counts (forward refs)."""
        text = self.text
        count, names, in_class = 0, [], False
        for token in _GROUP_TOKENS.finditer(text):
            self.tick()
            found = token.group()
            if found[0] == "\\":
                continue
            if in_class:
                in_class = found != "]"
            elif found == "[":
                in_class = True
            elif found == "(":
                count += 1
            elif found == "(?<":
                count += 1
                run = _NAME_RUN.match(text, token.end())
                end = run.end()  # type: ignore[union-attr]  # the pattern matches the empty string
                name = _group_name(run.group()) if text.startswith(">", end) else None  # type: ignore[union-attr]
                if name is not None:  # else the name is invalid: the parser says so in order
                    if name in names:
                        raise self.error("Duplicate capture group name")
                    names.append(name)
        return count, names

    def tick(self) -> None:
        self.ticks += 1
        if self.deadline is not None and not self.ticks & 4095 and time.thread_time() > self.deadline:
            raise RegexTimeout('format "regex"', self.limit)  # type: ignore[arg-type]  # set with deadline

    def open_group(self) -> _Frame:
        text, start = self.text, self.pos
        if not text.startswith("(?", start):  # the common case first: a plain capturing group
            self.pos += 1
            self.next_group += 1
            if self.next_group > MAX_CAPTURES:
                raise self.error("Too many captures")
            self.open_groups.append(self.next_group)
            return self.frame_type("group", start)
        if text.startswith(("(?<=", "(?<!"), start):
            self.lookbehind = True
            self.pos += 4
            return self.frame_type("behind" + text[start + 3], start)
        if text.startswith(("(?=", "(?!"), start):
            self.pos += 3
            return self.frame_type("ahead" + text[start + 2], start)
        self.pos += 1
        if text.startswith("?:", self.pos):
            self.pos += 2
            return self.frame_type("plain", start)
        name = None
        if self.peek() == "?":
            if self.peek(1) != "<":
                raise self.error("Invalid group")
            run = _NAME_RUN.match(text, self.pos + 2)
            end = run.end()  # type: ignore[union-attr]  # the pattern matches the empty string
            name = _group_name(run.group()) if text.startswith(">", end) else None  # type: ignore[union-attr]
            if name is None:
                raise self.error("Invalid capture group name")
            self.pos = end + 1
        self.next_group += 1
        if self.next_group > MAX_CAPTURES:
            raise self.error("Too many captures")
        self.open_groups.append(self.next_group)
        return self.frame_type("group", start, name)

    def close_group(self, frame: _Frame, parent: _Frame) -> None:
        body, tree = frame.close()
        kind = frame.kind
        if kind.startswith("behind"):
            # Not quantifiable: a quantifier after it is "Nothing to repeat" at the next term.
            parent.add(f"(?<{kind[-1]}{body})", ("look", tree, True, kind[-1] == "!"))
            return
        if kind.startswith("ahead"):
            # Annex B lets lookaheads take a quantifier; Python wants them wrapped first.
            atom, tree = f"(?:(?{kind[-1]}{body}))", ("look", tree, False, kind[-1] == "!")
        elif kind == "plain":
            atom = f"(?:{body})"
        else:
            self.open_groups.pop()
            atom = f"(?P<{self.python_names[frame.name]}>{body})" if frame.name is not None else f"({body})"
        self.quantified(parent, atom, tree, frame.start)

    def term(self, frame: _Frame) -> None:
        char = self.peek()
        if char == "^":
            self.pos += 1
            frame.add("\\A", ("assert", "^"))
            return
        if char == "$":
            self.pos += 1
            frame.add("\\Z", ("assert", "$"))
            return
        if char == "\\" and self.peek(1) in ("b", "B"):
            self.pos += 2
            # Python's \B never matches an empty string; JavaScript's does (no word character on
            # either side of position 0).
            frame.add("\\b" if self.text[self.pos - 1] == "b" else "(?:\\B|\\A\\Z)", ("assert", "b"))
            return
        start = self.pos
        atom, tree = self.atom()
        self.quantified(frame, atom, tree, start)

    def atom(self) -> tuple:
        char = self.peek()
        if char in "*+?":
            raise self.error("Nothing to repeat")
        if char == "{":
            if self.braced_quantifier() is not None:
                raise self.error("Nothing to repeat")
            self.pos += 1
            return "\\{", ("set", _LEFT_BRACE)
        if char == ".":
            self.pos += 1
            return f"[^{LINE_TERMINATORS}]", ("set", _NOT_LINE_TERMINATOR)
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.atom_escape()
        self.pos += 1
        return _char(char), _unit(char)

    def braced_quantifier(self) -> Optional[tuple]:
        """(min, max or None, length) when `{` at pos starts a valid `{n}`, `{n,}` or `{n,m}`."""
        match = _BRACES.match(self.text, self.pos)
        if match is None:
            return None
        low = _js_count(match.group(1))
        if match.group(2) is None:
            high: Optional[int] = low
        else:
            high = _js_count(match.group(3)) if match.group(3) else None
        return low, high, match.end() - self.pos

    def quantified(self, frame: _Frame, atom: str, tree: tuple, start: int) -> None:
        char = self.peek()
        high: Optional[int]
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            suffix = char
        elif char == "{" and (braces := self.braced_quantifier()) is not None:
            low, high, length = braces
            self.pos += length
            if high is not None and high < low:
                raise self.error("numbers out of order in {} quantifier")
            if high == JS_INFINITY:
                high = None  # V8's infinity: no upper bound
            suffix = f"{{{low},}}" if high is None else f"{{{low},{high}}}"
        else:
            frame.add(atom, tree)
            return
        lazy = ""
        if self.peek() == "?":
            self.pos += 1
            lazy = "?"
        frame.add(f"{atom}{suffix}{lazy}", ("rep", tree, low, high, self.text[start : self.pos]))

    def atom_escape(self) -> tuple:
        self.pos += 1
        char = self.peek()
        if char == "":
            raise self.error("\\ at end of pattern")
        if char.isdigit() and char != "0":
            start = self.pos
            while self.peek().isdigit():
                self.pos += 1
            digits = self.text[start : self.pos]
            number = _js_count(digits)
            if number <= self.group_count:
                return self.backreference(str(number), number)
            self.pos = start
            unit = self.legacy_octal()
            return _char(unit), _unit(unit)
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
            units = CLASS_UNITS[item[1]]
            if item[0]:
                return f"[^{item[1]}]", ("set", _complement(units))
            return f"[{item[1]}]", ("set", units)
        return _char(item), _unit(item)

    def backreference(self, ref: str, number: int, named: bool = False) -> tuple:
        # Inside its own group, or before the group took part, a JS backreference matches "".
        if number in self.open_groups:
            return "(?:)", ("seq", ())
        target = f"(?P={ref})" if named else f"\\{ref}"
        return f"(?({ref}){target})", ("ref", number)

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

    def char_class(self) -> tuple:
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        items: list = []  # str units, (low, high) ranges, or (negated, ranges) class escapes
        while True:
            self.tick()
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
        return _emit_class(items, negated), ("set", _class_units(items, negated))

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


def _js_count(digits: str) -> int:
    """A quantifier bound or group number as V8 reads it: clamped at 2**31 - 1, any number of digits."""
    digits = digits.lstrip("0") or "0"
    return JS_INFINITY if len(digits) > 10 else min(int(digits), JS_INFINITY)


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


def _class_units(items: list, negated: bool) -> tuple:
    """The code units a JS class matches, as ranges."""
    ranges: list = []
    for item in items:
        if isinstance(item, str):
            ranges.append((ord(item), ord(item)))
        elif item[2:] == (None,):
            ranges.append((ord(item[0]), ord(item[1])))
        else:
            units = CLASS_UNITS[item[1]]
            ranges.extend(_complement(units) if item[0] else units)
    units = _union(ranges)
    return _complement(units) if negated else units


@lru_cache(maxsize=4096)
def _parse(source: str) -> tuple:
    """(Python pattern, tree, has lookbehind, number of groups) for `source`; raises JSRegexError."""
    parser = _Parser(source)
    pattern = parser.parse()
    return pattern, parser.tree, parser.lookbehind, parser.group_count


@lru_cache(maxsize=4096)
def regex_cost(source: str, ignore_case: bool = False, name: bool = False) -> Cost:
    """The time analysis of a valid source: `linear`, and with `name` the super-linear shapes found.

    Raises JSRegexError for an invalid source. See regexcost. The analyses of ajv's formats are made
    ahead (_format_tables.py): every plan start would otherwise make the same ones again.
    """
    if not name:
        known = FORMAT_COSTS.get((source, ignore_case))
        if known is not None:
            return Cost(*known)
    return analyse(_parse(source)[1], ignore_case, name)


class JSRegex:
    """A compiled ECMAScript regex; `test(s)` answers like JavaScript's `RegExp.prototype.test`.

    linear: the analysis proved a backtracking engine linear-time on this pattern, so values up to
    `fast_max` code units (what the limit allows at the analysis' work bound) run on the stdlib `re`
    with no guard. Every other pattern, and longer values, run on the `regex` engine with `timeout`
    CPU seconds per value: `test` raises RegexTimeout past it, `probe` answers False instead (for
    fast checks, whose False sends the value to a collector that then reports the timeout with the
    value's path). Values longer than `ascii_max` go through `remembered`, which keeps the last
    answer (or timeout), so that the collector's second look at a long value costs nothing.
    `ascii_search` is the raw `re` search, for callers that test ASCII strings of at most
    `ascii_max` characters themselves (None when not linear).
    """

    __slots__ = (
        "source", "linear", "timeout", "what", "fast_max", "ascii_max", "ascii_search", "probe",
        "_search", "_guarded", "_python", "_flags", "_last",
    )  # fmt: skip

    def __init__(
        self, source: str, ignore_case: bool = False, timeout: float = MATCH_TIMEOUT, what: str = ""
    ) -> None:
        pattern, _, lookbehind, groups = _parse(source)
        cost = regex_cost(source, ignore_case)
        self.source = source
        self.timeout = timeout
        self.what = what or f"pattern /{source}/"
        self._python, self._flags = pattern, ignore_case
        self._last: Optional[tuple] = None  # (long value, its answer or None for a timeout)
        self._guarded: Optional[Callable] = None
        # Python's re has no variable-length lookbehind: those patterns need the regex engine anyway.
        self.linear = cost.linear and not lookbehind
        self._search: Optional[Callable] = None
        if self.linear:
            try:
                self._search = re.compile(pattern, re.ASCII | (re.IGNORECASE if ignore_case else 0)).search
            except (re.error, RecursionError, OverflowError):
                self.linear = False
        if self.linear:
            per_unit = STEP_SECONDS * cost.work * (1 + groups)
            self.fast_max = sys.maxsize if not cost.work else int(timeout / per_unit)
        else:
            self.fast_max = -1
            self._guarded_search()  # compile now: a pattern Python cannot run fails the plan at load
        self.ascii_max = min(self.fast_max, LONG_VALUE)
        self.ascii_search: Optional[Callable] = self._search
        self.probe: Callable[[str], bool] = self._prober()

    def _prober(self) -> Callable[[str], bool]:
        """`probe`: test's fast path with its constants bound (fast checks call it for every value)."""
        search, limit, remembered = self._search, self.ascii_max, self.remembered

        def probe(text: str) -> bool:
            units = to_code_units(text)
            if len(units) <= limit:
                return search(units) is not None  # type: ignore[misc]  # set when limit >= 0
            try:
                return remembered(text, units)
            except RegexTimeout:
                return False

        return probe

    def _guarded_search(self) -> Callable:
        if self._guarded is None:
            import regex as regex_engine  # here: most plans' patterns never need it, and it loads slowly

            flags = regex_engine.ASCII | regex_engine.VERSION0
            if self._flags:
                flags |= regex_engine.IGNORECASE
            try:
                self._guarded = regex_engine.compile(self._python, flags).search
            except (regex_engine.error, RecursionError, OverflowError) as exc:
                raise JSRegexError(
                    f"pattern {self.source!r} cannot be run by the Python engines: {exc}"
                ) from exc
        return self._guarded

    def test(self, text: str) -> bool:
        """True when the pattern matches anywhere in `text`; raises RegexTimeout past the time limit."""
        units = to_code_units(text)
        if len(units) <= self.ascii_max:
            return self._search(units) is not None  # type: ignore[misc]  # set when ascii_max >= 0
        return self.remembered(text, units)

    def remembered(self, text: str, units: str) -> bool:
        """`test` for a long value or a guarded pattern, answering at once for the last such value.

        A fast check's probe and then the collector look at a failing value twice; for a long
        value (or one that ran out of time) the second look must not cost the limit again.
        """
        last = self._last
        if last is not None and (last[0] is text or last[0] == text):
            if last[1] is None:
                raise RegexTimeout(self.what, self.timeout)
            return last[1]
        if len(units) <= self.fast_max:
            answer = self._search(units) is not None  # type: ignore[misc]  # set when fast_max >= 0
        else:
            try:
                answer = self._guarded_search()(units, timeout=self.timeout) is not None
            except TimeoutError:
                self._last = (text, None)
                raise RegexTimeout(self.what, self.timeout) from None
        if len(units) > LONG_VALUE:
            self._last = (text, answer)
        return answer

    def __repr__(self) -> str:
        return f"JSRegex({self.source!r})"


@lru_cache(maxsize=4096)
def compile_js_regex(
    source: str, ignore_case: bool = False, timeout: float = MATCH_TIMEOUT, what: str = ""
) -> JSRegex:
    """The JSRegex for `source`; raises JSRegexError where `new RegExp(source)` would throw.

    timeout: CPU seconds per value for a pattern not proven linear. what: how error messages name
    the regex (default `pattern /source/`).
    """
    return JSRegex(source, ignore_case, timeout, what)


def is_valid_js_regex(source: str, timeout: Optional[float] = None) -> bool:
    """True when `new RegExp(source)` compiles in JavaScript (no flags).

    timeout: CPU seconds the parse may take (the `regex` format parses values from the batches:
    about 5 microseconds per character); past it, RegexTimeout. None: no limit.
    """
    if len(source) <= 200:
        return _is_valid_short(source)  # cache only short sources: values can be huge
    return _is_valid(source, timeout)


def _is_valid(source: str, timeout: Optional[float] = None) -> bool:
    try:
        parser = _Parser(source, timeout, check_only=True)
        # The up-front count is exact for every valid pattern, so past V8's limit the pattern is
        # invalid whichever error V8 would name first: no need to parse 32,768 groups to say so.
        if parser.group_count > MAX_CAPTURES:
            return False
        parser.parse()
    except JSRegexError:
        return False
    return True


_is_valid_short = lru_cache(maxsize=4096)(_is_valid)
