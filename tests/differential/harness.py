"""Shared plumbing for the differential tools: run the reference, run the engine, compare lines.

Only `run_oracle` needs Node; everything else is used by the pytest suite too.
"""

from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN_RANDOM = REPO / "tests" / "golden" / "random"
GOLDEN_TRAFFIC = REPO / "tests" / "golden" / "traffic"
# the two reference modes, as (oracle flag, engine compat, golden file suffix)
MODES = {
    "1.0.3": (False, "1.0.3", "results.ndjson.xz"),
    "ua-optional": (True, None, "results-ua-optional.ndjson.xz"),
}
SHARED_ORACLE = REPO.parent / "shared" / "oracle"

# ajv refusing a schema: in the main stream this is a generator bug, not a case worth keeping
COMPILE_ERROR_MARKERS = (
    "schema is invalid",
    "unknown format",
    "can't resolve reference",
    "no schema with key or ref",
    "schema should be object or boolean",
    "Invalid regular expression",
)


def oracle_path() -> Path:
    """oracle.js: $DPV_ORACLE, else /tmp/oracle/oracle.js (see /work/shared/oracle/README.md to install)."""
    found = Path(os.environ.get("DPV_ORACLE", "/tmp/oracle/oracle.js"))
    if not found.exists():
        raise SystemExit(
            f"no oracle at {found}: cp -r {SHARED_ORACLE} /tmp/oracle && cd /tmp/oracle && npm ci "
            "(or set DPV_ORACLE to its oracle.js)"
        )
    if shutil.which("node") is None:
        raise SystemExit("node is not on PATH")
    return found


def run_oracle(plan_file: Path, batches_file: Path, ua_optional: bool = False) -> Optional[list]:
    """The reference's result lines (bytes, no newline), or None when the runner itself crashed."""
    cmd = ["node", str(oracle_path()), "--quiet"]
    if ua_optional:
        cmd.append("--ua-optional")
    cmd += [str(plan_file), str(batches_file)]
    proc = subprocess.run(cmd, capture_output=True, timeout=600)
    if proc.returncode != 0:
        return None
    return proc.stdout.split(b"\n")[:-1] if proc.stdout.endswith(b"\n") else proc.stdout.split(b"\n")


# Node's readline (oracle.js reads `fs.createReadStream(path, {encoding: "utf8"})` through it, with
# crlfDelay Infinity) ends a line at CRLF, LF or a lone CR; oracle.js then skips a line whose
# String.prototype.trim() is empty. The UTF-8 decoding (bad bytes become U+FFFD, a BOM is kept)
# never touches CR or LF bytes, so splitting the raw bytes gives the same lines.
_READLINE_EOL = re.compile(rb"(\r\n|\n|\r)")
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def reference_lines(data: bytes) -> list:
    """The lines oracle.js validates in a batch file, in order: [(raw bytes, ended by CRLF), ...].

    Each item is one output line of the reference. The bytes are the line as read, without its
    line end: a BOM or bytes that are not UTF-8 stay as they are (the reference decoded them
    with U+FFFD for each bad sequence and kept a BOM, on which JSON.parse fails).
    """
    parts = _READLINE_EOL.split(data)
    ends = parts[1::2] + [b""]  # the last line may have no line end
    return [
        (line, end == b"\r\n")
        for line, end in zip(parts[0::2], ends)
        if line.decode("utf-8", "replace").strip(_JS_WHITESPACE)
    ]


def oracle_version(plan: Any) -> Any:
    """The `version` of the plan version oracle.js validates against (None: the file holds one).

    oracle.js sorts `data_plan_versions` by `(b.version || 0) - (a.version || 0)` (a stable sort)
    and takes the first: the highest number, the first listed among equals.
    """
    if (
        not isinstance(plan, dict)
        or isinstance(plan.get("data_points"), list)
        or plan.get("version_document")
    ):
        return None
    versions = plan.get("data_plan_versions")
    if not isinstance(versions, list) or not versions:
        return None

    def number(v: Any) -> float:
        n = v.get("version") if isinstance(v, dict) else None
        return n if isinstance(n, (int, float)) and not isinstance(n, bool) and n else 0

    return max(versions, key=number).get("version")  # max keeps the first of equals, like the sort


def traffic_manifest(directory: Path = GOLDEN_TRAFFIC) -> dict:
    """MANIFEST.json of a recorded traffic corpus (see record_traffic.py)."""
    return json.loads((directory / "MANIFEST.json").read_text(encoding="utf-8"))


