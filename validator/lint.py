"""Check plan files without any batch: what the reference would fail on, and traps it passes silently.

Errors are what makes `load_plan` refuse a plan (the reference fails every batch that reaches them):
JSON that is not a plan, null points, criteria-type points without criteria, and schemas ajv 6 refuses.
Warnings are plans the reference accepts but that do not do what they seem to: duplicate match keys,
points it skips, match types that never match, keywords it (or mParticle's server) ignores, `required`
names that can never be satisfied, regexes that can take super-linear time (catastrophic backtracking).

Each finding carries the data point's index, its match, a JSON pointer into the plan file and the
line that pointer lands on, so CI annotations point at the plan's source.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from pathlib import Path
from typing import IO, Any, Iterable, NamedTuple, Optional

import orjson

from .compile import NEVER_LOOKED_UP, UA_KEY
from .deep import call_deep
from .errors import PlanError
from .jsout import dumps
from .jsvalue import truthy
from .lineparse import decode_json
from .matching import DEAD_KEY, MissingCriteria, point_match_key
from .plan import _plan_files, versions_in
from .reports.contract import SCHEMA_VERSION
from .reports.outcome import match_label
from .reports.style import PLAIN, Style
from .schema.compiler import compile_schema, escape_pointer
from .schema.jsregex import RegexTimeout, compile_js_regex, is_valid_js_regex, regex_cost
from .schema.nodes import RULE_KEYWORDS

ERROR, WARNING = "error", "warning"

# Every finding code, its usual level and what it means (the SARIF rules and the README table).
CODES = {
    "unreadable": (ERROR, "The plan file cannot be read."),
    "not-json": (ERROR, "The plan file is not JSON."),
    "not-a-plan": (ERROR, "JSON that is not a data plan, a plan version or a version document."),
    "null-data-point": (ERROR, "A null data point: the reference fails every batch."),
    "missing-criteria": (ERROR, "A criteria-type match without criteria: the reference fails every batch."),
    "invalid-schema": (ERROR, "A schema that is invalid under the draft-07 meta-schema (ajv 6 refuses it)."),
    "unknown-format": (ERROR, "A format ajv 6 does not know (ajv 6 refuses the schema)."),
    "unresolvable-ref": (ERROR, "A $ref that cannot be resolved (ajv 6 refuses the schema)."),
    "schema-version": (ERROR, "A $schema other than draft-07 (ajv 6 refuses the schema)."),
    "invalid-regex": (ERROR, "A pattern that is not a valid ECMAScript regex (ajv 6 refuses the schema)."),
    "duplicate-match-key": (WARNING, "Two points with the same match key: the last one wins."),
    "point-skipped": (WARNING, "A point without match or validator: its events come out unplanned."),
    "non-json-schema-validator": (WARNING, "A validator that is not json_schema: every event passes."),
    "empty-user-attributes-schema": (
        WARNING,
        "A user_attributes schema without keys: 'Invalid JSON Schema' on every batch.",
    ),
    "data-points-not-array": (WARNING, "data_points is an object: the reference finds no points in it."),
    "dead-match-type": (WARNING, "A match type that can never match an event."),
    "user-identities": (WARNING, "A user_identities point: the reference never validates identities."),
    "server-unsupported-keyword": (WARNING, "A keyword mParticle's server documents as unsupported."),
    "ignored-keyword": (WARNING, "A keyword ajv 6 silently ignores."),
    "unsatisfiable-required": (
        WARNING,
        "A required name with no property schema under additionalProperties: false.",
    ),
    "backtracking-regex": (WARNING, "A regex that can take super-linear time (catastrophic backtracking)."),
}

# The draft-07 vocabulary ajv 6 knows (validation keywords and annotations). Anything else is ignored.
DRAFT7_KEYWORDS = RULE_KEYWORDS | {
    "$id",
    "$schema",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "definitions",
    "additionalItems",
    "then",
    "else",
    "contentMediaType",
    "contentEncoding",
}
# mParticle's Data Planning API docs call these unsupported; ajv 6 (the reference) does this with them.
SERVER_UNSUPPORTED = {
    "$ref": "resolves it",
    "$recursiveRef": "ignores it",
    "$recursiveAnchor": "ignores it",
    "patternProperties": "applies it",
    "allOf": "applies it",
    "anyOf": "applies it",
    "oneOf": "applies it",
    "if": "applies it",
    "not": "applies it",
    "else": "applies it",
    "then": "applies it",
    "dependencies": "applies it",
    "dependentRequired": "ignores it",
    "dependentSchemas": "ignores it",
}
_SCHEMA_VALUED = (
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")


class Finding(NamedTuple):
    """One problem in a plan file: how bad, which check, where (data point, match, pointer, line)."""

    level: str  # "error" | "warning"
    code: str  # a key of CODES
    message: str
    pointer: str  # JSON pointer into the plan file ("" is the whole file)
    data_point: Optional[int]  # index in its version's data_points; None for file or version findings
    match: str  # the point's match label, e.g. 'custom_event "Sign Up" (other)'; "" when none
    line: int = 0  # the line of the plan file where `pointer` lands (0: unknown)

    def where(self) -> str:
        """'data point 3 (custom_event "Sign Up" (other)) at /data_points/3/match', for messages."""
        parts = []
        if self.data_point is not None:
            parts.append(f"data point {self.data_point}" + (f" ({self.match})" if self.match else ""))
        if self.pointer:
            parts.append(f"at {self.pointer}")
        return " ".join(parts)

    def headline(self) -> str:
        """The finding in one line, without file and level: `where: message`."""
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class PointInfo(NamedTuple):
    """A data point of a plan file, so reports can list the clean ones too (junit: one test case each)."""

    data_point: int  # index in its version's data_points
    match: str  # match label, "" when none
    pointer: str  # JSON pointer of the data point in the file
    version: str  # JSON pointer of its version document ("" when the file is a bare document)


class FileReport(NamedTuple):
    """The findings for one plan file; `usable` is False when it could not be read or is not JSON."""

    source: str
    findings: list
    usable: bool = True
    points: tuple = ()  # PointInfo for every data point of every version, in file order


def _finding(
    code: str, message: str, pointer: str, index: Optional[int], match: str, level: str = ""
) -> Finding:
    return Finding(level or CODES[code][0], code, message, pointer, index, match)


# -- one version document -------------------------------------------------------------------------


def lint_document(document: Any, pointer: str = "") -> list:
    """Findings for one version document `{"data_points": [...]}` found at `pointer` in its file."""
    if not truthy(document):
        return [
            _finding(
                "not-a-plan", "the version document is empty: the reference refuses it", pointer, None, ""
            )
        ]
    if type(document) is not dict or not truthy(document.get("data_points")):
        message = "a version document needs data_points: the reference refuses it"
        return [_finding("not-a-plan", message, pointer + "/data_points", None, "")]
    points = document["data_points"]
    if type(points) is dict:
        message = "data_points is an object, not an array: the reference finds no data points in it"
        return [_finding("data-points-not-array", message, pointer + "/data_points", None, "")]
    if type(points) is not list:
        message = "data_points must be an array: the reference fails every batch"
        return [_finding("not-a-plan", message, pointer + "/data_points", None, "")]

    findings: list = []
    live: list = []  # (index, where, label, key, match, validator) of points the reference keeps
    last_with_key: dict = {}
    for index, point in enumerate(points):
        where = f"{pointer}/data_points/{index}"
        if point is None:
            message = "data point is null: the reference fails every batch"
            findings.append(_finding("null-data-point", message, where, index, ""))
            continue
        match = point.get("match") if type(point) is dict else None
        validator = point.get("validator") if type(point) is dict else None
        label = match_label(match) if match is not None else ""
        if not truthy(match) or not truthy(validator):
            missing = " and ".join(
                n for n, v in (("match", match), ("validator", validator)) if not truthy(v)
            )
            message = (
                f"no {missing}: the reference skips this point, so the events it describes come out unplanned"
            )
            findings.append(_finding("point-skipped", message, where, index, label))
            continue
        try:
            key = point_match_key(match)  # type: ignore[arg-type]  # truthy() above
        except MissingCriteria as exc:
            message = f"a {exc} match needs criteria: without it the reference fails every batch"
            findings.append(_finding("missing-criteria", message, where + "/match/criteria", index, label))
            continue
        last_with_key[key] = index
        live.append((index, where, label, key, match, validator))

    for index, where, label, key, match, validator in live:
        winner = last_with_key[key]
        used = winner == index and key not in NEVER_LOOKED_UP
        if key == DEAD_KEY:
            kind = match.get("type") if type(match) is dict else match
            message = (
                f"match type {dumps(kind) if kind is not None else '(missing)'} never matches any event: the "
                "reference maps it to the key 'unknown'"
            )
            findings.append(_finding("dead-match-type", message, where + "/match", index, label))
        elif key == "user_identities":
            message = "user_identities points are never used: the reference does not validate user identities"
            findings.append(_finding("user-identities", message, where + "/match", index, label))
        elif winner != index:
            message = (
                f"match key {dumps(key)} is used again by data point {winner}; the last point with a key "
                "wins, so this one is never used"
            )
            findings.append(_finding("duplicate-match-key", message, where + "/match", index, label))
        is_schema = type(validator) is dict and validator.get("type") == "json_schema"
        definition = validator.get("definition") if is_schema else None
        if not is_schema or not truthy(definition):
            if used:
                findings.append(_non_json_schema(key, validator, where, index, label))
            continue
        schema_where = where + "/validator/definition"
        if key == UA_KEY and used and not _has_own_keys(definition):
            message = (
                "the user_attributes schema has no keys: the reference reports 'Invalid JSON Schema' for the "
                "user attributes of every batch"
            )
            findings.append(_finding("empty-user-attributes-schema", message, schema_where, index, label))
            continue
        findings.extend(_schema_findings(definition, schema_where, index, label, used))
    return findings


def _non_json_schema(key: str, validator: Any, where: str, index: int, label: str) -> Finding:
    if type(validator) is not dict or validator.get("type") != "json_schema":
        what = "the validator is not a json_schema validator"
    elif "definition" in validator:
        what = f"the definition is {dumps(validator['definition'])}, which the reference replaces with {{}}"
    else:
        what = "the validator has no definition"
    if key == UA_KEY:
        effect = "the reference reports 'Invalid JSON Schema' for the user attributes of every batch"
    else:
        effect = "every event it matches is valid, whatever it holds"
    return _finding("non-json-schema-validator", f"{what}: {effect}", where + "/validator", index, label)


def _has_own_keys(schema: Any) -> bool:
    # Object.keys(schema).length, as the reference tests it before compiling a user_attributes schema.
    t = type(schema)
    return (t is dict or t is list or t is str) and len(schema) > 0


# -- schemas --------------------------------------------------------------------------------------


def _schema_findings(schema: Any, pointer: str, index: int, label: str, used: bool) -> list:
    """Compile problems (errors when the point is used) and, for used points, the schema walk's warnings."""
    _, problems, _ = compile_schema(schema, pointer)
    walked = _walk(schema, pointer, index, label) if used else []
    precise = [f.pointer for f in walked if f.code == "invalid-regex"]
    findings: list = []
    merged: dict = {}  # pointer -> invalid-schema finding position, to join ajv's messages for one place
    for where, message in problems:
        code = _classify(where, message)
        if code == "invalid-regex" and any(p == where or p.startswith(where + "/") for p in precise):
            continue  # the walk already reported this regex, with the pattern's own pointer
        if not used:
            message += " (this point is never used, so the reference never compiles its schema)"
        if code == "invalid-schema" and where in merged:
            position = merged[where]
            old = findings[position]
            findings[position] = old._replace(
                message=old.message + "; " + message.removeprefix("schema is invalid: ")
            )
            continue
        if code == "invalid-schema":
            merged[where] = len(findings)
        findings.append(_finding(code, message, where, index, label, ERROR if used else WARNING))
    return findings + walked


