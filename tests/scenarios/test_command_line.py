"""``command_line:`` entities on a real runtime: configuration errors, and commands that
fail, run out of time or print what their entity cannot read."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import ConfigIssue, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _setup(config_dir: Path, configuration: str) -> tuple[House, list[ConfigIssue]]:
    house, errors, _ = await _setup_with_warnings(config_dir, configuration)
    return house, errors


async def _setup_with_warnings(
    config_dir: Path, configuration: str
) -> tuple[House, list[ConfigIssue], list[ConfigIssue]]:
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    await house.start()
    return house, report.errors, report.warnings


def _state(house: House, entity_id: str) -> str | None:
    state = house.runtime.states.get(entity_id)
    return None if state is None else state.state


@pytest.mark.allow_error_logs  # house setup logs each configuration error
@pytest.mark.parametrize(
    ("item", "line", "key", "words"),
    [
        ("- sensor: {name: A}", 2, "command_line[0].sensor.command", "'command' missing"),
        ("- sensor: {command: 'true', colour: red}", 2, "command_line[0].sensor.colour", "valid:"),
        (
            "- sensor: {command: 'true', device_class: warmth}",
            2,
            "command_line[0].sensor.device_class",
            "temperature",
        ),
        (
            "- switch: {command_on: 'true'}",
            2,
            "command_line[0].switch.name",
            "needs one",
        ),
        (
            "- sensor: {command: 'true', scan_interval: 0}",
            2,
            "command_line[0].sensor.scan_interval",
            "longer than zero",
        ),
        (
            "- sensor: {command: 'true', command_timeout: soon}",
            2,
            "command_line[0].sensor.command_timeout",
            "whole number",
        ),
        (
            "- sensor: {command: 'true', value_template: '{{ value'}",
            2,
            "command_line[0].sensor.value_template",
            "syntax error",
        ),
        ("- light: {command: 'true'}", 2, "command_line[0].light", "binary_sensor"),
    ],
)
async def test_a_bad_item_is_reported_at_its_key_and_skipped(
    tmp_path: Path, item: str, line: int, key: str, words: str
) -> None:
    house, errors = await _setup(
        tmp_path, f"command_line:\n  {item}\n  - sensor: {{name: Fine, command: echo 1}}\n"
    )
    assert len(errors) == 1, errors
    assert (errors[0].file, errors[0].line, errors[0].key) == ("configuration.yaml", line, key)
    assert words in errors[0].message
    assert _state(house, "sensor.fine") == "1"  # the other items are set up
    await house.stop()


async def test_the_old_platform_form_is_refused_with_where_to_move_it(tmp_path: Path) -> None:
    house, errors, warnings = await _setup_with_warnings(
        tmp_path, "sensor:\n  - platform: command_line\n    name: Old\n    command: echo 1\n"
    )
    messages = [str(issue) for issue in [*errors, *warnings]]
    assert any("command_line: - sensor:" in message for message in messages), messages
    assert _state(house, "sensor.old") is None
    await house.stop()


@pytest.mark.allow_error_logs
async def test_failing_commands_are_logged_and_leave_their_entities_readable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house, errors = await _setup(
        tmp_path,
        """\
command_line:
  - sensor: {name: Slow, command: "sleep 5", command_timeout: 1}
  - sensor: {name: Exits, command: "echo partial; exit 4"}
  - cover: {name: Odd, command_state: "echo half"}
  - switch: {name: Stuck, command_on: "exit 1"}
""",
    )
    assert errors == []
    assert _state(house, "sensor.slow") == "unknown"
    assert _state(house, "sensor.exits") == "unknown"  # partial output is not kept
    assert "Timeout for command: sleep 5" in caplog.text
    assert "Command failed (with return code 4)" in caplog.text
    await house.runtime.advance(15)  # the cover's first poll: not a whole number
    assert _state(house, "cover.odd") == "unknown"
    assert "'half' is not a whole number" in caplog.text
    await house.runtime.services.call("switch", "turn_on", {"entity_id": "switch.stuck"})
    await house.runtime.idle()
    assert _state(house, "switch.stuck") == "off"
    assert any(r.levelno == logging.ERROR and "exit 1" in r.getMessage() for r in caplog.records)
    await house.stop()


async def test_a_poll_still_running_is_not_started_again(tmp_path: Path) -> None:
    house, _ = await _setup(tmp_path, "command_line:\n  - sensor: {name: N, command: echo 1}\n")
    refresh = house.runtime.services.refresher_of("sensor.n")
    assert refresh is not None
    first, second = refresh(), refresh()
    assert first is not None and second is not None
    await asyncio.gather(first, second)  # the second returns at once, with a warning
    assert _state(house, "sensor.n") == "1"
    await house.stop()


async def test_checking_the_configuration_runs_no_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    configuration = f"command_line:\n  - sensor: {{name: Touch, command: touch {marker}}}\n"
    (tmp_path / "configuration.yaml").write_text(configuration, encoding="utf-8")
    report = await check_config(tmp_path)
    assert report.errors == []
    assert not marker.exists()
    house, _ = await _setup(tmp_path, configuration)  # a house that starts reads it
    assert marker.exists()
    assert _state(house, "sensor.touch") == ""
    await house.stop()
