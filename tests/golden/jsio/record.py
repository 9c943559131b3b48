"""Record the reference's output for the JSON I/O golden cases (needs node and the oracle).

    python tests/golden/jsio/record.py [ORACLE]    # default /work/oracle/oracle.js

Writes NAME.results.ndjson beside each NAME.batches.ndjson, and deep.results.ndjson for the lines
of deep_cases.py. Where the reference's stack limits are not JSON.stringify's they depend on its
JIT state (null stripping overflows from 2,680 levels in a fresh process to about 10,800 once
warm), so each deep line is recorded in a fresh process: what `mp planning:batches:validate`, one
batch per run, does.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from deep_cases import lines  # noqa: E402

# name -> (plan, oracle flags); the batches are NAME.batches.ndjson
FILES = {
    "surrogates": ("surrogates.plan.json", []),
    "utf8": ("surrogates.plan.json", []),
    "infinity": ("infinity.plan.json", ["--ua-optional"]),
    "deep_schema": ("deep_schema.plan.json", ["--ua-optional"]),
    "cyclic_ref": ("cyclic_ref.plan.json", ["--ua-optional"]),
}


def run(oracle: str, plan: Path, batches: Path, flags: list) -> bytes:
    return subprocess.run(
        ["node", oracle, "--quiet", *flags, str(plan), str(batches)], check=True, capture_output=True
    ).stdout


def main() -> None:
    oracle = sys.argv[1] if len(sys.argv) > 1 else "/work/oracle/oracle.js"
    for name, (plan, flags) in FILES.items():
        out = run(oracle, HERE / plan, HERE / f"{name}.batches.ndjson", flags)
        (HERE / f"{name}.results.ndjson").write_bytes(out)
    results = []
    for _, _, text in lines():
        with tempfile.NamedTemporaryFile("w", suffix=".ndjson") as batch:
            batch.write(text + "\n")
            batch.flush()
            results.append(run(oracle, HERE / "deep.plan.json", Path(batch.name), ["--ua-optional"]))
    (HERE / "deep.results.ndjson").write_bytes(b"".join(results))


if __name__ == "__main__":
    main()
