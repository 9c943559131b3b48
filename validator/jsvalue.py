"""JavaScript value semantics the reference relies on, for values decoded from JSON.

JSON decodes to dict/list/str/int/float/bool/None here; the reference sees JS values. This module is
the one place that knows how they differ: number rounding (every number is a double), string
coercion (`String(x)` / `Array.prototype.join`), own-key order (integer-like keys first), truthiness
and deep equality (fast-deep-equal, as ajv uses it).
"""

from __future__ import annotations

from typing import Any, Iterator

from .errors import BatchFailure, StackOverflow

# Integers beyond this lose precision in a double; they must be rounded before use.
MAX_SAFE_INTEGER = 2**53
ARRAY_INDEX_LIMIT = 4294967295  # canonical array indices are 0 .. 2**32 - 2

# The reference walks some values recursively and overflows V8's stack on deep ones; dpv walks them
# with explicit stacks and fails the batch ("Maximum call stack size exceeded") past this many levels
# of nesting. Measured with the oracle (Node 20, data-planning-node 1.0.3): JSON.stringify (every
# `actual` that is JSON text) handles 4,104 levels and throws at 4,105 whatever the JIT state; null
# stripping overflows from 2,680 levels (cold) to 10,840 (warm), String() of an array from 3,160
# (cold), deep equality (enum, const, uniqueItems) from 4,928 (cold), a recursive $ref from 4,563
# (cold) to 5,134 (warm). One limit, the one the reference applies deterministically, for all walks.
NESTING_LIMIT = 4104


class JSFunction:
    """Stand-in for an inherited Object.prototype member (a function in JS).

    ajv tests presence with `data[name] !== undefined`, so `required: ["constructor"]` is always
    satisfied and `properties: {"toString": ...}` validates a function. Only the exact error
    collector sees these; JSON.stringify of a function is undefined, so it never reaches output.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"JSFunction({self.name!r})"


class JSObjectPrototype:
    """Stand-in for `Object.prototype`, what an inherited `__proto__` evaluates to.

    To ajv it is an object with no enumerable members (hence len 0 and no keys); its members are
    the inherited functions, and its own `__proto__` is null (see collect.get_property).
    """

    __slots__ = ()

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[str]:
        return iter(())


class JSArrayPrototype:
    """Stand-in for `Array.prototype`, what `__proto__` of an array evaluates to.

    It is an empty array to JSON.stringify, and its own `__proto__` is Object.prototype.
    """

    __slots__ = ()


# Names every plain JS object inherits from Object.prototype.
INHERITED_FUNCTIONS = frozenset(
    {
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    }
)
INHERITED_NAMES = INHERITED_FUNCTIONS | {"__proto__"}


# Array.prototype members (Node 20): `name in array` is true for these, and digin follows them.
ARRAY_MEMBERS = frozenset(
    [
        "at",
        "concat",
        "copyWithin",
        "entries",
        "every",
        "fill",
        "filter",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "flat",
        "flatMap",
        "forEach",
        "includes",
        "indexOf",
        "join",
        "keys",
        "lastIndexOf",
        "map",
        "pop",
        "push",
        "reduce",
        "reduceRight",
        "reverse",
        "shift",
        "slice",
        "some",
        "sort",
        "splice",
        "toLocaleString",
        "toReversed",
        "toSorted",
        "toSpliced",
        "toString",
        "unshift",
        "values",
        "with",
    ]
)


class ProtoObject(dict):
    """A null-stripped object whose prototype the reference's `clean` replaced.

    `clean` copies members with `out[key] = value`; for the key `__proto__` that assignment sets
    the copy's prototype instead (when the value is an object or an array), so ajv then sees that
    value's members as inherited: `data.x` and `for (k in data)` find them, `Object.keys` does not.
    `proto` is the cleaned object or the array (arrays are copied as they are).
    """

    __slots__ = ("proto",)

    def __init__(self, members: dict, proto: Any = None) -> None:
        super().__init__(members)
        self.proto = proto


_MISSING: Any = object()


def proto_member(obj: ProtoObject, name: str, missing: Any = None) -> Any:
    """`obj[name]` for a name that is not an own member of `obj`: up its prototype chain, or `missing`."""
    if name == "__proto__":
        return obj.proto
    proto = obj.proto
    while True:
        if type(proto) is list:
            if is_array_index(name):
                return proto[int(name)] if int(name) < len(proto) else missing
            if name == "length":
                return len(proto)
            if name in ARRAY_MEMBERS:
                return JSFunction(name)
            break
        found = proto.get(name, _MISSING)
        if found is not _MISSING:
            return found
        if type(proto) is not ProtoObject:
            break
        proto = proto.proto
    found = inherited_member(name)
    return missing if found is None else found


def for_in_keys(obj: dict) -> list:
    """The keys `for (k in obj)` visits: own keys in JS order, then enumerable inherited ones not seen."""
    keys = js_keys(obj)
    if type(obj) is not ProtoObject:
        return keys
    seen = set(keys)
    proto: Any = obj.proto
    while proto is not None:
        inherited = [str(i) for i in range(len(proto))] if type(proto) is list else js_keys(proto)
        for key in inherited:
            if key not in seen:
                seen.add(key)
                keys.append(key)
        proto = proto.proto if type(proto) is ProtoObject else None
    return keys


def inherited_member(name: str) -> Any:
    """Return what a plain JS object yields for an inherited `name`, or None if nothing."""
    if name in INHERITED_FUNCTIONS:
        return JSFunction(name)
    if name == "__proto__":
        return JSObjectPrototype()
    return None


def is_array_index(key: str) -> bool:
    """True for canonical array-index strings ("0" .. "4294967294", no leading zeros)."""
    if not key or not key.isdigit() or not key.isascii():
        return False
    if len(key) > 1 and key[0] == "0":
        return False
    return int(key) < ARRAY_INDEX_LIMIT


def js_keys(obj: dict) -> list:
    """Own-key order of a JS object built from `obj`: array indices ascending, then insertion order."""
    indices = None
    for key in obj:
        if key and "0" <= key[0] <= "9" and is_array_index(key):
            if indices is None:
                indices = []
            indices.append(key)
    if indices is None:
        return list(obj)
    indices.sort(key=int)
    index_set = set(indices)
    return indices + [k for k in obj if k not in index_set]


def has_index_keys(obj: dict) -> bool:
    """True when JS would reorder `obj`'s keys."""
    for key in obj:
        if key and "0" <= key[0] <= "9" and is_array_index(key):
            return True
    return False


