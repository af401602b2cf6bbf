"""Stage 6: a `RunResult` → results.json (the source of truth), index.html and junit.xml (views of it)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from checker.decode.redact import Redactor
from checker.models import RunResult
from checker.report.html import write_html
from checker.report.json_out import read_json, write_json
from checker.report.junit import write_junit

__all__ = ["write_reports", "read_json", "write_json", "write_html", "write_junit", "redact_run"]


def redact_run(run: RunResult, secrets: Iterable[str]) -> RunResult:
    """A copy of the results with every known secret value masked, wherever it hides (last line of defence:
    capture already redacts tokens, but a secret may have reached a step description or an error text)."""
    redactor = Redactor(list(secrets))
    if not redactor.secrets:
        return run
    return RunResult.model_validate(redactor.value(run.model_dump(mode="json")))


def write_reports(run: RunResult, report_dir: Path, json_path: Path | None = None, junit_path: Path | None = None,
                  secrets: Iterable[str] = ()) -> Path:
    """Write every artefact; returns the HTML report's path."""
    run = redact_run(run, secrets)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_json(run, report_dir / "results.json")
    if json_path is not None:
        write_json(run, json_path)
    write_junit(run, junit_path or report_dir / "junit.xml")
    return write_html(run, report_dir)
