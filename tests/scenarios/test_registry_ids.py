"""The entity ids Home Assistant's entity registry keeps for YAML platforms' entities
(``homeloom.scenarios._registered_ids``): what the conformance cases do not reach."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeloom.orchestrator import Runtime, TestClock
from homeloom.orchestrator._ha_registries import entity_registry_file
from homeloom.scenarios._registered_ids import (
    free_entity_id,
    registered_automation_id,
    registered_entity_id,
    with_registry_names,
)
from tests.scenarios.fuzz_house import junk


def _runtime(tmp_path: Path, entities: list[dict[str, Any]] | str) -> Runtime:
    storage = tmp_path / ".storage"
    storage.mkdir()
    content = (
        entities
        if isinstance(entities, str)
        else json.dumps(
            {
                "version": 1,
                "minor_version": 13,
                "key": "core.entity_registry",
                "data": {"entities": entities},
            }
        )
    )
    (storage / "core.entity_registry").write_text(content, encoding="utf-8")
    return Runtime(clock=TestClock(), config_dir=tmp_path)


def _entry(entity_id: str, platform: str, unique_id: Any, **extra: Any) -> dict[str, Any]:
    return {"entity_id": entity_id, "platform": platform, "unique_id": unique_id, **extra}


def test_a_registered_entity_takes_its_id_and_a_named_one_steps_around_it(
    tmp_path: Path,
) -> None:
    runtime = _runtime(tmp_path, [_entry("sensor.renamed", "min_max", "m1")])
    taken: set[str] = set()
    assert registered_entity_id(runtime, "sensor.top", taken, "min_max", "m1") == "sensor.renamed"
    # Another platform's unique id, or none: made from the name, clear of kept ids.
    assert registered_entity_id(runtime, "sensor.top", taken, "statistics", "m1") == "sensor.top"
    assert registered_entity_id(runtime, "sensor.renamed", taken, "filter", None) == (
        "sensor.renamed_2"
    )
    assert taken == {"sensor.renamed", "sensor.top", "sensor.renamed_2"}


@pytest.mark.allow_error_logs  # a held id is an error, as in Home Assistant
def test_a_disabled_entry_or_a_held_id_makes_no_entity(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = _runtime(
        tmp_path,
        [
            _entry("sensor.off", "template", "t1", disabled_by="user"),
            _entry("sensor.held", "template", 7),
        ],
    )
    caplog.set_level(logging.INFO)
    assert registered_entity_id(runtime, "sensor.x", set(), "template", "t1") is None
    assert "sensor.off not added" in caplog.text
    runtime.states.set("sensor.held", "1")
    # A unique id written as a number matches the registry's text.
    assert registered_entity_id(runtime, "sensor.y", set(), "template", "7") is None
    assert "already used by sensor.held" in caplog.text


def test_a_restored_state_holds_no_id(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, [])
    runtime.states.set("sensor.kept", "1", {"restored": True})
    assert free_entity_id("sensor.kept", set(), runtime) == "sensor.kept"
    runtime.states.set("sensor.live", "1")
    assert free_entity_id("sensor.live", set(), runtime) == "sensor.live_2"


@pytest.mark.allow_error_logs  # a held id is an error, as in Home Assistant
def test_automations_take_the_id_registered_for_their_id(tmp_path: Path) -> None:
    runtime = _runtime(
        tmp_path,
        [
            _entry("automation.lights", "automation", "a1"),
            _entry("automation.gone", "automation", "a2", disabled_by="user"),
        ],
    )
    assert registered_automation_id(runtime, "Any alias", {}, "a1") == "automation.lights"
    assert registered_automation_id(runtime, "Gone", {}, "a2") is None
    assert registered_automation_id(runtime, "Lights", {}, None) == "automation.lights_2"
    assert registered_automation_id(runtime, "Lights", {"automation.lights"}, "a1") is None


@pytest.mark.parametrize("content", ["{not json", '{"data": {"entities": 3}}', "[]"])
def test_a_registry_that_cannot_be_read_registers_nothing(tmp_path: Path, content: str) -> None:
    runtime = _runtime(tmp_path, content)
    assert entity_registry_file(runtime).by_unique_id == {}
    assert registered_entity_id(runtime, "sensor.a", set(), "template", "t") == "sensor.a"


def test_the_registry_is_read_again_for_another_config_dir(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, [_entry("sensor.one", "template", "t")])
    assert entity_registry_file(runtime).by_entity_id.keys() == {"sensor.one"}
    runtime.config_dir = None
    assert entity_registry_file(runtime).by_entity_id == {}


def test_the_registry_name_icon_and_class_replace_the_entity_s_own(tmp_path: Path) -> None:
    runtime = _runtime(
        tmp_path,
        [
            _entry("sensor.both", "min_max", "b", name="Both", icon="mdi:star"),
            _entry("sensor.named", "min_max", "n", name="Named", icon=None),
            _entry("sensor.shown_as", "min_max", "s", device_class="power"),
            _entry("sensor.off", "min_max", "o", name="Off", disabled_by="user"),
            _entry("sensor.plain", "min_max", "p", name=None, device_class=""),
        ],
    )
    own = {
        "friendly_name": "Own",
        "icon": "mdi:calculator",
        "device_class": "energy",
        "unit_of_measurement": "W",
    }
    assert with_registry_names(runtime, "sensor.both", own) == {
        **own,
        "friendly_name": "Both",
        "icon": "mdi:star",
    }
    assert with_registry_names(runtime, "sensor.named", {}) == {"friendly_name": "Named"}
    # "Show as": the class replaces the entity's own, or gives one to an entity without.
    assert with_registry_names(runtime, "sensor.shown_as", own) == {**own, "device_class": "power"}
    assert with_registry_names(runtime, "sensor.shown_as", {}) == {"device_class": "power"}
    assert own["friendly_name"] == "Own" and own["device_class"] == "energy"
    # A disabled entry has no entity to show; an entry giving none changes nothing.
    for entity_id in ("sensor.off", "sensor.plain", "sensor.unregistered"):
        assert with_registry_names(runtime, entity_id, own) is own


entries = st.lists(
    st.one_of(
        junk,
        st.fixed_dictionaries(
            {},
            optional={
                "entity_id": st.one_of(junk, st.sampled_from(["sensor.a", "automation.b"])),
                "platform": st.one_of(junk, st.sampled_from(["template", "automation"])),
                "unique_id": st.one_of(junk, st.sampled_from(["u", "1"])),
                "disabled_by": junk,
                "name": junk,
                "icon": junk,
                "device_class": junk,
            },
        ),
    ),
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries)
@pytest.mark.allow_error_logs  # two entries may register one id: an error, as there
def test_any_registry_gives_an_id_or_none(
    tmp_path_factory: pytest.TempPathFactory, listed: Any
) -> None:
    """Whatever the file holds, an entity gets an id of its domain or is left out."""
    try:
        runtime = _runtime(tmp_path_factory.mktemp("registry"), listed)
    except TypeError:  # junk that is no JSON (not a case Home Assistant writes)
        return
    for platform, unique_id in (("template", "u"), ("automation", "1"), ("template", None)):
        entity_id = registered_entity_id(runtime, "sensor.a", set(), platform, unique_id)
        assert entity_id is None or entity_id.startswith("sensor.")
    automation_id = registered_automation_id(runtime, "B", set(), "1")
    assert automation_id is None or automation_id.startswith("automation.")
    # Only text a resident gave in the UI shows: no junk name, icon or class.
    shown = with_registry_names(runtime, "sensor.a", {})
    assert set(shown) <= {"friendly_name", "icon", "device_class"}
    assert all(isinstance(value, str) and value for value in shown.values())
