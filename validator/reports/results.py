"""The `results` format: one validate-endpoint line per input batch, in input order."""

from __future__ import annotations

from typing import IO

from ..jsout import quote
from .outcome import Outcome


class ResultsReporter:
    """Writes each result line as the engine produced it; error lines always carry their source."""

    def __init__(self, out: IO[bytes], with_source: bool = False) -> None:
        self.out = out
        self.with_source = with_source

    def add(self, outcome: Outcome) -> None:
        line = outcome.result
        if self.with_source or outcome.failed:
            # quote: a file name that is not UTF-8 holds lone surrogates (os.fsdecode), which orjson refuses
            source = '{"file":' + quote(outcome.source) + ',"line":' + str(outcome.line) + "}"
            line = line[:-1] + b',"source":' + source.encode() + b"}"
        self.out.write(line + b"\n")

    def finish(self) -> None:
        return None
