"""Home Assistant's saved states (``.storage/core.restore_state``): what wins, and the
warnings about a file or an entry that cannot be used."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import ConfigIssue, Context, Runtime, State, TestClock
from homeloom.scenarios._ha_restore import load_ha_restore_state, restored_state

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
SEEN = "2026-06-01T17:59:00+00:00"
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
input_number:
  heating: {min: 10, max: 30, step: 0.5}
input_boolean:
  guest: {}
"""


def _write(config_dir: Path, content: Any) -> Path:
    path = config_dir / ".storage" / "core.restore_state"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _saved(entity_id: str, state: str, **attributes: Any) -> dict[str, Any]:
    saved = {"entity_id": entity_id, "state": state, "attributes": attributes}
    return {"state": saved, "extra_data": None, "last_seen": SEEN}


def _file(*items: Any) -> dict[str, Any]:
    return {"version": 1, "key": "core.restore_state", "data": list(items)}


def _load(tmp_path: Path) -> tuple[Runtime, list[ConfigIssue]]:
    runtime = Runtime(clock=TestClock(START))
    return runtime, load_ha_restore_state(runtime, tmp_path)


def test_no_storage_folder_is_no_warning(tmp_path: Path) -> None:
    runtime = Runtime(clock=TestClock(START))
    assert load_ha_restore_state(runtime, tmp_path) == []
    assert restored_state(runtime, "input_boolean.guest") is None


def test_a_file_that_is_not_json_is_one_warning_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "{not json")
    runtime, warnings = _load(tmp_path)
    assert len(warnings) == 1
    assert warnings[0].file == str(path) and warnings[0].message.startswith("not read:")
    assert restored_state(runtime, "input_boolean.guest") is None


def test_a_file_without_a_data_list_is_one_warning(tmp_path: Path) -> None:
    _write(tmp_path, {"version": 1, "data": {"input_boolean.guest": "on"}})
    _, warnings = _load(tmp_path)
    assert [(w.key, "data" in w.message) for w in warnings] == [("data", True)]


def test_each_malformed_entry_is_a_warning_naming_its_entity_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        _file(
            "not a mapping",
            {"state": {"entity_id": "input_number.heating"}, "last_seen": SEEN},
            _saved("not an id", "on"),
            {"state": {**_saved("input_text.a", "x")["state"], "attributes": [1]}},
            {"state": {**_saved("input_text.b", "x")["state"], "last_changed": "noon"}},
            _saved("timer.tea", "active", duration="0:05:00"),
            _saved("timer.egg", "paused", duration="0:05:00", remaining="soon"),
            _saved("automation.night", "on", last_triggered="yesterday"),
            _saved("counter.visits", "many"),
            _saved("input_boolean.guest", "on"),
        ),
    )
    runtime, warnings = _load(tmp_path)
    assert all(w.file == str(path) for w in warnings)
    found = {w.key: w.message for w in warnings}
    assert set(found) == {f"data[{index}]" for index in range(9)}
    assert "expected {'state'" in found["data[0]"]
    assert "input_number.heating: 'state' must be a text" in found["data[1]"]
    assert "'not an id' is not an entity id" in found["data[2]"]
    assert "input_text.a: 'attributes' must be a mapping" in found["data[3]"]
    assert "input_text.b: 'last_changed' must be an ISO date" in found["data[4]"]
    assert "timer.tea: a timer saved active needs the attribute 'finishes_at'" in found["data[5]"]
    assert "timer.egg: 'attributes.remaining'" in found["data[6]"]
    assert "automation.night: 'attributes.last_triggered'" in found["data[7]"]
    assert "counter.visits: a counter's state must be a whole number" in found["data[8]"]
    guest = restored_state(runtime, "input_boolean.guest")
    assert guest is not None and guest.state == "on"
    assert restored_state(runtime, "timer.tea") is None


def test_homeloom_s_own_saved_state_wins_and_a_live_state_restores_nothing(
    tmp_path: Path,
) -> None:
    _write(tmp_path, _file(_saved("input_number.heating", "21.5"), _saved("light.hall", "on")))
    runtime, _ = _load(tmp_path)
    own = State("input_number.heating", "19.0", {"restored": True}, START, START, Context())
    runtime.states.restore(own)
    assert restored_state(runtime, "input_number.heating") is own
    runtime.states.set("light.hall", "off", {})
    assert restored_state(runtime, "light.hall") is None


async def test_a_house_restores_from_it_warns_and_forgets_it_once_started(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    _write(
        tmp_path,
        _file(_saved("input_number.heating", "21.5"), _saved("input_boolean.guest", "sure")),
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    heating = house.runtime.states.get("input_number.heating")
    assert heating is not None and heating.state == "21.5"
    guest = house.runtime.states.get("input_boolean.guest")
    assert guest is not None and guest.state == "off"  # not "on": as Home Assistant
    await house.start()
    assert restored_state(house.runtime, "input_number.heating") is None
    await house.stop()


async def test_the_house_s_database_wins_over_home_assistant_s_file(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    _write(tmp_path, _file(_saved("input_number.heating", "21.5")))
    house = House(tmp_path, clock=TestClock(START), adapters=False)
    await house.setup()
    await house.start()
    await house.runtime.services.call(
        "input_number", "set_value", {"value": 12}, target={"entity_id": "input_number.heating"}
    )
    await house.stop()

    again = House(tmp_path, clock=TestClock(START), adapters=False)
    await again.setup()
    heating = again.runtime.states.get("input_number.heating")
    assert heating is not None and heating.state == "12.0"
    await again.start()
    await again.stop()


TRIGGER_TEMPLATES = """\
homeloom:
  time_zone: Europe/Paris
template:
  - trigger: {platform: event, event_type: visit}
    sensor:
      - name: Last visitor
        state: "{{ trigger.event.data.who }}"
        attributes: {door: "{{ trigger.event.data.door }}"}
    binary_sensor:
      - {name: Visited, state: "true"}
"""


async def test_trigger_based_template_entities_restore_from_the_house_s_database(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(TRIGGER_TEMPLATES, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False)
    await house.setup()
    await house.start()
    house.runtime.bus.fire("visit", {"who": "Ann", "door": "front"})
    await house.runtime.idle()
    await house.stop()

    again = House(tmp_path, clock=TestClock(START), adapters=False)
    await again.setup()
    visitor = again.runtime.states.get("sensor.last_visitor")
    assert visitor is not None and visitor.state == "Ann"
    # Written afresh: the configured attributes kept, no longer marked restored.
    assert visitor.attributes == {"friendly_name": "Last visitor", "door": "front"}
    visited = again.runtime.states.get("binary_sensor.visited")
    assert visited is not None and visited.state == "on" and not visited.restored
    await again.start()
    await again.stop()
