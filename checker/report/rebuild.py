"""`case-assist-check report DIR`: make the report again from what a run left in its folder — results.json if
the run finished, else the scenarios' journals (raw/*.jsonl), checked again: a crash loses nothing captured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from checker.check import analyze
from checker.errors import ConfigError
from checker.models import CapturedRequest, JsCall, RunResult, ScenarioResult, Status, StepResult
from checker.report.journal import read_journal
from checker.report.run import new_run
from checker.scenario import LoadOptions, load_scenarios
from checker.scenario.model import Scenario

_Record = TypeVar("_Record", bound=BaseModel)

UNFINISHED = "the run stopped before this scenario was checked; rebuilt from its journal"


def rebuild(folder: Path) -> RunResult:
    results = folder / "results.json"
    if results.is_file():
        try:
            return RunResult.model_validate_json(results.read_text(encoding="utf-8"))
        except (ValidationError, ValueError):
            pass  # cut short by the crash: fall back to the journals
    journals = sorted((folder / "raw").glob("*.jsonl"))
    if not journals:
        raise ConfigError(
            f"{folder} holds neither results.json nor journals (raw/*.jsonl)",
            "give the report folder of a run (--report DIR)",
        )
    return _run_from(journals)


def _run_from(journals: list[Path]) -> RunResult:
    scenarios = [scenario_from_journal(path) for path in journals]
    started = min((s.page_info.get("journal_started_at", 0) for s in scenarios), default=0) or 0
    return new_run(
        scenarios,
        started_at=dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
        duration_s=sum(s.duration_s for s in scenarios),
        interrupted=True,
    )


def scenario_from_journal(path: Path) -> ScenarioResult:
    """The scenario's final result when the journal holds it; else what it captured, analysed again (`analyze`)
    and marked `error` (UNFINISHED)."""
    records = list(read_journal(path))
    final = [r for r in records if r["kind"] == "result"]
    if final:
        return ScenarioResult.model_validate(final[-1]["data"])
    result = capture_from_journal(records, path.stem)
    analyze(result, _scenario_of(result))
    result.status = Status.error
    result.error = UNFINISHED
    return result


def capture_from_journal(records: list[dict[str, Any]], name: str) -> ScenarioResult:
    """What a scenario's journal holds before its result: the scenario's name and file, its requests, JS calls and
    steps (each record's latest version), unchecked."""
    header = next((r["data"] for r in records if r["kind"] == "scenario"), {"name": name, "file": ""})
    result = ScenarioResult(name=str(header.get("name")), file=str(header.get("file")))
    result.page_info["journal_started_at"] = header.get("started_at", 0)
    result.requests = list(_latest(records, "request", CapturedRequest).values())
    result.js_calls = list(_latest(records, "js_call", JsCall).values())
    result.steps = list(_latest(records, "step", StepResult, key="index").values())
    return result


def _latest(records: list[dict[str, Any]], kind: str, model: type[_Record], key: str = "id") -> dict[Any, _Record]:
    out: dict[Any, _Record] = {}
    for record in records:
        if record["kind"] == kind:
            try:
                item = model.model_validate(record["data"])
            except ValidationError:
                continue
            out[getattr(item, key)] = item
    return dict(sorted(out.items()))


def _scenario_of(result: ScenarioResult) -> Scenario | None:
    """The scenario whose journal this is, when its file is still there and loads (its expectations are checked too);
    else None: the protocol rules alone."""
    try:
        (scenario,) = [s for s in load_scenarios([result.file], LoadOptions()) if s.name == result.name]
    except Exception:  # the file moved, changed or needs secrets
        return None
    return scenario
