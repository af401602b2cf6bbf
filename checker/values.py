"""JSON-like values (what pages send, what scenarios hold) transformed string by string, shape kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit


def map_strings(value: Any, change: Callable[[str], Any], keys: bool = False) -> Any:
    """`value` with `change` applied to every string inside it (and to string keys when `keys`)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(item, change, keys) for item in value]
    if isinstance(value, dict):
        return {
            (change(k) if keys and isinstance(k, str) else k): map_strings(v, change, keys) for k, v in value.items()
        }
    return value


def split_url(url: str) -> SplitResult:
    """`urlsplit` that never raises: a URL a page built by hand (half an IPv6 address, brackets in its user part) is
    still split, its brackets read as plain characters."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit(url.replace("[", "%5B").replace("]", "%5D"))


def version_key(version: str) -> tuple[int, ...]:
    """'3.20.0' → (3, 20, 0); what is not a number counts as 0 ('4.0.0-alpha.3' → (4, 0, 0, 0))."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.replace("-", ".").split("."))
