"""Replay validate_line fuzz inputs through the reference oracle and compare (needs Node and the oracle).

    python -m fuzz.differential ORACLE_JS CORPUS_DIR [--out DIR]

The fuzz targets check properties (kernels agree, output is strict JSON of the right shape); only the
reference can say whether an answer is right. A campaign's grown corpus is a few thousand odd inputs,
so replaying it through `node oracle.js` (one call per plan and compat mode) is cheap. Inputs whose
line the oracle cannot see as one line (a \\n or \\r in it, or blank to String.trim) and those with
lenient_types (the reference has no such mode) are left out. Where the reference's line is an error,
ours must be an error too (V8's message is not ours to match); otherwise the bytes must be equal.
Differences are grouped by a signature of the input and written to --out, one folder per group.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from fuzz import fuzz_validate_line as target

_JS_TRIM = re.compile("^[\\s\ufeff]*$")


def _signature(line: bytes, ours: bytes, theirs: bytes) -> str:
    """A rough name for the cause of a difference, to group many inputs into a few issues."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid-utf8-line"
    if b"Infinity" in ours or b"NaN" in ours:
        return "infinity"
    if re.search(rb"\\\\u[dD][89abAB]", ours) or re.search(rb"\\\\u[dD][c-fC-F]", ours):
        return "lone-surrogate-escape"
    if b"depth limit" in ours or b"recursion" in ours.lower() or _depth(line) > 900:
        return "deep-nesting"
    if ours.startswith(b'{"error"') != theirs.startswith(b'{"error"'):
        return "error-vs-result" if ours.startswith(b'{"error"') else "result-vs-error"
    return "different-results"


def _depth(line: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without recursing."""
    depth = deepest = 0
    for token in _TOKENS.findall(line):
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("oracle")
    parser.add_argument("corpus", nargs="+")
    parser.add_argument("--out", default="fuzz/findings/differential")
    options = parser.parse_args(argv)
    groups: dict = defaultdict(list)  # (plan, compat) -> [(input name, line)]
    for folder in options.corpus:
        for path in sorted(Path(folder).iterdir()):
            plan, compat, lenient, line = target.decode(path.read_bytes())
            text = line.decode("utf-8", "replace")
            if lenient or b"\n" in line or b"\r" in line or _JS_TRIM.match(text):
                continue
            groups[(plan, compat)].append((path, line))
    scratch = Path(tempfile.mkdtemp(prefix="dpv-differential-"))
    compared, differences = 0, defaultdict(list)
    for (plan, compat), items in groups.items():
        plan_path = _plan_file(plan, scratch)
        if plan_path is None:
            continue
        pair = (
            target._fixed_pair(plan, compat, False)
            if isinstance(plan, int)
            else target._made_pair(plan, compat, False)
        )
        if isinstance(pair, target._Refused) or len(pair[0].versions) != 1:
            continue  # the oracle takes the highest version; ours routes by the batch
        batches = scratch / "batches.ndjson"
        batches.write_bytes(b"".join(line + b"\n" for _, line in items))
        flags = ["--quiet"] + ([] if compat == "1.0.3" else ["--ua-optional"])
        done = subprocess.run(
            ["node", options.oracle, *flags, str(plan_path), str(batches)], capture_output=True
        )
        theirs = done.stdout.splitlines()
        if done.returncode != 0 or len(theirs) != len(items):
            print(f"oracle failed on plan {plan!r:.60}: {done.stderr[-500:]!r}", file=sys.stderr)
            continue
        for (path, line), want in zip(items, theirs):
            got = pair[1].validate_line(line)
            compared += 1
            same = got.startswith(b'{"error"') if want.startswith(b'{"error"') else got == want
            if not same:
                differences[_signature(line, got, want)].append((path, line, got, want))
    out = Path(options.out)
    for signature, found in sorted(differences.items()):
        folder = out / signature
        folder.mkdir(parents=True, exist_ok=True)
        for path, line, got, want in found:
            name = hashlib.sha1(path.read_bytes()).hexdigest()[:12]
            (folder / name).write_bytes(path.read_bytes())
            record = {
                "line": line.decode("utf-8", "backslashreplace"),
                "ours": got.decode("utf-8", "replace"),
                "reference": want.decode("utf-8", "replace"),
            }
            (folder / f"{name}.json").write_text(json.dumps(record, indent=1))
        print(f"{signature}: {len(found)} in {folder}")
    print(f"{compared} lines compared, {sum(map(len, differences.values()))} differ")
    return 1 if differences else 0


def _plan_file(plan: Any, scratch: Path) -> Any:
    if isinstance(plan, int):
        return target.FIXED_PLANS[plan]
    path = scratch / f"plan-{hashlib.sha1(plan).hexdigest()[:12]}.json"
    path.write_bytes(plan)
    try:
        json.loads(plan)
    except ValueError:
        return None  # the oracle's JSON.parse would throw before reading any batch
    except RecursionError:
        pass  # deeper than Python's stack, not V8's: let the oracle read it
    return path


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
