"""Blocking emulation: each setting gives an exact cleaned batch and an exact quarantine line."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

import validator
from validator.blocking import (
    Blocked,
    BlockSettings,
    block_batch,
    clean_batch,
    planned_identities,
    quarantine_record,
)
from validator.plan import versions_in


def _point(match: dict, definition: dict) -> dict:
    return {"match": match, "validator": {"type": "json_schema", "definition": definition}}


def _closed(properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _custom_attributes(schema: dict) -> dict:
    return {"properties": {"data": {"properties": {"custom_attributes": schema}}}}


POINTS = [
    _point(
        {"type": "custom_event", "criteria": {"event_name": "Play", "custom_event_type": "other"}},
        _custom_attributes(_closed({"song": {"type": "string"}, "a/b": _closed({"x": {}})})),
    ),
    _point(
        {"type": "screen_view", "criteria": {"screen_name": "Home"}},
        _custom_attributes(_closed({"referrer": {"type": "string"}})),
    ),
    _point({"type": "user_attributes"}, _closed({"tier": {"enum": ["gold", "silver"]}})),
    _point(
        {"type": "user_identities"}, _closed({"email": {"type": "string"}, "customer_id": {"type": "string"}})
    ),
]


def _plan(settings: Any = None, version: int = 2) -> dict:
    document: dict = {"data_points": POINTS}
    if settings is not None:
        document["settings"] = {"validation_actions": settings}
    return {
        "data_plan_id": "shop",
        "data_plan_versions": [{"version": version, "version_document": document}],
    }


# Event 0: planned, one unplanned attribute (bpm); 1: unplanned event; 2: session_start, unplanned for the
# reference but not a kind of event data plans block by default; 3: planned screen without an event_id,
# one unplanned attribute; 4: an invalid value (never blocked) and an unplanned attribute inside a
# property whose name holds a slash. Plus an unplanned user attribute (zodiac), an unplanned user
# identity (other) and an unplanned device identity (ios_advertising_id; platform is not an identity).
BATCH_JSON = (
    b'{"environment":"development","mpid":"7","context":{"data_plan":{"plan_id":"shop"}},'
    b'"user_identities":{"email":"a@b.c","other":"x","customer_id":"c1"},'
    b'"device_info":{"ios_advertising_id":"idfa","platform":"iOS"},'
    b'"user_attributes":{"tier":"gold","zodiac":"leo"},"events":['
    b'{"event_type":"custom_event","data":{"event_id":101,"event_name":"Play","custom_event_type":"other",'
    b'"custom_attributes":{"song":"x","bpm":120}}},'
    b'{"event_type":"custom_event","data":{"event_id":"102","event_name":"Skip","custom_event_type":"other"}},'
    b'{"event_type":"session_start","data":{"event_id":103}},'
    b'{"event_type":"screen_view","data":{"screen_name":"Home","custom_attributes":{"referrer":"push","ab":"b"}}},'
    b'{"event_type":"custom_event","data":{"event_id":105,"event_name":"Play","custom_event_type":"other",'
    b'"custom_attributes":{"song":5,"a/b":{"x":1,"y":2}}}}]}'
)
EVENTS = orjson.loads(BATCH_JSON)["events"]
CONTEXT = b'"context":{"data_plan":{"plan_id":"shop"}}'


def _batch() -> dict:
    return orjson.loads(BATCH_JSON)


def _metadata(**lists: Any) -> bytes:
    metadata = {
        "dto_version": 1,
        "blocked_user_identities": lists.get("identities", []),
        "blocked_device_identities": lists.get("devices", []),
        "blocked_event_ids": lists.get("ids", []),
        "blocked_event_attributes": lists.get("attributes", []),
        "blocked_user_attributes": lists.get("users", []),
        "dpv_blocked_event_indexes": lists.get("indexes", []),
        "dpv_batch_dropped": lists.get("dropped", False),
    }
    return orjson.dumps(metadata)


def _quarantine_line(metadata: bytes) -> bytes:
    """The original batch's bytes with block_metadata (and the plan version) in its context."""
    context = (
        b'"context":{"data_plan":{"plan_id":"shop","plan_version":2,"block_metadata":' + metadata + b"}}"
    )
    return BATCH_JSON.replace(CONTEXT, context)


