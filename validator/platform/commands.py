"""`dpv serve` and `dpv pull`: click commands over validator.platform; no HTTP or API logic here.

validator/cli.py adds them to the `dpv` group. Exit codes as in the rest of `dpv`: 0 done, 1 the API kept
failing (pull), 2 usage error, 3 bad credentials, an unknown plan, or a plan file that cannot be read.
"""

from __future__ import annotations

import sys
from typing import Optional

import click

from ..errors import PlanError

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNUSABLE = 0, 1, 2, 3  # validator/cli.py's codes


def _fail(message: str, code: int) -> None:
    click.echo(f"dpv: {message}", err=True)
    sys.exit(code)


@click.command()
@click.option(
    "--plan",
    "plans",
    multiple=True,
    metavar="PATH",
    help="Plan file or directory served by the plan routes (repeatable).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it loopback).")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.option(
    "--client-id", metavar="ID", help="Client ID the token endpoint accepts (secret: $DPV_CLIENT_SECRET)."
)
@click.option(
    "--config", "config", metavar="FILE", help="Take clientId / clientSecret from an mp CLI mp.config.json."
)
@click.option("--no-auth", is_flag=True, help="Accept any credentials and requests without a token.")
@click.option(
    "--token-ttl", default=28800, show_default=True, type=click.IntRange(1), help="Token lifetime, seconds."
)
@click.option(
    "--compat",
    type=click.Choice(["1.0.3", "1.0.4"]),
    default="1.0.3",
    show_default=True,
    help="Reference release the validate route answers as (1.0.3: what @mparticle/cli 1.0.8 runs).",
)
@click.option(
    "--lenient-types",
    is_flag=True,
    help='Accept 42 for "42" and "true" for true, as mParticle\'s servers do.',
)
@click.option(
    "--cache-size", default=64, show_default=True, type=click.IntRange(1), help="Compiled documents kept."
)
@click.option(
    "--rate-limit",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    metavar="N",
    help="Answer 429 with Retry-After past N requests a minute per workspace (the API's is 3000); 0: off.",
)
@click.option("--quiet", "-q", is_flag=True, help="No access log (the listening line stays: it says where).")
@click.option("-v", "--verbose", is_flag=True, help="More on stderr: the plans served and the settings.")
def serve(
    plans: tuple,
    host: str,
    port: int,
    client_id: Optional[str],
    config: Optional[str],
    no_auth: bool,
    token_ttl: int,
    compat: str,
    lenient_types: bool,
    cache_size: int,
    rate_limit: int,
    quiet: bool,
    verbose: bool,
) -> None:
    """Serve the Data Planning API on loopback: validate, plan list / plan / version, and the token endpoint.

    Accepts absolute-form requests, so the mp CLI reaches it unchanged through
    HTTPS_PROXY=http://127.0.0.1:PORT. Needs the `serve` extra (pip install 'dataplan-validator[serve]').
    Exit 0 after SIGINT / SIGTERM, 2 usage error, 3 a plan file cannot be read.
    """
    from . import server

    try:
        import aiohttp  # noqa: F401
    except ImportError:
        _fail("serve needs the serve extra: pip install 'dataplan-validator[serve]'", EXIT_USAGE)
    credentials = None
    if not no_auth:
        if config is not None:
            try:
                section = server.read_mp_config(config)
            except ValueError as exc:
                _fail(str(exc), EXIT_USAGE)
            client_id = client_id or section.get("clientId")
            secret = section.get("clientSecret")
        else:
            secret = server.secret_from_env()
        if not client_id or not secret:
            _fail(
                "give --client-id with $DPV_CLIENT_SECRET, or --config mp.config.json, or --no-auth",
                EXIT_USAGE,
            )
        credentials = server.Credentials(str(client_id), str(secret))
    try:
        store = server.PlanStore.from_paths(
            list(plans), warn=lambda m: click.echo(f"dpv: warning: {m}", err=True)
        )
    except PlanError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    if verbose:
        click.echo(
            f"dpv serve: {len(store.plans)} plans from {', '.join(plans)}; compat {compat}"
            f"{', lenient types' if lenient_types else ''}; authentication {'off' if no_auth else 'on'}",
            err=True,
        )
    cache = server.DocumentCache(cache_size, compat=compat, lenient_types=lenient_types)
    limit = server.RateLimit(rate_limit) if rate_limit else None
    core = server.ApiCore(
        store, server.TokenStore(credentials, token_ttl), cache, auth=not no_auth, rate_limit=limit
    )

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"dpv serve: warning: listening on {host}, beyond loopback", err=True)

    def ready(bound_host: str, bound_port: int) -> None:
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        click.echo(
            f"dpv serve: listening on http://{shown}:{bound_port} ({len(store.plans)} plans)", err=True
        )

    try:
        server.run(core, host, port, access_log=not quiet, ready=ready)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_USAGE)
    click.echo("dpv serve: stopped", err=True)


