"""Rows of a Warehouse Sync extract -> Events API batches, as the pipeline would build them.

Two pipeline types (validator/warehouse/pipeline.py reads the pipeline object):

- user_attributes: one batch per row with no events. A column named like a reserved identity
  (case-insensitive, IDENTITY_COLUMNS) becomes a user identity, a device identity (in device_info)
  or the batch's `mpid` / `mp_deviceid`; the pipeline's load-timestamp column
  (`sync_mode.iterator_field`, case-insensitive) is skipped; every other column is a user attribute
  under its own name.
- events: one batch per row holding one event, built by the field transformation's mappings:
  `column` puts the row's value of `source` at `destination`, `static` puts `value` there, `ignore`
  drops `source` on purpose. Columns no mapping names are not sent. DESTINATIONS lists every name
  accepted and where it lands.

Every batch gets the pipeline's `environment` and, when the pipeline names a data plan,
`context.data_plan` = {plan_id, plan_version} (plan_version only when the pipeline has one), so
routing picks the plan version as mParticle would.

Values: an absent value (NULL, an empty CSV cell) is not sent at all. Numbers stay numbers and
booleans booleans; identities (user identities, device identities, mpid, mp_deviceid) become strings
(a numeric customer_id 42 is sent as "42"; an mpid is 64-bit, beyond what a JavaScript number holds).
A `*_unixtime_ms` destination takes epoch milliseconds: an integer as is, a numeric string as its
number, a timestamp or date text (ISO 8601 or SQL style, `T` or space, optional fraction, `Z`,
`+hh:mm`, `+hhmm` or `+hh`; no zone means UTC) as its epoch milliseconds; anything else fails the
row with a message naming the column.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, NamedTuple, Optional

# -- reserved identity columns (warehouse-sync-sql.md), lower-cased name -> (where, key) ----------

USER_IDENTITY_COLUMNS = {
    "customerid": "customer_id",
    "customer_id": "customer_id",
    **{
        name: name
        for name in (
            "facebook", "twitter", "google", "microsoft", "yahoo", "email", "facebook_custom_audience_id",
            "other", "other_id_2", "other_id_3", "other_id_4", "other_id_5", "other_id_6", "other_id_7",
            "other_id_8", "other_id_9", "other_id_10", "mobile_number", "phone_number_2", "phone_number_3",
        )
    },
}  # fmt: skip
DEVICE_IDENTITY_COLUMNS = (
    "android_uuid", "ios_advertising_id", "push_token", "ios_idfv", "android_advertising_id", "amp_id",
    "roku_advertising_id", "roku_publisher_id", "microsoft_advertising_id", "microsoft_publisher_id",
    "fire_advertising_id",
)  # fmt: skip
IDENTITY_COLUMNS: dict = {
    "mpid": ("batch", "mpid"),
    "mp_deviceid": ("batch", "mp_deviceid"),  # a top-level batch field in the Events API
    **{name: ("user_identities", key) for name, key in USER_IDENTITY_COLUMNS.items()},
    **{name: ("device_info", name) for name in DEVICE_IDENTITY_COLUMNS},
}

# -- destinations of field transformations --------------------------------------------------------

EVENT_TYPES = (
    "custom_event", "screen_view", "commerce_event", "session_start", "session_end", "breadcrumb",
    "crash_report", "first_run", "network_performance", "opt_out", "uninstall", "push_registration",
    "push_message", "application_state_transition", "user_attribute_change", "user_identity_change",
    "profile",
)  # fmt: skip

# kind: "any" as is, "ms" epoch milliseconds, "id" text, "event_type" one of EVENT_TYPES
EVENT_DATA_FIELDS = {
    "event_name": "any",
    "custom_event_type": "any",
    "event_id": "any",
    "source_message_id": "any",
    "session_id": "any",
    "session_uuid": "any",
    "timestamp_unixtime_ms": "ms",
    "session_start_unixtime_ms": "ms",
    "event_start_unixtime_ms": "ms",
    "screen_name": "any",
    "canonical_name": "any",
    "currency_code": "any",
    "is_non_interactive": "any",
}
BATCH_FIELDS = {"mpid": "id", "mp_deviceid": "id", "source_request_id": "any", "ip": "any"}
# prefix -> (where, container, allowed keys or None for any name, kind)
PREFIXES = {
    "custom_attributes": ("data", "custom_attributes", None, "any"),
    "custom_flags": ("data", "custom_flags", None, "any"),
    "location": ("data", "location", ("latitude", "longitude", "accuracy"), "any"),
    "product_action": (
        "data",
        "product_action",
        ("action", "transaction_id", "affiliation", "total_amount", "tax_amount", "shipping_amount",
         "coupon_code", "checkout_step", "checkout_options", "product_action_list", "product_list_source"),
        "any",
    ),
    "user_attributes": ("batch", "user_attributes", None, "any"),
    "user_identities": ("batch", "user_identities", tuple(dict.fromkeys(USER_IDENTITY_COLUMNS.values())),
                        "id"),
    "device_info": (
        "batch",
        "device_info",
        (*DEVICE_IDENTITY_COLUMNS, "platform", "os_version", "device_model", "device_manufacturer", "brand",
         "product", "device", "locale_language", "locale_country", "device_country", "network_carrier",
         "timezone_offset", "http_header_user_agent", "limit_ad_tracking", "is_tablet",
         "att_authorization_status"),
        "id",
    ),
    "application_info": (
        "batch",
        "application_info",
        ("application_name", "application_version", "package", "os", "install_referrer", "build_identifier"),
        "any",
    ),
}  # fmt: skip
# Identity-like device_info keys are text; the others (is_tablet, timezone_offset...) keep their type.
_DEVICE_TEXT = frozenset(DEVICE_IDENTITY_COLUMNS)
# Set by the pipeline itself: a mapping to these is refused with that reason.
RESERVED = {
    "environment": "the pipeline's `environment` sets it",
    "context": "the pipeline's data_plan_id / data_plan_version set it",
    "events": "each row is one event; map the event's fields instead",
    "data": "map the event's fields by name (event_name, custom_attributes.NAME, ...)",
}


class Destination(NamedTuple):
    """Where a mapping's value lands: in the event, its data, or the batch; under which keys; as what."""

    where: str  # "event" | "data" | "batch"
    keys: tuple  # e.g. ("custom_attributes", "plan") under `where`
    kind: str  # "any" | "ms" | "id" | "event_type"


