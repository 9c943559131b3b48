"""`dpv serve` and `dpv pull`: the Data Planning API contract, end to end over loopback."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

pytest.importorskip("aiohttp", reason="the serve extra is not installed")
pytest.importorskip("httpx", reason="the pull extra is not installed")

from platform_helpers import CANARY_SECRET, CLIENT_ID, ROOT, FaultServer, Served  # noqa: E402

from validator import load_plan  # noqa: E402
from validator.platform import contract as c  # noqa: E402
from validator.platform import server  # noqa: E402
from validator.platform.client import ApiClient, ApiCredentials, PullError, RetryPolicy, pull  # noqa: E402

EXAMPLE_PLAN = ROOT / "examples" / "plan.json"
DOCUMENT = orjson.loads(EXAMPLE_PLAN.read_bytes())["version_document"]
BATCH_LINES = [
    line for line in gzip.decompress((ROOT / "examples" / "batches.ndjson.gz").read_bytes()).splitlines()
]


def _plan_file(tmp: Path) -> Path:
    """A workspace of two plans (three versions) as one data plan file and one version file."""
    version = orjson.loads(EXAMPLE_PLAN.read_bytes())
    plan = {
        "data_plan_id": "mobile_data_plan",
        "data_plan_name": "Mobile Data Plan",
        "data_plan_versions": [
            {
                **version,
                "version": 1,
                "data_plan_id": "mobile_data_plan",
                "activated_environment": "production",
            },
            {**version, "version": 2, "data_plan_id": "mobile_data_plan", "activated_environment": "none"},
        ],
    }
    (tmp / "plans").mkdir()
    (tmp / "plans" / "mobile.json").write_bytes(orjson.dumps(plan))
    other = {**version, "version": 7, "data_plan_id": "web_plan"}
    (tmp / "plans" / "web_plan-7.json").write_bytes(orjson.dumps(other))
    return tmp / "plans"


def _core(tmp: Path, lifetime: int = c.TOKEN_LIFETIME, auth: bool = True) -> server.ApiCore:
    store = server.PlanStore.from_paths([str(_plan_file(tmp))])
    tokens = server.TokenStore(server.Credentials(CLIENT_ID, CANARY_SECRET), lifetime)
    return server.ApiCore(store, tokens, server.DocumentCache(4, compat="1.0.3"), auth=auth)


def _token(core: server.ApiCore) -> str:
    reply = core.token("application/json", orjson.dumps(c.token_request(CLIENT_ID, CANARY_SECRET)))
    assert reply.status == 200
    answer = orjson.loads(reply.body)
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == core.tokens.lifetime
    return str(answer["access_token"])


def _post(
    core: server.ApiCore, token: str, body: bytes, path: str = "/platform/v2/workspaces/1234/plans/validate"
):
    return core.handle("POST", "api.mparticle.com", path, {"authorization": f"Bearer {token}"}, body)


# -- the core, without HTTP ---------------------------------------------------------------------------


def test_validate_answers_the_bytes_dpv_validate_prints(tmp_path: Path) -> None:
    core = _core(tmp_path)
    token = _token(core)
    plan_path = tmp_path / "doc.json"
    plan_path.write_bytes(orjson.dumps(DOCUMENT))
    batches = tmp_path / "batches.ndjson"
    batches.write_bytes(b"\n".join(BATCH_LINES) + b"\n")
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "validator",
            "validate",
            "--plan",
            str(plan_path),
            "--compat",
            "1.0.3",
            "-q",
            str(batches),
        ],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=str(ROOT),
    ).stdout.splitlines()
    assert len(printed) == len(BATCH_LINES) > 10
    for line, expected in zip(BATCH_LINES, printed):
        body = b'{"document":' + orjson.dumps(DOCUMENT) + b',"batch":' + line + b"}"
        reply = _post(core, token, body)
        assert (reply.status, reply.body) == (200, expected)
    assert core.cache.compiles == 1


def test_one_document_posted_10000_times_compiles_once(tmp_path: Path) -> None:
    core = _core(tmp_path)
    token = _token(core)
    body = b'{"document":' + orjson.dumps(DOCUMENT) + b',"batch":' + BATCH_LINES[0] + b"}"
    first = _post(core, token, body)
    for _ in range(9999):
        assert _post(core, token, body) == first
    assert core.cache.compiles == 1
    other = {"data_points": DOCUMENT["data_points"][:1]}
    _post(core, token, orjson.dumps({"document": other, "batch": {"events": []}}))
    assert core.cache.compiles == 2


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = server.DocumentCache(2, compat="1.0.3")
    docs = [{"data_points": DOCUMENT["data_points"][: i + 1]} for i in range(3)]
    for i, doc in enumerate(docs):
        cache.get(bytes([i]), doc)
    cache.get(bytes([2]), docs[2])
    cache.get(bytes([0]), docs[0])  # dropped: compiled again
    assert cache.compiles == 4


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"", 400, c.MISSING_VALUE),
        (b'{"batch":{"events":[]}}', 400, c.MISSING_VALUE),
        (b'{"document":{"data_points":[]}}', 400, c.MISSING_VALUE),
        (b"{nope", 400, c.INVALID_BATCH),
        (b'{"document":[],"batch":{}}', 400, c.INVALID_DOCUMENT),
        (b'{"document":{"points":[]},"batch":{}}', 400, c.INVALID_PLAN_DOCUMENT),
        (b'{"document":{"data_points":[]},"batch":[1]}', 400, c.INVALID_BATCH),
        # where the reference throws (here its constructor, on a null data point), a documented 400
        (b'{"document":{"data_points":[null]},"batch":{"events":[]}}', 400, c.INVALID_PLAN_DOCUMENT),
    ],
)
def test_validate_errors_are_the_documented_400s(
    tmp_path: Path, body: bytes, status: int, message: str
) -> None:
    core = _core(tmp_path)
    reply = _post(core, _token(core), body)
    assert (reply.status, orjson.loads(reply.body)) == (status, {"errors": [{"message": message}]})


def test_plan_limits(tmp_path: Path) -> None:
    core = _core(tmp_path)
    token = _token(core)
    point = DOCUMENT["data_points"][0]
    over = orjson.dumps({"document": {"data_points": [point] * 1001}, "batch": {"events": []}})
    reply = _post(core, token, over)
    assert (reply.status, c.error_messages(reply.body)) == (
        400,
        ["Data plan exceeds maximum of 1000 with 1001 data points."],
    )
    at_limit = orjson.dumps({"document": {"data_points": [point] * 1000}, "batch": {"events": []}})
    assert _post(core, token, at_limit).status == 200
    huge = {"data_points": [{**point, "description": "x" * (11 * 1024 * 1024)}]}
    reply = _post(core, token, orjson.dumps({"document": huge, "batch": {"events": []}}))
    assert reply.status == 413 and "10 MB" in c.error_messages(reply.body)[0]


def test_plan_routes_and_their_404s(tmp_path: Path) -> None:
    core = _core(tmp_path)
    auth = {"authorization": f"Bearer {_token(core)}"}
    base = "/platform/v2/workspaces/1234/plans"
    listing = core.handle("GET", "api.mparticle.com", base, auth, b"")
    plans = orjson.loads(listing.body)
    assert [p["data_plan_id"] for p in plans] == ["mobile_data_plan", "web_plan"]
    assert all("version_document" not in v for p in plans for v in p["data_plan_versions"])
    assert [v["version"] for v in plans[0]["data_plan_versions"]] == [1, 2]
    whole = orjson.loads(core.handle("GET", "api.mparticle.com", f"{base}/mobile_data_plan", auth, b"").body)
    assert whole["data_plan_versions"][1]["version_document"] == DOCUMENT
    one = orjson.loads(core.handle("GET", "127.0.0.1:9", f"{base}/web_plan/versions/7", auth, b"").body)
    assert (one["version"], one["data_plan_id"], one["version_document"]) == (7, "web_plan", DOCUMENT)
    missing = core.handle("GET", "api.mparticle.com", f"{base}/plan_1", auth, b"")
    assert (missing.status, c.error_messages(missing.body)) == (
        404,
        ["The specified plan ID plan_1 in workspace 1234 was not found."],
    )
    missing = core.handle("GET", "api.mparticle.com", f"{base}/mobile_data_plan/versions/10", auth, b"")
    assert (missing.status, c.error_messages(missing.body)) == (
        404,
        ["The specified version 10 in plan ID mobile_data_plan was not found in workspace 1234."],
    )
    assert core.handle("GET", "example.com", base, auth, b"").status == 404  # not a host it answers for
    assert core.handle("DELETE", "api.mparticle.com", f"{base}/web_plan", auth, b"").status == 405


def test_tokens_credentials_and_expiry(tmp_path: Path) -> None:
    core = _core(tmp_path)
    base = "/platform/v2/workspaces/1/plans"
    assert core.handle("GET", "api.mparticle.com", base, {}, b"").status == 401
    assert (
        core.handle("GET", "api.mparticle.com", base, {"authorization": "Bearer made-up"}, b"").status == 401
    )
    token = _token(core)
    assert (
        core.handle("GET", "api.mparticle.com", base, {"authorization": f"bearer {token}"}, b"").status == 200
    )
    wrong = c.token_request(CLIENT_ID, "not-the-secret")
    assert core.token("application/json", orjson.dumps(wrong)).status == 401
    form = f"client_id={CLIENT_ID}&client_secret={CANARY_SECRET}&audience=https%3A%2F%2Fapi.mparticle.com"
    assert (
        core.token(
            "application/x-www-form-urlencoded", (form + "&grant_type=client_credentials").encode()
        ).status
        == 200
    )
    assert core.token("application/json", orjson.dumps({**wrong, "grant_type": "password"})).status == 400
    (tmp_path / "short").mkdir()
    short = _core(tmp_path / "short", lifetime=1)
    token = _token(short)
    assert (
        short.handle("GET", "api.mparticle.com", base, {"authorization": f"Bearer {token}"}, b"").status
        == 200
    )
    time.sleep(1.05)
    assert (
        short.handle("GET", "api.mparticle.com", base, {"authorization": f"Bearer {token}"}, b"").status
        == 401
    )
    (tmp_path / "open").mkdir()
    open_core = _core(tmp_path / "open", auth=False)
    assert open_core.handle("GET", "api.mparticle.com", base, {}, b"").status == 200


def test_secret_never_in_a_repr() -> None:
    assert CANARY_SECRET not in repr(server.Credentials(CLIENT_ID, CANARY_SECRET))
    assert CANARY_SECRET not in repr(ApiCredentials("1", CLIENT_ID, CANARY_SECRET))


# -- over HTTP: dpv serve -----------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path):
    plans = _plan_file(tmp_path)
    instance = Served(
        tmp_path, ["--plan", str(plans), "--client-id", CLIENT_ID], env={"DPV_CLIENT_SECRET": CANARY_SECRET}
    )
    yield instance
    assert instance.stop() == 0  # SIGTERM: a graceful stop
    log = instance.log()
    assert CANARY_SECRET not in log and "dpv serve: stopped" in log


def _pull_env(workspace: str = "1234") -> dict:
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DPV_WORKSPACE_ID=workspace,
        DPV_CLIENT_ID=CLIENT_ID,
        DPV_CLIENT_SECRET=CANARY_SECRET,
    )


def _dpv(args: list, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "validator", *args], capture_output=True, env=env, cwd=str(ROOT), timeout=120
    )


def test_pull_from_serve_writes_the_served_versions(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "pulled"
    urls = ["--api-url", served.url, "--auth-url", served.url]
    done = _dpv(["pull", "--out", str(out), *urls], _pull_env())
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["mobile_data_plan-1.json", "mobile_data_plan-2.json", "web_plan-7.json"]
    store = server.PlanStore.from_paths([str(tmp_path / "plans")])
    for name in names:
        plan_id, version = name[:-5].rsplit("-", 1)
        assert orjson.loads((out / name).read_bytes()) == store.version(plan_id, version)
    one = _dpv(
        ["pull", "--out", str(tmp_path / "one"), "--plan-id", "web_plan", "--version", "7", *urls],
        _pull_env(),
    )
    assert one.returncode == 0 and [p.name for p in (tmp_path / "one").iterdir()] == ["web_plan-7.json"]
    unknown = _dpv(["pull", "--out", str(tmp_path / "x"), "--plan-id", "plan_1", *urls], _pull_env())
    assert unknown.returncode == 3
    assert (
        unknown.stderr.decode().strip()
        == "dpv: The specified plan ID plan_1 in workspace 1234 was not found."
    )
    env = dict(_pull_env(), DPV_CLIENT_SECRET="wrong-secret")
    refused = _dpv(["pull", "--out", str(tmp_path / "x"), *urls], env)
    assert refused.returncode == 3 and refused.stderr.count(b"\n") == 1
    for run in (done, one, unknown, refused):
        assert CANARY_SECRET.encode() not in run.stdout + run.stderr


def test_serve_routes_absolute_form_targets_and_keeps_connections(served: Served) -> None:
    token_body = orjson.dumps(c.token_request(CLIENT_ID, CANARY_SECRET))
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def ask(request: bytes) -> tuple:
            sock.sendall(request)
            status = int(reader.readline().split()[1])
            length = 0
            while True:
                line = reader.readline().strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            return status, reader.read(length)

        status, body = ask(
            b"POST https://sso.auth.mparticle.com/oauth/token HTTP/1.1\r\nhost: sso.auth.mparticle.com\r\n"
            b"Content-Type: application/json;charset=utf-8\r\nConnection: keep-alive\r\n"
            + f"Content-Length: {len(token_body)}\r\n\r\n".encode()
            + token_body
        )
        assert status == 200
        token = orjson.loads(body)["access_token"]
        validate = b'{"document":' + orjson.dumps(DOCUMENT) + b',"batch":' + BATCH_LINES[1] + b"}"
        status, body = ask(  # the same connection: keep-alive
            b"POST https://api.mparticle.com/platform/v2/workspaces/1234/plans/validate HTTP/1.1\r\n"
            b"host: api.mparticle.com\r\nContent-Type: application/json;charset=utf-8\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(validate)}\r\n\r\n".encode()
            + validate
        )
        assert (status, body) == (200, load_plan(DOCUMENT, compat="1.0.3").validate_line(BATCH_LINES[1]))
        status, _ = ask(
            b"GET https://example.com/platform/v2/workspaces/1/plans HTTP/1.1\r\nhost: example.com\r\n\r\n"
        )
        assert status == 404
    assert token not in served.log() and CANARY_SECRET not in served.log()
    assert '"POST api.mparticle.com/platform/v2/workspaces/1234/plans/validate" 200' in served.log()


def test_serve_bounds_request_bodies(served: Served) -> None:
    import httpx

    with httpx.Client(base_url=served.url, trust_env=False) as http:
        token = http.post("/oauth/token", json=c.token_request(CLIENT_ID, CANARY_SECRET)).json()[
            "access_token"
        ]
        big = b"x" * (c.MAX_BODY_BYTES + 1)
        reply = http.post(
            "/platform/v2/workspaces/1/plans/validate",
            content=big,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert reply.status_code == 413 and reply.json()["errors"][0]["message"].endswith("10 MB.")


# -- dpv pull against a faulty API --------------------------------------------------------------------


def _faulty(script: dict):
    """A fault server: `script[(method, path)]`: answers given in order, the last one repeated."""
    from aiohttp import web

    calls: dict = {}

    async def handle(method: str, path: str, headers: dict, body: bytes):
        answers = script.get((method, path)) or script.get(("*", path)) or [(404, c.error_body("nope"), {})]
        index = calls.get((method, path), 0)
        calls[(method, path)] = index + 1
        answer = answers[min(index, len(answers) - 1)]
        if callable(answer):
            answer = answer(headers, body)
        status, payload, extra = answer
        if extra.get("sleep"):
            import asyncio

            await asyncio.sleep(extra.pop("sleep"))
        return web.Response(status=status, body=payload, headers=extra, content_type="application/json")

    return FaultServer(handle)


VERSION = {"version": 3, "data_plan_id": "p", "version_document": DOCUMENT}
TOKEN_OK = (200, c.token_response("tok-1", 28800), {})


def _client(fault: FaultServer, **kwargs) -> tuple:
    waits: list = []
    retry = kwargs.pop("retry", RetryPolicy(attempts=5, base=0.01, cap=0.05, budget=60, timeout=2))
    client = ApiClient(
        ApiCredentials("77", CLIENT_ID, CANARY_SECRET),
        api_url=fault.url,
        auth_url=fault.url,
        retry=retry,
        sleep=waits.append,
        **kwargs,
    )
    return client, waits


def test_pull_retries_429_500_504_and_honours_retry_after(tmp_path: Path) -> None:
    path = c.version_path("77", "p", 3)
    fault = _faulty(
        {
            ("POST", "/oauth/token"): [(500, b"", {}), TOKEN_OK],
            ("GET", path): [
                (429, c.error_body("slow down"), {"Retry-After": "7"}),
                (504, b"", {}),
                (500, b"", {}),
                (200, orjson.dumps(VERSION), {}),
            ],
        }
    )
    try:
        client, waits = _client(fault)
        with client:
            written = pull(client, str(tmp_path / "out"), "p", 3)
        assert [Path(p).name for p in written] == ["p-3.json"]
        assert orjson.loads(Path(written[0]).read_bytes()) == VERSION
        assert len(waits) == 4 and waits[1] >= 7.0  # the token's 500, then Retry-After: 7, then 504 and 500
        assert all(w <= 0.05 for i, w in enumerate(waits) if i != 1)
        assert client.requests == 6
    finally:
        fault.close()


def test_pull_gives_up_within_its_bounds(tmp_path: Path) -> None:
    path = c.version_path("77", "p", 3)
    fault = _faulty({("POST", "/oauth/token"): [TOKEN_OK], ("GET", path): [(503, b"", {})]})
    try:
        client, waits = _client(fault)
        with client, pytest.raises(PullError) as caught:
            pull(client, str(tmp_path / "out"), "p", 3)
        assert "HTTP 503, gave up after 5 tries" in str(caught.value) and not caught.value.unusable
        assert len(waits) == 4
        fault_after = _faulty(
            {("POST", "/oauth/token"): [TOKEN_OK], ("GET", path): [(429, b"", {"Retry-After": "3600"})]}
        )
        try:
            client, waits = _client(fault_after, retry=RetryPolicy(attempts=5, budget=10, timeout=2))
            with client, pytest.raises(PullError):
                pull(client, str(tmp_path / "out"), "p", 3)
            assert waits == []  # an hour's Retry-After is past the budget: no pointless wait
        finally:
            fault_after.close()
        assert not (tmp_path / "out" / "p-3.json").exists()
    finally:
        fault.close()


def test_pull_retries_slow_answers(tmp_path: Path) -> None:
    path = c.version_path("77", "p", 3)
    fault = _faulty(
        {
            ("POST", "/oauth/token"): [TOKEN_OK],
            ("GET", path): [(200, orjson.dumps(VERSION), {"sleep": 1.0}), (200, orjson.dumps(VERSION), {})],
        }
    )
    try:
        client, waits = _client(
            fault, retry=RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=30, timeout=0.3)
        )
        with client:
            pull(client, str(tmp_path / "out"), "p", 3)
        assert len(waits) == 1 and client.requests == 3  # token, the timed-out try, the retry
    finally:
        fault.close()


def test_pull_fetches_a_new_token_when_one_expires_mid_run(tmp_path: Path) -> None:
    tokens = iter(["tok-1", "tok-2"])
    plan = {"data_plan_id": "p", "data_plan_versions": [{"version": 1}, {"version": 2}]}
    whole = {
        "data_plan_id": "p",
        "data_plan_versions": [{**VERSION, "version": 1}, {**VERSION, "version": 2}],
    }

    def issue(headers: dict, body: bytes) -> tuple:
        assert orjson.loads(body) == c.token_request(CLIENT_ID, CANARY_SECRET)
        return (200, c.token_response(next(tokens), 28800), {})

    def only(token: str, payload: bytes):
        def answer(headers: dict, body: bytes) -> tuple:
            ok = headers.get("Authorization") == f"Bearer {token}"
            return (200, payload, {}) if ok else (401, c.error_body("Unauthorized"), {})

        return answer

    whole["data_plan_versions"][1] = {"version": 2}  # answered without its document: fetched alone
    fault = _faulty(
        {
            ("POST", "/oauth/token"): [issue],
            ("GET", c.plans_path("77")): [only("tok-1", orjson.dumps([plan]))],
            ("GET", c.plan_path("77", "p")): [only("tok-2", orjson.dumps(whole))],  # tok-1 expired meanwhile
            ("GET", c.version_path("77", "p", 2)): [only("tok-2", orjson.dumps({**VERSION, "version": 2}))],
        }
    )
    try:
        client, _ = _client(fault)
        with client:
            written = pull(client, str(tmp_path / "out"), None, None)
        assert [Path(p).name for p in written] == ["p-1.json", "p-2.json"]
        assert orjson.loads(Path(written[1]).read_bytes()) == {**VERSION, "version": 2}
        assert [s[1] for s in fault.seen].count("/oauth/token") == 2
    finally:
        fault.close()


def test_pull_cli_bad_credentials_and_canary(tmp_path: Path) -> None:
    fault = _faulty({("POST", "/oauth/token"): [(401, b'{"error":"access_denied"}', {})]})
    try:
        urls = ["--api-url", fault.url, "--auth-url", fault.url]
        done = _dpv(["pull", "--out", str(tmp_path / "out"), *urls], _pull_env())
        assert done.returncode == 3
        assert done.stderr == b"dpv: the token endpoint refused the credentials (HTTP 401)\n"
        assert CANARY_SECRET.encode() not in done.stdout + done.stderr
        config = tmp_path / "mp.config.json"
        config.write_bytes(orjson.dumps({"global": {"workspaceId": 5, "clientId": CLIENT_ID}}))
        missing = _dpv(["pull", "--out", str(tmp_path / "out"), "--config", str(config), *urls], _pull_env())
        assert missing.returncode == 3 and b"missing client secret" in missing.stderr
    finally:
        fault.close()
    # A server that is not there: connection failures are retried, then reported without secrets.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    args = ["pull", "--out", str(tmp_path / "o"), "--api-url", dead, "--auth-url", dead, "--retries", "2"]
    gone = _dpv(args, _pull_env())
    assert gone.returncode == 1 and b"connection failed" in gone.stderr
    args = ["pull", "--out", str(tmp_path / "o"), "--auth-url", "ftp://127.0.0.1/x?secret=" + CANARY_SECRET]
    bad_url = _dpv(args, _pull_env())
    assert bad_url.returncode == 1 and bad_url.stderr == b"dpv: not a usable URL: ftp://127.0.0.1/x\n"
    for run in (gone, bad_url):
        assert CANARY_SECRET.encode() not in run.stdout + run.stderr


def test_token_cache_file(tmp_path: Path) -> None:
    fault = _faulty(
        {
            ("POST", "/oauth/token"): [TOKEN_OK],
            ("GET", c.version_path("77", "p", 3)): [(200, orjson.dumps(VERSION), {})],
        }
    )
    try:
        cache = tmp_path / "token.json"
        for _ in range(2):
            client, _ = _client(fault, token_cache=str(cache))
            with client:
                pull(client, str(tmp_path / "out"), "p", 3)
        assert [s[1] for s in fault.seen].count("/oauth/token") == 1  # the second run used the cached token
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600
        assert CANARY_SECRET not in cache.read_text()
    finally:
        fault.close()


def test_a_known_document_skips_decoding_but_not_correctness(tmp_path: Path) -> None:
    core = _core(tmp_path)
    token = _token(core)
    compact = b'{"document":' + orjson.dumps(DOCUMENT) + b',"batch":'
    spaced = b'{ "document" : ' + orjson.dumps(DOCUMENT, option=orjson.OPT_INDENT_2) + b', "batch": '
    expected = load_plan(DOCUMENT, compat="1.0.3").validate_line(BATCH_LINES[0])
    for head in (spaced, compact, compact, spaced):
        assert _post(core, token, head + BATCH_LINES[0] + b"}\n") == (200, expected, ())
    assert core.cache.compiles == 1
    # bodies that start like a known one but are not {document, batch}: decoded in full, as JSON.parse would
    other = {"data_points": DOCUMENT["data_points"][:1]}
    last_wins = compact + BATCH_LINES[0] + b',"document":' + orjson.dumps(other) + b"}"
    assert _post(core, token, last_wins).body == load_plan(other, compat="1.0.3").validate_line(
        BATCH_LINES[0]
    )
    assert _post(core, token, compact + b"null}").status == 400
    assert _post(core, token, compact + b"[1]}").status == 400
    assert _post(core, token, compact + BATCH_LINES[0] + b"}}").status == 400


def test_serve_credentials_from_config_or_none(tmp_path: Path) -> None:
    import httpx

    no_secret = _dpv(
        ["serve", "--client-id", CLIENT_ID, "--port", "0"], dict(os.environ, PYTHONPATH=str(ROOT))
    )
    assert no_secret.returncode == 2 and b"DPV_CLIENT_SECRET" in no_secret.stderr
    config = tmp_path / "mp.config.json"
    config.write_bytes(
        orjson.dumps({"global": {"workspaceId": 9, "clientId": CLIENT_ID, "clientSecret": CANARY_SECRET}})
    )
    configured = Served(tmp_path, ["--config", str(config)])
    opened = Served(tmp_path, ["--no-auth"])
    try:
        with httpx.Client(trust_env=False) as http:
            token = http.post(configured.url + "/oauth/token", json=c.token_request(CLIENT_ID, CANARY_SECRET))
            assert token.status_code == 200
            refused = http.post(configured.url + "/oauth/token", json=c.token_request(CLIENT_ID, "x"))
            assert refused.status_code == 401
            assert http.get(opened.url + c.plans_path(9)).json() == []  # no token needed, no plans loaded
    finally:
        assert configured.stop() == 0 and opened.stop(signal.SIGINT) == 0
    assert CANARY_SECRET not in configured.log()


def test_serve_answers_concurrent_clients(served: Served) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    with httpx.Client(base_url=served.url, trust_env=False) as http:
        token = http.post("/oauth/token", json=c.token_request(CLIENT_ID, CANARY_SECRET)).json()[
            "access_token"
        ]
    validator = load_plan(DOCUMENT, compat="1.0.3")
    head = b'{"document":' + orjson.dumps(DOCUMENT) + b',"batch":'
    # a pretty-printed document makes bodies past 64 KiB, which validate on a worker thread
    big_head = (
        b'{"document":' + orjson.dumps(DOCUMENT, option=orjson.OPT_INDENT_2) + b" " * 70_000 + b',"batch":'
    )

    def post(i: int) -> bool:
        line = BATCH_LINES[i % len(BATCH_LINES)]
        body = (big_head if i % 3 == 0 else head) + line + b"}"
        with httpx.Client(base_url=served.url, trust_env=False, timeout=60) as http:
            reply = http.post(
                "/platform/v2/workspaces/1/plans/validate",
                content=body,
                headers={"Authorization": f"Bearer {token}"},
            )
        return reply.status_code == 200 and reply.content == validator.validate_line(line)

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(post, range(64)))


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    now = [100.0]
    core = _core(tmp_path)
    core.rate_limit = server.RateLimit(3, clock=lambda: now[0])  # 3 a minute: one every 20 s
    auth = {"authorization": f"Bearer {_token(core)}"}
    path = c.plans_path(1234)
    assert [core.handle("GET", "api.mparticle.com", path, auth, b"").status for _ in range(3)] == [200] * 3
    limited = core.handle("GET", "api.mparticle.com", path, auth, b"")
    assert limited.status == 429 and dict(limited.headers) == {"Retry-After": "20"}
    assert core.handle("GET", "api.mparticle.com", c.plans_path(5), auth, b"").status == 200  # per workspace
    now[0] += 20
    assert core.handle("GET", "api.mparticle.com", path, auth, b"").status == 200


def test_pull_waits_out_serve_rate_limit(tmp_path: Path) -> None:
    plans = _plan_file(tmp_path)
    limited = Served(
        tmp_path,
        ["--plan", str(plans), "--client-id", CLIENT_ID, "--rate-limit", "120"],  # one every 0.5 s past 120
        env={"DPV_CLIENT_SECRET": CANARY_SECRET},
    )
    try:
        client = ApiClient(
            ApiCredentials("1234", CLIENT_ID, CANARY_SECRET),
            api_url=limited.url,
            auth_url=limited.url,
            retry=RetryPolicy(attempts=4, base=0.01, cap=0.05, budget=30, timeout=5),
        )
        with client:
            for _ in range(120):
                client.get(c.plans_path(1234))
            assert len(pull(client, str(tmp_path / "out"))) == 3
    finally:
        assert limited.stop() == 0
    assert '" 429 ' in limited.log()  # limited, waited out (Retry-After: 1), and done
