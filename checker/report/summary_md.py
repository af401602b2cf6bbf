"""A short Markdown view of a run (`--summary-md`): for a CI job's summary page or a merge-request comment.

The verdict, the counts, what is new and what was fixed since the baseline, the protocol's actions the scenarios
did not cover, and a link to the artefacts. Made from the scrubbed `RunResult` like every other view."""

from __future__ import annotations

from pathlib import Path

from checker.check.protocol import ACTIONS
from checker.files import write_atomic
from checker.models import FindingChange, RunResult, Severity
from checker.report.analysis import fails

LISTED = 20  # findings listed per section; the rest are counted
ARTIFACTS_PLACEHOLDER = "ARTIFACTS_URL"


def summary_markdown(run: RunResult, fail_on: str = "errors", artifacts_url: str | None = None) -> str:
    lines = [_headline(run, fail_on), "", _counts(run), ""]
    lines += _changes(run)
    lines += _coverage_gaps(run)
    url = artifacts_url or ARTIFACTS_PLACEHOLDER
    lines += [
        "### Artefacts",
        "",
        f"- [HTML report]({url}/index.html) · [results.json]({url}/results.json) · [JUnit]({url}/junit.xml)",
        "",
    ]
    return "\n".join(lines)


def write_summary_md(run: RunResult, path: Path, fail_on: str = "errors", artifacts_url: str | None = None) -> Path:
    """Whole or not at all; raises `UnwrittenFile` when it cannot be written."""
    return write_atomic(path, summary_markdown(run, fail_on, artifacts_url).encode("utf-8"))


def _headline(run: RunResult, fail_on: str) -> str:
    verdict = "FAILS" if fails(run, fail_on) else "PASSES"
    status = "conforms" if run.status.value == "passed" else "does not conform"
    return f"## Case Assist analytics: {verdict} (`--fail-on {fail_on}`) · the run {status}"


def _counts(run: RunResult) -> str:
    s = run.summary
    findings = ", ".join(f"{s.violations.get(sev.value, 0)} {sev.value}" for sev in Severity)
    interrupted = " · **interrupted**" if run.interrupted else ""
    events = sum(len(scenario.events) for scenario in run.scenarios)
    flaky = f", {s.flaky} flaky" if s.flaky else ""
    return (
        f"**{s.total} scenario(s)**: {s.passed} passed, {s.failed} failed, {s.error} errored{flaky}"
        f" · findings: {findings} · {events} event(s){interrupted}"
    )


def _changes(run: RunResult) -> list[str]:
    c = run.comparison
    if c is None:
        return ["_No baseline: every finding counts as new._", ""]
    lines = [f"### New since the run of {c.baseline_started_at} ({c.baseline_status.value})", ""]
    lines += _finding_table(c.new_findings) or ["Nothing new.", ""]
    lines += ["### Fixed since then", ""]
    lines += _finding_table(c.fixed_findings) or ["Nothing fixed.", ""]
    for change in c.status_changes:
        before = change.before.value if change.before else "new"
        after = change.after.value if change.after else "gone"
        lines.insert(2, f"- scenario **{_cell(change.scenario)}**: {before} → {after}")
    return lines


def _finding_table(findings: list[FindingChange]) -> list[str]:
    if not findings:
        return []
    rows = ["| | Scenario | Step | Rule | Action · field | Finding | Fingerprint |", "|---|---|---|---|---|---|---|"]
    for f in findings[:LISTED]:
        mark = "❌" if f.severity == Severity.error else ("⚠️" if f.severity == Severity.warning else "ℹ️")
        step = "" if f.step is None else f"#{f.step + 1}"
        target = " · ".join(filter(None, [f.action, f.field]))
        rows.append(
            f"| {mark} | {_cell(f.scenario)} | {step} | `{f.rule}` | {_cell(target)} | {_cell(f.message)} "
            f"| `{f.fingerprint}` |"
        )
    if len(findings) > LISTED:
        rows.append(f"\n…and {len(findings) - LISTED} more (see the report).")
    return [*rows, ""]


def _coverage_gaps(run: RunResult) -> list[str]:
    gaps = []
    for row in run.coverage:
        spec = ACTIONS.get(row.action)
        if spec is not None and spec.replaced_by:
            continue  # a deprecated action not logged is as it should be
        if row.status == "not exercised":
            gaps.append(f"- `{row.action}`: not exercised by any scenario")
        elif row.status == "partial":
            missing = ", ".join(f"`{name}`" for name, seen in row.required_fields.items() if not seen)
            gaps.append(f"- `{row.action}`: never carried {missing}")
    return ["### Coverage gaps", "", *(gaps or ["Every documented action was exercised with its fields."]), ""]


def _cell(text: str | None) -> str:
    """A table cell: one line, no pipe, not too long."""
    flat = " ".join((text or "").split()).replace("|", "\\|")
    return flat if len(flat) <= 160 else flat[:157] + "…"
