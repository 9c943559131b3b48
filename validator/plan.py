"""Read plan files and pick versions: no events here.

Accepted shapes (each file may hold one, a directory many):
- a version document `{"data_points": [...]}`;
- a version object `{"version": N, "data_plan_id": ..., "version_document": {...}}`;
- a data plan `{"data_plan_id": ..., "data_plan_versions": [version objects]}`;
- the web SDK's server-sent form `{"dtpn": {"blok": {...}, "vers": version object}}`;
- a JSON array of any of these.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Optional

from .errors import PlanError, PlanProblem
from .lineparse import decode_json


class PlanVersion(NamedTuple):
    """One plan version as found in a file, not yet compiled."""

    plan_id: Optional[str]
    version: Any
    document: Any
    environments: tuple  # environments this version is activated for
    source: str  # the file it came from
    pointer: str  # JSON pointer of `document` inside that file
    block: Any  # web SDK block settings (`dtpn.blok`), if the file had them


def _environments(version_object: dict) -> tuple:
    found = version_object.get("activated_environment", version_object.get("activated_environments"))
    if isinstance(found, str):
        return () if found in ("", "none") else (found,)
    if isinstance(found, list):
        return tuple(e for e in found if isinstance(e, str))
    return ()


def routing_id(plan_id: Any) -> Any:
    """A plan id as routing compares it: scalars as they are, an object or array as its JSON text.

    The reference never reads the id; routing hashes it, which a dict or list cannot be.
    """
    if type(plan_id) is dict or type(plan_id) is list:
        from .jsout import dumps  # jsout is heavier than this module needs otherwise

        return dumps(plan_id)
    return plan_id


def _from_version_object(
    obj: dict, plan_id: Any, source: str, pointer: str, block: Any = None
) -> PlanVersion:
    # A missing or falsy version_document is only a problem for the batches routed to this version
    # (the reference rejects them); an archived version nobody selects must not stop the others.
    return PlanVersion(
        routing_id(plan_id if plan_id is not None else obj.get("data_plan_id")),
        obj.get("version"),
        obj.get("version_document"),
        _environments(obj),
        source,
        pointer + "/version_document",
        block,
    )


def versions_in(obj: Any, source: str, pointer: str = "") -> list:
    """Every plan version held by a decoded plan file; PlanError when it holds none."""
    if isinstance(obj, list):
        found = []
        for i, item in enumerate(obj):
            found.extend(versions_in(item, source, f"{pointer}/{i}"))
        return found
    if not isinstance(obj, dict):
        raise PlanError([PlanProblem(pointer, "not a data plan (expected a JSON object)")], source)
    if "data_points" in obj:
        return [PlanVersion(None, None, obj, (), source, pointer, None)]
    if "version_document" in obj:
        return [_from_version_object(obj, None, source, pointer)]
    if "data_plan_versions" in obj:
        versions = obj["data_plan_versions"]
        if not isinstance(versions, list):
            raise PlanError([PlanProblem(pointer + "/data_plan_versions", "must be an array")], source)
        plan_id = obj.get("data_plan_id")
        return [
            _from_version_object(v, plan_id, source, f"{pointer}/data_plan_versions/{i}")
            for i, v in enumerate(versions)
            if isinstance(v, dict)
        ]
    if isinstance(obj.get("dtpn"), dict) and isinstance(obj["dtpn"].get("vers"), dict):
        dtpn = obj["dtpn"]
        return [_from_version_object(dtpn["vers"], None, source, pointer + "/dtpn/vers", dtpn.get("blok"))]
    raise PlanError(
        [
            PlanProblem(
                pointer, "not a data plan: expected data_points, version_document, data_plan_versions or dtpn"
            )
        ],
        source,
    )


def _plan_files(directory: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".json") and not name.startswith("."):
                yield Path(root) / name


def read_file(path: str | os.PathLike) -> list:
    """Plan versions in one file or, recursively, in every `*.json` file of a directory."""
    path = Path(path)
    if path.is_dir():
        found = []
        for file in _plan_files(path):
            found.extend(read_file(file))
        if not found:
            raise PlanError(f"no plan files (*.json) in directory {path}", str(path))
        return found
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read plan file: {exc.strerror or exc}", str(path)) from None
    try:
        obj = decode_json(data)  # as JSON.parse reads it: lone surrogate escapes, 1e400, deep nesting
    except ValueError as exc:
        raise PlanError(f"plan file is not valid JSON: {exc}", str(path)) from None
    return versions_in(obj, str(path))


def read_plans(source: Any) -> list:
    """Plan versions from a path, a decoded plan object, or a list of paths."""
    if isinstance(source, (str, os.PathLike)):
        return read_file(source)
    if (
        isinstance(source, (list, tuple))
        and source
        and all(isinstance(s, (str, os.PathLike)) for s in source)
    ):
        found = []
        for item in source:
            found.extend(read_file(item))
        return found
    return versions_in(source, "<object>")


def _version_number(version: PlanVersion) -> float:
    return (
        version.version
        if isinstance(version.version, (int, float)) and not isinstance(version.version, bool)
        else -1
    )


def select_versions(versions: list, version: Any = None, environment: Optional[str] = None) -> list:
    """Narrow to one version per plan when the caller asked for a version number or an environment."""
    if version is None and environment is None:
        return versions
    by_plan: dict = {}
    for v in versions:
        by_plan.setdefault(v.plan_id, []).append(v)
    chosen = []
    for plan_id, candidates in by_plan.items():
        label = f"plan {plan_id!r}" if plan_id is not None else "the plan"
        if version is not None:
            picked = [v for v in candidates if v.version == version]
            if not picked:
                have = sorted({str(v.version) for v in candidates})
                raise PlanError(f"{label} has no version {version} (versions: {', '.join(have) or 'none'})")
            chosen.append(picked[0])  # the first, as the mp CLI's versions.find(...)
        else:
            active = [v for v in candidates if environment in v.environments]
            pool = active or candidates
            chosen.append(max(pool, key=_version_number))
    return chosen


def route(versions: list, plan_id: Any, version: Any, environment: Any) -> Optional[PlanVersion]:
    """The version a batch should be validated against, or None (no candidate)."""
    candidates = [v for v in versions if v.plan_id == plan_id] if plan_id is not None else versions
    if not candidates:
        return None
    if version is not None:
        exact = [v for v in candidates if v.version == version]
        return exact[0] if exact else None
    active = [v for v in candidates if environment is not None and environment in v.environments]
    return max(active or candidates, key=_version_number)
