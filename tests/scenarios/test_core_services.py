"""The core services the cases cannot show: reloads, checks, stop and restart, and the
autonomy gate's view of them (the oracle stubs them all)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Notifications, Proposals, TestClock
from homeloom.scenarios._core_services import RESTART_EXIT_CODE, ConfigRefused
from homeloom.scenarios._select_services import offset_option

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CORE = """\
homeassistant:
  name: Home
  latitude: 48.8566
  longitude: 2.3522
  time_zone: Europe/Paris
"""
AUTOMATION = """\
automation:
  - id: first
    triggers: [{trigger: event, event_type: go}]
    actions: [{action: notify.notify, data: {message: first}}]
"""
BROKEN = "input_number:\n  level: {min: 10, max: 0}\n"


async def _house(tmp_path: Path, text: str = CORE + AUTOMATION) -> House:
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    return house


def _rewrite(house: House, text: str) -> None:
    (house.config_dir / "configuration.yaml").write_text(text, encoding="utf-8")


async def test_reload_all_reads_the_automations_again(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    _rewrite(house, CORE + AUTOMATION.replace("first", "second"))
    await house.runtime.services.call("homeassistant", "reload_all")
    assert house.automations.find("second") is not None
    assert house.automations.find("first") is None
    await house.stop()


@pytest.mark.allow_error_logs
async def test_reload_all_refuses_a_configuration_with_errors(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    _rewrite(house, CORE + AUTOMATION.replace("first", "second") + BROKEN)
    with pytest.raises(ConfigRefused, match="cannot reload"):
        await house.runtime.services.call("homeassistant", "reload_all")
    assert house.automations.find("first") is not None  # nothing was reloaded
    await house.stop()


@pytest.mark.allow_error_logs
async def test_check_config_tells_of_errors_in_a_persistent_notification(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    await house.runtime.services.call("homeassistant", "check_config")  # valid: nothing
    notifications = house.runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    assert [item.id for item in notifications.items] == []
    _rewrite(house, CORE + AUTOMATION + BROKEN)
    with pytest.raises(ConfigRefused, match=r"input_number\.level"):
        await house.runtime.services.call("homeassistant", "check_config")
    (item,) = notifications.items
    assert (item.id, item.title) == ("homeassistant.check_config", "Config validating")
    await house.stop()


async def test_reload_core_config_changes_the_settings_but_not_zone_home(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    moved = CORE.replace("name: Home", "name: Cottage").replace("48.8566", "45.0")
    _rewrite(house, moved.replace("Europe/Paris", "America/New_York") + AUTOMATION)
    await house.runtime.services.call("homeassistant", "reload_core_config")
    settings = house.runtime.settings
    assert (settings.name, settings.latitude, settings.time_zone) == (
        "Cottage",
        45.0,
        "America/New_York",
    )
    home = house.runtime.states.get("zone.home")
    assert home is not None
    # As Home Assistant 2024.3: the home zone moves on set_location only.
    assert home.attributes["latitude"] == 48.8566
    await house.stop()


async def test_stop_and_restart_ask_the_serving_process_with_their_exit_codes(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path)
    codes: list[int] = []
    house.on_stop_request = codes.append
    await house.runtime.services.call("homeassistant", "stop")
    await house.runtime.services.call("homeassistant", "restart")
    assert codes == [0, RESTART_EXIT_CODE]
    await house.stop()


@pytest.mark.allow_error_logs
async def test_restart_is_refused_while_the_configuration_has_errors(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    codes: list[int] = []
    house.on_stop_request = codes.append
    _rewrite(house, CORE + AUTOMATION + BROKEN)
    with pytest.raises(ConfigRefused, match="cannot restart"):
        await house.runtime.services.call("homeassistant", "restart")
    assert codes == []
    await house.stop()


async def test_stop_without_a_serving_process_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = await _house(tmp_path)
    with caplog.at_level(logging.WARNING):
        await house.runtime.services.call("homeassistant", "stop")
    assert "no process serves this house" in caplog.text
    assert house.runtime.running
    await house.stop()


async def test_restart_is_guarded_and_logging_is_never_held(tmp_path: Path) -> None:
    text = CORE + (
        "automation:\n"
        "  - id: nightly\n"
        "    triggers: [{trigger: event, event_type: go}]\n"
        "    actions:\n"
        "      - action: system_log.write\n"
        "        data: {message: restarting now, level: info}\n"
        "      - action: homeassistant.restart\n"
    )
    house = await _house(tmp_path, text)
    codes: list[int] = []
    house.on_stop_request = codes.append
    house.runtime.bus.fire("go")
    await house.runtime.idle()
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)
    (proposal,) = proposals.pending()  # even on auto, a person decides
    assert proposal.calls[0]["service"] == "homeassistant.restart"
    assert codes == []
    proposals.approve(proposal.id, user="alice", channel="dashboard")
    await house.runtime.idle()
    assert codes == [RESTART_EXIT_CODE]
    await house.stop()


async def test_system_log_write_logs_at_the_level_and_logger_given(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = await _house(tmp_path)
    with caplog.at_level(logging.DEBUG):
        await house.runtime.services.call(
            "system_log", "write", {"message": "door open", "level": "warning", "logger": "doors"}
        )
    (record,) = [r for r in caplog.records if r.getMessage() == "door open"]
    assert (record.name, record.levelname) == ("doors", "WARNING")
    await house.stop()


@pytest.mark.parametrize(
    ("current", "move", "cycle", "expected"),
    [
        ("b", "select_next", True, "c"),
        ("c", "select_next", True, "a"),
        ("c", "select_next", False, "c"),
        ("a", "select_previous", True, "c"),
        ("a", "select_previous", False, "a"),
        ("zzz", "select_next", True, "b"),  # one not listed counts as the first
        ("zzz", "select_previous", True, "c"),
        (None, "select_next", True, "a"),  # no option: the next is the first
        (None, "select_previous", True, "c"),  # and the previous the last
        ("b", "select_first", True, "a"),
        ("b", "select_last", True, "c"),
    ],
)
def test_offset_option_moves_as_home_assistant(
    current: str | None, move: str, cycle: bool, expected: str
) -> None:
    assert offset_option(["a", "b", "c"], current, move, cycle) == expected


async def _sun_updates_over_two_days(tmp_path: Path, move: bool) -> int:
    house = await _house(tmp_path, CORE + "sun:\n")
    sun = house.runtime.components["sun"]
    if move:
        location = {"latitude": 45.764, "longitude": 4.8357}
        await house.runtime.services.call("homeassistant", "set_location", location)
    updates = 0
    update_events = sun.update_events

    def counted(due: datetime | None = None) -> None:
        nonlocal updates
        updates += 1
        update_events(due)

    sun.update_events = counted  # the timer already set calls the original: once more
    await house.runtime.advance(2 * 86400)
    await house.stop()
    return updates


async def test_set_location_replans_the_sun_without_a_second_chain_of_timers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    moved = await _sun_updates_over_two_days(tmp_path_factory.mktemp("moved"), move=True)
    stayed = await _sun_updates_over_two_days(tmp_path_factory.mktemp("stayed"), move=False)
    assert moved == stayed
