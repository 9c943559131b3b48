"""What a new plan version adds, removes or changes, and what that does to validation results.

Data points are paired by the reference's match key (the last point with a key wins, as in the
reference; points it skips are absent). Within a pair, each schema is flattened to the attributes it
describes (data pointers such as `/data/custom_attributes/color`, `*` for array items, local `$ref`s
followed) and compared attribute by attribute: presence, `type`, `enum`, `required`,
`additionalProperties` and every other validation keyword. Annotations (`description`, `title`,
`examples`, `default`, `$comment`, `x-*`) are not compared: they change no result.
"""

from __future__ import annotations

from typing import IO, Any, NamedTuple, Optional

import orjson

from .jsout import dumps
from .jsvalue import truthy
from .matching import DEAD_KEY, MissingCriteria, point_match_key
from .plan import PlanVersion
from .reports.contract import SCHEMA_VERSION
from .reports.outcome import match_label
from .reports.style import PLAIN, Style
from .schema.compiler import escape_pointer

ANNOTATIONS = frozenset(
    {"title", "description", "examples", "default", "$comment", "$id", "$schema", "readOnly", "writeOnly"}
)
# Keywords compared through the flattened attributes rather than as values.
STRUCTURAL = frozenset({"properties", "required", "definitions", "$defs", "$ref"})
ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


class Change(NamedTuple):
    """One difference inside a data point (or the point itself when `what` is `data_point`)."""

    change: str  # "added" | "removed" | "changed"
    # data_point | validator | match | attribute | type | enum | required | additionalProperties | keyword
    what: str
    path: str  # data pointer of the attribute ("" for the event or user-attributes object itself)
    keyword: str  # the schema keyword for `keyword` changes, else ""
    old: Any
    new: Any
    effect: str  # what it does to validation results, in words


class PointDiff(NamedTuple):
    """A data point that was added, removed or changed, with its changes."""

    change: str  # "added" | "removed" | "changed"
    data_point: str  # match label
    key: str  # match key
    changes: list  # Change, in schema order


class _Point(NamedTuple):
    match: Any
    validator: Any
    schema: Any  # the definition when the validator is json_schema with one, else None


_ABSENT: Any = object()


# -- points ---------------------------------------------------------------------------------------


def _points(document: Any) -> dict:
    """match key -> _Point for the points the reference keeps (last duplicate wins), in first-seen order."""
    points: dict = {}
    listed = document.get("data_points") if type(document) is dict else None
    for point in listed if type(listed) is list else ():
        if type(point) is not dict or not truthy(point.get("match")) or not truthy(point.get("validator")):
            continue  # the reference skips it: its events are unplanned
        match, validator = point["match"], point["validator"]
        try:
            key = point_match_key(match)
        except MissingCriteria:
            key = DEAD_KEY
        if key == DEAD_KEY:
            key = "match " + dumps(match)  # never matches; keep such points apart by their match
        is_schema = type(validator) is dict and validator.get("type") == "json_schema"
        schema = validator.get("definition") if is_schema and truthy(validator.get("definition")) else None
        points.pop(key, None)  # re-insert: a later duplicate takes the later position too
        points[key] = _Point(match, validator, schema)
    return points


def diff_versions(old: PlanVersion, new: PlanVersion) -> list:
    """PointDiffs from `old` to `new`: the new plan's points in order, then removed ones in the old order."""
    return diff_documents(old.document, new.document)


def diff_documents(old_document: Any, new_document: Any) -> list:
    """PointDiffs between two version documents (see `diff_versions`)."""
    old_points, new_points = _points(old_document), _points(new_document)
    diffs = []
    for key, point in new_points.items():
        before = old_points.get(key)
        if before is None:
            change = Change("added", "data_point", "", "", None, None, _point_effect(key, point, added=True))
            diffs.append(PointDiff("added", _label(point.match, key), key, [change]))
            continue
        changes = _point_changes(before, point)
        if changes:
            diffs.append(PointDiff("changed", _label(point.match, key), key, changes))
    for key, point in old_points.items():
        if key not in new_points:
            change = Change(
                "removed", "data_point", "", "", None, None, _point_effect(key, point, added=False)
            )
            diffs.append(PointDiff("removed", _label(point.match, key), key, [change]))
    return diffs


def _label(match: Any, key: str) -> str:
    label = match_label(match)
    # match_label names events, screens and actions; a transition type still tells points apart.
    kind, _, detail = key.partition(":")
    if label == kind and detail.strip(":") and not key.startswith("match "):
        label += f" ({detail})"
    return label


