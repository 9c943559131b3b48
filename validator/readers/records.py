"""The readers' vocabulary: one Record per input batch, InputError for an input that cannot be read.

Also the two JSON helpers every reader shares, so the JSON text and Parquet paths decode and encode
values the same way.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any, Iterator, NamedTuple, Optional

import orjson

from ..jsout import dumps


class _Nothing:
    """The type of NOTHING; it pickles by name so worker processes see the same singleton."""

    def __reduce__(self) -> str:
        return "NOTHING"

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()  # Record.batch when the engine should parse `raw` itself (the NDJSON hot path)


class Record(NamedTuple):
    """One input batch, or one reader-level problem standing where a batch should be."""

    source: str  # the path as given, or "<stdin>"
    line: int  # 1-based line where the batch starts (JSON text), or 1-based first row (Parquet)
    raw: bytes  # the NDJSON line without terminator, or the JSON of a decoded/built batch; b"" on error
    batch: Any = NOTHING  # the decoded batch when the reader had to decode or build it
    error: Optional[str] = None  # why this record is not a batch (the run goes on)


class LineBlock(NamedTuple):
    """Consecutive NDJSON lines of one input, as read (the block mode of open_records).

    `lines`: a list of lines cut at b"\\n", or the bytes of whole lines joined by b"\\n" (no newline
    at its end), left for the caller to split. A b"\\r" may end a line, and blank lines are still
    there (is_blank_line says which the reader skips). Line i is line `first_line + i` of the input.
    With `rows`, `lines` holds a Parquet JSON column's values (a list of bytes, or BinaryRows), row
    `first_line + i` each.
    """

    source: str
    first_line: int
    lines: Any  # list of bytes, or bytes
    size: int  # bytes of the lines
    rows: bool = False  # a Parquet column's values, one batch each: nothing to trim or skip


class BinaryRows:
    """The values of an Arrow binary (or string) array without nulls, left in Arrow's buffers.

    `data` and `offsets` are the array's value and offset buffers (anything with the buffer
    protocol); row i is data[offsets[first + i] : offsets[first + i + 1]], offsets being int32, or
    int64 when `wide` (large_binary). The native front end reads the buffers directly; anyone else
    iterates the rows as bytes. Pickled (for --jobs workers) as a compact copy of its own rows.
    """

    __slots__ = ("data", "offsets", "first", "count", "wide")

    def __init__(self, data: Any, offsets: Any, first: int, count: int, wide: bool) -> None:
        self.data, self.offsets, self.first, self.count, self.wide = data, offsets, first, count, wide

    def _bounds(self) -> Any:
        return memoryview(self.offsets).cast("B").cast("q" if self.wide else "i")

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[bytes]:
        bounds, data = self._bounds(), memoryview(self.data).cast("B")
        for index in range(self.first, self.first + self.count):
            yield bytes(data[bounds[index] : bounds[index + 1]])

    def size(self) -> int:
        """Bytes of the rows' values."""
        bounds = self._bounds()
        return int(bounds[self.first + self.count] - bounds[self.first])

    def __reduce__(self) -> tuple:
        bounds = self._bounds()
        start, end = bounds[self.first], bounds[self.first + self.count]
        rebased = (bounds[index] - start for index in range(self.first, self.first + self.count + 1))
        offsets = array("q", rebased)
        data = bytes(memoryview(self.data).cast("B")[start:end])
        return BinaryRows, (data, offsets.tobytes(), 0, self.count, True)


class InputError(Exception):
    """A whole input cannot be read (missing, unreadable, corrupt); the message names the file."""


@dataclass(frozen=True)
class ParquetOptions:
    """How Parquet rows become batches; see validator/readers/parquet.py for each layout."""

    layout: str = "auto"  # json | nested | events | auto
    json_column: Optional[str] = None  # json layout: the column holding each batch's JSON
    batch_key: Optional[str] = None  # events layout: equal consecutive values form one batch
    mappings: tuple[tuple[str, str], ...] = ()  # events layout: (column, JSON pointer)
    settings: tuple[tuple[str, Any], ...] = ()  # events layout: (JSON pointer, constant)
    batch_rows: int = 1024  # rows per Arrow record batch (fewer: more calls; more: more memory)
    warehouse: Any = None  # a warehouse.RowMapper: inputs are extracts whose rows it turns into batches


def encode_json(value: Any) -> bytes:
    """Compact JSON bytes of a decoded value (orjson, or JSON.stringify's text where orjson refuses).

    orjson refuses lone surrogates and nesting deeper than 254; those can only come from the
    decode_json fallback, and jsout writes them as JSON.stringify would (\\udxxx escapes, any depth).
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:
        return dumps(value).encode()
    except (TypeError, ValueError):
        return b""
