"""Seeded generator of random Data Plans and Events API batches for differential testing.

Pure standard library and deterministic: case `i` of seed `s` depends only on (s, i), so any
difference found by `compare_live.py` can be regenerated from its two numbers.

Each case is one version document `{"data_points": [...]}` and a list of batch lines (JSON text,
no newline). The main stream only holds plans the reference compiles (every schema passes the
draft-07 meta-schema, every format is known, every `$ref` resolves, every point that can match has
criteria); a separate stream (`plan_error_case`) holds plans the reference refuses once an event
reaches the bad point, which `load_plan` must refuse up front with PlanError.

Every emitted JSON text parses to the same value in JavaScript and Python: no NaN or Infinity, no
duplicate keys, no lone surrogates. Integers beyond 2**53 are emitted on purpose (JavaScript reads
them as doubles; the engine must do the same).

    python tests/differential/generate.py --seed 1 --cases 3 --out /tmp/cases   # write files to look at
"""

from __future__ import annotations

import argparse
import copy
import json
import random
from pathlib import Path
from typing import Any, Optional

# ---------------------------------------------------------------------------------------------
# value pools
# ---------------------------------------------------------------------------------------------

BIG_INTS = [2**53, 2**53 + 1, 2**53 + 2, 2**63 - 1, 2**63, 2**64 + 5, 12345678901234567890123, -(2**53) - 1]
FLOATS = [
    0.1,
    0.3,
    0.7,
    1.5,
    -2.5,
    1.0,
    2.0,
    -0.0,
    1e21,
    1e-7,
    1.5e-7,
    0.000001,
    123456.789,
    0.30000000000000004,
    1.7976931348623157e308,
    5e-324,
    1e300,
    99.99,
    3.14159,
    -1e-10,
    1e20,
    4.35,
]
INTS = [0, 1, -1, 2, 3, 5, 7, 10, 42, 100, 255, 256, 1000, -100, 65536, 4294967295, 4294967296]
STRINGS = [
    "",
    "a",
    "abc",
    "ABC",
    "1",
    "0",
    "01",
    "-1",
    "1.5",
    "true",
    "false",
    "null",
    "hello world",
    " ",
    "é",
    "naïve",
    "Straße",
    "日本語",
    "Ж",
    "😀",
    "a😀b",
    "👍🏽",
    "e\u0301",
    "\n",
    "tab\there",
    "\u0000",
    "\u001f",
    "\u007f",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u00a0",
    "\x1c",
    "line\r\n",
    'quote"back\\slash',
    "2020-01-01",
    "12:34:56",
    "http://example.com/a?b=c",
    "a@b.co",
    "::1",
    "1.2.3.4",
    "/a/b",
    "#/a",
    "abc\n",
    "123",
    "１２３",
    "٣",
    "x" * 40,
    "Ünïcödé ✓",
    "a/b",
    "t~x",
    "<script>",
    "%41",
    "{id}",
    "123e4567-e89b-12d3-a456-426614174000",
    "red",
    "green",
    "blue",
    "gold",
    "$Age",
    "\ud7ff",
    "\ue000",
    "\U0001f600\U0001f601",
    "𝔘𝔫𝔦",
    "ſ",
    "\u212a",
    "İ",
    "ß",
]
ODD_KEYS = [
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "0",
    "01",
    "1",
    "10",
    "-1",
    "4294967294",
    "4294967295",
    "",
    "a/b",
    "t~x",
    "~1",
    "p.q",
    "$Age",
    "é",
    "😀",
    "with space",
    "__defineGetter__",
]
NAMES = [
    "color",
    "price",
    "quantity",
    "category",
    "sku",
    "brand",
    "currency",
    "count",
    "level",
    "score",
    "tier",
    "name",
    "email",
    "id",
    "url",
    "when",
    "tags",
    "flags",
    "size",
    "zip",
    "ratio",
    "discount",
    "$Age",
    "$Gender",
    "$City",
    "Référence",
    "名前",
    "is_member",
    "rating",
    "items",
    "meta",
    "attempts",
]
EVENT_NAMES = [
    "Add to Cart",
    "Search",
    "Login",
    "Play Video",
    "My Custom Event Name",
    "Café ☕",
    "🚀 Launch",
    "x",
    "Checkout Step",
    "a/b",
    "Ünïcödé",
    "5",
    "Level Up",
    "Share",
    " padded ",
    "UPPER",
]
SCREEN_NAMES = ["Home", "Product Detail", "Cart", "1", "Écran", "📱", "settings/profile", "Search Results"]
CUSTOM_EVENT_TYPES = [
    "navigation",
    "location",
    "search",
    "transaction",
    "user_content",
    "user_preference",
    "social",
    "other",
    "media",
    "unknown",
]
PRODUCT_ACTIONS = [
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "checkout_option",
    "click",
    "view_detail",
    "purchase",
    "refund",
    "add_to_wishlist",
    "remove_from_wishlist",
    "unknown",
]
PROMOTION_ACTIONS = ["view", "click"]
AST_TYPES = [
    "application_initialized",
    "application_exit",
    "application_background",
    "application_foreground",
]
SIMPLE_TYPES = [
    "session_start",
    "session_end",
    "breadcrumb",
    "crash_report",
    "first_run",
    "network_performance",
    "opt_out",
    "uninstall",
]
UNPLANNABLE_TYPES = [
    "profile",
    "push_registration",
    "user_attribute_change",
    "user_identity_change",
    "push_message",
    "pre_attribution",
    "push_reaction",
    "media",
    "unknown",
]
DEAD_MATCH_TYPES = ["commerce", "profile", "media", "user_attribute_change", "unknown"]
JSON_TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"]
ANNOTATIONS = [
    ("description", "a description"),
    ("title", "Title"),
    ("default", 1),
    ("examples", ["x"]),
    ("x-foo", {"bar": 1}),
    ("nullable", True),
    ("$comment", "note"),
    ("readOnly", True),
    ("dependentRequired", {"a": ["b"]}),
    ("unevaluatedProperties", False),
    ("deprecated", True),
]

