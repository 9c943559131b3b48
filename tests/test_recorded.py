"""Cases recorded from the reference (golden/recorded/README.md): every line, both kernels, both UA modes."""

from __future__ import annotations

from pathlib import Path

import pytest

import validator

RECORDED = Path(__file__).resolve().parent / "golden" / "recorded"
MODES = {".results.ndjson": "1.0.3", ".ua-optional.results.ndjson": None}
# Error lines too compare byte for byte: dpv words what the reference throws as V8 and ajv do
# (JSON.parse's messages, ajv's compile errors, TypeErrors, stack overflows).


def _cases() -> list:
    found = []
    for results in sorted(RECORDED.glob("*.results.ndjson")):
        optional = results.name.endswith(".ua-optional.results.ndjson")
        suffix = ".ua-optional.results.ndjson" if optional else ".results.ndjson"
        name = results.name[: -len(suffix)]
        found.append(pytest.param(name, MODES[suffix], results, id=results.name[: -len(".ndjson")]))
    return found


def _lines(path: Path) -> list:
    lines = path.read_bytes().split(b"\n")
    return lines[:-1] if lines and lines[-1] == b"" else lines


@pytest.mark.parametrize(("name", "compat", "results"), _cases())
def test_recorded(kernel: str, name: str, compat: object, results: Path) -> None:
    v = validator.load_plan(str(RECORDED / f"{name}.plan.json"), compat=compat, kernel=kernel)
    batches, expected = _lines(RECORDED / f"{name}.batches.ndjson"), _lines(results)
    assert len(batches) == len(expected)
    for number, (line, want) in enumerate(zip(batches, expected), 1):
        got = v.validate_line(line)
        assert got == want, f"{name}:{number}\n ours:   {got!r}\n theirs: {want!r}"


def test_recorded_cases_present() -> None:
    assert len(_cases()) >= 2
