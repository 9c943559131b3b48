"""The configuration file: found from the working directory upward, overridden by options, strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from validator import config
from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
VALID_BATCH = b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}],"user_attributes":{}}'


def run(*args: object) -> click.testing.Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with plans/web.json and samples/, the working directory being samples/ (below the root)."""
    (tmp_path / "plans").mkdir()
    shutil.copy(PLAN, tmp_path / "plans" / "web.json")
    (tmp_path / "samples").mkdir()
    shutil.copy(BATCHES, tmp_path / "samples" / "day.ndjson.gz")
    monkeypatch.chdir(tmp_path / "samples")
    return tmp_path


def test_pyproject_table_is_found_upward_and_plan_paths_are_relative_to_it(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.dpv]\nplan = ["plans/web.json"]\nformat = "json"\n'
    )
    result = run("validate", "day.ndjson.gz")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["totals"]["batches"] == 40


def test_options_override_the_file(project: Path) -> None:
    (project / "dpv.toml").write_text('plan = "plans/web.json"\nformat = "json"\n')
    result = run("validate", "--format", "summary", "day.ndjson.gz")
    assert result.stdout.startswith("Totals\n")
    # a repeatable option given on the command line replaces the file's list
    missing = run("validate", "--plan", project / "nowhere.json", "day.ndjson.gz")
    assert missing.exit_code == 3 and "nowhere.json" in missing.stderr


def test_dpv_toml_comes_before_pyproject_and_the_nearest_file_wins(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.dpv]\nformat = "json"\n')
    (project / "dpv.toml").write_text('format = "summary"\n')
    assert config.find(str(project / "samples")) == str(project / "dpv.toml")
    (project / "samples" / "pyproject.toml").write_text('[tool.dpv]\nformat = "gitlab"\n')
    assert config.find(str(project / "samples")) == str(project / "samples" / "pyproject.toml")
    # a pyproject.toml without [tool.dpv] is passed by
    (project / "samples" / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert config.find(str(project / "samples")) == str(project / "dpv.toml")


def test_config_names_a_file_and_isolated_ignores_all(project: Path, tmp_path: Path) -> None:
    (project / "dpv.toml").write_text('plan = "plans/web.json"\nformat = "json"\n')
    other = project / "ci.toml"
    other.write_text('plan = ["plans/web.json"]\nformat = "summary"\n')
    assert run("validate", "--config", other, "day.ndjson.gz").stdout.startswith("Totals\n")
    isolated = run("validate", "--isolated", "day.ndjson.gz")
    assert isolated.exit_code == 2 and "--plan" in isolated.stderr  # the file's plan is ignored too
    both = run("validate", "--isolated", "--config", other, "day.ndjson.gz")
    assert both.exit_code == 2 and "contradict" in both.stderr
    missing = run("validate", "--config", project / "none.toml", "day.ndjson.gz")
    assert missing.exit_code == 2 and "none.toml: cannot read" in missing.stderr


@pytest.mark.parametrize(
    "text, expected",
    [
        ('plan = "plans/web.json"\nformats = "json"\n', "dpv.toml: unknown key formats"),
        ('plan = "plans/web.json"\nlenient_types = true\n', "(did you mean 'lenient-types'?)"),
        ('plan = "plans/web.json"\nstrict = true\n', "lint's 'strict' goes in [lint]"),
        ('plan = "plans/web.json"\n[lint]\nplan = "x"\n', "unknown key lint.plan"),
        ('plan = "plans/web.json"\nlenient-types = "yes"\n', "lenient-types must be a boolean"),
        ('plan = "plans/web.json"\nformat = "nope"\n', "dpv.toml: format: 'nope' is not one of"),
        ('plan = "plans/web.json"\njobs = 0\n', "dpv.toml: jobs: must be at least 1"),
        ('plan = "plans/web.json"\nfail-on = ["typo"]\n', ""),  # checked when the run starts
        ('plan = "plans/web.json"\nformat = \n', "dpv.toml: not valid TOML"),
    ],
)
def test_a_bad_file_is_a_usage_error_naming_the_file_and_key(project: Path, text: str, expected: str) -> None:
    (project / "dpv.toml").write_text(text)
    result = run("validate", "day.ndjson.gz")
    assert result.exit_code == 2
    assert str(project / "dpv.toml") in result.stderr or "--fail-on" in result.stderr
    assert expected in result.stderr


def test_pyproject_keys_are_named_with_their_table(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.dpv]\nplan = "plans/web.json"\n[tool.dpv.diff]\nstrict = 1\n'
    )
    result = run("validate", "day.ndjson.gz")
    assert result.exit_code == 2 and "pyproject.toml: unknown key tool.dpv.diff.strict" in result.stderr


def test_gates_jobs_and_exit_zero_from_the_file(project: Path) -> None:
    (project / "dpv.toml").write_text(
        'plan = "plans/web.json"\nfail-on = ["invalid_value"]\nmax-violations = 1000\njobs = 2\n'
    )
    assert run("validate", "day.ndjson.gz").exit_code == 0  # within the gate
    assert run("validate", "--max-violations", "0", "day.ndjson.gz").exit_code == 1
    (project / "dpv.toml").write_text('plan = "plans/web.json"\nexit-zero = true\n')
    assert run("validate", "day.ndjson.gz").exit_code == 0


def test_lint_and_diff_tables_and_lint_of_the_configured_plans(project: Path) -> None:
    (project / "dpv.toml").write_text(
        'plan = ["plans/web.json"]\n[lint]\nformat = "json"\n[diff]\nformat = "json"\n'
    )
    result = run("lint")  # no PLAN: the configuration's
    assert result.exit_code == 0
    # a path outside the working directory is absolute (relative to the file's directory, as written)
    assert [entry["file"] for entry in json.loads(result.stdout)["files"]] == [
        str(project / "plans" / "web.json")
    ]
    web = project / "plans" / "web.json"
    assert json.loads(run("diff", web, web).stdout)["totals"] == {"added": 0, "removed": 0, "changed": 0}
    assert run("lint", "--isolated").exit_code == 2


def test_verbose_names_the_file_in_use(project: Path) -> None:
    (project / "dpv.toml").write_text('plan = "plans/web.json"\n')
    assert f"dpv: configuration: {project / 'dpv.toml'}" in run("validate", "-v", "day.ndjson.gz").stderr
    assert "dpv: configuration: ignored (--isolated)" in run("diff", "-v", "--isolated", PLAN, PLAN).stderr


def test_every_key_is_an_option_of_its_command() -> None:
    for command, keys in config.KEYS.items():
        options = {name for param in main.commands[command].params for name in param.opts}
        assert {f"--{key}" for key in keys} <= options, command


def test_no_file_anywhere_is_no_configuration(tmp_path: Path) -> None:
    assert config.find(str(tmp_path)) is None or not str(config.find(str(tmp_path))).startswith(str(tmp_path))
