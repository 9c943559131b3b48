"""The configuration file: `[tool.dpv]` in pyproject.toml, or a dpv.toml, found from a directory upward.

A file holds the settings CI jobs would otherwise repeat on every command line. Top-level keys are
`dpv validate`'s (and `color`, which every command takes); `[tool.dpv.lint]` / `[tool.dpv.diff]`
(`[lint]` / `[diff]` in dpv.toml) hold those commands' own. Keys are the long option names. Plan paths
are relative to the file's directory. Command-line options override the file (the CLI feeds it to
click as defaults). No click here: errors are ConfigError, which the CLI turns into a usage error.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple, Optional

DPV_TOML = "dpv.toml"
PYPROJECT = "pyproject.toml"

# The value kinds a key accepts; the CLI converts them with the option's own type afterwards.
_BOOL = "a boolean"
_INT = "an integer"
_NUMBER = "a number"
_TEXT = "a string"
_TEXTS = "a string or a list of strings"
_INT_OR_TEXT = "an integer or a string"

_SHARED = {"color": _TEXT}
KEYS: dict = {
    "validate": {
        "plan": _TEXTS,
        "plan-version": _INT,
        "environment": _TEXT,
        "compat": _TEXT,
        "lenient-types": _BOOL,
        "strict-plan": _BOOL,
        "regex-timeout": _NUMBER,
        "format": _TEXT,
        "with-source": _BOOL,
        "error-source": _BOOL,
        "jobs": _INT_OR_TEXT,
        "max-line-bytes": _INT_OR_TEXT,
        "allow-empty": _BOOL,
        "reference-lines": _BOOL,
        "fail-on": _TEXTS,
        "max-violations": _INT,
        "ignore-unplanned": _BOOL,
        "exit-zero": _BOOL,
        **_SHARED,
    },
    "lint": {"format": _TEXT, "strict": _BOOL, "exit-zero": _BOOL, **_SHARED},
    "diff": {"format": _TEXT, "exit-code": _BOOL, **_SHARED},
}
_SUBTABLES = ("lint", "diff")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file (and the key)."""


class Config(NamedTuple):
    """Settings per command ("validate", "lint", "diff"): option name (without --) -> value."""

    path: str
    commands: dict

    def settings(self, command: str) -> dict:
        return dict(self.commands.get(command, {}))


def find(start: str) -> Optional[str]:
    """The configuration file that applies in directory `start`: the nearest dpv.toml, or pyproject.toml
    with a [tool.dpv] table, from `start` upward (in one directory, dpv.toml first). None when there is none.
    """
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, DPV_TOML)
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate) and _has_dpv_table(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_dpv_table(path: str) -> bool:
    # A pyproject.toml that cannot be read or parsed is some other tool's problem, unless it names dpv.
    try:
        with open(path, "rb") as handle:
            if b"dpv" not in handle.read():
                return False  # no [tool.dpv] without the word: nothing to parse
    except OSError:
        pass  # _read words it
    try:
        return "dpv" in _read(path).get("tool", {})
    except ConfigError:
        with open(path, "rb") as handle:
            return b"[tool.dpv" in handle.read()


def _read(path: str) -> dict:
    if sys.version_info >= (3, 11):  # imported here: most runs find no configuration to parse
        import tomllib
    else:  # pragma: no cover (pyproject: tomli on Python < 3.11 only)
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load(path: str) -> Config:
    """Read and check one configuration file (pyproject.toml: its [tool.dpv] table; else the whole file).

    Returns the settings per command, plan paths made relative to the working directory.
    Raises ConfigError naming the file and the key for an unreadable file, bad TOML, an unknown key
    or a value of the wrong kind.
    """
    document = _read(path)
    is_pyproject = os.path.basename(path) == PYPROJECT
    table = document.get("tool", {}).get("dpv", {}) if is_pyproject else document
    prefix = "tool.dpv." if is_pyproject else ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{prefix.rstrip('.') or 'dpv'}] must be a table")
    base = os.path.dirname(os.path.abspath(path))
    validate = _check(path, prefix, {k: v for k, v in table.items() if k not in _SUBTABLES}, "validate")
    if "plan" in validate:
        plans = validate["plan"]
        validate["plan"] = [_relative(base, plan) for plan in ([plans] if isinstance(plans, str) else plans)]
    if isinstance(validate.get("fail-on"), list):
        validate["fail-on"] = ",".join(validate["fail-on"])
    commands = {"validate": validate}
    for name in _SUBTABLES:
        sub = table.get(name, {})
        if not isinstance(sub, dict):
            raise ConfigError(f"{path}: {prefix}{name} must be a table ([{prefix}{name}])")
        commands[name] = {"color": validate["color"]} if "color" in validate else {}
        commands[name].update(_check(path, f"{prefix}{name}.", sub, name))
    return Config(path, commands)


def _check(path: str, prefix: str, table: dict, command: str) -> dict:
    known = KEYS[command]
    for key, value in table.items():
        kind = known.get(key)
        if kind is None:
            hint = ""
            if key.replace("_", "-") in known:
                hint = f" (did you mean {key.replace('_', '-')!r}?)"
            elif command == "validate" and key in KEYS["lint"]:
                hint = f" (lint's {key!r} goes in [{prefix}lint])"
            raise ConfigError(
                f"{path}: unknown key {prefix}{key}{hint}; known keys: {', '.join(sorted(known))}"
            )
        if not _is_kind(value, kind):
            raise ConfigError(f"{path}: {prefix}{key} must be {kind}, not {type(value).__name__} {value!r}")
    return dict(table)


def _is_kind(value: Any, kind: str) -> bool:
    if kind == _BOOL:
        return type(value) is bool
    if kind == _INT:
        return type(value) is int
    if kind == _NUMBER:
        return type(value) in (int, float)
    if kind == _TEXT:
        return type(value) is str
    if kind == _INT_OR_TEXT:
        return type(value) in (int, str)
    return type(value) is str or (type(value) is list and all(type(item) is str for item in value))


def _relative(base: str, path: str) -> str:
    """A path of the file, as the command line would name it from the working directory."""
    joined = os.path.normpath(os.path.join(base, os.path.expanduser(path)))
    relative = os.path.relpath(joined)
    return joined if relative.startswith("..") else relative
