"""The command line: argument parsing and dispatch; the commands live in `checker.commands`.

Exit codes: 0 every scenario conforms · 1 a scenario failed or errored · 2 invalid input or setup · 3 internal error
· 4 an output could not be written (named on stderr, one line each) · 130 interrupted.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from checker import __version__
from checker.commands import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_OUTPUT
from checker.commands.audit import (
    DEMO_SCENARIOS,
    QUANTIC_SCENARIOS,
    cmd_demo,
    cmd_merge,
    cmd_report,
    cmd_run,
    cmd_serve_demo,
)
from checker.commands.authoring import KINDS, cmd_init, cmd_login, cmd_record, cmd_schema, cmd_validate
from checker.commands.ci import PLATFORMS
from checker.commands.tooling import cmd_rules, cmd_setup
from checker.demo.server import SNIPPET_BUGS
from checker.errors import CheckerError
from checker.files import WRITE_ERRNOS, reason, take_unwritten
from checker.report.analysis import FAIL_ON
from checker.report.summary_md import ARTIFACTS_PLACEHOLDER


def _variables(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--var",
        action="append",
        metavar="NAME=VALUE",
        help="a ${NAME} value for the scenarios (repeatable; secrets come from the environment only)",
    )


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="project configuration (default: ./case-assist-check.yaml or [tool.case-assist-check] in pyproject.toml)",
    )


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="DIR", type=Path, help="report folder (default: reports/<timestamp>/)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the JSON results here")
    parser.add_argument(
        "--junit", metavar="FILE", type=Path, help="write the JUnit XML here (default: in the report folder)"
    )
    parser.add_argument(
        "--analytics",
        choices=("block", "pass"),
        default="block",
        help="block (default): answer analytics requests locally, nothing reaches the org; "
        "pass: let them through and check they are delivered",
    )
    parser.add_argument(
        "--analytics-delay",
        metavar="MS",
        type=int,
        default=150,
        help="block: answer analytics requests this late, as the cloud does (default 150 ms), so a send that the "
        "page's navigation would cancel in production is cancelled here too; 0 answers at once",
    )
    parser.add_argument("--browser-path", metavar="PATH", help="Chromium/Chrome executable to use")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument(
        "--storage-state",
        type=Path,
        metavar="FILE",
        help="start logged in: a Playwright storage state saved by `case-assist-check login`",
    )
    parser.add_argument("--no-screenshots", action="store_true", help="skip per-step screenshots (kept on errors)")
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N", help="run N scenarios at once, each with its own browser"
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="run only the I-th of N equal parts of the scenarios (CI jobs); join with `merge`",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=0,
        metavar="N",
        help="run a scenario that did not pass again, up to N times; a later pass is reported as flaky",
    )
    parser.add_argument("--fail-on-flaky", action="store_true", help="a flaky scenario fails the run")
    parser.add_argument(
        "--browser-endpoint",
        metavar="WS_URL",
        help="use a remote browser (playwright run-server, or a grid speaking its protocol)",
    )
    parser.add_argument(
        "--trace",
        choices=("off", "on", "retain-on-failure"),
        default="off",
        help="keep a Playwright trace per scenario, linked from the report (open with `playwright show-trace`)",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=10.0, metavar="S", help="seconds a step may take (default 10)"
    )
    parser.add_argument(
        "--expect-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds to wait for a step's expected events (default 5)",
    )
    parser.add_argument(
        "--settle",
        type=int,
        default=500,
        metavar="MS",
        help="after the last step, wait for sends still on their way and for what the page has under "
        "way (timers, requests, a loading document) due within this long of the last step "
        "that acted on it; ends as soon as there is nothing (default 500; 0: sends only)",
    )
    _verdict_options(parser)
    _map_host(parser)
    _config(parser)
    _variables(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step as it finishes")


def _verdict_options(parser: argparse.ArgumentParser) -> None:
    """Earlier runs to compare with, and what makes the exit code 1: shared by `run`, `demo` and `merge`."""
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help="show what changed since an earlier run: its results.json, its report folder, or a --history folder "
        "(its last run; an empty folder means no earlier run yet)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="keep runs in this folder; compare with the last one and draw the trend",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="errors",
        help="exit 1 when: errors (default) a scenario failed or errored; any: warnings too; new: only an error "
        "finding not in the baseline (same fingerprint: scenario, rule, action, field, step) or a scenario that "
        "newly errors",
    )
    parser.add_argument(
        "--summary-md", type=Path, metavar="FILE", help="also write a short Markdown summary (CI job summary, MR note)"
    )
    parser.add_argument(
        "--artifacts-url",
        metavar="URL",
        help=f"where the report's files are published, for the summary's links (default: {ARTIFACTS_PLACEHOLDER})",
    )


def _map_host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--map-host",
        action="append",
        metavar="HOST=ORIGIN",
        help="answer the page's requests to HOST from ORIGIN, same path (repeatable): a stand-in "
        "Customer Service API behind production hostnames",
    )


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
    demo.add_argument(
        "--bugs",
        metavar="NAME,…",
        help=f"with --broken: only these of its bugs ({', '.join(SNIPPET_BUGS)}); none: an empty value",
    )
    demo.add_argument(
        "--quantic",
        action="store_true",
        help="the Quantic variant (Coveo's Quantic components, built from their sources by `setup`)",
    )
    demo.add_argument(
        "--scenarios",
        type=Path,
        metavar="DIR",
        help=f"demo scenario folder (default {DEMO_SCENARIOS}, {QUANTIC_SCENARIOS} with --quantic)",
    )
    _run_options(demo)

    serve = commands.add_parser("serve-demo", help="serve the demo site for a person to click through")
    serve.add_argument("--port", type=int, default=8765)

    validate = commands.add_parser("validate", help="check scenario files and report every problem with file:line")
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--no-env", action="store_true", help="ignore the environment (as on a machine without secrets)"
    )
    _config(validate)
    _variables(validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the scenario format (for editors)")
    schema.add_argument("-o", "--output", type=Path, metavar="FILE")

    init = commands.add_parser("init", help="write starter scenarios (coveoua snippet, Headless, Quantic)")
    init.add_argument("folder", nargs="?", type=Path, default=Path("scenarios"))
    init.add_argument("--kind", choices=(*KINDS, "all"), default="all")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument(
        "--ci",
        choices=tuple(PLATFORMS),
        help="instead: write a nightly CI job running the scenarios in FOLDER (sharded, merged, --fail-on new)",
    )
    init.add_argument("--shards", type=int, default=2, metavar="N", help="with --ci: CI machines side by side")
    init.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="with --ci: where to write it (default: the platform's)"
    )
    init.add_argument(
        "--install",
        metavar="SPEC",
        help="with --ci: what pip installs (default: this version of case-assist-check, from your package index)",
    )

    login = commands.add_parser("login", help="log in once and save the session for nightly runs (--storage-state)")
    login.add_argument("url")
    login.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="storage state to write")
    login.add_argument("--steps", type=Path, metavar="FILE", help="log in with these steps instead of by hand")
    login.add_argument("--headed", action="store_true", help="show the browser even with --steps")
    login.add_argument("--timeout", type=float, default=30.0, metavar="S")
    login.add_argument("--browser-path", metavar="PATH")
    _variables(login)

    record = commands.add_parser("record", help="go through the flow in a browser; write the scenario it makes")
    record.add_argument("url")
    record.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    record.add_argument("--base-url", metavar="URL", help="write gotos relative to this URL")
    record.add_argument("--name", help="scenario name (default: the page title)")
    record.add_argument("--browser-path", metavar="PATH")
    _map_host(record)

    merge = commands.add_parser("merge", help="join the results of several runs (e.g. shards) into one report")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="RESULTS", help="results.json files or report folders")
    merge.add_argument("--report", type=Path, required=True, metavar="DIR")
    merge.add_argument("--json", type=Path, metavar="FILE")
    merge.add_argument("--junit", type=Path, metavar="FILE")
    _verdict_options(merge)

    report = commands.add_parser(
        "report", help="make the report again from a run's folder (results.json or its journals)"
    )
    report.add_argument("folder", type=Path, metavar="DIR")
    report.add_argument("--out", type=Path, metavar="DIR", help="write the report here (default: DIR)")

    setup = commands.add_parser("setup", help="install what is missing: demo npm packages and a Chromium")
    setup.add_argument("--no-browser", action="store_true")
    setup.add_argument("--no-npm", action="store_true")

    rules = commands.add_parser("rules", help="list every rule with its id, severity and source")
    _config(rules)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "demo": cmd_demo,
    "serve-demo": cmd_serve_demo,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "init": cmd_init,
    "login": cmd_login,
    "record": cmd_record,
    "setup": cmd_setup,
    "rules": cmd_rules,
    "report": cmd_report,
    "merge": cmd_merge,
}


def main(argv: list[str] | None = None) -> int:
    replace_unencodable(sys.stdout, sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_INPUT
    take_unwritten()  # what an earlier command in this process (tests) could not write is not this one's
    try:
        code = COMMANDS[args.command](args)
    except CheckerError as exc:
        print(exc.render(), file=sys.stderr)
        code = EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            code = _internal_error()
        else:  # a write outside the report's own (e.g. --history on a full disk): an output problem all the same
            where = os.fsdecode(exc.filename) if exc.filename else "an output"
            print(f"could not write {where}: {reason(exc, exc.filename)}", file=sys.stderr)
            code = EXIT_OUTPUT
    except Exception:
        code = _internal_error()
    return _output_problems(code)


def _internal_error() -> int:
    traceback.print_exc()
    print(
        f"\ninternal error in case-assist-check {__version__}: please report it with the traceback above",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _output_problems(code: int) -> int:
    """Each artefact that could not be written, one line on stderr; a verdict's exit code becomes EXIT_OUTPUT (an
    interrupted run, invalid input or an internal error keep theirs)."""
    lines = take_unwritten()
    for line in lines:
        print(line, file=sys.stderr)
    if lines and code in (EXIT_OK, EXIT_FINDINGS):
        return EXIT_OUTPUT
    return code


def replace_unencodable(*streams: TextIO) -> None:
    """A page's text may hold what the terminal's encoding cannot (a lone surrogate; anything but ASCII with
    PYTHONIOENCODING=ascii or LANG=C): print '?' for it instead of failing with UnicodeEncodeError."""
    for stream in streams:
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, io.UnsupportedOperation):
                pass  # already written to in a way that forbids it: make_console's guard still applies


if __name__ == "__main__":
    sys.exit(main())
