"""Observer effect (issue "hostile pages"): the checker's page hooks must not depend on built-ins the page can
replace, and must not change what the page does or sends.

Each page runs twice: through the CLI (`python -m checker run`, real Chromium, analytics answered locally) and in
plain Playwright (pytest-playwright's `page`, the analytics endpoint answered the same way, no hooks). What left
the browser must be the same, every call the page made must be in the JS layer, and what the page computed with the
built-ins it replaced (and how often they were called) must not move. The CLI runs under a hard time limit: a run
that hangs fails the test instead of blocking the suite.

- apply-replaced.html: saves `fetch`, sets `Function.prototype.apply = function () {}`, calls the saved fetch.
  (The hook used `original.apply(...)`: the second request vanished and was blamed on a Content-Security-Policy.)
- call-replaced.html: the same with `Function.prototype.call`, plus a timer. (The hook's own timers were armed with
  `.call`: they never fired and the end-of-run settle waited forever.)
- builtins-replaced.html: counting wrappers on JSON.stringify, Array.prototype.push/map/slice,
  Promise.prototype.then, Object.defineProperty/keys/assign, Date.now, queueMicrotask and fetch (after the hook),
  with the real coveo.analytics library logging through them.
- builtins-broken.html: the same built-ins and more (Map, Promise, array iteration, RegExp, addEventListener,
  querySelectorAll, Array.prototype.toJSON…) broken outright, then every transport: fetch, XHR, sendBeacon, <img>.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from checker.capture.js_layer import JsCapture
from checker.capture.network import cors_headers
from checker.decode.redact import Redactor
from tests.helpers import end_tree, start_cli

ROOT = Path(__file__).resolve().parents[2]
RUN_LIMIT_S = 90  # the CLI with one short scenario takes a few seconds; a hang fails here
ANALYTICS = "**/rest/v15/analytics/**"
TRANSPORTS = ("fetch", "xhr", "sendBeacon", "image")


# --- running the CLI, and the same page in plain Playwright --------------------------------------------------------


def run_checker(tmp_path: Path, base_url: str, scenario: str) -> dict:
    """Run one scenario through the CLI (CI=1) and return its scenario from results.json."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(textwrap.dedent(scenario))
    report = tmp_path / "report"
    started = time.monotonic()
    process = start_cli("run", folder, "--base-url", base_url, "--report", report)
    try:
        out, err = process.communicate(timeout=RUN_LIMIT_S)
    except subprocess.TimeoutExpired:
        end_tree(process)  # and what it started: the driver and the browser
        pytest.fail(f"the run did not finish within {RUN_LIMIT_S} s: the page's replaced built-ins hung the checker")
    elapsed = time.monotonic() - started
    assert process.returncode in (0, 1), err.decode()[-3000:]
    (result,) = json.loads((report / "results.json").read_text())["scenarios"]
    print(f"\n{result['name']}: CLI run {elapsed:.1f} s, scenario {result['duration_s']:.1f} s")
    assert result["error"] is None, result["error"]
    return result


