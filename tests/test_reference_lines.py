"""`--reference-lines`: the reference's line reader, restored (README, deliberate differences).

By default dpv skips a BOM opening a file, ends lines at LF only, refuses JSON lines that are not batch
objects and reads a pretty-printed document whole; with the flag each of those gives the reference's
output (tests/data/reference_lines, recorded with the oracle). Error lines differ only by the `source`
member the results format always adds to them.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "reference_lines"


def _run(*args: str, stdin: bytes = b"") -> tuple:
    done = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--compat", "1.0.3", "-q", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    return done.returncode, done.stdout


def _without_source(output: bytes) -> list:
    lines = []
    for line in output.splitlines():
        if line.startswith(b'{"error":'):
            value = json.loads(line)
            value.pop("source", None)
            line = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        lines.append(line)
    return lines


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("shape", ["plain", "gzip", "stdin"])
def test_reference_lines_give_the_references_output(shape: str, jobs: str, tmp_path: Path) -> None:
    data = (DATA / "batches.ndjson").read_bytes()
    plan = str(DATA / "plan.json")
    if shape == "stdin":
        code, out = _run("--plan", plan, "--reference-lines", "--jobs", jobs, "-", stdin=data)
    else:
        path = tmp_path / ("in.ndjson.gz" if shape == "gzip" else "in.ndjson")
        path.write_bytes(gzip.compress(data) if shape == "gzip" else data)
        code, out = _run("--plan", plan, "--reference-lines", "--jobs", jobs, str(path))
    assert code == 1
    assert _without_source(out) == (DATA / "results.ndjson").read_bytes().splitlines()


def test_default_reader_differs_where_documented(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes((DATA / "batches.ndjson").read_bytes())
    _, out = _run("--plan", str(DATA / "plan.json"), str(path))
    ours = _without_source(out)
    theirs = (DATA / "results.ndjson").read_bytes().splitlines()
    assert len(ours) != len(theirs)  # lone CRs end no line by default
    assert ours[0] == b'{"results":[],"batch":{}}' and theirs[0].startswith(b'{"error":"Unexpected token')
    assert json.loads(ours[1])["error"].startswith("the line is JSON but an array")
    assert theirs[1] == b'{"results":[],"batch":{}}'


def test_a_document_is_lines_with_reference_lines(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b'[\n  {"events": []},\n  {"events": []}\n]\n')
    plan = str(DATA / "plan.json")
    assert _run("--plan", plan, str(path))[1].count(b"\n") == 2  # one batch per element
    code, out = _run("--plan", plan, "--reference-lines", str(path))
    assert out.count(b"\n") == 4  # four lines, each JSON.parse'd: three errors and a valid batch
