"""The `summary` (human table) and `json` (the same figures for machines) formats."""

from __future__ import annotations

from typing import IO

import orjson

from .outcome import Block, Outcome, Tally


class JsonReporter:
    """One JSON document with totals and counts, written at the end."""

    def __init__(self, out: IO[bytes], tally: Tally) -> None:
        self.out = out
        self.tally = tally

    takes_blocks = True  # valid batches add nothing here

    def add_block(self, block: Block) -> None:
        for _, outcome in block.others:
            self.add(outcome)

    def add(self, outcome: Outcome) -> None:
        return None  # the shared Tally already counted it

    def finish(self) -> None:
        self.out.write(orjson.dumps(self.tally.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")


class SummaryReporter(JsonReporter):
    """Totals, then counts per data point and per error type, then the most frequent violations."""

    def finish(self) -> None:
        data = self.tally.as_dict(top=15)
        lines = ["Totals"]
        lines += [f"  {name.replace('_', ' '):<17}{value:>12,}" for name, value in data["totals"].items()]
        if data["per_data_point"]:
            lines += ["", "Results per data point"]
            lines += [f"  {count:>10,}  {label}" for label, count in data["per_data_point"].items()]
        if data["per_error_type"]:
            lines += ["", "Errors per validation_error_type"]
            lines += [f"  {count:>10,}  {kind}" for kind, count in data["per_error_type"].items()]
        if data["top_violations"]:
            lines += ["", "Most frequent violations (count, type, data point, pointer, first seen at)"]
            for item in data["top_violations"]:
                lines.append(
                    f"  {item['count']:>10,}  {item['validation_error_type']:<17} {item['data_point']}  "
                    f"{item['error_pointer']}  ({item['example']})"
                )
        if data["batch_errors"]:
            lines += ["", "Batches that could not be validated"]
            for item in data["batch_errors"]:
                lines.append(f"  {item['count']:>10,}  {item['error']}  ({item['example']})")
        for item in data["unreadable_files"]:
            lines.append(f"unreadable file {item['file']}: {item['error']}")
        self.out.write(("\n".join(lines) + "\n").encode())
