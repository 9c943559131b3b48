"""The real `@mparticle/cli@1.0.8` against `dpv serve`, through HTTPS_PROXY, unchanged.

Its server mode prints the validate route's body as it comes (4-space JSON), so that output must be
`dpv validate`'s line re-indented; its local mode runs the reference (data-planning-node 1.0.3) and must
find the same results. The wrappers differ by design, as documented: the endpoint answers
`{"results", "batch": {}}`, the library's local validateBatch `{"batch": <input>, "results"}` and its
validateEvent `{"results": [{} or result]}`. Needs node and `npm ci --prefix tests/node`.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

pytest.importorskip("aiohttp", reason="the serve extra is not installed")
if shutil.which("node") is None:
    pytest.skip("node is not installed", allow_module_level=True)

from platform_helpers import CANARY_SECRET, CLIENT_ID, ROOT, Served  # noqa: E402

from validator import load_plan  # noqa: E402

MP = ROOT / "tests" / "node" / "node_modules" / "@mparticle" / "cli" / "bin" / "run"
EXAMPLE_VERSION = orjson.loads((ROOT / "examples" / "plan.json").read_bytes())
LINES = gzip.decompress((ROOT / "examples" / "batches.ndjson.gz").read_bytes()).splitlines()
# Valid, invalid custom event, commerce, user attributes; then the request the real CLI was recorded
# sending (an empty document: the 1.0.3 user-attributes quirk).
CASES = [(EXAMPLE_VERSION, LINES[i]) for i in (0, 2, 4, 5, 29)] + [
    (
        {"version": 1, "version_document": {"data_points": []}},
        b'{"environment":"development","mpid":"123","events":[{"event_type":"custom_event","data":'
        b'{"event_name":"Test","custom_event_type":"other","custom_attributes":{"foo":"bar"}}}]}',
    )
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    if not MP.exists():
        pytest.fail("the mp CLI is not installed: run `npm ci --prefix tests/node`")
    tmp = tmp_path_factory.mktemp("mpcli")
    plan = {
        "data_plan_id": "mobile_data_plan",
        "data_plan_name": "Mobile Data Plan",
        "data_plan_versions": [
            {**EXAMPLE_VERSION, "version": 1, "data_plan_id": "mobile_data_plan"},
            {**EXAMPLE_VERSION, "version": 2, "data_plan_id": "mobile_data_plan"},
        ],
    }
    (tmp / "plan.json").write_bytes(orjson.dumps(plan))
    instance = Served(
        tmp,
        ["--plan", str(tmp / "plan.json"), "--client-id", CLIENT_ID],
        env={"DPV_CLIENT_SECRET": CANARY_SECRET},
    )
    instance.plan = plan  # type: ignore[attr-defined]
    yield instance
    assert instance.stop() == 0
    assert CANARY_SECRET not in instance.log()


def _mp(args: list, cwd: Path, proxy: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("https_proxy", "http_proxy", "no_proxy")}
    if proxy:
        env["HTTPS_PROXY"] = proxy
    return subprocess.run(["node", str(MP), *args], capture_output=True, cwd=str(cwd), env=env, timeout=120)


def _server_args() -> list:
    return [
        "--serverMode",
        "--workspaceId=1234",
        f"--clientId={CLIENT_ID}",
        f"--clientSecret={CANARY_SECRET}",
    ]


def _as_js_prints(body: bytes) -> str:
    """What `JSON.stringify(JSON.parse(body), null, 4)` prints, for these ASCII-safe cases."""
    return json.dumps(orjson.loads(body), indent=4, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", range(len(CASES)))
def test_batches_validate_server_mode(served: Served, tmp_path: Path, case: int) -> None:
    version, line = CASES[case]
    (tmp_path / "v.json").write_bytes(orjson.dumps(version))
    (tmp_path / "b.json").write_bytes(line)
    files = ["--batchFile=b.json", "--dataPlanVersionFile=v.json"]
    remote = _mp(["planning:batches:validate", *files, *_server_args()], tmp_path, served.url)
    local = _mp(["planning:batches:validate", *files], tmp_path)
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    expected = load_plan(version["version_document"], compat="1.0.3").validate_line(line)
    assert remote.stdout.decode() == _as_js_prints(expected)  # the CLI prints the route's body as is
    here, there = orjson.loads(remote.stdout), orjson.loads(local.stdout)
    assert here["results"] == there["results"] and here["batch"] == {}
    assert there["batch"] == orjson.loads(line)
    assert CANARY_SECRET.encode() not in remote.stdout + remote.stderr


@pytest.mark.parametrize("event_name", ["Sign Up", "Not In The Plan"])
def test_events_validate_server_mode(served: Served, tmp_path: Path, event_name: str) -> None:
    event = {
        "event_type": "custom_event",
        "data": {"event_name": event_name, "custom_event_type": "other", "custom_attributes": {"method": 7}},
    }
    (tmp_path / "v.json").write_bytes(orjson.dumps(EXAMPLE_VERSION))
    (tmp_path / "e.json").write_bytes(orjson.dumps(event))
    files = ["--eventFile=e.json", "--dataPlanVersionFile=v.json"]
    remote = _mp(["planning:events:validate", *files, *_server_args()], tmp_path, served.url)
    local = _mp(["planning:events:validate", *files], tmp_path)
    assert remote.returncode == 0 and local.returncode == 0, remote.stderr + local.stderr
    wrapped = orjson.dumps({"events": [event], "mpid": "", "environment": "unknown"})  # as the CLI wraps it
    expected = load_plan(EXAMPLE_VERSION["version_document"], compat="1.0.3").validate_line(wrapped)
    assert remote.stdout.decode() == _as_js_prints(expected)
    found = orjson.loads(remote.stdout)["results"]
    assert found and found == [r for r in orjson.loads(local.stdout)["results"] if r]


def test_data_plans_fetch_and_fetch_all_split(served: Served, tmp_path: Path) -> None:
    creds = _server_args()[1:]
    fetched = _mp(
        ["planning:data-plans:fetch", "--dataPlanId=mobile_data_plan", *creds], tmp_path, served.url
    )
    assert fetched.returncode == 0, fetched.stderr
    assert orjson.loads(fetched.stdout) == served.plan  # type: ignore[attr-defined]
    missing = _mp(["planning:data-plans:fetch", "--dataPlanId=plan_1", *creds], tmp_path, served.url)
    assert missing.returncode == 2
    assert b"The specified plan ID plan_1 in workspace 1234 was not found." in missing.stderr
    (tmp_path / "split").mkdir()
    split = _mp(["planning:data-plans:fetch-all", "--split", "--outPath=split", *creds], tmp_path, served.url)
    assert split.returncode == 0, split.stderr
    # dpv pull writes the same files with the same content
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DPV_WORKSPACE_ID="1234",
        DPV_CLIENT_ID=CLIENT_ID,
        DPV_CLIENT_SECRET=CANARY_SECRET,
    )
    pulled = subprocess.run(
        [sys.executable, "-m", "validator", "pull", "--out", str(tmp_path / "pulled"), "-q"]
        + ["--api-url", served.url, "--auth-url", served.url],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert pulled.returncode == 0, pulled.stderr
    names = sorted(p.name for p in (tmp_path / "split").iterdir())
    assert names == ["mobile_data_plan-1.json", "mobile_data_plan-2.json"]
    assert names == sorted(p.name for p in (tmp_path / "pulled").iterdir())
    for name in names:
        assert orjson.loads((tmp_path / "split" / name).read_bytes()) == orjson.loads(
            (tmp_path / "pulled" / name).read_bytes()
        )
    refused = _mp(
        [
            "planning:data-plans:fetch-all",
            "--workspaceId=1234",
            f"--clientId={CLIENT_ID}",
            "--clientSecret=nope",
        ],
        tmp_path,
        served.url,
    )
    assert refused.returncode != 0 and b"401" in refused.stderr
