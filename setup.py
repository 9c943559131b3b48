"""Build the optional Cython kernel and its native front end; fall back unless the build is required.

Two extensions: `validator._kernel_c` (the compiled kernel) and `validator._native` (the front end
that validates lines on a yyjson DOM, compiled with yyjson.c from the pinned `yyjson` package on
PyPI, whose wheel ships the C sources; they are never copied into this repository).
Without the front end the compiled kernel parses lines with orjson; without the kernel, the
pure-Python kernel runs.

DPV_REQUIRE_SPEEDUPS=1 makes a failed build of either fatal (CI uses it so it never silently tests
a fallback). DPV_NO_SPEEDUPS=1 skips the build entirely.
"""

import os
import sys
import warnings

from setuptools import setup
from setuptools.command.build_ext import build_ext

REQUIRE = os.environ.get("DPV_REQUIRE_SPEEDUPS", "") not in ("", "0")
SKIP = os.environ.get("DPV_NO_SPEEDUPS", "") not in ("", "0")
# The yyjson release whose C sources the front end is built and tested with (yyjson 0.10.0 inside);
# keep in step with [build-system] requires in pyproject.toml.
YYJSON_PIN = "4.0.6"
FALLBACKS = {
    "validator._kernel_c": "the Cython kernel could not be built; installing the pure-Python kernel, "
    "which is several times slower",
    "validator._native": "the native front end could not be built; the compiled kernel will parse "
    "every line into Python objects, which is slower (up to 2.5x on valid data)",
}


def _warn(message: str) -> None:
    warnings.warn(f"dataplan-validator: {message}", stacklevel=1)
    print("*" * 72, file=sys.stderr)
    print(f"WARNING: {message}", file=sys.stderr)
    print("*" * 72, file=sys.stderr)


class OptionalBuildExt(build_ext):
    """build_ext that downgrades a failed compile to a loud warning unless the build is required."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, missing headers...
            self._fallback(exc, "the extensions could not be built; installing the pure-Python kernel")

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._fallback(exc, FALLBACKS.get(ext.name, f"{ext.name} could not be built"))

    def _fallback(self, exc: Exception, message: str) -> None:
        if REQUIRE:
            raise
        _warn(f"{message} ({exc})")


def yyjson_sources() -> str:
    """The directory holding yyjson.c and yyjson.h of the installed, pinned `yyjson` package.

    Found without importing the package (its own extension is not needed, only its C sources).
    Raises RuntimeError when it is missing, the wrong version, or ships no sources.
    """
    import importlib.util
    from importlib import metadata

    try:
        version = metadata.version("yyjson")
    except metadata.PackageNotFoundError:
        raise RuntimeError(f"yyjson is not installed (pip install yyjson=={YYJSON_PIN})") from None
    if version != YYJSON_PIN:
        raise RuntimeError(f"yyjson {version} is installed; the native front end needs {YYJSON_PIN}")
    spec = importlib.util.find_spec("yyjson")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        if all(os.path.isfile(os.path.join(folder, name)) for name in ("yyjson.c", "yyjson.h")):
            return folder
    raise RuntimeError(f"the yyjson {version} package ships no yyjson.c / yyjson.h (looked in {locations})")


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

    found = [Extension("validator._kernel_c", ["_speedups/_kernel_c.pyx"], extra_compile_args=["-O3"])]
    try:
        yyjson = yyjson_sources()
    except RuntimeError as exc:
        if REQUIRE:
            raise
        _warn(f"{FALLBACKS['validator._native']} ({exc})")
    else:
        found.append(
            Extension(
                "validator._native",
                ["_speedups/_native.pyx", os.path.join(yyjson, "yyjson.c")],
                include_dirs=["_speedups", yyjson],
                depends=["_speedups/_native.h", "_speedups/_native_errors.pxi"],
                extra_compile_args=["-O3"],
            )
        )
    return cythonize(
        found,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