class DestinationError(ValueError):
    """A destination name that is not accepted; the message says why and what would be."""


def destination(name: Any) -> Destination:
    """Where a field transformation's `destination` lands; raises DestinationError for unknown names."""
    if type(name) is not str or not name:
        raise DestinationError("a destination is a non-empty string")
    if name == "event_type":
        return Destination("event", ("event_type",), "event_type")
    if name in EVENT_DATA_FIELDS:
        return Destination("data", (name,), EVENT_DATA_FIELDS[name])
    if name in BATCH_FIELDS:
        return Destination("batch", (name,), BATCH_FIELDS[name])
    prefix, dot, key = name.partition(".")
    if dot and prefix in PREFIXES:
        where, container, allowed, kind = PREFIXES[prefix]
        if not key:
            raise DestinationError(f"{name!r} names no key after {prefix}.")
        if allowed is not None and key not in allowed:
            raise DestinationError(f"{name!r}: {prefix} has no key {key!r} (accepted: {', '.join(allowed)})")
        if prefix == "device_info" and key not in _DEVICE_TEXT:
            kind = "any"
        return Destination(where, (container, key), kind)
    if prefix in RESERVED:
        raise DestinationError(f"{name!r} cannot be mapped: {RESERVED[prefix]}")
    hint = _suggest(name)
    raise DestinationError(f"unknown destination {name!r}" + (f" (did you mean {hint!r}?)" if hint else ""))


def _suggest(name: str) -> Optional[str]:
    """The accepted name a common misspelling means: a JSON path prefix, or a bare attribute name."""
    for prefix in (
        "events[].data.",
        "events[0].data.",
        "events.data.",
        "event.data.",
        "data.",
        "batch.",
        "events[].",
    ):
        if name.startswith(prefix):
            try:
                destination(name[len(prefix) :])
            except DestinationError:
                return None
            return name[len(prefix) :]
    return None


