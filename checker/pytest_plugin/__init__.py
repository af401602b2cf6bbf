"""pytest plugin: YAML scenarios as pytest tests, and a `case_assist` fixture for Python tests.

Registered through the `pytest11` entry point `case_assist_check` (turn it off with `-p no:case_assist_check`).
Built on pytest-playwright's fixtures, so its options (`--browser-channel`, `--headed`, `--slowmo`, `--tracing`,
`--video`, `--screenshot`, `--device`, `browser_context_args`, …) apply to both.

    pytest scenarios/ --ca-base-url https://support.example.com --ca-report reports/ci

- **Scenario files**: every `*.yaml` / `*.yml` that pytest reaches (folders, or files named on the command line)
  whose top level is a mapping with `steps:` is one test, named by the scenario's `name` (plus pytest-playwright's
  `[chromium]`). Files starting with `_` (includes, `_defaults.yaml`) and other YAML are left alone. An invalid
  file is a collection error listing every problem as `file:line:column: message`. A test drives its scenario in
  a fresh context of pytest-playwright's session `browser` (contexts come from its `new_context` fixture) and fails
  listing the findings; a scenario that could not be driven to its end fails with the cause.
- **`case_assist` fixture**: records the Case Assist events of the test's `context` / `page`
  (`expect_event`, `expect_no_event`, `events`, `check`, `assert_conforms`).
- **Report**: `--ca-report DIR` writes index.html, results.json and junit.xml of every scenario that ran. With
  pytest-xdist each worker sends its scenarios' results to the controller with the test reports (an attribute of
  the report, serialized by xdist like the rest), and the controller writes the one report at the end.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
import types
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from ruamel.yaml import YAML

from checker.drive.browser import LAUNCH_ARGS, managed_chromium, system_chromium
from checker.errors import CheckerError, ConfigError, ScenarioError
from checker.files import take_unwritten

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr
    from _pytest.terminal import TerminalReporter
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from checker.check.rules import RuleConfig
    from checker.models import ScenarioResult, Violation
    from checker.options import RunOptions
    from checker.pytest_plugin.fixture import CaseAssist
    from checker.scenario.model import Scenario

# The plugin loads in every pytest run of a project that installs case-assist-check: what it imports up here is
# light (~20 ms); the checker's machinery (models, capture, checks, runner: about a second) is imported by the
# functions that need it, when a scenario or the `case_assist` fixture is actually used.

MARKER = "case_assist_scenario"
RESULT_ATTR = "case_assist_result"  # on a scenario's test report: its ScenarioResult as JSON (crosses xdist)
BROWSER_ATTR = "case_assist_browser"
YAML_SUFFIXES = (".yaml", ".yml")
SCENARIO_HINT = re.compile(r"^steps\s*:", re.M)


@dataclass
class Settings:
    """The plugin's view of the command line, ini file and project configuration (one per pytest config)."""

    base_url: str | None = None  # --ca-base-url, else ini case_assist_base_url (pytest-playwright's --base-url last)
    analytics: str = "block"
    report_dir: Path | None = None
    vars: dict[str, str] = field(default_factory=dict)
    rules: RuleConfig | None = None
    proxies: list[str] = field(default_factory=list)
    collect: bool = True
    started_at: str = ""
    started: float = 0.0


SETTINGS = pytest.StashKey[Settings]()
RESULT = pytest.StashKey[dict[str, Any]]()  # a scenario item's redacted result (JSON), for its call report
DUPLICATE_OF = pytest.StashKey[str]()


