"""The `dpv` command line: options -> readers, validator, reporters -> exit code. No validation logic.

Exit codes: 0 every batch valid, 1 violations (or batches that could not be validated),
2 usage error, 3 a plan is unusable or an input file cannot be read.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Optional

import click
import orjson

from . import __version__
from .api import load_plan
from .atomic import atomic_output
from .errors import PlanError
from .progress import Progress
from .readers import ParquetOptions
from .reports import FORMATS, Tally, make_reporter
from .scan import FileFailure, expand_inputs, scan

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNUSABLE = 0, 1, 2, 3


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


def _fail(message: str, code: int) -> None:
    click.echo(f"dpv: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dpv")
def main() -> None:
    """Validate mParticle event batches against Data Plans, offline, with the reference's exact output."""


@main.command()
@click.option(
    "--plan",
    "plans",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Plan file or directory (repeatable); batches are routed by context.data_plan.",
)
@click.option("--plan-version", "version", metavar="N", help="Use this version of each plan.")
@click.option(
    "--environment", metavar="ENV", help="Use the version activated for ENV (development/production)."
)
@click.option("--compat", type=click.Choice(["1.0.3"]), help="Reproduce the published npm 1.0.3 exactly.")
@click.option(
    "--lenient-types",
    is_flag=True,
    help='Accept 42 for "42" and "true" for true, as mParticle\'s servers do.',
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="results", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the report here (atomically) instead of stdout.")
@click.option("--with-source", is_flag=True, help='Add {"file","line"} to every result line.')
@click.option("--fail-fast", is_flag=True, help="Stop at the first batch that is not valid.")
@click.option("--valid-out", metavar="FILE", help="Copy the input lines of valid batches here.")
@click.option(
    "--invalid-out", metavar="FILE", help="Copy the input lines of invalid or unreadable batches here."
)
@click.option(
    "--jobs", "jobs_text", default="1", show_default=True, metavar="N|auto", help="Worker processes."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
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
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
def validate(
    plans: tuple,
    version: Optional[str],
    environment: Optional[str],
    compat: Optional[str],
    lenient_types: bool,
    output_format: str,
    output: Optional[str],
    with_source: bool,
    fail_fast: bool,
    valid_out: Optional[str],
    invalid_out: Optional[str],
    jobs_text: str,
    quiet: bool,
    kernel: Optional[str],
    layout: str,
    json_column: Optional[str],
    batch_key: Optional[str],
    mappings: tuple,
    settings: tuple,
    inputs: tuple,
) -> None:
    """Validate batches from INPUT files (NDJSON, JSON, gzip, Parquet; directories, globs; - or none: stdin).

    Prints one result line per input batch, in the validate endpoint's format.
    """
    jobs = _jobs(jobs_text)
    parquet = ParquetOptions(
        layout=layout,
        json_column=json_column,
        batch_key=batch_key,
        mappings=_pairs(mappings, "--map", parse_value=False),
        settings=_pairs(settings, "--set", parse_value=True),
    )
    try:
        validator = load_plan(
            list(plans),
            version=version,
            environment=environment,
            compat=compat,
            lenient_types=lenient_types,
            kernel=kernel,
        )
    except PlanError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the plan: {exc}", EXIT_UNUSABLE)
    if not quiet:
        for plan in validator.plans:
            for where, message in plan.warnings:
                click.echo(f"dpv: warning: {plan.source}: {where}: {message}", err=True)
    tally = Tally(detailed=output_format != "results")
    code = _run(
        validator,
        expand_inputs(inputs),
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
    )
    sys.exit(code)


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
) -> int:
    progress = Progress(enabled=False if quiet else None)
    stopped = False
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(atomic_output(output))
        valid_stream = stack.enter_context(atomic_output(valid_out)) if valid_out else None
        invalid_stream = stack.enter_context(atomic_output(invalid_out)) if invalid_out else None
        reporter = make_reporter(output_format, out, tally, with_source=with_source)
        tally.files = len(paths)
        keep_raw = bool(valid_out or invalid_out)
        for item in scan(validator, paths, jobs=jobs, parquet=parquet, keep_raw=keep_raw):
            if isinstance(item, FileFailure):
                tally.file_failed(item.source, item.message)
                click.echo(f"dpv: {item.message}", err=True)
                continue
            tally.add(item)
            reporter.add(item)
            progress.update(len(item.raw) or len(item.result), item.valid)
            stream = valid_stream if item.valid else invalid_stream
            if stream is not None:
                stream.write(item.raw + b"\n")
            if fail_fast and not item.valid:
                stopped = True
                break
        reporter.finish()
    progress.close()
    if tally.unreadable_files:
        return EXIT_UNUSABLE
    if stopped or not tally.clean:
        return EXIT_VIOLATIONS
    return EXIT_OK
