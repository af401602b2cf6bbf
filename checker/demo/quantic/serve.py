"""What the demo server answers for the Quantic variants (checker/demo/server.py asks `reply` first).

    /quantic/create-case          Quantic's default: the Apex configuration has organizationId + accessToken only,
                                  so Quantic's own analytics settings hold: UA (legacy), originContext CaseAssist
    /quantic-next/create-case     the Apex configuration carries `analytics` (analyticsMode 'next', trackingId):
                                  Event Protocol
    /quantic-broken/create-case   UA with integration bugs; `?bugs=a,b` picks them (`?bugs=` none), else DEFAULT_BUGS
    PREFIX/popular-articles       the sidebar widget the second-interface bug frames from the other loopback name
    PREFIX/apex/HeadlessController.getHeadlessConfiguration   the Apex method's JSON text, per variant
    /quantic/static/app.js        the page's bundle (dist/, see build.mjs)
    /quantic/resources/NAME/…     the static resources Quantic loads (coveoheadless, coveobueno)
    /quantic/slds/…               SLDS (@salesforce-ux/design-system assets: styles, icons, images)
    /quantic/ui-api/object-info/Case[/picklist-values/RECORDTYPE]   what lightning/uiObjectInfoApi's wires read

Without a build, every Quantic route answers 503 with how to get the sources. The page calls the production
hosts Headless derives from the organization (https://demoorg.org.coveo.com, https://demoorg.analytics.org.coveo.com):
a browser reaches the demo server's Service API and collector there only through routes (`DemoServer.host_map`).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from checker.demo import service_api
from checker.demo.quantic import DIST, HOW_TO_GET, QUANTIC_DIR, quantic_ready

SLDS_ASSETS = QUANTIC_DIR.parent / "node_modules" / "@salesforce-ux" / "design-system" / "assets"
ENGINE_ID = "case-assist-engine"
SECOND_ENGINE_ID = "popular-articles"  # the second-interface bug's engine
RECORD_TYPE_ID = "012000000000000AAA"  # Salesforce's master record type
CATEGORIES = tuple(service_api.CATEGORIES)  # the Category__c picklist: the values the fake classify answers

# Integration bugs a Salesforce team really ships, each switchable by name (`?bugs=`):
BUGS = {
    "wrong-search-hub": "the interface's search-hub attribute left at Quantic's default ('default'), not the org's hub",
    "wrong-case-assist-id": "the interface's case-assist-id is the sandbox's: the Service API answers 404",
    "create-not-logged": "the Create case button creates the case but logs nothing",
    "create-without-id": "the new case's id is not put in the case inputs before ticket_create is logged",
    "second-interface": "a sidebar widget with a second quantic-case-assist-interface, framed from another origin",
    "solved-as-quit": "'My problem is solved' logs logAbandonCase (ticket_cancel Quit) instead of logSolveCase",
}
# second-interface: two interfaces in one document share the client ID, even two engines built in the same tick on
# a fresh browser (Headless 3.37 settles it when the engine is built). A second ID comes from another origin's
# storage: a widget framed from another domain (a Visualforce page, served from *.vf.force.com, embedding a Case
# Assist interface through Lightning Out), here the other loopback name (127.0.0.1 ↔ localhost).
# All of them that can show in one run: create-not-logged would hide create-without-id, and wrong-case-assist-id
# leaves no classification nor suggestion to click.
DEFAULT_BUGS = ("wrong-search-hub", "create-without-id", "second-interface", "solved-as-quit")
WRONG_CASE_ASSIST_ID = "demo-case-assist-sandbox"


class Reply(NamedTuple):
    status: int
    body: str
    content_type: str


class File(NamedTuple):
    """A file for the demo server to send (it refuses one outside `root`)."""

    path: Path
    root: Path


@dataclass(frozen=True)
class QuanticVariant:
    name: str
    analytics: dict[str, Any] | None = None  # the Apex configuration's `analytics` (replaces Quantic's own)
    bugs: tuple[str, ...] = ()  # its bugs unless `?bugs=` names others (only a variant with bugs takes `?bugs=`)


VARIANTS = {
    "quantic": QuanticVariant("quantic"),
    "quantic-next": QuanticVariant("quantic-next", analytics={"analyticsMode": "next", "trackingId": "barca_support"}),
    "quantic-broken": QuanticVariant("quantic-broken", bugs=DEFAULT_BUGS),
}
ROUTE = re.compile(r"^/(quantic(?:-next|-broken)?)(/.*)$")


def reply(method: str, path: str, query: str, site: dict[str, str]) -> Reply | File | None:
    """The answer to a Quantic route, or None when the path is not one.

    `site` holds what the demo server decides: organizationId, accessToken, caseAssistId, searchHub, and host (the
    request's Host header).
    """
    match = ROUTE.match(path)
    if not match:
        return None
    prefix, rest = match.groups()
    if not quantic_ready():
        return _not_built()
    if prefix == "quantic" and method == "GET":
        shared = _shared_file(rest)
        if shared is not None:
            return shared
    variant = VARIANTS[prefix]
    if rest == "/create-case" and method == "GET":
        return _page(variant, query, site)
    if rest == "/popular-articles" and method == "GET":
        config = {
            "component": "c-popular-articles",
            "engineId": SECOND_ENGINE_ID,
            "caseAssistId": site["caseAssistId"],
            "searchHub": site["searchHub"],
        }
        return Reply(200, _render("widget.html", config), "text/html")
    if rest == "/apex/HeadlessController.getHeadlessConfiguration":
        return Reply(200, json.dumps(apex_configuration(variant, site)), "application/json")
    return Reply(404, "not found", "text/plain")


def apex_configuration(variant: QuanticVariant, site: dict[str, str]) -> dict[str, Any]:
    """What HeadlessController.getHeadlessConfiguration returns (Quantic spreads it over its engine configuration)."""
    config: dict[str, Any] = {"organizationId": site["organizationId"], "accessToken": site["accessToken"]}
    if variant.analytics is not None:
        config["analytics"] = dict(variant.analytics)
    return config


def page_config(variant: QuanticVariant, bugs: tuple[str, ...], site: dict[str, str]) -> dict[str, Any]:
    """The host component's configuration (what a Salesforce admin sets on the page in Experience Builder)."""
    config = {
        "component": "c-case-assist-host",
        "variant": variant.name,
        "engineId": ENGINE_ID,
        "caseAssistId": WRONG_CASE_ASSIST_ID if "wrong-case-assist-id" in bugs else site["caseAssistId"],
        "searchHub": "default" if "wrong-search-hub" in bugs else site["searchHub"],
        "bugs": list(bugs),
    }
    if "second-interface" in bugs:
        config["secondInterfaceUrl"] = f"http://{_other_loopback(site['host'])}/{variant.name}/popular-articles"
    return config


def _other_loopback(host: str) -> str:
    """127.0.0.1:PORT ↔ localhost:PORT: the same server, another origin (its own storage, so its own client ID)."""
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
    other = "localhost" if name != "localhost" else "127.0.0.1"
    return f"{other}:{port}" if port else other


def _page(variant: QuanticVariant, query: str, site: dict[str, str]) -> Reply:
    asked = parse_qs(query, keep_blank_values=True).get("bugs") if variant.bugs else None
    bugs = variant.bugs if asked is None else tuple(name for value in asked for name in value.split(",") if name)
    unknown = [name for name in bugs if name not in BUGS]
    if unknown:
        known = "".join(f"<li><code>{name}</code>: {html.escape(text)}</li>" for name, text in BUGS.items())
        body = f"<!doctype html><title>Unknown bug</title><h1>No bug named {html.escape(', '.join(unknown))}</h1>"
        return Reply(400, f"{body}<p>Known bugs:</p><ul>{known}</ul>", "text/html")
    return Reply(200, _render("page.html", page_config(variant, bugs, site)), "text/html")


def _render(template: str, config: dict[str, Any]) -> str:
    script_safe = json.dumps(config).replace("<", "\\u003c")
    return (QUANTIC_DIR / template).read_text(encoding="utf-8").replace("{{config}}", script_safe)


def _shared_file(rest: str) -> Reply | File | None:
    if rest == "/static/app.js":
        return File(DIST / "app.js", DIST)
    if rest.startswith("/resources/"):
        return File(DIST / "resources" / rest[len("/resources/") :], DIST / "resources")
    if rest.startswith("/slds/"):
        return File(SLDS_ASSETS / rest[len("/slds/") :], SLDS_ASSETS)
    if rest.startswith("/ui-api/object-info/"):
        return _ui_api(rest[len("/ui-api/object-info/") :].split("/"))
    return None


def _ui_api(parts: list[str]) -> Reply:
    """Salesforce's UI API answers for the Case object (getObjectInfo, getPicklistValuesByRecordType)."""
    if parts == ["Case"]:
        return Reply(200, json.dumps(_object_info()), "application/json")
    if len(parts) == 3 and parts[:2] == ["Case", "picklist-values"] and parts[2] == RECORD_TYPE_ID:
        return Reply(200, json.dumps(_picklist_values()), "application/json")
    return Reply(
        404,
        json.dumps([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
        "application/json",
    )


def _object_info() -> dict[str, Any]:
    fields = {
        "Subject": {"apiName": "Subject", "dataType": "String", "label": "Subject"},
        "Description": {"apiName": "Description", "dataType": "TextArea", "label": "Description"},
        "Category__c": {"apiName": "Category__c", "dataType": "Picklist", "label": "Category"},
        "Priority": {"apiName": "Priority", "dataType": "Picklist", "label": "Priority"},
    }
    return {
        "apiName": "Case",
        "label": "Case",
        "labelPlural": "Cases",
        "keyPrefix": "500",
        "defaultRecordTypeId": RECORD_TYPE_ID,
        "fields": fields,
        "recordTypeInfos": {
            RECORD_TYPE_ID: {
                "available": True,
                "defaultRecordTypeMapping": True,
                "master": True,
                "name": "Master",
                "recordTypeId": RECORD_TYPE_ID,
            }
        },
    }


def _picklist_values() -> dict[str, Any]:
    def picklist(values: tuple[str, ...]) -> dict[str, Any]:
        entries: list[dict[str, Any]] = [
            {"attributes": None, "label": value, "validFor": [], "value": value} for value in values
        ]
        return {"controllerValues": {}, "defaultValue": None, "values": entries}

    return {
        "picklistFieldValues": {"Category__c": picklist(CATEGORIES), "Priority": picklist(("High", "Medium", "Low"))}
    }


def _not_built() -> Reply:
    body = (
        "<!doctype html><title>Quantic demo not built</title><h1>The Quantic demo is not built</h1>"
        '<p>It is built from Coveo\'s Quantic sources (<a href="https://github.com/coveo/ui-kit">coveo/ui-kit</a>, '
        f"not on npm): {html.escape(HOW_TO_GET)}.</p>"
    )
    return Reply(503, body, "text/html")
