"""JSON text inputs: opening any input by content, NDJSON, gzip, pretty-printed documents, line ranges.

The format is found from the content, never the name: gzip by its magic bytes 1f 8b, Parquet by
`PAR1`, anything else is JSON text. Lines are read in chunks, so memory is bounded by the chunk size
(plus the longest line), not the file size. A UTF-8 BOM at the start is dropped, the \\r of CRLF is
dropped, whitespace-only lines (ASCII whitespace) are not batches but still count for line numbers,
and a last line without a newline is still a batch. A line is not parsed here: the engine parses it
in its hot loop and reports a non-JSON or non-object line (a one-line `[...]` included) itself.

Pretty-printed documents: a file is one JSON document only when it really is one: its first non-blank
line opens an object or array (`{` or `[`) but is not a complete JSON value, the lines that follow keep
it a valid beginning of one JSON value (checked line by line for the first lines, so NDJSON with broken
lines is told apart after two or three lines, in bounded memory), and the whole text then parses as one
value. Anything else is read line by line, one record per non-blank line, so a broken line (bad bytes,
NaN, a truncated line) is one error line of its own and every other batch is still validated. A
document is read into memory (such files are exports, not streams). An object is one batch at the line
where it starts; each element of a top-level array is one batch, at the line where the element starts.
That line is exact: taken from the indentation when every element starts its own line (and the text
between those lines checks out as "value,"), else by following brackets outside strings; should both
disagree with the parser, every element gets the array's line. Record.raw of a decoded value is
orjson's compact JSON of it.

Limits and damage: a line longer than `max_line_bytes` is skipped to its newline without being kept
(memory stays bounded) and becomes an error record of its own. A gzip stream is read member by member
and gives every byte it decompressed before a corrupt or truncated part or trailing garbage; that rest
is an InputError naming the file and the line where the unreadable part starts. Streams (stdin, FIFOs,
process substitution) are never seeked.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import zlib
from itertools import chain
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple, Optional

from ..lineparse import decode_json
from . import position
from .records import NOTHING, InputError, LineBlock, ParquetOptions, Record, encode_json


def _py_newlines(data: bytes, begin: int = 0, stop: int = -1) -> int:
    return data.count(b"\n", begin, len(data) if stop < 0 else stop)


_newlines = _py_newlines
if os.environ.get("DPV_NO_SPEEDUPS", "") in ("", "0"):
    with contextlib.suppress(ImportError):  # the native front end's memchr count, when it is built
        from .._native import newlines as _newlines  # type: ignore[no-redef]


GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
BOM = b"\xef\xbb\xbf"
RANGE_READ_BYTES = 1 << 20
GZIP_READ_BYTES = 1 << 17
MAX_LINE_BYTES = 64 << 20  # the default limit on one line (one batch)
# A document candidate is checked line by line this far (lines, bytes); past that the whole text decides.
SNIFF_LINES = 64
SNIFF_BYTES = 4 << 20
READ_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError

_new_record: Any = tuple.__new__  # Record(...) without NamedTuple's keyword handling, for the per-line loop
# One structural character per match, with everything before it skipped (strings included, whole).
_STRUCTURE = re.compile(rb'[^"\[\]{},]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"\[\]{},]*)*([\[\]{},])', re.DOTALL)
_NOT_WHITESPACE = re.compile(rb"[^ \t\r\n]")


def open_records(
    path: str,
    *,
    chunk_bytes: int = 1 << 20,
    parquet: Optional[ParquetOptions] = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    blocks: bool = False,
    reference_lines: bool = False,
) -> Iterator[Any]:
    """Records of one input, whatever its format.

    Takes a path (`-`: standard input, binary; FIFOs and /dev/fd/N are read as streams), the text
    chunk size, Parquet options and the longest line to read (0: no limit).
    Yields one Record per batch (or per unreadable batch) in input order; with `blocks`, NDJSON
    lines come as LineBlocks instead (Records still stand for lines too long to read, documents and
    Parquet rows), so that a caller can check many lines per call. `reference_lines`: JSON text is
    read as the reference's line reader (Node's readline) reads it: a BOM opening it stays on the
    first line, a lone CR ends a line too, and a text is never taken as one pretty-printed document.
    Raises InputError, naming the file, when the input cannot be opened or read at all, or, after the
    records before it were yielded, when the rest of it cannot be read (corrupt or truncated gzip).
    """
    source = "<stdin>" if path == "-" else path
    with contextlib.ExitStack() as stack:
        try:
            stream, head, seekable = _open(path, source, stack)
            if seekable:
                position.track(source, stream.tell)  # the raw file: compressed offset for gzip
            if head.startswith(PARQUET_MAGIC):
                options = parquet or ParquetOptions()
                yield from _parquet(stream, path if seekable else None, source, options, stack, blocks)
                return
            if head.startswith(GZIP_MAGIC):
                stream = _Gunzip(stream)
            yield from text_records(
                stream, source, max(1, chunk_bytes), max_line_bytes, blocks, reference_lines
            )
        except READ_ERRORS as exc:
            raise InputError(f"{source}: cannot read: {exc}") from None


def _open(path: str, source: str, stack: contextlib.ExitStack) -> tuple[Any, bytes, bool]:
    """The stream at its start, its first 4 bytes (for the magic numbers), and whether it can seek.

    A stream that cannot seek (stdin, a FIFO, process substitution) gets its first bytes handed back
    in front instead of being rewound.
    """
    if path == "-":
        handle = getattr(sys.stdin, "buffer", None)
        if handle is None:
            raise InputError(f"{source}: there is no standard input to read")
    else:
        try:
            handle = stack.enter_context(open(path, "rb"))  # noqa: SIM115
        except OSError as exc:
            raise InputError(f"{source}: cannot open: {exc.strerror or exc}") from None
        if os.path.isdir(path):  # Linux opens a directory for reading; reading it fails
            raise InputError(f"{source}: cannot read: it is a directory")
    head = _read_head(handle)
    seekable = path != "-" and stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    if seekable:
        handle.seek(0)
        return handle, head, True
    return _Prefixed(head, handle), head, False


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


class _Gunzip:
    """A gzip stream (one member or several) that gives every byte it could decompress before an error.

    gzip.GzipFile raises as soon as it meets trailing garbage or a cut-off member, dropping what the
    same read had already decompressed; here the bytes come first and the error on the next read.
    Zero padding between and after members is skipped, as gzip does. Output per read is bounded by
    the size asked (no unbounded growth on highly compressed input).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = b""  # compressed bytes read but not yet inflated
        self._at_member_start = True
        self._exhausted = False

    def _fill(self) -> None:
        more = self._stream.read(GZIP_READ_BYTES)
        if more:
            self._input += more
        else:
            self._exhausted = True

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else GZIP_READ_BYTES
        while True:
            if not self._input and not self._exhausted:
                self._fill()
            if self._at_member_start:
                self._input = self._input.lstrip(b"\0")
                if len(self._input) < 2:
                    if self._exhausted:
                        if self._input:
                            raise gzip.BadGzipFile("trailing garbage after the last gzip member")
                        return b""
                    self._fill()
                    continue
                if not self._input.startswith(GZIP_MAGIC):
                    raise gzip.BadGzipFile("trailing garbage after the last gzip member")
                self._at_member_start = False
            if not self._input and self._exhausted:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            out = self._inflate.decompress(self._input, size)
            if self._inflate.eof:
                self._input = self._inflate.unused_data
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._at_member_start = True
            else:
                self._input = self._inflate.unconsumed_tail
            if out:
                return out


