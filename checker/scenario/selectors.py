"""Catch malformed Playwright selectors when a scenario is loaded, not at 2 a.m. in the nightly run.

A selector is a chain of parts joined by ` >> `; a part is `engine=body` (css, text, xpath, role, id,
data-testid…, nth, internal:…) or plain CSS/XPath/text. CSS parts are parsed with cssselect (Playwright's own
pseudo-classes such as :has-text() parse as ordinary functional pseudo-classes); other engines get light checks
(balanced brackets and quotes). What cannot be known without the page (does it match?) is left to the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import cssselect

ENGINES = {
    "css",
    "text",
    "xpath",
    "role",
    "id",
    "data-testid",
    "data-test-id",
    "data-test",
    "nth",
    "visible",
    "has-text",
    "left-of",
    "right-of",
    "above",
    "below",
    "near",
    "alt",
    "title",
    "placeholder",
    "label",
}
ENGINE_PREFIX = re.compile(r"^(internal:[a-z-]+|[a-z][a-z-]*)=(.*)$", re.S)
ROLE = re.compile(r'^[a-z]+(\[[a-z-]+(=("[^"]*"|\'[^\']*\'|[^\]]*)[is]?)?\])*$', re.S)


def _scan(text: str) -> Iterator[tuple[int, str, bool | None]]:
    """Each character with whether it stands outside quotes and brackets; the state at the end last."""
    quote, depth = None, 0
    for index, char in enumerate(text):
        outside = quote is None and depth == 0
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth < 0:
                yield index, char, None  # a closing bracket with no opening one
                return
        yield index, char, outside
    yield len(text), "", quote is None and depth == 0


def split_chain(selector: str) -> list[str]:
    """Split on `>>` outside quotes and brackets."""
    cuts = [i for i, char, outside in _scan(selector) if outside and selector.startswith(">>", i)]
    bounds = [0, *[c for i in cuts for c in (i, i + 2)], len(selector)]
    return [selector[bounds[k] : bounds[k + 1]].strip() for k in range(0, len(bounds), 2)]


def _balanced(text: str) -> bool:
    *_, (index, char, outside) = _scan(text)
    return bool(outside) and index == len(text)


def _part_problem(part: str) -> str | None:
    if not part:
        return "an empty part in a `>>` chain"
    match = ENGINE_PREFIX.match(part)
    engine, body = (
        (match.group(1), match.group(2))
        if match and (match.group(1) in ENGINES or match.group(1).startswith("internal:"))
        else ("css", part)
    )
    if engine == "css" and not (body.startswith(("/", "(", "..")) or body.startswith(('"', "'"))):
        try:
            cssselect.parse(body)
        except cssselect.SelectorSyntaxError as exc:
            return f"invalid CSS {body!r}: {exc}"
        return None
    if engine == "role" and not ROLE.match(body.strip()):
        return f"invalid role selector {body!r}"
    if engine == "nth" and not re.fullmatch(r"-?\d+", body.strip()):
        return f"nth= takes an index, got {body!r}"
    if not _balanced(body):
        return f"unbalanced quotes or brackets in {part!r}"
    return None


def selector_problem(selector: str) -> str | None:
    """Why the selector is malformed, or None."""
    for part in split_chain(selector):
        problem = _part_problem(part)
        if problem:
            return problem
    return None
