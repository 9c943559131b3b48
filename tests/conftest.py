"""Shared fixtures: every kernel-dependent test runs once per kernel (ids py-kernel / c-kernel)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from validator import _kernel

GOLDEN = Path(__file__).resolve().parent / "golden"


def _compiled_available() -> bool:
    try:
        _kernel.load("cython")
    except ImportError:
        return False
    return True


def _kernel_params() -> list:
    compiled = pytest.param(
        "cython",
        id="c-kernel",
        marks=pytest.mark.skipif(
            os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0") or not _compiled_available(),
            reason="compiled kernel not built (or DPV_NO_SPEEDUPS set)",
        ),
    )
    return [pytest.param("python", id="py-kernel"), compiled]


@pytest.fixture(params=_kernel_params())
def kernel(request: pytest.FixtureRequest) -> str:
    """The kernel name to pass to load_plan(..., kernel=...)."""
    return str(request.param)
