"""Home Assistant MQTT discovery: switch, binary_sensor, sensor, button, number, select,
lock, cover, climate and device_tracker. Lights are in ``_ha_lights``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.orchestrator import STATE_UNKNOWN, ServiceValidationError

from ._ha_entity import HaEntity, StateHandler, on_off
from ._router import MqttMessage
from ._values import PayloadError, as_number

__all__ = [
    "BinarySensor",
    "Button",
    "Climate",
    "Cover",
    "DeviceTracker",
    "Lock",
    "Number",
    "Select",
    "Sensor",
    "Switch",
]


class Switch(HaEntity):
    domain = "switch"
    required = ("command_topic",)
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "value_template"),
            *("payload_on", "payload_off", "state_on", "state_off", "optimistic", "retain"),
        }
    )

    def initial_state(self) -> str:
        return "off" if self.optimistic else STATE_UNKNOWN

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        on = self.option("state_on", self.option("payload_on", "ON"))
        off = self.option("state_off", self.option("payload_off", "OFF"))
        state = on_off(value, on, off)
        if state is None:
            raise PayloadError(f"expected {on!r} or {off!r}, got {value[:80]!r}")
        self.report(state)

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.current == "on" else "turn_on"
        if service not in ("turn_on", "turn_off"):
            raise self.cannot(service)
        on = service == "turn_on"
        payload = self.option("payload_on", "ON") if on else self.option("payload_off", "OFF")
        await self.send("command_topic", payload, "command_template")
        if self.optimistic:
            self.report("on" if on else "off")


class BinarySensor(HaEntity):
    domain = "binary_sensor"
    required = ("state_topic",)
    reads = frozenset(
        {
            *("state_topic", "value_template", "payload_on", "payload_off", "off_delay"),
            *("expire_after", "force_update"),
        }
    )

    def state_topics(self) -> dict[str, StateHandler]:
        return {self.config["state_topic"]: self._on_state}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        on, off = self.option("payload_on", "ON"), self.option("payload_off", "OFF")
        state = on_off(value, on, off)
        if state is None:
            raise PayloadError(f"expected {on!r} or {off!r}, got {value[:80]!r}")
        self.received()
        self.report(state, force_update=self.force_update)
        # Sensors that only ever say "on" (motion, RF buttons) go back to "off" by themselves.
        off_delay = as_number(self.config.get("off_delay")) if state == "on" else None
        self.later("off", off_delay, lambda: self.report("off"))


class Sensor(HaEntity):
    domain = "sensor"
    required = ("state_topic",)
    reads = frozenset(
        {
            *("state_topic", "value_template", "unit_of_measurement", "state_class"),
            *("options", "expire_after", "force_update"),
            "suggested_display_precision",  # how a dashboard rounds it: not the state
        }
    )
    blocked_json_attributes = frozenset({"last_reset", "state_class"})

    def attributes(self) -> dict[str, Any]:
        return {
            key: self.config[key]
            for key in ("unit_of_measurement", "state_class", "options")
            if self.config.get(key) is not None
        }

    def state_topics(self) -> dict[str, StateHandler]:
        return {self.config["state_topic"]: self._on_state}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value in ("", "None"):
            value = STATE_UNKNOWN
        elif self.config.get("unit_of_measurement") and as_number(value) is None:
            raise PayloadError(f"a sensor with a unit needs a number, got {value[:80]!r}")
        self.received()
        self.report(value, force_update=self.force_update)


class Button(HaEntity):
    domain = "button"
    required = ("command_topic",)
    reads = frozenset({"command_topic", "command_template", "payload_press", "retain"})

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service != "press":
            raise self.cannot(service)
        await self.send("command_topic", self.option("payload_press", "PRESS"), "command_template")
        self.report(self.ctx.now().isoformat())


class Number(HaEntity):
    domain = "number"
    required = ("command_topic",)
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "value_template"),
            *("min", "max", "step", "mode", "unit_of_measurement", "payload_reset"),
            *("optimistic", "retain"),
        }
    )

    def attributes(self) -> dict[str, Any]:
        attributes = {
            "min": self.option("min", 1),
            "max": self.option("max", 100),
            "step": self.option("step", 1),
            "mode": self.option("mode", "auto"),
        }
        if self.config.get("unit_of_measurement"):
            attributes["unit_of_measurement"] = self.config["unit_of_measurement"]
        return attributes

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value in ("", str(self.option("payload_reset", "None"))):
            self.report(STATE_UNKNOWN)
            return
        number = as_number(value)
        if number is None:
            raise PayloadError(f"expected a number, got {value[:80]!r}")
        self.report(_number_text(number))

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service != "set_value":
            raise self.cannot(service)
        value = float(data["value"])
        low, high = float(self.option("min", 1)), float(self.option("max", 100))
        if not low <= value <= high:
            raise ServiceValidationError(
                "number", service, "value", f"must be between {low:g} and {high:g}"
            )
        payload: float | int = int(value) if value.is_integer() else value
        await self.send("command_topic", payload, "command_template")
        if self.optimistic:
            self.report(_number_text(value))


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


class Select(HaEntity):
    domain = "select"
    required = ("command_topic", "options")
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "value_template"),
            *("options", "optimistic", "retain"),
        }
    )

    def attributes(self) -> dict[str, Any]:
        return {"options": [str(option) for option in self.config["options"]]}

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value in ("", "None"):
            self.report(STATE_UNKNOWN)
            return
        if value not in self.attributes()["options"]:
            raise PayloadError(f"{value[:80]!r} is not one of the options")
        self.report(value)

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service != "select_option":
            raise self.cannot(service)
        option = str(data["option"])
        if option not in self.attributes()["options"]:
            valid = ", ".join(self.attributes()["options"])
            raise ServiceValidationError("select", service, "option", f"must be one of {valid}")
        await self.send("command_topic", option, "command_template")
        if self.optimistic:
            self.report(option)


class Lock(HaEntity):
    domain = "lock"
    required = ("command_topic",)
    STATES: ClassVar[dict[str, tuple[str, str]]] = {
        "state_locked": ("LOCKED", "locked"),
        "state_unlocked": ("UNLOCKED", "unlocked"),
        "state_locking": ("LOCKING", "locking"),
        "state_unlocking": ("UNLOCKING", "unlocking"),
        "state_jammed": ("JAMMED", "jammed"),
        "state_open": ("OPEN", "open"),
        "state_opening": ("OPENING", "opening"),
    }
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "value_template"),
            *("payload_lock", "payload_unlock", "payload_open", "payload_reset"),
            *("optimistic", "retain", *STATES),
        }
    )

    def initial_state(self) -> str:
        return "unlocked" if self.optimistic else STATE_UNKNOWN

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        for key, (default, state) in self.STATES.items():
            if value == str(self.option(key, default)):
                self.report(state)
                return
        if value in ("", str(self.option("payload_reset", "None"))):
            self.report(STATE_UNKNOWN)
            return
        raise PayloadError(f"{value[:80]!r} is not a lock state")

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        payloads = {
            "lock": ("payload_lock", "LOCK", "locked"),
            "unlock": ("payload_unlock", "UNLOCK", "unlocked"),
            "open": ("payload_open", "OPEN", "open"),
        }
        if service not in payloads:
            raise self.cannot(service)
        key, default, state = payloads[service]
        await self.send("command_topic", self.option(key, default), "command_template")
        if self.optimistic:
            self.report(state)


class Cover(HaEntity):
    domain = "cover"
    STATES: ClassVar[dict[str, tuple[str, str]]] = {
        "state_open": ("open", "open"),
        "state_opening": ("opening", "opening"),
        "state_closed": ("closed", "closed"),
        "state_closing": ("closing", "closing"),
    }
    reads = frozenset(
        {
            *("command_topic", "state_topic", "value_template", "state_stopped"),
            *("payload_open", "payload_close", "payload_stop", "optimistic", "retain"),
            *("position_topic", "position_template", "position_open", "position_closed"),
            *("set_position_topic", "set_position_template", *STATES),
        }
    )

    @property
    def optimistic(self) -> bool:
        has_state = self.config.get("state_topic") or self.config.get("position_topic")
        return bool(self.config.get("optimistic", not has_state))

    def initial_state(self) -> str:
        return "closed" if self.optimistic else STATE_UNKNOWN

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("state_topic", self._on_state), ("position_topic", self._on_position)
        )

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        for key, (default, state) in self.STATES.items():
            if value == str(self.option(key, default)):
                self.report(state)
                return
        if value == str(self.option("state_stopped", "stopped")):
            position = self.current_attribute("current_position")
            self.report("closed" if position == 0 else "open")
            return
        if value in ("", "None"):
            self.report(STATE_UNKNOWN)
            return
        raise PayloadError(f"{value[:80]!r} is not a cover state")

    def _range(self) -> tuple[float, float]:
        return float(self.option("position_closed", 0)), float(self.option("position_open", 100))

    def _on_position(self, message: MqttMessage) -> None:
        value = self.render("position_template", message)
        raw = as_number(value)
        if raw is None:
            raise PayloadError(f"expected a position, got {value[:80]!r}")
        closed, opened = self._range()
        position = round(max(0.0, min(100.0, (raw - closed) * 100 / (opened - closed))))
        state = None
        if not self.config.get("state_topic"):
            state = "closed" if position == 0 else "open"
        self.report(state, {"current_position": position})

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "close_cover" if self.current in ("open", "opening") else "open_cover"
        simple = {
            "open_cover": ("payload_open", "OPEN", "open", 100),
            "close_cover": ("payload_close", "CLOSE", "closed", 0),
            "stop_cover": ("payload_stop", "STOP", None, None),
        }
        if service in simple:
            key, default, state, position = simple[service]
            await self.send("command_topic", self.option(key, default))
            if self.optimistic and state is not None:
                self.report(state, {"current_position": position})
            return
        if service == "set_cover_position":
            position = int(data["position"])
            closed, opened = self._range()
            raw = closed + position * (opened - closed) / 100
            value: float | int = int(raw) if float(raw).is_integer() else raw
            await self.send("set_position_topic", value, "set_position_template")
            if self.optimistic:
                state = "closed" if position == 0 else "open"
                self.report(state, {"current_position": position})
            return
        raise self.cannot(service)


class Climate(HaEntity):
    """The basic thermostat: a mode, a target temperature and the current temperature."""

    domain = "climate"
    DEFAULT_MODES: ClassVar[list[str]] = ["auto", "off", "cool", "heat", "dry", "fan_only"]
    reads = frozenset(
        {
            *("modes", "min_temp", "max_temp", "temp_step", "retain"),
            *("mode_state_topic", "mode_state_template", "mode_command_topic"),
            *("mode_command_template", "temperature_state_topic", "temperature_state_template"),
            *("temperature_command_topic", "temperature_command_template"),
            *("current_temperature_topic", "current_temperature_template"),
        }
    )

    def _modes(self) -> list[str]:
        return [str(mode) for mode in self.option("modes", self.DEFAULT_MODES)]

    def attributes(self) -> dict[str, Any]:
        return {
            "hvac_modes": self._modes(),
            "min_temp": self.option("min_temp", 7),
            "max_temp": self.option("max_temp", 35),
            "target_temp_step": self.option("temp_step", 1),
        }

    def initial_state(self) -> str:
        return "off" if not self.config.get("mode_state_topic") else STATE_UNKNOWN

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("mode_state_topic", self._on_mode),
            ("temperature_state_topic", self._on_target),
            ("current_temperature_topic", self._on_current),
        )

    def _on_mode(self, message: MqttMessage) -> None:
        value = self.render("mode_state_template", message)
        if value not in self._modes():
            raise PayloadError(f"{value[:80]!r} is not one of the modes")
        self.report(value)

    def _temperature(self, template_key: str, message: MqttMessage) -> float:
        value = self.render(template_key, message)
        number = as_number(value)
        if number is None:
            raise PayloadError(f"expected a temperature, got {value[:80]!r}")
        return number

    def _on_target(self, message: MqttMessage) -> None:
        target = self._temperature("temperature_state_template", message)
        self.report(attributes={"temperature": target})

    def _on_current(self, message: MqttMessage) -> None:
        current = self._temperature("current_temperature_template", message)
        self.report(attributes={"current_temperature": current})

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        mode = data.get("hvac_mode")
        if service == "turn_off":
            mode = "off"
        elif service == "turn_on":
            mode = next((m for m in self._modes() if m != "off"), None)
        elif service not in ("set_hvac_mode", "set_temperature"):
            raise self.cannot(service)
        if mode is not None:
            if mode not in self._modes():
                raise ServiceValidationError(
                    "climate", service, "hvac_mode", f"not in {self._modes()}"
                )
            await self.send("mode_command_topic", mode, "mode_command_template")
            if not self.config.get("mode_state_topic"):
                self.report(str(mode))
        if data.get("temperature") is not None:
            temperature = float(data["temperature"])
            await self.send(
                "temperature_command_topic", temperature, "temperature_command_template"
            )
            if not self.config.get("temperature_state_topic"):
                self.report(attributes={"temperature": temperature})


class DeviceTracker(HaEntity):
    domain = "device_tracker"
    reads = frozenset(
        {
            *("state_topic", "value_template", "payload_home", "payload_not_home"),
            *("payload_reset", "source_type"),
        }
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        if not self.config.get("state_topic") and not self.config.get("json_attributes_topic"):
            raise PayloadError("device_tracker needs 'state_topic' or 'json_attributes_topic'")

    def attributes(self) -> dict[str, Any]:
        return {"source_type": self.option("source_type", "gps")}

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value == str(self.option("payload_home", "home")):
            self.report("home")
        elif value == str(self.option("payload_not_home", "not_home")):
            self.report("not_home")
        elif value in ("", "None", str(self.option("payload_reset", "None"))):
            self.report(STATE_UNKNOWN)
        else:
            self.report(value)  # a zone name
