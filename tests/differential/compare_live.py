"""Generate random cases, run them through the reference (Node) and the engine, report differences.

    python tests/differential/compare_live.py --cases 200 --seed 7
    python tests/differential/compare_live.py --cases 50 --seed 7 --kernel cython --show 20
    python tests/differential/compare_live.py --cases 50 --seed 7 --ua-optional   # 1.0.4 mode

Prints "N batches, M identical", the kinds of difference with counts, then the first differences
with case, plan file, batch, ours and theirs. Cases with differences are kept under --keep.
Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import generate  # noqa: E402
import harness  # noqa: E402

import validator  # noqa: E402


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description="differential run against the reference validator")
    ap.add_argument("--cases", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--kernel", choices=["python", "cython"], default="python")
    ap.add_argument("--ua-optional", action="store_true", help="compare in 1.0.4 mode (compat=None)")
    ap.add_argument("--plan-errors", type=int, default=10, help="also check N plans of the plan-error stream")
    ap.add_argument("--show", type=int, default=10, help="print the first N differences in full")
    ap.add_argument("--jobs", type=int, default=2, help="reference processes at once")
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "dpv-differences")
    args = ap.parse_args(argv)
    compat = None if args.ua_optional else "1.0.3"
    harness.oracle_path()

    work = Path(tempfile.mkdtemp(prefix="dpv-live-"))
    indices = list(range(args.start, args.start + args.cases))

    def reference(index: int) -> tuple:
        case = generate.generate_case(args.seed, index)
        plan_file, batches_file = harness.write_case(work / f"case_{index:04d}", case["plan"], case["lines"])
        return case, plan_file, harness.run_oracle(plan_file, batches_file, ua_optional=args.ua_optional)

    total = identical = crashed = 0
    kinds: Counter = Counter()
    examples: dict = {}
    shown: list = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for index, (case, plan_file, theirs) in zip(indices, pool.map(reference, indices)):
            if theirs is None or len(theirs) != len(case["lines"]):
                crashed += 1
                print(f"case {args.seed}/{index}: the reference runner crashed; skipped", file=sys.stderr)
                continue
            try:
                ours = harness.engine_lines(str(plan_file), case["lines"], args.kernel, compat)
            except Exception:  # a crash in the engine is a difference like any other
                ours = [
                    b'{"error":"engine raised ' + traceback.format_exc().splitlines()[-1].encode() + b'"}'
                ] * len(theirs)
                kinds["engine raised an exception"] += len(theirs)
            if not isinstance(ours, list):
                # load_plan refused a plan the reference accepts: every non-error line differs
                plan_error = str(ours).splitlines()
                ours = [b'{"error":"PlanError"}'] * len(theirs)
                label = "PlanError on a plan the reference accepts: " + " ".join(plan_error)[:150]
            else:
                label = ""
            keep = False
            for n, (line, a, b) in enumerate(zip(case["lines"], ours, theirs)):
                total += 1
                if harness.same(a, b):
                    identical += 1
                    continue
                keep = True
                kind = label or harness.classify(a, b)
                kinds[kind] += 1
                where = f"case {args.seed}/{index} line {n + 1}"
                examples.setdefault(kind, where)
                if len(shown) < args.show:
                    shown.append((where, plan_file, line, a, b))
            if keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                harness.write_case(args.keep / f"s{args.seed}_case_{index:04d}", case["plan"], case["lines"])
                (args.keep / f"s{args.seed}_case_{index:04d}.results.ndjson").write_bytes(
                    b"".join(t + b"\n" for t in theirs)
                )

    print(
        f"{total} batches, {identical} identical"
        + (f" ({crashed} cases skipped: runner crashed)" if crashed else "")
    )
    if kinds:
        print("\nkinds of difference (count, first seen):")
        for kind, count in kinds.most_common():
            print(f"  {count:5d}  {kind}   [{examples.get(kind, '')}]")
    for where, plan_file, line, a, b in shown:
        print(f"\n--- {where}  (plan {plan_file})")
        print(f"batch:  {line}")
        print(f"ours:   {a.decode('utf-8', 'replace')}")
        print(f"theirs: {b.decode('utf-8', 'replace')}")
    if kinds:
        print(f"\ncases with differences kept in {args.keep}")

    # Plans the reference fails on: by default the batches reaching the broken point fail with the
    # reference's own error text (byte for byte), and --strict-plan refuses the plan.
    refused = confirmed = plan_lines = plan_identical = 0
    for index in range(args.plan_errors):
        case = generate.generate_plan_error_case(args.seed, index)
        plan_file, batches_file = harness.write_case(
            work / f"planerr_{index:04d}", case["plan"], case["lines"]
        )
        theirs = harness.run_oracle(plan_file, batches_file, ua_optional=args.ua_optional)
        if not theirs or not any(harness.is_error(t) for t in theirs):
            print(f"plan-error case {args.seed}/{index}: the reference did not refuse it (generator bug)")
            continue
        confirmed += 1
        ours = harness.engine_lines(str(plan_file), case["lines"], args.kernel, compat)
        if not isinstance(ours, list):
            ours = [b'{"error":"PlanError"}'] * len(theirs)
        for n, (a, b) in enumerate(zip(ours, theirs)):
            plan_lines += 1
            if harness.same(a, b):
                plan_identical += 1
            else:
                print(f"plan-error case {args.seed}/{index} line {n + 1}:\n ours:   {a!r}\n theirs: {b!r}")
        try:
            validator.load_plan(str(plan_file), compat=compat, kernel=args.kernel, strict_plan=True)
            print(f"plan-error case {args.seed}/{index}: --strict-plan accepted it ({plan_file})")
        except validator.PlanError:
            refused += 1
    if args.plan_errors:
        print(
            f"\nplan-error stream: {plan_identical}/{plan_lines} lines identical, "
            f"{refused}/{confirmed} refused with --strict-plan"
        )
    return 1 if kinds or refused != confirmed or plan_identical != plan_lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
