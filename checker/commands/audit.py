"""`run`, `demo`, `serve-demo`: audit pages and write the reports."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import math
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import NoReturn, TypeVar

from rich.console import Console

from checker.capture.host_map import parse_host_map
from checker.commands import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK
from checker.config import load_config, rule_config
from checker.demo.quantic import HOW_TO_GET, quantic_ready
from checker.demo.server import SNIPPET_BUGS, VARIANTS, DemoServer
from checker.errors import ConfigError, SetupError
from checker.files import kept_going
from checker.models import RunResult
from checker.report import read_json, scrub_run, write_reports
from checker.report.analysis import annotate, fails, load_history, remember
from checker.report.console import ProgressPrinter, make_console, print_summary
from checker.report.merge import copy_artefacts, merge_runs
from checker.report.rebuild import rebuild
from checker.report.summary_md import write_summary_md
from checker.runner import RunOptions, run
from checker.scenario import LoadOptions, load_scenarios
from checker.scenario.variables import parse_vars as parse_vars  # re-exported: it lived here

DEMO_SCENARIOS = Path("scenarios") / "demo"
QUANTIC_SCENARIOS = Path("scenarios") / "quantic"
LOCK_NAME = ".case-assist-check.lock"  # in the report folder while a run writes there

T = TypeVar("T")


def _report_dir(args: argparse.Namespace) -> Path:
    if args.report:
        return args.report
    return Path("reports") / dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _refuse_impossible_outputs(args: argparse.Namespace) -> None:
    """Outputs that cannot be written are refused before a browser starts, not found out after the run."""
    for option, path in (("--json", args.json), ("--junit", args.junit)):
        if path is not None and (path.is_dir() or not path.parent.is_dir()):
            why = "is a folder" if path.is_dir() else f"is in {path.parent}, which is not a folder"
            raise ConfigError(f"{option} {path} {why}", f"give {option} a file path in an existing folder")


@contextlib.contextmanager
def claim_report_dir(report_dir: Path) -> Iterator[None]:
    """Hold the report folder for this run: a second run given the same `--report` is refused (exit 2) instead of
    silently overwriting this one's artefacts. An advisory lock, released when the process ends, however it ends."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        handle = open(report_dir / LOCK_NAME, "a+")
    except OSError as exc:
        raise ConfigError(
            f"--report {report_dir} cannot be used: {exc.strerror or exc}",
            "give --report a folder you can write to (it is created when missing)",
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(
                f"--report {report_dir} is in use by another run",
                "give each run its own --report folder (the default is a new timestamped one)",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def execute(args: argparse.Namespace, paths: list[Path], base_url: str | None) -> int:
    config = load_config(args.config)
    scenarios = shard(load_scenarios(paths, LoadOptions(vars=parse_vars(args.var))), args.shard)
    if args.workers < 1 or args.retries < 0:
        raise ConfigError("--workers must be at least 1 and --retries at least 0")
    if not all(math.isfinite(t) and t > 0 for t in (args.step_timeout, args.expect_timeout)) or args.settle < 0:
        raise ConfigError(
            "timeouts must be positive finite numbers (seconds; --settle in milliseconds)",
            "e.g. --step-timeout 10 --expect-timeout 5",
        )
    if args.storage_state and not args.storage_state.is_file():
        raise ConfigError(
            f"--storage-state {args.storage_state} not found", "create one with `case-assist-check login`"
        )
    report_dir = _report_dir(args)
    _refuse_impossible_outputs(args)
    secrets = sorted({value for s in scenarios for value in s.secret_values})
    options = RunOptions(
        base_url=base_url,
        analytics=args.analytics,
        analytics_delay_ms=max(0, args.analytics_delay),
        browser_path=args.browser_path,
        headed=args.headed,
        report_dir=report_dir,
        step_timeout_s=args.step_timeout,
        expect_timeout_s=args.expect_timeout,
        screenshots=not args.no_screenshots,
        settle_ms=args.settle,
        secrets=secrets,
        storage_state=args.storage_state,
        trace=args.trace,
        workers=args.workers,
        retries=args.retries,
        fail_on_flaky=args.fail_on_flaky,
        browser_endpoint=args.browser_endpoint,
        host_map=parse_host_map(args.map_host or []),
        rules=rule_config(config, getattr(args, "search_hub", None)),
        extra_analytics_patterns=list(config.proxies),
    )
    baseline, history = _earlier_runs(args)
    console = make_console()
    with claim_report_dir(report_dir), stop_on_sigterm():
        result = run(scenarios, options, on_event=ProgressPrinter(console, args.verbose, redactor=options.redactor))
    annotate(result, baseline, history, partial=bool(args.shard))
    # what the summary, the history and every artefact show is masked with all the run learnt
    result = scrub_run(result, options.redactor, report_dir)
    report = write_reports(result, report_dir, args.json, args.junit, redactor=options.redactor)
    return _conclude(args, console, result, report)


def _conclude(args: argparse.Namespace, console: Console, result: RunResult, report: Path) -> int:
    """After the reports: the history, the Markdown summary, the console's summary, the exit code."""
    if args.history:
        kept_going(remember, result, args.history)
    if args.summary_md:
        kept_going(write_summary_md, result, args.summary_md, args.fail_on, args.artifacts_url)
    print_summary(console, result, report)
    if result.interrupted:
        return EXIT_INTERRUPTED
    failing = fails(result, args.fail_on)
    if args.fail_on == "new" and result.comparison is None:
        console.print("--fail-on new: no earlier run to compare with, so every finding counts as new")
    elif args.fail_on == "new" and not failing and result.status.value != "passed":
        console.print("--fail-on new: nothing new since the baseline; the findings it already had do not fail")
    return EXIT_FINDINGS if failing else EXIT_OK


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, a container stopped) stops the run like Ctrl-C: the report of what finished is
    still written."""

    def interrupt(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _earlier_runs(args: argparse.Namespace) -> tuple[RunResult | None, list[RunResult] | None]:
    history = load_history(args.history) if args.history else None
    return (_baseline(args.baseline) if args.baseline else None), history


def _baseline(path: Path) -> RunResult | None:
    """--baseline: a results.json, a report folder holding one, or a history folder (its last run). A folder with
    neither is a first night: no baseline yet (None), not an error."""
    if path.is_dir() and not (path / "results.json").is_file():
        runs = load_history(path)
        return runs[-1] if runs else None
    target = path / "results.json" if path.is_dir() else path
    try:
        return read_json(target)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"--baseline {path}: not a results.json of this tool ({str(exc).splitlines()[0]})",
            "pass the results.json (or report folder, or --history folder) of an earlier run",
        ) from None


def shard(scenarios: list[T], spec: str | None) -> list[T]:
    """--shard I/N: scenarios I, I+N, I+2N… (1-based) of the sorted list; every scenario is in exactly one shard."""
    if not spec:
        return scenarios
    match = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ConfigError(
            f"--shard {spec!r} is not I/N with 1 ≤ I ≤ N", "e.g. --shard 2/4 in the second of four CI jobs"
        )
    index, count = int(match.group(1)), int(match.group(2))
    return [s for k, s in enumerate(scenarios) if k % count == index - 1]


def cmd_run(args: argparse.Namespace) -> int:
    return execute(args, [Path(p) for p in args.paths], args.base_url)


def cmd_demo(args: argparse.Namespace) -> int:
    scenarios = args.scenarios or (QUANTIC_SCENARIOS if args.quantic else DEMO_SCENARIOS)
    if not scenarios.exists():
        raise ConfigError(
            f"demo scenarios not found at {scenarios}", "run the demo from the project folder, or pass --scenarios"
        )
    if args.quantic and not quantic_ready():
        raise SetupError("the Quantic demo is not built (Quantic's sources are not on npm)", HOW_TO_GET)
    with DemoServer(bugs=_demo_bugs(args)) as server:
        prefix = ("/quantic" if args.quantic else "") + ("-broken" if args.quantic and args.broken else "")
        prefix = prefix or ("/broken" if args.broken else "")
        base = server.base_url + prefix
        print(f"Demo site ({prefix.strip('/') or 'clean'} variant) on {base}")
        if args.quantic:  # its pages call the production hosts; the demo server stands in for them
            args.map_host = [f"{host}={origin}" for host, origin in server.host_map().items()] + (args.map_host or [])
        return execute(args, [scenarios], base)


def _demo_bugs(args: argparse.Namespace) -> list[str] | None:
    """--bugs: some of the broken snippet page's bugs, each by its name."""
    if args.bugs is None:
        return None
    names = [name.strip() for name in args.bugs.split(",") if name.strip()]
    unknown = [name for name in names if name not in SNIPPET_BUGS]
    if unknown or args.quantic or not args.broken:
        raise ConfigError(
            f"--bugs {args.bugs!r}: "
            + (f"no bug named {unknown[0]!r}" if unknown else "needs --broken, not --quantic"),
            f"the broken snippet page's bugs: {', '.join(SNIPPET_BUGS)}",
        )
    return names


def cmd_serve_demo(args: argparse.Namespace) -> int:
    server = DemoServer(port=args.port, analytics_endpoint=f"http://127.0.0.1:{args.port}/rest/ua")
    server.start()
    print("Demo site variants:")
    for prefix, variant in VARIANTS.items():
        print(f"  {variant.name:14} {server.base_url}{'/' + prefix if prefix else ''}/create-case")
    print("Analytics go to the site's own stand-in collector. Ctrl-C to stop.")
    try:
        server.serve_until_interrupted()
    finally:
        server.stop()
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    result = rebuild(args.folder)
    out = args.out or args.folder
    report = write_reports(result, out)
    print_summary(make_console(), result, report)
    return EXIT_OK if result.status.value == "passed" else EXIT_FINDINGS


def cmd_merge(args: argparse.Namespace) -> int:
    """Join shards (or any runs) into one report: scenarios side by side, summary and coverage recomputed."""
    result = merge_runs(args.inputs)
    baseline, history = _earlier_runs(args)
    annotate(result, baseline, history)
    copy_artefacts(args.inputs, args.report)
    report = write_reports(result, args.report, args.json, args.junit)
    return _conclude(args, make_console(), result, report)
