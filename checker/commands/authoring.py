"""`validate`, `schema`, `init`, `login`, `record`: writing scenarios and getting ready to run them."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from checker.capture.host_map import parse_host_map
from checker.commands import EXIT_OK
from checker.commands.ci import ci_target, render_ci
from checker.config import load_config
from checker.drive.browser import find_browser, launch
from checker.drive.steps import StepContext, StepError, perform
from checker.errors import ConfigError
from checker.record import record_to_file
from checker.scenario import LoadOptions, load_scenarios
from checker.scenario.includes import load_steps
from checker.scenario.model import Scenario
from checker.scenario.variables import parse_vars

STARTERS = Path(__file__).parent / "starters"
KINDS = ("snippet", "headless", "quantic")


def cmd_validate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    scenarios = load_scenarios(args.paths, LoadOptions(vars=parse_vars(args.var), env=_env(args)))
    for scenario in scenarios:
        print(f"✓ {scenario.file}: {scenario.name} ({len(scenario.steps)} steps)")
    where = f", configuration {config.source}" if config.source else ""
    print(f"{len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} valid{where}")
    return EXIT_OK


def _env(args: argparse.Namespace) -> dict[str, str]:
    """`validate --no-env` checks files as a CI machine without secrets would see them."""
    return {} if getattr(args, "no_env", False) else dict(os.environ)


def scenario_schema() -> dict:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "case-assist-check scenario"
    return schema


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"JSON Schema written to {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    if args.ci:
        return _init_ci(args)
    folder: Path = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    files = [f"{kind}.yaml" for kind in kinds] + (["_login.yaml"] if "quantic" in kinds else [])
    for name in files:
        target = folder / (f"starter-{name}" if not name.startswith("_") else name)
        if target.exists() and not args.force:
            raise ConfigError(f"{target} already exists", "pass --force to overwrite it")
        shutil.copyfile(STARTERS / name, target)
        print(f"wrote {target}")
    print("Next: edit the selectors, then `case-assist-check validate` and `case-assist-check run`.")
    return EXIT_OK


def _init_ci(args: argparse.Namespace) -> int:
    """`init --ci PLATFORM`: the nightly job for the scenarios in FOLDER (which must exist: the job runs them)."""
    if not args.folder.exists():
        raise ConfigError(
            f"{args.folder}: no scenarios there for the CI job to run",
            "write them first (`case-assist-check init`), or give the folder that holds them",
        )
    target = ci_target(args.ci, args.output)
    if target.exists() and not args.force:
        raise ConfigError(f"{target} already exists", "pass --force to overwrite it, or -o to write it elsewhere")
    text = render_ci(args.ci, args.folder, args.shards, args.install)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}: a nightly audit of {args.folder} in {args.shards} shard(s), merged, --fail-on new")
    print("Next: set the variables and secrets listed at the top of the file in the platform's settings.")
    return EXIT_OK


def cmd_login(args: argparse.Namespace) -> int:
    """Save a Playwright storage state after logging in: by steps (headless) or by hand (headed)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

    steps = load_steps(args.steps, parse_vars(args.var)) if args.steps else []
    with sync_playwright() as pw:
        headed = not steps or args.headed
        browser = launch(pw, find_browser(pw, args.browser_path, headed), headed=headed)
        context = browser.new_context()
        page = context.new_page()
        page.goto(args.url)
        if steps:
            for step in steps:
                try:
                    perform(page, step, StepContext(args.url, args.timeout * 1000))
                except StepError as exc:
                    raise ConfigError(f"login step failed: {exc}", "check the login steps against the page") from None
        else:
            input("Log in in the browser window, then press Enter here to save the session… ")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        context.storage_state(path=str(args.output))
        browser.close()
    print(f"Session saved to {args.output} (keep it out of version control: it holds your cookies)")
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    record_to_file(
        args.url,
        args.output,
        base_url=args.base_url,
        name=args.name,
        browser_path=args.browser_path,
        host_map=parse_host_map(args.map_host or []),
    )
    print(f"Scenario written to {args.output}; check it with `case-assist-check validate {args.output}`")
    return EXIT_OK
