"""Peak memory of `dpv validate` on a large NDJSON file.

    python -m benchmarks memory --gb 1 [--seed 1] [--dir DIR] [--keep] [--input FILE --plan PLAN]
                                [--jobs N] [--limit-mb 300]

Streams about --gb GB (10^9 bytes) of batches from the corpus generator into a file (never holding
more than one batch in memory), runs `python -m validator validate --plan PLAN FILE -o /dev/null`
on it in a child process, and reports that child's peak RSS (ru_maxrss from wait4). With
--limit-mb the exit status is 1 when the peak goes over the limit.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from . import corpus
from .runner import child_env, probe_cli, run_child


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gb", type=float, default=1.0, help="size of the generated file, GB (10^9 bytes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", help="where to write the file (default: the temp directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated plan and file")
    parser.add_argument("--input", help="use this NDJSON (or Parquet) file instead of generating one")
    parser.add_argument("--plan", help="plan for --input")
    parser.add_argument("--jobs", help="pass --jobs to dpv validate")
    parser.add_argument("--kernel", choices=("cython", "python"), default="cython")
    parser.add_argument("--limit-mb", type=float, help="exit 1 when the peak RSS is above this")


def main(args: argparse.Namespace) -> int:
    problem, cli_help = probe_cli()
    if problem:
        print(f"dpv is unavailable: {problem}", file=sys.stderr)
        return 2
    made: list = []
    try:
        if args.input:
            if not args.plan:
                print("--input needs --plan", file=sys.stderr)
                return 2
            path, plan = args.input, args.plan
        else:
            folder = args.dir or tempfile.gettempdir()
            os.makedirs(folder, exist_ok=True)
            plan = os.path.join(folder, f"dpv-memory-{args.seed}-plan.json")
            path = os.path.join(folder, f"dpv-memory-{args.seed}-{args.gb:g}gb.ndjson")
            made += [plan, path]
            model = corpus.write_plan(plan, args.seed)
            maker = corpus.BatchMaker(model, args.seed)
            start = time.perf_counter()
            with open(path, "wb", buffering=1 << 20) as out:
                size = corpus.write_lines(out, maker, None, int(args.gb * 1e9))
            took = time.perf_counter() - start
            print(
                f"generated {path}: {size / 1e6:,.0f} MB, {maker.stats.batches:,} batches, "
                f"{maker.stats.events:,} events in {took:.0f}s",
                file=sys.stderr,
            )
        size = os.path.getsize(path)
        argv = [sys.executable, "-m", "validator", "validate", "--plan", plan, path, "-o", os.devnull]
        if "--quiet" in cli_help:
            argv.append("-q")
        if args.jobs:
            argv += ["--jobs", args.jobs]
        env = child_env(
            DPV_NO_SPEEDUPS="1" if args.kernel == "python" else None,
            DPV_REQUIRE_SPEEDUPS="1" if args.kernel == "cython" else None,
        )
        child = run_child(argv, env, keep_stdout=False)
        if child.code not in (0, 1):
            print(f"dpv validate failed (exit {child.code}): {child.tail()}", file=sys.stderr)
            return 2
        peak = child.rss_kb / 1024
        how = args.kernel + (f", --jobs {args.jobs}" if args.jobs else "")
        print(
            f"dpv validate ({how}) on {size / 1e6:,.0f} MB: "
            f"{child.wall:.1f}s, {size / 1e6 / child.wall:.1f} MB/s, peak RSS {peak:.0f} MB"
        )
        if args.limit_mb is not None:
            verdict = "within" if peak <= args.limit_mb else "OVER"
            print(f"peak RSS {peak:.0f} MB is {verdict} the {args.limit_mb:g} MB limit")
            return 0 if peak <= args.limit_mb else 1
        return 0
    finally:
        if not args.keep:
            for name in made:
                if os.path.exists(name):
                    os.unlink(name)