def _classify(pointer: str, message: str) -> str:
    if pointer.endswith("/$schema"):
        return "schema-version"
    if message.startswith("unknown format"):
        return "unknown-format"
    if pointer.endswith("/$ref"):
        return "unresolvable-ref"
    if (
        'should match format "regex"' in message
        or "ECMAScript regex" in message
        or message.startswith("invalid pattern")
        or (pointer.endswith("/patternProperties") and "property name" in message)
    ):
        return "invalid-regex"
    return "invalid-schema"


def _walk(root: Any, root_pointer: str, index: int, label: str) -> list:
    """Warnings (and precise regex errors) for every subschema, in document order."""
    findings: list = []

    def add(code: str, message: str, pointer: str) -> None:
        findings.append(_finding(code, message, pointer, index, label))

    # (schema, pointer, under $defs): ajv only compiles $defs it reaches by $ref, so regex errors
    # there are left to the compiler, which sees exactly the reachable ones.
    stack: list = [(root, root_pointer, False)]
    while stack:
        schema, pointer, in_defs = stack.pop()
        if type(schema) is not dict:
            continue
        for keyword in schema:
            at = f"{pointer}/{escape_pointer(keyword)}"
            if keyword in SERVER_UNSUPPORTED:
                behaviour = SERVER_UNSUPPORTED[keyword]
                if keyword in ("then", "else") and "if" not in schema:
                    behaviour = "ignores it (there is no `if`)"
                add(
                    "server-unsupported-keyword",
                    f"mParticle's server documents `{keyword}` as unsupported; the reference (ajv 6) "
                    f"{behaviour}, so server-side and offline results can differ",
                    at,
                )
            elif keyword not in DRAFT7_KEYWORDS and keyword != "$defs" and not keyword.startswith("x-"):
                hint = (
                    ' (an OpenAPI keyword: allow null with "type": [..., "null"])'
                    if keyword == "nullable"
                    else ""
                )
                add("ignored-keyword", f"ajv 6 ignores `{keyword}`: it is not a draft-07 keyword{hint}", at)
        if "additionalItems" in schema and type(schema.get("items")) is not list:
            add(
                "ignored-keyword",
                "ajv 6 ignores `additionalItems` unless `items` is an array",
                pointer + "/additionalItems",
            )
        if "$ref" in schema:
            for keyword in schema:
                if keyword != "$ref" and keyword in RULE_KEYWORDS:
                    add(
                        "ignored-keyword",
                        f"ajv 6 ignores `{keyword}` next to `$ref` (keywords beside a $ref are not applied)",
                        f"{pointer}/{escape_pointer(keyword)}",
                    )
        _check_regexes(schema, pointer, in_defs, add)
        _check_required(schema, pointer, add)
        children: list = []
        for keyword in _SCHEMA_VALUED:
            if keyword in schema:
                children.append((schema[keyword], f"{pointer}/{keyword}", in_defs))
        items = schema.get("items")
        if type(items) is list:
            children.extend((s, f"{pointer}/items/{i}", in_defs) for i, s in enumerate(items))
        elif items is not None:
            children.append((items, pointer + "/items", in_defs))
        for keyword in _SCHEMA_LISTS:
            value = schema.get(keyword)
            if type(value) is list:
                children.extend((s, f"{pointer}/{keyword}/{i}", in_defs) for i, s in enumerate(value))
        for keyword in _SCHEMA_MAPS:
            value = schema.get(keyword)
            if type(value) is dict:
                defs = in_defs or keyword == "$defs"
                children.extend(
                    (s, f"{pointer}/{escape_pointer(keyword)}/{escape_pointer(name)}", defs)
                    for name, s in value.items()
                )
        stack.extend(reversed(children))
    return findings


