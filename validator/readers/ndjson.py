"""JSON text inputs: opening any input by content, NDJSON, gzip, pretty-printed documents, line ranges.

The format is found from the content, never the name: gzip by its magic bytes 1f 8b, Parquet by
`PAR1`, anything else is JSON text. Lines are read in chunks, so memory is bounded by the chunk size
(plus the longest line), not the file size. A UTF-8 BOM at the start is dropped, the \\r of CRLF is
dropped, whitespace-only lines (ASCII whitespace) are not batches but still count for line numbers,
and a last line without a newline is still a batch. A line is not parsed here: the engine parses it
in its hot loop and reports a non-JSON or non-object line (a one-line `[...]` included) itself.

Pretty-printed documents: when the first non-blank line opens an object or array (`{` or `[`) but is
not a complete JSON value, and another non-blank line follows, the whole file is one JSON document
(read into memory: such files are exports, not streams). An object is one batch at the line where it
starts; each element of a top-level array is one batch, at the line where the element starts. That
line is exact: taken from the indentation when every element starts its own line (and the text
between those lines checks out as "value,"), else by following brackets outside strings; should
both disagree with the parser, every element gets the array's line. Record.raw of a decoded value
is orjson's compact JSON of it. A document that does not parse is one Record with `error` (the
parser's message, with its line and column in the file) and empty `raw`.
Two cases stay NDJSON although they look like the start of a document, so no batch goes missing:
a file with a single non-blank line (a broken line, which the engine reports), and a first line
starting with `{` followed by a line that is a complete JSON object (NDJSON whose first line is
broken: every line is then reported on its own).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import stat
import sys
import tempfile
import zlib
from itertools import chain
from typing import IO, Any, Callable, Iterable, Iterator, Optional

from ..lineparse import decode_json
from .records import NOTHING, InputError, ParquetOptions, Record, encode_json

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
BOM = b"\xef\xbb\xbf"
RANGE_READ_BYTES = 1 << 20

_new_record: Any = tuple.__new__  # Record(...) without NamedTuple's keyword handling, for the per-line loop
# One structural character per match, with everything before it skipped (strings included, whole).
_STRUCTURE = re.compile(rb'[^"\[\]{},]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"\[\]{},]*)*([\[\]{},])', re.DOTALL)
_NOT_WHITESPACE = re.compile(rb"[^ \t\r\n]")


def open_records(
    path: str, *, chunk_bytes: int = 1 << 20, parquet: Optional[ParquetOptions] = None
) -> Iterator[Record]:
    """Records of one input, whatever its format.

    Takes a path (`-`: standard input, binary), the text chunk size, and Parquet options.
    Yields one Record per batch (or per unreadable batch) in input order.
    Raises InputError, naming the file, when the input cannot be opened or read at all (possibly
    after some records were yielded, e.g. a gzip stream that is cut short).
    """
    source = "<stdin>" if path == "-" else path
    with contextlib.ExitStack() as stack:
        try:
            stream, head = _open(path, source, stack)
            if head.startswith(PARQUET_MAGIC):
                yield from _parquet(stream, path, source, parquet or ParquetOptions(), stack)
                return
            if head.startswith(GZIP_MAGIC):
                stream = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
            yield from text_records(stream, source, max(1, chunk_bytes))
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{source}: cannot read: {exc}") from None


def _open(path: str, source: str, stack: contextlib.ExitStack) -> tuple[Any, bytes]:
    """The stream positioned at its start, and its first 4 bytes (for the magic numbers)."""
    if path != "-":
        try:
            handle = stack.enter_context(open(path, "rb"))  # noqa: SIM115
        except OSError as exc:
            raise InputError(f"{source}: cannot open: {exc.strerror or exc}") from None
        head = _read_head(handle)
        handle.seek(0)
        return handle, head
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        raise InputError(f"{source}: there is no standard input to read")
    head = _read_head(stdin)
    return _Prefixed(head, stdin), head  # stdin cannot seek back: hand the magic bytes back in front


def _read_head(stream: Any) -> bytes:
    head = b""
    while len(head) < 4:  # a pipe may deliver fewer bytes than asked
        more = stream.read(4 - len(head))
        if not more:
            break
        head += more
    return bytes(head)


class _Prefixed:
    """A read-only stream giving back bytes already taken from another stream before the rest of it."""

    def __init__(self, head: bytes, stream: Any) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: Optional[int] = -1) -> bytes:
        head = self._head
        if not head:
            return bytes(self._stream.read(size))
        if size is None or size < 0:
            self._head = b""
            return head + self._stream.read()
        self._head = head[size:]
        return head[:size]


def _parquet(
    stream: Any, path: str, source: str, options: ParquetOptions, stack: contextlib.ExitStack
) -> Iterator[Record]:
    try:
        from .parquet import parquet_records  # pyarrow is optional: import it only for Parquet inputs
    except ImportError:
        raise InputError(
            f"{source}: reading Parquet needs pyarrow: pip install 'dataplan-validator[parquet]'"
        ) from None

    if path == "-":  # Parquet is read from its footer, so stdin is spooled to a temporary file first
        spool = stack.enter_context(tempfile.TemporaryDirectory(prefix="dpv-"))
        path = os.path.join(spool, "stdin.parquet")
        with open(path, "wb") as copy:
            shutil.copyfileobj(stream, copy)
    yield from parquet_records(path, source, options)


def text_records(stream: Any, source: str, chunk_bytes: int) -> Iterator[Record]:
    """Records of a JSON text stream (NDJSON, or one pretty-printed document).

    Takes a binary stream with `read(size)`, the source name and the chunk size; yields Records
    (NDJSON lines unparsed, documents decoded). Read errors propagate as the stream raises them.
    """
    lines = _strip_bom(chain.from_iterable(_line_blocks(stream.read, chunk_bytes)))
    head, is_document = _sniff(lines)
    if is_document:
        yield from _document_records(b"\n".join(chain(head, lines)), source)
    else:
        yield from _line_records(chain(head, lines), source, 0)


def _line_blocks(read: Callable[[int], bytes], chunk_bytes: int, remaining: int = -1) -> Iterator[list]:
    """Lists of consecutive lines without their b"\\n", one list per chunk read.

    A line spanning chunks is joined once (no quadratic copying whatever its length); the last line
    is included even without a newline. `remaining` caps the bytes read (-1: to the end).
    """
    pending: list = []
    while remaining:
        chunk = read(chunk_bytes if remaining < 0 else min(chunk_bytes, remaining))
        if not chunk:
            break
        if remaining > 0:
            remaining -= len(chunk)
        lines = chunk.split(b"\n")
        if len(lines) == 1:
            pending.append(chunk)
            continue
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
        tail = lines.pop()
        pending = [tail] if tail else []
        yield lines
    if pending:
        yield [b"".join(pending)]


def _strip_bom(lines: Iterator[bytes]) -> Iterator[bytes]:
    first = next(lines, None)
    if first is None:
        return lines
    return chain((first[3:] if first.startswith(BOM) else first,), lines)


def _blank(line: bytes) -> bool:
    return not line or line.isspace()


def _complete(line: bytes) -> bool:
    try:
        decode_json(line)
    except ValueError:
        return False
    return True


def _sniff(lines: Iterator[bytes]) -> tuple[list, bool]:
    """The lines read to decide (to be replayed), and whether the text is one pretty-printed document."""
    head: list = []
    opening = b""
    for line in lines:
        head.append(line)
        if _blank(line):
            continue
        if not opening:
            opening = line.lstrip()[:1]
            if opening not in (b"{", b"[") or _complete(line):
                return head, False
            continue
        broken_first_line = opening == b"{" and line.lstrip()[:1] == b"{" and _complete(line)
        return head, not broken_first_line
    return head, False


def _line_records(lines: Iterable[bytes], source: str, number: int) -> Iterator[Record]:
    """A Record for every non-blank line; `number` is the line number before the first line."""
    new = _new_record
    for line in lines:
        number += 1
        if line[-1:] == b"\r":
            line = line[:-1]
        if line and not line.isspace():
            yield new(Record, (source, number, line, NOTHING, None))


def _document_records(text: bytes, source: str) -> Iterator[Record]:
    start = 1 + text.count(b"\n", 0, _NOT_WHITESPACE.search(text).start())  # type: ignore[union-attr]
    try:
        value = decode_json(text)
    except ValueError as exc:
        yield Record(source, start, b"", NOTHING, f"not valid JSON: {exc}")
        return
    if type(value) is not list:
        yield Record(source, start, encode_json(value), value)
        return
    lines = _element_lines(text, len(value)) or [start] * len(value)
    for line, element in zip(lines, value):
        yield Record(source, line, encode_json(element), element)


def _element_lines(text: bytes, count: int) -> list:
    """The line where each element of the top-level array starts; [] if no scan agrees with the parser."""
    if not count:
        return []
    return _lines_by_indent(text, count) or _lines_by_scan(text, count)


def _lines_by_indent(text: bytes, count: int) -> list:
    """The fast path for the usual pretty printers: every element starts a line at the same indent.

    Exact, not a guess: the lines found are accepted only if the text between them is, each time,
    one JSON value and a comma, which JSON's grammar allows for the array's own elements only.
    """
    first = _NOT_WHITESPACE.search(text, text.index(b"[") + 1)
    if first is None:
        return []
    line_start = text.rfind(b"\n", 0, first.start()) + 1
    if line_start == 0 or b"[" in text[line_start : first.start()]:
        return []  # the first element shares the line of `[`
    indent = re.escape(text[line_start : first.start()])
    starts = [match.end() - 1 for match in re.finditer(b"\n" + indent + rb"[^ \t\r\n\]}]", text)]
    if len(starts) != count:
        return []
    closing = text.rindex(b"]")
    for start, end in zip(starts, starts[1:] + [closing]):
        piece = text[start:end].rstrip()
        if end != closing:
            if not piece.endswith(b","):
                return []
            piece = piece[:-1]
        if not _complete(piece):
            return []
    return _line_numbers(text, starts)


def _lines_by_scan(text: bytes, count: int) -> list:
    """Any layout: follow brackets outside strings; [] if the scan finds another count."""
    starts = []  # offsets just after the array's `[` and after each of its own commas
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group(1)
        if token in b"[{":
            depth += 1
            if depth == 1:
                starts.append(match.end())
        elif token in b"]}":
            depth -= 1
        elif depth == 1:
            starts.append(match.end())
    if len(starts) != count:
        return []
    found = (_NOT_WHITESPACE.search(text, after) for after in starts)
    return _line_numbers(text, [match.start() if match else len(text) for match in found])


def _line_numbers(text: bytes, offsets: list) -> list:
    lines = []
    line, position = 1, 0
    for offset in offsets:
        line += text.count(b"\n", position, offset)
        position = offset
        lines.append(line)
    return lines


# -- line ranges, for parallel work on one plain NDJSON file ----------------------------------------


def iter_line_chunks(path: str, target_bytes: int) -> Iterator[tuple[int, int, int]]:
    """Byte ranges of a file, cut after newlines, for reading in parallel with read_line_range.

    Takes a regular file's path and the wished range size. Yields (start, end, first_line): each
    range ends just after a newline (or at the end of the file), is at least target_bytes long
    except the last, and first_line is the 1-based line number at `start`. Counting lines reads the
    whole file once. A file that cannot be split by lines (gzip, Parquet, one pretty-printed
    document) comes as one range (0, size, 1), which read_line_range reads like open_records.
    An empty file yields nothing. Raises InputError for stdin, a non-regular or unreadable file.
    """
    target_bytes = max(1, target_bytes)
    with _open_regular(path) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                return
            if not _splittable(handle):
                yield 0, size, 1
                return
            handle.seek(0)
            yield from _cut(handle, target_bytes)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _cut(handle: IO[bytes], target_bytes: int) -> Iterator[tuple[int, int, int]]:
    start, first_line, newlines, position = 0, 1, 0, 0  # newlines: counted in [start, position + i)
    while True:
        block = handle.read(RANGE_READ_BYTES)
        if not block:
            break
        i = 0
        while True:
            earliest = start + target_bytes - 1 - position  # a newline here or later ends the range
            if earliest >= len(block):
                break
            j = block.find(b"\n", max(earliest, i))
            if j < 0:
                break
            newlines += block.count(b"\n", i, j + 1)
            end = position + j + 1
            yield start, end, first_line
            start, first_line, newlines, i = end, first_line + newlines, 0, j + 1
        newlines += block.count(b"\n", i)
        position += len(block)
    if position > start:
        yield start, position, first_line


def read_line_range(path: str, start: int, end: int, first_line: int) -> Iterator[Record]:
    """The Records of one range from iter_line_chunks, exactly as open_records gives them.

    Takes the path and a (start, end, first_line) range; a BOM is dropped only at offset 0. The
    range of a file that cannot be split (see iter_line_chunks) is read with open_records.
    Raises InputError for stdin, a non-regular or unreadable file.
    """
    with _open_regular(path) as handle:
        try:
            whole = start == 0 and not _splittable(handle)
            if not whole:
                handle.seek(start)
                lines: Iterator[bytes] = chain.from_iterable(
                    _line_blocks(handle.read, RANGE_READ_BYTES, max(0, end - start))
                )
                if start == 0:
                    lines = _strip_bom(lines)
                yield from _line_records(lines, path, first_line - 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if whole:
        yield from open_records(path)


def _open_regular(path: str) -> IO[bytes]:
    if path == "-":
        raise InputError("<stdin>: standard input cannot be read by byte ranges; use open_records")
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise InputError(f"{path}: not a regular file, so it cannot be read by byte ranges")
    return handle


def line_splittable(path: str) -> bool:
    """Whether `path` is a regular plain-NDJSON file that iter_line_chunks can cut into several ranges."""
    try:
        with _open_regular(path) as handle:
            return _splittable(handle)
    except (InputError, OSError):
        return False


def _splittable(handle: IO[bytes]) -> bool:
    """Whether the file is plain NDJSON (not gzip, Parquet or one document), judged as open_records does."""
    handle.seek(0)
    head = _read_head(handle)
    if head.startswith(GZIP_MAGIC) or head.startswith(PARQUET_MAGIC):
        return False
    handle.seek(0)
    lines = _strip_bom(chain.from_iterable(_line_blocks(handle.read, 1 << 16)))
    return not _sniff(lines)[1]
