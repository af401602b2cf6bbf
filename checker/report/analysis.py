"""What a run says as a whole: coverage of the protocol, library versions seen, and what changed since earlier
runs (a baseline, or a history folder). Pure functions of `RunResult`s; their output is stored in the JSON."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from checker.check.protocol import ACTIONS
from checker.files import write_atomic
from checker.models import (
    Comparison,
    CoverageRow,
    EventChange,
    FindingChange,
    HistoryPoint,
    RunResult,
    ScenarioResult,
    Severity,
    Status,
    StatusChange,
    Violation,
)

HISTORY_KEEP = 30


def coverage(run: RunResult) -> list[CoverageRow]:
    """For every action of the document's table: how many events, in which scenarios, which required fields."""
    rows = []
    for name, spec in ACTIONS.items():
        events = [(s.name, e) for s in run.scenarios for e in s.events if e.action == name]
        required = {f: False for f in spec.required_data + spec.disputed_data}
        required.update({f"ticket.{f}": False for f in spec.required_ticket})
        for _, event in events:
            for field in required:
                source = event.ticket if field.startswith("ticket.") else event.data
                key = field.removeprefix("ticket.")
                required[field] = required[field] or source.get(key) not in (None, "")
        status = "not exercised" if not events else ("covered" if all(required.values()) else "partial")
        rows.append(
            CoverageRow(
                action=name,
                events=len(events),
                scenarios=sorted({s for s, _ in events}),
                required_fields=required,
                status=status,
            )
        )
    return rows


def implementations(run: RunResult) -> list[str]:
    """How the pages log: 'Quantic 3.34.0 · @coveo/headless 3.37.0 (legacy: Usage Analytics)', once each."""
    labels = [s.implementation.label for s in run.scenarios if s.implementation.kind != "unknown"]
    return list(dict.fromkeys(labels))


def libraries(run: RunResult) -> dict[str, str]:
    """Versions of Coveo's libraries detected on the pages (coveoua('version'), the Headless engine's state or its
    requests, Quantic's version global), each version once, in the order the scenarios met them: a run over pages of
    several releases lists them all."""
    found: dict[str, list[str]] = {}
    for scenario in run.scenarios:
        seen = scenario.implementation
        for name, value in (
            ("Quantic", seen.quantic),
            ("@coveo/headless", seen.headless),
            ("@coveo/headless analytics mode", seen.analytics_mode),
            ("coveo.analytics", seen.coveo_analytics),
        ):
            if value and value not in found.setdefault(name, []):
                found[name].append(value)
    return {name: ", ".join(values) for name, values in found.items() if values}


# --- comparison with a previous run ----------------------------------------------------------------------------


def fingerprint(scenario: str, v: Violation) -> str:
    """What identifies a finding from one night to the next: scenario name, rule id, action, field and step number
    (1-based), and not its message (it holds IDs and times that change every run) nor its event's number (one more
    event before it would renumber it). 12 hex digits of their SHA-1."""
    step = "" if v.step is None else str(v.step + 1)
    key = "\x1f".join((scenario, v.rule, v.action or "", v.field or "", step))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _findings(run: RunResult, only: set[str] | None = None) -> dict[str, FindingChange]:
    """The run's findings by fingerprint (of the scenarios in `only`, when given)."""
    found: dict[str, FindingChange] = {}
    for s in run.scenarios:
        if only is not None and s.name not in only:
            continue
        for v in s.violations:
            key = fingerprint(s.name, v)
            found[key] = FindingChange(
                scenario=s.name,
                rule=v.rule,
                severity=v.severity,
                action=v.action,
                field=v.field,
                step=v.step,
                message=v.message,
                fingerprint=key,
            )
    return found


def _event_counts(scenario: ScenarioResult) -> Counter:
    return Counter((e.action, e.step) for e in scenario.events)


