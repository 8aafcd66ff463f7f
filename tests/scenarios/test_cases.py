"""Scenario cases in the Home Assistant dialect, replayed through ``simulate``.

Each file in ``cases/`` holds a list of cases: automations (and optional extra
configuration), an events file's ``initial`` and ``steps``, and the exact
service calls expected, as ``[offset_s, service, entity ids, data]``. Cases
marked ``stub: false`` run with simulated devices, so calls change states and
later triggers and conditions see them. ``runs`` lists the runs' outcomes,
``errors`` how many errors are reported and ``error`` words one of them holds.
``blueprints`` maps a path under the config dir's ``blueprints/`` folder (such
as ``automation/me/motion.yaml``) to that blueprint's YAML text, kept a string
so its ``!input`` tags reach the loader. ``custom_templates`` maps a path under the
config dir's ``custom_templates/`` folder (such as ``tools.jinja``) to that macro
file's text, for templates that import it. ``files`` maps any other path under
the config dir (such as ``python_scripts/hello.py``) to that file's text.
``known_devices`` is the text of the config dir's ``known_devices.yaml`` (legacy
device trackers). ``storage`` maps a
Home Assistant registry file under the config dir's ``.storage/`` (such as
``core.entity_registry``) to its ``data`` (``{entities: [...]}``); each entry
names only the keys the case uses, and ``write_storage`` writes the file as
Home Assistant 2024.3 does, its other keys at their defaults, so the oracle
(``oracle: full``) loads the same registries homeloom imports. A helper collection
(such as ``input_boolean``) maps to its ``data`` (``{items: [...]}``), written in
the envelope of that collection's version; a text is written as the whole file.

``oracle`` tells ``oracle_check.py`` how to check a case against Home Assistant
(every case runs here alike): left out, through the shared oracle, which sets up
only the automation integration and stubs every service; ``full``, through
``oracle_full.py``, which also sets up the helper, timer, group, scene, script
and zone integrations the configuration holds and, for a ``stub: false`` case,
runs their services (and automation's) for real; ``false``, not at all, with
``why`` saying why (a deliberate difference, or something no oracle can run).
Besides the calls, ``oracle_check.py`` compares how each run ends in homeloom
and in Home Assistant, and the case's ``runs`` with Home Assistant's, but not
for a case marked ``runs_oracle: false``, with ``why`` saying why its runs end
otherwise there (its calls are still checked).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from homeloom.simulate import simulate

CASES_DIR = Path(__file__).with_name("cases")
START = "2026-06-01T20:00:00+02:00"  # a Monday evening in Paris
CORE = {
    "homeassistant": {
        "name": "Cases",
        "time_zone": "Europe/Paris",
        "latitude": 48.8566,
        "longitude": 2.3522,
        "elevation": 35,
    }
}


def _load() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            cases.append((f"{file.stem}: {case['name']}", case))
    return cases


CASES = _load()


def write_blueprints(config_dir: Path, blueprints: dict[str, str] | None) -> None:
    """Write a case's ``blueprints`` texts under ``config_dir/blueprints``."""
    for path, text in (blueprints or {}).items():
        file = config_dir / "blueprints" / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")


def write_custom_templates(config_dir: Path, templates: dict[str, str] | None) -> None:
    """Write a case's ``custom_templates`` texts under ``config_dir/custom_templates``."""
    for path, text in (templates or {}).items():
        file = config_dir / "custom_templates" / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")


def write_files(config_dir: Path, files: dict[str, str] | None) -> None:
    """Write a case's ``files`` texts, each at its path under ``config_dir``."""
    for path, text in (files or {}).items():
        file = config_dir / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")


def write_known_devices(config_dir: Path, text: str | None) -> None:
    """Write a case's ``known_devices`` text as the config dir's ``known_devices.yaml``."""
    if text is not None:
        (config_dir / "known_devices.yaml").write_text(text, encoding="utf-8")


# What Home Assistant 2024.3 writes for each registry: its list key, minor version,
# and the keys of an entry with their defaults (it refuses an entry lacking one).
_STORAGE_FORMATS: dict[str, tuple[str, int, dict[str, Any]]] = {
    "core.floor_registry": ("floors", 1, {"aliases": [], "icon": None, "level": None}),
    "core.label_registry": ("labels", 1, {"color": None, "description": None, "icon": None}),
    "core.area_registry": (
        "areas",
        6,
        {"aliases": [], "floor_id": None, "icon": None, "labels": [], "picture": None},
    ),
    "core.device_registry": (
        "devices",
        5,
        {
            **dict.fromkeys(
                [
                    "area_id",
                    "configuration_url",
                    "disabled_by",
                    "entry_type",
                    "hw_version",
                    "manufacturer",
                    "model",
                    "name",
                    "name_by_user",
                    "serial_number",
                    "sw_version",
                    "via_device_id",
                ]
            ),
            "config_entries": [],
            "connections": [],
            "identifiers": [],
            "labels": [],
        },
    ),
    "core.entity_registry": (
        "entities",
        13,
        {
            **dict.fromkeys(
                [
                    "area_id",
                    "config_entry_id",
                    "device_class",
                    "device_id",
                    "disabled_by",
                    "entity_category",
                    "hidden_by",
                    "icon",
                    "name",
                    "original_device_class",
                    "original_icon",
                    "original_name",
                    "previous_unique_id",
                    "translation_key",
                    "unit_of_measurement",
                ]
            ),
            "aliases": [],
            "capabilities": None,
            "has_entity_name": False,
            "labels": [],
            "options": {},
            "supported_features": 0,
        },
    ),
    # Not a registry: the config entries, of which helpers made in the UI are some.
    "core.config_entries": (
        "entries",
        1,
        {
            "version": 1,
            "minor_version": 1,
            "data": {},
            "options": {},
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
            "source": "user",
            "unique_id": None,
            "disabled_by": None,
        },
    ),
}


