"""The command line: a thin layer over scenario loading, the runner and the reporters.

Exit codes: 0 every scenario conforms · 1 a scenario failed or errored · 2 invalid input or setup · 3 internal error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path
from typing import Callable

from checker import __version__
from checker.errors import CheckerError, ConfigError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
DEMO_SCENARIOS = Path("scenarios") / "demo"


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="DIR", type=Path, help="report folder (default: reports/<timestamp>/)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the JSON results here")
    parser.add_argument("--junit", metavar="FILE", type=Path, help="write the JUnit XML here (default: in the report folder)")
    parser.add_argument("--analytics", choices=("block", "pass"), default="block",
                        help="block (default): answer analytics requests locally, nothing reaches the org; "
                             "pass: let them through and check they are delivered")
    parser.add_argument("--browser-path", metavar="PATH", help="Chromium/Chrome executable to use")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument("--no-screenshots", action="store_true", help="skip per-step screenshots (kept on errors)")
    parser.add_argument("--step-timeout", type=float, default=10.0, metavar="S", help="seconds a step may take (default 10)")
    parser.add_argument("--expect-timeout", type=float, default=5.0, metavar="S",
                        help="seconds to wait for a step's expected events (default 5)")
    parser.add_argument("--settle", type=int, default=100, metavar="MS",
                        help="after the last step and any send still on its way, wait until no analytics request "
                             "came for this long (default 100)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="project configuration (default: ./case-assist-check.yaml or [tool.case-assist-check] in pyproject.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step as it finishes")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="case-assist-check",
        description="Drive a Coveo Case Assist page with YAML scenarios in real Chromium and check the analytics "
                    "events it logs against the protocol (docs.coveo.com/en/3437).",
    )
    parser.add_argument("--version", action="version", version=f"case-assist-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run scenarios against a page and write the conformance report")
    run.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    run.add_argument("--base-url", metavar="URL", help="base for relative `goto` URLs")
    run.add_argument("--search-hub", metavar="HUB", help="the search hub every event must carry (overrides the config)")
    _run_options(run)

    demo = commands.add_parser("demo", help="run the demo scenarios against the bundled demo site")
    demo.add_argument("--broken", action="store_true", help="use the variant of the site with instrumentation bugs")
    demo.add_argument("--scenarios", type=Path, default=DEMO_SCENARIOS, metavar="DIR", help="demo scenario folder")
    _run_options(demo)

    serve = commands.add_parser("serve-demo", help="serve the demo site for a person to click through")
    serve.add_argument("--port", type=int, default=8765)

    setup = commands.add_parser("setup", help="install what is missing: demo npm packages and a Chromium")
    setup.add_argument("--no-browser", action="store_true")
    setup.add_argument("--no-npm", action="store_true")

    rules = commands.add_parser("rules", help="list every rule with its id, severity and source")
    rules.add_argument("--config", type=Path, metavar="FILE", help="show severities as this configuration sets them")
    return parser


def _report_dir(args: argparse.Namespace) -> Path:
    if args.report:
        return args.report
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("reports") / stamp


def _execute(args: argparse.Namespace, paths: list[Path], base_url: str | None) -> int:
    from checker.report import write_reports
    from checker.report.console import ProgressPrinter, make_console, print_summary
    from checker.runner import RunOptions, run
    from checker.scenario import load_scenarios

    from checker.config import load_config, rule_config

    config = load_config(args.config)
    scenarios = load_scenarios(paths)
    if args.step_timeout <= 0 or args.expect_timeout <= 0 or args.settle < 0:
        raise ConfigError("timeouts must be positive numbers (seconds; --settle in milliseconds)")
    report_dir = _report_dir(args)
    options = RunOptions(
        base_url=base_url, analytics=args.analytics, browser_path=args.browser_path, headed=args.headed,
        report_dir=report_dir, step_timeout_s=args.step_timeout, expect_timeout_s=args.expect_timeout,
        screenshots=not args.no_screenshots, quiet_ms=args.settle,
        rules=rule_config(config, getattr(args, "search_hub", None)), extra_analytics_patterns=list(config.proxies),
    )
    console = make_console()
    result = run(scenarios, options, on_event=ProgressPrinter(console, args.verbose))
    report = write_reports(result, report_dir, args.json, args.junit)
    print_summary(console, result, report)
    return EXIT_OK if result.status.value == "passed" else EXIT_FINDINGS


def cmd_run(args: argparse.Namespace) -> int:
    return _execute(args, [Path(p) for p in args.paths], args.base_url)


def cmd_demo(args: argparse.Namespace) -> int:
    from checker.demo.server import DemoServer

    scenarios = args.scenarios
    if not scenarios.exists():
        raise ConfigError(f"demo scenarios not found at {scenarios}", "run the demo from the project folder, or pass --scenarios")
    with DemoServer() as server:
        base = server.base_url + ("/broken" if args.broken else "")
        print(f"Demo site ({'broken' if args.broken else 'clean'} variant) on {base}")
        return _execute(args, [scenarios], base)


def cmd_serve_demo(args: argparse.Namespace) -> int:
    from checker.demo.server import DemoServer

    server = DemoServer(port=args.port, analytics_endpoint=f"http://127.0.0.1:{args.port}/rest/ua")
    server.start()
    print(f"Demo site: {server.base_url}/create-case  (broken variant: {server.base_url}/broken/create-case)")
    print("Analytics go to the site's own stand-in collector. Ctrl-C to stop.")
    try:
        server._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    from checker.setup_env import setup

    for line in setup(browser=not args.no_browser, npm=not args.no_npm):
        print(f"✓ {line}")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from checker.check.rules import all_rules
    from checker.config import load_config

    config = load_config(args.config)
    rules = sorted(all_rules(), key=lambda r: r.id)
    width = max(len(r.id) for r in rules)
    print(f"{'rule':<{width}}  {'severity':<8}  what must hold  [source]")
    for r in rules:
        severity = "off" if r.id in config.rules.disable else config.rules.severity.get(r.id, r.severity).value
        print(f"{r.id:<{width}}  {severity:<8}  {r.title}  [{r.section}]")
    if config.source:
        print(f"\n(configuration: {config.source}; known library deviations count as {config.rules.deviations})")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run, "demo": cmd_demo, "serve-demo": cmd_serve_demo, "setup": cmd_setup, "rules": cmd_rules,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    try:
        return COMMANDS[args.command](args)
    except CheckerError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(f"\ninternal error in case-assist-check {__version__}: please report it with the traceback above",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