class PlainRun:
    """The page in plain Playwright: the analytics endpoint answered as the checker answers it, nothing else."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[dict] = []
        page.context.route(ANALYTICS, self._answer)

    def _answer(self, route, request) -> None:
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors_headers(request))
            return
        self.requests.append({"method": request.method, "url": request.url, "body": request.post_data})
        route.fulfill(status=200, headers={**cors_headers(request), "content-type": "application/json"}, body="{}")

    def wait_for_requests(self, count: int, timeout_s: float = 5) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)  # never evaluates in the page: its built-ins' counters stay the page's
        self.page.wait_for_timeout(300)  # and nothing more comes


def wire(requests: list[dict]) -> list[tuple]:
    """What left the browser, in an order that does not depend on timing."""
    return sorted((r["method"], r["url"], r["body"] or None) for r in requests)


def analytics_requests(result: dict) -> list[dict]:
    return [r for r in result["requests"] if r["kind"] == "analytics"]


def reconcile_findings(result: dict) -> list[str]:
    return [f"{v['rule']}: {v['message']}" for v in result["violations"] if v["rule"].startswith("reconcile.")]


def transports(result: dict) -> list[str]:
    return sorted(c["fn"] for c in result["js_calls"] if c["fn"] in TRANSPORTS)


# --- Function.prototype.apply / call --------------------------------------------------------------------------------


def test_apply_replaced_the_checker_sees_what_plain_playwright_sees(pages_server, tmp_path, page):
    plain = PlainRun(page)
    page.goto(f"{pages_server}/pages/apply-replaced.html")
    plain.wait_for_requests(2)
    plain_out = page.inner_text("#out")

    result = run_checker(
        tmp_path,
        pages_server,
        """\
        name: apply replaced
        steps:
          - goto: /pages/apply-replaced.html
          - wait: 300
        """,
    )
    print(f"requests: plain Playwright {len(plain.requests)}, checker {len(analytics_requests(result))}")
    assert plain_out == "object,object"  # fetch returned its promise both times, nothing threw
    assert len(plain.requests) == 2
    assert wire(analytics_requests(result)) == wire(plain.requests)
    assert transports(result) == ["fetch", "fetch"]  # the JS layer saw both calls too
    assert reconcile_findings(result) == []  # no more reconcile.called-not-sent blamed on a CSP
    assert {p["outcome"] for p in result["reconciliation"]} == {"paired"}


def test_call_replaced_the_run_ends_and_both_requests_are_captured(pages_server, tmp_path, page):
    plain = PlainRun(page)
    page.goto(f"{pages_server}/pages/call-replaced.html")
    plain.wait_for_requests(2)
    plain_out = page.inner_text("#out")

    result = run_checker(
        tmp_path,
        pages_server,
        """\
        name: call replaced
        steps:
          - goto: /pages/call-replaced.html
          - wait: 300
        """,
    )
    print(f"requests: plain Playwright {len(plain.requests)}, checker {len(analytics_requests(result))}")
    assert plain_out == "object,number,object"  # the page's timer fired
    assert len(plain.requests) == 2
    assert wire(analytics_requests(result)) == wire(plain.requests)
    assert transports(result) == ["fetch", "fetch"]
    assert reconcile_findings(result) == []
    assert result["duration_s"] < 15  # the settle at the end is bounded by what the page has under way


# --- built-ins wrapped (counted) by the page ------------------------------------------------------------------------


def _page_report(requests: list[dict]) -> dict:
    (report,) = [r for r in requests if "report=1" in r["url"]]
    return json.loads(json.loads(report["body"])["report"])


def test_replaced_builtins_page_computes_and_counts_the_same(pages_server, tmp_path, page):
    plain = PlainRun(page)
    page.goto(f"{pages_server}/pages/builtins-replaced.html")
    page.click("#go")
    page.wait_for_selector("#done")  # in Playwright's own world: the page's counters do not see it
    plain.wait_for_requests(3)
    plain_report = _page_report(plain.requests)

    result = run_checker(
        tmp_path,
        pages_server,
        """\
        name: builtins replaced
        steps:
          - goto: /pages/builtins-replaced.html
          - click: "#go"
          - wait_for: "#done"
        """,
    )
    requests = analytics_requests(result)
    checker_report = _page_report(requests)
    print(f"requests: plain Playwright {len(plain.requests)}, checker {len(requests)}")
    print("page's counts, plain Playwright:", plain_report["counts"])
    print("page's counts, checker:         ", checker_report["counts"])

    # the page's own behaviour: what it computed with the replaced built-ins, what it sent
    assert (
        checker_report["done"]
        == plain_report["done"]
        == ["answer 42", "fetch answered 200", 'text {"parts":["a","b"],"doubled":[2,4,6]}']
    )
    assert len(requests) == len(plain.requests) == 3
    actions = lambda reqs: sorted(json.loads(r["body"]).get("svc_action", "") for r in reqs)  # noqa: E731
    assert actions(requests) == actions(plain.requests) == ["page_report", "ticket_create_start", "ticket_next_stage"]
    # no built-in the page counts was called by the checker. Array.prototype.slice is left out: Playwright itself
    # runs `argsAndHandles.slice(...)` in the page when it acknowledges a binding call (its UtilityScript)
    counts = {k: v for k, v in checker_report["counts"].items() if k != "Array.prototype.slice"}
    assert counts == {k: v for k, v in plain_report["counts"].items() if k != "Array.prototype.slice"}

    # and the checker still saw everything: coveoua calls, the library, every fetch (the page's wrapper included)
    calls = [(c["fn"], c["args"][0] if c["args"] else None) for c in result["js_calls"]]
    for expected in [
        ("coveoua", "init"),
        ("coveoua", "svc:setAction"),
        ("coveoua", "svc:setTicket"),
        ("coveoua", "send"),
    ]:
        assert expected in calls
    assert any(fn == "library" for fn, _ in calls)
    assert transports(result) == ["fetch"] * 3
    api = [(p["outcome"], p["action"]) for p in result["reconciliation"] if p["level"] == "api"]
    assert ("paired", "ticket_create_start") in api
    assert not [f for f in reconcile_findings(result) if "called-not-sent" in f]
    assert {p["outcome"] for p in result["reconciliation"] if p["level"] == "transport"} == {"paired"}


# --- built-ins broken outright ----------------------------------------------------------------------------------


def test_broken_builtins_every_transport_is_still_captured(pages_server, tmp_path, page):
    plain = PlainRun(page)
    page.goto(f"{pages_server}/pages/builtins-broken.html")
    plain.wait_for_requests(6)
    plain_out = page.inner_text("#out")

    result = run_checker(
        tmp_path,
        pages_server,
        """\
        name: builtins broken
        steps:
          - goto: /pages/builtins-broken.html
          - wait: 300
        """,
    )
    requests = analytics_requests(result)
    print(f"requests: plain Playwright {len(plain.requests)}, checker {len(requests)}")
    assert plain_out == "sent 1"
    assert len(plain.requests) == 6
    assert wire(requests) == wire(plain.requests)
    assert transports(result) == ["fetch", "fetch", "fetch", "image", "sendBeacon", "xhr"]
    beacon = next(c for c in result["js_calls"] if c["fn"] == "sendBeacon")
    assert beacon["returned"] is True
    # the calls' arguments are intact: the page's Array.prototype.toJSON did not turn them into a string
    assert all(isinstance(c["args"], list) and len(c["args"]) == 2 for c in result["js_calls"] if c["fn"] in TRANSPORTS)
    assert reconcile_findings(result) == []
    assert {p["outcome"] for p in result["reconciliation"]} == {"paired"}
    assert result["duration_s"] < 15


@pytest.mark.no_browser
def test_a_batch_arrives_as_one_json_text():
    """hook.js hands a batch to the binding as one JSON text (Playwright serializes a text without the page's
    built-ins); a single record, or a page calling the binding with anything else, is still handled."""
    js = JsCapture(Redactor([]), 1000.0, lambda wall: 0)
    batch = {
        "records": [
            {
                "fn": "fetch",
                "args": json.dumps(["https://x/rest/v15/analytics/collect", "{}"]),
                "time": 1_000_010,
                "url": "https://x/rest/v15/analytics/collect",
            }
        ],
        "extras": {"acts": [1_000_005], "fields": ["subject"]},
    }
    js._on_record(None, json.dumps(batch))
    js._on_record(None, json.dumps({"fn": "page", "args": "[]", "time": 1_000_020}))
    js._on_record(None, "not json")
    js._on_record(None, {"fn": "coveoua", "args": '["send"]', "time": 1_000_030})
    assert [c.fn for c in js.calls] == ["fetch", "page", "coveoua"]
    assert js.calls[0].args[0] == "https://x/rest/v15/analytics/collect"
    assert js.acts == [1000.005] and js.page_fields == {"subject"} and js.transports == 1
