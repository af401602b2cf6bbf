"""The scenario format: pydantic models of what a YAML scenario may say (and, through them, its JSON Schema).

A step is a mapping with exactly one *kind* key (`goto`, `click`, `fill`, …) plus the common keys `name`,
`timeout`, `frame`, `expect` and `expect_none`. An expectation names an `action` and partial matches on the
event's fields; a value is a literal or a matcher (see `checker.matchers`). `expect` is a list (matched in
order, others may come between) or `{order: in_order | exact | any_order, events: [...]}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator

from checker.scenario.selectors import selector_problem


def _well_formed(selector: str) -> str:
    problem = selector_problem(selector)
    if problem:
        raise ValueError(problem)
    return selector


Selector = Annotated[
    str,
    Field(min_length=1, description="A Playwright selector (CSS, text=, role=…); pierces open shadow roots."),
    AfterValidator(_well_formed),
]
Matcher = Annotated[Any, Field(description="A literal, or {regex|any|absent|type|range|one_of|capture|same_as: …}.")]
Order = Literal["in_order", "exact", "any_order"]


DAY = 86_400  # seconds: any longer "timeout" is a typo (or .inf), and Playwright needs a finite number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _line: int | None = PrivateAttr(default=None)
    _file: str = PrivateAttr(default="")

    @property
    def line(self) -> int | None:
        return self._line

    @property
    def file(self) -> str:
        return self._file


class CountRange(_Strict):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"count min ({self.min}) is above max ({self.max})")
        return self


class Expectation(_Strict):
    """An event the page must send. Fields other than `action` are partial matches."""

    action: str = Field(description="Action type, e.g. ticket_field_update or documentSuggestionClick.")
    event_type: Matcher = Field(None, description="flowStart or click (or a matcher).")
    data: dict[str, Any] | None = Field(None, description="Partial match on the action payload.")
    ticket: dict[str, Any] | None = Field(None, description="Partial match on the ticket payload.")
    client_id: Matcher = Field(None, description="Matcher on the event's client ID.")
    search_hub: Matcher = Field(None, description="Matcher on the search hub / originLevel1.")
    protocol: Literal["ua", "ep"] | None = Field(None, description="Only match events of this protocol.")
    count: int | CountRange | None = Field(None, description="How many matching events: a number or {min, max}.")

    def as_written(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ExpectBlock(_Strict):
    order: Order = Field("in_order", description="in_order: others may come between; exact: nothing else; any_order.")
    events: list[Expectation] = Field(default_factory=list)


ExpectSpec = list[Expectation] | ExpectBlock


def as_block(spec: ExpectSpec | None) -> ExpectBlock:
    if isinstance(spec, ExpectBlock):
        return spec
    return ExpectBlock(events=list(spec or []))


class _StepBase(_Strict):
    name: str | None = Field(None, description="A label shown in the report.")
    timeout: float | None = Field(None, gt=0, le=DAY, description="Seconds for this step and its expected events.")
    expect: ExpectSpec = Field(default_factory=list, description="Events this step must cause.")
    expect_none: list[Expectation] = Field(default_factory=list, description="Events this step must not cause.")
    frame: Selector | list[Selector] | None = Field(
        None, description="Act inside this iframe (a selector; a list for nested frames), e.g. '#case-frame'."
    )

    @property
    def expect_block(self) -> ExpectBlock:
        return as_block(self.expect)


class FillArgs(_Strict):
    selector: Selector
    value: str
    blur: bool = Field(True, description="Leave the field afterwards, as a person does (fires `change`).")
    keystrokes: bool = Field(
        False,
        description="Type the value key by key (an `input` event per key), as a person types, instead of at once.",
    )


class SelectArgs(_Strict):
    selector: Selector
    value: str | None = None
    label: str | None = None


class CheckArgs(_Strict):
    selector: Selector
    checked: bool = True


class PressArgs(_Strict):
    key: str
    selector: Selector | None = None


class WaitForArgs(_Strict):
    selector: Selector
    state: Literal["attached", "detached", "visible", "hidden"] = "visible"


class ClickArgs(_Strict):
    selector: Selector


class GotoStep(_StepBase):
    goto: str = Field(description="URL, absolute or relative to --base-url.")


class ClickStep(_StepBase):
    click: Selector | ClickArgs


class FillStep(_StepBase):
    fill: FillArgs


class SelectStep(_StepBase):
    select: SelectArgs


class CheckStep(_StepBase):
    check: Selector | CheckArgs


class PressStep(_StepBase):
    press: PressArgs


class HoverStep(_StepBase):
    hover: Selector


class WaitForStep(_StepBase):
    wait_for: Selector | WaitForArgs


class WaitForEventStep(_StepBase):
    wait_for_event: Expectation | list[Expectation] = Field(
        description="Wait until these events have been sent (during this step or the one before)."
    )

    @property
    def awaited(self) -> list[Expectation]:
        return self.wait_for_event if isinstance(self.wait_for_event, list) else [self.wait_for_event]


class WaitStep(_StepBase):
    wait: int = Field(ge=0, le=600_000, description="Milliseconds to pause (prefer wait_for or wait_for_event).")


class ScreenshotStep(_StepBase):
    screenshot: str = Field(min_length=1, description="A label for a full screenshot kept in the report.")


class EvaluateStep(_StepBase):
    evaluate: str = Field(min_length=1, description="A JavaScript expression run in the page (for odd widgets).")


class IncludeStep(_StepBase):
    include: str = Field(min_length=1, description="A YAML file of steps, relative to this file (e.g. a login).")


STEP_KINDS: dict[str, type[_StepBase]] = {
    "goto": GotoStep,
    "click": ClickStep,
    "fill": FillStep,
    "select": SelectStep,
    "check": CheckStep,
    "press": PressStep,
    "hover": HoverStep,
    "wait_for": WaitForStep,
    "wait_for_event": WaitForEventStep,
    "wait": WaitStep,
    "screenshot": ScreenshotStep,
    "evaluate": EvaluateStep,
    "include": IncludeStep,
}


def step_kind_of(value: Any) -> str | None:
    """The kind key of a raw step mapping (or of a step model), None when it has none."""
    if isinstance(value, dict):
        kinds = [k for k in value if k in STEP_KINDS]
    else:
        kinds = [k for k in STEP_KINDS if getattr(value, k, None) is not None]
    return kinds[0] if len(kinds) == 1 else None


if TYPE_CHECKING:  # a union built at run time is beyond a type checker: to it, a step is any step
    Step = _StepBase
else:
    Step = Annotated[
        Union[tuple(Annotated[model, Tag(kind)] for kind, model in STEP_KINDS.items())],  # noqa: UP007 (built at run time)
        Discriminator(
            step_kind_of, custom_error_type="step_kind", custom_error_message="a step needs exactly one kind key"
        ),
    ]


class Viewport(_Strict):
    width: int = Field(1280, ge=200, le=7680)
    height: int = Field(720, ge=200, le=4320)


class Defaults(_Strict):
    """Settings for every scenario of a file (`defaults:`) or of a folder (`_defaults.yaml`)."""

    search_hub: str | None = Field(None, description="The search hub / originLevel1 every event must carry.")
    timeout: float | None = Field(None, gt=0, le=DAY, description="Seconds a step may take.")
    expect_timeout: float | None = Field(
        None, gt=0, le=DAY, description="Seconds to wait for a step's expected events."
    )
    viewport: Viewport | None = None
    locale: str | None = Field(None, description="Browser locale, e.g. fr-CA.")
    frame: Selector | list[Selector] | None = Field(
        None, description="Default `frame` of every step (e.g. an embedded form)."
    )


class Scenario(_Strict):
    """One user journey through a Case Assist page and the events it must produce."""

    name: str = Field(min_length=1, description="Unique in a run; results are keyed by it.")
    description: str | None = None
    search_hub: str | None = Field(None, description="The search hub / originLevel1 every event must carry.")
    vars: dict[str, str | int | float | bool] = Field(default_factory=dict, description="${NAME} values (not secrets).")
    secrets: list[str] = Field(default_factory=list, description="Variables that must come from the environment.")
    defaults: Defaults = Field(default_factory=Defaults)
    steps: list[Step] = Field(min_length=1)
    expect: ExpectSpec = Field(default_factory=list, description="Events of the whole run.")
    expect_none: list[Expectation] = Field(default_factory=list, description="Events that must not happen at all.")
    _secret_values: list[str] = PrivateAttr(default_factory=list)

    @property
    def expect_block(self) -> ExpectBlock:
        return as_block(self.expect)

    @property
    def secret_values(self) -> list[str]:
        """Values of the secret variables the scenario used: to be redacted from every artefact."""
        return self._secret_values


def step_kind(step: _StepBase) -> str:
    kind = step_kind_of(step)
    assert kind is not None
    return kind


def describe_step(step: _StepBase) -> str:
    """A one-line human description of a step, for progress output and the report."""
    kind = step_kind(step)
    arg = getattr(step, kind)
    if isinstance(arg, BaseModel):
        arg = " ".join(f"{k}={v!r}" for k, v in arg.model_dump(exclude_defaults=True).items())
    elif isinstance(arg, list):
        arg = ", ".join(e.action for e in arg if isinstance(e, Expectation))
    text = f"{kind} {arg}"
    return f"{step.name}: {text}" if step.name else text
