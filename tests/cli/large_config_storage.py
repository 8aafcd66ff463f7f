"""The ``.storage`` folder of the large configuration, as Home Assistant 2024.3 leaves it
in the directory a resident copies: registries, helpers, persons and zones made in its
UI, config entries (some of integrations homeloom does not have) and the saved states.

Each file is written in Home Assistant's envelope, its entries with the keys it writes.
The automations of ``test_large_config`` refer to what these files make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STORAGE = ".storage"
AREAS = ["living_room", "kitchen", "hall", "garage", "bedroom", "bathroom"]
# Config entries of integrations homeloom does not have: a copied directory holds some.
FOREIGN_ENTRIES = {"hue": "Philips Hue", "met": "Home", "mobile_app": "Ann's phone"}
SAVED_AT = "2026-05-31T22:00:00+00:00"


def _file(key: str, data: Any, *, version: int = 1, minor_version: int = 1) -> dict[str, Any]:
    return {"version": version, "minor_version": minor_version, "key": key, "data": data}


def _area(area_id: str) -> dict[str, Any]:
    name = area_id.replace("_", " ").capitalize()
    floor = "upstairs" if area_id in ("bedroom", "bathroom") else "ground"
    return {
        "id": area_id,
        "name": name,
        "aliases": [],
        "floor_id": floor,
        "icon": None,
        "labels": [],
        "picture": None,
    }


def _device(device_id: str, name: str, area_id: str, entry_id: str) -> dict[str, Any]:
    return {
        "id": device_id,
        "name": name,
        "name_by_user": None,
        "area_id": area_id,
        "config_entries": [entry_id],
        "connections": [],
        "identifiers": [["hue", device_id]],
        "manufacturer": "Signify",
        "model": "Hue motion sensor",
        "disabled_by": None,
        "entry_type": None,
        "labels": [],
        "via_device_id": None,
        "sw_version": "1.0",
        "hw_version": None,
        "serial_number": None,
        "configuration_url": None,
    }


def _entity(entity_id: str, registry_id: str, platform: str, unique_id: str, **more: Any) -> Any:
    return {
        "entity_id": entity_id,
        "id": registry_id,
        "platform": platform,
        "unique_id": unique_id,
        "aliases": [],
        "area_id": None,
        "capabilities": None,
        "config_entry_id": None,
        "device_class": None,
        "device_id": None,
        "disabled_by": None,
        "entity_category": None,
        "has_entity_name": False,
        "hidden_by": None,
        "icon": None,
        "labels": [],
        "name": None,
        "options": {},
        "original_device_class": None,
        "original_icon": None,
        "original_name": None,
        "supported_features": 0,
        "translation_key": None,
        "unit_of_measurement": None,
        **more,
    }


def _entry(entry_id: str, domain: str, title: str, options: dict[str, Any]) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "version": 1,
        "minor_version": 1,
        "domain": domain,
        "title": title,
        "data": {},
        "options": options,
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "unique_id": None,
        "disabled_by": None,
    }


CONFIG_ENTRIES = [
    *(_entry(f"foreign{n}", d, t, {}) for n, (d, t) in enumerate(FOREIGN_ENTRIES.items())),
    _entry(
        "tpl_power",
        "template",
        "House power",
        {
            "template_type": "sensor",
            "name": "House power",
            "state": "{{ states('sensor.grid_power') | float(0) + states('sensor.solar_power')"
            " | float(0) }}",
            "unit_of_measurement": "W",
            "device_class": "power",
            "state_class": "measurement",
        },
    ),
    _entry(
        "tpl_windows",
        "template",
        "Any window open",
        {
            "template_type": "binary_sensor",
            "name": "Any window open",
            "state": "{{ is_state('binary_sensor.room_0_window', 'on') }}",
            "device_class": "window",
        },
    ),
    _entry(
        "grp_downstairs",
        "group",
        "Downstairs lights",
        {
            "group_type": "light",
            "entities": ["light.room_0", "light.room_1"],
            "hide_members": False,
        },
    ),
    _entry(
        "grp_temperature",
        "group",
        "Average temperature",
        {
            "group_type": "sensor",
            "entities": ["sensor.room_0_temperature", "sensor.room_1_temperature"],
            "type": "mean",
            "hide_members": False,
        },
    ),
    _entry(
        "mm_coldest",
        "min_max",
        "Coldest room",
        {
            "entity_ids": ["sensor.room_0_temperature", "sensor.room_1_temperature"],
            "type": "min",
            "round_digits": 1.0,
        },
    ),
    _entry(
        "th_humid",
        "threshold",
        "Humid bathroom",
        {"entity_id": "sensor.bathroom_humidity", "hysteresis": 2.0, "lower": None, "upper": 70.0},
    ),
    _entry(
        "der_power",
        "derivative",
        "Power trend",
        {
            "source": "sensor.grid_power",
            "round": 1.0,
            "time_window": {"hours": 0, "minutes": 5, "seconds": 0},
            "unit_prefix": "none",
            "unit_time": "h",
        },
    ),
    {
        **_entry(
            "um_heat_pump",
            "utility_meter",
            "Heat pump",
            {
                "name": "Heat pump",
                "source": "sensor.heat_pump_energy",
                "cycle": "monthly",
                "offset": 0,
                "tariffs": [],
                "net_consumption": False,
                "delta_values": False,
                "periodically_resetting": True,
                "always_available": False,
            },
        ),
        "version": 2,
    },
]

# Helpers made in the UI: (domain, minor version, items).
UI_HELPERS: list[tuple[str, int, list[dict[str, Any]]]] = [
    ("input_boolean", 1, [{"id": "vacation", "name": "Vacation", "icon": "mdi:airplane"}]),
    (
        "input_number",
        1,
        [
            {
                "id": "night_temperature",
                "name": "Night temperature",
                "min": 14.0,
                "max": 22.0,
                "step": 0.5,
                "mode": "slider",
                "unit_of_measurement": "°C",
                "initial": None,
            }
        ],
    ),
    ("input_select", 2, [{"id": "house_mode", "name": "House mode", "options": ["home", "away"]}]),
    (
        "counter",
        1,
        [
            {
                "id": "doorbell_rings",
                "name": "Doorbell rings",
                "initial": 0,
                "step": 1,
                "minimum": None,
                "maximum": None,
                "restore": True,
            }
        ],
    ),
    ("timer", 1, [{"id": "dishwasher", "name": "Dishwasher", "duration": "2:30:00"}]),
    (
        "input_datetime",
        1,
        [{"id": "wake_up", "name": "Wake up", "has_date": False, "has_time": True}],
    ),
]


def _registries() -> dict[str, dict[str, Any]]:
    floors = [
        {"floor_id": "ground", "name": "Ground floor", "aliases": [], "icon": None, "level": 0},
        {"floor_id": "upstairs", "name": "Upstairs", "aliases": [], "icon": None, "level": 1},
    ]
    devices = [
        _device(f"dev_room_{n}", f"Room {n} sensor", AREAS[n % len(AREAS)], "foreign0")
        for n in range(12)
    ]
    entities = [
        _entity(
            f"binary_sensor.room_{n}_motion",
            f"reg_motion_{n}",
            "hue",
            f"motion-{n}",
            device_id=f"dev_room_{n}",
            config_entry_id="foreign0",
            original_device_class="motion",
        )
        for n in range(12)
    ]
    entities += [
        # The resident renamed the UI helper's entity, and the utility meter's.
        _entity("input_boolean.away_for_holidays", "reg_vacation", "input_boolean", "vacation"),
        _entity(
            "sensor.heat_pump_this_month",
            "reg_um",
            "utility_meter",
            "um_heat_pump",
            config_entry_id="um_heat_pump",
        ),
    ]
    return {
        "core.floor_registry": _file("core.floor_registry", {"floors": floors}),
        "core.area_registry": _file(
            "core.area_registry", {"areas": [_area(a) for a in AREAS]}, minor_version=6
        ),
        "core.device_registry": _file(
            "core.device_registry",
            {"devices": devices, "deleted_devices": []},
            minor_version=5,
        ),
        "core.entity_registry": _file(
            "core.entity_registry",
            {"entities": entities, "deleted_entities": []},
            minor_version=13,
        ),
    }


def _saved(entity_id: str, state: str, **attributes: Any) -> dict[str, Any]:
    saved = {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes,
        "last_changed": SAVED_AT,
        "last_updated": SAVED_AT,
        "context": {"id": "01hz0000000000000000000000", "parent_id": None, "user_id": None},
    }
    return {"state": saved, "extra_data": None, "last_seen": SAVED_AT}


RESTORED = [
    _saved("input_boolean.away_for_holidays", "on", friendly_name="Vacation", editable=True),
    _saved("input_select.house_mode", "away", options=["home", "away"]),
    _saved("counter.doorbell_rings", "7", initial=0, step=1, editable=True),
    _saved("input_boolean.guest_mode", "on", friendly_name="Guest mode"),
]


def write_storage(config_dir: Path) -> None:
    """Write the house's ``.storage`` folder under ``config_dir``."""
    files: dict[str, dict[str, Any]] = {
        **_registries(),
        "core.config_entries": _file("core.config_entries", {"entries": CONFIG_ENTRIES}),
        "core.restore_state": _file("core.restore_state", RESTORED),
        "person": _file(
            "person",
            {
                "items": [
                    {
                        "id": "ann",
                        "name": "Ann",
                        "user_id": None,
                        "device_trackers": ["device_tracker.ann_phone"],
                        "picture": None,
                    },
                    {
                        "id": "bob",
                        "name": "Bob",
                        "user_id": None,
                        "device_trackers": ["device_tracker.bob_phone"],
                        "picture": None,
                    },
                ]
            },
            version=2,
        ),
        "zone": _file(
            "zone",
            {
                "items": [
                    {
                        "id": "office",
                        "name": "Office",
                        "latitude": 48.87,
                        "longitude": 2.33,
                        "radius": 150.0,
                        "passive": False,
                        "icon": "mdi:briefcase",
                    }
                ]
            },
        ),
        **{
            domain: _file(domain, {"items": items}, minor_version=minor)
            for domain, minor, items in UI_HELPERS
        },
    }
    folder = config_dir / STORAGE
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content, indent=2), encoding="utf-8")
