"""asciidfa: the automaton of an ASCII search answers what the `re` search answers, in Python and in C."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any, Optional

import pytest

from validator.schema.asciidfa import compile_search
from validator.schema.compiler import compile_schema
from validator.schema.fastcheck import build_fast
from validator.schema.formats import FORMAT_SOURCES

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

PATTERNS = [
    "^[A-Z]{2}-[0-9]{4,6}$", "^T[0-9]{8}$", "^E[0-9]{3}$", "^[a-z]{2}_[A-Z]{2}$", "^[A-Z]{2}$", "abc", "a|b",
    "^$", "", "x*", "(ab)+c?$", "^a.b$", "[^a-c]{2,}", "\\s", "\\w+@", "\\d{3}-\\d{2}", "^(a|ab)(c|bcd)(d*)$",
    "a{2,3}?b", "^[\\]\\-^]+$", "[.]", "\\.", "^\\/$", "(?:x|y|)z", "^a*?$", "[\\u0041-\\u0043]", "[^\\s\\S]",
    "\\x41", "^(?:ab|a)*b$", "a$|^b", "^\\u00e9?x$", "[é-ü]x", "^[0-9]{0,0}$", "\\bx", "(a)\\1", "(?=a)a",
    "a{,3}", "a{3,2}", "[z-a]",
]  # fmt: skip


def _searches() -> list:
    found = []
    for name in sorted(FORMAT_SOURCES):
        found.append(pytest.param("format", name, False, id=f"format-{name}"))
    for number, source in enumerate(PATTERNS):
        found.append(pytest.param("pattern", source, False, id=f"pattern-{number}"))
        found.append(pytest.param("pattern", source, True, id=f"pattern-{number}-i"))
    return found


def _ascii_search(keyword: str, value: str, fold: bool = False) -> Optional[re.Pattern]:
    """The `re` pattern behind the ASCII search the fast checks use for `{keyword: value}` (None if
    there is none); `fold` adds case folding, as the formats with an /i flag have."""
    node, problems, _ = compile_schema({"type": "string", keyword: value}, "")
    fast = build_fast(node) if node is not None and not problems else None
    search: Any = None if fast is None else (fast.pattern_ascii or fast.format_ascii)
    pattern = getattr(search, "__self__", None)
    if type(pattern) is not re.Pattern:
        return None
    return re.compile(pattern.pattern, pattern.flags | re.IGNORECASE) if fold else pattern


def _strings(pattern: re.Pattern, seed: int) -> list:
    """ASCII strings near the pattern's language: matches with small edits, and noise."""
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(128)]
    near = "0123456789-:TZtz.+aAbBcCxXyY@_/ \t\n%~#é"
    texts = ["", "a", "\n", "ab\n", "2020-01-01", "2020-01-01T10:20:30Z", "a@b.c", "1.2.3.4", "http://x"]
    for _ in range(300):
        n = rng.randint(0, 24)
        pool = alphabet if rng.random() < 0.3 else near
        texts.append("".join(rng.choice(pool) for _ in range(n)))
    matches = [t for t in texts if pattern.search(t)]
    for text in matches * 3:
        chars = list(text)
        for _ in range(rng.randint(1, 2)):
            at = rng.randint(0, len(chars))
            action = rng.random()
            if action < 0.3 and chars:
                del chars[min(at, len(chars) - 1)]
            elif action < 0.6:
                chars.insert(at, rng.choice(near))
            elif chars:
                chars[min(at, len(chars) - 1)] = rng.choice(alphabet)
        texts.append("".join(chars))
    return [t for t in texts if t.isascii()]


@pytest.mark.parametrize(("keyword", "source", "fold"), _searches())
def test_automaton_answers_like_re(keyword: str, source: str, fold: bool) -> None:
    pattern = _ascii_search(keyword, source, fold)
    if pattern is None:
        pytest.skip("no ASCII search (refused, or run by the guarded engine)")
    dfa = compile_search(pattern)
    if dfa is None:
        return  # outside the modelled shape: the Python search keeps answering
    native = _native_search()
    for text in _strings(pattern, hash(source) & 0xFFFF):
        expected = pattern.search(text) is not None
        assert dfa.search(text) == expected, (source, fold, text)
        if native is not None:
            assert native(pattern.search, text) == expected, (source, fold, text)


