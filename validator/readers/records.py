"""The readers' vocabulary: one Record per input batch, InputError for an input that cannot be read.

Also the two JSON helpers every reader shares, so the JSON text and Parquet paths decode and encode
values the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Optional

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
    With `rows`, `lines` is a list of a Parquet JSON column's values, row `first_line + i` each.
    """

    source: str
    first_line: int
    lines: Any  # list of bytes, or bytes
    size: int  # bytes of the lines
    rows: bool = False  # a Parquet column's values, one batch each: nothing to trim or skip


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
    batch_rows: int = 8192  # rows per Arrow record batch
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
