"""Manual alarm panels: what Home Assistant 2024.3 refuses of their configuration (each
error with its file, line and key, and what is valid), disarming (a guarded service,
which the cases in ``cases/corners_manual_alarm.yaml`` cannot run from an automation),
and what a panel is after the house restarts while it was ``arming`` or ``pending``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import ServiceValidationError, TestClock
from homeloom.scenarios._manual_alarm import NoTriggerTime
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import config_errors

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
PANEL = "alarm_control_panel.house"


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("unique_id: house_alarm", "unique_id", "valid: armed_away, armed_custom_bypass"),
        ("code: 1\n    code_template: '2'", "code_template", "either code or code_template"),
        ("delay_time: -5", "delay_time", "must not be negative"),
        ("trigger_time: soon", "trigger_time", "not a duration"),
        ("code_arm_required: maybe", "code_arm_required", "expected a boolean"),
        ("code_template: '{{ oops'", "code_template", "syntax error"),
        ("armed_home: 5", "armed_home", "mapping of arming_time, delay_time, trigger_time"),
        ("disarmed: {arming_time: 5}", "disarmed", "valid: delay_time, trigger_time"),
        ("triggered: {trigger_time: 5}", "triggered", "it takes no key"),
        ("armed_away: {delay_time: -1}", "armed_away", "armed_away.delay_time must not be"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_manual_alarm_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    block = f"alarm_control_panel:\n  - platform: manual\n    name: House\n    {option}\n"
    [(line, found_key, message)] = await config_errors(tmp_path, block)
    assert found_key == f"alarm_control_panel[0].{key}"
    assert line == 4 + option.count("\n")
    assert words in message


def test_the_manual_platform_is_provided_and_others_are_warned_about() -> None:
    config = {"alarm_control_panel": [{"platform": "manual"}, {"platform": "envisalink"}]}
    [warning] = unsupported_keys(config)
    assert "'envisalink' is not provided" in warning.message


CONFIG = """\
homeloom:
  time_zone: Europe/Paris
alarm_control_panel:
  - platform: manual
    name: House
    code: "1234"
    arming_time: 60
    delay_time: 30
    trigger_time: 120
