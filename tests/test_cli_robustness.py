"""The dpv command never crashes, never hangs and never loses a batch: exit codes, signals, output files,
inputs that are streams, damaged, empty, too long or not batches at all, and the kernel it says it uses."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from validator import cli
from validator.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"
VALID = b'{"events":[{"event_type":"screen_view","data":{"screen_name":"Home"}}]}'
VALID_RESULT = b'{"results":[],"batch":{}}'
INTERNAL_HINT = " (rerun with --traceback to see where)\n"


def run(*args: object, input: bytes | None = None) -> tuple:
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def dpv(*args: object, **options: Any) -> subprocess.CompletedProcess:
    """dpv in its own process, as a user runs it (signals, real stdin, real file descriptors)."""
    options.setdefault("capture_output", True)
    options.setdefault("timeout", 60)
    return subprocess.run([sys.executable, "-m", "validator", *map(str, args)], check=False, **options)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- exit 4: internal errors --------------------------------------------------------------------------


def test_a_full_disk_is_exit_4_with_one_line_and_a_hint() -> None:
    done = dpv("validate", "-q", "--plan", PLAN, "-o", "/dev/full", BATCHES)
    assert done.returncode == 4
    assert (
        done.stderr
        == b"dpv: internal error: OSError: [Errno 28] No space left on device" + INTERNAL_HINT.encode()
    )


def test_traceback_shows_where() -> None:
    done = dpv("validate", "-q", "--plan", PLAN, "-o", "/dev/full", "--traceback", BATCHES)
    assert done.returncode == 4
    assert done.stderr.startswith(b"Traceback (most recent call last):\n")
    assert done.stderr.endswith(b"\ndpv: internal error: OSError: [Errno 28] No space left on device\n")


def test_memory_error_and_bugs_are_exit_4(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(cli, "scan", broken)
    assert run("validate", "--plan", PLAN, BATCHES) == (
        4,
        b"",
        b"dpv: internal error: MemoryError" + INTERNAL_HINT.encode(),
    )
    monkeypatch.setattr(cli, "scan", lambda *a, **k: iter([None]))  # an item no code path expects
    code, _, err = run("validate", "--plan", PLAN, BATCHES)
    assert code == 4 and err.startswith(b"dpv: internal error: AttributeError: ") and err.count(b"\n") == 1
    assert not list(tmp_path.iterdir())


def test_an_error_in_the_report_loop_closes_the_scan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The scan's own clean-up ends the --jobs workers; a signal or an error that lands while the
    # report loop (not the scan) runs reaches it only if the loop closes the scan on its way out.
    closed = []

    def scan(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield None  # an item no code path expects: the loop fails on it
            yield None
        finally:
            closed.append(True)

    monkeypatch.setattr(cli, "scan", scan)
    code, _, err = run("validate", "--plan", PLAN, "-o", tmp_path / "r", BATCHES)
    assert code == 4 and err.startswith(b"dpv: internal error: AttributeError: ")
    assert closed == [True]
    assert not list(tmp_path.iterdir())


# -- signals ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_fifo(path: Path) -> Iterator[int]:
    """A FIFO with a writer that never closes it: whoever reads it waits forever."""
    os.mkfifo(path)
    descriptor = os.open(path, os.O_RDWR)  # O_RDWR: opens at once, and keeps a writer present
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _workers(pid: int) -> list:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return children.read_text().split() if children.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    ("signum", "to_group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143), (signal.SIGINT, False, 130)],
    ids=["sigint-group", "sigterm-parent", "sigint-parent"],
)
def test_signals_end_every_worker_and_remove_temp_files(
    tmp_path: Path, signum: int, to_group: bool, code: int
) -> None:
    big = _write(tmp_path / "big.ndjson", gzip.decompress(BATCHES.read_bytes()) * 2000)  # busy workers
    outputs = tmp_path / "out"
    outputs.mkdir()
    with _open_fifo(tmp_path / "fifo") as writer:
        os.write(writer, VALID + b"\n")
        process = subprocess.Popen(
            [sys.executable, "-m", "validator", "validate", "-q", "--plan", str(PLAN), "--jobs", "2"]
            + [
                "-o",
                str(outputs / "r"),
                "--valid-out",
                str(outputs / "v"),
                "--invalid-out",
                str(outputs / "i"),
            ]
            + [str(big), str(tmp_path / "fifo")],
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while len(_workers(process.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(_workers(process.pid)) == 2
            time.sleep(0.5)
            assert {p.name[:3] for p in outputs.iterdir()} == {
                ".r.",
                ".v.",
                ".i.",
            }  # temp files, being written
            sent = time.monotonic()
            if to_group:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
            assert process.wait(timeout=10) == code
            stderr = process.stderr.read()  # type: ignore[union-attr]
            while _group_alive(process.pid) and time.monotonic() < sent + 2:
                time.sleep(0.05)
            assert time.monotonic() - sent < 2
            assert not _group_alive(process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    assert stderr == (b"dpv: interrupted\n" if signum == signal.SIGINT else b"dpv: terminated\n")
    assert list(outputs.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_that_dies_ends_the_run_with_exit_4_instead_of_a_hang(tmp_path: Path) -> None:
    # No FIFO here: the main process must be waiting for results (not blocked on a stream's read,
    # which it leaves only when the stream delivers) when the worker dies.
    big = _write(tmp_path / "big.ndjson", gzip.decompress(BATCHES.read_bytes()) * 4000)
    process = subprocess.Popen(
        [sys.executable, "-m", "validator", "validate", "-q", "--plan", str(PLAN), "--jobs", "2"]
        + ["-o", str(tmp_path / "r"), str(big)],
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(int(_workers(process.pid)[0]), signal.SIGKILL)  # as the out-of-memory killer would
        assert process.wait(timeout=10) == 4
        stderr = process.stderr.read()  # type: ignore[union-attr]
        deadline = time.monotonic() + 2
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert re.fullmatch(
        rb"dpv: internal error: WorkerDied: a worker process ended in the middle of the run "
        rb"\(killed, or out of memory\?\); its batches cannot be accounted for "
        rb"\(rerun with --traceback to see where\)\n",
        stderr,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.ndjson"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_main_process_leaves_no_worker_behind(tmp_path: Path) -> None:
    big = _write(tmp_path / "big.ndjson", gzip.decompress(BATCHES.read_bytes()) * 2000)
    process = subprocess.Popen(
        [sys.executable, "-m", "validator", "validate", "-q", "--plan", str(PLAN), "--jobs", "2"]
        + ["-o", str(tmp_path / "r"), str(big)],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_workers(process.pid)) == 2
        process.kill()
        process.wait(timeout=10)
        deadline = time.monotonic() + 2
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(process.pid)  # without PR_SET_PDEATHSIG they would wait for ever
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_spooled_stream_is_removed_on_sigterm(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    spool = tmp_path / "tmp"
    spool.mkdir()
    with _open_fifo(tmp_path / "fifo") as writer:
        os.write(writer, b"PAR1" + b"\0" * 1000)  # Parquet is spooled to a temp file before reading
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "validator",
                "validate",
                "-q",
                "--plan",
                str(PLAN),
                str(tmp_path / "fifo"),
            ],
            stderr=subprocess.PIPE,
            env={**os.environ, "TMPDIR": str(spool)},
        )
        deadline = time.monotonic() + 30
        while not list(spool.rglob("input.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(spool.rglob("input.parquet"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 143
    assert list(spool.iterdir()) == []


def test_kill_9_never_leaves_a_truncated_destination(tmp_path: Path) -> None:
    destination = _write(tmp_path / "results.ndjson", b"the previous report\n")
    many = _write(tmp_path / "many.ndjson", (VALID + b"\n") * 100_000)  # over 1 MiB of results: flushed
    with _open_fifo(tmp_path / "fifo") as _:
        process = subprocess.Popen(
            [sys.executable, "-m", "validator", "validate", "-q", "--plan", str(PLAN), "-o", str(destination)]
            + [str(many), str(tmp_path / "fifo")],  # then waits on the FIFO, mid-report
        )
        try:
            deadline = time.monotonic() + 60
            temp: list = []
            while not any(p.stat().st_size for p in temp) and time.monotonic() < deadline:
                time.sleep(0.05)
                temp = list(tmp_path.glob(".results.ndjson.*.tmp"))
            assert temp and temp[0].stat().st_size > 0  # partly written
        finally:
            process.kill()
            process.wait(timeout=10)
    assert destination.read_bytes() == b"the previous report\n"


# -- output files -------------------------------------------------------------------------------------

OUTPUT_OPTIONS = ["-o", "--valid-out", "--invalid-out", "--clean-out", "--quarantine-out"]


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("option", OUTPUT_OPTIONS)
def test_new_outputs_get_the_umask_mode_and_replaced_ones_keep_theirs(tmp_path: Path, option: str) -> None:
    new, kept = tmp_path / "new", _write(tmp_path / "kept", b"old\n")
    kept.chmod(0o604)
    with _umask(0o022):
        assert run("validate", "--plan", PLAN, option, new, BATCHES)[0] == 1
        assert run("validate", "--plan", PLAN, option, kept, BATCHES)[0] == 1
    with _umask(0o027):
        assert run("validate", "--plan", PLAN, option, tmp_path / "private", BATCHES)[0] == 1
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_bytes() != b"old\n"
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o640


def test_output_on_a_symlink_writes_its_target(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    target = _write(tmp_path / "reports" / "r.ndjson", b"old\n")
    link = tmp_path / "latest"
    link.symlink_to(target)
    code, out, _ = run("validate", "--plan", PLAN, "-o", link, BATCHES)
    assert (code, out) == (1, b"")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == (ROOT / "tests" / "golden" / "examples.results.ndjson").read_bytes()


@pytest.mark.parametrize("option", OUTPUT_OPTIONS)
def test_an_output_that_is_an_input_is_refused_before_anything_is_read(tmp_path: Path, option: str) -> None:
    data = VALID + b"\n"
    batches = _write(tmp_path / "in.ndjson", data)
    link = tmp_path / "link"
    link.symlink_to(batches)
    for output, given in (
        (batches, batches),
        (link, batches),
        (batches, link),
        (tmp_path / "." / "in.ndjson", batches),
    ):
        code, out, err = run("validate", "--plan", PLAN, option, output, given)
        assert (code, out) == (2, b"")
        assert f"{option} {output} is also an input ({given}): refusing to overwrite" in err.decode()
        assert batches.read_bytes() == data
    code, _, err = run("validate", "--plan", PLAN, option, PLAN, batches)  # the plan is an input too
    assert code == 2 and b"is also an input" in err


def test_two_outputs_on_one_file_are_refused(tmp_path: Path) -> None:
    code, _, err = run(
        "validate", "--plan", PLAN, "-o", tmp_path / "x", "--invalid-out", tmp_path / "x", BATCHES
    )
    assert code == 2 and f"--invalid-out {tmp_path / 'x'} is also -o {tmp_path / 'x'}".encode() in err
    assert run("validate", "--plan", PLAN, "-o", os.devnull, "--valid-out", os.devnull, BATCHES)[0] == 1


@pytest.mark.parametrize("option", OUTPUT_OPTIONS)
def test_a_missing_output_directory_is_one_line_and_exit_3(tmp_path: Path, option: str) -> None:
    missing = tmp_path / "nope" / "out.ndjson"
    assert run("validate", "--plan", PLAN, option, missing, BATCHES) == (
        3,
        b"",
        f"dpv: cannot write {missing}: there is no directory {missing.parent}\n".encode(),
    )


def test_lint_and_diff_outputs_fail_cleanly_too(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "out"
    for args in (("lint", "-o", missing, PLAN), ("diff", "-o", missing, PLAN, PLAN)):
        assert run(*args) == (
            3,
            b"",
            f"dpv: cannot write {missing}: there is no directory {missing.parent}\n".encode(),
        )


# -- inputs: streams, damage, directories, nothing at all, plans ---------------------------------------


def test_broken_first_lines_still_give_one_result_per_line_and_split_outputs_add_up(tmp_path: Path) -> None:
    data = b'{"a":NaN}\n{"b":"\xff\n' + gzip.decompress(BATCHES.read_bytes())
    path = _write(tmp_path / "in.ndjson", data)
    valid, invalid = tmp_path / "valid", tmp_path / "invalid"
    for jobs in ("1", "2"):
        code, out, _ = run(
            "validate", "--plan", PLAN, "--jobs", jobs, "--valid-out", valid, "--invalid-out", invalid, path
        )
        assert code == 1
        assert len(out.splitlines()) == len(data.splitlines())
        assert json.loads(out.splitlines()[0])["source"]["line"] == 1
        assert (
            out.splitlines()[2:]
            == (ROOT / "tests" / "golden" / "examples.results.ndjson").read_bytes().splitlines()
        )
        assert sorted(valid.read_bytes().splitlines() + invalid.read_bytes().splitlines()) == sorted(
            data.splitlines()
        )


def test_gzip_with_trailing_garbage_validates_every_batch_then_reports_the_rest(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.gz", gzip.compress(VALID + b"\n" + VALID + b"\n") + b"garbage")
    code, out, err = run("validate", "--plan", PLAN, path)
    assert (code, out) == (3, (VALID_RESULT + b"\n") * 2)
    assert (
        err
        == f"dpv: {path}: cannot read from line 3 on: trailing garbage after the last gzip member\n".encode()
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_dev_stdin_fifos_and_process_substitution(tmp_path: Path, jobs: str) -> None:
    data = gzip.compress(VALID + b"\n")
    done = dpv("validate", "-q", "--jobs", jobs, "--plan", PLAN, "/dev/stdin", input=data)
    assert (done.returncode, done.stdout, done.stderr) == (0, VALID_RESULT + b"\n", b"")
    gz = _write(tmp_path / "x.gz", data)
    command = (
        f"{sys.executable} -m validator validate -q --jobs {jobs} --plan {PLAN} <(zcat {gz}) <(cat {gz})"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, (VALID_RESULT + b"\n") * 2, b"")
    os.mkfifo(tmp_path / "fifo")
    writer = threading.Thread(target=(tmp_path / "fifo").write_bytes, args=(data,))  # opens when dpv does
    writer.start()
    done = dpv("validate", "-q", "--jobs", jobs, "--plan", PLAN, tmp_path / "fifo")
    writer.join(5)
    assert (done.returncode, done.stdout, done.stderr) == (0, VALID_RESULT + b"\n", b"")


def test_a_directory_scan_names_what_it_skips(tmp_path: Path) -> None:
    _write(tmp_path / "a.ndjson", VALID + b"\n")
    os.mkfifo(tmp_path / "b.fifo")
    (tmp_path / "c.link").symlink_to(tmp_path / "gone")
    _write(tmp_path / ".hidden", b"not json\n")
    code, out, err = run("validate", "--plan", PLAN, tmp_path)
    assert (code, out) == (0, VALID_RESULT + b"\n")
    assert err.decode().splitlines() == [
        f"dpv: warning: {tmp_path / 'b.fifo'}: skipped: a FIFO (name it on its own to read it)",
        f"dpv: warning: {tmp_path / 'c.link'}: skipped: a dangling symbolic link",
    ]


EMPTY_WARNING = (
    b"dpv: warning: no batch in the input (empty files, directory or stdin); "
    b"pass --allow-empty if that is expected\n"
)


def test_no_batch_at_all_is_exit_3_unless_allowed(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.ndjson", b"\n \n")
    assert run("validate", "--plan", PLAN, empty) == (3, b"", EMPTY_WARNING)
    (tmp_path / "dir").mkdir()
    assert run("validate", "--plan", PLAN, tmp_path / "dir") == (3, b"", EMPTY_WARNING)
    assert run("validate", "--plan", PLAN, input=b"") == (3, b"", EMPTY_WARNING)
    assert run("validate", "--plan", PLAN, "--allow-empty", empty, tmp_path / "dir") == (0, b"", b"")
    code, out, _ = run("validate", "--plan", PLAN, "--format", "summary", "--allow-empty", empty)
    assert code == 0 and b"0" in out


def test_a_plan_among_the_inputs_is_named_not_passed(tmp_path: Path) -> None:
    one_line = _write(tmp_path / "plans.ndjson", json.dumps(json.loads(PLAN.read_bytes())).encode() + b"\n")
    code, out, _ = run("validate", "--plan", PLAN, "--with-source", PLAN, one_line)
    message = "this is a data plan, not a batch: pass it with --plan"
    assert code == 1
    assert [json.loads(line) for line in out.splitlines()] == [
        {"error": message, "source": {"file": str(PLAN), "line": 1}},
        {"error": message, "source": {"file": str(one_line), "line": 1}},
    ]
    for key in ("version_document", "data_plan_versions", "dtpn"):
        assert json.loads(run("validate", "--plan", PLAN, input=b'{"%s":{}}\n' % key.encode())[1]) == {
            "error": message,
            "source": {"file": "<stdin>", "line": 1},
        }


def test_max_line_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.ndjson", VALID + b"\n" + b'{"pad":"' + b"x" * 2000 + b'"}\n' + VALID + b"\n")
    for jobs in ("1", "2"):
        code, out, _ = run("validate", "--plan", PLAN, "--jobs", jobs, "--max-line-bytes", "1K", path)
        assert code == 1
        lines = out.splitlines()
        assert (lines[0], lines[2]) == (VALID_RESULT, VALID_RESULT)
        assert json.loads(lines[1]) == {
            "error": "line too long: 2,010 bytes, over the limit of 1,024 (--max-line-bytes); not read",
            "source": {"file": str(path), "line": 2},
        }
    assert run("validate", "--plan", PLAN, "--max-line-bytes", "0", path)[0] == 0
    code, _, err = run("validate", "--plan", PLAN, "--max-line-bytes", "lots", path)
    assert code == 2 and b"--max-line-bytes" in err


# -- the kernel it runs, exit codes in the help ---------------------------------------------------------

WITHOUT_COMPILED = (  # as if the compiled kernel had not been built
    "import sys; sys.modules['validator._kernel_c'] = None; "
    "from validator.cli import main; main(prog_name='dpv')"
)


def _without_compiled(*args: object, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DPV_NO_SPEEDUPS", "DPV_REQUIRE_SPEEDUPS")
    }
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_COMPILED, *map(str, args)],
        capture_output=True,
        timeout=60,
        check=False,
        env={**environment, **env},
    )


def test_the_pure_python_fallback_says_so_once() -> None:
    done = _without_compiled("validate", "--plan", PLAN, BATCHES, "-o", os.devnull)
    assert done.returncode == 1
    assert done.stderr == (
        b"dpv: using the pure-Python kernel (the compiled kernel is not built); it is several times slower: "
        b"reinstall with a C compiler, or set DPV_NO_SPEEDUPS=1 to choose it\n"
    )
    assert (
        _without_compiled("validate", "--plan", PLAN, BATCHES, "-o", os.devnull, DPV_NO_SPEEDUPS="1").stderr
        == b""
    )
    assert _without_compiled("-V").stdout == b"dpv 0.1.0 (kernel: python: the compiled kernel is not built)\n"
    assert (
        _without_compiled("--version", DPV_NO_SPEEDUPS="1").stdout
        == b"dpv 0.1.0 (kernel: python, chosen by DPV_NO_SPEEDUPS)\n"
    )
    done = _without_compiled("validate", "--kernel", "cython", "--plan", PLAN, BATCHES)
    assert done.returncode == 2 and b"--kernel: the compiled kernel is not available" in done.stderr


def test_version_names_the_kernel() -> None:
    import validator

    assert run("-V")[:2] == run("--version")[:2]
    assert re.fullmatch(rb"dpv 0\.1\.0 \(kernel: (cython|python[^)]*)\)\n", run("-V")[1])
    assert (b"cython" in run("-V")[1]) == (validator.BACKEND == "cython")


def test_validate_help_lists_the_exit_codes() -> None:
    text = run("validate", "--help")[1].decode()
    for line in (
        "0    every batch is valid",
        "2    usage error",
        "4    internal error",
        "130  interrupted (SIGINT)",
        "143  terminated (SIGTERM)",
    ):
        assert line in text
    assert "--traceback" in text and "--allow-empty" in text and "--max-line-bytes" in text
