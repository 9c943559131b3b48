"""Turn one JSON Schema into a graph of `Node`s with ajv 6.10.2's semantics, or say why ajv refuses it.

ajv refuses a schema when it fails the draft-07 meta-schema, names another `$schema`, uses an
unknown `format`, or has a `$ref` it cannot resolve; the reference only finds out when a matching
event arrives. We find out at compile time and report every problem with a JSON pointer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote, unquote, urldefrag, urljoin

from ..jsvalue import format_number, js_keys, to_double
from . import messages
from .formats import FORMATS, format_checker
from .jsregex import MATCH_TIMEOUT, JSRegexError, compile_js_regex
from .metacheck import surely_valid
from .nodes import (
    ARRAY_KEYWORDS,
    NUMBER_KEYWORDS,
    OBJECT_KEYWORDS,
    STRING_KEYWORDS,
    Node,
    has_rules,
)

META_SCHEMA_URIS = ("http://json-schema.org/draft-07/schema", "http://json-schema.org/schema")
GROUP_KEYWORDS = {
    "number": NUMBER_KEYWORDS,
    "string": STRING_KEYWORDS,
    "array": ARRAY_KEYWORDS,
    "object": OBJECT_KEYWORDS,
}
# Schema-valued keywords whose values may hold `$id`s (json-schema-traverse's lists).
_SCHEMA_KEYWORDS = (
    "additionalItems",
    "items",
    "contains",
    "additionalProperties",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_SCHEMA_LIST_KEYWORDS = ("items", "allOf", "anyOf", "oneOf")
_SCHEMA_MAP_KEYWORDS = ("definitions", "properties", "patternProperties", "dependencies")

Problem = tuple  # (json pointer, message)

# ajv's getJsonPointer recurses once per `$ref` it follows; on the reference's Node 20 stack a
# chain of about 2,750 references overflows (measured: 2,700 resolve, 2,800 do not), and so does
# any cycle. That fails the data point like any schema ajv cannot compile.
REF_HOPS_LIMIT = 2750
REF_OVERFLOW = "Maximum call stack size exceeded (a $ref cycle, or a chain of more than 2,750 $refs)"
STACK_OVERFLOW = "Maximum call stack size exceeded"  # what the reference throws there
_URI_COMPONENT_SAFE = "-_.!~*'()"  # what encodeURIComponent leaves as it is
# Pointer segments after which ajv does not look for `$id`/`$ref` (resolve.js PREVENT_SCOPE_CHANGE).
_NO_SCOPE_CHANGE = frozenset({"properties", "patternProperties", "enum", "dependencies", "definitions"})


class _RefOverflow(Exception):
    """Resolving a `$ref` recursed as deep as the reference's stack allows."""


def escape_pointer(segment: str) -> str:
    """JSON-pointer escape of one segment (`~` -> `~0`, `/` -> `~1`)."""
    return segment.replace("~", "~0").replace("/", "~1")


def _js_min(a: Any, b: Any) -> Any:
    return a if float(a) <= float(b) else b


def _js_max(a: Any, b: Any) -> Any:
    return a if float(a) >= float(b) else b


