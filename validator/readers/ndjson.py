"""JSON text: NDJSON (one batch per line), or one pretty-printed batch or array of batches.

Lines are read in chunks, so memory is bounded by the chunk size (plus the longest line), not the
file size. A BOM at the start is dropped, CRLF is accepted, blank lines are not batches (but still
count for line numbers), and a last line without a newline is still a batch. A line is not parsed
here: the engine parses it in its hot loop and reports a non-JSON or non-object line itself.

A file whose first line is not a complete JSON value while its first byte opens an object or an
array is read as one document (pretty-printed); each element of a top-level array is one batch, and
its `line` is its 1-based position in the array. If that document does not parse, the file is read
as NDJSON after all, so each bad line is reported with its number.
"""

from __future__ import annotations

from typing import IO, Iterator

import orjson

from .records import Record

BOM = b"\xef\xbb\xbf"


def text_records(stream: IO[bytes], source: str, chunk_bytes: int) -> Iterator[Record]:
    """Records of a JSON text stream."""
    lines = _lines(stream, chunk_bytes)
    first = next(lines, None)
    if first is None:
        return
    number, line = first
    if line.startswith(BOM):
        line = line[3:]
    stripped = line.strip()
    if stripped[:1] in (b"{", b"[") and not _complete(stripped):
        rest = [line] + [more for _, more in lines]
        document = b"\n".join(rest)
        yield from _document_records(document, source)
        return
    yield from _line_records(number, line, source)
    for number, line in lines:
        yield from _line_records(number, line, source)


def _complete(text: bytes) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _line_records(number: int, line: bytes, source: str) -> Iterator[Record]:
    if line.endswith(b"\r"):
        line = line[:-1]
    if line.strip():
        yield Record(source, number, line)


def _document_records(document: bytes, source: str) -> Iterator[Record]:
    try:
        value = orjson.loads(document)
    except orjson.JSONDecodeError:
        for number, line in enumerate(document.split(b"\n"), start=1):
            yield from _line_records(number, line, source)
        return
    if type(value) is list:
        for position, element in enumerate(value, start=1):
            yield Record(source, position, orjson.dumps(element), element)
    else:
        yield Record(source, 1, orjson.dumps(value), value)


def _lines(stream: IO[bytes], chunk_bytes: int) -> Iterator[tuple]:
    """(line number, line without its \\n) for every line, read chunk by chunk."""
    number = 0
    pending = b""
    while True:
        chunk = stream.read(chunk_bytes)
        if not chunk:
            break
        parts = (pending + chunk).split(b"\n") if pending else chunk.split(b"\n")
        pending = parts.pop()
        for part in parts:
            number += 1
            yield number, part
    if pending:
        yield number + 1, pending