def _point_effect(key: str, point: _Point, added: bool) -> str:
    if key.startswith("match ") or key == "user_identities":
        return "none: the reference never uses this point"
    if key == "user_attributes":
        return (
            "user attributes are now validated against its schema"
            if added
            else "user attributes are no longer validated"
        )
    if not added:
        return "events it matched are now unplanned (validation_error_type unplanned)"
    if point.schema is None:
        return "events it matches are now planned, and valid whatever they hold"
    return "events it matches are now planned and validated against its schema"


def _point_changes(old: _Point, new: _Point) -> list:
    changes = []
    if old.match != new.match:
        changes.append(Change("changed", "match", "", "", old.match, new.match, "results echo the new match"))
    if (old.schema is None) != (new.schema is None):
        if new.schema is None:
            effect = "no JSON schema any more: every event it matches is valid, whatever it holds"
        else:
            effect = "now a JSON schema: events it matches are validated against it"
        changes.append(Change("changed", "validator", "", "", old.validator, new.validator, effect))
        return changes
    if old.schema is None:
        return changes
    changes.extend(diff_schemas(old.schema, new.schema))
    return changes


# -- schemas --------------------------------------------------------------------------------------


class _Attribute(NamedTuple):
    schema: Any  # the (ref-resolved) schema, or _ABSENT when only named in `required`
    required: bool
    parent_closed: bool  # the parent object has additionalProperties: false


def _resolve(root: Any, schema: Any, seen: frozenset) -> tuple:
    """Follow local `$ref`s (`#/...`); returns (schema, seen refs). Unresolvable refs stay as they are."""
    while type(schema) is dict and type(schema.get("$ref")) is str and schema["$ref"].startswith("#"):
        ref = schema["$ref"]
        if ref in seen:
            break
        seen = seen | {ref}
        target: Any = root
        for raw in ref[1:].split("/")[1:]:
            segment = raw.replace("~1", "/").replace("~0", "~")
            if type(target) is dict and segment in target:
                target = target[segment]
            elif type(target) is list and segment.isdigit() and int(segment) < len(target):
                target = target[int(segment)]
            else:
                return schema, seen
        schema = target
    return schema, seen


def flatten(root: Any) -> dict:
    """Data pointer -> _Attribute for every attribute a schema describes, in schema order ("" is the root)."""
    found: dict = {}
    stack: list = [("", root, False, False, frozenset())]
    while stack:
        path, schema, required, closed, seen = stack.pop()
        schema, seen = _resolve(root, schema, seen)
        found[path] = _Attribute(schema, required, closed)
        if type(schema) is not dict:
            continue
        children = []
        properties = schema.get("properties")
        properties = properties if type(properties) is dict else {}
        names = schema.get("required")
        names = [n for n in names if type(n) is str] if type(names) is list else []
        is_closed = schema.get("additionalProperties") is False
        for name, sub in properties.items():
            children.append((f"{path}/{escape_pointer(name)}", sub, name in names, is_closed, seen))
        for name in names:
            if name not in properties:
                children.append((f"{path}/{escape_pointer(name)}", _ABSENT, True, is_closed, seen))
        items = schema.get("items")
        if type(items) is list:
            children.extend((f"{path}/{i}", sub, False, False, seen) for i, sub in enumerate(items))
        elif type(items) in (dict, bool):
            children.append((f"{path}/*", items, False, False, seen))
        stack.extend(reversed(children))
    return found


def _types(schema: Any) -> frozenset:
    if type(schema) is not dict or "type" not in schema:
        return ALL_TYPES
    declared = schema["type"]
    types = set(declared if type(declared) is list else [declared])
    if "number" in types:
        types.add("integer")  # every integer is a number
    return frozenset(t for t in types if type(t) is str)


def _show(value: Any) -> str:
    return "absent" if value is _ABSENT else dumps(value)


def diff_schemas(old_root: Any, new_root: Any) -> list:
    """Changes between two schemas of the same data point, attribute by attribute."""
    old, new = flatten(old_root), flatten(new_root)
    changes: list = []
    for path, after in new.items():
        before = old.get(path)
        if before is None:
            if not _under_removed(path, new, old):  # an added object is reported once, not per attribute
                changes.append(_added(path, after))
        else:
            changes.extend(_attribute_changes(path, before, after))
    for path, before in old.items():
        if path not in new and not _under_removed(path, old, new):
            if before.parent_closed and path.rsplit("/", 1)[0] in new:
                parent = new[path.rsplit("/", 1)[0]]
                still_closed = (
                    type(parent.schema) is dict and parent.schema.get("additionalProperties") is False
                )
            else:
                still_closed = False
            effect = (
                "now unplanned: its parent has additionalProperties false"
                if still_closed
                else "no longer validated"
            )
            changes.append(Change("removed", "attribute", path, "", _described(before), None, effect))
    return changes


