"""Stage 2: perform one scenario step on a Playwright page (one function per step kind)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from checker.errors import ConfigError
from checker.scenario.model import (
    CheckArgs,
    CheckStep,
    ClickArgs,
    ClickStep,
    EvaluateStep,
    FillStep,
    GotoStep,
    HoverStep,
    PressStep,
    SelectStep,
    Step,
    WaitForArgs,
    WaitForStep,
    WaitStep,
    step_kind,
)

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator, Page


class StepError(Exception):
    """The step could not be performed; the message says why in the user's terms."""


def resolve_url(url: str, base_url: str | None) -> str:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):  # has a scheme: http:, https:, about:, data:, file:
        return url
    if not base_url:
        raise ConfigError(
            f"relative URL {url!r} needs --base-url", "pass --base-url https://your-site, or write an absolute URL"
        )
    return urljoin(base_url.rstrip("/") + "/", url.lstrip("/"))


def _selector(arg: str | ClickArgs | WaitForArgs | CheckArgs) -> str:
    return arg if isinstance(arg, str) else arg.selector


def _goto(page: Page, step: GotoStep, ctx: StepContext) -> None:
    response = page.goto(resolve_url(step.goto, ctx.base_url), timeout=ctx.timeout_ms, wait_until="load")
    if response is not None and response.status >= 400:
        raise StepError(f"{response.url} answered HTTP {response.status}")


def _root(page: Page, step: Step) -> Page | FrameLocator:
    """The page, or the (nested) iframe the step names with `frame:`."""
    frames = [step.frame] if isinstance(step.frame, str) else (step.frame or [])
    root: Page | FrameLocator = page
    for selector in frames:
        root = root.frame_locator(selector)
    return root


def _click(page: Page, step: ClickStep, ctx: StepContext) -> None:
    _root(page, step).locator(_selector(step.click)).first.click(timeout=ctx.timeout_ms)


def _fill(page: Page, step: FillStep, ctx: StepContext) -> None:
    field = _root(page, step).locator(step.fill.selector).first
    if step.fill.keystrokes:  # a page that logs on `input` shows it only when typed key by key
        field.fill("", timeout=ctx.timeout_ms)
        field.press_sequentially(step.fill.value, timeout=ctx.timeout_ms)
    else:
        field.fill(step.fill.value, timeout=ctx.timeout_ms)
    if step.fill.blur:
        field.blur(timeout=ctx.timeout_ms)  # a person leaves the field; pages log ticket_field_update on change


def _select(page: Page, step: SelectStep, ctx: StepContext) -> None:
    args = step.select
    field = _root(page, step).locator(args.selector).first
    if args.label is not None:
        field.select_option(timeout=ctx.timeout_ms, label=args.label)
    else:
        field.select_option(timeout=ctx.timeout_ms, value=args.value)


def _press(page: Page, step: PressStep, ctx: StepContext) -> None:
    if step.press.selector:
        _root(page, step).locator(step.press.selector).first.press(step.press.key, timeout=ctx.timeout_ms)
    else:
        page.keyboard.press(step.press.key)


def _wait_for(page: Page, step: WaitForStep, ctx: StepContext) -> None:
    arg = step.wait_for
    state = arg.state if isinstance(arg, WaitForArgs) else "visible"
    _root(page, step).locator(_selector(arg)).first.wait_for(state=state, timeout=ctx.timeout_ms)


def _wait(page: Page, step: WaitStep, ctx: StepContext) -> None:
    page.wait_for_timeout(step.wait)


def _check(page: Page, step: CheckStep, ctx: StepContext) -> None:
    arg = step.check
    checked = arg.checked if isinstance(arg, CheckArgs) else True
    _root(page, step).locator(_selector(arg)).first.set_checked(checked, timeout=ctx.timeout_ms)


def _hover(page: Page, step: HoverStep, ctx: StepContext) -> None:
    _root(page, step).locator(step.hover).first.hover(timeout=ctx.timeout_ms)


