"""Home Assistant MQTT discovery: switch, binary_sensor, sensor, button, number, select,
lock and device_tracker. Lights are in ``_ha_lights``, covers in ``_ha_cover``, thermostats
in ``_ha_climate`` (both also importable from here)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from homeloom.orchestrator import (
    STATE_UNKNOWN,
    ServiceValidationError,
    converted_temperature,
    numeric_state_expected,
    temperature_unit_in_house,
)

from ._ha_climate import Climate
from ._ha_cover import Cover
from ._ha_entity import HaEntity, StateHandler, on_off
from ._router import MqttMessage
from ._values import PayloadError, as_number, device_pattern, matches_in_time

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
            *("options", "expire_after", "force_update", "last_reset_value_template"),
            "suggested_display_precision",  # how a dashboard rounds it: not the state
        }
    )
    blocked_json_attributes = frozenset({"last_reset", "state_class"})

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # A temperature in the other one of °C and °F is shown in the house's unit, as
        # Home Assistant's sensor entity shows every sensor's.
        self.house_unit = temperature_unit_in_house(
            self.ctx.book.hub.settings.unit_system,
            _text_or_none(self.config.get("device_class")),
            _text_or_none(self.config.get("unit_of_measurement")),
        )

    def attributes(self) -> dict[str, Any]:
        shown = {
            key: self.config[key]
            for key in ("unit_of_measurement", "state_class", "options")
            if self.config.get(key) is not None
        }
        if self.house_unit is not None:
            shown["unit_of_measurement"] = self.house_unit
        return shown

    def state_topics(self) -> dict[str, StateHandler]:
        return {self.config["state_topic"]: self._on_state}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value in ("", "None"):
            value = STATE_UNKNOWN
        elif self._numeric and as_number(value) is None:
            raise PayloadError(f"this sensor needs a number, got {value[:80]!r}")
        elif self.house_unit is not None:
            rounded = self.config.get("suggested_display_precision") is None
            value = converted_temperature(value, self.house_unit, rounded=rounded) or value
        self.received()
        self.report(value, self._last_reset(message), force_update=self.force_update)

    @property
    def _numeric(self) -> bool:
        """Home Assistant refuses any other value of a sensor with a unit, a state class
        or a numeric device class."""
        return numeric_state_expected(
            _text_or_none(self.config.get("device_class")),
            _text_or_none(self.config.get("state_class")),
            _text_or_none(self.config.get("unit_of_measurement")),
        )

    def _last_reset(self, message: MqttMessage) -> dict[str, Any] | None:
        """``last_reset_value_template``: when a ``total`` meter last started from zero."""
        if "last_reset_value_template" not in self.config:
            return None
        text = self.render("last_reset_value_template", message)
        if not text:
            return None
        try:
            last_reset = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise PayloadError(f"last_reset {text[:80]!r} is not a date and time") from None
        if self.config.get("state_class") != "total":
            # Home Assistant refuses to write such a sensor's state at all.
            raise PayloadError("last_reset is only for a sensor with state_class 'total'")
        return {"last_reset": last_reset.isoformat()}


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


def _text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


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
    """A lock as Home Assistant 2024.3 has it: locked, unlocked, locking, unlocking or
    jammed (its MQTT lock has no open state: ``open`` leaves it unlocked)."""

    domain = "lock"
    required = ("command_topic",)
    # Each state option and its default payload.
    STATES: ClassVar[dict[str, str]] = {
        "state_jammed": "JAMMED",
        "state_locked": "LOCKED",
        "state_locking": "LOCKING",
        "state_unlocked": "UNLOCKED",
        "state_unlocking": "UNLOCKING",
    }
    reads = frozenset(
        {
            *("command_topic", "command_template", "state_topic", "value_template"),
            *("payload_lock", "payload_unlock", "payload_open", "payload_reset"),
            *("optimistic", "retain", "code_format", *STATES),
        }
    )
    blocked_json_attributes = frozenset({"changed_by", "code_format"})

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        code_format = self.config.get("code_format")
        try:
            self.code_pattern = device_pattern(str(code_format)) if code_format else None
        except PayloadError as err:
            raise PayloadError(f"code_format is {err}") from None
        # Home Assistant's four flags: the state is jammed, locking or unlocking when one is
        # set, else locked/unlocked/unknown from ``locked``.
        self.locked: bool | None = False if self.optimistic else None
        self.moving: str | None = None  # "jammed", "locking" or "unlocking"

    def attributes(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"supported_features": 1 if "payload_open" in self.config else 0}
        if self.code_pattern is not None:
            shown["code_format"] = self.code_pattern.pattern
        return shown

    def initial_state(self) -> str:
        return self._state()

    def _state(self) -> str:
        if self.moving is not None:
            return self.moving
        if self.locked is None:
            return STATE_UNKNOWN
        return "locked" if self.locked else "unlocked"

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if value == str(self.option("payload_reset", "None")):
            self.locked = None  # the other flags stay, as in Home Assistant
        else:
            payloads = {key: str(self.option(key, default)) for key, default in self.STATES.items()}
            if value not in payloads.values():
                raise PayloadError(f"{value[:80]!r} is not a lock state")
            self.locked = value == payloads["state_locked"]
            self.moving = next(
                (
                    key.removeprefix("state_")
                    for key in ("state_jammed", "state_locking", "state_unlocking")
                    if value == payloads[key]
                ),
                None,
            )
        self.report(self._state())

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        payloads = {
            "lock": ("payload_lock", "LOCK", True),
            "unlock": ("payload_unlock", "UNLOCK", False),
            "open": ("payload_open", None, False),
        }
        if service not in payloads or (service == "open" and "payload_open" not in self.config):
            raise ServiceValidationError(
                "lock", service, "", f"Entity {self.entity_id} does not support this service."
            )
        code = data.get("code") or None
        pattern = self.code_pattern
        if pattern is not None and not matches_in_time(pattern, str(code or "")):
            raise ServiceValidationError(
                "lock",
                service,
                "code",
                f"The code for {self.entity_id} doesn't match pattern {pattern.pattern}",
            )
        key, default, locked = payloads[service]
        await self.send(
            "command_topic", self.option(key, default), "command_template", {"code": code}
        )
        if self.optimistic:
            self.locked = locked
            self.report(self._state())


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
