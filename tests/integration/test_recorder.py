"""`record`: the test plays the person (headless) on the real demo site; the scenario written must load, replay
green against the same page and fail against the broken variant."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from checker.models import Status
from checker.record import Recorder, record_to_file
from checker.record.generalize import generalize, ticket_changes
from checker.runner import RunOptions, run
from checker.scenario import load_scenarios

SUBJECT = "GC110 malfunction"
DESCRIPTION = "My GC110 electrical panel is cutting off intermittently"


def parse(text: str) -> dict:
    return YAML(typ="safe").load(text)


def replay(browser, path: Path, base_url: str, tmp_path: Path):
    options = RunOptions(base_url=base_url, report_dir=tmp_path / "report", expect_timeout_s=2.0, screenshots=False)
    return run(load_scenarios([path]), options, browser=browser).scenarios[0]


def kind_of(step: dict) -> str:
    return next(k for k in step if k in ("goto", "click", "fill", "select", "check", "press"))


def wait_for_action(recorder: Recorder, action: str, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(e.action == action for e in recorder.events()):
            return
        recorder.page.wait_for_timeout(50)
    raise AssertionError(f"{action} never captured")


@pytest.fixture(scope="module")
def submit_recording(browser, demo_server, tmp_path_factory):
    """The happy path, played as a person would: type and leave each field, pick the chip, rate, preview, submit."""
    base = demo_server.base_url
    with Recorder(browser, base + "/create-case", base_url=base, name="Recorded submit") as recorder:
        page = recorder.page
        page.fill("#subject", SUBJECT)
        page.press("#subject", "Tab")
        page.fill("#description", DESCRIPTION)
        page.press("#description", "Tab")
        page.click("#classifications >> text=Electrical")
        page.click(".document[data-position='1'] .rate-up")
        page.click(".document[data-position='1'] .quickview-button")
        page.click("#quickview-close")
        page.click("#next")
        page.check("#contact-consent")
        page.click("#submit")
        page.wait_for_selector("#confirmation")
        text = recorder.finish()
    path = tmp_path_factory.mktemp("recorded") / "submit.yaml"
    path.write_text(text, encoding="utf-8")
    return text, path


def test_recorded_steps_use_robust_selectors(submit_recording):
    text, _ = submit_recording
    assert text.startswith("# Recorded with `case-assist-check record` on ")
    doc = parse(text)
    assert doc["name"] == "Recorded submit"
    assert doc["search_hub"] == "demo_case_assist"
    steps = [{k: v for k, v in s.items() if k != "expect"} for s in doc["steps"]]
    assert steps == [
        {"goto": "/create-case"},
        {"fill": {"selector": '[data-testid="subject"]', "value": SUBJECT}},
        {"fill": {"selector": '[data-testid="description"]', "value": DESCRIPTION}},
        {"click": 'role=button[name="Electrical"]'},
        {"click": '.document[data-position="1"] .rate-up'},
        {"click": '.document[data-position="1"] .quickview-button'},
        {"click": 'role=button[name="Close"]'},
        {"click": '[data-testid="next"]'},
        {"check": "#contact-consent"},
        {"click": '[data-testid="submit"]'},
    ]
    assert "nth-" not in text
    assert '.rate-up  # "Helpful"' in text  # what the person saw, as a comment


def test_recorded_expectations_generalize_what_varies(submit_recording):
    doc = parse(submit_recording[0])
    expects = [s.get("expect", []) for s in doc["steps"]]
    assert expects[0] == [
        {"action": "ticket_create_start", "event_type": "flowStart", "ticket": {"custom": {"channel": "web"}}}
    ]
    assert expects[1] == [
        {"action": "ticket_field_update", "data": {"fieldName": "subject"}, "ticket": {"subject": SUBJECT}}
    ]
    assert expects[2] == [
        {"action": "ticket_field_update", "data": {"fieldName": "description"}, "ticket": {"description": DESCRIPTION}}
    ]
    (classification,) = expects[3]
    assert classification["data"] == {
        "classificationId": {"regex": "^[0-9a-f-]{36}$"},
        "responseId": {"regex": "^[0-9a-f-]{36}$"},
        "fieldName": "category",
        "classification": {"value": "Electrical", "confidence": {"range": [0, 1]}},
        "autoSelection": False,
    }
    assert classification["ticket"] == {"category": "Electrical"}
    (rate,) = expects[4]
    assert rate["data"]["rate"] == 1 and rate["data"]["suggestion"]["documentPosition"] == 1
    assert rate["data"]["suggestion"]["documentUrl"] == {"type": "string"}  # holds the demo's port
    (quickview,) = expects[5]
    assert quickview["action"] == "documentSuggestionQuickview"
    assert quickview["data"]["documentPosition"] == 1 and quickview["data"]["originContext"] == "CaseAssist"
    assert quickview["data"]["searchQueryUid"] == {"regex": "^[0-9a-f-]{36}$"}
    assert not {"userAgent", "clientId", "actionCause"} & set(quickview["data"])
    assert expects[6] == [] and expects[8] == []  # closing the preview, ticking consent: nothing logged
    assert expects[7] == [{"action": "ticket_next_stage"}]
    assert expects[9] == [{"action": "ticket_create", "ticket": {"id": {"regex": "^500"}}}]
    flow = doc["expect"]
    assert [e["action"] for e in flow] == [
        "ticket_create_start",
        "ticket_field_update",
        "ticket_field_update",
        "ticket_classification_click",
        "suggestion_rate",
        "documentSuggestionQuickview",
        "ticket_next_stage",
        "ticket_create",
    ]
    assert flow[0]["client_id"] == {"capture": "cid"}
    assert all(e["client_id"] == {"same_as": "cid"} for e in flow[1:])


def test_recorded_scenario_replays_green(browser, demo_server, submit_recording, tmp_path):
    result = replay(browser, submit_recording[1], demo_server.base_url, tmp_path)
    assert result.status == Status.passed, (result.error, [v.message for v in result.violations])
    assert len(result.expectations) == 16 and all(x.matched for x in result.expectations)


def test_recorded_expectations_catch_the_broken_page(browser, demo_server, submit_recording, tmp_path):
    result = replay(browser, submit_recording[1], demo_server.base_url + "/broken", tmp_path)
    assert result.status == Status.failed and result.error is None  # the page could be driven: its events are wrong
    missed = {(x.step, x.expected["action"]) for x in result.expectations if not x.matched}
    assert {
        (0, "ticket_create_start"),  # sent as click, not flowStart
        (2, "ticket_field_update"),  # the description's update has no fieldName
        (7, "ticket_next_stage"),  # never sent
        (9, "ticket_create"),
    } <= missed  # no case id
    flow_misses = [x for x in result.expectations if x.step is None and not x.matched]
    assert any(x.expected.get("client_id") == {"same_as": "cid"} for x in flow_misses)  # client ID reset


def test_solved_flow_with_typed_url_enter_select_and_popup(browser, demo_server, tmp_path):
    base = demo_server.base_url
    with Recorder(browser, base + "/", base_url=base, name="Recorded solved") as recorder:
        page = recorder.page
        page.fill("#subject", "typo")
        page.press("#subject", "Tab")
        page.goto(base + "/create-case?again=1")  # the person starts over from the address bar
        page.fill("#subject", "GC110 panel cutting power")
        page.press("#subject", "Enter")
        page.select_option("#category", "Electrical")
        with page.expect_popup() as popup_info:
            page.click(".document[data-position='1'] .doc-title")
        popup = popup_info.value
        popup.wait_for_load_state()
        popup.keyboard.press("Escape")  # the article's tab: not the page the scenario drives
        popup.close()
        page.click("#solved")
        wait_for_action(recorder, "ticket_cancel")
        page.close()  # as a person closes the window
        recorder.wait_until_done()
        text = recorder.finish()
    assert recorder.ignored_actions == 1
    doc = parse(text)
    steps = doc["steps"]
    assert [kind_of(s) for s in steps] == ["goto", "fill", "goto", "fill", "press", "select", "click", "click"]
    assert steps[0]["goto"] == "/" and steps[2]["goto"] == "/create-case?again=1"
    assert steps[2]["expect"] == [{"action": "ticket_create_start", "event_type": "flowStart"}]
    assert steps[3]["fill"] == {
        "selector": '[data-testid="subject"]',
        "value": "GC110 panel cutting power",
        "blur": False,
    }
    assert steps[4]["press"] == {"key": "Enter", "selector": '[data-testid="subject"]'}
    assert [e["data"] for e in steps[4]["expect"]] == [{"fieldName": "subject"}]  # the change comes with the Enter
    assert steps[5]["select"] == {"selector": '[data-testid="category"]', "value": "Electrical"}
    assert steps[6]["click"] == '.document[data-position="1"] .doc-title'
    (article,) = steps[6]["expect"]
    assert article["action"] == "documentSuggestionClick" and article["data"]["contentIDKey"] == "permanentid"
    assert steps[7] == {
        "click": '[data-testid="solved"]',
        "expect": [{"action": "ticket_cancel", "data": {"reason": "Solved"}}],
    }
    assert "were not recorded" in text.split("name:")[0]

    path = tmp_path / "solved.yaml"
    path.write_text(text, encoding="utf-8")
    result = replay(browser, path, base, tmp_path)
    assert result.status == Status.passed, (result.error, [v.message for v in result.violations])
    assert all(x.matched for x in result.expectations)


WIDGETS = """<!doctype html><html><head><title>Widgets</title><style>.tile{cursor:pointer}</style></head><body><main>
<nav><a href="#a" id="ember123">Home</a> <a href="#b">Home</a></nav>
<button aria-label="Close dialog" class="icon">×</button>
<div class="card" data-id="alpha"><button class="act">Go</button></div>
<div class="card" data-id="beta"><button class="act">Go</button></div>
<div class="row" data-uid="4f1c2d3e-1111-2222-3333-444455556666"><button class="x">Remove</button></div>
<div class="row" data-uid="9f1c2d3e-1111-2222-3333-444455556666"><button class="x">Remove</button></div>
<label><input type="checkbox" name="terms"> I agree</label>
<input type="radio" name="prio" value="low"><input type="radio" name="prio" value="high">
<div class="tile">Tile text</div> <div class="plain">Just text</div>
<my-widget></my-widget>
<button id="auto">Auto</button><button id="hidden-trigger" hidden>x</button>
<iframe id="inner" srcdoc="<button>In frame</button><script>document.querySelector('button').__mark='in-frame'</script>"></iframe>
</main><script>
customElements.define('my-widget', class extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<div class="wrap"><button>Shadow</button><button>Shadow</button><input class="field"></div>';
    root.querySelectorAll('button')[1].__mark = 'shadow-2';
    root.querySelector('input').__mark = 'shadow-input';
  }
});
const marks = {'#ember123': 'home-1', '.icon': 'close', 'input[name=terms]': 'terms', 'input[value=high]': 'high',
  '.tile': 'tile', '#auto': 'auto'};
