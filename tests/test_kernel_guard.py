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


@pytest.mark.skipif(not _flag("DPV_REQUIRE_SPEEDUPS"), reason="compiled kernel not required in this run")
def test_native_front_end_loaded_when_required() -> None:
    kernel = _kernel.load("cython")
    assert kernel.FRONT_ERROR is None
    if not _flag("DPV_NO_NATIVE"):
        from pathlib import Path

        plan = validator.load_plan(str(Path(__file__).resolve().parents[1] / "examples" / "plan.json"))
        assert plan._single is not None and plan._single.front is not None


def test_missing_front_end_is_fatal_only_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        compiled = _kernel.load("cython")
    except ImportError:
        pytest.skip("compiled kernel not built")
    monkeypatch.setattr(compiled, "FRONT_ERROR", "No module named 'validator._native'")
    monkeypatch.setenv("DPV_REQUIRE_SPEEDUPS", "1")
    monkeypatch.delenv("DPV_NO_NATIVE", raising=False)
    with pytest.raises(ImportError, match="native front end"):
        _kernel.load("cython")
    monkeypatch.setenv("DPV_NO_NATIVE", "1")  # asked for the plain compiled kernel: no front end needed
    assert _kernel.load("cython") is compiled
    monkeypatch.setenv("DPV_REQUIRE_SPEEDUPS", "0")
    monkeypatch.delenv("DPV_NO_NATIVE")
    assert _kernel.load("cython") is compiled


def test_compiled_kernel_without_front_end_gives_the_same_bytes() -> None:
    """A build whose native front end failed (setup.py warns and goes on) runs the plain compiled kernel."""
    import subprocess
    import sys
    from pathlib import Path

    try:
        _kernel.load("cython")
    except ImportError:
        pytest.skip("compiled kernel not built")
    root = Path(__file__).resolve().parents[1]
    code = (
        "import gzip, sys\n"
        "sys.modules['validator._native'] = None  # as if it had not been built\n"
        "import validator\n"
        "from validator import _kernel_c\n"
        "assert _kernel_c.FRONT_ERROR is not None\n"
        "v = validator.load_plan(sys.argv[1] + '/examples/plan.json', kernel='cython')\n"
        "assert v._single.front is None\n"
        "text = gzip.decompress(open(sys.argv[1] + '/examples/batches.ndjson.gz', 'rb').read())\n"
        "lines = text.splitlines()\n"
        "sys.stdout.buffer.write(b''.join(v.validate_line(line) + b'\\n' for line in lines))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DPV_REQUIRE_SPEEDUPS", "DPV_NO_SPEEDUPS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, env=env, check=True)
    expected = (root / "tests" / "golden" / "examples.results.ndjson").read_bytes()
    assert done.stdout.splitlines() == expected.splitlines()
