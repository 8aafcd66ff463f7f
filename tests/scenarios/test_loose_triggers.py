"""Loose triggers and load-time leniencies of residents' real files, as Home Assistant
2024.3 has them (conformance cases: cases/loose_triggers.yaml).

The persistent_notification trigger on homeloom's persistent notifications; a text
written as the whole action, refused at its place; a time_pattern of "/0" and a
calendar trigger naming a calendar the house lacks, which load with that trigger left
out; and ``homeloom check`` warning of a state written as a YAML boolean or number.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.cli import main
from homeloom.house import House, check_config
from homeloom.orchestrator import (
    ConfigIssue,
    Event,
    Notifications,
    Runtime,
    ServiceValidationError,
    TestClock,
)
from homeloom.scenarios import load_yaml_text, validate_triggers
from homeloom.scenarios._errors import ScenarioConfigError

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
RUNTIME = Runtime(clock=TestClock(START))


def _write(config_dir: Path, automations: str, extra: str = "") -> None:
    (config_dir / "configuration.yaml").write_text(
        "homeassistant: {time_zone: Europe/Paris, latitude: 48.85, longitude: 2.35}\n"
        f"{extra}automation: !include automations.yaml\n",
        encoding="utf-8",
    )
    (config_dir / "automations.yaml").write_text(automations, encoding="utf-8")


async def _started(config_dir: Path) -> House:
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    return house


def _seen(house: House, event_type: str = "seen") -> list[dict[str, Any]]:
    """The data of each ``event_type`` event the automations fire, as they fire."""
    seen: list[dict[str, Any]] = []

    def on_event(event: Event) -> None:
        seen.append(dict(event.data))

    house.runtime.bus.listen(event_type, on_event)
    return seen


# --- the persistent_notification trigger -----------------------------------------------


def _trigger_issues(trigger: str) -> list[ConfigIssue]:
    """The problems of one trigger, written at line 2 of automations.yaml."""
    triggers = load_yaml_text(f"# watched\n- {trigger}\n", "automations.yaml")
    try:
        validate_triggers(RUNTIME, triggers)
    except ScenarioConfigError as err:
        return list(err.issues)
    return []


@pytest.mark.parametrize(
    ("trigger", "key", "column", "words"),
    [
        (
            "{platform: persistent_notification, notification_id: 5}",
            "notification_id",
            39,
            "notification_id must be text, got 5: quote it",
        ),
        (
            "{trigger: persistent_notification, update_type: [added, Removed]}",
            "update_type",
            38,
            "update_type 'Removed' is none of: current, added, removed, updated",
        ),
        (
            "{platform: persistent_notification, entity_id: sensor.x}",
            "entity_id",
            39,
            "unknown key 'entity_id' in a persistent_notification trigger; valid: alias",
        ),
    ],
)
def test_a_wrong_persistent_notification_trigger_is_refused_at_its_place(
    trigger: str, key: str, column: int, words: str
) -> None:
    [issue] = _trigger_issues(trigger)
    assert issue.key == f"triggers[0].{key}"
    assert (issue.file, issue.line, issue.column) == ("automations.yaml", 2, column)
    assert words in issue.message


@pytest.mark.parametrize(
    "trigger",
    [
        "{platform: persistent_notification}",
        "{trigger: persistent_notification, update_type: removed, notification_id: door}",
        "{platform: persistent_notification, update_type: [current, updated], id: never}",
        "{platform: persistent_notification, notification_id: ''}",
    ],
)
def test_the_persistent_notification_triggers_home_assistant_loads_load(trigger: str) -> None:
    assert _trigger_issues(trigger) == []


async def test_a_notification_made_and_dismissed_runs_the_automation_with_it(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "- id: watch\n"
        "  mode: queued\n"
        "  triggers: [{trigger: persistent_notification}]\n"
        "  actions:\n"
        "    - event: seen\n"
        "      event_data:\n"
        "        update: '{{ trigger.update_type }}'\n"
        "        id: '{{ trigger.notification.notification_id }}'\n"
        "        message: '{{ trigger.notification.message }}'\n"
        "        title: '{{ trigger.notification.title }}'\n"
        "        created: '{{ trigger.notification.created_at.isoformat() }}'\n",
    )
    house = await _started(tmp_path)
    seen = _seen(house)
    services = house.runtime.services
    create = {"message": "Door open", "title": "Door", "notification_id": "door"}
    await services.call("persistent_notification", "create", create)
    await house.runtime.advance(30)
    await services.call("persistent_notification", "create", {"message": "Nameless"})
    await house.runtime.idle()
    notifications = house.runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    [door, nameless] = notifications.persistent.values()
    assert door == {
        "message": "Door open",
        "notification_id": "door",
        "title": "Door",
        "created_at": START,
    }
    # Without an id, one is made as Home Assistant makes it: 32 hexadecimal digits.
    assert len(nameless["notification_id"]) == 32
    int(nameless["notification_id"], 16)
    await services.call("persistent_notification", "dismiss", {"notification_id": "door"})
    await services.call("persistent_notification", "dismiss", {"notification_id": "door"})
    await services.call("persistent_notification", "dismiss_all", {})
    await services.call("persistent_notification", "dismiss_all", {})
    await house.runtime.idle()
    assert notifications.persistent == {}
    assert [(item["update"], item["message"], item["title"]) for item in seen] == [
        ("added", "Door open", "Door"),
        ("added", "Nameless", None),
        ("removed", "Door open", "Door"),
        ("removed", "Nameless", None),
    ]
    assert seen[0]["created"] == seen[2]["created"] == "2026-06-01T18:00:00+00:00"
    assert seen[1]["id"] == nameless["notification_id"]
    # The dashboard's items of dismissed notifications are dismissed with them.
    assert all(item.dismissed for item in notifications.items if item.channel == "persistent")
    await house.stop()


async def test_a_notification_made_again_replaces_it_and_only_its_id_and_kinds_fire(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "- id: door\n"
        "  triggers:\n"
        "    - {trigger: persistent_notification, notification_id: door, update_type: added}\n"
        "  actions: [{event: seen, event_data: {message: '{{ trigger.notification.message }}'}}]\n",
    )
    house = await _started(tmp_path)
    seen = _seen(house)
    services = house.runtime.services
    for message, notification_id in (("Open", "door"), ("Still open", "door"), ("Ajar", "gate")):
        data = {"message": message, "notification_id": notification_id}
        await services.call("persistent_notification", "create", data)
        await house.runtime.advance(1)
    await services.call("persistent_notification", "dismiss", {"notification_id": "door"})
    await house.runtime.idle()
    assert [item["message"] for item in seen] == ["Open", "Still open"]
    notifications = house.runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    assert list(notifications.persistent) == ["gate"]
    await house.stop()


async def test_a_trigger_of_an_automation_turned_off_stops_listening(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: watch\n"
        "  alias: Watch\n"
        "  triggers: [{trigger: persistent_notification}]\n"
        "  actions: [{event: seen}]\n",
    )
    house = await _started(tmp_path)
    seen = _seen(house)
    services = house.runtime.services
    await services.call("persistent_notification", "create", {"message": "one"})
    await house.runtime.idle()
    await services.call("automation", "turn_off", {"entity_id": "automation.watch"})
    await services.call("persistent_notification", "create", {"message": "two"})
    await house.runtime.idle()
    assert len(seen) == 1
    await services.call("automation", "turn_on", {"entity_id": "automation.watch"})
    await services.call("persistent_notification", "dismiss_all", {})
    await house.runtime.idle()
    assert len(seen) == 3  # both notifications dismissed, once each
    await house.stop()


# --- a text written as the whole action ------------------------------------------------


@pytest.mark.allow_error_logs  # the loading logs what it refuses
async def test_a_text_as_the_whole_action_is_refused_at_its_key(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: text\n"
        "  triggers: [{trigger: event, event_type: go}]\n"
        "  actions: \"{{ is_state('light.hall', 'on') }}\"\n",
    )
    report = await check_config(tmp_path)
    [issue] = report.errors
    assert (issue.file, issue.line, issue.key) == ("automations.yaml", 3, "actions")
    assert "a step must be a mapping" in issue.message
    assert "`condition: template`" in issue.message


@pytest.mark.allow_error_logs  # the loading logs what it refuses
async def test_a_text_written_as_a_step_is_refused_at_its_place(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: text\n"
        "  triggers: [{trigger: event, event_type: go}]\n"
        "  actions:\n"
        "    - \"{{ is_state('light.hall', 'on') }}\"\n"
        '    - if: "{{ true }}"\n'
        "      then:\n"
        "        - some text\n",
        "script:\n  greet:\n    sequence: [hello]\n",
    )
    report = await check_config(tmp_path)
    found = {(issue.file, issue.line, issue.column, issue.key) for issue in report.errors}
    assert found == {
        ("automations.yaml", 4, 7, "action/0"),
        ("automations.yaml", 7, 11, "action/1/then/0"),
        ("configuration.yaml", 4, 16, "sequence/0"),
    }
    assert all("a step must be a mapping" in issue.message for issue in report.errors)
    assert report.scenarios_loaded == 0


# --- triggers that load but are left out -----------------------------------------------


@pytest.mark.allow_error_logs
async def test_a_time_pattern_of_slash_zero_is_left_out_and_the_automation_runs_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(
        tmp_path,
        "- id: ticker\n"
        "  alias: Ticker\n"
        "  triggers:\n"
        "    - {trigger: time_pattern, minutes: /0}\n"
        "    - {trigger: event, event_type: go}\n"
        "  actions: [{event: seen, event_data: {by: '{{ trigger.platform }}'}}]\n",
    )
    house = await _started(tmp_path)
    seen = _seen(house)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "Ticker: error setting up trigger triggers[0] (time_pattern): minutes: '/0' divides"
        " by zero; it never fires, the other triggers work"
    ]
    await house.runtime.advance(7200)
    house.runtime.bus.fire("go", {})
    await house.runtime.idle()
    assert seen == [{"by": "event"}]
    ticker = house.runtime.states.get("automation.ticker")
    assert ticker is not None and ticker.state == "on"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_calendar_the_house_lacks_is_left_out_and_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(
        tmp_path,
        "- id: agenda\n"
        "  alias: Agenda\n"
        "  triggers:\n"
        "    - {trigger: calendar, entity_id: calendar.work, event: start}\n"
        "    - {trigger: event, event_type: go}\n"
        "  actions: [{event: seen}]\n",
    )
    report = await check_config(tmp_path)
    assert report.errors == []
    [warning] = [w for w in report.warnings if w.key == "triggers[0].entity_id"]
    assert (warning.file, warning.line, warning.scenario) == ("automations.yaml", 4, "agenda")
    assert "no calendar 'calendar.work'" in warning.message
    assert "left out" in warning.message
    house = await _started(tmp_path)
    seen = _seen(house)
    assert any(
        "Agenda: error setting up trigger triggers[0] (calendar): entity_id: no calendar"
        " 'calendar.work'" in r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR
    )
    house.runtime.bus.fire("go", {})
    await house.runtime.idle()
    assert len(seen) == 1
    await house.stop()


# --- homeloom check: states written as YAML booleans or numbers ------------------------

LENIENT = """\
- id: lamp
  triggers:
    - trigger: state
      entity_id: light.hall
      to: on
      from: [off, Yes, 5]
    - {trigger: state, entity_id: light.hall, to: "on", from: 'off'}
    - {trigger: state, entity_id: light.hall, attribute: lit, to: true}
    - {trigger: time_pattern, seconds: /0}
  conditions:
    - condition: state
      entity_id: light.hall
      state: on   # on
  actions:
    - wait_for_trigger: {trigger: state, entity_id: light.hall, not_to: No}
    - if: [{condition: state, entity_id: light.hall, attribute: lit, state: true}]
      then: [{event: seen}]
