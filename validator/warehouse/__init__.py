"""Warehouse Sync extracts: validate rows as their pipeline would send them; lint the pipeline.

pipeline.py reads the pipeline object and lints it (with its field transformation, plans and an
extract's columns); transform.py turns rows into batches; extract.py reads the extracts (CSV through
validator/readers/csv.py, Parquet, NDJSON rows, Arrow record batches).
"""

from __future__ import annotations

from .extract import arrow_records, extract_records
from .pipeline import WarehouseError, lint_pipeline, load_mapper
from .transform import RowError, RowMapper, accepted_destinations, destination

__all__ = [
    "RowError",
    "RowMapper",
    "WarehouseError",
    "accepted_destinations",
    "arrow_records",
    "destination",
    "extract_records",
    "lint_pipeline",
    "load_mapper",
]