"""


async def _house(config_dir: Path, now: datetime = START, *, persist: bool = True) -> House:
    if not (config_dir / "configuration.yaml").exists():
        (config_dir / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(config_dir, clock=TestClock(now), adapters=False, persist=persist)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def _command(house: House, service: str, **data: Any) -> None:
    await house.runtime.services.call(
        "alarm_control_panel", service, data, target={"entity_id": PANEL}
    )
    await house.runtime.idle()


def _shown(house: House) -> tuple[str, dict[str, Any]]:
    state = house.runtime.states.get(PANEL)
    assert state is not None
    return state.state, dict(state.attributes)


async def test_disarming_needs_the_code_and_keeps_the_state_before(tmp_path: Path) -> None:
    house = await _house(tmp_path, persist=False)
    await _command(house, "alarm_arm_home", code="1234")
    with pytest.raises(ServiceValidationError, match="Invalid alarm code provided"):
        await _command(house, "alarm_disarm", code="0000")
    with pytest.raises(ServiceValidationError, match="Invalid alarm code provided"):
        await _command(house, "alarm_disarm")
    assert _shown(house)[0] == "arming"
    await _command(house, "alarm_disarm", code="1234")
    assert _shown(house)[0] == "disarmed"
    # Disarming leaves the state before as it was: a trigger now is pending for the
    # disarmed state's delay, with disarmed as the state before.
    await _command(house, "alarm_trigger")
    state, attributes = _shown(house)
    assert (state, attributes["previous_state"], attributes["next_state"]) == (
        "pending",
        "disarmed",
        "triggered",
    )
    await house.stop()


async def test_a_trigger_while_triggered_fails_as_in_home_assistant(tmp_path: Path) -> None:
    house = await _house(tmp_path, persist=False)
    await _command(house, "alarm_trigger")
    await house.runtime.advance(30)
    assert _shown(house)[0] == "triggered"
    with pytest.raises(NoTriggerTime, match="'triggered': a manual alarm has no trigger time"):
        await _command(house, "alarm_trigger")
    await house.stop()


async def test_after_disarm_after_trigger_a_new_trigger_fails_until_armed(tmp_path: Path) -> None:
    config = CONFIG.replace("    trigger_time: 120\n", "    trigger_time: 10\n")
    (tmp_path / "configuration.yaml").write_text(
        config + "    disarm_after_trigger: true\n    code_arm_required: false\n",
        encoding="utf-8",
    )
    house = await _house(tmp_path, persist=False)
    await _command(house, "alarm_trigger")
    await house.runtime.advance(40)
    assert _shown(house)[0] == "disarmed"
    # Home Assistant 2024.3 shows disarmed but stays triggered inside: it has no
    # trigger time for that, and the trigger fails.
    with pytest.raises(NoTriggerTime):
        await _command(house, "alarm_trigger")
    await _command(house, "alarm_arm_away")
    assert _shown(house)[1]["previous_state"] == "triggered"
    await house.stop()


async def test_a_house_restarted_while_arming_goes_on_arming_from_when_it_began(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path)
    await _command(house, "alarm_arm_away", code="1234")
    await house.runtime.advance(20)
    await house.stop()

    again = await _house(tmp_path, START + timedelta(seconds=25))
    state, attributes = _shown(again)
    assert (state, attributes["previous_state"], attributes["next_state"]) == (
        "arming",
        "disarmed",
        "armed_away",
    )
    await again.runtime.advance(34)
    assert _shown(again)[0] == "arming"
    await again.runtime.advance(1)  # 60 s after arming began, before the restart
    assert _shown(again) == ("armed_away", _attributes())
    await again.stop()


async def test_a_house_restarted_while_pending_is_triggered_then_back_on_time(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path)
    await _command(house, "alarm_arm_home", code="1234")
    await house.runtime.advance(60)
    await _command(house, "alarm_trigger")
    await house.runtime.advance(10)
    await house.stop()

    again = await _house(tmp_path, START + timedelta(seconds=75))
    state, attributes = _shown(again)
    assert (state, attributes["previous_state"], attributes["next_state"]) == (
        "pending",
        "armed_home",
        "triggered",
    )
    await again.runtime.advance(15)  # 30 s after the trigger
    assert _shown(again) == ("triggered", _attributes(previous_state="armed_home"))
    await again.runtime.advance(120)
    assert _shown(again) == ("armed_home", _attributes())
    await again.stop()


async def test_a_panel_saved_pending_by_home_assistant_goes_on_from_its_saved_time(
    tmp_path: Path,
) -> None:
    saved_at = START - timedelta(seconds=20)
    saved = {
        "entity_id": PANEL,
        "state": "pending",
        "attributes": {"previous_state": "armed_night", "next_state": "triggered"},
        "last_changed": saved_at.isoformat(),
        "last_updated": saved_at.isoformat(),
    }
    storage = tmp_path / ".storage"
    storage.mkdir()
    restore_file = {"version": 1, "key": "core.restore_state", "data": [{"state": saved}]}
    (storage / "core.restore_state").write_text(json.dumps(restore_file), encoding="utf-8")
    house = await _house(tmp_path, persist=False)
    assert _shown(house)[0] == "pending"
    await house.runtime.advance(10)  # the 30 s delay of armed_night, from the saved time
    assert _shown(house) == ("triggered", _attributes(previous_state="armed_night"))
    await house.stop()


def _attributes(**extra: Any) -> dict[str, Any]:
    return {
        "code_format": "number",
        "changed_by": None,
        "code_arm_required": True,
        **extra,
        "friendly_name": "House",
        "supported_features": 63,
    }