"""


async def test_check_warns_of_states_written_as_yaml_booleans_or_numbers(
    tmp_path: Path,
) -> None:
    _write(tmp_path, LENIENT)
    report = await check_config(tmp_path)
    assert report.errors == []
    loose = {
        (w.line, w.column, w.key): w.message
        for w in report.warnings
        if "unknown entity" not in w.message
    }
    assert sorted(loose) == [
        (5, 11, "triggers[0].to"),
        (6, 14, "triggers[0].from[0]"),
        (6, 19, "triggers[0].from[1]"),
        (6, 24, "triggers[0].from[2]"),
        (9, 40, "triggers[3].seconds"),
        (13, 14, "conditions[0].state"),
        (15, 73, "actions[0].wait_for_trigger.not_to"),
    ]
    assert loose[(5, 11, "triggers[0].to")] == (
        "`to: on` unquoted is YAML's boolean true: homeloom reads it as the state 'on',"
        ' but Home Assistant 2024.3 refuses the automation; quote it: `to: "on"`'
    )
    assert "`from: Yes` unquoted is YAML's boolean true" in loose[(6, 19, "triggers[0].from[1]")]
    assert '`from: "5"`' in loose[(6, 24, "triggers[0].from[2]")]
    assert '`state: "on"`' in loose[(13, 14, "conditions[0].state")]
    assert (
        "`not_to: No` unquoted is YAML's boolean false"
        in loose[(15, 73, "actions[0].wait_for_trigger.not_to")]
    )
    assert (
        "seconds: '/0' divides by zero: the automation loads, but this trigger is left out"
        in loose[(9, 40, "triggers[3].seconds")]
    )
    assert all(w.scenario == "lamp" for w in report.warnings)


async def test_the_lenient_states_still_work_as_documented(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "- id: lamp\n"
        "  triggers: [{trigger: state, entity_id: light.hall, to: on, from: off}]\n"
        "  conditions: [{condition: state, entity_id: light.hall, state: on}]\n"
        "  actions: [{event: seen}]\n",
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    assert (await house.setup(lambda rt: rt.states.set("light.hall", "off"))).errors == []
    await house.start()
    seen = _seen(house)
    house.runtime.states.set("light.hall", "on")
    await house.runtime.idle()
    assert len(seen) == 1
    await house.stop()


def test_the_check_command_prints_each_warning_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, LENIENT)
    assert main(["check", "--config", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert (
        "warning: automations.yaml:5:11: triggers[0].to: `to: on` unquoted is YAML's boolean"
        " true: homeloom reads it as the state 'on', but Home Assistant 2024.3 refuses the"
        ' automation; quote it: `to: "on"`' in printed
    )
    assert main(["check", "--config", str(tmp_path), "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any(w["key"] == "conditions[0].state" and w["line"] == 13 for w in warnings)


@pytest.mark.parametrize("written", [{"title": None}, {"message": None}])
async def test_a_persistent_notification_written_with_a_null_title_or_message_is_refused(
    tmp_path: Path, written: dict[str, Any]
) -> None:
    # As Home Assistant 2024.3 (cv.string): a key with no value is no text.
    _write(tmp_path, "[]\n")
    house = await _started(tmp_path)
    call = {"message": "Door open", "notification_id": "door", **written}
    with pytest.raises(ServiceValidationError, match="not null") as refused:
        await house.runtime.services.call("persistent_notification", "create", call)
    assert next(iter(written)) in str(refused.value)
    notifications = house.runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    assert notifications.persistent == {}
    await house.stop()
