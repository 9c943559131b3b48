"""Fast boolean checks for the common valid case, derived from the compiled schema nodes.

A fast check answers "is this value certainly valid?" without building errors. It must never say
True where ajv reports an error; saying False is always safe, because the kernel then runs the
exact collector, which decides. So the checks cover the keywords that plans use most (type, ranges,
lengths, pattern, format, string enums, required, properties, additionalProperties, items) and hand
any other subschema to the exact collector, on just that part of the value.

`FastNode` is the shared intermediate form: the pure-Python kernel turns it into generated Python
source (one flat function per data point), the Cython kernel interprets it in C.

The reference strips nulls from objects reachable from the root through objects (not through
arrays) before validating; checks do that virtually: in a "stripped" position a null member is absent.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..jsvalue import INHERITED_NAMES, clean_nested, to_double
from .collect import collect_errors
from .jsregex import RegexTimeout
from .nodes import Node

NULL, BOOLEAN, INTEGRAL, FRACTION, STRING, ARRAY, OBJECT = 1, 2, 4, 8, 16, 32, 64
TYPE_BITS = {
    "null": NULL,
    "boolean": BOOLEAN,
    "integer": INTEGRAL,
    "number": INTEGRAL | FRACTION,
    "string": STRING,
    "array": ARRAY,
    "object": OBJECT,
}
# Past 2**53, Python's exact integer comparisons can disagree with JavaScript's doubles.
SAFE_INTEGER = 2**53
# Schema levels a fast check covers; deeper subschemas go to the exact collector, which walks any
# depth. This bounds the recursion of building checks and of the Cython kernel's native walks.
FAST_LEVELS = 64
# Generated Python nests one block per schema level; past these, a subschema gets its own function
# (Python refuses more than 20 nested loops and 100 indentation levels).
_MAX_INDENT, _MAX_LOOPS = 60, 15


class FastNode:
    """What a fast check tests at one schema position; `exact` set means "ask the collector"."""

    __slots__ = (
        "exact", "never", "type_bits",
        "minimum", "minimum_exclusive", "maximum", "maximum_exclusive",
        "min_length", "max_length", "pattern", "pattern_ascii", "pattern_ascii_max",
        "format_check", "format_ascii", "format_ascii_max", "string_enum",
        "min_items", "max_items", "items",
        "min_props", "max_props", "required", "properties", "additional_false", "property_set",
        "additional",
    )  # fmt: skip

    def __init__(self) -> None:
        self.exact: Optional[Node] = None
        self.never = False
        self.type_bits = 0  # 0: any type
        self.minimum: Optional[float] = None
        self.minimum_exclusive = False
        self.maximum: Optional[float] = None
        self.maximum_exclusive = False
        self.min_length: Optional[int] = None
        self.max_length: Optional[int] = None
        self.pattern: Optional[Callable[[str], bool]] = None
        self.pattern_ascii: Optional[Callable] = None  # raw search, valid for ASCII strings only
        self.pattern_ascii_max = -1  # ... of at most this length (longer ones: `pattern`)
        self.format_check: Optional[Callable[[str], bool]] = None
        self.format_ascii: Optional[Callable] = None  # raw search, valid for ASCII strings only
        self.format_ascii_max = -1
        self.string_enum: Optional[frozenset] = None
        self.min_items: Optional[int] = None
        self.max_items: Optional[int] = None
        self.items: Optional[FastNode] = None
        self.min_props: Optional[int] = None
        self.max_props: Optional[int] = None
        self.required: tuple = ()
        self.properties: tuple = ()  # (name, FastNode)
        self.additional_false = False
        self.property_set: frozenset = frozenset()
        self.additional: Optional[FastNode] = None


def _needs_exact(node: Node) -> bool:
    """Keywords the fast form does not model: the collector checks this subschema instead."""
    known = node.exact_needed
    if known is None:  # asked by every fast form built on the node (kernel and native): answered once
        known = node.exact_needed = _exact_keywords(node)
    return known


def _exact_keywords(node: Node) -> bool:
    if node.ref is not None or node.multiple_of is not None or node.pattern_props or node.dep_arrays:
        return True
    if node.dep_schemas or node.property_names is not None or node.items_tuple is not None:
        return True
    if node.contains is not None or node.unique_items or node.not_ is not None:
        return True
    if node.any_of is not None or node.one_of is not None or node.all_of is not None or node.if_ is not None:
        return True
    if node.has_const and type(node.const) is not str:
        return True
    if node.enum is not None and any(type(item) is not str for item in node.enum):
        return True
    # Members inherited from Object.prototype count as present in JavaScript.
    return not (
        INHERITED_NAMES.isdisjoint(node.required_early)
        and INHERITED_NAMES.isdisjoint(node.property_set)
        and INHERITED_NAMES.isdisjoint([name for name, *_ in node.properties])
    )


def build_fast(node: Optional[Node], level: int = 0) -> Optional[FastNode]:
    """The FastNode for a compiled node; None when the node accepts every value."""
    if node is None or node.empty:
        return None
    fast = FastNode()
    if node.always_false:
        fast.never = True
        return fast
    if level >= FAST_LEVELS or _needs_exact(node):
        fast.exact = node
        return fast
    if node.types is not None:
        for name in node.types:
            fast.type_bits |= TYPE_BITS[name]
    if node.number_group:
        if node.min_limit is not None:
            fast.minimum, fast.minimum_exclusive = to_double(node.min_limit), node.min_exclusive
        if node.max_limit is not None:
            fast.maximum, fast.maximum_exclusive = to_double(node.max_limit), node.max_exclusive
    if node.string_group:
        fast.min_length, fast.max_length = node.min_length, node.max_length
        # `probe` answers False past the time limit: the collector then reports it, with its path.
        if node.pattern is not None:
            fast.pattern = node.pattern.probe
            fast.pattern_ascii, fast.pattern_ascii_max = node.pattern.ascii_search, node.pattern.ascii_max
        checker = node.format_checker
        if checker is not None:
            fast.format_check = checker.probe
            fast.format_ascii, fast.format_ascii_max = checker.ascii_search, checker.ascii_max
    if node.enum is not None:
        fast.string_enum = frozenset(node.enum)
    elif node.has_const:
        fast.string_enum = frozenset([node.const])
    if node.array_group:
        fast.min_items, fast.max_items = node.min_items, node.max_items
        fast.items = build_fast(node.items, level + 1)
    if node.object_group:
        fast.min_props, fast.max_props = node.min_props, node.max_props
        required = {name for name, _, _, is_required in node.properties if is_required}
        fast.required = tuple(dict.fromkeys([*node.required_early, *sorted(required)]))
        fast.properties = tuple(
            (name, sub)
            for name, _, child, _ in node.properties
            if (sub := build_fast(child, level + 1)) is not None
        )
        fast.additional_false = node.additional_false
        fast.property_set = node.property_set
        fast.additional = build_fast(node.additional_schema, level + 1)
    return fast


def exact_check(node: Node, value: Any, stripped: bool) -> bool:
    """The collector's verdict on one subvalue (nulls stripped first where the reference strips).

    A regex timeout is a "not certainly valid" here: the collector then runs from the root and
    reports it with the value's whole path (the regex remembers the value, so at once).
    """
    try:
        return not collect_errors(node, clean_nested(value) if stripped else value)
    except RegexTimeout:
        return False


# -- Python code generation for the pure kernel ---------------------------------------------------


class _Emitter:
    """Writes one function `check(v)` whose body returns False at the first failed test."""

    def __init__(self) -> None:
        self.lines: list = []
        self.names: dict = {"exact_check": exact_check, "SAFE": SAFE_INTEGER}
        self.counter = 0
        self.loops = 0  # `for` blocks around the line being written

    def constant(self, value: Any) -> str:
        name = f"k{len(self.names)}"
        self.names[name] = value
        return name

    def count(self, limit: Any) -> str:
        """A count limit in the source: an int literal, or a named constant (Infinity, from 1e400)."""
        return repr(limit) if type(limit) is int else self.constant(limit)

    def variable(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def block(self, fast: FastNode, var: str, stripped: bool, depth: int) -> None:
        """The checks of `fast` as an indented block (`pass` when it tests nothing)."""
        before = len(self.lines)
        self.node(fast, var, stripped, depth)
        if len(self.lines) == before:
            self.line(depth, "pass")

    def node(self, fast: FastNode, var: str, stripped: bool, depth: int) -> None:
        if depth > _MAX_INDENT or self.loops > _MAX_LOOPS:
            check = self.constant(_generated(fast, stripped))
            self.line(depth, f"if not {check}({var}): return False")
            return
        if fast.never:
            self.line(depth, "return False")
            return
        if fast.exact is not None:
            node = self.constant(fast.exact)
            self.line(depth, f"if not exact_check({node}, {var}, {stripped}): return False")
            return
        if fast.type_bits:
            self.line(depth, f"if not ({_type_test(fast.type_bits, var)}): return False")
        self.numbers(fast, var, depth)
        self.strings(fast, var, depth)
        self.arrays(fast, var, depth)
        self.objects(fast, var, stripped, depth)

    def numbers(self, fast: FastNode, var: str, depth: int) -> None:
        tests = []
        if fast.minimum is not None:
            tests.append(f"{var} {'<=' if fast.minimum_exclusive else '<'} {self.constant(fast.minimum)}")
        if fast.maximum is not None:
            tests.append(f"{var} {'>=' if fast.maximum_exclusive else '>'} {self.constant(fast.maximum)}")
        if not tests:
            return
        self.line(depth, f"if type({var}) is int:")
        self.line(depth + 1, f"if not -SAFE <= {var} <= SAFE or {' or '.join(tests)}: return False")
        self.line(depth, f"elif type({var}) is float and ({' or '.join(tests)}): return False")

    def strings(self, fast: FastNode, var: str, depth: int) -> None:
        tests = []
        if fast.min_length is not None:
            tests.append(f"len({var}) < {self.count(fast.min_length)}")
        if fast.max_length is not None:
            tests.append(f"len({var}) > {self.count(fast.max_length)}")
        if fast.format_check is not None:
            tests.append(f"not {self.constant(fast.format_check)}({var})")
        if fast.pattern is not None:
            tests.append(f"not {self.constant(fast.pattern)}({var})")
        if tests:
            self.line(depth, f"if type({var}) is str and ({' or '.join(tests)}): return False")
        if fast.string_enum is not None:
            self.line(depth, f"if type({var}) is not str or {var} not in {self.constant(fast.string_enum)}:")
            self.line(depth + 1, "return False")

    def arrays(self, fast: FastNode, var: str, depth: int) -> None:
        tests = []
        if fast.min_items is not None:
            tests.append(f"len({var}) < {self.count(fast.min_items)}")
        if fast.max_items is not None:
            tests.append(f"len({var}) > {self.count(fast.max_items)}")
        if not tests and fast.items is None:
            return
        self.line(depth, f"if type({var}) is list:")
        if tests:
            self.line(depth + 1, f"if {' or '.join(tests)}: return False")
        if fast.items is not None:
            item = self.variable()
            self.line(depth + 1, f"for {item} in {var}:")
            self.loops += 1
            self.block(fast.items, item, False, depth + 2)  # the reference does not strip inside arrays
            self.loops -= 1

    def objects(self, fast: FastNode, var: str, stripped: bool, depth: int) -> None:
        if not (
            fast.required
            or fast.properties
            or fast.additional_false
            or fast.additional is not None
            or fast.min_props is not None
            or fast.max_props is not None
        ):
            return
        self.line(depth, f"if type({var}) is dict:")
        depth += 1
        if stripped:
            # Null stripping turns a `__proto__` member into the prototype, whose members ajv then
            # sees as inherited: the collector decides.
            self.line(depth, f"if '__proto__' in {var}: return False")
        for name in fast.required:
            key = self.constant(name)
            test = f"{var}.get({key}) is None" if stripped else f"{key} not in {var}"
            self.line(depth, f"if {test}: return False")
        for name, sub in fast.properties:
            key, member = self.constant(name), self.variable()
            if stripped:
                self.line(depth, f"{member} = {var}.get({key})")
                self.line(depth, f"if {member} is not None:")
            else:
                self.line(depth, f"if {key} in {var}:")
                self.line(depth + 1, f"{member} = {var}[{key}]")
            self.block(sub, member, stripped, depth + 1)
        if fast.additional_false or fast.additional is not None:
            names, member, key = self.constant(fast.property_set), self.variable(), self.variable()
            self.line(depth, f"for {key}, {member} in {var}.items():")
            skip_null = f"{member} is not None and " if stripped else ""
            if fast.additional_false:
                self.line(depth + 1, f"if {skip_null}{key} not in {names}: return False")
            else:
                self.line(depth + 1, f"if {skip_null}{key} not in {names}:")
                self.loops += 1
                self.block(fast.additional, member, stripped, depth + 2)  # type: ignore[arg-type]
                self.loops -= 1
        if fast.min_props is not None or fast.max_props is not None:
            count = f"sum(1 for m in {var}.values() if m is not None)" if stripped else f"len({var})"
            tests = []
            if fast.min_props is not None:
                tests.append(f"n < {self.count(fast.min_props)}")
            if fast.max_props is not None:
                tests.append(f"n > {self.count(fast.max_props)}")
            self.line(depth, f"n = {count}")
            self.line(depth, f"if {' or '.join(tests)}: return False")


def _type_test(bits: int, var: str) -> str:
    tests = []
    if bits & NULL:
        tests.append(f"{var} is None")
    if bits & BOOLEAN:
        tests.append(f"type({var}) is bool")
    if bits & FRACTION:
        tests.append(f"type({var}) is int or (type({var}) is float and {var} - {var} == 0)")
    elif bits & INTEGRAL:
        tests.append(f"type({var}) is int or (type({var}) is float and {var}.is_integer())")
    if bits & STRING:
        tests.append(f"type({var}) is str")
    if bits & ARRAY:
        tests.append(f"type({var}) is list")
    if bits & OBJECT:
        tests.append(f"type({var}) is dict")
    return " or ".join(tests)


def python_check(fast: FastNode) -> Callable[[Any], bool]:
    """Generated Python source for `fast`, applied to a root value in a stripped position."""
    return _generated(fast, True)


def _generated(fast: FastNode, stripped: bool) -> Callable[[Any], bool]:
    emitter = _Emitter()
    emitter.node(fast, "v0", stripped, 1)
    source = "def check(v0):\n" + "\n".join(emitter.lines) + "\n    return True\n"
    namespace = dict(emitter.names)
    exec(compile(source, "<dpv fast check>", "exec"), namespace)  # noqa: S102 - our own generated code
    check: Callable[[Any], bool] = namespace["check"]
    check.__doc__ = source
    return check


def attach_python_checks(plan: Any) -> None:
    """Give every data point of a CompiledPlan its generated check (`point.fast`), when it helps."""
    if plan.lenient:
        return  # the server-compatible coercions live in the collector only
    for point in checked_points(plan):
        fast = build_fast(point.node)
        if fast is None:
            point.fast = _always_valid
        elif fast.exact is None:
            point.fast = python_check(fast)


def _always_valid(value: Any) -> bool:
    return True


def checked_points(plan: Any) -> list:
    """The data points a kernel prepares checks for: each live point once, plus the validated UA point.

    Broken points (a schema ajv refuses) get no checks: the collector raises for them.
    """
    points = [p for p in {id(p): p for p in plan.lookup.values()}.values() if p.node.failure is None]
    if plan.ua_point is not None and plan.ua_mode == "validate" and plan.ua_point.node.failure is None:
        points.append(plan.ua_point)
    return points
