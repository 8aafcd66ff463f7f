"""Bringing entities to wanted states, domain by domain, as Home Assistant's scenes do.

Each domain has its own rules (Home Assistant's ``reproduce_state`` platforms): which
service and data reach a wanted state, which entities are left alone because they are
there already, which wanted states are refused. An entity that does not exist, or a
state its domain refuses, is skipped with a warning; a domain without rules is skipped
whole; a call that fails fails the scene. A group stands for its members: each is
brought to the group's wanted state by its own domain's rules.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from homeloom.orchestrator import Context, Runtime, State, split_entity_id

__all__ = ["WantedState", "reproduce_states"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class WantedState:
    """One entity of a scene: the state it should have and the attributes that go with it."""

    entity_id: str
    state: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return split_entity_id(self.entity_id)[0]


Call = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class _Job:
    """What a domain's rules need: the entity's wanted and current states, a way to call
    the domain's services on it, the scene's transition (lights only use it), and a way
    to read its state again once a call changed it (humidifiers only use it)."""

    wanted: WantedState
    current: State
    call: Call
    transition: float | None
    read_again: Callable[[], State | None]


_ON_OFF = frozenset({"on", "off"})


def _already(job: _Job, *attributes: str) -> bool:
    """Whether the entity has the wanted state and, for each attribute named, the same
    value (an attribute missing on one side and set on the other differs)."""
    current, wanted = job.current, job.wanted
    return current.state == wanted.state and all(
        current.attributes.get(name) == wanted.attributes.get(name) for name in attributes
    )


def _refused(job: _Job, valid: Iterable[str]) -> bool:
    if job.wanted.state in valid:
        return False
    _LOGGER.warning("Invalid state specified for %s: %s", job.wanted.entity_id, job.wanted.state)
    return True


async def _on_off(job: _Job) -> None:
    """switch, input_boolean, automation, remote, alert: turn_on or turn_off, unless
    already so."""
    if _refused(job, _ON_OFF) or _already(job):
        return
    await job.call("turn_on" if job.wanted.state == "on" else "turn_off", {})


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


async def _lock(job: _Job) -> None:
    if _refused(job, ("locked", "locking", "unlocked", "unlocking")) or _already(job):
        return
    await job.call("lock" if job.wanted.state in ("locked", "locking") else "unlock", {})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def _number(job: _Job) -> None:
    """input_number and number: set_value with the state's text, unless already so."""
    if _refused(job, (job.wanted.state,) if _is_number(job.wanted.state) else ()):
        return
    if not _already(job):
        await job.call("set_value", {"value": job.wanted.state})


async def _text(job: _Job) -> None:
    """input_text and text: set_value with the state's text, unless already so."""
    if not _already(job):
        await job.call("set_value", {"value": job.wanted.state})


async def _input_select(job: _Job) -> None:
    if _already(job, "option", "options"):
        return
    if "options" in job.wanted.attributes:
        await job.call("set_options", {"options": job.wanted.attributes["options"]})
    await job.call("select_option", {"option": job.wanted.state})


async def _select(job: _Job) -> None:
    if _refused(job, job.current.attributes.get("options") or ()) or _already(job):
        return
    await job.call("select_option", {"option": job.wanted.state})


def _parses(text: str, kind: type[date] | type[time] | type[datetime]) -> bool:
    try:
        kind.fromisoformat(text)
    except ValueError:
        return False
    return True


async def _input_datetime(job: _Job) -> None:
    has_date = bool(job.current.attributes.get("has_date"))
    has_time = bool(job.current.attributes.get("has_time"))
    kind, key = (
        (datetime, "datetime")
        if has_date and has_time
        else (date, "date")
        if has_date
        else (time, "time")
        if has_time
        else (None, "")
    )
    state = job.wanted.state
    if _refused(job, (state,) if kind is not None and _parses(state, kind) else ()):
        return
    if not _already(job):
        await job.call("set_datetime", {key: state})


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


