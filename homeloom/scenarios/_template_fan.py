"""Template fans (``fan:`` items with ``platform: template``, ``fans:`` keyed by object
id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` makes the fan ``on`` for true or a text ``on``/``true`` (any
  case), ``off`` for anything else; without it the fan is optimistic (and shows
  ``assumed_state``): ``turn_on``, ``set_preset_mode`` and a non-zero
  ``set_percentage`` turn it on, ``turn_off`` and ``set_percentage`` 0 off, once
  their actions ran;
* ``percentage_template`` (0..100, else 0), ``preset_mode_template`` (one of
  ``preset_modes``), ``oscillating_template`` (True/False) and ``direction_template``
  (``forward``/``reverse``) give the attributes, and each is what makes the fan
  support its service (``supported_features``): a fan without ``percentage_template``
  refuses ``fan.set_percentage``, even with a ``set_percentage`` action;
* ``turn_on`` runs its action with ``percentage`` and ``preset_mode`` (None when not
  given), then sets the preset mode, or else the percentage, as those services do;
* ``set_percentage``, ``set_preset_mode``, ``oscillate`` and ``set_direction`` take
  the value at once and run their actions (if written) with ``percentage``,
  ``preset_mode``, ``oscillating`` or ``direction``;
* ``toggle`` turns an on fan off, any other on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime, ServiceValidationError

from ._errors import fail
from ._fan_group import _DIRECTION, _NEEDS, _OSCILLATE, _PRESET_MODE, _SET_SPEED
from ._template_controls import _TemplateControl
from ._template_controls_config import LEGACY_KEYS, _Control, _Kind
from ._template_state_entities import _Reads
from ._templates import TemplateError, as_boolean

__all__ = ["FAN_KIND", "TemplateFan", "check_fan"]

_LOGGER = logging.getLogger(__name__)

_ACTIONS = (
    "turn_on",
    "turn_off",
    "set_percentage",
    "set_preset_mode",
    "set_oscillating",
    "set_direction",
)
_TEMPLATES = (
    "value_template",
    "percentage_template",
    "preset_mode_template",
    "oscillating_template",
    "direction_template",
)
FAN_KIND = _Kind(
    "fan",
    frozenset(
        {
            *_ACTIONS,
            *_TEMPLATES,
            "speed_count",
            "preset_modes",
            *LEGACY_KEYS,
        }
    ),
    ("turn_on", "turn_off"),
    {action: action for action in _ACTIONS},
    None,  # named after its key
)
_DIRECTIONS = ("forward", "reverse")
_NOT_KNOWN = ("unavailable", "unknown")


def check_fan(entry: Any, container: Any, key: Any, path: str) -> None:
    """``speed_count`` a whole number, as Home Assistant's fan schema coerces it."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    count = entry.get("speed_count")
    if count is not None:
        try:
            int(count)
        except (TypeError, ValueError):
            message = "expected a whole number"
            raise fail(entry, "speed_count", f"{path}.speed_count", message) from None


