"""The `junit` format: JUnit XML (Jenkins' junit-10.xsd shape) that Jenkins, GitLab and others read.

validate: one <testsuite> per input file, one <testcase name="line N"> per batch. A batch with an error
whose type fails the run (see --fail-on) gets a <failure> listing its validation errors; errors the
gate ignores go to <system-out>, so the case passes; a batch that could not be validated gets <error>.
Unreadable input files come last, as a suite with one <error> case each.

lint: one <testsuite> per plan file, a <testcase> for the file itself and one per data point.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from typing import IO, Any, Optional
from xml.sax.saxutils import escape, quoteattr

from .outcome import Outcome, Tally
from .violations import BATCH_ERROR, UNREADABLE_FILE, batch_error, display_path, fails, violations

HEADER = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry even escaped (controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A suite's test cases stay in memory up to this size, then spill to a temp file.
SPOOL_BYTES = 8 << 20
# The data point a lint finding belongs to (version document pointers never hold "/data_points/").
_POINT = re.compile(r".*?/data_points/\d+(?=/|$)")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def attr(value: Any) -> str:
    """An XML attribute value, quoted, with newlines kept as character references."""
    return quoteattr(_clean(str(value)))


def text(value: str) -> str:
    """XML character data."""
    return escape(_clean(value), {"\r": "&#13;"})


def element(name: str, message: str, kind: str, body: str) -> str:
    """`<failure>` / `<error>` with a message, a type and a body."""
    return f"<{name} message={attr(message)} type={attr(kind)}>{text(body)}</{name}>"


class JUnitReporter:
    """Streams suites: a file's test cases are spooled until the next file starts, then written whole."""

    def __init__(self, out: IO[bytes], tally: Tally, fail_on: Optional[frozenset] = None) -> None:
        self.out = out
        self.tally = tally
        self.fail_on = fail_on
        self.source: Optional[str] = None
        self.cases: Any = None
        self.tests = self.failures = self.errors = 0
        out.write(HEADER + b'<testsuites name="dpv validate">\n')

    def add(self, outcome: Outcome) -> None:
        if outcome.source != self.source:
            self._close_suite()
            self.source = outcome.source
            # Closed in _close_suite: a suite's spool lives exactly as long as its input file's outcomes.
            self.cases = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.tests += 1
        classname = attr(display_path(outcome.source))
        head = f"    <testcase name={attr(f'line {outcome.line}')} classname={classname}"
        if outcome.valid:
            self.cases.write(f"{head}/>\n".encode())
            return
        body = []
        if outcome.failed:
            self.errors += 1
            message = batch_error(outcome)
            body.append(element("error", message, BATCH_ERROR, message))
        else:
            found = violations(outcome)
            failing = [v for v in found if fails(v.kind, self.fail_on)]
            ignored = [v for v in found if not fails(v.kind, self.fail_on)]
            if failing:
                self.failures += 1
                kinds = ",".join(dict.fromkeys(v.kind for v in failing))
                count = len(failing)
                message = f"{count} validation error{'s' if count != 1 else ''} ({kinds})"
                body.append(element("failure", message, kinds, "\n".join(v.describe() for v in failing)))
            if ignored:
                lines = "\n".join(v.describe() for v in ignored)
                body.append(
                    f"<system-out>{text('not failing the run (--fail-on):' + chr(10) + lines)}</system-out>"
                )
        self.cases.write(f"{head}>{''.join(body)}</testcase>\n".encode())

    def _close_suite(self) -> None:
        if self.source is None:
            return
        name = attr(display_path(self.source))
        self.out.write(
            f'  <testsuite name={name} tests="{self.tests}" failures="{self.failures}" '
            f'errors="{self.errors}" skipped="0" file={name}>\n'.encode()
        )
        self.cases.seek(0)
        shutil.copyfileobj(self.cases, self.out)
        self.cases.close()
        self.out.write(b"  </testsuite>\n")
        self.source, self.cases = None, None
        self.tests = self.failures = self.errors = 0

    def finish(self) -> None:
        self._close_suite()
        for source, message in self.tally.unreadable_files:
            name = attr(display_path(source))
            case = element("error", message, UNREADABLE_FILE, message)
            self.out.write(
                f'  <testsuite name={name} tests="1" failures="0" errors="1" skipped="0" file={name}>\n'
                f'    <testcase name="read file" classname={name}>{case}</testcase>\n'
                "  </testsuite>\n".encode()
            )
        self.out.write(b"</testsuites>\n")


def write_lint(out: IO[bytes], reports: list, strict: bool) -> None:
    """Lint findings as JUnit: errors (and warnings with --strict) fail a case; other warnings are output.

    reports: lint FileReports (source, findings, usable, points).
    """
    parts = [HEADER.decode(), '<testsuites name="dpv lint">\n']
    for report in reports:
        name = attr(display_path(report.source))
        cases = []  # (case name, findings)
        by_point: dict = {}  # data point pointer -> its findings
        for f in report.findings:
            owner = _POINT.match(f.pointer) if f.data_point is not None else None
            by_point.setdefault(owner.group() if owner else "", []).append(f)
        cases.append(("plan file", by_point.get("", [])))
        versions = {p.version for p in report.points}
        for point in report.points:
            mine = by_point.get(point.pointer, [])
            label = f"data point {point.data_point}" + (f" ({point.match})" if point.match else "")
            cases.append((f"{point.version} {label}" if len(versions) > 1 else label, mine))
        failures = errors = 0
        lines = []
        for case_name, findings in cases:
            body = ""
            failing = [f for f in findings if f.level == "error" or strict]
            passing = [f for f in findings if not (f.level == "error" or strict)]
            if failing:
                described = "\n".join(f"line {f.line}: {f.level} [{f.code}] {f.headline()}" for f in failing)
                codes = ",".join(dict.fromkeys(f.code for f in failing))
                count = len(failing)
                message = f"{count} problem{'s' if count != 1 else ''} ({codes})"
                if report.usable:
                    failures += 1
                    body += element("failure", message, codes, described)
                else:
                    errors += 1
                    body += element("error", message, codes, described)
            if passing:
                described = "\n".join(f"line {f.line}: {f.level} [{f.code}] {f.headline()}" for f in passing)
                body += f"<system-out>{text(described)}</system-out>"
            head = f"    <testcase name={attr(case_name)} classname={name}"
            lines.append(f"{head}>{body}</testcase>\n" if body else f"{head}/>\n")
        parts.append(
            f'  <testsuite name={name} tests="{len(cases)}" failures="{failures}" errors="{errors}" '
            f'skipped="0" file={name}>\n'
        )
        parts.extend(lines)
        parts.append("  </testsuite>\n")
    parts.append("</testsuites>\n")
    out.write("".join(parts).encode())
