"""Loopback servers for the platform tests: `dpv serve` in a subprocess, and a scripted fault server."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
CANARY_SECRET = "canary-Zq7xK3vW9pLm2"  # must never show in any output, log or exception text
CLIENT_ID = "dpv-test-client"


class Served:
    """A `dpv serve` subprocess on a free loopback port; its stderr (access log) is kept in a file."""

    def __init__(self, tmp: Path, args: list, env: Optional[dict] = None) -> None:
        self.log_path = tmp / f"serve-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        environ = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "validator", "serve", "--port", "0", *args],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=environ,
            cwd=str(ROOT),
        )
        deadline = time.monotonic() + 30
        while True:
            found = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", self.log_path.read_bytes())
            if found:
                self.port = int(found.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("dpv serve did not start: " + self.log_path.read_text())
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """SIGTERM (or `signum`), then the exit code (graceful shutdown is part of the contract)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class FaultServer:
    """An aiohttp server in a thread that answers from a script: `plan(method, path, request) -> response`.

    Every request is recorded as (method, path, headers, body) in `seen`.
    """

    def __init__(self, handler: Callable[..., Any]) -> None:
        from aiohttp import web

        self.seen: list = []
        self._handler = handler
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def dispatch(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            self.seen.append((request.method, request.path, dict(request.headers), body))
            result = self._handler(request.method, request.path, dict(request.headers), body)
            if asyncio.iscoroutine(result):
                result = await result
            return result  # type: ignore[no-any-return]

        async def start() -> None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", dispatch)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]
            self._ready.set()

        def main() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(start())
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault server did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
