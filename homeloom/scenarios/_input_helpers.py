"""Input helpers and counters, configured and behaving as in Home Assistant.

Restore rules: an ``initial:`` value wins over the value from before a
restart; without one, the previous value comes back (counters restore unless
``restore: false``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homeloom.orchestrator import Context, ServiceValidationError

from ._helpers_base import HelperConfig, HelperEntity

__all__ = ["HELPER_KINDS"]

_LOGGER = logging.getLogger(__name__)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _ValueFloat(_Data):
    value: float


class _ValueText(_Data):
    value: str


class _Option(_Data):
    option: str


class _Cycle(_Data):
    cycle: bool = True


class _Options(_Data):
    options: list[str] = Field(min_length=1)


class _DateTime(_Data):
    date: str | None = None
    time: str | None = None
    datetime: str | None = None
    timestamp: float | None = None


class _CounterValue(_Data):
    value: int


# --- input_boolean ------------------------------------------------------------------------


class BooleanConfig(HelperConfig):
    initial: bool | None = None


class InputBoolean(HelperEntity):
    domain = "input_boolean"
    config_model = BooleanConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "turn_on": None,
        "turn_off": None,
        "toggle": None,
    }
    config: BooleanConfig

    def restore(self) -> None:
        previous = self.previous()
        if self.config.initial is not None:
            on = self.config.initial
        else:
            on = previous is not None and previous.state == "on"
        self.write("on" if on else "off")

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        on = service == "turn_on" or (
            service == "toggle" and current is not None and current.state == "off"
        )
        self.write("on" if on else "off", context)


# --- input_number -------------------------------------------------------------------------


class NumberConfig(HelperConfig):
    min: float
    max: float
    step: float = Field(1, gt=0)
    initial: float | None = None
    mode: Literal["box", "slider"] = "slider"
    unit_of_measurement: str | None = None

    @model_validator(mode="after")
    def _range(self) -> NumberConfig:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.initial is not None and not self.min <= self.initial <= self.max:
            raise ValueError(f"initial {self.initial} is outside {self.min}..{self.max}")
        return self


def _number_text(value: float) -> str:
    return str(float(value))


class InputNumber(HelperEntity):
    domain = "input_number"
    config_model = NumberConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "set_value": _ValueFloat,
        "increment": None,
        "decrement": None,
    }
    config: NumberConfig

    def attributes(self) -> dict[str, Any]:
        attrs = {
            **super().attributes(),
            "min": self.config.min,
            "max": self.config.max,
            "step": self.config.step,
            "mode": self.config.mode,
        }
        if self.config.unit_of_measurement:
            attrs["unit_of_measurement"] = self.config.unit_of_measurement
        return attrs

    def restore(self) -> None:
        value = self.config.initial
        previous = self.previous()
        if value is None and previous is not None:
            try:
                value = float(previous.state)
            except ValueError:
                value = None
        if value is None or not self.config.min <= value <= self.config.max:
            value = self.config.min
        self.write(_number_text(value))

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = float(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        if service == "set_value":
            value = float(data["value"])
            if not self.config.min <= value <= self.config.max:
                raise ServiceValidationError(
                    self.domain,
                    service,
                    "value",
                    f"{value} is outside {self.config.min}..{self.config.max}",
                    invalid_data=True,  # vol.Invalid in Home Assistant
                )
        elif service == "increment":
            value = min(current + self.config.step, self.config.max)
        else:
            value = max(current - self.config.step, self.config.min)
        self.write(_number_text(value), context)


# --- input_select -------------------------------------------------------------------------


class SelectConfig(HelperConfig):
    options: list[str] = Field(min_length=1)
    initial: str | None = None

    @model_validator(mode="after")
    def _initial_is_an_option(self) -> SelectConfig:
        if self.initial is not None and self.initial not in self.options:
            raise ValueError(f"initial {self.initial!r} is not one of the options")
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must be unique")
        return self


class InputSelect(HelperEntity):
    domain = "input_select"
    config_model = SelectConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "select_option": _Option,
        "select_next": _Cycle,
        "select_previous": _Cycle,
        "select_first": None,
        "select_last": None,
        "set_options": _Options,
    }
    config: SelectConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.options = list(self.config.options)

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "options": list(self.options)}

    def restore(self) -> None:
        previous = self.previous()
        value = self.config.initial
        if value is None and previous is not None and previous.state in self.options:
            value = previous.state
        self.write(value or self.options[0])

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        index = (
            self.options.index(current.state) if current and current.state in self.options else 0
        )
        if service == "select_option":
            option = str(data["option"])
            if option not in self.options:
                raise ServiceValidationError(
                    self.domain,
                    service,
                    "option",
                    f"{option!r} is not one of {', '.join(self.options)}",
                )
        elif service in ("select_next", "select_previous"):
            step = 1 if service == "select_next" else -1
            target = index + step
            if data.get("cycle", True):
                target %= len(self.options)
            option = self.options[max(0, min(target, len(self.options) - 1))]
        elif service == "select_first":
            option = self.options[0]
        elif service == "select_last":
            option = self.options[-1]
        else:
            options = [str(o) for o in data["options"]]
            if len(set(options)) != len(options):
                raise ServiceValidationError(
                    self.domain, service, "options", f"duplicated options: {options}"
                )
            self.options = options
            option = current.state if current and current.state in self.options else self.options[0]
        self.write(option, context)


# --- input_text ---------------------------------------------------------------------------


class TextConfig(HelperConfig):
    min: int = Field(0, ge=0)
    max: int = Field(100, ge=0, le=255)
    initial: str | None = None
    pattern: str | None = None
    mode: Literal["text", "password"] = "text"

    @model_validator(mode="after")
    def _valid(self) -> TextConfig:
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern is not a regular expression: {err}") from None
        return self


class InputText(HelperEntity):
    domain = "input_text"
    config_model = TextConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {"set_value": _ValueText}
    config: TextConfig

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "min": self.config.min,
            "max": self.config.max,
            "pattern": self.config.pattern,
            "mode": self.config.mode,
        }

    def restore(self) -> None:
        previous = self.previous()
        value = self.config.initial
        if value is None and previous is not None:
            value = previous.state
        self.write(value if value is not None else "unknown")

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        """A value of the wrong length is ignored with a warning, as in Home Assistant; the
        pattern is only a hint for the user interface and is not enforced."""
        value = str(data["value"])
        if not self.config.min <= len(value) <= self.config.max:
            _LOGGER.warning(
                "%s: invalid value %r (length range %s - %s)",
                self.entity_id,
                value,
                self.config.min,
                self.config.max,
            )
            return
        self.write(value, context)


# --- input_datetime -----------------------------------------------------------------------


class DateTimeConfig(HelperConfig):
    has_date: bool = False
    has_time: bool = False
    initial: str | None = None

    @model_validator(mode="after")
    def _something(self) -> DateTimeConfig:
        if not (self.has_date or self.has_time):
            raise ValueError("set has_date, has_time or both")
        return self


class InputDateTime(HelperEntity):
    domain = "input_datetime"
    config_model = DateTimeConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {"set_datetime": _DateTime}
    config: DateTimeConfig

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "has_date": self.config.has_date,
            "has_time": self.config.has_time,
        }

    def _text(self, value: datetime) -> str:
        if self.config.has_date and self.config.has_time:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if self.config.has_date:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%H:%M:%S")

    def _show(self, value: datetime, context: Context | None = None) -> None:
        """The state and, as in Home Assistant, the parts the helper has as attributes."""
        parts: dict[str, Any] = {}
        if self.config.has_date:
            parts.update(year=value.year, month=value.month, day=value.day)
        if self.config.has_time:
            parts.update(hour=value.hour, minute=value.minute, second=value.second)
        if not self.config.has_date:
            parts["timestamp"] = value.hour * 3600 + value.minute * 60 + value.second
        else:
            moment = value if self.config.has_time else datetime.combine(value.date(), time(0))
            parts["timestamp"] = moment.replace(tzinfo=self.runtime.settings.tz).timestamp()
        self.write(self._text(value), context, **parts)

    def _parse(self, text: str) -> datetime:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return datetime.combine(date(1970, 1, 1), time.fromisoformat(text))

    def restore(self) -> None:
        previous = self.previous()
        text = self.config.initial or (previous.state if previous is not None else None)
        try:
            value = self._parse(text) if text else None
        except ValueError:
            value = None
        if value is None:
            value = (
                datetime(1970, 1, 1)
                if not self.config.has_date
                else datetime.combine(self.runtime.local_now().date(), time(0))
            )
        self._show(value)

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        """As in Home Assistant: date and time, datetime and timestamp exclude each other;
        the parts the helper does not have are dropped, and a call left with nothing to set
        fails; a part not given keeps its current value."""
        given = [
            any(data.get(key) is not None for key in ("date", "time")),
            data.get("datetime") is not None,
            data.get("timestamp") is not None,
        ]
        if sum(given) > 1:
            keys = ", ".join(key for key in data if data[key] is not None)
            raise ServiceValidationError(  # all three: vol.Invalid in Home Assistant
                self.domain, service, "datetime", f"cannot use together: {keys}", invalid_data=True
            )
        current = self._parse(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        try:
            day = date.fromisoformat(str(data["date"])) if data.get("date") else None
            at = time.fromisoformat(str(data["time"])) if data.get("time") else None
            moment: datetime | None = None
            if data.get("timestamp"):
                moment = datetime.fromtimestamp(
                    float(data["timestamp"]), self.runtime.settings.tz
                ).replace(tzinfo=None)
            elif data.get("datetime"):
                moment = datetime.fromisoformat(str(data["datetime"])).replace(tzinfo=None)
        except ValueError as err:
            raise ServiceValidationError(
                self.domain, service, "datetime", str(err), invalid_data=True
            ) from None
        if moment is not None:
            day, at = moment.date(), moment.time()
        day = day if self.config.has_date else None
        at = at if self.config.has_time else None
        if day is None and at is None:
            raise ServiceValidationError(
                self.domain, service, "datetime", "nothing to set", invalid_data=True
            )
        value = datetime.combine(day or current.date(), at or current.time())
        self._show(value, context)


# --- input_button and counter -------------------------------------------------------------


class ButtonConfig(HelperConfig):
    pass


class InputButton(HelperEntity):
    domain = "input_button"
    config_model = ButtonConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {"press": None}

    def restore(self) -> None:
        previous = self.previous()
        self.write(previous.state if previous is not None else "unknown")

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        self.write(self.runtime.now().isoformat(), context)


class CounterConfig(HelperConfig):
    initial: int = 0
    step: int = Field(1, ge=1)
    minimum: int | None = None
    maximum: int | None = None
    restore: bool = True


class Counter(HelperEntity):
    domain = "counter"
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
            "editable": False,
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
        value = self.config.initial
        if self.config.restore and previous is not None and previous.state.lstrip("-").isdigit():
            value = int(previous.state)
        self.write(str(self._clamp(value)))

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


HELPER_KINDS: tuple[type[HelperEntity], ...] = (
    InputBoolean,
    InputNumber,
    InputSelect,
    InputText,
    InputDateTime,
    InputButton,
    Counter,
)
