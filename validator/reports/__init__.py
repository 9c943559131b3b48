"""Reporters: receive one Outcome per input batch, in input order, and write a format.

`results` streams the validate endpoint's lines; `summary` and `json` print totals at the end;
`junit`, `github`, `sarif` and `gitlab` are for CI (test reports, annotations on the diff, code
scanning, GitLab Code Quality).
Every reporter gets the same Tally, so counts never differ between formats.
"""

from __future__ import annotations

from typing import IO, Any

from .outcome import Block, Outcome, Tally
from .results import ResultsReporter
from .style import PLAIN
from .summary import JsonReporter, SummaryReporter

FORMATS = ("results", "summary", "json", "junit", "github", "sarif", "gitlab")
# Formats that parse each result (the Tally must be detailed for them; see the CLI).
DETAILED_FORMATS = frozenset({"summary", "json", "junit", "github", "sarif"})


def make_reporter(name: str, out: IO[bytes], tally: Tally, **options: Any) -> Any:
    """The reporter for format `name`, writing to the binary stream `out`.

    options: `with_source` and `error_source` (results), `fail_on` (junit, github, sarif, gitlab: the
    validation_error_types that fail the run, None for all; errors of other types are shown as
    warnings), `style` (summary: a Style for colour).
    """
    if name == "results":
        return ResultsReporter(
            out,
            with_source=bool(options.get("with_source")),
            error_source=bool(options.get("error_source", True)),
        )
    if name == "summary":
        return SummaryReporter(out, tally, style=options.get("style") or PLAIN)
    if name == "json":
        return JsonReporter(out, tally)
    if name == "junit":
        from .junit import JUnitReporter  # CI formats load on demand (start-up of the common path)

        return JUnitReporter(out, tally, fail_on=options.get("fail_on"))
    if name == "github":
        from .github import GitHubReporter

        return GitHubReporter(out, tally, fail_on=options.get("fail_on"))
    if name == "sarif":
        from .sarif import SarifReporter

        return SarifReporter(out, tally, fail_on=options.get("fail_on"))
    if name == "gitlab":
        from .gitlab import GitLabReporter

        return GitLabReporter(out, tally, fail_on=options.get("fail_on"))
    raise ValueError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "Block",
    "DETAILED_FORMATS",
    "FORMATS",
    "JsonReporter",
    "Outcome",
    "ResultsReporter",
    "SummaryReporter",
    "Tally",
    "make_reporter",
]
