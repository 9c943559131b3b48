"""Fuzz target: the input readers (open_records, iter_line_chunks + read_line_range) over fuzz-made files.

The expected records come from a model of the contract written in validator/readers/ndjson.py's
docstring, implemented here independently: lines split at b"\\n", a BOM dropped at the start, the
\\r of CRLF dropped, ASCII-whitespace-only lines skipped but counted; the pretty-printed-document rule
(first non-blank line opens `{`/`[` but is not a complete JSON value and another non-blank line
follows, unless it opens `{` and that next line is a complete JSON object). "Complete JSON value" is
judged with the engine's own JSON.parse emulation (validator.lineparse.decode_json): whether that
emulation agrees with JSON.parse is the validate_line target's business, not the readers'.

Asserted for every input:
- plain input (no gzip or Parquet magic): no exception at all; in NDJSON mode every non-blank line
  is exactly one Record, in order, with its line number and bytes; in document mode one error
  Record, one Record for an object, or one per array element at the line where it starts;
- the same records with tiny read chunks, gzip-wrapped (by the content, whatever the name), and,
  for files iter_line_chunks can split, through line ranges of any size;
- a gzip stream cut short: only InputError escapes, after a prefix of the whole stream's records;
- any input (raw bytes, which may carry the magic numbers): nothing but InputError escapes.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from typing import Any

from fuzz._findings import Finding
from fuzz._source import Source, batch_lines, json_text
from validator.deep import call_deep
from validator.lineparse import decode_json
from validator.readers import NOTHING, InputError, Record, iter_line_chunks, line_splittable, open_records
from validator.readers import read_line_range as _read_line_range

BOM = b"\xef\xbb\xbf"
LINES = batch_lines()
BLANKS = [b"", b" ", b"\t", b"\r", b" \t ", b"\x0b", b"\x0c", b"\xc2\xa0", b"\xe2\x80\xa8"]
ENDINGS = [b"\n", b"\n", b"\n", b"\r\n", b"\r", b"\n\n"]
CHUNKS = [1, 2, 3, 5, 7, 16, 64, 1 << 20]
_dir = tempfile.mkdtemp(prefix="dpv-fuzz-readers-")
PATH = os.path.join(_dir, "input")

MODE_RAW, MODE_LINES, MODE_DOCUMENT = 0, 1, 2


def decode(data: bytes) -> tuple:
    """(file bytes, wrap in gzip, cut the gzip at this fraction/256 or None, chunk size, range size)."""
    src = Source(data)
    flags = src.byte()
    chunk = src.pick(CHUNKS)
    target = 1 + src.below(64)
    cut = src.byte() if flags & 2 else None
    mode = (flags >> 2) % 3
    if mode == MODE_RAW:
        body = src.rest()
    elif mode == MODE_LINES:
        body = _lines(src)
    else:
        body = _document(src)
    return body, bool(flags & 1), cut, chunk, target


def _lines(src: Source) -> bytes:
    """NDJSON-like text: known batch lines, blank lines, JSON texts and raw bytes, with mixed endings."""
    parts = [BOM] if src.below(8) == 0 else []
    for _ in range(src.below(12)):
        kind = src.below(6)
        if kind in (0, 1):
            parts.append(src.pick(LINES))
        elif kind == 2:
            parts.append(src.pick(BLANKS))
        elif kind == 3:
            parts.append(json_text(src))
        elif kind == 4:
            parts.append(src.pick([b"{", b"[", b' {"a":', b"[1,", b"}", b"]", b"{}", b"[]"]))
        else:
            parts.append(src.take(src.below(16)))
        parts.append(src.pick(ENDINGS))
    if src.flag():
        parts.pop() if parts else None  # a last line without its newline
    return b"".join(parts)


def _document(src: Source) -> bytes:
    """A pretty-printed batch or array of batches, with fuzz-made texts put in, maybe cut short."""
    batches = [json.loads(src.pick(LINES)) for _ in range(src.below(4))]
    document: Any = batches[0] if batches and src.flag() else batches
    indent = src.pick([None, 0, 1, 2, 4, "\t"])
    text = json.dumps(document, indent=indent).encode()
    for _ in range(src.below(3)):
        at = src.below(len(text) + 1)
        text = text[:at] + src.pick([json_text(src), b"\n", b",", b"\r\n", b'"', b"\\"]) + text[at:]
    if src.below(4) == 0:
        text = text[: src.below(len(text) + 1)]
    return (BOM if src.below(8) == 0 else b"") + text + src.pick([b"", b"\n", b"\n\n", b"\r\n"])


def _read(path: str, chunk: int = 1 << 20) -> list:
    return list(open_records(path, chunk_bytes=chunk))


def one_input(data: bytes) -> None:
    """Check one fuzz input; raises Finding on a violated property."""
    body, wrap, cut, chunk, target = decode(data)
    if cut is not None and wrap:
        whole = gzip.compress(body, mtime=0)
        _check_cut_gzip(body, whole[: len(whole) * cut // 256])
        return
    _write(gzip.compress(body, mtime=0) if wrap else body)
    if not wrap and (body.startswith(b"\x1f\x8b") or body.startswith(b"PAR1")):
        _expect_only_input_error(lambda: _read(PATH, chunk))  # read as gzip or Parquet, not as text
        return
    records = _guard(lambda: _read(PATH, chunk))
    expected = expected_records(body, PATH)
    if not _equal(records, expected):
        raise Finding("records", _diff(expected, records))
    if wrap:
        return
    # A document must not be cut into line ranges; a file that only starts like one (its first
    # lines a valid beginning of one value) may be kept whole too: the parent then reads it.
    splittable = _guard(lambda: line_splittable(PATH))
    if splittable and _is_document(body):
        raise Finding("splittable", f"line_splittable says {splittable}")
    if not splittable:
        return
    ranged: list = []
    for start, end, first_line in _guard(lambda: list(iter_line_chunks(PATH, target))):
        ranged.extend(_guard(lambda s=start, e=end, f=first_line: list(_read_line_range(PATH, s, e, f))))
    if not _equal(ranged, expected):
        raise Finding("line-ranges", f"range size {target}: " + _diff(expected, ranged))


def _equal(a: Any, b: Any) -> bool:
    """a == b, also for values nested deeper than the default recursion limit allows comparing."""
    try:
        return bool(a == b)
    except RecursionError:
        return bool(call_deep(lambda: a == b))


def _write(content: bytes) -> None:
    with open(PATH, "wb") as out:
        out.write(content)


def _guard(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:
        raise Finding("exception", f"{type(exc).__name__}: {exc}") from exc


def _expect_only_input_error(call: Any) -> Any:
    try:
        return call()
    except InputError:
        return None
    except Exception as exc:
        raise Finding("exception", f"{type(exc).__name__} (only InputError may escape): {exc}") from exc


def _check_cut_gzip(body: bytes, cut: bytes) -> None:
    """A gzip stream cut short: InputError may end it, after a prefix of the whole stream's records."""
    _write(cut)
    got: list = []
    try:
        for record in open_records(PATH):
            got.append(record)
    except InputError:
        pass
    except Exception as exc:
        raise Finding("exception", f"{type(exc).__name__} on a cut gzip stream: {exc}") from exc
    if len(cut) < 2 or _is_document(body):
        # Too short to be seen as gzip (plain text, checked elsewhere); or one pretty document, which
        # cut short is no longer one JSON value and is read line by line instead.
        return
    whole = expected_records(body, PATH)
    if not _equal(got, whole[: len(got)]):
        raise Finding("cut-gzip", "records of a cut gzip stream are not a prefix: " + _diff(whole, got))


