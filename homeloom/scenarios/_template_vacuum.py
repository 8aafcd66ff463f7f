"""Template vacuums (``vacuum:`` items with ``platform: template``, ``vacuums:`` keyed by
object id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` gives the state when it renders ``cleaning``, ``docked``,
  ``paused``, ``idle``, ``returning`` or ``error``; anything else makes it
  ``unknown`` (logged); an error makes it ``unknown`` too, the vacuum still available
  (unless an ``availability_template`` says otherwise). Without the template the
  vacuum stays ``unknown``: nothing is optimistic;
* ``fan_speed_template`` gives ``fan_speed`` when it renders one of ``fan_speeds``
  (else None); its error makes the state ``unknown`` as well, until the state
  template renders something new;
* ``battery_level_template`` gives ``battery_level`` when it is a whole number 0..100
  (a decimal is cut), else None; its error leaves the last level; ``battery_icon``
  follows the level (charging while ``docked``);
* ``supported_features``: start and state always, each action written (a non-empty
  one: an empty list is no action) adds its bit, the battery template adds battery;
  ``fan_speed_list`` and ``fan_speed`` are shown with ``set_fan_speed``, the battery
  attributes with the battery template; a service the vacuum does not support fails;
* commands run their action with ``this``; ``set_fan_speed`` with a speed not in
  ``fan_speeds`` only logs, with one of them it takes the speed (shown at the next
  write, as Home Assistant writes nothing then) and runs its action with
  ``fan_speed``;
* ``attribute_templates`` give more attributes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime, ServiceValidationError

from ._errors import fail
from ._template_controls import _TemplateControl
from ._template_controls_config import LEGACY_KEYS, _Control, _Kind
from ._template_state_entities import _Reads
from ._templates import TemplateError

__all__ = ["VACUUM_KIND", "TemplateVacuum", "check_vacuum"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "vacuum"
# VacuumEntityFeature bits: each action and the feature it brings.
_PAUSE, _STOP, _RETURN_HOME, _FAN_SPEED, _BATTERY = 4, 8, 16, 32, 64
_LOCATE, _CLEAN_SPOT, _STATE, _START = 512, 1024, 4096, 8192
_ACTION_FEATURES = {
    "start": _START,
    "pause": _PAUSE,
    "stop": _STOP,
    "return_to_base": _RETURN_HOME,
    "clean_spot": _CLEAN_SPOT,
    "locate": _LOCATE,
    "set_fan_speed": _FAN_SPEED,
}
VACUUM_KIND = _Kind(
    DOMAIN,
    frozenset(
        {
            *_ACTION_FEATURES,
            "value_template",
            "battery_level_template",
            "fan_speed_template",
            "fan_speeds",
            "attribute_templates",
            *LEGACY_KEYS,
        }
    ),
    ("start",),
    {action: action for action in _ACTION_FEATURES},
    None,  # named after its key
)
_VALID_STATES = frozenset({"cleaning", "docked", "paused", "idle", "returning", "error"})


def check_vacuum(entry: Any, container: Any, key: Any, path: str) -> None:
    """A vacuum's schema adds no rule to its keys' own (``fan_speeds`` takes anything,
    as a list)."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")