def _parquet(
    stream: Any,
    path: Optional[str],
    source: str,
    options: ParquetOptions,
    stack: contextlib.ExitStack,
    blocks: bool = False,
) -> Iterator[Any]:
    try:
        from .parquet import parquet_records  # pyarrow is optional: import it only for Parquet inputs
    except ImportError:
        raise InputError(
            f"{source}: reading Parquet needs pyarrow: pip install 'dataplan-validator[parquet]'"
        ) from None

    if path is None:  # Parquet is read from its footer, so a stream is spooled to a temporary file first
        spool = stack.enter_context(tempfile.TemporaryDirectory(prefix="dpv-"))
        path = os.path.join(spool, "input.parquet")
        with open(path, "wb") as copy:
            shutil.copyfileobj(stream, copy)
    yield from parquet_records(path, source, options, blocks)


# -- JSON text: blocks of lines, shape detection, records -------------------------------------------


class _Oversized(NamedTuple):
    """Stands for one line longer than the limit, in the stream of line blocks (it was not kept)."""

    size: int
    limit: int


class _Broken(NamedTuple):
    """Ends the stream of line blocks when reading failed: everything after the last full line is lost."""

    error: BaseException


def text_records(
    stream: Any,
    source: str,
    chunk_bytes: int,
    max_line_bytes: int = MAX_LINE_BYTES,
    blocks: bool = False,
    reference_lines: bool = False,
) -> Iterator[Any]:
    """Records of a JSON text stream (NDJSON, or one pretty-printed document).

    Takes a binary stream with `read(size)`, the source name, the chunk size and the longest line to
    keep (0: no limit); yields Records (NDJSON lines unparsed, documents decoded), or LineBlocks of
    NDJSON lines with `blocks`. Raises InputError (after the records before it) when the stream
    fails: the message names the line it failed at.
    """
    lines_of = _line_block_items if blocks else _line_records
    if reference_lines:
        found = _line_blocks(stream.read, chunk_bytes, max_line=max_line_bytes)
        yield from lines_of(_readline_blocks(found), source, 0)
        return
    found = _strip_bom(_line_blocks(stream.read, chunk_bytes, max_line=max_line_bytes, raw=blocks))
    head, candidate = _sniff(found)
    if not candidate:
        yield from lines_of(chain(head, found), source, 0)
        return
    every = head + list(found)  # a document is read whole; it stays NDJSON unless it parses as one
    if all(type(block) in (list, bytes) for block in every):
        text = b"\n".join(chain.from_iterable(_split(block) for block in every))
        try:
            value = decode_json(text)
        except ValueError:
            pass
        else:
            yield from _document_records(text, value, source)
            return
    yield from lines_of(every, source, 0)


