"""An automation's ``trigger_variables`` as Home Assistant renders them when its triggers
attach: one after the other, each seeing those before it; one that fails to render leaves
that automation on with no trigger attached (an error logged), the others unharmed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scenarios.notified import notified_house

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: chained
    trigger_variables:
      room: hall
      event_name: "{{ room ~ '_button' }}"
    triggers: [{trigger: event, event_type: "{{ event_name }}"}]
    actions:
      - action: notify.notify
        data: {message: "chained {{ event_name }}"}
  - id: broken
    trigger_variables:
      limit_text: 17.5 C
      limit: "{{ limit_text | float }}"
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: notify.notify
        data: {message: broken}
  - id: plain
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: notify.notify
        data: {message: plain}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.mark.allow_error_logs
async def test_trigger_variables_render_in_order_and_a_failing_one_arms_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        house, sent = await notified_house(tmp_path, CONFIG, START)
    assert "error rendering trigger variables" in caplog.text
    bus = house.runtime.bus
    bus.fire("hall_button", {})
    bus.fire("go", {})
    await house.runtime.advance(1)
    assert sent == [(0, "chained hall_button"), (0, "plain")]
    # Still on, as in Home Assistant: only its triggers are missing.
    broken = house.runtime.states.get("automation.automation_1")
    assert broken is not None and broken.state == "on"
    await house.stop()
