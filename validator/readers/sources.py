"""Open an input by content: gzip and Parquet magic bytes, else JSON text."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import sys
import tempfile
import zlib
from typing import IO, Iterator, Optional

from .ndjson import text_records
from .records import InputError, ParquetOptions, Record

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


def open_records(
    path: str, *, chunk_bytes: int = 1 << 20, parquet: Optional[ParquetOptions] = None
) -> Iterator[Record]:
    """Records of one input (`-`: stdin); raises InputError when the input cannot be read at all."""
    source = "<stdin>" if path == "-" else path
    try:
        stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{source}: cannot open: {exc.strerror or exc}") from None
    with contextlib.ExitStack() as stack:
        if path != "-":
            stack.enter_context(stream)
        if not hasattr(stream, "peek"):  # e.g. a BytesIO standing in for stdin
            stream = io.BufferedReader(stream)  # type: ignore[type-var]
        head = bytes(stream.peek(4)[:4])
        if head.startswith(PARQUET_MAGIC):
            yield from _parquet(stream, path, source, parquet or ParquetOptions(), stack)
            return
        if head.startswith(GZIP_MAGIC):
            stream = stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]
        try:
            yield from text_records(stream, source, chunk_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{source}: cannot read: {exc}") from None


def _parquet(
    stream: IO[bytes], path: str, source: str, options: ParquetOptions, stack: contextlib.ExitStack
) -> Iterator[Record]:
    from .parquet import parquet_records

    if path == "-":  # Parquet needs to seek: spool stdin to a temporary file first
        spool = stack.enter_context(tempfile.TemporaryDirectory(prefix="dpv-"))
        path = os.path.join(spool, "stdin.parquet")
        with open(path, "wb") as copy:
            shutil.copyfileobj(stream, copy)
    yield from parquet_records(path, source, options)
