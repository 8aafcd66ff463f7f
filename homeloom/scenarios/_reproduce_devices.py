"""Scene rules for devices with settings: lights, covers, media players, climates and more."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeloom.orchestrator import State

from ._reproduce_base import _LOGGER, _ON_OFF, Call, Rule, WantedState, _already, _Job, _refused

__all__ = ["DEVICE_RULES", "reproduce_media_player"]


_LIGHT_PLAIN = ("brightness", "effect")
_LIGHT_COLORS = ("hs_color", "color_temp", "rgb_color", "rgbw_color", "rgbww_color", "xy_color")
# The service parameter and the state attribute that hold the color of each color mode.
_COLOR_MODE_PARAMETERS = {
    "color_temp": ("color_temp", "color_temp"),
    "hs": ("hs_color", "hs_color"),
    "rgb": ("rgb_color", "rgb_color"),
    "rgbw": ("rgbw_color", "rgbw_color"),
    "rgbww": ("rgbww_color", "rgbww_color"),
    "white": ("white", "brightness"),
    "xy": ("xy_color", "xy_color"),
}


async def _light(job: _Job) -> None:
    wanted = job.wanted.attributes
    if _refused(job, _ON_OFF):
        return
    wanted_mode = wanted.get("color_mode", "unknown")
    same_mode = wanted_mode == "unknown" or job.current.attributes.get("color_mode") == wanted_mode
    if same_mode and _already(job, *_LIGHT_PLAIN, *_LIGHT_COLORS):
        return
    data: dict[str, Any] = {} if job.transition is None else {"transition": job.transition}
    if job.wanted.state == "off":
        await job.call("turn_off", data)
        return
    data.update({name: wanted[name] for name in _LIGHT_PLAIN if wanted.get(name) is not None})
    if wanted_mode != "unknown":
        if (parameter := _COLOR_MODE_PARAMETERS.get(wanted_mode)) is not None:
            if wanted.get(parameter[1]) is None:
                _LOGGER.warning("Color mode %s without %s", wanted_mode, parameter[1])
                return
            data[parameter[0]] = wanted[parameter[1]]
    else:  # the first color given, in Home Assistant's order
        color = next((name for name in _LIGHT_COLORS if wanted.get(name) is not None), None)
        if color is not None:
            data[color] = wanted[color]
    await job.call("turn_on", data)


async def _cover(job: _Job) -> None:
    if _refused(job, ("open", "opening", "closed", "closing")):
        return
    if _already(job, "current_position", "current_tilt_position"):
        return
    wanted, current = job.wanted.attributes, job.current.attributes
    if not _already(job, "current_position"):
        if job.wanted.state in ("closed", "closing"):
            await job.call("close_cover", {})
        elif "current_position" in current and "current_position" in wanted:
            await job.call("set_cover_position", {"position": wanted["current_position"]})
        else:
            await job.call("open_cover", {})
    tilt = wanted.get("current_tilt_position")
    if "current_tilt_position" in wanted and "current_tilt_position" in current:
        if tilt == current["current_tilt_position"]:
            return
        if tilt == 100:
            await job.call("open_cover_tilt", {})
        elif tilt == 0:
            await job.call("close_cover_tilt", {})
        else:
            await job.call("set_cover_tilt_position", {"tilt_position": tilt})


_MEDIA_FEATURES = {  # Home Assistant's media player feature bits
    "pause": 1,
    "volume_set": 4,
    "volume_mute": 8,
    "turn_on": 128,
    "turn_off": 256,
    "play_media": 512,
    "select_source": 2048,
    "stop": 4096,
    "play": 16384,
    "select_sound_mode": 65536,
}


async def reproduce_media_player(
    wanted: WantedState, call_service: Call, current: Callable[[], State | None]
) -> None:
    """Never skipped, even when the player is missing: each step it supports (its
    ``supported_features``, read again after turning it on) in turn."""

    def supports(feature: str) -> bool:
        state = current()
        return state is not None and bool(
            int(state.attributes["supported_features"]) & _MEDIA_FEATURES[feature]
        )

    async def call(service: str, *keys: str) -> None:
        given = {key: wanted.attributes[key] for key in keys if key in wanted.attributes}
        await call_service(service, given)

    if wanted.state == "off":
        if supports("turn_off"):
            await call("turn_off")
        return
    if wanted.state in ("buffering", "idle", "on", "paused", "playing") and supports("turn_on"):
        await call("turn_on")
    for attribute, service, feature in (
        ("source", "select_source", "select_source"),
        ("sound_mode", "select_sound_mode", "select_sound_mode"),
        ("volume_level", "volume_set", "volume_set"),
        ("is_volume_muted", "volume_mute", "volume_mute"),
    ):
        if attribute in wanted.attributes and supports(feature):
            await call(service, attribute)
    media = "media_content_type" in wanted.attributes and "media_content_id" in wanted.attributes
    if media and supports("play_media"):
        await call("play_media", "media_content_type", "media_content_id")
    if not media and wanted.state in ("buffering", "playing") and supports("play"):
        await call("media_play")
    elif wanted.state == "idle" and supports("stop"):
        await call("media_stop")
    elif wanted.state == "paused" and supports("pause"):
        await call("media_pause")


async def _fan(job: _Job) -> None:
    if _refused(job, _ON_OFF):
        return
    wanted, current = job.wanted.attributes, job.current.attributes
    calls: dict[str, dict[str, Any]] = {}
    if job.wanted.state == "on":
        speed = {"percentage": "set_percentage", "preset_mode": "set_preset_mode"}
        if job.current.state != "on":
            calls["turn_on"] = {k: wanted[k] for k in speed if wanted.get(k) is not None}
        else:
            for name, service in speed.items():
                if wanted.get(name) is not None and wanted[name] != current.get(name):
                    calls[service] = {name: wanted[name]}
        for name, service in (("direction", "set_direction"), ("oscillating", "oscillate")):
            if wanted.get(name) != current.get(name):
                calls[service] = {name: wanted.get(name)}
    elif job.current.state != "off":
        calls["turn_off"] = {}
    for service, data in calls.items():
        await job.call(service, data)


_CLIMATE_MODES = frozenset({"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"})


async def _climate(job: _Job) -> None:
    """Never skipped: the HVAC mode, then each setting the scene gives."""
    wanted = job.wanted.attributes

    async def call(service: str, keys: Iterable[str], data: dict[str, Any] | None = None) -> None:
        given = {key: wanted[key] for key in keys if wanted.get(key) is not None}
        await job.call(service, {**(data or {}), **given})

    if job.wanted.state in _CLIMATE_MODES:
        await call("set_hvac_mode", (), {"hvac_mode": job.wanted.state})
    if "aux_heat" in wanted:
        await call("set_aux_heat", ("aux_heat",))
    temperatures = ("temperature", "target_temp_high", "target_temp_low")
    if any(name in wanted for name in temperatures):
        await call("set_temperature", temperatures)
    for name in ("preset_mode", "swing_mode", "fan_mode"):
        if wanted.get(name) is not None:
            await call(f"set_{name}", (name,))
    if "humidity" in wanted:
        await call("set_humidity", ("humidity",))


_VACUUM_SERVICES = {
    "on": "turn_on",
    "off": "turn_off",
    "cleaning": "start",
    "docked": "return_to_base",
    "returning": "return_to_base",
    "idle": "stop",
    "paused": "pause",
}


async def _vacuum(job: _Job) -> None:
    if _refused(job, _VACUUM_SERVICES) or _already(job, "fan_speed"):
        return
    if not _already(job):
        await job.call(_VACUUM_SERVICES[job.wanted.state], {})
    if job.current.attributes.get("fan_speed") != job.wanted.attributes.get("fan_speed"):
        # A scene without the fan speed of a vacuum that has one fails here, as in
        # Home Assistant (which reads the missing attribute).
        await job.call("set_fan_speed", {"fan_speed": job.wanted.attributes["fan_speed"]})


_WATER_HEATER_STATES = frozenset(
    {"eco", "electric", "gas", "heat_pump", "high_demand", "off", "on", "performance"}
)


async def _water_heater(job: _Job) -> None:
    """Its state (turn_on, turn_off, or set_operation_mode), then the temperature and
    the away mode the scene gives (none skipped for missing)."""
    if _refused(job, _WATER_HEATER_STATES) or _already(job, "temperature", "away_mode"):
        return
    state = job.wanted.state
    if not _already(job):
        if state in _ON_OFF:
            await job.call(f"turn_{state}", {})
        else:
            await job.call("set_operation_mode", {"operation_mode": state})
    for name, service in (("temperature", "set_temperature"), ("away_mode", "set_away_mode")):
        value = job.wanted.attributes.get(name)
        if value is not None and value != job.current.attributes.get(name):
            await job.call(service, {name: value})


async def _humidifier(job: _Job) -> None:
    """Off: turn_off unless off. On: turn_on unless on, then (read again, as turning it
    on may change them) the mode, then the humidity, each given and different."""
    wanted = job.wanted.attributes
    if job.wanted.state == "off":
        if job.current.state != "off":
            await job.call("turn_off", {})
        return
    if _refused(job, ("on",)):
        return
    current = job.current
    if current.state != "on":
        await job.call("turn_on", {})
        if (read := job.read_again()) is None:
            _LOGGER.warning("Unable to find entity %s", job.wanted.entity_id)
            return
        current = read
    for name, service in (("mode", "set_mode"), ("humidity", "set_humidity")):
        if name in wanted and wanted[name] != current.attributes.get(name):
            await job.call(service, {name: wanted[name]})


DEVICE_RULES: dict[str, Rule] = {
    "light": _light,
    "cover": _cover,
    "fan": _fan,
    "climate": _climate,
    "vacuum": _vacuum,
    "water_heater": _water_heater,
    "humidifier": _humidifier,
}
