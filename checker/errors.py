"""Errors the user can fix, kept apart from findings (the page is wrong) and bugs (we are wrong).

    CheckerError                 user input or environment is wrong: shown without traceback, exit 2
    ├── ScenarioError            one or more problems in scenario files, each with file:line:column
    ├── ConfigError              bad command-line option or configuration value
    └── SetupError               something the tool needs is missing (browser, npm packages)

Anything else escaping the CLI is an internal error (exit 3, traceback, "please report").
"""

from __future__ import annotations

from dataclasses import dataclass


class CheckerError(Exception):
    """A problem the user can fix. `tip` is shown after the message."""

    def __init__(self, message: str, tip: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def render(self) -> str:
        return f"{self.message}\nTip: {self.tip}" if self.tip else self.message


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: str
    line: int | None
    column: int | None
    message: str
    hint: str = ""

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ScenarioError(CheckerError):
    """Located problems in input files: scenario files, or the configuration (`what`)."""

    def __init__(self, problems: list[Problem], what: str = "scenario files") -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {what}")

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems) + f"\n{self.message}"


class ConfigError(CheckerError):
    pass


class SetupError(CheckerError):
    pass


def first_line(exc: BaseException) -> str:
    """What an exception says, in one line (a Playwright error carries a call log below its first line)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
