"""Input readers: bytes -> Records (source, line, original bytes, maybe the decoded batch). No plan knowledge.

The format is found from the content, never the name: gzip by its magic bytes, Parquet by `PAR1`,
anything else is JSON text (NDJSON, or one pretty-printed document or array of batches).
ndjson.py reads JSON text (and cuts plain NDJSON files into line ranges for parallel work),
parquet.py reads Parquet layouts, records.py holds the shared types.
"""

from __future__ import annotations

from .csv import CsvRow, RowProblem, csv_value, read_csv  # noqa: F401  (Warehouse Sync extracts)
from .ndjson import is_blank_line, iter_line_chunks, line_splittable, open_records, read_line_range
from .records import NOTHING, InputError, LineBlock, ParquetOptions, Record

__all__ = [
    "NOTHING",
    "InputError",
    "LineBlock",
    "ParquetOptions",
    "Record",
    "is_blank_line",
    "iter_line_chunks",
    "line_splittable",
    "open_records",
    "read_line_range",
]
