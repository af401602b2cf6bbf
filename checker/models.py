"""The typed values passed along the pipeline: scenario → drive → capture → decode → check → report.

A run produces one `RunResult`; each scenario fills one `ScenarioResult` stage by stage (the driver adds
steps and captured requests, the decoder adds events, the checker adds violations and expectation results).
`RunResult.model_dump(mode="json")` is the JSON report; HTML and JUnit are views of it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION = 1


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


class Status(str, Enum):
    passed = "passed"
    failed = "failed"
    error = "error"
    flaky = "flaky"  # failed or errored, then passed on a retry (--retries)


class StepStatus(str, Enum):
    passed = "passed"
    failed = "failed"  # the step ran but its expected events did not all arrive
    error = "error"  # the step itself could not be performed (selector, navigation, crash)
    skipped = "skipped"  # an earlier step errored


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


MAX_BODY = 256 * 1024  # keep artefacts bounded: a longer request body is truncated (by capture) and says so


class CapturedRequest(_Model):
    """One analytics or Customer Service API request seen leaving the page (already redacted)."""

    id: int
    kind: Literal["analytics", "service_api"]
    method: str
    url: str
    resource_type: str  # fetch, ping (beacon), xhr, image, document…
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None  # as stored in the artefacts: at most MAX_BODY characters
    body_truncated: bool = False
    step: int | None = None  # index of the step running when the request left the page
    time_ms: float = 0.0  # since the scenario started
    frame_url: str | None = None
    status: int | None = None  # HTTP status: answered locally (block) or by the server (pass)
    response_body: str | None = None
    failure: str | None = None  # network error text when the request failed
    failure_step: int | None = None  # the step running when an analytics fetch/XHR failed (a navigation cancels one)
    answered_locally: bool = False
    _full_body: str | None = PrivateAttr(default=None)  # the whole body, for decoding (never written out)

    @property
    def full_body(self) -> str | None:
        return self._full_body if self._full_body is not None else self.body


class FieldDiff(_Model):
    path: str
    expected: Any = None
    observed: Any = None  # as shown: "<absent>" when the event has no such field (`absent` says it as data)
    ok: bool = False
    note: str | None = None  # why the comparison could not decide (a pattern that ran out of time)
    absent: bool = False  # the event has no such field (not even null)


class JsCall(_Model):
    """One call the page made in JavaScript: `coveoua(...)`, or a fetch/sendBeacon/XHR/<img> to an analytics URL."""

    id: int
    # coveoua | coveoua-error (that call threw) | coveoua-swallowed (the page's own window.coveoua did not pass it
    # on) | headless | headless-rejected | headless-engine | library |
    # fetch | sendBeacon | xhr | image | page (a document loaded) | page-error (an exception the page did not catch)
    fn: str
    args: list[Any] = Field(default_factory=list)  # JSON-safe copy taken at call time (redacted)
    step: int | None = None
    time_ms: float = 0.0
    frame_url: str | None = None
    queued: bool | None = None  # coveoua: made on the snippet's stub, before coveo.analytics loaded
    url: str | None = None  # transports: the URL asked for
    returned: Any = None  # sendBeacon: whether the browser accepted to queue the beacon
    # page: doNotTrack, globalPrivacyControl, top (a top-level document); *-error: error (its text), source (file:line)
    info: dict[str, Any] = Field(default_factory=dict)


class Pairing(_Model):
    """How the JS layer and the wire layer agree about one event (or one request)."""

    outcome: Literal["paired", "changed", "called_not_sent", "sent_without_call", "duplicate"]
    level: Literal["api", "transport"] = "api"  # coveoua call ↔ event, or fetch/beacon call ↔ request
    call_ids: list[int] = Field(default_factory=list)  # the JS calls that produced it (setAction, setTicket, send)
    intended: dict[str, Any] | None = None  # the event the calls describe
    event_index: int | None = None
    request_id: int | None = None
    action: str | None = None
    step: int | None = None
    diffs: list[FieldDiff] = Field(default_factory=list)
    cause: str = ""  # why it was not sent, or who sent it
    source: str | None = None  # coveoua | headless: who asked for the event
    # called_not_sent: the `page` record (JS call id) of the top-level document that replaced the caller's before
    # any request left it: the navigation cut the send short
    replaced_by: int | None = None


class Event(_Model):
    """One Case Assist analytics event, decoded from a captured request, whatever the transport."""

    index: int
    action: str | None  # document's action type: ticket_create_start, documentSuggestionClick…
    protocol: Literal["ua", "ep"] = "ua"  # Usage Analytics (legacy) or Event Protocol (next)
    transport: str  # collect, click, custom, event_protocol
    event_type: str | None = None  # flowStart | click (UA `ea`), or the EP meta.type
    client_id: str | None = None
    search_hub: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)  # action payload (svc_action_data, or the click body)
    ticket: dict[str, Any] = Field(default_factory=dict)  # ticket payload (svc_ticket_* keys without prefix)
    step: int | None = None
    time_ms: float = 0.0
    url: str = ""  # endpoint the event was sent to (redacted)
    request_id: int = 0
    library: str | None = None  # the sending library when the event names it (Event Protocol meta.source)
    decode_error: str | None = None


class Violation(_Model):
    """A finding: the page does not log what the protocol or the scenario requires."""

    rule: str
    severity: Severity
    message: str
    hint: str = ""
    section: str = ""  # where the requirement comes from (document section or scenario line)
    action: str | None = None  # action of the event concerned, or the expected action that is missing
    event_index: int | None = None
    step: int | None = None
    field: str | None = None
    deviation: str | None = None  # a known deviation of Coveo's own library, named with its version


class ExpectationResult(_Model):
    """One `expect` entry of a scenario or a step, and the event that satisfied it (or came closest)."""

    expected: dict[str, Any]
    line: int | None = None
    file: str | None = None  # where it was written (an included file, or the scenario's)
    step: int | None = None  # None for scenario-level expectations
    kind: Literal["expect", "none", "extra"] = "expect"  # expect / expect_none / an event `order: exact` did not allow
    order: str = "in_order"
    count: int | None = None  # how many events matched, when the expectation has a `count`
    matched: bool = False  # the expectation holds (for `none`: no such event was sent)
    event_index: int | None = None  # the matching event, or the closest candidate when unmatched
    diffs: list[FieldDiff] = Field(default_factory=list)


class StepResult(_Model):
    index: int
    kind: str
    description: str
    line: int | None = None
    status: StepStatus = StepStatus.passed
    duration_s: float = 0.0
    error: str | None = None
    screenshot: str | None = None  # path relative to the report folder
    url: str | None = None  # page URL after the step


class Implementation(_Model):
    """How the page logs Case Assist events: the `coveoua` snippet, Headless (loaded directly or as a Salesforce
    static resource), or Quantic on Headless. Found in what both layers saw; rules' advice and library
    attributions speak it."""

    kind: Literal["snippet", "headless", "quantic", "unknown"] = "unknown"
    coveo_analytics: str | None = None  # coveo.analytics version (the snippet's, or the copy inside Headless)
    headless: str | None = None  # @coveo/headless version
    analytics_mode: Literal["legacy", "next"] | None = (
        None  # Headless' analytics mode (legacy: UA, next: Event Protocol)
    )
    quantic: str | None = None  # Quantic version (window.coveoQuanticVersion, or the events' customData)
    headless_source: str | None = None  # where the Headless bundle came from (a static resource on Salesforce)
    evidence: list[str] = Field(default_factory=list)  # what the detection rests on, for the report

    @property
    def label(self) -> str:
        """'Quantic 3.34.0 · @coveo/headless 3.37.0 (legacy: Usage Analytics)'."""
        parts = []
        if self.quantic:
            parts.append(f"Quantic {self.quantic}")
        if self.headless or self.kind in ("headless", "quantic"):
            mode = {"legacy": " (legacy: Usage Analytics)", "next": " (next: Event Protocol)"}.get(
                self.analytics_mode or "", ""
            )
            parts.append(f"@coveo/headless {self.headless or '?'}{mode}")
        elif self.kind == "snippet":
            parts.append(f"coveoua snippet (coveo.analytics {self.coveo_analytics or '?'})")
        return " · ".join(parts) or "not identified"


class ScenarioSummary(_Model):
    total: int = 0
    passed: int = 0
    failed: int = 0
    error: int = 0
    flaky: int = 0
    violations: dict[str, int] = Field(default_factory=lambda: {s.value: 0 for s in Severity})


class ScenarioResult(_Model):
    name: str
    file: str
    status: Status = Status.passed
    duration_s: float = 0.0
    start_url: str | None = None
    error: str | None = None  # why the scenario could not run to its end
    steps: list[StepResult] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)
    expectations: list[ExpectationResult] = Field(default_factory=list)
    requests: list[CapturedRequest] = Field(default_factory=list)
    js_calls: list[JsCall] = Field(default_factory=list)
    reconciliation: list[Pairing] = Field(default_factory=list)
    expected_search_hub: str | None = None  # what the scenario (or the configuration) says every event must carry
    page_fields: list[str] = Field(default_factory=list)  # form fields seen on the page (name or id)
    stored_client_id: str | None = None  # what the page stored (localStorage visitorId / coveo_visitorId)
    page_info: dict[str, Any] = Field(default_factory=dict)  # library versions detected on the page
    implementation: Implementation = Field(default_factory=Implementation)  # snippet, Headless or Quantic (check stage)
    trace: str | None = None  # Playwright trace, relative to the report folder (--trace)
    attempts: int = 1  # how many runs it took (--retries)
    earlier_attempts: list[AttemptSummary] = Field(default_factory=list)  # what the failed attempts found


class AttemptSummary(_Model):
    status: Status
    error: str | None = None
    findings: list[str] = Field(default_factory=list)  # "rule: message" of the error-severity findings


class CoverageRow(_Model):
    """Which action types and required fields the run exercised, against the document's table."""

    action: str
    events: int = 0
    scenarios: list[str] = Field(default_factory=list)
    required_fields: dict[str, bool] = Field(default_factory=dict)  # field → seen on at least one event
    status: Literal["covered", "partial", "not exercised"] = "not exercised"


