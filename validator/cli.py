"""The `dpv` command line: options -> readers, validator, reporters -> exit code. No validation logic.

Exit codes: 0 every batch valid, 1 violations (or batches that could not be validated),
2 usage error, 3 a plan is unusable, an input file cannot be read, an output file cannot be
created, or there was no batch at all (without --allow-empty), 4 internal error (any unexpected
exception, a full disk, out of memory), 130 interrupted (SIGINT), 143 terminated (SIGTERM).
With gate options (--fail-on, --max-violations, --ignore-unplanned), 1 means more than N violating
batches, a violating batch being one with an error of a --fail-on type, or one that could not be validated.
`dpv lint` and `dpv diff` follow the same codes (see their help).
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

# pyarrow loads numpy, whose OpenBLAS starts a pool of spinning threads at import: dpv never does
# linear algebra, and on a small machine those threads take CPU from validation (a Parquet run on
# two cores took a fifth longer). A user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click
import orjson

from . import __version__, _kernel, config
from .api import load_plan
from .atomic import OutputError, atomic_output, output_target
from .blocking import LineBlocker
from .errors import PlanError, PlanProblem
from .plan import PlanVersion, read_file
from .progress import Progress
from .readers import ParquetOptions
from .readers.ndjson import MAX_LINE_BYTES
from .reports import DETAILED_FORMATS, FORMATS, Block, Outcome, Tally, make_reporter
from .reports.style import CHOICES as COLOR_CHOICES
from .reports.style import Style, use_color
from .reports.violations import ERROR_TYPES, load_result
from .scan import FileFailure, expand_inputs, scan
from .schema.jsregex import MATCH_TIMEOUT, time_limit

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM  # 130, 143: the shells' convention


def _jobs(value: str) -> int:
    if value == "auto":
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        jobs = int(value)
    except ValueError:
        raise click.BadParameter("must be a positive number or 'auto'") from None
    if jobs < 1:
        raise click.BadParameter("must be at least 1")
    return jobs


def _seconds(value: float) -> float:
    try:
        return time_limit(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _pairs(values: tuple, option: str, parse_value: bool) -> tuple:
    pairs = []
    for item in values:
        left, sep, right = item.partition("=")
        if not sep or not left:
            raise click.BadParameter(f"expected LEFT=RIGHT, got {item!r}", param_hint=option)
        if parse_value:
            try:
                pairs.append((left, orjson.loads(right)))
            except orjson.JSONDecodeError:
                pairs.append((left, right))  # a bare word is a string
        else:
            pairs.append((left, right))
    return tuple(pairs)


def _fail_on(text: Optional[str], ignore_unplanned: bool) -> frozenset:
    """The validation_error_types that fail the run, from --fail-on TYPES and --ignore-unplanned."""
    if text is None:
        types = set(ERROR_TYPES)
    else:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in ERROR_TYPES and name != "all"]
        if unknown or not names:
            raise click.BadParameter(
                f"expected a comma list of {', '.join(ERROR_TYPES)} (or all), got {text!r}",
                param_hint="--fail-on",
            )
        types = set(ERROR_TYPES) if "all" in names else set(names)
    if ignore_unplanned:
        types.discard("unplanned")
    return frozenset(types)


class _Gate:
    """Counts violating batches for --fail-on / --max-violations / --ignore-unplanned.

    A batch violates when it has at least one validation error whose type is in `fail_on`, or when it
    could not be validated at all; the run fails when more than `max_violations` batches violate.
    """

    def __init__(self, fail_on: frozenset, max_violations: int) -> None:
        self.fail_on = fail_on
        self.max_violations = max_violations
        self.violations = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.valid:
            return
        # Only here, and only for batches that are not valid, are result lines parsed for their types:
        # runs without gate options keep the fast path.
        if outcome.failed or not self.fail_on.isdisjoint(_error_types(outcome.result)):
            self.violations += 1

    @property
    def failed(self) -> bool:
        return self.violations > self.max_violations


def _error_types(result: bytes) -> set:
    return {
        error.get("validation_error_type")
        for item in load_result(result).get("results", [])
        for error in item.get("data", {}).get("validation_errors", [])
    }


def _warn_problem(version: PlanVersion, problem: PlanProblem) -> None:
    """A data point (or version) the reference fails on: said once, when its version compiles."""
    click.echo(
        f"dpv: warning: {version.source}: {problem}: batches that reach it fail "
        "(--strict-plan refuses the plan)",
        err=True,
    )


def _fail(message: str, code: int) -> None:
    click.echo(f"dpv: {message}", err=True)
    sys.exit(code)


# -- how a run ends: internal errors, signals ---------------------------------------------------------


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every `with` block unwinds (temp files go)."""


