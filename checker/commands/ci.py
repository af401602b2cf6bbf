"""`init --ci github|gitlab`: a ready nightly CI file for the project's scenarios.

Shards side by side, one merged report, last night's run as the baseline (`--fail-on new`), artefacts and JUnit
published the way each platform does it. The values the scenarios read (`${NAME}`) are listed for the platform's
settings: secrets from its secret store, never written into the file."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from checker import __version__
from checker.errors import ConfigError
from checker.scenario.variables import REFERENCE, SECRET_NAME

TEMPLATES = Path(__file__).parent / "starters" / "ci"
PLATFORMS = {"github": Path(".github/workflows/case-assist-check.yml"), "gitlab": Path(".gitlab-ci.yml")}
BUILT_IN = {"CASE_ASSIST_BASE_URL", "CASE_ASSIST_STORAGE_STATE"}  # the template's own


def render_ci(platform: str, scenarios: Path, shards: int = 2, requirement: str | None = None) -> str:
    if not 1 <= shards <= 64:
        raise ConfigError(f"--shards {shards}: between 1 and 64", "one shard per CI machine, e.g. --shards 4")
    secrets, variables = scenario_variables(scenarios)
    try:  # the job runs in a checkout of the repository: the folder as the repository sees it
        relative = scenarios.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        raise ConfigError(
            f"{scenarios} is not inside the current folder",
            "run `init --ci` at the root of the repository that holds the scenarios",
        ) from None
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template(f"{platform}.yml.j2").render(
        shards=shards,
        shard_list=", ".join(str(i) for i in range(1, shards + 1)),
        scenarios=PurePosixPath(relative).as_posix() if relative.parts else ".",
        requirement=requirement or f"case-assist-check=={__version__}",
        playwright_version=_playwright_version(),
        secrets=secrets,
        variables=variables,
    )


def scenario_variables(folder: Path) -> tuple[list[str], list[str]]:
    """(secrets, other variables) the scenario files read from the environment, each name once, sorted. A secret
    is a name listed under `secrets:` or one that looks like one (TOKEN, PASSWORD…), as the loader decides; a
    variable with a default in a file's `vars:` block needs no setting (an empty one would replace the default)."""
    names: set[str] = set()
    declared: set[str] = set()
    defaults: set[str] = set()
    files = sorted(folder.rglob("*.y*ml")) if folder.is_dir() else [folder]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # `validate` says what is wrong with it; the CI file is still useful
        names.update(m.group(2) for m in REFERENCE.finditer(text) if not m.group(1))
        top = _top_level(text)
        declared.update(str(n) for n in _as_list(top.get("secrets")))
        defaults_block = top.get("vars")
        if isinstance(defaults_block, dict):
            defaults.update(map(str, defaults_block))
    names -= BUILT_IN
    secrets = sorted(n for n in names if n in declared or SECRET_NAME.search(n))
    return secrets, sorted(names - set(secrets) - defaults)


def _top_level(text: str) -> dict:
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _playwright_version() -> str:
    try:
        return version("playwright")
    except PackageNotFoundError:  # pragma: no cover - a dependency of this package
        return "1.49.0"


def ci_target(platform: str, output: Path | None) -> Path:
    return output or PLATFORMS[platform]
