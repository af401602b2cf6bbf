"""Recorded steps + the events each caused → the scenario YAML (ruamel.yaml, block style, small mappings inline)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from checker.drive.steps import resolve_url
from checker.models import Event
from checker.record.generalize import common_search_hub, flow_expectations, step_expectations
from checker.values import map_strings

FLOW_MAX = 72  # a mapping whose JSON form is at most this long is written on one line


@dataclass
class RecordedStep:
    """One thing the person did, as a scenario step."""

    kind: str  # goto | click | check | fill | select | press
    time_ms: float  # when it began, on the page's clock (ms since the epoch): events from then on are its own
    selector: str | None = None
    value: str | None = None  # goto: the URL; fill/select: the value
    key: str | None = None  # press
    checked: bool = True  # check
    blur: bool = True  # fill: False when Enter followed (the browser's own `change` comes with the Enter)
    label: str | None = None  # the element's name or text, written as a comment
    frame: list[str] = field(default_factory=list)  # iframe selectors, outermost first
    secret: bool = False  # a password field: written as ${PASSWORD}, never as typed

    def describe(self) -> str:
        target = self.selector or self.value or self.key or ""
        return f"{self.kind} {target}".strip()


def escape(text: str) -> str:
    """`${NAME}` is a variable reference in scenario files: a recorded literal one must be written `$${NAME}`."""
    return text.replace("${", "$${")


def relative_url(url: str, base_url: str | None) -> str:
    """`url` relative to `base_url` when it resolves back to the same URL, else as is."""
    if not base_url:
        return url
    base = base_url.rstrip("/")
    if url == base:
        candidate = "/"
    elif url.startswith(base + "/") or url.startswith(base + "?"):
        candidate = url[len(base) :]
        candidate = candidate if candidate.startswith("/") else "/" + candidate
    else:
        return url
    try:
        return candidate if resolve_url(candidate, base_url) == url else url
    except Exception:
        return url


def _plain(value: Any) -> Any:
    """Escape `${` in every string of a value."""
    return map_strings(value, escape)


def _node(value: Any, flow_max: int = FLOW_MAX) -> Any:
    """ruamel nodes: mappings inline when short, else block with inline children."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _node(v, flow_max)
        if len(json.dumps(value, ensure_ascii=False)) <= flow_max:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_node(v, flow_max) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value


def _inline(value: dict[str, Any]) -> CommentedMap:
    mapping = CommentedMap(value)
    mapping.fa.set_flow_style()
    return mapping


def step_node(step: RecordedStep, base_url: str | None, secret_name: str | None = None) -> CommentedMap:
    node = CommentedMap()
    selector = escape(step.selector) if step.selector else None
    if step.kind == "goto":
        node["goto"] = escape(relative_url(step.value or "", base_url))
    elif step.kind == "click":
        node["click"] = selector
    elif step.kind == "check":
        node["check"] = selector if step.checked else _inline({"selector": selector, "checked": False})
    elif step.kind == "fill":
        value = "${" + secret_name + "}" if secret_name else escape(step.value or "")
        args: dict[str, str | bool | None] = {"selector": selector, "value": value}
        if not step.blur:
            args["blur"] = False
        node["fill"] = _inline(args)
    elif step.kind == "select":
        node["select"] = _inline({"selector": selector, "value": escape(step.value or "")})
    elif step.kind == "press":
        node["press"] = _inline({"key": step.key, "selector": selector} if selector else {"key": step.key})
    else:
        raise ValueError(f"unknown recorded step kind {step.kind!r}")
    if step.frame:
        node["frame"] = escape(step.frame[0]) if len(step.frame) == 1 else _node([escape(f) for f in step.frame])
    comment = _comment(step, selector)
    if comment:
        node.yaml_add_eol_comment("# " + comment, step.kind)
    return node


def _comment(step: RecordedStep, selector: str | None) -> str | None:
    label = re.sub(r"\s+", " ", step.label or "").strip()
    if step.kind == "goto" or not label or (selector and label.lower() in selector.lower()) or label == step.value:
        return None
    return json.dumps(label[:60], ensure_ascii=False)


def expectation_node(entry: dict[str, Any]) -> CommentedMap:
    node = CommentedMap()
    for key, value in _plain(entry).items():
        node[key] = _node(value)
    return node


def build_document(
    *,
    name: str,
    steps: list[RecordedStep],
    events: list[Event],
    url: str,
    base_url: str | None,
    recorded_at: str,
    notes: list[str] | None = None,
) -> CommentedMap:
    """The scenario as a ruamel mapping: name, search_hub, secrets, steps with expectations, the flow's `expect`."""
    doc = CommentedMap()
    doc["name"] = escape(name)
    hub = common_search_hub(events)
    if hub:
        doc["search_hub"] = escape(hub)
    secret_names = _secret_names(steps)
    if secret_names:
        doc["secrets"] = CommentedSeq(sorted(set(secret_names.values())))
    seq = CommentedSeq()
    previous_ticket: dict[str, Any] | None = None
    for index, step in enumerate(steps):
        node = step_node(step, base_url, secret_names.get(index))
        entries, previous_ticket = step_expectations([e for e in events if e.step == index], previous_ticket)
        if entries:
            node["expect"] = CommentedSeq(expectation_node(e) for e in entries)
        seq.append(node)
    doc["steps"] = seq
    flow = flow_expectations(events)
    if flow:
        doc["expect"] = CommentedSeq(_node(_plain(e), flow_max=10_000) for e in flow)
    header = [
        f"Recorded with `case-assist-check record` on {recorded_at}",
        f"from {url}" + (f"; gotos are relative: run it with --base-url {base_url}" if base_url else ""),
        "Steps are what the person did; each `expect` lists the events the page sent during that step, values that",
        "vary from run to run turned into matchers. Review both before relying on this scenario.",
        *(notes or []),
    ]
    doc.yaml_set_start_comment("\n".join(header))
    return doc


def _secret_names(steps: list[RecordedStep]) -> dict[int, str]:
    """Step index → the variable a password fill is written as (PASSWORD, PASSWORD_2…)."""
    names: dict[str, str] = {}
    out: dict[int, str] = {}
    for index, step in enumerate(steps):
        if step.kind == "fill" and step.secret:
            key = step.selector or ""
            if key not in names:
                names[key] = "PASSWORD" if not names else f"PASSWORD_{len(names) + 1}"
            out[index] = names[key]
    return out


def dump(doc: CommentedMap) -> str:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 120
    yaml.allow_unicode = True
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()