@contextlib.contextmanager
def _signals_end_the_run() -> Iterator[None]:
    """SIGINT and SIGTERM raise in the main thread, once: a second signal cannot cut the clean-up short.

    A child forked before it set its own handlers (a --jobs worker) dies of SIGTERM as by default.
    """
    owner = os.getpid()

    def interrupted(signum: int, frame: Any) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else _Terminated

    try:
        previous = {number: signal.signal(number, interrupted) for number in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (an embedding application): leave its handlers alone
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _exit_after_signal(message: str, code: int) -> None:
    """Say why and end with `code`, the clean-up (temp files, workers) being done already.

    A --jobs run leaves the process pool's threads behind, and interpreter shutdown joins them: one
    blocked reading a result that a terminated worker had half written would hang the exit for ever.
    So when such threads are left, the process ends at once, its output flushed.
    """
    click.echo(message, err=True)
    if threading.active_count() == 1:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


class _Dpv(click.Group):
    """The command group; ends every command with a documented exit code, never a bare traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        with _signals_end_the_run():
            try:
                return super().invoke(ctx)
            except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except KeyboardInterrupt:
                _exit_after_signal("dpv: interrupted", EXIT_SIGINT)
            except _Terminated:
                _exit_after_signal("dpv: terminated", EXIT_SIGTERM)
            except OutputError as exc:
                _fail(str(exc), EXIT_UNUSABLE)
            except BrokenPipeError:
                raise  # a closed pipe downstream (dpv ... | head): click ends quietly
            except Exception as exc:  # MemoryError, a full disk and bugs alike: one line, then exit 4
                if ctx.meta.get(_TRACEBACK):
                    import traceback

                    traceback.print_exc()
                    _fail(f"internal error: {_describe(exc)}", EXIT_INTERNAL)
                _fail(
                    f"internal error: {_describe(exc)} (rerun with --traceback to see where)", EXIT_INTERNAL
                )


_TRACEBACK = "dpv.traceback"


def _traceback_option(function: Callable) -> Callable:
    def remember(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta[_TRACEBACK] = True

    return _eager_option(
        "--traceback",
        is_flag=True,
        callback=remember,
        help="On an internal error (exit 4), print the Python traceback.",
    )(function)


def _eager_option(*declarations: str, callback: Callable, **options: Any) -> Callable:
    """An option read before all others, only for its callback (it is no parameter of the command)."""
    return click.option(*declarations, is_eager=True, expose_value=False, callback=callback, **options)


def _version_text() -> str:
    if _kernel.FALLBACK:
        kernel = "python: the compiled kernel is not built"
    elif _kernel.BACKEND == "python":
        kernel = "python, chosen by DPV_NO_SPEEDUPS"
    else:
        kernel = _kernel.BACKEND
    return f"dpv {__version__} (kernel: {kernel})"


def _kernel_notice(kernel: Optional[str]) -> None:
    """Say once that the pure kernel runs when nobody chose it (DPV_NO_SPEEDUPS=1 is a choice)."""
    if kernel is None and _kernel.FALLBACK:
        click.echo(
            "dpv: using the pure-Python kernel (the compiled kernel is not built); it is several "
            "times slower: reinstall with a C compiler, or set DPV_NO_SPEEDUPS=1 to choose it",
            err=True,
        )


# -- what every command shares: configuration, colour, verbosity, help in sections ----------------------

_CONFIG = "dpv.config"  # ctx.meta: the Config in use, or None
_CONFIG_CHOICE = "dpv.config-choice"  # ctx.meta: --config and --isolated as given


def _config_options(function: Callable) -> Callable:
    """--config FILE and --isolated. Both are eager, so the file's settings are in place as the command's
    defaults (click's default_map) before any other option is read: the command line overrides them.
    """

    def remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        choice = ctx.meta.setdefault(_CONFIG_CHOICE, {})
        choice[param.name] = value
        if len(choice) == 2:  # click calls both callbacks, given or not
            _apply_config(ctx, choice["config_path"], choice["isolated"])

    function = _eager_option(
        "--isolated", is_flag=True, callback=remember, help="Ignore every configuration file."
    )(function)
    return _eager_option(
        "--config",
        "config_path",
        metavar="FILE",
        callback=remember,
        help="Settings from FILE (dpv.toml, or pyproject.toml's [tool.dpv]) instead of the nearest one "
        "found from the working directory upward.",
    )(function)


def _apply_config(ctx: click.Context, path: Optional[str], isolated: bool) -> None:
    """Load the configuration file and make its settings the command's defaults; a bad file is exit 2."""
    if isolated and path:
        raise click.UsageError("--config and --isolated contradict each other: give one")
    loaded = None
    if not isolated:
        try:
            found = path or config.find(os.getcwd())
            loaded = config.load(found) if found else None
        except config.ConfigError as exc:
            raise click.UsageError(str(exc)) from None
    ctx.meta[_CONFIG] = loaded
    if loaded is None:
        return
    options = {name: param for param in ctx.command.params for name in param.opts}
    defaults = {}
    for key, value in loaded.settings(str(ctx.command.name)).items():
        param = options[f"--{key}"]
        try:
            param.process_value(ctx, value)  # the option's own type and checks, so errors name the file
        except click.BadParameter as exc:
            raise click.UsageError(f"{loaded.path}: {key}: {exc.message}") from None
        defaults[str(param.name)] = value
    ctx.default_map = {**(ctx.default_map or {}), **defaults}


def _talk_options(function: Callable) -> Callable:
    """-q and -v, the same on every command: -q says nothing but errors on stderr (no progress, no
    warnings), -v says more (the configuration file and kernel in use, what was read, how long it took).
    """
    function = click.option(
        "-v", "--verbose", is_flag=True, help="More on stderr: configuration, kernel, timing."
    )(function)
    return click.option(
        "-q", "--quiet", is_flag=True, help="Nothing on stderr but errors: no progress, no warnings."
    )(function)


def _color_option(function: Callable) -> Callable:
    return click.option(
        "--color",
        type=click.Choice(COLOR_CHOICES),
        default="auto",
        show_default=True,
        help="Colour the text formats (summary, lint and diff text); auto: on a terminal, "
        "unless NO_COLOR is set (FORCE_COLOR forces it).",
    )(function)


def _style(choice: str, output: Optional[str]) -> Style:
    """The colours for a text report written to `output` (None or -: stdout)."""
    return Style(use_color(choice, sys.stdout if output in (None, "-") else None))


def _verbosity(quiet: bool, verbose: bool) -> None:
    """Refuse -q with -v; with -v, say which configuration file is in use."""
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other: give one")
    if verbose:
        ctx = click.get_current_context()
        loaded = ctx.meta.get(_CONFIG)
        choice = ctx.meta.get(_CONFIG_CHOICE, {})
        where = loaded.path if loaded else "ignored (--isolated)" if choice.get("isolated") else "none found"
        click.echo(f"dpv: configuration: {where}", err=True)


class _Sectioned(click.Command):
    """A command whose --help lists its options in named sections (title, option names), then the rest."""

    def __init__(self, *args: Any, sections: tuple = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:  # arguments have none
                records[param.name] = record
        listed: set = set()
        for title, names in self.sections + (("Other options", tuple(records)),):
            rows = [records[name] for name in names if name not in listed and name in records]
            listed.update(names)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(cls=_Dpv, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message=_version_text())
@_traceback_option
def main() -> None:
    """Validate mParticle event batches against Data Plans, offline, with the reference's exact output."""


# -- validate -----------------------------------------------------------------------------------------

_SIZE = re.compile(r"(?i)\s*(\d+)\s*(|k|m|g|kb|mb|gb|kib|mib|gib)\s*")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def _size(value: Any) -> int:
    if isinstance(value, int):
        if value < 0:
            raise click.BadParameter(f"expected a number of bytes (64M, 1G, 1048576), got {value!r}")
        return value
    match = _SIZE.fullmatch(str(value))
    if not match:
        raise click.BadParameter(f"expected a number of bytes (64M, 1G, 1048576), got {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2)[:1].lower()]


def _same_files(paths: list) -> dict:
    """(device, inode) -> path, for the paths that exist (links followed)."""
    found: dict = {}
    for path in paths:
        with contextlib.suppress(OSError):
            info = os.stat(path)
            found.setdefault((info.st_dev, info.st_ino), path)
    return found


def _plan_files(plans: tuple) -> list:
    files = list(plans)
    for plan in plans:
        if os.path.isdir(plan):
            files.extend(str(path) for path in Path(plan).rglob("*.json"))
    return files


def _check_outputs(outputs: list, inputs: list, plans: tuple) -> None:
    """Refuse, before anything is read, outputs that would overwrite an input or plan, or each other.

    Takes (option, path) pairs; raises UsageError (exit 2). A missing directory is exit 3.
    """
    read = _same_files([path for path in inputs if path != "-"] + _plan_files(plans))
    written: dict = {}
    for option, path in outputs:
        if path in (None, "-"):
            continue
        with contextlib.suppress(OSError):
            info = os.stat(path)
            source = read.get((info.st_dev, info.st_ino))
            if source is not None:
                raise click.UsageError(
                    f"{option} {path} is also an input ({source}): refusing to overwrite what is being read"
                )
            if not os.path.isfile(path):
                continue  # /dev/null or a FIFO may take several outputs
        target = output_target(path)
        if target in written:
            raise click.UsageError(
                f"{option} {path} is also {written[target]}: give each output its own file"
            )
        written[target] = f"{option} {path}"
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            _fail(f"cannot write {path}: there is no directory {directory}", EXIT_UNUSABLE)


VALIDATE_EPILOG = """\b
Exit codes:
  0    every batch is valid
  1    violations, or batches that could not be validated (with gates: over --max-violations;
       never with --exit-zero)
  2    usage error (bad option, an output that is also an input)
  3    a plan is unusable, an input cannot be read, an output cannot be created, or no batch
       at all (without --allow-empty)
  4    internal error (unexpected exception, full disk, out of memory; see --traceback)
  130  interrupted (SIGINT)
  143  terminated (SIGTERM)
"""


VALIDATE_SECTIONS = (
    (
        "Input",
        (
            "max_line_text",
            "reference_lines",
            "layout",
            "json_column",
            "batch_key",
            "mappings",
            "settings",
            "pipeline_path",
            "field_transformation_path",
        ),
    ),
    ("Plan", ("plans", "version", "environment", "compat", "lenient_types", "strict_plan")),
    (
        "Output",
        (
            "output_format",
            "output",
            "with_source",
            "error_source",
            "valid_out",
            "invalid_out",
            "clean_out",
            "quarantine_out",
            "block",
            "with_actions",
            "color",
            "quiet",
            "verbose",
        ),
    ),
    (
        "Gates (what fails the run)",
        ("fail_on_text", "max_violations", "ignore_unplanned", "fail_fast", "allow_empty", "exit_zero"),
    ),
    ("Performance", ("jobs", "kernel", "regex_timeout")),
    ("Configuration", ("config_path", "isolated")),
)


@main.command(cls=_Sectioned, epilog=VALIDATE_EPILOG, sections=VALIDATE_SECTIONS)
@click.option(
    "--plan",
    "plans",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Plan file or directory (repeatable; or `plan` in a configuration file); batches are routed by "
    "context.data_plan.",
)
@click.option("--plan-version", "version", type=int, metavar="N", help="Use this version of each plan.")
@click.option(
    "--environment", metavar="ENV", help="Use the version activated for ENV (development/production)."
)
@click.option("--compat", type=click.Choice(["1.0.3"]), help="Reproduce the published npm 1.0.3 exactly.")
@click.option(
    "--lenient-types",
    is_flag=True,
    help='Accept 42 for "42" and "true" for true, as mParticle\'s servers do.',
)
@click.option(
    "--strict-plan",
    is_flag=True,
    help="Refuse (exit 3) a plan with a data point the reference would fail on (a schema ajv refuses, "
    "a point without criteria); by default only the batches that reach it fail, as in the reference.",
)
@click.option(
    "--regex-timeout",
    type=float,
    default=MATCH_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    callback=lambda _context, _option, seconds: _seconds(seconds),
    help="CPU time a pattern or format not proven linear-time may take on one value; past it the "
    "batch gets an error line.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="results",
    show_default=True,
    help="results: the validate endpoint's line per batch; summary: totals for people; json: the same for "
    "machines; junit, github, sarif, gitlab: CI reports.",
)
@click.option("-o", "--output", metavar="FILE", help="Write the report here (atomically) instead of stdout.")
@click.option("--with-source", is_flag=True, help='Add {"file","line"} to every result line.')
@click.option(
    "--error-source/--no-error-source",
    default=True,
    show_default=True,
    help='Add {"file","line"} to error lines (batches that cannot be validated); --no-error-source '
    "writes them as the reference does.",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first batch that is not valid.")
@click.option("--valid-out", metavar="FILE", help="Copy the input lines of valid batches here.")
@click.option(
    "--invalid-out", metavar="FILE", help="Copy the input lines of invalid or unreadable batches here."
)
@click.option(
    "--jobs",
    default="1",
    show_default=True,
    metavar="N|auto",
    callback=lambda _context, _option, text: _jobs(text),
    help="Worker processes.",
)
@click.option(
    "--max-line-bytes",
    "max_line_text",
    default="64M",
    show_default=True,
    metavar="SIZE",
    callback=lambda _context, _option, text: _size(text),
    help="A longer line is an error line, skipped without being read into memory (0: no limit).",
)
@click.option(
    "--allow-empty", is_flag=True, help="No batch at all is a pass (exit 0), not exit 3 with a warning."
)
@click.option(
    "--reference-lines",
    is_flag=True,
    help="Read JSON text as the reference's line reader does: a BOM opening a file stays on its first "
    "line, a lone CR ends a line, any JSON value on a line is validated as a batch, and a file is never "
    "one pretty-printed document.",
)
@click.option(
    "--fail-on",
    "fail_on_text",
    metavar="TYPES",
    help="Comma list of validation_error_types that fail the run: unplanned, missing_required, "
    "invalid_value, unknown (default: all). Batches that cannot be validated always count.",
)
@click.option(
    "--max-violations",
    type=click.IntRange(min=0),
    metavar="N",
    help="Exit 1 only when more than N batches violate (default 0).",
)
@click.option(
    "--ignore-unplanned",
    is_flag=True,
    help="Unplanned events and attributes do not fail the run (drops unplanned from --fail-on).",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Report violations but exit 0; an unusable plan or input is still exit 3, an internal error 4.",
)
@_color_option
@_talk_options
@_config_options
@click.option(
    "--kernel", type=click.Choice(["python", "cython"]), help="Force a kernel (default: compiled if built)."
)
@click.option(
    "--layout",
    type=click.Choice(["auto", "json", "nested", "events"]),
    default="auto",
    show_default=True,
    help="Parquet layout.",
)
@click.option("--json-column", metavar="COLUMN", help="Parquet column holding the batch JSON.")
@click.option(
    "--batch-key", metavar="COLUMN", help="Events layout: rows with equal consecutive values form a batch."
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=POINTER",
    help="Events layout: put a column's value at a JSON pointer of the event (or /batch/...).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="POINTER=VALUE",
    help="Events layout: put a constant (JSON, or a bare string) at a JSON pointer.",
)
@click.option(
    "--clean-out", metavar="FILE", help="Write each batch as blocking would let it through (atomic)."
)
@click.option(
    "--quarantine-out", metavar="FILE", help="Write a quarantine record for each batch blocking touched."
)
@click.option(
    "--block",
    "block",
    multiple=True,
    metavar="KIND=ACTION",
    help="Blocking setting (event, event_attribute, user_attribute, user_identity = allow, drop_event, "
    "drop_attribute, drop_batch); default: the plan version's settings.validation_actions.",
)
@click.option(
    "--with-actions",
    is_flag=True,
    help="Add action_expected to each validation error (not reference output).",
)
@click.option(
    "--pipeline",
    "pipeline_path",
    metavar="FILE",
    help="Inputs are Warehouse Sync extracts (CSV, Parquet, NDJSON rows): validate each row as this "
    "pipeline (JSON, as the Warehouse Sync API returns it) would send it.",
)
@click.option(
    "--field-transformation",
    "field_transformation_path",
    metavar="FILE",
    help="The events pipeline's field transformation (JSON), whose mappings build each row's event.",
)
@_traceback_option
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
def validate(
    plans: tuple,
    version: Optional[str],
    environment: Optional[str],
    compat: Optional[str],
    lenient_types: bool,
    strict_plan: bool,
    regex_timeout: float,
    output_format: str,
    output: Optional[str],
    with_source: bool,
    error_source: bool,
    fail_fast: bool,
    valid_out: Optional[str],
    invalid_out: Optional[str],
    jobs: int,
    max_line_text: int,
    allow_empty: bool,
    reference_lines: bool,
    fail_on_text: Optional[str],
    max_violations: Optional[int],
    ignore_unplanned: bool,
    exit_zero: bool,
    color: str,
    quiet: bool,
    verbose: bool,
    kernel: Optional[str],
    layout: str,
    json_column: Optional[str],
    batch_key: Optional[str],
    mappings: tuple,
    settings: tuple,
    clean_out: Optional[str],
    quarantine_out: Optional[str],
    block: tuple,
    with_actions: bool,
    pipeline_path: Optional[str],
    field_transformation_path: Optional[str],
    inputs: tuple,
) -> None:
    """Validate batches from INPUT files (NDJSON, JSON, gzip, Parquet; directories, globs; - or none: stdin).

    Prints one result line per input batch, in the validate endpoint's format.
    """
    _verbosity(quiet, verbose)
    gate = None
    if fail_on_text is not None or max_violations is not None or ignore_unplanned:
        gate = _Gate(_fail_on(fail_on_text, ignore_unplanned), max_violations or 0)
    parquet = ParquetOptions(
        layout=layout,
        json_column=json_column,
        batch_key=batch_key,
        mappings=_pairs(mappings, "--map", parse_value=False),
        settings=_pairs(settings, "--set", parse_value=True),
    )
    if pipeline_path is not None or field_transformation_path is not None:
        parquet = _warehouse_options(parquet, pipeline_path, field_transformation_path)
    paths = expand_inputs(
        inputs,
        on_skip=None if quiet else lambda path, why: click.echo(f"dpv: warning: {path}: {why}", err=True),
    )
    outputs = [
        ("-o", output),
        ("--valid-out", valid_out),
        ("--invalid-out", invalid_out),
        ("--clean-out", clean_out),
        ("--quarantine-out", quarantine_out),
    ]
    _check_outputs(outputs, paths, plans)
    _kernel_notice(kernel)
    started = time.monotonic()
    try:
        validator = load_plan(
            list(plans),
            version=version,
            environment=environment,
            compat=compat,
            lenient_types=lenient_types,
            kernel=kernel,
            strict_plan=strict_plan,
            on_problem=(lambda _version, _problem: None) if quiet else _warn_problem,
            regex_timeout=regex_timeout,
        )
    except PlanError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    except ImportError as exc:  # --kernel cython without a built kernel
        raise click.BadParameter(str(exc), param_hint="--kernel") from None
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the plan: {exc}", EXIT_UNUSABLE)
    if not quiet:
        for plan in validator.plans:
            for where, message in plan.warnings:
                click.echo(f"dpv: warning: {plan.source}: {where}: {message}", err=True)
    blocker = None
    if clean_out or quarantine_out or with_actions or block:
        try:
            blocker = LineBlocker(
                validator, dict(_pairs(block, "--block", parse_value=False)) or None, with_actions
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--block") from None
    if verbose:
        plans_text = ", ".join(str(plan.source) for plan in validator.plans)
        click.echo(
            f"dpv: kernel: {validator.backend}; plans: {plans_text} ({time.monotonic() - started:.2f} s)",
            err=True,
        )
    tally = Tally(detailed=output_format in DETAILED_FORMATS)
    # The compiled plan lives as long as the run: out of the collector's sight, full collections
    # (triggered by the exact path's short-lived objects) no longer walk it.
    gc.freeze()
    started = time.monotonic()
    code = _run(
        validator,
        paths,
        jobs,
        parquet,
        tally,
        output_format,
        output,
        with_source,
        fail_fast,
        valid_out,
        invalid_out,
        quiet,
        gate,
        blocker=blocker,
        clean_out=clean_out,
        quarantine_out=quarantine_out,
        error_source=error_source,
        max_line_bytes=max_line_text,
        style=_style(color, output),
        reference_lines=reference_lines,
    )
    if verbose:
        elapsed = time.monotonic() - started
        click.echo(
            f"dpv: {tally.batches:,} batches ({tally.events:,} events) from {len(paths):,} inputs in "
            f"{elapsed:.2f} s ({tally.events / max(elapsed, 1e-9):,.0f} events/s)",
            err=True,
        )
    if exit_zero and code == EXIT_VIOLATIONS:
        code = EXIT_OK
    if code == EXIT_OK and tally.batches == 0 and not allow_empty:
        click.echo(
            "dpv: warning: no batch in the input (empty files, directory or stdin); "
            "pass --allow-empty if that is expected",
            err=True,
        )
        code = EXIT_UNUSABLE
    sys.exit(code)


def _warehouse_options(
    parquet: ParquetOptions, pipeline_path: Optional[str], field_transformation_path: Optional[str]
) -> ParquetOptions:
    """The reader options for Warehouse Sync extracts (--pipeline, --field-transformation)."""
    from dataclasses import replace

    from .warehouse import WarehouseError, load_mapper

    if pipeline_path is None:
        raise click.UsageError("--field-transformation needs --pipeline")
    if parquet != ParquetOptions():
        raise click.UsageError(
            "--layout, --json-column, --batch-key, --map and --set do not apply with --pipeline"
        )
    try:
        mapper = load_mapper(pipeline_path, field_transformation_path)
    except WarehouseError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    return replace(parquet, warehouse=mapper)


def _run(
    validator: Any,
    paths: list,
    jobs: int,
    parquet: ParquetOptions,
    tally: Tally,
    output_format: str,
    output: Optional[str],
    with_source: bool,
    fail_fast: bool,
    valid_out: Optional[str],
    invalid_out: Optional[str],
    quiet: bool,
    gate: Optional[_Gate] = None,
    *,
    blocker: Optional[LineBlocker] = None,
    clean_out: Optional[str] = None,
    quarantine_out: Optional[str] = None,
    error_source: bool = True,
    max_line_bytes: int = MAX_LINE_BYTES,
    style: Optional[Style] = None,
    reference_lines: bool = False,
) -> int:
    progress = Progress(enabled=False if quiet else None, paths=paths)
    stopped = False
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(atomic_output(output))
        valid_stream = stack.enter_context(atomic_output(valid_out)) if valid_out else None
        invalid_stream = stack.enter_context(atomic_output(invalid_out)) if invalid_out else None
        clean_stream = stack.enter_context(atomic_output(clean_out)) if clean_out else None
        quarantine_stream = stack.enter_context(atomic_output(quarantine_out)) if quarantine_out else None
        fail_on = gate.fail_on if gate is not None else None
        reporter = make_reporter(
            output_format,
            out,
            tally,
            with_source=with_source,
            error_source=error_source,
            fail_on=fail_on,
            style=style,
        )
        tally.files = len(paths)
        keep_raw = bool(valid_out or invalid_out or blocker)
        # Valid batches come in Blocks, counted but without an Outcome each, unless something needs
        # every batch: a report of each (junit, --with-source), their bytes, or a stop at the first.
        every = bool(
            valid_out or blocker or fail_fast or with_source or not getattr(reporter, "takes_blocks", False)
        )
        # Closed on the way out, before the temp files go: a signal or an error that lands while this
        # loop (not the scan) runs must still end the --jobs workers, which only closing reaches.
        items = stack.enter_context(
            contextlib.closing(
                scan(
                    validator,
                    paths,
                    jobs=jobs,
                    parquet=parquet,
                    keep_raw=keep_raw,
                    max_line_bytes=max_line_bytes,
                    blocks=True,
                    every=every,
                    reference_lines=reference_lines,
                )
            )
        )
        for entry in items:
            if isinstance(entry, FileFailure):
                tally.file_failed(entry.source, entry.message)
                click.echo(f"dpv: {entry.message}", err=True)
                continue
            if type(entry) is Block:
                if not every:
                    tally.add_block(entry)
                    reporter.add_block(entry)
                    for _, item in entry.others:
                        if gate is not None:
                            gate.add(item)
                        if invalid_stream is not None:
                            invalid_stream.write(item.raw + b"\n")
                    progress.update_block(
                        entry.size, len(entry.results), len(entry.results) - entry.valid, entry.events
                    )
                    continue
                outcomes = [item for _, item in entry.others]
            else:
                outcomes = [entry]
            for item in outcomes:
                if not _each(
                    item, tally, reporter, gate, progress, blocker, valid_stream, invalid_stream,
                    clean_stream, quarantine_stream,
                ) and fail_fast and (gate is None or gate.failed):
                    stopped = True
                    break
            if stopped:
                break
        reporter.finish()
    progress.close()
    if tally.unreadable_files:
        return EXIT_UNUSABLE
    if gate is not None:
        return EXIT_VIOLATIONS if gate.failed else EXIT_OK
    if stopped or not tally.clean:
        return EXIT_VIOLATIONS
    return EXIT_OK


def _each(
    item: Outcome,
    tally: Tally,
    reporter: Any,
    gate: Optional[_Gate],
    progress: Progress,
    blocker: Optional[LineBlocker],
    valid_stream: Any,
    invalid_stream: Any,
    clean_stream: Any,
    quarantine_stream: Any,
) -> bool:
    """Report one batch to everything that wants it; whether it was valid."""
    if blocker is not None:
        results, cleaned, quarantined = blocker.apply(item.raw, item.valid)
        if results is not None:
            item = item._replace(result=results)
        if cleaned is not None and clean_stream is not None:
            clean_stream.write(cleaned + b"\n")
        if quarantined is not None and quarantine_stream is not None:
            quarantine_stream.write(quarantined + b"\n")
    tally.add(item)
    reporter.add(item)
    if gate is not None:
        gate.add(item)
    progress.update(len(item.raw) or len(item.result), item.valid, item.events)
    stream = valid_stream if item.valid else invalid_stream
    if stream is not None:
        stream.write(item.raw + b"\n")
    return item.valid


LINT_FORMATS = ("text", "json", "junit", "github", "sarif", "gitlab")


@main.command()
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option(
    "--exit-zero", is_flag=True, help="Report findings but exit 0; an unreadable plan file is still exit 3."
)
@click.option("--format", "output_format", type=click.Choice(LINT_FORMATS), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the report here (atomically) instead of stdout.")
@click.option("--pipeline", "pipeline_path", metavar="FILE", help="Lint a Warehouse Sync pipeline (JSON).")
@click.option(
    "--field-transformation",
    "field_transformation_path",
    metavar="FILE",
    help="With --pipeline: lint the events pipeline's field transformation (JSON) too.",
)
@click.option(
    "--plan", "lookup_plans", multiple=True, metavar="PATH", help="Plans to find the pipeline's data plan in."
)
@click.option(
    "--columns", "columns_path", metavar="EXTRACT", help="Check an extract's columns against the pipeline."
)
@_color_option
@_talk_options
@_config_options
@_traceback_option
@click.argument("plans", nargs=-1, metavar="PLAN...")
def lint(
    plans: tuple,
    strict: bool,
    exit_zero: bool,
    output_format: str,
    output: Optional[str],
    pipeline_path: Optional[str] = None,
    field_transformation_path: Optional[str] = None,
    lookup_plans: tuple = (),
    columns_path: Optional[str] = None,
    color: str = "auto",
    quiet: bool = False,
    verbose: bool = False,
) -> None:
    """Check plan files (or directories of *.json plans) without any batch; or, with --pipeline, a
    Warehouse Sync pipeline, its field transformation and an extract's columns.

    Without PLAN or --pipeline, lints the configuration file's plans. Errors: what the reference would
    fail on (and `dpv validate` refuses). Warnings: plans that do not do what they seem to. Exit 0 clean
    (warnings allowed unless --strict), 1 errors (or warnings with --strict), 2 usage error, 3 a plan
    file cannot be read or is not JSON.
    """
    from . import lint as plan_lint  # lint and diff load their modules only when used (start-up)
    from .reports import github as github_format
    from .reports import junit as junit_format
    from .reports import sarif as sarif_format

    _verbosity(quiet, verbose)
    loaded = click.get_current_context().meta.get(_CONFIG)
    if not plans and pipeline_path is None and loaded is not None:
        plans = tuple(loaded.settings("validate").get("plan", ()))
    if not plans and pipeline_path is None:
        raise click.UsageError(
            "give PLAN files to lint, or --pipeline FILE (or plan in a configuration file)"
        )
    reports = plan_lint.lint_paths(plans) if plans else []
    codes = dict(plan_lint.CODES)
    if pipeline_path is not None:
        from .warehouse.lint import lint_warehouse
        from .warehouse.pipeline import CODES as warehouse_codes

        reports += lint_warehouse(pipeline_path, field_transformation_path, lookup_plans, columns_path)
        codes.update(warehouse_codes)
    elif field_transformation_path or lookup_plans or columns_path:
        raise click.UsageError("--field-transformation, --plan and --columns need --pipeline")
    with atomic_output(output) as out:
        if output_format == "text":
            plan_lint.write_text(reports, out, _style(color, output))
        elif output_format == "json":
            plan_lint.write_json(reports, out)
        elif output_format == "junit":
            junit_format.write_lint(out, reports, strict)
        elif output_format == "github":
            github_format.write_lint(out, reports, strict)
        elif output_format == "gitlab":
            from .reports import gitlab as gitlab_format

            gitlab_format.write_lint(out, reports, strict)
        else:
            descriptions = {code: text for code, (_, text) in codes.items()}
            sarif_format.write_lint(out, reports, strict, descriptions)
    unusable = [report for report in reports if not report.usable]
    if output_format != "text":  # the text report already says it on stdout
        for report in unusable:
            click.echo(f"dpv: {report.source}: {report.findings[0].message}", err=True)
    errors, warnings = plan_lint.counts(reports)
    if verbose:
        click.echo(f"dpv: linted {len(reports):,} files: {errors:,} errors, {warnings:,} warnings", err=True)
    if unusable:
        sys.exit(EXIT_UNUSABLE)
    failed = errors or (strict and warnings)
    sys.exit(EXIT_VIOLATIONS if failed and not exit_zero else EXIT_OK)


@main.command()
@click.argument("old_plan", metavar="OLD_PLAN")
@click.argument("new_plan", metavar="NEW_PLAN")
@click.option("--old-version", metavar="N", help="The version of OLD_PLAN to compare (files with several).")
@click.option("--new-version", metavar="N", help="The version of NEW_PLAN to compare (files with several).")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("-o", "--output", metavar="FILE", help="Write the report here (atomically) instead of stdout.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the versions differ (as git diff --exit-code).")
@_color_option
@_talk_options
@_config_options
@_traceback_option
def diff(
    old_plan: str,
    new_plan: str,
    old_version: Optional[str],
    new_version: Optional[str],
    output_format: str,
    output: Optional[str],
    exit_code: bool,
    color: str,
    quiet: bool,
    verbose: bool,
) -> None:
    """Show what NEW_PLAN adds, removes or changes relative to OLD_PLAN, and what that does to results.

    Each file must hold one version, or name one with --old-version / --new-version (the same file may
    be given twice). Exit 0 (1 with --exit-code when they differ), 2 usage error, 3 a file cannot be
    read or is not a plan.
    """
    from . import plandiff

    _verbosity(quiet, verbose)
    try:
        old_versions, new_versions = read_file(old_plan), read_file(new_plan)
    except PlanError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    try:
        old = plandiff.pick_version(old_versions, old_version, "old")
        new = plandiff.pick_version(new_versions, new_version, "new")
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)
    diffs = plandiff.diff_versions(old, new)
    with atomic_output(output) as out:
        if output_format == "json":
            plandiff.write_json(old, new, diffs, out)
        else:
            plandiff.write_text(old, new, diffs, out, _style(color, output))
    sys.exit(EXIT_VIOLATIONS if exit_code and diffs else EXIT_OK)


# -- the Data Planning API offline: `dpv serve`, `dpv pull` (validator/platform/commands.py) ------------

from .platform import commands as _platform  # noqa: E402

main.add_command(_platform.serve)
main.add_command(_platform.pull)
