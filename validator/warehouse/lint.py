"""`dpv lint --pipeline`: the pipeline, its field transformation, plan lookups and an extract's columns."""

from __future__ import annotations

from typing import Iterable, Optional

from ..errors import PlanError
from ..lint import FileReport, Finding
from ..plan import read_plans
from ..readers.records import InputError
from .extract import extract_columns
from .pipeline import lint_pipeline


def lint_warehouse(
    pipeline_path: str,
    ft_path: Optional[str] = None,
    plan_paths: Iterable[str] = (),
    columns_path: Optional[str] = None,
) -> list:
    """Lint FileReports (validator/lint.py's shape, so every lint format works) for the given files.

    Plans that cannot be read are reported as unusable files; the pipeline's plan lookup then uses
    the plans that could be read (and is skipped when none were given).
    """
    reports: list = []
    versions: Optional[list] = None
    for path in plan_paths:
        versions = versions or []
        try:
            versions.extend(read_plans(path))
        except (PlanError, OSError, ValueError) as exc:
            finding = Finding("error", "unreadable", f"cannot read the plan: {exc}", "", None, "")
            reports.append(FileReport(path, [finding], usable=False))
    columns: Optional[tuple] = None
    if columns_path is not None:
        try:
            columns = (columns_path, *extract_columns(columns_path))
        except InputError as exc:
            columns = (columns_path, str(exc).removeprefix(f"{columns_path}: "), True)
    return lint_pipeline(pipeline_path, ft_path, versions, columns) + reports
