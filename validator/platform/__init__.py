"""The Data Planning API, one contract and both sides: `dpv serve` (server.py) and `dpv pull` (client.py).

contract.py holds what both sides agree on (hosts, routes, bodies, documented messages, limits);
commands.py the two click commands that validator/cli.py adds to `dpv`. Importing
this package needs only the core dependencies: the HTTP server (aiohttp, the `serve` extra) is imported by
`server.run` / `server.make_app`, the HTTP client (httpx, the `pull` extra) by `ApiClient`.
"""

from .client import ApiClient, ApiCredentials, PullError, RetryPolicy, load_credentials, pull
from .contract import MAX_DATA_POINTS, MAX_PLAN_BYTES
from .server import ApiCore, Credentials, DocumentCache, PlanStore, TokenStore

__all__ = [
    "MAX_DATA_POINTS",
    "MAX_PLAN_BYTES",
    "ApiClient",
    "ApiCore",
    "ApiCredentials",
    "Credentials",
    "DocumentCache",
    "PlanStore",
    "PullError",
    "RetryPolicy",
    "TokenStore",
    "load_credentials",
    "pull",
]
