"""Which requests are Case Assist analytics or Customer Service API calls, by URL."""

from __future__ import annotations

import re

from checker.values import split_url

# UA (coveo.analytics / Headless legacy): …/rest/v15/analytics/collect, …/rest/ua/v15/analytics/click, …
UA_PATH = re.compile(r"/rest(?:/ua)?/v15/analytics/(?P<endpoint>collect|click|custom|search|searches|view)\b")
# Event Protocol (Headless next mode): …/rest/organizations/ORG/events/v1
EP_PATH = re.compile(r"/rest/organizations/(?P<org>[^/]+)/events/v1(?:/|$|\?)")
# Customer Service API, which the page calls to get suggestions; never altered, only observed.
SERVICE_API_PATH = re.compile(r"/rest/organizations/[^/]+/caseassists/[^/]+/(?P<endpoint>classify|documents/suggest)\b")

# The same two patterns for the page-side hook (JavaScript regex syntax).
UA_PATH_JS = r"/rest(?:/ua)?/v15/analytics/(?:collect|click|custom|search|searches|view)\b"
EP_PATH_JS = r"/rest/organizations/[^/?#]+/events/v1(?:[/?#]|$)"

# analytics.cloud.coveo.com, analyticshipaa.cloud.coveo.com, analytics-eu.cloud.coveo.com, platform*.cloud.coveo.com,
# ORG.analytics.org.coveo.com, ORG.analytics.orghipaa.coveo.com, ORG.org{dev,stg,eu,au,ca}.coveo.com, …
COVEO_ANALYTICS_HOST = re.compile(
    r"^(?:(?:analytics|platform)(?:hipaa)?(?:-[a-z]+)?\.cloud\.coveo\.com"
    r"|[a-z0-9-]+(?:\.analytics)?\.org(?:dev|stg|hipaa|eu|au|ca)?\.coveo\.com)$"
)


# the organization in a URL: an organization's own host (ORG.analytics.org.coveo.com, ORG.org.coveo.com, …) or a
# /rest/organizations/ORG/ path (the Event Protocol's, the Customer Service API's)
ORG_HOST = re.compile(r"^(?P<org>[a-z0-9-]+?)(?:\.analytics)?\.org(?:dev|stg|hipaa|eu|au|ca)?\.coveo\.com$")
SERVICE_API_ORG = re.compile(r"/rest/organizations/(?P<org>[^/]+)/caseassists/")


def analytics_organization(url: str) -> str | None:
    """The organization an analytics request goes to, when its URL says (analytics.cloud.coveo.com and a proxy do
    not: the token decides there)."""
    parts = split_url(url)
    match = EP_PATH.search(parts.path + "/") or ORG_HOST.match((parts.hostname or "").lower())
    return match.group("org").lower() if match else None


def service_api_organization(url: str) -> str | None:
    match = SERVICE_API_ORG.search(split_url(url).path)
    return match.group("org").lower() if match else None


def analytics_endpoint(url: str) -> str | None:
    """'collect', 'click', … for a UA request, 'event_protocol' for EP, None when not analytics."""
    path = split_url(url).path
    match = UA_PATH.search(path)
    if match:
        return match.group("endpoint")
    if EP_PATH.search(path + "/"):
        return "event_protocol"
    return None


def service_api_endpoint(url: str) -> str | None:
    match = SERVICE_API_PATH.search(split_url(url).path)
    return match.group("endpoint") if match else None


def is_coveo_analytics_host(url: str) -> bool:
    return bool(COVEO_ANALYTICS_HOST.match(split_url(url).hostname or ""))


def proxy_regex(pattern: str) -> re.Pattern[str]:
    """A user-declared analytics proxy: a URL prefix where `*` matches anything."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")))


def analytics_route_pattern(extra_patterns: list[str]) -> re.Pattern[str]:
    """One regex, valid in Python and JavaScript, that Playwright matches inside the browser driver: with a Python
    predicate instead, every request of the page (HTML, scripts, images) would make a round trip to this process."""
    sources = [UA_PATH_JS, EP_PATH_JS, *(proxy_regex(p).pattern for p in extra_patterns)]
    return re.compile("|".join(f"(?:{source})" for source in sources))


def matches_proxy(url: str, patterns: list[str]) -> bool:
    return any(proxy_regex(p).match(url) for p in patterns)
