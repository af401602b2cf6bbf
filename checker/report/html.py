"""The HTML report: a self-contained single file (styles inline, screenshots embedded), a view of `RunResult`.

Everything captured from the page goes through Jinja's autoescaping; the template has only loops and ifs,
the shaping of data for it happens here.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from checker.check.protocol import DOC_URL
from checker.check.rules import all_rules
from checker.files import write_atomic
from checker.models import (
    Event,
    ExpectationResult,
    JsCall,
    Pairing,
    RunResult,
    ScenarioResult,
    Severity,
    StepResult,
    Violation,
)
from checker.report.trend import trend_svg
from checker.values import map_strings

TEMPLATES = Path(__file__).parent / "templates"
# What one scenario shows in the HTML at most; everything stays in results.json. Keeps a 10,000-event run readable.
SHOWN = {"violations": 300, "events": 500, "step_events": 40, "requests": 200, "js_calls": 500, "pairings": 300}
KEY_FIELDS = ("fieldName", "reason", "rate", "classificationId", "documentPosition", "documentTitle", "actionCause")


@dataclass
class StepView:
    step: StepResult
    screenshot: str | None
    events: list[Event]
    expectations: list[ExpectationResult]
    violations: list[Violation]


@dataclass
class ReconRow:
    """One reconciliation outcome: the JS call(s) and the request side by side."""

    outcome: str
    level: str
    calls: list[str]
    request: str | None
    body: str | None
    event: str | None
    diffs: list
    cause: str


@dataclass
class ScenarioView:
    result: ScenarioResult
    anchor: str
    steps: list[StepView]
    flow_expectations: list[ExpectationResult]
    counts: dict[str, int]
    shown: dict[str, list] = field(default_factory=dict)  # capped lists for the page
    hidden: dict[str, int] = field(default_factory=dict)  # how many of each were left out
    other_violations: list[Violation] = field(default_factory=list)
    reconciliation: list[ReconRow] = field(default_factory=list)
    transport_rows: list[ReconRow] = field(default_factory=list)

    @property
    def transport_problems(self) -> int:
        return sum(1 for row in self.transport_rows if row.outcome != "paired")


def _data_uri(report_dir: Path, relative: str | None) -> str | None:
    if not relative:
        return None
    path = report_dir / relative
    if not path.is_file():
        return None
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _scenario_view(index: int, result: ScenarioResult, report_dir: Path) -> ScenarioView:
    steps = []
    by_step: dict[int | None, list[Event]] = {}
    for event in result.events:
        by_step.setdefault(event.step, []).append(event)
    for step in result.steps:
        steps.append(
            StepView(
                step=step,
                screenshot=_data_uri(report_dir, step.screenshot),
                events=by_step.get(step.index, [])[: SHOWN["step_events"]],
                expectations=[x for x in result.expectations if x.step == step.index],
                violations=[v for v in result.violations if v.step == step.index],
            )
        )
    counts = {s.value: sum(1 for v in result.violations if v.severity == s) for s in Severity}
    return ScenarioView(
        result=result,
        anchor=f"scenario-{index + 1}",
        steps=steps,
        flow_expectations=[x for x in result.expectations if x.step is None],
        counts=counts,
        other_violations=[v for v in result.violations if v.step is None],
        reconciliation=[_recon_row(p, result) for p in _interesting_first(result, "api")],
        transport_rows=[_recon_row(p, result) for p in _interesting_first(result, "transport")],
        shown={name: getattr(result, name)[: SHOWN[name]] for name in ("violations", "events", "requests", "js_calls")},
        hidden={
            name: max(0, len(getattr(result, name)) - SHOWN[name])
            for name in ("violations", "events", "requests", "js_calls")
        },
    )


def _interesting_first(result: ScenarioResult, level: str) -> list[Pairing]:
    """Reconciliation rows of a level, problems before plain pairings, capped."""
    rows = [p for p in result.reconciliation if p.level == level]
    rows.sort(key=lambda p: p.outcome == "paired")
    return rows[: SHOWN["pairings"]]


def call_text(call: JsCall) -> str:
    """How the page made the call, e.g. coveoua('svc:setAction', 'ticket_field_update', {"fieldName": "subject"})."""
    shown = (
        call.args[:1] if call.fn in ("fetch", "sendBeacon", "xhr", "image") else call.args
    )  # bodies: see the request
    args = ", ".join(json.dumps(a, ensure_ascii=False, default=str) for a in shown)
    return short(f"{call.fn}({args})", 400)


def _recon_row(p: Pairing, result: ScenarioResult) -> ReconRow:
    calls = [call_text(result.js_calls[i]) for i in p.call_ids if i < len(result.js_calls)]
    request = (
        result.requests[p.request_id] if p.request_id is not None and p.request_id < len(result.requests) else None
    )
    event = result.events[p.event_index] if p.event_index is not None and p.event_index < len(result.events) else None
    return ReconRow(
        outcome=p.outcome,
        level=p.level,
        calls=calls,
        request=f"{request.method} {request.url}" if request else None,
        body=short(request.body, 300) if request and request.body else None,
        event=f"#{event.index} {event.action}" if event else None,
        diffs=p.diffs,
        cause=p.cause,
    )


def section_url(section: str) -> str | None:
    """The document's anchor for a section title (docs.coveo.com/en/3437#fill-a-field); None for non-document ones."""
    if not section or section.startswith("Scenario"):
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-")
    return DOC_URL if section == "Summary table" else f"{DOC_URL}#{slug}"


BODY_SHOWN = 4000


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(body: str | None) -> str | None:
    """A request body as shown inline: a page can send megabytes; results.json keeps what was captured."""
    if body is None or len(body) <= BODY_SHOWN:
        return body
    return body[:BODY_SHOWN] + f"… ({len(body) - BODY_SHOWN:,} more characters in results.json)"


def clip_values(value: Any) -> Any:
    """An event's data as shown inline: every long string clipped like a body, the shape kept."""
    return map_strings(value, clip)


def key_fields(event: Event) -> list[tuple[str, Any]]:
    shown = [(k, event.data[k]) for k in KEY_FIELDS if k in event.data]
    if "id" in event.ticket:
        shown.append(("ticket.id", event.ticket["id"]))
    return shown[:4]


def render_html(run: RunResult, report_dir: Path) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pretty=pretty, short=short, clip=clip, clip_values=clip_values)
    env.globals.update(key_fields=key_fields, section_url=section_url, call_text=call_text)
    template = env.get_template("report.html.j2")
    scenarios = [_scenario_view(i, r, report_dir) for i, r in enumerate(run.scenarios)]
    rules = {r.id: r for r in all_rules()}
    actions = sorted(
        {e.action for s in run.scenarios for e in s.events if e.action}
        | {v.action for s in run.scenarios for v in s.violations if v.action}
    )
    return template.render(
        run=run,
        scenarios=scenarios,
        rules=rules,
        actions=actions,
        trend=Markup(trend_svg(run.history)),
        css=Markup((TEMPLATES / "report.css").read_text()),  # our own files, not page data
        script=Markup((TEMPLATES / "report.js").read_text()),
    )


def write_html(run: RunResult, report_dir: Path) -> Path:
    """`report_dir`/index.html, whole or not at all (`write_atomic`); raises `UnwrittenFile` when it cannot be written."""
    # errors="replace": a lone surrogate from a page
    return write_atomic(report_dir / "index.html", render_html(run, report_dir), errors="replace")