# Format names -> (strings ajv 6.10 "fast" accepts, strings it refuses); edges on both sides.
FORMAT_SAMPLES = {
    "date": (
        ["2020-01-01", "2020-02-30", "9999-19-39", "0000-00-00"],
        [
            "2020-1-01",
            "20200101",
            "2020-01-01T00:00:00Z",
            " 2020-01-01",
            "2020-01-01\n",
            "２０２０-01-01",
            "2020-01-01x",
        ],
    ),
    "time": (
        [
            "12:34:56",
            "23:59:60",
            "25:00:00",
            "12:34:56.789",
            "12:34:56Z",
            "12:34:56z",
            "12:34:56+01:00",
            "29:59:59-23:59",
        ],
        ["12:34", "12:34:56+0100", "1:2:3", "12:60:00", "12:34:56 Z", "12:34:56\n", "12:34:56.Z"],
    ),
    "date-time": (
        [
            "2020-01-01T00:00:00Z",
            "2020-01-01t00:00:00z",
            "2020-01-01 00:00:00+01:00",
            "2020-01-01\t00:00:00Z",
            "2020-01-01\u00a000:00:00Z",
            "2020-01-01\ufeff00:00:00Z",
            "2020-02-30T25:00:00.123-05:00",
        ],
        [
            "2020-01-01T00:00:00",
            "2020-01-01T00:00:00+0100",
            "2020-01-01\x1c00:00:00Z",
            "2020-01-01",
            "2020-01-01T00:00:00Z\n",
            "2020-01-01T00:00:00.Z",
        ],
    ),
    "uri": (
        ["http://x", "urn:isbn:123", "a+b-c.d:e", "mailto:a@b", "h:", "HTTP://X.Y/é", "x:,/"],
        ["no scheme", "1http://x", "http://x y", ":x", "", "ſcheme:x", "\u212aey:x", "http://x\u00a0y"],
    ),
    "uri-reference": (
        ["", "/a/b", "#frag", "a/b", "//host", "http://x/y?z#w", "é"],
        ["\\bad", "a b", "#a\\b", "a\tb", "ſ:x/ y"],
    ),
    "uri-template": (
        ["http://x/{id}", "{+path}", "/a{?x,y}", "%41", "", "{x:10}", "{list*}"],
        ["{bad", "a b", "{x:0}", "100%", "{}", "a}"],
    ),
    "url": (
        [
            "http://example.com",
            "https://a.b/c?d=e#f",
            "ftp://1.2.3.4:21/x",
            "http://user:pw@host.io",
            "http://例え.jp",
            "https://xn--n3h.com",
        ],
        ["ftp//x", "http://", "http://localhost", "x://y.z", "http://10.0.0.1", "http://a.b c"],
    ),
    "email": (
        ["a@b", "a.b+c@d-e.fg", "!#$%@x.y", "USER@EXAMPLE.COM"],
        ["a@", "@b", "a@-b", "a b@c", "é@x.y", "a@b_c.d"],
    ),
    "hostname": (
        ["a", "a.b", "A-B.c", "x" * 63, "1.2.3.4", "xn--n3h"],
        ["-a", "a_b", "a..b", "x" * 64, "a.", "é.com", ""],
    ),
    "ipv4": (
        ["1.2.3.4", "255.255.255.255", "001.02.3.004", "0.0.0.0"],
        ["256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.4\n", "1.2.3.٤", "a.b.c.d"],
    ),
    "ipv6": (
        ["::1", "::", "1:2:3:4:5:6:7:8", " ::1 ", "::ffff:1.2.3.4", "fe80::1%eth0", "ABCD::EF"],
        ["1::2::3", "12345::", ":::", "1:2:3:4:5:6:7:8:9", "g::1", ""],
    ),
    "regex": (
        [
            "^a$",
            "[^]",
            "(?<n>a)\\k<n>",
            "\\p{L}",
            "a{,3}",
            "]",
            "}",
            "{",
            "\\Z",
            "(?<=a)b",
            "\\1",
            "\\k<n>",
            "[\\b]",
            "\\cJ",
            "x{2,}",
            "a|",
        ],
        [
            "(",
            "[",
            "a**",
            "*",
            "+a",
            "(?P<n>a)",
            "x{2}{3}",
            "[b-a]",
            "(?i)a",
            "a\\Z",
            ")",
            "a{2,1}",
            "(?<n>a)(?<n>b)",
        ],
    ),
    "uuid": (
        [
            "123e4567-e89b-12d3-a456-426614174000",
            "123E4567-E89B-12D3-A456-426614174000",
            "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
            "URN:UUID:00000000-0000-0000-0000-000000000000",
        ],
        [
            "123e4567e89b12d3a456426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "{123e4567-e89b-12d3-a456-426614174000}",
            "",
        ],
    ),
    "json-pointer": (
        ["", "/", "/a~1b", "/a/0", "/~0", "/é/ "],
        ["a", "/~2", "/~", "#/a"],
    ),
    "json-pointer-uri-fragment": (
        ["#", "#/a%20b", "#/~0", "#/a/0"],
        ["#a", "/a", "#/a b", "#/é", "#/%zz"],
    ),
    "relative-json-pointer": (
        ["0", "1/a", "0#", "10/~1", "2/"],
        ["01", "-1", "/a", "0##", "", "1/~2"],
    ),
}
FORMATS = sorted(FORMAT_SAMPLES)

# Hand-written ECMAScript patterns (valid without the `u` flag) with strings to try against them.
CURATED_PATTERNS = [
    ("^\\d{3}-\\d{4}$", ["555-1234", "555-12345", "٥٥٥-1234", "555-1234\n"]),
    ("^[A-Z]{2,3}$", ["AB", "ABCD", "ab", "ÄB"]),
    ("^$", ["", " ", "\n"]),
    ("", ["", "anything"]),
    ("a|", ["", "b"]),
    ("^\\S+$", ["abc", "a b", "a\u00a0b", "a\x1cb", "a\ufeffb"]),
    ("\\s", ["a b", "ab", "a\x1cb", "a\u2003b", "a\ufeffb", "a\u0085b", "a\u180eb"]),
    ("^[^\\n]*$", ["abc", "a\nb", "a\rb", "a\u2028b"]),
    ("^.{2}$", ["ab", "😀", "é", "a\n"]),
    ("^.$", ["a", "😀", "\n", "\u2029"]),
    ("^[😀]$", ["😀", "😀x", "x😀😀"]),
    ("😀{2}", ["😀😀", "😀"]),
    ("\\u00e9", ["é", "e\u0301"]),
    ("[\\u0400-\\u04FF]+", ["Жук", "abc"]),
    ("^\\w+$", ["abc_1", "é", "ab-c"]),
    ("\\bfoo\\b", ["a foo b", "éfooé", "foobar"]),
    ("^(?<year>\\d{4})-(?<m>\\d{2})$", ["2020-01", "20-01"]),
    ("(?=.*\\d)(?=.*[a-z])", ["a1", "aa", "11"]),
    ("^[\\s\\S]*$", ["anything\n", ""]),
    ("^[^]*$", ["x\ny", ""]),
    ("[]", ["", "a"]),
    ("^(?!.*bad).*$", ["good", "is bad"]),
    ("^a{,3}$", ["a{,3}", "aaa", "a"]),
    ("\\$\\d+(\\.\\d\\d)?", ["$5", "$5.00", "5"]),
    ("^\\p{L}+$", ["p{L}", "p{L}}}", "abc"]),
    ("[\\w-]+", ["a-b", "--", "é"]),
    ("^-?\\d+(\\.\\d+)?$", ["-1.5", "1.", "1e5"]),
    ("\\d+$", ["123", "123\n", "12a"]),
    ("^abc$", ["abc", "abc\n", "ABC"]),
    ("(a|b)\\1", ["aa", "ab"]),
    ("[\\b]", ["\b", "b"]),
    ("\\cJ", ["\n", "cJ"]),
    ("^\\u{2}$", ["uu", "u{2}"]),
    ("^[a-z]+\\/[a-z]+$", ["a/b", "a\\/b"]),
    ("^\\x41\\x42", ["ABC", "ab"]),
    ("[^a-z]", ["abc", "ABC", "é"]),
    ("^.+@.+\\..+$", ["a@b.c", "a@b"]),
    ("^(?:\\+|-)?\\d{1,3}(?:,\\d{3})*$", ["1,000", "+12", "1,00"]),
    ("Ünï", ["Ünïcödé", "unicode"]),
    ("^[à-ÿ]+$", ["éàü", "e"]),
    ("\\Bb", ["ab", "b"]),
    ("^\\]$", ["]", "\\]"]),
    ("^a{1}b{0,}c{2,4}?$", ["abcc", "ac"]),
    ("x*?y+?z??", ["xyz", "yy", "z"]),
    ("\\0", ["\u0000", "0"]),
    ("[\\d.]+e[+-]?\\d+", ["1.5e+10", "1e5", "e5"]),
]
FORMAT_PATTERN_CHARS = "abcxyzABXYZ019_ -@.é"


def _uniq(items: list) -> list:
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


# ---------------------------------------------------------------------------------------------
# ECMAScript regex generator: (source, node) pairs; the node samples strings that match
# ---------------------------------------------------------------------------------------------

META = set("\\^$.|?*+()[]{}")
LITERALS = list("abcdefxyzABCXYZ0123456789-_ @:,") + ["é", "ß", "Ж", "中", ".", "/", "$", "+", "(", "ü"]
RANGES = [("a", "z"), ("A", "Z"), ("0", "9"), ("a", "f"), ("à", "ÿ"), ("А", "я"), ("0", "5"), ("x", "z")]
ESCAPES = "dDwWsS"
ESCAPE_POOL = {
    "d": list("0123456789"),
    "D": list("aZ_ é-") + ["\n"],
    "w": list("azAZ09_"),
    "W": list(" -.é@") + ["\u00a0"],
    "s": [" ", "\t", "\u00a0", "\u2003", "\ufeff", "\u2028", "\n"],
    "S": list("ax0_é") + ["\x1c"],
}
MISS_CHARS = list("aA0_ -.\n\t") + ["\x1c", "\ufeff", "\u00a0", "é", "٣", "😀", "\u2028", "K", "ſ", "\u0085"]


