"""Sensor groups: what Home Assistant 2024.3 refuses of their configuration, as YAML
items and as config entries (_sensor_groups.py). What they compute is checked by the
cases in ``cases/corners_sensor_groups.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios import get_template_engine
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from homeloom.scenarios._platform_groups import setup_platform_groups
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import numbered_entries, write_config_entries

GOOD = {"platform": "group", "type": "sum", "entities": ["sensor.a", "sensor.b"]}


def test_a_good_item_makes_its_sensor(runtime: Runtime) -> None:
    assert setup_platform_groups(runtime, {"sensor": [{**GOOD, "name": "Total"}]}) == []
    state = runtime.states.get("sensor.total")
    assert state is not None and state.state == "unavailable"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"type": "std_dev"}, "type", "is not one of min, max"),
        ({"type": None}, "type", "'type' missing"),
        ({"entities": None}, "entities", "'entities' missing"),
        ({"entities": ["light.a"]}, "entities", "not a sensor, number or input_number"),
        ({"device_class": "loudness"}, "device_class", "not a sensor device class"),
        ({"state_class": "sometimes"}, "state_class", "not a sensor state class"),
        ({"unit_of_measurement": 5}, "unit_of_measurement", "must be a text"),
        ({"ignore_non_numeric": "maybe"}, "ignore_non_numeric", "expected a boolean"),
        ({"all": True}, "all", "unknown key 'all'"),
    ],
)
def test_a_bad_item_is_an_error_and_makes_nothing(
    runtime: Runtime, change: dict[str, Any], key: str, words: str
) -> None:
    item = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    issues = setup_platform_groups(runtime, {"sensor": [{"platform": "template"}, item]})
    assert len(issues) == 1, issues
    assert issues[0].key == f"sensor[1].{key}"
    assert words in issues[0].message
    assert runtime.states.get("sensor.sensor_group_sum") is None


def test_sensor_groups_are_not_named_as_not_provided() -> None:
    config = {"sensor": [GOOD, {"platform": "scrape"}]}
    [warning] = unsupported_keys(config)
    assert "'scrape'" in warning.message


def _entries(folder: Path, *options: dict[str, Any]) -> None:
    write_config_entries(folder, *numbered_entries("Group", (("group", o) for o in options)))


def test_bad_config_entries_are_errors_and_the_good_one_is_made(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.config_dir = tmp_path
    members = ["sensor.a"]
    _entries(
        tmp_path,
        {"group_type": "sensor", "entities": members},
        {"group_type": "sensor", "type": "std_dev", "entities": members},
        {"group_type": "sensor", "type": "min", "ignore_non_numeric": 1, "entities": members},
        {"group_type": "sensor", "type": "min", "entities": ["no such registry id"]},
        {"group_type": "sensor", "type": "min", "entities": members},
    )
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert [issue.key for issue in errors] == [
        "data.entries[0].options.type",
        "data.entries[1].options.type",
        "data.entries[2].options.ignore_non_numeric",
        "data.entries[3].options.entities[0]",
    ]
    assert [runtime.states.get(f"sensor.group_{n}") is None for n in range(5)] == [
        True,
        True,
        True,
        True,
        False,
    ]


async def test_expand_replaces_platform_groups_by_their_members(runtime: Runtime) -> None:
    # Home Assistant's expand() follows the entity_id of every entity of its group
    # integration (platform and sensor groups), not that of other entities (a scene's).
    config = {
        "sensor": [{**GOOD, "name": "Total"}],
        "light": [{"platform": "group", "name": "Downstairs", "entities": ["light.a"]}],
    }
    for member in ("sensor.a", "sensor.b", "light.a"):
        runtime.states.set(member, "1" if member.startswith("sensor") else "on")
    runtime.states.set("scene.evening", "scening", {"entity_id": ["light.b"]})
    assert setup_platform_groups(runtime, config) == []
    engine = get_template_engine(runtime)
    source = "{{ expand(%s) | map(attribute='entity_id') | join(',') }}"
    assert engine.template(source % "'sensor.total'").render({}) == "sensor.a,sensor.b"
    assert engine.template(source % "states.light.downstairs").render({}) == "light.a"
    assert engine.template(source % "'scene.evening'").render({}) == "scene.evening"
