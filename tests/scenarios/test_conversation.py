"""Conversation: sentences run scenarios, which answer through set_conversation_response."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios import compile_sentence

CONFIG = """\
input_number:
  kitchen_level: {min: 0, max: 100}
automation:
  - id: kitchen_level
    triggers:
      - trigger: conversation
        command:
          - "set [the] kitchen (light|lamp) to {level} [percent]"
          - "kitchen {level}"
    actions:
      - set_conversation_response: "Kitchen at {{ trigger.slots.level }}"
      - action: input_number.set_value
        target: {entity_id: input_number.kitchen_level}
        data: {value: "{{ trigger.slots.level | int }}"}
  - id: goodnight
    triggers: [{trigger: conversation, command: "good night"}]
    actions:
      - delay: 2
      - event: night_mode
"""


async def _house(tmp_path: Path) -> House:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def _say(house: House, text: str) -> Any:
    return await house.runtime.services.call(
        "conversation", "process", {"text": text}, return_response=True
    )


def _speech(answer: Any) -> str:
    return str(answer["response"]["speech"]["plain"]["speech"])


async def test_a_sentence_runs_its_scenario_and_gets_its_answer(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    answer = await _say(house, "Set the kitchen lamp to 40 percent!")
    assert _speech(answer) == "Kitchen at 40" and answer["matched"] is True
    await house.runtime.idle()
    level = house.runtime.states.get("input_number.kitchen_level")
    assert level is not None and level.state == "40.0"
    assert _speech(await _say(house, "kitchen 75")) == "Kitchen at 75"
    not_understood = await _say(house, "open the pod bay doors")
    assert not_understood["matched"] is False
    assert not_understood["response"]["response_type"] == "error"
    await house.stop()


async def test_without_an_answer_the_scenario_is_awaited_then_done(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    events: list[str] = []
    house.runtime.bus.listen("night_mode", lambda event: events.append(event.event_type))
    task = house.runtime.create_task(_say(house, "Good night."))
    await house.runtime.advance(1)
    assert not task.done()  # the run is still in its delay
    await house.runtime.advance(2)
    assert _speech(await task) == "Done"
    assert events == ["night_mode"]
    await house.stop()


async def test_a_scenario_ending_at_once_does_not_cut_short_another_one_answering(
    tmp_path: Path,
) -> None:
    # Two scenarios on one sentence: the first ends before the second has started
    # (runs start at once); the answer is still the second one's, given after its delay.
    (tmp_path / "configuration.yaml").write_text(
        """\
automation:
  - id: quiet
    triggers: [{trigger: conversation, command: "movie time"}]
    actions: [{event: movie_lights}]
  - id: answers
    triggers: [{trigger: conversation, command: "[it is] movie time"}]
    actions:
      - delay: 1
      - set_conversation_response: Enjoy the film
""",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    task = house.runtime.create_task(_say(house, "Movie time"))
    await house.runtime.advance(0.5)
    assert not task.done()
    await house.runtime.advance(1)
    assert _speech(await task) == "Enjoy the film"
    await house.stop()


def test_sentence_templates() -> None:
    pattern = compile_sentence("turn (on|off) [the] {area} light[s]")
    found = pattern.fullmatch("turn off the living room lights")
    assert found is not None and found.group("area") == "living room"
    assert pattern.fullmatch("turn on kitchen light") is not None
    assert pattern.fullmatch("turn up the kitchen light") is None
    with pytest.raises(ValueError, match="unclosed"):
        compile_sentence("turn [on")
    with pytest.raises(ValueError, match="must be a new name"):
        compile_sentence("{x} and {x}")


@pytest.mark.allow_error_logs
async def test_a_conversation_trigger_needs_sentences(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "automation:\n  - triggers: [{trigger: conversation, command: 'turn (on'}]\n"
        "    actions: []\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(), adapters=False, persist=False)
    report = await house.setup()
    assert any("unclosed" in issue.message for issue in report.errors)
    await house.runtime.stop()
