"""`dpv pull`: fetch plan versions from the Data Planning API into `<data_plan_id>-<version>.json` files.

A token is fetched once and reused until shortly before it expires (in memory; on disk only in a
file the user names, mode 0600); requests are retried with exponential backoff and full jitter on 429,
5xx, timeouts and dropped connections, honouring Retry-After, within a bounded number of attempts and
total time. HTTP by httpx (the `pull` extra). No secret ever reaches an exception, a log or the output.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import orjson

from ..atomic import atomic_output
from . import contract as c

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class PullError(Exception):
    """A pull that cannot complete; `unusable` marks bad credentials and unknown plans (exit 3)."""

    def __init__(self, message: str, *, unusable: bool = True) -> None:
        super().__init__(message)
        self.unusable = unusable


class ApiCredentials(NamedTuple):
    """Workspace and client credentials; the secret never shows in a repr."""

    workspace_id: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        shown = f"workspace_id={self.workspace_id!r}, client_id={self.client_id!r}"
        return f"ApiCredentials({shown}, client_secret=<hidden>)"


def load_credentials(
    config: Optional[str], workspace: Optional[str], environ: Optional[dict] = None
) -> ApiCredentials:
    """Credentials from mp.config.json (`global`), else $DPV_WORKSPACE_ID, $DPV_CLIENT_ID, $DPV_CLIENT_SECRET.

    `workspace` (--workspace) overrides either source's workspace. Raises PullError naming what is missing.
    """
    env = os.environ if environ is None else environ
    if config is not None:
        from .server import read_mp_config

        try:
            section = read_mp_config(config)
        except ValueError as exc:
            raise PullError(str(exc)) from None
        found = {
            "workspace": section.get("workspaceId"),
            "client ID": section.get("clientId"),
            "client secret": section.get("clientSecret"),
        }
        origin = f"{config} (global.workspaceId, global.clientId, global.clientSecret)"
    else:
        found = {
            "workspace": env.get("DPV_WORKSPACE_ID"),
            "client ID": env.get("DPV_CLIENT_ID"),
            "client secret": env.get("DPV_CLIENT_SECRET"),
        }
        origin = (
            "the environment (DPV_WORKSPACE_ID, DPV_CLIENT_ID, DPV_CLIENT_SECRET) or --config mp.config.json"
        )
    if workspace is not None:
        found["workspace"] = workspace
    missing = [name for name, value in found.items() if value in (None, "")]
    if missing:
        raise PullError(f"missing {', '.join(missing)}: give them in {origin}")
    return ApiCredentials(str(found["workspace"]), str(found["client ID"]), str(found["client secret"]))


class RetryPolicy(NamedTuple):
    """Exponential backoff with full jitter: wait U(0, min(cap, base * 2**attempt)), Retry-After at least."""

    attempts: int = 6  # tries per request, the first included
    base: float = 0.5
    cap: float = 30.0
    budget: float = 120.0  # seconds of waiting and trying per request, all tries together
    timeout: float = 30.0  # seconds per try


class Token(NamedTuple):
    value: str
    expires_at: float  # wall-clock seconds


class ApiClient:
    """The Data Planning API over httpx: token handling, retries, the GET routes."""

    def __init__(
        self,
        credentials: ApiCredentials,
        *,
        api_url: str = c.API_URL,
        auth_url: str = c.AUTH_URL,
        retry: Optional[RetryPolicy] = None,
        token_cache: Optional[str] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] = lambda message: None,
        transport: Any = None,
    ) -> None:
        import httpx

        self._httpx = httpx
        self.credentials = credentials
        self.api_url = api_url.rstrip("/")
        self.token_url = auth_url.rstrip("/") + c.TOKEN_PATH
        self.retry = retry = retry or RetryPolicy()
        self.token_cache = token_cache
        self._sleep, self._clock, self._log = sleep, clock, log
        self._token: Optional[Token] = None
        self.requests = 0  # HTTP requests sent, tries included
        # trust_env=False: proxies and .netrc from the environment never see these credentials.
        self._http = httpx.Client(
            timeout=retry.timeout,
            trust_env=False,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- tokens --------------------------------------------------------------------------------------

    def token(self) -> str:
        """A bearer token valid for a while yet: the one held, the cached one, or a new one."""
        now = self._clock()
        if self._token is None and self.token_cache:
            self._token = self._read_cached_token()
        if self._token is not None and now < self._token.expires_at - _margin(self._token, now):
            return self._token.value
        self._token = self._fetch_token()
        if self.token_cache:
            self._write_cached_token(self._token)
        return self._token.value

    def _fetch_token(self) -> Token:
        body = orjson.dumps(c.token_request(self.credentials.client_id, self.credentials.client_secret))
        response = self._send(
            "POST", self.token_url, content=body, headers={"Content-Type": "application/json"}
        )
        if response.status_code in (400, 401, 403):
            raise PullError(f"the token endpoint refused the credentials (HTTP {response.status_code})")
        if response.status_code != 200:
            raise PullError(f"the token endpoint answered HTTP {response.status_code}", unusable=False)
        try:
            answer = orjson.loads(response.content)
            value, expires_in, kind = (
                answer["access_token"],
                answer.get("expires_in"),
                answer.get("token_type"),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise PullError("the token endpoint's answer is not a token", unusable=False) from None
        if not isinstance(value, str) or not isinstance(kind, str) or kind.lower() != "bearer":
            raise PullError("the token endpoint's answer is not a Bearer token", unusable=False)
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else 0.0
        return Token(value, self._clock() + lifetime)

    def _cache_key(self) -> str:
        return f"{self.token_url} {self.credentials.client_id}"

    def _read_cached_token(self) -> Optional[Token]:
        try:
            cached = orjson.loads(Path(str(self.token_cache)).read_bytes())
            if cached.get("key") == self._cache_key():
                return Token(str(cached["access_token"]), float(cached["expires_at"]))
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            pass  # no usable cache: fetch a token
        return None

    def _write_cached_token(self, token: Token) -> None:
        target = os.path.abspath(str(self.token_cache))
        handle, temp = tempfile.mkstemp(prefix=".dpv-token.", dir=os.path.dirname(target))  # mode 0600
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(
                    orjson.dumps(
                        {
                            "key": self._cache_key(),
                            "access_token": token.value,
                            "expires_at": token.expires_at,
                        }
                    )
                )
            os.chmod(temp, 0o600)
            os.replace(temp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise PullError(
                f"cannot write the token cache {self.token_cache}: {exc.strerror or exc}"
            ) from None

    # -- requests ------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request with retries on 429, 5xx, timeouts and connection failures; the last answer."""
        httpx = self._httpx
        started = self._clock()
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            self.requests += 1
            try:
                response = self._http.request(method, url, **kwargs)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise PullError(f"not a usable URL: {_without_query(url)}", unusable=False) from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem, wait_at_least = _transport_problem(exc), 0.0
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code}"
                wait_at_least = _retry_after(response.headers.get("retry-after"), self._clock())
            wait = max(wait_at_least, random.uniform(0, min(self.retry.cap, self.retry.base * 2**attempt)))
            remaining = self.retry.budget - (self._clock() - started)
            if last or wait > remaining:
                raise PullError(
                    f"{method} {_path(url)}: {problem}, gave up after {attempt + 1} tries", unusable=False
                )
            self._log(f"{method} {_path(url)}: {problem}, retrying in {wait:.1f}s")
            self._sleep(wait)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Any:
        """GET an API path with a bearer token; a 401 gets one fresh token and one more try."""
        url = self.api_url + path
        for fresh in (False, True):
            response = self._send("GET", url, headers={"Authorization": f"Bearer {self.token()}"})
            if response.status_code != 401:
                break
            if fresh:
                raise PullError(f"GET {path}: the API refused the token (HTTP 401): check the credentials")
            self._token = None  # expired or revoked before its time: fetch another
        if response.status_code == 404:
            messages = c.error_messages(response.content) or [f"{path} not found"]
            raise PullError("; ".join(messages))
        if response.status_code == 403:
            raise PullError(
                f"GET {path}: forbidden (HTTP 403): the credentials have no access to this workspace"
            )
        if response.status_code != 200:
            detail = "; ".join(c.error_messages(response.content))
            raise PullError(
                f"GET {path}: HTTP {response.status_code}" + (f": {detail}" if detail else ""), unusable=False
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise PullError(f"GET {path}: the answer is not JSON", unusable=False) from None

    def plans(self) -> list:
        """Every plan of the workspace, versions without their documents."""
        answer = self.get(c.plans_path(self.credentials.workspace_id))
        if not isinstance(answer, list):
            raise PullError("the plan list is not a JSON array", unusable=False)
        return answer

    def plan(self, plan_id: str) -> dict:
        """One plan with all its versions and their documents."""
        answer = self.get(c.plan_path(self.credentials.workspace_id, plan_id))
        if not isinstance(answer, dict):
            raise PullError(f"plan {plan_id}: the answer is not a plan object", unusable=False)
        return answer

    def version(self, plan_id: str, version: int) -> dict:
        """One version of a plan, with its version_document."""
        answer = self.get(c.version_path(self.credentials.workspace_id, plan_id, version))
        if not isinstance(answer, dict):
            raise PullError(
                f"plan {plan_id} version {version}: the answer is not a version object", unusable=False
            )
        return answer


def _margin(token: Token, now: float) -> float:
    """How long before expiry a token stops being used: a tenth of what is left, 5 to 300 seconds."""
    return min(300.0, max(5.0, (token.expires_at - now) / 10))


def _retry_after(value: Optional[str], now: float) -> float:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); 0 when absent or unreadable."""
    if not value:
        return 0.0
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return 0.0


def _transport_problem(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"connection failed ({type(exc).__name__})"


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def _path(url: str) -> str:
    """A URL without scheme and host, for messages."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else url


