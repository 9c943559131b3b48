"""The Data Planning API's contract for `dpv serve` and `dpv pull`: hosts, routes, bodies, messages, limits.

Sources: mParticle's published OpenAPI spec of the Data Planning API and its docs pages (Data Planning API,
Default Service Limits), and the requests the real `@mparticle/cli@1.0.8` sends. No I/O here.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Optional
from urllib.parse import quote, unquote

import orjson

API_HOST = "api.mparticle.com"
AUTH_HOST = "sso.auth.mparticle.com"
API_URL = f"https://{API_HOST}"
AUTH_URL = f"https://{AUTH_HOST}"
AUDIENCE = "https://api.mparticle.com"  # the token request's `audience`
GRANT_TYPE = "client_credentials"
TOKEN_PATH = "/oauth/token"
TOKEN_LIFETIME = 28800  # seconds: the `expires_in` the real token endpoint answers
PLANS_PREFIX = "/platform/v2/workspaces/"

# Documented limits (Default Service Limits, "Data Plans" and "Data Planning API").
MAX_DATA_POINTS = 1000
MAX_PLAN_BYTES = 10 * 1024 * 1024
MAX_BATCH_BYTES = 256 * 1024  # the Events API's total request size: a validate body holds one batch
MAX_BODY_BYTES = MAX_PLAN_BYTES + MAX_BATCH_BYTES

# The validate endpoint's documented 400 messages (ValidateDataPlanBadRequest).
MISSING_VALUE = "A required value was missing."
INVALID_BATCH = "Invalid Event Batch."
INVALID_DOCUMENT = "Invalid Document."
INVALID_PLAN_DOCUMENT = "Invalid data plan document."


def too_many_points(count: int) -> str:
    """The documented 400 message for a document past the data point limit."""
    return f"Data plan exceeds maximum of {MAX_DATA_POINTS} with {count} data points."


def plan_not_found(plan_id: str, workspace_id: str) -> str:
    """The documented 404 message (DataPlanNotFound) for an unknown plan."""
    return f"The specified plan ID {plan_id} in workspace {workspace_id} was not found."


def version_not_found(version: str, plan_id: str, workspace_id: str) -> str:
    """The documented 404 message (DataPlanVersionNotFound) for an unknown version of a known plan."""
    return f"The specified version {version} in plan ID {plan_id} was not found in workspace {workspace_id}."


def error_body(*messages: str) -> bytes:
    """The API's error list `{"errors":[{"message": ...}]}`."""
    return orjson.dumps({"errors": [{"message": message} for message in messages]})


def error_messages(body: bytes) -> list:
    """The messages of an error list body; [] when the body is not one."""
    try:
        errors = orjson.loads(body).get("errors")
        return [str(e["message"]) for e in errors if isinstance(e, dict) and "message" in e]
    except (orjson.JSONDecodeError, AttributeError, TypeError):
        return []


# -- routes -------------------------------------------------------------------------------------------


class Route(NamedTuple):
    """One API route as matched from a request path (workspace, plan and version as sent, decoded)."""

    name: str  # "plans" | "plan" | "version" | "validate"
    workspace_id: str
    plan_id: Optional[str] = None
    version: Optional[str] = None


_SEGMENT = "([^/]+)"
_ROUTES = (
    ("validate", re.compile(rf"^/platform/v2/workspaces/{_SEGMENT}/plans/validate/?$")),
    ("plans", re.compile(rf"^/platform/v2/workspaces/{_SEGMENT}/plans/?$")),
    ("version", re.compile(rf"^/platform/v2/workspaces/{_SEGMENT}/plans/{_SEGMENT}/versions/{_SEGMENT}/?$")),
    ("plan", re.compile(rf"^/platform/v2/workspaces/{_SEGMENT}/plans/{_SEGMENT}/?$")),
)
ROUTE_METHODS = {"validate": "POST", "plans": "GET", "plan": "GET", "version": "GET"}


def match_route(path: str) -> Optional[Route]:
    """The API route a request path names, or None."""
    for name, pattern in _ROUTES:
        found = pattern.match(path)
        if found:
            parts = [unquote(p) for p in found.groups()]
            return Route(name, *parts)
    return None


def plans_path(workspace_id: Any) -> str:
    """The path of the plan list of a workspace."""
    return f"{PLANS_PREFIX}{quote(str(workspace_id), safe='')}/plans"


def plan_path(workspace_id: Any, plan_id: Any) -> str:
    """The path of one plan (all its versions, with their documents)."""
    return f"{plans_path(workspace_id)}/{quote(str(plan_id), safe='')}"


def version_path(workspace_id: Any, plan_id: Any, version: Any) -> str:
    """The path of one plan version (with its version_document)."""
    return f"{plan_path(workspace_id, plan_id)}/versions/{quote(str(version), safe='')}"


def validate_path(workspace_id: Any) -> str:
    """The path of the validate endpoint."""
    return f"{plans_path(workspace_id)}/validate"


# -- bodies -------------------------------------------------------------------------------------------


def token_request(client_id: str, client_secret: str) -> dict:
    """The client-credentials token request body, as the real clients send it."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "audience": AUDIENCE,
        "grant_type": GRANT_TYPE,
    }


def token_response(access_token: str, expires_in: int) -> bytes:
    """The token endpoint's answer."""
    return orjson.dumps({"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"})


def plan_summary(plan: dict) -> dict:
    """A plan as the list route answers it: its versions without their data points (version_document)."""
    summary = dict(plan)
    versions = plan.get("data_plan_versions")
    if isinstance(versions, list):
        summary["data_plan_versions"] = [
            {k: v for k, v in version.items() if k != "version_document"}
            if isinstance(version, dict)
            else version
            for version in versions
        ]
    return summary


def version_file_name(plan_id: Any, version: Any) -> str:
    """`<data_plan_id>-<version>.json`, the mp CLI's split file name; ValueError for a name unsafe on disk."""
    if not isinstance(plan_id, str) or not SAFE_PLAN_ID.match(plan_id):
        raise ValueError(f"refusing to name a file after the plan ID {plan_id!r}")
    if type(version) is not int:
        raise ValueError(f"plan {plan_id}: version {version!r} is not an integer")
    return f"{plan_id}-{version}.json"


# A plan ID becomes a file name: no separators, no leading dot (slugs are [a-z0-9_] in practice).
SAFE_PLAN_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")
