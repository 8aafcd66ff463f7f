"""Shelly components (``switch:0``, ``light:0``, ``rgb:0``, ``rgbw:0``, ``cover:0``) as
homeloom entities.

Pure translation, no I/O: a component's status becomes a state and attributes,
a homeloom command becomes an RPC method and its params. Malformed values
raise ``ValueError`` so the caller can log the message and keep going.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeloom.orchestrator import normalize_light_command

from .._scales import brightness_from_level, brightness_to_level

__all__ = ["KINDS", "Component", "command_call", "parse_key", "power_state", "status_state"]

#: Shelly component kind -> homeloom domain.
KINDS = {"switch": "switch", "light": "light", "rgb": "light", "rgbw": "light", "cover": "cover"}
_RPC = {"switch": "Switch", "light": "Light", "rgb": "RGB", "rgbw": "RGBW", "cover": "Cover"}
_COLOURED = ("rgb", "rgbw")
SHELLY_LEVEL_MAX = 100  # Shelly brightness runs 0-100
_COVER_MOVES = {
    "open_cover": "Cover.Open",
    "close_cover": "Cover.Close",
    "stop_cover": "Cover.Stop",
}
_COVER_MOVING = {"opening": "opening", "closing": "closing", "open": "open", "closed": "closed"}


@dataclass(frozen=True, slots=True)
class Component:
    """One controllable component of a device, e.g. the second relay (``switch:1``)."""

    kind: str
    index: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.index}"

    @property
    def domain(self) -> str:
        return KINDS[self.kind]

    @property
    def rpc(self) -> str:
        """The RPC namespace: ``Switch``, ``Light``, ``RGB``, ``RGBW``, ``Cover``."""
        return _RPC[self.kind]


def parse_key(key: str) -> Component | None:
    """``switch:0`` as a component; None for what homeloom does not model (``sys``, ``wifi``)."""
    kind, sep, index = key.partition(":")
    if not sep or kind not in KINDS or not index.isdigit():
        return None
    return Component(kind, int(index))


def _flag(status: Mapping[str, Any], name: str) -> bool:
    value = status.get(name)
    if not isinstance(value, bool):
        raise ValueError(f"{name} is {value!r}, expected true or false")
    return value


def _number(status: Mapping[str, Any], name: str) -> float | None:
    value = status.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} is {value!r}, expected a number")
    return float(value)


def status_state(component: Component, status: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A component's (merged) status as a homeloom state and attributes."""
    if component.kind == "switch":
        return ("on" if _flag(status, "output") else "off"), {}
    if component.kind == "light":
        on = _flag(status, "output")
        level = _number(status, "brightness")
        brightness = brightness_from_level(level, SHELLY_LEVEL_MAX) if level is not None else None
        return ("on" if on else "off"), {
            "brightness": brightness if on else None,
            "color_mode": "brightness" if on else None,
            "supported_color_modes": ["brightness"],
        }
    if component.kind in _COLOURED:
        return _coloured_state(component, status)
    position = _number(status, "current_pos")
    raw = status.get("state")
    if not isinstance(raw, str):
        raise ValueError(f"state is {raw!r}, expected a cover state")
    state = _COVER_MOVING.get(raw)
    if state is None:  # stopped, calibrating: say where it is
        state = "unknown" if position is None else ("closed" if position <= 0 else "open")
    attributes: dict[str, Any] = {"current_position": None if position is None else round(position)}
    slats = _number(status, "slat_pos")  # only with slat control (venetian blinds)
    if slats is not None:
        attributes["current_tilt_position"] = round(slats)
    return state, attributes


def _channels(status: Mapping[str, Any]) -> list[int]:
    value = status.get("rgb")
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in value)
    ):
        raise ValueError(f"rgb is {value!r}, expected three whole numbers")
    return [max(0, min(255, c)) for c in value]