class SchemaCompiler:
    """Compiles one root schema (with its `$ref` targets) into Nodes; collects problems instead of raising."""

    def __init__(
        self, root: Any, pointer: str, meta: bool = False, regex_timeout: float = MATCH_TIMEOUT
    ) -> None:
        self.root = root
        self.regex_timeout = regex_timeout  # CPU seconds per value for regexes not proven linear
        self.pointer = pointer  # where the root sits in the plan, for error messages
        self.problems: list = []
        # The message ajv throws for the first problem in its code-generation order (which the
        # compiling follows): a batch that reaches this schema fails with exactly this text.
        self.thrown: Optional[str] = None
        # Where ajv's errSchemaPath starts for the schema being compiled: (None, root pointer) at the
        # root, ($ref text, target, target pointer) inside a $ref target (see _err_schema_path).
        self._err_root: tuple = (None, None, pointer)
        self._memo: dict = {}  # id(schema object) -> Node
        self._keep: list = []  # keeps memo keys' objects alive
        self._docs: dict = {}  # absolute URI without fragment -> (schema object, its pointer)
        self._anchors: dict = {}  # absolute URI with plain-name fragment -> (schema object, pointer)
        self._meta = meta  # check the root against the draft-07 meta-schema first

    def compile(self) -> Optional[Node]:
        """Return the root Node, or None when there are problems (see `self.problems`)."""
        root = self.root
        if type(root) is not dict and type(root) is not bool and type(root) is not list:
            self._problem(self.pointer, "schema should be object or boolean")
            return None
        if type(root) is dict and "$schema" in root:
            declared = root["$schema"]
            if type(declared) is not str:
                self._problem(self.pointer + "/$schema", "$schema must be a string")
                return None
            if declared and urldefrag(declared)[0] not in META_SCHEMA_URIS:  # "": ajv's default
                self._problem(
                    self.pointer + "/$schema",
                    f'no schema with key or ref "{declared}" (ajv 6 knows draft-07 only)',
                    f'no schema with key or ref "{declared}"',
                )
                return None
        if self._meta and (type(root) is list or not surely_valid(root)):
            from .collect import collect_errors  # local: collect imports nodes, not the compiler

            errors = collect_errors(meta_schema_node(), root)
            if errors:
                # ajv throws once, its errorsText of every meta-schema error: "data<path> <message>".
                self.thrown = "schema is invalid: " + ", ".join(
                    f"data{error.pointer()} {error.message}" for error in errors
                )
                for error in errors:
                    self._problem(self.pointer + error.pointer(), "schema is invalid: " + error.describe())
                return None
        if type(root) is list:
            self._problem(self.pointer, "schema should be object or boolean")
            return None
        unencodable = _unencodable_key(root)
        if unencodable is not None:
            self._problem(
                self.pointer + unencodable,
                "ajv cannot compile a schema with a key holding a lone surrogate (it URI-encodes it)",
                "URI malformed",
            )
            return None
        root_id = root.get("$id") if type(root) is dict else None
        base = urldefrag(root_id)[0] if type(root_id) is str else ""
        self._docs[base] = (root, self.pointer)
        if base:
            self._docs[""] = (root, self.pointer)
        self._collect_ids(root, base, self.pointer)
        node = self._node(root, self.pointer, base)
        return None if self.problems else node

    def _problem(self, pointer: str, message: str, thrown: Optional[str] = None) -> None:
        """A problem at plan `pointer`; `thrown`: ajv's own text for it when it differs from `message`."""
        self.problems.append((pointer, message))
        if self.thrown is None:
            self.thrown = message if thrown is None else thrown

    def _err_schema_path(self, pointer: str) -> str:
        """ajv's errSchemaPath of the schema at plan `pointer`: URI-fragment segments from its start.

        That start is "#" at the root and inside a $ref target ajv compiles on its own, and the $ref
        text inside a target it inlines (one without any $ref). No segment holds a lone surrogate:
        compile() refused those keys first, as ajv does.
        """
        ref, target, start_pointer = self._err_root
        start = ref if ref is not None and _has_no_ref(target) else "#"
        segments = pointer[len(start_pointer) :].split("/")[1:]
        return start + "".join("/" + quote(segment, safe=_URI_COMPONENT_SAFE) for segment in segments)

    # -- $id / $ref ---------------------------------------------------------------------------

    def _collect_ids(self, schema: Any, base: str, pointer: str) -> None:
        if type(schema) is not dict:
            return
        sid = schema.get("$id")
        if type(sid) is str and pointer != self.pointer:
            full = urljoin(base, sid)
            url, fragment = urldefrag(full)
            if fragment and not fragment.startswith("/"):
                self._anchors[url + "#" + fragment] = (schema, pointer)
            else:
                self._docs[url] = (schema, pointer)
                base = url
        for key in _SCHEMA_KEYWORDS:
            value = schema.get(key)
            if type(value) is dict:
                self._collect_ids(value, base, f"{pointer}/{key}")
        for key in _SCHEMA_LIST_KEYWORDS:
            value = schema.get(key)
            if type(value) is list:
                for i, item in enumerate(value):
                    self._collect_ids(item, base, f"{pointer}/{key}/{i}")
        for key in _SCHEMA_MAP_KEYWORDS:
            value = schema.get(key)
            if type(value) is dict:
                for name, item in value.items():
                    self._collect_ids(item, base, f"{pointer}/{key}/{escape_pointer(name)}")

    def _resolve(self, ref: str, base: str, pointer: str, hops: int = 0) -> Optional[tuple]:
        """(target schema, its pointer, its base URI) for `ref`, or None when it cannot be resolved.

        Like ajv's getJsonPointer, a schema met along a JSON pointer that holds a `$ref` is replaced
        by that reference's target (so a chain of references resolves to its last schema, and the
        siblings of the intermediate `$ref`s are never seen). Raises _RefOverflow where ajv's
        recursion overflows: a cycle of such references, or a chain longer than the reference's stack.
        """
        if hops > REF_HOPS_LIMIT:
            raise _RefOverflow
        full = urljoin(base, ref) if base else ref
        url, fragment = urldefrag(full)
        if not fragment or fragment.startswith("/"):
            doc = self._docs.get(url)
            if doc is None and url in META_SCHEMA_URIS and self._meta_source() is not None:
                doc = (self._meta_source(), "(draft-07 meta-schema)")
            if doc is None:
                return None
            target, target_pointer = doc
            new_base = url
            for raw in fragment.split("/")[1:] if fragment else ():
                segment = unquote(raw).replace("~1", "/").replace("~0", "~")
                if type(target) is dict and segment in target:
                    target = target[segment]
                elif type(target) is list and segment.isdigit() and int(segment) < len(target):
                    target = target[int(segment)]
                else:
                    return None
                target_pointer += "/" + escape_pointer(segment)
                if type(target) is dict and segment not in _NO_SCOPE_CHANGE:
                    sid = target.get("$id")
                    if type(sid) is str and sid:
                        new_base = urljoin(new_base, sid)
                    inner = target.get("$ref")
                    if type(inner) is str and inner:
                        followed = self._resolve(inner, new_base, target_pointer, hops + 1)
                        if followed is not None:
                            target, target_pointer, new_base = followed
            return target, target_pointer, new_base
        anchor = self._anchors.get(url + "#" + fragment)
        if anchor is None:
            return None
        return anchor[0], anchor[1], url

    @staticmethod
    def _meta_source() -> Any:
        return load_meta_schema_document()

    # -- nodes ----------------------------------------------------------------------------------

    def _child(self, schema: Any, pointer: str, base: str) -> Node:
        return self._node(schema, pointer, base)

    def _nonempty(self, schema: Any, pointer: str, base: str) -> Optional[Node]:
        return self._node(schema, pointer, base) if has_rules(schema) else None

    def _node(self, schema: Any, pointer: str, base: str) -> Node:
        key = id(schema)
        found = self._memo.get(key)
        if found is not None:
            return found
        node = Node(pointer)
        self._memo[key] = node
        self._keep.append(schema)
        if schema is False:
            node.always_false = True
            return node
        if type(schema) is not dict or not has_rules(schema):
            node.empty = True
            return node
        sid = schema.get("$id")
        if type(sid) is str and pointer != self.pointer:
            url, fragment = urldefrag(urljoin(base, sid))
            if not fragment or fragment.startswith("/"):
                base = url
        self._compile_type(node, schema)
        if "$ref" in schema:
            self._compile_ref(node, schema, pointer, base)
            return node
        self._compile_number(node, schema)
        self._compile_string(node, schema, pointer)
        self._compile_array(node, schema, pointer, base)
        self._compile_object(node, schema, pointer, base)
        self._compile_generic(node, schema, pointer, base)
        return node

    def _compile_ref(self, node: Node, schema: dict, pointer: str, base: str) -> None:
        node.type_positional = None  # typed groups never run next to $ref
        ref = schema["$ref"]
        try:
            resolved = self._resolve(ref, base, pointer) if type(ref) is str else None
        except _RefOverflow:
            self._problem(pointer + "/$ref", REF_OVERFLOW, STACK_OVERFLOW)
            return
        if resolved is None:
            message = f"can't resolve reference {ref} from id {base}#"
            self._problem(pointer + "/$ref", message)
            return
        target, target_pointer, target_base = resolved
        if type(target) is not dict and type(target) is not bool:
            self._problem(pointer + "/$ref", f"reference {ref} does not point to a schema")
            return
        outer = self._err_root
        self._err_root = (ref, target, target_pointer)
        try:
            node.ref = self._node(target, target_pointer, target_base)
        finally:
            self._err_root = outer
        if node.ref is node:  # `{"$ref": "#"}` at the root: ajv recurses forever on any value
            self._problem(pointer + "/$ref", REF_OVERFLOW, STACK_OVERFLOW)

    @staticmethod
    def _compile_type(node: Node, schema: dict) -> None:
        declared = schema.get("type")
        if declared is None:
            return
        types = tuple(declared) if type(declared) is list else (declared,)
        node.types = types
        node.type_message = "should be " + ",".join(str(t) for t in types)
        single = types[0] if len(types) == 1 else None
        group = single if single in GROUP_KEYWORDS else None
        group_used = group is not None and any(k in schema for k in GROUP_KEYWORDS[group])
        if single is None or group is None or not group_used:
            node.type_upfront = True
        elif "$ref" not in schema:
            node.type_positional = group

    @staticmethod
    def _compile_number(node: Node, schema: dict) -> None:
        if not any(k in schema for k in NUMBER_KEYWORDS):
            return
        node.number_group = True
        for bound, exclusive_bound, pick in (
            ("maximum", "exclusiveMaximum", _js_min),
            ("minimum", "exclusiveMinimum", _js_max),
        ):
            inclusive = schema.get(bound)
            exclusive = schema.get(exclusive_bound)
            exclusive_is_number = type(exclusive) in (int, float)
            if inclusive is None and exclusive is None:
                continue
            if exclusive_is_number and inclusive is None:
                limit, is_exclusive = exclusive, True
            else:
                limit = pick(exclusive, inclusive) if exclusive_is_number else inclusive
                is_exclusive = exclusive_is_number and to_double(limit) == to_double(exclusive)  # type: ignore[arg-type]
            keyword = exclusive_bound if is_exclusive else bound
            if bound == "maximum":
                node.max_limit, node.max_exclusive, node.max_keyword = limit, is_exclusive, keyword
            else:
                node.min_limit, node.min_exclusive, node.min_keyword = limit, is_exclusive, keyword
        if "multipleOf" in schema:
            node.multiple_of = schema["multipleOf"]

    def _compile_string(self, node: Node, schema: dict, pointer: str) -> None:
        if not any(k in schema for k in STRING_KEYWORDS):
            return
        node.string_group = True
        node.max_length = schema.get("maxLength")
        node.min_length = schema.get("minLength")
        if "pattern" in schema:
            try:
                node.pattern = compile_js_regex(schema["pattern"], timeout=self.regex_timeout)
            except JSRegexError as exc:
                self._problem(pointer + "/pattern", f"pattern is not a valid ECMAScript regex: {exc}")
        if "format" in schema:
            name = schema["format"]
            check = FORMATS.get(name)
            if check is None:
                self._problem(
                    pointer + "/format",
                    f'unknown format "{name}" is used in schema',
                    f'unknown format "{name}" is used in schema at path "{self._err_schema_path(pointer)}"',
                )
            node.format_name = name
            if check is not None:
                node.format_checker = format_checker(name, self.regex_timeout)
                node.format_check = node.format_checker.test

    def _compile_array(self, node: Node, schema: dict, pointer: str, base: str) -> None:
        if not any(k in schema for k in ARRAY_KEYWORDS):
            return
        node.array_group = True
        node.max_items = schema.get("maxItems")
        node.min_items = schema.get("minItems")
        items = schema.get("items")
        if type(items) is list:
            node.items_tuple = [self._nonempty(s, f"{pointer}/items/{i}", base) for i, s in enumerate(items)]
            extra = schema.get("additionalItems")
            if extra is False:
                node.additional_items_false = True
            elif has_rules(extra):
                node.additional_items = self._child(extra, pointer + "/additionalItems", base)
        elif items is not None:
            node.items = self._nonempty(items, pointer + "/items", base)
        if "contains" in schema:
            node.contains = self._child(schema["contains"], pointer + "/contains", base)
        if schema.get("uniqueItems") is True:
            node.unique_items = True
            item_type = items.get("type") if type(items) is dict else None
            item_types = item_type if type(item_type) is list else [item_type] if item_type else []
            if item_types and "object" not in item_types and "array" not in item_types:
                node.unique_hash_types = (tuple(item_types), type(item_type) is list)

    def _compile_object(self, node: Node, schema: dict, pointer: str, base: str) -> None:
        if not any(k in schema for k in OBJECT_KEYWORDS):
            return
        node.object_group = True
        node.max_props = schema.get("maxProperties")
        node.min_props = schema.get("minProperties")
        properties = schema.get("properties")
        properties = properties if type(properties) is dict else {}
        required = schema.get("required")
        required = required if type(required) is list else []
        if properties:
            # ajv tests `propertySchema && schemaHasRules(...)`: a `false` property schema is falsy in
            # JavaScript, so `required` reports it too (and `properties` reports it again).
            node.required_early = tuple(
                r for r in required if properties.get(r) is False or not has_rules(properties.get(r))
            )
        else:
            node.required_early = tuple(required)
        self._compile_dependencies(node, schema, pointer, base)
        if "propertyNames" in schema:
            node.property_names = self._nonempty(schema["propertyNames"], pointer + "/propertyNames", base)
        if not any(k in schema for k in ("properties", "additionalProperties", "patternProperties")):
            return
        node.properties_rule = True
        # ajv's code for additionalProperties comes first, then properties, then patternProperties:
        # compiled in that order, the first problem is the one ajv throws.
        extra = schema.get("additionalProperties")
        if extra is False:
            node.additional_false = True
        elif type(extra) is dict and extra:
            node.additional_schema = self._child(extra, pointer + "/additionalProperties", base)
        required_set = set(required)
        compiled = []
        for name in js_keys(properties):
            sub = properties[name]
            if has_rules(sub):
                escaped = escape_pointer(name)
                child = self._child(sub, f"{pointer}/properties/{escaped}", base)
                compiled.append((name, escaped, child, name in required_set))
        node.properties = tuple(compiled)
        node.property_set = frozenset(properties)
        patterns = schema.get("patternProperties")
        if type(patterns) is dict:
            compiled_patterns = []
            for source in js_keys(patterns):
                try:
                    regex = compile_js_regex(source, timeout=self.regex_timeout)
                except JSRegexError as exc:
                    self._problem(f"{pointer}/patternProperties", f"invalid pattern {source!r}: {exc}")
                    continue
                sub_pointer = f"{pointer}/patternProperties/{escape_pointer(source)}"
                compiled_patterns.append((regex, self._nonempty(patterns[source], sub_pointer, base)))
            node.pattern_props = tuple(compiled_patterns)

    def _compile_dependencies(self, node: Node, schema: dict, pointer: str, base: str) -> None:
        dependencies = schema.get("dependencies")
        if type(dependencies) is not dict:
            return
        if "__proto__" in dependencies:
            # ajv copies dependencies into a plain object, where this key swaps the prototype: the
            # reference then throws ("$deps.join is not a function") or checks other properties.
            self._problem(
                pointer + "/dependencies/__proto__",
                "a dependencies key named __proto__ cannot be compiled by ajv",
            )
            return
        arrays, schemas = [], []
        for name in js_keys(dependencies):
            value = dependencies[name]
            if type(value) is list:
                if value:
                    arrays.append((name, tuple(value), messages.dependencies(name, value)))
            elif has_rules(value):
                sub_pointer = f"{pointer}/dependencies/{escape_pointer(name)}"
                schemas.append((name, self._child(value, sub_pointer, base)))
        node.dep_arrays, node.dep_schemas = tuple(arrays), tuple(schemas)

    def _compile_generic(self, node: Node, schema: dict, pointer: str, base: str) -> None:
        if "const" in schema:
            node.has_const, node.const = True, schema["const"]
        if "enum" in schema:
            node.enum = list(schema["enum"])
        if "not" in schema:
            node.not_ = self._child(schema["not"], pointer + "/not", base)
        any_of = schema.get("anyOf")
        if type(any_of) is list and all(has_rules(s) for s in any_of):
            node.any_of = [self._child(s, f"{pointer}/anyOf/{i}", base) for i, s in enumerate(any_of)]
        one_of = schema.get("oneOf")
        if type(one_of) is list:
            node.one_of = [self._nonempty(s, f"{pointer}/oneOf/{i}", base) for i, s in enumerate(one_of)]
        all_of = schema.get("allOf")
        if type(all_of) is list:
            branches = [self._nonempty(s, f"{pointer}/allOf/{i}", base) for i, s in enumerate(all_of)]
            node.all_of = [b for b in branches if b is not None] or None
        if "if" in schema:
            # ajv compiles `if` only next to a non-empty `then` or `else`, and before them.
            then_schema, else_schema = schema.get("then"), schema.get("else")
            then_present = "then" in schema and has_rules(then_schema)
            else_present = "else" in schema and has_rules(else_schema)
            if then_present or else_present:
                node.if_ = self._child(schema["if"], pointer + "/if", base)
                node.then = self._nonempty(then_schema, pointer + "/then", base) if then_present else None
                node.else_ = self._nonempty(else_schema, pointer + "/else", base) if else_present else None


