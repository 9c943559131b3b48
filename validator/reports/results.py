"""The `results` format: one validate-endpoint line per input batch, in input order."""

from __future__ import annotations

from typing import IO

import orjson

from .outcome import Outcome


class ResultsReporter:
    """Writes each result line as the engine produced it; error lines always carry their source."""

    def __init__(self, out: IO[bytes], with_source: bool = False) -> None:
        self.out = out
        self.with_source = with_source

    def add(self, outcome: Outcome) -> None:
        line = outcome.result
        if self.with_source or outcome.failed:
            source = orjson.dumps({"file": outcome.source, "line": outcome.line})
            line = line[:-1] + b',"source":' + source + b"}"
        self.out.write(line + b"\n")

    def finish(self) -> None:
        return None
