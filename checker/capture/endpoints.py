"""Which requests are Case Assist analytics or Customer Service API calls, by URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# UA (coveo.analytics / Headless legacy): …/rest/v15/analytics/collect, …/rest/ua/v15/analytics/click, …
UA_PATH = re.compile(r"/rest(?:/ua)?/v15/analytics/(?P<endpoint>collect|click|custom|search|searches|view)\b")
# Event Protocol (Headless next mode): …/rest/organizations/ORG/events/v1
EP_PATH = re.compile(r"/rest/organizations/(?P<org>[^/]+)/events/v1(?:/|$|\?)")
# Customer Service API, which the page calls to get suggestions; never altered, only observed.
SERVICE_API_PATH = re.compile(r"/rest/organizations/[^/]+/caseassists/[^/]+/(?P<endpoint>classify|documents/suggest)\b")

COVEO_ANALYTICS_HOST = re.compile(
    r"^(?:analytics(?:-[a-z]+)?\.cloud\.coveo\.com|[a-z0-9-]+\.analytics\.org(?:hipaa)?\.coveo\.com|"
    r"platform(?:-[a-z]+)?\.cloud\.coveo\.com|[a-z0-9-]+\.org(?:hipaa)?\.coveo\.com)$"
)


def analytics_endpoint(url: str) -> str | None:
    """'collect', 'click', … for a UA request, 'event_protocol' for EP, None when not analytics."""
    path = urlsplit(url).path
    match = UA_PATH.search(path)
    if match:
        return match.group("endpoint")
    if EP_PATH.search(path + "/"):
        return "event_protocol"
    return None


def service_api_endpoint(url: str) -> str | None:
    match = SERVICE_API_PATH.search(urlsplit(url).path)
    return match.group("endpoint") if match else None


def is_coveo_analytics_host(url: str) -> bool:
    return bool(COVEO_ANALYTICS_HOST.match(urlsplit(url).hostname or ""))
