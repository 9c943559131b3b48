"""The `github` format: GitHub Actions workflow commands, so violations show as annotations on the diff.

validate: one `::error file=F,line=L,title=T::message` per invalid batch, its validation errors one per
message line (at most MAX_LINES); a batch whose errors all have types the gate ignores (--fail-on,
--ignore-unplanned) is a `::warning`. Then one `::error` per unreadable input file and a `::notice`
with the totals. Every line is a workflow command; values are escaped as GitHub's toolkit does.
"""

from __future__ import annotations

from typing import IO, Optional

from .outcome import Outcome, ReportsOthers, Tally
from .violations import batch_error, display_path, fails, violations

MAX_LINES = 20  # a batch's annotation lists this many errors, then says how many more there are


def escape_data(value: str) -> str:
    """A command's message: `%`, CR and LF are percent-encoded (toolkit `escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command property value: as data, plus `:` and `,` (toolkit `escapeProperty`)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> bytes:
    """One workflow command line, `::level k=v,k=v::message`."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None
    )
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}\n".encode()


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


class GitHubReporter(ReportsOthers):
    """Streams one annotation per batch that is not valid."""

    def __init__(self, out: IO[bytes], tally: Tally, fail_on: Optional[frozenset] = None) -> None:
        self.out = out
        self.tally = tally
        self.fail_on = fail_on

    def add(self, outcome: Outcome) -> None:
        if outcome.valid:
            return
        where = {"file": display_path(outcome.source), "line": max(outcome.line, 1)}
        if outcome.failed:
            self.out.write(command("error", batch_error(outcome), **where, title="dpv batch not validated"))
            return
        found = violations(outcome)
        level = "error" if any(fails(v.kind, self.fail_on) for v in found) else "warning"
        lines = [v.describe() for v in found[:MAX_LINES]]
        if len(found) > MAX_LINES:
            lines.append(f"... and {len(found) - MAX_LINES} more")
        kinds = ", ".join(dict.fromkeys(v.kind for v in found))
        title = f"dpv {_plural(len(found), 'validation error')} ({kinds})"
        self.out.write(command(level, "\n".join(lines), **where, title=title))

    def finish(self) -> None:
        for source, message in self.tally.unreadable_files:
            self.out.write(command("error", message, file=display_path(source), title="dpv unreadable input"))
        t = self.tally
        totals = (
            f"{_plural(t.batches, 'batch', 'batches')}: {t.valid} valid, {t.invalid} invalid, "
            f"{t.unreadable} not validated; {_plural(len(t.unreadable_files), 'unreadable file')}"
        )
        if t.per_type:  # the Tally is detailed for this format
            totals += "; errors by type: " + ", ".join(
                f"{kind} {count}" for kind, count in t.per_type.most_common()
            )
        self.out.write(command("notice", totals, title="dpv validate"))


def write_lint(out: IO[bytes], reports: list, strict: bool) -> None:
    """Lint findings as annotations on the plan files: `::error` for errors (and warnings with --strict).

    reports: lint FileReports (source, findings, ...).
    """
    for report in reports:
        for f in report.findings:
            level = "error" if f.level == "error" or strict else "warning"
            where = {"file": display_path(report.source), "line": f.line or None}
            out.write(command(level, f.headline(), **where, title=f"dpv lint {f.code}"))
