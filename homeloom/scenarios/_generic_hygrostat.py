"""Generic hygrostats: the ``generic_hygrostat:`` block's items (and ``humidifier:``
items with ``platform: generic_hygrostat``), as Home Assistant 2024.3 makes them.

A hygrostat switches a plain humidifier (or, with ``device_class: dehumidifier``, a
dehumidifier) with ``homeassistant.turn_on``/``turn_off`` (see ``_generic_thermostat``,
whose calls and timing rules it shares), comparing its sensor's humidity with its
target: a humidifier goes on once the target is ``dry_tolerance`` (3) or more above
the room, off once the room is ``wet_tolerance`` or more above the target. It is
``unavailable`` until it knows both numbers; the first time it does, and on
``turn_on`` and a mode change, it switches ignoring the tolerances. A sensor state
that is not a number (``unknown`` too) makes it unavailable again and turns the
humidifier off, as does a sensor silent for ``sensor_stale_duration``. Its state is
on or off (``initial_state``, but the restored state wins); ``turn_on``/``turn_off``
do nothing while it is unavailable. With ``away_humidity`` it has modes ``normal``
and ``away``, swapping the target with the saved one (``saved_humidity``);
``away_fixed`` makes ``set_humidity`` in away mode change only the saved one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, ServiceValidationError

from ._generic_thermostat import heater_command, held_long_enough
from ._generic_thermostat_config import duration_option
from ._ha_restore import restored_state
from ._platform_options import (
    PLATFORM_KEYS,
    OptionError,
    boolean_option,
    domain_items,
    entity_id_option,
    number_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = ["HygrostatOptions", "read_hygrostat_options", "setup_generic_hygrostats"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "generic_hygrostat"
DEFAULT_NAME = "Generic Hygrostat"
DEFAULT_TOLERANCE = 3.0
_KEYS = (
    "humidifier",
    "target_sensor",
    "device_class",
    "max_humidity",
    "min_cycle_duration",
    "min_humidity",
    "name",
    "dry_tolerance",
    "wet_tolerance",
    "target_humidity",
    "keep_alive",
    "initial_state",
    "away_humidity",
    "away_fixed",
    "sensor_stale_duration",
    "unique_id",
)
_DEVICE_CLASSES = ("humidifier", "dehumidifier")
_MODES = 1  # Home Assistant's humidifier feature: modes


@dataclass(frozen=True)
class HygrostatOptions:
    humidifier: str
    sensor: str
    name: str = DEFAULT_NAME
    dehumidifier: bool = False
    min_humidity: int | None = None
    max_humidity: int | None = None
    target_humidity: int | None = None
    min_cycle_duration: timedelta | None = None
    dry_tolerance: float = DEFAULT_TOLERANCE
    wet_tolerance: float = DEFAULT_TOLERANCE
    keep_alive: timedelta | None = None
    initial_state: bool | None = None
    away_humidity: int | None = None
    away_fixed: bool = False
    stale_duration: timedelta | None = None


class GenericHygrostat:
    def __init__(self, runtime: Runtime, entity_id: str, options: HygrostatOptions) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.options = options
        self.is_on = options.initial_state
        self.target: int | None = options.target_humidity
        self.saved_target = options.away_humidity or options.target_humidity
        self.current: float | None = None
        self.away = False
        self.active = False  # once both humidities are known: available
        self.action = "idle"
        self._stop_stale_timer: Callable[[], None] | None = None

    @property
    def min_humidity(self) -> int:
        return self.options.min_humidity or 0

    @property
    def max_humidity(self) -> int:
        return self.options.max_humidity or 100

    @property
    def device_on(self) -> bool:
        return self.runtime.states.is_state(self.options.humidifier, "on")

    def start(self) -> None:
        options = self.options
        self.runtime.states.track(options.sensor, self._sensor_changed)
        self.runtime.states.track(options.humidifier, self._device_changed)
        if options.keep_alive:
            self.runtime.scheduler.call_every(options.keep_alive.total_seconds(), self._keep_alive)
        self._restore()
        self.runtime.services.set_provider(self.entity_id, self._command, internal=True)
        # As Home Assistant: the sensor read once when set up, and again at start.
        self._startup()
        self.runtime.on_start(self._startup)
        self._write(Context())

    def _restore(self) -> None:
        saved = restored_state(self.runtime, self.entity_id)
        if saved is not None:
            if saved.attributes.get("mode") == "away":
                self.away = True
                self.saved_target = self.target
                self.target = self.options.away_humidity or self.target
            self.target = _saved_whole(saved.attributes.get("humidity")) or self.target
            self.saved_target = _saved_whole(saved.attributes.get("saved_humidity")) or (
                self.saved_target
            )
            self.is_on = saved.state == "on"
        if self.target is None:
            self.target = self.max_humidity if self.options.dehumidifier else self.min_humidity
            _LOGGER.warning("No previously saved humidity, setting to %s", self.target)
        if self.is_on is None:
            self.is_on = False

    def _startup(self) -> None:
        sensor = self.runtime.states.get(self.options.sensor)
        if sensor is not None and sensor.state not in ("unknown", "unavailable"):
            self._sensor_state(sensor.state, Context())

    # --- what it shows -------------------------------------------------------

    def _write(self, context: Context) -> None:
        options = self.options
        attributes: dict[str, Any] = {
            "min_humidity": self.min_humidity,
            "max_humidity": self.max_humidity,
        }
        if options.away_humidity:
            attributes["available_modes"] = ["normal", "away"]
        if self.active:
            attributes["action"] = self.action if self.is_on else "off"
            if self.current is not None:
                attributes["current_humidity"] = int(self.current)
            attributes["humidity"] = self.target
            if options.away_humidity:
                attributes["mode"] = "away" if self.away else "normal"
            if self.saved_target:
                attributes["saved_humidity"] = self.saved_target
        attributes["device_class"] = "dehumidifier" if options.dehumidifier else "humidifier"
        attributes["friendly_name"] = options.name
        attributes["supported_features"] = _MODES if options.away_humidity else 0
        state = ("on" if self.is_on else "off") if self.active else "unavailable"
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context,
        )

    # --- what it follows -----------------------------------------------------

    def _sensor_changed(self, event: Event) -> None:
        new_state = event.data.get("new_state")
        if new_state is not None:
            self._sensor_state(new_state.state, event.context)

    def _sensor_state(self, text: str, context: Context) -> None:
        stale = self.options.stale_duration
        if stale:
            if self._stop_stale_timer is not None:
                self._stop_stale_timer()
            self._stop_stale_timer = self.runtime.scheduler.call_every(
                stale.total_seconds(), self._stalled
            )
        self._read_sensor(text)
        self._operate()
        self._write(context)

    def _read_sensor(self, text: str) -> None:
        try:
            self.current = float(text)
            if not math.isfinite(self.current):  # which Home Assistant fails to show
                raise ValueError(text)
        except ValueError:
            if self.active:
                _LOGGER.warning("Unable to update from sensor: %s is not a number", text)
            self.active = False
            self.current = None
            if self.device_on:
                heater_command(self.runtime, self.options.humidifier, False, None)

    def _stalled(self, _when: datetime) -> None:
        # As Home Assistant, its state is not written until the next change.
        _LOGGER.warning("Sensor is stalled, call the emergency stop")
        self._read_sensor("Stalled")

    def _device_changed(self, event: Event) -> None:
        new_state = event.data.get("new_state")
        if new_state is None:
            return
        if new_state.state == "on":
            self.action = "drying" if self.options.dehumidifier else "humidifying"
        else:
            self.action = "idle"
        self._write(event.context)

    def _keep_alive(self, _when: datetime) -> None:
        self._operate(keep_alive=True)

    # --- switching the humidifier --------------------------------------------

    def _operate(self, *, force: bool = False, keep_alive: bool = False) -> None:
        """Home Assistant's rules: the first time both humidities are known counts as
        ``force``, which ignores the tolerances and ``min_cycle_duration``."""
        if not self.active and self.current is not None and self.target is not None:
            self.active = force = True
        if not self.active or not self.is_on:
            return
        assert self.current is not None and self.target is not None
        device_on = self.device_on
        period = self.options.min_cycle_duration
        if not (force or keep_alive) and not held_long_enough(
            self.runtime, self.options.humidifier, device_on, period
        ):
            return
        dry_tolerance = 0.0 if force else self.options.dry_tolerance
        wet_tolerance = 0.0 if force else self.options.wet_tolerance
        too_dry = self.target - self.current >= dry_tolerance
        too_wet = self.current - self.target >= wet_tolerance
        dehumidifier = self.options.dehumidifier
        if device_on:
            if too_dry if dehumidifier else too_wet:
                self._switch(False)
            elif keep_alive:
                self._switch(True)
        elif too_wet if dehumidifier else too_dry:
            self._switch(True)
        elif keep_alive:
            self._switch(False)

    def _switch(self, on: bool) -> None:
        heater_command(self.runtime, self.options.humidifier, on, None)

    # --- services ------------------------------------------------------------

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service == "toggle":
            service = "turn_off" if self.is_on else "turn_on"
        if service in ("turn_on", "turn_off"):
            if self.active:  # Home Assistant ignores both while it is unavailable
                self.is_on = service == "turn_on"
                if self.is_on:
                    self._operate(force=True)
                elif self.device_on:
                    self._switch(False)
                self._write(context)
        elif service == "set_humidity":
            self._set_humidity(int(data["humidity"]), context)
        elif service == "set_mode" and self.options.away_humidity:
            self._set_mode(str(data.get("mode")), context)
        else:
            raise ServiceValidationError(
                "humidifier", service, "", f"Entity {entity_id} does not support this service."
            )
        return None

    def _set_humidity(self, humidity: int, context: Context) -> None:
        if self.away and self.options.away_fixed:
            self.saved_target = humidity
        else:
            self.target = humidity
            self._operate()
        self._write(context)

    def _set_mode(self, mode: str, context: Context) -> None:
        # Any other mode is taken without a word, as Home Assistant 2024.3 takes it.
        if (mode == "away") != self.away and mode in ("away", "normal"):
            self.away = mode == "away"
            if self.away and not self.saved_target:
                self.saved_target = self.options.away_humidity
            self.saved_target, self.target = self.target, self.saved_target
            self._operate(force=True)
        self._write(context)


def _saved_whole(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def read_hygrostat_options(item: Any, base: frozenset[str] = frozenset()) -> HygrostatOptions:
    """One hygrostat's options (``base``: the keys a platform item may hold besides);
    ``OptionError`` names the one Home Assistant refuses."""
    if not isinstance(item, Mapping):
        raise OptionError(None, "expected a mapping with humidifier and target_sensor")
    refuse_unknown_keys(item, _KEYS, base)
    text_option(item, "unique_id")
    device_class = item.get("device_class", "humidifier")
    if device_class not in _DEVICE_CLASSES:
        raise OptionError(
            "device_class", f"device_class must be one of {', '.join(_DEVICE_CLASSES)}"
        )
    dry, wet = number_option(item, "dry_tolerance"), number_option(item, "wet_tolerance")
    return HygrostatOptions(
        humidifier=entity_id_option(item, "humidifier"),
        sensor=entity_id_option(item, "target_sensor"),
        name=text_option(item, "name") or DEFAULT_NAME,
        dehumidifier=device_class == "dehumidifier",
        min_humidity=_whole(item, "min_humidity"),
        max_humidity=_whole(item, "max_humidity"),
        target_humidity=_whole(item, "target_humidity"),
        min_cycle_duration=duration_option(item, "min_cycle_duration"),
        dry_tolerance=DEFAULT_TOLERANCE if dry is None else dry,
        wet_tolerance=DEFAULT_TOLERANCE if wet is None else wet,
        keep_alive=_period_of_a_second_or_more(item, "keep_alive"),
        initial_state=boolean_option(item, "initial_state", False)
        if "initial_state" in item
        else None,
        away_humidity=_whole(item, "away_humidity"),
        away_fixed=boolean_option(item, "away_fixed", False),
        stale_duration=_period_of_a_second_or_more(item, "sensor_stale_duration"),
    )


def _whole(item: Mapping[str, Any], key: str) -> int | None:
    """A whole number as ``vol.Coerce(int)`` makes it (``21.7`` is 21, ``"21.7"`` is
    refused); None if absent."""
    if key not in item:
        return None
    try:
        return int(item[key])
    except (TypeError, ValueError, OverflowError):
        raise OptionError(key, f"{key} must be a whole number, got {item[key]!r}") from None


def _period_of_a_second_or_more(item: Mapping[str, Any], key: str) -> timedelta | None:
    """A period; unlike Home Assistant, one under a second (but zero, which is none) is
    refused: it would repeat without end."""
    period = duration_option(item, key)
    if period and period < timedelta(seconds=1):
        raise OptionError(key, f"{key} must be at least a second, got {period}")
    return period


def setup_generic_hygrostats(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every hygrostat of the ``generic_hygrostat:`` block and of ``humidifier:``
    items with ``platform: generic_hygrostat``; a bad one is reported and skipped."""
    found: list[tuple[str, Any, frozenset[str]]] = []
    block = config.get(DOMAIN)
    for index, item in enumerate(block if isinstance(block, list) else [block]):
        if block is not None:
            found.append((f"{DOMAIN}[{index}]", item, frozenset()))
    for _, where, item in domain_items(config, ("humidifier",), DOMAIN):
        found.append((where, item, PLATFORM_KEYS))
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for where, item, base in found:
        try:
            options = read_hygrostat_options(item, base)
        except OptionError as err:
            placed = (config, DOMAIN) if base == frozenset() else None
            issues.append(option_issue(item, where, err, placed_in=placed))
            continue
        named = f"humidifier.{entity_slug(options.name)}"
        entity_id = registered_entity_id(
            runtime, named, taken, "generic_hygrostat", item.get("unique_id")
        )
        if entity_id is None:  # not added, as Home Assistant does not
            continue
        GenericHygrostat(runtime, entity_id, options).start()
    return issues
