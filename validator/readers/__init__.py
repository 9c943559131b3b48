"""Input readers: bytes -> Records (source, line, original bytes, maybe the decoded batch). No plan knowledge.

The format is found from the content, never the name: gzip by its magic bytes, Parquet by `PAR1`,
anything else is JSON text (NDJSON, or one pretty-printed document or array of batches).
"""

from __future__ import annotations

from .records import NOTHING, InputError, ParquetOptions, Record
from .sources import open_records

__all__ = ["NOTHING", "InputError", "ParquetOptions", "Record", "open_records"]
