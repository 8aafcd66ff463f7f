"""A state condition on an attribute with `state: null` holds when the attribute is
there with no value (a climate without a preset), as in Home Assistant 2024.3, where
the wanted value is compared as written (resident mix 70)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios._conditions import compile_condition

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attributes", "wanted", "held"),
    [
        ({"preset_mode": None}, None, True),
        ({"preset_mode": "eco"}, None, False),
        ({}, None, False),  # no such attribute: false, as Home Assistant's
        ({"preset_mode": None}, [None, "eco"], True),
        ({"preset_mode": None}, "None", False),
    ],
)
def test_state_null_matches_an_attribute_with_no_value(
    attributes: dict[str, Any], wanted: Any, held: bool
) -> None:
    runtime = Runtime(clock=TestClock(START))
    runtime.states.set("climate.living", "heat", attributes)
    check = compile_condition(
        runtime,
        {
            "condition": "state",
            "entity_id": "climate.living",
            "attribute": "preset_mode",
            "state": wanted,
        },
    )
    assert check({}) is held
