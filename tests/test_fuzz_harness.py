"""The fuzz harness (fuzz/) cannot rot: its one-input functions run here without atheris.

Each target runs on its seed corpus (fuzz/corpus/TARGET) and on every regression input a campaign
found (fuzz/regressions/TARGET). A regression input whose issue is not fixed yet fails here, which is
the point: the test passes once the engine is fixed. The checks themselves are tested on inputs with
a known answer, so a harness that stopped checking would fail too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fuzz import fuzz_readers, fuzz_validate_line
from fuzz._findings import Finding
from fuzz.seeds import all_seeds

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
TARGETS = {"validate_line": fuzz_validate_line, "readers": fuzz_readers}


def _inputs(folder: str) -> list:
    return [
        pytest.param(target, path, id=f"{target}/{path.name}")
        for target in TARGETS
        for path in sorted((FUZZ / folder / target).glob("*"))
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".reference"
    ]


@pytest.mark.parametrize(("target", "path"), _inputs("corpus"))
def test_seed_corpus(target: str, path: Path) -> None:
    TARGETS[target].one_input(path.read_bytes())


@pytest.mark.parametrize(("target", "path"), _inputs("regressions"))
def test_regression_inputs(target: str, path: Path) -> None:
    """Each input passes the target's checks and, where the reference's answer was recorded beside it
    (NAME.reference, from node oracle.js), gives that answer (an error where the reference errs)."""
    reference = path.with_name(path.name + ".reference")
    if not reference.exists():
        TARGETS[target].one_input(path.read_bytes())
        return
    ours = fuzz_validate_line.answer(path.read_bytes())
    theirs = reference.read_bytes().strip()
    if theirs.startswith(b'{"error":'):
        assert ours is not None and ours.startswith(b'{"error":'), f"ours: {ours!r}\nreference: {theirs!r}"
    else:
        assert ours == theirs


def test_seed_corpus_is_what_the_seed_maker_writes() -> None:
    for target, seeds in all_seeds().items():
        on_disk = {p.name: p.read_bytes() for p in (FUZZ / "corpus" / target).iterdir()}
        assert on_disk == dict(seeds), f"fuzz/corpus/{target} is stale: run python -m fuzz seeds"


def test_seeds_reach_every_kind_of_input() -> None:
    plans = set()
    structured = 0
    for path in (FUZZ / "corpus" / "validate_line").iterdir():
        plan, _, _, _ = fuzz_validate_line.decode(path.read_bytes())
        plans.add(plan if isinstance(plan, int) else "made")
        structured += path.read_bytes()[1] & fuzz_validate_line.LINE_FLAG_STRUCTURED != 0
    assert plans == set(range(len(fuzz_validate_line.FIXED_PLANS))) | {"made"}
    assert structured >= 3


# -- the validate_line checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        b'{"results":[],"batch":{}}',
        b'{"error":"not valid JSON"}',
        b'{"results":[{"event_type":"validation_result","data":{"a":"\\ud800"}}],"batch":{}}',
    ],
)
def test_result_check_accepts_the_two_shapes(result: bytes) -> None:
    fuzz_validate_line.check_result(result)


@pytest.mark.parametrize(
    ("result", "kind"),
    [
        (b'{"results":[],"batch":{}}\n', "newline"),
        (b'{"results":[{"event_type":"validation_result","actual":Infinity}],"batch":{}}', "non-json-number"),
        (b'{"results":[{"event_type":"validation_result","actual":NaN}],"batch":{}}', "non-json-number"),
        (b'{"error":"a","error":"b"}', "duplicate-key"),
        (b'{"results":[],"batch":{"a":1}}', "shape"),
        (b'{"batch":{},"results":[]}', "shape"),
        (b'{"results":[{"data":{}}],"batch":{}}', "shape"),
        (b'{"results":[[["event_type","validation_result"]]],"batch":{}}', "shape"),
        (b'{"results":[],"batch":[]}', "shape"),
        (b'{"error":1}', "shape"),
        (b'["error"]', "shape"),
        (b'{"error":"\xff"}', "invalid-utf8-output"),
        (b'{"error":"x"', "invalid-json-output"),
        ("{}", "shape"),
    ],
)
def test_result_check_rejects(result: Any, kind: str) -> None:
    with pytest.raises(Finding) as raised:
        fuzz_validate_line.check_result(result)
    assert raised.value.kind == kind


class _Fixed:
    def __init__(self, answer: Any, backend: str) -> None:
        self.answer, self.backend = answer, backend

    def validate_line(self, line: bytes) -> bytes:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def test_line_check_compares_the_kernels_and_catches_escapes() -> None:
    ok = b'{"results":[],"batch":{}}'
    assert fuzz_validate_line.check_line((_Fixed(ok, "python"), _Fixed(ok, "cython")), b"{}") == ok
    cases = [
        ((_Fixed(ok, "python"), _Fixed(b'{"error":"x"}', "cython")), "kernels-differ"),
        ((_Fixed(RecursionError(), "python"), _Fixed(ok, "cython")), "recursion-error"),
        ((_Fixed(ok, "python"), _Fixed(KeyError("k"), "cython")), "exception"),
    ]
    for pair, kind in cases:
        with pytest.raises(Finding) as raised:
            fuzz_validate_line.check_line(pair, b"{}")
        assert raised.value.kind == kind


def test_structured_lines_carry_the_spliced_texts() -> None:
    # Plan 0, structured: base line 1, one splice at slot 5 of a number from the odd list (1e400).
    data = bytes([0, fuzz_validate_line.LINE_FLAG_STRUCTURED, 1, 0, 5, 0, 7, 0, 0])
    _, _, _, line = fuzz_validate_line.decode(data)
    assert b"1e400" in line
    assert line.count(b"dpv-fuzz") == 0


# -- the readers' model -----------------------------------------------------------------------------


def test_readers_model_matches_the_documented_examples() -> None:
    mixed = b'\xef\xbb\xbf{"a":1}\r\n\n   \t\r\n{"b":2}\nnot json\n[1,2]\n  {"c": "x\\n"}  \n{"d":3'
    got = [(r.line, r.raw) for r in fuzz_readers.expected_records(mixed, "f")]
    assert got == [
        (1, b'{"a":1}'), (4, b'{"b":2}'), (5, b"not json"), (6, b"[1,2]"),
        (7, b'  {"c": "x\\n"}  '), (8, b'{"d":3'),
    ]  # fmt: skip
    broken_first = fuzz_readers.expected_records(b'{"a":\n{"b":2}\n{"c":3}\n', "f")
    assert [r.line for r in broken_first] == [1, 2, 3]
    array = b'\n[\n  {"a": 1},\n\n  [2,\n 3],\n  4\n]\n'
    assert [(r.line, r.batch) for r in fuzz_readers.expected_records(array, "f")] == [
        (3, {"a": 1}), (5, [2, 3]), (7, 4)
    ]  # fmt: skip
    broken = fuzz_readers.expected_records(b'\n[\n {"a": 1},\n', "f")  # not one value: read line by line
    assert [(r.line, r.raw, r.error) for r in broken] == [(2, b"[", None), (3, b' {"a": 1},', None)]


def test_readers_target_sees_a_wrong_record(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FUZZ / "corpus" / "readers" / "mixed").read_bytes()
    fuzz_readers.one_input(data)
    real = fuzz_readers.expected_records
    monkeypatch.setattr(fuzz_readers, "expected_records", lambda body, source: real(body, source)[1:])
    with pytest.raises(Finding) as raised:
        fuzz_readers.one_input(data)
    assert raised.value.kind == "records"


def test_regression_inputs_are_named_for_their_finding() -> None:
    listed = (FUZZ / "regressions" / "README.md").read_text()
    for target in TARGETS:
        for path in sorted((FUZZ / "regressions" / target).glob("*")):
            name = path.name.removesuffix(".reference")
            assert name in listed, f"{path} is not described in fuzz/regressions/README.md"
