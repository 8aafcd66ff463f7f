"""Building a house: what loading leaves behind for the garbage collector."""

from __future__ import annotations

import gc
from pathlib import Path

from homeloom.house import House, write_demo_config
from homeloom.orchestrator import TestClock

EXTRA_AUTOMATIONS = "".join(
    f"""
  - id: extra_{n}
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall_motion
        to: "on"
    conditions:
      - condition: numeric_state
        entity_id: sensor.hall_illuminance
        below: {n}
    actions:
      - action: light.turn_on
        target:
          entity_id: light.hall
"""
    for n in range(100)
)


async def _garbage_of_loading(config_dir: Path) -> int:
    """How many unreachable objects setting up and starting a house leaves."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        house = House(config_dir, clock=TestClock(), persist=False)
        report = await house.setup()
        await house.start()
        assert report.ok, report.errors
        found = gc.collect()
    finally:
        if enabled:
            gc.enable()
    await house.stop()
    return found


async def test_loading_makes_no_garbage_per_scenario(tmp_path: Path) -> None:
    # A long-running house freezes what loading built without a collection first
    # (which would cost as much as the loading). That is only right while loading
    # leaves no garbage for the collector beyond a few fixed objects (libraries'
    # own cycles, such as reading the adapters' entry points), whatever its size.
    write_demo_config(tmp_path)
    await _garbage_of_loading(tmp_path)  # imports what loading imports
    small = await _garbage_of_loading(tmp_path)
    config = tmp_path / "configuration.yaml"
    text = config.read_text(encoding="utf-8")
    marker = "automation:\n"
    config.write_text(text.replace(marker, marker + EXTRA_AUTOMATIONS, 1), encoding="utf-8")
    large = await _garbage_of_loading(tmp_path)
    assert large == small < 100


async def test_a_long_running_house_freezes_what_loading_built(tmp_path: Path) -> None:
    write_demo_config(tmp_path)
    before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    try:
        house = House(tmp_path, clock=TestClock(), persist=False, long_running=True)
        await house.setup()
        await house.start()
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        # ... and collects its young generation less often than a short command would.
        assert gc.get_threshold()[0] > thresholds[0]
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
