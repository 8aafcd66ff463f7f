"""Generic thermostats: ``climate:`` items with ``platform: generic_thermostat``, as Home
Assistant 2024.3 makes them (options read by ``_generic_thermostat_config``).

A thermostat switches a plain heater (or, with ``ac_mode``, an air conditioner) by
calling ``homeassistant.turn_on``/``turn_off`` on it, comparing its sensor's number
with its target temperature: a heater goes on once the target is at least
``cold_tolerance`` above the room, off once the room is ``hot_tolerance`` above the
target (an air conditioner the other way round). It decides on each change of the
sensor (``unknown``/``unavailable`` ignored, a text not a number logged and kept at
the last number), and at once on a new target, mode or preset; not before it knows
both numbers, nor in mode ``off``. ``min_cycle_duration`` lets a sensor's change
switch the heater only once it has been in its state longer than that;
``keep_alive`` sends the command the heater should have again, every period.

Its state is its mode (``heat``/``cool``/``off``; ``off`` unless restored or
``initial_hvac_mode``); ``hvac_action`` is ``off``, ``idle``, or ``heating``/
``cooling`` while the heater is on. Restored at start: the mode (unless given), the
target (unless ``target_temp``; without either, ``min_temp``, or ``max_temp`` with
``ac_mode``) and the preset.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import (
    EVENT_HOMELOOM_STARTING,
    ConfigIssue,
    Context,
    Event,
    Runtime,
    ServiceValidationError,
)

from ._generic_thermostat_config import (
    HVAC_MODES,
    ThermostatOptions,
    read_thermostat_options,
)
from ._ha_restore import restored_state
from ._platform_options import OptionError, domain_items, option_issue
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = [
    "GenericThermostat",
    "heater_command",
    "held_long_enough",
    "setup_generic_thermostats",
]

_LOGGER = logging.getLogger(__name__)

PLATFORM = "generic_thermostat"
_GONE = ("unknown", "unavailable")
# Home Assistant's climate features: target temperature, preset, turn off, turn on.
_TARGET_TEMPERATURE, _PRESET_MODE, _TURN_OFF, _TURN_ON = 1, 16, 128, 256
# A climate entity's limits when none is given, in °C (converted for a house in °F).
_DEFAULT_LIMITS_C = (7, 35)


def heater_command(
    runtime: Runtime, entity_id: str, on: bool, context: Context | None, *, hand_back: bool = False
) -> Awaitable[Any] | None:
    """Call ``homeassistant.turn_on``/``turn_off`` on ``entity_id`` without waiting for
    it, as Home Assistant's generic thermostat and hygrostat do. With ``hand_back``, the
    rest of a call not done at once is returned instead of run in a task."""
    services = runtime.services
    service = "turn_on" if on else "turn_off"
    try:
        call = services.prepare(
            "homeassistant", service, target={"entity_id": entity_id}, context=context or Context()
        )
        answered, pending = services.run_at_once(call)
    except Exception as err:  # a refused call is logged, as Home Assistant's task logs it
        _LOGGER.error("homeassistant.%s on %s failed: %s", service, entity_id, err)
        return None
    if answered:
        return None
    if hand_back:
        return _logged(pending, f"homeassistant.{service} on {entity_id}")
    runtime.create_task(pending, f"homeassistant.{service} {entity_id}")
    return None


async def _logged(pending: Awaitable[Any], what: str) -> None:
    try:
        await pending
    except Exception as err:  # logged, as Home Assistant's background task logs it
        _LOGGER.error("%s failed: %s", what, err)


def held_long_enough(runtime: Runtime, entity_id: str, on: bool, period: timedelta | None) -> bool:
    """Whether ``entity_id`` has been on (or off) for longer than ``period``, as Home
    Assistant's state condition with ``for`` tells; always without a period."""
    if not period:
        return True
    state = runtime.states.get(entity_id)
    if state is None or state.state != ("on" if on else "off"):
        return False
    return runtime.now() - period > state.last_changed