def _with_events(*keep: int, replace: Any = None) -> bytes:
    """The batch's bytes keeping only some events, each possibly replaced."""
    batch = _batch()
    replace = replace or {}
    batch["events"] = [replace.get(i, EVENTS[i]) for i in keep]
    return orjson.dumps(batch)


def _data(index: int, **changes: Any) -> dict:
    event = copy.deepcopy(EVENTS[index])
    event["data"].update(changes)
    return event


@pytest.fixture
def plan(kernel: str) -> validator.PlanValidator:
    return validator.load_plan(_plan(), kernel=kernel)


CASES = {
    "nothing": ({}, BATCH_JSON, None),
    "drop unplanned events": (
        {"events": "drop_event"},
        _with_events(0, 2, 3, 4),
        _metadata(ids=["102"], indexes=[1]),
    ),
    "drop unplanned events of every type": (
        {"events": "drop_event", "event_types": None},
        _with_events(0, 3, 4),
        _metadata(ids=["102", "103"], indexes=[1, 2]),
    ),
    "drop unplanned event attributes": (
        {"event_attributes": "drop_attribute"},
        _with_events(
            0,
            1,
            2,
            3,
            4,
            replace={
                0: _data(0, custom_attributes={"song": "x"}),
                3: _data(3, custom_attributes={"referrer": "push"}),
                4: _data(4, custom_attributes={"song": 5, "a/b": {"x": 1}}),
            },
        ),  # fmt: skip
        _metadata(
            attributes=[
                {
                    "event_id": "101",
                    "event_attributes": ["./data/custom_attributes/bpm"],
                    "dpv_event_index": 0,
                },
                {"event_attributes": ["./data/custom_attributes/ab"], "dpv_event_index": 3},
                {
                    "event_id": "105",
                    "event_attributes": ["./data/custom_attributes/a~1b/y"],
                    "dpv_event_index": 4,
                },
            ]
        ),
    ),
    "drop events with unplanned attributes": (
        {"event_attributes": "drop_event"},
        _with_events(1, 2),
        _metadata(ids=["101", "105"], indexes=[0, 3, 4]),
    ),
    "drop unplanned user attributes": (
        {"user_attributes": "drop_attribute"},
        BATCH_JSON.replace(b',"zodiac":"leo"', b""),
        _metadata(users=["zodiac"]),
    ),
    "drop unplanned identities": (
        {"user_identities": "drop_attribute"},
        BATCH_JSON.replace(b',"other":"x"', b"").replace(b'"ios_advertising_id":"idfa",', b""),
        _metadata(identities=["other"], devices=["ios_advertising_id"]),
    ),
    "all at once": (
        {
            "events": "drop_event",
            "event_attributes": "drop_attribute",
            "user_attributes": "drop_attribute",
            "user_identities": "drop_attribute",
        },
        orjson.dumps(
            {
                **orjson.loads(
                    BATCH_JSON.replace(b',"zodiac":"leo"', b"")
                    .replace(b',"other":"x"', b"")
                    .replace(b'"ios_advertising_id":"idfa",', b"")
                ),
                "events": [
                    _data(0, custom_attributes={"song": "x"}),
                    EVENTS[2],
                    _data(3, custom_attributes={"referrer": "push"}),
                    _data(4, custom_attributes={"song": 5, "a/b": {"x": 1}}),
                ],
            }
        ),
        _metadata(
            identities=["other"],
            devices=["ios_advertising_id"],
            ids=["102"],
            attributes=[
                {
                    "event_id": "101",
                    "event_attributes": ["./data/custom_attributes/bpm"],
                    "dpv_event_index": 0,
                },
                {"event_attributes": ["./data/custom_attributes/ab"], "dpv_event_index": 3},
                {
                    "event_id": "105",
                    "event_attributes": ["./data/custom_attributes/a~1b/y"],
                    "dpv_event_index": 4,
                },
            ],
            users=["zodiac"],
            indexes=[1],
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_setting(plan: validator.PlanValidator, case: str) -> None:
    settings, cleaned, metadata = CASES[case]
    batch = _batch()
    outcome = block_batch(plan, batch, settings)
    assert batch == orjson.loads(BATCH_JSON)  # the input is never modified
    assert orjson.dumps(outcome.batch) == cleaned
    if metadata is None:
        assert outcome.quarantine is None and outcome.blocked == [] and outcome.batch is batch
    else:
        assert orjson.dumps(outcome.quarantine) == _quarantine_line(metadata)
    assert clean_batch(plan, batch, settings) == (outcome.batch, outcome.blocked)
    assert outcome.results == plan.validate_batch(batch)  # without with_actions: the plain response


def test_blocked_items(plan: validator.PlanValidator) -> None:
    _, blocked = clean_batch(
        plan,
        _batch(),
        BlockSettings(
            events="drop_event", event_attributes="drop_attribute", user_attributes=True, user_identities=True
        ),
    )
    assert blocked == [
        Blocked(
            "event_attribute", "drop_attribute", ("events", 0, "data", "custom_attributes", "bpm"), "bpm"
        ),
        Blocked("event", "drop_event", ("events", 1), "Skip"),
        Blocked("event_attribute", "drop_attribute", ("events", 3, "data", "custom_attributes", "ab"), "ab"),
        Blocked(
            "event_attribute", "drop_attribute", ("events", 4, "data", "custom_attributes", "a/b", "y"), "y"
        ),
        Blocked("user_attribute", "drop_attribute", ("user_attributes", "zodiac"), "zodiac"),
        Blocked("user_identity", "drop_attribute", ("user_identities", "other"), "other"),
        Blocked(
            "device_identity", "drop_attribute", ("device_info", "ios_advertising_id"), "ios_advertising_id"
        ),
    ]
    assert [b.pointer for b in blocked] == [
        "/events/0/data/custom_attributes/bpm",
        "/events/1",
        "/events/3/data/custom_attributes/ab",
        "/events/4/data/custom_attributes/a~1b/y",
        "/user_attributes/zodiac",
        "/user_identities/other",
        "/device_info/ios_advertising_id",
    ]
    assert [b.event_index for b in blocked] == [0, 1, 3, 4, None, None, None]


@pytest.mark.parametrize(
    ("settings", "metadata"),
    [
        ({"event": "drop_batch"}, _metadata(ids=["102"], indexes=[1], dropped=True)),
        (
            {"event_attribute": "drop_batch"},
            _metadata(
                attributes=[
                    {
                        "event_id": "101",
                        "event_attributes": ["./data/custom_attributes/bpm"],
                        "dpv_event_index": 0,
                    },
                    {"event_attributes": ["./data/custom_attributes/ab"], "dpv_event_index": 3},
                    {
                        "event_id": "105",
                        "event_attributes": ["./data/custom_attributes/a~1b/y"],
                        "dpv_event_index": 4,
                    },
                ],
                dropped=True,
            ),
        ),
        ({"user_attribute": "drop_batch"}, _metadata(users=["zodiac"], dropped=True)),
        (
            {"user_identity": "drop_batch"},
            _metadata(identities=["other"], devices=["ios_advertising_id"], dropped=True),
        ),
    ],
    ids=["event", "event_attribute", "user_attribute", "user_identity"],
)
def test_drop_batch(plan: validator.PlanValidator, settings: dict, metadata: bytes) -> None:
    outcome = block_batch(plan, _batch(), settings)
    assert outcome.batch is None
    assert orjson.dumps(outcome.quarantine) == _quarantine_line(metadata)


def test_action_expected_annotation(plan: validator.PlanValidator) -> None:
    settings = {"events": "drop_event", "event_attributes": "drop_attribute", "user_attributes": "drop_batch"}
    outcome = block_batch(plan, _batch(), settings, with_actions=True)
    plain = plan.validate_batch_bytes(_batch())
    assert orjson.dumps(orjson.loads(plain)) == plain  # so the expectation below can be built with orjson
    expected = orjson.loads(plain)
    # bpm, Skip, session_start (not a blocked event type), ab, song (invalid values are never blocked),
    # a/b/y, then the user attribute zodiac
    actions = iter(
        ["drop_attribute", "drop_event", "allow", "drop_attribute", "allow", "drop_attribute", "drop_batch"]
    )
    for result in expected["results"]:
        for error in result["data"]["validation_errors"]:
            error["action_expected"] = next(actions)  # the last key of each error
    assert next(actions, None) is None
    assert orjson.dumps(outcome.results) == orjson.dumps(expected)
    assert outcome.batch is None  # the unplanned user attribute drops the batch


def test_settings_from_the_plan_version(kernel: str) -> None:
    actions = {"event": "drop_event", "event_attribute": "allow", "user_attribute": "drop_attribute"}
    plan = validator.load_plan(_plan(actions), kernel=kernel)
    cleaned, blocked = clean_batch(plan, _batch())
    assert [b.kind for b in blocked] == ["event", "user_attribute"]
    assert orjson.dumps(cleaned) == _with_events(0, 2, 3, 4).replace(b',"zodiac":"leo"', b"")
    assert clean_batch(plan, _batch(), {}) == (_batch(), [])  # explicit settings replace the plan's


def test_settings_from_web_sdk_block_flags(kernel: str) -> None:
    version = _plan()["data_plan_versions"][0]
    plan = validator.load_plan(
        {"dtpn": {"blok": {"ev": True, "ea": False, "ua": False, "id": True}, "vers": version}}, kernel=kernel
    )
    _, blocked = clean_batch(plan, _batch())
    assert [(b.kind, b.action) for b in blocked] == [
        ("event", "drop_event"),
        ("user_identity", "drop_attribute"),
        ("device_identity", "drop_attribute"),
    ]
    # validation_actions win over block flags for the kinds they name
    version = {
        **version,
        "version_document": {
            **version["version_document"],
            "settings": {"validation_actions": {"event": "allow"}},
        },
    }
    found = BlockSettings.from_plan_version(
        versions_in({"dtpn": {"blok": {"ev": True, "ua": True}, "vers": version}}, "x")[0]
    )
    assert found == BlockSettings(events="allow", user_attributes="drop_attribute")


def test_each_batch_uses_its_version_settings(kernel: str) -> None:
    plan = _plan({"event": "allow"}, version=1)
    plan["data_plan_versions"].append(
        {
            "version": 2,
            "version_document": {
                "data_points": POINTS,
                "settings": {"validation_actions": {"event": "drop_event"}},
            },
        }
    )
    validator_ = validator.load_plan(plan, kernel=kernel)
    first, second = _batch(), _batch()
    first["context"]["data_plan"]["plan_version"] = 1
    second["context"]["data_plan"]["plan_version"] = 2
    assert block_batch(validator_, first).blocked == []
    outcome = block_batch(validator_, second)
    assert outcome.blocked == [Blocked("event", "drop_event", ("events", 1), "Skip")]
    metadata = _metadata(ids=["102"], indexes=[1])
    assert orjson.dumps(outcome.quarantine) == BATCH_JSON.replace(
        CONTEXT,
        b'"context":{"data_plan":{"plan_id":"shop","plan_version":2,"block_metadata":' + metadata + b"}}",
    )


def test_a_batch_that_cannot_be_validated_is_dropped(plan: validator.PlanValidator) -> None:
    batch = {"mpid": "1", "events": [None]}
    outcome = block_batch(plan, batch, {"events": "drop_event"})
    message = "Cannot read properties of null (reading 'event_type')"
    assert outcome.batch is None
    assert outcome.blocked == [Blocked("error", "drop_batch", (), message)]
    assert outcome.results == {"error": message}
    failed = _metadata(dropped=True)[:-1] + b',"dpv_error":' + orjson.dumps(message) + b"}"
    assert orjson.dumps(outcome.quarantine) == (
        b'{"mpid":"1","events":[null],"context":{"data_plan":{"block_metadata":' + failed + b"}}}"
    )
    not_a_batch = block_batch(plan, [1])
    assert not_a_batch.batch is None and list(not_a_batch.quarantine or {}) == ["dpv_original", "context"]


def test_valid_batch_and_batches_without_events(plan: validator.PlanValidator) -> None:
    valid = {"events": [EVENTS[3] | {"data": {"screen_name": "Home"}}], "user_attributes": {"tier": "gold"}}
    settings = BlockSettings(events="drop_batch", event_attributes="drop_batch", user_attributes="drop_batch")
    assert block_batch(plan, valid, settings) == (valid, [], {"results": [], "batch": {}}, None)
    only_users = {"user_attributes": {"tier": "gold", "zodiac": 1}}
    cleaned, blocked = clean_batch(plan, only_users, {"user_attributes": "drop_attribute"})
    assert cleaned == {"user_attributes": {"tier": "gold"}}
    assert [b.key for b in blocked] == ["zodiac"]


def test_no_user_attributes_point_blocks_nothing(kernel: str) -> None:
    plan = validator.load_plan({"data_points": POINTS[:2]}, kernel=kernel)
    assert clean_batch(plan, {"user_attributes": {"anything": 1}}, {"user_attributes": True})[1] == []


def test_planned_identities() -> None:
    assert planned_identities({"data_points": POINTS}) == {"email", "customer_id"}
    assert planned_identities({"data_points": POINTS[:3]}) is None  # no point: nothing is blocked
    open_point = _point(
        {"type": "user_identities"}, {"additionalProperties": True, "properties": {"email": {}}}
    )
    assert planned_identities({"data_points": [*POINTS, open_point]}) is None  # the last point counts
    absent = _point({"type": "user_identities"}, {"properties": {"email": {}}})
    assert planned_identities({"data_points": [absent]}) is None
    schema = _point({"type": "user_identities"}, {"additionalProperties": {}, "properties": {"email": {}}})
    assert planned_identities({"data_points": [schema]}) == {"email"}


def test_block_settings() -> None:
    assert BlockSettings() == BlockSettings.from_mapping({})
    assert BlockSettings.from_mapping({"ev": True, "ea": True, "ua": False, "id": None}) == BlockSettings(
        events="drop_event", event_attributes="drop_attribute"
    )
    assert BlockSettings.from_mapping({"event": "unknown", "user_identity": "drop_batch"}) == BlockSettings(
        user_identities="drop_batch"
    )
    assert BlockSettings(event_types=["custom_event"]).event_types == frozenset({"custom_event"})
    with pytest.raises(
        ValueError, match="events: 'drop_attribute' is not one of allow, drop_event, drop_batch"
    ):
        BlockSettings(events="drop_attribute")
    with pytest.raises(ValueError, match="user_attributes: 'drop_event'"):
        BlockSettings.from_mapping({"user_attribute": "drop_event"})
    with pytest.raises(ValueError, match="unknown block setting 'evnt'"):
        BlockSettings.from_mapping({"evnt": "drop_event"})
    with pytest.raises(TypeError, match="settings must be"):
        clean_batch({"data_points": POINTS}, {}, ["drop_event"])


def test_quarantine_record_fills_missing_context() -> None:
    blocked = [Blocked("user_attribute", "drop_attribute", ("user_attributes", "x"), "x")]
    record = quarantine_record({"mpid": "1", "context": None}, blocked, plan_id="p", plan_version=3)
    assert orjson.dumps(record) == (
        b'{"mpid":"1","context":{"data_plan":{"plan_id":"p","plan_version":3,"block_metadata":'
        + _metadata(users=["x"])
        + b"}}}"
    )
    kept = quarantine_record(
        {"context": {"data_plan": {"plan_version": 9}, "k": 1}}, blocked, plan_id="p", plan_version=3
    )
    assert list(kept["context"]) == ["data_plan", "k"]
    assert list(kept["context"]["data_plan"]) == ["plan_version", "plan_id", "block_metadata"]
    assert kept["context"]["data_plan"]["plan_version"] == 9
