"""The scenario format: pydantic models of what a YAML scenario may say.

A step is a mapping with exactly one *kind* key (`goto`, `click`, `fill`, …) plus the common keys `name`,
`timeout` and `expect`. An expectation names an `action` and partial matches on the event's fields; a value is
a literal or a matcher (`{regex: …}`, `{any: true}`, `{absent: true}`), see `checker.check.matchers`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

Selector = Annotated[str, Field(min_length=1, description="A Playwright selector (CSS, text=, role=…); pierces open shadow roots.")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        return self._line


class Expectation(_Strict):
    """An event the page must send. Fields other than `action` are partial matches."""

    action: str = Field(description="Action type, e.g. ticket_field_update or documentSuggestionClick.")
    event_type: Any = Field(None, description="flowStart or click (or a matcher).")
    data: dict[str, Any] | None = Field(None, description="Partial match on the action payload.")
    ticket: dict[str, Any] | None = Field(None, description="Partial match on the ticket payload.")
    client_id: Any = Field(None, description="Matcher on the event's client ID.")
    search_hub: Any = Field(None, description="Matcher on the search hub / originLevel1.")
    protocol: Literal["ua", "ep"] | None = Field(None, description="Only match events of this protocol.")

    def as_written(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class _StepBase(_Strict):
    name: str | None = Field(None, description="A label shown in the report.")
    timeout: float | None = Field(None, gt=0, description="Seconds for this step and its expected events.")
    expect: list[Expectation] = Field(default_factory=list, description="Events this step must cause, in order.")
    frame: str | list[str] | None = Field(
        None, description="Act inside this iframe (a selector; a list for nested frames), e.g. '#case-frame'.")


class FillArgs(_Strict):
    selector: Selector
    value: str
    blur: bool = Field(True, description="Leave the field afterwards, as a person does (fires `change`).")


class SelectArgs(_Strict):
    selector: Selector
    value: str | None = None
    label: str | None = None


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


class PressStep(_StepBase):
    press: PressArgs


class WaitForStep(_StepBase):
    wait_for: Selector | WaitForArgs


class WaitStep(_StepBase):
    wait: int = Field(ge=0, le=600_000, description="Milliseconds to pause (prefer wait_for).")


STEP_KINDS: dict[str, type[_StepBase]] = {
    "goto": GotoStep,
    "click": ClickStep,
    "fill": FillStep,
    "select": SelectStep,
    "press": PressStep,
    "wait_for": WaitForStep,
    "wait": WaitStep,
}


def step_kind_of(value: Any) -> str | None:
    """The kind key of a raw step mapping (or of a step model), None when it has none."""
    if isinstance(value, dict):
        kinds = [k for k in value if k in STEP_KINDS]
    else:
        kinds = [k for k in STEP_KINDS if getattr(value, k, None) is not None]
    return kinds[0] if len(kinds) == 1 else None


Step = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in STEP_KINDS.items())],  # type: ignore[misc]
    Discriminator(step_kind_of, custom_error_type="step_kind", custom_error_message="a step needs exactly one kind key"),
]


class Scenario(_Strict):
    """One user journey through a Case Assist page and the events it must produce."""

    name: str = Field(min_length=1, description="Unique in a run; results are keyed by it.")
    description: str | None = None
    search_hub: str | None = Field(None, description="The search hub / originLevel1 every event must carry.")
    steps: list[Step] = Field(min_length=1)
    expect: list[Expectation] = Field(default_factory=list, description="Events of the whole run, in order.")
    _file: str = PrivateAttr(default="")

    @property
    def file(self) -> str:
        return self._file


def step_kind(step: _StepBase) -> str:
    kind = step_kind_of(step)
    assert kind is not None
    return kind


def describe_step(step: _StepBase) -> str:
    """A one-line human description of a step, for progress output and the report."""
    kind = step_kind(step)
    arg = getattr(step, kind)
    if isinstance(arg, BaseModel):
        parts = [f"{k}={v!r}" for k, v in arg.model_dump(exclude_defaults=True).items()]
        arg = " ".join(parts)
    text = f"{kind} {arg}"
    return f"{step.name}: {text}" if step.name else text
