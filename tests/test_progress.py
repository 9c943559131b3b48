"""The progress line: figures, position as stored (compressed bytes for gzip), redraw rate, when it shows."""

from __future__ import annotations

import gzip
import io
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator import progress as progress_module
from validator.cli import main
from validator.progress import Progress, interactive
from validator.readers import open_records
from validator.readers.position import current_position

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "plan.json"
BATCHES = ROOT / "examples" / "batches.ndjson.gz"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", fake)
    return fake


def test_the_line_has_percent_elapsed_eta_rates_file_and_violations(
    clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_bytes(b"x" * 3_000_000)
    second.write_bytes(b"x" * 1_000_000)
    where = [(str(second), 0)]
    shown = Progress(Terminal(), enabled=True, paths=[str(first), str(second)], position=lambda: where[0])
    clock.now += 10
    for number in range(100):
        shown.update(10_000, number % 4 != 0, 5)
    text = shown.line(clock.now)
    # 3 MB of the first file and none of the second: 75 %, 10 s for 3 MB, so 3.3 s to go
    assert text.startswith(" 75%  3.0/4.0 MB  0:10  ETA 0:03  0.3 MB/s  50 events/s  100 batches, 25 invalid")
    monkeypatch.setattr(
        progress_module.shutil, "get_terminal_size", lambda fallback: os.terminal_size((200, 24))
    )
    shown._draw(clock.now)
    assert shown.stream.getvalue().endswith(f"\r{text}  {second}\x1b[K")
    monkeypatch.setattr(
        progress_module.shutil, "get_terminal_size", lambda fallback: os.terminal_size((100, 24))
    )
    shown._draw(clock.now)  # too narrow for the path: its name
    assert shown.stream.getvalue().endswith(f"\r{text}  b.ndjson\x1b[K")


def test_without_a_known_size_there_is_no_percent_or_eta(clock: Clock) -> None:
    shown = Progress(Terminal(), enabled=True, paths=["-"], position=lambda: None)
    clock.now += 2
    shown.update(2_000_000, True, 7)
    assert shown.line(clock.now) == "2.0 MB  0:02  1.0 MB/s  4 events/s  1 batches, 0 invalid"


def test_redrawn_at_most_four_times_a_second_and_the_clock_read_rarely(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks = []
    real = progress_module.time.monotonic

    def counting() -> float:
        looks.append(1)
        return real()

    monkeypatch.setattr(progress_module.time, "monotonic", counting)
    stream = Terminal()
    shown = Progress(stream, enabled=True, paths=["-"], position=lambda: None)
    for _ in range(100_000):  # 10,000 batches a second for 10 s
        clock.now += 0.0001
        shown.update(100, True, 1)
    draws = stream.getvalue().count("\r")
    assert 30 <= draws <= 41  # 4 a second, never more
    assert len(looks) < 1_000  # the clock is read every so many batches, not per batch
    shown.close()
    assert stream.getvalue().endswith("\n")


def test_gzip_progress_counts_compressed_bytes_to_100_percent(clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson.gz"
    noise = random.Random(1)
    lines = [
        b'{"events":[{"event_type":"screen_view","data":{"screen_name":"%032x"}}]}\n' % noise.getrandbits(128)
        for _ in range(50_000)
    ]
    path.write_bytes(gzip.compress(b"".join(lines)))
    assert 512 << 10 < os.path.getsize(path) < len(b"".join(lines)) // 2  # several reads, far fewer bytes
    shown = Progress(Terminal(), enabled=True, paths=[str(path)])
    offsets, percents = [], []
    for record in open_records(str(path)):
        if record.line % 10_000 == 5_000:
            offsets.append(current_position())
            percents.append(int(shown.line(clock.now + 1)[:3]))  # a poll, as a redraw makes
        shown.update(len(record.raw), True, 1)
    assert all(where is not None and where[0] == str(path) for where in offsets)
    assert all(0 < where[1] <= os.path.getsize(path) for where in offsets if where)
    assert percents == sorted(percents) and percents[0] < 50 and len(set(percents)) > 2
    assert current_position() is None  # the file is closed
    assert shown.line(clock.now + 1).startswith("100%")  # the last file seen is closed: read to its end


def test_shown_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert interactive(Terminal())
    assert not interactive(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not interactive(Terminal())
    monkeypatch.setenv("CI", "false")
    assert interactive(Terminal())
    disabled = Progress(Terminal(), enabled=False)
    for _ in range(10_000):
        disabled.update(1, True, 1)
    disabled.close()
    assert disabled.stream.getvalue() == ""


def test_quiet_and_pipes_get_no_progress_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = CliRunner().invoke(main, ["validate", "--plan", str(PLAN), str(BATCHES)])
    assert "\r" not in result.stderr
    made = []
    original = progress_module.Progress.__init__

    def spy(self: Progress, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self.enabled)

    monkeypatch.setattr(progress_module.Progress, "__init__", spy)
    CliRunner().invoke(main, ["validate", "-q", "--plan", str(PLAN), str(BATCHES)])
    assert made == [False]