class TemplateVacuum(_TemplateControl):
    """A template vacuum: the state, fan speed and battery level its templates render."""

    def __init__(self, runtime: Runtime, control: _Control, entry: Mapping[str, Any]) -> None:
        super().__init__(runtime, control)
        self.state: str | None = None
        self.fan_speed: Any = None
        self.battery_level: int | None = None
        speeds = entry.get("fan_speeds")
        self.fan_speeds: list[Any] = (
            [] if speeds is None else speeds if isinstance(speeds, list) else [speeds]
        )
        # As Home Assistant: an action that is an empty list brings no feature.
        self.features = _STATE | _START  # ``start`` is required
        for action, feature in _ACTION_FEATURES.items():
            if entry.get(action):
                self.features |= feature
        if "battery_level_template" in control.extra:
            self.features |= _BATTERY

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value)
        # In Home Assistant's order: the state, the fan speed, the battery level.
        if "state" in changed:
            self.take_state(changed["state"])
        if "fan_speed_template" in changed:
            self.take_fan_speed(changed["fan_speed_template"])
        if "battery_level_template" in changed:
            self.take_battery_level(changed["battery_level_template"])
        self.write(self.state_text(), attributes, context)

    def take_state(self, result: Any) -> None:
        if isinstance(result, TemplateError):
            self.state = None  # as Home Assistant: unknown, yet available
        elif result in _VALID_STATES:
            self.state = result
        else:
            if result != "unknown":
                _LOGGER.error("%s: %r is no vacuum state", self.entity_id, result)
            self.state = None

    def take_fan_speed(self, result: Any) -> None:
        if isinstance(result, TemplateError):
            # As Home Assistant's legacy vacuums: the state is forgotten too.
            self.fan_speed = self.state = None
            return
        if result not in self.fan_speeds and result != "unknown":
            _LOGGER.error("%s: %r is none of the fan speeds", self.entity_id, result)
        self.fan_speed = result if result in self.fan_speeds else None

    def take_battery_level(self, result: Any) -> None:
        if isinstance(result, TemplateError):
            return  # as Home Assistant: the level shown stays
        try:
            level: int | None = int(result)
        except (TypeError, ValueError):
            level = None
        if level is None or not 0 <= level <= 100:
            _LOGGER.error("%s: %r is no battery level (0..100)", self.entity_id, result)
            level = None
        self.battery_level = level

    def state_text(self) -> str:
        return self.state or "unknown"

    def fixed_attributes(self) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        if self.features & _FAN_SPEED:
            fixed["fan_speed_list"] = self.fan_speeds
        return fixed | self.definition.fixed_attributes() | {"supported_features": self.features}

    def write(self, state: str, attributes: dict[str, Any], context: Context) -> None:
        if state != "unavailable":
            attributes = {**self.state_attributes(state), **attributes}
        super().write(state, attributes, context)

    def state_attributes(self, state: str) -> dict[str, Any]:
        """What an available vacuum shows besides its fixed attributes."""
        shown: dict[str, Any] = {}
        if self.features & _BATTERY:
            shown["battery_level"] = self.battery_level
            shown["battery_icon"] = _battery_icon(self.battery_level, state == "docked")
        if self.features & _FAN_SPEED:
            shown["fan_speed"] = self.fan_speed
        return shown

    # --- commands ------------------------------------------------------------

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if self.is_unavailable():
            return None  # Home Assistant passes an unavailable entity by
        needed = _ACTION_FEATURES.get(service)
        if needed is None or not self.features & needed:
            raise ServiceValidationError(
                DOMAIN, service, "", f"Entity {entity_id} does not support this service."
            )
        if service != "set_fan_speed":
            return self.run_action(service, {}, context)
        fan_speed = data.get("fan_speed")
        if fan_speed not in self.fan_speeds:
            _LOGGER.error("%s: %r is none of the fan speeds", entity_id, fan_speed)
            return None
        self.fan_speed = fan_speed
        return self.run_action(service, {"fan_speed": fan_speed}, context)


def _battery_icon(level: int | None, charging: bool) -> str:
    """The battery icon Home Assistant shows for ``level``: in steps of 10 (of 20 while
    charging), an alert at 5 or less, full from 95."""
    if level is None:
        return "mdi:battery-unknown"
    if charging:
        return (
            f"mdi:battery-charging-{round(level / 20 - 0.01) * 20}"
            if level > 10
            else ("mdi:battery-outline")
        )
    if level <= 5:
        return "mdi:battery-alert"
    return f"mdi:battery-{round(level / 10 - 0.01) * 10}" if level < 95 else "mdi:battery"
