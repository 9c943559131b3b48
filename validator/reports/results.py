"""The `results` format: one validate-endpoint line per input batch, in input order."""

from __future__ import annotations

from typing import IO

from ..jsout import quote
from .outcome import Block, Outcome


class ResultsReporter:
    """Writes each result line as the engine produced it; error lines carry their source unless told not."""

    def __init__(self, out: IO[bytes], with_source: bool = False, error_source: bool = True) -> None:
        self.out = out
        self.with_source = with_source
        self.error_source = error_source  # False: error lines exactly as the reference writes them
        self.takes_blocks = not with_source  # with sources, each line needs its own Outcome

    def add(self, outcome: Outcome) -> None:
        self.out.write(self._line(outcome) + b"\n")

    def add_block(self, block: Block) -> None:
        results = block.results
        if not results:
            return
        if not self.error_source:
            self.out.write(b"\n".join(results) + b"\n")
            return
        failed = [(ordinal, outcome) for ordinal, outcome in block.others if outcome.failed]
        if failed:
            results = list(results)
            for ordinal, outcome in failed:
                results[ordinal] = self._line(outcome)
        self.out.write(b"\n".join(results) + b"\n")

    def _line(self, outcome: Outcome) -> bytes:
        line = outcome.result
        if self.with_source or (outcome.failed and self.error_source):
            # quote: a file name that is not UTF-8 holds lone surrogates (os.fsdecode), which orjson refuses
            source = '{"file":' + quote(outcome.source) + ',"line":' + str(outcome.line) + "}"
            line = line[:-1] + b',"source":' + source.encode() + b"}"
        return line

    def finish(self) -> None:
        return None
