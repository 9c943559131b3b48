"""Pick the kernel: the compiled one when it is built, else the pure-Python twin.

DPV_NO_SPEEDUPS=1 forces pure Python (the same switch skips the build in setup.py);
DPV_REQUIRE_SPEEDUPS=1 makes a missing compiled kernel, or a compiled kernel without its native
front end (validator._native, which validates lines on a yyjson DOM), an ImportError instead of a
fallback. DPV_NO_NATIVE=1 runs the compiled kernel without the front end (for comparisons).
FALLBACK says why the default is pure Python when nobody chose it (None otherwise), so that the
command line can say so: the pure kernel is several times slower.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Optional

from . import _kernel_py

KERNELS = ("python", "cython")


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def _compiled() -> ModuleType:
    from . import _kernel_c  # type: ignore[attr-defined]

    if _kernel_c.FRONT_ERROR is not None and _flag("DPV_REQUIRE_SPEEDUPS") and not _flag("DPV_NO_NATIVE"):
        raise ImportError(f"the native front end (validator._native) is missing: {_kernel_c.FRONT_ERROR}")
    return _kernel_c


def load(name: Optional[str] = None) -> ModuleType:
    """The kernel module called `name` ("python" / "cython"), or the default one."""
    if name == "python":
        return _kernel_py
    if name == "cython":
        try:
            return _compiled()
        except ImportError as exc:
            raise ImportError(
                f"the compiled kernel is not available ({exc}); reinstall with a C compiler"
            ) from exc
    if name is not None:
        raise ValueError(f"kernel must be one of {KERNELS}, not {name!r}")
    return _default()[0]


def _default() -> tuple[ModuleType, Optional[str]]:
    """The default kernel, and why it is the pure one when that was not asked for."""
    if _flag("DPV_NO_SPEEDUPS"):
        return _kernel_py, None
    try:
        return _compiled(), None
    except ImportError as exc:
        if _flag("DPV_REQUIRE_SPEEDUPS"):
            raise
        return _kernel_py, f"the compiled kernel is not built ({exc})"


DEFAULT, FALLBACK = _default()
BACKEND: str = DEFAULT.NAME
