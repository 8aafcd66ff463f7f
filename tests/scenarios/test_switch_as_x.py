"""Switches shown as other devices, read from Home Assistant's ``switch_as_x`` config
entries: what goes wrong (_switch_as_x.py). What they make and call is checked by the
cases in ``cases/corners_switch_as_x.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from tests.scenarios.config_files import numbered_entries, write_config_entries

GOOD = {"entity_id": "switch.plug", "target_domain": "light", "invert": False}


def _entries(folder: Path, *options: dict[str, Any]) -> Path:
    return write_config_entries(
        folder, *numbered_entries("Wrapper", (("switch_as_x", o) for o in options))
    )


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({**GOOD, "target_domain": "climate"}, "target_domain", "must be one of cover, fan"),
        ({k: v for k, v in GOOD.items() if k != "target_domain"}, "target_domain", "None"),
        ({**GOOD, "target_domain": []}, "target_domain", "got []"),
        ({k: v for k, v in GOOD.items() if k != "entity_id"}, "entity_id", "'entity_id' missing"),
        ({**GOOD, "entity_id": "0e99"}, "entity_id", "neither an entity id nor"),
        ({**GOOD, "target_domain": "cover", "invert": "yes"}, "invert", "true or false"),
    ],
)
def test_a_bad_entry_is_an_error_naming_file_entry_and_key_and_the_others_are_made(
    runtime: Runtime, tmp_path: Path, options: dict[str, Any], key: str, words: str
) -> None:
    runtime.config_dir = tmp_path
    path = _entries(tmp_path, options, GOOD)
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert len(errors) == 1, errors
    assert errors[0].file == str(path)
    assert errors[0].key == f"data.entries[0].options.{key}"
    assert errors[0].message.startswith("switch_as_x entry 'Wrapper 0' (e0): ")
    assert words in errors[0].message
    made = runtime.states.get("light.wrapper_1")
    assert made is not None and made.state == "unavailable"  # its switch has no state yet
    assert runtime.states.get("light.wrapper_0") is None


def test_invert_is_not_read_for_a_light(runtime: Runtime, tmp_path: Path) -> None:
    """As Home Assistant's light wrapper, which has no ``invert``."""
    runtime.config_dir = tmp_path
    runtime.states.set("switch.plug", "on", {})
    _entries(tmp_path, {**GOOD, "invert": "junk"})
    assert setup_config_entry_helpers(runtime) == ([], [])
    made = runtime.states.get("light.wrapper_0")
    assert made is not None and made.state == "on"


def test_an_entry_without_invert_is_not_inverted(runtime: Runtime, tmp_path: Path) -> None:
    """Entries older than ``invert`` lack it: Home Assistant's migration sets it false."""
    runtime.config_dir = tmp_path
    runtime.states.set("switch.plug", "on", {})
    _entries(tmp_path, {"entity_id": "switch.plug", "target_domain": "valve"})
    assert setup_config_entry_helpers(runtime) == ([], [])
    made = runtime.states.get("valve.wrapper_0")
    assert made is not None and made.state == "open"
    assert made.attributes["supported_features"] == 3
