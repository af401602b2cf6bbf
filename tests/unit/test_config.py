"""Project configuration: YAML or pyproject.toml, located errors, and what the rules get from it."""

from __future__ import annotations

import pytest

from checker.config import load_config, rule_config
from checker.errors import ConfigError, ScenarioError
from checker.models import Severity


def test_no_config_gives_defaults(tmp_path):
    config = load_config(folder=tmp_path)
    assert config.source is None and config.proxies == [] and config.rules.deviations == "warning"


def test_yaml_config_found_in_the_folder(tmp_path):
    (tmp_path / "case-assist-check.yaml").write_text(
        "search_hub: hub\nproxies: ['https://p.example.com/coveo/*']\ncustom_ticket_fields: [visitorAge]\n"
        "rules:\n  disable: [action.unknown]\n  severity: {flow.duplicate-event: error}\n  deviations: ignore\n"
    )
    config = load_config(folder=tmp_path)
    rules = rule_config(config)
    assert rules.expected_search_hub == "hub" and rules.proxies == ["https://p.example.com/coveo/*"]
    assert rules.disabled == {"action.unknown"} and rules.severities == {"flow.duplicate-event": Severity.error}
    assert rules.custom_ticket_fields == ["visitorAge"] and rules.deviations == "ignore"
    assert rule_config(config, "other").expected_search_hub == "other"  # the command line wins


def test_pyproject_section(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.case-assist-check]\nsearch_hub = "from-toml"\n')
    assert load_config(folder=tmp_path).search_hub == "from-toml"


def test_errors_are_located_with_hints(tmp_path):
    path = tmp_path / "case-assist-check.yaml"
    path.write_text("search_hubb: x\nproxies: 3\nrules:\n  deviations: sometimes\n")
    with pytest.raises(ScenarioError) as info:
        load_config(folder=tmp_path)
    found = {(p.line, p.message, p.hint) for p in info.value.problems}
    assert (1, "unknown key 'search_hubb' in the configuration", "did you mean 'search_hub'?") in found
    assert any(line == 2 and "valid list" in msg for line, msg, _ in found)
    assert any(line == 4 and "'warning', 'error' or 'ignore'" in msg for line, msg, _ in found)
    assert "problems in configuration" in info.value.render()


def test_unknown_rule_id_suggests(tmp_path):
    (tmp_path / "case-assist-check.yaml").write_text("rules:\n  disable: [flow.single-clientid]\n")
    with pytest.raises(ConfigError) as info:
        load_config(folder=tmp_path)
    assert "flow.single-client-id" in info.value.tip


def test_explicit_missing_file(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "nope.yaml")


def test_the_organization_is_checked_and_given_to_the_rules_in_lower_case(tmp_path):
    path = tmp_path / "case-assist-check.yaml"
    path.write_text("organization: AcmeProduction\n")
    assert rule_config(load_config(folder=tmp_path)).expected_organization == "acmeproduction"
    path.write_text("search_hub: hub\norganization: acme production!\n")
    with pytest.raises(ScenarioError) as info:
        load_config(folder=tmp_path)
    assert [p.line for p in info.value.problems] == [2]