def accepted_destinations() -> list:
    """(name, lands at) for the README table and `--help`, in table order."""
    rows = [("event_type", "events[0].event_type")]
    rows += [(name, f"events[0].data.{name}") for name in EVENT_DATA_FIELDS]
    rows += [(name, name) for name in BATCH_FIELDS]
    for prefix, (where, container, allowed, _) in PREFIXES.items():
        base = "events[0].data." if where == "data" else ""
        rows.append(
            (f"{prefix}.{'NAME' if allowed is None else '|'.join(allowed)}", f"{base}{container}.KEY")
        )
    return rows


# -- values ---------------------------------------------------------------------------------------


class RowError(ValueError):
    """A row that cannot become a batch; the message names the column and the value."""


def _show(value: Any) -> str:
    """A value in a message as JSON shows it (true, "text", 1.5), whatever reader it came from."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?"
    r" ?(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?"
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def unixtime_ms(value: Any, column: str) -> int:
    """Epoch milliseconds of a cell mapped to a *_unixtime_ms field (see the module docstring)."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str:
        text = value.strip()
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text)
        match = _TIMESTAMP.fullmatch(text)
        if match:
            try:
                return _iso_ms(*match.groups())
            except ValueError:
                pass
    raise RowError(f"column {column!r}: {_show(value)} is not a timestamp (epoch milliseconds or ISO 8601)")


def _iso_ms(date: str, time: Optional[str], zone: Optional[str]) -> int:
    fraction = ""
    if time and "." in time:
        time, fraction = time.split(".")
    moment = datetime.datetime.fromisoformat(f"{date}T{time or '00:00'}")
    offset = datetime.timedelta(0)
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        if zone[0] == "-":
            offset = -offset
    moment = moment.replace(tzinfo=datetime.timezone(offset))
    millis = int((fraction + "000")[:3])
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + millis


def as_text(value: Any) -> str:
    """An identity value as text: numbers as JavaScript prints them, booleans as true/false."""
    if type(value) is str:
        return value
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is float and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if type(value) in (int, float):
        return str(value)
    raise RowError(f"{_show(value)} cannot be an identity (text or a number)")


def convert(value: Any, kind: str, column: str) -> Any:
    """A present value as the destination takes it; raises RowError when it cannot."""
    if kind == "any":
        return value
    if kind == "ms":
        return unixtime_ms(value, column)
    if kind == "event_type":
        if value not in EVENT_TYPES:
            raise RowError(
                f"column {column!r}: {_show(value)} is not an event type ({', '.join(EVENT_TYPES)})"
            )
        return value
    try:
        return as_text(value)
    except RowError as exc:
        raise RowError(f"column {column!r}: {exc}") from None


# -- field transformations ------------------------------------------------------------------------

MAPPING_TYPES = ("column", "static", "ignore")


class Mapping(NamedTuple):
    """One well-formed mapping of a field transformation (number: its index in `mappings`)."""

    number: int
    mapping_type: str  # column | static | ignore
    source: Optional[str]  # the column (column, ignore)
    target: Optional[Destination]  # where it lands (column, static)
    value: Any = None  # the constant (static)
    destination: Optional[str] = None  # the destination name as written

    def label(self) -> str:
        """'mapping 3 (column eventName -> event_name)' for messages."""
        if self.mapping_type == "ignore":
            return f"mapping {self.number} (ignore {self.source})"
        if self.mapping_type == "static":
            return f"mapping {self.number} (static -> {self.destination})"
        return f"mapping {self.number} (column {self.source} -> {self.destination})"


class Problem(NamedTuple):
    """A finding about a pipeline, field transformation or extract (lint and load share them)."""

    level: str  # "error" | "warning"
    code: str  # a key of validator.warehouse.pipeline.CODES
    message: str
    pointer: str  # JSON pointer into the file ("" for the whole file)


