"""Seeded generator of realistic Data Plans and Events API traffic, for differential testing.

A second generator beside `generate.py`: where that one draws random schemas and values to reach
every ajv keyword, this one models what production sees. Each case is one app (retail, streaming,
travel, banking, food delivery, games) with:

- a plan in one of the shapes people really keep: the UI's full export (`data_plan_versions` with
  several versions, keywords in alphabetical order, `"description": ""` everywhere, empty property
  schemas, `type` arrays with "null"), or an API-authored plan (`$ref` into `definitions`/`$defs`,
  `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `dependencies`, `patternProperties`, and keywords
  ajv ignores: `nullable`, `examples`, `$comment`, `x-*`), as a data plan, a version object or a
  bare version document. Every plan is one ajv compiles, sloppy constructs included (`multipleOf:
  0.01` on prices, `"\\p{L}"` in a pattern without the u flag, `$ref` with sibling keywords, a
  root `additionalProperties: false`, points no event can reach);
- batches shaped like the web, iOS and Android SDKs and server-to-server senders (Python, Node,
  Java): their number formats (`1.0`, `19.989999999999998`, `1.0E21`), escaping (`\\/`, `\\u00e9`),
  64-bit ids beyond 2**53, mpids as strings and numbers, attribute values stringified by mobile
  SDKs, user attributes with lists and nulls, and the values that trip validators: bounds hit
  exactly, astral characters at `maxLength`, NFD against NFC enums, non-ASCII digits and Unicode
  spaces against `\\d` / `\\s` patterns, duplicate keys, lone surrogates from UTF-16 truncation,
  unplanned events and attributes;
- a file of those batches with the byte-level shapes real files have: CRLF line ends, a UTF-8 BOM
  (also in the middle, where files were concatenated), Windows-1252 bytes inside strings (invalid
  UTF-8), blank and whitespace-only lines, a stray CR, no final newline.

Pure standard library and deterministic: `traffic_case(seed, index)` depends only on its two
numbers. The reference reads the file as Node's readline does (see `harness.reference_lines`).

    python tests/differential/traffic.py --seed 1 --cases 2 --out /tmp/traffic   # files to look at
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import generate  # the same directory: run as a script, or with it on sys.path

# ---------------------------------------------------------------------------------------------
# JSON text as senders write it
# ---------------------------------------------------------------------------------------------


class Raw(str):
    """A JSON token written as is (a number spelled `1.0`, `1e21`, `-0`, `1e400` ...)."""


class Pairs(list):
    """An object as (key, value) pairs: the only way to write a key twice."""


def js_number(x: float) -> str:
    """Number.prototype.toString: what JSON.stringify writes for a double."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(x))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    k, n = len(digits), int(exponent) + len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def java_number(x: float) -> str:
    """org.json on Android: Double.toString, trailing zeros of a plain decimal dropped."""
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e7:
        text = format(Decimal(repr(x)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    sign = "-" if x < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(x))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    e = int(exponent) + len(digits) - 1
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{e}"


def _js_int(n: int) -> str:
    # a JavaScript sender holds every number as a double: 2**63 went out as 9223372036854776000
    return str(n) if abs(n) <= 2**53 else js_number(float(n))


class Style(NamedTuple):
    """How one kind of sender writes JSON."""

    name: str
    ascii: bool  # \\uXXXX for everything beyond ASCII (Python's json.dumps default)
    slash: bool  # "/" written as "\\/" (NSJSONSerialization)
    integer: Callable[[int], str]
    number: Callable[[float], str]
    item_sep: str = ","
    key_sep: str = ":"
    # NaN and Infinity: JSON.stringify writes null; Python's json.dumps writes the bare words
    # (which JSON.parse refuses); the native SDKs would throw, so nothing of theirs gets here
    nonfinite: Callable[[float], str] = lambda x: "null"


STYLES = {
    "web": Style("web", False, False, _js_int, js_number),
    "ios": Style("ios", False, True, str, lambda x: format(x, ".17g")),
    "android": Style("android", False, False, str, java_number),
    "s2s_python": Style("s2s_python", True, False, str, repr, ", ", ": ", json.dumps),
    "s2s_node": Style("s2s_node", False, False, _js_int, js_number),
    "s2s_java": Style("s2s_java", False, False, str, java_number),
}

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def write_string(text: str, style: Style) -> str:
    out = json.dumps(text, ensure_ascii=style.ascii)
    # a lone surrogate can only travel as an escape (JSON.stringify writes it so since ES2019)
    out = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out.replace("/", "\\/") if style.slash else out


def write_json(value: Any, style: Style) -> str:
    """One JSON text, written as `style`'s sender would."""
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return style.integer(value)
    if isinstance(value, float):
        return style.number(value) if math.isfinite(value) else style.nonfinite(value)
    if isinstance(value, str):
        return write_string(value, style)
    if isinstance(value, (dict, Pairs)):
        items = value.items() if isinstance(value, dict) else value
        inner = style.item_sep.join(
            write_string(k, style) + style.key_sep + write_json(v, style) for k, v in items
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + style.item_sep.join(write_json(v, style) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# attributes: schema, everyday values, and the values that trip validators
# ---------------------------------------------------------------------------------------------


class Attr(NamedTuple):
    schema: dict  # the property schema (UI shape, without "description")
    valid: list  # what a correct client sends
    edge: list  # bounds hit exactly, near misses, look-alikes, wrong types


def R(text: str) -> Raw:
    return Raw(text)


NFD_CAFE = unicodedata.normalize("NFD", "café")
JS_SPACES = ["\u00a0", "\u1680", "\u2003", "\u2009", "\u202f", "\u205f", "\u3000", "\ufeff", "\u2028"]
NOT_JS_SPACES = ["\u0085", "\u180e", "\u200b", "\x1c", "\x1f"]
ODD_DIGITS = ["٠٢١٣٩", "０２１３９", "०२१३९", "𝟎𝟐𝟏𝟑𝟗", "০২১৩৯"]


def _catalog() -> dict:
    s, n, i, b = "string", "number", "integer", "boolean"
    return {
        # -- strings with enums, patterns, lengths, formats
        "category": Attr(
            {"type": s, "enum": ["electronics", "home", "toys", "books", "café"]},
            ["electronics", "home", "toys", "books", "café"],
            [NFD_CAFE, "Electronics", "electronics ", "", 7, "café\u200b"],
        ),
        "currency": Attr(
            {"type": s, "enum": ["USD", "EUR", "GBP", "JPY", "CHF"]},
            ["USD", "EUR", "GBP", "JPY"],
            ["usd", "€", "US$", "ＵＳＤ", None],
        ),
        "zip": Attr(
            {"type": s, "pattern": "^\\d{5}$"},
            ["02139", "94107", "10001", "60614"],
            [*ODD_DIGITS, "2139", "02139\n", "02139-1234", 2139, "021390"],
        ),
        "postal_code": Attr(
            {"type": s, "pattern": "^[A-Z0-9 ]{3,10}$"},
            ["SW1A 1AA", "10115", "75008"],
            ["SW1A\u00a01AA", "sw1a 1aa", "SW1A\u20031AA", "SW1A 1AA\n", "SW"],
        ),
        "username": Attr(
            {"type": s, "pattern": "^\\S+$", "maxLength": 20},
            ["jdoe", "anna_k", "zoë", "李雷"],
            [
                "j doe",
                *("j" + c + "doe" for c in JS_SPACES + NOT_JS_SPACES),
                "jdoe\n",
                "a" * 20,
                "a" * 21,
                "😀" * 20,
                "😀" * 21,
            ],
        ),
        "search_term": Attr(
            {"type": s, "minLength": 1, "maxLength": 50},
            ["running shoes", "小米", "café au lait", "usb-c cable", "4k tv"],
            ["", "x" * 50, "x" * 51, "😀" * 50, "😀" * 51, "e\u0301" * 25, "e\u0301" * 26, "🏳️‍🌈" * 12],
        ),
        "email": Attr(
            {"type": s, "format": "email"},
            ["jane.doe@example.com", "k.tanaka+news@example.co.jp"],
            ["a@b", "jane@", "Jane.Doe@Example.COM", "jané@example.com", " jane@example.com", "jane@-x.com"],
        ),
        "signup_date": Attr(
            {"type": s, "format": "date"},
            ["2023-04-01", "2024-02-29"],
            [
                "2023-02-30",
                "2023-4-1",
                "2023-04-01T00:00:00Z",
                "２０２３-04-01",
                "2023-13-01",
                "2023-04-01\n",
            ],
        ),
        "event_time": Attr(
            {"type": s, "format": "date-time"},
            ["2024-03-01T12:30:00Z", "2024-03-01T12:30:00.123+01:00"],
            [
                "2024-03-01T12:30:00+0100",
                "2024-03-01 12:30:00",
                "2024-03-01t12:30:00z",
                "2024-03-01T25:30:00Z",
                "2024-03-01 12:30:00+01:00",
                1709296200000,
            ],
        ),
        "landing_url": Attr(
            {"type": s, "format": "uri"},
            ["https://shop.example.com/p/123?utm_source=news", "myapp://product/42"],
            [
                "/p/123",
                "shop.example.com",
                "https://exa mple.com",
                "mailto:a@b.c",
                "1http://x",
                "https://例え.jp/",
            ],
        ),
        "device_uuid": Attr(
            {"type": s, "format": "uuid"},
            ["3f1c2a9e-7b4d-4e2a-9c1b-2d5e6f7a8b9c"],
            [
                "3F1C2A9E-7B4D-4E2A-9C1B-2D5E6F7A8B9C",
                "3f1c2a9e7b4d4e2a9c1b2d5e6f7a8b9c",
                "urn:uuid:3f1c2a9e-7b4d-4e2a-9c1b-2d5e6f7a8b9c",
                "{3f1c2a9e-7b4d-4e2a-9c1b-2d5e6f7a8b9c}",
            ],
        ),
        "ip_address": Attr(
            {"type": s, "format": "ipv4"},
            ["203.0.113.7", "198.51.100.23"],
            ["256.1.1.1", "203.0.113.07", "::1", "203.0.113.7\n", "２０３.0.113.7"],
        ),
        "order_id": Attr(
            {"type": s, "pattern": "^[A-Z0-9-]{6,20}$"},
            ["ORD-123456", "A1B2C3D4"],
            [123456, "ord-123456", "ORD–123456", "ORD-12345678901234567", 9007199254740993],
        ),
        "sku": Attr(
            {"type": s, "pattern": "^SKU-\\d{6}$"},
            ["SKU-004211", "SKU-918273"],
            ["SKU-٠٠٤٢١١", "sku-004211", "SKU-4211", "SKU-004211\n", "SKU-00421１"],
        ),
        "phone": Attr(
            {"type": s, "pattern": "^\\+?[1-9]\\d{1,14}$"},
            ["+15550100", "447700900123"],
            ["+1 555 0100", "+١٥٥٥٠١٠٠", "+15550100\n", "015550100", 15550100],
        ),
        "locale": Attr(
            {"type": s, "pattern": "^[a-z]{2}(-[A-Z]{2})?$"},
            ["en-US", "de", "pt-BR"],
            ["en_US", "EN-us", "ſv", "en-US\n", "en-ＵＳ"],
        ),
        "full_name": Attr(
            {"type": s, "pattern": "^\\S+(\\s\\S+)+$"},
            ["Jane Doe", "José María Pérez"],
            ["JaneDoe", *("Jane" + c + "Doe" for c in JS_SPACES + NOT_JS_SPACES), "Jane\tDoe", "Jane \n"],
        ),
        "city": Attr(
            {"type": s, "minLength": 1, "maxLength": 30},
            ["Zürich", "São Paulo", "Reykjavík", "東京", "Kraków"],
            [unicodedata.normalize("NFD", "Zürich"), "", "Llanfairpwllgwyngyllgogerychwyrndrobwll", "🏙" * 30],
        ),
        "coupon_code": Attr(
            {"type": s, "pattern": "^[A-Z0-9]{4,12}$"},
            ["SPRING24", "WELCOME10"],
            ["spring24", "SPRING 24", "SPRİNG24", "SPRING24\n", "ＳＰＲＩＮＧ"],
        ),
        "payment_method": Attr(
            {"type": s, "enum": ["card", "paypal", "apple_pay", "gift_card"]},
            ["card", "paypal", "apple_pay", "card"],
            ["Card", "credit_card", "", None],
        ),
        "card_type": Attr(
            {"type": s, "enum": ["visa", "mastercard", "amex"]},
            ["visa", "mastercard", "amex"],
            ["Visa", "discover"],
        ),
        "app_version": Attr(
            {"type": s, "pattern": "^\\d+\\.\\d+\\.\\d+$"},
            ["4.12.0", "5.0.1"],
            ["4.12", "4.12.0-beta", "٤.١٢.٠", "4.12.0\n", 4.12],
        ),
        "url_path": Attr(
            {"type": s, "pattern": "^\\/[\\w\\/-]*$"},
            ["/products/123", "/cart", "/"],
            ["/products/ü", "products/123", "/products/123?x=1", "/products/123\n"],
        ),
        "amount_text": Attr(
            {"type": s, "pattern": "^\\d+(\\.\\d{1,2})?$"},
            ["19.99", "5", "1200.50"],
            ["19.999", 19.99, "1,99", "١٩.٩٩", "19.99 "],
        ),
        "kana_name": Attr(
            {"type": s, "pattern": "^[\\u30A0-\\u30FF]+$"},
            ["タナカ", "スズキ"],
            ["ﾀﾅｶ", "たなか", "タナカ\n", "タ ナカ"],
        ),
        "reaction": Attr(
            {"type": s, "enum": ["👍", "❤️", "😂", "😮"]},
            ["👍", "❤️", "😂"],
            ["❤", "👍🏽", "\ud83d", ":+1:"],
        ),
        "hex_color": Attr(
            {"type": s, "pattern": "^#[0-9a-fA-F]{6}$"},
            ["#FF5733", "#00aaff"],
            ["#FFF", "#ＦＦ５７３３", "FF5733", "#FF5733\n"],
        ),
        "word_id": Attr(
            {"type": s, "pattern": "^\\w+$"},
            ["abc_123", "promo2024"],
            ["café", "naïve", "ǅ", "abc-123", "abc\n", "٣"],
        ),
        "promo_label": Attr(
            {"type": s, "pattern": "\\bsale\\b"},
            ["summer sale", "sale"],
            ["summer_sale", "ésale", "SALE", "wholesale", "sale\u00e9"],
        ),
        "display_name": Attr(
            # sloppy: written for a Unicode-aware engine; ajv has no u flag, so \\p is just "p"
            {"type": s, "pattern": "^\\p{L}+$"},
            ["p{L}", "Anna"],
            ["Zoë", "p{L}}}", "p"],
        ),
        "short_label": Attr(
            {"type": s, "pattern": "^.{1,10}$"},
            ["Deals", "Top 10"],
            ["a\nb", "😀" * 5, "😀" * 6, "\u2028", "x" * 11, "a\rb", "\u0085" * 3],
        ),
        "channel": Attr(
            {"type": s, "pattern": "^[a-z_]+$"},
            ["email", "push", "in_app"],
            ["Email", "push\n", "in-app", "ｅｍａｉｌ"],
        ),
        "title": Attr(
            {"type": s, "maxLength": 100},
            ["The Night Manager", "Épisode 3", "Don’t Look Up"],
            ["x" * 101, 42],
        ),
        "description": Attr(
            {"type": s}, ["long text", "Crème brûlée – 5★", "“Great” service"], [12, None, ["a"]]
        ),
        "type": Attr({"type": s, "enum": ["new", "used", "refurbished"]}, ["new", "used"], ["New", ""]),
        "referrer": Attr(
            {"type": s, "format": "uri-reference"},
            ["/landing?x=1", "https://news.example.com/a", "#top"],
            ["/a b", "\\server\\share", "/a\u0085b", "/ü"],
        ),
        "store_host": Attr(
            {"type": s, "format": "hostname"},
            ["shop.example.com", "eu-1.cdn.example.net"],
            [
                "-shop.example.com",
                "shop_1.example.com",
                "ſhop.example.com",
                "shop.example.com.",
                "a" * 64 + ".com",
            ],
        ),
        "comment": Attr(
            # text copied through mis-decoding pipelines: cp1252 read as Latin-1, UTF-8 read as cp1252,
            # NUL and DEL from native string buffers
            {"type": s, "maxLength": 40, "pattern": "^[^\\x00-\\x1f]*$"},
            ["Great app!", "Très bien", "Don’t change a thing"],
            [
                "Don\x92t stop\x85",
                "CafÃ© crÃ¨me",
                "donâ€™t",
                "abc\x00",
                "tab\there",
                "del\x7f",
                "line\u2028sep",
            ],
        ),
        # survey answers keyed by question number: JS evaluates (and reports) integer-like keys first
        "10": Attr({"type": i, "minimum": 0, "maximum": 10}, [9, 10, 7], [11, "9", R("9.5"), None]),
        "2": Attr({"type": s, "enum": ["yes", "no"]}, ["yes", "no"], ["Yes", True]),
        "1": Attr({"type": s, "maxLength": 140}, ["Great", "Too slow"], ["x" * 141, 5]),
        "price/kg": Attr({"type": n, "minimum": 0}, [4.99, 12.5], ["4.99", -1, R("1e21")]),
        # -- numbers
        "item_count": Attr(
            {"type": i, "minimum": 1, "maximum": 99},
            [1, 2, 3, 5],
            [0, 1, 99, 100, R("1.0"), "3", 2.5, R("1e2"), R("99.0"), -1, R("1E1"), R("-0")],
        ),
        "quantity": Attr(
            {"type": i, "minimum": 1},
            [1, 2, 1, 3],
            [0, "1", 1.5, R("1.0"), 2**63, R("1e21"), R("2.000000000000000001"), R("1e400")],
        ),
        "cart_total": Attr(
            {"type": n, "minimum": 0},
            [19.99, 250.0, 0, 1234.5, 89.97],
            [-0.01, R("-0"), "19.99", R("1e21"), 1e-7, R("-0.0"), R("1.7976931348623157e308"), R("5e-324")],
        ),
        "price": Attr(
            # the classic: money as a multiple of 0.01, which binary doubles mostly are not
            {"type": n, "exclusiveMinimum": 0, "maximum": 10000, "multipleOf": 0.01},
            [19.99, 5.0, 0.5, 129.0, 4.35, 0.07],
            [0, 10000, 10000.01, R("1e-2"), 0.1 + 0.2, "19.99", R("19.990"), 1e-9],
        ),
        "discount_pct": Attr(
            {"type": n, "minimum": 0, "exclusiveMaximum": 100},
            [10, 25.5, 50],
            [100, 99.99999999999999, 0, R("-0"), R("100.0"), R("1E2"), -5],
        ),
        "ratio": Attr(
            {"type": n, "minimum": 0, "maximum": 1},
            [0.25, 0.5, 1, 0],
            [1.0000000000000002, R("1.0"), R("1E0"), 0.9999999999999999, -1e-300, R("0.1e1"), "0.5"],
        ),
        "rating": Attr(
            {"type": i, "minimum": 1, "maximum": 5},
            [1, 3, 4, 5],
            [0, 6, R("5.0"), 4.5, "5", True, R("5e0")],
        ),
        "score": Attr(
            {"type": n, "multipleOf": 0.5},
            [1.5, 2, 10, 0.5],
            [0.3, 1.25, R("1e21"), 2**60, 7.000000000000001, R("4.50")],
        ),
        "percent_complete": Attr(
            {"type": n, "minimum": 0, "maximum": 100, "multipleOf": 0.1},
            [50, 10, 99.9, 0.3, 12.5],
            [100.1, 0.7, 33.33, R("1e2"), math.nan],  # progress of a zero-length video
        ),
        "level": Attr(
            {"type": i, "minimum": 0, "maximum": 100},
            [1, 12, 57],
            [101, R("100.0"), -1, "12", 12.5, 2**53 + 1],
        ),
        "duration_ms": Attr(
            {"type": i, "minimum": 0},
            [1200, 45000, 250],
            [
                R("1e21"),
                2**53 + 1,
                -1,
                R("-0"),
                1.5,
                "1200",
                R("1.7976931348623157e308"),
                2**64,
                R("1e400"),
                math.inf,
            ],
        ),
        "latitude": Attr(
            {"type": n, "minimum": -90, "maximum": 90},
            [40.7128, -33.8688, 51.5074],
            [90, 90.0000001, -90, "40.7", R("90.0"), R("-90.00000000000001")],
        ),
        "step": Attr({"type": i, "enum": [1, 2, 3, 4]}, [1, 2, 3, 4], [R("2.0"), "2", True, 5, 2.5]),
        "content_id": Attr({"type": [s, i]}, ["abc123", 42, "42"], [4.2, None, True, R("42.0"), [42]]),
        # -- booleans, nulls, lists
        "is_subscriber": Attr({"type": b}, [True, False], ["true", "false", 1, 0, "True", "yes", None]),
        "tier": Attr(
            {"type": [s, "null"], "enum": ["gold", "silver", "bronze", None]},
            ["gold", "silver", "bronze", None],
            ["Gold", "platinum", ""],
        ),
        "tags": Attr(
            {"type": "array", "items": {"type": s}, "uniqueItems": True, "maxItems": 5},
            [["new", "sale"], ["gift"], []],
            [["a", "a"], ["a", 1], ["a", "b", "c", "d", "e", "f"], "new,sale", [None], [1, 1.0], [[], []]],
        ),
        "genres": Attr(
            {"type": "array", "items": {"type": s, "enum": ["drama", "comedy", "documentary", "kids"]}},
            [["drama"], ["comedy", "kids"]],
            [["Drama"], "drama", ["drama", None], [["drama"]]],
        ),
        # -- anything goes: the UI's empty property schemas
        "notes": Attr({}, ["free text", "€5 off, don’t miss", 12, True, ["x"], {"a": 1}], [None, ""]),
        "source": Attr({}, ["banner", "push", "organic"], [None, 0]),
        "debug_info": Attr({}, [{"build": "1234", "flags": [1, 2]}], [None, {"nested": {"deep": None}}]),
    }


CATALOG = _catalog()

# attribute names people put in events that the plan never heard of
UNPLANNED_ATTRS = [
    ("utm_source", "newsletter"),
    ("utm_campaign", "spring_24"),
    ("debug", True),
    ("Category", "home"),
    ("item count", 2),
    ("size/color", "M/red"),
    ("", "empty name"),
    ("ab_test_variant", "B"),
    ("1", "yes"),
    ("10", "no"),
    ("Größe", "XL"),
    ("$Source", "ad"),
    ("experiment.id", 42),
    ("__proto__", {"admin": True}),
    ("constructor", "x"),
]

# ---------------------------------------------------------------------------------------------
# apps: what each domain's plan can contain
# ---------------------------------------------------------------------------------------------

# the model's enums, as the random generator lists them (it adds "unknown" to reach unplanned keys)
CUSTOM_EVENT_TYPES = [t for t in generate.CUSTOM_EVENT_TYPES if t != "unknown"] + ["attribution"]
PRODUCT_ACTIONS = [a for a in generate.PRODUCT_ACTIONS if a != "unknown"]
TRANSITIONS = generate.AST_TYPES
SIMPLE_TYPES = ["crash_report", "breadcrumb", "opt_out", "first_run", "uninstall", "network_performance"]

# (event name, custom_event_type, [attribute, ...]); a trailing "!" marks a required attribute
DOMAINS: dict = {
    "retail": {
        "events": [
            ("Search", "search", ["search_term!", "category", "item_count"]),
            ("Filter Applied", "navigation", ["category!", "tags", "short_label"]),
            ("Store Locator Used", "location", ["zip!", "latitude", "city"]),
            ("Review Submitted", "user_content", ["rating!", "title", "description", "username", "comment"]),
            ("Newsletter Signup", "user_preference", ["email!", "channel", "locale"]),
            ("Product Shared", "social", ["channel!", "sku", "landing_url"]),
            ("Promo Banner Tapped", "other", ["promo_label!", "hex_color", "word_id"]),
            ("Checkout Started", "transaction", ["cart_total!", "currency!", "payment_method", "card_type"]),
            ("Install Attributed", "attribution", ["source", "landing_url", "event_time", "referrer"]),
            ("Size Guide Video", "media", ["duration_ms", "percent_complete"]),
        ],
        "screens": [
            ("Home", ["source"]),
            ("Product Detail", ["sku!", "category"]),
            ("Cart", ["item_count"]),
            ("Checkout", []),
            ("Order Confirmation", ["order_id!"]),
            ("Search Results", ["search_term"]),
        ],
        "actions": PRODUCT_ACTIONS,
        "action_attrs": ["currency", "coupon_code", "payment_method", "notes"],
        "product_attrs": ["type", "hex_color", "tags"],
        "promotions": True,
        "impressions": True,
        "ua": [
            "$Age",
            "$Gender",
            "$Zip",
            "$City",
            "tier",
            "is_subscriber",
            "favorite_categories",
            "ltv",
            "email",
        ],
    },
    "streaming": {
        "events": [
            ("Play", "media", ["content_id!", "title!", "duration_ms", "genres"]),
            ("Pause", "media", ["content_id!", "duration_ms"]),
            ("Content Rated", "user_content", ["content_id!", "rating!", "reaction"]),
            ("Subscription Started", "transaction", ["price!", "currency!", "tier"]),
            ("Genre Selected", "navigation", ["genres!"]),
            ("Title Search", "search", ["search_term!", "item_count"]),
            ("Watchlist Shared", "social", ["channel!", "content_id"]),
            ("Autoplay Toggled", "user_preference", ["is_subscriber!", "notes"]),
            ("Casting Started", "other", ["display_name", "ip_address", "device_uuid", "store_host"]),
            ("Campaign Install", "attribution", ["source!", "event_time"]),
        ],
        "screens": [
            ("Browse", ["genres"]),
            ("Player", ["content_id!"]),
            ("Détails", ["title"]),
            ("Profile", []),
        ],
        "actions": ["purchase", "refund", "view_detail", "add_to_wishlist", "remove_from_wishlist"],
        "action_attrs": ["currency", "tier"],
        "product_attrs": ["genres"],
        "promotions": True,
        "impressions": True,
        "ua": ["$Age", "$Country", "tier", "favorite_genres", "is_subscriber", "devices", "kana_name"],
    },
    "travel": {
        "events": [
            ("Flight Search", "search", ["search_term!", "signup_date!", "item_count", "locale"]),
            ("Hotel Viewed", "navigation", ["content_id!", "city!", "ratio"]),
            ("Booking Completed", "transaction", ["order_id!", "cart_total!", "currency!", "discount_pct"]),
            ("Location Permission", "location", ["latitude!", "is_subscriber"]),
            ("Trip Shared", "social", ["channel!", "url_path"]),
            ("Review Written", "user_content", ["rating!", "description", "full_name"]),
            ("Seat Preference", "user_preference", ["type", "notes"]),
            ("NPS Survey", "user_content", ["10!", "2", "1", "comment"]),
            ("Deep Link Opened", "attribution", ["landing_url!", "source"]),
            ("Destination Video", "media", ["duration_ms!", "percent_complete"]),
            ("Itinerary Exported", "other", ["step", "event_time"]),
        ],
        "screens": [
            ("Home", []),
            ("Search Results", ["search_term"]),
            ("Booking", ["step!"]),
            ("Itinerary", []),
        ],
        "actions": ["checkout", "checkout_option", "purchase", "refund", "click", "view_detail"],
        "action_attrs": ["currency", "coupon_code", "payment_method"],
        "product_attrs": ["city", "signup_date"],
        "promotions": False,
        "impressions": True,
        "ua": ["$FirstName", "$LastName", "$Mobile", "$Country", "tier", "home_airport", "loyalty_points"],
    },
    "banking": {
        "events": [
            ("Login", "other", ["channel!", "app_version", "ip_address"]),
            (
                "Transfer Initiated",
                "transaction",
                ["amount_text!", "currency!", "payment_method", "card_type"],
            ),
            ("Card Frozen", "user_preference", ["is_subscriber!", "notes"]),
            ("KYC Step Completed", "navigation", ["step!", "full_name", "signup_date"]),
            ("Referral Sent", "social", ["email!", "channel"]),
            ("ATM Finder", "location", ["zip", "latitude!", "postal_code"]),
            ("Statement Search", "search", ["search_term!", "event_time"]),
            ("Support Chat", "user_content", ["description!", "short_label", "comment"]),
            ("Install Attributed", "attribution", ["source", "device_uuid"]),
            ("Onboarding Video", "media", ["duration_ms"]),
        ],
        "screens": [("Dashboard", []), ("Transfers", ["currency"]), ("Cards", []), ("Settings", ["locale"])],
        "actions": ["purchase", "refund"],
        "action_attrs": ["currency", "amount_text"],
        "product_attrs": [],
        "promotions": True,
        "impressions": False,
        "ua": ["$Age", "$State", "$Zip", "phone", "tier", "kyc_complete", "ltv", "email"],
    },
    "food": {
        "events": [
            ("Restaurant Viewed", "navigation", ["content_id!", "category", "rating"]),
            (
                "Order Placed",
                "transaction",
                ["order_id!", "cart_total!", "currency", "discount_pct", "coupon_code"],
            ),
            ("Rating Submitted", "user_content", ["rating!", "reaction", "description"]),
            ("Address Added", "location", ["zip!", "city", "latitude"]),
            ("Cuisine Search", "search", ["search_term!", "tags", "price/kg"]),
            ("Dietary Preference", "user_preference", ["tags!", "is_subscriber"]),
            ("Invite Friend", "social", ["phone", "channel!"]),
            ("Recipe Video", "media", ["duration_ms", "percent_complete"]),
            ("Promo Code Entered", "other", ["coupon_code!", "word_id"]),
            ("Campaign Click", "attribution", ["landing_url", "source!"]),
        ],
        "screens": [
            ("Home", []),
            ("Menu", ["content_id!"]),
            ("Basket", ["item_count"]),
            ("Tracking", ["order_id"]),
        ],
        "actions": ["add_to_cart", "remove_from_cart", "checkout", "purchase", "refund", "view_detail"],
        "action_attrs": ["coupon_code", "currency"],
        "product_attrs": ["level", "tags"],
        "promotions": True,
        "impressions": True,
        "ua": ["$Age", "$City", "$Zip", "favorite_cuisines", "tier", "orders_count", "is_subscriber"],
    },
    "games": {
        "events": [
            ("Level Complete", "other", ["level!", "score!", "duration_ms"]),
            ("In-App Purchase", "transaction", ["price!", "currency!", "sku"]),
            ("Achievement Unlocked", "user_content", ["word_id!", "level"]),
            ("Friend Invited", "social", ["channel!", "username"]),
            ("Tutorial Step", "navigation", ["step!", "ratio"]),
            ("Settings Changed", "user_preference", ["locale", "is_subscriber", "hex_color"]),
            ("Leaderboard Search", "search", ["username!"]),
            ("Cutscene Watched", "media", ["duration_ms!", "percent_complete"]),
            ("Region Detected", "location", ["locale!", "ip_address", "store_host"]),
            ("Install Attributed", "attribution", ["source!", "event_time", "device_uuid"]),
        ],
        "screens": [
            ("Main Menu", []),
            ("Shop", ["sku"]),
            ("Level Select", ["level"]),
            ("Profile", ["username"]),
        ],
        "actions": ["purchase", "click", "view_detail"],
        "action_attrs": ["currency"],
        "product_attrs": ["level"],
        "promotions": True,
        "impressions": False,
        "ua": ["$Age", "$Gender", "player_level", "is_subscriber", "guild", "display_name", "ltv"],
    },
}

# user attribute names (reserved `$...` ones and custom) -> the catalog entry that types them
UA_KINDS = {
    "$Age": Attr(
        {"type": "integer", "minimum": 13, "maximum": 120}, [34, 27, 61, 13], [12, 121, "34", R("34.0"), None]
    ),
    "$Gender": Attr({"type": "string", "enum": ["M", "F", "O"]}, ["M", "F", "O"], ["m", "female", None]),
    "$Zip": CATALOG["zip"],
    "$City": CATALOG["city"],
    "$Country": Attr(
        {"type": "string", "pattern": "^[A-Z]{2}$"}, ["US", "DE", "JP"], ["us", "USA", "ＵＳ", "US\n"]
    ),
    "$State": Attr({"type": "string", "maxLength": 2}, ["CA", "NY"], ["Calif.", "😀😀", "😀😀😀"]),
    "$FirstName": Attr({"type": "string"}, ["Jane", "Søren", "Zoë"], [None, 0]),
    "$LastName": Attr({"description": ""}, ["Doe", "Müller"], [None]),
    "$Mobile": CATALOG["phone"],
    "phone": CATALOG["phone"],
    "email": CATALOG["email"],
    "tier": CATALOG["tier"],
    "is_subscriber": CATALOG["is_subscriber"],
    "kyc_complete": CATALOG["is_subscriber"],
    "favorite_categories": Attr(
        {"type": "array", "items": {"type": "string"}},
        [["home", "toys"], ["books"]],
        [["home", None], "home", [1, 2]],
    ),
    "favorite_genres": CATALOG["genres"],
    "favorite_cuisines": CATALOG["tags"],
    "devices": Attr({"type": "array", "maxItems": 3}, [["tv", "phone"]], [["a", "b", "c", "d"], {}]),
    "ltv": Attr(
        {"type": "number", "minimum": 0}, [129.5, 0, 2400.75], ["129.5", -1, R("1e21"), R("1.0"), None]
    ),
    "loyalty_points": Attr({"type": "integer", "minimum": 0}, [1200, 0], [R("1200.0"), "1200", 2**63 - 1]),
    "orders_count": Attr({"type": "integer"}, [3, 12], [R("3.0"), 3.5, "3"]),
    "player_level": CATALOG["level"],
    "home_airport": Attr(
        {"type": "string", "pattern": "^[A-Z]{3}$"}, ["SFO", "LHR", "NRT"], ["sfo", "SFO\n", "ＳＦＯ"]
    ),
    "guild": Attr({}, ["Night's Watch", "😈 clan"], [None, 7]),
    "display_name": CATALOG["display_name"],
    "kana_name": CATALOG["kana_name"],
}

IDENTITY_TYPES = ["customer_id", "email", "other", "mobile_number", "other_id_2", "facebook", "google"]

# ---------------------------------------------------------------------------------------------
# the app model one case is built from
# ---------------------------------------------------------------------------------------------


def _attr_list(names: list) -> list:
    """[(name, required), ...] from catalog names with "!" marking required."""
    return [(name.rstrip("!"), name.endswith("!")) for name in names]


def build_model(rng: random.Random, domain: str, index: int) -> dict:
    """What one app's plan holds: a random but realistic subset of its domain."""
    d = DOMAINS[domain]
    events = [e for e in d["events"] if rng.random() < 0.85] or d["events"][:3]
    screens = [s for s in d["screens"] if rng.random() < 0.8] or d["screens"][:1]
    actions = [a for a in d["actions"] if rng.random() < 0.8]
    return {
        "domain": domain,
        "plan_id": f"{domain}_{['web', 'mobile', 'all', 'server'][index % 4]}_{index:02d}",
        "events": [(name, kind, _attr_list(attrs)) for name, kind, attrs in events],
        "not_planned": [e for e in d["events"] if e not in events],
        "screens": [(name, _attr_list(attrs)) for name, attrs in screens],
        "actions": actions,
        "action_attrs": _attr_list(d["action_attrs"]),
        "product_attrs": _attr_list(d["product_attrs"]),
        "promotions": d["promotions"] and rng.random() < 0.8,
        "impressions": d["impressions"] and rng.random() < 0.8,
        "transitions": [t for t in TRANSITIONS if rng.random() < 0.5],
        "sessions": rng.random() < 0.6,
        "simple": [t for t in SIMPLE_TYPES if rng.random() < 0.3],
        # about a third of real plans never plan user attributes (1.0.3 then flags every batch);
        # the bare version objects (every eighth case) never do and carry a placeholder point
        # instead, the three kinds in turn (see PlanWriter.document)
        "ua": [(n, rng.random() < 0.15) for n in d["ua"] if rng.random() < 0.85]
        if rng.random() < 0.7 and index % 8 != 7
        else None,
        "ua_placeholder": index // 8 % 3 if index % 8 == 7 else None,
        "ua_strict": rng.random() < 0.5,
        "strict": rng.random() < 0.6,  # additionalProperties false on custom_attributes
    }


# ---------------------------------------------------------------------------------------------
# plans: the UI's export and API-authored documents
# ---------------------------------------------------------------------------------------------


def _sorted_schema(obj: Any) -> Any:
    """The UI's export orders every object's keys alphabetically (property names included)."""
    if isinstance(obj, dict):
        return {k: _sorted_schema(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [_sorted_schema(v) for v in obj]
    return obj


class PlanWriter:
    """Renders an app model as data points, in the UI's style or an API author's style."""

    def __init__(self, rng: random.Random, model: dict, style: str) -> None:
        self.rng = rng
        self.model = model
        self.style = style  # "ui" or "api"
        self.definitions: dict = {}

    # -- attribute schemas

    def prop(self, name: str, kinds: dict = CATALOG) -> dict:
        schema = dict(kinds[name].schema)
        rng = self.rng
        if self.style == "ui":
            if not schema:
                return rng.choice([{}, {"description": ""}, {"description": "free text, any type"}])
            schema["description"] = rng.choice(["", "", "", f"The {name.replace('_', ' ')}"])
            return schema
        roll = rng.random()
        if roll < 0.18 and schema:
            # the author factored the type out; some leave a sibling keyword ajv ignores next to $ref
            where = "definitions" if rng.random() < 0.7 else "$defs"
            self.definitions.setdefault(where, {})[name] = schema
            ref: dict = {"$ref": f"#/{where}/{name}"}
            if rng.random() < 0.3:
                ref["description"] = f"see {where}"
            if rng.random() < 0.15 and "maximum" not in schema:
                ref["maximum"] = 5  # ignored by ajv 6 (extendRefs "ignore")
            return ref
        if roll < 0.26 and schema.get("enum") and None not in schema["enum"]:
            return {"oneOf": [{"const": v} for v in schema["enum"]]}
        if roll < 0.32 and schema.get("type") in ("string", "number", "integer"):
            return {"anyOf": [schema, {"type": "null"}], "nullable": True}
        if roll < 0.36 and schema.get("type") in ("number", "integer"):
            bounds = {k: schema.pop(k) for k in list(schema) if k not in ("type",)}
            return {"allOf": [{"type": schema["type"]}, bounds]} if bounds else schema
        if roll < 0.42 and schema.get("type") == "array":
            schema["contains"] = {"type": "string", "minLength": 1}
        elif roll < 0.5:
            schema["examples"] = [kinds[name].valid[0]]
        if roll > 0.9:
            schema["$comment"] = "PII: do not log"
            schema["x-pii"] = True
        if roll > 0.8 and schema.get("type") in ("string", "integer"):
            schema["nullable"] = True  # OpenAPI habit, meaningless to ajv
        return schema

    def attributes(self, attrs: list, strict: Optional[bool] = None) -> dict:
        rng = self.rng
        strict = self.model["strict"] if strict is None else strict
        props = {name: self.prop(name) for name, _ in attrs}
        required = [name for name, req in attrs if req]
        if rng.random() < 0.05:
            required.append("legacy_id")  # still required, no longer declared
        schema: dict = {"additionalProperties": not strict, "properties": props, "type": "object"}
        if self.style == "ui":
            schema["description"] = ""
            schema["required"] = required
            return schema
        if required:
            schema["required"] = required
        if rng.random() < 0.3:
            del schema["additionalProperties"]
        if rng.random() < 0.15:
            schema["patternProperties"] = {"^utm_": {"type": "string", "maxLength": 40}}
        if rng.random() < 0.1:
            schema["propertyNames"] = {"pattern": "^[A-Za-z0-9_ $.]+$"}
        if rng.random() < 0.1:
            schema["maxProperties"] = 8
        if rng.random() < 0.1:
            schema["additionalProperties"] = {"type": ["string", "number", "boolean"]}
        names = [n for n, _ in attrs]
        if "payment_method" in names and "card_type" in names and rng.random() < 0.7:
            schema["if"] = {
                "properties": {"payment_method": {"const": "card"}},
                "required": ["payment_method"],
            }
            schema["then"] = {"required": ["card_type"]}
            schema["else"] = {"not": {"required": ["card_type"]}}
        elif "coupon_code" in names and len(names) > 1 and rng.random() < 0.6:
            other = next(n for n in names if n != "coupon_code")
            schema["dependencies"] = {"coupon_code": [other]}
        return schema

    def data_schema(self, props: dict, required: list) -> dict:
        schema: dict = {"additionalProperties": True, "properties": props, "type": "object"}
        if self.style == "ui":
            schema["description"] = ""
            schema["required"] = required
        elif required:
            schema["required"] = required
        return schema

    def definition(self, data: dict, event_type: str, title: str) -> dict:
        """The point's validator definition: the schema of the whole event {event_type, data}."""
        rng = self.rng
        if self.style == "ui":
            return _sorted_schema({"properties": {"data": data}})
        doc: dict = {}
        if rng.random() < 0.4:
            doc["$schema"] = "http://json-schema.org/draft-07/schema#"
        if rng.random() < 0.1:
            slug = re.sub(r"\W+", "-", title)
            doc["$id"] = f"https://schemas.example.com/{self.model['domain']}/{slug}.json"
        doc["title"] = title
        doc["type"] = "object"
        doc["properties"] = {"data": data}
        if rng.random() < 0.3:
            doc["properties"]["event_type"] = {"const": event_type}
        if rng.random() < 0.5:
            doc["required"] = ["data"]
        if rng.random() < 0.04:
            # sloppy: the author meant "no unknown attributes" and closed the event itself
            doc["additionalProperties"] = False
        if rng.random() < 0.2:
            doc["x-owner"] = rng.choice(["growth", "payments", "platform"])
        if self.definitions:
            doc.update(self.definitions)
            self.definitions = {}
        return doc

    # -- data points

    def point(self, match: dict, definition: Any, description: str = "") -> dict:
        point = {
            "description": description,
            "match": match,
            "validator": {"type": "json_schema", "definition": definition},
        }
        return _sorted_schema(point) if self.style == "ui" else point

    def custom_event(self, name: str, kind: str, attrs: list) -> dict:
        rng = self.rng
        props: dict = {"custom_attributes": self.attributes(attrs)}
        if rng.random() < 0.2:
            props["custom_flags"] = {"type": "object", "additionalProperties": {"type": "string"}}
        if self.style == "api" and rng.random() < 0.3:
            props["timestamp_unixtime_ms"] = {"type": "integer", "minimum": 1262304000000}
            props["source_message_id"] = (
                {"type": "string", "format": "uuid"}
                if rng.random() < 0.5
                else {
                    "type": "string",
                    "minLength": 1,
                }
            )
        if self.style == "api" and rng.random() < 0.15:
            # int64 bounds as the author's language wrote them; JSON.parse rounds both to doubles
            props["event_id"] = {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}
        required = ["custom_attributes"] if any(req for _, req in attrs) or rng.random() < 0.3 else []
        definition = self.definition(self.data_schema(props, required), "custom_event", name)
        match = {"type": "custom_event", "criteria": {"event_name": name, "custom_event_type": kind}}
        return self.point(match, definition, rng.choice(["", "", f"Fired when: {name.lower()}"]))

    def screen(self, name: str, attrs: list) -> dict:
        props = {"custom_attributes": self.attributes(attrs)}
        if self.rng.random() < 0.3:
            props["activity_type"] = {"type": "string"}
        definition = self.definition(self.data_schema(props, []), "screen_view", name)
        return self.point({"type": "screen_view", "criteria": {"screen_name": name}}, definition)

    def product_schema(self) -> dict:
        rng = self.rng
        props: dict = {
            "id": {"type": "string"} if rng.random() < 0.7 else {"type": ["string", "integer"]},
            "name": {"type": "string", "minLength": 1},
            "price": self.prop("price") if rng.random() < 0.4 else {"type": "number", "minimum": 0},
            "quantity": {"type": "integer", "minimum": 1} if rng.random() < 0.6 else {"type": "number"},
            "brand": {},
            "category": {"type": "string"},
        }
        if self.model["product_attrs"]:
            props["custom_attributes"] = self.attributes(
                self.model["product_attrs"], strict=rng.random() < 0.5
            )
        item: dict = {"additionalProperties": True, "properties": props, "type": "object"}
        required = (
            ["id"] + (["price"] if rng.random() < 0.6 else []) + (["quantity"] if rng.random() < 0.3 else [])
        )
        item["required"] = required
        if self.style == "ui":
            item["description"] = ""
            return {"description": "", "items": item, "type": "array"}
        if rng.random() < 0.6:
            where = "definitions" if rng.random() < 0.7 else "$defs"
            self.definitions.setdefault(where, {})["product"] = item
            if rng.random() < 0.25:
                item["$id"] = "#product"  # a location-independent name, referred to as such
                return {"type": "array", "items": {"$ref": "#product"}, "minItems": 1}
            return {"type": "array", "items": {"$ref": f"#/{where}/product"}, "minItems": 1}
        return {"type": "array", "items": item}

    def product_action(self, action: str) -> dict:
        rng = self.rng
        pa: dict = {
            "action": {"const": action} if rng.random() < 0.3 else {"type": "string"},
            "products": self.product_schema(),
            "total_amount": {"type": "number", "minimum": 0},
            "transaction_id": {"type": "string"},
            "tax_amount": {"type": "number"},
        }
        pa_required = (
            ["products"] if action not in ("refund", "checkout_option") and rng.random() < 0.6 else []
        )
        props = {
            "custom_attributes": self.attributes(self.model["action_attrs"]),
            "product_action": self.data_schema(pa, pa_required),
            "currency_code": CATALOG["currency"].schema,
        }
        definition = self.definition(self.data_schema(props, ["product_action"]), "commerce_event", action)
        return self.point({"type": "product_action", "criteria": {"action": action}}, definition)

    def promotion(self, action: str) -> dict:
        item = {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "creative": {},
                "position": {"type": "string"},
            },
            "required": ["id"],
        }
        if self.style == "ui":
            item = {**item, "additionalProperties": True, "description": ""}
        promo = self.data_schema(
            {"promotions": {"type": "array", "items": item}, "action": {}}, ["promotions"]
        )
        props = {
            "promotion_action": promo,
            "custom_attributes": self.attributes(_attr_list(["source"]), strict=False),
        }
        definition = self.definition(self.data_schema(props, []), "commerce_event", "promotion " + action)
        return self.point({"type": "promotion_action", "criteria": {"action": action}}, definition)

    def impressions(self) -> dict:
        impression = {
            "type": "object",
            "properties": {"product_impression_list": {"type": "string"}, "products": self.product_schema()},
        }
        if self.style == "ui":
            impression = {**impression, "additionalProperties": True, "description": "", "required": []}
        props = {"product_impressions": {"type": "array", "items": impression}}
        definition = self.definition(
            self.data_schema(props, ["product_impressions"]), "commerce_event", "impressions"
        )
        return self.point({"type": "product_impression", "criteria": {}}, definition)

    def lifecycle(self, kind: str, transition: Optional[str] = None) -> dict:
        if kind == "session_end":
            props = {"session_duration_ms": {"type": "integer", "minimum": 0}}
        elif kind == "application_state_transition":
            props = {
                "application_transition_type": {"type": "string", "enum": TRANSITIONS},
                "is_first_run": {"type": "boolean"},
                "is_upgrade": {"type": "boolean"},
            }
        elif kind == "network_performance":
            props = {
                "response_code": {"type": "integer", "minimum": 100, "maximum": 599},
                "url": {"type": "string", "format": "uri"},
            }
        elif kind == "crash_report":
            props = {"exception_name": {"type": "string", "minLength": 1}}
        else:
            props = {"session_uuid": {"type": "string"}}
        definition = self.definition(self.data_schema(props, []), kind, kind)
        match: dict = {"type": kind}
        if transition is not None:
            match["criteria"] = {"application_transition_type": transition}
        elif self.style == "ui" or self.rng.random() < 0.5:
            match["criteria"] = {}
        return self.point(match, definition)

    def user_attributes(self, attrs: list) -> dict:
        props = {name: self.prop(name, UA_KINDS) for name, _ in attrs}
        schema: dict = {
            "additionalProperties": not self.model["ua_strict"],
            "properties": props,
            "type": "object",
        }
        required = [name for name, req in attrs if req]
        if self.style == "ui":
            schema["description"] = ""
            schema["required"] = required
        else:
            if required:
                schema["required"] = required
            if self.rng.random() < 0.3:
                schema["patternProperties"] = {"^\\$": {"type": ["string", "number", "array", "null"]}}
            if self.definitions:
                schema.update(self.definitions)
                self.definitions = {}
        match: dict = (
            {"type": "user_attributes", "criteria": {}} if self.style == "ui" else {"type": "user_attributes"}
        )
        return self.point(match, _sorted_schema(schema) if self.style == "ui" else schema)

    def user_identities(self) -> dict:
        props = {t: {} for t in self.rng.sample(IDENTITY_TYPES, 3)}
        schema = {"additionalProperties": False, "properties": props, "type": "object"}
        if self.style == "api" and self.rng.random() < 0.5:
            # never compiled by the reference (identities are not validated), so never refused
            props["customer_id"] = {"type": "string", "format": "customer-id"}
        return self.point({"type": "user_identities", "criteria": {}}, schema)

    def document(self, keep: float = 1.0) -> dict:
        """One version document; `keep` < 1 drops points (an older, smaller version)."""
        m, rng = self.model, self.rng
        points = [self.custom_event(name, kind, attrs) for name, kind, attrs in m["events"]]
        points += [self.screen(name, attrs) for name, attrs in m["screens"]]
        points += [self.product_action(a) for a in m["actions"]]
        if m["promotions"]:
            points += [self.promotion(a) for a in ("view", "click")]
        if m["impressions"]:
            points.append(self.impressions())
        if m["sessions"]:
            points += [self.lifecycle("session_start"), self.lifecycle("session_end")]
        points += [self.lifecycle("application_state_transition", t) for t in m["transitions"]]
        points += [self.lifecycle(t) for t in m["simple"]]
        if m["ua"] is not None:
            points.append(self.user_attributes(m["ua"]))
        elif self.style == "api" and (m["ua_placeholder"] is not None or rng.random() < 0.6):
            # a placeholder nobody filled in: an empty definition or another validator type make
            # 1.0.3 and 1.0.4 both answer "Invalid JSON Schema"; without a validator the point does
            # not count, so only 1.0.3 does
            kinds: list = [{"type": "json_schema", "definition": {}}, {"type": "none"}, None]
            turn = m["ua_placeholder"]
            validator = kinds[turn] if turn is not None else rng.choice(kinds)
            placeholder: dict = {"match": {"type": "user_attributes"}}
            if validator is not None:
                placeholder["validator"] = validator
            points.append(placeholder)
        if rng.random() < 0.5:
            points.append(self.user_identities())
        if self.style == "api":
            points += self.api_leftovers()
        if keep < 1.0:
            points = [p for p in points if rng.random() < keep]
        if rng.random() < 0.3:
            rng.shuffle(points)
        return {"data_points": points}

    def api_leftovers(self) -> list:
        """What hand-kept plans accumulate: dead match types, points without a validator, redefinitions."""
        rng, out = self.rng, []
        if rng.random() < 0.4:
            out.append(
                {
                    "match": {"type": "commerce", "criteria": {}},
                    "validator": {"type": "json_schema", "definition": {"type": "int64"}},
                }
            )
        if rng.random() < 0.3:
            name, kind, _ = rng.choice(self.model["not_planned"] or DOMAINS[self.model["domain"]]["events"])
            out.append(
                {
                    "match": {
                        "type": "custom_event",
                        "criteria": {"event_name": name, "custom_event_type": kind},
                    }
                }
            )
        if rng.random() < 0.3 and self.model["events"]:
            # the same event planned twice: the later point wins in the reference
            name, kind, attrs = rng.choice(self.model["events"])
            out.append(self.custom_event(name, kind, attrs[:1]))
        if rng.random() < 0.2:
            name, kind, _ = rng.choice(self.model["events"] or DOMAINS[self.model["domain"]]["events"])
            out.append(
                {
                    "match": {
                        "type": "custom_event",
                        "criteria": {"event_name": name, "custom_event_type": kind},
                    },
                    "validator": {"type": "custom", "definition": {"script": "return true"}},
                }
            )
        return out


def _stamp(rng: random.Random, year: int = 2023) -> str:
    day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return f"{day}T{clock}.{rng.randint(0, 999):03d}"


def build_plan(rng: random.Random, model: dict, index: int) -> tuple:
    """(plan object, JSON text of the file, plan shape) for one app."""
    shape = [
        "ui_export",
        "ui_export",
        "ui_export",
        "api_plan",
        "ui_export",
        "api_document",
        "ui_export",
        "api_version",
    ][index % 8]
    writer = PlanWriter(rng, model, "ui" if shape.startswith("ui") else "api")
    plan_id = model["plan_id"]
    if shape == "api_document":
        plan: Any = writer.document()
        return plan, json.dumps(plan, ensure_ascii=False, indent=rng.choice([None, 2])), shape
    n_versions = rng.randint(2, 4) if shape == "ui_export" else rng.randint(1, 2)
    versions = []
    for v in range(1, n_versions + 1):
        latest = v == n_versions
        obj: dict = {
            "version": v,
            "data_plan_id": plan_id,
            "version_description": ""
            if rng.random() < 0.5
            else f"v{v}: {rng.choice(['checkout revamp', 'new events', 'typed attributes', 'cleanup'])}",
            "activated_environment": "production"
            if latest
            else rng.choice(["development", "none", "production"]),
            "created_on": _stamp(rng, 2022 + v),
            "created_by": "analytics@example.com",
            "last_modified_on": _stamp(rng, 2022 + v),
            "last_modified_by": rng.choice(["analytics@example.com", "dev@example.com"]),
            "version_document": writer.document(1.0 if latest else rng.uniform(0.3, 0.8)),
        }
        versions.append(obj)
    if shape == "ui_export" and rng.random() < 0.4:
        rng.shuffle(versions)  # the export lists versions as stored, not by number
    if shape == "api_version":
        plan = versions[-1]
    else:
        plan = {
            "data_plan_id": plan_id,
            "data_plan_name": plan_id.replace("_", " ").title(),
            "data_plan_description": rng.choice(["", f"Events of the {model['domain']} app"]),
            "data_plan_status": "active",
            "data_plan_versions": versions,
            "created_on": _stamp(rng, 2022),
            "created_by": "analytics@example.com",
            "last_modified_on": _stamp(rng, 2024),
            "last_modified_by": "analytics@example.com",
        }
    text = json.dumps(plan, ensure_ascii=False, indent=2 if shape == "ui_export" else rng.choice([None, 2]))
    return plan, text, shape


# ---------------------------------------------------------------------------------------------
# traffic: batches as each SDK and server sender shapes them
# ---------------------------------------------------------------------------------------------

PLATFORMS_BY_KIND = {
    "web": ["web"],
    "mobile": ["ios", "android"],
    "all": ["web", "ios", "android", "s2s_node"],
    "server": ["s2s_python", "s2s_java", "s2s_node"],
}
UNPLANNED_UA = [
    ("campaign", "spring"),
    ("push_enabled", True),
    ("last_login", "2024-05-01T10:00:00Z"),
    ("$Source", "ad"),
    ("Favorite Color", "teal"),
    ("cart_items", ["sku1", "sku2"]),
    ("signup_ts", 1714557600000),
    ("123456", True),  # audience memberships keyed by audience id: integer-like keys
    ("98765", False),
]
UNPLANNABLE_EVENTS = [
    (
        "user_attribute_change",
        {
            "user_attribute_name": "tier",
            "new": "gold",
            "old": "silver",
            "deleted": False,
            "is_new_attribute": False,
        },
    ),
    ("user_identity_change", {"new": {"identity_type": "email", "identity": "a@example.com"}, "old": None}),
    ("push_registration", {"push_token": "f2b1c0ffee", "register": True}),
    ("push_message", {"push_message_type": "received", "message": '{"aps":{"alert":"Hi"}}'}),
    ("profile", {"profile_event_type": "login"}),
    ("media", {"media_content_id": "ep-12"}),
    ("unknown", {}),
]
EXCEPTIONS = ["NSInvalidArgumentException", "java.lang.NullPointerException", "TypeError", ""]


def _uuid(rng: random.Random, upper: bool = False) -> str:
    h = f"{rng.getrandbits(128):032x}"
    text = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randint(0, 3)]}{h[17:20]}-{h[20:]}"
    return text.upper() if upper else text


def _int64(rng: random.Random) -> int:
    # mParticle ids are signed 64-bit: nearly all beyond 2**53
    return rng.randint(-(2**63), 2**63 - 1)


def utf16_truncate(text: str, units: int) -> str:
    """What JavaScript's substring(0, units) leaves: possibly half a surrogate pair."""
    return text.encode("utf-16-le", "surrogatepass")[: 2 * units].decode("utf-16-le", "surrogatepass")


class TrafficWriter:
    """Batches for one app, as its SDKs and servers send them."""

    def __init__(self, rng: random.Random, model: dict, versions: list) -> None:
        self.rng = rng
        self.model = model
        self.versions = versions
        self.platforms = PLATFORMS_BY_KIND[model["plan_id"].split("_")[1]]
        self.now = 1_700_000_000_000 + rng.randint(0, 10**10)
        self.mpids = [_int64(rng) for _ in range(12)]
        # ids come from small pools: retried uploads repeat them, and random ids would only bloat
        # the recorded files (no plan here constrains an id beyond its type or format)
        self.uuids = [_uuid(rng) for _ in range(40)]
        self.ids = [_int64(rng) for _ in range(40)]
        self.stringify = False

    def uuid(self, upper: bool = False) -> str:
        text = self.rng.choice(self.uuids)
        return text.upper() if upper else text

    # -- values

    def value(self, attr: Attr) -> Any:
        rng = self.rng
        roll = rng.random()
        if roll < 0.80:
            v = rng.choice(attr.valid)
        elif roll < 0.93:
            v = rng.choice(attr.edge or attr.valid)
        elif roll < 0.96:
            v = None
        else:
            v = rng.choice(attr.valid)
            v = (
                str(v)
                if not isinstance(v, str)
                else (rng.choice([1, 0, 3.5, True]) if rng.random() < 0.5 else v)
            )
        if isinstance(v, str) and not isinstance(v, Raw):
            if rng.random() < 0.1 and v != unicodedata.normalize("NFD", v):
                v = unicodedata.normalize("NFD", v)  # macOS file names, some keyboards
            if (
                rng.random() < 0.1
                and any(ord(c) > 0xFFFF for c in v)
                and self.platform in ("web", "s2s_node")
            ):
                v = utf16_truncate(v, len(v.encode("utf-16-le", "surrogatepass")) // 2 - 1)
        return self.sdk_value(v)

    def sdk_value(self, v: Any) -> Any:
        """Older mobile SDKs send every attribute value as a string."""
        if not self.stringify or v is None or isinstance(v, str):
            return str(v) if isinstance(v, Raw) and self.stringify else v
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and not math.isfinite(v):
            return str(v).replace("inf", "Infinity").replace("nan", "NaN")
        if isinstance(v, (int, float)):
            return STYLES[self.platform].number(float(v)) if isinstance(v, float) else str(v)
        if isinstance(v, list) and self.platform == "android":
            return ",".join(str(x) for x in v)
        if isinstance(v, dict):
            return json.dumps(v)
        return v

    def attributes(self, attrs: list, kinds: dict = CATALOG, unplanned: list = UNPLANNED_ATTRS) -> Any:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return rng.choice([None, {}, '{"category":"home"}', ["home"], 0])  # sloppy senders
        out: list = []
        for name, required in attrs:
            if rng.random() < (0.04 if required else 0.25):
                continue
            out.append((name, self.value(kinds[name])))
        if rng.random() < 0.07:
            pool = [u for u in unplanned if u[0] not in ("__proto__", "constructor")]
            for name, v in rng.sample(pool, rng.randint(1, 2)):
                out.append((name, self.sdk_value(v)))
        hostile = [u for u in unplanned if u[0] in ("__proto__", "constructor")]
        if hostile and rng.random() < 0.003:
            out.append(rng.choice(hostile))  # prototype-pollution probes reach public endpoints too
        if rng.random() < 0.3:
            rng.shuffle(out)
        if out and rng.random() < 0.015:
            # a key written twice: JSON.parse keeps the last value at the first position
            name, _ = rng.choice(out)
            out.append((name, self.value(kinds[name]) if name in kinds else "dup"))
            return Pairs(out)
        return dict(out)

    # -- events

    def common(self, data: dict) -> dict:
        """The fields every event carries, per platform."""
        rng, p = self.rng, self.platform
        self.now += rng.randint(200, 90_000)
        data["timestamp_unixtime_ms"] = (
            self.now if rng.random() > 0.01 else rng.choice([str(self.now), self.now / 1000, R("1.7e12")])
        )
        data["source_message_id"] = self.uuid(upper=p == "ios")
        if p in ("ios", "android"):
            data["event_id"] = rng.choice(self.ids)
            data["session_id"] = self.session_id
            data["session_uuid"] = self.session_uuid
            data["session_start_unixtime_ms"] = self.session_start
            if rng.random() < 0.3:
                data["location"] = {
                    "latitude": rng.choice([40.7128, -33.8688, 51.5074, 35.6762]),
                    "longitude": rng.choice([-74.006, 151.2093, -0.1278, 139.6503]),
                    "accuracy": rng.choice([5, 10.0, 65.5]),
                }
            if rng.random() < 0.2:
                data["device_current_state"] = {
                    "time_since_start_ms": self.now - self.session_start,
                    "battery_level": rng.choice([0.83, 1, 0.05, R("1.0")]),
                    "data_connection_type": rng.choice(["wifi", "mobile", "offline"]),
                    "total_system_memory_usage_bytes": rng.choice([3221225472, 5905580032]),
                    "disk_space_free_bytes": rng.choice([21474836480, 103079215104]),
                    "gps_state": rng.random() < 0.5,
                }
        elif p == "web":
            data["session_uuid"] = self.session_uuid
            if rng.random() < 0.5:
                data["event_start_unixtime_ms"] = self.now
        else:
            if rng.random() < 0.3:
                data["event_id"] = rng.choice(self.ids)
            if rng.random() < 0.2:
                data["session_uuid"] = self.session_uuid
        return data

    def event(self, event_type: str, data: Any) -> Any:
        rng = self.rng
        if isinstance(data, dict):
            data = self.common(data)
            if self.platform.startswith("s2s") and rng.random() < 0.004:
                data = json.dumps(data)  # double-encoded by a sender that serialized `data` itself
            elif self.platform.startswith("s2s") and rng.random() < 0.004:
                return {"event_type": event_type, **data}  # the fields put beside `data`, not in it
        if self.platform.startswith("s2s") and rng.random() < 0.6:
            return {"data": data, "event_type": event_type}  # the Events API docs' order
        return {"event_type": event_type, "data": data}

    def custom_event(self) -> Any:
        rng, m = self.rng, self.model
        pool = m["events"] if rng.random() > 0.08 or not m["not_planned"] else m["not_planned"]
        if not pool:
            pool = DOMAINS[m["domain"]]["events"]
        entry = rng.choice(pool)
        name, kind, attrs = entry[0], entry[1], entry[2]
        attrs = attrs if isinstance(attrs[0] if attrs else ("", False), tuple) else _attr_list(attrs)
        roll = rng.random()
        if roll < 0.015:
            name = rng.choice([name.lower(), name.upper(), name + " ", name.replace(" ", "_"), " " + name])
        elif roll < 0.02:
            name = (
                unicodedata.normalize("NFD", name)
                if name != unicodedata.normalize("NFD", name)
                else name + "\u200b"
            )
        elif roll < 0.03:
            kind = rng.choice(["other", "Other", "", "unknown", None])
        data: dict = {"event_name": name, "custom_event_type": kind}
        if kind is None:
            del data["custom_event_type"]  # the field left out: matching reads it as ""
        if rng.random() < 0.004:
            data["event_name"] = rng.choice([None, 42, "", ["a"]])
        ca = self.attributes(attrs)
        if not (isinstance(ca, dict) and not ca and rng.random() < 0.5):
            data["custom_attributes"] = ca
        if rng.random() < 0.1:
            data["custom_flags"] = {
                "Google.Category": "engagement",
                "Facebook.EventSourceUrl": "https://shop.example.com/",
            }
        return self.event("custom_event", data)

    def screen_view(self) -> Any:
        rng, m = self.rng, self.model
        screens = m["screens"]
        if rng.random() < 0.07 or not screens:
            name, attrs = rng.choice(["Onboarding", "Settings", "Web View", "home"]), []
        else:
            name, attrs = rng.choice(screens)
        if rng.random() < 0.05 and name != unicodedata.normalize("NFD", name):
            name = unicodedata.normalize("NFD", name)
        elif rng.random() < 0.02:
            name = rng.choice(["", None, name.lower(), 404])  # a page view without a usable title
        data: dict = {"screen_name": name}
        if self.platform == "android":
            data["activity_type"] = rng.choice(["MainActivity", "ProductActivity"])
        data["custom_attributes"] = self.attributes(attrs)
        return self.event("screen_view", data)

    def product(self) -> dict:
        rng = self.rng
        price = rng.choice([19.99, 5, 129.0, 0.99, 4.35, 1049.5])
        prod: dict = {
            "id": rng.choice(["SKU-004211", "SKU-918273", "B07XJ8C8F5"])
            if rng.random() > 0.05
            else rng.choice([4211, 9007199254740993, None]),
            "name": rng.choice(["Wireless Earbuds", "Crème Hydratante", "Kids' Puzzle", "抹茶ラテ", ""]),
            "brand": rng.choice(["Acme", "Müller", None]),
            "category": rng.choice(["electronics", "home", "café"]),
            "price": price if rng.random() > 0.04 else rng.choice(["19.99", -1, R("1e21"), None]),
            "quantity": rng.choice([1, 1, 2, 3])
            if rng.random() > 0.05
            else rng.choice([0, 1.5, R("1.0"), "2"]),
        }
        if rng.random() < 0.4:
            prod["total_product_amount"] = (
                price * prod["quantity"] if isinstance(prod["quantity"], int) else price
            )
        if self.model["product_attrs"] and rng.random() < 0.6:
            prod["custom_attributes"] = self.attributes(self.model["product_attrs"])
        if rng.random() < 0.1:
            prod["position"] = rng.randint(1, 20)
        return prod

    def commerce(self) -> Any:
        rng, m = self.rng, self.model
        roll = rng.random()
        data: dict = {}
        if roll < 0.7:
            actions = m["actions"] or PRODUCT_ACTIONS
            action = (
                rng.choice(actions)
                if rng.random() > 0.07
                else rng.choice(PRODUCT_ACTIONS + ["Purchase", "add to cart"])
            )
            pa: dict = {"action": action}
            if action not in ("refund", "checkout_option") or rng.random() < 0.3:
                pa["products"] = (
                    [self.product() for _ in range(rng.choice([1, 1, 1, 2, 3]))]
                    if rng.random() > 0.04
                    else []
                )
            if action == "purchase":
                pa["transaction_id"] = rng.choice([self.uuid(), "T-1001", 9007199254740993])
                pa["total_amount"] = rng.choice([19.99, 259.0, R("19.990"), "19.99"])
                pa["tax_amount"] = rng.choice([1.6, 0, R("0.0")])
            if action in ("checkout", "checkout_option"):
                pa["checkout_step"] = rng.randint(1, 4)
                pa["checkout_options"] = rng.choice(["Visa", "express shipping"])
            if rng.random() < 0.01:
                pa = {}  # product_action present but empty: still a product action
            data["product_action"] = pa
            if rng.random() < 0.05 and m["promotions"]:
                data["promotion_action"] = {"action": "view", "promotions": []}
            data["custom_attributes"] = self.attributes(m["action_attrs"])
            data["currency_code"] = rng.choice(["USD", "EUR", "usd", "JPY"])
        elif roll < 0.85:
            data["promotion_action"] = {
                "action": rng.choice(["view", "click"])
                if rng.random() > 0.05
                else rng.choice(["View", "impression"]),
                "promotions": [
                    {
                        "id": rng.choice(["PROMO_1", "spring-hero", ""]),
                        "name": "Spring Sale",
                        "creative": rng.choice(["banner_a", 3, None]),
                        "position": rng.choice(["top", "1"]),
                    }
                    for _ in range(rng.randint(1, 2))
                ],
            }
        elif roll < 0.97:
            data["product_impressions"] = (
                [
                    {
                        "product_impression_list": rng.choice(["Search Results", "Recommended", ""]),
                        "products": [self.product() for _ in range(rng.randint(1, 3))],
                    }
                ]
                if rng.random() > 0.05
                else []
            )
        else:
            data["custom_attributes"] = {"note": "commerce event with nothing in it"}
        if self.platform in ("ios", "android") and rng.random() < 0.5:
            data["screen_name"] = rng.choice(["Cart", "Product Detail"])
        return self.event("commerce_event", data)

    def lifecycle(self, kind: str) -> Any:
        rng = self.rng
        if self.platform.startswith("s2s") and kind.startswith("session") and rng.random() < 0.5:
            return {"event_type": kind}  # servers often send session events without any data
        data: dict = {}
        if kind == "session_start":
            data["session_id"] = self.session_id
        elif kind == "session_end":
            data["session_duration_ms"] = rng.choice([rng.randint(1000, 10**6), -5, R("3.6e6"), "60000"])
        elif kind == "application_state_transition":
            data["application_transition_type"] = (
                rng.choice(TRANSITIONS)
                if rng.random() > 0.04
                else rng.choice(["application_background ", "foreground", None])
            )
            data["is_first_run"] = rng.random() < 0.1
            data["is_upgrade"] = rng.choice([False, False, "false"])
            if self.platform == "android" and rng.random() < 0.3:
                data["launch_referral"] = "android-app://com.google.android.gm"
        elif kind == "crash_report":
            data["exception_name"] = rng.choice(EXCEPTIONS)
            data["stack_trace"] = "at main (app.js:10:5)\n\tat run (https://cdn.example.com/app.js:1:200)"
        elif kind == "network_performance":
            data["url"] = rng.choice(
                ["https://api.example.com/v1/cart", "api.example.com/v1", "https://api.example.com/ü"]
            )
            data["http_verb"] = "GET"
            data["response_code"] = rng.choice([200, 404, 503, 99, 600, R("200.0")])
            data["time_elapsed"] = rng.randint(5, 3000)
        elif kind == "opt_out":
            data["is_opted_out"] = True
        elif kind == "breadcrumb":
            data["label"] = rng.choice(["tapped buy", "opened cart"])
        return self.event(kind, data)

    def unplannable(self) -> Any:
        if self.rng.random() < 0.1:
            kind = self.rng.choice(["Custom_Event", "customevent", "screenview", "commerce"])
            return self.event(kind, {"event_name": "Search", "custom_event_type": "search"})
        kind, data = self.rng.choice(UNPLANNABLE_EVENTS)
        return self.event(kind, dict(data))

    def events(self) -> list:
        rng, p, m = self.rng, self.platform, self.model
        if p.startswith("s2s"):
            n = rng.choice([0, 1, 1, 1, 2, 2, 3, 5, 8]) if rng.random() > 0.02 else rng.randint(15, 25)
        else:
            n = rng.choice([1, 1, 2, 3, 3, 4, 5, 6, 8, 10])
        out: list = []
        if p in ("ios", "android") and rng.random() < 0.3:
            out.append(self.lifecycle("session_start"))
            out.append(self.lifecycle("application_state_transition"))
        for _ in range(n):
            roll = rng.random()
            if roll < 0.45:
                out.append(self.custom_event())
            elif roll < 0.65:
                out.append(self.screen_view())
            elif roll < 0.85:
                out.append(self.commerce())
            elif roll < 0.93:
                kinds = ["application_state_transition"] + (m["simple"] or SIMPLE_TYPES[:2])
                out.append(self.lifecycle(rng.choice(kinds)))
            else:
                out.append(self.unplannable())
        if p.startswith("s2s") and out and rng.random() < 0.005:
            out[0] = json.dumps(out[0])  # an event serialized twice
        if p in ("ios", "android") and rng.random() < 0.2:
            out.append(self.lifecycle("session_end"))
        return out

    # -- batches

    def user_attributes(self) -> Any:
        rng, m = self.rng, self.model
        names = [n for n, _ in m["ua"]] if m["ua"] else DOMAINS[m["domain"]]["ua"]
        required = {n for n, req in (m["ua"] or []) if req}
        attrs = [(n, n in required) for n in names]
        ua = self.attributes(attrs, UA_KINDS, UNPLANNED_UA)
        if isinstance(ua, dict) and rng.random() < 0.1:
            ua[rng.choice(names)] = None  # how a sender deletes an attribute
        return ua

    def identities(self) -> dict:
        rng = self.rng
        ids: dict = {}
        if rng.random() < 0.8:
            ids["customer_id"] = rng.choice(["C-10293", "88231", ""]) if rng.random() > 0.05 else 88231
        if rng.random() < 0.5:
            ids["email"] = rng.choice(["jane.doe@example.com", "JANE@EXAMPLE.COM"])
        if rng.random() < 0.1:
            ids["other"] = None
        return ids

    def batch(self) -> tuple:
        """(batch value, sender style name)."""
        rng = self.rng
        self.platform = p = rng.choice(self.platforms)
        self.stringify = p in ("ios", "android") and rng.random() < 0.7
        self.session_id = rng.choice(self.ids)
        self.session_uuid = self.uuid(upper=p == "ios")
        self.session_start = self.now
        b: dict = {}
        if rng.random() < 0.02:
            b["events"] = rng.choice([None, {"event_type": "custom_event", "data": {}}, [None], "[]"])
        elif not (p.startswith("s2s") and rng.random() < 0.08):
            b["events"] = self.events()
        if p in ("ios", "android"):
            b["device_info"] = self.device_info()
            b["application_info"] = {
                "application_name": self.model["domain"].title(),
                "application_version": rng.choice(["4.12.0", "4.12.0 (1234)", "5.0.1"]),
                "package": f"com.example.{self.model['domain']}",
                "os": "IOS" if p == "ios" else "Android",
            }
        elif p == "web":
            b["device_info"] = {"platform": "web", "device_application_stamp": self.uuid()}
            b["application_info"] = {"application_name": "Web", "application_version": "2.23.0"}
        if rng.random() < 0.85:
            b["user_attributes"] = self.user_attributes()
        if rng.random() < 0.7:
            b["user_identities"] = self.identities()
        if rng.random() < 0.05:
            b["deleted_user_attributes"] = ["old_segment"]
        b["mpid"] = self.mpid(p)
        b["environment"] = rng.choice(["production"] * 8 + ["development", "Production"])
        if rng.random() < 0.6:
            dp: dict = {"plan_id": self.model["plan_id"]}
            if rng.random() < 0.8 and self.versions:
                dp["plan_version"] = (
                    rng.choice(self.versions) if rng.random() > 0.05 else str(self.versions[-1])
                )
            b["context"] = {"data_plan": dp}
        if p.startswith("s2s"):
            b["source_request_id"] = self.uuid()
            b["schema_version"] = 2
            if rng.random() < 0.5:
                b["ip"] = rng.choice(["203.0.113.7", "2001:db8::1"])
            if rng.random() < 0.1:
                b["consent_state"] = {
                    "gdpr": {
                        "marketing": {"consented": True, "timestamp_unixtime_ms": self.now, "document": "v2"}
                    }
                }
        else:
            b["sdk_version"] = {"web": "2.23.0", "ios": "8.19.0", "android": "5.55.0"}[p]
            b["timestamp_unixtime_ms"] = self.now
        if rng.random() < 0.3:
            items = list(b.items())
            rng.shuffle(items)
            b = dict(items)
        return b, p

    def mpid(self, p: str) -> Any:
        mpid = self.rng.choice(self.mpids)
        if p in ("ios", "android"):
            return mpid  # a JSON number, usually beyond 2**53
        if p == "web" or self.rng.random() < 0.5:
            return str(mpid)
        return mpid

    def device_info(self) -> dict:
        rng = self.rng
        if self.platform == "ios":
            return {
                "platform": "iOS",
                "ios_idfv": self.uuid(upper=True),
                "ios_advertising_id": rng.choice(
                    [self.uuid(upper=True), "00000000-0000-0000-0000-000000000000"]
                ),
                "device_model": rng.choice(["iPhone14,2", "iPad13,1"]),
                "os_version": rng.choice(["17.1", "16.6.1"]),
                "device_manufacturer": "Apple",
                "locale_country": "US",
                "locale_language": "en",
                "screen_height": 2532,
                "screen_width": 1170,
                "is_dst": True,
                "time_zone_offset": rng.choice([-5, 1, 5.5]),
            }
        return {
            "platform": "Android",
            "android_uuid": self.uuid()[:16],
            "android_advertising_id": self.uuid(),
            "brand": rng.choice(["samsung", "google"]),
            "device_model": rng.choice(["SM-G991B", "Pixel 7"]),
            "os_version": rng.choice(["13", "14"]),
            "screen_dpi": rng.choice([420, 560]),
            "network_carrier": rng.choice(["T-Mobile", "Vodafone.de", ""]),
            "is_tablet": False,
        }


# ---------------------------------------------------------------------------------------------
# files: the bytes a batch file really holds
# ---------------------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def cp1252_bytes(text: str) -> bytes:
    """A line written by a Windows-1252 tool: every character it can encode in one byte is."""
    out = bytearray()
    for ch in text:
        if ord(ch) < 128:
            out += ch.encode("ascii")
            continue
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            out += ch.encode("utf-8", "surrogatepass")
    return bytes(out)


def file_bytes(rng: random.Random, lines: list) -> tuple:
    """(file bytes, shape description) for batch lines (JSON texts)."""
    shape = {
        "crlf": rng.random() < 0.3,
        "bom": rng.random() < 0.25,
        "cp1252": rng.choice([0.0, 0.0, 0.0, 0.05, 0.15]),
        "blank_lines": rng.random() < 0.3,
        "stray_cr": rng.random() < 0.15,
        "mid_bom": rng.random() < 0.1,
        "final_newline": rng.random() < 0.7,
    }
    eol = b"\r\n" if shape["crlf"] else b"\n"
    parts: list = []
    for n, text in enumerate(lines):
        if shape["cp1252"] and rng.random() < shape["cp1252"] and any(ord(c) > 127 for c in text):
            data = cp1252_bytes(text)
        else:
            data = text.encode("utf-8", "surrogatepass")
        if shape["stray_cr"] and rng.random() < 0.004:
            data = data[:1] + b"\r" + data[1:]  # readline ends a line at a lone CR too
        if shape["mid_bom"] and n and rng.random() < 0.01:
            data = BOM + data  # a second file's BOM, from `cat a.ndjson b.ndjson`
        if n == 0 and shape["bom"]:
            data = BOM + data
        if shape["blank_lines"] and rng.random() < 0.01:
            parts.append(rng.choice([b"", b"  ", b"\t", b"\xc2\xa0", b" \r"]) + eol)
        if rng.random() < 0.01:
            data += rng.choice([b" ", b"\t", b"  "])  # trailing JSON whitespace
        parts.append(data + eol)
    body = b"".join(parts)
    if not shape["final_newline"]:
        body = body[: -len(eol)]
    return body, shape


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------

DOMAIN_ORDER = ["retail", "streaming", "travel", "banking", "food", "games"]


def _rng(seed: int, index: int) -> random.Random:
    return random.Random(f"traffic/{seed}/{index}")


def _versions(plan: Any) -> list:
    if isinstance(plan, dict) and isinstance(plan.get("data_plan_versions"), list):
        return sorted(v["version"] for v in plan["data_plan_versions"])
    if isinstance(plan, dict) and "version" in plan:
        return [plan["version"]]
    return []


def traffic_case(seed: int, index: int, n_batches: Optional[int] = None) -> dict:
    """Case `index` of `seed`: one app's plan and a file of its traffic.

    Returns {"name", "domain", "plan_shape", "plan" (object), "plan_text" (the file's JSON text),
    "platforms", "lines" (batch JSON texts), "data" (the batch file's bytes), "file_shape"}.
    """
    rng = _rng(seed, index)
    domain = DOMAIN_ORDER[index % len(DOMAIN_ORDER)]
    model = build_model(rng, domain, index)
    plan, plan_text, plan_shape = build_plan(rng, model, index)
    writer = TrafficWriter(rng, model, _versions(plan))
    n = n_batches if n_batches is not None else rng.randint(400, 500)
    lines = []
    for _ in range(n):
        batch, platform = writer.batch()
        text = write_json(batch, STYLES[platform])
        roll = rng.random()
        if roll < 0.003:
            # a bulk-upload payload (an array of batches) pasted where one batch belongs
            text = "[" + text + "," + write_json(writer.batch()[0], STYLES[platform]) + "]"
        elif roll < 0.006:
            text = json.dumps(text, ensure_ascii=False)  # double-encoded: a JSON string holding the batch
        elif roll < 0.007:
            text = rng.choice(["null", "{}", "[]", "0", '""'])
        lines.append(text)
    data, file_shape = file_bytes(rng, lines)
    return {
        "name": f"traffic_{index:02d}",
        "domain": domain,
        "plan_shape": plan_shape,
        "plan": plan,
        "plan_text": plan_text,
        "platforms": writer.platforms,
        "lines": lines,
        "data": data,
        "file_shape": file_shape,
    }


def main(argv: Optional[list] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=2)
    ap.add_argument("--batches", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.cases):
        case = traffic_case(args.seed, i, args.batches)
        (args.out / f"{case['name']}.plan.json").write_text(case["plan_text"] + "\n", encoding="utf-8")
        (args.out / f"{case['name']}.batches.ndjson").write_bytes(case["data"])


if __name__ == "__main__":
    main()