class TemplateFan(_TemplateControl):
    """A template fan: on or off, its percentage, preset mode, oscillation, direction."""

    def __init__(self, runtime: Runtime, control: _Control, entry: Mapping[str, Any]) -> None:
        super().__init__(runtime, control)
        self.is_on: bool | None = False
        self.percentage: int | None = None
        self.preset_mode: str | None = None
        self.oscillating: bool | None = None
        self.direction: str | None = None
        count = entry.get("speed_count")
        self.speed_count = int(count) if count else 100
        modes = entry.get("preset_modes")
        self.preset_modes: list[Any] | None = (
            None if modes is None else modes if isinstance(modes, list) else [modes]
        )
        extra = control.extra
        self.features = _SET_SPEED if "percentage_template" in extra else 0
        if "preset_mode_template" in extra and self.preset_modes:
            self.features |= _PRESET_MODE
        self.features |= _OSCILLATE if "oscillating_template" in extra else 0
        self.features |= _DIRECTION if "direction_template" in extra else 0

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value)
        if self.failed_state(value, context):
            return
        if "state" in changed:
            result = changed["state"]
            self.is_on = (
                None
                if isinstance(result, TemplateError)
                else result
                if isinstance(result, bool)
                else isinstance(result, str) and result.lower() in ("true", "on")
            )
        for key, result in changed.items():
            if key != "state" and not isinstance(result, TemplateError):
                self.take(key, result)
            elif key != "state":  # as Home Assistant: a failing template leaves None
                setattr(self, _FIELDS[key], None)
        self.write(self.state_text(), attributes, context)

    def take(self, key: str, result: Any) -> None:
        if key == "percentage_template":
            try:
                number = int(float(result))
            except (TypeError, ValueError):
                number = -1
            # As Home Assistant: a percentage that is not one counts as 0.
            self.percentage = number if 0 <= number <= 100 else 0
        elif key == "preset_mode_template":
            text = str(result)
            self.preset_mode = text if self.preset_modes and text in self.preset_modes else None
        elif key == "oscillating_template":
            self.oscillating = (
                True if result in ("True", True) else False if result in ("False", False) else None
            )
        elif key == "direction_template":
            self.direction = result if result in _DIRECTIONS else None
        unknown = getattr(self, _FIELDS[key]) is None and str(result) not in _NOT_KNOWN
        if unknown and key != "oscillating_template":
            _LOGGER.error("%s: %r is no valid %s", self.entity_id, result, key)

    def state_text(self) -> str:
        return "unknown" if self.is_on is None else "on" if self.is_on else "off"

    def fixed_attributes(self) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        features = self.features
        if features & (_SET_SPEED | _PRESET_MODE):
            fixed["preset_modes"] = self.preset_modes
        if features & _DIRECTION:
            fixed["direction"] = self.direction
        if features & _OSCILLATE:
            fixed["oscillating"] = self.oscillating
        if features & _SET_SPEED:
            fixed["percentage"] = self.percentage
            fixed["percentage_step"] = 100 / self.speed_count
        if features & (_SET_SPEED | _PRESET_MODE):
            fixed["preset_mode"] = self.preset_mode
        fixed |= self.definition.fixed_attributes()
        if self.definition.state is None:
            fixed["assumed_state"] = True
        return fixed | {"supported_features": features}

    # --- commands ------------------------------------------------------------

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if self.is_unavailable():
            return None  # Home Assistant passes an unavailable entity by
        needs = _NEEDS.get(service, (0,))
        if not any(self.features & need == need for need in needs):
            raise ServiceValidationError(
                "fan", service, "", f"Entity {entity_id} does not support this service."
            )
        if service == "toggle":
            service = "turn_off" if self.is_on else "turn_on"
        if service == "turn_on":
            preset_mode = data.get("preset_mode")
            if preset_mode is not None:
                self.check_preset_mode(service, str(preset_mode))
            percentage = data.get("percentage")
            return self.turn_on(
                None if percentage is None else _percentage(service, percentage),
                None if preset_mode is None else str(preset_mode),
                context,
            )
        if service == "turn_off":
            return self.switch("turn_off", {}, False, context)
        if service == "set_percentage":
            return self.set_percentage(_percentage(service, data.get("percentage")), context)
        if service in ("increase_speed", "decrease_speed"):
            return self.set_percentage(self.stepped(service, data.get("percentage_step")), context)
        if service == "set_preset_mode":
            return self.set_preset_mode(
                self.check_preset_mode(service, data.get("preset_mode")), context
            )
        if service == "oscillate":
            return self.oscillate(as_boolean(data.get("oscillating")), context)
        if service == "set_direction":
            return self.set_direction(data.get("direction"), context)
        raise ServiceValidationError(
            "fan", service, "", f"Entity {entity_id} does not support this service."
        )

    def check_preset_mode(self, service: str, preset_mode: Any) -> str:
        if not self.preset_modes or preset_mode not in self.preset_modes:
            message = (
                f"The preset_mode {preset_mode} is not a valid preset_mode: {self.preset_modes}"
            )
            raise ServiceValidationError("fan", service, "preset_mode", message)
        return str(preset_mode)

    def stepped(self, service: str, step: Any) -> int:
        """The percentage ``increase_speed``/``decrease_speed`` lead to, as Home Assistant
        counts it: by the step given, else by one speed, within 0..100."""
        sign = 1 if service == "increase_speed" else -1
        current = self.percentage or 0
        if step is not None:
            return max(0, min(100, current + sign * _percentage(service, step)))
        speeds = self.speed_count
        # Home Assistant maps the percentage to a speed (rounding up), steps it and maps back.
        speed = -(-current * speeds // 100) if current else 0
        speed = max(0, min(speeds, speed + sign))
        return speed * 100 // speeds

    async def turn_on(
        self, percentage: int | None, preset_mode: str | None, context: Context
    ) -> None:
        variables = {"percentage": percentage, "preset_mode": preset_mode}
        await self.run_action("turn_on", variables, context)
        if preset_mode is not None:
            await self.set_preset_mode(preset_mode, context)
        elif percentage is not None:
            await self.set_percentage(percentage, context)
        if self.definition.state is None:
            self.is_on = True
            self.write(self.state_text(), {}, context)

    async def switch(
        self, action: str, variables: dict[str, Any], on: bool, context: Context
    ) -> None:
        """Run ``action`` if written; an optimistic fan then turns ``on`` or off."""
        if action in self.control.actions:
            await self.run_action(action, variables, context)
        if self.definition.state is None:
            self.is_on = on
            self.write(self.state_text(), {}, context)

    async def set_percentage(self, percentage: int, context: Context) -> None:
        self.percentage = percentage
        await self.switch("set_percentage", {"percentage": percentage}, percentage != 0, context)

    async def set_preset_mode(self, preset_mode: str, context: Context) -> None:
        self.preset_mode = preset_mode
        await self.switch("set_preset_mode", {"preset_mode": preset_mode}, True, context)

    async def oscillate(self, oscillating: bool, context: Context) -> None:
        if "set_oscillating" not in self.control.actions:
            return
        self.oscillating = oscillating
        await self.run_action("set_oscillating", {"oscillating": oscillating}, context)

    async def set_direction(self, direction: Any, context: Context) -> None:
        if "set_direction" not in self.control.actions:
            return
        if direction not in _DIRECTIONS:
            _LOGGER.error("%s: %r is no direction", self.entity_id, direction)
            return
        self.direction = direction
        await self.run_action("set_direction", {"direction": direction}, context)


# The attribute each of the fan's own templates sets.
_FIELDS = {
    "percentage_template": "percentage",
    "preset_mode_template": "preset_mode",
    "oscillating_template": "oscillating",
    "direction_template": "direction",
}


def _percentage(service: str, value: Any) -> int:
    """A percentage from the service call's data, checked as Home Assistant's schema does."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100:
        raise ServiceValidationError(
            "fan", service, "percentage", "percentage must be 0..100", invalid_data=True
        )
    return number
