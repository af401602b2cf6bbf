"""Fix hints in the words of the implementation the page runs (`checker.check.implementation`).

A snippet page fixes a finding with `coveoua(...)` calls; a Headless page with engine options and actions; a
Quantic page with component attributes, the Apex `HeadlessController` configuration or its host component (the
Lightning component of the site that holds the subject, description and buttons, and dispatches on the engine
Quantic shares). One topic has one text per implementation; a Quantic page falls back on the Headless text, any
other on the snippet's. Texts may name `{expected}`, `{action}`, `{field}`, `{version}` placeholders.
"""

from __future__ import annotations

from checker.models import Implementation

ENGINE = "the engine Quantic shares (same engine-id as your c-quantic-case-assist-interface)"

ADVICE: dict[str, dict[str, str]] = {
    "ticket-id": {
        "snippet": "call coveoua('svc:setTicket', {…, id: '<created case id>'}) before sending ticket_create",
        "headless": "engine.dispatch(loadCaseInputActions(engine).updateCaseInput({fieldName: 'id', fieldValue: caseId})) "
        "before logCreateCase(): Headless takes the ticket from the case inputs",
        "quantic": "in your host component, once the Case record is saved, dispatch "
        "loadCaseInputActions(engine).updateCaseInput({fieldName: 'id', fieldValue: <the new Case Id>}) on "
        f"{ENGINE}, then logCreateCase(): Quantic takes the ticket from the case inputs",
    },
    "create-missing": {
        "snippet": "once the case is saved: coveoua('svc:setAction', 'ticket_create'), coveoua('svc:setTicket', "
        "{…, id}), coveoua('send', 'event', 'svc', 'click', {searchHub: …})",
        "headless": "dispatch loadCaseAssistAnalyticsActions(engine).logCreateCase() once the case is saved",
        "quantic": "Quantic never logs the case creation itself: your host component's create handler must dispatch "
        f"loadCaseAssistAnalyticsActions(engine).logCreateCase() on {ENGINE} after the Case record is saved",
    },
    "cancel": {
        "snippet": "coveoua('svc:setAction', 'ticket_cancel', {reason: 'Solved'}) when a suggestion solved the problem, "
        "{reason: 'Quit'} when the user leaves, then coveoua('send', 'event', 'svc', 'click', …)",
        "headless": "dispatch logSolveCase() when a suggestion solved the problem (reason Solved) and logAbandonCase() "
        "when the user leaves (reason Quit)",
        "quantic": "your host component's 'solved' button must dispatch loadCaseAssistAnalyticsActions(engine)"
        ".logSolveCase() (reason Solved); logAbandonCase() is for a user who leaves (Quit)",
    },
    "start": {
        "snippet": "log ticket_create_start (event type flowStart) as soon as the user enters the Case Assist interface",
        "headless": "dispatch loadCaseAssistAnalyticsActions(engine).logCaseStart() once, when the interface opens",
        "quantic": "c-quantic-case-assist-interface logs ticket_create_start when its engine initializes: put exactly one "
        "on the page, and give every Quantic component and your host its engine-id",
    },
    "search-hub": {
        "snippet": "use the search hub of this Case Assist interface on every event: coveoua('send', …, {searchHub: "
        "'{expected}'}) (originLevel1 on click events)",
        "headless": "set configuration.searchHub: '{expected}' in buildCaseAssistEngine",
        "quantic": "set search-hub=\"{expected}\" on c-quantic-case-assist-interface (Quantic's default is 'default')",
    },
    "search-hub-missing": {
        "snippet": "pass {searchHub: …} to send (originLevel1 on click events): Case Assist reports are filtered by it",
        "headless": "set configuration.searchHub in buildCaseAssistEngine: Case Assist reports are filtered by it",
        "quantic": "set the search-hub attribute of c-quantic-case-assist-interface: Case Assist reports are filtered by it",
    },
    "one-client-id": {
        "snippet": "all events of a flow must share one client ID: don't clear localStorage/cookies or re-create the "
        "client mid-flow, and let every integration read the same visitorId",
        "headless": "build one case assist engine per page and share it; an engine in a frame of another origin "
        "cannot read this page's visitorId (its storage is the frame's own, often blocked): build it on "
        "the page's origin; don't clear localStorage/cookies mid-flow",
        "quantic": "keep one c-quantic-case-assist-interface on the site's own origin and give every Quantic component "
        "and your host component its engine-id: an interface in a frame of another origin (a Visualforce "
        "page, Lightning Out, a widget from another domain) has storage of its own, often blocked, so its "
        "engine starts another client ID; move it onto the site's pages",
    },
    "stored-client-id": {
        "snippet": "every source of events must use the client ID coveo.analytics stores; don't generate your own",
        "headless": "every engine must use the client ID the page stores (localStorage visitorId): no clientId of "
        "your own in the engine's configuration, and no engine in a frame of another origin",
        "quantic": "every Quantic interface must run on the site's origin, where it reads the stored visitorId: one "
        "in a frame of another origin (Visualforce, Lightning Out, another domain's widget) makes its own",
    },
    "duplicate-start": {
        "snippet": "log ticket_create_start once per flow",
        "headless": "build one case assist engine and dispatch logCaseStart() once",
        "quantic": "each c-quantic-case-assist-interface logs its own ticket_create_start: keep one per page and share "
        "its engine-id",
    },
    "updated-field": {
        "snippet": "call coveoua('svc:setTicket', {…, {field}: <new value>}) before sending the event",
        "headless": "update the case input first (CaseInput.update or updateCaseInput({fieldName: '{field}', "
        "fieldValue})), then logUpdateCaseField('{field}')",
        "quantic": "in your host component, dispatch updateCaseInput({fieldName: '{field}', fieldValue}) on "
        f"{ENGINE} before logUpdateCaseField('{{field}}')",
    },
    "service-api": {
        "snippet": "the URL names the Case Assist configuration (…/caseassists/ID/…): use the ID of one of the "
        "organization's Case Assist configurations, and a token allowed to use it",
        "headless": "configuration.caseAssistId of buildCaseAssistEngine must be the ID of one of the organization's "
        "Case Assist configurations, and the access token must be allowed to use it",
        "quantic": "the case-assist-id attribute of c-quantic-case-assist-interface must be the ID of one of the "
        "organization's Case Assist configurations (Administration console > Case Assist), and the token "
        "your Apex HeadlessController returns must be allowed to use it",
    },
    "analytics-mode": {
        "headless": "set configuration.analytics.analyticsMode: 'legacy' in buildCaseAssistEngine (Headless 3 and 4 "
        "default to 'next')",
        "quantic": "Quantic sets analyticsMode 'legacy' itself; an `analytics` key in the JSON your Apex "
        "HeadlessController.getHeadlessConfiguration returns replaces Quantic's whole analytics setup: "
        "remove it (Quantic's originContext 'CaseAssist' and version tag go with it too)",
        "snippet": "set configuration.analytics.analyticsMode: 'legacy' in buildCaseAssistEngine",
    },
    "cancelled-send": {
        "snippet": "let the send finish before navigating (coveoua('send', …) returns a promise: await it), or send "
        "with navigator.sendBeacon or fetch(url, {keepalive: true}), which outlive the page",
        "headless": "navigate (or remove the frame or component whose engine logs) only once the analytics action "
        "has settled: await engine.dispatch(…) of the log action; Headless sends with fetch, without keepalive",
        "quantic": "in your host component, await the dispatch of the log action (logCreateCase(), logSolveCase(), …) "
        f"on {ENGINE} before navigating to another page, and don't remove a frame or component that holds a Quantic "
        "interface while it logs: Headless, loaded by Quantic, sends with fetch, without keepalive",
    },
    "not-sent": {
        "snippet": "make sure coveo.analytics loads (CSP script-src/connect-src must allow Coveo), and that "
        "nothing blocks or cancels the request",
        "headless": "make sure nothing blocks or cancels the engine's request: a Content-Security-Policy whose "
        "connect-src does not allow the analytics endpoint, an ad blocker, a navigation; the browser console says "
        "which",
        "quantic": "make sure nothing blocks or cancels the request of the engine Quantic loads: the site's CSP "
        "Trusted Sites must allow the analytics endpoint (connect-src), and no navigation may cut it short; the "
        "browser console says which",
    },
    "organization": {
        "snippet": "log to the organization of this Case Assist interface: coveoua('init', <an API key of "
        "{expected}>, 'https://{expected}.analytics.org.coveo.com')",
        "headless": "build the engine for one organization: organizationId '{expected}' with an access token of that "
        "organization (Headless derives the analytics endpoint from them; check analytics.proxyBaseUrl too)",
        "quantic": "the Apex HeadlessController configuration (getHeadlessConfiguration) must give organizationId "
        "'{expected}' and a token of that organization, the one whose Case Assist configuration the page uses",
    },
    "analytics-off": {
        "snippet": "turn the engine's analytics on: drop analytics: {enabled: false} from buildCaseAssistEngine's "
        "configuration, and where the page turns them off (engine.disableAnalytics(), e.g. until a visitor "
        "consents), call engine.enableAnalytics() once it may log",
        "quantic": f"the analytics of {ENGINE} are turned off: look for engine.disableAnalytics() (or a configuration "
        "with analytics.enabled false) in your host component and the Apex HeadlessController configuration, and "
        "call engine.enableAnalytics() once the visitor may be tracked",
    },
    "endpoint": {
        "snippet": "use https://ORG.analytics.org.coveo.com (or .orghipaa. for HIPAA), or declare your proxy under "
        "`proxies:` in case-assist-check.yaml",
        "headless": "Headless derives the endpoint from organizationId (and environment); set "
        "configuration.analytics.proxyBaseUrl only for your own proxy, and declare it under `proxies:`",
        "quantic": "the endpoint comes from the organizationId (or platformUrl/proxyBaseUrl) your Apex "
        "HeadlessController returns; declare a proxy of yours under `proxies:` in case-assist-check.yaml",
    },
    "library-sends": {
        "snippet": "the page's coveoua calls send it: change them",
        "headless": "@coveo/headless {version} sends it this way; a page cannot change it: upgrade Headless",
        "quantic": "@coveo/headless {version}, loaded by Quantic, sends it this way: upgrade the Quantic package",
    },
}


def advise(implementation: Implementation, topic: str, **values: object) -> str:
    """The hint for `topic` in the words of the page's implementation."""
    texts = ADVICE[topic]
    text = texts.get(implementation.kind) or (texts.get("headless") if implementation.kind == "quantic" else None)
    text = text or texts["snippet"]
    values.setdefault("version", implementation.headless or "?")
    for name, value in values.items():  # only the named placeholders: the texts hold literal braces of JS code
        text = text.replace("{" + name + "}", str(value))
    return text


def library_name(implementation: Implementation) -> str:
    """'@coveo/headless 3.37.0 (loaded by Quantic 3.34.0)' — whose behaviour a deviation is."""
    name = f"@coveo/headless {implementation.headless or '?'}"
    return f"{name} (loaded by Quantic {implementation.quantic})" if implementation.quantic else name