for (const [selector, mark] of Object.entries(marks)) document.querySelector(selector).__mark = mark;
document.querySelectorAll('.card .act').forEach((b, i) => { b.__mark = 'go-' + (i + 1); });
document.querySelectorAll('.row .x').forEach((b, i) => { b.__mark = 'remove-' + (i + 1); });
document.querySelector('.tile').addEventListener('click', () => {});
document.getElementById('auto').addEventListener('click', () => document.getElementById('hidden-trigger').click());
</script></body></html>"""


def test_selectors_on_tricky_widgets(browser):
    """Generated ids, repeated items (stable and unstable data-*), labels, radios, listener-only clickables,
    open shadow roots, iframes; plain text and the page's own clicks are not steps."""

    def context():
        ctx = browser.new_context()
        ctx.route(
            "http://widgets.test/**", lambda route: route.fulfill(status=200, content_type="text/html", body=WIDGETS)
        )
        return ctx

    with Recorder(url="http://widgets.test/page", context_factory=context) as recorder:
        page = recorder.page
        page.click("#ember123")
        page.click(".icon")
        page.click(".card >> nth=0 >> .act")
        page.click(".row >> nth=1 >> .x")
        page.click("text=I agree")
        page.check("input[value=high]")
        page.click(".tile")
        page.click(".plain")
        page.click("my-widget button >> nth=1")
        page.fill("my-widget .field", "hello")
        page.press("my-widget .field", "Tab")
        page.click("#auto")
        page.frame_locator("#inner").locator("button").click()
        for _ in range(100):  # the frame's record comes through its own binding call: on a busy machine, later
            if len(recorder.steps) >= 12:
                break
            page.wait_for_timeout(50)
        steps = recorder.steps
        marks = []
        for step in steps[1:]:
            root = page
            for frame in step.frame:
                root = root.frame_locator(frame)
            locator = root.locator(step.selector)
            assert locator.count() == 1, step.selector
            marks.append((step.kind, locator.evaluate("el => el.__mark"), step.selector, step.frame))
        text = recorder.finish()
    assert marks == [
        ("click", "home-1", "a:nth-of-type(1)", []),  # ember123 is a generated id; the two links share their text
        ("click", "close", 'role=button[name="Close dialog"]', []),
        ("click", "go-1", '.card[data-id="alpha"] .act', []),
        ("click", "remove-2", "div.row:nth-of-type(4) > button.x", []),  # a UUID is no stable attribute
        ("check", "terms", 'input[name="terms"]', []),
        ("check", "high", 'input[name="prio"][value="high"]', []),
        ("click", "tile", 'text="Tile text"', []),
        ("click", "shadow-2", "my-widget >> button:nth-of-type(2)", []),
        ("fill", "shadow-input", "my-widget >> input.field", []),
        ("click", "auto", 'role=button[name="Auto"]', []),  # its programmatic click on #hidden-trigger is not a step
        ("click", "in-frame", 'role=button[name="In frame"]', ["#inner"]),
    ]
    doc = parse(text)
    assert doc["steps"][0] == {"goto": "http://widgets.test/page"}  # no base URL: absolute
    assert doc["steps"][-1]["frame"] == "#inner"
    assert "expect" not in doc  # no analytics on this page


