"""Run a fuzz target for a bounded time, replay inputs, minimise a crash, or rewrite the seed corpus.

    python -m fuzz TARGET --seconds N [--corpus DIR] [--artifacts DIR] [--skip-known DIR] [-- LIBFUZZER_FLAGS]
    python -m fuzz TARGET --repro FILE_OR_DIR...      (no atheris needed: exit 1 if any input fails)
    python -m fuzz TARGET --minimize CRASH_FILE [--seconds N]
    python -m fuzz seeds                              (rewrite fuzz/corpus/ from the golden files)

TARGET is validate_line or readers. A run reads the seed corpus (fuzz/corpus/TARGET, never written)
and grows a working corpus (--corpus, default a fresh temporary folder); a failing input is written
to --artifacts (default fuzz/findings/TARGET/) as crash-*, timeout-* or oom-*, and the exit status is
then non-zero. --skip-known DIR keeps a long campaign going past issues already being fixed elsewhere
(see fuzz/_findings.py): their inputs are saved under DIR instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz._libfuzzer import TARGETS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIBFUZZER_LIMITS = ["-rss_limit_mb=2048", "-timeout=10"]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run(target: str, seconds: int, corpus: str | None, artifacts: str, known: str | None, extra: list) -> int:
    """Fuzz `target` for `seconds`; libFuzzer's exit status (0: nothing found)."""
    os.makedirs(artifacts, exist_ok=True)
    work = corpus or tempfile.mkdtemp(prefix=f"dpv-fuzz-{target}-")
    os.makedirs(work, exist_ok=True)
    command = [
        sys.executable, "-m", "fuzz._libfuzzer", target, work, str(HERE / "corpus" / target),
        f"-max_total_time={seconds}", *LIBFUZZER_LIMITS,
        f"-artifact_prefix={os.path.join(artifacts, '')}", "-print_final_stats=1", *extra,
    ]  # fmt: skip
    env = _env()
    if known:
        env["DPV_FUZZ_KNOWN_DIR"] = os.path.abspath(known)
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, env=env)


def minimize(target: str, crash: str, seconds: int) -> int:
    """Shrink a failing input, keeping its kind of Finding; writes CRASH.min. 1 if CRASH does not fail.

    A byte-level delta debugging (drop chunks, halving their size, while the failure stays the same
    kind) in this process: the input decoders read fuzz bytes front to back, so shorter inputs stay
    meaningful, and no libFuzzer re-execution is needed.
    """
    module = importlib.import_module(TARGETS[target])
    data = Path(crash).read_bytes()
    kind = _failure(module, data)
    if kind is None:
        print(f"{crash} does not fail")
        return 1
    deadline = time.monotonic() + seconds
    size = max(1, len(data) // 2)
    while size >= 1 and time.monotonic() < deadline:
        start, shrunk = 0, False
        while start < len(data) and time.monotonic() < deadline:
            candidate = data[:start] + data[start + size :]
            if _failure(module, candidate) == kind:
                data, shrunk = candidate, True
            else:
                start += size
        if not shrunk:
            size //= 2
    for index in range(len(data)):  # then make the remaining bytes as plain as possible
        for plain in (0, ord("0"), ord("a")):
            if data[index] != plain and time.monotonic() < deadline:
                candidate = data[:index] + bytes([plain]) + data[index + 1 :]
                if _failure(module, candidate) == kind:
                    data = candidate
                    break
    Path(crash + ".min").write_bytes(data)
    print(f"{kind}: {len(data)} bytes -> {crash}.min\n{data!r}")
    return 0


def _failure(module: object, data: bytes) -> str | None:
    """The kind of Finding (or exception type) one_input raises on `data`; None if it passes."""
    try:
        module.one_input(data)  # type: ignore[attr-defined]
    except AssertionError as exc:
        return getattr(exc, "kind", type(exc).__name__)
    except Exception as exc:
        return type(exc).__name__
    return None


def repro(target: str, paths: list) -> int:
    """Run the target's one_input on each file (folders: each file in them); 1 if any fails."""
    module = importlib.import_module(TARGETS[target])
    files = sorted(f for p in map(Path, paths) for f in (p.iterdir() if p.is_dir() else [p]) if f.is_file())
    failed = 0
    for path in files:
        try:
            module.one_input(path.read_bytes())
        except Exception:
            failed += 1
            print(f"FAIL {path}", flush=True)
            traceback.print_exc(limit=3)
        else:
            print(f"ok   {path}")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


def write_seeds() -> None:
    """Rewrite fuzz/corpus/<target>/ from the golden files (deterministic)."""
    from fuzz import seeds

    for target, inputs in seeds.all_seeds().items():
        folder = HERE / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name, data in inputs:
            (folder / name).write_bytes(data)
        print(f"{folder}: {len(inputs)} seeds")


def main(argv: list | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    extra = args[args.index("--") + 1 :] if "--" in args else []
    args = args[: args.index("--")] if "--" in args else args
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=[*TARGETS, "seeds"])
    parser.add_argument("--seconds", type=int, default=60, help="run (or minimise) for this long")
    parser.add_argument("--corpus", help="working corpus folder to grow (default: a fresh temporary one)")
    parser.add_argument("--artifacts", help="where failing inputs go (default: fuzz/findings/TARGET/)")
    parser.add_argument("--skip-known", metavar="DIR", help="save inputs showing known issues here; go on")
    parser.add_argument("--repro", nargs="+", metavar="FILE", help="replay these inputs without atheris")
    parser.add_argument("--minimize", metavar="CRASH", help="minimise this failing input")
    options = parser.parse_args(args)
    if options.target == "seeds":
        write_seeds()
        return 0
    if options.repro:
        return repro(options.target, options.repro)
    if options.minimize:
        return minimize(options.target, options.minimize, options.seconds)
    artifacts = options.artifacts or str(HERE / "findings" / options.target)
    return run(options.target, options.seconds, options.corpus, artifacts, options.skip_known, extra)


if __name__ == "__main__":
    sys.exit(main())
