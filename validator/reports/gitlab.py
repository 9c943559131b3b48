"""The `gitlab` format: a GitLab Code Quality report (a JSON array of issues), for validate and lint.

Each issue has `description`, `check_name` (the validation_error_type, `batch_error`, `unreadable_file`,
or the lint code), `fingerprint`, `severity` and `location` {`path`, `lines` {`begin`}}. GitLab tells new
issues from fixed ones by fingerprint, so a fingerprint is stable across runs and unique in a report:
a hash of where, what and the wording, and for an issue repeated word for word (two events of one batch
with the same error) its ordinal. validate streams the array: memory does not grow with the issues.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import IO, Optional

import orjson

from .outcome import Outcome, ReportsOthers, Tally
from .violations import BATCH_ERROR, UNREADABLE_FILE, batch_error, display_path, fails, violations

# severity: Code Quality's scale is info, minor, major, critical, blocker.
FAILING, NOT_FAILING, NOT_VALIDATED, UNREADABLE = "major", "minor", "critical", "blocker"


class IssueWriter:
    """Writes issues into one JSON array, each with a fingerprint unique in it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.seen: Counter = Counter()
        self.count = 0
        out.write(b"[")

    def issue(self, check_name: str, description: str, severity: str, path: str, line: int) -> None:
        key = "\0".join((path, str(line), check_name, description))
        self.seen[key] += 1
        ordinal = self.seen[key]
        fingerprint = hashlib.sha256(f"{key}\0{ordinal}".encode("utf-8", "surrogatepass")).hexdigest()
        issue = {
            "description": description,
            "check_name": check_name,
            "fingerprint": fingerprint,
            "severity": severity,
            "location": {"path": path, "lines": {"begin": max(line, 1)}},
        }
        self.out.write(b"\n  " if self.count == 0 else b",\n  ")
        self.out.write(orjson.dumps(issue))
        self.count += 1

    def close(self) -> None:
        self.out.write(b"\n]\n" if self.count else b"]\n")


class GitLabReporter(ReportsOthers):
    """One issue per validation error, per batch that could not be validated, per unreadable file."""

    def __init__(self, out: IO[bytes], tally: Tally, fail_on: Optional[frozenset] = None) -> None:
        self.tally = tally
        self.fail_on = fail_on
        self.issues = IssueWriter(out)

    def add(self, outcome: Outcome) -> None:
        if outcome.valid:
            return
        path = display_path(outcome.source)
        if outcome.failed:
            self.issues.issue(BATCH_ERROR, batch_error(outcome), NOT_VALIDATED, path, outcome.line)
            return
        for found in violations(outcome):
            severity = FAILING if fails(found.kind, self.fail_on) else NOT_FAILING
            self.issues.issue(found.kind, found.describe(), severity, path, outcome.line)

    def finish(self) -> None:
        for source, message in self.tally.unreadable_files:
            self.issues.issue(UNREADABLE_FILE, message, UNREADABLE, display_path(source), 1)
        self.issues.close()


def write_lint(out: IO[bytes], reports: list, strict: bool) -> None:
    """Lint findings as issues: errors major (unreadable files blocker), warnings minor (--strict: major).

    reports: lint FileReports (source, findings, usable).
    """
    issues = IssueWriter(out)
    for report in reports:
        for f in report.findings:
            if not report.usable:
                severity = UNREADABLE
            elif f.level == "error" or strict:
                severity = FAILING
            else:
                severity = NOT_FAILING
            issues.issue(f.code, f.headline(), severity, display_path(report.source), f.line or 1)
    issues.close()
