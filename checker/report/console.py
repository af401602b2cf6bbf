"""Terminal output: progress while the run goes, then the summary and where the report is."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import IO, Any, TextIO, cast

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn

from checker.files import is_unwritten
from checker.models import RunResult, ScenarioResult, Severity, Status
from checker.options import RunEvent
from checker.redact import Redactor

STATUS_STYLE = {Status.passed: "green", Status.failed: "red", Status.error: "yellow", Status.flaky: "magenta"}
SEVERITY_STYLE = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "blue"}


def make_console(stream: TextIO | None = None) -> Console:
    quiet_ci = bool(os.environ.get("CI")) or not (stream or sys.stdout).isatty()
    # a stream in all but name: it writes, and hands every other attribute to the stream it wraps
    return Console(
        file=cast(IO[str], Replacing(stream or sys.stdout)),
        highlight=False,
        soft_wrap=True,
        no_color=quiet_ci and "FORCE_COLOR" not in os.environ,
    )


class Replacing:
    """A text stream that prints what its encoding cannot hold as '?' instead of raising UnicodeEncodeError: a lone
    surrogate a page sent, or anything but ASCII on a terminal set to ASCII (PYTHONIOENCODING=ascii, LANG=C)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self.stream, "encoding", None)
        if encoding:
            try:
                text.encode(encoding)
            except UnicodeEncodeError:
                text = text.encode(encoding, "replace").decode(encoding, "replace")
            except LookupError:
                pass  # an encoding Python does not know: let the stream decide
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


# A page's text could carry escape sequences that repaint or hide the operator's terminal.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ProgressPrinter:
    """One line per scenario as it finishes (and per step when verbose); on an interactive terminal, a live line
    under them says which scenario of how many and which step is running. Quiet in CI (no live line)."""

    def __init__(
        self,
        console: Console,
        verbose: bool = False,
        secrets: list[str] | None = None,
        live: bool | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.console = console
        self.verbose = verbose
        self.redactor = redactor or Redactor(secrets or [])  # the run's: what it learns, the terminal masks too
        self.live = console.is_terminal and not os.environ.get("CI") if live is None else live
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.running: dict[str, str] = {}  # scenario → what it is doing (several with --workers)

    def _text(self, value: str | None) -> str:
        """Page text, redacted of secrets, stripped of terminal control characters and escaped for rich markup."""
        return escape(CONTROL.sub("?", self.redactor.text(value or "") or ""))

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "run_started" and self.live:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} scenarios"),
                console=self.console,
                transient=True,
            )
            self.task = self.progress.add_task("starting", total=event.total)
            self.progress.start()
        elif event.kind == "scenario_started":
            self.running[event.scenario or ""] = "starting"
            if not self.live:
                self.console.print(f"[dim]▶ ({event.index + 1}/{event.total}) {self._text(event.scenario)}[/dim]")
        elif event.kind == "step_finished" and event.step:
            self.running[event.scenario or ""] = f"step {event.index + 1}/{event.total}: {event.step.description}"
            if self.verbose:
                self.console.print(f"    [dim]{event.step.status.value:7} {self._text(event.step.description)}[/dim]")
        elif event.kind == "scenario_finished" and event.result:
            self.running.pop(event.scenario or "", None)
            self._scenario(event.result)
            if self.progress is not None and self.task is not None:
                self.progress.advance(self.task)
        elif event.kind == "run_finished" and self.progress is not None:
            self.progress.stop()
        if self.progress is not None and self.task is not None and self.running:
            now = "; ".join(f"{self._text(name)} — {self._text(doing)}" for name, doing in self.running.items())
            self.progress.update(self.task, description=now[:150])

    def _scenario(self, result: ScenarioResult) -> None:
        style = STATUS_STYLE[result.status]
        self.console.print(
            f"  [{style}]{result.status.value.upper():7}[/{style}] {self._text(result.name)} "
            f"[dim]({len(result.events)} events, {result.duration_s:.1f}s)[/dim]"
        )
        if result.error:
            self.console.print(f"          [yellow]{self._text(result.error)}[/yellow]")
        for v in result.violations:
            if v.severity == Severity.info:
                continue
            sev = SEVERITY_STYLE[v.severity]
            self.console.print(
                f"          [{sev}]{v.severity.value}[/{sev}] [bold]{v.rule}[/bold]: {self._text(v.message)}"
            )


def print_summary(console: Console, run: RunResult, report: Path | None) -> None:
    s = run.summary
    style = STATUS_STYLE[run.status]
    verdict = "CONFORMS" if run.status == Status.passed else "DOES NOT CONFORM"
    console.print()
    flaky = f", {s.flaky} flaky" if s.flaky else ""
    console.print(
        f"[bold {style}]{verdict}[/bold {style}]: {s.passed} passed{flaky}, {s.failed} failed, {s.error} errored "
        f"of {s.total} scenarios · findings: {s.violations['error']} errors, {s.violations['warning']} warnings "
        f"· {run.duration_s:.1f}s"
    )
    if run.interrupted:
        console.print("[yellow]The run was interrupted: the report covers the scenarios that ran.[/yellow]")
    if run.analytics_mode == "block":
        console.print("[dim]Analytics requests were answered locally: nothing reached the Coveo organization.[/dim]")
    if run.comparison is not None:
        print_comparison(console, run)
    if report is not None and is_unwritten(report):
        console.print(f"[red]Report: {escape(str(report.resolve()))} could not be written[/red] (see below)")
    elif report is not None:
        console.print(f"Report: {report.resolve()}")


def print_comparison(console: Console, run: RunResult) -> None:
    c = run.comparison
    assert c is not None
    style = "red" if c.regressed else "green"
    console.print(
        f"[{style}]Since the run of {c.baseline_started_at} ({c.baseline_status.value}):[/{style}] "
        f"{len(c.new_findings)} new finding(s), {len(c.fixed_findings)} fixed, "
        f"{len(c.status_changes)} scenario(s) changed status, {len(c.event_changes)} event change(s)"
    )
    for change in c.status_changes:
        before = change.before.value if change.before else "new"
        after = change.after.value if change.after else "gone"
        console.print(f"    {escape(change.scenario)}: {before} → {after}")
    for finding in c.new_findings[:10]:
        console.print(f"    [red]+[/red] {finding.rule} ({escape(finding.scenario)}): {escape(finding.message)}")
    for finding in c.fixed_findings[:10]:
        console.print(f"    [green]−[/green] {finding.rule} ({escape(finding.scenario)})")
    for event in c.event_changes[:10]:
        sign = "+" if event.change == "appeared" else "−"
        step = f"step #{event.step + 1}" if event.step is not None else "no step"
        console.print(
            f"    {sign} event {event.action or '(unreadable)'} ×{event.count} at {step} ({escape(event.scenario)})"
        )