def traffic_case(directory: Path, name: str, work: Path) -> tuple:
    """A recorded traffic case: (plan file written into `work`, reference lines, {mode: result lines}).

    Result line i of each mode answers reference line i (see reference_lines).
    """
    plan_file = work / f"{name}.plan.json"
    plan_file.write_bytes(lzma.decompress((directory / f"{name}.plan.json.xz").read_bytes()))
    lines = reference_lines(lzma.decompress((directory / f"{name}.batches.ndjson.xz").read_bytes()))
    results = {
        mode: lzma.decompress((directory / f"{name}.{suffix}").read_bytes()).split(b"\n")[:-1]
        for mode, (_, _, suffix) in MODES.items()
    }
    return plan_file, lines, results


def write_manifest(out: Path, manifest: dict, summary: str, budget: int) -> None:
    """Write out/MANIFEST.json, print `summary` with the folder's size and what was skipped."""
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{summary} in {out}: {size / 1e6:.2f} MB")
    for line in manifest.get("skipped", []):
        print("skipped", line)
    if size > budget:
        print(f"warning: over the {budget / 1e6:.0f} MB budget; record fewer cases", file=sys.stderr)


def write_case(stem: Path, plan: Any, lines: list) -> tuple:
    """Write STEM.plan.json and STEM.batches.ndjson; returns their paths."""
    plan_file = Path(f"{stem}.plan.json")
    batches_file = Path(f"{stem}.batches.ndjson")
    plan_file.write_bytes(dump_bytes(plan) + b"\n")
    batches_file.write_bytes(b"".join(line.encode("utf-8") + b"\n" for line in lines))
    return plan_file, batches_file


def dump_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def read_lines(path: Path) -> list:
    """Lines of an NDJSON file as bytes; only b"\\n" separates lines (U+2028 may sit inside one)."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def is_error(line: bytes) -> bool:
    return line.startswith(b'{"error":')


def same(ours: bytes, theirs: bytes) -> bool:
    """Byte-identical (error lines too: dpv words them as V8 and ajv do)."""
    return ours == theirs


def engine_lines(
    plan: Any, lines: list, kernel: Optional[str], compat: Optional[str], version: Any = None
) -> Any:
    """Our result line for each batch line, or the PlanError load_plan raised."""
    import validator

    try:
        v = validator.load_plan(plan, version, compat=compat, kernel=kernel)
    except validator.PlanError as exc:
        return exc
    return [v.validate_line(line if isinstance(line, bytes) else line.encode("utf-8")) for line in lines]


# -- describing differences ------------------------------------------------------------------------


def _errors(line: bytes) -> Any:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict) or "results" not in obj:
        return None
    return obj["results"]


def classify(ours: bytes, theirs: bytes) -> str:
    """A short label for the kind of difference, to group many differences into few kinds."""
    if is_error(theirs) and not is_error(ours):
        return "reference fails the batch, engine does not"
    if is_error(ours) and not is_error(theirs):
        return "engine fails the batch, reference does not: " + ours.decode("utf-8", "replace")[10:70]
    a, b = _errors(ours), _errors(theirs)
    if a is None or b is None:
        return "unparseable line"
    if len(a) != len(b):
        return f"result count differs (keywords ours={_keywords(a)} theirs={_keywords(b)})"
    for ra, rb in zip(a, b):
        if ra == rb:
            continue
        da, db = ra.get("data", {}), rb.get("data", {})
        if da.get("match") != db.get("match"):
            return "match differs"
        ea, eb = da.get("validation_errors", []), db.get("validation_errors", [])
        if len(ea) != len(eb):
            return f"error count differs (keywords ours={_keywords([ra])} theirs={_keywords([rb])})"
        for xa, xb in zip(ea, eb):
            if xa != xb:
                fields = sorted(k for k in set(xa) | set(xb) if xa.get(k) != xb.get(k))
                kw = xb.get("schema_keyword", xb.get("validation_error_type"))
                if fields == [] or list(xa) != list(xb) and not fields:
                    return f"{kw}: key order"
                return f"{kw}: {','.join(fields)} differ"
    return "same JSON values, different bytes (number format, escaping or key order)"


def _keywords(results: list) -> str:
    out = []
    for r in results:
        for e in r.get("data", {}).get("validation_errors", []):
            out.append(str(e.get("schema_keyword", e.get("validation_error_type"))))
    return "/".join(out)