# The minor version Home Assistant 2024.3 writes for each helper collection (its items
# are ``data.items``, written as the case gives them; every major version is 1).
_COLLECTION_MINOR_VERSIONS = {
    **dict.fromkeys(
        [
            "counter",
            "input_boolean",
            "input_button",
            "input_datetime",
            "input_number",
            "input_text",
            "schedule",
            "timer",
        ],
        1,
    ),
    "input_select": 2,
}


def write_storage(config_dir: Path, storage: dict[str, Any] | None) -> None:
    """Write a case's ``storage`` registries and helper collections under
    ``config_dir/.storage``, as Home Assistant does; a text, or a file Home Assistant
    does not have, is written as given."""
    for name, data in (storage or {}).items():
        file = config_dir / ".storage" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        if name in _COLLECTION_MINOR_VERSIONS and isinstance(data, dict):
            minor = _COLLECTION_MINOR_VERSIONS[name]
            envelope = {"version": 1, "minor_version": minor, "key": name, "data": data}
            file.write_text(json.dumps(envelope, indent=2))
            continue
        if name not in _STORAGE_FORMATS or not isinstance(data, dict):
            file.write_text(data if isinstance(data, str) else json.dumps(data))
            continue
        key, minor, defaults = _STORAGE_FORMATS[name]
        entries = [{**defaults, **entry} for entry in data.get(key) or []]
        content = {**({"deleted_devices": []} if key == "devices" else {}), **data, key: entries}
        if key == "entities":
            content.setdefault("deleted_entities", [])
        envelope = {"version": 1, "minor_version": minor, "key": name, "data": content}
        file.write_text(json.dumps(envelope, indent=2))


def _call(call: dict[str, Any]) -> list[Any]:
    entities = call["target"].get("entity_id") or call["data"].get("entity_id")
    if isinstance(entities, str):
        entities = [entities]
    data = {k: v for k, v in call["data"].items() if k != "entity_id"}
    row: list[Any] = [
        math.floor(call["offset_s"] + 0.01),
        call["service"],
        ",".join(sorted(entities)) if entities else None,
    ]
    if data:
        row.append(data)
    return row


def _expected(row: list[Any]) -> list[Any]:
    offset, service, *rest = row
    entities = rest[0] if rest else None
    if isinstance(entities, list):
        entities = ",".join(sorted(entities))
    out = [offset, service, entities]
    if len(rest) > 1 and rest[1]:
        out.append(rest[1])
    return out


def test_there_are_many_cases_with_unique_names() -> None:
    names = [name for name, _ in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 200


@pytest.mark.allow_error_logs
@pytest.mark.parametrize("case", [case for _, case in CASES], ids=[name for name, _ in CASES])
async def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    config = {**CORE, **(case.get("config") or {})}
    automations = case.get("automations")
    if isinstance(automations, str):
        automations = yaml.safe_load(automations)
    config_text = yaml.safe_dump(config, sort_keys=False)
    config_text += "automation: !include automations.yaml\n"
    (tmp_path / "configuration.yaml").write_text(config_text, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(
        yaml.safe_dump(automations or [], sort_keys=False), encoding="utf-8"
    )
    write_blueprints(tmp_path, case.get("blueprints"))
    write_custom_templates(tmp_path, case.get("custom_templates"))
    write_known_devices(tmp_path, case.get("known_devices"))
    write_files(tmp_path, case.get("files"))
    write_storage(tmp_path, case.get("storage"))
    events = {
        "start": case.get("start", START),
        "initial": case.get("initial") or {},
        "steps": case.get("steps") or [],
    }
    result = await simulate(tmp_path, events, stub_services=case.get("stub", True))
    calls = [_call(call) for call in result["calls"]]
    expected = [_expected(row) for row in case.get("calls") or []]
    assert calls == expected, result["errors"]
    if "runs" in case:
        assert [run["outcome"] for run in result["runs"]] == case["runs"], result["runs"]
    if case.get("errors") is not None:
        assert len(result["errors"]) == case["errors"], result["errors"]
    if "error" in case:  # words one of the reported errors holds
        messages = [str(error.get("message")) for error in result["errors"]]
        assert any(case["error"] in message for message in messages), messages
