"""Home Assistant MQTT thermostats: an HVAC mode, target temperatures (one, or a low/high
range), target humidity, fan, swing and preset modes, the running action and the measured
values, each on its own pair of topics, as Home Assistant 2024.3's ``mqtt`` climate reads
and commands them. Temperatures are shown in the house's unit, rounded to ``precision``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, ServiceValidationError

from ._ha_entity import HaEntity, StateHandler
from ._router import MqttMessage
from ._values import PayloadError, as_number

__all__ = ["Climate"]

HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
HVAC_ACTIONS = ("cooling", "drying", "fan", "heating", "idle", "off", "preheating")
_PAYLOAD_NONE = "None"
# Home Assistant's ClimateEntityFeature bits.
_TARGET, _RANGE, _HUMIDITY, _FAN, _PRESET, _SWING = 1, 2, 4, 8, 16, 32
_TURN_OFF, _TURN_ON = 128, 256
_NEEDS = {
    "set_temperature": (_TARGET, _RANGE),
    "set_humidity": (_HUMIDITY,),
    "set_fan_mode": (_FAN,),
    "set_preset_mode": (_PRESET,),
    "set_swing_mode": (_SWING,),
}
# Each numeric attribute: its state topic, its own template, its command topic/template.
_NUMBERS = {
    "temperature": ("temperature_state_topic", "temperature_state_template"),
    "target_temp_low": ("temperature_low_state_topic", "temperature_low_state_template"),
    "target_temp_high": ("temperature_high_state_topic", "temperature_high_state_template"),
    "current_temperature": ("current_temperature_topic", "current_temperature_template"),
    "current_humidity": ("current_humidity_topic", "current_humidity_template"),
    "humidity": ("target_humidity_state_topic", "target_humidity_state_template"),
}
_SETPOINTS = {
    "temperature": "temperature",
    "target_temp_low": "temperature_low",
    "target_temp_high": "temperature_high",
}
_TEMPERATURES = ("temperature", "target_temp_low", "target_temp_high", "current_temperature")
# The listed modes: attribute, its list option and default, its topics' prefix.
_MODES = {
    "hvac_mode": ("modes", ["auto", "off", "cool", "heat", "dry", "fan_only"], "mode"),
    "fan_mode": ("fan_modes", ["auto", "low", "medium", "high"], "fan_mode"),
    "swing_mode": ("swing_modes", ["on", "off"], "swing_mode"),
}


def _option_names() -> set[str]:
    names = {"modes", "fan_modes", "swing_modes", "preset_modes", "value_template"}
    for prefix in ("mode", "fan_mode", "swing_mode", "temperature", "temperature_low"):
        names |= {f"{prefix}_state_topic", f"{prefix}_state_template"}
        names |= {f"{prefix}_command_topic", f"{prefix}_command_template"}
    for prefix in ("temperature_high", "target_humidity"):
        names |= {f"{prefix}_state_topic", f"{prefix}_state_template"}
        names |= {f"{prefix}_command_topic", f"{prefix}_command_template"}
    names |= {"preset_mode_state_topic", "preset_mode_value_template"}
    names |= {"preset_mode_command_topic", "preset_mode_command_template"}
    names |= {"current_temperature_topic", "current_temperature_template"}
    names |= {"current_humidity_topic", "current_humidity_template"}
    names |= {"action_topic", "action_template", "power_command_topic"}
    names |= {"power_command_template", "payload_on", "payload_off", "optimistic", "retain"}
    names |= {"min_temp", "max_temp", "temp_step", "initial", "precision"}
    names |= {"temperature_unit", "min_humidity", "max_humidity"}
    return names


def _celsius_to(unit: str, celsius: float) -> float:
    return celsius * 9 / 5 + 32 if unit == "°F" else celsius


def _convert(value: float, from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return value
    return value * 9 / 5 + 32 if to_unit == "°F" else (value - 32) * 5 / 9


class Climate(HaEntity):
    domain = "climate"
    reads = frozenset(_option_names())
    blocked_json_attributes = frozenset(
        {
            *("current_humidity", "current_temperature", "fan_mode", "fan_modes", "humidity"),
            *("hvac_action", "hvac_modes", "max_humidity", "max_temp", "min_humidity"),
            *("min_temp", "preset_mode", "preset_modes", "swing_mode", "swing_modes"),
            *("target_temp_high", "target_temp_low", "target_temp_step", "temperature"),
        }
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        config = self.config
        if "preset_mode_command_topic" in config and "preset_modes" not in config:
            raise PayloadError("'preset_mode_command_topic' needs 'preset_modes'")
        if "none" in self._list("preset_modes", []):
            raise PayloadError("preset_modes must not include preset mode 'none'")
        if float(self.option("min_humidity", 30)) >= float(self.option("max_humidity", 99)):
            raise PayloadError("max_humidity must be above min_humidity")
        if "target_humidity_state_topic" in config and not config.get(
            "target_humidity_command_topic"
        ):
            raise PayloadError("target_humidity_state_topic needs target_humidity_command_topic")
        fahrenheit = self.ctx.book.hub.settings.unit_system == "us_customary"
        self.house_unit = "°F" if fahrenheit else "°C"
        unit = str(config.get("temperature_unit", self.house_unit)).upper().lstrip("°")
        if unit not in ("C", "F"):
            raise PayloadError("temperature_unit must be C or F")
        self.unit = f"°{unit}"
        self.precision = float(self.option("precision", 1.0 if fahrenheit else 0.1))
        if self.precision not in (0.1, 0.5, 1.0):
            raise PayloadError("precision must be 0.1, 0.5 or 1.0")
        self.assumes = bool(config.get("optimistic", False))
        # Kept in the device's unit; shown in the house's.
        self.values: dict[str, Any] = {}
        self._start_values()

    def _list(self, key: str, default: list[str]) -> list[str]:
        value = self.option(key, default)
        return [str(item) for item in (value if isinstance(value, list) else [value])]

    def _optimistic_for(self, state_topic: str) -> bool:
        return self.assumes or not self.config.get(state_topic)

    @property
    def presets(self) -> list[str]:
        presets = self._list("preset_modes", [])
        return ["none", *presets] if presets else []

    @property
    def features(self) -> int:
        def has(*keys: str) -> bool:
            return any(self.config.get(key) for key in keys)

        features = _TURN_ON | _TURN_OFF
        if has("temperature_state_topic", "temperature_command_topic"):
            features |= _TARGET
        if has("temperature_low_state_topic", "temperature_low_command_topic") or has(
            "temperature_high_state_topic", "temperature_high_command_topic"
        ):
            features |= _RANGE
        if has("target_humidity_command_topic"):
            features |= _HUMIDITY
        if has("fan_mode_state_topic", "fan_mode_command_topic"):
            features |= _FAN
        if has("swing_mode_state_topic", "swing_mode_command_topic"):
            features |= _SWING
        if "preset_mode_command_topic" in self.config:
            features |= _PRESET
        return features

    # --- what is shown ---------------------------------------------------------------------

    def _start_values(self) -> None:
        """What Home Assistant assumes before the device says: 21 °C, fan low, swing and
        mode off, for each value without a state topic (or all, when optimistic)."""
        initial = as_number(self.config.get("initial"))
        start = initial if initial is not None else _celsius_to(self.unit, 21.0)
        for name, (state_topic, _) in _NUMBERS.items():
            if name in _SETPOINTS and self._optimistic_for(state_topic):
                self.values[name] = start
        for name, default in (("fan_mode", "low"), ("swing_mode", "off"), ("hvac_mode", "off")):
            if self._optimistic_for(f"{_MODES[name][2]}_state_topic"):
                self.values[name] = default
        if "preset_mode_command_topic" in self.config:
            self.values["preset_mode"] = "none"

    def initial_state(self) -> str:
        return str(self.values.get("hvac_mode", STATE_UNKNOWN))

    def _shown(self, value: float | None) -> float | None:
        """A temperature in the house's unit, rounded as Home Assistant's ``show_temp``."""
        if value is None:
            return None
        value = _convert(value, self.unit, self.house_unit)
        if self.precision == 0.5:
            return round(value * 2) / 2.0
        if self.precision == 0.1:
            return round(value, 1)
        return round(value)

    def _limit(self, key: str, celsius: float) -> float | None:
        configured = as_number(self.config.get(key))
        return self._shown(
            configured if configured is not None else _celsius_to(self.unit, celsius)
        )

    def attributes(self) -> dict[str, Any]:
        features = self.features
        shown: dict[str, Any] = {
            "hvac_modes": self._list(*_MODES["hvac_mode"][:2]),
            "min_temp": self._limit("min_temp", 7),
            "max_temp": self._limit("max_temp", 35),
        }
        if step := float(self.option("temp_step", 1.0)):
            shown["target_temp_step"] = step
        if features & _HUMIDITY:
            shown["min_humidity"] = float(self.option("min_humidity", 30))
            shown["max_humidity"] = float(self.option("max_humidity", 99))
        if features & _FAN:
            shown["fan_modes"] = self._list(*_MODES["fan_mode"][:2])
        if features & _PRESET:
            shown["preset_modes"] = self.presets
        if features & _SWING:
            shown["swing_modes"] = self._list(*_MODES["swing_mode"][:2])
        return {**shown, **self._state_attributes(), "supported_features": features}

    def _state_attributes(self) -> dict[str, Any]:
        features, values = self.features, self.values
        shown: dict[str, Any] = {
            "current_temperature": self._shown(values.get("current_temperature"))
        }
        if features & _TARGET:
            shown["temperature"] = self._shown(values.get("temperature"))
        if features & _RANGE:
            shown["target_temp_high"] = self._shown(values.get("target_temp_high"))
            shown["target_temp_low"] = self._shown(values.get("target_temp_low"))
        if values.get("current_humidity") is not None:
            shown["current_humidity"] = values["current_humidity"]
        if features & _HUMIDITY:
            shown["humidity"] = values.get("humidity")
        if features & _FAN:
            shown["fan_mode"] = values.get("fan_mode")
        if values.get("hvac_action"):
            shown["hvac_action"] = values["hvac_action"]
        if features & _PRESET:
            shown["preset_mode"] = values.get("preset_mode")
        if features & _SWING:
            shown["swing_mode"] = values.get("swing_mode")
        return shown

    def _show(self, **changed: Any) -> None:
        """Record changed values and write the state (Home Assistant writes only a change)."""
        if all(self.values.get(key) == value for key, value in changed.items()):
            return
        self.values.update(changed)
        self._write()

    def _write(self) -> None:
        mode = self.values.get("hvac_mode")
        shown = self._state_attributes()
        # Home Assistant works the attributes out afresh each time: the ones it leaves
        # out go, and the ones it always has stay, as null when unknown ("None" payload).
        gone = {key: None for key in ("current_humidity", "hvac_action") if key not in shown}
        self.report(
            STATE_UNKNOWN if mode is None else str(mode),
            {**gone, **shown},
            shown_null=frozenset(shown),
        )

    # --- state messages ----------------------------------------------------------------------

    def state_topics(self) -> dict[str, StateHandler]:
        pairs: list[tuple[str, StateHandler]] = [
            ("action_topic", self._on_action),
            ("preset_mode_state_topic", self._on_preset),
        ]
        for name, (topic, template) in _NUMBERS.items():
            pairs.append((topic, self._number_reader(name, template)))
        for name, (list_key, default, prefix) in _MODES.items():
            reader = self._mode_reader(name, list_key, default, f"{prefix}_state_template")
            pairs.append((f"{prefix}_state_topic", reader))
        return self.topics_of(*pairs)

    def _value(self, template_key: str, message: MqttMessage) -> str:
        """The payload through its own template, or through ``value_template``."""
        template = self.config.get(template_key, self.config.get("value_template"))
        return self.ctx.templates.render(template, message.value)

    def _number_reader(self, name: str, template_key: str) -> StateHandler:
        def read(message: MqttMessage) -> None:
            value = self._value(template_key, message)
            if not value:
                return
            if value == _PAYLOAD_NONE:
                self._show(**{name: None})
                return
            number = as_number(value)
            if number is None:
                raise PayloadError(f"{name}: {value[:80]!r} is not a number")
            self._show(**{name: number})

        return read

    def _mode_reader(
        self, name: str, list_key: str, default: list[str], template_key: str
    ) -> StateHandler:
        def read(message: MqttMessage) -> None:
            value = self._value(template_key, message)
            if value not in self._list(list_key, default):
                raise PayloadError(f"{value[:80]!r} is not one of the {list_key}")
            self._show(**{name: value})

        return read

    def _on_action(self, message: MqttMessage) -> None:
        value = self._value("action_template", message)
        if not value or value == _PAYLOAD_NONE:
            return
        if value not in HVAC_ACTIONS:
            raise PayloadError(f"{value[:80]!r} is not an HVAC action")
        self._show(hvac_action=value)

    def _on_preset(self, message: MqttMessage) -> None:
        value = self._value("preset_mode_value_template", message)
        if value in ("none", _PAYLOAD_NONE):
            self._show(preset_mode="none")
        elif value:
            if value not in self.presets:
                raise PayloadError(f"{value[:80]!r} is not a valid preset mode")
            self._show(preset_mode=value)

    # --- commands --------------------------------------------------------------------------

    async def _publish(self, prefix: str, value: Any) -> None:
        """A command on ``<prefix>_command_topic``: none when the topic is not set."""
        if self.config.get(f"{prefix}_command_topic"):
            await self.send(f"{prefix}_command_topic", value, f"{prefix}_command_template")

    def _refuse(self, service: str, message: str | None = None) -> ServiceValidationError:
        text = message or f"Entity {self.entity_id} does not support this service."
        return ServiceValidationError("climate", service, "", text)

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        needed = _NEEDS.get(service)
        if needed is not None and not any(self.features & bit for bit in needed):
            raise self._refuse(service)
        if service == "toggle":
            service = "turn_on" if self.values.get("hvac_mode") == "off" else "turn_off"
        if service == "set_hvac_mode":
            await self._set_hvac_mode(service, data["hvac_mode"])
        elif service == "set_temperature":
            await self._set_temperature(data)
        elif service == "set_humidity":
            humidity = int(data["humidity"])
            if self._optimistic_for("target_humidity_state_topic"):
                self.values["humidity"] = humidity
            await self._publish("target_humidity", humidity)
            self._write()
        elif service in ("set_fan_mode", "set_swing_mode", "set_preset_mode"):
            await self._set_listed_mode(service, data)
        elif service in ("turn_on", "turn_off"):
            await self._power(service)
        else:
            raise self._refuse(service)

    async def _set_hvac_mode(self, service: str, mode: Any) -> None:
        mode = str(mode)
        if mode not in HVAC_MODES:
            raise ServiceValidationError(
                "climate", service, "hvac_mode", f"expected one of {', '.join(HVAC_MODES)}"
            )
        await self._publish("mode", mode)
        if self._optimistic_for("mode_state_topic"):
            self._show(hvac_mode=mode)

    async def _set_temperature(self, data: Mapping[str, Any]) -> None:
        if data.get("hvac_mode") is not None:
            await self._set_hvac_mode("set_temperature", data["hvac_mode"])
        changed = False
        for name, prefix in _SETPOINTS.items():
            if data.get(name) is None:
                continue
            # Asked in the house's unit, sent in the device's (as a float, "21.0").
            value = _convert(float(data[name]), self.house_unit, self.unit)
            if self._optimistic_for(_NUMBERS[name][0]):
                self.values[name] = value
                changed = True
            await self._publish(
                prefix, value if self.config.get(f"{prefix}_command_template") else str(value)
            )
        if changed:
            self._write()

    async def _set_listed_mode(self, service: str, data: Mapping[str, Any]) -> None:
        name = service.removeprefix("set_")
        mode = str(data[name])
        modes = self.presets if name == "preset_mode" else self._list(*_MODES[name][:2])
        if mode not in modes:
            raise self._refuse(
                service, f"The {name} {mode} is not a valid {name}: {', '.join(modes)}"
            )
        state_topic = "preset_mode_state_topic" if name == "preset_mode" else f"{name}_state_topic"
        await self._publish(name, mode)
        if self._optimistic_for(state_topic):
            self.values[name] = mode
            self._write()

    async def _power(self, service: str) -> None:
        on = service == "turn_on"
        if self.config.get("power_command_topic"):
            payload = self.option("payload_on", "ON") if on else self.option("payload_off", "OFF")
            await self._publish("power", payload)
            if not on and self.assumes:
                self._show(hvac_mode="off")
            return
        modes = self._list(*_MODES["hvac_mode"][:2])
        if not on:
            if "off" not in modes:
                raise self._refuse(service, f"{self.entity_id} cannot turn off: no 'off' mode")
            await self._set_hvac_mode(service, "off")
            return
        # Home Assistant's fallback: the one other mode, else heat_cool, heat or cool.
        others = [mode for mode in modes if mode != "off"]
        if len(modes) == 2 and len(others) == 1:
            await self._set_hvac_mode(service, others[0])
            return
        for mode in ("heat_cool", "heat", "cool"):
            if mode in modes:
                await self._set_hvac_mode(service, mode)
                return
        raise self._refuse(service, f"{self.entity_id} cannot turn on: no heat or cool mode")
