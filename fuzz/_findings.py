"""What a target reports when a property fails, and the campaign's way to step over known issues.

A Finding is an AssertionError with a kind. Strict runs (CI, the regression tests) let every Finding
escape. A long campaign would stop at the first input that shows an issue already being fixed
elsewhere, so with a known-issues folder (DPV_FUZZ_KNOWN_DIR, `python -m fuzz --skip-known DIR`) a
Finding whose kind is in KNOWN is saved there instead, a few inputs per kind, and the run goes on.
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable, Optional

# Kinds that only known issues (being fixed in other branches) produce, with the issue.
KNOWN = {
    "non-json-number": "numbers beyond double range printed as Infinity (JSON.stringify writes null)",
    "recursion-error": "nesting deeper than ~1,000 raises RecursionError",
}
KEEP_PER_KIND = 20


class Finding(AssertionError):
    """A property of the target failed on this input."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"[{kind}] {detail}")
        self.kind = kind


def guarded(one_input: Callable[[bytes], None], known_dir: Optional[str]) -> Callable[[bytes], None]:
    """one_input, saving and swallowing Findings of KNOWN kinds when known_dir is set.

    DPV_FUZZ_SKIP_KINDS (comma-separated) adds kinds for one campaign: a finding already saved as an
    artifact would otherwise end every restart of a long run within seconds.
    """
    if not known_dir:
        return one_input
    skipped = set(KNOWN) | {kind for kind in os.environ.get("DPV_FUZZ_SKIP_KINDS", "").split(",") if kind}

    def run(data: bytes) -> None:
        try:
            one_input(data)
        except Finding as finding:
            if finding.kind not in skipped:
                raise
            folder = os.path.join(known_dir, finding.kind)
            os.makedirs(folder, exist_ok=True)
            if len(os.listdir(folder)) < KEEP_PER_KIND:
                name = hashlib.sha1(data).hexdigest()
                with open(os.path.join(folder, name), "wb") as out:
                    out.write(data)

    return run
