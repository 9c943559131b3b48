"""The Data Planning API, one contract and both sides: `dpv serve` (server.py) and `dpv pull` (client.py).

contract.py holds what both sides agree on (hosts, routes, bodies, documented messages, limits) and needs
nothing beyond the core dependencies; the server needs the `serve` extra (aiohttp), the client the `pull`
extra (httpx), imported only when used.
"""

from .contract import MAX_DATA_POINTS, MAX_PLAN_BYTES

__all__ = ["MAX_DATA_POINTS", "MAX_PLAN_BYTES"]
