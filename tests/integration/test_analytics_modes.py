"""`--analytics pass` lets requests reach a collector and checks they were delivered; `block` never does."""

from __future__ import annotations

import pytest

from checker.check.rules import RuleConfig
from checker.demo.server import DemoServer
from tests.conftest import DEMO_SCENARIOS

SCENARIO = DEMO_SCENARIOS / "02-solved-by-article.yaml"


@pytest.fixture
def local_collector_site(request):
    status = getattr(request, "param", 200)
    server = DemoServer(collector_status=status)
    server.analytics_endpoint = f"{server.base_url}/rest/ua"  # the page sends to the site's stand-in collector
    with server:
        yield server


def declared(site):
    proxy = f"{site.base_url}/rest/ua/*"
    return {"rules": RuleConfig(proxies=[proxy]), "extra_analytics_patterns": [proxy]}


def test_pass_mode_delivers_to_the_collector(local_collector_site, run_scenarios):
    result = run_scenarios(
        [SCENARIO], local_collector_site.base_url, analytics="pass", **declared(local_collector_site)
    ).scenarios[0]
    analytics = [r for r in result.requests if r.kind == "analytics"]
    assert analytics and all(not r.answered_locally and r.status == 200 for r in analytics)
    collected = [c["path"] for c in local_collector_site.collected]
    assert (
        collected.count("/rest/ua/v15/analytics/collect") == 3 and collected.count("/rest/ua/v15/analytics/click") == 1
    )
    assert result.status.value == "passed" and not result.violations


@pytest.mark.parametrize("local_collector_site", [401], indirect=True)
def test_pass_mode_reports_rejected_requests(local_collector_site, run_scenarios):
    result = run_scenarios(
        [SCENARIO], local_collector_site.base_url, analytics="pass", **declared(local_collector_site)
    ).scenarios[0]
    undelivered = [v for v in result.violations if v.rule == "transport.delivered"]
    assert len(undelivered) == 4 and all("HTTP 401" in v.message for v in undelivered)
    assert result.status.value == "failed"
    assert len(result.events) == 4  # events are still decoded and checked


def test_block_mode_answers_locally(local_collector_site, run_scenarios):
    result = run_scenarios([SCENARIO], local_collector_site.base_url, analytics="block").scenarios[0]
    assert local_collector_site.collected == []
    assert all(r.answered_locally for r in result.requests if r.kind == "analytics")


def test_undeclared_own_endpoint_is_a_finding(local_collector_site, run_scenarios):
    result = run_scenarios([SCENARIO], local_collector_site.base_url).scenarios[0]
    (finding,) = [v for v in result.violations if v.rule == "transport.endpoint"]
    assert f"{local_collector_site.base_url}/rest" in finding.message and "proxies:" in finding.hint
