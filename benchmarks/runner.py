"""Time every contender on one corpus, in one run, each in its own process; print ratios to the parse floor.

    python -m benchmarks run --corpus DIR [--repeat 3] [--json OUT.json] [--skip-node] [--check]

Every run of every contender is a fresh child process, started one at a time; repeats go round
robin over the contenders (so drift hits all of them alike) and the best run counts. Two kinds of
figure:

- process: the wall time of a whole `python -m validator validate ...` (or `node oracle.js`)
  process, start-up and plan compilation included;
- in-process: the loop over the input inside `python -m benchmarks._one NAME`, validators built
  beforehand (see _one.py).

Peak RSS is the child's ru_maxrss from wait4 (that child and the workers it waited for).
Throughput in MB/s counts the batches' JSON text (10^6 bytes), also for the Parquet rows.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Optional

import orjson

from . import corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ORACLE = "/tmp/oracle/oracle.js"
COMPILE_POINTS = 2000


# -- child processes ----------------------------------------------------------------------------------


class Child:
    """The outcome of one child process."""

    def __init__(self, wall: float, code: int, rss_kb: int, stdout: bytes, stderr: bytes) -> None:
        self.wall, self.code, self.rss_kb, self.stdout, self.stderr = wall, code, rss_kb, stdout, stderr

    def tail(self, limit: int = 300) -> str:
        """The last lines of stderr (or stdout), for an 'unavailable' reason."""
        text = (self.stderr or self.stdout).decode("utf-8", "replace").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        return (" | ".join(lines[-3:]) or f"exit status {self.code}")[-limit:]


def child_env(**changes: Optional[str]) -> dict:
    """os.environ with the repository on PYTHONPATH and `changes` applied (None removes)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# Linux credits a process, at exec, with the peak RSS of the memory it had before exec: a child
