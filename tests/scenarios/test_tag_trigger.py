"""The tag trigger's configuration: what is refused, where, and why; what is read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from homeloom.house import House
from homeloom.orchestrator import ConfigIssue, Runtime, TestClock
from homeloom.scenarios import load_yaml_text, validate_triggers
from homeloom.scenarios._errors import ScenarioConfigError
from homeloom.scenarios._schema import automation_schema

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
RUNTIME = Runtime(clock=TestClock(START))


def _issues(trigger: str) -> list[ConfigIssue]:
    """The problems of one trigger, written at line 2 of automations.yaml."""
    triggers = load_yaml_text(f"# a scan\n- {trigger}\n", "automations.yaml")
    try:
        validate_triggers(RUNTIME, triggers)
    except ScenarioConfigError as err:
        return list(err.issues)
    return []


@pytest.mark.parametrize(
    ("trigger", "key", "column", "words"),
    [
        ("{trigger: tag, device_id: phone}", "tag_id", 3, "'tag_id' is required: the tag's id"),
        ("{trigger: tag, tag_id: {front: door}}", "tag_id", 18, "one id or a list of ids"),
        ("{platform: tag, tag_id: [front, [back]]}", "tag_id", 19, "not ['back']"),
        ("{trigger: tag, tag_id: a, device_id: [phone, null]}", "device_id", 29, "not None"),
    ],
)
def test_a_wrong_tag_trigger_is_refused_at_its_place(
    trigger: str, key: str, column: int, words: str
) -> None:
    [issue] = _issues(trigger)
    assert issue.key == f"triggers[0].{key}"
    assert (issue.file, issue.line, issue.column) == ("automations.yaml", 2, column)
    assert words in issue.message


@pytest.mark.parametrize(
    "trigger",
    [
        "{trigger: tag, tag_id: 1234}",
        "{trigger: tag, tag_id: null}",
        "{platform: tag, tag_id: [a, 2], device_id: []}",
    ],
)
def test_numbers_null_and_empty_lists_are_taken_as_home_assistant_takes_them(
    trigger: str,
) -> None:
    assert _issues(trigger) == []


async def test_a_scan_runs_the_scenario_and_a_refused_one_never_attaches(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "automation:\n"
        "  - id: scan\n"
        "    triggers: [{trigger: tag, tag_id: [front, back], device_id: phone}]\n"
        "    actions:\n"
        "      - action: notify.notify\n"
        "        data: {message: '{{ trigger.event.data.tag_id }}'}\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    assert (await house.setup()).errors == []
    await house.start()
    messages: list[str] = []
    house.runtime.bus.listen(
        "homeloom_notification", lambda event: messages.append(event.data["message"])
    )
    for data in (
        {"tag_id": "back", "device_id": "phone"},
        {"tag_id": "back", "device_id": "tablet"},
        {"tag_id": ["back"], "device_id": "phone"},  # not an id: no match, no failure
        {"tag_id": "front", "device_id": "phone"},
    ):
        house.runtime.bus.fire("tag_scanned", data)
        await house.runtime.idle()
    assert messages == ["back", "front"]
    await house.stop()


def test_the_schema_takes_a_tag_trigger_and_refuses_a_misspelt_key() -> None:
    validator = jsonschema.Draft202012Validator(automation_schema())
    good = {
        "id": "scan",
        "triggers": [{"trigger": "tag", "tag_id": ["front", 12], "device_id": "phone"}],
        "actions": [{"delay": 1}],
    }
    assert not list(validator.iter_errors(good))
    misspelt = {**good, "triggers": [{"platform": "tag", "tag": "front"}]}
    assert list(validator.iter_errors(misspelt))
