"""Deterministic automata for the ASCII searches of plan patterns and formats (for the native front end).

jsregex.py translates an ECMAScript pattern into a Python one; for ASCII strings the project runs
that translation's `search` (`ascii_search`). The translations are regular expressions in a small,
regular shape (`\\A`, `\\Z`, classes, `(?:...)`, `|`, counted repetition), so most compile to a DFA
over ASCII bytes: the native front end then tests a string with one table look-up per byte instead
of a call into Python. `compile_search` returns None for anything outside that shape (then the
Python search runs, as before), and for automata that would grow too big.

The automaton answers exactly what `pattern.search(text) is not None` answers for an ASCII `text`
(tests/test_asciidfa.py checks it against the `re` engine); it is never used on other strings.
"""

from __future__ import annotations

import re
import sys
from array import array
from typing import Optional

from ._format_tables import FORMAT_DFAS

MAX_INSTRUCTIONS = 4000  # NFA size after counted repetitions are unrolled
MAX_STATES = 1500  # DFA states
MAX_CLASSES = 120  # byte classes (+1 for the end of the text)

# NFA instructions: (op, arg1, arg2)
_SET, _SPLIT, _JUMP, _BEGIN, _END, _MATCH = range(6)
_ASCII = (1 << 128) - 1
_LETTERS = {c for c in range(128) if chr(c).isalpha()}
_SIMPLE_ESCAPES = {"t": 9, "n": 10, "v": 11, "f": 12, "r": 13, "0": 0}


class Unsupported(Exception):
    """The pattern is outside the shape this module compiles."""


class AsciiDFA:
    """A search automaton over ASCII bytes.

    classes: 128 bytes, the class of each ASCII byte; the end of the text is class `end`.
    table: for state s and class k, the next state is table[s * stride + k] (uint16, native order).
    accept: 1 for a state in which a match has been found (matching can stop there).
    dead: 1 for a state from which no match can follow. State 0 is the start.
    """

    __slots__ = ("classes", "table", "accept", "dead", "stride", "end", "states")

    def __init__(self, classes: bytes, table: bytes, accept: bytes, dead: bytes, stride: int) -> None:
        self.classes, self.table, self.accept, self.dead = classes, table, accept, dead
        self.stride, self.end, self.states = stride, stride - 1, len(accept)

    def search(self, text: str) -> bool:
        """What the native loop computes, in Python (for tests): True when `text` holds a match."""
        table = memoryview(self.table).cast("H")
        state = 0
        for ch in text.encode("ascii"):
            if self.accept[state]:
                return True
            if self.dead[state]:
                return False
            state = table[state * self.stride + self.classes[ch]]
        if self.accept[state]:
            return True
        return bool(self.accept[table[state * self.stride + self.end]])


def compile_search(pattern: re.Pattern) -> Optional[AsciiDFA]:
    """The DFA of `pattern.search` for ASCII strings, or None when the pattern is not one it models.

    The DFAs of ajv's formats are built ahead (_format_tables.py): every plan start would otherwise
    build the same ones again.
    """
    known = FORMAT_DFAS.get((pattern.pattern, pattern.flags))
    if known is not None:
        classes, table, accept, dead, stride = known
        return AsciiDFA(classes, little_endian(table), accept, dead, stride)
    return build_search(pattern)


def little_endian(table: bytes) -> bytes:
    """A table of uint16 in little-endian order from native order, or back (the same swap)."""
    if sys.byteorder == "little":
        return table
    words = array("H", table)
    words.byteswap()
    return words.tobytes()


def build_search(pattern: re.Pattern) -> Optional[AsciiDFA]:
    """compile_search, always built from the pattern."""
    if not isinstance(pattern.pattern, str) or pattern.flags & ~(re.ASCII | re.IGNORECASE | re.UNICODE):
        return None
    if not pattern.flags & re.ASCII:
        return None
    try:
        tree = _Parser(pattern.pattern, bool(pattern.flags & re.IGNORECASE)).parse()
        program = _Program()
        program.emit(tree)
        program.add(_MATCH)
        return _determinize(program.code)
    except Unsupported:
        return None


# -- parsing the translated pattern --------------------------------------------------------------------


