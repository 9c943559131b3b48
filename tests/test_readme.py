"""The README's command blocks run, offline, so the README cannot drift from the tool.

Every ```sh block runs in order, in one scratch directory holding the shipped examples, with `dpv` being
this checkout and `pip` doing nothing (the package under test is already importable). HTML comments
right above a block steer it:
  <!-- readme-test: skip (why) -->     not run (a server, node, Spark, paths that only illustrate);
                                       its dpv commands are still parsed, so their options must exist
  <!-- readme-test: exit 1 -->         the exit status of each command (one number, or one per command)
  <!-- readme-test: file NAME -->      the block (toml, ...) is written to NAME for the blocks after it
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import click
import pytest

from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMMAND_LANGUAGES = {"sh", "bash", "shell", "console"}
_MARKER = re.compile(r"<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->")


class Block(NamedTuple):
    line: int  # where the fence opens
    language: str
    text: str
    markers: dict  # marker -> its argument


def blocks() -> list:
    """Fenced blocks with the readme-test markers of the comment lines right above each."""
    found = []
    lines = README.read_text().splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\S*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        start = i
        j = i + 1
        while not lines[j].startswith("```"):
            j += 1
        markers = {}
        k = start - 1
        while k >= 0 and lines[k].startswith("<!--"):
            marker = _MARKER.match(lines[k])
            if marker:
                markers[marker.group(1)] = marker.group(2)
            k -= 1
        found.append(Block(start + 1, fence.group(1), "\n".join(lines[start + 1 : j]), markers))
        i = j + 1
    return found


def commands(text: str) -> list:
    """The block's commands: continuation lines joined, comments and blank lines left out."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dpv_invocations(command: str) -> list:
    """The argument lists of every `dpv ...` in a shell command line (pipes, &&, redirections cut it)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    found, current = [], None
    for token in tokens:
        if current is None:
            if token == "dpv":
                current = []
            continue
        if token in ("|", "||", "&&", ";", ">", ">>", "<", "2>", ")", "&"):
            found.append(current)
            current = None
            continue
        current.append(token)
    if current is not None:
        found.append(current)
    return found


COMMAND_BLOCKS = [b for b in blocks() if b.language in COMMAND_LANGUAGES]


def test_the_readme_has_command_blocks_and_every_one_is_run_or_marked() -> None:
    assert len(COMMAND_BLOCKS) >= 10
    for block in COMMAND_BLOCKS:
        assert set(block.markers) <= {"skip", "exit"}, block.line
        if "skip" in block.markers:
            assert block.markers["skip"], f"README.md:{block.line}: say why the block is skipped"
    quick_start = COMMAND_BLOCKS[0]
    assert quick_start.markers == {"exit": "1"} and "examples/batches.ndjson.gz" in quick_start.text


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """A scratch directory with the examples, and an environment whose `dpv` is this checkout."""
    home = tmp_path_factory.mktemp("readme")
    (home / "examples").symlink_to(ROOT / "examples")
    bin_dir = home / ".bin"
    bin_dir.mkdir()
    dpv = bin_dir / "dpv"
    dpv.write_text(f"#!{sys.executable}\nfrom validator.cli import main\nmain(prog_name='dpv')\n")
    pip = bin_dir / "pip"
    pip.write_text("#!/bin/sh\nexit 0\n")  # installing is what the rest of the suite stands for
    for script in (dpv, pip):
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DPV_", "_DPV"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(ROOT), HOME=str(home))
    env.pop("CI", None)
    for name in ("DPV_NO_SPEEDUPS", "DPV_NO_NATIVE"):  # the kernel this suite runs on
        if name in os.environ:
            env[name] = os.environ[name]
    return home, env


def test_every_runnable_block_runs_as_written(sandbox: tuple) -> None:
    home, env = sandbox
    ran = 0
    for block in blocks():
        if "file" in block.markers:
            (home / block.markers["file"]).write_text(block.text + "\n")
            continue
        if block.language not in COMMAND_LANGUAGES or "skip" in block.markers:
            continue
        lines = commands(block.text)
        expected = [int(code) for code in block.markers.get("exit", "0").replace(",", " ").split()]
        if len(expected) == 1:
            expected *= len(lines)
        assert len(expected) == len(lines), f"README.md:{block.line}: one exit status per command"
        for command, code in zip(lines, expected):
            done = subprocess.run(
                ["bash", "-c", command], cwd=home, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == code, f"README.md:{block.line}: {command}\n{done.stderr}"
            assert "Traceback" not in done.stderr, command
            ran += 1
    assert ran >= 4
    assert (home / "gl-code-quality.json").read_text().startswith("[\n  {")
    assert (home / "dpv.json").read_text().startswith('{\n  "schema_version": 1,')


@pytest.mark.parametrize(
    "block", [b for b in COMMAND_BLOCKS if "skip" in b.markers], ids=lambda b: f"line{b.line}"
)
def test_skipped_blocks_name_options_that_exist(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no configuration file of this checkout's parents
    for command in commands(block.text):
        for args in dpv_invocations(command):
            assert args and args[0] in main.commands, f"README.md:{block.line}: dpv {shlex.join(args)}"
            try:
                # main's own context settings (-h among the help names): click caches each command's
                # help option from the first context it sees, so a bare one would change later help.
                parent = click.Context(main, info_name="dpv", **main.context_settings)
                main.commands[args[0]].make_context(args[0], list(args[1:]), parent=parent).close()
            except click.UsageError as exc:
                pytest.fail(f"README.md:{block.line}: dpv {shlex.join(args)}: {exc.format_message()}")


def test_a_misspelt_option_in_a_skipped_block_fails() -> None:
    with pytest.raises(click.UsageError, match="No such option"):
        main.commands["validate"].make_context(
            "validate",
            ["--plan", "p.json", "--fail-onn", "unplanned"],
            parent=click.Context(main, info_name="dpv", **main.context_settings),
        )