async def _media_player(
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


# The service that arms, disarms or triggers an alarm panel, by the wanted state.
_ALARM_SERVICES = {
    "armed_away": "alarm_arm_away",
    "armed_custom_bypass": "alarm_arm_custom_bypass",
    "armed_home": "alarm_arm_home",
    "armed_night": "alarm_arm_night",
    "armed_vacation": "alarm_arm_vacation",
    "disarmed": "alarm_disarm",
    "triggered": "alarm_trigger",
}


async def _alarm_control_panel(job: _Job) -> None:
    if _refused(job, _ALARM_SERVICES) or _already(job):
        return
    await job.call(_ALARM_SERVICES[job.wanted.state], {})


_COUNTER_LIMITS = ("maximum", "minimum", "step")


async def _counter(job: _Job) -> None:
    """set_value with the state's text and the limits the scene gives, which counter's
    set_value refuses (as in Home Assistant, whose counter takes only the value)."""
    valid = (job.wanted.state,) if job.wanted.state.isdigit() else ()
    if _refused(job, valid) or _already(job, *_COUNTER_LIMITS):
        return
    data = {"value": job.wanted.state}
    data.update(
        (name, job.wanted.attributes[name])
        for name in _COUNTER_LIMITS
        if name in job.wanted.attributes
    )
    await job.call("set_value", data)


_TIMER_SERVICES = {"active": "start", "paused": "pause", "idle": "cancel"}


async def _timer(job: _Job) -> None:
    if _refused(job, _TIMER_SERVICES) or _already(job, "duration"):
        return
    data: dict[str, Any] = {}
    if job.wanted.state == "active" and "duration" in job.wanted.attributes:
        data["duration"] = job.wanted.attributes["duration"]
    await job.call(_TIMER_SERVICES[job.wanted.state], data)


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


_RULES: dict[str, Callable[[_Job], Awaitable[None]]] = {
    "light": _light,
    "switch": _on_off,
    "input_boolean": _on_off,
    "automation": _on_off,
    "remote": _on_off,
    "cover": _cover,
    "lock": _lock,
    "input_number": _number,
    "number": _number,
    "input_text": _text,
    "text": _text,
    "input_select": _input_select,
    "select": _select,
    "input_datetime": _input_datetime,
    "fan": _fan,
    "climate": _climate,
    "alarm_control_panel": _alarm_control_panel,
    "counter": _counter,
    "timer": _timer,
    "vacuum": _vacuum,
    "water_heater": _water_heater,
    "humidifier": _humidifier,
    "alert": _on_off,
}


async def reproduce_states(
    runtime: Runtime,
    states: Iterable[WantedState],
    context: Context,
    transition: float | None = None,
) -> None:
    """Call the services that bring each entity to its wanted state.

    Home Assistant runs domains, and the entities of a domain, side by side; as a
    call that returns at once (a device's, usually) never lets the next entity start
    before the previous one is done, they go one after the other here: domains in the
    order they first appear, their entities in order, then the groups' members. A
    failed entity does not stop the others; the first failure is raised at the end."""
    by_domain: dict[str, list[WantedState]] = {}
    for wanted in states:
        by_domain.setdefault(wanted.domain, []).append(wanted)
    failure: Exception | None = None
    groups = by_domain.pop("group", None)
    for domain, wanted_states in by_domain.items():
        if domain not in _RULES and domain != "media_player":
            _LOGGER.warning("Integration %s does not support reproduce state", domain)
            continue
        for wanted in wanted_states:
            try:
                await _reproduce_one(runtime, domain, wanted, context, transition)
            except Exception as err:  # raised again once the others are done
                failure = failure or err
    if groups is not None:
        # Last, all groups' members together: Home Assistant hands them back to this
        # same dispatch, which waits a moment before the first call, so the other
        # domains have made theirs.
        try:
            await reproduce_states(runtime, _group_members(runtime, groups), context, transition)
        except Exception as err:
            failure = failure or err
    if failure is not None:
        raise failure


async def _reproduce_one(
    runtime: Runtime,
    domain: str,
    wanted: WantedState,
    context: Context,
    transition: float | None,
) -> None:
    async def call(service: str, data: dict[str, Any]) -> None:
        target = {"entity_id": wanted.entity_id}
        await runtime.services.call(domain, service, data, target=target, context=context)

    if domain == "media_player":
        await _media_player(wanted, call, lambda: runtime.states.get(wanted.entity_id))
        return
    current = runtime.states.get(wanted.entity_id)
    if current is None:
        _LOGGER.warning("Unable to find entity %s", wanted.entity_id)
        return
    job = _Job(wanted, current, call, transition, lambda: runtime.states.get(wanted.entity_id))
    await _RULES[domain](job)


def _group_members(runtime: Runtime, groups: Iterable[WantedState]) -> list[WantedState]:
    """Each member of each group (its ``entity_id`` attribute; none for a group that
    does not exist), wanted in the group's state with the group's attributes."""
    members: list[WantedState] = []
    for group in groups:
        state = runtime.states.get(group.entity_id)
        member_ids = state.attributes.get("entity_id", ()) if state is not None else ()
        members += (WantedState(m, group.state, group.attributes) for m in member_ids)
    return members