def _line_blocks(
    read: Callable[[int], bytes], chunk_bytes: int, remaining: int = -1, max_line: int = 0, raw: bool = False
) -> Iterator[Any]:
    """Lists of consecutive lines without their b"\\n", one list per chunk read, and markers.

    raw: the whole lines inside a chunk come as one bytes object (lines joined by b"\\n") instead
    of a list, so that they are split only where they are checked (in C); the line that ends in a
    chunk after starting in an earlier one still comes as a list of one.

    A line spanning chunks is joined once (no quadratic copying whatever its length); the last line
    is included even without a newline. `remaining` caps the bytes read (-1: to the end). A line
    longer than `max_line` (0: no limit) is not kept: it is skipped to its newline and an _Oversized
    stands in its place. A read that fails ends the stream with a _Broken (the partial line before it
    is part of what was lost).
    """
    pending: list = []
    pending_size = 0
    skipping = False  # inside a line already known to be too long
    while remaining:
        try:
            chunk = read(chunk_bytes if remaining < 0 else min(chunk_bytes, remaining))
        except READ_ERRORS as exc:
            yield _Broken(exc)
            return
        if not chunk:
            break
        if remaining > 0:
            remaining -= len(chunk)
        if raw and not (max_line and len(chunk) > max_line):
            # No line inside the chunk can be too long: cut once at the first and last newlines.
            first = chunk.find(b"\n")
            if first >= 0:
                head_size = pending_size + first
                if skipping or (max_line and head_size > max_line):
                    yield _Oversized(head_size, max_line)
                else:
                    pending.append(chunk[:first])
                    yield [b"".join(pending)]
                last = chunk.rfind(b"\n")
                if last > first:
                    yield chunk[first + 1 : last]
                tail = chunk[last + 1 :]
                pending_size = len(tail)
                skipping = bool(max_line) and pending_size > max_line
                pending = [tail] if tail and not skipping else []
                continue
        lines = chunk.split(b"\n")
        if len(lines) == 1:
            pending_size += len(chunk)
            if max_line and pending_size > max_line:
                skipping, pending = True, []
            elif not skipping:
                pending.append(chunk)
            continue
        tail = lines.pop()
        first_size = pending_size + len(lines[0])
        if skipping or (max_line and first_size > max_line):
            yield _Oversized(first_size, max_line)
            del lines[0]
        elif pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
        if max_line and len(chunk) > max_line:  # only then can a line inside the chunk be too long
            yield from _split_oversized(lines, max_line)
        elif lines:
            yield lines
        pending_size = len(tail)
        skipping = bool(max_line) and pending_size > max_line
        pending = [tail] if tail and not skipping else []
    if skipping:
        yield _Oversized(pending_size, max_line)
    elif pending:
        yield [b"".join(pending)]


def _split_oversized(lines: list, max_line: int) -> Iterator[Any]:
    block: list = []
    for line in lines:
        if len(line) > max_line:
            if block:
                yield block
                block = []
            yield _Oversized(len(line), max_line)
        else:
            block.append(line)
    if block:
        yield block


def _readline_blocks(blocks: Iterator[Any]) -> Iterator[Any]:
    """Blocks of lines as Node's readline cuts them: a lone CR ends a line as LF and CRLF do."""
    for block in blocks:
        if type(block) is not list or not any(b"\r" in line for line in block):
            yield block
            continue
        lines: list = []
        for line in block:
            if line[-1:] == b"\r":
                line = line[:-1]  # the CR of a CRLF
            lines.extend(line.split(b"\r"))
        yield lines


