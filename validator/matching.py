"""Event and data-point match keys, synthesized matches and unplanned keys: the reference's rules.

Source: data-planning-node `DataPlanEventValidator.generateMatchKey / getMatchKey /
synthesizeMatch / getEventKey` (spec sections a.4 and b). Keys are built with JavaScript string
coercion, so plan `event_name: 5` matches an event whose `event_name` is "5".
"""

from __future__ import annotations

from typing import Any

from .jsvalue import js_string, truthy

MISSING: Any = object()  # a property that is absent (JS undefined), as opposed to null

# Event types whose match key is the type itself.
SIMPLE_EVENT_TYPES = frozenset(
    {
        "breadcrumb",
        "crash_report",
        "first_run",
        "network_performance",
        "opt_out",
        "session_start",
        "session_end",
        "uninstall",
    }
)
# Plan match types whose key is the type itself (criteria ignored).
SIMPLE_MATCH_TYPES = SIMPLE_EVENT_TYPES | {"product_impression", "user_attributes", "user_identities"}
# Plan match types whose key is built from `criteria` (a point without criteria is unusable).
CRITERIA_MATCH_TYPES = (
    "application_state_transition",
    "custom_event",
    "screen_view",
    "product_action",
    "promotion_action",
)
DEAD_KEY = "unknown"  # what every other match type compiles to; no event key can equal it


class MissingCriteria(Exception):
    """A criteria-type match has no usable `criteria` (the reference throws a TypeError).

    args: the match type; `thrown`: V8's text for the first criteria field the reference reads.
    """

    def __init__(self, match_type: str, criteria: Any) -> None:
        super().__init__(match_type)
        field = _FIRST_FIELD.get(match_type, "action")
        holder = "null" if criteria is None else "undefined"
        self.thrown = f"Cannot read properties of {holder} (reading '{field}')"


# The criteria field generateMatchKey reads first, per match type ("action" for the others).
_FIRST_FIELD = {
    "custom_event": "custom_event_type",
    "screen_view": "screen_name",
    "application_state_transition": "application_transition_type",
}


def prop(obj: Any, name: str) -> Any:
    """`obj?.name` for a JSON value: MISSING unless obj is a dict holding name."""
    if type(obj) is dict:
        return obj.get(name, MISSING)
    return MISSING


def _s(value: Any) -> str:
    return "" if value is MISSING else js_string(value)


def point_match_key(match: dict) -> str:
    """Key of a data point's match (generateMatchKey); raises MissingCriteria where JS throws."""
    match_type = match.get("type", MISSING) if type(match) is dict else MISSING
    if type(match_type) is not str:
        return DEAD_KEY
    if match_type in SIMPLE_MATCH_TYPES:
        return match_type
    if match_type not in CRITERIA_MATCH_TYPES:
        return DEAD_KEY
    criteria = match.get("criteria", MISSING)
    if criteria is MISSING or criteria is None:
        raise MissingCriteria(match_type, criteria)
    if match_type == "custom_event":
        return (
            "custom_event:" + _s(prop(criteria, "custom_event_type")) + ":" + _s(prop(criteria, "event_name"))
        )
    if match_type == "screen_view":
        return "screen_view::" + _s(prop(criteria, "screen_name"))
    if match_type == "application_state_transition":
        return "application_state_transition:" + _s(prop(criteria, "application_transition_type"))
    return match_type + ":" + _s(prop(criteria, "action"))


def event_match_key(event: dict) -> Any:
    """Key of an event (getMatchKey): a str, or None when the event cannot be planned."""
    event_type = event.get("event_type")
    if type(event_type) is not str:
        return None
    if event_type in SIMPLE_EVENT_TYPES:
        return event_type
    data = event.get("data", MISSING)
    if event_type == "custom_event":
        if not truthy(data) or data is MISSING:
            return None
        return "custom_event:" + _s(prop(data, "custom_event_type")) + ":" + _s(prop(data, "event_name"))
    if event_type == "screen_view":
        return "screen_view::" + _s(prop(data, "screen_name"))
    if event_type == "commerce_event":
        return commerce_key(data)
    if event_type == "application_state_transition":
        return "application_state_transition:" + _s(prop(data, "application_transition_type"))
    return None


def commerce_key(data: Any) -> str:
    """Commerce precedence: product_action, then promotion_action, then product_impressions."""
    if data is MISSING or not truthy(data):
        return ""
    action = prop(data, "product_action")
    if action is not MISSING and truthy(action):
        return "product_action:" + _s(prop(action, "action"))
    promotion = prop(data, "promotion_action")
    if promotion is not MISSING and truthy(promotion):
        return "promotion_action:" + _s(prop(promotion, "action"))
    impressions = prop(data, "product_impressions")
    if impressions is not MISSING and truthy(impressions):
        return "product_impression"
    return ""


def unplanned_key(event: dict) -> Any:
    """The raw `key` of an unplanned event (getEventKey): event_name / screen_name, else event_type."""
    event_type = event.get("event_type")
    key: Any = MISSING
    if event_type == "custom_event":
        key = prop(event.get("data", MISSING), "event_name")
    elif event_type == "screen_view":
        key = prop(event.get("data", MISSING), "screen_name")
    if key is MISSING or not truthy(key):
        return event_type
    return key


def _or(value: Any, default: Any) -> Any:
    return value if value is not MISSING and truthy(value) else default


def synthesize_match(event: dict) -> dict:
    """The match the reference invents for an unplanned event (key order as the reference builds it)."""
    event_type = event.get("event_type")
    data = event.get("data", MISSING)
    if event_type in SIMPLE_EVENT_TYPES:
        return {"type": event_type}
    if event_type == "screen_view":
        name = prop(data, "screen_name") if truthy(data) and data is not MISSING else ""
        return {"type": "screen_view", "criteria": {} if name is MISSING else {"screen_name": name}}
    if event_type == "custom_event":
        return {
            "type": "custom_event",
            "criteria": {
                "event_name": _or(prop(data, "event_name"), "Custom Event"),
                "custom_event_type": _or(prop(data, "custom_event_type"), "other"),
            },
        }
    if event_type == "application_state_transition":
        return {
            "type": "application_state_transition",
            "criteria": {
                "application_transition_type": _or(prop(data, "application_transition_type"), "unknown")
            },
        }
    if event_type == "commerce_event" and data is not MISSING and truthy(data):
        for field, match_type in (
            ("product_action", "product_action"),
            ("promotion_action", "promotion_action"),
        ):
            value = prop(data, field)
            if value is not MISSING and truthy(value):
                action = prop(value, "action")
                return {"type": match_type, "criteria": {} if action is MISSING else {"action": action}}
        impressions = prop(data, "product_impressions")
        if impressions is not MISSING and truthy(impressions):
            return {"type": "product_impression"}
    return {"type": "unknown"}
