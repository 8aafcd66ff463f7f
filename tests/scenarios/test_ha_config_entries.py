"""Template and group helpers read from Home Assistant's config entries: what goes
wrong (_ha_config_entries.py). What they make is checked by the cases in
``cases/corners_config_entry_helpers.yaml``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from tests.scenarios.config_files import write_config_entries

SENSOR_OPTIONS = {"template_type": "sensor", "name": "Made", "state": "{{ 1 + 1 }}"}
SENSOR = {"entry_id": "e-sensor", "domain": "template", "title": "Made", "options": SENSOR_OPTIONS}


def _write(folder: Path, name: str, content: Any) -> Path:
    path = folder / ".storage" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.fixture
def house(runtime: Runtime, tmp_path: Path) -> Runtime:
    runtime.config_dir = tmp_path
    return runtime


def _only(issues: list[ConfigIssue]) -> ConfigIssue:
    assert len(issues) == 1, issues
    return issues[0]


@pytest.mark.parametrize("config_dir", [None, Path("/nonexistent/homeloom")])
def test_nothing_without_a_config_dir_or_a_file(runtime: Runtime, config_dir: Path | None) -> None:
    runtime.config_dir = config_dir
    assert setup_config_entry_helpers(runtime) == ([], [])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not read:"),
        ({"version": 1, "data": {"items": []}}, '{"data": {"entries": [...]}}'),
        ([1, 2], '{"data": {"entries": [...]}}'),
    ],
)
def test_a_file_that_cannot_be_read_is_one_warning(
    house: Runtime, tmp_path: Path, content: Any, words: str
) -> None:
    path = _write(tmp_path, "core.config_entries", content)
    errors, warnings = setup_config_entry_helpers(house)
    warning = _only(warnings)
    assert errors == []
    assert words in warning.message
    assert (warning.file, warning.key) == (str(path), "data.entries")


def test_a_malformed_entry_is_skipped_and_the_others_are_made(
    house: Runtime, tmp_path: Path
) -> None:
    path = write_config_entries(
        tmp_path,
        "text",
        {**SENSOR, "domain": None},
        {**SENSOR, "options": ["state"]},
        SENSOR,
    )
    errors, warnings = setup_config_entry_helpers(house)
    assert errors == []
    assert [(w.file, w.key) for w in warnings] == [
        (str(path), "data.entries[0]"),
        (str(path), "data.entries[1].domain"),
        (str(path), "data.entries[2].options"),
    ]
    assert all(w.message.startswith("entry skipped: ") for w in warnings)
    state = house.states.get("sensor.made")
    assert state is not None and state.state == "2"


def test_entries_homeloom_does_not_provide_are_named_in_one_warning(
    house: Runtime, tmp_path: Path
) -> None:
    write_config_entries(
        tmp_path,
        {"entry_id": "1", "domain": "met", "title": "Home", "options": {}},
        {"entry_id": "2", "domain": "hue", "title": "Bridge", "disabled_by": "user"},
        {
            "entry_id": "3",
            "domain": "group",
            "title": "Doorbells",
            "options": {"group_type": "event", "entities": ["event.a"]},
        },
        SENSOR,
    )
    errors, warnings = setup_config_entry_helpers(house)
    assert errors == []
    message = _only(warnings).message
    assert "met 'Home'" in message
    assert "group 'Doorbells' (event group)" in message
    assert "hue" not in message  # disabled: Home Assistant does not set it up either
    assert house.states.get("event.doorbells") is None
    assert house.states.get("sensor.made") is not None


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"colour": "red"}, "options.colour", "unknown key 'colour'"),
        ({"state": "{{ 1 +"}, "options.state", "syntax error"),
        ({"state": None}, "options", "missing 'state'"),
    ],
)
def test_a_template_helper_that_cannot_be_made_is_an_error_naming_file_entry_and_key(
    house: Runtime, tmp_path: Path, options: dict[str, Any], key: str, words: str
) -> None:
    merged = {**SENSOR_OPTIONS, "name": "Broken", **options}
    broken_options = {k: v for k, v in merged.items() if v is not None}
    broken = {"entry_id": "e-broken", "domain": "template", "title": "Broken"}
    path = write_config_entries(tmp_path, {**broken, "options": broken_options}, SENSOR)
    errors, warnings = setup_config_entry_helpers(house)
    error = _only(errors)
    assert warnings == []
    assert (error.file, error.key) == (str(path), f"data.entries[0].{key}")
    assert error.message.startswith("template entry 'Broken' (e-broken): ")
    assert words in error.message
    assert house.states.get("sensor.broken") is None
    assert house.states.get("sensor.made") is not None


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"entities": "light.a"}, "options.entities", "'entities' must be a list"),
        ({"entities": ["light.a", 7]}, "options.entities[1]", "7 is neither an entity id"),
        ({"entities": ["light.a"], "all": "yes"}, "options.all", "'all' must be true or false"),
    ],
)
def test_a_group_helper_that_cannot_be_made_is_an_error_naming_file_entry_and_key(
    house: Runtime, tmp_path: Path, options: dict[str, Any], key: str, words: str
) -> None:
    group = {"entry_id": "e-group", "domain": "group", "title": "Lights"}
    path = write_config_entries(
        tmp_path, {**group, "options": {"group_type": "light", **options}}, SENSOR
    )
    errors, _ = setup_config_entry_helpers(house)
    error = _only(errors)
    assert (error.file, error.key) == (str(path), f"data.entries[0].{key}")
    assert error.message.startswith("group entry 'Lights' (e-group): ")
    assert words in error.message
    assert house.states.get("light.lights") is None
    assert house.states.get("sensor.made") is not None


def test_an_unreadable_entity_registry_leaves_ids_made_from_names(
    house: Runtime, tmp_path: Path
) -> None:
    write_config_entries(tmp_path, SENSOR)
    _write(tmp_path, "core.entity_registry", "{broken")
    assert setup_config_entry_helpers(house) == ([], [])
    assert house.states.get("sensor.made") is not None


def test_the_files_are_read_never_written(house: Runtime, tmp_path: Path) -> None:
    path = write_config_entries(
        tmp_path, SENSOR, {"entry_id": "1", "domain": "met", "title": "Home"}
    )
    before = path.read_bytes(), path.stat().st_mtime_ns
    setup_config_entry_helpers(house)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["core.config_entries"]