# --- options and configuration ---------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("case-assist-check", "case-assist-check: Coveo Case Assist analytics")
    group.addoption(
        "--ca-base-url",
        metavar="URL",
        default=None,
        help="base of the scenarios' relative `goto` URLs (default: ini case_assist_base_url, then "
        "pytest-playwright's --base-url)",
    )
    group.addoption(
        "--ca-analytics",
        choices=["block", "pass"],
        default=None,
        help="block (default): answer analytics requests locally, nothing reaches the org; "
        "pass: let them through and report those not delivered",
    )
    group.addoption(
        "--ca-report",
        metavar="DIR",
        default=None,
        help="write the HTML/JSON/JUnit report of the scenarios that ran to DIR at the end of the session",
    )
    group.addoption(
        "--ca-config",
        metavar="FILE",
        default=None,
        help="project configuration (default: case-assist-check.yaml or [tool.case-assist-check] in "
        "pyproject.toml, in the rootdir)",
    )
    group.addoption(
        "--ca-var",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a ${NAME} value for the scenarios (repeatable; secrets only from the environment)",
    )
    parser.addini("case_assist_base_url", "base of the scenarios' relative `goto` URLs (--ca-base-url wins)")
    parser.addini(
        "case_assist_collect",
        "collect YAML scenario files as tests (false: only the case_assist fixture)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a Case Assist scenario collected from a YAML file")
    if not _playwright_loaded(config):
        raise pytest.UsageError(
            "case-assist-check's pytest plugin needs pytest-playwright's sync fixtures (browser, context, page), which "
            "this run does not load (-p no:playwright, or pytest-playwright-asyncio): enable pytest-playwright, or turn "
            "this plugin off with -p no:case_assist_check."
        )
    config.stash[SETTINGS] = _settings(config)
    config.pluginmanager.register(_SystemChromium(), "case-assist-check-browser")
    if config.stash[SETTINGS].report_dir is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(ReportWriter(config), "case-assist-check-report")


def _playwright_loaded(config: pytest.Config) -> bool:
    module = sys.modules.get("pytest_playwright.pytest_playwright")
    return module is not None and config.pluginmanager.is_registered(module)


def _settings(config: pytest.Config) -> Settings:
    from checker.scenario.variables import parse_vars  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

    option = config.option
    settings = Settings(
        base_url=option.ca_base_url or config.getini("case_assist_base_url") or None,
        analytics=option.ca_analytics or "block",
        report_dir=_path(config, option.ca_report) if option.ca_report else None,
        collect=config.getini("case_assist_collect"),
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),  # as checker.report.run.utc_now()
        started=time.monotonic(),
    )
    try:
        settings.vars = parse_vars(option.ca_var)
        if option.ca_config or _has_project_config(config.rootpath):  # else no import of the config machinery
            from checker.config import load_config, rule_config  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

            project = load_config(_path(config, option.ca_config) if option.ca_config else None, folder=config.rootpath)
            settings.rules, settings.proxies = rule_config(project), list(project.proxies)
    except CheckerError as exc:
        raise pytest.UsageError(exc.render().replace("--var", "--ca-var")) from None
    return settings


def _has_project_config(folder: Path) -> bool:
    """Is there a case-assist-check.yaml, or a [tool.case-assist-check] table in pyproject.toml, in the folder?
    (Asked without importing checker.config, which costs ~0.15 s: every pytest run of a project pays for it.)"""
    if any((folder / name).is_file() for name in ("case-assist-check.yaml", "case-assist-check.yml")):
        return True
    try:
        return "tool.case-assist-check" in (folder / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _path(config: pytest.Config, value: str) -> Path:
    return (config.invocation_params.dir / value).resolve()


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None or not (settings.base_url or settings.report_dir or config.option.ca_analytics):
        return None  # nothing asked of this plugin: no line in other projects' headers
    parts = [f"analytics {settings.analytics}"]
    if settings.base_url:
        parts.append(f"base URL {settings.base_url}")
    if settings.report_dir:
        parts.append(f"report {settings.report_dir}")
    return "case-assist-check: " + ", ".join(parts)


class _SystemChromium:
    """pytest-playwright launches Playwright's own Chromium. Where there is none but a system Chromium is installed
    (a machine set up by `case-assist-check setup` without download access), launch that one, with the CLI's
    launch flags, as `case-assist-check run` would. Nothing changes when Playwright's Chromium is installed, for
    another browser or a channel, when an executable is already given or when the browser is remote; a conftest's
    own `browser_type_launch_args` still overrides this. (Registered at configure time, after pytest-playwright, so
    this definition is the one pytest-playwright's `launch_browser` gets, and it builds on pytest-playwright's.)"""

    @pytest.fixture(scope="session")
    @classmethod
    def browser_type_launch_args(
        cls,
        browser_type_launch_args: dict[str, Any],
        browser_name: str,
        playwright: Playwright,
        connect_options: dict[str, Any] | None,
    ) -> dict[str, Any]:
        args = dict(browser_type_launch_args)
        if browser_name != "chromium" or connect_options or args.get("channel") or args.get("executable_path"):
            return args
        if managed_chromium(playwright):
            return args
        system = system_chromium(headed=args.get("headless") is False)
        if system is None:
            return args  # let pytest-playwright say what is missing
        args["executable_path"] = system
        args["args"] = [*args.get("args", []), *(a for a in LAUNCH_ARGS if a not in args.get("args", []))]
        return args


# --- run options --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def case_assist_options(
    pytestconfig: pytest.Config, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> RunOptions:
    """The `RunOptions` scenarios and the `case_assist` fixture use (base URL, analytics mode, rules, timeouts).
    Override this session fixture in a conftest to change them, e.g. `replace(case_assist_options, settle_max_s=2)`."""
    from checker.check.rules import RuleConfig  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)
    from checker.options import RunOptions  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

    settings = pytestconfig.stash[SETTINGS]
    base_url = settings.base_url
    if base_url is None:
        try:
            base_url = request.getfixturevalue("base_url")  # pytest-playwright's (or pytest-base-url's) --base-url
        except pytest.FixtureLookupError:
            base_url = None
    report_dir = settings.report_dir
    return RunOptions(
        base_url=base_url or None,
        analytics=settings.analytics,  # type: ignore[arg-type]
        report_dir=report_dir or tmp_path_factory.mktemp("case-assist-check"),
        screenshots=report_dir is not None,
        journal=report_dir is not None,
        rules=settings.rules or RuleConfig(),
        extra_analytics_patterns=list(settings.proxies),
    )