# -- the pull -----------------------------------------------------------------------------------------


def pull(
    client: ApiClient, out_dir: str, plan_id: Optional[str] = None, version: Optional[int] = None
) -> list:
    """Write one `<data_plan_id>-<version>.json` per version into out_dir; the paths written, in order.

    No plan ID: every plan of the workspace (the list, then each plan with its documents). A plan ID:
    its versions (or only `version`). Each file is written atomically. Raises PullError.
    """
    if version is not None and plan_id is None:
        raise PullError("--version needs --plan-id", unusable=False)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PullError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    if plan_id is not None and version is not None:
        found = client.version(plan_id, version)
        found.setdefault("data_plan_id", plan_id)
        return [_write(out, found)]
    ids = (
        [plan_id]
        if plan_id is not None
        else [p.get("data_plan_id") for p in client.plans() if isinstance(p, dict)]
    )
    written = []
    for each in ids:
        if not isinstance(each, str):
            raise PullError(f"the plan list holds a plan without a data_plan_id: {each!r}", unusable=False)
        plan = client.plan(each)
        for item in plan.get("data_plan_versions") or []:
            if isinstance(item, dict):
                if "version_document" not in item and type(item.get("version")) is int:
                    item = client.version(each, item["version"])  # a plan answered without its documents
                item = dict(item)
                item.setdefault("data_plan_id", each)
                written.append(_write(out, item))
    return written


def _write(out: Path, version: dict) -> str:
    try:
        name = c.version_file_name(version.get("data_plan_id"), version.get("version"))
    except ValueError as exc:
        raise PullError(str(exc), unusable=False) from None
    path = out / name
    with atomic_output(str(path)) as stream:
        stream.write(orjson.dumps(version, option=orjson.OPT_INDENT_2))
        stream.write(b"\n")
    return str(path)
