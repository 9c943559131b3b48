"""The reader's vocabulary: one Record per input batch, InputError for a file that cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Optional


class _Nothing:
    """The type of NOTHING; it pickles by name so worker processes see the same singleton."""

    def __reduce__(self) -> str:
        return "NOTHING"

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()  # Record.batch when the engine should parse `raw` itself (the NDJSON hot path)


class Record(NamedTuple):
    """One input batch."""

    source: str  # the path as given, or "<stdin>"
    line: int  # 1-based line of the batch (NDJSON), element (JSON array file) or first row (Parquet)
    raw: bytes  # the original bytes (NDJSON line without terminator) or the JSON of the built batch
    batch: Any = NOTHING  # the decoded batch when the reader had to build it
    error: Optional[str] = None  # why this record is not a batch (the run goes on)


class InputError(Exception):
    """A whole input cannot be read (missing, unreadable, corrupt); the message names the file."""


@dataclass(frozen=True)
class ParquetOptions:
    """How Parquet rows become batches (see parquet.py)."""

    layout: str = "auto"  # json | nested | events | auto
    json_column: Optional[str] = None
    batch_key: Optional[str] = None
    mappings: tuple = ()  # (column, JSON pointer)
    settings: tuple = ()  # (JSON pointer, value)
    batch_rows: int = 8192
