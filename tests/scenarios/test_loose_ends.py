"""Loose ends checked outside the scenario cases: what a ``conversation`` trigger
gives its scenario (the oracle does not set up Home Assistant's conversation), and
the sensor value rules every platform shares.

The expected slots are what Home Assistant 2024.3's matcher (hassil 1.6.1, run on
these sentences and templates) gives: the text's case folded, its spaces single,
marks between the template's words passed over and those ending a slot taken off,
every other character of a slot kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios._sensor_units import (
    converted_temperature,
    house_temperature_unit,
    numeric_state_expected,
)

CONFIG = """\
automation:
  - id: heard
    triggers:
      - trigger: conversation
        command:
          - "remind me to {task}"
          - "set [the] {room} to {level}"
          - "play {album} by {artist}"
          - "lock the {door} door"
          - "good night [house]"
          - "what's on"
    actions:
      - event: heard
        event_data:
          slots: "{{ trigger.slots }}"
          details: "{{ trigger.details }}"
          sentence: "{{ trigger.sentence }}"
"""


async def _heard(tmp_path: Path, text: str) -> dict[str, Any] | None:
    """What the scenario hears of ``text``: its trigger's data, None when unmatched."""
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    heard: list[dict[str, Any]] = []
    house.runtime.bus.listen("heard", lambda event: heard.append(dict(event.data)))
    await house.runtime.services.call(
        "conversation", "process", {"text": text}, return_response=True
    )
    await house.runtime.idle()
    await house.stop()
    return heard[0] if heard else None


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("Remind me to Water the Plants, please!", {"task": "water the plants, please"}),
        ("SET the Living   Room to 21.5 °C.", {"room": "living room", "level": "21.5 °c"}),
        ("remind me to call O'Brien at 5:30?", {"task": "call o'brien at 5:30"}),
        ("Lock the FRONT door.", {"door": "front"}),
        ("Play Abbey Road by The Beatles!", {"album": "abbey road", "artist": "the beatles"}),
        ("set the Hall to  Warm , cosy", {"room": "hall", "level": "warm , cosy"}),
        ("remind me to buy milk...", {"task": "buy milk"}),
        ("Remind me to: pay Bob's bill;", {"task": "pay bob's bill"}),
        ("remind me to  ¿qué tal?", {"task": "¿qué tal"}),
        ("set the room to 1,5", {"room": "room", "level": "1,5"}),
        ("Remind me to visit the Straße", {"task": "visit the strasse"}),
        ("¡Good, night house!", {}),
        ("What's on?", {}),
    ],
)
async def test_conversation_slots_are_as_home_assistant_gives_them(
    tmp_path: Path, text: str, slots: dict[str, str]
) -> None:
    heard = await _heard(tmp_path, text)
    assert heard is not None
    assert heard["slots"] == slots
    assert heard["details"] == {
        name: {"name": name, "text": value, "value": value} for name, value in slots.items()
    }
    assert heard["sentence"] == text  # the sentence as said


@pytest.mark.parametrize("text", ["remind me to ?", "whats on", "lock the door"])
async def test_sentences_home_assistant_does_not_match(tmp_path: Path, text: str) -> None:
    assert await _heard(tmp_path, text) is None


def test_numeric_device_classes_expect_a_number_without_a_unit() -> None:
    assert numeric_state_expected("temperature", None, None)
    assert numeric_state_expected("humidity", None, None)
    assert numeric_state_expected(None, "measurement", None)
    assert numeric_state_expected(None, None, "°C")
    for textual in ("date", "enum", "timestamp"):
        assert not numeric_state_expected(textual, "measurement", "°C")
    assert not numeric_state_expected("made_up", None, None)  # as no class at all
    assert not numeric_state_expected(None, None, None)


class _Settings:
    def __init__(self, unit_system: str) -> None:
        self.unit_system = unit_system


class _Runtime:
    def __init__(self, unit_system: str) -> None:
        self.settings = _Settings(unit_system)


def test_temperatures_convert_to_the_house_unit_only() -> None:
    metric, us = _Runtime("metric"), _Runtime("us_customary")
    assert house_temperature_unit(metric, "temperature", "°F") == "°C"  # type: ignore[arg-type]
    assert house_temperature_unit(metric, "temperature", "°C") is None  # type: ignore[arg-type]
    assert house_temperature_unit(metric, "temperature", "K") is None  # type: ignore[arg-type]
    assert house_temperature_unit(metric, None, "°F") is None  # type: ignore[arg-type]
    assert house_temperature_unit(us, "temperature", "°C") == "°F"  # type: ignore[arg-type]
    # As many decimals as written; a negative zero shows as zero.
    assert converted_temperature("70.7", "°C") == "21.5"
    assert converted_temperature(72.05, "°C") == "22.25"
    assert converted_temperature("32", "°C") == "0"
    assert converted_temperature("12.5", "°F") == "54.5"
    assert converted_temperature("31.99", "°C") == "-0.01"
    assert converted_temperature("nan", "°C") is None
    assert converted_temperature("warm", "°C") is None