# (keyword, its value, the JavaScript source, case folding)
GENERATED = [("format", name, source, fold) for name, (source, fold) in sorted(FORMAT_SOURCES.items())] + [
    ("pattern", source, source, False) for source in PATTERNS[:6]
]


def _near_matches(source: str, fold: bool) -> Any:
    """Strings from the JavaScript source read as a Python regex (close enough to aim at matches)."""
    return st.from_regex(
        re.compile(source, re.IGNORECASE if fold else 0),
        fullmatch=False,
        alphabet=st.characters(codec="ascii"),
    )


@hypothesis.settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(hypothesis.HealthCheck)
)
@hypothesis.given(data=st.data())
def test_automaton_answers_like_re_on_generated_matches(data: Any) -> None:
    keyword, value, source, fold = data.draw(st.sampled_from(GENERATES))
    pattern = _ascii_search(keyword, value)
    dfa = None if pattern is None else compile_search(pattern)
    if pattern is None or dfa is None:
        return
    text = data.draw(_near_matches(source, fold) | st.text(st.characters(codec="ascii"), max_size=12))
    assert dfa.search(text) == (pattern.search(text) is not None), (source, text)


def _generates(source: str, fold: bool) -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _near_matches(source, fold).example()
    except Exception:  # a class hypothesis cannot draw from in ASCII
        return False
    return True


GENERATES = [case for case in GENERATED if _generates(case[2], case[3])]


def test_the_common_formats_have_automata() -> None:
    for name in ("date", "date-time", "time", "email", "hostname", "ipv4", "uuid", "uri", "json-pointer"):
        pattern = _ascii_search("format", name)
        assert pattern is not None and compile_search(pattern) is not None, name


@pytest.mark.parametrize(
    "pattern",
    [re.compile("a$", re.ASCII), re.compile("^a", re.ASCII), re.compile("a.", re.ASCII), re.compile("a", 0),
     re.compile(r"\d", re.ASCII), re.compile("(?=a)", re.ASCII), re.compile("a", re.ASCII | re.MULTILINE),
     re.compile(b"a")],
)  # fmt: skip
def test_shapes_outside_the_model_have_none(pattern: re.Pattern) -> None:
    assert compile_search(pattern) is None


def _native_search() -> Any:
    try:
        from validator import _native  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _native.automaton_search


def test_format_tables_are_current() -> None:
    """_format_tables.py is what format_tables_text() builds from the formats and analyses now."""
    from validator.schema import _format_tables
    from validator.schema.formats import format_tables_text

    assert Path(_format_tables.__file__).read_text(encoding="utf-8") == format_tables_text(), (
        "regenerate validator/schema/_format_tables.py (see formats.format_tables_text)"
    )


def test_format_tables_give_the_built_automata() -> None:
    from validator.schema import jsregex
    from validator.schema.asciidfa import build_search, compile_search
    from validator.schema.formats import FORMAT_SOURCES
    from validator.schema.regexcost import analyse

    built = 0
    for source, fold in FORMAT_SOURCES.values():
        python, tree, _, _ = jsregex._parse(source)
        assert jsregex.regex_cost(source, fold) == analyse(tree, fold)
        pattern = re.compile(python, re.ASCII | (re.IGNORECASE if fold else 0))
        fresh, known = build_search(pattern), compile_search(pattern)
        if fresh is None:
            assert known is None
            continue
        built += 1
        assert known is not None
        assert (known.classes, known.table, known.accept, known.dead, known.stride) == (
            fresh.classes, fresh.table, fresh.accept, fresh.dead, fresh.stride
        )
    assert built >= 10