def _split(block: Any) -> list:
    """The lines of a block from _line_blocks (a list already, or raw bytes)."""
    return block.split(b"\n") if type(block) is bytes else block


def _strip_bom(blocks: Iterator[Any]) -> Iterator[Any]:
    first = next(blocks, None)
    if first is None:
        return blocks
    if type(first) is list and first[0].startswith(BOM):
        first = [first[0][3:], *first[1:]]
    return chain((first,), blocks)


# What JavaScript's String.prototype.trim() removes: the reference's line reader skips a line that
# trims to nothing, such as one holding only a no-break space.
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# First bytes of those characters in UTF-8: a line starting otherwise is not blank.
_JS_SPACE_LEADS = frozenset(b"\t\n\v\f\r \xc2\xe1\xe2\xe3\xef")


def _blank(line: bytes) -> bool:
    return not line or line.isspace() or (line[0] in _JS_SPACE_LEADS and _js_blank(line))


def _js_blank(line: bytes) -> bool:
    return not line.decode("utf-8", "replace").strip(_JS_SPACE)


def _complete(line: bytes) -> bool:
    try:
        decode_json(line)
    except ValueError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_PREFIX_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _could_be_one_value(text: bytes) -> bool:
    """Whether `text` is one JSON value or the beginning of one (it may be cut after any line).

    The standard library's parser reports where it failed: at the very end (or in a string still
    open there), the text is a beginning; anywhere else (extra data, NaN, a stray character, a
    control character in a string) it is not. Invalid UTF-8 does not decide it: JSON.parse reads
    such bytes as U+FFFD.
    """
    decoded = text.decode("utf-8", "replace")
    try:
        _PREFIX_DECODER.decode(decoded)
    except json.JSONDecodeError as exc:
        return exc.pos >= len(decoded) or exc.msg.startswith("Unterminated string")
    except RecursionError:
        return True  # too deep to tell here: the whole text decides
    except ValueError:
        return False  # NaN, Infinity
    return True


def _sniff(blocks: Iterator[Any]) -> tuple[list, bool]:
    """The blocks read to decide (to be replayed), and whether the text may be one document.

    True only when the first non-blank line opens an object or array without completing it and the
    lines after it keep the text a beginning of one JSON value; False (NDJSON) as soon as a line
    shows otherwise, so NDJSON is read line by line whatever its first lines hold.
    """
    head: list = []
    nonblank: list = []
    size = 0
    for block in blocks:
        head.append(block)
        if type(block) is not list and type(block) is not bytes:
            return head, False  # a line too long to keep, or a read error: not a document
        for line in _split(block):
            if _blank(line):
                continue
            if not nonblank:
                if line.lstrip()[:1] not in (b"{", b"[") or _complete(line):
                    return head, False
            nonblank.append(line)
            size += len(line)
            if len(nonblank) == 1:
                continue
            if not _could_be_one_value(b"\n".join(nonblank)):
                return head, False
            if len(nonblank) >= SNIFF_LINES or size >= SNIFF_BYTES:
                return head, True
    return head, len(nonblank) > 1


def _line_records(blocks: Iterable[Any], source: str, number: int) -> Iterator[Record]:
    """A Record for every non-blank line; `number` is the line number before the first line."""
    new = _new_record
    for block in blocks:
        if type(block) is not list:
            if type(block) is _Broken:
                raise InputError(f"{source}: cannot read from line {number + 1} on: {block.error}")
            number += 1
            yield Record(source, number, b"", NOTHING, _too_long(block))
            continue
        for line in block:
            number += 1
            if line[-1:] == b"\r":
                line = line[:-1]
            if line and not line.isspace() and not (line[0] in _JS_SPACE_LEADS and _js_blank(line)):
                yield new(Record, (source, number, line, NOTHING, None))


def _line_block_items(blocks: Iterable[Any], source: str, number: int) -> Iterator[Any]:
    """_line_records in block mode: a LineBlock per block of lines (blank ones left for the
    caller to skip with is_blank_line), a Record for each line too long to read."""
    for block in blocks:
        kind = type(block)
        if kind is list:
            yield LineBlock(source, number + 1, block, sum(map(len, block)) + len(block))
            number += len(block)
        elif kind is bytes:  # whole lines, not split (_line_blocks with raw=True)
            yield LineBlock(source, number + 1, block, len(block) + 1)
            number += _newlines(block) + 1
        elif kind is _Broken:
            raise InputError(f"{source}: cannot read from line {number + 1} on: {block.error}")
        else:
            number += 1
            yield Record(source, number, b"", NOTHING, _too_long(block))


