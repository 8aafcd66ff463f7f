"""Home Assistant MQTT fans: on/off, a speed as a percentage of the device's own speed
range (``speed_range_min``..``speed_range_max``), preset modes, oscillation and direction,
each on its own pair of topics, as Home Assistant 2024.3's ``mqtt`` fan reads them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, ServiceValidationError

from ._ha_entity import HaEntity, StateHandler
from ._router import MqttMessage
from ._values import PayloadError, as_number

__all__ = ["Fan"]

_PAYLOAD_NONE = "None"


class Fan(HaEntity):
    domain = "fan"
    required = ("command_topic",)
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "state_value_template"),
            *("payload_on", "payload_off", "optimistic", "retain"),
            *("percentage_command_topic", "percentage_command_template"),
            *("percentage_state_topic", "percentage_value_template"),
            *("payload_reset_percentage", "speed_range_min", "speed_range_max"),
            *("preset_mode_command_topic", "preset_mode_command_template", "preset_modes"),
            *("preset_mode_state_topic", "preset_mode_value_template"),
            "payload_reset_preset_mode",
            *("oscillation_command_topic", "oscillation_command_template"),
            *("oscillation_state_topic", "oscillation_value_template"),
            *("payload_oscillation_on", "payload_oscillation_off"),
            *("direction_command_topic", "direction_command_template"),
            *("direction_state_topic", "direction_value_template"),
        }
    )
    blocked_json_attributes = frozenset(
        {"direction", "oscillating", "percentage_step", "percentage", "preset_mode"}
        | {"preset_modes"}
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        low, high = self.option("speed_range_min", 1), self.option("speed_range_max", 100)
        if not isinstance(low, int) or not isinstance(high, int) or not 0 < low < high:
            raise PayloadError("speed_range_min must be above 0 and below speed_range_max")
        self.speeds = (low, high)

    @property
    def has_speed(self) -> bool:
        return bool(self.config.get("percentage_command_topic"))

    @property
    def presets(self) -> list[str]:
        if not self.config.get("preset_mode_command_topic"):
            return []
        return [str(mode) for mode in self.option("preset_modes", [])]

    @property
    def percentage_step(self) -> float:
        low, high = self.speeds
        return 100 / min(high - low + 1, 100) if self.has_speed else 1.0

    def _optimistic_for(self, state_key: str) -> bool:
        return bool(self.config.get("optimistic")) or not self.config.get(state_key)

    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if self.presets:
            attributes["preset_modes"] = self.presets
        if self.has_speed:
            attributes["percentage_step"] = self.percentage_step
        if self.config.get("oscillation_state_topic") and self.config.get(
            "oscillation_command_topic"
        ):
            attributes["oscillating"] = False
        return attributes

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("state_topic", self._on_state),
            ("percentage_state_topic", self._on_percentage),
            ("preset_mode_state_topic", self._on_preset_mode),
            ("oscillation_state_topic", self._on_oscillation),
            ("direction_state_topic", self._on_direction),
        )

    # --- state messages (an empty value is ignored, as Home Assistant does) --------------

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("state_value_template", message)
        if value == str(self.option("payload_on", "ON")):
            self.report("on")
        elif value == str(self.option("payload_off", "OFF")):
            self.report("off")
        elif value == _PAYLOAD_NONE:
            self.report(STATE_UNKNOWN)
        elif value:
            raise PayloadError(f"{value[:80]!r} is neither the on nor the off payload")

    def _on_percentage(self, message: MqttMessage) -> None:
        value = self.render("percentage_value_template", message)
        if not value:
            return
        if value == str(self.option("payload_reset_percentage", _PAYLOAD_NONE)):
            self.report(attributes={"percentage": None})
            return
        speed = as_number(value)
        if speed is None or not speed.is_integer():
            raise PayloadError(f"{value[:80]!r} is not a speed")
        low, high = self.speeds
        percentage = int((speed - low + 1) * 100 // (high - low + 1))
        if not 0 <= percentage <= 100:
            raise PayloadError(f"{value[:80]!r} is outside the speed range {low}-{high}")
        self.report(attributes={"percentage": percentage})

    def _on_preset_mode(self, message: MqttMessage) -> None:
        value = self.render("preset_mode_value_template", message)
        if value == str(self.option("payload_reset_preset_mode", _PAYLOAD_NONE)):
            self.report(attributes={"preset_mode": None})
            return
        if not value:
            return
        if value not in self.presets:
            raise PayloadError(f"{value[:80]!r} is not one of the preset modes")
        self.report(attributes={"preset_mode": value})

    def _on_oscillation(self, message: MqttMessage) -> None:
        value = self.render("oscillation_value_template", message)
        if value == str(self.option("payload_oscillation_on", "oscillate_on")):
            self.report(attributes={"oscillating": True})
        elif value == str(self.option("payload_oscillation_off", "oscillate_off")):
            self.report(attributes={"oscillating": False})

    def _on_direction(self, message: MqttMessage) -> None:
        value = self.render("direction_value_template", message)
        if value:
            self.report(attributes={"direction": value})

    # --- commands ----------------------------------------------------------------------------

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.current == "on" else "turn_on"
        if service == "turn_on":
            if data.get("preset_mode"):
                self._check_preset(str(data["preset_mode"]))
            await self._switch(True)
            if data.get("percentage"):
                await self._set_percentage(int(data["percentage"]))
            if data.get("preset_mode"):
                await self._set_preset_mode(str(data["preset_mode"]))
        elif service == "turn_off":
            await self._switch(False)
        elif service == "set_percentage":
            await self._set_percentage(int(data["percentage"]))
        elif service in ("increase_speed", "decrease_speed"):
            await self._step_speed(1 if service == "increase_speed" else -1, data)
        elif service == "set_preset_mode":
            await self._set_preset_mode(str(data["preset_mode"]))
        elif service == "oscillate" and self.config.get("oscillation_command_topic"):
            await self._oscillate(bool(data["oscillating"]))
        elif service == "set_direction" and self.config.get("direction_command_topic"):
            direction = str(data["direction"])
            await self.send("direction_command_topic", direction, "direction_command_template")
            if self._optimistic_for("direction_state_topic"):
                self.report(attributes={"direction": direction})
        else:
            raise self.cannot(service)

    async def _switch(self, on: bool) -> None:
        payload = self.option("payload_on", "ON") if on else self.option("payload_off", "OFF")
        await self.send("command_topic", payload, "command_template")
        if self._optimistic_for("state_topic"):
            self.report("on" if on else "off")

    async def _set_percentage(self, percentage: int) -> None:
        if not self.has_speed:
            raise self.cannot("set_percentage")
        low, high = self.speeds
        speed = math.ceil(percentage * (high - low + 1) / 100 + low - 1)
        await self.send("percentage_command_topic", speed, "percentage_command_template")
        if self._optimistic_for("percentage_state_topic"):
            self.report(attributes={"percentage": percentage})

    async def _step_speed(self, direction: int, data: Mapping[str, Any]) -> None:
        current = as_number(self.current_attribute("percentage")) or 0
        step = data.get("percentage_step")
        if step is not None:
            wanted = current + int(step) * direction
        else:  # one of the device's speeds up or down
            count = round(100 / self.percentage_step)
            index = math.ceil(current * count / 100)
            wanted = int((index + direction) * 100 // count)
        await self._set_percentage(int(max(0, min(100, wanted))))

    def _check_preset(self, preset: str) -> None:
        if preset not in self.presets:
            valid = ", ".join(self.presets) or "none"
            raise ServiceValidationError("fan", "set_preset_mode", "preset_mode", f"valid: {valid}")

    async def _set_preset_mode(self, preset: str) -> None:
        self._check_preset(preset)
        await self.send("preset_mode_command_topic", preset, "preset_mode_command_template")
        if self._optimistic_for("preset_mode_state_topic"):
            self.report(attributes={"preset_mode": preset})

    async def _oscillate(self, oscillating: bool) -> None:
        key = "payload_oscillation_on" if oscillating else "payload_oscillation_off"
        payload = self.option(key, "oscillate_on" if oscillating else "oscillate_off")
        await self.send("oscillation_command_topic", payload, "oscillation_command_template")
        if self._optimistic_for("oscillation_state_topic"):
            self.report(attributes={"oscillating": oscillating})
