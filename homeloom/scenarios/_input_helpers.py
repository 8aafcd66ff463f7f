"""Input helpers and counters, configured and behaving as in Home Assistant.

Restore rules: an ``initial:`` value wins over the value from before a
restart; without one, the previous value comes back (counters restore unless
``restore: false``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator

from homeloom.orchestrator import Context, ServiceValidationError

from ._counter import Counter
from ._helpers_base import HelperConfig, HelperEntity
from ._input_datetime import InputDateTime
from ._select_services import MOVES, offset_option
from ._templates import is_rendered

__all__ = ["HELPER_KINDS"]

_LOGGER = logging.getLogger(__name__)
# Home Assistant writes a float state with the precision of the machine's epsilon.
_FLOAT_DIGITS = 15


def _text_of(value: Any) -> Any:
    """A number or a boolean where a text is expected is taken as its text, as Home
    Assistant's ``cv.string`` takes it (``options: [30, 40]``, YAML's ``Off``); so is a
    list, mapping or tuple a template rendered (``value: "{{ rgb }}"``), as its rendered
    text: only a list or mapping written in YAML is refused."""
    if isinstance(value, bool | int | float | tuple) or is_rendered(value):
        return str(value)
    return value


def _listed(value: Any) -> Any:
    """One value where a list is expected is a list of it, as ``cv.ensure_list`` does."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_Text = Annotated[str, BeforeValidator(_text_of)]
_OptionList = Annotated[list[_Text], BeforeValidator(_listed), Field(min_length=1)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class _ValueFloat(_Data):
    value: float


class _ValueText(_Data):
    # A number or boolean (a template's native result) is taken as its text.
    value: _Text


class _Option(_Data):
    option: _Text


class _Cycle(_Data):
    # A true boolean, as Home Assistant's schema asks: "off" or 0 is refused.
    cycle: StrictBool = True


class _Options(_Data):
    options: _OptionList


# --- input_boolean ------------------------------------------------------------------------


class BooleanConfig(HelperConfig):
    initial: bool | None = None


class InputBoolean(HelperEntity):
    domain = "input_boolean"
    editable = False
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
    step: float = Field(1.0, gt=0)
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
    """The state text of a value: 5.0, 20.5, and 0.3 for 0.1 + 0.2, as Home Assistant
    writes a float state."""
    return f"{float(value):.{_FLOAT_DIGITS}}"


class InputNumber(HelperEntity):
    domain = "input_number"
    editable = False
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
            "initial": self.config.initial,
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

    def apply_reload(self, config: Any) -> None:
        """The value is kept, brought within the new min and max, as Home Assistant does."""
        self.take_options(config)
        current = float(self.runtime.states.get(self.entity_id).state)  # type: ignore[union-attr]
        self.write(_number_text(max(config.min, min(current, config.max))))

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
    options: _OptionList
    initial: _Text | None = None

    @model_validator(mode="after")
    def _initial_is_an_option(self) -> SelectConfig:
        """The initial option must be listed; a duplicated option is dropped with a
        warning, as Home Assistant does with a YAML item's."""
        if self.initial is not None and self.initial not in self.options:
            raise ValueError(f"initial {self.initial!r} is not one of the options")
        unique = list(dict.fromkeys(self.options))
        if len(unique) != len(self.options):
            _LOGGER.warning(
                "input_select %r: duplicated options in %s removed",
                self.name or "<unnamed>",
                self.options,
            )
            self.options = unique
        return self


class InputSelect(HelperEntity):
    domain = "input_select"
    editable = False
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

    def apply_reload(self, config: Any) -> None:
        """The new options replace those ``set_options`` gave; the option chosen stays,
        listed or not, as in Home Assistant."""
        self.options = list(config.options)
        super().apply_reload(config)

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        if service == "select_option":
            option = str(data["option"])
            if option not in self.options:
                raise ServiceValidationError(
                    self.domain,
                    service,
                    "option",
                    f"{option!r} is not one of {', '.join(self.options)}",
                )
        elif service in MOVES:
            current_option = current.state if current is not None else None
            cycle = bool(data.get("cycle", True))
            option = offset_option(self.options, current_option, service, cycle)
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
    initial: _Text | None = None
    pattern: str | None = None
    mode: Literal["text", "password"] = "text"
    unit_of_measurement: str | None = None

    @model_validator(mode="after")
    def _valid(self) -> TextConfig:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not be above max ({self.max})")
        if self.initial is not None and not self.min <= len(self.initial) <= self.max:
            raise ValueError(
                f"initial {self.initial!r} is not {self.min} to {self.max} characters long"
            )
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern is not a regular expression: {err}") from None
        return self


class InputText(HelperEntity):
    domain = "input_text"
    editable = False
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
            **(
                {"unit_of_measurement": self.config.unit_of_measurement}
                if self.config.unit_of_measurement
                else {}
            ),
        }

    def restore(self) -> None:
        previous = self.previous()
        value = self.config.initial
        # As Home Assistant: a saved text no longer of an allowed length is not restored.
        if (
            value is None
            and previous is not None
            and self.config.min <= len(previous.state) <= self.config.max
        ):
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


# --- input_button -------------------------------------------------------------------------


class ButtonConfig(HelperConfig):
    pass


class InputButton(HelperEntity):
    domain = "input_button"
    editable = False
    config_model = ButtonConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {"press": None}

    def restore(self) -> None:
        previous = self.previous()
        self.write(previous.state if previous is not None else "unknown")

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        self.write(self.runtime.now().isoformat(), context)


HELPER_KINDS: tuple[type[HelperEntity], ...] = (
    InputBoolean,
    InputNumber,
    InputSelect,
    InputText,
    InputDateTime,
    InputButton,
    Counter,
)