class FindingChange(_Model):
    scenario: str
    rule: str
    severity: Severity
    action: str | None = None
    field: str | None = None
    step: int | None = None
    message: str = ""
    fingerprint: str = ""  # see `checker.report.analysis.fingerprint`


class StatusChange(_Model):
    scenario: str
    before: Status | None  # None: a new scenario
    after: Status | None  # None: the scenario is gone


class EventChange(_Model):
    scenario: str
    action: str | None
    step: int | None
    change: Literal["appeared", "disappeared"]
    count: int = 1


class Comparison(_Model):
    """What changed since a previous run (--baseline / --history)."""

    baseline_started_at: str
    baseline_status: Status
    new_findings: list[FindingChange] = Field(default_factory=list)
    fixed_findings: list[FindingChange] = Field(default_factory=list)
    status_changes: list[StatusChange] = Field(default_factory=list)
    event_changes: list[EventChange] = Field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.new_findings) or any(
            c.after != Status.passed and c.before == Status.passed for c in self.status_changes
        )


class HistoryPoint(_Model):
    started_at: str
    status: Status
    passed: int
    failed: int
    error: int
    violations: dict[str, int]


class RunResult(_Model):
    schema_version: int = SCHEMA_VERSION
    tool_version: str
    started_at: str
    duration_s: float = 0.0
    analytics_mode: Literal["block", "pass"] = "block"
    base_url: str | None = None
    browser: str = ""
    status: Status = Status.passed
    summary: ScenarioSummary = Field(default_factory=ScenarioSummary)
    libraries: dict[str, str] = Field(
        default_factory=dict
    )  # versions detected on the pages: coveo.analytics, @coveo/headless
    implementations: list[str] = Field(default_factory=list)  # the implementations' labels, one per kind seen
    coverage: list[CoverageRow] = Field(default_factory=list)
    comparison: Comparison | None = None
    history: list[HistoryPoint] = Field(default_factory=list)
    interrupted: bool = False  # stopped early (Ctrl-C, SIGTERM): the results cover what finished
    scenarios: list[ScenarioResult] = Field(default_factory=list)