# --- scenario files as tests ------------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in YAML_SUFFIXES or file_path.name.startswith("_"):
        return None
    settings = parent.config.stash.get(SETTINGS, None)
    if settings is None or not settings.collect or not looks_like_scenario(file_path):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


def looks_like_scenario(path: Path) -> bool:
    """A mapping with `steps:` at the top. A file that is not valid YAML counts when a line starts with `steps:`,
    so a scenario with a syntax error is reported rather than skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "steps" not in text:
        return False  # most YAML in a repository: not even parsed
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except Exception:
        return SCENARIO_HINT.search(text) is not None
    return isinstance(data, dict) and "steps" in data


class ScenarioFile(pytest.Module):
    """One scenario file. It is a `pytest.Module` whose module object is made from the YAML rather than imported,
    so pytest collects its test function the ordinary way: fixtures resolve as for any test, and every
    `pytest_generate_tests` hook applies (pytest-playwright's `browser_name` parametrization among them)."""

    _module: types.ModuleType | None = None
    scenario: Scenario | None = None

    def _getobj(self) -> types.ModuleType:
        if self._module is None:
            self.scenario = self._load()
            self._module = _scenario_module(self.scenario, self.path)
        return self._module

    def _load(self) -> Scenario:
        from checker.scenario import LoadOptions, load_file  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)
        from checker.scenario.loader import folder_defaults  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

        settings = self.config.stash[SETTINGS]
        root = self.config.rootpath if self.config.rootpath in self.path.parents else self.path.parent
        defaults, problems = folder_defaults(self.path, root)
        scenario, file_problems = load_file(self.path, LoadOptions(vars=settings.vars), defaults)
        problems = list(dict.fromkeys(problems + file_problems))
        if problems or scenario is None:
            raise ScenarioError(problems)
        return scenario

    def funcnamefilter(self, name: str) -> bool:
        return self.scenario is not None and name == self.scenario.name

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CheckerError):
            return excinfo.value.render()
        return super().repr_failure(excinfo)


def _scenario_module(scenario: Scenario, path: Path) -> types.ModuleType:
    module = types.ModuleType(f"case_assist_check_scenario_{abs(hash(str(path)))}", scenario.description)
    module.__file__ = str(path)

    def run_case_assist_scenario(
        request: pytest.FixtureRequest,
        browser: Browser,
        new_context: Callable[..., BrowserContext],
        browser_context_args: dict[str, Any],
        case_assist_options: RunOptions,
    ) -> None:
        run_scenario_item(request, scenario, browser, new_context, browser_context_args, case_assist_options)

    run_case_assist_scenario.__module__ = module.__name__
    run_case_assist_scenario.__doc__ = scenario.description or scenario.name
    run_case_assist_scenario.pytestmark = [pytest.mark.case_assist_scenario]  # type: ignore[attr-defined]
    run_case_assist_scenario.place_as = _located(path, _name_line(path))  # type: ignore[attr-defined]
    setattr(module, scenario.name, run_case_assist_scenario)
    return module


