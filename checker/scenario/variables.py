"""`${NAME}` substitution in scenario files.

Values come from, in order of precedence: `--var NAME=VALUE`, the environment, the file's `vars:` block.
A secret (a name listed under `secrets:`, or one that looks like PASSWORD / TOKEN / SECRET / API_KEY) may only
come from the environment, and its value is handed to the redactor so no artefact ever contains it.
`$${NAME}` writes a literal `${NAME}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.errors import ConfigError, Problem
from checker.scenario.yaml_source import SourceMap

REFERENCE = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL)", re.I)


@dataclass
class Variables:
    cli: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    file: Mapping[str, Any] = field(default_factory=dict)
    secret_names: set[str] = field(default_factory=set)
    secret_values: set[str] = field(default_factory=set)  # filled as secrets are used

    def is_secret(self, name: str) -> bool:
        return name in self.secret_names or bool(SECRET_NAME.search(name))

    def lookup(self, name: str) -> tuple[str | None, str]:
        """(value, problem): the value, or None and why it cannot be used."""
        if self.is_secret(name):
            if name in self.cli or (name in self.file and name not in self.env):
                return (
                    None,
                    f"${{{name}}} is a secret: it may only come from the environment, never from --var or vars:",
                )
            if name not in self.env:
                return None, f"secret ${{{name}}} is not set in the environment"
            self.secret_values.add(self.env[name])
            return self.env[name], ""
        for source in (self.cli, self.env, self.file):
            if name in source:
                return str(source[name]), ""
        return None, f"undefined variable ${{{name}}}"


def substitute(
    data: Any, variables: Variables, smap: SourceMap, path: tuple[Any, ...] = ()
) -> tuple[Any, list[Problem]]:
    """Replace ${NAME} in every string of `data` (the `vars:` block itself excepted)."""
    problems: list[Problem] = []
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if path == () and key == "vars":
                out[key] = value
                continue
            out[key], sub = substitute(value, variables, smap, path + (key,))
            problems.extend(sub)
        return out, problems
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, sub = substitute(value, variables, smap, path + (index,))
            items.append(item)
            problems.extend(sub)
        return items, problems
    if isinstance(data, str) and "${" in data:
        return _replace(data, variables, smap, path, problems), problems
    return data, problems


def _replace(text: str, variables: Variables, smap: SourceMap, path: tuple[Any, ...], problems: list[Problem]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return "${" + match.group(2) + "}"  # $${NAME} → a literal ${NAME}
        value, problem = variables.lookup(match.group(2))
        if value is None:
            line, col = smap.locate(path)
            hint = (
                "set it in the environment"
                if variables.is_secret(match.group(2))
                else "define it under vars:, pass --var NAME=VALUE, or set it in the environment"
            )
            problems.append(Problem(smap.file, line, col, problem, hint))
            return match.group(0)
        return value

    return REFERENCE.sub(one, text)


def parse_vars(pairs: list[str] | None) -> dict[str, str]:
    """--var NAME=VALUE, repeatable."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.isidentifier():
            raise ConfigError(f"--var {pair!r} is not NAME=VALUE", "e.g. --var SUBJECT='GC110 malfunction'")
        out[name] = value
    return out
