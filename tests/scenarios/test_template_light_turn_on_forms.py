"""A template light takes every ``light.turn_on`` form Home Assistant 2024.3's light
service takes, converted before its actions run: a brightness step, a colour name, xy,
a colour or colour temperature of a mode it lacks, a built-in profile; ``flash`` and
``white`` dropped (tests/scenarios/cases/resident_mix_62.yaml checks the same against
Home Assistant)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import ServiceValidationError
from tests.scenarios.notified import observed_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

# Each action says what it got; the light's state follows input_boolean.power.
_LIGHT = """
homeloom:
  time_zone: Europe/Paris
input_boolean:
  power: {initial: true}
light:
- platform: template
  lights:
    lamp:
      value_template: "{{ is_state('input_boolean.power', 'on') }}"
      level_template: "{{ 100 }}"
      turn_on: {service: notify.notify, data: {message: "on"}}
      turn_off: {service: notify.notify, data: {message: "off"}}
      set_level: {service: notify.notify, data: {message: "level {{ brightness }}"}}
      ACTIONS
"""
_HS = 'set_hs: {service: notify.notify, data: {message: "hs {{ h }} {{ s }}"}}'
_RGB = 'set_rgb: {service: notify.notify, data: {message: "rgb {{ rgb }}"}}'
_TEMPERATURE = 'set_temperature: {service: notify.notify, data: {message: "ct {{ color_temp }}"}}'


async def _said(tmp_path: Path, actions: str, data: dict[str, Any]) -> list[str]:
    """What the light's actions said for one ``light.turn_on`` with ``data``."""
    config = _LIGHT.replace("ACTIONS", actions)
    house, calls = await observed_house(tmp_path, config, START)
    try:
        target = {"entity_id": "light.lamp"}
        await house.runtime.services.call("light", "turn_on", data, target=target)
    finally:
        await house.stop()
    return [str(c.data["message"]) for c in calls if c.domain == "notify"]


@pytest.mark.parametrize(
    ("actions", "data", "said"),
    [
        # A step starts from the brightness while on (100 from level_template).
        ("", {"brightness_step": 30}, ["level 130"]),
        ("", {"brightness_step_pct": -10}, ["level 74"]),
        ("", {"brightness_step": -100}, ["off"]),  # a step down to 0 is a turn_off
        (_HS, {"color_name": "orange"}, ["hs 38 100"]),
        # A known colour name reaches an rgb light as Home Assistant's named tuple.
        (_RGB, {"color_name": "salmon"}, ["rgb RGBColor(r=250, g=128, b=114)"]),
        (_RGB, {"xy_color": [0.45, 0.41]}, ["rgb (255, 210, 125)"]),
        (_HS, {"rgb_color": [255, 128, 0]}, ["hs 30 100"]),
        (_RGB, {"kelvin": 2700}, ["rgb (255, 166, 87)"]),
        (_TEMPERATURE, {"hs_color": [30, 50]}, ["ct 419"]),
        (_HS, {"profile": "relax"}, ["hs 35 69"]),
        ("", {"flash": "short", "white": True}, ["on"]),
    ],
)
async def test_a_template_light_takes_the_light_services_converted_forms(
    tmp_path: Path, actions: str, data: dict[str, Any], said: list[str]
) -> None:
    assert await _said(tmp_path, actions, data) == said


async def test_a_light_refuses_two_colour_descriptors_as_home_assistants_schema(
    tmp_path: Path,
) -> None:
    # Home Assistant's turn_on schema puts the colours, colour temperatures, white and
    # profile in one exclusion group: the call fails before any light sees it.
    with pytest.raises(ServiceValidationError, match="only one colour descriptor"):
        await _said(tmp_path, _HS, {"hs_color": [30, 50], "color_temp_kelvin": 2700})
