"""`python -m benchmarks corpus|run|memory ...`: make a corpus, time the contenders, measure peak memory."""

from __future__ import annotations

import argparse
import sys


def main(argv: list | None = None) -> int:
    from . import corpus, memory, runner

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    corpus.add_arguments(
        commands.add_parser("corpus", help="write plan.json and batches.ndjson (and .parquet)")
    )
    runner.add_arguments(commands.add_parser("run", help="time every contender on a corpus"))
    memory.add_arguments(commands.add_parser("memory", help="peak RSS of dpv validate on a large file"))
    args = parser.parse_args(argv)
    module = {"corpus": corpus, "run": runner, "memory": memory}[args.command]
    return module.main(args)


if __name__ == "__main__":
    sys.exit(main())