# The script, evaluated as Playwright evaluates an expression (a function is called, a promise awaited), raced against
# the step's timeout: a promise that never settles would hold the step, and the run, for ever. Page scripts may have
# replaced `window.Promise` and its methods: the race uses the built-in Promise (an async function's result) and
# `await` only. The timer is the page's `setTimeout`; should a page have broken it, the watchdog's bound on the step
# (`allowance_s` and a margin) still ends it.
EVALUATE_JS = """async (args) => {
  const expression = args[0], ms = args[1], late = args[2];  // not destructured: no array iterator
  let value = globalThis.eval(expression);
  if (typeof value === 'function') value = value();
  const BuiltInPromise = (async () => {})().constructor;
  return await new BuiltInPromise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(late)), ms);
    (async () => {
      try { resolve(await value); } catch (error) { reject(error); } finally { clearTimeout(timer); }
    })();
  });
}"""


def _as_expression(source: str) -> str:
    """A function declaration as an expression, as Playwright's evaluate takes it (normalizeEvaluationExpression)."""
    source = source.strip()
    return f"({source})" if re.match(r"(async)?\s*function(\s|\()", source) else source


def _evaluate(page: Page, step: EvaluateStep, ctx: StepContext) -> None:
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

    target = page.main_frame
    for selector in _frames(step):
        handle = target.locator(selector).first.element_handle(timeout=ctx.timeout_ms)
        frame = handle.content_frame() if handle else None
        if frame is None:
            raise StepError(f"frame {selector!r} not found")
        target = frame
    late = f"the script did not finish within {ctx.timeout_ms / 1000:g} s (the promise it returned had not settled)"
    try:
        target.evaluate(EVALUATE_JS, [_as_expression(step.evaluate), ctx.timeout_ms, late])
    except PlaywrightError as exc:
        if late in str(exc):
            raise StepError(late) from None
        raise


def _frames(step: Step) -> list[str]:
    return [step.frame] if isinstance(step.frame, str) else list(step.frame or [])


def _nothing(page: Page, step: Step, ctx: StepContext) -> None:
    """wait_for_event and screenshot act after the step: the session waits / photographs."""


class StepContext:
    def __init__(self, base_url: str | None, timeout_ms: float) -> None:
        self.base_url = base_url
        self.timeout_ms = timeout_ms


# Each performer takes the step of its kind (`perform` looks it up by `step_kind`): to the table, a step is Any.
PERFORMERS: dict[str, Callable[[Page, Any, StepContext], None]] = {
    "goto": _goto,
    "click": _click,
    "fill": _fill,
    "select": _select,
    "press": _press,
    "wait_for": _wait_for,
    "wait": _wait,
    "check": _check,
    "hover": _hover,
    "evaluate": _evaluate,
    "wait_for_event": _nothing,
    "screenshot": _nothing,
}


def allowance_s(step: Step, timeout_s: float) -> float:
    """The longest the step may take when all goes well: each of its waits may use the whole timeout (a `wait` adds
    its pause). Past it (and a margin), the page is taken for one that no longer answers."""
    if isinstance(step, WaitStep):
        return step.wait / 1000 + timeout_s
    if isinstance(step, FillStep) and step.fill.blur:
        return 2 * timeout_s  # the fill, then leaving the field
    if isinstance(step, EvaluateStep):
        return (1 + len(_frames(step))) * timeout_s  # each frame to find, then the script
    return timeout_s


def perform(page: Page, step: Step, ctx: StepContext) -> None:
    """Run the step; raise StepError with a readable cause when the page does not let us."""
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415  (lazy: playwright costs ~160 ms to import; commands that open no browser skip it)

    try:
        PERFORMERS[step_kind(step)](page, step, ctx)
    except PlaywrightError as exc:
        raise StepError(_explain(exc)) from None


def _explain(exc: Exception) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if "Timeout" in first and "exceeded" in first:
        details = [line.strip() for line in text.splitlines()[1:] if line.strip() and "===" not in line][-4:]
        return first + (" — " + "; ".join(details) if details else "")
    return first
