"""ajv 6.10.2's sixteen "fast" formats, tested with JavaScript regex semantics.

The sources below are ajv's own regex literals (lib/compile/formats.js, `formats.fast`), kept
verbatim because the answers depend on every character (no calendar check for `date`, a colon
required in `date-time` offsets, `a@b` is an email). They run through the ECMAScript translator,
so `\\s`, `$` and case folding behave as in ajv. A format applies to strings only. Like plan
patterns, each is analysed (jsregex, regexcost): `url` (nested quantifiers: exponential) and `ipv6`
(`.+\\s*$`: quadratic) are not proven linear and run under the time limit; the rest are.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Callable, Optional

from .jsregex import (
    LONG_VALUE,
    MATCH_TIMEOUT,
    JSRegex,
    RegexTimeout,
    compile_js_regex,
    is_valid_js_regex,
)

# name: (ECMAScript source, ignore case)
FORMAT_SOURCES = {
    "date": (r"^\d\d\d\d-[0-1]\d-[0-3]\d$", False),
    "time": (r"^(?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d:\d\d)?$", True),
    "date-time": (
        r"^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d:\d\d)$",
        True,
    ),
    "uri": (r"^(?:[a-z][a-z0-9+-.]*:)(?:\/?\/)?[^\s]*$", True),
    "uri-reference": (r"^(?:(?:[a-z][a-z0-9+-.]*:)?\/?\/)?(?:[^\\\s#][^\s#]*)?(?:#[^\\\s]*)?$", True),
    "uri-template": (
        r"""^(?:(?:[^\x00-\x20"'<>%\\^`{|}]|%[0-9a-f]{2})|\{[+#./;?&=,!@|]?(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?(?:,(?:[a-z0-9_]|%[0-9a-f]{2})+(?::[1-9][0-9]{0,3}|\*)?)*\})*$""",
        True,
    ),
    "url": (
        r"^(?:(?:http[s\u017F]?|ftp):\/\/)(?:(?:[\0-\x08\x0E-\x1F!-\x9F\xA1-\u167F\u1681-\u1FFF\u200B-\u2027\u202A-\u202E\u2030-\u205E\u2060-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])+(?::(?:[\0-\x08\x0E-\x1F!-\x9F\xA1-\u167F\u1681-\u1FFF\u200B-\u2027\u202A-\u202E\u2030-\u205E\u2060-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])*)?@)?(?:(?!10(?:\.[0-9]{1,3}){3})(?!127(?:\.[0-9]{1,3}){3})(?!169\.254(?:\.[0-9]{1,3}){2})(?!192\.168(?:\.[0-9]{1,3}){2})(?!172\.(?:1[6-9]|2[0-9]|3[01])(?:\.[0-9]{1,3}){2})(?:[1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3])(?:\.(?:1?[0-9]{1,2}|2[0-4][0-9]|25[0-5])){2}(?:\.(?:[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-4]))|(?:(?:(?:[0-9KSa-z\xA1-\uD7FF\uE000-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])+-?)*(?:[0-9KSa-z\xA1-\uD7FF\uE000-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])+)(?:\.(?:(?:[0-9KSa-z\xA1-\uD7FF\uE000-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])+-?)*(?:[0-9KSa-z\xA1-\uD7FF\uE000-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])+)*(?:\.(?:(?:[KSa-z\xA1-\uD7FF\uE000-\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]){2,})))(?::[0-9]{2,5})?(?:\/(?:[\0-\x08\x0E-\x1F!-\x9F\xA1-\u167F\u1681-\u1FFF\u200B-\u2027\u202A-\u202E\u2030-\u205E\u2060-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF])*)?$",
        True,
    ),
    "email": (
        r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
        True,
    ),
    "hostname": (r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*$", True),
    "ipv4": (r"^(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)$", False),
    "ipv6": (
        r"^\s*(?:(?:(?:[0-9a-f]{1,4}:){7}(?:[0-9a-f]{1,4}|:))|(?:(?:[0-9a-f]{1,4}:){6}(?::[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(?:(?:[0-9a-f]{1,4}:){5}(?:(?:(?::[0-9a-f]{1,4}){1,2})|:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(?:(?:[0-9a-f]{1,4}:){4}(?:(?:(?::[0-9a-f]{1,4}){1,3})|(?:(?::[0-9a-f]{1,4})?:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(?:(?:[0-9a-f]{1,4}:){3}(?:(?:(?::[0-9a-f]{1,4}){1,4})|(?:(?::[0-9a-f]{1,4}){0,2}:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(?:(?:[0-9a-f]{1,4}:){2}(?:(?:(?::[0-9a-f]{1,4}){1,5})|(?:(?::[0-9a-f]{1,4}){0,3}:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(?:(?:[0-9a-f]{1,4}:){1}(?:(?:(?::[0-9a-f]{1,4}){1,6})|(?:(?::[0-9a-f]{1,4}){0,4}:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(?::(?:(?:(?::[0-9a-f]{1,4}){1,7})|(?:(?::[0-9a-f]{1,4}){0,5}:(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:)))(?:%.+)?\s*$",
        True,
    ),
    "uuid": (r"^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$", True),
    "json-pointer": (r"^(?:\/(?:[^~/]|~0|~1)*)*$", False),
    "json-pointer-uri-fragment": (r"^#(?:\/(?:[a-z0-9_\-.!$&'()*+,;:=@]|%[0-9a-f]{2}|~0|~1)*)*$", True),
    "relative-json-pointer": (r"^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$", False),
}

# ajv's `regex` format: rejects a `\\Z` anchor (not JavaScript), else "does new RegExp(s) compile".
Z_ANCHOR = r"[^\\]\\Z"


def _is_regex(text: str, timeout: float = MATCH_TIMEOUT) -> bool:
    z_anchor = compile_js_regex(Z_ANCHOR, False, timeout, 'format "regex"')
    return not z_anchor.test(text) and is_valid_js_regex(text, timeout)


def format_regex(name: str, timeout: float = MATCH_TIMEOUT) -> Optional[JSRegex]:
    """The compiled regex behind format `name` (None for `regex` or an unknown name).

    timeout: CPU seconds per value, where the regex is not proven linear (see JSRegex).
    """
    if name not in FORMAT_SOURCES:
        return None
    source, fold = FORMAT_SOURCES[name]
    return compile_js_regex(source, fold, timeout, f'format "{name}"')


def _regex_check(name: str) -> Callable[[str], bool]:
    """A format test that compiles its regex on first use (some are long: start-up stays fast)."""
    test: Callable[[str], bool] | None = None

    def check(text: str) -> bool:
        nonlocal test
        if test is None:
            test = format_regex(name).test  # type: ignore[union-attr]  # a known name
        return test(text)

    return check


FORMATS: dict = {name: _regex_check(name) for name in FORMAT_SOURCES}
FORMATS["regex"] = _is_regex


class RegexFormat:
    """ajv's `regex` format under a time limit, shaped like a JSRegex for the kernels.

    `test` raises RegexTimeout when parsing the value takes longer than `timeout` CPU seconds;
    `probe` answers False instead. The answer for the last long value is remembered, so that the
    collector's second look at it (after a fast check's False) costs nothing.
    """

    __slots__ = ("timeout", "_last")
    ascii_search = None
    ascii_max = -1

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._last: Optional[tuple] = None  # (long value, its answer or None for a timeout)

    def test(self, text: str) -> bool:
        if len(text) <= LONG_VALUE:
            return _is_regex(text, self.timeout)
        last = self._last
        if last is not None and (last[0] is text or last[0] == text):
            if last[1] is None:
                raise RegexTimeout('format "regex"', self.timeout)
            return last[1]
        try:
            answer = _is_regex(text, self.timeout)
        except RegexTimeout:
            self._last = (text, None)
            raise
        self._last = (text, answer)
        return answer

    def probe(self, text: str) -> bool:
        try:
            return self.test(text)
        except RegexTimeout:
            return False


@cache
def format_checker(name: str, timeout: float = MATCH_TIMEOUT) -> Any:
    """A JSRegex (or the RegexFormat) for format `name`, `timeout` CPU seconds per value; None if unknown."""
    if name == "regex":
        return RegexFormat(timeout)
    return format_regex(name, timeout)


def format_tables_text() -> str:
    """The text of _format_tables.py: each format's time analysis and ASCII DFA, built from scratch.

    Regenerate after changing the formats, jsregex, regexcost or asciidfa:
    `python -c "from validator.schema.formats import format_tables_text as t; print(t(), end='')"
    > validator/schema/_format_tables.py` (tests/test_regex_dfa.py checks the file is current).
    """
    import re

    from .asciidfa import build_search, little_endian
    from .jsregex import _parse
    from .regexcost import analyse

    costs, dfas = [], []
    for name, (source, fold) in FORMAT_SOURCES.items():
        python, tree, _, _ = _parse(source)
        cost = analyse(tree, fold)
        costs.append(f"    ({source!r}, {fold!r}): {tuple(cost)!r},  # {name}\n")
        try:
            pattern = re.compile(python, re.ASCII | (re.IGNORECASE if fold else 0))
        except re.error:
            continue
        dfa = build_search(pattern)
        if dfa is None:
            continue
        tables = (dfa.classes, little_endian(dfa.table), dfa.accept, dfa.dead)
        fields = "".join(f"        _b({_base64(data)}),\n" for data in tables)
        dfas.append(
            f"    ({pattern.pattern!r}, {pattern.flags!r}): (  # {name}\n{fields}        {dfa.stride!r},\n    ),\n"
        )
    return (
        '"""Generated by validator.schema.formats.format_tables_text(): do not edit.\n\n'
        "ajv's formats, analysed (jsregex.regex_cost: linear, shapes, work) and compiled to ASCII DFAs\n"
        "(asciidfa.compile_search: classes, table as little-endian uint16, accept, dead, stride; base64)\n"
        'ahead of time.\n"""\n\n'
        "from base64 import b64decode as _b\n\n"
        "FORMAT_COSTS: dict = {\n" + "".join(costs) + "}\n\n"
        "FORMAT_DFAS: dict = {\n" + "".join(dfas) + "}\n"
    )


def _base64(data: bytes) -> str:
    """Python source of a str holding data in base64, in lines of at most 96 characters."""
    import base64

    text = base64.b64encode(data).decode("ascii")
    lines = [text[at : at + 96] for at in range(0, len(text), 96)] or [""]
    return "\n            ".join(repr(line) for line in lines)