# -- the model --------------------------------------------------------------------------------------


def _split(body: bytes) -> list:
    lines = body.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the newline ends the last line; it does not start another
    if lines and lines[0].startswith(BOM):
        lines[0] = lines[0][len(BOM) :]
    return lines


_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def _blank(line: bytes) -> bool:
    # What JavaScript's trim() empties (the reference's line reader skips such a line).
    return not line.decode("utf-8", "replace").strip(_JS_SPACE)


def _complete(text: bytes) -> bool:
    try:
        decode_json(text)
    except ValueError:
        return False
    return True


def _is_document(body: bytes) -> bool:
    """One pretty-printed JSON value: it opens with `{`/`[` on a line that is not a whole value by
    itself, spans several non-blank lines, and the whole text parses as one value (a broken
    document, or NDJSON whose first lines are broken, is read line by line)."""
    significant = [line for line in _split(body) if not _blank(line)]
    if len(significant) < 2:
        return False
    first = significant[0].lstrip(b" \t\r\n\x0b\x0c")
    if first[:1] not in (b"{", b"[") or _complete(significant[0]):
        return False
    return _complete(b"\n".join(_split(body)))


def expected_records(body: bytes, source: str) -> list:
    """The records the readers' contract promises for a plain (not gzip, not Parquet) file's bytes."""
    lines = _split(body)
    if not _is_document(body):
        return [
            Record(source, number, line[:-1] if line.endswith(b"\r") else line)
            for number, line in enumerate(lines, start=1)
            if not _blank(line)
        ]
    text = b"\n".join(lines)
    # The document starts at its first byte that is not JSON whitespace: a line of other ASCII
    # whitespace (\x0b, \x0c) is blank to the line rules but is where a broken document breaks.
    start = next(n for n, line in enumerate(lines, start=1) if line.strip(b" \t\r\n"))
    try:
        value = decode_json(text)
    except ValueError as exc:
        return [Record(source, start, b"", NOTHING, f"not valid JSON: {exc}")]
    if type(value) is not list:
        return [_decoded(source, start, value)]
    return [_decoded(source, line, item) for line, item in zip(_element_lines(text), value)]


def _decoded(source: str, line: int, value: Any) -> Record:
    from validator.readers.records import encode_json

    return Record(source, line, encode_json(value), value)


def _element_lines(text: bytes) -> list:
    """The line where each element of a valid top-level JSON array starts (a plain character walk)."""
    lines, line, depth, in_string, escaped, waiting = [], 1, 0, False, False, False
    for byte in text:
        char = chr(byte)
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            if char == "\n":
                line += 1
            continue
        if waiting and char not in " \t\r\n" and char != "]":
            lines.append(line)
            waiting = False
        if char == "\n":
            line += 1
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            waiting = depth == 1 and char == "["
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 1:
            waiting = True
    return lines


def _diff(expected: list, got: list) -> str:
    for index, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            return f"record {index}: expected {want!r}, got {have!r}"
    missing, extra = expected[len(got) :][:3], got[len(expected) :][:3]
    return f"expected {len(expected)} records, got {len(got)}: missing {missing!r}, extra {extra!r}"
