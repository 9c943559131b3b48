"""The compiled kernel is really used when it was required (CI never tests the fallback by accident)."""

from __future__ import annotations

import os

import pytest

import validator
from validator import _kernel


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


@pytest.mark.skipif(not _flag("DPV_REQUIRE_SPEEDUPS"), reason="compiled kernel not required in this run")
def test_compiled_kernel_loaded_when_required() -> None:
    assert validator.BACKEND == "cython"
    assert _kernel.load("cython").NAME == "cython"


@pytest.mark.skipif(not _flag("DPV_NO_SPEEDUPS"), reason="pure-Python run not requested")
def test_pure_kernel_forced() -> None:
    assert validator.BACKEND == "python"


def test_unknown_kernel_name_is_refused() -> None:
    with pytest.raises(ValueError, match="kernel must be one of"):
        _kernel.load("rust")


def test_both_kernels_answer_identically_on_the_examples(kernel: str) -> None:
    import gzip
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples"
    plan = validator.load_plan(str(root / "plan.json"), kernel=kernel)
    assert plan.backend == kernel
    reference = (
        (Path(__file__).resolve().parent / "golden" / "examples.results.ndjson").read_bytes().splitlines()
    )
    lines = gzip.decompress((root / "batches.ndjson.gz").read_bytes()).splitlines()
    assert [plan.validate_line(line) for line in lines] == reference