def _located(path: Path, line: int) -> Callable[[], None]:
    """A never-called function whose code says `path:line`: pytest reports the test's location from it (`place_as`),
    so the location is the scenario file, not this module."""

    def here() -> None:  # pragma: no cover
        pass

    here.__code__ = here.__code__.replace(co_filename=str(path), co_firstlineno=max(line, 1))
    return here


def _name_line(path: Path) -> int:
    try:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if text.startswith("name:"):
                return number
    except OSError:
        pass
    return 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario name keys its results (report, screenshots): a second file with the same name fails, as in the CLI."""
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        parent = item.parent
        if not isinstance(parent, ScenarioFile) or parent.scenario is None:
            continue
        callspec = getattr(item, "callspec", None)
        key = (parent.scenario.name, callspec.id if callspec is not None else "")
        if key in seen:
            item.stash[DUPLICATE_OF] = seen[key]
        else:
            seen[key] = parent.scenario.file


def run_scenario_item(
    request: pytest.FixtureRequest,
    scenario: Scenario,
    browser: Browser,
    new_context: Callable[..., BrowserContext],
    browser_context_args: dict[str, Any],
    options: RunOptions,
) -> None:
    """The body of a scenario's test: drive it, keep its result for the report, fail listing its findings."""
    from checker.models import Status  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)
    from checker.runner import Interrupted, check_urls, run_scenario  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

    item = request.node
    duplicate = item.stash.get(DUPLICATE_OF, None)
    if duplicate is not None:
        pytest.fail(
            f"duplicate scenario name {scenario.name!r}: already used by {duplicate} (names key the results; "
            "rename one)",
            pytrace=False,
        )
    try:
        check_urls([scenario], options.base_url)
        no_base = None
    except ConfigError as exc:
        no_base = exc.message.replace("--base-url", "a base URL")
    if no_base is not None:
        pytest.fail(
            f"{no_base}: pass --ca-base-url URL (or set case_assist_base_url in the ini file, or "
            "pytest-playwright's --base-url), or write an absolute URL",
            pytrace=False,
        )
    browser_name = getattr(getattr(browser, "browser_type", None), "name", "chromium")
    if len(request.config.getoption("--browser") or []) > 1:  # the same scenario in several browsers: keep both
        scenario = scenario.model_copy(update={"name": f"{scenario.name} [{browser_name}]"})
    try:
        contexts = PlaywrightContexts(browser, new_context, browser_context_args)
        result = run_scenario(contexts, scenario, options)  # type: ignore[arg-type]  # a Browser, but for new_context
    except Interrupted:
        raise KeyboardInterrupt from None
    redactor = options.redactor  # the run's: declared secrets, those of this scenario and what capture learnt
    item.stash[RESULT] = {
        "result": redactor.value(result.model_dump(mode="json")),
        "browser": f"{browser_name.capitalize()} {browser.version}",
    }
    if result.status != Status.passed:
        pytest.fail(redactor.text(describe_failure(result, options)) or "", pytrace=False)


class PlaywrightContexts:
    """The browser a `ScenarioSession` drives, whose contexts come from pytest-playwright's `new_context` fixture:
    its `browser_context_args` (`--device`, `--base-url`, …), `--tracing`, `--video` and `--screenshot` apply, and it
    closes what is left at teardown. A context option both set (e.g. a viewport) keeps pytest-playwright's value."""

    def __init__(
        self, browser: Browser, new_context: Callable[..., BrowserContext], browser_context_args: dict[str, Any]
    ) -> None:
        self._browser = browser
        self._new_context = new_context
        self._preset = set(browser_context_args or {})

    def new_context(self, **options: Any) -> BrowserContext:
        return self._new_context(**{k: v for k, v in options.items() if k not in self._preset})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def describe_failure(result: ScenarioResult, options: RunOptions) -> str:
    """What a failing scenario's test says: the cause when it could not be driven, then its findings."""
    from checker.models import Severity, Status  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

    errors = [v for v in result.violations if v.severity == Severity.error]
    warnings = [v for v in result.violations if v.severity == Severity.warning]
    lines = []
    if result.status == Status.error:
        lines.append(f"scenario {result.name!r} ({result.file}) could not be driven to its end: {result.error}")
        lines.append("what it captured until then was checked:" if result.violations else "")
    else:
        lines.append(
            f"scenario {result.name!r} ({result.file}) does not conform: "
            f"{len(errors)} error(s), {len(warnings)} warning(s)"
        )
    lines.extend(format_violations(errors + warnings))
    if options.screenshots:
        lines.append(f"report: {options.report_dir} (written at the end of the session)")
    return "\n".join(line for line in lines if line)