class RegexGen:
    """Random ECMAScript patterns (no flags) that cannot backtrack catastrophically."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.named = 0

    def pattern(self) -> tuple:
        r = self.r
        if r.random() < 0.3:
            src, tries = r.choice(CURATED_PATTERNS)
            return src, ("curated", tries)
        self.named = 0
        alternatives = [self.seq(2, r.randint(1, 4)) for _ in range(1 if r.random() < 0.8 else 2)]
        node: tuple = ("alt", alternatives)
        start = r.random() < 0.5
        end = r.random() < 0.5
        src = ("^" if start else "") + self.render(node if len(alternatives) > 1 else alternatives[0])
        if len(alternatives) > 1 and r.random() < 0.5:
            src = ("^" if start else "") + "(?:" + self.render(node) + ")"
        src += "$" if end else ""
        return src, node

    def seq(self, depth: int, length: int, bounded: bool = False) -> tuple:
        return ("seq", [self.quantified(depth, bounded) for _ in range(length)])

    def quantified(self, depth: int, bounded: bool) -> tuple:
        r = self.r
        atom = self.atom(depth)
        if r.random() < 0.55:
            return atom
        if atom[0] == "group" or bounded:
            lo = r.randint(0, 2)
            hi = r.choice([lo, lo + 1, lo + 2])
            return ("quant", atom, lo, hi, r.random() < 0.15, "brace" if hi != 1 or lo != 0 else "?")
        form = r.choice(["*", "+", "?", "brace", "brace_open", "brace"])
        lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(form, (0, 0))
        if form == "brace":
            lo = r.randint(0, 3)
            hi = lo + r.randint(0, 3)
        elif form == "brace_open":
            lo, hi = r.randint(0, 2), None
        return ("quant", atom, lo, hi, r.random() < 0.15, form)

    def atom(self, depth: int) -> tuple:
        r = self.r
        x = r.random()
        if x < 0.4:
            ch = r.choice(LITERALS) if r.random() < 0.97 else "😀"
            if r.random() < 0.08 and ord(ch) < 0x10000:
                return ("hex", ch)
            return ("lit", ch)
        if x < 0.55:
            return ("esc", r.choice(ESCAPES))
        if x < 0.62:
            return ("dot",)
        if x < 0.85 or depth <= 0:
            items: list = []
            for _ in range(r.randint(1, 3)):
                y = r.random()
                if y < 0.5:
                    items.append(("range",) + r.choice(RANGES))
                elif y < 0.8:
                    items.append(("ch", r.choice(LITERALS + ["]", "-", "^", "\\"])))
                else:
                    items.append(("esc", r.choice(ESCAPES)))
            return ("class", r.random() < 0.2, items)
        kind = r.choice(["(", "(?:", "(?:", "(?=", "(?!", "(?<g>"])
        if kind == "(?<g>":
            self.named += 1  # group names must be unique within a pattern
            kind = f"(?<g{self.named}>"
        inner: list = [self.seq(depth - 1, r.randint(1, 3), bounded=True)]
        if r.random() < 0.3:
            inner.append(self.seq(depth - 1, r.randint(1, 2), bounded=True))
        return ("group", kind, ("alt", inner))

    # -- rendering -------------------------------------------------------------------------------

    def render(self, node: tuple) -> str:
        kind = node[0]
        if kind == "lit":
            ch = node[1]
            return "\\" + ch if ch in META else ch
        if kind == "hex":
            code = ord(node[1])
            return f"\\x{code:02x}" if code < 0x100 and self.r.random() < 0.5 else f"\\u{code:04x}"
        if kind == "esc":
            return "\\" + node[1]
        if kind == "dot":
            return "."
        if kind == "class":
            body = "".join(self.render_class_item(item, i) for i, item in enumerate(node[2]))
            return "[" + ("^" if node[1] else "") + body + "]"
        if kind == "group":
            return node[1] + self.render(node[2]) + ")"
        if kind == "alt":
            return "|".join(self.render(n) for n in node[1])
        if kind == "seq":
            return "".join(self.render(n) for n in node[1])
        if kind == "quant":
            _, atom, lo, hi, lazy, form = node
            text = self.render(atom)
            if form in ("*", "+", "?"):
                q = form
            elif hi is None:
                q = f"{{{lo},}}"
            elif hi == lo:
                q = f"{{{lo}}}"
            else:
                q = f"{{{lo},{hi}}}"
            return text + q + ("?" if lazy else "")
        raise AssertionError(kind)

    @staticmethod
    def render_class_item(item: tuple, index: int) -> str:
        if item[0] == "range":
            return item[1] + "-" + item[2]
        if item[0] == "esc":
            return "\\" + item[1]
        ch = item[1]
        if ch in "]\\-^":
            return "\\" + ch
        return ch

    # -- sampling --------------------------------------------------------------------------------

    def sample(self, node: tuple) -> str:
        r = self.r
        kind = node[0]
        if kind == "curated":
            return r.choice(node[1])
        if kind in ("lit", "hex"):
            return node[1]
        if kind == "esc":
            return r.choice(ESCAPE_POOL[node[1]])
        if kind == "dot":
            return r.choice(list("a.Z9 é") + ["😀"])
        if kind == "class":
            if not node[1]:
                item = r.choice(node[2])
                if item[0] == "range":
                    return chr(r.randint(ord(item[1]), ord(item[2])))
                if item[0] == "esc":
                    return r.choice(ESCAPE_POOL[item[1]])
                return item[1]
            for _ in range(10):
                ch = r.choice(MISS_CHARS + list("qQ7#"))
                if not self.class_has(node[2], ch):
                    return ch
            return "#"
        if kind == "group":
            if node[1] in ("(?=", "(?!"):
                return ""
            return self.sample(node[2])
        if kind == "alt":
            return self.sample(r.choice(node[1]))
        if kind == "seq":
            return "".join(self.sample(n) for n in node[1])
        if kind == "quant":
            _, atom, lo, hi, _lazy, _form = node
            top = lo + 3 if hi is None else hi
            return "".join(self.sample(atom) for _ in range(r.randint(lo, top)))
        raise AssertionError(kind)

    @staticmethod
    def class_has(items: list, ch: str) -> bool:
        for item in items:
            if item[0] == "range" and item[1] <= ch <= item[2]:
                return True
            if item[0] == "ch" and item[1] == ch:
                return True
            if item[0] == "esc" and ch in ESCAPE_POOL[item[1]] and item[1].islower():
                return True
        return False

    def mutate(self, text: str) -> str:
        """A nearby string: one character inserted, removed or replaced, or a newline appended."""
        r = self.r
        x = r.random()
        if x < 0.15:
            return text + "\n"
        if not text or x < 0.45:
            i = r.randint(0, len(text))
            return text[:i] + r.choice(MISS_CHARS) + text[i:]
        i = r.randrange(len(text))
        if x < 0.7:
            return text[:i] + text[i + 1 :]
        return text[:i] + r.choice(MISS_CHARS) + text[i + 1 :]


# ---------------------------------------------------------------------------------------------
# the case generator
# ---------------------------------------------------------------------------------------------


class CaseGen:
    """Generates one random plan and batches against it; every choice comes from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.rx = RegexGen(rng)
        self.patterns: dict = {}  # pattern source -> node that samples matching strings
        self.defs: dict = {}  # definitions of the point being built
        self.defs_key = "definitions"  # or "$defs": not a draft-07 keyword, but $ref pointers reach it
        self.def_names: list = []
        # per-case dials, so that some cases are clean and others are full of one kind of quirk
        self.proto = rng.random() < 0.04  # allow "__proto__" as a data key and schema property name
        self.odd_rate = rng.choice([0.0, 0.02, 0.05, 0.12])
        self.miss = rng.choice([0.05, 0.12, 0.25])
        self.null_rate = rng.choice([0.0, 0.03, 0.08])
        self.ascii_only = rng.random() < 0.2
        # "clean" cases aim at valid values, so that single subtle errors (the ones a fast path
        # could miss) are common; elsewhere most events carry several errors
        self.err = 0.1 if rng.random() < 0.35 else 1.0
        if self.err < 1:
            self.miss, self.null_rate = 0.02, 0.0

    # -- small helpers ---------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def weighted(self, choices: list) -> str:
        """One name from [(name, weight), ...]."""
        x = self.r.uniform(0, sum(w for _, w in choices))
        for name, weight in choices:
            x -= weight
            if x <= 0:
                return str(name)
        return str(choices[-1][0])

    def wild_scalar(self) -> Any:
        r = self.r
        x = r.random()
        if x < 0.08:
            return None
        if x < 0.16:
            return r.random() < 0.5
        if x < 0.33:
            return r.choice(INTS)
        if x < 0.45:
            return r.choice(FLOATS)
        if x < 0.5:
            return r.choice(BIG_INTS)
        if x < 0.55:
            return round(r.uniform(-1000, 1000), r.randint(0, 4))
        return r.choice(STRINGS)

    def wild(self, depth: int = 0) -> Any:
        r = self.r
        x = r.random()
        if depth > 2 or x < 0.75:
            return self.wild_scalar()
        if x < 0.88:
            return [self.wild(depth + 1) for _ in range(r.randint(0, 3))]
        out: dict = {}
        for _ in range(r.randint(0, 3)):
            out[self.key_name()] = self.wild(depth + 1)
        return out

    def key_name(self, odd: Optional[float] = None) -> str:
        r = self.r
        if r.random() < (self.odd_rate if odd is None else odd):
            if self.proto and r.random() < 0.3:
                return "__proto__"
            return r.choice(ODD_KEYS)
        return r.choice(NAMES) if r.random() < 0.8 else r.choice(NAMES) + "_" + str(r.randint(1, 9))

    def number(self) -> Any:
        r = self.r
        x = r.random()
        if x < 0.5:
            return r.choice([0, 1, 2, 3, 5, 10, 18, 21, 100, -5, -1, 1000])
        if x < 0.8:
            return r.choice([0.5, 1.5, 2.5, 0.1, 0.01, 99.99, -0.5, 1e-7, 10.0, 0.0, -0.0, 3.0])
        if x < 0.9:
            return r.choice([1e21, 1e300, 2**53 + 1, 12345678901234567890123, 1.5e-7, 4294967295])
        return round(r.uniform(-500, 500), r.randint(0, 3))

    def json_value(self) -> Any:
        """A value for enum/const: mostly scalars, sometimes small objects or arrays."""
        r = self.r
        x = r.random()
        if x < 0.45:
            return r.choice(["red", "green", "blue", "gold", "", "A", "é", "1", "true", "null", "😀", "a b"])
        if x < 0.7:
            return r.choice([0, 1, 2, 1.5, -1, 10, 1.0, 2**53 + 1, 1e21, -0.0, 0.1])
        if x < 0.8:
            return r.choice([None, True, False])
        if x < 0.9:
            return {r.choice(["a", "b", "0", "z"]): self.wild_scalar() for _ in range(r.randint(0, 2))}
        return [self.wild_scalar() for _ in range(r.randint(0, 3))]

    def near(self, value: Any) -> Any:
        """`value` itself most of the time, else a look-alike that JSON equality may or may not accept."""
        r = self.r
        if r.random() < 1 - 0.3 * self.err:
            return copy.deepcopy(value)
        if isinstance(value, bool):
            return r.choice([int(value), str(value).lower(), not value])
        if isinstance(value, int):
            return r.choice([float(value), str(value), value + 1, -value, True])
        if isinstance(value, float):
            return r.choice(
                [int(value) if value.is_integer() and abs(value) < 1e300 else value, value * 2, str(value)]
            )
        if isinstance(value, str):
            return r.choice([value.upper(), value + " ", "", value[:-1]])
        if isinstance(value, dict):
            items = list(value.items())
            r.shuffle(items)
            out = dict(items)
            if r.random() < 0.3:
                out["extra"] = 1
            return out
        if isinstance(value, list):
            return list(reversed(value)) if r.random() < 0.5 else value + [None]
        return self.wild_scalar()

    def annotate(self, schema: dict) -> dict:
        if self.chance(0.1):
            k, v = self.r.choice(ANNOTATIONS)
            schema[k] = copy.deepcopy(v)
        return schema

    def new_pattern(self) -> str:
        src, node = self.rx.pattern()
        self.patterns[src] = node
        return src

    # -- schemas -----------------------------------------------------------------------------------

    def schema(self, depth: int) -> Any:
        """A random subschema for an attribute value (depth limits nesting)."""
        kinds = [
            ("string", 18),
            ("number", 10),
            ("integer", 8),
            ("boolean", 4),
            ("null", 2),
            ("type_array", 6),
            ("enum", 6),
            ("const", 3),
            ("untyped", 4),
            ("mixed", 3),
            ("empty", 4),
        ]
        if depth > 0:
            kinds += [("object", 7), ("array", 7), ("composition", 8)]
        if self.def_names:
            kinds.append(("ref", 5))
        return getattr(self, "s_" + self.weighted(kinds))(depth)

    def s_string(self, depth: int, typed: bool = True) -> dict:
        r = self.r
        s: dict = {"type": "string"} if typed else {}
        x = r.random()
        if x < 0.3:
            s["pattern"] = self.new_pattern()
        elif x < 0.55:
            s["format"] = r.choice(FORMATS)
        if self.chance(0.35):
            lo = r.randint(0, 4)
            if self.chance(0.7):
                s["minLength"] = lo if self.chance(0.9) else float(lo)
            if self.chance(0.7):
                s["maxLength"] = lo + r.randint(0, 6)
        if self.chance(0.1):
            s["enum"] = _uniq(
                [r.choice(["red", "green", "blue", "", "é", "😀", "ab"]) for _ in range(r.randint(1, 4))]
            )
        return self.annotate(s)

    def s_number(self, depth: int, typed: bool = True, kind: str = "number") -> dict:
        r = self.r
        s: dict = {"type": kind} if typed else {}
        base = self.number()
        if self.chance(0.5):
            key = "minimum" if self.chance(0.7) else "exclusiveMinimum"
            s[key] = base
            if self.chance(0.3):
                s["exclusiveMinimum" if key == "minimum" else "minimum"] = self.number()
        if self.chance(0.5):
            key = "maximum" if self.chance(0.7) else "exclusiveMaximum"
            top = base + r.choice([0, 1, 5, 10, 100, 0.5]) if isinstance(base, (int, float)) else 10
            s[key] = top if abs(top) < 1e300 else base
            if self.chance(0.3):
                s["exclusiveMaximum" if key == "maximum" else "maximum"] = self.number()
        if self.chance(0.35):
            s["multipleOf"] = r.choice([1, 2, 3, 5, 0.1, 0.01, 0.5, 2.5, 1e-7, 10, 0.25, 1.0, 7])
        if self.chance(0.06):
            s["format"] = r.choice(FORMATS)  # formats never apply to numbers
        return self.annotate(s)

    def s_integer(self, depth: int) -> dict:
        return self.s_number(depth, kind="integer")

    def s_boolean(self, depth: int) -> dict:
        return self.annotate({"type": "boolean"})

    def s_null(self, depth: int) -> dict:
        return self.annotate({"type": "null"})

    def s_type_array(self, depth: int) -> dict:
        r = self.r
        types = r.sample(JSON_TYPES, r.randint(1, 3))
        s: dict = {"type": types}
        if "string" in types and self.chance(0.4):
            s.update({k: v for k, v in self.s_string(depth, typed=False).items() if k != "enum"})
        if ("number" in types or "integer" in types) and self.chance(0.4):
            s.update(self.s_number(depth, typed=False))
        if "array" in types and self.chance(0.3):
            s["items"] = self.schema(0)
        if "object" in types and self.chance(0.3):
            s["required"] = [r.choice(NAMES)]
        return self.annotate(s)

    def s_enum(self, depth: int) -> dict:
        r = self.r
        values = _uniq([self.json_value() for _ in range(r.randint(1, 5))])
        s: dict = {"enum": values}
        if self.chance(0.4):
            s["type"] = r.choice(JSON_TYPES)
        return self.annotate(s)

    def s_const(self, depth: int) -> dict:
        s: dict = {"const": self.json_value()}
        if self.chance(0.3):
            s["type"] = self.r.choice(JSON_TYPES)
        return self.annotate(s)

    def s_untyped(self, depth: int) -> dict:
        """Keywords of one or two groups with no `type`: they apply only to values of their type."""
        r = self.r
        s: dict = {}
        for group in r.sample(["string", "number", "array", "object"], r.randint(1, 2)):
            if group == "string":
                s.update(self.s_string(depth, typed=False))
            elif group == "number":
                s.update(self.s_number(depth, typed=False))
            elif group == "array":
                s.update(self.s_array(max(depth - 1, 0), typed=False))
            else:
                s.update(self.s_object(max(depth - 1, 0), typed=False))
        return s

    def s_mixed(self, depth: int) -> dict:
        """A `type` next to another group's keywords: decides where the type error lands."""
        r = self.r
        s = self.s_untyped(depth)
        s["type"] = r.choice(JSON_TYPES)
        return s

    def s_empty(self, depth: int) -> Any:
        r = self.r
        return r.choice(
            [
                {},
                {},
                {"description": "no rules"},
                {"$comment": "only a comment"},
                True,
                {"title": "t"},
                {"default": None},
                {"then": {"type": "string"}},
                {"additionalItems": False},
                False,
            ]
        )

    def s_object(self, depth: int, typed: bool = True) -> dict:
        r = self.r
        s: dict = {"type": "object"} if typed and self.chance(0.8) else {}
        names = _uniq([self.key_name(odd=self.odd_rate + 0.03) for _ in range(r.randint(0, 4))])
        if names or self.chance(0.5):
            s["properties"] = {n: self.schema(depth - 1) for n in names}
        if self.chance(0.5):
            pool = names + [self.key_name() for _ in range(2)]
            s["required"] = _uniq(r.sample(pool, r.randint(0, min(3, len(pool)))))
        x = r.random()
        if x < 0.3:
            s["additionalProperties"] = False
        elif x < 0.4:
            s["additionalProperties"] = self.schema(depth - 1)
        elif x < 0.5:
            s["additionalProperties"] = True
        if self.chance(0.15):
            s["patternProperties"] = {
                self.new_pattern(): self.schema(depth - 1) for _ in range(r.randint(1, 2))
            }
        if self.chance(0.12):
            deps: dict = {}
            for n in r.sample(names + ["a", "b"], r.randint(1, 2)):
                if self.chance(0.6):
                    deps[n] = _uniq([self.key_name() for _ in range(r.randint(0, 3))])
                else:
                    deps[n] = self.s_object(depth - 1) if depth > 0 else {"required": [self.key_name()]}
            s["dependencies"] = deps
        if self.chance(0.1):
            s["propertyNames"] = r.choice(
                [
                    {"pattern": self.new_pattern()},
                    {"maxLength": r.randint(1, 6)},
                    {"enum": names + ["x"]},
                    {"format": r.choice(FORMATS)},
                    {"minLength": 2},
                    False,
                    {"const": "a"},
                ]
            )
        if self.chance(0.12):
            s["minProperties"] = r.randint(0, 3)
        if self.chance(0.12):
            s["maxProperties"] = r.randint(0, 4)
        return self.annotate(s)

    def s_array(self, depth: int, typed: bool = True) -> dict:
        r = self.r
        s: dict = {"type": "array"} if typed and self.chance(0.8) else {}
        x = r.random()
        if x < 0.55:
            s["items"] = self.schema(depth - 1)
        elif x < 0.8:
            s["items"] = [self.schema(depth - 1) for _ in range(r.randint(1, 3))]
            y = r.random()
            if y < 0.35:
                s["additionalItems"] = False
            elif y < 0.6:
                s["additionalItems"] = self.schema(depth - 1)
        if self.chance(0.2):
            s["contains"] = self.schema(depth - 1)
        if self.chance(0.3):
            s["uniqueItems"] = self.chance(0.85)
        if self.chance(0.25):
            s["minItems"] = r.randint(0, 3)
        if self.chance(0.25):
            s["maxItems"] = r.randint(0, 5)
        if self.chance(0.05) and "items" not in s:
            s["additionalItems"] = False  # ignored without a tuple
        return self.annotate(s)

    def s_composition(self, depth: int) -> dict:
        r = self.r
        kind = r.choice(["allOf", "anyOf", "oneOf", "not", "if", "if", "anyOf", "oneOf"])
        if kind == "not":
            s: dict = {"not": self.schema(depth - 1)}
        elif kind == "if":
            s = {"if": self.schema(depth - 1)}
            if self.chance(0.8):
                s["then"] = self.schema(depth - 1)
            if self.chance(0.6):
                s["else"] = self.schema(depth - 1)
        else:
            s = {kind: [self.schema(depth - 1) for _ in range(r.randint(1, 3))]}
        if self.chance(0.35):
            s["type"] = r.choice(JSON_TYPES + [["string", "number"]])
        return self.annotate(s)

    def s_ref(self, depth: int) -> dict:
        r = self.r
        name = r.choice(self.def_names)
        s: dict = {"$ref": f"#/{self.defs_key}/" + name.replace("~", "~0").replace("/", "~1")}
        if self.chance(0.15):
            # siblings of $ref are ignored, bar one up-front type check
            key, value = r.choice(
                [
                    ("type", "integer"),
                    ("type", "string"),
                    ("maximum", 3),
                    ("minLength", 1),
                    ("enum", ["a"]),
                    ("type", ["string", "null"]),
                ]
            )
            s[key] = value
        return s

    def definitions(self) -> None:
        """Fill self.defs with a few named subschemas (later ones may refer to earlier ones)."""
        r = self.r
        self.defs, self.def_names = {}, []
        if not self.chance(0.3):
            return
        self.defs_key = "$defs" if self.chance(0.2) else "definitions"
        for i in range(r.randint(1, 3)):
            name = r.choice(["pos", "name", "money", "tag", "node", "a/b", "x~y", "Ünï", "item"]) + str(i)
            self.defs[name] = self.schema(2)
            self.def_names.append(name)
        if self.chance(0.2):
            # a recursive definition: a tree of labelled nodes
            self.defs["tree"] = {
                "type": "object",
                "properties": {"label": {"type": "string"}, "child": {"$ref": f"#/{self.defs_key}/tree"}},
                "required": ["label"],
            }
            self.def_names.append("tree")

    def attrs_schema(self, depth: int = 3) -> dict:
        """The schema of a custom_attributes-like object (what mParticle plans mostly hold)."""
        r = self.r
        s: dict = {}
        if self.chance(0.7):
            s["type"] = "object"
        names = _uniq([self.key_name(odd=self.odd_rate) for _ in range(r.randint(1, 7))])
        if self.proto and self.chance(0.3):
            names.insert(r.randint(0, len(names)), "__proto__")
        s["properties"] = {n: self.schema(depth) for n in names}
        if self.chance(0.6):
            s["required"] = _uniq(
                r.sample(names, r.randint(0, len(names))) + ([self.key_name()] if self.chance(0.2) else [])
            )
        x = r.random()
        if x < 0.55:
            s["additionalProperties"] = False
        elif x < 0.7:
            s["additionalProperties"] = True
        elif x < 0.78:
            s["additionalProperties"] = self.schema(1)
        keys = list(s.items())
        r.shuffle(keys)  # keyword order in the schema must not matter
        s = dict(keys)
        if self.chance(0.15):
            s["patternProperties"] = {self.new_pattern(): self.schema(1)}
        if self.chance(0.08):
            s["dependencies"] = {names[0]: _uniq(r.sample(names, min(2, len(names))) + ["zz"])}
        if self.chance(0.05):
            s["minProperties"] = 1
        if self.chance(0.05):
            s["propertyNames"] = {"maxLength": 8}
        return self.annotate(s)

    def product_schema(self) -> dict:
        s: dict = {
            "type": "object",
            "properties": {
                "id": self.r.choice([{"type": "string"}, {"type": ["string", "number"]}, {}]),
                "price": self.s_number(0),
                "quantity": self.s_integer(0),
                "custom_attributes": self.attrs_schema(1),
            },
        }
        if self.chance(0.5):
            s["required"] = self.r.sample(["id", "price", "quantity", "name"], 2)
        if self.chance(0.3):
            s["additionalProperties"] = False
        return s

    def data_schema(self, match_type: str) -> dict:
        """The `data` subschema for an event of `match_type`."""
        r = self.r
        props: dict = {}
        if match_type in ("product_action", "promotion_action", "product_impression"):
            if match_type == "product_action":
                pa: dict = {
                    "type": "object",
                    "properties": {"products": {"type": "array", "items": self.product_schema()}},
                }
                if self.chance(0.3):
                    pa["properties"]["products"]["minItems"] = 1
                if self.chance(0.3):
                    pa["properties"]["total_amount"] = self.s_number(0)
                props["product_action"] = pa
            elif match_type == "promotion_action":
                props["promotion_action"] = {
                    "type": "object",
                    "properties": {
                        "promotions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"id": self.s_string(0)},
                                "required": ["id"],
                            },
                        }
                    },
                }
            else:
                props["product_impressions"] = {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"products": {"type": "array", "items": self.product_schema()}},
                    },
                }
            if self.chance(0.5):
                props["custom_attributes"] = self.attrs_schema(2)
        else:
            props["custom_attributes"] = self.attrs_schema()
            if self.chance(0.15):
                props["custom_flags"] = {"type": "object", "additionalProperties": {"type": "string"}}
            if match_type == "screen_view" and self.chance(0.2):
                props["screen_name"] = {"type": "string", "minLength": 1}
            if match_type == "custom_event" and self.chance(0.1):
                props["event_name"] = {"type": "string", "pattern": self.new_pattern()}
        s: dict = {}
        if self.chance(0.6):
            s["type"] = "object"
        s["properties"] = props
        if self.chance(0.15):
            s["additionalProperties"] = r.choice([True, True, False])
            if s["additionalProperties"] is False:
                for field in (
                    "event_name",
                    "custom_event_type",
                    "screen_name",
                    "timestamp_unixtime_ms",
                    "source_message_id",
                    "currency_code",
                    "application_transition_type",
                ):
                    props.setdefault(field, {})
        if self.chance(0.4):
            s["required"] = _uniq(
                r.sample(list(props), 1) + (["timestamp_unixtime_ms"] if self.chance(0.2) else [])
            )
        return s

    def event_definition(self, match_type: str) -> Any:
        r = self.r
        x = r.random()
        if x < 0.02:
            return True
        if x < 0.04:
            return r.choice([False, None, {}])  # falsy/empty: planned, anything goes
        self.definitions()
        s: dict = {}
        if self.chance(0.5):
            s["type"] = "object"
        s["properties"] = {"data": self.data_schema(match_type)}
        if self.chance(0.1):
            s["properties"]["event_type"] = {
                "const": "custom_event" if match_type == "custom_event" else match_type
            }
        if self.chance(0.3):
            s["required"] = ["data"]
        if self.chance(0.05):
            s["additionalProperties"] = False
        if self.chance(0.04):
            s["$schema"] = "http://json-schema.org/draft-07/schema#"
        if self.defs:
            s[self.defs_key] = self.defs
        return s

    def ua_definition(self) -> Any:
        self.definitions()
        s = self.attrs_schema(3)
        if self.defs:
            s[self.defs_key] = self.defs
        return s

    # -- plans --------------------------------------------------------------------------------------

    def criteria(self, match_type: str) -> Optional[dict]:
        r = self.r
        if match_type == "custom_event":
            c: dict = {"event_name": r.choice(EVENT_NAMES), "custom_event_type": r.choice(CUSTOM_EVENT_TYPES)}
            if self.chance(0.04):
                c["event_name"] = r.choice([5, 1.5, True])
            if self.chance(0.03):
                c = {"custom_event_type": c["custom_event_type"], "event_name": c["event_name"]}
        elif match_type == "screen_view":
            c = {"screen_name": r.choice(SCREEN_NAMES)}
            if self.chance(0.04):
                c["screen_name"] = 1
        elif match_type == "product_action":
            c = {"action": r.choice(PRODUCT_ACTIONS)}
        elif match_type == "promotion_action":
            c = {"action": r.choice(PROMOTION_ACTIONS)}
        elif match_type == "application_state_transition":
            c = {"application_transition_type": r.choice(AST_TYPES)}
        else:
            if self.chance(0.7):
                return None
            c = {}
        if self.chance(0.05):
            c["extra"] = r.choice([True, "x", 1])
        if self.chance(0.02) and match_type in (
            "custom_event",
            "screen_view",
            "product_action",
            "promotion_action",
        ):
            c = {}  # matches events whose fields are missing, null or ''
        return c

    def plan(self) -> tuple:
        """(version document, descriptions of the points events can be aimed at)."""
        r = self.r
        weights = [
            ("custom_event", 30),
            ("screen_view", 10),
            ("product_action", 8),
            ("promotion_action", 4),
            ("product_impression", 3),
            ("application_state_transition", 4),
            ("session_start", 3),
            ("session_end", 2),
            ("breadcrumb", 1),
            ("crash_report", 1),
            ("first_run", 1),
            ("network_performance", 1),
            ("opt_out", 1),
            ("uninstall", 1),
            ("user_identities", 1),
            ("dead", 2),
        ]
        points: list = []
        targets: list = []
        for _ in range(r.randint(1, 6)):
            match_type = self.weighted(weights)
            if match_type == "dead":
                match_type = r.choice(DEAD_MATCH_TYPES)
            match: dict = {"type": match_type}
            crit = self.criteria(match_type)
            if crit is not None:
                match["criteria"] = crit
            if self.chance(0.03):
                match["extra_key"] = "kept verbatim"
            point: dict = {}
            if self.chance(0.3):
                point["description"] = "point " + str(len(points))
            point["match"] = match
            y = r.random()
            if y < 0.04:
                pass  # no validator: the point is skipped, its events are unplanned
            elif y < 0.08:
                point["validator"] = {
                    "type": r.choice(["custom", "none", "javascript"]),
                    "definition": {"type": "string"},
                }
            else:
                point["validator"] = {"type": "json_schema", "definition": self.event_definition(match_type)}
            points.append(point)
            targets.append(point)
            if self.chance(0.08):
                # same match key again, different schema: the later point wins
                dup = copy.deepcopy(point)
                dup["validator"] = {"type": "json_schema", "definition": self.event_definition(match_type)}
                points.append(dup)
        if self.chance(0.65):
            ua: dict = {"match": {"type": "user_attributes"}}
            y = r.random()
            if y < 0.85:
                ua["validator"] = {"type": "json_schema", "definition": self.ua_definition()}
            elif y < 0.9:
                ua["validator"] = {"type": "json_schema", "definition": r.choice([{}, True, False])}
            elif y < 0.95:
                ua["validator"] = {"type": "custom", "definition": {"type": "object"}}
            if self.chance(0.3):
                ua["match"]["criteria"] = {}
            points.insert(r.randint(0, len(points)), ua)
        if self.chance(0.05):
            # a dead or overwritten point may hold a schema the reference never compiles
            points.insert(
                0,
                {
                    "match": {"type": r.choice(DEAD_MATCH_TYPES)},
                    "validator": {"type": "json_schema", "definition": {"type": "strnig", "format": "phone"}},
                },
            )
        return {"data_points": points}, targets

    # -- batches ------------------------------------------------------------------------------------

    def inst(self, s: Any, depth: int = 0) -> Any:
        """A value aimed at schema `s`: usually close to valid, sometimes deliberately off."""
        r = self.r
        if depth > 7 or not isinstance(s, dict) or self.chance(self.miss):
            return self.wild(depth)
        if "$ref" in s:
            target = self.resolve(s["$ref"])
            return self.inst(target, depth + 2) if target is not None else self.wild(depth)
        if "const" in s and self.chance(0.8):
            return self.near(s["const"])
        if s.get("enum") and self.chance(0.85):
            return self.near(r.choice(s["enum"]))
        for comb in ("allOf", "anyOf", "oneOf"):
            if comb in s and self.chance(0.6):
                return self.inst(r.choice(s[comb]), depth + 1)
        if "if" in s and self.chance(0.5):
            return self.inst(r.choice([s["if"], s.get("then", {}), s.get("else", {})]), depth + 1)
        t = s.get("type")
        if isinstance(t, list):
            t = r.choice(t)
        if t is None:
            if "properties" in s or "required" in s or "additionalProperties" in s:
                t = "object"
            elif "items" in s or "contains" in s:
                t = "array"
            elif "pattern" in s or "format" in s or "maxLength" in s or "minLength" in s:
                t = "string"
            elif any(
                k in s for k in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")
            ):
                t = "number"
            else:
                return self.wild(depth)
        if t == "string":
            return self.inst_string(s)
        if t in ("number", "integer"):
            return self.inst_number(s, t == "integer")
        if t == "boolean":
            return r.random() < 0.5
        if t == "null":
            return None
        if t == "object":
            return self.inst_object(s, depth)
        if t == "array":
            return self.inst_array(s, depth)
        return self.wild(depth)

    @staticmethod
    def point_defs(definition: Any) -> dict:
        if not isinstance(definition, dict):
            return {}
        found = definition.get("definitions", definition.get("$defs"))
        return found if isinstance(found, dict) else {}

    def resolve(self, ref: str) -> Any:
        name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        return self.defs.get(name)

    def inst_string(self, s: dict) -> str:
        r = self.r
        if "pattern" in s and s["pattern"] in self.patterns and self.chance(0.85):
            text = self.rx.sample(self.patterns[s["pattern"]])
            return self.rx.mutate(text) if self.chance(0.2 * self.err) else text
        if "format" in s and s["format"] in FORMAT_SAMPLES and self.chance(0.85):
            good, bad = FORMAT_SAMPLES[s["format"]]
            return r.choice(bad) if self.chance(0.4 * self.err) else r.choice(good)
        lo = int(s.get("minLength", 0))
        hi = int(s.get("maxLength", lo + 8))
        slack = 1 if self.err == 1 else 0
        low = max(0, lo - slack)
        n = r.randint(low, max(low, min(hi + slack, 40)))
        alphabet = "abcxyz012 " if self.ascii_only else "abcxyz012 éü中😀👍🏽\n-"
        return "".join(r.choice(alphabet) for _ in range(n))

    def inst_number(self, s: dict, integer: bool) -> Any:
        value = self.number_candidate(s, integer)
        if self.err < 1:
            for _ in range(30):
                if self.number_ok(s, value, integer):
                    break
                value = self.number_candidate(s, integer)
        return value

    @staticmethod
    def number_ok(s: dict, value: Any, integer: bool) -> bool:
        """Roughly ajv's verdict (doubles, multipleOf by division) on the number keywords of `s`."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        v = float(value)
        checks = [
            ("minimum", lambda b: v >= b),
            ("maximum", lambda b: v <= b),
            ("exclusiveMinimum", lambda b: v > b),
            ("exclusiveMaximum", lambda b: v < b),
        ]
        for key, ok in checks:
            if isinstance(s.get(key), (int, float)) and not ok(float(s[key])):
                return False
        m = s.get("multipleOf")
        if isinstance(m, (int, float)) and m:
            q = v / float(m)
            if abs(q) >= 1e21 or q != int(q):
                return False
        return not integer or v.is_integer()

    def number_candidate(self, s: dict, integer: bool) -> Any:
        r = self.r
        bounds = [
            v for k, v in s.items() if k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        ]
        x = r.random()
        if bounds and x < 0.35:
            b = r.choice(bounds)
            return r.choice([b, b + 1, b - 1, b + 0.5, b - 1e-9]) if abs(b) < 1e300 else b
        m = s.get("multipleOf")
        if m is not None and x < 0.7:
            k = r.randint(-5, 30)
            v = k * m
            return r.choice([v, round(v, 10), v + m / 2])
        if integer:
            return r.choice(
                [r.randint(-10, 100), r.choice(INTS), float(r.randint(0, 9)), r.choice(BIG_INTS), 2.5]
            )
        return self.number()

    def inst_object(self, s: dict, depth: int) -> dict:
        r = self.r
        props = s.get("properties") or {}
        required = s.get("required") or []
        names = [n for n in props if n != "__proto__" or self.proto]
        r.shuffle(names)
        out: dict = {}
        for name in names:
            if self.chance(1 - 0.1 * self.err if name in required else 0.6):
                out[name] = None if self.chance(self.null_rate) else self.inst(props[name], depth + 1)
        for name in required:
            if name not in out and name in props and self.chance(1 - 0.3 * self.err):
                out[name] = self.inst(props[name], depth + 1)
        for pattern, sub in (s.get("patternProperties") or {}).items():
            if pattern in self.patterns and self.chance(0.6):
                for _ in range(r.randint(1, 2)):
                    key = self.rx.sample(self.patterns[pattern])
                    if key not in out and key != "__proto__":
                        out[key] = self.inst(sub, depth + 1)
        ap = s.get("additionalProperties")
        extra = 0.25 * self.err if ap is False else 0.6 if isinstance(ap, dict) else 0.4
        if self.chance(extra):
            for _ in range(r.randint(1, 2)):
                key = self.key_name()
                if key not in out:
                    out[key] = self.inst(ap, depth + 1) if isinstance(ap, dict) else self.wild(depth + 1)
        for p, deps in (s.get("dependencies") or {}).items():
            if self.chance(0.5):
                out.setdefault(p, self.wild_scalar())
                if isinstance(deps, list):
                    for d in deps:
                        if self.chance(0.6):
                            out.setdefault(d, self.wild_scalar())
        if self.chance(self.odd_rate * self.err):
            key = self.key_name(odd=1.0)
            out.setdefault(key, self.wild(depth + 1))
        if self.chance(self.null_rate):
            out.setdefault(self.key_name(), None)
        if self.chance(0.1) and out:
            items = list(out.items())
            r.shuffle(items)
            out = dict(items)
        return out

    def inst_array(self, s: dict, depth: int) -> list:
        r = self.r
        items = s.get("items")
        lo = s.get("minItems", 0)
        hi = s.get("maxItems", lo + 3)
        slack = 1 if self.err == 1 else 0
        low = max(0, lo - slack)
        n = r.randint(low, max(low, min(hi + slack, 6)))
        if isinstance(items, list):
            extra = 2 if s.get("additionalItems") is not False or self.err == 1 else 0
            out = [
                self.inst(items[i], depth + 1)
                if i < len(items)
                else self.inst(s.get("additionalItems"), depth + 1)
                for i in range(r.randint(max(0, len(items) - 1), len(items) + extra))
            ]
        else:
            out = [self.inst(items, depth + 1) for _ in range(n)]
        if "contains" in s and self.chance(1 - 0.5 * self.err):
            out.insert(r.randint(0, len(out)), self.inst(s["contains"], depth + 1))
        if out and s.get("uniqueItems") and self.chance(0.4 * self.err):
            out.insert(r.randint(0, len(out)), copy.deepcopy(r.choice(out)))
        if self.chance(self.null_rate):
            out.append(None)
        return out

    def event_for(self, point: dict) -> dict:
        """An event aimed at `point` (its criteria, its schema)."""
        r = self.r
        match = point["match"]
        mt = match["type"]
        crit = match.get("criteria") or {}
        definition = (point.get("validator") or {}).get("definition")
        data_schema = None
        if isinstance(definition, dict):
            data_schema = (definition.get("properties") or {}).get("data")
        self.defs = self.point_defs(definition)
        body = self.inst(data_schema, 1) if isinstance(data_schema, dict) else {}
        if not isinstance(body, dict):
            body = {"custom_attributes": body} if self.chance(0.5) else {}
        if mt == "custom_event":
            data = {
                "event_name": crit.get("event_name", "X"),
                "custom_event_type": crit.get("custom_event_type", "other"),
            }
            if self.chance(0.05) and isinstance(data["event_name"], str):
                data["event_name"] = r.choice([data["event_name"].upper(), 5, "5", True])
            event_type = "custom_event"
        elif mt == "screen_view":
            data = {"screen_name": crit.get("screen_name", "")}
            if self.chance(0.05):
                data["screen_name"] = r.choice([1, "1", None, ""])
            event_type = "screen_view"
        elif mt in ("product_action", "promotion_action", "product_impression", "commerce"):
            data = {}
            event_type = "commerce_event"
            if mt == "product_action":
                pa = body.pop("product_action", None)
                pa = pa if isinstance(pa, dict) else {"products": pa} if pa is not None else {}
                data["product_action"] = {
                    "action": crit.get("action", "purchase"),
                    **{k: v for k, v in pa.items() if k != "action"},
                }
            elif mt == "promotion_action":
                pa = body.pop("promotion_action", None)
                pa = pa if isinstance(pa, dict) else {}
                data["promotion_action"] = {
                    "action": crit.get("action", "view"),
                    **{k: v for k, v in pa.items() if k != "action"},
                }
            else:
                imp = body.pop("product_impressions", None)
                data["product_impressions"] = imp if imp is not None else []
            if self.chance(0.1):
                data["currency_code"] = "USD"
        elif mt == "application_state_transition":
            data = {
                "application_transition_type": crit.get(
                    "application_transition_type", "application_initialized"
                )
            }
            event_type = mt
        elif mt in SIMPLE_TYPES:
            data = {}
            event_type = mt
        else:
            return self.random_event()
        for k, v in body.items():
            if k not in data:
                data[k] = v
        if self.chance(0.3):
            data["timestamp_unixtime_ms"] = r.choice([1700000000000, 1.7e12, 2**53 + 1])
        if self.chance(0.2):
            data["source_message_id"] = "m" + str(r.randint(1, 999))
        if self.chance(self.null_rate):
            data["custom_attributes"] = None
        return {"event_type": event_type, "data": data}

    def random_event(self) -> dict:
        """Unplanned, unplannable or malformed events."""
        r = self.r
        x = r.random()
        if x < 0.3:
            return {
                "event_type": "custom_event",
                "data": {
                    "event_name": r.choice(EVENT_NAMES + ["Unplanned " + str(r.randint(1, 99))]),
                    "custom_event_type": r.choice(CUSTOM_EVENT_TYPES),
                    "custom_attributes": self.wild(1) if self.chance(0.3) else {},
                },
            }
        if x < 0.4:
            return {
                "event_type": "screen_view",
                "data": {"screen_name": r.choice(SCREEN_NAMES + [None, 7, ""])},
            }
        if x < 0.5:
            return {"event_type": r.choice(UNPLANNABLE_TYPES), "data": {"custom_attributes": {"a": 1}}}
        if x < 0.6:
            data: Any = r.choice(
                [
                    {
                        "product_action": {"action": r.choice(PRODUCT_ACTIONS)},
                        "promotion_action": {"action": "view"},
                    },
                    {"promotion_action": {"action": r.choice(PROMOTION_ACTIONS)}},
                    {"product_impressions": []},
                    {"product_action": {}},
                    {"product_action": None, "promotion_action": {"action": "click"}},
                    {},
                    None,
                    {"product_action": {"action": 5}},
                ]
            )
            return {"event_type": "commerce_event", "data": data}
        if x < 0.72:
            return {
                "event_type": r.choice(SIMPLE_TYPES + ["application_state_transition"]),
                "data": {"custom_attributes": self.wild(1)},
            }
        if x < 0.8:
            event: dict = {
                "event_type": r.choice(["custom_event", "screen_view", "application_state_transition"])
            }
            y = r.random()
            if y < 0.3:
                event["data"] = None
            elif y < 0.5:
                event["data"] = []
            elif y < 0.7:
                event["data"] = {"event_name": r.choice([5, True, ["a"], {"o": 1}, "", None])}
            return event
        if x < 0.85:
            return {"data": {"event_name": "no type"}}
        if x < 0.9:
            return {
                "event_type": "custom_event",
                "data": {
                    "event_name": r.choice(EVENT_NAMES),
                    "custom_event_type": r.choice([None, 3, "Other", ""]),
                },
            }
        return {
            "event_type": "custom_event",
            "data": {"event_name": "Extra", "custom_event_type": "other"},
            "extra_top": self.wild(1),
        }

    def batch(self, targets: list, ua_point: Optional[dict]) -> dict:
        r = self.r
        b: dict = {}
        if self.chance(0.8):
            b["environment"] = r.choice(["development", "production"])
        if self.chance(0.7):
            b["mpid"] = r.choice([1, "1234567890", 9007199254740993, -8765432109876543210])
        events: list = []
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])):
            if targets and self.chance(0.72):
                events.append(self.event_for(r.choice(targets)))
            else:
                events.append(self.random_event())
        b["events"] = events
        x = r.random()
        if ua_point is not None and x < 0.75:
            definition = ua_point.get("validator", {}).get("definition")
            self.defs = self.point_defs(definition)
            b["user_attributes"] = self.inst(definition) if isinstance(definition, dict) else self.wild(1)
        elif x < 0.85:
            b["user_attributes"] = {self.key_name(): self.wild(1) for _ in range(r.randint(0, 3))}
        elif x < 0.9:
            b["user_attributes"] = r.choice([None, ["x", "y"], "ab", 0, 7, [], {}, True])
        if self.chance(0.3):
            b["user_identities"] = {"customer_id": "c" + str(r.randint(1, 99)), "email": "a@b.co"}
        if self.chance(0.15):
            b["context"] = {"data_plan": {"plan_id": "random_plan", "plan_version": r.randint(1, 3)}}
        y = r.random()
        if y < 0.015:
            b["events"] = r.choice([None, {}, "x"])  # no events, or a non-array (the batch fails)
        elif y < 0.025:
            b.pop("events")
        elif y < 0.035:
            events.insert(r.randint(0, len(events)), None)  # a null event fails the whole batch
        if self.chance(0.1):
            items = list(b.items())
            r.shuffle(items)
            b = dict(items)
        return b

    def case(self, n_batches: int) -> dict:
        plan, targets = self.plan()
        ua_point = next((p for p in plan["data_points"] if p["match"]["type"] == "user_attributes"), None)
        batches = [self.batch(targets, ua_point) for _ in range(n_batches)]
        return {"plan": plan, "batches": batches, "expect_plan_error": False}


# ---------------------------------------------------------------------------------------------
# plans the reference refuses (as soon as an event reaches the bad point)
# ---------------------------------------------------------------------------------------------

BAD_SCHEMAS = [
    {"type": "strnig"},
    {"type": []},
    {"type": ["string", "string"]},
    {"format": "phone"},
    {"type": "string", "format": "date-tim"},
    {"required": ["a", "a"]},
    {"required": "a"},
    {"maximum": 5, "exclusiveMaximum": True},
    {"minimum": "5"},
    {"pattern": "("},
    {"pattern": "a**"},
    {"pattern": "(?P<n>x)"},
    {"$ref": "#/definitions/nope"},
    {"minLength": -1},
    {"maxLength": 1.5},
    {"multipleOf": 0},
    {"multipleOf": -2},
    {"enum": "red"},
    {"items": 5},
    {"properties": []},
    {"dependencies": {"a": "b"}},
    {"patternProperties": {"(": {}}},
    {"propertyNames": {"format": "colour"}},
    {"additionalProperties": "no"},
    {"allOf": []},
    {"anyOf": {}},
    {"not": "x"},
]


def plan_error_case(rng: random.Random, n_batches: int) -> dict:
    """A plan with one live point the reference cannot use, and batches that reach it."""
    gen = CaseGen(rng)
    gen.miss = 0.05
    plan, targets = gen.plan()
    points = plan["data_points"]
    x = rng.random()
    hit_all = False
    if x < 0.1:
        bad_point: Any = {
            "match": {"type": "custom_event"},
            "validator": {"type": "json_schema", "definition": {}},
        }
        hit_all = True  # missing criteria: the validator cannot even be built
    elif x < 0.15:
        bad_point = None
        hit_all = True
    elif x < 0.25:
        bad_point = {
            "match": {"type": "user_attributes"},
            "validator": {
                "type": "json_schema",
                "definition": rng.choice(
                    [
                        "str",
                        {"type": "strnig"},
                        {"properties": {"a": {"format": "phone"}}},
                        {"$schema": "http://json-schema.org/draft-04/schema#"},
                    ]
                ),
            },
        }
        points[:] = [p for p in points if p["match"]["type"] != "user_attributes"]
        hit_all = True
    else:
        bad = copy.deepcopy(rng.choice(BAD_SCHEMAS))
        where = rng.random()
        if where < 0.2:
            definition: Any = bad  # the whole definition
        elif where < 0.3:
            definition = {"$schema": "http://json-schema.org/draft-04/schema#", "properties": {}}
        else:
            definition = {
                "properties": {"data": {"properties": {"custom_attributes": {"properties": {"attr": bad}}}}}
            }
        name = "Bad Event " + str(rng.randint(1, 99))
        bad_point = {
            "match": {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": "other"}},
            "validator": {"type": "json_schema", "definition": definition},
        }
    # the bad point must be live: put it last so that no duplicate overwrites it
    points.append(bad_point)
    ua_point = next((p for p in points if p and p["match"]["type"] == "user_attributes"), None)
    batches = []
    for _ in range(n_batches):
        b = gen.batch(targets, ua_point)
        if not hit_all and isinstance(bad_point, dict):
            if not isinstance(b.get("events"), list):
                b["events"] = []
            b["events"].append(
                {
                    "event_type": "custom_event",
                    "data": {
                        "event_name": bad_point["match"]["criteria"]["event_name"],
                        "custom_event_type": "other",
                        "custom_attributes": {"attr": gen.wild_scalar()},
                    },
                }
            )
        batches.append(b)
    return {"plan": plan, "batches": batches, "expect_plan_error": True}


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------


def dump(obj: Any, ensure_ascii: bool = False) -> str:
    """Compact JSON text; refuses NaN and Infinity."""
    return json.dumps(obj, ensure_ascii=ensure_ascii, allow_nan=False, separators=(",", ":"))


def _rng(seed: int, index: int, stream: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index * 7 + stream)


def generate_case(seed: int, index: int, n_batches: Optional[int] = None) -> dict:
    """Case `index` of the main stream for `seed`.

    Returns {"plan": document, "lines": [batch JSON text, ...], "expect_plan_error": False}.
    """
    rng = _rng(seed, index, 0)
    n = n_batches if n_batches is not None else rng.randint(8, 15)
    case = CaseGen(rng).case(n)
    return _finish(case, rng)


def generate_plan_error_case(seed: int, index: int, n_batches: int = 4) -> dict:
    """Case `index` of the separate stream of plans the reference refuses."""
    rng = _rng(seed, index, 1)
    return _finish(plan_error_case(rng, n_batches), rng)


def _finish(case: dict, rng: random.Random) -> dict:
    lines = [dump(b, ensure_ascii=rng.random() < 0.25) for b in case["batches"]]
    for text in [*lines, dump(case["plan"])]:
        text.encode("utf-8")  # raises on a lone surrogate: JSON texts here must be valid Unicode
    return {"plan": case["plan"], "lines": lines, "expect_plan_error": case["expect_plan_error"]}


def main(argv: Optional[list] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=3)
    ap.add_argument("--plan-errors", action="store_true", help="generate the plan-error stream instead")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.cases):
        case = generate_plan_error_case(args.seed, i) if args.plan_errors else generate_case(args.seed, i)
        stem = args.out / f"case_{i:04d}"
        Path(f"{stem}.plan.json").write_text(dump(case["plan"]) + "\n", encoding="utf-8")
        Path(f"{stem}.batches.ndjson").write_text(
            "".join(line + "\n" for line in case["lines"]), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
