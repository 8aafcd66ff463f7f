"""A `for:` on a device trigger or condition whose Home Assistant 2024.3 schema has none
(a fan's or media player's condition, a sensor value, a cover position, a tracker entering
a zone) refuses the automation there, as an extra key; homeloom refuses it too instead of
running the automation without the wait. Toggle and binary sensor ones keep their `for`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.device_replay import NOTIFY, replay

GO = {"platform": "event", "event_type": "go"}
HOME = {"latitude": 48.8566, "longitude": 2.3522}
AWAY = {"latitude": 48.5, "longitude": 2.5}


async def _simulate(
    tmp_path: Path, automation: dict[str, Any], initial: dict[str, Any], steps: list[Any]
) -> dict[str, Any]:
    return await replay(tmp_path, {"action": NOTIFY, **automation}, initial, steps)


def _device(domain: str, kind: str, entity_id: str, **more: Any) -> dict[str, Any]:
    return {"domain": domain, "type": kind, "device_id": "d1", "entity_id": entity_id, **more}


FIVE = {"seconds": 5}
# (what, automation, initial states, steps)
REFUSED: list[tuple[str, dict[str, Any], dict[str, Any], list[Any]]] = [
    (
        "fan is_on",
        {
            "trigger": GO,
            "condition": {
                "condition": "device",
                **_device("fan", "is_on", "fan.f", **{"for": FIVE}),
            },
        },
        {"fan.f": "on"},
        [{"advance": 10}, {"event": {"type": "go"}}],
    ),
    (
        "media_player is_playing",
        {
            "trigger": GO,
            "condition": {
                "condition": "device",
                **_device("media_player", "is_playing", "media_player.m", **{"for": FIVE}),
            },
        },
        {"media_player.m": "playing"},
        [{"advance": 10}, {"event": {"type": "go"}}],
    ),
    (
        "sensor is_power",
        {
            "trigger": GO,
            "condition": {
                "condition": "device",
                **_device("sensor", "is_power", "sensor.p", above=5, **{"for": FIVE}),
            },
        },
        {"sensor.p": "50"},
        [{"advance": 10}, {"event": {"type": "go"}}],
    ),
    (
        "cover position trigger",
        {
            "trigger": {
                "platform": "device",
                **_device("cover", "position", "cover.c", below=30, **{"for": FIVE}),
            }
        },
        {"cover.c": {"state": "open", "attributes": {"current_position": 50}}},
        [
            {"set": {"cover.c": {"state": "open", "attributes": {"current_position": 10}}}},
            {"advance": 10},
        ],
    ),
    (
        "tracker enters",
        {
            "trigger": {
                "platform": "device",
                **_device(
                    "device_tracker",
                    "enters",
                    "device_tracker.t",
                    zone="zone.home",
                    **{"for": FIVE},
                ),
            }
        },
        {"device_tracker.t": {"state": "not_home", "attributes": AWAY}},
        [{"set": {"device_tracker.t": {"state": "home", "attributes": HOME}}}, {"advance": 10}],
    ),
]


# Home Assistant's `for` of a device automation is a dictionary of plain numbers.
for _label, _for in (("number", 30), ("text", "00:00:10"), ("template", {"seconds": "{{ 10 }}"})):
    _trigger = {
        "platform": "device",
        **_device("switch", "turned_off", "switch.s", **{"for": _for}),
    }
    REFUSED.append(
        (
            f"switch turned_off, {_label} for",
            {"trigger": _trigger},
            {"switch.s": "on"},
            [{"set": {"switch.s": "off"}}, {"advance": 20}],
        )
    )


@pytest.mark.allow_error_logs
@pytest.mark.parametrize(
    ("automation", "initial", "steps"),
    [row[1:] for row in REFUSED],
    ids=[row[0] for row in REFUSED],
)
async def test_for_without_schema_refuses(
    tmp_path: Path, automation: dict[str, Any], initial: dict[str, Any], steps: list[Any]
) -> None:
    result = await _simulate(tmp_path, automation, initial, steps)
    assert result["calls"] == []
    messages = [str(error.get("message")) for error in result["errors"]]
    assert any("'for' is" in message for message in messages), messages


async def test_toggle_and_binary_sensor_conditions_keep_for(tmp_path: Path) -> None:
    conditions = [
        {"condition": "device", **_device("light", "is_on", "light.l", **{"for": FIVE})},
        {
            "condition": "device",
            **_device("binary_sensor", "is_motion", "binary_sensor.b", **{"for": FIVE}),
        },
    ]
    result = await _simulate(
        tmp_path,
        {"trigger": GO, "condition": conditions},
        {"light.l": "on", "binary_sensor.b": "on"},
        [{"event": {"type": "go"}}, {"advance": 10}, {"event": {"type": "go"}}],
    )
    assert not result["errors"], result["errors"]
    assert [round(call["offset_s"]) for call in result["calls"]] == [10]


async def test_area_functions_in_registry_order(tmp_path: Path) -> None:
    """area_entities, area_devices and device_entities answer in Home Assistant's order
    (an entity placed in the area first, then the device's entities), not sorted; an
    unknown area has no devices (not those without an area)."""
    storage = tmp_path / ".storage"
    storage.mkdir()
    areas = {"areas": [{"id": "kitchen", "name": "Kitchen"}]}
    devices = {
        "devices": [
            {"id": "d2", "name": "Plug", "area_id": "kitchen"},
            {"id": "d1", "name": "Lamp", "area_id": "kitchen"},
            {"id": "d3", "name": "Phone"},
        ]
    }
    entities = {
        "entities": [
            {
                "entity_id": "switch.plug",
                "id": "e1",
                "platform": "tplink",
                "unique_id": "p",
                "device_id": "d2",
            },
            {
                "entity_id": "light.lamp",
                "id": "e2",
                "platform": "hue",
                "unique_id": "l",
                "device_id": "d1",
            },
            {
                "entity_id": "sensor.plug_power",
                "id": "e3",
                "platform": "tplink",
                "unique_id": "w",
                "device_id": "d2",
            },
            {
                "entity_id": "sensor.a_thermo",
                "id": "e4",
                "platform": "demo",
                "unique_id": "t",
                "area_id": "kitchen",
            },
        ]
    }
    for key, data in (
        ("core.area_registry", areas),
        ("core.device_registry", devices),
        ("core.entity_registry", entities),
    ):
        (storage / key).write_text(
            json.dumps({"version": 1, "key": key, "data": data}), encoding="utf-8"
        )
    message = (
        "{{ area_entities('kitchen') | join(',') }} / {{ area_devices('Kitchen') | join(',') }}"
        " / {{ device_entities('d2') | join(',') }} / {{ area_devices('garage') | count }}"
    )
    automation = {
        "trigger": GO,
        "action": {"service": "notify.notify", "data": {"message": message}},
    }
    result = await _simulate(tmp_path, automation, {}, [{"event": {"type": "go"}}])
    assert [call["data"]["message"] for call in result["calls"]] == [
        "sensor.a_thermo,switch.plug,sensor.plug_power,light.lamp / d2,d1"
        " / switch.plug,sensor.plug_power / 0"
    ]