def _under_removed(path: str, old: dict, new: dict) -> bool:
    # A removed object is reported once, not once per attribute inside it.
    parent = path.rsplit("/", 1)[0]
    return path != "" and parent in old and parent not in new


def _added(path: str, attribute: _Attribute) -> Change:
    effect = "now allowed (it was unplanned)" if attribute.parent_closed else "now validated"
    if attribute.required:
        effect += "; required: events without it now fail (missing_required)"
    return Change("added", "attribute", path, "", None, _described(attribute), effect)


def _described(attribute: _Attribute) -> Any:
    return attribute.schema if attribute.schema is not _ABSENT else None


def _attribute_changes(path: str, before: _Attribute, after: _Attribute) -> list:
    changes = []
    if before.required != after.required:
        effect = "events without it now fail (missing_required)" if after.required else "no longer required"
        changes.append(Change("changed", "required", path, "", before.required, after.required, effect))
    old, new = before.schema, after.schema
    if type(old) is not dict or type(new) is not dict:
        if old != new and not (old is _ABSENT and new is _ABSENT):
            effect = "the schema of this value changed; values that passed may now fail, or the reverse"
            changes.append(Change("changed", "keyword", path, "(schema)", _plain(old), _plain(new), effect))
        return changes
    if _types(old) != _types(new):
        changes.append(
            Change("changed", "type", path, "", old.get("type"), new.get("type"), _type_effect(old, new))
        )
    if old.get("enum", _ABSENT) != new.get("enum", _ABSENT):
        changes.append(_enum_change(path, old.get("enum", _ABSENT), new.get("enum", _ABSENT)))
    closed_before = old.get("additionalProperties", _ABSENT)
    closed_after = new.get("additionalProperties", _ABSENT)
    if closed_before != closed_after:
        if closed_after is False:
            effect = "attributes it does not list now fail (unplanned)"
        elif closed_before is False:
            effect = "attributes it does not list are now allowed"
        else:
            effect = "the schema for attributes it does not list changed"
        changes.append(
            Change(
                "changed",
                "additionalProperties",
                path,
                "additionalProperties",
                _plain(closed_before),
                _plain(closed_after),
                effect,
            )
        )
    skip = STRUCTURAL | ANNOTATIONS | {"type", "enum", "additionalProperties"}
    keywords = [k for k in new if k not in skip] + [k for k in old if k not in skip and k not in new]
    for keyword in keywords:
        if keyword.startswith("x-"):
            continue
        if keyword == "items" and type(old.get("items")) is type(new.get("items")):
            continue  # compared as attributes (`*` or indices)
        a, b = old.get(keyword, _ABSENT), new.get(keyword, _ABSENT)
        if a != b:
            changes.append(
                Change(
                    "changed", "keyword", path, keyword, _plain(a), _plain(b), _keyword_effect(keyword, a, b)
                )
            )
    return changes


def _plain(value: Any) -> Any:
    return None if value is _ABSENT else value


def _type_effect(old: dict, new: dict) -> str:
    before, after = _types(old), _types(new)
    if before <= after:
        return "looser: more types pass"
    lost = ", ".join(sorted(before - after))
    return f"stricter: values of type {lost} now fail (invalid_value)"


def _enum_change(path: str, old: Any, new: Any) -> Change:
    if old is _ABSENT:
        effect = "only the listed values pass now (others fail: invalid_value)"
    elif new is _ABSENT:
        effect = "any value passes now"
    else:
        old_list = old if type(old) is list else [old]
        new_list = new if type(new) is list else [new]
        added = [v for v in new_list if v not in old_list]
        removed = [v for v in old_list if v not in new_list]
        parts = []
        if added:
            parts.append("now accepted: " + ", ".join(dumps(v) for v in added))
        if removed:
            parts.append("now failing (invalid_value): " + ", ".join(dumps(v) for v in removed))
        effect = "; ".join(parts) or "reordered"
    return Change("changed", "enum", path, "enum", _plain(old), _plain(new), effect)


_TIGHTER_WHEN_LARGER = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"})
_TIGHTER_WHEN_SMALLER = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"})


def _keyword_effect(keyword: str, old: Any, new: Any) -> str:
    if old is _ABSENT:
        return f"new constraint {keyword}: values that passed may now fail"
    if new is _ABSENT:
        return f"constraint {keyword} removed: values that failed it now pass"
    numbers = (int, float)
    if type(old) in numbers and type(new) in numbers:
        if keyword in _TIGHTER_WHEN_LARGER:
            return "stricter" if new > old else "looser"
        if keyword in _TIGHTER_WHEN_SMALLER:
            return "stricter" if new < old else "looser"
    return "values that passed may now fail, or the reverse"


