"""``state_translated``: a state as Home Assistant's English interface shows it.

A binary sensor's ``on`` is "Open" for a door and "Detected" for motion; a light's
``on`` is "On"; a person's ``not_home`` is "Away". The device class's word comes
first, then the domain's; a state neither knows (a sensor's number, an integration's
own states), ``unknown`` and ``unavailable`` are shown as they are.
"""

from __future__ import annotations

from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, Runtime, valid_entity_id

from ._template_defaults import TemplateValueError
from ._template_states import note_entity

__all__ = ["StateTranslated", "translate_state"]

_ON_OFF = {"on": "On", "off": "Off"}
_CLEAR = {"off": "Clear", "on": "Detected"}
_CLOSED_OPEN = {"off": "Closed", "on": "Open"}
_NORMAL = "Normal"
_MOVING = {
    "closed": "Closed",
    "closing": "Closing",
    "open": "Open",
    "opening": "Opening",
    "stopped": "Stopped",
}
_HOME_AWAY = {"home": "Home", "not_home": "Away"}

# By domain, then by device class ("_": any device class).
_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "binary_sensor": {
        "_": _ON_OFF,
        "battery": {"off": _NORMAL, "on": "Low"},
        "battery_charging": {"off": "Not charging", "on": "Charging"},
        "carbon_monoxide": _CLEAR,
        "cold": {"off": _NORMAL, "on": "Cold"},
        "connectivity": {"off": "Disconnected", "on": "Connected"},
        "door": _CLOSED_OPEN,
        "garage_door": _CLOSED_OPEN,
        "gas": _CLEAR,
        "heat": {"off": _NORMAL, "on": "Hot"},
        "light": {"off": "No light", "on": "Light detected"},
        "lock": {"off": "Locked", "on": "Unlocked"},
        "moisture": {"off": "Dry", "on": "Wet"},
        "motion": _CLEAR,
        "moving": {"off": "Not moving", "on": "Moving"},
        "occupancy": _CLEAR,
        "opening": _CLOSED_OPEN,
        "plug": {"off": "Unplugged", "on": "Plugged in"},
        "power": _CLEAR,
        "presence": {"off": "Away", "on": "Home"},
        "problem": {"off": "OK", "on": "Problem"},
        "running": {"off": "Not running", "on": "Running"},
        "safety": {"off": "Safe", "on": "Unsafe"},
        "smoke": _CLEAR,
        "sound": _CLEAR,
        "tamper": {"off": "Clear", "on": "Tampering detected"},
        "update": {"off": "Up-to-date", "on": "Update available"},
        "vibration": _CLEAR,
        "window": _CLOSED_OPEN,
    },
    **{
        domain: {"_": _ON_OFF}
        for domain in (
            "automation",
            "calendar",
            "fan",
            "humidifier",
            "input_boolean",
            "light",
            "remote",
            "schedule",
            "script",
            "sensor",
            "siren",
            "switch",
        )
    },
    "alarm_control_panel": {
        "_": {
            "armed": "Armed",
            "armed_away": "Armed away",
            "armed_custom_bypass": "Armed custom bypass",
            "armed_home": "Armed home",
            "armed_night": "Armed night",
            "armed_vacation": "Armed vacation",
            "arming": "Arming",
            "disarmed": "Disarmed",
            "disarming": "Disarming",
            "pending": "Pending",
            "triggered": "Triggered",
        }
    },
    "camera": {"_": {"idle": "Idle", "recording": "Recording", "streaming": "Streaming"}},
    "climate": {
        "_": {
            "auto": "Auto",
            "cool": "Cool",
            "dry": "Dry",
            "fan_only": "Fan only",
            "heat": "Heat",
            "heat_cool": "Heat/Cool",
            "off": "Off",
        }
    },
    "cover": {"_": _MOVING},
    "valve": {"_": _MOVING},
    "device_tracker": {"_": _HOME_AWAY},
    "person": {"_": _HOME_AWAY},
    "group": {
        "_": {
            **_ON_OFF,
            **_HOME_AWAY,
            "closed": "Closed",
            "open": "Open",
            "locked": "Locked",
            "unlocked": "Unlocked",
            "ok": "OK",
            "problem": "Problem",
        }
    },
    "lawn_mower": {
        "_": {"docked": "Docked", "error": "Error", "mowing": "Mowing", "paused": "Paused"}
    },
    "lock": {
        "_": {
            "jammed": "Jammed",
            "locked": "Locked",
            "locking": "Locking",
            "unlocked": "Unlocked",
            "unlocking": "Unlocking",
        }
    },
    "media_player": {
        "_": {
            **_ON_OFF,
            "buffering": "Buffering",
            "idle": "Idle",
            "paused": "Paused",
            "playing": "Playing",
            "standby": "Standby",
        }
    },
    "sun": {"_": {"above_horizon": "Above horizon", "below_horizon": "Below horizon"}},
    "timer": {"_": {"active": "Active", "idle": "Idle", "paused": "Paused"}},
    "update": {"_": {"off": "Up-to-date", "on": "Update available"}},
    "vacuum": {
        "_": {
            **_ON_OFF,
            "cleaning": "Cleaning",
            "docked": "Docked",
            "error": "Error",
            "idle": "Idle",
            "paused": "Paused",
            "returning": "Returning to dock",
        }
    },
    "water_heater": {
        "_": {
            "eco": "Eco",
            "electric": "Electric",
            "gas": "Gas",
            "heat_pump": "Heat Pump",
            "high_demand": "High Demand",
            "off": "Off",
            "performance": "Performance",
        }
    },
    "weather": {
        "_": {
            "clear-night": "Clear, night",
            "cloudy": "Cloudy",
            "exceptional": "Exceptional",
            "fog": "Fog",
            "hail": "Hail",
            "lightning": "Lightning",
            "lightning-rainy": "Lightning, rainy",
            "partlycloudy": "Partly cloudy",
            "pouring": "Pouring",
            "rainy": "Rainy",
            "snowy": "Snowy",
            "snowy-rainy": "Snowy, rainy",
            "sunny": "Sunny",
            "windy": "Windy",
            "windy-variant": "Windy, cloudy",
        }
    },
}


def translate_state(state: str, domain: str, device_class: Any) -> str:
    """The English word for ``state`` of an entity of ``domain`` and ``device_class``."""
    if state in ("unavailable", STATE_UNKNOWN):
        return state
    words = _WORDS.get(domain)
    if words is None:
        return state
    if device_class is not None:
        by_class = words.get(str(device_class))
        if by_class is not None and state in by_class:
            return by_class[state]
    return words["_"].get(state, state)


class StateTranslated:
    """``state_translated('binary_sensor.door')``: the state in words ("Open")."""

    __slots__ = ("_runtime",)

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def __call__(self, entity_id: Any) -> str:
        text = str(entity_id)
        note_entity(text.lower())
        state = self._runtime.states.get(text.lower())
        if state is None:
            if not valid_entity_id(text):
                raise TemplateValueError(f"Invalid entity ID '{text}'")
            return STATE_UNKNOWN
        return translate_state(state.state, state.domain, state.attributes.get("device_class"))

    def __repr__(self) -> str:
        return "<template StateTranslated>"
