"""The machine formats' contract: the schema_version the json documents carry, and their JSON Schemas.

Each json document (validate, lint, diff) starts with "schema_version"; the JSON Schema beside this
module lists every key, so a key that goes, changes meaning, or is new comes with a new version.
The GitLab Code Quality array has no room for a version: its schema is GitLab's format.
"""

from __future__ import annotations

import os

SCHEMA_VERSION = 1
SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")


def schema_path(document: str) -> str:
    """The JSON Schema file of a document: "validate", "lint", "diff" or "gitlab"."""
    return os.path.join(SCHEMAS, f"{document}.schema.json")
