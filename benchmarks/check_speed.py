"""Cost of the checking itself: decode → reconcile → rules → expectations on a synthetic flow of N events
(default 10,000: a realistic Case Assist flow repeated), without a browser. Prints events checked per second and
the peak memory of the process.

    .venv/bin/python benchmarks/check_speed.py [--events 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc

from checker.check import check_scenario
from checker.check.analyze import cycle_collector_paused
from checker.decode import decode_all
from checker.models import CapturedRequest, JsCall, ScenarioResult, StepResult
from checker.scenario.model import Scenario

CID = "0b5f8e8e-9d7f-4e43-9f3b-8a1c7a2d6e11"
FLOW = [
    ("ticket_field_update", "click", {"fieldName": "subject"}),
    (
        "ticket_classification_click",
        "click",
        {
            "classificationId": "c1",
            "responseId": "r1",
            "fieldName": "category",
            "classification": {"value": "Electrical", "confidence": 0.8},
            "autoSelection": False,
        },
    ),
    (
        "suggestion_rate",
        "click",
        {
            "rate": 1,
            "suggestionId": "p1",
            "responseId": "r2",
            "suggestion": {"documentUrl": "u", "documentTitle": "t", "documentPosition": 1},
        },
    ),
    ("ticket_next_stage", "click", {}),
]


def synthetic(n: int) -> tuple[ScenarioResult, Scenario]:
    requests, calls = [], []
    for i in range(n):
        action, kind, data = ("ticket_create_start", "flowStart", {}) if i == 0 else FLOW[i % len(FLOW)]
        body = {
            "svc_action": action,
            "svc_action_data": data,
            "svc_ticket_subject": f"s{i}",
            "ec": "svc",
            "ea": kind,
            "cid": CID,
            "searchHub": "hub",
            "t": "event",
        }
        requests.append(
            CapturedRequest(
                id=i,
                kind="analytics",
                method="POST",
                resource_type="fetch",
                step=1,
                time_ms=i * 2.0,
                url="https://org.analytics.org.coveo.com/rest/v15/analytics/collect",
                body=json.dumps(body),
                status=200,
                answered_locally=True,
            )
        )
        base = len(calls)
        calls += [
            JsCall(id=base, fn="coveoua", args=["svc:setAction", action, data], step=1, time_ms=i * 2.0 - 1),
            JsCall(
                id=base + 1, fn="coveoua", args=["svc:setTicket", {"subject": f"s{i}"}], step=1, time_ms=i * 2.0 - 1
            ),
            JsCall(
                id=base + 2,
                fn="coveoua",
                args=["send", "event", "svc", kind, {"searchHub": "hub"}],
                step=1,
                time_ms=i * 2.0 - 1,
            ),
            JsCall(
                id=base + 3,
                fn="fetch",
                args=["https://org.analytics.org.coveo.com/rest/v15/analytics/collect"],
                url="https://org.analytics.org.coveo.com/rest/v15/analytics/collect",
                step=1,
                time_ms=i * 2.0 - 0.5,
            ),
        ]
    result = ScenarioResult(
        name="synthetic",
        file="synthetic.yaml",
        requests=requests,
        js_calls=calls,
        steps=[
            StepResult(index=0, kind="goto", description="goto"),
            StepResult(index=1, kind="click", description="click"),
        ],
        stored_client_id=CID,
    )
    scenario = Scenario.model_validate(
        {
            "name": "synthetic",
            "steps": [{"goto": "/x"}, {"click": "#y"}],
            "expect": [{"action": "ticket_create_start"}, {"action": "ticket_next_stage"}],
        }
    )
    return result, scenario


def timed(n: int) -> dict[str, float]:
    """Seconds per stage on a fresh synthetic flow."""
    from checker.check.expectations import evaluate_scenario
    from checker.check.reconcile import reconcile
    from checker.check.rules import RuleContext, evaluate

    result, scenario = synthetic(n)
    paused = cycle_collector_paused()
    paused.__enter__()  # as `analyze` runs them
    marks = {"start": time.perf_counter()}
    result.events = decode_all(result.requests, result.js_calls)
    marks["decode"] = time.perf_counter()
    result.expectations = evaluate_scenario(scenario, result.events, {0, 1})
    marks["expectations"] = time.perf_counter()
    result.reconciliation = reconcile(result)
    marks["reconcile"] = time.perf_counter()
    result.violations = evaluate(RuleContext(result))
    marks["rules"] = time.perf_counter()
    paused.__exit__(None, None, None)
    names = list(marks)
    return {names[i]: marks[names[i]] - marks[names[i - 1]] for i in range(1, len(names))}


def floor(n: int) -> float:
    """What any pipeline of this shape pays before it checks anything: parse each request's JSON body, build each
    typed event (pydantic, without validation), and let each rule of the rulebook look at each event once."""
    from checker.check.rules import RULES
    from checker.models import Event

    result, _ = synthetic(n)
    bodies = [request.body or "" for request in result.requests]
    fields = [event.__dict__.copy() for event in decode_all(result.requests, result.js_calls)]
    started = time.perf_counter()
    for body in bodies:
        json.loads(body)
    events = [Event.model_construct(**values) for values in fields]
    for _ in RULES:
        for event in events:
            event.action  # noqa: B018  (the least a rule does with an event: read one field)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs = [timed(args.events) for _ in range(args.rounds)]
    best = {stage: min(r[stage] for r in runs) for stage in runs[0]}
    total = sum(best.values())
    print(f"{args.events} events, best of {args.rounds}:")
    for stage, seconds in best.items():
        print(f"  {stage:13} {seconds:6.3f} s   {args.events / seconds:>10,.0f} events/s")
    print(f"  {'all':13} {total:6.3f} s   {args.events / total:>10,.0f} events/s")
    least = min(floor(args.events) for _ in range(args.rounds))
    print(
        f"  {'floor':13} {least:6.3f} s   {args.events / least:>10,.0f} events/s   (JSON bodies parsed, typed events "
        "built, each rule reading each event once: nothing checked yet)"
    )
    result, scenario = synthetic(args.events)
    tracemalloc.start()
    result.events = decode_all(result.requests, result.js_calls)
    check_scenario(result, scenario)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory of the checking {peak / 2**20:.0f} MiB (tracemalloc); process max RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; status {result.status.value}"
    )


if __name__ == "__main__":
    main()