def test_record_to_file_for_the_cli(demo_server, tmp_path):
    """The CLI's entry point launches its own Chromium (here headless, in a thread of its own as sync Playwright
    wants) and stops when `wait()` returns."""
    output = tmp_path / "out" / "recorded.yaml"
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["path"] = record_to_file(
                demo_server.base_url + "/create-case",
                output,
                base_url=demo_server.base_url,
                headed=False,
                wait=lambda: time.sleep(1.0),
                log=lambda _: None,
            )
        except BaseException as exc:  # surfaced below
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["path"] == output
    (scenario,) = load_scenarios([output])
    assert scenario.name.startswith("Create a support case — Barca Generators (recorded ")
    assert [s.goto for s in scenario.steps] == ["/create-case"]
    assert scenario.steps[0].expect[0].action == "ticket_create_start"


@pytest.mark.no_browser
@pytest.mark.parametrize(
    "value, key, written",
    [
        ("36312ec4-e0f6-5e21-a48f-1f434369dbb9", "responseId", {"regex": "^[0-9a-f-]{36}$"}),
        ("084a7d3359e4513ab5bdc454db80e66dfc85f684514651dabadfa979a70e", "permanentid", {"regex": "^[0-9a-f]{16,}$"}),
        ("500Dm0000000001AAA", "id", {"regex": "^500"}),
        ("00001026", "caseNumber", {"regex": r"^\d+$"}),
        ("http://127.0.0.1:8765/docs/1", "url", {"type": "string"}),
        ("https://support.example.com/docs", "url", "https://support.example.com/docs"),
        (1716900000123, "time", {"type": "number"}),
        (0.8125, "confidence", {"range": [0, 1]}),
        ("GC110", "product_id", "GC110"),
        ("subject", "fieldName", "subject"),
        (False, "autoSelection", False),
        ("Some title", "documentTitle", {"type": "string"}),
    ],
)
def test_generalize(value, key, written):
    assert generalize(value, key) == written


@pytest.mark.no_browser
def test_ticket_changes_are_what_is_new():
    before = {"custom": {"channel": "web"}, "subject": "A"}
    after = {"custom": {"channel": "web"}, "subject": "A", "category": "Billing", "id": "500Dm0000000001AAA"}
    assert ticket_changes(after, before) == {"category": "Billing", "id": {"regex": "^500"}}
    assert ticket_changes(before, None) == {"custom": {"channel": "web"}, "subject": "A"}
