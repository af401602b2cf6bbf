"""Terminal output: progress while the run goes, then the summary and where the report is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from checker.decode.redact import Redactor
from checker.models import RunResult, Severity, Status
from checker.options import RunEvent

STATUS_STYLE = {Status.passed: "green", Status.failed: "red", Status.error: "yellow"}
SEVERITY_STYLE = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "blue"}


def make_console(stream=None) -> Console:
    quiet_ci = bool(os.environ.get("CI")) or not (stream or sys.stdout).isatty()
    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True, no_color=quiet_ci and "FORCE_COLOR" not in os.environ)


class ProgressPrinter:
    """Prints one line per scenario as it finishes (and its step when verbose)."""

    def __init__(self, console: Console, verbose: bool = False, secrets: list[str] | None = None) -> None:
        self.console = console
        self.verbose = verbose
        self.redactor = Redactor(secrets or [])

    def _text(self, value: str | None) -> str:
        """Page text, redacted of secrets and escaped for rich markup."""
        return escape(self.redactor.text(value or "") or "")

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "scenario_started":
            self.console.print(f"[dim]▶ ({event.index + 1}/{event.total}) {self._text(event.scenario)}[/dim]")
        elif event.kind == "step_finished" and self.verbose and event.step:
            self.console.print(f"    [dim]{event.step.status.value:7} {self._text(event.step.description)}[/dim]")
        elif event.kind == "scenario_finished" and event.result:
            self._scenario(event.result)

    def _scenario(self, result) -> None:
        style = STATUS_STYLE[result.status]
        self.console.print(f"  [{style}]{result.status.value.upper():7}[/{style}] {self._text(result.name)} "
                           f"[dim]({len(result.events)} events, {result.duration_s:.1f}s)[/dim]")
        if result.error:
            self.console.print(f"          [yellow]{self._text(result.error)}[/yellow]")
        for v in result.violations:
            if v.severity == Severity.info:
                continue
            sev = SEVERITY_STYLE[v.severity]
            self.console.print(f"          [{sev}]{v.severity.value}[/{sev}] [bold]{v.rule}[/bold]: {self._text(v.message)}")


def print_summary(console: Console, run: RunResult, report: Path | None) -> None:
    s = run.summary
    style = STATUS_STYLE[run.status]
    verdict = "CONFORMS" if run.status == Status.passed else "DOES NOT CONFORM"
    console.print()
    console.print(f"[bold {style}]{verdict}[/bold {style}]: {s.passed} passed, {s.failed} failed, {s.error} errored "
                  f"of {s.total} scenarios · findings: {s.violations['error']} errors, {s.violations['warning']} warnings "
                  f"· {run.duration_s:.1f}s")
    if run.analytics_mode == "block":
        console.print("[dim]Analytics requests were answered locally: nothing reached the Coveo organization.[/dim]")
    if report is not None:
        console.print(f"Report: {report.resolve()}")