# forked (or vforked) from this runner would report at least the runner's own size. So children
# are started from a tiny interpreter (-S -I, about 9 MB, less than any measured child) that
# reports that child's own wait4 figures and wall time.
SPAWNER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as f:
    f.write("%r %d %d" % (wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def run_child(argv: list, env: Optional[dict] = None, keep_stdout: bool = True) -> Child:
    """Run argv to completion; its wall time, exit code and peak RSS (KiB, that child and its workers)."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.TemporaryFile())
        err = stack.enter_context(tempfile.TemporaryFile())
        report = stack.enter_context(tempfile.NamedTemporaryFile("r", suffix=".wait4"))
        spawner = [sys.executable, "-S", "-I", "-c", SPAWNER, report.name, *argv]
        code = subprocess.call(
            spawner,
            stdin=subprocess.DEVNULL,
            stdout=out if keep_stdout else subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=ROOT,
        )
        fields = report.read().split()
        out.seek(0)
        err.seek(0)
        if len(fields) != 3:
            return Child(
                0.0, code or 127, 0, out.read(), err.read() or b"could not start " + argv[0].encode()
            )
        return Child(float(fields[0]), int(fields[1]), int(fields[2]), out.read(), err.read())


# -- the corpus -----------------------------------------------------------------------------------------


def scan(path: str, limit: Optional[int] = None) -> dict:
    """Batches, events and bytes of an NDJSON file (the first `limit` lines)."""
    batches = events = size = 0
    with open(path, "rb") as f:
        for line in f:
            if limit is not None and batches >= limit:
                break
            size += len(line)
            if not line.strip():
                continue
            batches += 1
            try:
                found = orjson.loads(line).get("events")
            except (orjson.JSONDecodeError, AttributeError):
                continue
            events += len(found) if isinstance(found, list) else 0
    return {"batches": batches, "events": events, "bytes": size}


def head(path: str, lines: int, out_path: str) -> None:
    with open(path, "rb") as f, open(out_path, "wb") as out:
        for n, line in enumerate(f):
            if n >= lines:
                break
            out.write(line)


# -- contenders -----------------------------------------------------------------------------------------


class Contender:
    """One row of the table: how to run it, on what, and what it measured."""

    def __init__(
        self,
        name: str,
        how: str,
        group: str,
        argv: list,
        env: dict,
        counts: dict,
        note: str = "",
        runs: Optional[int] = None,
    ) -> None:
        self.name, self.how, self.group, self.argv, self.env = name, how, group, argv, env
        self.counts, self.note, self.max_runs = counts, note, runs
        self.unavailable: Optional[str] = None
        self.runs: list = []  # seconds of each run
        self.walls: list = []
        self.rss_kb = 0
        self.setup_seconds: Optional[float] = None
        self.flagged: Optional[int] = None
        self.exit_codes: set = set()
        self.exact: Optional[dict] = None  # the native front end's counts of work left to the exact path
        self.keep_stdout = False
        self.stdout = b""

    def run_once(self) -> None:
        child = run_child(self.argv, self.env, keep_stdout=self.how == "in-process" or self.keep_stdout)
        self.stdout = child.stdout
        if self.how == "in-process":
            try:
                report = json.loads(child.stdout.decode().strip().splitlines()[-1])
            except (ValueError, IndexError):
                report = {}
            if child.code == 3 and "unavailable" in report:
                self.unavailable = report["unavailable"]
                return
            if child.code != 0 or "seconds" not in report:
                self.unavailable = f"failed: {child.tail()}"
                return
            seconds = report["seconds"]
            self.setup_seconds = report.get("setup_seconds")
            self.flagged = report.get("flagged")
            self.exact = report.get("exact")
        else:
            # dpv: 0 clean, 1 violations found; but an uncaught exception also exits with 1.
            if child.code not in (0, 1) or b"Traceback (most recent call last)" in child.stderr:
                self.unavailable = f"exit {child.code}: {child.tail()}"
                return
            seconds = child.wall
        self.exit_codes.add(child.code)
        self.runs.append(seconds)
        self.walls.append(child.wall)
        self.rss_kb = max(self.rss_kb, child.rss_kb)

    @property
    def best(self) -> Optional[float]:
        return min(self.runs) if self.runs else None

    def figures(self) -> dict:
        best = self.best
        out: dict = {"name": self.name, "how": self.how, "group": self.group, "note": self.note}
        if self.unavailable is not None or best is None:
            out["unavailable"] = self.unavailable or "not run"
            return out
        out.update(self.counts)
        out.update(seconds=best, runs=self.runs, process_walls=self.walls, peak_rss_mb=self.rss_kb / 1024)
        if self.group != "fixed":
            out["events_per_s"] = self.counts["events"] / best
            out["mb_per_s"] = self.counts["bytes"] / best / 1e6
        else:
            out["points_per_s"] = self.counts["data_points"] / best
        if self.setup_seconds is not None:
            out["setup_seconds"] = self.setup_seconds
        if self.flagged is not None:
            out["flagged"] = self.flagged
        if self.exact is not None:
            out["exact_path"] = self.exact
        if self.exit_codes:
            out["exit_codes"] = sorted(self.exit_codes)
        return out


def probe_cli() -> tuple:
    """(None or the reason the dpv CLI cannot run, its `validate --help` text)."""
    child = run_child([sys.executable, "-m", "validator", "validate", "--help"], child_env())
    if child.code != 0:
        return f"`python -m validator validate` unusable: {child.tail()}", ""
    return None, child.stdout.decode("utf-8", "replace")


def build(args: argparse.Namespace, work: str) -> list:
    """The contenders, in table order."""
    plan = os.path.join(args.corpus, "plan.json")
    ndjson = os.path.join(args.corpus, "batches.ndjson")
    parquet = os.path.join(args.corpus, "batches.parquet")
    for needed in (plan, ndjson):
        if not os.path.isfile(needed):
            raise SystemExit(
                f"{needed} is missing: make it with python -m benchmarks corpus --out {args.corpus}"
            )
    counts = scan(ndjson)
    py = sys.executable

    def one(name: str, contender: str, note: str, group: str = "ndjson", path: str = ndjson,
            plan_path: str = plan, c: Optional[dict] = None,
            env: Optional[dict] = None) -> Contender:  # fmt: skip
        argv = [py, "-m", "benchmarks._one", contender, "--input", path, "--plan", plan_path]
        env = child_env() if env is None else env
        return Contender(name, "in-process", group, argv, env, counts if c is None else c, note)

    cli_problem, cli_help = probe_cli()
    quiet = ["-q"] if "--quiet" in cli_help else []

    def cli(name: str, path: str, extra: list, env: dict, note: str, group: str = "ndjson") -> Contender:
        argv = [py, "-m", "validator", "validate", "--plan", plan, path, "-o", os.devnull, *quiet, *extra]
        row = Contender(name, "process", group, argv, env, counts, note)
        row.unavailable = cli_problem
        return row

    compiled = child_env(DPV_NO_SPEEDUPS=None, DPV_REQUIRE_SPEEDUPS="1")
    pure = child_env(DPV_NO_SPEEDUPS="1", DPV_REQUIRE_SPEEDUPS=None)
    rows = [
        one("floor", "floor", "read lines + orjson.loads, nothing else"),
        cli("dpv-cython", ndjson, [], compiled, "dpv validate -o /dev/null, compiled kernel"),
        one(
            "dpv-native-api",
            "api-native",
            "load_plan(kernel='cython').validate_line per line, native front end",
        ),
        one("dpv-native-block", "native-block", "Front.validate_block on 1 MB blocks: lines split in C"),
        one(
            "dpv-cython-api",
            "api-cython",
            "the same through Python objects (DPV_NO_NATIVE=1)",
            env=child_env(DPV_NO_NATIVE="1"),
        ),
        cli("dpv-python", ndjson, [], pure, "dpv validate, DPV_NO_SPEEDUPS=1"),
        one("dpv-python-api", "api-python", "load_plan(kernel='python').validate_line per line"),
        cli("dpv-jobs2", ndjson, ["--jobs", "2"], compiled, "dpv validate --jobs 2, compiled kernel"),
        one("fastjsonschema", "fastjsonschema", "orjson + match + fastjsonschema (first error only)"),
        one("jsonschema", "jsonschema", "orjson + match + jsonschema Draft7Validator.iter_errors"),
        one("jsonschema-rs", "jsonschema-rs", "orjson + match + jsonschema_rs is_valid (+ iter_errors)"),
    ]
    if "--jobs" not in cli_help and cli_problem is None:
        next(r for r in rows if r.name == "dpv-jobs2").unavailable = "the CLI has no --jobs option yet"
    rows.append(node_row(args, work, ndjson, plan))
    have_parquet = os.path.isfile(parquet)
    for row in (
        one(
            "floor-parquet",
            "floor-parquet",
            "pyarrow iter_batches of `batch` + orjson.loads",
            "parquet",
            parquet,
        ),
        cli("dpv-parquet", parquet, [], compiled, "dpv validate batches.parquet", "parquet"),
    ):
        if not have_parquet:
            row.unavailable = "no batches.parquet in the corpus (python -m benchmarks corpus --parquet)"
        rows.append(row)
    empty = os.path.join(work, "empty.ndjson")
    open(empty, "wb").close()
    with open(plan, "rb") as f:
        plan_points = len(orjson.loads(f.read()).get("data_points") or ())
    startup = cli(
        "dpv-startup",
        empty,
        ["--allow-empty"],  # no batch is otherwise exit 3 (an empty input is not a silent pass)
        compiled,
        "dpv validate on an empty file: start-up + plan load",
        "fixed",
    )
    startup.counts = {"data_points": plan_points, "bytes": 0}
    rows.append(startup)
    # Part of every process row, and not dpv's: the interpreter with this environment's site hooks
    # (an editable install's path finder, .pth files), which a plain `pip install .` may not have.
    interpreter = Contender(
        "python-startup",
        "process",
        "fixed",
        [py, "-c", "pass"],
        compiled,
        {"data_points": 0, "bytes": 0},
        "python -c pass: the interpreter and this environment's site hooks, in every process row",
    )
    rows.append(interpreter)
    big_plan = os.path.join(work, f"plan_{COMPILE_POINTS}.json")
    model = corpus.write_plan(big_plan, args.seed, COMPILE_POINTS)
    compile_counts = {"data_points": len(model.points), "bytes": os.path.getsize(big_plan)}
    for kernel in ("cython", "python"):
        note = f"validator.load_plan of {len(model.points)} data points"
        rows.append(
            one(f"compile-{kernel}", f"compile-{kernel}", note, "fixed", big_plan, big_plan, compile_counts)
        )
    return rows


def node_row(args: argparse.Namespace, work: str, ndjson: str, plan: str) -> Contender:
    """The reference runner on the first --node-batches batches (it does about 1k events/s)."""
    sample = os.path.join(work, "node_sample.ndjson")
    note = f"reference runner (node), first {args.node_batches} batches, {args.node_repeat} run(s)"
    node = shutil.which("node")
    row = Contender("reference-node", "process", "ndjson", [], {}, {}, note, runs=args.node_repeat)
    if args.skip_node:
        row.unavailable = "skipped (--skip-node)"
    elif node is None:
        row.unavailable = "node is not on PATH"
    elif not os.path.isfile(args.oracle):
        row.unavailable = (
            f"{args.oracle} missing: cp -r /work/shared/oracle /tmp/oracle && cd /tmp/oracle && npm ci"
        )
    else:
        head(ndjson, args.node_batches, sample)
        row.counts = scan(sample)
        row.note = (
            f"reference runner (node), first {row.counts['batches']} batches, {args.node_repeat} run(s)"
        )
        row.argv = [node, args.oracle, "--quiet", plan, sample]
        row.env = dict(os.environ)
        row.keep_stdout = True  # for --check
    return row


# -- output -------------------------------------------------------------------------------------------


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def table(rows: list) -> str:
    """The text table: throughput rows, then plan compilation."""
    best = {r.name: r.best for r in rows if r.unavailable is None and r.best}
    floor_rate = _rate(rows, "floor")
    parquet_rate = _rate(rows, "floor-parquet")
    head_ = ("contender", "how", "events/s", "MB/s", "vs floor", "vs floor-pq", "peak RSS", "notes")
    lines = [head_]
    for row in rows:
        if row.group == "fixed":
            continue
        if row.name not in best:
            lines.append((row.name, row.how, "-", "-", "-", "-", "-", f"unavailable: {row.unavailable}"))
            continue
        rate = row.counts["bytes"] / best[row.name]
        lines.append((
            row.name,
            row.how,
            f"{row.counts['events'] / best[row.name]:,.0f}",
            f"{rate / 1e6:.1f}",
            f"{rate / floor_rate:.2f}" if floor_rate else "-",
            f"{rate / parquet_rate:.2f}" if parquet_rate and row.group == "parquet" else "",
            _mb(row.rss_kb),
            row.note + _exact_note(row.exact),
        ))  # fmt: skip
    text = _columns(lines)
    compile_lines = [("fixed costs", "data points", "seconds", "points/s", "peak RSS", "notes")]
    for row in rows:
        if row.group != "fixed":
            continue
        points = row.counts["data_points"]
        if row.name not in best:
            compile_lines.append((row.name, str(points), "-", "-", "-", f"unavailable: {row.unavailable}"))
        else:
            seconds = best[row.name]
            rate = f"{points / seconds:,.0f}" if row.name.startswith("compile") else ""
            compile_lines.append((row.name, str(points), f"{seconds:.3f}", rate, _mb(row.rss_kb), row.note))
    return text + "\n\n" + _columns(compile_lines)


def _exact_note(exact: Optional[dict]) -> str:
    """How much of a run the native front end left to the exact path (Python objects)."""
    if not exact:
        return ""
    return (
        f"; exact path: {exact['exact_events']:,} of {exact['events']:,} events,"
        f" {exact['exact_lines']:,} whole lines; errors written in C: {exact.get('written_events', 0):,}"
    )


def _rate(rows: list, name: str) -> Optional[float]:
    for row in rows:
        if row.name == name and row.unavailable is None and row.best:
            return row.counts["bytes"] / row.best
    return None


def _columns(lines: list) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    numeric = {i for i, h in enumerate(lines[0]) if h not in ("contender", "how", "fixed costs", "notes")}
    out = []
    for n, line in enumerate(lines):
        cells = [
            cell.rjust(w) if i in numeric and n else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths))
        ]
        out.append("  ".join(cells) + "  " + line[-1])
        if n == 0:
            out.append("-" * (sum(widths) + 2 * len(widths) + len(line[-1])))
    return "\n".join(line.rstrip() for line in out)


def machine() -> dict:
    """CPU, cores, Python and package versions, the repository's commit."""
    from importlib import metadata

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    packages = {}
    for name in ("orjson", "fastjsonschema", "jsonschema", "jsonschema-rs", "pyarrow", "Cython", "click"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    info: dict = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": packages,
    }
    child = run_child(
        [sys.executable, "-c", "import validator; print(validator.__version__, validator.BACKEND)"],
        child_env(),
    )
    info["dpv"] = child.stdout.decode().strip() if child.code == 0 else f"unavailable: {child.tail()}"
    node = shutil.which("node")
    if node:
        info["node"] = run_child([node, "--version"]).stdout.decode().strip()
    git = run_child(["git", "-C", ROOT, "describe", "--always", "--dirty"])
    info["commit"] = git.stdout.decode().strip() if git.code == 0 else None
    return info


def check_outputs(rows: list, work: str) -> dict:
    """Run each available dpv CLI row once more into a file: all must write the same bytes, and the
    first lines must be the reference's output on its sample."""
    digests: dict = {}
    first: Optional[bytes] = None
    for row in rows:
        if row.how != "process" or row.group == "fixed" or not row.name.startswith("dpv"):
            continue
        if row.unavailable is not None:
            continue
        out = os.path.join(work, row.name + ".out")
        argv = list(row.argv)
        argv[argv.index("-o") + 1] = out
        run_child(argv, row.env, keep_stdout=False)
        with open(out, "rb") as f:
            data = f.read()
        digests[row.name] = hashlib.sha256(data).hexdigest()[:16]
        first = data if first is None else first
    reference = next((r for r in rows if r.name == "reference-node" and r.runs), None)
    if reference is not None and first is not None:
        expected = reference.stdout.splitlines()
        got = first.splitlines()[: len(expected)]
        differ = next((n for n, (a, b) in enumerate(zip(got, expected), 1) if a != b), None)
        if differ is None and len(got) == len(expected):
            digests["reference-node"] = f"first {len(expected)} lines identical"
        else:
            digests["reference-node"] = f"DIFFERENT from line {differ or min(len(got), len(expected)) + 1}"
    return digests


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, help="directory made by `python -m benchmarks corpus`")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the best counts")
    parser.add_argument("--json", help="write every figure and the machine description here")
    parser.add_argument("--skip-node", action="store_true", help="leave out the reference runner")
    parser.add_argument("--oracle", default=DEFAULT_ORACLE, help="path of oracle.js")
    parser.add_argument(
        "--node-batches",
        type=int,
        default=500,
        help="batches given to the reference (it does only ~200 events/s)",
    )
    parser.add_argument("--node-repeat", type=int, default=1, help="runs of the reference (it is slow)")
    parser.add_argument("--only", help="comma-separated contender names to run (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="afterwards, check that every dpv CLI row writes the same output"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the 2,000-point plan for the compile rows"
    )


def main(args: argparse.Namespace) -> int:
    work = tempfile.mkdtemp(prefix="dpv-bench-")
    try:
        rows = build(args, work)
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")}
            rows = [r for r in rows if r.name in wanted]
        scan(os.path.join(args.corpus, "batches.ndjson"))  # warm the page cache for everyone
        for repeat in range(args.repeat):
            for row in rows:
                if row.unavailable is not None or (row.max_runs is not None and repeat >= row.max_runs):
                    continue
                row.run_once()
                status = row.unavailable or f"{row.runs[-1]:.3f}s"
                print(f"[{repeat + 1}/{args.repeat}] {row.name}: {status}", file=sys.stderr, flush=True)
        print(table(rows))
        result: dict[str, Any] = {
            "corpus": os.path.abspath(args.corpus),
            "repeat": args.repeat,
            "machine": machine(),
            "rows": [row.figures() for row in rows],
        }
        meta = os.path.join(args.corpus, "meta.json")
        if os.path.isfile(meta):
            with open(meta) as f:
                result["corpus_meta"] = json.load(f)
        if args.check:
            digests = check_outputs(rows, work)
            result["output_digests"] = digests
            same = len({v for k, v in digests.items() if k != "reference-node"}) <= 1
            same = same and "DIFFERENT" not in digests.get("reference-node", "")
            print(f"\noutput check: {'identical' if same else 'DIFFERENT'} {digests}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2)
                f.write("\n")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
