"""`setup` and `rules`."""

from __future__ import annotations

import argparse

from checker.check.rules import all_rules
from checker.commands import EXIT_OK
from checker.config import load_config
from checker.setup_env import setup


def cmd_setup(args: argparse.Namespace) -> int:
    for line in setup(browser=not args.no_browser, npm=not args.no_npm):
        print(f"{'–' if 'skipped' in line else '✓'} {line}")  # a part left out (no Quantic sources) is no success
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    rules = sorted(all_rules(), key=lambda r: r.id)
    width = max(len(r.id) for r in rules)
    print(f"{'rule':<{width}}  {'severity':<8}  what must hold  [source]")
    for r in rules:
        severity = "off" if r.id in config.rules.disable else config.rules.severity.get(r.id, r.severity).value
        print(f"{r.id:<{width}}  {severity:<8}  {r.title}  [{r.section}]")
        if r.why:
            print(f"{'':<{width}}  {'':<8}  why: {r.why}")
    if config.source:
        print(f"\n(configuration: {config.source}; known library deviations count as {config.rules.deviations})")
    return EXIT_OK