# -- output ---------------------------------------------------------------------------------------


def counts(diffs: list) -> dict:
    """How many data points were added, removed and changed."""
    found = {"added": 0, "removed": 0, "changed": 0}
    for d in diffs:
        found[d.change] += 1
    return found


def describe_version(version: PlanVersion) -> str:
    """'plan.json (plan "web" version 3)' for headers."""
    parts = []
    if version.plan_id is not None:
        parts.append(f"plan {dumps(version.plan_id)}")
    if version.version is not None:
        parts.append(f"version {dumps(version.version)}")
    return f"{version.source} ({' '.join(parts)})" if parts else version.source


_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _change_text(change: Change) -> str:
    where = change.path or "/"
    if change.what == "attribute":
        kind = ""
        if change.change == "added" and type(change.new) is dict and "type" in change.new:
            kind = f" ({dumps(change.new['type'])})"
        return f"{where}: attribute {change.change}{kind}: {change.effect}"
    if change.what in ("match", "validator"):
        return f"{change.what} {dumps(change.old)} -> {dumps(change.new)}: {change.effect}"
    if change.what == "required":
        old, new = ("required" if v else "optional" for v in (change.old, change.new))
        return f"{where}: {old} -> {new}: {change.effect}"
    name = change.keyword or change.what
    old = "absent" if change.old is None else dumps(change.old)
    new = "absent" if change.new is None else dumps(change.new)
    return f"{where}: {name} {old} -> {new}: {change.effect}"


_COLOUR = {"added": "green", "removed": "red", "changed": "yellow"}


def write_text(old: PlanVersion, new: PlanVersion, diffs: list, out: IO[bytes], style: Style = PLAIN) -> None:
    """A unified-diff-like listing: `+`/`-`/`~` per data point, its changes indented below."""
    lines = [style(f"--- {describe_version(old)}", "bold"), style(f"+++ {describe_version(new)}", "bold")]
    for d in diffs:
        colour = _COLOUR[d.change]
        if d.change == "changed":
            lines.append(style(f"~ {d.data_point}", colour))
            lines.extend(
                style(f"    {_MARK[c.change]} {_change_text(c)}", _COLOUR[c.change]) for c in d.changes
            )
        else:
            lines.append(
                style(f"{_MARK[d.change]} {d.data_point}: {d.change}: {d.changes[0].effect}", colour)
            )
    total = counts(diffs)
    if diffs:
        lines.append(
            f"{total['added']} added, {total['removed']} removed, {total['changed']} changed data points"
        )
    else:
        lines.append("no differences")
    out.write(("\n".join(lines) + "\n").encode())


def as_dict(old: PlanVersion, new: PlanVersion, diffs: list) -> dict:
    """The json format's document."""

    def side(version: PlanVersion) -> dict:
        return {"file": version.source, "plan_id": version.plan_id, "version": version.version}

    return {
        "old": side(old),
        "new": side(new),
        "totals": counts(diffs),
        "data_points": [
            {
                "change": d.change,
                "data_point": d.data_point,
                "match_key": d.key,
                "changes": [
                    {
                        "change": c.change,
                        "what": c.what,
                        "path": c.path,
                        "keyword": c.keyword,
                        "old": c.old,
                        "new": c.new,
                        "effect": c.effect,
                    }
                    for c in d.changes
                    if c.what != "data_point"
                ],
                **({"effect": d.changes[0].effect} if d.change != "changed" else {}),
            }
            for d in diffs
        ],
    }


def write_json(old: PlanVersion, new: PlanVersion, diffs: list, out: IO[bytes]) -> None:
    """The differences as one JSON document (see `as_dict`)."""
    document = {"schema_version": SCHEMA_VERSION, **as_dict(old, new, diffs)}
    out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")


def pick_version(versions: list, wanted: Optional[str], side: str) -> PlanVersion:
    """The one version of a file to compare; raises ValueError when it is missing or ambiguous."""
    if wanted is not None:
        number: Any = int(wanted) if wanted.lstrip("-").isdigit() else wanted
        found = [v for v in versions if v.version == number]
        if not found:
            have = ", ".join(sorted({str(v.version) for v in versions})) or "none"
            raise ValueError(f"the {side} plan has no version {wanted} (versions: {have})")
        if len(found) > 1:
            raise ValueError(f"the {side} plan has {len(found)} versions numbered {wanted} (several plans?)")
        return found[0]
    if len(versions) != 1:
        have = ", ".join(str(v.version) for v in versions)
        raise ValueError(
            f"the {side} plan file holds {len(versions)} versions ({have}): pick one with --{side}-version"
        )
    return versions[0]