def is_blank_line(line: bytes) -> bool:
    """Whether the reader skips this line (without its b"\\r"): white space as JavaScript's trim() sees it."""
    return _blank(line)


def _too_long(block: _Oversized) -> str:
    return (
        f"line too long: {block.size:,} bytes, over the limit of {block.limit:,} (--max-line-bytes); not read"
    )


def _document_records(text: bytes, value: Any, source: str) -> Iterator[Record]:
    start = 1 + text.count(b"\n", 0, _NOT_WHITESPACE.search(text).start())  # type: ignore[union-attr]
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


def iter_line_chunks(
    path: str, target_bytes: int, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, int, int]]:
    """Byte ranges of a file, cut after newlines, for reading in parallel with read_line_range.

    Takes a regular file's path and the wished range size. Yields (start, end, first_line): each
    range ends just after a newline (or at the end of the file), is at least target_bytes long
    except the last, and first_line is the 1-based line number at `start`. Counting lines reads the
    whole file once. A file that cannot be split by lines (gzip, Parquet, one pretty-printed
    document) comes as one range (0, size, 1), which read_line_range reads like open_records.
    max_line_bytes is the limit open_records will apply (it bounds the look at the file's start).
    An empty file yields nothing. Raises InputError for stdin, a non-regular or unreadable file.
    """
    target_bytes = max(1, target_bytes)
    with _open_regular(path) as handle:
        position.track(path, handle.tell)  # how far the cutting got: ahead of the workers by their window
        try:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                return
            if not _splittable(handle, max_line_bytes):
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
            newlines += _newlines(block, i, j + 1)
            end = position + j + 1
            yield start, end, first_line
            start, first_line, newlines, i = end, first_line + newlines, 0, j + 1
        newlines += _newlines(block, i)
        position += len(block)
    if position > start:
        yield start, position, first_line


def read_line_range(
    path: str,
    start: int,
    end: int,
    first_line: int,
    max_line_bytes: int = MAX_LINE_BYTES,
    blocks: bool = False,
) -> Iterator[Any]:
    """The Records of one range from iter_line_chunks, exactly as open_records gives them.

    Takes the path, a (start, end, first_line) range and the longest line to keep (0: no limit); a
    BOM is dropped only at offset 0. The range of a file that cannot be split (see iter_line_chunks)
    is read with open_records. `blocks`: LineBlocks instead of line Records, as for open_records.
    Raises InputError for stdin, a non-regular or unreadable file.
    """
    with _open_regular(path) as handle:
        try:
            whole = start == 0 and not _splittable(handle, max_line_bytes)
            if not whole:
                handle.seek(start)
                found = _line_blocks(
                    handle.read, RANGE_READ_BYTES, max(0, end - start), max_line_bytes, raw=blocks
                )
                if start == 0:
                    found = _strip_bom(found)
                lines_of = _line_block_items if blocks else _line_records
                yield from lines_of(found, path, first_line - 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if whole:
        yield from open_records(path, max_line_bytes=max_line_bytes, blocks=blocks)


def _open_regular(path: str) -> IO[bytes]:
    if path == "-":
        raise InputError("<stdin>: standard input cannot be read by byte ranges; use open_records")
    try:
        # stat before open: opening a FIFO would block for a writer, and closing it again could end
        # the writer's stream before it is read for real
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"{path}: not a regular file, so it cannot be read by byte ranges")
        handle = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise InputError(f"{path}: not a regular file, so it cannot be read by byte ranges")
    return handle


def line_splittable(path: str, max_line_bytes: int = MAX_LINE_BYTES) -> bool:
    """Whether `path` is a regular plain-NDJSON file that iter_line_chunks can cut into several ranges."""
    try:
        with _open_regular(path) as handle:
            return _splittable(handle, max_line_bytes)
    except (InputError, OSError):
        return False


def _splittable(handle: IO[bytes], max_line_bytes: int) -> bool:
    """Whether the file is plain NDJSON (not gzip, Parquet or one document), judged as open_records does."""
    handle.seek(0)
    head = _read_head(handle)
    if head.startswith(GZIP_MAGIC) or head.startswith(PARQUET_MAGIC):
        return False
    handle.seek(0)
    blocks = _strip_bom(_line_blocks(handle.read, 1 << 16, max_line=max_line_bytes))
    return not _sniff(blocks)[1]
