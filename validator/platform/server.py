"""`dpv serve`: the Data Planning API's contract on loopback, validation by this package's engine.

Two layers: `ApiCore` answers one request (method, host, path, headers, body) with a status, headers and
body, knowing no HTTP library; `run` puts it behind aiohttp's server (the `serve` extra), which accepts
absolute-form request lines, so that clients pointed at it through HTTPS_PROXY reach it unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple, Optional
from urllib.parse import parse_qsl

import orjson

from ..api import PlanValidator, load_plan
from ..errors import PlanError
from ..lineparse import decode_json
from . import contract as c

JSON_TYPE = "application/json; charset=utf-8"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class Reply(NamedTuple):
    """One answer: status, body bytes and extra headers."""

    status: int
    body: bytes
    headers: tuple = ()


def _errors(status: int, *messages: str) -> Reply:
    return Reply(status, c.error_body(*messages))


# -- loaded plans -------------------------------------------------------------------------------------


class PlanStore:
    """The plans the GET routes serve, keyed by data_plan_id, from plan files as `dpv validate` reads them.

    A file may hold a data plan (`data_plan_versions`), a version object with its `data_plan_id`, or a
    JSON array of these; versions of one plan found in several files are gathered into one plan.
    """

    def __init__(self, plans: Optional[dict] = None) -> None:
        self.plans: dict = dict(plans or {})

    @classmethod
    def from_paths(cls, paths: list, warn: Callable[[str], None] = lambda message: None) -> PlanStore:
        """Read plan files (or directories of *.json); PlanError when a file cannot be read."""
        store = cls()
        for path in paths:
            for file in _json_files(Path(path)):
                try:
                    obj = orjson.loads(file.read_bytes())
                except OSError as exc:
                    raise PlanError(f"cannot read plan file: {exc.strerror or exc}", str(file)) from None
                except orjson.JSONDecodeError as exc:
                    raise PlanError(f"plan file is not valid JSON: {exc}", str(file)) from None
                if not store._add(obj):
                    warn(f"{file}: no data_plan_id with versions: not served by the plan routes")
        return store

    def _add(self, obj: Any) -> bool:
        if isinstance(obj, list):
            return any([self._add(item) for item in obj])
        if not isinstance(obj, dict):
            return False
        plan_id = obj.get("data_plan_id")
        if not isinstance(plan_id, str):
            return False
        if isinstance(obj.get("data_plan_versions"), list):
            plan = self.plans.setdefault(plan_id, {**obj, "data_plan_versions": []})
            plan["data_plan_versions"].extend(v for v in obj["data_plan_versions"] if isinstance(v, dict))
            return True
        if "version_document" in obj:
            plan = self.plans.setdefault(plan_id, {"data_plan_id": plan_id, "data_plan_versions": []})
            plan["data_plan_versions"].append(obj)
            return True
        return False

    def listing(self) -> list:
        """Every plan, its versions without their documents."""
        return [c.plan_summary(plan) for plan in self.plans.values()]

    def plan(self, plan_id: str) -> Optional[dict]:
        """One whole plan, or None."""
        return self.plans.get(plan_id)

    def version(self, plan_id: str, version: str) -> Optional[dict]:
        """One version object (with version_document) of a plan, or None; `version` as the path has it."""
        plan = self.plans.get(plan_id)
        for item in plan.get("data_plan_versions", []) if plan else []:
            if str(item.get("version")) == version:
                out = dict(item)
                out.setdefault("data_plan_id", plan_id)
                return out
        return None


def _json_files(path: Path) -> list:
    if not path.is_dir():
        return [path]
    files = sorted(
        p for p in path.rglob("*.json") if not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise PlanError(f"no plan files (*.json) in directory {path}", str(path))
    return files


# -- tokens -------------------------------------------------------------------------------------------


class Credentials(NamedTuple):
    """The client credentials the token endpoint accepts; the secret never shows in a repr."""

    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, client_secret=<hidden>)"


class TokenStore:
    """Issues random bearer tokens for the configured credentials and checks them until they expire."""

    MAX_TOKENS = 100_000  # the real clients fetch a token for every call: a bound, oldest dropped first

    def __init__(self, credentials: Optional[Credentials], lifetime: int = c.TOKEN_LIFETIME) -> None:
        self.credentials = credentials  # None: any credentials are accepted (--no-auth)
        self.lifetime = lifetime
        self._tokens: OrderedDict = OrderedDict()  # sha256(token) -> expiry (monotonic)
        self._lock = threading.Lock()

    def accepts(self, client_id: Any, client_secret: Any) -> bool:
        """Whether these are the configured credentials (constant-time comparison)."""
        if self.credentials is None:
            return True
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            return False
        same_id = hmac.compare_digest(client_id.encode(), self.credentials.client_id.encode())
        same_secret = hmac.compare_digest(client_secret.encode(), self.credentials.client_secret.encode())
        return same_id and same_secret

    def issue(self) -> str:
        """A new token, valid for `lifetime` seconds."""
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._tokens[_digest(token)] = now + self.lifetime
            while len(self._tokens) > self.MAX_TOKENS:
                self._tokens.popitem(last=False)
        return token

    def valid(self, authorization: Optional[str]) -> bool:
        """Whether an Authorization header carries an issued, unexpired Bearer token."""
        if not authorization:
            return False
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        key = _digest(token.strip())
        with self._lock:
            expiry = self._tokens.get(key)
            if expiry is None:
                return False
            if expiry <= time.monotonic():
                del self._tokens[key]
                return False
        return True


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


# -- compiled documents -------------------------------------------------------------------------------


_BODY_HEAD = b'{"document":'
_BODY_MIDDLE = b',"batch":'


class DocumentCache:
    """Compiled plans keyed by the posted document's content, least recently used dropped past `size`."""

    RECENT = 4  # documents whose serialized form is matched against incoming bodies, byte for byte

    def __init__(self, size: int = 64, **options: Any) -> None:
        self.size = size
        self.options = options  # load_plan keyword arguments (compat, lenient_types, kernel)
        self.compiles = 0
        self._entries: OrderedDict = OrderedDict()
        self._recent: OrderedDict = OrderedDict()  # b'{"document":' + content + b',"batch":' -> validator
        self._lock = threading.Lock()

    def get(self, key: bytes, document: dict, content: bytes = b"") -> PlanValidator:
        """The validator for `document` (serialized: `content`, hashed: `key`), compiled at most once."""
        with self._lock:  # compiling under the lock: the same new document never compiles twice
            found = self._entries.get(key)
            if found is None:
                found = load_plan(document, **self.options)
                self.compiles += 1
                self._entries[key] = found
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            if content:
                self._recent[_BODY_HEAD + content + _BODY_MIDDLE] = found
                while len(self._recent) > self.RECENT:
                    self._recent.popitem(last=False)
            return found

    def known_prefix(self, body: bytes) -> Optional[tuple]:
        """(validator, batch text) when `body` is `{"document":<a recent document exactly>,"batch":...}`.

        The body of a client that posts one document many times (the mp CLI serializes it as compactly
        as orjson does) then skips decoding the document: a complete JSON value followed by a comma
        ends where it is, so these bytes decode to that document exactly. Anything else: None.
        """
        end = len(body.rstrip())
        if end == 0 or body[end - 1 : end] != b"}" or not body.startswith(_BODY_HEAD):
            return None
        with self._lock:
            for prefix, validator in reversed(self._recent.items()):
                if body.startswith(prefix):
                    return validator, body[len(prefix) : end - 1]
        return None