@click.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    metavar="DIR",
    help="Directory for <data_plan_id>-<version>.json files.",
)
@click.option("--workspace", metavar="ID", help="Workspace ID (default: from --config or $DPV_WORKSPACE_ID).")
@click.option("--plan-id", metavar="ID", help="Pull only this plan.")
@click.option("--version", "version", type=int, metavar="N", help="Pull only this version (with --plan-id).")
@click.option(
    "--config", metavar="FILE", help="mp CLI mp.config.json (global.workspaceId, clientId, clientSecret)."
)
@click.option("--token-cache", metavar="FILE", help="Keep the token in FILE (mode 0600) between runs.")
@click.option("--api-url", default="https://api.mparticle.com", show_default=True, help="API base URL.")
@click.option(
    "--auth-url", default="https://sso.auth.mparticle.com", show_default=True, help="Token service base URL."
)
@click.option(
    "--retries", default=6, show_default=True, type=click.IntRange(1, 20), help="Tries per request."
)
@click.option(
    "--retry-budget",
    default=120.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds per request, tries and waits together.",
)
@click.option(
    "--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per try."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="More on stderr: where from and where to.")
def pull(
    out_dir: str,
    workspace: Optional[str],
    plan_id: Optional[str],
    version: Optional[int],
    config: Optional[str],
    token_cache: Optional[str],
    api_url: str,
    auth_url: str,
    retries: int,
    retry_budget: float,
    timeout: float,
    quiet: bool,
    verbose: bool,
) -> None:
    """Fetch plan versions from the Data Planning API into DIR, one <data_plan_id>-<version>.json each.

    Credentials come from --config or the environment (DPV_WORKSPACE_ID, DPV_CLIENT_ID,
    DPV_CLIENT_SECRET), never from the command line. Needs the `pull` extra. Exit 0 done, 1 the API
    kept failing (429, 5xx, timeouts past the retries), 2 usage error, 3 bad credentials or unknown plan.
    """
    try:
        import httpx  # noqa: F401
    except ImportError:
        _fail("pull needs the pull extra: pip install 'dataplan-validator[pull]'", EXIT_USAGE)
    from . import client as api

    def log(message: str) -> None:
        if not quiet:
            click.echo(f"dpv: {message}", err=True)

    for url in (api_url, auth_url):
        host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        if url.startswith("http://") and host not in ("127.0.0.1", "localhost", "[::1]"):
            log(f"warning: {url} is plain HTTP: credentials and tokens would cross the network unencrypted")

    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other: give one")
    if verbose:
        log(f"pulling from {api_url} (token from {auth_url}) into {out_dir}")
    try:
        credentials = api.load_credentials(config, workspace)
        policy = api.RetryPolicy(attempts=retries, budget=retry_budget, timeout=timeout)
        with api.ApiClient(
            credentials, api_url=api_url, auth_url=auth_url, retry=policy, token_cache=token_cache, log=log
        ) as session:
            written = api.pull(session, out_dir, plan_id, version)
    except api.PullError as exc:
        _fail(str(exc), EXIT_UNUSABLE if exc.unusable else EXIT_VIOLATIONS)
    for path in written:
        if not quiet:
            click.echo(path)
    log(f"{len(written)} plan versions written to {out_dir}")
