"""libFuzzer entry point: python -m fuzz._libfuzzer TARGET [corpus folders and libFuzzer flags].

Only the engine (validator) and the harness (fuzz) are instrumented for coverage, as they are
imported: atheris.instrument_all() would also rewrite the whole standard library and takes minutes.
The Cython kernel is compiled code, so coverage steers by the shared Python code and the Python kernel
(each input runs on both kernels).
"""

from __future__ import annotations

import importlib
import os
import sys

TARGETS = {"validate_line": "fuzz.fuzz_validate_line", "readers": "fuzz.fuzz_readers"}


def main() -> None:
    import atheris

    from fuzz._findings import guarded

    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz._libfuzzer {{{','.join(TARGETS)}}} [libFuzzer arguments]")
    assert "validator" not in sys.modules, "the engine must be imported under instrumentation"
    if os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0"):
        sys.exit("fuzzing compares both kernels: unset DPV_NO_SPEEDUPS")
    with atheris.instrument_imports(include=["validator", "fuzz"]):
        module = importlib.import_module(TARGETS[sys.argv[1]])
    argv = [sys.argv[0], *sys.argv[2:]]
    atheris.Setup(argv, guarded(module.one_input, os.environ.get("DPV_FUZZ_KNOWN_DIR")))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