def format_violations(violations: list[Violation]) -> list[str]:
    lines = []
    for v in violations:
        where = f" (step #{v.step + 1})" if v.step is not None and "step #" not in v.message else ""
        lines.append(f"  {v.severity.value:7} {v.rule}{where}: {v.message}")
        if v.hint:
            lines.append(f"          hint: {v.hint}")
    return lines


# --- the report of the session (written by the controller under xdist) ---------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not isinstance(item.parent, ScenarioFile):
        return report
    if call.when == "call" and RESULT in item.stash:
        payload = item.stash[RESULT]
        setattr(report, RESULT_ATTR, payload["result"])
        setattr(report, BROWSER_ATTR, payload["browser"])
    elif call.when == "setup" and report.failed and item.parent.scenario is not None:
        scenario = item.parent.scenario  # e.g. the browser could not be launched: the report says so
        setattr(
            report,
            RESULT_ATTR,
            {
                "name": scenario.name,
                "file": scenario.file,
                "status": "error",
                "error": f"the test could not be set up: {_first_line(report.longreprtext)}",
            },
        )
    return report


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    failing = [line for line in lines if line.startswith("E ")]
    return (failing or lines or ["?"])[0].removeprefix("E ").strip()


class ReportWriter:
    """Gathers the scenarios' results from the test reports (its own, or those xdist workers send) and writes the
    report at the end of the session, in the process that runs the session (the controller under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict[str, Any]] = {}  # node ID → result (a rerun's last attempt wins)
        self.browser = ""
        self.written: Path | None = None
        self.summary = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = getattr(report, RESULT_ATTR, None)
        if isinstance(result, dict):
            self.results[report.nodeid] = result
            self.browser = self.browser or getattr(report, BROWSER_ATTR, "") or ""

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from checker.models import ScenarioResult  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)
        from checker.report import write_reports  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)
        from checker.report.run import new_run  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

        settings = self.config.stash[SETTINGS]
        if not self.results or settings.report_dir is None:
            return
        ordered = sorted(self.results.items())  # by node ID: the same order whichever worker ran which
        run = new_run(
            [ScenarioResult.model_validate(result) for _, result in ordered],
            started_at=settings.started_at,
            duration_s=time.monotonic() - settings.started,
            analytics_mode=settings.analytics,  # type: ignore[arg-type]  # --ca-analytics: block or pass
            base_url=settings.base_url,
            browser=self.browser,
        )
        self.written = write_reports(run, settings.report_dir)
        s = run.summary
        self.summary = (
            f"{s.passed} passed, {s.failed} failed, {s.error} errored of {s.total} scenarios · "
            f"findings: {s.violations['error']} errors, {s.violations['warning']} warnings"
        )

    def pytest_terminal_summary(self, terminalreporter: TerminalReporter) -> None:
        if self.written is not None:
            terminalreporter.write_sep("-", "case-assist-check")
            terminalreporter.write_line(f"{self.summary}")
            terminalreporter.write_line(f"Report: {self.written}")
        for line in take_unwritten():  # a full disk: the lost artefacts, one line each
            terminalreporter.write_line(line, red=True)


@pytest.fixture
def case_assist(
    context: BrowserContext, page: Page, case_assist_options: RunOptions, request: pytest.FixtureRequest
) -> Iterator[CaseAssist]:
    """Records the Case Assist analytics events of the test's `context` (so of `page` and any page it opens).
    The capture is attached to the context before `page` loads its first URL; analytics requests are answered
    locally unless --ca-analytics pass."""
    from checker.pytest_plugin.fixture import open_case_assist  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

    yield open_case_assist(context, page, case_assist_options, request)


def __getattr__(name: str) -> Any:
    """`CaseAssist`, imported when asked for (its module holds the checker's machinery)."""
    if name == "CaseAssist":
        from checker.pytest_plugin.fixture import CaseAssist  # noqa: PLC0415  (lazy: the plugin loads in every pytest run)

        return CaseAssist
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CaseAssist",
    "ScenarioFile",
    "case_assist",
    "case_assist_options",
    "describe_failure",
    "looks_like_scenario",
]