def read_mappings(document: Any) -> tuple[list, list]:
    """The well-formed mappings of a field transformation object, and the problems found in it.

    Checks each mapping's type, required fields (source for column and ignore, destination for column
    and static, value for static), destination names, and duplicates (one destination set twice, one
    column both ignored and mapped). Returns (mappings, problems); a mapping with a problem is left out.
    """
    problems: list = []
    if type(document) is not dict:
        return [], [
            Problem("error", "not-a-field-transformation", "a field transformation is a JSON object", "")
        ]
    for key, expected in (("id", str), ("name", str)):
        if key in document and type(document[key]) is not expected:
            problems.append(Problem("error", "mapping-field", f"`{key}` is not a string", f"/{key}"))
    kind = document.get("destination_type", "event_batch")
    if kind != "event_batch":
        problems.append(
            Problem(
                "error", "mapping-field", f"destination_type {kind!r} is not event_batch", "/destination_type"
            )
        )
    raw = document.get("mappings")
    if type(raw) is not list:
        problems.append(
            Problem("error", "mapping-field", "`mappings` is missing or not an array", "/mappings")
        )
        return [], problems
    mappings: list = []
    for index, item in enumerate(raw):
        pointer = f"/mappings/{index}"
        found = _mapping(index, item, pointer, problems)
        if found is not None:
            mappings.append(found)
    _duplicates(mappings, problems)
    if not any(m.target is not None and m.target.kind == "event_type" for m in mappings):
        problems.append(
            Problem(
                "error",
                "no-event-type",
                "no mapping sets event_type: every row would be an event without a type "
                '(add e.g. {"mapping_type": "static", "destination": "event_type", "value": "custom_event"})',
                "/mappings",
            )
        )
    return mappings, problems


def _mapping(index: int, item: Any, pointer: str, problems: list) -> Optional[Mapping]:
    def bad(message: str, where: str = "", code: str = "mapping-field") -> None:
        problems.append(Problem("error", code, f"mapping {index}: {message}", pointer + where))

    if type(item) is not dict:
        bad("a mapping is a JSON object")
        return None
    mapping_type = item.get("mapping_type")
    if mapping_type not in MAPPING_TYPES:
        bad(f"mapping_type {mapping_type!r} is not one of {', '.join(MAPPING_TYPES)}", "/mapping_type")
        return None
    source = item.get("source")
    name = item.get("destination")
    ok = True
    if mapping_type in ("column", "ignore") and (type(source) is not str or not source):
        bad(f"a {mapping_type} mapping needs `source`, the column name", "/source")
        ok = False
    if mapping_type == "static" and source is not None:
        bad("a static mapping has no `source` (leave it unset or null)", "/source")
        ok = False
    if mapping_type == "static" and "value" not in item:
        bad("a static mapping needs `value`, the constant to send", "")
        ok = False
    elif mapping_type == "static" and (item["value"] is None or isinstance(item["value"], (dict, list))):
        bad("a static `value` is a string, number or boolean", "/value")
        ok = False
    if mapping_type == "ignore" and name is not None:
        bad("an ignore mapping has no `destination`", "/destination")
        ok = False
    target = None
    if mapping_type in ("column", "static"):
        if name is None:
            bad(f"a {mapping_type} mapping needs `destination`", "/destination")
            return None
        try:
            target = destination(name)
        except DestinationError as exc:
            code = "unknown-destination" if type(name) is str and name else "mapping-field"
            bad(str(exc), "/destination", code)
            return None
    if not ok:
        return None
    value = item.get("value")
    if mapping_type == "static" and target is not None:
        try:
            value = convert(value, target.kind, f"static {name}")
        except RowError as exc:
            bad(str(exc), "/value")
            return None
    return Mapping(index, mapping_type, source, target, value, name)


