"""Record the traffic corpus from the reference, or check the engine against the recorded corpus.

    python tests/differential/record_traffic.py --cases 24 --seed 1          # record (needs Node)
    python tests/differential/record_traffic.py --check --kernel cython      # compare (no Node)

Recording writes, under tests/golden/traffic/, for each case NN of `traffic.traffic_case(seed, NN)`:
    traffic_NN.plan.json.xz                  the plan file as generated
    traffic_NN.batches.ndjson.xz             the batch file, byte for byte (CRLF, BOM, cp1252 ...)
    traffic_NN.results.ndjson.xz             oracle.js output, default (1.0.3) mode
    traffic_NN.results-ua-optional.ndjson.xz oracle.js --ua-optional output
and MANIFEST.json (seed, per-case shapes, the plan version the reference used, counts). Result line
i answers the i-th line of `harness.reference_lines(batches)`. A case where ajv refused a schema
is a generator bug: it is reported and not recorded. xz (not gzip) because the batches carry
mostly unique ids and the two result files repeat each other: xz's large window makes the corpus
about 40% smaller.

--check runs every recorded line through `load_plan(plan, version, compat=...)` and
`validate_line`, in both modes, and prints the kinds of difference (harness.classify) with counts
and the first few in full. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import harness  # noqa: E402
import traffic  # noqa: E402

SIZE_BUDGET = 4_000_000


def _xz(data: bytes) -> bytes:
    return lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)


def _events(line: bytes) -> int:
    try:
        batch = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return 0
    events = batch.get("events") if isinstance(batch, dict) else None
    return len(events) if isinstance(events, list) else 0


def record(args: argparse.Namespace) -> int:
    harness.oracle_path()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("traffic_*"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="dpv-traffic-"))

    def run(index: int) -> tuple:
        case = traffic.traffic_case(args.seed, index)
        plan_file = work / f"{case['name']}.plan.json"
        batches_file = work / f"{case['name']}.batches.ndjson"
        plan_file.write_text(case["plan_text"] + "\n", encoding="utf-8")
        batches_file.write_bytes(case["data"])
        results = {
            mode: harness.run_oracle(plan_file, batches_file, ua_optional=flag)
            for mode, (flag, _, _) in harness.MODES.items()
        }
        return case, results

    cases: list = []
    skipped: list = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for case, results in pool.map(run, range(args.cases)):
            name, lines = case["name"], harness.reference_lines(case["data"])
            if any(r is None or len(r) != len(lines) for r in results.values()):
                skipped.append(f"{name}: the runner crashed or lost lines")
                continue
            texts = [
                r.decode("utf-8", "replace") for rs in results.values() for r in rs if harness.is_error(r)
            ]
            refused = [t for t in texts if any(m in t for m in harness.COMPILE_ERROR_MARKERS)]
            if refused:
                skipped.append(f"{name}: ajv refused a schema (generator bug): {refused[0][:200]}")
                continue
            (args.out / f"{name}.plan.json.xz").write_bytes(_xz(case["plan_text"].encode("utf-8") + b"\n"))
            (args.out / f"{name}.batches.ndjson.xz").write_bytes(_xz(case["data"]))
            for mode, (_, _, suffix) in harness.MODES.items():
                (args.out / f"{name}.{suffix}").write_bytes(_xz(b"".join(r + b"\n" for r in results[mode])))
            shape = case["file_shape"]
            cases.append(
                {
                    "name": name,
                    "domain": case["domain"],
                    "plan_shape": case["plan_shape"],
                    "version": harness.oracle_version(case["plan"]),
                    "platforms": case["platforms"],
                    "batches": len(lines),
                    "events": sum(_events(line) for line, _ in lines),
                    "error_lines": {m: sum(harness.is_error(r) for r in rs) for m, rs in results.items()},
                    "crlf_lines": sum(crlf for _, crlf in lines),
                    "file_shape": shape,
                }
            )
    totals = {key: sum(c[key] for c in cases) for key in ("batches", "events", "crlf_lines")}
    for mode in harness.MODES:
        totals[f"error_lines_{mode}"] = sum(c["error_lines"][mode] for c in cases)
    manifest = {
        "generator": "tests/differential/traffic.py",
        "reference": "@mparticle/data-planning-node 1.0.3 via oracle.js --quiet, and with --ua-optional",
        "seed": args.seed,
        "cases": len(cases),
        **totals,
        "skipped": skipped,
        "case_list": cases,
    }
    summary = f"recorded {len(cases)} cases, {totals['batches']} batches, {totals['events']} events"
    harness.write_manifest(args.out, manifest, summary, SIZE_BUDGET)
    return 1 if skipped else 0


def check(args: argparse.Namespace) -> int:
    manifest = harness.traffic_manifest(args.out)
    work = Path(tempfile.mkdtemp(prefix="dpv-traffic-"))
    total = identical = 0
    kinds: Counter = Counter()
    examples: dict = {}
    shown: list = []
    for entry in manifest["case_list"]:
        plan_file, lines, results = harness.traffic_case(args.out, entry["name"], work)
        for mode, (_, compat, _) in harness.MODES.items():
            ours = harness.engine_lines(
                str(plan_file), [line for line, _ in lines], args.kernel, compat, entry["version"]
            )
            if not isinstance(ours, list):
                ours = [b'{"error":"PlanError"}'] * len(lines)
            for n, ((line, _), a, b) in enumerate(zip(lines, ours, results[mode]), 1):
                total += 1
                if harness.same(a, b):
                    identical += 1
                    continue
                kind = harness.classify(a, b)
                kinds[kind] += 1
                where = f"{entry['name']} line {n} ({mode})"
                examples.setdefault(kind, where)
                if len(shown) < args.show:
                    shown.append((where, line, a, b))
    print(f"{total} result lines ({len(manifest['case_list'])} cases, both modes), {identical} identical")
    for kind, count in kinds.most_common():
        print(f"  {count:6d}  {kind}   [{examples[kind]}]")
    for where, line, a, b in shown:
        print(f"\n--- {where}\nbatch:  {line.decode('utf-8', 'replace')}")
        print(f"ours:   {a.decode('utf-8', 'replace')}\ntheirs: {b.decode('utf-8', 'replace')}")
    return 1 if kinds else 0


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description="record or check the traffic corpus")
    ap.add_argument("--cases", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=harness.GOLDEN_TRAFFIC)
    ap.add_argument("--jobs", type=int, default=2, help="reference processes at once")
    ap.add_argument("--check", action="store_true", help="compare the engine with the recorded corpus")
    ap.add_argument("--kernel", choices=["python", "cython"], default="python")
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args(argv)
    return check(args) if args.check else record(args)


if __name__ == "__main__":
    raise SystemExit(main())
