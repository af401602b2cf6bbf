"""Stage 6: a `RunResult` → results.json (the source of truth), index.html and junit.xml (views of it)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from checker.files import kept_going
from checker.models import RunResult
from checker.redact import Redactor
from checker.report.html import write_html
from checker.report.json_out import read_json, write_json
from checker.report.junit import write_junit
from checker.report.scrub import scrub_run

__all__ = ["write_reports", "read_json", "write_json", "write_html", "write_junit", "scrub_run"]


def write_reports(
    run: RunResult,
    report_dir: Path,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    redactor: Redactor | None = None,
) -> Path:
    """Write every artefact, after the last redaction pass over the results, the journals and the traces (give the
    run's `Redactor`: it knows what the run declared and learnt); returns the HTML report's path."""
    with contextlib.suppress(OSError):  # cannot be made: each artefact says so below
        report_dir.mkdir(parents=True, exist_ok=True)
    run = scrub_run(run, redactor or Redactor(), report_dir)
    # each artefact whole or not at all; one that cannot be written is noted (checker.files) and the others still are
    kept_going(write_json, run, report_dir / "results.json")
    if json_path is not None:
        kept_going(write_json, run, json_path)
    kept_going(write_junit, run, junit_path or report_dir / "junit.xml")
    kept_going(write_html, run, report_dir)
    return report_dir / "index.html"
