"""Project configuration: `case-assist-check.yaml` (or `[tool.case-assist-check]` in pyproject.toml).

    search_hub: case_assist_interface        # the search hub / originLevel1 every event must carry
    organization: acmeproduction             # the Coveo organization the page must use (API calls and events)
    proxies:                                 # your own analytics endpoints (URL prefixes, * matches anything)
      - https://support.example.com/coveo-analytics/*
    custom_ticket_fields: [visitorAge]       # extra ticket fields your page may log
    custom_actions: [ticket_escalate]        # your organisation's own action types (not reported as unknown)
    rules:
      disable: [action.unknown]
      severity: {flow.duplicate-event: error}
      field_update_limit: 2                  # more ticket_field_update for one field in one step is noise
      deviations: warning                    # warning | error | ignore (known deviations of Coveo's own libraries)

Found in the working folder unless `--config FILE` names one; every key is optional.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checker.check.rules import RuleConfig, all_rules
from checker.errors import ConfigError, Problem, ScenarioError
from checker.models import Severity
from checker.scenario.validation_errors import problems_from_validation
from checker.scenario.yaml_source import SourceMap, read_yaml

CONFIG_NAMES = ("case-assist-check.yaml", "case-assist-check.yml")


class RulesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    deviations: Literal["warning", "error", "ignore"] = "warning"
    field_update_limit: int = Field(2, ge=1)


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    search_hub: str | None = None
    organization: str | None = Field(None, pattern=r"^[A-Za-z0-9-]+$")
    proxies: list[str] = Field(default_factory=list)
    custom_ticket_fields: list[str] = Field(default_factory=list)
    custom_actions: list[str] = Field(default_factory=list)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    source: str | None = Field(None, exclude=True)


def find_config(explicit: Path | None = None, folder: Path | None = None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    folder = folder or Path.cwd()
    for name in CONFIG_NAMES:
        if (folder / name).is_file():
            return folder / name
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "tool" in (data := _toml(pyproject)) and "case-assist-check" in data["tool"]:
        return pyproject
    return None


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def load_config(explicit: Path | None = None, folder: Path | None = None) -> ProjectConfig:
    path = find_config(explicit, folder)
    if path is None:
        return ProjectConfig()
    smap: SourceMap | None
    problems: list[Problem]
    if path.suffix == ".toml":
        data, smap, problems = _toml(path)["tool"]["case-assist-check"], None, []
    else:
        data, smap, problems = read_yaml(path, str(path))
        data = {} if data is None and not problems else data
    if problems:
        raise ScenarioError(problems, "configuration")
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        if smap is None:  # pyproject.toml: no positions
            smap = SourceMap(str(path))
        raise ScenarioError(
            problems_from_validation(exc, data, smap, [ProjectConfig], "the configuration"), "configuration"
        ) from None
    _check_rule_ids(config, path)
    config.source = str(path)
    return config


def _check_rule_ids(config: ProjectConfig, path: Path) -> None:
    known = {r.id for r in all_rules()}
    for rule_id in [*config.rules.disable, *config.rules.severity]:
        if rule_id not in known:
            guess = difflib.get_close_matches(rule_id, known, n=1)
            raise ConfigError(
                f"{path}: unknown rule {rule_id!r}",
                f"did you mean {guess[0]!r}?" if guess else "`case-assist-check rules` lists them",
            )


def rule_config(config: ProjectConfig, search_hub: str | None = None) -> RuleConfig:
    """The rules' view of the project configuration (a command-line search hub wins)."""
    return RuleConfig(
        disabled=set(config.rules.disable),
        severities=dict(config.rules.severity),
        expected_search_hub=search_hub or config.search_hub,
        expected_organization=config.organization.lower() if config.organization else None,
        proxies=list(config.proxies),
        custom_ticket_fields=list(config.custom_ticket_fields),
        deviations=config.rules.deviations,
        custom_actions=list(config.custom_actions),
        field_update_limit=config.rules.field_update_limit,
    )
