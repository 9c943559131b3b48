"""The `sarif` format: SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

validate: one result per validation error, `ruleId` = its validation_error_type, located at the input
file and the batch's line; a batch that could not be validated is one `batch_error` result, an
unreadable input file one `unreadable_file` result. Errors of types the gate ignores are level
`warning`. Results stream as they come; the rules actually used are written at the end.

lint: one result per finding, `ruleId` = the finding's code, located at the plan file and line.
"""

from __future__ import annotations

from typing import IO, Any, Optional

import orjson

from ..jsout import dumps
from .outcome import Outcome, ReportsOthers, Tally
from .violations import BATCH_ERROR, UNREADABLE_FILE, artifact_uri, batch_error, fails, violations

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VALIDATE_RULES = {
    "unplanned": "An event or attribute the data plan does not plan.",
    "missing_required": "A required attribute is missing.",
    "invalid_value": "A value that does not match the plan's type, format, range, pattern or enum.",
    "unknown": "Another schema violation (item or property counts, composition keywords, ...).",
    BATCH_ERROR: "A batch that could not be validated (not JSON, not a batch, or the reference fails on it).",
    UNREADABLE_FILE: "An input file that could not be read.",
}


class SarifLog:
    """Writes one run's results as they come, then the tool, its rules and the invocation."""

    def __init__(self, out: IO[bytes], descriptions: dict) -> None:
        self.out = out
        self.descriptions = descriptions
        self.rules: dict = {}  # rule id -> index, in order of first use
        self.count = 0
        head = {"$schema": SCHEMA_URI, "version": "2.1.0"}
        out.write(orjson.dumps(head)[:-1] + b',"runs":[{"results":[')

    def result(self, rule: str, level: str, message: str, uri: str, line: int, properties: dict) -> None:
        """One result at `uri`, line `line` (0: the whole file)."""
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
        if line > 0:
            location["physicalLocation"]["region"] = {"startLine": line}
        document = {
            "ruleId": rule,
            "ruleIndex": self.rules.setdefault(rule, len(self.rules)),
            "level": level,
            "message": {"text": message or rule},
            "locations": [location],
            "properties": properties,
        }
        try:
            text = orjson.dumps(document)
        except TypeError:  # a value from the batch nested deeper than orjson writes
            text = dumps(document).encode()
        self.out.write((b",\n" if self.count else b"\n") + text)
        self.count += 1

    def close(self, successful: bool) -> None:
        """Write the tool (with the rules used) and the invocation, and end the document."""
        from .. import __version__  # here, not at import: the package imports reports while initialising

        rules = [
            {"id": rule, "shortDescription": {"text": self.descriptions.get(rule, rule)}}
            for rule in self.rules
        ]
        tail = {
            "tool": {
                "driver": {
                    "name": "dpv",
                    "fullName": "dataplan-validator",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": rules,
                }
            },
            "invocations": [{"executionSuccessful": successful}],
            "columnKind": "utf16CodeUnits",
        }
        self.out.write(b"\n]," + orjson.dumps(tail)[1:] + b"]}\n")


class SarifReporter(ReportsOthers):
    """Streams one SARIF result per validation error."""

    def __init__(self, out: IO[bytes], tally: Tally, fail_on: Optional[frozenset] = None) -> None:
        self.tally = tally
        self.fail_on = fail_on
        self.log = SarifLog(out, VALIDATE_RULES)

    def add(self, outcome: Outcome) -> None:
        if outcome.valid:
            return
        uri, line = artifact_uri(outcome.source), max(outcome.line, 1)
        if outcome.failed:
            self.log.result(BATCH_ERROR, "error", batch_error(outcome), uri, line, {})
            return
        for violation in violations(outcome):
            level = "error" if fails(violation.kind, self.fail_on) else "warning"
            properties: Any = {"data_point": violation.data_point, "validation_error": violation.error}
            self.log.result(violation.kind, level, violation.describe(), uri, line, properties)

    def finish(self) -> None:
        for source, message in self.tally.unreadable_files:
            self.log.result(UNREADABLE_FILE, "error", message, artifact_uri(source), 0, {})
        self.log.close(successful=not self.tally.unreadable_files)


def write_lint(out: IO[bytes], reports: list, strict: bool, descriptions: dict) -> None:
    """Lint findings as SARIF results: level `error` for errors (and warnings with --strict).

    reports: lint FileReports (source, findings, usable, ...); descriptions: code -> rule description.
    """
    log = SarifLog(out, descriptions)
    for report in reports:
        uri = artifact_uri(report.source)
        for f in report.findings:
            level = "error" if f.level == "error" or strict else "warning"
            properties = {"data_point": f.data_point, "match": f.match, "pointer": f.pointer}
            log.result(f.code, level, f.headline(), uri, f.line, properties)
    log.close(successful=all(report.usable for report in reports))
