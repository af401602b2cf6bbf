"""The nightly verdict without a browser: fingerprints, `--fail-on`, comparisons of shards, the Markdown summary."""

from __future__ import annotations

from checker.models import RunResult, ScenarioResult, Severity, Status, Violation
from checker.report.analysis import annotate, fails, fingerprint
from checker.report.run import finish_run
from checker.report.summary_md import summary_markdown


def finding(rule="payload.required-ticket-fields", severity=Severity.error, step=11, message="id missing", **kw):
    return Violation(rule=rule, severity=severity, message=message, step=step, action="ticket_create", **kw)


def scenario(name, *violations, status=None):
    failed = any(v.severity == Severity.error for v in violations)
    return ScenarioResult(
        name=name, file=f"{name}.yaml", status=status or (Status.failed if failed else Status.passed),
        violations=list(violations),
    )  # fmt: skip


def a_run(*scenarios, started="2026-12-01T02:00:00+00:00"):
    return finish_run(RunResult(tool_version="t", started_at=started, scenarios=list(scenarios)), 1.0)


def test_a_fingerprint_ignores_the_message_and_follows_scenario_rule_action_field_and_step():
    base = fingerprint("submit", finding(field="ticket.id"))
    assert fingerprint("submit", finding(field="ticket.id", message="id missing (event #7, clientId 1234)")) == base
    assert len({base, fingerprint("quit", finding(field="ticket.id")), fingerprint("submit", finding())}) == 3
    assert fingerprint("submit", finding(field="ticket.id", step=10)) != base


def test_fail_on_new_fails_only_on_what_the_baseline_did_not_have():
    known = finding(field="ticket.id")
    last_night = a_run(scenario("submit", known), scenario("quit"))
    tonight = annotate(a_run(scenario("submit", known), scenario("quit")), baseline=last_night)
    assert fails(tonight, "errors") and not fails(tonight, "new")

    worse = annotate(a_run(scenario("submit", known), scenario("quit", finding(step=4))), baseline=last_night)
    assert fails(worse, "new")
    assert [f.scenario for f in worse.comparison.new_findings] == ["quit"]

    warned = annotate(
        a_run(scenario("submit", known), scenario("quit", finding(severity=Severity.warning))), last_night
    )
    assert not fails(warned, "new") and fails(warned, "any") and fails(warned, "errors")
    assert not fails(a_run(scenario("quit", finding(severity=Severity.info))), "any")


def test_a_scenario_that_newly_errors_fails_fail_on_new_and_no_baseline_means_everything_is_new():
    last_night = a_run(scenario("submit"))
    broke = annotate(a_run(scenario("submit", status=Status.error)), baseline=last_night)
    assert fails(broke, "new")
    assert fails(a_run(scenario("submit", finding())), "new")  # the first night


def test_a_shard_is_compared_with_its_own_scenarios_only():
    last_night = a_run(scenario("submit", finding()), scenario("quit", finding(step=3)))
    shard = annotate(a_run(scenario("submit", finding())), baseline=last_night, partial=True)
    assert shard.comparison.fixed_findings == [] and shard.comparison.status_changes == []
    whole = annotate(a_run(scenario("submit", finding())), baseline=last_night)
    assert [f.scenario for f in whole.comparison.fixed_findings] == ["quit"]
    assert [(c.scenario, c.after) for c in whole.comparison.status_changes] == [("quit", None)]


def test_the_markdown_summary_lists_new_and_fixed_findings_with_their_fingerprints():
    last_night = a_run(scenario("submit", finding(rule="flow.single-client-id", step=None)))
    tonight = annotate(a_run(scenario("submit", finding(field="ticket.id", message="a | b\nc"))), last_night)
    text = summary_markdown(tonight, "new", "https://ci.example/run/7")
    new, fixed = text.split("### Fixed")
    assert "FAILS (`--fail-on new`)" in text.splitlines()[0]
    assert "`payload.required-ticket-fields`" in new and fingerprint("submit", finding(field="ticket.id")) in new
    assert "a \\| b c" in new  # one table row, whatever the message holds
    assert "`flow.single-client-id`" in fixed.split("###")[0]
    assert "](https://ci.example/run/7/index.html)" in text
    assert "`ticket_cancel`: not exercised" in text and "suggestion_click" not in text
    first_night = summary_markdown(a_run(scenario("submit")), "new")
    assert "No baseline" in first_night and "PASSES" in first_night and "ARTIFACTS_URL/index.html" in first_night