def _document_bytes(document: Any) -> bytes:
    try:
        return orjson.dumps(document)
    except (orjson.JSONEncodeError, TypeError):  # integers past 64 bits, decoded by the standard library
        import json

        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# -- the API ------------------------------------------------------------------------------------------


class RateLimit:
    """Requests per minute per workspace, as the API documents them: a token bucket per workspace.

    Past the limit a request gets 429 with Retry-After (whole seconds until one more request may pass).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict = {}  # workspace -> (tokens, last refill)
        self._lock = threading.Lock()

    def wait(self, workspace: str) -> float:
        """0 when a request for `workspace` may pass now (and counts it), else the seconds to wait."""
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(workspace, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[workspace] = (tokens - 1.0, now)
                return 0.0
            self._buckets[workspace] = (tokens, now)
            return (1.0 - tokens) / rate


class ApiCore:
    """Answers Data Planning API requests, whatever the HTTP server in front."""

    def __init__(
        self,
        store: PlanStore,
        tokens: TokenStore,
        cache: DocumentCache,
        *,
        auth: bool = True,
        rate_limit: Optional[RateLimit] = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.cache = cache
        self.auth = auth
        self.rate_limit = rate_limit

    def handle(self, method: str, host: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """One request in, one Reply out; never raises for anything a client sends."""
        host = _bare_host(host)
        local = host in LOCAL_HOSTS
        if path == c.TOKEN_PATH and (local or host == c.AUTH_HOST):
            if method != "POST":
                return _errors(405, f"{method} is not allowed here: use POST")
            return self.token(headers.get("content-type", ""), body)
        if not (local or host == c.API_HOST):
            return _errors(404, f"dpv serve answers for {c.API_HOST} and {c.AUTH_HOST} only, not {host}")
        route = c.match_route(path)
        if route is None:
            return _errors(404, f"No route for {path}")
        if method != c.ROUTE_METHODS[route.name]:
            return _errors(
                405, f"{method} is not allowed here: dpv serve answers {c.ROUTE_METHODS[route.name]}"
            )
        if self.auth and not self.tokens.valid(headers.get("authorization")):
            return Reply(401, c.error_body("Unauthorized"), (("WWW-Authenticate", 'Bearer realm="dpv"'),))
        if self.rate_limit is not None:
            wait = self.rate_limit.wait(route.workspace_id)
            if wait > 0:
                return Reply(429, c.error_body("Too Many Requests"), (("Retry-After", str(math.ceil(wait))),))
        if route.name == "validate":
            return self.validate(body)
        if route.name == "plans":
            return Reply(200, orjson.dumps(self.store.listing()))
        plan = self.store.plan(route.plan_id or "")
        if plan is None:
            return _errors(404, c.plan_not_found(route.plan_id or "", route.workspace_id))
        if route.name == "plan":
            return Reply(200, orjson.dumps(plan))
        version = self.store.version(route.plan_id or "", route.version or "")
        if version is None:
            return _errors(
                404, c.version_not_found(route.version or "", route.plan_id or "", route.workspace_id)
            )
        return Reply(200, orjson.dumps(version))

    def token(self, content_type: str, body: bytes) -> Reply:
        """POST /oauth/token, client credentials as JSON (as the mp CLI sends them) or a form."""
        try:
            if "application/x-www-form-urlencoded" in content_type.lower():
                fields: Any = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                fields = orjson.loads(body)
        except (orjson.JSONDecodeError, UnicodeDecodeError):
            fields = None
        if not isinstance(fields, dict):
            return _oauth_error(400, "invalid_request", "The request body must be a JSON object.")
        if fields.get("grant_type") != c.GRANT_TYPE:
            return _oauth_error(400, "unsupported_grant_type", f"grant_type must be {c.GRANT_TYPE}.")
        if fields.get("audience") != c.AUDIENCE:
            return _oauth_error(403, "access_denied", f"audience must be {c.AUDIENCE}.")
        if not self.tokens.accepts(fields.get("client_id"), fields.get("client_secret")):
            return _oauth_error(401, "access_denied", "Unauthorized")
        return Reply(200, c.token_response(self.tokens.issue(), self.tokens.lifetime))

    def validate(self, body: bytes) -> Reply:
        """POST .../plans/validate: `{"document", "batch"}` -> the results `dpv validate` prints for them."""
        if len(body) > c.MAX_BODY_BYTES:
            return too_large()
        known = self.cache.known_prefix(body)
        if known is not None:
            validator, batch_text = known
            try:
                batch = decode_json(batch_text)
            except ValueError:
                batch = None
            if isinstance(batch, dict):
                return _answer(validator, batch)
        try:
            request = decode_json(body) if body else None
        except ValueError:
            return _errors(400, c.INVALID_BATCH)
        if not isinstance(request, dict) or request.get("document") is None or request.get("batch") is None:
            return _errors(400, c.MISSING_VALUE)
        document, batch = request["document"], request["batch"]
        if not isinstance(document, dict):
            return _errors(400, c.INVALID_DOCUMENT)
        points = document.get("data_points")
        if not isinstance(points, list):
            return _errors(400, c.INVALID_PLAN_DOCUMENT)
        if len(points) > c.MAX_DATA_POINTS:
            return _errors(400, c.too_many_points(len(points)))
        if not isinstance(batch, dict):
            return _errors(400, c.INVALID_BATCH)
        content = _document_bytes(document)
        if len(content) > c.MAX_PLAN_BYTES:
            return too_large()
        try:
            validator = self.cache.get(hashlib.sha256(content).digest(), document, content)
        except PlanError:
            return _errors(400, c.INVALID_PLAN_DOCUMENT)
        return _answer(validator, batch)


def _answer(validator: PlanValidator, batch: dict) -> Reply:
    result = validator.validate_batch_bytes(batch)
    if result.startswith(b'{"error"'):
        # Where the reference throws (the plan fails every batch, a schema ajv refuses, a stack overflow),
        # the API answers one of its documented 400s rather than the CLI's error line.
        broken = any(plan.problems for plan in validator.plans)
        return _errors(400, c.INVALID_PLAN_DOCUMENT if broken else c.INVALID_BATCH)
    return Reply(200, result)


def too_large() -> Reply:
    """413 past the documented plan size limit."""
    return _errors(
        413, f"Request body exceeds the data plan limit of {c.MAX_PLAN_BYTES // (1024 * 1024)} MB."
    )


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, orjson.dumps({"error": error, "error_description": description}))


def _bare_host(host: str) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


# -- configuration ------------------------------------------------------------------------------------


def read_mp_config(path: str) -> dict:
    """The `global` section of an mp CLI config file (workspaceId, clientId, clientSecret); ValueError."""
    try:
        config = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError:
        raise ValueError(f"{path} is not valid JSON") from None
    section = config.get("global") if isinstance(config, dict) else None
    if not isinstance(section, dict):
        raise ValueError(f'{path} has no "global" section')
    return section


# -- the HTTP server (aiohttp) ------------------------------------------------------------------------

INLINE_BYTES = 64 * 1024  # bodies up to this size validate on the event loop; larger ones in a thread


def make_app(core: ApiCore) -> Any:
    """The aiohttp application serving `core`; ImportError without the `serve` extra."""
    import asyncio

    from aiohttp import web

    async def dispatch(request: web.Request) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > c.MAX_BODY_BYTES:
            reply = too_large()
        else:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                reply = too_large()
            else:
                args = (request.method, request.host, request.path, request.headers, body)
                if len(body) <= INLINE_BYTES:
                    reply = core.handle(*args)
                else:
                    reply = await asyncio.get_running_loop().run_in_executor(None, core.handle, *args)
        response = web.Response(status=reply.status, body=reply.body, headers=dict(reply.headers))
        response.content_type = "application/json"
        response.charset = "utf-8"
        if reply.status == 413:
            response.force_close()  # the unread rest of the body must not be taken for the next request
        return response

    @web.middleware
    async def no_traceback(request: web.Request, handler: Callable) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except web.HTTPException as exc:  # aiohttp's own (404 for an unroutable target, 405 ...)
            return web.Response(
                status=exc.status, body=c.error_body(exc.reason), content_type="application/json"
            )
        except Exception as exc:  # never a stack trace in a response; the log names the kind only
            print(f"dpv serve: internal error: {type(exc).__name__}", file=sys.stderr, flush=True)
            return web.Response(
                status=500, body=c.error_body("Internal error."), content_type="application/json"
            )

    app = web.Application(client_max_size=c.MAX_BODY_BYTES, middlewares=[no_traceback])
    app["dpv.core"] = core
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


def _access_logger() -> Any:
    from aiohttp.abc import AbstractAccessLogger

    class AccessLogger(AbstractAccessLogger):
        """One line per request on stderr: method, host, path (no query, no headers), status, size, time.

        Credentials travel in headers and bodies only, which this log never shows.
        """

        def log(self, request: Any, response: Any, time: float) -> None:
            stamp = _utc_now()
            print(
                f'{stamp} {request.remote} "{request.method} {request.host}{request.path}" '
                f"{response.status} {response.body_length} {time * 1000:.1f}ms",
                file=sys.stderr,
                flush=True,
            )

    return AccessLogger


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run(
    core: ApiCore,
    host: str,
    port: int,
    *,
    access_log: bool = True,
    ready: Optional[Callable[[str, int], None]] = None,
    shutdown_timeout: float = 10.0,
) -> None:
    """Serve until SIGINT or SIGTERM, then stop accepting and let requests in flight finish."""
    import asyncio
    import signal

    from aiohttp import web

    async def serve() -> None:
        runner = web.AppRunner(
            make_app(core),
            access_log_class=_access_logger() if access_log else web.AccessLogger,
            access_log=None if not access_log else _silent_logger(),
            shutdown_timeout=shutdown_timeout,
            handle_signals=False,
            # After an early 413 the rest of the body is read and dropped for at most this long (aiohttp's
            # default, 10 s, would also hold up a shutdown that follows).
            lingering_time=1.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port, backlog=256)
        await site.start()
        bound = runner.addresses[0]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if ready is not None:
            ready(str(bound[0]), int(bound[1]))
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(serve())


def _silent_logger() -> Any:
    import logging

    logger = logging.getLogger("dpv.serve.access")
    logger.setLevel(logging.INFO)  # aiohttp logs only when its logger is enabled for INFO
    logger.propagate = False
    return logger


def secret_from_env(name: str = "DPV_CLIENT_SECRET") -> Optional[str]:
    """The client secret from the environment, or None."""
    value = os.environ.get(name)
    return value if value else None