def _coloured_state(component: Component, status: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    on = _flag(status, "output")
    level = _number(status, "brightness")
    brightness = brightness_from_level(level, SHELLY_LEVEL_MAX) if level is not None else None
    mode = component.kind  # "rgb" or "rgbw", as Home Assistant names the colour modes
    colour: list[int] = _channels(status)
    if mode == "rgbw":
        white = _number(status, "white")
        colour = [*colour, max(0, min(255, round(white or 0)))]
    return ("on" if on else "off"), {
        "brightness": brightness if on else None,
        "color_mode": mode if on else None,
        f"{mode}_color": colour if on else None,
        "supported_color_modes": [mode],
    }


def _coloured_call(
    component: Component, data: Mapping[str, Any], status: Mapping[str, Any]
) -> dict[str, Any]:
    current = status.get("brightness")
    known = (
        brightness_from_level(current, SHELLY_LEVEL_MAX)
        if isinstance(current, int | float) and not isinstance(current, bool)
        else None
    )
    command = normalize_light_command({k: v for k, v in data.items() if v is not None}, known)
    params: dict[str, Any] = {"id": component.index, "on": True}
    if "brightness" in command:
        level = int(brightness_to_level(float(command["brightness"]), SHELLY_LEVEL_MAX))
        params["on"] = level > 0
        if level > 0:
            params["brightness"] = level
    colour = command.get("rgbw_color") or command.get("rgb_color")
    if colour is not None:
        channels = [max(0, min(255, int(c))) for c in colour]
        if len(channels) not in (3, 4):
            raise ValueError(f"a colour has 3 or 4 channels, got {colour!r}")
        params["rgb"] = channels[:3]
        if component.kind == "rgbw" and len(channels) == 4:
            params["white"] = channels[3]
    if "transition" in command:
        params["transition_duration"] = max(0.0, float(command["transition"]))
    return params


def power_state(status: Mapping[str, Any]) -> str | None:
    """The active power a component measures (``apower``, W), if it measures it."""
    value = _number(status, "apower")
    return None if value is None else f"{value:.1f}"


def command_call(
    component: Component,
    service: str,
    data: Mapping[str, Any],
    status: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """The RPC (method, params) that carries out ``service`` on ``component``.

    Raises ``ValueError`` for a command the component cannot take.
    """
    params: dict[str, Any] = {"id": component.index}
    if component.kind in ("switch", "light", *_COLOURED) and service == "toggle":
        return f"{component.rpc}.Toggle", params
    if component.kind in _COLOURED and service == "turn_off":
        return f"{component.rpc}.Set", {**params, "on": False}
    if component.kind in _COLOURED and service == "turn_on":
        return f"{component.rpc}.Set", _coloured_call(component, data, status)
    if component.kind == "switch" and service in ("turn_on", "turn_off"):
        return "Switch.Set", {**params, "on": service == "turn_on"}
    if component.kind == "light" and service == "turn_off":
        return "Light.Set", {**params, "on": False}
    if component.kind == "light" and service == "turn_on":
        current = status.get("brightness")
        known = (
            brightness_from_level(current, SHELLY_LEVEL_MAX)
            if isinstance(current, int | float)
            else None
        )
        command = normalize_light_command({k: v for k, v in data.items() if v is not None}, known)
        params["on"] = True
        if "brightness" in command:
            level = int(brightness_to_level(float(command["brightness"]), SHELLY_LEVEL_MAX))
            params["on"] = level > 0
            if level > 0:
                params["brightness"] = level
        return "Light.Set", params
    if component.kind == "cover":
        simple = {
            "open_cover": "Cover.Open",
            "close_cover": "Cover.Close",
            "stop_cover": "Cover.Stop",
        }
        if service in simple:
            return simple[service], params
        if service == "set_cover_position":
            return "Cover.GoToPosition", {**params, "pos": round(float(data["position"]))}
        tilt = {"open_cover_tilt": 100, "close_cover_tilt": 0}.get(service)
        if service == "set_cover_tilt_position":
            tilt = round(float(data["tilt_position"]))
        if tilt is not None:
            if not isinstance(status.get("slat_pos"), int | float):
                raise ValueError(f"{component.key} has no slat control")
            return "Cover.GoToPosition", {**params, "slat_pos": tilt}
        if service == "toggle":
            position = status.get("current_pos")
            opening = isinstance(position, int | float) and position <= 0
            return ("Cover.Open" if opening else "Cover.Close"), params
    raise ValueError(f"{component.key} cannot {service}")
