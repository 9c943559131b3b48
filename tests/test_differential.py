"""Differential tests: random plans and batches, checked against recorded reference output and across kernels.

- golden: tests/golden/random/case_NNNN.* hold generated plans and batches with the output of the
  reference (@mparticle/data-planning-node 1.0.3, recorded by tests/differential/record.py); each
  kernel must reproduce every line byte for byte (error lines: both must be errors);
- plan errors: tests/golden/random/planerr_NNNN.* hold plans the reference fails on once an event
  reaches the bad point; by default the same batches fail, and strict_plan=True refuses the plan;
- kernels agree: freshly generated cases (fixed seeds) give the same bytes from both kernels.

No Node needed: regenerate the golden files with `python tests/differential/record.py`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import validator

HERE = Path(__file__).resolve().parent
RANDOM = HERE / "golden" / "random"
DIFFERENTIAL = HERE / "differential"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"dpv_differential_{name}", DIFFERENTIAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")

# Lines where dpv knowingly differs (documented in the README): none since the `__proto__` prototype
# swap of the reference's null stripping is emulated (case_0069 line 6 is such a batch).
KNOWN_DIFFERENCES: set = set()

CASES = sorted(p.name[: -len(".plan.json")] for p in RANDOM.glob("case_*.plan.json"))
PLAN_ERROR_CASES = sorted(p.name[: -len(".plan.json")] for p in RANDOM.glob("planerr_*.plan.json"))


def _lines(path: Path) -> list:
    # only b"\n" ends a line: U+2028 and friends may sit inside a batch
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _is_error(line: bytes) -> bool:
    return line.startswith(b'{"error":')


def test_golden_random_corpus_present() -> None:
    assert len(CASES) >= 100, "tests/golden/random is missing: run tests/differential/record.py"
    assert sum(len(_lines(RANDOM / f"{name}.batches.ndjson")) for name in CASES) > 2000


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize(
    ("suffix", "compat"),
    [("results", "1.0.3"), ("ua-optional.results", None)],
    ids=["npm-1.0.3", "ua-optional"],
)
def test_golden_random(name: str, kernel: str, suffix: str, compat: object) -> None:
    batches = _lines(RANDOM / f"{name}.batches.ndjson")
    expected = _lines(RANDOM / f"{name}.{suffix}.ndjson")
    assert len(batches) == len(expected)
    v = validator.load_plan(str(RANDOM / f"{name}.plan.json"), compat=compat, kernel=kernel)
    differences = []
    for number, (batch, want) in enumerate(zip(batches, expected), 1):
        got = v.validate_line(batch)
        if got == want:  # error lines too: the reference's text, byte for byte
            assert (name, number) not in KNOWN_DIFFERENCES, f"{name}:{number} now agrees: update the list"
            continue
        if (name, number) in KNOWN_DIFFERENCES:
            continue
        differences.append(
            f"line {number}\n  batch:  {batch.decode()}\n  ours:   {got.decode()}\n  theirs: {want.decode()}"
        )
    assert not differences, f"{name}: {len(differences)} of {len(batches)} lines differ\n" + "\n".join(
        differences[:3]
    )


@pytest.mark.parametrize("name", PLAN_ERROR_CASES)
def test_golden_random_plan_error(name: str, kernel: str) -> None:
    batches = _lines(RANDOM / f"{name}.batches.ndjson")
    results = _lines(RANDOM / f"{name}.results.ndjson")
    assert any(_is_error(line) for line in results), "the reference refused this plan when it was recorded"
    v = validator.load_plan(str(RANDOM / f"{name}.plan.json"), compat="1.0.3", kernel=kernel)
    for number, (batch, want) in enumerate(zip(batches, results), 1):
        got = v.validate_line(batch)
        assert got == want, f"{name}:{number}: {got!r} != {want!r}"
    with pytest.raises(validator.PlanError):
        validator.load_plan(
            str(RANDOM / f"{name}.plan.json"), compat="1.0.3", kernel=kernel, strict_plan=True
        )


# -- both kernels give the same bytes --------------------------------------------------------------

AGREE_SEED = 20240601
AGREE_CASES = 300
AGREE_CHUNKS = 10


def _outcome(plan: object, lines: list, kernel: str, compat: object) -> object:
    try:
        v = validator.load_plan(plan, compat=compat, kernel=kernel)
    except validator.PlanError as exc:
        return ("PlanError", str(exc))
    return [v.validate_line(line.encode("utf-8")) for line in lines]


@pytest.mark.parametrize("chunk", range(AGREE_CHUNKS))
def test_kernels_agree(chunk: int) -> None:
    pytest.importorskip("validator._kernel_c")
    per_chunk = AGREE_CASES // AGREE_CHUNKS
    for index in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        case = generate.generate_case(AGREE_SEED, index, n_batches=10)
        compat = "1.0.3" if index % 2 else None
        py = _outcome(case["plan"], case["lines"], "python", compat)
        c = _outcome(case["plan"], case["lines"], "cython", compat)
        if py == c:
            continue
        if isinstance(py, list) and isinstance(c, list):
            n = next(i for i, (a, b) in enumerate(zip(py, c)) if a != b)
            detail = (
                f"line {n + 1}\n  batch:  {case['lines'][n]}\n"
                f"  python: {py[n].decode()}\n  cython: {c[n].decode()}"
            )
        else:
            detail = f"python: {py if not isinstance(py, list) else 'ok'}\n"
            detail += f"cython: {c if not isinstance(c, list) else 'ok'}"
        pytest.fail(f"kernels disagree on generate_case({AGREE_SEED}, {index}), compat={compat}: {detail}")


def test_generator_is_deterministic() -> None:
    a = generate.generate_case(7, 3)
    b = generate.generate_case(7, 3)
    assert a == b
    assert generate.generate_case(7, 4) != a
