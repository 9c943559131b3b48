"""Blocking emulation: what mParticle's data plan blocking would drop from a batch, and its quarantine record.

The reference library only validates; blocking happens on mParticle's servers. This module infers it
from the reference's validation results, following what mParticle documents. Sources:

- Guide "Data Plans", section "Blocking Bad Data" (mParticle/docs
  `src/pages/guides/data-master/data-planning/index.md`): blocking is an allowlist; "any event,
  event attribute, or user attribute that is not included in the allowlist can be blocked"; "You can
  block data only for unplanned violations" (invalid values are never blocked); the UI's block
  settings are per plan version; a Quarantine Connection receives "the original batch and metadata
  about what was blocked".
- The same guide, FAQ "Which events are supported?": custom, screen and commerce events are planned and
  validated; application state transition, session and attribution events are not.
- Version document `settings.validation_actions` `{event, event_attribute, user_attribute}`, each a
  ValidationActionType `unknown | allow | drop_event | drop_attribute | drop_batch` (js-models
  `validation_action_type.ts`; Postman collection in mParticle/docs; spec section (e)); the server's
  `action_expected` on each validation error uses the same enum (Data Planning API OAS).
- The web SDK's server-sent block flags `dtpn.blok {ev, ea, ua, id}` (block unplanned events, event
  attributes, user attributes, identities) and its `kitBlocking.ts`: an identity is planned when the
  `user_identities` point's schema allows additional properties (true or absent) or lists it in
  `properties`; with no such point nothing is blocked.
- The quarantine shape: mParticle/quarantine-replay-scripts `example_quarantine_batch.json` (the
  original batch with `context.data_plan.block_metadata`: `dto_version`, `blocked_user_identities`,
  `blocked_device_identities`, `blocked_event_ids`, `blocked_event_attributes` as
  `{event_id, event_attributes: ["./data/custom_attributes/x"]}`, `blocked_user_attributes`) and its
  `identity-utils.js` list of device identities (kept in `device_info`).

The model implemented (BlockSettings, one action per kind of unplanned data):

- events (`event` / `ev`): an event the reference reports unplanned (its single error has no
  `schema_keyword` and points at `#`) is dropped with `drop_event`, or drops the batch with
  `drop_batch`, when its `event_type` is in `event_types` (default: custom_event, screen_view,
  commerce_event, the planned kinds; `None`: every event the reference calls unplanned).
- event attributes (`event_attribute` / `ea`): every `additionalProperties` error of a planned
  event names a property the plan does not allow (a custom attribute, or anything the schema closes,
  at any depth); `drop_attribute` removes it, `drop_event` drops the event, `drop_batch` the batch.
- user attributes (`user_attribute` / `ua`): the same for `additionalProperties` errors of the
  `user_attributes` result. Without a `user_attributes` point the reference reports nothing, so
  nothing is blocked (as in the web SDK).
- user identities (`user_identity` / `id`, a dpv name: validation_actions has no such key): the
  reference never validates identities, so this follows the web SDK's rule above, over the keys of
  `user_identities` and the device identities in `device_info`.
- Every other error (invalid_value, missing_required, unknown) is `allow`. `unknown` as an action
  means `allow`.
- Inference, not documented: the action `drop_batch` drops the whole batch when anything of its kind
  is unplanned; `drop_event` for event attributes drops the event carrying them. A batch that cannot
  be validated (the reference throws on it) is dropped whole, with kind "error".

Settings come from the routed plan version unless given: `settings.validation_actions` of its document,
then the `dtpn.blok` flags of the plan file for the kinds validation_actions leaves out; nothing given
means allow everything.

The quarantine record is the original batch with `context.data_plan.block_metadata` (plan_id and
plan_version filled in from the routed version when the batch lacks them). Event ids are strings
(as in mParticle's sample), taken from `data.event_id`; lists of identities are sorted (as in the
sample), everything else is in batch order; attribute paths are "./" plus the path inside the event
with JSON pointer escapes (`~1` for "/"), which the sample cannot show. dpv adds keys (prefixed
`dpv_`) for what the documented shape cannot say: `dpv_blocked_event_indexes` (every dropped event,
with or without an event_id), `dpv_event_index` in each blocked_event_attributes entry,
`dpv_batch_dropped`, and `dpv_error` for a batch that could not be validated.

The input batch is never modified: a cleaned batch is a copy that shares untouched parts with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, NamedTuple, Optional

import orjson

from . import _kernel
from .api import PlanValidator
from .errors import BatchFailure, DeepBatch
from .jsvalue import js_string, truthy
from .lineparse import decode_json
from .plan import PlanVersion
from .results import check_stack
from .stream import as_validator

ALLOW, DROP_ATTRIBUTE, DROP_EVENT, DROP_BATCH = "allow", "drop_attribute", "drop_event", "drop_batch"
ACTIONS = ("unknown", ALLOW, DROP_EVENT, DROP_ATTRIBUTE, DROP_BATCH)  # ValidationActionType
DEFAULT_EVENT_TYPES = frozenset({"custom_event", "screen_view", "commerce_event"})
# Device identities live in device_info, not user_identities (quarantine-replay-scripts identity-utils.js).
DEVICE_IDENTITIES = frozenset(
    {
        "ios_advertising_id", "ios_idfv", "android_advertising_id", "android_uuid", "amp_id",
        "roku_advertising_id", "roku_publisher_id", "microsoft_advertising_id", "microsoft_publisher_id",
        "fire_advertising_id", "push_token",
    }
)  # fmt: skip

# field -> (actions it may take, the action a `true` block flag means)
_KINDS = {
    "events": ((ALLOW, DROP_EVENT, DROP_BATCH), DROP_EVENT),
    "event_attributes": ((ALLOW, DROP_ATTRIBUTE, DROP_EVENT, DROP_BATCH), DROP_ATTRIBUTE),
    "user_attributes": ((ALLOW, DROP_ATTRIBUTE, DROP_BATCH), DROP_ATTRIBUTE),
    "user_identities": ((ALLOW, DROP_ATTRIBUTE, DROP_BATCH), DROP_ATTRIBUTE),
}
# validation_actions / dtpn.blok / field names -> field
_ALIASES = {
    "event": "events", "ev": "events", "events": "events",
    "event_attribute": "event_attributes", "ea": "event_attributes", "event_attributes": "event_attributes",
    "user_attribute": "user_attributes", "ua": "user_attributes", "user_attributes": "user_attributes",
    "user_identity": "user_identities", "id": "user_identities", "user_identities": "user_identities",
}  # fmt: skip


@dataclass(frozen=True)
class BlockSettings:
    """What to do with each kind of unplanned data; every field is an action name (see the module doc)."""

    events: str = ALLOW
    event_attributes: str = ALLOW
    user_attributes: str = ALLOW
    user_identities: str = ALLOW
    event_types: Optional[frozenset] = field(default=DEFAULT_EVENT_TYPES)

    def __post_init__(self) -> None:
        for name, (allowed, flag) in _KINDS.items():
            value = getattr(self, name)
            if value is True or value is False or value is None:
                value = flag if value else ALLOW
            elif value == "unknown":
                value = ALLOW
            if value not in allowed:
                raise ValueError(f"block setting {name}: {value!r} is not one of {', '.join(allowed)}")
            object.__setattr__(self, name, value)
        if self.event_types is not None:
            object.__setattr__(self, "event_types", frozenset(self.event_types))

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any], *, strict: bool = True) -> BlockSettings:
        """Settings from `validation_actions` keys, `dtpn.blok` flags or field names, defaulting to allow.

        Takes a mapping whose keys may be event / event_attribute / user_attribute / user_identity,
        ev / ea / ua / id, or the field names (plus event_types), and whose values are action names
        or booleans (true: the kind's usual drop action); and whether unknown keys are an error.
        Returns the settings. Raises ValueError for an unknown key (when strict) or action.
        """
        values: dict = {}
        for key, value in settings.items():
            if key == "event_types":
                values["event_types"] = value
            elif key in _ALIASES:
                values[_ALIASES[key]] = value
            elif strict:
                raise ValueError(f"unknown block setting {key!r} (expected {', '.join(sorted(_ALIASES))})")
        return cls(**values)

    @classmethod
    def from_plan_version(cls, version: PlanVersion) -> BlockSettings:
        """The settings a plan version carries: document `settings.validation_actions`, then `dtpn.blok`.

        Raises ValueError when they name an action that does not exist.
        """
        document = version.document if type(version.document) is dict else {}
        declared = document.get("settings")
        actions = declared.get("validation_actions") if type(declared) is dict else None
        keys = ("event", "event_attribute", "user_attribute", "user_identity")
        values = {k: v for k, v in actions.items() if k in keys} if type(actions) is dict else {}
        found = cls.from_mapping(values)
        flags = version.block if type(version.block) is dict else {}
        named = {_ALIASES[k] for k in values}
        extra: dict[str, Any] = {
            _ALIASES[k]: bool(v)
            for k, v in flags.items()
            if k in ("ev", "ea", "ua", "id") and _ALIASES[k] not in named
        }
        return replace(found, **extra)


class Blocked(NamedTuple):
    """One thing blocking removes, or the reason it drops the whole batch."""

    kind: str  # event | event_attribute | user_attribute | user_identity | device_identity | error
    action: str  # "drop_event" | "drop_attribute" | "drop_batch"
    path: tuple  # keys from the batch to what is removed (("events", 3) for an event); () for "error"
    key: Any  # the unplanned event's key, the attribute or identity name, or the error message

    @property
    def event_index(self) -> Optional[int]:
        """The position of the event concerned in the input batch's events, if any."""
        return self.path[1] if self.path[:1] == ("events",) else None

    @property
    def pointer(self) -> str:
        """A JSON pointer (RFC 6901) into the input batch."""
        return "/" + _joined(self.path) if self.path else ""


class BlockOutcome(NamedTuple):
    """Everything blocking says about one batch."""

    batch: Optional[dict]  # the cleaned batch; None when the batch is dropped
    blocked: list  # Blocked items, events in order then user attributes, then identities
    results: dict  # the validate endpoint's response (errors annotated with action_expected if asked)
    quarantine: Optional[dict]  # the quarantine record; None when nothing was blocked


def clean_batch(plan: Any, batch: Any, settings: Any = None) -> tuple[Optional[dict], list]:
    """The batch as blocking would let it through, and what was blocked.

    Takes a plan (a PlanValidator, path, plan JSON text or decoded plan), a decoded batch, and
    settings: a BlockSettings, a mapping for BlockSettings.from_mapping, or None for the routed
    plan version's own settings.
    Returns (cleaned batch, or None when the whole batch is dropped; list of Blocked).
    Raises PlanError for an unusable plan, ValueError for bad settings.
    """
    outcome = block_batch(plan, batch, settings)
    return outcome.batch, outcome.blocked


def block_batch(plan: Any, batch: Any, settings: Any = None, *, with_actions: bool = False) -> BlockOutcome:
    """Validate a batch and apply blocking: cleaned batch, blocked items, results and quarantine record.

    Takes what clean_batch takes, and with_actions: add `action_expected` (the action blocking takes
    on that error, `allow` for what cannot be blocked) as the last key of every validation error.
    Returns a BlockOutcome. Raises as clean_batch.
    """
    validator = as_validator(plan)
    given = None if settings is None else _settings(settings)  # bad settings fail whatever the batch
    line, _ = validator.check_line(b"", batch)  # like validate_batch, but a batch must be an object
    response = decode_json(line)  # orjson refuses the \\udxxx escapes the reference writes
    if "error" in response:
        failed = [Blocked("error", DROP_BATCH, (), response["error"])]
        return BlockOutcome(None, failed, response, quarantine_record(batch, failed))
    version = validator.version_for(batch)
    compiled = validator.compiled(version)
    chosen = given or BlockSettings.from_plan_version(version)
    results = response["results"]
    ua_result = None
    if results and results[-1]["data"].get("match", {}).get("type") == "user_attributes":
        ua_result = results[-1]
    blocked: list = []
    if len(results) > (ua_result is not None):
        blocked.extend(_event_blocks(validator, compiled, batch, iter(results), chosen, with_actions))
    if ua_result is not None:
        blocked.extend(_user_attribute_blocks(ua_result, batch, chosen, with_actions))
    if chosen.user_identities != ALLOW:
        blocked.extend(_identity_blocks(version.document, batch, chosen.user_identities))
    if not blocked:
        return BlockOutcome(batch, blocked, response, None)
    dropped = any(b.action == DROP_BATCH for b in blocked)
    cleaned = None if dropped else _cleaned(batch, blocked)
    record = quarantine_record(batch, blocked, plan_id=version.plan_id, plan_version=version.version)
    return BlockOutcome(cleaned, blocked, response, record)


def _settings(settings: Any) -> BlockSettings:
    if isinstance(settings, BlockSettings):
        return settings
    if isinstance(settings, Mapping):
        return BlockSettings.from_mapping(settings)
    raise TypeError(f"settings must be a BlockSettings, a mapping or None, not {type(settings).__name__}")


def _is_unplanned_event(error: dict) -> bool:
    return (
        error.get("validation_error_type") == "unplanned"
        and "schema_keyword" not in error
        and error.get("error_pointer") == "#"
    )


def _is_unplanned_property(error: dict) -> bool:
    return error.get("schema_keyword") == "additionalProperties" and "key" in error


def _event_blocks(
    validator: PlanValidator,
    compiled: Any,
    batch: dict,
    results: Any,
    settings: BlockSettings,
    with_actions: bool,
) -> list:
    """Blocked events and event attributes; results are matched to events by re-checking each event."""
    kernel = _kernel.load(validator.backend)
    blocked: list = []
    for index, event in enumerate(batch.get("events") or ()):
        if kernel.event_result(compiled, event) is None:
            continue  # valid events have no result
        result = next(results)
        event_type = event.get("event_type") if type(event) is dict else None
        blockable = settings.event_types is None or event_type in settings.event_types
        for error in result["data"]["validation_errors"]:
            action = ALLOW
            if _is_unplanned_event(error):
                action = settings.events if blockable else ALLOW
                if action != ALLOW:
                    blocked.append(Blocked("event", action, ("events", index), error.get("key")))
            elif _is_unplanned_property(error):
                action = settings.event_attributes
                path = _locate(event, _pointer_parts(error["error_pointer"]), error["key"])
                if action != ALLOW and path is not None:
                    blocked.append(Blocked("event_attribute", action, ("events", index, *path), error["key"]))
            if with_actions:
                error["action_expected"] = action
    return blocked


def _user_attribute_blocks(result: dict, batch: dict, settings: BlockSettings, with_actions: bool) -> list:
    blocked: list = []
    attributes = batch.get("user_attributes")
    for error in result["data"]["validation_errors"]:
        action = ALLOW
        if _is_unplanned_property(error):
            action = settings.user_attributes
            path = _locate(attributes, _pointer_parts(error["error_pointer"]), error["key"])
            if action != ALLOW and path is not None:
                blocked.append(Blocked("user_attribute", action, ("user_attributes", *path), error["key"]))
        if with_actions:
            error["action_expected"] = action
    return blocked


def planned_identities(document: Any) -> Optional[frozenset]:
    """Identity names the version document plans, or None when every identity is allowed.

    Follows the web SDK: the last `user_identities` point with a validator counts; its schema's
    `properties` names are planned unless `additionalProperties` is true or absent (then all are).
    """
    points = document.get("data_points") if type(document) is dict else None
    found = None
    for point in points if type(points) is list else ():
        match = point.get("match") if type(point) is dict else None
        if type(match) is dict and match.get("type") == "user_identities" and truthy(point.get("validator")):
            found = point["validator"]
    definition = found.get("definition") if type(found) is dict else None
    if type(definition) is not dict or definition.get("additionalProperties", True) is True:
        return None
    properties = definition.get("properties")
    return frozenset(properties) if type(properties) is dict else frozenset()


def _identity_blocks(document: Any, batch: dict, action: str) -> list:
    planned = planned_identities(document)
    if planned is None:
        return []
    blocked = []
    for where, kind, wanted in (
        ("user_identities", "user_identity", None),
        ("device_info", "device_identity", DEVICE_IDENTITIES),
    ):
        holder = batch.get(where)
        if type(holder) is not dict:
            continue
        for name, value in holder.items():
            if value is not None and name not in planned and (wanted is None or name in wanted):
                blocked.append(Blocked(kind, action, (where, name), name))
    return blocked


def _pointer_parts(pointer: str) -> list:
    # ajv's dataPath escapes names (~0, ~1) and the reference drops empty segments: see _locate.
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/") if p != ""]


def _locate(value: Any, parts: list, key: str) -> Optional[tuple]:
    """Keys from `value` to the property `key` that a reference error_pointer names, or None.

    The reference leaves empty names out of the pointer, so an empty name on the way is tried
    without using up a part. A depth-first search on an explicit stack (pointers can be as deep as
    the batch), trying the named member before the empty-named one.
    """
    # Each state: (value, parts used, the state it came from, the key taken from there).
    stack: list = [(value, 0, None, None)]
    while stack:
        state = stack.pop()
        value, used = state[0], state[1]
        if used == len(parts):
            if type(value) is dict and key in value:
                keys = [key]
                while state[2] is not None:
                    keys.append(state[3])
                    state = state[2]
                return tuple(reversed(keys))
            continue
        head = parts[used]
        if type(value) is dict:
            if "" in value:
                stack.append((value[""], used, state, ""))
            if head in value:
                stack.append((value[head], used + 1, state, head))
        elif type(value) is list and head.isdigit() and int(head) < len(value):
            stack.append((value[int(head)], used + 1, state, int(head)))
    return None


def _without(value: Any, path: tuple) -> Any:
    """A copy of value without the property at path (copies only the containers on the way)."""
    trail = []  # (container, key) on the way down
    for position, head in enumerate(path):
        if type(value) is dict and head not in value:
            result = value  # already gone with a container removed before
            break
        if position == len(path) - 1:
            result = {k: v for k, v in value.items() if k != head}
            break
        trail.append((value, head))
        value = value[head]
    for container, head in reversed(trail):
        copy: Any = dict(container) if type(container) is dict else list(container)
        copy[head] = result
        result = copy
    return result


def _cleaned(batch: dict, blocked: list) -> dict:
    cleaned = batch
    dropped_events = set()
    for item in blocked:
        if item.action == DROP_EVENT:
            dropped_events.add(item.path[1])
        elif item.action == DROP_ATTRIBUTE:
            cleaned = _without(cleaned, item.path)
    if dropped_events:
        events = [e for i, e in enumerate(cleaned["events"]) if i not in dropped_events]
        cleaned = {k: (events if k == "events" else v) for k, v in cleaned.items()}
    return cleaned


def _event_id(event: Any) -> Optional[str]:
    data = event.get("data") if type(event) is dict else None
    value = data.get("event_id") if type(data) is dict else None
    if value is None:
        return None
    return value if type(value) is str else js_string(value)


def _joined(path: tuple) -> str:
    # JSON pointer escapes, so a name holding "/" cannot pass for two levels
    return "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def block_metadata(batch: Any, blocked: list) -> dict:
    """The quarantine's `block_metadata` for what was blocked from `batch` (see the module doc)."""
    events = batch.get("events") if type(batch) is dict else None
    events = events if type(events) is list else []
    dropped: list = []  # event indexes, in order
    attributes: dict = {}  # event index -> ["./data/...", ...]
    users: list = []
    identities: list = []
    devices: list = []
    error = None
    for item in blocked:
        if item.kind == "event" or (item.kind == "event_attribute" and item.action == DROP_EVENT):
            if item.path[1] not in dropped:
                dropped.append(item.path[1])
        elif item.kind == "event_attribute":
            attributes.setdefault(item.path[1], []).append("./" + _joined(item.path[2:]))
        elif item.kind == "user_attribute":
            users.append(item.key if len(item.path) == 2 else _joined(item.path[1:]))
        elif item.kind == "user_identity":
            identities.append(item.key)
        elif item.kind == "device_identity":
            devices.append(item.key)
        else:
            error = item.key
    dropped.sort()
    entries = []
    for index in sorted(i for i in attributes if i not in dropped):
        entry: dict = {}
        event_id = _event_id(events[index])
        if event_id is not None:
            entry["event_id"] = event_id
        entry["event_attributes"] = attributes[index]
        entry["dpv_event_index"] = index
        entries.append(entry)
    metadata = {
        "dto_version": 1,
        "blocked_user_identities": sorted(identities),
        "blocked_device_identities": sorted(devices),
        "blocked_event_ids": [i for i in (_event_id(events[index]) for index in dropped) if i is not None],
        "blocked_event_attributes": entries,
        "blocked_user_attributes": users,
        "dpv_blocked_event_indexes": dropped,
        "dpv_batch_dropped": any(item.action == DROP_BATCH for item in blocked),
    }
    if error is not None:
        metadata["dpv_error"] = error
    return metadata


def quarantine_record(batch: Any, blocked: list, *, plan_id: Any = None, plan_version: Any = None) -> dict:
    """The quarantine output record: the original batch with `context.data_plan.block_metadata`.

    Takes the original batch, what was blocked, and the plan id and version to fill in when the
    batch's context.data_plan lacks them. Returns a new dict (the batch's keys in their order,
    `context` last when it was absent). A batch that is not an object is kept under `dpv_original`.
    """
    metadata = block_metadata(batch, blocked)
    record = dict(batch) if type(batch) is dict else {"dpv_original": batch}
    context = record.get("context")
    context = dict(context) if type(context) is dict else {}
    data_plan = context.get("data_plan")
    data_plan = dict(data_plan) if type(data_plan) is dict else {}
    if plan_id is not None and "plan_id" not in data_plan:
        data_plan["plan_id"] = plan_id
    if plan_version is not None and "plan_version" not in data_plan:
        data_plan["plan_version"] = plan_version
    data_plan["block_metadata"] = metadata
    context["data_plan"] = data_plan
    record["context"] = context
    return record


class LineBlocker:
    """Blocking for the CLI: one input line in; annotated results, cleaned line and quarantine line out."""

    def __init__(self, validator: PlanValidator, settings: Any = None, with_actions: bool = False) -> None:
        self.validator = validator
        self.settings = None if settings is None else _settings(settings)
        self.with_actions = with_actions

    def apply(self, raw: bytes, valid: bool) -> tuple:
        """(results line with action_expected or None, cleaned line or None, quarantine line or None).

        A line that blocking leaves untouched is passed on as its original bytes.
        """
        from .jsout import dumps
        from .lineparse import parse_line

        try:
            try:
                batch = parse_line(raw)
            except DeepBatch as deep:  # nested past NESTING_LIMIT: fails only where the reference overflows
                batch = check_stack(self.validator.plan_for(deep.value), deep.value)
        except BatchFailure as exc:
            record = {"dpv_error": str(exc), "dpv_line": raw.decode("utf-8", "replace")}
            return None, None, _json_line(record)
        outcome = block_batch(self.validator, batch, self.settings, with_actions=self.with_actions)
        results = dumps(outcome.results).encode() if self.with_actions else None
        if not outcome.blocked:
            return results, raw, None
        cleaned = None if outcome.batch is None else _json_line(outcome.batch)
        quarantine = None if outcome.quarantine is None else _json_line(outcome.quarantine)
        return results, cleaned, quarantine


def _json_line(value: Any) -> bytes:
    """A batch or record as one JSON line: orjson, or JSON.stringify's text where orjson refuses
    (lone surrogates, nesting deeper than 254)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        from .jsout import dumps

        return dumps(value).encode()