_META_DOCUMENT: Any = None
_META_NODE: Optional[Node] = None


def load_meta_schema_document() -> Any:
    """The draft-07 meta-schema ajv 6.10.2 validates every schema against: the copy ajv bundles, whose
    `enum` also needs `minItems: 1` and `uniqueItems` (the published draft-07 document does not)."""
    global _META_DOCUMENT
    if _META_DOCUMENT is None:
        _META_DOCUMENT = json.loads((Path(__file__).parent / "draft-07.json").read_text())
    return _META_DOCUMENT


def meta_schema_node() -> Node:
    """The compiled draft-07 meta-schema (built once per process)."""
    global _META_NODE
    if _META_NODE is None:
        compiler = SchemaCompiler(load_meta_schema_document(), "")
        node = compiler.compile()
        assert node is not None, compiler.problems
        _META_NODE = node
    return _META_NODE


def compile_schema(
    schema: Any, pointer: str, *, check: bool = True, regex_timeout: float = MATCH_TIMEOUT
) -> tuple:
    """Compile `schema` found at plan pointer `pointer`; return (Node or None, problems, thrown).

    problems: (plan pointer, message) for each; thrown: the text ajv throws on the first of them
    (the reference's error for a batch that reaches this schema), None when there are none.
    regex_timeout: CPU seconds a pattern or format not proven linear may run on one value.
    """
    compiler = SchemaCompiler(schema, pointer, check, regex_timeout)
    node = compiler.compile()
    return node, compiler.problems, compiler.thrown