def _check_regexes(schema: dict, pointer: str, in_defs: bool, add: Any) -> None:
    sources = []
    if type(schema.get("pattern")) is str:
        sources.append((schema["pattern"], pointer + "/pattern"))
    patterns = schema.get("patternProperties")
    if type(patterns) is dict:
        sources.extend((name, f"{pointer}/patternProperties/{escape_pointer(name)}") for name in patterns)
    for source, at in sources:
        if not is_valid_js_regex(source):
            if not in_defs:
                add(
                    "invalid-regex",
                    f"{dumps(source)} is not a valid ECMAScript regex: ajv 6 refuses the schema",
                    at,
                )
        else:
            # The same analysis that decides which patterns run under the time limit names the shapes.
            shapes = [description for _, description in regex_cost(source, name=True).shapes]
            if shapes:
                add(
                    "backtracking-regex",
                    f"{dumps(source)} can take super-linear time on long values: {'; '.join(shapes)} "
                    "(dpv gives each value a time limit, 1 s by default, then fails the batch; the "
                    "reference would hang)",
                    at,
                )


def _check_required(schema: dict, pointer: str, add: Any) -> None:
    required = schema.get("required")
    if schema.get("additionalProperties") is not False or type(required) is not list:
        return
    properties = schema.get("properties")
    properties = properties if type(properties) is dict else {}
    patterns = schema.get("patternProperties")
    regexes = [
        compile_js_regex(source)
        for source in (patterns if type(patterns) is dict else ())
        if is_valid_js_regex(source)
    ]
    for i, name in enumerate(required):
        try:
            if type(name) is not str or name in properties or any(regex.test(name) for regex in regexes):
                continue
        except RegexTimeout:
            continue  # cannot tell (and backtracking-regex already warns about the pattern)
        add(
            "unsatisfiable-required",
            f"{dumps(name)} is required but has no property schema and additionalProperties is false: "
            "no data can pass (missing_required without it, unplanned with it)",
            f"{pointer}/required/{i}",
        )


