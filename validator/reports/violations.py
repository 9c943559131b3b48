"""Shared by the CI formats (junit, github, sarif): a result line as (data point, error) pairs, in words.

Also the gate's view of an error: `fail_on` (a set of validation_error_types, None for all) decides
whether an error fails the run, and the CI formats show the others as warnings, not failures.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Optional
from urllib.parse import quote

from ..jsout import dumps, escape_surrogates
from .outcome import Outcome, load_result, match_label, show_value

__all__ = ["load_result"]  # cli.py reads result lines through here

ERROR_TYPES = ("unplanned", "missing_required", "invalid_value", "unknown")
BATCH_ERROR = "batch_error"  # a batch the reference could not validate ({"error": ...})
UNREADABLE_FILE = "unreadable_file"


class Violation(NamedTuple):
    """One validation error of one result, with its data point's label."""

    data_point: str  # match label, e.g. 'custom_event "Sign Up" (other)'
    error: dict  # the validation_error as the reference wrote it

    @property
    def kind(self) -> str:
        return str(self.error.get("validation_error_type", "unknown"))

    def describe(self) -> str:
        """The error in one line: `type at pointer (data point): detail`."""
        error = self.error
        head = f"{self.kind} at {show_value(error.get('error_pointer', '#'))} ({self.data_point})"
        kind = self.kind
        if kind == "missing_required" and "expected" in error and error.get("schema_keyword") == "required":
            return f"{head}: {_text(error['expected'])} is required"
        if kind == "unplanned":
            return (
                f"{head}: {_text(error['key'])} is not planned" if "key" in error else f"{head}: not planned"
            )
        detail = show_value(error.get("expected", ""))
        if "actual" in error:
            detail += f"{', ' if detail else ''}actual {_text(error['actual'])}"
        return f"{head}: {detail}" if detail else head


def _text(value: Any) -> str:
    # JSON.stringify's text: lone surrogates as \udxxx escapes (a report must encode as UTF-8), any depth
    return dumps(value)


def violations(outcome: Outcome) -> list:
    """Every validation error of an invalid batch's result, in result order."""
    found: list = []
    for result in load_result(outcome.result).get("results", []):
        data = result.get("data", {})
        label = match_label(data.get("match", "no match"))
        found.extend(Violation(label, error) for error in data.get("validation_errors", []))
    return found


def batch_error(outcome: Outcome) -> str:
    """The message of a batch that could not be validated."""
    return show_value(load_result(outcome.result).get("error", ""))


def fails(kind: str, fail_on: Optional[frozenset]) -> bool:
    """True when an error of this validation_error_type fails the run (`fail_on` None: every type)."""
    return fail_on is None or kind in fail_on


def display_path(source: str) -> str:
    """The source as CI tools want it: relative to the working directory when it lies below it.

    A file name that is not UTF-8 holds lone surrogates (os.fsdecode); they are shown escaped.
    """
    if os.path.isabs(source):
        relative = os.path.relpath(source)
        if not relative.startswith(".."):
            return escape_surrogates(relative)
    return escape_surrogates(source)


def artifact_uri(source: str) -> str:
    """A URI reference for SARIF: a relative path with `/` separators, or a file:// URI."""
    path = display_path(source)
    if os.path.isabs(path):
        return "file://" + quote(path.replace(os.sep, "/"))
    return quote(path.replace(os.sep, "/"))