def compare(current: RunResult, baseline: RunResult, partial: bool = False) -> Comparison:
    """What changed since `baseline`. `partial`: the current run is one part of the scenarios (a shard), so a
    scenario it did not run is neither gone nor fixed."""
    ran = {s.name for s in current.scenarios} if partial else None
    now, before = _findings(current), _findings(baseline, only=ran)
    comparison = Comparison(
        baseline_started_at=baseline.started_at,
        baseline_status=baseline.status,
        new_findings=[now[k] for k in now if k not in before],
        fixed_findings=[before[k] for k in before if k not in now],
    )
    old = {s.name: s for s in baseline.scenarios if ran is None or s.name in ran}
    new = {s.name: s for s in current.scenarios}
    for name in sorted(set(old) | set(new), key=str):
        a, b = old.get(name), new.get(name)
        if a is None or b is None or a.status != b.status:
            comparison.status_changes.append(
                StatusChange(scenario=name, before=a.status if a else None, after=b.status if b else None)
            )
        if a is not None and b is not None:
            comparison.event_changes.extend(_event_changes(name, _event_counts(a), _event_counts(b)))
    return comparison


def _event_changes(name: str, before: Counter, after: Counter) -> list[EventChange]:
    changes = []
    for key in sorted(set(before) | set(after), key=str):
        delta = after[key] - before[key]
        if delta:
            changes.append(
                EventChange(
                    scenario=name,
                    action=key[0],
                    step=key[1],
                    change="appeared" if delta > 0 else "disappeared",
                    count=abs(delta),
                )
            )
    return changes


# --- history ---------------------------------------------------------------------------------------------------


def point(run: RunResult) -> HistoryPoint:
    s = run.summary
    return HistoryPoint(
        started_at=run.started_at,
        status=run.status,
        passed=s.passed,
        failed=s.failed,
        error=s.error,
        violations=dict(s.violations),
    )


def load_history(folder: Path) -> list[RunResult]:
    """Earlier runs kept in a history folder, oldest first (unreadable files are skipped, not fatal)."""
    runs = []
    for path in sorted(folder.glob("run-*.json")):
        try:
            runs.append(RunResult.model_validate_json(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return runs


def remember(run: RunResult, folder: Path, keep: int = HISTORY_KEEP) -> Path:
    """Keep this run in the history folder, and only the last `keep` runs."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = run.started_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    path = folder / f"run-{stamp}.json"
    counter = 1
    while path.exists():
        path = folder / f"run-{stamp}-{counter}.json"
        counter += 1
    write_atomic(path, json.dumps(run.model_dump(mode="json")))
    for old in sorted(folder.glob("run-*.json"))[:-keep]:
        old.unlink()
    return path


def annotate(
    run: RunResult,
    baseline: RunResult | None = None,
    history: list[RunResult] | None = None,
    partial: bool = False,
) -> RunResult:
    """Fill the comparison with the baseline (default: the last run of the history) and the trend."""
    earlier = list(history or [])
    if baseline is None and earlier:
        baseline = earlier[-1]
    if baseline is not None:
        run.comparison = compare(run, baseline, partial)
    if history is not None:
        run.history = [point(r) for r in earlier] + [point(run)]
    return run


# --- the exit code's policy ----------------------------------------------------------------------------------

FAIL_ON = ("errors", "any", "new")


def fails(run: RunResult, fail_on: str = "errors") -> bool:
    """Whether the run fails the job. `errors`: a scenario failed (an error-severity finding, an expected event
    missing) or errored. `any`: warnings too. `new`: only what the baseline did not have: an error-severity
    finding with a new fingerprint, or a scenario that errors now and did not then (no baseline: as `errors`)."""
    broken = run.status != Status.passed
    if fail_on == "any":
        return broken or any(v.severity != Severity.info for s in run.scenarios for v in s.violations)
    if fail_on == "new" and run.comparison is not None:
        c = run.comparison
        new_errors = any(f.severity == Severity.error for f in c.new_findings)
        return new_errors or any(ch.after == Status.error and ch.before != Status.error for ch in c.status_changes)
    return broken
