"""Options every command shares (-q, -v, --color), --exit-zero, help sections and shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
DIFF_NEW = Path(__file__).resolve().parent / "data" / "diff" / "web-sdk-plan-v2.json"
DIFF_OLD = (
    Path(__file__).resolve().parent / "data" / "reference-fixtures" / "web-sdk-test-dataPlanVersion.json"
)
ANSI = "\x1b["


def run(*args: object, **env: str) -> tuple:
    result = CliRunner(env=env).invoke(main, ["--traceback", *[str(a) for a in args]])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def no_colour_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def test_exit_zero_reports_but_passes_violations(tmp_path: Path) -> None:
    plain = run("validate", "--plan", PLAN, BATCHES)
    code, out, _ = run("validate", "--exit-zero", "--plan", PLAN, BATCHES)
    assert (plain[0], code, out) == (1, 0, plain[1])
    assert run("validate", "--exit-zero", "--fail-on", "unplanned", "--plan", PLAN, BATCHES)[0] == 0
    # other failures keep their codes
    assert run("validate", "--exit-zero", "--plan", PLAN, BATCHES, tmp_path / "missing.ndjson")[0] == 3
    assert run("validate", "--exit-zero", "--plan", tmp_path / "missing.json", BATCHES)[0] == 3
    assert run("validate", "--exit-zero", "--plan", PLAN, "--jobs", "0", BATCHES)[0] == 2
    conformance = Path(__file__).resolve().parent / "golden" / "conformance"
    assert run("lint", conformance)[0] == 1
    assert run("lint", "--exit-zero", conformance)[0] == 0
    assert run("lint", "--exit-zero", tmp_path / "missing.json")[0] == 3


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--plan", PLAN, "--format", "summary", BATCHES),
        ("lint", Path(__file__).resolve().parent / "golden" / "conformance"),
        ("diff", DIFF_OLD, DIFF_NEW),
    ],
    ids=["summary", "lint", "diff"],
)
def test_colour_in_text_formats(args: tuple) -> None:
    plain = run(*args)[1]
    assert ANSI not in plain  # not a terminal
    coloured = run(*args, "--color", "always")[1]
    assert ANSI in coloured
    assert _strip(coloured) == plain
    assert ANSI in run(*args, FORCE_COLOR="1")[1]
    assert ANSI not in run(*args, FORCE_COLOR="1", NO_COLOR="1")[1]  # NO_COLOR wins in auto
    assert ANSI in run(*args, "--color", "always", NO_COLOR="1")[1]  # an explicit choice beats both
    assert ANSI not in run(*args, "--color", "never", FORCE_COLOR="1")[1]


def _strip(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("form", ["results", "json", "junit", "github", "sarif", "gitlab"])
def test_machine_formats_are_never_coloured(form: str) -> None:
    assert ANSI not in run("validate", "--plan", PLAN, "--format", form, "--color", "always", BATCHES)[1]


def test_quiet_and_verbose_on_every_command() -> None:
    for command in main.commands.values():
        options = {name for param in command.params for name in param.opts}
        assert {"-q", "-v"} <= options, command.name
    _, _, err = run("validate", "-v", "--plan", PLAN, BATCHES)
    assert "dpv: kernel: " in err and "dpv: 40 batches (154 events) from 1 inputs in" in err
    assert run("validate", "-q", "--plan", PLAN, BATCHES)[2] == ""
    assert "dpv: linted 1 files: 0 errors, 0 warnings" in run("lint", "-v", PLAN)[2]
    code, _, err = run("diff", "-q", "-v", PLAN, PLAN)
    assert code == 2 and "-q and -v" in err


def test_quiet_drops_warnings(tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    os.mkfifo(tmp_path / "inputs" / "pipe")
    (tmp_path / "inputs" / "ok.ndjson").write_bytes(b'{"events":[]}\n')
    assert "skipped: a FIFO" in run("validate", "--plan", PLAN, tmp_path / "inputs")[2]
    assert run("validate", "-q", "--plan", PLAN, tmp_path / "inputs")[2] == ""


def test_validate_help_groups_options_and_lists_exit_codes() -> None:
    _, out, _ = run("validate", "--help")
    sections = [line for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert sections == [
        "Input:",
        "Plan:",
        "Output:",
        "Gates (what fails the run):",
        "Performance:",
        "Configuration:",
        "Other options:",
    ]
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130", "143"):
        assert f"\n    {code}" in out, code
    # every option is listed once
    for option in ("--plan PATH", "--jobs N|auto", "--exit-zero", "--color", "--config FILE", "-h, --help"):
        assert out.count(f"  {option}") == 1, option


def test_version_names_the_kernel() -> None:
    _, out, _ = run("-V")
    assert out.startswith("dpv 0.1.0 (kernel: ")


def _completion(**variables: str) -> str:
    """What `dpv` prints with click's completion variables set (a separate process: it exits)."""
    return subprocess.run(
        [sys.executable, "-c", "from validator.cli import main; main(prog_name='dpv')"],
        env={**os.environ, **variables},
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout


def test_bash_completion_script() -> None:
    script = _completion(_DPV_COMPLETE="bash_source")
    assert "_dpv_completion()" in script and "complete -o nosort -F _dpv_completion dpv" in script
    words = _completion(_DPV_COMPLETE="bash_complete", COMP_WORDS="dpv validate --col", COMP_CWORD="2")
    assert "plain,--color" in words
