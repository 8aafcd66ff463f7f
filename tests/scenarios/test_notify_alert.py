"""Notify groups and alerts: what Home Assistant 2024.3 refuses of their configuration
(each error with its file, line and key, and what is valid), and what their
notifications become in the house. What they send is checked against Home Assistant by
the cases in ``cases/corners_notify_alert.yaml``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Notifications, TestClock
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import config_errors

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ("- action: ann_phone", "unknown key 'action' (valid: service, data)"),
        ("- data: {priority: high}", "'service' missing"),
        ("- service: Ann Phone", "such as 'ann_phone'"),
        ("- service: ann_phone\n        data: loud", "'data' must be a mapping"),
        ("- ann_phone", "expected a mapping"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_notify_group_member_is_an_error_at_its_line(
    tmp_path: Path, member: str, words: str
) -> None:
    block = f"notify:\n  - platform: group\n    name: family\n    services:\n      {member}\n"
    [(line, key, message)] = await config_errors(tmp_path, block)
    assert (line, key) == (5, "notify[0].services[0]")
    assert words in message


@_LOGS_ITS_ERRORS
async def test_a_notify_group_without_services_is_an_error(tmp_path: Path) -> None:
    block = "notify:\n  - platform: group\n    name: family\n"
    [(line, key, message)] = await config_errors(tmp_path, block)
    assert (line, key) == (2, "notify[0].services")
    assert "'services' missing" in message


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("repeat: 0.01", "repeat", "at least 0.016 min"),
        ("repeat: soon", "repeat", "expected minutes"),
        ("repeat: 1\n    skip_first: maybe", "skip_first", "expected a boolean"),
        ("repeat: 1\n    can_acknowledge: perhaps", "can_acknowledge", "expected a boolean"),
        ("repeat: 1\n    notifier: ann", "notifier", "valid: can_acknowledge, data"),
        ("repeat: 1\n    message: '{{ oops'", "message", "syntax error"),
        ("repeat: 1\n    data: loud", "data", "expected a mapping"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_alert_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    block = f"alert:\n  door:\n    name: Door\n    entity_id: binary_sensor.door\n    {option}\n"
    errors = await config_errors(tmp_path, block)
    [(line, found_key, message)] = errors
    assert found_key == f"alert.door.{key}"
    assert line == 5 + option.count("\n")
    assert words in message


@_LOGS_ITS_ERRORS
async def test_an_alert_missing_a_required_option_names_them_all(tmp_path: Path) -> None:
    block = "alert:\n  door:\n    name: Door\n    entity_id: binary_sensor.door\n"
    [(line, key, message)] = await config_errors(tmp_path, block)
    assert (line, key) == (2, "alert.door.repeat")
    assert "needs name, entity_id and repeat" in message


@_LOGS_ITS_ERRORS
async def test_an_alert_key_must_be_a_slug(tmp_path: Path) -> None:
    block = (
        "alert:\n  Front Door:\n    name: Door\n    entity_id: binary_sensor.door\n    repeat: 1\n"
    )
    [(line, key, message)] = await config_errors(tmp_path, block)
    assert (line, key) == (2, "alert.Front Door")
    assert "'front_door'" in message


def test_only_notify_groups_and_alerts_are_provided() -> None:
    config = {
        "notify": [{"platform": "group", "services": []}, {"platform": "pushover"}],
        "alert": {},
    }
    [warning] = unsupported_keys(config)
    assert "'pushover' is not provided" in warning.message


HOUSE = """\
homeassistant:
  time_zone: Europe/Paris
homeloom:
  autonomy: "off"
notify:
  - platform: group
    name: Family
    services:
      - service: ann_phone
      - service: bob_phone
        data: {data: {sound: bell}}
alert:
  door:
    name: Door open
    entity_id: binary_sensor.door
    repeat: 1
    notifiers: [family]
"""


async def test_members_get_their_own_channels_and_are_never_held_for_approval(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(HOUSE, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    report = await house.setup()
    assert report.errors == [] and report.warnings == []
    await house.start()
    runtime = house.runtime
    runtime.states.set("binary_sensor.door", "on")
    await runtime.idle()
    assert runtime.states.is_state("alert.door", "on")
    notifications = runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    sent = [(n.channel, n.recipient, n.message, n.data) for n in notifications.items]
    assert sent == [
        ("notify.ann_phone", "ann_phone", "Door open", {}),
        ("notify.bob_phone", "bob_phone", "Door open", {"sound": "bell"}),
    ]
    await house.stop()
