"""`case-assist-check report DIR`: make the report again from what a run left in its folder — results.json if
the run finished, else the scenarios' journals (raw/*.jsonl), checked again: a crash loses nothing captured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import ValidationError

from checker import __version__
from checker.errors import ConfigError
from checker.models import CapturedRequest, JsCall, RunResult, ScenarioResult, Status, StepResult
from checker.report.journal import read_journal

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
        raise ConfigError(f"{folder} holds neither results.json nor journals (raw/*.jsonl)",
                          "give the report folder of a run (--report DIR)")
    return _run_from(journals)


def _run_from(journals: list[Path]) -> RunResult:
    from checker.runner import finish_run

    scenarios = [scenario_from_journal(path) for path in journals]
    started = min((s.page_info.get("journal_started_at", 0) for s in scenarios), default=0) or 0
    run = RunResult(tool_version=__version__, interrupted=True,
                    started_at=dt.datetime.fromtimestamp(started or 0, dt.timezone.utc).isoformat(timespec="seconds"))
    run.scenarios = scenarios
    finish_run(run, sum(s.duration_s for s in scenarios))
    return run


def scenario_from_journal(path: Path) -> ScenarioResult:
    records = list(read_journal(path))
    final = [r for r in records if r["kind"] == "result"]
    if final:
        return ScenarioResult.model_validate(final[-1]["data"])
    header = next((r["data"] for r in records if r["kind"] == "scenario"), {"name": path.stem, "file": ""})
    result = ScenarioResult(name=str(header.get("name")), file=str(header.get("file")), status=Status.error, error=UNFINISHED)
    result.page_info["journal_started_at"] = header.get("started_at", 0)
    result.requests = list(_latest(records, "request", CapturedRequest).values())
    result.js_calls = list(_latest(records, "js_call", JsCall).values())
    result.steps = list(_latest(records, "step", StepResult, key="index").values())
    _check_again(result)
    return result


def _latest(records: list[dict], kind: str, model, key: str = "id") -> dict:
    out = {}
    for record in records:
        if record["kind"] == kind:
            try:
                item = model.model_validate(record["data"])
            except ValidationError:
                continue
            out[getattr(item, key)] = item
    return dict(sorted(out.items()))


def _check_again(result: ScenarioResult) -> None:
    """Decode and check what was captured; the scenario's own expectations too when its file is still there."""
    from checker.check import check_scenario
    from checker.check.reconcile import reconcile
    from checker.check.rules import RuleContext, evaluate
    from checker.decode import decode_all
    from checker.scenario import LoadOptions, load_scenarios

    result.events = decode_all(result.requests, result.js_calls)
    try:
        (scenario,) = [s for s in load_scenarios([result.file], LoadOptions()) if s.name == result.name]
        check_scenario(result, scenario)
    except Exception:  # the file moved, changed or needs secrets: the protocol rules alone
        result.reconciliation = reconcile(result)
        result.violations = evaluate(RuleContext(result))
    result.status = Status.error
    result.error = UNFINISHED
