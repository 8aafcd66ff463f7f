"""Min/max, threshold and derivative sensors: what Home Assistant 2024.3 refuses of
their configuration, as YAML items and as config entries (_min_max.py, _threshold.py,
_derivative.py, _computed_entries.py). What they compute is checked by the cases in
``cases/corners_computed_sensors.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from homeloom.scenarios._platform_groups import setup_platform_groups
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import numbered_entries, write_config_entries

MIN_MAX = {"platform": "min_max", "name": "Made", "entity_ids": ["sensor.a", "sensor.b"]}
THRESHOLD = {"platform": "threshold", "name": "Made", "entity_id": "sensor.a", "lower": 5}
DERIVATIVE = {"platform": "derivative", "name": "Made", "source": "sensor.a"}


@pytest.mark.parametrize(
    ("domain", "item", "made"),
    [
        ("sensor", MIN_MAX, "unknown"),
        ("binary_sensor", THRESHOLD, "unknown"),
        ("sensor", DERIVATIVE, "0"),
    ],
)
def test_a_good_item_makes_its_sensor(
    runtime: Runtime, domain: str, item: dict[str, Any], made: str
) -> None:
    assert setup_platform_groups(runtime, {domain: [item]}) == []
    state = runtime.states.get(f"{domain}.made")
    assert state is not None and state.state == made


@pytest.mark.parametrize(
    ("domain", "item", "key", "words"),
    [
        ("sensor", {**MIN_MAX, "type": "std_dev"}, "type", "is not one of min, max"),
        ("sensor", {**MIN_MAX, "entity_ids": None}, "entity_ids", "'entity_ids' missing"),
        ("sensor", {**MIN_MAX, "entity_ids": "sensor.a, kitchen"}, "entity_ids", "'kitchen'"),
        ("sensor", {**MIN_MAX, "round_digits": "two"}, "round_digits", "a whole number"),
        ("sensor", {**MIN_MAX, "name": ["a"]}, "name", "must be a text"),
        ("sensor", {**MIN_MAX, "entities": ["sensor.a"]}, "entities", "unknown key"),
        ("binary_sensor", {**THRESHOLD, "lower": None}, "lower", "lower or an upper limit"),
        ("binary_sensor", {**THRESHOLD, "upper": "high"}, "upper", "must be a number"),
        ("binary_sensor", {**THRESHOLD, "hysteresis": "lots"}, "hysteresis", "must be a number"),
        ("binary_sensor", {**THRESHOLD, "entity_id": None}, "entity_id", "'entity_id' missing"),
        ("binary_sensor", {**THRESHOLD, "device_class": "loud"}, "device_class", "not a binary"),
        ("sensor", {**DERIVATIVE, "source": "a b"}, "source", "not an entity id"),
        ("sensor", {**DERIVATIVE, "unit_prefix": "K"}, "unit_prefix", "is not one of n, µ"),
        ("sensor", {**DERIVATIVE, "unit_time": "hours"}, "unit_time", "is not one of s, min"),
        ("sensor", {**DERIVATIVE, "time_window": "soon"}, "time_window", "soon"),
        ("sensor", {**DERIVATIVE, "round": 1.5j}, "round", "a whole number"),
    ],
)
def test_a_bad_item_is_an_error_and_makes_nothing(
    runtime: Runtime, domain: str, item: dict[str, Any], key: str, words: str
) -> None:
    item = {k: v for k, v in item.items() if v is not None}
    issues = setup_platform_groups(runtime, {domain: [{"platform": "template"}, item]})
    assert len(issues) == 1, issues
    assert issues[0].key == f"{domain}[1].{key}"
    assert words in issues[0].message
    assert runtime.states.get(f"{domain}.made") is None


def test_the_platforms_are_not_named_as_not_provided() -> None:
    config = {"sensor": [MIN_MAX, DERIVATIVE, {"platform": "scrape"}], "binary_sensor": THRESHOLD}
    [warning] = unsupported_keys(config)
    assert "'scrape'" in warning.message


def test_bad_config_entries_are_errors_and_the_good_ones_are_made(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.config_dir = tmp_path
    min_max = {"entity_ids": ["sensor.a"], "type": "min", "round_digits": 2.0}
    threshold = {"entity_id": "sensor.a", "hysteresis": 0.0, "lower": None, "upper": 3.0}
    window = {"hours": 0, "minutes": 5, "seconds": 0}
    derivative = {"source": "sensor.a", "round": 2.0, "time_window": window, "unit_time": "h"}
    helpers = [
        ("min_max", {**min_max, "type": "std_dev"}),
        ("min_max", {**min_max, "entity_ids": ["no such registry id"]}),
        ("threshold", {**threshold, "upper": None}),
        ("derivative", {k: v for k, v in derivative.items() if k != "unit_time"}),
        ("min_max", min_max),
        ("threshold", threshold),
        ("derivative", {**derivative, "unit_prefix": "none"}),
    ]
    write_config_entries(tmp_path, *numbered_entries("Helper", helpers))
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert [issue.key for issue in errors] == [
        "data.entries[0].options.type",
        "data.entries[1].options.entity_ids",
        "data.entries[2].options.lower",
        "data.entries[3].options.unit_time",
    ]
    made = [
        runtime.states.get(entity_id) is not None
        for entity_id in (
            "sensor.helper_0",
            "sensor.helper_1",
            "binary_sensor.helper_2",
            "sensor.helper_3",
            "sensor.helper_4",
            "binary_sensor.helper_5",
            "sensor.helper_6",
        )
    ]
    assert made == [False, False, False, False, True, True, True]