class GenericThermostat:
    def __init__(self, runtime: Runtime, entity_id: str, options: ThermostatOptions) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.options = options
        self.hvac_mode: str | None = options.initial_hvac_mode
        self.target: float | None = options.target_temp
        # What ``preset_mode: none`` goes back to.
        self.saved_target = options.target_temp or next(iter(options.presets.values()), None)
        self.current: float | None = None
        self.preset = "none"
        self.active = False  # once both temperatures are known
        self._context: Context | None = None  # the last call's, for the heater's calls
        # While a climate service runs: its heater calls not done at once (see _command).
        self._heater_calls: list[Awaitable[Any]] | None = None
        fahrenheit = runtime.settings.unit_system == "us_customary"
        self.default_precision = 1.0 if fahrenheit else 0.1
        low, high = _DEFAULT_LIMITS_C
        self.default_limits = (low * 1.8 + 32, high * 1.8 + 32) if fahrenheit else (low, high)

    # --- setup ---------------------------------------------------------------

    def start(self) -> None:
        options = self.options
        self.runtime.states.track(options.sensor, self._sensor_changed)
        self.runtime.states.track(options.heater, self._heater_changed)
        if options.keep_alive:
            self.runtime.scheduler.call_every(options.keep_alive.total_seconds(), self._keep_alive)
        self._restore()
        self.runtime.services.set_provider(self.entity_id, self._command, internal=True)
        # As Home Assistant's, at its start event, before the automations attach: they
        # do not see the thermostat's first reading of its sensor (nor the heater it
        # turns off then).
        self.runtime.bus.listen_once(EVENT_HOMELOOM_STARTING, lambda _event: self._started())
        self._write(Context())

    def _restore(self) -> None:
        saved = restored_state(self.runtime, self.entity_id)
        if saved is None:
            if self.target is None:
                self.target = self._default_target()
            # Home Assistant warns of this even when the target is given.
            _LOGGER.warning("No previously saved temperature, setting to %s", self.target)
        else:
            if self.target is None:
                self.target = _saved_number(saved.attributes.get("temperature"))
            if self.target is None:
                self.target = self._default_target()
                _LOGGER.warning("Undefined target temperature, falling back to %s", self.target)
            if saved.attributes.get("preset_mode") in self.preset_modes:
                self.preset = str(saved.attributes["preset_mode"])
            if self.hvac_mode is None and saved.state in HVAC_MODES:
                self.hvac_mode = saved.state
        if self.hvac_mode is None:
            self.hvac_mode = "off"

    def _default_target(self) -> float:
        return self.max_temp if self.options.ac_mode else self.min_temp

    def _started(self) -> None:
        """Read the sensor as the house starts (without switching the heater), and turn
        off a heater found on while the mode is off."""
        sensor = self.runtime.states.get(self.options.sensor)
        if sensor is not None and sensor.state not in _GONE:
            self._read_sensor(sensor.state)
            self._write(Context())
        heater = self.runtime.states.get(self.options.heater)
        if heater is not None and heater.state not in _GONE:
            self._heater_off_while_off()

    # --- what it shows -------------------------------------------------------

    @property
    def precision(self) -> float:
        return self.options.precision or self.default_precision

    @property
    def min_temp(self) -> float:
        given = self.options.min_temp
        return self.default_limits[0] if given is None else given

    @property
    def max_temp(self) -> float:
        given = self.options.max_temp
        return self.default_limits[1] if given is None else given

    @property
    def preset_modes(self) -> list[str]:
        return ["none", *self.options.presets]

    @property
    def heater_on(self) -> bool:
        return self.runtime.states.is_state(self.options.heater, "on")

    @property
    def hvac_action(self) -> str:
        if self.hvac_mode == "off":
            return "off"
        if not self.heater_on:
            return "idle"
        return "cooling" if self.options.ac_mode else "heating"

    def _shown(self, value: float | None) -> float | None:
        """A temperature rounded to the precision, as Home Assistant shows it."""
        if value is None:
            return None
        if self.precision == 0.5:
            return round(value * 2) / 2.0
        if self.precision == 0.1:
            return round(value, 1)
        return round(value)

    def _write(self, context: Context) -> None:
        options = self.options
        features = _TARGET_TEMPERATURE | _TURN_OFF | _TURN_ON
        attributes: dict[str, Any] = {
            "hvac_modes": ["cool" if options.ac_mode else "heat", "off"],
            "min_temp": self._shown(self.min_temp),
            "max_temp": self._shown(self.max_temp),
            "target_temp_step": options.target_temp_step or self.precision,
        }
        if options.presets:
            features |= _PRESET_MODE
            attributes["preset_modes"] = self.preset_modes
        attributes["current_temperature"] = self._shown(self.current)
        attributes["temperature"] = self._shown(self.target)
        attributes["hvac_action"] = self.hvac_action
        if options.presets:
            attributes["preset_mode"] = self.preset
        attributes["friendly_name"] = options.name
        attributes["supported_features"] = features
        named = with_registry_names(self.runtime, self.entity_id, attributes)
        self.runtime.states.set(self.entity_id, str(self.hvac_mode), named, context=context)

    # --- what it follows -----------------------------------------------------

    def _sensor_changed(self, event: Event) -> None:
        new_state = event.data.get("new_state")
        if new_state is None or new_state.state in _GONE:
            return
        self._read_sensor(new_state.state)
        self._control()
        self._write(event.context)

    def _read_sensor(self, text: str) -> None:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            self.current = value
        else:
            _LOGGER.error("Unable to update from sensor: %s is not a number", text)

    def _heater_changed(self, event: Event) -> None:
        if event.data.get("new_state") is None:
            return
        if event.data.get("old_state") is None:  # a heater appearing: off while off
            self._heater_off_while_off()
        self._write(event.context)

    def _heater_off_while_off(self) -> None:
        if self.hvac_mode == "off" and self.heater_on:
            _LOGGER.warning("%s is off, turning off %s", self.entity_id, self.options.heater)
            heater_command(self.runtime, self.options.heater, False, self._context)

    def _keep_alive(self, _when: datetime) -> None:
        self._control(keep_alive=True)

    # --- switching the heater ------------------------------------------------

    def _control(self, *, force: bool = False, keep_alive: bool = False) -> None:
        """Home Assistant's rules: ``force`` (a new target or mode) passes over
        ``min_cycle_duration``, as does ``keep_alive``, which also sends the command
        the heater should already have obeyed."""
        if not self.active and self.current is not None and self.target is not None:
            self.active = True
        if not self.active or self.hvac_mode == "off":
            return
        assert self.current is not None and self.target is not None
        heater_on = self.heater_on
        period = self.options.min_cycle_duration
        if (
            not force
            and not keep_alive
            and not held_long_enough(self.runtime, self.options.heater, heater_on, period)
        ):
            return
        too_cold = self.target >= self.current + self.options.cold_tolerance
        too_hot = self.current >= self.target + self.options.hot_tolerance
        ac_mode = self.options.ac_mode
        if heater_on:
            if too_cold if ac_mode else too_hot:
                self._switch(False)
            elif keep_alive:
                self._switch(True)
        elif too_hot if ac_mode else too_cold:
            self._switch(True)
        elif keep_alive:
            self._switch(False)

    def _switch(self, on: bool) -> None:
        calls = self._heater_calls
        pending = heater_command(
            self.runtime, self.options.heater, on, self._context, hand_back=calls is not None
        )
        if pending is not None and calls is not None:
            calls.append(pending)

    # --- services ------------------------------------------------------------

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        self._context = context
        # Home Assistant's thermostat services wait for the heater's call to begin, and the
        # caller's turn of its loop lets the heater switch before the run's next step: the
        # climate service here ends once the heater's call has. A run's next step reads the
        # heater switched, and a later service decides on the heater as it now is.
        self._heater_calls = []
        try:
            self._dispatch(entity_id, service, data, context)
        finally:
            calls, self._heater_calls = self._heater_calls, None
        return _all_of(calls) if calls else None

    def _dispatch(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        if service == "toggle":
            service = "turn_on" if self.hvac_mode == "off" else "turn_off"
        if service == "turn_on":
            self._set_hvac_mode("cool" if self.options.ac_mode else "heat", context)
        elif service == "turn_off":
            self._set_hvac_mode("off", context)
        elif service == "set_hvac_mode":
            self._set_hvac_mode(_hvac_mode(data.get("hvac_mode")), context)
        elif service == "set_temperature":
            self._set_temperature(data.get("temperature"), context)
        elif service == "set_preset_mode" and self.options.presets:
            self._set_preset(str(data.get("preset_mode")), context)
        else:
            raise ServiceValidationError(
                "climate", service, "", f"Entity {entity_id} does not support this service."
            )

    def _set_hvac_mode(self, mode: str, context: Context) -> None:
        # As Home Assistant 2024.3: ``cool`` is taken by a heater too (and ``heat`` by an
        # air conditioner), the heater still switched by ``ac_mode``.
        if mode in ("heat", "cool"):
            self.hvac_mode = mode
            self._control(force=True)
        elif mode == "off":
            self.hvac_mode = mode
            if self.heater_on:
                self._switch(False)
        else:
            _LOGGER.error("Unrecognized hvac mode: %s", mode)
            return
        self._write(context)

    def _set_temperature(self, temperature: Any, context: Context) -> None:
        if temperature is None:  # a call with only target_temp_low/high changes nothing
            return
        self.target = float(temperature)
        self._control(force=True)
        self._write(context)

    def _set_preset(self, preset: str, context: Context) -> None:
        if preset not in self.preset_modes:
            modes = ", ".join(self.preset_modes)
            raise ServiceValidationError(
                "climate",
                "set_preset_mode",
                "preset_mode",
                f"The preset_mode {preset} is not a valid preset_mode: {modes}",
            )
        if preset == self.preset:
            return
        if preset == "none":
            self.target = self.saved_target
        else:
            if self.preset == "none":
                self.saved_target = self.target
            self.target = self.options.presets[preset]
        self.preset = preset
        self._control(force=True)
        self._write(context)


async def _all_of(calls: list[Awaitable[Any]]) -> None:
    for call in calls:
        await call


def _saved_number(value: Any) -> float | None:
    """A saved target temperature; None for none, or for one not a number (which Home
    Assistant fails on, leaving the thermostat out)."""
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _hvac_mode(value: Any) -> str:
    """A mode Home Assistant's climate services take (any of its climate modes)."""
    if value not in HVAC_MODES:
        raise ServiceValidationError(
            "climate",
            "set_hvac_mode",
            "hvac_mode",
            f"expected one of {', '.join(HVAC_MODES)}, got {value!r}",
            invalid_data=True,
        )
    return str(value)


def setup_generic_thermostats(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every ``platform: generic_thermostat`` item's thermostat; a bad item is
    reported and skipped, as Home Assistant skips a platform it cannot validate."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for _, where, item in domain_items(config, ("climate",), PLATFORM):
        try:
            options = read_thermostat_options(item)
        except OptionError as err:
            issues.append(option_issue(item, where, err))
            continue
        base = f"climate.{entity_slug(options.name)}"
        entity_id = registered_entity_id(
            runtime, base, taken, "generic_thermostat", item.get("unique_id")
        )
        if entity_id is None:  # not added, as Home Assistant does not
            continue
        GenericThermostat(runtime, entity_id, options).start()
    return issues
