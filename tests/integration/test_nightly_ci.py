"""`init --ci`: the CI files pass the platforms' published schemas, and their jobs' own commands (install steps
excepted) run here night after night, shards and merge included: one report, red only the night a defect is new."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

from checker.demo.server import DemoServer
from tests.conftest import DEMO_SCENARIOS
from tests.helpers import cli

BIN = os.path.dirname(sys.executable)  # the venv's case-assist-check, as `pip install` puts it on the job's PATH
SHARDS = 2


@pytest.fixture
def project(tmp_path):
    """A project with two of the demo's scenarios (and the files they include), as a team's repository holds."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("01-submit-case.yaml", "03-quit-from-review.yaml", "_defaults.yaml", "_describe-problem.yaml"):
        shutil.copy(DEMO_SCENARIOS / name, folder / name)
    (folder / "login.yaml").write_text(
        "name: login\nsecrets: [SSO_PASS]\nsteps:\n  - fill: {selector: '#p', value: '${SSO_PASS}'}\n  - goto: ${PORTAL_PATH}\n"
    )
    return tmp_path


def write_ci(project, platform: str):
    out = cli("init", "scenarios", "--ci", platform, "--shards", str(SHARDS), cwd=project)
    assert out.returncode == 0, out.stderr
    path = project / (".github/workflows/case-assist-check.yml" if platform == "github" else ".gitlab-ci.yml")
    return path, YAML(typ="safe").load(path.read_text())


@pytest.mark.no_browser
@pytest.mark.parametrize("platform,schema", [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")])
def test_the_ci_files_pass_the_platforms_schemas_and_keep_secrets_out(project, platform, schema):
    path, _ = write_ci(project, platform)
    check = subprocess.run(
        [os.path.join(BIN, "check-jsonschema"), "--builtin-schema", schema, str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    text = path.read_text()
    assert "SSO_PASS" in text and "PORTAL_PATH" in text and "SUBJECT" not in text  # SUBJECT has a default in vars:
    if platform == "github":
        assert "SSO_PASS: ${{ secrets.SSO_PASS }}" in text and "PORTAL_PATH: ${{ vars.PORTAL_PATH }}" in text
    again = cli("init", "scenarios", "--ci", platform, cwd=project)
    assert again.returncode == 2 and "--force" in again.stderr
    assert cli("init", "nowhere", "--ci", platform, "-o", project / "x.yml", cwd=project).returncode == 2
    absolute = cli("init", project / "scenarios", "--ci", platform, "-o", project / "abs.yml", cwd=project)
    assert absolute.returncode == 0 and "SCENARIOS: scenarios\n" in (project / "abs.yml").read_text()
    assert cli("init", project.parent, "--ci", platform, "-o", project / "y.yml", cwd=project).returncode == 2


# --- the jobs' commands, run here ----------------------------------------------------------------------------------
def expand(text: str, values: dict[str, str]) -> str:
    """GitHub's `${{ … }}` expressions, as the platform would fill them for this job."""
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values.get(m.group(1), ""), text)


def github_night(project, workflow, env) -> dict[str, list[int]]:
    codes: dict[str, list[int]] = {"audit": [], "report": []}
    for job in ("audit", "report"):
        for shard in workflow["jobs"][job].get("strategy", {}).get("matrix", {}).get("shard", [None]):
            values = {"matrix.shard": str(shard), "github.run_id": "7", "vars.CASE_ASSIST_BASE_URL": env["BASE"]}
            job_env = {k: expand(str(v), values) for k, v in workflow["env"].items()}
            for step in workflow["jobs"][job]["steps"]:
                if "run" not in step or step.get("name", "").startswith("Install"):
                    continue  # `uses:` steps are the platform's (checkout, cache, artefacts); installing is done
                step_env = {k: expand(str(v), values) for k, v in step.get("env", {}).items()}
                done = run_shell(expand(step["run"], values), project, {**env, **job_env, **step_env})
                if step.get("name", "").startswith(("Run", "Merge")):
                    codes[job].append(done.returncode)
    return codes


def gitlab_night(project, pipeline, env) -> dict[str, list[int]]:
    codes: dict[str, list[int]] = {"audit": [], "report": []}
    audit, report = pipeline["case-assist-audit"], pipeline["case-assist-report"]
    for index in range(1, audit["parallel"] + 1):
        job_env = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(audit["parallel"])}
        codes["audit"].append(
            run_shell("\n".join(audit["script"]), project, {**env, **pipeline["variables"], **job_env}).returncode
        )
    codes["report"].append(run_shell("\n".join(report["script"]), project, {**env, **pipeline["variables"]}).returncode)
    return codes


def run_shell(script: str, cwd, env) -> subprocess.CompletedProcess:
    full = {**os.environ, **env, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)


def test_the_github_job_runs_here_night_after_night_and_fails_only_on_what_is_new(project, tmp_path):
    _, workflow = write_ci(project, "github")
    (project / "scenarios" / "login.yaml").unlink()  # its page is the team's, not the demo's
    with DemoServer(bugs=["noNextStage"]) as site:
        env = {
            "BASE": site.base_url + "/broken",
            "RUNNER_TEMP": str(tmp_path),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_REPOSITORY": "team/portal",
            "GITHUB_RUN_ID": "7",
        }
        first = github_night(project, workflow, env)
        assert first == {"audit": [1, 1], "report": [1]}  # the first night: every finding is new
        merged = json.loads((project / "report" / "results.json").read_text())
        assert len(merged["scenarios"]) == 2 and len(list((project / "history").glob("run-*.json"))) == 1

        second = github_night(project, workflow, env)
        assert second == {"audit": [0, 0], "report": [0]}  # the same defects: known, not red again
        summary = (tmp_path / "step-summary.md").read_text()
        assert "PASSES (`--fail-on new`)" in summary.split("## Case Assist analytics")[-1]

        site.bugs = ["noNextStage", "createWithoutId"]  # a new defect tonight
        third = github_night(project, workflow, env)
        assert third["report"] == [1] and sorted(third["audit"]) == [0, 1]
        tonight = (tmp_path / "step-summary.md").read_text().split("## Case Assist analytics")[-1]
        new = tonight.split("### New since")[1].split("### Fixed")[0]
        assert "`payload.required-ticket-fields`" in new and "ticket.id" in new
        assert "https://github.example/team/portal/actions/runs/7/index.html" in tonight
        assert len(list((project / "history").glob("run-*.json"))) == 3


def test_the_gitlab_job_runs_here_shards_and_merge_into_one_report(project, tmp_path):
    _, pipeline = write_ci(project, "gitlab")
    (project / "scenarios" / "login.yaml").unlink()
    with DemoServer() as site:
        env = {"CASE_ASSIST_BASE_URL": site.base_url, "CI_JOB_URL": "https://gitlab.example/team/portal/-/jobs/9"}
        codes = gitlab_night(project, pipeline, env)
    assert codes == {"audit": [0, 0], "report": [0]}
    merged = json.loads((project / "report" / "results.json").read_text())
    assert sorted(s["status"] for s in merged["scenarios"]) == ["passed", "passed"]
    assert (project / "report" / "junit.xml").is_file() and (project / "report" / "index.html").is_file()
    assert "jobs/9/artifacts/file/report/index.html" in (project / "report" / "summary.md").read_text()
