"""Times of the day and trend binary sensors: what Home Assistant 2024.3 refuses of
their configuration, as YAML items (reported at their file and line) and as config
entries (_tod.py, _trend.py, _computed_entries.py). What they compute is checked by
the cases in ``cases/corners_tod_trend.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from homeloom.scenarios._platform_groups import setup_platform_groups
from homeloom.scenarios._provided import unsupported_keys
from homeloom.scenarios._trend import least_squares_slope
from homeloom.scenarios._yaml import load_yaml_text
from tests.scenarios.config_files import numbered_entries, write_config_entries

TOD = 'name: Made\n    after: "20:00"\n    before: sunrise\n'
TREND = "sensors:\n      made:\n        entity_id: sensor.a\n"


def _setup(runtime: Runtime, item: str) -> list[Any]:
    """The issues of ``item`` (the text after ``platform: ...``), the third line of a
    configuration.yaml whose first item is another platform's."""
    text = f"binary_sensor:\n  - platform: template\n  - platform: {item}"
    config = load_yaml_text(text, "configuration.yaml")
    return setup_platform_groups(runtime, config)


def test_good_items_make_their_sensors(runtime: Runtime) -> None:
    assert _setup(runtime, f"tod\n    {TOD}") == []
    assert _setup(runtime, f"trend\n    {TREND}") == []
    tod, trend = (
        runtime.states.get("binary_sensor.made"),
        runtime.states.get("binary_sensor.made_2"),
    )
    assert tod is not None and tod.state == "off"  # the test clock's noon: not yet 20:00
    assert trend is not None and trend.state == "unknown"


@pytest.mark.parametrize(
    ("item", "line", "key", "words"),
    [
        ('tod\n    name: Made\n    before: "06:00"\n', 3, "after", "'after' missing"),
        ("tod\n    after: sunset\n    before: sunrise\n", 3, "name", "'name' missing"),
        (
            'tod\n    name: Made\n    before: sunset\n    after: "25:00"\n',
            6,
            "after",
            "nor sunrise",
        ),
        # Unquoted, 20:30 is YAML's sexagesimal 1230, as in Home Assistant.
        (
            "tod\n    name: Made\n    after: 20:30\n    before: sunset\n",
            5,
            "after",
            "1230 is neither a time",
        ),
        (f"tod\n    {TOD}    before_offset: soon\n", 7, "before_offset", "not a duration"),
        (f"tod\n    {TOD}    start: sunset\n", 7, "start", "valid: after, after_offset"),
        ("trend\n    name: Made\n", 4, "name", "valid: platform, scan_interval, sensors"),
        ("trend\n    scan_interval: 30\n", 3, "sensors", "'sensors' missing"),
        (f"trend\n    {TREND}        min_samples: 3\n", 7, "sensors.made.min_samples", "smaller"),
        (f"trend\n    {TREND}        max_samples: -1\n", 7, "sensors.made.max_samples", "at least"),
        (f"trend\n    {TREND}        max_samples: '2.5'\n", 7, "sensors.made.max_samples", "whole"),
        (f"trend\n    {TREND}        invert: maybe\n", 7, "sensors.made.invert", "a boolean"),
        (
            f"trend\n    {TREND}        device_class: loud\n",
            7,
            "sensors.made.device_class",
            "not a",
        ),
        (
            f"trend\n    {TREND}        min_gradient: steep\n",
            7,
            "sensors.made.min_gradient",
            "number",
        ),
        (f"trend\n    {TREND}        samples: 3\n", 7, "sensors.made.samples", "valid: attribute"),
        (
            "trend\n    sensors:\n      made:\n        attribute: a\n",
            5,
            "sensors.made.entity_id",
            "missing",
        ),
        (
            "trend\n    sensors:\n      Made:\n        entity_id: sensor.a\n",
            5,
            "sensors.Made",
            "'made'",
        ),
    ],
)
def test_a_bad_item_is_an_error_at_its_line_and_makes_nothing(
    runtime: Runtime, item: str, line: int, key: str, words: str
) -> None:
    [issue] = _setup(runtime, item)
    assert issue.file is not None and issue.file.endswith("configuration.yaml")
    assert (issue.line, issue.key) == (line, f"binary_sensor[1].{key}")
    assert words in issue.message
    assert [s.entity_id for s in runtime.states.all() if s.domain == "binary_sensor"] == []


def test_the_platforms_are_not_named_as_not_provided() -> None:
    config = {"binary_sensor": [{"platform": "tod"}, {"platform": "trend"}, {"platform": "scrape"}]}
    [warning] = unsupported_keys(config)
    assert "'scrape'" in warning.message and "tod" not in warning.message


def test_the_slope_is_the_least_squares_one() -> None:
    assert least_squares_slope([(0.0, 1.0), (10.0, 2.0)]) == pytest.approx(0.1)
    # Epoch seconds: the line through (0, 0), (1, 1), (2, 5) has slope 2.5.
    base = 1_780_336_800.0
    assert least_squares_slope([(base, 0), (base + 1, 1), (base + 2, 5)]) == pytest.approx(2.5)


def test_bad_config_entries_are_errors_and_the_good_ones_are_made(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.config_dir = tmp_path
    tod = {"after_time": "20:00:00", "before_time": "06:00:00"}
    trend = {"entity_id": "sensor.a", "invert": False, "max_samples": 3.0}
    helpers = [
        ("tod", {"after_time": "20:00:00"}),
        ("tod", {**tod, "after_time": "sunset"}),
        ("trend", {k: v for k, v in trend.items() if k != "invert"}),
        ("trend", {**trend, "entity_id": "no such registry id"}),
        ("tod", tod),
        ("trend", trend),
    ]
    write_config_entries(tmp_path, *numbered_entries("Helper", helpers))
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert [issue.key for issue in errors] == [
        "data.entries[0].options.before_time",
        "data.entries[1].options.after_time",
        "data.entries[2].options.invert",
        "data.entries[3].options.entity_id",
    ]
    made = [runtime.states.get(f"binary_sensor.helper_{n}") is not None for n in range(6)]
    assert made == [False, False, False, False, True, True]
