"""Refresh the test suite's copies of the shared ground truth, so that the tests need no ../shared.

Run from anywhere: `python tests/data/refresh.py [SHARED]` (default: the `shared` folder beside the
repository). It copies the reference's conformance cases (plans, batches, results; not the notes and
scripts around them) to tests/golden/conformance/ and the reference library's own plan fixtures to
tests/data/reference-fixtures/, then lists what changed. Commit the result.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
# (source folder under shared/, destination, file patterns)
COPIES = [
    (
        "conformance",
        TESTS / "golden" / "conformance",
        ["*_plan.json", "*_batches.ndjson", "*_results*.ndjson", "seed_events*.ndjson"],
    ),
    (
        "conformance/edge",
        TESTS / "golden" / "conformance" / "edge",
        ["*.plan.json", "*.batches.ndjson", "*.results.ndjson", "*.txt"],
    ),
    ("reference-fixtures", TESTS / "data" / "reference-fixtures", ["*.json"]),
]
SKIP_SUFFIX = ".stderr.txt"  # the reference's console noise, not a contract


def refresh(shared: Path) -> list:
    """Copy every file COPIES names from `shared`; returns the destination paths that changed."""
    changed = []
    for folder, destination, patterns in COPIES:
        source = shared / folder
        if not source.is_dir():
            raise SystemExit(f"refresh: no folder {source}")
        destination.mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            for path in sorted(source.glob(pattern)):
                if path.name.endswith(SKIP_SUFFIX):
                    continue
                target = destination / path.name
                if not target.exists() or not filecmp.cmp(path, target, shallow=False):
                    shutil.copyfile(path, target)
                    changed.append(target)
    return changed


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared"
    for path in refresh(shared.resolve()):
        print(path.relative_to(REPO))


if __name__ == "__main__":
    main()