class _Parser:
    """Recursive descent over the subset of Python's syntax that jsregex.py emits for these patterns.

    Tree nodes: ("set", mask) matches one byte whose bit is set; ("cat", [nodes]); ("alt", [nodes]);
    ("rep", node, low, high or None); ("begin",) is \\A; ("end",) is \\Z.
    """

    def __init__(self, source: str, fold: bool) -> None:
        self.source, self.fold, self.at = source, fold, 0

    def parse(self) -> tuple:
        node = self.alternation()
        if self.at != len(self.source):
            raise Unsupported(self.source[self.at :])
        return node

    def peek(self) -> str:
        return self.source[self.at] if self.at < len(self.source) else ""

    def take(self) -> str:
        if self.at >= len(self.source):
            raise Unsupported("unexpected end")
        ch = self.source[self.at]
        self.at += 1
        return ch

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.at += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> tuple:
        items = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.quantified(self.atom()))
        return ("cat", items)

    def atom(self) -> tuple:
        ch = self.take()
        if ch == "(":
            if self.source.startswith("?:", self.at):
                self.at += 2
            elif self.peek() == "?":
                raise Unsupported("group kind")  # look-arounds, named groups, inline flags
            node = self.alternation()
            if self.take() != ")":
                raise Unsupported("group")
            return node
        if ch == "[":
            return ("set", self.char_class())
        if ch == "\\":
            if self.peek() in ("A", "Z"):
                return ("begin",) if self.take() == "A" else ("end",)
            return ("set", self.folded(self.char_bit(self.escape())))
        if ch in "^$.*+?{}]":
            raise Unsupported(ch)  # Python's own ^ $ . and stray quantifiers: not emitted, not modelled
        return ("set", self.folded(self.char_bit(ord(ch))))

    def escape(self) -> int:
        """The code of an escaped character after a backslash (-1 when it is not ASCII)."""
        ch = self.take()
        if ch == "u" or ch == "x":
            digits = self.source[self.at : self.at + (4 if ch == "u" else 2)]
            if len(digits) != (4 if ch == "u" else 2) or not all(
                c in "0123456789abcdefABCDEF" for c in digits
            ):
                raise Unsupported("escape")
            self.at += len(digits)
            return int(digits, 16)
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch]
        if ch.isalnum():
            raise Unsupported("\\" + ch)  # classes (\d \w \s), boundaries, backreferences
        return ord(ch)

    def char_bit(self, code: int) -> int:
        return 1 << code if code < 128 else 0  # a non-ASCII character never matches an ASCII text

    def folded(self, mask: int) -> int:
        if mask and self.fold:
            for code in _LETTERS:
                if mask >> code & 1:
                    mask |= 1 << (code ^ 0x20)
        return mask & _ASCII

    def char_class(self) -> int:
        negate = self.peek() == "^"
        if negate:
            self.at += 1
        mask = 0
        first = True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                break
            first = False
            low = self.class_char(ch)
            if self.peek() == "-" and self.source[self.at + 1 : self.at + 2] not in ("]", ""):
                self.at += 1
                high = self.class_char(self.take())
                if high < low:
                    raise Unsupported("range")
                for code in range(low, min(high, 127) + 1):
                    mask |= 1 << code
            elif low < 128:
                mask |= 1 << low
        if self.fold:
            mask = self.folded(mask)
        return (~mask & _ASCII) if negate else mask

    def class_char(self, ch: str) -> int:
        if ch == "\\":
            return self.escape()
        if ch == "[":
            raise Unsupported("nested set")  # Python warns about possible set operations
        return ord(ch)

    def quantified(self, node: tuple) -> tuple:
        ch = self.peek()
        if ch in ("*", "+", "?"):
            self.at += 1
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
        elif ch == "{":
            match = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.source, self.at)
            if match is None:
                raise Unsupported("brace")
            self.at = match.end()
            low = int(match.group(1))
            high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            if high is not None and high < low:
                raise Unsupported("repeat")
        else:
            return node
        if self.peek() == "?":
            self.at += 1  # lazy: the same strings match
        elif self.peek() == "+":
            raise Unsupported("possessive")
        if node[0] in ("begin", "end"):
            raise Unsupported("quantified anchor")
        return ("rep", node, low, high)


# -- Thompson NFA --------------------------------------------------------------------------------------


