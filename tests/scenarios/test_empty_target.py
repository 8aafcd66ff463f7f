"""A target naming an empty list is a target naming nothing, as in Home Assistant
2024.3: the call is made, acts on no entity and the run goes on. Blueprints give
optional entity inputs the default ``[]`` (``entity: {multiple: true}``), so an
automation leaving such an input out calls the service with ``entity_id: []``.
Only a call with no target key at all is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.notified import recording_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

BLUEPRINT = """\
blueprint:
  name: Night off
  domain: automation
  input:
    also_off:
      name: Also turn off
      default: []
      selector: {entity: {domain: input_boolean, multiple: true}}
trigger: {platform: event, event_type: night}
action:
  - service: input_boolean.turn_off
    target: {entity_id: !input also_off}
  - service: test.record
    data: {step: after, hall: "{{ states('input_boolean.hall') }}"}
"""

BLUEPRINTS = {"blueprints/automation/me/night.yaml": BLUEPRINT}

CONFIG = """\
input_boolean:
  hall: {initial: true}
automation:
  - id: night_default
    use_blueprint: {path: me/night.yaml}
  - id: night_hall
    use_blueprint: {path: me/night.yaml, input: {also_off: [input_boolean.hall]}}
"""


async def test_a_blueprint_input_left_at_its_empty_list_default_targets_nothing(
    tmp_path: Path,
) -> None:
    async for house, recorded in recording_house(tmp_path, CONFIG, START, BLUEPRINTS):
        house.runtime.bus.fire("night", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        # both runs go on past the call; only the one naming the hall turns it off
        assert sorted(r["step"] for r in recorded) == ["after", "after"]
        assert house.runtime.states.get("input_boolean.hall").state == "off"  # type: ignore[union-attr]


@pytest.mark.parametrize("target", [{"entity_id": []}, {"entity_id": [], "area_id": []}])
async def test_an_empty_list_target_is_called_with_no_entity(
    tmp_path: Path, target: dict[str, Any]
) -> None:
    async for house, _ in recording_house(
        tmp_path, "input_boolean:\n  hall: {initial: true}\n", START
    ):
        await house.runtime.services.call("input_boolean", "turn_off", target=target)
        assert house.runtime.states.get("input_boolean.hall").state == "on"  # type: ignore[union-attr]


async def test_a_call_without_any_target_is_still_refused(tmp_path: Path) -> None:
    async for house, _ in recording_house(tmp_path, "input_boolean:\n  hall: {}\n", START):
        with pytest.raises(Exception, match="needs a target"):
            await house.runtime.services.call("input_boolean", "turn_off")
