"""The ``counter`` helper: a whole number stepped up and down, as in Home Assistant."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from homeloom.orchestrator import Context, ServiceValidationError

from ._helpers_base import HelperConfig, HelperEntity

__all__ = ["Counter"]


class _CounterValue(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    value: int


class CounterConfig(HelperConfig):
    initial: int = 0
    step: int = Field(1, ge=1)
    minimum: int | None = None
    maximum: int | None = None
    restore: bool = True


class Counter(HelperEntity):
    domain = "counter"
    editable = False
    config_model = CounterConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "increment": None,
        "decrement": None,
        "reset": None,
        "set_value": _CounterValue,
    }
    config: CounterConfig

    def attributes(self) -> dict[str, Any]:
        attrs = {
            **super().attributes(),
            "initial": self.config.initial,
            "step": self.config.step,
        }
        if self.config.minimum is not None:
            attrs["minimum"] = self.config.minimum
        if self.config.maximum is not None:
            attrs["maximum"] = self.config.maximum
        return attrs

    def _clamp(self, value: int) -> int:
        if self.config.minimum is not None:
            value = max(value, self.config.minimum)
        if self.config.maximum is not None:
            value = min(value, self.config.maximum)
        return value

    def restore(self) -> None:
        previous = self.previous()
        value = self.config.initial  # shown as written, as Home Assistant starts with it
        if self.config.restore and previous is not None:
            # Read as Home Assistant reads it (int()); a state it cannot read is passed over.
            with contextlib.suppress(ValueError):
                value = self._clamp(int(previous.state))
        self.write(str(value))

    def apply_reload(self, config: Any) -> None:
        """The count is kept, brought within the new minimum and maximum, as Home
        Assistant does."""
        self.take_options(config)
        current = int(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        self.write(str(self._clamp(current)))

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = int(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        if service == "increment":
            value = current + self.config.step
        elif service == "decrement":
            value = current - self.config.step
        elif service == "reset":
            value = self.config.initial
        else:
            value = int(data["value"])
            # vol.Invalid (below 0) or ValueError in Home Assistant: continue_on_error
            # goes past neither.
            if value < 0:
                raise ServiceValidationError(
                    self.domain, service, "value", "must be at least 0", invalid_data=True
                )
            if self._clamp(value) != value:
                raise ServiceValidationError(
                    self.domain,
                    service,
                    "value",
                    f"{value} is outside {self.config.minimum}..{self.config.maximum}",
                    invalid_data=True,
                )
            if value % self.config.step:
                raise ServiceValidationError(
                    self.domain,
                    service,
                    "value",
                    f"{value} is not a multiple of the step size {self.config.step}",
                    invalid_data=True,
                )
        self.write(str(self._clamp(value)), context)
