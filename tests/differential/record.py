"""Record random golden cases: generated plans and batches plus the reference's output (1.0.3 mode).

    python tests/differential/record.py --cases 200 --seed 1

writes, under tests/golden/random/:
    case_NNNN.plan.json, case_NNNN.batches.ndjson, case_NNNN.results.ndjson   (main stream)
    case_NNNN.ua-optional.results.ndjson                                      (oracle --ua-optional)
    planerr_NNNN.plan.json, planerr_NNNN.batches.ndjson, planerr_NNNN.results.ndjson
        (plans the reference refuses once an event reaches the bad point; load_plan must raise PlanError)
    MANIFEST.json   (seed, counts, what was skipped)

NNNN is the generator's case index, so `generate.generate_case(seed, NNNN)` gives the same inputs
again. A case is kept only if the runner did not crash; in the main stream, a case where ajv refused
a schema is a generator bug and is skipped (and reported). Error lines the library prints for a
batch (a null event, a non-array `events`, a crash inside the library) are kept: the test only
checks that the engine fails those batches too. Needs Node and the runner (see README.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import harness  # noqa: E402

SIZE_BUDGET = 5_000_000


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description="record random golden cases from the reference")
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plan-errors", type=int, default=20, help="cases of the plan-error stream")
    ap.add_argument("--out", type=Path, default=harness.GOLDEN_RANDOM)
    ap.add_argument("--jobs", type=int, default=2, help="reference processes at once")
    args = ap.parse_args(argv)
    harness.oracle_path()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("case_*"), *args.out.glob("planerr_*")]:
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="dpv-record-"))

    def run(job: tuple) -> tuple:
        stream, index = job
        if stream == "case":
            case = generate.generate_case(args.seed, index)
        else:
            case = generate.generate_plan_error_case(args.seed, index)
        plan_file, batches_file = harness.write_case(
            work / f"{stream}_{index:04d}", case["plan"], case["lines"]
        )
        optional = harness.run_oracle(plan_file, batches_file, ua_optional=True) if stream == "case" else None
        return stream, index, case, harness.run_oracle(plan_file, batches_file), optional

    jobs = [("case", i) for i in range(args.cases)] + [("planerr", i) for i in range(args.plan_errors)]
    kept = {"case": 0, "planerr": 0}
    batches = errors = 0
    skipped: list = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for stream, index, case, results, optional in pool.map(run, jobs):
            name = f"{stream}_{index:04d}"
            if results is None or len(results) != len(case["lines"]):
                skipped.append(f"{name}: the runner crashed")
                continue
            error_texts = [r.decode("utf-8", "replace") for r in results if harness.is_error(r)]
            if stream == "case" and any(m in t for t in error_texts for m in harness.COMPILE_ERROR_MARKERS):
                skipped.append(f"{name}: ajv refused a schema (generator bug): {error_texts[0][:200]}")
                continue
            if stream == "planerr" and not error_texts:
                skipped.append(f"{name}: the reference accepted the plan (generator bug)")
                continue
            harness.write_case(args.out / name, case["plan"], case["lines"])
            (args.out / f"{name}.results.ndjson").write_bytes(b"".join(r + b"\n" for r in results))
            if optional is not None:  # data-planning-node >= 1.0.4 mode, checked with compat=None
                optional_text = b"".join(r + b"\n" for r in optional)
                (args.out / f"{name}.ua-optional.results.ndjson").write_bytes(optional_text)
            kept[stream] += 1
            if stream == "case":
                batches += len(results)
                errors += len(error_texts)

    manifest = {
        "generator": "tests/differential/generate.py",
        "reference": "@mparticle/data-planning-node 1.0.3, oracle.js --quiet (1.0.3 user-attributes mode)",
        "seed": args.seed,
        "cases": kept["case"],
        "batches": batches,
        "error_lines": errors,
        "plan_error_cases": kept["planerr"],
        "skipped": skipped,
    }
    summary = (
        f"recorded {kept['case']} cases ({batches} batches, {errors} error lines) and "
        f"{kept['planerr']} plan-error cases"
    )
    harness.write_manifest(args.out, manifest, summary, SIZE_BUDGET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
