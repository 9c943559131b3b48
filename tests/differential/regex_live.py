"""Random `pattern` regexes against V8 (Node): does dpv accept the same ones and match the same strings?

    python tests/differential/regex_live.py --patterns 4000 --seed 2

Patterns are drawn from a grammar of JavaScript regex syntax and look-alikes from other dialects
(lookbehind, named groups, legacy octal and identity escapes, `\\u{..}` without the u flag, literal
braces, POSIX classes, inline flags). For each, Node says whether `new RegExp(p)` compiles and what
`.test(s)` gives on a fixed set of strings (empty, astral, lone surrogates, line terminators, JS
whitespace, ...); dpv's `compile_js_regex` must agree on both. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from validator.schema.jsregex import JSRegexError, compile_js_regex  # noqa: E402

# One string split on spaces: a list literal of 110 regex atoms is harder to read.
ATOMS = (  # noqa: SIM905
    "a b . \\d \\w \\s \\D \\W \\S \\b \\B ^ $ \\. \\/ \\- [a-z] [^a] [\\b] [\\d-z] [-a] [a-] [] [^] \\0 \\1 "
    "\\2 \\8 \\9 \\01 \\x41 \\x4 \\u0041 \\u004 \\u{41} \\cA \\c1 \\c \\k \\k<n> \\p{L} \\P { } {1 a{1, "
    "x{2} ] \\] \\[ \\( (?:a) (?=a) (?!a) (?<=a) (?<!a) (?<n>a) (a) \\e \\z \\Z \\A \\_ é 😀 "
    "\\uD83D\\uDE00 \\uD83D [\\uD83D\\uDE00] (?<a>x)\\k<a> \\q [\\w-.] [a-\\d] [z-a] \\x \\u (?i) (?#c) "
    "a** a+? a?? a{1}? (?:) () | * + ? a{,3} \\1(a) (a)\\1 [[] [\\]] [a-z&&b] \\N \\R \\h \\X \\G \\Q \\E "
    "(?P<n>a) (?'n'a) [:alpha:] [[:alpha:]] \\\\"
).split(" ") + ["\\ "]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?", "{3,1}"]
STRINGS = [
    "", "a", "b", "ab", "aa", "A", "1", "a1", "-", ".", "/", "x", "é", "😀", "\ud83d", "\ude00", "\n",
    "a\n", "\r", " ", "\u00a0", "\ufeff", "{", "}", "{1}", "]", "[", "\\", "\x00", "\x01", "aaa", "za",
    "k<n>", "u{41}", "u" * 41, "c", "\\c", "AAAA", "xx", "\u2028", "Ａ", "ǅ", "k", "_", "a-b", "a.b",
    "ab\u0130", "\x08", "a b", "0", "\x0b", "\u1680", "\u180e", "ſ", "K",
]  # fmt: skip
NODE_SCRIPT = """
const {patterns, strings} = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(patterns.map(p => {
  let r; try { r = new RegExp(p); } catch (e) { return null; }
  return strings.map(s => r.test(s));
})));
"""


def patterns(seed: int, count: int) -> list:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(ATOMS) + rng.choice(QUANTIFIERS) for _ in range(rng.randint(1, 5)))
        for _ in range(count)
    ]


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patterns", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=10)
    args = ap.parse_args(argv)
    sources = patterns(args.seed, args.patterns)
    payload = json.dumps({"patterns": sources, "strings": STRINGS}).encode()
    done = subprocess.run(["node", "-e", NODE_SCRIPT], input=payload, capture_output=True, check=True)
    differences = []
    accepted = 0
    for source, answers in zip(sources, json.loads(done.stdout)):
        try:
            regex = compile_js_regex(source)
        except JSRegexError as exc:
            if answers is not None:
                differences.append(f"{source!r}: V8 compiles it, dpv refuses it ({exc})")
            continue
        if answers is None:
            differences.append(f"{source!r}: V8 refuses it, dpv compiles it")
            continue
        accepted += 1
        for text, expected in zip(STRINGS, answers):
            if regex.test(text) is not expected:
                differences.append(f"{source!r}.test({text!r}): V8 {expected}, dpv {not expected}")
    print(
        f"{len(sources)} patterns ({accepted} valid in V8) x {len(STRINGS)} strings: "
        f"{len(differences)} differences"
    )
    for line in differences[: args.show]:
        print("  " + line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
