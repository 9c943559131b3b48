"""Spark local[N] (validator.spark) against `dpv validate --jobs N` on the same corpus: events/s of each.

    python -m benchmarks corpus --seed 1 --mb 50 --out bench-out/c50
    python -m benchmarks.spark --corpus bench-out/c50 [--cores 2] [--repeat 3]

The CLI runs as a new process per repeat (start-up included, results written with -o). Spark runs in
this process on one session: its start-up and its first job (which also starts the Python workers)
are reported apart from the warm jobs, each of which reads the NDJSON with spark.read.text,
validates it and writes the results as text. Both outputs are compared byte for byte. Best run counts.
Needs the `spark` extra and Java.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="a directory from `python -m benchmarks corpus`")
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N] and dpv --jobs N")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--partition-mb", type=int, default=8, help="spark.sql.files.maxPartitionBytes")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    plan, data = corpus / "plan.json", corpus / "batches.ndjson"
    events = orjson.loads((corpus / "meta.json").read_bytes())["events"]
    work = Path(tempfile.mkdtemp(prefix="dpv-spark-bench-"))
    try:
        cli_out = work / "cli.ndjson"
        command = [sys.executable, "-m", "validator", "validate", "--plan", str(plan), "-q", str(data)]
        command += ["--jobs", str(args.cores), "-o", str(cli_out)]
        cli = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=False)
            cli.append(time.perf_counter() - start)

        # Python workers need this interpreter and this checkout; the JVM takes the environment at start.
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        start = time.perf_counter()
        from pyspark.sql import SparkSession

        from validator.spark import validate_dataframe

        spark = (
            SparkSession.builder.master(f"local[{args.cores}]")
            .config("spark.sql.files.maxPartitionBytes", str(args.partition_mb << 20))
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        startup = time.perf_counter() - start
        runs = []
        out = work / "spark"
        for _ in range(args.repeat + 1):  # the first job also starts the Python workers
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            validate_dataframe(spark.read.text(str(data)), str(plan)).select("results").write.text(str(out))
            runs.append(time.perf_counter() - start)
        partitions = spark.read.text(str(data)).rdd.getNumPartitions()
        spark.stop()
        spark_bytes = b"".join(Path(p).read_bytes() for p in sorted(glob.glob(str(out / "part-*"))))
        same = spark_bytes == cli_out.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def rate(seconds: float) -> str:
        return f"{seconds:.2f} s, {events / seconds:,.0f} events/s"

    print(f"corpus: {events:,} events, {data.stat().st_size / 1e6:.1f} MB; {partitions} Spark partitions")
    print(f"dpv validate --jobs {args.cores}: {rate(min(cli))} (runs: {', '.join(f'{r:.2f}' for r in cli)})")
    print(f"spark local[{args.cores}] start-up {startup:.1f} s; first job {rate(runs[0])}")
    warm = runs[1:]
    print(f"spark local[{args.cores}] warm: {rate(min(warm))} (runs: {', '.join(f'{r:.2f}' for r in warm)})")
    print(f"identical results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
