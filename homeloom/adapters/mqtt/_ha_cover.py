"""Home Assistant MQTT covers: open/close/stop, a position and a tilt, each in the device's
own range (``position_closed``..``position_open``, ``tilt_min``..``tilt_max``), as Home
Assistant 2024.3's ``mqtt`` cover reads and commands them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ServiceValidationError

from ._ha_entity import HaEntity, StateHandler
from ._router import MqttMessage
from ._values import PayloadError, as_number, parse_json

__all__ = ["Cover"]

# Home Assistant's CoverEntityFeature bits.
_OPEN, _CLOSE, _SET_POSITION, _STOP = 1, 2, 4, 8
_TILT = 16 | 32 | 64 | 128  # open, close, stop and set the tilt
_SET_TILT_POSITION = 128
# Each service and the feature it needs (Home Assistant skips, or refuses when named,
# an entity without it).
_NEEDS = {
    "open_cover": _OPEN,
    "close_cover": _CLOSE,
    "stop_cover": _STOP,
    "toggle": _OPEN | _CLOSE,
    "set_cover_position": _SET_POSITION,
    "open_cover_tilt": 16,
    "close_cover_tilt": 32,
    "stop_cover_tilt": 64,
    "set_cover_tilt_position": _SET_TILT_POSITION,
    "toggle_cover_tilt": 16 | 32,
}


def to_percent(low: float, high: float, value: float) -> int:
    """A device value in ``low``..``high`` as 0-100, floored as Home Assistant's
    ``ranged_value_to_percentage`` does (the range may run backwards)."""
    return int((value - low) * 100 // (high - low))


def from_percent(low: float, high: float, percent: float) -> int:
    """0-100 as a device value in ``low``..``high``, rounded half to even (Python's round)."""
    return round(percent * (high - low) / 100 + low)


class Cover(HaEntity):
    domain = "cover"
    reads = frozenset(
        {
            *("command_topic", "state_topic", "value_template", "optimistic", "retain"),
            *("payload_open", "payload_close", "payload_stop"),
            *("state_open", "state_opening", "state_closed", "state_closing", "state_stopped"),
            *("position_topic", "position_template", "position_open", "position_closed"),
            *("set_position_topic", "set_position_template"),
            *("tilt_command_topic", "tilt_command_template", "tilt_status_topic"),
            *("tilt_status_template", "tilt_min", "tilt_max", "tilt_closed_value"),
            *("tilt_opened_value", "tilt_optimistic"),
        }
    )
    blocked_json_attributes = frozenset({"current_position", "current_tilt_position"})

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        for template, topic in (
            ("value_template", "state_topic"),
            ("position_template", "position_topic"),
            ("set_position_template", "set_position_topic"),
            ("tilt_command_template", "tilt_command_topic"),
            ("tilt_status_template", "tilt_status_topic"),
            ("set_position_topic", "position_topic"),
        ):
            if template in self.config and topic not in self.config:
                raise PayloadError(f"{template!r} must be set together with {topic!r}")
        config = self.config
        self.position_range = (
            int(self.option("position_closed", 0)),
            int(self.option("position_open", 100)),
        )
        self.tilt_range = (int(self.option("tilt_min", 0)), int(self.option("tilt_max", 100)))
        self.tilt_closed = to_percent(*self.tilt_range, int(self.option("tilt_closed_value", 0)))
        self.tilt_opened = to_percent(*self.tilt_range, int(self.option("tilt_opened_value", 100)))
        # Optimistic only when nothing of the cover reports back (or when asked to be).
        reports = ("state_topic", "position_topic", "tilt_status_topic")
        self.assumes = bool(config.get("optimistic", False)) or not any(
            key in config for key in reports
        )
        has_tilt = "tilt_status_topic" in config
        self.tilt_assumes = bool(config.get("tilt_optimistic", False)) or not has_tilt
        self.last_toggle_opened = True  # Home Assistant's starting toggle direction

    @property
    def optimistic(self) -> bool:
        return self.assumes

    @property
    def features(self) -> int:
        features = 0
        if self.config.get("command_topic"):
            for key, default, bit in (
                ("payload_open", "OPEN", _OPEN),
                ("payload_close", "CLOSE", _CLOSE),
                ("payload_stop", "STOP", _STOP),
            ):
                # An explicit null payload turns the feature off.
                if self.config.get(key, default) is not None:
                    features |= bit
        if self.config.get("set_position_topic"):
            features |= _SET_POSITION
        if self.config.get("tilt_command_topic"):
            features |= _TILT
        return features

    def attributes(self) -> dict[str, Any]:
        return {"supported_features": self.features}

    def _variables(self) -> dict[str, Any]:
        """What the position and tilt templates see besides the payload."""
        return {
            "entity_id": self.entity_id,
            "position_open": self.position_range[1],
            "position_closed": self.position_range[0],
            "tilt_min": self.tilt_range[0],
            "tilt_max": self.tilt_range[1],
        }

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("position_topic", self._on_position),
            ("state_topic", self._on_state),
            ("tilt_status_topic", self._on_tilt),
        )

    # --- state messages (an empty value is ignored, as Home Assistant does) --------------

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("value_template", message)
        if not value:
            return
        if value == str(self.option("state_stopped", "stopped")):
            if self.config.get("position_topic"):
                closed = self.current_attribute("current_position") == 0
            else:
                closed = self.current in ("closed", "closing")
            self._report_state("closed" if closed else "open")
            return
        for state in ("opening", "closing", "open", "closed"):
            if value == str(self.option(f"state_{state}", state)):
                self._report_state(state)
                return
        raise PayloadError(f"{value[:80]!r} is not a cover state")

    def _report_state(self, state: str | None, attributes: Mapping[str, Any] | None = None) -> None:
        if state in ("opening", "closing"):
            self.last_toggle_opened = state == "opening"
        self.report(state, attributes)

    def _on_position(self, message: MqttMessage) -> None:
        text = self.ctx.templates.render(
            self.config.get("position_template"), message.value, self._variables()
        )
        if not text:
            return
        value: Any = text
        try:
            parsed = parse_json(text)
        except PayloadError:
            parsed = None
        if isinstance(parsed, Mapping) and parsed:
            if "position" not in parsed:
                raise PayloadError("the position template gave JSON without 'position'")
            if "tilt_position" in parsed:
                if not self.config.get("tilt_optimistic"):
                    self.tilt_assumes = False  # the device reports its tilt after all
                self._tilt(parsed["tilt_position"])
            value = parsed["position"]
        raw = as_number(value)
        if raw is None:
            raise PayloadError(f"the position {str(value)[:80]!r} is not a number")
        position = min(100, max(0, to_percent(*self.position_range, raw)))
        state = None
        if not self.config.get("state_topic"):
            state = "closed" if position == 0 else "open"
        self._report_state(state, {"current_position": position})

    def _on_tilt(self, message: MqttMessage) -> None:
        text = self.ctx.templates.render(
            self.config.get("tilt_status_template"), message.value, self._variables()
        )
        if text:
            self._tilt(text)

    def _tilt(self, value: Any) -> None:
        raw = as_number(value)
        if raw is None:
            raise PayloadError(f"the tilt {str(value)[:80]!r} is not a number")
        tilt = round(raw)
        low, high = self.tilt_range
        if not (low <= tilt <= high or high <= tilt <= low):
            raise PayloadError(f"the tilt {tilt} is outside {low}..{high}")
        self.report(attributes={"current_tilt_position": to_percent(low, high, tilt)})

    # --- commands ------------------------------------------------------------------------

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        needed = _NEEDS.get(service)
        if needed is None or self.features & needed != needed:
            raise ServiceValidationError(
                "cover", service, "", f"Entity {self.entity_id} does not support this service."
            )
        if service == "toggle":
            service = self._toggle_service()
        if service == "toggle_cover_tilt":
            tilt = self.current_attribute("current_tilt_position")
            closed = tilt is not None and tilt <= self.tilt_closed
            service = "open_cover_tilt" if closed else "close_cover_tilt"
        if service in ("open_cover", "close_cover", "stop_cover"):
            await self._move(service)
        elif service == "set_cover_position":
            await self._set_position(int(data["position"]))
        elif service in ("open_cover_tilt", "close_cover_tilt"):
            opening = service == "open_cover_tilt"
            raw = int(
                self.option(
                    "tilt_opened_value" if opening else "tilt_closed_value", 100 if opening else 0
                )
            )
            await self._send_tilt(raw, raw, self.tilt_opened if opening else self.tilt_closed)
        elif service == "set_cover_tilt_position":
            percent = int(data["tilt_position"])
            await self._send_tilt(from_percent(*self.tilt_range, percent), percent, percent)
        else:
            # Home Assistant 2024.3's MQTT cover offers the feature but does not implement it.
            raise ServiceValidationError(
                "cover", service, "", f"{self.entity_id} cannot stop its tilt"
            )

    def _toggle_service(self) -> str:
        """Home Assistant's toggle: stop a moving cover that can stop, open a closed one,
        else go the other way than the last movement."""
        state = self.current
        if self.features & _STOP and state in ("opening", "closing"):
            return "stop_cover"
        if state == "closed":
            return "open_cover"
        if state in ("opening", "closing"):
            self.last_toggle_opened = state == "opening"
        return "close_cover" if self.last_toggle_opened else "open_cover"

    async def _move(self, service: str) -> None:
        key, default = {
            "open_cover": ("payload_open", "OPEN"),
            "close_cover": ("payload_close", "CLOSE"),
            "stop_cover": ("payload_stop", "STOP"),
        }[service]
        await self.send("command_topic", self.option(key, default))
        if not self.assumes or service == "stop_cover":
            return
        opened = service == "open_cover"
        attributes = None
        if self.config.get("position_topic"):
            attributes = {"current_position": 100 if opened else 0}
        self._report_state("open" if opened else "closed", attributes)

    async def _set_position(self, percent: int) -> None:
        variables = {**self._variables(), "position": percent}
        raw = from_percent(*self.position_range, percent)
        await self.send("set_position_topic", raw, "set_position_template", variables)
        if self.assumes:
            # Compared with the device's closed value, as Home Assistant 2024.3 does.
            closed = percent <= self.position_range[0]
            self._report_state("closed" if closed else "open", {"current_position": percent})

    async def _send_tilt(self, raw: int, template_tilt: int, shown: int) -> None:
        variables = {**self._variables(), "tilt_position": template_tilt}
        await self.send("tilt_command_topic", raw, "tilt_command_template", variables)
        if self.tilt_assumes:
            self.report(attributes={"current_tilt_position": shown})
