"""Options of a run and the progress events it emits (shared by the runner, the driver and the reporters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from checker.check.rules import RuleConfig
from checker.models import ScenarioResult, StepResult
from checker.redact import Redactor


@dataclass
class RunOptions:
    base_url: str | None = None
    analytics: Literal["block", "pass"] = "block"
    # block: answer analytics requests this long after they leave, as the cloud does (100–200 ms): a send the
    # page's navigation cancels in production is cancelled here too, instead of being answered in time
    analytics_delay_ms: int = 150
    browser_path: str | None = None
    headed: bool = False
    report_dir: Path = Path("reports")
    step_timeout_s: float = 10.0
    expect_timeout_s: float = 5.0
    quiet_ms: int = 100  # how long a step waits for a corrected event after one came with wrong values
    settle_ms: int = 500  # after the last step, wait for what the page has under way that is due within this…
    settle_max_s: float = 5.0  # …and for late sends, all told at most this long
    screenshots: bool = True
    secrets: list[str] = field(default_factory=list)
    rules: RuleConfig = field(default_factory=RuleConfig)
    extra_analytics_patterns: list[str] = field(default_factory=list)
    storage_state: Path | None = None  # a Playwright storage state (cookies, localStorage) to start logged in
    trace: Literal["off", "on", "retain-on-failure"] = "off"  # a Playwright trace per scenario, linked from the report
    journal: bool = True  # append captures to <report>/raw/<scenario>.jsonl as they arrive
    workers: int = 1  # scenarios run in parallel, each worker its own browser
    retries: int = 0  # run a scenario that did not pass again, up to this many times (a pass then is "flaky")
    fail_on_flaky: bool = False  # a flaky scenario makes the run fail
    browser_endpoint: str | None = None  # ws://… of a remote browser (playwright run-server) instead of a local one
    host_map: dict[str, str] = field(default_factory=dict)  # --map-host: requests to HOST answered by ORIGIN
    # one for the whole run: a token one scenario reveals is masked in every scenario's artefacts, at write time
    redactor: Redactor = field(default_factory=Redactor)

    def __post_init__(self) -> None:
        for secret in self.secrets:
            self.redactor.add_secret(secret)


@dataclass(frozen=True)
class RunEvent:
    kind: Literal["run_started", "scenario_started", "step_finished", "scenario_finished", "run_finished"]
    scenario: str | None = None
    index: int = 0
    total: int = 0
    step: StepResult | None = None
    result: ScenarioResult | None = None
