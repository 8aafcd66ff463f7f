"""Universal media players and legacy device trackers: what Home Assistant 2024.3 refuses
of their configuration (each error with its file, line and key, and what is valid),
options the oracle cannot run (``track_new_devices``, a block's ``consider_home``), and
what homeloom does instead of writing ``known_devices.yaml``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import TestClock
from homeloom.scenarios._provided import unsupported_keys

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CORE = "homeloom:\n  time_zone: Europe/Paris\n  latitude: 48.8566\n  longitude: 2.3522\n"


async def _errors(
    tmp_path: Path, text: str
) -> list[tuple[str | None, int | None, str | None, str]]:
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    report = await check_config(tmp_path)
    return [(issue.file, issue.line, issue.key, issue.message) for issue in report.errors]


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("device_class: radio", "device_class", "valid: receiver, speaker, tv"),
        ("commands: {turn_on: {data: {a: 1}}}", "commands", "must be a service call"),
        ("commands: [turn_on]", "commands", "maps a service"),
        ("commands: {turn_on: {service: 5}}", "commands.turn_on/0.action", "a service name"),
        ("attributes: [{state: switch.a}]", "attributes", "maps an attribute"),
        ("attributes: {Is Muted: switch.a}", "attributes", "use a slug"),
        ("children: [tv]", "children", "is not an entity id"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_universal_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    block = f"media_player:\n  - platform: universal\n    name: Den\n    {option}\n"
    [(_, line, found_key, message)] = await _errors(tmp_path, block)
    assert found_key == f"media_player[0].{key}"
    assert line == 4
    assert words in message


@_LOGS_ITS_ERRORS
async def test_a_universal_player_needs_a_name(tmp_path: Path) -> None:
    block = "media_player:\n  - platform: universal\n    children: [media_player.tv]\n"
    [(_, line, key, message)] = await _errors(tmp_path, block)
    assert (line, key) == (2, "media_player[0].name")
    assert "'name' missing" in message


def test_universal_is_provided_and_tracker_scanners_are_warned_about() -> None:
    config = {
        "media_player": [{"platform": "universal"}],
        "device_tracker": [{"platform": "nmap_tracker"}],
    }
    [issue] = unsupported_keys(config)
    assert "'device_tracker' platform 'nmap_tracker' is not provided" in issue.message


@pytest.mark.parametrize(
    ("entry", "line", "key", "words"),
    [
        ("phone:\n  name: Phone\n  colour: red\n", 3, "colour", "valid: consider_home, gravatar"),
        ("phone:\n  mac: aa:bb\n", 1, None, "needs a 'name'"),
        ("phone:\n  name: Phone\n  icon: phone\n", 3, "icon", "is not an icon"),
        ("phone:\n  name: Phone\n  track: maybe\n", 3, "track", "expected a boolean"),
        ("phone:\n  name: Phone\n  consider_home: -5\n", 3, "consider_home", "positive time"),
        ("phone:\n  name: Phone\n  consider_home: soon\n", 3, "consider_home", "not a duration"),
        ("phone: Phone\n", 1, None, "expected a mapping"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_known_device_is_an_error_at_its_line(
    tmp_path: Path, entry: str, line: int, key: str | None, words: str
) -> None:
    (tmp_path / "known_devices.yaml").write_text(entry, encoding="utf-8")
    [(file, found_line, found_key, message)] = await _errors(tmp_path, "device_tracker: []\n")
    assert file == "known_devices.yaml"
    assert found_line == line
    assert found_key == "known_devices.yaml.phone"
    assert words in message
    if key is not None:
        assert message.startswith(f"{key}:")


@_LOGS_ITS_ERRORS
async def test_a_bad_consider_home_in_the_block_is_an_error(tmp_path: Path) -> None:
    block = "device_tracker:\n  - platform: nmap_tracker\n    consider_home: soon\n"
    [(_, line, key, message)] = await _errors(tmp_path, block)
    assert (line, key) == (2, "device_tracker[0]")
    assert "not a duration" in message


async def _house(config_dir: Path, clock: TestClock) -> House:
    house = House(config_dir, clock=clock, adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def test_without_a_block_or_known_devices_there_is_no_see_service(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE, encoding="utf-8")
    house = await _house(tmp_path, TestClock(START))
    assert not house.runtime.services.has("device_tracker", "see")
    await house.stop()


async def test_new_devices_untracked_and_consider_home_from_the_block(tmp_path: Path) -> None:
    text = CORE + (
        "device_tracker:\n  - platform: nmap_tracker\n    consider_home: 60\n"
        "    new_device_defaults: {track_new_devices: false}\n"
    )
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "known_devices.yaml").write_text("kid:\n  name: Kid\n  track: true\n")
    clock = TestClock(START)
    house = await _house(tmp_path, clock)
    see = house.runtime.services.call
    await see("device_tracker", "see", {"dev_id": "stranger"})
    await see("device_tracker", "see", {"dev_id": "kid", "source_type": "router"})
    await house.runtime.idle()
    assert house.runtime.states.get("device_tracker.stranger") is None  # remembered, not shown
    assert house.runtime.states.is_state("device_tracker.kid", "home")
    await house.runtime.advance(70)
    await house.runtime.idle()
    assert house.runtime.states.is_state("device_tracker.kid", "not_home")
    await house.stop()


async def test_a_new_device_is_logged_never_written_to_known_devices(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE, encoding="utf-8")
    known = tmp_path / "known_devices.yaml"
    known.write_text("# mine\n", encoding="utf-8")
    house = await _house(tmp_path, TestClock(START))
    with caplog.at_level(logging.WARNING):
        await house.runtime.services.call("device_tracker", "see", {"mac": "aa:bb:cc:dd:ee:ff"})
        await house.runtime.idle()
    state = house.runtime.states.get("device_tracker.aa_bb_cc_dd_ee_ff")
    assert state is not None and state.state == "home"
    assert known.read_text(encoding="utf-8") == "# mine\n"
    assert "aa_bb_cc_dd_ee_ff: {name: aa_bb_cc_dd_ee_ff, mac: AA:BB:CC:DD:EE:FF" in caplog.text
    await house.stop()


async def test_a_tracked_known_device_comes_back_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE + "device_tracker: []\n")
    (tmp_path / "known_devices.yaml").write_text("ann:\n  name: Ann\n  track: true\n")
    clock = TestClock(START)
    house = await _house(tmp_path, clock)
    data = {"dev_id": "ann", "gps": [48.8566, 2.3522], "battery": 40}
    await house.runtime.services.call("device_tracker", "see", data)
    await house.runtime.idle()
    await house.stop()

    again = await _house(tmp_path, clock)
    state = again.runtime.states.get("device_tracker.ann")
    assert state is not None and state.state == "home"
    assert (state.attributes["battery"], state.attributes["latitude"]) == (40, 48.8566)
    await again.stop()


@_LOGS_ITS_ERRORS
async def test_a_player_that_is_its_own_child_is_not_called_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # volume_up's command brings the volume step feature, which volume_down shares: with
    # no command of its own, volume_down goes to the active child, the player itself.
    text = CORE + (
        "media_player:\n  - platform: universal\n    name: Loop\n"
        "    active_child_template: \"{{ 'media_player.loop' }}\"\n"
        "    commands:\n      volume_up: {service: notify.notify, data: {message: up}}\n"
    )
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    house = await _house(tmp_path, TestClock(START))
    target = {"entity_id": "media_player.loop"}
    await house.runtime.services.call("media_player", "volume_down", {}, target=target)
    await house.runtime.idle()
    assert "a call came back to it through its children" in caplog.text
    await house.stop()
