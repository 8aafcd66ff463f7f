"""Device triggers, conditions and actions of the built-in domains, replayed through
``simulate``: each as the plain trigger, condition or service call Home Assistant
2024.3 makes of it (``components/<domain>/device_trigger.py``, ``device_condition.py``,
``device_action.py``). The shared oracle cannot run them (it has no device registry),
so the expected results come from reading Home Assistant's code, cited per row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.device_replay import NOTIFY, replay

WORK = {"state": "0", "attributes": {"latitude": 48.87, "longitude": 2.33, "radius": 200}}
AT_WORK = {"latitude": 48.8701, "longitude": 2.3301}
AWAY = {"latitude": 48.5, "longitude": 2.5}


def _offsets(result: dict[str, Any]) -> list[int]:
    return [round(call["offset_s"]) for call in result["calls"]]


def _at(attributes: dict[str, Any], state: str = "on") -> dict[str, Any]:
    return {"state": state, "attributes": attributes}


# (what, trigger, initial states, steps, offsets of the runs)
TRIGGERS: list[tuple[str, dict[str, Any], dict[str, Any], list[Any], list[int]]] = [
    # binary_sensor: the "on" side of a device class, no_/not_ the "off" side...
    (
        "binary_sensor motion is on",
        {"domain": "binary_sensor", "type": "motion", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "off"},
        [{"set": {"binary_sensor.b": "on"}}, {"set": {"binary_sensor.b": "off"}}],
        [0],
    ),
    # ... but a lock sensor is "on" when unlocked: ``locked`` is its "off".
    (
        "binary_sensor locked is off",
        {"domain": "binary_sensor", "type": "locked", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "on"},
        [{"set": {"binary_sensor.b": "off"}}, {"set": {"binary_sensor.b": "on"}}],
        [0],
    ),
    (
        "binary_sensor not_locked is on",
        {"domain": "binary_sensor", "type": "not_locked", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "off"},
        [{"set": {"binary_sensor.b": "on"}}],
        [0],
    ),
    (
        "binary_sensor not_opened for a minute",
        {"domain": "binary_sensor", "type": "not_opened", "entity_id": "binary_sensor.b"}
        | {"for": {"minutes": 1}},
        {"binary_sensor.b": "on"},
        [{"set": {"binary_sensor.b": "off"}}, {"advance": 60}],
        [60],
    ),
    # sensor: a numeric_state trigger on the state, with the limits and for as written.
    (
        "sensor temperature above",
        {"domain": "sensor", "type": "temperature", "entity_id": "sensor.t", "above": 26},
        {"sensor.t": "22"},
        [
            {"set": {"sensor.t": "27"}},
            {"set": {"sensor.t": "28"}},
            {"set": {"sensor.t": "20"}},
            {"set": {"sensor.t": "30"}},
        ],
        [0, 0],
    ),
    (
        "sensor humidity below for",
        {"domain": "sensor", "type": "humidity", "entity_id": "sensor.h", "below": 40}
        | {"for": {"seconds": 30}},
        {"sensor.h": "50"},
        [{"set": {"sensor.h": "35"}}, {"advance": 30}],
        [30],
    ),
    # toggle entities: turned_on/turned_off, and changed_states (to: null) that skips
    # a change of attributes alone.
    (
        "light turned_on",
        {"domain": "light", "type": "turned_on", "entity_id": "light.l"},
        {"light.l": "off"},
        [{"set": {"light.l": "on"}}, {"set": {"light.l": _at({"brightness": 9})}}],
        [0],
    ),
    (
        "light changed_states",
        {"domain": "light", "type": "changed_states", "entity_id": "light.l"},
        {"light.l": "off"},
        [
            {"set": {"light.l": "on"}},
            {"set": {"light.l": {"attributes": {"brightness": 9}}}},
            {"set": {"light.l": "off"}},
        ],
        [0, 0],
    ),
    (
        "switch turned_off for",
        {"domain": "switch", "type": "turned_off", "entity_id": "switch.s", "for": {"seconds": 10}},
        {"switch.s": "on"},
        [{"set": {"switch.s": "off"}}, {"advance": 10}],
        [10],
    ),
    (
        "fan turned_on",
        {"domain": "fan", "type": "turned_on", "entity_id": "fan.f"},
        {"fan.f": "off"},
        [{"set": {"fan.f": "on"}}],
        [0],
    ),
    (
        "update turned_on when an update is available",
        {"domain": "update", "type": "turned_on", "entity_id": "update.router_firmware"},
        {"update.router_firmware": "off"},
        [{"set": {"update.router_firmware": "on"}}, {"set": {"update.router_firmware": "off"}}],
        [0],
    ),
    (
        "remote turned_off",
        {"domain": "remote", "type": "turned_off", "entity_id": "remote.r"},
        {"remote.r": "on"},
        [{"set": {"remote.r": "off"}}],
        [0],
    ),
    # cover: its states, and its position as a numeric_state on the attribute with
    # both limits always there (a missing one is -1 or 101).
    (
        "cover opened",
        {"domain": "cover", "type": "opened", "entity_id": "cover.c"},
        {"cover.c": "closed"},
        [{"set": {"cover.c": "opening"}}, {"set": {"cover.c": "open"}}],
        [0],
    ),
    (
        "cover position above",
        {"domain": "cover", "type": "position", "entity_id": "cover.c", "above": 50},
        {"cover.c": _at({"current_position": 10}, "open")},
        [
            {"set": {"cover.c": _at({"current_position": 60}, "open")}},
            {"set": {"cover.c": _at({"current_position": 100}, "open")}},
        ],
        [0],
    ),
    (
        "cover tilt_position below",
        {"domain": "cover", "type": "tilt_position", "entity_id": "cover.c", "below": 20},
        {"cover.c": _at({"current_tilt_position": 50}, "open")},
        [{"set": {"cover.c": _at({"current_tilt_position": 5}, "open")}}],
        [0],
    ),
    (
        "lock jammed",
        {"domain": "lock", "type": "jammed", "entity_id": "lock.d"},
        {"lock.d": "locked"},
        [{"set": {"lock.d": "jammed"}}],
        [0],
    ),
    (
        "lock unlocked",
        {"domain": "lock", "type": "unlocked", "entity_id": "lock.d"},
        {"lock.d": "locked"},
        [{"set": {"lock.d": "unlocking"}}, {"set": {"lock.d": "unlocked"}}],
        [0],
    ),
    # climate: into a mode from another mode (not from unavailable), and the
    # current temperature attribute as a numeric_state.
    (
        # A leniency (docs/scenarios.md): 2024.3's schema refuses this for:, its code honours it.
        "climate hvac_mode_changed held for a while",
        {"domain": "climate", "type": "hvac_mode_changed", "entity_id": "climate.c"}
        | {"to": "cool", "for": {"minutes": 2}},
        {"climate.c": "heat"},
        [
            {"set": {"climate.c": "cool"}},
            {"advance": 60},
            {"set": {"climate.c": "heat"}},
            {"set": {"climate.c": "cool"}},
            {"advance": 300},
        ],
        [180],
    ),
    (
        "climate hvac_mode_changed",
        {"domain": "climate", "type": "hvac_mode_changed", "entity_id": "climate.c"}
        | {"to": "heat"},
        {"climate.c": "unavailable"},
        [
            {"set": {"climate.c": "heat"}},
            {"set": {"climate.c": "off"}},
            {"set": {"climate.c": "heat"}},
        ],
        [0],
    ),
    (
        "climate current_temperature_changed",
        {"domain": "climate", "type": "current_temperature_changed", "entity_id": "climate.c"}
        | {"above": 22},
        {"climate.c": _at({"current_temperature": 19}, "heat")},
        [{"set": {"climate.c": _at({"current_temperature": 23}, "heat")}}],
        [0],
    ),
    # humidifier: the target is the ``humidity`` attribute.
    (
        "humidifier target_humidity_changed",
        {"domain": "humidifier", "type": "target_humidity_changed", "entity_id": "humidifier.h"}
        | {"below": 40},
        {"humidifier.h": _at({"humidity": 50, "current_humidity": 30})},
        [{"set": {"humidifier.h": _at({"humidity": 35, "current_humidity": 30})}}],
        [0],
    ),
    (
        "media_player paused",
        {"domain": "media_player", "type": "paused", "entity_id": "media_player.m"},
        {"media_player.m": "playing"},
        [{"set": {"media_player.m": "paused"}}, {"set": {"media_player.m": "idle"}}],
        [0],
    ),
    (
        "vacuum docked",
        {"domain": "vacuum", "type": "docked", "entity_id": "vacuum.v"},
        {"vacuum.v": "returning"},
        [{"set": {"vacuum.v": "docked"}}],
        [0],
    ),
    (
        "alarm_control_panel armed_away",
        {
            "domain": "alarm_control_panel",
            "type": "armed_away",
            "entity_id": "alarm_control_panel.a",
        },
        {"alarm_control_panel.a": "arming"},
        [{"set": {"alarm_control_panel.a": "armed_away"}}],
        [0],
    ),
    # select: a state trigger with the to/from written.
    (
        "select current_option_changed to",
        {"domain": "select", "type": "current_option_changed", "entity_id": "select.s"}
        | {"to": "b"},
        {"select.s": "a"},
        [{"set": {"select.s": "c"}}, {"set": {"select.s": "b"}}],
        [0],
    ),
    # button: any change (the state is the time of the last press).
    (
        "button pressed",
        {"domain": "button", "type": "pressed", "entity_id": "button.b"},
        {"button.b": "2026-06-01T17:00:00+00:00"},
        [{"set": {"button.b": "2026-06-01T18:00:00+00:00"}}],
        [0],
    ),
    # device_tracker: a zone trigger, entering the zone by coordinates.
    (
        "device_tracker enters",
        {"domain": "device_tracker", "type": "enters", "entity_id": "device_tracker.p"}
        | {"zone": "zone.work"},
        {"zone.work": WORK, "device_tracker.p": _at(AWAY, "not_home")},
        [{"set": {"device_tracker.p": _at(AT_WORK, "Work")}}],
        [0],
    ),
    (
        "device_tracker leaves",
        {"domain": "device_tracker", "type": "leaves", "entity_id": "device_tracker.p"}
        | {"zone": "zone.work"},
        {"zone.work": WORK, "device_tracker.p": _at(AT_WORK, "Work")},
        [{"set": {"device_tracker.p": _at(AWAY, "not_home")}}],
        [0],
    ),
]


@pytest.mark.parametrize(
    ("trigger", "initial", "steps", "offsets"),
    [row[1:] for row in TRIGGERS],
    ids=[row[0] for row in TRIGGERS],
)
async def test_device_trigger(
    tmp_path: Path,
    trigger: dict[str, Any],
    initial: dict[str, Any],
    steps: list[Any],
    offsets: list[int],
) -> None:
    automation = {"trigger": {"platform": "device", "device_id": "d1", **trigger}, "action": NOTIFY}
    result = await replay(tmp_path, automation, initial, steps)
    assert not result["errors"], result["errors"]
    assert _offsets(result) == offsets


# (what, condition, the states, whether it holds)
CONDITIONS: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    (
        "switch is_on",
        {"domain": "switch", "type": "is_on", "entity_id": "switch.s"},
        {"switch.s": "on"},
        True,
    ),
    (
        "light is_off",
        {"domain": "light", "type": "is_off", "entity_id": "light.l"},
        {"light.l": "on"},
        False,
    ),
    ("fan is_on", {"domain": "fan", "type": "is_on", "entity_id": "fan.f"}, {"fan.f": "on"}, True),
    # A lock sensor: is_locked is "off", is_not_locked "on".
    (
        "binary_sensor is_locked",
        {"domain": "binary_sensor", "type": "is_locked", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "off"},
        True,
    ),
    (
        "binary_sensor is_open",
        {"domain": "binary_sensor", "type": "is_open", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "on"},
        True,
    ),
    (
        "binary_sensor is_no_motion",
        {"domain": "binary_sensor", "type": "is_no_motion", "entity_id": "binary_sensor.b"},
        {"binary_sensor.b": "on"},
        False,
    ),
    (
        "sensor is_temperature below",
        {"domain": "sensor", "type": "is_temperature", "entity_id": "sensor.t", "below": 20},
        {"sensor.t": "18.5"},
        True,
    ),
    (
        "cover is_position above",
        {"domain": "cover", "type": "is_position", "entity_id": "cover.c", "above": 50},
        {"cover.c": _at({"current_position": 40}, "open")},
        False,
    ),
    (
        "cover is_closing",
        {"domain": "cover", "type": "is_closing", "entity_id": "cover.c"},
        {"cover.c": "closing"},
        True,
    ),
    (
        "lock is_jammed",
        {"domain": "lock", "type": "is_jammed", "entity_id": "lock.d"},
        {"lock.d": "jammed"},
        True,
    ),
    (
        "climate is_hvac_mode",
        {
            "domain": "climate",
            "type": "is_hvac_mode",
            "entity_id": "climate.c",
            "hvac_mode": "cool",
        },
        {"climate.c": "cool"},
        True,
    ),
    (
        "climate is_preset_mode",
        {"domain": "climate", "type": "is_preset_mode", "entity_id": "climate.c"}
        | {"preset_mode": "eco"},
        {"climate.c": _at({"preset_mode": "away"}, "heat")},
        False,
    ),
    (
        "humidifier is_mode",
        {"domain": "humidifier", "type": "is_mode", "entity_id": "humidifier.h", "mode": "sleep"},
        {"humidifier.h": _at({"mode": "sleep"})},
        True,
    ),
    (
        "media_player is_playing",
        {"domain": "media_player", "type": "is_playing", "entity_id": "media_player.m"},
        {"media_player.m": "paused"},
        False,
    ),
    # is_not_home is ``not is_home``: a tracker in another zone is not home.
    (
        "device_tracker is_not_home in a zone",
        {"domain": "device_tracker", "type": "is_not_home", "entity_id": "device_tracker.p"},
        {"device_tracker.p": "work"},
        True,
    ),
    (
        "device_tracker is_home",
        {"domain": "device_tracker", "type": "is_home", "entity_id": "device_tracker.p"},
        {"device_tracker.p": "home"},
        True,
    ),
    (
        "select selected_option",
        {"domain": "select", "type": "selected_option", "entity_id": "select.s", "option": "b"},
        {"select.s": "b"},
        True,
    ),
    # A returning vacuum is still cleaning.
    (
        "vacuum is_cleaning returning",
        {"domain": "vacuum", "type": "is_cleaning", "entity_id": "vacuum.v"},
        {"vacuum.v": "returning"},
        True,
    ),
    (
        "alarm_control_panel is_armed_night",
        {"domain": "alarm_control_panel", "type": "is_armed_night"}
        | {"entity_id": "alarm_control_panel.a"},
        {"alarm_control_panel.a": "armed_home"},
        False,
    ),
]


@pytest.mark.parametrize(
    ("condition", "states", "holds"),
    [row[1:] for row in CONDITIONS],
    ids=[row[0] for row in CONDITIONS],
)
async def test_device_condition(
    tmp_path: Path, condition: dict[str, Any], states: dict[str, Any], holds: bool
) -> None:
    automation = {
        "trigger": {"platform": "event", "event_type": "go"},
        "condition": {"condition": "device", "device_id": "d1", **condition},
        "action": NOTIFY,
    }
    result = await replay(tmp_path, automation, states, [{"event": {"type": "go"}}])
    assert not result["errors"], result["errors"]
    assert _offsets(result) == ([0] if holds else [])


async def test_device_condition_for_counts_from_the_last_change(tmp_path: Path) -> None:
    # The toggle conditions take ``for`` (a state condition's).
    automation = {
        "trigger": {"platform": "event", "event_type": "go"},
        "condition": {"condition": "device", "device_id": "d1", "domain": "switch"}
        | {"type": "is_on", "entity_id": "switch.s", "for": {"seconds": 30}},
        "action": NOTIFY,
    }
    steps = [{"event": {"type": "go"}}, {"advance": 31}, {"event": {"type": "go"}}]
    result = await replay(tmp_path, automation, {"switch.s": "on"}, [{"advance": 0}, *steps])
    assert _offsets(result) == [31]


# (what, action, the call: service, entity, data)
ACTIONS: list[tuple[str, dict[str, Any], list[Any]]] = [
    (
        "switch toggle",
        {"domain": "switch", "type": "toggle", "entity_id": "switch.s"},
        ["switch.toggle", "switch.s", {}],
    ),
    (
        "fan turn_off",
        {"domain": "fan", "type": "turn_off", "entity_id": "fan.f"},
        ["fan.turn_off", "fan.f", {}],
    ),
    (
        "remote turn_on",
        {"domain": "remote", "type": "turn_on", "entity_id": "remote.r"},
        ["remote.turn_on", "remote.r", {}],
    ),
    # light: turn_on with its brightness, steps of ten percent, a short flash.
    (
        "light turn_on brightness_pct",
        {"domain": "light", "type": "turn_on", "entity_id": "light.l", "brightness_pct": 40},
        ["light.turn_on", "light.l", {"brightness_pct": 40.0}],
    ),
    (
        "light brightness_increase",
        {"domain": "light", "type": "brightness_increase", "entity_id": "light.l"},
        ["light.turn_on", "light.l", {"brightness_step_pct": 10}],
    ),
    (
        "light brightness_decrease",
        {"domain": "light", "type": "brightness_decrease", "entity_id": "light.l"},
        ["light.turn_on", "light.l", {"brightness_step_pct": -10}],
    ),
    (
        "light flash",
        {"domain": "light", "type": "flash", "entity_id": "light.l"},
        ["light.turn_on", "light.l", {"flash": "short"}],
    ),
    (
        "light turn_off",
        {"domain": "light", "type": "turn_off", "entity_id": "light.l", "brightness_pct": 40},
        ["light.turn_off", "light.l", {}],
    ),
    (
        "number set_value",
        {"domain": "number", "type": "set_value", "entity_id": "number.n", "value": "21.5"},
        ["number.set_value", "number.n", {"value": 21.5}],
    ),
    # text/device_action.py: text.set_value with the value as text (cv.string).
    (
        "water_heater turn_off",
        {"domain": "water_heater", "type": "turn_off", "entity_id": "water_heater.boiler"},
        ["water_heater.turn_off", "water_heater.boiler", {}],
    ),
    (
        "text set_value",
        {"domain": "text", "type": "set_value", "entity_id": "text.t", "value": "Armed away"},
        ["text.set_value", "text.t", {"value": "Armed away"}],
    ),
    (
        "text set_value of a bare number",
        {"domain": "text", "type": "set_value", "entity_id": "text.t", "value": 2026},
        ["text.set_value", "text.t", {"value": "2026"}],
    ),
    (
        "select select_option",
        {"domain": "select", "type": "select_option", "entity_id": "select.s", "option": "b"},
        ["select.select_option", "select.s", {"option": "b"}],
    ),
    (
        "select select_next cycles",
        {"domain": "select", "type": "select_next", "entity_id": "select.s"},
        ["select.select_next", "select.s", {"cycle": True}],
    ),
    (
        "select select_previous no cycle",
        {"domain": "select", "type": "select_previous", "entity_id": "select.s", "cycle": False},
        ["select.select_previous", "select.s", {"cycle": False}],
    ),
    (
        "select select_first",
        {"domain": "select", "type": "select_first", "entity_id": "select.s"},
        ["select.select_first", "select.s", {}],
    ),
    (
        "button press",
        {"domain": "button", "type": "press", "entity_id": "button.b"},
        ["button.press", "button.b", {}],
    ),
    (
        "climate set_hvac_mode",
        {
            "domain": "climate",
            "type": "set_hvac_mode",
            "entity_id": "climate.c",
            "hvac_mode": "heat",
        },
        ["climate.set_hvac_mode", "climate.c", {"hvac_mode": "heat"}],
    ),
    (
        "climate set_preset_mode",
        {"domain": "climate", "type": "set_preset_mode", "entity_id": "climate.c"}
        | {"preset_mode": "eco"},
        ["climate.set_preset_mode", "climate.c", {"preset_mode": "eco"}],
    ),
    (
        "vacuum clean",
        {"domain": "vacuum", "type": "clean", "entity_id": "vacuum.v"},
        ["vacuum.start", "vacuum.v", {}],
    ),
    (
        "vacuum dock",
        {"domain": "vacuum", "type": "dock", "entity_id": "vacuum.v"},
        ["vacuum.return_to_base", "vacuum.v", {}],
    ),
    (
        "cover set_position",
        {"domain": "cover", "type": "set_position", "entity_id": "cover.c", "position": 30},
        ["cover.set_cover_position", "cover.c", {"position": 30}],
    ),
    (
        "cover set_tilt_position defaults to 0",
        {"domain": "cover", "type": "set_tilt_position", "entity_id": "cover.c"},
        ["cover.set_cover_tilt_position", "cover.c", {"tilt_position": 0}],
    ),
    (
        "cover stop",
        {"domain": "cover", "type": "stop", "entity_id": "cover.c"},
        ["cover.stop_cover", "cover.c", {}],
    ),
    (
        "lock open",
        {"domain": "lock", "type": "open", "entity_id": "lock.d"},
        ["lock.open", "lock.d", {}],
    ),
    (
        "alarm_control_panel arm_away with code",
        {"domain": "alarm_control_panel", "type": "arm_away", "entity_id": "alarm_control_panel.a"}
        | {"code": 1234},
        ["alarm_control_panel.alarm_arm_away", "alarm_control_panel.a", {"code": "1234"}],
    ),
    (
        "humidifier set_humidity",
        {"domain": "humidifier", "type": "set_humidity", "entity_id": "humidifier.h"}
        | {"humidity": "45"},
        ["humidifier.set_humidity", "humidifier.h", {"humidity": 45}],
    ),
    (
        "humidifier set_mode",
        {"domain": "humidifier", "type": "set_mode", "entity_id": "humidifier.h", "mode": "eco"},
        ["humidifier.set_mode", "humidifier.h", {"mode": "eco"}],
    ),
]


@pytest.mark.parametrize(
    ("action", "call"), [row[1:] for row in ACTIONS], ids=[row[0] for row in ACTIONS]
)
async def test_device_action(tmp_path: Path, action: dict[str, Any], call: list[Any]) -> None:
    automation = {
        "trigger": {"platform": "event", "event_type": "go"},
        "action": {"device_id": "d1", **action},
    }
    result = await replay(tmp_path, automation, {}, [{"event": {"type": "go"}}])
    assert not result["errors"], result["errors"]
    made = result["calls"]
    assert [[c["service"], ",".join(c["target"]["entity_id"]), c["data"]] for c in made] == [call]


# (what, where, the device automation, words of the error)
ERRORS: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown trigger type", "trigger", {"domain": "switch", "type": "opened"}, "turned_on"),
    (
        "unknown binary_sensor type",
        "trigger",
        {"domain": "binary_sensor", "type": "open"},
        "opened",
    ),
    ("sensor without limits", "trigger", {"domain": "sensor", "type": "temperature"}, "above"),
    (
        "climate mode out of range",
        "trigger",
        {"domain": "climate", "type": "hvac_mode_changed", "to": "warm"},
        "heat",
    ),
    ("tracker without zone", "trigger", {"domain": "device_tracker", "type": "enters"}, "zone"),
    ("unknown condition type", "condition", {"domain": "light", "type": "is_open"}, "is_on"),
    (
        "sensor condition needs a limit",
        "condition",
        {"domain": "sensor", "type": "is_power"},
        "above",
    ),
    (
        "media_player has no actions",
        "action",
        {"domain": "media_player", "type": "turn_on"},
        "none",
    ),
    ("unknown light action", "action", {"domain": "light", "type": "dim"}, "brightness_increase"),
    ("number without value", "action", {"domain": "number", "type": "set_value"}, "value"),
    ("text without value", "action", {"domain": "text", "type": "set_value"}, "value"),
    # Home Assistant's UI writes entity registry ids, which homeloom cannot resolve.
    (
        "registry id",
        "trigger",
        {"domain": "light", "type": "turned_on", "entity_id": "5b1d4a3c7e0f4b2a9c8d7e6f5a4b3c2d"},
        "entity registry id",
    ),
]


@pytest.mark.allow_error_logs
@pytest.mark.parametrize(
    ("where", "device", "words"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS]
)
async def test_device_automation_errors(
    tmp_path: Path, where: str, device: dict[str, Any], words: str
) -> None:
    written = {"device_id": "d1", "entity_id": f"{device['domain']}.x", **device}
    automation: dict[str, Any] = {
        "trigger": {"platform": "event", "event_type": "go"},
        "action": NOTIFY,
    }
    if where == "trigger":
        automation["trigger"] = {"platform": "device", **written}
    elif where == "condition":
        automation["condition"] = {"condition": "device", **written}
    else:
        automation["action"] = written
    result = await replay(tmp_path, automation, {}, [{"event": {"type": "go"}}])
    assert result["calls"] == []
    messages = [str(error.get("message")) for error in result["errors"]]
    assert any(words in message for message in messages), messages