# json-schema-traverse, which ajv runs over every schema it adds (resolve.ids, with allKeys): the
# keywords whose members are schemas by name, by index, and those it never enters.
_TRAVERSE_MAPS = frozenset({"definitions", "properties", "patternProperties", "dependencies"})
_TRAVERSE_LISTS = frozenset({"items", "allOf", "anyOf", "oneOf"})
_TRAVERSE_SKIP = frozenset(
    {
        "default", "enum", "const", "required", "maxLength", "minLength", "pattern", "format", "maximum",
        "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf", "maxItems", "minItems",
        "uniqueItems", "maxProperties", "minProperties",
    }
)  # fmt: skip


def _unencodable_key(root: Any) -> Optional[str]:
    """The pointer (from the root) of a schema whose key ajv cannot URI-encode, or None.

    ajv's resolve.ids walks the schema as json-schema-traverse does and URI-encodes the key of every
    object schema found by name (under the four map keywords); encodeURIComponent throws "URI
    malformed" on a lone surrogate. This runs after the meta-schema check and before compiling, on
    every schema: the walk keeps each schema's path as a linked (segment, parent) pair and writes
    the pointer only for the rare key it reports.
    """
    stack: list = [(root, None)]
    while stack:
        schema, path = stack.pop()
        if type(schema) is not dict:
            continue
        for key, value in schema.items():
            if type(value) is list:
                if key in _TRAVERSE_LISTS:
                    stack.extend((item, (str(i), (key, path))) for i, item in enumerate(value))
            elif key in _TRAVERSE_MAPS:
                if type(value) is dict:
                    for name, member in value.items():
                        if type(member) is not dict:
                            continue
                        if not name.isascii() and any("\ud800" <= char <= "\udfff" for char in name):
                            return _pointer((name, (key, path)))
                        stack.append((member, (name, (key, path))))
            elif key not in _TRAVERSE_SKIP:
                stack.append((value, (key, path)))
    return None


def _pointer(path: Any) -> str:
    """The JSON pointer of a linked (segment, parent) path."""
    segments = []
    while path is not None:
        segment, path = path
        segments.append("/" + escape_pointer(segment))
    return "".join(reversed(segments))


def _has_no_ref(schema: Any) -> bool:
    """ajv's checkNoRef: no `$ref` key anywhere inside (keywords and plain values alike)."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            if "$ref" in item:
                return False
            stack.extend(value for value in item.values() if type(value) is dict or type(value) is list)
        elif type(item) is list:
            stack.extend(value for value in item if type(value) is dict or type(value) is list)
    return True


def limit_text(value: Any) -> str:
    """A schema number as ajv writes it into messages (JS String(n))."""
    return format_number(value)


NodeVisitor = Callable[[Node], None]