def to_double(value: int) -> Any:
    """Round a Python int the way a JS number holds it (ints past 2**53 become floats)."""
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    return float(value)


def is_number(value: Any) -> bool:
    """typeof value == 'number' (bool excluded)."""
    t = type(value)
    return t is float or t is int


def is_integer(value: Any) -> bool:
    """ajv's integer test, `!(x % 1) && !isNaN(x)`: 1.0, 1e300 and ±Infinity (`Infinity % 1` is NaN) pass."""
    t = type(value)
    if t is int:
        return True
    if t is float:
        return value == value and (value.is_integer() or value in (_INFINITY, -_INFINITY))
    return False


_INFINITY = float("inf")


def truthy(value: Any) -> bool:
    """JS truthiness: {} and [] are truthy; "", 0, NaN, null, false and absent are falsy."""
    if value is None or value is False:
        return False
    t = type(value)
    if t is str:
        return value != ""
    if t is int or t is float:
        return value == value and value != 0
    return True


def format_number(value: Any) -> str:
    """Number.prototype.toString for a JSON number (int or float)."""
    if type(value) is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return str(value)
        value = float(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return _format_float(value)


def _format_float(value: float) -> str:
    # repr gives the shortest round-trip digits; re-lay them out with ECMAScript's rules
    # (fixed notation for exponents -7 < e < 21, otherwise d.ddde+X).
    text = repr(value)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    if "e" in text:
        mantissa, exp_text = text.split("e")
        exponent = int(exp_text)
    else:
        mantissa, exponent = text, 0
    if "." in mantissa:
        int_part, frac_part = mantissa.split(".")
    else:
        int_part, frac_part = mantissa, ""
    digits = (int_part + frac_part).lstrip("0")
    # position of the decimal point relative to the first significant digit
    point = (
        len(int_part.lstrip("0")) + exponent
        if int_part.strip("0")
        else exponent - (len(frac_part) - len(frac_part.lstrip("0")))
    )
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    n = point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exp = n - 1
    exp_str = ("+" if exp >= 0 else "-") + str(abs(exp))
    if k == 1:
        return sign + digits + "e" + exp_str
    return sign + digits[0] + "." + digits[1:] + "e" + exp_str


def js_string(value: Any) -> str:
    """`Array.prototype.join` stringification: null/undefined -> '', else String(value).

    Nested arrays are joined with an explicit stack; past NESTING_LIMIT levels the reference's
    recursive join overflows, and so does this (StackOverflow).
    """
    t = type(value)
    if t is str:
        return value
    if t is not list:
        return _scalar_string(value)
    parts: list = []
    stack = [iter(value)]
    while stack:
        for item in stack[-1]:
            if type(item) is list:
                if len(stack) >= NESTING_LIMIT:
                    raise StackOverflow(NESTING_LIMIT)
                parts.append(_OPEN)
                stack.append(iter(item))
                break
            parts.append(item if type(item) is str else _scalar_string(item))
        else:
            stack.pop()
            parts.append(_CLOSE)
    return _join_parts(parts)


_OPEN: Any = object()  # js_string's markers for where a nested array starts and ends
_CLOSE: Any = object()


def _join_parts(parts: list) -> str:
    """Rebuild the nested joins: each array's items are joined by ',' and stand as one item."""
    levels: list = [[]]
    for part in parts:
        if part is _OPEN:
            levels.append([])
        elif part is _CLOSE:
            joined = ",".join(levels.pop())
            if levels:
                levels[-1].append(joined)
            else:
                return joined
        else:
            levels[-1].append(part)
    return ",".join(levels[0])


def _scalar_string(value: Any) -> str:
    if value is None:
        return ""
    t = type(value)
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return format_number(value)
    if t is str:
        return value
    if t is dict and "toString" in value:
        # String(obj) calls obj.toString; an own (data) member shadows Object.prototype's and is no
        # function, and valueOf gives the object back: the reference throws this TypeError.
        raise BatchFailure("Cannot convert object to primitive value")
    return "[object Object]"


def js_equal(a: Any, b: Any) -> bool:
    """fast-deep-equal (ajv's `equal`) on JSON values: 1 == 1.0, true != 1, key order ignored.

    Containers are compared with an explicit stack in fast-deep-equal's order (last index or key
    first), so that where the reference's recursion overflows (a container nested deeper than
    NESTING_LIMIT), this raises StackOverflow on the same values, and returns False where it
    returns false before getting there.
    """
    ta = type(a)
    if ta is not list and ta is not dict and ta is not ProtoObject:
        return _scalar_equal(a, b, ta, type(b))
    stack = [(a, b, 1)]
    while stack:
        a, b, depth = stack.pop()
        ta, tb = type(a), type(b)
        if ta is list:
            if depth > NESTING_LIMIT:
                raise StackOverflow(NESTING_LIMIT)
            if tb is not list or len(a) != len(b):
                return False
            depth += 1
            stack.extend((x, y, depth) for x, y in zip(a, b))  # popped last index first
        elif ta is dict or ta is ProtoObject:  # own keys only (Object.keys)
            if depth > NESTING_LIMIT:
                raise StackOverflow(NESTING_LIMIT)
            if (tb is not dict and tb is not ProtoObject) or len(a) != len(b):
                return False
            keys = js_keys(a)
            for key in keys:
                if key not in b:
                    return False
            depth += 1
            stack.extend((a[key], b[key], depth) for key in keys)
        elif not _scalar_equal(a, b, ta, tb):
            return False
    return True


def _scalar_equal(a: Any, b: Any, ta: type, tb: type) -> bool:
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if (ta is int or ta is float) and (tb is int or tb is float):
        if ta is int:
            a = to_double(a)
        if tb is int:
            b = to_double(b)
        return a == b  # Infinity === Infinity, as in JS
    if ta is str or tb is str:
        return ta is tb and a == b
    if a is None or b is None:
        return a is b
    if ta is JSObjectPrototype or tb is JSObjectPrototype:
        # fast-deep-equal: both objects, both constructed by Object, no own keys on either side.
        other = b if ta is JSObjectPrototype else a
        return type(other) is JSObjectPrototype or (type(other) is dict and not other)
    return a is b  # a container against a scalar, or stand-ins: equal only when identical


def clean(value: Any) -> dict:
    """The reference's null stripping (`clean`), applied to the value a schema validates.

    Nulls are removed from objects reachable through objects; arrays are copied as they are.
    A falsy top value becomes {}; a top-level array or string becomes an index-keyed object.
    Raises StackOverflow past NESTING_LIMIT levels of objects, where the reference's recursion overflows.
    """
    if not truthy(value):
        return {}
    t = type(value)
    if t is dict:
        return _clean_pairs(_own_items(value), _new_copy(value))
    if t is list:
        return _clean_pairs(iter([(str(i), v) for i, v in enumerate(value)]))
    if t is str:
        # Object.keys on a string yields UTF-16 code-unit indices.
        units = _utf16_units(value)
        return {str(i): u for i, u in enumerate(units)}
    return {}


def check_clean_depth(value: Any) -> None:
    """Raise StackOverflow where `clean(value)` would, without building the copy.

    clean enters every object reachable through objects (a top-level array's objects too); what is
    deepest is all that matters here, not the order.
    """
    t = type(value)
    if t is dict:
        stack = [(value, 1)]
    elif t is list:
        stack = [(item, 2) for item in value if type(item) is dict]
    else:
        return
    while stack:
        obj, depth = stack.pop()
        if depth > NESTING_LIMIT:
            raise StackOverflow(NESTING_LIMIT)
        for item in obj.values():
            if type(item) is dict:  # a `__proto__` object is cleaned too, before it becomes the prototype
                stack.append((item, depth + 1))


def _own_items(obj: dict) -> Any:
    """An iterator over (key, value) in JS own-key order."""
    if has_index_keys(obj):
        return iter([(key, obj[key]) for key in js_keys(obj)])
    return iter(obj.items())


def _new_copy(obj: dict) -> dict:
    """The empty copy clean starts for `obj`: a ProtoObject when a `__proto__` member sets its prototype."""
    proto = obj.get("__proto__")
    return ProtoObject({}, None) if type(proto) is dict or type(proto) is list else {}


def _clean_pairs(items: Any, root: Any = None, depth: int = 1) -> dict:
    """clean's loop over one object's (key, value) iterator; nested objects with an explicit stack."""
    if root is None:
        root = {}
    out = root
    stack: list = []
    while True:
        for key, item in items:
            proto = key == "__proto__"
            if proto and type(item) is not dict:
                # `out["__proto__"] = v` sets the prototype instead of a property (ignored for
                # primitives): `out` was made a ProtoObject for this (see _new_copy).
                if type(item) is list:
                    out.proto = item
                continue
            if type(item) is dict:  # {} is truthy, so every object is entered
                if depth >= NESTING_LIMIT:
                    raise StackOverflow(NESTING_LIMIT)
                child = _new_copy(item)
                if proto:
                    out.proto = child  # cleaned like any member, then made the prototype
                else:
                    out[key] = child
                stack.append((items, out))
                items, out = _own_items(item), child
                depth += 1
                break
            if item is not None:
                out[key] = item
        else:
            if not stack:
                return root
            items, out = stack.pop()
            depth -= 1


def _utf16_units(text: str) -> list:
    if text.isascii() or max(text) <= "\uffff":
        return list(text)
    encoded = text.encode("utf-16-le", "surrogatepass")
    return [encoded[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(encoded), 2)]


def utf16_length(text: str) -> int:
    """String length in UTF-16 code units (what JS `.length` reports)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ch > "\uffff")


def ucs2_length(text: str) -> int:
    """ajv's ucs2length: Unicode code points (a surrogate pair counts once)."""
    return len(text)


def clean_nested(value: Any) -> Any:
    """Null stripping of a value below the root: objects are cleaned, anything else is kept as is."""
    return _clean_pairs(_own_items(value), _new_copy(value)) if type(value) is dict else value