# -- files ----------------------------------------------------------------------------------------


def lint_object(obj: Any) -> tuple:
    """(findings, points) for a decoded plan file (any shape `dpv validate --plan` accepts).

    points: a PointInfo for every data point of every version, in file order.
    """
    try:
        return _lint_object(obj)
    except RecursionError:  # schemas nested hundreds of levels deep
        return call_deep(_lint_object, obj)


def _lint_object(obj: Any) -> tuple:
    try:
        versions = versions_in(obj, "")
    except PlanError as exc:
        return [_finding("not-a-plan", p.message, p.pointer, None, "") for p in exc.problems], ()
    if not versions:
        return [_finding("not-a-plan", "the file holds no plan version", "", None, "")], ()
    findings: list = []
    points: list = []
    for version in versions:
        findings.extend(lint_document(version.document, version.pointer))
        document = version.document
        listed = document.get("data_points") if type(document) is dict else None
        for index, point in enumerate(listed if type(listed) is list else ()):
            match = point.get("match") if type(point) is dict else None
            label = match_label(match) if match is not None else ""
            where = f"{version.pointer}/data_points/{index}"
            points.append(PointInfo(index, label, where, version.pointer))
    return findings, tuple(points)


def lint_file(path: str) -> FileReport:
    """The FileReport for one plan file, with the line of every finding."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        message = f"cannot read the plan file: {exc.strerror or exc}"
        return FileReport(path, [_finding("unreadable", message, "", None, "")], usable=False)
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:  # what JSON.parse reads and orjson refuses (lone surrogate escapes, 1e400, deep nesting)
            obj = decode_json(data)
        except ValueError:
            finding = _finding("not-json", f"not valid JSON: {exc.msg}", "", None, "")._replace(
                line=exc.lineno
            )
            return FileReport(path, [finding], usable=False)
    findings, points = lint_object(obj)
    if findings:
        lines = pointer_lines(data.decode("utf-8"), {f.pointer for f in findings})
        # File order reads best; the sort is stable, so findings on one line keep their check order.
        findings = sorted((f._replace(line=lines[f.pointer]) for f in findings), key=lambda f: f.line)
    return FileReport(path, findings, True, points)


def lint_paths(paths: Iterable[str]) -> list:
    """FileReports for plan files and directories (every `*.json` in them, recursively, sorted)."""
    reports = []
    for path in paths:
        if os.path.isdir(path):
            files = [str(p) for p in _plan_files(Path(path))]
            if not files:
                message = "no plan files (*.json) in this directory"
                reports.append(
                    FileReport(path, [_finding("unreadable", message, "", None, "")], usable=False)
                )
            reports.extend(lint_file(f) for f in files)
        else:
            reports.append(lint_file(path))
    return reports


# -- JSON pointer -> line -------------------------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def pointer_lines(text: str, pointers: Iterable[str]) -> dict:
    """Line (1-based) of the value at each pointer in JSON `text` (a missing pointer: its nearest parent's).

    The text must be valid JSON (it was parsed already). Duplicate keys: the last one, as parsers keep.
    """
    wanted: set = set()
    for pointer in pointers:
        parts = pointer.split("/")
        wanted.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    offsets: dict = {}
    stack: list = []  # frames: [pointer, is_object, key or index, awaiting key]
    for token in _TOKEN.finditer(text):
        value = token.group()
        first = value[0]
        if first in ",:":
            if first == "," and stack and stack[-1][1]:
                stack[-1][3] = True
            continue
        if first in "}]":
            stack.pop()
            continue
        if stack and stack[-1][1] and stack[-1][3]:
            stack[-1][2], stack[-1][3] = json.loads(value), False  # an object key
            continue
        if not stack:
            pointer = ""
        elif stack[-1][1]:
            pointer = f"{stack[-1][0]}/{escape_pointer(stack[-1][2])}"
        else:
            pointer = f"{stack[-1][0]}/{stack[-1][2]}"
            stack[-1][2] += 1
        if pointer in wanted:
            offsets[pointer] = token.start()
        if first == "{":
            stack.append([pointer, True, None, True])
        elif first == "[":
            stack.append([pointer, False, 0, False])
    newlines = [m.start() for m in re.finditer("\n", text)]
    lines = {}
    for pointer in pointers:
        probe = pointer
        while probe not in offsets and probe:
            probe = probe.rsplit("/", 1)[0]
        offset = offsets.get(probe, 0)
        lines[pointer] = bisect.bisect_left(newlines, offset) + 1
    return lines


# -- text and json formats ------------------------------------------------------------------------


def counts(reports: list) -> tuple:
    """(errors, warnings) over all files."""
    errors = sum(1 for r in reports for f in r.findings if f.level == ERROR)
    warnings = sum(1 for r in reports for f in r.findings if f.level == WARNING)
    return errors, warnings


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def write_text(reports: list, out: IO[bytes], style: Style = PLAIN) -> None:
    """One `file:line: level: [code] where: message` line per finding, then the totals."""
    lines = []
    for report in reports:
        for f in report.findings:
            level = style(f.level, "red" if f.level == ERROR else "yellow")
            lines.append(f"{style(f'{report.source}:{f.line}:', 'bold')} {level}: [{f.code}] {f.headline()}")
    errors, warnings = counts(reports)
    totals = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(len(reports), 'file')}"
    lines.append(style(totals, "red" if errors else "yellow" if warnings else "green"))
    out.write(("\n".join(lines) + "\n").encode())


def as_dict(reports: list) -> dict:
    """The json format's document."""
    errors, warnings = counts(reports)
    return {
        "files": [
            {
                "file": report.source,
                "findings": [
                    {
                        "level": f.level,
                        "code": f.code,
                        "message": f.message,
                        "data_point": f.data_point,
                        "match": f.match,
                        "pointer": f.pointer,
                        "line": f.line,
                    }
                    for f in report.findings
                ],
            }
            for report in reports
        ],
        "totals": {"files": len(reports), "errors": errors, "warnings": warnings},
    }


def write_json(reports: list, out: IO[bytes]) -> None:
    """The findings as one JSON document (see `as_dict`)."""
    document = {"schema_version": SCHEMA_VERSION, **as_dict(reports)}
    out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
