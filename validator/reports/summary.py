"""The `summary` (human table) and `json` (the same figures for machines) formats."""

from __future__ import annotations

from typing import IO

import orjson

from .contract import SCHEMA_VERSION
from .outcome import Outcome, ReportsOthers, Tally
from .style import PLAIN, Style


class JsonReporter(ReportsOthers):
    """One JSON document with totals and counts, written at the end."""

    def __init__(self, out: IO[bytes], tally: Tally, style: Style = PLAIN) -> None:
        self.out = out
        self.tally = tally
        self.style = style

    def add(self, outcome: Outcome) -> None:
        return None  # the shared Tally already counted it

    def finish(self) -> None:
        document = {"schema_version": SCHEMA_VERSION, **self.tally.as_dict()}
        self.out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


_TOTAL_COLOURS = {"valid": "green", "invalid": "red", "unreadable": "red", "unreadable_files": "red"}


class SummaryReporter(JsonReporter):
    """Totals, then counts per data point and per error type, then the most frequent violations."""

    def finish(self) -> None:
        data = self.tally.as_dict(top=15)
        paint = self.style
        lines = [paint("Totals", "bold")]
        for name, value in data["totals"].items():
            line = f"  {name.replace('_', ' '):<17}{value:>12,}"
            lines.append(paint(line, _TOTAL_COLOURS.get(name, "")) if value else line)
        if data["per_data_point"]:
            lines += ["", paint("Results per data point", "bold")]
            lines += [f"  {count:>10,}  {label}" for label, count in data["per_data_point"].items()]
        if data["per_error_type"]:
            lines += ["", paint("Errors per validation_error_type", "bold")]
            lines += [
                f"  {count:>10,}  {paint(kind, 'red')}" for kind, count in data["per_error_type"].items()
            ]
        if data["top_violations"]:
            heading = "Most frequent violations (count, type, data point, pointer, first seen at)"
            lines += ["", paint(heading, "bold")]
            for item in data["top_violations"]:
                kind = paint(f"{item['validation_error_type']:<17}", "red")
                lines.append(
                    f"  {item['count']:>10,}  {kind} {item['data_point']}  {item['error_pointer']}  "
                    + paint(f"({item['example']})", "dim")
                )
        if data["batch_errors"]:
            lines += ["", paint("Batches that could not be validated", "bold")]
            for item in data["batch_errors"]:
                lines.append(f"  {item['count']:>10,}  {paint(item['error'], 'red')}  ({item['example']})")
        for item in data["unreadable_files"]:
            lines.append(paint(f"unreadable file {item['file']}: {item['error']}", "red"))
        self.out.write(("\n".join(lines) + "\n").encode())