def _duplicates(mappings: list, problems: list) -> None:
    by_destination: dict = {}
    ignored: dict = {}
    used: dict = {}
    for m in mappings:
        pointer = f"/mappings/{m.number}"
        if m.target is not None:
            key = (m.target.where, m.target.keys)
            if key in by_destination:
                problems.append(
                    Problem(
                        "error",
                        "duplicate-mapping",
                        f"{m.label()}: {m.destination} is already set by {by_destination[key].label()}",
                        pointer,
                    )
                )
            else:
                by_destination[key] = m
        if m.mapping_type == "ignore":
            if m.source in ignored:
                problems.append(
                    Problem(
                        "warning", "duplicate-mapping", f"{m.label()}: {m.source} is ignored twice", pointer
                    )
                )
            ignored.setdefault(m.source, m)
        elif m.mapping_type == "column":
            used.setdefault(m.source, m)
    for source, m in ignored.items():
        if source in used:
            problems.append(
                Problem(
                    "error",
                    "duplicate-mapping",
                    f"{m.label()}: column {source} is also mapped by {used[source].label()}",
                    f"/mappings/{m.number}",
                )
            )


# -- rows -> batches ------------------------------------------------------------------------------


class RowMapper:
    """Builds one batch per row for a pipeline (and its field transformation for events pipelines).

    Takes pipeline_type, environment, data_plan_id, data_plan_version, the load-timestamp column
    (user_attributes) and the well-formed mappings (events). Plain data only, so it pickles (Spark).
    """

    def __init__(
        self,
        pipeline_type: str,
        environment: str,
        data_plan_id: Optional[str] = None,
        data_plan_version: Optional[int] = None,
        iterator_field: Optional[str] = None,
        mappings: tuple = (),
    ) -> None:
        self.pipeline_type = pipeline_type
        self.environment = environment
        self.data_plan_id = data_plan_id
        self.data_plan_version = data_plan_version
        self.skip = iterator_field.lower() if iterator_field else None
        self.mappings = tuple(m for m in mappings if m.mapping_type != "ignore")
        self.sources = frozenset(m.source for m in self.mappings if m.mapping_type == "column")

    def missing_columns(self, columns: list) -> list:
        """Mapped source columns that `columns` lacks (events pipelines), in mapping order."""
        present = set(columns)
        return [m.source for m in self.mappings if m.mapping_type == "column" and m.source not in present]

    def _start(self) -> dict:
        batch: dict = {"environment": self.environment}
        if self.data_plan_id is not None:
            data_plan: dict = {"plan_id": self.data_plan_id}
            if self.data_plan_version is not None:
                data_plan["plan_version"] = self.data_plan_version
            batch["context"] = {"data_plan": data_plan}
        return batch

    def build(self, row: dict) -> dict:
        """The batch of one row: `row` maps column names to present values (absent ones left out).

        Raises RowError naming the column when a value cannot go where it is mapped.
        """
        if self.pipeline_type == "events":
            return self._event_batch(row)
        return self._user_batch(row)

    def _user_batch(self, row: dict) -> dict:
        batch = self._start()
        identities: dict = {}
        device: dict = {}
        attributes: dict = {}
        for column, value in row.items():
            lowered = column.lower()
            if lowered == self.skip:
                continue
            reserved = IDENTITY_COLUMNS.get(lowered)
            if reserved is None:
                attributes[column] = value
                continue
            where, key = reserved
            try:
                text = as_text(value)
            except RowError as exc:
                raise RowError(f"column {column!r}: {exc}") from None
            if where == "batch":
                batch[key] = text
            elif where == "user_identities":
                identities[key] = text
            else:
                device[key] = text
        if identities:
            batch["user_identities"] = identities
        if device:
            batch["device_info"] = device
        batch["user_attributes"] = attributes
        batch["events"] = []
        return batch

    def _event_batch(self, row: dict) -> dict:
        batch = self._start()
        event: dict = {}
        data: dict = {}
        for m in self.mappings:
            target = m.target
            assert target is not None
            if m.mapping_type == "static":
                value = m.value
            else:
                if m.source not in row:
                    continue
                value = convert(row[m.source], target.kind, m.source)
            place = event if target.where == "event" else data if target.where == "data" else batch
            keys = target.keys
            for key in keys[:-1]:
                place = place.setdefault(key, {})
            place[keys[-1]] = value
        if "event_type" not in event:
            raise RowError("no event_type: the column mapped to event_type is empty")
        event["data"] = data
        batch["events"] = [event]
        return batch
