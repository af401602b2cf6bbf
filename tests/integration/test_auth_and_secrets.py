"""Logging in once (`login --steps`) and reusing the session (`--storage-state`); secrets from the environment
are used by the steps but appear in no artefact."""

from __future__ import annotations

import json

from tests.helpers import cli

SECRET = "hunter2-s3cret-Pa55"


def test_login_saves_a_session_that_runs_reuse(pages_server, tmp_path):
    steps = tmp_path / "_login.yaml"
    steps.write_text(
        "- fill: {selector: '[name=username]', value: '${QA_USER}'}\n"
        "- fill: {selector: '[name=password]', value: '${QA_PASSWORD}'}\n"
        "- click: 'role=button[name=\"Log in\"]'\n- wait_for: '#welcome'\n"
    )
    state = tmp_path / "auth.json"
    out = cli(
        "login",
        f"{pages_server}/pages/login.html",
        "-o",
        state,
        "--steps",
        steps,
        env={"QA_USER": "qa-bot", "QA_PASSWORD": SECRET},
    )
    assert out.returncode == 0, out.stderr
    saved = json.loads(state.read_text())
    assert any(c["name"] == "session" for c in saved["cookies"])
    scenario = tmp_path / "members.yaml"
    scenario.write_text(
        "name: members\nsteps:\n  - goto: /pages/members.html\n  - wait_for: '#member'\n    timeout: 2\n"
    )
    logged_in = cli("run", scenario, "--base-url", pages_server, "--storage-state", state, "--report", tmp_path / "r1")
    assert logged_in.returncode == 0, logged_in.stdout
    anonymous = cli("run", scenario, "--base-url", pages_server, "--report", tmp_path / "r2")
    assert anonymous.returncode == 1 and "ERROR" in anonymous.stdout  # the wait_for never succeeds


def test_missing_storage_state_is_an_input_error(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nsteps:\n  - goto: /a\n")
    out = cli("run", scenario, "--base-url", "http://127.0.0.1:1", "--storage-state", tmp_path / "nope.json")
    assert out.returncode == 2 and "login" in out.stderr


def test_a_secret_is_used_but_never_written(pages_server, tmp_path):
    scenario = tmp_path / "secret.yaml"
    scenario.write_text(
        "name: login with ${QA_PASSWORD} in a step\n"
        "secrets: [QA_PASSWORD]\n"
        "steps:\n"
        "  - goto: /pages/login.html?hint=${QA_PASSWORD}\n"
        "  - fill: {selector: '[name=username]', value: qa-bot}\n"
        "  - fill: {selector: '[name=password]', value: '${QA_PASSWORD}'}\n"
        "  - click: 'role=button[name=\"Log in\"]'\n"
        "  - wait_for: '#welcome'\n"
        "  - goto: /pages/members.html\n"
        "  - fill: {selector: '#nothing-${QA_PASSWORD}', value: x}\n"
        "    timeout: 1\n"
    )
    report = tmp_path / "report"
    out = cli(
        "run",
        scenario,
        "--base-url",
        pages_server,
        "--report",
        report,
        "--json",
        tmp_path / "out.json",
        "--junit",
        tmp_path / "junit.xml",
        env={"QA_PASSWORD": SECRET},
    )
    assert out.returncode == 1  # the last step fails on purpose: its error text names the secret selector
    artefacts = [p for p in [*report.rglob("*"), tmp_path / "out.json", tmp_path / "junit.xml"] if p.is_file()]
    assert len(artefacts) >= 5
    for path in artefacts:
        assert SECRET.encode() not in path.read_bytes(), path
        assert SECRET not in path.name
    assert SECRET not in out.stdout + out.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    assert "[REDACTED]" in data["scenarios"][0]["name"] and "[REDACTED]" in data["scenarios"][0]["error"]


def test_secrets_cannot_come_from_var(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nsteps:\n  - fill: {selector: '#p', value: '${QA_PASSWORD}'}\n")
    out = cli("validate", scenario, "--var", f"QA_PASSWORD={SECRET}", "--no-env")
    assert out.returncode == 2 and "only come from the environment" in out.stderr
