"""File names made from what users and pages write: safe in any file system, never escaping the report folder,
never holding a secret."""

from __future__ import annotations

import hashlib
import re

from checker.redact import Redactor


def slug(name: str, unique: bool = True) -> str:
    """A file-name-safe form of a name (unique: with a short hash): it can never escape the report folder."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "scenario"
    return f"{cleaned}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}" if unique else cleaned


def artefact_stem(scenario_name: str, redactor: Redactor) -> str:
    """The stem of a scenario's journal, trace and screenshot folder: its name with secrets masked first (a
    scenario named after a token must not name a file after it)."""
    return slug(redactor.text(scenario_name) or "scenario")
