"""The Data Planning API, one contract and both sides: `dpv serve` (server.py) and `dpv pull` (client.py).

contract.py holds what both sides agree on (hosts, routes, bodies, documented messages, limits);
commands.py the two click commands that validator/cli.py adds to `dpv`. Importing
this package needs only the core dependencies: the HTTP server (aiohttp, the `serve` extra) is imported by
`server.run` / `server.make_app`, the HTTP client (httpx, the `pull` extra) by `ApiClient`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ApiClient, ApiCredentials, PullError, RetryPolicy, load_credentials, pull
    from .contract import MAX_DATA_POINTS, MAX_PLAN_BYTES
    from .server import ApiCore, Credentials, DocumentCache, PlanStore, TokenStore

# Loaded on first use (PEP 562): `dpv validate` imports commands.py for its command table only,
# and should not pay for the client and server modules at start-up.
_HOMES = {
    **dict.fromkeys(
        ("ApiClient", "ApiCredentials", "PullError", "RetryPolicy", "load_credentials", "pull"), "client"
    ),
    **dict.fromkeys(("MAX_DATA_POINTS", "MAX_PLAN_BYTES"), "contract"),
    **dict.fromkeys(("ApiCore", "Credentials", "DocumentCache", "PlanStore", "TokenStore"), "server"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


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
