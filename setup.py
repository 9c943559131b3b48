"""Build the optional Cython kernel; fall back to pure Python unless the build is required.

DPV_REQUIRE_SPEEDUPS=1 makes a failed build fatal (CI uses it so it never silently tests the fallback).
DPV_NO_SPEEDUPS=1 skips the build entirely.
"""

import os
import sys
import warnings

from setuptools import setup
from setuptools.command.build_ext import build_ext

REQUIRE = os.environ.get("DPV_REQUIRE_SPEEDUPS", "") not in ("", "0")
SKIP = os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0")


class OptionalBuildExt(build_ext):
    """build_ext that downgrades a failed compile to a loud warning unless the build is required."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, missing headers...
            self._fallback(exc)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._fallback(exc)

    def _fallback(self, exc: Exception) -> None:
        if REQUIRE:
            raise
        warnings.warn(
            f"dataplan-validator: the Cython kernel could not be built ({exc}); "
            "installing the pure-Python kernel, which is several times slower.",
            stacklevel=1,
        )
        print("*" * 72, file=sys.stderr)
        print("WARNING: Cython kernel not built; using the pure-Python kernel.", file=sys.stderr)
        print("*" * 72, file=sys.stderr)


def extensions():  # type: ignore[no-untyped-def]
    if SKIP:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        if REQUIRE:
            raise RuntimeError("DPV_REQUIRE_SPEEDUPS is set but Cython is not installed") from exc
        warnings.warn("Cython is not installed; installing the pure-Python kernel.", stacklevel=1)
        return []
    from setuptools import Extension

    ext = Extension("validator._kernel_c", ["_speedups/_kernel_c.pyx"], extra_compile_args=["-O3"])
    return cythonize(
        [ext],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