class _Program:
    def __init__(self) -> None:
        self.code: list = []

    def add(self, op: int, a: int = 0, b: int = 0) -> int:
        if len(self.code) >= MAX_INSTRUCTIONS:
            raise Unsupported("too big")
        self.code.append([op, a, b])
        return len(self.code) - 1

    def emit(self, node: tuple) -> None:
        kind = node[0]
        if kind == "set":
            self.add(_SET, node[1])
        elif kind == "begin":
            self.add(_BEGIN)
        elif kind == "end":
            self.add(_END)
        elif kind == "cat":
            for item in node[1]:
                self.emit(item)
        elif kind == "alt":
            jumps = []
            branches = node[1]
            for item in branches[:-1]:
                split = self.add(_SPLIT)
                self.code[split][1] = len(self.code)
                self.emit(item)
                jumps.append(self.add(_JUMP))
                self.code[split][2] = len(self.code)
            self.emit(branches[-1])
            for jump in jumps:
                self.code[jump][1] = len(self.code)
        else:
            _, item, low, high = node
            for _ in range(low):
                self.emit(item)
            if high is None:
                split = self.add(_SPLIT)
                self.code[split][1] = len(self.code)
                self.emit(item)
                self.add(_JUMP, split)
                self.code[split][2] = len(self.code)
            else:
                for _ in range(high - low):
                    split = self.add(_SPLIT)
                    self.code[split][1] = len(self.code)
                    self.emit(item)
                    self.code[split][2] = len(self.code)


# -- subset construction -----------------------------------------------------------------------------


def _closure(code: list, starts: list, at_begin: bool) -> int:
    """The instructions that consume input (sets, \\Z) or match, reachable without consuming, as a
    bit set (bit pc)."""
    seen: set = set()
    found = 0
    stack = list(starts)
    while stack:
        pc = stack.pop()
        if pc in seen:
            continue
        seen.add(pc)
        op, a, b = code[pc]
        if op == _JUMP:
            stack.append(a)
        elif op == _SPLIT:
            stack.append(b)
            stack.append(a)
        elif op == _BEGIN:
            if at_begin:
                stack.append(pc + 1)
        else:
            found |= 1 << pc
    return found


def _determinize(code: list) -> AsciiDFA:
    masks = sorted({a for op, a, _ in code if op == _SET})
    # Bytes that every set treats alike share a class.
    signature: dict = {}
    classes = bytearray(128)
    for byte in range(128):
        key = tuple(mask >> byte & 1 for mask in masks)
        classes[byte] = signature.setdefault(key, len(signature))
    count = len(signature)
    if count + 1 > MAX_CLASSES:
        raise Unsupported("classes")
    representative = [classes.index(k) for k in range(count)]
    end = count
    stride = count + 1
    # Per class, the instructions that consume it; per instruction, where consuming leads (the
    # closure of the next one): a DFA step is then a few bit operations per live instruction.
    consumes = [0] * stride
    following: dict = {}
    for pc, (op, mask, _) in enumerate(code):
        if op == _SET:
            for k in range(count):
                if mask >> representative[k] & 1:
                    consumes[k] |= 1 << pc
        elif op == _END:
            consumes[end] |= 1 << pc
        if op in (_SET, _END):
            following[pc] = _closure(code, [pc + 1], False)
    restart = _closure(code, [0], False)  # search: a match may start after any byte
    first = _closure(code, [0], True)
    states: list = [first]
    index: dict = {}  # the start state is kept out: only it may pass \A at the end of an empty text
    rows: list = []
    position = 0
    while position < len(states):
        current = states[position]
        row = []
        for k in range(stride):
            moving = current & consumes[k]
            target = 0
            if k == end and position == 0 and moving:
                # at the end of an empty text, \A still holds after \Z
                target = _closure(code, [pc + 1 for pc in _bits(moving)], True)
            else:
                while moving:
                    low = moving & -moving
                    target |= following[low.bit_length() - 1]
                    moving ^= low
            if k != end:
                target |= restart
            found = index.get(target)
            if found is None:
                if len(states) >= MAX_STATES:
                    raise Unsupported("states")
                found = index[target] = len(states)
                states.append(target)
            row.append(found)
        rows.append(row)
        position += 1
    match_bit = 1 << (len(code) - 1)
    accept = bytes(1 if state & match_bit else 0 for state in states)
    dead = bytes(1 if not state else 0 for state in states)
    table = array("H", [target for row in rows for target in row]).tobytes()
    return AsciiDFA(bytes(classes), table, accept, dead, stride)


def _bits(value: int) -> list:
    found = []
    while value:
        low = value & -value
        found.append(low.bit_length() - 1)
        value ^= low
    return found
