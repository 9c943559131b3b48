"""Bounded loopback load test of `dpv serve`'s validate route, beside the reference's local speed.

    python -m benchmarks.serve_load [--corpus DIR | --batches 400] [--clients 8] [--requests 4000]
        [--seconds 30] [--oracle /path/to/oracle.js]

Starts `dpv serve` on a free 127.0.0.1 port (token auth on, one token per client, as a well-behaved
client keeps it), then `--clients` concurrent keep-alive connections post `{"document", "batch"}`
bodies round-robin over the corpus until `--requests` answers or `--seconds` pass, whichever comes
first. Every answer is checked against `load_plan(document, compat="1.0.3").validate_line(batch)`.
Prints requests/s, events/s and p50/p90/p99 latency, then the same batches through the engine
in-process (no HTTP) and through the reference runner (`node oracle.js --time --quiet`), when given.
Needs the `serve` extra (aiohttp, also the load client here). Traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
SECRET_ENV = "DPV_CLIENT_SECRET"


def _corpus(args: argparse.Namespace, tmp: str) -> tuple:
    if args.corpus:
        directory = Path(args.corpus)
    else:
        from . import corpus

        directory = Path(tmp) / "corpus"
        corpus.generate(str(directory), seed=args.seed, batches=args.batches)
    plan = directory / "plan.json"
    lines = [line for line in (directory / "batches.ndjson").read_bytes().splitlines() if line.strip()]
    return plan, lines


def _start_server(plan: Path, secret: str, log: Path) -> tuple:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{SECRET_ENV: secret})
    stream = open(log, "wb")  # noqa: SIM115 (closed by the caller)
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "serve", "--port", "0", "--client-id", "load", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=stream,
        env=env,
        cwd=str(ROOT),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", log.read_bytes())
        if found:
            return proc, stream, int(found.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("dpv serve did not start: " + log.read_text())


async def _load(port: int, secret: str, bodies: list, expected: list, args: argparse.Namespace) -> dict:
    import aiohttp

    url = f"http://127.0.0.1:{port}"
    latencies: list = []
    mismatches = 0
    failures = 0
    sent = 0
    connector = aiohttp.TCPConnector(limit=args.clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        credentials = {
            "client_id": "load",
            "client_secret": secret,
            "audience": "https://api.mparticle.com",
            "grant_type": "client_credentials",
        }
        async with session.post(f"{url}/oauth/token", json=credentials) as reply:
            token = (await reply.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json;charset=utf-8"}
        target = f"{url}/platform/v2/workspaces/1/plans/validate"
        async with session.post(target, data=bodies[0], headers=headers) as reply:  # compiles the document
            await reply.read()
        started = time.perf_counter()
        stop_at = started + args.seconds

        async def client() -> None:
            nonlocal sent, mismatches, failures
            while sent < args.requests and time.perf_counter() < stop_at:
                index = sent % len(bodies)
                sent += 1
                begin = time.perf_counter()
                async with session.post(target, data=bodies[index], headers=headers) as reply:
                    answer = await reply.read()
                    status = reply.status
                latencies.append(time.perf_counter() - begin)
                if status != 200:
                    failures += 1
                elif answer != expected[index]:
                    mismatches += 1

        await asyncio.gather(*(client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "failures": failures,
        "mismatches": mismatches,
    }


def _events(lines: list) -> int:
    total = 0
    for line in lines:
        events = orjson.loads(line).get("events")
        total += len(events) if isinstance(events, list) else 0
    return total


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--corpus", help="directory with plan.json and batches.ndjson (default: generate one)"
    )
    parser.add_argument("--batches", type=int, default=400, help="batches to generate without --corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=4000, help="stop after this many answers")
    parser.add_argument("--seconds", type=float, default=30.0, help="stop after this long in any case")
    parser.add_argument(
        "--oracle", default="/work/oracle/oracle.js", help="the reference runner (skipped if absent)"
    )
    parser.add_argument(
        "--oracle-batches", type=int, default=60, help="batches the reference runs (it is slow)"
    )
    args = parser.parse_args(argv)
    args.requests = max(1, min(args.requests, 100_000))
    args.seconds = max(1.0, min(args.seconds, 300.0))

    from validator import load_plan

    with tempfile.TemporaryDirectory(prefix="dpv-load-") as tmp:
        plan_path, lines = _corpus(args, tmp)
        plan_doc = orjson.loads(plan_path.read_bytes())
        document = plan_doc.get("version_document", plan_doc)
        head = b'{"document":' + orjson.dumps(document) + b',"batch":'
        bodies = [head + line + b"}" for line in lines]
        validator = load_plan(document, compat="1.0.3")
        expected = [validator.validate_line(line) for line in lines]
        events = _events(lines)
        points = len(document.get("data_points", []))
        mean_kib = sum(map(len, bodies)) / len(bodies) / 1024
        print(f"corpus: {len(lines)} batches, {events} events, {points} data points, body {mean_kib:.1f} KiB")

        secret = os.urandom(16).hex()
        log = Path(tmp) / "serve.log"
        proc, stream, port = _start_server(plan_path, secret, log)
        try:
            result = asyncio.run(_load(port, secret, bodies, expected, args))
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
            stream.close()
        rate = result["rps"]
        print(
            f"dpv serve ({args.clients} clients, keep-alive): {result['requests']} requests in "
            f"{result['seconds']:.2f}s = {rate:.0f} req/s ({rate * events / len(lines):.0f} events/s); "
            f"latency p50 {result['p50_ms']:.2f} ms, p90 {result['p90_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms; {result['failures']} non-200, "
            f"{result['mismatches']} answers differing from dpv validate; server exit {code}"
        )

        started = time.perf_counter()
        rounds = 0
        while time.perf_counter() - started < 2.0:
            for line in lines:
                validator.validate_line(line)
            rounds += 1
        elapsed = time.perf_counter() - started
        print(f"dpv in-process (no HTTP): {rounds * len(lines) / elapsed:.0f} batches/s")

        if args.oracle and Path(args.oracle).exists():
            batches_file = Path(tmp) / "batches.ndjson"
            # The reference compiles the plan for every batch: a bounded sample keeps its run short.
            batches_file.write_bytes(b"\n".join(lines[: args.oracle_batches]) + b"\n")
            doc_file = Path(tmp) / "document.json"
            doc_file.write_bytes(orjson.dumps(document))
            ran = subprocess.run(
                ["node", args.oracle, "--time", "--quiet", str(doc_file), str(batches_file)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=600,
            )
            print(
                "reference (node oracle.js, local, no HTTP): "
                + ran.stderr.decode().strip().removeprefix("oracle: ")
            )
        else:
            print("reference: skipped (no oracle.js)")
    return 0 if result["failures"] == 0 and result["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
