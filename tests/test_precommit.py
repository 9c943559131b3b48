"""The hooks in .pre-commit-hooks.yaml run under pre-commit, offline (they are `language: system`).

A throwaway git repository holds the hook definitions and another holds plans and batches; `dpv` on
PATH is a shim running this checkout's code. Skipped when pre-commit or git is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PLAN = ROOT / "examples" / "plan.json"
VALID_BATCH = (
    b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}],'
    b'"user_attributes":{"plan":"pro"}}'
)

try:
    import pre_commit  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    pytestmark = pytest.mark.skip(reason="pre-commit is not installed (pip install pre-commit)")
else:
    if shutil.which("git") is None:  # pragma: no cover
        pytestmark = pytest.mark.skip(reason="git is not installed")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=dpv",
            "-c",
            "user.email=dpv@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict:
    """PATH with a `dpv` that runs this checkout, and a private pre-commit cache."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dpv"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m validator "$@"\n')
    shim.chmod(0o755)
    environment = dict(os.environ)
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment.get('PATH', '')}"
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    environment["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    environment.pop("DPV_REQUIRE_SPEEDUPS", None)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):  # when the suite itself runs in a git hook
        environment.pop(name, None)
    return environment


@pytest.fixture
def hooks_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "hooks"
    repo.mkdir()
    shutil.copy(HOOKS, repo / ".pre-commit-hooks.yaml")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "hooks")
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    (repo / "plans").mkdir(parents=True)
    (repo / "samples").mkdir()
    shutil.copy(PLAN, repo / "plans" / "web_plan.json")
    broken = {"data_points": [{"match": {"type": "custom_event"}, "validator": {"type": "json_schema"}}]}
    (repo / "plans" / "broken_plan.json").write_text(json.dumps(broken))
    (repo / "samples" / "good.ndjson").write_bytes(VALID_BATCH + b"\n")
    (repo / "samples" / "bad.ndjson").write_bytes(
        b'{"events":[{"event_type":"screen_view","data":{"screen_name":"X"}}]}\n'
    )
    (repo / "package.json").write_text("{}")  # JSON that is not a plan: the default `files` leaves it alone
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


def _pre_commit(cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_dpv_lint_with_try_repo(hooks_repo: Path, project: Path, env: dict) -> None:
    good = _pre_commit(
        project, env, "try-repo", str(hooks_repo), "dpv-lint", "--files", "plans/web_plan.json"
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "dpv lint (mParticle data plans)" in good.stdout and "Passed" in good.stdout
    every = _pre_commit(project, env, "try-repo", str(hooks_repo), "dpv-lint", "--all-files")
    assert every.returncode == 1, every.stdout + every.stderr
    assert "plans/broken_plan.json:1: error: [missing-criteria] data point 0 (custom_event)" in every.stdout
    assert "package.json" not in every.stdout


def test_dpv_validate_with_a_plan_in_args(hooks_repo: Path, project: Path, env: dict) -> None:
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hooks_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = (
        f"repos:\n- repo: {hooks_repo}\n  rev: {rev}\n  hooks:\n"
        "  - id: dpv-validate\n    args: [--plan, plans/web_plan.json]\n"
    )
    (project / ".pre-commit-config.yaml").write_text(config)
    _git(project, "add", ".pre-commit-config.yaml")
    good = _pre_commit(project, env, "run", "dpv-validate", "--files", "samples/good.ndjson")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = _pre_commit(project, env, "run", "dpv-validate", "--all-files")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "samples/bad.ndjson:1" in bad.stdout  # the summary's first-seen example of the violation
