"""Seeded generator of a benchmark plan and of batches that exercise it.

The plan and the batches come from one model of the data points, so the generator knows which
events are valid and can break a chosen share of them on purpose: wrong type, out of enum, out of
range, pattern or format mismatch, missing required, extra attribute. Unplanned events and null
values are mixed in at their own rates. The same seed always gives the same bytes (the plan from
one random stream, the batches from another, so the batch count never changes the plan).

    python -m benchmarks corpus --seed 1 --batches 2000 --out DIR [--mb 20] [--parquet] [--points 2000]

writes DIR/plan.json (a version document, `{"data_points": [...]}`), DIR/batches.ndjson,
DIR/meta.json (counts and the options used) and, with --parquet, DIR/batches.parquet (one string
column `batch` holding each line's JSON text, in several row groups).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import uuid
from typing import IO, Callable, Iterator, Optional

import orjson

# -- vocabulary ------------------------------------------------------------------------------------

CUSTOM_EVENT_TYPES = (
    "navigation", "location", "search", "transaction", "user_content", "user_preference", "social",
    "media", "other",
)  # fmt: skip
OBJECTS = (
    "Article", "Video", "Playlist", "Profile", "Cart", "Coupon", "Recipe", "Lesson", "Quiz", "Podcast",
    "Offer", "Review", "Booking", "Ticket", "Message", "Filter", "Banner", "Level", "Achievement",
    "Story", "Map", "Route", "Order", "Survey", "Wallet",
)  # fmt: skip
VERBS = (
    "Viewed", "Started", "Completed", "Shared", "Searched", "Added", "Removed", "Opened", "Closed",
    "Played", "Paused", "Rated", "Saved", "Selected", "Submitted", "Updated", "Joined", "Invited",
    "Downloaded", "Subscribed",
)  # fmt: skip
SCREENS = (
    "Home", "Search", "Product Detail", "Cart", "Checkout", "Settings", "Profile", "Onboarding",
    "Article", "Player", "Library", "Notifications",
)  # fmt: skip
UNPLANNED_EVENTS = ("Debug Ping", "Legacy Tap", "Test Event", "Button Clicked", "Experiment Exposure")
UNPLANNED_SCREENS = ("Debug Menu", "Legacy Home", "Web View")
PRODUCT_ACTIONS = (
    "add_to_cart", "remove_from_cart", "checkout", "purchase", "view_detail", "click", "add_to_wishlist",
    "refund",
)  # fmt: skip
PROMOTION_ACTIONS = ("view", "click")
TRANSITIONS = ("application_initialized", "application_foreground", "application_background")
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD")
WORDS = (
    "alpha", "bravo", "cosmic", "delta", "ember", "falcon", "glacier", "harbor", "indigo", "jasper",
    "kettle", "lumen", "meadow", "nimbus", "orbit", "prairie", "quartz", "river", "summit", "tundra",
)  # fmt: skip
ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DOMAINS = ("example.com", "mail.test", "inbox.example.org")

PLATFORMS = (
    ("iOS", "IOS", ("iPhone14,2", "iPhone15,3", "iPad13,4"), "Apple", ("16.7.2", "17.1", "17.4.1")),
    ("Android", "Android", ("Pixel 7", "SM-G991B", "moto g(60)"), "Google", ("12", "13", "14")),
    ("web", "Web", ("Chrome", "Safari", "Firefox"), "", ("119.0", "17.1", "120.0")),
)

# -- attributes: (name, JSON schema, good value, list of (mutation kind, bad value)) ---------------


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _date(rng: random.Random) -> str:
    return f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _datetime(rng: random.Random) -> str:
    return f"{_date(rng)}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _email(rng: random.Random) -> str:
    return f"{_word(rng)}.{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"


def _enum(values: tuple) -> tuple:
    return (
        {"type": "string", "enum": list(values)},
        lambda r: r.choice(values),
        [
            ("enum", lambda r: r.choice(values).upper() + "_x"),
            ("wrong_type", lambda r: r.randint(1, 9)),
        ],
    )


def _number(lo: float, hi: float, integer: bool = False) -> tuple:
    schema = {"type": "integer" if integer else "number", "minimum": lo, "maximum": hi}
    if integer:
        good: Callable = lambda r: r.randint(int(lo), int(hi))  # noqa: E731
        wrong = ("wrong_type", lambda r: r.randint(int(lo), int(hi)) + 0.5)
    else:
        good = lambda r: round(r.uniform(lo, hi), 2)  # noqa: E731
        wrong = ("wrong_type", lambda r: str(round(r.uniform(lo, hi), 2)))
    return schema, good, [("range", lambda r: hi + r.randint(1, 100)), wrong]


def _pattern(regex: str, good: Callable) -> tuple:
    return (
        {"type": "string", "pattern": regex},
        good,
        [
            ("pattern", lambda r: _word(r) + "!"),
            ("wrong_type", lambda r: r.randint(100, 999)),
        ],
    )


def _format(fmt: str, good: Callable) -> tuple:
    return (
        {"type": "string", "format": fmt},
        good,
        [
            ("format", lambda r: "not a " + fmt),
            ("wrong_type", lambda r: r.randint(100, 999)),
        ],
    )


def _string(max_length: Optional[int] = None) -> tuple:
    schema: dict = {"type": "string"}
    if max_length:
        schema["maxLength"] = max_length
    return (
        schema,
        lambda r: " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3))),
        [
            ("wrong_type", lambda r: r.randint(1, 999)),
        ],
    )


def _boolean() -> tuple:
    return {"type": "boolean"}, lambda r: r.random() < 0.5, [("wrong_type", lambda r: r.choice(("true", 1)))]


def _tags() -> tuple:
    schema = {"type": "array", "items": {"type": "string"}, "maxItems": 5}
    return (
        schema,
        lambda r: r.sample(WORDS, r.randint(0, 4)),
        [
            ("wrong_type", lambda r: ",".join(r.sample(WORDS, 2))),
        ],
    )


ATTRIBUTES: tuple = (
    ("category", *_enum(("news", "sports", "tech", "food", "travel", "music", "finance"))),
    ("content_id", *_pattern("^[A-Z]{2}-[0-9]{4,6}$", lambda r: f"{r.choice(ALPHA)}{r.choice(ALPHA)}-"
                             f"{r.randint(1000, 999999)}")),
    ("price", *_number(0, 5000)),
    ("quantity", *_number(1, 99, integer=True)),
    ("contact_email", *_format("email", _email)),
    ("signup_date", *_format("date", _date)),
    ("occurred_at", *_format("date-time", _datetime)),
    ("duration_s", *_number(0, 86400, integer=True)),
    ("rating", *_number(1, 5, integer=True)),
    ("is_premium", *_boolean()),
    ("search_term", *_string(64)),
    ("source", *_enum(("push", "email", "organic", "paid", "referral", "social"))),
    ("locale", *_pattern("^[a-z]{2}_[A-Z]{2}$", lambda r: r.choice(("en_US", "de_DE", "fr_FR", "ja_JP")))),
    ("item_uuid", *_format("uuid", _uuid)),
    ("landing_url", *_format("uri", lambda r: f"https://{r.choice(DOMAINS)}/{_word(r)}?id={r.randrange(99)}")),
    ("progress_pct", *_number(0, 100)),
    ("level", *_number(1, 60, integer=True)),
    ("plan", *_enum(("free", "basic", "pro", "enterprise"))),
    ("currency", *_enum(CURRENCIES)),
    ("title", *_string(120)),
    ("error_code", *_pattern("^E[0-9]{3}$", lambda r: f"E{r.randint(100, 999)}")),
    ("client_ip", *_format("ipv4", lambda r: ".".join(str(r.randint(1, 254)) for _ in range(4)))),
    ("position", *_number(0, 50, integer=True)),
    ("score", *_number(-1000, 1000)),
    ("tags", *_tags()),
    ("referrer", *_string()),
    ("experiment", *_enum(("control", "variant_a", "variant_b"))),
    ("latency_ms", *_number(0, 60000)),
    ("step", *_number(1, 10, integer=True)),
    ("author", *_string(60)),
    ("discount", *_number(0, 1)),
    ("episode", *_number(1, 500, integer=True)),
)  # fmt: skip
BY_NAME = {a[0]: a for a in ATTRIBUTES}


# -- the model -------------------------------------------------------------------------------------


class Point:
    """One data point: its match, its JSON schema and how to make good and bad events for it."""

    def __init__(
        self,
        match: dict,
        schema: dict,
        kind: str,
        attrs: tuple = (),
        required: tuple = (),
        closed: bool = False,
        description: str = "",
    ) -> None:
        self.match, self.schema, self.kind = match, schema, kind
        self.attrs, self.required, self.closed = attrs, required, closed
        self.description = description

    def data_point(self) -> dict:
        return {
            "description": self.description,
            "match": self.match,
            "validator": {"type": "json_schema", "definition": self.schema},
        }


def _attributes_schema(attrs: tuple, required: tuple, closed: bool, typed: bool) -> dict:
    schema: dict = {}
    if typed:
        schema["type"] = "object"
    schema["additionalProperties"] = not closed
    schema["properties"] = {name: BY_NAME[name][1] for name in attrs}
    if required:
        schema["required"] = list(required)
    return schema


def _custom_point(rng: random.Random, name: str, event_type: str) -> Point:
    attrs = tuple(rng.sample([a[0] for a in ATTRIBUTES], rng.randint(3, 9)))
    required = attrs[: rng.randint(0, min(3, len(attrs)))]
    closed = rng.random() < 0.7
    custom = _attributes_schema(attrs, required, closed, typed=rng.random() < 0.5)
    data: dict = {"additionalProperties": True, "properties": {"custom_attributes": custom}}
    if required:
        data["required"] = ["custom_attributes"]
    match = {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": event_type}}
    return Point(
        match,
        {"properties": {"data": data}},
        "custom_event",
        attrs,
        required,
        closed,
        f"{name} ({event_type})",
    )


def _screen_point(rng: random.Random, screen: str) -> Point:
    attrs = tuple(rng.sample(("category", "content_id", "source", "position", "experiment", "title"), 3))
    required = attrs[:1]
    custom = _attributes_schema(attrs, required, True, typed=False)
    data = {
        "additionalProperties": True,
        "properties": {
            "screen_name": {"type": "string"},
            "activity_type": {"type": "string"},
            "custom_attributes": custom,
        },
        "required": ["screen_name", "custom_attributes"],
    }
    match = {"type": "screen_view", "criteria": {"screen_name": screen}}
    return Point(
        match, {"properties": {"data": data}}, "screen_view", attrs, required, True, f"screen {screen}"
    )


PRODUCT_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "brand": {"type": "string"},
        "category": {"type": "string"},
        "variant": {"type": "string"},
        "price": {"type": "number", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 1},
        "custom_attributes": {
            "additionalProperties": False,
            "properties": {"size": {"enum": ["S", "M", "L", "XL"]}, "color": {"type": "string"}},
        },
    },
    "required": ["id", "price"],
}


def _product_point(action: str) -> Point:
    product_action: dict = {
        "type": "object",
        "properties": {
            "action": {"type": "string"},
            "transaction_id": {"type": "string", "pattern": "^T[0-9]{8}$"},
            "total_amount": {"type": "number", "minimum": 0},
            "tax_amount": {"type": "number", "minimum": 0},
            "shipping_amount": {"type": "number", "minimum": 0},
            "products": {"type": "array", "minItems": 1, "items": PRODUCT_SCHEMA},
        },
        "required": ["products", "transaction_id"] if action in ("purchase", "refund") else ["products"],
    }
    data = {
        "additionalProperties": True,
        "properties": {
            "product_action": product_action,
            "currency_code": {"type": "string", "enum": list(CURRENCIES)},
            "custom_attributes": {
                "additionalProperties": False,
                "properties": {"coupon": {"type": "string"}, "channel": {"enum": ["app", "web", "store"]}},
            },
        },
        "required": ["product_action"],
    }
    match = {"type": "product_action", "criteria": {"action": action}}
    return Point(match, {"properties": {"data": data}}, "product_action", description=f"commerce {action}")


def _promotion_point(action: str) -> Point:
    promotion = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "creative": {"type": "string"},
            "position": {"type": "string"},
        },
        "required": ["id", "name"],
    }
    data = {
        "properties": {
            "promotion_action": {
                "properties": {
                    "action": {"type": "string"},
                    "promotions": {"type": "array", "items": promotion},
                },
                "required": ["promotions"],
            }
        }
    }
    match = {"type": "promotion_action", "criteria": {"action": action}}
    return Point(match, {"properties": {"data": data}}, "promotion_action", description=f"promotion {action}")


USER_ATTRIBUTES_SCHEMA = {
    "additionalProperties": False,
    "properties": {
        "$Age": {"type": "integer", "minimum": 13, "maximum": 120},
        "$Gender": {"enum": ["M", "F"]},
        "$City": {"type": "string"},
        "$Country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "$Zip": {"type": "string"},
        "tier": {"enum": ["bronze", "silver", "gold", "platinum"]},
        "loyalty_points": {"type": "integer", "minimum": 0},
        "newsletter_opt_in": {"type": "boolean"},
        "favorite_genres": {"type": "array", "items": {"type": "string"}},
        "last_purchase_at": {"type": "string", "format": "date-time"},
    },
    "required": ["tier"],
}


def _fixed_points(rng: random.Random) -> list:
    """Screens, commerce, sessions, app state transitions and user attributes."""
    points = [_screen_point(rng, screen) for screen in SCREENS]
    points += [_product_point(action) for action in PRODUCT_ACTIONS]
    points += [_promotion_point(action) for action in PROMOTION_ACTIONS]
    impression = {
        "properties": {
            "data": {
                "properties": {
                    "product_impressions": {
                        "type": "array",
                        "items": {
                            "properties": {
                                "product_impression_list": {"type": "string"},
                                "products": {"type": "array", "items": PRODUCT_SCHEMA},
                            }
                        },
                    }
                }
            }
        }
    }
    points.append(
        Point(
            {"type": "product_impression"},
            impression,
            "product_impression",
            description="product impressions",
        )
    )
    points.append(Point({"type": "session_start"}, {}, "session_start", description="session start"))
    points.append(Point({"type": "session_end"}, {}, "session_end", description="session end"))
    for transition in TRANSITIONS:
        schema = {
            "properties": {
                "data": {
                    "properties": {"is_first_run": {"type": "boolean"}, "is_upgrade": {"type": "boolean"}}
                }
            }
        }
        match = {
            "type": "application_state_transition",
            "criteria": {"application_transition_type": transition},
        }
        points.append(Point(match, schema, "application_state_transition", description=transition))
    points.append(
        Point(
            {"type": "user_attributes"},
            USER_ATTRIBUTES_SCHEMA,
            "user_attributes",
            description="user attributes",
        )
    )
    return points


DEFAULT_CUSTOM_POINTS = 40


class Model:
    """The data points of a generated plan, indexed for event generation."""

    def __init__(self, seed: int, points: Optional[int] = None) -> None:
        rng = random.Random(f"plan:{seed}")
        fixed = _fixed_points(rng)
        custom_count = DEFAULT_CUSTOM_POINTS if points is None else max(1, points - len(fixed))
        names = [f"{obj} {verb}" for obj in OBJECTS for verb in VERBS]
        rng.shuffle(names)
        custom = []
        for i in range(custom_count):
            name = names[i % len(names)]
            if i >= len(names):
                name += f" {i // len(names) + 1}"
            custom.append(_custom_point(rng, name, rng.choice(CUSTOM_EVENT_TYPES)))
        self.points = custom + fixed
        self.custom = custom
        self.screens = [p for p in fixed if p.kind == "screen_view"]

    def document(self) -> dict:
        return {"data_points": [p.data_point() for p in self.points]}


# -- batches ---------------------------------------------------------------------------------------


class Stats:
    """What the generator did on purpose, by kind (for meta.json)."""

    def __init__(self) -> None:
        self.batches = self.events = 0
        self.counts: dict = {}

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


class BatchMaker:
    """Makes batch dicts one at a time from a model and the error, unplanned and null rates."""

    def __init__(
        self, model: Model, seed: int, invalid: float = 0.10, unplanned: float = 0.02, nulls: float = 0.02
    ) -> None:
        self.model, self.rng = model, random.Random(f"batches:{seed}")
        self.invalid, self.unplanned, self.nulls = invalid, unplanned, nulls
        self.stats = Stats()
        self.batch_id = 0
        self.clock = 1_700_000_000_000

    # attributes

    def _attributes(self, point: Point) -> dict:
        rng = self.rng
        values = {}
        for name in point.attrs:
            if name in point.required or rng.random() < 0.6:
                values[name] = BY_NAME[name][2](rng)
        return values

    def _break_attributes(self, point: Point, values: dict) -> str:
        rng = self.rng
        choices = []
        for name in point.attrs:
            for kind, bad in BY_NAME[name][3]:
                choices.append((kind, name, bad))
        if point.required:
            choices.append(("missing_required", rng.choice(point.required), None))
        if point.closed:
            choices.append(("extra", None, None))
        # Pick the kind of damage first, so that "wrong_type" (open to every attribute) is not most of it.
        kind = rng.choice(sorted({c[0] for c in choices}))
        kind, name, bad = rng.choice([c for c in choices if c[0] == kind])
        if kind == "missing_required":
            values.pop(name, None)
        elif kind == "extra":
            values[f"unplanned_{_word(rng)}"] = rng.randint(1, 100)
        else:
            values[name] = bad(rng)
        return kind

    def _null_attribute(self, values: dict, point: Optional[Point]) -> None:
        names = list(values) or list(point.attrs if point else ()) or ["note"]
        values[self.rng.choice(names)] = None
        self.stats.add("null_value")

    # events

    def _common(self, session: dict) -> dict:
        rng = self.rng
        self.clock += rng.randint(200, 90_000)
        data = {
            "timestamp_unixtime_ms": self.clock,
            "event_id": rng.getrandbits(62) - (1 << 61),
            "source_message_id": _uuid(rng),
            "session_id": session["id"],
            "session_uuid": session["uuid"],
            "session_start_unixtime_ms": session["start"],
        }
        if rng.random() < 0.15:
            data["location"] = {
                "latitude": round(rng.uniform(-60, 70), 5),
                "longitude": round(rng.uniform(-170, 170), 5),
                "accuracy": round(rng.uniform(5, 200), 1),
            }
        if rng.random() < 0.25:
            data["device_current_state"] = {
                "time_since_start_ms": self.clock - session["start"],
                "battery_level": round(rng.random(), 2),
                "data_connection_type": rng.choice(("wifi", "mobile")),
                "device_orientation": rng.choice(("portrait", "landscape")),
            }
        return data

    def _custom_event(self, session: dict) -> dict:
        rng, stats = self.rng, self.stats
        if rng.random() < self.unplanned:
            stats.add("unplanned")
            data = {
                "event_name": f"{rng.choice(UNPLANNED_EVENTS)} {rng.randint(1, 9)}",
                "custom_event_type": rng.choice(CUSTOM_EVENT_TYPES),
            }
            data.update(self._common(session))
            data["custom_attributes"] = {"screen": _word(rng), "n": rng.randint(1, 9)}
            return {"event_type": "custom_event", "data": data}
        point = rng.choice(self.model.custom)
        data = dict(point.match["criteria"])
        data.update(self._common(session))
        values = self._attributes(point)
        if rng.random() < self.invalid:
            stats.add(self._break_attributes(point, values))
        if rng.random() < self.nulls:
            self._null_attribute(values, point)
        data["custom_attributes"] = values
        if rng.random() < 0.1:
            data["custom_flags"] = {"Google.Category": _word(rng)}
        return {"event_type": "custom_event", "data": data}

    def _screen_view(self, session: dict) -> dict:
        rng, stats = self.rng, self.stats
        if rng.random() < self.unplanned:
            stats.add("unplanned")
            data = {"screen_name": rng.choice(UNPLANNED_SCREENS)}
            data.update(self._common(session))
            data["custom_attributes"] = {}
            return {"event_type": "screen_view", "data": data}
        point = rng.choice(self.model.screens)
        data = {"screen_name": point.match["criteria"]["screen_name"]}
        data.update(self._common(session))
        data["activity_type"] = rng.choice(("ViewController", "Activity", "Page"))
        values = self._attributes(point)
        if rng.random() < self.invalid:
            stats.add(self._break_attributes(point, values))
        if rng.random() < self.nulls:
            self._null_attribute(values, point)
        data["custom_attributes"] = values
        return {"event_type": "screen_view", "data": data}

    def _product(self) -> dict:
        rng = self.rng
        product = {
            "id": f"SKU-{rng.randint(10000, 99999)}",
            "name": f"{_word(rng).title()} {rng.choice(('Shirt', 'Mug', 'Lamp', 'Sneaker', 'Book'))}",
            "brand": _word(rng).title(),
            "category": rng.choice(("apparel", "home", "books", "shoes")),
            "price": round(rng.uniform(1, 300), 2),
            "quantity": rng.randint(1, 4),
        }
        if rng.random() < 0.5:
            product["variant"] = rng.choice(("red", "blue", "black"))
        if rng.random() < 0.4:
            product["custom_attributes"] = {"size": rng.choice(("S", "M", "L", "XL"))}
        return product

    def _commerce_event(self, session: dict) -> dict:
        rng, stats = self.rng, self.stats
        data = self._common(session)
        data["currency_code"] = rng.choice(CURRENCIES)
        roll = rng.random()
        if roll < 0.75:
            action = rng.choice(PRODUCT_ACTIONS)
            products = [self._product() for _ in range(rng.randint(1, 4))]
            pa: dict = {"action": action, "products": products}
            total = round(sum(p["price"] * p["quantity"] for p in products), 2)
            pa["total_amount"] = total
            if action in ("purchase", "refund"):
                pa["transaction_id"] = f"T{rng.randint(10_000_000, 99_999_999)}"
                pa["tax_amount"] = round(total * 0.08, 2)
                pa["shipping_amount"] = rng.choice((0, 4.99, 9.99))
            data["product_action"] = pa
            if rng.random() < self.invalid:
                kind = rng.choice(("range", "missing_required", "wrong_type", "extra", "enum"))
                stats.add(kind)
                product = rng.choice(products)
                if kind == "range":
                    product["price"] = -product["price"]
                elif kind == "missing_required":
                    del product["id"]
                elif kind == "wrong_type":
                    product["quantity"] = str(product["quantity"])
                elif kind == "extra":
                    product["custom_attributes"] = {"size": "M", "gift_wrap": True}
                else:
                    data["currency_code"] = "XBT"
            if rng.random() < self.nulls:
                stats.add("null_value")
                rng.choice(products)["variant"] = None
        elif roll < 0.92:
            action = rng.choice(PROMOTION_ACTIONS)
            promotions = [
                {
                    "id": f"PROMO-{rng.randint(1, 99)}",
                    "name": f"{_word(rng).title()} Sale",
                    "creative": rng.choice(("banner", "carousel", "tile")),
                    "position": str(rng.randint(1, 6)),
                }
                for _ in range(rng.randint(1, 3))
            ]
            data["promotion_action"] = {"action": action, "promotions": promotions}
            if rng.random() < self.invalid:
                kind = rng.choice(("missing_required", "extra", "wrong_type"))
                stats.add(kind)
                promo = rng.choice(promotions)
                if kind == "missing_required":
                    del promo["name"]
                elif kind == "extra":
                    promo["discount"] = 10
                else:
                    promo["position"] = int(promo["position"])
        else:
            data["product_impressions"] = [
                {
                    "product_impression_list": rng.choice(("home", "search", "related")),
                    "products": [self._product() for _ in range(rng.randint(1, 5))],
                }
            ]
        if rng.random() < 0.2:
            data["custom_attributes"] = {"channel": rng.choice(("app", "web", "store"))}
        return {"event_type": "commerce_event", "data": data}

    def _user_attributes(self) -> dict:
        rng, stats = self.rng, self.stats
        ua: dict = {"tier": rng.choice(("bronze", "silver", "gold", "platinum"))}
        if rng.random() < 0.8:
            ua["$Age"] = rng.randint(18, 80)
        if rng.random() < 0.6:
            ua["$Gender"] = rng.choice(("M", "F"))
        if rng.random() < 0.7:
            ua["$City"] = _word(rng).title() + " City"
            ua["$Country"] = rng.choice(("US", "DE", "FR", "JP", "BR"))
        if rng.random() < 0.5:
            ua["loyalty_points"] = rng.randint(0, 50000)
        if rng.random() < 0.5:
            ua["newsletter_opt_in"] = rng.random() < 0.5
        if rng.random() < 0.3:
            ua["favorite_genres"] = rng.sample(WORDS, rng.randint(1, 3))
        if rng.random() < 0.3:
            ua["last_purchase_at"] = _datetime(rng)
        if rng.random() < self.invalid:
            kind = rng.choice(("wrong_type", "enum", "missing_required", "extra", "range"))
            stats.add(kind)
            if kind == "wrong_type":
                ua["$Age"] = str(rng.randint(18, 80))
            elif kind == "enum":
                ua["tier"] = "diamond"
            elif kind == "missing_required":
                del ua["tier"]
            elif kind == "extra":
                ua["favorite_color"] = _word(rng)
            else:
                ua["$Age"] = rng.randint(1, 12)
        if rng.random() < self.nulls:
            stats.add("null_value")
            ua["$Zip"] = None
        return ua

    def batch(self) -> dict:
        """The next batch."""
        rng = self.rng
        self.batch_id += 1
        self.clock += rng.randint(1_000, 600_000)
        session = {"id": rng.getrandbits(62), "uuid": _uuid(rng), "start": self.clock}
        platform, app_os, models, maker, versions = rng.choice(PLATFORMS)
        count = max(1, min(40, round(rng.triangular(1, 40, 6))))
        events = []
        if rng.random() < 0.3:
            events.append({"event_type": "session_start", "data": self._common(session)})
        if rng.random() < 0.1:
            data = self._common(session)
            data["application_transition_type"] = rng.choice(TRANSITIONS)
            data["is_first_run"] = rng.random() < 0.1
            data["is_upgrade"] = False
            events.append({"event_type": "application_state_transition", "data": data})
        while len(events) < count:
            roll = rng.random()
            if roll < 0.70:
                events.append(self._custom_event(session))
            elif roll < 0.88:
                events.append(self._screen_view(session))
            else:
                events.append(self._commerce_event(session))
        if rng.random() < 0.2:
            data = self._common(session)
            data["session_duration_ms"] = self.clock - session["start"]
            events.append({"event_type": "session_end", "data": data})
        device_info: dict = {
            "platform": platform,
            "os_version": rng.choice(versions),
            "device_model": rng.choice(models),
            "device_manufacturer": maker,
            "brand": maker,
            "locale_language": rng.choice(("en", "de", "fr", "ja")),
            "locale_country": rng.choice(("US", "DE", "FR", "JP")),
            "network_country": rng.choice(("us", "de", "fr", "jp")),
            "screen_height": rng.choice((844, 915, 1080)),
            "screen_width": rng.choice((390, 412, 1920)),
            "is_tablet": rng.random() < 0.1,
        }
        if platform == "iOS":
            device_info["ios_idfv"] = _uuid(rng).upper()
        elif platform == "Android":
            device_info["android_uuid"] = _uuid(rng).replace("-", "")[:16]
        if rng.random() < self.nulls:
            device_info["network_carrier"] = None
        customer = rng.randint(1, 2_000_000)
        batch = {
            "schema_version": 2,
            "environment": "production" if rng.random() < 0.8 else "development",
            "mpid": rng.getrandbits(63) - (1 << 62),
            "mp_deviceid": _uuid(rng),
            "batch_id": self.batch_id,
            "source_request_id": _uuid(rng),
            "timestamp_unixtime_ms": self.clock,
            "context": {"data_plan": {"plan_id": "dpv_benchmark", "plan_version": 1}},
            "device_info": device_info,
            "application_info": {
                "application_name": "Benchmark Shop",
                "application_version": rng.choice(("4.2.0", "4.3.1", "5.0.0")),
                "application_build_number": str(rng.randint(1000, 1200)),
                "package": "com.example.bench",
                "os": app_os,
            },
            "user_identities": {"customerid": f"C{customer:07d}", "email": f"user{customer}@example.com"},
            "user_attributes": self._user_attributes(),
            "events": events,
        }
        self.stats.batches += 1
        self.stats.events += len(events)
        return batch

    def lines(self) -> Iterator[bytes]:
        """An endless stream of NDJSON lines (each ends with a newline)."""
        while True:
            yield orjson.dumps(self.batch()) + b"\n"


# -- writing ---------------------------------------------------------------------------------------


def write_plan(path: str, seed: int = 1, points: Optional[int] = None) -> Model:
    """Write the plan of `seed` (about `points` data points, default a few dozen) to `path`."""
    model = Model(seed, points)
    with open(path, "wb") as out:
        out.write(orjson.dumps(model.document(), option=orjson.OPT_INDENT_2) + b"\n")
    return model


def write_lines(out: IO[bytes], maker: BatchMaker, batches: Optional[int], size: Optional[int]) -> int:
    """Stream lines from `maker` to `out` until `batches` lines or `size` bytes; the bytes written."""
    written = 0
    for n, line in enumerate(maker.lines(), 1):
        out.write(line)
        written += len(line)
        if (batches is not None and n >= batches) or (size is not None and written >= size):
            return written
    return written  # pragma: no cover - lines() never ends


def write_parquet(ndjson: str, path: str, groups: int = 8) -> int:
    """Copy NDJSON lines into a Parquet file, column `batch` (string), in about `groups` row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(ndjson, "rb") as f:
        total = sum(1 for _ in f)
    per_group = max(1, -(-total // groups))
    schema = pa.schema([("batch", pa.string())])
    written = 0
    with open(ndjson, "rb") as f, pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while True:
            chunk = [line.rstrip(b"\n").decode() for line in itertools.islice(f, per_group)]
            if not chunk:
                break
            writer.write_table(pa.table({"batch": pa.array(chunk, pa.string())}), row_group_size=per_group)
            written += 1
    return written


def generate(
    out_dir: str,
    seed: int = 1,
    batches: Optional[int] = None,
    mb: Optional[float] = None,
    invalid: float = 0.10,
    unplanned: float = 0.02,
    nulls: float = 0.02,
    parquet: bool = False,
    points: Optional[int] = None,
) -> dict:
    """Write a corpus into `out_dir`; returns what meta.json holds."""
    if batches is None and mb is None:
        batches = 2000
    os.makedirs(out_dir, exist_ok=True)
    model = write_plan(os.path.join(out_dir, "plan.json"), seed, points)
    maker = BatchMaker(model, seed, invalid, unplanned, nulls)
    ndjson = os.path.join(out_dir, "batches.ndjson")
    with open(ndjson, "wb", buffering=1 << 20) as out:
        size = write_lines(out, maker, batches, None if mb is None else int(mb * 1_000_000))
    meta = {
        "seed": seed,
        "options": {
            "batches": batches,
            "mb": mb,
            "invalid": invalid,
            "unplanned": unplanned,
            "nulls": nulls,
            "points": points,
        },
        "data_points": len(model.points),
        "batches": maker.stats.batches,
        "events": maker.stats.events,
        "bytes": size,
        "injected": dict(sorted(maker.stats.counts.items())),
    }
    if parquet:
        meta["parquet_row_groups"] = write_parquet(ndjson, os.path.join(out_dir, "batches.parquet"))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=1)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--batches", type=int, help="number of batches (default 2000)")
    size.add_argument("--mb", type=float, help="stop once the NDJSON reaches this many MB (10^6 bytes)")
    parser.add_argument("--invalid", type=float, default=0.10, help="share of planned events made invalid")
    parser.add_argument("--unplanned", type=float, default=0.02, help="share of events not in the plan")
    parser.add_argument("--nulls", type=float, default=0.02, help="share of events with a null value")
    parser.add_argument("--points", type=int, help="about this many data points (default: a few dozen)")
    parser.add_argument("--parquet", action="store_true", help="also write batches.parquet")
    parser.add_argument("--plan-only", action="store_true", help="write only plan.json")
    parser.add_argument("--out", required=True, help="output directory")


def main(args: argparse.Namespace) -> int:
    if args.plan_only:
        os.makedirs(args.out, exist_ok=True)
        model = write_plan(os.path.join(args.out, "plan.json"), args.seed, args.points)
        print(f"{args.out}/plan.json: {len(model.points)} data points")
        return 0
    meta = generate(
        args.out,
        args.seed,
        args.batches,
        args.mb,
        args.invalid,
        args.unplanned,
        args.nulls,
        args.parquet,
        args.points,
    )
    groups = meta.get("parquet_row_groups")
    print(
        f"{args.out}: {meta['data_points']} data points, {meta['batches']} batches, {meta['events']} events, "
        f"{meta['bytes'] / 1e6:.1f} MB" + (f"; batches.parquet in {groups} row groups" if groups else "")
    )
    return 0
